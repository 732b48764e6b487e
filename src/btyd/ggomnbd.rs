//! GGom/NBD, the Gamma-Gompertz/NBD model (Bemmaor & Glady 2012); see
//! [`GgomNbdParams`] for the formulas, conventions and citations.

use crate::btyd::ParetoNbd;
use crate::btyd::ParetoNbdParams;
use crate::btyd::boundary::{GGOM_NBD_RAYS, GGOM_NBD_WATCHES};
use crate::btyd::fitting::{
    NestedLimit, Problem, RecentEvaluations, fit_log_params_bounded, fit_options_builder,
    total_weight,
};
use crate::btyd::input::{CustomerHistory, Row, compress};
use crate::btyd::math::{check_horizon, dlgamma, dpsi, positive};
use crate::btyd::optim::THETA_BOUND;
use crate::btyd::penalty::Penalty;
use crate::btyd::quadrature::integrate;
use crate::btyd::report::FitReport;
use crate::btyd::status::{Direction, Divergence, FitOptions, FitStatus, Limit};
use crate::{Error, Fit, Result, Scorer};

/// GGom/NBD, the Gamma-Gompertz/NBD model (Bemmaor & Glady 2012): fit by
/// maximum likelihood, P(alive), conditional expected transactions (CET),
/// the unconditional expectation and DERT, every integral by quadrature.
///
/// # The model
///
/// While alive a customer buys as a Poisson process with rate `λ`, and
/// `λ ~ Gamma(shape r, rate α)` across customers (the NBD part, as in
/// Pareto/NBD). The lifetime `τ` from the first purchase is Gompertz:
/// `P(τ > t | η) = exp(−η(e^{bt} − 1))` with a common scale `b > 0`, and
/// `η ~ Gamma(shape s, rate β)`, independent of `λ`. Integrating `η` out
/// gives the Gamma-Gompertz survivor `S(t) = (β / (β + e^{bt} − 1))^s` and
/// density `g(t) = b·s·β^s·e^{bt} / (β + e^{bt} − 1)^{s+1}`. As `b → 0` with
/// `β/b` fixed, `S(t) → (1 + t·b/β)^{−s}`: the model nests Pareto/NBD with
/// Pareto dropout rate `β_P = β/b` as a limit.
///
/// Time convention: as every continuous model of the crate, `(x, t_x, T)`
/// counts `x` repeat purchases, the last at `t_x`, observed until `T`,
/// both measured from the first purchase, in any one time unit; `α` and
/// `β` here are rate (not scale) parameters in that unit's terms only
/// through `λ` (`α`) and `b` (per unit time); `β` and `s` are unitless.
///
/// # Formulas (Bemmaor & Glady 2012, eqs. for the likelihood and P(alive);
/// CET as corrected by Adler 2022)
///
/// The likelihood of a customer is the alive branch plus the branch that
/// died at `τ ∈ (t_x, T]`:
///
/// ```text
/// L = Γ(r+x)/Γ(r) · α^r/(α+T)^{r+x} · S(T)
///   + Γ(r+x)/Γ(r) · α^r · b·s·β^s · ∫_{t_x}^{T} e^{by} (y+α)^{−(r+x)} (β + e^{by} − 1)^{−(s+1)} dy
/// ```
///
/// P(alive) is the first term's share of `L`. Given alive at `T`, the
/// posteriors are independent, `λ ~ Gamma(r+x, α+T)` and
/// `η ~ Gamma(s, β + e^{bT} − 1)`, so the survivor from `T` to `T+u` is
/// `S_T(u) = ((β + e^{bT} − 1) / (β + e^{b(T+u)} − 1))^s` and
///
/// ```text
/// CET(t)  = P(alive) · (r+x)/(α+T) · ∫_0^t S_T(u) du
/// DERT(δ) = P(alive) · (r+x)/(α+T) · ∫_0^∞ e^{−δu} S_T(u) du      (continuous discounting)
/// E[X(t)] = r/α · ∫_0^t S(u) du                                    (a new customer)
/// ```
///
/// The CET is the same number as CLVTools' closed form with `₂F₁(1, s; s+1; ·)`
/// (after the Adler 2022 erratum), written as the integral it came from.
/// `e^{by} − 1` is evaluated as `expm1(by)`, which keeps the digits when
/// `b` is tiny (CDNOW's maximum sits at `b ≈ 10⁻⁶`).
///
/// # Numerics
///
/// The likelihood is evaluated as `α^{−x}(1 + y/α)^{−(r+x)}` for the
/// purchase factor and `(1 + (e^{by} − 1)/β)^{−s}` for the survivor, forms
/// that stay exact at the model's limits (`r, α → ∞`: Poisson purchases;
/// `b, β → 0`: Pareto/NBD; `β → ∞`: no dropout). The predictions use the
/// crate's adaptive 7/15-point Gauss–Kronrod rule (relative accuracy
/// `1e-12`). The fitting objective groups customers by `x`: the dead
/// branch's integrand depends on a customer only through `x`, so it is
/// integrated once per group on panels between the sorted distinct `t_x`
/// and `T`, each with the Gauss–Legendre rule (2 to 8 points) that the
/// panel's distance to the integrand's singular points and the change of
/// its log call for, and each customer's integral is a difference of
/// running sums (or the sum of its own panels when that would lose
/// digits). The quantities at a node (`ln(1 + y/α)`, `(e^{by} − 1)/β` and
/// the logs of the survivor) do not depend on `x`, so with 32 groups or
/// more they are computed once per evaluation for each panel and mesh
/// point that several groups share (on a day grid, many of them) and
/// looked up by the other groups: the same numbers, fewer logarithms. Its gradient is analytic: the derivative of each integral
/// under the integral sign, on the same nodes, so the optimiser sees the
/// exact gradient of the objective it minimises (tests check it against
/// central differences, and the objective against the adaptive
/// per-customer values to `1e-11`). A fit reports the objective's
/// log-likelihood.
///
/// Citations: Bemmaor, A. C. & Glady, N. (2012) "Modeling purchasing
/// behavior with sudden 'death': a flexible customer lifetime model",
/// *Management Science* 58(5), 1012–1021; Adler, J. (2022) "Comment on
/// 'Modeling purchasing behavior with sudden death'", *Management Science*
/// (the CET erratum); the implementation follows CLVTools' `ggomnbd`.
///
/// # Example
///
/// ```
/// use customer_value::CustomerId;
/// use customer_value::btyd::{CustomerHistory, GgomNbdParams};
///
/// // CLVTools' CDNOW estimate (weeks).
/// let p = GgomNbdParams::new(0.55313, 10.5758, 0.0000011, 0.60682, 0.000013)?;
/// let h = CustomerHistory::new(CustomerId::new(1), 2, 30.43, 38.86)?;
/// let alive = p.p_alive(&h)?;
/// assert!(alive > 0.0 && alive < 1.0);
/// let cet = p.expected_purchases(&h, 52.0)?;
/// assert!(cet > 0.0 && cet < (0.55313 + 2.0) / (10.5758 + 38.86) * 52.0);
/// # Ok::<(), customer_value::Error>(())
/// ```
///
/// The parameters: purchase rate `λ ~ Gamma(shape r, rate α)`, Gompertz
/// lifetime with scale `b` and `η ~ Gamma(shape s, rate β)`; all finite
/// and > 0.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "GgomNbdRecord", into = "GgomNbdRecord")
)]
pub struct GgomNbdParams {
    r: f64,
    alpha: f64,
    b: f64,
    s: f64,
    beta: f64,
}

/// The serialised parameters, validated on the way in.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct GgomNbdRecord {
    r: f64,
    alpha: f64,
    b: f64,
    s: f64,
    beta: f64,
}

