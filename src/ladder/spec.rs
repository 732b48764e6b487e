//! Specification: the loyalty ladder of [`ladder`](crate::ladder), its
//! traits, rules and migration table, with sources and conventions.
//!
//! This page is documentation only. It states every rule the module's
//! items implement; the items' own docs link to the sections here.
//!
//! How sure each statement is: \[V\] checked against a retrieved source;
//! \[D\] derived here; \[R\] recalled from the cited literature, whose text
//! could not be retrieved; \[L\] this crate's own convention, where the
//! sources give only a concept.
//!
//! # Rungs
//!
//! The ladder of loyalty comes from relationship marketing: Christopher,
//! Payne & Ballantyne (1991) climb from prospect to customer, client,
//! supporter, advocate and partner \[R\]; Raphel & Raphel (1995) tell the
//! same story for retail \[R\]. The courseware uses five rungs: purchaser,
//! customer, supporter, advocate, partner \[V: courseware\]. The crate adds
//! a Prospect rung below them for customers without a purchase in the
//! window, so that lapsed and newly won customers have a place in a
//! migration table \[L\].
//!
//! # Behaviour
//!
//! Each customer is described over one observation window chosen by the
//! caller by: purchase occasions; optionally the number of equal periods
//! in the window (months, quarters) and how many of them saw a purchase;
//! distinct product categories; referrals; competitors' offers declined;
//! service failures after which the customer kept buying; and whether the
//! customer is in a working partnership with the business \[L\]. Refused:
//! more active periods than periods.
//!
//! # Traits
//!
//! The courseware's five traits of loyal customers \[V: courseware\],
//! with this crate's operational rule for each \[L\]; every threshold is a
//! setting, and a trait holds when its count reaches the threshold:
//!
//! | Trait | Holds when | Default | Refused |
//! |---|---|---|---|
//! | regular repeat purchase | purchases `>= min_purchases` and active periods `>= min_active_periods` | 2 and 0 (regularity off) | `min_purchases < 2` |
//! | cross-buying | categories `>= min_categories` | 2 | `min_categories < 2` |
//! | referral | referrals `>= min_referrals` | 1 | 0 |
//! | resistance to competitors' offers | offers declined `>= min_offers_declined` | 1 | 0 |
//! | tolerance of service failures | failures tolerated `>= min_failures_tolerated` | 1 | 0 |
//! | partnership (the top rung's mark) | the caller's flag | | |
//!
//! A threshold that every customer meets (0 referrals) is refused, since
//! it would give the trait to customers never observed; the regularity
//! test is the exception, off at 0.
//!
//! # Rules
//!
//! A customer with no purchase is a Prospect; with at least one, a
//! Purchaser. Each rung above asks, beyond the rung below it, for every
//! trait of a set `all_of` and at least `min_any` traits of a set `any_of`
//! \[L\]. The customer climbs rung by rung and stops at the first
//! requirement not met, so no rung is skipped: an occasional buyer who
//! refers friends is a Purchaser, not an Advocate \[L\]. Refused: a
//! requirement that asks for nothing, or for more traits of `any_of` than
//! it has.
//!
//! Default requirements \[L\]:
//!
//! | Rung | Asks for (beyond the rung below) |
//! |---|---|
//! | Customer | regular repeat purchase |
//! | Supporter | cross-buying, and competitor resistance or failure tolerance |
//! | Advocate | referral |
//! | Partner | partnership |
//!
//! # Migration
//!
//! Given the rungs of customers at an earlier and a later date, the
//! migration table counts, for each pair of rungs `(a, b)`, the customers
//! on `a` at the earlier date and on `b` at the later one. A customer
//! present at one date only counts as a Prospect at the other \[L\]; a
//! customer listed twice at one date is refused. Upward moves are the
//! counts above the diagonal, downward ones below it. Row shares
//! `count(a, b) / Σ_b count(a, b)` are the empirical one-step transition
//! probabilities (the maximum-likelihood estimate of a Markov chain's
//! matrix from one step \[D\]); a rung nobody started on is given a row of
//! the identity when the table is turned into a transition matrix \[L\].
//!
//! # Worked example
//!
//! By hand, with the default rules. January: customer 1 bought once
//! (Purchaser); customer 2 bought 3 times in 2 categories and stayed
//! after a service failure (Supporter); customer 3 bought 4 times in one
//! category (Customer). June: customer 1 has bought twice (Customer);
//! customer 2 also referred a friend (Advocate); customer 3 has not bought
//! (Prospect). Moves: Purchaser → Customer, Supporter → Advocate (up,
//! two), Customer → Prospect (down, one).
//!
//! # Citations
//!
//! - Christopher, M., Payne, A. & Ballantyne, D. (1991) *Relationship
//!   Marketing*. Butterworth-Heinemann.
//! - Raphel, M. & Raphel, N. (1995) *Up the Loyalty Ladder*. HarperBusiness.
