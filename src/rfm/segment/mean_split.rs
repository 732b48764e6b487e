//! The Chinese 8-class RFM model: R, F and M split at the population mean.

use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

use super::report::Sum;
use crate::rfm::RfmValues;
use crate::{Decimal, Error, Fit, Result, Scorer};

/// Integers below this are exact in an `f64`.
const F64_EXACT_INT: f64 = 9_007_199_254_740_992.0; // 2^53

/// The value as an integer when it is a whole number in `[0, 2^53)`
/// (exact in both types); a truncating cast, cheaper than `f64::fract`.
#[inline]
fn whole(x: f64) -> Option<u64> {
    let i = x as u64;
    (x < F64_EXACT_INT && i as f64 == x).then_some(i)
}

/// `floor(mean · 10^s)` for every scale `s` a `Decimal` can have, where it
/// fits in an `i128`: a value with mantissa `v` at scale `s` is above the
/// mean iff `v > floor(mean · 10^s)`.
fn scaled_floors(mean: Decimal) -> [Option<i128>; 29] {
    let (mantissa, k) = (mean.mantissa(), mean.scale());
    std::array::from_fn(|s| {
        let s = s as u32;
        if s >= k {
            10i128
                .checked_pow(s - k)
                .and_then(|p| mantissa.checked_mul(p))
        } else {
            10i128.checked_pow(k - s).map(|p| mantissa.div_euclid(p))
        }
    })
}

/// One of the eight classes of the mean-split RFM model, by whether each
/// of R, F and M is "high" (better than the population mean).
///
/// ```text
/// R F M   class
/// H H H   重要价值  important value
/// L H H   重要保持  important retain
/// H L H   重要发展  important develop
/// L L H   重要挽留  important win-back
/// H H L   一般价值  general value
/// L H L   一般保持  general retain
/// H L L   一般发展  general develop
/// L L L   一般挽留  general win-back
/// ```
///
/// The variants are declared (and [`index`](Self::index)ed 0..8) in this
/// order. Not `#[non_exhaustive]`: the eight combinations are its
/// definition. Source: [mean split](crate::rfm::spec#mean-split).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[repr(u8)]
pub enum ValueClass {
    /// R, F, M high (重要价值).
    ImportantValue = 0,
    /// R low; F, M high (重要保持).
    ImportantRetain = 1,
    /// R high, F low, M high (重要发展).
    ImportantDevelop = 2,
    /// R, F low; M high (重要挽留).
    ImportantWinBack = 3,
    /// R, F high; M low (一般价值).
    GeneralValue = 4,
    /// R low, F high, M low (一般保持).
    GeneralRetain = 5,
    /// R high; F, M low (一般发展).
    GeneralDevelop = 6,
    /// R, F, M low (一般挽留).
    GeneralWinBack = 7,
}

impl ValueClass {
    /// Every class, in table order (the order of [`index`](Self::index)).
    pub const ALL: [ValueClass; 8] = [
        ValueClass::ImportantValue,
        ValueClass::ImportantRetain,
        ValueClass::ImportantDevelop,
        ValueClass::ImportantWinBack,
        ValueClass::GeneralValue,
        ValueClass::GeneralRetain,
        ValueClass::GeneralDevelop,
        ValueClass::GeneralWinBack,
    ];

    /// The class of a high/low triple.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::rfm::ValueClass;
    ///
    /// assert_eq!(ValueClass::from_levels(false, true, true), ValueClass::ImportantRetain);
    /// assert_eq!(ValueClass::ImportantRetain.chinese_name(), "重要保持");
    /// ```
    pub fn from_levels(r_high: bool, f_high: bool, m_high: bool) -> Self {
        let i = usize::from(!m_high) * 4 + usize::from(!f_high) * 2 + usize::from(!r_high);
        Self::ALL
            .get(i)
            .copied()
            .unwrap_or(ValueClass::GeneralWinBack)
    }

    /// Position in [`ALL`](Self::ALL), 0..8.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether recency is better than the mean (fewer days since the last purchase).
    pub fn r_high(self) -> bool {
        (self as u8) & 1 == 0
    }

    /// Whether frequency is above the mean.
    pub fn f_high(self) -> bool {
        (self as u8) & 2 == 0
    }

