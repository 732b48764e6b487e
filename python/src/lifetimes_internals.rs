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

use customer_value::btyd::{BgBbParams, CustomerHistory, GammaGammaParams, ParetoNbdBulk, hyp2f1};
use customer_value::{CustomerId, Error};
use pyo3::prelude::*;

use crate::{
    Arr, BgAlive, BgCurves, Out, Purchases, at_row, bits, count, discrete_at, histories,
    history_at, horizon, invalid, money, out, per_distinct, per_row, same_length, vecmath,
    with_limits,
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
            // P(alive) once per customer, by the SIMD kernel (the bits of
            // `curves.alive`, which is the fallback).
            let alive = match model {
                Purchases::Bg(p) => BgAlive::new(p, f.len()).p_alive_batch(f, r, a),
                Purchases::Mbg(p) => BgAlive::modified(p, f.len()).p_alive_batch(f, r, a),
                _ => None,
            };
            return per_row(f.len(), |i| {
                let h = &population[i];
                let value = value_at(i)?;
                let p = alive.as_ref().map_or_else(|| curves.alive(h), |v| v[i]);
                let mut total = 0.0;
                let mut previous = 0.0;
                for (k, &t) in periods.iter().enumerate() {
                    let now = curves.expected_given(model, p, h, t)?;
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

/// Counts below which the per-count terms of a log-likelihood are kept in
/// a table (computed once per count present); larger counts compute them
/// per row, with the same arithmetic.
const TABLE_COUNTS: usize = 4096;

/// `ln Γ(z + q) − ln Γ(z)`.
fn ln_gamma_shift(z: f64, q: f64) -> f64 {
    statrs::function::gamma::ln_gamma(z + q) - statrs::function::gamma::ln_gamma(z)
}

/// `term(x)` for every whole count `x < TABLE_COUNTS` present in
/// `frequency` (`empty` for the others).
fn count_table<T: Copy>(frequency: &[f64], empty: T, term: impl Fn(f64) -> T) -> Vec<T> {
    let mut present = vec![false; TABLE_COUNTS];
    for &v in frequency {
        if (0.0..TABLE_COUNTS as f64).contains(&v) && v.fract() == 0.0 {
            present[v as usize] = true;
        }
    }
    present
        .iter()
        .enumerate()
        .map(|(x, &p)| if p { term(x as f64) } else { empty })
        .collect()
}

/// BG/NBD's (Fader, Hardie & Lee 2005, section 7) or MBG/NBD's (Batislam,
/// Denizel & Filiztekin 2007) log-likelihood of one customer, with its
/// per-count terms computed once per count:
///
/// ```text
/// BG/NBD:  ℓ = C(x) + lse(D1, D2)  (D1 alone at x = 0)
/// MBG/NBD: ℓ = C(x) + D1 + ln(1 + e^(D2 − D1))
/// C(x) = [lnΓ(r+x) − lnΓ(r)] + [lnΓ(b+x+m) − lnΓ(b)] − [lnΓ(a+b+x+m) − lnΓ(a+b)]
/// D1 = −r ln(1 + T/α) − x ln(α+T)
/// D2 = ln a − ln(b+x+m−1) − r ln(1 + t_x/α) − x ln(α+t_x)
/// D2 − D1 = ln a − ln(b+x+m−1) + (r+x) ln(1 + (T−t_x)/(α+t_x))   (MBG/NBD)
/// ```
///
/// (lifetimes' `r ln α − (r+x) ln(α+y)` regrouped so that young customers'
/// values keep their digits).
///
/// with `m = 0` for BG/NBD and `1` for MBG/NBD; `x` repeat purchases, `t_x`
/// the last one's time and `T` the customer's age, in one time unit. The
/// crate's `log_likelihood` of each model to about `1e-12` relative, or
/// `1e-12` absolute where `ℓ` is near 0 (tested below), and lifetimes'
/// `_negative_log_likelihood` terms.
struct BgTerms {
    r: f64,
    alpha: f64,
    ln_a: f64,
    b: f64,
    ab: f64,
    shift: f64,
    modified: bool,
    /// `(C(x), ln a − ln(b+x+m−1))` per count below [`TABLE_COUNTS`].
    table: Vec<(f64, f64)>,
}

impl BgTerms {
    fn new([r, alpha, a, b]: [f64; 4], modified: bool, frequency: &[f64]) -> Self {
        let mut t = Self {
            r,
            alpha,
            ln_a: a.ln(),
            b,
            ab: a + b,
            shift: if modified { 1.0 } else { 0.0 },
            modified,
            table: Vec::new(),
        };
        t.table = count_table(frequency, (f64::NAN, f64::NAN), |x| t.count_terms(x));
        t
    }

    fn count_terms(&self, x: f64) -> (f64, f64) {
        let m = self.shift;
        let c = ln_gamma_shift(self.r, x) + ln_gamma_shift(self.b, x + m)
            - ln_gamma_shift(self.ab, x + m);
        // BG/NBD's head is unused at x = 0 (no D2 term).
        (c, self.ln_a - (self.b + x + m - 1.0).ln())
    }

    fn row(&self, h: &CustomerHistory) -> f64 {
        let x = f64::from(h.x());
        let (c, head) = match self.table.get(h.x() as usize) {
            Some(&terms) => terms,
            None => self.count_terms(x),
        };
        let (r, alpha, t_x, big_t) = (self.r, self.alpha, h.t_x(), h.age());
        // r ln α − (r+x) ln(α+y) = −r ln(1 + y/α) − x ln(α+y): no
        // cancellation for ages far below α.
        let d1 = -r * (big_t / alpha).ln_1p() - x * (alpha + big_t).ln();
        if self.modified {
            let u = head + (r + x) * ((big_t - t_x) / (alpha + t_x)).ln_1p();
            c + d1 + u.max(0.0) + (-u.abs()).exp().ln_1p()
        } else if h.x() == 0 {
            c + d1
        } else {
            let d2 = head - r * (t_x / alpha).ln_1p() - x * (alpha + t_x).ln();
            let (hi, lo) = if d1 >= d2 { (d1, d2) } else { (d2, d1) };
            c + hi + (lo - hi).exp().ln_1p()
        }
    }

    /// [`row`](Self::row)'s arithmetic without a branch, with
    /// [`vecmath`]'s `ln_1p`, `ln` and `exp` (each within a few ulp of the
    /// C library's), for the SIMD pass of [`batch_at`](Self::batch_at):
    /// `(c, head)` the row's per-count terms, `x` its count.
    #[inline(always)]
    fn value(&self, (c, head): (f64, f64), x: f64, t_x: f64, big_t: f64) -> f64 {
        let (r, alpha) = (self.r, self.alpha);
        let d1 = -r * vecmath::ln_1p(big_t / alpha) - x * vecmath::ln(alpha + big_t);
        if self.modified {
            let u = head + (r + x) * vecmath::ln_1p((big_t - t_x) / (alpha + t_x));
            c + d1 + u.max(0.0) + vecmath::ln_1p(vecmath::exp(-u.abs()))
        } else {
            // Both sides computed and the x = 0 value selected (D2 of a
            // row without repeat purchases may be NaN: discarded).
            let d2 = head - r * vecmath::ln_1p(t_x / alpha) - x * vecmath::ln(alpha + t_x);
            let (hi, lo) = if d1 >= d2 { (d1, d2) } else { (d2, d1) };
            let both = c + hi + vecmath::ln_1p(vecmath::exp(lo - hi));
            if x == 0.0 { c + d1 } else { both }
        }
    }

    /// [`row`](Self::row) of every row of the columns, to about `1e-15`
    /// relative of its terms (the [`vecmath`] functions; tested below), in
    /// passes per chunk: the per-count terms gathered from the table (a
    /// pass of its own: the gather kept the arithmetic scalar), then one
    /// branch-free pass that checks the rows as `CustomerHistory::new`
    /// does and computes them (SIMD code), then the counts beyond the
    /// table row by row. With `limits`, lifetimes' limit histories are
    /// read at their limits (`crate::limit_row`, inside the pass). `None`
    /// when a row is invalid: the caller's row-by-row path names it.
    fn batch_at(&self, f: &[f64], r: &[f64], a: &[f64], limits: bool) -> Option<Vec<f64>> {
        if limits {
            self.batch::<true>(f, r, a)
        } else {
            self.batch::<false>(f, r, a)
        }
    }

    fn batch<const LIMITS: bool>(&self, f: &[f64], r: &[f64], a: &[f64]) -> Option<Vec<f64>> {
        const ROUND: f64 = 6_755_399_441_055_744.0;
        if r.len() != f.len() || a.len() != f.len() {
            return None;
        }
        let table = &self.table[..];
        let top = table.len() - 1;
        let at_limit = |fx: f64, t_x: f64, big_t: f64| {
            if LIMITS {
                crate::limit_row(fx, t_x, big_t)
            } else {
                (t_x, big_t)
            }
        };
        crate::batch(
            f.len(),
            #[inline(always)]
            |start, out| {
                let end = start + out.len();
                let (f, r, a) = (&f[start..end], &r[start..end], &a[start..end]);
                let mut c = vec![0.0; out.len()];
                for ((o, ci), &fx) in out.iter_mut().zip(c.iter_mut()).zip(f) {
                    let k = ((fx + ROUND).to_bits() & 0xffff_ffff) as usize;
                    (*ci, *o) = table[k.min(top)];
                }
                let mut ok = true;
                for ((((o, &ci), &fx), &t_x), &big_t) in out.iter_mut().zip(&c).zip(f).zip(r).zip(a)
                {
                    let (t_x, big_t) = at_limit(fx, t_x, big_t);
                    // A whole count below 2^32 and the checks of
                    // `CustomerHistory::new`.
                    let whole =
                        ((fx + ROUND) - ROUND == fx) & (fx >= 0.0) & (fx <= f64::from(u32::MAX));
                    ok &= whole
                        & (big_t < f64::INFINITY)
                        & (big_t > 0.0)
                        & (t_x >= 0.0)
                        & (t_x <= big_t)
                        & ((fx == 0.0) == (t_x == 0.0));
                    *o = self.value((ci, *o), fx, t_x, big_t);
                }
                if !ok {
                    return false;
                }
                for (j, &fx) in f.iter().enumerate() {
                    if fx > top as f64 {
                        let (t_x, big_t) = at_limit(fx, r[j], a[j]);
                        out[j] = self.value(self.count_terms(fx), fx, t_x, big_t);
                    }
                }
                true
            },
        )
    }
}

/// The Gamma-Gamma log-likelihood of a repeat buyer's mean spend `m̄` over
/// `x` repeat purchases (Fader, Hardie & Lee 2005b; Fader & Hardie's note
/// 025 eq. 1a), with its per-count terms computed once per count:
///
/// ```text
/// ℓ = G(x) + (px − 1) ln m̄ − (px + q) ln(x m̄ + v)
/// G(x) = lnΓ(px + q) − lnΓ(px) − lnΓ(q) + q ln v + px ln x
/// ```
///
/// The crate's `GammaGammaParams::log_likelihood` to about `1e-14` of the
/// size of the terms (tested below): the terms cancel for heavy buyers,
/// in lifetimes' formula as here; valid for `x >= 1` and `m̄ > 0`.
struct SpendTerms {
    p: f64,
    q: f64,
    v: f64,
    table: Vec<f64>,
}

impl SpendTerms {
    fn new([p, q, v]: [f64; 3], frequency: &[f64]) -> Self {
        let mut t = Self {
            p,
            q,
            v,
            table: Vec::new(),
        };
        t.table = count_table(frequency, f64::NAN, |x| t.count_term(x));
        t
    }

    fn count_term(&self, x: f64) -> f64 {
        let px = self.p * x;
        ln_gamma_shift(px, self.q) - statrs::function::gamma::ln_gamma(self.q)
            + self.q * self.v.ln()
            + px * x.ln()
    }

    fn row(&self, x: f64, m: f64) -> f64 {
        let g = match self.table.get(x as usize) {
            Some(&g) => g,
            None => self.count_term(x),
        };
        let px = self.p * x;
        g + (px - 1.0) * m.ln() - (px + self.q) * (x * m + self.v).ln()
    }

    /// [`row`](Self::row) of every row, with [`vecmath::ln`] for the two
    /// logarithms (within 1 ulp of `ln`, so within about `1e-15` of the
    /// terms' size of `row`'s values), in one branch-free pass that checks
    /// the rows as it goes (a whole count of at least 1, a mean spend that
    /// is a positive normal float), then the per-count term added from the
    /// table (its gather in a pass of its own, so that the first compiles
    /// to vector code), then the counts beyond the table row by row. One
    /// thread below [`BATCH_THREAD_ROWS`] rows: about 2 ns a row. `None`
    /// when a row is invalid (the caller's row-by-row path names it).
    fn batch(&self, f: &[f64], m: &[f64]) -> Option<Vec<f64>> {
        const ROUND: f64 = 6_755_399_441_055_744.0;
        let (p, q, v) = (self.p, self.q, self.v);
        let table = &self.table[..];
        let top = table.len() - 1;
        crate::batch_above(
            f.len(),
            BATCH_THREAD_ROWS,
            #[inline(always)]
            |start, out| {
                let end = start + out.len();
                let (f, m) = (&f[start..end], &m[start..end]);
                let mut ok = true;
                for ((o, &x), &z) in out.iter_mut().zip(f).zip(m) {
                    let whole =
                        ((x + ROUND) - ROUND == x) & (x >= 1.0) & (x <= f64::from(u32::MAX));
                    let normal = (f64::MIN_POSITIVE..f64::INFINITY).contains(&z);
                    ok &= whole & normal;
                    let px = p * x;
                    *o = (px - 1.0) * vecmath::ln(z) - (px + q) * vecmath::ln(x * z + v);
                }
                if !ok {
                    return false;
                }
                for (o, &x) in out.iter_mut().zip(f) {
                    let k = ((x + ROUND).to_bits() & 0xffff_ffff) as usize;
                    *o += table[k.min(top)];
                }
                for (j, &x) in f.iter().enumerate() {
                    if x > top as f64 {
                        let px = p * x;
                        out[j] = self.count_term(x) + (px - 1.0) * vecmath::ln(m[j])
                            - (px + q) * vecmath::ln(x * m[j] + v);
                    }
                }
                true
            },
        )
    }
}

/// Rows below which a log-likelihood pass of a few nanoseconds a row stays
/// on the calling thread: starting and joining a second thread costs tens
/// of microseconds, and on a busy machine a new thread can wait a
/// scheduler slice for a core, far longer than the pass itself.
const BATCH_THREAD_ROWS: usize = 262_144;

/// Each row's log-likelihood under BG/NBD, MBG/NBD or Pareto/NBD (`model`
/// = "bg-nbd", "mbg-nbd", "pareto-nbd") at natural parameters, in the time
/// unit of the columns: BG/NBD and MBG/NBD by [`BgTerms`], Pareto/NBD by
/// the crate's `log_likelihood` (Fader & Hardie's note 009 eq. 18). Each
/// row is checked as the crate's `CustomerHistory` (its error names the
/// row). Summed with weights, this is lifetimes'
/// `_negative_log_likelihood` (which lifetimes evaluates in rescaled time).
/// With `limits`, lifetimes' limit histories are read at their limits
/// (`limit_columns`) instead of refused.
#[pyfunction]
#[pyo3(signature = (model, params, frequency, recency, age, limits = false))]
fn purchase_log_likelihoods<'py>(
    py: Python<'py>,
    model: &str,
    params: Vec<f64>,
    frequency: Arr<'py>,
    recency: Arr<'py>,
    age: Arr<'py>,
    limits: bool,
) -> PyResult<Out<'py>> {
    let (f, r, a) = (frequency.as_slice()?, recency.as_slice()?, age.as_slice()?);
    let result = py
        .detach(|| -> Result<Vec<f64>, Error> {
            let model = Purchases::new(model, &params)?;
            same_length(&["frequency", "recency", "T"], &[f, r, a])?;
            let bg = match &model {
                Purchases::Bg(p) => Some(BgTerms::new([p.r(), p.alpha(), p.a(), p.b()], false, f)),
                Purchases::Mbg(p) => Some(BgTerms::new([p.r(), p.alpha(), p.a(), p.b()], true, f)),
                _ => None,
            };
            if let Some(v) = bg
                .as_ref()
                .and_then(|terms| terms.batch_at(f, r, a, limits))
            {
                // The limits rewritten inside the kernel: no extra pass.
                return Ok(v);
            }
            with_limits(limits, f, r, a, |f, r, a| match &model {
                Purchases::Bg(p) => {
                    let terms = BgTerms::new([p.r(), p.alpha(), p.a(), p.b()], false, f);
                    per_row(f.len(), |i| Ok(terms.row(&history_at(f, r, a, i)?)))
                }
                Purchases::Mbg(p) => {
                    let terms = BgTerms::new([p.r(), p.alpha(), p.a(), p.b()], true, f);
                    per_row(f.len(), |i| Ok(terms.row(&history_at(f, r, a, i)?)))
                }
                // Summaries on a day grid repeat rows: equal rows share one
                // evaluation (bit for bit the per-row values).
                Purchases::Pareto(p) => per_distinct(
                    f.len(),
                    |i| bits([f, r, a], i),
                    |i| p.log_likelihood(&history_at(f, r, a, i)?),
                ),
                Purchases::Ggom(p) => {
                    per_row(f.len(), |i| p.log_likelihood(&history_at(f, r, a, i)?))
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
            per_distinct(
                f.len(),
                |i| bits([f, r, n], i),
                |i| Ok(p.log_likelihood(&discrete_at(f, r, n, i)?)),
            )
        })
        .map_err(crate::to_py)?;
    Ok(out(py, result))
}

/// Each repeat buyer's Gamma-Gamma log-likelihood of the mean spend at
/// `(p, q, v)`, by [`SpendTerms`]: lifetimes' `_negative_log_likelihood`
/// term. Rows need `frequency >= 1` and `monetary_value > 0` (else the
/// crate's error for the first row that has not).
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
            let terms = SpendTerms::new([p, q, v], f);
            if let Some(values) = terms.batch(f, m) {
                return Ok(values);
            }
            per_row(f.len(), |i| {
                let (x, z) = (f[i], m[i]);
                if x >= 1.0 && x.fract() == 0.0 && z > 0.0 && z.is_finite() {
                    return Ok(terms.row(x, z));
                }
                // An invalid row: the crate's error, naming it.
                let x = count("frequency", i, x)?;
                let z = money("monetary_value", i, z)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use customer_value::Decimal;
    use customer_value::btyd::{BgNbdParams, MbgNbdParams, SpendHistory};

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs().max(1e-300)
    }

    /// BG/NBD's and MBG/NBD's per-count evaluation is the crate's
    /// per-customer log-likelihood within 1e-12 relative (or 1e-12
    /// absolute near 0), on awkward histories: no repeat purchases, heavy
    /// buyers beyond the count table, tiny and long ages, `t_x` at and near
    /// `T` and near 0; and each row's value does not depend on the others.
    #[test]
    fn bg_terms_are_the_crate_log_likelihoods() {
        let mut rows: Vec<[f64; 3]> = Vec::new();
        for x in [0u32, 1, 2, 7, 30, 400, 5000, 20_000] {
            for big_t in [1e-3, 0.5, 13.0, 38.86, 400.0] {
                for share in [0.0, 1e-9, 0.25, 0.999, 1.0] {
                    let t_x = if x == 0 { 0.0 } else { big_t * share };
                    if x > 0 && t_x == 0.0 || x == 0 && share > 0.0 {
                        continue;
                    }
                    rows.push([f64::from(x), t_x, big_t]);
                }
            }
        }
        let f: Vec<f64> = rows.iter().map(|r| r[0]).collect();
        for params in [
            [0.243, 4.414, 0.793, 2.426],
            [3.0, 0.5, 0.01, 0.2],
            [0.05, 80.0, 12.0, 1e-3],
            [1.0, 1.0, 1.0, 1.0],
        ] {
            let [r, alpha, a, b] = params;
            let bg = BgNbdParams::new(r, alpha, a, b).unwrap();
            let mbg = MbgNbdParams::new(r, alpha, a, b).unwrap();
            let all = [
                BgTerms::new(params, false, &f),
                BgTerms::new(params, true, &f),
            ];
            for (i, row) in rows.iter().enumerate() {
                let h =
                    CustomerHistory::new(CustomerId::new(i as u64), row[0] as u32, row[1], row[2])
                        .unwrap();
                for (terms, want) in all
                    .iter()
                    .zip([bg.log_likelihood(&h), mbg.log_likelihood(&h)])
                {
                    let got = terms.row(&h);
                    assert!(
                        rel(got, want) < 1e-12 || (got - want).abs() < 1e-12,
                        "{params:?} {row:?}: {got} vs {want}"
                    );
                    // Alone in its call: the same bits.
                    let alone = BgTerms::new(params, terms.modified, &row[..1]);
                    assert_eq!(alone.row(&h).to_bits(), got.to_bits());
                }
            }
        }
    }

    /// The SIMD pass of BG/NBD's and MBG/NBD's log-likelihood is the
    /// crate's per-customer log-likelihood within 1e-12 relative (or 1e-12
    /// absolute near 0) on the awkward histories above (counts beyond the
    /// table included), whatever the number of rows (one thread or
    /// several), and refuses an invalid row.
    #[test]
    fn bg_batch_is_the_crate_log_likelihoods() {
        let mut rows: Vec<[f64; 3]> = Vec::new();
        for x in [0u32, 1, 2, 7, 30, 400, 5000, 20_000] {
            for big_t in [1e-3, 0.5, 13.0, 38.86, 400.0] {
                for share in [1e-9, 0.25, 0.999, 1.0] {
                    let t_x = if x == 0 { 0.0 } else { big_t * share };
                    rows.push([f64::from(x), t_x, big_t]);
                }
            }
        }
        let mut many = rows.clone();
        while many.len() < 3 * crate::PARALLEL_ROWS {
            many.extend_from_slice(&rows);
        }
        for params in [
            [0.243, 4.414, 0.793, 2.426],
            [3.0, 0.5, 0.01, 0.2],
            [0.05, 80.0, 12.0, 1e-3],
        ] {
            let [r, alpha, a, b] = params;
            let bg = BgNbdParams::new(r, alpha, a, b).unwrap();
            let mbg = MbgNbdParams::new(r, alpha, a, b).unwrap();
            for rows in [&rows, &many] {
                let col = |k: usize| rows.iter().map(|row| row[k]).collect::<Vec<f64>>();
                let (f, t_x, big_t) = (col(0), col(1), col(2));
                for modified in [false, true] {
                    let terms = BgTerms::new(params, modified, &f);
                    let got = terms.batch_at(&f, &t_x, &big_t, false).unwrap();
                    for (i, row) in rows.iter().enumerate() {
                        let h = CustomerHistory::new(
                            CustomerId::new(i as u64),
                            row[0] as u32,
                            row[1],
                            row[2],
                        )
                        .unwrap();
                        let want = if modified {
                            mbg.log_likelihood(&h)
                        } else {
                            bg.log_likelihood(&h)
                        };
                        assert!(
                            rel(got[i], want) < 1e-12 || (got[i] - want).abs() < 1e-12,
                            "{params:?} {row:?} modified={modified}: {} vs {want}",
                            got[i]
                        );
                    }
                    let mut bad = t_x.clone();
                    bad[rows.len() - 1] = big_t[rows.len() - 1] * 2.0;
                    assert!(terms.batch_at(&f, &bad, &big_t, false).is_none());
                }
            }
        }
    }

    /// The Gamma-Gamma per-count evaluation is the crate's per-customer
    /// log-likelihood within 1e-14 of the size of its largest term
    /// (`(px + q) ln(x m + v)`, which for thousands of purchases is 1e5
    /// and cancels to a log-likelihood of a few units: up to 6e-10
    /// relative at 20,000 purchases), for one to 20,000 repeat purchases
    /// and mean spends from cents to millions.
    #[test]
    fn spend_terms_are_the_crate_log_likelihoods() {
        let mut rows = Vec::new();
        for x in [1u32, 2, 5, 60, 4095, 4096, 20_000] {
            for cents in [1i64, 35, 2_235, 1_000_000, 500_000_000] {
                rows.push((x, cents));
            }
        }
        let f: Vec<f64> = rows.iter().map(|r| f64::from(r.0)).collect();
        for params in [[6.25, 3.74, 15.44], [0.5, 12.0, 200.0], [40.0, 0.3, 0.01]] {
            let gg = GammaGammaParams::new(params[0], params[1], params[2]).unwrap();
            let terms = SpendTerms::new(params, &f);
            for (i, &(x, cents)) in rows.iter().enumerate() {
                let zbar = Decimal::new(cents, 2);
                let s = SpendHistory::new(CustomerId::new(i as u64), x, zbar).unwrap();
                let want = gg.log_likelihood(&s).unwrap();
                let got = terms.row(f64::from(x), cents as f64 / 100.0);
                // Relative to the largest term, (px + q) ln(x m + v): for
                // thousands of purchases the terms are 1e5 and cancel.
                let m = cents as f64 / 100.0;
                let size = want.abs().max(
                    (params[0] * f64::from(x) + params[1])
                        * (f64::from(x) * m + params[2]).ln().abs(),
                );
                assert!(
                    (got - want).abs() < 1e-14 * size,
                    "{params:?} x={x} m={zbar}: {got} vs {want}"
                );
            }
        }
    }
}
