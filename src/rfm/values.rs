//! The inputs and outputs every RFM method shares.

use crate::{CustomerId, CustomerSummary, Decimal, Error, Keyed, Result};

/// Which monetary figure RFM uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Monetary {
    /// Total spend in the window (the `rfm` package and Hughes).
    #[default]
    Total,
    /// Mean spend per purchase (Miglautsch's "average").
    Mean,
}

/// One customer's raw recency, frequency and monetary values.
///
/// - recency: time from the last purchase to the analysis date, in the
///   summary's unit (days with [`TimeUnit::DAY`](crate::TimeUnit::DAY));
///   lower is better;
/// - frequency: number of purchases in the window (first one included);
/// - monetary: total or mean spend ([`Monetary`]).
///
/// # Errors
///
/// [`RfmValues::new`] rejects a negative or non-finite recency and a
/// frequency of 0 (a customer with no purchase has no RFM values) with
/// [`Error::InvalidValue`]. Deserialising checks the same.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawValues"))]
pub struct RfmValues {
    customer: CustomerId,
    recency: f64,
    frequency: u32,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    monetary: Decimal,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawValues {
    customer: CustomerId,
    recency: f64,
    frequency: u32,
    #[serde(with = "rust_decimal::serde::str")]
    monetary: Decimal,
}

#[cfg(feature = "serde")]
impl TryFrom<RawValues> for RfmValues {
    type Error = Error;
    fn try_from(raw: RawValues) -> Result<Self> {
        RfmValues::new(raw.customer, raw.recency, raw.frequency, raw.monetary)
    }
}

impl RfmValues {
    /// Checks and builds one customer's values.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when `recency` is negative, NaN or infinite,
    /// or `frequency` is 0.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{CustomerId, Decimal, rfm::RfmValues};
    ///
    /// let a = RfmValues::new(CustomerId::new(1), 5.0, 12, Decimal::new(1200, 0))?;
    /// assert_eq!(a.frequency(), 12);
    /// assert!(RfmValues::new(CustomerId::new(2), -1.0, 1, Decimal::ONE).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(
        customer: CustomerId,
        recency: f64,
        frequency: u32,
        monetary: Decimal,
    ) -> Result<Self> {
        if !(recency >= 0.0 && recency.is_finite()) {
            return Err(Error::InvalidValue {
                what: "recency",
                reason: format!("customer {customer}: must be finite and >= 0, got {recency}"),
            });
        }
        if frequency == 0 {
            return Err(Error::InvalidValue {
                what: "frequency",
                reason: format!("customer {customer}: must be at least 1 purchase, got 0"),
            });
        }
        Ok(Self {
            customer,
            recency,
            frequency,
            monetary,
        })
    }

    /// Values from a summary row: recency = T - t_x (the time from the last
    /// purchase to the calibration end, in the summary's unit), frequency =
    /// purchases (first one included), monetary = total or mean spend.
    pub fn from_summary(row: &CustomerSummary, monetary: Monetary) -> Self {
        Self {
            customer: row.customer(),
            recency: row.periods_since_last().max(0.0),
            frequency: row.purchases().max(1),
            monetary: match monetary {
                Monetary::Total => row.total_spend(),
                Monetary::Mean => row.mean_spend(),
            },
        }
    }

    /// [`from_summary`](Self::from_summary) for every row, in order.
    pub fn from_summaries(rows: &[CustomerSummary], monetary: Monetary) -> Vec<Self> {
        rows.iter()
            .map(|row| Self::from_summary(row, monetary))
            .collect()
    }

    /// The customer.
    pub fn customer(&self) -> CustomerId {
        self.customer
    }

    /// RFM's R: time since the last purchase (lower is better). From a
    /// summary this is `T - t_x`, the command line's `periods_since_last`,
    /// not lifetimes' `recency` (which is `t_x`).
    pub fn recency(&self) -> f64 {
        self.recency
    }

    /// RFM's F: number of purchases, the first included (the command
    /// line's `purchases`), not the summary's repeat purchases `x`.
    pub fn frequency(&self) -> u32 {
        self.frequency
    }

    /// Total or mean spend.
    pub fn monetary(&self) -> Decimal {
        self.monetary
    }
}

impl Keyed for RfmValues {
    fn customer(&self) -> CustomerId {
        self.customer
    }
}

/// One customer's R, F and M scores, each in `1..=k` for its dimension.
///
/// With every k at most 9, [`code`](Self::code) is the textbook
/// `100·R + 10·F + M` (111..555 for five bins); [`code_string`](Self::code_string)
/// concatenates the digits and separates them with `-` when any score has
/// two digits, so codes stay unambiguous for larger k.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawScore"))]
pub struct RfmScore {
    r: u8,
    f: u8,
    m: u8,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawScore {
    r: u8,
    f: u8,
    m: u8,
}

#[cfg(feature = "serde")]
impl TryFrom<RawScore> for RfmScore {
    type Error = Error;
    fn try_from(raw: RawScore) -> Result<Self> {
        RfmScore::new(raw.r, raw.f, raw.m)
    }
}

impl RfmScore {
    /// Checks and builds a score triple.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when any score is 0 (scores start at 1).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::rfm::RfmScore;
    ///
    /// let s = RfmScore::new(5, 4, 3)?;
    /// assert_eq!(s.code(), 543);
    /// assert_eq!(s.code_string(), "543");
    /// assert!(RfmScore::new(0, 1, 1).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(r: u8, f: u8, m: u8) -> Result<Self> {
        if r == 0 || f == 0 || m == 0 {
            return Err(Error::InvalidValue {
                what: "rfm score",
                reason: format!("scores start at 1, got ({r}, {f}, {m})"),
            });
        }
        Ok(Self { r, f, m })
    }

    /// The recency score (higher is more recent under the default direction).
    pub fn r(&self) -> u8 {
        self.r
    }

    /// The frequency score.
    pub fn f(&self) -> u8 {
        self.f
    }

    /// The monetary score.
    pub fn m(&self) -> u8 {
        self.m
    }

    /// `100·R + 10·F + M`; meaningful as a code when every score is at most 9.
    pub fn code(&self) -> u32 {
        100 * u32::from(self.r) + 10 * u32::from(self.f) + u32::from(self.m)
    }

    /// The code as text: `"543"`, or `"12-4-3"` when a score has two digits.
    pub fn code_string(&self) -> String {
        if self.r < 10 && self.f < 10 && self.m < 10 {
            format!("{}{}{}", self.r, self.f, self.m)
        } else {
            format!("{}-{}-{}", self.r, self.f, self.m)
        }
    }
}
