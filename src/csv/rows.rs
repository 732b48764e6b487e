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

use super::summary::{
    Columns, END_COLUMN, Same, SummaryMetadata, UNIT_COLUMN, csv_error, date, number, parse_unit,
    plain_float, plain_u32, read_summary_bytes,
};
use crate::btyd::input::{PACKED_TIME_BITS, bits_of, packed_key, radix_sort, unpack_key};
use crate::btyd::rows::exact_weight;
use crate::btyd::{CustomerHistory, DistinctRow, DistinctRows, DistinctSpend};
use crate::error::{Error, Result};
use crate::{CustomerId, Date, TimeUnit};

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
        let zbar = crate::decimal_text::exact(f.values[1]).map_err(|why| Error::Parse {
            line,
            column: f.names[1].to_owned(),
            reason: crate::decimal_text::refusal("not a valid amount", f.values[1], why),
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

/// The `(x, t_x, T)` rows of a summary file, counted: what a BG/NBD,
/// MBG/NBD, Pareto/NBD or GGom/NBD fit needs of it (see
/// [`read_summary_rows`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRows {
    rows: Vec<DistinctRow>,
    customers: u64,
    metadata: SummaryMetadata,
    left_out: u64,
}

impl SummaryRows {
    /// The distinct `(x, t_x, T)` of the customers with `T > 0` and how
    /// many share each, sorted by `x`, then `t_x`, then `T` (as
    /// [`DistinctRows::rows`]).
    pub fn rows(&self) -> &[DistinctRow] {
        &self.rows
    }

    /// The customers counted in [`rows`](Self::rows).
    pub fn customers(&self) -> u64 {
        self.customers
    }

    /// The file's `unit_days`, `observation_end` and `holdout_end`, when
    /// it had them.
    pub fn metadata(&self) -> &SummaryMetadata {
        &self.metadata
    }

    /// Customers first seen on the observation end (`T = 0`), which carry
    /// no information about rates and are left out of the rows.
    pub fn left_out(&self) -> u64 {
        self.left_out
    }

    /// The rows as histories (customer id 0) with their counts as weights,
    /// for any purchase model's `fit_weighted` (as
    /// [`DistinctRows::weighted`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when a count exceeds 2⁵³.
    pub fn weighted(&self) -> Result<(Vec<CustomerHistory>, Vec<f64>)> {
        let mut histories = Vec::with_capacity(self.rows.len());
        let mut weights = Vec::with_capacity(self.rows.len());
        for r in &self.rows {
            // Rows are valid histories by construction.
            histories.push(CustomerHistory::from_valid(
                CustomerId::new(0),
                r.x(),
                r.t_x(),
                r.age(),
            ));
            weights.push(exact_weight(r.count())?);
        }
        Ok((histories, weights))
    }
}

/// Reads a summary file ([`read_summary`](crate::csv::read_summary)'s
/// formats) for a purchase-model fit: only the columns `x` (`frequency`),
/// `t_x` (`recency`), `T` and the metadata columns, counted into distinct
/// rows as they are read, customers with `T = 0` left out and counted.
///
/// The fit of the [`weighted`](SummaryRows::weighted) rows equals the fit
/// on the histories of
/// [`read_summary`](crate::csv::read_summary)`(..).customers()` with
/// `T > 0` to the last bit. It is several times faster, because the plain
/// layout [`write_summary`](crate::csv::write_summary) writes (no quotes,
/// numbers as plain digits) is split by hand, whole-number times are
/// counted by sorting rather than hashing, and the columns a fit does not
/// use (ids, dates, money) are neither parsed nor checked. Any other file,
/// or one whose `x`, `t_x`, `T` or metadata fields are not plain or not
/// valid, is read by `read_summary` itself, so errors are the same as its
/// (for those columns).
///
/// # Example
/// ```
/// use customer_value::btyd::BgNbd;
/// use customer_value::csv::read_summary_rows;
///
/// let file = "customer_id,frequency,recency,T,monetary_value\n1,2,30,38,10.5\n2,0,0,38,0\n\
///             3,2,30,38,7\n4,5,35,37,20\n5,0,0,0,0\n6,1,12,30,4\n";
/// let table = read_summary_rows(file.as_bytes())?;
/// assert_eq!((table.rows().len(), table.customers(), table.left_out()), (4, 5, 1));
/// let (histories, weights) = table.weighted()?;
/// assert_eq!((histories[2].x(), weights[2]), (2, 2.0)); // customers 1 and 3
/// assert_eq!(BgNbd::new().fit_weighted(&histories, &weights)?.customers(), 5.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`read_summary`](crate::csv::read_summary), for a file whose rows
/// it rejects in the columns above; and [`Error::InvalidValue`] for a
/// history that is not valid model input
/// ([`CustomerHistory::new`]).
pub fn read_summary_rows<R: Read>(mut input: R) -> Result<SummaryRows> {
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("read", "", e))?;
    read_summary_rows_bytes(&bytes)
}

/// [`read_summary_rows`] of a file.
///
/// A plain file is read in blocks of 128 KiB, counted as they
/// come, so the whole file is never in memory at once; from 1 MiB on (on
/// Unix), its two halves are read and counted at once on two threads,
/// with the same result. A file the plain path does not take is read
/// again, whole, by the general reader.
///
/// # Errors
///
/// As [`read_summary_rows`], and [`Error::Io`] naming the path.
pub fn read_summary_rows_path(path: impl AsRef<Path>) -> Result<SummaryRows> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|e| Error::io("open", path, e))?;
    let size = file
        .metadata()
        .map_or(0, |m| usize::try_from(m.len()).unwrap_or(0));
    let read = |e| Error::io("read", path, e);
    #[cfg(unix)]
    let split = plain_summary_rows_split(&file, size, SPLIT_FROM).map_err(read)?;
    #[cfg(not(unix))]
    let split = None;
    let plain = match split {
        Some(plain) => plain,
        None => plain_summary_rows_from(&file, READ_BLOCK, size).map_err(read)?,
    };
    match plain {
        Some(rows) => Ok(rows),
        None => {
            let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
            general_summary_rows(&bytes)
        }
    }
}

