//! The fitting skeleton every model shares: weighted rows, time scaling,
//! the penalised objective, BFGS in log-parameters from all ones (or the
//! caller's start), the covariance at the optimum, and what a fit that does
//! not converge hands back.

use crate::btyd::boundary::{
    KnownHessian, Ray, RayWatch, ValueFn, limit_on_rays, ray_probes, settle_probed, status_at,
};
use crate::btyd::input::Row;
use crate::btyd::optim::{
    Handoff, Minimum, bfgs, bfgs_handoff, bfgs_shifted, covariance, covariance_of_hessian, newton,
    newton_damped,
};
use crate::btyd::penalty::{Natural, Penalty};
use crate::btyd::status::{FitOptions, FitStatus};
use crate::error::ConvergenceFailure;
use crate::{Error, Result};

/// What [`fit_log_params`] found: the natural parameters in the data's
/// units, their covariance (delta method) if the Hessian is positive
/// definite, the unpenalised log-likelihood there, and how the fit ended.
pub(crate) struct Fitted<const N: usize> {
    pub natural: [f64; N],
    pub covariance: Option<[[f64; N]; N]>,
    /// The unpenalised log-likelihood at `natural`, in the data's units.
    pub log_likelihood: f64,
    /// The penalised objective's gradient with respect to the
    /// log-parameters at the end (for boundary detection).
    #[allow(dead_code)]
    pub gradient: [f64; N],
    pub iterations: usize,
    /// [`FitStatus::Interior`] unless the fit ended on a boundary, or did
    /// not converge and [`FitOptions::keep_unconverged`] asked for the
    /// best point.
    pub status: FitStatus,
}

/// A model's fitting problem, as [`fit_log_params`] needs it.
pub(crate) struct Problem<const N: usize> {
    /// The fit's name for errors ("BG/NBD fit").
    pub what: &'static str,
    /// Parameter names in the model's order.
    pub names: [&'static str; N],
    /// Σ w, which `Penalty::LifetimesL2` divides by.
    pub weight: f64,
    /// The time scale `c` the objective works on (1 when the model is
    /// fitted in the data's units).
    pub scale: f64,
    /// The parameters that carry the time unit (α, β).
    pub carries_time: [bool; N],
    /// Lower bounds: the optimiser's coordinate is `θ = ln(φ − floor)` on
    /// the fitting scale (all 0 but Gamma-Gamma's `q ≥ 1 + ε`).
    pub floor: [f64; N],
    /// The directions in `θ` along which the model has limiting models
    /// ([`boundary`](crate::btyd::boundary)); none by default.
    pub rays: &'static [Ray],
    /// Whether a boundary answer is checked against fits restarted far
    /// out along each of the model's rays of several coordinates (see
    /// [`fit_log_params`]).
    pub restart_rays: bool,
    /// The most objective evaluations one restart of
    /// [`restart_rays`](Self::restart_rays) may spend before its best
    /// point so far stands for it; none by default (a restart ends by its
    /// iteration cap alone).
    pub restart_evaluations: Option<usize>,
    /// A nested model's maximum as a point on the box face of one of the
    /// rays (see [`NestedLimit`]); none by default.
    pub nested_limit: Option<NestedLimit<N>>,
    /// When set, the unpenalised log-likelihood in the data's units is
    /// `shift − nll` (the time scaling's Jacobian), so a fit without a
    /// penalty needs no evaluation for it; none by default.
    pub log_likelihood_shift: Option<f64>,
    /// With an analytic Hessian and no hint: the gradient level (relative,
    /// as in [`bfgs_handoff`]) at which BFGS hands over to Newton's method
    /// instead of only polishing its own minimum; none by default.
    pub newton_handoff: Option<f64>,
    /// Whether the Newton steps shift a Hessian that is not positive
    /// definite ([`newton_damped`]) instead of leaving the work to BFGS.
    pub damped_newton: bool,
    /// Rays whose limits are computed once the optimiser heads for them
    /// ([`RayWatch`]); none by default.
    pub watches: &'static [RayWatch],
}

/// The maximum of a nested model that the model tends to along one of its
/// rays (GGom/NBD's Pareto/NBD as `b, β → 0` with `β/b` fixed), fitted
/// directly and placed on the box face of that ray: the supremum of the
/// whole face. [`fit_log_params`] compares it with the optimiser's answer
/// and stops the optimiser once it creeps along the ridge towards it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NestedLimit<const N: usize> {
    /// The nested maximum in fitting coordinates, on the face.
    pub theta: [f64; N],
    /// The coordinate that goes to `−∞` along the ridge towards the
    /// limit, and the level at or below which a point is on the ridge.
    pub ridge: (usize, f64),
    /// A point a little way in from the face along the ray: the limit is
    /// only used when the objective there is higher than at the limit
    /// (the limit a local supremum along the ray, to first order).
    pub probe: [f64; N],
}

