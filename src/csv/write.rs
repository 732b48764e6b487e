//! Writing summaries as CSV: [`write_summary`], [`write_holdout_only`] and
//! their column names, with the rows sorted and labelled by customer.

use std::borrow::Cow;
use std::io::{self, Write};

use rust_decimal::{Decimal, RoundingStrategy};

use super::row::Row;
use crate::model::{CustomerId, TransactionLog};
use crate::summary::{CustomerSummary, HoldoutOnlyCustomer, Summarizer, Summary};

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

/// The metadata columns [`write_summary`] writes last: the summary's unit
/// in days per period, its observation end and (only with a holdout) its
/// holdout end, the same on every row.
pub const METADATA_COLUMNS: [&str; 3] = ["unit_days", "observation_end", "holdout_end"];

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
/// unit_days       days per unit of recency and T (1: days, 7: weeks)
/// observation_end the calibration end
/// holdout_end     only when the summary has a holdout end
/// ```
///
/// The last columns ([`METADATA_COLUMNS`]) carry the summary's meaning on
/// every row rather than in a comment line, so the file stays a plain
/// table that pandas' `read_csv` and any CSV tool read as it is, and a
/// filtered or concatenated file keeps it;
/// [`read_summary`](crate::csv::read_summary) gives it back as
/// [`SummaryMetadata`](crate::csv::SummaryMetadata).
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
///     "amy,0,0,26,0,1,1,2024-01-05,2024-01-05,7,7,0,1,2024-01-31",
///     "zoe,1,10,30,25,2,2,2024-01-01,2024-01-11,35,17.50,0,1,2024-01-31",
/// ]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// [`Decimal`]: crate::Decimal
pub fn write_summary<W: Write>(
    writer: W,
    summary: &Summary,
    log: &TransactionLog,
) -> io::Result<()> {
    write_rows(writer, summary, log, Money::AsIs, true)
}

/// How [`write_summary_with`] prints figures and which optional columns it
/// writes.
///
/// - [`SummaryFormat::exact`]: money as the exact decimal, every digit:
///   totals with the amounts' decimals (`74.02`; the reader takes the
///   amounts' decimals from `total_spend`), means without a quotient's
///   trailing zeros (`22.345`, `24.673333333333333333333333333`).
/// - [`SummaryFormat::rounded`]: money to cents, half to even, always with
///   two decimals (`22.35`, `24.67`). A summary read back from it has the
///   mean repeat purchase (`monetary_value`, the Gamma-Gamma input) to the
///   cent.
///
/// In both, counts and dates are exact and times are in Rust's shortest
/// round-trip form: each time is one division of whole days by the unit's
/// days, correctly rounded, so it carries no accumulated noise
/// (`30.428571428571427` is the `f64` nearest 213/7), and the other
/// subcommands read the times back exactly.
///
/// Both leave out the `categories` column unless [`categories`](Self::categories)
/// asks for it (a log read without a category column has 0 categories for
/// every customer, which is no information).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SummaryFormat {
    rounded: bool,
    categories: bool,
}

impl SummaryFormat {
    /// Every digit.
    pub fn exact() -> SummaryFormat {
        SummaryFormat {
            rounded: false,
            categories: false,
        }
    }

    /// Money to cents.
    pub fn rounded() -> SummaryFormat {
        SummaryFormat {
            rounded: true,
            categories: false,
        }
    }

    /// Whether to write the `categories` column (default: no).
    pub fn categories(mut self, yes: bool) -> SummaryFormat {
        self.categories = yes;
        self
    }
}

/// Writes a summary as CSV like [`write_summary`], with the figures and
/// columns of `format`.
///
/// # Errors
/// Any error of `writer`.
///
/// # Example
/// ```
/// use customer_value::csv::{SummaryFormat, write_summary_with};
/// use customer_value::{Date, Decimal, Summarizer, TimeUnit, TransactionLog};
///
/// let mut log = TransactionLog::new();
/// let day = |s| Date::parse(s);
/// log.push_named("zoe", day("2024-01-01")?, Decimal::new(10, 0), None)?;
/// log.push_named("zoe", day("2024-01-11")?, Decimal::new(2501, 2), None)?;
/// log.push_named("zoe", day("2024-01-20")?, Decimal::new(1000, 2), None)?;
/// let summary = Summarizer::builder(day("2024-01-31")?)
///     .unit(TimeUnit::WEEK)
///     .build()?
///     .summarize(log.transactions())?;
///
/// let mut out = Vec::new();
/// write_summary_with(&mut out, &summary, &log, SummaryFormat::rounded())?;
/// assert_eq!(
///     String::from_utf8(out)?.lines().nth(1),
///     Some("zoe,2,2.7142857142857144,4.285714285714286,17.50,3,3,2024-01-01,2024-01-20,45.01,15.00,7,2024-01-31")
/// );
/// let mut out = Vec::new();
/// write_summary_with(&mut out, &summary, &log, SummaryFormat::exact())?;
/// assert_eq!(
///     String::from_utf8(out)?.lines().nth(1),
///     Some("zoe,2,2.7142857142857144,4.285714285714286,17.505,3,3,2024-01-01,2024-01-20,45.01,15.003333333333333333333333333,7,2024-01-31")
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_summary_with<W: Write>(
    writer: W,
    summary: &Summary,
    log: &TransactionLog,
    format: SummaryFormat,
) -> io::Result<()> {
    let money = if format.rounded {
        Money::Cents
    } else {
        Money::Exact
    };
    write_rows(writer, summary, log, money, format.categories)
}

