//! The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987; Fader &
//! Hardie 2005 note 009; [spec](crate::btyd::spec#paretonbd-model)).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError, mpsc};

use rustc_hash::FxHashMap;
use statrs::function::gamma::gamma;

use crate::btyd::boundary::{PARETO_NBD_RAYS, PARETO_NBD_WATCHES, identified};
use crate::btyd::fitting::{
    Curvature, Problem, RecentEvaluations, fit_log_params_curved_probed, fit_log_params_probed,
    fit_options_builder, total_weight,
};
use crate::btyd::hyp2f1::{MAX_TERMS, ln_hyp2f1};
use crate::btyd::input::{CustomerHistory, Row, compress};
use crate::btyd::math::{
    Shifts, check_horizon, dlgamma, dpsi, expit, h, ln_gamma_f, lse, positive,
};
use crate::btyd::optim::{Minimum, bfgs_handoff, newton_damped};
use crate::btyd::penalty::Penalty;
use crate::btyd::quadrature::integrate;
use crate::btyd::report::{FitReport, ModelParameters};
use crate::btyd::status::FitOptions;
use crate::score::par_map_into;
use crate::{Error, Fit, Result, Scorer};

mod curvature;

/// Fitted Pareto/NBD parameters: purchase rate `λ ~ Gamma(shape r, rate
/// α)`, dropout rate `μ ~ Gamma(shape s, rate β)`, independent
/// ([spec](crate::btyd::spec#paretonbd-model)). `α` and `β` carry the data's time unit.
///
/// Every parameter is finite and > 0. As a [`Scorer`] of
/// [`CustomerHistory`] it gives each customer's probability of being alive
/// ([`p_alive`](Self::p_alive)); [`ParetoNbdPredictor`] adds expected
/// purchases and DERT.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "ParetoNbdRecord", into = "ParetoNbdRecord")
)]
pub struct ParetoNbdParams {
    r: f64,
    alpha: f64,
    s: f64,
    beta: f64,
}

fn check_delta(delta: f64) -> Result<()> {
    if delta.is_finite() && delta > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name: "discount rate",
            value: delta.to_string(),
            reason: "continuous discount rate must be finite and > 0",
        })
    }
}

fn not_converged(what: &'static str) -> Error {
    Error::InvalidValue {
        what,
        reason: format!(
            "series did not converge in {MAX_TERMS} terms: alpha and beta are too far apart for this history"
        ),
    }
}

fn finite(what: &'static str, v: f64) -> Result<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Error::Overflow { what })
    }
}

