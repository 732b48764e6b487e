//! The beta-geometric/beta-Bernoulli (BG/BB) model of discrete-time
//! non-contractual transactions (Fader, Hardie & Shang 2010;
//! [spec](crate::btyd::spec#bgbb-model)).

use crate::btyd::boundary::{BG_BB_RAYS, identified};
use crate::btyd::fitting::{Problem, fit_log_params, fit_options_builder, total_weight};
use crate::btyd::input::{Row, compress};
use crate::btyd::math::{dlgamma, dpsi, ln_beta_binomial, positive};
use crate::btyd::report::{FitReport, ModelParameters};
use crate::btyd::sbg::{discount_f64, hyp2f1_unit_a};
use crate::btyd::status::FitOptions;
use crate::clv::DiscountRate;
use crate::score::par_map_into;
use crate::{CustomerId, Error, Fit, Keyed, Result, Scorer};

/// Longest horizon, in opportunities, that the expected-transaction sums
/// accept.
const MAX_HORIZON: u32 = 1_000_000;

/// One customer's history for BG/BB: of the `n` transaction opportunities
/// after the first transaction, `x` had a transaction, the last at
/// opportunity `t_x` (0 when `x = 0`) ([spec](crate::btyd::spec#validation)).
///
/// Invariants: `0 ≤ x ≤ t_x ≤ n`, `n ≥ 1`; `x = 0` requires `t_x = 0`
/// and `x > 0` requires `t_x ≥ x`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "DiscreteHistoryRecord", into = "DiscreteHistoryRecord")
)]
pub struct DiscreteHistory {
    customer: CustomerId,
    x: u32,
    t_x: u32,
    n: u32,
}

impl DiscreteHistory {
    /// A validated history.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`], naming the customer, when `n = 0`,
    /// `t_x > n`, `x > t_x`, or `x = 0` with `t_x ≠ 0`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::DiscreteHistory;
    ///
    /// let h = DiscreteHistory::new(CustomerId::new(1), 4, 5, 6)?;
    /// assert_eq!((h.x(), h.t_x(), h.n()), (4, 5, 6));
    /// assert!(DiscreteHistory::new(CustomerId::new(2), 3, 2, 6).is_err()); // x > t_x
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(customer: CustomerId, x: u32, t_x: u32, n: u32) -> Result<Self> {
        let bad = |reason: String| Error::InvalidValue {
            what: "discrete history",
            reason: format!("customer {customer}: {reason}"),
        };
        if n == 0 {
            return Err(bad("n must be >= 1 opportunity, got 0".into()));
        }
        if t_x > n {
            return Err(bad(format!("t_x must be in [0, n = {n}], got {t_x}")));
        }
        if x == 0 && t_x != 0 {
            return Err(bad(format!("t_x must be 0 when x = 0, got {t_x}")));
        }
        if x > t_x {
            return Err(bad(format!(
                "x = {x} transactions need t_x >= x, got t_x = {t_x}"
            )));
        }
        Ok(Self {
            customer,
            x,
            t_x,
            n,
        })
    }

    /// The customer.
    pub fn customer(&self) -> CustomerId {
        self.customer
    }
    /// `x`: the opportunities with a transaction.
    pub fn x(&self) -> u32 {
        self.x
    }
    /// `t_x`: the last opportunity with a transaction (0 when `x = 0`).
    pub fn t_x(&self) -> u32 {
        self.t_x
    }
    /// `n`: the opportunities observed.
    pub fn n(&self) -> u32 {
        self.n
    }
}

impl Keyed for DiscreteHistory {
    fn customer(&self) -> CustomerId {
        self.customer
    }
}

fn check_horizon(horizon: u32) -> Result<f64> {
    if horizon > MAX_HORIZON {
        Err(Error::InvalidParameter {
            name: "horizon",
            value: horizon.to_string(),
            reason: "must be <= 1000000 opportunities",
        })
    } else {
        Ok(f64::from(horizon))
    }
}

/// `Σ_{k=1..count} Π_{j=1..k} (b+j−1)/(g+b+j−1)`: the sum of an sBG
/// survival `S(k) = B(g, b+k)/B(g, b)` over `k = 1..count`, positive terms.
fn survival_sum(g: f64, b: f64, count: f64) -> f64 {
    let (mut s, mut term, mut j) = (0.0, 1.0, 0.0);
    while j < count {
        term *= (b + j) / (g + b + j);
        s += term;
        j += 1.0;
    }
    s
}

/// Fitted BG/BB parameters: an alive customer transacts at each
/// opportunity with probability `p ~ Beta(α, β)` and dies before each
/// later one with probability `θ ~ Beta(γ, δ)` ([spec](crate::btyd::spec#bgbb-model)).
///
/// Every parameter is finite and > 0. As a [`Scorer`] of
/// [`DiscreteHistory`] it gives [`p_alive`](Self::p_alive);
/// [`BgBbPredictor`] adds expected transactions and DERT.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "BgBbRecord", into = "BgBbRecord"))]
pub struct BgBbParams {
    alpha: f64,
    beta: f64,
    gamma: f64,
    delta: f64,
}

