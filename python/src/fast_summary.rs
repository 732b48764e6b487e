//! The lifetimes-layer summary (`summarize`) computed straight from the
//! columns for float (or no) amounts: each amount becomes an exact integer
//! count of `10^-K` (the fewest decimals `k ≤ 9` that give back the double,
//! as `money` reads it, then a common scale `K`), transactions are bucketed
//! by customer code (a counting sort for dense codes, a comparison sort
//! otherwise), and each customer's purchase days are merged in one pass.
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
    if !(v >= 0.0 && v < 1e12) {
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

/// Days must be dates the crate accepts (0001-01-01..=9999-12-31).
fn in_range(d: i64) -> bool {
    i32::try_from(d).is_ok_and(|d| customer_value::Date::from_days_since_epoch(d).is_ok())
}

/// Codes above this many per transaction use the comparison sort.
const DENSE: usize = 4;

/// Rows from which the per-customer pass runs on two threads.
const PARALLEL_ROWS: usize = 65_536;

/// One transaction once bucketed by customer: its day and its amount in
/// units of `10^-scale`.
#[derive(Clone, Copy, Default)]
struct Tx {
    day: i32,
    units: i64,
}

/// Every amount as an exact integer count of `10^-scale`, or `None` (see
/// the module docs). Money in cents (or whole units) is checked at scale 2
/// in one step; otherwise each amount's own fewest decimals, then the
/// largest of them.
fn exact_units(a: &[f64]) -> Option<(Vec<i64>, u8)> {
    // Scale 2: round(v·100)/100 == v means the decimal money() reads
    // (the fewest decimals k ≤ 2 that give back v) is m/100: two decimals
    // with at most 2 (or 3) places that both round to v are within one ulp
    // of v, below 1.2e-4 for v < 10^12, so they are equal.
    let cents: Option<Vec<i64>> = a
        .iter()
        .map(|&v| {
            if !(v >= 0.0 && v < 1e12) {
                return None;
            }
            let m = (v * 100.0).round();
            (m / 100.0 == v).then_some(m as i64)
        })
        .collect();
    if let Some(c) = cents {
        return Some((c, 2));
    }
    let mut parts = Vec::with_capacity(a.len());
    let mut scale = 0u8;
    for &v in a {
        let (m, k) = mantissa(v)?;
        scale = scale.max(k);
        parts.push((m, k));
    }
    // Every amount at the common scale, below 2^53 units, so that every
    // customer's sum (checked when summed) stays exact in an i64.
    let units = parts
        .iter()
        .map(|&(m, k)| {
            let u = i128::from(m) * 10i128.pow(u32::from(scale - k));
            (u < 1 << 53).then_some(u as i64)
        })
        .collect::<Option<Vec<i64>>>()?;
    Some((units, scale))
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
    let (units, scale) = match amounts {
        None => (vec![0i64; n], 0u8),
        Some(a) => exact_units(a)?,
    };
    // Customers (code, first row) and their transactions, by code.
    let mut txs = vec![Tx::default(); n];
    let mut groups: Vec<(u64, usize)>;
    if (hi_code as u64) < (DENSE * n + 65_536) as u64 {
        // Counting sort: bucket k holds customer code k.
        let buckets = hi_code as usize + 1;
        let mut start = vec![0u32; buckets + 1];
        for &c in codes {
            start[c as usize + 1] += 1;
        }
        for k in 0..buckets {
            start[k + 1] += start[k];
        }
        groups = (0..buckets)
            .filter(|&k| start[k + 1] > start[k])
            .map(|k| (k as u64, start[k] as usize))
            .collect();
        let mut next = start;
        for i in 0..n {
            let c = codes[i] as usize;
            txs[next[c] as usize] = Tx {
                day: days[i] as i32,
                units: units[i],
            };
            next[c] += 1;
        }
    } else {
        let mut order: Vec<(u64, u32)> = (0..n).map(|i| (codes[i] as u64, i as u32)).collect();
        order.sort_unstable();
        groups = Vec::new();
        for (k, &(c, i)) in order.iter().enumerate() {
            if groups.last().is_none_or(|g| g.0 != c) {
                groups.push((c, k));
            }
            txs[k] = Tx {
                day: days[i as usize] as i32,
                units: units[i as usize],
            };
        }
    }
    let (end, unit) = (end as i32, 10f64.powi(i32::from(scale)));
    if n < PARALLEL_ROWS || std::thread::available_parallelism().map_or(1, usize::from) < 2 {
        return customers(&groups, &mut txs, 0, n, end, unit);
    }
    // Two halves of the customers, each with its own transactions.
    let half = groups.partition_point(|g| g.1 < n / 2).max(1);
    let (left, right) = groups.split_at(half);
    let (lt, rt) = txs.split_at_mut(right.first().map_or(n, |g| g.1));
    let (a, b) = std::thread::scope(|scope| {
        let h = scope.spawn(move || customers(right, rt, half_base(right, n), n, end, unit));
        let a = customers(left, lt, 0, half_base(right, n), end, unit);
        (a, h.join().ok().flatten())
    });
    let (mut a, b) = (a?, b?);
    a.code.extend(b.code);
    a.frequency.extend(b.frequency);
    a.t_x.extend(b.t_x);
    a.age.extend(b.age);
    a.zbar.extend(b.zbar);
    a.purchases.extend(b.purchases);
    a.transactions.extend(b.transactions);
    a.total_spend.extend(b.total_spend);
    Some(a)
}

/// The first row of `groups` (or `n` when empty).
fn half_base(groups: &[(u64, usize)], n: usize) -> usize {
    groups.first().map_or(n, |g| g.1)
}

/// The summaries of `groups` (code, first row), whose transactions are
/// `txs` = rows `base..limit`; each customer's are sorted by day here.
fn customers(
    groups: &[(u64, usize)],
    txs: &mut [Tx],
    base: usize,
    limit: usize,
    end: i32,
    unit: f64,
) -> Option<SummaryColumns> {
    let mut out = SummaryColumns::default();
    for (g, &(code, from)) in groups.iter().enumerate() {
        let to = groups.get(g + 1).map_or(limit, |next| next.1);
        let mine = &mut txs[from - base..to - base];
        if mine.len() > 1 && !mine.is_sorted_by_key(|t| t.day) {
            mine.sort_unstable_by_key(|t| t.day);
        }
        // This customer's rows up to the end, by day.
        let mine = &mine[..mine.partition_point(|t| t.day <= end)];
        let Some(first) = mine.first().copied() else {
            continue;
        };
        let (mut purchases, mut total, mut first_day_total) = (0u32, 0i64, 0i64);
        let mut day = None;
        for t in mine {
            if day != Some(t.day) {
                purchases += 1;
                day = Some(t.day);
            }
            if t.day == first.day {
                first_day_total += t.units;
            }
            total = total.checked_add(t.units)?;
        }
        if total >= 1 << 53 {
            return None;
        }
        let last = mine[mine.len() - 1].day;
        let x = purchases - 1;
        if unit * f64::from(x) >= (1u64 << 53) as f64 {
            return None;
        }
        out.code.push(code as i64);
        out.frequency.push(f64::from(x));
        out.t_x.push(f64::from(last - first.day));
        out.age.push(f64::from(end - first.day));
        out.zbar.push(if x == 0 {
            0.0
        } else {
            (total - first_day_total) as f64 / (unit * f64::from(x))
        });
        out.purchases.push(f64::from(purchases));
        out.transactions.push(mine.len() as f64);
        out.total_spend.push(total as f64 / unit);
    }
    Some(out)
}
