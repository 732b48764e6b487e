//! Weighted sums of R, F and M scores ([spec](crate::rfm::spec#weighted-sum)).

use crate::rfm::RfmScore;
use crate::{Error, Result, Scorer};

/// Weights that combine an [`RfmScore`] into one number.
///
/// # Formula
///
/// ```text
/// S = w_R·R + w_F·F + w_M·M
/// ```
///
/// [`RfmWeights::SPSS`] = (100, 10, 1) is IBM SPSS Modeler's RFM node
/// default, and with single-digit scores equals the concatenated code
/// [`RfmScore::code`]; [`RfmWeights::EQUAL`] = (1, 1, 1) is the plain sum
/// R + F + M. Weights derived by AHP are used by Liu & Shih (2005)[^liu].
///
/// # Example
///
/// ```
/// use customer_value::Scorer;
/// use customer_value::rfm::{RfmScore, RfmWeights};
///
/// // The worked example of rfm::spec: customer D scores 433.
/// let d = RfmScore::new(4, 3, 3)?;
/// let w = RfmWeights::new(0.5, 0.3, 0.2)?;
/// assert!((w.weighted_sum(&d) - 3.5).abs() < 1e-12);
/// assert_eq!(RfmWeights::SPSS.score(&d)?, 433.0);
/// assert!(RfmWeights::new(0.0, 0.0, 0.0).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
///
/// [^liu]: Liu, D.-R. & Shih, Y.-Y. (2005) *Information & Management*
///     42(3):387–400 (recalled, not checked against the paper).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawWeights"))]
pub struct RfmWeights {
    r: f64,
    f: f64,
    m: f64,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWeights {
    r: f64,
    f: f64,
    m: f64,
}

#[cfg(feature = "serde")]
impl TryFrom<RawWeights> for RfmWeights {
    type Error = Error;
    fn try_from(raw: RawWeights) -> Result<Self> {
        RfmWeights::new(raw.r, raw.f, raw.m)
    }
}

impl RfmWeights {
    /// IBM SPSS Modeler's RFM node defaults: (100, 10, 1).
    pub const SPSS: RfmWeights = RfmWeights {
        r: 100.0,
        f: 10.0,
        m: 1.0,
    };

    /// The plain sum R + F + M: (1, 1, 1).
    pub const EQUAL: RfmWeights = RfmWeights {
        r: 1.0,
        f: 1.0,
        m: 1.0,
    };

    /// Checks and builds weights.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] naming the weight when one is NaN or
    /// infinite, and naming `weights` when all three are zero.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::rfm::RfmWeights;
    ///
    /// let w = RfmWeights::new(3.0, 2.0, 1.0)?;
    /// assert_eq!((w.r(), w.f(), w.m()), (3.0, 2.0, 1.0));
    /// assert!(RfmWeights::new(f64::NAN, 1.0, 1.0).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(r: f64, f: f64, m: f64) -> Result<Self> {
        for (name, w) in [
            ("recency weight", r),
            ("frequency weight", f),
            ("monetary weight", m),
        ] {
            if !w.is_finite() {
                return Err(Error::InvalidParameter {
                    name,
                    value: w.to_string(),
                    reason: "must be finite",
                });
            }
        }
        if r == 0.0 && f == 0.0 && m == 0.0 {
            return Err(Error::InvalidParameter {
                name: "weights",
                value: format!("({r}, {f}, {m})"),
                reason: "must not all be zero",
            });
        }
        Ok(Self { r, f, m })
    }

    /// The recency weight.
    pub fn r(&self) -> f64 {
        self.r
    }

    /// The frequency weight.
    pub fn f(&self) -> f64 {
        self.f
    }

    /// The monetary weight.
    pub fn m(&self) -> f64 {
        self.m
    }

    /// `w_R·R + w_F·F + w_M·M`.
    pub fn weighted_sum(&self, score: &RfmScore) -> f64 {
        self.r * f64::from(score.r())
            + self.f * f64::from(score.f())
            + self.m * f64::from(score.m())
    }
}

impl Default for RfmWeights {
    /// [`RfmWeights::SPSS`].
    fn default() -> Self {
        Self::SPSS
    }
}

impl Scorer for RfmWeights {
    type Input = RfmScore;
    type Score = f64;

    /// [`weighted_sum`](RfmWeights::weighted_sum).
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the sum is not finite (weights near
    /// `f64::MAX`).
    fn score(&self, score: &RfmScore) -> Result<f64> {
        let s = self.weighted_sum(score);
        if s.is_finite() {
            Ok(s)
        } else {
            Err(Error::Overflow {
                what: "rfm weighted sum",
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_accepts_and_rejects() {
        assert!(RfmWeights::new(0.5, 0.3, 0.2).is_ok());
        assert!(RfmWeights::new(0.0, 0.0, -1.0).is_ok());
        for (w, name) in [
            ((f64::NAN, 1.0, 1.0), "recency weight"),
            ((1.0, f64::INFINITY, 1.0), "frequency weight"),
            ((1.0, 1.0, f64::NEG_INFINITY), "monetary weight"),
            ((0.0, -0.0, 0.0), "weights"),
        ] {
            match RfmWeights::new(w.0, w.1, w.2) {
                Err(Error::InvalidParameter { name: got, .. }) => assert_eq!(got, name),
                other => panic!("{w:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn spss_weights_give_the_code() {
        let s = RfmScore::new(5, 4, 3).unwrap();
        assert_eq!(RfmWeights::SPSS.weighted_sum(&s), 543.0);
        assert_eq!(RfmWeights::EQUAL.weighted_sum(&s), 12.0);
    }

    #[test]
    fn overflowing_sum_is_an_error() {
        let w = RfmWeights::new(f64::MAX, f64::MAX, 0.0).unwrap();
        let s = RfmScore::new(9, 9, 9).unwrap();
        assert!(matches!(w.score(&s), Err(Error::Overflow { .. })));
    }
}
