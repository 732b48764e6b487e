//! `customer-value stage`: lifecycle stage and churn risk per customer from a
//! transaction log.

use std::collections::BTreeMap;
use std::path::PathBuf;

use customer_value::lifecycle::{
    ChurnInput, HistoryOptions, PeriodHistories, PeriodValue, RecencyRule, RecencyThreshold,
    RiskReason, StageReason, StageRule, WindowTrend,
};
use customer_value::{Decimal, LifecycleStage, Scorer, TimeUnit};

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

The observation end is the as-of date; periods are the summary unit (--unit; weeks by default
here), counted from the period of each customer's first purchase to the as-of period.
Stage rule (WindowTrend, this crate's heuristic [L], see customer_value::lifecycle::spec; each
threshold in periods, and the defaults are durations converted to the unit: a quarter, half a
year, a year; in weeks 13, 26, 52):
      --value V                spend (default) or purchases per period (the default with
                               --no-amount)
      --window W               periods in each of the two windows compared (default: a quarter)
      --exploration E          a history of at most E periods is exploration (default: a quarter)
      --threshold T            relative change that counts as growth or decline (default 0.2)
      --inactive K             periods without a purchase that mean decline (default: half a year)
      --churned C              periods without a purchase that mean churned (default: a year),
                               or never
      --recent-guard G         a customer who bought in the last G periods is not put in decline
                               by a falling trend (default: a quarter; 0 turns the guard off)
Churn risk (the course material's recency rule: absent 12 weeks, high risk, about 10% return;
24 weeks, lost, about 5%; converted to the unit):
      --high-risk-after H      periods without a purchase that mean high risk (default: 12 weeks)
      --lost-after L           periods without a purchase that mean lost (default: 24 weeks)
  -o, --output FILE            write the CSV to FILE instead of stdout
      --exact                  every digit (default: times to 6 significant digits)

Output columns: customer_id,periods_observed (periods from the first purchase's period to the
as-of period),stage,stage_reason,periods_since_last (T - t_x),risk,risk_reason,unit_days:
periods_observed, periods_since_last and the thresholds in risk_reason are in --unit, which
unit_days gives in days per period (1: days, 7: weeks) on every row

Examples:
  customer-value stage --input log.csv --observation-end 2024-12-31
  customer-value stage --input log.csv --observation-end 2024-12-31 --unit 30 --value purchases
  customer-value stage --input log.csv --observation-end 2024-12-31 --churned never -o stages.csv
  customer-value stage --input log.csv --observation-end 2024-12-31 --inactive 20 --churned 40
";

