//! Exact duplicate transactions: a log exported twice, or a line pasted
//! twice, counts a purchase twice without a word. [`Duplicates::find`]
//! names every transaction identical to an earlier one, and
//! [`DuplicatePolicy`] says whether to keep, drop or refuse them.

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::model::Transaction;

/// What to do with a transaction identical to an earlier one of the same
/// log (same customer, day, amount, quantity and category).
///
/// Keeping them is the default: two equal orders on one day are possible
/// (a customer buying the same item twice), and a log without an order id
/// cannot tell them from a line exported twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum DuplicatePolicy {
    /// Every transaction counts (the default); the duplicates can still be
    /// counted and reported.
    #[default]
    Keep,
    /// Each duplicate is removed; the first of identical transactions
    /// stays.
    Drop,
    /// A duplicate is an [`Error::Duplicate`] naming both positions.
    Reject,
}

/// The transactions of a log identical to an earlier one: `(duplicate,
/// first)` positions in the input slice, in input order.
///
/// # Example
/// ```
/// use customer_value::{CustomerId, Date, Decimal, DuplicatePolicy, Duplicates, Transaction};
///
/// let t = |c: u64, d: &str, cents: i64| {
///     Transaction::new(CustomerId::new(c), Date::parse(d).unwrap(), Decimal::new(cents, 2))
/// };
/// let mut log = vec![
///     t(7, "2024-01-03", 1250),
///     t(7, "2024-01-03", 1250), // the same line again
///     t(7, "2024-01-03", 990),  // another order that day
///     t(8, "2024-01-03", 1250),
/// ];
/// let found = Duplicates::find(&log);
/// assert_eq!(found.pairs(), &[(1, 0)]);
/// assert_eq!(found.apply(DuplicatePolicy::Drop, &mut log)?, 1);
/// assert_eq!(log.len(), 3);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Duplicates {
    pairs: Vec<(usize, usize)>,
}

impl Duplicates {
    /// Finds every transaction identical to an earlier one (amounts
    /// compared by value: `12.5` and `12.50` are equal), in one pass with a
    /// hash table.
    pub fn find(transactions: &[Transaction]) -> Duplicates {
        let mut first: FxHashMap<&Transaction, usize> = FxHashMap::default();
        first.reserve(transactions.len());
        let mut pairs = Vec::new();
        for (i, t) in transactions.iter().enumerate() {
            let seen = *first.entry(t).or_insert(i);
            if seen != i {
                pairs.push((i, seen));
            }
        }
        Duplicates { pairs }
    }

    /// How many transactions repeat an earlier one.
    pub fn count(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// `(duplicate, first)` positions, in input order.
    pub fn pairs(&self) -> &[(usize, usize)] {
        &self.pairs
    }

    /// Applies `policy` to the slice they were found in: keeps it, drops
    /// the duplicates (keeping the order of the rest), or refuses. Returns
    /// how many were dropped.
    ///
    /// # Errors
    /// [`Error::Duplicate`] under [`DuplicatePolicy::Reject`] when there is
    /// a duplicate; its key names the first one and the position it
    /// repeats. [`Error::InvalidParameter`] when the positions do not fit
    /// `transactions` (they were found in another slice).
    pub fn apply(
        &self,
        policy: DuplicatePolicy,
        transactions: &mut Vec<Transaction>,
    ) -> Result<usize> {
        if self
            .pairs
            .iter()
            .any(|&(i, first)| i >= transactions.len() || transactions[i] != transactions[first])
        {
            return Err(Error::InvalidParameter {
                name: "transactions",
                value: format!("{} transactions", transactions.len()),
                reason: "the duplicates were found in another slice",
            });
        }
        match (policy, self.pairs.first()) {
            (DuplicatePolicy::Keep, _) | (_, None) => Ok(0),
            (DuplicatePolicy::Reject, Some(&(i, first))) => {
                let t = transactions[i];
                Err(Error::Duplicate {
                    what: "transaction",
                    key: format!(
                        "transaction {i} (customer {}, {}, amount {}) repeats transaction {first}",
                        t.customer(),
                        t.date(),
                        t.amount()
                    ),
                })
            }
            (DuplicatePolicy::Drop, Some(_)) => {
                let mut drop = vec![false; transactions.len()];
                for &(i, _) in &self.pairs {
                    drop[i] = true;
                }
                let mut index = 0;
                transactions.retain(|_| {
                    index += 1;
                    !drop[index - 1]
                });
                Ok(self.pairs.len())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CustomerId, Date};
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    fn t(c: u64, day: i32, cents: i64) -> Transaction {
        Transaction::new(
            CustomerId::new(c),
            Date::from_days_since_epoch(19_000 + day).unwrap(),
            Decimal::new(cents, 2),
        )
    }

    #[test]
    fn amounts_compare_by_value_and_every_field_counts() {
        let log = [
            t(1, 0, 1250),
            Transaction::new(
                CustomerId::new(1),
                Date::from_days_since_epoch(19_000).unwrap(),
                Decimal::new(125, 1),
            ),
            t(1, 0, 1250).with_quantity(2).unwrap(),
            t(1, 1, 1250),
            t(2, 0, 1250),
            t(1, 0, 1250),
        ];
        assert_eq!(Duplicates::find(&log).pairs(), &[(1, 0), (5, 0)]);
        let mut rejected = log.to_vec();
        let err = Duplicates::find(&log)
            .apply(DuplicatePolicy::Reject, &mut rejected)
            .unwrap_err();
        assert!(
            matches!(err, Error::Duplicate { what: "transaction", ref key } if key.contains("transaction 1") && key.contains("transaction 0")),
            "{err}"
        );
        let mut other = vec![t(3, 0, 1)];
        assert!(
            Duplicates::find(&log)
                .apply(DuplicatePolicy::Drop, &mut other)
                .is_err()
        );
    }

    proptest! {
        /// Dropping leaves each distinct transaction once, in first-seen
        /// order, and drops exactly `len - distinct` of them.
        #[test]
        fn drop_keeps_the_first_of_each(rows in prop::collection::vec((0u64..4, 0i32..3, 0i64..3), 0..40)) {
            let log: Vec<Transaction> = rows.iter().map(|&(c, d, a)| t(c, d, a)).collect();
            let found = Duplicates::find(&log);
            let mut dropped = log.clone();
            let n = found.apply(DuplicatePolicy::Drop, &mut dropped).unwrap();
            let mut want: Vec<Transaction> = Vec::new();
            for x in &log {
                if !want.contains(x) {
                    want.push(*x);
                }
            }
            prop_assert_eq!(n, log.len() - want.len());
            prop_assert_eq!(found.count(), n);
            prop_assert_eq!(dropped, want);
            let mut kept = log.clone();
            prop_assert_eq!(found.apply(DuplicatePolicy::Keep, &mut kept).unwrap(), 0);
            prop_assert_eq!(kept, log);
        }
    }
}