    /// Whether monetary is above the mean.
    pub fn m_high(self) -> bool {
        (self as u8) & 4 == 0
    }

    /// The English name: "important value", …, "general win-back".
    pub fn name(self) -> &'static str {
        match self {
            ValueClass::ImportantValue => "important value",
            ValueClass::ImportantRetain => "important retain",
            ValueClass::ImportantDevelop => "important develop",
            ValueClass::ImportantWinBack => "important win-back",
            ValueClass::GeneralValue => "general value",
            ValueClass::GeneralRetain => "general retain",
            ValueClass::GeneralDevelop => "general develop",
            ValueClass::GeneralWinBack => "general win-back",
        }
    }

    /// The Chinese name: "重要价值", …, "一般挽留".
    pub fn chinese_name(self) -> &'static str {
        match self {
            ValueClass::ImportantValue => "重要价值",
            ValueClass::ImportantRetain => "重要保持",
            ValueClass::ImportantDevelop => "重要发展",
            ValueClass::ImportantWinBack => "重要挽留",
            ValueClass::GeneralValue => "一般价值",
            ValueClass::GeneralRetain => "一般保持",
            ValueClass::GeneralDevelop => "一般发展",
            ValueClass::GeneralWinBack => "一般挽留",
        }
    }
}

/// The mean split: fits the population means of recency, frequency and
/// monetary value, and returns a [`FittedMeanSplit`] that classes
/// customers into a [`ValueClass`].
///
/// ```text
/// R high  <=>  recency   < mean(recency)      (fewer days is better)
/// F high  <=>  frequency > mean(frequency)
/// M high  <=>  monetary  > mean(monetary)
/// equality to the mean counts as low
/// ```
///
/// Source: [mean split](crate::rfm::spec#mean-split) (the Chinese 8-class RFM model; the
/// tie rule is this crate's convention).
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Decimal, Fit, Scorer, rfm::{MeanSplit, RfmValues, ValueClass}};
///
/// let v = |id, r, f, m| RfmValues::new(CustomerId::new(id), r, f, Decimal::new(m, 0));
/// let population = [v(1, 10.0, 6, 900)?, v(2, 30.0, 2, 100)?, v(3, 20.0, 1, 500)?];
/// let fitted = MeanSplit::new().fit(&population)?;
/// assert_eq!(fitted.recency_mean(), Decimal::new(20, 0));
/// assert_eq!(fitted.frequency_mean(), Decimal::new(3, 0));
/// assert_eq!(fitted.monetary_mean(), Decimal::new(500, 0));
/// assert_eq!(fitted.score(&population[0])?, ValueClass::ImportantValue);
/// // recency 20 equals the mean and monetary 500 equals the mean: both low
/// assert_eq!(fitted.score(&population[2])?, ValueClass::GeneralWinBack);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MeanSplit {
    /// Room for options without a breaking change; serialises as `{}`.
    #[cfg_attr(feature = "serde", serde(skip))]
    _private: (),
}

impl MeanSplit {
    /// The mean split (it has no parameters).
    pub fn new() -> Self {
        Self::default()
    }
}

/// A recency as an exact-as-possible `Decimal`: integers exactly, other
/// values through [`Decimal::from_f64`] (the shortest decimal that reads
/// back as the same `f64`, within 28 significant digits).
fn recency_decimal(recency: f64) -> Result<Decimal> {
    if let Some(i) = whole(recency) {
        return Ok(Decimal::from(i));
    }
    Decimal::from_f64(recency).ok_or_else(|| Error::InvalidValue {
        what: "recency",
        reason: format!("not representable as a decimal, got {recency}"),
    })
}

const MONETARY_OVERFLOW: Error = Error::Overflow {
    what: "monetary sum",
};

impl Fit for MeanSplit {
    type Input = RfmValues;
    type Fitted = FittedMeanSplit;

