//! The analytic hierarchy process: weights from a pairwise comparison
//! matrix, with Saaty's consistency check ([spec](crate::loyalty::spec#ahp-weights)).

use std::fmt;

use crate::{Error, Result};

/// Saaty's random consistency index RI(n) for n = 1..=15 ([spec](crate::loyalty::spec#random-index)).
const SAATY_RI: [f64; 15] = [
    0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59,
];

/// Power iteration stops when `‖w_{k+1} - w_k‖∞` falls below this.
const TOLERANCE: f64 = 1e-15;
/// Power iteration gives up after this many steps.
const MAX_ITERATIONS: usize = 10_000;
/// Relative tolerance of the reciprocity and unit-diagonal checks.
const RECIPROCITY: f64 = 1e-9;

/// A table of random consistency indices RI(n), the mean consistency index
/// of random reciprocal matrices of order n, which the consistency ratio
/// divides by.
///
/// [`RandomIndex::saaty`] (the default) is the [table](crate::loyalty::spec#random-index)
/// \[V: CI/CR/RI; R: Saaty 1980\]:
///
/// ```text
/// n  | 1 2 3    4    5    6    7    8    9    10   11   12   13   14   15
/// RI | 0 0 0.58 0.90 1.12 1.24 1.32 1.41 1.45 1.49 1.51 1.48 1.56 1.57 1.59
/// ```
///
/// Other tables exist (simulated RIs such as 0.525, 0.884, 1.108 for
/// n = 3, 4, 5; Chinese tables beyond n = 10); give one with
/// [`RandomIndex::new`] to replicate a textbook or to go beyond n = 15.
///
/// # Example
///
/// ```
/// use customer_value::loyalty::RandomIndex;
///
/// assert_eq!(RandomIndex::saaty().get(4), Some(0.90));
/// assert_eq!(RandomIndex::saaty().get(16), None);
/// let simulated = RandomIndex::new(vec![0.0, 0.0, 0.525, 0.884, 1.108])?;
/// assert_eq!(simulated.max_order(), 5);
/// assert!(RandomIndex::new(vec![0.0, 0.0, 0.0]).is_err()); // RI(3) = 0 would divide by zero
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "Vec<f64>", into = "Vec<f64>"))]
pub struct RandomIndex {
    values: Vec<f64>,
}

impl Default for RandomIndex {
    fn default() -> Self {
        Self::saaty()
    }
}

impl TryFrom<Vec<f64>> for RandomIndex {
    type Error = Error;
    fn try_from(values: Vec<f64>) -> Result<Self> {
        RandomIndex::new(values)
    }
}

impl From<RandomIndex> for Vec<f64> {
    fn from(ri: RandomIndex) -> Vec<f64> {
        ri.values
    }
}

impl RandomIndex {
    /// Saaty's table for n = 1..=15.
    pub fn saaty() -> Self {
        Self {
            values: SAATY_RI.to_vec(),
        }
    }

    /// A caller table: `values[k]` is RI(k + 1).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when the table is empty, a value is
    /// negative, NaN or infinite, or a value for n >= 3 is 0 (the ratio
    /// CI / RI would be undefined).
    pub fn new(values: Vec<f64>) -> Result<Self> {
        if values.is_empty() {
            return Err(Error::InvalidParameter {
                name: "random index table",
                value: "[]".to_string(),
                reason: "needs at least one entry",
            });
        }
        for (k, &ri) in values.iter().enumerate() {
            let needs_positive = k >= 2;
            if !(ri >= 0.0 && ri.is_finite()) || (needs_positive && !(ri > 0.0)) {
                return Err(Error::InvalidParameter {
                    name: "random index",
                    value: format!("RI({}) = {ri}", k + 1),
                    reason: "must be finite, >= 0, and > 0 for n >= 3",
                });
            }
        }
        Ok(Self { values })
    }

    /// RI(n), `None` beyond the table (or for n = 0).
    pub fn get(&self, n: usize) -> Option<f64> {
        n.checked_sub(1).and_then(|k| self.values.get(k)).copied()
    }

