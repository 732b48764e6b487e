//! The engine ABC, the pyramid and the flags share: ranking by value and
//! cumulative cut points, in exact integer arithmetic where it fits.

use std::cmp::{Ordering, Reverse};

use rust_decimal::prelude::ToPrimitive;

use crate::order::decimal_keys;
use crate::{Decimal, Error, Result};

/// Input positions in rank order (value descending, ties in input order),
/// and, when asked for and available, the exact integer keys in that order.
pub(crate) struct Ranking {
    pub(crate) order: Vec<usize>,
    pub(crate) sorted_keys: Option<Vec<i128>>,
    /// The scale of the keys (the largest scale among the values).
    pub(crate) scale: u32,
}

/// Ranks `values`: value descending, ties broken by input position.
///
/// Values are compared as exact integers (every value rescaled to the
/// largest scale); the offset from the maximum and the input position are
/// packed into one `u64` (LSD radix sort on the offset bits, stable) or
/// `u128` (unstable sort of unique integers), either way giving ties in
/// input order. Falls back to a stable sort on `Decimal::cmp` when the
/// rescaled values do not fit in an `i128`.
pub(crate) fn rank(values: &[Decimal], want_keys: bool) -> Ranking {
    let Ranking {
        order, sorted_keys, ..
    } = rank_inner(values, want_keys);
    let scale = if sorted_keys.is_some() {
        values.iter().map(Decimal::scale).max().unwrap_or(0)
    } else {
        0
    };
    Ranking {
        order,
        sorted_keys,
        scale,
    }
}

fn rank_inner(values: &[Decimal], want_keys: bool) -> Ranking {
    let n = values.len();
    let Some(keys) = decimal_keys(values) else {
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&i, &j| values[j].cmp(&values[i]));
        return Ranking {
            order,
            sorted_keys: None,
            scale: 0,
        };
    };
    let (mut min, mut max) = (i128::MAX, i128::MIN);
    for &k in &keys {
        min = min.min(k);
        max = max.max(k);
    }
    if n == 0 {
        return Ranking {
            order: Vec::new(),
            sorted_keys: want_keys.then(Vec::new),
            scale: 0,
        };
    }
    // Offsets below the maximum are in [0, max - min], as unsigned integers.
    let range = (max as u128).wrapping_sub(min as u128);
    let offset = |k: i128| (max as u128).wrapping_sub(k as u128);
    let unoffset = |d: u128| (max as u128).wrapping_sub(d) as i128;
    let idx_bits = usize::BITS - (n - 1).leading_zeros();
    let range_bits = u128::BITS - range.leading_zeros();

    if idx_bits < 64 && range_bits + idx_bits <= 64 {
        let mask = (1u64 << idx_bits) - 1;
        let mut packed: Vec<u64> = keys
            .iter()
            .enumerate()
            .map(|(i, &k)| ((offset(k) as u64) << idx_bits) | i as u64)
            .collect();
        drop(keys);
        // Already in index order, so a stable sort on the offset bits alone
        // leaves ties in input order.
        radix_sort(&mut packed, idx_bits, range_bits);
        let order = packed.iter().map(|&p| (p & mask) as usize).collect();
        let sorted_keys = want_keys.then(|| {
            packed
                .iter()
                .map(|&p| unoffset(u128::from(p >> idx_bits)))
                .collect()
        });
        Ranking {
            order,
            sorted_keys,
            scale: 0,
        }
    } else if range_bits + idx_bits <= 128 {
        let mask = (1u128 << idx_bits) - 1;
        let mut packed: Vec<u128> = keys
            .iter()
            .enumerate()
            .map(|(i, &k)| (offset(k) << idx_bits) | i as u128)
            .collect();
        drop(keys);
        packed.sort_unstable();
        let order = packed.iter().map(|&p| (p & mask) as usize).collect();
        let sorted_keys =
            want_keys.then(|| packed.iter().map(|&p| unoffset(p >> idx_bits)).collect());
        Ranking {
            order,
            sorted_keys,
            scale: 0,
        }
    } else {
        let mut pairs: Vec<(Reverse<i128>, usize)> = keys
            .iter()
            .enumerate()
            .map(|(i, &k)| (Reverse(k), i))
            .collect();
        drop(keys);
        pairs.sort_unstable();
        let order = pairs.iter().map(|&(_, i)| i).collect();
        let sorted_keys = want_keys.then(|| pairs.iter().map(|&(Reverse(k), _)| k).collect());
        Ranking {
            order,
            sorted_keys,
            scale: 0,
        }
    }
}

