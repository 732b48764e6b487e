//! Pareto/NBD, BG/NBD and Gamma-Gamma with static covariates (the crate's
//! `btyd::covariates`, CLVTools' parametrisation for the purchase models):
//! fits from 2-D float64 covariate matrices (one row per customer), and
//! per-customer predictions at each customer's own parameters.

use customer_value::btyd::{
    BgNbdCovariates, BgNbdCovariatesParams, CovariateDesign, CovariatesFit, CustomerHistory,
    GammaGammaCovariates, GammaGammaCovariatesParams, ParetoNbdCovariates,
    ParetoNbdCovariatesParams,
};
use customer_value::{CustomerId, Error};
use numpy::PyReadonlyArray2;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::json;

use crate::{Arr, Purchases, count, history_at, invalid, money, out, same_length, to_py};

type Matrix<'py> = PyReadonlyArray2<'py, f64>;

/// The rows of a 2-D array, checked against its names.
fn rows(name: &str, m: &Matrix<'_>, names: &[String]) -> Result<Vec<Vec<f64>>, Error> {
    let a = m.as_array();
    if a.ncols() != names.len() {
        return Err(invalid(
            "covariates",
            format!("{name} has {} columns for {} names", a.ncols(), names.len()),
        ));
    }
    Ok(a.rows().into_iter().map(|r| r.to_vec()).collect())
}

/// An empty `n × 0` matrix for a process without covariates.
fn rows_or_empty(
    name: &str,
    m: Option<&Matrix<'_>>,
    names: &[String],
    n: usize,
) -> Result<Vec<Vec<f64>>, Error> {
    match m {
        Some(m) => rows(name, m, names),
        None if names.is_empty() => Ok(vec![Vec::new(); n]),
        None => Err(invalid(
            "covariates",
            format!("{name}: names given without values"),
        )),
    }
}

/// The common part of a covariate fit's JSON report.
fn report<P>(fit: &CovariatesFit<P>, model: &str) -> serde_json::Value {
    let k = fit.estimates().len() as f64;
    let n = fit.customers() as f64;
    json!({
        "model": model,
        "names": fit.names(),
        "estimates": fit.estimates(),
        "std_errors": fit.std_errors(),
        "covariance": fit.covariance(),
        "log_likelihood": fit.log_likelihood(),
        "aic": fit.aic(),
        "bic": k * n.ln() - 2.0 * fit.log_likelihood(),
        "iterations": fit.iterations(),
        "converged": fit.converged(),
        "customers": fit.customers(),
    })
}

fn text(v: serde_json::Value) -> Result<String, Error> {
    serde_json::to_string(&v).map_err(|e| invalid("fit report", e.to_string()))
}

