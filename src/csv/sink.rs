//! Turning split lines into transactions: the [`Sink`] resolves the
//! columns on the first line and parses each field; its [`Target`] reads
//! customer ids ([`LogTarget`]: as numbers or interned strings, see
//! [`IdKind`]) and keeps the parsed rows.

use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use super::options::{Column, CsvOptions, IdKind, Role};
use super::parse::{DateCache, parse_amount, parse_u64, trim};
use crate::error::{Error, Result};
use crate::model::{CategoryId, CustomerId, Date, Transaction, TransactionLog};

/// The fields of one line, however it was split.
pub(super) trait Fields {
    fn count(&self) -> usize;
    fn field(&self, i: usize) -> &[u8];
}

/// Where parsed rows go: a [`TransactionLog`] in memory ([`LogTarget`]), or
/// spill files (the streaming summary).
pub(super) trait Target {
    /// What [`Target::customer`] learns about an id.
    type Customer: Copy;
    /// Checks a line's (trimmed, non-empty) customer id, before any other
    /// field is read.
    fn customer(&mut self, options: &CsvOptions, line: u64, text: &[u8]) -> Result<Self::Customer>;
    /// The id of a category name.
    fn category(&mut self, name: &str) -> Result<CategoryId>;
    /// Keeps one parsed row; `id` is the customer field's text again.
    fn push(&mut self, row: ParsedRow<'_, Self::Customer>) -> Result<()>;
}

/// One parsed data row.
pub(super) struct ParsedRow<'t, C> {
    pub(super) customer: C,
    pub(super) id: &'t [u8],
    pub(super) date: Date,
    pub(super) amount: Decimal,
    pub(super) quantity: Option<u32>,
    pub(super) category: Option<CategoryId>,
}

/// A [`Error::Parse`] of line `line` in the column playing `role`.
pub(super) fn parse_error(options: &CsvOptions, line: u64, role: Role, reason: String) -> Error {
    Error::Parse {
        line,
        column: options
            .column(role)
            .map_or_else(|| role.name().to_owned(), Column::to_string),
        reason,
    }
}

/// Whether a customer id is a number written with a leading zero (`007`,
/// `00`): under [`IdKind::Auto`] such an id is text, kept as written, so
/// that `007` and `7` stay two customers. Shared by the in-memory and the
/// streaming readers.
#[inline]
pub(super) fn leading_zero(id: &[u8]) -> bool {
    id.len() > 1 && id[0] == b'0'
}

/// The error for an input without a data line: [`Error::EmptyInput`],
/// saying whether it had a first line (a header) at all. The in-memory and
/// the streaming readers both refuse such an input, with this value.
pub(super) fn no_data_lines(first_line_read: bool) -> Error {
    Error::EmptyInput {
        what: "a transaction log",
        needs: if first_line_read {
            "data line, and the input holds only its header"
        } else {
            "line, and the input is empty (0 bytes, or blank lines only)"
        },
    }
}

/// An amount written with a decimal comma (`12,50`): at most one comma,
/// and no point (a thousands separator is not guessed at).
fn comma_amount(text: &[u8]) -> Option<Decimal> {
    if text.contains(&b'.') {
        return None;
    }
    match memchr::memchr(b',', text) {
        None => parse_amount(text),
        Some(i) => {
            let mut point = text.to_vec();
            point[i] = b'.';
            parse_amount(&point)
        }
    }
}