/// Stable LSD radix sort of `v` on bits `lo .. lo + bits` (`lo + bits <= 64`).
fn radix_sort(v: &mut Vec<u64>, lo: u32, bits: u32) {
    const DIGIT: u32 = 11;
    const BUCKETS: usize = 1 << DIGIT;
    const MASK: u64 = (BUCKETS - 1) as u64;
    let passes = bits.div_ceil(DIGIT) as usize;
    if passes == 0 || v.len() < 2 {
        return;
    }
    let mut counts = vec![[0usize; BUCKETS]; passes];
    for &x in v.iter() {
        for (p, c) in counts.iter_mut().enumerate() {
            c[((x >> (lo + p as u32 * DIGIT)) & MASK) as usize] += 1;
        }
    }
    let n = v.len();
    let mut buf = vec![0u64; n];
    for (p, c) in counts.iter_mut().enumerate() {
        if c.contains(&n) {
            continue; // every element has the same digit
        }
        let mut sum = 0usize;
        for slot in c.iter_mut() {
            let k = *slot;
            *slot = sum;
            sum += k;
        }
        let shift = lo + p as u32 * DIGIT;
        for &x in v.iter() {
            let d = ((x >> shift) & MASK) as usize;
            buf[c[d]] = x;
            c[d] += 1;
        }
        std::mem::swap(v, &mut buf);
    }
}

/// How cumulative cut points are applied to the ranked population.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rule {
    /// Rank k is within cut p if k <= ceil(p N).
    Count,
    /// Rank k is within cut p if C_{k-1} < p.
    Crossing,
    /// Rank k is within cut p if C_k <= p.
    Strict,
}

/// `ceil(p n)` exactly, for `p` in (0, 1].
pub(crate) fn ceil_share_of(p: Decimal, n: usize) -> Result<usize> {
    let (m, pow) = share_parts(p);
    let product = m.checked_mul(n as u128).ok_or(Error::Overflow {
        what: "cut point times population size",
    })?;
    // p <= 1, so the result is at most n.
    Ok(usize::try_from(product.div_ceil(pow)).unwrap_or(n).min(n))
}

/// `floor(p n)` exactly, for `p` in (0, 1].
pub(crate) fn floor_share_of(p: Decimal, n: usize) -> Result<usize> {
    let (m, pow) = share_parts(p);
    let product = m.checked_mul(n as u128).ok_or(Error::Overflow {
        what: "cut point times population size",
    })?;
    Ok(usize::try_from(product / pow).unwrap_or(n).min(n))
}

/// A positive share as `mantissa / 10^scale`, both unsigned.
fn share_parts(p: Decimal) -> (u128, u128) {
    let m = p.mantissa().unsigned_abs();
    let pow = 10u128.pow(p.scale());
    (m, pow)
}

/// The full 256-bit product of two `u128`s, as (high, low) words.
fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    const M: u128 = u64::MAX as u128;
    let (a1, a0) = (a >> 64, a & M);
    let (b1, b0) = (b >> 64, b & M);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = (p00 >> 64) + (p01 & M) + (p10 & M);
    let lo = (p00 & M) | (mid << 64);
    let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    (hi, lo)
}

/// Compares the share `s / total` with `p`, exactly (`total > 0`).
fn cmp_share(s: i128, total: i128, p: Decimal) -> Ordering {
    if s < 0 {
        return Ordering::Less;
    }
    let (m, pow) = share_parts(p);
    mul_wide(s.unsigned_abs(), pow).cmp(&mul_wide(m, total.unsigned_abs()))
}

