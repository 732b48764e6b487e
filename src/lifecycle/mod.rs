//! Customer lifecycle stages and churn early warning (the stages and the
//! stage rule, with sources: [`lifecycle::spec`](crate::lifecycle::spec)).
//!
//! A relationship passes through stages: the Chinese CRM textbooks'
//! 考察期 exploration, 形成期 formation, 稳定期 stability and 退化期
//! decline (often attributed to 陈明亮 2003), which correspond roughly to
//! Dwyer, Schurr & Oh's (1987) exploration, expansion, commitment and
//! dissolution. This module assigns a [`LifecycleStage`](crate::LifecycleStage)
//! from a customer's history and warns about customers who are slipping
//! away:
//!
//! - Histories: [`PeriodHistory`] is one customer's per-period values
//!   `v_1..v_T` (spend, or a purchase count) since the first purchase;
//!   [`PeriodHistories`] holds many in one flat buffer with offsets, built
//!   from slices or from a transaction log by
//!   [`PeriodHistories::from_transactions`] with [`HistoryOptions`].
//! - Stages: [`StageRule`] is the rule, as data (serialisable, validated).
//!   Its one rule today is the library's own `WindowTrend` heuristic
//!   \[L\] ([`WindowTrend`]; defaults for monthly periods `w` = 3, `E` = 3,
//!   `θ` = 0.2, decline after `K` = 6 idle periods, churned after `C` = 12,
//!   and a recent buyer is not put in decline by a falling trend;
//!   [`WindowTrend::for_unit`] for other periods). Each result is a
//!   [`StageAssignment`]: the stage and the [`StageReason`] with its
//!   numbers. [`StageRule`] is a [`Scorer`](crate::Scorer), and
//!   [`StageRule::assign_all`] scores a whole population on all cores.
//! - Early warning: [`RecencyRule`] (time since the last purchase, with the
//!   course material's 12- and 24-week example as a preset) and
//!   [`PAliveRule`] (a model's probability of being alive) turn a
//!   [`ChurnInput`] into a [`ChurnWarning`]: a [`RiskLevel`] and the
//!   [`RiskReason`]. [`EarlyWarning`] takes the worse of both.
//! - Lost customers: [`ChurnReason`] tags why a customer left, with the
//!   survey shares the course material quotes, and [`ChurnReasonReport`]
//!   tallies the tags.
//! - Complaints: [`ComplaintModel`] estimates silent dissatisfaction from
//!   complaint counts and the customers kept after complaints.
//!
//! Values and probabilities are `f64`: the stage rules compare means, the
//! warnings compare times and probabilities, and no money flows out.
//!
//! # Example
//!
//! ```
//! use customer_value::{CustomerId, Date, Decimal, LifecycleStage, TimeUnit, Transaction};
//! use customer_value::lifecycle::{HistoryOptions, PeriodHistories, StageRule, WindowTrend};
//!
//! // Two customers' monthly-ish spend, in 30-day periods.
//! let day = |s: &str| Date::parse(s);
//! let (a, b) = (CustomerId::new(1), CustomerId::new(2));
//! let mut log = Vec::new();
//! for (k, spend) in [100, 100, 110, 150, 160, 170].into_iter().enumerate() {
//!     let date = day("2024-01-01")?.checked_add_days(30 * k as i32)?;
//!     log.push(Transaction::new(a, date, Decimal::from(spend)));
//! }
//! log.push(Transaction::new(b, day("2024-01-01")?, Decimal::from(80)));
//!
//! let opts = HistoryOptions::new(day("2024-06-28")?, TimeUnit::days(30)?).anchor(day("2024-01-01")?);
//! let histories = PeriodHistories::from_transactions(&log, &opts)?;
//! assert_eq!(histories.series(0), Some(&[100.0, 100.0, 110.0, 150.0, 160.0, 170.0][..]));
//!
//! // Decline after 3 idle periods, churned after 5 (the defaults, for months: 6 and 12).
//! let rule = StageRule::from(WindowTrend::builder().inactivity_limit(3).churned_limit(5).build()?);
//! let stages: Vec<LifecycleStage> = rule.assign_all(&histories)?.iter().map(|s| s.stage()).collect();
//! // a: mean 160 vs 103.3, up more than 20 %: formation. b: idle 5 periods.
//! assert_eq!(stages, [LifecycleStage::Formation, LifecycleStage::Churned]);
//! # Ok::<(), customer_value::Error>(())
//! ```

mod complaint;
mod history;
mod reason;
pub mod spec;
mod stage;
mod warning;

pub use complaint::{ComplaintModel, ComplaintModelBuilder, RetainedEstimate};
pub use history::{HistoryOptions, PeriodHistories, PeriodHistory, PeriodValue};
pub use reason::{ChurnReason, ChurnReasonReport, ReasonRow};
pub use stage::{StageAssignment, StageReason, StageRule, WindowTrend, WindowTrendBuilder};
pub use warning::{
    ChurnInput, ChurnWarning, EarlyWarning, PAliveRule, RecencyRule, RecencyThreshold, RiskLevel,
    RiskReason,
};
