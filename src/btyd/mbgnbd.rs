//! The MBG/NBD model (Batislam, Denizel & Filiztekin 2007;
//! [spec](crate::btyd::spec#mbgnbd-likelihood)): BG/NBD in which a customer may also drop out straight after the
//! first purchase.

use crate::btyd::boundary::{BG_NBD_RAYS, BG_NBD_WATCHES, identified};
use crate::btyd::fitting::{Problem, fit_log_params, fit_options_builder, total_weight};
use crate::btyd::input::{CustomerHistory, Prepared, Row, compress, mixture_sums};
use crate::btyd::math::{
    check_horizon, dlgamma, dpsi, e_bg, expit, ln_gamma_f, nb_upper_tail, positive,
};
use crate::btyd::report::{FitReport, ModelParameters};
use crate::btyd::status::FitOptions;
use crate::score::par_map_into;
use crate::{Error, Fit, Result, Scorer};

/// Most terms a series may take before it is an error.
const MAX_TERMS: usize = 1_000_000;

/// Names MBG/NBD in the errors of the shared `E_BG` series.
const WHAT_E: &str = "MBG/NBD expected purchases";

/// Fitted MBG/NBD parameters: `λ ~ Gamma(shape r, rate α)`,
/// `p ~ Beta(a, b)` ([spec](crate::btyd::spec#mbgnbd-likelihood)). `α` carries the data's time unit.
///
/// The model is BG/NBD's except that a customer may drop out, with
/// probability `p`, at time 0 straight after the first purchase as well as
/// after every repeat purchase, so a customer with no repeat purchase may
/// be dead: [`p_alive`](Self::p_alive) is below 1 even at `x = 0`.
///
/// Every parameter is finite and > 0. As a [`Scorer`] of
/// [`CustomerHistory`] it gives each customer's probability of being alive;
/// [`MbgNbdPredictor`] adds expected purchases.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "MbgNbdRecord", into = "MbgNbdRecord")
)]
pub struct MbgNbdParams {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
}

impl MbgNbdParams {
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
    /// use customer_value::btyd::MbgNbdParams;
    ///
    /// let p = MbgNbdParams::new(0.524838, 6.182992, 0.891356, 1.614)?;
    /// assert_eq!(p.alpha(), 6.182992);
    /// assert!(MbgNbdParams::new(0.524838, 6.182992, 0.0, 1.614).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(r: f64, alpha: f64, a: f64, b: f64) -> Result<Self> {
        Ok(Self {
            r: positive("r", r)?,
            alpha: positive("alpha", alpha)?,
            a: positive("a", a)?,
            b: positive("b", b)?,
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
    /// `a`, the first shape of the dropout-probability distribution.
    pub fn a(&self) -> f64 {
        self.a
    }
    /// `b`, the second shape of the dropout-probability distribution.
    pub fn b(&self) -> f64 {
        self.b
    }

    fn theta(&self) -> [f64; 4] {
        [self.r.ln(), self.alpha.ln(), self.a.ln(), self.b.ln()]
    }

    /// One customer's log-likelihood `ℓ` (a density in the purchase times,
    /// so it may be positive); unlike BG/NBD the `D2` term (dropout after
    /// the last purchase) is present for every `x`, `x = 0` included:
    ///
    /// ```text
    /// ℓ  = C + lse(D1, D2)
    /// C  = lnΓ(r+x) − lnΓ(r) + r·ln α + lnB(a, b+x+1) − lnB(a, b)
    /// D1 = −(r+x)·ln(α+T)
    /// D2 = ln a − ln(b+x) − (r+x)·ln(α+t_x)
    /// ```
    ///
    /// \[V: Batislam et al. 2007 via lifetimes, mpmath; differences of lnΓ
    /// without cancellation, [spec](crate::btyd::spec#shared-numerics) \[D\]\]
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::{CustomerHistory, MbgNbdParams};
    ///
    /// let p = MbgNbdParams::new(0.524838, 6.182992, 0.891356, 1.614)?;
    /// let none = CustomerHistory::new(CustomerId::new(1), 0, 0.0, 39.0)?;
    /// assert!((p.log_likelihood(&none) / -0.5402450667 - 1.0).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn log_likelihood(&self, history: &CustomerHistory) -> f64 {
        let mut g = [0.0; 4];
        -nll_grad(&[row_of(history)], self.theta(), &mut g)
    }

    /// The gradient of [`log_likelihood`](Self::log_likelihood) with
    /// respect to `(ln r, ln α, ln a, ln b)` ([spec](crate::btyd::spec#mbgnbd-likelihood) \[D\]), with
    /// `w2 = expit(D2 − D1)` for every `x` and `w1 = 1 − w2`:
    ///
    /// ```text
    /// ∂ℓ/∂ln r = r·[Δψ(r,x) + ln α − w1·ln(α+T) − w2·ln(α+t_x)]
    /// ∂ℓ/∂ln α = r − α(r+x)·[w1/(α+T) + w2/(α+t_x)]
    /// ∂ℓ/∂ln a = a·[ψ(a+b) − ψ(a+b+x+1)] + w2
    /// ∂ℓ/∂ln b = b·[Δψ(b,x+1) − Δψ(a+b,x+1)] − w2·b/(b+x)
    /// ```
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::{CustomerHistory, MbgNbdParams};
    ///
    /// let p = MbgNbdParams::new(0.5, 6.0, 0.9, 1.6)?;
    /// let c = CustomerHistory::new(CustomerId::new(1), 3, 20.0, 39.0)?;
    /// let g = p.log_likelihood_gradient(&c);
    /// // ∂ℓ/∂ln r by a central difference.
    /// let (up, down) = (MbgNbdParams::new(0.5 * 1e-6f64.exp(), 6.0, 0.9, 1.6)?,
    ///                   MbgNbdParams::new(0.5 * (-1e-6f64).exp(), 6.0, 0.9, 1.6)?);
    /// let fd = (up.log_likelihood(&c) - down.log_likelihood(&c)) / 2e-6;
    /// assert!((g[0] - fd).abs() < 1e-6);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn log_likelihood_gradient(&self, history: &CustomerHistory) -> [f64; 4] {
        let mut g = [0.0; 4];
        nll_grad(&[row_of(history)], self.theta(), &mut g);
        g.map(|d| -d)
    }