#[cfg(feature = "serde")]
impl From<GgomNbdParams> for GgomNbdRecord {
    fn from(p: GgomNbdParams) -> Self {
        Self {
            r: p.r,
            alpha: p.alpha,
            b: p.b,
            s: p.s,
            beta: p.beta,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<GgomNbdRecord> for GgomNbdParams {
    type Error = Error;
    fn try_from(p: GgomNbdRecord) -> Result<Self> {
        Self::new(p.r, p.alpha, p.b, p.s, p.beta)
    }
}

/// `ln(β + e^{by} − 1)` without overflow or cancellation.
pub(crate) fn ln_gomp(beta: f64, b: f64, y: f64) -> f64 {
    let by = b * y;
    if by > 30.0 {
        by + ((beta - 1.0) * (-by).exp()).ln_1p()
    } else {
        (beta + by.exp_m1()).ln()
    }
}

/// `e^v` for `v ≤ 0` (or `NaN`), 0 below `−700` without the C library's
/// slow underflow path: the objective exponentiates many differences of
/// logs that are far below their maximum.
#[inline]
fn exp_le0(v: f64) -> f64 {
    if v < -700.0 { 0.0 } else { v.exp() }
}

fn finite(what: &'static str, v: f64) -> Result<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Error::Overflow { what })
    }
}

/// The quantities of a time `y` that the likelihood needs, in forms that
/// keep their digits at every limit the fitter visits:
/// `l1p = ln(1 + y/α)` (the purchase factor `(1 + y/α)^{−(r+x)}`, which
/// tends to `e^{−λy}` as `r, α → ∞` with `λ = r/α`), `ya = y/(α+y)`,
/// `u = ln(1 + (e^{by} − 1)/β)` (the Gamma-Gompertz survivor is
/// `S(y) = e^{−s·u}`, which tends to `(1 + y·b/β)^{−s}` as `b, β → 0` and to
/// 1 as `β → ∞`), `share = e^{by}/(β + e^{by} − 1)` and
/// `q = (e^{by} − 1)/(β + e^{by} − 1)`.
#[derive(Debug, Clone, Copy)]
struct At {
    l1p: f64,
    ya: f64,
    u: f64,
    share: f64,
    q: f64,
}

/// The parameters of one evaluation of the likelihood, with the logs it
/// shares between customers.
#[derive(Debug, Clone, Copy)]
struct Eval {
    r: f64,
    alpha: f64,
    b: f64,
    s: f64,
    beta: f64,
    ln_alpha: f64,
    /// `ln(b·s/β)`, the constant of the dead-branch integrand.
    ln_bsb: f64,
}

impl Eval {
    fn new([r, alpha, b, s, beta]: [f64; 5]) -> Self {
        Self {
            r,
            alpha,
            b,
            s,
            beta,
            ln_alpha: alpha.ln(),
            ln_bsb: b.ln() + s.ln() - beta.ln(),
        }
    }

    /// `u(y) = ln(1 + (e^{by} − 1)/β)`, see [`At`].
    fn u(&self, y: f64) -> f64 {
        let by = self.b * y;
        if by <= 700.0 {
            let ratio = by.exp_m1() / self.beta;
            if ratio.is_finite() {
                ratio.ln_1p()
            } else {
                by.exp_m1().ln() - self.beta.ln()
            }
        } else {
            by - self.beta.ln() + ((self.beta - 1.0) * exp_le0(-by)).ln_1p()
        }
    }

    fn at(&self, y: f64) -> At {
        let by = self.b * y;
        let (u, share, q) = if by <= 700.0 {
            let e1 = by.exp_m1();
            let g = self.beta + e1;
            let ratio = e1 / self.beta;
            let u = if ratio.is_finite() {
                ratio.ln_1p()
            } else {
                e1.ln() - self.beta.ln()
            };
            (u, (e1 + 1.0) / g, e1 / g)
        } else {
            let d = exp_le0(-by);
            let den = 1.0 + (self.beta - 1.0) * d;
            (
                by - self.beta.ln() + ((self.beta - 1.0) * d).ln_1p(),
                1.0 / den,
                (1.0 - d) / den,
            )
        };
        At {
            l1p: (y / self.alpha).ln_1p(),
            ya: y / (self.alpha + y),
            u,
            share,
            q,
        }
    }

    /// The singular points of `ln f` ([`Eval::ln_f`]) nearest the real
    /// axis, as `(re, im)` (an upper one stands for its mirror too):
    /// `y = −α`, where `1 + y/α = 0`, and the zeros of `β − 1 + e^{by}`:
    /// `ln(1 − β)/b` and `(ln(1 − β) + 2πi)/b` for `β < 1`,
    /// `(ln(β − 1) + πi)/b` for `β > 1` (none for `β = 1`).
    fn singular_points(&self) -> [(f64, f64); 3] {
        let pi_b = std::f64::consts::PI / self.b;
        let gompertz = if self.beta < 1.0 {
            let re = (-self.beta).ln_1p() / self.b;
            [(re, 0.0), (re, 2.0 * pi_b)]
        } else if self.beta > 1.0 {
            let re = (self.beta - 1.0).ln() / self.b;
            [(re, pi_b), (re, pi_b)]
        } else {
            [(f64::NEG_INFINITY, 0.0); 2]
        };
        [(-self.alpha, 0.0), gompertz[0], gompertz[1]]
    }

    /// An upper bound of `d ln f/dy` ([`Eval::ln_f`]) on `[y, ∞)`:
    /// `ln f′ = b − (r+x)/(α+y) − (s+1)·b·share(y)` with
    /// `share(y) = e^{by}/(β + e^{by} − 1)`, which rises with `y` when
    /// `β ≥ 1` (and is at least 1 when `β < 1`), so
    /// `ln f′ ≤ max(0, b·(1 − (s+1)·share(y)))` from `y` on. Once the
    /// Gompertz hazard has taken off (`share → 1`) the integrand only
    /// falls, which the plain bound `b` cannot tell when `b` is large.
    fn rise_from(&self, y: f64) -> f64 {
        if self.beta < 1.0 {
            return 0.0;
        }
        let by = self.b * y;
        let share = if by <= 700.0 {
            let e1 = by.exp_m1();
            (e1 + 1.0) / (self.beta + e1)
        } else {
            1.0 / (1.0 + (self.beta - 1.0) * exp_le0(-by))
        };
        let rise = self.b * (1.0 - (self.s + 1.0) * share);
        if rise > 0.0 {
            rise
        } else if rise <= 0.0 {
            0.0
        } else {
            self.b
        }
    }

    /// The log of the dead-branch integrand without its constant:
    /// `ln f(y) = b·y − (r+x)·ln(1 + y/α) − (s+1)·u(y)`.
    fn ln_f(&self, x: f64, y: f64) -> f64 {
        self.b * y - (self.r + x) * (y / self.alpha).ln_1p() - (self.s + 1.0) * self.u(y)
    }

    /// `ln Γ(r+x)/Γ(r) − x·ln α`: with `−(r+x)·l1p(y)` the log of the
    /// purchase factor `Γ(r+x)/Γ(r) · α^r/(α+y)^{r+x}`.
    fn base(&self, x: f64) -> f64 {
        dlgamma(self.r, x) - x * self.ln_alpha
    }
}

/// The two branches of a customer's log-likelihood, `(ln L1, ln L2)`
/// (`ln L2 = −∞` when `t_x = T`), with the integral by adaptive quadrature.
///
/// `ln L1 = ln Γ(r+x)/Γ(r) − x·ln α − (r+x)·ln(1 + T/α) − s·u(T)` and
/// `ln L2 = ln Γ(r+x)/Γ(r) − x·ln α + ln(b·s/β) + ln ∫_{t_x}^{T} f(y) dy`
/// with `f` as in [`Eval::ln_f`]: the formula of the [type
/// docs](GgomNbdParams) with `α^r/(α+y)^{r+x} = α^{−x}(1 + y/α)^{−(r+x)}`
/// and `β^s/(β + e^{by} − 1)^{s} = e^{−s·u(y)}`, which stay finite and
/// accurate as `r, α → ∞` (Poisson purchases), `b, β → 0` (Pareto
/// dropout) or `β → ∞` (no dropout).
fn branches(p: &GgomNbdParams, x: f64, t_x: f64, t: f64) -> Result<(f64, f64)> {
    const WHAT: &str = "GGom/NBD likelihood";
    let e = Eval::new([p.r, p.alpha, p.b, p.s, p.beta]);
    let base = e.base(x);
    let l1 = base - (e.r + x) * (t / e.alpha).ln_1p() - e.s * e.u(t);
    if t <= t_x {
        return Ok((finite(WHAT, l1)?, f64::NEG_INFINITY));
    }
    let lf = |y: f64| e.ln_f(x, y);
    let mesh = mesh(&lf, t_x, t, &|y| e.rise_from(y), &e.singular_points());
    let m = mesh
        .iter()
        .map(|&y| lf(y))
        .fold(f64::NEG_INFINITY, f64::max);
    let integral = integrate(WHAT, |y| (lf(y) - m).exp(), &mesh, 0.0)?;
    let l2 = base + e.ln_bsb + m + integral.ln();
    Ok((finite(WHAT, l1)?, finite(WHAT, l2)?))
}

/// Panels on `[lo, hi]` for integrating `e^{lf}`, pushed to `out` left
/// to right as `(right end, n)` with `n` the number of Gauss–Legendre
/// points the panel needs ([`GL`]); `f_lo`, `f_hi` are `lf` at the ends,
/// `rise(y)` a bound on `lf′` on `[y, ∞)` ([`Eval::rise_from`] for the
/// dead-branch integrand) and `poles` the integrand's singular points nearest
/// the real axis ([`Eval::singular_points`]).
///
/// A panel is halved until `lf` changes by at most 1 between its ends and
/// its midpoint, and every singular point `z` lies outside the ellipse
/// with foci at the panel's ends and `ρ = 8` (`|z − a| + |z − c| ≥
/// (ρ + 1/ρ)/2·w` for width `w`): an `n`-point Gauss rule's relative error
/// is then about `ρ^{−2n}` from the singularities and `K_n·δ^{2n}` from a
/// half-panel change `δ` of `lf` (`K_8 ≈ 2·10⁻¹⁸`, `K_6 ≈ 1.5·10⁻¹²`,
/// `K_4 ≈ 3·10⁻⁷`, `K_3 ≈ 6·10⁻⁵`, `K_2 ≈ 7·10⁻³`), and each panel gets
/// the fewest points of 8, 6, 4, 3, 2 that keep both below about
/// `10⁻¹⁴`. A panel also stops when it is negligible: its integral, at
/// most `w·e^{max(lf(a), lf(m)) + rise(a)·w/2}`, below `10⁻¹⁸` of the
/// (Simpson) integral of the panels left of it, so that a steep fall (a
/// Gompertz hazard that has taken off) costs a few dozen panels, not
/// thousands; and once the integrand only falls (`rise(a) = 0`) and the
/// whole rest of the interval is negligible by the same measure
/// (`(hi − a)·e^{lf(a)}`), that rest is one panel. At most 60 halvings
/// deep and 8192 panels.
fn mesh_into(
    lf: &mut impl FnMut(f64) -> f64,
    (lo, f_lo): (f64, f64),
    (hi, f_hi): (f64, f64),
    rise: &impl Fn(f64) -> f64,
    poles: &[(f64, f64)],
    out: &mut Vec<(f64, usize)>,
) {
    /// `(ρ + 1/ρ)/2` at `ρ = 8`.
    const NEAREST: f64 = 4.0625;
    /// `ln 10⁻¹⁸`: a panel below this share of the integral so far is
    /// negligible.
    const NEGLIGIBLE: f64 = -41.5;
    const MAX_PANELS: usize = 8192;
    let start = out.len();
    let mut so_far = f64::NEG_INFINITY; // ln of the integral left of the stack top
    let mut stack = vec![(lo, hi, f_lo, f_hi, 0_u32)];
    while let Some((a, c, fa, fc, depth)) = stack.pop() {
        let m = 0.5 * (a + c);
        let fm = lf(m);
        let w = c - a;
        let change = (fa - fm).abs().max((fm - fc).abs());
        // The smallest `(ρ + 1/ρ)/2` of the singular points.
        let near = poles
            .iter()
            .map(|&(re, im)| {
                let (da, dc) = (re - a, re - c);
                ((da * da + im * im).sqrt() + (dc * dc + im * im).sqrt()) / w
            })
            .fold(f64::INFINITY, f64::min);
        let rise_a = rise(a);
        let bound = w.ln() + fa.max(fm) + rise_a * 0.5 * w;
        let negligible = bound < so_far + NEGLIGIBLE;
        if negligible && rise_a <= 0.0 && (hi - a).ln() + fa < so_far + NEGLIGIBLE {
            // The integrand only falls from `a` on, so the rest of the
            // interval, at most `(hi − a)·e^{lf(a)}`, is negligible as a
            // whole: one panel instead of every sibling left on the stack.
            stack.clear();
            out.push((hi, 2));
            break;
        }
        let room = out.len() - start + stack.len() < MAX_PANELS;
        if (change > 1.0 || near < NEAREST) && !negligible && room && depth < 60 && m > a && m < c {
            // Right half first on the stack so the left half is done first.
            stack.push((m, c, fm, fc, depth + 1));
            stack.push((a, m, fa, fm, depth + 1));
            continue;
        }
        let points = if negligible {
            2
        } else {
            let rho = near + (near * near - 1.0).max(0.0).sqrt();
            let by_pole = if rho < 16.0 {
                8
            } else if rho < 64.0 {
                6
            } else if rho < 400.0 {
                4
            } else if rho < 5000.0 {
                3
            } else {
                2
            };
            let by_change = if change > 0.5 {
                8
            } else if change > 0.125 {
                6
            } else if change > 1.0 / 32.0 {
                4
            } else if change > 1e-3 {
                3
            } else {
                2
            };
            by_pole.max(by_change)
        };
        // Simpson's estimate of the panel's integral, in logs.
        let top = fa.max(fm).max(fc);
        if top > f64::NEG_INFINITY {
            let sum = exp_le0(fa - top) + 4.0 * exp_le0(fm - top) + exp_le0(fc - top);
            let est = top + (w / 6.0 * sum).ln();
            so_far = if so_far >= est {
                so_far + exp_le0(est - so_far).ln_1p()
            } else {
                est + exp_le0(so_far - est).ln_1p()
            };
        }
        out.push((c, points));
    }
}

/// The breakpoints of [`mesh_into`]'s panels on `[lo, hi]`.
fn mesh(
    lf: &impl Fn(f64) -> f64,
    lo: f64,
    hi: f64,
    rise: &impl Fn(f64) -> f64,
    poles: &[(f64, f64)],
) -> Vec<f64> {
    let mut panels = Vec::new();
    mesh_into(
        &mut |y| lf(y),
        (lo, lf(lo)),
        (hi, lf(hi)),
        rise,
        poles,
        &mut panels,
    );
    std::iter::once(lo)
        .chain(panels.into_iter().map(|(c, _)| c))
        .collect()
}

/// Gauss–Legendre rules ([`gl`]) on `[−1, 1]` as `(node, weight)`, 8, 6,
/// 4, 3 and 2 points (Abramowitz & Stegun table 25.4).
const GL8: [(f64, f64); 8] = [
    (-0.960_289_856_497_536_2, 0.101_228_536_290_376_26),
    (-0.796_666_477_413_626_7, 0.222_381_034_453_374_47),
    (-0.525_532_409_916_329, 0.313_706_645_877_887_3),
    (-0.183_434_642_495_649_8, 0.362_683_783_378_362),
    (0.183_434_642_495_649_8, 0.362_683_783_378_362),
    (0.525_532_409_916_329, 0.313_706_645_877_887_3),
    (0.796_666_477_413_626_7, 0.222_381_034_453_374_47),
    (0.960_289_856_497_536_2, 0.101_228_536_290_376_26),
];
const GL6: [(f64, f64); 6] = [
    (-0.932_469_514_203_152, 0.171_324_492_379_170_34),
    (-0.661_209_386_466_264_5, 0.360_761_573_048_138_6),
    (-0.238_619_186_083_196_9, 0.467_913_934_572_691_05),
    (0.238_619_186_083_196_9, 0.467_913_934_572_691_05),
    (0.661_209_386_466_264_5, 0.360_761_573_048_138_6),
    (0.932_469_514_203_152, 0.171_324_492_379_170_34),
];
const GL4: [(f64, f64); 4] = [
    (-0.861_136_311_594_052_6, 0.347_854_845_137_453_86),
    (-0.339_981_043_584_856_26, 0.652_145_154_862_546_1),
    (0.339_981_043_584_856_26, 0.652_145_154_862_546_1),
    (0.861_136_311_594_052_6, 0.347_854_845_137_453_86),
];
const GL2: [(f64, f64); 2] = [
    (-0.577_350_269_189_625_8, 1.0),
    (0.577_350_269_189_625_8, 1.0),
];
const GL3: [(f64, f64); 3] = [
    (-0.774_596_669_241_483_4, 0.555_555_555_555_555_6),
    (0.0, 0.888_888_888_888_888_8),
    (0.774_596_669_241_483_4, 0.555_555_555_555_555_6),
];

/// The `n`-point Gauss–Legendre rule, `n` one of 8, 6, 4, 3, 2.
fn gl(n: usize) -> &'static [(f64, f64)] {
    match n {
        8 => &GL8,
        6 => &GL6,
        4 => &GL4,
        3 => &GL3,
        _ => &GL2,
    }
}

/// A scaled sum: the value is `e^m · v`, with `v[0] = ∫ f` and `v[1..]`
/// the integrals of `f` times the gradient weights (see [`nll_grad`]).
#[derive(Debug, Clone, Copy)]
struct Scaled {
    m: f64,
    v: [f64; 6],
}

impl Scaled {
    const ZERO: Self = Self {
        m: f64::NEG_INFINITY,
        v: [0.0; 6],
    };

