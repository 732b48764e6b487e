//! Specification: the loyalty index of [`loyalty`](crate::loyalty), its
//! weights and normalisation, with their sources and conventions.
//!
//! This page is documentation only. It states every formula the module's
//! items implement or refer to; the items' own docs link to the sections
//! here.
//!
//! How sure each statement is: \[V\] checked against a retrieved source;
//! \[D\] derived and checked numerically; \[R\] recalled from the
//! literature, unconfirmed; \[L\] this crate's own convention, where no
//! canonical source exists.
//!
//! # Loyalty hierarchy
//!
//! The CRM courseware this crate starts from measures loyalty with three
//! sub-systems and nine leaf indicators \[V: the courseware; the same
//! hierarchy is typical of the Chinese textbook literature, but no primary
//! source for it was found\]:
//!
//! | Group | Indicators |
//! |---|---|
//! | A1 relationship duration | A11 purchase duration, A12 purchase frequency, A13 frequency trend |
//! | A2 spending | A21 share of wallet, A22 cross-buying |
//! | A3 emotional | A31 mention or recommendation rate, A32 price sensitivity (reverse: lower is more loyal), A33 satisfaction, A34 purchase voluntariness |
//!
//! ## Loyalty index
//!
//! How the index is computed from the hierarchy is this crate's convention
//! \[L\]. Each leaf's global weight is the product of its group's weight
//! and its weight within the group, and the index weighs the normalised
//! indicators `z` (see below) on a 0 to 100 scale:
//!
//! ```text
//! index = 100 · Σ_leaf W_leaf · z_leaf,     W_leaf = w_group × w_leaf-in-group,     Σ_leaf W_leaf = 1
//! ```
//!
//! A missing indicator is never read as zero: it is an error, or, at the
//! caller's explicit choice, it is left out and the remaining weights are
//! divided by their sum \[L\].
//!
//! # Normalisation
//!
//! Min-max normalisation over the `m` customers of the population \[R: the
//! standard form\]:
//!
//! ```text
//! positive indicator:   z = (x − min) / (max − min)
//! reverse indicator:    z = (max − x) / (max − min)
//! ```
//!
//! When every customer has the same value (`max = min`) this is an error,
//! unless the caller names a constant `z` to use instead \[L\].
//!
//! # AHP weights
//!
//! Saaty's analytic hierarchy process \[V: the CI, CR and RI definitions;
//! R: Saaty's text\]. The input is an `n × n` pairwise comparison matrix
//! `A` of positive judgments on Saaty's 1 to 9 scale, with `a_ii = 1` and
//! `a_ji = 1/a_ij`; the crate checks reciprocity to a relative tolerance of
//! 1e-9.
//!
//! - The weights `w` are the principal right eigenvector of `A`, scaled to
//!   `Σ w = 1`, found by power iteration until `max_i |Δw_i| < 1e-15`.
//! - `λ_max = (1/n)·Σ_i (A·w)_i / w_i`.
//! - Consistency index `CI = (λ_max − n)/(n − 1)`.
//! - Consistency ratio `CR = CI / RI(n)`; the judgments are acceptably
//!   consistent when `CR < 0.10`. For `n ≤ 2`, `CR = 0`.
//! - Two approximations are in textbooks and are offered for replication:
//!   the normalised geometric means of the rows (方根法), and the mean of
//!   the rows after each column is divided by its sum (和积法).
//!
//! ## Random index
//!
//! Saaty's random consistency index, the mean `CI` of random reciprocal
//! matrices of order `n`:
//!
//! | n | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 |
//! |---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
//! | RI | 0 | 0 | 0.58 | 0.90 | 1.12 | 1.24 | 1.32 | 1.41 | 1.45 | 1.49 | 1.51 | 1.48 | 1.56 | 1.57 | 1.59 |
//!
//! Other tables are in use (simulated values such as 0.525, 0.884, 1.108
//! for `n = 3, 4, 5`; Chinese tables beyond `n = 10`), so the caller may
//! supply one. Without one, `n > 15` is an error.
//!
//! # Entropy weights
//!
//! The entropy method \[R: Hwang & Yoon 1981; widely used\], for `m`
//! customers and `n` indicators already normalised to `z ≥ 0`:
//!
//! ```text
//! p_ij = z_ij / Σ_i z_ij
//! e_j  = −(1 / ln m) · Σ_i p_ij · ln p_ij        (with 0 · ln 0 = 0)
//! d_j  = 1 − e_j
//! w_j  = d_j / Σ_j d_j
//! ```
//!
//! An indicator that varies more across customers has a lower entropy and
//! gets more weight. Errors: `m < 2`, a column that sums to 0, or
//! `Σ_j d_j = 0` (every indicator uniform).
//!
//! # Worked example
//!
//! AHP, computed independently:
//!
//! | Level | Matrix | w | λ_max | CI | CR |
//! |---|---|---|---|---|---|
//! | groups A1, A2, A3 | `[[1, 2, 3], [1/2, 1, 2], [1/3, 1/2, 1]]` | (0.5396, 0.2970, 0.1634) | 3.0092 | 0.0046 | 0.0079 |
//! | within A1 | `[[1, 3, 5], [1/3, 1, 3], [1/5, 1/3, 1]]` | (0.6370, 0.2583, 0.1047) | 3.0385 | 0.0193 | 0.0332 |
//! | within A2 | `[[1, 2], [1/2, 1]]` | (2/3, 1/3) | 2 | 0 | 0 (`n ≤ 2`) |
//! | within A3 | `[[1, 2, 3, 2], [1/2, 1, 2, 1], [1/3, 1/2, 1, 1/2], [1/2, 1, 2, 1]]` | (0.4236, 0.2270, 0.1223, 0.2270) | 4.0104 | 0.0035 | 0.0038 |
//!
//! Global weights A11 to A34: (0.3437, 0.1394, 0.0565, 0.1980, 0.0990,
//! 0.0692, 0.0371, 0.0200, 0.0371).
//!
//! Three customers' raw indicators, A11 to A34, with A32 reverse-scored:
//!
//! - c1 = (36, 12, 1.0, 0.6, 5, 0.5, 2, 6.5, 6): index 100.00;
//! - c2 = (12, 4, −2.0, 0.2, 1, 0.1, 6, 4.0, 3): index 0.00;
//! - c3 = (24, 8, 0.5, 0.4, 3, 0.3, 4, 5.5, 5): index 52.70, from
//!   `z = (.5, .5, .8333, .5, .5, .5, .5, .6, .6667)`.
//!
//! Entropy weights of `Z = [[.9, .2, .5], [.6, .8, .5], [.3, .4, .5], [0, .6, .4]]`
//! (four customers, three indicators): `e = (0.729574, 0.923220, 0.996887)`,
//! `w = (0.771941, 0.219172, 0.008887)`.
//!
//! # Sources
//!
//! - Saaty, T.L. (1977) A scaling method for priorities in hierarchical
//!   structures. *J. Mathematical Psychology* 15(3):234–281.
//! - Saaty, T.L. (1980) *The Analytic Hierarchy Process*. McGraw-Hill.
//! - Hwang, C.-L. & Yoon, K. (1981) *Multiple Attribute Decision Making:
//!   Methods and Applications*. Springer \[R\].