impl ParetoNbdParams {
    /// Validated parameters.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] naming the first parameter that is not a
    /// finite number > 0.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::btyd::ParetoNbdParams;
    ///
    /// let p = ParetoNbdParams::new(0.553, 10.578, 0.606, 11.669)?;
    /// assert_eq!(p.beta(), 11.669);
    /// assert!(ParetoNbdParams::new(0.553, 10.578, 0.0, 11.669).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(r: f64, alpha: f64, s: f64, beta: f64) -> Result<Self> {
        Ok(Self {
            r: positive("r", r)?,
            alpha: positive("alpha", alpha)?,
            s: positive("s", s)?,
            beta: positive("beta", beta)?,
        })
    }

    /// `r`, the shape of the purchase-rate distribution.
    pub fn r(&self) -> f64 {
        self.r
    }
    /// `α`, the rate of the purchase-rate distribution (per time unit).
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    /// `s`, the shape of the dropout-rate distribution.
    pub fn s(&self) -> f64 {
        self.s
    }
    /// `β`, the rate of the dropout-rate distribution (per time unit).
    pub fn beta(&self) -> f64 {
        self.beta
    }

    fn natural(&self) -> [f64; 4] {
        [self.r, self.alpha, self.s, self.beta]
    }

    /// The log-likelihood and its gradient with respect to
    /// `(ln r, ln α, ln s, ln β)` from one evaluation (`None` where
    /// [`log_likelihood`](Self::log_likelihood) would fail or a value is not
    /// finite), for fits that vary `α` and `β` per customer.
    pub(crate) fn log_likelihood_and_gradient(
        &self,
        history: &CustomerHistory,
    ) -> Option<(f64, [f64; 4])> {
        let mut g = [0.0; 4];
        let e = self.eval(history, Some(&mut g))?;
        let nat = self.natural();
        let out: [f64; 4] = std::array::from_fn(|i| g[i] * nat[i]);
        (e.ll.is_finite() && out.iter().all(|d| d.is_finite())).then_some((e.ll, out))
    }

    fn eval(&self, history: &CustomerHistory, grad: Option<&mut [f64; 4]>) -> Option<RowEval> {
        eval_row(
            self.natural(),
            f64::from(history.x()),
            history.t_x(),
            history.age(),
            grad,
        )
    }

    /// One customer's log-likelihood `ℓ` (a density in the purchase times,
    /// so it may be positive), in the [stable form](crate::btyd::spec#paretonbd-likelihood) \[D;
    /// equals FH note 009 eqs. 18–20 \[V\]\]:
    ///
    /// ```text
    /// ℓ  = lnΓ(r+x) − lnΓ(r) + r ln α + s ln β + lse(D1, D2)
    /// D1 = −(r+x)·ln(α+T) − s·ln(β+T)
    /// D2 = ln s + lnK(t_x) + log1mexp(lnK(T) − lnK(t_x))     (−∞ when t_x = T)
    ///
    /// K(y) = K_{r+x, s+1}(y),   K_{p,q}(y) = ∫_y^∞ (α+τ)^−p (β+τ)^−q dτ
    ///   α ≥ β:  (α+y)^−p (β+y)^(1−q) · ₂F₁(1, p; p+q; (α−β)/(α+y)) / (p+q−1)
    ///   α < β:  (β+y)^−q (α+y)^(1−p) · ₂F₁(1, q; p+q; (β−α)/(β+y)) / (p+q−1)
    /// ```
    ///
    /// The `₂F₁` are Euler transforms of the published `A0` terms: positive
    /// series with ratio below `z = |α−β|/(max(α,β)+y) < 1`, so heavy
    /// buyers neither overflow nor cancel. From `z = 0.9` on, where that
    /// series is slow, `K` comes from the linear transformation of the
    /// `₂F₁` to `1 − z` (DLMF 15.8.4, A&S 15.3.6): with `a < b` the smaller
    /// and larger of `α`, `β` and `P`, `Q` their exponents,
    ///
    /// ```text
    /// K = (b+y)^−Q (a+y)^(1−P) · Σ_k (Q)_k/(2−P)_k · ((a+y)/(b+y))^k / (P−1)
    ///   + π/sin(πP) · Γ(P+Q−1)/(Γ(P)Γ(Q)) · (b−a)^(1−P−Q)
    /// ```
    ///
    /// (about 20 terms), and where its two parts cancel (`P` near 1 or 2)
    /// from the series or adaptive Gauss–Kronrod quadrature of the integral
    /// \[D\]. `P − 1`, `Q − 1` and `P + Q − 1` are taken from their parts
    /// (`r + (x − 1)`, `s`, `r + x + s`), never as `(s + 1) − 1`.
    ///
    /// Where `lnK(T) − lnK(t_x) > −10⁻²` the difference `K(t_x) − K(T)`
    /// would keep few digits (none when `r + s` is tiny and the two `K`
    /// come from different forms), so `D2` takes it as one integral,
    /// `J = ∫_{t_x}^{T} (α+τ)^−(r+x) (β+τ)^−(s+1) dτ`, by the 15-point
    /// Kronrod rule on panels in `ln(min(α,β) + τ)` over which the
    /// integrand's logarithm changes by at most 1 \[D\].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when no form of `K` converges within its
    /// bounded work.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::{CustomerHistory, ParetoNbdParams};
    ///
    /// let p = ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908)?;
    /// let new = CustomerHistory::new(CustomerId::new(1), 0, 0.0, 39.0)?;
    /// assert!((p.log_likelihood(&new)? / -0.5216626139 - 1.0).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn log_likelihood(&self, history: &CustomerHistory) -> Result<f64> {
        let e = self
            .eval(history, None)
            .ok_or_else(|| not_converged("Pareto/NBD log-likelihood"))?;
        finite("Pareto/NBD log-likelihood", e.ll)
    }

    /// The gradient of [`log_likelihood`](Self::log_likelihood) with
    /// respect to `(ln r, ln α, ln s, ln β)` ([spec](crate::btyd::spec#paretonbd-gradient) \[D\]), with
    /// `w2 = expit(D2 − D1)` (0 when `t_x = T`), `w1 = 1 − w2`,
    /// `J = K(t_x) − K(T)`:
    ///
    /// ```text
    /// ∂ℓ/∂r = Δψ(r,x) + ln α − w1·ln(α+T) + w2·(∂J/∂p)/J
    /// ∂ℓ/∂α = r/α − w1·(r+x)/(α+T) + w2·(∂J/∂α)/J
    /// ∂ℓ/∂s = ln β − w1·ln(β+T) + w2·[1/s + (∂J/∂q)/J]
    /// ∂ℓ/∂β = s/β − w1·s/(β+T) + w2·(∂J/∂β)/J
    /// (∂J/∂θ)/J = (P₁ − ρ·P₂)/(1 − ρ),  ρ = K(T)/K(t_x),  P_i = ∂lnK/∂θ at t_x, T
    /// ```
    ///
    /// `∂lnK/∂α` and `∂lnK/∂β` are taken through the prefactor and `z`
    /// (`d lnS/dz` from the same series), which equals the note's
    /// `−p·K_{p+1,q}/K` and `−q·K_{p,q+1}/K`; `∂lnS/∂p`, `∂lnS/∂q` are
    /// summed term by term. Each component is multiplied by its parameter.
    ///
    /// # Errors
    ///
    /// As [`log_likelihood`](Self::log_likelihood).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::{CustomerHistory, ParetoNbdParams};
    ///
    /// let p = ParetoNbdParams::new(0.55, 10.58, 0.61, 11.67)?;
    /// let c = CustomerHistory::new(CustomerId::new(1), 3, 20.0, 39.0)?;
    /// let g = p.log_likelihood_gradient(&c)?;
    /// assert!(g.iter().all(|d| d.is_finite()));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn log_likelihood_gradient(&self, history: &CustomerHistory) -> Result<[f64; 4]> {
        let mut g = [0.0; 4];
        self.eval(history, Some(&mut g))
            .ok_or_else(|| not_converged("Pareto/NBD log-likelihood gradient"))?;
        let nat = self.natural();
        let out: [f64; 4] = std::array::from_fn(|i| g[i] * nat[i]);
        if out.iter().all(|d| d.is_finite()) {
            Ok(out)
        } else {
            Err(Error::Overflow {
                what: "Pareto/NBD log-likelihood gradient",
            })
        }
    }

    /// `P(alive | x, t_x, T) = expit(D1 − D2)`, with `D1`, `D2` as in
    /// [`log_likelihood`](Self::log_likelihood) ([spec](crate::btyd::spec#paretonbd-predictions) \[V:
    /// lifetimes, FH note 009 eq. 27; stable form D\]). It is exactly 1
    /// when `t_x = T` and below 1 at `x = 0`.
    ///
    /// Where the likelihood's hypergeometric series would need more than
    /// 10⁶ terms (`β/α` above about `2.5·10⁴` at `t_x = 0`), the odds of
    /// having died come instead from their definition as an integral over
    /// the death time `τ ∈ (t_x, T)` \[D\]:
    ///
    /// ```text
    /// e^{D2−D1} = s·∫_{t_x}^{T} ((α+T)/(α+τ))^{r+x} ((β+T)/(β+τ))^s (β+τ)^{−1} dτ
    /// ```
    ///
    /// a positive integrand, integrated in `u = ln((α+τ)/(α+t_x))` by
    /// adaptive Gauss–Kronrod quadrature to about `1e-13` relative.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the value is not a number; never the
    /// likelihood's term-cap error.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::{CustomerHistory, ParetoNbdParams};
    ///
    /// let p = ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908)?;
    /// let c = CustomerHistory::new(CustomerId::new(1), 0, 0.0, 39.0)?;
    /// assert!((p.p_alive(&c)? / 0.2942780277 - 1.0).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn p_alive(&self, history: &CustomerHistory) -> Result<f64> {
        let p = match self.eval(history, None) {
            Some(e) => expit(e.d1 - e.d2),
            None => expit(-self.ln_dead_odds(history)?),
        };
        if p.is_nan() {
            return Err(Error::Overflow {
                what: "Pareto/NBD P(alive)",
            });
        }
        Ok(p)
    }

    /// `D2 − D1`, the log-odds of having died before `T`, by quadrature
    /// over the death time (see [`p_alive`](Self::p_alive)).
    fn ln_dead_odds(&self, history: &CustomerHistory) -> Result<f64> {
        const WHAT: &str = "Pareto/NBD P(alive)";
        let (t_x, big_t) = (history.t_x(), history.age());
        if t_x == big_t {
            return Ok(f64::NEG_INFINITY);
        }
        let (r, alpha, s, beta) = (self.r, self.alpha, self.s, self.beta);
        let n = r + f64::from(history.x());
        let (a0, b0) = (alpha + t_x, beta + t_x);
        let big_u = ((big_t - t_x) / a0).ln_1p();
        // ln of the integrand in u, relative to its value at u = 0.
        let ln_ref = s * ((big_t - t_x) / b0).ln_1p() + (a0 / b0).ln();
        let f = |u: f64| {
            let ap = a0 * u.exp(); // α + τ
            let tau = ap - alpha;
            let bp = beta + tau;
            let ln_v = -n * u + s * ((big_t - tau).max(0.0) / bp).ln_1p() + (ap / bp).ln();
            (ln_v - ln_ref).exp()
        };
        let mut breaks = vec![0.0, big_u];
        for k in [0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0] {
            breaks.push(k / (n + s + 1.0));
        }
        let u_beta = (beta / a0).ln();
        for k in [-3.0, -1.0, 0.0, 1.0, 3.0] {
            breaks.push(u_beta + k);
        }
        breaks.retain(|v| v.is_finite() && *v >= 0.0 && *v <= big_u);
        breaks.sort_by(f64::total_cmp);
        breaks.dedup();
        let integral = crate::btyd::quadrature::integrate(WHAT, f, &breaks, 0.0)?;
        let v = s.ln() + n * big_u + ln_ref + integral.ln();
        if v.is_nan() {
            Err(Error::Overflow { what: WHAT })
        } else {
            Ok(v)
        }
    }

    /// `E[X(t)]`: the expected number of repeat purchases in `(0, t]` of a
    /// new customer ([spec](crate::btyd::spec#paretonbd-predictions) \[V: FH note 009 eq. 36; stable form
    /// D\]):
    ///
    /// ```text
    /// E[X(t)] = (rβ/α)·(−h(s−1, −log1p(t/β))),   h(u, L) = expm1(u·L)/u
    /// ```
    ///
    /// which is `(rβ/α)·ln(1 + t/β)` at `s = 1`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `t` is not finite and ≥ 0;
    /// [`Error::Overflow`] when the value exceeds `f64`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::btyd::ParetoNbdParams;
    ///
    /// let p = ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908)?;
    /// assert!((p.expected_purchases_new(52.0)? / 1.473440871 - 1.0).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn expected_purchases_new(&self, t: f64) -> Result<f64> {
        check_horizon(t)?;
        let v = self.r * self.beta / self.alpha * -h(self.s - 1.0, -(t / self.beta).ln_1p());
        // −h(s−1, L) > 0 for every L < 0: the value is positive as computed.
        finite("Pareto/NBD expected purchases", v)
    }

    /// `E[Y(t) | x, t_x, T]`: the expected repeat purchases in the next `t`
    /// time units of a customer with this history ([spec](crate::btyd::spec#paretonbd-predictions) \[V: FH
    /// note 009 eq. 41; stable form D\]):
    ///
    /// ```text
    /// E[Y(t) | x, t_x, T] = P(alive) · ((r+x)(β+T)/(α+T)) · (−h(s−1, −log1p(t/(β+T))))
    /// ```
    ///
    /// # Errors
    ///
    /// As [`p_alive`](Self::p_alive), and [`Error::InvalidParameter`]
    /// when `t` is not finite and ≥ 0.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::{CustomerHistory, ParetoNbdParams};
    ///
    /// let p = ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908)?;
    /// let c = CustomerHistory::new(CustomerId::new(1), 26, 30.85714, 31.0)?;
    /// assert!((p.expected_purchases(&c, 52.0)? / 25.45541697 - 1.0).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn expected_purchases(&self, history: &CustomerHistory, t: f64) -> Result<f64> {
        check_horizon(t)?;
        let p = self.p_alive(history)?;
        Ok(self.expected_given_alive(p, history, t))
    }

    fn expected_given_alive(&self, p_alive: f64, history: &CustomerHistory, t: f64) -> f64 {
        if p_alive == 0.0 || t == 0.0 {
            return 0.0;
        }
        let xf = f64::from(history.x());
        let big_t = history.age();
        let bt = self.beta + big_t;
        // Positive as computed: −h(s−1, L) > 0 for L < 0.
        p_alive * (self.r + xf) * bt / (self.alpha + big_t) * -h(self.s - 1.0, -(t / bt).ln_1p())
    }

    /// DERT, the discounted expected residual transactions under a
    /// continuous discount rate `δ` per time unit (e.g. `ln(1.15)/52` per
    /// week for 15 % a year) ([spec](crate::btyd::spec#paretonbd-dert) \[D from the model; FHL
    /// 2005b give the same quantity via Ψ(s, s; ·) \[R\]\]):
    ///
    /// ```text
    /// DERT   = P(alive) · ((r+x)/(α+T)) · g_s(δ(β+T)) / δ
    /// g_s(z) = z^s·U(s, s, z) = z^s e^z Γ(1−s, z) = ∫_0^∞ e^{−u} (1 + u/z)^−s du
    /// ```
    ///
    /// `g_s` is a modified-Lentz continued fraction for `Γ(1−s, z)` when
    /// `z ≥ 0.25` or `s` is within `1e-4` of an integer ≥ 1, and otherwise
    /// the power series `e^z·[Γ(1−s)·z^s − Σ_k (−1)^k z^(k+1)/(k!(k+1−s))]`.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidParameter`] when `delta` is not finite and > 0.
    /// - [`Error::InvalidValue`] when a series or the continued fraction
    ///   needs more than 10⁶ steps (`s` near an integer and `δ(β+T)` below
    ///   about `5e-5`), or as [`p_alive`](Self::p_alive).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::{CustomerHistory, ParetoNbdParams};
    ///
    /// let p = ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908)?;
    /// let c = CustomerHistory::new(CustomerId::new(1), 2, 30.43, 38.86)?;
    /// let delta = 1.15f64.ln() / 52.0; // 15 % a year, in weeks
    /// assert!((p.dert(&c, delta)? / 6.500203199 - 1.0).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn dert(&self, history: &CustomerHistory, delta: f64) -> Result<f64> {
        check_delta(delta)?;
        let p = self.p_alive(history)?;
        self.dert_given_alive(p, history, delta)
    }

    fn dert_given_alive(&self, p_alive: f64, history: &CustomerHistory, delta: f64) -> Result<f64> {
        let big_t = history.age();
        let g = g_s(self.s, delta * (self.beta + big_t))?;
        let v = p_alive * (self.r + f64::from(history.x())) / (self.alpha + big_t) * g / delta;
        finite("Pareto/NBD DERT", v)
    }

    /// `P(X(t) = n)`: the probability that a new customer makes exactly `n`
    /// repeat purchases in `(0, t]`, by the
    /// [positive series](crate::btyd::spec#paretonbd-purchase-count-distribution) \[D; from the model's definition\]:
    ///
    /// ```text
    /// P(X(t)=n) = NB(n; r, α/(α+t))·(β/(β+t))^s
    ///           + s·ρ·Γ(r+n)/(Γ(r) n!) · Σ_{j≥0} (e)_j κ^j / j! · B_w(n+j+1, r+s)
    ///   α ≤ β:  ρ = α/β,      e = s+1, κ = 1 − α/β, w = t/(α+t)
    ///   α > β:  ρ = (β/α)^n,  e = r+n, κ = 1 − β/α, w = t/(β+t)
    /// B_w(a, b) = w^a (1−w)^b / a · ₂F₁(1, a+b; a+1; w)
    /// ```
    ///
    /// all in logs. The closed form of FH note 028 (the conditional pmf at
    /// `x = t_x = T = 0`) is not used: it subtracts nearly equal terms
    /// (18 % off at `t = 2`, `n = 20`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `t` is not finite and ≥ 0;
    /// [`Error::InvalidValue`] when a series needs more than 10⁶ terms
    /// (`t` orders of magnitude above `min(α, β)`).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::btyd::ParetoNbdParams;
    ///
    /// let p = ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908)?;
    /// assert!((p.prob_purchases(39.0, 0)? / 0.5935329111 - 1.0).abs() < 1e-9);
    /// assert!((p.prob_purchases(39.0, 1)? / 0.1655847606 - 1.0).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn prob_purchases(&self, t: f64, n: u32) -> Result<f64> {
        check_horizon(t)?;
        if t == 0.0 {
            return Ok(if n == 0 { 1.0 } else { 0.0 });
        }
        let (r, al, s, be) = (self.r, self.alpha, self.s, self.beta);
        let nf = f64::from(n);
        let ln_coef = dlgamma(r, nf) - ln_gamma_f(nf + 1.0); // ln Γ(r+n)/(Γ(r) n!)
        let first = ln_coef - r * (t / al).ln_1p() - nf * (al / t).ln_1p() - s * (t / be).ln_1p();
        let PmfSeries {
            ln_rho,
            e,
            kappa,
            m,
            terms,
        } = self.pmf_series(n);
        if !pmf_series_applies(terms, t, m, n) {
            let dead = self.ln_dead_purchases_by_death_time(t, nf, ln_coef)?;
            return finite_probability(first.exp() + dead.exp());
        }
        let ln_w = -(m / t).ln_1p();
        let ln_1mw = -(t / m).ln_1p();
        let w = ln_w.exp();
        let b = r + s;
        let ln_kappa = kappa.ln();
        // Σ_j in logs: lse over the terms.
        let mut total = f64::NEG_INFINITY;
        let mut prev = f64::INFINITY;
        let mut j = 0.0_f64;
        let mut steps = 0usize;
        loop {
            let a = nf + j + 1.0;
            let (ln_f, _) = ln_hyp2f1(1.0, a + b, a + 1.0, w)?;
            let ln_bw = a * ln_w + b * ln_1mw - a.ln() + ln_f;
            let ln_term = if j == 0.0 {
                ln_bw
            } else {
                dlgamma(e, j) - ln_gamma_f(j + 1.0) + j * ln_kappa + ln_bw
            };
            total = lse(total, ln_term);
            if kappa == 0.0 || (ln_term < prev && ln_term - total < -39.1) {
                break;
            }
            prev = ln_term;
            j += 1.0;
            steps += 1;
            if steps >= MAX_TERMS {
                return Err(not_converged("Pareto/NBD purchase probability"));
            }
        }
        let second = s.ln() + ln_rho + ln_coef + total;
        finite_probability(first.exp() + second.exp())
    }

    /// `ln ∫₀ᵗ NB_τ(n) · s βˢ (β+τ)^{−(s+1)} dτ`: the probability of `n`
    /// purchases by a customer who dies at `τ ≤ t`, averaged over the
    /// death time (the exponential lifetime mixed over `μ ~ Gamma(s, β)`
    /// has density `s βˢ (β+τ)^{−(s+1)}`), where
    /// `NB_τ(n) = Γ(r+n)/(Γ(r) n!) (α/(α+τ))ʳ (τ/(α+τ))ⁿ` is the count of a
    /// customer alive throughout `(0, τ]` \[D\]. The integrand is positive
    /// and unimodal in `v = ln τ`; it is integrated by adaptive
    /// Gauss–Kronrod around its peak, with the closed-form tail
    /// `g(v₀)/(n+1)` below the lowest node (the integrand falls as
    /// `e^{(n+1)v}` there). Its cost does not grow with `t`, `n` or the
    /// ratio of `α` and `β`, where the series of
    /// [`prob_purchases`](Self::prob_purchases) does.
    fn ln_dead_purchases_by_death_time(&self, t: f64, n: f64, ln_coef: f64) -> Result<f64> {
        const WHAT: &str = "Pareto/NBD purchase probability";
        let (r, al, s, be) = (self.r, self.alpha, self.s, self.beta);
        let ln_g = |v: f64| {
            let tau = v.exp();
            ln_coef - r * (tau / al).ln_1p() - n * (al / tau).ln_1p() + s.ln()
                - s * (tau / be).ln_1p()
                - (be + tau).ln()
                + v
        };
        // d ln g / dv = 1 + n − (r+n)·τ/(α+τ) − (s+1)·τ/(β+τ): decreasing
        // in τ, from 1 + n > 0 to −(r + s) < 0, so one peak.
        let slope = |v: f64| {
            let tau = v.exp();
            1.0 + n - (r + n) * tau / (al + tau) - (s + 1.0) * tau / (be + tau)
        };
        let v_t = t.ln();
        let reach = 50.0 / (n + 1.0);
        let mut lo = v_t.min(al.ln()).min(be.ln()) - reach - 40.0;
        let peak = if slope(v_t) >= 0.0 {
            v_t
        } else {
            let mut hi = v_t;
            for _ in 0..200 {
                let mid = 0.5 * (lo + hi);
                if !(mid > lo && mid < hi) {
                    break;
                }
                if slope(mid) > 0.0 {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            0.5 * (lo + hi)
        };
        let tau = peak.exp();
        let curvature = (r + n) * al * tau / ((al + tau) * (al + tau))
            + (s + 1.0) * be * tau / ((be + tau) * (be + tau));
        let width = if curvature > 0.0 {
            curvature.sqrt().recip()
        } else {
            1.0
        };
        // Below min(α, β)/e⁵ the integrand falls as e^{(n+1)v}; `reach`
        // more takes it e⁻⁵⁰ further down, where the tail formula holds.
        let v_lo = (peak.min(v_t) - 12.0 * width)
            .min(al.ln() - 5.0)
            .min(be.ln() - 5.0)
            - reach;
        let m0 = ln_g(peak.min(v_t));
        let mut breaks = vec![v_lo, v_t, al.ln(), be.ln()];
        for k in [0.0, 0.5, 1.0, 2.0, 4.0, 8.0] {
            breaks.push(peak + k * width);
            breaks.push(peak - k * width);
        }
        breaks.retain(|v| v.is_finite() && *v >= v_lo && *v <= v_t);
        breaks.sort_by(f64::total_cmp);
        breaks.dedup();
        let tail = (ln_g(v_lo) - m0).exp() / (n + 1.0);
        let integral = integrate(WHAT, |v| (ln_g(v) - m0).exp(), &breaks, tail)?;
        let v = m0 + integral.ln();
        if v.is_nan() {
            Err(Error::Overflow { what: WHAT })
        } else {
            Ok(v)
        }
    }
}

/// Largest estimated number of series terms for which
/// [`ParetoNbdParams::prob_purchases`] sums its series.
const SERIES_PMF_TERMS: f64 = 200.0;
/// Largest `t / min(α, β)` for which it sums its series.
const SERIES_PMF_SPAN: f64 = 1e3;
/// Largest count for which it sums its series: the 2F1 terms lose digits
/// as `n` grows (1e-9 relative at `n` in the hundreds against 40-digit
/// references), the integral does not.
const SERIES_PMF_COUNT: u32 = 40;

/// A probability that must be finite, clamped into `[0, 1]`.
fn finite_probability(v: f64) -> Result<f64> {
    if v.is_finite() {
        Ok(v.clamp(0.0, 1.0))
    } else {
        Err(Error::Overflow {
            what: "Pareto/NBD purchase probability",
        })
    }
}

/// `g_s(z) = z^s e^z Γ(1−s, z)` for `z > 0` ([spec](crate::btyd::spec#paretonbd-dert)).
pub(crate) fn g_s(s: f64, z: f64) -> Result<f64> {
    let near_integer = s.round() >= 1.0 && (s - s.round()).abs() < 1e-4;
    if z >= 0.25 || near_integer {
        // Modified Lentz for Γ(a, z), a = 1 − s (DLMF 8.9.2; Numerical
        // Recipes `gcf`).
        const TINY: f64 = 1e-300;
        let a = 1.0 - s;
        let mut b = z + 1.0 - a;
        let mut c = 1.0 / TINY;
        let mut d = 1.0 / b;
        let mut hh = d;
        for i in 1..=MAX_TERMS {
            let fi = i as f64;
            let an = -fi * (fi - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < TINY {
                d = TINY;
            }
            c = b + an / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            let del = d * c;
            hh *= del;
            if (del - 1.0).abs() <= f64::EPSILON {
                return finite("Pareto/NBD DERT", z * hh);
            }
        }
        return Err(Error::InvalidValue {
            what: "Pareto/NBD DERT",
            reason: format!(
                "continued fraction did not converge in {MAX_TERMS} steps at s = {s}, z = {z}"
            ),
        });
    }
    // Power series, z < 0.25 and s away from the integers ≥ 1.
    let mut sum = 0.0;
    let mut pow = z; // (−1)^k z^(k+1) / k!
    let mut k = 0.0;
    loop {
        let term = pow / (k + 1.0 - s);
        sum += term;
        if term.abs() <= 1e-17 * sum.abs() {
            break;
        }
        if k > 1e4 || !term.is_finite() {
            return Err(Error::InvalidValue {
                what: "Pareto/NBD DERT",
                reason: format!("power series did not converge at s = {s}, z = {z}"),
            });
        }
        k += 1.0;
        pow *= -z / k;
    }
    let v = z.exp() * (gamma(1.0 - s) * z.powf(s) - sum);
    finite("Pareto/NBD DERT", v)
}

/// `ln K̃_{p,q}(y)` and its partial derivatives in `p`, `q`, `α`, `β`,
/// where `K̃ = α^p β^q K_{p,q}(y) = ∫_y^∞ (1+τ/α)^−p (1+τ/β)^−q dτ`: scaled
/// so that no term of size `p·ln α` appears when `p` and `α` (or `q` and
/// `β`) grow together (the Poisson and common-dropout limits) \[D\].
#[derive(Debug, Clone, Copy)]
struct KTerms {
    ln_k: f64,
    dp: f64,
    dq: f64,
    da: f64,
    db: f64,
}

/// One process's `(rate, shape, ln rate, ln(1 + y/rate))`, as
/// [`Logs::oriented`] hands them out.
type ProcessLogs = (f64, f64, f64, f64);

/// The logarithms the `K` terms at one `y` need: `ln(1 + y/α)`,
/// `ln(1 + y/β)`, `ln α`, `ln β` and `ln(p+q−1)`; and the shapes less one,
/// `p − 1` and `q − 1`, computed from their parts (`r + (x − 1)` and `s`)
/// so that a shape within `1e-13` of 1 keeps its distance from 1 (`(s + 1)
/// − 1` would round `s` to about `1e-16/s` relative).
#[derive(Debug, Clone, Copy)]
struct Logs {
    l1a: f64,
    l1b: f64,
    ln_a: f64,
    ln_b: f64,
    ln_c1: f64,
    pm1: f64,
    qm1: f64,
}

impl Logs {
    /// Each process as `(rate, shape, ln rate, ln(1 + y/rate))`, the
    /// `(α, p)` one first when `alpha_first`, else the `(β, q)` one: the
    /// split and transformed forms of `K` each put a chosen rate first.
    fn oriented(
        self,
        alpha_first: bool,
        p: f64,
        q: f64,
        alpha: f64,
        beta: f64,
    ) -> (ProcessLogs, ProcessLogs) {
        let a_side = (alpha, p, self.ln_a, self.l1a);
        let b_side = (beta, q, self.ln_b, self.l1b);
        if alpha_first {
            (a_side, b_side)
        } else {
            (b_side, a_side)
        }
    }

    /// `p + q − 1` from its parts: the smaller shape plus the other one
    /// less 1 (no rounding of `(s + 1) − 1` when `p + q − 1 = r + s` is
    /// tiny).
    fn c1(&self, p: f64, q: f64) -> f64 {
        if p <= q { p + self.qm1 } else { q + self.pm1 }
    }

    fn new(l1a: f64, l1b: f64, memo: &Memo) -> Self {
        Self {
            l1a,
            l1b,
            ln_a: memo.ln_al,
            ln_b: memo.ln_be,
            ln_c1: memo.ln_c1,
            pm1: memo.pm1,
            qm1: memo.qm1,
        }
    }
}

/// Above this `z` the `2F1` series of [`k_series`] needs more than about
/// 800 terms, and `K` is computed by quadrature plus a series at `z = ½`
/// ([`k_split`]).
const Z_SERIES_MAX: f64 = 0.95;

/// `ln K̃_{p,q}(y)` ([`KTerms`]), and with `grad` its derivatives in `p`,
/// `q`, `α`, `β`; `None` when no form converges. Bounded work for every
/// parameter: the transformation to `1 − z` ([`k_transformed`]) from
/// `z = 0.9` on where it does not cancel, else the series for `z ≤ 0.95`
/// and the split form above.
fn k_terms_with(
    p: f64,
    q: f64,
    alpha: f64,
    beta: f64,
    y: f64,
    grad: bool,
    logs: Logs,
) -> Option<KTerms> {
    let z = if alpha >= beta {
        (alpha - beta) / (alpha + y)
    } else {
        (beta - alpha) / (beta + y)
    };
    if p >= P_POISSON {
        k_poisson(p, q, alpha, beta, y, grad, logs)
    } else if q >= P_POISSON {
        // The common-dropout limit `s, β → ∞` with `s/β` fixed: the same
        // closed form with the roles of (p, α) and (q, β) exchanged (the
        // integrand of `K̃` is symmetric in them).
        let swapped = Logs {
            l1a: logs.l1b,
            l1b: logs.l1a,
            ln_a: logs.ln_b,
            ln_b: logs.ln_a,
            pm1: logs.qm1,
            qm1: logs.pm1,
            ..logs
        };
        k_poisson(q, p, beta, alpha, y, grad, swapped).map(|k| KTerms {
            ln_k: k.ln_k,
            dp: k.dq,
            dq: k.dp,
            da: k.db,
            db: k.da,
        })
    } else if let Some(k) = (z >= Z_TRANSFORM_MIN)
        .then(|| k_transformed(p, q, alpha, beta, y, grad, logs))
        .flatten()
    {
        Some(k)
    } else if z <= Z_SERIES_MAX {
        k_series(p, q, alpha, beta, y, grad, logs)
    } else {
        k_split(p, q, alpha, beta, y, grad, logs)
    }
}

/// From this `p = r + x` on, [`k_poisson`] computes `K̃`: its relative
/// error is below about `1/p`.
const P_POISSON: f64 = 1e12;

/// `ln K̃_{p,q}(y)` ([`KTerms`]) and its derivatives when `p` is huge: the
/// purchase-rate factor is then that of a Poisson process, the limit
/// `r, α → ∞` with `r/α` fixed \[D\].
///
/// With `A = α + y`, `B = β + y`, `u = τ − y` and `λ' = p/A`,
/// `(1 + τ/α)^{−p} = (1 + y/α)^{−p}·(1 + u/A)^{−p}` and
/// `(1 + u/A)^{−p} = e^{−λ'u}·e^{p(u/A)²/2 + O(p(u/A)³)}`. Over the range
/// `u ≈ k/λ'` where the integrand lives the neglected factor is
/// `1 + k²/(2p)`, so replacing it by 1 changes `K̃` by about `1/p`
/// relative (below `1e-12` here), whatever `α`, `β` and `y`. What is left
/// is a closed form:
///
/// ```text
/// K̃ ≈ (1 + y/α)^{−p} (1 + y/β)^{−q} · F(q, ζ)/λ',   ζ = λ'·B = p·B/A,
/// F(q, ζ) = ∫₀^∞ e^{−v} (1 + v/ζ)^{−q} dv = ζ^q e^ζ Γ(1−q, ζ)
/// ```
///
/// (`v = λ'u`; the upper incomplete gamma function, DLMF 8.2.2). `F` and
/// its derivatives come from [`ln_f_poisson`]; every term of `ln K̃` is a
/// logarithm of a positive quantity, so nothing cancels.
///
/// Without `grad` only `ln K̃` is meaningful (the derivatives are 0).
fn k_poisson(
    p: f64,
    q: f64,
    alpha: f64,
    beta: f64,
    y: f64,
    grad: bool,
    logs: Logs,
) -> Option<KTerms> {
    let (ay, by) = (alpha + y, beta + y);
    // ln ζ = ln p + ln B − ln A, with ln A = ln α + ln(1 + y/α).
    let ln_a_big = logs.ln_a + logs.l1a;
    let ln_b_big = logs.ln_b + logs.l1b;
    let ln_p = p.ln();
    let zeta = (ln_p + ln_b_big - ln_a_big).exp();
    let (ln_f, f_q, f_z) = ln_f_poisson(q, zeta, grad)?;
    // ln λ' = ln p − ln A.
    let ln_k = -p * logs.l1a - q * logs.l1b - (ln_p - ln_a_big) + ln_f;
    // ζ·∂lnF/∂ζ, the weight of ln ζ's derivatives.
    let zf = zeta * f_z;
    Some(KTerms {
        ln_k,
        dp: -logs.l1a - 1.0 / p + zf / p,
        dq: -logs.l1b + f_q,
        da: p * y / (alpha * ay) + 1.0 / ay - zf / ay,
        db: q * y / (beta * by) + zf / by,
    })
}

/// `(ln F, ∂lnF/∂q, ∂lnF/∂ζ)` for `F(q, ζ) = ∫₀^∞ e^{−v}(1 + v/ζ)^{−q} dv`
/// (`q > 0`, `ζ > 0`; `q = s + 1 > 1` in the Poisson limit, `q = r + x`
/// in the common-dropout limit), see [`k_poisson`]; `None` when neither form below
/// reaches double precision. Without `grad`, `ln F` alone (the derivatives
/// 0), by the same forms without their derivatives.
///
/// - Legendre's continued fraction for `Γ(a, ζ)` with `a = 1 − q`
///   (DLMF 8.9.2, evaluated by the modified Lentz method as in Numerical
///   Recipes' `gcf`): `F = ζ·h` with
///   `h = 1/(ζ+1−a− 1(1−a)/(ζ+3−a− 2(2−a)/(ζ+5−a− …)))`. The derivatives
///   are carried through the same recurrence (forward-mode), so they are
///   those of the value computed. It converges in at most a few hundred
///   steps for `ζ ≥ 0.5` (fewer for large `ζ` or `q`).
/// - Otherwise, in `v = ζ·expm1(w)`:
///   `F = ζ ∫₀^∞ exp(−ζ·expm1(w) − (q−1)·w) dw`, a log-concave integrand
///   (falling from 1 when `q ≥ 1`), by adaptive Gauss–Kronrod quadrature up to where its
///   logarithm is below −45; `∂lnF/∂q = −E[w]` and
///   `∂lnF/∂ζ = 1/ζ − E[expm1(w)]` under the same weight.
fn ln_f_poisson(q: f64, zeta: f64, grad: bool) -> Option<(f64, f64, f64)> {
    if !grad {
        if let Some(v) = ln_f_fraction_value(q, zeta) {
            return Some((v, 0.0, 0.0));
        }
    } else if let Some(v) = ln_f_fraction(q, zeta) {
        return Some(v);
    }
    let s = q - 1.0;
    let phi = |w: f64| -zeta * w.exp_m1() - s * w;
    // Where −φ reaches c: below min(ln1p(c/ζ), c/s).
    let reach = |c: f64| {
        (c / zeta)
            .ln_1p()
            .min(if s > 0.0 { c / s } else { f64::INFINITY })
    };
    let mut breaks = vec![0.0];
    for c in [0.5, 2.0, 6.0, 15.0, 30.0, 45.0] {
        breaks.push(reach(c));
    }
    breaks.retain(|v| v.is_finite() && *v >= 0.0);
    breaks.sort_by(f64::total_cmp);
    breaks.dedup();
    const WHAT: &str = "Pareto/NBD log-likelihood";
    let i0 = crate::btyd::quadrature::integrate(WHAT, |w| phi(w).exp(), &breaks, 0.0).ok()?;
    if !(i0 > 0.0) {
        return None;
    }
    if !grad {
        return Some((zeta.ln() + i0.ln(), 0.0, 0.0));
    }
    let iw = crate::btyd::quadrature::integrate(WHAT, |w| w * phi(w).exp(), &breaks, 0.0).ok()?;
    let ie = crate::btyd::quadrature::integrate(WHAT, |w| w.exp_m1() * phi(w).exp(), &breaks, 0.0)
        .ok()?;
    Some((zeta.ln() + i0.ln(), -iw / i0, 1.0 / zeta - ie / i0))
}

/// A number with its derivatives in `a` and `ζ` (forward mode).
#[derive(Debug, Clone, Copy)]
struct Dual {
    v: f64,
    a: f64,
    z: f64,
}

impl Dual {
    fn mul(self, o: Dual) -> Dual {
        Dual {
            v: self.v * o.v,
            a: self.a * o.v + self.v * o.a,
            z: self.z * o.v + self.v * o.z,
        }
    }
    fn add(self, o: Dual) -> Dual {
        Dual {
            v: self.v + o.v,
            a: self.a + o.a,
            z: self.z + o.z,
        }
    }
    fn recip(self) -> Dual {
        let inv = 1.0 / self.v;
        let d = -inv * inv;
        Dual {
            v: inv,
            a: d * self.a,
            z: d * self.z,
        }
    }
}

/// The continued-fraction branch of [`ln_f_poisson`]; `None` after 400
/// steps.
fn ln_f_fraction(q: f64, zeta: f64) -> Option<(f64, f64, f64)> {
    const TINY: f64 = 1e-300;
    let a = 1.0 - q;
    let tiny = |d: Dual| {
        if d.v.abs() < TINY {
            Dual {
                v: TINY,
                a: 0.0,
                z: 0.0,
            }
        } else {
            d
        }
    };
    // b = ζ + 1 − a, with ∂b/∂a = −1, ∂b/∂ζ = 1.
    let mut b = Dual {
        v: zeta + 1.0 - a,
        a: -1.0,
        z: 1.0,
    };
    let mut c = Dual {
        v: 1.0 / TINY,
        a: 0.0,
        z: 0.0,
    };
    let mut d = b.recip();
    let mut h = d;
    for i in 1..=400 {
        let fi = f64::from(i);
        // an = −i(i − a).
        let an = Dual {
            v: -fi * (fi - a),
            a: fi,
            z: 0.0,
        };
        b.v += 2.0;
        d = tiny(an.mul(d).add(b));
        c = tiny(b.add(an.mul(c.recip())));
        d = d.recip();
        let del = d.mul(c);
        h = h.mul(del);
        if (del.v - 1.0).abs() <= f64::EPSILON
            && del.a.abs() <= 1e-15 * (h.a / h.v).abs().max(1e-3)
            && del.z.abs() * zeta <= 1e-15 * (h.z / h.v * zeta).abs().max(1e-3)
        {
            if !(h.v > 0.0 && h.v.is_finite()) {
                return None;
            }
            // ln F = ln ζ + ln h; ∂/∂q = −∂/∂a.
            return Some((zeta.ln() + h.v.ln(), -h.a / h.v, 1.0 / zeta + h.z / h.v));
        }
    }
    None
}

/// The value alone of [`ln_f_fraction`]: the same continued fraction
/// without the derivatives, by its convergents' three-term recurrence
/// (`A_n = b_n A_{n−1} + a_n A_{n−2}`, likewise `B_n`, `h_n = B_n/A_n`;
/// rescaled when `A_n` grows past `1e100`) instead of the modified Lentz
/// method: no division per step, about three times faster, and the same
/// value to rounding (about `1e-14` relative, as Lentz's against 30-digit
/// references). Stops when two consecutive convergents agree to rounding;
/// `None` after 400 steps.
fn ln_f_fraction_value(q: f64, zeta: f64) -> Option<f64> {
    let a = 1.0 - q;
    let mut b = zeta + 1.0 - a;
    let (mut a2, mut a1) = (1.0, b);
    let (mut b2, mut b1) = (0.0, 1.0);
    for i in 1..=400 {
        let fi = f64::from(i);
        let an = -fi * (fi - a);
        b += 2.0;
        let (mut big_a, mut big_b) = (b * a1 + an * a2, b * b1 + an * b2);
        // h_n − h_{n−1} = (B_n A_{n−1} − B_{n−1} A_n) / (A_n A_{n−1}).
        let now = big_b * a1;
        if (now - b1 * big_a).abs() <= f64::EPSILON * now.abs() {
            let h = big_b / big_a;
            if !(h > 0.0 && h.is_finite()) {
                return None;
            }
            return Some(zeta.ln() + h.ln());
        }
        if big_a.abs() > 1e100 {
            big_a *= 1e-100;
            big_b *= 1e-100;
            a1 *= 1e-100;
            b1 *= 1e-100;
        }
        (a2, a1) = (a1, big_a);
        (b2, b1) = (b1, big_b);
    }
    None
}

/// Gauss–Kronrod 7–15 abscissae on `[−1, 1]` (the non-negative half,
/// Kronrod points first at odd indices) and weights (QUADPACK `qk15`).
const XGK: [f64; 8] = [
    0.991_455_371_120_812_6,
    0.949_107_912_342_758_5,
    0.864_864_423_359_769_1,
    0.741_531_185_599_394_4,
    0.586_087_235_467_691_1,
    0.405_845_151_377_397_2,
    0.207_784_955_007_898_5,
    0.0,
];
const WGK: [f64; 8] = [
    0.022_935_322_010_529_22,
    0.063_092_092_629_978_55,
    0.104_790_010_322_250_2,
    0.140_653_259_715_525_9,
    0.169_004_726_639_267_9,
    0.190_350_578_064_785_4,
    0.204_432_940_075_298_9,
    0.209_482_141_084_727_8,
];
/// Gauss 7-point weights for the abscissae `XGK[1], XGK[3], XGK[5], XGK[7]`.
const WG: [f64; 4] = [
    0.129_484_966_168_869_7,
    0.279_705_391_489_276_7,
    0.381_830_050_505_118_9,
    0.417_959_183_673_469_4,
];

/// Most Gauss–Kronrod panels one `K` may use.
const MAX_PANELS: usize = 128;

/// `K_{p,q}(y) = ∫_y^∞ (α+τ)^{−p} (β+τ)^{−q} dτ` where the `2F1` series
/// converges slowly (`z` near 1, `α` and `β` far apart relative to `y`).
///
/// With `A ≥ B` the larger and smaller of `α`, `β` (exponents `P`, `Q`),
/// `δ = A − B` and `v = B + τ`, the integral over `v ∈ [B+y, δ]` is taken
/// by adaptive Gauss–Kronrod 7–15 in `w = ln v` (where `ln` of the
/// integrand, `−P ln(v+δ) + (1−Q) ln v`, is concave), and the rest,
/// `K(δ − B)`, by the series at `z = ½`. The derivatives differentiate
/// under the same quadrature (`∂/∂P`: weight `−ln(A+τ)`; `∂/∂A`:
/// `−P/(A+τ)`, likewise for `Q`, `B`), so the gradient is that of the value
/// computed; the split point's own dependence on `A`, `B` cancels between
/// the two parts \[D\].
fn k_split(
    p: f64,
    q: f64,
    alpha: f64,
    beta: f64,
    y: f64,
    grad: bool,
    logs: Logs,
) -> Option<KTerms> {
    let ge = alpha >= beta;
    // (A, P, ln A, ln(1 + y/A)) and likewise for B.
    let ((big_a, big_p, ln_big_a, l1_a), (big_b, big_q, ln_big_b, l1_b)) =
        logs.oriented(ge, p, q, alpha, beta);
    let delta = big_a - big_b;
    let v0 = big_b + y;
    // The tail from v = δ (τ1 = δ − B): z = ½ there.
    let tau1 = delta - big_b;
    let (ln_d, ln_2d) = (delta.ln(), (2.0 * delta).ln());
    // ln(1 + τ1/A) = ln(2δ/A), ln(1 + τ1/B) = ln(δ/B).
    let (t1_a, t1_b) = (ln_2d - ln_big_a, ln_d - ln_big_b);
    let tail_logs = Logs {
        l1a: if ge { t1_a } else { t1_b },
        l1b: if ge { t1_b } else { t1_a },
        ..logs
    };
    let tail = k_series(p, q, alpha, beta, tau1, grad, tail_logs)?;
    // ln v = ln v0 + w on [0, W].
    let ln_v0 = v0.ln();
    let width = ln_d - ln_v0;
    if !(width > 0.0) || !width.is_finite() {
        return Some(tail);
    }
    // ln of the integrand relative to w = 0, without cancellation:
    // g(w) = −P·ln1p(v0·expm1(w)/(A+y)) + (1−Q)·w.
    let a0 = v0 + delta;
    let ln_a0 = a0.ln();
    let g = |w: f64| -big_p * (v0 * w.exp_m1() / a0).ln_1p() + (1.0 - big_q) * w;
    // g is concave: its maximum at g' = 0 or at an end.
    let w_star = if big_q < 1.0 && 1.0 - big_q < big_p {
        let v_star = delta * (1.0 - big_q) / (big_p - 1.0 + big_q);
        (v_star.ln() - ln_v0).clamp(0.0, width)
    } else {
        0.0
    };
    let g_max = g(w_star).max(0.0).max(g(width));
    // ln of the scaled integrand A^P B^Q (v+δ)^−P v^(1−Q) at w = 0, plus
    // g_max: −P ln(1+y/A) − Q ln(1+y/B) + ln(B+y) + g_max.
    let h_max = -big_p * l1_a - big_q * l1_b + ln_v0 + g_max;
    let _ = ln_a0;
    // Sums of the integrand (scaled by e^{-h_max}) with weights 1,
    // −ln((v+δ)/A), −ln(v/B), −1/(v+δ), −1/v.
    let panel = |lo: f64, hi: f64| -> ([f64; 5], f64) {
        let (mid, half) = (0.5 * (lo + hi), 0.5 * (hi - lo));
        let mut k = [0.0; 5];
        let mut gauss = 0.0;
        for (i, (&x, &wk)) in XGK.iter().zip(&WGK).enumerate() {
            let nodes: &[f64] = if x == 0.0 { &[0.0] } else { &[-x, x] };
            for &u in nodes {
                let w = mid + half * u;
                let em1 = w.exp_m1();
                let lp = (v0 * em1 / a0).ln_1p();
                let f = (-big_p * lp + (1.0 - big_q) * w - g_max).exp();
                k[0] += wk * f;
                if grad {
                    let v = v0 + v0 * em1;
                    k[1] -= wk * f * (l1_a + lp);
                    k[2] -= wk * f * (l1_b + w);
                    k[3] -= wk * f / (v + delta);
                    k[4] -= wk * f / v;
                }
                if i % 2 == 1 {
                    gauss += WG[i / 2] * f;
                }
            }
        }
        (k.map(|s| s * half), (k[0] - gauss).abs() * half)
    };
    // Break points where g has fallen by 1, 4, 12, 25 and 50 below its
    // maximum on each side of w*, and nothing beyond the outer ones: there
    // the (log-concave) integrand is below e^{−50} of its peak, and its
    // neglected part below e^{−50}/|g'| ≤ e^{−50}·(distance to the peak)/50
    // of it. Newton on the concave g from the outer end approaches each
    // level from outside, so every cut lies at or beyond its level.
    let dg = |w: f64| -big_p * v0 * w.exp() / (a0 + v0 * w.exp_m1()) + (1.0 - big_q);
    let level = |target: f64, start: f64| -> f64 {
        let mut w = start;
        for _ in 0..12 {
            let (gv, d) = (g(w), dg(w));
            if (gv - target).abs() < 0.25 || d == 0.0 || !d.is_finite() {
                break;
            }
            let next = w - (gv - target) / d;
            if !next.is_finite() {
                break;
            }
            w = next.clamp(0.0, width);
        }
        w
    };
    let mut breaks: Vec<f64> = vec![w_star];
    // Deepest level first: each search starts from the previous (outer)
    // point, which lies beyond the next level. On the right, the first
    // start is the level of g without its linear term when that already
    // lies beyond it (Q ≥ 1, g falling from w = 0):
    // ln1p(κ·expm1(w)) = c/P, κ = v0/a0.
    let (g_0, g_width) = (g(0.0), g(width));
    let mut right = width;
    if w_star == 0.0 && big_q >= 1.0 && g_width < g_max - 50.0 {
        let guess = ((50.0 / big_p).exp_m1() * a0 / v0).ln_1p();
        if guess.is_finite() && guess < width && g(guess) <= g_max - 50.0 {
            right = guess;
        }
    }
    let mut left = 0.0;
    for c in [50.0, 25.0, 12.0, 4.0, 1.0] {
        let target = g_max - c;
        if g_width < target {
            right = level(target, right);
            breaks.push(right);
        }
        if w_star > 0.0 && g_0 < target {
            left = level(target, left);
            breaks.push(left);
        }
    }
    let (lo_cut, hi_cut) = (
        if g_0 < g_max - 50.0 {
            breaks.iter().copied().fold(w_star, f64::min)
        } else {
            0.0
        },
        if g_width < g_max - 50.0 {
            breaks.iter().copied().fold(w_star, f64::max)
        } else {
            width
        },
    );
    breaks.push(lo_cut);
    breaks.push(hi_cut);
    // Unit panels at most.
    breaks.retain(|b| b.is_finite() && *b >= lo_cut && *b <= hi_cut);
    breaks.sort_by(f64::total_cmp);
    breaks.dedup();
    let mut edges = vec![breaks[0]];
    for pair in breaks.windows(2) {
        let n = (pair[1] - pair[0]).ceil().max(1.0) as usize;
        for k in 1..=n {
            edges.push(pair[0] + (pair[1] - pair[0]) * k as f64 / n as f64);
        }
    }
    let first = edges.len() - 1;
    let mut total = [0.0; 5];
    let mut pending = Vec::with_capacity(first);
    let mut scale = 0.0;
    for pair in edges.windows(2) {
        let (lo, hi) = (pair[0], pair[1]);
        if !(hi > lo) {
            continue;
        }
        let (k, err) = panel(lo, hi);
        scale += k[0];
        pending.push((lo, hi, k, err));
    }
    let ln_quad_scale = h_max + scale.ln();
    // The tail counts towards the scale the error is measured against.
    let tail_rel = (tail.ln_k - ln_quad_scale).exp();
    let tol = 1e-14 * (scale + scale * tail_rel.min(1e300));
    let mut panels = first;
    while let Some((lo, hi, k, err)) = pending.pop() {
        if err <= tol || !(err.is_finite()) || panels >= MAX_PANELS || hi - lo < 1e-12 {
            if panels >= MAX_PANELS && err > 1e4 * tol {
                return None;
            }
            for (t, v) in total.iter_mut().zip(k) {
                *t += v;
            }
            continue;
        }
        let mid = 0.5 * (lo + hi);
        let (kl, el) = panel(lo, mid);
        let (kr, er) = panel(mid, hi);
        panels += 2;
        pending.push((lo, mid, kl, el));
        pending.push((mid, hi, kr, er));
    }
    if !(total[0] > 0.0) {
        return Some(tail);
    }
    // K = e^{h_max}·Σ + e^{ln K_tail}, in logs.
    let ln_quad = h_max + total[0].ln();
    let ln_k = lse(ln_quad, tail.ln_k);
    if !grad {
        return Some(KTerms {
            ln_k,
            dp: 0.0,
            dq: 0.0,
            da: 0.0,
            db: 0.0,
        });
    }
    let wq = (ln_quad - ln_k).exp();
    let wt = (tail.ln_k - ln_k).exp();
    let inv = 1.0 / total[0];
    // d ln K̃ / d(P, Q, A, B) from the quadrature, as fractions of it
    // (K̃ carries A^P B^Q: +P/A, +Q/B).
    let (qp, qq, qa, qb) = (
        total[1] * inv,
        total[2] * inv,
        big_p * (total[3] * inv + 1.0 / big_a),
        big_q * (total[4] * inv + 1.0 / big_b),
    );
    let (dp_q, dq_q, da_q, db_q) = if ge {
        (qp, qq, qa, qb)
    } else {
        (qq, qp, qb, qa)
    };
    Some(KTerms {
        ln_k,
        dp: wq * dp_q + wt * tail.dp,
        dq: wq * dq_q + wt * tail.dq,
        da: wq * da_q + wt * tail.da,
        db: wq * db_q + wt * tail.db,
    })
}

/// `ln K_{p,q}(y)` by the `2F1` series ([spec](crate::btyd::spec#paretonbd-likelihood)), and with `grad`
/// its derivatives in `p`, `q`, `α`, `β`, given `(ln(α+y), ln(β+y),
/// ln(p+q−1))`; `None` past the term cap.
fn k_series(
    p: f64,
    q: f64,
    alpha: f64,
    beta: f64,
    y: f64,
    grad: bool,
    logs: Logs,
) -> Option<KTerms> {
    let Logs {
        l1a,
        l1b,
        ln_a,
        ln_b,
        ln_c1,
        ..
    } = logs;
    let c = p + q;
    let (ay, by) = (alpha + y, beta + y);
    let ge = alpha >= beta;
    let (e, z) = if ge {
        (p, (alpha - beta) / ay)
    } else {
        (q, (beta - alpha) / by)
    };
    // S = Σ t_k; with `grad`, Σ t_k·H_e(k), Σ t_k·H_c(k) (H_u(k) = Σ_{j<k}
    // 1/(u+j)) and S' = dS/dz = Σ_{k≥1} k·t_k/z.
    let (mut t, mut sum) = (1.0_f64, 1.0_f64);
    let (mut he, mut hc, mut she, mut shc, mut sk) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let mut k = 0.0_f64;
    let tail = 1.0 / (1.0 - z);
    loop {
        // One division for both reciprocals: 1/(e+k) = (c+k)·d and
        // 1/(c+k) = (e+k)·d with d = 1/((e+k)(c+k)).
        let (ek, ck) = (e + k, c + k);
        let d = 1.0 / (ek * ck);
        let inv_c = ek * d;
        let t_over_z = t * ek * inv_c;
        if grad {
            he += ck * d;
            hc += inv_c;
            sk += (k + 1.0) * t_over_z;
        }
        t = t_over_z * z;
        if t == 0.0 {
            break;
        }
        sum += t;
        k += 1.0;
        if grad {
            she += t * he;
            shc += t * hc;
            if t * z * tail * (1.0 + he + hc) <= 1e-17 * sum
                && t * (k * tail + tail * tail) <= 1e-16 * sk
            {
                break;
            }
        } else if t * z * tail <= 1e-17 * sum {
            break;
        }
        if k > MAX_TERMS as f64 {
            return None;
        }
    }
    // ln K̃ = ln K + p ln α + q ln β: with ln(α+y) = ln α + ln(1+y/α),
    // α ≥ β: −p·ln(1+y/α) − q·ln(1+y/β) + ln(β+y) + ln S − ln(p+q−1),
    // α < β: the same with ln(α+y) for ln(β+y).
    let ln_k = -p * l1a - q * l1b + if ge { ln_b + l1b } else { ln_a + l1a } + sum.ln() - ln_c1;
    if !grad {
        return Some(KTerms {
            ln_k,
            dp: 0.0,
            dq: 0.0,
            da: 0.0,
            db: 0.0,
        });
    }
    let inv_c1 = 1.0 / logs.c1(p, q);
    let (se, sc, sp) = (she / sum, shc / sum, sk / sum);
    // The derivatives of ln K plus (ln α, ln β, p/α, q/β), with
    // −p/(α+y) + p/α = p·y/(α(α+y)) and likewise for β.
    let (ya, yb) = (y / (alpha * ay), y / (beta * by));
    Some(if ge {
        KTerms {
            ln_k,
            dp: -l1a - inv_c1 + se - sc,
            dq: -l1b - inv_c1 - sc,
            da: p * ya + sp * by / (ay * ay),
            db: 1.0 / by + q * yb - sp / ay,
        }
    } else {
        KTerms {
            ln_k,
            dp: -l1a - inv_c1 - sc,
            dq: -l1b - inv_c1 + se - sc,
            da: 1.0 / ay + p * ya - sp / by,
            db: q * yb + sp * ay / (by * by),
        }
    })
}

/// Below this `z` [`k_terms_with`] uses the plain series; from it on it
/// tries [`k_transformed`] first (about 20 terms at `z = 0.9` and fewer
/// above, where the plain series needs about 350 and more, and the split
/// form some hundred integrand evaluations). Lower thresholds (0.5 to 0.85
/// were tried) gain nothing on the 103k-days fit: the transformation
/// cancels more often there for `P > 1` and the plain series is short.
const Z_TRANSFORM_MIN: f64 = 0.9;

/// Largest ratio of the sum of the absolute values of the parts of
/// [`k_transformed`] to their sum: about two digits lost to cancellation.
const TRANSFORM_CANCELLATION: f64 = 64.0;

/// Largest `P`, `Q` (and most terms) for which [`k_transformed`] answers:
/// beyond them `lnΓ` of the constant part loses digits and the series grows
/// before it shrinks.
const TRANSFORM_MAX_SHAPE: f64 = 1e4;

/// `ln K̃_{p,q}(y)` ([`KTerms`]) by the linear transformation of the `2F1`
/// from `z` to `1 − z` \[DLMF 15.8.4; A&S 15.3.6; D\], which converges fast
/// where the plain series is slow (`z` near 1: `α` and `β` far apart
/// relative to `y`); `None` where it would lose more than about two digits
/// to cancellation (`P` within about `1e-2` of 1 or 2: the logarithmic
/// cases of A&S 15.3.10–15.3.12) or a shape is above `1e4`. The caller
/// then uses [`k_series`] or [`k_split`].
///
/// With `a < b` the smaller and larger of `α`, `β` (exponents `P`, `Q`),
/// `w = (a+y)/(b+y) = 1 − z` and `δ = b − a`, the transformation of
/// `₂F₁(1, Q; P+Q; z)` (whose second part collapses to
/// `₂F₁(P+Q−1, P; P; w) = z^{1−P−Q}`) gives, for `P` not an integer,
///
/// ```text
/// K = A + C
/// A = (b+y)^{−Q} (a+y)^{1−P} · S1/(P−1),   S1 = Σ_k (Q)_k/(2−P)_k · w^k
/// C = Γ(1−P) Γ(P+Q−1)/Γ(Q) · δ^{1−P−Q} = π/sin(πP) · Γ(P+Q−1)/(Γ(P)Γ(Q)) · δ^{1−P−Q}
/// ```
///
/// `C` does not depend on `y`: for `P < 1` it is `K` at `y = −a` (the
/// whole Beta integral), and `A` is minus the integral from `−a` to `y`
/// expanded in powers of `(a+y)/δ`. `S1`'s term ratio tends to `w`. Both
/// parts are carried as signed logarithms; the derivatives are those of
/// each part (`∂S1/∂P`, `∂S1/∂Q` term by term, `∂S1/∂w` from the same
/// terms; `∂lnC/∂P = −π·cot(πP) + ψ(P+Q−1) − ψ(P) − ln δ`,
/// `∂lnC/∂Q = ψ(P+Q−1) − ψ(Q) − ln δ`, `∂lnC/∂a = −∂lnC/∂b = (P+Q−1)/δ`),
/// combined with the weights `A/K` and `C/K`.
fn k_transformed(
    p: f64,
    q: f64,
    alpha: f64,
    beta: f64,
    y: f64,
    grad: bool,
    logs: Logs,
) -> Option<KTerms> {
    let lt = alpha < beta;
    // (a, P, ln a, ln(1 + y/a)) the smaller rate, likewise (b, Q) the larger.
    let ((a, big_p, ln_a, l1_a), (b, big_q, ln_b, l1_b)) = logs.oriented(lt, p, q, alpha, beta);
    if !(big_p <= TRANSFORM_MAX_SHAPE && big_q <= TRANSFORM_MAX_SHAPE) {
        return None;
    }
    let (ay, by) = (a + y, b + y);
    let w = ay / by;
    let delta = b - a;
    // P − 1 and Q − 1 unrounded (see `Logs`), and P + Q − 1 as the smaller
    // shape plus the other one less 1: no rounding of a shape near 1, and
    // a small P + Q − 1 (r + s when x = 0) keeps its digits.
    let (pm1, qm1) = if lt {
        (logs.pm1, logs.qm1)
    } else {
        (logs.qm1, logs.pm1)
    };
    let c1 = logs.c1(p, q);
    // S1 with its derivatives: Σ t_k·H_{2−P}(k), Σ t_k·H_Q(k), Σ k·t_k
    // (H_u(k) = Σ_{j<k} 1/(u+j)), and Σ |t_k| for the cancellation check.
    let (mut t, mut sum, mut abs_sum) = (1.0_f64, 1.0_f64, 1.0_f64);
    let (mut hp, mut hq, mut shp, mut shq, mut sk) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let mut k = 0.0_f64;
    let max_terms = 64.0 + 4.0 * (big_p + big_q);
    loop {
        let (dk, qk) = (1.0 - pm1 + k, big_q + k);
        let ratio = qk / dk * w;
        if grad {
            hp += 1.0 / dk;
            hq += 1.0 / qk;
        }
        t *= ratio;
        k += 1.0;
        sum += t;
        abs_sum += t.abs();
        if grad {
            shp += t * hp;
            shq += t * hq;
            sk += k * t;
        }
        // Past the pole (2 − P + k > 0) every later ratio is positive and
        // below max(ratio, w) < 1: the tail is below |t|·r/(1 − r).
        let next = (big_q + k) / (1.0 - pm1 + k) * w;
        if 1.0 - pm1 + k > 0.0 && next < 1.0 {
            let r = next.max(w);
            let tail = t.abs() * r / (1.0 - r);
            let weight = if grad {
                1.0 + hp.abs() + hq + k + r / (1.0 - r)
            } else {
                1.0
            };
            if tail * weight <= 1e-17 * sum.abs() {
                break;
            }
        }
        if t == 0.0 || k > max_terms {
            if t == 0.0 {
                break;
            }
            return None;
        }
    }
    if !(sum != 0.0 && sum.is_finite() && pm1 != 0.0) {
        return None;
    }
    // ln|Ã|, Ã = A·a^P b^Q = (1+y/b)^{−Q} (1+y/a)^{−P} (a+y) S1/(P−1).
    let ln_at = -big_p * l1_a - big_q * l1_b + ay.ln() + sum.abs().ln() - pm1.abs().ln();
    let sign_a = sum.signum() * pm1.signum();
    // ln|C̃|, C̃ = C·a^P b^Q; the sign is that of sin(πP).
    // P = n + frac with |frac| ≤ ½, from P − 1.
    let n = pm1.round() + 1.0;
    let frac = pm1 - (n - 1.0);
    let sin_f = (std::f64::consts::PI * frac).sin();
    if sin_f == 0.0 {
        return None;
    }
    let sign_c = if n.rem_euclid(2.0) == 0.0 {
        sin_f.signum()
    } else {
        -sin_f.signum()
    };
    // Γ(P+Q−1)/(Γ(P)Γ(Q)) with P + Q − 1 > 0 and max(P, Q) > 1.
    let ln_g = if big_q >= 1.0 {
        dlgamma(big_p, qm1) - ln_gamma_f(big_q)
    } else {
        dlgamma(big_q, pm1) - ln_gamma_f(big_p)
    };
    let ln_d = delta.ln();
    // (1−P−Q)·ln δ + P ln a + Q ln b = ln δ + P·ln(a/δ) + Q·ln(b/δ).
    let ln_ct = std::f64::consts::PI.ln() - sin_f.abs().ln()
        + ln_g
        + ln_d
        + big_p * (ln_a - ln_d)
        + big_q * (ln_b - ln_d);
    let m = ln_at.max(ln_ct);
    let (ea, ec) = ((ln_at - m).exp(), (ln_ct - m).exp());
    let total = sign_a * ea + sign_c * ec;
    let spread = ea * abs_sum / sum.abs() + ec;
    if !(total > 0.0 && spread <= TRANSFORM_CANCELLATION * total) {
        return None;
    }
    let ln_k = m + total.ln();
    if !ln_k.is_finite() {
        return None;
    }
    if !grad {
        return Some(KTerms {
            ln_k,
            dp: 0.0,
            dq: 0.0,
            da: 0.0,
            db: 0.0,
        });
    }
    // Weights of the parts: Ã/K̃ and C̃/K̃.
    let (wa, wc) = (sign_a * ea / total, sign_c * ec / total);
    let (sp, sq, sw) = (shp / sum, shq / sum, sk / (sum * w));
    let a_p = -l1_a - 1.0 / pm1 + sp;
    let a_q = -l1_b + sq;
    let a_a = big_p * y / (a * ay) + 1.0 / ay + sw / by;
    let a_b = big_q * y / (b * by) - sw * w / by;
    // ψ(P+Q−1) − ψ(P) and ψ(P+Q−1) − ψ(Q), each difference taken upwards.
    let psi_p = if big_q >= 1.0 {
        dpsi(big_p, qm1)
    } else {
        -dpsi(c1, -qm1)
    };
    let psi_q = if big_p >= 1.0 {
        dpsi(big_q, pm1)
    } else {
        -dpsi(c1, -pm1)
    };
    let cot = (std::f64::consts::PI * frac).cos() / sin_f;
    let c1d = c1 / delta;
    let c_p = -std::f64::consts::PI * cot + psi_p + ln_a - ln_d;
    let c_q = psi_q + ln_b - ln_d;
    let c_a = c1d + big_p / a;
    let c_b = -c1d + big_q / b;
    let (d_p, d_q, d_a, d_b) = (
        wa * a_p + wc * c_p,
        wa * a_q + wc * c_q,
        wa * a_a + wc * c_a,
        wa * a_b + wc * c_b,
    );
    let out = if lt {
        KTerms {
            ln_k,
            dp: d_p,
            dq: d_q,
            da: d_a,
            db: d_b,
        }
    } else {
        KTerms {
            ln_k,
            dp: d_q,
            dq: d_p,
            da: d_b,
            db: d_a,
        }
    };
    [out.dp, out.dq, out.da, out.db]
        .iter()
        .all(|v| v.is_finite())
        .then_some(out)
}

/// Where `ln K̃(T) − ln K̃(t_x)` is above `−J_DIRECT_BELOW`, the row's
/// dropout term takes `J̃ = K̃(t_x) − K̃(T)` as one integral over
/// `[t_x, T]` ([`j_direct`]) instead of `K̃(t_x)·(1 − e^{d})`: there the
/// difference would keep only `|d|/(error of ln K̃)` of its digits (a
/// `1e-15` error in each `ln K̃` is `1e-13` relative in `J̃` at
/// `d = −1e-2`, and all of it when `r + s` is tiny and `d` near `1e-12`).
const J_DIRECT_BELOW: f64 = 1e-2;

/// Most panels [`j_direct`] takes before it gives up (the caller then
/// keeps the difference of the two `K̃`).
const J_DIRECT_MAX_PANELS: f64 = 512.0;

/// `J̃ = K̃(t_x) − K̃(T) = ∫_{t_x}^{T} (1+τ/α)^{−p} (1+τ/β)^{−q} dτ`
/// computed as one integral \[D\], with its logarithm's gradient in
/// `(p, q, α, β)` and, with `order = 2`, its Hessian
/// `∂²J̃/J̃ − ∇lnJ̃·∇lnJ̃ᵀ` (order `(p, q, α, β)`); `None` for
/// `t_x ≥ T` or more than [`J_DIRECT_MAX_PANELS`] panels.
///
/// In `v = ln((c+τ)/(c+t_x))`, `c = min(α, β)`, the integrand
/// `g(v) = (1+τ/α)^{−p} (1+τ/β)^{−q}·(c+τ)` is analytic in the strip
/// `|Im v| < π` (its singularities are where `α+τ` or `β+τ` vanish) and
/// `|d ln g/dv| ≤ max(1, p+q)`, so `[0, W]`, `W = ln((c+T)/(c+t_x))`, is
/// cut into `⌈W·max(1, p+q)⌉` equal panels, on each of which `ln g`
/// changes by at most 1, and each panel takes the 15-point Kronrod rule
/// (exact for degree 23): well below `1e-15` relative for such panels.
/// Every node's value is positive, so nothing cancels. The derivatives
/// are integrated at the same nodes: with `L_a = ln(1+τ/α)`,
/// `∂lnf/∂p = −L_a`, `∂lnf/∂α = p·τ/(α(α+τ))`,
/// `∂²lnf/∂p∂α = τ/(α(α+τ))`, `∂²lnf/∂α² = −p·τ(2α+τ)/(α²(α+τ)²)`
/// (likewise `q`, `β`), and `∂²J̃ = ∫ f·(∇²lnf + ∇lnf·∇lnfᵀ)`.
fn j_direct(
    p: f64,
    q: f64,
    alpha: f64,
    beta: f64,
    t_x: f64,
    big_t: f64,
    order: u8,
) -> Option<(f64, [f64; 4], curvature::Mat4)> {
    use crate::btyd::quadrature::{WGK, XGK};
    if !(t_x < big_t) {
        return None;
    }
    let c = alpha.min(beta);
    let c0 = c + t_x;
    let width = ((big_t - t_x) / c0).ln_1p();
    let panels = (width * (p + q).max(1.0)).ceil().max(1.0);
    if !(width > 0.0 && panels <= J_DIRECT_MAX_PANELS) {
        return None;
    }
    let h = width / panels;
    let ln_f = |tau: f64| -p * (tau / alpha).ln_1p() - q * (tau / beta).ln_1p();
    // ln g at v = 0 (without ln c0, added at the end): the reference.
    let m = ln_f(t_x);
    let (mut i0, mut g1, mut g2) = (0.0_f64, [0.0_f64; 4], [[0.0_f64; 4]; 4]);
    let mut add = |v: f64, w: f64| {
        let tau = t_x + c0 * v.exp_m1();
        let (la, lb) = ((tau / alpha).ln_1p(), (tau / beta).ln_1p());
        let e = w * (-p * la - q * lb + v - m).exp();
        i0 += e;
        if order == 0 {
            return;
        }
        let (ua, ub) = (tau / (alpha * (alpha + tau)), tau / (beta * (beta + tau)));
        let d = [-la, -lb, p * ua, q * ub];
        for i in 0..4 {
            g1[i] += e * d[i];
        }
        if order < 2 {
            return;
        }
        let mut hh = [[0.0; 4]; 4];
        hh[0][2] = ua;
        hh[2][0] = ua;
        hh[1][3] = ub;
        hh[3][1] = ub;
        hh[2][2] = -p * ua * (2.0 * alpha + tau) / (alpha * (alpha + tau));
        hh[3][3] = -q * ub * (2.0 * beta + tau) / (beta * (beta + tau));
        for i in 0..4 {
            for j in 0..4 {
                g2[i][j] += e * (hh[i][j] + d[i] * d[j]);
            }
        }
    };
    let mut k = 0.0;
    while k < panels {
        let mid = (k + 0.5) * h;
        let half = 0.5 * h;
        for (x, w) in XGK.iter().zip(WGK.iter()) {
            add(mid - half * x, w * half);
            if *x != 0.0 {
                add(mid + half * x, w * half);
            }
        }
        k += 1.0;
    }
    if !(i0 > 0.0 && i0.is_finite()) {
        return None;
    }
    let ln_j = m + c0.ln() + i0.ln();
    let g: [f64; 4] = std::array::from_fn(|i| g1[i] / i0);
    let hm: curvature::Mat4 =
        std::array::from_fn(|i| std::array::from_fn(|j| g2[i][j] / i0 - g[i] * g[j]));
    (ln_j.is_finite() && g.iter().chain(hm.iter().flatten()).all(|v| v.is_finite()))
        .then_some((ln_j, g, hm))
}

/// One history's `ℓ`, `D1` and `D2`.
#[derive(Debug, Clone, Copy)]
struct RowEval {
    ll: f64,
    d1: f64,
    d2: f64,
}

/// `ℓ`, `D1`, `D2` at natural parameters `(r, α, s, β)`; with `grad`, the
/// gradient of `ℓ` in the natural parameters. `None` past the term cap.
fn eval_row(
    par: [f64; 4],
    x: f64,
    t_x: f64,
    big_t: f64,
    grad: Option<&mut [f64; 4]>,
) -> Option<RowEval> {
    eval_row_memo(par, x, t_x, big_t, grad, &mut Memo::default(), None)
}

/// What consecutive rows of one evaluation share: per `x`, `Δlnγ(r, x)`,
/// `Δψ(r, x)` and `ln(p+q−1) = ln(r+x+s)` (and `ln α`, `ln s`, `ln β`), and
/// every `K(y)` computed for this `x`, keyed by the bits of `y`: `K(t_x)`
/// and `K(T)` are the same function of `y`, so on a day grid (a few hundred
/// distinct times) rows sharing `x` reuse them, and the `K`s computed per
/// evaluation are the distinct `(x, time)` pairs, not the rows. The fit
/// sorts rows by `x`, so the table is cleared once per `x`. A fit indexes
/// its distinct times once ([`TimeSlots`]) and keeps its `K`s in `slots`
/// instead, by time slot, stamped with the generation of `x`.
#[derive(Debug, Default)]
struct Memo {
    x: Option<f64>,
    lg: f64,
    dp: f64,
    ln_c1: f64,
    /// `p − 1 = r + (x − 1)` and `q − 1 = s`, unrounded ([`Logs`]).
    pm1: f64,
    qm1: f64,
    ln_al: f64,
    ln_s: f64,
    ln_be: f64,
    ks: FxHashMap<u64, KTerms>,
    slots: Vec<(u32, KTerms)>,
    generation: u32,
}

/// The distinct times (`t_x` and `T`) of a fit's rows, and per row the
/// slots of its `t_x` and `T` among them: on a day grid a few thousand
/// times serve ~10⁵ rows, so each evaluation takes `ln(1 + y/α)`,
/// `ln(1 + y/β)` once per time and finds its `K`s by index, not by hash.
#[derive(Debug)]
struct TimeSlots {
    count: usize,
    rows: Vec<[u32; 2]>,
}

impl TimeSlots {
    fn new(rows: &[Row]) -> Self {
        let mut values: Vec<f64> = rows.iter().flat_map(|r| [r.a, r.b]).collect();
        values.sort_by(f64::total_cmp);
        values.dedup_by(|u, v| u.to_bits() == v.to_bits());
        let slot = |v: f64| {
            let i = values.partition_point(|u| u.total_cmp(&v).is_lt());
            u32::try_from(i).unwrap_or(u32::MAX)
        };
        Self {
            count: values.len(),
            rows: rows.iter().map(|r| [slot(r.a), slot(r.b)]).collect(),
        }
    }
}

/// One row's time slots with their `(ln(1 + y/α), ln(1 + y/β))`.
#[derive(Debug, Clone, Copy)]
struct RowSlots {
    slots: [u32; 2],
    l1: [(f64, f64); 2],
}

/// A `K` not yet computed (stamped generation 0).
const NO_K: (u32, KTerms) = (
    0,
    KTerms {
        ln_k: f64::NAN,
        dp: f64::NAN,
        dq: f64::NAN,
        da: f64::NAN,
        db: f64::NAN,
    },
);

impl Memo {
    /// `K̃(y)` for the current `x`, computed once; `l1` is
    /// `(ln(1 + y/α), ln(1 + y/β))` when the caller has it.
    fn k(
        &mut self,
        (p, q): (f64, f64),
        (al, be): (f64, f64),
        y: f64,
        want: bool,
        l1: Option<(f64, f64)>,
        slot: Option<u32>,
    ) -> Option<KTerms> {
        if let Some(i) = slot {
            let (stamp, k) = self.slots[i as usize];
            if stamp == self.generation {
                return Some(k);
            }
        } else if let Some(k) = self.ks.get(&y.to_bits()) {
            return Some(*k);
        }
        let (l1a, l1b) = l1.unwrap_or_else(|| ((y / al).ln_1p(), (y / be).ln_1p()));
        let logs = Logs::new(l1a, l1b, self);
        let k = k_terms_with(p, q, al, be, y, want, logs)?;
        match slot {
            Some(i) => self.slots[i as usize] = (self.generation, k),
            None => {
                self.ks.insert(y.to_bits(), k);
            }
        }
        Some(k)
    }
}

fn eval_row_memo(
    par: [f64; 4],
    x: f64,
    t_x: f64,
    big_t: f64,
    grad: Option<&mut [f64; 4]>,
    memo: &mut Memo,
    at: Option<RowSlots>,
) -> Option<RowEval> {
    let [r, al, s, be] = par;
    let want = grad.is_some();
    if memo.x != Some(x) {
        memo.x = Some(x);
        memo.lg = dlgamma(r, x);
        memo.dp = if want { dpsi(r, x) } else { 0.0 };
        memo.ks.clear();
        memo.generation += 1;
        memo.ln_c1 = (r + x + s).ln();
        memo.pm1 = r + (x - 1.0);
        memo.qm1 = s;
        memo.ln_al = al.ln();
        memo.ln_s = s.ln();
        memo.ln_be = be.ln();
    }
    let rx = r + x;
    // Everything relative to α^(r+x) β^(s+1) (see `KTerms`): no term of
    // size r·ln α when r and α (or s and β) run to ∞ together.
    let (l_at, l_bt) = match at {
        Some(at) => at.l1[1],
        None => ((big_t / al).ln_1p(), (big_t / be).ln_1p()),
    };
    let d1 = -rx * l_at - s * l_bt;
    let mut d2 = f64::NEG_INFINITY;
    let mut dj = [0.0; 4]; // (∂J/∂p, ∂J/∂α, ∂J/∂q, ∂J/∂β) / J
    if t_x < big_t {
        let (l1, slots) = match at {
            Some(at) => (Some(at.l1[0]), [Some(at.slots[0]), Some(at.slots[1])]),
            None => (None, [None, None]),
        };
        let pq = (rx, s + 1.0);
        let k1 = memo.k(pq, (al, be), t_x, want, l1, slots[0])?;
        let k2 = memo.k(pq, (al, be), big_t, want, Some((l_at, l_bt)), slots[1])?;
        let d = k2.ln_k - k1.ln_k;
        let direct = if d > -J_DIRECT_BELOW {
            j_direct(pq.0, pq.1, al, be, t_x, big_t, u8::from(want))
        } else {
            None
        };
        if let Some((ln_j, gj, _)) = direct {
            d2 = memo.ln_s - memo.ln_be + ln_j;
            // (p, q, α, β) → (p, α, q, β).
            dj = [gj[0], gj[2], gj[1], gj[3]];
        } else if d < 0.0 {
            let rho = d.exp();
            let one_m = -d.exp_m1();
            // log1mexp(d), reusing e^d and expm1(d).
            let l1m = if d > -std::f64::consts::LN_2 {
                one_m.ln()
            } else {
                (-rho).ln_1p()
            };
            d2 = memo.ln_s - memo.ln_be + k1.ln_k + l1m;
            let f = |a: f64, b: f64| (a - rho * b) / one_m;
            dj = [
                f(k1.dp, k2.dp),
                f(k1.da, k2.da),
                f(k1.dq, k2.dq),
                f(k1.db, k2.db),
            ];
        }
    }
    // lse(D1, D2) and w2 = expit(D2 − D1) from one exponential.
    let (hi, e, w2) = if d2 == f64::NEG_INFINITY {
        (d1, 0.0, 0.0)
    } else {
        let diff = d2 - d1;
        let e = (-diff.abs()).exp();
        if diff >= 0.0 {
            (d2, e, 1.0 / (1.0 + e))
        } else {
            (d1, e, e / (1.0 + e))
        }
    };
    let ll = memo.lg - x * memo.ln_al + hi + e.ln_1p();
    if let Some(g) = grad {
        let w1 = 1.0 - w2;
        let a2 = if w2 == 0.0 {
            [0.0; 4]
        } else {
            dj.map(|v| w2 * v)
        };
        let b2 = if w2 == 0.0 { 0.0 } else { w2 / s };
        let c2 = if w2 == 0.0 { 0.0 } else { w2 / be };
        g[0] = memo.dp - w1 * l_at + a2[0];
        g[1] = -x / al + w1 * rx * big_t / (al * (al + big_t)) + a2[1];
        g[2] = -w1 * l_bt + b2 + a2[2];
        g[3] = w1 * s * big_t / (be * (be + big_t)) - c2 + a2[3];
    }
    Some(RowEval { ll, d1, d2 })
}

/// A job for the helper thread of [`Halves`]: natural parameters, time
/// scale, and what is wanted.
type Job = ([f64; 4], f64, Want);

/// What one evaluation of [`Halves`] computes per row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Value,
    Gradient,
    /// The gradient and the Hessian ([`curvature`]).
    Hessian,
}

/// One row's log-likelihood and gradient in the natural parameters
/// (unweighted; the gradient 0 without `want`).
type RowTerms = (f64, [f64; 4]);

/// Rows per chunk of the work queue of [`Chunks`].
const CHUNK_ROWS: usize = 32;

/// A large fit's rows as a queue of chunks that two threads take in turn,
/// each row's terms written to its chunk's buffer. Which thread computes a
/// row changes nothing in its terms (each thread keeps its own memo of `K`
/// per `x`, computed by the same operations), and the sums are taken
/// afterwards in the rows' order, so the split follows the work (the `K`
/// terms of light buyers take more series terms than those of heavy ones:
/// fixed halves of CDNOW's rows differ by about a third in time) while
/// the results stay those of fixed halves.
struct Chunks<'a> {
    rows: &'a [Row],
    times: &'a TimeSlots,
    next: AtomicUsize,
    failed: AtomicBool,
    out: Vec<Mutex<Vec<RowTerms>>>,
    /// Per chunk, the rows' terms of the Hessian path
    /// ([`Chunks::work_hess`]).
    curv: Vec<Mutex<Vec<curvature::RowCurvature>>>,
}

