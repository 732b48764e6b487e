//! Loyalty economics: why a retained customer is worth more each year
//! (Reichheld & Sasser 1990), and what a retention change is worth for the
//! caller's own profit curve ([`economics::spec`](crate::economics::spec)).
//!
//! Reichheld & Sasser split the profit a customer brings by tenure into an
//! acquisition cost paid once, and five sources that grow with tenure:
//! base profit, increased purchases, cost savings, referrals and a price
//! premium. They claim that keeping 5 % more customers raises profit by
//! 25 % to 85 % (later quoted as up to 95 %) in the industries they
//! studied. That figure depends entirely on the shape of the curve, so
//! the module computes it for a curve the caller supplies:
//!
//! ```text
//! cumulative_t = −A + π_1 + … + π_t                      (a customer who stays)
//! E[lifetime]  = Σ_t r^(t−1) = 1/(1 − r)                  (periods, counting the first)
//! NPV(r)       = −A + Σ_t π_t · r^(t−1) / (1+d)^t          (profit at the end of each period)
//! ```
//!
//! 1. The curve: a [`ProfitCurve`] of [`TenureProfit`] rows split by
//!    [`Component`], with its totals, [`ProfitCurve::cumulative`] curve,
//!    [`ProfitCurve::breakeven`] and [`ProfitCurve::component_totals`].
//! 2. Retention: [`expected_lifetime`] and [`retention_for_lifetime`].
//! 3. Value: [`RetentionEconomics`] (curve, discount, horizon and what
//!    follows the curve, [`Tail`]) gives the NPV of an acquired customer,
//!    the steady-state profit of a firm winning one customer a period, and
//!    [`RetentionEconomics::compare`] the [`RetentionEffect`] of a
//!    retention change.
//!
//! Rates come from [`clv`](crate::clv) ([`RetentionRate`](crate::clv::RetentionRate),
//! [`DiscountRate`](crate::clv::DiscountRate), [`Horizon`](crate::clv::Horizon)) and are per period
//! of the curve. Money is [`Decimal`](crate::Decimal), computed exactly
//! up to `Decimal`'s 28 digits; overflow is an error, never a panic.
//!
//! # Example
//!
//! The [worked example](crate::economics::spec#worked-example).
//!
//! ```
//! use customer_value::Decimal;
//! use customer_value::clv::{DiscountRate, Horizon, RetentionRate};
//! use customer_value::economics::{ProfitCurve, RetentionEconomics, Tail, TenureProfit};
//!
//! let d = |v: i64| Decimal::new(v, 0);
//! let curve = ProfitCurve::new(d(100), vec![
//!     TenureProfit::new(d(40)),
//!     TenureProfit::new(d(40)).with_increased_purchases(d(10)).with_cost_savings(d(5))
//!         .with_referrals(d(5)),
//!     TenureProfit::new(d(40)).with_increased_purchases(d(20)).with_cost_savings(d(10))
//!         .with_referrals(d(5)).with_price_premium(d(5)),
//! ])?;
//! assert_eq!(curve.cumulative()?, vec![d(-100), d(-60), d(0), d(80)]);
//! let economics = RetentionEconomics::new(
//!     curve, DiscountRate::new(Decimal::new(1, 1))?, Horizon::Infinite, Tail::RepeatLast);
//! let effect = economics.compare(
//!     RetentionRate::new(Decimal::new(5, 1))?,
//!     RetentionRate::new(Decimal::new(6, 1))?,
//! )?;
//! assert_eq!(effect.base_npv().round_dp(4), Decimal::new(-112948, 4)); // −4100/363
//! assert_eq!(effect.new_npv().round_dp(4), Decimal::new(137190, 4));   // 1660/121
//! assert_eq!(effect.npv_change_ratio(), None); // the base is a loss: no ratio
//! assert_eq!(effect.steady_state_change_ratio(), Some(Decimal::new(38, 1)));
//! # Ok::<(), customer_value::Error>(())
//! ```
//!
//! # Citations
//!
//! - Reichheld, F.F. & Sasser, W.E. Jr. (1990) Zero defections: quality
//!   comes to services. *Harvard Business Review* 68(5):105–111.
//! - Reichheld, F.F. (1996) *The Loyalty Effect*. Harvard Business School
//!   Press.

mod profile;
mod retention;
pub mod spec;

pub use profile::{Component, ProfitCurve, TenureProfit};
pub use retention::{
    RetentionEconomics, RetentionEffect, Tail, expected_lifetime, retention_for_lifetime,
};