impl<const N: usize> Problem<N> {
    /// A problem in the data's units, parameters `> 0`.
    pub fn new(what: &'static str, names: [&'static str; N], weight: f64) -> Self {
        Self {
            what,
            names,
            weight,
            scale: 1.0,
            carries_time: [false; N],
            floor: [0.0; N],
            rays: &[],
            restart_rays: false,
            restart_evaluations: None,
            nested_limit: None,
            log_likelihood_shift: None,
            newton_handoff: None,
            damped_newton: false,
            watches: &[],
        }
    }

    /// Newton's method with a shifted Hessian where it is not positive
    /// definite ([`newton_damped`]).
    pub fn damped_newton(mut self) -> Self {
        self.damped_newton = true;
        self
    }

    /// With a [`Curvature`] and no hint, BFGS hands over to Newton's method
    /// once `max|gradient| ≤ level·max(1, |objective|)` ([`bfgs_handoff`]);
    /// where Newton does not settle (no positive definite Hessian, a step
    /// to the box, no Hessian at a point) BFGS goes on from where it was.
    pub fn newton_handoff(mut self, level: f64) -> Self {
        self.newton_handoff = Some(level);
        self
    }

    /// Computes the limit along each watched ray as soon as the optimiser
    /// (or a restart along a ray) is out along it, and stops there when the
    /// limit is the better answer ([`RayWatch`]). Not used with a nested
    /// limit.
    pub fn watch_rays(mut self, watches: &'static [RayWatch]) -> Self {
        self.watches = watches;
        self
    }

    /// The unpenalised log-likelihood in the data's units is `shift` minus
    /// the objective's `nll` on the fitting scale.
    pub fn log_likelihood_shift(mut self, shift: f64) -> Self {
        self.log_likelihood_shift = Some(shift);
        self
    }

    /// A nested model's maximum on the face of one of the rays
    /// ([`NestedLimit`]).
    pub fn nested_limit(mut self, limit: NestedLimit<N>) -> Self {
        self.nested_limit = Some(limit);
        self
    }

    /// Checks a boundary answer against restarts along the rays (see
    /// [`fit_log_params`]); for models whose evaluations are cheap.
    pub fn restart_rays(mut self) -> Self {
        self.restart_rays = true;
        self
    }

    /// Caps each restart along a ray at `n` objective evaluations: a
    /// restart that spends them is judged by the best point it reached
    /// (re-minimised from there when it is better than the fit's), instead
    /// of running on for up to 200 iterations of failing line searches
    /// against a box face. For models whose evaluations are costly.
    pub fn restart_evaluations(mut self, n: usize) -> Self {
        self.restart_evaluations = Some(n);
        self
    }

    /// The model's boundary rays ([`boundary`](crate::btyd::boundary)).
    pub fn rays(mut self, rays: &'static [Ray]) -> Self {
        self.rays = rays;
        self
    }

    /// Works on times multiplied by `scale`; the flagged parameters carry
    /// the time unit.
    pub fn time_scale(mut self, scale: f64, carries_time: [bool; N]) -> Self {
        self.scale = scale;
        self.carries_time = carries_time;
        self
    }

    /// Parameter `k` is fitted as `floor + e^θ`.
    pub fn floor(mut self, k: usize, floor: f64) -> Self {
        self.floor[k] = floor;
        self
    }

    /// The natural parameters on the fitting scale at `θ`, and their
    /// derivatives with respect to `θ`.
    fn fit_scale(&self, theta: &[f64; N]) -> ([f64; N], [f64; N]) {
        let jac = theta.map(f64::exp);
        (std::array::from_fn(|k| self.floor[k] + jac[k]), jac)
    }

    /// A value on the fitting scale in the data's units.
    fn to_data(&self, fit: [f64; N]) -> [f64; N] {
        std::array::from_fn(|k| {
            if self.carries_time[k] {
                fit[k] / self.scale
            } else {
                fit[k]
            }
        })
    }

    /// The caller's start (data units) as optimiser coordinates.
    fn start(&self, start: &[f64], len: usize) -> Result<[f64; N]> {
        let bad = || Error::InvalidParameter {
            name: "start",
            value: format!("{start:?}"),
            reason: "must hold one finite value per parameter, each > 0 (Gamma-Gamma's q > its floor)",
        };
        if len != N || start.len() != N {
            return Err(bad());
        }
        let mut theta = [0.0; N];
        for k in 0..N {
            let fit = if self.carries_time[k] {
                start[k] * self.scale
            } else {
                start[k]
            };
            let above = fit - self.floor[k];
            if !(start[k].is_finite() && above > 0.0 && above.is_finite()) {
                return Err(bad());
            }
            theta[k] = above.ln();
        }
        Ok(theta)
    }
}

