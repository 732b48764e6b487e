//! `customer_value._native`: the compiled core of the `customer_value`
//! Python package.
//!
//! Every function takes whole numpy arrays and returns whole numpy arrays
//! (or a JSON fit report), so no per-customer arithmetic runs in Python.
//! The GIL is released while the crate computes. Crate errors become Python
//! exceptions: one base class, `CustomerValueError`, with a subclass per
//! [`customer_value::Error`] variant, each carrying the crate's message.
//!
//! The Python layer (`python/customer_value/`) converts pandas, polars,
//! pyarrow and plain sequences to the float64/int64 arrays expected here.

use customer_value::Scorer;
use customer_value::btyd::{
    BgBb, BgBbParams, BgNbd, BgNbdParams, BgNbdPredictor, Cohort, CustomerHistory, DiscreteHistory,
    FitOptions, GammaGamma, GammaGammaParams, GgomNbd, GgomNbdParams, MbgNbd, MbgNbdParams,
    MbgNbdPredictor, NewCustomerCurve, ParetoNbd, ParetoNbdBulk, ParetoNbdParams,
    ParetoNbdPredictor, Penalty, Sbg, SbgParams, SpendHistory,
};
use customer_value::clv::DiscountRate;
use customer_value::{CustomerId, Date, Decimal, Error, Summarizer, TimeUnit, Transaction};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyDict;

mod arrow;
mod covariates;
mod fast_summary;
mod intervals;
mod lifetimes_internals;
mod vecmath;

create_exception!(
    customer_value,
    CustomerValueError,
    PyException,
    "Base class of every error raised by customer_value."
);
create_exception!(
    customer_value,
    InvalidParameterError,
    CustomerValueError,
    "A parameter outside its domain (e.g. a negative rate)."
);
create_exception!(
    customer_value,
    InvalidValueError,
    CustomerValueError,
    "An input value the models cannot accept (NaN, negative, recency > T, ...)."
);
create_exception!(
    customer_value,
    InvalidDateError,
    CustomerValueError,
    "A date that cannot be read or is out of range."
);
create_exception!(
    customer_value,
    InvalidTransactionError,
    CustomerValueError,
    "A transaction that cannot be summarised."
);
create_exception!(
    customer_value,
    ParseError,
    CustomerValueError,
    "A file or text that cannot be parsed."
);
create_exception!(
    customer_value,
    OverflowError,
    CustomerValueError,
    "Arithmetic overflow in exact money."
);
create_exception!(
    customer_value,
    EmptyInputError,
    CustomerValueError,
    "An input with nothing to work on."
);
create_exception!(
    customer_value,
    NotIdentifiedError,
    CustomerValueError,
    "Data that cannot identify the model's parameters."
);
create_exception!(
    customer_value,
    NotConvergedError,
    CustomerValueError,
    "A fit that ended without convergence (the best point is in the message)."
);
create_exception!(
    customer_value,
    IoError,
    CustomerValueError,
    "A file that cannot be read or written."
);
create_exception!(
    customer_value,
    DuplicateError,
    CustomerValueError,
    "A key given twice where it must be unique (a customer, an item)."
);
create_exception!(
    customer_value,
    NoCovarianceError,
    CustomerValueError,
    "A fit without a covariance (a boundary fit, a Hessian that is not positive definite) asked for delta-method intervals."
);
create_exception!(
    customer_value,
    UnitMismatchError,
    CustomerValueError,
    "Data in one time unit used with a model or file in another."
);

/// The Python exception for a crate error: the subclass named after the
/// variant, with the crate's message.
fn to_py(e: Error) -> PyErr {
    let message = e.to_string();
    match e {
        Error::InvalidParameter { .. } => InvalidParameterError::new_err(message),
        Error::InvalidValue { .. } => InvalidValueError::new_err(message),
        Error::InvalidDate { .. } => InvalidDateError::new_err(message),
        Error::InvalidTransaction { .. }
        | Error::UnmatchedRefund { .. }
        | Error::ObservationEndBeforeFirstPurchase { .. } => {
            InvalidTransactionError::new_err(message)
        }
        Error::Parse { .. } => ParseError::new_err(message),
        Error::Overflow { .. } => OverflowError::new_err(message),
        Error::EmptyInput { .. } => EmptyInputError::new_err(message),
        Error::NotIdentified { .. } => NotIdentifiedError::new_err(message),
        Error::NotConverged { .. } => NotConvergedError::new_err(message),
        Error::Io { .. } => IoError::new_err(message),
        Error::Duplicate { .. } => DuplicateError::new_err(message),
        Error::UnitMismatch { .. } => UnitMismatchError::new_err(message),
        Error::NoCovariance { .. } => NoCovarianceError::new_err(message),
        _ => CustomerValueError::new_err(message),
    }
}

fn invalid(what: &'static str, reason: String) -> Error {
    Error::InvalidValue { what, reason }
}

type Arr<'py> = PyReadonlyArray1<'py, f64>;
/// A float64 numpy array handed back to Python.
type Out<'py> = Bound<'py, PyArray1<f64>>;

/// The slices of equally long arrays, or an error naming the first that
/// differs.
fn same_length(names: &[&str], arrays: &[&[f64]]) -> Result<(), Error> {
    let n = arrays[0].len();
    for (name, a) in names.iter().zip(arrays).skip(1) {
        if a.len() != n {
            return Err(invalid(
                "input arrays",
                format!("{name} has {} values, {} has {n}", a.len(), names[0]),
            ));
        }
    }
    Ok(())
}

/// A purchase count from a float: finite, >= 0, whole, at most u32::MAX.
fn count(name: &str, i: usize, v: f64) -> Result<u32, Error> {
    if !(v >= 0.0 && v <= f64::from(u32::MAX) && v.fract() == 0.0) {
        return Err(invalid(
            "purchase count",
            format!("{name}[{i}] = {v} is not a whole number >= 0"),
        ));
    }
    Ok(v as u32)
}

fn histories(frequency: &[f64], recency: &[f64], t: &[f64]) -> Result<Vec<CustomerHistory>, Error> {
    same_length(&["frequency", "recency", "T"], &[frequency, recency, t])?;
    (0..frequency.len())
        .map(|i| {
            let x = count("frequency", i, frequency[i])?;
            CustomerHistory::new(CustomerId::new(i as u64), x, recency[i], t[i])
                .map_err(|e| at_row(i, e))
        })
        .collect()
}

/// The purchase counts of `frequency` (whole numbers in `u32` range), in
/// one branch-free pass; `None` when a row is not one.
fn whole_counts(frequency: &[f64]) -> Option<Vec<u32>> {
    let mut ok = true;
    let x = frequency
        .iter()
        .map(|&v| {
            ok &= (v >= 0.0) & (v <= f64::from(u32::MAX)) & (v.trunc() == v);
            v as u32
        })
        .collect();
    ok.then_some(x)
}

/// `score(x)` on the purchase counts of `frequency` for the crate's
/// column paths (which take the rows without building histories); when a
/// row is invalid, the error of [`histories`], which names the row and
/// the column.
fn pareto_columns(
    frequency: &[f64],
    recency: &[f64],
    t: &[f64],
    score: impl FnOnce(&[u32]) -> Result<Vec<f64>, Error>,
) -> Result<Vec<f64>, Error> {
    same_length(&["frequency", "recency", "T"], &[frequency, recency, t])?;
    let result = match whole_counts(frequency) {
        Some(x) => score(&x),
        None => {
            histories(frequency, recency, t)?;
            return Err(invalid("frequency", "not whole counts".into()));
        }
    };
    result.or_else(|e| {
        histories(frequency, recency, t)?;
        Err(e)
    })
}

/// One history per row, built on the fly (no intermediate vector).
fn history_at(
    frequency: &[f64],
    recency: &[f64],
    t: &[f64],
    i: usize,
) -> Result<CustomerHistory, Error> {
    let x = count("frequency", i, frequency[i])?;
    CustomerHistory::new(CustomerId::new(i as u64), x, recency[i], t[i]).map_err(|e| at_row(i, e))
}

/// The worker threads for large inputs: the machine's cores, at most 8.
/// Asked once per process: `available_parallelism` reads the cgroup
/// quota files on Linux, tens of microseconds per call, which dominated
/// a call on a few rows.
fn threads() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(8)
    })
}

/// Rows below which one thread does the work.
const PARALLEL_ROWS: usize = 16_384;

/// `f(i)` for every row, in order, split over the machine's cores in
/// contiguous chunks for large inputs; the first error (lowest row) wins.
fn per_row(n: usize, f: impl Fn(usize) -> Result<f64, Error> + Sync) -> Result<Vec<f64>, Error> {
    per_row_of(n, 0.0, f)
}

/// [`per_row`] for any plain value type; `fill` only sizes the output
/// before the rows overwrite it.
fn per_row_of<T: Copy + Send + Sync>(
    n: usize,
    fill: T,
    f: impl Fn(usize) -> Result<T, Error> + Sync,
) -> Result<Vec<T>, Error> {
    split_rows(vec![fill; n], |rows, part| {
        for (i, slot) in rows.zip(part.iter_mut()) {
            *slot = f(i)?;
        }
        Ok(())
    })
}

/// Rows sampled to decide whether [`per_distinct`] shares evaluations.
const DISTINCT_SAMPLE: usize = 2048;

/// `f(i)` for every row, as [`per_row`], but rows whose `key` (the bits of
/// every input `f` reads) is equal share one evaluation: `f` runs once per
/// distinct key, at the key's first row, and the others copy its value, so
/// the result is bit for bit [`per_row`]'s, and the first error is still
/// the lowest row's (an error depends only on the inputs, and each key is
/// evaluated at its first row). When more than half of the first
/// [`DISTINCT_SAMPLE`] rows are distinct, hashing cannot pay and every row
/// is evaluated.
fn per_distinct<K: std::hash::Hash + Eq + Copy>(
    n: usize,
    key: impl Fn(usize) -> K,
    f: impl Fn(usize) -> Result<f64, Error> + Sync,
) -> Result<Vec<f64>, Error> {
    if n < DISTINCT_SAMPLE {
        return per_row(n, f);
    }
    let mut index: rustc_hash::FxHashMap<K, u32> = rustc_hash::FxHashMap::default();
    for i in 0..DISTINCT_SAMPLE {
        let next = index.len() as u32;
        index.entry(key(i)).or_insert(next);
    }
    if 2 * index.len() > DISTINCT_SAMPLE {
        return per_row(n, f);
    }
    index.clear();
    let mut first: Vec<usize> = Vec::new();
    let mut slots: Vec<u32> = Vec::with_capacity(n);
    for i in 0..n {
        let slot = *index.entry(key(i)).or_insert_with(|| {
            first.push(i);
            (first.len() - 1) as u32
        });
        slots.push(slot);
    }
    let values = per_row(first.len(), |j| f(first[j]))?;
    Ok(slots.into_iter().map(|s| values[s as usize]).collect())
}

/// The bits of row `i` of each column, a [`per_distinct`] key.
fn bits<const N: usize>(columns: [&[f64]; N], i: usize) -> [u64; N] {
    columns.map(|c| c[i].to_bits())
}

/// One discrete history per row, built on the fly.
fn discrete_at(
    frequency: &[f64],
    recency: &[f64],
    n: &[f64],
    i: usize,
) -> Result<DiscreteHistory, Error> {
    let x = count("frequency", i, frequency[i])?;
    let t_x = count("recency", i, recency[i])?;
    let periods = count("n_periods", i, n[i])?;
    DiscreteHistory::new(CustomerId::new(i as u64), x, t_x, periods).map_err(|e| at_row(i, e))
}

/// `score` over `population`, with the rows handed over grouped by
/// `(x, T)`, largest groups first, and the values put back in row order.
/// The BG/NBD and MBG/NBD bulk scorers compute their per-`(x, T)` term
/// once per distinct pair, but only when at most half of the first 1024
/// rows they see are distinct; grouped, they see that whenever the whole
/// population repeats `(x, T)` (at most half distinct), as a population
/// with real-valued ages and a few thousand distinct ages does. Every
/// value is the scorer's for that row, so the crate's per-customer
/// function's bit for bit. Populations with mostly distinct pairs pass
/// as they are.
fn by_x_t(
    population: &[CustomerHistory],
    score: impl Fn(&[CustomerHistory]) -> Result<Vec<f64>, Error>,
) -> Result<Vec<f64>, Error> {
    let n = population.len();
    let mut index: rustc_hash::FxHashMap<(u32, u64), u32> = rustc_hash::FxHashMap::default();
    let mut slots: Vec<u32> = Vec::with_capacity(n);
    let mut sizes: Vec<usize> = Vec::new();
    for h in population {
        let next = sizes.len() as u32;
        let slot = *index.entry((h.x(), h.age().to_bits())).or_insert(next);
        if slot == next {
            sizes.push(0);
        }
        sizes[slot as usize] += 1;
        slots.push(slot);
    }
    if 2 * sizes.len() > n {
        return score(population);
    }
    let mut groups: Vec<usize> = (0..sizes.len()).collect();
    groups.sort_by_key(|&g| std::cmp::Reverse(sizes[g]));
    let mut start = vec![0usize; sizes.len()];
    let mut at = 0;
    for &g in &groups {
        start[g] = at;
        at += sizes[g];
    }
    let mut order = vec![0u32; n];
    for (i, &slot) in slots.iter().enumerate() {
        let p = &mut start[slot as usize];
        order[*p] = i as u32;
        *p += 1;
    }
    let grouped: Vec<CustomerHistory> = order.iter().map(|&i| population[i as usize]).collect();
    let values = score(&grouped)?;
    let mut out = vec![0.0; n];
    for (k, &i) in order.iter().enumerate() {
        out[i as usize] = values[k];
    }
    Ok(out)
}

/// BG/NBD and MBG/NBD conditional expectations
/// `E[Y(t) | x, t_x, T] = P(alive)·E_BG(t; r+x, α+T, a, b+x+k)` (`k` = 0
/// for BG/NBD, FHL 2005a eq. 10; 1 for MBG/NBD, Batislam et al. 2007),
/// with `E_BG(t; r', α+T, a, b') = E_BG(t/(α+T); r', 1, a, b')` taken from
/// one [`NewCustomerCurve`] per purchase count `x` (Taylor cells anchored
/// on the crate's series, 1/16 octave of `t/(α+T)` wide). Every
/// conditional expectation of these two models goes through here, for
/// every row of every call (one row or a million, one horizon or one per
/// row, and CLV's periods): a cell's expansion depends only on the cell
/// and the parameters, so a customer's value never depends on the rows
/// beside it. Equal to the crate's per-customer function to about `1e-13`
/// relative. P(alive) is [`BgAlive::p_alive_batch`]'s, bit for bit
/// ([`BgCurves::alive`]), so equal to the P(alive) call's values and
/// within a few ulp of the crate's.
struct BgCurves {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
    /// MBG/NBD (`ln a − ln(b + x)` in P(alive), `b + x + 1` in the curve).
    modified: bool,
    /// `ln a − ln(b + (x − 1))` (BG/NBD) or `ln a − ln(b + x)` (MBG/NBD)
    /// per count below [`DIRECT_COUNTS`], as the crate's P(alive) computes
    /// it (NaN: not yet).
    heads: Vec<f64>,
    /// The curve of each count below [`DIRECT_COUNTS`], and of the others.
    direct: Vec<Option<NewCustomerCurve>>,
    other: rustc_hash::FxHashMap<u32, NewCustomerCurve>,
}

/// Purchase counts below this keep their [`BgCurves`] state in vectors.
const DIRECT_COUNTS: usize = 4096;

impl BgCurves {
    /// The curves for BG/NBD or MBG/NBD (`None` for the other models),
    /// with a cell for every `(x, t)` that `horizons` hands out: it calls
    /// `emit(i, t)` for each horizon `t` of row `i`.
    fn new(
        m: &Purchases,
        population: &[CustomerHistory],
        horizons: impl Fn(usize, &mut dyn FnMut(f64)),
    ) -> Result<Option<Self>, Error> {
        Self::from_rows(
            m,
            0..population.len(),
            |i| (population[i].x(), population[i].age()),
            horizons,
        )
    }

