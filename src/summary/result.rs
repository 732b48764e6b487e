//! What a summary holds: one row per customer, plus what was set aside.

use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::model::{CustomerId, Date, TimeUnit};
use crate::summary::Summarizer;

/// One customer's purchase history condensed to the numbers every scorer
/// reads: the `(x, t_x, T)` of the buy-till-you-die models, RFM's recency,
/// frequency and monetary inputs, and holdout activity.
///
/// # Definitions
/// With purchases grouped into occasions (see [`Grouping`](crate::Grouping)) and times in
/// the summariser's [`TimeUnit`], counted from the first purchase:
///
/// ```text
/// x        = occasions in the calibration period - 1      (frequency)
/// t_x      = time of the last occasion                     (0 when x = 0)
/// T        = time of the calibration end                   (age)
/// T - t_x  = time since the last occasion                (RFM recency;
///                                                          periods_since_last)
/// zbar     = (total spend - first occasion's value) / x    (0 when x = 0)
/// ```
///
/// This is the summary of Fader, Hardie & Lee (2005) and of Python
/// lifetimes' `summary_data_from_transaction_data`: `frequency = x`,
/// `recency = t_x`, `T = T`, `monetary_value = zbar`.
///
/// Serialises with every figure, including the derived means; deserialising
/// checks that they agree with each other.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "CustomerSummaryRecord", into = "CustomerSummaryRecord")
)]
pub struct CustomerSummary {
    pub(crate) customer: CustomerId,
    pub(crate) frequency: u32,
    pub(crate) transactions: u32,
    pub(crate) first_purchase: Date,
    pub(crate) last_purchase: Date,
    pub(crate) t_x: f64,
    pub(crate) age: f64,
    pub(crate) total_spend: Decimal,
    pub(crate) repeat_spend: Decimal,
    pub(crate) categories: u32,
    pub(crate) holdout: Option<HoldoutActivity>,
}

impl CustomerSummary {
    /// The customer.
    pub fn customer(&self) -> CustomerId {
        self.customer
    }

    /// `x`: repeat purchase occasions in the calibration period.
    pub fn frequency(&self) -> u32 {
        self.frequency
    }

    /// Purchase occasions in the calibration period (`x + 1`), the "F" of RFM.
    pub fn purchases(&self) -> u32 {
        self.frequency + 1
    }

    /// Transactions in the calibration period, before grouping.
    pub fn transactions(&self) -> u32 {
        self.transactions
    }

    /// Day of the first purchase.
    pub fn first_purchase(&self) -> Date {
        self.first_purchase
    }

    /// Day of the last purchase in the calibration period.
    pub fn last_purchase(&self) -> Date {
        self.last_purchase
    }

    /// `t_x`: time from the first to the last purchase occasion, in the
    /// summary's unit (lifetimes calls it `recency`).
    pub fn t_x(&self) -> f64 {
        self.t_x
    }

    /// `T`: time from the first purchase to the calibration end, in the
    /// summary's unit (the customer's age).
    #[doc(alias = "T")]
    pub fn age(&self) -> f64 {
        self.age
    }

    /// `T - t_x`: time from the last purchase occasion to the calibration
    /// end, in the summary's unit (days by default); RFM's recency, and the
    /// `periods_since_last` column of the command line's outputs.
    ///
    /// Computed as a difference of two `f64` times, so in a unit that is not
    /// a whole number of the times' days (weeks: `59/7`) the last digit can
    /// differ from the quotient computed directly.
    pub fn periods_since_last(&self) -> f64 {
        self.age - self.t_x
    }

    /// `T - t_x`, the same as [`periods_since_last`](Self::periods_since_last).
    #[deprecated(
        note = "ambiguous: lifetimes' `recency` is t_x (see `t_x()`); this returns T - t_x, \
                now named `periods_since_last()`"
    )]
    pub fn recency(&self) -> f64 {
        self.periods_since_last()
    }

    /// Total spend in the calibration period (net of refunds when netted).
    pub fn total_spend(&self) -> Decimal {
        self.total_spend
    }

    /// Mean spend per purchase occasion, total / `(x + 1)`.
    ///
    /// # Rounding
    /// Exact where the quotient has at most 28 significant digits; else
    /// rounded by `rust_decimal`'s division (banker's rounding in the last
    /// digit).
    pub fn mean_spend(&self) -> Decimal {
        self.total_spend / Decimal::from(self.purchases())
    }

    /// Spend on the repeat occasions (all but the first).
    pub fn repeat_spend(&self) -> Decimal {
        self.repeat_spend
    }

    /// `zbar`: mean value of the repeat occasions, 0 when `x = 0` (the
    /// Gamma-Gamma spend model's input).
    ///
    /// # Rounding
    /// As [`CustomerSummary::mean_spend`].
    pub fn zbar(&self) -> Decimal {
        if self.frequency == 0 {
            Decimal::ZERO
        } else {
            self.repeat_spend / Decimal::from(self.frequency)
        }
    }

    /// Distinct product categories bought in the calibration period.
    pub fn categories(&self) -> u32 {
        self.categories
    }

    /// Activity in the holdout period; `Some` (possibly all zero) whenever
    /// the summariser has a holdout end.
    pub fn holdout(&self) -> Option<&HoldoutActivity> {
        self.holdout.as_ref()
    }
}

