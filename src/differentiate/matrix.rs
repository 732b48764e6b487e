//! The value x loyalty portfolio matrix ([spec](crate::differentiate::spec#value-and-loyalty-matrix)).

use std::fmt;

use super::input::ValueLoyalty;
use super::rank::empty_population;
use super::report::{Sealed, Tier, TierAssignment, TierReport};
use crate::{Decimal, Error, Fit, Result, Scorer};

/// A cell of the Reinartz & Kumar (2002) value x loyalty matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Quadrant {
    /// High value, long relationship.
    TrueFriends,
    /// High value, short relationship.
    Butterflies,
    /// Low value, long relationship.
    Barnacles,
    /// Low value, short relationship.
    Strangers,
}

impl Sealed for Quadrant {}

impl Tier for Quadrant {
    const ALL: &'static [Self] = &[
        Quadrant::TrueFriends,
        Quadrant::Butterflies,
        Quadrant::Barnacles,
        Quadrant::Strangers,
    ];
}

impl Quadrant {
    /// The quadrant of a high/low value and a long/short relationship.
    pub fn new(high_value: bool, long_term: bool) -> Self {
        match (high_value, long_term) {
            (true, true) => Quadrant::TrueFriends,
            (true, false) => Quadrant::Butterflies,
            (false, true) => Quadrant::Barnacles,
            (false, false) => Quadrant::Strangers,
        }
    }

    /// Whether the quadrant is on the high-value side.
    pub fn is_high_value(self) -> bool {
        matches!(self, Quadrant::TrueFriends | Quadrant::Butterflies)
    }

    /// Whether the quadrant is on the long-relationship side.
    pub fn is_long_term(self) -> bool {
        matches!(self, Quadrant::TrueFriends | Quadrant::Barnacles)
    }

    /// The English name: `"True Friends"`, `"Butterflies"`, `"Barnacles"`,
    /// `"Strangers"`.
    pub fn english(self) -> &'static str {
        match self {
            Quadrant::TrueFriends => "True Friends",
            Quadrant::Butterflies => "Butterflies",
            Quadrant::Barnacles => "Barnacles",
            Quadrant::Strangers => "Strangers",
        }
    }
}

impl fmt::Display for Quadrant {
    /// The English name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.english())
    }
}

/// The value x loyalty portfolio matrix of Reinartz & Kumar (2002),
/// *Harvard Business Review* 80(7):86-94: profitability (high/low) against
/// relationship duration (long/short).
///
/// # Rule
///
/// ```text
/// high value  if v       >= value split
/// long term   if loyalty >= loyalty split
/// True Friends = high & long, Butterflies = high & short,
/// Barnacles = low & long,     Strangers = low & short
/// ```
///
/// Each split is the caller's threshold or, by default, the median of the
/// population on that axis, with values at the median counting as high
/// \[L\]. For an even N the median is the mean of the two middle values:
/// for value `(lo + hi) / 2` in `Decimal` (exact unless it needs more than
/// 28 significant digits, then rounded by `rust_decimal`, banker's
/// rounding), for loyalty `lo / 2 + hi / 2` in `f64`.
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Decimal, Fit, Scorer};
/// use customer_value::differentiate::{Quadrant, ValueLoyalty, ValueLoyaltyMatrix};
///
/// let rows = [(500, 40.0), (400, 2.0), (50, 30.0), (20, 1.0)]
///     .iter()
///     .enumerate()
///     .map(|(i, &(v, l))| ValueLoyalty::new(CustomerId::new(i as u64), Decimal::from(v), l))
///     .collect::<Result<Vec<_>, _>>()?;
/// let matrix = ValueLoyaltyMatrix::median();
/// let result = matrix.classify(&rows)?;
/// let cells: Vec<Quadrant> = result.tiers().iter().map(|s| s.score).collect();
/// assert_eq!(
///     cells,
///     [Quadrant::TrueFriends, Quadrant::Butterflies, Quadrant::Barnacles, Quadrant::Strangers]
/// );
/// let fitted = matrix.fit(&rows)?; // medians 225 and 16
/// assert_eq!(fitted.value_split(), Decimal::from(225));
/// let newcomer = ValueLoyalty::new(CustomerId::new(9), Decimal::from(300), 16.0)?;
/// assert_eq!(fitted.score(&newcomer)?, Quadrant::TrueFriends);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawMatrix"))]
pub struct ValueLoyaltyMatrix {
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str_option"))]
    value_split: Option<Decimal>,
    loyalty_split: Option<f64>,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawMatrix {
    #[serde(with = "rust_decimal::serde::str_option")]
    value_split: Option<Decimal>,
    loyalty_split: Option<f64>,
}

#[cfg(feature = "serde")]
impl TryFrom<RawMatrix> for ValueLoyaltyMatrix {
    type Error = Error;
    fn try_from(raw: RawMatrix) -> Result<Self> {
        ValueLoyaltyMatrix::new(raw.value_split, raw.loyalty_split)
    }
}

impl ValueLoyaltyMatrix {
    /// Both axes split at the population median (the default).
    pub fn median() -> Self {
        Self::default()
    }

