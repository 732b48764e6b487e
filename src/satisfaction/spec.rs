//! Specification: the satisfaction measures of
//! [`satisfaction`](crate::satisfaction), with their sources and
//! conventions.
//!
//! This page is documentation only. It states every formula the module's
//! items implement or refer to; the items' own docs link to the sections
//! here.
//!
//! How sure each statement is: \[V\] checked against a retrieved source;
//! \[R\] recalled from the literature, unconfirmed; \[L\] this crate's own
//! convention, where no canonical source exists.
//!
//! # Seven-level scale
//!
//! The Chinese CRM textbooks measure satisfaction on seven levels \[V\],
//! numbered here from 1 to 7:
//!
//! | Level | 中文 | English |
//! |---|---|---|
//! | 1 | 很不满意 | very dissatisfied |
//! | 2 | 不满意 | dissatisfied |
//! | 3 | 不太满意 | somewhat dissatisfied |
//! | 4 | 一般 | neutral |
//! | 5 | 较满意 | somewhat satisfied |
//! | 6 | 满意 | satisfied |
//! | 7 | 很满意 | very satisfied |
//!
//! A five-level version is also in use. How five-level and 0–10 answers
//! map onto the seven levels is this crate's convention \[L\], stated at
//! [`SatisfactionLevel`](crate::satisfaction::SatisfactionLevel).
//!
//! ## Item and overall scores
//!
//! The textbook aggregation \[V\]: the score of item `j` is the mean of its
//! `n` answers, `S_j = (1/n)·Σ_i S_ij`, and the overall score weighs the
//! items, `S = Σ_j λ_j·S_j` with `Σ_j λ_j = 1`. Weights that do not sum to
//! 1 are divided by their sum \[L\].
//!
//! Some texts score the levels with fixed points rather than their
//! numbers, such as 100, 80, 60, 30 and 0 for five levels \[V: a secondary
//! source\]; the crate takes any such map from the caller.
//!
//! ## Distribution statistics
//!
//! For one item with `n_k` answers at level `k` and `N = Σ_k n_k`:
//!
//! ```text
//! mean            x̄   = Σ_k k·n_k / N
//! top-2-box       T2B = (n_6 + n_7) / N
//! bottom-2-box    B2B = (n_1 + n_2) / N
//! CSI (0 to 100)  CSI = (x̄ − 1) / (7 − 1) × 100
//! ```
//!
//! The CSI is a linear rescaling of the mean onto 0–100 \[L\]; on a scale
//! from `min` to `max` it is `(x̄ − min)/(max − min) × 100`. The standard
//! deviation quoted with the worked example below is the sample one (divide
//! by `N − 1`).
//!
//! Refused: no answers (`N = 0`), and answers outside 1 to 7.
//!
//! # ACSI index
//!
//! The American Customer Satisfaction Index (Fornell et al. 1996) reports
//! a latent score on 0 to 100 \[V\]:
//!
//! ```text
//! ACSI = (E[ξ] − min ξ) / (max ξ − min ξ) × 100,     ξ = Σ_j w_j·x̄_j
//! ```
//!
//! On items answered 1 to 10 this is `Σ_j w_j·(x̄_j − 1) / (9·Σ_j w_j) × 100`.
//! The weights are the PLS outer weights of the items and must be positive;
//! the real ACSI weights are proprietary, so the caller supplies them.
//! Scaling all weights by the same factor leaves the index unchanged.
//!
//! # Kano classification
//!
//! ## Kano evaluation table
//!
//! Kano et al. (1984) ask two questions per product attribute: how the
//! customer feels if it is present (functional) and if it is absent
//! (dysfunctional). Each answer is one of 1 Like, 2 Must-be, 3 Neutral,
//! 4 Live-with, 5 Dislike, and the pair is classified by the table \[V\]
//! (rows: functional answer, columns: dysfunctional answer):
//!
//! | F \ D | Like | Must-be | Neutral | Live-with | Dislike |
//! |---|---|---|---|---|---|
//! | Like | Q | A | A | A | O |
//! | Must-be | R | I | I | I | M |
//! | Neutral | R | I | I | I | M |
//! | Live-with | R | I | I | I | M |
//! | Dislike | R | R | R | R | Q |
//!
//! A attractive, O one-dimensional, M must-be, I indifferent, R reverse,
//! Q questionable.
//!
//! ## Kano category
//!
//! An attribute's category is the most frequent one over the respondents.
//! Ties are broken M > O > A > I \[R: Matzler & Hinterhuber 1998, not
//! checked against the paper\], then R > Q \[L\].
//!
//! ## Better and Worse
//!
//! Berger et al. (1993) measure how much an attribute can raise
//! satisfaction, and how much its absence lowers it \[R: the standard
//! formula\], leaving R and Q answers out:
//!
//! ```text
//! Better (CS+) =  (A + O) / (A + O + M + I)
//! Worse  (CS−) = −(O + M) / (A + O + M + I)
//! ```
//!
//! `A + O + M + I = 0` is an error.
//!
//! # Worked example
//!
//! Computed independently:
//!
//! - Seven-level counts (2, 3, 5, 10, 20, 35, 25), `N = 100`: mean 5.48,
//!   sample standard deviation 1.4247, T2B 0.60, B2B 0.05, CSI 74.67.
//! - ACSI of item means (8.2, 7.6, 7.9) with weights (0.36, 0.32, 0.32):
//!   76.8; the weights (0.9, 0.8, 0.8) give the same.
//! - Kano counts A 40, O 25, M 10, I 20, R 3, Q 2: category A,
//!   Better = 65/95 = 0.6842, Worse = −35/95 = −0.3684.
//!
//! # Sources
//!
//! - Fornell, C., Johnson, M.D., Anderson, E.W., Cha, J. & Bryant, B.E.
//!   (1996) The American Customer Satisfaction Index: nature, purpose, and
//!   findings. *J. Marketing* 60(4):7–18.
//! - Kano, N., Seraku, N., Takahashi, F. & Tsuji, S. (1984) Attractive
//!   quality and must-be quality. *J. Japanese Society for Quality
//!   Control* 14(2):39–48.
//! - Berger, C. et al. (1993) Kano's methods for understanding
//!   customer-defined quality. *Center for Quality of Management Journal*
//!   2(4):3–36.
//! - Matzler, K. & Hinterhuber, H.H. (1998) How to make product development
//!   projects more successful by integrating Kano's model of customer
//!   satisfaction into quality function deployment. *Technovation*
//!   18(1):25–38 \[R\].
