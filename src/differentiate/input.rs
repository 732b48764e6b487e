//! The rows differentiation reads: a value per customer, and for the
//! value x loyalty matrix a loyalty measure beside it.

use crate::{CustomerId, CustomerSummary, Decimal, Error, Keyed, Result};

/// One customer's value: revenue or, preferably, profit
/// ([spec](crate::differentiate::spec#differentiation-by-value)). Any `Decimal` is accepted; negative values (losses) are
/// counted in the [`TierReport`](super::TierReport) as a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CustomerValue {
    customer: CustomerId,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    value: Decimal,
}

impl CustomerValue {
    /// A customer and their value.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{CustomerId, Decimal, differentiate::CustomerValue};
    ///
    /// let row = CustomerValue::new(CustomerId::new(1), Decimal::new(-250, 2));
    /// assert_eq!(row.value(), Decimal::new(-250, 2)); // a loss is allowed
    /// ```
    pub fn new(customer: CustomerId, value: Decimal) -> Self {
        Self { customer, value }
    }

    /// The value of a summary row: its total spend in the calibration
    /// period ([`CustomerSummary::total_spend`]), i.e. revenue.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{CustomerId, Date, Decimal, Summarizer, Transaction};
    /// use customer_value::differentiate::CustomerValue;
    ///
    /// let c = CustomerId::new(3);
    /// let log = [
    ///     Transaction::new(c, Date::parse("2024-01-02")?, Decimal::new(40, 0)),
    ///     Transaction::new(c, Date::parse("2024-01-09")?, Decimal::new(25, 0)),
    /// ];
    /// let summary = Summarizer::builder(Date::parse("2024-01-31")?).build()?.summarize(&log)?;
    /// let row = CustomerValue::from_summary(&summary.customers()[0]);
    /// assert_eq!((row.customer(), row.value()), (c, Decimal::new(65, 0)));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_summary(row: &CustomerSummary) -> Self {
        Self::new(row.customer(), row.total_spend())
    }

    /// [`from_summary`](Self::from_summary) for every row, in order.
    pub fn from_summaries(rows: &[CustomerSummary]) -> Vec<Self> {
        rows.iter().map(Self::from_summary).collect()
    }

    /// The customer.
    pub fn customer(&self) -> CustomerId {
        self.customer
    }

    /// The value.
    pub fn value(&self) -> Decimal {
        self.value
    }
}

impl Keyed for CustomerValue {
    fn customer(&self) -> CustomerId {
        self.customer
    }
}

/// One customer's value and loyalty, the two axes of the Reinartz & Kumar
/// (2002) matrix ([`ValueLoyaltyMatrix`](super::ValueLoyaltyMatrix)).
///
/// Loyalty is the relationship duration in the summary's
/// [`TimeUnit`](crate::TimeUnit), or any other finite measure where more
/// is more loyal (a loyalty index, say).
///
/// # Errors
///
/// [`ValueLoyalty::new`] rejects a NaN or infinite loyalty with
/// [`Error::InvalidValue`]; deserialising checks the same.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawValueLoyalty"))]
pub struct ValueLoyalty {
    customer: CustomerId,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    value: Decimal,
    loyalty: f64,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawValueLoyalty {
    customer: CustomerId,
    #[serde(with = "rust_decimal::serde::str")]
    value: Decimal,
    loyalty: f64,
}

#[cfg(feature = "serde")]
impl TryFrom<RawValueLoyalty> for ValueLoyalty {
    type Error = Error;
    fn try_from(raw: RawValueLoyalty) -> Result<Self> {
        ValueLoyalty::new(raw.customer, raw.value, raw.loyalty)
    }
}

impl ValueLoyalty {
    /// Checks and builds one customer's row.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when `loyalty` is NaN or infinite.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{CustomerId, Decimal, differentiate::ValueLoyalty};
    ///
    /// let row = ValueLoyalty::new(CustomerId::new(1), Decimal::new(500, 0), 36.0)?;
    /// assert_eq!(row.loyalty(), 36.0);
    /// assert!(ValueLoyalty::new(CustomerId::new(2), Decimal::ONE, f64::NAN).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(customer: CustomerId, value: Decimal, loyalty: f64) -> Result<Self> {
        if !loyalty.is_finite() {
            return Err(Error::InvalidValue {
                what: "loyalty",
                reason: format!("customer {customer}: must be finite, got {loyalty}"),
            });
        }
        Ok(Self {
            customer,
            value,
            loyalty,
        })
    }

