//! The nine indicators of the loyalty hierarchy and one customer's values
//! ([spec](crate::loyalty::spec#loyalty-hierarchy)).

use std::fmt;

use crate::{CustomerId, CustomerSummary, Error, Keyed, Result};

/// A sub-system of the loyalty hierarchy: the parent of three, two or four
/// [`Indicator`]s.
///
/// The three groups are the definition of the [hierarchy](crate::loyalty::spec#loyalty-hierarchy),
/// so the enum is not `#[non_exhaustive]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum IndicatorGroup {
    /// A1 relationship duration (关系持久性).
    A1,
    /// A2 spending (消费).
    A2,
    /// A3 emotional (情感).
    A3,
}

impl IndicatorGroup {
    /// The three groups in order.
    pub const ALL: [IndicatorGroup; 3] =
        [IndicatorGroup::A1, IndicatorGroup::A2, IndicatorGroup::A3];

    /// `"A1"`, `"A2"` or `"A3"`.
    pub fn code(self) -> &'static str {
        match self {
            IndicatorGroup::A1 => "A1",
            IndicatorGroup::A2 => "A2",
            IndicatorGroup::A3 => "A3",
        }
    }

    /// The English name.
    pub fn english(self) -> &'static str {
        match self {
            IndicatorGroup::A1 => "relationship duration",
            IndicatorGroup::A2 => "spending",
            IndicatorGroup::A3 => "emotional",
        }
    }

    /// The Chinese name (the crate's rendering of the courseware's terms).
    pub fn chinese(self) -> &'static str {
        match self {
            IndicatorGroup::A1 => "关系持久性",
            IndicatorGroup::A2 => "消费",
            IndicatorGroup::A3 => "情感",
        }
    }

    /// The group's indicators, in order.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::loyalty::{Indicator, IndicatorGroup};
    ///
    /// assert_eq!(IndicatorGroup::A2.indicators(), &[Indicator::A21, Indicator::A22]);
    /// ```
    pub fn indicators(self) -> &'static [Indicator] {
        let all = &Indicator::ALL;
        match self {
            IndicatorGroup::A1 => &all[0..3],
            IndicatorGroup::A2 => &all[3..5],
            IndicatorGroup::A3 => &all[5..9],
        }
    }

    /// Position in [`IndicatorGroup::ALL`] (0, 1 or 2).
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for IndicatorGroup {
    /// The code, `"A1"` etc.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One of the nine leaf indicators of the loyalty index ([spec](crate::loyalty::spec#loyalty-hierarchy),
/// after the CRM courseware this crate starts from).
///
/// | code | indicator | group | direction |
/// |---|---|---|---|
/// | A11 | purchase duration | A1 | positive |
/// | A12 | purchase frequency | A1 | positive |
/// | A13 | frequency trend | A1 | positive |
/// | A21 | share of wallet | A2 | positive |
/// | A22 | cross-buying | A2 | positive |
/// | A31 | mention / recommendation rate | A3 | positive |
/// | A32 | price sensitivity | A3 | **reverse** |
/// | A33 | satisfaction | A3 | positive |
/// | A34 | purchase voluntariness | A3 | positive |
///
/// The nine are the definition of the hierarchy, so the enum is not
/// `#[non_exhaustive]`.
///
/// # Example
///
/// ```
/// use customer_value::loyalty::{Indicator, IndicatorGroup};
///
/// assert_eq!(Indicator::A32.code(), "A32");
/// assert_eq!(Indicator::A32.group(), IndicatorGroup::A3);
/// assert!(Indicator::A32.is_reverse());
/// assert_eq!(Indicator::ALL.iter().filter(|i| i.is_reverse()).count(), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Indicator {
    /// A11 purchase duration (购买持续时间).
    A11,
    /// A12 purchase frequency (购买频率).
    A12,
    /// A13 frequency trend (购买频率变化趋势).
    A13,
    /// A21 share of wallet (钱包份额).
    A21,
    /// A22 cross-buying (交叉购买).
    A22,
    /// A31 mention / recommendation rate (推荐率).
    A31,
    /// A32 price sensitivity (价格敏感度), reverse-scored.
    A32,
    /// A33 satisfaction (满意度).
    A33,
    /// A34 purchase voluntariness (购买自愿性).
    A34,
}

impl Indicator {
    /// The nine indicators in hierarchy order (A11 .. A34).
    pub const ALL: [Indicator; 9] = [
        Indicator::A11,
        Indicator::A12,
        Indicator::A13,
        Indicator::A21,
        Indicator::A22,
        Indicator::A31,
        Indicator::A32,
        Indicator::A33,
        Indicator::A34,
    ];

