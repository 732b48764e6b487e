//! Options shared by the subcommands: how to read a transaction log, how to
//! summarise it, or a summary CSV to read instead, and the value parsers.

use std::borrow::Cow;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use customer_value::csv::{
    Column, CsvOptions, CsvOptionsBuilder, CustomerRow, CustomerTable, CustomerTableColumns,
    DateFormat, Delimiter, IdKind, SummaryLayout, SummaryMetadata, SummaryTable,
    read_customer_table_path, read_summary_path,
};
use customer_value::{
    CustomerId, CustomerSummary, Date, Decimal, DuplicatePolicy, Duplicates, Error, Grouping,
    RefundPolicy, Summarizer, Summary, TimeUnit, TransactionLog,
};

use crate::Failure;

pub const LOG_USAGE: &str = "\
Log options:
  -i, --input FILE             the transaction log (CSV)
      --delimiter D            one character (default ','), 'tab', or 'whitespace' (runs of
                               spaces and tabs, as in CDNOW's file)
      --no-header              the file has no header line (give columns by position)
      --columns C,D,A          1-based positions of the customer, date and amount columns
      --customer-column COL    customer id column: header name or 1-based position
                               (default customer_id; 1 without a header)
      --date-column COL        date column (default date; 2 without a header);
                               dates are YYYY-MM-DD or YYYYMMDD, a time of day after them
                               ignored
      --date-format FMT        dates in another shape, as a strftime format: '%m/%d/%Y'
                               reads 12/1/2010 8:26 (zero padding optional; a time of day
                               after the date ignored), '%d.%m.%Y', '%d %b %Y'
      --amount-column COL      amount column (default amount; 3 without a header)
      --no-amount              the log has no amount column (customer and date only): the
                               purchase models (fit bg-nbd, pareto-nbd, ..., predict, stage)
                               work; the summary has no money columns, and gamma-gamma, clv,
                               rfm and tiers refuse it, as they need spend
      --decimal-comma          amounts have a decimal comma (12,50), as European exports;
                               a point is then an error (no thousands separators). Use with
                               --delimiter ';' (or quoted amounts)
      --quantity-column COL    optional number-of-units column
      --category-column COL    optional product category column
      --id-kind K              auto (default): numbers if every id is a number without a
                               leading zero, else text kept as written (007 and 7 are two
                               customers); numeric: numbers by value (0001 is 1, 007 and 7
                               are one customer); or string
      --duplicates D           rows identical to an earlier one (same customer, date, amount,
                               quantity and category) are counted on stderr and: keep (default:
                               two equal orders on one day are possible), drop, or error.
                               A streamed summary (see summary --help) does not count them
  -h, --help                   print this help
";

pub const SUMMARY_OPTIONS_USAGE: &str = "\
Summary options:
      --observation-end DATE   last day of the observation (calibration) period, inclusive
      --unit UNIT              days (default), weeks, or a number of days; for a --summary
                               file without a unit_days column, the unit its times are in
                               (days when not given); a file's own unit_days must agree
      --holdout-end DATE       last day of the holdout period (adds holdout columns)
      --grouping G             day (default): same-day purchases are one; period: same-period
                               purchases are one, whole-period times; transaction: no grouping
      --refunds R              reject (default): a negative amount is an error;
                               net: refunds are netted into the same day's purchases
";

pub const SUMMARY_INPUT_USAGE: &str = "\
Input: a transaction log (--input with the log and summary options below), or
      --summary FILE           a summary CSV instead of a log: one written by `customer-value
                               summary` (it records its unit and observation end), Python
                               lifetimes' (customer_id,frequency,recency,T,monetary_value),
                               or R BTYD's and CLVTools' (cust,x,t.x,T.cal with m.x, spend or
                               Spending). Without a unit_days column the unit is --unit,
                               else days (said on stderr).
";

/// The options that say how to read a transaction log, shared by every
/// subcommand that reads one.
pub struct LogArgs {
    input: Option<PathBuf>,
    csv: CsvOptionsBuilder,
    /// `--duplicates`, and whether it was given.
    pub duplicates: Option<DuplicatePolicy>,
}

impl Default for LogArgs {
    fn default() -> LogArgs {
        LogArgs {
            input: None,
            csv: CsvOptions::builder(),
            duplicates: None,
        }
    }
}

impl LogArgs {
    /// Takes the option `--name` if it is a log option; any other option
    /// is a usage error.
    pub fn take(&mut self, name: &str, parser: &mut lexopt::Parser) -> Result<(), Failure> {
        let csv = self.csv.clone();
        self.csv = match name {
            "input" => {
                self.input = Some(parser.value()?.into());
                csv
            }
            "delimiter" => csv.delimiter(parse_value(parser, name, parse_delimiter)?),
            "no-header" => csv.header(false),
            "no-amount" => csv.amounts(false),
            "decimal-comma" => csv.decimal_comma(true),
            "columns" => {
                let [c, d, a] = parse_value(parser, name, parse_columns)?;
                csv.customer_column(Column::Position(c))
                    .date_column(Column::Position(d))
                    .amount_column(Column::Position(a))
            }
            "customer-column" => csv.customer_column(parse_value(parser, name, parse_column)?),
            "date-column" => csv.date_column(parse_value(parser, name, parse_column)?),
            "amount-column" => csv.amount_column(parse_value(parser, name, parse_column)?),
            "quantity-column" => csv.quantity_column(parse_value(parser, name, parse_column)?),
            "category-column" => csv.category_column(parse_value(parser, name, parse_column)?),
            "id-kind" => csv.id_kind(parse_value(parser, name, parse_id_kind)?),
            "duplicates" => {
                self.duplicates = Some(parse_value(parser, name, parse_duplicates)?);
                csv
            }
            "date-format" => csv.date_format(parse_value(parser, name, |text| {
                DateFormat::new(text).map_err(|e| match e {
                    Error::InvalidValue { reason, .. } => reason,
                    other => other.to_string(),
                })
            })?),
            _ => return Err(Failure::Usage(format!("invalid option '--{name}'"))),
        };
        Ok(())
    }

    pub fn has_input(&self) -> bool {
        self.input.is_some()
    }

    /// The `--input` path.
    pub fn input(&self) -> Result<PathBuf, Failure> {
        self.input
            .clone()
            .ok_or_else(|| Failure::Usage("missing --input FILE".into()))
    }

    pub fn options(&self) -> Result<CsvOptions, Failure> {
        self.csv
            .clone()
            .build()
            .map_err(|e| Failure::Usage(e.to_string()))
    }

    /// Reads the log named by `--input`.
    pub fn read(&self) -> Result<(PathBuf, TransactionLog), Failure> {
        let path = self
            .input
            .clone()
            .ok_or_else(|| Failure::Usage("missing --input FILE".into()))?;
        let options = self.options()?;
        let mut log = options.read_path(&path).map_err(|e| open_error(e, &path))?;
        self.handle_duplicates(&path, &mut log)?;
        Ok((path, log))
    }

    /// Counts the rows identical to an earlier one on stderr, and keeps,
    /// drops or refuses them as `--duplicates` says.
    fn handle_duplicates(&self, path: &Path, log: &mut TransactionLog) -> Result<(), Failure> {
        // Without amounts, same-day orders are identical rows by nature:
        // they are counted only when --duplicates asks.
        if self.duplicates.is_none() && !self.options()?.has_amounts() {
            return Ok(());
        }
        let found = Duplicates::find(log.transactions());
        let Some(&(row, first)) = found.pairs().first() else {
            return Ok(());
        };
        let policy = self.duplicates.unwrap_or_default();
        let label = log
            .customer_label(log.transactions()[row].customer())
            .into_owned();
        let example = format!(
            "data row {} repeats data row {} (customer {label:?}; rows counted without the header and blank lines)",
            row + 1,
            first + 1
        );
        if policy == DuplicatePolicy::Reject {
            return Err(Failure::Data(format!(
                "{}: {} rows are identical to an earlier row (same customer, date and amount): {example}; \
                 --duplicates keep counts them, drop removes them",
                path.display(),
                found.count()
            )));
        }
        let dropped = found
            .apply(policy, log.transactions_mut())
            .map_err(|e| Failure::Data(format!("{}: {e}", path.display())))?;
        let what = if dropped > 0 {
            "dropped (--duplicates drop)"
        } else {
            "kept, each counted as a purchase (--duplicates drop removes them, error refuses them)"
        };
        eprintln!(
            "customer-value: {}: {} rows identical to an earlier row (same customer, date and amount), {what}; e.g. {example}",
            path.display(),
            found.count()
        );
        Ok(())
    }
}

pub fn open_error(e: Error, path: &Path) -> Failure {
    match e {
        Error::Io {
            action,
            path,
            source,
        } => Failure::Data(format!("cannot {action} {}: {source}", path.display())),
        // A header without a needed column: list the columns it has, and
        // for the amount, say how to read a log without one.
        Error::Parse {
            line: 1,
            column,
            reason,
        } => {
            let no_amount = if reason.contains("has no column") && column == "amount" {
                "; a log without amounts (customer and date only) reads with --no-amount"
            } else {
                ""
            };
            let e = Error::Parse {
                line: 1,
                column,
                reason,
            };
            Failure::Data(format!(
                "{}: {e}{}{no_amount}",
                path.display(),
                crate::output::header_hint(path)
            ))
        }
        e => Failure::Data(format!("{}: {e}", path.display())),
    }
}

/// The options that say how to summarise a log.
pub struct SummaryArgs {
    pub end: Option<Date>,
    pub holdout_end: Option<Date>,
    pub unit: TimeUnit,
    /// Whether `--unit` was given.
    pub unit_given: bool,
    pub grouping: Grouping,
    pub refunds: RefundPolicy,
}

impl Default for SummaryArgs {
    fn default() -> SummaryArgs {
        SummaryArgs {
            end: None,
            holdout_end: None,
            unit: TimeUnit::DAY,
            unit_given: false,
            grouping: Grouping::Day,
            refunds: RefundPolicy::Reject,
        }
    }
}

impl SummaryArgs {
    /// Takes `--name` if it is a summary option; returns whether it was.
    pub fn take(&mut self, name: &str, parser: &mut lexopt::Parser) -> Result<bool, Failure> {
        match name {
            "observation-end" => self.end = Some(parse_value(parser, name, parse_date)?),
            "holdout-end" => self.holdout_end = Some(parse_value(parser, name, parse_date)?),
            "unit" => {
                self.unit = parse_value(parser, name, parse_unit)?;
                self.unit_given = true;
            }
            "grouping" => self.grouping = parse_value(parser, name, parse_grouping)?,
            "refunds" => self.refunds = parse_value(parser, name, parse_refunds)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    pub fn summarizer(&self, command: &str) -> Result<Summarizer, Failure> {
        let end = self
            .end
            .ok_or_else(|| Failure::Usage(format!("{command} needs --observation-end DATE")))?;
        let mut builder = Summarizer::builder(end)
            .unit(self.unit)
            .grouping(self.grouping)
            .refunds(self.refunds);
        if let Some(h) = self.holdout_end {
            builder = builder.holdout_end(h);
        }
        builder.build().map_err(|e| Failure::Usage(e.to_string()))
    }
}

/// Summarises a log, with the customer's name and the file row in errors.
pub fn summarize(
    summarizer: &Summarizer,
    path: &Path,
    log: &TransactionLog,
) -> Result<Summary, Failure> {
    summarizer
        .summarize(log.transactions())
        .map_err(|e| Failure::Data(summary_error(&e, path, Some(log))))
}

/// A summary error as the command line says it: a refund names its data
/// row and the option that accepts it (not the library's name for it).
fn summary_error(e: &Error, path: &Path, log: Option<&TransactionLog>) -> String {
    if let Error::InvalidTransaction {
        index,
        customer,
        date,
        reason,
    } = e
    {
        let who = log.filter(|l| !l.customer_names().is_empty()).map_or_else(
            || customer.to_string(),
            |l| format!("{:?}", l.customer_label(*customer)),
        );
        let what = reason.split(';').next().unwrap_or(reason);
        return format!(
            "{}: data row {} (not counting the header and blank lines), customer {who}, {date}: {what}; \
             give --refunds net to net refunds into the same day's purchases, or remove the row",
            path.display(),
            index + 1
        );
    }
    format!("{}: {e}{}", path.display(), hint(e, log))
}

/// A streaming summary's error: the log's read errors as
/// [`LogArgs::read`] reports them, and summary errors with the hints that
/// need no log in memory.
pub fn stream_error(e: Error, path: &Path) -> Failure {
    match e {
        e @ (Error::Io { .. } | Error::Parse { .. }) => open_error(e, path),
        e => Failure::Data(summary_error(&e, path, None)),
    }
}

/// More context for a summary error: the customer's name in the file, and
/// the option that accepts refunds.
fn hint(e: &Error, log: Option<&TransactionLog>) -> String {
    let customer = match e {
        Error::InvalidTransaction { customer, .. }
        | Error::UnmatchedRefund { customer, .. }
        | Error::ObservationEndBeforeFirstPurchase { customer, .. } => Some(*customer),
        _ => None,
    };
    let mut hint = String::new();
    if let (Error::Overflow { .. }, Some(log)) = (e, log) {
        if let Some(c) = crate::output::overflowing_customer(log) {
            hint.push_str(&format!(
                " (customer {:?}: the sum of its amounts exceeds the largest decimal, about 7.9e28)",
                log.customer_label(c)
            ));
        }
    }
    if let Error::UnmatchedRefund { .. } = e {
        hint.push_str(
            " (--refunds net nets a refund only into purchases of the same day, or period with \
             --grouping period; a refund of an earlier purchase has none: net it into that purchase \
             beforehand or remove it)",
        );
    }
    if let (Some(c), Some(log)) = (customer, log.filter(|l| !l.customer_names().is_empty())) {
        hint.push_str(&format!(
            " (customer {c} is {:?} in the file)",
            log.customer_label(c)
        ));
    }
    hint
}

/// Prints a scoring subcommand's help: its own options, then the input,
/// summary and log options every scorer shares.
pub fn scorer_help(usage: &str) -> Result<(), Failure> {
    crate::print_help(&format!(
        "{usage}\n{SUMMARY_INPUT_USAGE}\n{SUMMARY_OPTIONS_USAGE}\n{LOG_USAGE}"
    ))
}

pub const CUSTOMERS_USAGE: &str = "\
Or a pre-aggregated customer table (one row per customer, as the R rfm package's
rfm_table_customer takes):
      --customers FILE         the table (CSV with a header)
      --customer-column COL    customer id column (default customer_id)
      --recency-column COL     time since the last order, kept in the column's unit
                               (default recency_days)
      --last-order-column COL  instead: the last order's date; recency is the days from it to
                               --observation-end (the rfm package's rfm_table_customer_2)
      --orders-column COL      number of orders (default number_of_orders)
      --revenue-column COL     revenue, total spend (default revenue)
";

/// Prints the help of a command that also takes `--customers`.
pub fn customers_help(usage: &str) -> Result<(), Failure> {
    crate::print_help(&format!(
        "{usage}\n{SUMMARY_INPUT_USAGE}\n{CUSTOMERS_USAGE}\n{SUMMARY_OPTIONS_USAGE}\n{LOG_USAGE}"
    ))
}

/// Refuses a summary without spend for a command that needs it, and says
/// on stderr what a summary without total spend gives instead.
pub fn check_spend(loaded: &Loaded, command: &str) -> Result<(), Failure> {
    if !loaded.layout.has_repeat_spend() && loaded.log().is_some() {
        return Err(Failure::Data(format!(
            "{}: {command} needs each customer's spend, and the log was read without amounts (--no-amount)",
            loaded.path.display()
        )));
    }
    if !loaded.layout.has_repeat_spend() {
        return Err(Failure::Data(format!(
            "{}: {command} needs each customer's spend, and the file has no spend column (total_spend, monetary_value, m.x, spend or Spending)",
            loaded.path.display()
        )));
    }
    if !loaded.layout.has_total_spend() {
        eprintln!(
            "customer-value: {} has no total spend (lifetimes' or BTYD's layout): spend is the repeat spend, x x monetary_value, leaving out each first purchase",
            loaded.path.display()
        );
    }
    Ok(())
}

/// Summary rows from either a transaction log (summarised here) or a
/// summary CSV, with the customers' names as the input wrote them.
pub struct SummaryInput {
    log: LogArgs,
    summary: SummaryArgs,
    summary_file: Option<PathBuf>,
    customers_file: Option<PathBuf>,
    customer_columns: CustomerTableColumns,
    last_order_column: Option<Column>,
}

/// What [`SummaryInput::load`] read.
pub struct Loaded {
    pub rows: Vec<CustomerSummary>,
    names: Names,
    /// The file the rows came from, for messages.
    pub path: PathBuf,
    /// The unit of the rows' times: the summary's own, the file's
    /// `unit_days`, `--unit`, or days when none says.
    pub unit: TimeUnit,
    /// The observation end, when known.
    pub observation_end: Option<Date>,
    /// Which columns the input had (a log gives every one).
    pub layout: SummaryLayout,
    /// The rows of a pre-aggregated customer table (`--customers`), whose
    /// `rows` are then empty.
    pub customers: Option<Vec<CustomerRow>>,
}

/// A summary file's counted `(x, t_x, T)` rows ([`SummaryInput::load_rows`]).
pub struct LoadedRows {
    pub rows: customer_value::csv::SummaryRows,
    /// The file, for messages.
    pub path: PathBuf,
    /// The unit of the rows' times (as [`Loaded::unit`]).
    pub unit: TimeUnit,
    /// The observation end, when known.
    pub observation_end: Option<Date>,
}

enum Names {
    Log(TransactionLog),
    Table(SummaryTable),
    Customers(CustomerTable),
}

impl Loaded {
    /// The transaction log, when the rows were summarised from one.
    pub fn log(&self) -> Option<&TransactionLog> {
        match &self.names {
            Names::Log(log) => Some(log),
            _ => None,
        }
    }

    /// The customer's id as the input wrote it.
    pub fn label(&self, customer: CustomerId) -> Cow<'_, str> {
        match &self.names {
            Names::Log(log) => log.customer_label(customer),
            Names::Table(table) => table.customer_label(customer),
            Names::Customers(table) => table.customer_label(customer),
        }
    }
}

impl SummaryInput {
    pub fn new() -> SummaryInput {
        SummaryInput {
            log: LogArgs::default(),
            summary: SummaryArgs::default(),
            summary_file: None,
            customers_file: None,
            customer_columns: CustomerTableColumns::default(),
            last_order_column: None,
        }
    }

    /// Takes any log, summary or `--summary` option; others are usage errors.
    pub fn take(&mut self, name: &str, parser: &mut lexopt::Parser) -> Result<(), Failure> {
        match name {
            "summary" => {
                self.summary_file = Some(parser.value()?.into());
                return Ok(());
            }
            "customers" => {
                self.customers_file = Some(parser.value()?.into());
                return Ok(());
            }
            "recency-column" => {
                self.customer_columns.recency = parse_value(parser, name, parse_column)?;
                return Ok(());
            }
            "last-order-column" => {
                self.last_order_column = Some(parse_value(parser, name, parse_column)?);
                return Ok(());
            }
            "orders-column" => {
                self.customer_columns.orders = parse_value(parser, name, parse_column)?;
                return Ok(());
            }
            "revenue-column" => {
                self.customer_columns.revenue = parse_value(parser, name, parse_column)?;
                return Ok(());
            }
            "customer-column" => {
                // For a log and for a customer table alike.
                let column: OsString = parser.value()?;
                let text = column.to_str().ok_or_else(|| {
                    Failure::Usage("--customer-column: the value is not valid UTF-8".into())
                })?;
                let column = parse_column(text).map_err(|reason| {
                    Failure::Usage(format!("--customer-column {text:?}: {reason}"))
                })?;
                self.customer_columns.customer = column.clone();
                self.log.csv = self.log.csv.clone().customer_column(column);
                return Ok(());
            }
            _ => {}
        }
        if self.summary.take(name, parser)? {
            return Ok(());
        }
        self.log.take(name, parser)
    }

    /// Sets how a log's purchases are grouped, as `--grouping` does (a
    /// subcommand's own default; call it only when `--grouping` was not given).
    pub fn set_grouping(&mut self, grouping: Grouping) {
        self.summary.grouping = grouping;
    }

    /// The `--input` path, for commands that read their own format.
    pub fn input_path(&self) -> Option<PathBuf> {
        self.log.input.clone()
    }

    /// The `--holdout-end`, when given.
    pub fn holdout_end_flag(&self) -> Option<Date> {
        self.summary.holdout_end
    }

    /// The `--unit`, when given.
    pub fn unit_flag(&self) -> Option<TimeUnit> {
        self.summary.unit_given.then_some(self.summary.unit)
    }

    /// The unit and observation end of a summary file: its own metadata,
    /// checked against `--unit` and `--observation-end` when both say;
    /// `--unit` for a file without it; days (said on stderr) for neither.
    fn file_meta(
        &self,
        path: &Path,
        meta: &SummaryMetadata,
    ) -> Result<(TimeUnit, Option<Date>), Failure> {
        let unit = match (meta.unit, self.unit_flag()) {
            (Some(file), Some(flag)) if file != flag => {
                return Err(Failure::Data(
                    Error::UnitMismatch {
                        what: format!("{} (its unit_days column)", path.display()),
                        unit: file,
                        other: "--unit".into(),
                        other_unit: flag,
                    }
                    .to_string(),
                ));
            }
            (Some(file), _) => file,
            (None, Some(flag)) => flag,
            (None, None) => {
                eprintln!(
                    "customer-value: {} has no unit_days column; its recency and T are taken to be in days (give --unit weeks or --unit N otherwise)",
                    path.display()
                );
                TimeUnit::DAY
            }
        };
        let end = match (meta.observation_end, self.summary.end) {
            (Some(file), Some(flag)) if file != flag => {
                return Err(Failure::Data(format!(
                    "{}: the file's observation_end is {file} but --observation-end is {flag}",
                    path.display()
                )));
            }
            (file, flag) => file.or(flag),
        };
        Ok((unit, end))
    }

    /// Reads the customer table (`--customers`), the summary file, or
    /// reads and summarises the log: for the commands that take
    /// pre-aggregated customers (rfm, tiers).
    pub fn load_or_customers(&self, command: &str) -> Result<Loaded, Failure> {
        let Some(path) = &self.customers_file else {
            return self.load(command);
        };
        if self.summary_file.is_some() || self.log.has_input() {
            return Err(Failure::Usage(
                "give one of --input LOG, --summary FILE or --customers FILE".into(),
            ));
        }
        let mut columns = self.customer_columns.clone();
        if let Some(column) = &self.last_order_column {
            let as_of = self.summary.end.ok_or_else(|| {
                Failure::Usage("--last-order-column needs --observation-end DATE".into())
            })?;
            columns.last_order = Some((column.clone(), as_of));
        }
        let table = read_customer_table_path(path, &columns).map_err(|e| open_error(e, path))?;
        Ok(Loaded {
            rows: Vec::new(),
            customers: Some(table.rows().to_vec()),
            names: Names::Customers(table),
            path: path.clone(),
            unit: self.summary.unit,
            observation_end: self.summary.end,
            layout: SummaryLayout::Full,
        })
    }

    /// For the purchase-model fits, which need only `x, t_x, T`: the
    /// `--summary` file's rows counted by `read_summary_rows` (its unused
    /// columns are not parsed); `None` when the input is not a summary
    /// file (then [`load`](Self::load) reads it).
    pub fn load_rows(&self) -> Option<Result<LoadedRows, Failure>> {
        let path = self.summary_file.as_ref()?;
        if self.customers_file.is_some() || self.log.has_input() {
            return None; // load() words the usage error
        }
        Some((|| {
            let rows = customer_value::csv::read_summary_rows_path(path)
                .map_err(|e| open_error(e, path))?;
            let (unit, observation_end) = self.file_meta(path, rows.metadata())?;
            Ok(LoadedRows {
                rows,
                path: path.clone(),
                unit,
                observation_end,
            })
        })())
    }

    /// Reads the summary file, or reads and summarises the log.
    pub fn load(&self, command: &str) -> Result<Loaded, Failure> {
        if self.customers_file.is_some() {
            return Err(Failure::Usage(format!(
                "{command} takes --input LOG or --summary FILE; --customers is for rfm and tiers"
            )));
        }
        match (&self.summary_file, self.log.has_input()) {
            (Some(_), true) => Err(Failure::Usage(
                "give either --input LOG or --summary FILE, not both".into(),
            )),
            (Some(path), false) => {
                let table = read_summary_path(path).map_err(|e| open_error(e, path))?;
                let (unit, observation_end) = self.file_meta(path, table.metadata())?;
                Ok(Loaded {
                    rows: table.customers().to_vec(),
                    customers: None,
                    layout: table.layout(),
                    names: Names::Table(table),
                    path: path.clone(),
                    unit,
                    observation_end,
                })
            }
            (None, _) => {
                let summarizer = self.summary.summarizer(command)?;
                let (path, log) = self.log.read()?;
                let summary = summarize(&summarizer, &path, &log)?;
                // A log read without amounts has no spend (its zeros are not).
                let layout = if self.log.options()?.has_amounts() {
                    SummaryLayout::Full
                } else {
                    SummaryLayout::Btyd { spend: false }
                };
                Ok(Loaded {
                    customers: None,
                    unit: summarizer.unit(),
                    observation_end: Some(summarizer.calibration_end()),
                    layout,
                    rows: summary.into_customers(),
                    names: Names::Log(log),
                    path,
                })
            }
        }
    }
}

/// The long name of an option (`-i` is `--input`, `-o` is `--output`); a
/// stray value or an unknown short option is a usage error, and so is an
/// option given twice (`--bins 5 --bins 4`): the command line is parsed
/// once per process, so the names seen are kept for the process.
pub fn option_name(arg: lexopt::Arg<'_>) -> Result<String, Failure> {
    let name = match arg {
        lexopt::Arg::Short('i') => "input".to_owned(),
        lexopt::Arg::Short('o') => "output".to_owned(),
        lexopt::Arg::Short('h') => "help".to_owned(),
        lexopt::Arg::Long(name) => name.to_owned(),
        other => return Err(other.unexpected().into()),
    };
    thread_local! {
        static SEEN: std::cell::RefCell<std::collections::BTreeSet<String>> =
            const { std::cell::RefCell::new(std::collections::BTreeSet::new()) };
    }
    if name != "help" && !SEEN.with(|seen| seen.borrow_mut().insert(name.clone())) {
        return Err(Failure::Usage(format!(
            "--{name} is given more than once; give each option once"
        )));
    }
    Ok(name)
}

/// The next value of option `--name`, parsed by `parse`.
pub fn parse_value<T>(
    parser: &mut lexopt::Parser,
    name: &str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, Failure> {
    let raw: OsString = parser.value()?;
    let text = raw
        .to_str()
        .ok_or_else(|| Failure::Usage(format!("--{name}: the value is not valid UTF-8")))?;
    parse(text).map_err(|reason| Failure::Usage(format!("--{name} {text:?}: {reason}")))
}

pub fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text).map_err(|e| e.to_string())
}

pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    customer_value::parse_decimal_exact(text.trim())
        .map_err(|_| "expected a decimal number like 0.8, of at most 28 digits".to_owned())
}

