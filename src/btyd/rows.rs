//! Weighted distinct rows: the sufficient statistics of a fit, counted and
//! merged anywhere, then fitted exactly (see [`DistinctRows`]).

use std::hash::Hash;

use super::input::RowMap;
use rust_decimal::Decimal;

use super::input::{CustomerHistory, SpendHistory};
use crate::{CustomerId, Error, Result, Summary};

/// One distinct `(x, t_x, T)` and the number of customers who share it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DistinctRow {
    x: u32,
    t_x: f64,
    age: f64,
    count: u64,
}

impl DistinctRow {
    /// A row whose `(x, t_x, T)` is a valid history (the summary-rows
    /// reader builds rows it has already checked).
    #[cfg(feature = "csv")]
    pub(crate) fn from_valid(x: u32, t_x: f64, age: f64, count: u64) -> Self {
        Self { x, t_x, age, count }
    }

    /// `x`: repeat purchases.
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

    /// How many customers have this history.
    pub fn count(&self) -> u64 {
        self.count
    }
}

/// Customer counts per distinct `(x, t_x, T)`: the sufficient statistics of
/// BG/NBD, MBG/NBD and Pareto/NBD fits.
///
/// The likelihood of every continuous-time purchase model (BG/NBD,
/// MBG/NBD, Pareto/NBD) depends on a customer only through `(x, t_x, T)`,
/// and Gamma-Gamma's only through `(x, z̄)`. A base of any size is
/// therefore summed up, without loss, by the distinct values of those
/// tuples and how many customers share each. On a day grid the tuples are
/// few (`t_x ≤ T` are whole days and `x ≤ t_x`): 10 million simulated
/// customers over three years gave 2.3 million distinct rows, and 100
/// million gave 6.9 million (`examples/fit_at_scale.rs`).
///
/// [`DistinctRows`] and [`DistinctSpend`] hold those counts. They are built
/// one customer at a time ([`add`](DistinctRows::add)), from a summary, or
/// from rows another engine counted (`GROUP BY x, t_x, T`), and
/// [`merge`](DistinctRows::merge) adds counts, so partial counts from
/// partitions, files or machines combine in any order. A fit of the
/// [`weighted`](DistinctRows::weighted) rows equals the fit on the
/// customers themselves to the last bit, because the models group
/// identical rows into the same canonical order either way
/// ([spec](crate::btyd::spec#row-compression)).
///
/// Counts are whole numbers (`u64`); the fits take them as `f64` weights,
/// which is exact up to 2⁵³ customers per row.
///
/// # Example
///
/// ```
/// use customer_value::CustomerId;
/// use customer_value::btyd::{BgNbd, CustomerHistory, DistinctRows};
///
/// let customers = [(0, 0.0, 30.0), (2, 10.0, 30.0), (0, 0.0, 30.0), (2, 10.0, 30.0), (1, 4.0, 20.0)];
/// let histories = customers
///     .iter()
///     .enumerate()
///     .map(|(i, &(x, t_x, age))| CustomerHistory::new(CustomerId::new(i as u64), x, t_x, age))
///     .collect::<Result<Vec<_>, _>>()?;
///
/// // Two partitions counted apart, then merged.
/// let mut left = DistinctRows::from_histories(&histories[..2]);
/// let right = DistinctRows::from_histories(&histories[2..]);
/// left.merge(&right)?;
/// assert_eq!((left.len(), left.customers()), (3, 5));
///
/// let (rows, weights) = left.weighted()?;
/// let from_rows = BgNbd::new().fit_weighted(&rows, &weights)?;
/// let from_customers = BgNbd::new().fit_detailed(&histories)?;
/// assert_eq!(from_rows.params(), from_customers.params());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DistinctRows {
    counts: Counts<(u32, u64, u64)>,
}

impl DistinctRows {
    /// No rows.
    pub fn new() -> Self {
        Self::default()
    }