    /// [`new`](Self::new) for rows `rows`, row `i` read as `(x, T)` by
    /// `row(i)` (an invalid row only adds a cell that is never read: the
    /// callers check every row before they use its value).
    fn from_rows(
        m: &Purchases,
        rows: std::ops::Range<usize>,
        row: impl Fn(usize) -> (u32, f64),
        horizons: impl Fn(usize, &mut dyn FnMut(f64)),
    ) -> Result<Option<Self>, Error> {
        let (r, alpha, a, b, modified) = match m {
            Purchases::Bg(p) => (p.r(), p.alpha(), p.a(), p.b(), false),
            Purchases::Mbg(p) => (p.r(), p.alpha(), p.a(), p.b(), true),
            _ => return Ok(None),
        };
        let mut curves = Self {
            r,
            alpha,
            a,
            b,
            modified,
            heads: Vec::new(),
            direct: Vec::new(),
            other: rustc_hash::FxHashMap::default(),
        };
        for i in rows {
            let (x, age) = row(i);
            let curve = curves.curve_mut(x)?;
            horizons(i, &mut |t| curve.add_horizon(t / (alpha + age)));
        }
        let heads = curves.direct.len();
        curves.heads = (0..heads)
            .map(|x| {
                if curves.direct[x].is_some() {
                    curves.head(x as u32)
                } else {
                    f64::NAN
                }
            })
            .collect();
        Ok(Some(curves))
    }

    /// The curve of count `x`, made on first use (without cells).
    #[inline]
    fn curve_mut(&mut self, x: u32) -> Result<&mut NewCustomerCurve, Error> {
        let xf = f64::from(x);
        let k = if self.modified { 1.0 } else { 0.0 };
        let make = || -> Result<NewCustomerCurve, Error> {
            let p = BgNbdParams::new(self.r + xf, 1.0, self.a, self.b + xf + k)?;
            Ok(NewCustomerCurve::bg(&p, &[]))
        };
        if (x as usize) < DIRECT_COUNTS {
            let i = x as usize;
            if i >= self.direct.len() {
                self.direct.resize_with(i + 1, || None);
            }
            if self.direct[i].is_none() {
                self.direct[i] = Some(make()?);
            }
            return Ok(self.direct[i].as_mut().expect("made above"));
        }
        Ok(match self.other.entry(x) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(make()?),
        })
    }

    fn curve(&self, x: u32) -> Option<&NewCustomerCurve> {
        match self.direct.get(x as usize) {
            Some(c) => c.as_ref(),
            None => self.other.get(&x),
        }
    }

    /// The first term of P(alive)'s log-odds, as the crate computes it.
    #[inline]
    fn head(&self, x: u32) -> f64 {
        let xf = f64::from(x);
        if self.modified {
            self.a.ln() - (self.b + xf).ln()
        } else {
            self.a.ln() - (self.b + (xf - 1.0)).ln()
        }
    }

    /// P(alive) of a valid history: the operations of
    /// [`BgAlive::p_alive_batch`] ([`vecmath`]'s `ln_1p` and the logistic,
    /// the first term of the log-odds from the table), so bit for bit the
    /// P(alive) call's value, within a few ulp of
    /// [`BgNbdParams::p_alive`] or [`MbgNbdParams::p_alive`].
    #[inline]
    fn alive(&self, h: &CustomerHistory) -> f64 {
        let x = h.x();
        if x == 0 && !self.modified {
            return 1.0;
        }
        let xf = f64::from(x);
        let head = match self.heads.get(x as usize) {
            Some(&v) if !v.is_nan() => v,
            _ => self.head(x),
        };
        let (t_x, big_t) = (h.t_x(), h.age());
        let v = head + (self.r + xf) * vecmath::ln_1p((big_t - t_x) / (self.alpha + t_x));
        BgAlive::logistic(v)
    }

    /// The empty curves of BG/NBD or MBG/NBD (`None` for the other
    /// models), for a caller that adds each row's cell as it meets the
    /// row ([`value`](Self::value)); P(alive) heads are then computed per
    /// call of [`alive`](Self::alive), with the same arithmetic.
    fn empty(m: &Purchases) -> Option<Self> {
        Self::from_rows(m, 0..0, |_| (0, 1.0), |_, _| {})
            .ok()
            .flatten()
    }

    /// `E_BG(z; r+x, 1, a, b+x+k)`, the curve factor of a conditional
    /// expectation at `z = t/(α+T)`, the cell of `(x, z)` added first if
    /// missing: the value of [`expected`](Self::expected) divided by
    /// P(alive), whichever rows came before.
    #[inline]
    fn value(&mut self, x: u32, z: f64) -> Result<f64, Error> {
        self.curve_mut(x)?.expected_purchases_adding(z)
    }

    /// `E[Y(t) | x, t_x, T]` of `h`.
    fn expected(&self, m: &Purchases, h: &CustomerHistory, t: f64) -> Result<f64, Error> {
        let t = horizon(t)?;
        self.expected_given(m, self.alive(h), h, t)
    }

    /// [`expected`](Self::expected) with `h`'s P(alive) `p` already
    /// computed (by [`alive`](Self::alive) or [`BgAlive::p_alive_batch`],
    /// the same bits), for a caller that evaluates several horizons of one
    /// customer.
    fn expected_given(
        &self,
        _m: &Purchases,
        p: f64,
        h: &CustomerHistory,
        t: f64,
    ) -> Result<f64, Error> {
        let t = horizon(t)?;
        if p == 0.0 {
            return Ok(0.0);
        }
        let curve = self.curve(h.x()).ok_or_else(|| {
            invalid(
                "horizon",
                "a conditional expectation without its curve".into(),
            )
        })?;
        Ok(p * curve.expected_purchases(t / (self.alpha + h.age()))?)
    }
}

/// BG/NBD or MBG/NBD `E[Y(t) | x, t_x, T]` for every row at `t = h[0]`
/// (one horizon) or `h[i]` (one per row), as [`bg_conditional`] bit for
/// bit, in two parallel passes: P(alive) of every row from
/// [`BgAlive::p_alive_batch`] (SIMD, which also checks the histories),
/// then per part one set of lazily built [`BgCurves`], each row adding
/// its cell when missing and multiplying its P(alive) by the curve's
/// value (`limits` as in [`BgAlive::p_alive_batch_at`]). `None` for the
/// other models, or when a row, a horizon or a
/// cell's series fails: the caller's row-by-row path then names the
/// error.
fn bg_conditional_batch(
    m: &Purchases,
    h: &[f64],
    f: &[f64],
    r: &[f64],
    a: &[f64],
    limits: bool,
) -> Option<Vec<f64>> {
    let (alive, alpha) = match m {
        Purchases::Bg(p) => (BgAlive::new(p, f.len()), p.alpha()),
        Purchases::Mbg(p) => (BgAlive::modified(p, f.len()), p.alpha()),
        _ => return None,
    };
    if (h.len() != 1 && h.len() != f.len()) || r.len() != f.len() || a.len() != f.len() {
        return None;
    }
    // With `limits`, T = 0 stays 0 below: `t/(α + 0)` is `t/(α + 0+)`.
    let p = alive.p_alive_batch_at(f, r, a, limits)?;
    batch_into(
        p,
        #[inline(always)]
        |start, out| {
            let Some(mut curves) = BgCurves::empty(m) else {
                return false;
            };
            let end = start + out.len();
            let (f, a) = (&f[start..end], &a[start..end]);
            let at = |j: usize| h[if h.len() == 1 { 0 } else { start + j }];
            if !(0..out.len()).fold(true, |ok, j| ok & (0.0..f64::INFINITY).contains(&at(j))) {
                return false;
            }
            // The rows grouped by purchase count (a counting sort), so
            // that each count's cells stay in the cache while its rows are
            // evaluated; counts beyond DIRECT_COUNTS row by row.
            let mut first = vec![0u32; DIRECT_COUNTS + 1];
            for &fx in f {
                first[(fx as usize).min(DIRECT_COUNTS)] += 1;
            }
            let mut at_start = 0u32;
            for c in first.iter_mut() {
                let rows = *c;
                *c = at_start;
                at_start += rows;
            }
            let grouped = first[DIRECT_COUNTS] as usize;
            let mut next = first.clone();
            let mut order = vec![0u32; grouped];
            let mut zs = vec![0.0; grouped];
            for (j, &fx) in f.iter().enumerate() {
                let z = at(j) / (alpha + a[j]);
                let x = fx as usize;
                if x < DIRECT_COUNTS {
                    let k = next[x] as usize;
                    next[x] += 1;
                    order[k] = j as u32;
                    zs[k] = z;
                } else {
                    match curves.value(x as u32, z) {
                        Ok(v) => out[j] = if out[j] == 0.0 { 0.0 } else { out[j] * v },
                        Err(_) => return false,
                    }
                }
            }
            let mut values = vec![0.0; grouped];
            for x in 0..DIRECT_COUNTS {
                let (lo, hi) = (first[x] as usize, first[x + 1] as usize);
                if lo == hi {
                    continue;
                }
                let Ok(curve) = curves.curve_mut(x as u32) else {
                    return false;
                };
                if curve
                    .expected_purchases_adding_many(&zs[lo..hi], &mut values[lo..hi])
                    .is_err()
                {
                    return false;
                }
            }
            for (&j, &v) in order.iter().zip(&values) {
                let o = &mut out[j as usize];
                // P(alive) = 0 gives 0 whatever the curve (as `expected`).
                *o = if *o == 0.0 { 0.0 } else { *o * v };
            }
            true
        },
    )
}

/// `f(rows, out)` over contiguous parts of `0..n` (one part per core for
/// large inputs, else one), each part writing its rows' values; the first
/// failing part's error (the parts are in row order, and each reports its
/// own first failing row).
fn per_part(
    n: usize,
    f: impl Fn(std::ops::Range<usize>, &mut [f64]) -> Result<(), Error> + Sync,
) -> Result<Vec<f64>, Error> {
    split_rows(zeroed(n), f)
}

/// `f(rows, out)` over contiguous parts of `out` (one part per core from
/// [`PARALLEL_ROWS`] rows on, else one), each part writing its rows'
/// values; the first failing part's error (parts in row order, each
/// reporting its own first failing row). [`per_row_of`] and [`per_part`]
/// both run on it.
fn split_rows<T: Send>(
    mut out: Vec<T>,
    f: impl Fn(std::ops::Range<usize>, &mut [T]) -> Result<(), Error> + Sync,
) -> Result<Vec<T>, Error> {
    let n = out.len();
    let threads = if n < PARALLEL_ROWS { 1 } else { threads() };
    if threads < 2 {
        f(0..n, &mut out)?;
        return Ok(out);
    }
    let chunk = n.div_ceil(threads);
    let f = &f;
    let results: Vec<Result<(), Error>> = std::thread::scope(|scope| {
        // The calling thread does the first chunk itself: one thread start
        // fewer. Errors are kept in chunk order, so the lowest row's wins.
        let mut parts = out.chunks_mut(chunk).enumerate();
        let first = parts.next();
        let handles: Vec<_> = parts
            .map(|(k, part)| scope.spawn(move || f(k * chunk..k * chunk + part.len(), part)))
            .collect();
        let here = first.map_or(Ok(()), |(_, part)| f(0..part.len(), part));
        std::iter::once(here)
            .chain(handles.into_iter().map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(invalid("worker", "a worker thread panicked".into())))
            }))
            .collect()
    });
    for r in results {
        r?;
    }
    Ok(out)
}

/// BG/NBD or MBG/NBD `E[Y(t) | x, t_x, T]` at `t = h[0]` (one horizon) or
/// `h[i]` (one per row) from the columns, without a vector of histories:
/// each part of the rows makes its own [`BgCurves`] (the cells are the
/// same whichever rows ask for them) and checks each row as it goes.
/// `None` for the other models.
fn bg_conditional(
    m: &Purchases,
    h: &[f64],
    f: &[f64],
    r: &[f64],
    a: &[f64],
) -> Option<Result<Vec<f64>, Error>> {
    if !matches!(m, Purchases::Bg(_) | Purchases::Mbg(_)) {
        return None;
    }
    let at = |i: usize| h[if h.len() == 1 { 0 } else { i }];
    Some(per_part(f.len(), |rows, out| {
        let start = rows.start;
        let curves = BgCurves::from_rows(
            m,
            rows,
            // `as u32` saturates (NaN to 0): a bad count only adds a
            // curve that is never read, as the row fails below.
            |i| (f[i] as u32, a[i]),
            |i, emit| emit(at(i)),
        )?
        .expect("BG/NBD or MBG/NBD");
        for (j, o) in out.iter_mut().enumerate() {
            let i = start + j;
            *o = curves.expected(m, &history_at(f, r, a, i)?, at(i))?;
        }
        Ok(())
    }))
}

/// Expected purchases in the next `t` for every history: the crate's bulk
/// scorers for BG/NBD, MBG/NBD and Pareto/NBD (which share the
/// per-`(x, T)` terms between customers where that pays, bit for bit the
/// per-customer function), else row by row.
fn conditional_all(
    m: &Purchases,
    population: &[CustomerHistory],
    t: f64,
) -> Result<Vec<f64>, Error> {
    if let Some(curves) = BgCurves::new(m, population, |_, emit| emit(t))? {
        return per_row(population.len(), |i| curves.expected(m, &population[i], t));
    }
    match m {
        Purchases::Bg(p) => {
            let predictor = BgNbdPredictor::new(*p, t)?;
            by_x_t(population, |rows| {
                let mut out = Vec::with_capacity(rows.len());
                predictor.score_into(rows, &mut out)?;
                Ok(out.iter().map(|s| s.expected_purchases()).collect())
            })
        }
        Purchases::Mbg(p) => {
            let predictor = MbgNbdPredictor::new(*p, t)?;
            by_x_t(population, |rows| {
                let mut out = Vec::with_capacity(rows.len());
                predictor.score_into(rows, &mut out)?;
                Ok(out.iter().map(|s| s.expected_purchases()).collect())
            })
        }
        Purchases::Pareto(p) => {
            let mut out = Vec::with_capacity(population.len());
            ParetoNbdPredictor::new(*p, t)?.score_into(population, &mut out)?;
            Ok(out.iter().map(|s| s.expected_purchases()).collect())
        }
        Purchases::Ggom(_) => {
            let t = horizon(t)?;
            per_row(population.len(), |i| m.conditional(&population[i], t))
        }
    }
}

fn discrete(frequency: &[f64], recency: &[f64], n: &[f64]) -> Result<Vec<DiscreteHistory>, Error> {
    same_length(
        &["frequency", "recency", "n_periods"],
        &[frequency, recency, n],
    )?;
    (0..frequency.len())
        .map(|i| discrete_at(frequency, recency, n, i))
        .collect()
}

/// A constructor's error for row `i` (built with customer id `i`), saying
/// "row i" where the crate says "customer i".
fn at_row(i: usize, e: Error) -> Error {
    match e {
        Error::InvalidValue { what, reason } => {
            let prefix = format!("customer {i}: ");
            let reason = reason.strip_prefix(&prefix).unwrap_or(&reason);
            Error::InvalidValue {
                what,
                reason: format!("row {i}: {reason}"),
            }
        }
        other => other,
    }
}

/// A decimal from a float, through its shortest round-trip text, so that
/// 12.3 becomes exactly 12.3 (what the user wrote), not the binary
/// expansion of the nearest double.
fn money(name: &str, i: usize, v: f64) -> Result<Decimal, Error> {
    if !v.is_finite() {
        return Err(invalid(
            "amount",
            format!("{name}[{i}] = {v} is not finite"),
        ));
    }
    // Fast path, exact: the fewest decimals k for which m / 10^k (m an
    // integer) is the double v is also the shortest round-trip text, since
    // the correctly rounded m / 10^k equals v only if that decimal reads
    // back as v, and v·10^k is within far less than ½ of m for these sizes.
    if v.abs() < 1e12 {
        let mut scale = 1.0;
        for k in 0..=9u32 {
            let m = (v * scale).round();
            if m / scale == v {
                return Ok(Decimal::new(m as i64, k));
            }
            scale *= 10.0;
        }
    }
    let text = format!("{v}");
    let d = text
        .parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(&format!("{v:e}")))
        .map_err(|e| invalid("amount", format!("{name}[{i}] = {v}: {e}")))?;
    // A value beyond a 28-digit decimal (1e-30, 1e40) would be rounded:
    // refuse rather than lose it.
    if to_f64(d) != v {
        return Err(invalid(
            "amount",
            format!("{name}[{i}] = {v} cannot be held exactly in a 28-digit decimal"),
        ));
    }
    Ok(d)
}

fn spends(frequency: &[f64], monetary: &[f64]) -> Result<Vec<SpendHistory>, Error> {
    same_length(&["frequency", "monetary_value"], &[frequency, monetary])?;
    (0..frequency.len())
        .map(|i| {
            let x = count("frequency", i, frequency[i])?;
            let z = money("monetary_value", i, monetary[i])?;
            SpendHistory::new(CustomerId::new(i as u64), x, z).map_err(|e| at_row(i, e))
        })
        .collect()
}

