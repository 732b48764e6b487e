//! `customer-value fit --model pareto-nbd --covariates FILE --trans COLS --life COLS`:
//! the Pareto/NBD with static covariates (CLVTools' parametrisation), written
//! as a JSON report (the plain fit files hold no covariate models).

use std::path::{Path, PathBuf};

use customer_value::btyd::{CovariateTable, CustomerHistory, ParetoNbdCovariates};

use crate::Failure;
use crate::output::write_output;

/// The covariate options of `fit`.
#[derive(Debug, Default)]
pub struct CovariateArgs {
    pub file: Option<PathBuf>,
    pub trans: Vec<String>,
    pub life: Vec<String>,
    pub constrain: Vec<String>,
    pub l2: Option<(f64, f64)>,
}

/// Comma-separated column names.
pub fn columns(text: &str) -> Result<Vec<String>, String> {
    let cols: Vec<String> = text
        .split(',')
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    if cols.is_empty() {
        Err("expected column names separated by commas".into())
    } else {
        Ok(cols)
    }
}

/// `LAMBDA` or `TRANS,LIFE`.
pub fn lambdas(text: &str) -> Result<(f64, f64), String> {
    let parse = |t: &str| {
        t.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| format!("expected a non-negative number, got {t:?}"))
    };
    match text.split_once(',') {
        Some((a, b)) => Ok((parse(a)?, parse(b)?)),
        None => {
            let v = parse(text)?;
            Ok((v, v))
        }
    }
}

/// Fits and writes the report.
pub fn fit(
    args: &CovariateArgs,
    histories: &[CustomerHistory],
    data_path: &Path,
    unit: &str,
    output: Option<&Path>,
) -> Result<(), Failure> {
    let path = args
        .file
        .as_deref()
        .ok_or_else(|| Failure::Usage("--trans/--life need --covariates FILE".into()))?;
    if args.trans.is_empty() && args.life.is_empty() {
        return Err(Failure::Usage(
            "--covariates needs --trans COLS and/or --life COLS".into(),
        ));
    }
    let data = |e: customer_value::Error| Failure::Data(format!("{}: {e}", path.display()));
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Data(format!("{}: cannot read: {e}", path.display())))?;
    let id = text
        .lines()
        .next()
        .and_then(|h| h.split(',').next())
        .map(|h| h.trim().trim_matches('"').to_owned())
        .unwrap_or_default();
    let table = CovariateTable::from_csv(&text, &id).map_err(data)?;
    let trans: Vec<&str> = args.trans.iter().map(String::as_str).collect();
    let life: Vec<&str> = args.life.iter().map(String::as_str).collect();
    let design = table.design(histories, &trans, &life).map_err(data)?;
    let mut fitter = ParetoNbdCovariates::new().constrain(args.constrain.clone());
    if let Some((t, l)) = args.l2 {
        fitter = fitter.l2(t, l).map_err(|e| Failure::Usage(e.to_string()))?;
    }
    let fit = fitter
        .fit(histories, &design)
        .map_err(|e| Failure::Data(format!("{}: {e}", data_path.display())))?;
    let report = serde_json::json!({
        "model": "pareto-nbd-covariates",
        "unit": unit,
        "names": fit.names(),
        "estimates": fit.estimates(),
        "std_errors": fit.std_errors(),
        "log_likelihood": fit.log_likelihood(),
        "aic": fit.aic(),
        "customers": fit.customers(),
        "iterations": fit.iterations(),
        "converged": fit.converged(),
    });
    write_output(output, |w| writeln!(w, "{report}"))
}
