//! Reading transaction logs from CSV, and writing summaries back to CSV.
//!
//! [`CsvOptions`] says how a file is laid out: the [`Delimiter`] (one byte,
//! or runs of whitespace as in CDNOW's file), whether there is a header,
//! which [`Column`]s hold the customer, date and amount (and optionally a
//! quantity and a product category), and how customer ids are read
//! ([`IdKind`]). [`CsvOptions::read`] and [`CsvOptions::read_path`] turn the
//! file into a [`TransactionLog`]. Every bad field is an [`Error::Parse`]
//! naming its line and column.
//!
//! [`write_summary`] writes a [`Summary`] as CSV, one row per customer, with
//! the columns of Python lifetimes' `summary_data_from_transaction_data`
//! first; [`write_holdout_only`] writes the customers first seen in the
//! holdout period.
//!
//! # Example
//! ```
//! use customer_value::csv::CsvOptions;
//! use customer_value::{CustomerId, Date, Decimal, Error, Summarizer};
//!
//! let file = "\
//! customer_id,date,amount
//! 7,2024-01-03,10.00
//! 7,2024-01-10,40.50
//! 9,2024-01-05,5
//! ";
//! let log = CsvOptions::default().read(file.as_bytes())?;
//! assert_eq!(log.len(), 3);
//! let t = log.transactions()[1];
//! assert_eq!((t.customer(), t.date()), (CustomerId::new(7), Date::parse("2024-01-10")?));
//! assert_eq!(t.amount(), Decimal::new(4050, 2));
//!
//! let summary = Summarizer::builder(Date::parse("2024-01-31")?).build()?.summarize(log.transactions())?;
//! let mut out = Vec::new();
//! customer_value::csv::write_summary(&mut out, &summary, &log)?;
//! let text = String::from_utf8(out)?;
//! assert!(text.starts_with("customer_id,frequency,recency,T,monetary_value,"));
//! assert_eq!(text.lines().nth(1), Some("7,1,7,28,40.50,2,2,2024-01-03,2024-01-10,50.50,25.25,0"));
//!
//! // A bad field names its line and column.
//! let bad = "customer_id,date,amount\n7,2024-01-03,10\n7,2024-13-01,10\n";
//! let err = CsvOptions::default().read(bad.as_bytes()).unwrap_err();
//! assert!(matches!(err, Error::Parse { line: 3, ref column, .. } if column == "date"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Reading CDNOW
//! Fader and Hardie's CDNOW sample is whitespace separated without a
//! header: `master_id sample_id date number_of_cds dollar_value`.
//! ```
//! use customer_value::csv::{Column, CsvOptions, Delimiter};
//! use customer_value::{CustomerId, Decimal};
//!
//! let cdnow = " 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n";
//! let options = CsvOptions::builder()
//!     .delimiter(Delimiter::Whitespace)
//!     .header(false)
//!     .customer_column(Column::Position(2))
//!     .date_column(Column::Position(3))
//!     .amount_column(Column::Position(5))
//!     .quantity_column(Column::Position(4))
//!     .build()?;
//! let log = options.read(cdnow.as_bytes())?;
//! assert_eq!(log.transactions()[0].customer(), CustomerId::new(1)); // "0001" is a number
//! assert_eq!(log.transactions()[1].amount(), Decimal::new(2973, 2));
//! assert_eq!(log.transactions()[1].quantity(), Some(2));
//! # Ok::<(), customer_value::Error>(())
//! ```

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::model::{CustomerId, Date, Transaction, TransactionLog};
use crate::summary::Summary;

/// How the fields of a line are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Delimiter {
    /// One ASCII byte, such as `b','`, `b';'` or `b'\t'`. Fields may be
    /// quoted with `"` as in RFC 4180 (a quote inside a quoted field is
    /// doubled).
    Byte(u8),
    /// Runs of spaces and tabs; leading and trailing ones are ignored, so
    /// columns aligned with spaces (CDNOW's file) read as intended. There is
    /// no quoting, so no field can contain a space.
    Whitespace,
}

impl Default for Delimiter {
    /// A comma.
    fn default() -> Delimiter {
        Delimiter::Byte(b',')
    }
}

/// A column of the input: by its header name, or by its 1-based position
/// (the only way in a file without a header).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Column {
    /// The column whose header is this name (compared exactly, after
    /// trimming spaces around the header field).
    Name(String),
    /// The column at this position, counting from 1.
    Position(usize),
}

impl Column {
    /// The column with this header name.
    pub fn name(name: impl Into<String>) -> Column {
        Column::Name(name.into())
    }
}

impl From<&str> for Column {
    fn from(name: &str) -> Column {
        Column::Name(name.to_owned())
    }
}

impl From<String> for Column {
    fn from(name: String) -> Column {
        Column::Name(name)
    }
}

impl fmt::Display for Column {
    /// The name, or the 1-based position, as error messages show it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Column::Name(name) => f.write_str(name),
            Column::Position(p) => fmt::Display::fmt(p, f),
        }
    }
}

/// How customer ids are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum IdKind {
    /// Numbers when every id in the file is a number (ASCII digits that fit
    /// a `u64`: `"0001"` is customer 1), strings otherwise (the default).
    ///
    /// When a file mixes the two, every id is interned as a string, in the
    /// log's [customer names](TransactionLog::customer_names), and no
    /// customer is lost or merged with another: each number keeps its own
    /// id, labelled with its spelling in the file. Numbers are compared by
    /// value in both cases, so `7` and `007` are the same customer (the
    /// label is one of the spellings); use [`IdKind::String`] to keep them
    /// apart.
    #[default]
    Auto,
    /// Every id must be a number (ASCII digits that fit a `u64`), used as
    /// the [`CustomerId`] itself; anything else is an [`Error::Parse`].
    Numeric,
    /// Every id is a string, interned in the log's customer names; `7` and
    /// `007` are two customers.
    String,
}

/// The default header names of the three required columns.
const DEFAULT_NAMES: [&str; 3] = ["customer_id", "date", "amount"];

/// How a CSV transaction log is laid out; made by [`CsvOptions::builder`],
/// whose [`build`](CsvOptionsBuilder::build) checks the options once.
///
/// The default ([`CsvOptions::default`]) reads a comma-separated file with
/// a header naming the columns `customer_id`, `date` and `amount`, with
/// [`IdKind::Auto`] ids.
///
/// # Fields
/// - Customer ids: see [`IdKind`]. An empty id is an error.
/// - Dates: `YYYY-MM-DD` or `YYYYMMDD` (see [`Date::parse`]); a time of day
///   after an ISO date (`2024-05-01T10:30:00`, `2024-05-01 10:30`) is
///   ignored, so the date is the calendar date as written.
/// - Amounts: decimal numbers (`12`, `-3.5`, `+0.99`, `.5`, or with an
///   exponent, `1.5e2`), read exactly as a [`Decimal`]; a negative amount is
///   a refund (see [`RefundPolicy`](crate::RefundPolicy)). No currency signs
///   or thousands separators.
/// - Quantity (optional column): a whole number of at least 1; an empty
///   field means unknown.
/// - Category (optional column): any text, interned in the log's
///   [category names](TransactionLog::category_names); an empty field means
///   none.
///
/// Spaces around a field are ignored. Every line must have as many fields
/// as the header (or, without a header, as the first line); blank lines
/// are skipped. Lines end with `\n` or `\r\n`. A UTF-8 byte-order mark at
/// the start is ignored.
///
/// # Speed
/// Input without quotes is split by this module directly, and fields are
/// parsed from bytes without allocating; from the first stretch of input
/// that has a `"` (or a lone `\r` line end) on, the `csv` crate parses the
/// rest, so quoting follows RFC 4180. Reading a 1M-row, 23 MB log takes
/// about 0.1 s.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CsvOptions {
    delimiter: Delimiter,
    header: bool,
    customer: Column,
    date: Column,
    amount: Column,
    quantity: Option<Column>,
    category: Option<Column>,
    id_kind: IdKind,
}

