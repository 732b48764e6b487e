//! RFM segments: named groups of customers read off their scores or values.
//!
//! - [`SegmentRules`]: an ordered table of [`SegmentRule`]s (a name and a
//!   closed range for each of the R, F and M scores); a customer gets the
//!   **first** rule that contains its [`RfmScore`](crate::rfm::RfmScore),
//!   or the fallback segment ("Others") when none does. Built in: the
//!   `rfm` R package's tables ([`SegmentRules::rfm_package_v030`],
//!   [`SegmentRules::rfm_package_v022`]) and the RF "seg_map" of the
//!   tutorials, the one with "Hibernating" ([`SegmentRules::rf_seg_map`]).
//!   Assignments are compact [`Segment`] values, so scoring a million
//!   customers allocates no strings.
//! - [`MeanSplit`]: the Chinese 8-class model, R, F and M each "high" or
//!   "low" against the population mean ([`ValueClass`]).
//! - [`SegmentReport`]: customers and revenue per segment, with shares.
//! - [`PointScheme`]: the textbook point scheme `5·R + 3·F + 2·M`.
//! - [`QuarterWeighted`]: the FedEx quarter-weighted contribution
//!   `2 × last quarter + previous quarter`.
//!
//! Sources: [`rfm::spec`](crate::rfm::spec), sections "Combining scores" to
//! "Worked example".

mod mean_split;
mod points;
mod quarter;
mod report;
mod rules;

pub use mean_split::{FittedMeanSplit, MeanSplit, ValueClass};
pub use points::{PointInput, PointScheme, PointSchemeBuilder};
pub use quarter::QuarterWeighted;
pub use report::{SegmentReport, SegmentRow};
pub use rules::{Segment, SegmentRule, SegmentRules};