/// A customer's purchases in the holdout period, grouped like the
/// calibration period's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct HoldoutActivity {
    pub(crate) purchases: u32,
    pub(crate) transactions: u32,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    pub(crate) spend: Decimal,
}

impl HoldoutActivity {
    /// Purchase occasions in the holdout period.
    pub fn purchases(&self) -> u32 {
        self.purchases
    }

    /// Transactions in the holdout period, before grouping.
    pub fn transactions(&self) -> u32 {
        self.transactions
    }

    /// Spend in the holdout period.
    pub fn spend(&self) -> Decimal {
        self.spend
    }
}

/// A customer whose first purchase falls in the holdout period: kept apart
/// from the calibration customers, never mixed in or dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct HoldoutOnlyCustomer {
    pub(crate) customer: CustomerId,
    pub(crate) first_purchase: Date,
    pub(crate) activity: HoldoutActivity,
}

impl HoldoutOnlyCustomer {
    /// The customer.
    pub fn customer(&self) -> CustomerId {
        self.customer
    }

    /// Day of the first purchase (after the calibration end).
    pub fn first_purchase(&self) -> Date {
        self.first_purchase
    }

    /// What the customer bought in the holdout period.
    pub fn activity(&self) -> &HoldoutActivity {
        &self.activity
    }
}

/// Transactions left out of a summary because they fall after its last day
/// (the holdout end, or the calibration end without a holdout).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Excluded {
    pub(crate) transactions: u64,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    pub(crate) amount: Decimal,
}

impl Excluded {
    /// How many transactions were left out.
    pub fn transactions(&self) -> u64 {
        self.transactions
    }

    /// Their total amount.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    pub(crate) fn add(&mut self, other: Excluded) -> Result<()> {
        self.transactions += other.transactions;
        self.amount = self
            .amount
            .checked_add(other.amount)
            .ok_or(Error::Overflow {
                what: "excluded amount",
            })?;
        Ok(())
    }
}

/// The summary of a transaction log: one [`CustomerSummary`] per customer
/// with a calibration purchase, sorted by customer id; the customers first
/// seen in the holdout period; and the transactions excluded as too late.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Summary {
    pub(crate) summarizer: Summarizer,
    pub(crate) customers: Vec<CustomerSummary>,
    pub(crate) holdout_only: Vec<HoldoutOnlyCustomer>,
    pub(crate) excluded: Excluded,
}

impl Summary {
    /// The per-customer rows, sorted by customer id.
    pub fn customers(&self) -> &[CustomerSummary] {
        &self.customers
    }

    /// The rows, by value.
    pub fn into_customers(self) -> Vec<CustomerSummary> {
        self.customers
    }

    /// One customer's row, if the customer bought in the calibration period.
    pub fn get(&self, customer: CustomerId) -> Option<&CustomerSummary> {
        self.customers
            .binary_search_by_key(&customer, |c| c.customer)
            .ok()
            .map(|i| &self.customers[i])
    }

    /// Customers whose first purchase is in the holdout period, sorted by id.
    pub fn holdout_only(&self) -> &[HoldoutOnlyCustomer] {
        &self.holdout_only
    }

    /// Transactions after the summary's last day, counted, not summarised.
    pub fn excluded(&self) -> &Excluded {
        &self.excluded
    }

    /// The options the summary was made with; the thread cap, which never
    /// changes results, is not recorded.
    pub fn summarizer(&self) -> &Summarizer {
        &self.summarizer
    }

    /// Unit of every time in the summary.
    pub fn unit(&self) -> TimeUnit {
        self.summarizer.unit
    }

    /// Length of the holdout period in the summary's unit, if there is one.
    pub fn holdout_duration(&self) -> Option<f64> {
        self.summarizer
            .holdout_end
            .map(|h| self.summarizer.elapsed(self.summarizer.calibration_end, h))
    }

    /// Number of customers with a calibration purchase.
    pub fn len(&self) -> usize {
        self.customers.len()
    }

    /// Whether no customer bought in the calibration period.
    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }
}

/// The serialised shape of a [`CustomerSummary`], checked on the way in.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomerSummaryRecord {
    customer: CustomerId,
    frequency: u32,
    transactions: u32,
    first_purchase: Date,
    last_purchase: Date,
    t_x: f64,
    #[serde(rename = "T")]
    age: f64,
    /// `T - t_x`; read under its former name `recency` too.
    #[serde(alias = "recency")]
    periods_since_last: f64,
    #[serde(with = "rust_decimal::serde::str")]
    total_spend: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    repeat_spend: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    mean_spend: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    zbar: Decimal,
    categories: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    holdout: Option<HoldoutActivity>,
}

