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
pub fn read_summary<R: Read>(mut input: R) -> Result<SummaryTable> {
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes).map_err(|e| Error::Parse {
        line: 1,
        column: String::new(),
        reason: e.to_string(),
    })?;
    read_summary_bytes(&bytes)
}

/// [`read_summary`] of text already in memory: the plain layout
/// [`write_summary`](crate::csv::write_summary) writes (UTF-8, no quotes,
/// `\n` or `\r\n` line ends, no blank lines) is split by hand; anything
/// else, and any file with an error in it, goes through the `csv` crate, so
/// results and error messages do not depend on the path taken.
fn read_summary_bytes(bytes: &[u8]) -> Result<SummaryTable> {
    if let Some(table) = plain::read(bytes) {
        return Ok(table);
    }
    read_with_csv(bytes)
}

/// The general reader (quoted fields, any line ends), and the one that
/// words every error.
fn read_with_csv(input: &[u8]) -> Result<SummaryTable> {
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

/// The hand-split reader behind [`read_summary`]: fields are cut at commas
/// and parsed without building records, and the common number forms
/// (plain digits, `digits.digits` with at most 18 digits) skip the general
/// parsers, giving the same values. It returns `None` for any input it does
/// not take (quotes, a byte-order mark, lone carriage returns, blank lines,
/// invalid UTF-8) and for any error, so that the general reader decides and
/// words it.
mod plain {
    use super::{
        CustomerId, CustomerSummary, Date, Decimal, FromStr, HoldoutActivity, REQUIRED,
        SummaryParts, SummaryTable,
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
            let customer = if numeric {
                match int::<u64>(f(at[0])) {
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
            let repeat_spend = zbar
                .checked_mul(Decimal::from(frequency))?
                .round_dp(total_spend.scale());
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
    fn int<T: FromStr + TryFrom<u64>>(text: &str) -> Option<T> {
        match digits(text.as_bytes()) {
            Some(v) => T::try_from(v).ok(),
            None => text.parse().ok(),
        }
    }

    /// A float as `FromStr` reads it; plain digits below 10^15 are exact
    /// integers either way.
    fn float(text: &str) -> Option<f64> {
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
}