    /// Splits at the given thresholds; `None` on an axis means its median.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when the loyalty threshold is NaN or
    /// infinite.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, differentiate::ValueLoyaltyMatrix};
    ///
    /// let m = ValueLoyaltyMatrix::new(Some(Decimal::from(1000)), None)?;
    /// assert_eq!(m.value_split(), Some(Decimal::from(1000)));
    /// assert!(ValueLoyaltyMatrix::new(None, Some(f64::NAN)).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(value_split: Option<Decimal>, loyalty_split: Option<f64>) -> Result<Self> {
        if let Some(l) = loyalty_split {
            check_loyalty_split(l)?;
        }
        Ok(Self {
            value_split,
            loyalty_split,
        })
    }

    /// The caller's value threshold, `None` for the median.
    pub fn value_split(&self) -> Option<Decimal> {
        self.value_split
    }

    /// The caller's loyalty threshold, `None` for the median.
    pub fn loyalty_split(&self) -> Option<f64> {
        self.loyalty_split
    }

    /// Places every customer of the population in a quadrant (splits
    /// learnt as by [`Fit::fit`]) and reports each quadrant's count and
    /// value.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidValue`] for an empty population;
    /// - [`Error::Overflow`] when a sum of values overflows `Decimal`.
    ///
    /// # Example
    ///
    /// See [`ValueLoyaltyMatrix`].
    pub fn classify(&self, population: &[ValueLoyalty]) -> Result<TierAssignment<Quadrant>> {
        let fitted = self.fit(population)?;
        let values: Vec<Decimal> = population.iter().map(ValueLoyalty::value).collect();
        let indices: Vec<u8> = population
            .iter()
            .map(|r| fitted.quadrant_of(r.value(), r.loyalty()) as u8)
            .collect();
        let report = TierReport::build(&values, &indices)?;
        Ok(TierAssignment::new(
            population.iter().map(ValueLoyalty::customer),
            &indices,
            report,
        ))
    }
}

impl Fit for ValueLoyaltyMatrix {
    type Input = ValueLoyalty;
    type Fitted = FittedMatrix;

    /// Learns the median of each axis that has no caller threshold.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] for an empty population (even with both
    /// thresholds given; build a [`FittedMatrix`] directly instead).
    fn fit(&self, population: &[ValueLoyalty]) -> Result<FittedMatrix> {
        if population.is_empty() {
            return Err(empty_population());
        }
        let value_split = match self.value_split {
            Some(v) => v,
            None => {
                let mut values: Vec<Decimal> = population.iter().map(ValueLoyalty::value).collect();
                let (lo, hi) = middle(&mut values, Decimal::cmp).ok_or_else(empty_population)?;
                decimal_midpoint(lo, hi)
            }
        };
        let loyalty_split = match self.loyalty_split {
            Some(l) => l,
            None => {
                let mut loyalties: Vec<f64> =
                    population.iter().map(ValueLoyalty::loyalty).collect();
                let (lo, hi) =
                    middle(&mut loyalties, f64::total_cmp).ok_or_else(empty_population)?;
                lo / 2.0 + hi / 2.0
            }
        };
        FittedMatrix::new(value_split, loyalty_split)
    }
}

