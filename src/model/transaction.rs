//! One purchase (or refund) in a customer's transaction log.

use std::num::NonZeroU32;

use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::model::{CategoryId, CustomerId, Date};

/// One line of a transaction log: who bought, when, for how much, and
/// optionally how many units of which product category.
///
/// The amount is exact money ([`Decimal`]). A negative amount is a refund:
/// it is a valid transaction, and the summariser decides what to do with it
/// (see [`RefundPolicy`](crate::RefundPolicy)). A quantity, when given, is
/// at least 1.
///
/// Serialises as `{"customer", "date", "amount", "quantity"?, "category"?}`
/// with the amount as a decimal string; deserialising validates like the
/// constructors.
///
/// # Example
/// ```
/// use customer_value::{CategoryId, CustomerId, Date, Decimal, Transaction};
///
/// let t = Transaction::new(CustomerId::new(1), Date::parse("1997-01-01")?, Decimal::new(2933, 2))
///     .with_quantity(2)?
///     .with_category(CategoryId::new(4));
/// assert_eq!(t.amount().to_string(), "29.33");
/// assert_eq!(t.quantity(), Some(2));
/// assert!(Transaction::new(CustomerId::new(1), t.date(), t.amount()).with_quantity(0).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "TransactionRecord", into = "TransactionRecord")
)]
pub struct Transaction {
    customer: CustomerId,
    date: Date,
    quantity: Option<NonZeroU32>,
    category: Option<CategoryId>,
    amount: Decimal,
}

impl Transaction {
    /// A transaction without quantity or category.
    ///
    /// Infallible: every argument is already a valid value of its type.
    #[inline]
    pub const fn new(customer: CustomerId, date: Date, amount: Decimal) -> Transaction {
        Transaction {
            customer,
            date,
            amount,
            quantity: None,
            category: None,
        }
    }

    /// Sets the number of units bought.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when `quantity` is 0.
    pub fn with_quantity(mut self, quantity: u32) -> Result<Transaction> {
        self.quantity = Some(
            NonZeroU32::new(quantity).ok_or_else(|| Error::InvalidParameter {
                name: "quantity",
                value: quantity.to_string(),
                reason: "a quantity must be at least 1",
            })?,
        );
        Ok(self)
    }

    /// Sets the product category.
    #[inline]
    pub const fn with_category(mut self, category: CategoryId) -> Transaction {
        self.category = Some(category);
        self
    }

    /// The customer.
    #[inline]
    pub const fn customer(&self) -> CustomerId {
        self.customer
    }

    /// The day of the transaction.
    #[inline]
    pub const fn date(&self) -> Date {
        self.date
    }

    /// The amount; negative for a refund.
    #[inline]
    pub const fn amount(&self) -> Decimal {
        self.amount
    }

    /// The number of units, if known.
    #[inline]
    pub fn quantity(&self) -> Option<u32> {
        self.quantity.map(NonZeroU32::get)
    }

    /// The product category, if known.
    #[inline]
    pub const fn category(&self) -> Option<CategoryId> {
        self.category
    }
}

/// The serialised shape of a [`Transaction`], checked on the way in.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TransactionRecord {
    customer: CustomerId,
    date: Date,
    #[serde(with = "rust_decimal::serde::str")]
    amount: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    quantity: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    category: Option<CategoryId>,
}

#[cfg(feature = "serde")]
impl TryFrom<TransactionRecord> for Transaction {
    type Error = Error;
    fn try_from(r: TransactionRecord) -> Result<Transaction> {
        let mut t = Transaction::new(r.customer, r.date, r.amount);
        if let Some(q) = r.quantity {
            t = t.with_quantity(q)?;
        }
        if let Some(c) = r.category {
            t = t.with_category(c);
        }
        Ok(t)
    }
}

#[cfg(feature = "serde")]
impl From<Transaction> for TransactionRecord {
    fn from(t: Transaction) -> TransactionRecord {
        TransactionRecord {
            customer: t.customer,
            date: t.date,
            amount: t.amount,
            quantity: t.quantity(),
            category: t.category,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> Date {
        Date::parse("2024-03-01").unwrap()
    }

    #[test]
    fn builds_and_reads_back() {
        let t = Transaction::new(CustomerId::new(9), day(), Decimal::new(-500, 2))
            .with_quantity(3)
            .unwrap()
            .with_category(CategoryId::new(1));
        assert_eq!(t.customer(), CustomerId::new(9));
        assert_eq!(t.date(), day());
        assert_eq!(t.amount(), Decimal::new(-5, 0));
        assert_eq!(t.quantity(), Some(3));
        assert_eq!(t.category(), Some(CategoryId::new(1)));
    }

    #[test]
    fn rejects_zero_quantity() {
        let t = Transaction::new(CustomerId::new(9), day(), Decimal::ONE);
        assert!(matches!(
            t.with_quantity(0),
            Err(Error::InvalidParameter {
                name: "quantity",
                ..
            })
        ));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_round_trip_and_validation() {
        let t = Transaction::new(CustomerId::new(9), day(), Decimal::new(1999, 2))
            .with_quantity(2)
            .unwrap();
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(
            json,
            r#"{"customer":9,"date":"2024-03-01","amount":"19.99","quantity":2}"#
        );
        assert_eq!(serde_json::from_str::<Transaction>(&json).unwrap(), t);
        let zero = r#"{"customer":9,"date":"2024-03-01","amount":"1","quantity":0}"#;
        assert!(serde_json::from_str::<Transaction>(zero).is_err());
        let bad_date = r#"{"customer":9,"date":"2024-02-30","amount":"1"}"#;
        assert!(serde_json::from_str::<Transaction>(bad_date).is_err());
    }
}