/// The block [`read_summary_rows_path`] reads at a time: small enough to
/// stay in the cache and to cost few page faults, large enough that the
/// calls to `read` do not count.
const READ_BLOCK: usize = 1 << 17;

fn read_summary_rows_bytes(bytes: &[u8]) -> Result<SummaryRows> {
    if let Some(rows) = plain_summary_rows(bytes) {
        return Ok(rows);
    }
    general_summary_rows(bytes)
}

/// [`read_summary_rows`] by the general summary reader.
fn general_summary_rows(bytes: &[u8]) -> Result<SummaryRows> {
    let table = read_summary_bytes(bytes)?;
    let mut rows = DistinctRows::new();
    let mut left_out = 0;
    for c in table.customers() {
        if c.age() > 0.0 {
            rows.add(&CustomerHistory::from_summary(c)?);
        } else {
            left_out += 1;
        }
    }
    Ok(SummaryRows {
        rows: rows.rows(),
        customers: rows.customers(),
        metadata: *table.metadata(),
        left_out,
    })
}

/// A line without its `\r\n` ending's `\r` (the caller has checked that
/// every `\r` ends a line).
fn strip_cr(line: &str) -> &str {
    line.strip_suffix('\r').unwrap_or(line)
}

/// Where a field of a row goes in [`Plain`]: `x`, `t_x`, `T`, the three
/// metadata columns, or nowhere.
const NOWHERE: u8 = 6;

/// The slot of a field past the header's width (a row too wide).
const BEYOND: u8 = 7;

/// Fields [`Plain`] has a slot for: wider headers go to the general path.
const SLOTS: usize = 256;

/// The plain path of [`read_summary_rows`]: the header's columns, then the
/// rows, fed in blocks of whole lines, counted as they come.
struct Plain {
    /// Where each field of a row goes: 0..3 `x`, `t_x`, `T`; 3..6 the
    /// metadata; [`NOWHERE`]; [`BEYOND`] from the header's width on.
    slot_of: [u8; SLOTS],
    /// The header's width (below [`SLOTS`]).
    width: usize,
    meta_at: [bool; 3],
    /// The first row's metadata fields, which every row must repeat.
    meta_first: [Option<Box<[u8]>>; 3],
    counter: Counter,
    left_out: u64,
}

/// Bytes of a word equal to `c`, as the high bit of each such byte: a byte
/// of `word` equals `c` exactly where `zero(word ^ c·0x0101…)` has its
/// high bit set.
#[inline(always)]
fn bytes_equal(word: u64, c: u8) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let v = word ^ (ONES * u64::from(c));
    !(((v & LOW7) + LOW7) | v | LOW7)
}

/// `str::trim` of a field of text already checked to be UTF-8, with a
/// shortcut for fields without surrounding whitespace.
fn trim_field(field: &[u8]) -> Option<&[u8]> {
    match field {
        [first, .., last] if first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric() => {
            Some(field)
        }
        [only] if only.is_ascii_alphanumeric() => Some(field),
        _ => Some(std::str::from_utf8(field).ok()?.trim().as_bytes()),
    }
}

/// One to `most` plain decimal digits as a number.
fn field_digits(field: &[u8], most: usize) -> Option<u64> {
    if field.is_empty() || field.len() > most {
        return None;
    }
    let mut v = 0u64;
    for &c in field {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u64::from(d);
    }
    Some(v)
}

/// `plain_u32` of a field: up to 9 plain digits directly, anything else
/// by it.
fn field_u32(field: &[u8]) -> Option<u32> {
    match field_digits(field, 9) {
        Some(v) => u32::try_from(v).ok(),
        None => plain_u32(std::str::from_utf8(field).ok()?),
    }
}

/// `plain_float` of a field: up to 15 plain digits (exact) directly,
/// anything else by it.
fn field_f64(field: &[u8]) -> Option<f64> {
    match field_digits(field, 15) {
        Some(v) => Some(v as f64),
        None => plain_float(std::str::from_utf8(field).ok()?),
    }
}

impl Plain {
    /// The state after the header line (without its `\n`); `None` when the
    /// header is not plain or lacks the columns. `capacity` is a guess of
    /// the rows to come.
    fn new(header: &[u8], terminated: bool, capacity: usize) -> Option<Self> {
        if header.starts_with(b"\xEF\xBB\xBF")
            || header.contains(&b'"')
            || !terminated && header.ends_with(b"\r")
        {
            return None;
        }
        let header = std::str::from_utf8(header).ok()?;
        let header = strip_cr(header);
        if header.contains('\r') {
            return None; // a `\r` not before a line feed
        }
        let header: Vec<&str> = header.split(',').collect();
        let cols = Columns::find(&header).ok()?;
        let [_, x_at, t_x_at, age_at] = cols.core;
        let meta_at = [cols.unit, cols.end, cols.holdout_end];
        if header.len() >= SLOTS {
            return None;
        }
        let mut slot_of = [BEYOND; SLOTS];
        slot_of[..header.len()].fill(NOWHERE);
        for (k, at) in [Some(x_at), Some(t_x_at), Some(age_at)]
            .into_iter()
            .chain(meta_at)
            .enumerate()
        {
            if let Some(at) = at {
                slot_of[at] = k as u8;
            }
        }
        Some(Plain {
            slot_of,
            width: header.len(),
            meta_at: meta_at.map(|at| at.is_some()),
            meta_first: [None, None, None],
            counter: Counter::Packed(Vec::with_capacity(capacity)),
            left_out: 0,
        })
    }

