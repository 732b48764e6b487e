//! Dates written in other shapes than ISO 8601, read by a `strftime`
//! format: [`DateFormat`].

use time::format_description::modifier::YearRepr;
use time::format_description::{self, BorrowedFormatItem, Component, OwnedFormatItem};
use time::parsing::Parsed;

use crate::{Date, Error, Result};

/// A `strftime` description of the date column, such as `%m/%d/%Y` for
/// `12/1/2010 8:26` (the UCI Online Retail log) or `%d.%m.%Y`, as pandas'
/// `format=` and R's `format` take it.
///
/// It is parsed once by the `time` crate and then applied to every date
/// field. Two choices make it forgiving in the way those tools are:
/// - numbers need not be zero-padded: `%m/%d/%Y` reads `12/1/2010` and
///   `12/01/2010` alike (logs written by spreadsheets often do not pad);
/// - whatever follows the described part after a space or a `T` (a time of
///   day the description does not mention) is ignored, as it is for ISO
///   dates; any other trailing text is an error.
///
/// The date is the calendar date as written: a time zone offset in the
/// text, if the description reads one, does not move it.
///
/// Made by [`DateFormat::new`], which rejects a description that `time`
/// cannot parse or that does not fix a calendar date (it must name the
/// year, and the month and day or the day of the year).
///
/// # Example
/// ```
/// use customer_value::csv::{CsvOptions, DateFormat};
/// use customer_value::Date;
///
/// let us = DateFormat::new("%m/%d/%Y")?;
/// assert_eq!(us.parse("12/1/2010 8:26")?, Date::from_ymd(2010, 12, 1)?);
/// assert_eq!(us.parse("03/07/2011")?, Date::from_ymd(2011, 3, 7)?);
/// assert!(us.parse("2011-03-07").is_err());
///
/// let log = "InvoiceNo,CustomerID,InvoiceDate,Revenue\n\
///            536365,17850,12/1/2010 8:26,15.30\n";
/// let options = CsvOptions::builder()
///     .customer_column("CustomerID")
///     .date_column("InvoiceDate")
///     .amount_column("Revenue")
///     .date_format(us)
///     .build()?;
/// let log = options.read(log.as_bytes())?;
/// assert_eq!(log.transactions()[0].date(), Date::from_ymd(2010, 12, 1)?);
/// # Ok::<(), customer_value::Error>(())
/// ```
///
/// Serialises as its description; deserialising checks it like
/// [`DateFormat::new`].
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
pub struct DateFormat {
    description: String,
    items: OwnedFormatItem,
}

impl DateFormat {
    /// Parses a `strftime` description (`%Y`, `%m`, `%d`, `%b`, `%B`, `%j`,
    /// `%H`, `%M`, `%S`, `%-d`, ... as the `time` crate reads them).
    ///
    /// # Errors
    /// [`Error::InvalidValue`] when the description does not parse, or
    /// when it does not name a year together with a month and a day (or a
    /// day of the year).
    pub fn new(description: &str) -> Result<DateFormat> {
        let invalid = |reason: String| Error::InvalidValue {
            what: "date format",
            reason,
        };
        let mut items = format_description::parse_strftime_borrowed(description)
            .map_err(|e| invalid(format!("{description:?}: {e}")))?;
        let mut year = false;
        let mut month = false;
        let mut day = false;
        let mut ordinal = false;
        for item in &mut items {
            if let BorrowedFormatItem::Component(component) = item {
                unpad(component);
                match component {
                    Component::Year(m) if m.repr == YearRepr::Full => year = true,
                    Component::Year(_) => {
                        return Err(invalid(format!(
                            "{description:?}: a year needs all its digits (%Y): a two-digit \
                             year (%y) or a century (%C) does not fix the date"
                        )));
                    }
                    Component::Month(_) => month = true,
                    Component::Day(_) => day = true,
                    Component::Ordinal(_) => ordinal = true,
                    _ => {}
                }
            }
        }
        if !year || !(ordinal || (month && day)) {
            return Err(invalid(format!(
                "{description:?} does not fix a date: it needs a year (%Y) and a month and day \
                 (%m, %d) or a day of the year (%j)"
            )));
        }
        Ok(DateFormat {
            description: description.to_owned(),
            items: OwnedFormatItem::from(items),
        })
    }

    /// The description as given to [`DateFormat::new`].
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The calendar date of `text`.
    ///
    /// # Errors
    /// [`Error::InvalidDate`] when the text does not follow the
    /// description, names no such date, or has other text than a time of
    /// day after it.
    pub fn parse(&self, text: &str) -> Result<Date> {
        self.parse_bytes(text.as_bytes())
            .map_err(|reason| Error::InvalidDate {
                input: text.to_owned(),
                reason,
            })
    }

