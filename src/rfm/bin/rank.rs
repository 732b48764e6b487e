//! The ranking machinery behind [`Rfm`](super::Rfm): order keys, the sort,
//! positions under each tie rule, position-to-score maps and the cut
//! points that reproduce Min- or Max-tie scores.
//!
//! Every dimension is turned into `u64` keys that order customers by
//! ascending goodness (recency reversed), sorted once (a stable LSD radix
//! sort, so equal keys keep input order: the `First` rule), and then walked
//! tie group by tie group. Nested binning buckets that one sorted order by
//! cell with a stable counting pass instead of sorting again.

use rust_decimal::Decimal;

use super::{CutRule, CutValue, Cuts, QuantileMethod, TieMethod};
use crate::rfm::RfmValues;
use crate::{Error, Result};

/// A population sorted by ascending goodness in one dimension: each item
/// packs `key << bits | index`, where `key` orders like the value (equal
/// values, equal keys) and `index` is the customer's input position. Equal
/// keys are in input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Sorted {
    items: Vec<u64>,
    bits: u32,
}

/// A run of a [`Sorted`] (the whole of it, or one nested cell).
#[derive(Debug, Clone, Copy)]
pub(super) struct Seg<'a> {
    items: &'a [u64],
    bits: u32,
}

impl Sorted {
    pub(super) fn seg(&self) -> Seg<'_> {
        Seg {
            items: &self.items,
            bits: self.bits,
        }
    }
}

impl<'a> Seg<'a> {
    pub(super) fn len(&self) -> usize {
        self.items.len()
    }

    fn key(&self, i: usize) -> u64 {
        self.items[i] >> self.bits
    }

    fn idx(&self, i: usize) -> usize {
        (self.items[i] & ((1u64 << self.bits) - 1)) as usize
    }

    /// Input indices of positions `a..b`.
    fn indices(&self, a: usize, b: usize) -> impl Iterator<Item = usize> + '_ {
        (a..b).map(move |i| self.idx(i))
    }

    pub(super) fn slice(&self, a: usize, b: usize) -> Seg<'a> {
        Seg {
            items: &self.items[a..b],
            bits: self.bits,
        }
    }
}

/// The most customers a ranking takes: index and dense rank must fit in
/// one `u64` together (32 bits each).
pub(super) const MAX_CUSTOMERS: usize = u32::MAX as usize;

