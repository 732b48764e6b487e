//! An optional L2 penalty on a model's parameters ([spec](crate::btyd::spec#l2-penalty)).
// Parallel arrays of parameters read best with explicit indices.
#![allow(clippy::needless_range_loop)]

use crate::{Error, Result};

/// An L2 penalty added to a fit's objective, shrinking the parameters
/// towards 0 ([spec](crate::btyd::spec#l2-penalty) \[L\]).
///
/// ```text
/// L2 { λ }           minimise  −Σ_g w_g ℓ_g  +  λ·Σ_k φ_k²     φ: the natural parameters in the data's units
/// LifetimesL2 { λ }  minimise  −(1/W)·Σ_g w_g ℓ_g  +  λ·Σ_k φ_k²   φ on the fitting scale (α, β, γ
///                                                                 divided by max T), W = Σ w:
///                                                                 Python lifetimes' `penalizer_coef`
/// ```
///
/// The crate's own form penalises the total negative log-likelihood in the
/// data's units, so its strength does not depend on the number of customers'
/// rows or on the time scaling; `LifetimesL2` reproduces lifetimes'
/// objective for comparisons (lifetimes divides its Pareto/NBD objective by
/// the mean row weight instead of the total, [spec](crate::btyd::spec#l2-penalty); this crate
/// uses the total for every model). A fit's reported log-likelihood is always the
/// unpenalised one at the penalised optimum; its standard errors come from
/// the penalised objective's Hessian.
///
/// # Example
///
/// ```
/// use customer_value::CustomerId;
/// use customer_value::btyd::{BgNbd, CustomerHistory, Penalty};
///
/// let population: Vec<CustomerHistory> = (0..300u32)
///     .map(|i| CustomerHistory::new(CustomerId::new(u64::from(i)), i % 5, f64::from(i % 5) * 4.0, 30.0))
///     .collect::<Result<_, _>>()?;
/// let free = BgNbd::new().fit_detailed(&population)?;
/// let shrunk = BgNbd::new().penalty(Penalty::L2 { lambda: 2.0 }).fit_detailed(&population)?;
/// let size = |p: &customer_value::btyd::BgNbdParams| p.r().powi(2) + p.alpha().powi(2) + p.a().powi(2) + p.b().powi(2);
/// assert!(size(shrunk.params()) < size(free.params())); // pulled towards 0
/// assert!(shrunk.log_likelihood() <= free.log_likelihood());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Penalty {
    /// No penalty: maximum likelihood.
    #[default]
    None,
    /// `λ·Σφ²` on the total negative log-likelihood, parameters in the
    /// data's units.
    L2 {
        /// λ >= 0.
        lambda: f64,
    },
    /// Python lifetimes' form: mean negative log-likelihood plus `λ·Σφ²` on
    /// the fitting scale.
    LifetimesL2 {
        /// λ >= 0.
        lambda: f64,
    },
}

/// The parameters as the penalty sees them: values and their derivatives
/// with respect to the optimiser's coordinates.
pub(crate) struct Natural<const N: usize> {
    /// In the data's units.
    pub data: [f64; N],
    /// d data / d theta.
    pub data_jac: [f64; N],
    /// On the fitting scale.
    pub fit: [f64; N],
    /// d fit / d theta.
    pub fit_jac: [f64; N],
}

impl Penalty {
    /// Rejects a negative, NaN or infinite λ.
    pub(crate) fn check(&self) -> Result<()> {
        match *self {
            Penalty::None => Ok(()),
            Penalty::L2 { lambda } | Penalty::LifetimesL2 { lambda } => {
                if lambda.is_finite() && lambda >= 0.0 {
                    Ok(())
                } else {
                    Err(Error::InvalidParameter {
                        name: "lambda",
                        value: lambda.to_string(),
                        reason: "the L2 penalty must be finite and >= 0",
                    })
                }
            }
        }
    }

    /// The penalised objective from the total negative log-likelihood
    /// `nll` and its gradient (updated in place), `weight` = Σ w.
    pub(crate) fn apply<const N: usize>(
        &self,
        nll: f64,
        grad: &mut [f64; N],
        weight: f64,
        natural: &Natural<N>,
    ) -> f64 {
        match *self {
            Penalty::None => nll,
            Penalty::L2 { lambda } => {
                let mut value = nll;
                for k in 0..N {
                    value += lambda * natural.data[k] * natural.data[k];
                    grad[k] += 2.0 * lambda * natural.data[k] * natural.data_jac[k];
                }
                value
            }
            Penalty::LifetimesL2 { lambda } => {
                let mut value = nll / weight;
                for k in 0..N {
                    grad[k] /= weight;
                    value += lambda * natural.fit[k] * natural.fit[k];
                    grad[k] += 2.0 * lambda * natural.fit[k] * natural.fit_jac[k];
                }
                value
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_is_checked() {
        assert!(Penalty::None.check().is_ok());
        assert!(Penalty::L2 { lambda: 0.5 }.check().is_ok());
        assert!(Penalty::L2 { lambda: -0.1 }.check().is_err());
        assert!(Penalty::LifetimesL2 { lambda: f64::NAN }.check().is_err());
    }

    #[test]
    fn gradient_matches_finite_differences() {
        // φ = (e^θ0, 2e^θ1) in data units, (e^θ0, e^θ1) on the fitting scale.
        let natural = |th: [f64; 2]| Natural {
            data: [th[0].exp(), 2.0 * th[1].exp()],
            data_jac: [th[0].exp(), 2.0 * th[1].exp()],
            fit: [th[0].exp(), th[1].exp()],
            fit_jac: [th[0].exp(), th[1].exp()],
        };
        for penalty in [
            Penalty::L2 { lambda: 0.3 },
            Penalty::LifetimesL2 { lambda: 0.3 },
        ] {
            let f = |th: [f64; 2], g: &mut [f64; 2]| {
                // nll = θ0² + θ1, gradient (2θ0, 1)
                *g = [2.0 * th[0], 1.0];
                penalty.apply(th[0] * th[0] + th[1], g, 7.0, &natural(th))
            };
            let th = [0.3, -0.2];
            let mut g = [0.0; 2];
            f(th, &mut g);
            for k in 0..2 {
                let (mut p, mut m) = (th, th);
                p[k] += 1e-6;
                m[k] -= 1e-6;
                let mut scratch = [0.0; 2];
                let fd = (f(p, &mut scratch) - f(m, &mut scratch)) / 2e-6;
                assert!(
                    (fd - g[k]).abs() < 1e-6,
                    "{penalty:?} k={k}: {fd} vs {}",
                    g[k]
                );
            }
        }
    }
}
