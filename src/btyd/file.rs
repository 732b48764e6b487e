//! The fit file: a fitted model as JSON, with the model's name, its whole
//! [`FitReport`](crate::btyd::FitReport), and what the numbers are
//! measured in (the time unit, the time scale and the observation end), so
//! that another program (the command line, a binding in another language)
//! can apply the parameters to data in the right unit, or refuse data in
//! another one.
//!
//! # Format
//!
//! One JSON object:
//!
//! ```text
//! model            "bg_nbd", "mbg_nbd", "pareto_nbd", "ggom_nbd", "gamma_gamma", "bg_bb"
//!                  or "sbg"
//! unit_days        days per time unit of the data the model was fitted on (1: days,
//!                  7: weeks); null when unknown (files written before it was recorded,
//!                  discrete-time fits without a stated unit)
//! time_scale       "continuous" (times t_x, T and horizons are real numbers of units:
//!                  BG/NBD, MBG/NBD, Pareto/NBD, GGom/NBD), "discrete" (whole transaction
//!                  opportunities or contract periods: BG/BB, sBG) or "none" (no time
//!                  in the model: Gamma-Gamma)
//! observation_end  the calibration end of the data, "YYYY-MM-DD", or null
//! params ... status  the fit report's fields, as FitReport serialises them
//! ```
//!
//! Two older layouts are read too: files without `unit_days`, `time_scale`
//! and `observation_end` (they read as unknown), and the first layout,
//! `{"model", "parameters", "standard_errors", "log_likelihood",
//! "iterations", "customers", "rows"}`, which carries parameters but not a
//! whole report ([`FitFile::report`] is then `None`). A file with
//! `"params"` and no `"log_likelihood"` (`{"model": "bg_nbd", "params":
//! {"r": .., "alpha": .., "a": .., "b": ..}}`, say published estimates
//! written by hand) is read the same way: parameters alone, no report.
//!
//! # Covariate fits
//!
//! A fit with static covariates ([`crate::btyd::covariates`]) is written
//! with `"params"` holding the model's parameters at covariates 0, no
//! top-level `"log_likelihood"`, and a `"covariates"` object:
//!
//! ```text
//! covariates   {"trans_names", "gamma_trans", "life_names", "gamma_life",
//!               "names", "estimates", "std_errors" (or null), "log_likelihood",
//!               "aic", "customers", "iterations", "converged"}
//! ```
//!
//! For Gamma-Gamma `trans_names`/`gamma_trans` are the spend covariates and
//! their `δ`, and `life_names` is empty. [`FitFile::customer_params`] turns
//! a customer's covariates into the plain model's parameters for them.
//!
//! # Units
//!
//! The continuous-time models' scale parameters are in the data's unit
//! (BG/NBD's α, Pareto/NBD's α and β are times), so a model fitted in
//! weeks gives wrong answers on a summary in days. [`TimeUnit::convert`]
//! converts times exactly between units; [`FitFile::check_unit`] says
//! whether data in a unit can be used, converted, or must be refused.

use std::io::{Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::btyd::covariates::{self, CovariatesFit, Shifts};
use crate::btyd::{
    BgBbFit, BgBbParams, BgNbdCovariatesParams, BgNbdFit, BgNbdParams, GammaGammaCovariatesParams,
    GammaGammaFit, GammaGammaParams, GgomNbdFit, GgomNbdParams, MbgNbdFit, MbgNbdParams,
    ParetoNbdCovariatesParams, ParetoNbdFit, ParetoNbdParams, PurchaseModel, SbgFit, SbgParams,
};
use crate::error::{Error, Result};
use crate::model::{Date, TimeUnit};

/// The report of a fit of any of the seven models, tagged by model.
///
/// Serialises as the [`FitReport`](crate::btyd::FitReport) object with a
/// `model` field in front (`"bg_nbd"`, `"mbg_nbd"`, `"pareto_nbd"`,
/// `"ggom_nbd"`, `"gamma_gamma"`, `"bg_bb"`, `"sbg"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ModelFit {
    /// BG/NBD (Fader, Hardie & Lee 2005).
    BgNbd(BgNbdFit),
    /// MBG/NBD (Batislam, Denizel & Filiztekin 2007).
    MbgNbd(MbgNbdFit),
    /// Pareto/NBD (Schmittlein, Morrison & Colombo 1987).
    ParetoNbd(ParetoNbdFit),
    /// Gamma-Gamma spend (Colombo & Jiang 1999; Fader, Hardie & Lee 2005).
    GammaGamma(GammaGammaFit),
    /// BG/BB, discrete time (Fader, Hardie & Shang 2010).
    BgBb(BgBbFit),
    /// Shifted-beta-geometric, contractual (Fader & Hardie 2007).
    Sbg(SbgFit),
    /// GGom/NBD, Gamma-Gompertz/NBD (Bemmaor & Glady 2012).
    GgomNbd(GgomNbdFit),
}

