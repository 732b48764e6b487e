//! The loyalty ladder: purchaser, customer, supporter, advocate, partner,
//! from behaviour, by caller-tunable rules, and the migration between
//! rungs from one date to another ([`ladder::spec`](crate::ladder::spec)).
//!
//! The ladder (Christopher, Payne & Ballantyne 1991; Raphel & Raphel
//! 1995) describes how a relationship deepens. The courseware names the
//! rungs and five traits of loyal customers: regular repeat purchase,
//! cross-buying, referrals, resistance to competitors' offers and
//! tolerance of service failures. The module turns them into rules:
//!
//! ```text
//! Prospect   no purchase in the window                      [L]
//! Purchaser  at least one purchase
//! Customer   + repeat purchase (>= 2 purchases, optionally >= k active periods)
//! Supporter  + cross-buying and (competitor resistance or failure tolerance)
//! Advocate   + referral
//! Partner    + partnership
//! ```
//!
//! 1. Behaviour: a [`Behaviour`] row per customer, with counts over the
//!    caller's window (purchases and categories can come from a
//!    [`CustomerSummary`](crate::CustomerSummary)).
//! 2. Traits: [`Thresholds`] turn counts into a [`TraitSet`] of
//!    [`Trait`]s; every threshold is a setting.
//! 3. Rungs: [`LadderRules`], a [`Scorer`](crate::Scorer) with one
//!    [`Requirement`] per rung above Purchaser, gives each row its
//!    [`Rung`]; rungs are never skipped.
//! 4. Migration: [`Migration::between`] two dates' rungs counts the moves
//!    (a 6 × 6 table), with shares and a
//!    [`TransitionMatrix`](crate::clv::TransitionMatrix) for the Markov
//!    model.
//!
//! The rungs and traits are the courseware's \[V: courseware\]; the rules
//! that link them are this crate's \[L\], stated in the spec.
//!
//! # Example
//!
//! The [worked example](crate::ladder::spec#worked-example).
//!
//! ```
//! use customer_value::{CustomerId, Scorer};
//! use customer_value::ladder::{Behaviour, LadderRules, Migration, Rung};
//!
//! let rules = LadderRules::default();
//! let c = CustomerId::new;
//! let january = [
//!     Behaviour::new(c(1), 1),
//!     Behaviour::new(c(2), 3).with_categories(2).with_failures_tolerated(1),
//!     Behaviour::new(c(3), 4),
//! ];
//! let june = [
//!     Behaviour::new(c(1), 2),
//!     Behaviour::new(c(2), 5).with_categories(3).with_failures_tolerated(1).with_referrals(1),
//!     Behaviour::new(c(3), 0),
//! ];
//! let before = rules.score_keyed(&january)?;
//! let after = rules.score_keyed(&june)?;
//! assert_eq!(before.iter().map(|s| s.score).collect::<Vec<_>>(),
//!            [Rung::Purchaser, Rung::Supporter, Rung::Customer]);
//! assert_eq!(after.iter().map(|s| s.score).collect::<Vec<_>>(),
//!            [Rung::Customer, Rung::Advocate, Rung::Prospect]);
//! let moves = Migration::between(&before, &after)?;
//! assert_eq!(moves.count(Rung::Supporter, Rung::Advocate), 1);
//! assert_eq!((moves.up(), moves.down()), (2, 1));
//! # Ok::<(), customer_value::Error>(())
//! ```
//!
//! # Citations
//!
//! - Christopher, M., Payne, A. & Ballantyne, D. (1991) *Relationship
//!   Marketing*. Butterworth-Heinemann.
//! - Raphel, M. & Raphel, N. (1995) *Up the Loyalty Ladder*. HarperBusiness.

mod migration;
mod rules;
pub mod spec;

pub use migration::Migration;
pub use rules::{Behaviour, LadderRules, Requirement, Rung, Thresholds, Trait, TraitSet};