/// Fits Pareto/NBD (`model` = "pareto-nbd") or BG/NBD ("bg-nbd") with
/// static covariates: `trans` (n × k_t, names `trans_names`) moves the
/// purchase process, `life` (n × k_l) the lifetime process; `constrain`
/// names covariates with one coefficient in both; `l2` = (λ_trans,
/// λ_life) the CLVTools L2 penalty. Returns the report as JSON: names,
/// estimates, standard errors, covariance, log-likelihood, AIC, BIC,
/// iterations, converged, customers, and the parameters by process.
#[pyfunction]
#[pyo3(signature = (model, frequency, recency, t, trans=None, trans_names=Vec::new(), life=None, life_names=Vec::new(), constrain=Vec::new(), l2=None, max_iter=None, keep_unconverged=false))]
#[allow(clippy::too_many_arguments)]
fn fit_covariates(
    py: Python<'_>,
    model: &str,
    frequency: Arr<'_>,
    recency: Arr<'_>,
    t: Arr<'_>,
    trans: Option<Matrix<'_>>,
    trans_names: Vec<String>,
    life: Option<Matrix<'_>>,
    life_names: Vec<String>,
    constrain: Vec<String>,
    l2: Option<(f64, f64)>,
    max_iter: Option<usize>,
    keep_unconverged: bool,
) -> PyResult<String> {
    let (f, r, tt) = (frequency.as_slice()?, recency.as_slice()?, t.as_slice()?);
    let zt = rows_or_empty("trans", trans.as_ref(), &trans_names, f.len()).map_err(to_py)?;
    let zl = rows_or_empty("life", life.as_ref(), &life_names, f.len()).map_err(to_py)?;
    let model = model.to_owned();
    py.detach(|| -> Result<String, Error> {
        let population = crate::histories(f, r, tt)?;
        if zt.len() != population.len() {
            return Err(invalid(
                "covariates",
                format!(
                    "{} covariate rows for {} customers",
                    zt.len(),
                    population.len()
                ),
            ));
        }
        let design = CovariateDesign::new(trans_names, zt, life_names, zl)?;
        match model.as_str() {
            "pareto-nbd" => {
                let mut fitter = ParetoNbdCovariates::new()
                    .constrain(constrain)
                    .keep_unconverged(keep_unconverged);
                if let Some((a, b)) = l2 {
                    fitter = fitter.l2(a, b)?;
                }
                if let Some(m) = max_iter {
                    fitter = fitter.max_iterations(m);
                }
                let fit = fitter.fit(&population, &design)?;
                let p = fit.params();
                let mut v = report(&fit, "pareto-nbd");
                v["params"] = json!({"r": p.r(), "alpha": p.alpha(), "s": p.s(), "beta": p.beta()});
                v["trans_names"] = json!(p.trans_names());
                v["gamma_trans"] = json!(p.gamma_trans());
                v["life_names"] = json!(p.life_names());
                v["gamma_life"] = json!(p.gamma_life());
                text(v)
            }
            "bg-nbd" => {
                let mut fitter = BgNbdCovariates::new()
                    .constrain(constrain)
                    .keep_unconverged(keep_unconverged);
                if let Some((a, b)) = l2 {
                    fitter = fitter.l2(a, b)?;
                }
                if let Some(m) = max_iter {
                    fitter = fitter.max_iterations(m);
                }
                let fit = fitter.fit(&population, &design)?;
                let p = fit.params();
                let mut v = report(&fit, "bg-nbd");
                v["params"] = json!({"r": p.r(), "alpha": p.alpha(), "a": p.a(), "b": p.b()});
                v["trans_names"] = json!(p.trans_names());
                v["gamma_trans"] = json!(p.gamma_trans());
                v["life_names"] = json!(p.life_names());
                v["gamma_life"] = json!(p.gamma_life());
                text(v)
            }
            other => Err(invalid(
                "model",
                format!("{other:?}: covariate fits are pareto-nbd or bg-nbd (gamma-gamma: fit_spend_covariates)"),
            )),
        }
    })
    .map_err(to_py)
}

/// Fits Gamma-Gamma with spend covariates `z` (n × k, names `names`) on
/// the repeat buyers among the rows (frequency > 0); `l2` the penalty on
/// the coefficients. Returns the report as JSON (as `fit_covariates`).
#[pyfunction]
#[pyo3(signature = (frequency, monetary_value, z, names, l2=None, max_iter=None, keep_unconverged=false))]
#[allow(clippy::too_many_arguments)]
fn fit_spend_covariates(
    py: Python<'_>,
    frequency: Arr<'_>,
    monetary_value: Arr<'_>,
    z: Matrix<'_>,
    names: Vec<String>,
    l2: Option<f64>,
    max_iter: Option<usize>,
    keep_unconverged: bool,
) -> PyResult<String> {
    let (f, m) = (frequency.as_slice()?, monetary_value.as_slice()?);
    let zs = rows("z", &z, &names).map_err(to_py)?;
    py.detach(|| -> Result<String, Error> {
        let spend = crate::spends(f, m)?;
        if zs.len() != spend.len() {
            return Err(invalid(
                "covariates",
                format!("{} covariate rows for {} customers", zs.len(), spend.len()),
            ));
        }
        let n = zs.len();
        let design = CovariateDesign::new(names, zs, Vec::new(), vec![Vec::new(); n])?;
        let mut fitter = GammaGammaCovariates::new().keep_unconverged(keep_unconverged);
        if let Some(l) = l2 {
            fitter = fitter.l2(l)?;
        }
        if let Some(m) = max_iter {
            fitter = fitter.max_iterations(m);
        }
        let fit = fitter.fit(&spend, &design)?;
        let p = fit.params();
        let mut v = report(&fit, "gamma-gamma");
        v["params"] = json!({"p": p.p(), "q": p.q(), "gamma": p.gamma()});
        v["spend_names"] = json!(p.names());
        v["delta"] = json!(p.delta());
        text(v)
    })
    .map_err(to_py)
}