    fn add(self, other: Self) -> Self {
        let m = self.m.max(other.m);
        if m == f64::NEG_INFINITY {
            return Self::ZERO;
        }
        // e^0 = 1 without the call: in a running sum one side is usually
        // the larger (the same numbers either way).
        let scale = |v: f64| if v == m { 1.0 } else { exp_le0(v - m) };
        let (a, b) = (scale(self.m), scale(other.m));
        Self {
            m,
            v: std::array::from_fn(|k| self.v[k] * a + other.v[k] * b),
        }
    }

    /// `self − other` for `other` a part of `self`, and the condition of
    /// that difference (`self.v[0]/(self − other).v[0]`, ∞ when it does
    /// not keep a digit).
    fn minus(self, other: Self) -> (Self, f64) {
        let e = if other.m == f64::NEG_INFINITY {
            0.0
        } else {
            exp_le0(other.m - self.m)
        };
        let v: [f64; 6] = std::array::from_fn(|k| self.v[k] - other.v[k] * e);
        let cond = if v[0] > 0.0 {
            self.v[0] / v[0]
        } else {
            f64::INFINITY
        };
        (Self { m: self.m, v }, cond)
    }
}

/// The customers of one purchase count `x` that the objective evaluates
/// together: the dead branch's integrand depends on the customer only
/// through `x` and the limits `t_x`, `T`, so its integral is accumulated
/// once over the sorted distinct limits of the group (on [`mesh_into`]
/// panels between consecutive limits), and each customer's integral is a difference of
/// running sums (or, when that difference would lose digits, the sum of
/// its own pieces).
#[derive(Debug, Clone)]
struct Group {
    x: f64,
    /// The sorted distinct `t_x` and `T` of the group's rows with
    /// `t_x < T`.
    ends: Vec<f64>,
    rows: Vec<GroupRow>,
}

#[derive(Debug, Clone, Copy)]
struct GroupRow {
    w: f64,
    /// Index of `T` in [`Layout::ages`].
    age: usize,
    /// Indices of `t_x` and `T` in the group's `ends` (equal when
    /// `t_x = T`: no dead branch).
    lo: usize,
    hi: usize,
}

/// The rows of a fit arranged for [`nll_grad`]: by purchase count, with
/// the distinct ages `T` (whose survivor terms every row of that age
/// shares).
#[derive(Debug, Clone)]
struct Layout {
    ages: Vec<f64>,
    groups: Vec<Group>,
    /// The groups `..split` and `split..` are the two halves of the work
    /// (by ends and rows) that [`nll_grad`] sums separately.
    split: usize,
    /// Whether [`nll_grad`] evaluates the second half on a second thread:
    /// when the machine has two cores or more and the work is large enough
    /// (at least [`THREADED_WORK`] ends and rows) for a thread's start
    /// (some 20 µs) to pay.
    threaded: bool,
    /// Whether the groups share the node quantities ([`Scratch::integrate`]):
    /// with [`SHARE_FROM`] groups or more. With few groups few panels
    /// coincide (the rfm orders' 14 groups: a tenth of the nodes) and the
    /// look-ups cost more than they save; the numbers are the same either
    /// way.
    share: bool,
}

/// The number of purchase-count groups from which [`nll_grad`]'s groups
/// share their node quantities ([`Layout::share`]): a log of 36,877
/// distinct rows in days has 40 groups, which share about 60 % of their
/// nodes.
const SHARE_FROM: usize = 32;

/// The work (ends and rows of the groups) from which [`nll_grad`] uses a
/// second thread: the rfm orders (995 customers) have about 3,000, CDNOW
/// (2,357) about 1,600, the apparel logs fewer than 1,000.
const THREADED_WORK: usize = 1500;

fn index_of(sorted: &[f64], v: f64) -> usize {
    sorted.partition_point(|&e| e < v)
}

impl Layout {
    fn new(rows: &[Row]) -> Self {
        let mut ages: Vec<f64> = rows.iter().map(|r| r.b).collect();
        ages.sort_by(f64::total_cmp);
        ages.dedup();
        let mut by_x: std::collections::BTreeMap<u32, Vec<&Row>> = Default::default();
        for row in rows {
            by_x.entry(row.x).or_default().push(row);
        }
        let groups: Vec<Group> = by_x
            .into_iter()
            .map(|(x, rows)| {
                let mut ends: Vec<f64> = rows
                    .iter()
                    .filter(|r| r.a < r.b)
                    .flat_map(|r| [r.a, r.b])
                    .collect();
                ends.sort_by(f64::total_cmp);
                ends.dedup();
                let rows = rows
                    .iter()
                    .map(|r| {
                        let (lo, hi) = if r.a < r.b {
                            (index_of(&ends, r.a), index_of(&ends, r.b))
                        } else {
                            (0, 0)
                        };
                        GroupRow {
                            w: r.w,
                            age: index_of(&ages, r.b),
                            lo,
                            hi,
                        }
                    })
                    .collect();
                Group {
                    x: f64::from(x),
                    ends,
                    rows,
                }
            })
            .collect();
        let work = |g: &Group| g.ends.len() + g.rows.len();
        let total: usize = groups.iter().map(work).sum();
        let mut split = 0;
        let mut done = 0;
        while split < groups.len() && 2 * (done + work(&groups[split])) <= total {
            done += work(&groups[split]);
            split += 1;
        }
        let share = groups.len() >= SHARE_FROM;
        let threaded = total >= THREADED_WORK
            && std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2);
        Self {
            ages,
            groups,
            split,
            threaded,
            share,
        }
    }
}

