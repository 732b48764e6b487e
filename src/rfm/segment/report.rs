//! Customers and revenue per segment, with shares.

use std::borrow::Borrow;

use rust_decimal::prelude::ToPrimitive;

use super::{Segment, SegmentRules, ValueClass};
use crate::{Decimal, Error, Result};

/// Largest mantissa a `Decimal` holds, plus one (2^96).
const MANTISSA_LIMIT: u128 = 1 << 96;

/// An exact running sum: same-scale values are added as `i128` mantissas
/// and folded into a checked `Decimal` total when the scale changes or the
/// pending mantissa would leave `Decimal`'s range. `None` on overflow.
#[derive(Clone, Copy)]
pub(super) struct Sum {
    total: Decimal,
    pending: i128,
    scale: u32,
}

impl Sum {
    pub(super) const ZERO: Sum = Sum {
        total: Decimal::ZERO,
        pending: 0,
        scale: 0,
    };

    #[inline]
    pub(super) fn add(&mut self, value: Decimal) -> Option<()> {
        if value.scale() == self.scale {
            if let Some(sum) = self.pending.checked_add(value.mantissa()) {
                if sum.unsigned_abs() < MANTISSA_LIMIT {
                    self.pending = sum;
                    return Some(());
                }
            }
        }
        self.flush()?;
        self.scale = value.scale();
        self.pending = value.mantissa();
        Some(())
    }

    fn flush(&mut self) -> Option<()> {
        if self.pending != 0 {
            let part = Decimal::try_from_i128_with_scale(self.pending, self.scale).ok()?;
            self.total = self.total.checked_add(part)?;
            self.pending = 0;
        }
        Some(())
    }

    pub(super) fn finish(mut self) -> Option<Decimal> {
        self.flush()?;
        Some(self.total)
    }
}

const REVENUE_OVERFLOW: Error = Error::Overflow {
    what: "segment revenue",
};

/// One row of a [`SegmentReport`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SegmentRow {
    name: String,
    customers: usize,
    customer_share: f64,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    revenue: Decimal,
    revenue_share: Option<f64>,
}

impl SegmentRow {
    /// The segment's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Customers in the segment.
    pub fn customers(&self) -> usize {
        self.customers
    }

    /// `customers / total customers`, in `[0, 1]`.
    pub fn customer_share(&self) -> f64 {
        self.customer_share
    }

    /// The segment's revenue: the exact sum of its customers' monetary values.
    pub fn revenue(&self) -> Decimal {
        self.revenue
    }

    /// `revenue / total revenue`; `None` when the total is zero or
    /// negative (a share of nothing is undefined). With refunds netted a
    /// segment's share can be negative or above 1.
    pub fn revenue_share(&self) -> Option<f64> {
        self.revenue_share
    }
}

/// Customers and revenue per segment: one [`SegmentRow`] per segment, in
/// table order (for [`SegmentRules`]: the rules, then the fallback
/// "Others"), segments without customers included.
///
/// ```text
/// customers_s       = #{i : label_i = s}
/// customer_share_s  = customers_s / n
/// revenue_s         = sum of monetary_i over label_i = s    (exact Decimal)
/// revenue_share_s   = revenue_s / sum of all monetary_i     (None if that total <= 0)
/// ```
///
/// Shares are `f64` (statistics, not money): customer shares are
/// `count as f64 / n as f64`; revenue shares are the exact decimal
/// quotient converted to `f64`. They sum to 1 up to rounding. Revenue is
/// the monetary value passed in (total spend for the `rfm` package's
/// reports; [spec](crate::rfm::spec#inputs)).
///
/// Works for any labelling: [`SegmentReport::new`] for [`Segment`]s,
/// [`SegmentReport::from_classes`] for the 8 [`ValueClass`]es,
/// [`SegmentReport::from_labels`] for `usize` labels with names.
///
/// # Errors
///
/// Every constructor returns
/// - [`Error::InvalidValue`] when there are no customers (a share of no
///   customers is undefined), or a label is not one of the segments;
/// - [`Error::InvalidParameter`] (`"revenue"`) when there is not exactly
///   one monetary value per customer, and (`"segment names"`) when no
///   names are given;
/// - [`Error::Overflow`] when a revenue sum or share leaves `Decimal`'s range.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SegmentReport {
    rows: Vec<SegmentRow>,
    customers: usize,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    revenue: Decimal,
}

