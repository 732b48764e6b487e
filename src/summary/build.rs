//! The summarising core: one slice of transactions to per-customer state.
//!
//! What makes it fast (keep it so): amounts become fixed-point integers at
//! the log's largest scale, so sums are integer adds; customers are mapped
//! to dense slots (directly when ids are dense, through one hash lookup per
//! transaction otherwise); a counting sort in two cache-friendly passes
//! (into at most 256 buckets of slots, then per bucket into per-customer
//! runs of 16-byte records) groups each customer's transactions; each short
//! run is sorted by date and walked once, and the passes run on all cores.
//! No allocation happens per customer unless the log has categories.

use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::model::{CategoryId, CustomerId, Transaction};
use std::ops::Range;

use crate::summary::state::{CustomerState, Occasion, Rows, Span, finish_customer};
use crate::summary::{
    CustomerSummary, Excluded, Grouping, PartialSummary, RefundPolicy, Summarizer, Summary,
};

impl Summarizer {
    /// Summarises a log: one row per customer with a purchase in the
    /// calibration period, sorted by customer id. Input order does not
    /// matter. Equivalent to `self.partial(transactions)?.finish()`.
    ///
    /// # Errors
    /// - [`Error::InvalidTransaction`] naming the first negative amount,
    ///   under [`RefundPolicy::Reject`];
    /// - [`Error::UnmatchedRefund`] when netted refunds exceed a day's (or
    ///   period's) purchases, under [`RefundPolicy::Net`];
    /// - [`Error::Overflow`] when a customer's spend exceeds what a
    ///   [`Decimal`] holds, or the log has more than 2^32 - 1 transactions.
    ///
    /// # Example
    /// ```
    /// use customer_value::{CustomerId, Date, Decimal, Summarizer, Transaction};
    ///
    /// let c = CustomerId::new(7);
    /// let d = |s| Date::parse(s);
    /// let log = [
    ///     Transaction::new(c, d("2024-01-10")?, Decimal::new(40, 0)),
    ///     Transaction::new(c, d("2024-01-03")?, Decimal::new(10, 0)),
    ///     Transaction::new(c, d("2024-01-10")?, Decimal::new(20, 0)),
    /// ];
    /// let summary = Summarizer::builder(d("2024-01-31")?).build()?.summarize(&log)?;
    /// let row = &summary.customers()[0];
    /// assert_eq!((row.frequency(), row.t_x(), row.age(), row.periods_since_last()), (1, 7.0, 28.0, 21.0));
    /// assert_eq!(row.zbar(), Decimal::new(60, 0)); // the two purchases of 10 January merge
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn summarize(&self, transactions: &[Transaction]) -> Result<Summary> {
        let scan = Scan::new(self, transactions, None)?;
        let rows: Rows = scan.dispatch(self, transactions)?;
        Ok(rows.into_summary(self.results_key(), scan.excluded))
    }

    /// Summarises one shard of a log into mergeable state; see
    /// [`PartialSummary`].
    ///
    /// # Errors
    /// As [`Summarizer::summarize`], except that a negative occasion at the
    /// shard's time edges is only reported by [`PartialSummary::finish`],
    /// since another shard may complete it.
    pub fn partial(&self, transactions: &[Transaction]) -> Result<PartialSummary> {
        let scan = Scan::new(self, transactions, None)?;
        let customers: Vec<CustomerState> = scan.dispatch(self, transactions)?;
        Ok(PartialSummary {
            summarizer: self.results_key(),
            customers,
            excluded: scan.excluded,
        })
    }

    /// Summarises one customer's transactions, for services that score
    /// customers one at a time.
    ///
    /// # Errors
    /// - [`Error::InvalidParameter`] when `transactions` is empty or holds
    ///   more than one customer;
    /// - [`Error::ObservationEndBeforeFirstPurchase`] when the customer's
    ///   first purchase is after the calibration end;
    /// - as [`Summarizer::summarize`] otherwise.
    pub fn summarize_customer(&self, transactions: &[Transaction]) -> Result<CustomerSummary> {
        let Some(first) = transactions.first() else {
            return Err(Error::InvalidParameter {
                name: "transactions",
                value: "[]".into(),
                reason: "a customer summary needs at least one transaction",
            });
        };
        let customer = first.customer();
        if let Some(other) = transactions.iter().find(|t| t.customer() != customer) {
            return Err(Error::InvalidParameter {
                name: "transactions",
                value: format!("customers {customer} and {}", other.customer()),
                reason: "expected the transactions of one customer",
            });
        }
        let summary = self.summarize(transactions)?;
        summary.customers.into_iter().next().ok_or_else(|| {
            let first_purchase = transactions.iter().map(Transaction::date).min();
            Error::ObservationEndBeforeFirstPurchase {
                customer,
                end: self.calibration_end,
                first_purchase: first_purchase.unwrap_or(self.calibration_end),
            }
        })
    }
}

