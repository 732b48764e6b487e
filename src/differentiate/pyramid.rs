//! The customer pyramid ([spec](crate::differentiate::spec#customer-pyramid)).

use std::fmt;

use super::abc::Basis;
use super::input::CustomerValue;
use super::rank::{
    check_cuts, check_lower, classify_by_rank, empty_population, tier, tier_of_value,
};
use super::report::{Sealed, Tier, TierAssignment};
use crate::{Decimal, Error, Fit, Result, Scorer};

/// A tier of the customer pyramid, from the most to the least profitable.
///
/// Ordered best first (`Platinum < Gold < Iron < Lead`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum PyramidTier {
    /// The most valuable customers (白金).
    Platinum,
    /// The next most valuable (黄金).
    Gold,
    /// Enough to be worth keeping, not enough for special treatment (铁).
    Iron,
    /// Customers who bring little or cost the firm money (铅).
    Lead,
}

impl Sealed for PyramidTier {}

impl Tier for PyramidTier {
    const ALL: &'static [Self] = &[
        PyramidTier::Platinum,
        PyramidTier::Gold,
        PyramidTier::Iron,
        PyramidTier::Lead,
    ];
}

impl PyramidTier {
    /// The English name: `"Platinum"`, `"Gold"`, `"Iron"`, `"Lead"`.
    pub fn english(self) -> &'static str {
        match self {
            PyramidTier::Platinum => "Platinum",
            PyramidTier::Gold => "Gold",
            PyramidTier::Iron => "Iron",
            PyramidTier::Lead => "Lead",
        }
    }

    /// The Chinese textbook name: `"白金"`, `"黄金"`, `"铁"`, `"铅"`.
    pub fn chinese(self) -> &'static str {
        match self {
            PyramidTier::Platinum => "白金",
            PyramidTier::Gold => "黄金",
            PyramidTier::Iron => "铁",
            PyramidTier::Lead => "铅",
        }
    }
}

impl fmt::Display for PyramidTier {
    /// The English name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.english())
    }
}

/// The customer pyramid: Platinum, Gold, Iron and Lead tiers by rank
/// ([spec](crate::differentiate::spec#customer-pyramid)).
///
/// # Rule
///
/// ```text
/// Sort by value descending, ties in input order; rank k = 1..N.
/// Cumulative cut points p_1 < p_2 < p_3 < p_4 = 1.
/// Count basis: rank k is in the first tier j with k <= ceil(p_j N)
/// Value basis: rank k is in the first tier j it is within, by the
///              Boundary rule on cumulative value shares (as Abc)
/// ```
///
/// Zeithaml, Rust & Lemon (2001), *California Management Review*
/// 43(4):118-142, name the four tiers by profitability but fix no
/// percentages, so the crate takes the cut points as input. The default,
/// [`Pyramid::textbook`], is the Chinese-textbook pyramid by business
/// volume: top 1 % platinum, next 4 % gold, next 15 % iron, remaining 80 %
/// lead, i.e. count cut points (0.01, 0.05, 0.20, 1.0). For N = 100:
/// platinum is rank 1, gold ranks 2-5, iron 6-20, lead 21-100. The value
/// basis (cut points as cumulative shares of value) is this crate's
/// extension \[L\].
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Decimal};
/// use customer_value::differentiate::{CustomerValue, Pyramid, PyramidTier};
///
/// let population: Vec<CustomerValue> = (1..=100)
///     .map(|v| CustomerValue::new(CustomerId::new(v), Decimal::from(v)))
///     .collect();
/// let result = Pyramid::textbook().classify(&population)?;
/// let counts: Vec<usize> = result.report().tiers().iter().map(|t| t.count()).collect();
/// assert_eq!(counts, [1, 4, 15, 80]);
/// let top = result.tiers().iter().find(|s| s.customer == CustomerId::new(100)).unwrap();
/// assert_eq!(top.score, PyramidTier::Platinum);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawPyramid", into = "RawPyramid"))]
pub struct Pyramid {
    cuts: [Decimal; 4],
    basis: Basis,
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct RawPyramid {
    #[serde(with = "rust_decimal::serde::str")]
    platinum: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    gold: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    iron: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    lead: Decimal,
    basis: Basis,
}

#[cfg(feature = "serde")]
impl TryFrom<RawPyramid> for Pyramid {
    type Error = Error;
    fn try_from(raw: RawPyramid) -> Result<Self> {
        Pyramid::new([raw.platinum, raw.gold, raw.iron, raw.lead], raw.basis)
    }
}

#[cfg(feature = "serde")]
impl From<Pyramid> for RawPyramid {
    fn from(p: Pyramid) -> Self {
        let [platinum, gold, iron, lead] = p.cuts;
        RawPyramid {
            platinum,
            gold,
            iron,
            lead,
            basis: p.basis,
        }
    }
}

impl Default for Pyramid {
    /// [`Pyramid::textbook`].
    fn default() -> Self {
        Self::textbook()
    }
}

impl Pyramid {
    /// The Chinese-textbook pyramid: count cut points (0.01, 0.05, 0.20,
    /// 1.0), i.e. 1 % platinum, 4 % gold, 15 % iron, 80 % lead.
    pub fn textbook() -> Self {
        Self {
            cuts: [
                Decimal::new(1, 2),
                Decimal::new(5, 2),
                Decimal::new(20, 2),
                Decimal::ONE,
            ],
            basis: Basis::Count,
        }
    }

