//! Pfeifer & Carraway's Markov-chain customer migration model.

use crate::{CustomerId, Decimal, Error, Keyed, Result, Scorer};

use super::math;
use super::rates::DiscountRate;
use super::retention::Horizon;

#[cfg(feature = "serde")]
use super::rates::DecimalStr;

/// How far a row of a [`TransitionMatrix`] may sum from 1: `1e-12`.
///
/// Rows typed as exact decimals (`0.3, 0.7`) sum to 1 exactly; the
/// tolerance admits rows computed by division (`1/3` three times) or
/// converted from `f64`, while still catching a typo.
pub const ROW_SUM_TOLERANCE: Decimal = Decimal::from_parts(1, 0, 0, false, 12);

/// A square matrix of transition probabilities between customer states:
/// entry `(i, j)` is the probability of moving from state `i` to state `j`
/// in one period.
///
/// Serialises as a list of rows of decimal strings; deserialising checks
/// like [`new`](Self::new).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawMatrix", into = "RawMatrix"))]
pub struct TransitionMatrix {
    n: usize,
    /// Row-major, `n * n` entries.
    entries: Vec<Decimal>,
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
struct RawMatrix(Vec<Vec<DecimalStr>>);

#[cfg(feature = "serde")]
impl From<TransitionMatrix> for RawMatrix {
    fn from(m: TransitionMatrix) -> Self {
        RawMatrix(
            m.rows()
                .map(|row| row.iter().map(|&v| DecimalStr(v)).collect())
                .collect(),
        )
    }
}

#[cfg(feature = "serde")]
impl TryFrom<RawMatrix> for TransitionMatrix {
    type Error = Error;
    fn try_from(raw: RawMatrix) -> Result<Self> {
        TransitionMatrix::new(
            raw.0
                .into_iter()
                .map(|row| row.into_iter().map(|v| v.0).collect())
                .collect(),
        )
    }
}

impl TransitionMatrix {
    /// Checks and builds a transition matrix from its rows.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] (`transition matrix`) when there are no
    /// rows, a row's length differs from the number of rows, an entry is
    /// outside `[0, 1]`, or a row sums to more than [`ROW_SUM_TOLERANCE`]
    /// away from 1. [`Error::Overflow`] if a row sum overflows.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, clv::TransitionMatrix};
    ///
    /// let p = |v: i64| Decimal::new(v, 1);
    /// let m = TransitionMatrix::new(vec![vec![p(3), p(7)], vec![p(0), p(10)]])?;
    /// assert_eq!(m.states(), 2);
    /// assert_eq!(m.get(0, 1), Some(p(7)));
    /// assert!(TransitionMatrix::new(vec![vec![p(3), p(6)], vec![p(0), p(10)]]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(rows: Vec<Vec<Decimal>>) -> Result<Self> {
        let bad = |reason: String| Error::InvalidValue {
            what: "transition matrix",
            reason,
        };
        let n = rows.len();
        if n == 0 {
            return Err(bad("must have at least one state, got 0 rows".to_owned()));
        }
        let mut entries = Vec::with_capacity(n.saturating_mul(n));
        for (i, row) in rows.into_iter().enumerate() {
            if row.len() != n {
                return Err(bad(format!(
                    "must be square: row {i} has {} entries, expected {n}",
                    row.len()
                )));
            }
            let mut sum = Decimal::ZERO;
            for (j, &p) in row.iter().enumerate() {
                if p < Decimal::ZERO || p > Decimal::ONE {
                    return Err(bad(format!(
                        "entry ({i}, {j}) must be a probability in [0, 1], got {p}"
                    )));
                }
                sum = math::add(sum, p, "transition matrix row sum")?;
            }
            if (sum - Decimal::ONE).abs() > ROW_SUM_TOLERANCE {
                return Err(bad(format!(
                    "row {i} must sum to 1 (within 1e-12), got {sum}"
                )));
            }
            entries.extend(row);
        }
        Ok(Self { n, entries })
    }

    /// The number of states.
    pub fn states(&self) -> usize {
        self.n
    }

    /// Entry `(from, to)`, or `None` outside the matrix.
    pub fn get(&self, from: usize, to: usize) -> Option<Decimal> {
        if from < self.n && to < self.n {
            self.entries.get(from * self.n + to).copied()
        } else {
            None
        }
    }

    /// The rows, in order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = &[Decimal]> + '_ {
        self.entries.chunks_exact(self.n)
    }
}

