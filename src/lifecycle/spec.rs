//! Specification: the lifecycle stages of [`lifecycle`](crate::lifecycle)
//! and the stage rule, with their sources and conventions.
//!
//! This page is documentation only. It states what the module's items
//! implement or refer to; the items' own docs link to the sections here.
//!
//! How sure each statement is: \[V\] checked against a retrieved source;
//! \[R\] recalled from the literature, unconfirmed; \[L\] this crate's own
//! convention, where no canonical source exists.
//!
//! # Lifecycle stages
//!
//! Two descriptions of how a buyer-seller relationship develops are in use:
//!
//! - Dwyer, Schurr & Oh (1987) \[V: the citation; R: the phase names\]:
//!   awareness, exploration, expansion, commitment and dissolution.
//! - The Chinese CRM textbooks, often attributed to 陈明亮 (2003) \[R: the
//!   attribution and the bibliographic details\]: 考察期 exploration (the
//!   relationship is being tried out), 形成期 formation (it grows fast),
//!   稳定期 stability (it is mature, the ideal stage) and 退化期 decline (it
//!   goes into reverse) \[V: the definitions\].
//!
//! They correspond only roughly \[L\]: awareness and exploration with
//! 考察期, expansion with 形成期, commitment with 稳定期, dissolution with
//! 退化期. The crate adds two stages the textbooks leave to the user:
//! prospect (no purchase yet) and churned (gone for good).
//!
//! # Window trend rule
//!
//! No published rule for assigning a stage from transaction data was
//! found, so the crate ships its own, explicitly named heuristic,
//! `WindowTrend` \[L\]. Its input is a customer's per-period values
//! `v_1..v_T` (spend, or a purchase count) from the period of the first
//! purchase to the current one, so `T` counts both; "idle" is the number
//! of trailing periods with `v_t = 0`. The parameters are a window `w`, an
//! exploration length `E`, a relative threshold `θ`, an inactivity limit
//! `K` and, optionally, a churned limit `C`, all in periods except `θ`.
//! The rules are tried in this order and the first that applies decides:
//!
//! ```text
//! 0.  no v_t > 0 at all                          -> prospect
//! 0'. idle ≥ C (only when C is set)              -> churned
//! 1.  idle ≥ K (no purchase in the last K periods) -> decline      (退化期)
//! 2.  T ≤ E, or T < 2w                           -> exploration  (考察期)
//! 3.  a = mean of the last w values, b = mean of the w values before them;
//!     a > 0 and a ≥ (1+θ)·b                      -> formation    (形成期)
//! 4a. a ≤ (1−θ)·b but a purchase in the last G periods (G > 0)
//!                                                -> stability    (稳定期)
//! 4.  a ≤ (1−θ)·b                                -> decline      (退化期)
//! 5.  otherwise                                  -> stability    (稳定期)
//! ```
//!
//! Rules 1 to 5 are the heuristic as first proposed, with `w = 3`, `E = 3`,
//! `θ = 0.2` and `K = 6` as its suggested values; rule 3 was stated there
//! as "`b = 0` and `a > 0`, or `a ≥ (1+θ)·b`", which differs from the form
//! above only when `a = b = 0`: the crate calls that decline, not
//! formation \[L\]. Rules 0, 0' and the recent-purchase guard 4a (a
//! customer who has just bought again is not put in decline because one
//! purchase is less than the previous window's spend; `G` = 0 turns it
//! off) are the crate's \[L\]. The values the crate
//! uses by default, and why, are stated at
//! [`WindowTrend`](crate::lifecycle::WindowTrend).
//!
//! ## Window trend example
//!
//! `v = (0, 100, 0, 200, 150, 300, 250, 300, 280, 310, 290, 300)` with
//! `w = 3`, `θ = 0.2`: `a = 300`, `b = 276.67`, `a/b = 1.084`, which is
//! neither growth (`≥ 1.2`) nor decline (`≤ 0.8`): stability (稳定期).
//!
//! # Sources
//!
//! - Dwyer, F.R., Schurr, P.H. & Oh, S. (1987) Developing buyer-seller
//!   relationships. *J. Marketing* 51(2):11–27.
//! - 陈明亮 (2003), *Journal of Zhejiang University* (Humanities and Social
//!   Sciences) \[R: title, volume and pages not verified\].
