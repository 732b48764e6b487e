//! Distribution forecasts: the conditional probability of each purchase
//! count in a future window, DECT, and the posterior mean rates.
//!
//! # The conditional pmf as a mixture
//!
//! Every model here is "alive or dead at the end of calibration, and if
//! alive, a fresh customer with updated parameters" \[D\]. Conditioning on
//! being alive at `T` multiplies the prior by the likelihood of the
//! calibration purchases *and* of having survived to `T`; for the gamma and
//! beta mixing distributions that is conjugate, and the future of a live
//! customer is memoryless, so:
//!
//! ```text
//! P(X(T, T+t) = n | x, t_x, T) = P(alive | x, t_x, T) · P_new(X(t) = n; updated)
//!                               + (1 − P(alive | x, t_x, T)) · 1{n = 0}
//! BG/NBD      updated = (r + x, α + T, a, b + x)          (x coin flips survived)
//! MBG/NBD     updated = (r + x, α + T, a, b + x + 1)      (x + 1 flips, BG/NBD dynamics after T)
//! Pareto/NBD  updated = (r + x, α + T, s, β + T)          (exponential lifetime is memoryless)
//! ```
//!
//! GGom/NBD (Bemmaor & Glady 2012) is not memoryless: a customer alive at
//! `T` has `λ ~ Gamma(r + x, α + T)` and the residual Gompertz lifetime
//! with survivor `S_T(u) = ((β + e^{bT} − 1)/(β + e^{b(T+u)} − 1))^s` and
//! density `f_T(u) = −S_T'(u)`; his count in `(T, T+t]` is NBD over the
//! time he is alive in the window, `min(τ, t)`:
//!
//! ```text
//! P_alive(n) = S_T(t) · NB(n; t) + ∫_0^t f_T(u) · NB(n; u) du
//! NB(n; u)   = Γ(r+x+n)/(Γ(r+x) n!) · ((α+T)/(α+T+u))^{r+x} · (u/(α+T+u))^n
//! ```
//!
//! (the definition CLVTools' GGom/NBD conditional pmf computes, by
//! quadrature here), whose mean is `(r+x)/(α+T) · ∫_0^t S_T(u) du`, the
//! CET given alive.
//!
//! where `P_new` is the model's own unconditional count distribution of a
//! new customer (BG/NBD: Fader, Hardie & Lee 2005a eq. 8; Pareto/NBD:
//! Schmittlein, Morrison & Colombo 1987, summed here as positive series).
//! Its mean is exactly the conditional expectation of FHL 2005a eq. 10
//! (BG/NBD), of Fader & Hardie's note 009 (Pareto/NBD) and of Batislam et
//! al. 2007 (MBG/NBD), which the tests check to `1e-9`; it is the same
//! distribution as Fader, Hardie & Lee's note "Deriving the conditional
//! PMF of the BG/NBD model" and Fader & Hardie's note 028 for the
//! Pareto/NBD, which CLVTools evaluates, computed without their
//! alternating sums.
//!
//! BG/BB (Fader, Hardie & Shang 2010, discrete time): a customer alive at
//! opportunity `n + 1` has `p ~ Beta(α + x, β + n − x)` and
//! `θ ~ Beta(γ, δ + n + 1)`; he stays alive for `L` of the next `n*`
//! opportunities with `P(L ≥ l) = E[(1 − θ)^{l−1}]` (`1 ≤ l ≤ n*`), and
//! transacts at each with probability `p`, so
//!
//! ```text
//! P(X(n, n+n*) = k | x, t_x, n) = P(alive at n+1) · Σ_{l=1..n*} P(L = l) · BetaBin(k; l, α+x, β+n−x)
//!                                + (1 − P(alive at n+1)) · 1{k = 0}
//! P(L = l) = B(γ+1, δ+n+l)/B(γ, δ+n+1)  (l < n*),   P(L = n*) = B(γ, δ+n+n*)/B(γ, δ+n+1)
//! ```
//!
//! Timing: the window is `(T, T + t]` after the end of calibration, in the
//! unit of `t_x` and `T` (continuous models), or the `n*` opportunities
//! after the `n` observed ones (BG/BB); counts are repeat purchases.

