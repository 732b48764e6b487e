//! `customer-value tiers`: ABC classes, customer-pyramid tiers, the gold/bottom flags
//! and the value x loyalty quadrant per customer, with population reports.

use std::fmt::Display;
use std::path::PathBuf;

use customer_value::Decimal;
use customer_value::differentiate::{
    Abc, Basis, Boundary, CustomerValue, Pyramid, RankFlags, Tier, TierReport, ValueLoyalty,
    ValueLoyaltyMatrix, pareto_share,
};

use crate::Failure;
use crate::args::{SummaryInput, option_name, parse_decimals, parse_value};
use crate::output::{Format, percent, population_error, write_csv, write_text};

const USAGE: &str = "\
customer-value tiers: ABC classes and customer-pyramid tiers per customer, as CSV on stdout,
with the population reports (customers and share of value per tier) on stderr

Usage: customer-value tiers (--summary SUMMARY.csv | --input LOG.csv --observation-end DATE) [OPTIONS]

Tier options:
      --abc BASIS              value (default: cumulative share of value) or count (share of customers)
      --abc-cuts A,B           cumulative cut points (default 0.80,0.95 by value, 0.20,0.50 by count)
      --boundary RULE          crossing (default: the customer crossing a cut point goes up) or strict
      --pyramid-cuts P,G,I,L   cumulative shares of customers for platinum, gold, iron, lead
                               (default 0.01,0.05,0.20,1)
      --loyalty L              relationship duration for the value x loyalty matrix: age
                               (default: first purchase to the observation end) or t_x (first to
                               last purchase; with many one-time buyers its median is 0)
      --exact                  every digit (default: money to cents)
  -o, --output FILE            write the per-customer CSV to FILE instead of stdout
      --report FILE            write the population reports to FILE instead of stderr

Value is each customer's total spend in the observation period. With --customers, value is
the revenue column and loyalty (for the value x loyalty quadrant) the number of orders.
Output columns: customer_id,total_spend,abc,pyramid,gold_5,bottom_20,quadrant
(gold_5 and bottom_20 are 1 for the top 5% and the bottom 20% of customers by value, else 0).

Examples:
  customer-value tiers --summary summary.csv
  customer-value tiers --input log.csv --observation-end 2024-12-31 --abc count --abc-cuts 0.2,0.5 -o tiers.csv
";

