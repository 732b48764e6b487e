//! The crate's one error type.

use crate::model::{CustomerId, Date, TimeUnit};

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

    /// A key that must be unique appears twice: a customer in a population
    /// scored once per customer, an item name in a survey table.
    #[error("duplicate {what}: {key} appears more than once")]
    Duplicate {
        /// The kind of key (`customer`, `item`).
        what: &'static str,
        /// The repeated key as written.
        key: String,
    },

    /// A value read from serialised data breaks an invariant.
    #[error("invalid {what}: {reason}")]
    InvalidValue {
        /// The kind of value.
        what: &'static str,
        /// Which invariant is broken.
        reason: String,
    },

    /// An input holds nothing to work with: no rows, or a total weight of
    /// zero.
    #[error("empty input: {what} needs at least one {needs}")]
    EmptyInput {
        /// What was given nothing (a fit, a report).
        what: &'static str,
        /// What it needs at least one of.
        needs: &'static str,
    },

    /// The data carry no information about a model's parameters: the
    /// likelihood is flat or unbounded, so no estimate, finite or limiting,
    /// means anything (for example a spend model on identical amounts, or a
    /// purchase model without a single repeat purchase).
    #[error("{what}: the data cannot identify the parameters: {reason}")]
    NotIdentified {
        /// The model or fit.
        what: &'static str,
        /// Why, in terms of the data.
        reason: String,
    },

    /// An interval from a fit's covariance was asked of a fit that has
    /// none; `reason` says why (a boundary fit, a Hessian that is not
    /// positive definite, an unconverged fit).
    #[error("{what}: the fit has no covariance: {reason}")]
    NoCovariance {
        /// What needed the covariance.
        what: &'static str,
        /// Why the fit has none.
        reason: crate::btyd::StdErrorsUnavailable,
    },

    /// An iterative fit stopped before its stop rule was met. The best
    /// point found is kept, so a caller may still inspect or use it.
    #[error("{what} did not converge: {failure}")]
    NotConverged {
        /// The model or fit.
        what: &'static str,
        /// Where it stopped and why.
        failure: Box<ConvergenceFailure>,
    },

    /// Two inputs measure time in different units, and one cannot be
    /// converted to the other (or a stated unit contradicts a file's).
    #[error("{what} is in {unit} but {other} is in {other_unit}")]
    UnitMismatch {
        /// The first input ("the fit file", "the summary file").
        what: String,
        /// Its unit.
        unit: TimeUnit,
        /// The second input ("the data", "--unit").
        other: String,
        /// Its unit.
        other_unit: TimeUnit,
    },

    /// Reading or writing a file failed. The path is empty when the input
    /// was a reader without one (shown as "the input").
    #[error("cannot {action} {}", io_path(path))]
    Io {
        /// What was attempted: "read", "write", "create", ...
        action: &'static str,
        /// The file.
        path: std::path::PathBuf,
        /// The operating system's error.
        #[source]
        source: IoError,
    },
}

/// A path for [`Error::Io`]'s message: "the input" when there is none.
fn io_path(path: &std::path::Path) -> String {
    if path.as_os_str().is_empty() {
        "the input".to_owned()
    } else {
        path.display().to_string()
    }
}

/// Where a fit that did not converge stopped, carried by
/// [`Error::NotConverged`].
///
/// Equality compares the numbers bit for bit, so that [`Error`] stays
/// `Eq`.
#[derive(Debug, Clone)]
pub struct ConvergenceFailure {
    /// Parameter names, in the model's order.
    pub names: Vec<&'static str>,
    /// The best parameters found, in the data's units.
    pub parameters: Vec<f64>,
    /// The (unpenalised) log-likelihood there.
    pub log_likelihood: f64,
    /// The objective's gradient there, with respect to the log-parameters.
    pub gradient: Vec<f64>,
    /// Iterations run.
    pub iterations: usize,
    /// Why it stopped: the iteration limit, a failed line search, ...
    pub reason: String,
}

impl PartialEq for ConvergenceFailure {
    fn eq(&self, other: &Self) -> bool {
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        self.names == other.names
            && bits(&self.parameters) == bits(&other.parameters)
            && self.log_likelihood.to_bits() == other.log_likelihood.to_bits()
            && bits(&self.gradient) == bits(&other.gradient)
            && self.iterations == other.iterations
            && self.reason == other.reason
    }
}

impl Eq for ConvergenceFailure {}

impl std::fmt::Display for ConvergenceFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let max_gradient = self.gradient.iter().fold(0.0_f64, |m, g| m.max(g.abs()));
        write!(
            f,
            "{} after {} iterations, max |gradient| {:.3e}, log-likelihood {}; best parameters",
            self.reason, self.iterations, max_gradient, self.log_likelihood
        )?;
        for (name, value) in self.names.iter().zip(&self.parameters) {
            write!(f, " {name} = {value}")?;
        }
        Ok(())
    }
}

/// An operating-system I/O error inside [`Error::Io`]: shared (so
/// [`Error`] stays `Clone`) and compared by kind and message (so it stays
/// `Eq`).
#[derive(Debug, Clone)]
pub struct IoError(std::sync::Arc<std::io::Error>);

impl IoError {
    /// The underlying error.
    pub fn get(&self) -> &std::io::Error {
        &self.0
    }
    /// Its kind, e.g. [`std::io::ErrorKind::NotFound`].
    pub fn kind(&self) -> std::io::ErrorKind {
        self.0.kind()
    }
}

impl From<std::io::Error> for IoError {
    fn from(e: std::io::Error) -> Self {
        Self(std::sync::Arc::new(e))
    }
}

impl PartialEq for IoError {
    fn eq(&self, other: &Self) -> bool {
        self.0.kind() == other.0.kind() && self.0.to_string() == other.0.to_string()
    }
}

impl Eq for IoError {}

impl std::fmt::Display for IoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for IoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl Error {
    /// An [`Error::Io`] for `action` ("read", "write", ...) on `path`.
    pub fn io(
        action: &'static str,
        path: impl Into<std::path::PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source: source.into(),
        }
    }
}

/// Shorthand for `Result<T, customer_value::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