    /// `P(alive | x, t_x, T)` ([spec](crate::btyd::spec#mbgnbd-predictions) \[V: lifetimes\]):
    ///
    /// ```text
    /// P(alive) = expit(−[ln a − ln(b+x) + (r+x)·log1p((T−t_x)/(α+t_x))])
    /// ```
    ///
    /// It is below 1 even at `x = 0` (the customer may have dropped out
    /// straight after the first purchase), and underflows to `0.0` (never
    /// NaN) for extreme histories.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::{CustomerHistory, MbgNbdParams};
    ///
    /// let p = MbgNbdParams::new(0.524838, 6.182992, 0.891356, 1.614)?;
    /// let none = CustomerHistory::new(CustomerId::new(1), 0, 0.0, 39.0)?;
    /// assert!((p.p_alive(&none) / 0.3893291388 - 1.0).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn p_alive(&self, history: &CustomerHistory) -> f64 {
        let xf = f64::from(history.x());
        let (t_x, big_t) = (history.t_x(), history.age());
        let v = self.a.ln() - (self.b + xf).ln()
            + (self.r + xf) * ((big_t - t_x) / (self.alpha + t_x)).ln_1p();
        expit(-v)
    }

    /// `E[X(t)]`: the expected number of repeat purchases in `(0, t]` of a
    /// new customer ([spec](crate::btyd::spec#mbgnbd-predictions) \[V: lifetimes\]), with `E_BG` the
    /// [G-form series](crate::btyd::spec#bgnbd-expected-purchases) \[D\]:
    ///
    /// ```text
    /// E[X(t)] = b/(a+b) · E_BG(t; r, α, a, b+1)
    /// ```
    ///
    /// Where the series cancels (condition number above 10³) or runs past
    /// 4 000 terms, `E_BG` comes from the positive integral over the
    /// dropout probability by adaptive Gauss–Kronrod quadrature, as for
    /// [`BgNbdParams::expected_purchases_new`](crate::btyd::BgNbdParams::expected_purchases_new).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `t` is not finite and ≥ 0;
    /// [`Error::InvalidValue`] in the unlikely case that the quadrature
    /// fallback does not reach its tolerance; [`Error::Overflow`] when the
    /// value exceeds `f64`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::btyd::MbgNbdParams;
    ///
    /// let p = MbgNbdParams::new(0.524838, 6.182992, 0.891356, 1.614)?;
    /// assert!((p.expected_purchases_new(52.0)? / 1.418890029 - 1.0).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn expected_purchases_new(&self, t: f64) -> Result<f64> {
        check_horizon(t)?;
        let share = self.b / (self.a + self.b);
        Ok(share * e_bg(WHAT_E, t, self.r, self.alpha, self.a, self.b + 1.0)?)
    }

    /// `E[Y(t) | x, t_x, T]`: the expected repeat purchases in the next `t`
    /// time units of a customer with this history ([spec](crate::btyd::spec#mbgnbd-predictions) \[V:
    /// lifetimes\]):
    ///
    /// ```text
    /// E[Y(t) | x, t_x, T] = P(alive) · E_BG(t; r+x, α+T, a, b+x+1)
    /// ```
    ///
    /// # Errors
    ///
    /// As [`expected_purchases_new`](Self::expected_purchases_new).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::{CustomerHistory, MbgNbdParams};
    ///
    /// let p = MbgNbdParams::new(0.524838, 6.182992, 0.891356, 1.614)?;
    /// let c = CustomerHistory::new(CustomerId::new(1), 26, 30.85714, 31.0)?;
    /// assert!((p.expected_purchases(&c, 52.0)? / 23.99826456 - 1.0).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn expected_purchases(&self, history: &CustomerHistory, t: f64) -> Result<f64> {
        check_horizon(t)?;
        let p = self.p_alive(history);
        if p == 0.0 {
            return Ok(0.0);
        }
        Ok(p * self.e_posterior(history.x(), history.age(), t)?)
    }

    /// `E_BG(t; r+x, α+T, a, b+x+1)`.
    fn e_posterior(&self, x: u32, age: f64, t: f64) -> Result<f64> {
        let xf = f64::from(x);
        e_bg(
            WHAT_E,
            t,
            self.r + xf,
            self.alpha + age,
            self.a,
            self.b + xf + 1.0,
        )
    }

    /// `P(X(t) = n)`: the probability that a new customer makes exactly `n`
    /// repeat purchases in `(0, t]` ([spec](crate::btyd::spec#mbgnbd-predictions) \[V: lifetimes\]),
    /// with `p₀ = α/(α+t)` and the negative binomial
    /// `NB(j) = Γ(r+j)/(Γ(r) j!)·p₀^r (1−p₀)^j`, all in logs:
    ///
    /// ```text
    /// P(X(t)=n) = [B(a, b+n+1)/B(a,b)]·NB(n) + [B(a+1, b+n)/B(a,b)]·Tail(n)
    /// Tail(n)   = P(NB ≥ n),  Tail(0) = 1
    /// ```
    ///
    /// `Tail(n)` is summed upward from `n` when `n` is above the mode
    /// `max(0, (r−1)(1−p₀)/p₀)`, else taken as `1 − Σ_{j<n} NB(j)`
    /// ([spec](crate::btyd::spec#bgnbd-purchase-count-distribution)).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `t` is not finite and ≥ 0;
    /// [`Error::InvalidValue`] when a series needs more than 10⁶ terms.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::btyd::MbgNbdParams;
    ///
    /// let p = MbgNbdParams::new(0.524838, 6.182992, 0.891356, 1.614)?;
    /// assert!((p.prob_purchases(39.0, 0)? / 0.5826054577 - 1.0).abs() < 1e-9);
    /// assert!((p.prob_purchases(39.0, 2)? / 0.0868706162 - 1.0).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn prob_purchases(&self, t: f64, n: u32) -> Result<f64> {
        check_horizon(t)?;
        if t == 0.0 {
            return Ok(if n == 0 { 1.0 } else { 0.0 });
        }
        let (r, a, b) = (self.r, self.a, self.b);
        let ln_p0 = -(t / self.alpha).ln_1p(); // ln(α/(α+t))
        let ln_q0 = -(self.alpha / t).ln_1p(); // ln(t/(α+t))
        let q0 = ln_q0.exp();
        let ln_nb = |j: f64| dlgamma(r, j) - ln_gamma_f(j + 1.0) + r * ln_p0 + j * ln_q0;
        let base = dlgamma(b, a); // lnΓ(a+b) − lnΓ(b)
        let nf = f64::from(n);
        let first = (base - dlgamma(b + nf + 1.0, a) + ln_nb(nf)).exp();
        let mode = ((r - 1.0) * q0 / ln_p0.exp()).max(0.0);
        let tail = if n == 0 {
            1.0
        } else if nf > mode && q0 > 0.99 {
            // The upward sum would need about 45/(1 − q₀) terms: the
            // incomplete beta form instead.
            nb_upper_tail(r, nf, ln_p0, ln_q0).ok_or(Error::InvalidValue {
                what: "MBG/NBD purchase probability",
                reason: "the incomplete beta fraction for the tail did not converge".into(),
            })?
        } else if nf > mode {
            // Upward sum, relative to NB(n).
            let (mut term, mut sum, mut j) = (1.0_f64, 1.0_f64, nf);
            let mut terms = 0;
            loop {
                let ratio = (r + j) * q0 / (j + 1.0);
                term *= ratio;
                sum += term;
                j += 1.0;
                terms += 1;
                let rho = ratio.max(q0);
                if rho < 1.0 && term * rho / (1.0 - rho) <= 1e-17 * sum {
                    break;
                }
                if terms >= MAX_TERMS {
                    return Err(Error::InvalidValue {
                        what: "MBG/NBD purchase probability",
                        reason: format!("tail series did not converge in {MAX_TERMS} terms"),
                    });
                }
            }
            (ln_nb(nf) + sum.ln()).exp()
        } else {
            let head: f64 = (0..n).map(|j| ln_nb(f64::from(j)).exp()).sum();
            (1.0 - head).max(0.0)
        };
        // ln[B(a+1, b+n)/B(a, b)] = ln a + Δlnγ(b, n) − Δlnγ(a+b, n+1).
        let ln_b2 = a.ln() + dlgamma(b, nf) - dlgamma(a + b, nf + 1.0);
        let v = first + ln_b2.exp() * tail;
        if v.is_finite() {
            Ok(v.clamp(0.0, 1.0))
        } else {
            Err(Error::Overflow {
                what: "MBG/NBD purchase probability",
            })
        }
    }
}

