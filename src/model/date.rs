//! A compact calendar date and the time units summaries are measured in.

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;

use crate::error::{Error, Result};

/// Julian day number of 1970-01-01, the origin of [`Date`]'s day count.
const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;
/// 0001-01-01 as days since 1970-01-01.
const MIN_DAYS: i32 = -719_162;
/// 9999-12-31 as days since 1970-01-01.
const MAX_DAYS: i32 = 2_932_896;

/// A calendar date (proleptic Gregorian, years 1 to 9999), stored as the
/// number of days since 1970-01-01 in four bytes.
///
/// Comparing and subtracting dates is comparing and subtracting integers,
/// which is what summarising millions of transactions needs. Calendar
/// arithmetic (years, months, leap days) is delegated to the `time` crate.
///
/// Dates parse from ISO 8601 `YYYY-MM-DD` and from `YYYYMMDD`, display as
/// `YYYY-MM-DD`, and serialise as that string. With the `chrono` or `jiff`
/// feature, they convert from and to `chrono::NaiveDate` and
/// `jiff::civil::Date`.
///
/// # Example
/// ```
/// use customer_value::Date;
///
/// let start: Date = "1997-01-01".parse()?;
/// let end = Date::parse("19970930")?;
/// assert_eq!(end.days_since(start), 272);
/// assert_eq!(end.to_string(), "1997-09-30");
/// assert_eq!(Date::from_ymd(1997, 9, 30)?, end);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
pub struct Date(i32);

impl Date {
    /// The earliest supported date, 0001-01-01.
    pub const MIN: Date = Date(MIN_DAYS);
    /// The latest supported date, 9999-12-31.
    pub const MAX: Date = Date(MAX_DAYS);
    /// 1970-01-01, day 0 of the day count.
    pub const UNIX_EPOCH: Date = Date(0);

    /// The date with the given year, month (1-12) and day (1-31).
    ///
    /// # Errors
    /// [`Error::InvalidDate`] when the date does not exist (2023-02-29) or
    /// the year is outside 1..=9999.
    pub fn from_ymd(year: i32, month: u8, day: u8) -> Result<Date> {
        let invalid = |reason| Error::InvalidDate {
            input: format!("{year:04}-{month:02}-{day:02}"),
            reason,
        };
        if !(1..=9999).contains(&year) {
            return Err(invalid("year outside 1..=9999"));
        }
        let month = time::Month::try_from(month).map_err(|_| invalid("month outside 1..=12"))?;
        let date = time::Date::from_calendar_date(year, month, day)
            .map_err(|_| invalid("no such day in that month"))?;
        Ok(Date(date.to_julian_day() - UNIX_EPOCH_JULIAN_DAY))
    }

    /// The date `days` days after 1970-01-01 (negative: before).
    ///
    /// # Errors
    /// [`Error::InvalidDate`] when the result is outside 0001-01-01..=9999-12-31.
    pub fn from_days_since_epoch(days: i32) -> Result<Date> {
        if (MIN_DAYS..=MAX_DAYS).contains(&days) {
            Ok(Date(days))
        } else {
            Err(Error::InvalidDate {
                input: format!("day {days} since 1970-01-01"),
                reason: "outside 0001-01-01..=9999-12-31",
            })
        }
    }

    /// Parses `YYYY-MM-DD` or `YYYYMMDD`.
    ///
    /// # Errors
    /// [`Error::InvalidDate`] when the text has neither shape or names a
    /// date that does not exist.
    pub fn parse(text: &str) -> Result<Date> {
        Self::parse_bytes(text.as_bytes())
    }

