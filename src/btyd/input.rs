//! Per-customer inputs of the models, validated ([spec](crate::btyd::spec#validation)), and the
//! compression of identical rows into weights (8.8).

use std::hash::{BuildHasherDefault, Hasher};

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::btyd::rows::{DistinctRow, exact_weight};
use crate::{CustomerId, CustomerSummary, Error, Keyed, Result};

/// One customer's purchase history for the continuous-time models:
/// `x` repeat purchases, the last at `t_x`, observed until `T` (the
/// customer's age), both measured from the first purchase in any one time
/// unit ([spec](crate::btyd::spec#customer-histories)).
///
/// Invariants: `0 ≤ t_x ≤ T`, `T > 0`, both finite; `x = 0` requires
/// `t_x = 0`, and `x > 0` requires `t_x > 0`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "CustomerHistoryRecord", into = "CustomerHistoryRecord")
)]
pub struct CustomerHistory {
    customer: CustomerId,
    x: u32,
    t_x: f64,
    age: f64,
}

impl CustomerHistory {
    /// A validated history.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`], naming the customer, when `T` is not a
    /// finite number > 0, `t_x` is not finite or outside `[0, T]`, `x = 0`
    /// with `t_x ≠ 0`, or `x > 0` with `t_x = 0` (all repeats at the first
    /// purchase instant, which lifetimes silently accepts \[L\]).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::CustomerHistory;
    ///
    /// let h = CustomerHistory::new(CustomerId::new(1), 2, 30.43, 38.86)?;
    /// assert_eq!((h.x(), h.t_x(), h.age()), (2, 30.43, 38.86));
    /// assert!(CustomerHistory::new(CustomerId::new(2), 3, 0.0, 38.86).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(customer: CustomerId, x: u32, t_x: f64, age: f64) -> Result<Self> {
        if Self::is_valid(x, t_x, age) {
            return Ok(Self {
                customer,
                x,
                t_x,
                age,
            });
        }
        let bad = |reason: String| Error::InvalidValue {
            what: "customer history",
            reason: format!("customer {customer}: {reason}"),
        };
        if !(age.is_finite() && age > 0.0) {
            return Err(bad(format!("T must be finite and > 0, got {age}")));
        }
        if !(t_x.is_finite() && t_x >= 0.0 && t_x <= age) {
            return Err(bad(format!("t_x must be in [0, T = {age}], got {t_x}")));
        }
        if x == 0 && t_x != 0.0 {
            return Err(bad(format!("t_x must be 0 when x = 0, got {t_x}")));
        }
        if x > 0 && t_x == 0.0 {
            return Err(bad(format!(
                "x = {x} repeat purchases need t_x > 0, got t_x = 0"
            )));
        }
        Ok(Self {
            customer,
            x,
            t_x,
            age,
        })
    }

    /// Whether [`new`](Self::new) accepts `(x, t_x, T)`: `T` finite and
    /// `> 0`, `t_x` in `[0, T]`, and `t_x = 0` exactly when `x = 0`.
    pub(crate) fn is_valid(x: u32, t_x: f64, age: f64) -> bool {
        age.is_finite()
            && age > 0.0
            && t_x.is_finite()
            && t_x >= 0.0
            && t_x <= age
            && (x == 0) == (t_x == 0.0)
    }

    /// A history from parts that [`is_valid`](Self::is_valid) accepted.
    #[cfg(feature = "csv")]
    pub(crate) fn from_valid(customer: CustomerId, x: u32, t_x: f64, age: f64) -> Self {
        debug_assert!(Self::is_valid(x, t_x, age));
        Self {
            customer,
            x,
            t_x,
            age,
        }
    }

    /// The history of a summarised customer: `x` = [`frequency`], `t_x`,
    /// `T` = [`age`].
    ///
    /// [`frequency`]: CustomerSummary::frequency
    /// [`age`]: CustomerSummary::age
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new); in particular a customer observed for no time
    /// (`T = 0`) is rejected.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{CustomerId, Date, Decimal, Summarizer, TimeUnit, Transaction};
    /// use customer_value::btyd::CustomerHistory;
    ///
    /// let c = CustomerId::new(1);
    /// let log = [
    ///     Transaction::new(c, Date::parse("2024-01-01")?, Decimal::new(10, 0)),
    ///     Transaction::new(c, Date::parse("2024-01-15")?, Decimal::new(10, 0)),
    /// ];
    /// let summary = Summarizer::builder(Date::parse("2024-01-29")?)
    ///     .unit(TimeUnit::WEEK)
    ///     .build()?
    ///     .summarize(&log)?;
    /// let h = CustomerHistory::from_summary(&summary.customers()[0])?;
    /// assert_eq!((h.x(), h.t_x(), h.age()), (1, 2.0, 4.0));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_summary(summary: &CustomerSummary) -> Result<Self> {
        Self::new(
            summary.customer(),
            summary.frequency(),
            summary.t_x(),
            summary.age(),
        )
    }

    /// The customer.
    pub fn customer(&self) -> CustomerId {
        self.customer
    }

    /// `x`: the number of repeat purchases.
    pub fn x(&self) -> u32 {
        self.x
    }

    /// `t_x`: the time of the last purchase, from the first.
    pub fn t_x(&self) -> f64 {
        self.t_x
    }

    /// `T`: the time from the first purchase to the end of calibration.
    pub fn age(&self) -> f64 {
        self.age
    }
}

impl TryFrom<&CustomerSummary> for CustomerHistory {
    type Error = Error;
    fn try_from(summary: &CustomerSummary) -> Result<Self> {
        Self::from_summary(summary)
    }
}

impl Keyed for CustomerHistory {
    fn customer(&self) -> CustomerId {
        self.customer
    }
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct CustomerHistoryRecord {
    customer: CustomerId,
    x: u32,
    t_x: f64,
    #[serde(rename = "T")]
    age: f64,
}

#[cfg(feature = "serde")]
impl From<CustomerHistory> for CustomerHistoryRecord {
    fn from(h: CustomerHistory) -> Self {
        Self {
            customer: h.customer,
            x: h.x,
            t_x: h.t_x,
            age: h.age,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<CustomerHistoryRecord> for CustomerHistory {
    type Error = Error;
    fn try_from(r: CustomerHistoryRecord) -> Result<Self> {
        Self::new(r.customer, r.x, r.t_x, r.age)
    }
}

/// One customer's spend for the Gamma-Gamma model: `x` repeat purchases
/// with mean value `z̄` ([spec](crate::btyd::spec#validation), [Gamma-Gamma](crate::btyd::spec#gamma-gamma-likelihood)).
///
/// `z̄` is exact money ([`Decimal`]) at the boundary; the model computes in
/// `f64`. Invariants: `x ≥ 1` requires `z̄ > 0`; `x = 0` (no repeat
/// purchase, so no mean) requires `z̄ ≥ 0` and ignores it.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "SpendHistoryRecord", into = "SpendHistoryRecord")
)]
pub struct SpendHistory {
    customer: CustomerId,
    x: u32,
    zbar: Decimal,
    zbar_f: f64,
}

impl SpendHistory {
    /// A validated spend history.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`], naming the customer, when `x ≥ 1` and
    /// `z̄ ≤ 0`, when `z̄ < 0`, or when `z̄` has no finite `f64` value.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{CustomerId, Decimal};
    /// use customer_value::btyd::SpendHistory;
    ///
    /// let s = SpendHistory::new(CustomerId::new(1), 2, Decimal::new(2235, 2))?;
    /// assert_eq!((s.x(), s.zbar()), (2, Decimal::new(2235, 2)));
    /// assert!(SpendHistory::new(CustomerId::new(2), 1, Decimal::ZERO).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(customer: CustomerId, x: u32, zbar: Decimal) -> Result<Self> {
        let bad = |reason: String| Error::InvalidValue {
            what: "spend history",
            reason: format!("customer {customer}: {reason}"),
        };
        if zbar.is_sign_negative() && !zbar.is_zero() {
            return Err(bad(format!("zbar must be >= 0, got {zbar}")));
        }
        if x > 0 && zbar.is_zero() {
            return Err(bad(format!(
                "zbar must be > 0 when x = {x} repeat purchases, got {zbar}"
            )));
        }
        let zbar_f = zbar
            .to_f64()
            .filter(|v| v.is_finite())
            .ok_or_else(|| bad(format!("zbar has no f64 value: {zbar}")))?;
        Ok(Self {
            customer,
            x,
            zbar,
            zbar_f,
        })
    }

