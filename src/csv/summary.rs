//! Reading a summary back from CSV: the file [`write_summary`] writes, with
//! the unit and dates it records, and the summaries users already have
//! (Python lifetimes' `frequency, recency, T, monetary_value`; the R BTYD
//! and CLVTools names `x, t.x, T.cal` with a spend column).
//!
//! [`write_summary`]: crate::csv::write_summary

use std::borrow::Cow;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::model::{CustomerId, Date, Interner, TimeUnit};
use crate::summary::{CustomerSummary, HoldoutActivity, Summary, SummaryParts};

/// What a summary file says about its own rows: the time unit of `t_x` and
/// `T`, the observation (calibration) end and the holdout end.
///
/// [`write_summary`](crate::csv::write_summary) writes them as the trailing
/// columns `unit_days` (days per period: 1 for days, 7 for weeks),
/// `observation_end` and, with a holdout, `holdout_end`, the same value on
/// every row, so that the file stays one plain table (pandas' `read_csv`
/// reads it as it is) and every row keeps its meaning when rows are
/// filtered or concatenated. A file without these columns (older files,
/// lifetimes' or BTYD's summaries) has `None` for each; the reader then
/// knows nothing about the unit, and the caller decides (the command line
/// takes `--unit`, and assumes days without it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SummaryMetadata {
    /// The unit of `t_x` and `T`.
    pub unit: Option<TimeUnit>,
    /// The last day of the observation (calibration) period.
    pub observation_end: Option<Date>,
    /// The last day of the holdout period.
    pub holdout_end: Option<Date>,
}

impl SummaryMetadata {
    /// Metadata with only a unit.
    pub fn with_unit(unit: TimeUnit) -> SummaryMetadata {
        SummaryMetadata {
            unit: Some(unit),
            ..SummaryMetadata::default()
        }
    }

    /// What a summary made by a [`Summarizer`](crate::Summarizer) knows:
    /// its unit, calibration end and holdout end.
    pub fn of(summary: &Summary) -> SummaryMetadata {
        let s = summary.summarizer();
        SummaryMetadata {
            unit: Some(s.unit()),
            observation_end: Some(s.calibration_end()),
            holdout_end: s.holdout_end(),
        }
    }
}

/// Which columns a summary file had, and so which figures of its rows come
/// from the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SummaryLayout {
    /// This crate's columns ([`SUMMARY_COLUMNS`](crate::csv::SUMMARY_COLUMNS)):
    /// every figure is the file's.
    Full,
    /// The buy-till-you-die columns only: `x, t_x, T` and, when `spend` is
    /// true, the mean repeat spend `zbar`. Python lifetimes names them
    /// `frequency, recency, T, monetary_value`; R's BTYD and CLVTools
    /// `x, t.x, T.cal` with `m.x`, `spend` or `Spending`.
    ///
    /// The rows' other figures are not in the file, and are filled as
    /// follows: purchases and transactions are `x + 1`; the repeat spend is
    /// `zbar × x` (0 without a spend column); the total spend is the repeat
    /// spend, because the first purchase's value is not in the file (so
    /// [`CustomerSummary::total_spend`] and [`CustomerSummary::mean_spend`]
    /// leave the first purchase out); categories are 0; there is no
    /// holdout activity. The purchase dates are counted back from the
    /// observation end, when the file records it and its unit, as
    /// `first = end − round(T × days per unit)` and
    /// `last = first + round(t_x × days per unit)`; otherwise both are the
    /// observation end if known, else 1970-01-01, and mean nothing.
    Btyd {
        /// Whether the file had a mean repeat spend column.
        spend: bool,
    },
}

impl SummaryLayout {
    /// Whether the rows' total spend (first purchase included) is the
    /// file's.
    pub fn has_total_spend(self) -> bool {
        matches!(self, SummaryLayout::Full)
    }

    /// Whether the rows' repeat spend (and so `zbar`) is the file's.
    pub fn has_repeat_spend(self) -> bool {
        matches!(
            self,
            SummaryLayout::Full | SummaryLayout::Btyd { spend: true }
        )
    }
}

/// Summary rows read from CSV, with the customer names when the file's ids
/// are not all numbers, the file's [`SummaryMetadata`] and its
/// [`SummaryLayout`].
#[derive(Debug, Clone)]
pub struct SummaryTable {
    customers: Vec<CustomerSummary>,
    names: Interner,
    metadata: SummaryMetadata,
    layout: SummaryLayout,
}

impl Default for SummaryTable {
    fn default() -> SummaryTable {
        SummaryTable {
            customers: Vec::new(),
            names: Interner::default(),
            metadata: SummaryMetadata::default(),
            layout: SummaryLayout::Full,
        }
    }
}

impl SummaryTable {
    /// The rows, in file order.
    pub fn customers(&self) -> &[CustomerSummary] {
        &self.customers
    }

    /// The rows, by value.
    pub fn into_customers(self) -> Vec<CustomerSummary> {
        self.customers
    }

    /// The names of the customers when the file's ids are not all numbers
    /// (ids are then the names' positions in this interner); empty otherwise.
    pub fn customer_names(&self) -> &Interner {
        &self.names
    }

    /// The customer's id as the file wrote it.
    pub fn customer_label(&self, id: CustomerId) -> Cow<'_, str> {
        self.names.customer_label(id)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.customers.len()
    }

    /// Whether the file had no rows.
    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }

    /// The unit and dates the file records (all `None` for a file without
    /// them).
    pub fn metadata(&self) -> &SummaryMetadata {
        &self.metadata
    }

    /// Which columns the file had.
    pub fn layout(&self) -> SummaryLayout {
        self.layout
    }
}

