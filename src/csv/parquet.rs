//! Parquet input for the streaming summary (feature `parquet`):
//! [`StreamingSummarizer::prepare_parquet`] reads the columns the
//! [`CsvOptions`] name from a Parquet file and hands each row to the same
//! parser as a CSV line, so a Parquet log gives the summary of the CSV log
//! with the same values.
//!
//! [`CsvOptions`]: super::CsvOptions

use std::fs::File;
use std::io;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Float32Type, Float64Type, Int8Type, Int16Type,
    Int32Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef};
use arrow_schema::{DataType, TimeUnit as ArrowTimeUnit};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::options::Column;
use super::sink::Fields;
use super::stream::{PreparedSummary, Progress, StreamingSummarizer};
use crate::error::{Error, Result};
use crate::model::Date;

impl StreamingSummarizer {
    /// Reads and summarises the Parquet file at `path`, as
    /// [`StreamingSummarizer::prepare_path`] does a CSV file.
    ///
    /// Columns are found as in a CSV file with a header: by the names (or
    /// 1-based positions) of the [`CsvOptions`](super::CsvOptions), among
    /// the file's top-level columns; the delimiter does not apply. Each
    /// value is read as the text a CSV file would hold for it, and parsed
    /// as in a CSV file, so the summary equals the CSV path's:
    ///
    /// - strings as they are (also dictionary-encoded), integers in
    ///   decimal, floats in their shortest round-trip form (`30.81`), and
    ///   decimals exactly (`Decimal128`);
    /// - `Date32` and `Date64` as dates, timestamps as their UTC date (a
    ///   time zone in the type is not applied);
    /// - a null as an empty field (an error for the customer, date and
    ///   amount, none for quantity and category).
    ///
    /// Errors name the row as a CSV file with a header would: row `r`
    /// (from 0) is line `r + 2`, the header line 1.
    ///
    /// # Errors
    /// - [`Error::Io`] (action `"open"` or `"read"`) when the file cannot
    ///   be opened or is not valid Parquet;
    /// - [`Error::Parse`] on line 1 when a column is missing, or its type
    ///   is none of the above;
    /// - as [`StreamingSummarizer::prepare`] otherwise.
    pub fn prepare_parquet(
        &self,
        path: impl AsRef<Path>,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<PreparedSummary> {
        let path = path.as_ref();
        let read_error = |e: parquet::errors::ParquetError| {
            Error::io(
                "read",
                path,
                io::Error::new(io::ErrorKind::InvalidData, e.to_string()),
            )
        };
        let file = File::open(path).map_err(|e| Error::io("open", path, e))?;
        let size = file.metadata().ok().map(|m| m.len());
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(read_error)?;
        let total_rows = u64::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
        let names: Vec<String> = builder
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        // Read only the columns in use when they are all given by name
        // (positions count among all columns).
        let options = self.csv_options();
        let by_name = options.has_header()
            && options
                .columns()
                .iter()
                .all(|(_, c)| matches!(c, Column::Name(_)));
        let (builder, header) = if by_name {
            let wanted: Vec<usize> = (0..names.len())
                .filter(|&i| {
                    options
                        .columns()
                        .iter()
                        .any(|(_, c)| matches!(c, Column::Name(n) if n.trim() == names[i].trim()))
                })
                .collect();
            let mask = ProjectionMask::roots(builder.parquet_schema(), wanted.iter().copied());
            let header = wanted.iter().map(|&i| names[i].clone()).collect();
            (builder.with_projection(mask), header)
        } else {
            (builder, names)
        };
        let reader = builder
            .with_batch_size(1 << 16)
            .build()
            .map_err(read_error)?;
        let has_header = options.has_header();
        self.run_with(size, progress, |sink, count| {
            let mut line = 0u64;
            if has_header {
                line += 1;
                let fields: Vec<Vec<u8>> = header.iter().map(|n| n.as_bytes().to_vec()).collect();
                sink.line(line, &Row(&fields))?;
            }
            let mut fields: Vec<Vec<u8>> = vec![Vec::new(); header.len()];
            let mut rows = 0u64;
            for batch in reader {
                let batch = batch.map_err(|e| {
                    Error::io(
                        "read",
                        path,
                        io::Error::new(io::ErrorKind::InvalidData, e.to_string()),
                    )
                })?;
                let columns: Vec<Text> = batch
                    .columns()
                    .iter()
                    .enumerate()
                    .map(|(i, a)| {
                        Text::new(a).map_err(|reason| Error::Parse {
                            line: 1,
                            column: header.get(i).cloned().unwrap_or_default(),
                            reason,
                        })
                    })
                    .collect::<Result<_>>()?;
                for row in 0..batch.num_rows() {
                    line += 1;
                    for (field, column) in fields.iter_mut().zip(&columns) {
                        field.clear();
                        column.write(row, field);
                    }
                    sink.line(line, &Row(&fields))?;
                }
                rows += batch.num_rows() as u64;
                // Bytes read, as the share of rows read.
                if let (Some(size), true) = (size, total_rows > 0) {
                    count
                        .set((u128::from(size) * u128::from(rows) / u128::from(total_rows)) as u64);
                }
            }
            Ok(())
        })
    }
}

/// One row's fields as text.
struct Row<'a>(&'a [Vec<u8>]);

impl Fields for Row<'_> {
    fn count(&self) -> usize {
        self.0.len()
    }
    fn field(&self, i: usize) -> &[u8] {
        self.0.get(i).map_or(&[][..], Vec::as_slice)
    }
}