/// The next value of `--name` as a whole number.
pub fn parse_u32_value(parser: &mut lexopt::Parser, name: &str) -> Result<u32, Failure> {
    parse_value(parser, name, |t| {
        t.parse::<u32>()
            .map_err(|_| "expected a whole number".to_owned())
    })
}

/// Comma-separated decimals, like `0.01,0.05,0.2`.
pub fn parse_decimals(text: &str) -> Result<Vec<Decimal>, String> {
    text.split(',').map(parse_decimal).collect()
}

pub fn parse_unit(text: &str) -> Result<TimeUnit, String> {
    match text {
        "day" | "days" => Ok(TimeUnit::DAY),
        "week" | "weeks" => Ok(TimeUnit::WEEK),
        n => n
            .parse::<u32>()
            .map_err(|_| "expected days, weeks or a number of days".to_owned())
            .and_then(|n| TimeUnit::days(n).map_err(|e| e.to_string())),
    }
}

fn parse_grouping(text: &str) -> Result<Grouping, String> {
    match text {
        "day" => Ok(Grouping::Day),
        "period" => Ok(Grouping::Period),
        "transaction" => Ok(Grouping::Transaction),
        _ => Err("expected day, period or transaction".into()),
    }
}

fn parse_refunds(text: &str) -> Result<RefundPolicy, String> {
    match text {
        "reject" => Ok(RefundPolicy::Reject),
        "net" => Ok(RefundPolicy::Net),
        _ => Err("expected reject or net".into()),
    }
}

