//! How a transaction log is summarised: unit, grouping, refunds, windows.

use std::num::NonZeroUsize;

use crate::error::{Error, Result};
use crate::model::{Date, TimeUnit};

/// How purchases made at the same time are grouped into one purchase
/// occasion before counting.
///
/// Repeat purchases `x` count occasions after the first, so the grouping
/// decides what "one purchase" is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Grouping {
    /// Purchases on the same day are one occasion (the default, as in
    /// Fader, Hardie & Lee's CDNOW summaries and Python lifetimes with
    /// `freq='D'`). Times are fractional: days divided by the unit's length.
    #[default]
    Day,
    /// Purchases in the same period of the summary's [`TimeUnit`] are one
    /// occasion, and times are whole numbers of periods, as Python
    /// lifetimes computes with `freq='W'`. Periods start on the builder's
    /// [`period_anchor`](SummarizerBuilder::period_anchor) (a Monday by
    /// default, so weeks run Monday to Sunday like pandas' `W-SUN`).
    ///
    /// One difference from lifetimes: lifetimes keeps every purchase of the
    /// week that contains its observation end, including days after the
    /// end; this crate never counts a purchase after the calibration end.
    /// To reproduce lifetimes' `freq='W'` exactly, end the calibration on
    /// the Sunday that closes that week (the tests do this on CDNOW).
    Period,
    /// No grouping: every transaction is an occasion. Same-day transactions
    /// count as repeat purchases; on the first day, the one with the
    /// smallest amount is taken as the first purchase (a convention of this
    /// crate, so results do not depend on input order).
    Transaction,
}

/// What to do with negative amounts (refunds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum RefundPolicy {
    /// A negative amount is an error naming the transaction (the default).
    #[default]
    Reject,
    /// A refund is netted into the same customer's purchases of the same
    /// day (or period, with [`Grouping::Period`]). An occasion whose net is
    /// negative, including one with refunds and no purchase, is an
    /// [`Error::UnmatchedRefund`]. An occasion refunded exactly to zero
    /// still counts as a purchase occasion of value 0. Needs day or period
    /// grouping.
    Net,
}

/// Summarises transaction logs into per-customer [`Summary`](crate::Summary)
/// rows; built by [`Summarizer::builder`], which checks every option once.
///
/// # Timing convention
/// Time 0 is each customer's first purchase. With calibration end `E`:
/// `t_x` = last purchase - first purchase, `T` = `E` - first purchase,
/// recency = `T - t_x`, in the chosen unit. A purchase on `E` itself is
/// inside the calibration period. The holdout period is `(E, H]`.
///
/// # Example
/// ```
/// use customer_value::{Date, Grouping, RefundPolicy, Summarizer, TimeUnit};
///
/// let s = Summarizer::builder(Date::parse("1997-09-30")?)
///     .unit(TimeUnit::WEEK)
///     .grouping(Grouping::Day)
///     .refunds(RefundPolicy::Reject)
///     .holdout_end(Date::parse("1998-06-30")?)
///     .build()?;
/// assert_eq!(s.holdout_end(), Some(Date::parse("1998-06-30")?));
///
/// let backwards = Summarizer::builder(Date::parse("1997-09-30")?)
///     .holdout_end(Date::parse("1997-01-01")?)
///     .build();
/// assert!(backwards.is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "SummarizerBuilder", into = "SummarizerBuilder")
)]
pub struct Summarizer {
    pub(crate) calibration_end: Date,
    pub(crate) holdout_end: Option<Date>,
    pub(crate) unit: TimeUnit,
    pub(crate) grouping: Grouping,
    pub(crate) refunds: RefundPolicy,
    pub(crate) period_anchor: Date,
    pub(crate) threads: Option<NonZeroUsize>,
}

/// Options for a [`Summarizer`]; [`SummarizerBuilder::build`] validates them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct SummarizerBuilder {
    calibration_end: Date,
    #[cfg_attr(feature = "serde", serde(default))]
    holdout_end: Option<Date>,
    #[cfg_attr(feature = "serde", serde(default = "default_unit"))]
    unit: TimeUnit,
    #[cfg_attr(feature = "serde", serde(default))]
    grouping: Grouping,
    #[cfg_attr(feature = "serde", serde(default))]
    refunds: RefundPolicy,
    #[cfg_attr(feature = "serde", serde(default = "default_anchor"))]
    period_anchor: Date,
    #[cfg_attr(feature = "serde", serde(default))]
    threads: Option<usize>,
}