/// Writes the summary of a log read without amounts
/// ([`CsvOptionsBuilder::amounts`](super::CsvOptionsBuilder::amounts)):
/// `customer_id,frequency,recency,T,purchases,first_purchase,last_purchase`
/// then `unit_days,observation_end`, with no money column at all, since the
/// log has no amounts to sum (zeros would read as spend). [`read_summary`]
/// reads it back as a [`SummaryLayout::Btyd`] without spend, so a spend
/// model refuses it (the command line says why).
///
/// [`read_summary`]: super::read_summary
/// [`SummaryLayout::Btyd`]: super::SummaryLayout::Btyd
///
/// # Errors
/// Any error of `writer`.
///
/// # Example
/// ```
/// use customer_value::csv::{CsvOptions, SummaryLayout, read_summary, write_summary_without_spend};
/// use customer_value::{Date, Summarizer};
///
/// let log = CsvOptions::builder()
///     .amounts(false)
///     .build()?
///     .read("customer_id,date\n7,2024-01-03\n7,2024-01-10\n9,2024-01-05\n".as_bytes())?;
/// let summary = Summarizer::builder(Date::parse("2024-01-31")?).build()?.summarize(log.transactions())?;
/// let mut out = Vec::new();
/// write_summary_without_spend(&mut out, &summary, &log)?;
/// let text = String::from_utf8(out)?;
/// assert_eq!(text.lines().nth(1), Some("7,1,7,28,2,2024-01-03,2024-01-10,1,2024-01-31"));
/// let table = read_summary(text.as_bytes())?;
/// assert_eq!(table.layout(), SummaryLayout::Btyd { spend: false });
/// assert_eq!(table.customers()[0].frequency(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_summary_without_spend<W: Write>(
    writer: W,
    summary: &Summary,
    log: &TransactionLog,
) -> io::Result<()> {
    let rows = summary.customers();
    let order = sorted(rows.len(), |i| rows[i].customer(), log);
    let mut out = Output::new(writer);
    let settings = summary.summarizer();
    let mut header =
        "customer_id,frequency,recency,T,purchases,first_purchase,last_purchase,".to_owned();
    header.push_str(&METADATA_COLUMNS[..2].join(","));
    header.push('\n');
    out.buf.extend_from_slice(header.as_bytes());
    let mut tail = summary_tail(settings);
    if settings.holdout_end().is_some() {
        // Only the calibration's metadata: the holdout columns are money.
        tail = format!(
            ",{},{}\n",
            settings.unit().days_per_period(),
            settings.calibration_end()
        )
        .into_bytes();
    }
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
        row.field_u64(u64::from(c.purchases()));
        row.field_date(c.first_purchase());
        row.field_date(c.last_purchase());
        out.row_then(label.as_deref(), &row, &tail)?;
    }
    out.finish()
}

/// How money is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Money {
    /// As `Decimal` displays it: every digit, with the scale the sums and
    /// quotients have (the summary reader takes the amounts' decimals from
    /// `total_spend`'s scale).
    AsIs,
    /// Totals as `Decimal` displays them, means (quotients) without
    /// trailing zeros.
    Exact,
    /// To cents, half to even, two decimals.
    Cents,
}

impl Money {
    /// A mean: as a total, but without a quotient's trailing zeros when
    /// exact.
    fn mean(self, d: Decimal) -> Decimal {
        match self {
            Money::Exact if d.is_zero() => Decimal::ZERO,
            Money::Exact => d.normalize(),
            other => other.apply(d),
        }
    }

