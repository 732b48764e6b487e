//! Weighted distinct rows as CSV: the sufficient statistics of a fit
//! ([`DistinctRows`], [`DistinctSpend`]) in a file any engine can write
//! with a `GROUP BY` and a count.
//!
//! Purchase rows: `frequency,recency,T,count`, with the R names `x`,
//! `t.x`/`t_x`, `T.cal` also read, and `n`, `weight` or `customers` for the
//! count. Spend rows: `frequency,monetary_value,count` (also `x`, `m.x`,
//! `zbar`). Both may end with the summary files' `unit_days` and
//! `observation_end` columns ([`SummaryMetadata`]), which are written when
//! known and checked to be the same on every row when read.
//!
//! Times are written in Rust's shortest round-trip form and money as exact
//! decimals, so a file read back gives the same rows to the last bit and a
//! fit from it equals the fit from the customers.

use std::io::{Read, Write};
use std::path::Path;

use rust_decimal::Decimal;

use super::summary::{
    END_COLUMN, Same, SummaryMetadata, UNIT_COLUMN, csv_error, date, number, parse_unit,
};
use crate::btyd::{DistinctRows, DistinctSpend};
use crate::error::{Error, Result};

/// The columns [`write_distinct_rows`] writes before the metadata.
pub const DISTINCT_ROW_COLUMNS: [&str; 4] = ["frequency", "recency", "T", "count"];
/// The columns [`write_distinct_spend`] writes before the metadata.
pub const DISTINCT_SPEND_COLUMNS: [&str; 3] = ["frequency", "monetary_value", "count"];

const X_NAMES: &[&str] = &["frequency", "x"];
const T_X_NAMES: &[&str] = &["recency", "t_x", "t.x"];
const AGE_NAMES: &[&str] = &["T", "T.cal", "age"];
const ZBAR_NAMES: &[&str] = &["monetary_value", "m.x", "zbar"];
const COUNT_NAMES: &[&str] = &["count", "n", "weight", "customers"];

/// Distinct rows read from CSV, with what the file said of their unit.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DistinctRowsTable {
    /// The counted rows.
    pub rows: DistinctRows,
    /// The file's `unit_days` and `observation_end`, when it had them.
    pub metadata: SummaryMetadata,
}

/// Distinct spend rows read from CSV, with what the file said of them.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DistinctSpendTable {
    /// The counted rows (repeat buyers only; `x = 0` rows are skipped).
    pub rows: DistinctSpend,
    /// The file's `unit_days` and `observation_end`, when it had them.
    pub metadata: SummaryMetadata,
}

/// Writes purchase rows as `frequency,recency,T,count`, sorted by `x`,
/// `t_x`, `T`, followed by `unit_days,observation_end` when `metadata`
/// has a unit.
///
/// # Errors
///
/// [`Error::Io`] when writing fails.
pub fn write_distinct_rows<W: Write>(
    out: W,
    rows: &DistinctRows,
    metadata: &SummaryMetadata,
) -> Result<()> {
    let lines = rows
        .rows()
        .into_iter()
        .map(|r| format!("{},{},{},{}", r.x(), r.t_x(), r.age(), r.count()));
    write_table(out, &DISTINCT_ROW_COLUMNS, lines, metadata)
}

/// Writes spend rows as `frequency,monetary_value,count`, sorted by `x`
/// then `z̄`, followed by `unit_days,observation_end` when `metadata` has a
/// unit.
///
/// # Errors
///
/// [`Error::Io`] when writing fails.
pub fn write_distinct_spend<W: Write>(
    out: W,
    rows: &DistinctSpend,
    metadata: &SummaryMetadata,
) -> Result<()> {
    let lines = rows
        .rows()
        .into_iter()
        .map(|r| format!("{},{},{}", r.x(), r.zbar(), r.count()));
    write_table(out, &DISTINCT_SPEND_COLUMNS, lines, metadata)
}

