//! Per-period value series: one customer's, and many in one flat buffer.

use rust_decimal::prelude::ToPrimitive;

use crate::{CustomerId, Date, Decimal, Error, Keyed, Result, TimeUnit, Transaction};

/// Checks one series: every value finite and `>= 0`.
fn check_values(customer: CustomerId, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !(*v >= 0.0 && v.is_finite())) {
        None => Ok(()),
        Some(t) => Err(Error::InvalidValue {
            what: "period value",
            reason: format!(
                "customer {customer}, period {}: must be finite and >= 0, got {}",
                t + 1,
                values.get(t).copied().unwrap_or(f64::NAN)
            ),
        }),
    }
}

/// One customer's per-period value series `v_1..v_T`, from the period of
/// the first purchase to the period of the analysis date.
///
/// `v_t` is whatever the caller measures per period: spend, number of
/// purchases, margin. Values are `f64` because the lifecycle rules only
/// compare means of them; keep money in [`Decimal`] elsewhere (the bulk
/// builder [`PeriodHistories::from_transactions`] sums spend exactly before
/// converting). A period *has a purchase* when `v_t > 0` \[L\].
///
/// `T` = [`len`](Self::len) counts the first purchase's period and the
/// analysis period. An empty series, or one of zeros only, is a customer
/// with no purchase yet: a [`Prospect`](crate::LifecycleStage::Prospect).
///
/// # Errors
///
/// [`PeriodHistory::new`] rejects a negative, NaN or infinite value with
/// [`Error::InvalidValue`]; deserialising checks the same.
///
/// # Example
///
/// ```
/// use customer_value::CustomerId;
/// use customer_value::lifecycle::PeriodHistory;
///
/// let h = PeriodHistory::new(CustomerId::new(1), vec![120.0, 0.0, 80.0, 0.0, 0.0])?;
/// assert_eq!(h.len(), 5);
/// assert_eq!(h.periods_since_last_purchase(), Some(2));
/// assert!(PeriodHistory::new(CustomerId::new(2), vec![-1.0]).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawHistory"))]
pub struct PeriodHistory {
    customer: CustomerId,
    values: Vec<f64>,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawHistory {
    customer: CustomerId,
    values: Vec<f64>,
}

#[cfg(feature = "serde")]
impl TryFrom<RawHistory> for PeriodHistory {
    type Error = Error;
    fn try_from(raw: RawHistory) -> Result<Self> {
        PeriodHistory::new(raw.customer, raw.values)
    }
}

impl PeriodHistory {
    /// Checks and wraps one customer's series, oldest period first.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when a value is negative, NaN or infinite.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::lifecycle::PeriodHistory;
    ///
    /// let h = PeriodHistory::new(CustomerId::new(7), vec![3.0, 1.0])?;
    /// assert_eq!(h.values(), &[3.0, 1.0]);
    /// assert!(PeriodHistory::new(CustomerId::new(7), vec![f64::NAN]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(customer: CustomerId, values: Vec<f64>) -> Result<Self> {
        check_values(customer, &values)?;
        Ok(Self { customer, values })
    }

    /// A customer with no purchase yet (an empty series).
    pub fn prospect(customer: CustomerId) -> Self {
        Self {
            customer,
            values: Vec::new(),
        }
    }

    /// The customer.
    pub fn customer(&self) -> CustomerId {
        self.customer
    }

    /// The values `v_1..v_T`, oldest first.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// `T`: the number of periods.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the series has no period at all.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Whole periods after the last period with a purchase (`v_t > 0`): 0
    /// when the customer bought in the last period, `None` when the series
    /// has no purchase.
    pub fn periods_since_last_purchase(&self) -> Option<usize> {
        idle_periods(&self.values)
    }
}

impl Keyed for PeriodHistory {
    fn customer(&self) -> CustomerId {
        self.customer
    }
}

/// Trailing periods without a purchase; `None` when there is no purchase.
#[inline]
pub(crate) fn idle_periods(values: &[f64]) -> Option<usize> {
    values.iter().rev().position(|&v| v > 0.0)
}

/// What [`PeriodHistories::from_transactions`] puts in each period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum PeriodValue {
    /// Net spend in the period: purchases minus refunds, summed exactly as
    /// [`Decimal`] and converted to `f64` once.
    #[default]
    Spend,
    /// The number of transactions with a positive amount in the period
    /// (refunds and zero-amount lines are not counted).
    Purchases,
}