    /// `self.mean(total / count)` without the division, when the money is
    /// [`Money::Cents`], `count` is at least 1, and `total` has at most two
    /// decimals and at most twelve digits before them: the quotient rounded
    /// half to even at the cent, in integers. `None` otherwise.
    ///
    /// The same cents as dividing first: `rust_decimal`'s quotient is
    /// exact or off by less than `10^-15` here (28 significant digits of a
    /// value below `10^12`), while a quotient that is not a midpoint is at
    /// least `1 / (200 * 100 * count)` from one, more than `10^-15` for any
    /// `count` below `2^32`; so rounding either to the cent gives the same
    /// cents.
    #[inline]
    fn mean_of(self, total: Decimal, count: u32) -> Option<Decimal> {
        const LIMIT: u128 = 100_000_000_000_000;
        if !matches!(self, Money::Cents) || count == 0 || total.scale() > 2 {
            return None;
        }
        let magnitude = total.mantissa().unsigned_abs() * if total.scale() == 1 { 10 } else { 1 };
        let magnitude = magnitude * if total.scale() == 0 { 100 } else { 1 };
        if magnitude >= LIMIT {
            return None;
        }
        let n = u128::from(count);
        let (q, r) = (magnitude / n, magnitude % n);
        let q = match (2 * r).cmp(&n) {
            std::cmp::Ordering::Less => q,
            std::cmp::Ordering::Greater => q + 1,
            std::cmp::Ordering::Equal => q + (q & 1),
        };
        let q = i128::try_from(q).ok()?;
        let cents = if total.is_sign_negative() { -q } else { q };
        Some(Decimal::from_i128_with_scale(cents, 2))
    }

    fn apply(self, d: Decimal) -> Decimal {
        match self {
            Money::AsIs | Money::Exact => d,
            Money::Cents => {
                let mut r = d.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven);
                if r.is_zero() {
                    r = Decimal::ZERO;
                }
                r.rescale(2);
                r
            }
        }
    }
}

fn write_rows<W: Write>(
    writer: W,
    summary: &Summary,
    log: &TransactionLog,
    money: Money,
    categories: bool,
) -> io::Result<()> {
    let rows = summary.customers();
    let order = sorted(rows.len(), |i| rows[i].customer(), log);
    let mut out = Output::new(writer);
    let settings = summary.summarizer();
    let holdout = settings.holdout_end().is_some();
    out.buf
        .extend_from_slice(&summary_header(settings, categories));
    let tail = summary_tail(settings);
    let mut row = Row::new();
    for (i, label) in order {
        summary_row(
            &mut row,
            &rows[i],
            label.is_none(),
            money,
            categories,
            holdout,
        );
        out.row_then(label.as_deref(), &row, &tail)?;
    }
    out.finish()
}

/// The header line of [`write_summary`]'s output.
pub(super) fn summary_header(settings: &Summarizer, categories: bool) -> Vec<u8> {
    let holdout = settings.holdout_end().is_some();
    let columns = if categories {
        &SUMMARY_COLUMNS[..]
    } else {
        &SUMMARY_COLUMNS[..SUMMARY_COLUMNS.len() - 1]
    };
    let mut header = columns.join(",");
    if holdout {
        header.push(',');
        header.push_str(&HOLDOUT_COLUMNS.join(","));
    }
    header.push(',');
    header.push_str(&METADATA_COLUMNS[..2].join(","));
    if holdout {
        header.push(',');
        header.push_str(METADATA_COLUMNS[2]);
    }
    header.push('\n');
    header.into_bytes()
}

/// The metadata columns and line end of every summary row: the same on
/// every row, so formatted once.
fn summary_tail(settings: &Summarizer) -> Vec<u8> {
    let mut tail = format!(
        ",{},{}",
        settings.unit().days_per_period(),
        settings.calibration_end()
    );
    if let Some(end) = settings.holdout_end() {
        tail.push_str(&format!(",{end}"));
    }
    tail.push('\n');
    tail.into_bytes()
}