/// Why `text` is not an amount, and what to do when the cause is likely
/// a decimal separator or an empty field. An example in the message is
/// always the user's own value, rewritten, with the amount it then reads
/// as: never a fixed number that could be taken for the file's.
#[cold]
fn amount_error(text: &[u8], decimal_comma: bool) -> String {
    let text = String::from_utf8_lossy(text);
    if text.is_empty() {
        return "expected a decimal amount, got an empty field (write 0 for a purchase of no value)"
            .into();
    }
    const OPTION: &str = "the decimal-comma option (`--decimal-comma` on the command line, `CsvOptionsBuilder::decimal_comma`)";
    // The text without the characters `drop`, when it has any.
    let strip = |drop: char| -> Option<String> {
        let kept: String = text.chars().filter(|&c| c != drop).collect();
        (kept.len() < text.len()).then_some(kept)
    };
    let has = |c: char| text.contains(c);
    if decimal_comma && has('.') {
        let thousands =
            strip('.').and_then(|kept| comma_amount(kept.as_bytes()).map(|v| (kept, v)));
        if let Some((kept, value)) = &thousands {
            if has(',') {
                return format!(
                    "{text:?} has a point, but amounts are read with a decimal comma and \
                     thousands separators are not read: write {kept} (read as {value})"
                );
            }
            if let Some(point) = parse_amount(text.as_bytes()) {
                return format!(
                    "{text:?} has a point, but amounts are read with a decimal comma: if the \
                     point is a decimal point ({point}), the file is not a decimal-comma export \
                     (leave out the decimal-comma option); if it separates thousands, write \
                     {kept} (read as {value})"
                );
            }
        }
        return format!(
            "{text:?} has a point, but amounts are read with a decimal comma and thousands \
             separators are not read"
        );
    }
    if !decimal_comma && has(',') {
        if let Some(value) = comma_amount(text.as_bytes()) {
            let after = text.rsplit(',').next().unwrap_or_default();
            let or_thousands = match strip(',').and_then(|kept| parse_amount(kept.as_bytes())) {
                Some(whole) if after.len() == 3 => format!(
                    "; if the comma separates thousands, write {whole} (thousands separators \
                     are not read)"
                ),
                _ => String::new(),
            };
            return format!(
                "expected a decimal amount with a decimal point, got {text:?}, which has a \
                 decimal comma: with {OPTION} it reads as {value}{or_thousands}"
            );
        }
        let comma_after_points = text.rfind('.') < text.find(',');
        if let Some((kept, value)) = strip('.')
            .filter(|_| comma_after_points)
            .and_then(|kept| comma_amount(kept.as_bytes()).map(|v| (kept, v)))
        {
            return format!(
                "expected a decimal amount with a decimal point, got {text:?}: thousands \
                 separators are not read; if the points separate thousands and the comma is \
                 a decimal comma, write {kept} and give {OPTION} (read as {value})"
            );
        }
        if let Some(value) = strip(',').and_then(|kept| parse_amount(kept.as_bytes())) {
            return format!(
                "expected a decimal amount, got {text:?}: thousands separators are not read; \
                 write {value}"
            );
        }
    }
    match crate::decimal_text::exact(&text) {
        Err(why) if why == crate::decimal_text::TOO_MANY_DIGITS => format!("{text:?}: {why}"),
        _ => format!("expected a decimal amount, got {text:?}"),
    }
}

/// Column indices (0-based) resolved against the header or first line.
#[derive(Clone, Copy)]
struct Indices {
    customer: usize,
    date: usize,
    /// `None` for a log read without amounts.
    amount: Option<usize>,
    quantity: Option<usize>,
    category: Option<usize>,
}

/// How customer ids are being read.
enum Ids {
    /// Numbers so far; `strict` for [`IdKind::Numeric`].
    Numbers { strict: bool },
    /// Interned strings. `by_number` (under [`IdKind::Auto`] only) maps
    /// the numbers (written without a leading zero, so one spelling each)
    /// to their interned ids.
    Strings {
        by_number: Option<FxHashMap<u64, CustomerId>>,
    },
}

/// The columns a [`Sink`] resolved on its first line: what another sink
/// needs to read later lines of the same file the same way.
#[derive(Clone, Copy)]
pub(super) struct Layout {
    indices: Indices,
    fields: usize,
}

impl Layout {
    /// Whether every line has exactly three fields, the customer id, the
    /// date and the amount in that order (no quantity, no category): the
    /// shape the streaming summary's plain-line parser reads.
    pub(super) fn is_plain(&self) -> bool {
        let ix = self.indices;
        self.fields == 3
            && (ix.customer, ix.date, ix.amount) == (0, 1, Some(2))
            && ix.quantity.is_none()
            && ix.category.is_none()
    }
}