/// What a shard of a larger log takes from the whole log, so that its
/// summary is the whole log's summary restricted to its customers: the
/// amounts' scale (sums are written at the largest scale of the whole log)
/// and how customers are ordered when looking for the first error (by id,
/// or by first appearance in the window when the whole log's ids are
/// sparse).
#[cfg_attr(not(feature = "csv"), allow(dead_code))]
#[derive(Debug, Clone, Copy)]
pub(crate) struct ShardOf {
    pub(crate) scale: u32,
    pub(crate) by_appearance: bool,
}

#[cfg(feature = "csv")]
impl Summarizer {
    /// Summarises one shard of a log that holds all the transactions of
    /// its customers, as [`Summarizer::summarize`] would summarise them
    /// within the whole log (see [`ShardOf`]).
    pub(crate) fn summarize_shard(
        &self,
        transactions: &[Transaction],
        whole: ShardOf,
    ) -> Result<Summary> {
        let scan = Scan::new(self, transactions, Some(whole))?;
        let rows: Rows = scan.dispatch(self, transactions)?;
        Ok(rows.into_summary(self.results_key(), scan.excluded))
    }
}

/// An amount in fixed point at the log's scale: `i64` when every amount
/// fits, `i128` otherwise. Sums are always taken in `i128`.
trait Fixed: Copy + Default + Ord + Send + Sync {
    fn from_i128(v: i128) -> Self;
    fn get(self) -> i128;
}

impl Fixed for i64 {
    #[inline]
    fn from_i128(v: i128) -> i64 {
        v as i64
    }
    #[inline]
    fn get(self) -> i128 {
        i128::from(self)
    }
}

impl Fixed for i128 {
    #[inline]
    fn from_i128(v: i128) -> i128 {
        v
    }
    #[inline]
    fn get(self) -> i128 {
        self
    }
}

