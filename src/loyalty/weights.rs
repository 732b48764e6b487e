//! The nine global leaf weights of the loyalty index.

use super::ahp::AhpResult;
use super::entropy::EntropyWeights;
use super::indicator::{Indicator, IndicatorGroup};
use crate::{Error, Result};

/// How far a caller's weights may sum from 1.
const SUM_TOLERANCE: f64 = 1e-9;

/// The nine global leaf weights `W_leaf = w_parent × w_child`
/// ([spec](crate::loyalty::spec#loyalty-index)), non-negative and summing to 1.
///
/// Built from
///
/// - the caller's global weights ([`Weights::new`]) or any non-negative
///   scores to normalise ([`Weights::normalise`]);
/// - group and within-group weights ([`Weights::hierarchical`]);
/// - four AHP results, one per level ([`Weights::from_ahp`]);
/// - entropy weights over the nine indicators ([`Weights::from_entropy`]).
///
/// Weights given as summing to 1 are accepted within 1e-9 and stored as
/// given; the other constructors divide by the sum, so their weights sum to
/// 1 up to rounding. The index divides by the sum of the weights it uses,
/// so a sum of 1 ± 1e-9 never pushes it out of [0, 100] \[L\]. A
/// weight may be 0 (the indicator is then ignored, and its absence is never
/// an error). Serialises as the nine leaf weights; deserialising checks
/// them like [`Weights::new`].
///
/// # Example
///
/// ```
/// use customer_value::loyalty::{Indicator, IndicatorGroup, Weights};
///
/// let w = Weights::hierarchical(
///     [0.5, 0.3, 0.2],
///     [0.5, 0.25, 0.25],
///     [0.5, 0.5],
///     [0.25, 0.25, 0.25, 0.25],
/// )?;
/// assert_eq!(w.get(Indicator::A11), 0.25);
/// assert_eq!(w.get(Indicator::A34), 0.05);
/// assert!((w.group(IndicatorGroup::A2) - 0.3).abs() < 1e-15);
/// assert!(Weights::hierarchical([0.5, 0.3, 0.3], [1.0, 0.0, 0.0], [1.0, 0.0], [1.0, 0.0, 0.0, 0.0]).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "[f64; 9]", into = "[f64; 9]"))]
pub struct Weights {
    leaves: [f64; 9],
}

impl TryFrom<[f64; 9]> for Weights {
    type Error = Error;
    fn try_from(leaves: [f64; 9]) -> Result<Self> {
        Weights::new(leaves)
    }
}

impl From<Weights> for [f64; 9] {
    fn from(w: Weights) -> [f64; 9] {
        w.leaves
    }
}

/// Checks that `w` is non-negative, finite and sums to 1 within 1e-9;
/// returns the sum.
fn check_level(name: &'static str, w: &[f64]) -> Result<f64> {
    check_non_negative(name, w)?;
    let sum: f64 = w.iter().sum();
    if !((sum - 1.0).abs() <= SUM_TOLERANCE) {
        return Err(Error::InvalidParameter {
            name,
            value: format!("{w:?} (sum {sum})"),
            reason: "weights must sum to 1 (within 1e-9)",
        });
    }
    Ok(sum)
}

fn check_non_negative(name: &'static str, w: &[f64]) -> Result<()> {
    if let Some(x) = w.iter().find(|x| !(**x >= 0.0 && x.is_finite())) {
        return Err(Error::InvalidParameter {
            name,
            value: format!("{x} in {w:?}"),
            reason: "weights must be finite and >= 0",
        });
    }
    Ok(())
}

