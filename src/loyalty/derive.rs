//! Behavioural indicators derived from the transaction log: per-period
//! purchase counts and their trend (A13).

use rustc_hash::FxHashMap;

use crate::{CustomerId, Date, Error, Result, TimeUnit, Transaction};

/// A13 frequency trend: the ordinary-least-squares slope of a customer's
/// per-period purchase counts against the period index \[L\].
///
/// # Formula
///
/// ```text
/// t = 0, 1, ..., k-1        y_t = purchases in period t
/// slope = Σ (t - t̄)(y_t - ȳ) / Σ (t - t̄)²
/// ```
///
/// Positive: buying more often over time; negative: buying less. The unit
/// is "purchases per period, per period".
///
/// # Errors
///
/// - [`Error::InvalidValue`] when fewer than 2 periods are given (a slope
///   of one point is undefined) or a count is NaN or infinite.
///
/// # Example
///
/// ```
/// use customer_value::loyalty::frequency_trend;
///
/// assert_eq!(frequency_trend(&[1.0, 2.0, 3.0])?, 1.0);
/// assert_eq!(frequency_trend(&[4.0, 4.0, 1.0, 1.0])?, -1.2);
/// assert!(frequency_trend(&[3.0]).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn frequency_trend(counts: &[f64]) -> Result<f64> {
    let k = counts.len();
    if k < 2 {
        return Err(Error::InvalidValue {
            what: "purchase counts",
            reason: format!("a trend needs at least 2 periods, got {k}"),
        });
    }
    if let Some(bad) = counts.iter().find(|c| !c.is_finite()) {
        return Err(Error::InvalidValue {
            what: "purchase counts",
            reason: format!("counts must be finite, got {bad}"),
        });
    }
    let kf = k as f64;
    let t_mean = (kf - 1.0) / 2.0;
    let y_mean = counts.iter().sum::<f64>() / kf;
    let mut sxy = 0.0;
    let mut sxx = 0.0;
    for (t, &y) in counts.iter().enumerate() {
        let dt = t as f64 - t_mean;
        sxy += dt * (y - y_mean);
        sxx += dt * dt;
    }
    let slope = sxy / sxx;
    if !slope.is_finite() {
        return Err(Error::InvalidValue {
            what: "frequency trend",
            reason: format!(
                "not finite for counts of magnitude up to {}",
                counts.iter().fold(0.0f64, |m, c| m.max(c.abs()))
            ),
        });
    }
    Ok(slope)
}

/// One customer's purchase counts per period, from [`purchase_counts`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PurchaseCounts {
    customer: CustomerId,
    counts: Vec<u32>,
}

impl PurchaseCounts {
    /// The customer.
    pub fn customer(&self) -> CustomerId {
        self.customer
    }

    /// Purchases in each period, oldest first.
    pub fn counts(&self) -> &[u32] {
        &self.counts
    }

    /// The A13 trend of these counts ([`frequency_trend`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when there are fewer than 2 periods.
    pub fn trend(&self) -> Result<f64> {
        let counts: Vec<f64> = self.counts.iter().map(|&c| f64::from(c)).collect();
        frequency_trend(&counts)
    }
}