/// Columns a full summary needs, beyond the id (any order; others are
/// ignored). The first four may also go by the other names of
/// [`ALIASES`].
const REQUIRED: [&str; 10] = [
    "customer_id",
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "purchases",
    "transactions",
    "first_purchase",
    "last_purchase",
    "total_spend",
];

/// The other names of `frequency` (x), `recency` (t_x), `T` and
/// `monetary_value` (zbar) in lifetimes, BTYD and CLVTools summaries.
const ALIASES: [(&str, &[&str]); 4] = [
    ("frequency", &["frequency", "x"]),
    ("recency", &["recency", "t.x", "t_x"]),
    ("T", &["T", "T.cal", "T_cal"]),
    (
        "monetary_value",
        &["monetary_value", "m.x", "zbar", "spend", "Spending"],
    ),
];

/// Names taken for the customer id (compared without case), before
/// falling back to the first column.
const ID_NAMES: [&str; 8] = [
    "customer_id",
    "cust",
    "id",
    "customer",
    "customerid",
    "client_id",
    "user_id",
    "",
];

/// The metadata columns [`write_summary`](crate::csv::write_summary) adds.
pub(super) const UNIT_COLUMN: &str = "unit_days";
pub(super) const END_COLUMN: &str = "observation_end";
const HOLDOUT_END_COLUMN: &str = "holdout_end";

/// Where each column is in the header.
pub(super) struct Columns {
    /// id, frequency, t_x, T.
    pub(super) core: [usize; 4],
    zbar: Option<usize>,
    /// purchases, transactions, first_purchase, last_purchase, total_spend,
    /// when all five are there.
    full: Option<[usize; 5]>,
    mean: Option<usize>,
    categories: Option<usize>,
    holdout: Option<[usize; 3]>,
    pub(super) unit: Option<usize>,
    pub(super) end: Option<usize>,
    pub(super) holdout_end: Option<usize>,
}

impl Columns {
    pub(super) fn find(header: &[&str]) -> Result<Columns> {
        let find = |name: &str| header.iter().position(|h| h.trim() == name);
        let alias = |k: usize| ALIASES[k].1.iter().find_map(|name| find(name));
        let missing = |column: &str, names: &str| Error::Parse {
            line: 1,
            column: column.to_owned(),
            reason: format!("missing column ({names}); the header has {}", list(header)),
        };
        let frequency = alias(0).ok_or_else(|| {
            missing(
                "frequency",
                "x is `frequency` in lifetimes and this crate, `x` in BTYD and CLVTools",
            )
        })?;
        let t_x = alias(1).ok_or_else(|| {
            missing(
                "recency",
                "t_x is `recency` in lifetimes and this crate, `t.x` in BTYD and CLVTools",
            )
        })?;
        let age = alias(2).ok_or_else(|| {
            missing(
                "T",
                "T is `T` in lifetimes and this crate, `T.cal` in BTYD and CLVTools",
            )
        })?;
        let known = |h: &str| {
            let h = h.trim();
            REQUIRED.contains(&h)
                || ALIASES.iter().any(|(_, names)| names.contains(&h))
                || [UNIT_COLUMN, END_COLUMN, HOLDOUT_END_COLUMN].contains(&h)
        };
        let id = ID_NAMES
            .iter()
            .find_map(|name| {
                header
                    .iter()
                    .position(|h| h.trim().eq_ignore_ascii_case(name))
            })
            .or_else(|| header.first().filter(|h| !known(h)).map(|_| 0))
            .ok_or_else(|| {
                missing(
                    "customer_id",
                    "the customer id: `customer_id`, `cust`, `Id`, or a first column of another name",
                )
            })?;
        let full = match [
            find("purchases"),
            find("transactions"),
            find("first_purchase"),
            find("last_purchase"),
            find("total_spend"),
        ] {
            [Some(a), Some(b), Some(c), Some(d), Some(e)] => Some([a, b, c, d, e]),
            _ => None,
        };
        let zbar = alias(3);
        if full.is_some() && zbar.is_none() {
            return Err(missing(
                "monetary_value",
                "a summary with total_spend also needs the mean repeat spend",
            ));
        }
        let holdout = match (
            find("holdout_purchases"),
            find("holdout_transactions"),
            find("holdout_spend"),
        ) {
            (Some(p), Some(t), Some(s)) if full.is_some() => Some([p, t, s]),
            _ => None,
        };
        Ok(Columns {
            core: [id, frequency, t_x, age],
            zbar,
            full,
            mean: find("mean_spend").filter(|_| full.is_some()),
            categories: find("categories").filter(|_| full.is_some()),
            holdout,
            unit: find(UNIT_COLUMN),
            end: find(END_COLUMN),
            holdout_end: find(HOLDOUT_END_COLUMN),
        })
    }

    fn layout(&self) -> SummaryLayout {
        match self.full {
            Some(_) => SummaryLayout::Full,
            None => SummaryLayout::Btyd {
                spend: self.zbar.is_some(),
            },
        }
    }
}

/// The header's names for a message, quoted, at most 20 of them.
fn list(header: &[&str]) -> String {
    if header.is_empty() || header == [""] {
        return "no columns".into();
    }
    let mut names: Vec<String> = header
        .iter()
        .take(20)
        .map(|h| format!("{:?}", h.trim()))
        .collect();
    if header.len() > 20 {
        names.push(format!("... ({} in all)", header.len()));
    }
    names.join(", ")
}