impl Default for CsvOptions {
    fn default() -> CsvOptions {
        CsvOptions {
            delimiter: Delimiter::default(),
            header: true,
            customer: Column::from(DEFAULT_NAMES[0]),
            date: Column::from(DEFAULT_NAMES[1]),
            amount: Column::from(DEFAULT_NAMES[2]),
            quantity: None,
            category: None,
            id_kind: IdKind::Auto,
        }
    }
}

/// Options for [`CsvOptions`]: chained setters, then one
/// [`build`](CsvOptionsBuilder::build) that checks them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CsvOptionsBuilder {
    delimiter: Delimiter,
    header: bool,
    customer: Option<Column>,
    date: Option<Column>,
    amount: Option<Column>,
    quantity: Option<Column>,
    category: Option<Column>,
    id_kind: IdKind,
}

impl CsvOptions {
    /// Starts a builder with the defaults: comma, header, columns
    /// `customer_id`, `date`, `amount`, [`IdKind::Auto`].
    pub fn builder() -> CsvOptionsBuilder {
        CsvOptionsBuilder {
            delimiter: Delimiter::default(),
            header: true,
            customer: None,
            date: None,
            amount: None,
            quantity: None,
            category: None,
            id_kind: IdKind::Auto,
        }
    }

    /// The field delimiter.
    pub fn delimiter(&self) -> Delimiter {
        self.delimiter
    }

    /// Whether the first line is a header.
    pub fn has_header(&self) -> bool {
        self.header
    }

    /// The customer id column.
    pub fn customer_column(&self) -> &Column {
        &self.customer
    }

    /// The date column.
    pub fn date_column(&self) -> &Column {
        &self.date
    }

    /// The amount column.
    pub fn amount_column(&self) -> &Column {
        &self.amount
    }

    /// The quantity column, if any.
    pub fn quantity_column(&self) -> Option<&Column> {
        self.quantity.as_ref()
    }

    /// The category column, if any.
    pub fn category_column(&self) -> Option<&Column> {
        self.category.as_ref()
    }

    /// How customer ids are read.
    pub fn id_kind(&self) -> IdKind {
        self.id_kind
    }

    /// Reads a transaction log from CSV text, in file order.
    ///
    /// The reader is buffered here; pass a [`File`] or a byte slice as it
    /// is.
    ///
    /// # Errors
    /// - [`Error::Parse`] for the first bad field, naming its 1-based line
    ///   and its column (header name or position): a bad date, amount,
    ///   quantity or customer id, an empty customer id, a line with the
    ///   wrong number of fields, a header (line 1) without a requested
    ///   column, or two roles given the same column;
    /// - [`Error::InvalidValue`] when the reader fails (an I/O error);
    /// - [`Error::Overflow`] past 2^32 distinct customer or category names.
    ///
    /// # Example
    /// ```
    /// use customer_value::csv::{Column, CsvOptions, IdKind};
    ///
    /// let file = "when;who;spent;what\n2024-05-01;alice;12.50;books\n2024-05-02;bob;3;music\n";
    /// let options = CsvOptions::builder()
    ///     .delimiter(customer_value::csv::Delimiter::Byte(b';'))
    ///     .customer_column("who")
    ///     .date_column("when")
    ///     .amount_column("spent")
    ///     .category_column("what")
    ///     .build()?;
    /// let log = options.read(file.as_bytes())?;
    /// assert_eq!(log.customer_label(log.transactions()[1].customer()), "bob");
    /// assert_eq!(log.category_names().len(), 2);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn read<R: Read>(&self, input: R) -> Result<TransactionLog> {
        self.read_into(input, 0)
    }

    /// Reads a transaction log from the CSV file at `path`; see
    /// [`CsvOptions::read`].
    ///
    /// # Errors
    /// - [`Error::InvalidParameter`] named `path` when the file cannot be
    ///   opened (the value shows the path and the system's reason);
    /// - as [`CsvOptions::read`] otherwise.
    pub fn read_path(&self, path: impl AsRef<Path>) -> Result<TransactionLog> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| Error::InvalidParameter {
            name: "path",
            value: format!("{} ({e})", path.display()),
            reason: "cannot be opened",
        })?;
        // A row takes at least ~12 bytes; reserve for ~20-byte rows, which
        // costs nothing for pages never touched.
        let guess = file
            .metadata()
            .map_or(0, |m| usize::try_from(m.len() / 20).unwrap_or(0));
        self.read_into(file, guess.min(1 << 26))
    }

    fn read_into<R: Read>(&self, input: R, capacity: usize) -> Result<TransactionLog> {
        let mut sink = Sink::new(self, capacity);
        let mut chunks = Chunks::new(input);
        let mut line = 0u64;
        let mut bounds = Vec::with_capacity(16);
        loop {
            let chunk = chunks.next().map_err(|e| read_error(line + 1, &e))?;
            let Some(chunk) = chunk else { break };
            match self.delimiter {
                Delimiter::Whitespace => {
                    split_whitespace(chunk, &mut line, &mut bounds, &mut sink)?
                }
                Delimiter::Byte(delimiter) => {
                    if needs_csv_parser(chunk) {
                        // Quoted fields (or old Mac line ends) from here on:
                        // the csv crate reads the rest.
                        chunks.unread();
                        read_quoted(chunks.into_reader(), delimiter, line, &mut sink)?;
                        break;
                    }
                    split_delimited(chunk, delimiter, &mut line, &mut bounds, &mut sink)?;
                }
            }
        }
        sink.finish()
    }
}

impl CsvOptionsBuilder {
    /// The field delimiter (default a comma).
    pub fn delimiter(mut self, delimiter: Delimiter) -> CsvOptionsBuilder {
        self.delimiter = delimiter;
        self
    }

    /// Whether the first line is a header (default `true`). Without one,
    /// columns are given by position, and default to 1, 2, 3 for the
    /// customer, date and amount.
    pub fn header(mut self, header: bool) -> CsvOptionsBuilder {
        self.header = header;
        self
    }

    /// The customer id column (default `customer_id`, or position 1
    /// without a header).
    pub fn customer_column(mut self, column: impl Into<Column>) -> CsvOptionsBuilder {
        self.customer = Some(column.into());
        self
    }

    /// The date column (default `date`, or position 2 without a header).
    pub fn date_column(mut self, column: impl Into<Column>) -> CsvOptionsBuilder {
        self.date = Some(column.into());
        self
    }

    /// The amount column (default `amount`, or position 3 without a
    /// header).
    pub fn amount_column(mut self, column: impl Into<Column>) -> CsvOptionsBuilder {
        self.amount = Some(column.into());
        self
    }

    /// A column with the number of units bought (default: none).
    pub fn quantity_column(mut self, column: impl Into<Column>) -> CsvOptionsBuilder {
        self.quantity = Some(column.into());
        self
    }

    /// A column with the product category (default: none).
    pub fn category_column(mut self, column: impl Into<Column>) -> CsvOptionsBuilder {
        self.category = Some(column.into());
        self
    }

    /// How customer ids are read (default [`IdKind::Auto`]).
    pub fn id_kind(mut self, kind: IdKind) -> CsvOptionsBuilder {
        self.id_kind = kind;
        self
    }