/// A column of a batch, written as text row by row.
enum Text {
    Plain(ArrayRef),
    /// Dictionary-encoded: the row's key into `values` (`None` for null).
    Dictionary {
        keys: Vec<Option<usize>>,
        values: Box<Text>,
    },
}

impl Text {
    fn new(array: &ArrayRef) -> std::result::Result<Text, String> {
        if let DataType::Dictionary(_, _) = array.data_type() {
            let dict = array.as_any_dictionary();
            let normalized = dict.normalized_keys();
            let keys = (0..array.len())
                .map(|i| (!array.is_null(i)).then(|| normalized[i]))
                .collect();
            return Ok(Text::Dictionary {
                keys,
                values: Box::new(Text::new(dict.values())?),
            });
        }
        match array.data_type() {
            DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
            | DataType::Float32
            | DataType::Float64
            | DataType::Decimal128(_, _)
            | DataType::Date32
            | DataType::Date64
            | DataType::Timestamp(_, _)
            | DataType::Null => Ok(Text::Plain(array.clone())),
            other => Err(format!("unsupported Parquet column type {other}")),
        }
    }

    fn write(&self, row: usize, out: &mut Vec<u8>) {
        match self {
            Text::Dictionary { keys, values } => {
                if let Some(Some(k)) = keys.get(row) {
                    values.write(*k, out);
                }
            }
            Text::Plain(a) => write_value(a, row, out),
        }
    }
}

/// Writes the text of `a[row]` (nothing for a null).
fn write_value(a: &ArrayRef, row: usize, out: &mut Vec<u8>) {
    use std::io::Write as _;
    if a.is_null(row) {
        return;
    }
    let mut num = |v: &dyn std::fmt::Display| {
        let _ = write!(out, "{v}");
    };
    match a.data_type() {
        DataType::Utf8 => out.extend_from_slice(a.as_string::<i32>().value(row).as_bytes()),
        DataType::LargeUtf8 => out.extend_from_slice(a.as_string::<i64>().value(row).as_bytes()),
        DataType::Utf8View => out.extend_from_slice(a.as_string_view().value(row).as_bytes()),
        DataType::Int8 => num(&a.as_primitive::<Int8Type>().value(row)),
        DataType::Int16 => num(&a.as_primitive::<Int16Type>().value(row)),
        DataType::Int32 => num(&a.as_primitive::<Int32Type>().value(row)),
        DataType::Int64 => num(&a.as_primitive::<Int64Type>().value(row)),
        DataType::UInt8 => num(&a.as_primitive::<UInt8Type>().value(row)),
        DataType::UInt16 => num(&a.as_primitive::<UInt16Type>().value(row)),
        DataType::UInt32 => num(&a.as_primitive::<UInt32Type>().value(row)),
        DataType::UInt64 => num(&a.as_primitive::<UInt64Type>().value(row)),
        DataType::Float32 => num(&a.as_primitive::<Float32Type>().value(row)),
        DataType::Float64 => num(&a.as_primitive::<Float64Type>().value(row)),
        DataType::Decimal128(_, scale) => {
            let v = a.as_primitive::<Decimal128Type>().value(row);
            write_decimal(out, v, *scale);
        }
        DataType::Date32 => write_day(out, i64::from(a.as_primitive::<Date32Type>().value(row))),
        DataType::Date64 => write_day(
            out,
            a.as_primitive::<Date64Type>()
                .value(row)
                .div_euclid(86_400_000),
        ),
        DataType::Timestamp(unit, _) => {
            let (v, per_day) = match unit {
                ArrowTimeUnit::Second => {
                    (a.as_primitive::<TimestampSecondType>().value(row), 86_400)
                }
                ArrowTimeUnit::Millisecond => (
                    a.as_primitive::<TimestampMillisecondType>().value(row),
                    86_400_000,
                ),
                ArrowTimeUnit::Microsecond => (
                    a.as_primitive::<TimestampMicrosecondType>().value(row),
                    86_400_000_000,
                ),
                ArrowTimeUnit::Nanosecond => (
                    a.as_primitive::<TimestampNanosecondType>().value(row),
                    86_400_000_000_000,
                ),
            };
            write_day(out, v.div_euclid(per_day));
        }
        _ => {}
    }
}

/// A day number as `YYYY-MM-DD`, or as the number itself when it is out
/// of range (which the date parser then rejects, naming it).
fn write_day(out: &mut Vec<u8>, day: i64) {
    use std::io::Write as _;
    match i32::try_from(day)
        .ok()
        .and_then(|d| Date::from_days_since_epoch(d).ok())
    {
        Some(date) => {
            let _ = write!(out, "{date}");
        }
        None => {
            let _ = write!(out, "day {day}");
        }
    }
}

/// An unscaled decimal `v` with `scale` decimals, exactly.
fn write_decimal(out: &mut Vec<u8>, v: i128, scale: i8) {
    use std::io::Write as _;
    if v < 0 {
        out.push(b'-');
    }
    let digits = v.unsigned_abs().to_string();
    if scale <= 0 {
        out.extend_from_slice(digits.as_bytes());
        out.extend(std::iter::repeat_n(b'0', usize::from(scale.unsigned_abs())));
        return;
    }
    let scale = usize::from(scale.unsigned_abs());
    if digits.len() <= scale {
        let _ = write!(out, "0.{}{digits}", "0".repeat(scale - digits.len()));
    } else {
        let (whole, frac) = digits.split_at(digits.len() - scale);
        let _ = write!(out, "{whole}.{frac}");
    }
}