    /// [`Date::parse`] on raw bytes, for readers that never build a `str`.
    ///
    /// # Errors
    /// As [`Date::parse`].
    pub fn parse_bytes(text: &[u8]) -> Result<Date> {
        let invalid = |reason| Error::InvalidDate {
            input: String::from_utf8_lossy(text).into_owned(),
            reason,
        };
        let (y, m, d) = match text.len() {
            10 if text[4] == b'-' && text[7] == b'-' => (&text[..4], &text[5..7], &text[8..]),
            8 => (&text[..4], &text[4..6], &text[6..]),
            _ => return Err(invalid("expected YYYY-MM-DD or YYYYMMDD")),
        };
        let year = digits(y).ok_or_else(|| invalid("expected YYYY-MM-DD or YYYYMMDD"))?;
        let month = digits(m).ok_or_else(|| invalid("expected YYYY-MM-DD or YYYYMMDD"))?;
        let day = digits(d).ok_or_else(|| invalid("expected YYYY-MM-DD or YYYYMMDD"))?;
        Date::from_ymd(year as i32, month as u8, day as u8).map_err(|e| match e {
            Error::InvalidDate { reason, .. } => invalid(reason),
            other => other,
        })
    }

    /// Days since 1970-01-01 (negative before it).
    #[inline]
    pub const fn days_since_epoch(self) -> i32 {
        self.0
    }

    /// Whole days from `earlier` to `self` (negative when `self` is earlier).
    #[inline]
    pub const fn days_since(self, earlier: Date) -> i32 {
        self.0 - earlier.0
    }

    /// The date `days` days later (earlier when negative).
    ///
    /// # Errors
    /// [`Error::InvalidDate`] when the result leaves the supported range.
    pub fn checked_add_days(self, days: i32) -> Result<Date> {
        let sum = self.0.checked_add(days).ok_or_else(|| Error::InvalidDate {
            input: format!("{self} + {days} days"),
            reason: "outside 0001-01-01..=9999-12-31",
        })?;
        Date::from_days_since_epoch(sum)
    }

    fn to_time(self) -> time::Date {
        // In range by construction, so the conversion cannot fail.
        time::Date::from_julian_day(self.0 + UNIX_EPOCH_JULIAN_DAY).unwrap_or(time::Date::MIN)
    }

    /// The calendar year (1..=9999).
    pub fn year(self) -> i32 {
        self.to_time().year()
    }

    /// The month, 1..=12.
    pub fn month(self) -> u8 {
        self.to_time().month() as u8
    }

    /// The day of the month, 1..=31.
    pub fn day(self) -> u8 {
        self.to_time().day()
    }
}

/// Parses ASCII decimal digits; `None` on anything else.
fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.to_time();
        write!(f, "{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
    }
}

impl FromStr for Date {
    type Err = Error;
    fn from_str(s: &str) -> Result<Date> {
        Date::parse(s)
    }
}

impl TryFrom<String> for Date {
    type Error = Error;
    fn try_from(s: String) -> Result<Date> {
        Date::parse(&s)
    }
}

impl From<Date> for String {
    fn from(d: Date) -> String {
        d.to_string()
    }
}

#[cfg(feature = "chrono")]
mod chrono_impls {
    use super::*;

    /// `chrono`'s day count starts at 0001-01-01 = day 1.
    const CE_DAY_OF_EPOCH: i32 = 719_163;

    impl TryFrom<chrono::NaiveDate> for Date {
        type Error = Error;
        /// # Errors
        /// [`Error::InvalidDate`] for years outside 1..=9999.
        fn try_from(d: chrono::NaiveDate) -> Result<Date> {
            use chrono::Datelike;
            Date::from_days_since_epoch(d.num_days_from_ce() - CE_DAY_OF_EPOCH)
        }
    }

    impl From<Date> for chrono::NaiveDate {
        fn from(d: Date) -> chrono::NaiveDate {
            chrono::NaiveDate::from_num_days_from_ce_opt(d.0 + CE_DAY_OF_EPOCH)
                .unwrap_or(chrono::NaiveDate::MIN)
        }
    }
}

#[cfg(feature = "jiff")]
mod jiff_impls {
    use super::*;