/// How [`PeriodHistories::from_transactions`] cuts a log into periods.
///
/// Periods are `unit` long and start on `anchor` (and every `unit` before
/// and after it); the default anchor is Monday 1970-01-05, as for the
/// summariser, so weekly periods run Monday to Sunday. The last period is
/// the one containing `as_of`; only transactions on or before `as_of` are
/// read, so that period may be partial (end `as_of` on a period's last day
/// to avoid it).
///
/// # Example
///
/// ```
/// use customer_value::{Date, TimeUnit};
/// use customer_value::lifecycle::{HistoryOptions, PeriodValue};
///
/// let opts = HistoryOptions::new(Date::parse("2024-06-30")?, TimeUnit::WEEK)
///     .value(PeriodValue::Purchases);
/// assert_eq!(opts.unit(), TimeUnit::WEEK);
/// assert_eq!(opts.period_anchor(), Date::parse("1970-01-05")?);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct HistoryOptions {
    as_of: Date,
    unit: TimeUnit,
    anchor: Date,
    value: PeriodValue,
}

impl HistoryOptions {
    /// Periods of `unit` up to the one containing `as_of`, net spend per
    /// period, anchored on Monday 1970-01-05.
    pub fn new(as_of: Date, unit: TimeUnit) -> Self {
        Self {
            as_of,
            unit,
            anchor: Date::UNIX_EPOCH
                .checked_add_days(4)
                .unwrap_or(Date::UNIX_EPOCH),
            value: PeriodValue::Spend,
        }
    }

    /// Sets the day periods are counted from.
    pub fn anchor(mut self, anchor: Date) -> Self {
        self.anchor = anchor;
        self
    }

    /// Sets what each period holds.
    pub fn value(mut self, value: PeriodValue) -> Self {
        self.value = value;
        self
    }

    /// The analysis date (inclusive).
    pub fn as_of(&self) -> Date {
        self.as_of
    }

    /// The period length.
    pub fn unit(&self) -> TimeUnit {
        self.unit
    }

    /// The day periods are counted from.
    pub fn period_anchor(&self) -> Date {
        self.anchor
    }

    /// What each period holds.
    pub fn period_value(&self) -> PeriodValue {
        self.value
    }

    /// The index of the period containing `day`.
    fn period_of(&self, day: Date) -> i64 {
        (i64::from(day.days_since_epoch()) - i64::from(self.anchor.days_since_epoch()))
            .div_euclid(i64::from(self.unit.days_per_period()))
    }
}