    /// Position in [`Indicator::ALL`] (0 for A11 .. 8 for A34).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The code, `"A11"` .. `"A34"`.
    pub fn code(self) -> &'static str {
        match self {
            Indicator::A11 => "A11",
            Indicator::A12 => "A12",
            Indicator::A13 => "A13",
            Indicator::A21 => "A21",
            Indicator::A22 => "A22",
            Indicator::A31 => "A31",
            Indicator::A32 => "A32",
            Indicator::A33 => "A33",
            Indicator::A34 => "A34",
        }
    }

    /// The English name.
    pub fn english(self) -> &'static str {
        match self {
            Indicator::A11 => "purchase duration",
            Indicator::A12 => "purchase frequency",
            Indicator::A13 => "frequency trend",
            Indicator::A21 => "share of wallet",
            Indicator::A22 => "cross-buying",
            Indicator::A31 => "mention/recommendation rate",
            Indicator::A32 => "price sensitivity",
            Indicator::A33 => "satisfaction",
            Indicator::A34 => "purchase voluntariness",
        }
    }

    /// The Chinese name (the crate's rendering of the courseware's terms).
    pub fn chinese(self) -> &'static str {
        match self {
            Indicator::A11 => "购买持续时间",
            Indicator::A12 => "购买频率",
            Indicator::A13 => "购买频率变化趋势",
            Indicator::A21 => "钱包份额",
            Indicator::A22 => "交叉购买",
            Indicator::A31 => "推荐率",
            Indicator::A32 => "价格敏感度",
            Indicator::A33 => "满意度",
            Indicator::A34 => "购买自愿性",
        }
    }

    /// The sub-system the indicator belongs to.
    pub fn group(self) -> IndicatorGroup {
        match self {
            Indicator::A11 | Indicator::A12 | Indicator::A13 => IndicatorGroup::A1,
            Indicator::A21 | Indicator::A22 => IndicatorGroup::A2,
            _ => IndicatorGroup::A3,
        }
    }

    /// Whether a higher raw value means *less* loyalty (true only for A32,
    /// price sensitivity), so it is normalised as `(max - x)/(max - min)`.
    pub fn is_reverse(self) -> bool {
        self == Indicator::A32
    }
}

impl fmt::Display for Indicator {
    /// The code, `"A11"` etc.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One customer's raw indicator values, each present or missing.
///
/// Values are finite `f64`s on any scale (normalisation puts them on
/// [0, 1] later); a missing value is `None`, never a zero. What happens to
/// a missing value is the caller's explicit [`MissingPolicy`](super::MissingPolicy).
///
/// Built with [`IndicatorValues::builder`], from a summary row with
/// [`IndicatorValuesBuilder::from_summary`], or from an array with
/// [`IndicatorValues::new`]. Serialises as `{"customer", "values": [9 numbers
/// or null]}`; deserialising validates like [`IndicatorValues::new`].
///
/// # Example
///
/// ```
/// use customer_value::CustomerId;
/// use customer_value::loyalty::{Indicator, IndicatorValues};
///
/// let v = IndicatorValues::builder(CustomerId::new(3))
///     .set(Indicator::A11, 24.0)
///     .set(Indicator::A33, 5.5) // mean satisfaction on the 1-7 scale
///     .build()?;
/// assert_eq!(v.get(Indicator::A11), Some(24.0));
/// assert_eq!(v.get(Indicator::A21), None);
/// assert_eq!(v.present(), 2);
/// assert!(IndicatorValues::builder(CustomerId::new(4)).set(Indicator::A12, f64::NAN).build().is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "RawIndicatorValues", into = "RawIndicatorValues")
)]
pub struct IndicatorValues {
    customer: CustomerId,
    /// Raw values; 0.0 where missing (never read then).
    values: [f64; 9],
    /// Bit `i` set when indicator `i` is present.
    mask: u16,
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct RawIndicatorValues {
    customer: CustomerId,
    values: [Option<f64>; 9],
}

#[cfg(feature = "serde")]
impl TryFrom<RawIndicatorValues> for IndicatorValues {
    type Error = Error;
    fn try_from(raw: RawIndicatorValues) -> Result<Self> {
        IndicatorValues::new(raw.customer, raw.values)
    }
}

#[cfg(feature = "serde")]
impl From<IndicatorValues> for RawIndicatorValues {
    fn from(v: IndicatorValues) -> Self {
        RawIndicatorValues {
            customer: v.customer,
            values: v.to_array(),
        }
    }
}

pub(crate) const FULL_MASK: u16 = (1 << 9) - 1;

fn check_value(customer: CustomerId, indicator: Indicator, x: f64) -> Result<()> {
    if !x.is_finite() {
        return Err(Error::InvalidValue {
            what: "indicator value",
            reason: format!("customer {customer}: {indicator} must be finite, got {x}"),
        });
    }
    Ok(())
}

impl IndicatorValues {
    /// Values from an array in [`Indicator::ALL`] order (`None` = missing).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when a present value is NaN or infinite.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::loyalty::{Indicator, IndicatorValues};
    ///
    /// let c1 = [36.0, 12.0, 1.0, 0.6, 5.0, 0.5, 2.0, 6.5, 6.0].map(Some);
    /// let v = IndicatorValues::new(CustomerId::new(1), c1)?;
    /// assert_eq!(v.get(Indicator::A32), Some(2.0));
    /// assert!(v.is_complete());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(customer: CustomerId, values: [Option<f64>; 9]) -> Result<Self> {
        let mut out = Self::empty(customer);
        for (indicator, value) in Indicator::ALL.into_iter().zip(values) {
            out.set(indicator, value)?;
        }
        Ok(out)
    }

