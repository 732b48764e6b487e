//! The lifetimes-layer summary (`summarize`) computed straight from the
//! columns for float (or no) amounts: each amount becomes an exact integer
//! count of `10^-K` (the fewest decimals `k ≤ 9` that give back the double,
//! as `money` reads it, then a common scale `K`; money in cents is read at
//! `K = 2` in one step), transactions are bucketed by customer code (a
//! counting sort for dense codes, a comparison sort otherwise), and each customer's purchase days
//! are merged in one pass, distinct days counted with a per-day stamp.
//!
//! Sums are exact integers, so totals and means are the decimal path's
//! figures: `total / 10^K` and `repeat / (x·10^K)` are one correctly
//! rounded division each, the value [`crate::to_f64`] gives for the exact
//! decimal (the decimal path rounds the mean to 28 digits first, which can
//! differ in the last bit only when that rounding crosses a double's
//! rounding boundary). Inputs the fast path does not take (a negative or
//! non-finite amount, more than 9 decimals, a code below 0, a date out of
//! range, sums beyond 2^53 units) go to the decimal path, which raises the
//! same errors as before.

use crate::SummaryColumns;

/// Per-row exact mantissa and scale of `v`, as [`crate::money`]'s fast
/// path: the fewest decimals `k ≤ 9` with `round(v·10^k)/10^k == v`; `None`
/// for anything else (negative, not finite, ≥ 10^12, more decimals).
fn mantissa(v: f64) -> Option<(i64, u8)> {
    if !(0.0..1e12).contains(&v) {
        return None;
    }
    let mut scale = 1.0;
    for k in 0..=9u8 {
        let m = (v * scale).round();
        if m / scale == v {
            return Some((m as i64, k));
        }
        scale *= 10.0;
    }
    None
}

/// `v` in cents when it is a whole number of cents (as the double reads
/// back): `round(v·100)/100 == v` means the decimal `money` reads (the
/// fewest decimals `k ≤ 2` that give back `v`) is `m/100`, since two
/// decimals with at most 2 places that both round to `v` are within one
/// ulp of `v`, below 1.2e-4 for `v < 10^12`, so they are equal.
fn cents(v: f64) -> Option<i64> {
    if !(0.0..1e12).contains(&v) {
        return None;
    }
    let m = (v * 100.0).round();
    (m / 100.0 == v).then_some(m as i64)
}

/// Every amount as an exact integer count of `10^-scale` at the largest
/// of the amounts' own fewest decimals, each below 2^53 units; or `None`.
fn exact_units(a: &[f64]) -> Option<(Vec<i64>, u8)> {
    if let Some(c) = a.iter().map(|&v| cents(v)).collect::<Option<Vec<i64>>>() {
        return Some((c, 2));
    }
    let mut parts = Vec::with_capacity(a.len());
    let mut scale = 0u8;
    for &v in a {
        let (m, k) = mantissa(v)?;
        scale = scale.max(k);
        parts.push((m, k));
    }
    let units = parts
        .iter()
        .map(|&(m, k)| {
            let u = i128::from(m) * 10i128.pow(u32::from(scale - k));
            (u < 1 << 53).then_some(u as i64)
        })
        .collect::<Option<Vec<i64>>>()?;
    Some((units, scale))
}

/// Days must be dates the crate accepts (0001-01-01..=9999-12-31).
fn in_range(d: i64) -> bool {
    i32::try_from(d).is_ok_and(|d| customer_value::Date::from_days_since_epoch(d).is_ok())
}

/// Codes above this many per transaction use the comparison sort.
const DENSE: usize = 4;

/// Day spans up to this many days count distinct purchase days with a
/// stamp per day (one pass, no sorting); longer spans sort each customer's
/// transactions by day.
const STAMPED_DAYS: i64 = 1 << 20;

/// One transaction once bucketed by customer: its day and its amount in
/// units of `10^-scale`.
#[derive(Clone, Copy, Default)]
struct Tx {
    day: i32,
    units: i64,
}

