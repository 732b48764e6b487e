//! A compact BFGS minimiser with a backtracking Armijo line search inside a
//! box, and the central-difference Hessian for standard errors.
//!
//! The fitters minimise over log-parameters `θ = ln φ`; the box
//! `|θ_i| ≤` [`THETA_BOUND`] keeps every evaluation finite and every fit
//! bounded in time when the likelihood's supremum lies at a parameter of 0
//! or ∞: the optimiser then stops on the box face (projected gradient),
//! and the caller names the diverging directions ([`crate::btyd::FitStatus`]).
// Small dense matrices read best with explicit indices.
#![allow(clippy::needless_range_loop)]

/// The box on the log-parameters: `e^±30` (`9.4e-14 … 1.07e13`). At the
/// box face the log-likelihood differs from its limit by `O(e^-30)` per
/// customer (the limits are analytic in `1/φ` or `φ`), so a fit of up to
/// `10^6` customers on the face is within `1e-6` of the supremum.
pub(crate) const THETA_BOUND: f64 = 30.0;

/// What a converged minimisation returns.
#[derive(Debug, Clone)]
pub(crate) struct Minimum<const N: usize> {
    pub theta: [f64; N],
    pub value: f64,
    pub iterations: usize,
    /// The gradient at `theta` (not projected on the box).
    pub gradient: [f64; N],
}

/// Where a minimisation that did not meet its stop rule ended: the best
/// point found, its gradient, and why it stopped.
#[derive(Debug, Clone)]
pub(crate) struct Stopped<const N: usize> {
    pub best: Minimum<N>,
    pub reason: &'static str,
}

/// Evaluates `f` and its gradient; a non-finite value becomes `+∞` so the
/// line search backtracks.
fn eval<const N: usize>(
    f: &mut impl FnMut(&[f64; N], &mut [f64; N]) -> f64,
    x: &[f64; N],
    g: &mut [f64; N],
) -> f64 {
    let v = f(x, g);
    if v.is_finite() && g.iter().all(|d| d.is_finite()) {
        v
    } else {
        f64::INFINITY
    }
}

fn max_abs<const N: usize>(v: &[f64; N]) -> f64 {
    v.iter().fold(0.0, |m, d| m.max(d.abs()))
}