fn parse_duplicates(text: &str) -> Result<DuplicatePolicy, String> {
    match text {
        "keep" => Ok(DuplicatePolicy::Keep),
        "drop" => Ok(DuplicatePolicy::Drop),
        "error" | "reject" => Ok(DuplicatePolicy::Reject),
        _ => Err("expected keep, drop or error".into()),
    }
}

fn parse_id_kind(text: &str) -> Result<IdKind, String> {
    match text {
        "auto" => Ok(IdKind::Auto),
        "numeric" => Ok(IdKind::Numeric),
        "string" => Ok(IdKind::String),
        _ => Err("expected auto, numeric or string".into()),
    }
}

fn parse_delimiter(text: &str) -> Result<Delimiter, String> {
    match text {
        "whitespace" | "space" | "spaces" => Ok(Delimiter::Whitespace),
        "tab" | "\\t" | "\t" => Ok(Delimiter::Byte(b'\t')),
        _ if text.len() == 1 && text.is_ascii() => Ok(Delimiter::Byte(text.as_bytes()[0])),
        _ => Err("expected one ASCII character, 'tab' or 'whitespace'".into()),
    }
}

/// A header name, or a 1-based position when all digits.
fn parse_column(text: &str) -> Result<Column, String> {
    if text.is_empty() {
        return Err("expected a column name or position".into());
    }
    match text.parse::<usize>() {
        Ok(0) => Err("positions count from 1".into()),
        Ok(p) => Ok(Column::Position(p)),
        Err(_) => Ok(Column::name(text)),
    }
}