    /// Checks the options.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`]:
    /// - named `delimiter` for a byte that is not ASCII, or is `"`, `\r`
    ///   or `\n`;
    /// - named `column` for position 0, an empty name, or a name in a file
    ///   without a header;
    /// - named `columns` when two roles are given the same column.
    ///
    /// # Example
    /// ```
    /// use customer_value::csv::{Column, CsvOptions};
    ///
    /// assert!(CsvOptions::builder().header(false).build().is_ok()); // positions 1, 2, 3
    /// assert!(CsvOptions::builder().header(false).customer_column("id").build().is_err());
    /// assert!(CsvOptions::builder().date_column(Column::Position(0)).build().is_err());
    /// ```
    pub fn build(self) -> Result<CsvOptions> {
        if let Delimiter::Byte(b) = self.delimiter {
            if !b.is_ascii() || matches!(b, b'"' | b'\r' | b'\n') {
                return Err(Error::InvalidParameter {
                    name: "delimiter",
                    value: format!("{:?}", char::from(b)),
                    reason: "a delimiter must be an ASCII byte other than a quote or a line break",
                });
            }
        }
        let default = |i: usize| {
            if self.header {
                Column::from(DEFAULT_NAMES[i])
            } else {
                Column::Position(i + 1)
            }
        };
        let options = CsvOptions {
            delimiter: self.delimiter,
            header: self.header,
            customer: self.customer.unwrap_or_else(|| default(0)),
            date: self.date.unwrap_or_else(|| default(1)),
            amount: self.amount.unwrap_or_else(|| default(2)),
            quantity: self.quantity,
            category: self.category,
            id_kind: self.id_kind,
        };
        let columns = options.columns();
        for (_, column) in &columns {
            let reason = match column {
                Column::Position(0) => "positions count from 1",
                Column::Name(name) if name.trim().is_empty() => "a column name must not be empty",
                Column::Name(_) if !options.header => {
                    "a file without a header has no column names; give the column's position"
                }
                _ => continue,
            };
            return Err(Error::InvalidParameter {
                name: "column",
                value: format!("{column:?}"),
                reason,
            });
        }
        for (i, (_, a)) in columns.iter().enumerate() {
            if columns[i + 1..].iter().any(|(_, b)| a == b) {
                return Err(Error::InvalidParameter {
                    name: "columns",
                    value: format!("{a:?}"),
                    reason: "each of customer, date, amount, quantity and category needs its own column",
                });
            }
        }
        Ok(options)
    }
}

impl TryFrom<CsvOptionsBuilder> for CsvOptions {
    type Error = Error;
    fn try_from(b: CsvOptionsBuilder) -> Result<CsvOptions> {
        b.build()
    }
}

/// The five roles a column can play.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Customer,
    Date,
    Amount,
    Quantity,
    Category,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Date => "date",
            Role::Amount => "amount",
            Role::Quantity => "quantity",
            Role::Category => "category",
        }
    }
}

impl CsvOptions {
    /// The columns in use, with their roles.
    fn columns(&self) -> Vec<(Role, &Column)> {
        let mut columns = vec![
            (Role::Customer, &self.customer),
            (Role::Date, &self.date),
            (Role::Amount, &self.amount),
        ];
        columns.extend(self.quantity.iter().map(|c| (Role::Quantity, c)));
        columns.extend(self.category.iter().map(|c| (Role::Category, c)));
        columns
    }

    fn column(&self, role: Role) -> Option<&Column> {
        match role {
            Role::Customer => Some(&self.customer),
            Role::Date => Some(&self.date),
            Role::Amount => Some(&self.amount),
            Role::Quantity => self.quantity.as_ref(),
            Role::Category => self.category.as_ref(),
        }
    }
}

/// The fields of one line, however it was split.
trait Fields {
    fn count(&self) -> usize;
    fn field(&self, i: usize) -> &[u8];
}

impl Fields for ::csv::ByteRecord {
    #[inline]
    fn count(&self) -> usize {
        self.len()
    }
    #[inline]
    fn field(&self, i: usize) -> &[u8] {
        self.get(i).unwrap_or_default()
    }
}

/// A line split by the reader itself (no quotes in it): `bounds` are the
/// fields' ranges in `line`.
struct Split<'a> {
    line: &'a [u8],
    bounds: &'a [(usize, usize)],
}

impl Fields for Split<'_> {
    #[inline]
    fn count(&self) -> usize {
        self.bounds.len()
    }
    #[inline]
    fn field(&self, i: usize) -> &[u8] {
        self.bounds
            .get(i)
            .and_then(|&(a, b)| self.line.get(a..b))
            .unwrap_or_default()
    }
}

fn read_error(line: u64, e: &dyn fmt::Display) -> Error {
    Error::InvalidValue {
        what: "CSV input",
        reason: format!("cannot read line {line}: {e}"),
    }
}

/// The input in chunks of whole lines (the last one may lack its line
/// end), about [`Chunks::SIZE`] bytes each, a leading byte-order mark
/// skipped.
struct Chunks<R> {
    input: R,
    buf: Vec<u8>,
    /// Bytes of `buf` filled.
    len: usize,
    /// Bytes of `buf` handed out by the last [`Chunks::next`].
    done: usize,
    eof: bool,
    started: bool,
}

impl<R: Read> Chunks<R> {
    const SIZE: usize = 1 << 20;

    fn new(input: R) -> Chunks<R> {
        Chunks {
            input,
            buf: Vec::new(),
            len: 0,
            done: 0,
            eof: false,
            started: false,
        }
    }

