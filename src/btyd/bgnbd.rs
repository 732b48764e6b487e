//! The BG/NBD model (Fader, Hardie & Lee 2005a; [spec](crate::btyd::spec#bgnbd-model)).

use crate::btyd::boundary::{BG_NBD_RAYS, BG_NBD_WATCHES, identified};
use crate::btyd::fitting::{
    Curvature, FaceBound, HessianFn, Problem, fit_log_params_curved, fit_options_builder,
    total_weight,
};
use crate::btyd::input::{
    CustomerHistory, IndexedRow, Prepared, Row, compress, compress_counted, mixture_sums,
    mixture_sums_hess, mixture_value_bound, sum_runs, sum_runs_with, time_table_hess_of,
    time_table_of,
};
use crate::btyd::math::{
    Shifts, check_horizon, dlgamma, dtrigamma, e_bg, expit, ln_gamma_f, nb_upper_tail, positive,
};
use crate::btyd::optim::{bfgs, newton};
use crate::btyd::penalty::Penalty;
use crate::btyd::report::{FitReport, ModelParameters};
use crate::btyd::rows::DistinctRow;
use crate::btyd::status::FitOptions;
use crate::score::par_map_into;
use crate::{Error, Fit, Result, Scorer};

/// Most terms the `E_BG` series may take before it is an error.
const MAX_TERMS: usize = 1_000_000;

/// Fitted BG/NBD parameters: `λ ~ Gamma(shape r, rate α)`, `p ~ Beta(a, b)`
/// ([spec](crate::btyd::spec#bgnbd-model)). `α` carries the data's time unit.
///
/// Every parameter is finite and > 0. As a [`Scorer`] of
/// [`CustomerHistory`] it gives each customer's probability of being alive
/// ([`p_alive`](Self::p_alive)); [`BgNbdPredictor`] adds expected purchases.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "BgNbdRecord", into = "BgNbdRecord")
)]
pub struct BgNbdParams {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
}

impl BgNbdParams {
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
    /// use customer_value::btyd::BgNbdParams;
    ///
    /// let p = BgNbdParams::new(0.243, 4.414, 0.793, 2.426)?;
    /// assert_eq!(p.alpha(), 4.414);
    /// assert!(BgNbdParams::new(0.243, -4.0, 0.793, 2.426).is_err());
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

    /// One customer's log-likelihood `ℓ` (a density in the purchase times,
    /// so it may be positive):
    ///
    /// ```text
    /// ℓ  = C + lse(D1, D2)
    /// C  = lnΓ(r+x) − lnΓ(r) + r·ln α + lnB(a, b+x) − lnB(a, b)
    /// D1 = −(r+x)·ln(α+T)
    /// D2 = ln a − ln(b+x−1) − (r+x)·ln(α+t_x)     (x > 0; −∞ at x = 0)
    /// ```
    ///
    /// \[V: FHL 2005a §7 via lifetimes; differences of lnΓ without
    /// cancellation, [spec](crate::btyd::spec#shared-numerics) \[D\]\]
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::{BgNbdParams, CustomerHistory};
    ///
    /// let p = BgNbdParams::new(0.25, 4.0, 0.8, 2.5)?;
    /// let heavy = CustomerHistory::new(CustomerId::new(1), 200, 38.0, 40.0)?;
    /// assert!((p.log_likelihood(&heavy) - 100.79569309).abs() < 1e-7);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn log_likelihood(&self, history: &CustomerHistory) -> f64 {
        let row = Row {
            x: history.x(),
            a: history.t_x(),
            b: history.age(),
            w: 1.0,
        };
        let mut g = [0.0; 4];
        -nll_grad(&[row], self.theta(), &mut g)
    }

    /// The gradient of [`log_likelihood`](Self::log_likelihood) with
    /// respect to `(ln r, ln α, ln a, ln b)` ([spec](crate::btyd::spec#bgnbd-gradient) \[D\]), with
    /// `w2 = expit(D2 − D1)` (0 at x = 0) and `w1 = 1 − w2`:
    ///
    /// ```text
    /// ∂ℓ/∂ln r = r·[Δψ(r,x) + ln α − w1·ln(α+T) − w2·ln(α+t_x)]
    /// ∂ℓ/∂ln α = r − α(r+x)·[w1/(α+T) + w2/(α+t_x)]
    /// ∂ℓ/∂ln a = a·[ψ(a+b) − ψ(a+b+x)] + w2
    /// ∂ℓ/∂ln b = b·[Δψ(b,x) − Δψ(a+b,x)] − w2·b/(b+x−1)
    /// ```
    pub fn log_likelihood_gradient(&self, history: &CustomerHistory) -> [f64; 4] {
        let row = Row {
            x: history.x(),
            a: history.t_x(),
            b: history.age(),
            w: 1.0,
        };
        let mut g = [0.0; 4];
        nll_grad(&[row], self.theta(), &mut g);
        g.map(|d| -d)
    }

    fn theta(&self) -> [f64; 4] {
        [self.r.ln(), self.alpha.ln(), self.a.ln(), self.b.ln()]
    }

    /// `P(alive | x, t_x, T)` ([spec](crate::btyd::spec#bgnbd-probability-alive) \[V: lifetimes, FH note
    /// 021\]):
    ///
    /// ```text
    /// x = 0:  1   (nobody dies before a repeat purchase)
    /// x > 0:  expit(−[ln a − ln(b+x−1) + (r+x)·log1p((T−t_x)/(α+t_x))])
    /// ```
    ///
    /// It underflows to `0.0` (never NaN) for extreme histories.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::{BgNbdParams, CustomerHistory};
    ///
    /// let p = BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754)?;
    /// let c = CustomerHistory::new(CustomerId::new(1), 26, 30.85714, 31.0)?;
    /// assert!((p.p_alive(&c) / 0.9688555737 - 1.0).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn p_alive(&self, history: &CustomerHistory) -> f64 {
        let x = history.x();
        if x == 0 {
            return 1.0;
        }
        let xf = f64::from(x);
        let (t_x, big_t) = (history.t_x(), history.age());
        let v = self.a.ln() - (self.b + (xf - 1.0)).ln()
            + (self.r + xf) * ((big_t - t_x) / (self.alpha + t_x)).ln_1p();
        expit(-v)
    }

    /// `E[X(t)]`: the expected number of repeat purchases in `(0, t]` of a
    /// new customer, `E_BG(t; r, α, a, b)` in the
    /// [G-form](crate::btyd::spec#bgnbd-expected-purchases) \[D\]:
    ///
    /// ```text
    /// z = t/(α+t),  L = −log1p(t/α),  u = a−1,  c = a+b−1,  β' = c − r
    /// E_BG = −c·h(u, L) − e^{uL}·G,   h(u, L) = expm1(u·L)/u
    /// G = Σ_{k≥1} g_k,  g_1 = β'·z,  g_{k+1} = g_k·(a+k−1)(β'+k)·z / ((c+k)(k+1))
    /// ```
    ///
    /// No `0/0` at `a = 1`, no cancellation at small `t`. Where the series
    /// itself cancels (`r` large against `a + b`, huge `b`: condition number
    /// above 10³) or runs past 4 000 terms (`t ≫ α`), the value comes from
    /// the positive integral over the dropout probability
    /// `∫₀¹ p⁻¹(1 − (α/(α+pt))^r)·Beta(p; a, b) dp` by adaptive
    /// Gauss–Kronrod quadrature, to about `1e-13` relative \[D\].
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
    /// use customer_value::btyd::BgNbdParams;
    ///
    /// let p = BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754)?;
    /// assert!((p.expected_purchases_new(52.0)? / 1.444021485 - 1.0).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn expected_purchases_new(&self, t: f64) -> Result<f64> {
        check_horizon(t)?;
        e_bg(
            "BG/NBD expected purchases",
            t,
            self.r,
            self.alpha,
            self.a,
            self.b,
        )
    }

    /// `E[Y(t) | x, t_x, T]`: the expected repeat purchases in the next `t`
    /// time units of a customer with this history (FHL eq. 10 \[V\]):
    ///
    /// ```text
    /// E[Y(t) | x, t_x, T] = P(alive) · E_BG(t; r+x, α+T, a, b+x)
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
    /// use customer_value::btyd::{BgNbdParams, CustomerHistory};
    ///
    /// let p = BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754)?;
    /// let c = CustomerHistory::new(CustomerId::new(1), 26, 30.85714, 31.0)?;
    /// assert!((p.expected_purchases(&c, 52.0)? / 25.75776965 - 1.0).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn expected_purchases(&self, history: &CustomerHistory, t: f64) -> Result<f64> {
        check_horizon(t)?;
        let p = self.p_alive(history);
        if p == 0.0 {
            return Ok(0.0);
        }
        let xf = f64::from(history.x());
        Ok(p * e_bg(
            "BG/NBD expected purchases",
            t,
            self.r + xf,
            self.alpha + history.age(),
            self.a,
            self.b + xf,
        )?)
    }
}

impl BgNbdParams {
    /// `P(X(t) = n)`: the probability that a new customer makes exactly `n`
    /// repeat purchases in `(0, t]` (FHL 2005a eq. 8 \[V: lifetimes, R
    /// BTYD\]), with `p₀ = α/(α+t)` and the negative binomial
    /// `NB(j) = Γ(r+j)/(Γ(r) j!)·p₀^r (1−p₀)^j`, all in logs:
    ///
    /// ```text
    /// P(X(t)=n) = [B(a, b+n)/B(a,b)]·NB(n) + 1{n>0}·[B(a+1, b+n−1)/B(a,b)]·Tail(n)
    /// Tail(n)   = P(NB ≥ n)
    /// ```
    ///
    /// `Tail(n)` is summed upward from `n` when `n` is above the mode
    /// `max(0, (r−1)(1−p₀)/p₀)` (no `1 − head` cancellation), else taken
    /// as `1 − Σ_{j<n} NB(j)` ([spec](crate::btyd::spec#bgnbd-purchase-count-distribution)).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `t` is not finite and ≥ 0;
    /// [`Error::InvalidValue`] when a series needs more than 10⁶ terms.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::btyd::BgNbdParams;
    ///
    /// let p = BgNbdParams::new(0.243, 4.414, 0.793, 2.426)?;
    /// assert!((p.prob_purchases(39.0, 0)? / 0.5737863521 - 1.0).abs() < 1e-9);
    /// assert!((p.prob_purchases(2.0, 10)? / 1.0786896404e-07 - 1.0).abs() < 1e-9);
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
        let nf = f64::from(n);
        let base = dlgamma(b, a);
        let first = (base - dlgamma(b + nf, a) + ln_nb(nf)).exp();
        if n == 0 {
            return Ok(first);
        }
        let mode = ((r - 1.0) * q0 / ln_p0.exp()).max(0.0);
        let tail = if nf > mode && q0 > 0.99 {
            // The upward sum would need about 45/(1 − q₀) terms: the
            // incomplete beta form instead.
            nb_upper_tail(r, nf, ln_p0, ln_q0).ok_or(Error::InvalidValue {
                what: "BG/NBD purchase probability",
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
                        what: "BG/NBD purchase probability",
                        reason: format!("tail series did not converge in {MAX_TERMS} terms"),
                    });
                }
            }
            (ln_nb(nf) + sum.ln()).exp()
        } else {
            let head: f64 = (0..n).map(|j| ln_nb(f64::from(j)).exp()).sum();
            (1.0 - head).max(0.0)
        };
        let ln_b2 = a.ln() + dlgamma(b, nf - 1.0) - dlgamma(a + b, nf);
        let v = first + ln_b2.exp() * tail;
        if v.is_finite() {
            Ok(v.clamp(0.0, 1.0))
        } else {
            Err(Error::Overflow {
                what: "BG/NBD purchase probability",
            })
        }
    }
}