/// Reads a summary from CSV (comma separated, with a header; columns in
/// any order, others ignored), in one of two layouts ([`SummaryLayout`]):
///
/// - the file [`write_summary`](crate::csv::write_summary) writes: the
///   columns `customer_id, frequency, recency, T, monetary_value,
///   purchases, transactions, first_purchase, last_purchase, total_spend`
///   are required; `mean_spend` and `categories` are read when present, and
///   the holdout columns when all three are. The repeat spend is recovered
///   as `monetary_value × frequency` rounded to the scale of
///   `total_spend`;
/// - a buy-till-you-die summary: x as `frequency` or `x`, t_x as `recency`,
///   `t.x` or `t_x`, T as `T`, `T.cal` or `T_cal`, and optionally zbar (the
///   mean repeat spend) as `monetary_value`, `m.x`, `zbar`, `spend` or
///   `Spending`: Python lifetimes' `summary_data_from_transaction_data`
///   and R BTYD's and CLVTools' names. x may be written as a whole float
///   (`2.0`, as pandas writes it).
///
/// `recency` is t_x here, as lifetimes names it, not RFM's T − t_x. The
/// customer id is the column named `customer_id`, `cust`, `id`, `customer`,
/// `customerid`, `client_id` or `user_id` (any case), else the first column
/// when its name is not one of the columns above (pandas writes its index
/// first). Ids are kept as numbers when every id is one; otherwise every id
/// is interned as a name ([`SummaryTable::customer_label`] gives it back).
///
/// The optional columns `unit_days`, `observation_end` and `holdout_end`
/// are read into [`SummaryTable::metadata`]; every row must hold the same
/// value.
///
/// Every row is checked the way deserialising a [`CustomerSummary`] is.
///
/// # Errors
/// - [`Error::Parse`] with the line and column of a missing column (the
///   message lists the columns the header has), a field that is not a
///   number or date, a row with the wrong number of fields, or a metadata
///   field that differs from the first row's;
/// - [`Error::InvalidValue`] for a row whose figures disagree (t_x > T,
///   `purchases` not `frequency + 1`, a `monetary_value` or `mean_spend`
///   that does not match the totals, and the other checks of
///   [`CustomerSummary`]'s deserialisation);
/// - [`Error::Io`] (action `"read"`, an empty path) when the reader fails.
///
/// # Example
/// ```
/// use customer_value::csv::{read_summary, write_summary, CsvOptions, SummaryLayout};
/// use customer_value::{Date, Summarizer, TimeUnit};
///
/// let log = CsvOptions::default().read("customer_id,date,amount\nann,2024-01-03,10.00\nann,2024-01-10,40.50\nbo,2024-01-05,5\n".as_bytes())?;
/// let summary = Summarizer::builder(Date::parse("2024-01-31")?).build()?.summarize(log.transactions())?;
/// let mut file = Vec::new();
/// write_summary(&mut file, &summary, &log)?;
///
/// let table = read_summary(file.as_slice())?;
/// assert_eq!(table.customers(), summary.customers());
/// assert_eq!(table.customer_label(table.customers()[0].customer()), "ann");
/// assert_eq!(table.metadata().unit, Some(TimeUnit::DAY));
/// assert_eq!(table.metadata().observation_end, Some(Date::parse("2024-01-31")?));
///
/// // A lifetimes summary (pandas' to_csv of summary_data_from_transaction_data).
/// let lifetimes = "customer_id,frequency,recency,T,monetary_value\nann,1.0,7.0,28.0,40.50\nbo,0.0,0.0,26.0,0.0\n";
/// let table = read_summary(lifetimes.as_bytes())?;
/// assert_eq!(table.layout(), SummaryLayout::Btyd { spend: true });
/// assert_eq!(table.customers()[0].zbar().to_string(), "40.50");
/// assert_eq!(table.metadata().unit, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_summary<R: Read>(mut input: R) -> Result<SummaryTable> {
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("read", "", e))?;
    read_summary_bytes(&bytes)
}

/// [`read_summary`] of text already in memory: the plain layout
/// [`write_summary`](crate::csv::write_summary) writes (UTF-8, no quotes,
/// `\n` or `\r\n` line ends, no blank lines) is split by hand; anything
/// else, and any file with an error in it, goes through the `csv` crate, so
/// results and error messages do not depend on the path taken.
pub(super) fn read_summary_bytes(bytes: &[u8]) -> Result<SummaryTable> {
    if let Some(table) = plain::read(bytes) {
        return Ok(table);
    }
    read_with_csv(bytes)
}

/// A time field as the plain reader parses it (the same `f64` as
/// `FromStr`), `None` when it is not a number.
pub(super) fn plain_float(text: &str) -> Option<f64> {
    plain::float(text)
}

/// A count field as the plain reader parses it, `None` when it is not a
/// whole number that fits.
pub(super) fn plain_u32(text: &str) -> Option<u32> {
    plain::int(text)
}

/// One metadata value per file: the first row's, which every other row
/// must repeat.
pub(super) struct Same<T> {
    column: &'static str,
    value: Option<(T, String)>,
}

impl<T: Copy> Same<T> {
    pub(super) fn new(column: &'static str) -> Self {
        Same {
            column,
            value: None,
        }
    }

    pub(super) fn take(
        &mut self,
        line: u64,
        text: &str,
        parse: impl FnOnce(&str) -> Result<T>,
    ) -> Result<()> {
        match &self.value {
            Some((_, first)) if first == text => Ok(()),
            Some((_, first)) => Err(Error::Parse {
                line,
                column: self.column.to_owned(),
                reason: format!(
                    "{text:?} differs from the first row's {first:?} (a summary has one {})",
                    self.column
                ),
            }),
            None => {
                self.value = Some((parse(text)?, text.to_owned()));
                Ok(())
            }
        }
    }

    pub(super) fn get(&self) -> Option<T> {
        self.value.as_ref().map(|v| v.0)
    }
}

