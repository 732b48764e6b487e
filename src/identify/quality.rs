//! Customer records with caller-declared fields, and the record-quality
//! report: completeness, staleness, key-field coverage.

use crate::{CustomerId, Date, Error, Result};

/// A field the caller declares for its customer records; key fields are
/// those a record must have to be usable (an e-mail or a phone, say)
/// ([spec](crate::identify::spec#record-quality)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Field {
    /// The field's name.
    pub name: String,
    /// Whether it is a key field.
    pub key: bool,
}

impl Field {
    /// An ordinary field.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            key: false,
        }
    }

    /// A key field.
    pub fn key(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            key: true,
        }
    }
}

/// One customer record: a value (or nothing) per declared field, in the
/// caller's field order, and the dates of its last update and of the
/// customer's last purchase.
///
/// `Debug` prints the customer id and which fields are filled, never the
/// values: records hold personal data \[L\].
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CustomerRecord {
    /// The customer.
    pub customer: CustomerId,
    /// One value per declared field; `None` or a blank string is missing.
    pub values: Vec<Option<String>>,
    /// When the record was last updated, if known.
    pub last_update: Option<Date>,
    /// When the customer last bought, if ever.
    pub last_purchase: Option<Date>,
}

impl core::fmt::Debug for CustomerRecord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let filled: String = self
            .values
            .iter()
            .map(|v| if is_filled(v) { 'x' } else { '.' })
            .collect();
        f.debug_struct("CustomerRecord")
            .field("customer", &self.customer)
            .field("filled", &filled)
            .field("last_update", &self.last_update)
            .field("last_purchase", &self.last_purchase)
            .finish()
    }
}

pub(crate) fn is_filled(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|s| !s.trim().is_empty())
}

impl CustomerRecord {
    /// A record with the given values and no dates.
    pub fn new(customer: CustomerId, values: Vec<Option<String>>) -> Self {
        Self {
            customer,
            values,
            last_update: None,
            last_purchase: None,
        }
    }

    /// Sets the date of the last update.
    pub fn updated(mut self, date: Date) -> Self {
        self.last_update = Some(date);
        self
    }

    /// Sets the date of the last purchase.
    pub fn purchased(mut self, date: Date) -> Self {
        self.last_purchase = Some(date);
        self
    }
}

/// The settings of the quality report: the date it is made on and the two
/// staleness thresholds, in days ([spec](crate::identify::spec#record-quality)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct QualitySettings {
    /// The date of the report.
    pub as_of: Date,
    /// A record not updated for more than this many days is stale.
    pub max_update_age_days: u32,
    /// A customer who has not bought for more than this many days is
    /// inactive (a candidate for discarding).
    pub max_purchase_age_days: u32,
}

/// Completeness of one field over the records.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct FieldCompleteness {
    /// The field's name.
    pub name: String,
    /// Whether it is a key field.
    pub key: bool,
    /// Records with the field filled.
    pub filled: u64,
    /// `filled / records`.
    pub share: f64,
}

/// The record-quality report, from [`quality_report`]. Customer lists hold
/// ids only, never values.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct QualityReport {
    /// Records examined.
    pub records: u64,
    /// Per field, in declared order.
    pub fields: Vec<FieldCompleteness>,
    /// Mean share of filled fields per record.
    pub mean_completeness: f64,
    /// Each record's share of filled fields, in input order.
    pub completeness: Vec<(CustomerId, f64)>,
    /// Records with every key field filled, as a share of all records.
    pub key_coverage: f64,
    /// Records missing at least one key field.
    pub missing_key: Vec<CustomerId>,
    /// Records never updated, or updated more than the threshold ago.
    pub stale_update: Vec<CustomerId>,
    /// Customers who never bought, or last bought more than the threshold ago.
    pub stale_purchase: Vec<CustomerId>,
}