    /// Counts the rows of `block`: whole lines, each ending with `\n`,
    /// except the file's last line when `last`. `None` for a block the
    /// plain path does not take (see [`plain_summary_rows`]).
    ///
    /// One pass for commas and line ends, eight bytes at a time
    /// ([`bytes_equal`]), after a vectorised search for quotes and carriage
    /// returns (`memchr2`; when there are any, the same words check them).
    /// Only the fields with a slot are recorded; a row whose `x`, `t_x`
    /// and `T` are whole numbers is packed without going through `f64`.
    fn block(&mut self, block: &[u8], last: bool) -> Option<()> {
        if !block.is_ascii() {
            std::str::from_utf8(block).ok()?;
        }
        let odd_bytes = memchr::memchr2(b'"', b'\r', block).is_some();
        // Disjoint borrows: the layout stays in registers across rows.
        let Plain {
            slot_of,
            width,
            meta_at,
            meta_first,
            counter,
            left_out,
        } = self;
        let slot_of: &[u8; SLOTS] = slot_of;
        let width = *width;
        let mut rows = Rows {
            meta_at: *meta_at,
            meta_first,
            counter,
            left_out,
        };
        // Each field's byte range, by slot ([`NOWHERE`] collects the rest,
        // [`BEYOND`] a field past the header's width).
        let mut spans = [(0usize, 0usize); 8];
        let mut field = 0usize;
        let mut start = 0usize;
        let mut i = 0;
        while i < block.len() {
            let word = match block.get(i..i + 8) {
                Some(eight) => u64::from_le_bytes(eight.try_into().ok()?),
                None => {
                    // The tail, padded with zero bytes (none of the four).
                    let mut padded = [0u8; 8];
                    padded[..block.len() - i].copy_from_slice(&block[i..]);
                    u64::from_le_bytes(padded)
                }
            };
            if odd_bytes {
                let mut odd = bytes_equal(word, b'"') | bytes_equal(word, b'\r');
                while odd != 0 {
                    let j = i + (odd.trailing_zeros() / 8) as usize;
                    if block[j] == b'"' || block.get(j + 1) != Some(&b'\n') {
                        return None;
                    }
                    odd &= odd - 1;
                }
            }
            let newline = bytes_equal(word, b'\n');
            let mut hits = newline | bytes_equal(word, b',');
            while hits != 0 {
                let bit = hits.trailing_zeros();
                let j = i + (bit / 8) as usize;
                let slot = slot_of[field.min(SLOTS - 1)];
                if slot != NOWHERE {
                    if slot == BEYOND {
                        return None; // more fields than the header
                    }
                    spans[usize::from(slot & 7)] = (start, j);
                }
                field += 1;
                if (newline >> bit) & 1 != 0 {
                    if field != width || j == start && field == 1 {
                        return None; // a blank line, or a row of another width
                    }
                    rows.row(block, &spans)?;
                    field = 0;
                }
                start = j + 1;
                hits &= hits - 1;
            }
            i += 8;
        }
        if start < block.len() || field > 0 {
            if !last {
                return None; // not whole lines (not expected)
            }
            // A last row without a line end.
            let slot = slot_of[field.min(SLOTS - 1)];
            if slot == BEYOND {
                return None;
            }
            spans[usize::from(slot & 7)] = (start, block.len());
            if field + 1 != width {
                return None;
            }
            rows.row(block, &spans)?;
        }
        Some(())
    }
}

/// What [`Plain::block`] updates per row.
struct Rows<'p> {
    meta_at: [bool; 3],
    meta_first: &'p mut [Option<Box<[u8]>>; 3],
    counter: &'p mut Counter,
    left_out: &'p mut u64,
}

impl Rows<'_> {
    /// Counts the row whose fields are at `spans` in `block`.
    #[inline]
    fn row(&mut self, block: &[u8], spans: &[(usize, usize); 8]) -> Option<()> {
        let field = |slot: usize| trim_field(block.get(spans[slot].0..spans[slot].1)?);
        for k in 0..3 {
            if !self.meta_at[k] {
                continue;
            }
            let text = field(3 + k)?;
            if k == 2 && text.is_empty() {
                continue;
            }
            match &self.meta_first[k] {
                Some(first) if **first == *text => {}
                Some(_) => return None,
                None => self.meta_first[k] = Some(text.into()),
            }
        }
        let (x, t_x, age) = (field(0)?, field(1)?, field(2)?);
        // Whole numbers of up to 9 digits (times on a day or week grid):
        // checked and packed as integers, the same tests and key as below
        // on their exact `f64` values.
        if let (Some(xi), Some(ti), Some(ai)) = (
            field_digits(x, 9),
            field_digits(t_x, 9),
            field_digits(age, 9),
        ) && let Counter::Packed(keys) = &mut *self.counter
            && xi < 1 << 20
            && ai < 1 << PACKED_TIME_BITS
        {
            if ai == 0 && xi == 0 && ti == 0 {
                *self.left_out += 1;
                return Some(());
            }
            if !(ai > 0 && ti <= ai && (xi == 0) == (ti == 0)) {
                return None;
            }
            keys.push((xi << (2 * PACKED_TIME_BITS)) | (ti << PACKED_TIME_BITS) | ai);
            return Some(());
        }
        let x = field_u32(x)?;
        let t_x = field_f64(t_x)?;
        let age = field_f64(age)?;
        if age == 0.0 && x == 0 && t_x == 0.0 {
            *self.left_out += 1;
            return Some(());
        }
        if !CustomerHistory::is_valid(x, t_x, age) {
            return None;
        }
        self.counter.add(x, t_x, age);
        Some(())
    }
}

