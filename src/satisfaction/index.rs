//! Multi-item weighted scores and the ACSI-style 0-100 index.

use crate::{Error, Result};

/// The range of an answer scale, `[min, max]`, used to rescale a mean to
/// 0-100 ([CSI](crate::satisfaction::spec#distribution-statistics),
/// [ACSI](crate::satisfaction::spec#acsi-index)).
///
/// # Example
///
/// ```
/// use customer_value::satisfaction::Scale;
///
/// assert_eq!(Scale::ACSI.rescale(5.5)?, 50.0);
/// assert_eq!(Scale::new(0.0, 10.0)?.rescale(7.5)?, 75.0);
/// assert!(Scale::new(5.0, 5.0).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawScale"))]
pub struct Scale {
    min: f64,
    max: f64,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawScale {
    min: f64,
    max: f64,
}

#[cfg(feature = "serde")]
impl TryFrom<RawScale> for Scale {
    type Error = Error;
    fn try_from(raw: RawScale) -> Result<Self> {
        Scale::new(raw.min, raw.max)
    }
}

impl Scale {
    /// The ACSI's 1-10 answer scale.
    pub const ACSI: Scale = Scale {
        min: 1.0,
        max: 10.0,
    };

    /// The seven-level scale, 1-7 ([`SatisfactionLevel`](super::SatisfactionLevel)).
    pub const SEVEN_LEVEL: Scale = Scale { min: 1.0, max: 7.0 };

    /// The five-level scale, 1-5.
    pub const FIVE_LEVEL: Scale = Scale { min: 1.0, max: 5.0 };

    /// A scale from `min` to `max`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `min` or `max` is NaN or infinite,
    /// `min >= max`, or `max − min` overflows.
    pub fn new(min: f64, max: f64) -> Result<Self> {
        if !(min.is_finite() && max.is_finite() && min < max && (max - min).is_finite()) {
            return Err(Error::InvalidParameter {
                name: "scale",
                value: format!("({min}, {max})"),
                reason: "must be finite with min < max",
            });
        }
        Ok(Self { min, max })
    }

    /// The lowest answer.
    pub const fn min(&self) -> f64 {
        self.min
    }

    /// The highest answer.
    pub const fn max(&self) -> f64 {
        self.max
    }

    /// Rescales `x` linearly to 0-100 ([spec](crate::satisfaction::spec#distribution-statistics) \[L: linear
    /// rescale\]):
    ///
    /// ```text
    /// index = (x − min) / (max − min) × 100
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when `x` is NaN or outside `[min, max]`.
    pub fn rescale(&self, x: f64) -> Result<f64> {
        if !(x >= self.min && x <= self.max) {
            return Err(Error::InvalidValue {
                what: "scale score",
                reason: format!("must be in [{}, {}], got {x}", self.min, self.max),
            });
        }
        Ok(((x - self.min) / (self.max - self.min) * 100.0).clamp(0.0, 100.0))
    }
}

/// Weights of the items of a multi-item survey, for the weighted overall
/// score ([spec](crate::satisfaction::spec#item-and-overall-scores) \[V\]) and the ACSI-style 0-100 index
/// ([spec](crate::satisfaction::spec#acsi-index) \[V\]).
///
/// Weights must be positive; they need not sum to 1: the crate divides
/// each by their sum (`λ_j = w_j / Σ w`), so `(0.9, 0.8, 0.8)` and
/// `(0.36, 0.32, 0.32)` are the same weighting. [`weights`](Self::weights)
/// returns them as given, [`normalised`](Self::normalised) as used.
///
/// ```text
/// overall  S    = Σ_j λ_j S_j                         (Σ λ_j = 1)
/// index    ACSI = (Σ_j λ_j x̄_j − min) / (max − min) × 100
///               = Σ_j w_j (x̄_j − 1) / (9 Σ_j w_j) × 100   on 1-10 items
/// ```
///
/// In the ACSI the weights are the PLS outer weights of the satisfaction
/// items (Fornell et al. 1996); they are proprietary, so the caller
/// supplies them.
///
/// # Example
///
/// The [worked example](crate::satisfaction::spec#worked-example):
///
/// ```
/// use customer_value::satisfaction::ItemWeights;
///
/// let means = [8.2, 7.6, 7.9];
/// let w = ItemWeights::new(&[0.36, 0.32, 0.32])?;
/// assert!((w.acsi(&means)? - 76.8).abs() < 1e-9);
/// let unnormalised = ItemWeights::new(&[0.9, 0.8, 0.8])?;
/// assert!((unnormalised.acsi(&means)? - 76.8).abs() < 1e-9);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawItemWeights"))]
pub struct ItemWeights {
    weights: Vec<f64>,
    #[cfg_attr(feature = "serde", serde(skip))]
    normalised: Vec<f64>,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawItemWeights {
    weights: Vec<f64>,
}

#[cfg(feature = "serde")]
impl TryFrom<RawItemWeights> for ItemWeights {
    type Error = Error;
    fn try_from(raw: RawItemWeights) -> Result<Self> {
        ItemWeights::new(&raw.weights)
    }
}

impl ItemWeights {
    /// Checks the weights, one per item, and normalises them to sum to 1.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when there are no weights, a weight is
    /// not a positive finite number (0, negative, NaN or infinite), or
    /// their sum overflows.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::satisfaction::ItemWeights;
    ///
    /// let w = ItemWeights::new(&[1.0, 3.0])?;
    /// assert_eq!(w.normalised(), &[0.25, 0.75]);
    /// assert!(ItemWeights::new(&[1.0, 0.0]).is_err());
    /// assert!(ItemWeights::new(&[]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(weights: &[f64]) -> Result<Self> {
        if weights.is_empty() {
            return Err(Error::InvalidParameter {
                name: "item weights",
                value: "[]".to_string(),
                reason: "need at least one item",
            });
        }
        if let Some((j, &w)) = weights
            .iter()
            .enumerate()
            .find(|&(_, &w)| !(w > 0.0 && w.is_finite()))
        {
            return Err(Error::InvalidParameter {
                name: "item weight",
                value: format!("{w} (item {j})"),
                reason: "must be finite and > 0",
            });
        }
        let sum: f64 = weights.iter().sum();
        if !sum.is_finite() {
            return Err(Error::InvalidParameter {
                name: "item weights",
                value: format!("{weights:?}"),
                reason: "sum must be finite",
            });
        }
        Ok(Self {
            weights: weights.to_vec(),
            normalised: weights.iter().map(|w| w / sum).collect(),
        })
    }