/// The record-quality report over `records` with the caller's `fields`
/// ([spec](crate::identify::spec#record-quality)).
///
/// # Errors
///
/// [`Error::EmptyInput`] without fields or records;
/// [`Error::InvalidValue`] (`customer record`) when a record's number of
/// values differs from the number of fields, or a date lies after
/// `as_of`.
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Date};
/// use customer_value::identify::{CustomerRecord, Field, QualitySettings, quality_report};
///
/// let fields = [Field::key("email"), Field::new("phone"), Field::new("city")];
/// let day = |s: &str| Date::parse(s).unwrap();
/// let records = [
///     CustomerRecord::new(CustomerId::new(1), vec![Some("a@x.org".into()), None, Some("Lyon".into())])
///         .updated(day("2024-05-01")).purchased(day("2024-06-01")),
///     CustomerRecord::new(CustomerId::new(2), vec![Some(" ".into()), Some("0612".into()), None])
///         .updated(day("2022-01-01")),
/// ];
/// let settings = QualitySettings { as_of: day("2024-06-30"), max_update_age_days: 365,
///     max_purchase_age_days: 180 };
/// let report = quality_report(&fields, &records, &settings)?;
/// assert_eq!(report.fields[0].filled, 1);           // a blank e-mail is missing
/// assert_eq!(report.key_coverage, 0.5);
/// assert_eq!(report.stale_update, [CustomerId::new(2)]);
/// assert_eq!(report.stale_purchase, [CustomerId::new(2)]); // never bought
/// assert_eq!(report.mean_completeness, 0.5);        // (2/3 + 1/3) / 2
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn quality_report(
    fields: &[Field],
    records: &[CustomerRecord],
    settings: &QualitySettings,
) -> Result<QualityReport> {
    if fields.is_empty() {
        return Err(Error::EmptyInput {
            what: "record-quality report",
            needs: "field",
        });
    }
    if records.is_empty() {
        return Err(Error::EmptyInput {
            what: "record-quality report",
            needs: "record",
        });
    }
    let now = settings.as_of.days_since_epoch();
    let mut filled = vec![0u64; fields.len()];
    let mut completeness = Vec::with_capacity(records.len());
    let (mut missing_key, mut stale_update, mut stale_purchase) = (vec![], vec![], vec![]);
    let mut sum = 0.0;
    for r in records {
        if r.values.len() != fields.len() {
            return Err(Error::InvalidValue {
                what: "customer record",
                reason: format!(
                    "customer {}: {} values for {} fields",
                    r.customer,
                    r.values.len(),
                    fields.len()
                ),
            });
        }
        let age = |d: Option<Date>| -> Result<Option<i64>> {
            match d {
                None => Ok(None),
                Some(d) if d.days_since_epoch() > now => Err(Error::InvalidValue {
                    what: "customer record",
                    reason: format!(
                        "customer {}: date {d} is after the report date {}",
                        r.customer, settings.as_of
                    ),
                }),
                Some(d) => Ok(Some(i64::from(now) - i64::from(d.days_since_epoch()))),
            }
        };
        let mut count = 0usize;
        let mut keys_ok = true;
        for ((f, v), n) in fields.iter().zip(&r.values).zip(filled.iter_mut()) {
            if is_filled(v) {
                count += 1;
                *n += 1;
            } else if f.key {
                keys_ok = false;
            }
        }
        let share = count as f64 / fields.len() as f64;
        sum += share;
        completeness.push((r.customer, share));
        if !keys_ok {
            missing_key.push(r.customer);
        }
        if age(r.last_update)?.is_none_or(|a| a > i64::from(settings.max_update_age_days)) {
            stale_update.push(r.customer);
        }
        if age(r.last_purchase)?.is_none_or(|a| a > i64::from(settings.max_purchase_age_days)) {
            stale_purchase.push(r.customer);
        }
    }
    let n = records.len() as f64;
    Ok(QualityReport {
        records: records.len() as u64,
        fields: fields
            .iter()
            .zip(filled)
            .map(|(f, c)| FieldCompleteness {
                name: f.name.clone(),
                key: f.key,
                filled: c,
                share: c as f64 / n,
            })
            .collect(),
        mean_completeness: sum / n,
        completeness,
        key_coverage: (records.len() - missing_key.len()) as f64 / n,
        missing_key,
        stale_update,
        stale_purchase,
    })
}