impl ModelFit {
    /// The fitted parameters.
    pub fn params(&self) -> ModelParams {
        match self {
            ModelFit::BgNbd(f) => ModelParams::BgNbd(*f.params()),
            ModelFit::MbgNbd(f) => ModelParams::MbgNbd(*f.params()),
            ModelFit::ParetoNbd(f) => ModelParams::ParetoNbd(*f.params()),
            ModelFit::GammaGamma(f) => ModelParams::GammaGamma(*f.params()),
            ModelFit::BgBb(f) => ModelParams::BgBb(*f.params()),
            ModelFit::Sbg(f) => ModelParams::Sbg(*f.params()),
            ModelFit::GgomNbd(f) => ModelParams::GgomNbd(*f.params()),
        }
    }

    /// The continuous-time purchase model the fit stands for, if it is
    /// one: its parameters, except for a GGom/NBD fit on the
    /// [`Limit::ParetoDropout`](crate::btyd::Limit::ParetoDropout)
    /// boundary, which is the limiting Pareto/NBD
    /// ([`GgomNbdFit::pareto_nbd_limit`]).
    pub fn purchase_model(&self) -> Option<PurchaseModel> {
        match self {
            ModelFit::GgomNbd(f) => Some(f.pareto_nbd_limit().map_or(
                PurchaseModel::GgomNbd(*f.params()),
                PurchaseModel::ParetoNbd,
            )),
            other => other.params().purchase_model(),
        }
    }
}

/// The parameters of any of the seven models, tagged by model as
/// [`ModelFit`] is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ModelParams {
    /// BG/NBD.
    BgNbd(BgNbdParams),
    /// MBG/NBD.
    MbgNbd(MbgNbdParams),
    /// Pareto/NBD.
    ParetoNbd(ParetoNbdParams),
    /// Gamma-Gamma spend.
    GammaGamma(GammaGammaParams),
    /// BG/BB.
    BgBb(BgBbParams),
    /// Shifted-beta-geometric.
    Sbg(SbgParams),
    /// GGom/NBD.
    GgomNbd(GgomNbdParams),
}

impl ModelParams {
    /// The model's tag in files (`"bg_nbd"`, ...).
    pub fn tag(&self) -> &'static str {
        match self {
            ModelParams::BgNbd(_) => "bg_nbd",
            ModelParams::MbgNbd(_) => "mbg_nbd",
            ModelParams::ParetoNbd(_) => "pareto_nbd",
            ModelParams::GammaGamma(_) => "gamma_gamma",
            ModelParams::BgBb(_) => "bg_bb",
            ModelParams::Sbg(_) => "sbg",
            ModelParams::GgomNbd(_) => "ggom_nbd",
        }
    }

    /// The model's usual name (`"BG/NBD"`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            ModelParams::BgNbd(_) => "BG/NBD",
            ModelParams::MbgNbd(_) => "MBG/NBD",
            ModelParams::ParetoNbd(_) => "Pareto/NBD",
            ModelParams::GammaGamma(_) => "Gamma-Gamma",
            ModelParams::BgBb(_) => "BG/BB",
            ModelParams::Sbg(_) => "sBG",
            ModelParams::GgomNbd(_) => "GGom/NBD",
        }
    }

    /// How the model measures time.
    pub fn time_scale(&self) -> TimeScale {
        match self {
            ModelParams::BgNbd(_)
            | ModelParams::MbgNbd(_)
            | ModelParams::ParetoNbd(_)
            | ModelParams::GgomNbd(_) => TimeScale::Continuous,
            ModelParams::BgBb(_) | ModelParams::Sbg(_) => TimeScale::Discrete,
            ModelParams::GammaGamma(_) => TimeScale::None,
        }
    }

    /// The continuous-time purchase model, if it is one.
    pub fn purchase_model(&self) -> Option<PurchaseModel> {
        match *self {
            ModelParams::BgNbd(p) => Some(PurchaseModel::BgNbd(p)),
            ModelParams::MbgNbd(p) => Some(PurchaseModel::MbgNbd(p)),
            ModelParams::ParetoNbd(p) => Some(PurchaseModel::ParetoNbd(p)),
            ModelParams::GgomNbd(p) => Some(PurchaseModel::GgomNbd(p)),
            _ => None,
        }
    }

    /// The Gamma-Gamma spend parameters, if they are.
    pub fn gamma_gamma(&self) -> Option<GammaGammaParams> {
        match *self {
            ModelParams::GammaGamma(p) => Some(p),
            _ => None,
        }
    }
}

/// How a model measures time, recorded in fit files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TimeScale {
    /// Times are real numbers of the unit (BG/NBD, MBG/NBD, Pareto/NBD):
    /// the scale parameters are times in that unit, and data in another
    /// unit can be converted exactly.
    Continuous,
    /// Times are whole transaction opportunities or contract periods (BG/BB,
    /// sBG): data in another unit cannot be converted.
    Discrete,
    /// The model has no time in it (Gamma-Gamma): any unit will do.
    None,
}

