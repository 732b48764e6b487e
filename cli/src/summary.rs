//! `customer-value summary`: the per-customer summary of a transaction log, as CSV.

use std::path::PathBuf;

use customer_value::csv::{write_holdout_only, write_summary};

use crate::Failure;
use crate::args::{
    LOG_USAGE, LogArgs, SUMMARY_OPTIONS_USAGE, SummaryArgs, create, option_name, summarize,
    write_output,
};

const USAGE: &str = "\
customer-value summary: per-customer summary of a transaction log, as CSV on stdout

Usage: customer-value summary --input LOG.csv --observation-end DATE [OPTIONS]

  -o, --output FILE            write the summary to FILE instead of stdout
      --holdout-only FILE      write the customers first seen in the holdout period to FILE
";

const COLUMNS: &str = "\
Output columns: customer_id,frequency,recency,T,monetary_value (as Python lifetimes'
summary_data_from_transaction_data: recency = t_x, monetary_value = mean repeat purchase),
then purchases,transactions,first_purchase,last_purchase,total_spend,mean_spend,categories
(and holdout_purchases,holdout_transactions,holdout_spend with --holdout-end), and last
unit_days,observation_end (and holdout_end): the unit (days per period) and dates, the same
on every row, so that the scorers and `predict` know what the times mean.
";

pub fn run(parser: &mut lexopt::Parser) -> Result<(), Failure> {
    let mut log_args = LogArgs::default();
    let mut summary_args = SummaryArgs::default();
    let mut output: Option<PathBuf> = None;
    let mut holdout_only: Option<PathBuf> = None;
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

    if let Some(file) = &holdout_only {
        create(file)
            .and_then(|f| write_holdout_only(f, &summary, &log))
            .map_err(|e| Failure::Data(format!("cannot write {}: {e}", file.display())))?;
    }
    // write_summary buffers itself; the extra BufWriter costs one copy.
    write_output(output.as_deref(), |w| write_summary(w, &summary, &log))?;

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
