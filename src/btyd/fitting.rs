//! The fitting skeleton every model shares (FORMULAS.md 8.8): weighted
//! rows, time scaling, the penalised objective, BFGS from all-ones in
//! log-parameters, and the covariance at the optimum.

use crate::btyd::input::Row;
use crate::btyd::optim::{bfgs, covariance};
use crate::btyd::penalty::{Natural, Penalty};
use crate::{Error, Result};

/// What [`fit_log_params`] found: the natural parameters in the data's
/// units and their covariance (delta method), if the Hessian is positive
/// definite.
pub(crate) struct Fitted<const N: usize> {
    pub natural: [f64; N],
    pub covariance: Option<[[f64; N]; N]>,
    pub iterations: usize,
}

/// The total weight of compressed rows; an error naming `what` unless it
/// is > 0.
pub(crate) fn total_weight(what: &'static str, rows: &[Row]) -> Result<f64> {
    let customers: f64 = rows.iter().map(|r| r.w).sum();
    if customers > 0.0 {
        Ok(customers)
    } else {
        Err(Error::InvalidValue {
            what,
            reason: "total weight must be > 0".into(),
        })
    }
}

/// Minimises `nll` (the total negative log-likelihood of the data as the
/// objective sees it, and its gradient, in `θ = ln(parameters)` on the
/// fitting scale) plus `penalty`, from `θ = 0`.
///
/// The parameters flagged in `carries_time` carry the time unit (α, β):
/// the objective works on times multiplied by `c = scale`, so its value
/// `φ_c` is `φ·c` for the parameter `φ` in the data's units (FORMULAS.md
/// 8.8 time scaling; `scale = 1` for models fitted in the data's units). `weight` is Σ w, which `Penalty::LifetimesL2`
/// divides by.
///
/// # Errors
///
/// A negative or non-finite penalty λ; a fit that does not converge
/// ([`bfgs`]'s typed error naming `what`).
pub(crate) fn fit_log_params<const N: usize>(
    what: &'static str,
    weight: f64,
    scale: f64,
    carries_time: [bool; N],
    penalty: Penalty,
    max_iterations: usize,
    nll: impl Fn(&[f64; N], &mut [f64; N]) -> f64,
) -> Result<Fitted<N>> {
    penalty.check()?;
    let to_data = |fit: [f64; N]| -> [f64; N] {
        std::array::from_fn(|k| {
            if carries_time[k] {
                fit[k] / scale
            } else {
                fit[k]
            }
        })
    };
    let objective = |th: &[f64; N], g: &mut [f64; N]| {
        let value = nll(th, g);
        let fit = th.map(f64::exp);
        let data = to_data(fit);
        let natural = Natural {
            data,
            data_jac: data,
            fit,
            fit_jac: fit,
        };
        penalty.apply(value, g, weight, &natural)
    };
    let min = bfgs(what, objective, [0.0; N], max_iterations)?;
    let natural = to_data(min.theta.map(f64::exp));
    let covariance = covariance(objective, &min.theta, &natural);
    Ok(Fitted {
        natural,
        covariance,
        iterations: min.iterations,
    })
}