pub(super) fn parse_unit(line: u64, text: &str) -> Result<TimeUnit> {
    let days: u32 = number(line, UNIT_COLUMN, text)?;
    TimeUnit::days(days).map_err(|e| Error::Parse {
        line,
        column: UNIT_COLUMN.to_owned(),
        reason: e.to_string(),
    })
}

/// The general reader (quoted fields, any line ends, either layout), and
/// the one that words every error.
fn read_with_csv(input: &[u8]) -> Result<SummaryTable> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(input);
    let header = reader.headers().map_err(|e| csv_error(e, 1))?.clone();
    let names: Vec<&str> = header.iter().collect();
    let cols = Columns::find(&names)?;
    let [id_at, _, t_x_at, age_at] = cols.core;

    let records = reader
        .records()
        .enumerate()
        .map(|(i, r)| r.map_err(|e| csv_error(e, i as u64 + 2)))
        .collect::<Result<Vec<_>>>()?;
    // Numbers unless an id is not one, or has a leading zero (then every
    // id is text, kept as written: `007` and `7` are two customers).
    let numeric = records.iter().all(|r| {
        r.get(id_at).is_some_and(|id| {
            let id = id.trim();
            id.parse::<u64>().is_ok() && !super::sink::leading_zero(id.as_bytes())
        })
    });

    // Metadata first: the dates of a BTYD layout are counted from it.
    let mut unit = Same::new(UNIT_COLUMN);
    let mut end = Same::new(END_COLUMN);
    let mut holdout_end = Same::new(HOLDOUT_END_COLUMN);
    for (i, record) in records.iter().enumerate() {
        let line = record.position().map_or(i as u64 + 2, |p| p.line());
        let field = |c: Option<usize>| c.and_then(|c| record.get(c)).map(str::trim);
        if let Some(text) = field(cols.unit) {
            unit.take(line, text, |t| parse_unit(line, t))?;
        }
        if let Some(text) = field(cols.end) {
            end.take(line, text, |t| date(line, END_COLUMN, t))?;
        }
        if let Some(text) = field(cols.holdout_end).filter(|t| !t.is_empty()) {
            holdout_end.take(line, text, |t| date(line, HOLDOUT_END_COLUMN, t))?;
        }
    }
    let metadata = SummaryMetadata {
        unit: unit.get(),
        observation_end: end.get(),
        holdout_end: holdout_end.get(),
    };

    let mut table = SummaryTable {
        metadata,
        layout: cols.layout(),
        ..SummaryTable::default()
    };
    table.customers.reserve(records.len());
    for (i, record) in records.iter().enumerate() {
        let line = record.position().map_or(i as u64 + 2, |p| p.line());
        let field = |column: usize| -> Result<&str> {
            record
                .get(column)
                .map(str::trim)
                .ok_or_else(|| Error::Parse {
                    line,
                    column: header.get(column).unwrap_or("").to_owned(),
                    reason: "missing field".into(),
                })
        };
        let name = |column: usize| header.get(column).unwrap_or("").trim();
        let id_text = field(id_at)?;
        let customer = if numeric {
            CustomerId::new(number(line, name(id_at), id_text)?)
        } else {
            CustomerId::new(u64::from(table.names.try_intern(id_text)?))
        };
        let t_x: f64 = number(line, name(t_x_at), field(t_x_at)?)?;
        let age: f64 = number(line, name(age_at), field(age_at)?)?;
        let parts = match cols.full {
            Some(full) => full_row(line, customer, t_x, age, &cols, full, &field)?,
            None => btyd_row(line, customer, t_x, age, &cols, &metadata, &field, name)?,
        };
        table.customers.push(CustomerSummary::from_parts(parts)?);
    }
    Ok(table)
}

/// The figures of a full row (this crate's layout).
fn full_row<'a>(
    line: u64,
    customer: CustomerId,
    t_x: f64,
    age: f64,
    cols: &Columns,
    full: [usize; 5],
    field: &impl Fn(usize) -> Result<&'a str>,
) -> Result<SummaryParts> {
    let frequency: u32 = number(line, "frequency", field(cols.core[1])?)?;
    let zbar_at = cols.zbar.unwrap_or(usize::MAX);
    let zbar: Decimal = number(line, "monetary_value", field(zbar_at)?)?;
    let purchases: u64 = number(line, "purchases", field(full[0])?)?;
    let transactions: u32 = number(line, "transactions", field(full[1])?)?;
    let first_purchase = date(line, "first_purchase", field(full[2])?)?;
    let last_purchase = date(line, "last_purchase", field(full[3])?)?;
    let total_spend: Decimal = number(line, "total_spend", field(full[4])?)?;
    if purchases != u64::from(frequency) + 1 {
        return Err(Error::Parse {
            line,
            column: "purchases".into(),
            reason: format!(
                "expected frequency + 1 = {}, got {purchases}",
                u64::from(frequency) + 1
            ),
        });
    }
    let repeat_spend =
        implied_repeat_spend(zbar, frequency, total_spend).ok_or(Error::Overflow {
            what: "repeat spend",
        })?;
    let mean_spend = match cols.mean {
        Some(c) => Some(number::<Decimal>(line, "mean_spend", field(c)?)?),
        None => None,
    };
    let categories = match cols.categories {
        Some(c) => number(line, "categories", field(c)?)?,
        None => 0,
    };
    let holdout = match cols.holdout {
        Some([p, t, s]) => Some(HoldoutActivity {
            purchases: number(line, "holdout_purchases", field(p)?)?,
            transactions: number(line, "holdout_transactions", field(t)?)?,
            spend: number(line, "holdout_spend", field(s)?)?,
        }),
        None => None,
    };
    Ok(SummaryParts {
        customer,
        frequency,
        transactions,
        first_purchase,
        last_purchase,
        t_x,
        age,
        recency: None,
        total_spend,
        repeat_spend,
        mean_spend,
        zbar: Some(zbar),
        categories,
        holdout,
    })
}

