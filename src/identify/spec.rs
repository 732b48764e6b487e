//! Specification: customer-record quality, duplicates, merging and
//! hashing in [`identify`](crate::identify), with sources and conventions.
//!
//! This page is documentation only. It states every rule the module's
//! items implement; the items' own docs link to the sections here.
//!
//! How sure each statement is: \[V\] checked against a retrieved source;
//! \[D\] derived here; \[R\] recalled from the literature, unconfirmed;
//! \[L\] this crate's own convention, where the courseware gives only a
//! concept.
//!
//! # Record quality
//!
//! The courseware asks that customer records be timely, hold the key
//! information, be analysed promptly, and that useless records be
//! discarded \[V: courseware\]. The crate measures this over records whose
//! fields the caller declares, some marked as key fields \[L\]:
//!
//! - a value is missing when absent or blank after trimming white space;
//! - completeness of a field: filled records / records; of a record:
//!   filled fields / fields; the mean of the latter over the records;
//! - key-field coverage: the share of records with every key field
//!   filled, and the ids of those without;
//! - a record is stale when it was never updated, or last updated more
//!   than `max_update_age_days` days before the report date; a customer is
//!   inactive (a candidate for discarding) when they never bought, or last
//!   bought more than `max_purchase_age_days` days before it. Both
//!   thresholds are settings with no default.
//!
//! Refused: no fields, no records, a record whose number of values is not
//! the number of fields, a date after the report date.
//!
//! # Duplicate candidates
//!
//! Keys \[L\]: an e-mail is trimmed and lower-cased and must have one `@`
//! with text on both sides; a phone keeps its last `phone_digits` digits
//! (default 9, the national length in France; set the length for your
//! numbering plan) and needs at least that many; a name is lower-cased,
//! punctuation becomes space, and its tokens are sorted, so word order
//! and commas do not matter. Two records sharing a key are a candidate
//! pair, reported once with the first reason in the order e-mail, phone,
//! name, fuzzy name.
//!
//! Fuzzy names (feature `fuzzy`): two name keys are candidates when their
//! Jaro-Winkler similarity (Winkler 1990 \[R\], computed by the `strsim`
//! crate) is at least the caller's threshold in `(0, 1]`. Only names
//! whose keys share their first two characters are compared, which keeps
//! the work near-linear and is the usual blocking of record linkage
//! \[L\]. A candidate is not a match: the caller reviews the pairs before
//! merging.
//!
//! # Merge plan
//!
//! The confirmed pairs link records into groups (transitively, by
//! union-find); each group keeps its smallest id \[L\]. Applying the plan
//! replaces every transaction's customer by the canonical id and keeps
//! every other field and the order, so the merged log has exactly the
//! input's transactions. Summaries are then recomputed from the merged
//! log: the merged customer's summary is that of the union of the
//! group's transactions, the same law by which partial summaries of
//! disjoint shards merge \[D\]; summaries are never added field by field,
//! which would double-count same-day purchases and misplace the first
//! purchase.
//!
//! # Hashing identifiers
//!
//! `hash_identifier(salt, id)` (feature `hash`) is the SHA-256 (FIPS
//! 180-4 \[V: the standard's test vector "abc"\]) of the salt's bytes
//! followed by the identifier's UTF-8 bytes, in lower-case hex. Normalise
//! the identifier first so that equal identifiers hash equally. Without
//! a secret salt a hash of an e-mail or phone can be reversed by trying
//! candidates, so keep the salt secret \[L\].
//!
//! # Citations
//!
//! - Winkler, W.E. (1990) String comparator metrics and enhanced decision
//!   rules in the Fellegi-Sunter model of record linkage. *Proceedings of
//!   the Section on Survey Research Methods*, American Statistical
//!   Association, 354–359.
//! - NIST (2015) FIPS PUB 180-4, *Secure Hash Standard*.
