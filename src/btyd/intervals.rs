//! Per-customer uncertainty of a fitted model's predictions, in bounded
//! memory: delta-method intervals from a fit's covariance, and parametric
//! bootstrap intervals (resample customers, refit, predict) whose memory is
//! O(customers × quantiles) whatever the number of replicates.
//!
//! Both describe the uncertainty of a *prediction given the model*: the
//! interval is for `f(φ; x, t_x, T)` (P(alive), `E[Y(t) | x, t_x, T]`, the
//! Gamma-Gamma conditional mean spend) as a function of the estimated
//! parameters `φ`, not for the customer's future purchases themselves.
//!
//! # Delta method
//!
//! With `θ = ln φ` the log-parameters and `Σ_θ = H⁻¹` their covariance
//! (`Cov(θ_i, θ_j) = Cov(φ_i, φ_j)/(φ_i φ_j)`, from the fit's
//! [`covariance`](crate::btyd::FitReport::covariance)), a prediction is
//! first mapped to an unbounded scale `g`:
//!
//! ```text
//! P(alive):            g = logit p = ln(p/(1−p))
//! E[Y(t)], E[Z | x, z̄]: g = ln f
//! Var(g) ≈ ∇_θ gᵀ Σ_θ ∇_θ g                     (first-order Taylor; Rao 1973, §6a.2)
//! interval = g⁻¹(g(φ̂) ± z·√Var(g)),  z = Φ⁻¹((1 + level)/2)
//! ∂g/∂θ_k ≈ (g(θ + h e_k) − g(θ − h e_k)) / (2h),  h = 10⁻⁵
//! ```
//!
//! so a P(alive) interval stays in `[0, 1]` and a positive quantity's stays
//! positive.
//!
//! The gradient is analytic where the model allows it cheaply, computed
//! together with the value: `logit P(alive)` of BG/NBD and MBG/NBD in
//! closed form; `E[Y(t) | x, t_x, T]` of BG/NBD and MBG/NBD by carrying the
//! parameter derivatives through the terms of the series that gives its
//! value, and of Pareto/NBD from the log-likelihood's analytic gradient
//! (`∇ ln P(alive) = ∇D1 + ∇C − ∇ℓ`); the purchase factor of the CLV as
//! the discounted sum of those. So an `E[Y(t)]` interval costs about two
//! predictions per distinct row instead of nine. Elsewhere
//! (Pareto/NBD P(alive), Gamma-Gamma spend, and rows where a series would
//! be ill-conditioned and the value comes from quadrature) the gradient is
//! a central difference in the log-parameters
//! with step `h = 10⁻⁵` (about the cube root of the machine epsilon, which
//! balances the `O(h²)` truncation against rounding of the `O(1)` values of
//! `g`). The tests check the analytic gradients against central
//! differences over a grid of awkward points, and the numerical path
//! against the closed-form gradient of the BG/NBD log-odds. A distinct row
//! (`(x, t_x, T)`, or `(x, z̄)` for spend) on the numerical path costs
//! `1 + 2N` evaluations (`N` = 4 parameters, 3 for Gamma-Gamma), once:
//! customers with the same row share its interval, so
//! a base of a million customers in a few thousand distinct rows costs a
//! few thousand gradients and a hash lookup per customer. (BG/NBD and
//! MBG/NBD P(alive) use a closed-form gradient, cheaper than the lookup,
//! computed per customer.) A prediction at the edge of its scale
//! (P(alive) exactly 1, as for a BG/NBD customer without repeat purchase,
//! or an expectation of exactly 0) does not depend on the parameters: its
//! interval is the point itself.
//!
//! # Coverage
//!
//! On 2,000 simulated bases of 2,000 customers (weekly ages of 27 to 39
//! weeks, five probe histories, the tests' `coverage_diagnostics`), nominal
//! 90 % BG/NBD intervals at the CDNOW estimates cover the value at the true
//! parameters 90.5 % (P(alive)) and 90.6 % (`E[Y(26)]`) of the time. MBG/NBD
//! at the same parameters covers less, 86.8 % and 87.5 %, and the cause is
//! the parameters, not the transform or the gradient: with `r` small a
//! customer without repeat purchases is either a slow buyer or one who
//! dropped out at the first purchase, the likelihood is flat along that
//! direction, and the estimates' sampling distribution is skewed and
//! heavy-tailed (`ln r`: standard deviation 0.24 over the bases against a
//! mean standard error of 0.17, bias +0.075; each parameter's own Wald
//! interval covers 85–89 %), although the covariance is the inverse
//! Hessian to four digits. The normal approximation improves with the base
//! size: 89.4 % and 90.4 % at 8,000 customers, 91.0 % and 90.9 % at 32,000.
//!
//! Other intervals on the same 200 bases of 2,000 customers (the first 200
//! seeds of the 2,000; 100 bootstrap replicates; nominal 90 %; P(alive) /
//! `E[Y(26)]`; the tests' `bootstrap_methods_coverage`; the MBG/NBD
//! profile figures measured with the same walk at tighter inner
//! tolerances, the BG/NBD ones by `profile_coverage`):
//!
//! | method | BG/NBD | MBG/NBD |
//! |---|---|---|
//! | delta method ([`delta_intervals`]) | 91.0 / 91.2 | 85.9 / 86.8 |
//! | percentile bootstrap ([`ParameterDraws::intervals`]) | 89.0 / 88.7 | 87.3 / 87.2 |
//! | basic bootstrap (`2ĝ − g(q)`) | 90.8 / 90.0 | 83.5 / 84.6 |
//! | bias-corrected percentile | 88.6 / 89.1 | 86.2 / 86.4 |
//! | studentized bootstrap ([`ParameterDraws::studentized_intervals`]) | 90.2 / 90.2 | 83.9 / 85.3 |
//! | likelihood ratio along the delta direction | | 82.9 / 82.4 |
//! | profile likelihood ([`profile_intervals`]) | 90.6 / 90.7 | 87.9 / 87.9 |
//!
//! The methods built on the estimates' spread (delta, bootstrap) rest on a
//! spread that a base this small does not pin down; the studentized
//! bootstrap, whose `t` statistic is far from pivotal when the standard
//! error itself is poorly estimated, does worse. The profile likelihood
//! follows the likelihood where it is flat and is the one that covers
//! best at 2,000 customers, 1 to 2 points above the delta method on the
//! same bases. The delta method reaches 88 % for MBG/NBD at 8,000
//! customers (the curve above: 87.2 % at 2,000, 89.9 % at 8,000, 91.0 %
//! at 32,000, P(alive) and `E[Y(26)]` together; not measured in between).
//!
//! ## Which method
//!
//! On all 2,000 bases of 2,000 customers (the tests' `coverage_2000_bases`,
//! which asserts each model's recommended method within 2 points of the
//! nominal 90 %; the five probe histories, P(alive) and `E[Y(26)]`
//! together; the Gamma-Gamma mean spend of five simulated customers; the
//! 12-month CLV at 1 % a month of the five probes with a mean spend each
//! and of a customer without repeat purchase; about 9 minutes on a loaded
//! 2-core machine):
//!
//! | model | method to use | delta method | profile likelihood |
//! |---|---|---|---|
//! | BG/NBD | [`delta_intervals`] | 90.5 % (90.5 / 90.6) | 90.5 % (90.4 / 90.6) |
//! | Pareto/NBD | [`delta_intervals`] | 91.6 % | not measured |
//! | Gamma-Gamma spend | [`delta_spend_intervals`] | 89.5 % | (none) |
//! | CLV (BG/NBD and Gamma-Gamma) | [`delta_clv_intervals`] | 89.6 % | (none) |
//! | MBG/NBD, below some 8,000 customers | [`profile_intervals`] | 87.2 % (86.8 / 87.5) | 88.8 % (88.7 / 88.9) |
//!
//! (In brackets P(alive) / `E[Y(26)]`; the BG/NBD profile figure from the
//! tests' `profile_coverage` on the same bases; MBG/NBD on all 2,000,
//! base 626 included since its fit no longer fails.) So: the delta
//! method for every model, except MBG/NBD on fewer than some 8,000
//! customers, where [`profile_intervals`] is the one within 2 points of
//! nominal; from 8,000 customers on the delta method is, at a fraction of
//! the cost. The profile likelihood costs a few milliseconds per customer
//! row on such a base (see [`profile_intervals`]), so it suits the
//! customers one reports on rather than a whole base of millions.
//!
//! # Parametric bootstrap
//!
//! [`bootstrap`] draws `B` resamples of the customers with replacement
//! (for weighted rows, such as [`DistinctRows`](crate::btyd::DistinctRows)
//! counts, the multinomial counts of `n = Σ w` draws over the rows, each row
//! with probability `w_i/n`), refits each from the point estimate, and keeps
//! only the `B` parameter vectors ([`ParameterDraws`]). The per-customer
//! intervals are then computed once per distinct row (customers sharing
//! `(x, t_x, T)`, or `(x, z̄)` for spend, share the interval): the `B`
//! predictions of one row go to a scratch buffer of `B` numbers (one per thread),
//! from which the two quantiles are selected (`select_nth_unstable`), and
//! only the interval is kept. Memory is `O(B·N)` for the draws, `O(B)` per
//! thread and `O(customers)` for the output, never `O(customers × B)`, and
//! the quantiles are exact order statistics (Hyndman & Fan 1996, type 7:
//! linear interpolation between the order statistics at `(B−1)·q`), not a
//! streaming approximation such as P².
//!
//! Speed: a BG/NBD refit runs Newton's method from the point estimate
//! (within sampling error of the resample's maximum, so a few steps with
//! the analytic Hessian), falling back to the fitter's own path (quasi-Newton,
//! then Newton) where that does not end at an interior maximum; a resample
//! draws each customer by one lookup in a customer-to-row table (up to
//! 2²⁴ customers; a binary search of the cumulative counts above); the
//! replicates and the intervals' rows go to the threads as they free up.
//! For `E[Y(t)]` of BG/NBD and MBG/NBD, `P(alive) · E_BG(t; r+x, α+T, …)`,
//! the `E_BG` factor depends on `(x, T)` only and is computed once per draw
//! and distinct `(x, T)`, the P(alive) once per draw and distinct row. On
//! 100k customers (40,213 distinct rows), 200 replicates on 2 threads, the
//! refits take 1.5 s and the P(alive) and `E[Y(52)]` intervals of every
//! customer 1.4 s, 3.1 s in all with a peak resident memory of 27 MB, on a
//! loaded 2-core machine (`examples/bootstrap_at_scale.rs`; 11.3 s before
//! these changes, measured alternately in the same run; 4.8 to 6.3 s
//! against 13.6 to 15.0 s under a heavier load).
//!
//! Reproducibility: replicate `b` draws from its own SplitMix64 stream
//! (Steele, Lea & Flood 2014) seeded from `(seed, b)`, and its refit lands in
//! slot `b`, so the draws, and so the intervals, are the same for a seed
//! whatever the number of threads.
//!
//! A replicate whose refit fails (a resample that cannot identify the
//! parameters, or does not converge) is left out and counted in
//! [`ParameterDraws::failed`]; fewer than 2 successful replicates is an
//! error.
//!
//! # Example
//!
//! ```
//! use customer_value::btyd::{
//!     BgNbd, BgNbdParams, BootstrapOptions, Prediction, bootstrap, delta_intervals,
//!     simulate_bgnbd,
//! };
//!
//! let truth = BgNbdParams::new(0.25, 4.0, 0.8, 2.5)?;
//! let histories = simulate_bgnbd(&truth, &vec![39.0; 1000], 1)?;
//! let fit = BgNbd::new().fit_detailed(&histories)?;
//!
//! let delta = delta_intervals(&fit, Prediction::ExpectedPurchases(52.0), &histories[..5], 0.9)?;
//! for iv in &delta {
//!     assert!(iv.lower() <= iv.estimate() && iv.estimate() <= iv.upper());
//! }
//!
//! let weights = vec![1.0; histories.len()];
//! let options = BootstrapOptions::new(20, 7)?;
//! let draws = bootstrap(&BgNbd::new(), &fit, &histories, &weights, &options)?;
//! let boot = draws.intervals(Prediction::PAlive, &histories[..5], 0.9)?;
//! assert_eq!(boot.len(), 5);
//! # Ok::<(), customer_value::Error>(())
//! ```

use std::collections::HashMap;
use std::hash::Hash;

use crate::btyd::gradients::{bg_ln_expected_gradient, pnbd_ln_expected_gradient};
use crate::btyd::input::{Row, compress};
use crate::btyd::math::e_bg;
use crate::btyd::report::ModelParameters;
use crate::btyd::{
    BgNbd, BgNbdParams, BtydClv, BtydCustomer, CustomerHistory, FitReport, GammaGamma,
    GammaGammaParams, MbgNbd, MbgNbdParams, ParetoNbd, ParetoNbdParams, Penalty, PurchaseModel,
    SpendHistory,
};
use crate::btyd::{bgnbd, mbgnbd};
use crate::{Error, Result};

/// Central-difference step in the log-parameters for the delta method.
pub const DELTA_STEP: f64 = 1e-5;

/// A two-sided interval around a point prediction.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PredictionInterval {
    estimate: f64,
    lower: f64,
    upper: f64,
}

impl PredictionInterval {
    /// The prediction at the fitted parameters.
    pub fn estimate(&self) -> f64 {
        self.estimate
    }
    /// The lower bound.
    pub fn lower(&self) -> f64 {
        self.lower
    }
    /// The upper bound.
    pub fn upper(&self) -> f64 {
        self.upper
    }
    /// `upper − lower`.
    pub fn width(&self) -> f64 {
        self.upper - self.lower
    }
    /// Whether `value` lies in `[lower, upper]`.
    pub fn contains(&self, value: f64) -> bool {
        self.lower <= value && value <= self.upper
    }
}

/// Which per-customer prediction of a purchase model an interval is for.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Prediction {
    /// P(alive at `T` | x, t_x, T); logit scale for the delta method.
    PAlive,
    /// `E[Y(t) | x, t_x, T]`, the expected purchases in `(T, T + t]`, with
    /// `t` the horizon in the data's time unit; log scale.
    ExpectedPurchases(f64),
}

/// A purchase model whose per-customer predictions get intervals:
/// [`BgNbdParams`], [`MbgNbdParams`], [`ParetoNbdParams`] (sealed).
pub trait IntervalModel: ModelParameters<4> + Send + Sync {
    /// The prediction for one customer.
    ///
    /// # Errors
    ///
    /// Those of the model's `p_alive` and `expected_purchases`.
    fn predict(&self, what: Prediction, history: &CustomerHistory) -> Result<f64>;

    /// `logit P(alive)` and its gradient in the log-parameters in closed
    /// form, where the model has one (BG/NBD, MBG/NBD); `None` otherwise
    /// (the delta method then differentiates numerically) and where
    /// P(alive) is exactly 1.
    #[doc(hidden)]
    fn logit_p_alive_gradient(&self, _history: &CustomerHistory) -> Option<(f64, [f64; 4])> {
        None
    }

    /// `E[Y(t) | x, t_x, T]` and the gradient of its logarithm in the
    /// log-parameters, computed together (BG/NBD, MBG/NBD, Pareto/NBD; see
    /// `btyd::gradients`); `None` where the value is 0 or the analytic path
    /// does not apply (the delta method then differentiates numerically).
    #[doc(hidden)]
    fn ln_expected_purchases_gradient(
        &self,
        _history: &CustomerHistory,
        _t: f64,
    ) -> Option<(f64, [f64; 4])> {
        None
    }

    /// Where `E[Y(t) | x, t_x, T] = P(alive | x, t_x, T) · F(x, T, t)` with
    /// a factor `F` that does not depend on `t_x` (BG/NBD, MBG/NBD), `F`;
    /// `predict` must equal `0` where P(alive) is 0 and `P(alive) · F`
    /// otherwise, to the bit. `None` for models without such a factor.
    /// The bootstrap computes `F` once per draw and distinct `(x, T)`
    /// rather than once per draw and distinct row.
    #[doc(hidden)]
    fn purchases_if_alive(&self, _x: u32, _age: f64, _t: f64) -> Option<Result<f64>> {
        None
    }

    /// One customer's log-likelihood and its gradient in the
    /// log-parameters (`−∞` and NaN where the model cannot compute them),
    /// for [`profile_intervals`].
    #[doc(hidden)]
    fn log_likelihood_and_gradient(&self, _history: &CustomerHistory) -> (f64, [f64; 4]) {
        (f64::NEG_INFINITY, [f64::NAN; 4])
    }

    /// The weighted log-likelihood of distinct `rows` and its gradient in
    /// the log-parameters, as a function of the parameters prepared once
    /// for the many evaluations of [`profile_intervals`] (`−∞` or NaN
    /// where the model cannot compute them). By default the weighted sum
    /// of [`log_likelihood_and_gradient`](IntervalModel::log_likelihood_and_gradient)
    /// over the rows; BG/NBD and MBG/NBD sum the fitter's grouped
    /// likelihood instead (the same value, summed by runs of `x`).
    ///
    /// # Errors
    ///
    /// Those of the rows' grouping (a weight that is not finite and ≥ 0).
    #[doc(hidden)]
    fn data_log_likelihood<'a>(
        rows: &'a [CustomerHistory],
        weights: &'a [f64],
    ) -> Result<DataLogLikelihood<'a, Self>>
    where
        Self: Sized,
    {
        Ok(Box::new(move |p: &Self| {
            per_row_log_likelihood(p, rows, weights)
        }))
    }
}

/// A data set's weighted log-likelihood and its gradient in the
/// log-parameters at given parameters (see
/// [`IntervalModel::data_log_likelihood`]).
#[doc(hidden)]
pub type DataLogLikelihood<'a, P> = Box<dyn Fn(&P) -> (f64, [f64; 4]) + Sync + 'a>;

/// The weighted sum of the rows' log-likelihoods and gradients, one row
/// at a time (rows of weight 0 left out).
fn per_row_log_likelihood<P: IntervalModel>(
    p: &P,
    rows: &[CustomerHistory],
    weights: &[f64],
) -> (f64, [f64; 4]) {
    let (mut l, mut g) = (0.0, [0.0; 4]);
    for (h, &w) in rows.iter().zip(weights) {
        if w != 0.0 {
            let (v, d) = p.log_likelihood_and_gradient(h);
            l += w * v;
            for k in 0..4 {
                g[k] += w * d[k];
            }
        }
    }
    (l, g)
}

/// `rows` with `weights` grouped as the fitters group them: distinct
/// `(x, t_x, T)` in canonical order, weight-0 rows dropped.
fn grouped_rows(rows: &[CustomerHistory], weights: &[f64]) -> Result<Vec<Row>> {
    compress(rows, Some(weights), |h| Some((h.x(), h.t_x(), h.age())))
}

/// BG/NBD and MBG/NBD: `logit p = −v`, `v = ln a − ln(b + x − k) + (r+x)·ln((α+T)/(α+t_x))`
/// with `k` = 1 for BG/NBD (and `x ≥ 1`), 0 for MBG/NBD; the derivatives of
/// `v` in `(ln r, ln α, ln a, ln b)` are `r·L`, `(r+x)·α·(1/(α+T) − 1/(α+t_x))`,
/// `1` and `−b/(b + x − k)`, `L = ln((α+T)/(α+t_x))`.
fn bg_logit_gradient(
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
    k: f64,
    h: &CustomerHistory,
) -> (f64, [f64; 4]) {
    let x = f64::from(h.x());
    let (t_x, big_t) = (h.t_x(), h.age());
    let l = ((big_t - t_x) / (alpha + t_x)).ln_1p();
    let v = a.ln() - (b + x - k).ln() + (r + x) * l;
    let grad = [
        -(r * l),
        -((r + x) * alpha * (1.0 / (alpha + big_t) - 1.0 / (alpha + t_x))),
        -1.0,
        b / (b + x - k),
    ];
    (-v, grad)
}

