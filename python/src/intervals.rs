//! Per-customer intervals for P(alive), `E[Y(t)]`, the Gamma-Gamma
//! expected spend and CLV: the crate's delta method (from a fit report's
//! covariance) and its parametric bootstrap (resample customers, refit,
//! predict; seeded). Fit reports cross as the JSON the fit functions
//! return, read back with the crate's checks.

use customer_value::btyd::{
    BgNbd, BgNbdParams, BootstrapOptions, BtydClv, BtydCustomer, CustomerHistory, FitReport,
    GammaGamma, GammaGammaParams, IntervalModel, MbgNbd, MbgNbdParams, ParameterDraws, ParetoNbd,
    ParetoNbdParams, Prediction, PredictionInterval, PurchaseModel, Refit, SpendHistory, bootstrap,
    bootstrap_clv_intervals, delta_clv_intervals, delta_intervals, delta_spend_intervals,
};
use customer_value::{CustomerId, Error};
use pyo3::prelude::*;
use serde::de::DeserializeOwned;

use crate::{
    Arr, Out, count, discount, histories, invalid, money, out, same_length, spends, to_py,
    weights_or_ones,
};

/// A fit report read back from its JSON.
fn report<P, const N: usize>(text: &str) -> Result<FitReport<P, N>, Error>
where
    FitReport<P, N>: DeserializeOwned,
{
    serde_json::from_str(text).map_err(|e| invalid("fit report", e.to_string()))
}

/// The prediction named `what` ("p_alive" or "expected_purchases" with
/// horizon `t`).
fn prediction(what: &str, t: Option<f64>) -> Result<Prediction, Error> {
    match (what, t) {
        ("p_alive", _) => Ok(Prediction::PAlive),
        ("expected_purchases", Some(t)) => Ok(Prediction::ExpectedPurchases(t)),
        ("expected_purchases", None) => Err(invalid(
            "prediction",
            "expected_purchases needs a horizon t".into(),
        )),
        (other, _) => Err(invalid(
            "prediction",
            format!("{other:?} is not p_alive or expected_purchases"),
        )),
    }
}

/// Estimate, lower and upper bound columns.
fn columns(py: Python<'_>, iv: Vec<PredictionInterval>) -> (Out<'_>, Out<'_>, Out<'_>) {
    let e = iv.iter().map(PredictionInterval::estimate).collect();
    let l = iv.iter().map(PredictionInterval::lower).collect();
    let u = iv.iter().map(PredictionInterval::upper).collect();
    (out(py, e), out(py, l), out(py, u))
}

fn no_model(model: &str) -> Error {
    invalid(
        "model",
        format!("{model:?} has no intervals: bg-nbd, mbg-nbd or pareto-nbd"),
    )
}

/// Customers for CLV: (x, t_x, T) and the mean repeat spend per row.
fn customers(f: &[f64], r: &[f64], a: &[f64], m: &[f64]) -> Result<Vec<BtydCustomer>, Error> {
    same_length(
        &["frequency", "recency", "T", "monetary_value"],
        &[f, r, a, m],
    )?;
    let hs = histories(f, r, a)?;
    hs.into_iter()
        .enumerate()
        .map(|(i, h)| {
            let x = count("frequency", i, f[i])?;
            let s = SpendHistory::new(
                CustomerId::new(i as u64),
                x,
                money("monetary_value", i, m[i])?,
            )
            .map_err(|e| crate::at_row(i, e))?;
            BtydCustomer::new(h, s).map_err(|e| crate::at_row(i, e))
        })
        .collect()
}

/// The CLV of lifetimes' convention at the two estimates: `time` periods
/// of `factor` time units, discount rate `discount_rate` per period.
fn clv(
    purchases: PurchaseModel,
    spend: GammaGammaParams,
    time: u32,
    discount_rate: f64,
    factor: f64,
) -> Result<BtydClv, Error> {
    BtydClv::builder(purchases, spend)
        .periods(time)
        .discount(discount(discount_rate)?)
        .period_length(factor)
        .build()
}

