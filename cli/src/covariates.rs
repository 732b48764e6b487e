//! `customer-value fit --model pareto-nbd|bg-nbd|gamma-gamma --covariates FILE
//! --trans COLS --life COLS` (`--spend COLS` for gamma-gamma): the models with
//! static covariates (CLVTools' parametrisation for the two purchase models),
//! written as fit files that `predict --covariates FILE` reads.

use std::path::{Path, PathBuf};

use customer_value::TimeUnit;
use customer_value::btyd::file::FitFile;
use customer_value::btyd::{
    BgNbdCovariates, CovariateTable, CustomerHistory, GammaGammaCovariates, ParetoNbdCovariates,
    SpendHistory,
};

use crate::Failure;
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

/// Reads a covariate table: the first column holds the customer id.
pub fn read_table(path: &Path) -> Result<CovariateTable, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Data(format!("{}: cannot read: {e}", path.display())))?;
    let id = text
        .lines()
        .next()
        .and_then(|h| h.split(',').next())
        .map(|h| h.trim().trim_matches('"').to_owned())
        .unwrap_or_default();
    CovariateTable::from_csv(&text, &id)
        .map_err(|e| Failure::Data(format!("{}: {e}", path.display())))
}

fn table(args: &CovariateArgs) -> Result<(CovariateTable, &Path), Failure> {
    let path = args
        .file
        .as_deref()
        .ok_or_else(|| Failure::Usage("--trans/--life/--spend need --covariates FILE".into()))?;
    Ok((read_table(path)?, path))
}

/// Fits a purchase model (`pareto-nbd` or `bg-nbd`) with covariates.
pub fn fit(
    args: &CovariateArgs,
    model: &str,
    histories: &[CustomerHistory],
    data_path: &Path,
    unit: TimeUnit,
) -> Result<FitFile, Failure> {
    if args.trans.is_empty() && args.life.is_empty() {
        return Err(Failure::Usage(
            "--covariates needs --trans COLS and/or --life COLS".into(),
        ));
    }
    let (table, path) = table(args)?;
    let data = |e: customer_value::Error| Failure::Data(format!("{}: {e}", path.display()));
    let trans: Vec<&str> = args.trans.iter().map(String::as_str).collect();
    let life: Vec<&str> = args.life.iter().map(String::as_str).collect();
    let design = table.design(histories, &trans, &life).map_err(data)?;
    let fit_error =
        |e: customer_value::Error| Failure::Data(format!("{}: {e}", data_path.display()));
    let usage = |e: customer_value::Error| Failure::Usage(e.to_string());
    match model {
        "pareto-nbd" => {
            let mut fitter = ParetoNbdCovariates::new().constrain(args.constrain.clone());
            if let Some((t, l)) = args.l2 {
                fitter = fitter.l2(t, l).map_err(usage)?;
            }
            let fit = fitter.fit(histories, &design).map_err(fit_error)?;
            Ok(FitFile::from_pareto_nbd_covariates(&fit, Some(unit)))
        }
        "bg-nbd" => {
            let mut fitter = BgNbdCovariates::new().constrain(args.constrain.clone());
            if let Some((t, l)) = args.l2 {
                fitter = fitter.l2(t, l).map_err(usage)?;
            }
            let fit = fitter.fit(histories, &design).map_err(fit_error)?;
            Ok(FitFile::from_bg_nbd_covariates(&fit, Some(unit)))
        }
        other => Err(Failure::Usage(format!(
            "--covariates fits --model pareto-nbd, bg-nbd or gamma-gamma, not {other:?}"
        ))),
    }
}

/// Fits Gamma-Gamma with spend covariates (`--spend COLS`, or `--trans COLS`).
pub fn fit_spend(
    args: &CovariateArgs,
    spend: &[SpendHistory],
    data_path: &Path,
    unit: TimeUnit,
) -> Result<FitFile, Failure> {
    if !args.life.is_empty() || !args.constrain.is_empty() {
        return Err(Failure::Usage(
            "gamma-gamma has one process: give its covariates with --spend COLS (no --life, --constrain)".into(),
        ));
    }
    let cols: Vec<&str> = args.trans.iter().map(String::as_str).collect();
    if cols.is_empty() {
        return Err(Failure::Usage(
            "--covariates with --model gamma-gamma needs --spend COLS".into(),
        ));
    }
    let (table, path) = table(args)?;
    let design = table
        .spend_design(spend, &cols)
        .map_err(|e| Failure::Data(format!("{}: {e}", path.display())))?;
    let mut fitter = GammaGammaCovariates::new();
    if let Some((t, _)) = args.l2 {
        fitter = fitter.l2(t).map_err(|e| Failure::Usage(e.to_string()))?;
    }
    let fit = fitter
        .fit(spend, &design)
        .map_err(|e| Failure::Data(format!("{}: {e}", data_path.display())))?;
    Ok(FitFile::from_gamma_gamma_covariates(&fit, Some(unit)))
}

/// Per-customer covariates for `predict`: the table and, per fit, the
/// columns it needs.
pub struct PredictCovariates {
    pub table: CovariateTable,
    pub path: PathBuf,
}

impl PredictCovariates {
    /// The plain parameters of `file` for `customer` (the file's own
    /// parameters when it has no covariates).
    pub fn params(
        &self,
        file: &FitFile,
        customer: customer_value::CustomerId,
    ) -> Result<customer_value::btyd::file::ModelParams, customer_value::Error> {
        match file.covariates() {
            None => Ok(*file.params()),
            Some(c) => {
                let zt = self.table.values(customer, c.trans_names())?;
                let zl = self.table.values(customer, c.life_names())?;
                file.customer_params(&zt, &zl)
            }
        }
    }
}
