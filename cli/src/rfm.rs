//! `customer-value rfm`: RFM scores, codes and segments per customer, with the
//! fitted thresholds, the bin counts and the segment report.

use std::path::PathBuf;

use customer_value::rfm::{
    Binning, FittedRfm, MeanSplit, Monetary, QuantileMethod, Rfm, RfmScore, RfmValues,
    ScoreDirection, SegmentReport, SegmentRules, TieMethod,
};
use customer_value::{Fit, Grouping, Scorer};

use crate::Failure;
use crate::args::{SummaryInput, option_name, parse_value};
use crate::output::{Format, percent, population_error, write_csv, write_text};

const USAGE: &str = "\
customer-value rfm: RFM scores, codes and segments per customer, as CSV on stdout; the fitted
thresholds, bin counts and segment report on stderr

Usage: customer-value rfm (--summary SUMMARY.csv | --input LOG.csv --observation-end DATE) [OPTIONS]

RFM options:
      --bins K                 bins per dimension, 2..=9 (default 5)
      --method M               ceil-rank (default: ceil(k p / n)), ntile (SQL NTILE), qcut-rank
                               (pandas qcut on first-ranks), rfm-package (the R rfm package's
                               thresholds; it counts every order row, so with --input this
                               implies --grouping transaction unless --grouping is given)
      --ties T                 min (default: equal values share one score, that of the run's
                               worst position: the scores the printed thresholds give), max
                               (that of its best position), first (input order: equal values
                               can get different scores; the old default), or random:SEED
      --binning B              independent (default) or nested (F within R, M within R and F)
      --direction D            high (default: 5 is best) or low (1 is best)
      --monetary M             total (default) or mean spend per purchase
      --segments S             rfm-v030 (default: R rfm package v0.3.0 rules), rfm-v022,
                               rf-map (the RF map with Hibernating), mean-split (Chinese
                               eight classes), or a JSON file of rules: a bare array
                               [{\"name\":..,\"r\":[lo,hi],\"f\":[lo,hi],\"m\":[lo,hi]},..] (first
                               match wins; no match is Others) or {\"rules\":[..],\"fallback\":..}
      --save-fitted FILE       write the fitted thresholds as JSON, to score other customers later
      --fitted FILE            score with thresholds saved by --save-fitted instead of fitting
                               (refused when they were fitted on another unit)
      --exact                  every digit (default: money to cents, times to 6 significant digits)
  -o, --output FILE            write the per-customer CSV to FILE instead of stdout
      --report FILE            write thresholds and reports to FILE instead of stderr

Purchases on the same day are one purchase, unless --grouping says otherwise.
The thresholds printed are those --save-fitted writes: with --ties min or max they give every
customer the score in the output; with first or random they give the max-tie scores.
Output columns: customer_id,periods_since_last,purchases,total_spend (mean_spend with
--monetary mean),r,f,m,code,segment,unit_days. periods_since_last is R's input: the time from
the last purchase to the observation end (T - t_x) in the summary's unit, which unit_days
gives in days per period (1: days, 7: weeks; blank for a --customers table, whose recency is in
its own unit); purchases is F's input: all purchases, the first included. The thresholds are
printed as the output shows values (times to 6 significant digits, money to cents; every digit
with --exact); --save-fitted keeps them exactly.

Examples:
  customer-value rfm --input log.csv --observation-end 2024-12-31
  customer-value rfm --summary summary.csv --bins 4 --segments rf-map -o rfm.csv
  customer-value rfm --input log.csv --observation-end 2024-12-31 --method rfm-package
  customer-value rfm --summary summary.csv --segments rules.json --save-fitted thresholds.json
  customer-value rfm --summary summary.csv --fitted thresholds.json --segments mean-split
";

enum Segments {
    Rules(SegmentRules),
    MeanSplit,
}

pub fn run(parser: &mut lexopt::Parser) -> Result<(), Failure> {
    let mut input = SummaryInput::new();
    let mut builder = Rfm::builder();
    let mut monetary = Monetary::Total;
    let mut segments = Segments::Rules(SegmentRules::rfm_package_v030());
    let mut save_fitted: Option<PathBuf> = None;
    let mut fitted_file: Option<PathBuf> = None;
    let mut output: Option<PathBuf> = None;
    let mut report: Option<PathBuf> = None;
    let mut grouping_given = false;
    let mut exact = false;
    while let Some(arg) = parser.next()? {
        let name = option_name(arg)?;
        match name.as_str() {
            "help" => return crate::args::customers_help(USAGE),
            "bins" => {
                builder = builder.bins(parse_value(parser, &name, |t| {
                    t.parse::<u8>().map_err(|_| "expected 2..=9".to_owned())
                })?)
            }
            "method" => builder = builder.method(parse_value(parser, &name, parse_method)?),
            "ties" => builder = builder.ties(parse_value(parser, &name, parse_ties)?),
            "binning" => {
                builder = builder.binning(parse_value(parser, &name, |t| match t {
                    "independent" => Ok(Binning::Independent),
                    "nested" => Ok(Binning::Nested),
                    _ => Err("expected independent or nested".into()),
                })?)
            }
            "direction" => {
                builder = builder.direction(parse_value(parser, &name, |t| match t {
                    "high" => Ok(ScoreDirection::HighIsBest),
                    "low" => Ok(ScoreDirection::LowIsBest),
                    _ => Err("expected high or low".into()),
                })?)
            }
            "monetary" => {
                monetary = parse_value(parser, &name, |t| match t {
                    "total" => Ok(Monetary::Total),
                    "mean" => Ok(Monetary::Mean),
                    _ => Err("expected total or mean".into()),
                })?
            }
            "segments" => segments = parse_value(parser, &name, parse_segments)?,
            "save-fitted" => save_fitted = Some(parser.value()?.into()),
            "fitted" => fitted_file = Some(parser.value()?.into()),
            "output" => output = Some(parser.value()?.into()),
            "report" => report = Some(parser.value()?.into()),
            "exact" => exact = true,
            _ => {
                grouping_given |= name == "grouping";
                input.take(&name, parser)?
            }
        }
    }
    let rfm = builder.build().map_err(|e| Failure::Usage(e.to_string()))?;
    if rfm.method() == QuantileMethod::RfmPackage && !grouping_given {
        // The R package counts order rows (rfm_table_order: n() per
        // customer), so two orders on one day are two.
        input.set_grouping(Grouping::Transaction);
    }
    let loaded = input.load_or_customers("rfm")?;
    let data = |e: customer_value::Error| population_error(&loaded.path, loaded.rows.len(), e);
    let values = match &loaded.customers {
        Some(rows) => rows
            .iter()
            .map(|row| {
                let m = match monetary {
                    Monetary::Mean => row.revenue() / customer_value::Decimal::from(row.orders()),
                    _ => row.revenue(),
                };
                RfmValues::new(row.customer(), row.recency(), row.orders(), m)
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(data)?,
        None => {
            crate::args::check_spend(&loaded, "rfm")?;
            RfmValues::from_summaries(&loaded.rows, monetary)
        }
    };

    let mut text = String::new();
    let (scores, fitted): (Vec<RfmScore>, FittedRfm) = match &fitted_file {
        Some(path) => {
            let json = std::fs::read_to_string(path)
                .map_err(|e| Failure::Data(format!("cannot read {}: {e}", path.display())))?;
            let bad = |e: String| Failure::Data(format!("{}: {e}", path.display()));
            let mut value: serde_json::Value =
                serde_json::from_str(&json).map_err(|e| bad(e.to_string()))?;
            // The unit of the recency thresholds (files written since it
            // was recorded); a customer table's recency has no known unit.
            let saved_unit = match value.as_object_mut().and_then(|m| m.remove("unit_days")) {
                None | Some(serde_json::Value::Null) => None,
                Some(days) => Some(
                    serde_json::from_value::<customer_value::TimeUnit>(days)
                        .map_err(|e| bad(format!("unit_days: {e}")))?,
                ),
            };
            let input_unit = loaded.customers.is_none().then_some(loaded.unit);
            if let (Some(saved), Some(unit)) = (saved_unit, input_unit) {
                if saved != unit {
                    return Err(bad(customer_value::Error::UnitMismatch {
                        what: "its recency thresholds".into(),
                        unit: saved,
                        other: loaded.path.display().to_string(),
                        other_unit: unit,
                    }
                    .to_string()));
                }
            }
            let fitted: FittedRfm =
                serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
            (fitted.score_all(&values).map_err(data)?, fitted)
        }
        None => {
            let scored = rfm.fit_score(&values).map_err(data)?;
            text.push_str(&format!("bin counts: {}\n", scored.report()));
            for (dim, score) in scored.report().empty_bins() {
                text.push_str(&format!("empty bin: {dim} score {score}\n"));
            }
            let (scores, fitted, _) = scored.into_parts();
            (scores.into_iter().map(|s| s.score).collect(), fitted)
        }
    };
    let fmt = Format::new(exact);
    // The recency unit: a summary's, or none known for a customer table.
    let unit = loaded.customers.is_none().then_some(loaded.unit);
    text.insert_str(
        0,
        &format!(
            "thresholds ({}; recency = periods_since_last, in {}):\n  recency   {}\n  frequency {}\n  monetary  {}\n",
            if fitted_file.is_some() {
                "loaded"
            } else {
                "fitted"
            },
            unit.map_or_else(|| "the table's unit".to_owned(), |u| u.to_string()),
            cuts_text(fitted.recency_cuts(), |x| fmt.figure(x)),
            cuts_text(fitted.frequency_cuts(), |x| fmt.figure(x)),
            cuts_text(fitted.monetary_cuts(), |x| fmt.money(x)),
        ),
    );
    if fitted.is_nested() {
        text.push_str("  (nested: frequency and monetary cuts differ per recency bin)\n");
    }
    if fitted_file.is_none()
        && rfm.method() != QuantileMethod::RfmPackage
        && !matches!(rfm.ties(), TieMethod::Min | TieMethod::Max)
    {
        text.push_str(
            "  (these thresholds give the max-tie scores; --ties first or random split equal values,\n   so tied customers can score lower in the output)\n",
        );
    }
    if let Some(path) = &save_fitted {
        // The thresholds with the unit their recency is in, so that
        // --fitted refuses data in another unit.
        let mut value = serde_json::to_value(&fitted)
            .map_err(|e| Failure::Data(format!("cannot serialise the thresholds: {e}")))?;
        if let Some(map) = value.as_object_mut() {
            let unit = loaded.customers.is_none().then_some(loaded.unit);
            map.insert(
                "unit_days".into(),
                unit.map_or(serde_json::Value::Null, |u| u.days_per_period().into()),
            );
        }
        let json = serde_json::to_string_pretty(&value)
            .map_err(|e| Failure::Data(format!("cannot serialise the thresholds: {e}")))?;
        write_text(path, &json)?;
    }

    let revenue = values.iter().map(|v| v.monetary());
    let (labels, segment_report): (Vec<String>, SegmentReport) = match &segments {
        Segments::Rules(rules) => {
            let assigned = rules.score_all(&scores).map_err(data)?;
            let names = assigned
                .iter()
                .map(|&s| rules.name(s).unwrap_or("Others").to_owned())
                .collect();
            (
                names,
                SegmentReport::new(rules, &assigned, revenue).map_err(data)?,
            )
        }
        Segments::MeanSplit => {
            let classes = MeanSplit::new()
                .fit(&values)
                .and_then(|f| f.score_all(&values))
                .map_err(data)?;
            let names = classes.iter().map(|c| c.name().to_owned()).collect();
            (
                names,
                SegmentReport::from_classes(&classes, revenue).map_err(data)?,
            )
        }
    };

    let monetary_column = match monetary {
        Monetary::Mean => "mean_spend",
        _ => "total_spend",
    };
    write_csv(
        output.as_deref(),
        &[
            "customer_id",
            "periods_since_last",
            "purchases",
            monetary_column,
            "r",
            "f",
            "m",
            "code",
            "segment",
            "unit_days",
        ],
        |csv| {
            // The unit of periods_since_last, on every row as in a summary
            // (blank for a customer table, whose unit is its own).
            let unit_days = unit.map_or_else(String::new, |u| u.days_per_period().to_string());
            for ((v, s), segment) in values.iter().zip(&scores).zip(&labels) {
                csv.text(loaded.label(v.customer()).as_ref())?
                    .figure(fmt, v.recency())?
                    .show(v.frequency())?
                    .money(fmt, v.monetary())?
                    .show(s.r())?
                    .show(s.f())?
                    .show(s.m())?
                    .text(s.code_string())?
                    .text(segment)?
                    .text(&unit_days)?
                    .end()?;
            }
            Ok(())
        },
    )?;

    text.push_str(&format!(
        "\n{:<24} {:>10} {:>8} {:>16} {:>8}\n",
        "segment", "customers", "share", "revenue", "share"
    ));
    for row in segment_report.rows() {
        text.push_str(&format!(
            "{:<24} {:>10} {:>8} {:>16} {:>8}\n",
            row.name(),
            row.customers(),
            percent(row.customer_share()),
            fmt.money(row.revenue()),
            row.revenue_share().map_or("-".to_owned(), percent),
        ));
    }
    match report {
        Some(path) => write_text(&path, &text)?,
        None => eprint!("{text}"),
    }
    Ok(())
}

fn parse_method(text: &str) -> Result<QuantileMethod, String> {
    match text {
        "ceil-rank" => Ok(QuantileMethod::CeilRank),
        "ntile" => Ok(QuantileMethod::Ntile),
        "qcut-rank" => Ok(QuantileMethod::QcutRank),
        "rfm-package" => Ok(QuantileMethod::RfmPackage),
        _ => Err("expected ceil-rank, ntile, qcut-rank or rfm-package".into()),
    }
}

fn parse_ties(text: &str) -> Result<TieMethod, String> {
    match text {
        "first" => Ok(TieMethod::First),
        "max" => Ok(TieMethod::Max),
        "min" => Ok(TieMethod::Min),
        _ => match text.strip_prefix("random:").map(str::parse::<u64>) {
            Some(Ok(seed)) => Ok(TieMethod::Random { seed }),
            _ => Err("expected first, max, min or random:SEED".into()),
        },
    }
}

fn parse_segments(text: &str) -> Result<Segments, String> {
    match text {
        "rfm-v030" => Ok(Segments::Rules(SegmentRules::rfm_package_v030())),
        "rfm-v022" => Ok(Segments::Rules(SegmentRules::rfm_package_v022())),
        "rf-map" => Ok(Segments::Rules(SegmentRules::rf_seg_map())),
        "mean-split" => Ok(Segments::MeanSplit),
        path => {
            let json = std::fs::read_to_string(path)
                .map_err(|e| format!("not a built-in table and not a readable rules file: {e}"))?;
            let rules: SegmentRules =
                serde_json::from_str(&json).map_err(|e| format!("bad rules file: {e}"))?;
            Ok(Segments::Rules(rules))
        }
    }
}

/// Cut points as the output shows values: recency and frequency to the
/// output's significant digits, money to cents (every digit with
/// `--exact`), so that a threshold reads like the values it splits
/// (`<= 58`, not `<= 57.99999999999999`); `--save-fitted` keeps every bit.
fn cuts_text<T: customer_value::rfm::CutValue>(
    cuts: &customer_value::rfm::Cuts<T>,
    show: impl Fn(T) -> String,
) -> String {
    let symbol = match cuts.rule() {
        customer_value::rfm::CutRule::AtLeast => ">=",
        customer_value::rfm::CutRule::AtMost => "<=",
        _ => "<",
    };
    let mut parts: Vec<String> = cuts
        .starts()
        .iter()
        .enumerate()
        .map(|(i, &t)| format!("score {}: {symbol} {}", i + 2, show(t)))
        .collect();
    let reached = cuts.starts().len() + 1;
    if reached < usize::from(cuts.bins()) {
        parts.push(format!(
            "scores {}..={} not reached",
            reached + 1,
            cuts.bins()
        ));
    }
    parts.join(", ")
}