/// A key that orders `f64`s like [`f64::total_cmp`], with `-0.0` and `0.0`
/// made equal.
fn f64_key(x: f64) -> u64 {
    let bits = (x + 0.0).to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// Order keys for recency: ascending goodness is descending recency.
pub(super) fn recency_keys(pop: &[RfmValues]) -> Vec<u64> {
    pop.iter().map(|v| !f64_key(v.recency())).collect()
}

/// Order keys for frequency.
pub(super) fn frequency_keys(pop: &[RfmValues]) -> Vec<u64> {
    pop.iter().map(|v| u64::from(v.frequency())).collect()
}

/// Order keys for money, shifted to start at 0.
///
/// When every amount has the same scale (all in cents, say) the mantissas
/// order like the amounts and are used directly, in one pass. Otherwise
/// the exact `i128` keys of [`decimal_keys`] are used when their range
/// fits in 64 bits, and dense ranks from a comparison sort of the
/// `Decimal`s when it doesn't.
///
/// [`decimal_keys`]: crate::order::decimal_keys
pub(super) fn monetary_keys(pop: &[RfmValues]) -> Vec<u64> {
    let scale = pop.first().map_or(0, |v| v.monetary().scale());
    let (mut min, mut max, mut same_scale) = (i128::MAX, i128::MIN, true);
    let mut keys: Vec<u64> = pop
        .iter()
        .map(|v| {
            let m = v.monetary();
            same_scale &= m.scale() == scale;
            let w = m.mantissa();
            min = min.min(w);
            max = max.max(w);
            // The low 64 bits: exact after subtracting `min` below when
            // the range fits in 64 bits.
            w as u64
        })
        .collect();
    // Mantissas have at most 96 bits, so `max - min` cannot overflow.
    if same_scale && (keys.is_empty() || u64::try_from(max - min).is_ok()) {
        let min = min as u64;
        for k in &mut keys {
            *k = k.wrapping_sub(min);
        }
        return keys;
    }
    drop(keys);
    let values: Vec<Decimal> = pop.iter().map(RfmValues::monetary).collect();
    if let Some(wide) = crate::order::decimal_keys(&values) {
        let min = wide.iter().copied().min().unwrap_or(0);
        let max = wide.iter().copied().max().unwrap_or(0);
        if max
            .checked_sub(min)
            .is_some_and(|range| u64::try_from(range).is_ok())
        {
            // In range: 0 <= w - min <= max - min < 2^64.
            return wide.iter().map(|&w| (w - min) as u64).collect();
        }
    }
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_unstable_by(|&a, &b| values[a].cmp(&values[b]));
    let mut keys = vec![0u64; values.len()];
    let mut rank = 0u64;
    for (pos, &idx) in order.iter().enumerate() {
        if pos > 0 && values[order[pos - 1]] != values[idx] {
            rank += 1;
        }
        keys[idx] = rank;
    }
    keys
}

/// Sorts a dimension: `keys[i]` is the order key of input index `i`.
/// Equal keys keep input order (the `First` rule). At most
/// [`MAX_CUSTOMERS`] keys (the caller checks).
///
/// Only the key bits that differ between customers take part: they are
/// shifted down and packed with the index into one `u64`. When they don't
/// fit beside the index (fractional recency spans many float exponents),
/// the keys are sorted as (key, index) pairs first and replaced by their
/// dense ranks, which always fit. The sort is a least-significant-digit
/// radix sort over the key bits only, in passes of at most 11 bits; being
/// stable, it leaves ties in input order without sorting the index bits.
pub(super) fn sort_keys(mut keys: Vec<u64>) -> Sorted {
    let n = keys.len();
    let bits = usize::BITS - n.saturating_sub(1).leading_zeros();
    let (mut and, mut or) = (u64::MAX, 0u64);
    for &k in &keys {
        and &= k;
        or |= k;
    }
    let varying = if n == 0 { 0 } else { and ^ or };
    if varying == 0 {
        // All keys equal: input order is sorted.
        for (idx, k) in keys.iter_mut().enumerate() {
            *k = idx as u64;
        }
        return Sorted { items: keys, bits };
    }
    let low = varying.trailing_zeros();
    let width = 64 - varying.leading_zeros() - low;
    let mask = if width == 64 {
        u64::MAX
    } else {
        (1 << width) - 1
    };
    if width + bits <= 64 {
        for (idx, k) in keys.iter_mut().enumerate() {
            *k = ((*k >> low) & mask) << bits | idx as u64;
        }
        radix_sort(&mut keys, bits, width, |&p| p);
        return Sorted { items: keys, bits };
    }
    let mut pairs: Vec<(u64, u64)> = keys
        .iter()
        .enumerate()
        .map(|(idx, &k)| ((k >> low) & mask, idx as u64))
        .collect();
    radix_sort(&mut pairs, 0, width, |p| p.0);
    let mut rank = 0u64;
    for (i, (k, p)) in keys.iter_mut().zip(&pairs).enumerate() {
        if i > 0 && pairs[i - 1].0 != p.0 {
            rank += 1;
        }
        // rank < n <= 2^bits and bits <= 32 (n <= MAX_CUSTOMERS): fits.
        *k = rank << bits | p.1;
    }
    Sorted { items: keys, bits }
}

/// Stable LSD radix sort of `v` on bits `low..low + width` of `key`.
fn radix_sort<T: Copy + Default>(v: &mut Vec<T>, low: u32, width: u32, key: impl Fn(&T) -> u64) {
    const SMALL: usize = 256;
    if v.len() <= SMALL {
        v.sort_by_key(|x| key(x) >> low);
        return;
    }
    let passes = width.div_ceil(11);
    let bits = width.div_ceil(passes);
    let buckets = 1usize << bits;
    let digit_mask = (buckets - 1) as u64;
    let mut counts = vec![0usize; buckets * passes as usize];
    for x in v.iter() {
        let k = key(x) >> low;
        for (pass, count) in counts.chunks_exact_mut(buckets).enumerate() {
            count[((k >> (bits * pass as u32)) & digit_mask) as usize] += 1;
        }
    }
    let n = v.len();
    let mut scratch = vec![T::default(); n];
    for (pass, count) in counts.chunks_exact_mut(buckets).enumerate() {
        if count.contains(&n) {
            continue; // every key has the same digit here
        }
        let mut total = 0;
        for c in count.iter_mut() {
            let here = *c;
            *c = total;
            total += here;
        }
        let shift = low + bits * pass as u32;
        for x in v.iter() {
            let d = ((key(x) >> shift) & digit_mask) as usize;
            scratch[count[d]] = *x;
            count[d] += 1;
        }
        std::mem::swap(v, &mut scratch);
    }
}

/// Regroups `sorted` by `cell_of(idx)` (cells `0..cells`), keeping the
/// order within each cell; returns the regrouped items and each cell's
/// range start (with a final `len` sentinel).
pub(super) fn bucket(
    sorted: &Sorted,
    cells: usize,
    cell_of: impl Fn(usize) -> usize,
) -> (Sorted, Vec<usize>) {
    let seg = sorted.seg();
    let mut starts = vec![0usize; cells + 1];
    for i in 0..seg.len() {
        starts[cell_of(seg.idx(i)) + 1] += 1;
    }
    for c in 1..=cells {
        starts[c] += starts[c - 1];
    }
    let mut next = starts.clone();
    let mut items = vec![0u64; seg.len()];
    for (i, &item) in sorted.items.iter().enumerate() {
        let c = cell_of(seg.idx(i));
        items[next[c]] = item;
        next[c] += 1;
    }
    (
        Sorted {
            items,
            bits: sorted.bits,
        },
        starts,
    )
}

/// The score of 1-based ascending-goodness position `p` of `n` in `k`
/// bins ([spec](crate::rfm::spec#quantile-methods)): the definition the fast paths are tested
/// against.
pub(super) fn position_score(method: QuantileMethod, p: usize, n: usize, k: u8) -> u8 {
    let (p, n, k) = (p as u128, n as u128, u128::from(k));
    let s = match method {
        // ceil(k·p/n)
        QuantileMethod::CeilRank => (k * p).div_ceil(n),
        // NTILE(k): the first n mod k tiles hold one extra member.
        QuantileMethod::Ntile => {
            let (q, r) = (n / k, n % k);
            let i = p - 1;
            let big = r * (q + 1);
            if i < big {
                i / (q + 1) + 1
            } else {
                // q > 0 here: q == 0 means r == n > i.
                r + (i - big) / q + 1
            }
        }
        // Smallest j with p <= 1 + (n-1)·j/k: pandas' right-closed bins on
        // the linear-interpolated quantiles of the ranks 1..n.
        QuantileMethod::QcutRank => {
            if n == 1 {
                1
            } else {
                ((p - 1) * k).div_ceil(n - 1).max(1)
            }
        }
        // Not position based; callers never ask (see `fit_segment`).
        QuantileMethod::RfmPackage => 1,
    };
    s as u8
}

/// For each score s in 2..=k, the first position whose score is at least s
/// (`n + 1` when no position reaches it). Scores are non-decreasing in the
/// position, so a binary search per score does.
fn ladder(method: QuantileMethod, n: usize, k: u8) -> [usize; 10] {
    let mut first = [usize::MAX; 10];
    for s in 2..=k {
        let (mut lo, mut hi) = (1usize, n + 1);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if position_score(method, mid, n, k) >= s {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        first[usize::from(s)] = lo;
    }
    first
}

/// Walks non-decreasing positions and yields their scores without a
/// division per customer.
struct Walker {
    first: [usize; 10],
    k: u8,
    score: u8,
}

impl Walker {
    fn new(method: QuantileMethod, n: usize, k: u8) -> Self {
        Self {
            first: ladder(method, n, k),
            k,
            score: 1,
        }
    }

    /// The score of position `p`; `p` must not decrease between calls.
    fn score(&mut self, p: usize) -> u8 {
        while self.score < self.k && p >= self.first[usize::from(self.score) + 1] {
            self.score += 1;
        }
        self.score
    }
}

/// The documented secondary key of [`TieMethod::Random`]: the `(i+1)`-th
/// output of SplitMix64 seeded with `seed`, for input index `i`. One-to-one
/// in `i`, so it never ties.
pub(super) fn tie_hash(seed: u64, index: usize) -> u64 {
    let mut z = seed.wrapping_add(
        (index as u64)
            .wrapping_add(1)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15),
    );
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Calls `f(start, end)` for each run of equal keys in `seg`.
fn for_each_group(seg: Seg<'_>, mut f: impl FnMut(usize, usize)) {
    let mut a = 0;
    while a < seg.len() {
        let key = seg.key(a);
        let mut b = a + 1;
        while b < seg.len() && seg.key(b) == key {
            b += 1;
        }
        f(a, b);
        a = b;
    }
}

/// Rank-method scores of a sorted segment under `ties`, written to
/// `out[idx]` (HighIsBest scores).
pub(super) fn rank_segment(
    seg: Seg<'_>,
    method: QuantileMethod,
    ties: TieMethod,
    k: u8,
    out: &mut [u8],
) {
    let n = seg.len();
    let mut walk = Walker::new(method, n, k);
    let mut group: Vec<usize> = Vec::new();
    for_each_group(seg, |a, b| match ties {
        TieMethod::First => {
            for (p, idx) in (a + 1..=b).zip(seg.indices(a, b)) {
                out[idx] = walk.score(p);
            }
        }
        TieMethod::Min | TieMethod::Max => {
            let s = walk.score(if ties == TieMethod::Min { a + 1 } else { b });
            for idx in seg.indices(a, b) {
                out[idx] = s;
            }
        }
        TieMethod::Random { seed } => {
            group.clear();
            group.extend(seg.indices(a, b));
            if group.len() > 1 {
                group.sort_unstable_by_key(|&idx| tie_hash(seed, idx));
            }
            for (p, &idx) in (a + 1..=b).zip(&group) {
                out[idx] = walk.score(p);
            }
        }
    });
}

/// Interpolation for the `rfm` package's type-7 quantiles.
pub(super) trait Quantile: CutValue {
    /// `lo + (num/den)·(hi - lo)`.
    fn lerp(lo: Self, hi: Self, num: u64, den: u64) -> Result<Self>;
    /// `self + 1`.
    fn plus_one(self) -> Result<Self>;
}

impl Quantile for f64 {
    fn lerp(lo: f64, hi: f64, num: u64, den: u64) -> Result<f64> {
        // Exact whenever the quantile is representable (R's
        // (1 - h)·x[lo] + h·x[hi] can be off in the last bit).
        Ok(lo + (hi - lo) * num as f64 / den as f64)
    }
    fn plus_one(self) -> Result<f64> {
        Ok(self + 1.0)
    }
}

impl Quantile for Decimal {
    fn lerp(lo: Decimal, hi: Decimal, num: u64, den: u64) -> Result<Decimal> {
        let overflow = || Error::Overflow {
            what: "rfm package cut point",
        };
        let step = hi
            .checked_sub(lo)
            .and_then(|d| d.checked_mul(Decimal::from(num)))
            .and_then(|d| d.checked_div(Decimal::from(den)))
            .ok_or_else(overflow)?;
        lo.checked_add(step).ok_or_else(overflow)
    }
    fn plus_one(self) -> Result<Decimal> {
        self.checked_add(Decimal::ONE).ok_or(Error::Overflow {
            what: "rfm package cut point",
        })
    }
}

/// How a dimension's values relate to goodness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sense {
    /// Higher values are better (frequency, monetary).
    Higher,
    /// Lower values are better (recency).
    Lower,
}

/// The cut points learnt from one sorted segment: those that reproduce the
/// scores of its members under `ties` ([`TieMethod::Min`]; any other rule
/// is taken as [`TieMethod::Max`]) for the rank methods, the `rfm`
/// package's type-7 quantiles + 1 for [`QuantileMethod::RfmPackage`].
/// `None` for an empty segment.
pub(super) fn fit_segment<T: Quantile>(
    seg: Seg<'_>,
    method: QuantileMethod,
    ties: TieMethod,
    k: u8,
    sense: Sense,
    value: &impl Fn(usize) -> T,
) -> Result<Option<Cuts<T>>> {
    let n = seg.len();
    if n == 0 {
        return Ok(None);
    }
    if method == QuantileMethod::RfmPackage {
        // Values in ascending order (recency is sorted descending).
        let asc = |i: usize| match sense {
            Sense::Higher => value(seg.idx(i)),
            Sense::Lower => value(seg.idx(n - 1 - i)),
        };
        let mut b = Vec::with_capacity(usize::from(k) - 1);
        for j in 1..u64::from(k) {
            // h = (n-1)·j/k, split into whole and fractional parts exactly.
            let pos = (n as u64 - 1) * j;
            let (whole, num) = ((pos / u64::from(k)) as usize, pos % u64::from(k));
            let lo = asc(whole);
            let hi = asc((whole + 1).min(n - 1));
            // R skips the interpolation when x[hi] == x[lo] (or h == 0), so
            // the quantile is exactly the data value.
            let q = if num == 0 || lo == hi {
                lo
            } else {
                T::lerp(lo, hi, num, u64::from(k))?
            };
            b.push(q.plus_one()?);
        }
        let rule = match sense {
            Sense::Higher => CutRule::AtLeast,
            Sense::Lower => {
                // Recency score k+1-j: score s begins below b_{k+1-s}.
                b.reverse();
                CutRule::Below
            }
        };
        return Ok(Some(Cuts::new_unchecked(k, rule, b)));
    }
    let rule = match sense {
        Sense::Higher => CutRule::AtLeast,
        Sense::Lower => CutRule::AtMost,
    };
    let mut walk = Walker::new(method, n, k);
    let mut starts = Vec::with_capacity(usize::from(k) - 1);
    let min = ties == TieMethod::Min;
    for_each_group(seg, |a, b| {
        // The group's shared score: of its first (Min) or last (Max) position.
        let s = walk.score(if min { a + 1 } else { b });
        // Scores up to s begin at this group's value at the latest.
        while starts.len() + 1 < usize::from(s) {
            starts.push(value(seg.idx(a)));
        }
    });
    Ok(Some(Cuts::new_unchecked(k, rule, starts)))
}

/// Scores a sorted segment: rank methods by position under `ties`, the
/// `rfm` package method by its cut points (ties don't apply to it).
pub(super) fn score_segment<T: Quantile>(
    seg: Seg<'_>,
    method: QuantileMethod,
    ties: TieMethod,
    cuts: Option<&Cuts<T>>,
    k: u8,
    value: &impl Fn(usize) -> T,
    out: &mut [u8],
) {
    match (method, cuts) {
        (QuantileMethod::RfmPackage, Some(cuts)) => {
            for idx in seg.indices(0, seg.len()) {
                out[idx] = cuts.score(value(idx));
            }
        }
        _ => rank_segment(seg, method, ties, k, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CustomerId;

    fn sorted_indices(s: &Sorted) -> Vec<usize> {
        let seg = s.seg();
        seg.indices(0, seg.len()).collect()
    }

    #[test]
    fn positions_example_of_section_2_3() {
        let of = |m| {
            (1..=7)
                .map(|p| position_score(m, p, 7, 5))
                .collect::<Vec<_>>()
        };
        assert_eq!(of(QuantileMethod::CeilRank), [1, 2, 3, 3, 4, 5, 5]);
        assert_eq!(of(QuantileMethod::Ntile), [1, 1, 2, 2, 3, 4, 5]);
        assert_eq!(of(QuantileMethod::QcutRank), [1, 1, 2, 3, 4, 5, 5]);
    }

    #[test]
    fn walker_matches_position_score() {
        for method in [
            QuantileMethod::CeilRank,
            QuantileMethod::Ntile,
            QuantileMethod::QcutRank,
        ] {
            for n in 1..40 {
                for k in 2..=9 {
                    let mut w = Walker::new(method, n, k);
                    for p in 1..=n {
                        assert_eq!(w.score(p), position_score(method, p, n, k), "{n} {k} {p}");
                    }
                }
            }
        }
    }

    fn check_sorted(keys: &[u64]) {
        let got = sort_keys(keys.to_vec());
        let mut want: Vec<(u64, usize)> = keys.iter().copied().zip(0..).collect();
        want.sort();
        let want_idx: Vec<usize> = want.iter().map(|w| w.1).collect();
        assert_eq!(sorted_indices(&got), want_idx);
        // Packed keys compare like the originals.
        let seg = got.seg();
        for i in 1..seg.len() {
            let (a, b) = (seg.idx(i - 1), seg.idx(i));
            assert_eq!(seg.key(i - 1) == seg.key(i), keys[a] == keys[b]);
        }
    }

    #[test]
    fn radix_sort_is_stable_and_sorted() {
        let mut x = 0x1234_5678_u64;
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x
        };
        for n in [0, 1, 2, 300, 5000] {
            // narrow keys (packed), wide keys (dense ranks), few values
            let narrow: Vec<u64> = (0..n).map(|_| (next() >> 40) % 700 + (3 << 50)).collect();
            let wide: Vec<u64> = (0..n).map(|_| next() | 1).collect();
            let few: Vec<u64> = (0..n)
                .map(|_| [7, u64::MAX, 0][(next() >> 60) as usize % 3])
                .collect();
            let same = vec![42u64; n];
            for keys in [narrow, wide, few, same] {
                check_sorted(&keys);
            }
        }
    }

    #[test]
    fn f64_keys_order_like_total_cmp_and_join_zeros() {
        let xs = [-3.5, -0.0, 0.0, 1e-300, 2.0, 365.25, f64::MAX];
        for a in xs {
            for b in xs {
                let want = if a == b {
                    std::cmp::Ordering::Equal
                } else {
                    a.total_cmp(&b)
                };
                assert_eq!(f64_key(a).cmp(&f64_key(b)), want, "{a} {b}");
            }
        }
    }

    fn money(values: &[Decimal]) -> Vec<RfmValues> {
        values
            .iter()
            .map(|&m| RfmValues::new(CustomerId::new(1), 1.0, 1, m).unwrap())
            .collect()
    }

    #[test]
    fn monetary_keys_order_like_decimals() {
        // One scale: mantissas.
        let v = [
            Decimal::new(150, 2),
            Decimal::new(-300, 2),
            Decimal::new(150, 2),
        ];
        assert_eq!(monetary_keys(&money(&v)), [450, 0, 450]);
        // Mixed scales: decimal_keys.
        let v = [
            Decimal::new(150, 2),
            Decimal::new(-3, 0),
            Decimal::new(15, 1),
        ];
        assert_eq!(monetary_keys(&money(&v)), [450, 0, 450]);
        // Too wide for 64 bits: dense ranks.
        let v = [
            Decimal::MAX,
            Decimal::new(1, 28),
            Decimal::MAX,
            Decimal::ZERO,
        ];
        assert_eq!(monetary_keys(&money(&v)), [2, 1, 2, 0]);
        let v = [Decimal::MAX, Decimal::MIN, Decimal::ZERO];
        assert_eq!(monetary_keys(&money(&v)), [2, 0, 1]);
        assert!(monetary_keys(&[]).is_empty());
    }

    #[test]
    fn tie_hash_is_splitmix64() {
        // SplitMix64 seeded with 0: its first two outputs (Vigna's
        // splitmix64.c).
        assert_eq!(tie_hash(0, 0), 0xE220_A839_7B1D_CDAF);
        assert_eq!(tie_hash(0, 1), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn bucket_keeps_order_within_cells() {
        let sorted = sort_keys(vec![1, 2, 3, 4, 5]);
        let (out, starts) = bucket(&sorted, 2, |idx| idx % 2);
        assert_eq!(sorted_indices(&out), [0, 2, 4, 1, 3]);
        assert_eq!(starts, [0, 3, 5]);
    }
}