fn parse_columns(text: &str) -> Result<[usize; 3], String> {
    let positions: Vec<usize> = text
        .split(',')
        .map(|p| p.trim().parse::<usize>().ok().filter(|&p| p >= 1))
        .collect::<Option<_>>()
        .ok_or("expected three 1-based positions, like 2,3,5")?;
    <[usize; 3]>::try_from(positions)
        .map_err(|_| "expected three positions: customer,date,amount".into())
}

/// A number in `[min, max]`: finite, and not absurdly large for what it
/// measures, so that a slip like `1e300` is a usage error with a short
/// message instead of a data error or a 300-digit figure.
pub fn parse_f64_in(text: &str, min: f64, max: f64) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && (min..=max).contains(&x) => Ok(x),
        _ => Err(format!("expected a number from {min} to {max}")),
    }
}

/// A whole number in `[min, max]`.
pub fn parse_u32_in(text: &str, min: u32, max: u32) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number from {min} to {max}")),
    }
}

/// A CSV file with a header row: its header, names trimmed, and the reader
/// positioned at the first data row. Errors name the file.
pub fn open_table(path: &Path) -> Result<(Vec<String>, ::csv::Reader<std::fs::File>), Failure> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .map_err(|e| Failure::Data(format!("cannot open {}: {e}", path.display())))?;
    let header = reader
        .headers()
        .map_err(|e| Failure::Data(format!("{}: {e}", path.display())))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    Ok((header, reader))
}

/// The position of column `name` in `header`, or an error at line 1 that
/// lists the file's columns and points to `command`'s help.
pub fn required_column(
    header: &[String],
    name: &str,
    path: &Path,
    command: &str,
) -> Result<usize, Failure> {
    header.iter().position(|h| h == name).ok_or_else(|| {
        Failure::Data(format!(
            "{}: line 1: missing column {name:?}{}",
            path.display(),
            crate::output::columns_hint(header, command)
        ))
    })
}