fn row_of(history: &CustomerHistory) -> Row {
    Row {
        x: history.x(),
        a: history.t_x(),
        b: history.age(),
        w: 1.0,
    }
}

/// Total negative log-likelihood over weighted rows (`a` = t_x, `b` = T,
/// sorted by `x`) at `θ = ln(r, α, a, b)`, and its gradient in `θ`
/// ([spec](crate::btyd::spec#mbgnbd-likelihood) \[D\]).
fn nll_grad(rows: &[Row], theta: [f64; 4], grad: &mut [f64; 4]) -> f64 {
    Prepared::new(rows, 1.0).nll_grad(theta, grad)
}

/// [`nll_grad`] with the rows prepared once (times indexed, runs of `x`
/// found), for callers that evaluate the same data at many `θ`: the
/// profile-likelihood intervals.
pub(crate) fn prepared_nll_grad(
    rows: &[Row],
) -> impl Fn([f64; 4], &mut [f64; 4]) -> f64 + Sync + use<> {
    let prepared = Prepared::new(rows, 1.0);
    move |theta, grad| prepared.nll_grad(theta, grad)
}

/// The MBG/NBD likelihood over [`Prepared`] rows (a trait, so each model
/// keeps its own `nll_grad` on the shared row table).
trait Likelihood {
    fn nll_grad(&self, theta: [f64; 4], grad: &mut [f64; 4]) -> f64;
}