fn dot<const N: usize>(a: &[f64; N], b: &[f64; N]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The gradient with the components that push out of the box at a face
/// set to 0 (the projected gradient of a box-constrained minimum).
pub(crate) fn projected<const N: usize>(x: &[f64; N], g: &[f64; N], bound: f64) -> [f64; N] {
    std::array::from_fn(|i| {
        if (x[i] >= bound && g[i] < 0.0) || (x[i] <= -bound && g[i] > 0.0) {
            0.0
        } else {
            g[i]
        }
    })
}

/// Minimises `f` from `x0` by BFGS on the inverse Hessian inside the box
/// `|x_i| ≤` [`THETA_BOUND`], with `pg` the projected gradient and
/// `f̄ = max(1, |f|)`. The stop rule is relative and scale-free in the
/// log-parameters:
///
/// - `max|pg| ≤ 100·tolerance·f̄` (at the default tolerance `1e-10`,
///   `1e-8·f̄`: a gradient at the level of the objective's own precision),
///   or
/// - progress has stalled, the objective falling by at most
///   `tolerance·f̄` over two consecutive steps (or no step along the
///   steepest descent lowering it, its changes being below rounding), and
///   `max|pg| ≤ √tolerance·f̄`: the objective has converged to its
///   rounding and the gradient is small on the objective's scale.
///
/// # Errors
///
/// [`Stopped`] with the best point (the last one: a step is only taken
/// when it does not raise the objective beyond rounding) when the start is not finite, no step
/// lowers the objective and the gradient is not small, or `max_iter` is
/// reached.
pub(crate) fn bfgs<const N: usize>(
    f: impl FnMut(&[f64; N], &mut [f64; N]) -> f64,
    x0: [f64; N],
    max_iter: usize,
    tolerance: f64,
) -> std::result::Result<Minimum<N>, Stopped<N>> {
    bfgs_shifted(f, x0, max_iter, tolerance, None)
}

/// [`bfgs`] for an objective `f = F + shift` that differs by a constant
/// `shift` (when `Some`) from the quantity `F` whose rounding it carries (the time
/// scaling's Jacobian `ln c · Σx` of the BTYD fitters: `F` the negative
/// log-likelihood in the data's units, in the thousands, while `f` may be
/// near 0).
///
/// When no step lowers the objective any more (the line search fails from
/// the steepest descent, or a step it accepts leaves every coordinate
/// where it was while the objective has stalled), the point counts as
/// converged if `max|pg| ≤ √tolerance · max(1, |f|, |f − shift|)`: the
/// gradient small on the scale of the objective's own rounding, as the
/// loose rule of [`bfgs`] has it for an unshifted objective. The other
/// rules, and every step, are those of [`bfgs`], which is this with
/// `shift = None`: without the null-step rule, so that the searches of
/// the boundary check keep their paths.
///
/// # Errors
///
/// As [`bfgs`].
pub(crate) fn bfgs_shifted<const N: usize>(
    f: impl FnMut(&[f64; N], &mut [f64; N]) -> f64,
    x0: [f64; N],
    max_iter: usize,
    tolerance: f64,
    shift: Option<f64>,
) -> std::result::Result<Minimum<N>, Stopped<N>> {
    bfgs_handoff(f, x0, max_iter, tolerance, shift, None)
}

/// A hand-over from [`bfgs_handoff`] to a faster local method: once
/// `max|pg| ≤ level·max(1, |f|)` (once per minimisation), `finish` gets
/// the current point; what it returns is the minimum, and `None` lets
/// BFGS go on from where it was, its state untouched.
pub(crate) type Handoff<'a, const N: usize> =
    (f64, &'a mut dyn FnMut(&Minimum<N>) -> Option<Minimum<N>>);

/// [`bfgs_shifted`] with an optional [`Handoff`]: without one, the same
/// steps and answer.
///
/// # Errors
///
/// As [`bfgs`].
pub(crate) fn bfgs_handoff<const N: usize>(
    mut f: impl FnMut(&[f64; N], &mut [f64; N]) -> f64,
    x0: [f64; N],
    max_iter: usize,
    tolerance: f64,
    shift: Option<f64>,
    mut handoff: Option<Handoff<'_, N>>,
) -> std::result::Result<Minimum<N>, Stopped<N>> {
    let bound = THETA_BOUND;
    let mut x = x0.map(|v| v.clamp(-bound, bound));
    let mut g = [0.0; N];
    let mut fx = eval(&mut f, &x, &mut g);
    let stop = |x: [f64; N], fx: f64, g: [f64; N], iterations: usize, reason| Stopped {
        best: Minimum {
            theta: x,
            value: fx,
            iterations,
            gradient: g,
        },
        reason,
    };
    if !fx.is_finite() {
        return Err(stop(x, fx, g, 0, "objective not finite at the start"));
    }
    let mut hinv = identity::<N>();
    let mut fresh = true;
    let mut stalled = 0_usize;
    let mut active = [false; N];
    let loose = tolerance.sqrt();
    for iteration in 0..=max_iter {
        let pg = projected(&x, &g, bound);
        let scale = fx.abs().max(1.0);
        let small = max_abs(&pg);
        if small <= 100.0 * tolerance * scale || (stalled >= 2 && small <= loose * scale) {
            return Ok(Minimum {
                theta: x,
                value: fx,
                iterations: iteration,
                gradient: g,
            });
        }
        if iteration == max_iter {
            break;
        }
        if let Some((level, finish)) = &mut handoff
            && small <= *level * scale
        {
            let at = Minimum {
                theta: x,
                value: fx,
                iterations: iteration,
                gradient: g,
            };
            if let Some(done) = finish(&at) {
                return Ok(done);
            }
            handoff = None;
        }
        // A change of the active set restarts the curvature model.
        let now: [bool; N] = std::array::from_fn(|i| pg[i] == 0.0 && g[i] != 0.0);
        if now != active {
            active = now;
            hinv = identity();
            fresh = true;
        }
        let mut p = [0.0; N];
        for i in 0..N {
            if !active[i] {
                p[i] = -(0..N)
                    .filter(|&j| !active[j])
                    .map(|j| hinv[i][j] * pg[j])
                    .sum::<f64>();
            }
        }
        let mut slope = dot(&pg, &p);
        if !(slope < 0.0) {
            hinv = identity();
            fresh = true;
            p = pg.map(|d| -d);
            slope = dot(&pg, &p);
        }
        // Never move a log-parameter by more than 5 in one step.
        let mut t = (5.0 / max_abs(&p)).min(1.0);
        let mut xn = [0.0; N];
        let mut gn = [0.0; N];
        let mut accepted = None;
        for _ in 0..60 {
            for i in 0..N {
                xn[i] = (x[i] + t * p[i]).clamp(-bound, bound);
            }
            let fn_ = eval(&mut f, &xn, &mut gn);
            // Armijo along the projected path: the decrease the step's
            // actual displacement promises.
            let moved: f64 = (0..N).map(|i| pg[i] * (xn[i] - x[i])).sum();
            if fn_ <= fx + 1e-4 * moved.min(0.0) {
                accepted = Some(fn_);
                break;
            }
            // Near the minimum f changes by less than its rounding noise:
            // accept a step that Hager & Zhang's approximate Wolfe
            // conditions accept (the slope along p shrinks, f does not rise
            // beyond noise).
            let new_slope = dot(&gn, &p);
            if fn_ <= fx + 1e-12 * scale && new_slope >= 0.9 * slope && new_slope <= -0.8 * slope {
                accepted = Some(fn_);
                break;
            }
            t *= 0.5;
        }
        // A step accepted within rounding that leaves every coordinate
        // where it was, once the objective has stalled: the next iteration
        // would start from the same state and take the same null step,
        // until the iteration cap. Handle it as a failed line search.
        let null_step = shift.is_some()
            && accepted == Some(fx)
            && xn == x
            && stalled + 1 >= 2
            && small > loose * scale;
        let accepted = if null_step { None } else { accepted };
        let Some(fn_) = accepted else {
            if fresh {
                // Steepest descent lowers nothing: the objective is flat to
                // its rounding here. Converged if the gradient is small on
                // the scale of the objective's rounding.
                let rounding = scale.max((fx - shift.unwrap_or(0.0)).abs());
                if small <= loose * rounding {
                    return Ok(Minimum {
                        theta: x,
                        value: fx,
                        iterations: iteration,
                        gradient: g,
                    });
                }
                return Err(stop(x, fx, g, iteration, "line search failed"));
            }
            hinv = identity();
            fresh = true;
            continue;
        };
        if fx - fn_ <= tolerance * scale {
            stalled += 1;
        } else {
            stalled = 0;
        }
        let s: [f64; N] = std::array::from_fn(|i| xn[i] - x[i]);
        let y: [f64; N] = std::array::from_fn(|i| gn[i] - g[i]);
        let sy = dot(&s, &y);
        if sy > 1e-12 * dot(&s, &s).sqrt() * dot(&y, &y).sqrt() {
            if fresh {
                // Scale the first inverse-Hessian guess (Nocedal & Wright 6.20).
                let scale = sy / dot(&y, &y);
                hinv = identity();
                for (i, row) in hinv.iter_mut().enumerate() {
                    row[i] = scale;
                }
            }
            let rho = 1.0 / sy;
            let hy: [f64; N] = std::array::from_fn(|i| dot(&hinv[i], &y));
            let yhy = dot(&y, &hy);
            for i in 0..N {
                for j in 0..N {
                    hinv[i][j] += -rho * (hy[i] * s[j] + s[i] * hy[j])
                        + (rho * rho * yhy + rho) * s[i] * s[j];
                }
            }
            fresh = false;
        }
        x = xn;
        g = gn;
        fx = fn_;
    }
    Err(stop(x, fx, g, max_iter, "iteration limit reached"))
}

/// Newton steps of at most this size (max-norm, in `θ`) end
/// [`newton`]: the point is then within about that distance of the
/// minimum (the next step would be of the order of its square).
const NEWTON_STEP_TOL: f64 = 1e-10;

/// Below this step size a step that no longer halves is rounding noise in
/// the gradient: [`newton`] stops there too.
const NEWTON_NOISE_STEP: f64 = 1e-7;

/// Minimises `f` (value, gradient and Hessian) from `x0` by Newton's
/// method with a backtracking (Armijo) line search, inside the open box
/// `|x_i| <` [`THETA_BOUND`]. It stops at the first point whose Newton
/// step `−H⁻¹g` is at most [`NEWTON_STEP_TOL`] in every coordinate (or
/// stalls below [`NEWTON_NOISE_STEP`]): the minimum to about `1e-10` in
/// `θ`, that is relative in the parameters. Returns that point with its
/// Hessian.
///
/// `None`, leaving the work to [`bfgs`], when the start is not finite, the
/// Hessian is not positive definite at an iterate (no Newton direction),
/// a step would reach the box, no step length lowers the objective, or
/// `max_iter` iterations do not settle.
pub(crate) fn newton<const N: usize>(
    f: impl FnMut(&[f64; N], &mut [f64; N], &mut [[f64; N]; N]) -> f64,
    x0: [f64; N],
    max_iter: usize,
) -> Option<(Minimum<N>, [[f64; N]; N])> {
    newton_with(f, x0, max_iter, false)
}

/// [`newton`] that does not give up where the Hessian `H` is not positive
/// definite: it steps along `−(H + μ·m·I)⁻¹g` instead, `m` the largest
/// `|H_ii|` and `μ` the first of `10⁻⁶, 10⁻⁵, …, 10²` that makes the
/// matrix positive definite (a Levenberg–Marquardt shift towards steepest
/// descent). It stops as [`newton`] does, only at a point whose own
/// Hessian is positive definite, and returns that Hessian. It gives up
/// (`None`) after [`DAMPED_SHIFTS`] shifted steps (a region that is not
/// convex: on its way to a boundary, the business of BFGS and the
/// boundary check), or once a step would take a coordinate more than
/// [`DAMPED_REACH`] from the start (a run towards the box), and backtracks
/// at most [`DAMPED_BACKTRACKS`] times per step, so that a failing run
/// costs a few evaluations.
pub(crate) fn newton_damped<const N: usize>(
    f: impl FnMut(&[f64; N], &mut [f64; N], &mut [[f64; N]; N]) -> f64,
    x0: [f64; N],
    max_iter: usize,
) -> Option<(Minimum<N>, [[f64; N]; N])> {
    newton_with(f, x0, max_iter, true)
}

/// Most shifted steps of [`newton_damped`].
const DAMPED_SHIFTS: usize = 4;

/// Most step halvings per iteration of [`newton_damped`].
const DAMPED_BACKTRACKS: usize = 12;

/// How far (max-norm in `θ`) [`newton_damped`] may move from its start.
const DAMPED_REACH: f64 = 8.0;

fn newton_with<const N: usize>(
    mut f: impl FnMut(&[f64; N], &mut [f64; N], &mut [[f64; N]; N]) -> f64,
    x0: [f64; N],
    max_iter: usize,
    damped: bool,
) -> Option<(Minimum<N>, [[f64; N]; N])> {
    let inside = |x: &[f64; N]| x.iter().all(|v| v.abs() < THETA_BOUND);
    let mut eval = |x: &[f64; N], g: &mut [f64; N], h: &mut [[f64; N]; N]| {
        let v = f(x, g, h);
        let finite = v.is_finite()
            && g.iter().all(|d| d.is_finite())
            && h.iter().flatten().all(|d| d.is_finite());
        if finite { v } else { f64::INFINITY }
    };
    if !inside(&x0) {
        return None;
    }
    let mut x = x0;
    let mut g = [0.0; N];
    let mut h = [[0.0; N]; N];
    let mut fx = eval(&x, &mut g, &mut h);
    if !fx.is_finite() {
        return None;
    }
    let mut last = f64::INFINITY;
    let mut shifts = 0;
    for iteration in 0..max_iter {
        let (inv, shifted) = match covariance_of_hessian(h, &[1.0; N]) {
            Some(inv) => (inv, false),
            None if damped && shifts < DAMPED_SHIFTS => {
                shifts += 1;
                let m = (0..N).fold(0.0_f64, |m, i| m.max(h[i][i].abs()));
                let inv = (-6..=2).find_map(|e| {
                    let mut shifted = h;
                    for i in 0..N {
                        shifted[i][i] += 10f64.powi(e) * m;
                    }
                    covariance_of_hessian(shifted, &[1.0; N])
                })?;
                (inv, true)
            }
            None => return None,
        };
        let p: [f64; N] = std::array::from_fn(|i| -dot(&inv[i], &g));
        let size = max_abs(&p);
        if !shifted && (size <= NEWTON_STEP_TOL || (size <= NEWTON_NOISE_STEP && size > 0.5 * last))
        {
            let min = Minimum {
                theta: x,
                value: fx,
                iterations: iteration,
                gradient: g,
            };
            return Some((min, h));
        }
        let slope = dot(&g, &p);
        if !(slope < 0.0) {
            return None;
        }
        let scale = fx.abs().max(1.0);
        let mut t = (5.0 / size).min(1.0);
        let mut gn = [0.0; N];
        let mut hn = [[0.0; N]; N];
        let mut accepted = false;
        for _ in 0..if damped { DAMPED_BACKTRACKS } else { 40 } {
            let xn: [f64; N] = std::array::from_fn(|i| x[i] + t * p[i]);
            if !inside(&xn) || (damped && (0..N).any(|i| (xn[i] - x0[i]).abs() > DAMPED_REACH)) {
                return None;
            }
            let fn_ = eval(&xn, &mut gn, &mut hn);
            // Armijo; or, for a full step close to the minimum, a change
            // of the objective within its rounding.
            let near = t == 1.0 && size <= 1e-3 && fn_ <= fx + 1e-11 * scale;
            if fn_ <= fx + 1e-4 * t * slope || near {
                x = xn;
                g = gn;
                h = hn;
                fx = fn_;
                accepted = true;
                break;
            }
            t *= 0.5;
        }
        if !accepted {
            return None;
        }
        last = if t == 1.0 && !shifted {
            size
        } else {
            f64::INFINITY
        };
    }
    None
}

fn identity<const N: usize>() -> [[f64; N]; N] {
    std::array::from_fn(|i| std::array::from_fn(|j| if i == j { 1.0 } else { 0.0 }))
}

/// The covariance `φ_i φ_j (H⁻¹)_ij` of the natural parameters (delta
/// method) from a central-difference Hessian (step 1e-6) of the analytic
/// gradient in the fitting coordinates `θ`, where `φ_i` is `dφ/dθ` (the
/// parameter itself for `θ = ln φ`); `None` when the Hessian is not
/// positive definite ([spec](crate::btyd::spec#standard-errors)).
pub(crate) fn covariance<const N: usize>(
    mut grad: impl FnMut(&[f64; N], &mut [f64; N]) -> f64,
    theta: &[f64; N],
    natural: &[f64; N],
) -> Option<[[f64; N]; N]> {
    const STEP: f64 = 1e-6;
    let mut hess = [[0.0; N]; N];
    let (mut gp, mut gm) = ([0.0; N], [0.0; N]);
    for j in 0..N {
        let mut tp = *theta;
        let mut tm = *theta;
        tp[j] += STEP;
        tm[j] -= STEP;
        grad(&tp, &mut gp);
        grad(&tm, &mut gm);
        for i in 0..N {
            hess[i][j] = (gp[i] - gm[i]) / (2.0 * STEP);
        }
    }
    covariance_of_hessian(hess, natural)
}

/// The covariance `φ_i φ_j (H⁻¹)_ij` of the natural parameters (delta
/// method) from a Hessian `hess` of the objective in `θ` (symmetrised
/// first), `natural` holding `dφ/dθ`; `None` when it is not finite and
/// positive definite.
pub(crate) fn covariance_of_hessian<const N: usize>(
    mut hess: [[f64; N]; N],
    natural: &[f64; N],
) -> Option<[[f64; N]; N]> {
    for i in 0..N {
        for j in 0..i {
            let m = 0.5 * (hess[i][j] + hess[j][i]);
            hess[i][j] = m;
            hess[j][i] = m;
        }
    }
    let inv = invert_spd(hess)?;
    let mut cov = [[0.0; N]; N];
    for i in 0..N {
        for j in 0..=i {
            let v = natural[i] * natural[j] * 0.5 * (inv[i][j] + inv[j][i]);
            if !v.is_finite() {
                return None;
            }
            cov[i][j] = v;
            cov[j][i] = v;
        }
    }
    Some(cov)
}

/// Whether the central-difference Hessian (as in [`covariance`]) of
/// `grad`'s objective at `theta` is finite and positive definite.
pub(crate) fn hessian_is_positive_definite<const N: usize>(
    grad: impl FnMut(&[f64; N], &mut [f64; N]) -> f64,
    theta: &[f64; N],
) -> bool {
    covariance(grad, theta, &[1.0; N]).is_some()
}

/// Standard errors: the square roots of a covariance's diagonal.
pub(crate) fn std_errors_of<const N: usize>(cov: &[[f64; N]; N]) -> [f64; N] {
    std::array::from_fn(|i| cov[i][i].sqrt())
}

/// Inverse of a symmetric positive definite matrix by Cholesky, or `None`.
fn invert_spd<const N: usize>(a: [[f64; N]; N]) -> Option<[[f64; N]; N]> {
    let mut l = [[0.0; N]; N];
    for i in 0..N {
        for j in 0..=i {
            let s: f64 = a[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
            if i == j {
                if !(s > 0.0) {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    let mut inv = [[0.0; N]; N];
    for col in 0..N {
        // Solve L y = e_col, then Lᵀ x = y.
        let mut y = [0.0; N];
        for i in 0..N {
            let e = if i == col { 1.0 } else { 0.0 };
            y[i] = (e - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
        }
        let mut x = [0.0; N];
        for i in (0..N).rev() {
            x[i] = (y[i] - (i + 1..N).map(|k| l[k][i] * x[k]).sum::<f64>()) / l[i][i];
        }
        for i in 0..N {
            inv[i][col] = x[i];
        }
    }
    Some(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_rosenbrock() {
        let f = |x: &[f64; 2], g: &mut [f64; 2]| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        };
        let m = bfgs(f, [-1.2, 1.0], 500, 1e-10).unwrap();
        assert!((m.theta[0] - 1.0).abs() < 1e-6 && (m.theta[1] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn reports_what_was_tried() {
        let stopped = bfgs(rosenbrock, [-1.2, 1.0], 5, 1e-10).unwrap_err();
        assert_eq!(stopped.reason, "iteration limit reached");
        let nan = |_: &[f64; 1], g: &mut [f64; 1]| {
            g[0] = 0.0;
            f64::NAN
        };
        let stopped = bfgs(nan, [0.0], 5, 1e-10).unwrap_err();
        assert_eq!(
            (stopped.best.iterations, stopped.best.value),
            (0, f64::INFINITY)
        );
        // The best point found comes back with the failure.
        let stopped = bfgs(rosenbrock, [-1.2, 1.0], 5, 1e-10).unwrap_err();
        assert_eq!(stopped.best.iterations, 5);
        assert!(stopped.best.value < 24.2 && stopped.best.value.is_finite());
    }

    fn rosenbrock(x: &[f64; 2], g: &mut [f64; 2]) -> f64 {
        let (a, b) = (x[0], x[1]);
        g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
        g[1] = 200.0 * (b - a * a);
        (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
    }

    #[test]
    fn a_supremum_at_infinity_stops_on_the_box_face() {
        // f = e^{-x0} + (x1 - 1)^2 decreases in x0 towards its infimum 0:
        // the minimiser stops where the gradient is below precision (the
        // value within 1e-8 of the infimum), never beyond the face.
        let f = |x: &[f64; 2], g: &mut [f64; 2]| {
            g[0] = -(-x[0]).exp();
            g[1] = 2.0 * (x[1] - 1.0);
            (-x[0]).exp() + (x[1] - 1.0).powi(2)
        };
        let m = bfgs(f, [0.0, 0.0], 200, 1e-10).unwrap();
        assert!(m.theta[0] > 15.0 && m.theta[0] <= THETA_BOUND && m.value < 1e-7);
        assert!((m.theta[1] - 1.0).abs() < 1e-6, "{:?}", m.theta);
        // The unbounded linear objective too.
        let lin = |x: &[f64; 1], g: &mut [f64; 1]| {
            g[0] = -1.0;
            -x[0]
        };
        assert_eq!(bfgs(lin, [0.0], 100, 1e-10).unwrap().theta[0], THETA_BOUND);
    }

    #[test]
    fn stalled_objective_with_small_gradient_converges() {
        // A quadratic whose value is rounded to 1e-6 relative: the strict
        // gradient rule cannot be met, the relative rule can.
        let f = |x: &[f64; 1], g: &mut [f64; 1]| {
            g[0] = 2.0 * (x[0] - 0.3) + 1e-7;
            let v = 1e4 + (x[0] - 0.3).powi(2);
            (v * 1e6).round() / 1e6
        };
        let m = bfgs(f, [0.0], 1000, 1e-10).unwrap();
        assert!((m.theta[0] - 0.3).abs() < 1e-2, "{:?}", m.theta);
    }

    #[test]
    fn a_shifted_objective_converges_on_its_unshifted_scale() {
        // F = 5000 + 1000 (x − 0.3)², rounded to 1e-9, minimised as
        // f = F − 4998 (about 2 at the minimum); the gradient carries a
        // bias of 3e-5, above √tolerance · |f| but far below √tolerance · F:
        // no step lowers f beyond its rounding once near the minimum.
        let f = |x: &[f64; 1], g: &mut [f64; 1]| {
            g[0] = 2000.0 * (x[0] - 0.3) + 3e-5;
            let big = 5000.0 + 1000.0 * (x[0] - 0.3).powi(2);
            (big * 1e9).round() / 1e9 - 4998.0
        };
        let mut calls = 0;
        let counted = |x: &[f64; 1], g: &mut [f64; 1]| {
            calls += 1;
            f(x, g)
        };
        let m = bfgs_shifted(counted, [0.0], 1000, 1e-10, Some(-4998.0)).unwrap();
        assert!((m.theta[0] - 0.3).abs() < 1e-6, "{:?}", m.theta);
        assert!(m.iterations < 100, "{}", m.iterations);
        assert!(calls < 1000, "{calls}");
    }

    fn rosenbrock_hess(x: &[f64; 2], g: &mut [f64; 2], h: &mut [[f64; 2]; 2]) -> f64 {
        let (a, b) = (x[0], x[1]);
        h[0][0] = 2.0 - 400.0 * (b - 3.0 * a * a);
        h[0][1] = -400.0 * a;
        h[1][0] = -400.0 * a;
        h[1][1] = 200.0;
        rosenbrock(x, g)
    }

    #[test]
    fn newton_converges_quadratically_or_declines() {
        // From near the minimum: a few steps to 1e-10.
        let (m, h) = newton(rosenbrock_hess, [0.9, 0.8], 50).unwrap();
        assert!(
            (m.theta[0] - 1.0).abs() < 1e-9 && (m.theta[1] - 1.0).abs() < 1e-9,
            "{:?}",
            m.theta
        );
        assert!(m.iterations <= 10, "{}", m.iterations);
        assert!((h[1][1] - 200.0).abs() < 1e-12);
        // An indefinite Hessian at the start: no Newton direction, BFGS's job.
        assert!(newton(rosenbrock_hess, [0.0, 1.0], 50).is_none());
        // A step that would leave the box is declined too.
        // f = e^-x: every Newton step is +1, until the next would reach
        // the box.
        let lin = |x: &[f64; 1], g: &mut [f64; 1], h: &mut [[f64; 1]; 1]| {
            g[0] = -(-x[0]).exp();
            h[0][0] = (-x[0]).exp();
            (-x[0]).exp()
        };
        assert!(newton(lin, [0.0], 50).is_none());
        assert!(newton(rosenbrock_hess, [f64::NAN, 0.0], 50).is_none());
    }

    #[test]
    fn std_errors_of_a_quadratic() {
        // f = ½ θᵀ diag(4, 1) θ: H⁻¹ = diag(1/4, 1).
        let g = |x: &[f64; 2], g: &mut [f64; 2]| {
            g[0] = 4.0 * x[0];
            g[1] = x[1];
            0.0
        };
        let se = std_errors_of(&covariance(g, &[0.0, 0.0], &[2.0, 3.0]).unwrap());
        assert!((se[0] - 1.0).abs() < 1e-9 && (se[1] - 3.0).abs() < 1e-9);
        let neg = |x: &[f64; 1], g: &mut [f64; 1]| {
            g[0] = -x[0];
            0.0
        };
        assert!(covariance(neg, &[0.0], &[1.0]).is_none());
    }
}