/// How data in some unit can be used with a fit ([`FitFile::check_unit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnitUse {
    /// Same unit, or a model without time: use the data as it is.
    AsIs,
    /// Convert the data's times from `from` (the data's unit) to `to` (the
    /// fit's) with [`TimeUnit::convert`].
    Convert {
        /// The data's unit.
        from: TimeUnit,
        /// The fit's unit.
        to: TimeUnit,
    },
    /// The fit does not record its unit: the data are taken to be in it.
    Assumed,
}

/// A fit file: a fitted model with what its numbers are measured in. See
/// the [module documentation](self) for the JSON layout.
///
/// # Example
/// ```
/// use customer_value::btyd::{BgNbd, CustomerHistory};
/// use customer_value::btyd::file::{FitFile, ModelFit, UnitUse};
/// use customer_value::{CustomerId, Date, TimeUnit};
///
/// let histories: Vec<CustomerHistory> = (0..40u32)
///     .map(|i| CustomerHistory::new(CustomerId::new(u64::from(i)), i % 4, f64::from(i % 4) * 6.0, 30.0))
///     .collect::<Result<_, _>>()?;
/// let fit = BgNbd::new().fit_detailed(&histories)?;
/// let file = FitFile::new(ModelFit::BgNbd(fit), Some(TimeUnit::WEEK))
///     .with_observation_end(Date::parse("1997-09-30")?);
/// let json = file.to_json()?;
/// let back = FitFile::from_json(&json)?;
/// assert_eq!(back, file);
/// assert_eq!(back.unit(), Some(TimeUnit::WEEK));
/// // Data in days are converted to the fit's weeks.
/// assert_eq!(back.check_unit(TimeUnit::DAY)?, UnitUse::Convert { from: TimeUnit::DAY, to: TimeUnit::WEEK });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FitFile {
    params: ModelParams,
    report: Option<ModelFit>,
    covariates: Option<CovariateEffects>,
    unit: Option<TimeUnit>,
    observation_end: Option<Date>,
}

/// The covariate part of a fit file: the coefficients, and the fit's
/// summary (see the [module documentation](self#covariate-fits)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CovariateEffects {
    trans_names: Vec<String>,
    gamma_trans: Vec<f64>,
    life_names: Vec<String>,
    gamma_life: Vec<f64>,
    names: Vec<String>,
    estimates: Vec<f64>,
    std_errors: Option<Vec<f64>>,
    log_likelihood: f64,
    aic: f64,
    customers: usize,
    iterations: usize,
    converged: bool,
}

impl CovariateEffects {
    fn new<P>(
        fit: &CovariatesFit<P>,
        (trans_names, gamma_trans): (&[String], &[f64]),
        (life_names, gamma_life): (&[String], &[f64]),
    ) -> Self {
        CovariateEffects {
            trans_names: trans_names.to_vec(),
            gamma_trans: gamma_trans.to_vec(),
            life_names: life_names.to_vec(),
            gamma_life: gamma_life.to_vec(),
            names: fit.names().to_vec(),
            estimates: fit.estimates().to_vec(),
            std_errors: fit.std_errors().map(<[f64]>::to_vec),
            log_likelihood: fit.log_likelihood(),
            aic: fit.aic(),
            customers: fit.customers(),
            iterations: fit.iterations(),
            converged: fit.converged(),
        }
    }

    /// The purchase-process covariate names (Gamma-Gamma: the spend
    /// covariates), in the order [`FitFile::customer_params`] takes them.
    pub fn trans_names(&self) -> &[String] {
        &self.trans_names
    }
    /// Their coefficients.
    pub fn gamma_trans(&self) -> &[f64] {
        &self.gamma_trans
    }
    /// The lifetime-process covariate names (empty for Gamma-Gamma).
    pub fn life_names(&self) -> &[String] {
        &self.life_names
    }
    /// Their coefficients.
    pub fn gamma_life(&self) -> &[f64] {
        &self.gamma_life
    }
    /// Names of all estimated parameters (as the fit's `names`).
    pub fn names(&self) -> &[String] {
        &self.names
    }
    /// The estimates, in the order of [`names`](Self::names).
    pub fn estimates(&self) -> &[f64] {
        &self.estimates
    }
    /// Their standard errors, if the fit had them.
    pub fn std_errors(&self) -> Option<&[f64]> {
        self.std_errors.as_deref()
    }
    /// The fit's log-likelihood.
    pub fn log_likelihood(&self) -> f64 {
        self.log_likelihood
    }
    /// Whether the fit converged.
    pub fn converged(&self) -> bool {
        self.converged
    }
    /// Number of customers fitted.
    pub fn customers(&self) -> usize {
        self.customers
    }