pub fn run(parser: &mut lexopt::Parser) -> Result<(), Failure> {
    let mut input = SummaryInput::new();
    let mut by_count = false;
    let mut abc_cuts: Option<Vec<Decimal>> = None;
    let mut boundary = Boundary::Crossing;
    let mut pyramid_cuts: Option<Vec<Decimal>> = None;
    let mut loyalty_age = true;
    let mut output: Option<PathBuf> = None;
    let mut report: Option<PathBuf> = None;
    let mut exact = false;
    while let Some(arg) = parser.next()? {
        let name = option_name(arg)?;
        match name.as_str() {
            "help" => return crate::args::customers_help(USAGE),
            "abc" => {
                by_count = parse_value(parser, &name, |t| match t {
                    "value" => Ok(false),
                    "count" => Ok(true),
                    _ => Err("expected value or count".into()),
                })?
            }
            "abc-cuts" => abc_cuts = Some(parse_value(parser, &name, parse_decimals)?),
            "boundary" => {
                boundary = parse_value(parser, &name, |t| match t {
                    "crossing" => Ok(Boundary::Crossing),
                    "strict" => Ok(Boundary::Strict),
                    _ => Err("expected crossing or strict".into()),
                })?
            }
            "pyramid-cuts" => pyramid_cuts = Some(parse_value(parser, &name, parse_decimals)?),
            "loyalty" => {
                loyalty_age = parse_value(parser, &name, |t| match t {
                    "t_x" | "tx" => Ok(false),
                    "age" | "T" => Ok(true),
                    _ => Err("expected t_x or age".into()),
                })?
            }
            "output" => output = Some(parser.value()?.into()),
            "report" => report = Some(parser.value()?.into()),
            "exact" => exact = true,
            _ => input.take(&name, parser)?,
        }
    }

    let basis = if by_count {
        Basis::Count
    } else {
        Basis::Value(boundary)
    };
    let abc = match abc_cuts.as_deref() {
        None if by_count => Abc::by_count_default(),
        None => Abc::by_value_default(boundary),
        Some(&[a, b]) => Abc::new(a, b, basis).map_err(|e| Failure::Usage(e.to_string()))?,
        Some(_) => {
            return Err(Failure::Usage(
                "--abc-cuts takes two numbers, like 0.8,0.95".into(),
            ));
        }
    };
    let pyramid = match pyramid_cuts.as_deref() {
        None => Pyramid::textbook(),
        Some(&[p, g, i, l]) => {
            Pyramid::by_count([p, g, i, l]).map_err(|e| Failure::Usage(e.to_string()))?
        }
        Some(_) => {
            return Err(Failure::Usage(
                "--pyramid-cuts takes four numbers, like 0.01,0.05,0.2,1".into(),
            ));
        }
    };

    let loaded = input.load_or_customers("tiers")?;
    let data = |e: customer_value::Error| population_error(&loaded.path, loaded.rows.len(), e);
    let (values, loyalty) = match &loaded.customers {
        // A customer table has no dates: loyalty is the number of orders.
        Some(rows) => (
            rows.iter()
                .map(|row| CustomerValue::new(row.customer(), row.revenue()))
                .collect::<Vec<_>>(),
            rows.iter()
                .map(|row| {
                    ValueLoyalty::new(row.customer(), row.revenue(), f64::from(row.orders()))
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(data)?,
        ),
        None => {
            crate::args::check_spend(&loaded, "tiers")?;
            (
                CustomerValue::from_summaries(&loaded.rows),
                loaded
                    .rows
                    .iter()
                    .map(|row| {
                        if loyalty_age {
                            ValueLoyalty::from_summary_age(row)
                        } else {
                            ValueLoyalty::from_summary_t_x(row)
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(data)?,
            )
        }
    };
    let abc = abc.classify(&values).map_err(data)?;
    let pyramid = pyramid.classify(&values).map_err(data)?;
    let flags = RankFlags::default().flag(&values).map_err(data)?;
    let matrix = ValueLoyaltyMatrix::median()
        .classify(&loyalty)
        .map_err(data)?;

    let fmt = Format::new(exact);
    write_csv(
        output.as_deref(),
        &[
            "customer_id",
            "total_spend",
            "abc",
            "pyramid",
            "gold_5",
            "bottom_20",
            "quadrant",
        ],
        |csv| {
            for (i, v) in values.iter().enumerate() {
                csv.text(loaded.label(v.customer()).as_ref())?
                    .money(fmt, v.value())?
                    .show(abc.tiers()[i].score)?
                    .text(pyramid.tiers()[i].score.english())?
                    .text(if flags[i].score.is_top() { "1" } else { "0" })?
                    .text(if flags[i].score.is_bottom() { "1" } else { "0" })?
                    .show(matrix.tiers()[i].score)?
                    .end()?;
            }
            Ok(())
        },
    )?;

    let top20 = pareto_share(&values, Decimal::new(2, 1)).map_err(data)?;
    let mut text = String::new();
    text.push_str(&format!(
        "{} customers, total value {}; the top 20% of customers bring {} of the value\n\n",
        values.len(),
        fmt.money(abc.report().total_value()),
        percent(top20)
    ));
    text.push_str(&report_table("ABC class", abc.report(), fmt));
    text.push_str(&report_table("pyramid tier", pyramid.report(), fmt));
    text.push_str(&report_table("value x loyalty", matrix.report(), fmt));
    match report {
        Some(path) => write_text(&path, &text)?,
        None => eprint!("{text}"),
    }
    Ok(())
}

/// One population report as an aligned text table.
pub fn report_table<T: Tier + Display + Copy>(
    title: &str,
    report: &TierReport<T>,
    fmt: Format,
) -> String {
    let mut out = format!(
        "{title:<16} {:>10} {:>8} {:>16} {:>8}\n",
        "customers", "share", "value", "share"
    );
    for row in report.tiers() {
        out.push_str(&format!(
            "{:<16} {:>10} {:>8} {:>16} {:>8}\n",
            row.tier().to_string(),
            row.count(),
            percent(row.customer_share()),
            fmt.money(row.value()),
            row.value_share().map_or("-".to_owned(), percent)
        ));
    }
    out.push('\n');
    out
}