use super::bgbb::{BgBbParams, DiscreteHistory};
use super::bgnbd::BgNbdParams;
use super::ggomnbd::{GgomNbdParams, ln_gomp};
use super::input::CustomerHistory;
use super::math::{check_horizon, dlgamma, ln_beta_binomial, ln_gamma_f};
use super::mbgnbd::MbgNbdParams;
use super::model::PurchaseModel;
use super::pareto_nbd::ParetoNbdParams;
use super::quadrature::integrate;
use crate::{Error, Result};

/// Largest count a whole pmf vector may be asked for.
const MAX_COUNT: u32 = 100_000;

fn check_count(n_max: u32) -> Result<()> {
    if n_max > MAX_COUNT {
        return Err(Error::InvalidParameter {
            name: "n_max",
            value: n_max.to_string(),
            reason: "must be at most 100000",
        });
    }
    Ok(())
}

/// Mixes "alive: `p_new`" with "dead: no purchase".
fn mix(alive: f64, p_new: f64, n: u32, what: &'static str) -> Result<f64> {
    let v = alive * p_new + if n == 0 { 1.0 - alive } else { 0.0 };
    if v.is_finite() {
        Ok(v.clamp(0.0, 1.0))
    } else {
        Err(Error::Overflow { what })
    }
}

impl BgNbdParams {
    /// `P(X(T, T+t) = n | x, t_x, T)`: the probability that a customer with
    /// this calibration history makes exactly `n` repeat purchases in the
    /// `t` time units after `T` (the conditional pmf of Fader, Hardie & Lee's
    /// note "Deriving the conditional PMF of the BG/NBD model", as CLVTools
    /// defines it). Computed as P(alive) times the new-customer count
    /// distribution at the updated parameters `(r+x, α+T, a, b+x)`, plus
    /// the dead customers' mass at `n = 0`
    /// ([crate docs](crate::btyd#distribution-forecasts) \[D\]); its mean
    /// is [`expected_purchases`](Self::expected_purchases).
    ///
    /// # Errors
    ///
    /// As [`prob_purchases`](Self::prob_purchases): a horizon that is not
    /// finite and `≥ 0`, a series that does not converge.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::{BgNbdParams, CustomerHistory};
    ///
    /// let p = BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754)?;
    /// let c = CustomerHistory::new(CustomerId::new(1), 2, 30.0, 39.0)?;
    /// let pmf = p.conditional_pmf(&c, 39.0, 200)?;
    /// let mean: f64 = pmf.iter().enumerate().map(|(n, q)| n as f64 * q).sum();
    /// assert!((pmf.iter().sum::<f64>() - 1.0).abs() < 1e-10);
    /// assert!((mean / p.expected_purchases(&c, 39.0)? - 1.0).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn conditional_prob_purchases(
        &self,
        history: &CustomerHistory,
        t: f64,
        n: u32,
    ) -> Result<f64> {
        let alive = self.p_alive(history);
        let p_new = self.updated(history)?.prob_purchases(t, n)?;
        mix(alive, p_new, n, "BG/NBD conditional purchase probability")
    }

    /// The conditional pmf `P(X(T, T+t) = n | x, t_x, T)` for
    /// `n = 0..=n_max` (see
    /// [`conditional_prob_purchases`](Self::conditional_prob_purchases)).
    ///
    /// # Errors
    ///
    /// As [`conditional_prob_purchases`](Self::conditional_prob_purchases);
    /// [`Error::InvalidParameter`] when `n_max > 100 000`.
    pub fn conditional_pmf(
        &self,
        history: &CustomerHistory,
        t: f64,
        n_max: u32,
    ) -> Result<Vec<f64>> {
        check_count(n_max)?;
        let alive = self.p_alive(history);
        let up = self.updated(history)?;
        (0..=n_max)
            .map(|n| mix(alive, up.prob_purchases(t, n)?, n, "BG/NBD conditional pmf"))
            .collect()
    }

    fn updated(&self, h: &CustomerHistory) -> Result<BgNbdParams> {
        let x = f64::from(h.x());
        BgNbdParams::new(self.r() + x, self.alpha() + h.age(), self.a(), self.b() + x)
    }
}