#[cfg(feature = "serde")]
impl From<CustomerSummary> for CustomerSummaryRecord {
    fn from(c: CustomerSummary) -> CustomerSummaryRecord {
        CustomerSummaryRecord {
            periods_since_last: c.periods_since_last(),
            mean_spend: c.mean_spend(),
            zbar: c.zbar(),
            customer: c.customer,
            frequency: c.frequency,
            transactions: c.transactions,
            first_purchase: c.first_purchase,
            last_purchase: c.last_purchase,
            t_x: c.t_x,
            age: c.age,
            total_spend: c.total_spend,
            repeat_spend: c.repeat_spend,
            categories: c.categories,
            holdout: c.holdout,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<CustomerSummaryRecord> for CustomerSummary {
    type Error = Error;
    fn try_from(r: CustomerSummaryRecord) -> Result<CustomerSummary> {
        CustomerSummary::from_parts(SummaryParts {
            customer: r.customer,
            frequency: r.frequency,
            transactions: r.transactions,
            first_purchase: r.first_purchase,
            last_purchase: r.last_purchase,
            t_x: r.t_x,
            age: r.age,
            recency: Some(r.periods_since_last),
            total_spend: r.total_spend,
            repeat_spend: r.repeat_spend,
            mean_spend: Some(r.mean_spend),
            zbar: Some(r.zbar),
            categories: r.categories,
            holdout: r.holdout,
        })
    }
}

/// Every figure of a [`CustomerSummary`] as read from outside (serde, CSV),
/// with the derived ones optional: given ones are checked against the totals.
#[cfg_attr(not(any(feature = "serde", feature = "csv")), allow(dead_code))]
pub(crate) struct SummaryParts {
    pub(crate) customer: CustomerId,
    pub(crate) frequency: u32,
    pub(crate) transactions: u32,
    pub(crate) first_purchase: Date,
    pub(crate) last_purchase: Date,
    pub(crate) t_x: f64,
    pub(crate) age: f64,
    pub(crate) recency: Option<f64>,
    pub(crate) total_spend: Decimal,
    pub(crate) repeat_spend: Decimal,
    pub(crate) mean_spend: Option<Decimal>,
    pub(crate) zbar: Option<Decimal>,
    pub(crate) categories: u32,
    pub(crate) holdout: Option<HoldoutActivity>,
}

#[cfg_attr(not(any(feature = "serde", feature = "csv")), allow(dead_code))]
impl CustomerSummary {
    /// Checks figures read from outside for consistency and builds the row.
    pub(crate) fn from_parts(r: SummaryParts) -> Result<CustomerSummary> {
        let bad = |reason: String| Error::InvalidValue {
            what: "customer summary",
            reason: format!("customer {}: {reason}", r.customer),
        };
        if !(r.t_x >= 0.0 && r.t_x <= r.age && r.age.is_finite()) {
            return Err(bad(format!(
                "need 0 <= t_x <= T, got t_x {} and T {}",
                r.t_x, r.age
            )));
        }
        if let Some(recency) = r.recency {
            if !((r.age - r.t_x) - recency)
                .abs()
                .le(&(1e-9 * r.age.max(1.0)))
            {
                return Err(bad(format!("recency {recency} is not T - t_x")));
            }
        }
        if r.first_purchase > r.last_purchase {
            return Err(bad("first purchase after last purchase".into()));
        }
        if u64::from(r.transactions) <= u64::from(r.frequency) {
            return Err(bad("fewer transactions than purchase occasions".into()));
        }
        if r.frequency == 0 && (r.t_x != 0.0 || !r.repeat_spend.is_zero()) {
            return Err(bad("x = 0 needs t_x = 0 and no repeat spend".into()));
        }
        if r.repeat_spend.is_sign_negative() && !r.repeat_spend.is_zero()
            || r.repeat_spend > r.total_spend
        {
            return Err(bad("need 0 <= repeat spend <= total spend".into()));
        }
        let c = CustomerSummary {
            customer: r.customer,
            frequency: r.frequency,
            transactions: r.transactions,
            first_purchase: r.first_purchase,
            last_purchase: r.last_purchase,
            t_x: r.t_x,
            age: r.age,
            total_spend: r.total_spend,
            repeat_spend: r.repeat_spend,
            categories: r.categories,
            holdout: r.holdout,
        };
        // A given mean may be the exact quotient or a rounding of it to the
        // decimals it is written with (a summary written to cents).
        let agrees = |given: Decimal, exact: Decimal| {
            given == exact || {
                let half_ulp = Decimal::new(5, given.scale() + 1);
                given.scale() < 28 && (given - exact).abs() <= half_ulp
            }
        };
        if r.mean_spend.is_some_and(|m| !agrees(m, c.mean_spend()))
            || r.zbar.is_some_and(|z| !agrees(z, c.zbar()))
        {
            return Err(bad("mean spend or zbar disagrees with the totals".into()));
        }
        Ok(c)
    }
}