/// A hasher for keys made of the bits of times: those of whole numbers of
/// days end in 32 and more zero bits, which a multiplicative hash alone
/// (`FxHash`) carries into the low bits that pick the bucket; the
/// SplitMix64 finaliser mixes every bit into every other.
#[derive(Default)]
struct TimeBitsHasher(u64);

impl std::hash::Hasher for TimeBitsHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(23) ^ v).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }

    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

type TimeMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<TimeBitsHasher>>;

/// Buffers reused from group to group within one evaluation.
#[derive(Default)]
struct Scratch {
    /// Piece boundaries (the group's ends and the panels between them).
    bounds: Vec<f64>,
    /// Each piece's number of Gauss points ([`mesh_into`]).
    panel: Vec<usize>,
    /// `ln f` at the group's ends.
    at_ends: Vec<f64>,
    mesh: Vec<(f64, usize)>,
    /// Where each of the group's ends is in `bounds`.
    end_at: Vec<usize>,
    pieces: Vec<Scaled>,
    /// `(ln(1 + y/α), u(y))` ([`At`]) of each time `y` at which
    /// [`mesh_into`] evaluated `ln f` in this evaluation: every purchase
    /// count's `ln f` is a linear combination of the two, and the groups
    /// share most ends and panel midpoints (on a day grid, all of them).
    logs_at: TimeMap<u64, (f64, f64)>,
    /// Where the nodes' [`At`] of each panel `(a, c, points)` met in this
    /// evaluation start in `nodes`: the quantities depend on the node, not
    /// on the purchase count, so a panel that several groups share (on a
    /// day grid, most) costs its logarithms once.
    panels_at: TimeMap<(u64, u64, usize), usize>,
    nodes: Vec<At>,
    /// Running sums from the left (`left[k]`: pieces before `k`) and from
    /// the right (`right[k]`: pieces from `k` on).
    left: Vec<Scaled>,
    right: Vec<Scaled>,
}

impl Scratch {
    /// Integrates the group's dead-branch integrand over its pieces and
    /// forms the running sums.
    fn integrate(&mut self, e: &Eval, group: &Group, share: bool) {
        let x = group.x;
        self.bounds.clear();
        self.panel.clear();
        self.end_at.clear();
        self.at_ends.clear();
        self.pieces.clear();
        self.left.clear();
        self.right.clear();
        let ends = &group.ends;
        if ends.len() < 2 {
            return;
        }
        let logs_at = &mut self.logs_at;
        // `e.ln_f(x, y)`, the same operations on the shared logs.
        let mut lf = |y: f64| {
            if share {
                let (l1p, u) = *logs_at
                    .entry(y.to_bits())
                    .or_insert_with(|| ((y / e.alpha).ln_1p(), e.u(y)));
                e.b * y - (e.r + x) * l1p - (e.s + 1.0) * u
            } else {
                e.ln_f(x, y)
            }
        };
        let poles = e.singular_points();
        self.at_ends.clear();
        self.at_ends.extend(ends.iter().map(|&y| lf(y)));
        self.bounds.push(ends[0]);
        for k in 0..ends.len() - 1 {
            self.end_at.push(self.bounds.len() - 1);
            let (a, c) = (
                (ends[k], self.at_ends[k]),
                (ends[k + 1], self.at_ends[k + 1]),
            );
            self.mesh.clear();
            mesh_into(&mut lf, a, c, &|y| e.rise_from(y), &poles, &mut self.mesh);
            for &(end, rho) in &self.mesh {
                self.bounds.push(end);
                self.panel.push(rho);
            }
        }
        self.end_at.push(self.bounds.len() - 1);
        let (s1, rx) = (e.s + 1.0, e.r + x);
        for k in 0..self.bounds.len() - 1 {
            let (a, c) = (self.bounds[k], self.bounds[k + 1]);
            let (mid, half) = (0.5 * (a + c), 0.5 * (c - a));
            let nodes = gl(self.panel[k]);
            let at_nodes: &[At] = if share {
                let at_nodes = &mut self.nodes;
                let first = *self
                    .panels_at
                    .entry((a.to_bits(), c.to_bits(), nodes.len()))
                    .or_insert_with(|| {
                        let first = at_nodes.len();
                        at_nodes.extend(nodes.iter().map(|&(t, _)| e.at(mid + half * t)));
                        first
                    });
                &self.nodes[first..first + nodes.len()]
            } else {
                self.nodes.clear();
                self.nodes
                    .extend(nodes.iter().map(|&(t, _)| e.at(mid + half * t)));
                &self.nodes
            };
            let mut lfs = [0.0_f64; 8];
            let mut terms = [[0.0_f64; 6]; 8];
            let mut m = f64::NEG_INFINITY;
            for (n, (&(t, _), &at)) in nodes.iter().zip(at_nodes).enumerate() {
                let y = mid + half * t;
                lfs[n] = e.b * y - rx * at.l1p - s1 * at.u;
                m = m.max(lfs[n]);
                terms[n] = [1.0, at.l1p, at.ya, y * (1.0 - s1 * at.share), at.u, at.q];
            }
            let mut v = [0.0; 6];
            if m > f64::NEG_INFINITY {
                for (n, &(_, wt)) in nodes.iter().enumerate() {
                    let f = wt * half * exp_le0(lfs[n] - m);
                    for (acc, term) in v.iter_mut().zip(terms[n]) {
                        *acc += f * term;
                    }
                }
            }
            self.pieces.push(Scaled { m, v });
        }
        let n = self.pieces.len();
        self.left.push(Scaled::ZERO);
        for k in 0..n {
            let next = self.left[k].add(self.pieces[k]);
            self.left.push(next);
        }
        self.right.resize(n + 1, Scaled::ZERO);
        for k in (0..n).rev() {
            self.right[k] = self.pieces[k].add(self.right[k + 1]);
        }
    }