impl<'a> Chunks<'a> {
    fn new(rows: &'a [Row], times: &'a TimeSlots) -> Self {
        Self {
            rows,
            times,
            next: AtomicUsize::new(0),
            failed: AtomicBool::new(false),
            out: (0..rows.len().div_ceil(CHUNK_ROWS))
                .map(|_| Mutex::new(Vec::with_capacity(CHUNK_ROWS)))
                .collect(),
            curv: (0..rows.len().div_ceil(CHUNK_ROWS))
                .map(|_| Mutex::new(Vec::new()))
                .collect(),
        }
    }

    /// Takes chunks until none is left (or a row's series failed),
    /// writing each row's terms as [`nll_part`] computes them.
    fn work(&self, par: [f64; 4], scale: f64, want: bool) {
        let mut terms = RowEvaluator::new(self.times.count);
        let mut g = [0.0; 4];
        loop {
            let j = self.next.fetch_add(1, Ordering::Relaxed);
            if j >= self.out.len() || self.failed.load(Ordering::Relaxed) {
                return;
            }
            let mut out = self.out[j].lock().unwrap_or_else(PoisonError::into_inner);
            out.clear();
            let lo = j * CHUNK_ROWS;
            let hi = (lo + CHUNK_ROWS).min(self.rows.len());
            for (row, &slots) in self.rows[lo..hi].iter().zip(&self.times.rows[lo..hi]) {
                let Some(ll) = terms.eval(par, row, slots, scale, want.then_some(&mut g)) else {
                    self.failed.store(true, Ordering::Relaxed);
                    return;
                };
                out.push((ll, g));
            }
        }
    }