impl Weights {
    /// The caller's global leaf weights, in [`Indicator::ALL`] order.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when a weight is negative, NaN or
    /// infinite, or the weights do not sum to 1 within 1e-9.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::loyalty::{Indicator, Weights};
    ///
    /// let w = Weights::new([0.2, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05])?;
    /// assert_eq!(w.get(Indicator::A11), 0.2);
    /// assert!(Weights::new([0.2; 9]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(leaves: [f64; 9]) -> Result<Self> {
        check_level("weights", &leaves)?;
        Ok(Self { leaves })
    }

    /// Weights proportional to any non-negative scores (`w / Σ w`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when a score is negative, NaN or
    /// infinite, or all are 0.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::loyalty::{Indicator, Weights};
    ///
    /// let w = Weights::normalise([2.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])?;
    /// assert_eq!(w.get(Indicator::A11), 0.5);
    /// assert!(Weights::normalise([0.0; 9]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn normalise(scores: [f64; 9]) -> Result<Self> {
        check_non_negative("weights", &scores)?;
        let sum: f64 = scores.iter().sum();
        if !(sum > 0.0 && sum.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "weights",
                value: format!("{scores:?}"),
                reason: "need a positive, finite total",
            });
        }
        Ok(Self {
            leaves: scores.map(|w| w / sum),
        })
    }

    /// Global weights from group weights (A1, A2, A3) and within-group
    /// weights: `W_leaf = w_group × w_within`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when a level has a negative, NaN or
    /// infinite weight or does not sum to 1 within 1e-9.
    ///
    /// # Example
    ///
    /// See [`Weights`].
    pub fn hierarchical(
        groups: [f64; 3],
        a1: [f64; 3],
        a2: [f64; 2],
        a3: [f64; 4],
    ) -> Result<Self> {
        Self::from_levels(&groups, &a1, &a2, &a3)
    }

    fn from_levels(groups: &[f64], a1: &[f64], a2: &[f64], a3: &[f64]) -> Result<Self> {
        let gs = check_level("group weights", groups)?;
        let s1 = check_level("A1 weights", a1)?;
        let s2 = check_level("A2 weights", a2)?;
        let s3 = check_level("A3 weights", a3)?;
        let mut leaves = [0.0; 9];
        let within = a1
            .iter()
            .map(|w| w / s1)
            .chain(a2.iter().map(|w| w / s2))
            .chain(a3.iter().map(|w| w / s3));
        for ((leaf, w), ind) in leaves.iter_mut().zip(within).zip(Indicator::ALL) {
            let g = groups.get(ind.group().index()).copied().unwrap_or(0.0) / gs;
            *leaf = g * w;
        }
        Ok(Self { leaves })
    }

    /// Global weights from four AHP results: the top level (A1, A2, A3,
    /// 3 x 3) and the three sub-levels (3 x 3, 2 x 2, 4 x 4).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when a result has the wrong order.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::loyalty::{Ahp, Indicator, Weights};
    ///
    /// let top = Ahp::new(&[[1.0, 2.0, 3.0], [0.5, 1.0, 2.0], [1.0 / 3.0, 0.5, 1.0]])?.eigenvector()?;
    /// let a1 = Ahp::new(&[[1.0, 3.0, 5.0], [1.0 / 3.0, 1.0, 3.0], [0.2, 1.0 / 3.0, 1.0]])?.eigenvector()?;
    /// let a2 = Ahp::new(&[[1.0, 2.0], [0.5, 1.0]])?.eigenvector()?;
    /// let a3 = Ahp::new(&[
    ///     [1.0, 2.0, 3.0, 2.0],
    ///     [0.5, 1.0, 2.0, 1.0],
    ///     [1.0 / 3.0, 0.5, 1.0, 0.5],
    ///     [0.5, 1.0, 2.0, 1.0],
    /// ])?
    /// .eigenvector()?;
    /// let w = Weights::from_ahp(&top, &a1, &a2, &a3)?;
    /// assert_eq!(format!("{:.4}", w.get(Indicator::A11)), "0.3437");
    /// assert!(Weights::from_ahp(&a1, &a1, &a1, &a3).is_err()); // A2 must be 2 x 2
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_ahp(
        top: &AhpResult,
        a1: &AhpResult,
        a2: &AhpResult,
        a3: &AhpResult,
    ) -> Result<Self> {
        for (name, r, n) in [
            ("top-level ahp", top, 3),
            ("A1 ahp", a1, 3),
            ("A2 ahp", a2, 2),
            ("A3 ahp", a3, 4),
        ] {
            if r.weights().len() != n {
                return Err(Error::InvalidParameter {
                    name,
                    value: format!("{} weights", r.weights().len()),
                    reason: "the levels need 3 (top), 3 (A1), 2 (A2) and 4 (A3) weights",
                });
            }
        }
        Self::from_levels(top.weights(), a1.weights(), a2.weights(), a3.weights())
    }

    /// Global weights from entropy weights computed over the nine
    /// indicators (columns in [`Indicator::ALL`] order).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when the entropy weights do not have
    /// nine columns.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::loyalty::{EntropyWeights, Indicator, Weights};
    ///
    /// let z = [[1.0; 9], [0.0; 9], [0.5; 9]];
    /// let w = Weights::from_entropy(&EntropyWeights::new(&z)?)?;
    /// assert!((w.get(Indicator::A21) - 1.0 / 9.0).abs() < 1e-15);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_entropy(entropy: &EntropyWeights) -> Result<Self> {
        let w: [f64; 9] = entropy
            .weights()
            .try_into()
            .map_err(|_| Error::InvalidParameter {
                name: "entropy weights",
                value: format!("{} columns", entropy.weights().len()),
                reason: "the loyalty index needs exactly 9 indicators",
            })?;
        Self::normalise(w)
    }

    /// The global weight of one indicator.
    #[inline]
    pub fn get(&self, indicator: Indicator) -> f64 {
        self.leaves.get(indicator.index()).copied().unwrap_or(0.0)
    }

    /// The nine global weights in [`Indicator::ALL`] order.
    pub fn leaves(&self) -> [f64; 9] {
        self.leaves
    }

    /// A group's weight: the sum of its leaves' global weights.
    pub fn group(&self, group: IndicatorGroup) -> f64 {
        group.indicators().iter().map(|&i| self.get(i)).sum()
    }

    /// An indicator's weight within its group, `W_leaf / W_group` (`None`
    /// when the group's weight is 0).
    pub fn within_group(&self, indicator: Indicator) -> Option<f64> {
        let g = self.group(indicator.group());
        (g > 0.0).then(|| self.get(indicator) / g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_valid_and_invalid() {
        let w = Weights::new([1.0 / 9.0; 9]).unwrap();
        assert!((w.leaves().iter().sum::<f64>() - 1.0).abs() < 1e-15);
        let mut bad = [0.0; 9];
        bad[0] = 1.0 + 1e-8;
        assert!(Weights::new(bad).is_err()); // sum off by more than 1e-9
        bad[0] = 1.0 + 1e-10;
        assert_eq!(Weights::new(bad).unwrap().get(Indicator::A11), 1.0 + 1e-10);
        let mut neg = [0.0; 9];
        neg[0] = 1.5;
        neg[1] = -0.5;
        assert!(matches!(
            Weights::new(neg),
            Err(Error::InvalidParameter { .. })
        ));
        let mut nan = [0.0; 9];
        nan[0] = f64::NAN;
        assert!(Weights::new(nan).is_err());
        assert!(Weights::normalise(nan).is_err());
        assert!(Weights::normalise([f64::MAX; 9]).is_err()); // total overflows
    }

    #[test]
    fn hierarchical_and_within_group() {
        let w =
            Weights::hierarchical([0.0, 0.5, 0.5], [1.0, 0.0, 0.0], [0.5, 0.5], [0.25; 4]).unwrap();
        assert_eq!(w.group(IndicatorGroup::A1), 0.0);
        assert_eq!(w.within_group(Indicator::A11), None);
        assert_eq!(w.within_group(Indicator::A21), Some(0.5));
        assert!(
            Weights::hierarchical([0.5, 0.5, 0.0], [0.5, 0.5, 0.5], [0.5, 0.5], [0.25; 4]).is_err()
        );
        assert!(
            Weights::hierarchical([0.5, 0.5, 0.0], [1.0, 0.0, 0.0], [0.5, 0.6], [0.25; 4]).is_err()
        );
        assert!(
            Weights::hierarchical([0.5, 0.5, 0.0], [1.0, 0.0, 0.0], [0.5, 0.5], [0.2; 4]).is_err()
        );
    }

    #[test]
    fn entropy_needs_nine_columns() {
        let e = EntropyWeights::new(&[[1.0, 0.0], [0.0, 1.0]]).unwrap();
        assert!(matches!(
            Weights::from_entropy(&e),
            Err(Error::InvalidParameter { .. })
        ));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_validates() {
        let w = Weights::new([1.0 / 9.0; 9]).unwrap();
        let back: Weights = serde_json::from_str(&serde_json::to_string(&w).unwrap()).unwrap();
        assert_eq!(back, w);
        assert!(serde_json::from_str::<Weights>("[1,1,1,1,1,1,1,1,1]").is_err());
    }
}