/// Total negative log-likelihood over weighted rows (`a` = t_x, `b` = T,
/// sorted by `x`) at `θ = ln(r, α, a, b)`, and its gradient in `θ`
/// ([spec](crate::btyd::spec#bgnbd-gradient) \[D\]).
pub(crate) fn nll_grad(rows: &[Row], theta: [f64; 4], grad: &mut [f64; 4]) -> f64 {
    Prepared::new(rows, 1.0).nll_grad(theta, grad)
}

/// The terms of one BG/NBD evaluation that depend on `x` alone (and on
/// `r, a, b`), for one run of rows sharing `x`:
/// `Δlnγ(r, x)`, `Δlnγ(b, x) − Δlnγ(a+b, x)`, the digamma differences
/// `Δψ(z, x) = ψ(z+x) − ψ(z)` and trigamma differences `Δψ'(z, x)` of
/// `z = r, b, a+b`, and `ln(b + x − 1)` ([spec](crate::btyd::spec#bgnbd-gradient) \[D\]).
#[derive(Debug, Clone, Copy, Default)]
struct XTerm {
    dlg_r: f64,
    dlg_bab: f64,
    dpr: f64,
    dpb: f64,
    dpab: f64,
    dtr: f64,
    dtb: f64,
    dtab: f64,
    ln_b1: f64,
}

/// [`XTerm`]s of every `x` from 0 up to a limit, built once per evaluation
/// by the recurrences `Γ(z+1) = z·Γ(z)` and its derivatives: for whole `x`,
/// `Δlnγ(z, x) = Σ_{k<x} ln(z+k)`, `Δψ(z, x) = Σ_{k<x} 1/(z+k)` and
/// `Δψ'(z, x) = −Σ_{k<x} 1/(z+k)²`, with
/// `Δlnγ(b, x) − Δlnγ(a+b, x) = −Σ_{k<x} ln(1 + a/(b+k))` summed as one
/// (no cancellation when `b ≫ a`). One logarithm and a few divisions per
/// `x` instead of log-gamma and digamma functions per distinct `x`; every
/// term is positive or of one sign, so the sums lose no digits beyond
/// rounding (about `x` units in the last place). An `x` past the table
/// (sparse large counts: the table stops at about twice the distinct `x`
/// of the rows) takes the log-gamma and digamma differences of [`Shifts`]
/// (made once, on the first such `x`) and [`dtrigamma`].
struct XTerms {
    table: Vec<XTerm>,
    r: f64,
    a: f64,
    b: f64,
    /// `Shifts` of `r`, `b` and `a + b`, for the `x` past the table.
    shifts: std::sync::OnceLock<[Shifts; 3]>,
}

impl XTerms {
    /// The table for `x = 0..=limit`; trigamma differences only with
    /// `hessian`.
    fn new(r: f64, a: f64, b: f64, limit: u32, hessian: bool) -> Self {
        let n = limit as usize + 1;
        let mut table = Vec::with_capacity(n);
        let mut t = XTerm::default();
        for x in 0..n {
            let k = x as f64;
            table.push(XTerm {
                ln_b1: (b + (k - 1.0)).ln(),
                ..t
            });
            let (zr, zb, zab) = (r + k, b + k, a + b + k);
            t.dlg_r += zr.ln();
            t.dlg_bab -= (a / zb).ln_1p();
            let (ir, ib, iab) = (1.0 / zr, 1.0 / zb, 1.0 / zab);
            t.dpr += ir;
            t.dpb += ib;
            t.dpab += iab;
            if hessian {
                t.dtr -= ir * ir;
                t.dtb -= ib * ib;
                t.dtab -= iab * iab;
            }
        }
        Self {
            table,
            r,
            a,
            b,
            shifts: std::sync::OnceLock::new(),
        }
    }

    /// The table for the rows of `prepared`, up to its largest `x` or about
    /// twice its distinct `x`, whichever is less.
    fn of(prepared: &Prepared, r: f64, a: f64, b: f64, hessian: bool) -> Self {
        let top = prepared.rows.last().map_or(0, |row| row.x);
        let limit = top.min(u32::try_from(2 * prepared.distinct_x + 64).unwrap_or(u32::MAX));
        Self::new(r, a, b, limit, hessian)
    }

    /// The terms of `x`.
    #[inline]
    fn at(&self, x: u32) -> XTerm {
        if let Some(t) = self.table.get(x as usize) {
            return *t;
        }
        let (r, a, b) = (self.r, self.a, self.b);
        let xf = f64::from(x);
        let [sr, sb, sab] = self
            .shifts
            .get_or_init(|| [Shifts::new(r), Shifts::new(b), Shifts::new(a + b)]);
        XTerm {
            dlg_r: sr.dlgamma(xf),
            dlg_bab: sb.dlgamma(xf) - sab.dlgamma(xf),
            dpr: sr.dpsi(xf),
            dpb: sb.dpsi(xf),
            dpab: sab.dpsi(xf),
            dtr: dtrigamma(r, xf),
            dtb: dtrigamma(b, xf),
            dtab: dtrigamma(a + b, xf),
            ln_b1: (b + (xf - 1.0)).ln(),
        }
    }
}

/// What every walk over the runs of one `x` starts from (the value and
/// gradient, the Hessian, the per-row and the coarse lower bounds):
/// `r + x`, the run's row-independent term
/// `cx = Δlnγ(r, x) − x·ln α + Δlnγ(b, x) − Δlnγ(a+b, x)` (`ln B(a, b+x)/B(a, b)`
/// as the difference of the two sums, no cancellation of two `lnΓ`
/// differences of size `a·ln b` when `a` and `b` run to ∞ together), the
/// dropout term's constant `c2 = ln a − ln(b+x−1)` (used for `x > 0`) and
/// the run's [`XTerm`].
struct RunHead {
    xf: f64,
    rx: f64,
    cx: f64,
    c2: f64,
    t: XTerm,
}

impl XTerms {
    /// The [`RunHead`] of `x` at `r`, `ln α` and `ln a`.
    #[inline]
    fn head(&self, x: u32, r: f64, ln_al: f64, ln_a: f64) -> RunHead {
        let xf = f64::from(x);
        let t = self.at(x);
        RunHead {
            xf,
            rx: r + xf,
            cx: t.dlg_r - xf * ln_al + t.dlg_bab,
            c2: ln_a - t.ln_b1,
            t,
        }
    }
}

/// The BG/NBD likelihood over [`Prepared`] rows (a trait, so each model
/// keeps its own `nll_grad` on the shared row table).
trait Likelihood {
    fn nll_grad(&self, theta: [f64; 4], grad: &mut [f64; 4]) -> f64;
    fn nll_grad_hess(&self, theta: [f64; 4], grad: &mut [f64; 4], hess: &mut [[f64; 4]; 4]) -> f64;
}

/// One run's (or a sum of runs') log-likelihood, gradient and Hessian.
#[derive(Default)]
struct RunCurvature {
    f: f64,
    g: [f64; 4],
    h: [[f64; 4]; 4],
}

fn add_curvature(acc: &mut RunCurvature, other: &RunCurvature) {
    acc.f += other.f;
    for k in 0..4 {
        acc.g[k] += other.g[k];
        for j in 0..4 {
            acc.h[k][j] += other.h[k][j];
        }
    }
}

/// What every run of one BG/NBD evaluation at `θ` shares: the
/// parameters, the table of the distinct times (`T` of the time table's
/// row type: [`time_table_of`] or [`time_table_hess_of`]) and the
/// [`XTerms`]. Built by each thread that sums runs, from the same inputs,
/// so every thread holds the same bits.
struct Shared<T> {
    r: f64,
    al: f64,
    a: f64,
    b: f64,
    ln_al: f64,
    ln_a: f64,
    table: Vec<T>,
    terms: XTerms,
}

impl Shared<(f64, f64)> {
    /// For the value and gradient, or the lower bound, over `prepared`'s
    /// rows with the distinct times `times` (its own, or
    /// [`Prepared::unscaled_times`]).
    fn value(prepared: &Prepared, times: &[f64], theta: [f64; 4]) -> Self {
        let [r, al, a, b] = theta.map(f64::exp);
        Self {
            r,
            al,
            a,
            b,
            ln_al: theta[1],
            ln_a: theta[2],
            table: time_table_of(times, al),
            terms: XTerms::of(prepared, r, a, b, false),
        }
    }
}

impl Shared<[f64; 4]> {
    /// For the Hessian.
    fn curved(prepared: &Prepared, times: &[f64], theta: [f64; 4]) -> Self {
        let [r, al, a, b] = theta.map(f64::exp);
        Self {
            r,
            al,
            a,
            b,
            ln_al: theta[1],
            ln_a: theta[2],
            table: time_table_hess_of(times, al),
            terms: XTerms::of(prepared, r, a, b, true),
        }
    }
}

/// The log-likelihood and its gradient in `θ` of the run of `rows`
/// sharing `x` (the per-run term of [`Likelihood::nll_grad`], not negated).
#[inline]
fn run_value_grad(e: &Shared<(f64, f64)>, x: u32, rows: &[IndexedRow]) -> (f64, [f64; 4]) {
    let (r, al, a, b) = (e.r, e.al, e.a, e.b);
    let table = &e.table;
    let RunHead { xf, rx, cx, c2, t } = e.terms.head(x, r, e.ln_al, e.ln_a);
    let (dpr, dpab, dpb) = (t.dpr, t.dpab, t.dpb);
    if x == 0 {
        // w1 = 1, w2 = 0.
        let (mut sf, mut s_r, mut s_al, mut sw) = (0.0, 0.0, 0.0, 0.0);
        for row in rows {
            let (l1, inv1) = table[row.age as usize];
            sf += row.w * (-rx * l1);
            s_r += row.w * l1;
            s_al += row.w * inv1;
            sw += row.w;
        }
        (
            sw * cx + sf,
            [
                r * (sw * dpr - s_r),
                sw * r - al * rx * s_al,
                sw * (-a * dpab),
                sw * b * (dpb - dpab),
            ],
        )
    } else {
        let s = mixture_sums(rows, table, rx, c2);
        let sw = s.weight;
        (
            sw * cx + s.value,
            [
                r * (sw * dpr - s.ln_q),
                sw * r - al * rx * s.inv_q,
                sw * (-a * dpab) + s.w2,
                sw * b * (dpb - dpab) - s.w2 * b / (b + (xf - 1.0)),
            ],
        )
    }
}