/// Delta-method intervals at coverage `level` for P(alive) (`what` =
/// "p_alive") or E[Y(t)] ("expected_purchases", horizon `t`) of a BG/NBD,
/// MBG/NBD or Pareto/NBD fit (its report's JSON), per customer. Returns
/// (estimate, lower, upper).
#[pyfunction]
#[pyo3(signature = (model, report_json, what, frequency, recency, age, t=None, level=0.9))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn delta_purchase_intervals<'py>(
    py: Python<'py>,
    model: &str,
    report_json: &str,
    what: &str,
    frequency: Arr<'py>,
    recency: Arr<'py>,
    age: Arr<'py>,
    t: Option<f64>,
    level: f64,
) -> PyResult<(Out<'py>, Out<'py>, Out<'py>)> {
    let (f, r, a) = (frequency.as_slice()?, recency.as_slice()?, age.as_slice()?);
    let iv = py
        .detach(|| -> Result<Vec<PredictionInterval>, Error> {
            let what = prediction(what, t)?;
            let hs = histories(f, r, a)?;
            match model {
                "bg-nbd" => {
                    delta_intervals(&report::<BgNbdParams, 4>(report_json)?, what, &hs, level)
                }
                "mbg-nbd" => {
                    delta_intervals(&report::<MbgNbdParams, 4>(report_json)?, what, &hs, level)
                }
                "pareto-nbd" => delta_intervals(
                    &report::<ParetoNbdParams, 4>(report_json)?,
                    what,
                    &hs,
                    level,
                ),
                other => Err(no_model(other)),
            }
        })
        .map_err(to_py)?;
    Ok(columns(py, iv))
}

/// Delta-method intervals at coverage `level` for the Gamma-Gamma
/// conditional expected spend per customer (log scale). Returns
/// (estimate, lower, upper).
#[pyfunction]
#[pyo3(signature = (report_json, frequency, monetary_value, level=0.9))]
#[allow(clippy::type_complexity)]
fn delta_spend<'py>(
    py: Python<'py>,
    report_json: &str,
    frequency: Arr<'py>,
    monetary_value: Arr<'py>,
    level: f64,
) -> PyResult<(Out<'py>, Out<'py>, Out<'py>)> {
    let (f, m) = (frequency.as_slice()?, monetary_value.as_slice()?);
    let iv = py
        .detach(|| -> Result<Vec<PredictionInterval>, Error> {
            let fit = report::<GammaGammaParams, 3>(report_json)?;
            delta_spend_intervals(&fit, &spends(f, m)?, level)
        })
        .map_err(to_py)?;
    Ok(columns(py, iv))
}

/// Delta-method CLV intervals: `E[Z | x, z̄]` times the discounted
/// expected purchases over `time` periods of `factor` time units at
/// `discount_rate` per period (lifetimes' `customer_lifetime_value`
/// convention), from a purchase fit and a Gamma-Gamma fit (their JSON).
#[pyfunction]
#[pyo3(signature = (model, purchase_json, spend_json, frequency, recency, age, monetary_value, time=12, discount_rate=0.01, factor=30.0, level=0.9))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn delta_clv<'py>(
    py: Python<'py>,
    model: &str,
    purchase_json: &str,
    spend_json: &str,
    frequency: Arr<'py>,
    recency: Arr<'py>,
    age: Arr<'py>,
    monetary_value: Arr<'py>,
    time: u32,
    discount_rate: f64,
    factor: f64,
    level: f64,
) -> PyResult<(Out<'py>, Out<'py>, Out<'py>)> {
    let (f, r, a, m) = (
        frequency.as_slice()?,
        recency.as_slice()?,
        age.as_slice()?,
        monetary_value.as_slice()?,
    );
    let iv = py
        .detach(|| -> Result<Vec<PredictionInterval>, Error> {
            let cs = customers(f, r, a, m)?;
            let spend = report::<GammaGammaParams, 3>(spend_json)?;
            fn go<P>(
                fit: FitReport<P, 4>,
                spend: &FitReport<GammaGammaParams, 3>,
                cs: &[BtydCustomer],
                k: (u32, f64, f64, f64),
            ) -> Result<Vec<PredictionInterval>, Error>
            where
                P: IntervalModel + Copy + Into<PurchaseModel>,
            {
                let c = clv((*fit.params()).into(), *spend.params(), k.0, k.1, k.2)?;
                delta_clv_intervals(&fit, spend, &c, cs, k.3)
            }
            let k = (time, discount_rate, factor, level);
            match model {
                "bg-nbd" => go(report::<BgNbdParams, 4>(purchase_json)?, &spend, &cs, k),
                "mbg-nbd" => go(report::<MbgNbdParams, 4>(purchase_json)?, &spend, &cs, k),
                "pareto-nbd" => go(report::<ParetoNbdParams, 4>(purchase_json)?, &spend, &cs, k),
                other => Err(no_model(other)),
            }
        })
        .map_err(to_py)?;
    Ok(columns(py, iv))
}

