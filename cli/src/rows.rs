//! `customer-value rows`: a fit's sufficient statistics (customer counts per
//! distinct (x, t_x, T), or per (x, zbar) for spend), from a summary or a
//! log, or merged from partial files.

use std::path::PathBuf;

use customer_value::btyd::{CustomerHistory, DistinctRows, DistinctSpend, SpendHistory};
use customer_value::csv::{
    SummaryMetadata, read_distinct_rows_path, read_distinct_spend_path, write_distinct_rows,
    write_distinct_spend,
};

use crate::Failure;
use crate::args::{SummaryInput, option_name, scorer_help};
use crate::output::write_output;

const USAGE: &str = "\
customer-value rows: customer counts per distinct (x, t_x, T), the exact input of a fit, as CSV

Usage: customer-value rows (--summary SUMMARY.csv | --input LOG.csv --observation-end DATE) [OPTIONS]
       customer-value rows --merge ROWS.csv [ROWS.csv ...] [--spend] [-o FILE]

Every purchase model's likelihood depends on a customer only through (x, t_x, T), and
Gamma-Gamma's only through (x, zbar): a base of any size is summed up, without loss, by the
distinct rows and how many customers share each. `customer-value fit --rows FILE` fits them
and gives the same parameters, to the last digit, as the fit on the customers. Rows counted
elsewhere (any engine's `SELECT x, t_x, T, count(*) ... GROUP BY x, t_x, T`) are read too.

  --spend           count (x, zbar) of repeat buyers for gamma-gamma instead
  --merge FILES...  add up rows files (partial counts of disjoint customer sets); with
                    --spend, spend rows files
  -o, --output FILE write the CSV to FILE instead of stdout
  --summary, --input and the log options as for `customer-value summary`; customers first
  seen on the observation end (T = 0) are left out and counted on stderr, as `fit` does

Output: frequency,recency,T,count (or frequency,monetary_value,count with --spend), sorted,
then unit_days,observation_end when the input records them.

To count a base too large for one file, count each partition of customers (part-0.csv,
part-1.csv, ...) and add them up: customer-value rows --merge rows-0.csv rows-1.csv -o rows.csv

Examples:
  customer-value rows --summary summary.csv -o rows.csv
  customer-value rows --spend --summary summary.csv -o spend.csv
  customer-value fit --model pareto-nbd --rows rows.csv
  customer-value fit --model gamma-gamma --rows spend.csv
";

pub fn run(parser: &mut lexopt::Parser) -> Result<(), Failure> {
    let mut input = SummaryInput::new();
    let mut spend = false;
    let mut merge: Vec<PathBuf> = Vec::new();
    let mut output: Option<PathBuf> = None;
    while let Some(arg) = parser.next()? {
        let name = option_name(arg)?;
        match name.as_str() {
            "help" => return scorer_help(USAGE),
            "spend" => spend = true,
            "merge" => {
                for path in parser.values()? {
                    merge.push(path.into());
                }
            }
            "output" => output = Some(parser.value()?.into()),
            _ => input.take(&name, parser)?,
        }
    }
    if !merge.is_empty() {
        return write_merged(&merge, spend, output);
    }
    let loaded = input.load("rows")?;
    let data = |e: customer_value::Error| Failure::Data(format!("{}: {e}", loaded.path.display()));
    let mut metadata = SummaryMetadata::with_unit(loaded.unit);
    metadata.observation_end = loaded.observation_end;
    let usable: Vec<_> = loaded.rows.iter().filter(|r| r.age() > 0.0).collect();
    if usable.len() < loaded.rows.len() {
        eprintln!(
            "customer-value: {} customers first seen on the observation end (T = 0) left out",
            loaded.rows.len() - usable.len()
        );
    }
    if spend {
        if !loaded.layout.has_repeat_spend() {
            return Err(Failure::Data(format!(
                "{}: --spend needs each customer's mean repeat spend (monetary_value), and the file has none",
                loaded.path.display()
            )));
        }
        let mut rows = DistinctSpend::new();
        for r in &usable {
            rows.add(&SpendHistory::from_summary(r).map_err(data)?);
        }
        write_output(output.as_deref(), |w| {
            write_distinct_spend(w, &rows, &metadata).map_err(std::io::Error::other)
        })
    } else {
        let mut rows = DistinctRows::new();
        for r in &usable {
            rows.add(&CustomerHistory::from_summary(r).map_err(data)?);
        }
        write_output(output.as_deref(), |w| {
            write_distinct_rows(w, &rows, &metadata).map_err(std::io::Error::other)
        })
    }
}

/// Adds up rows files; their metadata must agree.
fn write_merged(paths: &[PathBuf], spend: bool, output: Option<PathBuf>) -> Result<(), Failure> {
    let mut metadata: Option<(SummaryMetadata, PathBuf)> = None;
    let mut agree = |m: SummaryMetadata, path: &PathBuf| -> Result<(), Failure> {
        match &metadata {
            Some((first, first_path)) if *first != m => Err(Failure::Data(format!(
                "{}: unit or observation end differs from {} (rows of one fit share them)",
                path.display(),
                first_path.display()
            ))),
            Some(_) => Ok(()),
            None => {
                metadata = Some((m, path.clone()));
                Ok(())
            }
        }
    };
    let data = |path: &PathBuf, e: customer_value::Error| {
        Failure::Data(format!("{}: {e}", path.display()))
    };
    if spend {
        let mut rows = DistinctSpend::new();
        for path in paths {
            let table = read_distinct_spend_path(path).map_err(|e| data(path, e))?;
            agree(table.metadata, path)?;
            rows.merge(&table.rows).map_err(|e| data(path, e))?;
        }
        let metadata = metadata.map(|m| m.0).unwrap_or_default();
        write_output(output.as_deref(), |w| {
            write_distinct_spend(w, &rows, &metadata).map_err(std::io::Error::other)
        })
    } else {
        let mut rows = DistinctRows::new();
        for path in paths {
            let table = read_distinct_rows_path(path).map_err(|e| data(path, e))?;
            agree(table.metadata, path)?;
            rows.merge(&table.rows).map_err(|e| data(path, e))?;
        }
        let metadata = metadata.map(|m| m.0).unwrap_or_default();
        write_output(output.as_deref(), |w| {
            write_distinct_rows(w, &rows, &metadata).map_err(std::io::Error::other)
        })
    }
}