/// The total weight of compressed rows; [`Error::EmptyInput`] naming
/// `what` unless it is > 0.
pub(crate) fn total_weight(what: &'static str, rows: &[Row]) -> Result<f64> {
    let customers: f64 = rows.iter().map(|r| r.w).sum();
    if customers > 0.0 {
        Ok(customers)
    } else {
        Err(Error::EmptyInput {
            what,
            needs: "customer with weight > 0",
        })
    }
}

/// How much lower (in the negative log-likelihood) than a nested limit's
/// the optimiser's answer must be to be preferred to that limit.
const NESTED_WITHIN: f64 = 1e-6;

/// Minimises `nll` (the total negative log-likelihood of the data as the
/// objective sees it, and its gradient, in `θ` on the fitting scale, see
/// [`Problem`]) plus the options' penalty, from `θ = 0` or the options'
/// start; `log_likelihood` gives the unpenalised log-likelihood at natural
/// parameters in the data's units.
///
/// The parameters flagged in `carries_time` carry the time unit (α, β):
/// the objective works on times multiplied by `c = scale`, so its value
/// `φ_c` is `φ·c` for the parameter `φ` in the data's units (`scale = 1`
/// for models fitted in the data's units).
///
/// # Errors
///
/// - [`Error::InvalidParameter`]: a negative or non-finite penalty λ, or a
///   start of the wrong length, not finite or not in range, or at which
///   the objective is not finite.
/// - [`Error::NotConverged`] with the best point, its unpenalised
///   log-likelihood and gradient, unless the options keep unconverged fits
///   (then `status` is [`FitStatus::NotConverged`]).
pub(crate) fn fit_log_params<const N: usize>(
    problem: &Problem<N>,
    options: &FitOptions,
    nll: impl Fn(&[f64; N], &mut [f64; N]) -> f64,
    log_likelihood: impl Fn(&[f64; N]) -> f64,
) -> Result<Fitted<N>> {
    fit_log_params_curved(problem, options, nll, None, log_likelihood)
}

/// `(θ, gradient out, Hessian out) → value`: a model's objective with its
/// analytic Hessian.
pub(crate) type HessianFn<'a, const N: usize> =
    dyn Fn(&[f64; N], &mut [f64; N], &mut [[f64; N]; N]) -> f64 + 'a;

/// `θ → a lower bound of the objective at θ`, cheaper than the objective:
/// [`settle`] evaluates a box face only when the bound there does not
/// already rule it out, so the bound changes how fast a fit ends, never
/// its answer.
pub(crate) type FaceBound<'a, const N: usize> = dyn Fn(&[f64; N]) -> f64 + 'a;

/// An analytic Hessian of a model's objective for [`fit_log_params_curved`]:
/// `hessian(θ, g, H)` returns what the model's `nll` returns (the same
/// value and gradient) and fills `H`; `hint` is a start near the minimum
/// (from a fit on a subsample, say), if any.
pub(crate) struct Curvature<'a, const N: usize> {
    pub hessian: &'a HessianFn<'a, N>,
    pub hint: Option<[f64; N]>,
    /// A cheap lower bound of the objective at a point, which lets the
    /// boundary check skip faces that cannot be as good as the optimum
    /// ([`FaceBound`]), if the model has one.
    pub face_bound: Option<&'a FaceBound<'a, N>>,
}

/// Most Newton iterations [`fit_log_params_curved`] takes before it leaves
/// the work to BFGS.
const NEWTON_ITERATIONS: usize = 50;

/// Most iterations of [`newton_damped`] in [`fit_log_params_curved`]: on
/// CDNOW's Pareto/NBD fit it takes 4 to 10.
const DAMPED_NEWTON_ITERATIONS: usize = 20;

/// [`fit_log_params`] with an analytic Hessian. Without a penalty (and
/// without a nested limit), the minimum comes from Newton's method
/// ([`newton`]): from `curvature.hint` when given (and no start in the
/// options), else as a polish of the BFGS minimum; Newton ends within
/// about `1e-10` of the minimum in `θ`, where BFGS's stop rule leaves
/// about `1e-7`. Whenever Newton has no positive definite Hessian or
/// would reach the box, the fit goes on exactly as [`fit_log_params`]
/// does. The status check and the covariance at a Newton minimum use its
/// analytic Hessian instead of central differences of the gradient.
///
/// # Errors
///
/// As [`fit_log_params`].
pub(crate) fn fit_log_params_curved<const N: usize>(
    problem: &Problem<N>,
    options: &FitOptions,
    nll: impl Fn(&[f64; N], &mut [f64; N]) -> f64,
    curvature: Option<Curvature<'_, N>>,
    log_likelihood: impl Fn(&[f64; N]) -> f64,
) -> Result<Fitted<N>> {
    fit_log_params_with(problem, options, nll, None, curvature, None, log_likelihood)
}

