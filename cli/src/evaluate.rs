//! `customer-value evaluate`: a fitted purchase model judged on a holdout
//! period (calibration-vs-holdout table, error metrics, log score, weekly
//! tracking), or every purchase model fitted and ranked (`--compare`).

use std::path::{Path, PathBuf};

use customer_value::btyd::evaluate::{
    HoldoutCustomer, HoldoutEvaluation, ModelComparison, RepeatPurchases, TrackingPeriod,
    compare_models, evaluate_holdout, track,
};
use customer_value::btyd::file::{FitFile, UnitUse};
use customer_value::btyd::{CustomerHistory, PurchaseModel};
use customer_value::{Date, TimeUnit};

use crate::Failure;
use crate::args::{
    Loaded, SummaryInput, option_name, parse_f64_in, parse_u32_in, parse_value, scorer_help,
};
use crate::output::{Format, write_csv, write_output};

const USAGE: &str = "\
customer-value evaluate: a fitted purchase model on a holdout period, or every model ranked

Usage: customer-value evaluate (--params FIT.json | --compare)
           (--summary SUMMARY.csv | --input LOG.csv --observation-end DATE --holdout-end DATE) [OPTIONS]

  --params FILE        a purchase model written by `customer-value fit` (bg-nbd, mbg-nbd, pareto-nbd,
                       ggom-nbd)
  --compare            fit BG/NBD, MBG/NBD and Pareto/NBD on the calibration period and rank them by
                       BIC and by holdout log score (one row per model)
  --summary FILE       a summary with holdout columns (`customer-value summary --holdout-end DATE`)
  --holdout-length T   the holdout length in the summary's unit (default: from the file's or the
                       command line's observation_end and holdout_end)
  --groups K           calibration-vs-holdout groups x = 0..K-1 and K+ (default 7, as FHL 2005)
  --tracking FILE      with --input: write the aggregate tracking by period (period,
                       expected_incremental,actual_incremental,expected_cumulative,actual_cumulative)
                       from the first purchase in the log to the holdout end, to FILE
  --format F           csv (default) or json (everything in one object)
  --exact              every digit (default: 6 significant digits)
  -o, --output FILE    write to FILE instead of stdout