    fn check(&self, params: &ModelParams) -> Result<()> {
        let same = |n: &[String], g: &[f64]| n.len() == g.len() && g.iter().all(|v| v.is_finite());
        if !same(&self.trans_names, &self.gamma_trans)
            || !same(&self.life_names, &self.gamma_life)
            || self.names.len() != self.estimates.len()
        {
            return Err(invalid(
                "\"covariates\": one finite coefficient per name needed".into(),
            ));
        }
        match params {
            ModelParams::ParetoNbd(_) | ModelParams::BgNbd(_) => Ok(()),
            ModelParams::GammaGamma(_) if self.life_names.is_empty() => Ok(()),
            other => Err(invalid(format!(
                "\"covariates\" are not defined for the {} model here",
                other.name()
            ))),
        }
    }
}

/// The covariate parametrisation of a model in a fit file.
fn shifts(params: &ModelParams) -> Option<&'static Shifts> {
    match params {
        ModelParams::ParetoNbd(_) => Some(&covariates::PARETO_NBD),
        ModelParams::BgNbd(_) => Some(&covariates::BG_NBD),
        ModelParams::GammaGamma(_) => Some(&covariates::GAMMA_GAMMA),
        _ => None,
    }
}

/// A covariate fit as written: parameters apart from their tag.
#[derive(Serialize)]
struct CovariateOut<'a> {
    model: &'static str,
    params: serde_json::Value,
    unit_days: Option<TimeUnit>,
    time_scale: TimeScale,
    observation_end: Option<Date>,
    covariates: &'a CovariateEffects,
}

/// The file as written: the report with the metadata beside it.
#[derive(Serialize)]
struct Out<'a> {
    #[serde(flatten)]
    report: &'a ModelFit,
    unit_days: Option<TimeUnit>,
    time_scale: TimeScale,
    observation_end: Option<Date>,
}

/// The metadata fields of a file (absent in old files).
#[derive(Deserialize)]
struct Meta {
    #[serde(default)]
    unit_days: Option<TimeUnit>,
    #[serde(default)]
    time_scale: Option<TimeScale>,
    #[serde(default)]
    observation_end: Option<Date>,
}

fn invalid(reason: String) -> Error {
    Error::InvalidValue {
        what: "fit file",
        reason,
    }
}

impl FitFile {
    /// A fit file for `report`, fitted on data in `unit` (`None` when the
    /// unit is not known, as for discrete-time data without one).
    pub fn new(report: ModelFit, unit: Option<TimeUnit>) -> FitFile {
        FitFile {
            params: report.params(),
            report: Some(report),
            covariates: None,
            unit,
            observation_end: None,
        }
    }