/// For each cut point (increasing, in (0, 1]), the number of leading ranks
/// within it: tier j holds ranks `bounds[j-1] + 1 ..= bounds[j]`, and the
/// tier after the last cut holds the rest.
///
/// For the value rules the bound is the longest qualifying prefix, which is
/// the textbook per-rank rule whenever the cumulative share is monotone
/// (no negative values).
pub(crate) fn bounds(
    cuts: &[Decimal],
    rule: Rule,
    values: &[Decimal],
    ranking: &Ranking,
) -> Result<Vec<usize>> {
    let n = values.len();
    match rule {
        Rule::Count => cuts.iter().map(|&p| ceil_share_of(p, n)).collect(),
        Rule::Crossing | Rule::Strict => {
            if let Some(keys) = &ranking.sorted_keys {
                if let Some(b) = value_bounds_exact(cuts, rule, keys) {
                    return Ok(b);
                }
            }
            value_bounds_decimal(cuts, rule, values, &ranking.order)
        }
    }
}

/// Value bounds on exact integer keys; `None` when a sum overflows `i128`.
fn value_bounds_exact(cuts: &[Decimal], rule: Rule, keys: &[i128]) -> Option<Vec<usize>> {
    let total = keys.iter().try_fold(0i128, |acc, &k| acc.checked_add(k))?;
    if total <= 0 {
        return None;
    }
    let mut out = Vec::with_capacity(cuts.len());
    let mut prev = 0i128;
    for (k0, &key) in keys.iter().enumerate() {
        let cur = prev.checked_add(key)?;
        while let Some(&p) = cuts.get(out.len()) {
            let within = match rule {
                Rule::Crossing => cmp_share(prev, total, p) == Ordering::Less,
                _ => cmp_share(cur, total, p) != Ordering::Greater,
            };
            if within {
                break;
            }
            out.push(k0);
        }
        if out.len() == cuts.len() {
            return Some(out);
        }
        prev = cur;
    }
    out.resize(cuts.len(), keys.len());
    Some(out)
}

