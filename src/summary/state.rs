//! Mergeable per-customer state: what a shard of a log knows about each
//! customer, in a form that combines exactly with other shards.

use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::model::{CategoryId, CustomerId, Date};
use crate::summary::{
    CustomerSummary, Excluded, Grouping, HoldoutActivity, HoldoutOnlyCustomer, RefundPolicy,
    Summarizer, Summary,
};

/// A purchase occasion at one edge of a span: its key (day or period
/// index) and net value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct Occasion {
    pub(crate) key: i32,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    pub(crate) value: Decimal,
}

/// A customer's activity within one window (calibration or holdout).
///
/// Only the first and last occasions are kept in full: for shards that
/// split a log by customer or by time, those are the only occasions two
/// shards can share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct Span {
    pub(crate) first: Occasion,
    pub(crate) last: Occasion,
    pub(crate) first_date: Date,
    pub(crate) last_date: Date,
    pub(crate) occasions: u32,
    pub(crate) transactions: u32,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    pub(crate) total: Decimal,
}

/// Everything a partial summary knows about one customer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct CustomerState {
    pub(crate) customer: CustomerId,
    pub(crate) calibration: Option<Span>,
    pub(crate) holdout: Option<Span>,
    /// Distinct calibration categories, sorted.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub(crate) categories: Vec<CategoryId>,
}

/// The mergeable state of a summary: built from one shard of a log by
/// [`Summarizer::partial`], combined with [`PartialSummary::merge`], turned
/// into a [`Summary`] by [`PartialSummary::finish`].
///
/// Merging is exact, associative and commutative for shards that split a
/// log by customer, by time (each shard a contiguous date range; a day or
/// period may straddle two shards), or both. Shards whose date ranges
/// interleave for one customer cannot be merged exactly; that is reported
/// as [`Error::IncompatibleMerge`], never guessed. With string ids, build
/// every shard's ids from one shared [`Interner`](crate::Interner).
///
/// Serialisable, so shards can be summarised on different machines.
///
/// # Example
/// ```
/// use customer_value::{CustomerId, Date, Decimal, Summarizer, Transaction};
///
/// let d = |s| Date::parse(s);
/// let c = CustomerId::new(1);
/// let log = [
///     Transaction::new(c, d("2024-01-01")?, Decimal::new(10, 0)),
///     Transaction::new(c, d("2024-02-01")?, Decimal::new(20, 0)),
///     Transaction::new(c, d("2024-02-01")?, Decimal::new(5, 0)),
///     Transaction::new(c, d("2024-03-01")?, Decimal::new(30, 0)),
/// ];
/// let s = Summarizer::builder(d("2024-03-31")?).build()?;
/// // Split by time in the middle of 1 February: the day straddles the shards.
/// let early = s.partial(&log[..2])?;
/// let late = s.partial(&log[2..])?;
/// let merged = late.merge(early)?.finish()?;
/// assert_eq!(merged, s.summarize(&log)?);
/// assert_eq!(merged.customers()[0].frequency(), 2);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "PartialRecord", into = "PartialRecord")
)]
pub struct PartialSummary {
    pub(crate) summarizer: Summarizer,
    /// Sorted by customer id, one entry per customer.
    pub(crate) customers: Vec<CustomerState>,
    pub(crate) excluded: Excluded,
}

impl PartialSummary {
    /// The state of an empty shard.
    pub fn empty(summarizer: Summarizer) -> PartialSummary {
        PartialSummary {
            summarizer,
            customers: Vec::new(),
            excluded: Excluded::default(),
        }
    }

    /// Number of customers seen so far.
    pub fn len(&self) -> usize {
        self.customers.len()
    }