/// The log-likelihood, gradient and Hessian (upper triangle) in `θ` of the
/// run of `rows` sharing `x` (the per-run term of
/// [`Likelihood::nll_grad_hess`], not negated).
#[inline]
fn run_curvature(e: &Shared<[f64; 4]>, x: u32, rows: &[IndexedRow]) -> RunCurvature {
    let (r, al, a, b) = (e.r, e.al, e.a, e.b);
    let table = &e.table;
    let RunHead { xf, rx, cx, c2, t } = e.terms.head(x, r, e.ln_al, e.ln_a);
    let (dpr, dpab, dpb) = (t.dpr, t.dpab, t.dpb);
    let mut h = [[0.0; 4]; 4];
    if x == 0 {
        let (mut sf, mut s_r, mut s_al, mut sw) = (0.0, 0.0, 0.0, 0.0);
        let (mut s_s, mut s_ss) = (0.0, 0.0);
        for row in rows {
            let [l1, inv1, s1, ss1] = table[row.age as usize];
            sf += row.w * (-rx * l1);
            s_r += row.w * l1;
            s_al += row.w * inv1;
            sw += row.w;
            s_s += row.w * s1;
            s_ss += row.w * ss1;
        }
        h[0][0] = -r * s_r;
        h[0][1] = r * s_s;
        h[1][1] = -rx * s_ss;
        return RunCurvature {
            f: sw * cx + sf,
            g: [
                r * (sw * dpr - s_r),
                sw * r - al * rx * s_al,
                sw * (-a * dpab),
                sw * b * (dpb - dpab),
            ],
            h,
        };
    }
    let s = mixture_sums_hess(rows, table, rx, c2);
    let m = s.base;
    let sw = m.weight;
    let beta = b / (b + (xf - 1.0));
    let (dtr, dtab, dtb) = (t.dtr, t.dtab, t.dtb);
    h[0][0] = sw * (r * dpr + r * r * dtr) - r * m.ln_q + r * r * s.q_ll;
    h[0][1] = r * s.s_q + r * rx * s.q_ls;
    h[1][1] = -rx * s.ss_q + rx * rx * s.q_ss;
    h[0][2] = r * s.q_l;
    h[0][3] = -beta * r * s.q_l;
    h[1][2] = rx * s.q_s;
    h[1][3] = -beta * rx * s.q_s;
    h[2][2] = sw * (-a * dpab - a * a * dtab) + s.q;
    h[2][3] = sw * (-a * b * dtab) - beta * s.q;
    h[3][3] = sw * (b * (dpb - dpab) + b * b * (dtb - dtab)) - beta * (1.0 - beta) * m.w2
        + beta * beta * s.q;
    RunCurvature {
        f: sw * cx + m.value,
        g: [
            r * (sw * dpr - m.ln_q),
            sw * r - al * rx * m.inv_q,
            sw * (-a * dpab) + m.w2,
            sw * b * (dpb - dpab) - m.w2 * b / (b + (xf - 1.0)),
        ],
        h,
    }
}

/// An upper bound of the log-likelihood of the run of `rows` sharing `x`
/// (the per-run term of [`Prepared::bgnbd_nll_lower_bound`], not negated).
#[inline]
fn run_bound(e: &Shared<(f64, f64)>, x: u32, rows: &[IndexedRow]) -> f64 {
    let table = &e.table;
    let RunHead { rx, cx, c2, .. } = e.terms.head(x, e.r, e.ln_al, e.ln_a);
    if x == 0 {
        let (mut sf, mut sw) = (0.0, 0.0);
        for row in rows {
            sf += row.w * (-rx * table[row.age as usize].0);
            sw += row.w;
        }
        return sw * cx + sf;
    }
    let sw: f64 = rows.iter().map(|row| row.w).sum();
    sw * cx + mixture_value_bound(rows, table, rx, c2)
}

/// The total of [`run_value_grad`] over `rows` at times `times`.
fn part_value_grad(
    prepared: &Prepared,
    times: &[f64],
    theta: [f64; 4],
    rows: &[IndexedRow],
) -> (f64, [f64; 4]) {
    let e = Shared::value(prepared, times, theta);
    sum_runs(rows, &|x, run: &[IndexedRow]| run_value_grad(&e, x, run))
}

/// The total of [`run_curvature`] over `rows`.
fn part_curvature(prepared: &Prepared, theta: [f64; 4], rows: &[IndexedRow]) -> RunCurvature {
    let e = Shared::curved(prepared, &prepared.times, theta);
    sum_runs_with(
        rows,
        &|x, run: &[IndexedRow]| run_curvature(&e, x, run),
        add_curvature,
    )
}

/// The total of [`run_bound`] over `rows`.
fn part_bound(prepared: &Prepared, theta: [f64; 4], rows: &[IndexedRow]) -> f64 {
    let e = Shared::value(prepared, &prepared.times, theta);
    sum_runs_with(
        rows,
        &|x, run: &[IndexedRow]| run_bound(&e, x, run),
        |acc: &mut f64, v: &f64| *acc += *v,
    )
}

/// The negated value and gradient of a summed [`run_value_grad`].
fn negated(f: f64, g: [f64; 4], grad: &mut [f64; 4]) -> f64 {
    for (o, v) in grad.iter_mut().zip(g) {
        *o = -v;
    }
    -f
}

/// The negated value, gradient and (mirrored) Hessian of a summed
/// [`run_curvature`].
fn negated_curvature(total: &RunCurvature, grad: &mut [f64; 4], hess: &mut [[f64; 4]; 4]) -> f64 {
    for (o, v) in grad.iter_mut().zip(total.g) {
        *o = -v;
    }
    // The upper triangle holds the sums; mirror it.
    *hess = std::array::from_fn(|i| std::array::from_fn(|j| -total.h[i.min(j)][i.max(j)]));
    -total.f
}

impl Likelihood for Prepared {
    fn nll_grad(&self, theta: [f64; 4], grad: &mut [f64; 4]) -> f64 {
        let e = Shared::value(self, &self.times, theta);
        let (f, g) = self.sum_by_x(|x, rows| run_value_grad(&e, x, rows));
        negated(f, g, grad)
    }

    /// [`nll_grad`](Likelihood::nll_grad) (the same value and gradient, to
    /// the last bit) and the Hessian in `θ` ([spec](crate::btyd::spec#bgnbd-gradient) \[D\]):
    /// per row `ℓ = C + lse(D1, D2)`, so
    /// `∇²ℓ = ∇²C + w1·∇²D1 + w2·∇²D2 + w1·w2·ΔΔᵀ` with
    /// `Δ = ∇D2 − ∇D1 = [r·δL, (r+x)·δs, 1, −β]`, `β = b/(b+x−1)`,
    /// `δL = ln q(T) − ln q(t_x)`, `δs = s(t_x) − s(T)`, `s(t) = t/(α+t)`;
    /// `∇²D` holds `−r ln q`, `r·s`, `−(r+x)·s(1 − s)` in `(ln r, ln α)`
    /// and `−β(1 − β)` in `ln b`; `∇²C` the trigamma differences
    /// `Δψ'(z, x) = ψ'(z+x) − ψ'(z)` of `r`, `b` and `a + b`.
    fn nll_grad_hess(&self, theta: [f64; 4], grad: &mut [f64; 4], hess: &mut [[f64; 4]; 4]) -> f64 {
        let e = Shared::curved(self, &self.times, theta);
        let total = self.sum_by_x_with(|x, rows| run_curvature(&e, x, rows), add_curvature);
        negated_curvature(&total, grad, hess)
    }
}

impl Prepared {
    /// A lower bound of [`Likelihood::nll_grad`]'s value at `theta`, for
    /// the fitter's boundary check: the same terms, with each repeat
    /// buyer's `ln(e^{D1} + e^{D2})` replaced by the upper bound of
    /// [`mixture_value_bound`] (no exponential, logarithm or gradient per
    /// row; `x = 0` rows exact), on two threads from `PARALLEL_ROWS` rows
    /// on (as the likelihood).
    fn bgnbd_nll_lower_bound(&self, theta: [f64; 4]) -> f64 {
        let e = Shared::value(self, &self.times, theta);
        let f = self.sum_by_x_with(
            |x, rows| run_bound(&e, x, rows),
            |acc: &mut f64, v: &f64| *acc += *v,
        );
        -f
    }
}

/// Buckets of [`CoarseRows`] per halving of a (scaled) time.
const BUCKETS_PER_OCTAVE: i32 = 8;

/// Buckets of [`CoarseRows`]: the last holds the times below about
/// `2^-12` of the largest (and 0).
const BUCKETS: usize = 100;

/// The rows of a [`Prepared`] table summed by `x` and by time bucket, for
/// a lower bound of the objective that costs a multiplication per
/// non-empty bucket and a few functions per distinct `x` rather than a
/// pass over the rows ([`Self::nll_lower_bound`]; on the 85,717 rows of
/// 103k customers in days: 535 `x`, some 12,000 non-empty buckets).
/// Bucket `k < BUCKETS − 1` holds the times in `(2^{−(k+1)/8}, 2^{−k/8}]`
/// (times scaled to at most about 1), the last one the rest.
struct CoarseRows {
    /// The lower edge of each bucket: at most every time in it.
    edges: [f64; BUCKETS],
    runs: Vec<CoarseRun>,
    /// The buckets with weight, and their weights, of every run in turn.
    cells: Vec<(u8, f64)>,
}

/// One `x` of [`CoarseRows`].
struct CoarseRun {
    x: u32,
    /// The customers (total weight) with this `x`.
    weight: f64,
    /// The largest `T`.
    top: f64,
    /// Where the run's buckets of `T` start in [`CoarseRows::cells`],
    /// where its buckets of `t_x` start and where they end.
    cells: [usize; 3],
}

impl CoarseRows {
    fn new(prepared: &Prepared) -> Self {
        let edges: [f64; BUCKETS] = std::array::from_fn(|k| {
            if k + 1 < BUCKETS {
                (-f64::from(k as i32 + 1) / f64::from(BUCKETS_PER_OCTAVE)).exp2()
            } else {
                0.0
            }
        });
        // The bucket of each distinct time: the first whose lower edge is
        // at most the time (checked, whatever the rounding of log2).
        let bucket_of: Vec<u8> = prepared
            .times
            .iter()
            .map(|&t| {
                let guess = (-t.log2() * f64::from(BUCKETS_PER_OCTAVE)).floor();
                let mut k = if guess >= 0.0 {
                    (guess as usize).min(BUCKETS - 1)
                } else {
                    0
                };
                while edges[k] > t {
                    k += 1;
                }
                k as u8
            })
            .collect();
        let mut runs: Vec<CoarseRun> = Vec::with_capacity(prepared.distinct_x);
        let mut cells: Vec<(u8, f64)> = Vec::new();
        let (mut by_age, mut by_t_x) = ([0.0; BUCKETS], [0.0; BUCKETS]);
        let mut at = 0;
        while at < prepared.rows.len() {
            let x = prepared.rows[at].x;
            let (mut weight, mut top) = (0.0, 0.0_f64);
            while let Some(row) = prepared.rows.get(at).filter(|row| row.x == x) {
                weight += row.w;
                top = top.max(prepared.times[row.age as usize]);
                by_age[usize::from(bucket_of[row.age as usize])] += row.w;
                by_t_x[usize::from(bucket_of[row.t_x as usize])] += row.w;
                at += 1;
            }
            let start = cells.len();
            let mut keep = |by: &mut [f64; BUCKETS]| {
                for (k, w) in by.iter_mut().enumerate() {
                    if *w != 0.0 {
                        cells.push((k as u8, *w));
                        *w = 0.0;
                    }
                }
                cells.len()
            };
            let middle = keep(&mut by_age);
            let end = keep(&mut by_t_x);
            runs.push(CoarseRun {
                x,
                weight,
                top,
                cells: [start, middle, end],
            });
        }
        Self { edges, runs, cells }
    }