pub fn run(parser: &mut lexopt::Parser) -> Result<(), Failure> {
    let mut log_args = LogArgs::default();
    // Weeks, not days: the rule compares windows of whole periods.
    let mut summary_args = SummaryArgs {
        unit: TimeUnit::WEEK,
        ..SummaryArgs::default()
    };
    let mut window = None;
    let mut exploration = None;
    let mut threshold = None;
    let mut inactive = None;
    let mut churned: Option<Option<u32>> = None;
    let mut guard = None;
    let mut high_after: Option<f64> = None;
    let mut lost_after: Option<f64> = None;
    let mut value: Option<PeriodValue> = None;
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
                value = Some(parse_value(parser, &name, |t| match t {
                    "spend" => Ok(PeriodValue::Spend),
                    "purchases" => Ok(PeriodValue::Purchases),
                    _ => Err("expected spend or purchases".into()),
                })?)
            }
            "window" => window = Some(parse_u32_value(parser, &name)?),
            "exploration" => exploration = Some(parse_u32_value(parser, &name)?),
            "threshold" => {
                threshold = Some(parse_value(parser, &name, |t| {
                    t.parse::<f64>().map_err(|_| "expected a number".to_owned())
                })?)
            }
            "inactive" => inactive = Some(parse_u32_value(parser, &name)?),
            "churned" => {
                churned = Some(parse_value(parser, &name, |t| match t {
                    "never" => Ok(None),
                    _ => t
                        .parse::<u32>()
                        .map(Some)
                        .map_err(|_| "expected a whole number or never".to_owned()),
                })?)
            }
            "recent-guard" => guard = Some(parse_u32_value(parser, &name)?),
            "high-risk-after" => high_after = Some(parse_value(parser, &name, parse_periods)?),
            "lost-after" => lost_after = Some(parse_value(parser, &name, parse_periods)?),
            "output" => output = Some(parser.value()?.into()),
            "exact" => exact = true,
            _ => {
                if !summary_args.take(&name, parser)? {
                    log_args.take(&name, parser)?;
                }
            }
        }
    }
    // A log without amounts has no spend per period: purchases instead.
    let value = match (value, log_args.options()?.has_amounts()) {
        (Some(PeriodValue::Spend), false) => {
            return Err(Failure::Usage(
                "--value spend needs amounts; a log read with --no-amount has purchases only (--value purchases, its default)".into(),
            ));
        }
        (Some(v), _) => v,
        (None, true) => PeriodValue::Spend,
        (None, false) => PeriodValue::Purchases,
    };
    let summarizer = summary_args.summarizer("stage")?;
    let mut rule = WindowTrend::for_unit(summarizer.unit());
    if let Some(w) = window {
        rule = rule.window(w);
    }
    if let Some(e) = exploration {
        rule = rule.exploration(e);
    }
    if let Some(t) = threshold {
        rule = rule.threshold(t);
    }
    if let Some(k) = inactive {
        rule = rule.inactivity_limit(k);
    }
    match churned {
        Some(Some(c)) => rule = rule.churned_limit(c),
        Some(None) => rule = rule.no_churned_limit(),
        None => {}
    }
    if let Some(g) = guard {
        rule = rule.recent_guard(g);
    }
    let rule = StageRule::WindowTrend(rule.build().map_err(|e| Failure::Usage(e.to_string()))?);
    let recency_rule = recency_rule(summarizer.unit(), high_after, lost_after)?;
    let (path, log) = log_args.read()?;
    let data = |e: customer_value::Error| Failure::Data(format!("{}: {e}", path.display()));
    let summary = summarize(&summarizer, &path, &log)?;
    let options = HistoryOptions::new(summarizer.calibration_end(), summarizer.unit())
        .anchor(summarizer.period_anchor())
        .value(value);
    // Without amounts every row is one purchase (the histories count
    // rows of positive value as purchases; the log's zeros are not values).
    let marked: Vec<customer_value::Transaction>;
    let transactions = if log_args.options()?.has_amounts() {
        log.transactions()
    } else {
        marked = log
            .transactions()
            .iter()
            .map(|t| customer_value::Transaction::new(t.customer(), t.date(), Decimal::ONE))
            .collect();
        &marked
    };
    let histories = PeriodHistories::from_transactions(transactions, &options).map_err(data)?;
    let stages = rule.assign_all(&histories).map_err(data)?;

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
            "unit_days",
        ],
        |csv| {
            let unit_days = summarizer.unit().days_per_period().to_string();
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
                    &unit_days,
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

/// A number of periods, finite and > 0.
fn parse_periods(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|p| *p > 0.0 && p.is_finite())
        .ok_or_else(|| "expected a number of periods > 0".to_owned())
}

/// The course material's recency rule in `unit`, with either threshold
/// replaced; each keeps its return chance only when it is the course's.
fn recency_rule(
    unit: TimeUnit,
    high: Option<f64>,
    lost: Option<f64>,
) -> Result<RecencyRule, Failure> {
    let course = RecencyRule::courseware(unit);
    if high.is_none() && lost.is_none() {
        return Ok(course);
    }
    let usage = |e: customer_value::Error| Failure::Usage(e.to_string());
    let mut thresholds = Vec::new();
    for (given, default) in [
        (high, &course.thresholds()[0]),
        (lost, &course.thresholds()[1]),
    ] {
        thresholds.push(match given {
            Some(periods) => RecencyThreshold::new(periods, default.level()).map_err(usage)?,
            None => *default,
        });
    }
    RecencyRule::new(thresholds).map_err(usage)
}

fn stage_name(stage: LifecycleStage) -> String {
    stage.to_string()
}

/// The rule that fired, with its numbers, for the CSV (no commas).
fn describe(reason: &StageReason) -> String {
    reason.to_string()
}
