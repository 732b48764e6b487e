//! What a CRM service keeps about a customer.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::model::{CustomerId, Date};

/// A customer as a CRM service records them: id, acquisition date, what the
/// acquisition cost (if known), and free-form attributes (segment, channel,
/// region, ...) that the caller needs to carry along.
///
/// The acquisition cost, when set, is not negative. Scorers that net
/// acquisition cost out of lifetime value read it from here.
///
/// # Example
/// ```
/// use customer_value::{Customer, CustomerId, Date, Decimal};
///
/// let c = Customer::new(CustomerId::new(7), Date::parse("2024-01-15")?)
///     .with_acquisition_cost(Decimal::new(2500, 2))?
///     .with_attribute("channel", "referral");
/// assert_eq!(c.acquisition_cost(), Some(Decimal::new(25, 0)));
/// assert_eq!(c.attribute("channel"), Some("referral"));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "CustomerRecord", into = "CustomerRecord")
)]
pub struct Customer {
    id: CustomerId,
    acquired: Date,
    acquisition_cost: Option<Decimal>,
    attributes: BTreeMap<String, String>,
}

impl Customer {
    /// A customer acquired on `acquired`, with no cost or attributes.
    pub fn new(id: CustomerId, acquired: Date) -> Customer {
        Customer {
            id,
            acquired,
            acquisition_cost: None,
            attributes: BTreeMap::new(),
        }
    }

    /// Sets what acquiring the customer cost.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when `cost` is negative.
    pub fn with_acquisition_cost(mut self, cost: Decimal) -> Result<Customer> {
        if cost.is_sign_negative() && !cost.is_zero() {
            return Err(Error::InvalidParameter {
                name: "acquisition cost",
                value: cost.to_string(),
                reason: "must not be negative",
            });
        }
        self.acquisition_cost = Some(cost);
        Ok(self)
    }

    /// Sets (or replaces) an attribute.
    pub fn with_attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Customer {
        self.attributes.insert(key.into(), value.into());
        self
    }

    /// The customer's id.
    pub const fn id(&self) -> CustomerId {
        self.id
    }

    /// The day the customer was acquired.
    pub const fn acquired(&self) -> Date {
        self.acquired
    }

    /// What acquiring the customer cost, if known.
    pub const fn acquisition_cost(&self) -> Option<Decimal> {
        self.acquisition_cost
    }

    /// One attribute's value.
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).map(String::as_str)
    }

    /// All attributes, sorted by key.
    pub fn attributes(&self) -> &BTreeMap<String, String> {
        &self.attributes
    }
}

/// The serialised shape of a [`Customer`], checked on the way in.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomerRecord {
    id: CustomerId,
    acquired: Date,
    #[serde(
        default,
        with = "rust_decimal::serde::str_option",
        skip_serializing_if = "Option::is_none"
    )]
    acquisition_cost: Option<Decimal>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    attributes: BTreeMap<String, String>,
}

#[cfg(feature = "serde")]
impl TryFrom<CustomerRecord> for Customer {
    type Error = Error;
    fn try_from(r: CustomerRecord) -> Result<Customer> {
        let mut c = Customer::new(r.id, r.acquired);
        if let Some(cost) = r.acquisition_cost {
            c = c.with_acquisition_cost(cost)?;
        }
        c.attributes = r.attributes;
        Ok(c)
    }
}

#[cfg(feature = "serde")]
impl From<Customer> for CustomerRecord {
    fn from(c: Customer) -> CustomerRecord {
        CustomerRecord {
            id: c.id,
            acquired: c.acquired,
            acquisition_cost: c.acquisition_cost,
            attributes: c.attributes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Customer {
        Customer::new(CustomerId::new(1), Date::parse("2024-01-15").unwrap())
    }

    #[test]
    fn valid_customer() {
        let c = base()
            .with_acquisition_cost(Decimal::ZERO)
            .unwrap()
            .with_attribute("region", "north")
            .with_attribute("region", "south");
        assert_eq!(c.id(), CustomerId::new(1));
        assert_eq!(c.acquired(), Date::parse("2024-01-15").unwrap());
        assert_eq!(c.acquisition_cost(), Some(Decimal::ZERO));
        assert_eq!(c.attribute("region"), Some("south"));
        assert_eq!(c.attributes().len(), 1);
    }

    #[test]
    fn rejects_negative_cost() {
        assert!(matches!(
            base().with_acquisition_cost(Decimal::new(-1, 2)),
            Err(Error::InvalidParameter {
                name: "acquisition cost",
                ..
            })
        ));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_round_trip_and_validation() {
        let c = base()
            .with_acquisition_cost(Decimal::new(1250, 2))
            .unwrap()
            .with_attribute("channel", "web");
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(
            json,
            r#"{"id":1,"acquired":"2024-01-15","acquisition_cost":"12.50","attributes":{"channel":"web"}}"#
        );
        assert_eq!(serde_json::from_str::<Customer>(&json).unwrap(), c);
        let negative = r#"{"id":1,"acquired":"2024-01-15","acquisition_cost":"-3"}"#;
        assert!(serde_json::from_str::<Customer>(negative).is_err());
    }
}