    /// The rows of `histories`, one count per customer.
    pub fn from_histories(histories: &[CustomerHistory]) -> Self {
        let mut rows = Self::new();
        for h in histories {
            rows.add(h);
        }
        rows
    }

    /// The rows of a summary's customers.
    ///
    /// # Errors
    ///
    /// As [`CustomerHistory::from_summary`]: a customer first seen on the
    /// calibration end (`T = 0`) is not valid model input. Leave such
    /// customers out first if the summary has them.
    pub fn from_summary(summary: &Summary) -> Result<Self> {
        let mut rows = Self::new();
        for c in summary.customers() {
            rows.add(&CustomerHistory::from_summary(c)?);
        }
        Ok(rows)
    }

    /// Counts one customer.
    pub fn add(&mut self, history: &CustomerHistory) {
        self.counts.bump(history_key(history));
    }

    /// Counts `count` customers with history `(x, t_x, T)`, as another
    /// engine's `GROUP BY` gives them.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when `(x, t_x, T)` is not a valid history
    /// (the rules of [`CustomerHistory::new`]), and
    /// [`Error::InvalidParameter`] when a count overflows `u64`.
    pub fn add_count(&mut self, x: u32, t_x: f64, age: f64, count: u64) -> Result<()> {
        let h = CustomerHistory::new(CustomerId::new(0), x, t_x, age)?;
        self.counts.add(history_key(&h), count)
    }

    /// Adds `other`'s counts to these. Merging is associative and
    /// commutative: partial counts combine in any order to the same rows.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when a count overflows `u64`.
    pub fn merge(&mut self, other: &DistinctRows) -> Result<()> {
        self.counts.merge(&other.counts)
    }

    /// The number of distinct rows.
    pub fn len(&self) -> usize {
        self.counts.map.len()
    }

    /// Whether no customer has been counted.
    pub fn is_empty(&self) -> bool {
        self.counts.map.is_empty()
    }

    /// The number of customers counted.
    pub fn customers(&self) -> u64 {
        self.counts.customers
    }

    /// The rows, sorted by `x`, then `t_x`, then `T`.
    pub fn rows(&self) -> Vec<DistinctRow> {
        let mut rows: Vec<DistinctRow> = self
            .counts
            .map
            .iter()
            .map(|(&(x, t, a), &count)| DistinctRow {
                x,
                t_x: f64::from_bits(t),
                age: f64::from_bits(a),
                count,
            })
            .collect();
        // f64::total_cmp's order as integers: one key comparison per pair.
        let total = |v: f64| {
            let bits = v.to_bits() as i64;
            bits ^ ((((bits >> 63) as u64) >> 1) as i64)
        };
        rows.sort_unstable_by_key(|r| (r.x, total(r.t_x), total(r.age)));
        rows
    }

    /// The rows as histories with their counts as weights, sorted as
    /// [`rows`](Self::rows), ready for any purchase model's
    /// `fit_weighted`. The histories carry customer id 0.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when a count exceeds 2⁵³, the largest
    /// whole number an `f64` weight holds exactly.
    pub fn weighted(&self) -> Result<(Vec<CustomerHistory>, Vec<f64>)> {
        self.rows()
            .into_iter()
            .map(|r| {
                let h = CustomerHistory::new(CustomerId::new(0), r.x, r.t_x, r.age)?;
                Ok((h, exact_weight(r.count)?))
            })
            .collect::<Result<Vec<_>>>()
            .map(|pairs| pairs.into_iter().unzip())
    }
}

/// One distinct `(x, z̄)` and the number of customers who share it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DistinctSpendRow {
    x: u32,
    zbar: Decimal,
    count: u64,
}

impl DistinctSpendRow {
    /// `x`: repeat purchases.
    pub fn x(&self) -> u32 {
        self.x
    }

    /// `z̄`: the mean value of the repeat purchases.
    pub fn zbar(&self) -> Decimal {
        self.zbar
    }