fn write_table<W: Write>(
    out: W,
    columns: &[&str],
    lines: impl Iterator<Item = String>,
    metadata: &SummaryMetadata,
) -> Result<()> {
    let mut out = std::io::BufWriter::new(out);
    let io = |e| Error::io("write", "", e);
    let tail = match metadata.unit {
        Some(unit) => {
            let end = metadata
                .observation_end
                .map_or(String::new(), |d| d.to_string());
            format!(",{},{end}", unit.days_per_period())
        }
        None => String::new(),
    };
    let mut header = columns.join(",");
    if !tail.is_empty() {
        header.push_str(&format!(",{UNIT_COLUMN},{END_COLUMN}"));
    }
    writeln!(out, "{header}").map_err(io)?;
    for line in lines {
        writeln!(out, "{line}{tail}").map_err(io)?;
    }
    out.flush().map_err(io)
}

/// Reads purchase rows written by [`write_distinct_rows`] or by any engine
/// (see [`csv`](crate::csv) for the column names).
///
/// # Example
/// ```
/// use customer_value::btyd::{BgNbd, DistinctRows};
/// use customer_value::csv::{read_distinct_rows, write_distinct_rows, SummaryMetadata};
///
/// // Rows as `SELECT x, t_x, T, count(*) ... GROUP BY x, t_x, T` gives them.
/// let file = "x,t_x,T,count\n0,0,38,140\n1,10,38,25\n1,30,38,20\n2,20,37,10\n\
///             2,35,37,12\n3,30,36,6\n5,35,38,5\n7,36,38,4\n1,2,36,8\n2,6,38,5\n4,12,37,3\n";
/// let table = read_distinct_rows(file.as_bytes())?;
/// assert_eq!((table.rows.len(), table.rows.customers()), (11, 238));
///
/// let (histories, weights) = table.rows.weighted()?;
/// let fit = BgNbd::new().fit_weighted(&histories, &weights)?;
/// assert!((fit.params().r() - 0.441).abs() < 1e-3);
///
/// let mut out = Vec::new();
/// write_distinct_rows(&mut out, &table.rows, &SummaryMetadata::default())?;
/// assert!(String::from_utf8(out)?.starts_with("frequency,recency,T,count\n0,0,38,140\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// - [`Error::Parse`] with the line and column for a missing column, a
///   field that is not a number, a count that is not a whole number
///   `≥ 0`, or metadata that changes between rows.
/// - [`Error::InvalidValue`] for a row that is not a valid history
///   (`t_x > T`, `x = 0` with `t_x > 0`, ...), naming its line.
/// - [`Error::Io`] when reading fails.
pub fn read_distinct_rows<R: Read>(input: R) -> Result<DistinctRowsTable> {
    let mut rows = DistinctRows::new();
    let metadata = read_table(input, &[X_NAMES, T_X_NAMES, AGE_NAMES], |line, f| {
        let x: u32 = number(line, f.names[0], f.values[0])?;
        let t_x: f64 = number(line, f.names[1], f.values[1])?;
        let age: f64 = number(line, f.names[2], f.values[2])?;
        rows.add_count(x, t_x, age, f.count)
            .map_err(|e| at_line(line, e))
    })?;
    Ok(DistinctRowsTable { rows, metadata })
}

/// Reads spend rows written by [`write_distinct_spend`] or by any engine.
///
/// # Errors
///
/// As [`read_distinct_rows`]; a repeat buyer with `z̄ ≤ 0` is an
/// [`Error::InvalidValue`] naming its line.
pub fn read_distinct_spend<R: Read>(input: R) -> Result<DistinctSpendTable> {
    let mut rows = DistinctSpend::new();
    let metadata = read_table(input, &[X_NAMES, ZBAR_NAMES], |line, f| {
        let x: u32 = number(line, f.names[0], f.values[0])?;
        let zbar = Decimal::from_str_exact(f.values[1])
            .or_else(|_| Decimal::from_scientific(f.values[1]))
            .map_err(|_| Error::Parse {
                line,
                column: f.names[1].to_owned(),
                reason: format!("not a valid amount: {:?}", f.values[1]),
            })?;
        rows.add_count(x, zbar, f.count)
            .map_err(|e| at_line(line, e))
    })?;
    Ok(DistinctSpendTable { rows, metadata })
}