/// Pfeifer & Carraway's (2000) Markov-chain model of customer migration
/// ([spec](crate::clv::spec#markov-chain-migration), Berger & Nasr case 5 generalised; \[V: citation;
/// R: formula]): customers move between states (recency classes, say)
/// by the [`TransitionMatrix`] `P`, earn the reward `R_s` in state `s`
/// each period, and are discounted at `d`:
///
/// ```text
/// V_T = Σ_{t=0}^{T} ((1+d)^-1 P)^t R          (rewards at t = 0..T: the current one, undiscounted, counts)
/// V_∞ = (I − P/(1+d))^-1 R                    (needs d > 0)
/// ```
///
/// `V[s]` is the expected present value of a customer now in state `s`.
/// Rewards are paid at the start of each period (t = 0 is now), like
/// [`Timing::StartOfPeriod`](super::Timing::StartOfPeriod); note that a
/// finite horizon `Periods(T)` counts `T + 1` rewards here, as the
/// formula does.
///
/// Everything is computed in `Decimal`: the finite sum by binary powering
/// of `P/(1+d)` (`O(n³ log T)`), the infinite one by Gaussian elimination
/// with partial pivoting. Both suit the small state spaces of the model
/// (tens of states).
///
/// # Rounding
///
/// Unrounded `Decimal`s; each product and quotient is rounded in its
/// 28th significant digit.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawMarkov", into = "RawMarkov"))]
pub struct MarkovModel {
    matrix: TransitionMatrix,
    rewards: Vec<Decimal>,
    discount: DiscountRate,
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct RawMarkov {
    matrix: TransitionMatrix,
    rewards: Vec<DecimalStr>,
    discount: DiscountRate,
}

#[cfg(feature = "serde")]
impl From<MarkovModel> for RawMarkov {
    fn from(m: MarkovModel) -> Self {
        RawMarkov {
            matrix: m.matrix,
            rewards: m.rewards.into_iter().map(DecimalStr).collect(),
            discount: m.discount,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<RawMarkov> for MarkovModel {
    type Error = Error;
    fn try_from(raw: RawMarkov) -> Result<Self> {
        MarkovModel::new(
            raw.matrix,
            raw.rewards.into_iter().map(|v| v.0).collect(),
            raw.discount,
        )
    }
}

const WHAT: &str = "markov value";

impl MarkovModel {
    /// Checks and builds the model.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] (`rewards`) when the reward vector's length
    /// differs from the number of states.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, clv::{DiscountRate, Horizon, MarkovModel, TransitionMatrix}};
    ///
    /// let p = |v: i64| Decimal::new(v, 1);
    /// // Recency 1, 2, 3 and lost (Pfeifer & Carraway's example shape).
    /// let matrix = TransitionMatrix::new(vec![
    ///     vec![p(3), p(7), p(0), p(0)],
    ///     vec![p(2), p(0), p(8), p(0)],
    ///     vec![p(1), p(0), p(0), p(9)],
    ///     vec![p(0), p(0), p(0), p(10)],
    /// ])?;
    /// let rewards = vec![Decimal::new(40, 0), Decimal::new(-4, 0), Decimal::new(-4, 0), Decimal::ZERO];
    /// let model = MarkovModel::new(matrix, rewards, DiscountRate::new(Decimal::new(2, 1))?)?;
    /// let v = model.values(Horizon::Infinite)?;
    /// assert_eq!(v.values()[0].round_dp(4), Decimal::new(582090, 4));
    /// assert_eq!(v.values()[3], Decimal::ZERO);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(
        matrix: TransitionMatrix,
        rewards: Vec<Decimal>,
        discount: DiscountRate,
    ) -> Result<Self> {
        if rewards.len() != matrix.states() {
            return Err(Error::InvalidValue {
                what: "rewards",
                reason: format!(
                    "need one reward per state: {} states, got {} rewards",
                    matrix.states(),
                    rewards.len()
                ),
            });
        }
        Ok(Self {
            matrix,
            rewards,
            discount,
        })
    }

    /// The transition matrix `P`.
    pub fn matrix(&self) -> &TransitionMatrix {
        &self.matrix
    }

    /// The reward vector `R`.
    pub fn rewards(&self) -> &[Decimal] {
        &self.rewards
    }

    /// The discount rate `d`.
    pub fn discount(&self) -> DiscountRate {
        self.discount
    }

    /// The value of each state: `V_T` for `Periods(T)` (`T + 1` rewards,
    /// t = 0..T), `V_∞` for `Infinite`.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidParameter`] (`discount`) for an infinite horizon
    ///   with `d <= 0`: the rows of `P` sum to 1, so `P/(1+d)` has spectral
    ///   radius `1/(1+d) >= 1`, `I − P/(1+d)` is singular at `d = 0` (every
    ///   finite chain has a closed class) and the series diverges in
    ///   general for `d < 0`. Use a finite horizon instead.
    /// - [`Error::InvalidValue`] (`markov system`) if elimination meets a
    ///   zero pivot (a singular system; not expected once `d > 0`).
    /// - [`Error::Overflow`] when the arithmetic exceeds `Decimal`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, clv::{DiscountRate, Horizon, MarkovModel, TransitionMatrix}};
    ///
    /// // One state kept for ever, earning 10 a period, d = 25 %.
    /// let matrix = TransitionMatrix::new(vec![vec![Decimal::ONE]])?;
    /// let model = MarkovModel::new(matrix, vec![Decimal::new(10, 0)], DiscountRate::new(Decimal::new(25, 2))?)?;
    /// assert_eq!(model.values(Horizon::Periods(1))?.values(), &[Decimal::new(18, 0)]); // 10 + 10/1.25
    /// assert_eq!(model.values(Horizon::Infinite)?.values(), &[Decimal::new(50, 0)]); // 10 · 1.25/0.25
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn values(&self, horizon: Horizon) -> Result<MarkovValues> {
        let values = match horizon {
            Horizon::Periods(t) => self.finite(u64::from(t) + 1)?,
            Horizon::Infinite => self.infinite()?,
        };
        Ok(MarkovValues { values })
    }

    /// `A = P/(1+d)`, row-major.
    fn discounted(&self) -> Result<Vec<Decimal>> {
        let one_plus_d = math::add(Decimal::ONE, self.discount.get(), WHAT)?;
        self.matrix
            .entries
            .iter()
            .map(|&p| math::div(p, one_plus_d, WHAT))
            .collect()
    }

    /// `S_k = Σ_{t=0}^{k-1} A^t R` by binary powering:
    /// `S_{2j} = S_j + A^j S_j`, `S_{j+1} = R + A S_j`.
    fn finite(&self, terms: u64) -> Result<Vec<Decimal>> {
        let n = self.matrix.n;
        let a = self.discounted()?;
        let mut sum = vec![Decimal::ZERO; n];
        let mut power = identity(n); // A^j
        let bits = u64::BITS - terms.leading_zeros();
        for bit in (0..bits).rev() {
            let shifted = mat_vec(&power, &sum, n)?;
            sum = vec_add(&sum, &shifted)?;
            power = mat_mul(&power, &power, n)?;
            if (terms >> bit) & 1 == 1 {
                let moved = mat_vec(&a, &sum, n)?;
                sum = vec_add(&self.rewards, &moved)?;
                power = mat_mul(&a, &power, n)?;
            }
        }
        Ok(sum)
    }

    fn infinite(&self) -> Result<Vec<Decimal>> {
        let d = self.discount.get();
        if d <= Decimal::ZERO {
            return Err(Error::InvalidParameter {
                name: "discount",
                value: d.to_string(),
                reason: "must be > 0 for an infinite markov horizon (I - P/(1 + d) is singular \
                         at d = 0 and the series diverges for d < 0); use a finite horizon",
            });
        }
        let n = self.matrix.n;
        let a = self.discounted()?;
        // I − A
        let mut m: Vec<Decimal> = a.iter().map(|&x| -x).collect();
        for i in 0..n {
            let k = i * n + i;
            if let Some(slot) = m.get_mut(k) {
                *slot = math::add(*slot, Decimal::ONE, WHAT)?;
            }
        }
        solve(m, self.rewards.clone(), n)
    }
}

fn identity(n: usize) -> Vec<Decimal> {
    let mut m = vec![Decimal::ZERO; n * n];
    for (k, slot) in m.iter_mut().enumerate() {
        if k % (n + 1) == 0 {
            *slot = Decimal::ONE;
        }
    }
    m
}

fn dot(row: &[Decimal], col: impl Iterator<Item = Decimal>) -> Result<Decimal> {
    row.iter().zip(col).try_fold(Decimal::ZERO, |acc, (&x, y)| {
        math::add(acc, math::mul(x, y, WHAT)?, WHAT)
    })
}

fn mat_vec(m: &[Decimal], v: &[Decimal], n: usize) -> Result<Vec<Decimal>> {
    m.chunks_exact(n)
        .map(|row| dot(row, v.iter().copied()))
        .collect()
}

fn mat_mul(a: &[Decimal], b: &[Decimal], n: usize) -> Result<Vec<Decimal>> {
    let mut out = Vec::with_capacity(n * n);
    for row in a.chunks_exact(n) {
        for j in 0..n {
            out.push(dot(row, b.iter().skip(j).step_by(n).copied())?);
        }
    }
    Ok(out)
}

fn vec_add(a: &[Decimal], b: &[Decimal]) -> Result<Vec<Decimal>> {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| math::add(x, y, WHAT))
        .collect()
}

/// Solves `M x = b` (row-major `n × n`) by Gaussian elimination with
/// partial pivoting, in `Decimal`.
fn solve(mut m: Vec<Decimal>, mut b: Vec<Decimal>, n: usize) -> Result<Vec<Decimal>> {
    let singular = |col: usize| Error::InvalidValue {
        what: "markov system",
        reason: format!("I - P/(1 + d) is singular (no non-zero pivot in column {col})"),
    };
    let at = |i: usize, j: usize| i * n + j;
    for col in 0..n {
        // Partial pivoting: the largest |entry| at or below the diagonal.
        let mut pivot_row = col;
        let mut best = Decimal::ZERO;
        for row in col..n {
            let v = m.get(at(row, col)).copied().unwrap_or_default().abs();
            if v > best {
                best = v;
                pivot_row = row;
            }
        }
        if best.is_zero() {
            return Err(singular(col));
        }
        if pivot_row != col {
            for j in 0..n {
                m.swap(at(col, j), at(pivot_row, j));
            }
            b.swap(col, pivot_row);
        }
        let pivot = m.get(at(col, col)).copied().unwrap_or_default();
        for row in col + 1..n {
            let below = m.get(at(row, col)).copied().unwrap_or_default();
            if below.is_zero() {
                continue;
            }
            let factor = math::div(below, pivot, WHAT)?;
            for j in col..n {
                let upper = m.get(at(col, j)).copied().unwrap_or_default();
                if let Some(slot) = m.get_mut(at(row, j)) {
                    *slot = math::sub(*slot, math::mul(factor, upper, WHAT)?, WHAT)?;
                }
            }
            let upper_b = b.get(col).copied().unwrap_or_default();
            if let Some(slot) = b.get_mut(row) {
                *slot = math::sub(*slot, math::mul(factor, upper_b, WHAT)?, WHAT)?;
            }
        }
    }
    // Back substitution.
    let mut x = vec![Decimal::ZERO; n];
    for row in (0..n).rev() {
        let mut acc = b.get(row).copied().unwrap_or_default();
        for j in row + 1..n {
            let coef = m.get(at(row, j)).copied().unwrap_or_default();
            let xj = x.get(j).copied().unwrap_or_default();
            acc = math::sub(acc, math::mul(coef, xj, WHAT)?, WHAT)?;
        }
        let pivot = m.get(at(row, row)).copied().unwrap_or_default();
        if pivot.is_zero() {
            return Err(singular(row));
        }
        if let Some(slot) = x.get_mut(row) {
            *slot = math::div(acc, pivot, WHAT)?;
        }
    }
    Ok(x)
}

/// The value of each state of a [`MarkovModel`], and a [`Scorer`] that
/// looks up a customer's current state.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(from = "RawValues", into = "RawValues"))]
pub struct MarkovValues {
    values: Vec<Decimal>,
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
struct RawValues(Vec<DecimalStr>);

#[cfg(feature = "serde")]
impl From<MarkovValues> for RawValues {
    fn from(v: MarkovValues) -> Self {
        RawValues(v.values.into_iter().map(DecimalStr).collect())
    }
}

#[cfg(feature = "serde")]
impl From<RawValues> for MarkovValues {
    fn from(raw: RawValues) -> Self {
        MarkovValues {
            values: raw.0.into_iter().map(|v| v.0).collect(),
        }
    }
}

impl MarkovValues {
    /// The value of every state, in state order.
    pub fn values(&self) -> &[Decimal] {
        &self.values
    }