impl IntervalModel for BgNbdParams {
    fn log_likelihood_and_gradient(&self, history: &CustomerHistory) -> (f64, [f64; 4]) {
        (
            self.log_likelihood(history),
            self.log_likelihood_gradient(history),
        )
    }
    fn data_log_likelihood<'a>(
        rows: &'a [CustomerHistory],
        weights: &'a [f64],
    ) -> Result<DataLogLikelihood<'a, Self>> {
        let rows = grouped_rows(rows, weights)?;
        Ok(Box::new(move |p: &Self| {
            let mut g = [0.0; 4];
            let f = bgnbd::nll_grad(&rows, p.values().map(f64::ln), &mut g);
            (-f, g.map(|d| -d))
        }))
    }
    fn predict(&self, what: Prediction, history: &CustomerHistory) -> Result<f64> {
        match what {
            Prediction::PAlive => Ok(self.p_alive(history)),
            Prediction::ExpectedPurchases(t) => self.expected_purchases(history, t),
        }
    }
    fn logit_p_alive_gradient(&self, h: &CustomerHistory) -> Option<(f64, [f64; 4])> {
        (h.x() > 0).then(|| bg_logit_gradient(self.r(), self.alpha(), self.a(), self.b(), 1.0, h))
    }
    fn ln_expected_purchases_gradient(
        &self,
        h: &CustomerHistory,
        t: f64,
    ) -> Option<(f64, [f64; 4])> {
        // x = 0: P(alive) = 1 whatever the parameters.
        let (p, logit) = match self.logit_p_alive_gradient(h) {
            Some((g, grad)) => (Scale::Logit.inverse(g), grad),
            None => (1.0, [0.0; 4]),
        };
        bg_ln_expected_gradient(self.values(), 1.0, f64::from(h.x()), h.age(), t, p, logit)
    }
    fn purchases_if_alive(&self, x: u32, age: f64, t: f64) -> Option<Result<f64>> {
        // BgNbdParams::expected_purchases: P(alive) · E_BG(t; r+x, α+T, a, b+x).
        let xf = f64::from(x);
        Some(e_bg(
            "BG/NBD expected purchases",
            t,
            self.r() + xf,
            self.alpha() + age,
            self.a(),
            self.b() + xf,
        ))
    }
}

impl IntervalModel for MbgNbdParams {
    fn log_likelihood_and_gradient(&self, history: &CustomerHistory) -> (f64, [f64; 4]) {
        (
            self.log_likelihood(history),
            self.log_likelihood_gradient(history),
        )
    }
    fn data_log_likelihood<'a>(
        rows: &'a [CustomerHistory],
        weights: &'a [f64],
    ) -> Result<DataLogLikelihood<'a, Self>> {
        let nll = mbgnbd::prepared_nll_grad(&grouped_rows(rows, weights)?);
        Ok(Box::new(move |p: &Self| {
            let mut g = [0.0; 4];
            let f = nll(p.values().map(f64::ln), &mut g);
            (-f, g.map(|d| -d))
        }))
    }
    fn predict(&self, what: Prediction, history: &CustomerHistory) -> Result<f64> {
        match what {
            Prediction::PAlive => Ok(self.p_alive(history)),
            Prediction::ExpectedPurchases(t) => self.expected_purchases(history, t),
        }
    }
    fn logit_p_alive_gradient(&self, h: &CustomerHistory) -> Option<(f64, [f64; 4])> {
        Some(bg_logit_gradient(
            self.r(),
            self.alpha(),
            self.a(),
            self.b(),
            0.0,
            h,
        ))
    }
    fn ln_expected_purchases_gradient(
        &self,
        h: &CustomerHistory,
        t: f64,
    ) -> Option<(f64, [f64; 4])> {
        let (g, logit) = self.logit_p_alive_gradient(h)?;
        let p = Scale::Logit.inverse(g);
        bg_ln_expected_gradient(self.values(), 0.0, f64::from(h.x()), h.age(), t, p, logit)
    }
    fn purchases_if_alive(&self, x: u32, age: f64, t: f64) -> Option<Result<f64>> {
        // MbgNbdParams::expected_purchases: P(alive) · E_BG(t; r+x, α+T, a, b+x+1).
        let xf = f64::from(x);
        Some(e_bg(
            "MBG/NBD expected purchases",
            t,
            self.r() + xf,
            self.alpha() + age,
            self.a(),
            self.b() + xf + 1.0,
        ))
    }
}

impl IntervalModel for ParetoNbdParams {
    fn log_likelihood_and_gradient(&self, history: &CustomerHistory) -> (f64, [f64; 4]) {
        // One evaluation for both (`None` where either would fail).
        ParetoNbdParams::log_likelihood_and_gradient(self, history)
            .unwrap_or((f64::NEG_INFINITY, [f64::NAN; 4]))
    }
    fn predict(&self, what: Prediction, history: &CustomerHistory) -> Result<f64> {
        match what {
            Prediction::PAlive => self.p_alive(history),
            Prediction::ExpectedPurchases(t) => self.expected_purchases(history, t),
        }
    }
    fn ln_expected_purchases_gradient(
        &self,
        h: &CustomerHistory,
        t: f64,
    ) -> Option<(f64, [f64; 4])> {
        let (p, ll_grad) = self.p_alive_and_ll_gradient(h)?;
        pnbd_ln_expected_gradient(self.values(), f64::from(h.x()), h.age(), t, p, ll_grad)
    }
}

const WHAT: &str = "prediction interval";

fn check_level(level: f64) -> Result<f64> {
    if !(level > 0.0 && level < 1.0) {
        return Err(Error::InvalidParameter {
            name: "level",
            value: level.to_string(),
            reason: "the coverage level must be in (0, 1)",
        });
    }
    // z = Φ⁻¹((1 + level)/2) = √2 · erf⁻¹(level).
    Ok(std::f64::consts::SQRT_2 * statrs::function::erf::erf_inv(level))
}

fn check_horizon(what: Prediction) -> Result<()> {
    if let Prediction::ExpectedPurchases(t) = what
        && !(t.is_finite() && t >= 0.0)
    {
        return Err(Error::InvalidParameter {
            name: "horizon",
            value: t.to_string(),
            reason: "the horizon must be finite and >= 0",
        });
    }
    Ok(())
}

/// The scale on which the normal approximation is taken.
#[derive(Clone, Copy)]
enum Scale {
    Logit,
    Log,
}

impl Scale {
    fn of(what: Prediction) -> Self {
        match what {
            Prediction::PAlive => Scale::Logit,
            Prediction::ExpectedPurchases(_) => Scale::Log,
        }
    }
    /// `g(f)`; `None` at the edge of the scale (0 or 1 for a probability, 0
    /// for a positive quantity), where the value is taken as exact.
    fn forward(self, f: f64) -> Option<f64> {
        let g = match self {
            Scale::Logit => f.ln() - (-f).ln_1p(),
            Scale::Log => f.ln(),
        };
        g.is_finite().then_some(g)
    }
    fn inverse(self, g: f64) -> f64 {
        match self {
            Scale::Logit => {
                if g >= 0.0 {
                    1.0 / (1.0 + (-g).exp())
                } else {
                    let e = g.exp();
                    e / (1.0 + e)
                }
            }
            Scale::Log => g.exp(),
        }
    }
}

fn no_covariance<P, const N: usize>(fit: &FitReport<P, N>) -> Result<[[f64; N]; N]>
where
    P: ModelParameters<N>,
{
    match (fit.covariance(), fit.std_errors_unavailable()) {
        (Some(c), _) => Ok(c),
        (None, Some(reason)) => Err(Error::NoCovariance { what: WHAT, reason }),
        (None, None) => Err(Error::InvalidValue {
            what: WHAT,
            reason: "the fit has no covariance".into(),
        }),
    }
}

/// The core of the delta method: `values` the fitted parameters, `cov`
/// their covariance in natural units, `predict` one item's prediction;
/// `analytic`, where it answers, the prediction `f` and the gradient of
/// `g(f)` in the log-parameters computed together (else central
/// differences of `predict`).
#[allow(clippy::too_many_arguments)] // the method's inputs, each needed once
fn delta_core<P, T, K, const N: usize>(
    fitted: &P,
    values: [f64; N],
    cov: [[f64; N]; N],
    level: f64,
    scale: Scale,
    items: &[T],
    key: impl Fn(&T) -> K,
    predict: impl Fn(&P, &T) -> Result<f64>,
    analytic: impl Fn(&P, &T) -> Option<(f64, [f64; N])>,
) -> Result<Vec<PredictionInterval>>
where
    P: ModelParameters<N>,
    K: Eq + Hash,
{
    let z = check_level(level)?;
    // Covariance of the log-parameters.
    let mut sigma = [[0.0; N]; N];
    for i in 0..N {
        for j in 0..N {
            sigma[i][j] = cov[i][j] / (values[i] * values[j]);
        }
    }
    // The 2N shifted parameter sets, built once.
    let mut plus = Vec::with_capacity(N);
    let mut minus = Vec::with_capacity(N);
    for k in 0..N {
        let mut up = values;
        let mut down = values;
        up[k] = (values[k].ln() + DELTA_STEP).exp();
        down[k] = (values[k].ln() - DELTA_STEP).exp();
        plus.push(P::from_values(up)?);
        minus.push(P::from_values(down)?);
    }
    let mut out = Vec::with_capacity(items.len());
    // One gradient per distinct row: the interval depends on the row only.
    let mut seen: RowMap<K, PredictionInterval> = RowMap::default();
    for (i, item) in items.iter().enumerate() {
        let k = key(item);
        if let Some(iv) = seen.get(&k) {
            out.push(*iv);
            continue;
        }
        if let Some((f, grad)) = analytic(fitted, item)
            && let Some(g) = scale.forward(f)
        {
            let se = quadratic_form(&sigma, &grad).max(0.0).sqrt();
            if !se.is_finite() {
                return Err(Error::InvalidValue {
                    what: WHAT,
                    reason: format!("row {i}: delta-method variance not finite"),
                });
            }
            let iv = PredictionInterval {
                estimate: f,
                lower: scale.inverse(g - z * se).min(f),
                upper: scale.inverse(g + z * se).max(f),
            };
            seen.insert(k, iv);
            out.push(iv);
            continue;
        }
        let f = predict(fitted, item)?;
        if !f.is_finite() {
            return Err(Error::InvalidValue {
                what: WHAT,
                reason: format!("prediction not finite for row {i}: {f}"),
            });
        }
        let Some(g) = scale.forward(f) else {
            let iv = PredictionInterval {
                estimate: f,
                lower: f,
                upper: f,
            };
            seen.insert(k, iv);
            out.push(iv);
            continue;
        };
        let mut grad = [0.0; N];
        for k in 0..N {
            let up = predict(&plus[k], item)?;
            let down = predict(&minus[k], item)?;
            let (Some(gu), Some(gd)) = (scale.forward(up), scale.forward(down)) else {
                return Err(Error::InvalidValue {
                    what: WHAT,
                    reason: format!(
                        "row {i}: the prediction leaves its scale when parameter {k} moves by {DELTA_STEP} on the log scale"
                    ),
                });
            };
            grad[k] = (gu - gd) / (2.0 * DELTA_STEP);
        }
        let var = quadratic_form(&sigma, &grad);
        let se = var.max(0.0).sqrt();
        if !se.is_finite() {
            return Err(Error::InvalidValue {
                what: WHAT,
                reason: format!("row {i}: delta-method variance not finite: {var}"),
            });
        }
        let iv = PredictionInterval {
            estimate: f,
            lower: scale.inverse(g - z * se).min(f),
            upper: scale.inverse(g + z * se).max(f),
        };
        seen.insert(k, iv);
        out.push(iv);
    }
    Ok(out)
}

/// A small multiplicative hasher for the row caches (the keys are a few
/// integers and bit patterns, not attacker-chosen; SipHash would cost more
/// than some of the predictions it saves).
#[derive(Default, Clone, Copy)]
struct RowHasher(u64);

impl std::hash::Hasher for RowHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u32(&mut self, v: u32) {
        self.write_u64(u64::from(v));
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn finish(&self) -> u64 {
        // Mix the high bits down: the table indexes by the low bits.
        self.0 ^ (self.0 >> 29)
    }
}

/// A map keyed by rows, with [`RowHasher`].
type RowMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<RowHasher>>;

/// The key of a history's row `(x, t_x, T)` (bit patterns: equal keys are
/// equal rows).
fn row_key(h: &CustomerHistory) -> (u32, u64, u64) {
    (h.x(), h.t_x().to_bits(), h.age().to_bits())
}

/// Delta-method intervals at coverage `level` (e.g. `0.9`) for one
/// prediction of every customer in `histories`, from a BG/NBD, MBG/NBD or
/// Pareto/NBD fit (see the [module docs](self) for the transform and the
/// gradients).
///
/// # Errors
///
/// - [`Error::NoCovariance`] when the fit has no covariance, with the
///   reason (a boundary fit, a Hessian that is not positive definite, an
///   unconverged fit).
/// - [`Error::InvalidParameter`] for a `level` outside `(0, 1)` or a
///   horizon that is not finite and ≥ 0.
/// - [`Error::InvalidValue`] when a prediction or its variance is not
///   finite; the model's own prediction errors.
///
/// # Example
///
/// ```
/// use customer_value::CustomerId;
/// use customer_value::btyd::{BgNbd, CustomerHistory, Prediction, delta_intervals};
///
/// let rows = [(0, 0.0, 38.0, 140.0), (1, 10.0, 38.0, 25.0), (1, 30.0, 38.0, 20.0),
///     (2, 20.0, 37.0, 10.0), (2, 35.0, 37.0, 12.0), (3, 30.0, 36.0, 6.0),
///     (5, 35.0, 38.0, 5.0), (7, 36.0, 38.0, 4.0), (1, 2.0, 36.0, 8.0),
///     (2, 6.0, 38.0, 5.0), (4, 12.0, 37.0, 3.0)];
/// let (h, w): (Vec<_>, Vec<_>) = rows.iter()
///     .map(|&(x, t_x, age, n)| (CustomerHistory::new(CustomerId::new(0), x, t_x, age).unwrap(), n))
///     .unzip();
/// let fit = BgNbd::new().fit_weighted(&h, &w)?;
/// let iv = delta_intervals(&fit, Prediction::PAlive, &h, 0.9)?;
/// assert_eq!(iv[0].lower(), 1.0); // no repeat purchase: alive for sure
/// assert!(iv[5].lower() < iv[5].estimate() && iv[5].upper() < 1.0);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn delta_intervals<P: IntervalModel>(
    fit: &FitReport<P, 4>,
    what: Prediction,
    histories: &[CustomerHistory],
    level: f64,
) -> Result<Vec<PredictionInterval>> {
    check_horizon(what)?;
    let cov = no_covariance(fit)?;
    if what == Prediction::PAlive && has_closed_form(fit.params()) {
        return delta_closed_form(fit.params(), cov, level, histories);
    }
    delta_core(
        fit.params(),
        fit.params().values(),
        cov,
        level,
        Scale::of(what),
        histories,
        row_key,
        |p: &P, h| p.predict(what, h),
        |p: &P, h| match what {
            Prediction::ExpectedPurchases(t) => p.ln_expected_purchases_gradient(h, t),
            Prediction::PAlive => None,
        },
    )
}

fn has_closed_form<P: IntervalModel>(p: &P) -> bool {
    let probe = CustomerHistory::new(crate::CustomerId::new(0), 1, 1.0, 2.0);
    probe.is_ok_and(|h| p.logit_p_alive_gradient(&h).is_some())
}

/// The delta method for P(alive) with the closed-form gradient of its
/// logit (BG/NBD, MBG/NBD).
fn delta_closed_form<P: IntervalModel>(
    fitted: &P,
    cov: [[f64; 4]; 4],
    level: f64,
    histories: &[CustomerHistory],
) -> Result<Vec<PredictionInterval>> {
    let z = check_level(level)?;
    let values = fitted.values();
    let mut sigma = [[0.0; 4]; 4];
    for i in 0..4 {
        for j in 0..4 {
            sigma[i][j] = cov[i][j] / (values[i] * values[j]);
        }
    }
    // No row cache here: the closed form costs less than a hash lookup.
    let mut out = Vec::with_capacity(histories.len());
    for (i, h) in histories.iter().enumerate() {
        let Some((g, grad)) = fitted.logit_p_alive_gradient(h) else {
            let f = fitted.predict(Prediction::PAlive, h)?;
            out.push(PredictionInterval {
                estimate: f,
                lower: f,
                upper: f,
            });
            continue;
        };
        let f = Scale::Logit.inverse(g);
        let se = quadratic_form(&sigma, &grad).max(0.0).sqrt();
        if !(g.is_finite() && se.is_finite()) {
            return Err(Error::InvalidValue {
                what: WHAT,
                reason: format!("row {i}: logit P(alive) or its variance not finite"),
            });
        }
        out.push(PredictionInterval {
            estimate: f,
            lower: Scale::Logit.inverse(g - z * se).min(f),
            upper: Scale::Logit.inverse(g + z * se).max(f),
        });
    }
    Ok(out)
}

fn quadratic_form<const N: usize>(sigma: &[[f64; N]; N], grad: &[f64; N]) -> f64 {
    let mut var = 0.0;
    for a in 0..N {
        let mut row = 0.0;
        for b in 0..N {
            row += sigma[a][b] * grad[b];
        }
        var += grad[a] * row;
    }
    var
}

/// Profile-likelihood intervals at coverage `level` for one prediction of
/// every customer in `histories`, from a BG/NBD, MBG/NBD or Pareto/NBD fit
/// of `rows` with `weights` (the data the fit was made on, as given to
/// `fit_weighted`; unit weights for `fit_detailed`): the least and the
/// largest prediction over the parameters the data do not reject at
/// `level` by the likelihood-ratio test,
///
/// ```text
/// { f(θ) : 2(ℓ(θ̂) − ℓ(θ)) ≤ χ²₁(level) = z² },  z = Φ⁻¹((1 + level)/2)
/// ```
///
/// (Cox & Hinkley 1974, §7.2; Venzon & Moolgavkar 1988 for a prediction
/// as the function of interest). Unlike the delta method it follows the
/// likelihood where it is flat or skewed, so it suits weakly identified
/// fits: MBG/NBD on 2,000 customers, whose estimates' sampling
/// distribution is skewed and heavy-tailed, where nominal 90 % profile
/// intervals cover 88.8 % of the time against the delta method's 87.2 %
/// (see the [module docs](self#coverage)).
///
/// Each bound is a constrained maximum found on `g`, the delta method's
/// scale (logit of P(alive), log of `E[Y(t)]`): from `θ̂` along
/// `±Σ∇g` to the boundary `2(ℓ̂ − ℓ) = z²` (`Σ` the fit's covariance of
/// the log-parameters), then a projected-gradient walk on that boundary
/// (the step is `∇g` projected, in the metric `Σ`, on the boundary's
/// tangent space, `∇ℓ` the analytic gradient of the log-likelihood; each
/// trial point is taken back to the boundary along its ray from `θ̂` by
/// a secant search on `√(2(ℓ̂ − ℓ))` to `10⁻⁴·z`), until the projected
/// gradient's `Σ`-norm is below `10⁻³` of `∇g`'s or 40 steps. It costs
/// some 20 to 200 passes over the distinct rows of `rows` per bound and
/// distinct customer row. A pass is one evaluation of the log-likelihood
/// with its gradient: for BG/NBD and MBG/NBD the fitters' own sums, with
/// the rows grouped once (times indexed, `lnΓ` and `ψ` differences once per
/// distinct `x`), for Pareto/NBD one evaluation of value and gradient per
/// row; the value and gradient at a boundary point come from the same pass.
/// On 2,000 customers that is 2 to 7 ms per customer row and prediction,
/// 19 to 37 times less than summing each row's log-likelihood and gradient
/// in separate calls (the tests' `profile_speed`, which checks that both
/// give the same intervals): for bases of up to some ten thousand
/// customers, or a few customers of a larger base. A prediction
/// at the edge of its scale (P(alive) exactly 1, an expectation of 0)
/// gets the point itself.
///
/// # Errors
///
/// - [`Error::NoCovariance`] when the fit has no covariance.
/// - [`Error::InvalidParameter`] when `weights` is not as long as
///   `rows`, for a `level` outside `(0, 1)` or a bad horizon.
/// - [`Error::InvalidValue`] when the log-likelihood is not finite at the
///   estimate; the model's prediction errors.
///
/// # Example
///
/// ```
/// use customer_value::btyd::intervals::profile_intervals;
/// use customer_value::btyd::{MbgNbd, MbgNbdParams, Prediction, delta_intervals, simulate_mbgnbd};
///
/// let truth = MbgNbdParams::new(0.25, 4.0, 0.8, 2.5)?;
/// let histories = simulate_mbgnbd(&truth, &vec![39.0; 2000], 1)?;
/// let fit = MbgNbd::new().fit_detailed(&histories)?;
/// let weights = vec![1.0; histories.len()];
/// let what = Prediction::ExpectedPurchases(26.0);
/// let profile = profile_intervals(&fit, &histories, &weights, what, &histories[..3], 0.9)?;
/// let delta = delta_intervals(&fit, what, &histories[..3], 0.9)?;
/// for (p, d) in profile.iter().zip(&delta) {
///     assert!(p.lower() <= p.estimate() && p.estimate() <= p.upper());
///     assert_eq!(p.estimate(), d.estimate());
/// }
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn profile_intervals<P: IntervalModel>(
    fit: &FitReport<P, 4>,
    rows: &[CustomerHistory],
    weights: &[f64],
    what: Prediction,
    histories: &[CustomerHistory],
    level: f64,
) -> Result<Vec<PredictionInterval>> {
    profile_with(
        fit,
        rows,
        weights,
        what,
        histories,
        level,
        P::data_log_likelihood,
    )
}