/// The figures of a buy-till-you-die row, the others filled as
/// [`SummaryLayout::Btyd`] says.
#[allow(clippy::too_many_arguments)]
fn btyd_row<'a>(
    line: u64,
    customer: CustomerId,
    t_x: f64,
    age: f64,
    cols: &Columns,
    metadata: &SummaryMetadata,
    field: &impl Fn(usize) -> Result<&'a str>,
    name: impl Fn(usize) -> &'a str,
) -> Result<SummaryParts> {
    let x_at = cols.core[1];
    let x_text = field(x_at)?;
    let frequency: u32 = match x_text.parse::<u32>() {
        Ok(x) => x,
        Err(_) => {
            let x: f64 = number(line, name(x_at), x_text)?;
            if !(x >= 0.0 && x.fract() == 0.0 && x <= f64::from(u32::MAX)) {
                return Err(Error::Parse {
                    line,
                    column: name(x_at).to_owned(),
                    reason: format!("not a whole number of repeat purchases: {x_text:?}"),
                });
            }
            x as u32
        }
    };
    let zbar: Decimal = match cols.zbar {
        Some(c) => {
            let text = field(c)?;
            crate::decimal_text::exact(text).map_err(|why| Error::Parse {
                line,
                column: name(c).to_owned(),
                reason: crate::decimal_text::refusal("not a valid number", text, why),
            })?
        }
        None => Decimal::ZERO,
    };
    let repeat_spend = zbar
        .checked_mul(Decimal::from(frequency))
        .ok_or(Error::Overflow {
            what: "repeat spend",
        })?;
    let days = |t: f64| -> Option<i32> {
        let d = (t * f64::from(metadata.unit?.days_per_period())).round();
        (d.abs() < 1e9).then_some(d as i32)
    };
    let placeholder = metadata.observation_end.unwrap_or(Date::UNIX_EPOCH);
    let (first_purchase, last_purchase) = match (metadata.observation_end, days(age), days(t_x)) {
        (Some(end), Some(a), Some(t)) => {
            let first = end.checked_add_days(-a).unwrap_or(placeholder);
            (first, first.checked_add_days(t).unwrap_or(first))
        }
        _ => (placeholder, placeholder),
    };
    Ok(SummaryParts {
        customer,
        frequency,
        transactions: frequency.saturating_add(1),
        first_purchase,
        last_purchase,
        t_x,
        age,
        recency: None,
        total_spend: repeat_spend,
        repeat_spend,
        mean_spend: None,
        zbar: None,
        categories: 0,
        holdout: None,
    })
}

/// [`read_summary`] of a file.
///
/// # Errors
/// - [`Error::Io`] (action `"open"` or `"read"`, the path, the system's
///   error as its source) when the file cannot be opened or read;
/// - as [`read_summary`] otherwise.
pub fn read_summary_path(path: impl AsRef<Path>) -> Result<SummaryTable> {
    let path = path.as_ref();
    let mut file = File::open(path).map_err(|e| Error::io("open", path, e))?;
    let mut bytes = Vec::with_capacity(
        file.metadata()
            .map_or(0, |m| usize::try_from(m.len()).unwrap_or(0))
            .saturating_add(1),
    );
    file.read_to_end(&mut bytes)
        .map_err(|e| Error::io("read", path, e))?;
    read_summary_bytes(&bytes)
}

pub(super) fn number<T: FromStr>(line: u64, column: &str, text: &str) -> Result<T> {
    text.parse().map_err(|_| Error::Parse {
        line,
        column: column.to_owned(),
        reason: format!("not a valid number: {text:?}"),
    })
}

pub(super) fn date(line: u64, column: &str, text: &str) -> Result<Date> {
    Date::parse(text).map_err(|e| Error::Parse {
        line,
        column: column.to_owned(),
        reason: e.to_string(),
    })
}

pub(super) fn csv_error(e: ::csv::Error, fallback_line: u64) -> Error {
    let line = e.position().map_or(fallback_line, |p| p.line());
    let reason = e.to_string();
    match e.into_kind() {
        ::csv::ErrorKind::Io(e) => Error::io("read", "", e),
        _ => Error::Parse {
            line,
            column: String::new(),
            reason,
        },
    }
}

/// The hand-split reader behind [`read_summary`]: fields are cut at commas
/// and parsed without building records, and the common number forms
/// (plain digits, `digits.digits` with at most 18 digits) skip the general
/// parsers, giving the same values. It returns `None` for any input it does
/// not take (quotes, a byte-order mark, lone carriage returns, blank lines,
/// invalid UTF-8) and for any error, so that the general reader decides and
/// words it.
mod plain {
    use super::{
        CustomerId, CustomerSummary, Date, Decimal, END_COLUMN, FromStr, HOLDOUT_END_COLUMN,
        HoldoutActivity, REQUIRED, SummaryLayout, SummaryMetadata, SummaryParts, SummaryTable,
        TimeUnit, UNIT_COLUMN, implied_repeat_spend,
    };

    enum Outcome {
        Done(SummaryTable),
        /// An id that is not a number: read again interning names.
        Names,
        /// Not plain, or an error somewhere: the general reader takes it.
        Fallback,
    }