    fn next(&mut self) -> io::Result<Option<&[u8]>> {
        self.buf.copy_within(self.done..self.len, 0);
        self.len -= self.done;
        self.done = 0;
        let mut searched = 0;
        loop {
            if self.eof {
                if self.len == 0 {
                    return Ok(None);
                }
                self.done = self.len;
                return Ok(Some(&self.buf[..self.len]));
            }
            if self.len == self.buf.len() {
                if let Some(end) = self.buf[searched..self.len]
                    .iter()
                    .rposition(|&b| b == b'\n')
                {
                    self.done = searched + end + 1;
                    return Ok(Some(&self.buf[..self.done]));
                }
                // No line end in the whole buffer: a very long line.
                searched = self.len;
                self.buf.resize((self.buf.len() * 2).max(Self::SIZE), 0);
            }
            match self.input.read(&mut self.buf[self.len..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
            if !self.started && (self.len >= 3 || self.eof) {
                self.started = true;
                if self.buf[..self.len].starts_with(b"\xEF\xBB\xBF") {
                    self.buf.copy_within(3..self.len, 0);
                    self.len -= 3;
                }
            }
        }
    }

    /// Takes back the chunk the last [`Chunks::next`] returned.
    fn unread(&mut self) {
        self.done = 0;
    }

    /// What is left to read, as one reader.
    fn into_reader(mut self) -> io::Chain<io::Cursor<Vec<u8>>, R> {
        self.buf.truncate(self.len);
        self.buf.drain(..self.done);
        io::Cursor::new(self.buf).chain(self.input)
    }
}

/// Whether a chunk needs a real CSV parser: it has quotes, or a carriage
/// return that does not end a line.
fn needs_csv_parser(chunk: &[u8]) -> bool {
    chunk.contains(&b'"')
        || (chunk.contains(&b'\r')
            && chunk
                .iter()
                .enumerate()
                .any(|(i, &b)| b == b'\r' && chunk.get(i + 1).is_some_and(|&n| n != b'\n')))
}

/// Splits a chunk without quotes into lines and fields; `line` counts
/// lines. Blank lines are skipped, as the csv crate does.
fn split_delimited(
    chunk: &[u8],
    delimiter: u8,
    line: &mut u64,
    bounds: &mut Vec<(usize, usize)>,
    sink: &mut Sink<'_>,
) -> Result<()> {
    bounds.clear();
    let mut line_start = 0;
    let mut field_start = 0;
    for (i, &b) in chunk.iter().enumerate() {
        if b == delimiter {
            bounds.push((field_start, i));
            field_start = i + 1;
        } else if b == b'\n' {
            let end = if i > field_start && chunk[i - 1] == b'\r' {
                i - 1
            } else {
                i
            };
            bounds.push((field_start, end));
            end_line(chunk, line_start, line, bounds, sink)?;
            line_start = i + 1;
            field_start = i + 1;
        }
    }
    if line_start < chunk.len() {
        let end = chunk.len() - usize::from(chunk.ends_with(b"\r") && chunk.len() > field_start);
        bounds.push((field_start, end));
        end_line(chunk, line_start, line, bounds, sink)?;
    }
    Ok(())
}

/// Hands a split line to the sink (skipping blank lines) and clears
/// `bounds`.
#[inline]
fn end_line(
    chunk: &[u8],
    line_start: usize,
    line: &mut u64,
    bounds: &mut Vec<(usize, usize)>,
    sink: &mut Sink<'_>,
) -> Result<()> {
    *line += 1;
    let blank = bounds.len() == 1
        && bounds
            .first()
            .is_some_and(|&(a, b)| a == line_start && b == a);
    let result = if blank {
        Ok(())
    } else {
        sink.line(
            *line,
            &Split {
                line: chunk,
                bounds,
            },
        )
    };
    bounds.clear();
    result
}

/// Splits a chunk into lines, and lines into fields at runs of spaces and
/// tabs; `line` counts lines. Blank lines are skipped.
fn split_whitespace(
    chunk: &[u8],
    line: &mut u64,
    bounds: &mut Vec<(usize, usize)>,
    sink: &mut Sink<'_>,
) -> Result<()> {
    for text in chunk.split_inclusive(|&b| b == b'\n') {
        *line += 1;
        let offset = text.as_ptr() as usize - chunk.as_ptr() as usize;
        bounds.clear();
        let mut start = None;
        for (i, &b) in text.iter().enumerate() {
            let space = matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0b' | b'\x0c');
            match (start, space) {
                (None, false) => start = Some(i),
                (Some(s), true) => {
                    bounds.push((offset + s, offset + i));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            bounds.push((offset + s, offset + text.len()));
        }
        if !bounds.is_empty() {
            sink.line(
                *line,
                &Split {
                    line: chunk,
                    bounds,
                },
            )?;
        }
    }
    Ok(())
}

/// Reads the rest of the input with the csv crate, which handles quoted
/// fields; `before` lines were read already.
fn read_quoted<R: Read>(input: R, delimiter: u8, before: u64, sink: &mut Sink<'_>) -> Result<()> {
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(input);
    let mut record = ::csv::ByteRecord::new();
    let mut last_line = before;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => {
                let line = e.position().map_or(last_line + 1, |p| before + p.line());
                return Err(read_error(line, &e));
            }
        }
        last_line = record
            .position()
            .map_or(last_line + 1, |p| before + p.line());
        sink.line(last_line, &record)?;
    }
}

/// Column indices (0-based) resolved against the header or first line.
#[derive(Clone, Copy)]
struct Indices {
    customer: usize,
    date: usize,
    amount: usize,
    quantity: Option<usize>,
    category: Option<usize>,
}

/// How customer ids are being read.
enum Ids {
    /// Numbers so far. `strict` for [`IdKind::Numeric`]; `spellings` keeps,
    /// under [`IdKind::Auto`], how numbers written with leading zeros were
    /// spelled, in case the ids turn out mixed.
    Numbers {
        strict: bool,
        spellings: FxHashMap<u64, Box<str>>,
    },
    /// Interned strings. `by_number` (under [`IdKind::Auto`] only) maps
    /// numbers, compared by value, to their interned ids.
    Strings {
        by_number: Option<FxHashMap<u64, CustomerId>>,
    },
}

/// Turns lines into transactions.
struct Sink<'a> {
    options: &'a CsvOptions,
    indices: Option<Indices>,
    fields: usize,
    ids: Ids,
    /// The transactions read, moved into `log` at the end.
    transactions: Vec<Transaction>,
    /// Holds the interned names.
    log: TransactionLog,
    dates: DateCache,
}

impl<'a> Sink<'a> {
    fn new(options: &'a CsvOptions, capacity: usize) -> Sink<'a> {
        let ids = match options.id_kind {
            IdKind::Auto | IdKind::Numeric => Ids::Numbers {
                strict: options.id_kind == IdKind::Numeric,
                spellings: FxHashMap::default(),
            },
            IdKind::String => Ids::Strings { by_number: None },
        };
        Sink {
            options,
            indices: None,
            fields: 0,
            ids,
            transactions: Vec::with_capacity(capacity),
            log: TransactionLog::new(),
            dates: DateCache::new(),
        }
    }

    fn finish(mut self) -> Result<TransactionLog> {
        *self.log.transactions_mut() = self.transactions;
        Ok(self.log)
    }

    fn error(&self, line: u64, role: Role, reason: String) -> Error {
        Error::Parse {
            line,
            column: self
                .options
                .column(role)
                .map_or_else(|| role.name().to_owned(), Column::to_string),
            reason,
        }
    }

    /// Resolves the columns on the first line: the header, or the first
    /// record of a headerless file.
    fn resolve<F: Fields>(&mut self, line: u64, fields: &F) -> Result<Indices> {
        let n = fields.count();
        let mut found: Vec<(Role, usize)> = Vec::with_capacity(5);
        for (role, column) in self.options.columns() {
            let index = match column {
                Column::Position(p) if *p <= n => p - 1,
                Column::Position(_) => {
                    let reason = if self.options.header {
                        format!("the header has only {n} fields")
                    } else {
                        format!("the line has only {n} fields")
                    };
                    return Err(self.error(line, role, reason));
                }
                Column::Name(name) => (0..n)
                    .find(|&i| trim(fields.field(i)) == name.trim().as_bytes())
                    .ok_or_else(|| {
                        self.error(
                            line,
                            role,
                            format!("the header has no column {:?}", name.trim()),
                        )
                    })?,
            };
            if let Some((other, _)) = found.iter().find(|(_, i)| *i == index) {
                return Err(self.error(
                    line,
                    role,
                    format!(
                        "field {} is both the {} and the {} column",
                        index + 1,
                        other.name(),
                        role.name()
                    ),
                ));
            }
            found.push((role, index));
        }
        let get = |role| found.iter().find(|(r, _)| *r == role).map(|&(_, i)| i);
        self.fields = n;
        Ok(Indices {
            customer: get(Role::Customer).unwrap_or(0),
            date: get(Role::Date).unwrap_or(0),
            amount: get(Role::Amount).unwrap_or(0),
            quantity: get(Role::Quantity),
            category: get(Role::Category),
        })
    }

    /// Handles one non-blank line.
    #[inline]
    fn line<F: Fields>(&mut self, line: u64, fields: &F) -> Result<()> {
        let indices = match self.indices {
            Some(indices) => indices,
            None => {
                let indices = self.resolve(line, fields)?;
                self.indices = Some(indices);
                if self.options.header {
                    return Ok(());
                }
                indices
            }
        };
        if fields.count() != self.fields {
            return Err(self.field_count(line, fields.count()));
        }
        let customer = self.customer(line, trim(fields.field(indices.customer)))?;
        let date = match self.dates.get(trim(fields.field(indices.date))) {
            Ok(date) => date,
            Err(reason) => return Err(self.error(line, Role::Date, reason)),
        };
        let text = trim(fields.field(indices.amount));
        let amount = parse_amount(text).ok_or_else(|| {
            let reason = format!(
                "expected a decimal amount, got {:?}",
                String::from_utf8_lossy(text)
            );
            self.error(line, Role::Amount, reason)
        })?;
        let mut t = Transaction::new(customer, date, amount);
        if let Some(i) = indices.quantity {
            let text = trim(fields.field(i));
            if !text.is_empty() {
                let q = parse_u64(text)
                    .and_then(|q| u32::try_from(q).ok())
                    .filter(|&q| q >= 1)
                    .ok_or_else(|| {
                        let reason = format!(
                            "expected a whole quantity of at least 1, got {:?}",
                            String::from_utf8_lossy(text)
                        );
                        self.error(line, Role::Quantity, reason)
                    })?;
                t = t.with_quantity(q)?;
            }
        }
        if let Some(i) = indices.category {
            let text = trim(fields.field(i));
            if !text.is_empty() {
                let name = std::str::from_utf8(text).map_err(|_| {
                    self.error(
                        line,
                        Role::Category,
                        "the category is not valid UTF-8".into(),
                    )
                })?;
                t = t.with_category(self.log.category_id(name)?);
            }
        }
        self.transactions.push(t);
        Ok(())
    }

    #[cold]
    fn field_count(&self, line: u64, n: usize) -> Error {
        let expected = self.fields;
        let source = if self.options.header {
            "the header"
        } else {
            "the first line"
        };
        let reason = format!("expected {expected} fields as on {source}, found {n}");
        // Name the first requested column that is missing, else the first
        // field that should not be there.
        let missing = self.indices.and_then(|ix| {
            [
                (Role::Customer, Some(ix.customer)),
                (Role::Date, Some(ix.date)),
                (Role::Amount, Some(ix.amount)),
                (Role::Quantity, ix.quantity),
                (Role::Category, ix.category),
            ]
            .into_iter()
            .filter_map(|(role, i)| i.filter(|&i| i >= n).map(|i| (role, i)))
            .min_by_key(|&(_, i)| i)
        });
        match missing {
            Some((role, _)) => self.error(line, role, reason),
            None => Error::Parse {
                line,
                column: (n.min(expected) + 1).to_string(),
                reason,
            },
        }
    }

    #[inline]
    fn customer(&mut self, line: u64, text: &[u8]) -> Result<CustomerId> {
        if text.is_empty() {
            return Err(self.error(line, Role::Customer, "the customer id is empty".into()));
        }
        if let Ids::Numbers { strict, spellings } = &mut self.ids {
            if let Some(n) = parse_u64(text) {
                if !*strict && text.len() > 1 && text[0] == b'0' && !spellings.contains_key(&n) {
                    // All ASCII digits, so valid UTF-8.
                    let spelling = String::from_utf8_lossy(text).into();
                    spellings.insert(n, spelling);
                }
                return Ok(CustomerId::new(n));
            }
            if *strict {
                let reason = format!(
                    "expected a numeric customer id (digits, at most {}), got {:?}",
                    u64::MAX,
                    String::from_utf8_lossy(text)
                );
                return Err(self.error(line, Role::Customer, reason));
            }
            self.switch_to_strings()?;
        }
        // Strings from here on (`switch_to_strings` never leaves numbers).
        let by_number = match &mut self.ids {
            Ids::Strings { by_number } => by_number.as_mut(),
            Ids::Numbers { .. } => None,
        };
        if let (Some(map), Some(n)) = (by_number, parse_u64(text)) {
            if let Some(&id) = map.get(&n) {
                return Ok(id);
            }
            let label = String::from_utf8_lossy(text);
            let id = self.log.customer_id(&label)?;
            map.insert(n, id);
            return Ok(id);
        }
        match std::str::from_utf8(text) {
            Ok(name) => self.log.customer_id(name),
            Err(_) => Err(self.error(
                line,
                Role::Customer,
                "the customer id is not valid UTF-8".into(),
            )),
        }
    }

    /// Under [`IdKind::Auto`], on the first id that is not a number:
    /// re-maps the numeric ids read so far to interned names, in order of
    /// first appearance.
    #[cold]
    fn switch_to_strings(&mut self) -> Result<()> {
        let spellings = match std::mem::replace(&mut self.ids, Ids::Strings { by_number: None }) {
            Ids::Numbers { spellings, .. } => spellings,
            strings => {
                self.ids = strings;
                return Ok(());
            }
        };
        let mut by_number: FxHashMap<u64, CustomerId> = FxHashMap::default();
        let numeric = std::mem::take(&mut self.transactions);
        self.transactions.reserve(numeric.capacity());
        for t in numeric {
            let n = t.customer().get();
            let id = match by_number.get(&n) {
                Some(&id) => id,
                None => {
                    let label = spellings
                        .get(&n)
                        .map_or_else(|| Cow::Owned(n.to_string()), |s| Cow::Borrowed(&**s));
                    let id = self.log.customer_id(&label)?;
                    by_number.insert(n, id);
                    id
                }
            };
            let mut moved = Transaction::new(id, t.date(), t.amount());
            if let Some(q) = t.quantity() {
                moved = moved.with_quantity(q)?;
            }
            if let Some(c) = t.category() {
                moved = moved.with_category(c);
            }
            self.transactions.push(moved);
        }
        self.ids = Ids::Strings {
            by_number: Some(by_number),
        };
        Ok(())
    }
}

/// `bytes` without ASCII spaces and tabs around it.
#[inline]
fn trim(bytes: &[u8]) -> &[u8] {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = bytes
        .iter()
        .position(|b| !is_space(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |e| e + 1);
    bytes.get(start..end).unwrap_or_default()
}

/// ASCII digits that fit a `u64`; `None` for anything else.
#[inline]
fn parse_u64(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() {
        return None;
    }
    let mut n = 0u64;
    if bytes.len() <= 19 {
        // Below 10^19 < 2^64: no overflow possible.
        for &b in bytes {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            n = n * 10 + u64::from(d);
        }
        return Some(n);
    }
    for &b in bytes {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// Remembers the dates already parsed: a log has few distinct days.
struct DateCache {
    /// `(YYYYMMDD, date)`; 0 marks an empty slot.
    slots: Vec<(u32, Date)>,
}

impl DateCache {
    const SLOTS: usize = 4096;

    fn new() -> DateCache {
        DateCache {
            slots: vec![(0, Date::UNIX_EPOCH); Self::SLOTS],
        }
    }

    /// The date of `text`, or why it is not one.
    #[inline]
    fn get(&mut self, text: &[u8]) -> std::result::Result<Date, String> {
        let digits: [u8; 8] = match *text {
            [y0, y1, y2, y3, m0, m1, d0, d1] => [y0, y1, y2, y3, m0, m1, d0, d1],
            [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1, ref rest @ ..]
                if rest.is_empty() || matches!(rest[0], b'T' | b' ') =>
            {
                [y0, y1, y2, y3, m0, m1, d0, d1]
            }
            _ => return parse_date(text),
        };
        let mut ymd = 0u32;
        for b in digits {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                return parse_date(text);
            }
            ymd = ymd * 10 + u32::from(d);
        }
        let slot = ((ymd ^ (ymd >> 12)) as usize) % Self::SLOTS;
        match self.slots.get(slot) {
            Some(&(key, date)) if key == ymd => Ok(date),
            _ => {
                let date = parse_date(text)?;
                if let Some(entry) = self.slots.get_mut(slot) {
                    *entry = (ymd, date);
                }
                Ok(date)
            }
        }
    }
}

/// A date, or a time stamp whose time of day is ignored.
#[inline]
fn parse_date(text: &[u8]) -> std::result::Result<Date, String> {
    let date = match text.get(10) {
        Some(b'T' | b' ') if text.get(4) == Some(&b'-') => &text[..10],
        _ => text,
    };
    Date::parse_bytes(date).map_err(|e| match e {
        Error::InvalidDate { reason, .. } => {
            format!("invalid date {:?}: {reason}", String::from_utf8_lossy(text))
        }
        other => other.to_string(),
    })
}

/// An exact decimal amount; `None` when the text is not one.
#[inline]
fn parse_amount(text: &[u8]) -> Option<Decimal> {
    // Fast path: [+-]digits[.digits] with at most 18 digits.
    let (negative, body) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let mut mantissa = 0i64;
    let mut digits = 0u32;
    let mut scale = 0u32;
    let mut point = false;
    for &b in body {
        let d = b.wrapping_sub(b'0');
        if d <= 9 {
            digits += 1;
            if digits > 18 {
                return parse_amount_slow(text);
            }
            mantissa = mantissa * 10 + i64::from(d);
            scale += u32::from(point);
        } else if b == b'.' && !point {
            point = true;
        } else {
            return parse_amount_slow(text);
        }
    }
    if digits == 0 {
        return None;
    }
    // At most 18 digits: the mantissa fits an i64 and the scale is below 28.
    Decimal::try_new(if negative { -mantissa } else { mantissa }, scale).ok()
}

/// Long mantissas and exponents; rejects `_` separators, which
/// `rust_decimal` would accept.
#[cold]
fn parse_amount_slow(text: &[u8]) -> Option<Decimal> {
    if text.contains(&b'_') {
        return None;
    }
    let text = std::str::from_utf8(text).ok()?;
    Decimal::from_str_exact(text)
        .ok()
        .or_else(|| Decimal::from_scientific(text).ok())
}

// ---------------------------------------------------------------------------
// Writing

/// The columns [`write_summary`] writes, in order.
pub const SUMMARY_COLUMNS: [&str; 12] = [
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
    "mean_spend",
    "categories",
];

/// The columns [`write_summary`] adds when the summary has a holdout period.
pub const HOLDOUT_COLUMNS: [&str; 3] =
    ["holdout_purchases", "holdout_transactions", "holdout_spend"];

/// The columns [`write_holdout_only`] writes, in order.
pub const HOLDOUT_ONLY_COLUMNS: [&str; 5] = [
    "customer_id",
    "first_purchase",
    "holdout_purchases",
    "holdout_transactions",
    "holdout_spend",
];

/// Writes a summary as CSV: a header, then one row per customer.
///
/// The first five columns are those of Python lifetimes'
/// `summary_data_from_transaction_data` (which, with `freq='D'`, match a
/// summary in days with [`Grouping::Day`](crate::Grouping::Day)):
///
/// ```text
/// customer_id     the customer's name in `log`, or its number
/// frequency       x                               CustomerSummary::frequency
/// recency         t_x, first to last purchase     CustomerSummary::t_x   (lifetimes' name;
///                                                 not RFM recency, which is T - t_x)
/// T               age, first purchase to the end  CustomerSummary::age
/// monetary_value  zbar, mean repeat purchase      CustomerSummary::zbar
/// purchases, transactions, first_purchase, last_purchase, total_spend, mean_spend,
/// categories      as the CustomerSummary methods of those names
/// holdout_purchases, holdout_transactions, holdout_spend
///                 only when the summary has a holdout end
/// ```
///
/// Rows are sorted by customer: by number for numeric ids, by name (byte
/// order) when `log` has customer names. Times are written in Rust's
/// shortest round-trip form (`272`, `30.428571428571427`); money exactly as
/// [`Decimal`] displays it (`22.345`, `3.3333333333333333333333333333`).
/// Names containing a comma, quote or line break are quoted. Output is
/// buffered here; there is no need to wrap `writer` in a [`BufWriter`](std::io::BufWriter).
///
/// # Errors
/// Any error of `writer` (for example [`io::ErrorKind::BrokenPipe`]).
///
/// # Example
/// ```
/// use customer_value::{Date, Decimal, Summarizer, TransactionLog};
///
/// let mut log = TransactionLog::new();
/// let day = |s| Date::parse(s);
/// log.push_named("zoe", day("2024-01-01")?, Decimal::new(10, 0), None)?;
/// log.push_named("amy", day("2024-01-05")?, Decimal::new(7, 0), None)?;
/// log.push_named("zoe", day("2024-01-11")?, Decimal::new(25, 0), None)?;
/// let summary = Summarizer::builder(day("2024-01-31")?).build()?.summarize(log.transactions())?;
///
/// let mut out = Vec::new();
/// customer_value::csv::write_summary(&mut out, &summary, &log)?;
/// let text = String::from_utf8(out)?;
/// let rows: Vec<&str> = text.lines().skip(1).collect();
/// assert_eq!(rows, [
///     "amy,0,0,26,0,1,1,2024-01-05,2024-01-05,7,7,0",
///     "zoe,1,10,30,25,2,2,2024-01-01,2024-01-11,35,17.50,0",
/// ]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_summary<W: Write>(
    writer: W,
    summary: &Summary,
    log: &TransactionLog,
) -> io::Result<()> {
    let holdout = summary.summarizer().holdout_end().is_some();
    let rows = summary.customers();
    let order = sorted(rows.len(), |i| rows[i].customer(), log);
    let mut out = Output::new(writer);
    let mut header = SUMMARY_COLUMNS.join(",");
    if holdout {
        header.push(',');
        header.push_str(&HOLDOUT_COLUMNS.join(","));
    }
    header.push('\n');
    out.buf.extend_from_slice(header.as_bytes());
    let mut row = Row::new();
    for (i, label) in order {
        let c = &rows[i];
        row.clear();
        if label.is_none() {
            row.u64(c.customer().get());
        }
        row.field_u64(u64::from(c.frequency()));
        row.field_f64(c.t_x());
        row.field_f64(c.age());
        row.field_decimal(c.zbar());
        row.field_u64(u64::from(c.purchases()));
        row.field_u64(u64::from(c.transactions()));
        row.field_date(c.first_purchase());
        row.field_date(c.last_purchase());
        row.field_decimal(c.total_spend());
        row.field_decimal(c.mean_spend());
        row.field_u64(u64::from(c.categories()));
        if holdout {
            let h = c.holdout().copied().unwrap_or_default();
            row.field_u64(u64::from(h.purchases()));
            row.field_u64(u64::from(h.transactions()));
            row.field_decimal(h.spend());
        }
        row.byte(b'\n');
        out.row(label.as_deref(), &row)?;
    }
    out.finish()
}

/// Writes the customers whose first purchase is in the holdout period
/// ([`Summary::holdout_only`]) as CSV, with the columns
/// `customer_id,first_purchase,holdout_purchases,holdout_transactions,holdout_spend`,
/// sorted and labelled as in [`write_summary`].
///
/// # Errors
/// Any error of `writer`.
///
/// # Example
/// ```
/// use customer_value::{CustomerId, Date, Decimal, Summarizer, Transaction, TransactionLog};
///
/// let day = |s| Date::parse(s);
/// let log = TransactionLog::from_transactions(vec![
///     Transaction::new(CustomerId::new(1), day("2024-01-01")?, Decimal::new(10, 0)),
///     Transaction::new(CustomerId::new(2), day("2024-02-10")?, Decimal::new(4, 0)),
/// ]);
/// let summary = Summarizer::builder(day("2024-01-31")?)
///     .holdout_end(day("2024-02-29")?)
///     .build()?
///     .summarize(log.transactions())?;
/// let mut out = Vec::new();
/// customer_value::csv::write_holdout_only(&mut out, &summary, &log)?;
/// assert_eq!(String::from_utf8(out)?.lines().nth(1), Some("2,2024-02-10,1,1,4"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_holdout_only<W: Write>(
    writer: W,
    summary: &Summary,
    log: &TransactionLog,
) -> io::Result<()> {
    let rows = summary.holdout_only();
    let order = sorted(rows.len(), |i| rows[i].customer(), log);
    let mut out = Output::new(writer);
    out.buf
        .extend_from_slice(HOLDOUT_ONLY_COLUMNS.join(",").as_bytes());
    out.buf.push(b'\n');
    let mut row = Row::new();
    for (i, label) in order {
        let c = &rows[i];
        let a = c.activity();
        row.clear();
        if label.is_none() {
            row.u64(c.customer().get());
        }
        row.field_date(c.first_purchase());
        row.field_u64(u64::from(a.purchases()));
        row.field_u64(u64::from(a.transactions()));
        row.field_decimal(a.spend());
        row.byte(b'\n');
        out.row(label.as_deref(), &row)?;
    }
    out.finish()
}

/// A writer's output buffer, filled row by row and written in large
/// blocks.
struct Output<W: Write> {
    writer: W,
    buf: Vec<u8>,
}

impl<W: Write> Output<W> {
    const BLOCK: usize = 1 << 16;