#[cfg(feature = "serde")]
fn default_unit() -> TimeUnit {
    TimeUnit::DAY
}

/// 1970-01-05, a Monday.
fn default_anchor() -> Date {
    Date::UNIX_EPOCH
        .checked_add_days(4)
        .unwrap_or(Date::UNIX_EPOCH)
}

impl Summarizer {
    /// Starts a builder whose observation (calibration) period ends on
    /// `calibration_end`, inclusive. Defaults: days, [`Grouping::Day`],
    /// [`RefundPolicy::Reject`], no holdout.
    pub fn builder(calibration_end: Date) -> SummarizerBuilder {
        SummarizerBuilder {
            calibration_end,
            holdout_end: None,
            unit: TimeUnit::DAY,
            grouping: Grouping::Day,
            refunds: RefundPolicy::Reject,
            period_anchor: default_anchor(),
            threads: None,
        }
    }

    /// The last day of the calibration (observation) period.
    pub fn calibration_end(&self) -> Date {
        self.calibration_end
    }

    /// The last day of the holdout period, if there is one.
    pub fn holdout_end(&self) -> Option<Date> {
        self.holdout_end
    }

    /// The unit times are measured in.
    pub fn unit(&self) -> TimeUnit {
        self.unit
    }

    /// How same-time purchases are grouped.
    pub fn grouping(&self) -> Grouping {
        self.grouping
    }

    /// What happens to refunds.
    pub fn refunds(&self) -> RefundPolicy {
        self.refunds
    }

    /// The day periods are counted from with [`Grouping::Period`].
    pub fn period_anchor(&self) -> Date {
        self.period_anchor
    }

    /// The most threads a summary may use; `None` means the machine's
    /// available parallelism.
    pub fn threads(&self) -> Option<usize> {
        self.threads.map(NonZeroUsize::get)
    }

    /// The options that determine results: all but the thread count. This
    /// is what summaries record, so results compare equal however many
    /// threads made them, and states from differently threaded runs merge.
    pub(crate) fn results_key(&self) -> Summarizer {
        Summarizer {
            threads: None,
            ..*self
        }
    }

    /// Whether two summarisers produce mergeable states.
    pub(crate) fn same_options(&self, other: &Summarizer) -> bool {
        self.results_key() == other.results_key()
    }

    /// Threads to use for `included` transactions: one for small logs,
    /// where spawning costs more than it saves.
    pub(crate) fn threads_for(&self, included: usize) -> usize {
        const PER_THREAD: usize = 100_000;
        let available = self.threads.map_or_else(
            || std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
            NonZeroUsize::get,
        );
        available.min(included / PER_THREAD).max(1)
    }

    /// The options this summariser was built from.
    pub fn to_builder(&self) -> SummarizerBuilder {
        SummarizerBuilder::from(*self)
    }

    /// The key that identifies a purchase occasion on `day`: the day
    /// itself, or the index of its period with [`Grouping::Period`].
    #[inline]
    pub(crate) fn occasion_key(&self, day: i32) -> i32 {
        match self.grouping {
            Grouping::Period => (day - self.period_anchor.days_since_epoch())
                .div_euclid(self.unit.days_per_period() as i32),
            Grouping::Day | Grouping::Transaction => day,
        }
    }

    /// First day of the occasion with `key` (for error messages).
    pub(crate) fn occasion_start(&self, key: i32) -> Date {
        let day = match self.grouping {
            Grouping::Period => {
                i64::from(self.period_anchor.days_since_epoch())
                    + i64::from(key) * i64::from(self.unit.days_per_period())
            }
            Grouping::Day | Grouping::Transaction => i64::from(key),
        };
        i32::try_from(day)
            .ok()
            .and_then(|d| Date::from_days_since_epoch(d).ok())
            .unwrap_or(if day < 0 { Date::MIN } else { Date::MAX })
    }

