//! Min-max normalisation of the indicators over a population
//! ([spec](crate::loyalty::spec#normalisation)).

use super::indicator::{Indicator, IndicatorValues};
use crate::{Error, Fit, Result, Scorer};

/// Min-max normalisation of each indicator over a population; fitting
/// returns a [`FittedNormaliser`] that places any customer on the
/// population's ranges.
///
/// # Formula
///
/// Over the m customers with a value for the indicator \[R: standard\]:
///
/// ```text
/// positive indicator:          z = (x - min) / (max - min)
/// reverse indicator (A32):     z = (max - x) / (max - min)
/// ```
///
/// `max = min` (every customer has the same value) is an error by default;
/// [`Normaliser::with_fill`] substitutes a constant z in [0, 1] for every
/// customer instead \[L\]. An indicator nobody has a value for gets no
/// range, and the fitted normaliser reports it missing for everyone (the
/// index's [`MissingPolicy`](super::MissingPolicy) then decides).
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Fit, Scorer};
/// use customer_value::loyalty::{Indicator, IndicatorValues, Normaliser};
///
/// let row = |id, a11, a32| {
///     IndicatorValues::builder(CustomerId::new(id)).set(Indicator::A11, a11).set(Indicator::A32, a32).build()
/// };
/// let population = [row(1, 36.0, 2.0)?, row(2, 12.0, 6.0)?, row(3, 24.0, 4.0)?];
/// let fitted = Normaliser::new().fit(&population)?;
/// let z = fitted.score(&population[2])?;
/// assert_eq!(z[Indicator::A11.index()], Some(0.5));
/// assert_eq!(z[Indicator::A32.index()], Some(0.5)); // reverse-scored
/// assert_eq!(z[Indicator::A21.index()], None); // nobody answered
/// assert_eq!(fitted.z(Indicator::A32, 2.0), Some(1.0)); // least price-sensitive
/// assert_eq!(fitted.z(Indicator::A11, 48.0), Some(1.0)); // beyond the range: clamped
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawNormaliser"))]
pub struct Normaliser {
    fill: Option<f64>,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawNormaliser {
    fill: Option<f64>,
}

#[cfg(feature = "serde")]
impl TryFrom<RawNormaliser> for Normaliser {
    type Error = Error;
    fn try_from(raw: RawNormaliser) -> Result<Self> {
        match raw.fill {
            Some(f) => Normaliser::with_fill(f),
            None => Ok(Normaliser::new()),
        }
    }
}

fn check_fill(fill: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&fill) {
        return Err(Error::InvalidParameter {
            name: "fill",
            value: fill.to_string(),
            reason: "a substituted z must be in [0, 1]",
        });
    }
    Ok(())
}

impl Normaliser {
    /// A normaliser that rejects an indicator with `max = min`.
    pub fn new() -> Self {
        Self { fill: None }
    }

    /// A normaliser that gives every customer `z = fill` on an indicator
    /// with `max = min`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `fill` is outside [0, 1] or NaN.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::loyalty::Normaliser;
    ///
    /// assert_eq!(Normaliser::with_fill(0.5)?.fill(), Some(0.5));
    /// assert!(Normaliser::with_fill(1.5).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn with_fill(fill: f64) -> Result<Self> {
        check_fill(fill)?;
        Ok(Self { fill: Some(fill) })
    }

    /// The fill value for constant indicators, `None` when they are errors.
    pub fn fill(&self) -> Option<f64> {
        self.fill
    }
}

impl Fit for Normaliser {
    type Input = IndicatorValues;
    type Fitted = FittedNormaliser;

    /// Learns each indicator's min and max over the customers who have it.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidValue`] for an empty population, for an indicator
    ///   with `max = min` when there is no fill value, and for a range
    ///   `max - min` too wide for `f64`.
    fn fit(&self, population: &[IndicatorValues]) -> Result<FittedNormaliser> {
        if population.is_empty() {
            return Err(Error::InvalidValue {
                what: "loyalty population",
                reason: "cannot normalise over no customers".to_string(),
            });
        }
        let mut lo = [f64::INFINITY; 9];
        let mut hi = [f64::NEG_INFINITY; 9];
        for row in population {
            let (values, mask) = row.raw();
            for (i, ((&x, l), h)) in values.iter().zip(&mut lo).zip(&mut hi).enumerate() {
                if mask & (1 << i) != 0 {
                    *l = l.min(x);
                    *h = h.max(x);
                }
            }
        }
        let mut ranges = [None; 9];
        for ((r, l), h) in ranges.iter_mut().zip(lo).zip(hi) {
            if l <= h {
                *r = Some((l, h));
            }
        }
        FittedNormaliser::new(ranges, self.fill)
    }
}

