//! `customer-value summary`: the per-customer summary of a transaction log, as CSV.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use customer_value::Summarizer;
use customer_value::csv::{
    DEFAULT_MEMORY, Phase, Progress, StreamingSummarizer, SummaryFormat, write_holdout_only_with,
    write_summary_with, write_summary_without_spend,
};

use crate::Failure;
use crate::args::{
    LOG_USAGE, LogArgs, SUMMARY_OPTIONS_USAGE, SummaryArgs, option_name, parse_value, stream_error,
    summarize,
};
use crate::output::write_output;

const USAGE: &str = "\
customer-value summary: per-customer summary of a transaction log, as CSV on stdout

Usage: customer-value summary --input LOG.csv --observation-end DATE [OPTIONS]

  -o, --output FILE            write the summary to FILE instead of stdout
      --holdout-only FILE      write the customers first seen in the holdout period to FILE
      --exact                  money with every digit (default: to cents, half to even; then
                               monetary_value, the Gamma-Gamma input, is read back to the cent).
                               Times are always exact (the shortest decimal that reads back)

Large logs (the output is the same, byte for byte, either way). A --input ending in .parquet
is a Parquet log (columns found by name as in a CSV header; built with --features parquet),
always streamed:
      --stream MODE            auto (default): stream logs larger than --stream-threshold;
                               always; or never (read the whole log into memory)
      --memory SIZE            memory budget of a streamed summary (default 1GiB; e.g. 512MiB,
                               4GB): the log is split by customer into partitions that each fit
      --stream-threshold SIZE  the file size above which auto streams (default: --memory / 8,
                               as reading a log into memory takes about 8 times its size)
      --temp-dir DIR           where a streamed summary spills its partitions (default: the
                               system's temporary directory, $TMPDIR); a run that was killed
                               leaves a customer-value-spill-PID-... directory there, which the
                               next run removes
      --quiet                  no progress on stderr (shown for streamed summaries when stderr
                               is a terminal: bytes read, rows per second, time left)
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
times mean. Times are in --unit. With --no-amount: customer_id,frequency,recency,T,purchases,
first_purchase,last_purchase,unit_days,observation_end (no money column).

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
    let mut stream = Stream::Auto;
    let mut memory: Option<u64> = None;
    let mut threshold: Option<u64> = None;
    let mut temp_dir: Option<PathBuf> = None;
    let mut quiet = false;
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
            "stream" => stream = parse_value(parser, &name, parse_stream)?,
            "memory" => memory = Some(parse_value(parser, &name, parse_size)?),
            "stream-threshold" => threshold = Some(parse_value(parser, &name, parse_size)?),
            "temp-dir" => temp_dir = Some(parser.value()?.into()),
            "quiet" => quiet = true,
            _ => {
                if !summary_args.take(&name, parser)? {
                    log_args.take(&name, parser)?;
                }
            }
        }
    }
    let summarizer = summary_args.summarizer("summary")?;
    let base_format = if exact {
        SummaryFormat::exact()
    } else {
        SummaryFormat::rounded()
    };
    let memory = memory.unwrap_or(DEFAULT_MEMORY);
    let parquet = log_args
        .input()
        .ok()
        .and_then(|p| p.extension().map(|e| e.eq_ignore_ascii_case("parquet")))
        .unwrap_or(false);
    let amounts = log_args.options()?.has_amounts();
    if !amounts && (holdout_only.is_some() || matches!(stream, Stream::Always) || parquet) {
        return Err(Failure::Usage(
            "--no-amount summaries are written in memory, without --holdout-only (its columns are spend) or --stream always".into(),
        ));
    }
    let streamed = match stream {
        // A log without amounts is summarised in memory.
        _ if !amounts => false,
        // A Parquet log is always streamed.
        _ if parquet => true,
        Stream::Always => true,
        Stream::Never => false,
        Stream::Auto => {
            let path = log_args.input()?;
            let size = std::fs::metadata(&path).map_or(0, |m| m.len());
            size > threshold.unwrap_or(memory / 8)
        }
    };
    if streamed {
        if matches!(
            log_args.duplicates,
            Some(customer_value::DuplicatePolicy::Drop | customer_value::DuplicatePolicy::Reject)
        ) {
            return Err(Failure::Usage(
                "--duplicates drop or error needs the log in memory; give --stream never (a streamed summary does not look for duplicate rows)".into(),
            ));
        }
        let mut streamer = StreamingSummarizer::new(log_args.options()?, summarizer)
            .memory(memory)
            .format(base_format)
            .categories_when_named(true);
        if let Some(dir) = temp_dir {
            streamer = streamer.temp_dir(dir);
        }
        return run_streamed(
            &streamer,
            &summarizer,
            &log_args.input()?,
            output.as_deref(),
            holdout_only.as_deref(),
            !quiet && std::io::stderr().is_terminal(),
        );
    }
    let (path, log) = log_args.read()?;
    let summary = summarize(&summarizer, &path, &log)?;

    let format = base_format.categories(!log.category_names().is_empty());
    if let Some(file) = &holdout_only {
        write_output(Some(file), |w| {
            write_holdout_only_with(w, &summary, &log, format)
        })?;
    }
    // The library's writer quotes labels as RFC 4180 requires and buffers
    // itself; the extra BufWriter costs one copy.
    write_output(output.as_deref(), |w| {
        if amounts {
            write_summary_with(w, &summary, &log, format)
        } else {
            write_summary_without_spend(w, &summary, &log)
        }
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

/// Whether to stream the log (`--stream`).
#[derive(Clone, Copy)]
enum Stream {
    Auto,
    Always,
    Never,
}

fn parse_stream(text: &str) -> Result<Stream, String> {
    match text {
        "auto" => Ok(Stream::Auto),
        "always" => Ok(Stream::Always),
        "never" => Ok(Stream::Never),
        _ => Err("expected auto, always or never".into()),
    }
}

/// A size in bytes: a number with an optional unit, `KB`/`MB`/`GB`
/// (powers of 1000) or `KiB`/`MiB`/`GiB` (powers of 1024; `K`, `M`, `G`
/// alone too).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| "expected a size like 1GiB, 512MiB or 2000000000".to_owned())?;
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "k" | "kib" => 1024.0,
        "m" | "mib" => 1024.0 * 1024.0,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return Err("unknown unit (KB, MB, GB, KiB, MiB, GiB)".into()),
    };
    let bytes = number * scale;
    if !bytes.is_finite() || !(1.0..=1.8e19).contains(&bytes) {
        return Err("expected a size of at least 1 byte".into());
    }
    Ok(bytes as u64)
}