    /// How many customers have this spend history.
    pub fn count(&self) -> u64 {
        self.count
    }
}

/// Customer counts per distinct `(x, z̄)` of repeat buyers: the sufficient
/// statistics of a Gamma-Gamma fit. Customers with `x = 0` carry no spend
/// information and are not counted. `z̄` is exact money; equal amounts
/// written with different scales (`12.3` and `12.30`) are one row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DistinctSpend {
    counts: Counts<(u32, Decimal)>,
}

impl DistinctSpend {
    /// No rows.
    pub fn new() -> Self {
        Self::default()
    }

    /// The rows of `spends`' repeat buyers, one count per customer.
    pub fn from_spends(spends: &[SpendHistory]) -> Self {
        let mut rows = Self::new();
        for s in spends {
            rows.add(s);
        }
        rows
    }

    /// The rows of a summary's repeat buyers.
    ///
    /// # Errors
    ///
    /// As [`SpendHistory::from_summary`]: a repeat buyer whose repeat
    /// purchases total zero or less is rejected.
    pub fn from_summary(summary: &Summary) -> Result<Self> {
        let mut rows = Self::new();
        for c in summary.customers() {
            rows.add(&SpendHistory::from_summary(c)?);
        }
        Ok(rows)
    }

    /// Counts one customer (nothing when `x = 0`).
    pub fn add(&mut self, spend: &SpendHistory) {
        if spend.x() == 0 {
            return;
        }
        self.counts.bump((spend.x(), spend.zbar().normalize()));
    }

    /// Counts `count` customers with `x` repeat purchases of mean `z̄`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when `(x, z̄)` is not a valid spend history
    /// (the rules of [`SpendHistory::new`]) and [`Error::InvalidParameter`]
    /// when a count overflows `u64`. Rows with `x = 0` are accepted and
    /// not counted.
    pub fn add_count(&mut self, x: u32, zbar: Decimal, count: u64) -> Result<()> {
        let s = SpendHistory::new(CustomerId::new(0), x, zbar)?;
        if x == 0 {
            return Ok(());
        }
        self.counts.add((s.x(), s.zbar().normalize()), count)
    }

    /// Adds `other`'s counts to these, in any order.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when a count overflows `u64`.
    pub fn merge(&mut self, other: &DistinctSpend) -> Result<()> {
        self.counts.merge(&other.counts)
    }

    /// The number of distinct rows.
    pub fn len(&self) -> usize {
        self.counts.map.len()
    }

    /// Whether no repeat buyer has been counted.
    pub fn is_empty(&self) -> bool {
        self.counts.map.is_empty()
    }

    /// The number of repeat buyers counted.
    pub fn customers(&self) -> u64 {
        self.counts.customers
    }

    /// The rows, sorted by `x`, then `z̄`.
    pub fn rows(&self) -> Vec<DistinctSpendRow> {
        let mut rows: Vec<DistinctSpendRow> = self
            .counts
            .map
            .iter()
            .map(|(&(x, zbar), &count)| DistinctSpendRow { x, zbar, count })
            .collect();
        rows.sort_unstable_by(|u, v| u.x.cmp(&v.x).then(u.zbar.cmp(&v.zbar)));
        rows
    }

    /// The rows as spend histories with their counts as weights, ready for
    /// [`GammaGamma::fit_weighted`](super::GammaGamma::fit_weighted).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when a count exceeds 2⁵³.
    pub fn weighted(&self) -> Result<(Vec<SpendHistory>, Vec<f64>)> {
        self.rows()
            .into_iter()
            .map(|r| {
                let s = SpendHistory::new(CustomerId::new(0), r.x, r.zbar)?;
                Ok((s, exact_weight(r.count)?))
            })
            .collect::<Result<Vec<_>>>()
            .map(|pairs| pairs.into_iter().unzip())
    }
}