    /// Computes the three means exactly (checked sums, one division each;
    /// see [`FittedMeanSplit`]).
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidValue`] when `population` is empty, or a recency
    ///   is too large for a `Decimal`;
    /// - [`Error::Overflow`] when a sum exceeds `Decimal`'s range.
    fn fit(&self, population: &[RfmValues]) -> Result<FittedMeanSplit> {
        if population.is_empty() {
            return Err(Error::InvalidValue {
                what: "mean split population",
                reason: "no customers: the means of an empty population are undefined".to_owned(),
            });
        }
        let mut int_recency: u128 = 0;
        let mut frac_recency = Decimal::ZERO;
        let mut frequency: u128 = 0;
        let mut monetary = Sum::ZERO;
        for row in population {
            let r = row.recency();
            if let Some(i) = whole(r) {
                int_recency += u128::from(i);
            } else {
                frac_recency =
                    frac_recency
                        .checked_add(recency_decimal(r)?)
                        .ok_or(Error::Overflow {
                            what: "recency sum",
                        })?;
            }
            frequency += u128::from(row.frequency());
            monetary.add(row.monetary()).ok_or(MONETARY_OVERFLOW)?;
        }
        let to_dec = |sum: u128, what| {
            i128::try_from(sum)
                .ok()
                .and_then(|s| Decimal::try_from_i128_with_scale(s, 0).ok())
                .ok_or(Error::Overflow { what })
        };
        let n = Decimal::from(population.len() as u64);
        let recency_sum = to_dec(int_recency, "recency sum")?
            .checked_add(frac_recency)
            .ok_or(Error::Overflow {
                what: "recency sum",
            })?;
        let frequency_sum = to_dec(frequency, "frequency sum")?;
        let mean = |sum: Decimal, what| sum.checked_div(n).ok_or(Error::Overflow { what });
        FittedMeanSplit::new(
            mean(recency_sum, "recency mean")?,
            mean(frequency_sum, "frequency mean")?,
            mean(monetary.finish().ok_or(MONETARY_OVERFLOW)?, "monetary mean")?,
        )
    }
}

/// The fitted mean split: the three population means, and the classing
/// rule of [`MeanSplit`].
///
/// Each mean is `sum / n`, summed exactly and divided once; a quotient
/// that does not terminate is rounded to `Decimal`'s 28 significant digits
/// (a value equal to the exact mean is then never misclassed, since such a
/// mean terminates). Recency, an `f64` in [`RfmValues`], is compared as a
/// decimal: integers exactly, other values as the shortest decimal that
/// reads back as the same `f64`.
///
/// # Errors
///
/// [`FittedMeanSplit::new`] rejects a negative recency or frequency mean
/// with [`Error::InvalidParameter`]; deserialising checks the same.
/// Scoring fails only for a recency too large for a `Decimal`
/// ([`Error::InvalidValue`]).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawMeans", into = "RawMeans"))]
pub struct FittedMeanSplit {
    recency_mean: Decimal,
    frequency_mean: Decimal,
    monetary_mean: Decimal,
    /// `ceil(recency_mean)` when below 2^53: an integer recency `x` is high
    /// iff `x < recency_ceil`.
    recency_ceil: Option<f64>,
    /// `floor(frequency_mean)`: a frequency `f` is high iff `f > frequency_floor`.
    frequency_floor: u64,
    /// See [`scaled_floors`].
    monetary_floors: [Option<i128>; 29],
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct RawMeans {
    #[serde(with = "rust_decimal::serde::str")]
    recency_mean: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    frequency_mean: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    monetary_mean: Decimal,
}

#[cfg(feature = "serde")]
impl TryFrom<RawMeans> for FittedMeanSplit {
    type Error = Error;
    fn try_from(raw: RawMeans) -> Result<Self> {
        FittedMeanSplit::new(raw.recency_mean, raw.frequency_mean, raw.monetary_mean)
    }
}

#[cfg(feature = "serde")]
impl From<FittedMeanSplit> for RawMeans {
    fn from(f: FittedMeanSplit) -> Self {
        RawMeans {
            recency_mean: f.recency_mean,
            frequency_mean: f.frequency_mean,
            monetary_mean: f.monetary_mean,
        }
    }
}

// The derived fields are functions of the means and never NaN.
impl Eq for FittedMeanSplit {}

impl FittedMeanSplit {
    /// A mean split with known means (from another population or a
    /// published table), instead of [`MeanSplit`]'s fit.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `recency_mean`
    /// (`"recency mean"`) or `frequency_mean` (`"frequency mean"`) is
    /// negative.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{CustomerId, Decimal, Scorer, rfm::{FittedMeanSplit, RfmValues, ValueClass}};
    ///
    /// let split = FittedMeanSplit::new(Decimal::new(30, 0), Decimal::new(25, 1), Decimal::new(400, 0))?;
    /// let row = RfmValues::new(CustomerId::new(1), 45.0, 3, Decimal::new(399, 0))?;
    /// assert_eq!(split.score(&row)?, ValueClass::GeneralRetain);
    /// assert!(FittedMeanSplit::new(Decimal::NEGATIVE_ONE, Decimal::ONE, Decimal::ONE).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(
        recency_mean: Decimal,
        frequency_mean: Decimal,
        monetary_mean: Decimal,
    ) -> Result<Self> {
        for (name, value) in [
            ("recency mean", recency_mean),
            ("frequency mean", frequency_mean),
        ] {
            if value.is_sign_negative() && !value.is_zero() {
                return Err(Error::InvalidParameter {
                    name,
                    value: value.to_string(),
                    reason: "must be non-negative",
                });
            }
        }
        let recency_ceil = recency_mean.ceil().to_f64().filter(|c| *c < F64_EXACT_INT);
        let frequency_floor = frequency_mean.floor().to_u64().unwrap_or(u64::MAX);
        Ok(Self {
            recency_mean,
            frequency_mean,
            monetary_mean,
            recency_ceil,
            frequency_floor,
            monetary_floors: scaled_floors(monetary_mean),
        })
    }

    /// Mean recency of the population.
    pub fn recency_mean(&self) -> Decimal {
        self.recency_mean
    }

    /// Mean frequency of the population.
    pub fn frequency_mean(&self) -> Decimal {
        self.frequency_mean
    }

    /// Mean monetary value of the population.
    pub fn monetary_mean(&self) -> Decimal {
        self.monetary_mean
    }

    #[inline]
    fn classify(&self, row: &RfmValues) -> Result<ValueClass> {
        let r = row.recency();
        let r_high = match self.recency_ceil {
            // integer x: x < mean  <=>  x < ceil(mean); both exact in f64
            Some(ceil) if whole(r).is_some() => r < ceil,
            _ => recency_decimal(r)? < self.recency_mean,
        };
        // integer f: f > mean  <=>  f > floor(mean)
        let f_high = u64::from(row.frequency()) > self.frequency_floor;
        let m = row.monetary();
        let m_high = match self.monetary_floors.get(m.scale() as usize) {
            Some(&Some(floor)) => m.mantissa() > floor,
            _ => m > self.monetary_mean,
        };
        Ok(ValueClass::from_levels(r_high, f_high, m_high))
    }
}

/// Classes one customer; see [`MeanSplit`] for the rule.
impl Scorer for FittedMeanSplit {
    type Input = RfmValues;
    type Score = ValueClass;

    fn score(&self, input: &RfmValues) -> Result<ValueClass> {
        self.classify(input)
    }

    fn score_into(&self, inputs: &[RfmValues], out: &mut Vec<ValueClass>) -> Result<()> {
        out.reserve(inputs.len());
        for row in inputs {
            out.push(self.classify(row)?);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CustomerId;

    fn v(r: f64, f: u32, m: i64) -> RfmValues {
        RfmValues::new(CustomerId::new(1), r, f, Decimal::new(m, 2)).unwrap()
    }

    #[test]
    fn class_table_round_trips() {
        for (i, class) in ValueClass::ALL.iter().enumerate() {
            assert_eq!(class.index(), i);
            assert_eq!(
                ValueClass::from_levels(class.r_high(), class.f_high(), class.m_high()),
                *class
            );
        }
        assert_eq!(
            ValueClass::from_levels(true, false, true),
            ValueClass::ImportantDevelop
        );
        assert_eq!(ValueClass::GeneralWinBack.name(), "general win-back");
    }

    #[test]
    fn monetary_fast_path_agrees_with_decimal_order() {
        let means = [
            Decimal::new(457, 0),
            Decimal::new(4570, 0) / Decimal::from(3),
            Decimal::new(-25, 1),
            Decimal::ZERO,
            Decimal::MAX,
            Decimal::MIN,
            Decimal::new(1, 28),
            Decimal::new(-1, 28),
        ];
        for mean in means {
            let split = FittedMeanSplit::new(Decimal::ONE, Decimal::ONE, mean).unwrap();
            for scale in [0, 1, 2, 5, 9, 10, 20, 28] {
                for mantissa in [
                    i64::MIN,
                    -45_700_001,
                    -1,
                    0,
                    1,
                    456,
                    457,
                    458,
                    45_700,
                    i64::MAX,
                ] {
                    let m = Decimal::new(mantissa, scale);
                    let row = RfmValues::new(CustomerId::new(1), 1.0, 1, m).unwrap();
                    let got = split.score(&row).unwrap().m_high();
                    assert_eq!(got, m > mean, "{m} vs {mean}");
                }
            }
        }
    }

    #[test]
    fn fit_valid_and_empty() {
        let fitted = MeanSplit::new()
            .fit(&[v(1.5, 1, 100), v(2.0, 2, 200), v(3.0, 4, 301)])
            .unwrap();
        assert_eq!(
            fitted.recency_mean(),
            Decimal::new(65, 1) / Decimal::from(3)
        );
        assert_eq!(
            fitted.frequency_mean(),
            Decimal::new(7, 0) / Decimal::from(3)
        );
        assert_eq!(
            fitted.monetary_mean(),
            Decimal::new(601, 2) / Decimal::from(3)
        );
        assert!(matches!(
            MeanSplit::new().fit(&[]),
            Err(Error::InvalidValue { .. })
        ));
    }

    #[test]
    fn fit_overflow() {
        let big = RfmValues::new(CustomerId::new(1), 1.0, 1, Decimal::MAX).unwrap();
        assert!(matches!(
            MeanSplit::new().fit(&[big, big]),
            Err(Error::Overflow { .. })
        ));
    }

    #[test]
    fn fitted_new_valid_and_invalid() {
        assert!(FittedMeanSplit::new(Decimal::ZERO, Decimal::ZERO, Decimal::NEGATIVE_ONE).is_ok());
        for (r, f, name) in [
            (Decimal::NEGATIVE_ONE, Decimal::ONE, "recency mean"),
            (Decimal::ONE, Decimal::new(-1, 2), "frequency mean"),
        ] {
            match FittedMeanSplit::new(r, f, Decimal::ONE) {
                Err(Error::InvalidParameter { name: got, .. }) => assert_eq!(got, name),
                other => panic!("expected an error, got {other:?}"),
            }
        }
    }

    #[test]
    fn ties_are_low_on_both_paths() {
        let split = FittedMeanSplit::new(
            Decimal::new(25, 1),
            Decimal::new(2, 0),
            Decimal::new(100, 2),
        )
        .unwrap();
        // fractional recency at the mean: decimal path; integers: fast path
        assert!(!split.score(&v(2.5, 2, 100)).unwrap().r_high());
        assert!(split.score(&v(2.0, 3, 101)).unwrap().r_high());
        assert!(!split.score(&v(3.0, 2, 100)).unwrap().r_high());
        assert!(split.score(&v(2.4999, 2, 100)).unwrap().r_high());
        let c = split.score(&v(2.0, 2, 100)).unwrap();
        assert!(!c.f_high() && !c.m_high());
        let c = split.score(&v(2.0, 3, 101)).unwrap();
        assert!(c.f_high() && c.m_high());
        // integer mean: an integer recency equal to it is low
        let split = FittedMeanSplit::new(Decimal::new(3, 0), Decimal::ONE, Decimal::ZERO).unwrap();
        assert!(!split.score(&v(3.0, 1, 0)).unwrap().r_high());
        assert!(split.score(&v(2.0, 1, 0)).unwrap().r_high());
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_round_trip_and_validation() {
        assert_eq!(serde_json::to_string(&MeanSplit::new()).unwrap(), "{}");
        assert_eq!(
            serde_json::from_str::<MeanSplit>("{}").unwrap(),
            MeanSplit::new()
        );
        let split = FittedMeanSplit::new(
            Decimal::new(25, 1),
            Decimal::new(2, 0),
            Decimal::new(100, 2),
        )
        .unwrap();
        let json = serde_json::to_string(&split).unwrap();
        assert!(json.contains("\"2.5\""), "{json}");
        assert_eq!(
            serde_json::from_str::<FittedMeanSplit>(&json).unwrap(),
            split
        );
        let bad = r#"{"recency_mean":"-1","frequency_mean":"1","monetary_mean":"1"}"#;
        assert!(serde_json::from_str::<FittedMeanSplit>(bad).is_err());
    }
}