/// The per-indicator ranges learnt by [`Normaliser`]: a [`Scorer`] giving
/// any customer's z-values on the population's scale.
///
/// Values outside the fitted range clamp to [0, 1] \[L\] (a new customer
/// above the population's maximum scores 1, not more), so an index built
/// on it stays in [0, 100]. An indicator fitted with `max = min` gives
/// every customer the fill value. Serialises as the nine `[min, max]`
/// ranges (or null) and the fill; deserialising validates like
/// [`FittedNormaliser::new`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawFitted"))]
pub struct FittedNormaliser {
    ranges: [Option<(f64, f64)>; 9],
    fill: Option<f64>,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawFitted {
    ranges: [Option<(f64, f64)>; 9],
    fill: Option<f64>,
}

#[cfg(feature = "serde")]
impl TryFrom<RawFitted> for FittedNormaliser {
    type Error = Error;
    fn try_from(raw: RawFitted) -> Result<Self> {
        FittedNormaliser::new(raw.ranges, raw.fill)
    }
}

impl FittedNormaliser {
    /// A normaliser with the given `(min, max)` per indicator
    /// ([`Indicator::ALL`] order; `None` = no range, always missing) and
    /// fill value for constant indicators.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidParameter`] when `fill` is outside [0, 1] or NaN;
    /// - [`Error::InvalidValue`] when a bound is NaN or infinite,
    ///   `min > max`, `max - min` overflows, or `min = max` without a fill.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::loyalty::{FittedNormaliser, Indicator};
    ///
    /// let mut ranges = [None; 9];
    /// ranges[Indicator::A33.index()] = Some((1.0, 7.0));
    /// let n = FittedNormaliser::new(ranges, None)?;
    /// assert_eq!(n.z(Indicator::A33, 4.0), Some(0.5));
    /// ranges[Indicator::A31.index()] = Some((0.3, 0.3));
    /// assert!(FittedNormaliser::new(ranges, None).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(ranges: [Option<(f64, f64)>; 9], fill: Option<f64>) -> Result<Self> {
        if let Some(f) = fill {
            check_fill(f)?;
        }
        for (r, ind) in ranges.iter().zip(Indicator::ALL) {
            let Some((lo, hi)) = *r else { continue };
            if !(lo.is_finite() && hi.is_finite() && lo <= hi && (hi - lo).is_finite()) {
                return Err(Error::InvalidValue {
                    what: "indicator range",
                    reason: format!(
                        "{ind}: need finite min <= max with a finite width, got [{lo}, {hi}]"
                    ),
                });
            }
            if lo == hi && fill.is_none() {
                return Err(Error::InvalidValue {
                    what: "indicator range",
                    reason: format!(
                        "{ind}: max = min = {lo}, so (x - min)/(max - min) is undefined; drop the indicator or give a fill value"
                    ),
                });
            }
        }
        Ok(Self { ranges, fill })
    }

    /// The fitted `(min, max)` of an indicator, `None` when nobody had it.
    pub fn range(&self, indicator: Indicator) -> Option<(f64, f64)> {
        self.ranges.get(indicator.index()).copied().flatten()
    }

    /// The fill value used for constant indicators.
    pub fn fill(&self) -> Option<f64> {
        self.fill
    }

    /// The z-value of a raw value `x`, clamped to [0, 1]; `None` when the
    /// indicator has no range or `x` is NaN.
    #[inline]
    pub fn z(&self, indicator: Indicator, x: f64) -> Option<f64> {
        let (lo, hi) = self.range(indicator)?;
        z_of(lo, hi, self.fill, indicator.is_reverse(), x)
    }

    /// z-values of a customer's present indicators, in [0, 1] (`None`
    /// where the value or the range is missing).
    pub fn normalise(&self, values: &IndicatorValues) -> [Option<f64>; 9] {
        Indicator::ALL.map(|i| values.get(i).and_then(|x| self.z(i, x)))
    }

