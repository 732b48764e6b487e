//! One fit report for every BTYD model: the parameters, their standard
//! errors and covariance (or why there are none), the log-likelihood with
//! AIC and BIC, the work done, the data's size, and how the fit ended.

use crate::btyd::fitting::Fitted;
use crate::btyd::optim::std_errors_of;
use crate::btyd::status::FitStatus;
use crate::btyd::{
    BgBbParams, BgNbdParams, GammaGammaParams, GgomNbdParams, MbgNbdParams, ParetoNbdParams,
    SbgParams,
};
use crate::{Error, Result};

mod sealed {
    pub trait Sealed {}
}

/// The parameters of a BTYD model as a fixed-size vector: their names and
/// values in the model's order, and validated construction from values.
///
/// Implemented by the six models' parameter types (and sealed), so that
/// [`FitReport`] can name, count and validate them generically.
pub trait ModelParameters<const N: usize>: Sized + sealed::Sealed {
    /// The names, as the parameter type's accessors and serialised fields
    /// spell them (`["r", "alpha", "a", "b"]` for BG/NBD).
    const NAMES: [&'static str; N];
    /// The values in the order of [`NAMES`](Self::NAMES).
    fn values(&self) -> [f64; N];
    /// The parameters from values in the order of [`NAMES`](Self::NAMES).
    ///
    /// # Errors
    ///
    /// As the type's `new`: [`Error::InvalidParameter`] for a value that
    /// is not finite and > 0.
    fn from_values(values: [f64; N]) -> Result<Self>;
}

macro_rules! model_parameters {
    ($ty:ty, $n:literal, [$($name:ident),+]) => {
        impl sealed::Sealed for $ty {}
        impl ModelParameters<$n> for $ty {
            const NAMES: [&'static str; $n] = [$(stringify!($name)),+];
            fn values(&self) -> [f64; $n] {
                [$(self.$name()),+]
            }
            fn from_values(values: [f64; $n]) -> Result<Self> {
                let [$($name),+] = values;
                <$ty>::new($($name),+)
            }
        }
    };
}

model_parameters!(BgNbdParams, 4, [r, alpha, a, b]);
model_parameters!(MbgNbdParams, 4, [r, alpha, a, b]);
model_parameters!(ParetoNbdParams, 4, [r, alpha, s, beta]);
model_parameters!(GammaGammaParams, 3, [p, q, gamma]);
model_parameters!(BgBbParams, 4, [alpha, beta, gamma, delta]);
model_parameters!(SbgParams, 2, [alpha, beta]);
model_parameters!(GgomNbdParams, 5, [r, alpha, b, s, beta]);

/// Why a [`FitReport`] has no standard errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum StdErrorsUnavailable {
    /// The fit ended on the boundary of the parameter space
    /// ([`FitStatus::Boundary`]): some parameter runs off to 0 or ∞, so
    /// the asymptotic normal approximation behind standard errors does not
    /// hold.
    Boundary,
    /// The Hessian of the objective at the optimum is not positive
    /// definite (numerically): the maximum is flat in some direction, so
    /// the parameters are not identified to the data's precision.
    HessianNotPositiveDefinite,
    /// The fit did not converge ([`FitStatus::NotConverged`]): the point
    /// is not a maximum.
    NotConverged,
}

impl std::fmt::Display for StdErrorsUnavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StdErrorsUnavailable::Boundary => {
                "the fit ended on the boundary of the parameter space"
            }
            StdErrorsUnavailable::HessianNotPositiveDefinite => {
                "the Hessian at the optimum is not positive definite"
            }
            StdErrorsUnavailable::NotConverged => "the fit did not converge",
        })
    }
}