/// A purchase model with covariates at given values.
enum Covariates {
    Pareto(ParetoNbdCovariatesParams),
    Bg(BgNbdCovariatesParams),
}

impl Covariates {
    #[allow(clippy::too_many_arguments)]
    fn new(
        model: &str,
        base: &[f64],
        trans_names: Vec<String>,
        gamma_trans: Vec<f64>,
        life_names: Vec<String>,
        gamma_life: Vec<f64>,
    ) -> Result<Self, Error> {
        let [a, b, c, d] = <[f64; 4]>::try_from(base).map_err(|_| {
            invalid(
                "parameters",
                format!("{} values given, 4 expected", base.len()),
            )
        })?;
        match model {
            "pareto-nbd" => Ok(Self::Pareto(ParetoNbdCovariatesParams::new(
                a,
                b,
                c,
                d,
                trans_names,
                gamma_trans,
                life_names,
                gamma_life,
            )?)),
            "bg-nbd" => Ok(Self::Bg(BgNbdCovariatesParams::new(
                a,
                b,
                c,
                d,
                trans_names,
                gamma_trans,
                life_names,
                gamma_life,
            )?)),
            other => Err(invalid(
                "model",
                format!("{other:?}: covariate models are pareto-nbd or bg-nbd"),
            )),
        }
    }

    /// The customer's plain model and its parameter values.
    fn customer(&self, zt: &[f64], zl: &[f64]) -> Result<(Purchases, [f64; 4]), Error> {
        Ok(match self {
            Self::Pareto(p) => {
                let c = p.customer_params(zt, zl)?;
                (Purchases::Pareto(c), [c.r(), c.alpha(), c.s(), c.beta()])
            }
            Self::Bg(p) => {
                let c = p.customer_params(zt, zl)?;
                (Purchases::Bg(c), [c.r(), c.alpha(), c.a(), c.b()])
            }
        })
    }
}

/// Per-customer predictions of a covariate purchase model: each
/// customer's own parameters (`r, α_i, s, β_i` or `r, α_i, a_i, b_i`; the
/// columns `param_0..param_3`), P(alive) and, with a horizon `t`, the
/// conditional expected purchases in `(T, T + t]`.
#[pyfunction]
#[pyo3(signature = (model, base, trans_names, gamma_trans, life_names, gamma_life, trans, life, frequency, recency, age, t=None))]
#[allow(clippy::too_many_arguments)]
fn covariate_predictions<'py>(
    py: Python<'py>,
    model: &str,
    base: Vec<f64>,
    trans_names: Vec<String>,
    gamma_trans: Vec<f64>,
    life_names: Vec<String>,
    gamma_life: Vec<f64>,
    trans: Option<Matrix<'py>>,
    life: Option<Matrix<'py>>,
    frequency: Arr<'py>,
    recency: Arr<'py>,
    age: Arr<'py>,
    t: Option<f64>,
) -> PyResult<Bound<'py, PyDict>> {
    let (f, r, a) = (frequency.as_slice()?, recency.as_slice()?, age.as_slice()?);
    let n = f.len();
    let zt = rows_or_empty("trans", trans.as_ref(), &trans_names, n).map_err(to_py)?;
    let zl = rows_or_empty("life", life.as_ref(), &life_names, n).map_err(to_py)?;
    let cols = py
        .detach(|| -> Result<Vec<[f64; 6]>, Error> {
            same_length(&["frequency", "recency", "T"], &[f, r, a])?;
            if zt.len() != n || zl.len() != n {
                return Err(invalid(
                    "covariates",
                    format!(
                        "{} purchase and {} lifetime covariate rows for {n} customers",
                        zt.len(),
                        zl.len()
                    ),
                ));
            }
            if let Some(t) = t {
                crate::horizon(t)?;
            }
            let m = Covariates::new(
                model,
                &base,
                trans_names,
                gamma_trans,
                life_names,
                gamma_life,
            )?;
            crate::per_row_of(n, [0.0; 6], |i| {
                let h: CustomerHistory = history_at(f, r, a, i)?;
                let (own, v) = m.customer(&zt[i], &zl[i]).map_err(|e| row_error(i, e))?;
                let alive = own.p_alive(&h)?;
                let expected = match t {
                    Some(t) => own.conditional(&h, t)?,
                    None => f64::NAN,
                };
                Ok([v[0], v[1], v[2], v[3], alive, expected])
            })
        })
        .map_err(to_py)?;
    let dict = PyDict::new(py);
    for k in 0..4 {
        dict.set_item(
            format!("param_{k}"),
            out(py, cols.iter().map(|c| c[k]).collect()),
        )?;
    }
    dict.set_item("p_alive", out(py, cols.iter().map(|c| c[4]).collect()))?;
    if t.is_some() {
        dict.set_item(
            "expected_purchases",
            out(py, cols.iter().map(|c| c[5]).collect()),
        )?;
    }
    Ok(dict)
}

