//! Probabilistic customer-base models (the formulas, sources and conventions:
//! [`btyd::spec`](crate::btyd::spec)): the
//! "buy till you die" models BG/NBD, MBG/NBD and Pareto/NBD (continuous
//! time) and BG/BB
//! (discrete time) for repeat purchases and dropout, Gamma-Gamma for spend,
//! the shifted-beta-geometric (sBG) model for contractual retention, and the
//! lifetime value they imply.
//!
//! A non-contractual customer's history is summarised by `(x, t_x, T)`:
//! `x` repeat purchases, the last at `t_x`, observed until `T`, both from
//! the first purchase ([`CustomerHistory`]), and by the mean value `z̄` of
//! the repeat purchases ([`SpendHistory`]). The models are fitted by
//! maximum likelihood on a population and then score individuals: the
//! probability that a customer is still "alive", the purchases to expect
//! over a horizon, the spend per purchase, and the discounted value.
//!
//! # Example
//!
//! ```
//! use customer_value::{CustomerId, Fit, Scorer};
//! use customer_value::btyd::{BgNbd, BgNbdPredictor, CustomerHistory};
//!
//! // (x, t_x, T) in weeks, and how many customers share each history.
//! let rows = [
//!     (0, 0.0, 38.0, 140), (1, 10.0, 38.0, 25), (1, 30.0, 38.0, 20),
//!     (2, 20.0, 37.0, 10), (2, 35.0, 37.0, 12), (3, 30.0, 36.0, 6),
//!     (5, 35.0, 38.0, 5), (7, 36.0, 38.0, 4), (1, 2.0, 36.0, 8),
//!     (2, 6.0, 38.0, 5), (4, 12.0, 37.0, 3),
//! ];
//! let mut population = Vec::new();
//! for &(x, t_x, age, n) in &rows {
//!     for _ in 0..n {
//!         let id = CustomerId::new(population.len() as u64);
//!         population.push(CustomerHistory::new(id, x, t_x, age)?);
//!     }
//! }
//! let params = BgNbd::new().fit(&population)?;
//!
//! let predictor = BgNbdPredictor::new(params, 52.0)?; // the next 52 weeks
//! let scores = predictor.score_keyed(&population)?;
//! assert_eq!(scores[0].score.p_alive(), 1.0); // no repeat purchase: cannot have died yet
//! let recent = predictor.score(&CustomerHistory::new(CustomerId::new(0), 4, 37.0, 38.0)?)?;
//! let lapsed = predictor.score(&CustomerHistory::new(CustomerId::new(0), 4, 5.0, 38.0)?)?;
//! assert!(recent.p_alive() > lapsed.p_alive());
//! assert!(recent.expected_purchases() > lapsed.expected_purchases());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What is here
//!
//! - Inputs: [`CustomerHistory`] (validated `(x, t_x, T)`, from a
//!   [`CustomerSummary`](crate::CustomerSummary) or plain numbers) and
//!   [`SpendHistory`] (`x`, `z̄` as [`Decimal`](crate::Decimal)); both are
//!   [`Keyed`](crate::Keyed).
//! - Sufficient statistics: [`DistinctRows`] (customer counts per distinct
//!   `(x, t_x, T)`) and [`DistinctSpend`] (per distinct `(x, z̄)`),
//!   mergeable across partitions, so a base of any size is fitted exactly
//!   from counts any engine can build.
//! - BG/NBD (Fader, Hardie & Lee 2005a): the fitter [`BgNbd`] (a
//!   [`Fit`](crate::Fit) returning [`BgNbdParams`];
//!   [`BgNbd::fit_detailed`] / [`BgNbd::fit_weighted`] give a [`BgNbdFit`]
//!   with standard errors and the log-likelihood), per-customer
//!   [`log_likelihood`](BgNbdParams::log_likelihood) and its gradient,
//!   [`p_alive`](BgNbdParams::p_alive),
//!   [`expected_purchases_new`](BgNbdParams::expected_purchases_new)
//!   (`E[X(t)]`), [`expected_purchases`](BgNbdParams::expected_purchases)
//!   (`E[Y(t) | x, t_x, T]`), [`prob_purchases`](BgNbdParams::prob_purchases)
//!   (`P(X(t) = n)`), and the [`BgNbdPredictor`] scorer with a
//!   multi-threaded bulk path.
//! - Gamma-Gamma (Colombo & Jiang 1999; Fader, Hardie & Lee 2005b): the
//!   fitter [`GammaGamma`] ([`GammaGammaFit`]), [`GammaGammaParams`] with
//!   the conditional [`expected_spend`](GammaGammaParams::expected_spend).
//! - MBG/NBD (Batislam, Denizel & Filiztekin 2007): [`MbgNbd`],
//!   [`MbgNbdParams`], [`MbgNbdPredictor`], the same shape as BG/NBD; the
//!   customer may also drop out right after the first purchase.
//! - Pareto/NBD (Schmittlein, Morrison & Colombo 1987; Fader & Hardie
//!   2005): [`ParetoNbd`], [`ParetoNbdParams`] (with DERT and
//!   `P(X(t) = n)`), [`ParetoNbdPredictor`]; [`dert_clv`] gives CLV as
//!   expected spend x DERT.
//! - GGom/NBD (Bemmaor & Glady 2012): [`GgomNbd`], [`GgomNbdParams`]
//!   (P(alive), CET, unconditional expectation, DERT and the conditional
//!   pmf by quadrature), Gompertz lifetimes with gamma heterogeneity;
//!   nests Pareto/NBD as `b, β → 0` with `β/b` fixed, a boundary the fit
//!   reports as [`Limit::ParetoDropout`] and predicts with
//!   ([`GgomNbdParams::pareto_nbd_limit`]); [`purchase_dert_clv`] gives
//!   CLV as expected spend x DERT for it and Pareto/NBD.
//! - Pareto/NBD with static covariates (CLVTools' parametrisation,
//!   `α_i = α·exp(−γ_trans·z_i)`, `β_i = β·exp(−γ_life·z_i)`):
//!   [`ParetoNbdCovariates`] (constraints across processes, L2 penalty),
//!   [`ParetoNbdCovariatesFit`], [`ParetoNbdCovariatesParams`] (per-customer
//!   [`ParetoNbdParams`] for predictions), inputs [`CovariateTable`] and
//!   [`CovariateDesign`].
//! - [`hyp2f1`]: the Gauss hypergeometric function (log-scaled series,
//!   Euler and Pfaff transformations); a typed error, never a wrong number,
//!   where every form cancels.
//! - BG/BB (Fader, Hardie & Shang 2010), discrete time: [`DiscreteHistory`]
//!   `(x, t_x, n)`, [`BgBb`], [`BgBbParams`] (P(alive), expected
//!   transactions, DERT), [`BgBbPredictor`].
//! - sBG (Fader & Hardie 2007), contractual: [`Cohort`] survivor counts,
//!   [`Sbg`] fitting one or several cohorts, [`SbgParams`] (survival,
//!   retention by period, DEL, DERL).
//! - [`PurchaseModel`]: any fitted continuous-time purchase model, tagged
//!   and serialisable, for predictions and CLV that do not care which.
//! - Fitting, the same for every model: [`FitOptions`] (iteration cap,
//!   [`Penalty`], tolerance, start, whether an unconverged fit is an
//!   error), taken by each fitter's `with_options`; [`FitReport`] (the
//!   models' `…Fit` types are aliases of it) with parameters, standard
//!   errors or the reason there are none ([`StdErrorsUnavailable`]),
//!   covariance, log-likelihood, AIC, BIC and a [`FitStatus`].
//! - Per-customer uncertainty ([`intervals`]): [`delta_intervals`] and
//!   [`delta_spend_intervals`] from a fit's covariance (logit / log scale),
//!   and the parametric [`bootstrap`] with exact per-customer percentile
//!   intervals in O(customers) memory ([`ParameterDraws`]); CLV intervals
//!   (purchase model x Gamma-Gamma spend, [`BtydClv`]'s convention) by
//!   [`delta_clv_intervals`] and [`bootstrap_clv_intervals`];
//!   profile-likelihood intervals for small or weakly identified bases
//!   ([`profile_intervals`]).
//! - Lifetime value: [`BtydClv`] over [`BtydCustomer`] rows, lifetimes'
//!   period-sum convention with the period and discount named.
//! - Simulation (feature `simulate`): [`simulate_bgnbd`],
//!   [`simulate_mbgnbd`], [`simulate_bgbb`], [`simulate_sbg`] draw new
//!   customers' histories from fitted parameters, for parameter-recovery
//!   checks.
//!
//! # Distribution forecasts
//!
//! Each purchase model gives the whole distribution of a customer's
//! purchases in the window `(T, T+t]` after calibration, not only its mean
//! (`conditional_prob_purchases` / `conditional_pmf` on [`BgNbdParams`],
//! [`MbgNbdParams`], [`ParetoNbdParams`], [`GgomNbdParams`] (whose
//! Gompertz lifetime is not memoryless: the residual lifetime is integrated
//! by quadrature, see [`GgomNbdParams::conditional_prob_purchases`]) and
//! [`PurchaseModel`];
//! `conditional_prob_transactions` / `conditional_pmf` on [`BgBbParams`]
//! for the next `n*` opportunities). A customer alive at `T` is a new
//! customer with updated parameters (conjugate gamma and beta posteriors,
//! memoryless lifetimes) \[D\], so
//!
//! ```text
//! P(X(T, T+t) = n | x, t_x, T) = P(alive)·P_new(X(t) = n; updated) + (1 − P(alive))·1{n = 0}
//! BG/NBD: (r+x, α+T, a, b+x)   MBG/NBD: (r+x, α+T, a, b+x+1)   Pareto/NBD: (r+x, α+T, s, β+T)
//! BG/BB:  P(alive at n+1)·Σ_{l=1..n*} P(L = l)·BetaBin(k; l, α+x, β+n−x) + (1 − P(alive at n+1))·1{k = 0}
//! ```
//!
//! with `L` the live opportunities among the next `n*` (`θ ~ Beta(γ,
//! δ+n+1)`). It is the distribution of Fader, Hardie & Lee's note on the
//! BG/NBD conditional pmf, Fader & Hardie's note 028 (Pareto/NBD) and
//! Fader, Hardie & Shang (2010), which CLVTools evaluates, computed from
//! positive terms; its mean is the model's conditional expectation. The
//! Pareto/NBD also gives DECT ([`ParetoNbdParams::dect`]) and the posterior
//! mean rates ([`ParetoNbdParams::posterior_mean_lambda`],
//! [`ParetoNbdParams::posterior_mean_mu`]). Holdout evaluation and model
//! choice are in [`evaluate`].
//!
//! # Conventions
//!
//! - Time: any unit, as long as `t_x`, `T` and horizons share it; `α`
//!   carries it. Spend: `γ` carries the money unit.
//! - Fitting (\[L\]): rows with bit-identical `(x, t_x, T)` (`(x, z̄)` for
//!   spend) are grouped into weights, times with the caller's weights;
//!   BG/NBD, MBG/NBD and Pareto/NBD times are scaled by `1/max T` (α, β
//!   are reported in the data's unit); the negative log-likelihood (plus
//!   the options' penalty) is minimised over the log-parameters by BFGS,
//!   from all ones on the fitting scale or the options' start, with the
//!   analytic gradients, inside the box `|θ| ≤ 30` for `θ = ln φ`. Stop
//!   rule (relative, scale-free in `θ`, with `tol` =
//!   [`FitOptions::tolerance`], default `1e-10`, and `f̄ = max(1, |NLL|)`):
//!   the projected gradient `max|∇| ≤ 100·tol·f̄` (`1e-8·f̄` at the
//!   default), or the objective has stalled (two steps each lowering it by
//!   at most `tol·f̄`, or no descent step possible) and `max|∇| ≤ √tol·f̄`.
//!   Standard errors come from a central-difference Hessian of the
//!   analytic gradient (delta method).
//! - Boundary answers: when the likelihood's supremum is at a parameter of
//!   0 or ∞ the fit says so. After the optimiser stops, each model's limit
//!   directions (equal steps in `θ`, so ratios stay fixed) and every single
//!   parameter are tried at the box face `|θ| = 30` and re-minimised; the
//!   best point is kept. [`FitStatus::Interior`] means a point off the face
//!   with a finite positive definite Hessian; [`FitStatus::Boundary`] names
//!   the parameters on the face ([`Divergence`], [`Direction`]) and the
//!   limiting models ([`Limit`]): no dropout (BG/NBD, MBG/NBD `a → 0` or
//!   `b → ∞`, Pareto/NBD `s → 0` or `β → ∞`, BG/BB `γ → 0` or `δ → ∞`,
//!   sBG `β → ∞`), one purchase rate for all (`r, α → ∞`, `r/α` fixed:
//!   Poisson; BG/BB `α, β → ∞`), one dropout rate or probability for all
//!   (`a, b → ∞`, `s, β → ∞`, `γ, δ → ∞`, sBG `α, β → ∞`), one mean spend
//!   (Gamma-Gamma `q, γ → ∞`), Pareto/NBD dropout in GGom/NBD (`b, β → 0`,
//!   `β/b` fixed; [`Limit::ParetoDropout`]). The face point's parameters are `e^±30`
//!   (in the fitting scale); its log-likelihood is within `O(n·e^-30)` of
//!   the limit's, and predictions there are the limit's to that precision
//!   (P(alive) = 1 with no dropout, `E[X(t)] = r t/α` for the no-dropout
//!   NBD). Data that identify nothing are
//!   [`Error::NotIdentified`](crate::Error::NotIdentified): a single
//!   customer, no repeat buyer, identical mean spend for every repeat
//!   buyer (Gamma-Gamma).
//! - Fit reports: the log-likelihood is always the unpenalised one in the
//!   data's units; AIC is `2k − 2·LL` and BIC `k·ln n − 2·LL` with `k` the
//!   number of parameters and `n` the total weight of the customers fitted
//!   on ([`FitReport::customers`]; the cohorts' total size for sBG). A
//!   fitter's errors a caller can act on are typed:
//!   [`Error::EmptyInput`](crate::Error::EmptyInput) for no rows or a total
//!   weight of 0, [`Error::NotConverged`](crate::Error::NotConverged) with
//!   the best parameters reached (in the data's units), their
//!   log-likelihood and the gradient when the stop rule is not met within
//!   the iteration cap (or a report with [`FitStatus::NotConverged`] when
//!   [`FitOptions::keep_unconverged`] asks for it), and
//!   [`Error::InvalidParameter`](crate::Error::InvalidParameter) for bad
//!   options (a negative penalty, a start of the wrong length or out of
//!   range).
//! - Numbers: `f64` inside, never a likelihood outside logs; differences of
//!   `lnΓ` and `ψ` use Stirling forms for large arguments (no cancellation
//!   at `x = 10⁶`). BG/NBD and MBG/NBD `E[X(t)]` and `E[Y(t) | …]` sum the
//!   Euler-transformed "G-form" series of FHL eq. 9 while summing its terms'
//!   magnitudes too; when the condition number `Σ|term| / |value|`, times
//!   `1 + terms/100`, passes 10³ (a large `r` against `a + b`, or a huge `b`), when the sum is not
//!   positive, or past 4 000 terms (`t ≫ α`), the value comes instead from
//!   `∫₀¹ p⁻¹(1 − (α/(α+pt))^r) Beta(p; a, b) dp`, a positive integrand over
//!   the dropout probability, by adaptive Gauss–Kronrod quadrature in the
//!   log-odds of `p` with the two tails in closed form (about 400 integrand
//!   evaluations, `1e-13` relative). Pareto/NBD P(alive) falls back the same
//!   way to the integral over the death time where its series would exceed
//!   10⁶ terms. Extreme histories
//!   give `P(alive) = 0.0`, never NaN; an infinite mean spend (`q ≤ 1`) is
//!   an error, never a negative number.
//! - Money: spend enters and leaves as [`Decimal`](crate::Decimal),
//!   unrounded.
//!
//! Status marks: \[V\] verified against a source, \[D\] derived and checked
//! numerically, \[L\] this crate's convention.
//!
//! # Implementation note
//!
//! The optimiser is a compact BFGS with a backtracking Armijo line search
//! (plus Hager & Zhang's approximate Wolfe test, so that the last steps
//! succeed where the objective changes by less than its rounding), not
//! the `argmin` crate: the stop rule above is on the max-norm relative to
//! the objective, and the problems have 3 or 4 parameters.
//!
//! # Citations
//!
//! - Fader, P.S., Hardie, B.G.S. & Lee, K.L. (2005a) "Counting your
//!   customers" the easy way: an alternative to the Pareto/NBD model.
//!   *Marketing Science* 24(2):275–284.
//! - Fader, Hardie & Lee (2005b) RFM and CLV: using iso-value curves for
//!   customer base analysis. *J. Marketing Research* 42(4):415–430.
//! - Fader & Hardie, note 021 (BG/NBD P(alive)), brucehardie.com.
//! - Colombo, R. & Jiang, W. (1999) A stochastic RFM model. *J.
//!   Interactive Marketing* 13(3):2–12.
//! - Hager, W.W. & Zhang, H. (2005) A new conjugate gradient method with
//!   guaranteed descent and an efficient line search. *SIAM J. Optim.*
//!   16(1):170–192.
//! - Python lifetimes 0.11.3 (MIT), the reference implementation compared
//!   against.