impl MbgNbdParams {
    /// `P(X(T, T+t) = n | x, t_x, T)` for MBG/NBD (Batislam, Denizel &
    /// Filiztekin 2007): P(alive) times the BG/NBD new-customer count
    /// distribution at `(r+x, α+T, a, b+x+1)` (a live customer has survived
    /// `x + 1` coin flips and, from `T` on, flips only after purchases),
    /// plus the dead customers' mass at `n = 0`
    /// ([crate docs](crate::btyd#distribution-forecasts) \[D\]). The mean is
    /// [`expected_purchases`](Self::expected_purchases). Window `(T, T+t]`.
    ///
    /// # Errors
    ///
    /// A horizon that is not finite and `≥ 0`; a series that does not
    /// converge.
    pub fn conditional_prob_purchases(
        &self,
        history: &CustomerHistory,
        t: f64,
        n: u32,
    ) -> Result<f64> {
        let alive = self.p_alive(history);
        let p_new = self.updated(history)?.prob_purchases(t, n)?;
        mix(alive, p_new, n, "MBG/NBD conditional purchase probability")
    }

    /// The conditional pmf for `n = 0..=n_max` (see
    /// [`conditional_prob_purchases`](Self::conditional_prob_purchases)).
    ///
    /// # Errors
    ///
    /// As [`conditional_prob_purchases`](Self::conditional_prob_purchases);
    /// [`Error::InvalidParameter`] when `n_max > 100 000`.
    pub fn conditional_pmf(
        &self,
        history: &CustomerHistory,
        t: f64,
        n_max: u32,
    ) -> Result<Vec<f64>> {
        check_count(n_max)?;
        let alive = self.p_alive(history);
        let up = self.updated(history)?;
        (0..=n_max)
            .map(|n| {
                mix(
                    alive,
                    up.prob_purchases(t, n)?,
                    n,
                    "MBG/NBD conditional pmf",
                )
            })
            .collect()
    }

    fn updated(&self, h: &CustomerHistory) -> Result<BgNbdParams> {
        let x = f64::from(h.x());
        BgNbdParams::new(
            self.r() + x,
            self.alpha() + h.age(),
            self.a(),
            self.b() + x + 1.0,
        )
    }
}

