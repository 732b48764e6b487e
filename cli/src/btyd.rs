//! `customer-value fit` and `customer-value predict`: the probabilistic purchase and spend
//! models on a summary.

use std::path::{Path, PathBuf};

use customer_value::btyd::file::{FitFile, ModelFit, UnitUse};
use customer_value::btyd::{
    BgBb, BgNbd, BtydClv, BtydCustomer, Cohort, CustomerHistory, DiscreteHistory, FitOptions,
    GammaGamma, GammaGammaParams, GgomNbd, MbgNbd, ParetoNbd, Penalty, PurchaseModel, Sbg,
    SpendHistory, purchase_dert_clv,
};
use customer_value::clv::DiscountRate;
use customer_value::{CustomerSummary, Decimal};
use rust_decimal::prelude::FromPrimitive;

use crate::Failure;
use crate::args::{
    Loaded, SummaryInput, option_name, parse_decimal, parse_f64_in, parse_u32_in, parse_unit,
    parse_value, scorer_help,
};
use crate::output::{Format, finite, write_csv, write_output};

const FIT_USAGE: &str = "\
customer-value fit: fit a probabilistic model by maximum likelihood; JSON on stdout

Usage: customer-value fit --model MODEL (--summary SUMMARY.csv | --input LOG.csv --observation-end DATE
                                         | --rows ROWS.csv) [OPTIONS]