    fn new(writer: W) -> Output<W> {
        Output {
            writer,
            buf: Vec::with_capacity(Self::BLOCK + 4096),
        }
    }

    /// Appends a row: the customer's name if it has one, then `rest`.
    #[inline]
    fn row(&mut self, label: Option<&str>, rest: &Row) -> io::Result<()> {
        if let Some(name) = label {
            push_label(&mut self.buf, name);
        }
        self.buf.extend_from_slice(rest.as_bytes());
        if self.buf.len() >= Self::BLOCK {
            self.writer.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn finish(mut self) -> io::Result<()> {
        self.writer.write_all(&self.buf)?;
        self.writer.flush()
    }
}

/// Row order for writing, with each row's name when the log has names:
/// by id for numeric logs (rows come sorted by id), by name otherwise.
fn sorted<'l>(
    len: usize,
    customer: impl Fn(usize) -> CustomerId,
    log: &'l TransactionLog,
) -> Vec<(usize, Option<Cow<'l, str>>)> {
    if log.customer_names().is_empty() {
        return (0..len).map(|i| (i, None)).collect();
    }
    let mut order: Vec<_> = (0..len)
        .map(|i| (i, Some(log.customer_label(customer(i)))))
        .collect();
    order.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    order
}

/// A name as a CSV field: quoted when it holds a comma, quote or line
/// break.
fn push_label(out: &mut Vec<u8>, name: &str) {
    if name
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
    {
        out.push(b'"');
        for b in name.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(name.as_bytes());
    }
}

/// Two-digit pairs "00".."99", for writing integers two digits at a time.
const PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// The fields of one output row, formatted into a fixed buffer without
/// going through `fmt` (numbers, dates, decimals: at most ~40 bytes each).
/// Bytes past the capacity are dropped, which the row's bounded content
/// never reaches.
struct Row {
    buf: [u8; Row::CAP],
    len: usize,
    /// Dates already formatted, by day: a summary has few distinct days.
    dates: Vec<(i32, [u8; 10])>,
}

impl Row {
    const CAP: usize = 1024;