    /// A fit file for a Pareto/NBD fit with static covariates, fitted on
    /// data in `unit`.
    ///
    /// # Example
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::file::FitFile;
    /// use customer_value::btyd::{CovariateDesign, CustomerHistory, ParetoNbdCovariates};
    /// use customer_value::TimeUnit;
    ///
    /// let mut population = Vec::new();
    /// let mut z = Vec::new();
    /// for i in 0..400_u64 {
    ///     let female = (i % 2) as f64;
    ///     let x = if female == 1.0 { (i % 7) as u32 + 1 } else { (i % 3) as u32 };
    ///     let t_x = if x == 0 { 0.0 } else { 10.0 + (i % 25) as f64 };
    ///     population.push(CustomerHistory::new(CustomerId::new(i), x, t_x, 40.0)?);
    ///     z.push(vec![female]);
    /// }
    /// let design = CovariateDesign::new(vec!["female".into()], z, vec![], vec![vec![]; 400])?;
    /// let fit = ParetoNbdCovariates::new().fit(&population, &design)?;
    /// let file = FitFile::from_pareto_nbd_covariates(&fit, Some(TimeUnit::WEEK));
    /// let back = FitFile::from_json(&file.to_json()?)?;
    /// assert_eq!(back, file);
    /// // a woman's plain Pareto/NBD parameters
    /// let woman = back.customer_params(&[1.0], &[])?;
    /// let want = fit.params().customer_params(&[1.0], &[])?;
    /// assert_eq!(woman.purchase_model().unwrap().name(), "Pareto/NBD");
    /// assert_eq!(woman, customer_value::btyd::file::ModelParams::ParetoNbd(want));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_pareto_nbd_covariates(
        fit: &CovariatesFit<ParetoNbdCovariatesParams>,
        unit: Option<TimeUnit>,
    ) -> FitFile {
        let p = fit.params();
        FitFile {
            params: ModelParams::ParetoNbd(p.baseline().expect("validated when the fit was built")),
            report: None,
            covariates: Some(CovariateEffects::new(
                fit,
                (p.trans_names(), p.gamma_trans()),
                (p.life_names(), p.gamma_life()),
            )),
            unit,
            observation_end: None,
        }
    }

    /// A fit file for a BG/NBD fit with static covariates, fitted on data
    /// in `unit`.
    pub fn from_bg_nbd_covariates(
        fit: &CovariatesFit<BgNbdCovariatesParams>,
        unit: Option<TimeUnit>,
    ) -> FitFile {
        let p = fit.params();
        FitFile {
            params: ModelParams::BgNbd(p.baseline().expect("validated when the fit was built")),
            report: None,
            covariates: Some(CovariateEffects::new(
                fit,
                (p.trans_names(), p.gamma_trans()),
                (p.life_names(), p.gamma_life()),
            )),
            unit,
            observation_end: None,
        }
    }

    /// A fit file for a Gamma-Gamma fit with static spend covariates (the
    /// spend covariates are written as `trans_names`, `gamma_trans`).
    pub fn from_gamma_gamma_covariates(
        fit: &CovariatesFit<GammaGammaCovariatesParams>,
        unit: Option<TimeUnit>,
    ) -> FitFile {
        let p = fit.params();
        FitFile {
            params: ModelParams::GammaGamma(
                p.baseline().expect("validated when the fit was built"),
            ),
            report: None,
            covariates: Some(CovariateEffects::new(
                fit,
                (p.names(), p.delta()),
                (&[], &[]),
            )),
            unit,
            observation_end: None,
        }
    }

    /// The covariate part of a covariate fit; `None` for a plain fit.
    pub fn covariates(&self) -> Option<&CovariateEffects> {
        self.covariates.as_ref()
    }

    /// The plain model's parameters for a customer with covariates
    /// `z_trans` (Gamma-Gamma: the spend covariates) and `z_life`, in the
    /// order of [`CovariateEffects::trans_names`] and
    /// [`CovariateEffects::life_names`]; for a plain fit (no covariates)
    /// both must be empty and the result is [`params`](Self::params).
    ///
    /// # Errors
    /// [`Error::InvalidValue`] for vectors of the wrong length or
    /// non-finite values; [`Error::InvalidParameter`] when a parameter
    /// over- or underflows.
    pub fn customer_params(&self, z_trans: &[f64], z_life: &[f64]) -> Result<ModelParams> {
        let (gt, gl): (&[f64], &[f64]) = match &self.covariates {
            Some(c) => (&c.gamma_trans, &c.gamma_life),
            None => (&[], &[]),
        };
        let (et, el) = covariates::predictors(gt, z_trans, gl, z_life)?;
        let Some(shifts) = shifts(&self.params).filter(|_| self.covariates.is_some()) else {
            return Ok(self.params);
        };
        Ok(match self.params {
            ModelParams::ParetoNbd(p) => {
                let v = shifts.apply(&[p.r(), p.alpha(), p.s(), p.beta()], et, el);
                ModelParams::ParetoNbd(ParetoNbdParams::new(v[0], v[1], v[2], v[3])?)
            }
            ModelParams::BgNbd(p) => {
                let v = shifts.apply(&[p.r(), p.alpha(), p.a(), p.b()], et, el);
                ModelParams::BgNbd(BgNbdParams::new(v[0], v[1], v[2], v[3])?)
            }
            ModelParams::GammaGamma(p) => {
                let v = shifts.apply(&[p.p(), p.q(), p.gamma()], et, el);
                ModelParams::GammaGamma(GammaGammaParams::new(v[0], v[1], v[2])?)
            }
            other => other,
        })
    }

    /// A fit file of parameters alone (no fit report), for parameters
    /// fitted elsewhere.
    pub fn from_params(params: ModelParams, unit: Option<TimeUnit>) -> FitFile {
        FitFile {
            params,
            report: None,
            covariates: None,
            unit,
            observation_end: None,
        }
    }

    /// States the unit of a file that does not record one (written before
    /// units were recorded); a file that records the same unit is
    /// unchanged.
    ///
    /// # Errors
    /// [`Error::UnitMismatch`] naming both units when the file records
    /// another unit.
    pub fn with_unit(mut self, unit: TimeUnit) -> Result<FitFile> {
        match self.unit {
            Some(own) if own != unit => Err(Error::UnitMismatch {
                what: "the fit file".into(),
                unit: own,
                other: "the unit stated for it".into(),
                other_unit: unit,
            }),
            _ => {
                self.unit = Some(unit);
                Ok(self)
            }
        }
    }

    /// Records the observation end of the data the model was fitted on.
    pub fn with_observation_end(mut self, end: Date) -> FitFile {
        self.observation_end = Some(end);
        self
    }

    /// The fitted parameters.
    pub fn params(&self) -> &ModelParams {
        &self.params
    }

    /// The whole fit report; `None` for a file of the first layout, which
    /// kept parameters only, or one made by [`FitFile::from_params`].
    pub fn report(&self) -> Option<&ModelFit> {
        self.report.as_ref()
    }

    /// The continuous-time purchase model to predict with, if the file
    /// holds one: [`ModelFit::purchase_model`] of the report (a GGom/NBD
    /// fit on its Pareto/NBD boundary is that Pareto/NBD), else the
    /// parameters' [`ModelParams::purchase_model`].
    pub fn purchase_model(&self) -> Option<PurchaseModel> {
        match &self.report {
            Some(report) => report.purchase_model(),
            None => self.params.purchase_model(),
        }
    }

    /// The unit of the data the model was fitted on, if known.
    pub fn unit(&self) -> Option<TimeUnit> {
        self.unit
    }

    /// How the model measures time.
    pub fn time_scale(&self) -> TimeScale {
        self.params.time_scale()
    }

    /// The calibration end of the data the model was fitted on, if known.
    pub fn observation_end(&self) -> Option<Date> {
        self.observation_end
    }

    /// How data measured in `data_unit` can be used with this model.
    ///
    /// # Errors
    /// [`Error::UnitMismatch`] naming both units when the model is a
    /// discrete-time one fitted in another unit: whole opportunities or
    /// periods of one length cannot be converted to another.
    pub fn check_unit(&self, data_unit: TimeUnit) -> Result<UnitUse> {
        match (self.time_scale(), self.unit) {
            (TimeScale::None, _) => Ok(UnitUse::AsIs),
            (_, None) => Ok(UnitUse::Assumed),
            (_, Some(unit)) if unit == data_unit => Ok(UnitUse::AsIs),
            (TimeScale::Continuous, Some(unit)) => Ok(UnitUse::Convert {
                from: data_unit,
                to: unit,
            }),
            (_, Some(unit)) => Err(Error::UnitMismatch {
                what: format!("the {} fit", self.params.name()),
                unit,
                other: "the data".into(),
                other_unit: data_unit,
            }),
        }
    }

    /// The file as pretty-printed JSON.
    ///
    /// # Errors
    /// [`Error::InvalidValue`] if serialisation fails (it does not for the
    /// values this type holds), or for a file without a report: parameters
    /// alone are written in the first layout's shape only by older
    /// versions.
    pub fn to_json(&self) -> Result<String> {
        if let (None, Some(covariates)) = (&self.report, &self.covariates) {
            let mut params =
                serde_json::to_value(self.params).map_err(|e| invalid(e.to_string()))?;
            if let serde_json::Value::Object(map) = &mut params {
                map.remove("model");
            }
            return serde_json::to_string_pretty(&CovariateOut {
                model: self.params.tag(),
                params,
                unit_days: self.unit,
                time_scale: self.time_scale(),
                observation_end: self.observation_end,
                covariates,
            })
            .map_err(|e| invalid(e.to_string()));
        }
        let report = self
            .report
            .as_ref()
            .ok_or_else(|| invalid("a fit file without a fit report cannot be written".into()))?;
        serde_json::to_string_pretty(&Out {
            unit_days: self.unit,
            time_scale: self.time_scale(),
            observation_end: self.observation_end,
            report,
        })
        .map_err(|e| invalid(e.to_string()))
    }

    /// Writes [`to_json`](Self::to_json) and a line end to `writer`.
    ///
    /// # Errors
    /// As [`to_json`](Self::to_json); [`Error::Io`] (empty path) when
    /// `writer` fails.
    pub fn write<W: Write>(&self, mut writer: W) -> Result<()> {
        let json = self.to_json()?;
        writeln!(writer, "{json}").map_err(|e| Error::io("write", "", e))
    }

    /// Reads a fit file from JSON text, in any of the three layouts (see
    /// the [module documentation](self)).
    ///
    /// # Errors
    /// [`Error::InvalidValue`] naming what is wrong: text that is not JSON,
    /// an unknown model, parameters or a report that do not validate, a
    /// `time_scale` that is not the model's.
    pub fn from_json(text: &str) -> Result<FitFile> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let meta = Meta::deserialize(&value).map_err(|e| invalid(e.to_string()))?;
        // A report carries its log-likelihood; "params" (or the first
        // layout's "parameters") without one are parameters alone, e.g.
        // published estimates written by hand.
        let has_report = value.get("log_likelihood").is_some();
        let (params, report) = if value.get("params").is_some() && has_report {
            let report = ModelFit::deserialize(&value).map_err(|e| invalid(e.to_string()))?;
            (report.params(), Some(report))
        } else if let Some(parameters) = value.get("params").or_else(|| value.get("parameters")) {
            // The parameters apart from their tag.
            let mut tagged = parameters.clone();
            match (&mut tagged, value.get("model")) {
                (serde_json::Value::Object(map), Some(model)) => {
                    map.insert("model".into(), model.clone());
                }
                _ => {
                    return Err(invalid(
                        "\"params\" must be an object beside a \"model\"".into(),
                    ));
                }
            }
            let params = ModelParams::deserialize(&tagged).map_err(|e| invalid(e.to_string()))?;
            (params, None)
        } else {
            return Err(invalid(
                "no \"params\" (nor \"parameters\", as older files wrote them)".into(),
            ));
        };
        if let Some(scale) = meta.time_scale {
            if scale != params.time_scale() {
                return Err(invalid(format!(
                    "time_scale {scale:?} is not the {} model's {:?}",
                    params.name(),
                    params.time_scale()
                )));
            }
        }
        let covariates = match value.get("covariates") {
            None | Some(serde_json::Value::Null) => None,
            Some(c) => {
                let c = CovariateEffects::deserialize(c)
                    .map_err(|e| invalid(format!("\"covariates\": {e}")))?;
                c.check(&params)?;
                Some(c)
            }
        };
        Ok(FitFile {
            params,
            report,
            covariates,
            unit: meta.unit_days,
            observation_end: meta.observation_end,
        })
    }

    /// [`from_json`](Self::from_json) of everything `reader` gives.
    ///
    /// # Errors
    /// As [`from_json`](Self::from_json); [`Error::Io`] (empty path) when
    /// the reader fails.
    pub fn read<R: Read>(mut reader: R) -> Result<FitFile> {
        let mut text = String::new();
        reader
            .read_to_string(&mut text)
            .map_err(|e| Error::io("read", "", e))?;
        FitFile::from_json(&text)
    }

    /// [`from_json`](Self::from_json) of a file.
    ///
    /// # Errors
    /// [`Error::Io`] with the path when the file cannot be read; as
    /// [`from_json`](Self::from_json) otherwise.
    pub fn read_path(path: impl AsRef<Path>) -> Result<FitFile> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
        FitFile::from_json(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btyd::{BgNbd, CustomerHistory, GammaGamma, SpendHistory};
    use crate::model::CustomerId;
    use rust_decimal::Decimal;

    fn bgnbd_fit() -> BgNbdFit {
        let histories: Vec<CustomerHistory> = (0..60u32)
            .map(|i| {
                CustomerHistory::new(
                    CustomerId::new(u64::from(i)),
                    i % 5,
                    f64::from(i % 5) * 5.5,
                    31.0,
                )
            })
            .collect::<Result<_>>()
            .unwrap();
        BgNbd::new().fit_detailed(&histories).unwrap()
    }

    #[test]
    fn round_trip_keeps_report_and_metadata() {
        let file = FitFile::new(ModelFit::BgNbd(bgnbd_fit()), Some(TimeUnit::WEEK))
            .with_observation_end(Date::parse("1997-09-30").unwrap());
        let json = file.to_json().unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["model"], "bg_nbd");
        assert_eq!(value["unit_days"], 7);
        assert_eq!(value["time_scale"], "continuous");
        assert_eq!(value["observation_end"], "1997-09-30");
        assert!(value["params"]["alpha"].is_number());
        assert_eq!(FitFile::from_json(&json).unwrap(), file);
    }

    #[test]
    fn old_layouts_still_read() {
        let fit = bgnbd_fit();
        let p = *fit.params();
        // Files written before the metadata: the report with its tag.
        let mut value = serde_json::to_value(&fit).unwrap();
        value["model"] = "bg_nbd".into();
        let file = FitFile::from_json(&value.to_string()).unwrap();
        assert_eq!(file.params(), &ModelParams::BgNbd(p));
        assert_eq!(file.report(), Some(&ModelFit::BgNbd(fit)));
        assert_eq!(file.unit(), None);
        assert_eq!(file.check_unit(TimeUnit::DAY).unwrap(), UnitUse::Assumed);
        // The first layout: "parameters" without their tag.
        let old = format!(
            r#"{{"model":"bg_nbd","parameters":{{"r":{},"alpha":{},"a":{},"b":{}}},"standard_errors":null,"log_likelihood":-1.0,"iterations":3,"customers":10.0,"rows":4}}"#,
            p.r(),
            p.alpha(),
            p.a(),
            p.b()
        );
        let file = FitFile::from_json(&old).unwrap();
        assert_eq!(file.params(), &ModelParams::BgNbd(p));
        assert_eq!(file.report(), None);
        assert!(FitFile::from_json(r#"{"model":"bg_nbd"}"#).is_err());
        assert!(FitFile::from_json(r#"{"model":"nope","parameters":{"r":1}}"#).is_err());
        // Parameters alone, written by hand.
        let hand = FitFile::from_json(
            r#"{"model": "bg_nbd", "params": {"r": 1.0, "alpha": 2.0, "a": 2.0, "b": 3.0}}"#,
        )
        .unwrap();
        assert!(hand.report().is_none());
        assert_eq!(hand.params().name(), "BG/NBD");
        assert!(
            FitFile::from_json(
                r#"{"model": "bg_nbd", "params": {"r": 1.0, "alpha": -2.0, "a": 2.0, "b": 3.0}}"#
            )
            .is_err()
        );
    }

    #[test]
    fn ggom_nbd_files_read_and_predict_with_ggom_nbd() {
        let hand = FitFile::from_json(
            r#"{"model": "ggom_nbd", "unit_days": 7, "params": {"r": 0.55, "alpha": 10.6, "b": 0.05, "s": 0.6, "beta": 0.6}}"#,
        )
        .unwrap();
        let p = crate::btyd::GgomNbdParams::new(0.55, 10.6, 0.05, 0.6, 0.6).unwrap();
        assert_eq!(hand.params(), &ModelParams::GgomNbd(p));
        assert_eq!(hand.params().tag(), "ggom_nbd");
        assert_eq!(hand.params().name(), "GGom/NBD");
        assert_eq!(hand.time_scale(), TimeScale::Continuous);
        assert_eq!(hand.purchase_model(), Some(PurchaseModel::GgomNbd(p)));
        assert_eq!(
            hand.check_unit(TimeUnit::DAY).unwrap(),
            UnitUse::Convert {
                from: TimeUnit::DAY,
                to: TimeUnit::WEEK
            }
        );
        // Parameters are validated on the way in.
        let bad = FitFile::from_json(
            r#"{"model": "ggom_nbd", "params": {"r": 0.55, "alpha": 10.6, "b": 0.0, "s": 0.6, "beta": 0.6}}"#,
        );
        assert!(bad.is_err());
        let wrong_scale = FitFile::from_json(
            r#"{"model": "ggom_nbd", "time_scale": "discrete", "params": {"r": 0.55, "alpha": 10.6, "b": 0.05, "s": 0.6, "beta": 0.6}}"#,
        );
        assert!(wrong_scale.is_err());
    }

    #[test]
    fn units_convert_or_refuse_naming_both() {
        let spend: Vec<SpendHistory> = [(1u32, 20i64), (2, 35), (3, 18), (1, 60), (4, 25), (2, 41)]
            .iter()
            .enumerate()
            .map(|(i, &(x, z))| SpendHistory::new(CustomerId::new(i as u64), x, Decimal::new(z, 0)))
            .collect::<Result<_>>()
            .unwrap();
        if let Ok(gg) = GammaGamma::new().fit_detailed(&spend) {
            let file = FitFile::new(ModelFit::GammaGamma(gg), Some(TimeUnit::WEEK));
            assert_eq!(file.time_scale(), TimeScale::None);
            assert_eq!(file.check_unit(TimeUnit::DAY).unwrap(), UnitUse::AsIs);
        }
        let discrete = FitFile::from_params(
            ModelParams::BgBb(BgBbParams::new(1.2, 0.75, 0.66, 2.78).unwrap()),
            Some(TimeUnit::days(365).unwrap()),
        );
        let err = discrete.check_unit(TimeUnit::DAY).unwrap_err();
        assert!(matches!(err, Error::UnitMismatch { .. }));
        let message = err.to_string();
        assert!(
            message.contains("periods of 365 days") && message.contains("in days"),
            "{message}"
        );
    }

    #[test]
    fn covariate_fits_round_trip_and_give_customer_params() {
        use crate::btyd::{BgNbdCovariates, CovariateDesign};
        let histories: Vec<CustomerHistory> = (0..200u32)
            .map(|i| {
                let x = if i % 2 == 1 { i % 7 + 1 } else { i % 3 };
                let t_x = if x == 0 { 0.0 } else { 8.0 + f64::from(i % 20) };
                CustomerHistory::new(CustomerId::new(u64::from(i)), x, t_x, 31.0)
            })
            .collect::<Result<_>>()
            .unwrap();
        let z: Vec<Vec<f64>> = (0..200).map(|i| vec![f64::from(i % 2)]).collect();
        let design =
            CovariateDesign::new(vec!["web".into()], z, vec![], vec![vec![]; 200]).unwrap();
        let fit = BgNbdCovariates::new().fit(&histories, &design).unwrap();
        let file = FitFile::from_bg_nbd_covariates(&fit, Some(TimeUnit::WEEK))
            .with_observation_end(Date::parse("1997-09-30").unwrap());
        let json = file.to_json().unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["model"], "bg_nbd");
        assert!(value.get("log_likelihood").is_none());
        assert_eq!(value["covariates"]["trans_names"][0], "web");
        let back = FitFile::from_json(&json).unwrap();
        assert_eq!(back, file);
        assert_eq!(back.report(), None);
        let want = fit.params().customer_params(&[1.0], &[]).unwrap();
        assert_eq!(
            back.customer_params(&[1.0], &[]).unwrap(),
            ModelParams::BgNbd(want)
        );
        assert_eq!(back.customer_params(&[0.0], &[]).unwrap(), *back.params());
        assert!(matches!(
            back.customer_params(&[], &[]),
            Err(Error::InvalidValue { .. })
        ));
        // a plain file takes no covariates
        let plain = FitFile::new(ModelFit::BgNbd(bgnbd_fit()), None);
        assert_eq!(plain.customer_params(&[], &[]).unwrap(), *plain.params());
        assert!(plain.customer_params(&[1.0], &[]).is_err());
        // covariates on a model without a parametrisation, or mismatched
        let mut sbg = value.clone();
        sbg["model"] = "sbg".into();
        sbg["time_scale"] = "discrete".into();
        sbg["params"] = serde_json::json!({"alpha": 1.0, "beta": 2.0});
        assert!(FitFile::from_json(&sbg.to_string()).is_err());
        let mut short = value.clone();
        short["covariates"]["gamma_trans"] = serde_json::json!([]);
        assert!(FitFile::from_json(&short.to_string()).is_err());
    }
}