impl BgBbParams {
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
    /// use customer_value::btyd::BgBbParams;
    ///
    /// let p = BgBbParams::new(1.203522, 0.7497164, 0.6567182, 2.783442)?;
    /// assert_eq!(p.delta(), 2.783442);
    /// assert!(BgBbParams::new(1.2, 0.75, f64::NAN, 2.78).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(alpha: f64, beta: f64, gamma: f64, delta: f64) -> Result<Self> {
        Ok(Self {
            alpha: positive("alpha", alpha)?,
            beta: positive("beta", beta)?,
            gamma: positive("gamma", gamma)?,
            delta: positive("delta", delta)?,
        })
    }

    /// `α`, the first shape of the transaction probability's beta.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    /// `β`, the second shape of the transaction probability's beta.
    pub fn beta(&self) -> f64 {
        self.beta
    }
    /// `γ`, the first shape of the dropout probability's beta.
    pub fn gamma(&self) -> f64 {
        self.gamma
    }
    /// `δ`, the second shape of the dropout probability's beta.
    pub fn delta(&self) -> f64 {
        self.delta
    }

    /// `ℓ = lse(A_*, A_0, …)` accumulated term by term (no storage, so a
    /// long history costs time, not memory), the softmax-weighted gradient
    /// in `(α, β, γ, δ)` when `grad`, and `A_*`.
    fn terms(&self, x: u32, t_x: u32, n: u32, grad: bool) -> (f64, [f64; 4], f64) {
        let (a, b, g, d) = (self.alpha, self.beta, self.gamma, self.delta);
        let (xf, nf) = (f64::from(x), f64::from(n));
        // lnB(α+x, β+y) − lnB(α, β).
        let lb_p = |y: f64| dlgamma(a, xf) + dlgamma(b, y) - dlgamma(a + b, xf + y);
        let dp_ax = if grad { dpsi(a, xf) } else { 0.0 };
        let star = lb_p(nf - xf) + dlgamma(d, nf) - dlgamma(g + d, nf);
        let mut acc = Lse::default();
        let dstar = if grad {
            let dab = dpsi(a + b, nf);
            let dgd = dpsi(g + d, nf);
            [dp_ax - dab, dpsi(b, nf - xf) - dab, -dgd, dpsi(d, nf) - dgd]
        } else {
            [0.0; 4]
        };
        acc.add(star, &dstar);
        if t_x < n {
            // The terms m = t_x .. n−1 by their ratio: v_{m+1} − v_m =
            // ln[(β+m−x)(δ+m) / ((α+β+m)(γ+δ+m+1))] < 0, so each term is
            // the previous one times a factor below 1 (no lnΓ per term),
            // and the sum stops once the rest cannot reach 1e-17 of it.
            let m0 = f64::from(t_x);
            let v0 = lb_p(m0 - xf) + g.ln() + dlgamma(d, m0) - dlgamma(g + d, m0 + 1.0);
            // Δψ's at m0, carried up by 1/(z+k).
            let (mut dab, mut dbx, mut dgd, mut dd) = if grad {
                (
                    dpsi(a + b, m0),
                    dpsi(b, m0 - xf),
                    dpsi(g + d, m0 + 1.0),
                    dpsi(d, m0),
                )
            } else {
                (0.0, 0.0, 0.0, 0.0)
            };
            let (mut cur, mut sum, mut gs) = (1.0_f64, 0.0_f64, [0.0_f64; 4]);
            let mut m = m0;
            let end = nf;
            loop {
                sum += cur;
                if grad {
                    gs[0] += cur * (dp_ax - dab);
                    gs[1] += cur * (dbx - dab);
                    gs[2] += cur * (1.0 / g - dgd);
                    gs[3] += cur * (dd - dgd);
                }
                if m + 1.0 >= end {
                    break;
                }
                let (bx, ab, gd, dm) = (b + m - xf, a + b + m, g + d + m + 1.0, d + m);
                cur *= (bx * dm) / (ab * gd);
                if grad {
                    dab += 1.0 / ab;
                    dbx += 1.0 / bx;
                    dgd += 1.0 / gd;
                    dd += 1.0 / dm;
                }
                m += 1.0;
                if cur * (end - m) <= 1e-17 * sum {
                    break;
                }
            }
            let dv = gs.map(|v| v / sum);
            acc.add(v0 + sum.ln(), &dv);
        }
        let (ll, dl) = acc.finish();
        (ll, dl, star)
    }

    /// `ℓ` and `A_*` for one history.
    fn ll_and_star(&self, h: &DiscreteHistory) -> (f64, f64) {
        let (ll, _, star) = self.terms(h.x, h.t_x, h.n, false);
        (ll, star)
    }

    /// One customer's log-likelihood ([spec](crate::btyd::spec#bgbb-likelihood) \[V: lifetimes
    /// source; mpmath\]), a log-sum-exp over `n − t_x + 1` terms:
    ///
    /// ```text
    /// ℓ   = lse(A_*, A_0, …, A_{n−t_x−1})
    /// A_* = lnB(α+x, β+n−x) − lnB(α,β) + lnB(γ, δ+n) − lnB(γ,δ)
    /// A_i = lnB(α+x, β+t_x−x+i) − lnB(α,β) + lnB(γ+1, δ+t_x+i) − lnB(γ,δ)
    /// ```
    ///
    /// Each Beta-function ratio is taken as differences of `lnΓ` without
    /// cancellation ([spec](crate::btyd::spec#shared-numerics)). Unlike lifetimes, no `1e-15` is
    /// added inside the sum.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::{BgBbParams, DiscreteHistory};
    ///
    /// let p = BgBbParams::new(1.0, 1.0, 1.0, 1.0)?;
    /// // x = t_x = n = 1 has the single term A_* = ln[B(2,1)·B(1,2)] = ln(1/4).
    /// let h = DiscreteHistory::new(CustomerId::new(1), 1, 1, 1)?;
    /// assert!((p.log_likelihood(&h) - 0.25f64.ln()).abs() < 1e-14);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn log_likelihood(&self, history: &DiscreteHistory) -> f64 {
        self.ll_and_star(history).0
    }

    /// The gradient of [`log_likelihood`](Self::log_likelihood) with
    /// respect to `(ln α, ln β, ln γ, ln δ)`, analytic ([spec](crate::btyd::spec#bgbb-likelihood)
    /// \[D\]): the softmax-weighted (weights `∝ e^{A}`) sum of each term's
    /// derivatives, with `∂lnB(u, v)/∂u = ψ(u) − ψ(u+v)` taken as `Δψ`
    /// differences, times the parameter:
    ///
    /// ```text
    /// ∂A_*/∂α = Δψ(α, x) − Δψ(α+β, n)        ∂A_i/∂α = Δψ(α, x) − Δψ(α+β, m)
    /// ∂A_*/∂β = Δψ(β, n−x) − Δψ(α+β, n)      ∂A_i/∂β = Δψ(β, m−x) − Δψ(α+β, m)
    /// ∂A_*/∂γ = −Δψ(γ+δ, n)                  ∂A_i/∂γ = 1/γ − Δψ(γ+δ, m+1)
    /// ∂A_*/∂δ = Δψ(δ, n) − Δψ(γ+δ, n)        ∂A_i/∂δ = Δψ(δ, m) − Δψ(γ+δ, m+1)
    /// with m = t_x + i
    /// ```
    pub fn log_likelihood_gradient(&self, history: &DiscreteHistory) -> [f64; 4] {
        let (_, g, _) = self.terms(history.x, history.t_x, history.n, true);
        let nat = [self.alpha, self.beta, self.gamma, self.delta];
        std::array::from_fn(|i| g[i] * nat[i])
    }

    /// `P(alive at opportunity n+1 | x, t_x, n)`: Fader, Hardie & Shang's
    /// "alive in period n+1" ([spec](crate::btyd::spec#bgbb-predictions) \[V: lifetimes\]):
    ///
    /// ```text
    /// P = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n+1)/B(γ,δ) / L = e^{A_* − ℓ}·(δ+n)/(γ+δ+n)
    /// ```
    ///
    /// lifetimes' `conditional_probability_alive(m = 0)` is `e^{A_* − ℓ}`,
    /// alive at opportunity `n`, which is 1 for `x = t_x = n`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::{BgBbParams, DiscreteHistory};
    ///
    /// let p = BgBbParams::new(1.2035224, 0.7497164, 0.6567182, 2.783442)?;
    /// let h = DiscreteHistory::new(CustomerId::new(1), 2, 4, 6)?;
    /// assert!((p.p_alive(&h) / 0.5896571793 - 1.0).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn p_alive(&self, history: &DiscreteHistory) -> f64 {
        self.alive_from(self.q(history), history)
    }

    /// `e^{A_* − ℓ}`: P(alive at opportunity n).
    fn q(&self, h: &DiscreteHistory) -> f64 {
        let (ll, star) = self.ll_and_star(h);
        (star - ll).exp()
    }

    fn alive_from(&self, q: f64, h: &DiscreteHistory) -> f64 {
        let nf = f64::from(h.n);
        (q * (self.delta + nf) / (self.gamma + self.delta + nf)).clamp(0.0, 1.0)
    }

    /// `E[X(n, n+n*)]` from `q` and `Σ_k S(k)`.
    fn transactions_from(&self, q: f64, h: &DiscreteHistory, sum: f64) -> f64 {
        let (xf, nf) = (f64::from(h.x), f64::from(h.n));
        q * (self.alpha + xf) / (self.alpha + self.beta + nf) * sum
    }

    /// DERT from `q` and the ₂F₁.
    fn dert_from(&self, q: f64, h: &DiscreteHistory, f: f64, d: f64) -> Result<f64> {
        let (g, dl) = (self.gamma, self.delta);
        let (xf, nf) = (f64::from(h.x), f64::from(h.n));
        let v = q * (self.alpha + xf) / (self.alpha + self.beta + nf) * (dl + nf) / (g + dl + nf)
            * f
            / (1.0 + d);
        if v.is_finite() {
            Ok(v)
        } else {
            Err(Error::Overflow { what: "BG/BB DERT" })
        }
    }

    /// The ₂F₁ of DERT, which depends on `n` only.
    fn dert_series(&self, n: u32, d: f64) -> Result<f64> {
        let (g, dl, nf) = (self.gamma, self.delta, f64::from(n));
        hyp2f1_unit_a(dl + nf + 1.0, g + dl + nf + 1.0, d, "BG/BB DERT")
    }

    /// `E[X(n)]`: the expected transactions of a new customer over the
    /// first `n` opportunities ([spec](crate::btyd::spec#bgbb-predictions) \[D\]), summed directly
    /// over positive terms (`S(t) = B(γ, δ+t)/B(γ,δ)` by its ratio
    /// recursion):
    ///
    /// ```text
    /// E[X(n)] = α/(α+β) · Σ_{t=1..n} B(γ, δ+t)/B(γ, δ)
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `n` exceeds 10⁶.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::btyd::BgBbParams;
    ///
    /// let p = BgBbParams::new(1.2035224, 0.7497164, 0.6567182, 2.783442)?;
    /// assert!((p.expected_transactions_new(10)? / 3.179828926 - 1.0).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn expected_transactions_new(&self, n: u32) -> Result<f64> {
        let nf = check_horizon(n)?;
        Ok(self.alpha / (self.alpha + self.beta) * survival_sum(self.gamma, self.delta, nf))
    }

    /// `P(X(n) = x)`: the probability that a new customer makes exactly `x`
    /// transactions in the first `n` opportunities (Fader, Hardie & Shang
    /// 2010, eq. 7): alive through all `n` opportunities, or alive for
    /// exactly `i` of them (`x ≤ i < n`) and dead from opportunity `i+1`
    /// on, with beta-binomial counts in the live ones:
    ///
    /// ```text
    /// P(X(n) = x) = C(n,x)·B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
    ///             + Σ_{i=x..n−1} C(i,x)·B(α+x, β+i−x)/B(α,β) · B(γ+1, δ+i)/B(γ,δ)
    /// ```
    ///
    /// Every term is positive and taken in logs. The customer may die
    /// before the first opportunity (`i = 0`), as in the model's
    /// likelihood. Python lifetimes' `expected_number_of_transactions_in_first_n_periods`
    /// is this times the number of customers (its sum starts at the
    /// smallest observed `x`, which equals this when every `x` from there
    /// on is observed).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `n` exceeds 10⁶ or `x > n`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::btyd::BgBbParams;
    ///
    /// let p = BgBbParams::new(1.2035224, 0.7497164, 0.6567182, 2.783442)?;
    /// let pmf: Vec<f64> = (0..=10).map(|x| p.prob_transactions_new(10, x)).collect::<Result<_, _>>()?;
    /// assert!((pmf.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    /// let mean: f64 = pmf.iter().enumerate().map(|(x, q)| x as f64 * q).sum();
    /// assert!((mean / 3.179828926 - 1.0).abs() < 1e-9); // E[X(10)]
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn prob_transactions_new(&self, n: u32, x: u32) -> Result<f64> {
        let nf = check_horizon(n)?;
        if x > n {
            return Err(Error::InvalidParameter {
                name: "x",
                value: x.to_string(),
                reason: "must be at most the number of opportunities n",
            });
        }
        let (a, b, g, d) = (self.alpha, self.beta, self.gamma, self.delta);
        let xf = f64::from(x);
        // ln P(x of m opportunities used | alive throughout), beta-binomial.
        let ln_counts = |m: f64| ln_beta_binomial(a, b, xf, m);
        let mut total = (ln_counts(nf) + dlgamma(d, nf) - dlgamma(g + d, nf)).exp();
        // ln B(γ+1, δ+i) − ln B(γ,δ) = ln(γ/(γ+δ)) + Δlnγ(δ, i) − Δlnγ(γ+δ+1, i).
        let ln_first = (g / (g + d)).ln();
        for i in x..n {
            let i = f64::from(i);
            total += (ln_counts(i) + ln_first + dlgamma(d, i) - dlgamma(g + d + 1.0, i)).exp();
        }
        if total.is_finite() {
            Ok(total.min(1.0))
        } else {
            Err(Error::Overflow {
                what: "BG/BB P(X(n) = x)",
            })
        }
    }

    /// `E[X(n, n+n*) | x, t_x, n]`: the expected transactions in the next
    /// `n*` opportunities of a customer with this history ([spec](crate::btyd::spec#bgbb-predictions)
    /// \[V: lifetimes\]):
    ///
    /// ```text
    /// E = [B(α+x+1, β+n−x)/B(α,β)] / L · Σ_{k=1..n*} B(γ, δ+n+k)/B(γ,δ)
    ///   = e^{A_* − ℓ} · (α+x)/(α+β+n) · Σ_{k=1..n*} Π_{j=1..k} (δ+n+j−1)/(γ+δ+n+j−1)
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `n*` exceeds 10⁶.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::{BgBbParams, DiscreteHistory};
    ///
    /// let p = BgBbParams::new(1.2035224, 0.7497164, 0.6567182, 2.783442)?;
    /// let h = DiscreteHistory::new(CustomerId::new(1), 4, 5, 6)?;
    /// assert!((p.expected_transactions(&h, 10)? / 3.627967634 - 1.0).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn expected_transactions(&self, history: &DiscreteHistory, horizon: u32) -> Result<f64> {
        let hf = check_horizon(horizon)?;
        let sum = survival_sum(self.gamma, self.delta + f64::from(history.n), hf);
        Ok(self.transactions_from(self.q(history), history, sum))
    }

    /// DERT: the discounted expected residual transactions of a customer
    /// with this history, the first future opportunity discounted once
    /// ([spec](crate::btyd::spec#bgbb-dert) \[D\]), with `z = 1/(1+d)` and `d` the
    /// discount rate per opportunity:
    ///
    /// ```text
    /// DERT = [B(α+x+1, β+n−x)/B(α,β)]·[B(γ, δ+n+1)/B(γ,δ)] / L · ₂F₁(1, δ+n+1; γ+δ+n+1; z)·z
    ///      = e^{A_* − ℓ}·(α+x)/(α+β+n)·(δ+n)/(γ+δ+n) · ₂F₁(1, δ+n+1; γ+δ+n+1; z)·z
    /// ```
    ///
    /// The ₂F₁ is the direct series of positive terms
    /// ([reference row 10](crate::btyd::spec#hypergeometric-reference-values)); at `d = 0` it is Gauss's closed form, finite only
    /// when `γ > 1`.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidParameter`] when `d < 0`.
    /// - [`Error::InvalidValue`] when `d = 0` and `γ ≤ 1` (infinite), or
    ///   when `d` is so small that the series needs more than 10⁶ terms.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{CustomerId, Decimal};
    /// use customer_value::btyd::{BgBbParams, DiscreteHistory};
    /// use customer_value::clv::DiscountRate;
    ///
    /// let p = BgBbParams::new(1.2035224, 0.7497164, 0.6567182, 2.783442)?;
    /// let h = DiscreteHistory::new(CustomerId::new(1), 3, 6, 6)?;
    /// let d = DiscountRate::new(Decimal::new(1, 1))?;
    /// assert!((p.dert(&h, d)? / 3.448642385 - 1.0).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn dert(&self, history: &DiscreteHistory, discount: DiscountRate) -> Result<f64> {
        let d = discount_f64(discount)?;
        self.dert_f64(history, d)
    }

    fn dert_f64(&self, history: &DiscreteHistory, d: f64) -> Result<f64> {
        let f = self.dert_series(history.n, d)?;
        self.dert_from(self.q(history), history, f, d)
    }
}