/// What a maximum-likelihood fit of a BTYD model found: one type for every
/// model, `P` its parameter type and `N` their number.
///
/// - [`params`](Self::params): the estimate, in the data's units.
/// - [`covariance`](Self::covariance) and
///   [`std_errors`](Self::std_errors): the delta-method covariance
///   `Cov(φ_i, φ_j) = φ_i φ_j (H⁻¹)_ij`, with `H` a central-difference
///   Hessian (step `10⁻⁶`) of the analytic gradient of the objective in
///   the log-parameters (for a penalised fit, of the penalised objective),
///   symmetrised; `None` with the reason in
///   [`std_errors_unavailable`](Self::std_errors_unavailable) at a
///   boundary, when that Hessian is not positive definite, or when the fit
///   did not converge.
/// - [`log_likelihood`](Self::log_likelihood): the unpenalised total
///   (weighted) log-likelihood at the estimate, in the data's units; with
///   `k = N` parameters and `n` the total weight of the customers fitted
///   on ([`customers`](Self::customers)), Akaike's
///   [`aic`](Self::aic) `= 2k − 2·LL` (Akaike 1974) and Schwarz's
///   [`bic`](Self::bic) `= k·ln n − 2·LL` (Schwarz 1978). Taking `n` as
///   customers, not rows or purchases, is this crate's convention \[L\]:
///   the customers are the independent observations.
/// - [`iterations`](Self::iterations), [`customers`](Self::customers),
///   [`rows`](Self::rows) (distinct histories after grouping; cohorts for
///   sBG), and [`status`](Self::status).
///
/// The models' names for it are aliases: [`BgNbdFit`](crate::btyd::BgNbdFit),
/// [`MbgNbdFit`](crate::btyd::MbgNbdFit),
/// [`ParetoNbdFit`](crate::btyd::ParetoNbdFit),
/// [`GammaGammaFit`](crate::btyd::GammaGammaFit),
/// [`BgBbFit`](crate::btyd::BgBbFit), [`SbgFit`](crate::btyd::SbgFit).
///
/// With the `serde` feature it serialises as an object with `params` (the
/// parameter type's own form), `names`, `std_errors` (by name, or null),
/// `std_errors_unavailable`, `covariance` (rows in the order of `names`),
/// `log_likelihood`, `aic`, `bic`, `iterations`, `customers`, `rows` and
/// `status`; reading one back checks the names, the parameters, that the
/// covariance is `N × N`, finite and symmetric with a non-negative
/// diagonal, and that the numbers are finite and in range (`aic`, `bic`,
/// `std_errors` and `std_errors_unavailable` are recomputed).
///
/// # Example
///
/// ```
/// use customer_value::btyd::{Cohort, FitStatus, Sbg};
///
/// let fit = Sbg::new().fit_cohort(&Cohort::new(0, vec![1000, 631, 468, 382, 326, 289, 262, 241])?)?;
/// assert_eq!(fit.names(), ["alpha", "beta"]);
/// assert_eq!(*fit.status(), FitStatus::Interior);
/// let k = 2.0;
/// assert!((fit.aic() - (2.0 * k - 2.0 * fit.log_likelihood())).abs() < 1e-9);
/// assert!((fit.bic() - (k * fit.customers().ln() - 2.0 * fit.log_likelihood())).abs() < 1e-9);
/// let cov = fit.covariance().unwrap();
/// assert_eq!(cov[0][1], cov[1][0]);
/// assert_eq!(fit.std_errors().unwrap()[0], cov[0][0].sqrt());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FitReport<P, const N: usize> {
    params: P,
    names: [&'static str; N],
    covariance: Option<[[f64; N]; N]>,
    log_likelihood: f64,
    iterations: usize,
    customers: f64,
    rows: usize,
    status: FitStatus,
}

impl<P: ModelParameters<N>, const N: usize> FitReport<P, N> {
    /// The report of what [`fit_log_params`](crate::btyd::fitting) found
    /// on `customers` (total weight) in `rows` rows.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] naming `what` when the parameters are out of
    /// range (overflowed) or the log-likelihood there is not finite.
    pub(crate) fn from_fitted(
        what: &'static str,
        fitted: Fitted<N>,
        customers: f64,
        rows: usize,
    ) -> Result<Self> {
        let params = P::from_values(fitted.natural).map_err(|e| Error::InvalidValue {
            what,
            reason: format!("fitted parameters out of range: {e}"),
        })?;
        if !fitted.log_likelihood.is_finite() {
            return Err(Error::InvalidValue {
                what,
                reason: format!(
                    "log-likelihood not finite at the fit: {}",
                    fitted.log_likelihood
                ),
            });
        }
        let covariance = if fitted.status.is_interior() {
            fitted.covariance
        } else {
            None
        };
        Ok(Self {
            params,
            names: P::NAMES,
            covariance,
            log_likelihood: fitted.log_likelihood,
            iterations: fitted.iterations,
            customers,
            rows,
            status: fitted.status,
        })
    }
}