impl SegmentReport {
    /// The report of segments assigned by `rules`; `revenue` holds each
    /// customer's monetary value, in the same order as `segments`.
    ///
    /// # Errors
    ///
    /// See [`SegmentReport`]; a [`Segment::Rule`] index outside `rules`
    /// (a segment assigned by another table) is an [`Error::InvalidValue`].
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, Scorer, rfm::{RfmScore, SegmentReport, SegmentRules}};
    ///
    /// let rules = SegmentRules::rfm_package_v030();
    /// let scores = [RfmScore::new(5, 5, 5)?, RfmScore::new(1, 1, 1)?, RfmScore::new(1, 2, 1)?];
    /// let spend = [Decimal::new(900, 0), Decimal::new(60, 0), Decimal::new(40, 0)];
    /// let report = SegmentReport::new(&rules, &rules.score_all(&scores)?, &spend)?;
    /// assert_eq!(report.rows().len(), 11); // 10 rules and "Others"
    /// let champions = &report.rows()[0];
    /// assert_eq!((champions.name(), champions.customers()), ("Champions", 1));
    /// assert_eq!(champions.revenue_share(), Some(0.9));
    /// let lost = &report.rows()[9];
    /// assert_eq!((lost.name(), lost.customers(), lost.revenue()), ("Lost", 2, Decimal::new(100, 0)));
    /// assert_eq!(report.rows()[1].customers(), 0); // empty segments are listed
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new<I>(rules: &SegmentRules, segments: &[Segment], revenue: I) -> Result<Self>
    where
        I: IntoIterator,
        I::Item: Borrow<Decimal>,
    {
        let k = rules.rules().len();
        let labels = segments.iter().map(|s| match *s {
            Segment::Rule(i) if usize::from(i) < k => usize::from(i),
            Segment::Rule(_) => usize::MAX,
            Segment::Others => k,
        });
        Self::from_labels(rules.names(), labels, revenue)
    }

    /// The report of the 8-class mean split, classes in
    /// [`ValueClass::ALL`] order, named by [`ValueClass::name`].
    ///
    /// # Errors
    ///
    /// See [`SegmentReport`].
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, rfm::{SegmentReport, ValueClass}};
    ///
    /// let classes = [ValueClass::ImportantValue, ValueClass::GeneralWinBack];
    /// let report = SegmentReport::from_classes(&classes, &[Decimal::new(90, 0), Decimal::new(10, 0)])?;
    /// assert_eq!(report.rows().len(), 8);
    /// assert_eq!(report.rows()[7].name(), "general win-back");
    /// assert_eq!(report.rows()[7].customer_share(), 0.5);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_classes<I>(classes: &[ValueClass], revenue: I) -> Result<Self>
    where
        I: IntoIterator,
        I::Item: Borrow<Decimal>,
    {
        Self::from_labels(
            ValueClass::ALL.iter().map(|c| c.name()),
            classes.iter().map(|c| c.index()),
            revenue,
        )
    }

    /// The report of any labelling: label `j` is the `j`-th of `names`.
    ///
    /// # Errors
    ///
    /// See [`SegmentReport`]; a label not below the number of names is an
    /// [`Error::InvalidValue`].
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, rfm::{SegmentReport, ValueClass}};
    ///
    /// // The 8 classes under their Chinese names.
    /// let classes = [ValueClass::ImportantRetain, ValueClass::ImportantRetain];
    /// let report = SegmentReport::from_labels(
    ///     ValueClass::ALL.map(ValueClass::chinese_name),
    ///     classes.iter().map(|c| c.index()),
    ///     [Decimal::new(3, 0), Decimal::new(-3, 0)],
    /// )?;
    /// assert_eq!((report.rows()[1].name(), report.rows()[1].customers()), ("重要保持", 2));
    /// assert_eq!(report.rows()[1].revenue_share(), None); // total revenue is 0
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_labels<N, L, I>(names: N, labels: L, revenue: I) -> Result<Self>
    where
        N: IntoIterator,
        N::Item: Into<String>,
        L: IntoIterator<Item = usize>,
        I: IntoIterator,
        I::Item: Borrow<Decimal>,
    {
        let names: Vec<String> = names.into_iter().map(Into::into).collect();
        let k = names.len();
        if k == 0 {
            return Err(Error::InvalidParameter {
                name: "segment names",
                value: "0 names".to_owned(),
                reason: "a report needs at least one segment",
            });
        }
        let mut counts = vec![0usize; k];
        let mut sums = vec![Sum::ZERO; k];
        let mut revenue = revenue.into_iter();
        let mut n = 0usize;
        for label in labels {
            let value = revenue.next().ok_or_else(|| {
                length_mismatch(format!("{n} values for more than {n} customers"))
            })?;
            let (Some(count), Some(sum)) = (counts.get_mut(label), sums.get_mut(label)) else {
                return Err(Error::InvalidValue {
                    what: "segment label",
                    reason: if label == usize::MAX {
                        format!("customer at position {n}: segment is not in this table")
                    } else {
                        format!("customer at position {n}: label {label} is not below {k}")
                    },
                });
            };
            *count += 1;
            sum.add(*value.borrow()).ok_or(REVENUE_OVERFLOW)?;
            n += 1;
        }
        if revenue.next().is_some() {
            return Err(length_mismatch(format!(
                "more than {n} values for {n} customers"
            )));
        }
        if n == 0 {
            return Err(Error::InvalidValue {
                what: "segment report",
                reason: "no customers: shares of an empty population are undefined".to_owned(),
            });
        }
        let mut revenues = Vec::with_capacity(k);
        let mut total = Decimal::ZERO;
        for sum in sums {
            let r = sum.finish().ok_or(REVENUE_OVERFLOW)?;
            total = total.checked_add(r).ok_or(Error::Overflow {
                what: "total revenue",
            })?;
            revenues.push(r);
        }
        let positive = total > Decimal::ZERO;
        let rows = names
            .into_iter()
            .zip(counts)
            .zip(revenues)
            .map(|((name, customers), revenue)| {
                let revenue_share = if positive {
                    let share = revenue.checked_div(total).and_then(|q| q.to_f64()).ok_or(
                        Error::Overflow {
                            what: "revenue share",
                        },
                    )?;
                    Some(share)
                } else {
                    None
                };
                Ok(SegmentRow {
                    name,
                    customers,
                    customer_share: customers as f64 / n as f64,
                    revenue,
                    revenue_share,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            rows,
            customers: n,
            revenue: total,
        })
    }

    /// The rows, in table order.
    pub fn rows(&self) -> &[SegmentRow] {
        &self.rows
    }

    /// The row of the first segment with this name.
    pub fn row(&self, name: &str) -> Option<&SegmentRow> {
        self.rows.iter().find(|row| row.name == name)
    }

    /// Customers in all segments (n).
    pub fn customers(&self) -> usize {
        self.customers
    }

    /// Revenue of all segments: the exact sum of every monetary value.
    pub fn revenue(&self) -> Decimal {
        self.revenue
    }
}

fn length_mismatch(value: String) -> Error {
    Error::InvalidParameter {
        name: "revenue",
        value,
        reason: "needs exactly one monetary value per customer",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(cents: i64) -> Decimal {
        Decimal::new(cents, 2)
    }

    #[test]
    fn valid_report() {
        let r = SegmentReport::from_labels(
            ["a", "b", "c"],
            [0, 2, 2, 0],
            [d(100), d(50), d(50), d(300)],
        )
        .unwrap();
        assert_eq!(r.customers(), 4);
        assert_eq!(r.revenue(), d(500));
        let counts: Vec<_> = r.rows().iter().map(SegmentRow::customers).collect();
        assert_eq!(counts, [2, 0, 2]);
        assert_eq!(r.row("a").unwrap().revenue_share(), Some(0.8));
        assert_eq!(r.row("b").unwrap().customer_share(), 0.0);
        assert_eq!(r.row("c").unwrap().revenue(), d(100));
    }

    #[test]
    fn invalid_reports() {
        let err = |r: Result<SegmentReport>| r.unwrap_err();
        assert!(matches!(
            err(SegmentReport::from_labels(["a"], [], Vec::<Decimal>::new())),
            Error::InvalidValue { .. }
        ));
        assert!(matches!(
            err(SegmentReport::from_labels(["a"], [1], [d(1)])),
            Error::InvalidValue { .. }
        ));
        assert!(matches!(
            err(SegmentReport::from_labels(["a"], [0, 0], [d(1)])),
            Error::InvalidParameter {
                name: "revenue",
                ..
            }
        ));
        assert!(matches!(
            err(SegmentReport::from_labels(["a"], [0], [d(1), d(2)])),
            Error::InvalidParameter {
                name: "revenue",
                ..
            }
        ));
        assert!(matches!(
            err(SegmentReport::from_labels(
                Vec::<String>::new(),
                [0],
                [d(1)]
            )),
            Error::InvalidParameter {
                name: "segment names",
                ..
            }
        ));
        assert!(matches!(
            err(SegmentReport::from_labels(
                ["a"],
                [0, 0],
                [Decimal::MAX, Decimal::MAX]
            )),
            Error::Overflow { .. }
        ));
        let rules = SegmentRules::rfm_package_v030();
        assert!(matches!(
            err(SegmentReport::new(&rules, &[Segment::Rule(10)], [d(1)])),
            Error::InvalidValue { .. }
        ));
    }

    #[test]
    fn mixed_scales_and_large_values_sum_exactly() {
        let values = [
            Decimal::new(1, 0),
            Decimal::new(25, 1),
            Decimal::new(-125, 3),
            Decimal::new(i64::MAX, 2),
            Decimal::new(i64::MAX, 2),
            Decimal::new(1, 2),
        ];
        let mut expected = Decimal::ZERO;
        for v in values {
            expected += v;
        }
        let r = SegmentReport::from_labels(["a"], [0; 6], values).unwrap();
        assert_eq!(r.revenue(), expected);
        let big = Decimal::from_i128_with_scale((1i128 << 95) + 7, 0);
        let r = SegmentReport::from_labels(["a"], [0; 3], [big, big, -big]).unwrap();
        assert_eq!(r.revenue(), big);
    }
}