    /// [`DateFormat::parse`] on bytes, with a short reason on failure.
    pub(crate) fn parse_bytes(&self, text: &[u8]) -> std::result::Result<Date, &'static str> {
        let mut parsed = Parsed::new();
        let rest = parsed
            .parse_item(text, &self.items)
            .map_err(|_| "does not follow the date format")?;
        if let Some(&first) = rest.first() {
            if !matches!(first, b' ' | b'T') {
                return Err("has text after the date that is not a time of day");
            }
        }
        let date = time::Date::try_from(parsed).map_err(|_| "names no such date")?;
        let (year, month, day) = date.to_calendar_date();
        Date::from_ymd(year, u8::from(month), day).map_err(|_| "year outside 1..=9999")
    }
}

// Two formats are equal when their descriptions are: the parsed items
// follow from the description.
impl PartialEq for DateFormat {
    fn eq(&self, other: &DateFormat) -> bool {
        self.description == other.description
    }
}

impl Eq for DateFormat {}

impl std::hash::Hash for DateFormat {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.description.hash(state);
    }
}

impl TryFrom<String> for DateFormat {
    type Error = Error;
    fn try_from(description: String) -> Result<DateFormat> {
        DateFormat::new(&description)
    }
}

impl From<DateFormat> for String {
    fn from(format: DateFormat) -> String {
        format.description
    }
}

/// Lets a numeric field read with or without leading zeros.
fn unpad(component: &mut Component) {
    use time::format_description::modifier::Padding;
    match component {
        Component::Day(m) => m.padding = Padding::None,
        Component::Month(m) => m.padding = Padding::None,
        Component::Ordinal(m) => m.padding = Padding::None,
        Component::Hour(m) => m.padding = Padding::None,
        Component::Minute(m) => m.padding = Padding::None,
        Component::Second(m) => m.padding = Padding::None,
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ymd(y: i32, m: u8, d: u8) -> Date {
        Date::from_ymd(y, m, d).unwrap()
    }

    #[test]
    fn reads_the_common_shapes() {
        let cases = [
            ("%m/%d/%Y", "12/1/2010 8:26", ymd(2010, 12, 1)),
            ("%m/%d/%Y", "01/09/2011", ymd(2011, 1, 9)),
            ("%d/%m/%Y", "9/1/2011", ymd(2011, 1, 9)),
            ("%d.%m.%Y", "29.02.2024", ymd(2024, 2, 29)),
            ("%Y/%m/%d", "2024/3/5T10:00", ymd(2024, 3, 5)),
            ("%d %b %Y", "3 Jan 2024", ymd(2024, 1, 3)),
            ("%B %d, %Y", "March 15, 2023", ymd(2023, 3, 15)),
            ("%Y%j", "2024060", ymd(2024, 2, 29)),
            ("%m/%d/%Y %H:%M", "12/1/2010 8:26", ymd(2010, 12, 1)),
            ("%Y%m%d", "20240229", ymd(2024, 2, 29)),
        ];
        for (description, text, want) in cases {
            let format = DateFormat::new(description).unwrap();
            assert_eq!(format.parse(text).unwrap(), want, "{description} on {text}");
        }
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        let us = DateFormat::new("%m/%d/%Y").unwrap();
        for text in [
            "2010-12-01",
            "13/1/2010",
            "2/30/2024",
            "12/1/2010x",
            "12/1/",
            "",
        ] {
            let err = us.parse(text).unwrap_err();
            assert!(
                matches!(err, Error::InvalidDate { ref input, .. } if input == text),
                "{text}: {err}"
            );
        }
        for description in ["%m/%d", "%H:%M", "%Y", "%Q", "%m/%d/%y", "%m/%d/%Y%"] {
            let err = DateFormat::new(description).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::InvalidValue {
                        what: "date format",
                        ..
                    }
                ),
                "{description}: {err}"
            );
        }
    }

    proptest! {
        /// Any date written by a description reads back as that date,
        /// padded or not.
        #[test]
        fn round_trips(days in Date::from_ymd(1900, 1, 1).unwrap().days_since_epoch()
                ..Date::from_ymd(2100, 12, 31).unwrap().days_since_epoch(),
                shape in 0usize..4, hour in 0u32..24) {
            let date = Date::from_days_since_epoch(days).unwrap();
            let (y, m, d) = (date.year(), date.month(), date.day());
            let (description, text) = match shape {
                0 => ("%m/%d/%Y", format!("{m}/{d}/{y} {hour}:05")),
                1 => ("%d/%m/%Y", format!("{d:02}/{m:02}/{y}")),
                2 => ("%d.%m.%Y %H:%M", format!("{d}.{m}.{y} {hour}:59")),
                _ => ("%Y-%m-%d", format!("{y}-{m}-{d}T{hour:02}:00:00Z")),
            };
            let format = DateFormat::new(description).unwrap();
            prop_assert_eq!(format.parse(&text).unwrap(), date);
        }
    }
}
