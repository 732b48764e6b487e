//! How a file is laid out: [`Delimiter`], [`Column`], [`IdKind`], and
//! [`CsvOptions`] with its builder, which checks the options once; also the
//! [`Role`] each column plays.

use std::fmt;

use super::DateFormat;
use crate::error::{Error, Result};

/// How the fields of a line are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
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
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
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
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum IdKind {
    /// Numbers when every id in the file is a number written without a
    /// leading zero (ASCII digits that fit a `u64`; `0` itself is a
    /// number), strings otherwise (the default).
    ///
    /// One id with a leading zero (`007`, or zero-padded ids such as
    /// CDNOW's `0001`) makes the column text: every id is then kept as
    /// written, so `007` and `7` are two customers and an output shows
    /// `007` as the file does. When a file mixes numbers and text, every id
    /// is interned as a string, in the log's [customer names], and no
    /// customer is lost or merged with another. The in-memory and the
    /// streaming readers decide alike. Use [`IdKind::Numeric`] to read
    /// zero-padded ids as numbers by value (`0001` is customer 1).
    ///
    /// [customer names]: crate::TransactionLog::customer_names
    #[default]
    Auto,
    /// Every id must be a number (ASCII digits that fit a `u64`), used as
    /// the [`CustomerId`] itself; anything else is an [`Error::Parse`].
    /// Numbers compare by value: `007` and `7` are one customer.
    ///
    /// [`CustomerId`]: crate::CustomerId
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
///   ignored, so the date is the calendar date as written. Other shapes
///   (`12/1/2010 8:26`) read with a [`DateFormat`]
///   ([`CsvOptionsBuilder::date_format`]).
/// - Amounts: decimal numbers (`12`, `-3.5`, `+0.99`, `.5`, or with an
///   exponent, `1.5e2`), read exactly as a [`Decimal`]; a negative amount is
///   a refund (see [`RefundPolicy`](crate::RefundPolicy)). No currency signs
///   or thousands separators. With [`CsvOptionsBuilder::decimal_comma`] the
///   decimal separator is a comma (`12,50`), as in European exports.
/// - Quantity (optional column): a whole number of at least 1; an empty
///   field means unknown.
/// - Category (optional column): any text, interned in the log's
///   [category names]; an empty field means none.
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
///
/// [`Date::parse`]: crate::Date::parse
/// [`Decimal`]: crate::Decimal
/// [category names]: crate::TransactionLog::category_names
///
/// Serialises as its builder's fields; deserialising checks them like
/// [`CsvOptionsBuilder::build`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "CsvOptionsBuilder", into = "CsvOptionsBuilder")
)]
pub struct CsvOptions {
    delimiter: Delimiter,
    header: bool,
    customer: Column,
    date: Column,
    amount: Column,
    quantity: Option<Column>,
    category: Option<Column>,
    id_kind: IdKind,
    date_format: Option<DateFormat>,
    decimal_comma: bool,
    amounts: bool,
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
            date_format: None,
            decimal_comma: false,
            amounts: true,
        }
    }
}

