//! Win-back value and customer profitability with a cost to serve.

use crate::{CustomerId, CustomerSummary, Decimal, Error, Keyed, Result, Scorer};

use super::math;
use super::rates::{MarginRate, Probability};

/// The second lifetime value of a lost customer, after Stauss & Friege
/// (1999), in this crate's expected-value form \[L\]:
///
/// ```text
/// SLTV = P(win-back) × CLV after win-back − win-back cost
/// ```
///
/// The win-back cost is spent whether or not the customer returns, at the
/// same time the CLV after win-back is valued (so it is not discounted
/// here). Stauss & Friege's second lifetime value also counts referral
/// and cost-saving components \[R\]; fold those into `clv_after_win_back`.
///
/// Citation: Stauss, B. & Friege, C. (1999) Regaining service customers:
/// costs and benefits of regain management. *J. Service Research*
/// 1(4):347–361.
///
/// # Errors
///
/// [`Error::Overflow`] when the arithmetic exceeds `Decimal`.
///
/// # Example
///
/// ```
/// use customer_value::{Decimal, clv::{Probability, second_lifetime_value}};
///
/// let p = Probability::new(Decimal::new(25, 2))?;
/// let sltv = second_lifetime_value(p, Decimal::new(400, 0), Decimal::new(30, 0))?;
/// assert_eq!(sltv, Decimal::new(70, 0));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn second_lifetime_value(
    win_back: Probability,
    clv_after_win_back: Decimal,
    win_back_cost: Decimal,
) -> Result<Decimal> {
    const WHAT: &str = "second lifetime value";
    math::sub(
        math::mul(win_back.get(), clv_after_win_back, WHAT)?,
        win_back_cost,
        WHAT,
    )
}

/// What serving customers costs, for [customer profitability](CostToServe::profit):
///
/// ```text
/// profit = revenue × margin rate − cost per transaction × transactions − cost per contact × contacts
/// ```
///
/// A single-period, undiscounted accounting figure (activity-based
/// costing in its simplest form) \[L\].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawCost", into = "RawCost"))]
pub struct CostToServe {
    margin_rate: MarginRate,
    cost_per_transaction: Decimal,
    cost_per_contact: Decimal,
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct RawCost {
    margin_rate: MarginRate,
    #[serde(with = "rust_decimal::serde::str")]
    cost_per_transaction: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    cost_per_contact: Decimal,
}

#[cfg(feature = "serde")]
impl From<CostToServe> for RawCost {
    fn from(c: CostToServe) -> Self {
        RawCost {
            margin_rate: c.margin_rate,
            cost_per_transaction: c.cost_per_transaction,
            cost_per_contact: c.cost_per_contact,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<RawCost> for CostToServe {
    type Error = Error;
    fn try_from(raw: RawCost) -> Result<Self> {
        CostToServe::new(
            raw.margin_rate,
            raw.cost_per_transaction,
            raw.cost_per_contact,
        )
    }
}

impl CostToServe {
    /// Checks and builds the cost parameters.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (`cost per transaction`, `cost per
    /// contact`) when a cost is negative.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, clv::{CostToServe, MarginRate}};
    ///
    /// let costs = CostToServe::new(MarginRate::new(Decimal::new(3, 1))?, Decimal::new(2, 0), Decimal::new(5, 0))?;
    /// // 1000 revenue at 30 %, 12 transactions at 2, 4 contacts at 5.
    /// assert_eq!(costs.profit(Decimal::new(1000, 0), 12, 4)?, Decimal::new(256, 0));
    /// assert!(CostToServe::new(MarginRate::new(Decimal::ONE)?, Decimal::NEGATIVE_ONE, Decimal::ZERO).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(
        margin_rate: MarginRate,
        cost_per_transaction: Decimal,
        cost_per_contact: Decimal,
    ) -> Result<Self> {
        if cost_per_transaction < Decimal::ZERO {
            return Err(Error::InvalidParameter {
                name: "cost per transaction",
                value: cost_per_transaction.to_string(),
                reason: "must be >= 0",
            });
        }
        if cost_per_contact < Decimal::ZERO {
            return Err(Error::InvalidParameter {
                name: "cost per contact",
                value: cost_per_contact.to_string(),
                reason: "must be >= 0",
            });
        }
        Ok(Self {
            margin_rate,
            cost_per_transaction,
            cost_per_contact,
        })
    }

    /// The margin rate.
    pub fn margin_rate(&self) -> MarginRate {
        self.margin_rate
    }

    /// The cost of handling one transaction.
    pub fn cost_per_transaction(&self) -> Decimal {
        self.cost_per_transaction
    }

    /// The cost of one contact (a call, a mailing, a visit).
    pub fn cost_per_contact(&self) -> Decimal {
        self.cost_per_contact
    }

    /// A customer's profit: revenue × margin rate − cost per transaction ×
    /// transactions − cost per contact × contacts.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the arithmetic exceeds `Decimal`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, clv::{CostToServe, MarginRate}};
    ///
    /// let costs = CostToServe::new(MarginRate::new(Decimal::new(2, 1))?, Decimal::new(3, 0), Decimal::ZERO)?;
    /// assert_eq!(costs.profit(Decimal::new(100, 0), 10, 0)?, Decimal::new(-10, 0)); // costs more than it earns
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn profit(&self, revenue: Decimal, transactions: u32, contacts: u32) -> Result<Decimal> {
        const WHAT: &str = "customer profit";
        let margin = math::mul(revenue, self.margin_rate.get(), WHAT)?;
        let serving = math::mul(self.cost_per_transaction, Decimal::from(transactions), WHAT)?;
        let contacting = math::mul(self.cost_per_contact, Decimal::from(contacts), WHAT)?;
        math::sub(math::sub(margin, serving, WHAT)?, contacting, WHAT)
    }
}

/// One customer's activity for [`CostToServe`]: revenue, transactions and
/// contacts over the same period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ServiceActivity {
    customer: CustomerId,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    revenue: Decimal,
    transactions: u32,
    contacts: u32,
}

impl ServiceActivity {
    /// A customer's activity (any revenue, refunds netted included).
    pub const fn new(
        customer: CustomerId,
        revenue: Decimal,
        transactions: u32,
        contacts: u32,
    ) -> Self {
        Self {
            customer,
            revenue,
            transactions,
            contacts,
        }
    }