/// The error of customer row `i`, saying which row.
fn row_error(i: usize, e: Error) -> Error {
    match e {
        Error::InvalidValue { what, reason } => Error::InvalidValue {
            what,
            reason: format!("row {i}: {reason}"),
        },
        other => other,
    }
}

/// Per-customer Gamma-Gamma with spend covariates: each customer's rate
/// `γ_i = γ·e^(δ·z_i)` and conditional expected spend per transaction
/// `E[Z | x, z̄, z_i]` (the population mean at `γ_i` for frequency 0).
/// Returns (gamma_i, expected_spend).
#[pyfunction]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn covariate_expected_spend<'py>(
    py: Python<'py>,
    base: Vec<f64>,
    names: Vec<String>,
    delta: Vec<f64>,
    z: Matrix<'py>,
    frequency: Arr<'py>,
    monetary_value: Arr<'py>,
) -> PyResult<(crate::Out<'py>, crate::Out<'py>)> {
    let (f, m) = (frequency.as_slice()?, monetary_value.as_slice()?);
    let zs = rows("z", &z, &names).map_err(to_py)?;
    let v = py
        .detach(|| -> Result<Vec<[f64; 2]>, Error> {
            same_length(&["frequency", "monetary_value"], &[f, m])?;
            if zs.len() != f.len() {
                return Err(invalid(
                    "covariates",
                    format!("{} covariate rows for {} customers", zs.len(), f.len()),
                ));
            }
            let [p, q, g] = <[f64; 3]>::try_from(&base[..]).map_err(|_| {
                invalid(
                    "parameters",
                    format!("{} values given, 3 expected", base.len()),
                )
            })?;
            let params = GammaGammaCovariatesParams::new(p, q, g, names, delta)?;
            crate::per_row_of(f.len(), [0.0; 2], |i| {
                let own = params
                    .customer_params(&zs[i])
                    .map_err(|e| row_error(i, e))?;
                let x = count("frequency", i, f[i])?;
                let s = customer_value::btyd::SpendHistory::new(
                    CustomerId::new(i as u64),
                    x,
                    money("monetary_value", i, m[i])?,
                )
                .map_err(|e| crate::at_row(i, e))?;
                Ok([own.gamma(), own.expected_spend_f64(&s)?])
            })
        })
        .map_err(to_py)?;
    Ok((
        out(py, v.iter().map(|c| c[0]).collect()),
        out(py, v.iter().map(|c| c[1]).collect()),
    ))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(fit_covariates, m)?)?;
    m.add_function(wrap_pyfunction!(fit_spend_covariates, m)?)?;
    m.add_function(wrap_pyfunction!(covariate_predictions, m)?)?;
    m.add_function(wrap_pyfunction!(covariate_expected_spend, m)?)?;
    Ok(())
}
