//! ABC / Pareto classification ([spec](crate::differentiate::spec#abc-classes)).

use std::fmt;

use super::input::CustomerValue;
use super::rank::{
    Rule, ceil_share_of, check_cuts, check_lower, checked_sum, classify_by_rank, empty_population,
    nonpositive_total, rank, share, tier, tier_of_value,
};
use super::report::{Sealed, Tier, TierAssignment};
use crate::{Decimal, Error, Fit, Result, Scored, Scorer};

/// Whether cumulative cut points count customers or value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Basis {
    /// Cut points are shares of the customers: rank `k` is within cut
    /// point `p` if `k <= ceil(p N)`.
    Count,
    /// Cut points are shares of the total value `V`, applied with the
    /// given [`Boundary`] rule.
    Value(Boundary),
}

impl Basis {
    pub(crate) fn rule(self) -> Rule {
        match self {
            Basis::Count => Rule::Count,
            Basis::Value(Boundary::Crossing) => Rule::Crossing,
            Basis::Value(Boundary::Strict) => Rule::Strict,
        }
    }
}

/// Which class gets the customer whose value crosses a value-share cut
/// point. [Texts use both](crate::differentiate::spec#abc-by-value), so the crate makes the
/// caller choose \[L\].
///
/// With `C_k` the cumulative value share after the customer of rank `k`
/// (`C_0 = 0`):
///
/// ```text
/// Crossing: rank k is within cut point p if C_{k-1} <  p
///           (the smallest prefix reaching p; the crossing customer is in)
/// Strict:   rank k is within cut point p if C_k     <= p
///           (the crossing customer is out)
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Boundary {
    /// The customer who crosses the cut point goes into the higher class.
    Crossing,
    /// A customer is in the higher class only if the share after them is
    /// still within the cut point.
    Strict,
}

/// An ABC class: `A` the most valuable customers, `C` the least.
///
/// Ordered best first (`A < B < C`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum AbcClass {
    /// The top class.
    A,
    /// The middle class.
    B,
    /// The bottom class.
    C,
}

impl Sealed for AbcClass {}

impl Tier for AbcClass {
    const ALL: &'static [Self] = &[AbcClass::A, AbcClass::B, AbcClass::C];
}

impl fmt::Display for AbcClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AbcClass::A => "A",
            AbcClass::B => "B",
            AbcClass::C => "C",
        })
    }
}

