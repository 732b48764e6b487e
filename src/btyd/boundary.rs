//! Boundary answers: when the likelihood's supremum lies where a parameter
//! is 0 or ∞, find it, name the diverging directions and the limiting
//! model; and the data that identify nothing.
//!
//! The optimiser works on `θ = ln φ` inside the box `|θ_i| ≤ 30`
//! ([`THETA_BOUND`]). Each model lists its *rays*: the directions in `θ`
//! along which a limiting model lies (BG/NBD `a → 0`, `b → ∞`: no dropout;
//! `r, α → ∞` together, `r/α` fixed: Poisson purchases; ...). After the
//! optimiser stops, [`settle`] tries every ray and every single coordinate
//! in both directions: it moves the point to the box face along the ray,
//! and if the objective there is no worse than at the stop (to `1e-7`
//! absolute), re-minimises from the face. The point kept is the best one
//! seen. Coordinates on the face diverge; the rays all of whose coordinates
//! diverge the right way name the [`Limit`]s. A point off the face is
//! [`FitStatus::Interior`] only when the Hessian there is finite and
//! positive definite; otherwise the fit did not settle
//! ([`FitStatus::NotConverged`]).
//!
//! At the face the log-likelihood is within `O(N·e^{-30})` of its limit
//! (the models are analytic in `φ` or `1/φ` at these limits), so the point
//! reported stands for the limit to well within `1e-6`, and predictions at
//! it are the limiting model's to that precision.

use crate::btyd::fitting::FaceBound;
use crate::btyd::input::Row;
use crate::btyd::optim::{
    Minimum, THETA_BOUND, bfgs, bfgs_shifted, covariance_of_hessian, hessian_is_positive_definite,
    projected,
};
use crate::btyd::status::{Direction, Divergence, FitStatus, Limit};
use crate::{Error, Result};

/// A direction in the log-parameters along which a limiting model lies:
/// the coordinates that move (all at the same rate in `θ`, so ratios of
/// the parameters stay fixed) and where each goes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ray {
    pub coords: &'static [(usize, Direction)],
    pub limit: Limit,
}

use Direction::{ToInfinity as Inf, ToZero as Zero};

/// BG/NBD and MBG/NBD `(r, α, a, b)`: `a → 0` or `b → ∞` is no dropout;
/// `a, b → 0` with `a/(a+b) = π` fixed is dropout probability 0 or 1
/// ([`Limit::DropoutZeroOrOne`], its likelihood and predictions there: a
/// share `π` drops out at its first opportunity, the rest never; the
/// corrections at the face are `O(a + b)`, save a buyer's odds of having
/// dropped out, `a/(b+x−1)·((α+T)/(α+t_x))^{r+x}`); `r, α → ∞` is Poisson
/// purchases; `a, b → ∞` with `a/(a+b) = p` fixed is one dropout
/// probability for all ([`Limit::HomogeneousDropout`], corrections
/// `O(x/(a+b))`).
pub(crate) const BG_NBD_RAYS: &[Ray] = &[
    Ray {
        coords: &[(2, Zero)],
        limit: Limit::NoDropout,
    },
    Ray {
        coords: &[(2, Zero), (3, Zero)],
        limit: Limit::DropoutZeroOrOne,
    },
    Ray {
        coords: &[(3, Inf)],
        limit: Limit::NoDropout,
    },
    Ray {
        coords: &[(0, Inf), (1, Inf)],
        limit: Limit::HomogeneousPurchaseRate,
    },
    Ray {
        coords: &[(2, Inf), (3, Inf)],
        limit: Limit::HomogeneousDropout,
    },
];

/// BG/NBD's and MBG/NBD's watched rays ([`RayWatch`]): `r, α → ∞` with
/// `r/α = λ` fixed (Poisson purchases at rate `λ`), and `a, b → ∞` with
/// `a/(a+b) = p` fixed (one dropout probability `p` for every customer:
/// [`Limit::HomogeneousDropout`]). Along either the objective falls by
/// corrections `O(1/(a+b))` or `O(1/r)`, so BFGS would walk out one short
/// step after another (some 3,000 evaluations of 100,000 rows on a
/// near-homogeneous log). The levels and probes of
/// [`PARETO_NBD_WATCHES`]: `e⁴ ≈ 55` for every coordinate of the ray (on
/// the fitting scale, `α` in units of the longest history): a beta mixing
/// distribution of the dropout probability with a coefficient of variation
/// `√(b/(a(a+b+1))) < 1/√a`, below 14 %.
pub(crate) const BG_NBD_WATCHES: &[RayWatch] = &[
    RayWatch {
        coords: &[(0, Inf), (1, Inf)],
        level: 4.0,
        probes: [4.0, 7.0],
    },
    RayWatch {
        coords: &[(2, Inf), (3, Inf)],
        level: 4.0,
        probes: [4.0, 7.0],
    },
];

/// Pareto/NBD `(r, α, s, β)`: `s/β → 0` is no dropout.
pub(crate) const PARETO_NBD_RAYS: &[Ray] = &[
    Ray {
        coords: &[(2, Zero)],
        limit: Limit::NoDropout,
    },
    Ray {
        coords: &[(3, Inf)],
        limit: Limit::NoDropout,
    },
    Ray {
        coords: &[(0, Inf), (1, Inf)],
        limit: Limit::HomogeneousPurchaseRate,
    },
    Ray {
        coords: &[(2, Inf), (3, Inf)],
        limit: Limit::HomogeneousDropout,
    },
];

