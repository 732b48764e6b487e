//! A compact BFGS minimiser with a backtracking Armijo line search, and the
//! central-difference Hessian for standard errors (FORMULAS.md 8.8).
// Small dense matrices read best with explicit indices.
#![allow(clippy::needless_range_loop)]

/// Where a minimisation stopped: the minimum when it converged, the best
/// point reached when it did not.
#[derive(Debug, Clone)]
pub(crate) struct Minimum<const N: usize> {
    pub theta: [f64; N],
    pub value: f64,
    /// The gradient at `theta`.
    pub gradient: [f64; N],
    pub iterations: usize,
}

/// A minimisation that did not meet its stop rule: the best point reached
/// (BFGS only accepts steps that do not raise the objective beyond its
/// rounding noise, so it is the last point) and why it stopped.
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

/// Minimises `f` from `x0` by BFGS on the inverse Hessian. Stops when
/// `max|∇f| ≤ 100·tolerance·max(1, |f|)` (at the default tolerance `1e-10`
/// the rule `max|∇f| ≤ 1e-8·max(1, |f|)`, \[L\]).
///
/// # Errors
///
/// The best point reached and the reason when the start is not finite
/// (`value` is then `+∞`), the line search fails twice in a row, or
/// `max_iter` is reached.
pub(crate) fn bfgs<const N: usize>(
    mut f: impl FnMut(&[f64; N], &mut [f64; N]) -> f64,
    x0: [f64; N],
    max_iter: usize,
    tolerance: f64,
) -> Result<Minimum<N>, Stopped<N>> {
    let fail = |theta: [f64; N], value: f64, gradient: [f64; N], iterations, reason| Stopped {
        best: Minimum {
            theta,
            value,
            gradient,
            iterations,
        },
        reason,
    };
    let mut x = x0;
    let mut g = [0.0; N];
    let mut fx = eval(&mut f, &x, &mut g);
    if !fx.is_finite() {
        return Err(fail(x, fx, g, 0, "objective not finite at the start"));
    }
    let mut hinv = identity::<N>();
    let mut fresh = true;
    for iteration in 0..=max_iter {
        if max_abs(&g) <= 100.0 * tolerance * fx.abs().max(1.0) {
            return Ok(Minimum {
                theta: x,
                value: fx,
                gradient: g,
                iterations: iteration,
            });
        }
        if iteration == max_iter {
            break;
        }
        let mut p = [0.0; N];
        for i in 0..N {
            p[i] = -(0..N).map(|j| hinv[i][j] * g[j]).sum::<f64>();
        }
        let mut slope = dot(&g, &p);
        if !(slope < 0.0) {
            hinv = identity();
            fresh = true;
            p = g.map(|d| -d);
            slope = dot(&g, &p);
        }
        // Never move a log-parameter by more than 5 in one step.
        let mut t = (5.0 / max_abs(&p)).min(1.0);
        let mut xn = [0.0; N];
        let mut gn = [0.0; N];
        let mut accepted = None;
        for _ in 0..60 {
            for i in 0..N {
                xn[i] = x[i] + t * p[i];
            }
            let fn_ = eval(&mut f, &xn, &mut gn);
            if fn_ <= fx + 1e-4 * t * slope {
                accepted = Some(fn_);
                break;
            }
            // Near the minimum f changes by less than its rounding noise:
            // accept a step that Hager & Zhang's approximate Wolfe
            // conditions accept (the slope along p shrinks, f does not rise
            // beyond noise).
            let new_slope = dot(&gn, &p);
            if fn_ <= fx + 1e-12 * fx.abs().max(1.0)
                && new_slope >= 0.9 * slope
                && new_slope <= -0.8 * slope
            {
                accepted = Some(fn_);
                break;
            }
            t *= 0.5;
        }
        let Some(fn_) = accepted else {
            if fresh {
                return Err(fail(x, fx, g, iteration, "line search failed"));
            }
            hinv = identity();
            fresh = true;
            continue;
        };
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
    Err(fail(x, fx, g, max_iter, "iteration limit reached"))
}

fn identity<const N: usize>() -> [[f64; N]; N] {
    std::array::from_fn(|i| std::array::from_fn(|j| if i == j { 1.0 } else { 0.0 }))
}

/// The covariance `φ_i φ_j (H⁻¹)_ij` of the natural parameters (delta
/// method) from a central-difference Hessian (step 1e-6) of the analytic
/// gradient in the fitting coordinates `θ`, where `φ_i` is `dφ/dθ` (the
/// parameter itself for `θ = ln φ`); `None` when the Hessian is not
/// positive definite (FORMULAS.md 8.8).
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
        let f = |x: &[f64; 1], g: &mut [f64; 1]| {
            g[0] = -1.0;
            -x[0]
        };
        let stopped = bfgs(f, [0.0], 5, 1e-10).unwrap_err();
        assert_eq!(stopped.best.iterations, 5);
        assert_eq!(stopped.reason, "iteration limit reached");
        // The best point is the last one: f fell at every step.
        assert!(stopped.best.theta[0] > 0.0 && stopped.best.value == -stopped.best.theta[0]);
        assert_eq!(stopped.best.gradient, [-1.0]);
        let nan = |_: &[f64; 1], g: &mut [f64; 1]| {
            g[0] = 0.0;
            f64::NAN
        };
        let stopped = bfgs(nan, [0.0], 5, 1e-10).unwrap_err();
        assert_eq!(
            (stopped.best.iterations, stopped.best.value),
            (0, f64::INFINITY)
        );
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
