//! Loyalty index: nine weighted indicators in three sub-systems
//! ([`loyalty::spec`](crate::loyalty::spec)), and the courseware's loyalty classifications.
//!
//! The CRM courseware measures loyalty with a hierarchy of three
//! sub-systems and nine indicators ([`IndicatorGroup`], [`Indicator`]):
//!
//! ```text
//! A1 relationship duration: A11 purchase duration, A12 purchase frequency, A13 frequency trend
//! A2 spending:              A21 share of wallet, A22 cross-buying
//! A3 emotional:             A31 mention/recommendation rate, A32 price sensitivity (reverse),
//!                           A33 satisfaction, A34 purchase voluntariness
//!
//! index = 100 · Σ_leaf W_leaf · z_leaf,   W_leaf = w_parent × w_child,   Σ W = 1
//! ```
//!
//! The pipeline, one step per type:
//!
//! 1. Values: [`IndicatorValues`], one row per customer, each indicator
//!    present or missing. A11, A12 and A22 come from a
//!    [`CustomerSummary`](crate::CustomerSummary)
//!    ([`IndicatorValuesBuilder::from_summary`]); A13 is the slope of
//!    per-period purchase counts ([`purchase_counts`],
//!    [`frequency_trend`]); A21, A31, A32, A33 (a mean satisfaction, say)
//!    and A34 are survey inputs the caller sets.
//! 2. Weights: [`Weights`], from the caller, from AHP ([`Ahp`]: the
//!    eigenvector with λ_max, CI and CR, or the geometric-mean and
//!    column-normalised approximations; [`RandomIndex`] tables), or from
//!    entropy ([`EntropyWeights`]).
//! 3. Normalisation: a [`Normaliser`] learns each indicator's min and max
//!    over the population (min-max, reverse for A32) and returns a
//!    [`FittedNormaliser`].
//! 4. The index: [`LoyaltyModel`] (weights, [`MissingPolicy`],
//!    normaliser) fits a [`LoyaltyIndex`], a serialisable
//!    [`Scorer`](crate::Scorer) giving each customer a [`LoyaltyScore`]:
//!    the 0-100 index and its A1/A2/A3 sub-indices.
//! 5. Classifications: the five [`LoyaltyType`]s from
//!    [`LoyaltySignals`], and [`DickBasu`]'s attitude x repeat-patronage
//!    matrix ([`DickBasuClass`]).
//!
//! Missing indicators are never zero-filled: they are an error
//! ([`MissingPolicy::Error`], the default) or dropped with the remaining
//! weights renormalised ([`MissingPolicy::DropAndRenormalise`]), the
//! caller's explicit choice.
//!
//! The hierarchy is the courseware's \[V\]; the way the index is computed
//! (normalisation, weighting, sub-indices, missing values) is this crate's
//! convention \[L\], stated at each type.
//!
//! # Example
//!
//! The [worked example](crate::loyalty::spec#worked-example): AHP weights per level, three
//! customers.
//!
//! ```
//! use customer_value::{CustomerId, Fit, Scorer};
//! use customer_value::loyalty::{
//!     Ahp, DickBasu, DickBasuClass, IndicatorValues, LoyaltyModel, MissingPolicy, Weights,
//! };
//!
//! let top = Ahp::new(&[[1.0, 2.0, 3.0], [1.0 / 2.0, 1.0, 2.0], [1.0 / 3.0, 1.0 / 2.0, 1.0]])?;
//! let a1 = Ahp::new(&[[1.0, 3.0, 5.0], [1.0 / 3.0, 1.0, 3.0], [1.0 / 5.0, 1.0 / 3.0, 1.0]])?;
//! let a2 = Ahp::new(&[[1.0, 2.0], [1.0 / 2.0, 1.0]])?;
//! let a3 = Ahp::new(&[
//!     [1.0, 2.0, 3.0, 2.0],
//!     [1.0 / 2.0, 1.0, 2.0, 1.0],
//!     [1.0 / 3.0, 1.0 / 2.0, 1.0, 1.0 / 2.0],
//!     [1.0 / 2.0, 1.0, 2.0, 1.0],
//! ])?;
//! let top = top.eigenvector()?;
//! assert_eq!(format!("{:.4}", top.cr()), "0.0079"); // consistent: CR < 0.10
//! let weights = Weights::from_ahp(&top, &a1.eigenvector()?, &a2.eigenvector()?, &a3.eigenvector()?)?;
//!
//! let customers = [
//!     [36.0, 12.0, 1.0, 0.6, 5.0, 0.5, 2.0, 6.5, 6.0],
//!     [12.0, 4.0, -2.0, 0.2, 1.0, 0.1, 6.0, 4.0, 3.0],
//!     [24.0, 8.0, 0.5, 0.4, 3.0, 0.3, 4.0, 5.5, 5.0],
//! ]
//! .iter()
//! .enumerate()
//! .map(|(i, v)| IndicatorValues::new(CustomerId::new(i as u64 + 1), v.map(Some)))
//! .collect::<Result<Vec<_>, _>>()?;
//!
//! let index = LoyaltyModel::new(weights, MissingPolicy::Error).fit(&customers)?;
//! let scores = index.score_all(&customers)?;
//! let shown: Vec<String> = scores.iter().map(|s| format!("{:.2}", s.index())).collect();
//! assert_eq!(shown, ["100.00", "0.00", "52.70"]);
//! assert_eq!(DickBasu::default().classify_score(&scores[2])?, DickBasuClass::True);
//! # Ok::<(), customer_value::Error>(())
//! ```

// Checks are written so that NaN fails them, `!(x > 0.0)` (STYLE.md 2).
#![allow(clippy::neg_cmp_op_on_partial_ord)]

mod ahp;
mod classify;
mod derive;
mod entropy;
mod index;
mod indicator;
mod normalise;
pub mod spec;
mod weights;

pub use ahp::{Ahp, AhpMethod, AhpResult, RandomIndex};
pub use classify::{DickBasu, DickBasuClass, LoyaltySignals, LoyaltyType};
pub use derive::{PurchaseCounts, frequency_trend, purchase_counts};
pub use entropy::EntropyWeights;
pub use index::{LoyaltyIndex, LoyaltyModel, LoyaltyScore, MissingPolicy};
pub use indicator::{Indicator, IndicatorGroup, IndicatorValues, IndicatorValuesBuilder};
pub use normalise::{FittedNormaliser, Normaliser};
pub use weights::Weights;