/// [`profile_intervals`] with the data's log-likelihood from `prepare`
/// (the tests compare the model's own with the per-row sum).
fn profile_with<P: IntervalModel>(
    fit: &FitReport<P, 4>,
    rows: &[CustomerHistory],
    weights: &[f64],
    what: Prediction,
    histories: &[CustomerHistory],
    level: f64,
    prepare: impl for<'d> FnOnce(&'d [CustomerHistory], &'d [f64]) -> Result<DataLogLikelihood<'d, P>>,
) -> Result<Vec<PredictionInterval>> {
    check_horizon(what)?;
    let z = check_level(level)?;
    if weights.len() != rows.len() {
        return Err(Error::InvalidParameter {
            name: "weights",
            value: weights.len().to_string(),
            reason: "one weight per row is needed",
        });
    }
    let cov = no_covariance(fit)?;
    let est = fit.params();
    let sigma = log_covariance(&cov, &est.values());
    // The data's distinct rows and their total weights: each pass over
    // the data is one over these.
    let mut seen: RowMap<(u32, u64, u64), usize> = RowMap::default();
    let (mut data, mut totals): (Vec<CustomerHistory>, Vec<f64>) = (Vec::new(), Vec::new());
    for (h, &w) in rows.iter().zip(weights) {
        if !(w.is_finite() && w >= 0.0) {
            return Err(Error::InvalidParameter {
                name: "weights",
                value: w.to_string(),
                reason: "weights must be finite and >= 0",
            });
        }
        let i = *seen.entry(row_key(h)).or_insert_with(|| {
            data.push(*h);
            totals.push(0.0);
            data.len() - 1
        });
        totals[i] += w;
    }
    let likelihood = Likelihood {
        eval: prepare(&data, &totals)?,
        theta: est.values().map(f64::ln),
        l_hat: 0.0,
        z,
    };
    let l_hat = likelihood.value_of(est).ok_or(Error::InvalidValue {
        what: WHAT,
        reason: "the log-likelihood is not finite at the estimate".into(),
    })?;
    let likelihood = Likelihood {
        l_hat,
        ..likelihood
    };
    let (distinct, index) = distinct_rows(histories, row_key);
    let mut ivs = Vec::with_capacity(distinct.len());
    for h in distinct {
        let Some((f, g, grad)) = scaled_gradient(est, what, h)? else {
            let f = est.predict(what, h)?;
            ivs.push(PredictionInterval {
                estimate: f,
                lower: f,
                upper: f,
            });
            continue;
        };
        let se = quadratic_form(&sigma, &grad).max(0.0).sqrt();
        let scale = Scale::of(what);
        let mut ends = [g, g];
        if se > 0.0 && se.is_finite() {
            for (end, sign) in ends.iter_mut().zip([1.0, -1.0]) {
                if let Some(v) = likelihood.extreme(&sigma, what, h, &grad, sign) {
                    *end = v;
                }
            }
        }
        let (lo, hi) = (ends[0].min(ends[1]), ends[0].max(ends[1]));
        ivs.push(PredictionInterval {
            estimate: f,
            lower: scale.inverse(lo).min(f),
            upper: scale.inverse(hi).max(f),
        });
    }
    Ok(index.into_iter().map(|i| ivs[i]).collect())
}

/// The weighted log-likelihood of a fit's data, for [`profile_intervals`].
struct Likelihood<'a, P> {
    /// The data's log-likelihood and its gradient.
    eval: DataLogLikelihood<'a, P>,
    /// The estimate's log-parameters.
    theta: [f64; 4],
    /// `ℓ(θ̂)`.
    l_hat: f64,
    /// The bound on `√(2(ℓ̂ − ℓ))`.
    z: f64,
}

impl<P: IntervalModel> Likelihood<'_, P> {
    fn params(theta: &[f64; 4]) -> Option<P> {
        P::from_values(theta.map(f64::exp)).ok()
    }

    fn value_of(&self, p: &P) -> Option<f64> {
        let l = (self.eval)(p).0;
        l.is_finite().then_some(l)
    }

    /// The value (`None` where not finite) and the gradient at `θ`, from
    /// one pass over the data; `None` where `θ` is not a model.
    fn at(&self, theta: &[f64; 4]) -> Option<(Option<f64>, [f64; 4])> {
        let (l, g) = (self.eval)(&Self::params(theta)?);
        Some((l.is_finite().then_some(l), g))
    }

    /// The point where the ray `θ̂ + t·d`, `t > 0`, meets the boundary
    /// `√(2(ℓ̂ − ℓ)) = z` (secant steps on `t`, the signed root being
    /// about linear in `t`); the furthest point found if the search does
    /// not settle in 40 steps; with the log-likelihood's gradient there.
    fn to_boundary(&self, d: &[f64; 4]) -> Option<([f64; 4], [f64; 4])> {
        let mut t = 1.0;
        let mut last = None;
        for _ in 0..40 {
            let theta: [f64; 4] = std::array::from_fn(|i| self.theta[i] + t * d[i]);
            let Some((Some(l), grad)) = self.at(&theta) else {
                t *= 0.5;
                continue;
            };
            let root = (2.0 * (self.l_hat - l)).max(0.0).sqrt();
            last = Some((theta, grad));
            if (root - self.z).abs() <= 1e-4 * self.z || root == 0.0 {
                break;
            }
            t *= (self.z / root).clamp(0.25, 4.0);
        }
        last
    }

    /// The largest `sign·g` on the boundary, as `g` (see
    /// [`profile_intervals`]); `None` when the boundary is not reached.
    fn extreme(
        &self,
        sigma: &[[f64; 4]; 4],
        what: Prediction,
        h: &CustomerHistory,
        grad: &[f64; 4],
        sign: f64,
    ) -> Option<f64> {
        let times = |v: &[f64; 4]| -> [f64; 4] {
            std::array::from_fn(|i| (0..4).map(|j| sigma[i][j] * v[j]).sum())
        };
        let dot = |a: &[f64; 4], b: &[f64; 4]| -> f64 { (0..4).map(|i| a[i] * b[i]).sum() };
        let g_at = |theta: &[f64; 4]| -> Option<(f64, [f64; 4])> {
            let (_, g, grad) = scaled_gradient(&Self::params(theta)?, what, h).ok()??;
            g.is_finite().then_some((g, grad))
        };
        let start = times(grad).map(|v| sign * v);
        let (mut at, mut b) = self.to_boundary(&start)?;
        let (mut g, mut grad) = g_at(&at)?;
        // Step length in the metric Σ (the boundary's radius is z there).
        let mut eta = 0.2 * self.z;
        for _ in 0..40 {
            if !b.iter().all(|d| d.is_finite()) {
                return None;
            }
            let a = grad.map(|v| sign * v);
            let (sa, sb) = (times(&a), times(&b));
            let k = dot(&a, &sb) / dot(&b, &sb);
            let step: [f64; 4] = std::array::from_fn(|i| sa[i] - k * sb[i]);
            let gain = dot(&a, &step);
            if !(gain > 1e-6 * dot(&a, &sa)) || eta < 1e-3 * self.z {
                break;
            }
            let len = gain.sqrt();
            let ray: [f64; 4] =
                std::array::from_fn(|i| at[i] + eta * step[i] / len - self.theta[i]);
            match self
                .to_boundary(&ray)
                .and_then(|(t, bt)| g_at(&t).map(|v| (t, bt, v)))
            {
                Some((t, bt, (gt, gradt))) if sign * gt > sign * g => {
                    at = t;
                    b = bt;
                    g = gt;
                    grad = gradt;
                    eta *= 1.5;
                }
                _ => eta *= 0.4,
            }
        }
        Some(g)
    }
}

/// Delta-method intervals at coverage `level` for the Gamma-Gamma
/// conditional expected spend per transaction `E[Z | x, z̄]` of every
/// customer (log scale; see the [module docs](self)).
///
/// # Errors
///
/// As [`delta_intervals`], and those of
/// [`GammaGammaParams::expected_spend_f64`] (a mean that does not exist).
pub fn delta_spend_intervals(
    fit: &FitReport<GammaGammaParams, 3>,
    spends: &[SpendHistory],
    level: f64,
) -> Result<Vec<PredictionInterval>> {
    let cov = no_covariance(fit)?;
    delta_core(
        fit.params(),
        fit.params().values(),
        cov,
        level,
        Scale::Log,
        spends,
        |s: &SpendHistory| (s.x(), s.zbar()),
        |p: &GammaGammaParams, s| p.expected_spend_f64(s),
        |_: &GammaGammaParams, _: &SpendHistory| None,
    )
}

/// Delta-method intervals at coverage `level` for each customer's
/// lifetime value `CLV = E[Z | x, z̄] · G(x, t_x, T)` ([`BtydClv`]): the
/// Gamma-Gamma expected spend per purchase times the discounted expected
/// purchases of the purchase model (BG/NBD, MBG/NBD or Pareto/NBD)
/// in [`BtydClv`]'s timing convention,
///
/// ```text
/// G(x, t_x, T) = Σ_{k=1}^{K} [E(Y(k·f)) − E(Y((k−1)·f))] / (1+d)^k
/// ```
///
/// (the purchases of period `k`, of `f` time units of the data, discounted
/// at the period's end). The two models are fitted on separate
/// likelihoods, so their parameter estimates are independent and the
/// covariance of all seven log-parameters is block diagonal. On the log
/// scale the two factors separate:
///
/// ```text
/// ln CLV = ln G(θ_purchase) + ln E[Z](θ_spend)
/// Var(ln CLV) ≈ ∇ln Gᵀ Σ_purchase ∇ln G + ∇ln E[Z]ᵀ Σ_spend ∇ln E[Z]
/// interval = CLV · exp(±z·√Var(ln CLV))
/// ```
///
/// with `∇ ln G` analytic (`∇G = Σ_k (∇E(Y(k·f)) − ∇E(Y((k−1)·f)))/(1+d)^k`
/// from the analytic gradients of [`delta_intervals`]; central differences
/// where those do not apply) and `∇ ln E[Z]` by central differences in
/// the log-parameters, once per distinct `(x, t_x, T)` and `(x, z̄)`.
/// `clv` gives `K`, `d` and `f` and must be built from the two fits'
/// estimates. A customer whose CLV is 0 gets the point itself.
///
/// # Errors
///
/// - [`Error::InvalidParameter`] (`"clv"`) when `clv`'s models are not the
///   fits' estimates; for a `level` outside `(0, 1)`.
/// - [`Error::NoCovariance`] when either fit has no covariance.
/// - [`Error::InvalidValue`] when a value or its variance is not finite;
///   the models' own errors.
///
/// # Example
///
/// ```
/// use customer_value::btyd::{
///     BgNbd, BtydClv, BtydCustomer, BgNbdParams, GammaGamma, SpendHistory, delta_clv_intervals,
///     simulate_bgnbd,
/// };
/// use customer_value::clv::DiscountRate;
/// use customer_value::Decimal;
///
/// let truth = BgNbdParams::new(0.25, 4.0, 0.8, 2.5)?;
/// let histories = simulate_bgnbd(&truth, &vec![39.0; 1000], 1)?;
/// let purchases = BgNbd::new().fit_detailed(&histories)?;
/// // Every customer's mean repeat spend: their own mean (between 12 and 28)
/// // plus a deviation that shrinks as 1/sqrt(x), as the mean of x
/// // purchases spread about it would.
/// let customers: Vec<BtydCustomer> = histories
///     .iter()
///     .enumerate()
///     .map(|(i, h)| {
///         let own = 20.0 + 8.0 * (((i * 104_729) % 11) as f64 / 5.0 - 1.0);
///         let u = ((i * 7919) % 13) as f64 / 6.0 - 1.0;
///         let mean = own * (1.0 + 0.5 * u / f64::from(h.x().max(1)).sqrt());
///         let zbar = Decimal::from_f64_retain(mean).unwrap().round_dp(2);
///         BtydCustomer::new(*h, SpendHistory::new(h.customer(), h.x(), zbar)?)
///     })
///     .collect::<Result<_, _>>()?;
/// let repeat: Vec<SpendHistory> =
///     customers.iter().filter(|c| c.spend().x() > 0).map(|c| *c.spend()).collect();
/// let spend = GammaGamma::new().fit_detailed(&repeat)?;
/// let clv = BtydClv::builder(*purchases.params(), *spend.params())
///     .periods(12)
///     .discount(DiscountRate::new(Decimal::new(1, 2))?)
///     .period_length(4.345)
///     .build()?;
/// let iv = delta_clv_intervals(&purchases, &spend, &clv, &customers[..5], 0.9)?;
/// for (iv, c) in iv.iter().zip(&customers) {
///     assert!(iv.lower() <= iv.estimate() && iv.estimate() <= iv.upper());
///     assert!((iv.estimate() - clv.value_f64(c)?).abs() <= 1e-9 * iv.estimate());
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn delta_clv_intervals<P>(
    purchase_fit: &FitReport<P, 4>,
    spend_fit: &FitReport<GammaGammaParams, 3>,
    clv: &BtydClv,
    customers: &[BtydCustomer],
    level: f64,
) -> Result<Vec<PredictionInterval>>
where
    P: IntervalModel + Copy + Into<PurchaseModel>,
{
    let z = check_level(level)?;
    let purchases: PurchaseModel = (*purchase_fit.params()).into();
    check_clv(clv, &purchases, spend_fit.params())?;
    let cov_p = no_covariance(purchase_fit)?;
    let cov_g = no_covariance(spend_fit)?;
    let values_p = purchase_fit.params().values();
    let values_g = spend_fit.params().values();
    let sigma_p = log_covariance(&cov_p, &values_p);
    let sigma_g = log_covariance(&cov_g, &values_g);
    let shifted_p: Vec<[BtydClv; 2]> = (0..4)
        .map(|k| {
            let [up, down] = shifted(values_p, k);
            Ok([
                clv.with_models(P::from_values(up)?.into(), *clv.spend()),
                clv.with_models(P::from_values(down)?.into(), *clv.spend()),
            ])
        })
        .collect::<Result<_>>()?;
    let shifted_g: Vec<[GammaGammaParams; 2]> = (0..3)
        .map(|k| {
            let [up, down] = shifted(values_g, k);
            Ok([
                GammaGammaParams::from_values(up)?,
                GammaGammaParams::from_values(down)?,
            ])
        })
        .collect::<Result<_>>()?;
    // (ln G, its variance) per distinct history; (ln E[Z], variance) per (x, z̄).
    let mut purchase_rows: RowMap<(u32, u64, u64), Option<(f64, f64)>> = RowMap::default();
    let mut spend_rows: RowMap<(u32, rust_decimal::Decimal), (f64, f64)> = RowMap::default();
    let mut out = Vec::with_capacity(customers.len());
    for (i, c) in customers.iter().enumerate() {
        let bad = |what: &str| Error::InvalidValue {
            what: WHAT,
            reason: format!("row {i}: {what} not finite"),
        };
        let h = c.history();
        let lg = match purchase_rows.get(&row_key(h)) {
            Some(v) => *v,
            None => {
                let v = if let Some((g, grad)) =
                    clv_purchases_gradient(purchase_fit.params(), clv, &purchases, h)?
                {
                    Some((g.ln(), quadratic_form(&sigma_p, &grad)))
                } else {
                    let g = clv.discounted_purchases_of(h)?;
                    if g > 0.0 {
                        let mut grad = [0.0; 4];
                        for (k, [up, down]) in shifted_p.iter().enumerate() {
                            let (u, d) = (
                                up.discounted_purchases_of(h)?,
                                down.discounted_purchases_of(h)?,
                            );
                            grad[k] = (u.ln() - d.ln()) / (2.0 * DELTA_STEP);
                        }
                        Some((g.ln(), quadratic_form(&sigma_p, &grad)))
                    } else {
                        None
                    }
                };
                purchase_rows.insert(row_key(h), v);
                v
            }
        };
        let s = c.spend();
        let lm = match spend_rows.get(&(s.x(), s.zbar())) {
            Some(v) => *v,
            None => {
                let m = clv.spend().expected_spend_f64(s)?;
                let mut grad = [0.0; 3];
                for (k, [up, down]) in shifted_g.iter().enumerate() {
                    let (u, d) = (up.expected_spend_f64(s)?, down.expected_spend_f64(s)?);
                    grad[k] = (u.ln() - d.ln()) / (2.0 * DELTA_STEP);
                }
                let v = (m.ln(), quadratic_form(&sigma_g, &grad));
                spend_rows.insert((s.x(), s.zbar()), v);
                v
            }
        };
        let Some((ln_g, var_g)) = lg else {
            out.push(PredictionInterval {
                estimate: 0.0,
                lower: 0.0,
                upper: 0.0,
            });
            continue;
        };
        let (ln_m, var_m) = lm;
        let centre = ln_g + ln_m;
        let se = (var_g.max(0.0) + var_m.max(0.0)).sqrt();
        if !centre.is_finite() {
            return Err(bad("CLV"));
        }
        if !se.is_finite() {
            return Err(bad("the CLV's delta-method variance"));
        }
        let f = centre.exp();
        out.push(PredictionInterval {
            estimate: f,
            lower: (centre - z * se).exp().min(f),
            upper: (centre + z * se).exp().max(f),
        });
    }
    Ok(out)
}

/// `(G, ∇_θ ln G)` for the discounted expected purchases
/// `G = Σ_{k=1}^{K} [E(Y(k·f)) − E(Y((k−1)·f))]·D^k` of [`BtydClv`], from
/// the analytic `(E(Y(t)), ∇ ln E(Y(t)))` of every period
/// (`∇G = Σ_k (E_k ∇ln E_k − E_{k−1} ∇ln E_{k−1})·D^k`), with the same
/// early stop as the value; `None` where a period has no analytic gradient
/// or `G` is 0 (the caller differentiates numerically).
fn clv_purchases_gradient<P: IntervalModel>(
    fitted: &P,
    clv: &BtydClv,
    purchases: &PurchaseModel,
    h: &CustomerHistory,
) -> Result<Option<(f64, [f64; 4])>> {
    let f = clv.period_length();
    let factor = clv.discount_factor();
    let result = if factor == 1.0 {
        fitted.ln_expected_purchases_gradient(h, f64::from(clv.periods()) * f)
    } else {
        let p_alive = purchases.p_alive(h)?;
        let (r, alpha) = purchases.rate_shape();
        let rate = p_alive * (r + f64::from(h.x())) / (alpha + h.age()) * f;
        let rest = factor / (1.0 - factor);
        let (mut total, mut grad) = (0.0, [0.0; 4]);
        let (mut previous, mut previous_grad) = (0.0, [0.0; 4]);
        let mut discount = 1.0;
        for k in 1..=clv.periods() {
            let Some((e, ln_grad)) = fitted.ln_expected_purchases_gradient(h, f64::from(k) * f)
            else {
                return Ok(None);
            };
            let e_grad: [f64; 4] = std::array::from_fn(|i| e * ln_grad[i]);
            discount *= factor;
            total += (e - previous) * discount;
            for i in 0..4 {
                grad[i] += (e_grad[i] - previous_grad[i]) * discount;
            }
            previous = e;
            previous_grad = e_grad;
            if rate * discount * rest <= 1e-16 * total {
                break;
            }
        }
        (total > 0.0).then(|| (total, grad.map(|d| d / total)))
    };
    Ok(result.filter(|(g, grad)| g.is_finite() && grad.iter().all(|d| d.is_finite())))
}

/// `[values with θ_k + h, values with θ_k − h]` (log-parameter shifts).
fn shifted<const N: usize>(values: [f64; N], k: usize) -> [[f64; N]; 2] {
    let mut up = values;
    let mut down = values;
    up[k] = (values[k].ln() + DELTA_STEP).exp();
    down[k] = (values[k].ln() - DELTA_STEP).exp();
    [up, down]
}

/// The covariance of the log-parameters from the natural one.
fn log_covariance<const N: usize>(cov: &[[f64; N]; N], values: &[f64; N]) -> [[f64; N]; N] {
    std::array::from_fn(|i| std::array::from_fn(|j| cov[i][j] / (values[i] * values[j])))
}

/// `clv` must hold the estimates the intervals are centred on.
fn check_clv(clv: &BtydClv, purchases: &PurchaseModel, spend: &GammaGammaParams) -> Result<()> {
    if clv.purchases() != purchases || clv.spend() != spend {
        return Err(Error::InvalidParameter {
            name: "clv",
            value: format!("{:?} / {:?}", clv.purchases(), clv.spend()),
            reason: "the CLV must be built from the two fits' estimates",
        });
    }
    Ok(())
}

