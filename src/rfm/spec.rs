//! Specification: the RFM scoring and segmentation rules of
//! [`rfm`](crate::rfm), with their sources and conventions.
//!
//! This page is documentation only. It states every rule the module's
//! items implement or refer to, where it comes from, and which inputs are
//! refused; the items' own docs link to the sections here.
//!
//! How sure each statement is: \[V\] checked against a retrieved source
//! (documentation, a package's source code); \[D\] derived and checked
//! numerically; \[R\] recalled from the literature, unconfirmed; \[L\] this
//! crate's own convention, where no canonical source exists.
//!
//! # Conventions
//!
//! Every ranking takes an explicit tie rule ([`TieMethod`](crate::rfm::TieMethod))
//! and an explicit direction ([`ScoreDirection`](crate::rfm::ScoreDirection)),
//! and its result is deterministic: the same input in the same order gives
//! the same scores \[L\]. Invalid input is an [`Error`](crate::Error),
//! never NaN.
//!
//! # Inputs
//!
//! For an analysis date `D` and a log of (customer, date, amount)
//! transactions \[V: the R `rfm` package's source\]:
//!
//! - recency `R = D − (date of the last purchase)`, in days unless another
//!   unit is chosen; lower is better;
//! - frequency `F` = the number of transactions in the window;
//! - monetary value `M` = the total amount, or, as an option, the mean
//!   amount per transaction (the "average" of Miglautsch 2000).
//!
//! Customers without a transaction in the window are not scored.
//!
//! # Quintiles
//!
//! Hughes' method \[V\]: sort the whole customer file by one variable, cut
//! it into five equal parts, and number them from 5 (most recent, most
//! frequent, highest spend) down to 1. Each customer then carries three
//! digits, one per variable, so there are `5³ = 125` cells, coded 555 down
//! to 111. Some textbooks number the other way (1 = best); the crate calls
//! the two orders `HighIsBest` and `LowIsBest` \[L\], where `LowIsBest`
//! maps a score `s` of `k` bins to `k + 1 − s`.
//!
//! # Binning
//!
//! ## Independent and nested binning
//!
//! IBM SPSS Statistics ("RFM Binning") defines two schemes \[V\]:
//!
//! - independent: R, F and M are each ranked over all customers;
//! - nested (sequential): R is ranked over all customers, F within each R
//!   bin, and M within each (R, F) bin. The cells fill more evenly, but an
//!   F or M score means different things in different R bins, and the cells
//!   only hold enough customers when the population is much larger than
//!   the number of cells.
//!
//! ## Quantile methods
//!
//! Order the customers from worst to best (goodness is `−R`, `F` or `M`)
//! and let `p` be a customer's 1-based position among `n`, with `k` bins.
//! Published tools turn `p` into a score in different ways, so the crate
//! offers each as a [`QuantileMethod`](crate::rfm::QuantileMethod):
//!
//! | Method | Score of position `p` | Source |
//! |---|---|---|
//! | `CeilRank` | `ceil(k·p/n)` | SQL `ceil(cume_dist() * k)` when no values tie \[V\] |
//! | `Ntile` | SQL `NTILE(k)`: `k` consecutive groups, the first `n mod k` of them one larger | SQL standard |
//! | `QcutRank` | pandas `qcut(rank(method="first"), k)`: edges interpolated linearly on the ranks `1..n`, bins closed on the right; the smallest `j` with `p ≤ 1 + (n−1)·j/k` | the seg-map tutorials, below \[V\] |
//! | `RfmPackage` | the R `rfm` package's thresholds, below | Hebbali, `rfm` \[V\] |
//!
//! The methods agree when `k` divides `n` and differ otherwise. For
//! `n = 7`, `k = 5`, positions 1 to 7 score:
//!
//! ```text
//! CeilRank  1 2 3 3 4 5 5
//! Ntile     1 1 2 2 3 4 5
//! QcutRank  1 1 2 3 4 5 5
//! ```
//!
//! ## Ties
//!
//! Customers with equal values occupy a run of positions `a+1..=b`. The
//! tie rules \[V: SPSS option names; R: their wording\]:
//!
//! - `Max`: every tied customer takes position `b`, so equal values always
//!   share a bin;
//! - `Min`: every tied customer takes position `a + 1`;
//! - `First`: tied customers keep their input order (stable);
//! - `Random(seed)`: a reproducible pseudo-random order, SPSS's "randomly
//!   assign ties", which evens out the bin sizes.
//!
//! Which rule is the default is this crate's choice \[L\], stated at
//! [`TieMethod`](crate::rfm::TieMethod).
//!
//! ## Domain
//!
//! `n ≥ 1` customers and `2 ≤ k ≤ 9` bins per variable (9 is the SPSS
//! maximum \[V\]). With `n < k`, or with many ties, some bins stay empty:
//! that is allowed, and reported.
//!
//! # Combining scores
//!
//! ## RFM code
//!
//! The three scores written side by side, `code = 100·R + 10·F + M`
//! \[V: SPSS and SAS documentation\]: 111 to 555 with five bins each. With
//! `k_R`, `k_F`, `k_M` bins there are `k_R·k_F·k_M` codes (5, 4, 3 bins:
//! 60 codes, 111 to 543).
//!
//! ## Weighted sum
//!
//! `S = w_R·R + w_F·F + w_M·M`. The SPSS Modeler RFM node weighs
//! `(100, 10, 1)` by default \[V\]; weights from an AHP are used by, for
//! example, Liu & Shih (2005) \[R\]; the plain sum `R + F + M` is common.
//!
//! ## Point scheme
//!
//! A textbook example that scores points instead of quantiles \[V: course
//! slides, a secondary source\]:
//!
//! - recency points: 20 if the last order is at most 3 months old, 10 if at
//!   most 6, 5 if at most 9, 3 if at most 12, 1 if at most 24 (and 0 for
//!   an older order, which the example leaves open \[L\]);
//! - frequency points: 4 per purchase in the last two years, at most 20;
//! - monetary points: 0.10 per unit of spend, at most 20;
//! - score `= 5·R_points + 3·F_points + 2·M_points`.
//!
//! # The rfm package
//!
//! ## rfm package thresholds
//!
//! The R package `rfm` (Hebbali; v0.3.0, commit 297ed8b, and tag v0.2.2),
//! functions `rfm_prep_bins` and `bins` \[V\]:
//!
//! - cut points `b_j = quantile(x, j/k, type = 7) + 1` for `j = 1..k−1`;
//!   note the `+ 1`, in the variable's own unit;
//! - bin `j` holds `lower_j ≤ x < upper_j`, with
//!   `lower = (min x, b_1, …, b_{k−1})` and `upper = (b_1, …, b_{k−1}, max x + 1)`;
//! - the recency score is `k + 1 − j` (the shortest recency scores `k`),
//!   the frequency and monetary scores are `j`;
//! - equal cut points leave bins empty (package issue #57);
//! - `rfm_score = 100·R + 10·F + M`.
//!
//! ## rfm package segments
//!
//! `rfm_segment` checks its rules in order and gives each customer the
//! first rule whose three closed intervals contain the customer's R, F and
//! M scores; since v0.2.2 a later rule cannot overwrite an earlier one.
//! A customer no rule matches is "Others" \[V\].
//!
//! The v0.3.0 rules, in the order of the package's README and vignette:
//!
//! | # | Segment | R | F | M |
//! |---|---|---|---|---|
//! | 1 | Champions | 5–5 | 5–5 | 5–5 |
//! | 2 | Potential Loyalist | 3–5 | 3–5 | 2–5 |
//! | 3 | Loyal Customers | 2–4 | 2–4 | 2–4 |
//! | 4 | Promising | 3–4 | 1–3 | 3–5 |
//! | 5 | New Customers | 4–5 | 1–3 | 1–5 |
//! | 6 | Can't Lose Them | 1–2 | 3–4 | 4–5 |
//! | 7 | At Risk | 1–2 | 2–5 | 4–5 |
//! | 8 | Need Attention | 1–3 | 3–5 | 3–5 |
//! | 9 | About To Sleep | 2–3 | 1–3 | 1–4 |
//! | 10 | Lost | 1–1 | 1–5 | 1–5 |
//!
//! Of the 125 cells: Potential Loyalist 35, Loyal Customers 15, New
//! Customers 15, Lost 14, About To Sleep 10, Others 10, Promising 8, At
//! Risk 7, Can't Lose Them 6, Need Attention 4, Champions 1.
//!
//! The v0.2.2 rules (the F and M intervals are the same):
//!
//! | # | Segment | R | F and M |
//! |---|---|---|---|
//! | 1 | Champions | 4–5 | 4–5 |
//! | 2 | Loyal Customers | 2–5 | 3–5 |
//! | 3 | Potential Loyalist | 3–5 | 1–3 |
//! | 4 | New Customers | 4–5 | 1–1 |
//! | 5 | Promising | 3–4 | 1–1 |
//! | 6 | Need Attention | 2–3 | 2–3 |
//! | 7 | About To Sleep | 2–3 | 1–2 |
//! | 8 | At Risk | 1–2 | 2–5 |
//! | 9 | Can't Lose Them | 1–1 | 4–5 |
//! | 10 | Lost | 1–2 | 1–2 |
//!
//! Earlier rules shadow later ones, so some segments can never be reached.
//! Of the 125 cells: Loyal Customers 28, Potential Loyalist 24, At Risk 20,
//! Champions 8, Lost, About To Sleep and Need Attention 3 each, Others 36.
//! Neither version has a "Hibernating" segment.
//!
//! # RF segment map
//!
//! The map with "Hibernating" comes from public tutorials, where the same
//! code appears verbatim in many repositories; no primary origin was found
//! \[V: the tutorials\]. The key is the R score followed by the F score, and
//! its anchored patterns cover each of the 25 RF cells exactly once:
//!
//! | R \ F | 1 | 2 | 3 | 4 | 5 |
//! |---|---|---|---|---|---|
//! | 5 | New Customers | Potential Loyalists | Potential Loyalists | Champions | Champions |
//! | 4 | Promising | Potential Loyalists | Potential Loyalists | Loyal Customers | Loyal Customers |
//! | 3 | About to Sleep | About to Sleep | Need Attention | Loyal Customers | Loyal Customers |
//! | 2 | Hibernating | Hibernating | At Risk | At Risk | Can't Lose |
//! | 1 | Hibernating | Hibernating | At Risk | At Risk | Can't Lose |
//!
//! The map has no "Lost". The tutorials score R with `qcut(recency, 5)`
//! labelled 5 to 1, F with `qcut(frequency.rank(method="first"), 5)` and M
//! with `qcut(monetary, 5)`. An eleven-segment list with both Hibernating
//! and Lost circulates in vendor blogs, but no rule table for it could be
//! verified, so the crate does not ship one.
//!
//! # Mean split
//!
//! The Chinese eight-class RFM model \[V: product documentation; widely
//! taught\]: each of R, F and M is "high" when it is better than the mean
//! over the customers (for R: fewer days than the mean) and "low"
//! otherwise. A value equal to the mean counts as low \[L\].
//!
//! | R | F | M | Class |
//! |---|---|---|---|
//! | high | high | high | 重要价值 important value |
//! | low | high | high | 重要保持 important retain |
//! | high | low | high | 重要发展 important develop |
//! | low | low | high | 重要挽留 important win-back |
//! | high | high | low | 一般价值 general value |
//! | low | high | low | 一般保持 general retain |
//! | high | low | low | 一般发展 general develop |
//! | low | low | low | 一般挽留 general win-back |
//!
//! # Quarter-weighted contribution
//!
//! A FedEx teaching case \[V: a secondary document\] scores contribution
//! with recency weighted by quarter within the last half year:
//!
//! ```text
//! contribution = 2 × (spend in the last 3 months) + (spend 3 to 6 months ago)
//! ```
//!
//! The case then clusters customers into seven groups and tracks their
//! migration between contribution deciles over two years; only the
//! contribution score is in scope here, as weights `[2, 1]`, most recent
//! quarter first.
//!
//! # Worked example
//!
//! Ten customers, (recency in days, F, M): A (5, 12, 1200), B (12, 8, 640),
//! C (20, 8, 900), D (35, 5, 450), E (40, 6, 300), F (60, 3, 520),
//! G (90, 3, 150), H (120, 2, 260), I (200, 1, 90), J (365, 1, 60).
//! Five bins, computed independently:
//!
//! | Customer | CeilRank, Max | CeilRank, First | QcutRank | rfm package | rfm v0.3.0 segment | RF map (package R, F) |
//! |---|---|---|---|---|---|---|
//! | A | 555 | 555 | 555 | 555 | Champions | Champions |
//! | B | 554 | 544 | 544 | 544 | Potential Loyalist | Champions |
//! | C | 455 | 455 | 455 | 445 | Potential Loyalist | Loyal Customers |
//! | D | 433 | 433 | 433 | 433 | Potential Loyalist | Potential Loyalists |
//! | E | 343 | 343 | 343 | 333 | Potential Loyalist | Need Attention |
//! | F | 334 | 324 | 324 | 324 | Loyal Customers | About to Sleep |
//! | G | 232 | 232 | 232 | 222 | Loyal Customers | Hibernating |
//! | H | 222 | 222 | 222 | 212 | About To Sleep | Hibernating |
//! | I | 111 | 111 | 111 | 111 | Lost | Hibernating |
//! | J | 111 | 111 | 111 | 111 | Lost | Hibernating |
//!
//! The rfm package's cut points: R 19.4, 39.0, 73.0, 137.0; F 2.8, 4.0,
//! 6.4, 9.0; M 139, 285, 479, 693.
//!
//! Nested binning (CeilRank, ties `Max`) gives A 555, B 535, C 455, D 435,
//! E 355, F 335, G 255, H 235, I 155, J 153: with two customers per R bin
//! the inner scores degenerate.
//!
//! Also: D's weighted sum with `w = (0.5, 0.3, 0.2)` is 3.5; the point
//! scheme gives a customer whose last order was 4 months ago, with 3
//! purchases and a spend of 150, `5·10 + 3·12 + 2·15 = 116`; the
//! quarter-weighted contribution of 300 last quarter and 500 the quarter
//! before is `2·300 + 500 = 1100`.
//!
//! # Sources
//!
//! - Hughes, A.M. *Strategic Database Marketing* (1st ed. 1994; 4th ed.
//!   2012). McGraw-Hill.
//! - Miglautsch, J. (2000) Thoughts on RFM scoring. *J. Database Marketing*
//!   8(1).
//! - IBM SPSS Statistics 30 documentation, "RFM Binning"; IBM SPSS Modeler,
//!   RFM analysis node properties.
//! - Hebbali, A. `rfm` R package v0.3.0 (CRAN, 2024-02-26), which refers to
//!   Blattberg, Kim & Neslin (2008) *Database Marketing*, ch. 12.
//! - Liu, D.-R. & Shih, Y.-Y. (2005) *Information & Management*
//!   42(3):387–400 \[R\].
