//! What lifetimes' underscored internals compute, for
//! `customer_value.lifetimes`: the per-customer log-likelihoods behind the
//! fitters' `_negative_log_likelihood` (and BG/BB's `_loglikelihood`,
//! Pareto/NBD's `_conditional_log_likelihood`), Pareto/NBD's `_log_A_0`,
//! and lifetimes' CLV sum from a per-customer value column
//! (`utils._customer_lifetime_value`), which
//! `GammaGammaFitter.customer_lifetime_value` shares with the crate's
//! Gamma-Gamma expected spend as the value.
//!
//! Every function takes whole columns; the Python layer only sums the
//! weighted values as lifetimes does.

use customer_value::btyd::{BgBbParams, GammaGammaParams, ParetoNbdBulk, hyp2f1};
use customer_value::{CustomerId, Error};
use pyo3::prelude::*;

use crate::{
    Arr, BgCurves, Out, Purchases, at_row, bits, count, discrete_at, histories, history_at,
    horizon, invalid, money, out, per_distinct, per_row, same_length,
};

/// The checks of lifetimes' CLV arguments shared by both CLV functions:
/// `discount_rate` finite and above −1, `factor` (time units per period)
/// finite and positive.
pub(crate) fn clv_arguments(discount_rate: f64, factor: f64) -> Result<(), Error> {
    if !(discount_rate > -1.0 && discount_rate.is_finite()) {
        return Err(Error::InvalidParameter {
            name: "discount_rate",
            value: discount_rate.to_string(),
            reason: "must be finite and > -1",
        });
    }
    if !(factor > 0.0 && factor.is_finite()) {
        return Err(Error::InvalidParameter {
            name: "freq",
            value: factor.to_string(),
            reason: "time units per period must be finite and > 0",
        });
    }
    Ok(())
}

/// Python lifetimes' CLV per row: `Σ_{k=1..time} v_i · [E(Y(k f)) −
/// E(Y((k−1) f))] / (1+d)^k`, with `E(Y(t))` the purchase model's expected
/// purchases in `(T, T + t]` given the row's history, `f = factor` time
/// units per period and `v_i = value_at(i)` (a row's value per purchase,
/// read from the columns `[frequency, recency, T, m]` only), discounting at
/// each period's end (lifetimes' `utils._customer_lifetime_value`).
/// Rows with equal columns share one evaluation.
pub(crate) fn clv_rows(
    model: &Purchases,
    [f, r, a, m]: [&[f64]; 4],
    time: u32,
    discount_rate: f64,
    factor: f64,
    value_at: impl Fn(usize) -> Result<f64, Error> + Sync,
) -> Result<Vec<f64>, Error> {
    same_length(
        &["frequency", "recency", "T", "monetary_value"],
        &[f, r, a, m],
    )?;
    if let Purchases::Pareto(p) = model {
        // P(alive) once per customer (bit for bit the crate's), then each
        // period's expectation from it: the arithmetic of `conditional` at
        // every horizon, without recomputing P(alive) per period.
        let population = histories(f, r, a)?;
        let bulk = ParetoNbdBulk::new(*p);
        let alive = bulk.p_alive(&population)?;
        return per_row(f.len(), |i| {
            let h = &population[i];
            let value = value_at(i)?;
            let mut total = 0.0;
            let mut previous = 0.0;
            for k in 1..=time {
                let now = bulk.expected_purchases_given_alive(
                    alive[i],
                    h,
                    horizon(f64::from(k) * factor)?,
                )?;
                total += value * (now - previous) / (1.0 + discount_rate).powi(k as i32);
                previous = now;
            }
            Ok(total)
        });
    }
    if matches!(model, Purchases::Bg(_) | Purchases::Mbg(_)) {
        // Every period of every customer from the per-count curves (as
        // every conditional expectation of these models), so that a
        // customer's value never depends on the other rows.
        let population = histories(f, r, a)?;
        let periods: Vec<f64> = (1..=time).map(|k| f64::from(k) * factor).collect();
        if let Some(curves) = BgCurves::new(model, &population, |_, emit| {
            periods.iter().for_each(|&t| emit(t))
        })? {
            return per_row(f.len(), |i| {
                let h = &population[i];
                let value = value_at(i)?;
                let mut total = 0.0;
                let mut previous = 0.0;
                for (k, &t) in periods.iter().enumerate() {
                    let now = curves.expected(model, h, t)?;
                    total += value * (now - previous) / (1.0 + discount_rate).powi(k as i32 + 1);
                    previous = now;
                }
                Ok(total)
            });
        }
    }
    per_distinct(
        f.len(),
        |i| bits([f, r, a, m], i),
        |i| {
            let h = history_at(f, r, a, i)?;
            let value = value_at(i)?;
            let mut total = 0.0;
            let mut previous = 0.0;
            for k in 1..=time {
                let now = model.conditional(&h, f64::from(k) * factor)?;
                total += value * (now - previous) / (1.0 + discount_rate).powi(k as i32);
                previous = now;
            }
            Ok(total)
        },
    )
}

