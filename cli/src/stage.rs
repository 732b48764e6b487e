//! `customer-value stage`: lifecycle stage and churn risk per customer from a
//! transaction log.

use std::collections::BTreeMap;
use std::path::PathBuf;

use customer_value::lifecycle::{
    ChurnInput, HistoryOptions, PeriodHistories, PeriodValue, RecencyRule, RiskReason, StageReason,
    StageRule, WindowTrend,
};
use customer_value::{LifecycleStage, Scorer};

use crate::Failure;
use crate::args::{
    LOG_USAGE, LogArgs, SUMMARY_OPTIONS_USAGE, SummaryArgs, option_name, parse_u32_value,
    parse_value, summarize,
};
use crate::output::{Format, write_csv};

const USAGE: &str = "\
customer-value stage: lifecycle stage and churn risk per customer, as CSV on stdout, with the
counts per stage and per risk level on stderr

Usage: customer-value stage --input LOG.csv --observation-end DATE [OPTIONS]

The observation end is the as-of date; periods are the summary unit (--unit, e.g. weeks),
counted from the period of each customer's first purchase to the as-of period.
Stage rule (WindowTrend, this crate's heuristic; FORMULAS.md section 6):
      --value V                spend (default) or purchases per period
      --window W               periods in each of the two windows compared (default 3)
      --exploration E          periods a new customer stays in exploration (default 3)
      --threshold T            relative change that counts as growth or decline (default 0.2)
      --inactive K             periods without a purchase that mean decline (default 6)
      --churned C              periods without a purchase that mean churned (default: never)
Churn risk: the courseware's recency rule (absent 12 weeks: high risk, about 10 % return;
24 weeks: lost, about 5 %), converted to the summary unit.
  -o, --output FILE            write the CSV to FILE instead of stdout
      --exact                  every digit (default: times to 6 significant digits)

Output columns: customer_id,periods_observed (periods from the first purchase's period to the
as-of period),stage,stage_reason,periods_since_last (T - t_x, in the summary unit),risk,
risk_reason
";

pub fn run(parser: &mut lexopt::Parser) -> Result<(), Failure> {
    let mut log_args = LogArgs::default();
    let mut summary_args = SummaryArgs::default();
    let mut rule = WindowTrend::builder();
    let mut value = PeriodValue::Spend;
    let mut output: Option<PathBuf> = None;
    let mut exact = false;
    while let Some(arg) = parser.next()? {
        let name = option_name(arg)?;
        match name.as_str() {
            "help" => {
                return crate::print_help(&format!(
                    "{USAGE}\n{SUMMARY_OPTIONS_USAGE}\n{LOG_USAGE}"
                ));
            }
            "value" => {
                value = parse_value(parser, &name, |t| match t {
                    "spend" => Ok(PeriodValue::Spend),
                    "purchases" => Ok(PeriodValue::Purchases),
                    _ => Err("expected spend or purchases".into()),
                })?
            }
            "window" => rule = rule.window(parse_u32_value(parser, &name)?),
            "exploration" => rule = rule.exploration(parse_u32_value(parser, &name)?),
            "threshold" => {
                rule = rule.threshold(parse_value(parser, &name, |t| {
                    t.parse::<f64>().map_err(|_| "expected a number".to_owned())
                })?)
            }
            "inactive" => rule = rule.inactivity_limit(parse_u32_value(parser, &name)?),
            "churned" => rule = rule.churned_limit(parse_u32_value(parser, &name)?),
            "output" => output = Some(parser.value()?.into()),
            "exact" => exact = true,
            _ => {
                if !summary_args.take(&name, parser)? {
                    log_args.take(&name, parser)?;
                }
            }
        }
    }
    let rule = StageRule::WindowTrend(rule.build().map_err(|e| Failure::Usage(e.to_string()))?);
    let summarizer = summary_args.summarizer("stage")?;
    let (path, log) = log_args.read()?;
    let data = |e: customer_value::Error| Failure::Data(format!("{}: {e}", path.display()));
    let summary = summarize(&summarizer, &path, &log)?;
    let options = HistoryOptions::new(summarizer.calibration_end(), summarizer.unit())
        .anchor(summarizer.period_anchor())
        .value(value);
    let histories =
        PeriodHistories::from_transactions(log.transactions(), &options).map_err(data)?;
    let stages = rule.assign_all(&histories).map_err(data)?;
    let recency_rule = RecencyRule::courseware(summarizer.unit());

    let mut stage_counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut risk_counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut rows = Vec::with_capacity(histories.len());
    for ((customer, series), assignment) in histories.iter().zip(&stages) {
        // Customers whose purchases all fall after the as-of date have no
        // summary row: they are prospects at the as-of date.
        let warning = match summary.get(customer) {
            Some(row) => Some(
                recency_rule
                    .score(&ChurnInput::from_summary(row))
                    .map_err(data)?,
            ),
            None => None,
        };
        *stage_counts
            .entry(assignment.stage().to_string())
            .or_default() += 1;
        if let Some(w) = &warning {
            *risk_counts.entry(w.level().to_string()).or_default() += 1;
        }
        rows.push((
            customer,
            series.len(),
            assignment.stage(),
            *assignment.reason(),
            warning,
        ));
    }

    let fmt = Format::new(exact);
    write_csv(
        output.as_deref(),
        &[
            "customer_id",
            "periods_observed",
            "stage",
            "stage_reason",
            "periods_since_last",
            "risk",
            "risk_reason",
        ],
        |csv| {
            for (customer, periods, stage, reason, warning) in &rows {
                let (since_last, risk, risk_reason) = match warning {
                    Some(warning) => match warning.reason() {
                        RiskReason::Recency {
                            periods, threshold, ..
                        } => (
                            fmt.figure(*periods),
                            warning.level().to_string(),
                            threshold.map_or("below every threshold".to_owned(), |t| {
                                format!("absent >= {}", fmt.figure(t))
                            }),
                        ),
                        other => (
                            String::new(),
                            warning.level().to_string(),
                            format!("{other:?}"),
                        ),
                    },
                    None => (String::new(), String::new(), String::new()),
                };
                csv.row([
                    log.customer_label(*customer).as_ref(),
                    &periods.to_string(),
                    &stage_name(*stage),
                    &describe(reason),
                    &since_last,
                    &risk,
                    &risk_reason,
                ])?;
            }
            Ok(())
        },
    )?;
    eprintln!("customer-value: {} customers", rows.len());
    for (stage, n) in &stage_counts {
        eprintln!("  stage {stage:<12} {n:>9}");
    }
    for (risk, n) in &risk_counts {
        eprintln!("  risk  {risk:<12} {n:>9}");
    }
    Ok(())
}

fn stage_name(stage: LifecycleStage) -> String {
    stage.to_string()
}

/// The rule that fired, with its numbers, for the CSV (no commas).
fn describe(reason: &StageReason) -> String {
    match reason {
        StageReason::NoPurchase => "no purchase yet".into(),
        StageReason::Inactive { idle, limit } => {
            format!("{idle} periods without a purchase (limit {limit})")
        }
        StageReason::Young {
            periods,
            exploration,
            window,
        } => format!("{periods} periods old (exploration {exploration}; window {window})"),
        StageReason::Trend {
            recent, previous, ..
        } => match reason.ratio() {
            Some(ratio) => format!("recent {recent:.2} vs previous {previous:.2} (x{ratio:.3})"),
            None => format!("recent {recent:.2} vs previous {previous:.2}"),
        },
        other => format!("{other:?}").replace(',', ";"),
    }
}