impl ParetoNbdParams {
    /// `P(X(T, T+t) = n | x, t_x, T)` for the Pareto/NBD: P(alive) times
    /// the new-customer count distribution at `(r+x, α+T, s, β+T)` (the
    /// posterior of a customer alive at `T` is Gamma(r+x, α+T) ×
    /// Gamma(s, β+T), and the exponential lifetime is memoryless), plus the
    /// dead customers' mass at `n = 0`
    /// ([crate docs](crate::btyd#distribution-forecasts) \[D\]). This is the
    /// distribution of Fader & Hardie's note 028 (Jerath, Fader & Hardie),
    /// which CLVTools evaluates, summed as positive series; its mean is
    /// [`expected_purchases`](Self::expected_purchases). Window `(T, T+t]`.
    ///
    /// # Errors
    ///
    /// As [`p_alive`](Self::p_alive) and
    /// [`prob_purchases`](Self::prob_purchases).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::{CustomerHistory, ParetoNbdParams};
    ///
    /// let p = ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908)?;
    /// // A customer observed for an instant reduces to the new-customer pmf.
    /// let c = CustomerHistory::new(CustomerId::new(1), 0, 0.0, 1e-12)?;
    /// let q = p.conditional_prob_purchases(&c, 39.0, 1)?;
    /// assert!((q / 0.1655847606 - 1.0).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn conditional_prob_purchases(
        &self,
        history: &CustomerHistory,
        t: f64,
        n: u32,
    ) -> Result<f64> {
        let alive = self.p_alive(history)?;
        let p_new = self.updated(history)?.prob_purchases(t, n)?;
        mix(
            alive,
            p_new,
            n,
            "Pareto/NBD conditional purchase probability",
        )
    }

    /// The conditional pmf for `n = 0..=n_max` (see
    /// [`conditional_prob_purchases`](Self::conditional_prob_purchases)).
    ///
    /// # Errors
    ///
    /// As [`conditional_prob_purchases`](Self::conditional_prob_purchases);
    /// [`Error::InvalidParameter`] when `n_max > 100 000`.
    pub fn conditional_pmf(
        &self,
        history: &CustomerHistory,
        t: f64,
        n_max: u32,
    ) -> Result<Vec<f64>> {
        check_count(n_max)?;
        let alive = self.p_alive(history)?;
        let up = self.updated(history)?;
        (0..=n_max)
            .map(|n| {
                mix(
                    alive,
                    up.prob_purchases(t, n)?,
                    n,
                    "Pareto/NBD conditional pmf",
                )
            })
            .collect()
    }

    fn updated(&self, h: &CustomerHistory) -> Result<ParetoNbdParams> {
        let x = f64::from(h.x());
        ParetoNbdParams::new(
            self.r() + x,
            self.alpha() + h.age(),
            self.s(),
            self.beta() + h.age(),
        )
    }

    /// DECT, the discounted expected conditional transactions in the
    /// finite window `(T, T+t]` with continuous discounting at rate `δ` per
    /// time unit (the quantity CLVTools reports as `DECT`) \[D\]:
    ///
    /// ```text
    /// DECT = P(alive) · (r+x)/(α+T) · ∫₀ᵗ e^{−δτ} ((β+T)/(β+T+τ))^s dτ
    /// ```
    ///
    /// (a live customer buys at rate `E[λ | alive] = (r+x)/(α+T)` while
    /// alive, and is still alive at `T + τ` with probability
    /// `((β+T)/(β+T+τ))^s`; Fader, Hardie & Lee 2005b give the `t → ∞`
    /// limit, [`dert`](Self::dert)). At `δ = 0` it is
    /// [`expected_purchases`](Self::expected_purchases). The integrand is
    /// positive and smooth; adaptive Gauss–Kronrod to about `1e-12`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `t` or `δ` is negative or not
    /// finite; as [`p_alive`](Self::p_alive).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::{CustomerHistory, ParetoNbdParams};
    ///
    /// let p = ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908)?;
    /// let c = CustomerHistory::new(CustomerId::new(1), 3, 30.0, 39.0)?;
    /// let undiscounted = p.dect(&c, 52.0, 0.0)?;
    /// assert!((undiscounted / p.expected_purchases(&c, 52.0)? - 1.0).abs() < 1e-9);
    /// assert!(p.dect(&c, 52.0, 0.15_f64.ln_1p() / 52.0)? < undiscounted);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn dect(&self, history: &CustomerHistory, t: f64, delta: f64) -> Result<f64> {
        check_horizon(t)?;
        if !(delta.is_finite() && delta >= 0.0) {
            return Err(Error::InvalidParameter {
                name: "delta",
                value: delta.to_string(),
                reason: "must be finite and >= 0",
            });
        }
        let alive = self.p_alive(history)?;
        let x = f64::from(history.x());
        let rate = (self.r() + x) / (self.alpha() + history.age());
        let bt = self.beta() + history.age();
        let s = self.s();
        if t == 0.0 {
            return Ok(0.0);
        }
        let f = |tau: f64| (-delta * tau - s * (tau / bt).ln_1p()).exp();
        // Breaks geometric in the scale of the survival curve.
        let mut breaks = vec![0.0];
        let mut b = bt.min(t) * 1e-3;
        while b < t {
            breaks.push(b);
            b *= 4.0;
        }
        breaks.push(t);
        let integral = integrate("Pareto/NBD DECT", f, &breaks, 0.0)?;
        let v = alive * rate * integral;
        if v.is_finite() {
            Ok(v)
        } else {
            Err(Error::Overflow {
                what: "Pareto/NBD DECT",
            })
        }
    }

    /// `E[λ | x, t_x, T]`, the posterior mean purchase rate (per time unit)
    /// \[D; the ratio CLVTools evaluates\]: multiplying the gamma prior of
    /// `λ` by `λ` turns it into `(r/α)` times a Gamma(r+1, α) prior, so
    ///
    /// ```text
    /// E[λ | data] = (r/α) · L(r+1, α, s, β | x, t_x, T) / L(r, α, s, β | x, t_x, T)
    /// ```
    ///
    /// with `L` the individual likelihood
    /// ([`log_likelihood`](Self::log_likelihood)), taken as a difference of
    /// logs. It averages over alive and dead customers (a dead one's rate
    /// is still informed by his purchases).
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
    /// let p = ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908)?;
    /// // Observed for an instant: the prior means r/α and s/β.
    /// let c = CustomerHistory::new(CustomerId::new(1), 0, 0.0, 1e-12)?;
    /// assert!((p.posterior_mean_lambda(&c)? / (0.553275 / 10.577611) - 1.0).abs() < 1e-9);
    /// assert!((p.posterior_mean_mu(&c)? / (0.606213 / 11.667908) - 1.0).abs() < 1e-9);
    /// // Eight purchases in 39 weeks, the last just now: a faster buyer than average.
    /// let c = CustomerHistory::new(CustomerId::new(2), 8, 38.0, 39.0)?;
    /// assert!(p.posterior_mean_lambda(&c)? > 0.553275 / 10.577611);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn posterior_mean_lambda(&self, history: &CustomerHistory) -> Result<f64> {
        let shifted = ParetoNbdParams::new(self.r() + 1.0, self.alpha(), self.s(), self.beta())?;
        self.ratio(
            shifted,
            history,
            self.r() / self.alpha(),
            "Pareto/NBD E[lambda | data]",
        )
    }

    /// `E[μ | x, t_x, T]`, the posterior mean dropout rate (per time unit)
    /// \[D; the ratio CLVTools evaluates\]:
    ///
    /// ```text
    /// E[μ | data] = (s/β) · L(r, α, s+1, β | x, t_x, T) / L(r, α, s, β | x, t_x, T)
    /// ```
    ///
    /// # Errors
    ///
    /// As [`log_likelihood`](Self::log_likelihood).
    pub fn posterior_mean_mu(&self, history: &CustomerHistory) -> Result<f64> {
        let shifted = ParetoNbdParams::new(self.r(), self.alpha(), self.s() + 1.0, self.beta())?;
        self.ratio(
            shifted,
            history,
            self.s() / self.beta(),
            "Pareto/NBD E[mu | data]",
        )
    }

    fn ratio(
        &self,
        shifted: ParetoNbdParams,
        h: &CustomerHistory,
        prior: f64,
        what: &'static str,
    ) -> Result<f64> {
        let v = prior * (shifted.log_likelihood(h)? - self.log_likelihood(h)?).exp();
        if v.is_finite() {
            Ok(v)
        } else {
            Err(Error::Overflow { what })
        }
    }
}