// Checks are written `!(x > 0.0)` so that NaN fails them (STYLE.md 2).
#![allow(clippy::neg_cmp_op_on_partial_ord)]

mod bgbb;
mod bgnbd;
mod boundary;
mod bulk;
mod clv;
pub mod covariates;
mod distribution;
pub mod evaluate;
#[cfg(feature = "json")]
pub mod file;
mod fitting;
mod gamma_gamma;
mod ggomnbd;
mod gradients;
mod hyp2f1;
pub(crate) mod input;
pub mod intervals;
mod math;
mod mbgnbd;
mod model;
mod optim;
mod pareto_nbd;
mod penalty;
mod quadrature;
mod report;
pub(crate) mod rows;
mod sbg;
#[cfg(feature = "simulate")]
mod simulate;
pub mod spec;
mod status;

pub use bgbb::{BgBb, BgBbFit, BgBbParams, BgBbPredictor, BgBbScore, DiscreteHistory};
pub use bgnbd::{BgNbd, BgNbdFit, BgNbdParams, BgNbdPredictor, BgNbdScore};
pub use bulk::{NewCustomerCurve, ParetoNbdBulk};
pub use clv::{BtydClv, BtydClvBuilder, BtydCustomer, dert_clv, purchase_dert_clv};
pub use covariates::{
    BgNbdCovariates, BgNbdCovariatesFit, BgNbdCovariatesParams, CovariateDesign, CovariateTable,
    CovariatesFit, GammaGammaCovariates, GammaGammaCovariatesFit, GammaGammaCovariatesParams,
    ParetoNbdCovariates, ParetoNbdCovariatesFit, ParetoNbdCovariatesParams,
};
pub use gamma_gamma::{GammaGamma, GammaGammaFit, GammaGammaParams};
pub use ggomnbd::{GgomNbd, GgomNbdFit, GgomNbdParams};
pub use hyp2f1::hyp2f1;
pub use input::{CustomerHistory, SpendHistory};
pub use intervals::{
    BootstrapOptions, DELTA_STEP, IntervalModel, ParameterDraws, Prediction, PredictionInterval,
    Refit, bootstrap, bootstrap_clv_intervals, delta_clv_intervals, delta_intervals,
    delta_spend_intervals, profile_intervals,
};
pub use mbgnbd::{MbgNbd, MbgNbdFit, MbgNbdParams, MbgNbdPredictor, MbgNbdScore};
pub use model::PurchaseModel;
pub use pareto_nbd::{
    ParetoNbd, ParetoNbdFit, ParetoNbdParams, ParetoNbdPredictor, ParetoNbdScore,
};
pub use penalty::Penalty;
pub use report::{FitReport, ModelParameters, StdErrorsUnavailable};
pub use rows::{DistinctRow, DistinctRows, DistinctSpend, DistinctSpendRow};
pub use sbg::{Cohort, Sbg, SbgFit, SbgParams};
#[cfg(feature = "simulate")]
pub use simulate::{simulate_bgbb, simulate_bgnbd, simulate_mbgnbd, simulate_sbg};
pub use status::{Direction, Divergence, FitOptions, FitStatus, Limit};