/// Powers of ten up to the largest `Decimal` scale.
const POW10: [i128; 29] = {
    let mut p = [1i128; 29];
    let mut i = 1;
    while i < 29 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

/// One transaction on its way into its customer's run: 16 bytes for the
/// common case of `i64` amounts and no categories.
#[derive(Clone, Copy, Default)]
struct Record<A, P> {
    slot: u32,
    day: i32,
    amount: A,
    payload: P,
}

/// What a record carries besides day and amount: nothing, or its input
/// position when the log has categories to look up.
trait Payload: Copy + Default + Send + Sync {
    fn new(index: usize) -> Self;
    fn category(self, txs: &[Transaction]) -> Option<CategoryId>;
}

impl Payload for () {
    #[inline]
    fn new(_: usize) {}
    #[inline]
    fn category(self, _: &[Transaction]) -> Option<CategoryId> {
        None
    }
}

/// The input position of a record's transaction.
#[derive(Clone, Copy, Default)]
struct Index(u32);

impl Payload for Index {
    #[inline]
    fn new(index: usize) -> Index {
        Index(index as u32)
    }
    #[inline]
    fn category(self, txs: &[Transaction]) -> Option<CategoryId> {
        txs[self.0 as usize].category()
    }
}

/// Where the walked customers go: mergeable states for
/// [`Summarizer::partial`], finished rows for [`Summarizer::summarize`].
trait Collect: Default + Send {
    fn with_capacity(customers: usize) -> Self;
    fn add(&mut self, s: &Summarizer, state: CustomerState) -> Result<()>;
    fn append(&mut self, other: Self);
    fn sort_by_customer(&mut self);
}

impl Collect for Vec<CustomerState> {
    fn with_capacity(customers: usize) -> Self {
        Vec::with_capacity(customers)
    }
    fn add(&mut self, _: &Summarizer, state: CustomerState) -> Result<()> {
        self.push(state);
        Ok(())
    }
    fn append(&mut self, mut other: Self) {
        Vec::append(self, &mut other);
    }
    fn sort_by_customer(&mut self) {
        self.sort_unstable_by_key(|c| c.customer);
    }
}

impl Collect for Rows {
    fn with_capacity(customers: usize) -> Self {
        Rows {
            customers: Vec::with_capacity(customers),
            holdout_only: Vec::new(),
        }
    }
    fn add(&mut self, s: &Summarizer, state: CustomerState) -> Result<()> {
        self.push(finish_customer(s, state)?);
        Ok(())
    }
    fn append(&mut self, other: Self) {
        Rows::append(self, other);
    }
    fn sort_by_customer(&mut self) {
        self.customers.sort_unstable_by_key(|c| c.customer);
        self.holdout_only.sort_unstable_by_key(|c| c.customer);
    }
}

/// How customer ids map to dense slots.
enum Slots {
    /// `slot = id - min`.
    Direct { min: u64, len: usize },
    /// Slots in order of first appearance; `ids[slot]` is the customer.
    Hashed { slot_of: Vec<u32>, ids: Vec<u64> },
}

/// What the first pass learns about one piece of the log.
struct Stats {
    scale: u32,
    min_scale: u32,
    max_mantissa: u128,
    min_id: u64,
    max_id: u64,
    has_categories: bool,
    included: usize,
    excluded: Excluded,
}

impl Default for Stats {
    fn default() -> Stats {
        Stats {
            scale: 0,
            min_scale: u32::MAX,
            max_mantissa: 0,
            min_id: u64::MAX,
            max_id: 0,
            has_categories: false,
            included: 0,
            excluded: Excluded::default(),
        }
    }
}

impl Stats {
    /// Reads `txs`, whose first element is at input position `base`.
    fn of(s: &Summarizer, last_day: i32, base: usize, txs: &[Transaction]) -> Result<Stats> {
        let mut st = Stats::default();
        for (k, t) in txs.iter().enumerate() {
            let amount = t.amount();
            if s.refunds == RefundPolicy::Reject && amount.is_sign_negative() && !amount.is_zero() {
                return Err(Error::InvalidTransaction {
                    index: base + k,
                    customer: t.customer(),
                    date: t.date(),
                    reason: "negative amount (a refund); use RefundPolicy::Net to net refunds into purchases",
                });
            }
            if t.date().days_since_epoch() > last_day {
                st.excluded.add(Excluded {
                    transactions: 1,
                    amount,
                })?;
                continue;
            }
            st.included += 1;
            st.scale = st.scale.max(amount.scale());
            st.min_scale = st.min_scale.min(amount.scale());
            st.max_mantissa = st.max_mantissa.max(amount.mantissa().unsigned_abs());
            let id = t.customer().get();
            st.min_id = st.min_id.min(id);
            st.max_id = st.max_id.max(id);
            st.has_categories |= t.category().is_some();
        }
        Ok(st)
    }

    fn combine(mut self, o: Stats) -> Result<Stats> {
        self.scale = self.scale.max(o.scale);
        self.min_scale = self.min_scale.min(o.min_scale);
        self.max_mantissa = self.max_mantissa.max(o.max_mantissa);
        self.min_id = self.min_id.min(o.min_id);
        self.max_id = self.max_id.max(o.max_id);
        self.has_categories |= o.has_categories;
        self.included += o.included;
        self.excluded.add(o.excluded)?;
        Ok(self)
    }
}

/// Runs `f` on every item, each beyond the first on a thread of its own,
/// and returns the results in order. A panic in `f` is passed on.
fn par_map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    if items.len() <= 1 {
        return items.into_iter().map(f).collect();
    }
    let f = &f;
    let mut items = items.into_iter();
    let first = items.next();
    std::thread::scope(|scope| {
        let handles: Vec<_> = items.map(|item| scope.spawn(move || f(item))).collect();
        let mut out = Vec::with_capacity(handles.len() + 1);
        out.extend(first.map(f));
        out.extend(
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))),
        );
        out
    })
}

/// What one pass over the log learns before grouping.
struct Scan {
    scale: u32,
    fits_i64: bool,
    has_categories: bool,
    last_day: i32,
    included: usize,
    slots: Slots,
    excluded: Excluded,
}

