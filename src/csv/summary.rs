//! Reading a summary back from the CSV that [`write_summary`] writes, so
//! scorers can run on a summary made earlier (or on another machine).
//!
//! [`write_summary`]: crate::csv::write_summary

use std::borrow::Cow;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::model::{CustomerId, Date, Interner};
use crate::summary::{CustomerSummary, HoldoutActivity, SummaryParts};

/// Summary rows read from CSV, with the customer names when the file's ids
/// are not all numbers.
#[derive(Debug, Clone, Default)]
pub struct SummaryTable {
    customers: Vec<CustomerSummary>,
    names: Interner,
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
}

/// Columns [`read_summary`] needs (any order; others are ignored).
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

/// Reads a summary written by [`write_summary`](crate::csv::write_summary)
/// (comma separated, with its header): the columns `customer_id, frequency,
/// recency, T, monetary_value, purchases, transactions, first_purchase,
/// last_purchase, total_spend` are required, in any order; `mean_spend` and
/// `categories` are read when present, and the holdout columns when all
/// three are. `recency` is t_x, as Python lifetimes names it.
///
/// Customer ids are kept as numbers when every id is one; otherwise every
/// id is interned as a name ([`SummaryTable::customer_label`] gives it back).
/// The repeat spend is recovered as `monetary_value × frequency` rounded to
/// the scale of `total_spend`, then every row is checked the way
/// deserialising a [`CustomerSummary`] is.
///
/// # Errors
/// - [`Error::Parse`] with the line and column of a missing column, a field
///   that is not a number or date, or a row with the wrong number of fields;
/// - [`Error::InvalidValue`] for a row whose figures disagree (t_x > T,
///   `purchases` not `frequency + 1`, a `monetary_value` or `mean_spend`
///   that does not match the totals, and the other checks of
///   [`CustomerSummary`]'s deserialisation).
///
/// # Example
/// ```
/// use customer_value::csv::{read_summary, write_summary, CsvOptions};
/// use customer_value::{Date, Summarizer};
///
/// let log = CsvOptions::default().read("customer_id,date,amount\nann,2024-01-03,10.00\nann,2024-01-10,40.50\nbo,2024-01-05,5\n".as_bytes())?;
/// let summary = Summarizer::builder(Date::parse("2024-01-31")?).build()?.summarize(log.transactions())?;
/// let mut file = Vec::new();
/// write_summary(&mut file, &summary, &log)?;
///
/// let table = read_summary(file.as_slice())?;
/// assert_eq!(table.customers(), summary.customers());
/// assert_eq!(table.customer_label(table.customers()[0].customer()), "ann");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_summary<R: Read>(input: R) -> Result<SummaryTable> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(input);
    let header = reader.headers().map_err(|e| csv_error(&e, 1))?.clone();
    let find = |name: &str| header.iter().position(|h| h.trim() == name);
    let mut at = [0usize; REQUIRED.len()];
    for (slot, name) in at.iter_mut().zip(REQUIRED) {
        *slot = find(name).ok_or_else(|| Error::Parse {
            line: 1,
            column: name.to_owned(),
            reason: "missing column (expected the header write_summary writes)".into(),
        })?;
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

    let records = reader
        .records()
        .enumerate()
        .map(|(i, r)| r.map_err(|e| csv_error(&e, i as u64 + 2)))
        .collect::<Result<Vec<_>>>()?;
    let numeric = records.iter().all(|r| {
        r.get(at[0])
            .is_some_and(|id| id.trim().parse::<u64>().is_ok())
    });

    let mut table = SummaryTable::default();
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
        let parse = |k: usize| -> Result<(&str, &str)> { Ok((REQUIRED[k], field(at[k])?)) };
        let id_text = field(at[0])?;
        let customer = if numeric {
            CustomerId::new(number(line, "customer_id", id_text)?)
        } else {
            CustomerId::new(u64::from(table.names.try_intern(id_text)?))
        };
        let (_, x) = parse(1)?;
        let frequency: u32 = number(line, "frequency", x)?;
        let t_x: f64 = number(line, "recency", parse(2)?.1)?;
        let age: f64 = number(line, "T", parse(3)?.1)?;
        let zbar: Decimal = number(line, "monetary_value", parse(4)?.1)?;
        let purchases: u64 = number(line, "purchases", parse(5)?.1)?;
        let transactions: u32 = number(line, "transactions", parse(6)?.1)?;
        let first_purchase = date(line, "first_purchase", parse(7)?.1)?;
        let last_purchase = date(line, "last_purchase", parse(8)?.1)?;
        let total_spend: Decimal = number(line, "total_spend", parse(9)?.1)?;
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
        let repeat_spend = zbar
            .checked_mul(Decimal::from(frequency))
            .ok_or(Error::Overflow {
                what: "repeat spend",
            })?
            .round_dp(total_spend.scale());
        let mean_spend = match mean_at {
            Some(c) => Some(number::<Decimal>(line, "mean_spend", field(c)?)?),
            None => None,
        };
        let categories = match categories_at {
            Some(c) => number(line, "categories", field(c)?)?,
            None => 0,
        };
        let holdout = match holdout_at {
            Some([p, t, s]) => Some(HoldoutActivity {
                purchases: number(line, "holdout_purchases", field(p)?)?,
                transactions: number(line, "holdout_transactions", field(t)?)?,
                spend: number(line, "holdout_spend", field(s)?)?,
            }),
            None => None,
        };
        table
            .customers
            .push(CustomerSummary::from_parts(SummaryParts {
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
            })?);
    }
    Ok(table)
}

/// [`read_summary`] of a file.
///
/// # Errors
/// - [`Error::Io`] (action `"open"`, the path, the system's error as its
///   source) when the file cannot be opened;
/// - as [`read_summary`] otherwise.
pub fn read_summary_path(path: impl AsRef<Path>) -> Result<SummaryTable> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| Error::io("open", path, e))?;
    read_summary(std::io::BufReader::new(file))
}

fn number<T: FromStr>(line: u64, column: &str, text: &str) -> Result<T> {
    text.parse().map_err(|_| Error::Parse {
        line,
        column: column.to_owned(),
        reason: format!("not a valid number: {text:?}"),
    })
}

fn date(line: u64, column: &str, text: &str) -> Result<Date> {
    Date::parse(text).map_err(|e| Error::Parse {
        line,
        column: column.to_owned(),
        reason: e.to_string(),
    })
}

fn csv_error(e: &::csv::Error, fallback_line: u64) -> Error {
    Error::Parse {
        line: e.position().map_or(fallback_line, |p| p.line()),
        column: String::new(),
        reason: e.to_string(),
    }
}