    /// The weighted sums of the two fixed halves of the rows, each in the
    /// rows' order (as [`nll_part`] takes them), added; `None` when a
    /// row's series failed.
    fn sums(&self) -> Option<(f64, [f64; 4])> {
        if self.failed.load(Ordering::Relaxed) {
            return None;
        }
        let half = self.rows.len() / 2;
        let mut f = [0.0; 2];
        let mut acc = [[0.0; 4]; 2];
        for (j, chunk) in self.out.iter().enumerate() {
            let chunk = chunk.lock().unwrap_or_else(PoisonError::into_inner);
            for (k, (ll, g)) in chunk.iter().enumerate() {
                let i = j * CHUNK_ROWS + k;
                let side = usize::from(i >= half);
                let w = self.rows[i].w;
                f[side] += w * ll;
                for m in 0..4 {
                    acc[side][m] += w * g[m];
                }
            }
        }
        Some((f[0] + f[1], std::array::from_fn(|m| acc[0][m] + acc[1][m])))
    }
}

/// A fit's objective over its rows. From [`PARALLEL_ROWS`] rows on, two
/// threads share the rows' [`Chunks`]: the caller's and a helper that
/// lives as long as the fit (one thread start per fit, not per evaluation:
/// at CDNOW's size a start per evaluation is a tenth of the evaluation).
/// Each row's 2F1 costs ~0.2 us, so above a few hundred rows the second
/// thread outweighs the hand-over. The results never depend on the
/// machine or on which thread computed what: they are those of two fixed
/// halves of the rows, each summed in order, then added.
struct Halves<'a> {
    rows: &'a [Row],
    times: &'a TimeSlots,
    helper: Option<(&'a Chunks<'a>, mpsc::Sender<Job>, mpsc::Receiver<()>)>,
}

impl<'a> Halves<'a> {
    fn new<'scope>(scope: &'scope std::thread::Scope<'scope, '_>, chunks: &'a Chunks<'a>) -> Self
    where
        'a: 'scope,
    {
        let (rows, times) = (chunks.rows, chunks.times);
        if rows.len() < PARALLEL_ROWS {
            return Self {
                rows,
                times,
                helper: None,
            };
        }
        let (jobs, job_rx) = mpsc::channel::<Job>();
        let (done_tx, done) = mpsc::channel::<()>();
        scope.spawn(move || {
            // Ends when the fit drops its end of the job channel.
            for (par, scale, want) in job_rx {
                match want {
                    Want::Hessian => chunks.work_hess(par, scale),
                    _ => chunks.work(par, scale, want == Want::Gradient),
                }
                if done_tx.send(()).is_err() {
                    break;
                }
            }
        });
        Self {
            rows,
            times,
            helper: Some((chunks, jobs, done)),
        }
    }

    /// [`eval`](Self::eval) with the Hessian in `θ` ([`curvature`]): the
    /// objective, its gradient in `g` and Hessian in `h`; `+∞` where the
    /// Hessian is not available (a `K` outside the series' region) or a
    /// series fails.
    fn eval_hess(
        &self,
        scale: f64,
        theta: [f64; 4],
        g: &mut [f64; 4],
        h: &mut curvature::Mat4,
    ) -> f64 {
        let par = theta.map(f64::exp);
        let total = match &self.helper {
            Some((chunks, jobs, done)) => {
                chunks.next.store(0, Ordering::Relaxed);
                chunks.failed.store(false, Ordering::Relaxed);
                let sent = jobs.send((par, scale, Want::Hessian)).is_ok();
                chunks.work_hess(par, scale);
                if sent && done.recv().is_err() {
                    None
                } else {
                    chunks.sums_hess()
                }
            }
            None => curvature::curvature_part(self.rows, self.times, scale, par),
        };
        match total {
            Some(total) => curvature::to_theta(par, &total, g, h),
            None => {
                *g = [f64::NAN; 4];
                *h = [[f64::NAN; 4]; 4];
                f64::INFINITY
            }
        }
    }

    /// The negative log-likelihood (rows' `a` = t_x, `b` = T) at
    /// `θ = ln(r, α, s, β)` with times multiplied by `scale`, and with
    /// `grad` its gradient in `θ`; `+∞` when a series exceeds its cap.
    fn eval(&self, scale: f64, theta: [f64; 4], grad: Option<&mut [f64; 4]>) -> f64 {
        let want = grad.is_some();
        let par = theta.map(f64::exp);
        let parts = match &self.helper {
            Some((chunks, jobs, done)) => {
                chunks.next.store(0, Ordering::Relaxed);
                chunks.failed.store(false, Ordering::Relaxed);
                // A helper that is gone (it panicked: the scope re-raises
                // that panic when the fit ends) leaves all chunks to this
                // thread.
                let mode = if want { Want::Gradient } else { Want::Value };
                let sent = jobs.send((par, scale, mode)).is_ok();
                chunks.work(par, scale, want);
                if sent && done.recv().is_err() {
                    None
                } else {
                    chunks.sums()
                }
            }
            None => nll_part(
                self.rows,
                &self.times.rows,
                self.times.count,
                scale,
                par,
                want,
            ),
        };
        let Some((f, acc)) = parts else {
            if let Some(grad) = grad {
                *grad = [f64::NAN; 4];
            }
            return f64::INFINITY;
        };
        if let Some(grad) = grad {
            for i in 0..4 {
                grad[i] = -acc[i] * par[i];
            }
        }
        -f
    }
}

/// Rows at which [`Halves`] splits the work in two.
const PARALLEL_ROWS: usize = 512;

/// One evaluation's per-row state, shared by the serial and the threaded
/// sums: the `K` slot table and `(ln(1 + y/α), ln(1 + y/β))` per time slot,
/// computed on first use.
struct RowEvaluator {
    memo: Memo,
    logs: Vec<(f64, f64)>,
}

impl RowEvaluator {
    fn new(count: usize) -> RowEvaluator {
        RowEvaluator {
            memo: Memo {
                slots: vec![NO_K; count],
                ..Memo::default()
            },
            logs: vec![(f64::NAN, f64::NAN); count],
        }
    }

    /// `row`'s log-likelihood term at `par` (times scaled by `scale`, time
    /// slots `[ia, ib]`), with its gradient in `g` when asked; `None` when
    /// its series fails.
    #[inline]
    fn eval(
        &mut self,
        par: [f64; 4],
        row: &Row,
        [ia, ib]: [u32; 2],
        scale: f64,
        g: Option<&mut [f64; 4]>,
    ) -> Option<f64> {
        let (al, be) = (par[1], par[3]);
        let (t_x, big_t) = (row.a * scale, row.b * scale);
        let logs = &mut self.logs;
        let mut l1 = |i: u32, y: f64| {
            let e = &mut logs[i as usize];
            if e.0.is_nan() {
                *e = ((y / al).ln_1p(), (y / be).ln_1p());
            }
            *e
        };
        let at = RowSlots {
            slots: [ia, ib],
            l1: [l1(ia, t_x), l1(ib, big_t)],
        };
        eval_row_memo(
            par,
            f64::from(row.x),
            t_x,
            big_t,
            g,
            &mut self.memo,
            Some(at),
        )
        .map(|e| e.ll)
    }
}

/// The weighted log-likelihood of `rows` and, with `want`, its gradient in
/// the natural parameters (else 0); `None` when a row's series fails.
// Kept out of line: inlined into the fitting closure, the hot 2F1 loop
// measured 13-25 % slower (criterion `btyd_pareto/fit/cdnow`).
#[inline(never)]
fn nll_part(
    rows: &[Row],
    slots: &[[u32; 2]],
    count: usize,
    scale: f64,
    par: [f64; 4],
    want: bool,
) -> Option<(f64, [f64; 4])> {
    let mut f = 0.0;
    let mut acc = [0.0; 4];
    let mut g = [0.0; 4];
    let mut terms = RowEvaluator::new(count);
    for (row, &slots) in rows.iter().zip(slots) {
        let ll = terms.eval(par, row, slots, scale, want.then_some(&mut g))?;
        f += row.w * ll;
        for i in 0..4 {
            acc[i] += row.w * g[i];
        }
    }
    Some((f, acc))
}