/// Pareto/NBD's watched rays ([`RayWatch`]): `r, α → ∞` with `r/α = λ`
/// fixed (Poisson purchases at rate `λ`), and `s, β → ∞` with `s/β = μ`
/// fixed (one exponential lifetime of rate `μ` for every customer). A
/// limit is computed once both coordinates of its ray are above `e⁴ ≈ 55`
/// (on the fitting scale, `α` and `β` in units of the longest history): a
/// gamma mixing distribution with a coefficient of variation below 14 %.
/// It must beat the points at `e⁴` and `e⁷` in from the face.
pub(crate) const PARETO_NBD_WATCHES: &[RayWatch] = &[
    RayWatch {
        coords: &[(0, Inf), (1, Inf)],
        level: 4.0,
        probes: [4.0, 7.0],
    },
    RayWatch {
        coords: &[(2, Inf), (3, Inf)],
        level: 4.0,
        probes: [4.0, 7.0],
    },
];

/// GGom/NBD's watched rays ([`RayWatch`]): `r, α → ∞` with `r/α` fixed
/// (Poisson purchases) and `s, β → ∞` with `s/β` fixed (one Gompertz
/// lifetime distribution for every customer), with the levels and probes
/// of [`PARETO_NBD_WATCHES`] (`α` in the data's time unit here).
pub(crate) const GGOM_NBD_WATCHES: &[RayWatch] = &[
    RayWatch {
        coords: &[(0, Inf), (1, Inf)],
        level: 4.0,
        probes: [4.0, 7.0],
    },
    RayWatch {
        coords: &[(3, Inf), (4, Inf)],
        level: 4.0,
        probes: [4.0, 7.0],
    },
];

/// GGom/NBD `(r, α, b, s, β)`: `b, β → 0` with `β/b` fixed is Pareto/NBD
/// (its dropout rate `β/b`); `s → 0` or `β → ∞` is no dropout; `r, α → ∞`
/// with `r/α` fixed is Poisson purchases; `s, β → ∞` with `s/β` fixed is
/// one Gompertz lifetime distribution for every customer (`η = s/β`).
pub(crate) const GGOM_NBD_RAYS: &[Ray] = &[
    Ray {
        coords: &[(2, Zero), (4, Zero)],
        limit: Limit::ParetoDropout,
    },
    Ray {
        coords: &[(3, Zero)],
        limit: Limit::NoDropout,
    },
    Ray {
        coords: &[(4, Inf)],
        limit: Limit::NoDropout,
    },
    Ray {
        coords: &[(0, Inf), (1, Inf)],
        limit: Limit::HomogeneousPurchaseRate,
    },
    Ray {
        coords: &[(3, Inf), (4, Inf)],
        limit: Limit::HomogeneousDropout,
    },
];

/// Gamma-Gamma `(p, q, γ)`: the customers' mean-spend distribution
/// `ν ~ Gamma(q, γ)` collapses when `q, γ → ∞` with `q/γ` fixed, and with
/// it `p → ∞` (no spread within a customer either); and `p → ∞`, `γ → 0`
/// with `p·γ = c` fixed is no spread within a customer while customers
/// differ ([`Limit::ConstantSpendPerCustomer`]): the value of a
/// transaction, `Gamma(p, ν)` with coefficient of variation `1/√p`,
/// collapses on the customer's mean `p/ν = c/(γν)`, and `γν ~ Gamma(q, 1)`
/// keeps that mean inverse-gamma (shape `q`, scale `c`) across customers.
/// The corrections to the limit are `O(q/(p·x))`.
pub(crate) const GAMMA_GAMMA_RAYS: &[Ray] = &[
    Ray {
        coords: &[(1, Inf), (2, Inf)],
        limit: Limit::HomogeneousSpend,
    },
    Ray {
        coords: &[(0, Inf), (1, Inf), (2, Inf)],
        limit: Limit::HomogeneousSpend,
    },
    Ray {
        coords: &[(0, Inf), (2, Zero)],
        limit: Limit::ConstantSpendPerCustomer,
    },
];

/// BG/BB `(α, β, γ, δ)`.
pub(crate) const BG_BB_RAYS: &[Ray] = &[
    Ray {
        coords: &[(2, Zero)],
        limit: Limit::NoDropout,
    },
    Ray {
        coords: &[(3, Inf)],
        limit: Limit::NoDropout,
    },
    Ray {
        coords: &[(0, Inf), (1, Inf)],
        limit: Limit::HomogeneousPurchaseRate,
    },
    Ray {
        coords: &[(2, Inf), (3, Inf)],
        limit: Limit::HomogeneousDropout,
    },
];

/// sBG `(α, β)`.
pub(crate) const SBG_RAYS: &[Ray] = &[
    Ray {
        coords: &[(1, Inf)],
        limit: Limit::NoDropout,
    },
    Ray {
        coords: &[(0, Inf), (1, Inf)],
        limit: Limit::HomogeneousDropout,
    },
];