    impl TryFrom<jiff::civil::Date> for Date {
        type Error = Error;
        /// # Errors
        /// [`Error::InvalidDate`] for years outside 1..=9999.
        fn try_from(d: jiff::civil::Date) -> Result<Date> {
            Date::from_ymd(i32::from(d.year()), d.month() as u8, d.day() as u8)
        }
    }

    impl From<Date> for jiff::civil::Date {
        fn from(d: Date) -> jiff::civil::Date {
            // Years 1..=9999 are inside jiff's range, so this cannot fail.
            jiff::civil::Date::new(d.year() as i16, d.month() as i8, d.day() as i8)
                .unwrap_or(jiff::civil::Date::MIN)
        }
    }
}

/// The length of the period that times in a summary are counted in.
///
/// A whole positive number of days: [`TimeUnit::DAY`], [`TimeUnit::WEEK`],
/// or any other via [`TimeUnit::days`]. A time of 10 days is 10 in days and
/// 10/7 = 1.43 in weeks.
///
/// # Example
/// ```
/// use customer_value::TimeUnit;
///
/// assert_eq!(TimeUnit::WEEK.days_per_period(), 7);
/// let month = TimeUnit::days(30)?;
/// assert_eq!(month.periods(45), 1.5);
/// assert!(TimeUnit::days(0).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "u32", into = "u32"))]
pub struct TimeUnit(NonZeroU32);

impl TimeUnit {
    /// One day.
    pub const DAY: TimeUnit = TimeUnit(NonZeroU32::MIN);
    /// Seven days.
    pub const WEEK: TimeUnit = TimeUnit(NonZeroU32::new(7).expect("7 is not zero"));

    /// A period of `days` days.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when `days` is 0: a zero-length period
    /// would make every time infinite.
    pub fn days(days: u32) -> Result<TimeUnit> {
        NonZeroU32::new(days)
            .map(TimeUnit)
            .ok_or_else(|| Error::InvalidParameter {
                name: "time unit",
                value: days.to_string(),
                reason: "a period must last at least one day",
            })
    }

    /// Days in one period.
    #[inline]
    pub const fn days_per_period(self) -> u32 {
        self.0.get()
    }

    /// `days` expressed in this unit (fractional when the unit is longer
    /// than a day).
    #[inline]
    pub fn periods(self, days: i32) -> f64 {
        f64::from(days) / f64::from(self.0.get())
    }

    /// A time `t` in this unit, in the unit `to`.
    ///
    /// Times in a summary are whole days divided by the unit's length, so
    /// `t × days per period` is a whole number of days up to rounding: when
    /// it is within 10⁻⁹ (relative) of one, the result is that number of
    /// days in `to` ([`periods`](Self::periods)), bit for bit what a summary
    /// made in `to` holds. Other times (a summary rounded to 2 decimals, a
    /// horizon of 2.5 weeks) are converted as
    /// `t × days per period / days per period of to`.
    ///
    /// # Example
    /// ```
    /// use customer_value::TimeUnit;
    ///
    /// assert_eq!(TimeUnit::WEEK.convert(30.0 / 7.0, TimeUnit::DAY), 30.0);
    /// assert_eq!(TimeUnit::DAY.convert(30.0, TimeUnit::WEEK), 30.0 / 7.0);
    /// assert_eq!(TimeUnit::WEEK.convert(2.5, TimeUnit::DAY), 17.5);
    /// ```
    pub fn convert(self, t: f64, to: TimeUnit) -> f64 {
        if self == to {
            return t;
        }
        let days = t * f64::from(self.0.get());
        let whole = days.round();
        if whole.abs() < f64::from(i32::MAX) && (days - whole).abs() <= 1e-9 * whole.abs().max(1.0)
        {
            to.periods(whole as i32)
        } else {
            days / f64::from(to.0.get())
        }
    }
}

impl fmt::Debug for TimeUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.get() {
            1 => f.write_str("TimeUnit::DAY"),
            7 => f.write_str("TimeUnit::WEEK"),
            n => write!(f, "TimeUnit::days({n})"),
        }
    }
}

