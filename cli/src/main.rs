//! `customer-value`: customer-value scoring from the command line.
//!
//! ```text
//! customer-value summary --input LOG.csv --observation-end 1997-09-30
//! customer-value summary --input ../shared/data/cdnow/CDNOW_sample.txt \
//!     --delimiter whitespace --no-header --columns 2,3,5 --observation-end 1997-09-30
//! customer-value rfm --summary summary.csv
//! customer-value clv --summary summary.csv --retention 0.8 --discount 0.1 \
//!     --margin-rate 0.3 --timing end
//! customer-value tiers --summary summary.csv
//! ```
//!
//! One module per subcommand; the options that say how to read and
//! summarise a transaction log are shared (`args`), so every subcommand
//! reads logs the same way, or reads a summary CSV written by `customer-value
//! summary` instead. Exit codes: 0 on success, 1 when the data cannot be
//! read or scored, 2 for a usage error.

mod args;
mod btyd;
mod capability;
mod clv;
mod covariates;
mod economics;
mod equity;
mod evaluate;
mod identify;
mod ladder;
mod loyalty;
mod output;
mod rfm;
mod rows;
mod stage;
mod summary;
mod survey;
mod tiers;

use std::process::ExitCode;

use lexopt::prelude::*;

const USAGE: &str = "\
customer-value: customer-value scoring from the command line

Usage: customer-value <COMMAND> [OPTIONS]

Commands:
  summary   per-customer summary (frequency, recency, T, monetary value, ...) as CSV
  rfm       RFM scores, codes and segments per customer (quantile bins fitted on the input)
  clv       discounted customer lifetime value per customer, and the customer equity
  tiers     ABC classes and customer-pyramid tiers per customer, with the population report
  satisfaction  per-item satisfaction indices (mean, sd, top/bottom-2-box, CSI) from survey answers
  kano      Kano categories and Better/Worse coefficients per attribute
  loyalty   loyalty index (0-100) with A1/A2/A3 sub-indices from an indicators CSV
  stage     lifecycle stage and churn risk per customer from a transaction log
  fit       fit a probabilistic model (BG/NBD, Gamma-Gamma, ...) by maximum likelihood, as JSON
  predict   P(alive), expected purchases, expected spend and CLV per customer from fitted models
  evaluate  a fitted purchase model on a holdout period (tables, errors, log score), or --compare all
  rows      customer counts per distinct (x, t_x, T): a fit's exact input, mergeable across files
  economics  loyalty economics: cumulative profit by tenure, breakeven, NPV and a retention change
  ladder    loyalty-ladder rung per customer from behaviour counts, or the migration between two dates
  capability  CRM capability scorecard per unit: composite and insight/creation/relationship sub-scores
  equity    customer-equity drivers: CLV per respondent and brand, customer equity, a driver what-if
  identify  customer-record quality (completeness, staleness, key fields) and duplicate candidates
  help      print this help

Run `customer-value <COMMAND> --help` for a command's options.
";

/// Why the program stops early.
pub enum Failure {
    /// Bad command line: exit code 2.
    Usage(String),
    /// Input that cannot be read or scored, or output that cannot be
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
            // One line, pointing to the subcommand's own help.
            let help = match output::command() {
                "" => "customer-value --help".to_owned(),
                command => format!("customer-value {command} --help"),
            };
            eprintln!("customer-value: {message} (see `{help}`)");
            ExitCode::from(2)
        }
        Err(Failure::Data(message)) => {
            eprintln!("customer-value: {message}");
            ExitCode::from(1)
        }
    }
}

fn run(mut parser: lexopt::Parser) -> Result<(), Failure> {
    let command = match parser.next()? {
        None => {
            return Err(Failure::Usage(
                "missing command (customer-value --help lists them)".into(),
            ));
        }
        Some(Short('h') | Long("help")) => return print_help(USAGE),
        Some(Value(command)) => command.string()?,
        Some(other) => return Err(other.unexpected().into()),
    };
    const COMMANDS: [&str; 17] = [
        "summary",
        "rfm",
        "clv",
        "tiers",
        "satisfaction",
        "kano",
        "loyalty",
        "stage",
        "fit",
        "predict",
        "evaluate",
        "rows",
        "economics",
        "ladder",
        "capability",
        "equity",
        "identify",
    ];
    if COMMANDS.contains(&command.as_str()) {
        output::set_command(&command);
    }
    match command.as_str() {
        "summary" => summary::run(&mut parser),
        "rfm" => rfm::run(&mut parser),
        "clv" => clv::run(&mut parser),
        "tiers" => tiers::run(&mut parser),
        "satisfaction" => survey::satisfaction(&mut parser),
        "kano" => survey::kano(&mut parser),
        "loyalty" => loyalty::run(&mut parser),
        "stage" => stage::run(&mut parser),
        "economics" => economics::run(&mut parser),
        "ladder" => ladder::run(&mut parser),
        "capability" => capability::run(&mut parser),
        "equity" => equity::run(&mut parser),
        "identify" => identify::run(&mut parser),
        "help" => print_help(USAGE),
        "fit" => btyd::fit(&mut parser),
        "predict" => btyd::predict(&mut parser),
        "evaluate" => evaluate::run(&mut parser),
        "rows" => rows::run(&mut parser),
        _ => Err(Failure::Usage(format!("unknown command {command:?}"))),
    }
}

pub fn print_help(text: &str) -> Result<(), Failure> {
    print!("{text}");
    Ok(())
}