fn options(
    penalizer: f64,
    tol: Option<f64>,
    max_iter: Option<usize>,
    start: Option<Vec<f64>>,
) -> Result<FitOptions, Error> {
    if !(penalizer >= 0.0 && penalizer.is_finite()) {
        return Err(Error::InvalidParameter {
            name: "penalizer_coef",
            value: penalizer.to_string(),
            reason: "must be finite and >= 0",
        });
    }
    let mut o = FitOptions::new();
    if penalizer > 0.0 {
        o = o.penalty(Penalty::LifetimesL2 { lambda: penalizer });
    }
    if let Some(t) = tol {
        o = o.tolerance(t)?;
    }
    if let Some(m) = max_iter {
        o = o.max_iterations(m);
    }
    if let Some(s) = start {
        o = o.start(s);
    }
    Ok(o)
}

fn weights_or_ones(weights: Option<&[f64]>, n: usize) -> Result<Vec<f64>, Error> {
    match weights {
        None => Ok(vec![1.0; n]),
        Some(w) if w.len() != n => Err(invalid(
            "weights",
            format!("{} weights for {n} customers", w.len()),
        )),
        Some(w) => Ok(w.to_vec()),
    }
}

fn json<T: serde::Serialize>(report: &T) -> Result<String, Error> {
    serde_json::to_string(report).map_err(|e| invalid("fit report", e.to_string()))
}

/// Fits BG/NBD, MBG/NBD, Pareto/NBD or GGom/NBD (`model` = "bg-nbd",
/// "mbg-nbd", "pareto-nbd", "ggom-nbd") and returns the fit report as JSON.
#[pyfunction]
#[pyo3(signature = (model, frequency, recency, t, weights=None, penalizer=0.0, tol=None, max_iter=None, start=None))]
#[allow(clippy::too_many_arguments)]
fn fit_purchases(
    py: Python<'_>,
    model: &str,
    frequency: Arr<'_>,
    recency: Arr<'_>,
    t: Arr<'_>,
    weights: Option<Arr<'_>>,
    penalizer: f64,
    tol: Option<f64>,
    max_iter: Option<usize>,
    start: Option<Vec<f64>>,
) -> PyResult<String> {
    let (f, r, tt) = (frequency.as_slice()?, recency.as_slice()?, t.as_slice()?);
    let w = weights.as_ref().map(|w| w.as_slice()).transpose()?;
    let model = model.to_owned();
    py.detach(|| -> Result<String, Error> {
        let population = histories(f, r, tt)?;
        let w = weights_or_ones(w, population.len())?;
        let o = options(penalizer, tol, max_iter, start)?;
        match model.as_str() {
            "bg-nbd" => json(&BgNbd::with_options(o).fit_weighted(&population, &w)?),
            "mbg-nbd" => json(&MbgNbd::with_options(o).fit_weighted(&population, &w)?),
            "pareto-nbd" => json(&ParetoNbd::with_options(o).fit_weighted(&population, &w)?),
            "ggom-nbd" => json(&GgomNbd::with_options(o).fit_weighted(&population, &w)?),
            other => Err(invalid(
                "model",
                format!("{other:?} is not bg-nbd, mbg-nbd, pareto-nbd or ggom-nbd"),
            )),
        }
    })
    .map_err(to_py)
}

/// Fits BG/BB on (frequency, recency, n_periods) and returns the report as JSON.
#[pyfunction]
#[pyo3(signature = (frequency, recency, n_periods, weights=None, penalizer=0.0, tol=None, max_iter=None, start=None))]
#[allow(clippy::too_many_arguments)]
fn fit_bgbb(
    py: Python<'_>,
    frequency: Arr<'_>,
    recency: Arr<'_>,
    n_periods: Arr<'_>,
    weights: Option<Arr<'_>>,
    penalizer: f64,
    tol: Option<f64>,
    max_iter: Option<usize>,
    start: Option<Vec<f64>>,
) -> PyResult<String> {
    let (f, r, n) = (
        frequency.as_slice()?,
        recency.as_slice()?,
        n_periods.as_slice()?,
    );
    let w = weights.as_ref().map(|w| w.as_slice()).transpose()?;
    py.detach(|| -> Result<String, Error> {
        let population = discrete(f, r, n)?;
        let w = weights_or_ones(w, population.len())?;
        let o = options(penalizer, tol, max_iter, start)?;
        json(&BgBb::with_options(o).fit_weighted(&population, &w)?)
    })
    .map_err(to_py)
}

/// Fits Gamma-Gamma on (frequency, monetary_value) of repeat buyers and
/// returns the report as JSON.
#[pyfunction]
#[pyo3(signature = (frequency, monetary_value, weights=None, penalizer=0.0, tol=None, max_iter=None, start=None))]
#[allow(clippy::too_many_arguments)]
fn fit_gamma_gamma(
    py: Python<'_>,
    frequency: Arr<'_>,
    monetary_value: Arr<'_>,
    weights: Option<Arr<'_>>,
    penalizer: f64,
    tol: Option<f64>,
    max_iter: Option<usize>,
    start: Option<Vec<f64>>,
) -> PyResult<String> {
    let (f, m) = (frequency.as_slice()?, monetary_value.as_slice()?);
    let w = weights.as_ref().map(|w| w.as_slice()).transpose()?;
    py.detach(|| -> Result<String, Error> {
        let population = spends(f, m)?;
        let w = weights_or_ones(w, population.len())?;
        let o = options(penalizer, tol, max_iter, start)?;
        json(&GammaGamma::with_options(o).fit_weighted(&population, &w)?)
    })
    .map_err(to_py)
}

/// One of the continuous-time purchase models at given parameters.
enum Purchases {
    Bg(BgNbdParams),
    Mbg(MbgNbdParams),
    Pareto(ParetoNbdParams),
    Ggom(GgomNbdParams),
}

impl Purchases {
    fn new(model: &str, p: &[f64]) -> Result<Self, Error> {
        if model == "ggom-nbd" {
            let [r, alpha, b, s, beta] = <[f64; 5]>::try_from(p).map_err(|_| {
                invalid(
                    "parameters",
                    format!("{} values given, 5 expected", p.len()),
                )
            })?;
            return Ok(Self::Ggom(GgomNbdParams::new(r, alpha, b, s, beta)?));
        }
        let [a, b, c, d] = <[f64; 4]>::try_from(p).map_err(|_| {
            invalid(
                "parameters",
                format!("{} values given, 4 expected", p.len()),
            )
        })?;
        match model {
            "bg-nbd" => Ok(Self::Bg(BgNbdParams::new(a, b, c, d)?)),
            "mbg-nbd" => Ok(Self::Mbg(MbgNbdParams::new(a, b, c, d)?)),
            "pareto-nbd" => Ok(Self::Pareto(ParetoNbdParams::new(a, b, c, d)?)),
            other => Err(invalid(
                "model",
                format!("{other:?} is not bg-nbd, mbg-nbd, pareto-nbd or ggom-nbd"),
            )),
        }
    }
    fn p_alive(&self, h: &CustomerHistory) -> Result<f64, Error> {
        match self {
            Self::Bg(p) => Ok(p.p_alive(h)),
            Self::Mbg(p) => Ok(p.p_alive(h)),
            Self::Pareto(p) => p.p_alive(h),
            Self::Ggom(p) => p.p_alive(h),
        }
    }
    fn conditional(&self, h: &CustomerHistory, t: f64) -> Result<f64, Error> {
        match self {
            Self::Bg(p) => p.expected_purchases(h, t),
            Self::Mbg(p) => p.expected_purchases(h, t),
            Self::Pareto(p) => p.expected_purchases(h, t),
            Self::Ggom(p) => p.expected_purchases(h, t),
        }
    }
    fn unconditional(&self, t: f64) -> Result<f64, Error> {
        match self {
            Self::Bg(p) => p.expected_purchases_new(t),
            Self::Mbg(p) => p.expected_purchases_new(t),
            Self::Pareto(p) => p.expected_purchases_new(t),
            Self::Ggom(p) => p.expected_purchases_new(t),
        }
    }
    fn pmf(&self, t: f64, n: u32) -> Result<f64, Error> {
        match self {
            // n = 0 in closed form, (α/(α+t))^r, as the all-zero array path.
            Self::Bg(p) if n == 0 => bg_no_purchases(p, t),
            Self::Bg(p) => p.prob_purchases(t, n),
            Self::Mbg(p) => p.prob_purchases(t, n),
            Self::Pareto(p) => p.prob_purchases(t, n),
            Self::Ggom(_) => Err(invalid(
                "model",
                "GGom/NBD has no new-customer pmf in the crate; use the conditional pmf".into(),
            )),
        }
    }
    fn conditional_pmf(&self, h: &CustomerHistory, t: f64, n: u32) -> Result<f64, Error> {
        match self {
            Self::Bg(p) => p.conditional_prob_purchases(h, t, n),
            Self::Mbg(p) => p.conditional_prob_purchases(h, t, n),
            Self::Pareto(p) => p.conditional_prob_purchases(h, t, n),
            Self::Ggom(p) => p.conditional_prob_purchases(h, t, n),
        }
    }
    fn dert(&self, h: &CustomerHistory, delta: f64) -> Result<f64, Error> {
        match self {
            Self::Pareto(p) => p.dert(h, delta),
            Self::Ggom(p) => p.dert(h, delta),
            _ => Err(invalid(
                "model",
                "DERT needs a pareto-nbd or ggom-nbd model".into(),
            )),
        }
    }
}

/// BG/NBD P(alive) over many rows, bit for bit
/// [`BgNbdParams::p_alive`]: `1 / (1 + a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))`
/// for `x > 0`, 1 for `x = 0` (Fader, Hardie & Lee 2005, eq. 13), evaluated
/// as `expit(−(ln a − ln(b+x−1) + (r+x)·ln1p((T−t_x)/(α+t_x))))` with the
/// first two terms computed once per purchase count below
/// [`BgAlive::TABLE`]. Time in the caller's unit.
struct BgAlive {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
    /// `ln a − ln(b + x − 1)` for x in 1..TABLE (index x); MBG/NBD:
    /// `ln a − ln(b + x)` for x in 0..TABLE.
    head: Vec<f64>,
    /// MBG/NBD (Batislam et al. 2007, eq. 5): `b + x` for `b + x − 1`,
    /// and the formula also for `x = 0`.
    modified: bool,
}

impl BgAlive {
    const TABLE: usize = 1024;

    /// The table's length for `rows` rows: at most one entry per row, so
    /// that a call on a few rows does not pay for 1024 logarithms.
    fn table_len(rows: usize) -> usize {
        rows.min(Self::TABLE)
    }

    fn new(p: &BgNbdParams, rows: usize) -> Self {
        let (r, alpha, a, b) = (p.r(), p.alpha(), p.a(), p.b());
        let head = (0..Self::table_len(rows))
            .map(|x| a.ln() - (b + (x as f64 - 1.0)).ln())
            .collect();
        BgAlive {
            r,
            alpha,
            a,
            b,
            head,
            modified: false,
        }
    }

    /// MBG/NBD P(alive), bit for bit [`MbgNbdParams::p_alive`]:
    /// `1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x))` for every `x`, the
    /// same evaluation as BG/NBD's with `ln a − ln(b+x)` tabulated.
    fn modified(p: &MbgNbdParams, rows: usize) -> Self {
        let (r, alpha, a, b) = (p.r(), p.alpha(), p.a(), p.b());
        let head = (0..Self::table_len(rows))
            .map(|x| a.ln() - (b + x as f64).ln())
            .collect();
        BgAlive {
            r,
            alpha,
            a,
            b,
            head,
            modified: true,
        }
    }

    /// P(alive) of every row, as [`p_alive`](Self::p_alive) to about
    /// `1e-15` relative, in three branch-free passes per chunk (the
    /// logarithms, then the table lookups and the logistic, then the rows
    /// with a purchase count beyond the table, row by row). `None` when a
    /// row is invalid.
    fn p_alive_batch(&self, f: &[f64], r: &[f64], t: &[f64]) -> Option<Vec<f64>> {
        self.p_alive_batch_at(f, r, t, false)
    }

    /// [`p_alive_batch`](Self::p_alive_batch), with `limits` the
    /// histories of [`limit_columns`] read at their limits (each row
    /// rewritten by [`limit_row`] inside the kernel, so bit for bit the
    /// values of the rewritten columns, without a pass of its own).
    fn p_alive_batch_at(&self, f: &[f64], r: &[f64], t: &[f64], limits: bool) -> Option<Vec<f64>> {
        if limits {
            self.p_alive_kernel::<true>(f, r, t)
        } else {
            self.p_alive_kernel::<false>(f, r, t)
        }
    }

    fn p_alive_kernel<const LIMITS: bool>(
        &self,
        f: &[f64],
        r: &[f64],
        t: &[f64],
    ) -> Option<Vec<f64>> {
        const ROUND: f64 = 6_755_399_441_055_744.0;
        let last = self.head.len();
        let limit = last as f64;
        batch(
            f.len(),
            #[inline(always)]
            |start, out| {
                let end = start + out.len();
                let (f, r, t) = (&f[start..end], &r[start..end], &t[start..end]);
                let mut ok = true;
                for (((o, &fx), &t_x), &big_t) in out.iter_mut().zip(f).zip(r).zip(t) {
                    let (t_x, big_t) = if LIMITS {
                        limit_row(fx, t_x, big_t)
                    } else {
                        (t_x, big_t)
                    };
                    // A whole count below 2^32 (adding 1.5·2^52 rounds to a
                    // whole number), and the checks of `p_alive`.
                    let whole =
                        ((fx + ROUND) - ROUND == fx) & (fx >= 0.0) & (fx <= f64::from(u32::MAX));
                    ok &= whole
                        & (big_t < f64::INFINITY)
                        & (big_t > 0.0)
                        & (t_x >= 0.0)
                        & (t_x <= big_t)
                        & ((fx == 0.0) == (t_x == 0.0));
                    *o = vecmath::ln_1p((big_t - t_x) / (self.alpha + t_x));
                }
                if !ok {
                    return false;
                }
                // The table lookup (a gather, which kept the whole loop
                // scalar) in its own pass, then the logistic in a loop
                // that compiles to vector code; the same operations as one
                // loop, so the same bits.
                let (table, modified, shape) = (&self.head[..], self.modified, self.r);
                let Some(top) = table.len().checked_sub(1) else {
                    return out.is_empty();
                };
                for (o, &fx) in out.iter_mut().zip(f) {
                    let x = ((fx + ROUND).to_bits() & 0xffff_ffff) as usize;
                    *o = table[x.min(top)] + (shape + fx) * *o;
                }
                for (o, &fx) in out.iter_mut().zip(f) {
                    let p = Self::logistic(*o);
                    *o = if (fx == 0.0) & !modified { 1.0 } else { p };
                }
                // Counts beyond the table: their head term as the table's,
                // the rest as above, so that the bits do not depend on the
                // table's length (which follows the number of rows).
                for (j, &fx) in f.iter().enumerate() {
                    if fx >= limit {
                        let head = if self.modified {
                            self.a.ln() - (self.b + fx).ln()
                        } else {
                            self.a.ln() - (self.b + (fx - 1.0)).ln()
                        };
                        let (t_x, big_t) = if LIMITS {
                            limit_row(fx, r[j], t[j])
                        } else {
                            (r[j], t[j])
                        };
                        let w = vecmath::ln_1p((big_t - t_x) / (self.alpha + t_x));
                        out[j] = Self::logistic(head + (self.r + fx) * w);
                    }
                }
                true
            },
        )
    }

    /// `1/(1 + e^v)` without a branch on the sign of `v`: `1/(1 + e^v)`
    /// for `v ≤ 0`, `e^−v/(1 + e^−v)` above, the crate's arithmetic with
    /// [`vecmath::exp`].
    #[inline(always)]
    fn logistic(v: f64) -> f64 {
        let e = vecmath::exp(-v.abs());
        let top = if v <= 0.0 { 1.0 } else { e };
        top / (1.0 + e)
    }

    fn p_alive(&self, f: &[f64], r: &[f64], t: &[f64], i: usize) -> Result<f64, Error> {
        // The same checks as building the history (a whole count in
        // u32 range: the saturating cast gives the value back; t_x finite
        // as it lies in [0, T]), without a libm call; on failure the
        // checks that name what is wrong.
        let (fx, t_x, big_t) = (f[i], r[i], t[i]);
        let x = fx as u32;
        let valid = f64::from(x) == fx
            && big_t.is_finite()
            && big_t > 0.0
            && t_x >= 0.0
            && t_x <= big_t
            && ((x == 0) == (t_x == 0.0));
        if !valid {
            count("frequency", i, fx)?;
            history_at(f, r, t, i)?;
        }
        if x == 0 && !self.modified {
            return Ok(1.0);
        }
        let xf = f64::from(x);
        let head = match self.head.get(x as usize) {
            Some(&h) => h,
            None if self.modified => self.a.ln() - (self.b + xf).ln(),
            None => self.a.ln() - (self.b + (xf - 1.0)).ln(),
        };
        let v = head + (self.r + xf) * ((big_t - t_x) / (self.alpha + t_x)).ln_1p();
        // expit(−v) without a branch on the sign of v (unpredictable over
        // a population): 1/(1 + e^v) for v ≤ 0, e^−v/(1 + e^−v) above,
        // the same arithmetic as the crate's.
        let e = (-v.abs()).exp();
        let top = if v <= 0.0 { 1.0 } else { e };
        Ok(top / (1.0 + e))
    }
}