    pub(super) fn read(bytes: &[u8]) -> Option<SummaryTable> {
        if bytes.is_empty() || bytes.contains(&b'"') || bytes.starts_with(b"\xEF\xBB\xBF") {
            return None;
        }
        if bytes.contains(&b'\r')
            && bytes
                .iter()
                .enumerate()
                .any(|(i, &c)| c == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
        {
            return None;
        }
        let text = std::str::from_utf8(bytes).ok()?;
        let outcome = match rows(text, true) {
            Outcome::Names => rows(text, false),
            other => other,
        };
        match outcome {
            Outcome::Done(table) => Some(table),
            Outcome::Names | Outcome::Fallback => None,
        }
    }

    fn rows(text: &str, numeric: bool) -> Outcome {
        match rows_inner(text, numeric) {
            Some(Ok(table)) => Outcome::Done(table),
            Some(Err(Names)) => Outcome::Names,
            None => Outcome::Fallback,
        }
    }

    struct Names;

    fn rows_inner(text: &str, numeric: bool) -> Option<Result<SummaryTable, Names>> {
        let mut lines = text.split('\n');
        let header: Vec<&str> = strip_cr(lines.next()?).split(',').collect();
        let width = header.len();
        let find = |name: &str| header.iter().position(|h| h.trim() == name);
        let mut at = [0usize; REQUIRED.len()];
        for (slot, name) in at.iter_mut().zip(REQUIRED) {
            *slot = find(name)?;
        }
        let mean_at = find("mean_spend");
        let categories_at = find("categories");
        let holdout_at = match (
            find("holdout_purchases"),
            find("holdout_transactions"),
            find("holdout_spend"),
        ) {
            (Some(p), Some(t), Some(s)) => Some([p, t, s]),
            _ => None,
        };
        // Metadata: the first row's text, which every row must repeat
        // (byte for byte here; the general reader words any difference).
        let meta_at = [
            find(UNIT_COLUMN),
            find(END_COLUMN),
            find(HOLDOUT_END_COLUMN),
        ];
        let mut meta_text: [Option<&str>; 3] = [None; 3];
        let mut table = SummaryTable::default();
        table.customers.reserve(text.len() / 64);
        let mut bounds: Vec<(usize, usize)> = Vec::with_capacity(width);
        let mut lines = lines.peekable();
        while let Some(line) = lines.next() {
            let line = strip_cr(line);
            if line.is_empty() {
                if lines.peek().is_none() {
                    break; // the final line end
                }
                return None; // blank line: the csv crate's rules apply
            }
            bounds.clear();
            let mut start = 0;
            for (i, &c) in line.as_bytes().iter().enumerate() {
                if c == b',' {
                    bounds.push((start, i));
                    start = i + 1;
                }
            }
            bounds.push((start, line.len()));
            if bounds.len() != width {
                return None;
            }
            // Fields start and end at commas or line ends, which are ASCII,
            // so every range is on a character boundary.
            let f = |k: usize| trim(&line[bounds[k].0..bounds[k].1]);
            for (k, (slot, at)) in meta_text.iter_mut().zip(meta_at).enumerate() {
                let Some(text) = at.map(f) else { continue };
                if k == 2 && text.is_empty() {
                    continue;
                }
                match slot {
                    Some(first) if *first == text => {}
                    Some(_) => return None,
                    None => *slot = Some(text),
                }
            }
            let customer = if numeric {
                let id = f(at[0]);
                match int::<u64>(id).filter(|_| !super::super::sink::leading_zero(id.as_bytes())) {
                    Some(id) => CustomerId::new(id),
                    None => return Some(Err(Names)),
                }
            } else {
                CustomerId::new(u64::from(table.names.try_intern(f(at[0])).ok()?))
            };
            let frequency: u32 = int(f(at[1]))?;
            let t_x = float(f(at[2]))?;
            let age = float(f(at[3]))?;
            let zbar = decimal(f(at[4]))?;
            let purchases: u64 = int(f(at[5]))?;
            let transactions: u32 = int(f(at[6]))?;
            let first_purchase = Date::parse(f(at[7])).ok()?;
            let last_purchase = Date::parse(f(at[8])).ok()?;
            let total_spend = decimal(f(at[9]))?;
            if purchases != u64::from(frequency) + 1 {
                return None;
            }
            let repeat_spend = implied_repeat_spend(zbar, frequency, total_spend)?;
            let mean_spend = match mean_at {
                Some(c) => Some(decimal(f(c))?),
                None => None,
            };
            let categories = match categories_at {
                Some(c) => int(f(c))?,
                None => 0,
            };
            let holdout = match holdout_at {
                Some([p, t, s]) => Some(HoldoutActivity {
                    purchases: int(f(p))?,
                    transactions: int(f(t))?,
                    spend: decimal(f(s))?,
                }),
                None => None,
            };
            // Skip the checks by division that hold exactly: a short zbar
            // times x needs no rounding at total_spend's scale, so
            // repeat_spend / x is zbar; a short mean times the purchases
            // that gives total_spend exactly is total_spend / purchases.
            let zbar_check = if frequency == 0 {
                (!zbar.is_zero()).then_some(zbar)
            } else {
                (!(short(zbar) && zbar.scale() <= total_spend.scale())).then_some(zbar)
            };
            let mean_check = mean_spend.filter(|&m| !exact_mean(m, purchases, total_spend));
            table.customers.push(
                CustomerSummary::from_parts(SummaryParts {
                    customer,
                    frequency,
                    transactions,
                    first_purchase,
                    last_purchase,
                    t_x,
                    age,
                    recency: None,
                    total_spend,
                    repeat_spend,
                    mean_spend: mean_check,
                    zbar: zbar_check,
                    categories,
                    holdout,
                })
                .ok()?,
            );
        }
        let [unit, end, holdout_end] = meta_text;
        table.metadata = SummaryMetadata {
            unit: match unit {
                Some(text) => Some(TimeUnit::days(int(text)?).ok()?),
                None => None,
            },
            observation_end: match end {
                Some(text) => Some(Date::parse(text).ok()?),
                None => None,
            },
            holdout_end: match holdout_end {
                Some(text) => Some(Date::parse(text).ok()?),
                None => None,
            },
        };
        table.layout = SummaryLayout::Full;
        Some(Ok(table))
    }

    /// `str::trim`, with a shortcut for fields without surrounding
    /// whitespace.
    fn trim(field: &str) -> &str {
        match field.as_bytes() {
            [first, .., last] if first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric() => {
                field
            }
            [only] if only.is_ascii_alphanumeric() => field,
            _ => field.trim(),
        }
    }

    fn strip_cr(line: &str) -> &str {
        line.strip_suffix('\r').unwrap_or(line)
    }

    /// Plain decimal digits, at most 18 of them, as a number.
    fn digits(text: &[u8]) -> Option<u64> {
        if text.is_empty() || text.len() > 18 {
            return None;
        }
        let mut v = 0u64;
        for &c in text {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            v = v * 10 + u64::from(d);
        }
        Some(v)
    }

    /// An integer as `FromStr` reads it, plain digits without it.
    pub(super) fn int<T: FromStr + TryFrom<u64>>(text: &str) -> Option<T> {
        match digits(text.as_bytes()) {
            Some(v) => T::try_from(v).ok(),
            None => text.parse().ok(),
        }
    }

    /// A float as `FromStr` reads it; plain digits below 10^15 are exact
    /// integers either way.
    pub(super) fn float(text: &str) -> Option<f64> {
        match digits(text.as_bytes()) {
            Some(v) if v < 1_000_000_000_000_000 => Some(v as f64),
            _ => text.parse().ok(),
        }
    }

    /// A [`Decimal`] as `FromStr` reads it (same mantissa and scale):
    /// `digits` or `digits.digits` whose digits make a mantissa below
    /// 2^96 with at most 28 decimals are taken directly (nothing to round);
    /// anything else goes to `FromStr`.
    fn decimal(text: &str) -> Option<Decimal> {
        let b = text.as_bytes();
        let fast = match b.iter().position(|&c| c == b'.') {
            None => long_digits(b).map(|m| (m, 0)),
            Some(dot) if dot > 0 && dot + 1 < b.len() && b.len() - dot - 1 <= 28 => {
                let (int_part, frac) = (&b[..dot], &b[dot + 1..]);
                match (long_digits(int_part), long_digits(frac)) {
                    (Some(i), Some(f)) => 10u128
                        .checked_pow(frac.len() as u32)
                        .and_then(|p| i.checked_mul(p))
                        .and_then(|m| m.checked_add(f))
                        .map(|m| (m, frac.len() as u32)),
                    _ => None,
                }
            }
            Some(_) => None,
        };
        match fast {
            Some((m, scale)) if m < 1u128 << 96 => {
                Some(Decimal::from_i128_with_scale(m as i128, scale))
            }
            _ => text.parse().ok(),
        }
    }

    /// Plain decimal digits, at most 29 of them, as a number (two 64-bit
    /// halves joined by one 128-bit product).
    fn long_digits(text: &[u8]) -> Option<u128> {
        if text.len() <= 18 {
            return digits(text).map(u128::from);
        }
        if text.len() > 29 {
            return None;
        }
        let (hi, lo) = text.split_at(text.len() - 18);
        Some(u128::from(digits(hi)?) * 1_000_000_000_000_000_000 + u128::from(digits(lo)?))
    }

    #[cfg(test)]
    pub(super) fn decimal_for_test(text: &str) -> Option<Decimal> {
        decimal(text)
    }

    #[cfg(test)]
    pub(super) fn float_for_test(text: &str) -> Option<f64> {
        float(text)
    }

    #[cfg(test)]
    pub(super) fn int_for_test<T: FromStr + TryFrom<u64>>(text: &str) -> Option<T> {
        int(text)
    }

    /// Whether `d` has at most 18 significant digits, so that products by
    /// a `u32` stay exact.
    fn short(d: Decimal) -> bool {
        d.mantissa().unsigned_abs() < 1_000_000_000_000_000_000
    }

    /// Whether `mean × purchases = total` exactly (then `total / purchases`
    /// is `mean`).
    fn exact_mean(mean: Decimal, purchases: u64, total: Decimal) -> bool {
        if !(short(mean) && short(total)) || mean.is_sign_negative() != total.is_sign_negative() {
            return false;
        }
        let (ms, ts) = (mean.scale(), total.scale());
        // mean_m · n · 10^ts = total_m · 10^ms, in i128 when it fits.
        let scale = |m: i128, s: u32| 10i128.checked_pow(s).and_then(|p| m.checked_mul(p));
        let lhs = mean
            .mantissa()
            .checked_mul(i128::from(purchases))
            .and_then(|m| scale(m, ts));
        let rhs = scale(total.mantissa(), ms);
        matches!((lhs, rhs), (Some(l), Some(r)) if l == r)
    }
}

/// The repeat spend a summary row implies: `zbar · x` at `total_spend`'s
/// scale (`None` on overflow). A `zbar` written rounded (to cents, as the
/// summary command writes it by default) can make that product exceed the
/// total by up to `x` half-units of zbar's last decimal, for example when
/// the first purchase was free; within that slack the repeat spend is the
/// whole total, so that every summary this crate writes reads back.
fn implied_repeat_spend(zbar: Decimal, frequency: u32, total_spend: Decimal) -> Option<Decimal> {
    let x = Decimal::from(frequency);
    let repeat = zbar.checked_mul(x)?.round_dp(total_spend.scale());
    if repeat > total_spend && zbar.scale() < 28 {
        let slack = Decimal::new(5, zbar.scale() + 1).checked_mul(x)?;
        if repeat - total_spend <= slack {
            return Some(total_spend);
        }
    }
    Some(repeat)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand parsers give the same numbers, mantissas and scales as
    /// `FromStr`, and refuse what it refuses.
    #[test]
    fn plain_parsers_agree_with_from_str() {
        for text in [
            "0",
            "7",
            "007",
            "40.50",
            "34.43375",
            "0.0000000000000000000000000001",
            "34.805555555555555555555555556",
            "79228162514264337593543950335",
            "79228162514264337593543950336",
            "7.9228162514264337593543950336",
            "123456789012345678",
            "1234567890123456789",
            "12345678901234567890123456789",
            "1.23456789012345678901234567891",
            "-3.5",
            "+4",
            "1_000",
            "1.",
            ".5",
            "1e3",
            "",
            "x",
        ] {
            let ours = plain::decimal_for_test(text);
            let theirs = text.parse::<Decimal>().ok();
            assert_eq!(
                ours.map(|d| d.serialize()),
                theirs.map(|d| d.serialize()),
                "{text:?}"
            );
            assert_eq!(
                plain::float_for_test(text).map(f64::to_bits),
                text.parse::<f64>().ok().map(f64::to_bits),
                "{text:?}"
            );
            assert_eq!(
                plain::int_for_test::<u32>(text),
                text.parse::<u32>().ok(),
                "{text:?}"
            );
            assert_eq!(
                plain::int_for_test::<u64>(text),
                text.parse::<u64>().ok(),
                "{text:?}"
            );
        }
        assert_eq!(plain::int_for_test::<u32>("4294967296"), None);
        assert_eq!(plain::float_for_test("999999999999999999"), Some(1e18));
    }

    const HEADER: &str = "customer_id,frequency,recency,T,monetary_value,purchases,transactions,first_purchase,last_purchase,total_spend,mean_spend,categories\n";

    /// Inputs the hand splitter leaves to the `csv` crate, and inputs with
    /// errors, read the same as through the `csv` crate alone.
    #[test]
    fn both_paths_agree() {
        let rows = [
            "1,2,10,20,3.335,3,3,2024-01-01,2024-01-11,16.67,5.5566666666666666666666666667,0\n",
            "2,0,0,5,0,1,1,2024-01-16,2024-01-16,4,4,1\n",
            "3,1,3,9,40.50,2,4,2024-01-12,2024-01-15,50.50,25.25,2\n",
        ];
        let body: String = rows.concat();
        let plain_text = format!("{HEADER}{body}");
        let table = read_summary(plain_text.as_bytes()).unwrap();
        assert!(plain::read(plain_text.as_bytes()).is_some());
        assert_eq!(table.len(), 3);
        for text in [
            plain_text.clone(),
            plain_text.replace('\n', "\r\n"),
            format!("\u{feff}{plain_text}"),
            plain_text.replace("1,2,10", "\"1\",2,10"),
            plain_text.replace("2,0,0,5", "ann,0,0,5"),
            plain_text.replace(",20,", ", 20 ,"),
            plain_text.trim_end().to_owned(),
            HEADER.to_owned(),
            HEADER.replace("customer_id,", " customer_id ,"),
            format!("{HEADER}{}", rows[0].replace(",0\n", ",0")),
            // Errors: a field count, a zbar off the totals, a mean off the
            // totals, a blank line, a bad date, a lone carriage return.
            plain_text.replace(",0\n2,", ",0,9\n2,"),
            plain_text.replace("3.335", "3.336"),
            plain_text.replace("25.25,2", "25.26,2"),
            plain_text.replace("\n2,", "\n\n2,"),
            plain_text.replace("2024-01-16,2024-01-16", "2024-01-16,2024-13-16"),
            plain_text.replace("\n2,", "\r2,"),
            String::new(),
        ] {
            let fast = read_summary(text.as_bytes());
            let general = read_with_csv(text.as_bytes());
            match (fast, general) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a.customers(), b.customers(), "{text:?}");
                    let labels = |t: &SummaryTable| -> Vec<String> {
                        t.customers()
                            .iter()
                            .map(|c| t.customer_label(c.customer()).into_owned())
                            .collect()
                    };
                    assert_eq!(labels(&a), labels(&b), "{text:?}");
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{text:?}"),
                (a, b) => panic!("{text:?}: {a:?} vs {b:?}"),
            }
        }
    }

    /// A rounded zbar times x may exceed the total when the first purchase
    /// was free (0.00 + 12.50 + 99.99 + 5 + 0.00 + 99.99 + 12.50 + 5: the
    /// repeat mean 33.5686 is written 33.57, and 7 x 33.57 = 234.99 >
    /// 234.98); such a row, as the summary command writes it, reads back on
    /// both paths with the whole total as repeat spend. Beyond the rounding
    /// slack it stays an error.
    #[test]
    fn a_rounded_zbar_over_a_free_first_purchase_reads_back() {
        let row = "C0074,7,282,324,33.57,8,8,2024-02-11,2024-11-19,234.98,29.37,0\n";
        let text = format!("{HEADER}{row}");
        for table in [
            read_summary(text.as_bytes()),
            read_with_csv(text.as_bytes()),
        ] {
            let table = table.unwrap();
            let c = &table.customers()[0];
            assert_eq!(c.repeat_spend(), Decimal::new(23498, 2));
            assert_eq!(c.total_spend(), Decimal::new(23498, 2));
        }
        assert_eq!(
            implied_repeat_spend(Decimal::new(3357, 2), 7, Decimal::new(23498, 2)),
            Some(Decimal::new(23498, 2))
        );
        // 7 x 33.57 - 234.94 = 0.05 > 7 x 0.005: not a rounding of zbar.
        let off = text.replace("234.98", "234.94");
        assert!(read_summary(off.as_bytes()).is_err());
        assert!(read_with_csv(off.as_bytes()).is_err());
    }
}
