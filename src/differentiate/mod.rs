//! Customer differentiation: ranking customers by value (the rules,
//! sources and conventions: [`differentiate::spec`](crate::differentiate::spec)).
//!
//! IDIC (Peppers, Rogers & Dorf 1999, *Harvard Business Review*
//! 77(1):151-160) is the four-step one-to-one marketing cycle: **Identify**
//! customers, **Differentiate** them by value and needs, **Interact** with
//! them, **Customize** the offer. This module computes the "differentiate by
//! value" step:
//!
//! - [`Abc`]: ABC / Pareto classes, by customer count ([`Abc::by_count`])
//!   or by cumulative value share with an explicit [`Boundary`] rule
//!   ([`Abc::by_value`]); [`pareto_share`] answers "what share of the value
//!   do the top x % bring" directly and [`cumulative_shares`] gives the
//!   whole Pareto curve.
//! - [`Pyramid`]: the Platinum / Gold / Iron / Lead customer pyramid
//!   ([`PyramidTier`], with the Chinese textbook's 1 / 4 / 15 / 80 % as
//!   [`Pyramid::textbook`]).
//! - [`RankFlags`]: the "gold 5 %" key customers and the "bottom 20 %".
//! - [`ValueLoyaltyMatrix`]: the Reinartz & Kumar value x loyalty matrix
//!   ([`Quadrant`]: True Friends, Butterflies, Barnacles, Strangers).
//!
//! Inputs are [`CustomerValue`] rows (value: profit preferred, revenue
//! allowed) or, for the matrix, [`ValueLoyalty`] rows; both can be taken
//! from a [`CustomerSummary`](crate::CustomerSummary).
//!
//! Each classifier works two ways:
//!
//! - `classify(population)` applies the exact rank rules to a population
//!   and returns a [`TierAssignment`]: every customer's tier (as
//!   [`Scored`](crate::Scored), in input order) and a [`TierReport`] with
//!   each tier's count, share of customers, value and share of value;
//! - [`Fit::fit`](crate::Fit::fit) learns cut values ([`FittedAbc`],
//!   [`FittedPyramid`], [`FittedMatrix`]), a serialisable
//!   [`Scorer`](crate::Scorer) that places new customers later.
//!
//! Ranking sorts by value descending with ties in input order \[L\], so
//! results are deterministic. Money stays [`Decimal`](crate::Decimal) and
//! cut points are `Decimal` shares, so every rank rule is decided exactly.
//! Fitting or classifying an empty population is an
//! [`Error::InvalidValue`](crate::Error::InvalidValue).
//!
//! # Example
//!
//! ```
//! use customer_value::{CustomerId, Decimal};
//! use customer_value::differentiate::{Abc, AbcClass, Boundary, CustomerValue, pareto_share};
//!
//! // Ten customers' yearly profit.
//! let profit = [1200, 640, 900, 450, 300, 520, 150, 260, 90, 60];
//! let population: Vec<CustomerValue> = profit
//!     .iter()
//!     .enumerate()
//!     .map(|(i, &v)| CustomerValue::new(CustomerId::new(i as u64), Decimal::from(v)))
//!     .collect();
//!
//! // Differentiate: who are the A customers, and how much do they bring?
//! let abc = Abc::by_value_default(Boundary::Crossing).classify(&population)?;
//! let a = abc.report().get(AbcClass::A).unwrap();
//! assert_eq!((a.count(), a.value()), (5, Decimal::from(3710)));
//!
//! // The 80/20 question: the top 20 % (2 customers) bring 2100 of 4570.
//! let top = pareto_share(&population, Decimal::new(2, 1))?;
//! assert!((top - 2100.0 / 4570.0).abs() < 1e-15);
//! # Ok::<(), customer_value::Error>(())
//! ```

mod abc;
mod flags;
mod input;
mod matrix;
mod pyramid;
mod rank;
mod report;
pub mod spec;

pub use abc::{Abc, AbcClass, Basis, Boundary, FittedAbc, cumulative_shares, pareto_share};
pub use flags::{RankFlag, RankFlags};
pub use input::{CustomerValue, ValueLoyalty};
pub use matrix::{FittedMatrix, Quadrant, ValueLoyaltyMatrix};
pub use pyramid::{FittedPyramid, Pyramid, PyramidTier};
pub use report::{Tier, TierAssignment, TierReport, TierStats};