    /// z-values of a customer who has all nine indicators, e.g. as a row
    /// for [`EntropyWeights::new`](super::EntropyWeights::new).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] naming the first missing indicator.
    pub fn complete(&self, values: &IndicatorValues) -> Result<[f64; 9]> {
        let z = self.normalise(values);
        let mut out = [0.0; 9];
        for ((o, z), ind) in out.iter_mut().zip(z).zip(Indicator::ALL) {
            *o = z.ok_or_else(|| Error::InvalidValue {
                what: "indicator values",
                reason: format!("customer {}: {ind} is missing", values.customer()),
            })?;
        }
        Ok(out)
    }
}

/// `(x - lo)/(hi - lo)` or its reverse, clamped to [0, 1].
#[inline]
pub(crate) fn z_of(lo: f64, hi: f64, fill: Option<f64>, reverse: bool, x: f64) -> Option<f64> {
    let span = hi - lo;
    if !(span > 0.0) {
        return fill;
    }
    let z = if reverse {
        (hi - x) / span
    } else {
        (x - lo) / span
    };
    if z.is_nan() {
        None
    } else {
        Some(z.clamp(0.0, 1.0))
    }
}

impl Scorer for FittedNormaliser {
    type Input = IndicatorValues;
    type Score = [Option<f64>; 9];

    /// The customer's z-values ([`FittedNormaliser::normalise`]); never
    /// fails.
    fn score(&self, input: &IndicatorValues) -> Result<[Option<f64>; 9]> {
        Ok(self.normalise(input))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CustomerId;

    fn row(id: u64, vals: [f64; 9]) -> IndicatorValues {
        IndicatorValues::new(CustomerId::new(id), vals.map(Some)).unwrap()
    }

    #[test]
    fn fit_valid_and_errors() {
        let pop = [row(1, [1.0; 9]), row(2, [3.0; 9])];
        let f = Normaliser::new().fit(&pop).unwrap();
        assert_eq!(f.range(Indicator::A13), Some((1.0, 3.0)));
        assert_eq!(f.z(Indicator::A13, 2.0), Some(0.5));
        assert_eq!(f.z(Indicator::A32, 1.5), Some(0.75));
        assert_eq!(f.z(Indicator::A13, -10.0), Some(0.0));
        assert_eq!(f.z(Indicator::A32, -10.0), Some(1.0));
        assert_eq!(f.z(Indicator::A13, f64::NAN), None);

        assert!(matches!(
            Normaliser::new().fit(&[]),
            Err(Error::InvalidValue { .. })
        ));
        let constant = [row(1, [1.0; 9]), row(2, [1.0; 9])];
        assert!(matches!(
            Normaliser::new().fit(&constant),
            Err(Error::InvalidValue { .. })
        ));
        let filled = Normaliser::with_fill(0.25).unwrap().fit(&constant).unwrap();
        assert_eq!(filled.z(Indicator::A11, 1.0), Some(0.25));
        assert_eq!(filled.z(Indicator::A11, 9.0), Some(0.25));
        let wide = [row(1, [-f64::MAX; 9]), row(2, [f64::MAX; 9])];
        assert!(matches!(
            Normaliser::new().fit(&wide),
            Err(Error::InvalidValue { .. })
        ));
    }

    #[test]
    fn fitted_new_errors() {
        let mut r = [None; 9];
        assert!(FittedNormaliser::new(r, Some(-0.1)).is_err());
        assert!(FittedNormaliser::new(r, Some(f64::NAN)).is_err());
        r[0] = Some((2.0, 1.0));
        assert!(FittedNormaliser::new(r, None).is_err());
        r[0] = Some((f64::NAN, 1.0));
        assert!(FittedNormaliser::new(r, None).is_err());
        r[0] = Some((1.0, 2.0));
        let n = FittedNormaliser::new(r, None).unwrap();
        let v = IndicatorValues::new(CustomerId::new(1), [Some(1.5); 9]).unwrap();
        assert!(n.complete(&v).is_err());
        assert_eq!(n.normalise(&v)[0], Some(0.5));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_round_trip_validates() {
        let pop = [row(1, [1.0; 9]), row(2, [3.0; 9])];
        let f = Normaliser::new().fit(&pop).unwrap();
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(serde_json::from_str::<FittedNormaliser>(&json).unwrap(), f);
        let bad = json.replacen("[1.0,3.0]", "[3.0,1.0]", 1);
        assert!(serde_json::from_str::<FittedNormaliser>(&bad).is_err());
        assert!(serde_json::from_str::<Normaliser>(r#"{"fill":2.0}"#).is_err());
    }
}