/// Formats one summary row after its label: the number first when the
/// customer has no name (`number`), then the figures.
#[inline]
fn summary_row(
    row: &mut Row,
    c: &CustomerSummary,
    number: bool,
    money: Money,
    categories: bool,
    holdout: bool,
) {
    row.clear();
    if number {
        row.u64(c.customer().get());
    }
    row.field_u64(u64::from(c.frequency()));
    row.field_f64(c.t_x());
    row.field_f64(c.age());
    let zbar = money.mean_of(c.repeat_spend(), c.frequency());
    row.field_decimal(zbar.unwrap_or_else(|| money.mean(c.zbar())));
    row.field_u64(u64::from(c.purchases()));
    row.field_u64(u64::from(c.transactions()));
    row.field_date(c.first_purchase());
    row.field_date(c.last_purchase());
    row.field_decimal(money.apply(c.total_spend()));
    let mean = money.mean_of(c.total_spend(), c.purchases());
    row.field_decimal(mean.unwrap_or_else(|| money.mean(c.mean_spend())));
    if categories {
        row.field_u64(u64::from(c.categories()));
    }
    if holdout {
        let h = c.holdout().copied().unwrap_or_default();
        row.field_u64(u64::from(h.purchases()));
        row.field_u64(u64::from(h.transactions()));
        row.field_decimal(money.apply(h.spend()));
    }
}

/// The key a written row is sorted by: the customer's number, or its name
/// (byte order) when the log has names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum RowKey<'a> {
    Number(u64),
    Label(&'a str),
}

/// The money and columns rows are written with: those of
/// [`write_summary`] (`format` `None`) or [`write_summary_with`], and of
/// [`write_holdout_only`] or [`write_holdout_only_with`].
#[derive(Debug, Clone, Copy)]
pub(super) struct RowFormat {
    money: Money,
    holdout_money: Money,
    categories: bool,
}

impl RowFormat {
    pub(super) fn new(format: Option<SummaryFormat>, categories_if_none: bool) -> RowFormat {
        match format {
            None => RowFormat {
                money: Money::AsIs,
                holdout_money: Money::AsIs,
                categories: categories_if_none,
            },
            Some(f) => RowFormat {
                money: if f.rounded {
                    Money::Cents
                } else {
                    Money::Exact
                },
                holdout_money: if f.rounded { Money::Cents } else { Money::AsIs },
                categories: f.categories,
            },
        }
    }

    pub(super) fn categories(&self) -> bool {
        self.categories
    }
}

