//! `customer-value fit` and `customer-value predict`: the probabilistic purchase and spend
//! models on a summary.

use std::path::{Path, PathBuf};

use customer_value::Decimal;
use customer_value::btyd::{
    BgBb, BgNbd, BtydClv, BtydCustomer, Cohort, CustomerHistory, DiscreteHistory, FitOptions,
    FitReport, GammaGamma, GammaGammaParams, MbgNbd, ParetoNbd, Penalty, PurchaseModel, Sbg,
    SpendHistory, dert_clv,
};
use customer_value::clv::DiscountRate;
use rust_decimal::prelude::ToPrimitive;
use serde_json::Value;

use crate::Failure;
use crate::args::{
    SummaryInput, option_name, parse_decimal, parse_value, scorer_help, write_output,
};

const FIT_USAGE: &str = "\
customer-value fit: fit a probabilistic model by maximum likelihood; JSON on stdout

Usage: customer-value fit --model MODEL (--summary SUMMARY.csv | --input LOG.csv --observation-end DATE) [OPTIONS]

Models (on the summary's x = frequency, t_x = recency, T; times in the summary's unit):
  bg-nbd         BG/NBD (Fader, Hardie & Lee 2005)
  mbg-nbd        MBG/NBD (Batislam, Denizel & Filiztekin 2007)
  pareto-nbd     Pareto/NBD (Schmittlein, Morrison & Colombo 1987)
  gamma-gamma    Gamma-Gamma spend (customers with x >= 1; monetary_value = zbar)
  bg-bb          BG/BB, discrete time: --input a CSV with header frequency,recency,periods
                 and optionally weights (x, t_x, n per pattern, as the donations data)
  sbg            shifted-beta-geometric, contractual: --input a CSV, one cohort per line:
                 start,n0,n1,... (customers alive at the start of each period, n0 = cohort size)
      --l2 LAMBDA              add LAMBDA x (sum of squared parameters) to the total negative
                               log-likelihood (parameters in the data's units)
      --lifetimes-l2 LAMBDA    Python lifetimes' penalizer_coef (mean NLL, scaled parameters)
      --max-iterations N       cap the optimiser's iterations (default 1000)
      --tolerance TOL          relative stop tolerance, 0 < TOL < 1 (default 1e-10)
      --keep-unconverged       write the best point reached (status not_converged) instead of
                               failing when the fit does not converge
  -o, --output FILE            write the JSON to FILE instead of stdout

Output: {\"model\", \"params\", \"names\", \"std_errors\" (by name, or null),
\"std_errors_unavailable\" (null, \"boundary\", \"hessian_not_positive_definite\" or
\"not_converged\"), \"covariance\", \"log_likelihood\", \"aic\", \"bic\" (n = customers),
\"iterations\", \"customers\", \"rows\" (distinct (x, t_x, T) after compression; cohorts for
sbg), \"status\": {\"kind\": \"interior\"}, {\"kind\": \"boundary\", \"diverging\":
[{\"parameter\", \"direction\": \"to_zero\" | \"to_infinity\"}], \"limits\": [...]} or
{\"kind\": \"not_converged\"}}. `customer-value predict` reads these files and those written before
(with \"parameters\" instead of \"params\").
";

const PREDICT_USAGE: &str = "\
customer-value predict: per-customer predictions from fitted models, as CSV on stdout

Usage: customer-value predict --params PARAMS.json (--summary SUMMARY.csv | --input LOG.csv ...)
                     --horizon T [OPTIONS]

  --params FILE        a purchase model written by `customer-value fit` (bg-nbd, mbg-nbd, pareto-nbd)
  --spend-params FILE  a gamma-gamma model written by `customer-value fit` (adds expected_spend and clv)
  --horizon T          prediction horizon, in the summary's unit
  --discount RATE      discount rate per CLV period (default 0.01)
  --periods K          CLV periods (default 12)
  --period-length F    summary units per CLV period (default 30: days per month;
                       4.345 for weeks, as Python lifetimes)
  --dert DELTA         Pareto/NBD only: clv = expected_spend x DERT, the discounted expected
                       residual transactions at continuous rate DELTA per summary unit (e.g.
                       ln(1.15)/52 for 15 % a year in weeks), instead of the period sum
  -o, --output FILE    write the CSV to FILE instead of stdout

CLV = sum over k = 1..K of expected_spend x (E[Y(kF)] - E[Y((k-1)F)]) / (1 + discount)^k
(lifetimes' convention: each period's purchases discounted at the period's end).
Output columns: customer_id,p_alive,expected_purchases,expected_spend,clv (blank for
customers first seen on the observation end, T = 0, who carry no history to condition on).
";

pub fn fit(parser: &mut lexopt::Parser) -> Result<(), Failure> {
    let mut input = SummaryInput::new();
    let mut model: Option<String> = None;
    let mut options = FitOptions::new();
    let mut output: Option<PathBuf> = None;
    let lambda = |t: &str| {
        t.parse::<f64>()
            .map_err(|_| "expected a number >= 0".to_owned())
    };
    while let Some(arg) = parser.next()? {
        let name = option_name(arg)?;
        match name.as_str() {
            "help" => return scorer_help(FIT_USAGE),
            "model" => model = Some(parse_value(parser, &name, |t| Ok(t.to_owned()))?),
            "l2" => {
                options = options.penalty(Penalty::L2 {
                    lambda: parse_value(parser, &name, lambda)?,
                })
            }
            "lifetimes-l2" => {
                options = options.penalty(Penalty::LifetimesL2 {
                    lambda: parse_value(parser, &name, lambda)?,
                })
            }
            "max-iterations" => {
                options = options.max_iterations(parse_value(parser, &name, |t| {
                    t.parse::<usize>()
                        .map_err(|_| "expected a whole number".to_owned())
                })?)
            }
            "tolerance" => {
                let tolerance = parse_value(parser, &name, |t| {
                    t.parse::<f64>().map_err(|_| "expected a number".to_owned())
                })?;
                options = options
                    .tolerance(tolerance)
                    .map_err(|e| Failure::Usage(e.to_string()))?;
            }
            "keep-unconverged" => options = options.keep_unconverged(true),
            "output" => output = Some(parser.value()?.into()),
            _ => input.take(&name, parser)?,
        }
    }
    let model = model.ok_or_else(|| Failure::Usage("fit needs --model".into()))?;
    let json = if model == "bg-bb" || model == "sbg" {
        let path = input
            .input_path()
            .ok_or_else(|| Failure::Usage(format!("--model {model} needs --input FILE")))?;
        if model == "bg-bb" {
            fit_bgbb(&path, options)?
        } else {
            fit_sbg(&path, options)?
        }
    } else {
        let loaded = input.load("fit")?;
        let data =
            |e: customer_value::Error| Failure::Data(format!("{}: {e}", loaded.path.display()));
        match model.as_str() {
            "bg-nbd" => {
                let histories = histories(&loaded.rows).map_err(data)?;
                let fit = BgNbd::with_options(options)
                    .fit_detailed(&histories)
                    .map_err(|e| fit_error(&loaded.path, e))?;
                tagged_report("bg_nbd", &fit)?
            }
            "mbg-nbd" => {
                let histories = histories(&loaded.rows).map_err(data)?;
                let fit = MbgNbd::with_options(options)
                    .fit_detailed(&histories)
                    .map_err(|e| fit_error(&loaded.path, e))?;
                tagged_report("mbg_nbd", &fit)?
            }
            "pareto-nbd" => {
                let histories = histories(&loaded.rows).map_err(data)?;
                let fit = ParetoNbd::with_options(options)
                    .fit_detailed(&histories)
                    .map_err(|e| fit_error(&loaded.path, e))?;
                tagged_report("pareto_nbd", &fit)?
            }
            "gamma-gamma" => {
                let spend: Vec<SpendHistory> = loaded
                    .rows
                    .iter()
                    .filter(|r| r.frequency() > 0)
                    .map(SpendHistory::from_summary)
                    .collect::<Result<_, _>>()
                    .map_err(data)?;
                let fit = GammaGamma::with_options(options)
                    .fit_detailed(&spend)
                    .map_err(|e| fit_error(&loaded.path, e))?;
                tagged_report("gamma_gamma", &fit)?
            }
            other => {
                return Err(Failure::Usage(format!(
                    "unknown --model {other:?} (bg-nbd, mbg-nbd, pareto-nbd, gamma-gamma, bg-bb, sbg)"
                )));
            }
        }
    };
    write_output(output.as_deref(), |w| writeln!(w, "{json}"))
}

fn fit_bgbb(path: &PathBuf, options: FitOptions) -> Result<String, Failure> {
    let bad = |what: String| Failure::Data(format!("{}: {what}", path.display()));
    let mut reader = ::csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| bad(e.to_string()))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let at = |name: &str| header.iter().position(|h| h == name);
    let (x, t, n) = match (at("frequency"), at("recency"), at("periods")) {
        (Some(x), Some(t), Some(n)) => (x, t, n),
        _ => return Err(bad("needs columns frequency,recency,periods".into())),
    };
    let w = at("weights");
    let mut rows = Vec::new();
    let mut weights = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| bad(e.to_string()))?;
        let field = |c: usize| record.get(c).map(str::trim).unwrap_or("");
        let int = |c: usize| {
            field(c).parse::<u32>().map_err(|_| {
                bad(format!(
                    "line {}: not a whole number: {:?}",
                    i + 2,
                    field(c)
                ))
            })
        };
        rows.push(
            DiscreteHistory::new(
                customer_value::CustomerId::new(i as u64),
                int(x)?,
                int(t)?,
                int(n)?,
            )
            .map_err(|e| bad(e.to_string()))?,
        );
        weights.push(match w {
            Some(c) => field(c)
                .parse::<f64>()
                .map_err(|_| bad(format!("line {}: weight {:?}", i + 2, field(c))))?,
            None => 1.0,
        });
    }
    let fit = BgBb::with_options(options)
        .fit_weighted(&rows, &weights)
        .map_err(|e| fit_error(path, e))?;
    tagged_report("bg_bb", &fit)
}

fn fit_sbg(path: &PathBuf, options: FitOptions) -> Result<String, Failure> {
    let bad = |what: String| Failure::Data(format!("{}: {what}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let mut cohorts = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("start") {
            continue;
        }
        let numbers = line
            .split(',')
            .map(|f| f.trim().parse::<u64>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| bad(format!("line {}: expected whole numbers", i + 1)))?;
        let (start, survivors) = numbers
            .split_first()
            .ok_or_else(|| bad(format!("line {}: empty", i + 1)))?;
        let start = u32::try_from(*start).map_err(|_| bad(format!("line {}: start", i + 1)))?;
        cohorts.push(Cohort::new(start, survivors.to_vec()).map_err(|e| bad(e.to_string()))?);
    }
    let fit = Sbg::with_options(options)
        .fit_cohorts(&cohorts)
        .map_err(|e| fit_error(path, e))?;
    tagged_report("sbg", &fit)
}

/// The `(x, t_x, T)` rows the continuous-time models take. Customers first
/// seen on the observation end (T = 0) carry no information about rates
/// and are not valid model input (FORMULAS.md 8.0): they are left out and
/// counted on stderr.
fn histories(
    rows: &[customer_value::CustomerSummary],
) -> customer_value::Result<Vec<CustomerHistory>> {
    let usable: Vec<CustomerHistory> = rows
        .iter()
        .filter(|r| r.age() > 0.0)
        .map(CustomerHistory::from_summary)
        .collect::<customer_value::Result<_>>()?;
    if usable.len() < rows.len() {
        eprintln!(
            "customer-value: {} customers first seen on the observation end (T = 0) left out of the fit",
            rows.len() - usable.len()
        );
    }
    Ok(usable)
}

/// A failed fit, with a hint when more iterations or the best point may
/// help (more iterations do not, when the evaluation budget was spent).
fn fit_error(path: &Path, e: customer_value::Error) -> Failure {
    let hint = match &e {
        customer_value::Error::NotConverged { failure, .. }
            if failure.reason.contains("evaluation budget") =>
        {
            " (the evaluation budget bounds the fit's time: --keep-unconverged writes the best point)"
        }
        customer_value::Error::NotConverged { .. } => {
            " (raise --max-iterations, or --keep-unconverged to write the best point)"
        }
        _ => "",
    };
    Failure::Data(format!("{}: {e}{hint}", path.display()))
}

/// A fit report as pretty JSON with the model's tag in front:
/// `{"model": "bg_nbd", "params": {...}, "names": [...], "std_errors": ...,
/// "status": {"kind": ...}, ...}`, the shape `customer-value predict` reads.
fn tagged_report<P: serde::Serialize, const N: usize>(
    model: &str,
    fit: &FitReport<P, N>,
) -> Result<String, Failure> {
    #[derive(serde::Serialize)]
    struct Tagged<'a, T> {
        model: &'a str,
        #[serde(flatten)]
        report: &'a T,
    }
    serde_json::to_string_pretty(&Tagged { model, report: fit })
        .map_err(|e| Failure::Data(e.to_string()))
}

/// The parameters of a `customer-value fit` JSON, with the model tag beside them:
/// `params` in files written since fit reports are serialised whole,
/// `parameters` in older ones.
fn fit_file_params(path: &PathBuf) -> Result<Value, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Data(format!("cannot read {}: {e}", path.display())))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| Failure::Data(format!("{}: {e}", path.display())))?;
    let mut tagged = value
        .get("params")
        .or_else(|| value.get("parameters"))
        .cloned()
        .ok_or_else(|| Failure::Data(format!("{}: no \"params\"", path.display())))?;
    if let (Value::Object(map), Some(model)) = (&mut tagged, value.get("model")) {
        map.insert("model".into(), model.clone());
    }
    Ok(tagged)
}