    /// Whether no customer has been seen.
    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }

    /// The summariser whose options this state was built with.
    pub fn summarizer(&self) -> &Summarizer {
        &self.summarizer
    }

    /// Combines two shards' states into the state of their union.
    ///
    /// # Errors
    /// - [`Error::IncompatibleMerge`] when the two were built with different
    ///   options, or a customer's activity in the two shards interleaves in
    ///   time (see the type's documentation);
    /// - [`Error::UnmatchedRefund`] when netted refunds leave an occasion
    ///   that the merge makes complete with a negative value;
    /// - [`Error::Overflow`] when a count or sum overflows.
    pub fn merge(self, other: PartialSummary) -> Result<PartialSummary> {
        if !self.summarizer.same_options(&other.summarizer) {
            return Err(Error::IncompatibleMerge {
                reason: "the partial summaries were built with different options".into(),
            });
        }
        let s = self.summarizer;
        let mut excluded = self.excluded;
        excluded.add(other.excluded)?;
        let mut out = Vec::with_capacity(self.customers.len().max(other.customers.len()));
        let mut a = self.customers.into_iter().peekable();
        let mut b = other.customers.into_iter().peekable();
        loop {
            let next = match (a.peek(), b.peek()) {
                (None, None) => break,
                (Some(_), None) => a.next(),
                (None, Some(_)) => b.next(),
                (Some(x), Some(y)) => match x.customer.cmp(&y.customer) {
                    std::cmp::Ordering::Less => a.next(),
                    std::cmp::Ordering::Greater => b.next(),
                    std::cmp::Ordering::Equal => a
                        .next()
                        .zip(b.next())
                        .map(|(x, y)| merge_customer(&s, x, y))
                        .transpose()?,
                },
            };
            out.extend(next);
        }
        Ok(PartialSummary {
            summarizer: s,
            customers: out,
            excluded,
        })
    }

    /// Turns the state into the final [`Summary`].
    ///
    /// # Errors
    /// [`Error::UnmatchedRefund`] when netted refunds leave a customer's
    /// first or last occasion of a window with a negative value.
    pub fn finish(self) -> Result<Summary> {
        let s = self.summarizer;
        let mut rows = Rows::default();
        for state in self.customers {
            rows.push(finish_customer(&s, state)?);
        }
        Ok(rows.into_summary(s, self.excluded))
    }
}

/// What a customer's final state becomes.
pub(crate) enum Row {
    /// A customer who bought in the calibration period.
    Calibration(CustomerSummary),
    /// A customer first seen in the holdout period.
    HoldoutOnly(HoldoutOnlyCustomer),
}

/// Finished rows, in customer order.
#[derive(Default)]
pub(crate) struct Rows {
    pub(crate) customers: Vec<CustomerSummary>,
    pub(crate) holdout_only: Vec<HoldoutOnlyCustomer>,
}

impl Rows {
    pub(crate) fn push(&mut self, row: Row) {
        match row {
            Row::Calibration(c) => self.customers.push(c),
            Row::HoldoutOnly(h) => self.holdout_only.push(h),
        }
    }

    pub(crate) fn append(&mut self, mut other: Rows) {
        self.customers.append(&mut other.customers);
        self.holdout_only.append(&mut other.holdout_only);
    }

    pub(crate) fn into_summary(self, summarizer: Summarizer, excluded: Excluded) -> Summary {
        Summary {
            summarizer,
            customers: self.customers,
            holdout_only: self.holdout_only,
            excluded,
        }
    }
}

/// Turns one customer's complete state into its row.
///
/// # Errors
/// [`Error::UnmatchedRefund`] when a window's first or last occasion is
/// negative after netting.
pub(crate) fn finish_customer(s: &Summarizer, state: CustomerState) -> Result<Row> {
    for span in state.calibration.iter().chain(&state.holdout) {
        check_edges(s, state.customer, span)?;
    }
    let activity = |span: &Option<Span>| {
        span.map_or_else(HoldoutActivity::default, |h| HoldoutActivity {
            purchases: h.occasions,
            transactions: h.transactions,
            spend: h.total,
        })
    };
    Ok(match (state.calibration, state.holdout) {
        (Some(c), _) => Row::Calibration(CustomerSummary {
            customer: state.customer,
            frequency: c.occasions - 1,
            transactions: c.transactions,
            first_purchase: c.first_date,
            last_purchase: c.last_date,
            t_x: s.elapsed_keys(c.first.key, c.last.key),
            age: s.elapsed_keys(
                c.first.key,
                s.occasion_key(s.calibration_end.days_since_epoch()),
            ),
            total_spend: c.total,
            repeat_spend: c.total - c.first.value,
            categories: state.categories.len() as u32,
            holdout: s.holdout_end.map(|_| activity(&state.holdout)),
        }),
        (None, Some(h)) => Row::HoldoutOnly(HoldoutOnlyCustomer {
            customer: state.customer,
            first_purchase: h.first_date,
            activity: activity(&state.holdout),
        }),
        (None, None) => {
            return Err(Error::InvalidValue {
                what: "partial summary",
                reason: format!("customer {} has no activity", state.customer),
            });
        }
    })
}

/// A netted occasion at a window's edge must not end up negative.
fn check_edges(s: &Summarizer, customer: CustomerId, span: &Span) -> Result<()> {
    for o in [span.first, span.last] {
        if o.value.is_sign_negative() && !o.value.is_zero() {
            return Err(Error::UnmatchedRefund {
                customer,
                period_start: s.occasion_start(o.key),
            });
        }
    }
    Ok(())
}

