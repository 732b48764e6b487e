//! Profit by tenure: Reichheld & Sasser's six sources of a loyal
//! customer's profit, period by period, and the cumulative curve.

use crate::{Decimal, Error, Result};

/// One of the five sources of profit that Reichheld & Sasser (1990) see
/// in each year a customer stays ([spec](crate::economics::spec#profit-by-tenure)).
/// The sixth source, the acquisition cost, is paid once, before the first
/// period; it is [`ProfitCurve::acquisition_cost`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Component {
    /// The profit any customer brings in the period, whatever the tenure.
    BaseProfit,
    /// Extra profit from buying more as the relationship lengthens.
    IncreasedPurchases,
    /// Lower cost of serving a customer who knows the business.
    CostSavings,
    /// Profit from the new customers this customer refers.
    Referrals,
    /// The higher price a loyal customer accepts.
    PricePremium,
}

impl Component {
    /// The five components, in the order of Reichheld & Sasser's exhibit.
    pub const ALL: [Component; 5] = [
        Component::BaseProfit,
        Component::IncreasedPurchases,
        Component::CostSavings,
        Component::Referrals,
        Component::PricePremium,
    ];
}

/// The profit a customer still present brings in one period of tenure,
/// split by source ([spec](crate::economics::spec#profit-by-tenure)).
///
/// Any component may be negative (a price discount instead of a premium,
/// say); the total is their sum. Amounts are money per customer and
/// period, in the caller's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TenureProfit {
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    base_profit: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    increased_purchases: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    cost_savings: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    referrals: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    price_premium: Decimal,
}

impl TenureProfit {
    /// A period with only a base profit; add the other sources with the
    /// `with_*` methods.
    pub fn new(base_profit: Decimal) -> Self {
        Self {
            base_profit,
            ..Self::default()
        }
    }

    /// Sets the extra profit from increased purchases.
    pub fn with_increased_purchases(mut self, amount: Decimal) -> Self {
        self.increased_purchases = amount;
        self
    }

    /// Sets the saving in operating cost.
    pub fn with_cost_savings(mut self, amount: Decimal) -> Self {
        self.cost_savings = amount;
        self
    }

    /// Sets the profit from referrals.
    pub fn with_referrals(mut self, amount: Decimal) -> Self {
        self.referrals = amount;
        self
    }

    /// Sets the price premium.
    pub fn with_price_premium(mut self, amount: Decimal) -> Self {
        self.price_premium = amount;
        self
    }

    /// One component's amount.
    pub fn get(&self, component: Component) -> Decimal {
        match component {
            Component::BaseProfit => self.base_profit,
            Component::IncreasedPurchases => self.increased_purchases,
            Component::CostSavings => self.cost_savings,
            Component::Referrals => self.referrals,
            Component::PricePremium => self.price_premium,
        }
    }

    /// The period's profit: the sum of the five components.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] if the sum overflows `Decimal`.
    pub fn total(&self) -> Result<Decimal> {
        Component::ALL.iter().try_fold(Decimal::ZERO, |sum, &c| {
            sum.checked_add(self.get(c)).ok_or(Error::Overflow {
                what: "tenure profit total",
            })
        })
    }
}