/// The streamed summary: same outputs and stderr line as the in-memory
/// one.
fn run_streamed(
    streamer: &StreamingSummarizer,
    summarizer: &Summarizer,
    path: &Path,
    output: Option<&Path>,
    holdout_only: Option<&Path>,
    show_progress: bool,
) -> Result<(), Failure> {
    let mut shown = false;
    let mut progress = |p: &Progress| {
        if show_progress {
            shown = true;
            eprint!("\r{}\x1b[K", progress_line(p));
            let _ = std::io::stderr().flush();
        }
    };
    let is_parquet = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    let prepared = if is_parquet {
        prepare_parquet(streamer, path, &mut progress)
    } else {
        streamer.prepare_path(path, &mut progress)
    };
    if shown {
        eprint!("\r\x1b[K");
    }
    let prepared = prepared.map_err(|e| stream_error(e, path))?;
    if let Some(file) = holdout_only {
        write_output(Some(file), |w| prepared.write_holdout_only(w))?;
    }
    // The last write of the runs: they are cut as they are read.
    let report = prepared.report().clone();
    write_output(output, |w| prepared.write_summary_once(w).map(drop))?;
    let last_day = summarizer
        .holdout_end()
        .unwrap_or(summarizer.calibration_end());
    eprintln!(
        "customer-value: {}: {} transactions read, {} customers summarised, {} transactions after {last_day} excluded, {} holdout-only customers",
        path.display(),
        report.transactions(),
        report.customers(),
        report.excluded().transactions(),
        report.holdout_only(),
    );
    Ok(())
}

#[cfg(feature = "parquet")]
fn prepare_parquet(
    streamer: &StreamingSummarizer,
    path: &Path,
    progress: &mut dyn FnMut(&Progress),
) -> Result<customer_value::csv::PreparedSummary, customer_value::Error> {
    streamer.prepare_parquet(path, progress)
}

#[cfg(not(feature = "parquet"))]
fn prepare_parquet(
    _: &StreamingSummarizer,
    path: &Path,
    _: &mut dyn FnMut(&Progress),
) -> Result<customer_value::csv::PreparedSummary, customer_value::Error> {
    Err(customer_value::Error::io(
        "read",
        path,
        std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "this build reads no Parquet (build customer-value-cli with --features parquet)",
        ),
    ))
}

/// One line of progress: `reading 1.2 GB of 2.5 GB (48%), 48.0M rows,
/// 4.1M rows/s, about 12 s left`.
fn progress_line(p: &Progress) -> String {
    let gb = |b: u64| b as f64 / 1e9;
    match p.phase() {
        Phase::Reading => {
            let mut line = format!("customer-value: reading {:.2} GB", gb(p.bytes_read()));
            if let Some(total) = p.total_bytes().filter(|&t| t > 0) {
                line.push_str(&format!(
                    " of {:.2} GB ({:.0}%)",
                    gb(total),
                    100.0 * p.bytes_read() as f64 / total as f64
                ));
            }
            line.push_str(&format!(
                ", {:.1}M rows, {:.2}M rows/s",
                p.rows() as f64 / 1e6,
                p.rows_per_second() / 1e6
            ));
            if let Some(eta) = p.eta() {
                line.push_str(&format!(", about {} s left", eta.as_secs()));
            }
            line
        }
        Phase::Summarizing { done, of } => {
            format!(
                "customer-value: summarising partition {} of {of}",
                (done + 1).min(of)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("2GB"), Ok(2_000_000_000));
        assert_eq!(parse_size("1.5G"), Ok(3 << 29));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("0").is_err());
        assert!(parse_size("1 parsec").is_err());
        assert!(parse_size("").is_err());
    }
}