/// A ray whose limit a fit computes as soon as the optimiser heads for it,
/// instead of following it out to the box face
/// ([`Problem::watch_rays`](crate::btyd::fitting::Problem::watch_rays)).
///
/// Along a ray such as Pareto/NBD's `s, β → ∞` with `s/β` fixed the
/// objective keeps falling by ever smaller amounts (corrections `O(1/s)`),
/// so a quasi-Newton method walks out one short step after another, and
/// the objective costs most in the middle of the walk (for Pareto/NBD ten
/// times the interior cost at `s ≈ 10⁴ … 10¹²`, where neither the series
/// nor the Poisson-type closed form of `K` is cheap); at the face, a
/// coordinate of the ray lagging behind the one on the face, the active
/// set changes from step to step and each change restarts the curvature
/// model (GGom/NBD on the rfm orders spent some 600 evaluations there).
///
/// Once every coordinate of the ray is beyond [`level`](Self::level) in
/// its direction and the objective falls outwards along the ray, the fit
/// instead minimises on the ray's box face, the limiting model, directly
/// ([`limit_on_ray`]: its parameters are the coordinates off the ray and
/// the ratios the ray keeps). The limit counts only as a local supremum
/// along the ray: the objective at the limit's own parameters moved back
/// along the ray until the leading coordinate is at each of
/// [`probes`](Self::probes) must be above the limit's. The optimiser then
/// stops as soon as it is out along the ray, heading out, and no better
/// than the limit (to `10⁻⁶`), and the boundary check starts from the
/// limit as from any other stop. The restarts along the rays
/// ([`Problem::restart_rays`](crate::btyd::fitting::Problem::restart_rays))
/// are not stopped: they start out along a ray on purpose.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RayWatch {
    /// The ray's coordinates and directions.
    pub coords: &'static [(usize, Direction)],
    /// How far out (in `θ`, in each coordinate's direction) every
    /// coordinate of the ray must be for the limit to be computed.
    pub level: f64,
    /// Where (in `θ`, the leading coordinate) the limit is compared with
    /// points in from the face along the ray.
    pub probes: [f64; 2],
}

impl RayWatch {
    /// Whether every coordinate of the ray is beyond the level at `theta`.
    pub fn reached<const N: usize>(&self, theta: &[f64; N]) -> bool {
        self.coords
            .iter()
            .all(|&(i, d)| sign(d) * theta[i] >= self.level)
    }

    /// The derivative of the objective along the ray, outwards, from its
    /// gradient `g` in `θ`.
    pub fn outward<const N: usize>(&self, g: &[f64; N]) -> f64 {
        self.coords.iter().map(|&(i, d)| sign(d) * g[i]).sum()
    }
}

/// The most objective evaluations [`limit_on_ray`] spends: the minimum on
/// a face takes 20 to 40 from a point on the ridge towards it.
const LIMIT_EVALUATIONS: usize = 200;

/// `theta` moved along `coords` (each coordinate in its direction, all at
/// the same rate) until the first of them reaches the box face, and which
/// one that is; a coordinate the move would take past the opposite face
/// stays on it.
fn to_face<const N: usize>(theta: &[f64; N], coords: &[(usize, Direction)]) -> ([f64; N], usize) {
    let (mut t, mut lead) = (f64::INFINITY, coords[0]);
    for &(i, d) in coords {
        let room = THETA_BOUND - sign(d) * theta[i];
        if room < t {
            (t, lead) = (room, (i, d));
        }
    }
    let mut out = *theta;
    for &(i, d) in coords {
        out[i] = (theta[i] + sign(d) * t).clamp(-THETA_BOUND, THETA_BOUND);
    }
    // Exactly on the face, whatever the rounding of the move.
    out[lead.0] = sign(lead.1) * THETA_BOUND;
    (out, lead.0)
}

/// The minimum of `objective` on the box faces of the rays `rays` (their
/// limiting model, its parameters the ratios each ray keeps and the
/// coordinates off the rays), from `from` moved out along each ray; `None`
/// when that minimisation does not converge within [`LIMIT_EVALUATIONS`]
/// evaluations or the objective is not finite there. The rays hold
/// disjoint coordinates (BG/NBD's `r, α → ∞` and `a, b → ∞` together:
/// Poisson purchases and one dropout probability for all).
///
/// The minimisation runs over the faces themselves: with `f` the first
/// coordinate of a ray, it is held at 0 and the point evaluated is `P(φ)`,
/// `φ` moved along each ray until the ray's first coordinate `k` to get
/// there reaches the face. The chain rule gives the gradient: `∂f(P)/∂φ_j
/// = g_j − [j = k]·s_k·(g·d)` with `d` the ray's direction (`s_i = ±1` on
/// its coordinates) and `g` the gradient at `P`; a coordinate the move
/// took to the opposite face (a ratio beyond `e^{60}`) has none. The
/// objective is flat along each ray at the face to within its `O(e^{−30})`
/// corrections, so it is as smooth on the face as the limiting model.
pub(crate) fn limit_on_rays<const N: usize>(
    objective: &impl Fn(&[f64; N], &mut [f64; N]) -> f64,
    from: &[f64; N],
    rays: &[&[(usize, Direction)]],
    max_iterations: usize,
    tolerance: f64,
    shift: Option<f64>,
) -> Option<Minimum<N>> {
    // φ: `from` moved along each ray until its first coordinate is 0.
    let mut phi = *from;
    for coords in rays {
        let (first, first_dir) = coords[0];
        let back = sign(first_dir) * from[first];
        for &(i, d) in *coords {
            phi[i] -= sign(d) * back;
        }
    }
    let place = |phi: &[f64; N]| {
        let mut p = *phi;
        let mut leads = [0_usize; N];
        for (k, coords) in rays.iter().enumerate() {
            let (moved, lead) = to_face(&p, coords);
            p = moved;
            leads[k] = lead;
        }
        (p, leads)
    };
    let spent = std::cell::Cell::new(0_usize);
    let on_face = |phi: &[f64; N], g: &mut [f64; N]| {
        spent.set(spent.get() + 1);
        if spent.get() > LIMIT_EVALUATIONS {
            *g = [0.0; N];
            return f64::INFINITY;
        }
        let (p, leads) = place(phi);
        let v = objective(&p, g);
        for (coords, &k) in rays.iter().zip(&leads) {
            let mut along = 0.0;
            for &(i, d) in *coords {
                if p[i].abs() < THETA_BOUND || i == k {
                    along += sign(d) * g[i];
                } else {
                    g[i] = 0.0;
                }
            }
            if let Some(&(_, d)) = coords.iter().find(|c| c.0 == k) {
                g[k] -= sign(d) * along;
            }
            g[coords[0].0] = 0.0;
        }
        v
    };
    let found = bfgs_shifted(on_face, phi, max_iterations.min(200), tolerance, shift).ok()?;
    if !found.value.is_finite() {
        return None;
    }
    let (theta, _) = place(&found.theta);
    let mut gradient = [0.0; N];
    let value = objective(&theta, &mut gradient);
    value.is_finite().then_some(Minimum {
        theta,
        value,
        iterations: found.iterations,
        gradient,
    })
}

