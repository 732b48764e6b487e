//! A transaction log with the names behind its ids.

use std::borrow::Cow;

use rust_decimal::Decimal;

use crate::error::Result;
use crate::model::{CategoryId, CustomerId, Date, Interner, Transaction};

/// Transactions plus the interners that name their customers and
/// categories.
///
/// The summariser works on plain slices ([`TransactionLog::transactions`]);
/// this type exists for logs whose keys are strings. A log uses either
/// numeric customer ids ([`TransactionLog::push`] with your own
/// [`CustomerId`]s) or interned names ([`TransactionLog::push_named`]),
/// not both: with names, [`TransactionLog::customer_label`] shows the name.
///
/// # Example
/// ```
/// use customer_value::{Date, Decimal, TransactionLog};
///
/// let mut log = TransactionLog::new();
/// let day = Date::parse("2024-05-01")?;
/// log.push_named("alice", day, Decimal::new(1250, 2), Some("books"))?;
/// log.push_named("bob", day, Decimal::new(900, 2), None)?;
/// log.push_named("alice", day, Decimal::new(300, 2), Some("music"))?;
/// assert_eq!(log.len(), 3);
/// let alice = log.transactions()[2].customer();
/// assert_eq!(log.customer_label(alice), "alice");
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TransactionLog {
    transactions: Vec<Transaction>,
    customer_names: Interner,
    category_names: Interner,
}

impl TransactionLog {
    /// An empty log.
    pub fn new() -> TransactionLog {
        TransactionLog::default()
    }

    /// An empty log with room for `n` transactions.
    pub fn with_capacity(n: usize) -> TransactionLog {
        TransactionLog {
            transactions: Vec::with_capacity(n),
            ..TransactionLog::default()
        }
    }

    /// A log of transactions with numeric ids.
    pub fn from_transactions(transactions: Vec<Transaction>) -> TransactionLog {
        TransactionLog {
            transactions,
            ..TransactionLog::default()
        }
    }

    /// Appends a transaction.
    pub fn push(&mut self, transaction: Transaction) {
        self.transactions.push(transaction);
    }

    /// Appends a transaction whose customer (and category, if any) are
    /// given by name; names are interned.
    ///
    /// # Errors
    /// [`Error::Overflow`](crate::Error::Overflow) past 2^32 distinct names.
    pub fn push_named(
        &mut self,
        customer: &str,
        date: Date,
        amount: Decimal,
        category: Option<&str>,
    ) -> Result<()> {
        let id = self.customer_id(customer)?;
        let mut t = Transaction::new(id, date, amount);
        if let Some(name) = category {
            t = t.with_category(self.category_id(name)?);
        }
        self.transactions.push(t);
        Ok(())
    }

    /// The id for a customer name, interning it on first sight.
    ///
    /// # Errors
    /// [`Error::Overflow`](crate::Error::Overflow) past 2^32 distinct names.
    pub fn customer_id(&mut self, name: &str) -> Result<CustomerId> {
        self.customer_names.try_intern(name).map(CustomerId::from)
    }

    /// The id for a category name, interning it on first sight.
    ///
    /// # Errors
    /// [`Error::Overflow`](crate::Error::Overflow) past 2^32 distinct names.
    pub fn category_id(&mut self, name: &str) -> Result<CategoryId> {
        self.category_names.try_intern(name).map(CategoryId::from)
    }

    /// The transactions, in insertion order.
    pub fn transactions(&self) -> &[Transaction] {
        &self.transactions
    }

    /// The transactions, for editing or sorting in place.
    pub fn transactions_mut(&mut self) -> &mut Vec<Transaction> {
        &mut self.transactions
    }

    /// The customer names (empty when the log uses numeric ids).
    pub fn customer_names(&self) -> &Interner {
        &self.customer_names
    }

    /// The category names.
    pub fn category_names(&self) -> &Interner {
        &self.category_names
    }

    /// How a customer is shown: its interned name when the log has names,
    /// else its number.
    pub fn customer_label(&self, id: CustomerId) -> Cow<'_, str> {
        self.customer_names.customer_label(id)
    }

    /// Number of transactions.
    pub fn len(&self) -> usize {
        self.transactions.len()
    }

    /// Whether the log has no transactions.
    pub fn is_empty(&self) -> bool {
        self.transactions.is_empty()
    }
}

impl Extend<Transaction> for TransactionLog {
    fn extend<I: IntoIterator<Item = Transaction>>(&mut self, iter: I) {
        self.transactions.extend(iter);
    }
}

impl FromIterator<Transaction> for TransactionLog {
    fn from_iter<I: IntoIterator<Item = Transaction>>(iter: I) -> TransactionLog {
        TransactionLog::from_transactions(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_and_named_labels() {
        let day = Date::parse("2024-05-01").unwrap();
        let mut numeric: TransactionLog =
            [Transaction::new(CustomerId::new(42), day, Decimal::ONE)]
                .into_iter()
                .collect();
        assert_eq!(numeric.customer_label(CustomerId::new(42)), "42");
        numeric.extend([Transaction::new(CustomerId::new(43), day, Decimal::ONE)]);
        assert_eq!(numeric.len(), 2);

        let mut named = TransactionLog::with_capacity(2);
        assert!(named.is_empty());
        named
            .push_named("zoe", day, Decimal::ONE, Some("a"))
            .unwrap();
        named
            .push_named("amy", day, Decimal::ONE, Some("a"))
            .unwrap();
        let ids: Vec<_> = named.transactions().iter().map(|t| t.customer()).collect();
        assert_eq!(ids, [CustomerId::new(0), CustomerId::new(1)]);
        assert_eq!(named.customer_label(ids[1]), "amy");
        assert_eq!(named.category_names().len(), 1);
        assert_eq!(named.customer_label(CustomerId::new(99)), "99");
    }
}