/// ABC (Pareto) classification of customers by value
/// ([spec](crate::differentiate::spec#abc-classes)).
///
/// # Rule
///
/// ```text
/// Sort by value v descending, ties in input order; rank k = 1..N.
/// V = sum of v; C_k = (v_1 + ... + v_k) / V.
///
/// Count basis (a, b):      A if k <= ceil(a N), else B if k <= ceil(b N), else C
/// Value basis (a, b, rule): A if rank k is within a (see Boundary),
///                           else B if within b, else C
/// ```
///
/// Defaults: count 0.2 / 0.5 (the folklore "top 20 %" rule \[L\]); value
/// 0.80 / 0.95 (the inventory-ABC convention; a Taiwanese textbook variant
/// uses 0.55 / 0.85). The value basis needs `V > 0`. Negative values are
/// allowed but make `C_k` non-monotone; the crate then takes each class as
/// the longest prefix of ranks meeting its rule \[L\] (the same classes as the
/// per-rank rule whenever no value is negative), and the report counts them
/// ([`TierReport::negative_values`](super::TierReport::negative_values)).
///
/// Cut points are [`Decimal`] shares and every comparison is exact:
/// `ceil(a N)` in integers, `C_k >= a` as `S_k * 10^s >= m * V` for
/// `a = m / 10^s` with exact sums (`Decimal` arithmetic, rounded only past
/// 28 significant digits, when the values are too wide for 128-bit
/// integers at one scale). An `f64` 0.07 times 100 is 7.000000000000001,
/// whose ceiling would be 8.
///
/// Source: Pareto analysis as used in CRM texts; the two boundary rules and
/// the thresholds are conventions \[L\].
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Decimal, Fit, Scorer};
/// use customer_value::differentiate::{Abc, AbcClass, Boundary, CustomerValue};
///
/// let population: Vec<CustomerValue> = [500, 300, 100, 60, 40]
///     .iter()
///     .enumerate()
///     .map(|(i, &v)| CustomerValue::new(CustomerId::new(i as u64), Decimal::from(v)))
///     .collect();
/// let abc = Abc::by_value(Decimal::new(80, 2), Decimal::new(95, 2), Boundary::Crossing)?;
/// let result = abc.classify(&population)?;
/// let classes: Vec<AbcClass> = result.tiers().iter().map(|s| s.score).collect();
/// assert_eq!(classes, [AbcClass::A, AbcClass::A, AbcClass::B, AbcClass::B, AbcClass::C]);
/// assert_eq!(result.report().get(AbcClass::A).unwrap().value_share(), Some(0.8));
///
/// // Learn the cut values once, score newcomers later.
/// let fitted = abc.fit(&population)?;
/// let newcomer = CustomerValue::new(CustomerId::new(99), Decimal::from(120));
/// assert_eq!(fitted.score(&newcomer)?, AbcClass::B);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawAbc"))]
pub struct Abc {
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    a: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    b: Decimal,
    basis: Basis,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawAbc {
    #[serde(with = "rust_decimal::serde::str")]
    a: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    b: Decimal,
    basis: Basis,
}

#[cfg(feature = "serde")]
impl TryFrom<RawAbc> for Abc {
    type Error = Error;
    fn try_from(raw: RawAbc) -> Result<Self> {
        Abc::new(raw.a, raw.b, raw.basis)
    }
}

impl Abc {
    /// ABC by cumulative share of customers `(a, b)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `0 < a < b <= 1`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, differentiate::Abc};
    ///
    /// let abc = Abc::by_count(Decimal::new(2, 1), Decimal::new(5, 1))?;
    /// assert_eq!(abc, Abc::by_count_default());
    /// assert!(Abc::by_count(Decimal::new(5, 1), Decimal::new(2, 1)).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn by_count(a: Decimal, b: Decimal) -> Result<Self> {
        Self::new(a, b, Basis::Count)
    }

    /// ABC by cumulative share of value `(a, b)` with an explicit
    /// [`Boundary`] rule.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `0 < a < b <= 1`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, differentiate::{Abc, Boundary}};
    ///
    /// let abc = Abc::by_value(Decimal::new(80, 2), Decimal::new(95, 2), Boundary::Strict)?;
    /// assert_eq!(abc, Abc::by_value_default(Boundary::Strict));
    /// assert!(Abc::by_value(Decimal::ZERO, Decimal::ONE, Boundary::Strict).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn by_value(a: Decimal, b: Decimal, boundary: Boundary) -> Result<Self> {
        Self::new(a, b, Basis::Value(boundary))
    }

    /// Count basis with the default cut points 0.2 / 0.5.
    pub fn by_count_default() -> Self {
        Self {
            a: Decimal::new(2, 1),
            b: Decimal::new(5, 1),
            basis: Basis::Count,
        }
    }

    /// Value basis with the default cut points 0.80 / 0.95 and the given
    /// boundary rule.
    pub fn by_value_default(boundary: Boundary) -> Self {
        Self {
            a: Decimal::new(80, 2),
            b: Decimal::new(95, 2),
            basis: Basis::Value(boundary),
        }
    }

    /// Checks and builds from the cut points and a basis.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `0 < a < b <= 1`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, differentiate::{Abc, Basis}};
    ///
    /// let abc = Abc::new(Decimal::new(1, 1), Decimal::ONE, Basis::Count)?;
    /// assert_eq!(abc.b(), Decimal::ONE);
    /// assert!(Abc::new(Decimal::new(1, 1), Decimal::TWO, Basis::Count).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(a: Decimal, b: Decimal, basis: Basis) -> Result<Self> {
        check_cuts("abc cut points", &[a, b], "must satisfy 0 < a < b <= 1")?;
        Ok(Self { a, b, basis })
    }

    /// The A cut point.
    pub fn a(&self) -> Decimal {
        self.a
    }

    /// The B cut point (cumulative: A and B together).
    pub fn b(&self) -> Decimal {
        self.b
    }

    /// Count or value basis.
    pub fn basis(&self) -> Basis {
        self.basis
    }

    /// Classifies a population by the exact rank rules and reports each
    /// class's count and value.
    ///
    /// Unlike scoring with the [fitted](Fit::fit) scorer, tied values may
    /// fall into different classes here (the earlier in the input ranks
    /// higher).
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
    /// ```
    /// use customer_value::{CustomerId, Decimal};
    /// use customer_value::differentiate::{Abc, AbcClass, CustomerValue};
    ///
    /// let population: Vec<CustomerValue> = (1..=10)
    ///     .map(|v| CustomerValue::new(CustomerId::new(v), Decimal::from(v)))
    ///     .collect();
    /// let result = Abc::by_count_default().classify(&population)?;
    /// // What share of the value do the top 20 % bring? (10 + 9) / 55
    /// let a = result.report().get(AbcClass::A).unwrap();
    /// assert_eq!((a.count(), a.value()), (2, Decimal::from(19)));
    /// assert!((a.value_share().unwrap() - 19.0 / 55.0).abs() < 1e-15);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn classify(&self, population: &[CustomerValue]) -> Result<TierAssignment<AbcClass>> {
        classify_by_rank(population, &[self.a, self.b], self.basis.rule())
    }
}