    /// The weights as given.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// The weights divided by their sum, `λ_j = w_j / Σ w`.
    pub fn normalised(&self) -> &[f64] {
        &self.normalised
    }

    /// The number of items (at least 1).
    pub fn items(&self) -> usize {
        self.weights.len()
    }

    fn check_len(&self, scores: &[f64]) -> Result<()> {
        if scores.len() != self.weights.len() {
            return Err(Error::InvalidParameter {
                name: "item scores",
                value: format!("{} scores for {} weights", scores.len(), self.weights.len()),
                reason: "need one score per weighted item",
            });
        }
        Ok(())
    }

    /// The weighted overall score `S = Σ_j λ_j S_j` of item scores `S_j`
    /// (item means, or mean [`LevelScores`](super::LevelScores)).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `item_scores` does not have one
    /// score per weight; [`Error::InvalidValue`] when a score is NaN or
    /// infinite; [`Error::Overflow`] when the sum leaves the `f64` range.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::satisfaction::{Distribution, ItemWeights};
    ///
    /// // Two items on the seven-level scale; the first weighs twice as much.
    /// let items = [
    ///     Distribution::from_scores(&[7, 6, 5, 6])?,
    ///     Distribution::from_scores(&[3, 4, 5, 4])?,
    /// ];
    /// let means = items.iter().map(Distribution::mean).collect::<Result<Vec<_>, _>>()?;
    /// let w = ItemWeights::new(&[2.0, 1.0])?;
    /// assert!((w.overall(&means)? - 16.0 / 3.0).abs() < 1e-12);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn overall(&self, item_scores: &[f64]) -> Result<f64> {
        self.check_len(item_scores)?;
        if let Some((j, &s)) = item_scores.iter().enumerate().find(|(_, s)| !s.is_finite()) {
            return Err(Error::InvalidValue {
                what: "item score",
                reason: format!("item {j}: must be finite, got {s}"),
            });
        }
        let s: f64 = self
            .normalised
            .iter()
            .zip(item_scores)
            .map(|(l, s)| l * s)
            .sum();
        if !s.is_finite() {
            return Err(Error::Overflow {
                what: "weighted overall score",
            });
        }
        Ok(s)
    }