    /// A lower bound of [`Likelihood::nll_grad`]'s value at `theta` on the
    /// rows this was made of (sorted by `x`), through two bounds of each
    /// repeat buyer's `ℓ' = ln(e^{D1} + e^{D2})` (as in [`mixture_sums`],
    /// `D1 = −(r+x) ln q(T)`, `D2 = c2 − (r+x) ln q(t_x)`, `q(t) = 1 + t/α`),
    /// each a sum of a term of `t_x` or of `T` alone:
    ///
    /// ```text
    /// ℓ' = D2 + ln(1 + e^{D1−D2}) ≤ softplus(c2) − (r+x)·ln q(t_x)      (t_x ≤ T)
    /// ℓ' = D1 + ln(1 + e^{D2−D1}) ≤ −(r+x)·ln q(T) + softplus(c2 + (r+x)·ln q(T_max))
    /// ```
    ///
    /// (`softplus(z) = ln(1 + e^z)`, `T_max` the largest `T` of the `x`),
    /// the smaller for each `x`; in each, `ln q(t)` is taken at its bucket's
    /// lower edge, which is at most `ln q(t)` (`ln q` grows with `t`). The
    /// `x = 0` rows take `−r·ln q(T)` the same way. Looser than
    /// [`Prepared::bgnbd_nll_lower_bound`] (by up to `(r+x)·ln 2^{1/8}` per
    /// customer, and where neither term of `ℓ'` dominates), so the fit tries
    /// it first and takes the row-by-row bound only where it does not rule
    /// a face out.
    fn nll_lower_bound(&self, prepared: &Prepared, theta: [f64; 4]) -> f64 {
        let [r, al, a, b] = theta.map(f64::exp);
        let terms = XTerms::of(prepared, r, a, b, false);
        let ln_q = self.edges.map(|e| (e / al).ln_1p());
        let softplus = |z: f64| {
            if z > 0.0 {
                z + (-z).exp().ln_1p()
            } else {
                z.exp().ln_1p()
            }
        };
        let dot = |cells: &[(u8, f64)]| -> f64 {
            cells.iter().map(|&(k, w)| w * ln_q[usize::from(k)]).sum()
        };
        let mut total = 0.0;
        for run in &self.runs {
            let RunHead { rx, cx, c2, .. } = terms.head(run.x, r, theta[1], theta[2]);
            let [age_from, t_x_from, end] = run.cells;
            let at_age = dot(&self.cells[age_from..t_x_from]);
            if run.x == 0 {
                total += run.weight * cx - rx * at_age;
                continue;
            }
            let alive = run.weight * softplus(c2) - rx * dot(&self.cells[t_x_from..end]);
            let top = (run.top / al).ln_1p();
            let gone = -rx * at_age + run.weight * softplus(c2 + rx * top);
            total += run.weight * cx + alive.min(gone);
        }
        -total
    }
}

/// The face bound the fit gives the boundary check: [`CoarseRows`]'s
/// (made on the first call) when it rules the face out against the lowest
/// objective value `seen` so far, with room to spare, else `full` (the
/// row-by-row bound). Either is a lower bound of the objective, so the
/// choice changes how long the check takes, never what it finds.
fn tiered_face_bound(
    coarse: &std::cell::OnceCell<CoarseRows>,
    prepared: &Prepared,
    seen: f64,
    theta: [f64; 4],
    full: impl FnOnce() -> f64,
) -> f64 {
    let cheap = coarse
        .get_or_init(|| CoarseRows::new(prepared))
        .nll_lower_bound(prepared, theta);
    // The boundary check's threshold is the optimum's value plus `1e-7`
    // and `1e-6` relative; twice that is room for rounding.
    if cheap > seen + 2e-7 + 2e-6 * seen.abs().max(1.0) {
        cheap
    } else {
        full()
    }
}

/// An evaluation for the [`Worker`] thread, on the rows before the cut.
enum Job {
    /// Value and gradient at `θ`, at the unscaled times when `true`.
    ValueGrad([f64; 4], bool),
    Curvature([f64; 4]),
    Bound([f64; 4]),
    /// The [`CoarseRows`] of the whole table.
    Coarse,
}

/// What the [`Worker`] thread sends back for a [`Job`].
enum Done {
    ValueGrad(f64, [f64; 4]),
    Curvature(Box<RunCurvature>),
    Bound(f64),
    Coarse(Box<CoarseRows>),
}

/// The evaluations of one large fit with the rows cut in two halves as
/// [`Prepared::sum_by_x`] cuts them, the first half on one thread started
/// once for the whole fit rather than once per evaluation (a fit takes
/// some fifteen): each half builds its own [`Shared`] terms (the same
/// bits), and the halves add up in the same order, so every value is the
/// one [`Likelihood`] gives, to the last bit.
struct Worker<'p> {
    prepared: &'p Prepared,
    right: &'p [IndexedRow],
    /// [`Prepared::unscaled_times`], if any.
    unscaled: Option<&'p [f64]>,
    jobs: std::sync::mpsc::Sender<Job>,
    done: std::sync::mpsc::Receiver<Done>,
}

impl<'p> Worker<'p> {
    /// Starts the thread in `scope`, for `prepared` cut at `left.len()`.
    fn start<'s>(
        scope: &'s std::thread::Scope<'s, 'p>,
        prepared: &'p Prepared,
        (left, right): (&'p [IndexedRow], &'p [IndexedRow]),
        unscaled: Option<&'p [f64]>,
    ) -> Self {
        let (jobs, inbox) = std::sync::mpsc::channel::<Job>();
        let (outbox, done) = std::sync::mpsc::channel::<Done>();
        scope.spawn(move || {
            for job in inbox {
                let out = match job {
                    Job::ValueGrad(theta, natural) => {
                        let times = match (natural, unscaled) {
                            (true, Some(times)) => times,
                            _ => &prepared.times,
                        };
                        let (f, g) = part_value_grad(prepared, times, theta, left);
                        Done::ValueGrad(f, g)
                    }
                    Job::Curvature(theta) => {
                        Done::Curvature(Box::new(part_curvature(prepared, theta, left)))
                    }
                    Job::Bound(theta) => Done::Bound(part_bound(prepared, theta, left)),
                    Job::Coarse => Done::Coarse(Box::new(CoarseRows::new(prepared))),
                };
                if outbox.send(out).is_err() {
                    break;
                }
            }
        });
        Self {
            prepared,
            right,
            unscaled,
            jobs,
            done,
        }
    }

    /// Sends `job` to the thread.
    fn send(&self, job: Job) {
        self.jobs
            .send(job)
            .expect("the BG/NBD fit's second thread ended early");
    }

    /// The thread's answer.
    fn receive(&self) -> Done {
        self.done
            .recv()
            .expect("the BG/NBD fit's second thread ended early")
    }

    /// [`Likelihood::nll_grad`], at the unscaled times when `natural`.
    fn nll_grad(&self, theta: [f64; 4], natural: bool, grad: &mut [f64; 4]) -> f64 {
        self.send(Job::ValueGrad(theta, natural));
        let times = match (natural, self.unscaled) {
            (true, Some(times)) => times,
            _ => &self.prepared.times,
        };
        let (fr, gr) = part_value_grad(self.prepared, times, theta, self.right);
        let Done::ValueGrad(fl, gl) = self.receive() else {
            unreachable!("a value job gets a value")
        };
        negated(fl + fr, std::array::from_fn(|k| gl[k] + gr[k]), grad)
    }

    /// [`Likelihood::nll_grad_hess`].
    fn nll_grad_hess(&self, theta: [f64; 4], grad: &mut [f64; 4], hess: &mut [[f64; 4]; 4]) -> f64 {
        self.send(Job::Curvature(theta));
        let r = part_curvature(self.prepared, theta, self.right);
        let Done::Curvature(mut l) = self.receive() else {
            unreachable!("a curvature job gets a curvature")
        };
        add_curvature(&mut l, &r);
        negated_curvature(&l, grad, hess)
    }

    /// [`Prepared::bgnbd_nll_lower_bound`].
    fn lower_bound(&self, theta: [f64; 4]) -> f64 {
        self.send(Job::Bound(theta));
        let r = part_bound(self.prepared, theta, self.right);
        let Done::Bound(mut l) = self.receive() else {
            unreachable!("a bound job gets a bound")
        };
        l += r;
        -l
    }
}

/// The BG/NBD fitter: maximum likelihood over log-parameters by BFGS from
/// all-ones on time-scaled data ([spec](crate::btyd::spec#time-scaling)).
///
/// Identical histories are grouped first (bit-identical `(x, t_x, T)`),
/// times are scaled by `c = 1/max T` and `α` is reported in the data's
/// unit. As a [`Fit`] it returns the [`BgNbdParams`];
/// [`fit_detailed`](Self::fit_detailed) also returns standard errors and
/// the log-likelihood.
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Fit};
/// use customer_value::btyd::{BgNbd, CustomerHistory};
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
/// let fit = BgNbd::new().fit_detailed(&population)?;
/// assert_eq!((fit.customers(), fit.rows()), (238.0, 11)); // identical rows grouped
/// assert!(fit.std_errors().is_some());
/// let params = BgNbd::new().fit(&population)?; // the `Fit` trait
/// assert_eq!(params, *fit.params());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgNbd {
    options: FitOptions,
}

impl Default for BgNbd {
    fn default() -> Self {
        Self::new()
    }
}

impl BgNbd {
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
    /// See [`BgNbd`].
    pub fn fit_detailed(&self, population: &[CustomerHistory]) -> Result<BgNbdFit> {
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
    /// use customer_value::btyd::{BgNbd, CustomerHistory};
    ///
    /// // (x, t_x, T) in weeks, and how many customers share each history.
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
    /// let fit = BgNbd::new().fit_weighted(&histories, &weights)?;
    /// assert_eq!(fit.customers(), 238.0);
    /// assert!((fit.params().r() - 0.441).abs() < 1e-3);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn fit_weighted(
        &self,
        population: &[CustomerHistory],
        weights: &[f64],
    ) -> Result<BgNbdFit> {
        self.fit_inner(population, Some(weights))
    }