    fn new() -> Row {
        Row {
            buf: [0; Row::CAP],
            len: 0,
            dates: Vec::new(),
        }
    }

    #[inline]
    fn clear(&mut self) {
        self.len = 0;
    }

    fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    #[inline]
    fn byte(&mut self, b: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    /// A comma, then `bytes`.
    #[inline]
    fn field_bytes<const N: usize>(&mut self, bytes: [u8; N]) {
        if let Some(slots) = self.buf.get_mut(self.len..self.len + 1 + N) {
            slots[0] = b',';
            slots[1..].copy_from_slice(&bytes);
            self.len += 1 + N;
        }
    }

    /// The decimal digits of `n`.
    #[inline]
    fn u64(&mut self, n: u64) {
        self.put_u64(self.len, n);
    }

    /// A comma, then the decimal digits of `n`.
    #[inline]
    fn field_u64(&mut self, n: u64) {
        let at = self.len;
        if let Some(slot) = self.buf.get_mut(at) {
            *slot = b',';
            self.put_u64(at + 1, n);
        }
    }

    /// The digits of `n` at `at`, written in place from the last; the row
    /// then ends after them.
    #[inline]
    fn put_u64(&mut self, at: usize, mut n: u64) {
        let width = n.checked_ilog10().unwrap_or(0) as usize + 1;
        let end = at + width;
        let Some(digits) = self.buf.get_mut(at..end) else {
            return;
        };
        let mut i = width;
        while n >= 100 && i >= 2 {
            let pair = (n % 100) as usize * 2;
            n /= 100;
            digits[i - 2..i].copy_from_slice(&PAIRS[pair..pair + 2]);
            i -= 2;
        }
        if n >= 10 && i >= 2 {
            let pair = n as usize * 2;
            digits[i - 2..i].copy_from_slice(&PAIRS[pair..pair + 2]);
        } else if i >= 1 {
            digits[i - 1] = b'0' + n as u8;
        }
        self.len = end;
    }

    /// A comma, then Rust's `{}` for an `f64`, with a fast path for whole
    /// numbers.
    #[inline]
    fn field_f64(&mut self, v: f64) {
        if v.fract() == 0.0 && v.abs() < 1e15 && v.is_sign_positive() {
            self.field_u64(v as u64);
        } else {
            self.byte(b',');
            for b in v.to_string().bytes() {
                self.byte(b);
            }
        }
    }

    /// A comma, then `Decimal`'s `Display`: the mantissa's digits with a
    /// point before the last `scale` of them (and zeros in front when
    /// needed).
    #[inline]
    fn field_decimal(&mut self, d: Decimal) {
        const TEN19: u128 = 10_000_000_000_000_000_000;
        let mantissa = d.mantissa();
        let magnitude = mantissa.unsigned_abs();
        // The digits, right-aligned in `tmp` (a mantissa is below 2^96: at
        // most 29 digits, in two u64 halves).
        let mut tmp = [b'0'; 40];
        let start = match u64::try_from(magnitude) {
            Ok(v) => digits_before(&mut tmp, 40, v),
            Err(_) => {
                digits_before(&mut tmp, 40, (magnitude % TEN19) as u64);
                // The low half's leading zeros are already in `tmp`.
                digits_before(&mut tmp, 40 - 19, (magnitude / TEN19) as u64)
            }
        };
        let digits = tmp.get(start..).unwrap_or_default();
        let count = digits.len();
        let scale = d.scale() as usize;
        let negative = mantissa < 0;
        let int_len = count.saturating_sub(scale);
        let zeros = scale.saturating_sub(count);
        let total =
            1 + usize::from(negative) + int_len.max(1) + if scale > 0 { 1 + scale } else { 0 };
        let Some(out) = self.buf.get_mut(self.len..self.len + total) else {
            return;
        };
        let mut k = 0;
        let mut put = |bytes: &[u8]| {
            if let Some(slots) = out.get_mut(k..k + bytes.len()) {
                slots.copy_from_slice(bytes);
            }
            k += bytes.len();
        };
        put(if negative { b",-" } else { b"," });
        if int_len == 0 {
            put(b"0");
        } else {
            put(digits.get(..int_len).unwrap_or_default());
        }
        if scale > 0 {
            put(b".");
            for _ in 0..zeros {
                put(b"0");
            }
            put(digits.get(int_len..).unwrap_or_default());
        }
        self.len += total;
    }

    /// A comma, then `YYYY-MM-DD`, from the day count by Howard Hinnant's
    /// `civil_from_days`.
    #[inline]
    fn field_date(&mut self, date: Date) {
        const SLOTS: usize = 2048;
        let day = date.days_since_epoch();
        if self.dates.is_empty() {
            // i32::MIN is no date's day count.
            self.dates = vec![(i32::MIN, [0; 10]); SLOTS];
        }
        let slot = day.rem_euclid(SLOTS as i32) as usize;
        let text = match self.dates.get(slot) {
            Some(&(d, text)) if d == day => text,
            _ => {
                let text = Row::format_date(day);
                if let Some(entry) = self.dates.get_mut(slot) {
                    *entry = (day, text);
                }
                text
            }
        };
        self.field_bytes(text);
    }

    fn format_date(days: i32) -> [u8; 10] {
        let z = i64::from(days) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        let digit = |n: i64| b'0' + (n % 10) as u8;
        [
            digit(year / 1000),
            digit(year / 100),
            digit(year / 10),
            digit(year),
            b'-',
            digit(month / 10),
            digit(month),
            b'-',
            digit(day / 10),
            digit(day),
        ]
    }
}

/// Writes the digits of `v` into `tmp` ending before `end`, two at a time;
/// returns where they start.
#[inline(always)]
fn digits_before(tmp: &mut [u8; 40], end: usize, mut v: u64) -> usize {
    let mut start = end;
    while v >= 100 && start >= 2 {
        let pair = (v % 100) as usize * 2;
        v /= 100;
        start -= 2;
        tmp[start..start + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if v >= 10 && start >= 2 {
        let pair = v as usize * 2;
        start -= 2;
        tmp[start..start + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    } else if start >= 1 {
        start -= 1;
        tmp[start] = b'0' + v as u8;
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_formatting_matches_display() {
        let values = [
            Decimal::new(0, 0),
            Decimal::new(0, 2),
            Decimal::new(5, 3),
            Decimal::new(-5, 3),
            Decimal::new(2933, 2),
            Decimal::new(-2933, 2),
            Decimal::new(100, 2),
            Decimal::new(123_456_789, 0),
            Decimal::MAX,
            Decimal::MIN,
            Decimal::new(10, 0) / Decimal::new(3, 0),
            Decimal::new(1, 28),
            Decimal::new(22345, 3),
            Decimal::from_i128_with_scale(10_000_000_000_000_000_000, 28),
            Decimal::from_i128_with_scale(-10_000_000_000_000_000_001, 5),
            Decimal::from_i128_with_scale(123_456_789_012_345_678_901_234, 20),
        ];
        for d in values {
            let mut row = Row::new();
            row.field_decimal(d);
            assert_eq!(row.as_bytes(), format!(",{d}").as_bytes());
        }
    }

    #[test]
    fn integer_formatting_matches_display() {
        let mut values = vec![
            0u128,
            1,
            9,
            10,
            99,
            100,
            101,
            999,
            1000,
            u128::from(u64::MAX),
        ];
        values.extend((0..200).map(|k| 7u128.pow(k % 34) + u128::from(k)));
        values.push(10u128.pow(19));
        values.push(10u128.pow(19) + 5);
        values.push(79_228_162_514_264_337_593_543_950_335);
        for n in values {
            let mut row = Row::new();
            row.field_decimal(Decimal::from_i128_with_scale(n as i128, 0));
            assert_eq!(row.as_bytes(), format!(",{n}").as_bytes());
            if let Ok(small) = u64::try_from(n) {
                let mut row = Row::new();
                row.u64(small);
                assert_eq!(row.as_bytes(), n.to_string().as_bytes());
            }
        }
    }

    #[test]
    fn date_and_float_formatting_match_display() {
        for day in (Date::MIN.days_since_epoch()..=Date::MAX.days_since_epoch()).step_by(97) {
            let date = Date::from_days_since_epoch(day).unwrap();
            let mut row = Row::new();
            row.field_date(date);
            assert_eq!(row.as_bytes(), format!(",{date}").as_bytes());
        }
        for v in [0.0, 1.0, 272.0, 30.428571428571427, 1e20, 0.1, 12345.5] {
            let mut row = Row::new();
            row.field_f64(v);
            assert_eq!(row.as_bytes(), format!(",{v}").as_bytes());
        }
    }

    #[test]
    fn amounts_parse_exactly() {
        let ok = [
            ("12", Decimal::new(12, 0)),
            ("-3.50", Decimal::new(-350, 2)),
            ("+0.99", Decimal::new(99, 2)),
            (".5", Decimal::new(5, 1)),
            ("7.", Decimal::new(7, 0)),
            ("1.5e2", Decimal::new(150, 0)),
            (
                "12345678901234567890.12",
                Decimal::from_i128_with_scale(1_234_567_890_123_456_789_012, 2),
            ),
        ];
        for (text, want) in ok {
            assert_eq!(parse_amount(text.as_bytes()), Some(want), "{text}");
        }
        for bad in [
            "", "-", ".", "1.2.3", "1_000", "abc", "1,5", "NaN", "inf", "$3",
        ] {
            assert_eq!(parse_amount(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn options_defaults_and_checks() {
        let default = CsvOptions::builder().build().unwrap();
        assert_eq!(default, CsvOptions::default());
        assert_eq!(default.customer_column(), &Column::from("customer_id"));
        let headerless = CsvOptions::builder().header(false).build().unwrap();
        assert_eq!(headerless.amount_column(), &Column::Position(3));
        assert!(!headerless.has_header());
        for bad in [b'"', b'\n', b'\r', 0xE9] {
            assert!(matches!(
                CsvOptions::builder()
                    .delimiter(Delimiter::Byte(bad))
                    .build(),
                Err(Error::InvalidParameter {
                    name: "delimiter",
                    ..
                })
            ));
        }
        assert!(matches!(
            CsvOptions::builder().customer_column("").build(),
            Err(Error::InvalidParameter { name: "column", .. })
        ));
        assert!(matches!(
            CsvOptions::builder().quantity_column("date").build(),
            Err(Error::InvalidParameter {
                name: "columns",
                ..
            })
        ));
        assert_eq!(Column::Position(4).to_string(), "4");
        assert_eq!(Column::name("amount").to_string(), "amount");
    }

    #[test]
    fn splits_and_trims() {
        assert_eq!(trim(b"  a b\t\r"), b"a b");
        assert_eq!(trim(b"   "), b"");
        assert_eq!(parse_u64(b"0001"), Some(1));
        assert_eq!(parse_u64(b"18446744073709551616"), None);
        assert_eq!(
            parse_date(b"2024-05-01T10:30:00"),
            Date::parse("2024-05-01").map_err(|e| e.to_string())
        );
        assert!(parse_date(b"2024-05-01X").is_err());
    }
}