Models (on the summary's x = frequency, t_x = recency, T; times in the summary's unit):
  bg-nbd         BG/NBD (Fader, Hardie & Lee 2005)
  mbg-nbd        MBG/NBD (Batislam, Denizel & Filiztekin 2007)
  pareto-nbd     Pareto/NBD (Schmittlein, Morrison & Colombo 1987)
  ggom-nbd       GGom/NBD, Gamma-Gompertz/NBD (Bemmaor & Glady 2012); on data that need no
                 Gompertz ageing (CDNOW) the fit is the Pareto/NBD limit b, beta -> 0 with
                 beta/b fixed: status boundary, limits [\"pareto_dropout\"], and predict uses
                 that Pareto/NBD (r, alpha, s, beta/b)
  gamma-gamma    Gamma-Gamma spend (customers with x >= 1; monetary_value = zbar)
  bg-bb          BG/BB, discrete time: --input a CSV with header frequency,recency,periods
                 and optionally weights (x, t_x, n per pattern, as the donations data)
  sbg            shifted-beta-geometric, contractual: --input a CSV, one cohort per line:
                 start,n0,n1,... (customers alive at the start of each period, n0 = cohort size)
      --rows FILE              fit customer counts per distinct row, written by `customer-value rows`
                               or any engine's GROUP BY: frequency,recency,T,count (purchase
                               models) or frequency,monetary_value,count (gamma-gamma); the fit
                               equals the fit on the customers themselves
      --l2 LAMBDA              add LAMBDA x (sum of squared parameters) to the total negative
                               log-likelihood (parameters in the data's units)
      --lifetimes-l2 LAMBDA    Python lifetimes' penalizer_coef (mean NLL, scaled parameters)
      --max-iterations N       cap the optimiser's iterations (default 1000)
      --tolerance TOL          relative stop tolerance, 0 < TOL < 1 (default 1e-10)
      --keep-unconverged       write the best point reached (status not_converged) instead of
                               failing when the fit does not converge
      --zero-spend Z           gamma-gamma: leave-out (default) repeat buyers whose repeat
                               purchases total 0 (counted on stderr, as T = 0 customers
                               are), or reject them with an error
      --exact                  accepted for uniformity: the JSON always holds every digit
  -o, --output FILE            write the JSON to FILE instead of stdout

Output: {\"model\", \"unit_days\" (days per time unit of the data: the summary's, or
--unit for bg-bb and sbg; null when unknown), \"time_scale\" (continuous, discrete or none),
\"observation_end\", \"params\", \"names\", \"std_errors\" (by name, or null),
\"std_errors_unavailable\" (null, \"boundary\", \"hessian_not_positive_definite\" or
\"not_converged\"), \"covariance\", \"log_likelihood\", \"aic\", \"bic\" (n = customers),
\"iterations\", \"customers\", \"rows\" (distinct (x, t_x, T) after compression; cohorts for
sbg), \"status\": {\"kind\": \"interior\"}, {\"kind\": \"boundary\", \"diverging\":
[{\"parameter\", \"direction\": \"to_zero\" | \"to_infinity\"}], \"limits\": [...]} or
{\"kind\": \"not_converged\"}}. `customer-value predict` reads these files and those written before
(without the unit, or with \"parameters\" instead of \"params\").

Static covariates, in CLVTools' parametrisation for pareto-nbd (alpha_i = alpha
exp(-g_trans.z), beta_i = beta exp(-g_life.z)) and bg-nbd (alpha_i = alpha exp(-g_trans.z),
a_i = a exp(g_life.z), b_i = b exp(g_life.z)), and gamma_i = gamma exp(delta.z) for
gamma-gamma. Writes a fit file with \"params\" at covariates 0 and a \"covariates\" object
(coefficients, names, estimates, std_errors, log_likelihood, aic, customers, iterations,
converged) that `predict --covariates FILE` reads:
  --covariates FILE    CSV with the customer id in the first column and numeric covariates
  --trans COLS         comma-separated covariates of the purchase process
  --life COLS          comma-separated covariates of the lifetime process
  --spend COLS         gamma-gamma: comma-separated covariates of the spend
  --constrain COLS     one coefficient for both processes (columns in --trans and --life)
  --covariate-l2 L[,L] L2 penalty on the coefficients (purchase, lifetime), as CLVTools'
                       reg.lambdas: -ll/n + L_trans |g_trans|^2 + L_life |g_life|^2
                       (gamma-gamma: -ll/n + L |delta|^2, the first L)
For example: fit --model pareto-nbd --summary summary.csv --covariates cov.csv
--trans Gender,Channel --life Channel --constrain Channel

Examples:
  customer-value fit --model bg-nbd --summary summary.csv -o bgnbd.json
  customer-value fit --model pareto-nbd --input log.csv --observation-end 2024-12-31 --unit weeks
  customer-value fit --model ggom-nbd --summary summary.csv -o ggom.json
  customer-value fit --model gamma-gamma --summary summary.csv -o gg.json
  customer-value fit --model bg-nbd --rows rows.csv
  customer-value fit --model bg-bb --input donations.csv
  customer-value fit --model sbg --input cohorts.csv
";

/// Days in a month on average: 365.25 / 12.
const MONTH_DAYS: f64 = 30.4375;

const PREDICT_USAGE: &str = "\
customer-value predict: per-customer predictions from fitted models, as CSV on stdout

Usage: customer-value predict --params PARAMS.json (--summary SUMMARY.csv | --input LOG.csv ...)
                     --horizon T [OPTIONS]

  --params FILE        a purchase model written by `customer-value fit` (bg-nbd, mbg-nbd, pareto-nbd,
                       ggom-nbd)
  --spend-params FILE  a gamma-gamma model written by `customer-value fit` (adds expected_spend and clv)
  --covariates FILE    each customer's covariates (CSV, the customer id in the first column) for
                       --params / --spend-params written by `fit --covariates`: every customer is
                       predicted with their own parameters
  --horizon T          prediction horizon, in the summary's unit (0 to 1000000)
  --discount RATE      discount rate per CLV period (default 0.01)
  --periods K          CLV periods, 1 to 10000 (default 12)
  --period-length F    summary units per CLV period (default a month of 30.4375 days: 30.4375
                       on a summary in days, 30.4375/7 = 4.348 in weeks)
  --dert DELTA         Pareto/NBD and GGom/NBD: clv = expected_spend x DERT, the discounted expected
                       residual transactions at continuous rate DELTA per summary unit (e.g.
                       ln(1.15)/52 for 15 % a year in weeks), instead of the period sum
  --params-unit UNIT   the unit of a --params file that does not record one (days, weeks or
                       a number of days; older files); refused if the file records another
  --zero-spend Z       leave-out (default): repeat buyers whose repeat purchases total 0 get
                       no expected_spend or clv (counted on stderr); reject: an error
  --exact              every digit (default: money to cents, other figures to 6 significant
                       digits)
  -o, --output FILE    write the CSV to FILE instead of stdout

Units: the fit file records the unit it was fitted in. A summary in another unit is converted
to it exactly (times are whole days: 7 days are 1 week); --horizon, --period-length and
--dert stay in the summary's unit. A fit file without a unit (written by older versions) is
in --params-unit, else taken to be in the summary's unit (said on stderr).

CLV = sum over k = 1..K of expected_spend x (E[Y(kF)] - E[Y((k-1)F)]) / (1 + discount)^k
(lifetimes' convention: each period's purchases discounted at the period's end).
Output columns: customer_id,p_alive,expected_purchases (in the horizon),expected_spend (per
purchase, money),clv (money), blank for customers first seen on the observation end, T = 0,
who carry no history to condition on; then horizon,unit_days on every row: the --horizon as
given and the summary's unit in days per period (1: days, 7: weeks), so that the file says
what expected_purchases counts (52 and 7: purchases in the next 52 weeks).

Examples:
  customer-value fit --model bg-nbd --summary summary.csv -o bgnbd.json
  customer-value fit --model gamma-gamma --summary summary.csv -o gg.json
  customer-value fit --model bg-nbd --rows rows.csv
  customer-value predict --params bgnbd.json --summary summary.csv --horizon 52
  customer-value predict --params bgnbd.json --spend-params gg.json --summary summary.csv --horizon 52 --period-length 4.345
";

pub fn fit(parser: &mut lexopt::Parser) -> Result<(), Failure> {
    let mut input = SummaryInput::new();
    let mut model: Option<String> = None;
    let mut options = FitOptions::new();
    let mut zero_spend = ZeroSpend::LeaveOut;
    let mut output: Option<PathBuf> = None;
    let mut rows: Option<PathBuf> = None;
    let mut cov = crate::covariates::CovariateArgs::default();
    let lambda = |t: &str| parse_f64_in(t, 0.0, 1e12);
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
            // Fit files always hold every digit; accepted for uniformity.
            "exact" => {}
            "zero-spend" => zero_spend = parse_value(parser, &name, parse_zero_spend)?,
            "output" => output = Some(parser.value()?.into()),
            "rows" => rows = Some(parser.value()?.into()),
            "covariates" => cov.file = Some(parser.value()?.into()),
            "trans" => cov.trans = parse_value(parser, &name, crate::covariates::columns)?,
            "life" => cov.life = parse_value(parser, &name, crate::covariates::columns)?,
            "spend" => cov.trans = parse_value(parser, &name, crate::covariates::columns)?,
            "constrain" => cov.constrain = parse_value(parser, &name, crate::covariates::columns)?,
            "covariate-l2" => {
                cov.l2 = Some(parse_value(parser, &name, crate::covariates::lambdas)?)
            }
            _ => input.take(&name, parser)?,
        }
    }
    let model = model.ok_or_else(|| Failure::Usage("fit needs --model".into()))?;
    if cov.file.is_some() || !cov.trans.is_empty() || !cov.life.is_empty() {
        if !matches!(model.as_str(), "pareto-nbd" | "bg-nbd" | "gamma-gamma") || rows.is_some() {
            return Err(Failure::Usage(
                "--covariates fits --model pareto-nbd, bg-nbd or gamma-gamma from --summary or --input".into(),
            ));
        }
        let loaded = input.load("fit")?;
        let file = if model == "gamma-gamma" {
            if !loaded.layout.has_repeat_spend() {
                return Err(Failure::Data(format!(
                    "{}: gamma-gamma needs each customer's mean repeat spend (monetary_value, m.x, spend or Spending), and the file has none",
                    loaded.path.display()
                )));
            }
            let spend = spend_histories(&loaded, zero_spend)?;
            crate::covariates::fit_spend(&cov, &spend, &loaded.path, loaded.unit)?
        } else {
            let histories = histories(&loaded.rows)
                .map_err(|e| Failure::Data(format!("{}: {e}", loaded.path.display())))?;
            crate::covariates::fit(&cov, &model, &histories, &loaded.path, loaded.unit)?
        };
        let file = match loaded.observation_end {
            Some(end) => file.with_observation_end(end),
            None => file,
        };
        let json = file.to_json().map_err(|e| Failure::Data(e.to_string()))?;
        return write_output(output.as_deref(), |w| writeln!(w, "{json}"));
    }
    let file = if let Some(path) = rows {
        fit_rows(&model, &path, options)?
    } else if model == "bg-bb" || model == "sbg" {
        let path = input
            .input_path()
            .ok_or_else(|| Failure::Usage(format!("--model {model} needs --input FILE")))?;
        let report = if model == "bg-bb" {
            fit_bgbb(&path, options)?
        } else {
            fit_sbg(&path, options)?
        };
        // Opportunities and periods have the length --unit says, if any.
        FitFile::new(report, input.unit_flag())
    } else if let Some(loaded) = matches!(
        model.as_str(),
        "bg-nbd" | "mbg-nbd" | "pareto-nbd" | "ggom-nbd"
    )
    .then(|| input.load_rows())
    .flatten()
    {
        fit_summary_rows(&model, loaded?, options)?
    } else {
        let loaded = input.load("fit")?;
        let data =
            |e: customer_value::Error| Failure::Data(format!("{}: {e}", loaded.path.display()));
        let report = match model.as_str() {
            "bg-nbd" => {
                let histories = histories(&loaded.rows).map_err(data)?;
                ModelFit::BgNbd(
                    BgNbd::with_options(options)
                        .fit_detailed(&histories)
                        .map_err(|e| fit_error(&loaded.path, e))?,
                )
            }
            "mbg-nbd" => {
                let histories = histories(&loaded.rows).map_err(data)?;
                ModelFit::MbgNbd(
                    MbgNbd::with_options(options)
                        .fit_detailed(&histories)
                        .map_err(|e| fit_error(&loaded.path, e))?,
                )
            }
            "pareto-nbd" => {
                let histories = histories(&loaded.rows).map_err(data)?;
                ModelFit::ParetoNbd(
                    ParetoNbd::with_options(options)
                        .fit_detailed(&histories)
                        .map_err(|e| fit_error(&loaded.path, e))?,
                )
            }
            "ggom-nbd" => {
                let histories = histories(&loaded.rows).map_err(data)?;
                ModelFit::GgomNbd(
                    GgomNbd::with_options(options)
                        .fit_detailed(&histories)
                        .map_err(|e| fit_error(&loaded.path, e))?,
                )
            }
            "gamma-gamma" => {
                if !loaded.layout.has_repeat_spend() {
                    return Err(Failure::Data(format!(
                        "{}: gamma-gamma needs each customer's mean repeat spend (monetary_value, m.x, spend or Spending), and the file has none",
                        loaded.path.display()
                    )));
                }
                let spend = spend_histories(&loaded, zero_spend)?;
                ModelFit::GammaGamma(
                    GammaGamma::with_options(options)
                        .fit_detailed(&spend)
                        .map_err(|e| fit_error(&loaded.path, e))?,
                )
            }
            other => {
                return Err(Failure::Usage(format!(
                    "unknown --model {other:?} (bg-nbd, mbg-nbd, pareto-nbd, ggom-nbd, gamma-gamma, bg-bb, sbg)"
                )));
            }
        };
        let file = FitFile::new(report, Some(loaded.unit));
        match loaded.observation_end {
            Some(end) => file.with_observation_end(end),
            None => file,
        }
    };
    let json = file.to_json().map_err(|e| Failure::Data(e.to_string()))?;
    write_output(output.as_deref(), |w| writeln!(w, "{json}"))
}

/// A purchase-model fit on a summary file's counted rows: the same fit
/// as on its customers' histories, without parsing the columns the model
/// does not use.
fn fit_summary_rows(
    model: &str,
    loaded: crate::args::LoadedRows,
    options: FitOptions,
) -> Result<FitFile, Failure> {
    let path = &loaded.path;
    let data = |e: customer_value::Error| Failure::Data(format!("{}: {e}", path.display()));
    if loaded.rows.left_out() > 0 {
        eprintln!(
            "customer-value: {} customers first seen on the observation end (T = 0) left out of the fit",
            loaded.rows.left_out()
        );
    }
    if model == "bg-nbd" {
        // The counted rows as they are: no histories built.
        let report = ModelFit::BgNbd(
            BgNbd::with_options(options)
                .fit_distinct(loaded.rows.rows())
                .map_err(|e| fit_error(path, e))?,
        );
        let file = FitFile::new(report, Some(loaded.unit));
        return Ok(match loaded.observation_end {
            Some(end) => file.with_observation_end(end),
            None => file,
        });
    }
    let (histories, weights) = loaded.rows.weighted().map_err(data)?;
    let report = match model {
        "mbg-nbd" => ModelFit::MbgNbd(
            MbgNbd::with_options(options)
                .fit_weighted(&histories, &weights)
                .map_err(|e| fit_error(path, e))?,
        ),
        "pareto-nbd" => ModelFit::ParetoNbd(
            ParetoNbd::with_options(options)
                .fit_weighted(&histories, &weights)
                .map_err(|e| fit_error(path, e))?,
        ),
        _ => ModelFit::GgomNbd(
            GgomNbd::with_options(options)
                .fit_weighted(&histories, &weights)
                .map_err(|e| fit_error(path, e))?,
        ),
    };
    let file = FitFile::new(report, Some(loaded.unit));
    Ok(match loaded.observation_end {
        Some(end) => file.with_observation_end(end),
        None => file,
    })
}

/// A fit of customer counts per distinct row (`--rows`): the unit and
/// observation end are the file's, when it records them.
fn fit_rows(model: &str, path: &Path, options: FitOptions) -> Result<FitFile, Failure> {
    use customer_value::csv::{read_distinct_rows_path, read_distinct_spend_path};
    let data = |e: customer_value::Error| Failure::Data(format!("{}: {e}", path.display()));
    let (report, metadata) = if model == "gamma-gamma" {
        let table = read_distinct_spend_path(path).map_err(data)?;
        let (spends, weights) = table.rows.weighted().map_err(data)?;
        let fit = GammaGamma::with_options(options)
            .fit_weighted(&spends, &weights)
            .map_err(|e| fit_error(path, e))?;
        (ModelFit::GammaGamma(fit), table.metadata)
    } else {
        let table = read_distinct_rows_path(path).map_err(data)?;
        let (histories, weights) = table.rows.weighted().map_err(data)?;
        let report = match model {
            "bg-nbd" => ModelFit::BgNbd(
                BgNbd::with_options(options)
                    .fit_weighted(&histories, &weights)
                    .map_err(|e| fit_error(path, e))?,
            ),
            "mbg-nbd" => ModelFit::MbgNbd(
                MbgNbd::with_options(options)
                    .fit_weighted(&histories, &weights)
                    .map_err(|e| fit_error(path, e))?,
            ),
            "pareto-nbd" => ModelFit::ParetoNbd(
                ParetoNbd::with_options(options)
                    .fit_weighted(&histories, &weights)
                    .map_err(|e| fit_error(path, e))?,
            ),
            "ggom-nbd" => ModelFit::GgomNbd(
                GgomNbd::with_options(options)
                    .fit_weighted(&histories, &weights)
                    .map_err(|e| fit_error(path, e))?,
            ),
            other => {
                return Err(Failure::Usage(format!(
                    "--rows fits bg-nbd, mbg-nbd, pareto-nbd, ggom-nbd or gamma-gamma, not {other:?}"
                )));
            }
        };
        (report, table.metadata)
    };
    let file = FitFile::new(report, metadata.unit);
    Ok(match metadata.observation_end {
        Some(end) => file.with_observation_end(end),
        None => file,
    })
}

/// What to do with repeat buyers whose repeat purchases total 0, which the
/// Gamma-Gamma model cannot take (its spend is positive).
#[derive(Clone, Copy, PartialEq)]
enum ZeroSpend {
    LeaveOut,
    Reject,
}

fn parse_zero_spend(text: &str) -> Result<ZeroSpend, String> {
    match text {
        "leave-out" => Ok(ZeroSpend::LeaveOut),
        "reject" => Ok(ZeroSpend::Reject),
        _ => Err("expected leave-out or reject".into()),
    }
}

/// Whether a row is a repeat buyer with no repeat spend.
fn zero_spend_repeat(row: &CustomerSummary) -> bool {
    row.frequency() > 0 && row.repeat_spend() <= Decimal::ZERO
}

/// The Gamma-Gamma input: repeat buyers, those with zero repeat spend left
/// out and counted on stderr (or an error naming the first, with
/// `--zero-spend reject`).
fn spend_histories(loaded: &Loaded, zero_spend: ZeroSpend) -> Result<Vec<SpendHistory>, Failure> {
    let mut left_out = 0usize;
    let mut spend = Vec::new();
    for row in loaded.rows.iter().filter(|r| r.frequency() > 0) {
        if zero_spend_repeat(row) {
            if zero_spend == ZeroSpend::Reject {
                return Err(Failure::Data(format!(
                    "{}: customer {} has {} repeat purchases totalling {} (gamma-gamma needs positive spend; --zero-spend leave-out leaves such customers out)",
                    loaded.path.display(),
                    loaded.label(row.customer()),
                    row.frequency(),
                    row.repeat_spend()
                )));
            }
            left_out += 1;
            continue;
        }
        spend.push(
            SpendHistory::from_summary(row)
                .map_err(|e| Failure::Data(format!("{}: {e}", loaded.path.display())))?,
        );
    }
    if left_out > 0 {
        eprintln!(
            "customer-value: {left_out} repeat buyers whose repeat purchases total 0 left out of the fit (--zero-spend reject makes this an error)"
        );
    }
    Ok(spend)
}

fn fit_bgbb(path: &PathBuf, options: FitOptions) -> Result<ModelFit, Failure> {
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
    Ok(ModelFit::BgBb(fit))
}

fn fit_sbg(path: &PathBuf, options: FitOptions) -> Result<ModelFit, Failure> {
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
    Ok(ModelFit::Sbg(fit))
}

/// The `(x, t_x, T)` rows the continuous-time models take. Customers first
/// seen on the observation end (T = 0) carry no information about rates
/// and are not valid model input (the library's `btyd::spec`, "Validation"): they are left out and
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

/// Reads a fit file, with the path in errors.
fn read_fit(path: &Path) -> Result<FitFile, Failure> {
    FitFile::read_path(path).map_err(|e| match e {
        customer_value::Error::Io { source, .. } => {
            Failure::Data(format!("cannot read {}: {}", path.display(), source.get()))
        }
        e => Failure::Data(format!("{}: {e}", path.display())),
    })
}

pub fn predict(parser: &mut lexopt::Parser) -> Result<(), Failure> {
    let mut input = SummaryInput::new();
    let mut params: Option<PathBuf> = None;
    let mut spend_params: Option<PathBuf> = None;
    let mut horizon: Option<f64> = None;
    let mut discount = Decimal::new(1, 2);
    let mut periods = 12u32;
    let mut period_length: Option<f64> = None;
    let mut dert: Option<f64> = None;
    let mut zero_spend = ZeroSpend::LeaveOut;
    let mut params_unit = None;
    let mut output: Option<PathBuf> = None;
    let mut exact = false;
    let mut covariates: Option<PathBuf> = None;
    while let Some(arg) = parser.next()? {
        let name = option_name(arg)?;
        match name.as_str() {
            "help" => return scorer_help(PREDICT_USAGE),
            "params" => params = Some(parser.value()?.into()),
            "spend-params" => spend_params = Some(parser.value()?.into()),
            "horizon" => horizon = Some(parse_value(parser, &name, |t| parse_f64_in(t, 0.0, 1e6))?),
            "discount" => discount = parse_value(parser, &name, parse_decimal)?,
            "periods" => periods = parse_value(parser, &name, |t| parse_u32_in(t, 1, 10_000))?,
            "period-length" => {
                period_length = Some(parse_value(parser, &name, |t| parse_f64_in(t, 1e-6, 1e6))?)
            }
            "dert" => {
                dert = Some(parse_value(parser, &name, |t| {
                    parse_f64_in(t, 1e-12, 10.0)
                })?)
            }
            "exact" => exact = true,
            "zero-spend" => zero_spend = parse_value(parser, &name, parse_zero_spend)?,
            "params-unit" => params_unit = Some(parse_value(parser, &name, parse_unit)?),
            "output" => output = Some(parser.value()?.into()),
            "covariates" => covariates = Some(parser.value()?.into()),
            _ => input.take(&name, parser)?,
        }
    }
    let params = params.ok_or_else(|| Failure::Usage("predict needs --params FILE".into()))?;
    let horizon = horizon.ok_or_else(|| Failure::Usage("predict needs --horizon T".into()))?;
    let mut fit = read_fit(&params)?;
    if let Some(unit) = params_unit {
        fit = fit
            .with_unit(unit)
            .map_err(|e| Failure::Data(format!("{}: {e}", params.display())))?;
    }
    let model: PurchaseModel = fit.purchase_model().ok_or_else(|| {
        Failure::Data(format!(
            "{}: a {} fit, not a purchase model (fit one with --model bg-nbd, mbg-nbd, pareto-nbd or ggom-nbd)",
            params.display(),
            fit.params().name()
        ))
    })?;
    let spend_file = match &spend_params {
        Some(path) => Some(read_fit(path)?),
        None => None,
    };
    let spend = match (&spend_params, &spend_file) {
        (Some(path), Some(file)) => Some(file.params().gamma_gamma().ok_or_else(|| {
            Failure::Data(format!(
                "{}: not a gamma-gamma model (fit one with --model gamma-gamma)",
                path.display()
            ))
        })?),
        _ => None,
    };
    // Covariate fits need each customer's covariates.
    let with_covariates = fit.covariates().is_some()
        || spend_file
            .as_ref()
            .is_some_and(|f| f.covariates().is_some());
    let covs = match (covariates, with_covariates) {
        (Some(path), true) => Some(crate::covariates::PredictCovariates {
            table: crate::covariates::read_table(&path)?,
            path,
        }),
        (None, true) => {
            return Err(Failure::Usage(
                "the fit has covariates: give each customer's with --covariates FILE".into(),
            ));
        }
        (Some(_), false) => {
            return Err(Failure::Usage(
                "--covariates needs a fit with covariates (fit --covariates ...)".into(),
            ));
        }
        (None, false) => None,
    };
    let loaded = input.load("predict")?;

    // Every time goes into the fit's unit; the options are in the summary's.
    let fit_unit = match fit
        .check_unit(loaded.unit)
        .map_err(|e| Failure::Data(format!("{}: {e}", params.display())))?
    {
        UnitUse::Convert { from, to } => {
            eprintln!(
                "customer-value: {} is in {from}, {} in {to}: the summary's times, --horizon, --period-length and --dert are converted to {to}",
                loaded.path.display(),
                params.display()
            );
            to
        }
        UnitUse::Assumed => {
            eprintln!(
                "customer-value: {} does not record its unit (written by an older version); taken to be the summary's ({})",
                params.display(),
                loaded.unit
            );
            loaded.unit
        }
        _ => loaded.unit,
    };
    let to_fit = |t: f64| loaded.unit.convert(t, fit_unit);
    // Written on every row with the summary's unit, so that a reader of
    // the file knows what expected_purchases counts ("in 52 weeks").
    let horizon_text = Format::new(exact).figure(horizon);
    let unit_days = loaded.unit.days_per_period().to_string();
    let horizon = to_fit(horizon);
    // A month is 30.4375 days (365.25 / 12), in the summary's unit.
    let period_length =
        period_length.unwrap_or(MONTH_DAYS / f64::from(loaded.unit.days_per_period()));
    let period_length = to_fit(period_length);
    // A rate per summary unit, per fit unit.
    let dert = dert.map(|delta| {
        delta * f64::from(fit_unit.days_per_period()) / f64::from(loaded.unit.days_per_period())
    });
    if fit.params().name() != model.name() {
        eprintln!(
            "customer-value: {} is a {} fit on its {} boundary: predictions are that {}'s",
            params.display(),
            fit.params().name(),
            model.name(),
            model.name()
        );
    }
    let pareto = match (dert, model) {
        (None, _) => None,
        (Some(delta), PurchaseModel::ParetoNbd(_) | PurchaseModel::GgomNbd(_)) => Some(delta),
        (Some(_), other) => {
            return Err(Failure::Usage(format!(
                "--dert needs a Pareto/NBD or GGom/NBD model, not {}",
                other.name()
            )));
        }
    };
    let discount = DiscountRate::new(discount).map_err(|e| Failure::Usage(e.to_string()))?;
    let build_clv = |model: PurchaseModel, spend: GammaGammaParams| {
        BtydClv::builder(model, spend)
            .periods(periods)
            .discount(discount)
            .period_length(period_length)
            .build()
    };
    let clv = match spend {
        Some(spend) => Some(build_clv(model, spend).map_err(|e| Failure::Usage(e.to_string()))?),
        None => None,
    };
    if spend.is_some() && !loaded.layout.has_repeat_spend() {
        return Err(Failure::Data(format!(
            "{}: --spend-params needs each customer's mean repeat spend (monetary_value, m.x, spend or Spending), and the file has none",
            loaded.path.display()
        )));
    }
    let mut rows = Vec::with_capacity(loaded.rows.len());
    let mut unscored = 0usize;
    let mut no_spend = 0usize;
    for summary in &loaded.rows {
        if summary.age() <= 0.0 {
            // First seen on the observation end: nothing to condition on.
            rows.push((summary.customer(), None));
            unscored += 1;
            continue;
        }
        // Every error names the customer.
        let whose = format!(
            "{}: customer {}",
            loaded.path.display(),
            loaded.label(summary.customer())
        );
        let data = |e: customer_value::Error| Failure::Data(format!("{whose}: {e}"));
        // With covariates: this customer's own parameters.
        let own_clv;
        let (model, spend, clv, pareto) = match &covs {
            None => (model, spend, clv.as_ref(), pareto),
            Some(c) => {
                let cov_data = |e: customer_value::Error| {
                    Failure::Data(format!("{whose}: {}: {e}", c.path.display()))
                };
                let model = c
                    .params(&fit, summary.customer())
                    .map_err(cov_data)?
                    .purchase_model()
                    .unwrap_or(model);
                let spend = match &spend_file {
                    Some(f) => c
                        .params(f, summary.customer())
                        .map_err(cov_data)?
                        .gamma_gamma(),
                    None => None,
                };
                own_clv = match spend {
                    Some(s) => Some(build_clv(model, s).map_err(data)?),
                    None => None,
                };
                // The baseline model passed the --dert check, and a
                // customer's own parameters are the same model.
                (model, spend, own_clv.as_ref(), pareto)
            }
        };
        let history = CustomerHistory::new(
            summary.customer(),
            summary.frequency(),
            to_fit(summary.t_x()),
            to_fit(summary.age()),
        )
        .map_err(data)?;
        let p_alive = finite(model.p_alive(&history).map_err(data)?, "P(alive)", &whose)?;
        let expected = finite(
            model.expected_purchases(&history, horizon).map_err(data)?,
            "expected purchases",
            &whose,
        )?;
        let (spend_value, clv_value) = match (&spend, clv) {
            (Some(_), Some(_)) if zero_spend_repeat(summary) => {
                if zero_spend == ZeroSpend::Reject {
                    return Err(Failure::Data(format!(
                        "{}: customer {} has {} repeat purchases totalling {} (gamma-gamma needs positive spend; --zero-spend leave-out leaves their spend and clv blank)",
                        loaded.path.display(),
                        loaded.label(summary.customer()),
                        summary.frequency(),
                        summary.repeat_spend()
                    )));
                }
                no_spend += 1;
                (None, None)
            }
            (Some(spend), Some(clv)) => {
                let customer =
                    BtydCustomer::new(history, SpendHistory::from_summary(summary).map_err(data)?)
                        .map_err(data)?;
                let m = spend.expected_spend(customer.spend()).map_err(data)?;
                let value = match pareto {
                    Some(delta) => {
                        purchase_dert_clv(&model, spend, &customer, delta).map_err(data)?
                    }
                    None => {
                        let v = finite(clv.value_f64(&customer).map_err(data)?, "CLV", &whose)?;
                        Decimal::from_f64(v).ok_or_else(|| {
                            Failure::Data(format!("{whose}: CLV {v:e} is out of range"))
                        })?
                    }
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
    if no_spend > 0 {
        eprintln!(
            "customer-value: {no_spend} repeat buyers whose repeat purchases total 0 have no expected_spend or clv (--zero-spend reject makes this an error)"
        );
    }
    let fmt = Format::new(exact);
    write_csv(
        output.as_deref(),
        &[
            "customer_id",
            "p_alive",
            "expected_purchases",
            "expected_spend",
            "clv",
            "horizon",
            "unit_days",
        ],
        |csv| {
            for (customer, scored) in &rows {
                let label = loaded.label(*customer);
                match scored {
                    Some((p, e, m, c)) => {
                        let row = csv.text(label.as_ref())?.figure(fmt, *p)?.figure(fmt, *e)?;
                        let row = match m {
                            Some(m) => row.money(fmt, *m)?,
                            None => row.text("")?,
                        };
                        match c {
                            Some(c) => row.money(fmt, *c)?,
                            None => row.text("")?,
                        }
                        .text(&horizon_text)?
                        .text(&unit_days)?
                        .end()?
                    }
                    None => csv.row([
                        label.as_ref(),
                        "",
                        "",
                        "",
                        "",
                        horizon_text.as_str(),
                        unit_days.as_str(),
                    ])?,
                }
            }
            Ok(())
        },
    )?;
    eprintln!(
        "customer-value: {} customers scored with {}; {unscored} first seen on the observation end (T = 0) left blank",
        rows.len() - unscored,
        model.name()
    );
    Ok(())
}