/// [`fit_log_params`] with `value`, the objective's value alone (`nll`
/// without its gradient, equal to it up to rounding), for the probes of
/// the box faces ([`settle_probed`]): cheaper where the gradient costs
/// much more than the value.
///
/// # Errors
///
/// As [`fit_log_params`].
pub(crate) fn fit_log_params_probed<const N: usize>(
    problem: &Problem<N>,
    options: &FitOptions,
    nll: impl Fn(&[f64; N], &mut [f64; N]) -> f64,
    value: &ValueFn<'_, N>,
    log_likelihood: impl Fn(&[f64; N]) -> f64,
) -> Result<Fitted<N>> {
    fit_log_params_with(
        problem,
        options,
        nll,
        Some(value),
        None,
        None,
        log_likelihood,
    )
}

/// [`fit_log_params_probed`] with `face_bound`, a cheap lower bound of the
/// unpenalised objective ([`FaceBound`]): the boundary check skips the box
/// faces the bound rules out. It is used only without a penalty.
///
/// # Errors
///
/// As [`fit_log_params`].
pub(crate) fn fit_log_params_bounded<const N: usize>(
    problem: &Problem<N>,
    options: &FitOptions,
    nll: impl Fn(&[f64; N], &mut [f64; N]) -> f64,
    value: &ValueFn<'_, N>,
    face_bound: &FaceBound<'_, N>,
    log_likelihood: impl Fn(&[f64; N]) -> f64,
) -> Result<Fitted<N>> {
    fit_log_params_with(
        problem,
        options,
        nll,
        Some(value),
        None,
        Some(face_bound),
        log_likelihood,
    )
}

/// [`fit_log_params_curved`] with `value`, the objective's value alone,
/// for the probes of the box faces (as [`fit_log_params_probed`]).
///
/// # Errors
///
/// As [`fit_log_params`].
pub(crate) fn fit_log_params_curved_probed<const N: usize>(
    problem: &Problem<N>,
    options: &FitOptions,
    nll: impl Fn(&[f64; N], &mut [f64; N]) -> f64,
    value: &ValueFn<'_, N>,
    curvature: Curvature<'_, N>,
    log_likelihood: impl Fn(&[f64; N]) -> f64,
) -> Result<Fitted<N>> {
    fit_log_params_with(
        problem,
        options,
        nll,
        Some(value),
        Some(curvature),
        None,
        log_likelihood,
    )
}

/// The last [`RECENT_EVALUATIONS`] evaluations of an objective and its
/// gradient, keyed by the bits of `θ`: a fit's status check and its
/// covariance take the same central differences of the gradient at the
/// optimum, and the objective is a deterministic function of `θ`, so a hit
/// is the value it replaces.
#[derive(Debug, Default)]
pub(crate) struct RecentEvaluations<const N: usize> {
    entries: Vec<([u64; N], f64, [f64; N])>,
    next: usize,
}

/// How many evaluations [`RecentEvaluations`] keeps: the `2N` central
/// differences of the gradient at the optimum (N ≤ 5), and a few more.
const RECENT_EVALUATIONS: usize = 12;

impl<const N: usize> RecentEvaluations<N> {
    /// The value at `theta`, with its gradient written to `grad`, if kept.
    pub(crate) fn get(&self, theta: &[f64; N], grad: &mut [f64; N]) -> Option<f64> {
        let key = theta.map(f64::to_bits);
        let &(_, v, g) = self.entries.iter().find(|e| e.0 == key)?;
        *grad = g;
        Some(v)
    }

    /// Keeps an evaluation, in place of the oldest when full.
    pub(crate) fn put(&mut self, theta: &[f64; N], value: f64, grad: &[f64; N]) {
        let entry = (theta.map(f64::to_bits), value, *grad);
        if self.entries.len() < RECENT_EVALUATIONS {
            self.entries.push(entry);
        } else {
            self.entries[self.next] = entry;
            self.next = (self.next + 1) % RECENT_EVALUATIONS;
        }
    }
}

/// The best of the watched rays' limits computed so far, if any.
fn best_watched<const N: usize>(
    watched: &std::cell::RefCell<Vec<Option<Option<Minimum<N>>>>>,
) -> Option<Minimum<N>> {
    watched
        .borrow()
        .iter()
        .flatten()
        .flatten()
        .min_by(|u, v| u.value.total_cmp(&v.value))
        .cloned()
}