    /// A pyramid with the caller's cumulative count cut points
    /// (platinum, gold, iron, lead).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `0 < p_1 < p_2 < p_3 < p_4 = 1`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, differentiate::Pyramid};
    ///
    /// let p = |c: i64| Decimal::new(c, 2);
    /// let pyramid = Pyramid::by_count([p(1), p(5), p(20), p(100)])?;
    /// assert_eq!(pyramid, Pyramid::textbook());
    /// assert!(Pyramid::by_count([p(1), p(5), p(20), p(90)]).is_err()); // must end at 1
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn by_count(cuts: [Decimal; 4]) -> Result<Self> {
        Self::new(cuts, Basis::Count)
    }

    /// A pyramid with cumulative value-share cut points and a boundary
    /// rule, like [`Abc::by_value`](super::Abc::by_value) with four tiers
    /// \[L\].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `0 < p_1 < p_2 < p_3 < p_4 = 1`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, differentiate::{Boundary, Pyramid}};
    ///
    /// let p = |c: i64| Decimal::new(c, 2);
    /// assert!(Pyramid::by_value([p(30), p(60), p(90), p(100)], Boundary::Crossing).is_ok());
    /// assert!(Pyramid::by_value([p(30), p(30), p(90), p(100)], Boundary::Crossing).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn by_value(cuts: [Decimal; 4], boundary: super::Boundary) -> Result<Self> {
        Self::new(cuts, Basis::Value(boundary))
    }

    /// Checks and builds from cut points and a basis.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `0 < p_1 < p_2 < p_3 < p_4 = 1`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, differentiate::{Basis, Pyramid}};
    ///
    /// let p = |c: i64| Decimal::new(c, 2);
    /// let pyramid = Pyramid::new([p(10), p(30), p(60), p(100)], Basis::Count)?;
    /// assert_eq!(pyramid.cuts()[1], p(30));
    /// assert!(Pyramid::new([p(0), p(30), p(60), p(100)], Basis::Count).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(cuts: [Decimal; 4], basis: Basis) -> Result<Self> {
        const REASON: &str = "must satisfy 0 < p1 < p2 < p3 < p4 = 1";
        check_cuts("pyramid cut points", &cuts, REASON)?;
        if cuts[3] != Decimal::ONE {
            return Err(Error::InvalidParameter {
                name: "pyramid cut points",
                value: format!("{cuts:?}"),
                reason: REASON,
            });
        }
        Ok(Self { cuts, basis })
    }

    /// The cumulative cut points (platinum, gold, iron, lead = 1).
    pub fn cuts(&self) -> [Decimal; 4] {
        self.cuts
    }

    /// Count or value basis.
    pub fn basis(&self) -> Basis {
        self.basis
    }

    fn inner_cuts(&self) -> [Decimal; 3] {
        let [a, b, c, _] = self.cuts;
        [a, b, c]
    }

    /// Classifies a population by the exact rank rules and reports each
    /// tier's count and value.
    ///
    /// Tied values may fall into different tiers (the earlier in the input
    /// ranks higher), unlike with the [fitted](Fit::fit) scorer.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidValue`] for an empty population, or on the value
    ///   basis when the total value `V <= 0`;
    /// - [`Error::Overflow`] when a sum of values overflows `Decimal`, or
    ///   `cut point x N` overflows 128 bits.
    ///
    /// # Example
    ///
    /// See [`Pyramid`].
    pub fn classify(&self, population: &[CustomerValue]) -> Result<TierAssignment<PyramidTier>> {
        classify_by_rank(population, &self.inner_cuts(), self.basis.rule())
    }
}