    /// The integral from the group's end `lo` to its end `hi`.
    fn between(&self, lo: usize, hi: usize) -> Scaled {
        /// The most a running-sum difference may magnify rounding (about
        /// 3 digits of 16).
        const MAX_COND: f64 = 1e3;
        let (kl, kh) = (self.end_at[lo], self.end_at[hi]);
        let (left, cond) = self.left[kh].minus(self.left[kl]);
        if cond <= 4.0 {
            return left;
        }
        let (right, cond_r) = self.right[kl].minus(self.right[kh]);
        if cond.min(cond_r) <= MAX_COND {
            return if cond <= cond_r { left } else { right };
        }
        self.pieces[kl..kh]
            .iter()
            .fold(Scaled::ZERO, |acc, &p| acc.add(p))
    }
}

/// The negative log-likelihood of the rows in `layout` and its gradient
/// with respect to `θ = ln(r, α, b, s, β)`: the objective the fitter
/// minimises. Each customer's alive branch is
/// `ln L1 = ln Γ(r+x)/Γ(r) − x·ln α − (r+x)·ln(1 + T/α) − s·u(T)`, its dead
/// branch `ln L2` the same constant plus `ln(b·s/β) + ln ∫_{t_x}^{T} f`
/// ([`branches`]); the integral and its derivatives under the integral
/// sign by Gauss–Legendre rules on the pieces of [`Scratch::integrate`],
/// so the gradient is the exact gradient of this objective (its nodes held
/// fixed). In `θ`, with `I_g = ∫ f·g / ∫ f` over the customer's interval:
///
/// ```text
/// ∂ln L1/∂θ = (r(Δψ − l1p(T)), −x + (r+x)·ya(T), −s·b·T·share(T), −s·u(T), s·q(T))
/// ∂ln L2/∂θ = (r(Δψ − I_l1p), −x + (r+x)·I_ya, 1 + b·I_{y(1−(s+1)share)}, 1 − s·I_u, −1 + (s+1)·I_q)
/// ```
///
/// (`Δψ = ψ(r+x) − ψ(r)`); `+∞` when the value or the gradient is not
/// finite.
fn nll_grad(layout: &Layout, theta: [f64; 5], g: &mut [f64; 5]) -> f64 {
    let e = Eval::new(theta.map(f64::exp));
    let at_age: Vec<At> = layout.ages.iter().map(|&t| e.at(t)).collect();
    let (first, second) = layout.groups.split_at(layout.split);
    let part = |groups: &[Group]| nll_grad_of(layout, &e, &at_age, groups);
    // The same sums in the same order either way: the result does not
    // depend on the thread.
    let ((t1, g1), (t2, g2)) = if layout.threaded && !first.is_empty() && !second.is_empty() {
        std::thread::scope(|scope| {
            let other = scope.spawn(|| part(second));
            let mine = part(first);
            // A panic on the other thread (not expected) makes the
            // objective non-finite rather than the fit panic.
            (mine, other.join().unwrap_or((f64::INFINITY, [0.0; 5])))
        })
    } else {
        (part(first), part(second))
    };
    let total = t1 + t2;
    *g = std::array::from_fn(|k| g1[k] + g2[k]);
    if total.is_finite() && g.iter().all(|v| v.is_finite()) {
        total
    } else {
        f64::INFINITY
    }
}

/// [`nll_grad`]'s sums over some of the layout's groups: the negative
/// log-likelihood and its gradient.
fn nll_grad_of(layout: &Layout, e: &Eval, at_age: &[At], groups: &[Group]) -> (f64, [f64; 5]) {
    let e = *e;
    let mut scratch = Scratch::default();
    let mut total = 0.0;
    let mut g = [0.0; 5];
    for group in groups {
        let x = group.x;
        let rx = e.r + x;
        let base = e.base(x);
        let psi = dpsi(e.r, x);
        scratch.integrate(&e, group, layout.share);
        for row in &group.rows {
            let t = layout.ages[row.age];
            let at = at_age[row.age];
            let l1 = base - rx * at.l1p - e.s * at.u;
            let g1 = [
                e.r * (psi - at.l1p),
                -x + rx * at.ya,
                -e.s * e.b * t * at.share,
                -e.s * at.u,
                e.s * at.q,
            ];
            let (ll, grad) = if row.lo == row.hi {
                (l1, g1)
            } else {
                let Scaled { m, v } = scratch.between(row.lo, row.hi);
                let i0 = v[0];
                let l2 = base + e.ln_bsb + m + i0.ln();
                let g2 = [
                    e.r * (psi - v[1] / i0),
                    -x + rx * v[2] / i0,
                    1.0 + e.b * v[3] / i0,
                    1.0 - e.s * v[4] / i0,
                    -1.0 + (e.s + 1.0) * v[5] / i0,
                ];
                let top = l1.max(l2);
                let (e1, e2) = (exp_le0(l1 - top), exp_le0(l2 - top));
                let (w1, w2) = (e1 / (e1 + e2), e2 / (e1 + e2));
                (
                    top + (e1 + e2).ln(),
                    std::array::from_fn(|k| w1 * g1[k] + w2 * g2[k]),
                )
            };
            total -= row.w * ll;
            for k in 0..5 {
                g[k] -= row.w * grad[k];
            }
        }
    }
    (total, g)
}

/// A lower bound of [`nll_grad`]'s objective at `θ`, from one closed form
/// per row: a customer with `x` repeat purchases, the last at `t_x`, made
/// them while alive, so the likelihood is at most the probability density
/// of those purchases given survival to `t_x` times that survival,
/// `Γ(r+x)/Γ(r)·α^r/(α+t_x)^{r+x} · S(t_x)` with
/// `S(t) = (β/(β + e^{bt} − 1))^s` (the factors after `t_x`, no purchase
/// until `T` or death, are at most 1; purchase rate and lifetime are
/// independent). Far out on a box face (the boundary check's probes) the
/// bound is often astronomically above the objective's minimum, and costs
/// one pass over the rows instead of a quadrature per purchase count that
/// extreme parameters make long (a tenth of a second and more on 37,000
/// rows, against 3 ms for an ordinary evaluation).
fn nll_lower_bound(layout: &Layout, theta: [f64; 5]) -> f64 {
    let e = Eval::new(theta.map(f64::exp));
    let mut total = 0.0;
    for group in &layout.groups {
        let base = e.base(group.x);
        let rx = e.r + group.x;
        for row in &group.rows {
            let t_x = if row.lo < row.hi {
                group.ends[row.lo]
            } else {
                layout.ages[row.age]
            };
            let ll = base - rx * (t_x / e.alpha).ln_1p() - e.s * e.u(t_x);
            total -= row.w * ll;
        }
    }
    if total.is_nan() {
        f64::NEG_INFINITY
    } else {
        total
    }
}

/// The status check and the covariance take the same central differences
/// of the gradient at the optimum: the second set comes from this memo.
type Recent = RecentEvaluations<5>;

/// The log-likelihood of the rows at natural parameters: the fitting
/// objective's (its rules are accurate to about `10⁻¹³` relative), or,
/// should that not be finite, the sum of the adaptive per-customer values;
/// `NaN` when neither is finite (the fit then fails with a typed error).
fn log_likelihood(layout: &Layout, rows: &[Row], natural: &[f64; 5]) -> f64 {
    let fast = -nll_grad(layout, natural.map(f64::ln), &mut [0.0; 5]);
    if fast.is_finite() {
        return fast;
    }
    let Ok(p) = GgomNbdParams::new(natural[0], natural[1], natural[2], natural[3], natural[4])
    else {
        return f64::NAN;
    };
    let mut total = 0.0;
    for row in rows {
        match branches(&p, f64::from(row.x), row.a, row.b) {
            Ok((l1, l2)) => {
                let top = l1.max(l2);
                total += row.w * (top + ((l1 - top).exp() + (l2 - top).exp()).ln());
            }
            Err(_) => return f64::NAN,
        }
    }
    if total.is_finite() { total } else { f64::NAN }
}

impl GgomNbdParams {
    /// The parameter names in order.
    pub const NAMES: [&'static str; 5] = ["r", "alpha", "b", "s", "beta"];

    /// Validated parameters.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] naming the first parameter that is not a
    /// finite number > 0.
    pub fn new(r: f64, alpha: f64, b: f64, s: f64, beta: f64) -> Result<Self> {
        Ok(Self {
            r: positive("r", r)?,
            alpha: positive("alpha", alpha)?,
            b: positive("b", b)?,
            s: positive("s", s)?,
            beta: positive("beta", beta)?,
        })
    }

    /// `r`, the shape of the purchase-rate distribution.
    pub fn r(&self) -> f64 {
        self.r
    }
    /// `α`, the rate of the purchase-rate distribution (in time units).
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    /// `b`, the Gompertz scale (per time unit).
    pub fn b(&self) -> f64 {
        self.b
    }
    /// `s`, the shape of the distribution of `η`.
    pub fn s(&self) -> f64 {
        self.s
    }
    /// `β`, the rate of the distribution of `η`.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// The customer's log-likelihood `ln L(r, α, b, s, β | x, t_x, T)`
    /// (the formula in the [type docs](GgomNbdParams); no `x!` or other
    /// data-only constant is dropped or added: it is CLVTools' value).
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] or [`Error::InvalidValue`] when the quadrature
    /// or the result is not finite.
    pub fn log_likelihood(&self, history: &CustomerHistory) -> Result<f64> {
        let (l1, l2) = branches(self, f64::from(history.x()), history.t_x(), history.age())?;
        let top = l1.max(l2);
        Ok(top + ((l1 - top).exp() + (l2 - top).exp()).ln())
    }

