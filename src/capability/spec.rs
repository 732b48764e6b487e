//! Specification: the CRM capability scorecard of
//! [`capability`](crate::capability), with its sources and conventions.
//!
//! This page is documentation only. It states every rule the module's
//! items implement; the items' own docs link to the sections here.
//!
//! How sure each statement is: \[V\] checked against a retrieved source;
//! \[D\] derived here; \[R\] recalled from the literature, unconfirmed;
//! \[L\] this crate's own convention, where the source gives only a
//! concept.
//!
//! # Indicator table
//!
//! The CRM courseware measures a firm's customer-management capability
//! with three groups of indicators \[V: courseware; no primary source for
//! the table was found\]:
//!
//! | Group | Indicators (keys of `Scorecard::standard`) | Direction \[L\] |
//! |---|---|---|
//! | customer insight | `feedback_speed`, `knowledge_depth`, `analysis_speed`, `analysis_accuracy`, `gold_share_growth` | all higher is better |
//! | customer creation | `development_speed`, `customisation_breadth`, `lead_time`, `cost`, `service_level`, `delivery_speed`, `delivery_flexibility`, `channel_diversity`, `ease_of_use`, `brand_management` | `lead_time`, `cost` lower is better; the rest higher |
//! | customer relationship | `effect_per_investment`, `response_lead_time`, `churn_speed`, `complaint_resolution_time` | `effect_per_investment` higher; the rest lower |
//!
//! The courseware's "analysis speed and accuracy", "lead time and cost"
//! and "delivery speed and flexibility" are split into two indicators each
//! \[L\]. Speeds are taken as rates (higher is better); a caller who
//! measures a speed as a time changes the direction. The table is data: a
//! caller may replace it, as long as keys are unique and every group has
//! an indicator.
//!
//! # Normalisation
//!
//! Two rules \[L\], the caller's choice:
//!
//! - min-max over the units scored, as in the loyalty index:
//!   `z = (x − min)/(max − min)` when higher is better,
//!   `z = (max − x)/(max − min)` when lower is better. An indicator equal
//!   for every unit is an error unless the caller gives a fill score in
//!   `[0, 1]`.
//! - fixed bounds per indicator: `z = (x − worst)/(best − worst)`, clipped
//!   to `[0, 1]`, so one unit can be scored alone (against targets, say).
//!   `best > worst` is required when higher is better, `best < worst` when
//!   lower is better.
//!
//! Refused: measurements that are not finite, or not one per indicator.
//!
//! # Weights
//!
//! Each group has a weight `W_g` (summing to 1) and each indicator a
//! weight `w_i` within its group (summing to 1 in each group), within
//! `1e-9`; the global weight is `W_g · w_i` \[L, as the loyalty index\].
//! They come from the caller, are equal (`1/3`, and equal shares within
//! the group), or come from AHP: Saaty's eigenvector method on one
//! pairwise-comparison matrix for the groups and one per group
//! ([`loyalty::spec`](crate::loyalty::spec#ahp-weights) states the method and its
//! consistency ratio) \[R: Saaty 1980\]. Entropy weights (Hwang & Yoon
//! 1981 \[R\]; [`loyalty::spec`](crate::loyalty::spec#entropy-weights)) are computed over the
//! units' normalised scores for all indicators at once; a group's weight
//! is the sum of its indicators' and `w_i` is the indicator's share of it
//! (equal shares if the group's sum is 0) \[L\].
//!
//! # Composite and sub-scores
//!
//! On a 0-100 scale \[L\]:
//!
//! ```text
//! sub_g     = 100 · Σ_{i in g} w_i · z_i
//! composite = Σ_g W_g · sub_g = 100 · Σ_i W_g(i) · w_i · z_i
//! ```
//!
//! # Influencing factors
//!
//! The courseware names six factors that shape CRM capability \[V:
//! courseware\]: information technology, leadership, culture, people,
//! organisation design and supply-chain partners. The crate takes the
//! caller's rating of each (any scale, higher is better), ranks them
//! weakest first (ties in the courseware's order), and reports as
//! constraints those rated below a threshold the caller sets \[L\].
//! Refused: ratings or a threshold that are not finite.
//!
//! # Worked example
//!
//! By hand (the example of `CapabilityModel`): three units, one indicator
//! per group (accuracy up, lead time down, churn rate down), weights 0.5,
//! 0.3, 0.2. North 0.9, 10, 0.10; south 0.6, 4, 0.20; west 0.7, 6, 0.15.
//! Min-max: north `z = (1, 0, 1)`, south `(0, 1, 0)`, west `(1/3, 2/3,
//! 1/2)`. Composites: north `100 (0.5 + 0.2) = 70`, south `30`, west
//! `100 (0.5/3 + 0.2 + 0.1) = 46.67`.
//!
//! # Citations
//!
//! - Saaty, T.L. (1980) *The Analytic Hierarchy Process*. McGraw-Hill.
//! - Hwang, C.-L. & Yoon, K. (1981) *Multiple Attribute Decision Making*.
//!   Springer.