/// Options for [`CsvOptions`]: chained setters, then one
/// [`build`](CsvOptionsBuilder::build) that checks them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct CsvOptionsBuilder {
    delimiter: Delimiter,
    header: bool,
    customer: Option<Column>,
    date: Option<Column>,
    amount: Option<Column>,
    quantity: Option<Column>,
    category: Option<Column>,
    id_kind: IdKind,
    date_format: Option<DateFormat>,
    decimal_comma: bool,
    amounts: bool,
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
            date_format: None,
            decimal_comma: false,
            amounts: true,
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

    /// The date column's format, when it is not ISO 8601 (see
    /// [`CsvOptionsBuilder::date_format`]).
    pub fn date_format(&self) -> Option<&DateFormat> {
        self.date_format.as_ref()
    }

    /// Whether amounts are written with a decimal comma (`12,50`); see
    /// [`CsvOptionsBuilder::decimal_comma`].
    pub fn decimal_comma(&self) -> bool {
        self.decimal_comma
    }

    /// Whether the log has an amount column (see
    /// [`CsvOptionsBuilder::amounts`]).
    pub fn has_amounts(&self) -> bool {
        self.amounts
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

    /// Reads the date column with this `strftime` format (for example
    /// `%m/%d/%Y`) instead of as `YYYY-MM-DD` or `YYYYMMDD`; see
    /// [`DateFormat`]. Without it (the default), other shapes are errors.
    pub fn date_format(mut self, format: DateFormat) -> CsvOptionsBuilder {
        self.date_format = Some(format);
        self
    }

    /// Reads amounts written with a decimal comma, as spreadsheets in
    /// much of Europe export them: `12,50` is 12.50 (default `false`: a
    /// decimal point). A point is then refused, not taken for a thousands
    /// separator (`1.234,50` is an error that says so), so that no amount
    /// is silently read a thousand times too small or too large. Such
    /// files usually separate fields with a semicolon
    /// ([`Delimiter::Byte`]`(b';')`); with a comma delimiter the amounts
    /// must be quoted (`"12,50"`).
    ///
    /// # Example
    /// ```
    /// use customer_value::csv::{CsvOptions, Delimiter};
    /// use customer_value::Decimal;
    ///
    /// let options = CsvOptions::builder()
    ///     .delimiter(Delimiter::Byte(b';'))
    ///     .decimal_comma(true)
    ///     .build()?;
    /// let log = options.read("customer_id;date;amount\n7;2024-03-01;12,50\n".as_bytes())?;
    /// assert_eq!(log.transactions()[0].amount(), Decimal::new(1250, 2));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn decimal_comma(mut self, yes: bool) -> CsvOptionsBuilder {
        self.decimal_comma = yes;
        self
    }

    /// Whether the log has an amount column (default `true`). A log of
    /// customer and date only (BTYDplus' grocery data, an export of order
    /// dates) reads with `amounts(false)`: every transaction's amount is
    /// then 0 and means nothing, so the purchase models (frequency,
    /// recency, T) are the only use of it; write its summary with
    /// [`write_summary_without_spend`](super::write_summary_without_spend),
    /// which leaves the money columns out rather than write zeros.
    ///
    /// # Example
    /// ```
    /// use customer_value::csv::CsvOptions;
    ///
    /// let options = CsvOptions::builder().amounts(false).build()?;
    /// let log = options.read("customer_id,date\n7,2024-03-01\n7,2024-03-09\n".as_bytes())?;
    /// assert_eq!(log.len(), 2);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn amounts(mut self, yes: bool) -> CsvOptionsBuilder {
        self.amounts = yes;
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
            date_format: self.date_format,
            decimal_comma: self.decimal_comma,
            amounts: self.amounts,
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

impl Default for CsvOptionsBuilder {
    /// The defaults of [`CsvOptions::builder`].
    fn default() -> CsvOptionsBuilder {
        CsvOptions::builder()
    }
}

impl From<CsvOptions> for CsvOptionsBuilder {
    fn from(o: CsvOptions) -> CsvOptionsBuilder {
        CsvOptionsBuilder {
            delimiter: o.delimiter,
            header: o.header,
            customer: Some(o.customer),
            date: Some(o.date),
            amount: Some(o.amount),
            quantity: o.quantity,
            category: o.category,
            id_kind: o.id_kind,
            date_format: o.date_format,
            decimal_comma: o.decimal_comma,
            amounts: o.amounts,
        }
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
pub(super) enum Role {
    Customer,
    Date,
    Amount,
    Quantity,
    Category,
}

impl Role {
    pub(super) fn name(self) -> &'static str {
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
    pub(super) fn columns(&self) -> Vec<(Role, &Column)> {
        let mut columns = vec![(Role::Customer, &self.customer), (Role::Date, &self.date)];
        if self.amounts {
            columns.push((Role::Amount, &self.amount));
        }
        columns.extend(self.quantity.iter().map(|c| (Role::Quantity, c)));
        columns.extend(self.category.iter().map(|c| (Role::Category, c)));
        columns
    }

    /// The column playing `role`, if any.
    pub(super) fn column(&self, role: Role) -> Option<&Column> {
        match role {
            Role::Customer => Some(&self.customer),
            Role::Date => Some(&self.date),
            Role::Amount => self.amounts.then_some(&self.amount),
            Role::Quantity => self.quantity.as_ref(),
            Role::Category => self.category.as_ref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[cfg(feature = "serde")]
    #[test]
    fn serde_round_trip_and_validation() {
        let options = CsvOptions::builder()
            .delimiter(Delimiter::Whitespace)
            .header(false)
            .customer_column(Column::Position(2))
            .date_column(Column::Position(3))
            .amount_column(Column::Position(5))
            .id_kind(IdKind::String)
            .build()
            .unwrap();
        let json = serde_json::to_string(&options).unwrap();
        assert_eq!(serde_json::from_str::<CsvOptions>(&json).unwrap(), options);
        let defaults: CsvOptions = serde_json::from_str("{}").unwrap();
        assert_eq!(defaults, CsvOptions::default());
        // Position 0 and a named column without a header are rejected.
        let zero = r#"{"header":false,"customer":{"position":0}}"#;
        assert!(serde_json::from_str::<CsvOptions>(zero).is_err());
        let named = r#"{"header":false,"customer":{"name":"id"}}"#;
        assert!(serde_json::from_str::<CsvOptions>(named).is_err());
    }
}