/// A lower bound of a fit's negative log-likelihood in closed form, with
/// no `K` term: the box-face probes of the boundary check are skipped where
/// it already rules them out ([`FaceBound`](crate::btyd::fitting::FaceBound)),
/// and so are the evaluations at the trial points of the first BFGS line
/// searches that it shows to be worse than the start.
///
/// Each history's likelihood is `Γ(r+x)/Γ(r)·α^−x·(e^{D1} + e^{D2})` with
/// `D1 = −(r+x)·ln(1+T/α) − s·ln(1+T/β)` (alive at `T`) and
/// `e^{D2} = (s/β)·∫_{t_x}^{T} f(τ) dτ`, `f(τ) = (1+τ/α)^{−(r+x)}
/// (1+τ/β)^{−(s+1)}` (dead between `t_x` and `T`), as in
/// [spec](crate::btyd::spec#paretonbd-likelihood). Only the integral is
/// bounded, from above, two ways (the smaller is taken):
///
/// - `ln f` is convex in `τ` (a sum of `−c·ln(1 + τ/a)`, `c, a > 0`), so
///   on `[t_x, T]` it lies below its chord: `f(τ) ≤ f(t_x)^{1−w} f(T)^w`,
///   `w = (τ − t_x)/(T − t_x)`, whose integral is the logarithmic mean
///   `(T − t_x)·(f(t_x) − f(T))/(ln f(t_x) − ln f(T))`. It is exact when
///   `ln f` is linear (both processes near Poisson).
/// - `∫_{t_x}^{T} f ≤ (1+t_x/α)^{−(r+x)} ∫_{t_x}^{∞} (1+τ/β)^{−(s+1)} dτ
///   = (1+t_x/α)^{−(r+x)}·(β/s)·(1+t_x/β)^{−s}` (the chance of being alive
///   at `t_x` and of no purchase before it), so `D2 ≤ −(r+x)·ln(1+t_x/α)
///   − s·ln(1+t_x/β)`.
///
/// The rest is exact, so the bound is tight where dropout hardly matters
/// (`s → 0`, `β → ∞`: on CDNOW within `3e-9` relative of the objective)
/// and loose by a few hundred (a sixth of a unit per customer) near
/// CDNOW's optimum; the faces it skips lie further away than that. Per
/// row it costs an exponential and three logarithms (`ln(1+y/α)`,
/// `ln(1+y/β)` once per distinct time), against a `2F1` series or two per
/// row for the objective; [`crude`](Self::crude) costs none per row.
struct LowerBound<'a> {
    rows: &'a [Row],
    times: &'a TimeSlots,
    /// Per row, `ln(c·(T − t_x))` (unused when `t_x = T`).
    ln_gap: Vec<f64>,
    /// Per time slot, the scaled time.
    values: Vec<f64>,
    scale: f64,
}

impl<'a> LowerBound<'a> {
    fn new(rows: &'a [Row], times: &'a TimeSlots, scale: f64) -> Self {
        let mut values = vec![f64::NAN; times.count];
        for (row, &[ia, ib]) in rows.iter().zip(&times.rows) {
            values[ia as usize] = row.a * scale;
            values[ib as usize] = row.b * scale;
        }
        Self {
            rows,
            times,
            ln_gap: rows
                .iter()
                .map(|r| (r.b * scale - r.a * scale).ln())
                .collect(),
            values,
            scale,
        }
    }

    /// `(ln(1 + y/α), ln(1 + y/β))` at each distinct time `y` of the rows.
    fn logs(&self, al: f64, be: f64) -> Vec<(f64, f64)> {
        self.values
            .iter()
            .map(|&y| ((y / al).ln_1p(), (y / be).ln_1p()))
            .collect()
    }

    /// A cruder bound than [`nll`](Self::nll) at a fraction of its cost
    /// (no exponential or logarithm per row): each repeat buyer's
    /// `ln(e^{D1} + e^{D2})` is replaced by `alive + ln 2`, where `alive
    /// ≥ D1` is the second bound of `D2` above. Enough where the objective
    /// is far above the optimum (most box faces).
    fn crude(&self, theta: [f64; 4]) -> f64 {
        let [r, al, s, be] = theta.map(f64::exp);
        let ln_al = theta[1];
        let logs = self.logs(al, be);
        let shifts = Shifts::new(r);
        let mut x_at = None;
        let mut lg = 0.0;
        let mut f = 0.0;
        for (row, &[ia, ib]) in self.rows.iter().zip(&self.times.rows) {
            let x = f64::from(row.x);
            if x_at != Some(row.x) {
                x_at = Some(row.x);
                lg = shifts.dlgamma(x) - x * ln_al;
            }
            let p = r + x;
            let term = if row.a * self.scale < row.b * self.scale {
                let (la_x, lb_x) = logs[ia as usize];
                -p * la_x - s * lb_x + std::f64::consts::LN_2
            } else {
                let (la_t, lb_t) = logs[ib as usize];
                -p * la_t - s * lb_t
            };
            f += row.w * (lg + term);
        }
        if f.is_finite() { -f } else { f64::NEG_INFINITY }
    }

    /// The bound of the negative log-likelihood (the objective of
    /// [`Halves::eval`] at `scale`) at `θ = ln(r, α, s, β)`; `−∞` where it
    /// says nothing (a term not finite). With `refine`, the rows with
    /// `t_x = 0` (those without repeat purchases, at most one per distinct
    /// `T`) take the chord on each of [`CHORD_PIECES`] equal pieces of
    /// `[0, T]`: tighter where `r` is small and `ln f` bends most.
    fn nll(&self, theta: [f64; 4], refine: bool) -> f64 {
        let [r, al, s, be] = theta.map(f64::exp);
        let (ln_al, ln_s_be) = (theta[1], theta[2] - theta[3]);
        let logs = self.logs(al, be);
        let shifts = Shifts::new(r);
        let mut x_at = None;
        let mut lg = 0.0;
        let mut f = 0.0;
        for ((row, &[ia, ib]), &ln_gap) in self.rows.iter().zip(&self.times.rows).zip(&self.ln_gap)
        {
            let x = f64::from(row.x);
            if x_at != Some(row.x) {
                x_at = Some(row.x);
                lg = shifts.dlgamma(x) - x * ln_al;
            }
            let p = r + x;
            let (la_t, lb_t) = logs[ib as usize];
            let d1 = -p * la_t - s * lb_t;
            let (t_x, big_t) = (row.a * self.scale, row.b * self.scale);
            let d2 = if t_x < big_t {
                let (la_x, lb_x) = logs[ia as usize];
                let alive = -p * la_x - s * lb_x;
                let ln_f = |la: f64, lb: f64| -p * la - (s + 1.0) * lb;
                let integral = if refine && t_x == 0.0 {
                    let step = big_t / CHORD_PIECES as f64;
                    let (mut sum, mut ln_fa) = (f64::NEG_INFINITY, 0.0);
                    for k in 1..=CHORD_PIECES {
                        let ln_fb = if k == CHORD_PIECES {
                            ln_f(la_t, lb_t)
                        } else {
                            let y = step * k as f64;
                            ln_f((y / al).ln_1p(), (y / be).ln_1p())
                        };
                        sum = lse(sum, ln_chord(step.ln(), ln_fa, ln_fb));
                        ln_fa = ln_fb;
                    }
                    sum
                } else {
                    let (fa, fb) = (ln_f(la_x, lb_x), ln_f(la_t, lb_t));
                    // (1 − e^{−u})/u ≥ e^{−u}: when even that leaves the
                    // chord above `alive`, `alive` is the bound (no logs).
                    if ln_s_be + ln_gap + fb >= alive {
                        f64::INFINITY
                    } else {
                        ln_chord(ln_gap, fa, fb)
                    }
                };
                (ln_s_be + integral).min(alive)
            } else {
                f64::NEG_INFINITY
            };
            f += row.w * (lg + lse(d1, d2));
        }
        if f.is_finite() { -f } else { f64::NEG_INFINITY }
    }
}

/// Pieces of `[0, T]` of the refined [`LowerBound`].
const CHORD_PIECES: usize = 8;

/// `ln ∫ₐᵇ e^{ℓ(τ)} dτ` for `ℓ` linear between `ℓ(a) = ln_fa` and
/// `ℓ(b) = ln_fb ≤ ln_fa`, given `ln(b − a)`: the logarithm of
/// `(b − a)` times the logarithmic mean of `e^{ln_fa}` and `e^{ln_fb}`.
fn ln_chord(ln_width: f64, ln_fa: f64, ln_fb: f64) -> f64 {
    let u = ln_fa - ln_fb;
    if u > 0.0 {
        ln_width + ln_fa + (-(-u).exp_m1() / u).ln()
    } else {
        ln_width + ln_fa
    }
}

#[cfg(test)]
mod lower_bound {
    use super::*;
    use crate::CustomerId;
    use proptest::prelude::*;

    /// Seeded awkward histories in weeks: 40 % without repeat purchases,
    /// some whose last purchase is today (`t_x = T`), a few heavy buyers
    /// (200 to 500 purchases), the rest light buyers.
    fn awkward(seed: u64, n: u64) -> Vec<CustomerHistory> {
        let mut state = seed;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        (0..n)
            .map(|i| {
                let age = 1.0 + 51.0 * next();
                let kind = next();
                let (x, t_x) = if kind < 0.4 {
                    (0, 0.0)
                } else if kind < 0.5 {
                    (1 + (3.0 * next()) as u32, age)
                } else if kind < 0.6 {
                    (200 + (300.0 * next()) as u32, age * (0.9 + 0.1 * next()))
                } else {
                    (1 + (10.0 * next()) as u32, age * next())
                };
                CustomerHistory::new(CustomerId::new(i), x, t_x, age).unwrap()
            })
            .collect()
    }

    /// The fit's rows (grouped and sorted as [`ParetoNbd`] does) and its
    /// time scale.
    fn prepared(population: &[CustomerHistory]) -> (Vec<Row>, f64) {
        let mut rows = compress(population, None, |h| Some((h.x(), h.t_x(), h.age()))).unwrap();
        rows.sort_by(|u, v| u.x.cmp(&v.x).then(u.b.total_cmp(&v.b)));
        let c = 1.0 / rows.iter().fold(0.0_f64, |m, r| m.max(r.b));
        (rows, c)
    }

    /// The objective (the negative log-likelihood on the fitting scale)
    /// and both bounds at `θ`; `None` where a series fails.
    fn at(rows: &[Row], c: f64, theta: [f64; 4]) -> Option<(f64, f64, f64)> {
        let times = TimeSlots::new(rows);
        let bound = LowerBound::new(rows, &times, c);
        let par = theta.map(f64::exp);
        let (f, _) = nll_part(rows, &times.rows, times.count, c, par, false)?;
        let crude = bound.crude(theta);
        let plain = bound.nll(theta, false);
        assert!(
            crude <= plain + 1e-9 * plain.abs().max(1.0),
            "{crude} > {plain}"
        );
        Some((-f, plain, bound.nll(theta, true)))
    }

    fn below(objective: f64, bound: f64) -> bool {
        bound <= objective + 1e-9 * objective.abs().max(1.0)
    }

    proptest! {
        // 96 cases by default; `PROPTEST_CASES=20000` for a long run.
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(96),
        ))]
        /// Anywhere in the optimiser's box, faces included, both bounds
        /// are at most the objective computed by the model's own series
        /// (and the crude bound at most the plain one).
        #[test]
        fn the_bound_is_below_the_objective(
            seed in 0u64..1000,
            theta in prop::array::uniform4(-30.0f64..30.0),
            face in 0usize..9,
        ) {
            let (rows, c) = prepared(&awkward(seed, 40));
            let mut theta = theta;
            if face < 8 {
                theta[face / 2] = if face % 2 == 0 { -30.0 } else { 30.0 };
            }
            if let Some((objective, plain, refined)) = at(&rows, c, theta) {
                prop_assert!(below(objective, plain), "{objective} < {plain} at {theta:?}");
                prop_assert!(below(objective, refined), "{objective} < {refined} at {theta:?}");
            }
        }
    }

    /// Where dropout vanishes (`s → 0`) the bound is the objective to
    /// `1e-6` (the dropout term it bounds is negligible), and at the CDNOW-like
    /// optimum it is loose but finite; the refined form is never looser.
    #[test]
    fn the_bound_is_tight_without_dropout() {
        // Without the heavy buyers: one with 500 purchases and a last one
        // before T makes the dropout term count even at `s = 1e-13`.
        let light: Vec<CustomerHistory> = awkward(7, 200)
            .into_iter()
            .filter(|h| h.x() < 200)
            .collect();
        let (rows, c) = prepared(&light);
        for theta in [[-0.6, -1.3, -30.0, -1.2], [0.5, 0.2, -30.0, 3.0]] {
            let (objective, plain, refined) = at(&rows, c, theta).unwrap();
            assert!(
                (objective - plain).abs() <= 1e-6 * objective.abs(),
                "{objective} vs {plain}"
            );
            assert!(refined >= plain - 1e-9 * plain.abs());
        }
        let (objective, plain, refined) = at(&rows, c, [-0.6, -1.3, -0.5, -1.2]).unwrap();
        assert!(plain.is_finite() && plain < objective);
        assert!(refined >= plain - 1e-9 * plain.abs() && refined <= objective);
    }

    /// The bound only saves work: without it (an L2 penalty of weight 0
    /// switches it off and changes nothing else) every fit takes the same
    /// path to the same answer, bit for bit.
    #[test]
    fn the_bound_leaves_every_fit_unchanged() {
        let mut populations: Vec<Vec<CustomerHistory>> =
            (1..=4).map(|seed| awkward(seed, 60)).collect();
        populations.push(awkward(11, 5));
        // The first 60 of seed 3 with every repeat buyer's last purchase
        // moved to T: nobody seems to drop out.
        populations.push(
            awkward(3, 60)
                .iter()
                .zip(0u64..)
                .map(|(h, i)| {
                    let t_x = if h.x() > 0 { h.age() } else { 0.0 };
                    CustomerHistory::new(CustomerId::new(i), h.x(), t_x, h.age()).unwrap()
                })
                .collect(),
        );
        for (i, population) in populations.iter().enumerate() {
            let with = ParetoNbd::new().fit_detailed(population);
            let without = ParetoNbd::new()
                .penalty(Penalty::L2 { lambda: 0.0 })
                .fit_detailed(population);
            match (with, without) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a.params(), b.params(), "population {i}");
                    assert_eq!(a.iterations(), b.iterations(), "population {i}");
                    assert_eq!(a.status(), b.status(), "population {i}");
                    assert!(rel(a.log_likelihood(), b.log_likelihood()) < 1e-9);
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "population {i}"),
                (a, b) => panic!("population {i}: {a:?} against {b:?}"),
            }
        }
    }

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }
}

/// The Pareto/NBD fitter: maximum likelihood over log-parameters by BFGS
/// with the analytic gradient, from all-ones on time-scaled data
/// ([spec](crate::btyd::spec#objective)).
///
/// Identical histories are grouped first (bit-identical `(x, t_x, T)`),
/// times are scaled by `c = 1/max T` and `α`, `β` are reported in the
/// data's unit. Python lifetimes starts this model at random values near
/// 1 and uses Nelder–Mead; this crate uses the deterministic start of its
/// other models \[L\]. Data with no more spread in purchase rates than a
/// Poisson process have no finite MLE (`r`, `α` grow without bound, so
/// `α ≫ β` and the `₂F₁` series reach their cap): such a fit ends with
/// [`Error::NotConverged`] after the iteration limit, which can take
/// seconds. As a [`Fit`] it returns the [`ParetoNbdParams`];
/// [`fit_detailed`](Self::fit_detailed) also returns standard errors and
/// the log-likelihood.
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Fit};
/// use customer_value::btyd::{CustomerHistory, ParetoNbd};
///
/// // (x, t_x, T) in weeks, and how many customers share each history.
/// let rows = [
///     (0, 0.0, 38.0, 140), (1, 10.0, 38.0, 25), (1, 30.0, 38.0, 20),
///     (2, 20.0, 37.0, 10), (2, 35.0, 37.0, 12), (3, 30.0, 36.0, 6),
///     (5, 35.0, 38.0, 5), (7, 36.0, 38.0, 4), (1, 2.0, 36.0, 8),
///     (2, 6.0, 38.0, 5), (4, 12.0, 37.0, 3), (12, 37.0, 38.0, 3),
///     (20, 36.5, 37.0, 2), (9, 15.0, 38.0, 2),
/// ];
/// let mut population = Vec::new();
/// for &(x, t_x, age, n) in &rows {
///     for _ in 0..n {
///         let id = CustomerId::new(population.len() as u64);
///         population.push(CustomerHistory::new(id, x, t_x, age)?);
///     }
/// }
/// let fit = ParetoNbd::new().fit_detailed(&population)?;
/// assert_eq!((fit.customers(), fit.rows()), (245.0, 14)); // identical rows grouped
/// assert!((fit.params().r() - 0.431).abs() < 1e-3);
/// assert!(fit.std_errors().is_some());
/// let params = ParetoNbd::new().fit(&population)?; // the `Fit` trait
/// assert_eq!(params, *fit.params());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParetoNbd {
    options: FitOptions,
    /// Whether the fit only matters when it ends inside (see
    /// [`interior_only`](Self::interior_only)).
    interior_only: bool,
}

impl Default for ParetoNbd {
    fn default() -> Self {
        Self::new()
    }
}

impl ParetoNbd {
    /// The fitter with the default [`FitOptions`] (at most 1000 BFGS
    /// iterations, no penalty).
    pub fn new() -> Self {
        Self {
            options: FitOptions::new(),
            interior_only: false,
        }
    }

    fit_options_builder!();

    /// A fitter for a fit that only matters when its maximum is interior
    /// (GGom/NBD's nested Pareto/NBD): it gives up, with an error, as soon
    /// as the optimiser heads out along one of the rays of
    /// [`PARETO_NBD_WATCHES`] instead of following it to its limit.
    pub(crate) fn interior_only(mut self) -> Self {
        self.interior_only = true;
        self
    }

    /// Fits on `population` with unit weights.
    ///
    /// # Errors
    ///
    /// As [`fit_weighted`](Self::fit_weighted).
    ///
    /// # Example
    ///
    /// See [`ParetoNbd`].
    pub fn fit_detailed(&self, population: &[CustomerHistory]) -> Result<ParetoNbdFit> {
        self.fit_inner(population, None)
    }

    /// Fits on `population`, customer `i` counting `weights[i]` times.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidParameter`] when `weights` has the wrong length or
    ///   holds a weight that is negative or not finite.
    /// - [`Error::InvalidParameter`] for a bad penalty or start in the
    ///   [`FitOptions`].
    /// - [`Error::EmptyInput`] when the total weight is 0.
    /// - [`Error::NotConverged`] with the best point reached when the
    ///   optimiser does not converge, unless the options keep unconverged
    ///   fits.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::{CustomerHistory, ParetoNbd};
    ///
    /// let rows = [
    ///     (0, 0.0, 38.0, 140.0), (1, 10.0, 38.0, 25.0), (1, 30.0, 38.0, 20.0),
    ///     (2, 20.0, 37.0, 10.0), (2, 35.0, 37.0, 12.0), (3, 30.0, 36.0, 6.0),
    ///     (5, 35.0, 38.0, 5.0), (7, 36.0, 38.0, 4.0), (1, 2.0, 36.0, 8.0),
    ///     (2, 6.0, 38.0, 5.0), (4, 12.0, 37.0, 3.0), (12, 37.0, 38.0, 3.0),
    ///     (20, 36.5, 37.0, 2.0), (9, 15.0, 38.0, 2.0),
    /// ];
    /// let (histories, weights): (Vec<_>, Vec<_>) = rows
    ///     .iter()
    ///     .map(|&(x, t_x, age, n)| (CustomerHistory::new(CustomerId::new(0), x, t_x, age), n))
    ///     .unzip();
    /// let histories = histories.into_iter().collect::<Result<Vec<_>, _>>()?;
    /// let fit = ParetoNbd::new().fit_weighted(&histories, &weights)?;
    /// assert_eq!(fit.customers(), 245.0);
    /// assert!((fit.log_likelihood() - -1101.48033).abs() < 1e-4);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn fit_weighted(
        &self,
        population: &[CustomerHistory],
        weights: &[f64],
    ) -> Result<ParetoNbdFit> {
        self.fit_inner(population, Some(weights))
    }

    fn fit_inner(
        &self,
        population: &[CustomerHistory],
        weights: Option<&[f64]>,
    ) -> Result<ParetoNbdFit> {
        const WHAT: &str = "Pareto/NBD fit";
        let mut rows = compress(population, weights, |h| Some((h.x(), h.t_x(), h.age())))?;
        // Rows sharing `(x, T)` next to each other share `K(T)`, and the
        // `x = 0` rows (all `t_x = 0`) share `K(0)`.
        rows.sort_by(|u, v| u.x.cmp(&v.x).then(u.b.total_cmp(&v.b)));
        let customers = total_weight(WHAT, &rows)?;
        let c = 1.0 / rows.iter().fold(0.0_f64, |m, r| m.max(r.b));
        identified(WHAT, &rows, customers)?;
        // Times scaled by c multiply each customer's density by c^−x.
        let purchases: f64 = rows.iter().map(|r| r.w * f64::from(r.x)).sum();
        let problem = Problem::new(WHAT, ParetoNbdParams::NAMES, customers)
            .time_scale(c, [false, true, false, true])
            .rays(PARETO_NBD_RAYS)
            .watch_rays(if self.interior_only {
                &[]
            } else {
                PARETO_NBD_WATCHES
            })
            .log_likelihood_shift(c.ln() * purchases)
            .damped_newton()
            .newton_handoff(NEWTON_HANDOFF);
        // The status check and the covariance take the same central
        // differences of the gradient at the optimum: the second set comes
        // from this memo of recent evaluations (the objective is a
        // deterministic function of θ, so a hit is the value it replaces).
        let recent = std::cell::RefCell::new(Recent::default());
        let times = TimeSlots::new(&rows);
        let bound = LowerBound::new(&rows, &times, c);
        // The closed-form lower bound of the objective is of the
        // unpenalised one: with a penalty neither use of it below holds.
        let bounded = matches!(self.options.get_penalty(), Penalty::None);
        // Until the boundary check starts, a trial point of a line search
        // whose bound is above the objective at the start (every BFGS
        // iterate is at most that, up to rounding) would be rejected by
        // the line search whatever its value: it is answered +∞ without
        // its series. The bound is only taken after a long step (a line
        // search's first trials), where it pays.
        let first = std::cell::Cell::new(bounded);
        let start = std::cell::Cell::new(None::<f64>);
        let last = std::cell::Cell::new(None::<[f64; 4]>);
        // The lowest objective value so far: the refined bound is only
        // worth its cost for a face the plain one does not rule out.
        let lowest = std::cell::Cell::new(f64::INFINITY);
        let face_bound = |th: &[f64; 4]| {
            first.set(false);
            let low = lowest.get();
            let enough = |b: f64| b > low + GATE_SLACK * low.abs().max(1.0) + 1.0;
            let crude = bound.crude(*th);
            if enough(crude) {
                return crude;
            }
            let plain = bound.nll(*th, false).max(crude);
            if enough(plain) {
                plain
            } else {
                plain.max(bound.nll(*th, true))
            }
        };
        // Whether the bound at θ is above `level`, the crude one first.
        let above =
            |th: &[f64; 4], level: f64| bound.crude(*th) > level || bound.nll(*th, false) > level;
        // The box faces are probed by value alone (about half the cost).
        let chunks = Chunks::new(&rows, &times);
        // An interior-only fit out along a watched ray: every evaluation
        // from then on is +∞, so the optimiser stops at once.
        let aborted = std::cell::Cell::new(false);
        let gives_up = |th: &[f64; 4]| {
            if self.interior_only && PARETO_NBD_WATCHES.iter().any(|w| w.reached(th)) {
                aborted.set(true);
            }
            aborted.get()
        };
        let fitted = std::thread::scope(|scope| {
            let halves = Halves::new(scope, &chunks);
            let value = |th: &[f64; 4]| {
                if gives_up(th) {
                    return f64::INFINITY;
                }
                first.set(false);
                let v = halves.eval(c, *th, None);
                lowest.set(lowest.get().min(v));
                v
            };
            let nll = |th: &[f64; 4], g: &mut [f64; 4]| {
                if gives_up(th) {
                    *g = [f64::NAN; 4];
                    return f64::INFINITY;
                }
                if let Some(v) = recent.borrow().get(th, g) {
                    return v;
                }
                if first.get()
                    && let (Some(f0), Some(prev)) = (start.get(), last.replace(Some(*th)))
                    && th
                        .iter()
                        .zip(&prev)
                        .any(|(u, v)| (u - v).abs() >= GATE_STEP)
                    && above(th, f0 + GATE_SLACK * f0.abs().max(1.0) + 1.0)
                {
                    *g = [f64::NAN; 4];
                    return f64::INFINITY;
                }
                last.set(Some(*th));
                let v = halves.eval(c, *th, Some(g));
                if start.get().is_none() && v.is_finite() {
                    start.set(Some(v));
                }
                lowest.set(lowest.get().min(v));
                recent.borrow_mut().put(th, v, g);
                v
            };
            let natural = |natural: &[f64; 4]| {
                if aborted.get() {
                    return f64::NAN;
                }
                -halves.eval(1.0, natural.map(f64::ln), Some(&mut [0.0; 4]))
            };
            let hessian = |th: &[f64; 4], g: &mut [f64; 4], h: &mut [[f64; 4]; 4]| {
                if gives_up(th) {
                    *g = [f64::NAN; 4];
                    return f64::INFINITY;
                }
                let v = halves.eval_hess(c, *th, g, h);
                lowest.set(lowest.get().min(v));
                v
            };
            if bounded {
                fit_log_params_curved_probed(
                    &problem,
                    &self.options,
                    nll,
                    &value,
                    Curvature {
                        hessian: &hessian,
                        hint: match self.options.get_start() {
                            None => subsample_start(&rows, c),
                            Some(_) => None,
                        },
                        face_bound: Some(&face_bound),
                    },
                    natural,
                )
            } else {
                fit_log_params_probed(&problem, &self.options, nll, &value, natural)
            }
        })?;
        FitReport::from_fitted(WHAT, fitted, customers, rows.len())
    }
}