impl Plain {
    /// The same layout with nothing counted yet (for another part of the
    /// same file), room for `capacity` rows.
    #[cfg(unix)]
    fn fresh(&self, capacity: usize) -> Plain {
        Plain {
            slot_of: self.slot_of,
            width: self.width,
            meta_at: self.meta_at,
            meta_first: [None, None, None],
            counter: Counter::Packed(Vec::with_capacity(capacity)),
            left_out: 0,
        }
    }

    /// The same state with its counted keys sorted ([`Counter::sorted`]),
    /// on the thread that read them.
    #[cfg(unix)]
    fn sorted(mut self) -> Plain {
        self.counter = self.counter.sorted();
        self
    }

    /// The state after this part's rows and then `later`'s (the next part
    /// of the same file): `None` when their metadata differ (as one pass
    /// declines a value that differs from the first row's).
    #[cfg(unix)]
    fn merge(mut self, later: Plain) -> Option<Plain> {
        for (mine, theirs) in self.meta_first.iter_mut().zip(later.meta_first) {
            let Some(theirs) = theirs else { continue };
            if let Some(first) = mine {
                if *first != theirs {
                    return None;
                }
            } else {
                *mine = Some(theirs);
            }
        }
        self.left_out += later.left_out;
        self.counter = self.counter.merge(later.counter)?;
        Some(self)
    }
}

impl Plain {
    /// The counted rows and the metadata (`None` when a metadata value does
    /// not parse).
    fn finish(self) -> Option<SummaryRows> {
        let text = |v: &Option<Box<[u8]>>| -> Option<Option<String>> {
            match v {
                Some(bytes) => Some(Some(std::str::from_utf8(bytes).ok()?.to_owned())),
                None => Some(None),
            }
        };
        let [unit, end, holdout_end] = &self.meta_first;
        let metadata = SummaryMetadata {
            unit: match text(unit)? {
                Some(text) => Some(TimeUnit::days(plain_u32(&text)?).ok()?),
                None => None,
            },
            observation_end: match text(end)? {
                Some(text) => Some(Date::parse(&text).ok()?),
                None => None,
            },
            holdout_end: match text(holdout_end)? {
                Some(text) => Some(Date::parse(&text).ok()?),
                None => None,
            },
        };
        let (rows, customers) = self.counter.finish();
        Some(SummaryRows {
            rows,
            customers,
            metadata,
            left_out: self.left_out,
        })
    }
}

/// Counts of `(x, t_x, T)`: packed keys ([`packed_key`]) while every row
/// packs, sorted at the end; a hash map from the first one that does not.
enum Counter {
    Packed(Vec<u64>),
    /// Packed keys in sorted runs ([`sort_packed`]): the halves of a split
    /// file, each sorted on its own thread.
    #[cfg_attr(not(unix), allow(dead_code))]
    Runs(Vec<Vec<u64>>),
    Hashed(DistinctRows),
}

impl Counter {
    /// Counts a valid history (`CustomerHistory::is_valid`).
    fn add(&mut self, x: u32, t_x: f64, age: f64) {
        if let Counter::Runs(runs) = self {
            *self = Counter::Packed(runs.concat());
        }
        if let Counter::Packed(keys) = self {
            if let Some(k) = packed_key(x, t_x, age) {
                keys.push(k);
                return;
            }
            let mut rows = DistinctRows::new();
            for &k in keys.iter() {
                let (x, t_x, age) = unpack_key(k);
                rows.add(&CustomerHistory::from_valid(
                    CustomerId::new(0),
                    x,
                    t_x,
                    age,
                ));
            }
            *self = Counter::Hashed(rows);
        }
        if let Counter::Hashed(rows) = self {
            rows.add(&CustomerHistory::from_valid(
                CustomerId::new(0),
                x,
                t_x,
                age,
            ));
        }
    }

    /// The counts of `self` and `other` together: packed keys while both
    /// are, else hashed (`None` when a count overflows).
    #[cfg(unix)]
    fn merge(self, other: Counter) -> Option<Counter> {
        let hashed = |counter: Counter| match counter {
            Counter::Packed(keys) => hashed_keys(keys),
            Counter::Runs(runs) => hashed_keys(runs.concat()),
            Counter::Hashed(rows) => rows,
        };
        fn hashed_keys(keys: Vec<u64>) -> DistinctRows {
            let mut rows = DistinctRows::new();
            for k in keys {
                let (x, t_x, age) = unpack_key(k);
                rows.add(&CustomerHistory::from_valid(
                    CustomerId::new(0),
                    x,
                    t_x,
                    age,
                ));
            }
            rows
        }
        Some(match (self, other) {
            (Counter::Packed(mut a), Counter::Packed(b)) => {
                a.extend_from_slice(&b);
                Counter::Packed(a)
            }
            (Counter::Runs(mut a), Counter::Runs(b)) => {
                a.extend(b);
                Counter::Runs(a)
            }
            (a, b) => {
                let mut rows = hashed(a);
                rows.merge(&hashed(b)).ok()?;
                Counter::Hashed(rows)
            }
        })
    }

