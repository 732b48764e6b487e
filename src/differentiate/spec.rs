//! Specification: the customer-differentiation rules of
//! [`differentiate`](crate::differentiate), with their sources and
//! conventions.
//!
//! This page is documentation only. It states every rule the module's
//! items implement or refer to; the items' own docs link to the sections
//! here.
//!
//! How sure each statement is: \[V\] checked against a retrieved source;
//! \[R\] recalled from the literature, unconfirmed; \[L\] this crate's own
//! convention, where no canonical source exists.
//!
//! # Differentiation by value
//!
//! Peppers, Rogers & Dorf (1999) describe one-to-one marketing as four
//! steps, IDIC: identify customers, differentiate them, interact with them,
//! customize the offer \[V: the four steps; R: page numbers\]. To
//! differentiate is to rank customers by their value to the firm and by
//! their needs. The rules below are the computable part: rankings by value.
//!
//! The value of a customer is preferably the profit, otherwise the revenue,
//! over a stated period. Every rule sorts customers by value, highest
//! first; equal values keep their input order, so results are
//! deterministic \[L\]. With `N` customers, values `v_1 ≥ v_2 ≥ … ≥ v_N`
//! and total `V = Σ v`, the cumulative value share after the customer of
//! rank `k` is `C_k = (v_1 + … + v_k)/V`, with `C_0 = 0`.
//!
//! # ABC classes
//!
//! ## ABC by count
//!
//! With count cut points `a < b` (such as 0.2 and 0.5), the customer of
//! rank `k` is in class A if `k ≤ ceil(a·N)`, in B if `k ≤ ceil(b·N)`, and
//! in C otherwise. The thresholds are a convention \[L\]: the "top 20 %"
//! rule is folklore, with no canonical source.
//!
//! ## ABC by value
//!
//! With value-share cut points `a < b`: 0.80 and 0.95 in inventory ABC
//! analysis, 0.55 and 0.85 in a Taiwanese textbook variant \[V\]. Whether
//! the customer whose value carries the cumulative share across a cut point
//! belongs above or below it differs between texts, so the crate asks the
//! caller to choose ([`Boundary`](crate::differentiate::Boundary)) \[L\]:
//!
//! ```text
//! Crossing: rank k is within cut point p when C_(k−1) < p
//!           (the smallest prefix whose share reaches p; the crossing customer is in)
//! Strict:   rank k is within cut point p when C_k ≤ p
//!           (the crossing customer is out)
//! ```
//!
//! `V ≤ 0` is refused. Negative individual values (losses) are accepted,
//! but they make `C_k` non-monotone, so they are reported as a warning.
//!
//! # Customer pyramid
//!
//! Zeithaml, Rust & Lemon (2001) \[V\] sort customers into four tiers by
//! profitability: Platinum, Gold, Iron and Lead, where Lead customers cost
//! the firm more than they bring. The paper fixes no percentages \[R\], so
//! the crate takes the cut points as input.
//!
//! The Chinese-textbook pyramid \[V: a secondary source\] tiers customers
//! by business volume: the top 1 % platinum (白金), the next 4 % gold
//! (黄金), the next 15 % iron (铁) and the remaining 80 % lead (铅). As
//! cumulative count cut points `p = (0.01, 0.05, 0.20, 1.0)`, the customer
//! of rank `k` is in the first tier `j` with `k ≤ ceil(p_j·N)`. For
//! `N = 100`: platinum is rank 1, gold ranks 2 to 5, iron 6 to 20, lead 21
//! to 100. Tiers by cumulative value share, with a boundary rule as for
//! ABC classes, are this crate's extension \[L\].
//!
//! ## Key customer flags
//!
//! - The "gold 5 %" key customers are platinum plus gold of the textbook
//!   pyramid: the customers of rank `k ≤ ceil(0.05·N)` \[V: secondary\].
//! - The "bottom 20 %" flag marks the customers of rank
//!   `k > N − floor(0.2·N)`. No canonical source was found; the rule and
//!   its threshold are the crate's \[L\], and the threshold can be changed.
//!
//! # Value and loyalty matrix
//!
//! Reinartz & Kumar (2002) \[V\] cross profitability (high or low) with the
//! length of the relationship (long or short):
//!
//! | | Short relationship | Long relationship |
//! |---|---|---|
//! | High profit | Butterflies | True Friends |
//! | Low profit | Strangers | Barnacles |
//!
//! The split on each axis is the median of the population unless the
//! caller gives thresholds; a value equal to the split counts as high
//! \[L\].
//!
//! # Worked example
//!
//! Ten customers with values A 1200, B 640, C 900, D 450, E 300, F 520,
//! G 150, H 260, I 90, J 60 (`V = 4570`). Cumulative shares in rank order
//! (computed independently):
//!
//! | Customer (value) | `C_k` |
//! |---|---|
//! | A (1200) | 0.2626 |
//! | C (900) | 0.4595 |
//! | B (640) | 0.5996 |
//! | F (520) | 0.7133 |
//! | D (450) | 0.8118 |
//! | E (300) | 0.8775 |
//! | H (260) | 0.9344 |
//! | G (150) | 0.9672 |
//! | I (90) | 0.9869 |
//! | J (60) | 1.0000 |
//!
//! - By value, 0.80 and 0.95, `Crossing`: A = {A, C, B, F, D},
//!   B = {E, H, G}, C = {I, J}.
//! - By value, `Strict`: A = {A, C, B, F}, B = {D, E, H}, C = {G, I, J}.
//! - By count, 0.2 and 0.5: A = {A, C}, B = {B, F, D}, C = the rest.
//!
//! # Sources
//!
//! - Peppers, D., Rogers, M. & Dorf, B. (1999) Is your company ready for
//!   one-to-one marketing? *Harvard Business Review* 77(1):151–160.
//! - Zeithaml, V.A., Rust, R.T. & Lemon, K.N. (2001) The customer pyramid:
//!   creating and serving profitable customers. *California Management
//!   Review* 43(4):118–142.
//! - Reinartz, W. & Kumar, V. (2002) The mismanagement of customer loyalty.
//!   *Harvard Business Review* 80(7):86–94.
