//! Customer satisfaction: the seven-level scale, survey statistics, the
//! ACSI-style index, Kano classification and the satisfaction trap
//! (the formulas, sources and conventions: [`satisfaction::spec`](crate::satisfaction::spec)).
//!
//! Satisfaction is how a customer's experience compares with their
//! expectations. The courseware measures it on seven levels, from 很不满意
//! (very dissatisfied) to 很满意 (very satisfied), each with typical
//! feelings and behaviour (indignant and spreading negative word of mouth
//! at one end, grateful and advocating at the other). This module turns
//! survey answers into the figures textbooks and practitioners report:
//!
//! - [`SatisfactionLevel`]: the seven levels with their Chinese and English
//!   labels and characteristics, numbered 1-7, with documented conversions
//!   from five-level and 0-10 answers \[L\].
//! - [`Distribution`]: one item's response counts and their statistics:
//!   mean, standard deviation, top-2-box, bottom-2-box, shares and the
//!   0-100 CSI. Counting is fast (ten million answers in a few
//!   milliseconds on one core) and distributions of shards merge exactly.
//! - [`LevelScores`]: a caller's points per level (such as 100 / 80 / 60 /
//!   30 / 0), a [`Scorer`](crate::Scorer) over levels, and their mean.
//! - [`ItemWeights`] and [`Scale`]: the weighted overall score of several
//!   items, `S = Σ λ_j S_j`, and the ACSI-style 0-100 index with caller
//!   weights (Fornell et al. 1996).
//! - Kano (Kano et al. 1984): [`KanoAnswer`], the evaluation table
//!   [`kano_category`], and a mergeable [`KanoTally`] per attribute with
//!   its category (the mode, ties M > O > A > I > R > Q) and the Berger et
//!   al. (1993) Better / Worse coefficients.
//! - The satisfaction trap: satisfied customers who still leave.
//!   [`SatisfactionCrossTab`] cross-tabulates levels against a loyalty tier
//!   or churn flag, and [`TrapReport`] counts the satisfied-but-lost.
//!
//! Every statistic of no responses is an
//! [`Error::InvalidValue`](crate::Error::InvalidValue), never NaN; answers
//! out of range are errors that name the answer's position and value.
//! Items marked \[L\] are this crate's conventions, \[R\] recalled from the
//! literature and not yet checked against the source.
//!
//! # Example
//!
//! ```
//! use customer_value::satisfaction::{
//!     Distribution, ItemWeights, KanoAnswer::*, KanoCategory, KanoTally, SatisfactionCrossTab,
//!     SatisfactionLevel,
//! };
//!
//! // One item, answered 1-7 by eight customers.
//! let answers = [7, 6, 6, 5, 4, 6, 2, 7];
//! let item = Distribution::from_scores(&answers)?;
//! assert_eq!(item.mean()?, 5.375);
//! assert_eq!(item.top_two_box()?, 0.625);
//! assert!((item.csi()? - 72.916_666_666_666_67).abs() < 1e-12);
//!
//! // The ACSI from three items' 1-10 means and caller weights.
//! let acsi = ItemWeights::new(&[0.36, 0.32, 0.32])?.acsi(&[8.2, 7.6, 7.9])?;
//! assert!((acsi - 76.8).abs() < 1e-9);
//!
//! // Kano: three respondents' (functional, dysfunctional) answers.
//! let kano = KanoTally::from_answers(&[(Like, Neutral), (Like, LiveWith), (Like, Dislike)]);
//! assert_eq!(kano.category()?, KanoCategory::Attractive);
//!
//! // The satisfaction trap: who among the satisfied churned anyway?
//! let levels = answers.map(SatisfactionLevel::try_from).map(Result::unwrap);
//! let churned = [false, true, false, false, true, false, true, false];
//! let tab = SatisfactionCrossTab::from_slices(&levels, &churned)?;
//! let share = tab.trap_share(SatisfactionLevel::SATISFIED_THRESHOLD, |&c| c)?;
//! assert_eq!(share, 0.2); // one of the five customers at level 6 or 7
//! # Ok::<(), customer_value::Error>(())
//! ```

mod distribution;
mod index;
mod kano;
mod level;
pub mod spec;
mod trap;

pub use distribution::{Distribution, LevelScores};
pub use index::{ItemWeights, Scale};
pub use kano::{KanoAnswer, KanoCategory, KanoTally, kano_category};
pub use level::SatisfactionLevel;
pub use trap::{SatisfactionCrossTab, TrapReport};