/// The points at which [`RayWatch`] compares a limit with the objective in
/// from the face: `limit` moved back along the ray until its leading
/// coordinate is at each of the watch's probe levels.
pub(crate) fn ray_probes<const N: usize>(limit: &[f64; N], watch: &RayWatch) -> [[f64; N]; 2] {
    let lead = watch
        .coords
        .iter()
        .map(|&(i, d)| sign(d) * limit[i])
        .fold(f64::NEG_INFINITY, f64::max);
    watch.probes.map(|level| {
        let mut p = *limit;
        for &(i, d) in watch.coords {
            p[i] = (p[i] - sign(d) * (lead - level)).clamp(-THETA_BOUND, THETA_BOUND);
        }
        p
    })
}

/// The most objective evaluations of the polish with a tighter tolerance
/// in [`settle_probed`] (an ordinary polish takes a few dozen).
const POLISH_EVALUATIONS: usize = 1000;

/// How much worse (absolute, in the negative log-likelihood) the face may
/// be than the point the optimiser stopped at for the face to be tried.
const FACE_SLACK: f64 = 1e-7;

fn sign(d: Direction) -> f64 {
    match d {
        Direction::ToZero => -1.0,
        Direction::ToInfinity => 1.0,
    }
}

/// Whether coordinate `i` of `theta` sits on the box face.
/// Within `1e-6` of it: a factor `1 + 1e-6` from `e^±30`, which changes
/// nothing the limit does not.
fn on_face(theta: f64) -> bool {
    theta.abs() >= THETA_BOUND - 1e-6
}

/// A point in `θ` and the objective's analytic Hessian there, which
/// [`status_at`] uses instead of central differences at that very point.
pub(crate) type KnownHessian<const N: usize> = ([f64; N], [[f64; N]; N]);

/// Moves `min` to the best point among the optimiser's stop and the
/// re-minimised box faces along the model's `rays` (and every single
/// coordinate), and says how the fit ended. `objective` is the penalised
/// objective in `θ`; `names` the parameters' names; `known` an analytic
/// Hessian at one point, if any; `face_bound` a lower bound of `objective`
/// that rules faces out without evaluating it there, if any. See the
/// module docs.
#[cfg(test)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn settle<const N: usize>(
    objective: &impl Fn(&[f64; N], &mut [f64; N]) -> f64,
    min: Minimum<N>,
    rays: &[Ray],
    names: [&'static str; N],
    max_iterations: usize,
    tolerance: f64,
    known: Option<&KnownHessian<N>>,
    face_bound: Option<&FaceBound<'_, N>>,
) -> (Minimum<N>, FitStatus) {
    settle_probed(
        objective,
        None,
        min,
        rays,
        names,
        max_iterations,
        tolerance,
        known,
        face_bound,
    )
}

/// The objective's value alone at a point in `θ` (no gradient): a cheaper
/// form for the face probes of [`settle_probed`], equal to `objective`'s
/// value up to rounding.
pub(crate) type ValueFn<'a, const N: usize> = dyn Fn(&[f64; N]) -> f64 + 'a;