/// Many customers' per-period series in one flat buffer: customer `i`'s
/// series is `values()[offsets()[i]..offsets()[i + 1]]`.
///
/// This layout costs one allocation for the whole population and maps
/// directly onto a columnar list array (Arrow's `List<Float64>`: a values
/// buffer and an offsets buffer). Every value is checked once on
/// construction, so [`StageRule::assign_all`](super::StageRule::assign_all)
/// does not check again.
///
/// # Example
///
/// ```
/// use customer_value::CustomerId;
/// use customer_value::lifecycle::PeriodHistories;
///
/// let h = PeriodHistories::from_parts(
///     vec![CustomerId::new(1), CustomerId::new(2)],
///     vec![0, 3, 4],
///     vec![10.0, 0.0, 5.0, 7.5],
/// )?;
/// assert_eq!(h.len(), 2);
/// assert_eq!(h.series(1), Some(&[7.5][..]));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawHistories"))]
pub struct PeriodHistories {
    customers: Vec<CustomerId>,
    offsets: Vec<usize>,
    values: Vec<f64>,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawHistories {
    customers: Vec<CustomerId>,
    offsets: Vec<usize>,
    values: Vec<f64>,
}

#[cfg(feature = "serde")]
impl TryFrom<RawHistories> for PeriodHistories {
    type Error = Error;
    fn try_from(raw: RawHistories) -> Result<Self> {
        PeriodHistories::from_parts(raw.customers, raw.offsets, raw.values)
    }
}

impl Default for PeriodHistories {
    /// No customer.
    fn default() -> Self {
        Self {
            customers: Vec::new(),
            offsets: vec![0],
            values: Vec::new(),
        }
    }
}

impl PeriodHistories {
    /// Checks and wraps a flat buffer: `offsets` has one more entry than
    /// `customers`, starts at 0, never decreases and ends at
    /// `values.len()`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when the offsets do not have that shape, or
    /// a value is negative, NaN or infinite.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::lifecycle::PeriodHistories;
    ///
    /// let c = vec![CustomerId::new(1)];
    /// assert!(PeriodHistories::from_parts(c.clone(), vec![0, 2], vec![1.0, 2.0]).is_ok());
    /// assert!(PeriodHistories::from_parts(c, vec![0, 3], vec![1.0, 2.0]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_parts(
        customers: Vec<CustomerId>,
        offsets: Vec<usize>,
        values: Vec<f64>,
    ) -> Result<Self> {
        let bad = |reason: String| Error::InvalidValue {
            what: "period history offsets",
            reason,
        };
        if offsets.len() != customers.len().saturating_add(1) {
            return Err(bad(format!(
                "expected {} offsets for {} customers, got {}",
                customers.len().saturating_add(1),
                customers.len(),
                offsets.len()
            )));
        }
        if offsets.first() != Some(&0) {
            return Err(bad(format!(
                "the first offset must be 0, got {:?}",
                offsets.first()
            )));
        }
        if let Some(i) = offsets.windows(2).position(|w| w[1] < w[0]) {
            return Err(bad(format!(
                "offsets must not decrease, got {:?} at customer {i}",
                offsets.get(i..i + 2)
            )));
        }
        if offsets.last() != Some(&values.len()) {
            return Err(bad(format!(
                "the last offset must be the number of values {}, got {:?}",
                values.len(),
                offsets.last()
            )));
        }
        for (i, &c) in customers.iter().enumerate() {
            let lo = offsets.get(i).copied().unwrap_or(0);
            let hi = offsets.get(i + 1).copied().unwrap_or(lo);
            check_values(c, values.get(lo..hi).unwrap_or(&[]))?;
        }
        Ok(Self {
            customers,
            offsets,
            values,
        })
    }

    /// Gathers single histories into one buffer, in order.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the buffer cannot be allocated.
    pub fn from_histories(histories: &[PeriodHistory]) -> Result<Self> {
        let total = histories
            .iter()
            .try_fold(0usize, |acc, h| acc.checked_add(h.len()))
            .ok_or(Error::Overflow {
                what: "period history size",
            })?;
        let mut values = Vec::new();
        values
            .try_reserve_exact(total)
            .map_err(|_| Error::Overflow {
                what: "period history size",
            })?;
        let mut offsets = Vec::with_capacity(histories.len() + 1);
        offsets.push(0);
        for h in histories {
            values.extend_from_slice(&h.values);
            offsets.push(values.len());
        }
        Ok(Self {
            customers: histories.iter().map(|h| h.customer).collect(),
            offsets,
            values,
        })
    }

    /// Builds every customer's series from a transaction log.
    ///
    /// Each customer's series runs from the period of their earliest
    /// transaction on or before [`as_of`](HistoryOptions::as_of) to the
    /// period containing `as_of`, periods as set by `options`, holding net
    /// spend or a purchase count ([`PeriodValue`]). Transactions after
    /// `as_of` are skipped, and a customer with none before it is absent
    /// (a prospect as of that date). Customers come out sorted by id.
    ///
    /// # Errors
    ///
    /// - [`Error::UnmatchedRefund`] when, with [`PeriodValue::Spend`],
    ///   refunds leave a period's net spend negative;
    /// - [`Error::Overflow`] when a period's spend overflows [`Decimal`]
    ///   or the series do not fit in memory.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{CustomerId, Date, Decimal, TimeUnit, Transaction};
    /// use customer_value::lifecycle::{HistoryOptions, PeriodHistories};
    ///
    /// let day = |s: &str| Date::parse(s);
    /// let (a, b) = (CustomerId::new(1), CustomerId::new(2));
    /// let log = [
    ///     Transaction::new(b, day("2024-01-10")?, Decimal::new(5, 0)),
    ///     Transaction::new(a, day("2024-01-01")?, Decimal::new(10, 0)), // Monday, week 1
    ///     Transaction::new(a, day("2024-01-03")?, Decimal::new(15, 0)), // same week
    ///     Transaction::new(a, day("2024-01-17")?, Decimal::new(20, 0)), // week 3
    ///     Transaction::new(a, day("2024-02-01")?, Decimal::new(99, 0)), // after as-of
    /// ];
    /// let opts = HistoryOptions::new(day("2024-01-21")?, TimeUnit::WEEK);
    /// let h = PeriodHistories::from_transactions(&log, &opts)?;
    /// assert_eq!(h.customers(), &[a, b]);
    /// assert_eq!(h.series(0), Some(&[25.0, 0.0, 20.0][..]));
    /// assert_eq!(h.series(1), Some(&[5.0, 0.0][..]));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_transactions(log: &[Transaction], options: &HistoryOptions) -> Result<Self> {
        let last = options.period_of(options.as_of);
        let mut rows: Vec<(CustomerId, i64, Decimal)> = log
            .iter()
            .filter(|t| t.date() <= options.as_of)
            .map(|t| (t.customer(), options.period_of(t.date()), t.amount()))
            .collect();
        rows.sort_unstable_by_key(|&(c, p, _)| (c, p));