impl Likelihood for Prepared {
    fn nll_grad(&self, theta: [f64; 4], grad: &mut [f64; 4]) -> f64 {
        let [r, al, a, b] = theta.map(f64::exp);
        let ln_al = theta[1];
        let ln_a = theta[2];
        let table = self.time_table(al);
        let (f, g) = self.sum_by_x(|x, rows| {
            let xf = f64::from(x);
            let x1 = xf + 1.0;
            let rx = r + xf;
            // ln B(a, b+x1)/B(a, b) as Δlnγ(b, x1) − Δlnγ(a+b, x1): no
            // cancellation of two lnΓ differences of size a·ln b when a and
            // b run to ∞ together.
            let cx = dlgamma(r, xf) - xf * ln_al + dlgamma(b, x1) - dlgamma(a + b, x1);
            let dpr = dpsi(r, xf);
            let dpab = dpsi(a + b, x1);
            let dpb = dpsi(b, x1);
            let c2 = ln_a - (b + xf).ln();
            let s = mixture_sums(rows, &table, rx, c2);
            let sw = s.weight;
            (
                sw * cx + s.value,
                [
                    r * (sw * dpr - s.ln_q),
                    sw * r - al * rx * s.inv_q,
                    sw * (-a * dpab) + s.w2,
                    sw * b * (dpb - dpab) - s.w2 * b / (b + xf),
                ],
            )
        });
        for (o, v) in grad.iter_mut().zip(g) {
            *o = -v;
        }
        -f
    }
}

/// The MBG/NBD fitter: maximum likelihood over log-parameters by BFGS from
/// all-ones on time-scaled data ([spec](crate::btyd::spec#time-scaling)).
///
/// Identical histories are grouped first (bit-identical `(x, t_x, T)`),
/// times are scaled by `c = 1/max T` and `α` is reported in the data's
/// unit. As a [`Fit`] it returns the [`MbgNbdParams`];
/// [`fit_detailed`](Self::fit_detailed) also returns standard errors and
/// the log-likelihood.
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Fit};
/// use customer_value::btyd::{CustomerHistory, MbgNbd};
///
/// // (x, t_x, T) in weeks, and how many customers share each history.
/// let rows = [
///     (0, 0.0, 38.0, 140.0), (1, 10.0, 38.0, 25.0), (1, 30.0, 38.0, 20.0),
///     (2, 20.0, 37.0, 10.0), (2, 35.0, 37.0, 12.0), (3, 30.0, 36.0, 6.0),
///     (5, 35.0, 38.0, 5.0), (7, 36.0, 38.0, 4.0), (1, 2.0, 36.0, 8.0),
///     (2, 6.0, 38.0, 5.0), (4, 12.0, 37.0, 3.0),
/// ];
/// let mut population = Vec::new();
/// for (i, &(x, t_x, age, n)) in rows.iter().enumerate() {
///     for _ in 0..n as usize {
///         population.push(CustomerHistory::new(CustomerId::new(i as u64), x, t_x, age)?);
///     }
/// }
/// let fit = MbgNbd::new().fit_detailed(&population)?;
/// assert_eq!((fit.customers(), fit.rows()), (238.0, 11)); // identical rows grouped
/// assert!(fit.std_errors().is_some());
/// let params = MbgNbd::new().fit(&population)?; // the `Fit` trait
/// assert_eq!(params, *fit.params());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MbgNbd {
    options: FitOptions,
}