/// Reads a `customer-value fit` JSON back as the tagged parameters.
fn read_params<T: serde::de::DeserializeOwned>(path: &PathBuf) -> Result<T, Failure> {
    serde_json::from_value(fit_file_params(path)?)
        .map_err(|e| Failure::Data(format!("{}: {e}", path.display())))
}

/// Gamma-Gamma parameters from a `customer-value fit --model gamma-gamma` JSON.
fn read_spend_params(path: &PathBuf) -> Result<GammaGammaParams, Failure> {
    let mut tagged = fit_file_params(path)?;
    if tagged.get("model").and_then(Value::as_str) != Some("gamma_gamma") {
        return Err(Failure::Data(format!(
            "{}: not a gamma-gamma model (fit one with --model gamma-gamma)",
            path.display()
        )));
    }
    if let Value::Object(map) = &mut tagged {
        map.remove("model");
    }
    serde_json::from_value(tagged).map_err(|e| Failure::Data(format!("{}: {e}", path.display())))
}

pub fn predict(parser: &mut lexopt::Parser) -> Result<(), Failure> {
    let mut input = SummaryInput::new();
    let mut params: Option<PathBuf> = None;
    let mut spend_params: Option<PathBuf> = None;
    let mut horizon: Option<f64> = None;
    let mut discount = Decimal::new(1, 2);
    let mut periods = 12u32;
    let mut period_length = 30.0f64;
    let mut dert: Option<f64> = None;
    let mut output: Option<PathBuf> = None;
    let float = |t: &str| t.parse::<f64>().map_err(|_| "expected a number".to_owned());
    while let Some(arg) = parser.next()? {
        let name = option_name(arg)?;
        match name.as_str() {
            "help" => return scorer_help(PREDICT_USAGE),
            "params" => params = Some(parser.value()?.into()),
            "spend-params" => spend_params = Some(parser.value()?.into()),
            "horizon" => horizon = Some(parse_value(parser, &name, float)?),
            "discount" => discount = parse_value(parser, &name, parse_decimal)?,
            "periods" => {
                periods = parse_value(parser, &name, |t| {
                    t.parse::<u32>()
                        .map_err(|_| "expected a whole number".to_owned())
                })?
            }
            "period-length" => period_length = parse_value(parser, &name, float)?,
            "dert" => dert = Some(parse_value(parser, &name, float)?),
            "output" => output = Some(parser.value()?.into()),
            _ => input.take(&name, parser)?,
        }
    }
    let params = params.ok_or_else(|| Failure::Usage("predict needs --params FILE".into()))?;
    let horizon = horizon.ok_or_else(|| Failure::Usage("predict needs --horizon T".into()))?;
    let model: PurchaseModel = read_params(&params)?;
    let spend = spend_params.as_ref().map(read_spend_params).transpose()?;
    let pareto = match (dert, model) {
        (None, _) => None,
        (Some(delta), PurchaseModel::ParetoNbd(p)) => Some((p, delta)),
        (Some(_), other) => {
            return Err(Failure::Usage(format!(
                "--dert needs a Pareto/NBD model, not {}",
                other.name()
            )));
        }
    };
    let clv = match spend {
        Some(spend) => Some(
            BtydClv::builder(model, spend)
                .periods(periods)
                .discount(DiscountRate::new(discount).map_err(|e| Failure::Usage(e.to_string()))?)
                .period_length(period_length)
                .build()
                .map_err(|e| Failure::Usage(e.to_string()))?,
        ),
        None => None,
    };
    let loaded = input.load("predict")?;
    let data = |e: customer_value::Error| Failure::Data(format!("{}: {e}", loaded.path.display()));
    let mut rows = Vec::with_capacity(loaded.rows.len());
    let mut unscored = 0usize;
    for summary in &loaded.rows {
        if summary.age() <= 0.0 {
            // First seen on the observation end: nothing to condition on.
            rows.push((summary.customer(), None));
            unscored += 1;
            continue;
        }
        let history = CustomerHistory::from_summary(summary).map_err(data)?;
        let p_alive = model.p_alive(&history).map_err(data)?;
        let expected = model.expected_purchases(&history, horizon).map_err(data)?;
        let (spend_value, clv_value) = match (&spend, &clv) {
            (Some(spend), Some(clv)) => {
                let customer = BtydCustomer::from_summary(summary).map_err(data)?;
                let m = spend.expected_spend(customer.spend()).map_err(data)?;
                let value = match pareto {
                    Some((p, delta)) => dert_clv(&p, spend, &customer, delta)
                        .map_err(data)?
                        .to_f64()
                        .unwrap_or(f64::NAN),
                    None => clv.value_f64(&customer).map_err(data)?,
                };
                (Some(m), Some(value))
            }
            _ => (None, None),
        };
        rows.push((
            summary.customer(),
            Some((p_alive, expected, spend_value, clv_value)),
        ));
    }
    write_output(output.as_deref(), |w| {
        writeln!(
            w,
            "customer_id,p_alive,expected_purchases,expected_spend,clv"
        )?;
        for (customer, scored) in &rows {
            let label = loaded.label(*customer);
            match scored {
                Some((p, e, m, c)) => writeln!(
                    w,
                    "{label},{p:.6},{e:.6},{},{}",
                    m.map_or(String::new(), |m| m.round_dp(2).to_string()),
                    c.map_or(String::new(), |c| format!("{c:.2}")),
                )?,
                None => writeln!(w, "{label},,,,")?,
            }
        }
        Ok(())
    })?;
    eprintln!(
        "customer-value: {} customers scored with {}; {unscored} first seen on the observation end (T = 0) left blank",
        rows.len() - unscored,
        model.name()
    );
    Ok(())
}
