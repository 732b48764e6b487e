//! The crate's one error type.

use crate::model::{CustomerId, Date};

/// Everything that can go wrong in `customer-value`.
///
/// One enum for the whole crate, so errors compose across modules. It is
/// `#[non_exhaustive]`: new variants may be added in minor releases, so match
/// with a wildcard arm. Messages are lowercase and name the offending value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is outside its domain.
    #[error("invalid {name}: {reason}, got {value}")]
    InvalidParameter {
        /// The parameter's name, as in the documentation.
        name: &'static str,
        /// The rejected value, formatted.
        value: String,
        /// Why the value is rejected.
        reason: &'static str,
    },

    /// A calendar date that does not exist or is outside the supported range.
    #[error("invalid date {input:?}: {reason}")]
    InvalidDate {
        /// The rejected input, as given.
        input: String,
        /// Why it was rejected.
        reason: &'static str,
    },

    /// A transaction of the log is invalid; `index` is its position in the
    /// input slice.
    #[error("transaction {index} (customer {customer}, {date}): {reason}")]
    InvalidTransaction {
        /// Position of the transaction in the input slice.
        index: usize,
        /// The transaction's customer.
        customer: CustomerId,
        /// The transaction's date.
        date: Date,
        /// Why it was rejected.
        reason: &'static str,
    },

    /// Refunds netted into a customer's period leave a negative value, or a
    /// period holds refunds but no purchase.
    #[error("customer {customer}: refunds exceed purchases in the period starting {period_start}")]
    UnmatchedRefund {
        /// The customer whose refunds are unmatched.
        customer: CustomerId,
        /// First day of the period (the day itself when merging by day).
        period_start: Date,
    },

    /// The observation (calibration) end lies before a customer's first
    /// purchase, so the customer has no calibration history.
    #[error(
        "customer {customer}: observation end {end} is before the first purchase on {first_purchase}"
    )]
    ObservationEndBeforeFirstPurchase {
        /// The customer.
        customer: CustomerId,
        /// The observation end.
        end: Date,
        /// The customer's first purchase.
        first_purchase: Date,
    },

    /// Two partial summaries cannot be merged exactly.
    #[error("cannot merge partial summaries: {reason}")]
    IncompatibleMerge {
        /// Why the merge is refused.
        reason: String,
    },

    /// A sum or count exceeds what its type can hold.
    #[error("arithmetic overflow in {what}")]
    Overflow {
        /// What was being computed.
        what: &'static str,
    },

    /// A field of a text input (a CSV transaction log) cannot be read: a
    /// bad date, amount or id, a missing field, or a header without a
    /// requested column.
    #[error("line {line}, column {column}: {reason}")]
    Parse {
        /// 1-based line of the input (the header is line 1 when there is one).
        line: u64,
        /// The column: its header name, or its 1-based position.
        column: String,
        /// What is wrong, naming the rejected text.
        reason: String,
    },

    /// A value read from serialised data breaks an invariant.
    #[error("invalid {what}: {reason}")]
    InvalidValue {
        /// The kind of value.
        what: &'static str,
        /// Which invariant is broken.
        reason: String,
    },
}

/// Shorthand for `Result<T, customer_value::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