/// A running log-sum-exp of terms `A` and the softmax-weighted sum of
/// their gradients, rescaled whenever a larger term arrives.
#[derive(Debug)]
struct Lse {
    hi: f64,
    s: f64,
    g: [f64; 4],
}

impl Default for Lse {
    fn default() -> Self {
        Self {
            hi: f64::NEG_INFINITY,
            s: 0.0,
            g: [0.0; 4],
        }
    }
}

impl Lse {
    fn add(&mut self, v: f64, dv: &[f64; 4]) {
        if v > self.hi {
            let scale = (self.hi - v).exp();
            self.s = self.s * scale + 1.0;
            for (g, d) in self.g.iter_mut().zip(dv) {
                *g = *g * scale + d;
            }
            self.hi = v;
        } else {
            let w = (v - self.hi).exp();
            self.s += w;
            for (g, d) in self.g.iter_mut().zip(dv) {
                *g += w * d;
            }
        }
    }

    fn finish(&self) -> (f64, [f64; 4]) {
        (self.hi + self.s.ln(), self.g.map(|v| v / self.s))
    }
}

/// Total negative log-likelihood of weighted rows (`a` = t_x, `b` = n) at
/// `θ = ln(α, β, γ, δ)`, and its gradient in `θ`.
fn nll_grad(rows: &[Row], theta: [f64; 4], grad: &mut [f64; 4]) -> f64 {
    let nat = theta.map(f64::exp);
    let Ok(p) = BgBbParams::new(nat[0], nat[1], nat[2], nat[3]) else {
        *grad = [0.0; 4];
        return f64::INFINITY;
    };
    let mut f = 0.0;
    let mut g = [0.0; 4];
    for row in rows {
        // Exact: the compressed keys came from u32 values.
        let (ll, dl, _) = p.terms(row.x, row.a as u32, row.b as u32, true);
        f += row.w * ll;
        for i in 0..4 {
            g[i] += row.w * dl[i];
        }
    }
    for i in 0..4 {
        grad[i] = -g[i] * nat[i];
    }
    -f
}