    /// The ACSI-style 0-100 index of item means on any answer scale
    /// ([spec](crate::satisfaction::spec#acsi-index) \[V\]):
    ///
    /// ```text
    /// index = (Σ_j λ_j x̄_j − min) / (max − min) × 100
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `item_means` does not have one mean
    /// per weight; [`Error::InvalidValue`] when a mean is NaN or outside
    /// the scale.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::satisfaction::{ItemWeights, Scale};
    ///
    /// let w = ItemWeights::new(&[1.0, 1.0])?;
    /// assert_eq!(w.index(&[4.0, 7.0], Scale::SEVEN_LEVEL)?, 75.0);
    /// assert!(w.index(&[4.0, 8.0], Scale::SEVEN_LEVEL).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn index(&self, item_means: &[f64], scale: Scale) -> Result<f64> {
        self.check_len(item_means)?;
        if let Some((j, &x)) = item_means
            .iter()
            .enumerate()
            .find(|&(_, &x)| !(x >= scale.min && x <= scale.max))
        {
            return Err(Error::InvalidValue {
                what: "item mean",
                reason: format!(
                    "item {j}: must be in [{}, {}], got {x}",
                    scale.min, scale.max
                ),
            });
        }
        // Every mean is in [min, max], so the weighted mean is too (up to
        // rounding, which the clamp removes) and rescale cannot fail.
        let xi = self.overall(item_means)?.clamp(scale.min, scale.max);
        scale.rescale(xi)
    }

    /// The ACSI 0-100 index of item means on the ACSI's 1-10 scale:
    /// [`index`](Self::index) with [`Scale::ACSI`].
    ///
    /// ```text
    /// ACSI = Σ_j w_j (x̄_j − 1) / (9 Σ_j w_j) × 100
    /// ```
    ///
    /// # Errors
    ///
    /// As [`index`](Self::index): a length mismatch, or a mean that is NaN
    /// or outside `[1, 10]`.
    pub fn acsi(&self, item_means: &[f64]) -> Result<f64> {
        self.index(item_means, Scale::ACSI)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_new() {
        assert_eq!(Scale::new(1.0, 10.0).unwrap(), Scale::ACSI);
        for (lo, hi) in [
            (1.0, 1.0),
            (2.0, 1.0),
            (f64::NAN, 1.0),
            (0.0, f64::INFINITY),
            (-f64::MAX, f64::MAX),
        ] {
            assert!(
                matches!(Scale::new(lo, hi), Err(Error::InvalidParameter { .. })),
                "{lo} {hi}"
            );
        }
    }

    #[test]
    fn scale_rescale() {
        assert_eq!(Scale::SEVEN_LEVEL.rescale(1.0).unwrap(), 0.0);
        assert_eq!(Scale::SEVEN_LEVEL.rescale(7.0).unwrap(), 100.0);
        assert_eq!(Scale::FIVE_LEVEL.rescale(3.0).unwrap(), 50.0);
        for x in [0.99, 7.01, f64::NAN] {
            assert!(Scale::SEVEN_LEVEL.rescale(x).is_err());
        }
    }

    #[test]
    fn weights_new() {
        let w = ItemWeights::new(&[0.9, 0.8, 0.8]).unwrap();
        assert_eq!(w.items(), 3);
        assert_eq!(w.weights(), &[0.9, 0.8, 0.8]);
        assert!((w.normalised()[0] - 0.36).abs() < 1e-15);
        assert!(ItemWeights::new(&[]).is_err());
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let err = ItemWeights::new(&[1.0, bad]).unwrap_err();
            assert!(err.to_string().contains("item 1"), "{err}");
        }
        assert!(ItemWeights::new(&[f64::MAX, f64::MAX]).is_err());
    }

    #[test]
    fn overall_and_index_errors() {
        let w = ItemWeights::new(&[1.0, 1.0]).unwrap();
        assert_eq!(w.overall(&[2.0, 4.0]).unwrap(), 3.0);
        assert!(w.overall(&[1.0]).is_err());
        assert!(w.overall(&[1.0, f64::NAN]).is_err());
        assert!(matches!(
            w.overall(&[f64::MAX, f64::MAX]),
            Ok(x) if x == f64::MAX
        ));
        let w = ItemWeights::new(&[1.0, 1e-300]).unwrap();
        assert!(w.overall(&[f64::MAX, f64::MAX]).is_ok());
        let w = ItemWeights::new(&[1.0, 1.0]).unwrap();
        assert!(w.acsi(&[1.0, 2.0, 3.0]).is_err());
        assert!(w.acsi(&[0.5, 2.0]).is_err());
        assert!(w.acsi(&[f64::NAN, 2.0]).is_err());
        assert_eq!(w.acsi(&[1.0, 10.0]).unwrap(), 50.0);
    }
}