/// [`read_distinct_rows`] of a file.
///
/// # Errors
///
/// As [`read_distinct_rows`], and [`Error::Io`] naming the path.
pub fn read_distinct_rows_path(path: impl AsRef<Path>) -> Result<DistinctRowsTable> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|e| Error::io("open", path, e))?;
    read_distinct_rows(file)
}

/// [`read_distinct_spend`] of a file.
///
/// # Errors
///
/// As [`read_distinct_spend`], and [`Error::Io`] naming the path.
pub fn read_distinct_spend_path(path: impl AsRef<Path>) -> Result<DistinctSpendTable> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|e| Error::io("open", path, e))?;
    read_distinct_spend(file)
}

/// One data row's key fields (in the order asked for) and its count.
struct Fields<'a> {
    names: Vec<&'a str>,
    values: Vec<&'a str>,
    count: u64,
}

fn read_table<R: Read>(
    input: R,
    keys: &[&[&str]],
    mut row: impl FnMut(u64, &Fields<'_>) -> Result<()>,
) -> Result<SummaryMetadata> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(::csv::Trim::All)
        .from_reader(input);
    let header = reader.headers().map_err(|e| csv_error(e, 1))?.clone();
    let find = |names: &[&str]| header.iter().position(|h| names.contains(&h));
    let missing = |names: &[&str]| Error::Parse {
        line: 1,
        column: names[0].to_owned(),
        reason: format!(
            "no column named {} (the header has {})",
            names.join(" or "),
            header.iter().collect::<Vec<_>>().join(",")
        ),
    };
    let key_at = keys
        .iter()
        .map(|names| find(names).ok_or_else(|| missing(names)))
        .collect::<Result<Vec<_>>>()?;
    let count_at = find(COUNT_NAMES).ok_or_else(|| missing(COUNT_NAMES))?;
    let (unit_at, end_at) = (find(&[UNIT_COLUMN]), find(&[END_COLUMN]));
    let mut unit = Same::new(UNIT_COLUMN);
    let mut end = Same::new(END_COLUMN);
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| csv_error(e, i as u64 + 2))?;
        let line = record.position().map_or(i as u64 + 2, |p| p.line());
        let field = |at: usize| {
            record.get(at).ok_or_else(|| Error::Parse {
                line,
                column: header.get(at).unwrap_or("").to_owned(),
                reason: "missing field".into(),
            })
        };
        if let Some(text) = unit_at
            .and_then(|at| record.get(at))
            .filter(|t| !t.is_empty())
        {
            unit.take(line, text, |t| parse_unit(line, t))?;
        }
        if let Some(text) = end_at
            .and_then(|at| record.get(at))
            .filter(|t| !t.is_empty())
        {
            end.take(line, text, |t| date(line, END_COLUMN, t))?;
        }
        let count_name = header.get(count_at).unwrap_or("count");
        let count: u64 = field(count_at)?.parse().map_err(|_| Error::Parse {
            line,
            column: count_name.to_owned(),
            reason: format!(
                "a count must be a whole number >= 0, got {:?}",
                record.get(count_at).unwrap_or("")
            ),
        })?;
        let fields = Fields {
            names: key_at
                .iter()
                .map(|&at| header.get(at).unwrap_or(""))
                .collect(),
            values: key_at.iter().map(|&at| field(at)).collect::<Result<_>>()?,
            count,
        };
        row(line, &fields)?;
    }
    Ok(SummaryMetadata {
        unit: unit.get(),
        observation_end: end.get(),
        holdout_end: None,
    })
}