/// The key of a history: `t_x` and `T` by their bits, so that equal
/// times (and only equal times) share a row.
fn history_key(history: &CustomerHistory) -> (u32, u64, u64) {
    (
        history.x(),
        history.t_x().to_bits(),
        history.age().to_bits(),
    )
}

/// Customer counts per key with their total: the counting, merging and
/// overflow rules that [`DistinctRows`] and [`DistinctSpend`] share.
#[derive(Debug, Clone, PartialEq)]
struct Counts<K: Eq + Hash> {
    map: RowMap<K, u64>,
    customers: u64,
}

impl<K: Eq + Hash> Default for Counts<K> {
    fn default() -> Self {
        Self {
            map: RowMap::default(),
            customers: 0,
        }
    }
}

impl<K: Eq + Hash + Copy> Counts<K> {
    /// Counts one customer. A count reaching `u64::MAX` one at a time
    /// would need more customers than exist, so this does not check.
    fn bump(&mut self, key: K) {
        *self.map.entry(key).or_insert(0) += 1;
        self.customers += 1;
    }

    /// Counts `count` customers (none when 0), refusing overflow.
    fn add(&mut self, key: K, count: u64) -> Result<()> {
        if count == 0 {
            return Ok(());
        }
        let slot = self.map.entry(key).or_insert(0);
        *slot = add_counts(*slot, count)?;
        self.customers = add_counts(self.customers, count)?;
        Ok(())
    }

    fn merge(&mut self, other: &Self) -> Result<()> {
        for (&key, &n) in &other.map {
            let slot = self.map.entry(key).or_insert(0);
            *slot = add_counts(*slot, n)?;
        }
        self.customers = add_counts(self.customers, other.customers)?;
        Ok(())
    }
}

fn add_counts(a: u64, b: u64) -> Result<u64> {
    a.checked_add(b).ok_or(Error::InvalidParameter {
        name: "count",
        value: format!("{a} + {b}"),
        reason: "customer counts overflow u64",
    })
}