impl Fit for Abc {
    type Input = CustomerValue;
    type Fitted = FittedAbc;

    /// Learns the smallest value of class A and of class B.
    ///
    /// # Errors
    ///
    /// As [`Abc::classify`].
    fn fit(&self, population: &[CustomerValue]) -> Result<FittedAbc> {
        let values: Vec<Decimal> = population.iter().map(CustomerValue::value).collect();
        let tiered = tier(&values, &[self.a, self.b], self.basis.rule(), false)?;
        match tiered.lower.as_slice() {
            &[a_min, b_min] => FittedAbc::new(a_min, b_min),
            _ => Err(empty_population()),
        }
    }
}

/// ABC cut values learnt from a population ([`Abc`]'s [`Fit`]): a
/// [`Scorer`] for customers in or outside it.
///
/// # Rule
///
/// ```text
/// A if a_min is set and v >= a_min   (a_min: the value of the last A member)
/// B if b_min is set and v >= b_min   (b_min: the value of the last B member)
/// C otherwise
/// ```
///
/// A cut value is `None` when its class was empty in the population (the
/// [`Boundary::Strict`] rule leaves A empty when the top customer alone
/// exceeds `a`). A new customer whose value equals the last A member's is
/// A; so all customers tied at a boundary value get the better class,
/// where [`Abc::classify`] splits ties by input order. On a population
/// with distinct values the two agree.
///
/// # Errors
///
/// [`FittedAbc::new`] and deserialising reject `a_min < b_min` with
/// [`Error::InvalidValue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawFittedAbc"))]
pub struct FittedAbc {
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str_option"))]
    a_min: Option<Decimal>,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str_option"))]
    b_min: Option<Decimal>,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawFittedAbc {
    #[serde(with = "rust_decimal::serde::str_option")]
    a_min: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str_option")]
    b_min: Option<Decimal>,
}

#[cfg(feature = "serde")]
impl TryFrom<RawFittedAbc> for FittedAbc {
    type Error = Error;
    fn try_from(raw: RawFittedAbc) -> Result<Self> {
        FittedAbc::new(raw.a_min, raw.b_min)
    }
}

impl FittedAbc {
    /// Builds a scorer from cut values (smallest A value, smallest B value).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when both are set and `a_min < b_min`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, differentiate::{AbcClass, FittedAbc}};
    ///
    /// let fitted = FittedAbc::new(Some(Decimal::from(500)), Some(Decimal::from(100)))?;
    /// assert_eq!(fitted.class_of(Decimal::from(500)), AbcClass::A);
    /// assert_eq!(fitted.class_of(Decimal::from(499)), AbcClass::B);
    /// assert_eq!(fitted.class_of(Decimal::from(-5)), AbcClass::C);
    /// assert!(FittedAbc::new(Some(Decimal::ONE), Some(Decimal::TWO)).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(a_min: Option<Decimal>, b_min: Option<Decimal>) -> Result<Self> {
        check_lower("fitted abc", &[a_min, b_min])?;
        Ok(Self { a_min, b_min })
    }