fn merge_customer(s: &Summarizer, a: CustomerState, b: CustomerState) -> Result<CustomerState> {
    let customer = a.customer;
    let span = |x: Option<Span>, y: Option<Span>| -> Result<Option<Span>> {
        Ok(match (x, y) {
            (Some(x), Some(y)) => Some(merge_spans(s, customer, x, y)?),
            (x, y) => x.or(y),
        })
    };
    let categories = if b.categories.is_empty() {
        a.categories
    } else if a.categories.is_empty() {
        b.categories
    } else {
        let mut all = a.categories;
        all.extend(b.categories);
        all.sort_unstable();
        all.dedup();
        all
    };
    Ok(CustomerState {
        customer,
        calibration: span(a.calibration, b.calibration)?,
        holdout: span(a.holdout, b.holdout)?,
        categories,
    })
}

/// The value of the occasion with `key` if it is one of the span's edges.
fn edge_value(span: &Span, key: i32) -> Option<Decimal> {
    if span.first.key == key {
        Some(span.first.value)
    } else if span.last.key == key {
        Some(span.last.value)
    } else {
        None
    }
}

fn merge_spans(s: &Summarizer, customer: CustomerId, a: Span, b: Span) -> Result<Span> {
    let overflow = |what| Error::Overflow { what };
    let transactions = a
        .transactions
        .checked_add(b.transactions)
        .ok_or(overflow("transaction count"))?;
    let total = a.total.checked_add(b.total).ok_or(overflow("spend"))?;
    let mut occasions = a
        .occasions
        .checked_add(b.occasions)
        .ok_or(overflow("occasion count"))?;
    let by_key_then_value = |o: &Occasion| (o.key, o.value);
    let (mut first, mut last) = (
        std::cmp::min_by_key(a.first, b.first, by_key_then_value),
        std::cmp::max_by_key(a.last, b.last, by_key_then_value),
    );
    if s.grouping != Grouping::Transaction {
        let lo = a.first.key.max(b.first.key);
        let hi = a.last.key.min(b.last.key);
        let interleaved = || Error::IncompatibleMerge {
            reason: format!(
                "customer {customer}'s purchases in the two shards interleave in time; \
                 split logs by customer or by contiguous date ranges"
            ),
        };
        if lo < hi {
            return Err(interleaved());
        }
        if lo == hi {
            let (va, vb) = (edge_value(&a, lo), edge_value(&b, lo));
            let (Some(va), Some(vb)) = (va, vb) else {
                return Err(interleaved());
            };
            let shared = Occasion {
                key: lo,
                value: va.checked_add(vb).ok_or(overflow("spend"))?,
            };
            occasions -= 1;
            let first_key = a.first.key.min(b.first.key);
            let last_key = a.last.key.max(b.last.key);
            first = if first_key == lo { shared } else { first };
            last = if last_key == lo { shared } else { last };
            let interior = lo != first_key && lo != last_key;
            if interior && s.refunds == RefundPolicy::Net && shared.value < Decimal::ZERO {
                return Err(Error::UnmatchedRefund {
                    customer,
                    period_start: s.occasion_start(lo),
                });
            }
        }
    }
    Ok(Span {
        first,
        last,
        first_date: a.first_date.min(b.first_date),
        last_date: a.last_date.max(b.last_date),
        occasions,
        transactions,
        total,
    })
}

/// The serialised shape of a [`PartialSummary`], checked on the way in.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PartialRecord {
    summarizer: Summarizer,
    customers: Vec<CustomerState>,
    excluded: Excluded,
}

#[cfg(feature = "serde")]
impl From<PartialSummary> for PartialRecord {
    fn from(p: PartialSummary) -> PartialRecord {
        PartialRecord {
            summarizer: p.summarizer,
            customers: p.customers,
            excluded: p.excluded,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<PartialRecord> for PartialSummary {
    type Error = Error;
    fn try_from(r: PartialRecord) -> Result<PartialSummary> {
        let bad = |reason: String| Error::InvalidValue {
            what: "partial summary",
            reason,
        };
        if r.customers
            .windows(2)
            .any(|w| w[0].customer >= w[1].customer)
        {
            return Err(bad("customers must be sorted by id without repeats".into()));
        }
        for c in &r.customers {
            if c.calibration.is_none() && c.holdout.is_none() {
                return Err(bad(format!("customer {} has no activity", c.customer)));
            }
            if c.categories.windows(2).any(|w| w[0] >= w[1]) {
                return Err(bad(format!(
                    "customer {}: categories not sorted",
                    c.customer
                )));
            }
            for span in c.calibration.iter().chain(&c.holdout) {
                let ok = span.first.key <= span.last.key
                    && span.first_date <= span.last_date
                    && span.occasions >= 1
                    && span.transactions >= span.occasions
                    && (span.occasions > 1 || span.first == span.last);
                if !ok {
                    return Err(bad(format!("customer {}: inconsistent span", c.customer)));
                }
            }
        }
        Ok(PartialSummary {
            summarizer: r.summarizer,
            customers: r.customers,
            excluded: r.excluded,
        })
    }
}
