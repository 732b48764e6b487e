//! `score`: customer-value scoring from the command line.
//!
//! ```text
//! cargo run --release --example score -- summary --input LOG.csv --observation-end 1997-09-30
//! cargo run --release --example score -- summary --input ../shared/data/cdnow/CDNOW_sample.txt \
//!     --delimiter whitespace --no-header --columns 2,3,5 --observation-end 1997-09-30
//! ```
//!
//! One function per subcommand; the options that say how to read a
//! transaction log are shared ([`LogArgs`]), so later subcommands (rfm, clv,
//! fit, predict) read logs the same way. Exit codes: 0 on success, 1 when
//! the data cannot be read or summarised, 2 for a usage error.

use std::ffi::OsString;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use customer_value::csv::{
    Column, CsvOptions, CsvOptionsBuilder, Delimiter, IdKind, write_holdout_only, write_summary,
};
use customer_value::{Date, Error, Grouping, RefundPolicy, Summarizer, TimeUnit, TransactionLog};
use lexopt::prelude::*;

const USAGE: &str = "\
score: customer-value scoring from the command line

Usage: score <COMMAND> [OPTIONS]

Commands:
  summary   per-customer summary (frequency, recency, T, monetary value, ...) as CSV
  help      print this help

Run `score <COMMAND> --help` for a command's options.
";

const SUMMARY_USAGE: &str = "\
score summary: per-customer summary of a transaction log, as CSV on stdout

Usage: score summary --input LOG.csv --observation-end DATE [OPTIONS]

Summary options:
      --observation-end DATE   last day of the observation (calibration) period, inclusive
      --unit UNIT              days (default), weeks, or a number of days
      --holdout-end DATE       last day of the holdout period (adds holdout columns)
      --grouping G             day (default): same-day purchases are one; period: same-period
                               purchases are one, whole-period times; transaction: no grouping
      --refunds R              reject (default): a negative amount is an error;
                               net: refunds are netted into the same day's purchases
  -o, --output FILE            write the summary to FILE instead of stdout
      --holdout-only FILE      write the customers first seen in the holdout period to FILE
";

const LOG_USAGE: &str = "\
Log options:
  -i, --input FILE             the transaction log (CSV)
      --delimiter D            one character (default ','), 'tab', or 'whitespace' (runs of
                               spaces and tabs, as in CDNOW's file)
      --no-header              the file has no header line (give columns by position)
      --columns C,D,A          1-based positions of the customer, date and amount columns
      --customer-column COL    customer id column: header name or 1-based position
                               (default customer_id; 1 without a header)
      --date-column COL        date column (default date; 2 without a header);
                               dates are YYYY-MM-DD or YYYYMMDD
      --amount-column COL      amount column (default amount; 3 without a header)
      --quantity-column COL    optional number-of-units column
      --category-column COL    optional product category column
      --id-kind K              auto (default: numbers if every id is a number, else strings),
                               numeric, or string
  -h, --help                   print this help

Output columns: customer_id,frequency,recency,T,monetary_value (as Python lifetimes'
summary_data_from_transaction_data: recency = t_x, monetary_value = mean repeat purchase),
then purchases,transactions,first_purchase,last_purchase,total_spend,mean_spend,categories
(and holdout_purchases,holdout_transactions,holdout_spend with --holdout-end).
";

/// Why the program stops early.
enum Failure {
    /// Bad command line: exit code 2.
    Usage(String),
    /// Input that cannot be read or summarised, or output that cannot be
    /// written: exit code 1.
    Data(String),
}

impl From<lexopt::Error> for Failure {
    fn from(e: lexopt::Error) -> Failure {
        Failure::Usage(e.to_string())
    }
}

fn main() -> ExitCode {
    match run(lexopt::Parser::from_env()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("score: {message}\nRun `score --help` for usage.");
            ExitCode::from(2)
        }
        Err(Failure::Data(message)) => {
            eprintln!("score: {message}");
            ExitCode::from(1)
        }
    }
}

fn run(mut parser: lexopt::Parser) -> Result<(), Failure> {
    let command = match parser.next()? {
        None => return Err(Failure::Usage("missing command (summary)".into())),
        Some(Short('h') | Long("help")) => return print_help(USAGE),
        Some(Value(command)) => command.string()?,
        Some(other) => return Err(other.unexpected().into()),
    };
    match command.as_str() {
        "summary" => summary(&mut parser),
        "help" => print_help(USAGE),
        "rfm" | "clv" | "fit" | "predict" => Err(Failure::Usage(format!(
            "command {command:?} is not available yet"
        ))),
        _ => Err(Failure::Usage(format!("unknown command {command:?}"))),
    }
}

fn print_help(text: &str) -> Result<(), Failure> {
    print!("{text}");
    Ok(())
}