/// Turns lines into rows for its [`Target`].
pub(super) struct Sink<'a, T> {
    options: &'a CsvOptions,
    indices: Option<Indices>,
    fields: usize,
    dates: DateCache,
    pub(super) target: T,
}

/// Keeps the rows as a [`TransactionLog`], reading ids as [`IdKind`] says.
pub(super) struct LogTarget {
    ids: Ids,
    /// The transactions read, moved into `log` at the end.
    transactions: Vec<Transaction>,
    /// Holds the interned names.
    log: TransactionLog,
}

impl LogTarget {
    pub(super) fn new(options: &CsvOptions, capacity: usize) -> LogTarget {
        let ids = match options.id_kind() {
            IdKind::Auto | IdKind::Numeric => Ids::Numbers {
                strict: options.id_kind() == IdKind::Numeric,
            },
            IdKind::String => Ids::Strings { by_number: None },
        };
        LogTarget {
            ids,
            transactions: Vec::with_capacity(capacity),
            log: TransactionLog::new(),
        }
    }

    /// Whether no row was read.
    pub(super) fn is_empty(&self) -> bool {
        self.transactions.is_empty()
    }

    pub(super) fn finish(mut self) -> Result<TransactionLog> {
        *self.log.transactions_mut() = self.transactions;
        Ok(self.log)
    }
}