    /// Fits on distinct rows and the customers who share each, as
    /// [`DistinctRows::rows`](crate::btyd::DistinctRows::rows) or a summary
    /// file's counted rows give them: the same fit, to the last bit, as
    /// [`fit_weighted`](Self::fit_weighted) on their histories with the
    /// counts as weights
    /// ([`DistinctRows::weighted`](crate::btyd::DistinctRows::weighted)),
    /// without building those histories.
    ///
    /// # Errors
    ///
    /// As [`fit_weighted`](Self::fit_weighted); [`Error::InvalidParameter`]
    /// when a count exceeds 2⁵³.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::btyd::{BgNbd, DistinctRows};
    ///
    /// // (x, t_x, T) in weeks, and how many customers share each history.
    /// let mut rows = DistinctRows::new();
    /// for (x, t_x, age, n) in [
    ///     (0, 0.0, 38.0, 140), (1, 10.0, 38.0, 25), (1, 30.0, 38.0, 20),
    ///     (2, 20.0, 37.0, 10), (2, 35.0, 37.0, 12), (3, 30.0, 36.0, 6),
    ///     (5, 35.0, 38.0, 5), (7, 36.0, 38.0, 4), (1, 2.0, 36.0, 8),
    ///     (2, 6.0, 38.0, 5), (4, 12.0, 37.0, 3),
    /// ] {
    ///     rows.add_count(x, t_x, age, n)?;
    /// }
    /// let fit = BgNbd::new().fit_distinct(&rows.rows())?;
    /// let (histories, weights) = rows.weighted()?;
    /// assert_eq!(fit, BgNbd::new().fit_weighted(&histories, &weights)?);
    /// assert_eq!((fit.customers(), fit.rows()), (238.0, 11));
    /// assert!((fit.params().r() - 0.441).abs() < 1e-3);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn fit_distinct(&self, rows: &[DistinctRow]) -> Result<BgNbdFit> {
        self.fit_rows(compress_counted(rows)?)
    }

    fn fit_inner(
        &self,
        population: &[CustomerHistory],
        weights: Option<&[f64]>,
    ) -> Result<BgNbdFit> {
        let rows = compress(population, weights, |h| Some((h.x(), h.t_x(), h.age())))?;
        self.fit_rows(rows)
    }

    /// The fit of compressed rows in canonical order.
    fn fit_rows(&self, rows: Vec<Row>) -> Result<BgNbdFit> {
        const WHAT: &str = "BG/NBD fit";
        let customers = total_weight(WHAT, &rows)?;
        let c = 1.0 / rows.iter().fold(0.0_f64, |m, r| m.max(r.b));
        let scaled = Prepared::new(&rows, c);
        identified(WHAT, &rows, customers)?;
        // Times scaled by c multiply each customer's density by c^−x.
        let purchases: f64 = rows.iter().map(|r| r.w * f64::from(r.x)).sum();
        let problem = Problem::new(WHAT, BgNbdParams::NAMES, customers)
            .time_scale(c, [false, true, false, false])
            .rays(BG_NBD_RAYS)
            .watch_rays(BG_NBD_WATCHES)
            .restart_rays()
            .log_likelihood_shift(c.ln() * purchases);
        let hint = || match (self.options.get_penalty(), self.options.get_start()) {
            (Penalty::None, None) => subsample_start(&rows, c),
            _ => None,
        };
        // The log-likelihood at unscaled times: on these rows when their
        // table is dense (the same rows and times as a table built at
        // scale 1, without building it), else on such a table.
        let unscaled = scaled.unscaled_times();
        // The lowest objective value so far, and the coarse rows, for the
        // face bound ([`tiered_face_bound`]).
        let lowest = std::cell::Cell::new(f64::INFINITY);
        let seen = |value: f64| {
            if value < lowest.get() {
                lowest.set(value);
            }
            value
        };
        let coarse = std::cell::OnceCell::new();
        let fit = |hint: Option<[f64; 4]>,
                   nll: &dyn Fn(&[f64; 4], &mut [f64; 4]) -> f64,
                   hessian: &HessianFn<'_, 4>,
                   face_bound: &FaceBound<'_, 4>,
                   natural: &dyn Fn([f64; 4]) -> f64| {
            fit_log_params_curved(
                &problem,
                &self.options,
                nll,
                Some(Curvature {
                    hessian,
                    hint,
                    face_bound: Some(face_bound),
                }),
                |params: &[f64; 4]| -natural(params.map(f64::ln)),
            )
        };
        let fitted = match scaled.halves() {
            // From `PARALLEL_ROWS` rows on, one second thread for the
            // whole fit.
            Some(halves) => std::thread::scope(|scope| {
                let worker = Worker::start(scope, &scaled, halves, unscaled.as_deref());
                // The second thread makes the coarse rows while this one
                // fits the subsample.
                worker.send(Job::Coarse);
                let hint = hint();
                let Done::Coarse(made) = worker.receive() else {
                    unreachable!("a coarse job gets coarse rows")
                };
                let _ = coarse.set(*made);
                fit(
                    hint,
                    &|th, g| seen(worker.nll_grad(*th, false, g)),
                    &|th, g, h| seen(worker.nll_grad_hess(*th, g, h)),
                    &|th| {
                        tiered_face_bound(&coarse, &scaled, lowest.get(), *th, || {
                            worker.lower_bound(*th)
                        })
                    },
                    &|theta| match unscaled {
                        Some(_) => worker.nll_grad(theta, true, &mut [0.0; 4]),
                        None => Prepared::new(&rows, 1.0).nll_grad(theta, &mut [0.0; 4]),
                    },
                )
            }),
            None => fit(
                hint(),
                &|th, g| seen(scaled.nll_grad(*th, g)),
                &|th, g, h| seen(Likelihood::nll_grad_hess(&scaled, *th, g, h)),
                &|th| {
                    tiered_face_bound(&coarse, &scaled, lowest.get(), *th, || {
                        scaled.bgnbd_nll_lower_bound(*th)
                    })
                },
                &|theta| match &unscaled {
                    Some(times) => {
                        let (f, g) = part_value_grad(&scaled, times, theta, &scaled.rows);
                        negated(f, g, &mut [0.0; 4])
                    }
                    None => Prepared::new(&rows, 1.0).nll_grad(theta, &mut [0.0; 4]),
                },
            ),
        }?;
        FitReport::from_fitted(WHAT, fitted, customers, rows.len())
    }
}

/// From this many distinct rows on, [`BgNbd`] starts Newton's method
/// from a fit on a subsample ([`subsample_start`]).
const SUBSAMPLE_FROM: usize = 16_384;

/// Rows the subsample of [`subsample_start`] keeps, at least.
const SUBSAMPLE_ROWS: usize = 4_096;

/// A start near the maximum for a large fit: the maximum of every `k`-th
/// of the canonical rows, `k = ⌊rows / 4096⌋`, time scale `c`: some 4,096
/// to 8,191 rows whose maximum lies within sampling error (a few per cent)
/// of the full data's, where Newton's method converges in a few steps.
/// That sample's maximum is found in two stages: BFGS (from all ones, at
/// most 200 iterations, tolerance `1e-8`) on every fourth of its rows,
/// then Newton's method on the sample from there (BFGS on the sample when
/// Newton declines): a quarter of the rows for the many first steps, and
/// a few steps on the whole sample. `None` below [`SUBSAMPLE_FROM`] rows,
/// or when the sample's fit fails or runs far out (a boundary is the full
/// fit's business).
fn subsample_start(rows: &[Row], c: f64) -> Option<[f64; 4]> {
    if rows.len() < SUBSAMPLE_FROM {
        return None;
    }
    let k = rows.len() / SUBSAMPLE_ROWS;
    let sample: Vec<Row> = rows.iter().step_by(k).copied().collect();
    let prepared = Prepared::new(&sample, c);
    let quarter: Vec<Row> = sample.iter().step_by(4).copied().collect();
    let coarse = Prepared::new(&quarter, c);
    let far = |theta: &[f64; 4]| theta.iter().any(|t| !(t.abs() < 20.0));
    let first = bfgs(
        |th: &[f64; 4], g: &mut [f64; 4]| coarse.nll_grad(*th, g),
        [0.0; 4],
        200,
        1e-8,
    )
    .ok()
    .map(|min| min.theta)
    .filter(|theta| !far(theta))
    .unwrap_or([0.0; 4]);
    let theta = match newton(
        |th: &[f64; 4], g: &mut [f64; 4], h: &mut [[f64; 4]; 4]| prepared.nll_grad_hess(*th, g, h),
        first,
        50,
    ) {
        Some((min, _)) => min.theta,
        None => {
            bfgs(
                |th: &[f64; 4], g: &mut [f64; 4]| prepared.nll_grad(*th, g),
                first,
                200,
                1e-8,
            )
            .ok()?
            .theta
        }
    };
    (!far(&theta)).then_some(theta)
}

impl Fit for BgNbd {
    type Input = CustomerHistory;
    type Fitted = BgNbdParams;

    /// Fits with unit weights and returns the parameters; see
    /// [`BgNbd::fit_weighted`] for the errors.
    fn fit(&self, population: &[CustomerHistory]) -> Result<BgNbdParams> {
        Ok(self.fit_detailed(population)?.into_params())
    }
}

/// What a BG/NBD fit found: the shared [`FitReport`] over `(r, α, a, b)`,
/// `α` in the data's time unit. Its covariance is symmetric, unlike
/// lifetimes' `variance_matrix_`.
pub type BgNbdFit = FitReport<BgNbdParams, 4>;

impl Scorer for BgNbdParams {
    type Input = CustomerHistory;
    type Score = f64;

    /// [`BgNbdParams::p_alive`]; never fails.
    fn score(&self, input: &CustomerHistory) -> Result<f64> {
        Ok(self.p_alive(input))
    }
}

/// A [`Scorer`] of [`CustomerHistory`] giving [`P(alive)`](BgNbdParams::p_alive)
/// and the [expected purchases](BgNbdParams::expected_purchases) over a
/// fixed horizon.
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Scorer};
/// use customer_value::btyd::{BgNbdParams, BgNbdPredictor, CustomerHistory};
///
/// let params = BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754)?;
/// let predictor = BgNbdPredictor::new(params, 52.0)?;
/// let s = predictor.score(&CustomerHistory::new(CustomerId::new(1), 26, 30.85714, 31.0)?)?;
/// assert!((s.expected_purchases() / 25.75776965 - 1.0).abs() < 1e-9);
/// assert!((s.p_alive() / 0.9688555737 - 1.0).abs() < 1e-9);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "BgNbdPredictorRecord", into = "BgNbdPredictorRecord")
)]
pub struct BgNbdPredictor {
    params: BgNbdParams,
    horizon: f64,
}

impl BgNbdPredictor {
    /// A predictor over `horizon` time units (the unit of `α`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `horizon` is not finite and ≥ 0.
    ///
    /// # Example
    ///
    /// See [`BgNbdPredictor`].
    pub fn new(params: BgNbdParams, horizon: f64) -> Result<Self> {
        check_horizon(horizon)?;
        Ok(Self { params, horizon })
    }
    /// The parameters.
    pub fn params(&self) -> &BgNbdParams {
        &self.params
    }
    /// The horizon `t`.
    pub fn horizon(&self) -> f64 {
        self.horizon
    }
}