/// One row of [`limit_columns`]: `(t_x, T)` rewritten to the limit they
/// stand for, or as given. Branch-free, for the SIMD kernels.
#[inline(always)]
fn limit_row(fx: f64, t_x: f64, big_t: f64) -> (f64, f64) {
    let stale = (fx == 0.0) & (t_x > 0.0) & (t_x < f64::INFINITY);
    let t_x = if stale { 0.0 } else { t_x };
    let t_x = if (fx != 0.0) & (t_x == 0.0) {
        LIMIT_TINY
    } else {
        t_x
    };
    let big_t = if (big_t == 0.0) & (t_x <= LIMIT_TINY) {
        LIMIT_TINY
    } else {
        big_t
    };
    (t_x, big_t)
}

/// The smallest positive double: the `0+` of [`limit_columns`].
const LIMIT_TINY: f64 = f64::from_bits(1);

/// The histories that lifetimes evaluates and the crate refuses, rewritten
/// to what they mean (the lifetimes layer's reading, documented in its
/// `_limit_histories`), or `None` when there are none:
///
/// * `frequency == 0` with a finite `recency > 0`: no repeat purchase has
///   no recency; read as recency 0 (lifetimes' plotting passes these).
/// * `frequency > 0` with `recency == 0`: repeat purchases at the first
///   one's moment; the limit `recency -> 0+` (the smallest positive
///   double), lifetimes' formula at recency 0.
/// * `T == 0` with `recency` 0 (after the above): a customer first seen at
///   the end of the period (`calibration_and_holdout_data` gives these);
///   the limit `T -> 0+`.
///
/// One pass to find the first such row; the columns are copied only when
/// there is one.
fn limit_columns(f: &[f64], r: &[f64], t: &[f64]) -> Option<[Vec<f64>; 3]> {
    let n = f.len();
    if r.len() != n || t.len() != n {
        return None;
    }
    let moved = |i: usize| {
        let (t_x, big_t) = limit_row(f[i], r[i], t[i]);
        (t_x.to_bits(), big_t.to_bits()) != (r[i].to_bits(), t[i].to_bits())
    };
    let first = (0..n).find(|&i| moved(i))?;
    let mut r2 = r.to_vec();
    let mut t2 = t.to_vec();
    for i in first..n {
        (r2[i], t2[i]) = limit_row(f[i], r[i], t[i]);
    }
    Some([f.to_vec(), r2, t2])
}

/// `call(f, r, t)`, on the columns of [`limit_columns`] when `limits` and
/// there is a limit history to rewrite, else on the columns as given.
fn with_limits<T>(
    limits: bool,
    f: &[f64],
    r: &[f64],
    t: &[f64],
    call: impl FnOnce(&[f64], &[f64], &[f64]) -> T,
) -> T {
    if limits && let Some([f, r, t]) = limit_columns(f, r, t) {
        return call(&f, &r, &t);
    }
    call(f, r, t)
}

/// lifetimes' limit histories rewritten ([`limit_columns`]): the three
/// columns, or `None` when no row is one (the lifetimes layer's
/// `_limit_histories`).
#[pyfunction]
fn limit_histories<'py>(
    py: Python<'py>,
    frequency: Arr<'py>,
    recency: Arr<'py>,
    age: Arr<'py>,
) -> PyResult<Option<(Out<'py>, Out<'py>, Out<'py>)>> {
    let (f, r, a) = (frequency.as_slice()?, recency.as_slice()?, age.as_slice()?);
    let fixed = py.detach(|| limit_columns(f, r, a));
    Ok(fixed.map(|[f, r, a]| (out(py, f), out(py, r), out(py, a))))
}

fn out(py: Python<'_>, v: Vec<f64>) -> Bound<'_, PyArray1<f64>> {
    v.into_pyarray(py)
}

/// Two MiB: the huge page size of x86-64 Linux.
const HUGE_PAGE: usize = 2 << 20;

/// `n` zeros, for an output array. On Linux the whole 2 MiB pages inside a
/// large allocation are marked for transparent huge pages (as numpy marks
/// its own arrays of 4 MiB and more): with the kernel's default `madvise`
/// policy, writing 1M fresh values otherwise takes 2,048 page faults, which
/// cost as much as the arithmetic of the closed forms. Where the memory
/// was already touched (reused from the allocator's heap) the advice is
/// harmless; the values are zeros either way.
fn zeroed(n: usize) -> Vec<f64> {
    let v = vec![0.0; n];
    #[cfg(target_os = "linux")]
    if n * std::mem::size_of::<f64>() >= 2 * HUGE_PAGE {
        let start = v.as_ptr() as usize;
        let lo = start.next_multiple_of(HUGE_PAGE);
        let hi = (start + n * std::mem::size_of::<f64>()) / HUGE_PAGE * HUGE_PAGE;
        if hi > lo {
            // SAFETY: [lo, hi) lies inside `v`'s allocation, and
            // MADV_HUGEPAGE changes only how the kernel backs the pages,
            // never their contents; a failure (an old kernel) is ignored.
            unsafe {
                libc::madvise(lo as *mut libc::c_void, hi - lo, libc::MADV_HUGEPAGE);
            }
        }
    }
    v
}

/// `kernel(start, out)` fills `out` with rows `start..start + out.len()`
/// and says whether every one of them was valid; over contiguous chunks on
/// the machine's cores for large inputs, as [`per_row`]. `None` when a row
/// was invalid: the caller then runs its row-by-row path, which names the
/// first bad value. The kernels are branch-free loops that compile to SIMD
/// code ([`vecmath`]), so validation rides along with the arithmetic.
fn batch(n: usize, kernel: impl Fn(usize, &mut [f64]) -> bool + Sync) -> Option<Vec<f64>> {
    batch_above(n, PARALLEL_ROWS, kernel)
}

/// [`batch`] that splits the rows over threads only from `parallel_rows`
/// rows on: for kernels so cheap a row that a thread's start would cost
/// more than it saves below that.
fn batch_above(
    n: usize,
    parallel_rows: usize,
    kernel: impl Fn(usize, &mut [f64]) -> bool + Sync,
) -> Option<Vec<f64>> {
    batch_into_above(zeroed(n), parallel_rows, kernel)
}

/// [`batch`] over a given vector, which the kernel reads and overwrites
/// (a second pass over the first pass's values).
fn batch_into(
    out: Vec<f64>,
    kernel: impl Fn(usize, &mut [f64]) -> bool + Sync,
) -> Option<Vec<f64>> {
    batch_into_above(out, PARALLEL_ROWS, kernel)
}

/// [`batch_into`] with the threshold of [`batch_above`]. The calling
/// thread does the first chunk itself: one thread start fewer.
fn batch_into_above(
    mut out: Vec<f64>,
    parallel_rows: usize,
    kernel: impl Fn(usize, &mut [f64]) -> bool + Sync,
) -> Option<Vec<f64>> {
    let n = out.len();
    let threads = if n < parallel_rows { 1 } else { threads() };
    if threads < 2 {
        return simd(
            #[inline(always)]
            || kernel(0, &mut out),
        )
        .then_some(out);
    }
    let chunk = n.div_ceil(threads);
    let kernel = &kernel;
    let ok = std::thread::scope(|scope| {
        let mut parts = out.chunks_mut(chunk).enumerate();
        let (_, first) = parts.next()?;
        let handles: Vec<_> = parts
            .map(|(k, part)| {
                scope.spawn(move || {
                    simd(
                        #[inline(always)]
                        || kernel(k * chunk, part),
                    )
                })
            })
            .collect();
        let here = simd(
            #[inline(always)]
            || kernel(0, first),
        );
        Some(
            handles
                .into_iter()
                .fold(here, |ok, h| h.join().unwrap_or(false) & ok),
        )
    });
    ok.unwrap_or(true).then_some(out)
}

/// `f()`, compiled for AVX-512 (eight doubles per instruction) or AVX2
/// and FMA (four instead of SSE2's two) when the CPU has them, else as the
/// baseline build. The arithmetic is the same either way: Rust does not
/// fuse a multiply and an add into one FMA by itself, and every kernel
/// works element by element (no reductions that a wider vector would
/// reorder), so all three give the same bits.
#[inline(always)]
fn simd<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2,fma")]
        fn avx512<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU has the features `avx512` is compiled for.
            return unsafe { avx512(f) };
        }
        #[target_feature(enable = "avx2,fma")]
        fn avx2<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU has the features `avx2` is compiled for.
            return unsafe { avx2(f) };
        }
    }
    f()
}

/// `t` is a horizon (finite, ≥ 0) and `v` a finite value: the checks of
/// [`horizon`] and of the crate's results, without a branch.
#[inline(always)]
fn horizon_ok(t: f64, v: f64) -> bool {
    (0.0..f64::INFINITY).contains(&t) & (v.abs() < f64::INFINITY)
}

/// Pareto/NBD `E[X(t)]` of a new customer for every horizon of `h`, the
/// value of [`ParetoNbdParams::expected_purchases_new`]
/// (`r β / α · (1 − (β/(β+t))^(s−1)) / (s − 1)`, `r β / α · ln(1 + t/β)`
/// at `s = 1`; Schmittlein, Morrison & Colombo 1987, as Fader & Hardie's
/// note 009 eq. 17) to about `1e-15` relative: one `ln(1 + t/β)` and one
/// `e^u − 1` per horizon from [`vecmath`]. `None` for an invalid horizon
/// or an overflow.
fn pareto_new_batch(p: &ParetoNbdParams, h: &[f64]) -> Option<Vec<f64>> {
    let (scale, u, beta) = (p.r() * p.beta() / p.alpha(), p.s() - 1.0, p.beta());
    // One multiplication per row for the two divisions of the formula.
    let (inv_beta, by_u) = (1.0 / beta, -scale / u);
    batch(
        h.len(),
        #[inline(always)]
        |start, out| {
            let h = &h[start..start + out.len()];
            let mut ok = true;
            if u == 0.0 {
                for (o, &t) in out.iter_mut().zip(h) {
                    let v = scale * vecmath::ln_1p(t * inv_beta);
                    ok &= horizon_ok(t, v);
                    *o = v;
                }
            } else {
                for (o, &t) in out.iter_mut().zip(h) {
                    let l = -vecmath::ln_1p(t * inv_beta);
                    // + 0: 0 at t = 0, not −0.
                    let v = vecmath::exp_m1(u * l) * by_u + 0.0;
                    ok &= horizon_ok(t, v);
                    *o = v;
                }
            }
            ok
        },
    )
}

/// BG/NBD `P(X(t) = 0)` at one horizon, the arithmetic of
/// [`bg_no_purchases_batch`] (so that a row's value does not depend on
/// the rows beside it).
fn bg_no_purchases(p: &BgNbdParams, t: f64) -> Result<f64, Error> {
    let t = horizon(t)?;
    Ok(vecmath::exp(-p.r() * vecmath::ln_1p(t * (1.0 / p.alpha()))))
}

/// BG/NBD `P(X(t) = 0) = (α/(α+t))^r` of a new customer for every
/// horizon, the value of [`BgNbdParams::prob_no_purchases`] to about
/// `1e-15` relative, as `exp(−r ln(1 + t/α))` from [`vecmath`].
fn bg_no_purchases_batch(p: &BgNbdParams, h: &[f64]) -> Option<Vec<f64>> {
    let (r, inv_alpha) = (p.r(), 1.0 / p.alpha());
    batch(
        h.len(),
        #[inline(always)]
        |start, out| {
            let h = &h[start..start + out.len()];
            let mut ok = true;
            for (o, &t) in out.iter_mut().zip(h) {
                let v = vecmath::exp(-r * vecmath::ln_1p(t * inv_alpha));
                ok &= horizon_ok(t, v);
                *o = v;
            }
            ok
        },
    )
}

/// A horizon: finite and >= 0.
fn horizon(t: f64) -> Result<f64, Error> {
    if !(t >= 0.0 && t.is_finite()) {
        return Err(Error::InvalidParameter {
            name: "t",
            value: t.to_string(),
            reason: "must be finite and >= 0",
        });
    }
    Ok(t)
}

/// P(alive | frequency, recency, T) per customer. With `limits`, the
/// histories of [`limit_columns`] are evaluated at their limits instead of
/// refused (the lifetimes layer's reading).
#[pyfunction]
#[pyo3(signature = (model, params, frequency, recency, t, limits = false))]
fn conditional_probability_alive<'py>(
    py: Python<'py>,
    model: &str,
    params: Vec<f64>,
    frequency: Arr<'py>,
    recency: Arr<'py>,
    t: Arr<'py>,
    limits: bool,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (f, r, tt) = (frequency.as_slice()?, recency.as_slice()?, t.as_slice()?);
    let v = py
        .detach(|| -> Result<Vec<f64>, Error> {
            let m = Purchases::new(model, &params)?;
            same_length(&["frequency", "recency", "T"], &[f, r, tt])?;
            let fast = match &m {
                Purchases::Bg(p) => Some(BgAlive::new(p, f.len())),
                Purchases::Mbg(p) => Some(BgAlive::modified(p, f.len())),
                _ => None,
            };
            if let Some(v) = fast
                .as_ref()
                .and_then(|fast| fast.p_alive_batch_at(f, r, tt, limits))
            {
                // The limits rewritten inside the kernel: no extra pass.
                return Ok(v);
            }
            with_limits(limits, f, r, tt, |f, r, tt| {
                if let Some(fast) = &fast {
                    // An invalid row (the usual reason): its error at
                    // once, without evaluating the rows after it.
                    histories(f, r, tt)?;
                    return per_row(f.len(), |i| fast.p_alive(f, r, tt, i));
                }
                if let Purchases::Pareto(p) = &m {
                    // Bit for bit the crate's P(alive), its K terms computed
                    // once per distinct (x, time) instead of twice per row.
                    let bulk = ParetoNbdBulk::new(*p);
                    return pareto_columns(f, r, tt, |x| bulk.p_alive_columns(x, r, tt));
                }
                per_distinct(
                    f.len(),
                    |i| bits([f, r, tt], i),
                    |i| m.p_alive(&history_at(f, r, tt, i)?),
                )
            })
        })
        .map_err(to_py)?;
    Ok(out(py, v))
}

/// E[purchases in (T, T + t] | frequency, recency, T] per customer; `t`
/// is one horizon for every customer, or one per customer. `limits` as in
/// [`conditional_probability_alive`].
#[pyfunction]
#[pyo3(signature = (model, params, t, frequency, recency, age, limits = false))]
#[allow(clippy::too_many_arguments)]
fn conditional_expected_purchases<'py>(
    py: Python<'py>,
    model: &str,
    params: Vec<f64>,
    t: Arr<'py>,
    frequency: Arr<'py>,
    recency: Arr<'py>,
    age: Arr<'py>,
    limits: bool,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (h, f, r, a) = (
        t.as_slice()?,
        frequency.as_slice()?,
        recency.as_slice()?,
        age.as_slice()?,
    );
    let v = py
        .detach(|| -> Result<Vec<f64>, Error> {
            let m = Purchases::new(model, &params)?;
            if let Some(v) = bg_conditional_batch(&m, h, f, r, a, limits) {
                // The limits rewritten inside the kernels: no extra pass.
                return Ok(v);
            }
            with_limits(limits, f, r, a, |f, r, a| {
                if let (Purchases::Pareto(p), 1) = (&m, h.len()) {
                    // Bit for bit the crate's function, at any size.
                    let bulk = ParetoNbdBulk::new(*p);
                    return pareto_columns(f, r, a, |x| {
                        bulk.expected_purchases_columns(x, r, a, horizon(h[0])?)
                    });
                }
                same_length(&["frequency", "recency", "T"], &[f, r, a])?;
                if h.len() != 1 && h.len() != f.len() {
                    // The rows' own errors first, as before.
                    histories(f, r, a)?;
                    return Err(invalid(
                        "t",
                        format!("{} horizons for {} customers", h.len(), f.len()),
                    ));
                }
                // (The batch path above has failed, here on the rewritten
                // columns too: they are what its kernels read.)
                if matches!(m, Purchases::Bg(_) | Purchases::Mbg(_)) {
                    // An invalid row's error at once (the error the path below
                    // gives first), without building every row's cells.
                    histories(f, r, a)?;
                }
                if let Some(v) = bg_conditional(&m, h, f, r, a) {
                    // The rows' own errors before a horizon's, as before.
                    return v.or_else(|e| {
                        histories(f, r, a)?;
                        Err(e)
                    });
                }
                let population = histories(f, r, a)?;
                if h.len() == 1 && population.len() >= PARALLEL_ROWS {
                    return conditional_all(&m, &population, horizon(h[0])?);
                }
                per_distinct(
                    population.len(),
                    |i| {
                        let j = if h.len() == 1 { 0 } else { i };
                        [f[i], r[i], a[i], h[j]].map(f64::to_bits)
                    },
                    |i| {
                        m.conditional(
                            &population[i],
                            horizon(h[if h.len() == 1 { 0 } else { i }])?,
                        )
                    },
                )
            })
        })
        .map_err(to_py)?;
    Ok(out(py, v))
}