/// `score summary`.
fn summary(parser: &mut lexopt::Parser) -> Result<(), Failure> {
    let mut log_args = LogArgs::default();
    let mut end = None;
    let mut holdout_end = None;
    let mut unit = TimeUnit::DAY;
    let mut grouping = Grouping::Day;
    let mut refunds = RefundPolicy::Reject;
    let mut output: Option<PathBuf> = None;
    let mut holdout_only: Option<PathBuf> = None;
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => {
                return print_help(&format!("{SUMMARY_USAGE}\n{LOG_USAGE}"));
            }
            Long("observation-end") => {
                end = Some(parse_value(parser, "observation-end", parse_date)?)
            }
            Long("holdout-end") => {
                holdout_end = Some(parse_value(parser, "holdout-end", parse_date)?)
            }
            Long("unit") => unit = parse_value(parser, "unit", parse_unit)?,
            Long("grouping") => grouping = parse_value(parser, "grouping", parse_grouping)?,
            Long("refunds") => refunds = parse_value(parser, "refunds", parse_refunds)?,
            Short('o') | Long("output") => output = Some(parser.value()?.into()),
            Long("holdout-only") => holdout_only = Some(parser.value()?.into()),
            other => {
                let name = option_name(other)?;
                log_args.take(&name, parser)?;
            }
        }
    }
    let end = end.ok_or_else(|| Failure::Usage("summary needs --observation-end DATE".into()))?;
    let mut builder = Summarizer::builder(end)
        .unit(unit)
        .grouping(grouping)
        .refunds(refunds);
    if let Some(h) = holdout_end {
        builder = builder.holdout_end(h);
    }
    let summarizer = builder.build().map_err(|e| Failure::Usage(e.to_string()))?;
    let (path, log) = log_args.read()?;

    let summary = summarizer
        .summarize(log.transactions())
        .map_err(|e| Failure::Data(format!("{}: {e}{}", path.display(), hint(&e, &log))))?;

    if let Some(file) = &holdout_only {
        create(file)
            .and_then(|f| write_holdout_only(f, &summary, &log))
            .map_err(|e| Failure::Data(format!("cannot write {}: {e}", file.display())))?;
    }
    let written = match &output {
        Some(file) => create(file).and_then(|f| write_summary(f, &summary, &log)),
        None => write_summary(io::stdout().lock(), &summary, &log),
    };
    match written {
        Ok(()) => {}
        // `score summary ... | head` is not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
        Err(e) => {
            let to = output
                .as_deref()
                .map_or("stdout".into(), |p| p.display().to_string());
            return Err(Failure::Data(format!(
                "cannot write the summary to {to}: {e}"
            )));
        }
    }

    let last_day = summarizer.holdout_end().unwrap_or(end);
    eprintln!(
        "score: {}: {} transactions read, {} customers summarised, {} transactions after {last_day} excluded, {} holdout-only customers",
        path.display(),
        log.len(),
        summary.len(),
        summary.excluded().transactions(),
        summary.holdout_only().len(),
    );
    Ok(())
}

/// More context for a summary error: the customer's name in the file, and
/// the option that accepts refunds.
fn hint(e: &Error, log: &TransactionLog) -> String {
    let customer = match e {
        Error::InvalidTransaction { customer, .. }
        | Error::UnmatchedRefund { customer, .. }
        | Error::ObservationEndBeforeFirstPurchase { customer, .. } => Some(*customer),
        _ => None,
    };
    let mut hint = String::new();
    if let Some(c) = customer.filter(|_| !log.customer_names().is_empty()) {
        hint.push_str(&format!(
            " (customer {c} is {:?} in the file)",
            log.customer_label(c)
        ));
    }
    if let Error::InvalidTransaction { index, .. } = e {
        hint.push_str(&format!(
            " (transaction {index} is data row {} of the file; with --refunds net, refunds are netted into purchases)",
            index + 1
        ));
    }
    hint
}

fn create(path: &Path) -> io::Result<File> {
    File::create(path)
}

/// The options that say how to read a transaction log, shared by every
/// subcommand that reads one.
struct LogArgs {
    input: Option<PathBuf>,
    csv: CsvOptionsBuilder,
}

impl Default for LogArgs {
    fn default() -> LogArgs {
        LogArgs {
            input: None,
            csv: CsvOptions::builder(),
        }
    }
}

impl LogArgs {
    /// Takes the option `--name` if it is a log option; any other option
    /// is a usage error.
    fn take(&mut self, name: &str, parser: &mut lexopt::Parser) -> Result<(), Failure> {
        let csv = self.csv.clone();
        self.csv = match name {
            "input" => {
                self.input = Some(parser.value()?.into());
                csv
            }
            "delimiter" => csv.delimiter(parse_value(parser, name, parse_delimiter)?),
            "no-header" => csv.header(false),
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
            _ => return Err(Failure::Usage(format!("invalid option '--{name}'"))),
        };
        Ok(())
    }

    fn options(&self) -> Result<CsvOptions, Failure> {
        self.csv
            .clone()
            .build()
            .map_err(|e| Failure::Usage(e.to_string()))
    }

    /// Reads the log named by `--input`.
    fn read(&self) -> Result<(PathBuf, TransactionLog), Failure> {
        let path = self
            .input
            .clone()
            .ok_or_else(|| Failure::Usage("missing --input FILE".into()))?;
        let options = self.options()?;
        let log = options.read_path(&path).map_err(|e| match e {
            Error::InvalidParameter {
                name: "path",
                value,
                ..
            } => Failure::Data(format!("cannot open {value}")),
            e => Failure::Data(format!("{}: {e}", path.display())),
        })?;
        Ok((path, log))
    }
}

/// The long name of an option (`-i` is `--input`); a stray value or an
/// unknown short option is a usage error.
fn option_name(arg: lexopt::Arg<'_>) -> Result<String, Failure> {
    match arg {
        Short('i') => Ok("input".to_owned()),
        Long(name) => Ok(name.to_owned()),
        other => Err(other.unexpected().into()),
    }
}

/// The next value of option `--name`, parsed by `parse`.
fn parse_value<T>(
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

fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text).map_err(|e| e.to_string())
}

fn parse_unit(text: &str) -> Result<TimeUnit, String> {
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