    /// `P(alive at T | x, t_x, T)`: the alive branch's share of the
    /// likelihood; in `[0, 1]`, and 1 when `t_x = T`.
    ///
    /// # Errors
    ///
    /// As [`log_likelihood`](Self::log_likelihood).
    pub fn p_alive(&self, history: &CustomerHistory) -> Result<f64> {
        let (l1, l2) = branches(self, f64::from(history.x()), history.t_x(), history.age())?;
        Ok(1.0 / (1.0 + (l2 - l1).exp()))
    }

    /// The Pareto/NBD that GGom/NBD tends to as `b → 0` with `β/b` fixed:
    /// `(r, α, s, β/b)` (the Gamma-Gompertz survivor
    /// `(β/(β + e^{bt} − 1))^s → (1 + t·b/β)^{−s}`, the Pareto/NBD's with
    /// dropout rate `β/b`). For small `b` the two models' predictions differ
    /// by `O(b·T)` relative; at a fit on the [`Limit::ParetoDropout`]
    /// boundary they are the same.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] if `β/b` over- or underflows.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::{CustomerHistory, GgomNbdParams};
    ///
    /// let g = GgomNbdParams::new(0.553, 10.58, 1e-10, 0.606, 11.67e-10)?;
    /// let p = g.pareto_nbd_limit()?;
    /// assert!((p.beta() - 11.67).abs() < 1e-9);
    /// let h = CustomerHistory::new(CustomerId::new(1), 2, 30.43, 38.86)?;
    /// assert!((g.p_alive(&h)? - p.p_alive(&h)?).abs() < 1e-8);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn pareto_nbd_limit(&self) -> Result<ParetoNbdParams> {
        ParetoNbdParams::new(self.r, self.alpha, self.s, self.beta / self.b)
    }

    /// `∫_0^t S_T(u) du` (or with `e^{−δu}` when `delta` is set, to
    /// `∞`): the expected time alive in `(T, T+t]` of a customer alive at
    /// `T` (age `T` from the first purchase).
    fn alive_time(&self, age: f64, t: f64, delta: Option<f64>) -> Result<f64> {
        const WHAT: &str = "GGom/NBD expected time alive";
        let (b, s, beta) = (self.b, self.s, self.beta);
        // ln S_T(u) = −s·ln((β + e^{b(T+u)} − 1)/(β + e^{bT} − 1))
        //           = −s·ln(1 + (e^{bu} − 1)/(1 + (β − 1)e^{−bT})),
        // written so that no difference of two logarithms is multiplied by
        // s: near the homogeneous-dropout limit (s, β → ∞) that difference
        // is ~1/β and s·(rounding of the logs) would be of order 1.
        // 1 + (β − 1)e^{−bT} as a sum of two positive terms: no
        // cancellation when β and b·T are both small (the Pareto/NBD limit).
        let scale = beta * (-b * age).exp() - (-b * age).exp_m1();
        let f = |u: f64| {
            let disc = delta.map_or(0.0, |d| -d * u);
            (disc - s * ((b * u).exp_m1() / scale).ln_1p()).exp()
        };
        let end = match delta {
            None => t,
            // e^{−δu} ≤ e^{−50} beyond 50/δ: the tail is below 2e-22/δ.
            Some(d) => 50.0 / d,
        };
        let mut breaks: Vec<f64> = (0..=24).rev().map(|k| end / 2f64.powi(k)).collect();
        breaks.insert(0, 0.0);
        finite(WHAT, integrate(WHAT, f, &breaks, 0.0)?)
    }

    /// Conditional expected transactions `E[Y(T, T+t] | x, t_x, T]`
    /// (CLVTools' CET after Adler's 2022 erratum), `t` in the data's time
    /// unit.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `t` not finite or < 0; as
    /// [`log_likelihood`](Self::log_likelihood) otherwise.
    pub fn expected_purchases(&self, history: &CustomerHistory, t: f64) -> Result<f64> {
        check_horizon(t)?;
        if t == 0.0 {
            return Ok(0.0);
        }
        let alive = self.p_alive(history)?;
        let rate = (self.r + f64::from(history.x())) / (self.alpha + history.age());
        Ok(alive * rate * self.alive_time(history.age(), t, None)?)
    }

    /// Expected purchases `E[X(t)]` in `(0, t]` of a new customer
    /// (CLVTools' unconditional expectation), `r/α · ∫_0^t S(u) du`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `t` not finite or < 0.
    pub fn expected_purchases_new(&self, t: f64) -> Result<f64> {
        check_horizon(t)?;
        if t == 0.0 {
            return Ok(0.0);
        }
        Ok(self.r / self.alpha * self.alive_time(0.0, t, None)?)
    }

    /// Discounted expected residual transactions with continuous discount
    /// rate `delta` per time unit:
    /// `P(alive)·(r+x)/(α+T)·∫_0^∞ e^{−δu} S_T(u) du`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `delta` not finite and > 0; as
    /// [`log_likelihood`](Self::log_likelihood) otherwise.
    pub fn dert(&self, history: &CustomerHistory, delta: f64) -> Result<f64> {
        if !(delta.is_finite() && delta > 0.0) {
            return Err(Error::InvalidParameter {
                name: "discount rate",
                value: delta.to_string(),
                reason: "continuous discount rate must be finite and > 0",
            });
        }
        let alive = self.p_alive(history)?;
        let rate = (self.r + f64::from(history.x())) / (self.alpha + history.age());
        Ok(alive * rate * self.alive_time(history.age(), 0.0, Some(delta))?)
    }
}

impl FitReport<GgomNbdParams, 5> {
    /// The Pareto/NBD this fit stands for when it ended on the
    /// [`Limit::ParetoDropout`] boundary (`b, β → 0`, `β/b` fixed):
    /// [`GgomNbdParams::pareto_nbd_limit`] of the fitted point; `None` for
    /// any other status.
    pub fn pareto_nbd_limit(&self) -> Option<ParetoNbdParams> {
        match self.status() {
            FitStatus::Boundary { limits, .. } if limits.contains(&Limit::ParetoDropout) => {
                self.params().pareto_nbd_limit().ok()
            }
            _ => None,
        }
    }
}

impl Scorer for GgomNbdParams {
    type Input = CustomerHistory;
    type Score = f64;

    /// [`GgomNbdParams::p_alive`].
    ///
    /// # Errors
    ///
    /// As [`GgomNbdParams::p_alive`].
    fn score(&self, input: &CustomerHistory) -> Result<f64> {
        self.p_alive(input)
    }
}

/// What a GGom/NBD fit found: the shared [`FitReport`] over
/// `(r, α, b, s, β)`.
pub type GgomNbdFit = FitReport<GgomNbdParams, 5>;

/// Fits GGom/NBD by maximum likelihood: BFGS in the log-parameters from
/// all ones (or [`FitOptions::start`]) with the analytic gradient of the
/// quadrature objective (see [`GgomNbdParams`]), on the distinct
/// `(x, t_x, T)` rows. From 8,192 distinct rows on, without a caller's
/// start, BFGS starts instead from the maximum on a subsample of about
/// 1,024 of the rows (every `k`-th, in the rows' canonical order), which
/// costs a few percent of one evaluation on all rows per evaluation and
/// saves about a third of the evaluations on all rows (on 85,717 distinct
/// rows in days: 66 instead of 96).
///
/// On data where the Gompertz scale is not needed (CDNOW) the supremum is
/// approached along `b → 0, β → 0` with `β/b` fixed (the Pareto/NBD limit),
/// where `b` and `β` are not separately identified (CLVTools' fit stops
/// wherever the gradient is flat, `b ≈ 10⁻⁶` on CDNOW). The fitter first
/// fits Pareto/NBD on the same rows (the supremum of that limit) and places
/// it on the optimiser's box face of the `b, β → 0` ray; when the
/// log-likelihood a little way in from the face (`b·T = 10⁻⁴` for the
/// oldest customer, same `β/b`) is lower than there, and the GGom/NBD
/// optimiser either reaches the ridge (`b·T ≤ 10⁻³`) no better than the
/// limit or ends no better than it (both to `10⁻⁶` in the
/// log-likelihood), that face point is the answer, without following the
/// flat ridge down. Either way the fit reports
/// [`FitStatus::Boundary`] with [`Limit::ParetoDropout`] (`b` and `β`
/// diverging to zero, no standard errors); the fit then stands for
/// Pareto/NBD with `r`, `α`, `s` and dropout rate `β/b`
/// ([`pareto_nbd_limit`](GgomNbdFit::pareto_nbd_limit) of the report), and
/// the GGom/NBD predictions at the reported point equal that model's to
/// about `10⁻⁹` relative.
///
/// Two ridges of GGom/NBD are curves, not rays, and the optimiser's box
/// (`|ln φ| ≤ 30`) cuts them off; a fit that ends on one reports
/// [`FitStatus::Boundary`] with `β` diverging and no [`Limit`]
/// (a supremum the box cuts off), and its log-likelihood can be short of
/// the supremum:
///
/// - `β → ∞` with `b → ∞` and `ln β / b → τ₀`: the survivor
///   `(1 + (e^{bt} − 1)/β)^{−s}` becomes a step at `τ₀`, every customer's
///   lifetime the same `τ₀`. On the five-customer summary `(x, t_x, T)` =
///   `(0, 0, 30)`, `(3, 20, 30)`, `(1, 5, 30)`, `(200, 29, 30)`,
///   `(0, 0, 10)` (days) that limit (NBD purchases over `min(T, 29)`)
///   reaches a log-likelihood of 162.286, the fit on the face 159.366.
/// - `β → 0` with `s → 0`, `s·ln(1/β)` and `s·b` fixed: a share
///   `1 − e^{−s·ln(1/β)}` drops out at once, the others at the rate `s·b`.
#[derive(Debug, Clone, Default)]
pub struct GgomNbd {
    options: FitOptions,
}