    /// The spend history of a summarised customer: `x` = [`frequency`],
    /// `z̄` = [`zbar`].
    ///
    /// [`frequency`]: CustomerSummary::frequency
    /// [`zbar`]: CustomerSummary::zbar
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new): a repeat buyer whose repeat purchases sum to
    /// zero or less is rejected.
    pub fn from_summary(summary: &CustomerSummary) -> Result<Self> {
        Self::new(summary.customer(), summary.frequency(), summary.zbar())
    }

    /// The customer.
    pub fn customer(&self) -> CustomerId {
        self.customer
    }

    /// `x`: the number of repeat purchases.
    pub fn x(&self) -> u32 {
        self.x
    }

    /// `z̄`: the mean value of the repeat purchases.
    pub fn zbar(&self) -> Decimal {
        self.zbar
    }

    pub(crate) fn zbar_f64(&self) -> f64 {
        self.zbar_f
    }
}

impl TryFrom<&CustomerSummary> for SpendHistory {
    type Error = Error;
    fn try_from(summary: &CustomerSummary) -> Result<Self> {
        Self::from_summary(summary)
    }
}

impl Keyed for SpendHistory {
    fn customer(&self) -> CustomerId {
        self.customer
    }
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct SpendHistoryRecord {
    customer: CustomerId,
    x: u32,
    #[serde(with = "rust_decimal::serde::str")]
    zbar: Decimal,
}

#[cfg(feature = "serde")]
impl From<SpendHistory> for SpendHistoryRecord {
    fn from(s: SpendHistory) -> Self {
        Self {
            customer: s.customer,
            x: s.x,
            zbar: s.zbar,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<SpendHistoryRecord> for SpendHistory {
    type Error = Error;
    fn try_from(r: SpendHistoryRecord) -> Result<Self> {
        Self::new(r.customer, r.x, r.zbar)
    }
}

/// A hash map keyed by rows' bits ([`RowHasher`]).
pub(crate) type RowMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<RowHasher>>;

/// The hasher of [`RowMap`]: FxHash's word mixing, then MurmurHash3's
/// 64-bit finaliser (Appleby), so that every key bit reaches the low bits
/// the table indexes by. Plain FxHash leaves them to the keys' low bits,
/// which are all zero for whole-number times as `f64` (the bits of
/// `1256.0` end in 44 zeros): day grids then collide into long chains.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RowHasher(u64);

impl RowHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for RowHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }
    #[inline]
    fn write_u8(&mut self, v: u8) {
        self.add(u64::from(v));
    }
    #[inline]
    fn write_u32(&mut self, v: u32) {
        self.add(u64::from(v));
    }
    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.add(v);
    }
    #[inline]
    fn write_usize(&mut self, v: usize) {
        self.add(v as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// A distinct row `(x, a, b)` with its total weight: `(x, t_x, T)` for the
/// continuous models, `(x, z̄, unused)` for spend.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Row {
    pub x: u32,
    pub a: f64,
    pub b: f64,
    pub w: f64,
}

/// Checks the caller's weights (one per input, finite, ≥ 0).
fn weight_at(weights: Option<&[f64]>, i: usize) -> Result<f64> {
    let Some(ws) = weights else { return Ok(1.0) };
    let w = ws[i];
    if !(w.is_finite() && w >= 0.0) {
        return Err(Error::InvalidParameter {
            name: "weight",
            value: format!("{w} (row {i})"),
            reason: "weights must be finite and >= 0",
        });
    }
    Ok(w)
}

/// Groups bit-identical rows ([spec](crate::btyd::spec#row-compression)), multiplying by the caller's
/// weights, and returns them in canonical order: by `x`, then `a`, then
/// `b` (IEEE total order). The order does not depend on the input's, so
/// with whole-number weights (counts) a fit is the same to the last bit
/// however the customers were ordered or partitioned before. Rows of
/// weight 0 are dropped.
pub(crate) fn compress<T>(
    items: &[T],
    weights: Option<&[f64]>,
    key: impl Fn(&T) -> Option<(u32, f64, f64)>,
) -> Result<Vec<Row>> {
    if let Some(ws) = weights
        && ws.len() != items.len()
    {
        return Err(Error::InvalidParameter {
            name: "weights",
            value: ws.len().to_string(),
            reason: "need one weight per customer",
        });
    }
    if let Some(rows) = already_canonical(items, weights, &key)? {
        return Ok(rows);
    }
    if let Some(rows) = compress_packed(items, weights, &key)? {
        return Ok(rows);
    }
    let mut index: RowMap<(u32, u64, u64), usize> = RowMap::default();
    let mut rows: Vec<Row> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let w = weight_at(weights, i)?;
        let Some((x, a, b)) = key(item) else { continue };
        if w == 0.0 {
            continue;
        }
        let slot = *index
            .entry((x, a.to_bits(), b.to_bits()))
            .or_insert_with(|| {
                rows.push(Row { x, a, b, w: 0.0 });
                rows.len() - 1
            });
        rows[slot].w += w;
    }
    // Keys are distinct, so an unstable sort is deterministic.
    rows.sort_unstable_by_key(canonical_key);
    Ok(rows)
}

/// [`compress`] of counted distinct rows with their counts as weights
/// (each checked by [`exact_weight`]): rows already in canonical order with
/// counts above 0, as a summary file's counted rows come, are taken as
/// they are, without a vector of weights; any others go through `compress`.
/// The same rows, and the same first error, as `compress` with the counts
/// as weights.
pub(crate) fn compress_counted(rows: &[DistinctRow]) -> Result<Vec<Row>> {
    let mut out = Vec::with_capacity(rows.len());
    let mut last = None;
    for r in rows {
        let row = Row {
            x: r.x(),
            a: r.t_x(),
            b: r.age(),
            w: exact_weight(r.count())?,
        };
        let key = canonical_key(&row);
        if row.w == 0.0 || last.is_some_and(|last| last >= key) {
            let weights = rows
                .iter()
                .map(|r| exact_weight(r.count()))
                .collect::<Result<Vec<f64>>>()?;
            return compress(rows, Some(&weights), |r| Some((r.x(), r.t_x(), r.age())));
        }
        last = Some(key);
        out.push(row);
    }
    Ok(out)
}

/// Bits of each time in a [`packed_key`].
pub(crate) const PACKED_TIME_BITS: u32 = 22;

/// `(x, a, b)` as one integer whose order is the canonical order, when `x`
/// is below `2^20` and `a`, `b` are whole numbers in `[0, 2^22)` with the
/// sign bit clear (times on a day or week grid); `None` otherwise.
pub(crate) fn packed_key(x: u32, a: f64, b: f64) -> Option<u64> {
    const LIMIT: f64 = (1u64 << PACKED_TIME_BITS) as f64;
    let time =
        // Whole: the integer part converts back to `t` (`fract` would call
        // libm's `trunc` on baseline x86-64).
        |t: f64| (t.to_bits() >> 63 == 0 && t < LIMIT && (t as u64) as f64 == t).then_some(t as u64);
    if x >= 1 << 20 {
        return None;
    }
    Some((u64::from(x) << (2 * PACKED_TIME_BITS)) | (time(a)? << PACKED_TIME_BITS) | time(b)?)
}

/// The `(x, a, b)` of a [`packed_key`].
pub(crate) fn unpack_key(key: u64) -> (u32, f64, f64) {
    let mask = (1u64 << PACKED_TIME_BITS) - 1;
    (
        (key >> (2 * PACKED_TIME_BITS)) as u32,
        ((key >> PACKED_TIME_BITS) & mask) as f64,
        (key & mask) as f64,
    )
}

/// Sorts `items` by `key` (all below `2^bits`), stably, by least
/// significant digit first radix sort on 11-bit digits: a handful of
/// sequential passes instead of the random accesses of a hash table, which
/// cost a cache miss per row once the table outgrows the cache.
pub(crate) fn radix_sort<T: Copy>(items: &mut Vec<T>, key: impl Fn(&T) -> u64, bits: u32) {
    const DIGIT: u32 = 11;
    let mut spare: Vec<T> = items.clone();
    let mut shift = 0;
    while shift < bits {
        let mut counts = [0usize; 1 << DIGIT];
        for item in items.iter() {
            counts[((key(item) >> shift) & ((1 << DIGIT) - 1)) as usize] += 1;
        }
        let mut at = 0;
        for c in counts.iter_mut() {
            let n = *c;
            *c = at;
            at += n;
        }
        for item in items.iter() {
            let d = ((key(item) >> shift) & ((1 << DIGIT) - 1)) as usize;
            spare[counts[d]] = *item;
            counts[d] += 1;
        }
        std::mem::swap(items, &mut spare);
        shift += DIGIT;
    }
}

/// The bits a key below or equal to `max` needs.
pub(crate) fn bits_of(max: u64) -> u32 {
    64 - max.leading_zeros()
}

/// [`compress`] of items whose keys all pack ([`packed_key`]): sorted by a
/// stable radix sort, so the weights of each row are added in the items'
/// order, as the hash path adds them (the same rows to the bit). `None`
/// when a key does not pack; an invalid weight before that is the error
/// `compress` gives.
fn compress_packed<T>(
    items: &[T],
    weights: Option<&[f64]>,
    key: &impl Fn(&T) -> Option<(u32, f64, f64)>,
) -> Result<Option<Vec<Row>>> {
    let mut keyed: Vec<(u64, f64)> = Vec::with_capacity(items.len());
    let mut max = 0;
    for (i, item) in items.iter().enumerate() {
        let w = weight_at(weights, i)?;
        let Some((x, a, b)) = key(item) else { continue };
        let Some(k) = packed_key(x, a, b) else {
            return Ok(None);
        };
        if w == 0.0 {
            continue;
        }
        max = max.max(k);
        keyed.push((k, w));
    }
    radix_sort(&mut keyed, |&(k, _)| k, bits_of(max));
    let mut rows: Vec<Row> = Vec::new();
    let mut last = None;
    for (k, w) in keyed {
        if last == Some(k) {
            if let Some(row) = rows.last_mut() {
                row.w += w;
            }
        } else {
            let (x, a, b) = unpack_key(k);
            rows.push(Row {
                x,
                a,
                b,
                w: 0.0 + w,
            });
            last = Some(k);
        }
    }
    Ok(Some(rows))
}

/// The canonical order of rows as one integer key: `x`, then `a`, then
/// `b` in IEEE total order (`f64::total_cmp`'s order, as integers).
fn canonical_key(row: &Row) -> (u32, i64, i64) {
    let total = |v: f64| {
        let bits = v.to_bits() as i64;
        bits ^ ((((bits >> 63) as u64) >> 1) as i64)
    };
    (row.x, total(row.a), total(row.b))
}

/// [`compress`]'s rows when the items are already distinct rows in
/// canonical order with weights > 0 (distinct rows read back, or another
/// engine's `GROUP BY` sorted): the same rows without hashing and sorting.
/// `None` as soon as an item is out of order, repeated, keyless or of
/// weight 0; an invalid weight before that is the error `compress` gives.
fn already_canonical<T>(
    items: &[T],
    weights: Option<&[f64]>,
    key: &impl Fn(&T) -> Option<(u32, f64, f64)>,
) -> Result<Option<Vec<Row>>> {
    let mut last: Option<(u32, i64, i64)> = None;
    for (i, item) in items.iter().enumerate() {
        let w = weight_at(weights, i)?;
        let Some((x, a, b)) = key(item) else {
            return Ok(None);
        };
        let now = canonical_key(&Row { x, a, b, w });
        if w == 0.0 || last.is_some_and(|last| last >= now) {
            return Ok(None);
        }
        last = Some(now);
    }
    let rows = items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let (x, a, b) = key(item)?;
            Some(Row {
                x,
                a,
                b,
                w: weights.map_or(1.0, |ws| ws[i]),
            })
        })
        .collect();
    Ok(Some(rows))
}