/// Value bounds in `Decimal` arithmetic (rounded past 28 digits), for
/// values too wide for exact integer keys.
fn value_bounds_decimal(
    cuts: &[Decimal],
    rule: Rule,
    values: &[Decimal],
    order: &[usize],
) -> Result<Vec<usize>> {
    let total = checked_sum(values.iter().copied())?;
    if total <= Decimal::ZERO {
        return Err(nonpositive_total(total));
    }
    let limits = cuts
        .iter()
        .map(|p| {
            p.checked_mul(total).ok_or(Error::Overflow {
                what: "cut point times total value",
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut out = Vec::with_capacity(cuts.len());
    let mut prev = Decimal::ZERO;
    for (k0, &i) in order.iter().enumerate() {
        let v = values.get(i).copied().unwrap_or_default();
        let cur = prev.checked_add(v).ok_or(Error::Overflow {
            what: "cumulative value",
        })?;
        while let Some(&limit) = limits.get(out.len()) {
            let within = match rule {
                Rule::Crossing => prev < limit,
                _ => cur <= limit,
            };
            if within {
                break;
            }
            out.push(k0);
        }
        if out.len() == cuts.len() {
            return Ok(out);
        }
        prev = cur;
    }
    out.resize(cuts.len(), order.len());
    Ok(out)
}

/// The error for a value-based method on a population worth nothing.
pub(crate) fn nonpositive_total(total: Decimal) -> Error {
    Error::InvalidValue {
        what: "total value",
        reason: format!("value-based tiers need a positive total value, got {total}"),
    }
}

/// The error for fitting or classifying nobody.
pub(crate) fn empty_population() -> Error {
    Error::InvalidValue {
        what: "population",
        reason: "cannot rank an empty population (0 customers)".to_string(),
    }
}

/// A checked `Decimal` sum.
pub(crate) fn checked_sum(values: impl IntoIterator<Item = Decimal>) -> Result<Decimal> {
    values
        .into_iter()
        .try_fold(Decimal::ZERO, |acc, v| acc.checked_add(v))
        .ok_or(Error::Overflow { what: "value sum" })
}

/// `part / total` as an `f64`, `None` when `total <= 0`.
pub(crate) fn share(part: Decimal, total: Decimal) -> Option<f64> {
    if total <= Decimal::ZERO {
        return None;
    }
    let q = match part.checked_div(total) {
        Some(q) => q.to_f64(),
        None => Some(part.to_f64()? / total.to_f64()?),
    }?;
    q.is_finite().then_some(q)
}

/// Tier index (position among the tiers, best first) of every input,
/// given the ranking and the bounds.
pub(crate) fn tier_indices(order: &[usize], bounds: &[usize]) -> Vec<u8> {
    let mut out = vec![0u8; order.len()];
    let mut j = 0usize;
    for (pos, &i) in order.iter().enumerate() {
        while bounds.get(j).is_some_and(|&b| pos >= b) {
            j += 1;
        }
        if let Some(slot) = out.get_mut(i) {
            *slot = j as u8;
        }
    }
    out
}

/// The smallest value of each tier before the last, `None` for an empty
/// tier: the cut points a fitted scorer applies to new customers.
pub(crate) fn lower_values(
    values: &[Decimal],
    order: &[usize],
    bounds: &[usize],
) -> Vec<Option<Decimal>> {
    let mut lower = 0usize;
    bounds
        .iter()
        .map(|&b| {
            let v = if b > lower {
                order.get(b - 1).and_then(|&i| values.get(i)).copied()
            } else {
                None
            };
            lower = lower.max(b);
            v
        })
        .collect()
}

/// The tier a fitted scorer gives `value`: the first tier whose lower
/// value it reaches, else the last tier.
pub(crate) fn tier_of_value(value: Decimal, lower: &[Option<Decimal>]) -> usize {
    lower
        .iter()
        .position(|l| l.is_some_and(|l| value >= l))
        .unwrap_or(lower.len())
}

/// Checks that the present lower values of a fitted scorer do not increase.
pub(crate) fn check_lower(what: &'static str, lower: &[Option<Decimal>]) -> Result<()> {
    let mut last: Option<Decimal> = None;
    for l in lower.iter().flatten() {
        if let Some(prev) = last {
            if *l > prev {
                return Err(Error::InvalidValue {
                    what,
                    reason: format!(
                        "cut values must not increase from a better tier to a worse one, got {prev} then {l}"
                    ),
                });
            }
        }
        last = Some(*l);
    }
    Ok(())
}

/// Checks cumulative cut points: strictly increasing, in (0, 1].
pub(crate) fn check_cuts(name: &'static str, cuts: &[Decimal], reason: &'static str) -> Result<()> {
    let mut prev = Decimal::ZERO;
    for &p in cuts {
        if p <= prev || p > Decimal::ONE {
            return Err(Error::InvalidParameter {
                name,
                value: format!("{cuts:?}"),
                reason,
            });
        }
        prev = p;
    }
    Ok(())
}

/// A ranked population cut into tiers.
pub(crate) struct Tiered {
    /// Each input's tier index (best first), when asked for.
    pub(crate) indices: Option<Vec<u8>>,
    /// The smallest value of each tier before the last (`None`: empty).
    pub(crate) lower: Vec<Option<Decimal>>,
    /// Customers per tier.
    pub(crate) counts: Vec<usize>,
    /// Value per tier.
    pub(crate) sums: Vec<Decimal>,
    /// Customers with a negative value.
    pub(crate) negatives: usize,
}

/// Ranks `values` and cuts them into `cuts.len() + 1` tiers.
///
/// Errors: an empty population; for the value rules a total `<= 0`; an
/// overflowing sum.
pub(crate) fn tier(
    values: &[Decimal],
    cuts: &[Decimal],
    rule: Rule,
    want_indices: bool,
) -> Result<Tiered> {
    if values.is_empty() {
        return Err(empty_population());
    }
    let n = values.len();
    let ranking = rank(values, true);
    if rule != Rule::Count {
        let total = range_sum(values, &ranking, 0, n)?;
        if total <= Decimal::ZERO {
            return Err(nonpositive_total(total));
        }
    }
    let b = bounds(cuts, rule, values, &ranking)?;
    let mut counts = Vec::with_capacity(cuts.len() + 1);
    let mut sums = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0usize;
    for end in b.iter().copied().chain(std::iter::once(n)) {
        let end = end.clamp(start, n);
        counts.push(end - start);
        sums.push(range_sum(values, &ranking, start, end)?);
        start = end;
    }
    let negatives = match &ranking.sorted_keys {
        Some(keys) => keys.len() - keys.partition_point(|&k| k >= 0),
        None => values.iter().filter(|v| **v < Decimal::ZERO).count(),
    };
    Ok(Tiered {
        indices: want_indices.then(|| tier_indices(&ranking.order, &b)),
        lower: lower_values(values, &ranking.order, &b),
        counts,
        sums,
        negatives,
    })
}

/// The value of ranks `start..end` (0-based): an exact `i128` sum of the
/// keys when it fits a `Decimal` at the keys' scale, else a checked
/// `Decimal` sum.
fn range_sum(values: &[Decimal], ranking: &Ranking, start: usize, end: usize) -> Result<Decimal> {
    if let Some(slice) = ranking.sorted_keys.as_ref().and_then(|k| k.get(start..end)) {
        let exact = slice
            .iter()
            .try_fold(0i128, |acc, &k| acc.checked_add(k))
            .and_then(|sum| Decimal::try_from_i128_with_scale(sum, ranking.scale).ok());
        if let Some(sum) = exact {
            return Ok(sum);
        }
    }
    let order = ranking.order.get(start..end).unwrap_or_default();
    checked_sum(order.iter().filter_map(|&i| values.get(i)).copied())
}

/// Classifies a population by rank with [`tier`] and builds the per-customer
/// tiers and the population report; shared by ABC and the pyramid.
pub(crate) fn classify_by_rank<T: super::report::Tier>(
    population: &[super::input::CustomerValue],
    cuts: &[Decimal],
    rule: Rule,
) -> Result<super::report::TierAssignment<T>> {
    let values: Vec<Decimal> = population.iter().map(|c| c.value()).collect();
    let tiered = tier(&values, cuts, rule, true)?;
    let report = super::report::TierReport::from_parts(
        &tiered.counts,
        &tiered.sums,
        tiered.negatives,
        values.len(),
    )?;
    Ok(super::report::TierAssignment::new(
        population.iter().map(|c| c.customer()),
        &tiered.indices.unwrap_or_default(),
        report,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: i64, s: u32) -> Decimal {
        Decimal::new(m, s)
    }

    #[test]
    fn rank_is_descending_and_stable_on_every_path() {
        let values = [d(5, 0), d(7, 0), d(5, 0), d(-1, 0), d(7, 0)];
        let r = rank(&values, true);
        assert_eq!(r.order, vec![1, 4, 0, 2, 3]);
        assert_eq!(r.sorted_keys, Some(vec![7, 7, 5, 5, -1]));
        // Wide range: the u128 packing.
        let wide = [
            d(1, 0),
            Decimal::new(i64::MAX, 0),
            d(1, 0),
            Decimal::new(-i64::MAX, 0),
        ];
        let r = rank(&wide, false);
        assert_eq!(r.order, vec![1, 0, 2, 3]);
        // Too wide for i128 keys: the Decimal fallback.
        let huge = [d(1, 28), Decimal::MAX, d(1, 28), Decimal::MIN];
        let r = rank(&huge, true);
        assert_eq!(r.order, vec![1, 0, 2, 3]);
        assert!(r.sorted_keys.is_none());
        assert!(rank(&[], true).order.is_empty());
    }

    #[test]
    fn radix_path_matches_a_stable_sort() {
        let mut x = 12345u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for modulus in [1u64, 3, 1000, 1 << 30, 1 << 50] {
            let values: Vec<Decimal> = (0..3000)
                .map(|_| Decimal::new((next() % modulus) as i64 - (modulus / 2) as i64, 2))
                .collect();
            let mut expected: Vec<usize> = (0..values.len()).collect();
            expected.sort_by(|&i, &j| values[j].cmp(&values[i]));
            let r = rank(&values, true);
            assert_eq!(r.order, expected, "modulus {modulus}");
            assert_eq!(r.scale, 2);
            let keys: Vec<i128> = expected.iter().map(|&i| values[i].mantissa()).collect();
            assert_eq!(r.sorted_keys, Some(keys));
        }
    }

    #[test]
    fn ceil_and_floor_are_exact() {
        // 0.07 * 100 is 7.000000000000001 in f64.
        assert_eq!(ceil_share_of(d(7, 2), 100).unwrap(), 7);
        assert_eq!(ceil_share_of(d(2, 1), 11).unwrap(), 3);
        assert_eq!(floor_share_of(d(2, 1), 11).unwrap(), 2);
        assert_eq!(ceil_share_of(Decimal::ONE, 5).unwrap(), 5);
    }

    #[test]
    fn wide_products_compare_exactly() {
        assert_eq!(mul_wide(u128::MAX, 2), (1, u128::MAX - 1));
        assert_eq!(mul_wide(1 << 64, 1 << 64), (1, 0));
        // 80 / 100 is exactly 0.8.
        assert_eq!(cmp_share(80, 100, d(8, 1)), Ordering::Equal);
        assert_eq!(cmp_share(79, 100, d(8, 1)), Ordering::Less);
    }

    #[test]
    fn exact_and_decimal_value_bounds_agree() {
        let values = [d(80, 0), d(10, 0), d(10, 0)];
        let r = rank(&values, true);
        for rule in [Rule::Crossing, Rule::Strict] {
            let cuts = [d(8, 1), d(9, 1)];
            let exact = bounds(&cuts, rule, &values, &r).unwrap();
            let dec = value_bounds_decimal(&cuts, rule, &values, &r.order).unwrap();
            assert_eq!(exact, dec, "{rule:?}");
        }
        // Strict: C_1 = 0.8 <= 0.8, C_2 = 0.9 <= 0.9.
        assert_eq!(
            bounds(&[d(8, 1), d(9, 1)], Rule::Strict, &values, &r).unwrap(),
            vec![1, 2]
        );
        // Crossing: C_0 = 0 < 0.8 but C_1 = 0.8 is not.
        assert_eq!(
            bounds(&[d(8, 1), d(9, 1)], Rule::Crossing, &values, &r).unwrap(),
            vec![1, 2]
        );
    }

    #[test]
    fn lower_values_and_scoring() {
        let values = [d(3, 0), d(2, 0), d(1, 0)];
        let order = [0, 1, 2];
        let lower = lower_values(&values, &order, &[1, 1]);
        assert_eq!(lower, vec![Some(d(3, 0)), None]);
        assert_eq!(tier_of_value(d(3, 0), &lower), 0);
        assert_eq!(tier_of_value(d(2, 0), &lower), 2);
        assert!(check_lower("x", &[Some(d(1, 0)), None, Some(d(2, 0))]).is_err());
        assert!(check_lower("x", &[Some(d(2, 0)), None, Some(d(2, 0))]).is_ok());
    }

    #[test]
    fn shares() {
        assert_eq!(share(d(1, 0), d(4, 0)), Some(0.25));
        assert_eq!(share(d(1, 0), Decimal::ZERO), None);
        assert_eq!(share(d(1, 0), d(-1, 0)), None);
    }
}