impl Scan {
    fn new(s: &Summarizer, txs: &[Transaction], whole: Option<ShardOf>) -> Result<Scan> {
        if u32::try_from(txs.len()).is_err() {
            return Err(Error::Overflow {
                what: "transaction count (at most 2^32 - 1 per shard)",
            });
        }
        let last_day = s
            .holdout_end
            .unwrap_or(s.calibration_end)
            .days_since_epoch();
        // Pieces read in parallel; the earliest piece's error is the
        // earliest transaction's.
        let piece = txs.len().div_ceil(s.threads_for(txs.len())).max(1);
        let pieces: Vec<(usize, &[Transaction])> = txs
            .chunks(piece)
            .enumerate()
            .map(|(i, p)| (i * piece, p))
            .collect();
        let mut stats = Stats::default();
        for part in par_map(pieces, |(base, p)| Stats::of(s, last_day, base, p)) {
            stats = stats.combine(part?)?;
        }
        let Stats {
            scale,
            min_scale,
            max_mantissa,
            min_id,
            max_id,
            has_categories,
            included,
            excluded,
        } = stats;
        let scale = whole.map_or(scale, |w| scale.max(w.scale));
        // The largest amount in fixed point at the common scale, if any.
        // Sums of up to `included` such amounts must fit an i128.
        let widest = 10u128
            .checked_pow(scale.saturating_sub(min_scale))
            .and_then(|f| f.checked_mul(max_mantissa));
        let sum_bound = i128::MAX as u128 / included.max(1) as u128;
        if included > 0 && widest.is_none_or(|m| m > sum_bound) {
            return Err(Error::Overflow {
                what: "amounts: the log mixes amounts too large and too finely scaled to add exactly",
            });
        }
        let fits_i64 = widest.is_some_and(|m| m <= i64::MAX as u128);
        let dense = included > 0
            && match whole {
                Some(w) => !w.by_appearance,
                None => max_id - min_id < 2 * included as u64 + 1024,
            };
        let slots = if included == 0 {
            Slots::Direct { min: 0, len: 0 }
        } else if dense {
            Slots::Direct {
                min: min_id,
                len: (max_id - min_id) as usize + 1,
            }
        } else {
            let mut map = FxHashMap::default();
            let mut ids = Vec::new();
            let slot_of = txs
                .iter()
                .filter(|t| t.date().days_since_epoch() <= last_day)
                .map(|t| {
                    let next = ids.len() as u32;
                    *map.entry(t.customer().get()).or_insert_with(|| {
                        ids.push(t.customer().get());
                        next
                    })
                })
                .collect();
            Slots::Hashed { slot_of, ids }
        };
        Ok(Scan {
            scale,
            fits_i64,
            has_categories,
            last_day,
            included,
            slots,
            excluded,
        })
    }

    fn n_slots(&self) -> usize {
        match &self.slots {
            Slots::Direct { len, .. } => *len,
            Slots::Hashed { ids, .. } => ids.len(),
        }
    }

    /// Picks the narrowest record that holds this log.
    fn dispatch<C: Collect>(&self, s: &Summarizer, txs: &[Transaction]) -> Result<C> {
        match (self.fits_i64, self.has_categories) {
            (true, false) => self.group::<i64, (), C>(s, txs),
            (true, true) => self.group::<i64, Index, C>(s, txs),
            (false, false) => self.group::<i128, (), C>(s, txs),
            (false, true) => self.group::<i128, Index, C>(s, txs),
        }
    }