    /// A customer with every indicator missing.
    pub fn empty(customer: CustomerId) -> Self {
        Self {
            customer,
            values: [0.0; 9],
            mask: 0,
        }
    }

    /// A builder for `customer` with every indicator missing.
    pub fn builder(customer: CustomerId) -> IndicatorValuesBuilder {
        IndicatorValuesBuilder {
            customer,
            values: [None; 9],
        }
    }

    /// Sets (`Some`) or clears (`None`) one indicator.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when the value is NaN or infinite; the
    /// values are then unchanged.
    pub fn set(&mut self, indicator: Indicator, value: Option<f64>) -> Result<()> {
        let bit = 1u16 << indicator.index();
        let slot = self
            .values
            .get_mut(indicator.index())
            .ok_or(Error::InvalidValue {
                what: "indicator",
                reason: format!("index {} out of range", indicator.index()),
            })?;
        match value {
            Some(x) => {
                check_value(self.customer, indicator, x)?;
                *slot = x;
                self.mask |= bit;
            }
            None => {
                *slot = 0.0;
                self.mask &= !bit;
            }
        }
        Ok(())
    }

    /// The customer.
    pub fn customer(&self) -> CustomerId {
        self.customer
    }

    /// One indicator's value, `None` when missing.
    #[inline]
    pub fn get(&self, indicator: Indicator) -> Option<f64> {
        let i = indicator.index();
        if self.mask & (1 << i) == 0 {
            None
        } else {
            self.values.get(i).copied()
        }
    }

    /// All nine values in [`Indicator::ALL`] order.
    pub fn to_array(&self) -> [Option<f64>; 9] {
        Indicator::ALL.map(|i| self.get(i))
    }

    /// How many indicators are present.
    pub fn present(&self) -> u32 {
        self.mask.count_ones()
    }

    /// Whether all nine indicators are present.
    pub fn is_complete(&self) -> bool {
        self.mask == FULL_MASK
    }

    #[inline]
    pub(crate) fn raw(&self) -> (&[f64; 9], u16) {
        (&self.values, self.mask)
    }
}

impl Keyed for IndicatorValues {
    fn customer(&self) -> CustomerId {
        self.customer
    }
}

/// Collects one customer's indicator values; [`build`](Self::build) checks
/// them (from [`IndicatorValues::builder`] or
/// [`IndicatorValuesBuilder::from_summary`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndicatorValuesBuilder {
    customer: CustomerId,
    values: [Option<f64>; 9],
}