impl BgBbParams {
    /// `P(X(n, n+n*) = k | x, t_x, n)`: the probability that a BG/BB
    /// customer with `x` transactions in `n` opportunities, the last at
    /// `t_x`, makes exactly `k` transactions in the next `n*` opportunities
    /// (Fader, Hardie & Shang 2010; the mixture of the
    /// [module docs](crate::btyd#distribution-forecasts) \[D\]): P(alive at
    /// `n+1`) times a mixture over the number `L` of live opportunities of
    /// beta-binomial counts, plus the dead customers' mass at `k = 0`. Its
    /// mean is [`expected_transactions`](Self::expected_transactions).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `n*` exceeds 100 000.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::{BgBbParams, DiscreteHistory};
    ///
    /// let p = BgBbParams::new(1.2035224, 0.7497164, 0.6567182, 2.783442)?;
    /// let h = DiscreteHistory::new(CustomerId::new(1), 4, 5, 6)?;
    /// let pmf = p.conditional_pmf(&h, 10)?;
    /// let mean: f64 = pmf.iter().enumerate().map(|(k, q)| k as f64 * q).sum();
    /// assert!((pmf.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    /// assert!((mean / 3.627967634 - 1.0).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn conditional_prob_transactions(
        &self,
        history: &DiscreteHistory,
        horizon: u32,
        k: u32,
    ) -> Result<f64> {
        let pmf = self.conditional_pmf(history, horizon)?;
        Ok(pmf.get(k as usize).copied().unwrap_or(0.0))
    }

    /// The whole conditional pmf `P(X(n, n+n*) = k | x, t_x, n)` for
    /// `k = 0..=n*` (see
    /// [`conditional_prob_transactions`](Self::conditional_prob_transactions));
    /// `O(n*²)` work.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `n*` exceeds 100 000.
    pub fn conditional_pmf(&self, history: &DiscreteHistory, horizon: u32) -> Result<Vec<f64>> {
        if horizon > MAX_COUNT {
            return Err(Error::InvalidParameter {
                name: "horizon",
                value: horizon.to_string(),
                reason: "must be at most 100000",
            });
        }
        let alive = self.p_alive(history);
        let (x, n) = (f64::from(history.x()), f64::from(history.n()));
        let (pa, pb) = (self.alpha() + x, self.beta() + n - x);
        let (g, d) = (self.gamma(), self.delta() + n + 1.0);
        let m = horizon as usize;
        let mut pmf = vec![0.0; m + 1];
        pmf[0] = 1.0 - alive;
        // ln B(γ, d + j) − ln B(γ, d) = dlgamma(d, j) − dlgamma(γ + d, j).
        let ln_surv = |j: f64| dlgamma(d, j) - dlgamma(g + d, j);
        let ln_bb = |k: f64, l: f64| ln_beta_binomial(pa, pb, k, l);
        for l in 1..=m {
            let lf = l as f64;
            // P(L = l) = S(l−1) − S(l) for l < n*, S(n*−1) at l = n*, with
            // S(j) = E[(1−θ)^j]; S(j−1) − S(j) = E[θ(1−θ)^{j−1}].
            let ln_pl = if l < m {
                g.ln() - (g + d + lf - 1.0).ln() + ln_surv(lf - 1.0)
            } else {
                ln_surv(lf - 1.0)
            };
            for (k, slot) in pmf.iter_mut().enumerate().take(l + 1) {
                *slot += alive * (ln_pl + ln_bb(k as f64, lf)).exp();
            }
        }
        if pmf.iter().all(|v| v.is_finite()) {
            Ok(pmf.into_iter().map(|v| v.clamp(0.0, 1.0)).collect())
        } else {
            Err(Error::Overflow {
                what: "BG/BB conditional pmf",
            })
        }
    }
}