/// lifetimes' `utils._customer_lifetime_value`: [`clv_rows`] with each
/// row's value per purchase given (`value`, e.g. the Gamma-Gamma expected
/// spend; finite).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn clv_of_values<'py>(
    py: Python<'py>,
    model: &str,
    params: Vec<f64>,
    frequency: Arr<'py>,
    recency: Arr<'py>,
    age: Arr<'py>,
    value: Arr<'py>,
    time: u32,
    discount_rate: f64,
    factor: f64,
) -> PyResult<Out<'py>> {
    let (f, r, a, v) = (
        frequency.as_slice()?,
        recency.as_slice()?,
        age.as_slice()?,
        value.as_slice()?,
    );
    let result = py
        .detach(|| -> Result<Vec<f64>, Error> {
            clv_arguments(discount_rate, factor)?;
            let model = Purchases::new(model, &params)?;
            clv_rows(&model, [f, r, a, v], time, discount_rate, factor, |i| {
                if v[i].is_finite() {
                    Ok(v[i])
                } else {
                    Err(invalid(
                        "monetary_value",
                        format!("row {i}: {} is not finite", v[i]),
                    ))
                }
            })
        })
        .map_err(crate::to_py)?;
    Ok(out(py, result))
}

/// Each row's log-likelihood under BG/NBD, MBG/NBD or Pareto/NBD (`model`
/// = "bg-nbd", "mbg-nbd", "pareto-nbd") at natural parameters: the crate's
/// `log_likelihood` of each model (Fader, Hardie & Lee 2005 §7; Batislam,
/// Denizel & Filiztekin 2007; Fader & Hardie's note 009 eq. 18), in the
/// time unit of the columns. Summed with weights, this is lifetimes'
/// `_negative_log_likelihood` (which lifetimes evaluates in rescaled time).
#[pyfunction]
fn purchase_log_likelihoods<'py>(
    py: Python<'py>,
    model: &str,
    params: Vec<f64>,
    frequency: Arr<'py>,
    recency: Arr<'py>,
    age: Arr<'py>,
) -> PyResult<Out<'py>> {
    let (f, r, a) = (frequency.as_slice()?, recency.as_slice()?, age.as_slice()?);
    let result = py
        .detach(|| -> Result<Vec<f64>, Error> {
            let model = Purchases::new(model, &params)?;
            same_length(&["frequency", "recency", "T"], &[f, r, a])?;
            per_row(f.len(), |i| {
                let h = history_at(f, r, a, i)?;
                match &model {
                    Purchases::Bg(p) => Ok(p.log_likelihood(&h)),
                    Purchases::Mbg(p) => Ok(p.log_likelihood(&h)),
                    Purchases::Pareto(p) => p.log_likelihood(&h),
                    Purchases::Ggom(p) => p.log_likelihood(&h),
                }
            })
        })
        .map_err(crate::to_py)?;
    Ok(out(py, result))
}

/// Each row's BG/BB log-likelihood at `(alpha, beta, gamma, delta)` (Fader,
/// Hardie & Shang 2010, eq. 5): lifetimes' `_loglikelihood`, without the
/// `1e-15` lifetimes adds inside the logarithm of the sum.
#[pyfunction]
fn bgbb_log_likelihoods<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    frequency: Arr<'py>,
    recency: Arr<'py>,
    n_periods: Arr<'py>,
) -> PyResult<Out<'py>> {
    let (f, r, n) = (
        frequency.as_slice()?,
        recency.as_slice()?,
        n_periods.as_slice()?,
    );
    let result = py
        .detach(|| -> Result<Vec<f64>, Error> {
            let [alpha, beta, gamma, delta] = <[f64; 4]>::try_from(&params[..]).map_err(|_| {
                invalid(
                    "parameters",
                    format!("{} values given, 4 expected", params.len()),
                )
            })?;
            let p = BgBbParams::new(alpha, beta, gamma, delta)?;
            same_length(&["frequency", "recency", "n_periods"], &[f, r, n])?;
            per_row(f.len(), |i| Ok(p.log_likelihood(&discrete_at(f, r, n, i)?)))
        })
        .map_err(crate::to_py)?;
    Ok(out(py, result))
}