/// P(X(T, T+t) = n | x, t_x, T) per customer: the conditional pmf of the
/// purchase count in the next `t` (the crate's `conditional_prob_purchases`).
/// `limits` as in [`conditional_probability_alive`].
#[pyfunction]
#[pyo3(signature = (model, params, n, t, frequency, recency, age, limits = false))]
#[allow(clippy::too_many_arguments)]
fn conditional_prob_purchases<'py>(
    py: Python<'py>,
    model: &str,
    params: Vec<f64>,
    n: u32,
    t: f64,
    frequency: Arr<'py>,
    recency: Arr<'py>,
    age: Arr<'py>,
    limits: bool,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (f, r, a) = (frequency.as_slice()?, recency.as_slice()?, age.as_slice()?);
    let v = py
        .detach(|| -> Result<Vec<f64>, Error> {
            let m = Purchases::new(model, &params)?;
            let t = horizon(t)?;
            same_length(&["frequency", "recency", "T"], &[f, r, a])?;
            with_limits(limits, f, r, a, |f, r, a| {
                if let Purchases::Pareto(p) = &m {
                    // The same arithmetic for every row of every call (a row's
                    // value never depends on the rows beside it).
                    let bulk = ParetoNbdBulk::new(*p);
                    return pareto_columns(f, r, a, |x| {
                        bulk.conditional_prob_purchases_columns(x, r, a, t, n)
                    });
                }
                per_distinct(
                    f.len(),
                    |i| bits([f, r, a], i),
                    |i| m.conditional_pmf(&history_at(f, r, a, i)?, t, n),
                )
            })
        })
        .map_err(to_py)?;
    Ok(out(py, v))
}

/// BG/BB P(X(n) = x) for a new customer, for each `x` (Fader, Hardie &
/// Shang 2010, eq. 7).
#[pyfunction]
fn bgbb_prob_new<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    n: u32,
    xs: Vec<u32>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let v = py
        .detach(|| -> Result<Vec<f64>, Error> {
            let p = bgbb_params(&params)?;
            xs.iter().map(|&x| p.prob_transactions_new(n, x)).collect()
        })
        .map_err(to_py)?;
    Ok(out(py, v))
}

/// Horizons from which [`expected_purchases_new`] builds a
/// [`NewCustomerCurve`] (its cells cost a few series each).
const CURVE_ROWS: usize = 64;

/// E[X(t)] for a new customer, per horizon.
#[pyfunction]
fn expected_purchases_new<'py>(
    py: Python<'py>,
    model: &str,
    params: Vec<f64>,
    t: Arr<'py>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let h = t.as_slice()?;
    let v = py
        .detach(|| -> Result<Vec<f64>, Error> {
            let m = Purchases::new(model, &params)?;
            // BG/NBD and MBG/NBD: a Taylor expansion per cell of
            // horizons instead of a long series per horizon; Pareto/NBD:
            // a closed form, cheaper than hashing the horizons.
            let curve = match &m {
                Purchases::Bg(p) if h.len() >= CURVE_ROWS => Some(NewCustomerCurve::bg(p, h)),
                Purchases::Mbg(p) if h.len() >= CURVE_ROWS => Some(NewCustomerCurve::mbg(p, h)),
                _ => None,
            };
            if let Some(curve) = curve {
                return per_row(h.len(), |i| curve.expected_purchases(horizon(h[i])?));
            }
            if let Purchases::Pareto(p) = &m {
                if let Some(v) = pareto_new_batch(p, h) {
                    return Ok(v);
                }
                return per_row(h.len(), |i| m.unconditional(horizon(h[i])?));
            }
            per_distinct(
                h.len(),
                |i| h[i].to_bits(),
                |i| m.unconditional(horizon(h[i])?),
            )
        })
        .map_err(to_py)?;
    Ok(out(py, v))
}

/// P(X(t) = n) for a new customer, per (t, n) pair.
#[pyfunction]
fn probability_of_n_purchases<'py>(
    py: Python<'py>,
    model: &str,
    params: Vec<f64>,
    t: Arr<'py>,
    n: Arr<'py>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (h, k) = (t.as_slice()?, n.as_slice()?);
    let v = py
        .detach(|| -> Result<Vec<f64>, Error> {
            // One `n` for every horizon (a scalar `n` in Python) crosses
            // as one value.
            let all_n;
            let k = if k.len() == 1 && h.len() != 1 {
                all_n = vec![k[0]; h.len()];
                &all_n[..]
            } else {
                k
            };
            same_length(&["t", "n"], &[h, k])?;
            let m = Purchases::new(model, &params)?;
            if let Purchases::Bg(p) = &m
                && k.iter().all(|&n| n == 0.0)
            {
                if let Some(v) = bg_no_purchases_batch(p, h) {
                    return Ok(v);
                }
                // BG/NBD at n = 0: (α/(α+t))^r, cheaper than hashing.
                return per_row(h.len(), |i| bg_no_purchases(p, h[i]));
            }
            per_distinct(
                h.len(),
                |i| bits([h, k], i),
                |i| m.pmf(horizon(h[i])?, count("n", i, k[i])?),
            )
        })
        .map_err(to_py)?;
    Ok(out(py, v))
}

/// Python lifetimes' CLV: Σ_{k=1..time} m̂ · [E(Y(k f)) − E(Y((k−1) f))] / (1+d)^k
/// with f = `factor` time units per period, discounting at each period's end.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn customer_lifetime_value<'py>(
    py: Python<'py>,
    model: &str,
    params: Vec<f64>,
    spend_params: Vec<f64>,
    frequency: Arr<'py>,
    recency: Arr<'py>,
    age: Arr<'py>,
    monetary_value: Arr<'py>,
    time: u32,
    discount_rate: f64,
    factor: f64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (f, r, a, m) = (
        frequency.as_slice()?,
        recency.as_slice()?,
        age.as_slice()?,
        monetary_value.as_slice()?,
    );
    let v = py
        .detach(|| -> Result<Vec<f64>, Error> {
            lifetimes_internals::clv_arguments(discount_rate, factor)?;
            let model = Purchases::new(model, &params)?;
            let [p, q, g] = <[f64; 3]>::try_from(&spend_params[..]).map_err(|_| {
                invalid(
                    "spend parameters",
                    format!("{} values given, 3 expected", spend_params.len()),
                )
            })?;
            let spend = GammaGammaParams::new(p, q, g)?;
            // The Gamma-Gamma expected spend as each row's value (rows
            // checked by `clv_rows` before any is read).
            lifetimes_internals::clv_rows(&model, [f, r, a, m], time, discount_rate, factor, |i| {
                spend_at(&spend, f, m, i)
            })
        })
        .map_err(to_py)?;
    Ok(out(py, v))
}

/// Gamma-Gamma E[mean spend | frequency, monetary_value] per customer (the
/// population mean for frequency 0).
#[pyfunction]
fn conditional_expected_average_profit<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    frequency: Arr<'py>,
    monetary_value: Arr<'py>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (f, m) = (frequency.as_slice()?, monetary_value.as_slice()?);
    let v = py
        .detach(|| -> Result<Vec<f64>, Error> {
            let [p, q, g] = <[f64; 3]>::try_from(&params[..]).map_err(|_| {
                invalid(
                    "parameters",
                    format!("{} values given, 3 expected", params.len()),
                )
            })?;
            let spend = GammaGammaParams::new(p, q, g)?;
            same_length(&["frequency", "monetary_value"], &[f, m])?;
            if let Some(v) = spend_batch(&spend, f, m) {
                return Ok(v);
            }
            per_row(f.len(), |i| spend_at(&spend, f, m, i))
        })
        .map_err(to_py)?;
    Ok(out(py, v))
}

/// Gamma-Gamma's expected spend of every row, bit for bit [`spend_at`]
/// where every row takes its float formula (`p (γ + x z̄) / (p x + q − 1)`,
/// Fader, Hardie & Lee 2005b): one branch-free pass that checks the rows
/// as it goes. `None` when a row needs the decimal path (or is invalid).
fn spend_batch(spend: &GammaGammaParams, f: &[f64], m: &[f64]) -> Option<Vec<f64>> {
    const ROUND: f64 = 6_755_399_441_055_744.0;
    let (p, q, g) = (spend.p(), spend.q(), spend.gamma());
    batch(
        f.len(),
        #[inline(always)]
        |start, out| {
            let end = start + out.len();
            let (f, m) = (&f[start..end], &m[start..end]);
            let mut ok = true;
            for ((o, &fx), &z) in out.iter_mut().zip(f).zip(m) {
                let whole =
                    ((fx + ROUND) - ROUND == fx) & (fx >= 0.0) & (fx <= f64::from(u32::MAX));
                let plain = ((z == 0.0) & (fx == 0.0)) | (1e-6..1e12).contains(&z);
                let denom = p * fx + q - 1.0;
                ok &= whole & plain & ((fx == 0.0) | (z > 0.0)) & (denom > 0.0);
                *o = p * (g + fx * z) / denom;
            }
            ok
        },
    )
}

/// Gamma-Gamma's expected spend of row `i`. A whole count and a mean
/// spend that is 0 (with no repeat purchase) or in `[1e-6, 1e12)`, which
/// the decimal path holds exactly, go straight to the float formula
/// ([`GammaGammaParams::expected_spend_of`]); anything else (and any
/// error) takes the decimal path, which names what is wrong.
fn spend_at(spend: &GammaGammaParams, f: &[f64], m: &[f64], i: usize) -> Result<f64, Error> {
    let (fx, z) = (f[i], m[i]);
    let x = fx as u32;
    // Non-short-circuit tests: x = 0 and x > 0 rows alternate
    // unpredictably, and a mispredicted branch costs more than the sum.
    let plain = ((z == 0.0) & (x == 0)) | (1e-6..1e12).contains(&z);
    if (f64::from(x) == fx) & plain
        && let Ok(v) = spend.expected_spend_of(x, z)
    {
        return Ok(v);
    }
    let x = count("frequency", i, fx)?;
    let s = SpendHistory::new(CustomerId::new(i as u64), x, money("monetary_value", i, z)?)
        .map_err(|e| at_row(i, e))?;
    spend.expected_spend_f64(&s)
}

fn bgbb_params(p: &[f64]) -> Result<BgBbParams, Error> {
    let [a, b, g, d] = <[f64; 4]>::try_from(p).map_err(|_| {
        invalid(
            "parameters",
            format!("{} values given, 4 expected", p.len()),
        )
    })?;
    BgBbParams::new(a, b, g, d)
}

/// BG/BB: P(alive at opportunity n + m | x, t_x, n), lifetimes' meaning
/// (`m` = 0: at the last observed opportunity, so 1 for a customer who
/// bought at it).
#[pyfunction]
fn bgbb_probability_alive<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    m: u32,
    frequency: Arr<'py>,
    recency: Arr<'py>,
    n_periods: Arr<'py>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (f, r, n) = (
        frequency.as_slice()?,
        recency.as_slice()?,
        n_periods.as_slice()?,
    );
    let v = py
        .detach(|| -> Result<Vec<f64>, Error> {
            let p = bgbb_params(&params)?;
            same_length(&["frequency", "recency", "n_periods"], &[f, r, n])?;
            per_distinct(
                f.len(),
                |i| bits([f, r, n], i),
                |i| Ok(alive_at(&p, &discrete_at(f, r, n, i)?, m)),
            )
        })
        .map_err(to_py)?;
    Ok(out(py, v))
}

/// The crate's P(alive) is for opportunity n + 1 (Fader, Hardie & Shang
/// 2010, eq. 11: the posterior weight with B(γ, δ + n + 1)). Alive at
/// n + m instead replaces B(γ, δ+n+1) by B(γ, δ+n+m), so the crate's value
/// is multiplied by B(γ, δ+n+m) / B(γ, δ+n+1).
fn alive_at(p: &BgBbParams, h: &DiscreteHistory, m: u32) -> f64 {
    let ln_beta = |a: f64, b: f64| statrs_ln_gamma(a) + statrs_ln_gamma(b) - statrs_ln_gamma(a + b);
    let n = f64::from(h.n());
    let shift =
        ln_beta(p.gamma(), p.delta() + n + f64::from(m)) - ln_beta(p.gamma(), p.delta() + n + 1.0);
    (p.p_alive(h).ln() + shift).exp().min(1.0)
}

fn statrs_ln_gamma(x: f64) -> f64 {
    statrs::function::gamma::ln_gamma(x)
}

/// BG/BB: E[transactions in the next m periods | x, t_x, n].
#[pyfunction]
fn bgbb_conditional_expected<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    m: u32,
    frequency: Arr<'py>,
    recency: Arr<'py>,
    n_periods: Arr<'py>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (f, r, n) = (
        frequency.as_slice()?,
        recency.as_slice()?,
        n_periods.as_slice()?,
    );
    let v = py
        .detach(|| -> Result<Vec<f64>, Error> {
            let p = bgbb_params(&params)?;
            same_length(&["frequency", "recency", "n_periods"], &[f, r, n])?;
            per_distinct(
                f.len(),
                |i| bits([f, r, n], i),
                |i| p.expected_transactions(&discrete_at(f, r, n, i)?, m),
            )
        })
        .map_err(to_py)?;
    Ok(out(py, v))
}

/// BG/BB: E[transactions in the first n periods] of a new customer, per n.
#[pyfunction]
fn bgbb_expected_new<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    n: Arr<'py>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let k = n.as_slice()?;
    let v = py
        .detach(|| -> Result<Vec<f64>, Error> {
            let p = bgbb_params(&params)?;
            k.iter()
                .enumerate()
                .map(|(i, &n)| p.expected_transactions_new(count("n", i, n)?))
                .collect()
        })
        .map_err(to_py)?;
    Ok(out(py, v))
}

/// The per-customer summary of a transaction log: purchases on the same
/// day merge into one purchase occasion, and times are in days. Customers
/// are integer codes (the Python layer factorises any id and floors dates
/// to lifetimes' periods first); days are days since 1970-01-01; amounts
/// are a float64 array (each value read as its shortest decimal text, so
/// 12.3 is exactly 12.3), decimal strings (exact) or an Arrow decimal128
/// column (`amount_column`, exact), or none of them (no spend).
///
/// Float (or no) amounts take an exact integer fast path (`fast_summary`)
/// with the same figures; `decimal` forces the decimal path (the tests and
/// the benchmark compare the two).
///
/// Returns, per customer sorted by code: code, repeat purchases x, t_x, T,
/// mean repeat-occasion spend, purchase occasions, transactions and total
/// spend.
#[pyfunction]
#[pyo3(signature = (codes, days, observation_end_day, amounts=None, amount_texts=None, amount_column=None, decimal=false))]
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
fn summarize<'py>(
    py: Python<'py>,
    codes: PyReadonlyArray1<'py, i64>,
    days: PyReadonlyArray1<'py, i64>,
    observation_end_day: i64,
    amounts: Option<Arr<'py>>,
    amount_texts: Option<Vec<String>>,
    amount_column: Option<Bound<'py, PyAny>>,
    decimal: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let exact = exact_amounts(amount_column.as_ref())?;
    let (c, d) = (codes.as_slice()?, days.as_slice()?);
    let a = amounts.as_ref().map(|a| a.as_slice()).transpose()?;
    let cols = py
        .detach(|| -> Result<SummaryColumns, Error> {
            // Float or no amounts: the exact integer fast path, when it
            // takes the input (see fast_summary); else the decimal path.
            if !decimal
                && amount_texts.is_none()
                && exact.is_none()
                && let Some(out) = fast_summary::summarize(c, d, observation_end_day, a)
            {
                return Ok(out);
            }
            let log = transaction_log(c, d, a, amount_texts.as_ref(), exact, Decimal::ZERO)?;
            let summary = Summarizer::builder(day(observation_end_day)?)
                .unit(TimeUnit::days(1)?)
                .build()?
                .summarize(&log)?;
            let mut out = SummaryColumns::default();
            for s in summary.customers() {
                out.code.push(s.customer().get() as i64);
                out.frequency.push(f64::from(s.frequency()));
                out.t_x.push(s.t_x());
                out.age.push(s.age());
                out.zbar.push(to_f64(s.zbar()));
                out.purchases.push(f64::from(s.purchases()));
                out.transactions.push(f64::from(s.transactions()));
                out.total_spend.push(to_f64(s.total_spend()));
            }
            Ok(out)
        })
        .map_err(to_py)?;
    let dict = PyDict::new(py);
    dict.set_item("code", cols.code.into_pyarray(py))?;
    dict.set_item("frequency", cols.frequency.into_pyarray(py))?;
    dict.set_item("t_x", cols.t_x.into_pyarray(py))?;
    dict.set_item("T", cols.age.into_pyarray(py))?;
    dict.set_item("zbar", cols.zbar.into_pyarray(py))?;
    dict.set_item("purchases", cols.purchases.into_pyarray(py))?;
    dict.set_item("transactions", cols.transactions.into_pyarray(py))?;
    dict.set_item("total_spend", cols.total_spend.into_pyarray(py))?;
    Ok(dict)
}

