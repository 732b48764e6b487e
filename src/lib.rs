//! Customer-value modelling: from a raw transaction log to what customers
//! are worth and how they behave.
//!
//! `customer-value` turns transaction logs into per-customer summaries
//! (frequency, recency, customer age, spend) exactly and fast, and scores
//! them with the CRM textbook formulas: RFM, discounted CLV and customer
//! equity, customer differentiation (ABC, the customer pyramid, the value x
//! loyalty matrix), satisfaction and Kano, the loyalty index, lifecycle
//! stages and churn early warning; and it fits the probabilistic "buy till
//! you die" and contractual models (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB,
//! Gamma-Gamma, sBG) by maximum likelihood. Money is exact
//! ([`Decimal`]), bad input is a typed [`Error`], and every formula states
//! its timing convention and source: each module's `spec` page (such as
//! [`btyd::spec`] or [`clv::spec`]) states its formulas in full, with
//! their sources, conventions and domains.
//!
//! # Example
//!
//! ```
//! use customer_value::{CustomerId, Date, Decimal, Summarizer, TimeUnit, Transaction};
//!
//! let day = |s: &str| Date::parse(s);
//! let log = [
//!     Transaction::new(CustomerId::new(1), day("1997-01-01")?, Decimal::new(2933, 2)),
//!     Transaction::new(CustomerId::new(1), day("1997-01-18")?, Decimal::new(2973, 2)),
//!     Transaction::new(CustomerId::new(1), day("1997-08-02")?, Decimal::new(1496, 2)),
//!     Transaction::new(CustomerId::new(1), day("1997-12-12")?, Decimal::new(2648, 2)),
//!     Transaction::new(CustomerId::new(2), day("1997-01-01")?, Decimal::new(6334, 2)),
//! ];
//! let summarizer = Summarizer::builder(day("1997-09-30")?).unit(TimeUnit::WEEK).build()?;
//! let summary = summarizer.summarize(&log)?;
//!
//! let first = summary.get(CustomerId::new(1)).expect("customer 1 bought");
//! assert_eq!(first.frequency(), 2); // two repeat purchases by the end of September
//! assert_eq!(format!("{:.2}", first.t_x()), "30.43"); // weeks from first to last purchase
//! assert_eq!(format!("{:.2}", first.age()), "38.86"); // T: weeks from first purchase to the end
//! assert_eq!(first.zbar(), Decimal::new(22345, 3)); // mean of the repeat purchases
//! assert_eq!(summary.excluded().transactions(), 1); // the December purchase is after the end
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Where things are
//!
//! - The domain model: [`CustomerId`] and [`Interner`] (string keys to
//!   compact ids), [`Date`] and [`TimeUnit`], [`Transaction`] and
//!   [`TransactionLog`], [`Customer`], [`LifecycleStage`];
//!   [`parse_decimal_exact`] reads money from text exactly or refuses it
//!   (every reader of the crate and its companions uses it).
//! - Summaries: a [`Summarizer`] (built with [`SummarizerBuilder`]: unit,
//!   [`Grouping`] of same-time purchases, [`RefundPolicy`], holdout) turns a
//!   slice of transactions into a [`Summary`] of [`CustomerSummary`] rows,
//!   or into a mergeable [`PartialSummary`] for sharded and distributed runs;
//!   [`Duplicates`] finds transactions identical to an earlier one, which a
//!   [`DuplicatePolicy`] keeps, drops or refuses.
//! - Scorers share two traits: a [`Scorer`] scores one customer from its
//!   own input (with bulk paths over slices and [`Scored`] results carrying
//!   the customer id); a [`Fit`] learns cut points from a population and
//!   returns a serialisable [`Scorer`] for new customers.
//! - [`rfm`]: recency, frequency and monetary scores (quantile methods, tie
//!   rules, nested binning, caller thresholds), codes and weighted sums,
//!   segment maps and reports, the point scheme and the FedEx
//!   contribution.
//! - [`btyd`]: probabilistic models fitted by maximum likelihood
//!   (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB, Gamma-Gamma, sBG): P(alive),
//!   expected purchases and spend, DERT, retention, CLV.
//! - [`clv`]: discounted customer lifetime value with its timing
//!   convention named, customer equity, Markov-chain migration models,
//!   second lifetime value and cost to serve; money in and out as
//!   [`Decimal`].
//! - [`differentiate`]: ABC classes, the customer pyramid, key-customer
//!   flags and the value x loyalty matrix, each with a population report.
//! - [`satisfaction`]: the seven-level scale, response distributions and
//!   indices (CSI, ACSI-style), Kano classification, and the satisfaction
//!   trap cross-tab.
//! - [`loyalty`]: the A1-A3 loyalty index (nine indicators, AHP / entropy /
//!   caller weights, explicit missing-value policy), the five loyalty types
//!   and Dick & Basu's matrix.
//! - [`drivers`]: Rust, Lemon & Zeithaml's customer-equity drivers: driver
//!   ratings to a multinomial-logit switching matrix, each customer's
//!   Markov CLV for every brand, customer equity, and the return on a
//!   driver's improvement.
//! - [`economics`]: Reichheld & Sasser's loyalty economics: profit by
//!   tenure split by source, the cumulative curve, expected lifetime under
//!   geometric retention, and the value of a retention change for the
//!   caller's own curve.
//! - [`identify`]: customer-record quality (completeness, staleness, key
//!   coverage), duplicate candidates by normalised keys (fuzzy names with
//!   `fuzzy`), a merge plan that keeps every transaction, identifier
//!   hashing (`hash`).
//! - [`ladder`]: the loyalty ladder (purchaser to partner) from behaviour
//!   by caller-tunable rules, and migration counts between two dates.
//! - [`capability`]: the CRM capability scorecard (the courseware's
//!   indicator table as data, normalised and weighted by AHP, entropy or
//!   the caller into a composite with sub-scores) and the six influencing
//!   factors as a diagnostic.
//! - [`lifecycle`]: lifecycle stages from per-period histories (rules as
//!   data), churn early warning with reasons, churn reasons and the
//!   complaint estimator.
//! - Errors: one [`Error`] enum for the whole crate.
//! - Simulation (feature `simulate`): [`simulate`] generates realistic
//!   transaction logs for examples, tests and benchmarks.
//! - CSV input (feature `csv`): [`csv`] reads transaction logs with line and
//!   column in every error.
//!
//! # Cookbook
//!
//! Calibration and holdout periods, and weeks counted as whole periods the
//! way Python lifetimes' `freq='W'` counts them:
//!
//! ```
//! use customer_value::{CustomerId, Date, Decimal, Grouping, Summarizer, TimeUnit, Transaction};
//!
//! let c = CustomerId::new(9);
//! let log = [
//!     Transaction::new(c, Date::parse("2024-01-01")?, Decimal::new(10, 0)), // Monday
//!     Transaction::new(c, Date::parse("2024-01-03")?, Decimal::new(5, 0)),  // same week
//!     Transaction::new(c, Date::parse("2024-01-17")?, Decimal::new(20, 0)), // two weeks on
//!     Transaction::new(c, Date::parse("2024-02-07")?, Decimal::new(30, 0)), // holdout
//! ];
//! let summary = Summarizer::builder(Date::parse("2024-01-31")?)
//!     .unit(TimeUnit::WEEK)
//!     .grouping(Grouping::Period)
//!     .holdout_end(Date::parse("2024-02-29")?)
//!     .build()?
//!     .summarize(&log)?;
//! let row = &summary.customers()[0];
//! assert_eq!((row.frequency(), row.t_x(), row.age()), (1, 2.0, 4.0));
//! assert_eq!(row.holdout().map(|h| h.spend()), Some(Decimal::new(30, 0)));
//! # Ok::<(), customer_value::Error>(())
//! ```
//!
//! Shards summarised apart (on other threads, processes or machines) and
//! merged give exactly the summary of the whole log; see
//! [`PartialSummary`]. Refunds are rejected unless netted on purpose:
//!
//! ```
//! use customer_value::{CustomerId, Date, Decimal, Error, RefundPolicy, Summarizer, Transaction};
//!
//! let c = CustomerId::new(1);
//! let day = Date::parse("2024-01-05")?;
//! let log = [
//!     Transaction::new(c, day, Decimal::new(40, 0)),
//!     Transaction::new(c, day, Decimal::new(-15, 0)), // a refund
//! ];
//! let strict = Summarizer::builder(Date::parse("2024-01-31")?).build()?;
//! assert!(matches!(strict.summarize(&log), Err(Error::InvalidTransaction { index: 1, .. })));
//! let netting = Summarizer::builder(Date::parse("2024-01-31")?)
//!     .refunds(RefundPolicy::Net)
//!     .build()?;
//! assert_eq!(netting.summarize(&log)?.customers()[0].total_spend(), Decimal::new(25, 0));
//! # Ok::<(), customer_value::Error>(())
//! ```
//!
//! Large logs are summarised on all available cores (cap it with
//! [`SummarizerBuilder::threads`]); results never depend on the thread
//! count.
//!
//! # Crate features
//!
//! - `serde` (default): `Serialize`/`Deserialize` for every public type;
//!   deserialising validates like the constructors.
//! - `simulate`: the [`simulate`] module (adds `rand`, `rand_distr`).
//! - `csv`: the [`csv`] module (adds `csv`).
//! - `berger_nasr`: Berger & Nasr (1998) case 1 in [`clv`], recalled from
//!   the literature and not yet checked against the paper.
//! - `fuzzy`: Jaro-Winkler name matching in [`identify`] (adds `strsim`).
//! - `hash`: SHA-256 identifier hashing in [`identify`] (adds `sha2`).
//! - `chrono`, `jiff`: conversions between [`Date`] and
//!   `chrono::NaiveDate` / `jiff::civil::Date`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod decimal_text;
mod error;
mod model;
mod order;
mod score;
mod summary;

pub mod btyd;
pub mod capability;
pub mod clv;
pub mod differentiate;
pub mod drivers;
pub mod economics;
pub mod identify;
pub mod ladder;
pub mod lifecycle;
pub mod loyalty;
pub mod rfm;
pub mod satisfaction;

#[cfg(feature = "csv")]
pub mod csv;
#[cfg(feature = "simulate")]
pub mod simulate;

pub use decimal_text::parse_decimal_exact;
pub use error::{ConvergenceFailure, Error, IoError, Result};
pub use model::{
    CategoryId, Customer, CustomerId, Date, DwyerPhase, Interner, LifecycleStage, TimeUnit,
    Transaction, TransactionLog,
};
pub use rust_decimal::Decimal;
pub use score::{Fit, Keyed, Scored, Scorer};
pub use summary::{
    CustomerSummary, DuplicatePolicy, Duplicates, Excluded, Grouping, HoldoutActivity,
    HoldoutOnlyCustomer, PartialSummary, RefundPolicy, Summarizer, SummarizerBuilder, Summary,
};

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