impl GgomNbd {
    /// A fitter with the default options.
    pub fn new() -> Self {
        Self::default()
    }

    fit_options_builder!();

    /// Fits and reports standard errors, log-likelihood and status.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] for no customers; [`Error::NotConverged`] as
    /// the other fitters; [`Error::InvalidValue`] if the fitted
    /// log-likelihood is not finite.
    pub fn fit_detailed(&self, population: &[CustomerHistory]) -> Result<GgomNbdFit> {
        self.fit_inner(population, None)
    }

    /// Fits with a weight per customer (e.g. counts of identical
    /// histories).
    ///
    /// # Errors
    ///
    /// As [`fit_detailed`](Self::fit_detailed), and
    /// [`Error::InvalidParameter`] for weights of the wrong length or not
    /// finite and ≥ 0.
    pub fn fit_weighted(
        &self,
        population: &[CustomerHistory],
        weights: &[f64],
    ) -> Result<GgomNbdFit> {
        self.fit_inner(population, Some(weights))
    }

    fn fit_inner(
        &self,
        population: &[CustomerHistory],
        weights: Option<&[f64]>,
    ) -> Result<GgomNbdFit> {
        const WHAT: &str = "GGom/NBD fit";
        let rows = compress(population, weights, |h| Some((h.x(), h.t_x(), h.age())))?;
        let customers = total_weight(WHAT, &rows)?;
        let mut problem = Problem::new(WHAT, GgomNbdParams::NAMES, customers)
            .rays(GGOM_NBD_RAYS)
            .watch_rays(GGOM_NBD_WATCHES)
            .restart_rays()
            .restart_evaluations(RESTART_EVALUATIONS);
        if let Some(limit) = self.pareto_nbd_face(population, weights, &rows) {
            problem = problem.nested_limit(limit);
        }
        let layout = Layout::new(&rows);
        let hinted;
        let options = match (self.options.get_start(), subsample_start(&rows)) {
            (None, Some(theta)) => {
                hinted = self.options.start(theta.map(f64::exp));
                &hinted
            }
            _ => &self.options,
        };
        let recent = std::cell::RefCell::new(Recent::default());
        let nll = |th: &[f64; 5], g: &mut [f64; 5]| {
            if let Some(v) = recent.borrow().get(th, g) {
                return v;
            }
            let v = nll_grad(&layout, *th, g);
            recent.borrow_mut().put(th, v, g);
            v
        };
        let value = |th: &[f64; 5]| nll(th, &mut [0.0; 5]);
        let bound = |th: &[f64; 5]| nll_lower_bound(&layout, *th);
        let mut fitted = fit_log_params_bounded(
            &problem,
            options,
            nll,
            &value,
            &bound,
            |natural: &[f64; 5]| log_likelihood(&layout, &rows, natural),
        )?;
        let oldest = rows.iter().fold(0.0_f64, |m, r| m.max(r.b));
        fitted.status = dropout_limits(fitted.status, &fitted.natural, oldest, &|th| {
            nll_grad(&layout, *th, &mut [0.0; 5])
        });
        FitReport::from_fitted(WHAT, fitted, customers, rows.len())
    }
}

/// From this many distinct rows on, [`GgomNbd`] starts BFGS from a fit on
/// a subsample ([`subsample_start`]) instead of all ones. The published
/// and real logs (CDNOW, the apparel logs, the rfm orders, all below
/// 2,000 rows) keep the start from all ones.
const SUBSAMPLE_FROM: usize = 8192;

/// Rows the subsample of [`subsample_start`] keeps, at least.
const SUBSAMPLE_ROWS: usize = 1024;

/// Most evaluations of the subsample fit of [`subsample_start`].
const SUBSAMPLE_EVALUATIONS: usize = 150;

/// A start near the maximum for a fit of [`SUBSAMPLE_FROM`] rows or more:
/// the minimum of the objective on every `k`-th of the fit's rows (in
/// their canonical order: by `x`, then `t_x`, then `T`), `k = ⌊rows /
/// 1024⌋`, by BFGS from all ones: 1,024 to 2,047 rows, whose maximum lies
/// within sampling error of the full data's, at a few percent of the cost
/// of an evaluation on all rows. BFGS on all rows then starts where it
/// would otherwise arrive after most of its iterations. `None` for fewer
/// rows, where the subsample's fit fails or needs more than
/// [`SUBSAMPLE_EVALUATIONS`] evaluations, or where it runs far out (any
/// `|ln φ| ≥ 20`: a boundary is the full fit's business, with its start
/// from all ones).
fn subsample_start(rows: &[Row]) -> Option<[f64; 5]> {
    if rows.len() < SUBSAMPLE_FROM {
        return None;
    }
    let k = rows.len() / SUBSAMPLE_ROWS;
    let sample: Vec<Row> = rows.iter().step_by(k).copied().collect();
    let layout = Layout::new(&sample);
    let mut spent = 0_usize;
    let min = crate::btyd::optim::bfgs(
        |th: &[f64; 5], g: &mut [f64; 5]| {
            spent += 1;
            if spent > SUBSAMPLE_EVALUATIONS {
                *g = [0.0; 5];
                return f64::INFINITY;
            }
            nll_grad(&layout, *th, g)
        },
        [0.0; 5],
        200,
        1e-8,
    )
    .ok()?;
    min.theta
        .iter()
        .all(|t| t.abs() < 20.0)
        .then_some(min.theta)
}

/// The most evaluations of the objective one restart along a ray may
/// spend ([`Problem::restart_evaluations`]): a restart that finds a better
/// basin gets there in well under 100 on the real and awkward logs; one
/// pressed against a box face can spend several hundred in failing line
/// searches.
const RESTART_EVALUATIONS: usize = 150;

/// The most objective evaluations of the Pareto/NBD fit whose maximum
/// [`GgomNbd`] compares with the `b, β → 0` face: interior Pareto/NBD fits
/// of the real logs take 45 to 55 (CDNOW, apparel, grocery); the rfm
/// orders' boundary fit about 200.
const PARETO_EVALUATIONS: usize = 120;

/// GGom/NBD's reading of a boundary status's dropout limits at the
/// reported point `natural`, `oldest` the largest age `T` and `nll` the
/// objective in `θ`. The boundary search names limits from the rays whose
/// coordinates reached the box face; for the dropout process that can
/// mislead, as the optimiser stops each ray at its first face and its
/// other coordinates lag: `β` on the face with `s` several units short
/// reads as `β → ∞` (no dropout) though `s/β` is finite and customers do
/// drop out. So, by what the point predicts:
///
/// - when the dropout over the longest history is negligible (the
///   survivor `S(T) ≥ 1 − 10⁻⁹`), the dropout limit is
///   [`Limit::NoDropout`] (in place of [`Limit::HomogeneousDropout`] or
///   [`Limit::ParetoDropout`] with a dropout rate that has gone to 0);
/// - otherwise [`Limit::NoDropout`] is not a limit of the fit; when `β`
///   diverges and the objective is flat along `s, β → ∞` (moving both
///   `e³` times back changes it by at most `10⁻⁶`), the limit is
///   [`Limit::HomogeneousDropout`], with `s` diverging too; else `β` on
///   the face names no limit (a supremum the box cuts off).
fn dropout_limits(
    status: FitStatus,
    natural: &[f64; 5],
    oldest: f64,
    nll: &dyn Fn(&[f64; 5]) -> f64,
) -> FitStatus {
    let FitStatus::Boundary {
        mut diverging,
        mut limits,
    } = status
    else {
        return status;
    };
    let e = Eval::new(*natural);
    let dropout = e.s * e.u(oldest);
    if dropout <= 1e-9 {
        limits.retain(|l| !matches!(l, Limit::HomogeneousDropout | Limit::ParetoDropout));
        if !limits.contains(&Limit::NoDropout) {
            limits.push(Limit::NoDropout);
        }
    } else {
        limits.retain(|l| *l != Limit::NoDropout);
        let beta_out = diverging
            .iter()
            .any(|d| d.parameter == "beta" && d.direction == Direction::ToInfinity);
        if beta_out && !limits.contains(&Limit::HomogeneousDropout) {
            let theta = natural.map(f64::ln);
            let mut back = theta;
            back[3] -= 3.0;
            back[4] -= 3.0;
            let (here, there) = (nll(&theta), nll(&back));
            if (here - there).abs() <= 1e-6 {
                limits.push(Limit::HomogeneousDropout);
                if !diverging.iter().any(|d| d.parameter == "s") {
                    diverging.push(Divergence {
                        parameter: "s".to_string(),
                        direction: Direction::ToInfinity,
                    });
                    diverging.sort_by_key(|d| {
                        GgomNbdParams::NAMES.iter().position(|n| *n == d.parameter)
                    });
                }
            }
        }
    }
    FitStatus::Boundary { diverging, limits }
}