    /// The smallest value in class A, `None` if A was empty.
    pub fn a_min(&self) -> Option<Decimal> {
        self.a_min
    }

    /// The smallest value in class B, `None` if B was empty.
    pub fn b_min(&self) -> Option<Decimal> {
        self.b_min
    }

    /// The class of a value.
    pub fn class_of(&self, value: Decimal) -> AbcClass {
        match tier_of_value(value, &[self.a_min, self.b_min]) {
            0 => AbcClass::A,
            1 => AbcClass::B,
            _ => AbcClass::C,
        }
    }
}

impl Scorer for FittedAbc {
    type Input = CustomerValue;
    type Score = AbcClass;

    /// The class of the customer's value; never fails.
    fn score(&self, input: &CustomerValue) -> Result<AbcClass> {
        Ok(self.class_of(input.value()))
    }

    fn score_into(&self, inputs: &[CustomerValue], out: &mut Vec<AbcClass>) -> Result<()> {
        out.extend(inputs.iter().map(|c| self.class_of(c.value())));
        Ok(())
    }
}

/// The share of the total value brought by the top `top_fraction` of
/// customers: the 80/20 question in one call.
///
/// # Rule
///
/// ```text
/// k = ceil(top_fraction N)      (exact)
/// share = (sum of the k largest values) / V
/// ```
///
/// The same top group as class A of [`Abc::by_count`] with
/// `a = top_fraction`.
///
/// # Errors
///
/// - [`Error::InvalidParameter`] unless `0 < top_fraction <= 1`;
/// - [`Error::InvalidValue`] for an empty population or a total value
///   `V <= 0`;
/// - [`Error::Overflow`] when a sum overflows `Decimal`.
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Decimal, differentiate::{CustomerValue, pareto_share}};
///
/// let population: Vec<CustomerValue> = [10, 70, 5, 5, 10]
///     .iter()
///     .enumerate()
///     .map(|(i, &v)| CustomerValue::new(CustomerId::new(i as u64), Decimal::from(v)))
///     .collect();
/// // The top 20 % (1 customer of 5) brings 70 % of the value.
/// assert_eq!(pareto_share(&population, Decimal::new(2, 1))?, 0.7);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn pareto_share(population: &[CustomerValue], top_fraction: Decimal) -> Result<f64> {
    check_cuts("top fraction", &[top_fraction], "must be in (0, 1]")?;
    if population.is_empty() {
        return Err(empty_population());
    }
    let mut values: Vec<Decimal> = population.iter().map(CustomerValue::value).collect();
    let total = checked_sum(values.iter().copied())?;
    if total <= Decimal::ZERO {
        return Err(nonpositive_total(total));
    }
    let k = ceil_share_of(top_fraction, values.len())?;
    if k < values.len() && k > 0 {
        values.select_nth_unstable_by(k - 1, |x, y| y.cmp(x));
    }
    let top = checked_sum(values.iter().take(k).copied())?;
    share(top, total).ok_or(Error::InvalidValue {
        what: "value share",
        reason: format!("{top} / {total} is not representable as f64"),
    })
}

