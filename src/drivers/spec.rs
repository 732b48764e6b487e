//! Specification: customer-equity drivers in [`drivers`](crate::drivers),
//! after Rust, Lemon & Zeithaml (2004), with sources and conventions.
//!
//! This page is documentation only. It states every formula the module's
//! items implement; the items' own docs link to the sections here.
//!
//! How sure each statement is: \[V\] checked against a retrieved source;
//! \[D\] derived here and checked numerically; \[R\] recalled from the
//! cited literature, whose text could not be retrieved here; \[L\] this
//! crate's own convention. The paper's own worked figures were not
//! available, so the worked example below is independent and computed by
//! hand.
//!
//! # Drivers
//!
//! Customer equity is driven by three equities, each with sub-drivers
//! \[R\]: value equity (quality, price, convenience), brand equity
//! (awareness, attitude towards the brand, corporate ethics) and
//! relationship equity (loyalty programmes, special recognition and
//! treatment, affinity, community, knowledge building). Firms choose their
//! own sub-drivers; the crate takes any list of named drivers, each tagged
//! with its equity \[L\].
//!
//! # Switching matrix
//!
//! Each surveyed customer `i` rates every brand `j` on every driver `d`
//! (`x_ijd`). With driver coefficients `β_d` and an inertia coefficient
//! `β_0` (estimated by the caller's logit regression of brand choice on
//! ratings and the previous brand) the utility of brand `j` to a customer
//! whose last purchase was brand `k` is \[R\]
//!
//! ```text
//! U_ikj = β_0 · [j = k] + Σ_d β_d · x_ijd
//! ```
//!
//! and the probability that the next purchase is brand `j` is the
//! multinomial logit \[R\]
//!
//! ```text
//! M_ikj = exp(U_ikj) / Σ_h exp(U_ikh)
//! ```
//!
//! so each customer has a `J × J` switching matrix `M_i` whose rows sum
//! to one. The crate evaluates it with the largest utility subtracted
//! first, so large utilities do not overflow \[L\]. Coefficients common to all
//! customers and no brand constants are this crate's simplification of
//! the paper's estimation \[L\]: a brand constant is a driver rated 1 for
//! that brand and 0 for the others. Refused: coefficients, ratings or
//! utilities that are not finite; ratings whose count is not `J × D`.
//!
//! # Lifetime value
//!
//! `A_i` is the row vector with 1 at the brand customer `i` bought last
//! \[R\]. The probability that the customer's `t`-th purchase from now is
//! brand `j` is `B_ijt = (A_i M_i^t)_j` \[R\]. With `f_i` purchases a year,
//! `v_i` units per purchase, the brand's contribution `m_j` per unit, the
//! annual discount rate `d` and a horizon of `Y` whole years:
//!
//! ```text
//! CLV_ij = Σ_{t=1}^{T_i} (1+d)^(−t/f_i) · v_i · m_j · B_ijt,       T_i = ⌊f_i · Y⌋
//! ```
//!
//! Timing \[L\]: the purchase just made (`t = 0`) is not counted; the
//! `t`-th purchase falls `t/f_i` years from now and is discounted for that
//! time; purchases are counted up to the end of year `Y`. The paper sums
//! over the purchases within its horizon in the same way \[R\]; whether it
//! counts `t = 0` could not be checked. Refused: `f_i <= 0`, `v_i < 0`, a
//! last brand outside the brands, fewer than two brands, `Y = 0`, and more
//! than 10^7 purchases over the horizon.
//!
//! The sum is the finite-horizon Markov-chain value of Pfeifer & Carraway
//! (the [`clv::MarkovModel`](crate::clv::MarkovModel) with reward
//! `v·m_j` in state `j` and per-purchase discount `(1+d)^(1/f) − 1`), less
//! the `t = 0` reward \[D\].
//!
//! # Customer equity
//!
//! A brand's customer equity is the sum of its customers' lifetime values
//! \[R\]. When the respondents are the whole market (`Census`), the crate
//! sums them; when they are a sample of a market of `N` customers
//! (`Market(N)`), the equity is the mean CLV times `N`, as in the paper
//! \[R\].
//!
//! # What-if and return on marketing
//!
//! A marketing action is represented by the shift `Δ` it brings to one
//! brand's rating on one driver, for every respondent \[R\]. The switching
//! matrices, CLVs and equity are recomputed, and with the discounted
//! spend `E > 0` on the action \[R\]
//!
//! ```text
//! ROI = (CE_after − CE_before − E) / E
//! ```
//!
//! Ratings are not clipped to the survey's scale after the shift \[L\]:
//! the caller chooses a shift that stays on the scale. Refused: a spend
//! of 0 or less, a shift that is not finite, a brand or driver out of
//! range.
//!
//! # Worked example
//!
//! By hand. One driver (quality), `β = 1`, `β_0 = 1`; brands A (margin 10)
//! and B (margin 8). A customer rates A 2 and B 1, bought A last, buys once
//! a year, one unit; horizon two years, `d = 0`.
//!
//! - After A: `U_A = 1 + 2 = 3`, `U_B = 1`, so `M_AA = p = 1/(1 + e^−2) =
//!   0.880797`. After B: `U_A = 2`, `U_B = 1 + 1 = 2`, so `M_BA = 0.5`.
//! - `B_1 = (p, 1 − p)`; `B_2 = (p² + (1 − p)/2, …) = (0.835405, 0.164595)`.
//! - `CLV_A = 10 · (0.880797 + 0.835405) = 17.1620`;
//!   `CLV_B = 8 · (0.119203 + 0.164595) = 2.2704`.
//! - With `d = 0.1`: `CLV_A = 10 · (0.880797/1.1 + 0.835405/1.21) =
//!   14.9114`.
//! - Quality of A up by 1: `q = 1/(1 + e^−3) = 0.952574` after A,
//!   `s = 1/(1 + e^−1) = 0.731059` after B; `CLV_A = 10 · (q + q² + (1 −
//!   q) s) = 18.9464`; with a spend of 1 the return is
//!   `(18.9464 − 17.1620 − 1)/1 = 0.7844`.
//!
//! # Citations
//!
//! - Rust, R.T., Lemon, K.N. & Zeithaml, V.A. (2004) Return on marketing:
//!   using customer equity to focus marketing strategy. *Journal of
//!   Marketing* 68(1):109–127.
//! - Pfeifer, P.E. & Carraway, R.L. (2000) Modeling customer relationships
//!   as Markov chains. *Journal of Interactive Marketing* 14(2):43–55.