/// The BG/BB fitter: maximum likelihood over `ln(α, β, γ, δ)` by BFGS from
/// all ones with the analytic gradient ([spec](crate::btyd::spec#start-point)). Identical
/// `(x, t_x, n)` rows are grouped first, times the caller's weights.
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Fit};
/// use customer_value::btyd::{BgBb, DiscreteHistory};
///
/// // (x, t_x, n) and how many donors share each pattern.
/// let rows = [(0, 0, 6, 50.0), (1, 1, 6, 15.0), (1, 4, 6, 5.0), (2, 3, 6, 6.0),
///             (3, 6, 6, 8.0), (4, 5, 6, 6.0), (5, 6, 6, 9.0), (6, 6, 6, 12.0)];
/// let (histories, weights): (Vec<_>, Vec<_>) = rows
///     .iter()
///     .map(|&(x, t_x, n, w)| (DiscreteHistory::new(CustomerId::new(0), x, t_x, n), w))
///     .unzip();
/// let histories = histories.into_iter().collect::<Result<Vec<_>, _>>()?;
/// let fit = BgBb::new().fit_weighted(&histories, &weights)?;
/// assert_eq!((fit.customers(), fit.rows()), (111.0, 8));
/// assert!(fit.log_likelihood() < 0.0);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgBb {
    options: FitOptions,
}