impl<P, const N: usize> FitReport<P, N> {
    /// The estimated parameters, in the data's units.
    pub fn params(&self) -> &P {
        &self.params
    }
    /// The estimated parameters, by value.
    pub fn into_params(self) -> P {
        self.params
    }
    /// The parameter names, in the order of [`std_errors`](Self::std_errors)
    /// and [`covariance`](Self::covariance).
    pub fn names(&self) -> [&'static str; N] {
        self.names
    }
    /// Standard errors: the square roots of the covariance's diagonal;
    /// `None` exactly when [`covariance`](Self::covariance) is, with the
    /// reason in [`std_errors_unavailable`](Self::std_errors_unavailable).
    pub fn std_errors(&self) -> Option<[f64; N]> {
        self.covariance.as_ref().map(std_errors_of)
    }
    /// Why there are no standard errors, or `None` when there are.
    pub fn std_errors_unavailable(&self) -> Option<StdErrorsUnavailable> {
        if self.covariance.is_some() {
            return None;
        }
        Some(match self.status {
            FitStatus::Boundary { .. } => StdErrorsUnavailable::Boundary,
            FitStatus::NotConverged => StdErrorsUnavailable::NotConverged,
            _ => StdErrorsUnavailable::HessianNotPositiveDefinite,
        })
    }
    /// The covariance matrix of the parameters, symmetric, by the delta
    /// method (see [`FitReport`]); `None` exactly when
    /// [`std_errors`](Self::std_errors) is.
    pub fn covariance(&self) -> Option<[[f64; N]; N]> {
        self.covariance
    }
    /// The unpenalised total (weighted) log-likelihood at the fit, in the
    /// data's units.
    pub fn log_likelihood(&self) -> f64 {
        self.log_likelihood
    }
    /// Akaike's information criterion `2k − 2·LL`, `k = N`.
    pub fn aic(&self) -> f64 {
        2.0 * N as f64 - 2.0 * self.log_likelihood
    }
    /// Schwarz's Bayesian information criterion `k·ln n − 2·LL`, `k = N`,
    /// `n` = [`customers`](Self::customers) (the total weight).
    pub fn bic(&self) -> f64 {
        N as f64 * self.customers.ln() - 2.0 * self.log_likelihood
    }
    /// Optimiser iterations used.
    pub fn iterations(&self) -> usize {
        self.iterations
    }
    /// Total weight of the customers fitted on: the number of customers
    /// with unit weights (Gamma-Gamma: of the repeat buyers; sBG: the
    /// cohorts' sizes `Σ N_0`).
    pub fn customers(&self) -> f64 {
        self.customers
    }
    /// Distinct rows fitted on after grouping identical histories (sBG:
    /// the number of cohorts).
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// How the fit ended.
    pub fn status(&self) -> &FitStatus {
        &self.status
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    // Square matrices read best with explicit indices.
    #![allow(clippy::needless_range_loop)]
    use super::*;
    use serde::ser::SerializeMap;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Values by name, in the names' order.
    struct Named<'a> {
        names: &'a [&'static str],
        values: &'a [f64],
    }

    impl Serialize for Named<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            let mut map = s.serialize_map(Some(self.names.len()))?;
            for (name, value) in self.names.iter().zip(self.values) {
                map.serialize_entry(name, value)?;
            }
            map.end()
        }
    }

    #[derive(Serialize)]
    struct Out<'a, P> {
        params: &'a P,
        names: &'a [&'static str],
        std_errors: Option<Named<'a>>,
        std_errors_unavailable: Option<StdErrorsUnavailable>,
        covariance: Option<Vec<&'a [f64]>>,
        log_likelihood: f64,
        aic: f64,
        bic: f64,
        iterations: usize,
        /// A count when the weights are whole (`600`, not `600.0`).
        #[serde(serialize_with = "whole_if_integral")]
        customers: f64,
        rows: usize,
        status: &'a FitStatus,
    }

    /// A whole number below 2^53 as an integer, anything else as a float.
    fn whole_if_integral<S: Serializer>(x: &f64, s: S) -> std::result::Result<S::Ok, S::Error> {
        if x.fract() == 0.0 && x.abs() < 9.007_199_254_740_992e15 {
            s.serialize_i64(*x as i64)
        } else {
            s.serialize_f64(*x)
        }
    }

    impl<P: Serialize, const N: usize> Serialize for FitReport<P, N> {
        fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            let std_errors = self.std_errors();
            Out {
                params: &self.params,
                names: &self.names,
                std_errors: std_errors.as_ref().map(|v| Named {
                    names: &self.names,
                    values: v,
                }),
                std_errors_unavailable: self.std_errors_unavailable(),
                covariance: self
                    .covariance
                    .as_ref()
                    .map(|c| c.iter().map(|row| &row[..]).collect()),
                log_likelihood: self.log_likelihood,
                aic: self.aic(),
                bic: self.bic(),
                iterations: self.iterations,
                customers: self.customers,
                rows: self.rows,
                status: &self.status,
            }
            .serialize(s)
        }
    }

    #[derive(Deserialize)]
    struct In<P> {
        params: P,
        names: Vec<String>,
        covariance: Option<Vec<Vec<f64>>>,
        log_likelihood: f64,
        iterations: usize,
        customers: f64,
        rows: usize,
        status: FitStatus,
    }

    fn invalid(reason: String) -> Error {
        Error::InvalidValue {
            what: "fit report",
            reason,
        }
    }

    impl<P: ModelParameters<N>, const N: usize> TryFrom<In<P>> for FitReport<P, N> {
        type Error = Error;
        fn try_from(r: In<P>) -> Result<Self> {
            if r.names.len() != N || r.names.iter().zip(P::NAMES).any(|(a, b)| a != b) {
                return Err(invalid(format!(
                    "names {:?} are not the model's {:?}",
                    r.names,
                    P::NAMES
                )));
            }
            if !r.log_likelihood.is_finite() {
                return Err(invalid(format!(
                    "log_likelihood must be finite, got {}",
                    r.log_likelihood
                )));
            }
            if !(r.customers > 0.0 && r.customers.is_finite()) {
                return Err(invalid(format!(
                    "customers must be finite and > 0, got {}",
                    r.customers
                )));
            }
            if r.rows == 0 {
                return Err(invalid("rows must be > 0".into()));
            }
            let covariance = match r.covariance {
                None => None,
                Some(rows) => {
                    if !r.status.is_interior() {
                        return Err(invalid(
                            "a fit that did not end at an interior maximum has no covariance"
                                .into(),
                        ));
                    }
                    if rows.len() != N || rows.iter().any(|row| row.len() != N) {
                        return Err(invalid(format!("covariance must be {N} x {N}")));
                    }
                    let cov: [[f64; N]; N] =
                        std::array::from_fn(|i| std::array::from_fn(|j| rows[i][j]));
                    for i in 0..N {
                        if !(cov[i][i] >= 0.0) {
                            return Err(invalid(format!(
                                "covariance diagonal must be >= 0, got {}",
                                cov[i][i]
                            )));
                        }
                        for j in 0..N {
                            if !cov[i][j].is_finite() || cov[i][j] != cov[j][i] {
                                return Err(invalid(
                                    "covariance must be finite and symmetric".into(),
                                ));
                            }
                        }
                    }
                    Some(cov)
                }
            };
            Ok(Self {
                params: r.params,
                names: P::NAMES,
                covariance,
                log_likelihood: r.log_likelihood,
                iterations: r.iterations,
                customers: r.customers,
                rows: r.rows,
                status: r.status,
            })
        }
    }

    impl<'de, P, const N: usize> Deserialize<'de> for FitReport<P, N>
    where
        P: Deserialize<'de> + ModelParameters<N>,
    {
        fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
            let record = In::<P>::deserialize(d)?;
            Self::try_from(record).map_err(serde::de::Error::custom)
        }
    }
}