/// The two middle elements of `xs` (the same one twice for odd lengths).
fn middle<T: Copy>(
    xs: &mut [T],
    cmp: impl Fn(&T, &T) -> std::cmp::Ordering + Copy,
) -> Option<(T, T)> {
    let n = xs.len();
    if n == 0 {
        return None;
    }
    let (left, &mut hi, _) = xs.select_nth_unstable_by(n / 2, cmp);
    if n % 2 == 1 {
        return Some((hi, hi));
    }
    let lo = left.iter().copied().max_by(cmp)?;
    Some((lo, hi))
}

/// `(lo + hi) / 2`, without overflowing.
fn decimal_midpoint(lo: Decimal, hi: Decimal) -> Decimal {
    match lo.checked_add(hi) {
        Some(sum) => sum / Decimal::TWO,
        // Same sign (else the sum fits): the difference fits.
        None => hi
            .checked_sub(lo)
            .and_then(|d| lo.checked_add(d / Decimal::TWO))
            .unwrap_or(lo),
    }
}

fn check_loyalty_split(l: f64) -> Result<()> {
    if !l.is_finite() {
        return Err(Error::InvalidParameter {
            name: "loyalty split",
            value: l.to_string(),
            reason: "must be finite",
        });
    }
    Ok(())
}

/// Splits learnt for the value x loyalty matrix
/// ([`ValueLoyaltyMatrix`]'s [`Fit`]): a [`Scorer`] placing any customer
/// in a [`Quadrant`].
///
/// Rule: high value if `v >= value_split`, long term if
/// `loyalty >= loyalty_split`.
///
/// # Errors
///
/// [`FittedMatrix::new`] and deserialising reject a NaN or infinite
/// loyalty split with [`Error::InvalidParameter`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawFittedMatrix"))]
pub struct FittedMatrix {
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    value_split: Decimal,
    loyalty_split: f64,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawFittedMatrix {
    #[serde(with = "rust_decimal::serde::str")]
    value_split: Decimal,
    loyalty_split: f64,
}

#[cfg(feature = "serde")]
impl TryFrom<RawFittedMatrix> for FittedMatrix {
    type Error = Error;
    fn try_from(raw: RawFittedMatrix) -> Result<Self> {
        FittedMatrix::new(raw.value_split, raw.loyalty_split)
    }
}

impl FittedMatrix {
    /// A scorer with the given splits.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `loyalty_split` is NaN or infinite.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, differentiate::{FittedMatrix, Quadrant}};
    ///
    /// let fitted = FittedMatrix::new(Decimal::from(100), 12.0)?;
    /// assert_eq!(fitted.quadrant_of(Decimal::from(100), 3.0), Quadrant::Butterflies);
    /// assert_eq!(fitted.quadrant_of(Decimal::from(99), 12.0), Quadrant::Barnacles);
    /// assert!(FittedMatrix::new(Decimal::ONE, f64::INFINITY).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(value_split: Decimal, loyalty_split: f64) -> Result<Self> {
        check_loyalty_split(loyalty_split)?;
        Ok(Self {
            value_split,
            loyalty_split,
        })
    }

    /// Values at or above this are high.
    pub fn value_split(&self) -> Decimal {
        self.value_split
    }

    /// Loyalty at or above this is long term.
    pub fn loyalty_split(&self) -> f64 {
        self.loyalty_split
    }