/// From this many distinct rows on, [`ParetoNbd`] starts Newton's method
/// from a fit on a subsample ([`subsample_start`]).
const SUBSAMPLE_FROM: usize = 512;

/// Rows the subsample of [`subsample_start`] keeps, at least.
const SUBSAMPLE_ROWS: usize = 128;

/// The gradient level at which the subsample's BFGS hands over to
/// Newton's method ([`NEWTON_HANDOFF`] for the whole fit).
const SUBSAMPLE_HANDOFF: f64 = 3e-2;

/// A start near the maximum for a fit of [`SUBSAMPLE_FROM`] rows or more:
/// the minimum on every `k`-th of the fit's rows (sorted by `x`, then `T`),
/// `k = ⌊rows / 128⌋`, time scale `c`, by BFGS from all ones handing over
/// to Newton's method with the analytic Hessian ([`newton_damped`]): some
/// 128 to 255 rows, whose maximum lies within sampling error of the full
/// data's, where the damped Newton steps on all rows take a few
/// iterations. On CDNOW (1,016 rows) the whole fit then costs about half
/// the instructions of BFGS on all rows. `None` for fewer rows, where the
/// subsample's fit fails, or where it runs far out (a boundary is the full
/// fit's business).
fn subsample_start(rows: &[Row], c: f64) -> Option<[f64; 4]> {
    if rows.len() < SUBSAMPLE_FROM {
        return None;
    }
    let k = rows.len() / SUBSAMPLE_ROWS;
    let sample: Vec<Row> = rows.iter().step_by(k).copied().collect();
    let times = TimeSlots::new(&sample);
    let chunks = Chunks::new(&sample, &times);
    let min = std::thread::scope(|scope| {
        let halves = Halves::new(scope, &chunks);
        // At most SUBSAMPLE_EVALUATIONS evaluations: a subsample fit that
        // needs more is on its way to a boundary (the full fit's business).
        let spent = std::cell::Cell::new(0_usize);
        let over = || {
            spent.set(spent.get() + 1);
            spent.get() > SUBSAMPLE_EVALUATIONS
        };
        let hessian = |th: &[f64; 4], g: &mut [f64; 4], h: &mut [[f64; 4]; 4]| {
            if over() {
                *g = [f64::NAN; 4];
                return f64::INFINITY;
            }
            halves.eval_hess(c, *th, g, h)
        };
        // Where the Hessian is not available at the hand-over point (`K`
        // outside the series' region), the Newton steps on all rows would
        // not be either: the subsample's fit stops there.
        let abandoned = std::cell::Cell::new(false);
        let mut finish = |at: &Minimum<4>| {
            let (mut g, mut h) = ([0.0; 4], [[0.0; 4]; 4]);
            if !hessian(&at.theta, &mut g, &mut h).is_finite() {
                abandoned.set(true);
                return None;
            }
            newton_damped(&hessian, at.theta, SUBSAMPLE_NEWTON).map(|(m, _)| m)
        };
        bfgs_handoff(
            |th: &[f64; 4], g: &mut [f64; 4]| {
                if abandoned.get() || over() {
                    *g = [f64::NAN; 4];
                    return f64::INFINITY;
                }
                halves.eval(c, *th, Some(g))
            },
            [0.0; 4],
            200,
            1e-8,
            None,
            Some((SUBSAMPLE_HANDOFF, &mut finish)),
        )
        .ok()
    })?;
    min.theta
        .iter()
        .all(|t| t.abs() < 20.0)
        .then_some(min.theta)
}

/// Most Newton iterations on the subsample of [`subsample_start`].
const SUBSAMPLE_NEWTON: usize = 30;

/// Most evaluations (with gradient, or with gradient and Hessian) of the
/// subsample fit of [`subsample_start`]; on CDNOW it takes about 30.
const SUBSAMPLE_EVALUATIONS: usize = 50;

/// The gradient level (relative to the objective, as in BFGS's stop rule)
/// at which the fit hands over from BFGS to Newton's method with the
/// analytic Hessian.
const NEWTON_HANDOFF: f64 = 1e-2;

/// A step (max-norm in `θ`) from the previous evaluation from which the
/// fit compares the objective's lower bound with its start value before
/// evaluating it: the first trials of a line search move by up to 5.
const GATE_STEP: f64 = 1.0;

/// Relative slack of that comparison: far above the rounding of the
/// objective and the `1e-12` relative rises the line search accepts.
const GATE_SLACK: f64 = 1e-6;

/// The status check and the covariance take the same central differences
/// of the gradient at the optimum: the second set comes from this memo.
type Recent = RecentEvaluations<4>;

impl Fit for ParetoNbd {
    type Input = CustomerHistory;
    type Fitted = ParetoNbdParams;

    /// Fits with unit weights and returns the parameters; see
    /// [`ParetoNbd::fit_weighted`] for the errors.
    fn fit(&self, population: &[CustomerHistory]) -> Result<ParetoNbdParams> {
        Ok(self.fit_detailed(population)?.into_params())
    }
}

/// What a Pareto/NBD fit found: the shared [`FitReport`] over `(r, α, s,
/// β)`, `α` and `β` in the data's time unit. `β` is poorly determined on
/// CDNOW (standard error about 6 on 11.7).
pub type ParetoNbdFit = FitReport<ParetoNbdParams, 4>;

impl Scorer for ParetoNbdParams {
    type Input = CustomerHistory;
    type Score = f64;

    /// [`ParetoNbdParams::p_alive`].
    ///
    /// # Errors
    ///
    /// As [`ParetoNbdParams::p_alive`].
    fn score(&self, input: &CustomerHistory) -> Result<f64> {
        self.p_alive(input)
    }
}

/// A [`Scorer`] of [`CustomerHistory`] giving [`P(alive)`](ParetoNbdParams::p_alive),
/// the [expected purchases](ParetoNbdParams::expected_purchases) over a
/// fixed horizon and, with a discount rate, [DERT](ParetoNbdParams::dert).
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Scorer};
/// use customer_value::btyd::{CustomerHistory, ParetoNbdParams, ParetoNbdPredictor};
///
/// let params = ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908)?;
/// let predictor = ParetoNbdPredictor::new(params, 52.0)?
///     .with_discount_rate(1.15f64.ln() / 52.0)?;
/// let s = predictor.score(&CustomerHistory::new(CustomerId::new(1), 26, 30.85714, 31.0)?)?;
/// assert!((s.expected_purchases() / 25.45541697 - 1.0).abs() < 1e-9);
/// assert!((s.p_alive() / 0.9978734133 - 1.0).abs() < 1e-9);
/// assert!((s.dert().unwrap() / 86.26042738 - 1.0).abs() < 1e-9);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        try_from = "ParetoNbdPredictorRecord",
        into = "ParetoNbdPredictorRecord"
    )
)]
pub struct ParetoNbdPredictor {
    params: ParetoNbdParams,
    horizon: f64,
    discount_rate: Option<f64>,
}

impl ParetoNbdPredictor {
    /// A predictor over `horizon` time units (the unit of `α`), without
    /// DERT.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `horizon` is not finite and ≥ 0.
    ///
    /// # Example
    ///
    /// See [`ParetoNbdPredictor`].
    pub fn new(params: ParetoNbdParams, horizon: f64) -> Result<Self> {
        check_horizon(horizon)?;
        Ok(Self {
            params,
            horizon,
            discount_rate: None,
        })
    }

    /// Also computes [DERT](ParetoNbdParams::dert) at the continuous
    /// discount rate `delta` per time unit.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `delta` is not finite and > 0.
    ///
    /// # Example
    ///
    /// See [`ParetoNbdPredictor`].
    pub fn with_discount_rate(mut self, delta: f64) -> Result<Self> {
        check_delta(delta)?;
        self.discount_rate = Some(delta);
        Ok(self)
    }

    /// The parameters.
    pub fn params(&self) -> &ParetoNbdParams {
        &self.params
    }
    /// The horizon `t`.
    pub fn horizon(&self) -> f64 {
        self.horizon
    }
    /// The continuous discount rate `δ` for DERT, if set.
    pub fn discount_rate(&self) -> Option<f64> {
        self.discount_rate
    }
}

/// One customer's Pareto/NBD prediction.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ParetoNbdScore {
    p_alive: f64,
    expected_purchases: f64,
    dert: Option<f64>,
}

impl ParetoNbdScore {
    /// `P(alive | x, t_x, T)`, in `[0, 1]`.
    pub fn p_alive(&self) -> f64 {
        self.p_alive
    }
    /// `E[Y(t) | x, t_x, T]` over the predictor's horizon, ≥ 0.
    pub fn expected_purchases(&self) -> f64 {
        self.expected_purchases
    }
    /// DERT at the predictor's discount rate, ≥ 0; `None` without one.
    pub fn dert(&self) -> Option<f64> {
        self.dert
    }
}

impl Scorer for ParetoNbdPredictor {
    type Input = CustomerHistory;
    type Score = ParetoNbdScore;

    /// # Errors
    ///
    /// As [`ParetoNbdParams::expected_purchases`] and
    /// [`ParetoNbdParams::dert`].
    fn score(&self, input: &CustomerHistory) -> Result<ParetoNbdScore> {
        let p = &self.params;
        let p_alive = p.p_alive(input)?;
        let expected_purchases = p.expected_given_alive(p_alive, input, self.horizon);
        let dert = match self.discount_rate {
            Some(delta) => Some(p.dert_given_alive(p_alive, input, delta)?),
            None => None,
        };
        Ok(ParetoNbdScore {
            p_alive,
            expected_purchases,
            dert,
        })
    }