    /// Time between two days in the summary's unit.
    pub(crate) fn elapsed(&self, from: Date, to: Date) -> f64 {
        self.elapsed_keys(
            self.occasion_key(from.days_since_epoch()),
            self.occasion_key(to.days_since_epoch()),
        )
    }

    /// Time between two occasion keys in the summary's unit: whole periods
    /// with [`Grouping::Period`], days divided by the unit's length
    /// otherwise.
    #[inline]
    pub(crate) fn elapsed_keys(&self, from: i32, to: i32) -> f64 {
        match self.grouping {
            Grouping::Period => f64::from(to - from),
            Grouping::Day | Grouping::Transaction => self.unit.periods(to - from),
        }
    }
}

impl SummarizerBuilder {
    /// Sets the unit times are measured in (default days).
    pub fn unit(mut self, unit: TimeUnit) -> Self {
        self.unit = unit;
        self
    }

    /// Sets how same-time purchases are grouped (default [`Grouping::Day`]).
    pub fn grouping(mut self, grouping: Grouping) -> Self {
        self.grouping = grouping;
        self
    }

    /// Sets what happens to refunds (default [`RefundPolicy::Reject`]).
    pub fn refunds(mut self, refunds: RefundPolicy) -> Self {
        self.refunds = refunds;
        self
    }

    /// Adds a holdout period `(calibration end, holdout_end]`.
    pub fn holdout_end(mut self, holdout_end: Date) -> Self {
        self.holdout_end = Some(holdout_end);
        self
    }

    /// Sets the day periods are counted from with [`Grouping::Period`]
    /// (default 1970-01-05, a Monday).
    pub fn period_anchor(mut self, anchor: Date) -> Self {
        self.period_anchor = anchor;
        self
    }

    /// Caps the threads one summary may use (default: the machine's
    /// available parallelism). Logs under 200,000 transactions always use
    /// one thread. Results never depend on the thread count.
    ///
    /// # Errors
    /// [`build`](SummarizerBuilder::build) rejects 0.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads);
        self
    }

    /// Checks the options and returns the summariser.
    ///
    /// # Errors
    /// - [`Error::InvalidParameter`] named `holdout end` when the holdout
    ///   end is not after the calibration end;
    /// - [`Error::InvalidParameter`] named `threads` for 0 threads;
    /// - [`Error::InvalidParameter`] named `refunds` for
    ///   [`RefundPolicy::Net`] with [`Grouping::Transaction`] (there is no
    ///   occasion to net a refund into).
    pub fn build(self) -> Result<Summarizer> {
        if let Some(h) = self.holdout_end {
            if h <= self.calibration_end {
                return Err(Error::InvalidParameter {
                    name: "holdout end",
                    value: h.to_string(),
                    reason: "must be after the calibration end",
                });
            }
        }
        if self.refunds == RefundPolicy::Net && self.grouping == Grouping::Transaction {
            return Err(Error::InvalidParameter {
                name: "refunds",
                value: "net".into(),
                reason: "netting refunds needs day or period grouping",
            });
        }
        let threads = match self.threads {
            None => None,
            Some(n) => Some(NonZeroUsize::new(n).ok_or_else(|| Error::InvalidParameter {
                name: "threads",
                value: "0".into(),
                reason: "a summary needs at least one thread",
            })?),
        };
        Ok(Summarizer {
            threads,
            calibration_end: self.calibration_end,
            holdout_end: self.holdout_end,
            unit: self.unit,
            grouping: self.grouping,
            refunds: self.refunds,
            period_anchor: self.period_anchor,
        })
    }
}

impl From<Summarizer> for SummarizerBuilder {
    fn from(s: Summarizer) -> SummarizerBuilder {
        SummarizerBuilder {
            calibration_end: s.calibration_end,
            holdout_end: s.holdout_end,
            unit: s.unit,
            grouping: s.grouping,
            refunds: s.refunds,
            period_anchor: s.period_anchor,
            threads: s.threads.map(NonZeroUsize::get),
        }
    }
}

impl TryFrom<SummarizerBuilder> for Summarizer {
    type Error = Error;
    fn try_from(b: SummarizerBuilder) -> Result<Summarizer> {
        b.build()
    }
}