impl GgomNbd {
    /// The Pareto/NBD maximum on the same data, placed on the box face of
    /// the `b, β → 0` ray (`β/b` its dropout rate), for the fitter to
    /// compare with; `None` under a penalty (the faces' objectives then
    /// differ) or when that fit is not interior, needs more than
    /// [`PARETO_EVALUATIONS`] evaluations or heads out along one of the
    /// Pareto/NBD rays with a limiting model (it then gives up at once,
    /// see [`ParetoNbd::interior_only`]): such a fit is on its way to a
    /// boundary of its own, and the GGom/NBD fit finds the `b, β → 0` face
    /// by its boundary search instead.
    fn pareto_nbd_face(
        &self,
        population: &[CustomerHistory],
        weights: Option<&[f64]>,
        rows: &[Row],
    ) -> Option<NestedLimit<5>> {
        if self.options.get_penalty() != Penalty::None {
            return None;
        }
        let fitter = ParetoNbd::with_options(
            FitOptions::new()
                .max_iterations(self.options.get_max_iterations())
                .max_evaluations(PARETO_EVALUATIONS),
        )
        .interior_only();
        let fit = match weights {
            Some(w) => fitter.fit_weighted(population, w),
            None => fitter.fit_detailed(population),
        }
        .ok()?;
        if !fit.status().is_interior() {
            return None;
        }
        let p = fit.params();
        // Both b and β/b·b go down together until the first reaches the
        // face, as the boundary search moves along the ray.
        let ln_ratio = p.beta().ln();
        let shift = THETA_BOUND.min(THETA_BOUND + ln_ratio);
        let theta = [
            p.r().ln(),
            p.alpha().ln(),
            -shift,
            p.s().ln(),
            ln_ratio - shift,
        ];
        // On the ridge: b·T below 1e-3 for the oldest customer (the
        // Gamma-Gompertz survivor within about 1e-3 relative of the
        // Pareto one). The probe: b·T = 1e-4 with the same β/b.
        let oldest = rows.iter().fold(0.0_f64, |m, r| m.max(r.b)).max(1e-300);
        let level = (1e-3 / oldest).ln();
        let up = (1e-4 / oldest).ln() - theta[2];
        let mut probe = theta;
        probe[2] += up;
        probe[4] += up;
        Some(NestedLimit {
            theta,
            ridge: (2, level),
            probe,
        })
    }
}

impl Fit for GgomNbd {
    type Input = CustomerHistory;
    type Fitted = GgomNbdParams;

    /// Fits with unit weights and returns the parameters; see
    /// [`GgomNbd::fit_detailed`] for the errors.
    fn fit(&self, population: &[CustomerHistory]) -> Result<GgomNbdParams> {
        Ok(self.fit_detailed(population)?.into_params())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CustomerId;

    fn hist(x: u32, t_x: f64, t: f64) -> CustomerHistory {
        CustomerHistory::new(CustomerId::new(1), x, t_x, t).unwrap()
    }

    fn row(x: u32, a: f64, b: f64, w: f64) -> Row {
        Row { x, a, b, w }
    }

    /// The adaptive log-likelihood of weighted rows.
    fn adaptive(p: &[f64; 5], rows: &[Row]) -> f64 {
        let params = GgomNbdParams::new(p[0], p[1], p[2], p[3], p[4]).unwrap();
        rows.iter()
            .map(|r| r.w * params.log_likelihood(&hist(r.x, r.a, r.b)).unwrap())
            .sum()
    }

    const PARAMS: [[f64; 5]; 7] = [
        [0.55, 10.6, 1e-6, 0.6, 1.3e-5],
        [1.3, 4.0, 0.2, 2.0, 3.0],
        [0.4, 30.0, 0.05, 0.3, 0.2],
        // Gompertz hazard that rises after a fall of the purchase factor:
        // the integrand has a valley inside [0, T].
        [3.0, 1.0, 0.5, 0.5, 40.0],
        // `β ≪ b·T`: the Gompertz factor's singularity at `y ≈ −β/b`, a
        // hair left of 0.
        [108.0, 333.0, 0.72, 0.041, 5.3e-5],
        // A fit to Gompertz ageing (`β > 1`: the Gompertz factor's
        // singularities at `(ln(β − 1) ± πi)/b`).
        [0.653, 3.43, 0.2067, 0.4323, 2.966],
        // Far out along the Poisson ray (r/α = 0.1).
        [1e9, 1e10, 0.05, 0.8, 2.0],
    ];

    /// The grouped objective equals the sum of the adaptive per-customer
    /// log-likelihoods, for single customers and for groups that share
    /// `x` (running-sum differences, including rows in a valley of the
    /// integrand where they fall back on their own pieces), and its
    /// analytic gradient equals central differences of it.
    #[test]
    fn grouped_rule_and_gradient() {
        let singles = [
            (0, 0.0, 38.0),
            (2, 10.0, 38.0),
            (25, 30.0, 70.0),
            (3, 35.0, 35.0),
            (40, 0.5, 60.0),
            (1, 4.5, 30.0),
        ];
        let mut sets: Vec<Vec<Row>> = singles
            .iter()
            .map(|&(x, a, b)| vec![row(x, a, b, 1.0)])
            .collect();
        let mut many = Vec::new();
        for x in [0_u32, 1, 4, 30] {
            for k in 0..12 {
                let t = 20.0 + 3.0 * f64::from(k % 5);
                let a = if x == 0 {
                    0.0
                } else {
                    t * (f64::from(k) + 0.5) / 12.5
                };
                many.push(row(x, a, t, 1.0 + f64::from(k)));
            }
        }
        sets.push(many);
        for p in PARAMS {
            let theta = p.map(f64::ln);
            for rows in &sets {
                let mut layout = Layout::new(rows);
                // Shared node quantities are the same numbers.
                layout.share = !layout.share;
                let mut other = [0.0; 5];
                let nll_other = nll_grad(&layout, theta, &mut other);
                layout.share = !layout.share;
                let mut g = [0.0; 5];
                let nll = nll_grad(&layout, theta, &mut g);
                assert_eq!(nll.to_bits(), nll_other.to_bits(), "{p:?} {rows:?}");
                assert_eq!(g.map(f64::to_bits), other.map(f64::to_bits), "{p:?}");
                let want = -adaptive(&p, rows);
                assert!(
                    (nll - want).abs() < 1e-11 * want.abs().max(1.0),
                    "{p:?} {rows:?}: {nll} vs {want}"
                );
                for k in 0..5 {
                    let h = 1e-5;
                    let (mut up, mut dn) = (theta, theta);
                    up[k] += h;
                    dn[k] -= h;
                    let fd = (nll_grad(&layout, up, &mut [0.0; 5])
                        - nll_grad(&layout, dn, &mut [0.0; 5]))
                        / (2.0 * h);
                    let scale = g[k].abs().max(1e-2 * want.abs().max(1.0));
                    assert!(
                        (fd - g[k]).abs() < 1e-5 * scale,
                        "{p:?} {k}: {fd} vs {}",
                        g[k]
                    );
                }
            }
        }
    }

    /// The closed-form lower bound that lets the boundary check skip box
    /// faces is below the objective (by its own derivation: the factors
    /// after `t_x` are probabilities), on the parameter sets above, on box
    /// faces around them, and on a seeded spread of parameters.
    #[test]
    fn the_lower_bound_is_below_the_objective() {
        let mut rows = Vec::new();
        for (k, x) in [0_u32, 1, 2, 5, 13, 40].into_iter().enumerate() {
            for j in 0..6 {
                let t = 10.0 + 9.0 * f64::from(j) + f64::from(u32::try_from(k).unwrap());
                let a = if x == 0 { 0.0 } else { t * f64::from(j) / 6.0 };
                rows.push(row(x, a, t, 1.0 + f64::from(j)));
            }
        }
        let layout = Layout::new(&rows);
        let mut thetas: Vec<[f64; 5]> = Vec::new();
        for p in PARAMS {
            let theta = p.map(f64::ln);
            thetas.push(theta);
            for k in 0..5 {
                for face in [-THETA_BOUND, THETA_BOUND] {
                    let mut t = theta;
                    t[k] = face;
                    thetas.push(t);
                }
            }
        }
        let mut state = 0x5EED_u64;
        let mut uniform = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1_u64 << 53) as f64
        };
        for _ in 0..300 {
            thetas.push(std::array::from_fn(|_| 24.0 * uniform() - 12.0));
        }
        for theta in thetas {
            let nll = nll_grad(&layout, theta, &mut [0.0; 5]);
            let bound = nll_lower_bound(&layout, theta);
            assert!(
                !(bound > nll + 1e-9 * nll.abs().max(1.0)),
                "{theta:?}: bound {bound} above the objective {nll}"
            );
        }
    }
}