impl GgomNbdParams {
    /// `P(X(T, T+t) = n | x, t_x, T)`: the probability that a customer with
    /// this calibration history makes exactly `n` repeat purchases in the
    /// `t` time units after `T`: P(alive) times the count of a customer
    /// alive at `T` (NBD over the time he stays alive in the window, the
    /// residual Gompertz lifetime integrated by Gauss–Kronrod quadrature),
    /// plus the dead customers' mass at `n = 0`:
    ///
    /// ```text
    /// P(n) = P(alive)·[S_T(t)·NB(n; t) + ∫_0^t f_T(u)·NB(n; u) du] + (1 − P(alive))·1{n = 0}
    /// S_T(u) = ((β + e^{bT} − 1)/(β + e^{b(T+u)} − 1))^s,  f_T = −S_T'
    /// NB(n; u) = Γ(r+x+n)/(Γ(r+x) n!) · ((α+T)/(α+T+u))^{r+x} · (u/(α+T+u))^n
    /// ```
    ///
    /// (Bemmaor & Glady 2012's model, the definition CLVTools' GGom/NBD pmf
    /// computes; the window is `(T, T+t]` in the unit of `t_x` and `T`). Its
    /// mean is [`expected_purchases`](GgomNbdParams::expected_purchases);
    /// as `b → 0` with `β/b` fixed it is the Pareto/NBD's
    /// [`conditional_prob_purchases`](ParetoNbdParams::conditional_prob_purchases)
    /// with dropout rate `β/b`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a horizon that is not finite and
    /// ≥ 0; [`Error::Overflow`] when the result is not finite.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::{CustomerHistory, GgomNbdParams};
    ///
    /// let p = GgomNbdParams::new(0.55, 10.6, 0.05, 0.6, 0.6)?;
    /// let h = CustomerHistory::new(CustomerId::new(1), 2, 30.43, 38.86)?;
    /// let pmf = p.conditional_pmf(&h, 52.0, 200)?;
    /// let total: f64 = pmf.iter().sum();
    /// assert!((total - 1.0).abs() < 1e-9);
    /// let mean: f64 = pmf.iter().enumerate().map(|(n, q)| n as f64 * q).sum();
    /// assert!((mean / p.expected_purchases(&h, 52.0)? - 1.0).abs() < 1e-9);
    /// assert_eq!(p.conditional_prob_purchases(&h, 52.0, 3)?, pmf[3]);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn conditional_prob_purchases(
        &self,
        history: &CustomerHistory,
        t: f64,
        n: u32,
    ) -> Result<f64> {
        check_horizon(t)?;
        let alive = self.p_alive(history)?;
        let p_new = self.alive_count_prob(history, t, n)?;
        mix(alive, p_new, n, "GGom/NBD conditional purchase probability")
    }

    /// The conditional pmf for `n = 0..=n_max` (see
    /// [`conditional_prob_purchases`](Self::conditional_prob_purchases)).
    ///
    /// # Errors
    ///
    /// As [`conditional_prob_purchases`](Self::conditional_prob_purchases);
    /// [`Error::InvalidParameter`] when `n_max > 100 000`.
    pub fn conditional_pmf(
        &self,
        history: &CustomerHistory,
        t: f64,
        n_max: u32,
    ) -> Result<Vec<f64>> {
        check_count(n_max)?;
        check_horizon(t)?;
        let alive = self.p_alive(history)?;
        (0..=n_max)
            .map(|n| {
                mix(
                    alive,
                    self.alive_count_prob(history, t, n)?,
                    n,
                    "GGom/NBD conditional pmf",
                )
            })
            .collect()
    }

    /// `P(X(T, T+t) = n | alive at T)`:
    /// `S_T(t)·NB(n; t) + ∫_0^t f_T(u)·NB(n; u) du`.
    fn alive_count_prob(&self, h: &CustomerHistory, t: f64, n: u32) -> Result<f64> {
        const WHAT: &str = "GGom/NBD conditional pmf";
        let (r, alpha, b, s, beta) = (
            self.r() + f64::from(h.x()),
            self.alpha() + h.age(),
            self.b(),
            self.s(),
            self.beta(),
        );
        let big_t = h.age();
        let nf = f64::from(n);
        let ln_coef = dlgamma(r, nf) - ln_gamma_f(nf + 1.0);
        // ln NB(n; u); NB(0; 0) = 1, NB(n > 0; 0) = 0.
        let ln_nb = |u: f64| {
            let ln_share = (alpha / (alpha + u)).ln();
            let tail = if n == 0 {
                0.0
            } else {
                nf * (u / (alpha + u)).ln()
            };
            ln_coef + r * ln_share + tail
        };
        // ln S_T(u) = −s·ln(1 + (e^{bu} − 1)/(1 + (β − 1)e^{−bT})): no
        // difference of two logarithms multiplied by s, which near the
        // homogeneous-dropout limit (s, β → ∞) would be all rounding.
        // ln f_T(u) = ln(s·b) + b(T+u) − ln g(T+u) + ln S_T(u).
        // 1 + (β − 1)e^{−bT} as a sum of two positive terms: no
        // cancellation when β and b·T are both small (the Pareto/NBD limit).
        let scale = beta * (-b * big_t).exp() - (-b * big_t).exp_m1();
        let ln_surv = |u: f64| -s * ((b * u).exp_m1() / scale).ln_1p();
        let ln_dens = |u: f64| {
            let lg = ln_gomp(beta, b, big_t + u);
            (s * b).ln() + b * (big_t + u) - lg + ln_surv(u)
        };
        if t == 0.0 {
            return Ok(if n == 0 { 1.0 } else { 0.0 });
        }
        let end = (ln_surv(t) + ln_nb(t)).exp();
        // Breakpoints dense near 0, where NB(n; u) rises from 0.
        let mut breaks: Vec<f64> = (0..=16).rev().map(|k| t / 2f64.powi(k)).collect();
        breaks.insert(0, 0.0);
        // `integrate` adds `end` to the integral.
        let v = integrate(WHAT, |u| (ln_dens(u) + ln_nb(u)).exp(), &breaks, end)?;
        if v.is_finite() {
            Ok(v.clamp(0.0, 1.0))
        } else {
            Err(Error::Overflow { what: WHAT })
        }
    }
}

