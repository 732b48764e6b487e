//! From a transaction log to per-customer summaries.
//!
//! [`Summarizer`] holds the options, [`build`] is the fast core over a slice
//! of transactions, [`state`] the mergeable per-customer state, [`result`]
//! the rows a caller reads.

mod build;
mod duplicates;
mod options;
mod result;
mod state;

#[cfg(feature = "csv")]
pub(crate) use build::ShardOf;
pub use duplicates::{DuplicatePolicy, Duplicates};
pub use options::{Grouping, RefundPolicy, Summarizer, SummarizerBuilder};
#[cfg(feature = "csv")]
pub(crate) use result::SummaryParts;
pub use result::{CustomerSummary, Excluded, HoldoutActivity, HoldoutOnlyCustomer, Summary};
pub use state::PartialSummary;