impl Default for BgBb {
    fn default() -> Self {
        Self::new()
    }
}

impl BgBb {
    /// The fitter with the default [`FitOptions`] (at most 1000 BFGS
    /// iterations, no penalty).
    pub fn new() -> Self {
        Self {
            options: FitOptions::new(),
        }
    }

    fit_options_builder!();

    /// Fits on `population` with unit weights.
    ///
    /// # Errors
    ///
    /// As [`fit_weighted`](Self::fit_weighted).
    ///
    /// # Example
    ///
    /// See [`BgBb`].
    pub fn fit_detailed(&self, population: &[DiscreteHistory]) -> Result<BgBbFit> {
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
    ///   fits (data without any dropout signal, such as every customer
    ///   transacting at every opportunity, push a parameter to a
    ///   boundary).
    ///
    /// # Example
    ///
    /// See [`BgBb`].
    pub fn fit_weighted(&self, population: &[DiscreteHistory], weights: &[f64]) -> Result<BgBbFit> {
        self.fit_inner(population, Some(weights))
    }

    fn fit_inner(
        &self,
        population: &[DiscreteHistory],
        weights: Option<&[f64]>,
    ) -> Result<BgBbFit> {
        let rows = compress(population, weights, |h| {
            Some((h.x, f64::from(h.t_x), f64::from(h.n)))
        })?;
        const WHAT: &str = "BG/BB fit";
        let customers = total_weight(WHAT, &rows)?;
        identified(WHAT, &rows, customers)?;
        // Ray restarts: BG/BB likelihoods can hold a boundary supremum on one
        // face (α, β → ∞) and a better one on another (γ, δ → ∞); the 97 %
        // one-time-buyers log of the awkward corpus does.
        let problem = Problem::new(WHAT, BgBbParams::NAMES, customers)
            .rays(BG_BB_RAYS)
            .restart_rays();
        let fitted = fit_log_params(
            &problem,
            &self.options,
            |th: &[f64; 4], g: &mut [f64; 4]| nll_grad(&rows, *th, g),
            |natural: &[f64; 4]| -nll_grad(&rows, natural.map(f64::ln), &mut [0.0; 4]),
        )?;
        FitReport::from_fitted(WHAT, fitted, customers, rows.len())
    }
}

impl Fit for BgBb {
    type Input = DiscreteHistory;
    type Fitted = BgBbParams;

    /// Fits with unit weights and returns the parameters; see
    /// [`BgBb::fit_weighted`] for the errors.
    fn fit(&self, population: &[DiscreteHistory]) -> Result<BgBbParams> {
        Ok(self.fit_detailed(population)?.into_params())
    }
}

/// What a BG/BB fit found: the shared [`FitReport`] over `(α, β, γ, δ)`.
pub type BgBbFit = FitReport<BgBbParams, 4>;

impl Scorer for BgBbParams {
    type Input = DiscreteHistory;
    type Score = f64;

    /// [`BgBbParams::p_alive`]; never fails.
    fn score(&self, input: &DiscreteHistory) -> Result<f64> {
        Ok(self.p_alive(input))
    }
}

/// A [`Scorer`] of [`DiscreteHistory`] giving
/// [`P(alive)`](BgBbParams::p_alive), the
/// [expected transactions](BgBbParams::expected_transactions) over a fixed
/// number of future opportunities, and [DERT](BgBbParams::dert) at a fixed
/// discount rate per opportunity.
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Decimal, Scorer};
/// use customer_value::btyd::{BgBbParams, BgBbPredictor, DiscreteHistory};
/// use customer_value::clv::DiscountRate;
///
/// let params = BgBbParams::new(1.2035224, 0.7497164, 0.6567182, 2.783442)?;
/// let predictor = BgBbPredictor::new(params, 10, DiscountRate::new(Decimal::new(1, 1))?)?;
/// let s = predictor.score(&DiscreteHistory::new(CustomerId::new(1), 6, 6, 6)?)?;
/// assert!((s.p_alive() / 0.9304335746 - 1.0).abs() < 1e-9);
/// assert!((s.dert() / 5.909894205 - 1.0).abs() < 1e-9);
/// assert!(s.expected_transactions() > 0.0);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "BgBbPredictorRecord", into = "BgBbPredictorRecord")
)]
pub struct BgBbPredictor {
    params: BgBbParams,
    horizon: u32,
    discount: DiscountRate,
    d: f64,
}