impl fmt::Display for TimeUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.get() {
            1 => f.write_str("days"),
            7 => f.write_str("weeks"),
            n => write!(f, "periods of {n} days"),
        }
    }
}

impl TryFrom<u32> for TimeUnit {
    type Error = Error;
    fn try_from(days: u32) -> Result<TimeUnit> {
        TimeUnit::days(days)
    }
}

impl From<TimeUnit> for u32 {
    fn from(u: TimeUnit) -> u32 {
        u.days_per_period()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_shapes_and_round_trips() {
        let a = Date::parse("1997-09-30").unwrap();
        let b = Date::parse("19970930").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "1997-09-30");
        assert_eq!((a.year(), a.month(), a.day()), (1997, 9, 30));
        assert_eq!(Date::parse("1970-01-01").unwrap(), Date::UNIX_EPOCH);
        assert_eq!(Date::parse("0001-01-01").unwrap(), Date::MIN);
        assert_eq!(Date::parse("9999-12-31").unwrap(), Date::MAX);
        assert_eq!(Date::parse("2000-02-29").unwrap().to_string(), "2000-02-29");
    }

    #[test]
    fn rejects_bad_dates() {
        for bad in [
            "",
            "1997-9-30",
            "1997-02-29",
            "1900-02-29",
            "1997-13-01",
            "1997-00-10",
            "1997-01-00",
            "0000-01-01",
            "199709300",
            "1997/09/30",
            "abcd-ef-gh",
            "1997-09-3x",
            "+997-09-30",
        ] {
            assert!(
                matches!(Date::parse(bad), Err(Error::InvalidDate { .. })),
                "{bad} should be rejected"
            );
        }
    }

    #[test]
    fn day_arithmetic() {
        let a = Date::parse("1997-01-01").unwrap();
        let b = Date::parse("1997-09-30").unwrap();
        assert_eq!(b.days_since(a), 272);
        assert_eq!(a.checked_add_days(272).unwrap(), b);
        assert!(Date::MAX.checked_add_days(1).is_err());
        assert!(Date::MIN.checked_add_days(-1).is_err());
        assert!(Date::MAX.checked_add_days(i32::MAX).is_err());
        assert!(Date::from_days_since_epoch(MAX_DAYS + 1).is_err());
    }

    #[test]
    fn time_units() {
        assert_eq!(TimeUnit::days(1).unwrap(), TimeUnit::DAY);
        assert_eq!(TimeUnit::WEEK.periods(272), 272.0 / 7.0);
        assert!(matches!(
            TimeUnit::days(0),
            Err(Error::InvalidParameter {
                name: "time unit",
                ..
            })
        ));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_validates() {
        let d: Date = serde_json::from_str("\"1997-09-30\"").unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"1997-09-30\"");
        assert!(serde_json::from_str::<Date>("\"1997-02-30\"").is_err());
        assert!(serde_json::from_str::<TimeUnit>("0").is_err());
        assert_eq!(
            serde_json::from_str::<TimeUnit>("7").unwrap(),
            TimeUnit::WEEK
        );
    }

    #[cfg(feature = "chrono")]
    #[test]
    fn chrono_round_trip() {
        let n = chrono::NaiveDate::from_ymd_opt(1997, 9, 30).unwrap();
        let d = Date::try_from(n).unwrap();
        assert_eq!(d, Date::parse("1997-09-30").unwrap());
        assert_eq!(chrono::NaiveDate::from(d), n);
    }

    #[cfg(feature = "jiff")]
    #[test]
    fn jiff_round_trip() {
        let j = jiff::civil::date(1997, 9, 30);
        let d = Date::try_from(j).unwrap();
        assert_eq!(d, Date::parse("1997-09-30").unwrap());
        assert_eq!(jiff::civil::Date::from(d), j);
    }
}