/// A fitter the bootstrap can refit: [`BgNbd`], [`MbgNbd`], [`ParetoNbd`]
/// (`N` = 4) and [`GammaGamma`] (`N` = 3); sealed.
pub trait Refit<const N: usize>: Send + Sync {
    /// One customer's input.
    type Input: Sync;
    /// The fitted parameters.
    type Params: ModelParameters<N> + Send + Sync + Clone;
    /// Fits `rows` with `weights`, starting from `start`.
    ///
    /// # Errors
    ///
    /// Those of the fitter's `fit_weighted`.
    fn refit(
        &self,
        rows: &[Self::Input],
        weights: &[f64],
        start: &Self::Params,
    ) -> Result<FitReport<Self::Params, N>>;
}

macro_rules! refit {
    ($fitter:ty, $n:literal, $input:ty, $params:ty, $newton:literal) => {
        impl Refit<$n> for $fitter {
            type Input = $input;
            type Params = $params;
            fn refit(
                &self,
                rows: &[$input],
                weights: &[f64],
                start: &$params,
            ) -> Result<FitReport<$params, $n>> {
                let own = self.fit_options().clone().start(start.values());
                // A fitter with an analytic Hessian (BG/NBD) polishes the
                // quasi-Newton answer by Newton's method to a step of
                // 1e-10. With no quasi-Newton iteration allowed and a
                // tolerance the start always meets, that polish starts at
                // the start itself (the full sample's estimate, within
                // sampling error of the resample's maximum), which is the
                // same maximum in a few Newton steps. The answer is kept
                // only when Newton moved (`iterations() > 0`: a failed
                // polish returns the start untouched) and ended at an
                // interior maximum; otherwise the fitter's own options.
                if $newton
                    && matches!(own.get_penalty(), Penalty::None)
                    && let Ok(quick) = own.max_iterations(0).tolerance(0.5)
                    && let Ok(fit) = self.options(quick).fit_weighted(rows, weights)
                    && fit.iterations() > 0
                    && fit.status().is_interior()
                {
                    return Ok(fit);
                }
                self.options(own).fit_weighted(rows, weights)
            }
        }
    };
}

refit!(BgNbd, 4, CustomerHistory, BgNbdParams, true);
refit!(MbgNbd, 4, CustomerHistory, MbgNbdParams, false);
refit!(ParetoNbd, 4, CustomerHistory, ParetoNbdParams, false);
refit!(GammaGamma, 3, SpendHistory, GammaGammaParams, false);

/// How many bootstrap replicates, the seed, and the threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootstrapOptions {
    replicates: usize,
    seed: u64,
    threads: usize,
}