    /// The largest n the table covers.
    pub fn max_order(&self) -> usize {
        self.values.len()
    }
}

/// How an [`AhpResult`]'s weights were computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum AhpMethod {
    /// The principal right eigenvector, by power iteration.
    Eigenvector,
    /// The normalised row geometric means (方根法).
    GeometricMean,
    /// The row means of the column-normalised matrix (和积法).
    ColumnNormalised,
}

impl fmt::Display for AhpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AhpMethod::Eigenvector => "eigenvector",
            AhpMethod::GeometricMean => "geometric mean",
            AhpMethod::ColumnNormalised => "column-normalised mean",
        })
    }
}

/// Weights and consistency statistics of one pairwise comparison matrix.
///
/// ```text
/// λ_max = (1/n) Σ_i (A w)_i / w_i
/// CI    = (λ_max - n) / (n - 1)        (0 for n <= 2)
/// CR    = CI / RI(n)                   (0 for n <= 2)
/// ```
///
/// For the approximations, λ_max is computed with their weights (as
/// textbooks do). λ_max >= n for every positive reciprocal matrix and any
/// positive w, so CI is clamped at 0 to remove rounding noise.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct AhpResult {
    method: AhpMethod,
    weights: Vec<f64>,
    lambda_max: f64,
    ci: f64,
    cr: f64,
    random_index: f64,
}

impl AhpResult {
    /// How the weights were computed.
    pub fn method(&self) -> AhpMethod {
        self.method
    }

    /// The weights, positive and summing to 1, in row order.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// λ_max, the (estimated) principal eigenvalue.
    pub fn lambda_max(&self) -> f64 {
        self.lambda_max
    }

    /// The consistency index CI.
    pub fn ci(&self) -> f64 {
        self.ci
    }

    /// The consistency ratio CR.
    pub fn cr(&self) -> f64 {
        self.cr
    }

    /// The RI(n) used (0 for n <= 2).
    pub fn random_index(&self) -> f64 {
        self.random_index
    }

    /// Whether CR < [`Ahp::CR_LIMIT`] (0.10).
    pub fn is_consistent(&self) -> bool {
        self.cr < Ahp::CR_LIMIT
    }
}