/// Calls `f` with every summary row as [`write_summary_with`] writes it
/// (label, figures, metadata, line end), in the file's order, with its key.
pub(super) fn keyed_summary_rows(
    summary: &Summary,
    log: &TransactionLog,
    format: RowFormat,
    mut f: impl FnMut(RowKey<'_>, &[u8]) -> io::Result<()>,
) -> io::Result<()> {
    let rows = summary.customers();
    let order = sorted(rows.len(), |i| rows[i].customer(), log);
    let tail = summary_tail(summary.summarizer());
    let holdout = summary.summarizer().holdout_end().is_some();
    let mut row = Row::new();
    let mut line = Vec::with_capacity(256);
    for (i, label) in order {
        let c = &rows[i];
        summary_row(
            &mut row,
            c,
            label.is_none(),
            format.money,
            format.categories,
            holdout,
        );
        line.clear();
        if let Some(name) = &label {
            push_label(&mut line, name);
        }
        line.extend_from_slice(row.as_bytes());
        line.extend_from_slice(&tail);
        let key = label
            .as_deref()
            .map_or(RowKey::Number(c.customer().get()), RowKey::Label);
        f(key, &line)?;
    }
    Ok(())
}

/// Calls `f` with every holdout-only row as [`write_holdout_only_with`]
/// writes it, in the file's order, with its key.
pub(super) fn keyed_holdout_rows(
    summary: &Summary,
    log: &TransactionLog,
    format: RowFormat,
    mut f: impl FnMut(RowKey<'_>, &[u8]) -> io::Result<()>,
) -> io::Result<()> {
    let rows = summary.holdout_only();
    let order = sorted(rows.len(), |i| rows[i].customer(), log);
    let mut row = Row::new();
    let mut line = Vec::with_capacity(128);
    for (i, label) in order {
        let c = &rows[i];
        holdout_row(&mut row, c, label.is_none(), format.holdout_money);
        line.clear();
        if let Some(name) = &label {
            push_label(&mut line, name);
        }
        line.extend_from_slice(row.as_bytes());
        let key = label
            .as_deref()
            .map_or(RowKey::Number(c.customer().get()), RowKey::Label);
        f(key, &line)?;
    }
    Ok(())
}

/// The header line of [`write_holdout_only`]'s output.
pub(super) fn holdout_header() -> Vec<u8> {
    let mut header = HOLDOUT_ONLY_COLUMNS.join(",").into_bytes();
    header.push(b'\n');
    header
}

/// Formats one holdout-only row after its label, line end included.
#[inline]
fn holdout_row(row: &mut Row, c: &HoldoutOnlyCustomer, number: bool, money: Money) {
    let a = c.activity();
    row.clear();
    if number {
        row.u64(c.customer().get());
    }
    row.field_date(c.first_purchase());
    row.field_u64(u64::from(a.purchases()));
    row.field_u64(u64::from(a.transactions()));
    row.field_decimal(money.apply(a.spend()));
    row.byte(b'\n');
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
    write_holdout_rows(writer, summary, log, Money::AsIs)
}

/// Writes the holdout-only customers like [`write_holdout_only`], with the
/// money of `format` (see [`SummaryFormat`]).
///
/// # Errors
/// Any error of `writer`.
pub fn write_holdout_only_with<W: Write>(
    writer: W,
    summary: &Summary,
    log: &TransactionLog,
    format: SummaryFormat,
) -> io::Result<()> {
    let money = if format.rounded {
        Money::Cents
    } else {
        Money::AsIs
    };
    write_holdout_rows(writer, summary, log, money)
}

fn write_holdout_rows<W: Write>(
    writer: W,
    summary: &Summary,
    log: &TransactionLog,
    money: Money,
) -> io::Result<()> {
    let rows = summary.holdout_only();
    let order = sorted(rows.len(), |i| rows[i].customer(), log);
    let mut out = Output::new(writer);
    out.buf.extend_from_slice(&holdout_header());
    let mut row = Row::new();
    for (i, label) in order {
        holdout_row(&mut row, &rows[i], label.is_none(), money);
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

    /// Appends a row: the customer's name if it has one, `rest`, then
    /// `tail`.
    #[inline]
    fn row_then(&mut self, label: Option<&str>, rest: &Row, tail: &[u8]) -> io::Result<()> {
        if let Some(name) = label {
            push_label(&mut self.buf, name);
        }
        self.buf.extend_from_slice(rest.as_bytes());
        self.buf.extend_from_slice(tail);
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    use super::Money;

    /// The cents of a mean as the writer rounds the summary's quotient.
    fn divided(total: Decimal, count: u32) -> Decimal {
        Money::Cents.mean(total / Decimal::from(count))
    }

    #[test]
    fn cents_of_a_mean_are_those_of_the_quotient() {
        for scale in 0..=2 {
            for m in -2_000i64..=2_000 {
                let total = Decimal::new(m, scale);
                for count in 1..=40 {
                    let got = Money::Cents.mean_of(total, count).expect("in range");
                    assert_eq!(got, divided(total, count), "{total} / {count}");
                    assert_eq!(got.to_string(), divided(total, count).to_string());
                }
            }
        }
        // Midpoints: half to even.
        assert_eq!(
            Money::Cents.mean_of(Decimal::new(5, 2), 2),
            Some(Decimal::new(2, 2))
        );
        assert_eq!(
            Money::Cents.mean_of(Decimal::new(15, 2), 2),
            Some(Decimal::new(8, 2))
        );
        assert_eq!(
            Money::Cents.mean_of(Decimal::new(-15, 2), 2),
            Some(Decimal::new(-8, 2))
        );
    }

    #[test]
    fn other_means_are_left_to_the_division() {
        let total = Decimal::new(1234, 2);
        assert_eq!(Money::Cents.mean_of(total, 0), None);
        assert_eq!(Money::AsIs.mean_of(total, 3), None);
        assert_eq!(Money::Exact.mean_of(total, 3), None);
        assert_eq!(Money::Cents.mean_of(Decimal::new(1234, 3), 3), None);
        assert_eq!(
            Money::Cents.mean_of(Decimal::new(100_000_000_000_000, 2), 3),
            None
        );
        assert!(
            Money::Cents
                .mean_of(Decimal::new(99_999_999_999_999, 2), 3)
                .is_some()
        );
    }

    proptest! {
        #[test]
        fn cents_of_any_mean_in_range_are_those_of_the_quotient(
            m in -99_999_999_999_999i64..=99_999_999_999_999,
            scale in 0u32..=2,
            count in 1u32..=u32::MAX,
        ) {
            let total = Decimal::new(m, scale);
            if let Some(got) = Money::Cents.mean_of(total, count) {
                prop_assert_eq!(got.to_string(), divided(total, count).to_string());
            }
        }

        #[test]
        fn cents_of_small_counts_are_those_of_the_quotient(
            m in -99_999_999_999_999i64..=99_999_999_999_999,
            count in 1u32..=1000,
        ) {
            let total = Decimal::new(m, 2);
            let got = Money::Cents.mean_of(total, count);
            prop_assert_eq!(got.map(|d| d.to_string()), Some(divided(total, count).to_string()));
        }
    }
}