#[derive(Default)]
struct SummaryColumns {
    code: Vec<i64>,
    frequency: Vec<f64>,
    t_x: Vec<f64>,
    age: Vec<f64>,
    zbar: Vec<f64>,
    purchases: Vec<f64>,
    transactions: Vec<f64>,
    total_spend: Vec<f64>,
}

/// A decimal as the nearest double (through its text, which is exact for
/// the round trip of what a user wrote).
fn to_f64(d: Decimal) -> f64 {
    // Fast path, same result: a mantissa below 2^53 and a power of ten up
    // to 10^22 are both exact doubles, so their IEEE quotient is the
    // correctly rounded value, which is what parsing the text gives.
    let (m, scale) = (d.mantissa(), d.scale());
    if m.unsigned_abs() < 1 << 53 && scale <= 22 {
        return m as f64 / 10f64.powi(scale as i32);
    }
    d.to_string().parse::<f64>().unwrap_or(f64::NAN)
}

/// Fits the shifted-beta-geometric model to cohorts: `survivors[k]` are
/// the customers of cohort k still active at the start of each period
/// (the first value is the cohort size), `starts[k]` the period the cohort
/// began (default 0). Returns the fit report as JSON.
#[pyfunction]
#[pyo3(signature = (survivors, starts=None, penalizer=0.0, tol=None, max_iter=None, start=None))]
fn fit_sbg(
    py: Python<'_>,
    survivors: Vec<Vec<u64>>,
    starts: Option<Vec<u32>>,
    penalizer: f64,
    tol: Option<f64>,
    max_iter: Option<usize>,
    start: Option<Vec<f64>>,
) -> PyResult<String> {
    py.detach(|| -> Result<String, Error> {
        let starts = starts.unwrap_or_else(|| vec![0; survivors.len()]);
        if starts.len() != survivors.len() {
            return Err(invalid(
                "cohort starts",
                format!("{} starts for {} cohorts", starts.len(), survivors.len()),
            ));
        }
        let cohorts = survivors
            .into_iter()
            .zip(starts)
            .map(|(s, t)| Cohort::new(t, s))
            .collect::<Result<Vec<_>, _>>()?;
        let o = options(penalizer, tol, max_iter, start)?;
        json(&Sbg::with_options(o).fit_cohorts(&cohorts)?)
    })
    .map_err(to_py)
}

fn sbg_params(p: &[f64]) -> Result<SbgParams, Error> {
    let [a, b] = <[f64; 2]>::try_from(p).map_err(|_| {
        invalid(
            "parameters",
            format!("{} values given, 2 expected", p.len()),
        )
    })?;
    SbgParams::new(a, b)
}

/// sBG survival S(t) and retention r(t) for t = 0..periods (retention is
/// NaN-free: r(0) is reported as 1, the convention that everyone starts).
#[pyfunction]
fn sbg_curves<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    periods: u32,
) -> PyResult<(Out<'py>, Out<'py>)> {
    let (s, r) = (|| -> Result<(Vec<f64>, Vec<f64>), Error> {
        let p = sbg_params(&params)?;
        let s = (0..=periods).map(|t| p.survival(t)).collect();
        let r = (0..=periods)
            .map(|t| if t == 0 { Ok(1.0) } else { p.retention(t) })
            .collect::<Result<_, _>>()?;
        Ok((s, r))
    })()
    .map_err(to_py)?;
    Ok((out(py, s), out(py, r)))
}

fn discount(d: f64) -> Result<DiscountRate, Error> {
    let d = money("discount", 0, d)?;
    DiscountRate::new(d)
}

/// sBG discounted expected lifetime (DEL) of a new customer, and the
/// discounted expected residual lifetime (DERL) after `n` renewals
/// (Fader & Hardie 2010), at discount rate `d` per period.
#[pyfunction]
fn sbg_discounted_lifetimes(params: Vec<f64>, d: f64, n: Vec<u32>) -> PyResult<(f64, Vec<f64>)> {
    (|| -> Result<(f64, Vec<f64>), Error> {
        let p = sbg_params(&params)?;
        let d = discount(d)?;
        let del = p.discounted_expected_lifetime(d)?;
        let derl = n
            .iter()
            .map(|&n| p.discounted_expected_residual_lifetime(d, n))
            .collect::<Result<_, _>>()?;
        Ok((del, derl))
    })()
    .map_err(to_py)
}

/// Pareto/NBD discounted expected residual transactions (DERT) per
/// customer at a continuous discount rate `delta` per time unit
/// (Fader, Hardie & Lee 2005, "RFM and CLV").
#[pyfunction]
fn pareto_dert<'py>(
    py: Python<'py>,
    params: Vec<f64>,
    delta: f64,
    frequency: Arr<'py>,
    recency: Arr<'py>,
    age: Arr<'py>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (f, r, a) = (frequency.as_slice()?, recency.as_slice()?, age.as_slice()?);
    let v = py
        .detach(|| -> Result<Vec<f64>, Error> {
            let [r0, al, s0, be] = <[f64; 4]>::try_from(&params[..]).map_err(|_| {
                invalid(
                    "parameters",
                    format!("{} values given, 4 expected", params.len()),
                )
            })?;
            let p = ParetoNbdParams::new(r0, al, s0, be)?;
            histories(f, r, a)?
                .iter()
                .map(|h| p.dert(h, delta))
                .collect()
        })
        .map_err(to_py)?;
    Ok(out(py, v))
}

/// Discounted expected residual transactions (DERT) per customer at a
/// continuous discount rate `delta` per time unit, for `model`
/// "pareto-nbd" (Fader, Hardie & Lee 2005, "RFM and CLV", closed form) or
/// "ggom-nbd" (`P(alive)·(r+x)/(α+T)·∫_0^∞ e^{−δu} S_T(u) du`, by
/// quadrature; Bemmaor & Glady 2012). Times in the data's unit.
#[pyfunction]
fn dert<'py>(
    py: Python<'py>,
    model: &str,
    params: Vec<f64>,
    delta: f64,
    frequency: Arr<'py>,
    recency: Arr<'py>,
    age: Arr<'py>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let (f, r, a) = (frequency.as_slice()?, recency.as_slice()?, age.as_slice()?);
    let v = py
        .detach(|| -> Result<Vec<f64>, Error> {
            let m = Purchases::new(model, &params)?;
            same_length(&["frequency", "recency", "T"], &[f, r, a])?;
            per_row(f.len(), |i| m.dert(&history_at(f, r, a, i)?, delta))
        })
        .map_err(to_py)?;
    Ok(out(py, v))
}