    /// The same counts with packed keys sorted ([`sort_packed`]) into one
    /// run: the part of [`finish`](Self::finish) that each half of a split
    /// file does on its own thread.
    #[cfg(unix)]
    fn sorted(self) -> Counter {
        match self {
            Counter::Packed(keys) => Counter::Runs(vec![sort_packed(keys)]),
            other => other,
        }
    }

    /// The distinct rows in canonical order and the customers counted.
    fn finish(self) -> (Vec<DistinctRow>, u64) {
        match self {
            Counter::Packed(keys) => count_runs(&sort_packed(keys), &[]),
            Counter::Runs(runs) => match runs.as_slice() {
                [] => count_runs(&[], &[]),
                [one] => count_runs(one, &[]),
                [a, b] => count_runs(a, b),
                _ => count_runs(&sort_packed(runs.concat()), &[]),
            },
            Counter::Hashed(rows) => (rows.rows(), rows.customers()),
        }
    }
}

/// Packed keys ([`packed_key`]) in ascending order, which is the canonical
/// order of their rows: repacked with as many bits per time as the largest
/// `T` needs (`t_x ≤ T`), in the same order, for fewer radix passes, then
/// sorted and unpacked again.
fn sort_packed(mut keys: Vec<u64>) -> Vec<u64> {
    let mask = (1u64 << PACKED_TIME_BITS) - 1;
    let (most, max_age) = keys
        .iter()
        .fold((0, 0), |(m, a), &k| (m.max(k), a.max(k & mask)));
    let time_bits = bits_of(max_age);
    let narrow = mask >> (PACKED_TIME_BITS - time_bits);
    let repack = |k: u64| {
        ((k >> (2 * PACKED_TIME_BITS)) << (2 * time_bits))
            | (((k >> PACKED_TIME_BITS) & narrow) << time_bits)
            | (k & narrow)
    };
    for k in keys.iter_mut() {
        *k = repack(*k);
    }
    radix_sort(&mut keys, |&k| k, bits_of(repack(most)));
    for k in keys.iter_mut() {
        *k = ((*k >> (2 * time_bits)) << (2 * PACKED_TIME_BITS))
            | (((*k >> time_bits) & narrow) << PACKED_TIME_BITS)
            | (*k & narrow);
    }
    keys
}

/// The distinct rows of two sorted runs of packed keys taken together (a
/// merge), with how many keys each has, and the number of keys.
fn count_runs(a: &[u64], b: &[u64]) -> (Vec<DistinctRow>, u64) {
    let customers = (a.len() + b.len()) as u64;
    // At most one row per customer, reserved once: growing by doubling
    // would copy (and fault in) the rows several times.
    let mut rows: Vec<DistinctRow> = Vec::with_capacity(a.len() + b.len());
    let mut last = None;
    let mut count = 0u64;
    let mut push = |k: u64| {
        if last != Some(k) {
            if let Some(prev) = last {
                let (x, t_x, age) = unpack_key(prev);
                rows.push(DistinctRow::from_valid(x, t_x, age, count));
            }
            last = Some(k);
            count = 0;
        }
        count += 1;
    };
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] <= b[j] {
            push(a[i]);
            i += 1;
        } else {
            push(b[j]);
            j += 1;
        }
    }
    for &k in a[i..].iter().chain(&b[j..]) {
        push(k);
    }
    if let Some(prev) = last {
        let (x, t_x, age) = unpack_key(prev);
        rows.push(DistinctRow::from_valid(x, t_x, age, count));
    }
    (rows, customers)
}

/// [`read_summary_rows`] of a plain file (see there), or `None` for the
/// general path: quotes, a byte-order mark, a lone `\r`, text that is not
/// UTF-8, a header without the columns, a blank line, a row of the wrong
/// width, a field of `x`, `t_x`, `T` that is not a plain number, an
/// invalid history, or metadata that is not one value per file.
fn plain_summary_rows(bytes: &[u8]) -> Option<SummaryRows> {
    if bytes.is_empty() {
        return None;
    }
    let header_end = bytes
        .iter()
        .position(|&c| c == b'\n')
        .unwrap_or(bytes.len());
    let mut plain = Plain::new(
        &bytes[..header_end],
        header_end < bytes.len(),
        bytes.len() / 32,
    )?;
    plain.block(&bytes[(header_end + 1).min(bytes.len())..], true)?;
    plain.finish()
}

/// [`plain_summary_rows`] of what `input` reads, in blocks of at least
/// `block` bytes (whole lines: a line longer than a block grows it);
/// `size` is a guess of the input's length.
fn plain_summary_rows_from(
    input: impl Read,
    block: usize,
    size: usize,
) -> std::io::Result<Option<SummaryRows>> {
    Ok(plain_rows_fed(input, block, size, None)?.and_then(Plain::finish))
}