/// A checked pairwise comparison matrix (Saaty 1977, 1980), ready to give
/// weights.
///
/// # Formula
///
/// `A` is n x n, positive, `a_ii = 1`, `a_ji = 1/a_ij` (judgments usually
/// on Saaty's 1-9 scale; any positive value is accepted). Three weightings
/// \[V: CI/CR/RI; R: Saaty\]:
///
/// ```text
/// eigenvector        w = principal right eigenvector of A, Σ w = 1,
///                        power iteration from w = 1/n until ‖Δw‖∞ < 1e-15
/// geometric mean     g_i = (Π_j a_ij)^(1/n),        w = g / Σ g      (方根法)
/// column-normalised  b_ij = a_ij / Σ_k a_kj,        w_i = (1/n) Σ_j b_ij  (和积法)
/// ```
///
/// then λ_max, CI and CR as in [`AhpResult`], with RI from the
/// [`RandomIndex`] table (Saaty's by default). A result with
/// `CR >= 0.10` ([`Ahp::CR_LIMIT`]) is rejected unless the caller accepts
/// inconsistent judgments with [`Ahp::accept_inconsistent`].
///
/// Citations: Saaty, T.L. (1977), *J. Math. Psychology* 15(3):234-281;
/// Saaty, T.L. (1980), *The Analytic Hierarchy Process*, McGraw-Hill.
///
/// # Example
///
/// The top level of the [worked example](crate::loyalty::spec#worked-example):
///
/// ```
/// use customer_value::loyalty::Ahp;
///
/// let top = Ahp::new(&[[1.0, 2.0, 3.0], [1.0 / 2.0, 1.0, 2.0], [1.0 / 3.0, 1.0 / 2.0, 1.0]])?;
/// let r = top.eigenvector()?;
/// let w: Vec<String> = r.weights().iter().map(|w| format!("{w:.4}")).collect();
/// assert_eq!(w, ["0.5396", "0.2970", "0.1634"]);
/// assert_eq!(format!("{:.4} {:.4} {:.4}", r.lambda_max(), r.ci(), r.cr()), "3.0092 0.0046 0.0079");
///
/// // Inconsistent judgments (1 > 2 > 3 > 1) are rejected unless accepted.
/// let circular = Ahp::new(&[[1.0, 5.0, 0.2], [0.2, 1.0, 5.0], [5.0, 0.2, 1.0]])?;
/// assert!(circular.eigenvector().is_err());
/// assert!(circular.accept_inconsistent(true).eigenvector()?.cr() > 0.10);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawAhp", into = "RawAhp"))]
pub struct Ahp {
    n: usize,
    /// Row-major n x n.
    matrix: Vec<f64>,
    random_index: RandomIndex,
    accept_inconsistent: bool,
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct RawAhp {
    matrix: Vec<Vec<f64>>,
    random_index: RandomIndex,
    accept_inconsistent: bool,
}

#[cfg(feature = "serde")]
impl TryFrom<RawAhp> for Ahp {
    type Error = Error;
    fn try_from(raw: RawAhp) -> Result<Self> {
        Ok(Ahp::new(&raw.matrix)?
            .random_index(raw.random_index)
            .accept_inconsistent(raw.accept_inconsistent))
    }
}

#[cfg(feature = "serde")]
impl From<Ahp> for RawAhp {
    fn from(a: Ahp) -> Self {
        RawAhp {
            matrix: a.matrix.chunks(a.n.max(1)).map(<[f64]>::to_vec).collect(),
            random_index: a.random_index,
            accept_inconsistent: a.accept_inconsistent,
        }
    }
}

fn matrix_error(value: String, reason: &'static str) -> Error {
    Error::InvalidParameter {
        name: "pairwise comparison matrix",
        value,
        reason,
    }
}

impl Ahp {
    /// Consistency ratios at or above this are rejected by default.
    pub const CR_LIMIT: f64 = 0.10;

    /// Checks a pairwise comparison matrix given by rows.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when the matrix is empty or not square,
    /// an entry is not positive and finite, a diagonal entry is not 1, or
    /// `a_ij · a_ji` differs from 1 by more than 1e-9 (reciprocity to
    /// 1e-9 relative).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::loyalty::Ahp;
    ///
    /// assert!(Ahp::new(&[[1.0, 2.0], [0.5, 1.0]]).is_ok());
    /// assert!(Ahp::new(&[[1.0, 2.0], [0.4, 1.0]]).is_err()); // not reciprocal
    /// assert!(Ahp::new(&[vec![1.0, 2.0], vec![0.5]]).is_err()); // not square
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new<R: AsRef<[f64]>>(rows: &[R]) -> Result<Self> {
        let n = rows.len();
        if n == 0 {
            return Err(matrix_error("[]".to_string(), "must have at least one row"));
        }
        let mut matrix = Vec::with_capacity(n * n);
        for (i, row) in rows.iter().enumerate() {
            let row = row.as_ref();
            if row.len() != n {
                return Err(matrix_error(
                    format!("row {i} of length {} in a {n}-row matrix", row.len()),
                    "must be square",
                ));
            }
            for (j, &a) in row.iter().enumerate() {
                if !(a > 0.0 && a.is_finite()) {
                    return Err(matrix_error(
                        format!("a[{i}][{j}] = {a}"),
                        "entries must be positive and finite",
                    ));
                }
            }
            matrix.extend_from_slice(row);
        }
        let ahp = Self {
            n,
            matrix,
            random_index: RandomIndex::saaty(),
            accept_inconsistent: false,
        };
        for i in 0..n {
            let aii = ahp.at(i, i);
            if !((aii - 1.0).abs() <= RECIPROCITY) {
                return Err(matrix_error(
                    format!("a[{i}][{i}] = {aii}"),
                    "diagonal entries must be 1",
                ));
            }
            for j in (i + 1)..n {
                let (aij, aji) = (ahp.at(i, j), ahp.at(j, i));
                if !((aij * aji - 1.0).abs() <= RECIPROCITY) {
                    return Err(matrix_error(
                        format!("a[{i}][{j}] = {aij}, a[{j}][{i}] = {aji}"),
                        "must be reciprocal, a_ji = 1/a_ij (to 1e-9 relative)",
                    ));
                }
            }
        }
        Ok(ahp)
    }