/// Counts each customer's purchases in `periods` consecutive periods of
/// length `unit`, the first starting on `start` \[L\].
///
/// Period `p` covers the days `start + p·unit ..= start + (p+1)·unit - 1`.
/// Every transaction with a non-negative amount in the window counts as one
/// purchase (transactions, not grouped occasions); refunds (negative
/// amounts) and transactions outside the window are ignored. Customers with
/// no purchase in the window are not listed (their counts would be all
/// zero: give them `vec![0.0; periods]` if they belong in the population).
/// The result is sorted by customer id.
///
/// # Errors
///
/// - [`Error::InvalidParameter`] when `periods` is 0, or the window
///   reaches past [`Date::MAX`];
/// - [`Error::Overflow`] when a count exceeds `u32::MAX`.
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Date, Decimal, TimeUnit, Transaction};
/// use customer_value::loyalty::purchase_counts;
///
/// let c = CustomerId::new(1);
/// let day = |s| Date::parse(s);
/// let log = [
///     Transaction::new(c, day("2024-01-02")?, Decimal::from(5)),
///     Transaction::new(c, day("2024-01-09")?, Decimal::from(5)),
///     Transaction::new(c, day("2024-01-10")?, Decimal::from(5)),
///     Transaction::new(c, day("2024-01-16")?, Decimal::from(5)),
///     Transaction::new(c, day("2024-01-17")?, Decimal::from(5)),
///     Transaction::new(c, day("2024-01-18")?, Decimal::from(-5)), // refund: ignored
/// ];
/// let counts = purchase_counts(&log, day("2024-01-01")?, TimeUnit::WEEK, 3)?;
/// assert_eq!(counts[0].counts(), &[1, 2, 2]);
/// assert_eq!(counts[0].trend()?, 0.5);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn purchase_counts(
    transactions: &[Transaction],
    start: Date,
    unit: TimeUnit,
    periods: u32,
) -> Result<Vec<PurchaseCounts>> {
    if periods == 0 {
        return Err(Error::InvalidParameter {
            name: "periods",
            value: "0".to_string(),
            reason: "at least one period is needed",
        });
    }
    let span = i64::from(unit.days_per_period()) * i64::from(periods);
    let window_days = i32::try_from(span)
        .ok()
        .and_then(|d| start.checked_add_days(d - 1).ok())
        .map(|_| span)
        .ok_or_else(|| Error::InvalidParameter {
            name: "periods",
            value: periods.to_string(),
            reason: "the window reaches past the last supported date",
        })?;
    let per = i64::from(unit.days_per_period());
    let len = periods as usize;
    let mut map: FxHashMap<CustomerId, Vec<u32>> = FxHashMap::default();
    for t in transactions {
        if t.amount() < crate::Decimal::ZERO {
            continue;
        }
        let offset = i64::from(t.date().days_since(start));
        if !(0..window_days).contains(&offset) {
            continue;
        }
        let p = (offset / per) as usize;
        let counts = map.entry(t.customer()).or_insert_with(|| vec![0; len]);
        if let Some(c) = counts.get_mut(p) {
            *c = c.checked_add(1).ok_or(Error::Overflow {
                what: "purchase count",
            })?;
        }
    }
    let mut out: Vec<PurchaseCounts> = map
        .into_iter()
        .map(|(customer, counts)| PurchaseCounts { customer, counts })
        .collect();
    out.sort_unstable_by_key(|c| c.customer);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Decimal;

    #[test]
    fn trend_matches_hand_values() {
        // t̄ = 1.5, Σdt² = 5; y = (0, 0, 0, 5): Σ dt·(y - 1.25) = 1.5·5 = 7.5 -> 1.5
        assert_eq!(frequency_trend(&[0.0, 0.0, 0.0, 5.0]).unwrap(), 1.5);
        assert_eq!(frequency_trend(&[2.0, 2.0]).unwrap(), 0.0);
        assert_eq!(frequency_trend(&[3.0, 1.0]).unwrap(), -2.0);
    }

    #[test]
    fn trend_rejects_short_and_non_finite() {
        assert!(matches!(
            frequency_trend(&[]),
            Err(Error::InvalidValue { .. })
        ));
        assert!(matches!(
            frequency_trend(&[1.0]),
            Err(Error::InvalidValue { .. })
        ));
        assert!(matches!(
            frequency_trend(&[1.0, f64::NAN]),
            Err(Error::InvalidValue { .. })
        ));
        assert!(matches!(
            frequency_trend(&[f64::MAX, -f64::MAX]),
            Err(Error::InvalidValue { .. })
        ));
    }

    #[test]
    fn counts_window_and_errors() {
        let d = |s| Date::parse(s).unwrap();
        let (a, b) = (CustomerId::new(2), CustomerId::new(1));
        let log = [
            Transaction::new(a, d("2024-01-01"), Decimal::ONE),
            Transaction::new(a, d("2023-12-31"), Decimal::ONE), // before
            Transaction::new(b, d("2024-01-05"), Decimal::ZERO), // zero counts
            Transaction::new(b, d("2024-01-06"), Decimal::ONE), // day 5, period 1
            Transaction::new(a, d("2024-01-07"), Decimal::ONE), // day 6: after window
        ];
        let unit = TimeUnit::days(3).unwrap();
        let c = purchase_counts(&log, d("2024-01-01"), unit, 2).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!((c[0].customer(), c[0].counts()), (b, &[0, 2][..]));
        assert_eq!((c[1].customer(), c[1].counts()), (a, &[1, 0][..]));
        assert!(matches!(
            purchase_counts(&log, d("2024-01-01"), unit, 0),
            Err(Error::InvalidParameter {
                name: "periods",
                ..
            })
        ));
        assert!(matches!(
            purchase_counts(&log, Date::MAX, unit, 1),
            Err(Error::InvalidParameter {
                name: "periods",
                ..
            })
        ));
        assert!(purchase_counts(&log, Date::MAX, TimeUnit::DAY, 1).is_ok());
    }
}