fn options(
    replicates: usize,
    seed: u64,
    threads: Option<usize>,
) -> Result<BootstrapOptions, Error> {
    let o = BootstrapOptions::new(replicates, seed)?;
    Ok(match threads {
        Some(t) => o.threads(t),
        None => o,
    })
}

/// Bootstrap draws of a purchase fit on its own customers.
fn purchase_draws<F, P>(
    fitter: &F,
    text: &str,
    hs: &[CustomerHistory],
    w: &[f64],
    o: &BootstrapOptions,
) -> Result<ParameterDraws<P>, Error>
where
    F: Refit<4, Input = CustomerHistory, Params = P>,
    FitReport<P, 4>: DeserializeOwned,
{
    bootstrap(fitter, &report::<P, 4>(text)?, hs, w, o)
}

/// Parametric-bootstrap percentile intervals (`replicates` refits of
/// resampled customers, seeded by `seed`; the same for any number of
/// threads) for P(alive) or E[Y(t)] of the fit's own customers (the data
/// it was fitted on, with `weights` if it was weighted). Returns
/// (estimate, lower, upper, failed replicates).
#[pyfunction]
#[pyo3(signature = (model, report_json, what, frequency, recency, age, t=None, weights=None, level=0.9, replicates=200, seed=0, threads=None))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn bootstrap_purchase_intervals<'py>(
    py: Python<'py>,
    model: &str,
    report_json: &str,
    what: &str,
    frequency: Arr<'py>,
    recency: Arr<'py>,
    age: Arr<'py>,
    t: Option<f64>,
    weights: Option<Arr<'py>>,
    level: f64,
    replicates: usize,
    seed: u64,
    threads: Option<usize>,
) -> PyResult<(Out<'py>, Out<'py>, Out<'py>, usize)> {
    let (f, r, a) = (frequency.as_slice()?, recency.as_slice()?, age.as_slice()?);
    let w = weights.as_ref().map(|w| w.as_slice()).transpose()?;
    let (iv, failed) = py
        .detach(|| -> Result<(Vec<PredictionInterval>, usize), Error> {
            let what = prediction(what, t)?;
            let hs = histories(f, r, a)?;
            let w = weights_or_ones(w, hs.len())?;
            let o = options(replicates, seed, threads)?;
            macro_rules! run {
                ($fitter:expr) => {{
                    let d = purchase_draws(&$fitter, report_json, &hs, &w, &o)?;
                    Ok((d.intervals(what, &hs, level)?, d.failed()))
                }};
            }
            match model {
                "bg-nbd" => run!(BgNbd::new()),
                "mbg-nbd" => run!(MbgNbd::new()),
                "pareto-nbd" => run!(ParetoNbd::new()),
                other => Err(no_model(other)),
            }
        })
        .map_err(to_py)?;
    let (e, l, u) = columns(py, iv);
    Ok((e, l, u, failed))
}