/// The plain state after feeding it what `input` reads, in blocks as
/// [`plain_summary_rows_from`] reads them: from the header on when `plain`
/// is `None`, else rows only (a range of whole lines after the header).
/// `None` when the plain path declines, or for an empty input.
fn plain_rows_fed(
    mut input: impl Read,
    block: usize,
    size: usize,
    mut plain: Option<Plain>,
) -> std::io::Result<Option<Plain>> {
    let mut buf = vec![0u8; block.max(1)];
    let mut filled = 0;
    let mut empty = true;
    loop {
        if filled == buf.len() {
            buf.resize(2 * buf.len(), 0);
        }
        let n = match input.read(&mut buf[filled..]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let eof = n == 0;
        empty &= eof && filled == 0;
        filled += n;
        // Whole lines: up to the last line end, or all at the end.
        let whole = if eof {
            filled
        } else {
            match buf[..filled].iter().rposition(|&c| c == b'\n') {
                Some(at) => at + 1,
                None => continue,
            }
        };
        let mut from = 0;
        if plain.is_none() && !empty {
            let header_end = buf[..whole]
                .iter()
                .position(|&c| c == b'\n')
                .unwrap_or(whole);
            let Some(p) = Plain::new(&buf[..header_end], header_end < whole, size / 32) else {
                return Ok(None);
            };
            plain = Some(p);
            from = (header_end + 1).min(whole);
        }
        if let Some(p) = plain.as_mut()
            && p.block(&buf[from..whole], eof).is_none()
        {
            return Ok(None);
        }
        if eof {
            return Ok(plain);
        }
        buf.copy_within(whole..filled, 0);
        filled -= whole;
    }
}

/// Files from this size on are read as two halves on two threads by
/// [`plain_summary_rows_split`].
#[cfg(unix)]
const SPLIT_FROM: usize = 1 << 20;

/// [`plain_summary_rows_from`] of a file of about `size` bytes (at least
/// `from`), read as two halves at once: the header, then the lines before
/// the first line end past the middle on this thread and the rest on
/// another, each counted as [`Plain::block`] counts it, then merged
/// ([`Plain::merge`]). The rows, the metadata and whether the plain path
/// takes the file are those of one pass. `None` when the file is too
/// small to split, or its header or middle line is longer than a block
/// (then one pass reads it).
#[cfg(unix)]
fn plain_summary_rows_split(
    file: &std::fs::File,
    size: usize,
    from: usize,
) -> std::io::Result<Option<Option<SummaryRows>>> {
    use std::os::unix::fs::FileExt;
    /// `block` bytes from `at`, or up to the end of the file.
    fn read_at(file: &std::fs::File, at: usize) -> std::io::Result<Vec<u8>> {
        let mut buf = vec![0u8; READ_BLOCK];
        let mut filled = 0;
        while filled < buf.len() {
            match file.read_at(&mut buf[filled..], (at + filled) as u64) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        buf.truncate(filled);
        Ok(buf)
    }
    /// The bytes of `file` from `at` to `end` (or to its end).
    struct Range<'f> {
        file: &'f std::fs::File,
        at: u64,
        end: Option<u64>,
    }
    impl Read for Range<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let room = match self.end {
                Some(end) => end.saturating_sub(self.at).min(buf.len() as u64) as usize,
                None => buf.len(),
            };
            if room == 0 {
                return Ok(0);
            }
            let n = self.file.read_at(&mut buf[..room], self.at)?;
            self.at += n as u64;
            Ok(n)
        }
    }
    if size < from.max(2) {
        return Ok(None);
    }
    let head = read_at(file, 0)?;
    let Some(header_end) = head.iter().position(|&c| c == b'\n') else {
        return Ok(None);
    };
    let body = header_end + 1;
    let Some(first) = Plain::new(&head[..header_end], true, size / 64) else {
        return Ok(Some(None));
    };
    // The second half starts after the first line end at or past the middle.
    let middle = (size / 2).max(body);
    let window = read_at(file, middle)?;
    let Some(at) = window.iter().position(|&c| c == b'\n') else {
        return Ok(None);
    };
    let mid = (middle + at + 1) as u64;
    let second = first.fresh(size / 64);
    let (a, b) = std::thread::scope(|scope| {
        let later = scope.spawn(|| {
            let rest = Range {
                file,
                at: mid,
                end: None,
            };
            plain_rows_fed(rest, READ_BLOCK, size / 2, Some(second))
                .map(|fed| fed.map(Plain::sorted))
        });
        let before = Range {
            file,
            at: body as u64,
            end: Some(mid),
        };
        let a = plain_rows_fed(before, READ_BLOCK, size / 2, Some(first))
            .map(|fed| fed.map(Plain::sorted));
        let b = later
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (a, b)
    });
    let (Some(a), Some(b)) = (a?, b?) else {
        return Ok(Some(None));
    };
    Ok(Some(a.merge(b).and_then(Plain::finish)))
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
    use crate::btyd::SpendHistory;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    /// What `read_summary_rows` promises: the full reader's customers with
    /// `T > 0`, counted, and the full reader's metadata.
    fn via_full_reader(text: &str) -> Result<(Vec<DistinctRow>, u64, SummaryMetadata, u64)> {
        let table = crate::csv::read_summary(text.as_bytes())?;
        let mut rows = DistinctRows::new();
        let mut left_out = 0;
        for c in table.customers() {
            if c.age() > 0.0 {
                rows.add(&CustomerHistory::from_summary(c)?);
            } else {
                left_out += 1;
            }
        }
        Ok((rows.rows(), rows.customers(), *table.metadata(), left_out))
    }

    fn check_same(text: &str) {
        let fast = read_summary_rows(text.as_bytes()).unwrap();
        let (rows, customers, metadata, left_out) = via_full_reader(text).unwrap();
        assert_eq!(fast.rows(), rows.as_slice());
        assert_eq!(
            (fast.customers(), *fast.metadata(), fast.left_out()),
            (customers, metadata, left_out)
        );
        check_blocks(text);
    }

    /// The plain path read in blocks of any size (lines cut anywhere by
    /// `read`) takes the same files as on the whole text, with the same
    /// rows.
    fn check_blocks(text: &str) {
        let whole = plain_summary_rows(text.as_bytes());
        for block in [1, 3, 8, 13, 64, 4096] {
            let read = plain_summary_rows_from(text.as_bytes(), block, 0).unwrap();
            assert_eq!(read, whole, "blocks of {block}");
        }
    }

    /// A summary as `write_summary` writes it (every column, metadata,
    /// whole days), with a customer first seen on the end day.
    fn written_summary(unit: TimeUnit) -> String {
        let mut log = String::from("customer_id,date,amount\n");
        for c in 0..400u32 {
            let first = 1 + c % 300;
            log.push_str(&format!(
                "c{c},2024-{:02}-{:02},{}.5\n",
                1 + first / 28 % 12,
                1 + first % 28,
                c % 17
            ));
            for k in 0..(c % 7) {
                let day = first + 3 + k * (1 + c % 11);
                if day < 336 {
                    log.push_str(&format!(
                        "c{c},2024-{:02}-{:02},{}\n",
                        1 + day / 28 % 12,
                        1 + day % 28,
                        3 + k
                    ));
                }
            }
        }
        log.push_str("late,2024-12-28,4\n");
        let log = crate::csv::CsvOptions::default()
            .read(log.as_bytes())
            .unwrap();
        let summary = crate::Summarizer::builder(Date::parse("2024-12-28").unwrap())
            .unit(unit)
            .build()
            .unwrap()
            .summarize(log.transactions())
            .unwrap();
        let mut out = Vec::new();
        crate::csv::write_summary(&mut out, &summary, &log).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn summary_rows_equal_the_full_readers_rows() {
        let days = written_summary(TimeUnit::DAY);
        check_same(&days);
        assert_eq!(read_summary_rows(days.as_bytes()).unwrap().left_out(), 1);
        // Weeks: fractional times, the hashed count.
        check_same(&written_summary(TimeUnit::WEEK));
        // CRLF line ends, no final line end, fields with spaces.
        let crlf = days.replace('\n', "\r\n");
        check_same(&crlf);
        check_same(days.trim_end());
        check_same(&days.replace(",1,2024-12-28", ", 1 ,2024-12-28"));
        // Those four take the plain path.
        for text in [
            &days,
            &crlf,
            days.trim_end(),
            &days.replace(",1,2024", ", 1 ,2024"),
        ] {
            assert!(plain_summary_rows(text.as_bytes()).is_some());
        }
        // Lifetimes' and CLVTools' layouts, and pandas' floats for x (the
        // general reader's path).
        for text in [
            include_str!("../../tests/data/lifetimes_cdnow_summary_days.csv"),
            include_str!("../../tests/data/lifetimes_apparel_summary_weeks.csv"),
            "id,x,t.x,T.cal\n1,1,2.5,4\n2,0,0,4\n3,1,2.5,4\n4,3,1,1\n",
            "customer_id,frequency,recency,T\n\"a\",2.0,3,5\nb,0.0,0,5\n",
            "customer_id,frequency,recency,T\na,2,3,5\n\nb,0,0,5\n",
        ] {
            check_same(text);
        }
    }

    /// Whole numbers take the packed integer path only where they pack
    /// (x below 2^20, times below 2^22, up to nine digits); the rest go
    /// through `f64` (the hashed count from the first that does not pack),
    /// with the same rows as the full reader either way, and so do rows
    /// left out, invalid histories, rows wider than the header and headers
    /// too wide for the plain path.
    #[test]
    fn packed_and_float_rows_count_alike() {
        let head = "customer_id,frequency,recency,T\n";
        for body in [
            "a,2,3,5\nb,0,0,5\nc,2,3,5\nd,0,0,0\n",
            "a,2,3,5\nb,1048576,9,10\nc,2,3,5\nd,1,4194303,4194304\n",
            "a,2,3,4194304\nb,2,3,5\nc,0,0,4194303\n",
            "a,2,3,5\nb,2,3.5,5\nc,2,3,5\nd,1,0003,0005\n",
            "a,2,3,5\nb,2,3,1234567890\nc,1,1,5.0\n",
            "a,0,0,0\nb,0,0,0\n",
            "a, 2 ,3,5\nb,2,3, 5\n",
        ] {
            check_same(&format!("{head}{body}"));
        }
        for body in [
            "a,2,6,5\n",
            "a,0,3,5\n",
            "a,2,0,5\n",
            "a,2,3,5\nb,1,1,5,7\n",
            "a,2,3,5\nb,1,1,5,7,8,9,1,2,3,4,5,6,7,8,9,1,2,3\n",
        ] {
            let text = format!("{head}{body}");
            let fast = read_summary_rows(text.as_bytes()).map_err(|e| e.to_string());
            let full = via_full_reader(&text)
                .map(|_| ())
                .map_err(|e| e.to_string());
            assert_eq!(fast.map(|_| ()), full, "{text:?}");
            assert!(full.is_err(), "{text:?}");
            check_blocks(&text);
        }
        // 300 columns: read by the general path, as before.
        let extra: String = (0..296).map(|k| format!(",c{k}")).collect();
        let values: String = (0..296).map(|k| format!(",{k}")).collect();
        let wide =
            format!("customer_id,frequency,recency,T{extra}\na,2,3,5{values}\nb,0,0,5{values}\n");
        assert!(plain_summary_rows(wide.as_bytes()).is_none());
        check_same(&wide);
    }

    /// Rows with many unused columns, whole words of commas or fields
    /// of any length: the same rows as the full reader, and the same
    /// refusal of a row one field too wide or too narrow, in blocks of any
    /// size.
    #[test]
    fn wide_rows_read_alike() {
        let unused: Vec<String> = (1..=12).map(|k| format!("u{k}")).collect();
        let head = format!(
            "customer_id,frequency,recency,T,{},unit_days\n",
            unused.join(",")
        );
        let mut text = head.clone();
        for i in 0..40u32 {
            let x = i % 7;
            let t_x = if x == 0 { 0 } else { i % 11 + x };
            let age = 30 + i % 5;
            // Empty fields (eight commas to a word) or fields of 0 to 11
            // digits (commas spread over the words).
            let fields = if i % 2 == 0 {
                ",".repeat(11)
            } else {
                (0..12).map(|k| "9".repeat(k)).collect::<Vec<_>>().join(",")
            };
            text.push_str(&format!("c{i},{x},{t_x},{age},{fields},1\n"));
        }
        check_same(&text);
        assert!(plain_summary_rows(text.as_bytes()).is_some());
        let (wide, narrow) = (",".repeat(12), ",".repeat(10));
        for fields in [wide, narrow] {
            let bad = format!("{text}c40,1,2,30,{fields},1\n");
            let fast = read_summary_rows(bad.as_bytes()).unwrap_err();
            let full = via_full_reader(&bad).unwrap_err();
            assert_eq!(fast.to_string(), full.to_string());
            assert!(fast.to_string().contains("line 42"), "{fast}");
            check_blocks(&bad);
        }
    }

    #[test]
    fn summary_rows_errors_are_the_full_readers() {
        for text in [
            "customer_id,frequency,recency,T\na,2,6,5\n",
            "customer_id,frequency,recency,T\na,2,0,5\n",
            "customer_id,frequency,recency\na,2,3\n",
            "customer_id,frequency,recency,T\na,2,3,5,9\n",
            "customer_id,frequency,recency,T,unit_days\na,2,3,5,1\nb,1,1,5,7\n",
            "customer_id,frequency,recency,T\na,x,3,5\n",
        ] {
            let fast = read_summary_rows(text.as_bytes()).unwrap_err();
            let full = via_full_reader(text).unwrap_err();
            assert_eq!(fast.to_string(), full.to_string(), "{text:?}");
            check_blocks(text);
        }
    }

    #[test]
    fn summary_rows_of_a_file_are_those_of_its_bytes() {
        let dir = std::env::temp_dir().join(format!("cv-summary-rows-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let days = written_summary(TimeUnit::DAY);
        let lone_cr = days.replacen('\n', "\r", 3);
        for (name, text) in [
            ("days.csv", days.as_str()),
            ("crlf.csv", &days.replace('\n', "\r\n")),
            (
                "quoted.csv",
                "customer_id,frequency,recency,T\n\"a\",2.0,3,5\nb,0.0,0,5\n",
            ),
            ("lone_cr.csv", &lone_cr),
            ("empty.csv", ""),
        ] {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            let from_path = read_summary_rows_path(&path).map_err(|e| e.to_string());
            let from_bytes = read_summary_rows(text.as_bytes()).map_err(|e| e.to_string());
            assert_eq!(from_path, from_bytes, "{name}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A file read as two halves on two threads counts what one pass
    /// counts, and declines what one pass declines: whole-day and
    /// fractional times, CRLF, no final line end, a row that does not pack
    /// in either half, metadata that changes in the second half, an
    /// invalid row or a blank line past the middle.
    #[cfg(unix)]
    #[test]
    fn halves_count_as_one_pass() {
        let dir = std::env::temp_dir().join(format!("cv-summary-halves-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut plain = String::from("customer_id,frequency,recency,T,unit_days\n");
        for i in 0..3000u32 {
            let age = 20 + i % 400;
            let x = i % 7;
            let t_x = if x == 0 { 0 } else { 1 + i % age };
            plain.push_str(&format!("c{i},{x},{t_x},{age},1\n"));
        }
        let lines: Vec<&str> = plain.lines().collect();
        let with_line = |at: usize, line: &str| {
            let mut l = lines.clone();
            l[at] = line;
            l.join("\n") + "\n"
        };
        let late = lines.len() - 5;
        let days = written_summary(TimeUnit::DAY);
        let texts = [
            days.clone(),
            written_summary(TimeUnit::WEEK),
            days.replace('\n', "\r\n"),
            days.trim_end().to_owned(),
            plain.clone(),
            with_line(late, "z,3,2.5,300,1"),
            with_line(3, "z,3,2.5,300,1"),
            with_line(late, "z,1048576,9,300,1"),
            with_line(late, "z,3,2,300,7"),
            plain.replace(",1\n", ",7\n"),
            with_line(late, "z,3,301,300,1"),
            with_line(late, ""),
            with_line(lines.len() / 2, ""),
            with_line(lines.len() / 2 + 1, ""),
        ];
        let mut split_some = 0;
        for (k, text) in texts.iter().enumerate() {
            let path = dir.join(format!("{k}.csv"));
            std::fs::write(&path, text).unwrap();
            let file = std::fs::File::open(&path).unwrap();
            let one = plain_summary_rows(text.as_bytes());
            if let Some(split) = plain_summary_rows_split(&file, text.len(), 0).unwrap() {
                assert_eq!(split, one, "text {k}");
                split_some += 1;
            }
            // The whole path, with its split, agrees with the bytes.
            let from_path = read_summary_rows_path(&path).map_err(|e| e.to_string());
            let from_bytes = read_summary_rows(text.as_bytes()).map_err(|e| e.to_string());
            assert_eq!(from_path, from_bytes, "text {k}");
        }
        assert_eq!(split_some, texts.len());
        // Which of them the plain path takes in one pass, as intended.
        let taken: Vec<bool> = texts
            .iter()
            .map(|t| plain_summary_rows(t.as_bytes()).is_some())
            .collect();
        assert_eq!(
            taken,
            [
                true, true, true, true, true, true, true, true, false, true, false, false, false,
                false
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

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
