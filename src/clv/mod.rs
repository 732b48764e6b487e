//! Discounted customer lifetime value (CLV) and customer equity
//! (the formulas, sources and conventions: [`clv::spec`](crate::clv::spec)).
//!
//! A customer's lifetime value is the present value of the margins they are
//! expected to bring while they stay (Gupta & Lehmann 2003, eq. 2 \[V\]):
//!
//! ```text
//! CLV = Σ_{t} m_t · P(still a customer when m_t is paid) / (1+i)^t
//! ```
//!
//! With a constant margin `m`, retention `r` and discount `i` per period the
//! sum collapses to `m` times a *margin multiple* that depends only on the
//! rates, the [`Timing`] of the cash flows and the [`Horizon`]. A
//! [`RetentionModel`] computes that multiple once, exactly in `Decimal`, and
//! then prices any number of customers with one multiplication each.
//!
//! # Timing conventions
//!
//! The same `m, r, i` give three different CLVs depending on when margins
//! are paid; published numbers differ mostly for this reason, so
//! [`Timing`] has no default. With `q = r/(1+i)`:
//!
//! | [`Timing`] | Cash flow | `T` periods | Infinite | m = 100, r = 0.8, i = 0.1, ∞ |
//! |---|---|---|---|---|
//! | [`EndOfPeriod`](Timing::EndOfPeriod) | end of t = 1..T, if retained through t | `m·Σ_{t=1}^{T} q^t` | `m·r/(1+i−r)` | 266.6667 |
//! | [`StartOfPeriod`](Timing::StartOfPeriod) | start of t = 0..T−1, current margin undiscounted | `m·Σ_{t=0}^{T−1} q^t` | `m·(1+i)/(1+i−r)` | 366.6667 |
//! | [`EndPaidIfAliveAtStart`](Timing::EndPaidIfAliveAtStart) | end of t = 1..T, if alive at its start | `m·Σ_{t=1}^{T} r^{t−1}/(1+i)^t` | `m/(1+i−r)` | 333.3333 |
//!
//! EndOfPeriod is Gupta & Lehmann's margin multiple \[V\]; StartOfPeriod is
//! the inner sum of Gupta, Lehmann & Stuart (2004) and the contribution term
//! of Berger & Nasr's case 1 \[R\]; EndPaidIfAliveAtStart is common in
//! textbooks \[D\]. `StartOfPeriod = m + EndOfPeriod` (infinite horizon).
//!
//! # Example
//!
//! ```
//! use customer_value::{CustomerId, Decimal, Scorer};
//! use customer_value::clv::{Horizon, MarginInput, RetentionModel, Rounding, Timing, round_cents};
//!
//! let model = RetentionModel::builder(Timing::EndOfPeriod, Horizon::Infinite)
//!     .retention(Decimal::new(8, 1)) // 80 % stay each year
//!     .discount(Decimal::new(1, 1))  // 10 % a year
//!     .build()?;
//! assert_eq!(round_cents(model.multiple(), Rounding::default()), Decimal::new(267, 2));
//!
//! let prospect = MarginInput::new(CustomerId::new(7), Decimal::new(100, 0))
//!     .with_acquisition_cost(Decimal::new(150, 0));
//! let score = model.score(&prospect)?;
//! assert_eq!(round_cents(score.gross(), Rounding::HalfEven), Decimal::new(26667, 2));
//! assert_eq!(round_cents(score.net(), Rounding::HalfEven), Decimal::new(11667, 2));
//! # Ok::<(), customer_value::Error>(())
//! ```
//!
//! # What is here
//!
//! - Rates, validated: [`RetentionRate`], [`DiscountRate`] (with
//!   [`DiscountRate::per_subperiod`] for annual-to-monthly conversion),
//!   [`GrowthRate`], [`Probability`], [`MarginRate`].
//! - The retention model: [`RetentionModel`] (built by
//!   [`RetentionModelBuilder`]) with [`Timing`], [`Horizon`] and
//!   [`GrowthIndexing`]; it is a [`Scorer`](crate::Scorer) of
//!   [`MarginInput`] rows giving a [`ClvScore`] (gross and net of
//!   acquisition cost). [`margin_multiple_grid`] tabulates `r/(1+i−r)`.
//! - Customer equity: [`customer_equity`], [`homogeneous_customer_equity`],
//!   [`RetentionModel::customer_equity`], cohorts
//!   ([`RetentionModel::cohort_equity`] with [`Cohort`], Gupta, Lehmann &
//!   Stuart \[R\]) and [`BlattbergDeighton`]'s customer equity test \[R\].
//! - Migration: [`MarkovModel`] over a [`TransitionMatrix`] (Pfeifer &
//!   Carraway), whose [`MarkovValues`] score [`StateInput`] rows.
//! - Lost and costly customers: [`second_lifetime_value`] and
//!   [`CostToServe`] (a [`Scorer`](crate::Scorer) of [`ServiceActivity`]).
//! - Berger & Nasr's case 1, `BergerNasrCase1`, behind the `berger_nasr`
//!   feature because the formula is recalled, not verified \[R\].
//! - Output: [`round_cents`] with a named [`Rounding`].
//!
//! # Numbers
//!
//! [The specification](crate::clv::spec#validation-and-numbers) asks for closed forms matching brute
//! force to 1e-12; this module computes in `Decimal` rather than `f64` (money in and
//! out, 28 significant digits), which meets that bound by a wide margin.
//! Every rate is per period, and all rates of one call must share the
//! period. Results are unrounded; every operation on user data is checked
//! and overflow is [`Error::Overflow`](crate::Error::Overflow), never a
//! panic, NaN or infinity.
//!
//! Status marks: \[V\] verified against a source, \[D\] derived here, \[R\]
//! recalled from the literature but unconfirmed, \[L\] this crate's
//! convention.
//!
//! # Citations
//!
//! - Gupta, S. & Lehmann, D.R. (2003) Customers as assets. *J. Interactive
//!   Marketing* 17(1):9–24.
//! - Gupta & Lehmann (2005) *Managing Customers as Investments*. Wharton
//!   School Publishing.
//! - Gupta, Lehmann & Stuart (2004) Valuing customers. *J. Marketing
//!   Research* 41(1):7–18.
//! - Berger, P.D. & Nasr, N.I. (1998) *J. Interactive Marketing* 12(1):17–30.
//! - Blattberg & Deighton (1996) *Harvard Business Review* 74(4):136–144.
//! - Pfeifer & Carraway (2000) Modeling customer relationships as Markov
//!   chains. *J. Interactive Marketing* 14(2):43–55.
//! - Stauss & Friege (1999) Regaining service customers. *J. Service
//!   Research* 1(4):347–361.

#[cfg(feature = "berger_nasr")]
mod berger_nasr;
mod equity;
mod markov;
mod math;
mod profit;
mod rates;
mod retention;
mod rounding;
pub mod spec;

#[cfg(feature = "berger_nasr")]
#[cfg_attr(docsrs, doc(cfg(feature = "berger_nasr")))]
pub use berger_nasr::BergerNasrCase1;
pub use equity::{BlattbergDeighton, Cohort, customer_equity, homogeneous_customer_equity};
pub use markov::{MarkovModel, MarkovValues, ROW_SUM_TOLERANCE, StateInput, TransitionMatrix};
pub use profit::{CostToServe, ServiceActivity, second_lifetime_value};
pub use rates::{DiscountRate, GrowthRate, MarginRate, Probability, RetentionRate};
pub use retention::{
    ClvScore, GrowthIndexing, Horizon, MarginInput, RetentionModel, RetentionModelBuilder, Timing,
    margin_multiple_grid,
};
pub use rounding::{Rounding, round_cents};