    /// Groups the included transactions into one date-sorted run per
    /// customer and walks each run into `C`.
    ///
    /// A counting sort in two cache-friendly passes: first into buckets of
    /// `2^shift` consecutive slots (few enough buckets that every write
    /// stream stays in cache), then, one bucket at a time, into per-slot
    /// runs in a small buffer that is walked at once. Large logs are split
    /// into bucket ranges across threads.
    fn group<A: Fixed, P: Payload, C: Collect>(
        &self,
        s: &Summarizer,
        txs: &[Transaction],
    ) -> Result<C> {
        let n_slots = self.n_slots();
        // At most 256 buckets of 2^shift consecutive slots: few enough
        // write streams for the caches and the TLB.
        const MAX_BUCKETS: usize = 256;
        let mut shift = 0;
        while n_slots >> shift > MAX_BUCKETS {
            shift += 1;
        }
        let n_buckets = (n_slots >> shift) + 1;
        let mut bucket_start = vec![0usize; n_buckets + 1];
        self.for_each_included(txs, |_, slot, _| bucket_start[(slot >> shift) + 1] += 1);
        for b in 1..bucket_start.len() {
            bucket_start[b] += bucket_start[b - 1];
        }

        // Bucket ranges with about equal numbers of records, one per thread.
        let threads = s.threads_for(self.included);
        let mut bounds: Vec<usize> = (0..=threads)
            .map(|j| bucket_start.partition_point(|&p| p < j * self.included / threads))
            .map(|b| b.min(n_buckets))
            .collect();
        bounds[0] = 0;
        bounds[threads] = n_buckets;
        let mut staged = vec![Record::<A, P>::default(); self.included];
        let mut chunks = Vec::with_capacity(threads);
        let mut rest = staged.as_mut_slice();
        for j in 0..threads {
            let len = bucket_start[bounds[j + 1]] - bucket_start[bounds[j]];
            let (chunk, tail) = rest.split_at_mut(len);
            chunks.push((bounds[j]..bounds[j + 1], chunk));
            rest = tail;
        }
        let bucket_start = &bucket_start;
        let work = |(buckets, chunk): (Range<usize>, &mut [Record<A, P>])| -> Result<C> {
            self.stage(txs, bucket_start, shift, buckets.clone(), chunk);
            self.walk_buckets(s, txs, bucket_start, shift, buckets, chunk)
        };
        let mut parts = par_map(chunks, work);
        let mut out = parts.remove(0)?;
        for part in parts {
            out.append(part?);
        }
        if matches!(self.slots, Slots::Hashed { .. }) {
            out.sort_by_customer();
        }
        Ok(out)
    }

    /// Calls `f(input index, slot, transaction)` for every transaction in
    /// the summary's window, in input order.
    #[inline]
    fn for_each_included(
        &self,
        txs: &[Transaction],
        mut f: impl FnMut(usize, usize, &Transaction),
    ) {
        let included = txs
            .iter()
            .enumerate()
            .filter(|(_, t)| t.date().days_since_epoch() <= self.last_day);
        match &self.slots {
            Slots::Direct { min, .. } => {
                for (index, t) in included {
                    f(index, (t.customer().get() - min) as usize, t);
                }
            }
            Slots::Hashed { slot_of, .. } => {
                for ((index, t), &slot) in included.zip(slot_of) {
                    f(index, slot as usize, t);
                }
            }
        }
    }

    /// First pass: writes the records of the buckets in `buckets` into
    /// `chunk`, grouped by bucket.
    fn stage<A: Fixed, P: Payload>(
        &self,
        txs: &[Transaction],
        bucket_start: &[usize],
        shift: u32,
        buckets: Range<usize>,
        chunk: &mut [Record<A, P>],
    ) {
        let base = bucket_start[buckets.start];
        let mut next: Vec<usize> = bucket_start[buckets.clone()]
            .iter()
            .map(|&p| p - base)
            .collect();
        self.for_each_included(txs, |index, slot, t| {
            let bucket = slot >> shift;
            if buckets.contains(&bucket) {
                let amount = t.amount();
                let mantissa = amount.mantissa();
                let fixed = match self.scale - amount.scale() {
                    0 => mantissa,
                    shift => mantissa * POW10[shift as usize],
                };
                let at = &mut next[bucket - buckets.start];
                chunk[*at] = Record {
                    slot: slot as u32,
                    day: t.date().days_since_epoch(),
                    amount: A::from_i128(fixed),
                    payload: P::new(index),
                };
                *at += 1;
            }
        });
    }