    /// Scores in bulk on all cores; the scores are bit-identical to
    /// [`score`](Scorer::score)'s.
    fn score_into(&self, inputs: &[CustomerHistory], out: &mut Vec<ParetoNbdScore>) -> Result<()> {
        par_map_into(inputs, out, |h| self.score(h))
    }
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct ParetoNbdRecord {
    r: f64,
    alpha: f64,
    s: f64,
    beta: f64,
}

#[cfg(feature = "serde")]
impl From<ParetoNbdParams> for ParetoNbdRecord {
    fn from(p: ParetoNbdParams) -> Self {
        Self {
            r: p.r,
            alpha: p.alpha,
            s: p.s,
            beta: p.beta,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<ParetoNbdRecord> for ParetoNbdParams {
    type Error = Error;
    fn try_from(p: ParetoNbdRecord) -> Result<Self> {
        Self::new(p.r, p.alpha, p.s, p.beta)
    }
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct ParetoNbdPredictorRecord {
    params: ParetoNbdParams,
    horizon: f64,
    #[serde(default)]
    discount_rate: Option<f64>,
}

#[cfg(feature = "serde")]
impl From<ParetoNbdPredictor> for ParetoNbdPredictorRecord {
    fn from(p: ParetoNbdPredictor) -> Self {
        Self {
            params: p.params,
            horizon: p.horizon,
            discount_rate: p.discount_rate,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<ParetoNbdPredictorRecord> for ParetoNbdPredictor {
    type Error = Error;
    fn try_from(p: ParetoNbdPredictorRecord) -> Result<Self> {
        let out = Self::new(p.params, p.horizon)?;
        match p.discount_rate {
            Some(d) => out.with_discount_rate(d),
            None => Ok(out),
        }
    }
}

#[cfg(test)]
// Reference values keep all the digits their source printed.
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;
    use crate::CustomerId;

    fn hist(x: u32, t_x: f64, age: f64) -> CustomerHistory {
        CustomerHistory::new(CustomerId::new(1), x, t_x, age).unwrap()
    }

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    fn printed() -> ParetoNbdParams {
        ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908).unwrap()
    }

    #[test]
    fn params_validate() {
        assert!(ParetoNbdParams::new(1.0, 1.0, 1.0, 1.0).is_ok());
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                ParetoNbdParams::new(bad, 1.0, 1.0, 1.0),
                Err(Error::InvalidParameter { name: "r", .. })
            ));
            assert!(matches!(
                ParetoNbdParams::new(1.0, bad, 1.0, 1.0),
                Err(Error::InvalidParameter { name: "alpha", .. })
            ));
            assert!(matches!(
                ParetoNbdParams::new(1.0, 1.0, bad, 1.0),
                Err(Error::InvalidParameter { name: "s", .. })
            ));
            assert!(matches!(
                ParetoNbdParams::new(1.0, 1.0, 1.0, bad),
                Err(Error::InvalidParameter { name: "beta", .. })
            ));
        }
        assert!(ParetoNbdPredictor::new(printed(), -1.0).is_err());
        assert!(ParetoNbdPredictor::new(printed(), f64::NAN).is_err());
        let p = ParetoNbdPredictor::new(printed(), 1.0).unwrap();
        assert!(p.with_discount_rate(0.0).is_err());
        assert!(p.with_discount_rate(f64::INFINITY).is_err());
        assert!(printed().dert(&hist(0, 0.0, 1.0), -0.1).is_err());
    }

    #[test]
    fn reference_values() {
        let p = printed();
        assert!(rel(p.expected_purchases_new(52.0).unwrap(), 1.473440871) < 1e-9);
        let c = hist(26, 30.85714, 31.0);
        assert!(rel(p.expected_purchases(&c, 52.0).unwrap(), 25.45541697) < 1e-9);
        assert!(rel(p.p_alive(&c).unwrap(), 0.9978734133) < 1e-9);
        for (x, want) in [
            (10, 0.7059069110),
            (15, 0.1441540725),
            (20, 0.02249056648),
            (25, 0.003090110583),
        ] {
            let got = p.expected_purchases(&hist(x, 20.0, 39.0), 52.0).unwrap();
            assert!(rel(got, want) < 1e-9, "{x}: {got}");
        }
        let new = hist(0, 0.0, 39.0);
        assert!(rel(p.p_alive(&new).unwrap(), 0.2942780277) < 1e-9);
        assert!(rel(p.log_likelihood(&new).unwrap(), -0.5216626139) < 1e-9);
        let delta = 1.15f64.ln() / 52.0;
        for (h, want) in [
            (new, 0.4760945286),
            (hist(2, 30.43, 38.86), 6.500203199),
            (c, 86.26042738),
        ] {
            assert!(rel(p.dert(&h, delta).unwrap(), want) < 1e-9, "{h:?}");
        }
        assert!(rel(g_s(0.606213, 0.1356).unwrap(), 0.3889867909) < 1e-9);
        assert!(rel(g_s(2.5, 1.0).unwrap(), 0.3438295415) < 1e-9);
    }

    #[test]
    fn g_s_branches_agree() {
        // Power series vs continued fraction on either side of z = 0.25.
        for &s in &[0.3, 0.606213, 1.5, 2.7] {
            for &z in &[0.05, 0.2, 0.249] {
                let series = g_s(s, z).unwrap();
                // Force the continued fraction through an integer-adjacent
                // path is not possible for these s; compare with quadrature.
                let n = 200_000;
                let upper = 60.0;
                let hstep = upper / n as f64;
                let f = |u: f64| (-u).exp() * (1.0 + u / z).powf(-s);
                let mut quad = f(0.0) + f(upper);
                for i in 1..n {
                    let u = i as f64 * hstep;
                    quad += if i % 2 == 1 { 4.0 } else { 2.0 } * f(u);
                }
                quad *= hstep / 3.0;
                assert!(rel(series, quad) < 1e-8, "{s} {z}: {series} {quad}");
            }
        }
        // s = 1 exactly goes to the continued fraction at small z.
        let v = g_s(1.0, 0.1).unwrap();
        assert!(v > 0.0 && v < 1.0);
        // Too small a z near an integer s: error, not a wrong number.
        assert!(matches!(g_s(2.0, 1e-9), Err(Error::InvalidValue { .. })));
    }

    #[test]
    fn purchase_probabilities() {
        let p = printed();
        for (n, want) in [
            (0, 0.5935329111),
            (1, 0.1655847606),
            (5, 0.0214918762),
            (20, 2.580128071e-4),
        ] {
            let got = p.prob_purchases(39.0, n).unwrap();
            assert!(rel(got, want) < 1e-8, "{n}: {got}");
        }
        let total: f64 = (0..400).map(|n| p.prob_purchases(39.0, n).unwrap()).sum();
        assert!((total - 1.0).abs() < 1e-12, "{total}");
        assert_eq!(p.prob_purchases(0.0, 0), Ok(1.0));
        assert_eq!(p.prob_purchases(0.0, 2), Ok(0.0));
        assert!(p.prob_purchases(-1.0, 2).is_err());
        // α > β branch sums to 1 as well.
        let q = ParetoNbdParams::new(0.8, 12.0, 0.5, 3.0).unwrap();
        let total: f64 = (0..400).map(|n| q.prob_purchases(20.0, n).unwrap()).sum();
        assert!((total - 1.0).abs() < 1e-12, "{total}");
    }

    #[test]
    fn heavy_buyers_and_edges() {
        let p = ParetoNbdParams::new(0.55, 10.58, 0.61, 11.67).unwrap();
        for (x, want) in [(132, 6.2060517889629323), (133, 6.2528722475744973)] {
            let h = hist(x, 200.0, 200.0);
            assert_eq!(p.p_alive(&h).unwrap(), 1.0);
            let got = p.expected_purchases(&h, 10.0).unwrap();
            assert!(rel(got, want) < 1e-12, "{x}: {got}");
        }
        let ll = printed().log_likelihood(&hist(1000, 10.0, 100.0)).unwrap();
        assert!(rel(ll, 2876.159769) < 1e-9, "{ll}");
        // Far-apart α and β with t_x > 0 and x large stay finite.
        let q = ParetoNbdParams::new(2.0, 0.5, 1.5, 40.0).unwrap();
        let h = hist(132, 5.0, 39.0);
        assert!(q.log_likelihood(&h).unwrap().is_finite());
        let pa = q.p_alive(&h).unwrap();
        assert!((0.0..=1.0).contains(&pa));
        // Far beyond the series' reach (z = 1 − 1e-6): the likelihood's split
        // form answers, and P(alive) integrates over the death time (mpmath,
        // 40 digits, from the definition: benches/peers/mpmath_reference.py).
        let far = ParetoNbdParams::new(0.5, 1e-6, 0.5, 1e3).unwrap();
        assert!(far.log_likelihood(&hist(3, 1e-3, 1.0)).unwrap().is_finite());
        let pa = far.p_alive(&hist(3, 1e-3, 1.0)).unwrap();
        assert!(rel(pa, 1.584_050_195_003_149_3e-4) < 1e-12, "{pa}");
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let cases = [(0, 0.0, 1.0), (2, 0.5, 0.9), (7, 0.8, 0.8), (40, 0.3, 1.0)];
        for par in [[0.6, 0.3, 0.7, 0.35], [0.6, 0.5, 1.3, 0.1]] {
            let p = ParetoNbdParams::new(par[0], par[1], par[2], par[3]).unwrap();
            for &(x, t_x, age) in &cases {
                let h = hist(x, t_x, age);
                let g = p.log_likelihood_gradient(&h).unwrap();
                for i in 0..4 {
                    let step = 1e-6_f64;
                    let (mut up, mut dn) = (par, par);
                    up[i] *= step.exp();
                    dn[i] *= (-step).exp();
                    let f = |q: [f64; 4]| {
                        ParetoNbdParams::new(q[0], q[1], q[2], q[3])
                            .unwrap()
                            .log_likelihood(&h)
                            .unwrap()
                    };
                    let fd = (f(up) - f(dn)) / (2.0 * step);
                    assert!(
                        (fd - g[i]).abs() < 1e-6 * (1.0 + g[i].abs()),
                        "{par:?} {x} {i}: {fd} {}",
                        g[i]
                    );
                }
            }
        }
    }

    #[test]
    fn empty_fit_is_an_error() {
        assert!(ParetoNbd::new().fit_detailed(&[]).is_err());
        let h = [hist(1, 1.0, 2.0)];
        assert!(ParetoNbd::new().fit_weighted(&h, &[0.0]).is_err());
        assert!(ParetoNbd::new().fit_weighted(&h, &[1.0, 2.0]).is_err());
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_validates() {
        let json = serde_json::to_string(&printed()).unwrap();
        assert_eq!(
            serde_json::from_str::<ParetoNbdParams>(&json).unwrap(),
            printed()
        );
        assert!(
            serde_json::from_str::<ParetoNbdParams>(r#"{"r":1,"alpha":1,"s":-1,"beta":1}"#)
                .is_err()
        );
        let pred = ParetoNbdPredictor::new(printed(), 52.0)
            .unwrap()
            .with_discount_rate(0.01)
            .unwrap();
        let json = serde_json::to_string(&pred).unwrap();
        assert_eq!(
            serde_json::from_str::<ParetoNbdPredictor>(&json).unwrap(),
            pred
        );
    }

    /// `ln K̃` and its derivatives by one form.
    fn k_at(p: f64, q: f64, al: f64, be: f64, y: f64, split: bool) -> KTerms {
        let logs = Logs {
            l1a: (y / al).ln_1p(),
            l1b: (y / be).ln_1p(),
            ln_a: al.ln(),
            ln_b: be.ln(),
            ln_c1: (p + q - 1.0).ln(),
            pm1: p - 1.0,
            qm1: q - 1.0,
        };
        if split {
            k_split(p, q, al, be, y, true, logs)
                .unwrap_or_else(|| panic!("split {p} {q} {al} {be} {y}"))
        } else {
            k_series(p, q, al, be, y, true, logs).unwrap()
        }
    }

    #[test]
    fn split_form_of_k_matches_the_long_series() {
        // z from 0.95 to 0.9999 on both sides (α > β and α < β), where the
        // series still converges within its cap.
        for &(p, q, al, be, y) in &[
            (1.3, 1.05, 20.0, 0.4, 0.3),
            (0.2, 1.5, 400.0, 0.01, 1.0),
            (7.0, 2.5, 3000.0, 0.2, 0.0),
            (1.05, 0.6, 0.3, 90.0, 1.0),
            (0.4, 3.0, 0.01, 500.0, 2.0),
            (12.0, 1.0001, 1e4, 0.5, 0.5),
        ] {
            let a = k_at(p, q, al, be, y, false);
            let b = k_at(p, q, al, be, y, true);
            let close = |u: f64, v: f64| (u - v).abs() <= 1e-11 * (1.0 + u.abs());
            assert!(
                close(a.ln_k, b.ln_k),
                "{p} {q} {al} {be} {y}: {} vs {}",
                a.ln_k,
                b.ln_k
            );
            for (u, v) in [(a.dp, b.dp), (a.dq, b.dq), (a.da, b.da), (a.db, b.db)] {
                assert!(
                    (u - v).abs() <= 1e-9 * (1.0 + u.abs()),
                    "{p} {q} {al} {be}: {u} vs {v}"
                );
            }
        }
    }

    #[test]
    fn split_form_gradient_matches_central_differences() {
        for &(p, q, al, be, y) in &[(3.0, 1.2, 1e6, 0.7, 0.4), (0.9, 40.0, 0.02, 3e5, 1.0)] {
            let k = k_at(p, q, al, be, y, true);
            let f = |d: [f64; 4]| {
                let [p, q, al, be] = d;
                k_at(p, q, al, be, y, true).ln_k
            };
            let base = [p, q, al, be];
            let an = [k.dp, k.dq, k.da, k.db];
            for i in 0..4 {
                let step = 1e-5 * base[i];
                let (mut up, mut dn) = (base, base);
                up[i] += step;
                dn[i] -= step;
                let fd = (f(up) - f(dn)) / (2.0 * step);
                assert!(
                    (fd - an[i]).abs() <= 1e-5 * (an[i].abs() + 1e-3 / base[i]),
                    "{i}: {fd} vs {}",
                    an[i]
                );
            }
        }
    }

    #[test]
    fn k_reference_values_where_the_series_would_take_millions_of_terms() {
        // 40-digit mpmath 2F1 for ∫_y^∞ (α+τ)^{-p} (β+τ)^{-q} dτ
        // (benches/peers/pareto_k_reference.py).
        for &(p, q, al, be, y, want) in K_REFERENCE {
            // ln K = ln K̃ − p ln α − q ln β.
            let ln_k = k_at(p, q, al, be, y, true).ln_k - p * al.ln() - q * be.ln();
            assert!(
                (ln_k - want).abs() <= 1e-12 * want.abs() + 1e-10,
                "{p} {q} {al} {be} {y}: {ln_k} vs {want}"
            );
        }
    }

    /// `ln K̃` with its gradient by [`k_terms_with`] and, where it answers,
    /// by [`k_transformed`] alone, against 40-digit mpmath (`hyp2f1` for the
    /// value, `diff` of it for the gradient; benches/peers/pareto_k_reference.py)
    /// at points where `z ≥ 0.75`: the region the 103k-days fit visits
    /// (scaled times, `α ≪ β`, `x` up to 150), mirrored points (`α > β`)
    /// and `P` near 1 and 2, where the transformation refuses and another
    /// form answers. Each gradient is also checked against central
    /// differences of the transformed value.
    #[test]
    fn k_transformed_matches_40_digit_references() {
        let mut transformed = 0;
        for &(p, q, al, be, y, want, gp, gq, ga, gb) in TRANSFORM_REFERENCE {
            let logs = |p: f64, q: f64, al: f64, be: f64| Logs {
                l1a: (y / al).ln_1p(),
                l1b: (y / be).ln_1p(),
                ln_a: al.ln(),
                ln_b: be.ln(),
                ln_c1: (p + q - 1.0).ln(),
                pm1: p - 1.0,
                qm1: q - 1.0,
            };
            let base = [p, q, al, be];
            let reference = [gp, gq, ga, gb];
            let check = |k: KTerms, how: &str| {
                // ln K = ln K̃ − p ln α − q ln β.
                let ln_k = k.ln_k - p * al.ln() - q * be.ln();
                assert!(
                    (ln_k - want).abs() <= 1e-13 * (1.0 + want.abs()),
                    "{how} {p} {q} {al} {be} {y}: {ln_k} vs {want}"
                );
                // Each derivative times its parameter (the gradient the fit
                // sees, in log-parameters) to 1e-10.
                for (i, an) in [k.dp, k.dq, k.da, k.db].into_iter().enumerate() {
                    let tol = 1e-10 * (reference[i].abs() * base[i] + 1.0);
                    assert!(
                        (an - reference[i]).abs() * base[i] <= tol,
                        "{how} {p} {q} {al} {be} {y} [{i}]: {an} vs {}",
                        reference[i]
                    );
                }
            };
            let k = k_terms_with(p, q, al, be, y, true, logs(p, q, al, be)).unwrap();
            check(k, "any form");
            let Some(t) = k_transformed(p, q, al, be, y, true, logs(p, q, al, be)) else {
                continue;
            };
            transformed += 1;
            check(t, "transformed");
            let f = |d: [f64; 4]| {
                let [p, q, al, be] = d;
                k_transformed(p, q, al, be, y, false, logs(p, q, al, be))
                    .unwrap()
                    .ln_k
            };
            let an = [t.dp, t.dq, t.da, t.db];
            for i in 0..4 {
                let step = 1e-5 * base[i];
                let (mut up, mut dn) = (base, base);
                up[i] += step;
                dn[i] -= step;
                let fd = (f(up) - f(dn)) / (2.0 * step);
                assert!(
                    (fd - an[i]).abs() * base[i] <= 1e-6 * (an[i].abs() * base[i] + 1.0),
                    "{p} {q} {al} {be} {y} [{i}]: {fd} vs {}",
                    an[i]
                );
            }
        }
        // Every point but those with P within 0.03 of 1 or 2.
        assert!(transformed >= 36, "{transformed}");
    }

    /// `(p, q, α, β, y, ln K, ∂ln K̃/∂(p, q, α, β))` at 40 digits from
    /// benches/peers/pareto_k_reference.py, `z ≥ 0.75`.
    #[allow(clippy::type_complexity)]
    const TRANSFORM_REFERENCE: &[(f64, f64, f64, f64, f64, f64, f64, f64, f64, f64)] = &[
        (
            20.518812,
            1.461417,
            0.000109656,
            0.332283,
            0.0,
            176.61443509870179972,
            -0.051231220064197457133,
            -0.000017819289065193827722,
            9119.1905511648914138,
            0.000078369707335953430942,
        ),
        (
            150.0575632,
            1.226212,
            0.000472861,
            2.47299,
            0.0,
            1135.1758170756690101,
            -0.0067088068813180866849,
            -1.2914549970616893397e-6,
            2114.7830258880394504,
            6.4035663541313264855e-7,
        ),
        (
            20.590927,
            1.347935,
            0.0170466,
            0.146358,
            0.00198043,
            77.205145008708455047,
            -0.1604661032043806365,
            -0.020222040949731905188,
            177.80622353283033466,
            0.18414564390266634728,
        ),
        (
            2.0861837,
            5.34256,
            0.0599338,
            0.00452221,
            0.00101599,
            26.879873136667275492,
            -0.040990780374786388859,
            -0.41876305228609599524,
            1.383828534353297334,
            388.45039626759663145,
        ),
        (
            2.0948651,
            5.35048,
            0.00043991,
            0.0569404,
            0.0,
            23.603446967920597511,
            -0.75743194611252007977,
            -0.014675074762685912238,
            2100.7482316605996061,
            1.3322675184962804532,
        ),
        (
            0.444206,
            1.0996199,
            0.00339587,
            0.231371,
            0.0,
            1.7497337454853985466,
            -4.6635630726343917111,
            -1.4124170755833505298,
            122.17000417313949821,
            2.5289537060762186391,
        ),
        (
            0.423556,
            1.171011,
            0.000655583,
            0.746964,
            0.0,
            1.0806016557363573192,
            -7.0742522903269346538,
            -1.2481860157289701091,
            636.21129782471219238,
            0.78037320237411946313,
        ),
        (
            7.357042,
            1.226515,
            0.465368,
            0.000401483,
            0.0,
            8.4224827760938700473,
            -0.018184950170284385109,
            -1.9588055958089282271,
            0.27203639163184327113,
            2175.4419701433743125,
        ),
        (
            3.429664,
            1.548516,
            0.00421758,
            0.0646533,
            0.00678348,
            14.029994084832524088,
            -1.309520536399481384,
            -0.17285413891866961053,
            582.91979557927686395,
            3.7228165994433894956,
        ),
        (
            7.0871712,
            1.597453,
            0.00209997,
            0.0985783,
            0.00562128,
            31.390520646243719048,
            -1.4620891572689484216,
            -0.069328285852699862774,
            2583.7021745924542881,
            1.083428897262251228,
        ),
        (
            1.48996,
            1.376814,
            0.000149718,
            0.209257,
            0.00181244,
            5.7281934353798938885,
            -3.9989464425696116196,
            -0.084333060817933161426,
            9658.5745657081647299,
            0.46085575128388573583,
        ),
        (
            20.0884435,
            2.77081,
            0.203837,
            0.0309163,
            0.00275575,
            35.970991679856727268,
            -0.04435767931475611245,
            -0.25148876130662780321,
            4.2278687052024097717,
            19.15876034229493754,
        ),
        (
            151.49214,
            1.0560758,
            0.000206108,
            0.168191,
            0.0279375,
            534.02781560450019517,
            -4.9233133395858091372,
            -0.15462779948641331524,
            729666.06134469359786,
            0.89956859289367580141,
        ),
        (
            1.90187,
            1.782459,
            0.00306274,
            2.80607,
            0.0,
            3.4702338357048240097,
            -1.0621170858716727248,
            -0.0066351802960232630919,
            322.87667991723879483,
            0.0039602281305441615143,
        ),
        (
            1.776844,
            1.263596,
            0.00120614,
            1.25345,
            0.0863904,
            1.5318265492948648009,
            -5.1690233615930707123,
            -0.20238240536545390251,
            1462.7004407259407641,
            0.16939373160926735695,
        ),
        (
            20.0516115,
            1.828926,
            1.77149,
            0.022983,
            0.0128285,
            -9.3021361245490605017,
            -0.024870174471462907053,
            -0.96848572114894110564,
            0.27535797345851769788,
            46.765374531042083237,
        ),
        (
            1.30728,
            1.248301,
            0.000938056,
            0.283929,
            0.00213282,
            4.1568000008659123962,
            -2.9090118688304077531,
            -0.13742838097759021526,
            1253.6350945532369241,
            0.46118965709909305682,
        ),
        (
            150.860811,
            1.517642,
            0.000514645,
            0.304988,
            0.00380401,
            812.73734473081892489,
            -2.1338938486589186755,
            -0.012489440582392592047,
            258434.83860143383983,
            0.061761835138400666572,
        ),
        (
            152.04154,
            1.7470430000000001,
            0.000168491,
            0.455857,
            0.0,
            1308.6986631985370291,
            -0.006620666524423918395,
            -2.4633923908368953332e-6,
            5935.0095634677224124,
            9.4407714700064742503e-6,
        ),
        (
            22.59656,
            2.3812800000000003,
            1.60536,
            0.000150228,
            0.0263703,
            -6.7415712877895400247,
            -0.027597951837002980321,
            -5.6154519108064347302,
            0.3816909041694336819,
            15789.534532331208813,
        ),
        (
            0.720044,
            2.51305,
            0.00443811,
            0.158848,
            0.0,
            4.5003162846786670557,
            -1.8821469128602440926,
            -0.24970526709696045971,
            119.16749411047820719,
            2.9658639247163675837,
        ),
        (
            0.487317,
            1.1376330000000001,
            0.0102446,
            2.45611,
            0.00211709,
            0.3644998073355150112,
            -5.3751001369048927126,
            -1.1331188218027403126,
            45.689335391855691089,
            0.21840509723972714312,
        ),
        (
            8.1417,
            3.7508,
            0.00595573,
            0.533579,
            0.00115372,
            35.699159653108132924,
            -0.31579591477705582887,
            -0.0042953592682108543803,
            361.3764457587315799,
            0.030107770701653668707,
        ),
        (
            1.188838,
            2.75549,
            1.26621,
            0.000207443,
            0.0817899,
            3.4029476996403388827,
            -0.11603792809756943914,
            -6.4918214456869384808,
            0.10022800601705732927,
            13260.998443512673965,
        ),
        (
            9.17078,
            1.0750558,
            0.00153287,
            1.84229,
            0.00126286,
            45.283027406286053336,
            -0.72330711624314772009,
            -0.00089661539827999795138,
            3060.0773837139653135,
            0.0005229621021423035055,
        ),
        (
            20.67005,
            5.44923,
            0.0138643,
            0.218496,
            0.0,
            89.447936195102965674,
            -0.049874557326889243046,
            -0.003319053432098547326,
            70.827702161018933427,
            0.082488873613179344947,
        ),
        (
            2.0984559,
            1.0628137,
            0.000299933,
            0.676402,
            0.0,
            9.2299572312309249616,
            -0.90336779346906665175,
            -0.0020034748222276986317,
            3327.2716524242785878,
            0.0030180742715557324589,
        ),
        (
            20.2528,
            1.0715241,
            0.374305,
            0.0112196,
            0.00193227,
            19.799207341156917183,
            -0.035948282004566892582,
            -0.70154909256361455722,
            1.8801625626188879678,
            44.229781588824663794,
        ),
        (
            9.35711,
            3.85953,
            0.00029323,
            1.83284,
            0.176292,
            9.6306697524889065263,
            -6.5145339006023636066,
            -0.10298791795014882517,
            31862.91287236520513,
            0.20593037935551760662,
        ),
        (
            20.692013,
            5.33998,
            0.00117605,
            1.39606,
            0.177359,
            28.49653412764825675,
            -5.071754603616741749,
            -0.12542372529720948055,
            17484.030118188131231,
            0.45082144043041742307,
        ),
        (
            3.602257,
            1.0528945,
            0.000267043,
            0.799646,
            0.0668395,
            6.179876576171906568,
            -5.8880881412930122353,
            -0.12067282311614812241,
            13450.050432043173371,
            0.14791050852368790995,
        ),
        (
            1.13229,
            1.71268,
            0.121993,
            0.00119465,
            0.0,
            7.4344257610695341261,
            -0.052951358267038392853,
            -1.172603437878231153,
            0.41664142815337601855,
            794.5194510988868628,
        ),
        (
            7.981015,
            1.222783,
            0.00192776,
            1.25546,
            0.0,
            41.41939953296291303,
            -0.14319322129930801547,
            -0.00025653736560202115573,
            518.57409998606601084,
            0.00024978335499452099051,
        ),
        (
            2.13742,
            1.296229,
            0.00295819,
            0.572719,
            0.0,
            7.1962286016569727758,
            -0.83687082088711949776,
            -0.014307656963340376767,
            332.16713110017865021,
            0.030357844686072165084,
        ),
        (
            0.0511307,
            3.37744,
            0.00709015,
            1.15784,
            0.0,
            -1.1605974958291474776,
            -3.8484890064075166413,
            -0.395582650775416675,
            6.8005635586745211918,
            0.82203325527228620558,
        ),
        (
            20.0530862,
            2.49812,
            0.281127,
            0.000311533,
            0.0830847,
            22.085196327306113768,
            -0.29460126257386121701,
            -5.7304009177013932935,
            18.166874966838688987,
            7992.5589044235261141,
        ),
        (
            1.004,
            1.7,
            0.004,
            0.3,
            0.01,
            2.931966098509445528,
            -2.8290114580709513594,
            -0.30424456958285212832,
            227.06021635112164193,
            1.251043992745043993,
        ),
        (
            0.985,
            1.2,
            0.002,
            0.5,
            0.0,
            2.4423104471792942347,
            -2.9441057553179913264,
            -0.24825650680236249893,
            403.51445458460338661,
            0.38594218166158641995,
        ),
        (
            2.02,
            1.5,
            0.003,
            0.2,
            0.05,
            4.6562232956170375961,
            -3.4642602126341107796,
            -0.41484889348527265874,
            649.7039965488296456,
            2.4294193983147801463,
        ),
        (
            1.97,
            3.0,
            0.01,
            1.0,
            0.0,
            4.400846391392941374,
            -0.85536959485035663911,
            -0.024505280798723659499,
            93.090209042542797361,
            0.069097909574572007007,
        ),
        (
            0.4,
            1.01,
            0.8,
            0.001,
            0.0,
            2.2705704713992885915,
            -0.78889661024646077374,
            -4.7339137452053604893,
            0.13825687347504743335,
            889.39450121996202867,
        ),
        (
            1.3,
            1.0003,
            2.0,
            0.004,
            0.02,
            0.49528423029133904651,
            -0.27642426921669046166,
            -4.130760652532526281,
            0.12108470579695795026,
            240.41287059542269399,
        ),
    ];

    /// `(p, q, α, β, y, ln K)` from benches/peers/pareto_k_reference.py.
    const K_REFERENCE: &[(f64, f64, f64, f64, f64, f64)] = &[
        (2000000.0, 1.5, 1000000.0, 3.0, 0.0, -27631023.657740002681),
        (2000003.0, 1.5, 1000000.0, 3.0, 4.0, -27631074.27061838539),
        (
            2000000040.0,
            1.5,
            1000000000.0,
            3.0,
            9.5,
            -41446532526.361465433,
        ),
        (
            2.5,
            1.000000001,
            10000000000.0,
            0.5,
            1.0,
            -54.504043456585055802,
        ),
        (1.2, 4.0, 0.001, 100000000.0, 0.0, -70.70127589266635445),
        (
            0.3,
            2.0,
            0.05,
            1000000000000.0,
            0.25,
            -35.767635015784954068,
        ),
    ];

    /// `K̃` in the Poisson regime (`p ≥ 1e12`) against its definition
    /// integrated with 40-digit mpmath (`quad` of
    /// `exp(−p·log1p(τ/α) − q·log1p(τ/β))` over `(y, ∞)`), on both branches
    /// of `F` (continued fraction, and quadrature at `ζ ≈ 0.003`); the
    /// gradient against central differences of the value.
    #[test]
    fn k_in_the_poisson_regime_matches_its_definition() {
        let cases: [(f64, f64, f64, f64, f64, f64); 5] = [
            (2e12, 1.5, 1e12, 3.0, 0.0, -0.893_893_374_876_031_715_277),
            (
                5e12,
                1.000_000_1,
                1e13,
                0.3,
                0.7,
                -1.634_195_860_771_459_934_816,
            ),
            (
                1e13,
                88.0,
                1.2e12,
                286.0,
                0.4,
                -5.612_781_460_841_193_597_773,
            ),
            (1.5e12, 1.3, 1e14, 0.01, 0.2, -4.574_746_222_919_063_387_445),
            (3e12, 3e12, 1e12, 1e12, 1.0, -7.791_759_469_223_888_334_146),
        ];
        check_k_cases(&cases, 0, |_| 1e-11);
    }

    /// `K̃` in the common-dropout regime (`q = s + 1 ≥ 1e12`, `β` huge,
    /// `p` below and above 1) against its definition integrated with
    /// 40-digit mpmath `quad` (benches/peers/pareto_k_reference.py), on both
    /// branches of `F` (continued fraction at `ζ ≈ 4` and `3`, quadrature at
    /// `ζ ≈ 0.004`); the gradient against central differences of the value.
    #[test]
    fn k_in_the_common_dropout_regime_matches_its_definition() {
        let cases: [(f64, f64, f64, f64, f64, f64); 4] = [
            (
                0.0124,
                10_686_000_000_001.0,
                0.165,
                2.966e12,
                0.95,
                -4.730_650_017_785_705_341_98,
            ),
            (0.3, 2e12, 0.01, 1e14, 0.2, 1.593_813_290_188_268_994_73),
            (5.5, 1.5e12, 2.0, 3e12, 4.0, -8.318_359_101_155_260_774_62),
            (
                1.000_000_001,
                4e12,
                1e-3,
                1e12,
                0.0,
                -5.304_723_069_886_078_079_25,
            ),
        ];
        check_k_cases(&cases, 1, |want| 1e-11 * want.abs().max(1.0));
    }

    /// `ln K̃` of each `(p, q, α, β, y, ln K̃)` case within `tol(ln K̃)`,
    /// and its gradient in the log-parameters against central differences
    /// (step 1e-5), except the derivative in parameter `limit` (0: `p`, 1:
    /// `q`) where a step would cross the closed form's threshold.
    fn check_k_cases(
        cases: &[(f64, f64, f64, f64, f64, f64)],
        limit: usize,
        tol: impl Fn(f64) -> f64,
    ) {
        let at = |p: f64, q: f64, al: f64, be: f64, y: f64| {
            let memo = Memo {
                ln_al: al.ln(),
                ln_be: be.ln(),
                pm1: p - 1.0,
                qm1: q - 1.0,
                ..Memo::default()
            };
            let logs = Logs::new((y / al).ln_1p(), (y / be).ln_1p(), &memo);
            k_terms_with(p, q, al, be, y, true, logs).unwrap()
        };
        for &(p, q, al, be, y, want) in cases {
            let k = at(p, q, al, be, y);
            assert!(
                (k.ln_k - want).abs() < tol(want),
                "{p} {q}: {} vs {want}",
                k.ln_k
            );
            // Central differences in ln of each parameter, step 1e-5.
            let hstep: f64 = 1e-5;
            let fd = |i: usize| {
                let mut v = [p, q, al, be];
                let mut w = v;
                v[i] *= (hstep).exp();
                w[i] *= (-hstep).exp();
                (at(v[0], v[1], v[2], v[3], y).ln_k - at(w[0], w[1], w[2], w[3], y).ln_k)
                    / (2.0 * hstep)
            };
            let analytic = [k.dp * p, k.dq * q, k.da * al, k.db * be];
            let crossing = [p, q][limit] * (1.0 - hstep) < P_POISSON;
            for (i, &want_d) in analytic.iter().enumerate() {
                if i == limit && crossing {
                    continue;
                }
                let f = fd(i);
                assert!(
                    (f - want_d).abs() <= 1e-6 * (1.0 + f.abs()),
                    "{p} {q} {al} {be} {y}: d{i} {want_d} vs {f}"
                );
            }
        }
    }

    /// `ln F(q, ζ)` of the Poisson limit ([`k_poisson`]) by value alone
    /// (the convergents' recurrence) against 40-digit mpmath
    /// (benches/peers/pareto_k_reference.py, `F_CASES`), and against the
    /// value of the Lentz form with derivatives.
    #[test]
    fn poisson_factor_by_value_alone_matches_references() {
        const F_REFERENCE: &[(f64, f64, f64)] = &[
            (1.6, 0.6, -1.017_612_223_142_276_237_424),
            (1.6, 2.5, -0.418_701_800_872_064_352_156_4),
            (1.000_000_1, 0.3, -1.003_045_818_136_897_415_154),
            (3.0, 1.0, -1.210_079_139_561_990_920_282),
            (24.0, 0.6, -3.673_193_902_813_976_258_183),
            (2.5, 20.0, -0.113_186_978_604_381_504_250_7),
            (1.3, 1000.0, -0.001_297_861_683_024_927_888_181),
            (88.0, 4.0, -3.125_052_940_333_212_533_445),
        ];
        for &(q, zeta, want) in F_REFERENCE {
            let v = ln_f_fraction_value(q, zeta).unwrap();
            assert!(
                (v - want).abs() <= 1e-13 * want.abs().max(1.0),
                "{q} {zeta}: {v}"
            );
            let (with_grad, _, _) = ln_f_poisson(q, zeta, true).unwrap();
            assert!(
                (v - with_grad).abs() <= 1e-13 * want.abs().max(1.0),
                "{q} {zeta}"
            );
            let (alone, dq, dz) = ln_f_poisson(q, zeta, false).unwrap();
            assert_eq!((alone, dq, dz), (v, 0.0, 0.0));
        }
        // Beyond 400 steps (ζ → 0): no answer from the fraction, and the
        // quadrature of `ln_f_poisson` answers instead, as with derivatives.
        assert_eq!(ln_f_fraction_value(1.6, 1e-4), None);
        let (alone, _, _) = ln_f_poisson(1.6, 1e-4, false).unwrap();
        let (with_grad, _, _) = ln_f_poisson(1.6, 1e-4, true).unwrap();
        assert!((alone - with_grad).abs() <= 1e-13 * with_grad.abs().max(1.0));
    }

    /// `ln K̃` without derivatives (the fit's face probes) equals `ln K̃`
    /// with them on every branch of [`k_terms_with`]: the plain series, the
    /// transformation to `1 − z`, the split form, and the Poisson and
    /// common-dropout limits.
    #[test]
    fn k_by_value_alone_equals_k_with_derivatives() {
        let cases: &[(f64, f64, f64, f64, f64)] = &[
            (0.55, 1.6, 0.27, 0.3, 0.5),   // series, z small
            (3.5, 1.6, 0.01, 0.9, 0.2),    // series, z near 0.95
            (1.7, 2.4, 1e-3, 1.0, 0.0),    // transformed
            (1.003, 1.6, 1e-3, 1.0, 0.01), // P near 1: split or series
            (0.55, 1.6, 1e13, 0.3, 0.5),   // α huge
            (2e13, 1.6, 1e13, 0.3, 0.5),   // Poisson limit
            (5.5, 1.5e12, 2.0, 3e12, 4.0), // common dropout
            (2e13, 1.6, 6e12, 0.3, 0.0),   // Poisson, small ζ
        ];
        for &(p, q, al, be, y) in cases {
            let memo = Memo {
                ln_al: al.ln(),
                ln_be: be.ln(),
                ln_c1: (p + q - 1.0).ln(),
                pm1: p - 1.0,
                qm1: q - 1.0,
                ..Memo::default()
            };
            let logs = Logs::new((y / al).ln_1p(), (y / be).ln_1p(), &memo);
            let with = k_terms_with(p, q, al, be, y, true, logs).unwrap();
            let alone = k_terms_with(p, q, al, be, y, false, logs).unwrap();
            assert!(
                (with.ln_k - alone.ln_k).abs() <= 1e-13 * with.ln_k.abs().max(1.0),
                "{p} {q} {al} {be} {y}: {} vs {}",
                with.ln_k,
                alone.ln_k
            );
        }
    }

    #[test]
    fn likelihood_at_the_poisson_limit_is_fast_and_finite() {
        // r, α → ∞ with r/α = 2: z = 1 − O(1e-10).
        let start = std::time::Instant::now();
        for e in [1e6, 1e9, 1e12] {
            let p = ParetoNbdParams::new(2.0 * e, e, 0.5, 3.0).unwrap();
            for &(x, t_x, age) in &[(0, 0.0, 10.0), (3, 4.0, 10.0), (40, 9.5, 10.0)] {
                let ll = p.log_likelihood(&hist(x, t_x, age)).unwrap();
                assert!(ll.is_finite(), "{e} {x}");
            }
        }
        assert!(start.elapsed().as_millis() < 200);
    }
}

#[cfg(test)]
#[allow(clippy::excessive_precision)]
mod far_apart {
    use super::*;
    use crate::CustomerId;

    /// β/α = 10⁵ at t_x = 0, beyond the likelihood series' term cap;
    /// references: the definition integrated over the death time with
    /// 40-digit mpmath (benches/peers/mpmath_reference.py, pareto_palive).
    #[test]
    fn p_alive_answers_when_alpha_and_beta_are_far_apart() {
        let p = ParetoNbdParams::new(0.5, 0.01, 0.8, 1000.0).unwrap();
        for &(x, t_x, want) in &[
            (0, 0.0, 0.954_740_703_736_840_967_571_274_393_245),
            (3, 10.0, 0.877_527_556_492_996_090_650_293_910_170),
        ] {
            let h = CustomerHistory::new(CustomerId::new(1), x, t_x, 30.0).unwrap();
            let v = p.p_alive(&h).unwrap();
            assert!(((v - want) / want).abs() < 1e-12, "{x}: {v} vs {want}");
        }
        // The quadrature agrees with the series where both work (CDNOW MLE).
        let p = ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908).unwrap();
        let h = CustomerHistory::new(CustomerId::new(1), 26, 30.85714, 31.0).unwrap();
        let q = expit(-p.ln_dead_odds(&h).unwrap());
        let want = 0.997_873_413_336_406_543_233_476_052_872_981;
        assert!(((q - want) / want).abs() < 1e-13, "{q}");
        assert!(((p.p_alive(&h).unwrap() - want) / want).abs() < 1e-13);
    }
}

#[cfg(test)]
// Reference values keep all the digits their source printed.
#[allow(clippy::excessive_precision)]
mod pmf_by_death_time {
    use super::*;
    use proptest::prelude::*;

    /// The series part of `prob_purchases`, forced (no quadrature switch).
    fn by_series(p: &ParetoNbdParams, t: f64, n: u32) -> f64 {
        let (r, al, s, be) = (p.r, p.alpha, p.s, p.beta);
        let nf = f64::from(n);
        let ln_coef = dlgamma(r, nf) - ln_gamma_f(nf + 1.0);
        let first = ln_coef - r * (t / al).ln_1p() - nf * (al / t).ln_1p() - s * (t / be).ln_1p();
        let dead = p.ln_dead_purchases_by_death_time(t, nf, ln_coef).unwrap();
        first.exp() + dead.exp()
    }

    /// Where the series is cheap, both forms agree (the series is what the
    /// published CDNOW figures check).
    #[test]
    fn cdnow_probabilities_agree_with_the_series() {
        let p = ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908).unwrap();
        for (t, n, want) in [
            (39.0, 0, 0.593_532_911_073_453_905_834_144_669_169_58),
            (39.0, 1, 0.165_584_760_601_830_660_996_751_132_999_5),
            (39.0, 2, 0.082_503_981_889_570_777_381_806_881_191_07),
        ] {
            let q = by_series(&p, t, n);
            assert!(((q - want) / want).abs() < 1e-12, "{n}: {q} vs {want}");
        }
    }

    /// β/α = 10⁶ and a long horizon: thousands of series terms, answered
    /// by the integral at once; the pmf still sums to 1 with mean E[X(t)].
    #[test]
    fn far_apart_rates_answer_quickly_and_sum_to_one() {
        let p = ParetoNbdParams::new(20.0, 1.0, 5.0, 1e4).unwrap();
        let start = std::time::Instant::now();
        let pmf: Vec<f64> = (0..=2000)
            .map(|n| p.prob_purchases(20.0, n).unwrap())
            .collect();
        let total: f64 = pmf.iter().sum();
        let mean: f64 = pmf.iter().enumerate().map(|(n, q)| n as f64 * q).sum();
        let want = p.expected_purchases_new(20.0).unwrap();
        assert!((total - 1.0).abs() < 1e-10, "{total}");
        assert!(((mean - want) / want).abs() < 1e-9, "{mean} vs {want}");
        assert!(start.elapsed().as_secs_f64() < 5.0, "{:?}", start.elapsed());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn series_and_integral_agree(
            lr in -2.0f64..2.0, la in -2.0f64..2.0, ls in -2.0f64..2.0, lb in -2.0f64..2.0,
            lt in -1.0f64..2.0, n in 0u32..40,
        ) {
            let p = ParetoNbdParams::new(10f64.powf(lr), 10f64.powf(la), 10f64.powf(ls), 10f64.powf(lb)).unwrap();
            let t = 10f64.powf(lt);
            let kappa = 1.0 - p.alpha.min(p.beta) / p.alpha.max(p.beta);
            prop_assume!(kappa < 0.9 && t <= 100.0 * p.alpha.min(p.beta));
            let series = p.prob_purchases(t, n).unwrap();
            let integral = by_series(&p, t, n);
            prop_assume!(series > 1e-250);
            prop_assert!(((integral - series) / series).abs() < 1e-10, "{series} vs {integral}");
        }
    }
}

impl ParetoNbdParams {
    /// `P(alive)` and the gradient of the log-likelihood `ℓ` in the natural
    /// parameters `(r, α, s, β)` from one evaluation, for the delta-method
    /// intervals' analytic gradient of `E[Y(t)]` (`btyd::gradients`);
    /// `None` past the series' term cap (the caller then differentiates
    /// numerically) or where a value is not finite.
    pub(crate) fn p_alive_and_ll_gradient(
        &self,
        history: &CustomerHistory,
    ) -> Option<(f64, [f64; 4])> {
        let mut g = [0.0; 4];
        let e = self.eval(history, Some(&mut g))?;
        let p = expit(e.d1 - e.d2);
        (p.is_finite() && g.iter().all(|d| d.is_finite())).then_some((p, g))
    }
}

#[cfg(test)]
mod transformed_against_quadrature {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Wherever the `1 − z` transformation answers (`z ≥ 0.9`), it
        /// agrees with the split form (adaptive Gauss–Kronrod quadrature of
        /// the integral plus the series at `z = ½`), value and gradient, on
        /// both orientations (`α < β` and `α > β`).
        #[test]
        fn transformation_and_quadrature_agree(
            lp in -1.3f64..2.5, s in 0.01f64..5.0, la in -4.0f64..-1.3, lb in -1.3f64..0.5,
            ly in -4.0f64..-1.0, zero_y in any::<bool>(), mirrored in any::<bool>(),
        ) {
            let (p, q) = (10f64.powf(lp), s + 1.0);
            let (small, big) = (10f64.powf(la), 10f64.powf(lb));
            let (al, be) = if mirrored { (big, small) } else { (small, big) };
            let y = if zero_y { 0.0 } else { 10f64.powf(ly) };
            prop_assume!((big - small) / (big + y) >= Z_TRANSFORM_MIN);
            let logs = Logs {
                l1a: (y / al).ln_1p(),
                l1b: (y / be).ln_1p(),
                ln_a: al.ln(),
                ln_b: be.ln(),
                ln_c1: (p + q - 1.0).ln(),
                pm1: p - 1.0,
                qm1: q - 1.0,
            };
            let t = k_transformed(p, q, al, be, y, true, logs);
            prop_assume!(t.is_some());
            let t = t.unwrap();
            let k = k_split(p, q, al, be, y, true, logs).unwrap();
            prop_assert!(
                (t.ln_k - k.ln_k).abs() <= 1e-11 * (1.0 + k.ln_k.abs()),
                "{} vs {}", t.ln_k, k.ln_k
            );
            let base = [p, q, al, be];
            for (i, (u, v)) in [(t.dp, k.dp), (t.dq, k.dq), (t.da, k.da), (t.db, k.db)]
                .into_iter()
                .enumerate()
            {
                prop_assert!(
                    (u - v).abs() * base[i] <= 1e-8 * (v.abs() * base[i] + 1.0),
                    "[{i}] {u} vs {v}"
                );
            }
        }
    }
}

/// Room for the terms of [`ParetoNbdParams::prob_purchases_recurrence`]:
/// at most [`SERIES_PMF_TERMS`] rounded up, and one more.
const RECURRENCE_TERMS: usize = SERIES_PMF_TERMS as usize + 2;

impl ParetoNbdParams {
    /// [`expected_purchases`](Self::expected_purchases) from a P(alive)
    /// already computed for `history` (bit for bit when `p_alive` is
    /// [`p_alive`](Self::p_alive)'s).
    pub(crate) fn expected_purchases_given_alive(
        &self,
        p_alive: f64,
        history: &CustomerHistory,
        t: f64,
    ) -> Result<f64> {
        check_horizon(t)?;
        Ok(self.expected_given_alive(p_alive, history, t))
    }