impl BgBbPredictor {
    /// A predictor over the next `horizon` opportunities, discounting at
    /// `discount` per opportunity for DERT.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidParameter`] when `horizon` exceeds 10⁶ or the
    ///   discount rate is negative.
    /// - [`Error::InvalidValue`] when the discount rate is 0 and `γ ≤ 1`
    ///   (DERT would be infinite).
    ///
    /// # Example
    ///
    /// See [`BgBbPredictor`].
    pub fn new(params: BgBbParams, horizon: u32, discount: DiscountRate) -> Result<Self> {
        check_horizon(horizon)?;
        let d = discount_f64(discount)?;
        if d == 0.0 && !(params.gamma > 1.0) {
            return Err(Error::InvalidValue {
                what: "BG/BB predictor",
                reason: format!(
                    "an undiscounted DERT is infinite when gamma <= 1, got gamma = {}",
                    params.gamma
                ),
            });
        }
        Ok(Self {
            params,
            horizon,
            discount,
            d,
        })
    }
    /// The parameters.
    pub fn params(&self) -> &BgBbParams {
        &self.params
    }
    /// The horizon `n*`, in opportunities.
    pub fn horizon(&self) -> u32 {
        self.horizon
    }
    /// The discount rate per opportunity.
    pub fn discount(&self) -> DiscountRate {
        self.discount
    }
}

/// One customer's BG/BB prediction.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct BgBbScore {
    p_alive: f64,
    expected_transactions: f64,
    dert: f64,
}

impl BgBbScore {
    /// `P(alive at opportunity n+1 | x, t_x, n)`, in `[0, 1]`.
    pub fn p_alive(&self) -> f64 {
        self.p_alive
    }
    /// `E[X(n, n+n*) | x, t_x, n]` over the predictor's horizon, ≥ 0.
    pub fn expected_transactions(&self) -> f64 {
        self.expected_transactions
    }
    /// DERT at the predictor's discount rate, ≥ 0.
    pub fn dert(&self) -> f64 {
        self.dert
    }
}

impl Scorer for BgBbPredictor {
    type Input = DiscreteHistory;
    type Score = BgBbScore;

    /// # Errors
    ///
    /// As [`BgBbParams::dert`]: the DERT series needs more than 10⁶ terms
    /// (a discount rate below about 4·10⁻⁵).
    fn score(&self, input: &DiscreteHistory) -> Result<BgBbScore> {
        let per_n = self.per_n(input.n);
        self.score_with(input, &per_n)
    }

    /// Scores in bulk on all cores. The horizon sum and the DERT series
    /// depend on `n` only, so they are computed once per distinct `n`; the
    /// scores are bit-identical to [`score`](Scorer::score)'s.
    fn score_into(&self, inputs: &[DiscreteHistory], out: &mut Vec<BgBbScore>) -> Result<()> {
        let mut cache: rustc_hash::FxHashMap<u32, PerN> = rustc_hash::FxHashMap::default();
        for h in inputs {
            cache.entry(h.n).or_insert_with(|| self.per_n(h.n));
        }
        par_map_into(inputs, out, |h| self.score_with(h, &cache[&h.n]))
    }
}

/// What a [`BgBbPredictor`] score needs that depends on `n` only: the
/// horizon's survival sum and DERT's ₂F₁.
type PerN = (f64, std::result::Result<f64, Error>);

impl BgBbPredictor {
    fn per_n(&self, n: u32) -> PerN {
        let p = &self.params;
        let sum = survival_sum(p.gamma, p.delta + f64::from(n), f64::from(self.horizon));
        (sum, p.dert_series(n, self.d))
    }