impl PurchaseModel {
    /// `P(X(T, T+t) = n | x, t_x, T)` under whichever model this is (see
    /// [`BgNbdParams::conditional_prob_purchases`] and its siblings).
    ///
    /// # Errors
    ///
    /// As the model's own method.
    pub fn conditional_prob_purchases(
        &self,
        history: &CustomerHistory,
        t: f64,
        n: u32,
    ) -> Result<f64> {
        match self {
            PurchaseModel::BgNbd(p) => p.conditional_prob_purchases(history, t, n),
            PurchaseModel::MbgNbd(p) => p.conditional_prob_purchases(history, t, n),
            PurchaseModel::ParetoNbd(p) => p.conditional_prob_purchases(history, t, n),
            PurchaseModel::GgomNbd(p) => p.conditional_prob_purchases(history, t, n),
        }
    }

    /// The conditional pmf for `n = 0..=n_max` under whichever model this
    /// is.
    ///
    /// # Errors
    ///
    /// As the model's own method.
    pub fn conditional_pmf(
        &self,
        history: &CustomerHistory,
        t: f64,
        n_max: u32,
    ) -> Result<Vec<f64>> {
        match self {
            PurchaseModel::BgNbd(p) => p.conditional_pmf(history, t, n_max),
            PurchaseModel::MbgNbd(p) => p.conditional_pmf(history, t, n_max),
            PurchaseModel::ParetoNbd(p) => p.conditional_pmf(history, t, n_max),
            PurchaseModel::GgomNbd(p) => p.conditional_pmf(history, t, n_max),
        }
    }
}