impl IndicatorValuesBuilder {
    /// A builder with the behavioural indicators taken from a summary row
    /// \[L\]:
    ///
    /// ```text
    /// A11 purchase duration  = t_x                     (first to last purchase,
    ///                                                   in the summary's unit)
    /// A12 purchase frequency = purchases / max(T, 1)   (purchase occasions per
    ///                                                   period of customer age)
    /// A22 cross-buying       = categories              (distinct categories bought)
    /// ```
    ///
    /// A11 uses `t_x` rather than the age `T`, so a customer who stopped
    /// buying long ago does not gain duration by waiting. A12 is a rate so
    /// that it does not repeat A11 (older customers have more purchases);
    /// customers younger than one period count as one period old, so a
    /// first-day buyer scores 1 rather than infinity. A22 is 0 for every
    /// customer when the log has no categories, which the normaliser then
    /// rejects as a constant column. A13 (trend) needs the transactions
    /// ([`frequency_trend`](super::frequency_trend)); A21, A31, A32, A33 and
    /// A34 come from surveys; set them on the builder.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{CustomerId, Date, Decimal, Summarizer, TimeUnit, Transaction};
    /// use customer_value::loyalty::{Indicator, IndicatorValuesBuilder};
    ///
    /// let c = CustomerId::new(1);
    /// let log = [
    ///     Transaction::new(c, Date::parse("2024-01-01")?, Decimal::from(10)),
    ///     Transaction::new(c, Date::parse("2024-01-15")?, Decimal::from(20)),
    ///     Transaction::new(c, Date::parse("2024-01-29")?, Decimal::from(20)),
    /// ];
    /// let summary = Summarizer::builder(Date::parse("2024-02-26")?)
    ///     .unit(TimeUnit::WEEK)
    ///     .build()?
    ///     .summarize(&log)?;
    /// let v = IndicatorValuesBuilder::from_summary(&summary.customers()[0])
    ///     .set(Indicator::A33, 6.0)
    ///     .build()?;
    /// assert_eq!(v.get(Indicator::A11), Some(4.0)); // 4 weeks from first to last purchase
    /// assert_eq!(v.get(Indicator::A12), Some(3.0 / 8.0)); // 3 purchases in 8 weeks
    /// assert_eq!(v.get(Indicator::A22), Some(0.0)); // no categories in this log
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_summary(row: &CustomerSummary) -> Self {
        let age = if row.age() >= 1.0 { row.age() } else { 1.0 };
        IndicatorValues::builder(row.customer())
            .set(Indicator::A11, row.t_x())
            .set(Indicator::A12, f64::from(row.purchases()) / age)
            .set(Indicator::A22, f64::from(row.categories()))
    }

    /// Sets one indicator (checked by [`build`](Self::build)).
    pub fn set(mut self, indicator: Indicator, value: f64) -> Self {
        if let Some(slot) = self.values.get_mut(indicator.index()) {
            *slot = Some(value);
        }
        self
    }

    /// Marks one indicator missing.
    pub fn clear(mut self, indicator: Indicator) -> Self {
        if let Some(slot) = self.values.get_mut(indicator.index()) {
            *slot = None;
        }
        self
    }

    /// Checks the values and builds them.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when a value set is NaN or infinite.
    pub fn build(self) -> Result<IndicatorValues> {
        IndicatorValues::new(self.customer, self.values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indicators_are_ordered_and_grouped() {
        for (i, ind) in Indicator::ALL.into_iter().enumerate() {
            assert_eq!(ind.index(), i);
            assert!(ind.group().indicators().contains(&ind));
            assert_eq!(ind.code().len(), 3);
            assert!(ind.code().starts_with(ind.group().code()));
        }
        let total: usize = IndicatorGroup::ALL
            .iter()
            .map(|g| g.indicators().len())
            .sum();
        assert_eq!(total, 9);
        assert_eq!(Indicator::A34.to_string(), "A34");
    }

    #[test]
    fn values_valid_and_invalid() {
        let c = CustomerId::new(1);
        let v = IndicatorValues::new(
            c,
            [
                Some(1.0),
                None,
                Some(-2.0),
                None,
                None,
                None,
                None,
                None,
                None,
            ],
        )
        .unwrap();
        assert_eq!(v.present(), 2);
        assert_eq!(v.get(Indicator::A13), Some(-2.0));
        assert_eq!(v.get(Indicator::A12), None);
        assert!(!v.is_complete());
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let err = IndicatorValues::new(c, [Some(bad); 9]).unwrap_err();
            assert!(matches!(
                err,
                Error::InvalidValue {
                    what: "indicator value",
                    ..
                }
            ));
        }
        let mut v = v;
        assert!(v.set(Indicator::A11, Some(f64::NAN)).is_err());
        assert_eq!(v.get(Indicator::A11), Some(1.0));
        v.set(Indicator::A11, None).unwrap();
        assert_eq!(v.get(Indicator::A11), None);
        let b = IndicatorValues::builder(c)
            .set(Indicator::A21, 0.5)
            .clear(Indicator::A21);
        assert_eq!(b.build().unwrap().present(), 0);
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_round_trip_validates() {
        let c = CustomerId::new(5);
        let v = IndicatorValues::builder(c)
            .set(Indicator::A32, 3.0)
            .build()
            .unwrap();
        let json = serde_json::to_string(&v).unwrap();
        let back: IndicatorValues = serde_json::from_str(&json).unwrap();
        assert_eq!(back, v);
        assert!(
            serde_json::from_str::<IndicatorValues>(
                r#"{"customer":1,"values":[1e999,null,null,null,null,null,null,null,null]}"#
            )
            .is_err()
        );
    }
}