impl Fit for Pyramid {
    type Input = CustomerValue;
    type Fitted = FittedPyramid;

    /// Learns the smallest value of the platinum, gold and iron tiers.
    ///
    /// # Errors
    ///
    /// As [`Pyramid::classify`].
    fn fit(&self, population: &[CustomerValue]) -> Result<FittedPyramid> {
        let values: Vec<Decimal> = population.iter().map(CustomerValue::value).collect();
        let tiered = tier(&values, &self.inner_cuts(), self.basis.rule(), false)?;
        match tiered.lower.as_slice() {
            &[p, g, i] => FittedPyramid::new([p, g, i]),
            _ => Err(empty_population()),
        }
    }
}

/// Pyramid cut values learnt from a population ([`Pyramid`]'s [`Fit`]):
/// a [`Scorer`] for customers in or outside it.
///
/// # Rule
///
/// ```text
/// the first tier of Platinum, Gold, Iron whose minimum is set and v >= minimum
/// Lead otherwise
/// ```
///
/// Each minimum is the value of the tier's last member in the population,
/// `None` when the tier was empty (platinum is empty below 100 customers
/// only if its cut point rounds to 0, which `ceil` never does on the count
/// basis). A new customer whose value equals the last platinum member's
/// is platinum, so ties at a boundary all get the better tier; on a
/// population with distinct values this agrees with
/// [`Pyramid::classify`].
///
/// # Errors
///
/// [`FittedPyramid::new`] and deserialising reject minimums that increase
/// from a better tier to a worse one, with [`Error::InvalidValue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "RawFittedPyramid", into = "RawFittedPyramid")
)]
pub struct FittedPyramid {
    lower: [Option<Decimal>; 3],
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct RawFittedPyramid {
    #[serde(with = "rust_decimal::serde::str_option")]
    platinum_min: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str_option")]
    gold_min: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str_option")]
    iron_min: Option<Decimal>,
}

#[cfg(feature = "serde")]
impl TryFrom<RawFittedPyramid> for FittedPyramid {
    type Error = Error;
    fn try_from(raw: RawFittedPyramid) -> Result<Self> {
        FittedPyramid::new([raw.platinum_min, raw.gold_min, raw.iron_min])
    }
}

#[cfg(feature = "serde")]
impl From<FittedPyramid> for RawFittedPyramid {
    fn from(f: FittedPyramid) -> Self {
        let [platinum_min, gold_min, iron_min] = f.lower;
        RawFittedPyramid {
            platinum_min,
            gold_min,
            iron_min,
        }
    }
}

impl FittedPyramid {
    /// Builds a scorer from the smallest platinum, gold and iron values.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when a set minimum is larger than a set
    /// minimum of a better tier.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, differentiate::{FittedPyramid, PyramidTier}};
    ///
    /// let m = |v: i64| Some(Decimal::from(v));
    /// let fitted = FittedPyramid::new([m(1000), m(400), m(100)])?;
    /// assert_eq!(fitted.tier_of(Decimal::from(400)), PyramidTier::Gold);
    /// assert_eq!(fitted.tier_of(Decimal::from(99)), PyramidTier::Lead);
    /// assert!(FittedPyramid::new([m(100), m(400), m(1000)]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(lower: [Option<Decimal>; 3]) -> Result<Self> {
        check_lower("fitted pyramid", &lower)?;
        Ok(Self { lower })
    }

