//! Identify: customer-record quality, duplicate candidates, a merge plan
//! that never loses a transaction, and identifier hashing
//! ([`identify::spec`](crate::identify::spec)).
//!
//! The courseware's steps for knowing customers are define, collect,
//! integrate and manage, update, and secure; keeping records current means
//! timeliness, key information, prompt analysis and discarding useless
//! records. The module gives each step a tool:
//!
//! 1. Define and check: [`Field`]s declared by the caller (key fields
//!    marked), [`CustomerRecord`]s, and [`quality_report`]
//!    ([`QualitySettings`] → [`QualityReport`]): completeness per field
//!    and per customer, key-field coverage, stale records and inactive
//!    customers.
//! 2. Integrate: [`duplicate_candidates`] by normalised e-mail, phone and
//!    name keys ([`email_key`], [`phone_key`], [`name_key`]), with
//!    Jaro-Winkler fuzzy names behind the `fuzzy` feature ([`MatchFields`],
//!    [`DuplicateCandidate`], [`MatchReason`]).
//! 3. Manage: a [`MergePlan`] from confirmed pairs remaps ids in the
//!    transaction log (every transaction kept) and re-summarises.
//! 4. Secure: `hash_identifier` (feature `hash`), a salted SHA-256 of a
//!    normalised identifier. Reports carry customer ids, never field
//!    values, and a record's `Debug` shows which fields are filled, not
//!    what they hold.
//!
//! # Example
//!
//! ```
//! use customer_value::{CustomerId, Date, Decimal, Summarizer, Transaction};
//! use customer_value::identify::{CustomerRecord, MatchFields, MergePlan, duplicate_candidates};
//!
//! let c = CustomerId::new;
//! let rec = |id, email: &str, phone: &str| CustomerRecord::new(c(id),
//!     vec![Some(email.into()), Some(phone.into())]);
//! let records = [
//!     rec(1, "ann@x.org", "06 12 34 56 78"),
//!     rec(2, "ann.lee@y.org", "+33 6 12 34 56 78"), // same phone
//!     rec(3, "bob@z.org", "07 00 00 00 00"),
//! ];
//! let fields = MatchFields { email: Some(0), phone: Some(1), ..MatchFields::default() };
//! let pairs = duplicate_candidates(&records, &fields)?;
//! assert_eq!(pairs.len(), 1);
//! let plan = MergePlan::new(&pairs); // after review
//! let day = Date::parse("2024-03-01")?;
//! let log = [
//!     Transaction::new(c(1), day, Decimal::new(20, 0)),
//!     Transaction::new(c(2), day.checked_add_days(14)?, Decimal::new(35, 0)),
//!     Transaction::new(c(3), day, Decimal::new(5, 0)),
//! ];
//! let summary = plan.summarize(&Summarizer::builder(Date::parse("2024-04-01")?).build()?, &log)?;
//! let ann = summary.get(c(1)).expect("merged into 1");
//! assert_eq!((ann.frequency(), ann.total_spend()), (1, Decimal::new(55, 0)));
//! assert!(summary.get(c(2)).is_none());
//! # Ok::<(), customer_value::Error>(())
//! ```

mod duplicates;
#[cfg(feature = "hash")]
mod hash;
mod merge;
mod quality;
pub mod spec;

pub use duplicates::{
    DuplicateCandidate, MatchFields, MatchReason, duplicate_candidates, email_key, name_key,
    phone_key,
};
#[cfg(feature = "hash")]
#[cfg_attr(docsrs, doc(cfg(feature = "hash")))]
pub use hash::hash_identifier;
pub use merge::MergePlan;
pub use quality::{
    CustomerRecord, Field, FieldCompleteness, QualityReport, QualitySettings, quality_report,
};