    fn score_with(&self, h: &DiscreteHistory, &(sum, ref f): &PerN) -> Result<BgBbScore> {
        let p = &self.params;
        let q = p.q(h);
        Ok(BgBbScore {
            p_alive: p.alive_from(q, h),
            expected_transactions: p.transactions_from(q, h, sum),
            dert: p.dert_from(q, h, f.clone()?, self.d)?,
        })
    }
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct DiscreteHistoryRecord {
    customer: CustomerId,
    x: u32,
    t_x: u32,
    n: u32,
}

#[cfg(feature = "serde")]
impl From<DiscreteHistory> for DiscreteHistoryRecord {
    fn from(h: DiscreteHistory) -> Self {
        Self {
            customer: h.customer,
            x: h.x,
            t_x: h.t_x,
            n: h.n,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<DiscreteHistoryRecord> for DiscreteHistory {
    type Error = Error;
    fn try_from(r: DiscreteHistoryRecord) -> Result<Self> {
        Self::new(r.customer, r.x, r.t_x, r.n)
    }
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct BgBbRecord {
    alpha: f64,
    beta: f64,
    gamma: f64,
    delta: f64,
}

#[cfg(feature = "serde")]
impl From<BgBbParams> for BgBbRecord {
    fn from(p: BgBbParams) -> Self {
        Self {
            alpha: p.alpha,
            beta: p.beta,
            gamma: p.gamma,
            delta: p.delta,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<BgBbRecord> for BgBbParams {
    type Error = Error;
    fn try_from(r: BgBbRecord) -> Result<Self> {
        Self::new(r.alpha, r.beta, r.gamma, r.delta)
    }
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct BgBbPredictorRecord {
    params: BgBbParams,
    horizon: u32,
    discount: DiscountRate,
}

#[cfg(feature = "serde")]
impl From<BgBbPredictor> for BgBbPredictorRecord {
    fn from(p: BgBbPredictor) -> Self {
        Self {
            params: p.params,
            horizon: p.horizon,
            discount: p.discount,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<BgBbPredictorRecord> for BgBbPredictor {
    type Error = Error;
    fn try_from(r: BgBbPredictorRecord) -> Result<Self> {
        Self::new(r.params, r.horizon, r.discount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn hist(x: u32, t_x: u32, n: u32) -> DiscreteHistory {
        DiscreteHistory::new(CustomerId::new(1), x, t_x, n).unwrap()
    }

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    fn printed() -> BgBbParams {
        BgBbParams::new(1.2035224, 0.7497164, 0.6567182, 2.783442).unwrap()
    }

    fn lbeta(a: f64, b: f64) -> f64 {
        use statrs::function::gamma::ln_gamma;
        ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
    }

    #[test]
    fn histories_and_params_validate() {
        assert!(DiscreteHistory::new(CustomerId::new(1), 0, 0, 1).is_ok());
        assert!(DiscreteHistory::new(CustomerId::new(1), 6, 6, 6).is_ok());
        for (x, t_x, n) in [(0, 0, 0), (0, 1, 6), (3, 2, 6), (1, 7, 6), (1, 0, 6)] {
            assert!(
                matches!(
                    DiscreteHistory::new(CustomerId::new(9), x, t_x, n),
                    Err(Error::InvalidValue { .. })
                ),
                "{x} {t_x} {n}"
            );
        }
        let err = DiscreteHistory::new(CustomerId::new(42), 3, 2, 6).unwrap_err();
        assert!(err.to_string().contains("customer 42"), "{err}");
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                BgBbParams::new(bad, 1.0, 1.0, 1.0),
                Err(Error::InvalidParameter { name: "alpha", .. })
            ));
            assert!(matches!(
                BgBbParams::new(1.0, 1.0, 1.0, bad),
                Err(Error::InvalidParameter { name: "delta", .. })
            ));
        }
        let d0 = DiscountRate::new(Decimal::ZERO).unwrap();
        assert!(BgBbPredictor::new(printed(), 10, d0).is_err()); // γ < 1
        let p = BgBbParams::new(1.0, 1.0, 1.5, 1.0).unwrap();
        assert!(BgBbPredictor::new(p, 10, d0).is_ok());
        let d = DiscountRate::new(Decimal::new(1, 1)).unwrap();
        assert!(BgBbPredictor::new(p, MAX_HORIZON + 1, d).is_err());
        let neg = DiscountRate::new(Decimal::new(-1, 1)).unwrap();
        assert!(BgBbPredictor::new(p, 1, neg).is_err());
    }

    #[test]
    fn likelihood_matches_the_beta_function_form() {
        let p = BgBbParams::new(1.3, 0.7, 0.6, 2.8).unwrap();
        let (a, b, g, d) = (1.3, 0.7, 0.6, 2.8);
        for (x, t_x, n) in [(0, 0, 6), (2, 4, 6), (6, 6, 6), (1, 1, 30), (17, 25, 40)] {
            let (xf, tf, nf) = (f64::from(x), f64::from(t_x), f64::from(n));
            let mut s =
                (lbeta(a + xf, b + nf - xf) - lbeta(a, b) + lbeta(g, d + nf) - lbeta(g, d)).exp();
            for i in 0..(n - t_x) {
                let i = f64::from(i);
                s += (lbeta(a + xf, b + tf - xf + i) - lbeta(a, b) + lbeta(g + 1.0, d + tf + i)
                    - lbeta(g, d))
                .exp();
            }
            let got = p.log_likelihood(&hist(x, t_x, n));
            assert!(
                (got - s.ln()).abs() < 1e-12 * (1.0 + got.abs()),
                "{x} {t_x} {n}"
            );
        }
        // The probabilities of every history with n = 4 sum to 1 once the
        // C(t_x−1, x−1) orderings are counted.
        let mut total = 0.0;
        for t_x in 0..=4u32 {
            for x in 0..=t_x {
                if (x == 0) != (t_x == 0) {
                    continue;
                }
                let ways = if x == 0 { 1.0 } else { binom(t_x - 1, x - 1) };
                total += ways * p.log_likelihood(&hist(x, t_x, 4)).exp();
            }
        }
        assert!((total - 1.0).abs() < 1e-13, "{total}");
    }

    fn binom(n: u32, k: u32) -> f64 {
        (0..k).fold(1.0, |acc, i| acc * f64::from(n - i) / f64::from(i + 1))
    }

    #[test]
    fn predictions_at_printed_parameters() {
        let p = printed();
        assert!(rel(p.expected_transactions_new(10).unwrap(), 3.179828926) < 1e-9);
        assert!(
            rel(
                p.expected_transactions(&hist(0, 0, 6), 10).unwrap(),
                0.1302180803
            ) < 1e-9
        );
        assert!(
            rel(
                p.expected_transactions(&hist(4, 5, 6), 10).unwrap(),
                3.627967634
            ) < 1e-9
        );
        for ((x, t_x), want) in [
            ((0, 0), 0.1081332721),
            ((2, 4), 0.5896571793),
            ((6, 6), 0.9304335746),
        ] {
            assert!(rel(p.p_alive(&hist(x, t_x, 6)), want) < 1e-9, "{x} {t_x}");
        }
        let d = DiscountRate::new(Decimal::new(1, 1)).unwrap();
        for ((x, t_x), want) in [
            ((0, 0), 0.1147527085),
            ((3, 6), 3.448642385),
            ((6, 6), 5.909894205),
        ] {
            assert!(
                rel(p.dert(&hist(x, t_x, 6), d).unwrap(), want) < 1e-9,
                "{x} {t_x}"
            );
        }
        assert_eq!(p.expected_transactions_new(0), Ok(0.0));
        assert!(p.expected_transactions_new(MAX_HORIZON + 1).is_err());
    }

    #[test]
    fn dert_series_reference_value_and_brute_force() {
        // btyd::spec, hypergeometric reference values, row 10: the MLE, n = 6, d = 0.01; 30 digits:
        // 31.9390487971718016094951048654.
        let f = hyp2f1_unit_a(9.783441982887393, 10.44016015243731, 0.01, "test").unwrap();
        let (g, dl) = (0.6567182_f64, 2.783442_f64);
        assert!(rel(f, 31.939_048_797_171_8) < 1e-13, "{f}");
        // DERT = Σ_k z^k·E[transaction at n+k].
        let p = printed();
        let h = hist(2, 4, 6);
        let d = DiscountRate::new(Decimal::new(5, 2)).unwrap();
        let mut brute = 0.0;
        let mut prev = 0.0;
        for k in 1..2000u32 {
            let cum = p.expected_transactions(&h, k).unwrap();
            brute += (cum - prev) * 1.05f64.powi(-(k as i32));
            prev = cum;
        }
        assert!(rel(p.dert(&h, d).unwrap(), brute) < 1e-11);
        // E[X(n)] against the Beta-function sum.
        let direct: f64 = (1..=25)
            .map(|t| (lbeta(g, dl + f64::from(t)) - lbeta(g, dl)).exp())
            .sum::<f64>()
            * p.alpha
            / (p.alpha + p.beta);
        let p2 = BgBbParams::new(p.alpha, p.beta, g, dl).unwrap();
        assert!(rel(p2.expected_transactions_new(25).unwrap(), direct) < 1e-12);
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let rows = [
            Row {
                x: 0,
                a: 0.0,
                b: 6.0,
                w: 3.0,
            },
            Row {
                x: 2,
                a: 4.0,
                b: 6.0,
                w: 1.0,
            },
            Row {
                x: 6,
                a: 6.0,
                b: 6.0,
                w: 2.0,
            },
            Row {
                x: 20,
                a: 30.0,
                b: 40.0,
                w: 1.5,
            },
        ];
        let th = [0.2, -0.3, -0.4, 1.0];
        let mut g = [0.0; 4];
        nll_grad(&rows, th, &mut g);
        for i in 0..4 {
            let (mut p, mut m) = (th, th);
            p[i] += 1e-6;
            m[i] -= 1e-6;
            let mut tmp = [0.0; 4];
            let fd = (nll_grad(&rows, p, &mut tmp) - nll_grad(&rows, m, &mut tmp)) / 2e-6;
            assert!(
                (fd - g[i]).abs() < 1e-6 * (1.0 + g[i].abs()),
                "{i}: {fd} {}",
                g[i]
            );
        }
    }

    #[test]
    fn long_histories_stay_finite() {
        let p = printed();
        for h in [
            hist(0, 0, 100_000),
            hist(3, 10, 100_000),
            hist(50_000, 100_000, 100_000),
        ] {
            let ll = p.log_likelihood(&h);
            assert!(ll.is_finite() && ll < 0.0, "{ll}");
            let alive = p.p_alive(&h);
            assert!((0.0..=1.0).contains(&alive));
            assert!(p.log_likelihood_gradient(&h).iter().all(|g| g.is_finite()));
            let e = p.expected_transactions(&h, 52).unwrap();
            assert!((0.0..=52.0).contains(&e));
        }
        // Long silence after a busy start: almost surely dead.
        assert!(p.p_alive(&hist(3, 10, 100_000)) < 1e-3);
    }

    #[test]
    fn bulk_errors_equal_single_errors() {
        // A discount so small that the DERT series exceeds its cap.
        let tiny = DiscountRate::new(Decimal::new(1, 7)).unwrap();
        let predictor = BgBbPredictor::new(printed(), 10, tiny).unwrap();
        let inputs = [hist(0, 0, 6), hist(2, 4, 6)];
        let single = predictor.score(&inputs[0]).unwrap_err();
        assert!(matches!(single, Error::InvalidValue { .. }), "{single}");
        let mut out = Vec::new();
        assert_eq!(predictor.score_into(&inputs, &mut out).unwrap_err(), single);
        assert!(out.is_empty());
    }

    #[test]
    fn empty_fit_is_an_error() {
        assert!(BgBb::new().fit_detailed(&[]).is_err());
        assert!(BgBb::new().fit_weighted(&[hist(1, 1, 2)], &[0.0]).is_err());
        assert!(
            BgBb::new()
                .fit_weighted(&[hist(1, 1, 2)], &[1.0, 2.0])
                .is_err()
        );
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_validates() {
        let json = serde_json::to_string(&printed()).unwrap();
        assert_eq!(
            serde_json::from_str::<BgBbParams>(&json).unwrap(),
            printed()
        );
        let bad = r#"{"alpha":1,"beta":1,"gamma":0,"delta":1}"#;
        assert!(serde_json::from_str::<BgBbParams>(bad).is_err());
        let h = hist(2, 4, 6);
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(serde_json::from_str::<DiscreteHistory>(&json).unwrap(), h);
        let bad = r#"{"customer":1,"x":5,"t_x":4,"n":6}"#;
        assert!(serde_json::from_str::<DiscreteHistory>(bad).is_err());
        let d = DiscountRate::new(Decimal::new(1, 1)).unwrap();
        let pr = BgBbPredictor::new(printed(), 10, d).unwrap();
        let json = serde_json::to_string(&pr).unwrap();
        assert_eq!(serde_json::from_str::<BgBbPredictor>(&json).unwrap(), pr);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// P(X(n) = x) over x = 0..=n is a distribution whose mean is
        /// E[X(n)], for any parameters and horizon.
        #[test]
        fn new_customer_pmf_sums_to_one_with_the_expected_mean(
            a in 0.05f64..20.0, b in 0.05f64..20.0, g in 0.05f64..20.0, d in 0.05f64..20.0,
            n in 0u32..80,
        ) {
            let p = BgBbParams::new(a, b, g, d).unwrap();
            let pmf: Vec<f64> = (0..=n).map(|x| p.prob_transactions_new(n, x).unwrap()).collect();
            proptest::prop_assert!(pmf.iter().all(|q| *q >= 0.0));
            proptest::prop_assert!((pmf.iter().sum::<f64>() - 1.0).abs() < 1e-10);
            let mean: f64 = pmf.iter().enumerate().map(|(x, q)| x as f64 * q).sum();
            let want = p.expected_transactions_new(n).unwrap();
            proptest::prop_assert!((mean - want).abs() <= 1e-9 * want.max(1.0), "{} vs {}", mean, want);
            proptest::prop_assert!(p.prob_transactions_new(n, n + 1).is_err());
        }
    }
}