    /// The smallest platinum, gold and iron values (`None`: empty tier).
    pub fn minimums(&self) -> [Option<Decimal>; 3] {
        self.lower
    }

    /// The tier of a value.
    pub fn tier_of(&self, value: Decimal) -> PyramidTier {
        match tier_of_value(value, &self.lower) {
            0 => PyramidTier::Platinum,
            1 => PyramidTier::Gold,
            2 => PyramidTier::Iron,
            _ => PyramidTier::Lead,
        }
    }
}

impl Scorer for FittedPyramid {
    type Input = CustomerValue;
    type Score = PyramidTier;

    /// The tier of the customer's value; never fails.
    fn score(&self, input: &CustomerValue) -> Result<PyramidTier> {
        Ok(self.tier_of(input.value()))
    }

    fn score_into(&self, inputs: &[CustomerValue], out: &mut Vec<PyramidTier>) -> Result<()> {
        out.extend(inputs.iter().map(|c| self.tier_of(c.value())));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CustomerId;
    use crate::differentiate::Boundary;

    fn p(c: i64) -> Decimal {
        Decimal::new(c, 2)
    }

    #[test]
    fn constructors_validate() {
        assert!(Pyramid::by_count([p(1), p(5), p(20), p(100)]).is_ok());
        assert!(Pyramid::by_value([p(1), p(5), p(20), p(100)], Boundary::Strict).is_ok());
        for cuts in [
            [p(0), p(5), p(20), p(100)],
            [p(5), p(5), p(20), p(100)],
            [p(1), p(30), p(20), p(100)],
            [p(1), p(5), p(20), p(99)],
            [p(1), p(5), p(20), p(101)],
            [p(-1), p(5), p(20), p(100)],
        ] {
            assert!(matches!(
                Pyramid::by_count(cuts),
                Err(Error::InvalidParameter {
                    name: "pyramid cut points",
                    ..
                })
            ));
        }
        assert_eq!(Pyramid::default(), Pyramid::textbook());
    }

    #[test]
    fn names() {
        assert_eq!(PyramidTier::Gold.chinese(), "黄金");
        assert_eq!(PyramidTier::Lead.to_string(), "Lead");
        assert!(PyramidTier::Platinum < PyramidTier::Lead);
    }

    #[test]
    fn small_populations_and_errors() {
        let one = [CustomerValue::new(CustomerId::new(1), Decimal::ONE)];
        let r = Pyramid::textbook().classify(&one).unwrap();
        assert_eq!(r.tiers()[0].score, PyramidTier::Platinum);
        assert!(Pyramid::textbook().classify(&[]).is_err());
        assert!(Pyramid::textbook().fit(&[]).is_err());
        let f = Pyramid::textbook().fit(&one).unwrap();
        assert_eq!(f.minimums(), [Some(Decimal::ONE), None, None]);
        assert_eq!(f.tier_of(Decimal::ZERO), PyramidTier::Lead);
    }

    #[test]
    fn fitted_new_validates() {
        assert!(FittedPyramid::new([None, None, None]).is_ok());
        assert!(matches!(
            FittedPyramid::new([Some(Decimal::ONE), None, Some(Decimal::TWO)]),
            Err(Error::InvalidValue { .. })
        ));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_validates() {
        let pyr = Pyramid::textbook();
        let json = serde_json::to_string(&pyr).unwrap();
        assert!(json.contains("\"0.01\""), "{json}");
        assert_eq!(serde_json::from_str::<Pyramid>(&json).unwrap(), pyr);
        let bad = json.replace("\"1\"", "\"0.9\"");
        assert!(serde_json::from_str::<Pyramid>(&bad).is_err(), "{bad}");
        let f = FittedPyramid::new([Some(Decimal::TEN), None, Some(Decimal::ONE)]).unwrap();
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(serde_json::from_str::<FittedPyramid>(&json).unwrap(), f);
        let bad = r#"{"platinum_min":"1","gold_min":null,"iron_min":"2"}"#;
        assert!(serde_json::from_str::<FittedPyramid>(bad).is_err());
    }
}