    /// Value = total spend, loyalty = `t_x` ([`CustomerSummary::t_x`]): the
    /// time from the first to the last purchase, the span over which the
    /// customer was seen active. Closest to Reinartz & Kumar's "lifetime
    /// duration".
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when `t_x` is not finite (a summary this crate
    /// built never is).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{CustomerId, Date, Decimal, Summarizer, TimeUnit, Transaction};
    /// use customer_value::differentiate::ValueLoyalty;
    ///
    /// let c = CustomerId::new(3);
    /// let log = [
    ///     Transaction::new(c, Date::parse("2024-01-01")?, Decimal::new(40, 0)),
    ///     Transaction::new(c, Date::parse("2024-01-15")?, Decimal::new(25, 0)),
    /// ];
    /// let summary = Summarizer::builder(Date::parse("2024-01-29")?)
    ///     .unit(TimeUnit::WEEK)
    ///     .build()?
    ///     .summarize(&log)?;
    /// let active = ValueLoyalty::from_summary_t_x(&summary.customers()[0])?;
    /// let tenure = ValueLoyalty::from_summary_age(&summary.customers()[0])?;
    /// assert_eq!((active.loyalty(), tenure.loyalty()), (2.0, 4.0)); // weeks
    /// assert_eq!(active.value(), Decimal::new(65, 0));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_summary_t_x(row: &CustomerSummary) -> Result<Self> {
        Self::new(row.customer(), row.total_spend(), row.t_x())
    }

    /// Value = total spend, loyalty = `T` ([`CustomerSummary::age`]): the
    /// time from the first purchase to the end of the calibration period,
    /// the customer's tenure whether or not they still buy.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when the age is not finite (a summary this
    /// crate built never is).
    ///
    /// # Example
    ///
    /// See [`from_summary_t_x`](Self::from_summary_t_x).
    pub fn from_summary_age(row: &CustomerSummary) -> Result<Self> {
        Self::new(row.customer(), row.total_spend(), row.age())
    }

    /// The customer.
    pub fn customer(&self) -> CustomerId {
        self.customer
    }

    /// The value.
    pub fn value(&self) -> Decimal {
        self.value
    }

    /// The loyalty measure.
    pub fn loyalty(&self) -> f64 {
        self.loyalty
    }
}

impl Keyed for ValueLoyalty {
    fn customer(&self) -> CustomerId {
        self.customer
    }
}

impl From<ValueLoyalty> for CustomerValue {
    fn from(row: ValueLoyalty) -> Self {
        CustomerValue::new(row.customer, row.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_value_new() {
        let row = CustomerValue::new(CustomerId::new(4), Decimal::new(-5, 1));
        assert_eq!(row.customer(), CustomerId::new(4));
        assert_eq!(Keyed::customer(&row), CustomerId::new(4));
        assert_eq!(row.value(), Decimal::new(-5, 1));
    }

    #[test]
    fn value_loyalty_new() {
        let c = CustomerId::new(1);
        let row = ValueLoyalty::new(c, Decimal::TEN, -1.5).unwrap();
        assert_eq!((row.value(), row.loyalty()), (Decimal::TEN, -1.5));
        assert_eq!(CustomerValue::from(row).value(), Decimal::TEN);
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(matches!(
                ValueLoyalty::new(c, Decimal::ONE, bad),
                Err(Error::InvalidValue {
                    what: "loyalty",
                    ..
                })
            ));
        }
    }

    #[cfg(feature = "serde")]
    #[test]
    fn value_loyalty_serde_validates() {
        let row = ValueLoyalty::new(CustomerId::new(1), Decimal::new(1050, 2), 3.0).unwrap();
        let json = serde_json::to_string(&row).unwrap();
        assert!(json.contains("\"10.50\""), "{json}");
        let back: ValueLoyalty = serde_json::from_str(&json).unwrap();
        assert_eq!(back, row);
        let bad = json.replace("3.0", "1e999");
        assert!(serde_json::from_str::<ValueLoyalty>(&bad).is_err());
    }
}