impl Default for MbgNbd {
    fn default() -> Self {
        Self::new()
    }
}

impl MbgNbd {
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
    /// See [`MbgNbd`].
    pub fn fit_detailed(&self, population: &[CustomerHistory]) -> Result<MbgNbdFit> {
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
    /// use customer_value::btyd::{CustomerHistory, MbgNbd};
    ///
    /// let rows = [
    ///     (0, 0.0, 38.0, 140.0), (1, 10.0, 38.0, 25.0), (1, 30.0, 38.0, 20.0),
    ///     (2, 20.0, 37.0, 10.0), (2, 35.0, 37.0, 12.0), (3, 30.0, 36.0, 6.0),
    ///     (5, 35.0, 38.0, 5.0), (7, 36.0, 38.0, 4.0), (1, 2.0, 36.0, 8.0),
    ///     (2, 6.0, 38.0, 5.0), (4, 12.0, 37.0, 3.0),
    /// ];
    /// let (histories, weights): (Vec<_>, Vec<_>) = rows
    ///     .iter()
    ///     .map(|&(x, t_x, age, n)| (CustomerHistory::new(CustomerId::new(0), x, t_x, age), n))
    ///     .unzip();
    /// let histories = histories.into_iter().collect::<Result<Vec<_>, _>>()?;
    /// let fit = MbgNbd::new().fit_weighted(&histories, &weights)?;
    /// assert_eq!(fit.customers(), 238.0);
    /// assert!(fit.log_likelihood() < 0.0);
    /// assert!(MbgNbd::new().fit_weighted(&histories, &[1.0]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn fit_weighted(
        &self,
        population: &[CustomerHistory],
        weights: &[f64],
    ) -> Result<MbgNbdFit> {
        self.fit_inner(population, Some(weights))
    }

    fn fit_inner(
        &self,
        population: &[CustomerHistory],
        weights: Option<&[f64]>,
    ) -> Result<MbgNbdFit> {
        let rows = compress(population, weights, |h| Some((h.x(), h.t_x(), h.age())))?;
        const WHAT: &str = "MBG/NBD fit";
        let customers = total_weight(WHAT, &rows)?;
        let c = 1.0 / rows.iter().fold(0.0_f64, |m, r| m.max(r.b));
        let scaled = Prepared::new(&rows, c);
        identified(WHAT, &rows, customers)?;
        // Times scaled by c multiply each customer's density by c^−x.
        let purchases: f64 = rows.iter().map(|r| r.w * f64::from(r.x)).sum();
        let problem = Problem::new(WHAT, MbgNbdParams::NAMES, customers)
            .time_scale(c, [false, true, false, false])
            .rays(BG_NBD_RAYS)
            .watch_rays(BG_NBD_WATCHES)
            .restart_rays()
            .log_likelihood_shift(c.ln() * purchases);
        let fitted = fit_log_params(
            &problem,
            &self.options,
            |th: &[f64; 4], g: &mut [f64; 4]| scaled.nll_grad(*th, g),
            |natural: &[f64; 4]| {
                -Prepared::new(&rows, 1.0).nll_grad(natural.map(f64::ln), &mut [0.0; 4])
            },
        )?;
        FitReport::from_fitted(WHAT, fitted, customers, rows.len())
    }
}

impl Fit for MbgNbd {
    type Input = CustomerHistory;
    type Fitted = MbgNbdParams;

    /// Fits with unit weights and returns the parameters; see
    /// [`MbgNbd::fit_weighted`] for the errors.
    fn fit(&self, population: &[CustomerHistory]) -> Result<MbgNbdParams> {
        Ok(self.fit_detailed(population)?.into_params())
    }
}

/// What an MBG/NBD fit found: the shared [`FitReport`] over `(r, α, a, b)`,
/// `α` in the data's time unit.
pub type MbgNbdFit = FitReport<MbgNbdParams, 4>;

impl Scorer for MbgNbdParams {
    type Input = CustomerHistory;
    type Score = f64;

    /// [`MbgNbdParams::p_alive`]; never fails.
    fn score(&self, input: &CustomerHistory) -> Result<f64> {
        Ok(self.p_alive(input))
    }
}