CSV output (--params): the calibration-vs-holdout table, frequency,customers,actual_mean,
predicted_mean (the last group's frequency is written K+), then a blank line and one line
model,customers,holdout_length,total_actual,total_predicted,mae,rmse,bias,log_score.
CSV output (--compare): bic_rank,model,log_likelihood,parameters,aic,bic,log_score_rank,
log_score,total_actual,total_predicted,mae,rmse,bias.
predicted = E[Y(t*) | x, t_x, T] over the holdout (T, T+t*]; MAE, RMSE and bias (mean of
predicted - actual) are per customer; log_score is the mean of ln P(holdout count | x, t_x, T)
under the model's conditional pmf. Customers first seen on the observation end (T = 0) are left
out (counted on stderr). Times are converted to the fit file's unit when it records another.

Examples:
  customer-value fit --model bg-nbd --input log.csv --observation-end 2024-06-30 --unit weeks -o bgnbd.json
  customer-value evaluate --params bgnbd.json --input log.csv --observation-end 2024-06-30 --holdout-end 2024-12-31 --unit weeks
  customer-value evaluate --params bgnbd.json --input log.csv --observation-end 2024-06-30 --holdout-end 2024-12-31 --unit weeks --tracking tracking.csv
  customer-value evaluate --compare --input log.csv --observation-end 2024-06-30 --holdout-end 2024-12-31 --unit weeks --format json
";

pub fn run(parser: &mut lexopt::Parser) -> Result<(), Failure> {
    let mut input = SummaryInput::new();
    let mut params: Option<PathBuf> = None;
    let mut compare = false;
    let mut length: Option<f64> = None;
    let mut groups = 7u32;
    let mut tracking: Option<PathBuf> = None;
    let mut json = false;
    let mut exact = false;
    let mut output: Option<PathBuf> = None;
    while let Some(arg) = parser.next()? {
        let name = option_name(arg)?;
        match name.as_str() {
            "help" => return scorer_help(USAGE),
            "params" => params = Some(parser.value()?.into()),
            "compare" => compare = true,
            "holdout-length" => {
                length = Some(parse_value(parser, &name, |t| parse_f64_in(t, 1e-9, 1e6))?)
            }
            "groups" => groups = parse_value(parser, &name, |t| parse_u32_in(t, 1, 1000))?,
            "tracking" => tracking = Some(parser.value()?.into()),
            "format" => {
                json = parse_value(parser, &name, |t| match t {
                    "csv" => Ok(false),
                    "json" => Ok(true),
                    _ => Err("expected csv or json".to_string()),
                })?
            }
            "exact" => exact = true,
            "output" => output = Some(parser.value()?.into()),
            _ => input.take(&name, parser)?,
        }
    }
    if compare == params.is_some() {
        return Err(Failure::Usage(
            "evaluate needs one of --params FILE or --compare".into(),
        ));
    }
    let holdout_flag = input.holdout_end_flag();
    let loaded = input.load("evaluate")?;
    let mut length = match length {
        Some(t) => t,
        None => holdout_length(&loaded, holdout_flag)?,
    };
    // The fit's unit: the data's times (and the holdout length) go into it.
    let (fit, unit) = match &params {
        Some(path) => {
            let fit = FitFile::read_path(path)
                .map_err(|e| Failure::Data(format!("{}: {e}", path.display())))?;
            let unit = match fit
                .check_unit(loaded.unit)
                .map_err(|e| Failure::Data(format!("{}: {e}", path.display())))?
            {
                UnitUse::Convert { to, .. } => to,
                _ => loaded.unit,
            };
            (Some(fit), unit)
        }
        None => (None, loaded.unit),
    };
    length = loaded.unit.convert(length, unit);
    let to_fit = |t: f64| loaded.unit.convert(t, unit);
    let customers = holdout_customers(&loaded, &to_fit)?;
    let format = Format::new(exact);
    let data = |e: customer_value::Error| Failure::Data(format!("{}: {e}", loaded.path.display()));
    if compare {
        let cmp = compare_models(&customers, Some(length), groups).map_err(data)?;
        for f in cmp.failed() {
            eprintln!("customer-value: {} not fitted: {}", f.model, f.error);
        }
        return if json {
            write_json(output.as_deref(), &comparison_json(&cmp))
        } else {
            write_comparison(output.as_deref(), &cmp, format)
        };
    }
    let (Some(fit), Some(path)) = (fit, params) else {
        return Err(Failure::Usage(
            "evaluate needs one of --params FILE or --compare".into(),
        ));
    };
    let model: PurchaseModel = fit.purchase_model().ok_or_else(|| {
        Failure::Data(format!(
            "{}: a {} fit, not a purchase model (fit one with --model bg-nbd, mbg-nbd, pareto-nbd or ggom-nbd)",
            path.display(),
            fit.params().name()
        ))
    })?;
    let report = evaluate_holdout(&model, &customers, length, groups).map_err(data)?;
    let tracked = match &tracking {
        Some(file) => {
            let log = loaded.log().ok_or_else(|| {
                Failure::Usage("--tracking needs --input LOG (the purchase dates)".into())
            })?;
            let end = holdout_flag
                .ok_or_else(|| Failure::Usage("--tracking needs --holdout-end DATE".into()))?;
            let rows = tracking_rows(log.transactions(), &model, unit, end).map_err(data)?;
            if !json {
                write_tracking(Some(file), &rows, format)?;
            }
            Some(rows)
        }
        None => None,
    };
    if json {
        let mut value = evaluation_json(&report);
        if let Some(rows) = &tracked {
            value["tracking"] =
                serde_json::to_value(rows).map_err(|e| Failure::Data(e.to_string()))?;
            write_json(
                tracking.as_deref(),
                &serde_json::json!({ "tracking": rows }),
            )?;
        }
        return write_json(output.as_deref(), &value);
    }
    write_evaluation(output.as_deref(), &report, format)
}

/// The holdout length in the data's unit, from the summary file's or the
/// command line's dates.
fn holdout_length(loaded: &Loaded, flag: Option<Date>) -> Result<f64, Failure> {
    let end = match flag {
        Some(d) => Some(d),
        None if loaded.log().is_none() => customer_value::csv::read_summary_path(&loaded.path)
            .ok()
            .and_then(|t| t.metadata().holdout_end),
        None => None,
    };
    match (loaded.observation_end, end) {
        (Some(start), Some(end)) if end > start => Ok(loaded.unit.periods(end.days_since(start))),
        _ => Err(Failure::Usage(
            "give --holdout-length T (the input records no observation_end and holdout_end)".into(),
        )),
    }
}

fn holdout_customers(
    loaded: &Loaded,
    to_fit: &impl Fn(f64) -> f64,
) -> Result<Vec<HoldoutCustomer>, Failure> {
    let mut out = Vec::with_capacity(loaded.rows.len());
    let mut skipped = 0usize;
    for row in &loaded.rows {
        if row.age() <= 0.0 {
            skipped += 1;
            continue;
        }
        let whose = || {
            format!(
                "{}: customer {}",
                loaded.path.display(),
                loaded.label(row.customer())
            )
        };
        let holdout = row.holdout().ok_or_else(|| {
            Failure::Data(format!(
                "{}: no holdout columns (write the summary with --holdout-end, or give --input with --holdout-end)",
                loaded.path.display()
            ))
        })?;
        let history = CustomerHistory::new(
            row.customer(),
            row.frequency(),
            to_fit(row.t_x()),
            to_fit(row.age()),
        )
        .map_err(|e| Failure::Data(format!("{}: {e}", whose())))?;
        out.push(HoldoutCustomer::new(history, holdout.purchases()));
    }
    if skipped > 0 {
        eprintln!(
            "customer-value: {skipped} customers first seen on the observation end (T = 0) left out"
        );
    }
    Ok(out)
}

/// Tracking from the log's first purchase day to the holdout end.
fn tracking_rows(
    transactions: &[customer_value::Transaction],
    model: &PurchaseModel,
    unit: TimeUnit,
    end: Date,
) -> customer_value::Result<Vec<TrackingPeriod>> {
    let origin =
        transactions
            .iter()
            .map(|t| t.date())
            .min()
            .ok_or(customer_value::Error::EmptyInput {
                what: "tracking",
                needs: "at least one transaction",
            })?;
    // Transactions after the holdout end do not count.
    let kept: Vec<customer_value::Transaction> = transactions
        .iter()
        .filter(|t| t.date() <= end)
        .cloned()
        .collect();
    let data = RepeatPurchases::from_transactions(&kept, origin, unit)?;
    let periods = unit.periods(end.days_since(origin) + 1).ceil().max(1.0) as u32;
    track(model, &data, periods)
}

fn write_json(output: Option<&Path>, value: &serde_json::Value) -> Result<(), Failure> {
    write_output(output, |w| {
        serde_json::to_writer_pretty(&mut *w, value)?;
        writeln!(w)
    })
}

fn evaluation_json(report: &HoldoutEvaluation) -> serde_json::Value {
    serde_json::to_value(report).unwrap_or(serde_json::Value::Null)
}

fn comparison_json(cmp: &ModelComparison) -> serde_json::Value {
    serde_json::json!({
        "ranked": cmp.ranked(),
        "failed": cmp.failed().iter().map(|f| serde_json::json!({
            "model": f.model,
            "error": f.error.to_string(),
        })).collect::<Vec<_>>(),
    })
}

fn write_evaluation(
    output: Option<&Path>,
    report: &HoldoutEvaluation,
    format: Format,
) -> Result<(), Failure> {
    write_output(output, |w| {
        let mut csv = writer(&mut *w);
        csv.write_record(["frequency", "customers", "actual_mean", "predicted_mean"])?;
        for g in report.by_frequency() {
            let freq = if g.and_above() {
                format!("{}+", g.frequency())
            } else {
                g.frequency().to_string()
            };
            csv.write_record([
                freq,
                g.customers().to_string(),
                format.figure(g.actual_mean()),
                format.figure(g.predicted_mean()),
            ])?;
        }
        csv.flush()?;
        drop(csv);
        w.write_all(b"\n")?;
        let mut csv = writer(&mut *w);
        csv.write_record([
            "model",
            "customers",
            "holdout_length",
            "total_actual",
            "total_predicted",
            "mae",
            "rmse",
            "bias",
            "log_score",
        ])?;
        let e = report.errors();
        csv.write_record([
            report.model().to_string(),
            e.customers().to_string(),
            format.figure(report.holdout()),
            report.total_actual().to_string(),
            format.figure(report.total_predicted()),
            format.figure(e.mae()),
            format.figure(e.rmse()),
            format.figure(e.bias()),
            format.figure(report.log_score()),
        ])?;
        csv.flush()
    })
}

fn writer<W: std::io::Write>(w: W) -> ::csv::Writer<W> {
    ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(w)
}

fn write_tracking(
    output: Option<&Path>,
    rows: &[TrackingPeriod],
    format: Format,
) -> Result<(), Failure> {
    write_csv(
        output,
        &[
            "period",
            "expected_incremental",
            "actual_incremental",
            "expected_cumulative",
            "actual_cumulative",
        ],
        |csv| {
            for r in rows {
                csv.row(&[
                    r.period().to_string(),
                    format.figure(r.expected_incremental()),
                    r.actual_incremental().to_string(),
                    format.figure(r.expected_cumulative()),
                    r.actual_cumulative().to_string(),
                ])?;
            }
            Ok(())
        },
    )
}

fn write_comparison(
    output: Option<&Path>,
    cmp: &ModelComparison,
    format: Format,
) -> Result<(), Failure> {
    write_csv(
        output,
        &[
            "bic_rank",
            "model",
            "log_likelihood",
            "parameters",
            "aic",
            "bic",
            "log_score_rank",
            "log_score",
            "total_actual",
            "total_predicted",
            "mae",
            "rmse",
            "bias",
        ],
        |csv| {
            for m in cmp.ranked() {
                let e = m.evaluation();
                let opt = |f: fn(&HoldoutEvaluation) -> f64| {
                    e.map(|e| format.figure(f(e))).unwrap_or_default()
                };
                csv.row(&[
                    m.bic_rank().to_string(),
                    m.model().name().to_string(),
                    format.figure(m.log_likelihood()),
                    m.parameters().to_string(),
                    format.figure(m.aic()),
                    format.figure(m.bic()),
                    m.log_score_rank()
                        .map(|r| r.to_string())
                        .unwrap_or_default(),
                    opt(|e| e.log_score()),
                    e.map(|e| e.total_actual().to_string()).unwrap_or_default(),
                    opt(|e| e.total_predicted()),
                    opt(|e| e.errors().mae()),
                    opt(|e| e.errors().rmse()),
                    opt(|e| e.errors().bias()),
                ])?;
            }
            Ok(())
        },
    )
}