/// Each repeat buyer's Gamma-Gamma log-likelihood of the mean spend at
/// `(p, q, v)` (Fader, Hardie & Lee 2005b; Fader & Hardie's note 025 eq.
/// 1a): `lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln v + (px−1) ln m + px ln x −
/// (px+q) ln(xm + v)`, lifetimes' `_negative_log_likelihood` term. Rows
/// need `frequency >= 1` and `monetary_value > 0`.
#[pyfunction]
fn gamma_gamma_log_likelihoods<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    frequency: Arr<'py>,
    monetary_value: Arr<'py>,
) -> PyResult<Out<'py>> {
    let (f, m) = (frequency.as_slice()?, monetary_value.as_slice()?);
    let result = py
        .detach(|| -> Result<Vec<f64>, Error> {
            let [p, q, v] = <[f64; 3]>::try_from(&params[..]).map_err(|_| {
                invalid(
                    "parameters",
                    format!("{} values given, 3 expected", params.len()),
                )
            })?;
            let gg = GammaGammaParams::new(p, q, v)?;
            same_length(&["frequency", "monetary_value"], &[f, m])?;
            per_row(f.len(), |i| {
                let x = count("frequency", i, f[i])?;
                let z = money("monetary_value", i, m[i])?;
                let s = customer_value::btyd::SpendHistory::new(CustomerId::new(i as u64), x, z)
                    .map_err(|e| at_row(i, e))?;
                gg.log_likelihood(&s).map_err(|e| at_row(i, e))
            })
        })
        .map_err(crate::to_py)?;
    Ok(out(py, result))
}

/// lifetimes' Pareto/NBD `_log_A_0` per row: `ln A_0` of Fader & Hardie's
/// note 009 eqs. 19–20, with `(a, b)` the smaller and larger of `(α, β)`,
/// `u = r + x` when `α < β` else `s + 1`, `z(y) = (b − a)/(b + y)`:
///
/// ```text
/// A_0 = ₂F₁(r+s+x, u; r+s+x+1; z(t_x)) / (b+t_x)^(r+s+x)
///     − ₂F₁(r+s+x, u; r+s+x+1; z(T))   / (b+T)^(r+s+x)
/// ```
///
/// evaluated as lifetimes does, `ln[F(t_x)·(b+T)^(r+s+x) − F(T)·(b+t_x)^(r+s+x)]
/// − (r+s+x)·ln((b+t_x)(b+T))` with the difference taken in the log domain,
/// and the crate's `₂F₁`. `−∞` when `t_x = T` (as lifetimes). The
/// frequency need not be whole and the history is not checked (as
/// lifetimes'); the parameters must be positive.
#[pyfunction]
fn pareto_log_a0<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    frequency: Arr<'py>,
    recency: Arr<'py>,
    age: Arr<'py>,
) -> PyResult<Out<'py>> {
    let (f, rec, a) = (frequency.as_slice()?, recency.as_slice()?, age.as_slice()?);
    let result = py
        .detach(|| -> Result<Vec<f64>, Error> {
            let [r, alpha, s, beta] = <[f64; 4]>::try_from(&params[..]).map_err(|_| {
                invalid(
                    "parameters",
                    format!("{} values given, 4 expected", params.len()),
                )
            })?;
            customer_value::btyd::ParetoNbdParams::new(r, alpha, s, beta)?;
            same_length(&["frequency", "recency", "T"], &[f, rec, a])?;
            per_row(f.len(), |i| {
                let (x, t_x, big_t) = (f[i], rec[i], a[i]);
                if !(x.is_finite() && t_x.is_finite() && big_t.is_finite()) {
                    return Err(invalid(
                        "Pareto/NBD log A0",
                        format!("row {i}: frequency, recency and T must be finite"),
                    ));
                }
                let (low, high, u) = if alpha < beta {
                    (alpha, beta, r + x)
                } else {
                    (beta, alpha, s + 1.0)
                };
                let rsx = r + s + x;
                let (q1, q2) = (high + t_x, high + big_t);
                let p1 = hyp2f1(rsx, u, rsx + 1.0, (high - low) / q1)?;
                let p2 = hyp2f1(rsx, u, rsx + 1.0, (high - low) / q2)?;
                // ln(e^{l1} − e^{l2}), as scipy's logsumexp with b = [1, −1].
                let (l1, l2) = (p1.ln() + rsx * q2.ln(), p2.ln() + rsx * q1.ln());
                let m = l1.max(l2);
                let diff = ((l1 - m).exp() - (l2 - m).exp()).ln() + m;
                let v = diff - rsx * (q1 * q2).ln();
                if v.is_nan() {
                    return Err(invalid(
                        "Pareto/NBD log A0",
                        format!("row {i}: A0 is not positive (recency > T?) or not finite"),
                    ));
                }
                Ok(v)
            })
        })
        .map_err(crate::to_py)?;
    Ok(out(py, result))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(clv_of_values, m)?)?;
    m.add_function(wrap_pyfunction!(purchase_log_likelihoods, m)?)?;
    m.add_function(wrap_pyfunction!(bgbb_log_likelihoods, m)?)?;
    m.add_function(wrap_pyfunction!(gamma_gamma_log_likelihoods, m)?)?;
    m.add_function(wrap_pyfunction!(pareto_log_a0, m)?)?;
    Ok(())
}