/// A [`Scorer`] of [`CustomerHistory`] giving
/// [`P(alive)`](MbgNbdParams::p_alive) and the
/// [expected purchases](MbgNbdParams::expected_purchases) over a fixed
/// horizon.
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Scorer};
/// use customer_value::btyd::{CustomerHistory, MbgNbdParams, MbgNbdPredictor};
///
/// let params = MbgNbdParams::new(0.524838, 6.182992, 0.891356, 1.614)?;
/// let predictor = MbgNbdPredictor::new(params, 52.0)?;
/// let s = predictor.score(&CustomerHistory::new(CustomerId::new(1), 26, 30.85714, 31.0)?)?;
/// assert!((s.expected_purchases() / 23.99826456 - 1.0).abs() < 1e-9);
/// let none = predictor.score(&CustomerHistory::new(CustomerId::new(2), 0, 0.0, 39.0)?)?;
/// assert!(none.p_alive() < 1.0); // may have dropped out after the first purchase
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "MbgNbdPredictorRecord", into = "MbgNbdPredictorRecord")
)]
pub struct MbgNbdPredictor {
    params: MbgNbdParams,
    horizon: f64,
}

impl MbgNbdPredictor {
    /// A predictor over `horizon` time units (the unit of `α`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `horizon` is not finite and ≥ 0.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::btyd::{MbgNbdParams, MbgNbdPredictor};
    ///
    /// let params = MbgNbdParams::new(0.524838, 6.182992, 0.891356, 1.614)?;
    /// assert_eq!(MbgNbdPredictor::new(params, 52.0)?.horizon(), 52.0);
    /// assert!(MbgNbdPredictor::new(params, -1.0).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(params: MbgNbdParams, horizon: f64) -> Result<Self> {
        check_horizon(horizon)?;
        Ok(Self { params, horizon })
    }
    /// The parameters.
    pub fn params(&self) -> &MbgNbdParams {
        &self.params
    }
    /// The horizon `t`.
    pub fn horizon(&self) -> f64 {
        self.horizon
    }
}

/// One customer's MBG/NBD prediction.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MbgNbdScore {
    p_alive: f64,
    expected_purchases: f64,
}

impl MbgNbdScore {
    /// `P(alive | x, t_x, T)`, in `[0, 1]`.
    pub fn p_alive(&self) -> f64 {
        self.p_alive
    }
    /// `E[Y(t) | x, t_x, T]` over the predictor's horizon, ≥ 0.
    pub fn expected_purchases(&self) -> f64 {
        self.expected_purchases
    }
}

impl Scorer for MbgNbdPredictor {
    type Input = CustomerHistory;
    type Score = MbgNbdScore;

    /// # Errors
    ///
    /// As [`MbgNbdParams::expected_purchases`].
    fn score(&self, input: &CustomerHistory) -> Result<MbgNbdScore> {
        let p_alive = self.params.p_alive(input);
        let expected_purchases = if p_alive == 0.0 {
            0.0
        } else {
            p_alive
                * self
                    .params
                    .e_posterior(input.x(), input.age(), self.horizon)?
        };
        Ok(MbgNbdScore {
            p_alive,
            expected_purchases,
        })
    }

    /// Scores in bulk on all cores. `E_BG` depends on a customer's `x`
    /// and `T` only, so it is computed once per distinct `(x, T)`; the
    /// scores are bit-identical to [`score`](Scorer::score)'s.
    fn score_into(&self, inputs: &[CustomerHistory], out: &mut Vec<MbgNbdScore>) -> Result<()> {
        if inputs.len() < 1024 {
            return par_map_into(inputs, out, |h| self.score(h));
        }
        let mut index: rustc_hash::FxHashMap<(u32, u64), u32> = rustc_hash::FxHashMap::default();
        let mut keys: Vec<(u32, f64)> = Vec::new();
        let slots: Vec<(u32, u32)> = inputs
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let slot = *index.entry((h.x(), h.age().to_bits())).or_insert_with(|| {
                    keys.push((h.x(), h.age()));
                    (keys.len() - 1) as u32
                });
                (i as u32, slot)
            })
            .collect();
        if keys.len() * 2 > inputs.len() {
            return par_map_into(inputs, out, |h| self.score(h));
        }
        let p = &self.params;
        let mut values: Vec<std::result::Result<f64, Error>> = Vec::with_capacity(keys.len());
        par_map_into(&keys, &mut values, |&(x, age)| {
            Ok(p.e_posterior(x, age, self.horizon))
        })?;
        par_map_into(&slots, out, |&(i, slot)| {
            let h = &inputs[i as usize];
            let p_alive = p.p_alive(h);
            let expected_purchases = if p_alive == 0.0 {
                0.0
            } else {
                p_alive * values[slot as usize].clone()?
            };
            Ok(MbgNbdScore {
                p_alive,
                expected_purchases,
            })
        })
    }
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct MbgNbdRecord {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
}