    /// Second pass, bucket by bucket: counts the bucket's records per slot,
    /// sorts them into per-slot runs in a small buffer, then sorts and
    /// walks every run. All of it stays in cache.
    fn walk_buckets<A: Fixed, P: Payload, C: Collect>(
        &self,
        s: &Summarizer,
        txs: &[Transaction],
        bucket_start: &[usize],
        shift: u32,
        buckets: Range<usize>,
        chunk: &[Record<A, P>],
    ) -> Result<C> {
        let n_slots = self.n_slots();
        let cal_end = s.calibration_end.days_since_epoch();
        let base = bucket_start[buckets.start];
        let slots_in_range =
            (buckets.end << shift).min(n_slots) - (buckets.start << shift).min(n_slots);
        let mut out = C::with_capacity(slots_in_range.min(chunk.len()));
        let mut buffer: Vec<Record<A, P>> = Vec::new();
        let mut start: Vec<u32> = Vec::new();
        let mut categories = Vec::new();
        for bucket in buckets {
            let (lo, hi) = (
                (bucket << shift).min(n_slots),
                ((bucket + 1) << shift).min(n_slots),
            );
            let staged = &chunk[bucket_start[bucket] - base..bucket_start[bucket + 1] - base];
            // Local counting sort by slot: start[k] is where slot lo + k begins.
            start.clear();
            start.resize(hi - lo + 1, 0);
            for r in staged {
                start[r.slot as usize - lo + 1] += 1;
            }
            for k in 1..start.len() {
                start[k] += start[k - 1];
            }
            // Every one of the first `staged.len()` places is written
            // below (a counting sort): the buffer only grows, and what it
            // held is not zeroed first.
            if buffer.len() < staged.len() {
                buffer.resize(staged.len(), Record::default());
            }
            let buffer = &mut buffer[..staged.len()];
            for r in staged {
                let at = &mut start[r.slot as usize - lo];
                buffer[*at as usize] = *r;
                *at += 1;
            }
            // The buffer now holds each slot's run in slot order: walked
            // run by run (not slot by slot: a shard's slots are sparse).
            let mut from = 0usize;
            while from < buffer.len() {
                let slot = buffer[from].slot;
                let len = buffer[from..]
                    .iter()
                    .position(|r| r.slot != slot)
                    .unwrap_or(buffer.len() - from);
                let run = &mut buffer[from..from + len];
                from += len;
                let slot = slot as usize;
                let customer = CustomerId::new(match &self.slots {
                    Slots::Direct { min, .. } => min + slot as u64,
                    Slots::Hashed { ids, .. } => ids[slot],
                });
                if s.grouping == Grouping::Transaction {
                    run.sort_unstable_by_key(|r| (r.day, r.amount));
                } else {
                    run.sort_unstable_by_key(|r| r.day);
                }
                let split = run.partition_point(|r| r.day <= cal_end);
                let (cal, hold) = run.split_at(split);
                let state_categories = if self.has_categories && !cal.is_empty() {
                    categories.clear();
                    categories.extend(cal.iter().filter_map(|r| r.payload.category(txs)));
                    categories.sort_unstable();
                    categories.dedup();
                    categories.clone()
                } else {
                    Vec::<CategoryId>::new()
                };
                out.add(
                    s,
                    CustomerState {
                        customer,
                        calibration: self.walk(s, customer, cal)?,
                        holdout: self.walk(s, customer, hold)?,
                        categories: state_categories,
                    },
                )?;
            }
        }
        Ok(out)
    }

    /// Walks one customer's date-sorted run within a window.
    fn walk<A: Fixed, P: Payload>(
        &self,
        s: &Summarizer,
        customer: CustomerId,
        run: &[Record<A, P>],
    ) -> Result<Option<Span>> {
        let Some(head) = run.first() else {
            return Ok(None);
        };
        let merging = s.grouping != Grouping::Transaction;
        let mut key = s.occasion_key(head.day);
        let mut value = head.amount.get();
        let mut first: Option<(i32, i128)> = None;
        let mut occasions = 1u32;
        let mut total = 0i128;
        for r in run {
            total += r.amount.get();
        }
        for r in &run[1..] {
            let k = s.occasion_key(r.day);
            if merging && k == key {
                value += r.amount.get();
                continue;
            }
            // Close the occasion `key`: the first one, or an interior one
            // that no other shard can add to.
            if first.is_none() {
                first = Some((key, value));
            } else if value < 0 {
                return Err(Error::UnmatchedRefund {
                    customer,
                    period_start: s.occasion_start(key),
                });
            }
            occasions += 1;
            key = k;
            value = r.amount.get();
        }
        let last = self.occasion(key, value)?;
        let first = match first {
            Some((k, v)) => self.occasion(k, v)?,
            None => last,
        };
        let total = self.decimal(total)?;
        Ok(Some(Span {
            first,
            last,
            first_date: crate::model::Date::from_days_since_epoch(head.day)?,
            last_date: crate::model::Date::from_days_since_epoch(run[run.len() - 1].day)?,
            occasions,
            transactions: run.len() as u32,
            total,
        }))
    }

    fn occasion(&self, key: i32, value: i128) -> Result<Occasion> {
        Ok(Occasion {
            key,
            value: self.decimal(value)?,
        })
    }

    fn decimal(&self, fixed: i128) -> Result<Decimal> {
        Decimal::try_from_i128_with_scale(fixed, self.scale).map_err(|_| Error::Overflow {
            what: "customer spend",
        })
    }
}