/// Parametric-bootstrap percentile intervals for the Gamma-Gamma
/// conditional expected spend of the fit's own repeat buyers. Returns
/// (estimate, lower, upper, failed replicates).
#[pyfunction]
#[pyo3(signature = (report_json, frequency, monetary_value, weights=None, level=0.9, replicates=200, seed=0, threads=None))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn bootstrap_spend_intervals<'py>(
    py: Python<'py>,
    report_json: &str,
    frequency: Arr<'py>,
    monetary_value: Arr<'py>,
    weights: Option<Arr<'py>>,
    level: f64,
    replicates: usize,
    seed: u64,
    threads: Option<usize>,
) -> PyResult<(Out<'py>, Out<'py>, Out<'py>, usize)> {
    let (f, m) = (frequency.as_slice()?, monetary_value.as_slice()?);
    let w = weights.as_ref().map(|w| w.as_slice()).transpose()?;
    let (iv, failed) = py
        .detach(|| -> Result<(Vec<PredictionInterval>, usize), Error> {
            let ss = spends(f, m)?;
            let w = weights_or_ones(w, ss.len())?;
            let o = options(replicates, seed, threads)?;
            let fit = report::<GammaGammaParams, 3>(report_json)?;
            let d = bootstrap(&GammaGamma::new(), &fit, &ss, &w, &o)?;
            Ok((d.spend_intervals(&ss, level)?, d.failed()))
        })
        .map_err(to_py)?;
    let (e, l, u) = columns(py, iv);
    Ok((e, l, u, failed))
}

/// Parametric-bootstrap CLV intervals: the purchase fit is refitted on
/// resamples of all customers, the Gamma-Gamma fit on resamples of the
/// repeat buyers (frequency > 0), the draws are paired in replicate order,
/// and each customer's CLV (as [`delta_clv`]) is taken at every pair.
/// Returns (estimate, lower, upper).
#[pyfunction]
#[pyo3(signature = (model, purchase_json, spend_json, frequency, recency, age, monetary_value, time=12, discount_rate=0.01, factor=30.0, level=0.9, replicates=200, seed=0, threads=None))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn bootstrap_clv<'py>(
    py: Python<'py>,
    model: &str,
    purchase_json: &str,
    spend_json: &str,
    frequency: Arr<'py>,
    recency: Arr<'py>,
    age: Arr<'py>,
    monetary_value: Arr<'py>,
    time: u32,
    discount_rate: f64,
    factor: f64,
    level: f64,
    replicates: usize,
    seed: u64,
    threads: Option<usize>,
) -> PyResult<(Out<'py>, Out<'py>, Out<'py>)> {
    let (f, r, a, m) = (
        frequency.as_slice()?,
        recency.as_slice()?,
        age.as_slice()?,
        monetary_value.as_slice()?,
    );
    let iv = py
        .detach(|| -> Result<Vec<PredictionInterval>, Error> {
            let cs = customers(f, r, a, m)?;
            let hs: Vec<CustomerHistory> = cs.iter().map(|c| *c.history()).collect();
            let repeat: Vec<SpendHistory> = cs
                .iter()
                .filter(|c| c.spend().x() > 0)
                .map(|c| *c.spend())
                .collect();
            let o = options(replicates, seed, threads)?;
            let spend = report::<GammaGammaParams, 3>(spend_json)?;
            let sd = bootstrap(
                &GammaGamma::new(),
                &spend,
                &repeat,
                &vec![1.0; repeat.len()],
                &o,
            )?;
            let ones = vec![1.0; hs.len()];
            macro_rules! run {
                ($fitter:expr) => {{
                    let pd = purchase_draws(&$fitter, purchase_json, &hs, &ones, &o)?;
                    let c = clv(
                        (*pd.estimate()).into(),
                        *spend.params(),
                        time,
                        discount_rate,
                        factor,
                    )?;
                    bootstrap_clv_intervals(&pd, &sd, &c, &cs, level)
                }};
            }
            match model {
                "bg-nbd" => run!(BgNbd::new()),
                "mbg-nbd" => run!(MbgNbd::new()),
                "pareto-nbd" => run!(ParetoNbd::new()),
                other => Err(no_model(other)),
            }
        })
        .map_err(to_py)?;
    Ok(columns(py, iv))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(delta_purchase_intervals, m)?)?;
    m.add_function(wrap_pyfunction!(delta_spend, m)?)?;
    m.add_function(wrap_pyfunction!(delta_clv, m)?)?;
    m.add_function(wrap_pyfunction!(bootstrap_purchase_intervals, m)?)?;
    m.add_function(wrap_pyfunction!(bootstrap_spend_intervals, m)?)?;
    m.add_function(wrap_pyfunction!(bootstrap_clv, m)?)?;
    Ok(())
}
