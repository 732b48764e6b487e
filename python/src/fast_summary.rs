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
    if n == 0 || days.len() != n || amounts.is_some_and(|a| a.len() != n) || !in_range(end) {
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
    // Exact amounts in units of 10^-scale.
    let (units, scale) = match amounts {
        None => (vec![0i64; n], 0u8),
        Some(a) => {
            let mut parts = Vec::with_capacity(n);
            let mut scale = 0u8;
            for &v in a {
                let (m, k) = mantissa(v)?;
                scale = scale.max(k);
                parts.push((m, k));
            }
            // Every amount at the common scale, below 2^53 units, so that
            // every customer's sum (checked below) stays exact in an i64.
            let units = parts
                .iter()
                .map(|&(m, k)| {
                    let u = i128::from(m) * 10i128.pow(u32::from(scale - k));
                    (u < 1 << 53).then_some(u as i64)
                })
                .collect::<Option<Vec<i64>>>()?;
            (units, scale)
        }
    };
    // (code, day, units) sorted by code then day.
    let mut rows: Vec<(u64, i32, i64)>;
    if (hi_code as u64) < (DENSE * n + 65_536) as u64 {
        let buckets = hi_code as usize + 1;
        let mut start = vec![0u32; buckets + 1];
        for &c in codes {
            start[c as usize + 1] += 1;
        }
        for k in 0..buckets {
            start[k + 1] += start[k];
        }
        let mut next = start.clone();
        rows = vec![(0, 0, 0); n];
        for i in 0..n {
            let c = codes[i] as usize;
            rows[next[c] as usize] = (codes[i] as u64, days[i] as i32, units[i]);
            next[c] += 1;
        }
        for k in 0..buckets {
            let part = &mut rows[start[k] as usize..start[k + 1] as usize];
            if part.len() > 1 && !part.is_sorted_by_key(|r| r.1) {
                part.sort_unstable_by_key(|r| r.1);
            }
        }
    } else {
        rows = (0..n)
            .map(|i| (codes[i] as u64, days[i] as i32, units[i]))
            .collect();
        rows.sort_unstable_by_key(|r| (r.0, r.1));
    }
    let end = end as i32;
    let unit = 10f64.powi(i32::from(scale));
    let mut out = SummaryColumns::default();
    let mut i = 0;
    while i < n {
        let code = rows[i].0;
        let mut j = i;
        while j < n && rows[j].0 == code {
            j += 1;
        }
        // This customer's rows up to the end, by day.
        let mine = &rows[i..j];
        i = j;
        let upto = mine.partition_point(|r| r.1 <= end);
        let mine = &mine[..upto];
        let Some(first) = mine.first() else {
            continue;
        };
        let (mut purchases, mut total, mut first_day_total) = (0u32, 0i64, 0i64);
        let mut day = None;
        for r in mine {
            if day != Some(r.1) {
                purchases += 1;
                day = Some(r.1);
            }
            if r.1 == first.1 {
                first_day_total += r.2;
            }
            total = total.checked_add(r.2)?;
        }
        if total >= 1 << 53 {
            return None;
        }
        let last = mine[mine.len() - 1].1;
        let x = purchases - 1;
        if unit * f64::from(x) >= (1u64 << 53) as f64 {
            return None;
        }
        out.code.push(code as i64);
        out.frequency.push(f64::from(x));
        out.t_x.push(f64::from(last - first.1));
        out.age.push(f64::from(end - first.1));
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