/// One customer's BG/NBD prediction.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct BgNbdScore {
    p_alive: f64,
    expected_purchases: f64,
}

impl BgNbdScore {
    /// `P(alive | x, t_x, T)`, in `[0, 1]`.
    pub fn p_alive(&self) -> f64 {
        self.p_alive
    }
    /// `E[Y(t) | x, t_x, T]` over the predictor's horizon, ≥ 0.
    pub fn expected_purchases(&self) -> f64 {
        self.expected_purchases
    }
}

impl Scorer for BgNbdPredictor {
    type Input = CustomerHistory;
    type Score = BgNbdScore;

    /// # Errors
    ///
    /// As [`BgNbdParams::expected_purchases`].
    fn score(&self, input: &CustomerHistory) -> Result<BgNbdScore> {
        let p_alive = self.params.p_alive(input);
        let expected_purchases = self.params.expected_purchases(input, self.horizon)?;
        Ok(BgNbdScore {
            p_alive,
            expected_purchases,
        })
    }

    /// Scores in bulk on all cores. `E_BG` depends on a customer's `x`
    /// and `T` only, so it is computed once per distinct `(x, T)`; the
    /// scores are bit-identical to [`score`](Scorer::score)'s.
    fn score_into(&self, inputs: &[CustomerHistory], out: &mut Vec<BgNbdScore>) -> Result<()> {
        if inputs.len() < 1024 {
            return par_map_into(inputs, out, |h| self.score(h));
        }
        let mut index: rustc_hash::FxHashMap<(u32, u64), u32> = rustc_hash::FxHashMap::default();
        let mut keys: Vec<(u32, f64)> = Vec::new();
        let mut slots: Vec<(u32, u32)> = Vec::with_capacity(inputs.len());
        for (i, h) in inputs.iter().enumerate() {
            // Mostly distinct (x, T) (real-valued ages): sharing cannot pay.
            if i == 1024 && keys.len() > 512 {
                return par_map_into(inputs, out, |h| self.score(h));
            }
            let slot = *index.entry((h.x(), h.age().to_bits())).or_insert_with(|| {
                keys.push((h.x(), h.age()));
                (keys.len() - 1) as u32
            });
            slots.push((i as u32, slot));
        }
        let p = &self.params;
        let mut values: Vec<std::result::Result<f64, Error>> = Vec::with_capacity(keys.len());
        par_map_into(&keys, &mut values, |&(x, age)| {
            let xf = f64::from(x);
            Ok(e_bg(
                "BG/NBD expected purchases",
                self.horizon,
                p.r + xf,
                p.alpha + age,
                p.a,
                p.b + xf,
            ))
        })?;
        par_map_into(&slots, out, |&(i, slot)| {
            let h = &inputs[i as usize];
            let p_alive = p.p_alive(h);
            let expected_purchases = if p_alive == 0.0 {
                0.0
            } else {
                p_alive * values[slot as usize].clone()?
            };
            Ok(BgNbdScore {
                p_alive,
                expected_purchases,
            })
        })
    }
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct BgNbdRecord {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
}

#[cfg(feature = "serde")]
impl From<BgNbdParams> for BgNbdRecord {
    fn from(p: BgNbdParams) -> Self {
        Self {
            r: p.r,
            alpha: p.alpha,
            a: p.a,
            b: p.b,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<BgNbdRecord> for BgNbdParams {
    type Error = Error;
    fn try_from(p: BgNbdRecord) -> Result<Self> {
        Self::new(p.r, p.alpha, p.a, p.b)
    }
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct BgNbdPredictorRecord {
    params: BgNbdParams,
    horizon: f64,
}

#[cfg(feature = "serde")]
impl From<BgNbdPredictor> for BgNbdPredictorRecord {
    fn from(p: BgNbdPredictor) -> Self {
        Self {
            params: p.params,
            horizon: p.horizon,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<BgNbdPredictorRecord> for BgNbdPredictor {
    type Error = Error;
    fn try_from(p: BgNbdPredictorRecord) -> Result<Self> {
        Self::new(p.params, p.horizon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CustomerId;

    fn hist(x: u32, t_x: f64, age: f64) -> CustomerHistory {
        CustomerHistory::new(CustomerId::new(1), x, t_x, age).unwrap()
    }

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    /// The face bound that lets the boundary check skip faces is a lower
    /// bound of the objective everywhere in the box (interior points, the
    /// faces, the corners), and tight where the two terms of each row
    /// differ much: on seeded awkward rows (heavy buyers, one-time buyers,
    /// `t_x = T`, fractional times).
    #[test]
    fn face_bound_is_below_the_objective() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut population = Vec::new();
        for i in 0..3000 {
            let age = 1.0 + next(400) as f64 + if i % 7 == 0 { 0.25 } else { 0.0 };
            let x = match i % 10 {
                0..=4 => 0,
                5..=8 => 1 + next(12) as u32,
                _ => 50 + next(400) as u32,
            };
            let t_x = match x {
                0 => 0.0,
                _ if i % 13 == 0 => age,
                _ => 1.0 + next(age as u64) as f64 * (age - 1.0) / age,
            };
            population.push(hist(x, t_x.min(age), age));
        }
        let rows = compress(&population, None, |h| Some((h.x(), h.t_x(), h.age()))).unwrap();
        let prepared = Prepared::new(&rows, 1.0 / 401.0);
        let coarse = CoarseRows::new(&prepared);
        let mut coarse_finite = 0;
        let mut checked = 0;
        for a in [-30.0, -3.0, 0.0, 2.0, 30.0] {
            for b in [-30.0, -1.0, 0.5, 30.0] {
                for r in [-30.0, -0.7, 1.5, 30.0] {
                    for al in [-30.0, -2.0, 0.0, 30.0] {
                        let theta = [r, al, a, b];
                        let value = prepared.nll_grad(theta, &mut [0.0; 4]);
                        let bound = prepared.bgnbd_nll_lower_bound(theta);
                        if !value.is_finite() {
                            continue;
                        }
                        let scale = value.abs().max(1.0);
                        assert!(
                            bound <= value + 1e-12 * scale,
                            "{theta:?}: {bound} > {value}"
                        );
                        // The coarse bound too (or not a number, which
                        // rules nothing out).
                        let cheap = coarse.nll_lower_bound(&prepared, theta);
                        assert!(
                            !(cheap > value + 1e-12 * scale),
                            "{theta:?}: coarse {cheap} > {value}"
                        );
                        coarse_finite += usize::from(cheap.is_finite());
                        // Never looser than ln 2 per repeat buyer.
                        assert!(
                            bound >= value - 0.7 * 1500.0,
                            "{theta:?}: {bound} vs {value}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 250, "{checked}");
        assert!(coarse_finite > 200, "{coarse_finite}");
    }

    fn printed() -> BgNbdParams {
        BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754).unwrap()
    }

    #[test]
    fn params_validate() {
        assert!(BgNbdParams::new(1.0, 1.0, 1.0, 1.0).is_ok());
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                BgNbdParams::new(bad, 1.0, 1.0, 1.0),
                Err(Error::InvalidParameter { name: "r", .. })
            ));
            assert!(matches!(
                BgNbdParams::new(1.0, 1.0, 1.0, bad),
                Err(Error::InvalidParameter { name: "b", .. })
            ));
        }
        assert!(BgNbdPredictor::new(printed(), -1.0).is_err());
        assert!(BgNbdPredictor::new(printed(), f64::NAN).is_err());
    }

    #[test]
    fn log_likelihood_reference_values() {
        let p = BgNbdParams::new(0.25, 4.0, 0.8, 2.5).unwrap();
        assert!(rel(p.log_likelihood(&hist(0, 0.0, 40.0)), -0.59947382) < 1e-8);
        assert!(rel(p.log_likelihood(&hist(200, 38.0, 40.0)), 100.79569309) < 1e-9);
        // b < 1 at x = 0 must not give NaN (D2 gated).
        let q = BgNbdParams::new(1.0, 1.0, 1.0, 0.5).unwrap();
        assert!(q.log_likelihood(&hist(0, 0.0, 1.0)).is_finite());
    }

    #[test]
    fn predictions_at_printed_parameters() {
        let p = printed();
        assert!(rel(p.expected_purchases_new(52.0).unwrap(), 1.444021485) < 1e-9);
        let c = hist(26, 30.85714, 31.0);
        assert!(rel(p.expected_purchases(&c, 52.0).unwrap(), 25.75776965) < 1e-9);
        assert!(rel(p.p_alive(&c), 0.9688555737) < 1e-9);
        for (x, want) in [
            (10, 0.3474942044),
            (15, 0.04283829645),
            (20, 0.004159385024),
            (25, 0.0003584017817),
        ] {
            let got = p.expected_purchases(&hist(x, 20.0, 39.0), 52.0).unwrap();
            assert!(rel(got, want) < 1e-9, "{x}: {got}");
        }
        let at_end = hist(5, 39.0, 39.0);
        assert!(rel(p.p_alive(&at_end), 0.8901613) < 1e-6);
        assert!(rel(p.log_likelihood(&at_end), -17.97063413) < 1e-9);
        let heavy = hist(1000, 99.0, 100.0);
        assert!(rel(p.expected_purchases(&heavy, 52.0).unwrap(), 32.45416768) < 1e-9);
    }

    #[test]
    fn purchase_probabilities() {
        // Data README at the rounded published parameters.
        let p = BgNbdParams::new(0.243, 4.414, 0.793, 2.426).unwrap();
        assert!(rel(p.prob_purchases(39.0, 0).unwrap(), 0.5737863521) < 1e-9);
        assert!(rel(p.prob_purchases(2.0, 10).unwrap(), 1.0786896404e-07) < 1e-9);
        let want = [
            0.0019995214,
            0.0015170236,
            0.0011633150,
            0.0009003148,
            0.0007023638,
            0.0005517902,
            0.0004361913,
            0.0003467171,
            0.0002769613,
            0.0002222260,
        ];
        for (n, w) in (11..=20).zip(want) {
            let got = p.prob_purchases(30.0, n).unwrap();
            assert!((got - w).abs() < 5e-11, "{n}: {got}");
        }
        // The probabilities sum to 1.
        let total: f64 = (0..400).map(|n| p.prob_purchases(30.0, n).unwrap()).sum();
        assert!((total - 1.0).abs() < 1e-12, "{total}");
        assert_eq!(p.prob_purchases(0.0, 0), Ok(1.0));
        assert_eq!(p.prob_purchases(0.0, 3), Ok(0.0));
        assert!(p.prob_purchases(f64::NAN, 3).is_err());
    }

    #[test]
    fn edge_cases() {
        let p = printed();
        assert_eq!(p.p_alive(&hist(0, 0.0, 39.0)), 1.0);
        assert_eq!(p.p_alive(&hist(1000, 10.0, 100.0)), 0.0);
        assert_eq!(
            p.expected_purchases(&hist(1000, 10.0, 100.0), 52.0),
            Ok(0.0)
        );
        assert!(rel(p.log_likelihood(&hist(5000, 90.0, 100.0)), 14829.37473) < 1e-9);
        assert_eq!(p.expected_purchases_new(0.0), Ok(0.0));
        // a = 1 and a + b < 1 are fine in the G-form.
        let q = BgNbdParams::new(0.5, 2.0, 1.0, 0.3).unwrap();
        assert!(q.expected_purchases_new(10.0).unwrap() > 0.0);
        let q = BgNbdParams::new(0.5, 2.0, 0.4, 0.3).unwrap();
        assert!(q.expected_purchases_new(10.0).unwrap() > 0.0);
        // Far beyond where the series stops (t/α = 2e8): the integral over
        // p answers, and the value keeps growing with t.
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

    fn awkward_rows() -> Vec<Row> {
        vec![
            Row {
                x: 0,
                a: 0.0,
                b: 1.0,
                w: 3.0,
            },
            Row {
                x: 0,
                a: 0.0,
                b: 0.4,
                w: 2.0,
            },
            Row {
                x: 1,
                a: 0.3,
                b: 0.9,
                w: 1.0,
            },
            Row {
                x: 1,
                a: 0.9,
                b: 0.9,
                w: 4.0,
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
            Row {
                x: 40,
                a: 0.05,
                b: 1.0,
                w: 1.0,
            },
            Row {
                x: 300,
                a: 0.99,
                b: 1.0,
                w: 1.0,
            },
        ]
    }

    /// The analytic Hessian against central differences of the analytic
    /// gradient (step 1e-6 in θ), at interior points and far out (r and α
    /// large together, b large, a small).
    #[test]
    fn hessian_matches_differences_of_the_gradient() {
        let prepared = Prepared::new(&awkward_rows(), 1.0);
        for th in [
            [-0.7, 0.3, -0.2, 0.6],
            [1.5, -2.0, 0.4, -1.0],
            [6.0, 5.5, -4.0, 8.0],
            [-3.0, -3.0, 2.0, 0.1],
        ] {
            let (mut g, mut h) = ([0.0; 4], [[0.0; 4]; 4]);
            Likelihood::nll_grad_hess(&prepared, th, &mut g, &mut h);
            for j in 0..4 {
                let (mut p, mut m) = (th, th);
                p[j] += 1e-6;
                m[j] -= 1e-6;
                let (mut gp, mut gm) = ([0.0; 4], [0.0; 4]);
                prepared.nll_grad(p, &mut gp);
                prepared.nll_grad(m, &mut gm);
                for i in 0..4 {
                    let fd = (gp[i] - gm[i]) / 2e-6;
                    let scale = 1.0 + h[i][j].abs() + g[i].abs();
                    assert!(
                        (fd - h[i][j]).abs() < 1e-5 * scale,
                        "{th:?} {i}{j}: {fd} {}",
                        h[i][j]
                    );
                }
            }
        }
    }

    /// The per-`x` table's recurrences against the log-gamma, digamma and
    /// trigamma differences of the math module (Stirling forms for large
    /// arguments, `statrs` below): within `1e-12` relative (`1e-12`
    /// absolute near zero) for every `x` up to 600, over `r, a, b` from
    /// `e^{-12}` to `e^{12}`; past the table, the same functions exactly.
    #[test]
    fn x_table_matches_the_gamma_functions() {
        let close = |got: f64, want: f64| (got - want).abs() <= 1e-12 * want.abs().max(1.0);
        for (r, a, b) in [
            (0.243, 0.793, 2.426),
            (6e-6, 1.5e5, 3e-6),
            (1.6e5, 2e-5, 1.6e5),
            (12.0, 0.3, 900.0),
            (0.9, 40.0, 9.5),
        ] {
            let terms = XTerms::new(r, a, b, 600, true);
            for x in [0u32, 1, 2, 7, 16, 17, 40, 199, 600] {
                let t = terms.at(x);
                let xf = f64::from(x);
                let want_bab = dlgamma(b, xf) - dlgamma(a + b, xf);
                assert!(
                    close(t.dlg_r, dlgamma(r, xf)),
                    "{r} {x}: {} {}",
                    t.dlg_r,
                    dlgamma(r, xf)
                );
                assert!(
                    close(t.dlg_bab, want_bab),
                    "{a} {b} {x}: {} {want_bab}",
                    t.dlg_bab
                );
                for (got, z) in [(t.dpr, r), (t.dpb, b), (t.dpab, a + b)] {
                    let want = crate::btyd::math::dpsi(z, xf);
                    assert!(close(got, want), "{z} {x}: {got} {want}");
                }
                for (got, z) in [(t.dtr, r), (t.dtb, b), (t.dtab, a + b)] {
                    let want = dtrigamma(z, xf);
                    assert!(close(got, want), "{z} {x}: {got} {want}");
                }
                if x > 0 {
                    assert_eq!(t.ln_b1, (b + (xf - 1.0)).ln());
                }
            }
            // Past the table's end: the functions themselves.
            let short = XTerms::new(r, a, b, 10, true);
            let t = short.at(40);
            assert_eq!(t.dlg_r, dlgamma(r, 40.0));
            assert_eq!(t.dtab, dtrigamma(a + b, 40.0));
        }
    }

    /// The Hessian pass returns the gradient pass's value and gradient to
    /// the last bit (Newton's and BFGS's objectives are one function).
    #[test]
    fn hessian_pass_repeats_value_and_gradient() {
        // Above the parallel cut too, so both halves are compared.
        let mut rows = awkward_rows();
        for i in 0..9000u32 {
            let x = 1 + i % 13;
            let age = 1.0 + f64::from(i % 97);
            rows.push(Row {
                x,
                a: age * f64::from(1 + i % 7) / 8.0,
                b: age,
                w: 1.0 + f64::from(i % 3),
            });
        }
        rows.sort_by(|u, v| {
            u.x.cmp(&v.x)
                .then(u.a.total_cmp(&v.a))
                .then(u.b.total_cmp(&v.b))
        });
        let prepared = Prepared::new(&rows, 0.01);
        let th = [-0.5, 0.2, -0.9, 0.7];
        let (mut g1, mut g2, mut h) = ([0.0; 4], [0.0; 4], [[0.0; 4]; 4]);
        let f1 = prepared.nll_grad(th, &mut g1);
        let f2 = Likelihood::nll_grad_hess(&prepared, th, &mut g2, &mut h);
        assert_eq!(f1.to_bits(), f2.to_bits());
        assert_eq!(g1.map(f64::to_bits), g2.map(f64::to_bits));
    }

    /// On simulated customers in days (more than 16,384 distinct rows: a
    /// subsample start, then Newton), the fit ends where the gradient in θ
    /// is at rounding level, far below the BFGS stop rule's `1e-8·|NLL|`,
    /// and the log-likelihood is no lower than BFGS's alone.
    #[cfg(feature = "simulate")]
    /// Seeded rows sorted by `x`, `t_x`, `T`: `n` draws of `x < 40`,
    /// `T` in `1..=1460` (whole days, or `T/7` weeks when not `days`),
    /// `t_x ≤ T` (0 exactly when `x = 0`), weights 1 to 5; repeats merged.
    fn drawn_rows(n: usize, seed: u64, days: bool) -> Vec<Row> {
        let mut state = seed;
        let mut next = |m: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % m
        };
        let unit = if days { 1.0 } else { 7.0 };
        let mut rows: Vec<Row> = (0..n)
            .map(|_| {
                let x = next(40) as u32;
                let age = 1 + next(1460);
                let t_x = if x == 0 { 0 } else { 1 + next(age) };
                Row {
                    x,
                    a: t_x as f64 / unit,
                    b: age as f64 / unit,
                    w: (1 + next(5)) as f64,
                }
            })
            .collect();
        rows.sort_by(|p, q| (p.x, p.a, p.b).partial_cmp(&(q.x, q.a, q.b)).unwrap());
        rows.dedup_by(|p, q| (p.x, p.a, p.b) == (q.x, q.a, q.b));
        rows
    }

    /// The fit's second thread ([`Worker`]) gives every evaluation the
    /// split sums give, to the last bit: value and gradient, Hessian and
    /// lower bound at scaled times, and the value at unscaled times
    /// equals a table built at scale 1 (dense days; weeks take that
    /// table).
    #[test]
    fn worker_evaluations_equal_the_split_sums() {
        for days in [true, false] {
            let rows = drawn_rows(30_000, 5, days);
            let c = 1.0 / rows.iter().fold(0.0_f64, |m, r| m.max(r.b));
            let scaled = Prepared::new(&rows, c);
            let natural = Prepared::new(&rows, 1.0);
            let unscaled = scaled.unscaled_times();
            assert_eq!(unscaled.is_some(), days);
            let halves = scaled.halves().expect("rows enough to cut");
            std::thread::scope(|scope| {
                let worker = Worker::start(scope, &scaled, halves, unscaled.as_deref());
                for th in [
                    [-0.7, 2.0, -1.1, 2.3],
                    [0.3, -1.0, 1.5, -0.5],
                    [3.0, 5.0, 4.0, 6.0],
                ] {
                    let (mut g1, mut g2) = ([0.0; 4], [0.0; 4]);
                    let f1 = worker.nll_grad(th, false, &mut g1);
                    let f2 = scaled.nll_grad(th, &mut g2);
                    assert_eq!(
                        (f1.to_bits(), g1.map(f64::to_bits)),
                        (f2.to_bits(), g2.map(f64::to_bits))
                    );
                    let (mut h1, mut h2) = ([[0.0; 4]; 4], [[0.0; 4]; 4]);
                    let f1 = worker.nll_grad_hess(th, &mut g1, &mut h1);
                    let f2 = Likelihood::nll_grad_hess(&scaled, th, &mut g2, &mut h2);
                    assert_eq!(f1.to_bits(), f2.to_bits());
                    assert_eq!(g1.map(f64::to_bits), g2.map(f64::to_bits));
                    assert_eq!(
                        h1.map(|r| r.map(f64::to_bits)),
                        h2.map(|r| r.map(f64::to_bits))
                    );
                    let (b1, b2) = (worker.lower_bound(th), scaled.bgnbd_nll_lower_bound(th));
                    assert_eq!(b1.to_bits(), b2.to_bits());
                    assert!(b1 <= f1, "{b1} {f1}");
                    let natural_th = [th[0], th[1] - c.ln(), th[2], th[3]];
                    let f2 = natural.nll_grad(natural_th, &mut g2);
                    if days {
                        let f1 = worker.nll_grad(natural_th, true, &mut g1);
                        assert_eq!(f1.to_bits(), f2.to_bits());
                        assert_eq!(g1.map(f64::to_bits), g2.map(f64::to_bits));
                    }
                    // Against the likelihood summed directly (no split).
                    let direct = nll_direct(&rows, natural_th);
                    assert!(rel(f2, direct) < 1e-10, "{f2} {direct}");
                }
            });
        }
    }

    /// The negative log-likelihood summed row by row from
    /// [`BgNbdParams::log_likelihood`] at `θ = ln(r, α, a, b)`.
    fn nll_direct(rows: &[Row], theta: [f64; 4]) -> f64 {
        let [r, alpha, a, b] = theta.map(f64::exp);
        let params = BgNbdParams::new(r, alpha, a, b).unwrap();
        -rows
            .iter()
            .map(|row| row.w * params.log_likelihood(&hist(row.x, row.a, row.b)))
            .sum::<f64>()
    }

    /// Below the cut, the value at unscaled times on the scaled table's rows
    /// (what the fit takes for its log-likelihood) is a table built at
    /// scale 1's, to the last bit.
    #[test]
    fn unscaled_times_evaluate_as_a_table_at_scale_one() {
        let rows = drawn_rows(3_000, 9, true);
        let c = 1.0 / rows.iter().fold(0.0_f64, |m, r| m.max(r.b));
        let scaled = Prepared::new(&rows, c);
        assert!(scaled.halves().is_none());
        let times = scaled.unscaled_times().expect("dense days");
        let th = [-0.5, 1.5, -0.8, 1.2];
        let (f, g) = part_value_grad(&scaled, &times, th, &scaled.rows);
        let mut g1 = [0.0; 4];
        let f1 = negated(f, g, &mut g1);
        let mut g2 = [0.0; 4];
        let f2 = Prepared::new(&rows, 1.0).nll_grad(th, &mut g2);
        assert_eq!(
            (f1.to_bits(), g1.map(f64::to_bits)),
            (f2.to_bits(), g2.map(f64::to_bits))
        );
    }

    #[test]
    fn newton_fit_is_at_the_maximum() {
        use crate::{Date, Grouping, Summarizer, TimeUnit};
        let end = Date::parse("2000-12-31").unwrap();
        let log = crate::simulate::Simulation::builder()
            .customers(30_000)
            .seed(11)
            .acquisition_days(1461)
            .end(end)
            .unit(TimeUnit::DAY)
            .alpha(8.0)
            .beta(400.0)
            .build()
            .unwrap()
            .run();
        let summary = Summarizer::builder(end)
            .unit(TimeUnit::DAY)
            .grouping(Grouping::Day)
            .build()
            .unwrap()
            .summarize(log.transactions())
            .unwrap();
        let population: Vec<CustomerHistory> = summary
            .customers()
            .iter()
            .filter(|c| c.age() > 0.0)
            .map(|c| CustomerHistory::from_summary(c).unwrap())
            .collect();
        let fit = BgNbd::new().fit_detailed(&population).unwrap();
        assert!(fit.rows() >= SUBSAMPLE_FROM, "{}", fit.rows());
        assert!(fit.status().is_interior());
        let rows = compress(&population, None, |h| Some((h.x(), h.t_x(), h.age()))).unwrap();
        let c = 1.0 / rows.iter().fold(0.0_f64, |m, r| m.max(r.b));
        let p = fit.params();
        let th = [p.r(), p.alpha() * c, p.a(), p.b()].map(f64::ln);
        let mut g = [0.0; 4];
        let nll = Prepared::new(&rows, c).nll_grad(th, &mut g);
        let worst = g.iter().fold(0.0_f64, |m, d| m.max(d.abs()));
        assert!(worst < 1e-10 * nll.abs(), "{g:?} at {nll}");
        // BFGS alone (no Hessian) from all ones, on the same objective.
        let prepared = Prepared::new(&rows, c);
        let plain = crate::btyd::optim::bfgs(
            |t: &[f64; 4], g: &mut [f64; 4]| prepared.nll_grad(*t, g),
            [0.0; 4],
            1000,
            1e-10,
        )
        .unwrap();
        assert!(
            nll <= plain.value + 1e-9 * nll.abs(),
            "{nll} {}",
            plain.value
        );
    }

    #[test]
    fn bulk_scores_equal_single_scores() {
        let predictor = BgNbdPredictor::new(printed(), 52.0).unwrap();
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
        // Real-valued ages: the per-customer path, same scores.
        let distinct: Vec<CustomerHistory> = (0..3000u32)
            .map(|i| {
                let x = i % 4;
                let t_x = if x == 0 { 0.0 } else { 1.0 };
                hist(x, t_x, 20.0 + f64::from(i) / 7.0)
            })
            .collect();
        let bulk = predictor.score_all(&distinct).unwrap();
        for (h, s) in distinct.iter().zip(&bulk) {
            assert_eq!(predictor.score(h).unwrap(), *s);
        }
        // Beyond the series: the quadrature, the same scores either way.
        let far = BgNbdPredictor::new(printed(), 1e9).unwrap();
        let bulk = far.score_all(&inputs).unwrap();
        for (h, s) in inputs.iter().zip(&bulk).take(50) {
            assert_eq!(far.score(h).unwrap(), *s);
        }
    }

    /// `fit_distinct` of counted rows is `fit_weighted` of the same rows as
    /// histories with the counts as weights, bit for bit, and the fit on
    /// the customers one by one: a large table (the subsample start and
    /// Newton), a small awkward one, and rows given out of order (a caller's
    /// own slice) with a repeat.
    #[test]
    fn distinct_rows_fit_as_their_histories() {
        use crate::btyd::DistinctRows;
        let mut large = DistinctRows::new();
        let mut customers = Vec::new();
        for i in 0..40_000u32 {
            let age = f64::from(30 + i % 700);
            let x = (i * 7919) % 23 / 3;
            let t_x = if x == 0 {
                0.0
            } else {
                f64::from(1 + (i * 104_729) % (29 + i % 700))
            };
            large.add(&hist(x, t_x, age));
            customers.push(hist(x, t_x, age));
        }
        assert!(large.len() > SUBSAMPLE_FROM, "{}", large.len());
        let mut small = DistinctRows::new();
        for r in awkward_rows() {
            small
                .add_count(r.x, r.a * 10.0, r.b * 10.0, r.w as u64)
                .unwrap();
        }
        for table in [&large, &small] {
            let (histories, weights) = table.weighted().unwrap();
            let distinct = BgNbd::new().fit_distinct(&table.rows()).unwrap();
            assert_eq!(
                distinct,
                BgNbd::new().fit_weighted(&histories, &weights).unwrap()
            );
        }
        let by_customer = BgNbd::new().fit_detailed(&customers).unwrap();
        let distinct = BgNbd::new().fit_distinct(&large.rows()).unwrap();
        assert_eq!(distinct.params(), by_customer.params());
        assert_eq!(distinct.log_likelihood(), by_customer.log_likelihood());
        // Out of order, and a row twice: grouped as fit_weighted groups.
        let mut rows = small.rows();
        rows.reverse();
        rows.push(rows[2]);
        let weights: Vec<f64> = rows.iter().map(|r| r.count() as f64).collect();
        let histories: Vec<CustomerHistory> =
            rows.iter().map(|r| hist(r.x(), r.t_x(), r.age())).collect();
        assert_eq!(
            BgNbd::new().fit_distinct(&rows).unwrap(),
            BgNbd::new().fit_weighted(&histories, &weights).unwrap()
        );
    }

    #[test]
    fn empty_fit_is_an_error() {
        assert!(BgNbd::new().fit_detailed(&[]).is_err());
        let h = [hist(1, 1.0, 2.0)];
        assert!(BgNbd::new().fit_weighted(&h, &[0.0]).is_err());
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_validates() {
        let json = serde_json::to_string(&printed()).unwrap();
        assert_eq!(
            serde_json::from_str::<BgNbdParams>(&json).unwrap(),
            printed()
        );
        assert!(serde_json::from_str::<BgNbdParams>(r#"{"r":0,"alpha":1,"a":1,"b":1}"#).is_err());
    }
}

#[cfg(test)]
mod penalty_tests {
    use super::*;
    use crate::CustomerId;
    use crate::btyd::penalty::{Natural, Penalty};

    /// [spec](crate::btyd::spec#l2-penalty): lifetimes' penalised objective at θ = ln(.3, .2, .9, 2)
    /// (fitting scale), λ = 0.1, on the scaled CDNOW summary is
    /// 0.7624821857415163.
    #[test]
    fn lifetimes_penalised_objective_on_cdnow() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/data/cdnow/cdnow_customers_summary.csv");
        let Ok(text) = std::fs::read_to_string(&path) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "missing {}",
                path.display()
            );
            return;
        };
        let population: Vec<CustomerHistory> = text
            .lines()
            .skip(1)
            .map(|line| {
                let f: Vec<f64> = line.split(',').map(|v| v.trim().parse().unwrap()).collect();
                CustomerHistory::new(CustomerId::new(f[0] as u64), f[1] as u32, f[2], f[3]).unwrap()
            })
            .collect();
        let rows = compress(&population, None, |h| Some((h.x(), h.t_x(), h.age()))).unwrap();
        let weight: f64 = rows.iter().map(|r| r.w).sum();
        let c = 1.0 / rows.iter().fold(0.0_f64, |m, r| m.max(r.b));
        let fit = [0.3, 0.2, 0.9, 2.0];
        let theta = fit.map(f64::ln);
        let mut g = [0.0; 4];
        let nll = Prepared::new(&rows, c).nll_grad(theta, &mut g);
        let natural = Natural {
            data: [fit[0], fit[1] / c, fit[2], fit[3]],
            data_jac: [fit[0], fit[1] / c, fit[2], fit[3]],
            fit,
            fit_jac: fit,
        };
        let value = Penalty::LifetimesL2 { lambda: 0.1 }.apply(nll, &mut g, weight, &natural);
        assert!((value - 0.7624821857415163).abs() < 1e-12, "{value}");
    }

    #[test]
    fn penalty_shrinks_and_bad_lambda_is_an_error() {
        let population: Vec<CustomerHistory> = (0..300u32)
            .map(|i| {
                let x = i % 5;
                CustomerHistory::new(CustomerId::new(u64::from(i)), x, f64::from(x) * 4.0, 30.0)
                    .unwrap()
            })
            .collect();
        let free = BgNbd::new().fit_detailed(&population).unwrap();
        let shrunk = BgNbd::new()
            .penalty(Penalty::L2 { lambda: 2.0 })
            .fit_detailed(&population)
            .unwrap();
        let norm = |p: &BgNbdParams| p.r * p.r + p.alpha * p.alpha + p.a * p.a + p.b * p.b;
        assert!(norm(shrunk.params()) < norm(free.params()));
        assert!(shrunk.log_likelihood() <= free.log_likelihood() + 1e-9);
        let zero = BgNbd::new()
            .penalty(Penalty::L2 { lambda: 0.0 })
            .fit_detailed(&population)
            .unwrap();
        assert!((zero.log_likelihood() - free.log_likelihood()).abs() < 1e-9);
        let bad = BgNbd::new()
            .penalty(Penalty::L2 { lambda: -1.0 })
            .fit_detailed(&population);
        assert!(matches!(
            bad,
            Err(Error::InvalidParameter { name: "lambda", .. })
        ));
    }
}