/// `count` as an `f64` weight, refused above 2⁵³ where it would round.
pub(crate) fn exact_weight(count: u64) -> Result<f64> {
    const EXACT: u64 = 1 << 53;
    if count > EXACT {
        return Err(Error::InvalidParameter {
            name: "count",
            value: count.to_string(),
            reason: "counts above 2^53 are not exact as f64 weights",
        });
    }
    Ok(count as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btyd::{BgNbd, GammaGamma, MbgNbd, ParetoNbd};
    use proptest::prelude::*;

    fn history(i: usize, (x, t_x, age): (u32, f64, f64)) -> CustomerHistory {
        CustomerHistory::new(CustomerId::new(i as u64), x, t_x, age).unwrap()
    }

    /// Day-grid histories: few distinct rows, many customers.
    fn day_grid(seed: u64, n: usize) -> Vec<CustomerHistory> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = move |m: u64| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s % m
        };
        (0..n)
            .map(|i| {
                let age = 20 + next(20);
                let x = next(5) as u32;
                let t_x = if x == 0 {
                    0
                } else {
                    (x as u64 + next(age)).min(age)
                };
                history(i, (x, t_x as f64, age as f64))
            })
            .collect()
    }

    #[test]
    fn counts_merge_and_sort() {
        let hs = day_grid(7, 500);
        let rows = DistinctRows::from_histories(&hs);
        assert_eq!(rows.customers(), 500);
        assert_eq!(rows.rows().iter().map(|r| r.count()).sum::<u64>(), 500);
        assert!(rows.len() < 500);
        let sorted = rows.rows();
        assert!(
            sorted
                .windows(2)
                .all(|w| (w[0].x(), w[0].t_x(), w[0].age()) < (w[1].x(), w[1].t_x(), w[1].age()))
        );
        let mut via_counts = DistinctRows::new();
        for r in rows.rows() {
            via_counts
                .add_count(r.x(), r.t_x(), r.age(), r.count())
                .unwrap();
        }
        assert_eq!(via_counts, rows);
    }

    #[test]
    fn invalid_rows_and_counts_are_refused() {
        let mut rows = DistinctRows::new();
        assert!(rows.add_count(1, 0.0, 5.0, 1).is_err());
        assert!(rows.add_count(0, 1.0, 5.0, 1).is_err());
        assert!(rows.add_count(1, 6.0, 5.0, 1).is_err());
        assert!(rows.add_count(1, 2.0, f64::NAN, 1).is_err());
        rows.add_count(1, 2.0, 5.0, u64::MAX).unwrap();
        assert!(rows.add_count(1, 2.0, 5.0, 1).is_err());
        assert!(rows.weighted().is_err());
        let mut spend = DistinctSpend::new();
        assert!(spend.add_count(2, Decimal::ZERO, 1).is_err());
        assert!(spend.add_count(2, Decimal::NEGATIVE_ONE, 1).is_err());
        spend.add_count(0, Decimal::ZERO, 3).unwrap();
        assert!(spend.is_empty());
    }

    #[test]
    fn spend_rows_join_equal_amounts_of_different_scale() {
        let mut spend = DistinctSpend::new();
        spend.add_count(2, Decimal::new(123, 1), 1).unwrap();
        spend.add_count(2, Decimal::new(1230, 2), 2).unwrap();
        assert_eq!((spend.len(), spend.customers()), (1, 3));
    }

    #[test]
    fn fits_from_rows_equal_fits_on_customers_bit_for_bit() {
        let hs = day_grid(11, 3000);
        let rows = DistinctRows::from_histories(&hs);
        let (rh, w) = rows.weighted().unwrap();
        assert_eq!(
            BgNbd::new().fit_weighted(&rh, &w).unwrap().params(),
            BgNbd::new().fit_detailed(&hs).unwrap().params()
        );
        assert_eq!(
            MbgNbd::new().fit_weighted(&rh, &w).unwrap().params(),
            MbgNbd::new().fit_detailed(&hs).unwrap().params()
        );
        assert_eq!(
            ParetoNbd::new().fit_weighted(&rh, &w).unwrap().params(),
            ParetoNbd::new().fit_detailed(&hs).unwrap().params()
        );
        let spends: Vec<SpendHistory> = hs
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let cents = 500 + (i as i64 * 7919) % 4000;
                SpendHistory::new(h.customer(), h.x(), Decimal::new(cents, 2)).unwrap()
            })
            .collect();
        let spend = DistinctSpend::from_spends(&spends);
        let (sh, sw) = spend.weighted().unwrap();
        assert_eq!(
            GammaGamma::new().fit_weighted(&sh, &sw).unwrap().params(),
            GammaGamma::new().fit_detailed(&spends).unwrap().params()
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]

        /// Any split into partitions, merged in any order, counts the same
        /// rows, and a fit of those rows does not depend on the order of
        /// the customers.
        #[test]
        fn merge_is_order_free(seed in 0u64..1000, parts in 1usize..7, rotate in 0usize..400) {
            let hs = day_grid(seed, 400);
            let whole = DistinctRows::from_histories(&hs);
            let mut merged = DistinctRows::new();
            for k in (0..parts).rev() {
                let part: Vec<_> = hs.iter().copied().skip(k).step_by(parts).collect();
                merged.merge(&DistinctRows::from_histories(&part)).unwrap();
            }
            prop_assert_eq!(&merged, &whole);
            let mut shuffled = hs.clone();
            shuffled.rotate_left(rotate);
            shuffled.reverse();
            let a = BgNbd::new().fit_detailed(&hs);
            let b = BgNbd::new().fit_detailed(&shuffled);
            match (a, b) {
                (Ok(a), Ok(b)) => prop_assert_eq!(a.params(), b.params()),
                (a, b) => prop_assert_eq!(a.is_err(), b.is_err()),
            }
        }
    }
}