/// The amounts as the bucketing reads them.
#[derive(Clone, Copy)]
enum Amounts<'a> {
    None,
    /// Floats read as cents on the fly (the common case).
    Cents(&'a [f64]),
    /// Exact units, computed beforehand.
    Units(&'a [i64]),
}

/// Why a pass gave up.
enum Fallback {
    /// An amount that is not a whole number of cents: retry with
    /// [`exact_units`].
    NotCents,
    /// Something only the decimal path takes.
    Decimal,
}

/// The day range `(first, last)` of the input and the observation end.
#[derive(Clone, Copy)]
struct Days {
    lo: i32,
    hi: i32,
    end: i32,
}

/// The summary of the transactions `(codes[i], days[i], amounts[i])` up to
/// `end` (later ones left out, as the decimal path), or `None` when the
/// decimal path must take the input.
pub(crate) fn summarize(
    codes: &[i64],
    days: &[i64],
    end: i64,
    amounts: Option<&[f64]>,
) -> Option<SummaryColumns> {
    let n = codes.len();
    if n == 0
        || n >= u32::MAX as usize
        || days.len() != n
        || amounts.is_some_and(|a| a.len() != n)
        || !in_range(end)
    {
        return None;
    }
    let (mut lo_day, mut hi_day, mut hi_code) = (i64::MAX, i64::MIN, 0i64);
    for i in 0..n {
        if codes[i] < 0 {
            return None;
        }
        hi_code = hi_code.max(codes[i]);
        lo_day = lo_day.min(days[i]);
        hi_day = hi_day.max(days[i]);
    }
    if !in_range(lo_day) || !in_range(hi_day) {
        return None;
    }
    let span = Days {
        lo: lo_day as i32,
        hi: hi_day as i32,
        end: end as i32,
    };
    if (hi_code as u64) >= (DENSE * n + 65_536) as u64 {
        let (units, scale) = match amounts {
            None => (vec![0; n], 0),
            Some(a) => exact_units(a)?,
        };
        return sparse(codes, days, &units, span, 10f64.powi(i32::from(scale)));
    }
    let buckets = hi_code as usize + 1;
    let run = |amounts: Amounts<'_>, unit: f64| dense(codes, days, amounts, buckets, span, unit);
    let out = match amounts {
        None => run(Amounts::None, 1.0),
        Some(a) => match run(Amounts::Cents(a), 100.0) {
            Err(Fallback::NotCents) => {
                let (units, scale) = exact_units(a)?;
                run(Amounts::Units(&units), 10f64.powi(i32::from(scale)))
            }
            other => other,
        },
    };
    out.ok()
}

/// Customers with codes in `0..buckets`: a counting sort of the
/// transactions by code, then one pass per customer. (Splitting the codes
/// between two threads, each reading every row, was slower on a loaded
/// two-core machine: 87 ms against 53 ms for a million rows.)
fn dense(
    codes: &[i64],
    days: &[i64],
    amounts: Amounts<'_>,
    buckets: usize,
    span: Days,
    unit: f64,
) -> Result<SummaryColumns, Fallback> {
    let mut start = vec![0u32; buckets + 1];
    for &c in codes {
        start[c as usize + 1] += 1;
    }
    for k in 0..buckets {
        start[k + 1] += start[k];
    }
    let groups: Vec<(u64, usize)> = (0..buckets)
        .filter(|&k| start[k + 1] > start[k])
        .map(|k| (k as u64, start[k] as usize))
        .collect();
    let rows = codes.len();
    let mut txs = vec![Tx::default(); rows];
    let mut next = start;
    for i in 0..rows {
        let units = match amounts {
            Amounts::None => 0,
            Amounts::Cents(a) => cents(a[i]).ok_or(Fallback::NotCents)?,
            Amounts::Units(u) => u[i],
        };
        let slot = &mut next[codes[i] as usize];
        txs[*slot as usize] = Tx {
            day: days[i] as i32,
            units,
        };
        *slot += 1;
    }
    customers(&groups, &mut txs, rows, span, unit).ok_or(Fallback::Decimal)
}

/// Customers with sparse codes: a comparison sort by code.
fn sparse(
    codes: &[i64],
    days: &[i64],
    units: &[i64],
    span: Days,
    unit: f64,
) -> Option<SummaryColumns> {
    let n = codes.len();
    let mut order: Vec<(u64, u32)> = (0..n).map(|i| (codes[i] as u64, i as u32)).collect();
    order.sort_unstable();
    let mut groups: Vec<(u64, usize)> = Vec::new();
    let mut txs = vec![Tx::default(); n];
    for (k, &(c, i)) in order.iter().enumerate() {
        if groups.last().is_none_or(|g| g.0 != c) {
            groups.push((c, k));
        }
        txs[k] = Tx {
            day: days[i as usize] as i32,
            units: units[i as usize],
        };
    }
    customers(&groups, &mut txs, n, span, unit)
}

/// The summaries of `groups` (code, first row in `txs`), `txs` holding
/// `rows` transactions.
fn customers(
    groups: &[(u64, usize)],
    txs: &mut [Tx],
    rows: usize,
    span: Days,
    unit: f64,
) -> Option<SummaryColumns> {
    let width = i64::from(span.hi) - i64::from(span.lo) + 1;
    // seen[day - lo] = the customer (1-based) that last bought that day.
    let mut seen = if width <= STAMPED_DAYS {
        vec![0u32; width as usize]
    } else {
        Vec::new()
    };
    let mut out = SummaryColumns::default();
    for (g, &(code, from)) in groups.iter().enumerate() {
        let to = groups.get(g + 1).map_or(rows, |next| next.1);
        let mine = &mut txs[from..to];
        let stamp = g as u32 + 1;
        if seen.is_empty() && mine.len() > 1 && !mine.is_sorted_by_key(|t| t.day) {
            mine.sort_unstable_by_key(|t| t.day);
        }
        let (mut purchases, mut count, mut total) = (0u32, 0usize, 0i64);
        let (mut first, mut last, mut first_day_total) = (i32::MAX, i32::MIN, 0i64);
        let mut previous = None;
        for t in mine.iter() {
            if t.day > span.end {
                continue;
            }
            let new_day = if seen.is_empty() {
                // Sorted by day: a new day differs from the one before.
                previous != Some(t.day)
            } else {
                let slot = &mut seen[(t.day - span.lo) as usize];
                std::mem::replace(slot, stamp) != stamp
            };
            previous = Some(t.day);
            purchases += u32::from(new_day);
            count += 1;
            total = total.checked_add(t.units)?;
            if t.day < first {
                first = t.day;
                first_day_total = t.units;
            } else if t.day == first {
                first_day_total += t.units;
            }
            last = last.max(t.day);
        }
        if count == 0 {
            continue;
        }
        let x = purchases - 1;
        if total >= 1 << 53 || unit * f64::from(x) >= (1u64 << 53) as f64 {
            return None;
        }
        out.code.push(code as i64);
        out.frequency.push(f64::from(x));
        out.t_x.push(f64::from(last - first));
        out.age.push(f64::from(span.end - first));
        out.zbar.push(if x == 0 {
            0.0
        } else {
            (total - first_day_total) as f64 / (unit * f64::from(x))
        });
        out.purchases.push(f64::from(purchases));
        out.transactions.push(count as f64);
        out.total_spend.push(total as f64 / unit);
    }
    Some(out)
}