/// A row of [`Prepared`]: indices of its `t_x` and `T` in the table of
/// distinct times.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IndexedRow {
    pub x: u32,
    pub t_x: u32,
    pub age: u32,
    pub w: f64,
}

/// Rows ready for repeated evaluation: times scaled, and each distinct time
/// stored once, so an evaluation takes `ln(α + t)` once per distinct time
/// rather than twice per row (BG/NBD, MBG/NBD).
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub rows: Vec<IndexedRow>,
    pub times: Vec<f64>,
    /// Runs of rows sharing `x` (the distinct `x` of rows sorted by `x`).
    pub distinct_x: usize,
    /// Whether a time's index is the (whole) time itself ([`Prepared::dense`]).
    dense: bool,
}

impl Prepared {
    /// Scales every time by `scale` and indexes the distinct ones (whole
    /// numbers below 2^16, such as ages in days or weeks, through a direct
    /// table, other times through a hash of their scaled bits).
    pub(crate) fn new(rows: &[Row], scale: f64) -> Self {
        const DIRECT: usize = 1 << 16;
        let top = rows.iter().fold(0.0_f64, |m, r| m.max(r.b));
        if let Some(dense) = Self::dense(rows, scale, top) {
            return dense;
        }
        let mut index: RowMap<u64, u32> = RowMap::default();
        // Slot + 1 of each whole time below 2^16 (up to the largest `T`;
        // a time beyond goes to the hash), 0 when unseen.
        let mut direct: Vec<u32> = vec![0; (top.min(DIRECT as f64 - 1.0) as usize) + 1];
        let mut times = Vec::new();
        #[inline(always)]
        fn slot(
            t: f64,
            scale: f64,
            direct: &mut [u32],
            index: &mut RowMap<u64, u32>,
            times: &mut Vec<f64>,
        ) -> u32 {
            // Whole: the integer part converts back to `t` (`fract` would
            // call libm's `trunc` on baseline x86-64).
            if (0.0..DIRECT as f64).contains(&t) && (t as u32) as f64 == t {
                if let Some(s) = direct.get_mut(t as usize) {
                    if *s == 0 {
                        times.push(t * scale);
                        *s = times.len() as u32;
                    }
                    return *s - 1;
                }
            }
            let t = t * scale;
            *index.entry(t.to_bits()).or_insert_with(|| {
                times.push(t);
                (times.len() - 1) as u32
            })
        }
        let mut indexed = Vec::with_capacity(rows.len());
        for r in rows {
            let t_x = slot(r.a, scale, &mut direct, &mut index, &mut times);
            let age = slot(r.b, scale, &mut direct, &mut index, &mut times);
            indexed.push(IndexedRow {
                x: r.x,
                t_x,
                age,
                w: r.w,
            });
        }
        Self {
            distinct_x: runs_of_x(&indexed),
            rows: indexed,
            times,
            dense: false,
        }
    }