/// Moves `min` to the best point among the optimiser's stop and the
/// re-minimised box faces, and says how the fit ended, as `settle` does,
/// probing each box face with `probe` (the objective's value alone) when
/// given: a face's gradient is only needed once the face is re-minimised,
/// and the minimiser evaluates it again there. A face where `face_bound`
/// (a lower bound of `objective`, if any) already rules it out is not
/// probed at all.
#[allow(clippy::too_many_arguments)]
pub(crate) fn settle_probed<const N: usize>(
    objective: &impl Fn(&[f64; N], &mut [f64; N]) -> f64,
    probe: Option<&ValueFn<'_, N>>,
    min: Minimum<N>,
    rays: &[Ray],
    names: [&'static str; N],
    max_iterations: usize,
    tolerance: f64,
    known: Option<&KnownHessian<N>>,
    face_bound: Option<&FaceBound<'_, N>>,
) -> (Minimum<N>, FitStatus) {
    let mut best = min;
    let mut converged = true;
    // Every model ray, then every single coordinate both ways.
    let mut candidates: Vec<Vec<(usize, f64)>> = rays
        .iter()
        .map(|r| r.coords.iter().map(|&(i, d)| (i, sign(d))).collect())
        .collect();
    for i in 0..N {
        for s in [1.0, -1.0] {
            if !candidates.iter().any(|c| c.len() == 1 && c[0] == (i, s)) {
                candidates.push(vec![(i, s)]);
            }
        }
    }
    let mut g = [0.0; N];
    // The point each candidate was last tried from: a second pass skips
    // the candidates whose start has not moved since (the same face, the
    // same answer).
    let mut tried_from: Vec<Option<[f64; N]>> = vec![None; candidates.len()];
    for _pass in 0..2 {
        let mut moved = false;
        for (ray, tried) in candidates.iter().zip(tried_from.iter_mut()) {
            if *tried == Some(best.theta) {
                continue;
            }
            *tried = Some(best.theta);
            // The step that brings the first of the ray's coordinates to
            // the face.
            let t = ray
                .iter()
                .map(|&(i, s)| THETA_BOUND - s * best.theta[i])
                .fold(f64::INFINITY, f64::min);
            if !(t > 1e-9) {
                continue;
            }
            let mut theta = best.theta;
            for &(i, s) in ray {
                theta[i] = (theta[i] + s * t).clamp(-THETA_BOUND, THETA_BOUND);
            }
            // A face whose lower bound is already above the threshold (by
            // more than rounding, `1e-6` relative) is not tried: its value
            // could not pass the test below.
            if let Some(bound) = face_bound
                && bound(&theta) > best.value + FACE_SLACK + 1e-6 * best.value.abs().max(1.0)
            {
                continue;
            }
            let value = match probe {
                Some(probe) => probe(&theta),
                None => objective(&theta, &mut g),
            };
            if !(value.is_finite() && value <= best.value + FACE_SLACK) {
                continue;
            }
            // A face re-minimisation gets at most 200 iterations: it starts
            // next to a point the optimiser already settled.
            let (again, done) = match bfgs(objective, theta, max_iterations.min(200), tolerance) {
                Ok(m) => (m, true),
                Err(stopped) => (stopped.best, false),
            };
            if again.value.is_finite() && again.value <= best.value + FACE_SLACK {
                // Keep the lower objective; a tie goes to the face (the
                // limit is the supremum there).
                let lower = again.value < best.value;
                let reaches = ray.iter().any(|&(i, _)| on_face(again.theta[i]));
                if lower || reaches {
                    best = Minimum {
                        iterations: best.iterations + again.iterations,
                        ..again
                    };
                    converged = done;
                    moved = true;
                }
            }
        }
        if !moved {
            break;
        }
    }
    let mut status = if converged {
        status_at(objective, &best, rays, names, known)
    } else {
        FitStatus::NotConverged
    };
    if status == FitStatus::NotConverged {
        // A loose tolerance may stop where the Hessian is not yet positive
        // definite: go on once with a tighter one (never a looser answer).
        let tighter = (tolerance * 1e-4).max(1e-16);
        // At most POLISH_EVALUATIONS evaluations: next to a box face the
        // tighter rule can stall in line searches that fail on rounding
        // noise (BG/NBD on the rfm orders in days spent the whole fit's
        // budget of 20 000 here); a polish that stalls changes nothing.
        let spent = std::cell::Cell::new(0_usize);
        let capped = |th: &[f64; N], g: &mut [f64; N]| {
            spent.set(spent.get() + 1);
            if spent.get() > POLISH_EVALUATIONS {
                *g = [0.0; N];
                return f64::INFINITY;
            }
            objective(th, g)
        };
        if let Ok(again) = bfgs(capped, best.theta, max_iterations, tighter) {
            if again.value <= best.value + FACE_SLACK {
                best = Minimum {
                    iterations: best.iterations + again.iterations,
                    ..again
                };
                status = status_at(objective, &best, rays, names, known);
            }
        }
    }
    if status == FitStatus::NotConverged && (0..N).any(|i| on_face(best.theta[i])) {
        // A face re-minimisation that stalled short of its strict stop rule
        // on a point whose projected gradient is small on the objective's
        // scale (the loose rule of `bfgs`): the face's limits.
        // Or one whose gradient is rounding noise (terms of size e^30 at the
        // face): no step along it, of 1e-2 to 1e-6 in θ, lowers the
        // objective by more than 1e-9 of it.
        let scale = best.value.abs().max(1.0);
        let pg = projected(&best.theta, &best.gradient, THETA_BOUND - 1e-6);
        let small = pg.iter().all(|d| d.abs() <= tolerance.sqrt() * scale);
        let norm = pg.iter().fold(0.0_f64, |m, d| m.max(d.abs()));
        let mut g = [0.0; N];
        let no_descent = norm > 0.0
            && [1e-2, 1e-4, 1e-6].iter().all(|&t| {
                let theta: [f64; N] = std::array::from_fn(|i| {
                    (best.theta[i] - t * pg[i] / norm).clamp(-THETA_BOUND, THETA_BOUND)
                });
                let v = objective(&theta, &mut g);
                !(v < best.value - 1e-9 * scale)
            });
        if small || no_descent {
            status = status_at(objective, &best, rays, names, known);
        }
    }
    if status == FitStatus::NotConverged {
        // Converged in the gradient, singular Hessian, far out along a limit
        // ray that is flat to the face: the ray's limit.
        let scale = best.value.abs().max(1.0);
        let small = best
            .gradient
            .iter()
            .all(|d| d.abs() <= tolerance.sqrt() * scale);
        if small {
            if let Some(flat) = flat_ray(objective, &best, rays, names) {
                status = flat;
            }
        }
    }
    (best, status)
}

/// How far out (in `θ`: `e^25 ≈ 7·10^10`) a coordinate must be for a ray
/// that reaches the face in another of its coordinates to count as
/// followed: the optimiser stops a ray at the first face it meets, and
/// the ray's other coordinates then lag a few units short of theirs.
const FAR_WITH_FACE: f64 = 25.0;

/// How far out (in `θ`: `e^10 ≈ 2·10⁴`) a lagging coordinate of a ray
/// must be for [`status_at`] to test whether the fit followed that ray.
const FAR_LAGGING: f64 = 10.0;

/// How far back along a ray (in `θ`) [`converges_along`] moves.
const BACK: f64 = 3.0;

/// Whether the objective converges to a limit along `ray` at `min`, the
/// limit no worse than the point: with `d₁` and `d₂` the changes of the
/// objective over the last and the one before last [`BACK`] units towards
/// `min`, moving back is no better (`d₁ ≥ −10⁻⁹·|f|`), and either flat
/// (`d₁ ≤` [`FLAT_WITHIN`]: the point is within about
/// `FLAT_WITHIN/(e³ − 1)` of the limit, as the models' corrections to a
/// limit fall like `e^{−θ}` along its ray) or shrinking as a converging
/// tail does (`d₂ ≥ 4·d₁`; `e³·d₁` for corrections `∝ e^{−θ}`, while a
/// direction along which the objective keeps changing at one rate has
/// `d₂ ≈ d₁`). In the second case the box stops the point short of the
/// limit (by about `d₁/(e³ − 1)`); the ray is still the one the fit
/// followed.
fn converges_along<const N: usize>(
    objective: &impl Fn(&[f64; N], &mut [f64; N]) -> f64,
    min: &Minimum<N>,
    ray: &Ray,
) -> bool {
    let back = |k: f64| {
        let mut theta = min.theta;
        for &(i, d) in ray.coords {
            theta[i] -= sign(d) * BACK * k;
        }
        objective(&theta, &mut [0.0; N])
    };
    let (one, two) = (back(1.0), back(2.0));
    let d1 = one - min.value;
    let d2 = two - one;
    let scale = min.value.abs().max(1.0);
    one.is_finite()
        && two.is_finite()
        && d1 >= -1e-9 * scale
        && (d1 <= FLAT_WITHIN || d2 >= 4.0 * d1)
}

/// Whether moving the coordinates of `ray` that do not lead (by `leads`)
/// back by [`BACK`], the leading ones left where they are, makes the
/// objective worse than at `min` by more than [`FLAT_WITHIN`].
fn lagging_coordinates_matter<const N: usize>(
    objective: &impl Fn(&[f64; N], &mut [f64; N]) -> f64,
    min: &Minimum<N>,
    ray: &Ray,
    leads: &dyn Fn((usize, Direction)) -> bool,
) -> bool {
    let mut theta = min.theta;
    for &(i, d) in ray.coords {
        if !leads((i, d)) {
            theta[i] -= sign(d) * BACK;
        }
    }
    let back = objective(&theta, &mut [0.0; N]);
    back.is_finite() && back - min.value > FLAT_WITHIN
}

/// The status of a settled point: diverging coordinates on the face with
/// their limits, else interior exactly when the Hessian is finite and
/// positive definite.
///
/// A ray is followed when every coordinate of it is on the face or beyond
/// [`FAR_WITH_FACE`] in the ray's direction, and at least one is on the
/// face; its coordinates all diverge. A ray of several coordinates is
/// also followed when one of its coordinates leads (on the face or beyond
/// [`FAR_WITH_FACE`]) and no ray followed by that rule holds it, the others
/// are beyond [`FAR_LAGGING`], and the objective converges along the ray
/// ([`converges_along`]): the optimiser stops a ray at its first face, and
/// a coordinate of it may lag by the log of the ratio the ray keeps
/// (Poisson purchases at `λ = r/α` leave `r` `|ln λ|` units behind `α`),
/// yet the fit followed that ray and the lagging coordinate diverges with
/// the others. A single-coordinate ray (`β → ∞`:
/// no dropout) is not named when a followed ray of several coordinates
/// holds that coordinate (`s, β → ∞` with `s/β` finite: a common dropout
/// rate, not none).
pub(crate) fn status_at<const N: usize>(
    objective: &impl Fn(&[f64; N], &mut [f64; N]) -> f64,
    min: &Minimum<N>,
    rays: &[Ray],
    names: [&'static str; N],
    known: Option<&KnownHessian<N>>,
) -> FitStatus {
    let direction = |t: f64| {
        if t > 0.0 {
            Direction::ToInfinity
        } else {
            Direction::ToZero
        }
    };
    let face: Vec<(usize, Direction)> = (0..N)
        .filter(|&i| on_face(min.theta[i]))
        .map(|i| (i, direction(min.theta[i])))
        .collect();
    if face.is_empty() {
        let positive_definite = match known {
            Some((theta, hess)) if *theta == min.theta => {
                covariance_of_hessian(*hess, &[1.0; N]).is_some()
            }
            _ => hessian_is_positive_definite(objective, &min.theta),
        };
        return if positive_definite {
            FitStatus::Interior
        } else {
            FitStatus::NotConverged
        };
    }
    let mut followed: Vec<&Ray> = rays
        .iter()
        .filter(|ray| {
            ray.coords.iter().any(|c| face.contains(c))
                && ray.coords.iter().all(|&(i, d)| {
                    face.contains(&(i, d)) || sign(d) * min.theta[i] >= FAR_WITH_FACE
                })
        })
        .collect();
    // A ray of several coordinates that the rule above misses because the
    // optimiser stopped it at its first face, one coordinate lagging by the
    // log of the ratio the ray keeps (Poisson purchases at `r/α = 0.005` a
    // day leave `r` 5.3 units behind `α`), or because it crept out short
    // of the face: it counts when one of its coordinates leads (on the face
    // or beyond [`FAR_WITH_FACE`]) and no followed ray holds that one, the
    // others are out beyond [`FAR_LAGGING`], and the objective converges
    // along the ray ([`converges_along`]).
    let explained =
        |followed: &[&Ray], c: (usize, Direction)| followed.iter().any(|r| r.coords.contains(&c));
    let leads = |(i, d): (usize, Direction)| {
        face.contains(&(i, d)) || sign(d) * min.theta[i] >= FAR_WITH_FACE
    };
    let lagging: Vec<&Ray> = rays
        .iter()
        .filter(|ray| {
            ray.coords.len() > 1
                && !followed.iter().any(|f| std::ptr::eq(*f, *ray))
                && ray
                    .coords
                    .iter()
                    .any(|&c| leads(c) && !explained(&followed, c))
                && ray
                    .coords
                    .iter()
                    .all(|&(i, d)| leads((i, d)) || sign(d) * min.theta[i] >= FAR_LAGGING)
                && converges_along(objective, min, ray)
        })
        .collect();
    followed.extend(lagging);
    // A ray of several coordinates whose leading coordinates only rays of
    // one coordinate hold (BG/NBD `b` on the face: no dropout), while its
    // other coordinates are out beyond [`FAR_LAGGING`] but short of
    // [`FAR_WITH_FACE`] (`a` at `e^{24.5}`): the single ray's limit keeps
    // the other parameters finite and the objective then no longer depends
    // on them. When moving the lagging coordinates back by [`BACK`] alone
    // makes the objective worse by more than [`FLAT_WITHIN`], the point
    // is not that limit but the several-coordinate ray's (a common dropout
    // probability `a/(a+b) = e^{−5.5}`, not none), provided the objective
    // converges along it.
    let shared: Vec<&Ray> = rays
        .iter()
        .filter(|ray| {
            ray.coords.len() > 1
                && !followed.iter().any(|f| std::ptr::eq(*f, *ray))
                && ray.coords.iter().any(|&c| leads(c))
                && ray.coords.iter().any(|&c| !leads(c))
                && ray
                    .coords
                    .iter()
                    .all(|&(i, d)| leads((i, d)) || sign(d) * min.theta[i] >= FAR_LAGGING)
                && ray.coords.iter().all(|&c| {
                    !leads(c)
                        || !followed
                            .iter()
                            .any(|f| f.coords.len() > 1 && f.coords.contains(&c))
                })
                && lagging_coordinates_matter(objective, min, ray, &leads)
                && converges_along(objective, min, ray)
        })
        .collect();
    followed.extend(shared);
    let covered = |i: usize| {
        followed
            .iter()
            .any(|r| r.coords.len() > 1 && r.coords.iter().any(|c| c.0 == i))
    };
    let mut diverging_at: Vec<(usize, Direction)> = face.clone();
    let mut limits: Vec<Limit> = Vec::new();
    for ray in &followed {
        if ray.coords.len() == 1 && covered(ray.coords[0].0) {
            continue;
        }
        for &c in ray.coords {
            if !diverging_at.contains(&c) {
                diverging_at.push(c);
            }
        }
        if !limits.contains(&ray.limit) {
            limits.push(ray.limit);
        }
    }
    diverging_at.sort_by_key(|c| c.0);
    let diverging = diverging_at
        .iter()
        .map(|&(i, direction)| Divergence {
            parameter: names[i].to_string(),
            direction,
        })
        .collect();
    FitStatus::Boundary { diverging, limits }
}

/// How far (in `θ`, a factor `e^15 ≈ 3·10⁶` from the start) a ray's
/// coordinates must already have moved for [`flat_ray`] to consider it.
const FAR_ALONG: f64 = 15.0;

/// How close (absolute, in the negative log-likelihood) the face must be to
/// a point for the ray between them to count as flat: the boundary answer's
/// promised distance to the supremum.
const FLAT_WITHIN: f64 = 1e-6;

/// For a point short of the faces where the gradient vanishes but the
/// Hessian is singular (the optimiser crept along a ridge to a limit): the
/// model rays along which the point is already far out and the objective
/// at the face is within [`FLAT_WITHIN`] of the point's. The supremum is
/// then those rays' limits, the point a finite stand-in whose
/// log-likelihood is within [`FLAT_WITHIN`] of theirs, and the rays'
/// parameters are named as diverging. `None` when no ray qualifies.
fn flat_ray<const N: usize>(
    objective: &impl Fn(&[f64; N], &mut [f64; N]) -> f64,
    min: &Minimum<N>,
    rays: &[Ray],
    names: [&'static str; N],
) -> Option<FitStatus> {
    let mut g = [0.0; N];
    let mut diverging: Vec<Divergence> = Vec::new();
    let mut limits: Vec<Limit> = Vec::new();
    let mut flat: Vec<&Ray> = Vec::new();
    for ray in rays {
        let far = ray
            .coords
            .iter()
            .all(|&(i, d)| sign(d) * min.theta[i] >= FAR_ALONG);
        if !far {
            continue;
        }
        let t = ray
            .coords
            .iter()
            .map(|&(i, d)| THETA_BOUND - sign(d) * min.theta[i])
            .fold(f64::INFINITY, f64::min);
        let mut theta = min.theta;
        for &(i, d) in ray.coords {
            theta[i] = (theta[i] + sign(d) * t).clamp(-THETA_BOUND, THETA_BOUND);
        }
        let at_face = objective(&theta, &mut g);
        if at_face.is_finite() && (at_face - min.value).abs() <= FLAT_WITHIN {
            flat.push(ray);
        }
    }
    // As in `status_at`: a single-coordinate ray inside a flat ray of
    // several coordinates is that ray's limit, not its own.
    for ray in &flat {
        let covered = ray.coords.len() == 1
            && flat
                .iter()
                .any(|r| r.coords.len() > 1 && r.coords.iter().any(|c| c.0 == ray.coords[0].0));
        if !covered {
            for &(i, direction) in ray.coords {
                if !diverging.iter().any(|d| d.parameter == names[i]) {
                    diverging.push(Divergence {
                        parameter: names[i].to_string(),
                        direction,
                    });
                }
            }
            if !limits.contains(&ray.limit) {
                limits.push(ray.limit);
            }
        }
    }
    if limits.is_empty() {
        None
    } else {
        Some(FitStatus::Boundary { diverging, limits })
    }
}

/// Whether a purchase model's rows (`x` repeat purchases) can identify
/// anything: [`Error::NotIdentified`] when the total weight is below 2 (a
/// single customer) or nobody made a repeat purchase (the likelihood then
/// only says that purchase rates are small or dropout immediate, and its
/// supremum is a corner where the parameters mean nothing).
pub(crate) fn identified(what: &'static str, rows: &[Row], customers: f64) -> Result<()> {
    if customers < 2.0 {
        return Err(Error::NotIdentified {
            what,
            reason: format!(
                "a single customer (total weight {customers}) cannot show how customers differ"
            ),
        });
    }
    if !rows.iter().any(|r| r.x > 0 && r.w > 0.0) {
        return Err(Error::NotIdentified {
            what,
            reason: "no customer made a repeat purchase".into(),
        });
    }
    Ok(())
}

/// Whether Gamma-Gamma's rows (`x`, `z̄` in `a`) can identify anything:
/// [`Error::NotIdentified`] for a single repeat buyer, or when every
/// repeat buyer has the same mean spend (the likelihood is then unbounded:
/// a spend distribution collapsing on that value has an ever higher
/// density there).
pub(crate) fn spend_identified(what: &'static str, rows: &[Row], customers: f64) -> Result<()> {
    if customers < 2.0 {
        return Err(Error::NotIdentified {
            what,
            reason: format!(
                "a single repeat buyer (total weight {customers}) cannot show how spend varies"
            ),
        });
    }
    let mut weighted = rows.iter().filter(|r| r.w > 0.0);
    if let Some(first) = weighted.next() {
        if weighted.all(|r| r.a == first.a) {
            return Err(Error::NotIdentified {
                what,
                reason: format!(
                    "every repeat buyer has the same mean spend ({}): the likelihood is unbounded",
                    first.a
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flat_direction_goes_to_the_face_and_is_named() {
        // f = (θ0 − 1)² + e^{θ1}: the infimum is at θ1 → −∞ (parameter 1
        // → 0), a "no dropout" ray in this toy.
        let f = |t: &[f64; 2], g: &mut [f64; 2]| {
            g[0] = 2.0 * (t[0] - 1.0);
            g[1] = t[1].exp();
            (t[0] - 1.0).powi(2) + t[1].exp()
        };
        let rays = [Ray {
            coords: &[(1, Direction::ToZero)],
            limit: Limit::NoDropout,
        }];
        let min = match bfgs(&f, [0.0, 0.0], 1000, 1e-10) {
            Ok(m) => m,
            Err(s) => s.best,
        };
        let (m, status) = settle(&f, min, &rays, ["x", "y"], 1000, 1e-10, None, None);
        assert_eq!(m.theta[1], -THETA_BOUND);
        assert_eq!(
            status,
            FitStatus::Boundary {
                diverging: vec![Divergence {
                    parameter: "y".into(),
                    direction: Direction::ToZero
                }],
                limits: vec![Limit::NoDropout],
            }
        );
        // A quadratic bowl stays interior.
        let bowl = |t: &[f64; 2], g: &mut [f64; 2]| {
            g[0] = 2.0 * (t[0] - 1.0);
            g[1] = 4.0 * (t[1] + 2.0);
            (t[0] - 1.0).powi(2) + 2.0 * (t[1] + 2.0).powi(2)
        };
        let min = bfgs(&bowl, [0.0, 0.0], 1000, 1e-10).unwrap();
        let (_, status) = settle(&bowl, min, &rays, ["x", "y"], 1000, 1e-10, None, None);
        assert_eq!(status, FitStatus::Interior);
    }
}