/// A customer's profit curve by tenure: the acquisition cost paid before
/// the first period, then the [`TenureProfit`] of periods 1, 2, ... for
/// a customer who is still a customer in that period
/// ([spec](crate::economics::spec#profit-by-tenure)).
///
/// Serialises as `{ "acquisition_cost": "..", "periods": [..] }`;
/// deserialising checks like [`new`](Self::new).
///
/// # Example
///
/// ```
/// use customer_value::Decimal;
/// use customer_value::economics::{ProfitCurve, TenureProfit};
///
/// let d = |v: i64| Decimal::new(v, 0);
/// let curve = ProfitCurve::new(d(100), vec![
///     TenureProfit::new(d(40)),
///     TenureProfit::new(d(40)).with_increased_purchases(d(10)).with_cost_savings(d(5))
///         .with_referrals(d(5)),
/// ])?;
/// assert_eq!(curve.totals()?, vec![d(40), d(60)]);
/// assert_eq!(curve.cumulative()?, vec![d(-100), d(-60), d(0)]);
/// assert_eq!(curve.breakeven()?, Some(2)); // the cumulative profit reaches 0 in period 2
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawCurve", into = "RawCurve"))]
pub struct ProfitCurve {
    acquisition_cost: Decimal,
    periods: Vec<TenureProfit>,
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct RawCurve {
    #[serde(with = "rust_decimal::serde::str")]
    acquisition_cost: Decimal,
    periods: Vec<TenureProfit>,
}

#[cfg(feature = "serde")]
impl From<ProfitCurve> for RawCurve {
    fn from(c: ProfitCurve) -> Self {
        RawCurve {
            acquisition_cost: c.acquisition_cost,
            periods: c.periods,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<RawCurve> for ProfitCurve {
    type Error = Error;
    fn try_from(raw: RawCurve) -> Result<Self> {
        ProfitCurve::new(raw.acquisition_cost, raw.periods)
    }
}

impl ProfitCurve {
    /// Checks and builds a curve.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (`acquisition_cost`) when the cost is
    /// negative (a subsidy is not a cost: model it as period-1 profit);
    /// [`Error::EmptyInput`] when there is no period; [`Error::Overflow`]
    /// when a period's total overflows `Decimal`.
    pub fn new(acquisition_cost: Decimal, periods: Vec<TenureProfit>) -> Result<Self> {
        if acquisition_cost < Decimal::ZERO {
            return Err(Error::InvalidParameter {
                name: "acquisition_cost",
                value: acquisition_cost.to_string(),
                reason: "must be >= 0 (money spent to win the customer)",
            });
        }
        if periods.is_empty() {
            return Err(Error::EmptyInput {
                what: "profit curve",
                needs: "period of tenure",
            });
        }
        for p in &periods {
            p.total()?;
        }
        Ok(Self {
            acquisition_cost,
            periods,
        })
    }

    /// The acquisition cost, paid once at time 0 (a positive amount).
    pub fn acquisition_cost(&self) -> Decimal {
        self.acquisition_cost
    }

    /// The periods of tenure: index 0 is period 1.
    pub fn periods(&self) -> &[TenureProfit] {
        &self.periods
    }

    /// The number of periods the curve gives, `L`.
    pub fn len(&self) -> usize {
        self.periods.len()
    }

    /// Always `false`: a curve has at least one period.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Each period's total profit `π_t`, `t = 1..L`.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] if a sum overflows.
    pub fn totals(&self) -> Result<Vec<Decimal>> {
        self.periods.iter().map(TenureProfit::total).collect()
    }

    /// The cumulative profit of a customer who stays, undiscounted:
    /// entry 0 is `−A` (the acquisition cost), entry `t` is
    /// `−A + π_1 + … + π_t` ([spec](crate::economics::spec#cumulative-curve-and-breakeven)).
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] if a sum overflows.
    pub fn cumulative(&self) -> Result<Vec<Decimal>> {
        let mut out = Vec::with_capacity(self.periods.len() + 1);
        let mut sum = -self.acquisition_cost;
        out.push(sum);
        for p in &self.periods {
            sum = sum.checked_add(p.total()?).ok_or(Error::Overflow {
                what: "cumulative profit",
            })?;
            out.push(sum);
        }
        Ok(out)
    }

    /// The first period `t >= 1` at whose end the cumulative profit is
    /// at least 0 (the acquisition cost is paid back), or `None` if it
    /// never is within the curve. With no acquisition cost, period 1 when
    /// `π_1 >= 0`.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] if a sum overflows.
    pub fn breakeven(&self) -> Result<Option<u32>> {
        let cumulative = self.cumulative()?;
        Ok(cumulative
            .iter()
            .enumerate()
            .skip(1)
            .find(|(_, c)| **c >= Decimal::ZERO)
            .map(|(t, _)| u32::try_from(t).unwrap_or(u32::MAX)))
    }

    /// Each component summed over the curve's periods (undiscounted, for
    /// a customer who stays all `L` periods), in [`Component::ALL`]
    /// order: where a loyal customer's profit comes from.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] if a sum overflows.
    pub fn component_totals(&self) -> Result<[(Component, Decimal); 5]> {
        let mut out = Component::ALL.map(|c| (c, Decimal::ZERO));
        for p in &self.periods {
            for (c, sum) in &mut out {
                *sum = sum.checked_add(p.get(*c)).ok_or(Error::Overflow {
                    what: "component total",
                })?;
            }
        }
        Ok(out)
    }
}