    /// Uses another RI table (Saaty's by default).
    pub fn random_index(mut self, table: RandomIndex) -> Self {
        self.random_index = table;
        self
    }

    /// Whether results with `CR >= 0.10` are returned (`true`) or rejected
    /// (`false`, the default).
    pub fn accept_inconsistent(mut self, accept: bool) -> Self {
        self.accept_inconsistent = accept;
        self
    }

    /// The order n of the matrix.
    pub fn order(&self) -> usize {
        self.n
    }

    /// Entry `a_ij`, `None` out of range.
    pub fn get(&self, i: usize, j: usize) -> Option<f64> {
        if i < self.n && j < self.n {
            self.matrix.get(i * self.n + j).copied()
        } else {
            None
        }
    }

    #[inline]
    fn at(&self, i: usize, j: usize) -> f64 {
        self.get(i, j).unwrap_or(f64::NAN)
    }

    fn rows(&self) -> std::slice::Chunks<'_, f64> {
        self.matrix.chunks(self.n)
    }

    /// Weights from the principal right eigenvector, by power iteration.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidParameter`] when n exceeds the RI table (n > 15
    ///   with Saaty's) and n >= 3;
    /// - [`Error::InvalidValue`] when `CR >= 0.10` and inconsistency is
    ///   not accepted, when the iteration does not converge within 10,000
    ///   steps, or when the entries are so extreme that a sum overflows.
    ///
    /// # Example
    ///
    /// See [`Ahp`].
    pub fn eigenvector(&self) -> Result<AhpResult> {
        let n = self.n;
        let mut w = vec![1.0 / n as f64; n];
        let mut next = vec![0.0; n];
        let mut converged = false;
        for _ in 0..MAX_ITERATIONS {
            for (y, row) in next.iter_mut().zip(self.rows()) {
                *y = row.iter().zip(&w).map(|(a, x)| a * x).sum();
            }
            let total: f64 = next.iter().sum();
            let mut delta = 0.0f64;
            for (y, x) in next.iter_mut().zip(&w) {
                *y /= total;
                delta = delta.max((*y - x).abs());
            }
            std::mem::swap(&mut w, &mut next);
            if !delta.is_finite() {
                break;
            }
            if delta < TOLERANCE {
                converged = true;
                break;
            }
        }
        if !converged {
            return Err(Error::InvalidValue {
                what: "ahp eigenvector",
                reason: format!(
                    "power iteration did not reach ‖Δw‖∞ < 1e-15 in {MAX_ITERATIONS} steps for a {n}x{n} matrix"
                ),
            });
        }
        self.finish(AhpMethod::Eigenvector, w)
    }