/// RFM scores fitted on the population given: per customer the R, F and M
/// scores, the three-digit code and (with `segments`) the segment name.
/// `recency` is the time since the last purchase, `frequency` the number of
/// purchases (at least 1), `monetary` the spend (floats read exactly, or
/// decimal strings). `method`: "ceil-rank", "ntile", "qcut-rank" (pandas),
/// "rfm-package" (R rfm); `ties`: "first", "max", "min", "random:SEED" or
/// None for the crate's default; `binning`: "independent" or "nested";
/// `segments`: "rfm-v030", "rfm-v022" or None.
#[pyfunction]
#[pyo3(signature = (recency, frequency, monetary=None, monetary_texts=None, bins=5, method="ceil-rank", ties=None, binning="independent", segments=None))]
#[allow(clippy::too_many_arguments)]
fn rfm_scores<'py>(
    py: Python<'py>,
    recency: Arr<'py>,
    frequency: Arr<'py>,
    monetary: Option<Arr<'py>>,
    monetary_texts: Option<Vec<String>>,
    bins: u8,
    method: &str,
    ties: Option<&str>,
    binning: &str,
    segments: Option<&str>,
) -> PyResult<Bound<'py, PyDict>> {
    use customer_value::Scorer;
    use customer_value::rfm::{Binning, QuantileMethod, Rfm, RfmValues, SegmentRules, TieMethod};
    let (r, f) = (recency.as_slice()?, frequency.as_slice()?);
    let m = monetary.as_ref().map(|m| m.as_slice()).transpose()?;
    let (method, ties, binning, segments) = (
        method.to_owned(),
        ties.map(str::to_owned),
        binning.to_owned(),
        segments.map(str::to_owned),
    );
    type Columns = (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u32>, Vec<String>, String);
    let cols = py
        .detach(|| -> Result<Columns, Error> {
            let n = r.len();
            let n_money = m
                .map(<[f64]>::len)
                .or(monetary_texts.as_ref().map(Vec::len))
                .unwrap_or(n);
            if f.len() != n || n_money != n {
                return Err(invalid(
                    "input arrays",
                    format!(
                        "{n} recencies, {} frequencies, {n_money} monetary values",
                        f.len()
                    ),
                ));
            }
            let method = match method.as_str() {
                "ceil-rank" => QuantileMethod::CeilRank,
                "ntile" => QuantileMethod::Ntile,
                "qcut-rank" => QuantileMethod::QcutRank,
                "rfm-package" => QuantileMethod::RfmPackage,
                other => {
                    return Err(invalid(
                        "method",
                        format!("{other:?} is not ceil-rank, ntile, qcut-rank or rfm-package"),
                    ));
                }
            };
            let mut builder = Rfm::builder().bins(bins).method(method);
            builder = builder.binning(match binning.as_str() {
                "independent" => Binning::Independent,
                "nested" => Binning::Nested,
                other => {
                    return Err(invalid(
                        "binning",
                        format!("{other:?} is not independent or nested"),
                    ));
                }
            });
            if let Some(t) = ties.as_deref() {
                builder = builder.ties(match t {
                    "first" => TieMethod::First,
                    "max" => TieMethod::Max,
                    "min" => TieMethod::Min,
                    other => match other
                        .strip_prefix("random:")
                        .and_then(|s| s.parse::<u64>().ok())
                    {
                        Some(seed) => TieMethod::Random { seed },
                        None => {
                            return Err(invalid(
                                "ties",
                                format!("{other:?} is not first, max, min or random:SEED"),
                            ));
                        }
                    },
                });
            }
            let rules = match segments.as_deref() {
                None => None,
                Some("rfm-v030") => Some(SegmentRules::rfm_package_v030()),
                Some("rfm-v022") => Some(SegmentRules::rfm_package_v022()),
                Some(other) => {
                    return Err(invalid(
                        "segments",
                        format!("{other:?} is not rfm-v030 or rfm-v022"),
                    ));
                }
            };
            let values = (0..n)
                .map(|i| {
                    let spend = match (m, &monetary_texts) {
                        (Some(m), _) => money("monetary", i, m[i])?,
                        (None, Some(t)) => customer_value::parse_decimal_exact(t[i].trim())
                            .map_err(|e| invalid("monetary", format!("row {i}: {e}")))?,
                        (None, None) => Decimal::ZERO,
                    };
                    RfmValues::new(
                        CustomerId::new(i as u64),
                        r[i],
                        count("frequency", i, f[i])?,
                        spend,
                    )
                    .map_err(|e| at_row(i, e))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let scored = builder.build()?.fit_score(&values)?;
            let mut out: Columns = Default::default();
            for s in scored.scores() {
                out.0.push(s.score.r());
                out.1.push(s.score.f());
                out.2.push(s.score.m());
                out.3.push(s.score.code());
                if let Some(rules) = &rules {
                    let seg = rules.score(&s.score)?;
                    out.4.push(rules.name(seg).unwrap_or_default().to_owned());
                }
            }
            out.5 = serde_json::to_string(scored.fitted())
                .map_err(|e| invalid("fitted RFM", e.to_string()))?;
            Ok(out)
        })
        .map_err(to_py)?;
    let dict = PyDict::new(py);
    dict.set_item("r", cols.0.into_pyarray(py))?;
    dict.set_item("f", cols.1.into_pyarray(py))?;
    dict.set_item("m", cols.2.into_pyarray(py))?;
    dict.set_item("code", cols.3.into_pyarray(py))?;
    dict.set_item("segment", cols.4)?;
    dict.set_item("fitted", cols.5)?;
    Ok(dict)
}

/// A day given as days since 1970-01-01.
fn day(v: i64) -> Result<Date, Error> {
    let v = i32::try_from(v)
        .map_err(|_| invalid("date", format!("{v} days since 1970-01-01 is out of range")))?;
    Date::from_days_since_epoch(v)
}

/// The transaction log of parallel columns: customer codes (>= 0), days
/// since 1970-01-01, and amounts as floats or decimal texts (see
/// `money_column`), or `default` on every row when neither is given.
fn transaction_log(
    codes: &[i64],
    days: &[i64],
    floats: Option<&[f64]>,
    texts: Option<&Vec<String>>,
    exact: Option<Vec<Decimal>>,
    default: Decimal,
) -> Result<Vec<Transaction>, Error> {
    let n = codes.len();
    if days.len() != n {
        return Err(invalid(
            "transactions",
            format!("{n} customers, {} dates", days.len()),
        ));
    }
    let row = |i: usize, amount: Decimal| -> Result<Transaction, Error> {
        let id = u64::try_from(codes[i]).map_err(|_| {
            invalid(
                "customer code",
                format!("row {i}: {} is negative", codes[i]),
            )
        })?;
        Ok(Transaction::new(CustomerId::new(id), day(days[i])?, amount))
    };
    if let Some(exact) = exact {
        if exact.len() != n {
            return Err(invalid(
                "amount",
                format!("{} values for {n} transactions", exact.len()),
            ));
        }
        return (0..n).map(|i| row(i, exact[i])).collect();
    }
    match (floats, texts) {
        (None, None) => (0..n).map(|i| row(i, default)).collect(),
        // Floats: the decimal of each value and the transaction in one
        // pass, split over the cores.
        (Some(v), _) if v.len() == n => {
            let fill = Transaction::new(CustomerId::new(0), day(0)?, Decimal::ZERO);
            per_row_of(n, fill, |i| row(i, money("amount", i, v[i])?))
        }
        _ => {
            let money = money_column("amount", n, floats, texts)?;
            (0..n).map(|i| row(i, money[i])).collect()
        }
    }
}

/// Exact amounts from an Arrow decimal column given as `amount_column`.
fn exact_amounts(column: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<Decimal>>> {
    let Some(column) = column else {
        return Ok(None);
    };
    match arrow::arrow_decimals(column, "amount")? {
        Some(values) => Ok(Some(values)),
        None => Err(to_py(invalid(
            "amount",
            "amount_column must be an Arrow decimal128 column".into(),
        ))),
    }
}

/// Money per row from a float array (exact, as in `money`) or decimal texts.
fn money_column(
    name: &'static str,
    n: usize,
    floats: Option<&[f64]>,
    texts: Option<&Vec<String>>,
) -> Result<Vec<Decimal>, Error> {
    match (floats, texts) {
        (Some(v), _) if v.len() == n => (0..n).map(|i| money(name, i, v[i])).collect(),
        (None, Some(t)) if t.len() == n => t
            .iter()
            .enumerate()
            .map(|(i, s)| {
                customer_value::parse_decimal_exact(s.trim())
                    .map_err(|e| invalid(name, format!("row {i}: {e}")))
            })
            .collect(),
        (Some(v), _) => Err(invalid(
            name,
            format!("{} values for {n} customers", v.len()),
        )),
        (None, Some(t)) => Err(invalid(
            name,
            format!("{} values for {n} customers", t.len()),
        )),
        (None, None) => Err(invalid(name, "no values given".into())),
    }
}

fn decimal_arg(name: &'static str, text: &str) -> Result<Decimal, Error> {
    customer_value::parse_decimal_exact(text.trim()).map_err(|_| Error::InvalidParameter {
        name,
        value: text.to_owned(),
        reason: "not a decimal number",
    })
}

/// Gupta-Lehmann retention CLV per customer from each customer's margin
/// per period: gross CLV = margin x the model's multiple, net = gross -
/// acquisition cost; and the customer equity (the sum of net CLVs). Rates
/// are decimal texts ("0.8"); `timing`: "end", "start" or
/// "end-if-alive-at-start"; `horizon`: periods, or None for infinite.
/// Returns (gross, net, equity, multiple) as decimal texts.
#[pyfunction]
#[pyo3(signature = (margins=None, margin_texts=None, retention="0", discount="0", timing="end", horizon=None, acquisition_costs=None, acquisition_cost_texts=None, rows=0))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn retention_clv(
    margins: Option<Arr<'_>>,
    margin_texts: Option<Vec<String>>,
    retention: &str,
    discount: &str,
    timing: &str,
    horizon: Option<u32>,
    acquisition_costs: Option<Arr<'_>>,
    acquisition_cost_texts: Option<Vec<String>>,
    rows: usize,
) -> PyResult<(Vec<String>, Vec<String>, String, String)> {
    use customer_value::clv::{Horizon, RetentionModel, Timing};
    let m = margins.as_ref().map(|m| m.as_slice()).transpose()?;
    let c = acquisition_costs
        .as_ref()
        .map(|m| m.as_slice())
        .transpose()?;
    (|| -> Result<(Vec<String>, Vec<String>, String, String), Error> {
        let timing = match timing {
            "end" => Timing::EndOfPeriod,
            "start" => Timing::StartOfPeriod,
            "end-if-alive-at-start" => Timing::EndPaidIfAliveAtStart,
            other => return Err(invalid("timing", format!("{other:?} is not end, start or end-if-alive-at-start"))),
        };
        let horizon = horizon.map_or(Horizon::Infinite, Horizon::Periods);
        let model = RetentionModel::builder(timing, horizon)
            .retention(decimal_arg("retention", retention)?)
            .discount(decimal_arg("discount", discount)?)
            .build()?;
        let n = m.map(<[f64]>::len).or(margin_texts.as_ref().map(Vec::len)).unwrap_or(rows);
        let margins = money_column("margin", n, m, margin_texts.as_ref())?;
        let costs = if c.is_none() && acquisition_cost_texts.is_none() {
            vec![Decimal::ZERO; n]
        } else {
            money_column("acquisition cost", n, c, acquisition_cost_texts.as_ref())?
        };
        let mut gross = Vec::with_capacity(n);
        let mut net = Vec::with_capacity(n);
        let mut nets = Vec::with_capacity(n);
        for (i, (&margin, &cost)) in margins.iter().zip(&costs).enumerate() {
            if margin < Decimal::ZERO || cost < Decimal::ZERO {
                return Err(invalid("margin", format!("row {i}: margins and acquisition costs must be >= 0, got {margin} and {cost}")));
            }
            let g = model.clv(margin).map_err(|e| at_row(i, e))?;
            let v = model.net_clv(margin, cost).map_err(|e| at_row(i, e))?;
            gross.push(g.normalize().to_string());
            net.push(v.normalize().to_string());
            nets.push(v);
        }
        let equity = customer_value::clv::customer_equity(&nets)?;
        Ok((gross, net, equity.normalize().to_string(), model.multiple().normalize().to_string()))
    })()
    .map_err(to_py)
}

/// ABC classes (by value, or by count) and customer-pyramid tiers per
/// customer, from each customer's value. `abc_cuts`: the cumulative shares
/// closing A and B (decimal texts, default "0.8", "0.95"); `pyramid_cuts`:
/// the four cumulative customer shares (default 0.01, 0.05, 0.2, 1).
#[pyfunction]
#[pyo3(signature = (values=None, value_texts=None, abc_basis="value", abc_cuts=None, boundary="crossing", pyramid_cuts=None, pyramid_basis="count"))]
#[allow(clippy::too_many_arguments)]
fn tiers(
    values: Option<Arr<'_>>,
    value_texts: Option<Vec<String>>,
    abc_basis: &str,
    abc_cuts: Option<(String, String)>,
    boundary: &str,
    pyramid_cuts: Option<[String; 4]>,
    pyramid_basis: &str,
) -> PyResult<(Vec<String>, Vec<String>)> {
    use customer_value::differentiate::{Abc, Boundary, CustomerValue, Pyramid};
    let v = values.as_ref().map(|m| m.as_slice()).transpose()?;
    (|| -> Result<(Vec<String>, Vec<String>), Error> {
        let n = v
            .map(<[f64]>::len)
            .or(value_texts.as_ref().map(Vec::len))
            .unwrap_or(0);
        let money = money_column("value", n, v, value_texts.as_ref())?;
        let population: Vec<CustomerValue> = money
            .iter()
            .enumerate()
            .map(|(i, &d)| CustomerValue::new(CustomerId::new(i as u64), d))
            .collect();
        let boundary = match boundary {
            "crossing" => Boundary::Crossing,
            "strict" => Boundary::Strict,
            other => {
                return Err(invalid(
                    "boundary",
                    format!("{other:?} is not crossing or strict"),
                ));
            }
        };
        let (a, b) = match &abc_cuts {
            Some((a, b)) => (decimal_arg("abc_cuts", a)?, decimal_arg("abc_cuts", b)?),
            None => (Decimal::new(8, 1), Decimal::new(95, 2)),
        };
        let abc = match abc_basis {
            "value" => Abc::by_value(a, b, boundary)?,
            "count" => Abc::by_count(a, b)?,
            other => {
                return Err(invalid(
                    "abc_basis",
                    format!("{other:?} is not value or count"),
                ));
            }
        };
        let cuts = match &pyramid_cuts {
            None => Pyramid::textbook().cuts(),
            Some(c) => [
                decimal_arg("pyramid_cuts", &c[0])?,
                decimal_arg("pyramid_cuts", &c[1])?,
                decimal_arg("pyramid_cuts", &c[2])?,
                decimal_arg("pyramid_cuts", &c[3])?,
            ],
        };
        let pyramid = match pyramid_basis {
            "count" => Pyramid::by_count(cuts)?,
            "value" => Pyramid::by_value(cuts, boundary)?,
            other => {
                return Err(invalid(
                    "pyramid_basis",
                    format!("{other:?} is not count or value"),
                ));
            }
        };
        let mut abc_out = vec![String::new(); n];
        for t in abc.classify(&population)?.tiers() {
            abc_out[t.customer.get() as usize] = t.score.to_string();
        }
        let mut pyr_out = vec![String::new(); n];
        for t in pyramid.classify(&population)?.tiers() {
            pyr_out[t.customer.get() as usize] = t.score.english().to_owned();
        }
        Ok((abc_out, pyr_out))
    })()
    .map_err(to_py)
}

/// The crate's own summary of a transaction log, every column: times in
/// units of `unit_days` days, purchases merged by `grouping` ("day",
/// "period" or "transaction"), refunds `"reject"`ed or `"net"`ted, an
/// optional holdout to `holdout_end_day`. Money comes back as exact
/// decimal texts; dates as days since 1970-01-01. Customers are integer
/// codes; rows are sorted by code. Amounts come as floats, decimal texts or
/// an Arrow decimal128 column (`amount_column`, read exactly).
#[pyfunction]
#[pyo3(signature = (codes, days, observation_end_day, unit_days=1, grouping="day", refunds="reject", holdout_end_day=None, anchor_day=None, amounts=None, amount_texts=None, amount_column=None))]
#[allow(clippy::too_many_arguments)]
fn summarize_full<'py>(
    py: Python<'py>,
    codes: PyReadonlyArray1<'py, i64>,
    days: PyReadonlyArray1<'py, i64>,
    observation_end_day: i64,
    unit_days: u32,
    grouping: &str,
    refunds: &str,
    holdout_end_day: Option<i64>,
    anchor_day: Option<i64>,
    amounts: Option<Arr<'py>>,
    amount_texts: Option<Vec<String>>,
    amount_column: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    use customer_value::{Grouping, RefundPolicy};
    let exact = exact_amounts(amount_column.as_ref())?;
    let (c, d) = (codes.as_slice()?, days.as_slice()?);
    let a = amounts.as_ref().map(|a| a.as_slice()).transpose()?;
    let (grouping, refunds) = (grouping.to_owned(), refunds.to_owned());
    let summary = py
        .detach(|| -> Result<customer_value::Summary, Error> {
            let log = transaction_log(c, d, a, amount_texts.as_ref(), exact, Decimal::ZERO)?;
            let mut builder = Summarizer::builder(day(observation_end_day)?)
                .unit(TimeUnit::days(unit_days)?)
                .grouping(match grouping.as_str() {
                    "day" => Grouping::Day,
                    "period" => Grouping::Period,
                    "transaction" => Grouping::Transaction,
                    other => {
                        return Err(invalid(
                            "grouping",
                            format!("{other:?} is not day, period or transaction"),
                        ));
                    }
                })
                .refunds(match refunds.as_str() {
                    "reject" => RefundPolicy::Reject,
                    "net" => RefundPolicy::Net,
                    other => {
                        return Err(invalid(
                            "refunds",
                            format!("{other:?} is not reject or net"),
                        ));
                    }
                });
            if let Some(h) = holdout_end_day {
                builder = builder.holdout_end(day(h)?);
            }
            if let Some(a) = anchor_day {
                builder = builder.period_anchor(day(a)?);
            }
            builder.build()?.summarize(&log)
        })
        .map_err(to_py)?;
    let rows = summary.customers();
    let dict = PyDict::new(py);
    let ints = |f: &dyn Fn(&customer_value::CustomerSummary) -> i64| {
        rows.iter().map(f).collect::<Vec<i64>>().into_pyarray(py)
    };
    let reals = |f: &dyn Fn(&customer_value::CustomerSummary) -> f64| {
        rows.iter().map(f).collect::<Vec<f64>>().into_pyarray(py)
    };
    let texts = |f: &dyn Fn(&customer_value::CustomerSummary) -> Decimal| {
        rows.iter()
            .map(|r| f(r).normalize().to_string())
            .collect::<Vec<String>>()
    };
    dict.set_item("code", ints(&|r| r.customer().get() as i64))?;
    dict.set_item("frequency", ints(&|r| i64::from(r.frequency())))?;
    dict.set_item("purchases", ints(&|r| i64::from(r.purchases())))?;
    dict.set_item("transactions", ints(&|r| i64::from(r.transactions())))?;
    dict.set_item(
        "first_purchase",
        ints(&|r| i64::from(r.first_purchase().days_since_epoch())),
    )?;
    dict.set_item(
        "last_purchase",
        ints(&|r| i64::from(r.last_purchase().days_since_epoch())),
    )?;
    dict.set_item("t_x", reals(&|r| r.t_x()))?;
    dict.set_item("T", reals(&|r| r.age()))?;
    dict.set_item("total_spend", texts(&|r| r.total_spend()))?;
    dict.set_item("mean_spend", texts(&|r| r.mean_spend()))?;
    dict.set_item("zbar", texts(&|r| r.zbar()))?;
    if holdout_end_day.is_some() {
        dict.set_item(
            "holdout_purchases",
            ints(&|r| r.holdout().map_or(0, |h| i64::from(h.purchases()))),
        )?;
        dict.set_item(
            "holdout_transactions",
            ints(&|r| r.holdout().map_or(0, |h| i64::from(h.transactions()))),
        )?;
        dict.set_item(
            "holdout_spend",
            texts(&|r| r.holdout().map_or(Decimal::ZERO, |h| h.spend())),
        )?;
    }
    let excluded = summary.excluded();
    dict.set_item("excluded_transactions", excluded.transactions())?;
    dict.set_item("excluded_amount", excluded.amount().normalize().to_string())?;
    Ok(dict)
}

/// Answers as small whole numbers: each finite, whole and in 0..=255 (the
/// crate checks the scale's own range and names the response).
fn answers(name: &str, values: &[f64]) -> Result<Vec<u8>, Error> {
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if v.fract() == 0.0 && (0.0..=255.0).contains(&v) {
                Ok(v as u8)
            } else {
                Err(invalid(
                    "answer",
                    format!("{name}[{i}] = {v} is not a whole answer"),
                ))
            }
        })
        .collect()
}

