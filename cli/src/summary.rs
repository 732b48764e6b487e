//! `customer-value summary`: the per-customer summary of a transaction log, as CSV.

use std::path::PathBuf;

use customer_value::csv::{SummaryFormat, write_holdout_only_with, write_summary_with};

use crate::Failure;
use crate::args::{LOG_USAGE, LogArgs, SUMMARY_OPTIONS_USAGE, SummaryArgs, option_name, summarize};
use crate::output::write_output;

const USAGE: &str = "\
customer-value summary: per-customer summary of a transaction log, as CSV on stdout

Usage: customer-value summary --input LOG.csv --observation-end DATE [OPTIONS]

  -o, --output FILE            write the summary to FILE instead of stdout
      --holdout-only FILE      write the customers first seen in the holdout period to FILE
      --exact                  money with every digit (default: to cents, half to even; then
                               monetary_value, the Gamma-Gamma input, is read back to the cent).
                               Times are always exact (the shortest decimal that reads back)
";

const COLUMNS: &str = "\
Output columns: customer_id,frequency,recency,T,monetary_value, as Python lifetimes'
summary_data_from_transaction_data: frequency = x, the repeat purchases; recency = t_x, the
time from the first to the last purchase (not the time since the last purchase, which other
subcommands call periods_since_last = T - recency); T = time from the first purchase to the
observation end; monetary_value = mean repeat purchase. Then purchases (all purchases,
x + 1), transactions, first_purchase, last_purchase, total_spend, mean_spend, categories (only
with --category-column), and holdout_purchases,holdout_transactions,holdout_spend with
--holdout-end. Last come unit_days,observation_end (and holdout_end): the unit (days per
period) and dates, the same on every row, so that the scorers and `predict` know what the
times mean. Times are in --unit.

Examples:
  customer-value summary --input log.csv --observation-end 2024-12-31 -o summary.csv
  customer-value summary --input log.csv --observation-end 2024-06-30 --holdout-end 2024-12-31 --unit weeks
  customer-value summary --input log.csv --observation-end 2024-12-31 --grouping transaction
";

pub fn run(parser: &mut lexopt::Parser) -> Result<(), Failure> {
    let mut log_args = LogArgs::default();
    let mut summary_args = SummaryArgs::default();
    let mut output: Option<PathBuf> = None;
    let mut holdout_only: Option<PathBuf> = None;
    let mut exact = false;
    while let Some(arg) = parser.next()? {
        let name = option_name(arg)?;
        match name.as_str() {
            "help" => {
                return crate::print_help(&format!(
                    "{USAGE}\n{SUMMARY_OPTIONS_USAGE}\n{LOG_USAGE}\n{COLUMNS}"
                ));
            }
            "output" => output = Some(parser.value()?.into()),
            "holdout-only" => holdout_only = Some(parser.value()?.into()),
            "exact" => exact = true,
            _ => {
                if !summary_args.take(&name, parser)? {
                    log_args.take(&name, parser)?;
                }
            }
        }
    }
    let summarizer = summary_args.summarizer("summary")?;
    let (path, log) = log_args.read()?;
    let summary = summarize(&summarizer, &path, &log)?;

    let format = if exact {
        SummaryFormat::exact()
    } else {
        SummaryFormat::rounded()
    }
    .categories(!log.category_names().is_empty());
    if let Some(file) = &holdout_only {
        write_output(Some(file), |w| {
            write_holdout_only_with(w, &summary, &log, format)
        })?;
    }
    // The library's writer quotes labels as RFC 4180 requires and buffers
    // itself; the extra BufWriter costs one copy.
    write_output(output.as_deref(), |w| {
        write_summary_with(w, &summary, &log, format)
    })?;

    let last_day = summarizer
        .holdout_end()
        .unwrap_or(summarizer.calibration_end());
    eprintln!(
        "customer-value: {}: {} transactions read, {} customers summarised, {} transactions after {last_day} excluded, {} holdout-only customers",
        path.display(),
        log.len(),
        summary.len(),
        summary.excluded().transactions(),
        summary.holdout_only().len(),
    );
    Ok(())
}
