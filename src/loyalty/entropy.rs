//! Entropy weights ([spec](crate::loyalty::spec#entropy-weights)).

use crate::{Error, Result};

/// Entropy weights of n indicators over m alternatives, with each
/// indicator's entropy.
///
/// # Formula
///
/// For m alternatives x n indicators already normalised to z >= 0
/// \[R: Hwang & Yoon 1981, *Multiple Attribute Decision Making*, Springer\]:
///
/// ```text
/// p_ij = z_ij / Σ_i z_ij
/// e_j  = -(1 / ln m) Σ_i p_ij ln p_ij        (0 · ln 0 := 0)
/// d_j  = 1 - e_j
/// w_j  = d_j / Σ_j d_j
/// ```
///
/// An indicator that varies more across customers (lower entropy) gets
/// more weight. Computed by [`EntropyWeights::new`]; turn the result into
/// the index's [`Weights`](super::Weights) with
/// [`Weights::from_entropy`](super::Weights::from_entropy).
///
/// # Example
///
/// The [worked example](crate::loyalty::spec#worked-example):
///
/// ```
/// use customer_value::loyalty::EntropyWeights;
///
/// let z = [[0.9, 0.2, 0.5], [0.6, 0.8, 0.5], [0.3, 0.4, 0.5], [0.0, 0.6, 0.4]];
/// let ew = EntropyWeights::new(&z)?;
/// let e: Vec<String> = ew.entropies().iter().map(|e| format!("{e:.6}")).collect();
/// let w: Vec<String> = ew.weights().iter().map(|w| format!("{w:.6}")).collect();
/// assert_eq!(e, ["0.729574", "0.923220", "0.996887"]);
/// assert_eq!(w, ["0.771941", "0.219172", "0.008887"]);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct EntropyWeights {
    entropies: Vec<f64>,
    weights: Vec<f64>,
}

impl EntropyWeights {
    /// Computes entropy weights from normalised rows (one row per
    /// alternative, one column per indicator).
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidValue`] when there are fewer than 2 rows (m < 2:
    ///   ln m would be 0), no columns, rows of unequal length, a value that
    ///   is negative, NaN or infinite, a column summing to 0, or when every
    ///   column has entropy 1 (Σ d = 0: nothing distinguishes the
    ///   alternatives).
    pub fn new<R: AsRef<[f64]>>(rows: &[R]) -> Result<Self> {
        let m = rows.len();
        if m < 2 {
            return Err(Error::InvalidValue {
                what: "entropy weights",
                reason: format!("need at least 2 alternatives (rows), got {m}"),
            });
        }
        let n = rows.first().map_or(0, |r| r.as_ref().len());
        if n == 0 {
            return Err(Error::InvalidValue {
                what: "entropy weights",
                reason: "need at least 1 indicator (column), got 0".to_string(),
            });
        }
        let mut sums = vec![0.0; n];
        for (i, row) in rows.iter().enumerate() {
            let row = row.as_ref();
            if row.len() != n {
                return Err(Error::InvalidValue {
                    what: "entropy weights",
                    reason: format!("row {i} has {} values, row 0 has {n}", row.len()),
                });
            }
            for (j, (&z, s)) in row.iter().zip(&mut sums).enumerate() {
                if !(z >= 0.0 && z.is_finite()) {
                    return Err(Error::InvalidValue {
                        what: "entropy weights",
                        reason: format!("z[{i}][{j}] must be finite and >= 0, got {z}"),
                    });
                }
                *s += z;
            }
        }
        if let Some((j, s)) = sums
            .iter()
            .enumerate()
            .find(|(_, s)| !(**s > 0.0 && s.is_finite()))
        {
            return Err(Error::InvalidValue {
                what: "entropy weights",
                reason: format!("column {j} sums to {s}; p = z / sum is undefined"),
            });
        }
        let ln_m = (m as f64).ln();
        let mut plogp = vec![0.0; n];
        for row in rows {
            for ((&z, s), acc) in row.as_ref().iter().zip(&sums).zip(&mut plogp) {
                let p = z / s;
                if p > 0.0 {
                    *acc += p * p.ln();
                }
            }
        }
        // Clamp rounding noise: 0 <= e <= 1 in exact arithmetic.
        let entropies: Vec<f64> = plogp.iter().map(|s| (-s / ln_m).clamp(0.0, 1.0)).collect();
        let d_total: f64 = entropies.iter().map(|e| 1.0 - e).sum();
        if !(d_total > 0.0) {
            return Err(Error::InvalidValue {
                what: "entropy weights",
                reason: format!(
                    "every indicator has entropy 1 (sum of 1 - e = {d_total}); the alternatives do not differ"
                ),
            });
        }
        let weights = entropies.iter().map(|e| (1.0 - e) / d_total).collect();
        Ok(Self { entropies, weights })
    }

    /// The entropy e_j of each indicator, in [0, 1].
    pub fn entropies(&self) -> &[f64] {
        &self.entropies
    }

    /// The weights w_j, non-negative and summing to 1.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_and_each_error() {
        let ok = EntropyWeights::new(&[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]).unwrap();
        // Both columns have p = (1/2, 0, 1/2): e = ln 2 / ln 3.
        let e = 2f64.ln() / 3f64.ln();
        assert!(ok.entropies().iter().all(|x| (x - e).abs() < 1e-15));
        assert_eq!(ok.weights(), &[0.5, 0.5]);

        let one_row = [[0.5, 0.5]];
        assert!(EntropyWeights::new(&one_row).is_err());
        let no_cols: [[f64; 0]; 2] = [[], []];
        assert!(EntropyWeights::new(&no_cols).is_err());
        assert!(EntropyWeights::new(&[vec![0.5, 0.5], vec![0.5]]).is_err());
        assert!(EntropyWeights::new(&[[0.5, -0.1], [0.5, 0.5]]).is_err());
        assert!(EntropyWeights::new(&[[0.5, f64::NAN], [0.5, 0.5]]).is_err());
        assert!(EntropyWeights::new(&[[0.5, 0.0], [0.5, 0.0]]).is_err()); // column sum 0
        assert!(EntropyWeights::new(&[[0.5, 0.2], [0.5, 0.2]]).is_err()); // Σd = 0
    }
}