#[cfg(feature = "serde")]
impl From<MbgNbdParams> for MbgNbdRecord {
    fn from(p: MbgNbdParams) -> Self {
        Self {
            r: p.r,
            alpha: p.alpha,
            a: p.a,
            b: p.b,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<MbgNbdRecord> for MbgNbdParams {
    type Error = Error;
    fn try_from(p: MbgNbdRecord) -> Result<Self> {
        Self::new(p.r, p.alpha, p.a, p.b)
    }
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct MbgNbdPredictorRecord {
    params: MbgNbdParams,
    horizon: f64,
}

#[cfg(feature = "serde")]
impl From<MbgNbdPredictor> for MbgNbdPredictorRecord {
    fn from(p: MbgNbdPredictor) -> Self {
        Self {
            params: p.params,
            horizon: p.horizon,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<MbgNbdPredictorRecord> for MbgNbdPredictor {
    type Error = Error;
    fn try_from(p: MbgNbdPredictorRecord) -> Result<Self> {
        Self::new(p.params, p.horizon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CustomerId;
    use crate::btyd::math::lse;

    fn hist(x: u32, t_x: f64, age: f64) -> CustomerHistory {
        CustomerHistory::new(CustomerId::new(1), x, t_x, age).unwrap()
    }

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    fn printed() -> MbgNbdParams {
        MbgNbdParams::new(0.524838, 6.182992, 0.891356, 1.614).unwrap()
    }

    #[test]
    fn params_validate() {
        assert!(MbgNbdParams::new(1.0, 1.0, 1.0, 1.0).is_ok());
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                MbgNbdParams::new(bad, 1.0, 1.0, 1.0),
                Err(Error::InvalidParameter { name: "r", .. })
            ));
            assert!(matches!(
                MbgNbdParams::new(1.0, bad, 1.0, 1.0),
                Err(Error::InvalidParameter { name: "alpha", .. })
            ));
            assert!(matches!(
                MbgNbdParams::new(1.0, 1.0, bad, 1.0),
                Err(Error::InvalidParameter { name: "a", .. })
            ));
            assert!(matches!(
                MbgNbdParams::new(1.0, 1.0, 1.0, bad),
                Err(Error::InvalidParameter { name: "b", .. })
            ));
        }
        assert!(MbgNbdPredictor::new(printed(), -1.0).is_err());
        assert!(MbgNbdPredictor::new(printed(), f64::NAN).is_err());
    }

    /// The log-likelihood from the textbook form, term by term.
    fn plain_ll(p: &MbgNbdParams, x: u32, t_x: f64, age: f64) -> f64 {
        use statrs::function::gamma::ln_gamma;
        let (r, al, a, b) = (p.r, p.alpha, p.a, p.b);
        let xf = f64::from(x);
        let ln_beta = |u: f64, v: f64| ln_gamma(u) + ln_gamma(v) - ln_gamma(u + v);
        let c =
            ln_gamma(r + xf) - ln_gamma(r) + r * al.ln() + ln_beta(a, b + xf + 1.0) - ln_beta(a, b);
        let d1 = -(r + xf) * (al + age).ln();
        let d2 = a.ln() - (b + xf).ln() - (r + xf) * (al + t_x).ln();
        c + lse(d1, d2)
    }

    #[test]
    fn reference_values_at_printed_parameters() {
        let p = printed();
        let none = hist(0, 0.0, 39.0);
        assert!(rel(p.p_alive(&none), 0.3893291388) < 1e-9);
        assert!(rel(p.log_likelihood(&none), -0.5402450667) < 1e-9);
        assert!(rel(p.expected_purchases_new(52.0).unwrap(), 1.418890029) < 1e-9);
        let c = hist(26, 30.85714, 31.0);
        assert!(rel(p.expected_purchases(&c, 52.0).unwrap(), 23.99826456) < 1e-9);
        for (n, want) in [(0, 0.5826054577), (1, 0.1827634039), (2, 0.0868706162)] {
            assert!(rel(p.prob_purchases(39.0, n).unwrap(), want) < 1e-9, "{n}");
        }
        for &(x, t_x, age) in &[(0, 0.0, 39.0), (3, 20.0, 39.0), (7, 38.0, 38.0)] {
            let want = plain_ll(&p, x, t_x, age);
            assert!(rel(p.log_likelihood(&hist(x, t_x, age)), want) < 1e-12);
        }
    }

    #[test]
    fn probabilities_sum_to_one_and_match_the_mean() {
        let p = printed();
        let probs: Vec<f64> = (0..600)
            .map(|n| p.prob_purchases(30.0, n).unwrap())
            .collect();
        let total: f64 = probs.iter().sum();
        assert!((total - 1.0).abs() < 1e-12, "{total}");
        let mean: f64 = probs.iter().enumerate().map(|(n, q)| n as f64 * q).sum();
        assert!(
            rel(mean, p.expected_purchases_new(30.0).unwrap()) < 1e-10,
            "{mean}"
        );
        assert_eq!(p.prob_purchases(0.0, 0), Ok(1.0));
        assert_eq!(p.prob_purchases(0.0, 3), Ok(0.0));
        assert!(p.prob_purchases(f64::NAN, 3).is_err());
    }

    #[test]
    fn edge_cases() {
        let p = printed();
        // Below 1 at x = 0, also at t_x = T.
        assert!(p.p_alive(&hist(0, 0.0, 0.001)) < 1.0);
        let at_end = p.p_alive(&hist(5, 39.0, 39.0));
        assert!(rel(at_end, (p.b + 5.0) / (p.a + p.b + 5.0)) < 1e-14);
        assert_eq!(p.p_alive(&hist(1000, 10.0, 100.0)), 0.0);
        assert_eq!(
            p.expected_purchases(&hist(1000, 10.0, 100.0), 52.0),
            Ok(0.0)
        );
        let heavy = hist(5000, 90.0, 100.0);
        assert!(p.log_likelihood(&heavy).is_finite());
        assert!(
            p.log_likelihood_gradient(&heavy)
                .iter()
                .all(|g| g.is_finite())
        );
        let e = p
            .expected_purchases(&hist(100_000, 100.0, 100.0), 52.0)
            .unwrap();
        assert!(e.is_finite() && e > 0.0);
        assert_eq!(p.expected_purchases_new(0.0), Ok(0.0));
        let q = MbgNbdParams::new(0.5, 2.0, 1.0, 0.3).unwrap();
        assert!(q.expected_purchases_new(10.0).unwrap() > 0.0);
        // b < 1 is fine at x = 0: ln(b + x) stays finite.
        let q = MbgNbdParams::new(1.0, 1.0, 1.0, 0.5).unwrap();
        assert!(q.log_likelihood(&hist(0, 0.0, 1.0)).is_finite());
        // Far beyond where the series stops (t/α = 1.6e8): the integral
        // over p answers, and the value keeps growing with t.
        let far = p.expected_purchases_new(1e9).unwrap();
        assert!(far.is_finite() && far > p.expected_purchases_new(1e8).unwrap());
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let rows = [
            Row {
                x: 0,
                a: 0.0,
                b: 1.0,
                w: 3.0,
            },
            Row {
                x: 2,
                a: 0.5,
                b: 0.9,
                w: 1.0,
            },
            Row {
                x: 7,
                a: 0.8,
                b: 0.8,
                w: 2.0,
            },
        ];
        let th = [-0.7, 0.3, -0.2, 0.6];
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
    fn bulk_scores_equal_single_scores() {
        let predictor = MbgNbdPredictor::new(printed(), 52.0).unwrap();
        let inputs: Vec<CustomerHistory> = (0..5000u32)
            .map(|i| {
                let x = i % 7;
                let age = 30.0 + f64::from(i % 5);
                let t_x = if x == 0 {
                    0.0
                } else {
                    age * f64::from(1 + i % 13) / 13.0
                };
                hist(x, t_x, age)
            })
            .collect();
        let bulk = predictor.score_all(&inputs).unwrap();
        for (h, s) in inputs.iter().zip(&bulk) {
            assert_eq!(predictor.score(h).unwrap(), *s);
        }
        // Beyond the series: the quadrature, the same scores either way.
        let far = MbgNbdPredictor::new(printed(), 1e9).unwrap();
        let bulk = far.score_all(&inputs).unwrap();
        for (h, s) in inputs.iter().zip(&bulk).take(50) {
            assert_eq!(far.score(h).unwrap(), *s);
        }
    }

    #[test]
    fn empty_fit_is_an_error() {
        assert!(MbgNbd::new().fit_detailed(&[]).is_err());
        let h = [hist(1, 1.0, 2.0)];
        assert!(MbgNbd::new().fit_weighted(&h, &[0.0]).is_err());
        assert!(MbgNbd::new().fit_weighted(&h, &[f64::NAN]).is_err());
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_validates() {
        let json = serde_json::to_string(&printed()).unwrap();
        assert_eq!(
            serde_json::from_str::<MbgNbdParams>(&json).unwrap(),
            printed()
        );
        assert!(serde_json::from_str::<MbgNbdParams>(r#"{"r":1,"alpha":1,"a":-1,"b":1}"#).is_err());
        let pred = MbgNbdPredictor::new(printed(), 52.0).unwrap();
        let json = serde_json::to_string(&pred).unwrap();
        assert_eq!(
            serde_json::from_str::<MbgNbdPredictor>(&json).unwrap(),
            pred
        );
    }
}
