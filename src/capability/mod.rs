//! The CRM capability scorecard: the courseware's indicator table as data,
//! scored from the caller's measurements into a composite with three
//! sub-scores, and the six influencing factors as a diagnostic
//! ([`capability::spec`](crate::capability::spec)).
//!
//! ```text
//! customer insight       feedback speed, depth of knowledge, analysis speed, analysis accuracy,
//!                        growth of the gold customers' share
//! customer creation      development speed, customisation breadth, lead time, cost, service level,
//!                        delivery speed, delivery flexibility, channel diversity, ease of use,
//!                        brand management
//! customer relationship  effect per investment, response lead time, churn speed,
//!                        complaint resolution time
//!
//! z_i        = min-max over the units (reversed when lower is better), or (x − worst)/(best − worst)
//! sub_g      = 100 Σ_{i in g} w_i z_i            (w_i: weight within the group)
//! composite  = Σ_g W_g sub_g = 100 Σ_i W_g(i) w_i z_i
//! ```
//!
//! 1. The table: [`Scorecard::standard`] (or the caller's own
//!    [`Scorecard`] of [`IndicatorDef`] rows, each with its [`Group`] and
//!    [`Direction`]).
//! 2. Weights: [`CapabilityWeights`] from the caller, equal, or AHP
//!    ([`CapabilityWeights::from_ahp`] with [`Ahp`](crate::loyalty::Ahp)
//!    results), or entropy over the units ([`Weighting::Entropy`]).
//! 3. Scores: a [`CapabilityModel`] ([`Normalisation`], [`Weighting`])
//!    scores [`Measurements`] into a [`CapabilityReport`] of
//!    [`UnitScore`]s.
//! 4. Diagnosis: the six [`Factor`]s rated by the caller, ranked, with the
//!    constraints below a threshold ([`FactorDiagnosis`]).
//!
//! The table and the factors are the courseware's \[V: courseware\]; how
//! they are scored is this crate's convention \[L\], in the spec.
//!
//! # Example
//!
//! The standard table, equal weights, two business units, one measurement
//! better in each group for the first unit.
//!
//! ```
//! use customer_value::capability::{CapabilityModel, CapabilityWeights, Group, Measurements,
//!     Normalisation, Scorecard, Weighting};
//!
//! let card = Scorecard::standard();
//! assert_eq!(card.len(), 19);
//! let mut a = vec![1.0; 19];
//! let b = vec![1.0; 19];
//! a[card.position("analysis_accuracy").unwrap()] = 2.0;   // higher is better
//! a[card.position("lead_time").unwrap()] = 0.5;           // lower is better
//! a[card.position("churn_speed").unwrap()] = 0.5;         // lower is better
//! let model = CapabilityModel::new(
//!     card.clone(),
//!     Normalisation::MinMax { fill: Some(0.5) }, // indicators where the units tie score 0.5
//!     Weighting::Given(CapabilityWeights::equal(&card)),
//! );
//! let report = model.score(&[Measurements::new("A", a), Measurements::new("B", b)])?;
//! // A, insight: 100 (1 + 4 · 0.5) / 5 = 60; creation: 100 (1 + 9 · 0.5) / 10 = 55;
//! // relationship: 100 (1 + 3 · 0.5) / 4 = 62.5; composite: their mean, 59.17.
//! let s = &report.units[0];
//! assert_eq!(format!("{:.2} {:.2} {:.2}", s.groups[0], s.groups[1], s.groups[2]), "60.00 55.00 62.50");
//! assert_eq!(format!("{:.2}", s.composite), "59.17");
//! # Ok::<(), customer_value::Error>(())
//! ```

mod factors;
mod score;
pub mod spec;
mod table;

pub use factors::{Factor, FactorDiagnosis};
pub use score::{
    Bounds, CapabilityModel, CapabilityReport, CapabilityWeights, Measurements, Normalisation,
    UnitScore, WEIGHT_SUM_TOLERANCE, Weighting,
};
pub use table::{Direction, Group, IndicatorDef, Scorecard};
