//! RFM: recency, frequency and monetary scoring (the rules, sources and
//! conventions: [`rfm::spec`](crate::rfm::spec)).
//!
//! The pipeline a CRM report runs, one step per type:
//!
//! 1. [`RfmValues`]: each customer's raw recency (time since the last
//!    purchase, lower is better), frequency and monetary value ([`Monetary`]
//!    total or mean), usually taken from a summary with
//!    [`RfmValues::from_summaries`].
//! 2. [`Rfm`]: the binning configuration (bins per dimension,
//!    [`QuantileMethod`], [`TieMethod`], [`Binning`], [`ScoreDirection`],
//!    caller thresholds). [`Rfm::fit_score`] scores a population exactly
//!    and returns the fitted cut points ([`FittedRfm`], a [`Scorer`] for new
//!    customers) and a [`BinReport`] naming empty bins.
//! 3. [`RfmScore`]: the three scores, the code `100R + 10F + M`
//!    ([`RfmScore::code`]) and weighted sums ([`RfmWeights`]).
//! 4. Segments: [`SegmentRules`] (the R `rfm` package's tables, the RF map
//!    with "Hibernating", or the caller's rules; first match wins) or the
//!    Chinese eight-class [`MeanSplit`]; [`SegmentReport`] counts customers
//!    and revenue per segment.
//!
//! Also here: the textbook [`PointScheme`] and the FedEx
//! [`QuarterWeighted`] contribution.
//!
//! # Example
//!
//! ```
//! use customer_value::rfm::{Monetary, Rfm, RfmValues, SegmentReport, SegmentRules};
//! use customer_value::{CustomerId, Date, Decimal, Scorer, Summarizer, Transaction};
//!
//! let day = |s| Date::parse(s);
//! let mut log = Vec::new();
//! for (id, purchases, amount) in [(1, 6, 120), (2, 1, 15), (3, 3, 40), (4, 2, 300), (5, 1, 25)] {
//!     for k in 0..purchases {
//!         let date = day("2024-01-01")?.checked_add_days(30 * k + id as i32)?;
//!         log.push(Transaction::new(CustomerId::new(id), date, Decimal::from(amount)));
//!     }
//! }
//! let summary = Summarizer::builder(day("2024-06-30")?).build()?.summarize(&log)?;
//!
//! let values = RfmValues::from_summaries(summary.customers(), Monetary::Total);
//! let scored = Rfm::builder().bins(5).build()?.fit_score(&values)?;
//! let scores: Vec<_> = scored.scores().iter().map(|s| s.score).collect();
//! assert_eq!(scores[0].code(), 555); // customer 1: most recent, most frequent, most spent
//!
//! let rules = SegmentRules::rfm_package_v030();
//! let segments = rules.score_all(&scores)?;
//! assert_eq!(rules.name(segments[0]), Some("Champions"));
//! let report = SegmentReport::new(&rules, &segments, values.iter().map(|v| v.monetary()))?;
//! assert_eq!(report.row("Champions").map(|r| r.customers()), Some(1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`Scorer`]: crate::Scorer

mod bin;
mod segment;
pub mod spec;
mod values;

pub use bin::*;
pub use segment::*;
pub use values::{Monetary, RfmScore, RfmValues};