    /// The quadrant of a value and a loyalty (a NaN loyalty counts as
    /// short term).
    pub fn quadrant_of(&self, value: Decimal, loyalty: f64) -> Quadrant {
        Quadrant::new(value >= self.value_split, loyalty >= self.loyalty_split)
    }
}

impl Scorer for FittedMatrix {
    type Input = ValueLoyalty;
    type Score = Quadrant;

    /// The customer's quadrant; never fails.
    fn score(&self, input: &ValueLoyalty) -> Result<Quadrant> {
        Ok(self.quadrant_of(input.value(), input.loyalty()))
    }

    fn score_into(&self, inputs: &[ValueLoyalty], out: &mut Vec<Quadrant>) -> Result<()> {
        out.extend(
            inputs
                .iter()
                .map(|r| self.quadrant_of(r.value(), r.loyalty())),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CustomerId;

    fn rows(data: &[(i64, f64)]) -> Vec<ValueLoyalty> {
        data.iter()
            .enumerate()
            .map(|(i, &(v, l))| {
                ValueLoyalty::new(CustomerId::new(i as u64), Decimal::from(v), l).unwrap()
            })
            .collect()
    }

    #[test]
    fn constructors_validate() {
        assert!(ValueLoyaltyMatrix::new(None, Some(3.0)).is_ok());
        assert!(matches!(
            ValueLoyaltyMatrix::new(None, Some(f64::NEG_INFINITY)),
            Err(Error::InvalidParameter {
                name: "loyalty split",
                ..
            })
        ));
        assert!(FittedMatrix::new(Decimal::ONE, -2.0).is_ok());
        assert!(FittedMatrix::new(Decimal::ONE, f64::NAN).is_err());
    }

    #[test]
    fn medians_odd_and_even() {
        let odd = rows(&[(3, 1.0), (1, 5.0), (2, 3.0)]);
        let f = ValueLoyaltyMatrix::median().fit(&odd).unwrap();
        assert_eq!((f.value_split(), f.loyalty_split()), (Decimal::TWO, 3.0));
        let even = rows(&[(4, 1.0), (1, 2.0), (2, 4.0), (7, 3.0)]);
        let f = ValueLoyaltyMatrix::median().fit(&even).unwrap();
        assert_eq!(
            (f.value_split(), f.loyalty_split()),
            (Decimal::new(3, 0), 2.5)
        );
        let fixed = ValueLoyaltyMatrix::new(Some(Decimal::TEN), None).unwrap();
        assert_eq!(fixed.fit(&even).unwrap().value_split(), Decimal::TEN);
        assert!(ValueLoyaltyMatrix::median().fit(&[]).is_err());
        assert!(ValueLoyaltyMatrix::median().classify(&[]).is_err());
    }

    #[test]
    fn midpoint_does_not_overflow() {
        assert_eq!(decimal_midpoint(Decimal::MAX, Decimal::MAX), Decimal::MAX);
        assert_eq!(
            decimal_midpoint(Decimal::ONE, Decimal::TWO),
            Decimal::new(15, 1)
        );
    }

    #[test]
    fn quadrants() {
        for q in Quadrant::ALL {
            assert_eq!(Quadrant::new(q.is_high_value(), q.is_long_term()), *q);
        }
        assert_eq!(Quadrant::TrueFriends.to_string(), "True Friends");
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_validates() {
        let f = FittedMatrix::new(Decimal::new(1050, 2), 2.5).unwrap();
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(serde_json::from_str::<FittedMatrix>(&json).unwrap(), f);
        let bad = r#"{"value_split":"1","loyalty_split":1e999}"#;
        assert!(serde_json::from_str::<FittedMatrix>(bad).is_err());
        let m = ValueLoyaltyMatrix::new(Some(Decimal::ONE), None).unwrap();
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(
            serde_json::from_str::<ValueLoyaltyMatrix>(&json).unwrap(),
            m
        );
    }
}