    /// [`new`](Self::new) when every time is a whole number and the
    /// largest, `top`, is below 2^16 and at most the number of rows (ages
    /// in days or weeks of a large base): the table holds every whole time
    /// `0..=top`, so a time's index is the time itself, with no lookup per
    /// row. The times a row uses are scaled exactly as `new` scales them
    /// (`t·scale`), so every evaluation gives the same bits. `None`
    /// otherwise.
    fn dense(rows: &[Row], scale: f64, top: f64) -> Option<Self> {
        const DIRECT: f64 = (1u32 << 16) as f64;
        if !(top < DIRECT) || top as usize > rows.len() {
            return None;
        }
        // Whole: the integer part converts back to `t` (`fract` would call
        // libm's `trunc` on baseline x86-64).
        let whole = |t: f64| (0.0..DIRECT).contains(&t) && (t as u32) as f64 == t;
        let mut indexed = Vec::with_capacity(rows.len());
        for r in rows {
            if !(whole(r.a) && whole(r.b) && r.a <= top) {
                return None;
            }
            indexed.push(IndexedRow {
                x: r.x,
                t_x: r.a as u32,
                age: r.b as u32,
                w: r.w,
            });
        }
        let times = (0..=top as u32).map(|t| f64::from(t) * scale).collect();
        Some(Self {
            distinct_x: runs_of_x(&indexed),
            rows: indexed,
            times,
            dense: true,
        })
    }

    /// The times of [`Prepared::new`] at scale 1 over the same rows, when
    /// they index alike (a dense table: index = time, whatever the scale),
    /// so an evaluation at unscaled times can reuse these rows: the same
    /// rows and times, to the bit, as a table built at scale 1. `None`
    /// otherwise.
    pub(crate) fn unscaled_times(&self) -> Option<Vec<f64>> {
        self.dense
            .then(|| (0..self.times.len() as u32).map(f64::from).collect())
    }

    /// Whether [`sum_by_x`](Self::sum_by_x) cuts these rows in two halves
    /// ([`PARALLEL_ROWS`]), and the cut: the rows before it go to the
    /// other thread.
    pub(crate) fn halves(&self) -> Option<(&[IndexedRow], &[IndexedRow])> {
        (self.rows.len() >= PARALLEL_ROWS).then(|| self.rows.split_at(self.rows.len() / 2))
    }
}

/// The runs of consecutive rows sharing `x`.
fn runs_of_x(rows: &[IndexedRow]) -> usize {
    let changes = rows.windows(2).filter(|w| w[0].x != w[1].x).count();
    changes + usize::from(!rows.is_empty())
}

/// Rows at which [`Prepared::sum_by_x`] cuts the work in two halves: each
/// row costs some 30 ns, so from a few thousand rows on the halves outweigh
/// starting a thread.
const PARALLEL_ROWS: usize = 8192;

impl Prepared {
    /// `(ln(1 + t/α), 1/(α + t))` for every distinct time `t`.
    pub(crate) fn time_table(&self, alpha: f64) -> Vec<(f64, f64)> {
        time_table_of(&self.times, alpha)
    }

    /// The sum of `group(x, rows)` over the runs of rows that share `x`
    /// (a value and four gradient terms). From [`PARALLEL_ROWS`] rows on,
    /// the two fixed halves of the table run on two threads; the cut never
    /// depends on the machine, so neither do the results.
    pub(crate) fn sum_by_x<G>(&self, group: G) -> (f64, [f64; 4])
    where
        G: Fn(u32, &[IndexedRow]) -> (f64, [f64; 4]) + Sync,
    {
        let rows = self.rows.as_slice();
        if rows.len() < PARALLEL_ROWS {
            return sum_runs(rows, &group);
        }
        let (left, right) = rows.split_at(rows.len() / 2);
        std::thread::scope(|scope| {
            let handle = scope.spawn(|| sum_runs(left, &group));
            let (fr, gr) = sum_runs(right, &group);
            let (fl, gl) = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (fl + fr, std::array::from_fn(|k| gl[k] + gr[k]))
        })
    }
}

impl Prepared {
    /// As [`sum_by_x`](Self::sum_by_x) for any per-run result `A`, added
    /// up by `add` in the same order (the runs of each half in row order,
    /// then the left half plus the right).
    pub(crate) fn sum_by_x_with<A, G>(&self, group: G, add: fn(&mut A, &A)) -> A
    where
        A: Default + Send,
        G: Fn(u32, &[IndexedRow]) -> A + Sync,
    {
        let rows = self.rows.as_slice();
        if rows.len() < PARALLEL_ROWS {
            return sum_runs_with(rows, &group, add);
        }
        let (left, right) = rows.split_at(rows.len() / 2);
        std::thread::scope(|scope| {
            let handle = scope.spawn(|| sum_runs_with(left, &group, add));
            let r = sum_runs_with(right, &group, add);
            let mut l = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            add(&mut l, &r);
            l
        })
    }
}

/// [`Prepared::sum_by_x_with`] on one slice of rows sorted by `x`.
pub(crate) fn sum_runs_with<A, G>(rows: &[IndexedRow], group: &G, add: fn(&mut A, &A)) -> A
where
    A: Default,
    G: Fn(u32, &[IndexedRow]) -> A,
{
    let mut acc = A::default();
    let mut i = 0;
    while i < rows.len() {
        let x = rows[i].x;
        let mut j = i + 1;
        while j < rows.len() && rows[j].x == x {
            j += 1;
        }
        add(&mut acc, &group(x, &rows[i..j]));
        i = j;
    }
    acc
}

/// [`Prepared::time_table`] of any times.
pub(crate) fn time_table_of(times: &[f64], alpha: f64) -> Vec<(f64, f64)> {
    times
        .iter()
        .map(|&t| {
            // ln(1 + t/α) rather than ln(α + t): the likelihood then
            // writes r ln α − (r+x) ln(α+t) as −x ln α − (r+x) ln(1 +
            // t/α), which does not cancel when r and α grow together.
            ((t / alpha).ln_1p(), 1.0 / (alpha + t))
        })
        .collect()
}

/// `(ln(1 + t/α), 1/(α + t), t/(α + t), α·t/(α + t)²)` for every time
/// `t`: [`time_table_of`]'s two columns (the same values to the bit) and
/// the two the Hessians need.
pub(crate) fn time_table_hess_of(times: &[f64], alpha: f64) -> Vec<[f64; 4]> {
    times
        .iter()
        .map(|&t| {
            let inv = 1.0 / (alpha + t);
            let s = t * inv;
            [(t / alpha).ln_1p(), inv, s, alpha * t * inv * inv]
        })
        .collect()
}

/// [`Prepared::sum_by_x`] on one slice of rows sorted by `x`.
pub(crate) fn sum_runs<G>(rows: &[IndexedRow], group: &G) -> (f64, [f64; 4])
where
    G: Fn(u32, &[IndexedRow]) -> (f64, [f64; 4]),
{
    let mut f = 0.0;
    let mut g = [0.0; 4];
    let mut i = 0;
    while i < rows.len() {
        let x = rows[i].x;
        let mut j = i + 1;
        while j < rows.len() && rows[j].x == x {
            j += 1;
        }
        let (fx, gx) = group(x, &rows[i..j]);
        f += fx;
        for k in 0..4 {
            g[k] += gx[k];
        }
        i = j;
    }
    (f, g)
}

/// Weighted sums over rows sharing `x` of the two-term likelihood that
/// BG/NBD and MBG/NBD share (times already indexed in `table`, see
/// [`Prepared::time_table`]): per row, with `q(t) = 1 + t/α`,
///
/// ```text
/// D1 = −(r+x)·ln q(T),   D2 = c2 − (r+x)·ln q(t_x)
/// ℓ' = ln(e^{D1} + e^{D2}) = max(D1, D2) + ln(1 + e^{−|D2 − D1|})
/// w2 = e^{D2} / (e^{D1} + e^{D2}),   w1 = 1 − w2
/// ```
///
/// and the sums `Σw·ℓ'`, `Σw·(w1 ln q(T) + w2 ln q(t_x))`,
/// `Σw·(w1/q(T) + w2/q(t_x))`, `Σw·w2` and `Σw`, from which each model
/// builds its log-likelihood and gradient.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct MixtureSums {
    pub value: f64,
    pub ln_q: f64,
    pub inv_q: f64,
    pub w2: f64,
    pub weight: f64,
}