/// Satisfaction statistics of one item's answers on the seven-level scale
/// (1 = very dissatisfied .. 7 = very satisfied; `scale` "five" or
/// "eleven" converts 1-5 or 0-10 answers first): the seven counts, mean,
/// sample standard deviation (NaN-free: None below two answers),
/// top-two-box and bottom-two-box shares and the 0-100 CSI.
#[pyfunction]
#[pyo3(signature = (scores, scale="seven"))]
#[allow(clippy::type_complexity)]
fn satisfaction_stats(
    scores: Arr<'_>,
    scale: &str,
) -> PyResult<(Vec<u64>, f64, Option<f64>, f64, f64, f64)> {
    use customer_value::satisfaction::{Distribution, SatisfactionLevel};
    let v = scores.as_slice()?;
    (|| {
        let raw = answers("scores", v)?;
        let dist = match scale {
            "seven" => Distribution::from_scores(&raw)?,
            "five" | "eleven" => {
                let levels = raw
                    .iter()
                    .map(|&a| {
                        if scale == "five" {
                            SatisfactionLevel::from_five_level(a)
                        } else {
                            SatisfactionLevel::from_eleven_point(a)
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Distribution::from_levels(&levels)
            }
            other => {
                return Err(invalid(
                    "scale",
                    format!("{other:?} is not seven, five or eleven"),
                ));
            }
        };
        let counts = dist.counts().to_vec();
        let sd = if dist.n() >= 2 {
            Some(dist.std_dev()?)
        } else {
            None
        };
        Ok((
            counts,
            dist.mean()?,
            sd,
            dist.top_two_box()?,
            dist.bottom_two_box()?,
            dist.csi()?,
        ))
    })()
    .map_err(to_py)
}

/// The Kano category and Better/Worse coefficients of one attribute from
/// its respondents' functional and dysfunctional answers (1 = like ..
/// 5 = dislike): (category, better, worse, counts of A, O, M, I, R, Q).
#[pyfunction]
fn kano_attribute(
    functional: Arr<'_>,
    dysfunctional: Arr<'_>,
) -> PyResult<(String, f64, f64, Vec<u64>)> {
    use customer_value::satisfaction::KanoTally;
    let (f, d) = (functional.as_slice()?, dysfunctional.as_slice()?);
    (|| {
        let tally = KanoTally::from_raw(&answers("functional", f)?, &answers("dysfunctional", d)?)?;
        Ok((
            tally.category()?.to_string(),
            tally.better()?,
            tally.worse()?,
            tally.counts().to_vec(),
        ))
    })()
    .map_err(to_py)
}

/// AHP priority weights of a pairwise comparison matrix (Saaty): `method`
/// "eigenvector" (principal eigenvector), "geometric-mean" or
/// "column-normalised"; returns (weights, lambda_max, CI, CR). An
/// inconsistent matrix (CR >= 0.1) is refused unless `accept_inconsistent`.
#[pyfunction]
#[pyo3(signature = (matrix, method="eigenvector", accept_inconsistent=false))]
fn ahp_weights(
    matrix: Vec<Vec<f64>>,
    method: &str,
    accept_inconsistent: bool,
) -> PyResult<(Vec<f64>, f64, f64, f64)> {
    use customer_value::loyalty::Ahp;
    (|| {
        let ahp = Ahp::new(&matrix)?.accept_inconsistent(accept_inconsistent);
        let r = match method {
            "eigenvector" => ahp.eigenvector()?,
            "geometric-mean" => ahp.geometric_mean()?,
            "column-normalised" => ahp.column_normalised()?,
            other => {
                return Err(invalid(
                    "method",
                    format!("{other:?} is not eigenvector, geometric-mean or column-normalised"),
                ));
            }
        };
        Ok((r.weights().to_vec(), r.lambda_max(), r.ci(), r.cr()))
    })()
    .map_err(to_py)
}

/// The 0-100 loyalty index with its A1/A2/A3 sub-indices per customer from
/// the nine indicators A11..A34 (columns in that order; NaN = missing).
/// `weights`: nine leaf weights, or None for equal weights, or "entropy"
/// (`entropy` = true); `missing`: "error" or "drop" (drop the missing
/// indicators and renormalise the rest). Min-max normalisation is fitted on
/// the population (reverse indicators flipped). Returns (index, a1, a2, a3)
/// with NaN where a sub-index has no indicator.
#[pyfunction]
#[pyo3(signature = (columns, weights=None, entropy=false, missing="error"))]
#[allow(clippy::type_complexity)]
fn loyalty_index<'py>(
    py: Python<'py>,
    columns: Vec<Arr<'py>>,
    weights: Option<[f64; 9]>,
    entropy: bool,
    missing: &str,
) -> PyResult<(Out<'py>, Out<'py>, Out<'py>, Out<'py>)> {
    use customer_value::loyalty::{
        EntropyWeights, IndicatorValues, LoyaltyModel, MissingPolicy, Weights,
    };
    use customer_value::{Fit, Scorer};
    let cols = columns
        .iter()
        .map(|c| c.as_slice())
        .collect::<Result<Vec<_>, _>>()?;
    let result = (|| -> Result<[Vec<f64>; 4], Error> {
        if cols.len() != 9 {
            return Err(invalid(
                "indicators",
                format!("{} columns given, 9 expected (A11..A34)", cols.len()),
            ));
        }
        let n = cols[0].len();
        if let Some(bad) = cols.iter().position(|c| c.len() != n) {
            return Err(invalid(
                "indicators",
                format!(
                    "column {bad} has {} values, column 0 has {n}",
                    cols[bad].len()
                ),
            ));
        }
        let population = (0..n)
            .map(|i| {
                let mut v = [None; 9];
                for (k, c) in cols.iter().enumerate() {
                    v[k] = (!c[i].is_nan()).then_some(c[i]);
                }
                IndicatorValues::new(CustomerId::new(i as u64), v).map_err(|e| at_row(i, e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let missing = match missing {
            "error" => MissingPolicy::Error,
            "drop" => MissingPolicy::DropAndRenormalise,
            other => {
                return Err(invalid(
                    "missing",
                    format!("{other:?} is not error or drop"),
                ));
            }
        };
        let weights = if entropy {
            // Entropy weights need min-max normalised rows of the customers
            // with every indicator (as the command line computes them).
            let fitted = customer_value::loyalty::Normaliser::new().fit(&population)?;
            let complete: Vec<[f64; 9]> = population
                .iter()
                .filter_map(|p| fitted.complete(p).ok())
                .collect();
            Weights::from_entropy(&EntropyWeights::new(&complete)?)?
        } else {
            match weights {
                Some(w) => Weights::new(w)?,
                None => Weights::new([1.0 / 9.0; 9])?,
            }
        };
        let index = LoyaltyModel::new(weights, missing).fit(&population)?;
        let mut out: [Vec<f64>; 4] = Default::default();
        for p in &population {
            let s = index.score(p)?;
            out[0].push(s.index());
            out[1].push(s.a1().unwrap_or(f64::NAN));
            out[2].push(s.a2().unwrap_or(f64::NAN));
            out[3].push(s.a3().unwrap_or(f64::NAN));
        }
        Ok(out)
    })()
    .map_err(to_py)?;
    let [a, b, c, d] = result;
    Ok((out(py, a), out(py, b), out(py, c), out(py, d)))
}

/// Lifecycle stages of every customer in a transaction log as of
/// `as_of_day`, with the `WindowTrend` rule in periods of `unit_days` days
/// (its defaults converted from a quarter, half a year and a year; each
/// can be overridden). `value`: "spend" or "purchases" per period.
/// Returns (codes, stage names, reasons, periods observed, periods since
/// the last purchase, -1 when none).
#[pyfunction]
#[pyo3(signature = (codes, days, as_of_day, unit_days=7, value="spend", amounts=None, amount_texts=None, window=None, exploration=None, threshold=None, inactive=None, churned=None, never_churned=false, recent_guard=None))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn lifecycle_stages<'py>(
    py: Python<'py>,
    codes: PyReadonlyArray1<'py, i64>,
    days: PyReadonlyArray1<'py, i64>,
    as_of_day: i64,
    unit_days: u32,
    value: &str,
    amounts: Option<Arr<'py>>,
    amount_texts: Option<Vec<String>>,
    window: Option<u32>,
    exploration: Option<u32>,
    threshold: Option<f64>,
    inactive: Option<u32>,
    churned: Option<u32>,
    never_churned: bool,
    recent_guard: Option<u32>,
) -> PyResult<(
    Bound<'py, PyArray1<i64>>,
    Vec<String>,
    Vec<String>,
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<i64>>,
)> {
    use customer_value::lifecycle::{
        HistoryOptions, PeriodHistories, PeriodValue, StageRule, WindowTrend,
    };
    let (c, d) = (codes.as_slice()?, days.as_slice()?);
    let a = amounts.as_ref().map(|a| a.as_slice()).transpose()?;
    let value = value.to_owned();
    type Columns = (Vec<i64>, Vec<String>, Vec<String>, Vec<i64>, Vec<i64>);
    let cols = py
        .detach(|| -> Result<Columns, Error> {
            let log = transaction_log(c, d, a, amount_texts.as_ref(), None, Decimal::ONE)?;
            let unit = TimeUnit::days(unit_days)?;
            let period_value = match value.as_str() {
                "spend" => PeriodValue::Spend,
                "purchases" => PeriodValue::Purchases,
                other => {
                    return Err(invalid(
                        "value",
                        format!("{other:?} is not spend or purchases"),
                    ));
                }
            };
            let histories = PeriodHistories::from_transactions(
                &log,
                &HistoryOptions::new(day(as_of_day)?, unit).value(period_value),
            )?;
            let mut b = WindowTrend::for_unit(unit);
            if let Some(w) = window {
                b = b.window(w);
            }
            if let Some(e) = exploration {
                b = b.exploration(e);
            }
            if let Some(t) = threshold {
                b = b.threshold(t);
            }
            if let Some(k) = inactive {
                b = b.inactivity_limit(k);
            }
            if never_churned {
                b = b.no_churned_limit();
            } else if let Some(k) = churned {
                b = b.churned_limit(k);
            }
            if let Some(g) = recent_guard {
                b = b.recent_guard(g);
            }
            let rule = StageRule::WindowTrend(b.build()?);
            let stages = rule.assign_all(&histories)?;
            let mut out = Columns::default();
            for (k, ((customer, series), stage)) in histories.iter().zip(&stages).enumerate() {
                out.0.push(customer.get() as i64);
                out.1.push(stage.stage().name().to_owned());
                out.2.push(stage.reason().to_string());
                out.3.push(series.len() as i64);
                let since = histories
                    .history(k)
                    .and_then(|h| h.periods_since_last_purchase());
                out.4.push(since.map_or(-1, |v| v as i64));
            }
            Ok(out)
        })
        .map_err(to_py)?;
    Ok((
        cols.0.into_pyarray(py),
        cols.1,
        cols.2,
        cols.3.into_pyarray(py),
        cols.4.into_pyarray(py),
    ))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("CustomerValueError", py.get_type::<CustomerValueError>())?;
    m.add(
        "InvalidParameterError",
        py.get_type::<InvalidParameterError>(),
    )?;
    m.add("InvalidValueError", py.get_type::<InvalidValueError>())?;
    m.add("InvalidDateError", py.get_type::<InvalidDateError>())?;
    m.add(
        "InvalidTransactionError",
        py.get_type::<InvalidTransactionError>(),
    )?;
    m.add("ParseError", py.get_type::<ParseError>())?;
    m.add("OverflowError", py.get_type::<OverflowError>())?;
    m.add("EmptyInputError", py.get_type::<EmptyInputError>())?;
    m.add("NotIdentifiedError", py.get_type::<NotIdentifiedError>())?;
    m.add("NotConvergedError", py.get_type::<NotConvergedError>())?;
    m.add("IoError", py.get_type::<IoError>())?;
    m.add("DuplicateError", py.get_type::<DuplicateError>())?;
    m.add("UnitMismatchError", py.get_type::<UnitMismatchError>())?;
    m.add("NoCovarianceError", py.get_type::<NoCovarianceError>())?;
    m.add_function(wrap_pyfunction!(fit_purchases, m)?)?;
    m.add_function(wrap_pyfunction!(fit_bgbb, m)?)?;
    m.add_function(wrap_pyfunction!(fit_gamma_gamma, m)?)?;
    m.add_function(wrap_pyfunction!(conditional_probability_alive, m)?)?;
    m.add_function(wrap_pyfunction!(limit_histories, m)?)?;
    m.add_function(wrap_pyfunction!(conditional_expected_purchases, m)?)?;
    m.add_function(wrap_pyfunction!(expected_purchases_new, m)?)?;
    m.add_function(wrap_pyfunction!(probability_of_n_purchases, m)?)?;
    m.add_function(wrap_pyfunction!(conditional_prob_purchases, m)?)?;
    m.add_function(wrap_pyfunction!(bgbb_prob_new, m)?)?;
    m.add_function(wrap_pyfunction!(customer_lifetime_value, m)?)?;
    m.add_function(wrap_pyfunction!(conditional_expected_average_profit, m)?)?;
    m.add_function(wrap_pyfunction!(bgbb_probability_alive, m)?)?;
    m.add_function(wrap_pyfunction!(bgbb_conditional_expected, m)?)?;
    m.add_function(wrap_pyfunction!(bgbb_expected_new, m)?)?;
    m.add_function(wrap_pyfunction!(summarize, m)?)?;
    m.add_function(wrap_pyfunction!(fit_sbg, m)?)?;
    m.add_function(wrap_pyfunction!(sbg_curves, m)?)?;
    m.add_function(wrap_pyfunction!(sbg_discounted_lifetimes, m)?)?;
    m.add_function(wrap_pyfunction!(pareto_dert, m)?)?;
    m.add_function(wrap_pyfunction!(dert, m)?)?;
    covariates::register(m)?;
    intervals::register(m)?;
    lifetimes_internals::register(m)?;
    m.add_function(wrap_pyfunction!(rfm_scores, m)?)?;
    m.add_function(wrap_pyfunction!(retention_clv, m)?)?;
    m.add_function(wrap_pyfunction!(tiers, m)?)?;
    m.add_function(wrap_pyfunction!(summarize_full, m)?)?;
    m.add_function(wrap_pyfunction!(satisfaction_stats, m)?)?;
    m.add_function(wrap_pyfunction!(kano_attribute, m)?)?;
    m.add_function(wrap_pyfunction!(ahp_weights, m)?)?;
    m.add_function(wrap_pyfunction!(loyalty_index, m)?)?;
    m.add_function(wrap_pyfunction!(lifecycle_stages, m)?)?;
    m.add_function(wrap_pyfunction!(arrow::arrow_floats, m)?)?;
    m.add_function(wrap_pyfunction!(arrow::arrow_periods, m)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// BG/NBD and MBG/NBD conditional expectations from the per-count
    /// curves: within 1e-10 of the crate's per-customer function (no
    /// repeat purchase, heavy buyers, tiny and long ages, horizons below
    /// and far beyond α + T), and each value the same bit for bit whether
    /// its row is alone in the call or among all the others.
    #[test]
    fn bg_curves_are_the_crate_function_and_do_not_depend_on_other_rows() {
        let mut population = Vec::new();
        for x in [0u32, 1, 2, 7, 30, 400, 5000] {
            for big_t in [1e-3, 0.5, 13.0, 38.86, 400.0] {
                for share in [0.0, 1e-9, 0.25, 0.999, 1.0] {
                    let t_x = if x == 0 { 0.0 } else { big_t * share };
                    if x > 0 && t_x == 0.0 || x == 0 && share > 0.0 {
                        continue;
                    }
                    let id = CustomerId::new(population.len() as u64);
                    population.push(CustomerHistory::new(id, x, t_x, big_t).unwrap());
                }
            }
        }
        for [r, alpha, a, b] in [
            [0.243, 4.414, 0.793, 2.426],
            [3.0, 0.5, 0.01, 0.2],
            [0.05, 80.0, 12.0, 1e-3],
            [0.55, 10.5, 1.0, 12.0],
        ] {
            for m in [
                Purchases::Bg(BgNbdParams::new(r, alpha, a, b).unwrap()),
                Purchases::Mbg(MbgNbdParams::new(r, alpha, a, b).unwrap()),
            ] {
                for t in [0.0, 1e-4, 1.0, 10.0, 52.0, 3000.0] {
                    let all = BgCurves::new(&m, &population, |_, emit| emit(t))
                        .unwrap()
                        .unwrap();
                    let f: Vec<f64> = population.iter().map(|h| f64::from(h.x())).collect();
                    let r: Vec<f64> = population.iter().map(|h| h.t_x()).collect();
                    let a: Vec<f64> = population.iter().map(|h| h.age()).collect();
                    let batch_alive = match &m {
                        Purchases::Bg(p) => BgAlive::new(p, f.len()),
                        Purchases::Mbg(p) => BgAlive::modified(p, f.len()),
                        _ => unreachable!(),
                    }
                    .p_alive_batch(&f, &r, &a)
                    .unwrap();
                    // The batch path of the conditional expectation (the
                    // one a large call takes) gives the same bits.
                    let batch = bg_conditional_batch(&m, &[t], &f, &r, &a, false).unwrap();
                    for (i, h) in population.iter().enumerate() {
                        // P(alive) is the P(alive) call's, bit for bit, and
                        // the crate's to a few ulp.
                        let alive = m.p_alive(h).unwrap();
                        let mine = all.alive(h);
                        assert_eq!(mine.to_bits(), batch_alive[i].to_bits(), "{h:?}");
                        assert!((mine - alive).abs() <= 1e-14 * alive, "{h:?}");
                        let exact = m.conditional(h, t).unwrap();
                        let got = all.expected(&m, h, t).unwrap();
                        assert!(
                            (got - exact).abs() <= 1e-10 * exact.abs(),
                            "{h:?} t={t}: {got} vs {exact}"
                        );
                        let one = std::slice::from_ref(h);
                        let alone = BgCurves::new(&m, one, |_, emit| emit(t)).unwrap().unwrap();
                        assert_eq!(alone.expected(&m, h, t).unwrap().to_bits(), got.to_bits());
                        assert_eq!(batch[i].to_bits(), got.to_bits(), "{h:?} t={t}");
                    }
                }
            }
        }
    }

    /// The per-count table of [`BgAlive`] changes nothing: every value
    /// equals [`BgNbdParams::p_alive`] bit for bit, below, at and beyond
    /// the table's end, and invalid rows give the constructor's error.
    #[test]
    fn bg_alive_equals_the_crate_bit_for_bit() {
        let params = [
            BgNbdParams::new(0.243, 4.414, 0.793, 2.426).unwrap(),
            BgNbdParams::new(3.0, 0.5, 0.01, 0.2).unwrap(),
            BgNbdParams::new(0.05, 80.0, 12.0, 1e-3).unwrap(),
        ];
        let mut f = Vec::new();
        let mut r = Vec::new();
        let mut t = Vec::new();
        for x in [0u32, 1, 2, 7, 30, 1022, 1023, 1024, 1025, 5000] {
            for big_t in [0.5, 13.0, 38.86, 400.0] {
                for share in [0.0, 1e-9, 0.25, 0.999, 1.0] {
                    let t_x = if x == 0 { 0.0 } else { big_t * share };
                    if x > 0 && t_x == 0.0 {
                        continue;
                    }
                    f.push(f64::from(x));
                    r.push(t_x);
                    t.push(big_t);
                }
            }
        }
        for (p, rows) in params.iter().flat_map(|p| [(p, f.len()), (p, 3)]) {
            let fast = BgAlive::new(p, rows);
            for i in 0..f.len() {
                let h = history_at(&f, &r, &t, i).unwrap();
                let want = p.p_alive(&h);
                let got = fast.p_alive(&f, &r, &t, i).unwrap();
                assert_eq!(got.to_bits(), want.to_bits(), "row {i}: {got} vs {want}");
            }
        }
        for (k, (p, rows)) in params
            .iter()
            .flat_map(|p| [(p, f.len()), (p, 3)])
            .enumerate()
        {
            let m = MbgNbdParams::new(p.r(), p.alpha(), p.a(), p.b()).unwrap();
            let fast = BgAlive::modified(&m, rows);
            for i in 0..f.len() {
                let h = history_at(&f, &r, &t, i).unwrap();
                let want = m.p_alive(&h);
                let got = fast.p_alive(&f, &r, &t, i).unwrap();
                assert_eq!(
                    got.to_bits(),
                    want.to_bits(),
                    "MBG {k}, row {i}: {got} vs {want}"
                );
            }
        }
        let bad = [2.0, 9.0, 5.0];
        let err = BgAlive::new(&params[0], 1)
            .p_alive(&bad[..1], &bad[1..2], &bad[2..], 0)
            .unwrap_err();
        assert!(matches!(err, Error::InvalidValue { .. }), "{err}");
    }
}