    /// The value of one state, or `None` outside the model.
    pub fn get(&self, state: usize) -> Option<Decimal> {
        self.values.get(state).copied()
    }
}

/// A customer and the state they are in now (an index into the
/// [`TransitionMatrix`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StateInput {
    /// The customer.
    pub customer: CustomerId,
    /// Their current state.
    pub state: usize,
}

impl Keyed for StateInput {
    fn customer(&self) -> CustomerId {
        self.customer
    }
}

/// Scores a customer with the value of their current state.
///
/// # Errors
///
/// [`Error::InvalidValue`] (`markov state`) when the state is not in the
/// model.
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Decimal, Scorer};
/// use customer_value::clv::{DiscountRate, Horizon, MarkovModel, StateInput, TransitionMatrix};
///
/// let matrix = TransitionMatrix::new(vec![vec![Decimal::ONE]])?;
/// let model = MarkovModel::new(matrix, vec![Decimal::new(10, 0)], DiscountRate::new(Decimal::new(25, 2))?)?;
/// let values = model.values(Horizon::Infinite)?;
/// let input = StateInput { customer: CustomerId::new(1), state: 0 };
/// assert_eq!(values.score(&input)?, Decimal::new(50, 0));
/// assert!(values.score(&StateInput { state: 1, ..input }).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
impl Scorer for MarkovValues {
    type Input = StateInput;
    type Score = Decimal;