/// A row's validation error, with its line.
fn at_line(line: u64, e: Error) -> Error {
    match e {
        Error::InvalidValue { what, reason } => Error::InvalidValue {
            what,
            reason: format!("line {line}: {reason}"),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btyd::{CustomerHistory, SpendHistory};
    use crate::{CustomerId, Date, TimeUnit};
    use proptest::prelude::*;

    #[test]
    fn round_trip_keeps_rows_and_metadata() {
        let mut rows = DistinctRows::new();
        rows.add_count(0, 0.0, 38.0 / 7.0, 3).unwrap();
        rows.add_count(2, 0.1 + 0.2, 1.0 / 3.0, 5).unwrap();
        let metadata = SummaryMetadata {
            unit: Some(TimeUnit::WEEK),
            observation_end: Some(Date::parse("1997-09-30").unwrap()),
            holdout_end: None,
        };
        let mut out = Vec::new();
        write_distinct_rows(&mut out, &rows, &metadata).unwrap();
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(text.starts_with("frequency,recency,T,count,unit_days,observation_end\n"));
        let back = read_distinct_rows(out.as_slice()).unwrap();
        assert_eq!(back.rows, rows);
        assert_eq!(back.metadata, metadata);
    }

    #[test]
    fn spend_round_trip_is_exact() {
        let spends = [
            SpendHistory::new(CustomerId::new(1), 2, Decimal::new(1234567, 5)).unwrap(),
            SpendHistory::new(CustomerId::new(2), 0, Decimal::ZERO).unwrap(),
            SpendHistory::new(CustomerId::new(3), 2, Decimal::new(1234567, 5)).unwrap(),
        ];
        let rows = DistinctSpend::from_spends(&spends);
        let mut out = Vec::new();
        write_distinct_spend(&mut out, &rows, &SummaryMetadata::default()).unwrap();
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            "frequency,monetary_value,count\n2,12.34567,2\n"
        );
        assert_eq!(read_distinct_spend(out.as_slice()).unwrap().rows, rows);
    }

    #[test]
    fn bad_files_name_line_and_column() {
        let err = read_distinct_rows("x,t_x,T\n1,2,3\n".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("count or n or weight"), "{err}");
        let err = read_distinct_rows("x,t_x,T,n\n1,2,3,1\n1,2,3,1.5\n".as_bytes()).unwrap_err();
        assert!(
            matches!(err, Error::Parse { line: 3, ref column, .. } if column == "n"),
            "{err}"
        );
        let err = read_distinct_rows("x,t_x,T,n\n1,4,3,1\n".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        let err = read_distinct_rows("x,t_x,T,n,unit_days\n1,2,3,1,7\n1,2,3,1,1\n".as_bytes())
            .unwrap_err();
        assert!(matches!(err, Error::Parse { line: 3, .. }), "{err}");
        let err = read_distinct_spend("x,m.x,n\n2,-1,1\n".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Whatever the times (any finite f64 on a valid history), a file
        /// written and read back has the same rows bit for bit.
        #[test]
        fn any_rows_round_trip(rows in proptest::collection::vec(
            (0u32..50, 1e-9f64..1e6, 0.0f64..1.0, 1u64..1_000_000), 0..40)) {
            let mut counted = DistinctRows::new();
            for (x, age, frac, n) in rows {
                let t_x = if x == 0 { 0.0 } else { (age * frac).max(age * 1e-3) };
                let h = CustomerHistory::new(CustomerId::new(0), x, t_x, age).unwrap();
                counted.add_count(h.x(), h.t_x(), h.age(), n).unwrap();
            }
            let mut out = Vec::new();
            write_distinct_rows(&mut out, &counted, &SummaryMetadata::default()).unwrap();
            prop_assert_eq!(read_distinct_rows(out.as_slice()).unwrap().rows, counted);
        }
    }
}