/// Rows that [`mixture_sums`] takes at a time: each pass over a block is a
/// loop without calls, which the compiler turns into vector instructions.
const BLOCK: usize = 64;

/// The block of [`mixture_sums`] and its siblings for runs of at most this
/// many rows: clearing ten 64-row arrays per run cost more than the rows
/// of the many short runs of large `x` (a run per distinct `x`).
const SMALL_BLOCK: usize = 8;

/// [`MixtureSums`] of `rows` with `rx = r + x` and the constant `c2` of
/// `D2`. The rows go in blocks: the exponentials and logarithms of a block
/// are taken by [`exp_nonpositive`] and [`ln_1p_unit`] in straight loops,
/// then summed in row order.
pub(crate) fn mixture_sums(
    rows: &[IndexedRow],
    table: &[(f64, f64)],
    rx: f64,
    c2: f64,
) -> MixtureSums {
    // A run of a few rows (most runs of large `x`) takes small blocks: the
    // same operations in the same order, without clearing 64-row arrays.
    if rows.len() <= SMALL_BLOCK {
        mixture_sums_in::<SMALL_BLOCK>(rows, table, rx, c2)
    } else {
        mixture_sums_in::<BLOCK>(rows, table, rx, c2)
    }
}

/// [`mixture_sums`] in blocks of `B` rows.
fn mixture_sums_in<const B: usize>(
    rows: &[IndexedRow],
    table: &[(f64, f64)],
    rx: f64,
    c2: f64,
) -> MixtureSums {
    let mut s = MixtureSums::default();
    // Per row of a block: ln q and 1/q at T (1) and t_x (2), D1, D2, then
    // −|D2 − D1|, its exponential e, ln(1 + e) and 1/(1 + e).
    let mut l1 = [0.0; B];
    let mut l2 = [0.0; B];
    let mut inv1 = [0.0; B];
    let mut inv2 = [0.0; B];
    let mut d1 = [0.0; B];
    let mut d2 = [0.0; B];
    let mut neg = [0.0; B];
    let mut e = [0.0; B];
    let mut lg = [0.0; B];
    let mut inv = [0.0; B];
    for block in rows.chunks(B) {
        let n = block.len();
        for (k, row) in block.iter().enumerate() {
            (l1[k], inv1[k]) = table[row.age as usize];
            (l2[k], inv2[k]) = table[row.t_x as usize];
        }
        for k in 0..n {
            d1[k] = -rx * l1[k];
            d2[k] = c2 - rx * l2[k];
            neg[k] = -(d2[k] - d1[k]).abs();
        }
        for k in 0..n {
            e[k] = exp_nonpositive(neg[k]);
        }
        for k in 0..n {
            if neg[k] < EXP_FLOOR {
                e[k] = neg[k].exp(); // subnormal or zero
            }
        }
        for k in 0..n {
            lg[k] = ln_1p_unit(e[k]);
            inv[k] = 1.0 / (1.0 + e[k]);
        }
        for (k, row) in block.iter().enumerate() {
            let up = d2[k] - d1[k] >= 0.0;
            let hi = if up { d2[k] } else { d1[k] };
            let w2 = if up { inv[k] } else { e[k] * inv[k] };
            let w1 = 1.0 - w2;
            s.value += row.w * (hi + lg[k]);
            s.ln_q += row.w * (w1 * l1[k] + w2 * l2[k]);
            s.inv_q += row.w * (w1 * inv1[k] + w2 * inv2[k]);
            s.w2 += row.w * w2;
            s.weight += row.w;
        }
    }
    s
}

/// An upper bound of [`mixture_sums`]' `value`, `Σw·ln(e^{D1} + e^{D2})`,
/// without exponentials or logarithms: per row
/// `ln(e^{D1} + e^{D2}) = max(D1, D2) + ln(1 + e^{−y})` with
/// `y = |D2 − D1|`, and `ln(1 + e^{−y}) ≤ min(ln 2, e^{−y})`, where
/// `e^{−y} ≤ 1/(1 + y + y²/2 + y³/6)` (the first terms of `e^y`'s series,
/// all positive). The bound exceeds the value by less than
/// `ln 2 − ln(1 + e^{−y})` per row, little where the two terms differ
/// much. `D1`, `D2` as [`mixture_sums`] forms them.
pub(crate) fn mixture_value_bound(
    rows: &[IndexedRow],
    table: &[(f64, f64)],
    rx: f64,
    c2: f64,
) -> f64 {
    // Small blocks for short runs, as in [`mixture_sums`].
    if rows.len() <= SMALL_BLOCK {
        mixture_value_bound_in::<SMALL_BLOCK>(rows, table, rx, c2)
    } else {
        mixture_value_bound_in::<BLOCK>(rows, table, rx, c2)
    }
}

/// [`mixture_value_bound`] in blocks of `B` rows.
fn mixture_value_bound_in<const B: usize>(
    rows: &[IndexedRow],
    table: &[(f64, f64)],
    rx: f64,
    c2: f64,
) -> f64 {
    let mut s = 0.0;
    let mut l1 = [0.0; B];
    let mut l2 = [0.0; B];
    let mut w = [0.0; B];
    let mut term = [0.0; B];
    for block in rows.chunks(B) {
        let n = block.len();
        for (k, row) in block.iter().enumerate() {
            l1[k] = table[row.age as usize].0;
            l2[k] = table[row.t_x as usize].0;
            w[k] = row.w;
        }
        // A straight loop, which the compiler turns into vector instructions.
        for k in 0..n {
            let d1 = -rx * l1[k];
            let d2 = c2 - rx * l2[k];
            let y = (d2 - d1).abs();
            // e^y ≥ 1 + y + y²/2 + y³/6 for y ≥ 0 (a NaN, where the
            // objective is not finite either, gives ln 2).
            let p = 1.0 + y * (1.0 + y * (0.5 + y * (1.0 / 6.0)));
            let tail = (1.0 / p).min(std::f64::consts::LN_2);
            term[k] = w[k] * (d1.max(d2) + tail);
        }
        for t in &term[..n] {
            s += t;
        }
    }
    s
}

/// [`MixtureSums`] and the further sums an analytic Hessian needs, over
/// rows sharing `x`: with `s(t) = t/(α+t)`, `s'(t) = s(t)(1 − s(t))`,
/// `δL = ln q(T) − ln q(t_x)`, `δs = s(t_x) − s(T)` and `ω = w1·w2`,
///
/// ```text
/// s_q  = Σw·(w1 s(T) + w2 s(t_x)),   ss_q = Σw·(w1 s'(T) + w2 s'(t_x))
/// q    = Σw·ω,  q_l = Σw·ω·δL,  q_s = Σw·ω·δs,
/// q_ll = Σw·ω·δL²,  q_ls = Σw·ω·δL·δs,  q_ss = Σw·ω·δs²
/// ```
///
/// `base` holds the sums of [`mixture_sums`], to the last bit the same.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct MixtureSumsHess {
    pub base: MixtureSums,
    pub s_q: f64,
    pub ss_q: f64,
    pub q: f64,
    pub q_l: f64,
    pub q_s: f64,
    pub q_ll: f64,
    pub q_ls: f64,
    pub q_ss: f64,
}

/// [`MixtureSumsHess`] of `rows` with `rx = r + x` and the constant `c2`
/// of `D2`, times indexed in `table` ([`time_table_hess_of`]). The
/// value and gradient sums are computed exactly as [`mixture_sums`] does.
pub(crate) fn mixture_sums_hess(
    rows: &[IndexedRow],
    table: &[[f64; 4]],
    rx: f64,
    c2: f64,
) -> MixtureSumsHess {
    // Small blocks for short runs, as in [`mixture_sums`].
    if rows.len() <= SMALL_BLOCK {
        mixture_sums_hess_in::<SMALL_BLOCK>(rows, table, rx, c2)
    } else {
        mixture_sums_hess_in::<BLOCK>(rows, table, rx, c2)
    }
}