impl BootstrapOptions {
    /// `replicates` resamples from `seed`, on as many threads as the
    /// machine has ([`std::thread::available_parallelism`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `replicates < 2`.
    pub fn new(replicates: usize, seed: u64) -> Result<Self> {
        if replicates < 2 {
            return Err(Error::InvalidParameter {
                name: "replicates",
                value: replicates.to_string(),
                reason: "a bootstrap needs at least 2 replicates",
            });
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        Ok(Self {
            replicates,
            seed,
            threads,
        })
    }

    /// Uses `threads` threads (at least 1) for the refits and the
    /// intervals; the results do not depend on it.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// The number of replicates.
    pub fn replicates(&self) -> usize {
        self.replicates
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): one stream per replicate.
struct SplitMix64(u64);

impl SplitMix64 {
    fn new(seed: u64, stream: u64) -> Self {
        let mut s = SplitMix64(seed ^ 0x6A09_E667_F3BC_C909);
        let mixed = s.next_u64() ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        SplitMix64(mixed)
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform on `0..n` (Lemire's multiply-shift; the bias is below
    /// `n / 2⁶⁴`).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// The parameter vectors of a parametric bootstrap, and the point estimate;
/// from [`bootstrap`].
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterDraws<P> {
    estimate: P,
    draws: Vec<P>,
    failed: usize,
    threads: usize,
    /// The covariance of the estimate, row-major `N × N` (empty when the
    /// fit has none).
    estimate_covariance: Vec<f64>,
    /// Each draw's refit covariance, row-major `N × N` per draw (NaN where
    /// the refit has none), for studentized intervals.
    covariances: Vec<f64>,
    /// Why the estimate has no covariance, if it has none.
    no_covariance: Option<crate::btyd::StdErrorsUnavailable>,
}

impl<P> ParameterDraws<P> {
    /// The refitted parameters, in replicate order (failed replicates left
    /// out).
    pub fn draws(&self) -> &[P] {
        &self.draws
    }
    /// The point estimate the intervals are centred on.
    pub fn estimate(&self) -> &P {
        &self.estimate
    }
    /// How many replicates' refits failed and were left out.
    pub fn failed(&self) -> usize {
        self.failed
    }
}

impl<P: IntervalModel> ParameterDraws<P> {
    /// Percentile intervals at coverage `level` for one prediction of
    /// every customer: the type-7 quantiles `(1 − level)/2` and
    /// `(1 + level)/2` of the customer's predictions under the draws, the
    /// estimate being the prediction at the point estimate (the bounds are
    /// widened to contain it).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a `level` outside `(0, 1)` or a bad
    /// horizon; [`Error::InvalidValue`] for a prediction that is not
    /// finite; the model's prediction errors.
    pub fn intervals(
        &self,
        what: Prediction,
        histories: &[CustomerHistory],
        level: f64,
    ) -> Result<Vec<PredictionInterval>> {
        check_horizon(what)?;
        match what {
            Prediction::ExpectedPurchases(t)
                if self.estimate.purchases_if_alive(1, 1.0, t).is_some() =>
            {
                // P(alive) per draw and row, E_BG per draw and (x, T).
                percentile_rows(
                    self,
                    level,
                    histories,
                    row_key,
                    |h| (h.x(), h.age().to_bits()),
                    |p: &P, h| {
                        p.purchases_if_alive(h.x(), h.age(), t)
                            .unwrap_or(Ok(f64::NAN))
                    },
                    |p: &P, h, factor| {
                        let alive = p.predict(Prediction::PAlive, h)?;
                        if alive == 0.0 {
                            Ok(0.0)
                        } else if factor.is_finite() {
                            Ok(alive * factor)
                        } else {
                            p.predict(what, h)
                        }
                    },
                )
            }
            _ => percentile_rows(
                self,
                level,
                histories,
                row_key,
                |_| (),
                |_: &P, _| Ok(0.0),
                |p: &P, h, _| p.predict(what, h),
            ),
        }
    }
}

impl<P: IntervalModel> ParameterDraws<P> {
    /// Studentized bootstrap (bootstrap-t) intervals at coverage `level`
    /// for one prediction of every customer (Efron & Tibshirani 1993,
    /// ch. 12; DiCiccio & Efron 1996, §3). On the delta method's scale
    /// `g` (logit of P(alive), log of `E[Y(t)]`), with `ĝ` and `ŝe` the
    /// prediction and its delta-method standard error at the estimate,
    /// and `g_b`, `se_b` the same under draw `b` with that refit's own
    /// covariance:
    ///
    /// ```text
    /// t_b      = (g_b − ĝ) / se_b
    /// interval = g⁻¹(ĝ − t_(1+level)/2 · ŝe),  g⁻¹(ĝ − t_(1−level)/2 · ŝe)
    /// ```
    ///
    /// with `t_q` the type-7 quantile of the `t_b`. Where the estimates'
    /// sampling distribution is skewed and the standard error itself
    /// varies with the estimate (a weakly identified fit, such as MBG/NBD
    /// on a few thousand customers), the `t_b` carry the skew, the bias and
    /// the spread of the standard error into the interval, which the
    /// percentile and delta-method intervals do not (see the
    /// [module docs](self#coverage) for the measured coverage). Draws whose
    /// refit has no covariance (a boundary answer) are left out.
    ///
    /// It costs a gradient per draw and distinct row (analytic for
    /// BG/NBD and MBG/NBD, and for `E[Y(t)]` of Pareto/NBD; otherwise
    /// `2·4` extra predictions): some 5 to 20 times
    /// [`intervals`](Self::intervals), which suits bases of up to some
    /// tens of thousands of distinct rows. Memory as
    /// [`intervals`](Self::intervals).
    ///
    /// # Errors
    ///
    /// - [`Error::NoCovariance`] when the point estimate has no
    ///   covariance; [`Error::InvalidValue`] when fewer than 2 draws have
    ///   one, or a prediction or standard error is not finite.
    /// - [`Error::InvalidParameter`] for a `level` outside `(0, 1)` or a
    ///   bad horizon; the model's prediction errors.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::btyd::{
    ///     BootstrapOptions, MbgNbd, MbgNbdParams, Prediction, bootstrap, simulate_mbgnbd,
    /// };
    ///
    /// let truth = MbgNbdParams::new(0.25, 4.0, 0.8, 2.5)?;
    /// let histories = simulate_mbgnbd(&truth, &vec![39.0; 2000], 1)?;
    /// let fit = MbgNbd::new().fit_detailed(&histories)?;
    /// let options = BootstrapOptions::new(50, 7)?;
    /// let draws = bootstrap(&MbgNbd::new(), &fit, &histories, &vec![1.0; 2000], &options)?;
    /// let iv = draws.studentized_intervals(Prediction::ExpectedPurchases(26.0), &histories[..5], 0.9)?;
    /// assert!(iv.iter().all(|iv| iv.lower() <= iv.estimate() && iv.estimate() <= iv.upper()));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn studentized_intervals(
        &self,
        what: Prediction,
        histories: &[CustomerHistory],
        level: f64,
    ) -> Result<Vec<PredictionInterval>> {
        check_horizon(what)?;
        check_level(level)?;
        let (ql, qu) = ((1.0 - level) / 2.0, (1.0 + level) / 2.0);
        let log_cov = |flat: &[f64], p: &P| -> Option<[[f64; 4]; 4]> {
            let v = p.values();
            (flat.len() == 16 && flat.iter().all(|c| c.is_finite())).then(|| {
                std::array::from_fn(|i| std::array::from_fn(|j| flat[4 * i + j] / (v[i] * v[j])))
            })
        };
        let Some(sigma) = log_cov(&self.estimate_covariance, &self.estimate) else {
            return Err(Error::NoCovariance {
                what: WHAT,
                reason: self
                    .no_covariance
                    .unwrap_or(crate::btyd::StdErrorsUnavailable::NotConverged),
            });
        };
        let with_cov: Vec<(&P, [[f64; 4]; 4])> = self
            .draws
            .iter()
            .zip(self.covariances.chunks(16))
            .filter_map(|(p, c)| log_cov(c, p).map(|s| (p, s)))
            .collect();
        if with_cov.len() < 2 {
            return Err(Error::InvalidValue {
                what: WHAT,
                reason: format!(
                    "{} of {} bootstrap draws have a covariance; at least 2 are needed",
                    with_cov.len(),
                    self.draws.len()
                ),
            });
        }
        let (distinct, index) = distinct_rows(histories, row_key);
        let scale = Scale::of(what);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let tasks = distinct.len().div_ceil(ROWS_PER_TASK);
        let threads = self.threads.max(1).min(tasks.max(1));
        let work = || -> Result<Vec<(usize, PredictionInterval)>> {
            let mut mine = Vec::new();
            let mut ts = Vec::with_capacity(with_cov.len());
            loop {
                let task = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if task >= tasks {
                    break;
                }
                let begin = task * ROWS_PER_TASK;
                let end = (begin + ROWS_PER_TASK).min(distinct.len());
                for (row, h) in (begin..end).zip(&distinct[begin..end]) {
                    let h: &CustomerHistory = h;
                    let Some((f, g, grad)) = scaled_gradient(&self.estimate, what, h)? else {
                        let f = self.estimate.predict(what, h)?;
                        mine.push((
                            row,
                            PredictionInterval {
                                estimate: f,
                                lower: f,
                                upper: f,
                            },
                        ));
                        continue;
                    };
                    let se = quadratic_form(&sigma, &grad).max(0.0).sqrt();
                    ts.clear();
                    for (p, sigma_b) in &with_cov {
                        if let Some((_, g_b, grad_b)) = scaled_gradient(*p, what, h)? {
                            let se_b = quadratic_form(sigma_b, &grad_b).max(0.0).sqrt();
                            if se_b > 0.0 {
                                ts.push((g_b - g) / se_b);
                            }
                        }
                    }
                    if !(se.is_finite() && ts.len() >= 2 && ts.iter().all(|t| t.is_finite())) {
                        return Err(Error::InvalidValue {
                            what: WHAT,
                            reason: format!(
                                "row {row}: studentized statistics not finite or fewer than 2"
                            ),
                        });
                    }
                    let t_upper = quantile(&mut ts, qu);
                    let t_lower = quantile(&mut ts, ql);
                    mine.push((
                        row,
                        PredictionInterval {
                            estimate: f,
                            lower: scale.inverse(g - t_upper * se).min(f),
                            upper: scale.inverse(g - t_lower * se).max(f),
                        },
                    ));
                }
            }
            Ok(mine)
        };
        let mut ivs = vec![
            PredictionInterval {
                estimate: 0.0,
                lower: 0.0,
                upper: 0.0,
            };
            distinct.len()
        ];
        for result in run_threads(threads, &work) {
            for (row, iv) in result? {
                ivs[row] = iv;
            }
        }
        Ok(index.into_iter().map(|i| ivs[i]).collect())
    }
}

/// `(f, g(f), ∇_θ g)` for one prediction under `p`, `g` the delta method's
/// scale: the analytic gradient where the model has one, else central
/// differences in the log-parameters (step [`DELTA_STEP`]); `None` where
/// `f` is at the edge of its scale (the interval is the point).
fn scaled_gradient<P: IntervalModel>(
    p: &P,
    what: Prediction,
    h: &CustomerHistory,
) -> Result<Option<(f64, f64, [f64; 4])>> {
    let scale = Scale::of(what);
    match what {
        Prediction::PAlive => {
            if let Some((g, grad)) = p.logit_p_alive_gradient(h)
                && g.is_finite()
            {
                return Ok(Some((scale.inverse(g), g, grad)));
            }
        }
        Prediction::ExpectedPurchases(t) => {
            if let Some((f, grad)) = p.ln_expected_purchases_gradient(h, t)
                && let Some(g) = scale.forward(f)
            {
                return Ok(Some((f, g, grad)));
            }
        }
    }
    let f = p.predict(what, h)?;
    let Some(g) = scale.forward(f) else {
        return Ok(None);
    };
    let values = p.values();
    let mut grad = [0.0; 4];
    for (k, d) in grad.iter_mut().enumerate() {
        let [up, down] = shifted(values, k);
        let (u, l) = (
            P::from_values(up)?.predict(what, h)?,
            P::from_values(down)?.predict(what, h)?,
        );
        let (Some(gu), Some(gl)) = (scale.forward(u), scale.forward(l)) else {
            return Err(Error::InvalidValue {
                what: WHAT,
                reason: format!(
                    "the prediction leaves its scale when parameter {k} moves by {DELTA_STEP} on the log scale"
                ),
            });
        };
        *d = (gu - gl) / (2.0 * DELTA_STEP);
    }
    Ok(Some((f, g, grad)))
}

impl ParameterDraws<GammaGammaParams> {
    /// Percentile intervals for the Gamma-Gamma conditional expected
    /// spend, as [`intervals`](ParameterDraws::intervals).
    ///
    /// # Errors
    ///
    /// As [`intervals`](ParameterDraws::intervals).
    pub fn spend_intervals(
        &self,
        spends: &[SpendHistory],
        level: f64,
    ) -> Result<Vec<PredictionInterval>> {
        percentile_rows(
            self,
            level,
            spends,
            |s: &SpendHistory| (s.x(), s.zbar()),
            |_| (),
            |_: &GammaGammaParams, _| Ok(0.0),
            |p: &GammaGammaParams, s, _| p.expected_spend_f64(s),
        )
    }
}

/// Bootstrap percentile intervals at coverage `level` for each customer's
/// lifetime value ([`BtydClv`], the timing convention of
/// [`delta_clv_intervals`]): replicate `b`'s CLV uses the purchase
/// model's draw `b` and the spend model's draw `b` (two independent
/// bootstraps, as the two fits are on separate likelihoods; the shorter
/// set of draws sets the number of replicates), and the intervals are the
/// type-7 quantiles of the customer's `B` values, in O(customers) memory
/// as [`ParameterDraws::intervals`]. `clv` gives `K`, `d` and `f` and must
/// be built from the two draws' point estimates.
///
/// # Errors
///
/// [`Error::InvalidParameter`] (`"clv"`) when `clv`'s models are not the
/// draws' estimates, or for a `level` outside `(0, 1)`;
/// [`Error::InvalidValue`] for fewer than 2 paired draws or a value that is
/// not finite; the models' own errors.
///
/// # Example
///
/// ```
/// use customer_value::btyd::{
///     BgNbd, BgNbdParams, BootstrapOptions, BtydClv, BtydCustomer, GammaGamma, SpendHistory,
///     bootstrap, bootstrap_clv_intervals, simulate_bgnbd,
/// };
/// use customer_value::clv::DiscountRate;
/// use customer_value::Decimal;
///
/// let truth = BgNbdParams::new(0.25, 4.0, 0.8, 2.5)?;
/// let histories = simulate_bgnbd(&truth, &vec![39.0; 600], 3)?;
/// let customers: Vec<BtydCustomer> = histories
///     .iter()
///     .map(|h| {
///         let zbar = Decimal::from(20 + h.x() % 7 * 3);
///         BtydCustomer::new(*h, SpendHistory::new(h.customer(), h.x(), zbar)?)
///     })
///     .collect::<Result<_, _>>()?;
/// let repeat: Vec<SpendHistory> =
///     customers.iter().filter(|c| c.spend().x() > 0).map(|c| *c.spend()).collect();
/// let purchases = BgNbd::new().fit_detailed(&histories)?;
/// let spend = GammaGamma::new().fit_detailed(&repeat)?;
/// let options = BootstrapOptions::new(20, 7)?;
/// let pd = bootstrap(&BgNbd::new(), &purchases, &histories, &vec![1.0; histories.len()], &options)?;
/// let sd = bootstrap(&GammaGamma::new(), &spend, &repeat, &vec![1.0; repeat.len()], &options)?;
/// let clv = BtydClv::builder(*purchases.params(), *spend.params())
///     .periods(12)
///     .discount(DiscountRate::new(Decimal::new(1, 2))?)
///     .period_length(4.345)
///     .build()?;
/// let iv = bootstrap_clv_intervals(&pd, &sd, &clv, &customers[..5], 0.9)?;
/// assert!(iv.iter().all(|iv| iv.lower() <= iv.estimate() && iv.estimate() <= iv.upper()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn bootstrap_clv_intervals<P>(
    purchase_draws: &ParameterDraws<P>,
    spend_draws: &ParameterDraws<GammaGammaParams>,
    clv: &BtydClv,
    customers: &[BtydCustomer],
    level: f64,
) -> Result<Vec<PredictionInterval>>
where
    P: IntervalModel + Copy + Into<PurchaseModel>,
{
    check_clv(
        clv,
        &(*purchase_draws.estimate()).into(),
        spend_draws.estimate(),
    )?;
    let draws: Vec<BtydClv> = purchase_draws
        .draws()
        .iter()
        .zip(spend_draws.draws())
        .map(|(p, g)| clv.with_models((*p).into(), *g))
        .collect();
    if draws.len() < 2 {
        return Err(Error::InvalidValue {
            what: WHAT,
            reason: format!(
                "{} paired bootstrap draws; at least 2 are needed",
                draws.len()
            ),
        });
    }
    let paired = ParameterDraws {
        estimate: *clv,
        draws,
        failed: purchase_draws.failed() + spend_draws.failed(),
        threads: purchase_draws.threads.max(spend_draws.threads),
        estimate_covariance: Vec::new(),
        covariances: Vec::new(),
        no_covariance: None,
    };
    let key = |c: &BtydCustomer| (row_key(c.history()), c.spend().x(), c.spend().zbar());
    percentile_rows(
        &paired,
        level,
        customers,
        key,
        |_| (),
        |_: &BtydClv, _| Ok(0.0),
        |c: &BtydClv, customer, _| c.value_f64(customer),
    )
}

/// Type-7 quantile of a scratch buffer (reordered in place).
fn quantile(buf: &mut [f64], q: f64) -> f64 {
    let len = buf.len();
    let h = (len - 1) as f64 * q;
    let lo = h.floor() as usize;
    let (_, &mut a, rest) = buf.select_nth_unstable_by(lo, f64::total_cmp);
    if lo + 1 >= len || h == lo as f64 {
        return a;
    }
    let b = rest.iter().copied().fold(f64::INFINITY, f64::min);
    a + (h - lo as f64) * (b - a)
}

/// The distinct rows of `items` by `key`: the rows, and each item's row.
fn distinct_rows<T, K: Eq + Hash>(items: &[T], key: impl Fn(&T) -> K) -> (Vec<&T>, Vec<usize>) {
    let mut first: RowMap<K, usize> = RowMap::default();
    let mut distinct: Vec<&T> = Vec::new();
    let index: Vec<usize> = items
        .iter()
        .map(|item| {
            *first.entry(key(item)).or_insert_with(|| {
                distinct.push(item);
                distinct.len() - 1
            })
        })
        .collect();
    (distinct, index)
}

/// Percentile intervals once per distinct row (`key`), shared by the
/// customers with that row (memory `O(customers)` for the row index); see
/// [`percentile_core`] for `group`, `factor` and `combine`.
fn percentile_rows<P: Sync, T: Sync, K: Eq + Hash, G: Ord>(
    draws: &ParameterDraws<P>,
    level: f64,
    items: &[T],
    key: impl Fn(&T) -> K,
    group: impl Fn(&T) -> G,
    factor: impl Fn(&P, &T) -> Result<f64> + Sync,
    combine: impl Fn(&P, &T, f64) -> Result<f64> + Sync,
) -> Result<Vec<PredictionInterval>> {
    let (distinct, index) = distinct_rows(items, key);
    let ivs = percentile_core(
        draws,
        level,
        &distinct,
        |item: &&T| group(item),
        |p: &P, item: &&T| factor(p, item),
        |p: &P, item: &&T, f| combine(p, item, f),
    )?;
    Ok(index.into_iter().map(|i| ivs[i]).collect())
}

/// Rows per unit of work of [`percentile_core`].
const ROWS_PER_TASK: usize = 256;

/// The percentile intervals of `items`: item `i`'s prediction under draw
/// `b` is `combine(draw_b, item_i, factor(draw_b, item_g))`, where
/// `item_g` is the first item of `i`'s group (`group`): a factor shared
/// by a group (BG/NBD's `E_BG` term, common to the rows with the same `x`
/// and `T`) is computed once per draw and group of up to
/// [`ROWS_PER_TASK`] rows. The estimate is `combine` at the point estimate.
/// A factor that fails is passed as NaN, and `combine` must then compute
/// the prediction in full (to report the model's own error).
///
/// The groups' rows go to the threads [`ROWS_PER_TASK`] at a time, in
/// order; each row's interval depends on the row and the draws only, so
/// not on the threads. Memory: `O(B)` per thread, `O(items)` for the
/// intervals.
fn percentile_core<P: Sync, T: Sync, G: Ord>(
    draws: &ParameterDraws<P>,
    level: f64,
    items: &[T],
    group: impl Fn(&T) -> G,
    factor: impl Fn(&P, &T) -> Result<f64> + Sync,
    combine: impl Fn(&P, &T, f64) -> Result<f64> + Sync,
) -> Result<Vec<PredictionInterval>> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    check_level(level)?;
    let (ql, qu) = ((1.0 - level) / 2.0, (1.0 + level) / 2.0);
    // Items in group order, cut into tasks that never straddle a group.
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_cached_key(|&i| group(&items[i]));
    let mut tasks: Vec<std::ops::Range<usize>> = Vec::new();
    let mut begin = 0;
    for end in 1..=order.len() {
        let cut = end == order.len()
            || end - begin == ROWS_PER_TASK
            || group(&items[order[end]]) != group(&items[order[begin]]);
        if cut {
            tasks.push(begin..end);
            begin = end;
        }
    }
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let threads = draws.threads.max(1).min(tasks.len().max(1));
    let work = || -> std::result::Result<Vec<(usize, PredictionInterval)>, (usize, Error)> {
        let mut mine = Vec::new();
        let mut shared = vec![0.0; draws.draws.len()];
        let mut buf = vec![0.0; draws.draws.len()];
        while !stop.load(Ordering::Relaxed) {
            let task = next.fetch_add(1, Ordering::Relaxed);
            let Some(range) = tasks.get(task) else { break };
            let rows = &order[range.clone()];
            let head = &items[rows[0]];
            for (s, p) in shared.iter_mut().zip(&draws.draws) {
                *s = factor(p, head).unwrap_or(f64::NAN);
            }
            let head_factor = factor(&draws.estimate, head).unwrap_or(f64::NAN);
            for &row in rows {
                let fail = |e| {
                    stop.store(true, Ordering::Relaxed);
                    (row, e)
                };
                let item = &items[row];
                let f = combine(&draws.estimate, item, head_factor).map_err(fail)?;
                for ((b, p), s) in buf.iter_mut().zip(&draws.draws).zip(&shared) {
                    *b = combine(p, item, *s).map_err(fail)?;
                }
                if !f.is_finite() || buf.iter().any(|v| !v.is_finite()) {
                    return Err(fail(Error::InvalidValue {
                        what: WHAT,
                        reason: format!("prediction not finite for row {row}"),
                    }));
                }
                let lower = quantile(&mut buf, ql);
                let upper = quantile(&mut buf, qu);
                mine.push((
                    row,
                    PredictionInterval {
                        estimate: f,
                        lower: lower.min(f),
                        upper: upper.max(f),
                    },
                ));
            }
        }
        Ok(mine)
    };
    let results = run_threads(threads, &work);
    let mut out = vec![
        PredictionInterval {
            estimate: 0.0,
            lower: 0.0,
            upper: 0.0,
        };
        items.len()
    ];
    let mut first_error: Option<(usize, Error)> = None;
    for r in results {
        match r {
            Ok(mine) => {
                for (row, iv) in mine {
                    out[row] = iv;
                }
            }
            Err((row, e)) => {
                if first_error.as_ref().is_none_or(|(r, _)| row < *r) {
                    first_error = Some((row, e));
                }
            }
        }
    }
    match first_error {
        Some((_, e)) => Err(e),
        None => Ok(out),
    }
}

/// Runs `work` on `threads` scoped threads (the calling one among them)
/// and returns their results; a worker's panic is resumed here.
fn run_threads<R: Send>(threads: usize, work: &(impl Fn() -> R + Sync)) -> Vec<R> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut results = vec![work()];
        for h in handles {
            results.push(
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        results
    })
}

/// Parametric bootstrap of a fit: `options.replicates()` resamples of the
/// customers `rows` with integer `weights` (1 per customer, or
/// [`DistinctRows`](crate::btyd::DistinctRows) counts), each refitted by
/// `fitter` from `fit`'s estimate (see the [module docs](self)).
///
/// # Errors
///
/// - [`Error::InvalidParameter`] when `weights` is not as long as `rows`,
///   or a weight is not a non-negative integer, or the total is 0.
/// - [`Error::InvalidValue`] when fewer than 2 refits succeed.
pub fn bootstrap<F, const N: usize>(
    fitter: &F,
    fit: &FitReport<F::Params, N>,
    rows: &[F::Input],
    weights: &[f64],
    options: &BootstrapOptions,
) -> Result<ParameterDraws<F::Params>>
where
    F: Refit<N>,
{
    if weights.len() != rows.len() {
        return Err(Error::InvalidParameter {
            name: "weights",
            value: weights.len().to_string(),
            reason: "one weight per row is needed",
        });
    }
    // Cumulative integer counts, for drawing a customer and finding its row.
    let mut cumulative = Vec::with_capacity(weights.len());
    let mut total: u64 = 0;
    for &w in weights {
        if !(w >= 0.0 && w.fract() == 0.0 && w < 9.0e15) {
            return Err(Error::InvalidParameter {
                name: "weights",
                value: w.to_string(),
                reason: "bootstrap weights must be non-negative integer customer counts",
            });
        }
        total += w as u64;
        cumulative.push(total);
    }
    if total == 0 {
        return Err(Error::EmptyInput {
            what: "bootstrap",
            needs: "customer",
        });
    }
    let start = fit.params().clone();
    let b_total = options.replicates;
    let threads = options.threads.max(1).min(b_total);
    // The row of every customer, when the table is small enough (4 bytes a
    // customer): a draw is then one lookup instead of a binary search of
    // the cumulative counts. Both give the same row for the same number.
    let owner: Option<Vec<u32>> = (total <= OWNER_TABLE_MAX && rows.len() <= u32::MAX as usize)
        .then(|| {
            let mut owner = Vec::with_capacity(total as usize);
            for (i, &w) in weights.iter().enumerate() {
                owner.extend(std::iter::repeat_n(i as u32, w as usize));
            }
            owner
        });
    let mut slots: Vec<Option<FitReport<F::Params, N>>> = (0..b_total).map(|_| None).collect();
    // Replicates go to the threads one at a time, in order (a refit's time
    // varies): which thread fits replicate b changes nothing in slot b.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done: Vec<Vec<(usize, FitReport<F::Params, N>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (cumulative, owner, start, next) = (&cumulative, &owner, &start, &next);
                scope.spawn(move || {
                    let mut mine = Vec::new();
                    let mut counts = vec![0.0_f64; rows.len()];
                    loop {
                        let b = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if b >= b_total {
                            break;
                        }
                        let mut rng = SplitMix64::new(options.seed, b as u64);
                        counts.iter_mut().for_each(|c| *c = 0.0);
                        match owner {
                            Some(owner) => {
                                for _ in 0..total {
                                    counts[owner[rng.below(total) as usize] as usize] += 1.0;
                                }
                            }
                            None => {
                                for _ in 0..total {
                                    let u = rng.below(total);
                                    counts[cumulative.partition_point(|&c| c <= u)] += 1.0;
                                }
                            }
                        }
                        if let Ok(fit) = fitter.refit(rows, &counts, start) {
                            mine.push((b, fit));
                        }
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    for (b, fit) in done.into_iter().flatten() {
        slots[b] = Some(fit);
    }
    let failed = slots.iter().filter(|s| s.is_none()).count();
    let fits: Vec<FitReport<F::Params, N>> = slots.into_iter().flatten().collect();
    if fits.len() < 2 {
        return Err(Error::InvalidValue {
            what: "bootstrap",
            reason: format!("only {} of {b_total} refits succeeded", fits.len()),
        });
    }
    let flat = |c: Option<[[f64; N]; N]>| -> Vec<f64> {
        c.map_or_else(
            || vec![f64::NAN; N * N],
            |c| c.iter().flatten().copied().collect(),
        )
    };
    let covariances = fits.iter().flat_map(|f| flat(f.covariance())).collect();
    Ok(ParameterDraws {
        estimate: start,
        draws: fits.into_iter().map(|f| f.into_params()).collect(),
        failed,
        threads: options.threads.max(1),
        estimate_covariance: fit.covariance().map_or_else(Vec::new, |c| flat(Some(c))),
        covariances,
        no_covariance: fit.std_errors_unavailable(),
    })
}

/// The most customers for which [`bootstrap`] keeps a customer-to-row table
/// (64 MiB); above it, draws search the cumulative counts.
const OWNER_TABLE_MAX: u64 = 1 << 24;

#[cfg(all(test, feature = "simulate"))]
mod tests {
    use super::*;
    use crate::CustomerId;
    use crate::btyd::{DistinctRows, simulate_bgnbd, simulate_mbgnbd};
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;
    use rand_distr::{Distribution, Exp, Gamma, Poisson};

    fn truth() -> BgNbdParams {
        BgNbdParams::new(0.243, 4.41, 0.793, 2.43).unwrap()
    }

    fn ages(n: usize) -> Vec<f64> {
        (0..n).map(|i| 27.0 + (i % 13) as f64).collect()
    }

    fn probes() -> Vec<CustomerHistory> {
        [
            (1, 5.0, 39.0),
            (2, 30.0, 39.0),
            (4, 20.0, 35.0),
            (7, 36.0, 38.0),
            (1, 30.0, 30.0),
        ]
        .iter()
        .map(|&(x, t, a)| CustomerHistory::new(CustomerId::new(0), x, t, a).unwrap())
        .collect()
    }

    /// The closed-form gradient of logit P(alive) of BG/NBD in the
    /// log-parameters: logit p = −v, v = ln a − ln(b+x−1) + (r+x)·ln((α+T)/(α+t_x)).
    fn analytic_logit_grad(p: &BgNbdParams, h: &CustomerHistory) -> [f64; 4] {
        let (r, al, a, b) = (p.r(), p.alpha(), p.a(), p.b());
        let x = f64::from(h.x());
        let (t_x, big_t) = (h.t_x(), h.age());
        let l = ((al + big_t) / (al + t_x)).ln();
        let _ = a;
        [
            -(r * l),
            -((r + x) * al * (1.0 / (al + big_t) - 1.0 / (al + t_x))),
            -1.0,
            b / (b + x - 1.0),
        ]
    }

    #[test]
    fn numerical_gradient_matches_closed_form_for_bgnbd_p_alive() {
        let hs = simulate_bgnbd(&truth(), &ages(3000), 5).unwrap();
        let fit = BgNbd::new().fit_detailed(&hs).unwrap();
        let cov = fit.covariance().unwrap();
        let v = fit.params().values();
        let z = check_level(0.9).unwrap();
        let probes = probes();
        // The numerical path (central differences) ...
        let iv = delta_core(
            fit.params(),
            v,
            cov,
            0.9,
            Scale::Logit,
            &probes,
            row_key,
            |p: &BgNbdParams, h| p.predict(Prediction::PAlive, h),
            |_: &BgNbdParams, _: &CustomerHistory| None,
        )
        .unwrap();
        // ... equals the closed-form path of `delta_intervals` ...
        let closed = delta_intervals(&fit, Prediction::PAlive, &probes, 0.9).unwrap();
        for (a, b) in iv.iter().zip(&closed) {
            assert!((a.lower() - b.lower()).abs() < 1e-8 && (a.upper() - b.upper()).abs() < 1e-8);
        }
        // ... and a gradient written out here independently.
        for (h, iv) in probes.iter().zip(&iv) {
            let g = analytic_logit_grad(fit.params(), h);
            let mut var = 0.0;
            for i in 0..4 {
                for j in 0..4 {
                    var += g[i] * g[j] * cov[i][j] / (v[i] * v[j]);
                }
            }
            let p = fit.params().p_alive(h);
            let logit = (p / (1.0 - p)).ln();
            let lo = 1.0 / (1.0 + (-(logit - z * var.sqrt())).exp());
            let hi = 1.0 / (1.0 + (-(logit + z * var.sqrt())).exp());
            assert!((iv.lower() - lo).abs() < 1e-8, "{} vs {lo}", iv.lower());
            assert!((iv.upper() - hi).abs() < 1e-8, "{} vs {hi}", iv.upper());
        }
    }

    #[test]
    fn mbgnbd_closed_form_matches_central_differences() {
        let t = MbgNbdParams::new(0.243, 4.41, 0.793, 2.43).unwrap();
        let hs = simulate_mbgnbd(&t, &ages(3000), 5).unwrap();
        let fit = MbgNbd::new().fit_detailed(&hs).unwrap();
        let (v, cov) = (fit.params().values(), fit.covariance().unwrap());
        let mut probes = probes();
        probes.push(CustomerHistory::new(CustomerId::new(0), 0, 0.0, 30.0).unwrap());
        let fd = delta_core(
            fit.params(),
            v,
            cov,
            0.9,
            Scale::Logit,
            &probes,
            row_key,
            |p: &MbgNbdParams, h| p.predict(Prediction::PAlive, h),
            |_: &MbgNbdParams, _: &CustomerHistory| None,
        )
        .unwrap();
        let closed = delta_intervals(&fit, Prediction::PAlive, &probes, 0.9).unwrap();
        for (a, b) in fd.iter().zip(&closed) {
            assert!((a.estimate() - b.estimate()).abs() < 1e-12);
            assert!((a.lower() - b.lower()).abs() < 1e-8, "{a:?} {b:?}");
            assert!((a.upper() - b.upper()).abs() < 1e-8, "{a:?} {b:?}");
        }
    }

    #[test]
    fn no_covariance_is_a_typed_error() {
        // Everyone with the same single repeat purchase: a boundary fit or
        // no identification; either way no interval from a covariance.
        let hs: Vec<_> = (0..200)
            .map(|i| CustomerHistory::new(CustomerId::new(i), 1, 10.0, 20.0).unwrap())
            .collect();
        match BgNbd::new().fit_detailed(&hs) {
            Ok(fit) if fit.covariance().is_none() => {
                let e = delta_intervals(&fit, Prediction::PAlive, &hs, 0.9).unwrap_err();
                assert!(matches!(e, Error::NoCovariance { .. }), "{e}");
            }
            _ => {}
        }
        let hs = simulate_bgnbd(&truth(), &ages(500), 1).unwrap();
        let fit = BgNbd::new().fit_detailed(&hs).unwrap();
        assert!(delta_intervals(&fit, Prediction::PAlive, &hs, 1.0).is_err());
        assert!(delta_intervals(&fit, Prediction::ExpectedPurchases(-1.0), &hs, 0.9).is_err());
    }

    #[test]
    fn width_shrinks_as_the_base_grows() {
        let probes = probes();
        let width = |n: usize| -> f64 {
            let hs = simulate_bgnbd(&truth(), &ages(n), 11).unwrap();
            let fit = BgNbd::new().fit_detailed(&hs).unwrap();
            delta_intervals(&fit, Prediction::ExpectedPurchases(26.0), &probes, 0.9)
                .unwrap()
                .iter()
                .map(|iv| iv.width() / iv.estimate())
                .sum()
        };
        let (small, large) = (width(1000), width(16000));
        // Width ~ 1/√n: 16x the customers, about a quarter of the width.
        assert!(large < 0.5 * small, "{large} vs {small}");
    }

    #[test]
    fn bootstrap_is_reproducible_whatever_the_threads_and_uses_distinct_rows() {
        let hs = simulate_bgnbd(&truth(), &ages(1500), 3).unwrap();
        let (rows, weights) = DistinctRows::from_histories(&hs).weighted().unwrap();
        let fit = BgNbd::new().fit_weighted(&rows, &weights).unwrap();
        let one = bootstrap(
            &BgNbd::new(),
            &fit,
            &rows,
            &weights,
            &BootstrapOptions::new(24, 9).unwrap().threads(1),
        )
        .unwrap();
        let two = bootstrap(
            &BgNbd::new(),
            &fit,
            &rows,
            &weights,
            &BootstrapOptions::new(24, 9).unwrap().threads(3),
        )
        .unwrap();
        assert_eq!(one.draws(), two.draws());
        let other = bootstrap(
            &BgNbd::new(),
            &fit,
            &rows,
            &weights,
            &BootstrapOptions::new(24, 10).unwrap(),
        )
        .unwrap();
        assert_ne!(one.draws(), other.draws());
        let a = one.intervals(Prediction::PAlive, &hs, 0.9).unwrap();
        let b = two.intervals(Prediction::PAlive, &hs, 0.9).unwrap();
        assert_eq!(a, b);
        for (iv, h) in a.iter().zip(&hs) {
            assert!(iv.lower() <= iv.estimate() && iv.estimate() <= iv.upper());
            assert!(iv.lower() >= 0.0 && iv.upper() <= 1.0);
            assert_eq!(iv.estimate(), fit.params().p_alive(h));
        }
    }

    /// The resample of replicate `b`, as [`bootstrap`] draws it (by the
    /// cumulative counts: the customer-to-row table must give the same).
    fn resample(weights: &[f64], seed: u64, b: u64) -> Vec<f64> {
        let mut cumulative = Vec::new();
        let mut total = 0u64;
        for &w in weights {
            total += w as u64;
            cumulative.push(total);
        }
        let mut rng = SplitMix64::new(seed, b);
        let mut counts = vec![0.0; weights.len()];
        for _ in 0..total {
            let u = rng.below(total);
            counts[cumulative.partition_point(|&c| c <= u)] += 1.0;
        }
        counts
    }

    #[test]
    fn newton_refits_match_full_refits() {
        // The BG/NBD refits start Newton's method at the estimate; the
        // fitter's own path (quasi-Newton, then Newton) from the same
        // start must find the same maximum.
        let hs = simulate_bgnbd(&truth(), &ages(3000), 4).unwrap();
        let (rows, weights) = DistinctRows::from_histories(&hs).weighted().unwrap();
        let fit = BgNbd::new().fit_weighted(&rows, &weights).unwrap();
        let draws = bootstrap(
            &BgNbd::new(),
            &fit,
            &rows,
            &weights,
            &BootstrapOptions::new(6, 11).unwrap().threads(2),
        )
        .unwrap();
        assert_eq!(draws.failed(), 0);
        for (b, draw) in draws.draws().iter().enumerate() {
            let counts = resample(&weights, 11, b as u64);
            let full = BgNbd::new()
                .options(crate::btyd::FitOptions::new().start(fit.params().values()))
                .fit_weighted(&rows, &counts)
                .unwrap();
            for (x, y) in draw.values().iter().zip(full.params().values()) {
                assert!((x / y - 1.0).abs() < 1e-7, "replicate {b}: {x} vs {y}");
            }
            // A resample differs from the data: the refit moved.
            assert_ne!(draw.values(), fit.params().values());
        }
    }

    #[test]
    fn percentile_intervals_equal_the_direct_quantiles() {
        // The shared E_BG factor per (x, T) and the threads change nothing:
        // every interval is the type-7 quantiles of the row's predictions
        // under the draws, computed directly, to the bit.
        for model in ["bgnbd", "mbgnbd"] {
            let hs = match model {
                "bgnbd" => simulate_bgnbd(&truth(), &ages(1200), 8).unwrap(),
                _ => simulate_mbgnbd(
                    &MbgNbdParams::new(0.243, 4.41, 0.793, 2.43).unwrap(),
                    &ages(1200),
                    8,
                )
                .unwrap(),
            };
            let (rows, weights) = DistinctRows::from_histories(&hs).weighted().unwrap();
            fn check<P: IntervalModel>(draws: &ParameterDraws<P>, hs: &[CustomerHistory]) {
                for what in [Prediction::PAlive, Prediction::ExpectedPurchases(39.0)] {
                    let ivs = draws.intervals(what, hs, 0.8).unwrap();
                    for (iv, h) in ivs.iter().zip(hs) {
                        let mut v: Vec<f64> = draws
                            .draws()
                            .iter()
                            .map(|p| p.predict(what, h).unwrap())
                            .collect();
                        let f = draws.estimate().predict(what, h).unwrap();
                        let (lo, hi) = (
                            quantile(&mut v, (1.0 - 0.8) / 2.0),
                            quantile(&mut v, (1.0 + 0.8) / 2.0),
                        );
                        assert_eq!(iv.estimate(), f);
                        assert_eq!(iv.lower(), lo.min(f));
                        assert_eq!(iv.upper(), hi.max(f));
                    }
                }
            }
            let options = BootstrapOptions::new(30, 5).unwrap().threads(3);
            if model == "bgnbd" {
                let fit = BgNbd::new().fit_weighted(&rows, &weights).unwrap();
                check(
                    &bootstrap(&BgNbd::new(), &fit, &rows, &weights, &options).unwrap(),
                    &hs,
                );
            } else {
                let fit = MbgNbd::new().fit_weighted(&rows, &weights).unwrap();
                check(
                    &bootstrap(&MbgNbd::new(), &fit, &rows, &weights, &options).unwrap(),
                    &hs,
                );
            }
        }
    }

    #[test]
    fn studentized_intervals_are_reproducible_and_in_range() {
        let m = MbgNbdParams::new(0.243, 4.41, 0.793, 2.43).unwrap();
        let hs = simulate_mbgnbd(&m, &ages(2000), 12).unwrap();
        let (rows, weights) = DistinctRows::from_histories(&hs).weighted().unwrap();
        let fit = MbgNbd::new().fit_weighted(&rows, &weights).unwrap();
        let one = bootstrap(
            &MbgNbd::new(),
            &fit,
            &rows,
            &weights,
            &BootstrapOptions::new(40, 3).unwrap().threads(1),
        )
        .unwrap();
        let two = bootstrap(
            &MbgNbd::new(),
            &fit,
            &rows,
            &weights,
            &BootstrapOptions::new(40, 3).unwrap().threads(2),
        )
        .unwrap();
        assert_eq!(one.draws(), two.draws());
        let mut awkward = probes();
        awkward.push(CustomerHistory::new(CustomerId::new(0), 0, 0.0, 39.0).unwrap());
        awkward.push(CustomerHistory::new(CustomerId::new(0), 40, 38.9, 39.0).unwrap());
        awkward.push(CustomerHistory::new(CustomerId::new(0), 3, 0.5, 39.0).unwrap());
        for what in [Prediction::PAlive, Prediction::ExpectedPurchases(26.0)] {
            let a = one.studentized_intervals(what, &awkward, 0.9).unwrap();
            assert_eq!(a, two.studentized_intervals(what, &awkward, 0.9).unwrap());
            let delta = delta_intervals(&fit, what, &awkward, 0.9).unwrap();
            for ((iv, d), h) in a.iter().zip(&delta).zip(&awkward) {
                assert_eq!(iv.estimate(), fit.params().predict(what, h).unwrap());
                assert!(iv.lower() <= iv.estimate() && iv.estimate() <= iv.upper());
                assert!(iv.lower() >= 0.0);
                if what == Prediction::PAlive {
                    assert!(iv.upper() <= 1.0);
                }
                // Same scale, same standard error at the estimate: the
                // widths agree to within a factor of 3.
                if d.width() > 0.0 {
                    let ratio = iv.width() / d.width();
                    assert!((1.0 / 3.0..3.0).contains(&ratio), "{h:?}: {iv:?} vs {d:?}");
                }
            }
            let narrow = one.studentized_intervals(what, &awkward, 0.5).unwrap();
            for (n, w) in narrow.iter().zip(&a) {
                assert!(n.width() <= w.width() + 1e-15);
            }
        }
        assert!(
            one.studentized_intervals(Prediction::PAlive, &awkward, 1.0)
                .is_err()
        );
    }

    #[test]
    fn profile_intervals_hold_every_point_the_likelihood_ratio_accepts() {
        // Independent check of the constrained maximum: the predictions at
        // bootstrap draws inside the region 2(ℓ̂ − ℓ) ≤ z² must lie within
        // the profile interval (to the walk's tolerance), and the interval
        // is about the delta method's for a well-identified fit.
        let m = MbgNbdParams::new(0.243, 4.41, 0.793, 2.43).unwrap();
        let hs = simulate_mbgnbd(&m, &ages(2000), 31).unwrap();
        let (rows, weights) = DistinctRows::from_histories(&hs).weighted().unwrap();
        let fit = MbgNbd::new().fit_weighted(&rows, &weights).unwrap();
        let z = check_level(0.9).unwrap();
        let ll = |p: &MbgNbdParams| -> f64 {
            rows.iter()
                .zip(&weights)
                .map(|(h, w)| w * p.log_likelihood(h))
                .sum()
        };
        let l_hat = ll(fit.params());
        let draws = bootstrap(
            &MbgNbd::new(),
            &fit,
            &rows,
            &weights,
            &BootstrapOptions::new(60, 2).unwrap().threads(2),
        )
        .unwrap();
        let inside: Vec<&MbgNbdParams> = draws
            .draws()
            .iter()
            .filter(|p| 2.0 * (l_hat - ll(p)) <= z * z)
            .collect();
        assert!(inside.len() >= 10, "{} draws inside", inside.len());
        let mut awkward = probes();
        awkward.push(CustomerHistory::new(CustomerId::new(0), 0, 0.0, 39.0).unwrap());
        for what in [Prediction::PAlive, Prediction::ExpectedPurchases(26.0)] {
            let scale = Scale::of(what);
            let profile = profile_intervals(&fit, &rows, &weights, what, &awkward, 0.9).unwrap();
            // Unit weights on every customer: the same intervals.
            let ones = vec![1.0; hs.len()];
            let again = profile_intervals(&fit, &hs, &ones, what, &awkward, 0.9).unwrap();
            let delta = delta_intervals(&fit, what, &awkward, 0.9).unwrap();
            for (((iv, a), d), h) in profile.iter().zip(&again).zip(&delta).zip(&awkward) {
                assert_eq!(iv.estimate(), fit.params().predict(what, h).unwrap());
                assert!((iv.lower() - a.lower()).abs() <= 1e-9 * iv.estimate());
                assert!((iv.upper() - a.upper()).abs() <= 1e-9 * iv.estimate());
                let g = |v: f64| scale.forward(v).unwrap();
                let (lo, hi) = (g(iv.lower()), g(iv.upper()));
                let slack = 1e-2 * (hi - lo);
                for p in &inside {
                    let v = g(p.predict(what, h).unwrap());
                    assert!(
                        lo - slack <= v && v <= hi + slack,
                        "{h:?}: {v} not in [{lo}, {hi}]"
                    );
                }
                let ratio = (hi - lo) / (g(d.upper()) - g(d.lower()));
                assert!((0.7..1.6).contains(&ratio), "{h:?}: width ratio {ratio}");
            }
        }
        let bad = profile_intervals(
            &fit,
            &rows,
            &weights[1..],
            Prediction::PAlive,
            &awkward,
            0.9,
        );
        assert!(matches!(
            bad,
            Err(Error::InvalidParameter {
                name: "weights",
                ..
            })
        ));
        assert!(
            profile_intervals(&fit, &rows, &weights, Prediction::PAlive, &awkward, 1.5).is_err()
        );
    }

    /// The profile intervals as the walk computed them before the models
    /// had their own data likelihood: every pass sums each row's
    /// `log_likelihood` and `log_likelihood_gradient`, two separate calls.
    fn per_row_profile<P: IntervalModel + 'static>(
        fit: &FitReport<P, 4>,
        rows: &[CustomerHistory],
        weights: &[f64],
        what: Prediction,
        probes: &[CustomerHistory],
        ll: fn(&P, &CustomerHistory) -> (f64, [f64; 4]),
    ) -> Vec<PredictionInterval> {
        profile_with(fit, rows, weights, what, probes, 0.9, |r, w| {
            Ok(Box::new(move |p: &P| {
                let (mut l, mut g) = (0.0, [0.0; 4]);
                for (h, &w) in r.iter().zip(w) {
                    if w != 0.0 {
                        let (v, d) = ll(p, h);
                        l += w * v;
                        for k in 0..4 {
                            g[k] += w * d[k];
                        }
                    }
                }
                (l, g)
            }))
        })
        .unwrap()
    }

    fn assert_same_intervals(a: &[PredictionInterval], b: &[PredictionInterval], tol: f64) {
        for (a, b) in a.iter().zip(b) {
            assert_eq!(a.estimate(), b.estimate());
            for (x, y) in [(a.lower(), b.lower()), (a.upper(), b.upper())] {
                assert!(
                    (x - y).abs() <= tol * y.abs().max(1e-300),
                    "{a:?} against {b:?}"
                );
            }
        }
    }

    #[test]
    fn profile_intervals_equal_the_per_row_walk() {
        // The grouped likelihood of BG/NBD and MBG/NBD (the fitters'
        // prepared rows, summed by runs of x) and Pareto/NBD's single
        // evaluation of value and gradient change the log-likelihood only
        // in its last bits: the intervals are those of the per-row sums.
        let mut awkward = probes();
        awkward.push(CustomerHistory::new(CustomerId::new(0), 0, 0.0, 39.0).unwrap());
        awkward.push(CustomerHistory::new(CustomerId::new(0), 40, 38.5, 39.0).unwrap());
        let whats = [Prediction::PAlive, Prediction::ExpectedPurchases(26.0)];
        {
            let seed = 5;
            let m = MbgNbdParams::new(0.243, 4.41, 0.793, 2.43).unwrap();
            let hs = simulate_mbgnbd(&m, &ages(400), seed).unwrap();
            let (rows, w) = DistinctRows::from_histories(&hs).weighted().unwrap();
            let fit = MbgNbd::new().fit_weighted(&rows, &w).unwrap();
            for what in whats {
                let fast = profile_intervals(&fit, &rows, &w, what, &awkward, 0.9).unwrap();
                let slow = per_row_profile(&fit, &rows, &w, what, &awkward, |p, h| {
                    (p.log_likelihood(h), p.log_likelihood_gradient(h))
                });
                assert_same_intervals(&fast, &slow, 1e-6);
            }
            let hs = simulate_bgnbd(&truth(), &ages(400), seed).unwrap();
            let ones = vec![1.0; hs.len()];
            let fit = BgNbd::new().fit_detailed(&hs).unwrap();
            for what in whats {
                let fast = profile_intervals(&fit, &hs, &ones, what, &awkward, 0.9).unwrap();
                let slow = per_row_profile(&fit, &hs, &ones, what, &awkward, |p, h| {
                    (p.log_likelihood(h), p.log_likelihood_gradient(h))
                });
                assert_same_intervals(&fast, &slow, 1e-6);
            }
        }
        let t = ParetoNbdParams::new(0.55, 10.6, 0.61, 11.7).unwrap();
        let hs = simulate_pnbd(&t, &ages(200), 7);
        let ones = vec![1.0; hs.len()];
        let fit = ParetoNbd::new().fit_detailed(&hs).unwrap();
        for what in whats {
            let fast = profile_intervals(&fit, &hs, &ones, what, &awkward[..2], 0.9).unwrap();
            let slow = per_row_profile(&fit, &hs, &ones, what, &awkward[..2], |p, h| {
                match (p.log_likelihood(h), p.log_likelihood_gradient(h)) {
                    (Ok(l), Ok(g)) => (l, g),
                    _ => (f64::NEG_INFINITY, [f64::NAN; 4]),
                }
            });
            assert_same_intervals(&fast, &slow, 1e-6);
        }
    }

    /// Time of the profile intervals (five probes, P(alive) and `E[Y(26)]`)
    /// of one base of 2,000 customers, the models' data likelihood against
    /// the per-row sums, alternately: `PROFILE_MODEL` (`mbgnbd`, `bgnbd`),
    /// `PROFILE_REPEATS` (3). Run with
    /// `cargo test --release --features simulate --lib profile_speed -- --ignored --nocapture`.
    #[test]
    #[ignore]
    #[allow(clippy::print_stderr)] // the timings are the figure to report
    fn profile_speed() {
        let repeats: usize = std::env::var("PROFILE_REPEATS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(3);
        let model = std::env::var("PROFILE_MODEL").unwrap_or_else(|_| "mbgnbd".into());
        let probes = probes();
        let whats = [Prediction::PAlive, Prediction::ExpectedPurchases(26.0)];
        fn time<R>(f: impl FnOnce() -> R) -> (f64, R) {
            let t = std::time::Instant::now();
            let r = f();
            (t.elapsed().as_secs_f64(), r)
        }
        for rep in 0..repeats {
            let (old, new) = if model == "bgnbd" {
                let hs = simulate_bgnbd(&truth(), &ages(2000), 1000 + rep as u64).unwrap();
                let w = vec![1.0; hs.len()];
                let fit = BgNbd::new().fit_detailed(&hs).unwrap();
                let (old, a) = time(|| {
                    whats.map(|what| {
                        per_row_profile(&fit, &hs, &w, what, &probes, |p, h| {
                            (p.log_likelihood(h), p.log_likelihood_gradient(h))
                        })
                    })
                });
                let (new, b) = time(|| {
                    whats.map(|what| profile_intervals(&fit, &hs, &w, what, &probes, 0.9).unwrap())
                });
                for (a, b) in a.iter().zip(&b) {
                    assert_same_intervals(b, a, 1e-6);
                }
                (old, new)
            } else {
                let m = MbgNbdParams::new(0.243, 4.41, 0.793, 2.43).unwrap();
                let hs = simulate_mbgnbd(&m, &ages(2000), 2000 + rep as u64).unwrap();
                let w = vec![1.0; hs.len()];
                let fit = MbgNbd::new().fit_detailed(&hs).unwrap();
                let (old, a) = time(|| {
                    whats.map(|what| {
                        per_row_profile(&fit, &hs, &w, what, &probes, |p, h| {
                            (p.log_likelihood(h), p.log_likelihood_gradient(h))
                        })
                    })
                });
                let (new, b) = time(|| {
                    whats.map(|what| profile_intervals(&fit, &hs, &w, what, &probes, 0.9).unwrap())
                });
                for (a, b) in a.iter().zip(&b) {
                    assert_same_intervals(b, a, 1e-6);
                }
                (old, new)
            };
            eprintln!(
                "{model} base {rep}: per-row {old:.3} s, model's likelihood {new:.3} s, ratio {:.1}",
                old / new
            );
        }
    }

    #[test]
    fn quantile_is_type_7() {
        // R: quantile(c(1, 2, 3, 4, 10), c(0.05, 0.5, 0.95), type = 7) = 1.2, 3, 8.8
        let mut v = [10.0, 3.0, 1.0, 4.0, 2.0];
        assert!((quantile(&mut v, 0.05) - 1.2).abs() < 1e-12);
        assert!((quantile(&mut v, 0.5) - 3.0).abs() < 1e-12);
        assert!((quantile(&mut v, 0.95) - 8.8).abs() < 1e-12);
    }

    /// Pareto/NBD customers: λ ~ Gamma(r, rate α), μ ~ Gamma(s, rate β),
    /// lifetime ~ Exp(μ), Poisson(λ) purchases while alive, observed to T.
    fn simulate_pnbd(p: &ParetoNbdParams, ages: &[f64], seed: u64) -> Vec<CustomerHistory> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let lam = Gamma::new(p.r(), 1.0 / p.alpha()).unwrap();
        let mu = Gamma::new(p.s(), 1.0 / p.beta()).unwrap();
        ages.iter()
            .enumerate()
            .map(|(i, &big_t)| {
                let l: f64 = lam.sample(&mut rng);
                let m: f64 = mu.sample(&mut rng);
                let life: f64 = Exp::new(m).unwrap().sample(&mut rng);
                let end = life.min(big_t);
                let gap = Exp::new(l).unwrap();
                let (mut t, mut x, mut t_x) = (0.0, 0u32, 0.0);
                loop {
                    t += gap.sample(&mut rng);
                    if t > end {
                        break;
                    }
                    x += 1;
                    t_x = t;
                }
                CustomerHistory::new(CustomerId::new(i as u64), x, t_x, big_t).unwrap()
            })
            .collect()
    }

    /// Gamma-Gamma spend: ν ~ Gamma(q, rate γ), each of x amounts ~ Gamma(p, rate ν).
    fn simulate_gg(g: &GammaGammaParams, n: usize, seed: u64) -> Vec<SpendHistory> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let nu = Gamma::new(g.q(), 1.0 / g.gamma()).unwrap();
        let count = Poisson::new(3.0).unwrap();
        (0..n)
            .map(|i| {
                let v: f64 = nu.sample(&mut rng);
                let x = 1 + count.sample(&mut rng) as u32;
                let z = Gamma::new(g.p() * f64::from(x), 1.0 / v)
                    .unwrap()
                    .sample(&mut rng);
                let zbar = crate::Decimal::try_from(z / f64::from(x))
                    .unwrap()
                    .round_dp(6);
                SpendHistory::new(CustomerId::new(i as u64), x, zbar).unwrap()
            })
            .collect()
    }

    /// 12 months of 4.345 weeks at 1 % a month.
    fn clv_terms(p: BgNbdParams, g: GammaGammaParams) -> BtydClv {
        BtydClv::builder(p, g)
            .periods(12)
            .discount(crate::clv::DiscountRate::new(crate::Decimal::new(1, 2)).unwrap())
            .period_length(4.345)
            .build()
            .unwrap()
    }

    /// The probes with a mean repeat spend each (and one without purchases).
    fn clv_probes() -> Vec<BtydCustomer> {
        let mut customers: Vec<BtydCustomer> = probes()
            .into_iter()
            .zip([25, 12, 40, 30, 18])
            .map(|(h, z)| {
                let s = SpendHistory::new(h.customer(), h.x(), crate::Decimal::from(z)).unwrap();
                BtydCustomer::new(h, s).unwrap()
            })
            .collect();
        let h = CustomerHistory::new(CustomerId::new(0), 0, 0.0, 39.0).unwrap();
        let s = SpendHistory::new(CustomerId::new(0), 0, crate::Decimal::ZERO).unwrap();
        customers.push(BtydCustomer::new(h, s).unwrap());
        customers
    }

    /// Delta CLV intervals: centred on `BtydClv::value_f64`; the variance
    /// is the sum of the two blocks' (each block alone gives a narrower
    /// interval); customers sharing a row share its interval; the CLV must
    /// be built from the fits; bootstrap CLV intervals contain the estimate
    /// and are reproducible.
    #[test]
    fn clv_intervals_combine_the_two_blocks() {
        let (tp, tg) = (truth(), GammaGammaParams::new(6.25, 3.74, 15.4).unwrap());
        let hs = simulate_bgnbd(&tp, &ages(1500), 31).unwrap();
        let ss = simulate_gg(&tg, 800, 32);
        let fp = BgNbd::new().fit_detailed(&hs).unwrap();
        let fg = GammaGamma::new().fit_detailed(&ss).unwrap();
        let clv = clv_terms(*fp.params(), *fg.params());
        let mut customers = clv_probes();
        customers.extend(clv_probes());
        let iv = delta_clv_intervals(&fp, &fg, &clv, &customers, 0.9).unwrap();
        let n = customers.len() / 2;
        assert_eq!(iv[..n], iv[n..]);
        for (iv, c) in iv.iter().zip(&customers) {
            let v = clv.value_f64(c).unwrap();
            assert!((iv.estimate() - v).abs() <= 1e-9 * v, "{iv:?} {v}");
            assert!(iv.lower() < v && v < iv.upper(), "{iv:?}");
            // Var(ln CLV) = Var(ln G) + Var(ln E[Z]): the spend block alone
            // (delta_spend_intervals) is narrower on the log scale.
            let spend = delta_spend_intervals(&fg, &[*c.spend()], 0.9).unwrap()[0];
            let wide = (iv.upper() / iv.lower()).ln();
            let narrow = (spend.upper() / spend.lower()).ln();
            assert!(wide > narrow, "{wide} {narrow}");
        }
        let other = clv_terms(tp, *fg.params());
        assert!(matches!(
            delta_clv_intervals(&fp, &fg, &other, &customers, 0.9),
            Err(Error::InvalidParameter { name: "clv", .. })
        ));
        let options = BootstrapOptions::new(30, 5).unwrap();
        let pd = bootstrap(&BgNbd::new(), &fp, &hs, &vec![1.0; hs.len()], &options).unwrap();
        let sd = bootstrap(&GammaGamma::new(), &fg, &ss, &vec![1.0; ss.len()], &options).unwrap();
        let a = bootstrap_clv_intervals(&pd, &sd, &clv, &customers, 0.9).unwrap();
        let b = bootstrap_clv_intervals(&pd, &sd, &clv, &customers, 0.9).unwrap();
        assert_eq!(a, b);
        for ((boot, delta), c) in a.iter().zip(&iv).zip(&customers) {
            assert_eq!(boot.estimate(), clv.value_f64(c).unwrap());
            assert!(boot.lower() <= boot.estimate() && boot.estimate() <= boot.upper());
            // The two methods agree on the interval's scale (log width
            // within a factor 3).
            if delta.width() > 0.0 {
                let (lb, ld) = (
                    (boot.upper() / boot.lower()).ln(),
                    (delta.upper() / delta.lower()).ln(),
                );
                assert!(lb > ld / 3.0 && lb < ld * 3.0, "{boot:?} {delta:?}");
            }
        }
        assert!(bootstrap_clv_intervals(&pd, &sd, &other, &customers, 0.9).is_err());
    }

    /// Coverage of nominal-90 % delta intervals over `bases` simulated
    /// bases: the share of (base, probe) pairs whose interval contains the
    /// prediction at the true parameters.
    fn coverage(model: &str, bases: u64, n: usize) -> f64 {
        let probes = probes();
        let (mut hit, mut all) = (0usize, 0usize);
        let mut count = |ivs: Vec<PredictionInterval>, truths: Vec<f64>| {
            for (iv, t) in ivs.iter().zip(truths) {
                hit += usize::from(iv.contains(t));
                all += 1;
            }
        };
        for seed in 0..bases {
            match model {
                "bgnbd" => {
                    let t = truth();
                    let hs = simulate_bgnbd(&t, &ages(n), 1000 + seed).unwrap();
                    let Ok(fit) = BgNbd::new().fit_detailed(&hs) else {
                        continue;
                    };
                    for what in [Prediction::PAlive, Prediction::ExpectedPurchases(26.0)] {
                        let Ok(iv) = delta_intervals(&fit, what, &probes, 0.9) else {
                            continue;
                        };
                        count(
                            iv,
                            probes.iter().map(|h| t.predict(what, h).unwrap()).collect(),
                        );
                    }
                }
                "mbgnbd" => {
                    let t = MbgNbdParams::new(0.243, 4.41, 0.793, 2.43).unwrap();
                    let hs = simulate_mbgnbd(&t, &ages(n), 2000 + seed).unwrap();
                    let Ok(fit) = MbgNbd::new().fit_detailed(&hs) else {
                        continue;
                    };
                    for what in [Prediction::PAlive, Prediction::ExpectedPurchases(26.0)] {
                        let Ok(iv) = delta_intervals(&fit, what, &probes, 0.9) else {
                            continue;
                        };
                        count(
                            iv,
                            probes.iter().map(|h| t.predict(what, h).unwrap()).collect(),
                        );
                    }
                }
                "pnbd" => {
                    let t = ParetoNbdParams::new(0.55, 10.6, 0.61, 11.7).unwrap();
                    let hs = simulate_pnbd(&t, &ages(n), 3000 + seed);
                    let Ok(fit) = ParetoNbd::new().fit_detailed(&hs) else {
                        continue;
                    };
                    for what in [Prediction::PAlive, Prediction::ExpectedPurchases(26.0)] {
                        let Ok(iv) = delta_intervals(&fit, what, &probes, 0.9) else {
                            continue;
                        };
                        count(
                            iv,
                            probes.iter().map(|h| t.predict(what, h).unwrap()).collect(),
                        );
                    }
                }
                "clv" => {
                    let (tp, tg) = (truth(), GammaGammaParams::new(6.25, 3.74, 15.4).unwrap());
                    let hs = simulate_bgnbd(&tp, &ages(n), 5000 + seed).unwrap();
                    let ss = simulate_gg(&tg, n, 6000 + seed);
                    let (Ok(fp), Ok(fg)) = (
                        BgNbd::new().fit_detailed(&hs),
                        GammaGamma::new().fit_detailed(&ss),
                    ) else {
                        continue;
                    };
                    let customers = clv_probes();
                    let Ok(iv) = delta_clv_intervals(
                        &fp,
                        &fg,
                        &clv_terms(*fp.params(), *fg.params()),
                        &customers,
                        0.9,
                    ) else {
                        continue;
                    };
                    let at_truth = clv_terms(tp, tg);
                    count(
                        iv,
                        customers
                            .iter()
                            .map(|c| at_truth.value_f64(c).unwrap())
                            .collect(),
                    );
                }
                _ => {
                    let t = GammaGammaParams::new(6.25, 3.74, 15.4).unwrap();
                    let ss = simulate_gg(&t, n, 4000 + seed);
                    let Ok(fit) = GammaGamma::new().fit_detailed(&ss) else {
                        continue;
                    };
                    let Ok(iv) = delta_spend_intervals(&fit, &ss[..5], 0.9) else {
                        continue;
                    };
                    count(
                        iv,
                        ss[..5]
                            .iter()
                            .map(|s| t.expected_spend_f64(s).unwrap())
                            .collect(),
                    );
                }
            }
        }
        assert!(all > 0);
        hit as f64 / all as f64
    }

    #[test]
    #[allow(clippy::print_stderr)] // the measured coverage is the figure to report
    fn delta_intervals_cover_about_90_percent() {
        // 60 bases: the share's standard error, with the probes of a base
        // correlated, is up to about 4 points; the tolerance is 10.
        for model in ["bgnbd", "mbgnbd", "pnbd", "gg", "clv"] {
            let c = coverage(model, 60, 2000);
            eprintln!("{model}: coverage {c:.3}");
            assert!((c - 0.9).abs() < 0.10, "{model}: coverage {c}");
        }
    }

    /// The issue's figure: nominal-90 % coverage on 2,000 simulated bases
    /// of 2,000 customers, for each model with the method the module docs
    /// recommend at that size (the profile likelihood for MBG/NBD, the delta
    /// method elsewhere), asserted within 2 points; the delta method is
    /// reported for MBG/NBD too, on the same bases. `COVERAGE_BASES` and
    /// `COVERAGE_MODELS` (default `bgnbd,pnbd,gg,clv,mbgnbd`) narrow the
    /// run. Run with
    /// `nice -n 10 cargo test --release --all-features --lib coverage_2000 -- --ignored --nocapture`.
    #[test]
    #[ignore]
    #[allow(clippy::print_stderr)] // the measured coverage is the figure to report
    fn coverage_2000_bases() {
        let bases = std::env::var("COVERAGE_BASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(2000);
        let models =
            std::env::var("COVERAGE_MODELS").unwrap_or_else(|_| "bgnbd,pnbd,gg,clv,mbgnbd".into());
        let mut bad = Vec::new();
        for model in models.split(',') {
            let started = std::time::Instant::now();
            let c = if model == "mbgnbd" {
                let m = MbgNbdParams::new(0.243, 4.41, 0.793, 2.43).unwrap();
                let (p, d, all) = profile_and_delta_coverage(&m, bases, |seed| {
                    let hs = simulate_mbgnbd(&m, &ages(2000), 2000 + seed).unwrap();
                    let w = vec![1.0; hs.len()];
                    Some((MbgNbd::new().fit_detailed(&hs).ok()?, hs, w))
                });
                let c = |h: usize| h as f64 / all as f64;
                eprintln!(
                    "mbgnbd: delta over {} bases: P(alive) {:.4}, E[Y(26)] {:.4}, both {:.4}",
                    all / 5,
                    c(d[0]),
                    c(d[1]),
                    c(d[0] + d[1]) / 2.0
                );
                eprintln!(
                    "mbgnbd: profile over {} bases: P(alive) {:.4}, E[Y(26)] {:.4}, both {:.4}",
                    all / 5,
                    c(p[0]),
                    c(p[1]),
                    c(p[0] + p[1]) / 2.0
                );
                c(p[0] + p[1]) / 2.0
            } else {
                let c = coverage(model, bases, 2000);
                eprintln!("{model}: delta over {bases} bases {c:.4}");
                c
            };
            eprintln!("{model}: {:.0} s", started.elapsed().as_secs_f64());
            if (c - 0.9).abs() >= 0.02 {
                bad.push((model, c));
            }
        }
        assert!(bad.is_empty(), "{bad:?}");
    }

    /// `ln f` differentiated numerically in the log-parameters: the
    /// Richardson-extrapolated central difference
    /// `(8(f(h) − f(−h)) − (f(2h) − f(−2h)))/(12h)`, `h = 1e-4`.
    fn ln_central<P: IntervalModel>(p: &P, f: impl Fn(&P) -> f64) -> [f64; 4] {
        let v = p.values();
        let step = 1e-4;
        std::array::from_fn(|i| {
            let at = |m: f64| {
                let mut w = v;
                w[i] = (v[i].ln() + m * step).exp();
                f(&P::from_values(w).unwrap()).ln()
            };
            (8.0 * (at(1.0) - at(-1.0)) - (at(2.0) - at(-2.0))) / (12.0 * step)
        })
    }

    /// Awkward histories: no repeat purchase, t_x = T, heavy buyers, long ages.
    fn awkward_histories() -> Vec<CustomerHistory> {
        [
            (0, 0.0, 39.0),
            (1, 5.0, 39.0),
            (7, 36.0, 38.0),
            (3, 20.0, 20.0),
            (60, 38.5, 39.0),
            (200, 90.0, 100.0),
            (2, 1.0, 300.0),
        ]
        .iter()
        .map(|&(x, t, a)| CustomerHistory::new(CustomerId::new(0), x, t, a).unwrap())
        .collect()
    }

    /// The analytic `(E[Y(t)], ∇ ln E[Y(t)])` against `expected_purchases`
    /// and the central differences of its logarithm, over a grid of
    /// parameters (fitted values, large r, tiny a or s, huge b or β, a or
    /// s near 1, α and β far apart), awkward histories and horizons; returns
    /// how many points had the analytic path.
    fn check_expected_gradient<P: IntervalModel>(params: &[P]) -> usize {
        let mut analytic = 0;
        for p in params {
            for h in awkward_histories() {
                for t in [0.5, 26.0, 52.0, 500.0] {
                    let Some((e, g)) = p.ln_expected_purchases_gradient(&h, t) else {
                        continue;
                    };
                    analytic += 1;
                    let want = p.predict(Prediction::ExpectedPurchases(t), &h).unwrap();
                    assert!(
                        ((e - want) / want).abs() < 1e-12,
                        "{:?} {h:?} {t}: {e} vs {want}",
                        p.values()
                    );
                    let num = ln_central(p, |q| {
                        q.predict(Prediction::ExpectedPurchases(t), &h).unwrap()
                    });
                    for i in 0..4 {
                        assert!(
                            (g[i] - num[i]).abs() <= 1e-6 * (1.0 + num[i].abs()),
                            "{:?} {h:?} t={t} [{i}]: {} vs {}",
                            p.values(),
                            g[i],
                            num[i]
                        );
                    }
                }
            }
        }
        analytic
    }

    #[test]
    fn expected_purchases_gradients_match_central_differences() {
        let bg = [
            (0.243, 4.41, 0.793, 2.43),
            (50.0, 4.41, 0.79, 2.43),
            (0.3, 4.0, 1e-3, 2.4),
            (0.25, 4.0, 0.8, 1e6),
            (1.2, 7.0, 1.0, 3.0),
            (0.5, 0.05, 3.0, 0.2),
        ];
        let n_bg = check_expected_gradient(
            &bg.map(|(r, al, a, b)| BgNbdParams::new(r, al, a, b).unwrap()),
        );
        let n_mbg = check_expected_gradient(
            &bg.map(|(r, al, a, b)| MbgNbdParams::new(r, al, a, b).unwrap()),
        );
        let pnbd = [
            (0.55, 10.58, 0.61, 11.67),
            (40.0, 10.0, 0.6, 11.0),
            (0.55, 10.6, 1e-3, 11.7),
            (0.55, 10.6, 1.0, 11.7),
            (0.55, 10.6, 0.61, 1e5),
            (0.55, 0.5, 0.61, 500.0),
            (2.0, 30.0, 4.0, 2.0),
        ];
        let n_pnbd = check_expected_gradient(
            &pnbd.map(|(r, al, s, be)| ParetoNbdParams::new(r, al, s, be).unwrap()),
        );
        // 6 or 7 parameter sets × 7 histories × 4 horizons: the analytic
        // path answers at typical parameters everywhere, and at most of the
        // awkward points; the rest (a series that would cancel: r large
        // against a + b, b huge) falls back to central differences.
        let typical = check_expected_gradient(&[truth()]);
        assert_eq!(typical, 28);
        assert!(
            n_bg >= 120 && n_mbg >= 120 && n_pnbd >= 180,
            "{n_bg} {n_mbg} {n_pnbd}"
        );
    }

    /// The intervals from the analytic gradient equal those from central
    /// differences of the prediction (the previous method) to the
    /// differences' own accuracy, for the three models.
    #[test]
    fn analytic_and_numerical_delta_intervals_agree() {
        fn both<P: IntervalModel>(fit: &FitReport<P, 4>, hs: &[CustomerHistory]) {
            let what = Prediction::ExpectedPurchases(52.0);
            let fast = delta_intervals(fit, what, hs, 0.9).unwrap();
            let slow = delta_core(
                fit.params(),
                fit.params().values(),
                fit.covariance().unwrap(),
                0.9,
                Scale::Log,
                hs,
                row_key,
                |p: &P, h| p.predict(what, h),
                |_: &P, _: &CustomerHistory| None,
            )
            .unwrap();
            for (a, b) in fast.iter().zip(&slow) {
                assert!(((a.estimate() - b.estimate()) / b.estimate()).abs() < 1e-12);
                assert!(
                    ((a.lower() - b.lower()) / b.lower()).abs() < 1e-7,
                    "{a:?} {b:?}"
                );
                assert!(
                    ((a.upper() - b.upper()) / b.upper()).abs() < 1e-7,
                    "{a:?} {b:?}"
                );
            }
        }
        let mut hs = probes();
        hs.extend(awkward_histories());
        let bg = simulate_bgnbd(&truth(), &ages(3000), 8).unwrap();
        both(&BgNbd::new().fit_detailed(&bg).unwrap(), &hs);
        let t = MbgNbdParams::new(0.243, 4.41, 0.793, 2.43).unwrap();
        let mbg = simulate_mbgnbd(&t, &ages(3000), 8).unwrap();
        both(&MbgNbd::new().fit_detailed(&mbg).unwrap(), &hs);
        let t = ParetoNbdParams::new(0.55, 10.6, 0.61, 11.7).unwrap();
        let pnbd = simulate_pnbd(&t, &ages(3000), 8);
        both(&ParetoNbd::new().fit_detailed(&pnbd).unwrap(), &hs);
    }

    /// The CLV's purchase factor `G`: the analytic `∇ ln G` against central
    /// differences of `G`, with and without discounting.
    #[test]
    fn clv_purchase_gradient_matches_central_differences() {
        let g = GammaGammaParams::new(6.25, 3.74, 15.4).unwrap();
        for d in [0, 1] {
            for p in [
                PurchaseModel::from(truth()),
                MbgNbdParams::new(0.243, 4.41, 0.793, 2.43).unwrap().into(),
                ParetoNbdParams::new(0.55, 10.6, 0.61, 11.7).unwrap().into(),
            ] {
                let clv = BtydClv::builder(p, g)
                    .periods(12)
                    .discount(crate::clv::DiscountRate::new(crate::Decimal::new(d, 2)).unwrap())
                    .period_length(4.345)
                    .build()
                    .unwrap();
                for h in awkward_histories() {
                    let got = match p {
                        PurchaseModel::BgNbd(q) => clv_purchases_gradient(&q, &clv, &p, &h),
                        PurchaseModel::MbgNbd(q) => clv_purchases_gradient(&q, &clv, &p, &h),
                        PurchaseModel::ParetoNbd(q) => clv_purchases_gradient(&q, &clv, &p, &h),
                        PurchaseModel::GgomNbd(_) => unreachable!(),
                    };
                    let (v, grad) = got.unwrap().unwrap();
                    assert!(((v - clv.discounted_purchases_of(&h).unwrap()) / v).abs() < 1e-12);
                    let values = match p {
                        PurchaseModel::BgNbd(q) => q.values(),
                        PurchaseModel::MbgNbd(q) => q.values(),
                        PurchaseModel::ParetoNbd(q) => q.values(),
                        PurchaseModel::GgomNbd(_) => unreachable!(),
                    };
                    let at = |i: usize, m: f64| {
                        let mut w = values;
                        w[i] = (values[i].ln() + m * 1e-4).exp();
                        let shifted: PurchaseModel = match p {
                            PurchaseModel::BgNbd(_) => BgNbdParams::from_values(w).unwrap().into(),
                            PurchaseModel::MbgNbd(_) => {
                                MbgNbdParams::from_values(w).unwrap().into()
                            }
                            _ => ParetoNbdParams::from_values(w).unwrap().into(),
                        };
                        clv.with_models(shifted, g)
                            .discounted_purchases_of(&h)
                            .unwrap()
                            .ln()
                    };
                    for (i, got) in grad.iter().enumerate() {
                        let num =
                            (8.0 * (at(i, 1.0) - at(i, -1.0)) - (at(i, 2.0) - at(i, -2.0))) / 12e-4;
                        assert!(
                            (got - num).abs() <= 1e-6 * (1.0 + num.abs()),
                            "{p:?} d={d} {h:?} [{i}]: {got} vs {num}"
                        );
                    }
                }
            }
        }
    }

    /// MBG/NBD against BG/NBD at the same truth: per-probe coverage of the
    /// two predictions, and the log-parameters' empirical standard
    /// deviation over the bases against the mean delta-method standard
    /// error and the parameters' own coverage. Run with
    /// `cargo test --release --all-features --lib coverage_diagnostics -- --ignored --nocapture`.
    #[test]
    #[ignore]
    #[allow(clippy::print_stderr)] // the diagnostics are the output
    fn coverage_diagnostics() {
        fn run<P: IntervalModel>(
            name: &str,
            bases: u64,
            truth: &P,
            fits: impl Fn(u64) -> Option<FitReport<P, 4>>,
        ) {
            let probes = probes();
            let z = check_level(0.9).unwrap();
            let tv = truth.values();
            let (mut hits, mut all) = ([[0usize; 5]; 2], 0usize);
            let (mut theta, mut se, mut par_hit) = (Vec::new(), [0.0; 4], [0usize; 4]);
            for seed in 0..bases {
                let Some(fit) = fits(seed) else { continue };
                let Some(cov) = fit.covariance() else {
                    continue;
                };
                let v = fit.params().values();
                for i in 0..4 {
                    let s = cov[i][i].sqrt() / v[i];
                    se[i] += s;
                    par_hit[i] += usize::from((v[i].ln() - tv[i].ln()).abs() <= z * s);
                }
                theta.push(v.map(f64::ln));
                for (w, what) in [Prediction::PAlive, Prediction::ExpectedPurchases(26.0)]
                    .into_iter()
                    .enumerate()
                {
                    let iv = delta_intervals(&fit, what, &probes, 0.9).unwrap();
                    for (j, (iv, h)) in iv.iter().zip(&probes).enumerate() {
                        hits[w][j] += usize::from(iv.contains(truth.predict(what, h).unwrap()));
                    }
                }
                all += 1;
            }
            let n = all as f64;
            eprintln!("{name}: {all} of {bases} bases with a covariance");
            for (w, label) in ["P(alive)", "E[Y(26)]"].iter().enumerate() {
                let per: Vec<String> = hits[w]
                    .iter()
                    .map(|&c| format!("{:.3}", c as f64 / n))
                    .collect();
                let total = hits[w].iter().sum::<usize>() as f64 / (5.0 * n);
                eprintln!(
                    "{name} {label} coverage {total:.4}, by probe: {}",
                    per.join(" ")
                );
            }
            for i in 0..4 {
                let mean = theta.iter().map(|t| t[i]).sum::<f64>() / n;
                let sd =
                    (theta.iter().map(|t| (t[i] - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
                // 1.4826·MAD: the spread of the bulk, without the tails.
                let mut col: Vec<f64> = theta.iter().map(|t| t[i]).collect();
                let med = quantile(&mut col, 0.5);
                let mut dev: Vec<f64> = col.iter().map(|v| (v - med).abs()).collect();
                let mad = 1.4826 * quantile(&mut dev, 0.5);
                eprintln!(
                    "{name} ln param {i}: bias {:+.4}, sd {sd:.4}, robust sd {mad:.4}, mean se {:.4}, Wald coverage {:.3}",
                    mean - tv[i].ln(),
                    se[i] / n,
                    par_hit[i] as f64 / n
                );
            }
        }
        let t = truth();
        run("bgnbd", 2000, &t, |seed| {
            BgNbd::new()
                .fit_detailed(&simulate_bgnbd(&t, &ages(2000), 1000 + seed).unwrap())
                .ok()
        });
        let m = MbgNbdParams::new(0.243, 4.41, 0.793, 2.43).unwrap();
        for (n, bases) in [(2000, 2000), (8000, 500), (32000, 200)] {
            run(&format!("mbgnbd n={n}"), bases, &m, |seed| {
                MbgNbd::new()
                    .fit_detailed(&simulate_mbgnbd(&m, &ages(n), 2000 + seed).unwrap())
                    .ok()
            });
        }
        // The reported covariance against the inverse of a Hessian of the
        // summed log-likelihood by second differences in the log-parameters.
        let hs = simulate_mbgnbd(&m, &ages(2000), 2000).unwrap();
        let fit = MbgNbd::new().fit_detailed(&hs).unwrap();
        let v = fit.params().values();
        let ll = |th: [f64; 4]| -> f64 {
            let p = MbgNbdParams::from_values(th.map(f64::exp)).unwrap();
            hs.iter().map(|h| p.log_likelihood(h)).sum()
        };
        let th = v.map(f64::ln);
        let e = 1e-4;
        let mut hess = [[0.0; 4]; 4];
        for i in 0..4 {
            for j in 0..4 {
                let at = |di: f64, dj: f64| {
                    let mut w = th;
                    w[i] += di;
                    w[j] += dj;
                    ll(w)
                };
                hess[i][j] = -(at(e, e) - at(e, -e) - at(-e, e) + at(-e, -e)) / (4.0 * e * e);
            }
        }
        let inv = invert4(hess);
        let cov = fit.covariance().unwrap();
        for i in 0..4 {
            eprintln!(
                "mbgnbd base 0 ln param {i}: reported se {:.4}, second-difference se {:.4}",
                cov[i][i].sqrt() / v[i],
                inv[i][i].sqrt()
            );
        }
    }

    /// Φ⁻¹(p), the standard normal quantile.
    fn normal_quantile(p: f64) -> f64 {
        std::f64::consts::SQRT_2 * statrs::function::erf::erf_inv(2.0 * p - 1.0)
    }

    /// Φ(z), the standard normal distribution function.
    fn normal_cdf(z: f64) -> f64 {
        0.5 * statrs::function::erf::erfc(-z / std::f64::consts::SQRT_2)
    }

    /// The likelihood-ratio interval along the delta method's direction
    /// (experiment): from `θ̂` along `±Σ∇g/√(∇gᵀΣ∇g)` to where
    /// `2(ℓ̂ − ℓ) = z²`, the bounds being `g` there.
    fn lr_line<P: IntervalModel>(
        fit: &FitReport<P, 4>,
        rows: &[CustomerHistory],
        w: &[f64],
        ll: &impl Fn(&P, &CustomerHistory) -> f64,
        what: Prediction,
        h: &CustomerHistory,
        z: f64,
    ) -> (f64, f64) {
        let est = fit.params();
        let th = est.values().map(f64::ln);
        let sigma = log_covariance(&fit.covariance().unwrap(), &est.values());
        let Some((f, g, grad)) = scaled_gradient(est, what, h).unwrap() else {
            let f = est.predict(what, h).unwrap();
            return (f, f);
        };
        let scale = Scale::of(what);
        let se = quadratic_form(&sigma, &grad).sqrt();
        let dir: [f64; 4] =
            std::array::from_fn(|i| (0..4).map(|j| sigma[i][j] * grad[j]).sum::<f64>() / se);
        let total = |t: f64| -> Option<(f64, P)> {
            let v: [f64; 4] = std::array::from_fn(|i| (th[i] + t * dir[i]).exp());
            let p = P::from_values(v).ok()?;
            let l: f64 = rows.iter().zip(w).map(|(h, w)| w * ll(&p, h)).sum();
            l.is_finite().then_some((l, p))
        };
        let l_hat = total(0.0).unwrap().0;
        let mut ends = [g, g];
        for (e, sign) in [1.0, -1.0].into_iter().enumerate() {
            let mut t = z;
            let mut best = None;
            for _ in 0..30 {
                let Some((l, p)) = total(sign * t) else {
                    t *= 0.5;
                    continue;
                };
                let r = (2.0 * (l_hat - l)).max(0.0).sqrt();
                best = Some(p);
                if (r - z).abs() < 1e-4 || r <= 0.0 {
                    break;
                }
                t *= (z / r).clamp(0.25, 4.0);
            }
            if let Some(p) = best
                && let Ok(v) = p.predict(what, h)
                && let Some(gv) = scale.forward(v)
            {
                ends[e] = gv;
            }
        }
        let (lo, hi) = (ends[0].min(ends[1]).min(g), ends[0].max(ends[1]).max(g));
        (scale.inverse(lo).min(f), scale.inverse(hi).max(f))
    }

    /// Hits of nominal-90 % intervals by method over simulated bases, for
    /// one model: `fits(seed)` gives a base's fit and its distinct rows;
    /// methods: delta, percentile, basic, bias-corrected percentile,
    /// studentized bootstrap, all on the same `replicates` draws.
    #[allow(clippy::print_stderr)] // the measured coverage is the figure to report
    fn bootstrap_methods<F, P>(
        name: &str,
        fitter: &F,
        truth: &P,
        bases: u64,
        replicates: usize,
        fits: impl Fn(u64) -> Option<(FitReport<P, 4>, Vec<CustomerHistory>, Vec<f64>)>,
        ll: impl Fn(&P, &CustomerHistory) -> f64,
    ) -> [f64; 7]
    where
        F: Refit<4, Input = CustomerHistory, Params = P>,
        P: IntervalModel + Clone,
    {
        let probes = probes();
        let z = check_level(0.9).unwrap();
        let mut hits = [[0usize; 7]; 2];
        let mut all = 0usize;
        for seed in 0..bases {
            let Some((fit, rows, weights)) = fits(seed) else {
                continue;
            };
            let options = BootstrapOptions::new(replicates, seed).unwrap().threads(2);
            let Ok(draws) = bootstrap(fitter, &fit, &rows, &weights, &options) else {
                continue;
            };
            let mut base = [[0usize; 7]; 2];
            let mut ok = true;
            for (w, what) in [Prediction::PAlive, Prediction::ExpectedPurchases(26.0)]
                .into_iter()
                .enumerate()
            {
                let scale = Scale::of(what);
                let truths: Vec<f64> = probes
                    .iter()
                    .map(|h| truth.predict(what, h).unwrap())
                    .collect();
                let (Ok(delta), Ok(pct), Ok(stud), Ok(profile)) = (
                    delta_intervals(&fit, what, &probes, 0.9),
                    draws.intervals(what, &probes, 0.9),
                    draws.studentized_intervals(what, &probes, 0.9),
                    profile_intervals(&fit, &rows, &weights, what, &probes, 0.9),
                ) else {
                    ok = false;
                    break;
                };
                for (j, h) in probes.iter().enumerate() {
                    let truth = truths[j];
                    let f = pct[j].estimate();
                    let (g, lo, hi) = (
                        scale.forward(f).unwrap(),
                        scale.forward(pct[j].lower()).unwrap(),
                        scale.forward(pct[j].upper()).unwrap(),
                    );
                    let basic = (scale.inverse(2.0 * g - hi), scale.inverse(2.0 * g - lo));
                    let mut preds: Vec<f64> = draws
                        .draws()
                        .iter()
                        .map(|p| p.predict(what, h).unwrap())
                        .collect();
                    let below = preds.iter().filter(|&&v| v < f).count() as f64
                        + 0.5 * preds.iter().filter(|&&v| v == f).count() as f64;
                    let z0 = normal_quantile((below / preds.len() as f64).clamp(1e-6, 1.0 - 1e-6));
                    let bc = (
                        quantile(&mut preds, normal_cdf(2.0 * z0 - z)),
                        quantile(&mut preds, normal_cdf(2.0 * z0 + z)),
                    );
                    let inside = |(l, u): (f64, f64)| usize::from(l <= truth && truth <= u);
                    base[w][0] += usize::from(delta[j].contains(truth));
                    base[w][1] += usize::from(pct[j].contains(truth));
                    base[w][2] += inside(basic);
                    base[w][3] += inside(bc);
                    base[w][4] += usize::from(stud[j].contains(truth));
                    base[w][5] += inside(lr_line(&fit, &rows, &weights, &ll, what, h, z));
                    base[w][6] += usize::from(profile[j].contains(truth));
                }
            }
            if !ok {
                continue;
            }
            for w in 0..2 {
                for m in 0..7 {
                    hits[w][m] += base[w][m];
                }
            }
            all += probes.len();
        }
        let n = all as f64;
        let mut total = [0.0; 7];
        for (w, label) in ["P(alive)", "E[Y(26)]"].iter().enumerate() {
            let c: Vec<String> = hits[w]
                .iter()
                .map(|&h| format!("{:.4}", h as f64 / n))
                .collect();
            eprintln!(
                "{name} {label} over {} bases, {replicates} replicates: delta, percentile, basic, BC, studentized, LR line, profile = {}",
                all / probes.len(),
                c.join(" ")
            );
        }
        for m in 0..7 {
            total[m] = (hits[0][m] + hits[1][m]) as f64 / (2.0 * n);
        }
        total
    }

    /// Coverage of nominal-90 % intervals by method (delta, percentile,
    /// basic, bias-corrected percentile, studentized bootstrap) on
    /// simulated bases of 2,000 customers at the CDNOW-like truth of
    /// [`coverage_diagnostics`], BG/NBD and MBG/NBD; `COVERAGE_BASES`
    /// (default 200) and `COVERAGE_REPLICATES` (default 100) set the size. Run with
    /// `cargo test --release --all-features --lib bootstrap_methods_coverage -- --ignored --nocapture`.
    #[test]
    #[ignore]
    #[allow(clippy::print_stderr)] // the measured coverage is the figure to report
    fn bootstrap_methods_coverage() {
        let env = |k: &str, d: u64| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(d)
        };
        let bases = env("COVERAGE_BASES", 200);
        let replicates = env("COVERAGE_REPLICATES", 100) as usize;
        let n = env("COVERAGE_CUSTOMERS", 2000) as usize;
        let models = std::env::var("COVERAGE_MODELS").unwrap_or_else(|_| "mbgnbd,bgnbd".into());
        for model in models.split(',') {
            match model {
                "mbgnbd" => {
                    let m = MbgNbdParams::new(0.243, 4.41, 0.793, 2.43).unwrap();
                    bootstrap_methods(
                        "mbgnbd",
                        &MbgNbd::new(),
                        &m,
                        bases,
                        replicates,
                        |seed| {
                            let hs = simulate_mbgnbd(&m, &ages(n), 2000 + seed).unwrap();
                            let (rows, w) = DistinctRows::from_histories(&hs).weighted().unwrap();
                            let fit = MbgNbd::new().fit_weighted(&rows, &w).ok()?;
                            Some((fit, rows, w))
                        },
                        |p, h| p.log_likelihood(h),
                    );
                }
                "bgnbd" => {
                    let t = truth();
                    bootstrap_methods(
                        "bgnbd",
                        &BgNbd::new(),
                        &t,
                        bases,
                        replicates,
                        |seed| {
                            let hs = simulate_bgnbd(&t, &ages(n), 1000 + seed).unwrap();
                            let (rows, w) = DistinctRows::from_histories(&hs).weighted().unwrap();
                            let fit = BgNbd::new().fit_weighted(&rows, &w).ok()?;
                            Some((fit, rows, w))
                        },
                        |p, h| p.log_likelihood(h),
                    );
                }
                _ => {
                    let t = ParetoNbdParams::new(0.55, 10.6, 0.61, 11.7).unwrap();
                    bootstrap_methods(
                        "pnbd",
                        &ParetoNbd::new(),
                        &t,
                        bases,
                        replicates,
                        |seed| {
                            let hs = simulate_pnbd(&t, &ages(n), 3000 + seed);
                            let (rows, w) = DistinctRows::from_histories(&hs).weighted().unwrap();
                            let fit = ParetoNbd::new().fit_weighted(&rows, &w).ok()?;
                            Some((fit, rows, w))
                        },
                        |p, h| p.log_likelihood(h).unwrap_or(f64::NEG_INFINITY),
                    );
                }
            }
        }
    }

    /// Profile and delta coverage of the five probes' P(alive) and
    /// `E[Y(26)]` over `bases` bases (`fit(seed)` gives a base's fit and
    /// its data), two threads over the bases: the hits of each method per
    /// prediction, and the number of (base, probe) pairs. Prints the
    /// running tallies every 100 bases of each thread.
    #[allow(clippy::print_stderr)] // progress of a run of an hour
    fn profile_and_delta_coverage<P: IntervalModel>(
        truth: &P,
        bases: u64,
        fit: impl Fn(u64) -> Option<(FitReport<P, 4>, Vec<CustomerHistory>, Vec<f64>)> + Sync,
    ) -> ([usize; 2], [usize; 2], usize) {
        let probes = probes();
        let half = |from: u64, to: u64| {
            let (mut p, mut d, mut all) = ([0usize; 2], [0usize; 2], 0usize);
            for seed in from..to {
                let Some((fit, rows, w)) = fit(seed) else {
                    eprintln!("base {seed}: no fit");
                    continue;
                };
                let mut bp = [0usize; 2];
                let mut bd = [0usize; 2];
                let mut ok = true;
                for (k, what) in [Prediction::PAlive, Prediction::ExpectedPurchases(26.0)]
                    .into_iter()
                    .enumerate()
                {
                    let (pi, di) = (
                        profile_intervals(&fit, &rows, &w, what, &probes, 0.9),
                        delta_intervals(&fit, what, &probes, 0.9),
                    );
                    let (Ok(pi), Ok(di)) = (&pi, &di) else {
                        eprintln!(
                            "base {seed} {what:?}: profile {:?}, delta {:?}",
                            pi.err(),
                            di.err()
                        );
                        ok = false;
                        break;
                    };
                    for ((pi, di), h) in pi.iter().zip(di).zip(&probes) {
                        let t = truth.predict(what, h).unwrap();
                        bp[k] += usize::from(pi.contains(t));
                        bd[k] += usize::from(di.contains(t));
                    }
                }
                if ok {
                    for k in 0..2 {
                        p[k] += bp[k];
                        d[k] += bd[k];
                    }
                    all += probes.len();
                }
                if (seed + 1 - from) % 100 == 0 {
                    eprintln!("bases {from}..={seed}: profile {p:?}, delta {d:?} of {all}");
                }
            }
            (p, d, all)
        };
        let mid = bases / 2;
        let (a, b) = std::thread::scope(|s| {
            let h = s.spawn(|| half(0, mid));
            let b = half(mid, bases);
            (h.join().unwrap(), b)
        });
        (
            [a.0[0] + b.0[0], a.0[1] + b.0[1]],
            [a.1[0] + b.1[0], a.1[1] + b.1[1]],
            a.2 + b.2,
        )
    }

    /// Coverage of nominal-90 % profile-likelihood intervals (P(alive) and
    /// `E[Y(26)]` of the five probes) on `COVERAGE_BASES` (default 2,000)
    /// simulated bases of `COVERAGE_CUSTOMERS` (default 2,000) customers,
    /// MBG/NBD and BG/NBD at the truth and seeds of `coverage`, with the
    /// delta method on the same bases; two threads over the bases. Run with
    /// `cargo test --release --features simulate --lib profile_coverage -- --ignored --nocapture`.
    #[test]
    #[ignore]
    #[allow(clippy::print_stderr)] // the measured coverage is the figure to report
    fn profile_coverage() {
        let env = |k: &str, d: u64| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(d)
        };
        let bases = env("COVERAGE_BASES", 2000);
        let n = env("COVERAGE_CUSTOMERS", 2000) as usize;
        let models = std::env::var("COVERAGE_MODELS").unwrap_or_else(|_| "mbgnbd,bgnbd".into());
        for model in models.split(',') {
            let (p, d, all) = match model {
                "mbgnbd" => {
                    let m = MbgNbdParams::new(0.243, 4.41, 0.793, 2.43).unwrap();
                    profile_and_delta_coverage(&m, bases, |seed| {
                        let hs = simulate_mbgnbd(&m, &ages(n), 2000 + seed).unwrap();
                        let w = vec![1.0; hs.len()];
                        Some((MbgNbd::new().fit_detailed(&hs).ok()?, hs, w))
                    })
                }
                _ => {
                    let t = truth();
                    profile_and_delta_coverage(&t, bases, |seed| {
                        let hs = simulate_bgnbd(&t, &ages(n), 1000 + seed).unwrap();
                        let w = vec![1.0; hs.len()];
                        Some((BgNbd::new().fit_detailed(&hs).ok()?, hs, w))
                    })
                }
            };
            let c = |h: usize| h as f64 / all as f64;
            eprintln!(
                "{model} n={n}: {} bases; profile P(alive) {:.4}, E[Y(26)] {:.4}, both {:.4}; delta {:.4}, {:.4}, both {:.4}",
                all / 5,
                c(p[0]),
                c(p[1]),
                c(p[0] + p[1]) / 2.0,
                c(d[0]),
                c(d[1]),
                c(d[0] + d[1]) / 2.0
            );
        }
    }

    /// Gauss-Jordan inverse of a 4×4 matrix (partial pivoting).
    fn invert4(m: [[f64; 4]; 4]) -> [[f64; 4]; 4] {
        let mut a = m;
        let mut inv = [[0.0; 4]; 4];
        for (i, row) in inv.iter_mut().enumerate() {
            row[i] = 1.0;
        }
        for c in 0..4 {
            let p = (c..4)
                .max_by(|&x, &y| a[x][c].abs().total_cmp(&a[y][c].abs()))
                .unwrap();
            a.swap(c, p);
            inv.swap(c, p);
            let d = a[c][c];
            for k in 0..4 {
                a[c][k] /= d;
                inv[c][k] /= d;
            }
            for r in 0..4 {
                if r != c {
                    let f = a[r][c];
                    for k in 0..4 {
                        a[r][k] -= f * a[c][k];
                        inv[r][k] -= f * inv[c][k];
                    }
                }
            }
        }
        inv
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn delta_bounds_contain_the_estimate_and_stay_in_range(
            x in 0u32..40, tx in 0.0f64..1.0, age in 1.0f64..100.0, t in 0.0f64..200.0,
            level in 0.5f64..0.999,
        ) {
            let t_x = if x == 0 { 0.0 } else { tx * age };
            let h = CustomerHistory::new(CustomerId::new(0), x, t_x, age).unwrap();
            static FIT: std::sync::OnceLock<FitReport<BgNbdParams, 4>> = std::sync::OnceLock::new();
            let fit = FIT.get_or_init(|| {
                BgNbd::new().fit_detailed(&simulate_bgnbd(&truth(), &ages(800), 21).unwrap()).unwrap()
            });
            let p = delta_intervals(fit, Prediction::PAlive, std::slice::from_ref(&h), level).unwrap()[0];
            prop_assert!(0.0 <= p.lower() && p.lower() <= p.estimate() && p.estimate() <= p.upper() && p.upper() <= 1.0);
            let e = delta_intervals(fit, Prediction::ExpectedPurchases(t), std::slice::from_ref(&h), level).unwrap()[0];
            prop_assert!(0.0 <= e.lower() && e.lower() <= e.estimate() && e.estimate() <= e.upper());
            let narrow = delta_intervals(fit, Prediction::PAlive, std::slice::from_ref(&h), level / 2.0).unwrap()[0];
            prop_assert!(narrow.width() <= p.width() + 1e-15);
        }
    }
}