    /// [`prob_purchases`](Self::prob_purchases) to about `1e-14` relative,
    /// with the series' incomplete beta functions from one `₂F₁` and a
    /// recurrence instead of one `₂F₁` series per term \[D\]: with
    /// `B_w(a, b) = w^a (1−w)^b/a · F_a`, `F_a = ₂F₁(1, a+b; a+1; w)`,
    /// DLMF 8.17.20 (`I_w(a, b) − I_w(a+1, b) = w^a (1−w)^b/(a B(a, b))`)
    /// reads
    ///
    /// ```text
    /// F_a = 1 + w·(a+b)/(a+1)·F_{a+1}
    /// ```
    ///
    /// a sum of positive terms, so running it downwards from the last
    /// term's `F` (one series) loses nothing (each step shrinks the
    /// relative error of `F_{a+1}`). The series' terms `(e)_j κ^j/j!` come
    /// from their ratios. The terms are taken up to the crate's own
    /// estimate of the series' length, `e·κ/(1−κ) + 45/(−ln κ)`; where the
    /// last of them is not below `1e-17` of the sum, where a value
    /// leaves `f64`'s range, and wherever [`prob_purchases`](Self::prob_purchases)
    /// integrates over the death time instead, this is that function.
    /// Timing convention as [`prob_purchases`](Self::prob_purchases).
    pub(crate) fn prob_purchases_recurrence(&self, t: f64, n: u32) -> Result<f64> {
        check_horizon(t)?;
        if t == 0.0 {
            return Ok(if n == 0 { 1.0 } else { 0.0 });
        }
        let (r, al, s, be) = (self.r, self.alpha, self.s, self.beta);
        let nf = f64::from(n);
        let PmfSeries {
            ln_rho,
            e,
            kappa,
            m,
            terms,
        } = self.pmf_series(n);
        if !pmf_series_applies(terms, t, m, n) {
            return self.prob_purchases(t, n);
        }
        let ln_coef = dlgamma(r, nf) - ln_gamma_f(nf + 1.0);
        let first = ln_coef - r * (t / al).ln_1p() - nf * (al / t).ln_1p() - s * (t / be).ln_1p();
        let ln_w = -(m / t).ln_1p();
        let ln_1mw = -(t / m).ln_1p();
        let w = ln_w.exp();
        let b = r + s;
        let last = if kappa > 0.0 {
            terms.ceil() as usize + 1
        } else {
            0
        };
        let a0 = nf + 1.0;
        // F at the last term, then downwards.
        let top = a0 + last as f64;
        let (ln_top, _) = ln_hyp2f1(1.0, top + b, top + 1.0, w)?;
        if !(ln_top < 600.0) {
            return self.prob_purchases(t, n);
        }
        let mut f = [0.0; RECURRENCE_TERMS];
        let f = &mut f[..=last];
        f[last] = ln_top.exp();
        for j in (0..last).rev() {
            let a = a0 + j as f64;
            f[j] = 1.0 + w * (a + b) / (a + 1.0) * f[j + 1];
        }
        // Σ_j (e)_j (κw)^j / j! · F_{a_j} / a_j, relative to w^{a0}(1−w)^b.
        let kw = kappa * w;
        let mut c = 1.0;
        let mut sum = f[0] / a0;
        let mut tail = sum;
        for (j, fj) in f.iter().enumerate().skip(1) {
            let jf = j as f64;
            c *= (e + jf - 1.0) / jf * kw;
            tail = c * fj / (a0 + jf);
            sum += tail;
        }
        if !(sum.is_finite() && sum > 0.0) || (last > 0 && tail > 1e-17 * sum) {
            return self.prob_purchases(t, n);
        }
        let total = a0 * ln_w + b * ln_1mw + sum.ln();
        let second = s.ln() + ln_rho + ln_coef + total;
        finite_probability(first.exp() + second.exp())
    }
}

/// The shape of [`ParetoNbdParams::prob_purchases`]'s series in the
/// dropout-time variable, shared by its recurrence form so that both
/// switch to the death-time integral at the same points.
struct PmfSeries {
    /// `ln ρ`, the series' prefactor.
    ln_rho: f64,
    /// The Pochhammer base `e` of the terms `(e)_j κ^j / j!`.
    e: f64,
    /// The series' ratio `κ = 1 − min(α, β)/max(α, β)`.
    kappa: f64,
    /// `min(α, β)`.
    m: f64,
    /// About how many terms the series needs: `e·κ/(1−κ) + 45/(−ln κ)`.
    terms: f64,
}

impl ParetoNbdParams {
    fn pmf_series(&self, n: u32) -> PmfSeries {
        let (r, al, s, be) = (self.r, self.alpha, self.s, self.beta);
        let nf = f64::from(n);
        let (ln_rho, e, kappa, m) = if al <= be {
            ((al / be).ln(), s + 1.0, 1.0 - al / be, al)
        } else {
            (nf * (be / al).ln(), r + nf, 1.0 - be / al, be)
        };
        let terms = if kappa > 0.0 {
            e * kappa / (1.0 - kappa) + 45.0 / -kappa.ln()
        } else {
            1.0
        };
        PmfSeries {
            ln_rho,
            e,
            kappa,
            m,
            terms,
        }
    }
}

/// Whether the series is the way to `P(X(t) = n)`: it needs about `terms`
/// terms, each a `2F1` whose own series slows as `t/m` grows and loses
/// digits as `n` grows; past any of these the integral over the death
/// time is the bounded-cost, accurate form.
fn pmf_series_applies(terms: f64, t: f64, m: f64, n: u32) -> bool {
    terms <= SERIES_PMF_TERMS && t <= SERIES_PMF_SPAN * m && n <= SERIES_PMF_COUNT
}

impl ParetoNbdParams {
    /// `ln K̃_{r+x, s+1}(y)`, the term of P(alive)'s second part at time
    /// `y` for purchase count `x`, by the arithmetic of the rows' memo
    /// (so that [`crate::btyd::ParetoNbdBulk`]'s tables of it give
    /// [`p_alive`](Self::p_alive) bit for bit): `l1a = ln(1 + y/α)`,
    /// `l1b = ln(1 + y/β)`, `ln_c1 = ln(r + x + s)`. `None` where no form
    /// of `K` converges (P(alive) then integrates over the death time).
    pub(crate) fn alive_ln_k(&self, x: f64, ln_c1: f64, y: f64, l1a: f64, l1b: f64) -> Option<f64> {
        let logs = Logs {
            l1a,
            l1b,
            ln_a: self.alpha.ln(),
            ln_b: self.beta.ln(),
            ln_c1,
            pm1: self.r + (x - 1.0),
            qm1: self.s,
        };
        k_terms_with(
            self.r + x,
            self.s + 1.0,
            self.alpha,
            self.beta,
            y,
            false,
            logs,
        )
        .map(|k| k.ln_k)
    }

    /// `D2` of P(alive) for purchase count `x` from `ln K̃` at `t_x` and `T`
    /// ([`alive_ln_k`](Self::alive_ln_k)), by the arithmetic of the rows'
    /// memo: `ln s − ln β + ln J̃` with `J̃ = K̃(t_x) − K̃(T)` taken as one
    /// integral where the two `ln K̃` are within [`J_DIRECT_BELOW`], else
    /// from their difference; `−∞` when `t_x = T`.
    pub(crate) fn alive_d2(
        &self,
        x: f64,
        (ln_k1, ln_k2): (f64, f64),
        (t_x, big_t): (f64, f64),
        ln_s: f64,
        ln_be: f64,
    ) -> f64 {
        let d = ln_k2 - ln_k1;
        if d > -J_DIRECT_BELOW
            && let Some((ln_j, _, _)) = j_direct(
                self.r + x,
                self.s + 1.0,
                self.alpha,
                self.beta,
                t_x,
                big_t,
                0,
            )
        {
            return ln_s - ln_be + ln_j;
        }
        if d < 0.0 {
            let one_m = -d.exp_m1();
            let l1m = if d > -std::f64::consts::LN_2 {
                one_m.ln()
            } else {
                (-d.exp()).ln_1p()
            };
            ln_s - ln_be + ln_k1 + l1m
        } else {
            f64::NEG_INFINITY
        }
    }
}

/// One history's log-likelihood, gradient and Hessian against 40-digit
/// references computed by quadrature of the death-time integral
/// (`benches/peers/pareto_row_reference.py`, `tests/data/pareto_nbd_rows.csv`)
/// on awkward points: `r + s` down to `1e-12` with the `K` forms switching
/// between `t_x` and `T`, `α ≈ β`, `z` on both sides of 0.9 and 0.95, heavy
/// buyers, `t_x = T`, `t_x = 0`, `β = 1e8`.
#[cfg(test)]
pub(crate) mod row_reference {
    use super::*;
    use crate::CustomerId;

    /// One reference row: `(r, α, s, β)`, `(x, t_x, T)`, `ℓ`, its gradient
    /// in `(ln r, ln α, ln s, ln β)` and the upper triangle of its Hessian
    /// in `(r, α, s, β)`.
    pub(crate) struct Reference {
        pub par: [f64; 4],
        pub x: u32,
        pub t_x: f64,
        pub big_t: f64,
        pub ll: f64,
        pub grad: [f64; 4],
        pub hess: [[f64; 4]; 4],
    }

    pub(crate) fn references() -> Vec<Reference> {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/pareto_nbd_rows.csv");
        let text = std::fs::read_to_string(&path).expect("tests/data/pareto_nbd_rows.csv");
        text.lines()
            .skip(1)
            .map(|line| {
                let v: Vec<f64> = line.split(',').map(|c| c.parse().unwrap()).collect();
                assert_eq!(v.len(), 22, "{line}");
                // Upper triangle row by row: entry (i, j), j ≥ i, at
                // 12 + 4i − i(i−1)/2 + (j − i).
                let at = |i: usize, j: usize| {
                    let (i, j) = (i.min(j), i.max(j));
                    v[12 + 4 * i - i * (i.saturating_sub(1)) / 2 + (j - i)]
                };
                let hess: [[f64; 4]; 4] =
                    std::array::from_fn(|i| std::array::from_fn(|j| at(i, j)));
                Reference {
                    par: [v[0], v[1], v[2], v[3]],
                    x: v[4] as u32,
                    t_x: v[5],
                    big_t: v[6],
                    ll: v[7],
                    grad: [v[8], v[9], v[10], v[11]],
                    hess,
                }
            })
            .collect()
    }

    /// `|a − b| / |b|`, or the absolute error where `|b|` is below `floor`.
    pub(crate) fn err(a: f64, b: f64, floor: f64) -> f64 {
        (a - b).abs() / b.abs().max(floor)
    }

    /// `ℓ` within `1e-9` relative (absolute below `|ℓ| = 1e-3`), each
    /// gradient component within `1e-9` relative or of `1e-3` times the
    /// largest component: at `x = 0` with `r + s` below `1e-9`,
    /// `∂ℓ/∂ln s` is a sum of `O(1e-2)` terms that cancel to
    /// `O(1e-20)`, which no evaluation in doubles resolves.
    #[test]
    fn log_likelihood_and_gradient_match_40_digit_references() {
        let mut worst = (0.0_f64, 0.0_f64);
        for c in references().iter() {
            let [r, al, s, be] = c.par;
            let p = ParetoNbdParams::new(r, al, s, be).unwrap();
            let h = CustomerHistory::new(CustomerId::new(1), c.x, c.t_x, c.big_t).unwrap();
            let ll = p.log_likelihood(&h).unwrap();
            let g = p.log_likelihood_gradient(&h).unwrap();
            let e = err(ll, c.ll, 1e-3);
            let scale = c.grad.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
            let eg = (0..4)
                .map(|i| err(g[i], c.grad[i], 1e-3 * scale))
                .fold(0.0, f64::max);
            worst = (worst.0.max(e), worst.1.max(eg));
        }
        assert!(worst.0 < 1e-9 && worst.1 < 1e-9, "{worst:?}");
    }
}