fn fit_log_params_with<const N: usize>(
    problem: &Problem<N>,
    options: &FitOptions,
    nll: impl Fn(&[f64; N], &mut [f64; N]) -> f64,
    value: Option<&ValueFn<'_, N>>,
    curvature: Option<Curvature<'_, N>>,
    face_bound: Option<&FaceBound<'_, N>>,
    log_likelihood: impl Fn(&[f64; N]) -> f64,
) -> Result<Fitted<N>> {
    let penalty = options.get_penalty();
    penalty.check()?;
    let user_start = options.get_start();
    let start = match user_start {
        Some(start) => problem.start(start, options.start_len().unwrap_or(0))?,
        None => [0.0; N],
    };
    let weight = problem.weight;
    // A deterministic budget of objective evaluations bounds the fit's time
    // (FitOptions::max_evaluations): once spent, the objective is +∞, so
    // line searches fail at once and the best point so far is kept.
    let evaluations = std::cell::Cell::new(0_usize);
    let budget = options.get_max_evaluations();
    let objective = |th: &[f64; N], g: &mut [f64; N]| {
        evaluations.set(evaluations.get() + 1);
        if evaluations.get() > budget {
            *g = [0.0; N];
            return f64::INFINITY;
        }
        let value = nll(th, g);
        let (fit, fit_jac) = problem.fit_scale(th);
        let natural = Natural {
            data: problem.to_data(fit),
            data_jac: problem.to_data(fit_jac),
            fit,
            fit_jac,
        };
        penalty.apply(value, g, weight, &natural)
    };
    // The same objective's value alone, for the face probes.
    let evaluations_ref = &evaluations;
    let probe = value.map(|value| {
        move |th: &[f64; N]| {
            let evaluations = evaluations_ref;
            evaluations.set(evaluations.get() + 1);
            if evaluations.get() > budget {
                return f64::INFINITY;
            }
            let v = value(th);
            let (fit, fit_jac) = problem.fit_scale(th);
            let natural = Natural {
                data: problem.to_data(fit),
                data_jac: problem.to_data(fit_jac),
                fit,
                fit_jac,
            };
            penalty.apply(v, &mut [0.0; N], weight, &natural)
        }
    });
    let probe = probe.as_ref().map(|p| p as &ValueFn<'_, N>);
    let to_data = |theta: &[f64; N]| problem.to_data(problem.fit_scale(theta).0);
    // A nested model's maximum on a face (`NestedLimit`): its objective,
    // and a stop for the optimiser once it is on the ridge towards it and
    // no better than it (a creep along a flat ridge costs hundreds of
    // evaluations and ends at the same limit).
    let nested = problem.nested_limit.and_then(|limit| {
        let mut g = [0.0; N];
        let probe = objective(&limit.probe, &mut g);
        let value = objective(&limit.theta, &mut g);
        (value.is_finite() && probe > value).then_some(Minimum {
            theta: limit.theta,
            value,
            iterations: 0,
            gradient: g,
        })
    });
    let curvature =
        curvature.filter(|_| matches!(penalty, Penalty::None) && problem.nested_limit.is_none());
    // The objective is the negative log-likelihood in the data's units plus
    // this constant (the time scaling's Jacobian): its rounding is on the
    // scale of the former, which may be thousands where the objective is
    // near 0, and so is the optimiser's flat-objective stop
    // ([`bfgs_shifted`]).
    let shift = problem.log_likelihood_shift;
    let mut known: Option<KnownHessian<N>> = None;
    let on_ridge = std::cell::Cell::new(false);
    // The watched rays' limits (`RayWatch`), each computed the first time
    // a minimisation is out along its rays, by the set of watches (bit `k`
    // for `watches[k]`): `Some(None)` when it was computed and is not a
    // local supremum along its rays, or did not converge. Under a penalty
    // the same rules hold for the penalised objective (whose limits are
    // only better when the penalty is 0).
    let watches: &[RayWatch] = if problem.nested_limit.is_none() {
        problem.watches
    } else {
        &[]
    };
    let watched = std::cell::RefCell::new(vec![None::<Option<Minimum<N>>>; 1 << watches.len()]);
    // The limit on the faces of the watches in `set`, from `from`. When
    // the minimisation on those faces goes out along another watched ray
    // (heading out: two limits at once, BG/NBD's Poisson purchases and
    // one dropout probability for all), it starts again on the faces of
    // both from there.
    let watched_limit = |mut set: usize, from: &[f64; N]| {
        let mut from = *from;
        loop {
            let rays: Vec<&[(usize, crate::btyd::status::Direction)]> = watches
                .iter()
                .enumerate()
                .filter(|(k, _)| set & (1 << k) != 0)
                .map(|(_, w)| w.coords)
                .collect();
            let escape = std::cell::Cell::new(None::<(usize, [f64; N])>);
            let guarded = |th: &[f64; N], g: &mut [f64; N]| {
                if escape.get().is_some() {
                    *g = [0.0; N];
                    return f64::INFINITY;
                }
                let v = objective(th, g);
                let out = watches
                    .iter()
                    .enumerate()
                    .find(|(k, w)| set & (1 << k) == 0 && w.reached(th) && w.outward(g) < 0.0);
                if let Some((k, _)) = out {
                    escape.set(Some((k, *th)));
                    *g = [0.0; N];
                    return f64::INFINITY;
                }
                v
            };
            let limit = limit_on_rays(
                &guarded,
                &from,
                &rays,
                options.get_max_iterations(),
                options.get_tolerance(),
                shift,
            );
            if let Some((k, at)) = escape.get() {
                set |= 1 << k;
                from = at;
                continue;
            }
            let limit = limit?;
            let mut g = [0.0; N];
            let above = watches
                .iter()
                .enumerate()
                .filter(|(k, _)| set & (1 << k) != 0)
                .flat_map(|(_, w)| ray_probes(&limit.theta, w))
                .all(|p| {
                    let v = match probe {
                        Some(probe) => probe(&p),
                        None => objective(&p, &mut g),
                    };
                    v > limit.value
                });
            return above.then_some(limit);
        }
    };
    // The limit of the watched rays that `theta` (objective `value`,
    // gradient `g`) is out along, heading further out (the objective falls
    // that way), if it is no better than that limit (to NESTED_WITHIN);
    // computes each set's limit the first time.
    let stop_on_ray = |theta: &[f64; N], value: f64, g: &[f64; N]| {
        let set = watches
            .iter()
            .enumerate()
            .filter(|(_, w)| w.reached(theta) && w.outward(g) < 0.0)
            .fold(0_usize, |set, (k, _)| set | (1 << k));
        if set == 0 {
            return None;
        }
        // Not borrowed while computed: the limit's own minimisation
        // evaluates `objective`, never this.
        let known = watched.borrow()[set].clone();
        let face = known.unwrap_or_else(|| {
            let face = watched_limit(set, theta);
            watched.borrow_mut()[set] = Some(face.clone());
            face
        });
        face.filter(|face| value >= face.value - NESTED_WITHIN)
    };
    let found = if let Some(curvature) = &curvature {
        let counted = |th: &[f64; N], g: &mut [f64; N], h: &mut [[f64; N]; N]| {
            evaluations.set(evaluations.get() + 1);
            if evaluations.get() > budget {
                *g = [0.0; N];
                return f64::INFINITY;
            }
            (curvature.hessian)(th, g, h)
        };
        let newton = |th: [f64; N]| {
            if problem.damped_newton {
                newton_damped(&counted, th, DAMPED_NEWTON_ITERATIONS)
            } else {
                newton(&counted, th, NEWTON_ITERATIONS)
            }
        };
        let hinted = match (curvature.hint, user_start) {
            (Some(hint), None) => newton(hint),
            _ => None,
        };
        match hinted {
            Some((min, hess)) => {
                known = Some((min.theta, hess));
                Ok(min)
            }
            None => {
                // As without curvature: BFGS stops once it is out along a
                // watched ray whose limit is the better answer.
                let first = |th: &[f64; N], g: &mut [f64; N]| {
                    if on_ridge.get() {
                        *g = [0.0; N];
                        return f64::INFINITY;
                    }
                    let value = objective(th, g);
                    if stop_on_ray(th, value, g).is_some() {
                        on_ridge.set(true);
                        *g = [0.0; N];
                        return f64::INFINITY;
                    }
                    value
                };
                let found = {
                    // Newton from the hand-over point, kept when it ends no
                    // higher than that point (to rounding).
                    let mut finish = |at: &Minimum<N>| {
                        let (polished, hess) = newton(at.theta)?;
                        (polished.value <= at.value + 1e-9 * at.value.abs().max(1.0)).then(|| {
                            known = Some((polished.theta, hess));
                            Minimum {
                                iterations: at.iterations + polished.iterations,
                                ..polished
                            }
                        })
                    };
                    let handoff: Option<Handoff<'_, N>> = problem
                        .newton_handoff
                        .map(|level| (level, &mut finish as &mut dyn FnMut(&Minimum<N>) -> _));
                    bfgs_handoff(
                        &first,
                        start,
                        options.get_max_iterations(),
                        options.get_tolerance(),
                        shift,
                        handoff,
                    )
                };
                let (iterations, value) = match &found {
                    Ok(m) => (m.iterations, m.value),
                    Err(stopped) => (stopped.best.iterations, stopped.best.value),
                };
                let limit = best_watched(&watched);
                match limit {
                    // The best watched limit is where the boundary check
                    // starts when BFGS went out along its ray or ended no
                    // better than it; a Newton Hessian of another point
                    // does not carry over.
                    Some(face) if on_ridge.get() || value >= face.value - NESTED_WITHIN => {
                        known = None;
                        Ok(Minimum {
                            iterations: iterations + face.iterations,
                            ..face
                        })
                    }
                    _ if on_ridge.get() => {
                        known = None;
                        bfgs(
                            &objective,
                            start,
                            options.get_max_iterations(),
                            options.get_tolerance(),
                        )
                    }
                    _ => match found {
                        Ok(min) if known.is_some() => Ok(min),
                        Ok(min) => match newton(min.theta) {
                            Some((polished, hess))
                                if polished.value
                                    <= min.value + 1e-9 * min.value.abs().max(1.0) =>
                            {
                                known = Some((polished.theta, hess));
                                Ok(Minimum {
                                    iterations: min.iterations + polished.iterations,
                                    ..polished
                                })
                            }
                            _ => Ok(min),
                        },
                        Err(stopped) => Err(stopped),
                    },
                }
            }
        }
    } else {
        let first = |th: &[f64; N], g: &mut [f64; N]| {
            if on_ridge.get() {
                *g = [0.0; N];
                return f64::INFINITY;
            }
            let value = objective(th, g);
            if let (Some(limit), Some(face)) = (problem.nested_limit, &nested) {
                let (k, level) = limit.ridge;
                if th[k] <= level && value >= face.value - NESTED_WITHIN {
                    on_ridge.set(true);
                    *g = [0.0; N];
                    return f64::INFINITY;
                }
            }
            if stop_on_ray(th, value, g).is_some() {
                on_ridge.set(true);
                *g = [0.0; N];
                return f64::INFINITY;
            }
            value
        };
        let found = bfgs_shifted(
            first,
            start,
            options.get_max_iterations(),
            options.get_tolerance(),
            shift,
        );
        let (iterations, value) = match &found {
            Ok(m) => (m.iterations, m.value),
            Err(stopped) => (stopped.best.iterations, stopped.best.value),
        };
        // The nested limit is the answer when the optimiser went to its ridge
        // or ended no better than it (to NESTED_WITHIN).
        if let Some(face) = nested.clone() {
            if on_ridge.get() || value >= face.value - NESTED_WITHIN {
                let min = Minimum { iterations, ..face };
                let status = status_at(&objective, &min, problem.rays, problem.names, None);
                if matches!(status, FitStatus::Boundary { .. }) {
                    let natural = to_data(&min.theta);
                    return Ok(Fitted {
                        natural,
                        covariance: None,
                        log_likelihood: log_likelihood(&natural),
                        gradient: min.gradient,
                        iterations,
                        status,
                    });
                }
            }
        }
        // The best watched limit is where the boundary check starts when
        // the optimiser went out along its ray or ended no better than it.
        let limit = best_watched(&watched);
        match limit {
            Some(face) if on_ridge.get() || value >= face.value - NESTED_WITHIN => Ok(Minimum {
                iterations: iterations + face.iterations,
                ..face
            }),
            // The limit was not a boundary answer after all (not
            // expected): minimise without the ridge stop.
            _ if on_ridge.get() => bfgs(
                objective,
                start,
                options.get_max_iterations(),
                options.get_tolerance(),
            ),
            _ => found,
        }
    };
    let min = match found {
        Ok(min) => min,
        Err(stopped) => {
            let best = stopped.best;
            let natural = to_data(&best.theta);
            if !best.value.is_finite() && user_start.is_some() {
                return Err(Error::InvalidParameter {
                    name: "start",
                    value: format!("{natural:?}"),
                    reason: "the objective is not finite there",
                });
            }
            let ll = log_likelihood(&natural);
            if options.get_keep_unconverged() && best.value.is_finite() && ll.is_finite() {
                return Ok(Fitted {
                    natural,
                    covariance: None,
                    log_likelihood: ll,
                    gradient: best.gradient,
                    iterations: best.iterations,
                    status: FitStatus::NotConverged,
                });
            }
            return Err(Error::NotConverged {
                what: problem.what,
                failure: Box::new(ConvergenceFailure {
                    names: problem.names.to_vec(),
                    parameters: natural.to_vec(),
                    log_likelihood: ll,
                    gradient: best.gradient.to_vec(),
                    iterations: best.iterations,
                    reason: if evaluations.get() > budget {
                        format!("the evaluation budget of {budget} was spent")
                    } else {
                        stopped.reason.to_string()
                    },
                }),
            });
        }
    };
    // Boundary answers: try the limits along the model's rays, name what
    // diverges; `Interior` only at a positive definite Hessian.
    // The face bound is of the unpenalised objective: only with a curvature
    // (which needs no penalty).
    let face_bound =
        curvature.as_ref().and_then(|c| c.face_bound).or(face_bound
            .filter(|_| matches!(penalty, Penalty::None) && problem.nested_limit.is_none()));
    let (min, status) = settle_probed(
        &objective,
        probe,
        min,
        problem.rays,
        problem.names,
        options.get_max_iterations(),
        options.get_tolerance(),
        known.as_ref(),
        face_bound,
    );
    // A boundary answer may be a local supremum on one face while another
    // limit is better (BG/NBD on a log without dropout: `a → 0, b → ∞`
    // against `a, b → 0`). Deterministic restarts: from the default start
    // (all parameters 1 on the fitting scale) with the coordinates of each
    // ray of several coordinates set 15 units out along it (`e^{±15}`,
    // equal, so their ratios start at 1), minimised and settled; the
    // lowest objective wins.
    let (min, status) = if problem.restart_rays && matches!(status, FitStatus::Boundary { .. }) {
        let mut best = (min, status);
        for ray in problem.rays.iter().filter(|r| r.coords.len() > 1) {
            let mut start = [0.0; N];
            for &(i, d) in ray.coords {
                start[i] = match d {
                    crate::btyd::status::Direction::ToZero => -15.0,
                    crate::btyd::status::Direction::ToInfinity => 15.0,
                };
            }
            // At most 200 iterations, as settle's face re-minimisations: a
            // restart that creeps along a ridge is not the better answer.
            // Under an evaluation cap, a restart that spent it stands for
            // the best point it reached.
            let spent = std::cell::Cell::new(0_usize);
            let cap = problem.restart_evaluations.unwrap_or(usize::MAX);
            // No watched ray stops a restart: it starts out along a ray on
            // purpose, to look for a better basin from there.
            let capped = |th: &[f64; N], g: &mut [f64; N]| {
                spent.set(spent.get() + 1);
                if spent.get() > cap {
                    *g = [0.0; N];
                    return f64::INFINITY;
                }
                objective(th, g)
            };
            let again = match bfgs(
                capped,
                start,
                options.get_max_iterations().min(200),
                options.get_tolerance(),
            ) {
                Ok(again) => again,
                Err(stopped) if spent.get() > cap && stopped.best.value.is_finite() => stopped.best,
                Err(_) => continue,
            };
            let scale = best.0.value.abs().max(1.0);
            if again.value < best.0.value - 1e-9 * scale {
                let iterations = best.0.iterations + again.iterations;
                let (m, s) = settle_probed(
                    &objective,
                    probe,
                    again,
                    problem.rays,
                    problem.names,
                    options.get_max_iterations(),
                    options.get_tolerance(),
                    None,
                    face_bound,
                );
                if s != FitStatus::NotConverged && m.value < best.0.value {
                    best = (Minimum { iterations, ..m }, s);
                }
            }
        }
        best
    } else {
        (min, status)
    };
    let natural = to_data(&min.theta);
    if status == FitStatus::NotConverged {
        let ll = log_likelihood(&natural);
        if options.get_keep_unconverged() && ll.is_finite() {
            return Ok(Fitted {
                natural,
                covariance: None,
                log_likelihood: ll,
                gradient: min.gradient,
                iterations: min.iterations,
                status,
            });
        }
        return Err(Error::NotConverged {
            what: problem.what,
            failure: Box::new(ConvergenceFailure {
                names: problem.names.to_vec(),
                parameters: natural.to_vec(),
                log_likelihood: ll,
                gradient: min.gradient.to_vec(),
                iterations: min.iterations,
                reason: if evaluations.get() > budget {
                    format!("the evaluation budget of {budget} was spent")
                } else {
                    "the gradient vanishes but the Hessian is not positive definite and no \
                     limit on the boundary is as good"
                        .to_string()
                },
            }),
        });
    }
    let (_, fit_jac) = problem.fit_scale(&min.theta);
    // At a boundary the report drops the covariance: do not compute it.
    let covariance = if status.is_interior() {
        match &known {
            Some((theta, hess)) if *theta == min.theta => {
                covariance_of_hessian(*hess, &problem.to_data(fit_jac))
            }
            _ => covariance(objective, &min.theta, &problem.to_data(fit_jac)),
        }
    } else {
        None
    };
    let log_likelihood = match (penalty, problem.log_likelihood_shift) {
        (Penalty::None, Some(shift)) if min.value.is_finite() => shift - min.value,
        _ => log_likelihood(&natural),
    };
    Ok(Fitted {
        natural,
        covariance,
        log_likelihood,
        gradient: min.gradient,
        iterations: min.iterations,
        status,
    })
}

/// The builder methods every fitter shares, for a fitter struct with an
/// `options: FitOptions` field and a `new()`.
macro_rules! fit_options_builder {
    () => {
        /// The fitter with these options (see
        /// [`FitOptions`](crate::btyd::FitOptions)).
        pub fn with_options(options: crate::btyd::FitOptions) -> Self {
            Self::new().options(options)
        }

        /// Replaces the fitting options (iteration cap, penalty, tolerance,
        /// start, whether an unconverged fit is an error).
        pub fn options(mut self, options: crate::btyd::FitOptions) -> Self {
            self.options = options;
            self
        }

        /// The fitting options.
        pub fn fit_options(&self) -> &crate::btyd::FitOptions {
            &self.options
        }

        /// Caps the optimiser's iterations (default 1000); shorthand for
        /// [`FitOptions::max_iterations`](crate::btyd::FitOptions::max_iterations).
        pub fn max_iterations(mut self, n: usize) -> Self {
            self.options = self.options.max_iterations(n);
            self
        }

        /// Adds an L2 penalty to the objective
        /// ([`Penalty`](crate::btyd::Penalty)); fitting rejects a negative
        /// or non-finite λ. Shorthand for
        /// [`FitOptions::penalty`](crate::btyd::FitOptions::penalty).
        pub fn penalty(mut self, penalty: crate::btyd::Penalty) -> Self {
            self.options = self.options.penalty(penalty);
            self
        }
    };
}
pub(crate) use fit_options_builder;