    /// Weights from the normalised row geometric means (方根法), a
    /// textbook approximation of the eigenvector (exact for n <= 3).
    ///
    /// # Errors
    ///
    /// As [`Ahp::eigenvector`], except non-convergence.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::loyalty::Ahp;
    ///
    /// let a = Ahp::new(&[[1.0, 4.0], [0.25, 1.0]])?;
    /// assert_eq!(a.geometric_mean()?.weights(), &[0.8, 0.2]);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn geometric_mean(&self) -> Result<AhpResult> {
        let n = self.n as f64;
        let g: Vec<f64> = self
            .rows()
            .map(|row| (row.iter().map(|a| a.ln()).sum::<f64>() / n).exp())
            .collect();
        let total: f64 = g.iter().sum();
        self.finish(
            AhpMethod::GeometricMean,
            g.iter().map(|x| x / total).collect(),
        )
    }

    /// Weights from the row means of the column-normalised matrix (和积法).
    ///
    /// # Errors
    ///
    /// As [`Ahp::geometric_mean`].
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::loyalty::Ahp;
    ///
    /// let a = Ahp::new(&[[1.0, 4.0], [0.25, 1.0]])?;
    /// assert_eq!(a.column_normalised()?.weights(), &[0.8, 0.2]);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn column_normalised(&self) -> Result<AhpResult> {
        let n = self.n;
        let mut col_sums = vec![0.0; n];
        for row in self.rows() {
            for (s, a) in col_sums.iter_mut().zip(row) {
                *s += a;
            }
        }
        let w: Vec<f64> = self
            .rows()
            .map(|row| row.iter().zip(&col_sums).map(|(a, s)| a / s).sum::<f64>() / n as f64)
            .collect();
        self.finish(AhpMethod::ColumnNormalised, w)
    }

    /// λ_max, CI, CR and the consistency check for weights `w`.
    fn finish(&self, method: AhpMethod, w: Vec<f64>) -> Result<AhpResult> {
        let n = self.n;
        if let Some((i, x)) = w
            .iter()
            .enumerate()
            .find(|(_, x)| !(**x > 0.0 && x.is_finite()))
        {
            return Err(Error::InvalidValue {
                what: "ahp weights",
                reason: format!("weight {i} is {x}: the matrix entries are too extreme for f64"),
            });
        }
        let lambda_max = self
            .rows()
            .zip(&w)
            .map(|(row, wi)| row.iter().zip(&w).map(|(a, x)| a * x).sum::<f64>() / wi)
            .sum::<f64>()
            / n as f64;
        if !lambda_max.is_finite() {
            return Err(Error::InvalidValue {
                what: "ahp lambda_max",
                reason: format!("{lambda_max}: the matrix entries are too extreme for f64"),
            });
        }
        let (ci, cr, ri) = if n <= 2 {
            (0.0, 0.0, 0.0)
        } else {
            let ri = self
                .random_index
                .get(n)
                .ok_or_else(|| Error::InvalidParameter {
                    name: "random index table",
                    value: format!(
                        "covers n <= {}, matrix has n = {n}",
                        self.random_index.max_order()
                    ),
                    reason: "no RI for this order; give a table that covers it",
                })?;
            let ci = ((lambda_max - n as f64) / (n as f64 - 1.0)).max(0.0);
            (ci, ci / ri, ri)
        };
        if !(cr < Self::CR_LIMIT) && !self.accept_inconsistent {
            return Err(Error::InvalidValue {
                what: "pairwise comparison matrix",
                reason: format!(
                    "inconsistent judgments: consistency ratio {cr:.4} >= 0.10 ({method}, lambda_max {lambda_max:.4}, n = {n}); revise the matrix or accept it explicitly"
                ),
            });
        }
        Ok(AhpResult {
            method,
            weights: w,
            lambda_max,
            ci,
            cr,
            random_index: ri,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOP: [[f64; 3]; 3] = [[1.0, 2.0, 3.0], [0.5, 1.0, 2.0], [1.0 / 3.0, 0.5, 1.0]];

    #[test]
    fn new_valid_and_each_error() {
        assert_eq!(Ahp::new(&TOP).unwrap().order(), 3);
        assert_eq!(Ahp::new(&[[1.0]]).unwrap().get(0, 0), Some(1.0));
        let empty: [[f64; 0]; 0] = [];
        let cases: Vec<Vec<Vec<f64>>> = vec![
            vec![vec![1.0, 2.0], vec![0.5]],                // not square
            vec![vec![1.0, 0.0], vec![0.5, 1.0]],           // zero
            vec![vec![1.0, -2.0], vec![-0.5, 1.0]],         // negative
            vec![vec![1.0, f64::NAN], vec![0.5, 1.0]],      // NaN
            vec![vec![1.0, f64::INFINITY], vec![0.0, 1.0]], // infinite
            vec![vec![2.0, 2.0], vec![0.5, 1.0]],           // diagonal
            vec![vec![1.0, 2.0], vec![0.5 + 1e-6, 1.0]],    // not reciprocal
        ];
        assert!(matches!(
            Ahp::new(&empty),
            Err(Error::InvalidParameter { .. })
        ));
        for m in cases {
            assert!(
                matches!(Ahp::new(&m), Err(Error::InvalidParameter { .. })),
                "{m:?}"
            );
        }
        // Reciprocity within 1e-9 relative is accepted.
        assert!(Ahp::new(&[[1.0, 3.0], [1.0 / 3.0 * (1.0 + 1e-10), 1.0]]).is_ok());
    }

    #[test]
    fn random_index_valid_and_invalid() {
        assert_eq!(RandomIndex::default(), RandomIndex::saaty());
        assert_eq!(RandomIndex::saaty().get(0), None);
        assert_eq!(RandomIndex::saaty().get(15), Some(1.59));
        assert!(RandomIndex::new(vec![]).is_err());
        assert!(RandomIndex::new(vec![0.0, 0.0, -0.5]).is_err());
        assert!(RandomIndex::new(vec![f64::NAN]).is_err());
        assert!(RandomIndex::new(vec![0.0, 0.0]).is_ok());
    }

    #[test]
    fn order_one_and_two() {
        let one = Ahp::new(&[[1.0]]).unwrap().eigenvector().unwrap();
        assert_eq!((one.weights(), one.ci(), one.cr()), (&[1.0][..], 0.0, 0.0));
        let two = Ahp::new(&[[1.0, 2.0], [0.5, 1.0]])
            .unwrap()
            .eigenvector()
            .unwrap();
        assert!((two.weights()[0] - 2.0 / 3.0).abs() < 1e-15);
        assert!((two.lambda_max() - 2.0).abs() < 1e-14);
        assert_eq!(two.cr(), 0.0);
    }

    #[test]
    fn order_beyond_table() {
        let n = 16;
        let m: Vec<Vec<f64>> = (0..n).map(|_| vec![1.0; n]).collect();
        let a = Ahp::new(&m).unwrap();
        assert!(matches!(
            a.eigenvector(),
            Err(Error::InvalidParameter { .. })
        ));
        let mut table = SAATY_RI.to_vec();
        table.push(1.6);
        let r = a
            .random_index(RandomIndex::new(table).unwrap())
            .eigenvector()
            .unwrap();
        assert!(r.weights().iter().all(|w| (w - 1.0 / 16.0).abs() < 1e-15));
    }

    #[test]
    fn extreme_entries_are_errors_not_nan() {
        let big = 1e300;
        let m = [
            [1.0, big, big],
            [1.0 / big, 1.0, big],
            [1.0 / big, 1.0 / big, 1.0],
        ];
        let a = Ahp::new(&m).unwrap().accept_inconsistent(true);
        for r in [a.eigenvector(), a.geometric_mean(), a.column_normalised()] {
            match r {
                Ok(r) => assert!(r.weights().iter().all(|w| w.is_finite()) && r.cr().is_finite()),
                Err(e) => assert!(matches!(e, Error::InvalidValue { .. })),
            }
        }
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_round_trip_validates() {
        let a = Ahp::new(&TOP).unwrap().accept_inconsistent(true);
        let json = serde_json::to_string(&a).unwrap();
        let back: Ahp = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a);
        let bad =
            r#"{"matrix":[[1.0,2.0],[2.0,1.0]],"random_index":[0.0],"accept_inconsistent":false}"#;
        assert!(serde_json::from_str::<Ahp>(bad).is_err());
        assert!(serde_json::from_str::<RandomIndex>("[0.0,0.0,0.0]").is_err());
    }
}