/// The cumulative value share `C_k` after each customer, in rank order
/// (value descending, ties in input order): the Pareto curve behind
/// [`Abc::by_value`].
///
/// # Rule
///
/// ```text
/// C_k = (v_1 + ... + v_k) / V,   k = 1..N,   C_N = 1
/// ```
///
/// The sums are exact `Decimal`s; each quotient is then rounded to `f64`.
///
/// # Errors
///
/// - [`Error::InvalidValue`] for an empty population or a total value
///   `V <= 0`;
/// - [`Error::Overflow`] when a sum overflows `Decimal`.
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Decimal, differentiate::{CustomerValue, cumulative_shares}};
///
/// let population = [
///     CustomerValue::new(CustomerId::new(1), Decimal::from(25)),
///     CustomerValue::new(CustomerId::new(2), Decimal::from(75)),
/// ];
/// let curve = cumulative_shares(&population)?;
/// assert_eq!((curve[0].customer, curve[0].score), (CustomerId::new(2), 0.75));
/// assert_eq!(curve[1].score, 1.0);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn cumulative_shares(population: &[CustomerValue]) -> Result<Vec<Scored<f64>>> {
    if population.is_empty() {
        return Err(empty_population());
    }
    let values: Vec<Decimal> = population.iter().map(CustomerValue::value).collect();
    let total = checked_sum(values.iter().copied())?;
    if total <= Decimal::ZERO {
        return Err(nonpositive_total(total));
    }
    let ranking = rank(&values, false);
    let mut running = Decimal::ZERO;
    let mut out = Vec::with_capacity(values.len());
    for &i in &ranking.order {
        let (Some(c), Some(&v)) = (population.get(i), values.get(i)) else {
            continue;
        };
        running = running.checked_add(v).ok_or(Error::Overflow {
            what: "cumulative value",
        })?;
        let score = share(running, total).ok_or(Error::InvalidValue {
            what: "value share",
            reason: format!("{running} / {total} is not representable as f64"),
        })?;
        out.push(Scored {
            customer: c.customer(),
            score,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CustomerId;

    fn d(m: i64, s: u32) -> Decimal {
        Decimal::new(m, s)
    }

    fn pop(values: &[i64]) -> Vec<CustomerValue> {
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| CustomerValue::new(CustomerId::new(i as u64), Decimal::from(v)))
            .collect()
    }

    #[test]
    fn constructors_validate() {
        assert!(Abc::by_count(d(2, 1), d(5, 1)).is_ok());
        assert!(Abc::by_value(d(8, 1), Decimal::ONE, Boundary::Crossing).is_ok());
        for (a, b) in [
            (Decimal::ZERO, d(5, 1)),
            (d(-1, 1), d(5, 1)),
            (d(5, 1), d(5, 1)),
            (d(6, 1), d(5, 1)),
            (d(5, 1), d(11, 1)),
        ] {
            assert!(matches!(
                Abc::by_count(a, b),
                Err(Error::InvalidParameter {
                    name: "abc cut points",
                    ..
                })
            ));
            assert!(Abc::by_value(a, b, Boundary::Strict).is_err());
        }
    }

    #[test]
    fn classify_errors() {
        let abc = Abc::by_value_default(Boundary::Crossing);
        assert!(matches!(
            abc.classify(&[]),
            Err(Error::InvalidValue {
                what: "population",
                ..
            })
        ));
        assert!(matches!(
            abc.classify(&pop(&[5, -5])),
            Err(Error::InvalidValue {
                what: "total value",
                ..
            })
        ));
        assert!(abc.fit(&pop(&[0, 0])).is_err());
        // The count basis accepts a non-positive total; shares are None.
        let r = Abc::by_count_default().classify(&pop(&[5, -5])).unwrap();
        assert_eq!(r.report().get(AbcClass::A).unwrap().value_share(), None);
        assert!(r.report().has_negative_values());
        let huge = [
            CustomerValue::new(CustomerId::new(1), Decimal::MAX),
            CustomerValue::new(CustomerId::new(2), Decimal::MAX),
        ];
        assert!(matches!(abc.classify(&huge), Err(Error::Overflow { .. })));
    }

    #[test]
    fn strict_can_leave_a_empty() {
        let abc = Abc::by_value_default(Boundary::Strict);
        let p = pop(&[90, 5, 5]);
        let r = abc.classify(&p).unwrap();
        let classes: Vec<_> = r.tiers().iter().map(|s| s.score).collect();
        // C_1 = 0.90 > 0.80: nobody is A; C_2 = 0.95 <= 0.95, C_3 = 1 > 0.95.
        assert_eq!(classes, [AbcClass::B, AbcClass::B, AbcClass::C]);
        let fitted = abc.fit(&p).unwrap();
        assert_eq!(fitted.a_min(), None);
        assert_eq!(fitted.b_min(), Some(Decimal::from(5)));
        assert_eq!(fitted.class_of(Decimal::from(1000)), AbcClass::B);
    }

    #[test]
    fn negative_tail_stays_c() {
        // Sorted: 60, 50, 0, -10; V = 100; C = 0.6, 1.1, 1.1, 1.0.
        let abc = Abc::by_value(d(5, 1), Decimal::ONE, Boundary::Strict).unwrap();
        let r = abc.classify(&pop(&[-10, 50, 60, 0])).unwrap();
        let classes: Vec<_> = r.tiers().iter().map(|s| s.score).collect();
        // The per-rank rule would put the last customer (C_4 = 1.0) back in B.
        assert_eq!(
            classes,
            [AbcClass::C, AbcClass::C, AbcClass::B, AbcClass::C]
        );
        assert_eq!(r.report().negative_values(), 1);
    }

    #[test]
    fn fitted_new_validates() {
        assert!(FittedAbc::new(None, None).is_ok());
        assert!(FittedAbc::new(Some(Decimal::ONE), Some(Decimal::ONE)).is_ok());
        assert!(matches!(
            FittedAbc::new(Some(Decimal::ONE), Some(Decimal::TWO)),
            Err(Error::InvalidValue { .. })
        ));
        let f = FittedAbc::new(None, None).unwrap();
        assert_eq!(f.class_of(Decimal::MAX), AbcClass::C);
        let mut out = Vec::new();
        f.score_into(&pop(&[1, 2]), &mut out).unwrap();
        assert_eq!(out, [AbcClass::C, AbcClass::C]);
    }

    #[test]
    fn pareto_share_cases() {
        let p = pop(&[10, 70, 5, 5, 10]);
        assert_eq!(pareto_share(&p, Decimal::ONE).unwrap(), 1.0);
        assert_eq!(pareto_share(&p, d(4, 1)).unwrap(), 0.8);
        assert!(pareto_share(&p, Decimal::ZERO).is_err());
        assert!(pareto_share(&p, d(11, 1)).is_err());
        assert!(pareto_share(&[], Decimal::ONE).is_err());
        assert!(pareto_share(&pop(&[0]), Decimal::ONE).is_err());
        assert!(cumulative_shares(&[]).is_err());
        assert!(cumulative_shares(&pop(&[3, -4])).is_err());
        let curve = cumulative_shares(&pop(&[1, 3])).unwrap();
        assert_eq!(
            (curve[0].customer, curve[0].score),
            (CustomerId::new(1), 0.75)
        );
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_validates() {
        let abc = Abc::by_value_default(Boundary::Crossing);
        let json = serde_json::to_string(&abc).unwrap();
        assert_eq!(serde_json::from_str::<Abc>(&json).unwrap(), abc);
        let bad = json.replace("\"0.80\"", "\"0.99\"");
        assert!(serde_json::from_str::<Abc>(&bad).is_err(), "{bad}");
        let f = FittedAbc::new(Some(Decimal::TEN), None).unwrap();
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(serde_json::from_str::<FittedAbc>(&json).unwrap(), f);
        let bad = r#"{"a_min":"1","b_min":"2"}"#;
        assert!(serde_json::from_str::<FittedAbc>(bad).is_err());
    }
}