/// [`mixture_sums_hess`] in blocks of `B` rows.
fn mixture_sums_hess_in<const B: usize>(
    rows: &[IndexedRow],
    table: &[[f64; 4]],
    rx: f64,
    c2: f64,
) -> MixtureSumsHess {
    let mut s = MixtureSumsHess::default();
    let mut t1 = [[0.0; 4]; B];
    let mut t2 = [[0.0; 4]; B];
    let mut d1 = [0.0; B];
    let mut d2 = [0.0; B];
    let mut neg = [0.0; B];
    let mut e = [0.0; B];
    let mut lg = [0.0; B];
    let mut inv = [0.0; B];
    for block in rows.chunks(B) {
        let n = block.len();
        for (k, row) in block.iter().enumerate() {
            t1[k] = table[row.age as usize];
            t2[k] = table[row.t_x as usize];
        }
        for k in 0..n {
            d1[k] = -rx * t1[k][0];
            d2[k] = c2 - rx * t2[k][0];
            neg[k] = -(d2[k] - d1[k]).abs();
        }
        for k in 0..n {
            e[k] = exp_nonpositive(neg[k]);
        }
        for k in 0..n {
            if neg[k] < EXP_FLOOR {
                e[k] = neg[k].exp(); // subnormal or zero
            }
        }
        for k in 0..n {
            lg[k] = ln_1p_unit(e[k]);
            inv[k] = 1.0 / (1.0 + e[k]);
        }
        for (k, row) in block.iter().enumerate() {
            let [l1, inv1, s1, ss1] = t1[k];
            let [l2, inv2, s2, ss2] = t2[k];
            let up = d2[k] - d1[k] >= 0.0;
            let hi = if up { d2[k] } else { d1[k] };
            let w2 = if up { inv[k] } else { e[k] * inv[k] };
            let w1 = 1.0 - w2;
            let b = &mut s.base;
            b.value += row.w * (hi + lg[k]);
            b.ln_q += row.w * (w1 * l1 + w2 * l2);
            b.inv_q += row.w * (w1 * inv1 + w2 * inv2);
            b.w2 += row.w * w2;
            b.weight += row.w;
            // w1·w2 = e/(1 + e)², whichever side is larger.
            let omega = row.w * (e[k] * inv[k] * inv[k]);
            let dl = l1 - l2;
            let ds = s2 - s1;
            s.s_q += row.w * (w1 * s1 + w2 * s2);
            s.ss_q += row.w * (w1 * ss1 + w2 * ss2);
            s.q += omega;
            s.q_l += omega * dl;
            s.q_s += omega * ds;
            s.q_ll += omega * dl * dl;
            s.q_ls += omega * dl * ds;
            s.q_ss += omega * ds * ds;
        }
    }
    s
}

/// Below this, [`exp_nonpositive`] leaves the work to `f64::exp` (results
/// near the subnormal range).
const EXP_FLOOR: f64 = -708.0;

/// `e^v` for `EXP_FLOOR ≤ v ≤ 0` (NaN for NaN), within 2 units in the last
/// place, in straight-line arithmetic that vectorises: `v = k·ln 2 + u`
/// with `k` the nearest integer to `v/ln 2` (Cody & Waite's split of
/// `ln 2` into a 32-bit head and a tail, so `k·ln2_hi` is exact and
/// `|u| ≤ 0.35`), `e^u` by its Taylor series to `u^13` (truncation below
/// 7e-18 relative), then `2^k` put into the exponent bits. Cody, W. J. &
/// Waite, W. (1980), *Software Manual for the Elementary Functions*, ch. 6.
/// Arguments below the floor give garbage here; callers replace them.
#[inline(always)]
fn exp_nonpositive(v: f64) -> f64 {
    const SHIFT: f64 = 6_755_399_441_055_744.0; // 1.5 · 2^52: rounds to an integer
    // fdlibm's split: ln 2 = LN2_HI + LN2_LO, LN2_HI with 21 trailing zero bits.
    const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);
    const C: [f64; 14] = [
        1.0,
        1.0,
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5_040.0,
        1.0 / 40_320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
        1.0 / 6_227_020_800.0,
    ];
    let shifted = v * std::f64::consts::LOG2_E + SHIFT;
    let k = shifted - SHIFT;
    let u = (v - k * LN2_HI) - k * LN2_LO;
    let mut p = C[13];
    for c in C[..13].iter().rev() {
        p = p * u + c;
    }
    // The low bits of `shifted` hold k (two's complement); k + 1023 in
    // 1..=1023 is the biased exponent of 2^k.
    let two_k = f64::from_bits(shifted.to_bits().wrapping_add(1023) << 52);
    p * two_k
}