        // First pass: customers and series lengths.
        let mut customers = Vec::new();
        let mut offsets = vec![0usize];
        let mut total = 0usize;
        let mut prev: Option<CustomerId> = None;
        for &(c, first, _) in &rows {
            if prev == Some(c) {
                continue;
            }
            prev = Some(c);
            let len = usize::try_from(last - first + 1).map_err(|_| Error::Overflow {
                what: "period history size",
            })?;
            total = total.checked_add(len).ok_or(Error::Overflow {
                what: "period history size",
            })?;
            customers.push(c);
            offsets.push(total);
        }
        let mut values: Vec<f64> = Vec::new();
        values
            .try_reserve_exact(total)
            .map_err(|_| Error::Overflow {
                what: "period history size",
            })?;
        values.resize(total, 0.0);

        // Second pass: one period at a time.
        let mut i = 0;
        let mut customer_index = 0usize;
        while i < rows.len() {
            let (c, first, _) = rows[i];
            let base = offsets.get(customer_index).copied().unwrap_or(0);
            while i < rows.len() && rows[i].0 == c {
                let period = rows[i].1;
                let mut spend = Decimal::ZERO;
                let mut purchases = 0u64;
                while i < rows.len() && rows[i].0 == c && rows[i].1 == period {
                    let amount = rows[i].2;
                    spend = spend.checked_add(amount).ok_or(Error::Overflow {
                        what: "period spend",
                    })?;
                    if amount > Decimal::ZERO {
                        purchases += 1;
                    }
                    i += 1;
                }
                let value = match options.value {
                    PeriodValue::Spend => {
                        if spend < Decimal::ZERO {
                            let start = i64::from(options.anchor.days_since_epoch())
                                + period * i64::from(options.unit.days_per_period());
                            let period_start = i32::try_from(start)
                                .ok()
                                .and_then(|d| Date::from_days_since_epoch(d).ok())
                                .unwrap_or(Date::MIN);
                            return Err(Error::UnmatchedRefund {
                                customer: c,
                                period_start,
                            });
                        }
                        spend.to_f64().ok_or(Error::Overflow {
                            what: "period spend",
                        })?
                    }
                    PeriodValue::Purchases => purchases as f64,
                };
                let at = usize::try_from(period - first)
                    .ok()
                    .and_then(|k| base.checked_add(k));
                if let Some(slot) = at.and_then(|k| values.get_mut(k)) {
                    *slot = value;
                }
            }
            customer_index += 1;
        }
        Ok(Self {
            customers,
            offsets,
            values,
        })
    }

    /// Number of customers.
    pub fn len(&self) -> usize {
        self.customers.len()
    }

    /// Whether there is no customer.
    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }

    /// The customers, in order.
    pub fn customers(&self) -> &[CustomerId] {
        &self.customers
    }

    /// Where each series starts in [`values`](Self::values), plus the end.
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }

    /// All series, back to back.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Customer `i`'s series, or `None` past the end.
    #[inline]
    pub fn series(&self, i: usize) -> Option<&[f64]> {
        let lo = *self.offsets.get(i)?;
        let hi = *self.offsets.get(i + 1)?;
        self.values.get(lo..hi)
    }

    /// Every customer with their series, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (CustomerId, &[f64])> + '_ {
        self.customers
            .iter()
            .enumerate()
            .map(|(i, &c)| (c, self.series(i).unwrap_or(&[])))
    }

    /// Customer `i`'s series as a [`PeriodHistory`], or `None` past the end.
    pub fn history(&self, i: usize) -> Option<PeriodHistory> {
        Some(PeriodHistory {
            customer: *self.customers.get(i)?,
            values: self.series(i)?.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(n: u64) -> CustomerId {
        CustomerId::new(n)
    }

    #[test]
    fn history_new_valid_and_invalid() {
        let h = PeriodHistory::new(c(1), vec![0.0, 2.0, 0.0]).unwrap();
        assert_eq!(h.len(), 3);
        assert_eq!(h.periods_since_last_purchase(), Some(1));
        assert_eq!(
            PeriodHistory::prospect(c(2)).periods_since_last_purchase(),
            None
        );
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                PeriodHistory::new(c(1), vec![1.0, bad]),
                Err(Error::InvalidValue {
                    what: "period value",
                    ..
                })
            ));
        }
    }

    #[test]
    fn from_parts_valid_and_invalid() {
        let ok = PeriodHistories::from_parts(vec![c(1), c(2)], vec![0, 0, 2], vec![1.0, 2.0]);
        let ok = ok.unwrap();
        assert_eq!(ok.series(0), Some(&[][..]));
        assert_eq!(ok.series(2), None);
        assert_eq!(ok.history(1).unwrap().values(), &[1.0, 2.0]);
        let cases = [
            (vec![0], vec![]),                // too few offsets
            (vec![1, 1, 2], vec![1.0, 2.0]),  // not starting at 0
            (vec![0, 2, 1], vec![1.0, 2.0]),  // decreasing
            (vec![0, 1, 1], vec![1.0, 2.0]),  // not ending at len
            (vec![0, 1, 2], vec![1.0, -2.0]), // bad value
        ];
        for (offsets, values) in cases {
            assert!(matches!(
                PeriodHistories::from_parts(vec![c(1), c(2)], offsets, values),
                Err(Error::InvalidValue { .. })
            ));
        }
    }

    #[test]
    fn from_histories_round_trips() {
        let hs = vec![
            PeriodHistory::new(c(1), vec![1.0]).unwrap(),
            PeriodHistory::prospect(c(2)),
            PeriodHistory::new(c(3), vec![0.0, 4.0]).unwrap(),
        ];
        let flat = PeriodHistories::from_histories(&hs).unwrap();
        assert_eq!(flat.offsets(), &[0, 1, 1, 3]);
        let back: Vec<_> = (0..3).map(|i| flat.history(i).unwrap()).collect();
        assert_eq!(back, hs);
    }

    #[test]
    fn from_transactions_counts_and_refunds() {
        let d = |s: &str| Date::parse(s).unwrap();
        let log = [
            Transaction::new(c(1), d("2024-01-01"), Decimal::new(10, 0)),
            Transaction::new(c(1), d("2024-01-02"), Decimal::new(-4, 0)),
            Transaction::new(c(1), d("2024-01-20"), Decimal::new(3, 0)),
        ];
        let opts = HistoryOptions::new(d("2024-01-21"), TimeUnit::WEEK);
        let spend = PeriodHistories::from_transactions(&log, &opts).unwrap();
        assert_eq!(spend.series(0), Some(&[6.0, 0.0, 3.0][..]));
        let counts =
            PeriodHistories::from_transactions(&log, &opts.value(PeriodValue::Purchases)).unwrap();
        assert_eq!(counts.series(0), Some(&[1.0, 0.0, 1.0][..]));

        let refund_only = [
            Transaction::new(c(1), d("2024-01-01"), Decimal::new(10, 0)),
            Transaction::new(c(1), d("2024-01-10"), Decimal::new(-4, 0)),
        ];
        assert!(matches!(
            PeriodHistories::from_transactions(&refund_only, &opts),
            Err(Error::UnmatchedRefund { period_start, .. }) if period_start == d("2024-01-08")
        ));
        let empty = PeriodHistories::from_transactions(&[], &opts).unwrap();
        assert!(empty.is_empty());
        assert_eq!(empty.offsets(), &[0]);
    }
}