    /// Activity from a summary row: revenue = total spend, transactions =
    /// [`CustomerSummary::transactions`] (before grouping same-time
    /// purchases), with the contacts (which a transaction log does not
    /// record) given by the caller.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{CustomerId, Date, Decimal, Summarizer, Transaction};
    /// use customer_value::clv::ServiceActivity;
    ///
    /// let c = CustomerId::new(1);
    /// let day = Date::parse("2024-01-01")?;
    /// let log = [Transaction::new(c, day, Decimal::new(100, 0)), Transaction::new(c, day, Decimal::new(50, 0))];
    /// let summary = Summarizer::builder(Date::parse("2024-01-31")?).build()?.summarize(&log)?;
    /// let activity = ServiceActivity::from_summary(&summary.customers()[0], 3);
    /// assert_eq!((activity.revenue(), activity.transactions(), activity.contacts()), (Decimal::new(150, 0), 2, 3));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_summary(row: &CustomerSummary, contacts: u32) -> Self {
        Self::new(
            row.customer(),
            row.total_spend(),
            row.transactions(),
            contacts,
        )
    }

    /// The customer.
    pub fn customer(&self) -> CustomerId {
        self.customer
    }

    /// Revenue.
    pub fn revenue(&self) -> Decimal {
        self.revenue
    }

    /// Transactions.
    pub fn transactions(&self) -> u32 {
        self.transactions
    }

    /// Contacts.
    pub fn contacts(&self) -> u32 {
        self.contacts
    }
}

impl Keyed for ServiceActivity {
    fn customer(&self) -> CustomerId {
        self.customer
    }
}

/// Scores a customer's profit with [`CostToServe::profit`].
///
/// # Errors
///
/// [`Error::Overflow`] when the arithmetic exceeds `Decimal`.
impl Scorer for CostToServe {
    type Input = ServiceActivity;
    type Score = Decimal;

    fn score(&self, input: &ServiceActivity) -> Result<Decimal> {
        self.profit(input.revenue, input.transactions, input.contacts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn cost_to_serve_validation() {
        let rate = MarginRate::new(d("0.3")).unwrap();
        let ok = CostToServe::new(rate, d("1"), d("2")).unwrap();
        assert_eq!(
            (
                ok.margin_rate(),
                ok.cost_per_transaction(),
                ok.cost_per_contact()
            ),
            (rate, d("1"), d("2"))
        );
        assert!(matches!(
            CostToServe::new(rate, d("-1"), d("2")),
            Err(Error::InvalidParameter {
                name: "cost per transaction",
                ..
            })
        ));
        assert!(matches!(
            CostToServe::new(rate, d("1"), d("-2")),
            Err(Error::InvalidParameter {
                name: "cost per contact",
                ..
            })
        ));
    }

    #[test]
    fn profit_and_scorer() {
        let costs = CostToServe::new(MarginRate::new(d("0.5")).unwrap(), d("1"), d("2")).unwrap();
        let a = ServiceActivity::new(CustomerId::new(4), d("100"), 3, 2);
        assert_eq!(costs.score(&a).unwrap(), d("43"));
        assert_eq!(a.customer(), CustomerId::new(4));
        let all_margin =
            CostToServe::new(MarginRate::new(d("1")).unwrap(), d("1"), d("2")).unwrap();
        let huge = ServiceActivity::new(CustomerId::new(4), Decimal::MIN, 3, 2);
        assert!(matches!(
            all_margin.score(&huge),
            Err(Error::Overflow { .. })
        ));
    }

    #[test]
    fn win_back() {
        let p = Probability::new(d("0.5")).unwrap();
        assert_eq!(
            second_lifetime_value(p, d("100"), d("10")).unwrap(),
            d("40")
        );
        assert!(second_lifetime_value(p, Decimal::MAX, Decimal::MIN).is_err());
    }
}