/// `ln(1 + e)` for `0 ≤ e ≤ 1` (NaN for NaN), within about 2.5e-16
/// absolute, in straight-line arithmetic that vectorises: with `y = 1 + e`
/// (or `y/2` above `√2`, adding `ln 2`), `ln y = 2·atanh(s)` for
/// `s = (y − 1)/(y + 1)`, formed from `e` without rounding `1 + e` first
/// (`s = e/(2 + e)`, or `(e − 1)/(e + 3)`), so `|s| ≤ 0.1716`; the series
/// `2·Σ s^(2j+1)/(2j+1)` stops after `j = 11` (truncation below 1e-19
/// relative). Abramowitz & Stegun (1964) 4.1.27.
#[inline(always)]
fn ln_1p_unit(e: f64) -> f64 {
    const SQRT2_M1: f64 = std::f64::consts::SQRT_2 - 1.0;
    let big = e > SQRT2_M1;
    let s = if big {
        (e - 1.0) / (e + 3.0)
    } else {
        e / (e + 2.0)
    };
    let z = s * s;
    let mut p = 2.0 / 23.0;
    for j in (0..11).rev() {
        p = p * z + 2.0 / f64::from(2 * j + 1);
    }
    let base = if big { std::f64::consts::LN_2 } else { 0.0 };
    base + s * p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u64) -> CustomerId {
        CustomerId::new(n)
    }

    /// The grouping `compress` promises, by a sorted map: rows keyed by
    /// bits, weights added in input order, weight-0 items dropped.
    fn reference(items: &[(u32, f64, f64)], weights: &[f64]) -> Vec<Row> {
        let mut map: std::collections::BTreeMap<(u32, i64, i64), Row> = Default::default();
        for (&(x, a, b), &w) in items.iter().zip(weights) {
            if w == 0.0 {
                continue;
            }
            let key = canonical_key(&Row { x, a, b, w });
            map.entry(key).or_insert(Row { x, a, b, w: 0.0 }).w += w;
        }
        map.into_values().collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Whole-number times (the radix path), fractional ones (the hash
        /// path), a negative zero (hash path), and rows already distinct
        /// and sorted (the pass-through): all give the reference's rows,
        /// weights to the bit.
        #[test]
        fn every_compress_path_groups_alike(
            raw in proptest::collection::vec((0u32..6, 0u32..40, 1u32..40, 0u32..4), 1..300),
            fractional in proptest::bool::ANY,
        ) {
            let items: Vec<(u32, f64, f64)> = raw.iter().map(|&(x, a, b, _)| {
                let b = f64::from(b) + if fractional { 0.25 } else { 0.0 };
                let a = if x == 0 { 0.0 } else { f64::from(a.max(1)).min(b) };
                (x, a, b)
            }).collect();
            let weights: Vec<f64> = raw.iter().map(|r| f64::from(r.3) * 0.5).collect();
            let want = reference(&items, &weights);
            let got = compress(&items, Some(&weights), |&k| Some(k)).unwrap();
            proptest::prop_assert_eq!(&got, &want);
            // The rows fed back in as items: the pass-through, same rows.
            let keys: Vec<(u32, f64, f64)> = want.iter().map(|r| (r.x, r.a, r.b)).collect();
            let ws: Vec<f64> = want.iter().map(|r| r.w).collect();
            proptest::prop_assert_eq!(&compress(&keys, Some(&ws), |&k| Some(k)).unwrap(), &want);
            // A negative zero is its own row (bits), as before.
            let mut with_neg = items.clone();
            with_neg.push((0, -0.0, 5.0));
            let mut wn = weights.clone();
            wn.push(1.0);
            proptest::prop_assert_eq!(
                compress(&with_neg, Some(&wn), |&k| Some(k)).unwrap(),
                reference(&with_neg, &wn)
            );
        }
    }

    #[test]
    fn packed_keys_keep_the_canonical_order() {
        let rows = [
            (0, 0.0, 3.0),
            (0, 0.0, 4.0),
            (1, 2.0, 3.0),
            (1, 3.0, 3.0),
            (2, 0.0, 1.0),
        ];
        let keys: Vec<u64> = rows
            .iter()
            .map(|&(x, a, b)| packed_key(x, a, b).unwrap())
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(unpack_key(keys[3]), (1, 3.0, 3.0));
        assert!(packed_key(1, 0.5, 2.0).is_none());
        assert!(packed_key(1, -0.0, 2.0).is_none());
        assert!(packed_key(1, 1.0, 4_194_304.0).is_none());
        assert!(packed_key(1 << 20, 1.0, 2.0).is_none());
        let mut v: Vec<u64> = (0..5000u64)
            .map(|i| (i * 7919) % 4093 + ((i % 3) << 40))
            .collect();
        let mut sorted = v.clone();
        sorted.sort_unstable();
        radix_sort(&mut v, |&k| k, 45);
        assert_eq!(v, sorted);
    }

    #[test]
    fn history_validation() {
        assert!(CustomerHistory::new(id(1), 0, 0.0, 10.0).is_ok());
        assert!(CustomerHistory::new(id(1), 3, 10.0, 10.0).is_ok()); // t_x = T
        for (x, t_x, age) in [
            (0, 0.0, 0.0),
            (0, 0.0, f64::NAN),
            (0, 0.0, f64::INFINITY),
            (1, 11.0, 10.0),
            (1, -1.0, 10.0),
            (1, f64::NAN, 10.0),
            (0, 1.0, 10.0),
        ] {
            assert!(
                matches!(
                    CustomerHistory::new(id(1), x, t_x, age),
                    Err(Error::InvalidValue { .. })
                ),
                "{x} {t_x} {age}"
            );
        }
        let err = CustomerHistory::new(id(42), 2, 0.0, 10.0).unwrap_err();
        assert!(err.to_string().contains("customer 42"), "{err}");
    }

    #[test]
    fn spend_validation() {
        assert!(SpendHistory::new(id(1), 0, Decimal::ZERO).is_ok());
        assert!(SpendHistory::new(id(1), 1, Decimal::ONE).is_ok());
        assert!(SpendHistory::new(id(1), 1, Decimal::ZERO).is_err());
        assert!(SpendHistory::new(id(1), 0, Decimal::NEGATIVE_ONE).is_err());
        let err = SpendHistory::new(id(7), 2, Decimal::new(-5, 0)).unwrap_err();
        assert!(err.to_string().contains("customer 7"), "{err}");
    }

    #[test]
    fn compression_groups_identical_rows_and_multiplies_weights() {
        let hs = [
            CustomerHistory::new(id(1), 1, 2.0, 5.0).unwrap(),
            CustomerHistory::new(id(2), 0, 0.0, 5.0).unwrap(),
            CustomerHistory::new(id(3), 1, 2.0, 5.0).unwrap(),
        ];
        let key = |h: &CustomerHistory| Some((h.x, h.t_x, h.age));
        let rows = compress(&hs, None, key).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].x, rows[0].w), (0, 1.0));
        assert_eq!((rows[1].x, rows[1].w), (1, 2.0));
        let rows = compress(&hs, Some(&[0.5, 0.0, 2.0]), key).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].w, 2.5);
        assert!(compress(&hs, Some(&[1.0]), key).is_err());
        assert!(compress(&hs, Some(&[1.0, -1.0, 1.0]), key).is_err());
        assert!(compress(&hs, Some(&[1.0, f64::NAN, 1.0]), key).is_err());
    }

    /// The block exponential and logarithm against the standard library:
    /// relative error of `e^v` within 2.5e-16 on `[−708, 0]`, absolute error
    /// of `ln(1 + e)` within 3e-16 on `[0, 1]`, NaN kept.
    #[test]
    fn block_exp_and_log_match_std() {
        let mut state = 0x5EED_u64;
        let mut unit = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut worst = (0.0_f64, 0.0_f64);
        for i in 0..200_000 {
            let v = match i % 4 {
                0 => EXP_FLOOR * unit(),
                1 => -40.0 * unit(),
                2 => -unit(),
                _ => -1e-6 * unit(),
            };
            let ours = exp_nonpositive(v);
            let exact = v.exp();
            worst.0 = worst.0.max(((ours - exact) / exact).abs());
            let e = if i % 3 == 0 { unit() } else { unit().powi(8) };
            worst.1 = worst.1.max((ln_1p_unit(e) - e.ln_1p()).abs());
        }
        for v in [0.0, -0.0, EXP_FLOOR, -0.5 * std::f64::consts::LN_2, -1e-300] {
            let exact = v.exp();
            worst.0 = worst.0.max(((exp_nonpositive(v) - exact) / exact).abs());
        }
        for e in [0.0, 1.0, std::f64::consts::SQRT_2 - 1.0, 1e-300, 0.5] {
            worst.1 = worst.1.max((ln_1p_unit(e) - e.ln_1p()).abs());
        }
        assert!(worst.0 <= 2.5e-16, "exp: {:e}", worst.0);
        assert!(worst.1 <= 3e-16, "ln_1p: {:e}", worst.1);
        assert!(exp_nonpositive(f64::NAN).is_nan());
        assert!(ln_1p_unit(f64::NAN).is_nan());
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert_eq!(ln_1p_unit(0.0), 0.0);
    }

    /// Block sums equal the plain per-row formulas, including rows whose
    /// terms underflow and a NaN that must come through.
    /// Counted rows in canonical order, reversed, or repeated compress as
    /// `compress` with the counts as weights, and a count above 2^53 is its
    /// error wherever it stands.
    #[test]
    fn counted_rows_compress_as_weighted_ones() {
        let mut table = crate::btyd::DistinctRows::new();
        for (x, t_x, age, n) in [
            (0, 0.0, 5.0, 3),
            (0, 0.0, 7.5, 1),
            (1, 2.0, 5.0, 4),
            (1, 2.5, 5.0, 2),
            (3, 4.0, 9.0, 7),
        ] {
            table.add_count(x, t_x, age, n).unwrap();
        }
        let weighted = |rows: &[DistinctRow]| {
            let ws: Vec<f64> = rows.iter().map(|r| r.count() as f64).collect();
            compress(rows, Some(&ws), |r| Some((r.x(), r.t_x(), r.age()))).unwrap()
        };
        let canonical = table.rows();
        let mut reversed = canonical.clone();
        reversed.reverse();
        let mut repeated = canonical.clone();
        repeated.push(canonical[2]);
        for rows in [&canonical, &reversed, &repeated] {
            assert_eq!(compress_counted(rows).unwrap(), weighted(rows));
        }
        assert_eq!(compress_counted(&canonical).unwrap().len(), 5);
        let mut huge = crate::btyd::DistinctRows::new();
        huge.add_count(2, 1.0, 3.0, (1 << 53) + 1).unwrap();
        huge.add_count(0, 0.0, 3.0, 1).unwrap();
        for rows in [huge.rows(), huge.rows().into_iter().rev().collect()] {
            assert!(matches!(
                compress_counted(&rows),
                Err(Error::InvalidParameter { name: "count", .. })
            ));
        }
    }

    /// The small blocks of short runs give the sums of 64-row blocks bit
    /// for bit (the same operations in the same order), for runs of every
    /// length around the cut and a block edge.
    #[test]
    fn small_blocks_sum_as_large_ones() {
        let times = [0.3, 1.7, 25.0, 900.0, 1e-3, 4.0, 0.02];
        let table: Vec<(f64, f64)> = times.iter().map(|&q: &f64| (q.ln(), 1.0 / q)).collect();
        let hess: Vec<[f64; 4]> = times
            .iter()
            .map(|&q: &f64| [q.ln(), 1.0 / q, q / (1.0 + q), q / (1.0 + q).powi(2)])
            .collect();
        for n in [1usize, 2, 7, 8, 9, 63, 64, 65, 130] {
            let rows: Vec<IndexedRow> = (0..n as u32)
                .map(|i| IndexedRow {
                    x: 5,
                    t_x: (i * 3) % 7,
                    age: (i * 5 + 1) % 7,
                    w: 1.0 + f64::from(i % 4) * 0.37,
                })
                .collect();
            for (rx, c2) in [(5.4, -0.7), (300.0, 2.0), (5.4, -900.0), (0.2, 40.0)] {
                let small = mixture_sums_in::<SMALL_BLOCK>(&rows, &table, rx, c2);
                let large = mixture_sums_in::<BLOCK>(&rows, &table, rx, c2);
                assert_eq!(
                    [small.value, small.ln_q, small.inv_q, small.w2, small.weight]
                        .map(f64::to_bits),
                    [large.value, large.ln_q, large.inv_q, large.w2, large.weight]
                        .map(f64::to_bits),
                    "{n} {rx} {c2}"
                );
                let small = mixture_sums_hess_in::<SMALL_BLOCK>(&rows, &hess, rx, c2);
                let large = mixture_sums_hess_in::<BLOCK>(&rows, &hess, rx, c2);
                let bits = |s: &MixtureSumsHess| {
                    [
                        s.base.value,
                        s.base.ln_q,
                        s.base.inv_q,
                        s.base.w2,
                        s.s_q,
                        s.ss_q,
                        s.q,
                        s.q_l,
                        s.q_s,
                        s.q_ll,
                        s.q_ls,
                        s.q_ss,
                    ]
                    .map(f64::to_bits)
                };
                assert_eq!(bits(&small), bits(&large), "{n} {rx} {c2}");
                assert_eq!(
                    mixture_value_bound_in::<SMALL_BLOCK>(&rows, &table, rx, c2).to_bits(),
                    mixture_value_bound_in::<BLOCK>(&rows, &table, rx, c2).to_bits(),
                    "{n} {rx} {c2}"
                );
            }
        }
    }

    /// Whole-number times of at least as many rows as the largest `T`
    /// index the dense table (every whole time up to it), and map back to
    /// the scaled times of their rows exactly as the sparse table's do.
    #[test]
    fn dense_times_index_as_the_sparse_ones() {
        let mut rows: Vec<Row> = (0..400u32)
            .map(|i| {
                let x = i % 7;
                let age = f64::from(1 + (i * 37) % 300);
                let t_x = if x == 0 {
                    0.0
                } else {
                    (f64::from(i % 13) + 1.0).min(age)
                };
                Row {
                    x,
                    a: t_x,
                    b: age,
                    w: 1.0 + f64::from(i % 3),
                }
            })
            .collect();
        rows.sort_by_key(|r| r.x);
        let scale = 1.0 / 300.0;
        let dense = Prepared::new(&rows, scale);
        assert_eq!(dense.times.len(), 301, "one slot per whole time up to T");
        // The same rows with one fractional time take the sparse table.
        let mut odd = rows.clone();
        odd.push(Row {
            x: 1,
            a: 0.5,
            b: 2.0,
            w: 1.0,
        });
        let sparse = Prepared::new(&odd, scale);
        assert_eq!(
            sparse.times.len(),
            302,
            "the times used: 0, 0.5 and 1..=300"
        );
        for (row, (d, s)) in rows.iter().zip(dense.rows.iter().zip(&sparse.rows)) {
            assert_eq!(
                dense.times[d.t_x as usize].to_bits(),
                (row.a * scale).to_bits()
            );
            assert_eq!(
                dense.times[d.age as usize].to_bits(),
                (row.b * scale).to_bits()
            );
            assert_eq!(sparse.times[s.t_x as usize], dense.times[d.t_x as usize]);
            assert_eq!(sparse.times[s.age as usize], dense.times[d.age as usize]);
        }
        assert_eq!(dense.distinct_x, 7, "runs of x");
    }

    /// Times indexed through the direct table (whole, up to the largest
    /// `T`) and through the hash (fractions, beyond 2^16) map back to the
    /// scaled times of their rows, each distinct time once.
    #[test]
    fn prepared_rows_index_their_times() {
        let rows = [
            (0, 0.0, 38.0),
            (2, 3.0, 38.0),
            (1, 2.5, 70_000.0),
            (4, 65_535.0, 65_536.5),
            (3, 38.0, 40.0),
        ]
        .map(|(x, a, b)| Row { x, a, b, w: 1.0 });
        let scale = 1.0 / 70_000.0;
        let prepared = Prepared::new(&rows, scale);
        let mut distinct: Vec<u64> = prepared.times.iter().map(|t| t.to_bits()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), prepared.times.len());
        for (row, indexed) in rows.iter().zip(&prepared.rows) {
            assert_eq!(prepared.times[indexed.t_x as usize], row.a * scale);
            assert_eq!(prepared.times[indexed.age as usize], row.b * scale);
        }
    }

    #[test]
    fn mixture_sums_match_the_row_formulas() {
        let table: Vec<(f64, f64)> = [0.3, 1.7, 25.0, 900.0, 1e-3]
            .iter()
            .map(|&q: &f64| (q.ln(), 1.0 / q))
            .collect();
        let mut rows = Vec::new();
        for i in 0..150u32 {
            rows.push(IndexedRow {
                x: 3,
                t_x: i % 5,
                age: (i / 5) % 5,
                w: 1.0 + f64::from(i % 7),
            });
        }
        for (rx, c2) in [(3.4, -0.7), (300.0, 2.0), (3.4, -900.0), (0.2, 40.0)] {
            let s = mixture_sums(&rows, &table, rx, c2);
            let mut want = MixtureSums::default();
            for row in &rows {
                let (l1, inv1) = table[row.age as usize];
                let (l2, inv2) = table[row.t_x as usize];
                let (d1, d2) = (-rx * l1, c2 - rx * l2);
                let hi = d1.max(d2);
                let ll = hi + ((d1 - hi).exp() + (d2 - hi).exp()).ln();
                let w2 = (d2 - ll).exp();
                want.value += row.w * ll;
                want.ln_q += row.w * ((1.0 - w2) * l1 + w2 * l2);
                want.inv_q += row.w * ((1.0 - w2) * inv1 + w2 * inv2);
                want.w2 += row.w * w2;
                want.weight += row.w;
            }
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);
            assert!(
                close(s.value, want.value),
                "{rx} {c2}: {} {}",
                s.value,
                want.value
            );
            assert!(close(s.ln_q, want.ln_q), "{rx} {c2}");
            assert!(close(s.inv_q, want.inv_q), "{rx} {c2}");
            assert!(close(s.w2, want.w2), "{rx} {c2}: {} {}", s.w2, want.w2);
            assert_eq!(s.weight, want.weight);
        }
        let s = mixture_sums(&rows, &table, f64::NAN, 0.0);
        assert!(s.value.is_nan());
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_validates() {
        let h = CustomerHistory::new(id(1), 2, 3.0, 4.0).unwrap();
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(serde_json::from_str::<CustomerHistory>(&json).unwrap(), h);
        let bad = r#"{"customer":1,"x":2,"t_x":0.0,"T":4.0}"#;
        assert!(serde_json::from_str::<CustomerHistory>(bad).is_err());
        let s = SpendHistory::new(id(1), 2, Decimal::new(2235, 2)).unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<SpendHistory>(&json).unwrap(), s);
    }
}