    fn score(&self, input: &StateInput) -> Result<Decimal> {
        self.get(input.state).ok_or_else(|| Error::InvalidValue {
            what: "markov state",
            reason: format!(
                "customer {}: state {} is not one of the {} states",
                input.customer,
                input.state,
                self.values.len()
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn matrix(rows: &[&[&str]]) -> Result<TransitionMatrix> {
        TransitionMatrix::new(
            rows.iter()
                .map(|r| r.iter().map(|s| d(s)).collect())
                .collect(),
        )
    }

    fn what_of(e: Error) -> &'static str {
        match e {
            Error::InvalidValue { what, .. } => what,
            Error::InvalidParameter { name, .. } => name,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn matrix_validation() {
        assert!(matrix(&[&["0.5", "0.5"], &["1", "0"]]).is_ok());
        assert_eq!(what_of(matrix(&[]).unwrap_err()), "transition matrix");
        assert_eq!(
            what_of(matrix(&[&["1", "0"]]).unwrap_err()),
            "transition matrix"
        );
        assert_eq!(
            what_of(matrix(&[&["1.5", "-0.5"], &["1", "0"]]).unwrap_err()),
            "transition matrix"
        );
        assert_eq!(
            what_of(matrix(&[&["0.5", "0.4"], &["1", "0"]]).unwrap_err()),
            "transition matrix"
        );
        // Thirds from division pass within the tolerance.
        let third = Decimal::ONE / Decimal::from(3);
        assert!(TransitionMatrix::new(vec![vec![third; 3]; 3]).is_ok());
        let m = matrix(&[&["0.5", "0.5"], &["1", "0"]]).unwrap();
        assert_eq!(m.get(2, 0), None);
        assert_eq!(m.rows().len(), 2);
    }

    #[test]
    fn model_validation_and_singular_cases() {
        let m = matrix(&[&["1"]]).unwrap();
        let e = MarkovModel::new(m.clone(), vec![], DiscountRate::new(d("0.1")).unwrap());
        assert_eq!(what_of(e.unwrap_err()), "rewards");
        let zero = MarkovModel::new(m, vec![d("5")], DiscountRate::new(d("0")).unwrap()).unwrap();
        assert_eq!(
            what_of(zero.values(Horizon::Infinite).unwrap_err()),
            "discount"
        );
        // ... while the finite horizon is fine: 5 · (T + 1).
        assert_eq!(
            zero.values(Horizon::Periods(9)).unwrap().values(),
            &[d("50")]
        );
        assert_eq!(
            zero.values(Horizon::Periods(0)).unwrap().values(),
            &[d("5")]
        );
    }

    #[test]
    fn solver_reports_singular() {
        let e = solve(vec![Decimal::ZERO; 4], vec![Decimal::ONE; 2], 2).unwrap_err();
        assert_eq!(what_of(e), "markov system");
        // Pivoting: a zero on the diagonal is swapped away.
        let x = solve(
            vec![d("0"), d("1"), d("1"), d("0")],
            vec![d("2"), d("3")],
            2,
        )
        .unwrap();
        assert_eq!(x, vec![d("3"), d("2")]);
    }
}