impl<'a, T: Target> Sink<'a, T> {
    pub(super) fn new(options: &'a CsvOptions, target: T) -> Sink<'a, T> {
        Sink {
            options,
            indices: None,
            fields: 0,
            dates: DateCache::new(),
            target,
        }
    }

    /// A sink for later lines of a file whose first line `layout` was
    /// resolved from: it reads them as the first sink would.
    pub(super) fn with_layout(options: &'a CsvOptions, layout: Layout, target: T) -> Sink<'a, T> {
        Sink {
            options,
            indices: Some(layout.indices),
            fields: layout.fields,
            dates: DateCache::new(),
            target,
        }
    }

    /// The columns, once the first line is read.
    pub(super) fn layout(&self) -> Option<Layout> {
        self.indices.map(|indices| Layout {
            indices,
            fields: self.fields,
        })
    }

    fn error(&self, line: u64, role: Role, reason: String) -> Error {
        parse_error(self.options, line, role, reason)
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
                    let reason = if self.options.has_header() {
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
            amount: get(Role::Amount),
            quantity: get(Role::Quantity),
            category: get(Role::Category),
        })
    }

    /// Handles one non-blank line.
    #[inline]
    pub(super) fn line<F: Fields>(&mut self, line: u64, fields: &F) -> Result<()> {
        let indices = match self.indices {
            Some(indices) => indices,
            None => {
                let indices = self.resolve(line, fields)?;
                self.indices = Some(indices);
                if self.options.has_header() {
                    return Ok(());
                }
                indices
            }
        };
        if fields.count() != self.fields {
            return Err(self.field_count(line, fields));
        }
        let id = trim(fields.field(indices.customer));
        if id.is_empty() {
            return Err(self.error(line, Role::Customer, "the customer id is empty".into()));
        }
        let customer = self.target.customer(self.options, line, id)?;
        let text = trim(fields.field(indices.date));
        let date = match self.options.date_format() {
            None => self.dates.get(text),
            Some(format) => format.parse_bytes(text).map_err(|reason| {
                format!(
                    "date {:?} {reason} {:?}",
                    String::from_utf8_lossy(text),
                    format.description()
                )
            }),
        };
        let date = match date {
            Ok(date) => date,
            Err(reason) => return Err(self.error(line, Role::Date, reason)),
        };
        let amount = match indices.amount {
            // A log without amounts: 0, which nothing reads as money.
            None => Decimal::ZERO,
            Some(i) => {
                let text = trim(fields.field(i));
                let amount = if self.options.decimal_comma() {
                    comma_amount(text)
                } else {
                    parse_amount(text)
                };
                amount.ok_or_else(|| {
                    let reason = amount_error(text, self.options.decimal_comma());
                    self.error(line, Role::Amount, reason)
                })?
            }
        };
        let mut quantity = None;
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
                quantity = Some(q);
            }
        }
        let mut category = None;
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
                category = Some(self.target.category(name)?);
            }
        }
        self.target.push(ParsedRow {
            customer,
            id,
            date,
            amount,
            quantity,
            category,
        })
    }

    #[cold]
    fn field_count<F: Fields>(&self, line: u64, fields: &F) -> Error {
        let n = fields.count();
        let expected = self.fields;
        let source = if self.options.has_header() {
            "the header"
        } else {
            "the first line"
        };
        let mut reason = format!("expected {expected} fields as on {source}, found {n}");
        if let Some(hint) = self.split_comma_amount(fields) {
            reason.push_str(&hint);
        }
        // Name the first requested column that is missing, else the first
        // field that should not be there.
        let missing = self.indices.and_then(|ix| {
            [
                (Role::Customer, Some(ix.customer)),
                (Role::Date, Some(ix.date)),
                (Role::Amount, ix.amount),
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
}

impl<T> Sink<'_, T> {
    /// For a line of one field too many in a comma-separated file: when
    /// the amount and the next field are digits, the amount was most
    /// likely written with a decimal comma (`12,50`) and split in two; says
    /// so, with the value as it would read.
    #[cold]
    fn split_comma_amount<F: Fields>(&self, fields: &F) -> Option<String> {
        if self.options.delimiter() != super::options::Delimiter::Byte(b',')
            || fields.count() != self.fields + 1
        {
            return None;
        }
        let amount = self.indices?.amount?;
        let whole = trim(fields.field(amount));
        let fraction = trim(fields.field(amount + 1));
        let digits = |t: &[u8]| !t.is_empty() && t.iter().all(u8::is_ascii_digit);
        let sign = whole.first().is_some_and(|&b| b == b'-' || b == b'+');
        if !(digits(fraction) && digits(whole.get(usize::from(sign)..).unwrap_or_default())) {
            return None;
        }
        let written = format!(
            "{},{}",
            String::from_utf8_lossy(whole),
            String::from_utf8_lossy(fraction)
        );
        let value = comma_amount(written.as_bytes())?;
        Some(format!(
            ": the amount looks like {written} with a decimal comma, cut in two by the comma \
             delimiter; quote such amounts (\"{written}\") or separate fields with ';', and \
             give the decimal-comma option (`--decimal-comma`, with `--delimiter ';'` for \
             semicolons), which reads it as {value}"
        ))
    }
}

impl Target for LogTarget {
    type Customer = CustomerId;

    #[inline]
    fn customer(&mut self, options: &CsvOptions, line: u64, text: &[u8]) -> Result<CustomerId> {
        if let Ids::Numbers { strict } = &mut self.ids {
            // Under `IdKind::Auto` an id with a leading zero is text.
            if let Some(n) = parse_u64(text).filter(|_| *strict || !leading_zero(text)) {
                return Ok(CustomerId::new(n));
            }
            if *strict {
                let reason = format!(
                    "expected a numeric customer id (digits, at most {}), got {:?}",
                    u64::MAX,
                    String::from_utf8_lossy(text)
                );
                return Err(parse_error(options, line, Role::Customer, reason));
            }
            self.switch_to_strings()?;
        }
        // Strings from here on (`switch_to_strings` never leaves numbers).
        let by_number = match &mut self.ids {
            Ids::Strings { by_number } => by_number.as_mut(),
            Ids::Numbers { .. } => None,
        };
        if let (Some(map), Some(n)) = (by_number, parse_u64(text).filter(|_| !leading_zero(text))) {
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
            Err(_) => Err(parse_error(
                options,
                line,
                Role::Customer,
                "the customer id is not valid UTF-8".into(),
            )),
        }
    }

    fn category(&mut self, name: &str) -> Result<CategoryId> {
        self.log.category_id(name)
    }

    #[inline]
    fn push(&mut self, row: ParsedRow<'_, CustomerId>) -> Result<()> {
        let mut t = Transaction::new(row.customer, row.date, row.amount);
        if let Some(q) = row.quantity {
            t = t.with_quantity(q)?;
        }
        if let Some(c) = row.category {
            t = t.with_category(c);
        }
        self.transactions.push(t);
        Ok(())
    }
}

impl LogTarget {
    /// Under [`IdKind::Auto`], on the first id that is not a number:
    /// re-maps the numeric ids read so far to interned names, in order of
    /// first appearance.
    #[cold]
    fn switch_to_strings(&mut self) -> Result<()> {
        if let strings @ Ids::Strings { .. } =
            std::mem::replace(&mut self.ids, Ids::Strings { by_number: None })
        {
            self.ids = strings;
            return Ok(());
        }
        let mut by_number: FxHashMap<u64, CustomerId> = FxHashMap::default();
        let numeric = std::mem::take(&mut self.transactions);
        self.transactions.reserve(numeric.capacity());
        for t in numeric {
            let n = t.customer().get();
            let id = match by_number.get(&n) {
                Some(&id) => id,
                None => {
                    let id = self.log.customer_id(&n.to_string())?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv::Delimiter;

    /// Every example in an amount error is the user's own text rewritten,
    /// with the value it reads as: never a fixed example number.
    #[test]
    fn amount_errors_show_the_users_value_converted() {
        let cases: [(&str, bool, &[&str]); 8] = [
            ("12,50", false, &["\"12,50\"", "reads as 12.50"]),
            ("1,5", false, &["\"1,5\"", "reads as 1.5"]),
            ("-0,75", false, &["reads as -0.75"]),
            // Three digits after the comma: a thousands separator too.
            ("2,500", false, &["reads as 2.500", "write 2500"]),
            ("1.234,50", false, &["write 1234,50", "read as 1234.50"]),
            ("1,234.50", false, &["write 1234.50"]),
            ("2.500,75", true, &["write 2500,75", "read as 2500.75"]),
            (
                "12.50",
                true,
                &["decimal point (12.50)", "write 1250 (read as 1250)"],
            ),
        ];
        for (text, comma, wanted) in cases {
            let message = amount_error(text.as_bytes(), comma);
            for want in wanted {
                assert!(message.contains(want), "{text}: {message}");
            }
            // No other example amount leaks in.
            assert!(
                !message.contains("1234,50") || text.contains("1.234"),
                "{message}"
            );
        }
        // Each suggested rewrite reads back as the value the message names.
        assert_eq!(comma_amount(b"1234,50"), Some(Decimal::new(123_450, 2)));
        assert_eq!(comma_amount(b"2500,75"), Some(Decimal::new(250_075, 2)));
    }

    /// An unquoted decimal-comma amount in a comma-separated file makes a
    /// line one field too long: the error says why, with the amount.
    #[test]
    fn a_decimal_comma_cut_by_the_delimiter_is_named() {
        let file = "customer_id,date,amount\n7,2024-01-03,10\n7,2024-01-04,12,50\n";
        let err = CsvOptions::default().read(file.as_bytes()).unwrap_err();
        let Error::Parse { line, reason, .. } = err else {
            panic!("{err:?}")
        };
        assert_eq!(line, 3);
        assert!(
            reason.contains("12,50") && reason.contains("as 12.50"),
            "{reason}"
        );
        // Not for a line that is simply too long, nor with ';'.
        let other = "customer_id,date,amount\n7,2024-01-04,12,x\n";
        let Error::Parse { reason, .. } = CsvOptions::default().read(other.as_bytes()).unwrap_err()
        else {
            panic!()
        };
        assert!(!reason.contains("decimal comma"), "{reason}");
        let semicolons = CsvOptions::builder()
            .delimiter(Delimiter::Byte(b';'))
            .build()
            .unwrap();
        let Error::Parse { reason, .. } = semicolons
            .read("customer_id;date;amount\n7;2024-01-04;12;50\n".as_bytes())
            .unwrap_err()
        else {
            panic!()
        };
        assert!(!reason.contains("decimal comma"), "{reason}");
    }
}
