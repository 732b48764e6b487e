//! Pareto/NBD, BG/NBD and Gamma-Gamma with time-invariant ("static")
//! covariates.
//!
//! # Pareto/NBD
//!
//! Each customer `i` carries two covariate vectors: `z_trans,i` for the
//! purchase process and `z_life,i` for the lifetime (dropout) process. The
//! gamma heterogeneity of the purchase rate `λ` and the dropout rate `μ`
//! keeps its shapes `r` and `s`, shared by everyone, but its scales move
//! with the covariates (Bachmann, Meierer & Näf 2021, *CLVTools*; the
//! proportional-hazards form of Gupta 1991 applied to the Pareto/NBD of
//! Schmittlein, Morrison & Colombo 1987):
//!
//! ```text
//! α_i = α·exp(−γ_trans · z_trans,i)      β_i = β·exp(−γ_life · z_life,i)
//! E[λ_i] = r/α_i = (r/α)·exp(γ_trans · z_trans,i)
//! E[μ_i] = s/β_i = (s/β)·exp(γ_life · z_life,i)
//! ```
//!
//! so a positive `γ_trans,k` raises the expected purchase rate by the factor
//! `exp(γ_trans,k)` per unit of the covariate, and a positive `γ_life,k`
//! raises the expected dropout rate (shortens lifetimes). This is CLVTools'
//! sign convention (`pnbd_staticcov_alpha_i`, `pnbd_staticcov_beta_i`).
//! Customer `i`'s likelihood is the plain Pareto/NBD likelihood of
//! `(x, t_x, T)` at `(r, α_i, s, β_i)`
//! ([`ParetoNbdParams::log_likelihood`]); the fit maximises their sum.
//!
//! Options, as in CLVTools:
//!
//! - **constraints** ([`ParetoNbdCovariates::constrain`], CLVTools'
//!   `names.cov.constr`): a covariate present in both processes gets one
//!   coefficient, `γ_trans,k = γ_life,k`;
//! - **L2 penalty** ([`ParetoNbdCovariates::l2`], CLVTools'
//!   `reg.lambdas`): the fit minimises
//!   `−ℓ/n + λ_trans·‖γ_trans‖² + λ_life·‖γ_life‖²` (`n` customers;
//!   constrained coefficients are not penalised), i.e. the penalty is on
//!   the scale of the average log-likelihood.
//!
//! # BG/NBD
//!
//! [`BgNbdCovariates`], in CLVTools' parametrisation (`bgnbd_staticcov_alpha_i`,
//! `bgnbd_staticcov_a_i`, `bgnbd_staticcov_b_i` in its `src/bgnbd.cpp`) of
//! the BG/NBD of Fader, Hardie & Lee (2005, "Counting your customers the
//! easy way"):
//!
//! ```text
//! α_i = α·exp(−γ_trans · z_trans,i)
//! a_i = a·exp(γ_life · z_life,i)        b_i = b·exp(γ_life · z_life,i)
//! E[λ_i] = (r/α)·exp(γ_trans · z_trans,i)
//! E[p_i] = a_i/(a_i + b_i) = a/(a + b)            (unchanged)
//! a_i + b_i = (a + b)·exp(γ_life · z_life,i)
//! ```
//!
//! The purchase process reads as the Pareto/NBD's. In the lifetime process
//! both beta shapes scale together, so the covariates leave the mean
//! dropout probability per purchase where it is and move its concentration:
//! a positive `γ_life,k` narrows the spread of the customers' dropout
//! probabilities around the same mean. When the data favour a degenerate
//! spread for some group, `a_i, b_i → ∞` along a ridge and the fit reports
//! [`Error::NotConverged`] or very large standard errors (CLVTools'
//! apparel data with `Gender` and `Channel` in both processes do this:
//! `a` and `b` reach about 10⁵ and 10⁶ with standard errors 2,500 times
//! larger, `ℓ` creeping up towards its supremum). Customer
//! `i`'s likelihood is the plain BG/NBD likelihood
//! ([`BgNbdParams::log_likelihood`]) at `(r, α_i, a_i, b_i)`; constraints
//! and the L2 penalty are as above; names are `r, alpha, a, b, life.*,
//! trans.*, constr.*` (CLVTools' order).
//!
//! # Gamma-Gamma
//!
//! [`GammaGammaCovariates`]: CLVTools has no covariates for the spend
//! model, so the parametrisation is ours, in the same proportional form.
//! The Gamma-Gamma of Colombo & Jiang (1999) and Fader, Hardie & Lee
//! (2005, "RFM and CLV") has transaction values `z_ij | ν_i ~ Gamma(p,
//! rate ν_i)` and `ν_i ~ Gamma(q, rate γ)`. With spend covariates `z_i`
//! the rate of `ν` moves:
//!
//! ```text
//! γ_i = γ·exp(δ · z_i)
//! E[z_ij | z_i] = p·γ_i/(q − 1) = (p·γ/(q − 1))·exp(δ · z_i)      (q > 1)
//! ℓ_i = lnΓ(p·x + q) − lnΓ(p·x) − lnΓ(q) + q·ln γ_i + (p·x − 1)·ln z̄
//!       + p·x·ln x − (p·x + q)·ln(γ_i + x·z̄)
//! E[z | x, z̄, z_i] = p·(γ_i + x·z̄)/(p·x + q − 1)
//! ```
//!
//! (`ℓ_i` is the density of the mean `z̄` of the `x` repeat transactions;
//! the last line is the conditional expected spend of
//! [`GammaGammaParams::expected_spend`] at `γ_i`.) So a positive `δ_k`
//! raises the expected spend per transaction of every customer by the
//! factor `exp(δ_k)` per unit of the covariate, and the shapes `p`, `q`
//! (how spend varies within and across customers) are shared. `γ` carries
//! the money unit; `δ` does not depend on it. Only repeat buyers (`x ≥ 1`)
//! have a spend likelihood, as in the plain fit. The spend covariates are
//! a design's purchase-process columns ([`CovariateTable::spend_design`]),
//! named `spend.*`; the L2 option penalises `‖δ‖²` on the average
//! log-likelihood's scale.
//!
//! # Conventions
//!
//! Time is in the unit of the histories (`t_x`, `T`; weeks in CLVTools'
//! walkthrough); `α` and `β` carry that unit, the coefficients `γ` carry
//! the inverse unit of their covariate and do not depend on the time unit.
//! Covariates are used as given, neither centred nor scaled: `α`, `β`,
//! `a`, `b` and the spend model's `γ` are the values of a customer whose
//! covariates are all 0. Centre or scale a covariate yourself if its zero
//! is far from the data; a constant covariate is confounded with the
//! model's own parameter and is rejected.
//!
//! # Fitting
//!
//! One engine for the three models: quasi-Newton (BFGS with a
//! backtracking line search) in `θ = (log of the model's own parameters,
//! γ_life, γ_trans, γ_constr)`, started at the plain model's fit with all
//! coefficients 0. The gradient is analytic: the chain rule through the
//! plain model's gradient in its log-parameters; a coefficient moving the
//! log-parameters `ln θ_k` with signs `s_k` has
//! `∂ℓ_i/∂γ = z_i · Σ_k s_k·∂ℓ_i/∂ln θ_k` (Pareto/NBD:
//! `∂ℓ_i/∂γ_trans = −z_trans,i · ∂ℓ_i/∂ln α_i`; BG/NBD:
//! `∂ℓ_i/∂γ_life = z_life,i · (∂ℓ_i/∂ln a_i + ∂ℓ_i/∂ln b_i)`;
//! Gamma-Gamma: `∂ℓ_i/∂δ = z_i · ∂ℓ_i/∂ln γ_i`). Customers with identical
//! data and covariates are evaluated once. Standard errors come from the
//! inverse of a central-difference Hessian of the analytic gradient (delta
//! method for the model's own parameters).
//!
//! # Time-varying covariates (design note, not built)
//!
//! With covariates that change by period, CLVTools' dynamic-covariate
//! Pareto/NBD (Bachmann, Meierer & Näf 2021) replaces `α_i·t` by
//! `Σ_periods exp(γ·z_{i,p})·(length of p within (0, t])` in the purchase
//! process and the same sums for the lifetime process; the likelihood then
//! needs the period walks of each customer, not only `(x, t_x, T)`. That
//! needs a per-customer period table as input and is left for later.
//!
//! # Example
//!
//! ```
//! use customer_value::CustomerId;
//! use customer_value::btyd::{CovariateDesign, CustomerHistory, ParetoNbdCovariates};
//!
//! let mut population = Vec::new();
//! let mut z = Vec::new();
//! for i in 0..400_u64 {
//!     let female = (i % 2) as f64;
//!     // women buy more often in this toy data
//!     let x = if female == 1.0 { (i % 7) as u32 + 1 } else { (i % 3) as u32 };
//!     let t_x = if x == 0 { 0.0 } else { 10.0 + (i % 25) as f64 };
//!     population.push(CustomerHistory::new(CustomerId::new(i), x, t_x, 40.0)?);
//!     z.push(vec![female]);
//! }
//! let design = CovariateDesign::new(vec!["female".into()], z.clone(), vec!["female".into()], z)?;
//! let fit = ParetoNbdCovariates::new().fit(&population, &design)?;
//! assert!(fit.params().gamma_trans()[0] > 0.0); // women buy more
//! // per-customer Pareto/NBD parameters for predictions
//! let woman = fit.params().customer_params(&[1.0], &[1.0])?;
//! let man = fit.params().customer_params(&[0.0], &[0.0])?;
//! assert!(woman.alpha() < man.alpha()); // alpha_i = alpha * exp(-gamma_trans * z)
//! assert_eq!(fit.names(), ["r", "alpha", "s", "beta", "life.female", "trans.female"]);
//! # Ok::<(), customer_value::Error>(())
//! ```

use std::collections::HashMap;

use super::gamma_gamma;
use super::input::Row as SpendRow;
use super::math::{dlgamma, dpsi, expit, lse};
use super::{
    BgNbd, BgNbdParams, CustomerHistory, GammaGamma, GammaGammaParams, ParetoNbd, ParetoNbdParams,
    SpendHistory,
};
use crate::{CustomerId, Error, Result};

/// Covariate values keyed by customer, with named columns (for example
/// read from a CSV file with [`from_csv`](Self::from_csv)).
#[derive(Debug, Clone, PartialEq)]
pub struct CovariateTable {
    columns: Vec<String>,
    rows: HashMap<CustomerId, Vec<f64>>,
}

impl CovariateTable {
    /// An empty table with these column names.
    pub fn new(columns: Vec<String>) -> Self {
        Self {
            columns,
            rows: HashMap::new(),
        }
    }

    /// Adds one customer's values, in column order.
    ///
    /// # Errors
    ///
    /// [`Error::Duplicate`] for a customer already present;
    /// [`Error::InvalidValue`] for a wrong number of values or a value that
    /// is not finite (NaN, infinite).
    pub fn insert(&mut self, customer: CustomerId, values: Vec<f64>) -> Result<()> {
        if values.len() != self.columns.len() {
            return Err(Error::InvalidValue {
                what: "covariate row",
                reason: format!(
                    "customer {}: {} values for {} columns",
                    customer.get(),
                    values.len(),
                    self.columns.len()
                ),
            });
        }
        if let Some((k, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(Error::InvalidValue {
                what: "covariate",
                reason: format!(
                    "customer {}, column {}: {v} is not a finite number",
                    customer.get(),
                    self.columns[k]
                ),
            });
        }
        if self.rows.insert(customer, values).is_some() {
            return Err(Error::Duplicate {
                what: "customer",
                key: customer.get().to_string(),
            });
        }
        Ok(())
    }

    /// Reads a comma-separated table with a header line: the column
    /// `id_column` holds the numeric customer id, every other column a
    /// number.
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] for a malformed line, a missing id column or a
    /// value that is not a number; the errors of [`insert`](Self::insert).
    pub fn from_csv(text: &str, id_column: &str) -> Result<Self> {
        let parse = |line: usize, column: usize, reason: String| Error::Parse {
            line: line as u64,
            column: column.to_string(),
            reason,
        };
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let (_, header) = lines
            .next()
            .ok_or_else(|| parse(1, 1, "no header line".into()))?;
        let names: Vec<String> = header
            .split(',')
            .map(|h| h.trim().trim_matches('"').to_string())
            .collect();
        let id_at = names
            .iter()
            .position(|n| n == id_column)
            .ok_or_else(|| parse(1, 1, format!("no column {id_column:?}")))?;
        let columns: Vec<String> = names
            .iter()
            .enumerate()
            .filter(|&(k, _)| k != id_at)
            .map(|(_, n)| n.clone())
            .collect();
        let mut table = Self::new(columns);
        for (i, line) in lines {
            let fields: Vec<&str> = line
                .split(',')
                .map(|f| f.trim().trim_matches('"'))
                .collect();
            if fields.len() != names.len() {
                return Err(parse(
                    i + 1,
                    1,
                    format!("{} fields, header has {}", fields.len(), names.len()),
                ));
            }
            let id: u64 = fields[id_at]
                .parse()
                .map_err(|_| parse(i + 1, id_at + 1, format!("customer id {:?}", fields[id_at])))?;
            let mut values = Vec::with_capacity(names.len() - 1);
            for (k, f) in fields.iter().enumerate() {
                if k == id_at {
                    continue;
                }
                let v: f64 = f
                    .parse()
                    .map_err(|_| parse(i + 1, k + 1, format!("not a number: {f:?}")))?;
                values.push(v);
            }
            table.insert(CustomerId::new(id), values)?;
        }
        Ok(table)
    }

    /// The column names.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The customers' rows for `population`, in its order, as a design with
    /// the `trans` columns for the purchase process and the `life` columns
    /// for the lifetime process.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] for an unknown column or a customer of the
    /// population without a row (never silently dropped or zero-filled).
    pub fn design(
        &self,
        population: &[CustomerHistory],
        trans: &[&str],
        life: &[&str],
    ) -> Result<CovariateDesign> {
        self.design_for(population.iter().map(|h| h.customer()), trans, life)
    }

    /// The customers' rows for a Gamma-Gamma `population`, in its order, as
    /// a design with the `spend` columns for the spend process (stored as
    /// the design's purchase-process columns; no lifetime columns), for
    /// [`GammaGammaCovariates`].
    ///
    /// # Errors
    ///
    /// As [`design`](Self::design).
    pub fn spend_design(
        &self,
        population: &[SpendHistory],
        spend: &[&str],
    ) -> Result<CovariateDesign> {
        self.design_for(population.iter().map(|s| s.customer()), spend, &[])
    }

    fn design_for(
        &self,
        customers: impl Iterator<Item = CustomerId>,
        trans: &[&str],
        life: &[&str],
    ) -> Result<CovariateDesign> {
        let index = |name: &str| {
            self.columns
                .iter()
                .position(|c| c == name)
                .ok_or_else(|| Error::InvalidValue {
                    what: "covariate column",
                    reason: format!("{name:?} is not in the table ({:?})", self.columns),
                })
        };
        let ti: Vec<usize> = trans.iter().map(|n| index(n)).collect::<Result<_>>()?;
        let li: Vec<usize> = life.iter().map(|n| index(n)).collect::<Result<_>>()?;
        let mut zt = Vec::new();
        let mut zl = Vec::new();
        for customer in customers {
            let row = self
                .rows
                .get(&customer)
                .ok_or_else(|| Error::InvalidValue {
                    what: "covariates",
                    reason: format!("customer {} has no covariate row", customer.get()),
                })?;
            zt.push(ti.iter().map(|&k| row[k]).collect());
            zl.push(li.iter().map(|&k| row[k]).collect());
        }
        CovariateDesign::new(
            trans.iter().map(|s| s.to_string()).collect(),
            zt,
            life.iter().map(|s| s.to_string()).collect(),
            zl,
        )
    }

    /// One customer's covariate values for the named columns, in their
    /// order (for per-customer predictions with
    /// [`ParetoNbdCovariatesParams::customer_params`] and its siblings).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] for an unknown column or a customer without
    /// a row.
    pub fn values(&self, customer: CustomerId, columns: &[String]) -> Result<Vec<f64>> {
        let row = self
            .rows
            .get(&customer)
            .ok_or_else(|| Error::InvalidValue {
                what: "covariates",
                reason: format!("customer {} has no covariate row", customer.get()),
            })?;
        columns
            .iter()
            .map(|name| {
                self.columns
                    .iter()
                    .position(|c| c == name)
                    .map(|k| row[k])
                    .ok_or_else(|| Error::InvalidValue {
                        what: "covariate column",
                        reason: format!("{name:?} is not in the table ({:?})", self.columns),
                    })
            })
            .collect()
    }
}

/// The covariates of a population, row `i` belonging to the population's
/// customer `i`: `z_trans` for the purchase process and `z_life` for the
/// lifetime process.
#[derive(Debug, Clone, PartialEq)]
pub struct CovariateDesign {
    trans_names: Vec<String>,
    life_names: Vec<String>,
    trans: Vec<Vec<f64>>,
    life: Vec<Vec<f64>>,
}

impl CovariateDesign {
    /// A design from per-customer rows.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when the two processes have different
    /// numbers of rows, a row has the wrong length, a value is not finite,
    /// or a name repeats within a process.
    pub fn new(
        trans_names: Vec<String>,
        trans: Vec<Vec<f64>>,
        life_names: Vec<String>,
        life: Vec<Vec<f64>>,
    ) -> Result<Self> {
        let bad = |reason: String| Error::InvalidValue {
            what: "covariate design",
            reason,
        };
        if trans.len() != life.len() {
            return Err(bad(format!(
                "{} purchase rows but {} lifetime rows",
                trans.len(),
                life.len()
            )));
        }
        for (names, rows, which) in [
            (&trans_names, &trans, "purchase"),
            (&life_names, &life, "lifetime"),
        ] {
            for (k, n) in names.iter().enumerate() {
                if names[..k].contains(n) {
                    return Err(bad(format!("{which} covariate {n:?} named twice")));
                }
            }
            for (i, row) in rows.iter().enumerate() {
                if row.len() != names.len() {
                    return Err(bad(format!(
                        "{which} row {i} has {} values for {} names",
                        row.len(),
                        names.len()
                    )));
                }
                if let Some(k) = row.iter().position(|v| !v.is_finite()) {
                    return Err(bad(format!(
                        "{which} row {i}, covariate {:?}: {} is not a finite number",
                        names[k], row[k]
                    )));
                }
            }
        }
        Ok(Self {
            trans_names,
            life_names,
            trans,
            life,
        })
    }

    /// The purchase-process covariate names.
    pub fn trans_names(&self) -> &[String] {
        &self.trans_names
    }

    /// The lifetime-process covariate names.
    pub fn life_names(&self) -> &[String] {
        &self.life_names
    }

    /// Number of rows (customers).
    pub fn len(&self) -> usize {
        self.trans.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.trans.is_empty()
    }
}

/// How the covariates move a model's log-parameters: each `(k, sign)` adds
/// `sign·γ·z` to the `k`-th log-parameter. One table per model, used by
/// the fit, by `customer_params` and by fit files, so the parametrisation
/// is written once.
#[derive(Debug)]
pub(crate) struct Shifts {
    trans: &'static [(usize, f64)],
    life: &'static [(usize, f64)],
}

/// Pareto/NBD `(r, α, s, β)`: `α_i = α·e^(−γ_trans·z)`, `β_i = β·e^(−γ_life·z)`.
pub(crate) const PARETO_NBD: Shifts = Shifts {
    trans: &[(1, -1.0)],
    life: &[(3, -1.0)],
};
/// BG/NBD `(r, α, a, b)`: `α_i = α·e^(−γ_trans·z)`, `a_i = a·e^(γ_life·z)`,
/// `b_i = b·e^(γ_life·z)`.
pub(crate) const BG_NBD: Shifts = Shifts {
    trans: &[(1, -1.0)],
    life: &[(2, 1.0), (3, 1.0)],
};
/// Gamma-Gamma `(p, q, γ)`: `γ_i = γ·e^(δ·z)`.
pub(crate) const GAMMA_GAMMA: Shifts = Shifts {
    trans: &[(2, 1.0)],
    life: &[],
};

impl Shifts {
    /// The natural parameters at `base` (natural) moved by the linear
    /// predictors `et = γ_trans·z_trans`, `el = γ_life·z_life`.
    /// (Multiplied, not through the logarithm, so covariates 0 give the
    /// baseline exactly.)
    pub(crate) fn apply(&self, base: &[f64], et: f64, el: f64) -> Vec<f64> {
        let mut v = base.to_vec();
        for &(k, sign) in self.trans {
            v[k] *= (sign * et).exp();
        }
        for &(k, sign) in self.life {
            v[k] *= (sign * el).exp();
        }
        v
    }
}

/// `γ_trans·z_trans` and `γ_life·z_life`, after checking the lengths and
/// that the values are finite.
pub(crate) fn predictors(
    gamma_trans: &[f64],
    z_trans: &[f64],
    gamma_life: &[f64],
    z_life: &[f64],
) -> Result<(f64, f64)> {
    if z_trans.len() != gamma_trans.len()
        || z_life.len() != gamma_life.len()
        || z_trans.iter().chain(z_life).any(|v| !v.is_finite())
    {
        return Err(Error::InvalidValue {
            what: "customer covariates",
            reason: format!(
                "{} purchase (or spend) and {} lifetime finite values needed, got {} and {}",
                gamma_trans.len(),
                gamma_life.len(),
                z_trans.len(),
                z_life.len()
            ),
        });
    }
    Ok((dot(gamma_trans, z_trans), dot(gamma_life, z_life)))
}

fn check_coefficients(names: &[String], gammas: &[f64]) -> Result<()> {
    if names.len() != gammas.len() || gammas.iter().any(|g| !g.is_finite()) {
        return Err(Error::InvalidValue {
            what: "covariate coefficients",
            reason: "one finite coefficient per name needed".into(),
        });
    }
    Ok(())
}

/// Fitted Pareto/NBD with static covariates: `r, α, s, β` and the
/// coefficients (a constrained covariate's coefficient appears in both
/// processes).
#[derive(Debug, Clone, PartialEq)]
pub struct ParetoNbdCovariatesParams {
    r: f64,
    alpha: f64,
    s: f64,
    beta: f64,
    trans_names: Vec<String>,
    gamma_trans: Vec<f64>,
    life_names: Vec<String>,
    gamma_life: Vec<f64>,
}

impl ParetoNbdCovariatesParams {
    /// Parameters from their values.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `r, α, s, β` are not positive and
    /// finite; [`Error::InvalidValue`] when names and coefficients differ in
    /// length or a coefficient is not finite.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        r: f64,
        alpha: f64,
        s: f64,
        beta: f64,
        trans_names: Vec<String>,
        gamma_trans: Vec<f64>,
        life_names: Vec<String>,
        gamma_life: Vec<f64>,
    ) -> Result<Self> {
        ParetoNbdParams::new(r, alpha, s, beta)?;
        check_coefficients(&trans_names, &gamma_trans)?;
        check_coefficients(&life_names, &gamma_life)?;
        Ok(Self {
            r,
            alpha,
            s,
            beta,
            trans_names,
            gamma_trans,
            life_names,
            gamma_life,
        })
    }

    /// Shape of the purchase-rate gamma.
    pub fn r(&self) -> f64 {
        self.r
    }
    /// Scale of the purchase-rate gamma at covariates 0.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    /// Shape of the dropout-rate gamma.
    pub fn s(&self) -> f64 {
        self.s
    }
    /// Scale of the dropout-rate gamma at covariates 0.
    pub fn beta(&self) -> f64 {
        self.beta
    }
    /// Purchase-process covariate names.
    pub fn trans_names(&self) -> &[String] {
        &self.trans_names
    }
    /// Purchase-process coefficients `γ_trans`.
    pub fn gamma_trans(&self) -> &[f64] {
        &self.gamma_trans
    }
    /// Lifetime-process covariate names.
    pub fn life_names(&self) -> &[String] {
        &self.life_names
    }
    /// Lifetime-process coefficients `γ_life`.
    pub fn gamma_life(&self) -> &[f64] {
        &self.gamma_life
    }

    /// The plain Pareto/NBD parameters at covariates 0, `(r, α, s, β)`.
    ///
    /// # Errors
    ///
    /// None in practice (the values were validated); typed as the
    /// constructor.
    pub fn baseline(&self) -> Result<ParetoNbdParams> {
        ParetoNbdParams::new(self.r, self.alpha, self.s, self.beta)
    }

    /// The plain Pareto/NBD parameters `(r, α_i, s, β_i)` of a customer with
    /// covariates `z_trans`, `z_life` (in the order of the names), for
    /// every prediction of [`ParetoNbdParams`] (P(alive), expected
    /// purchases, DERT, ...).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] for vectors of the wrong length or non-finite
    /// values; [`Error::InvalidParameter`] when `α_i` or `β_i` over- or
    /// underflows.
    pub fn customer_params(&self, z_trans: &[f64], z_life: &[f64]) -> Result<ParetoNbdParams> {
        let (et, el) = predictors(&self.gamma_trans, z_trans, &self.gamma_life, z_life)?;
        let p = PARETO_NBD.apply(&[self.r, self.alpha, self.s, self.beta], et, el);
        ParetoNbdParams::new(p[0], p[1], p[2], p[3])
    }
}

/// Fitted BG/NBD with static covariates: `r, α, a, b` (the values at
/// covariates 0) and the coefficients.
#[derive(Debug, Clone, PartialEq)]
pub struct BgNbdCovariatesParams {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
    trans_names: Vec<String>,
    gamma_trans: Vec<f64>,
    life_names: Vec<String>,
    gamma_life: Vec<f64>,
}

impl BgNbdCovariatesParams {
    /// Parameters from their values.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `r, α, a, b` are not positive and
    /// finite; [`Error::InvalidValue`] when names and coefficients differ in
    /// length or a coefficient is not finite.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        r: f64,
        alpha: f64,
        a: f64,
        b: f64,
        trans_names: Vec<String>,
        gamma_trans: Vec<f64>,
        life_names: Vec<String>,
        gamma_life: Vec<f64>,
    ) -> Result<Self> {
        BgNbdParams::new(r, alpha, a, b)?;
        check_coefficients(&trans_names, &gamma_trans)?;
        check_coefficients(&life_names, &gamma_life)?;
        Ok(Self {
            r,
            alpha,
            a,
            b,
            trans_names,
            gamma_trans,
            life_names,
            gamma_life,
        })
    }

    /// Shape of the purchase-rate gamma.
    pub fn r(&self) -> f64 {
        self.r
    }
    /// Scale of the purchase-rate gamma at covariates 0.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    /// First shape of the dropout-probability beta at covariates 0.
    pub fn a(&self) -> f64 {
        self.a
    }
    /// Second shape of the dropout-probability beta at covariates 0.
    pub fn b(&self) -> f64 {
        self.b
    }
    /// Purchase-process covariate names.
    pub fn trans_names(&self) -> &[String] {
        &self.trans_names
    }
    /// Purchase-process coefficients `γ_trans`.
    pub fn gamma_trans(&self) -> &[f64] {
        &self.gamma_trans
    }
    /// Lifetime-process covariate names.
    pub fn life_names(&self) -> &[String] {
        &self.life_names
    }
    /// Lifetime-process coefficients `γ_life`.
    pub fn gamma_life(&self) -> &[f64] {
        &self.gamma_life
    }

    /// The plain BG/NBD parameters at covariates 0, `(r, α, a, b)`.
    ///
    /// # Errors
    ///
    /// None in practice (the values were validated); typed as the
    /// constructor.
    pub fn baseline(&self) -> Result<BgNbdParams> {
        BgNbdParams::new(self.r, self.alpha, self.a, self.b)
    }

    /// The plain BG/NBD parameters `(r, α_i, a_i, b_i)` of a customer with
    /// covariates `z_trans`, `z_life`, for every prediction of
    /// [`BgNbdParams`]: `α_i = α·e^(−γ_trans·z_trans)`,
    /// `a_i = a·e^(γ_life·z_life)`, `b_i = b·e^(γ_life·z_life)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] for vectors of the wrong length or non-finite
    /// values; [`Error::InvalidParameter`] when a parameter over- or
    /// underflows.
    pub fn customer_params(&self, z_trans: &[f64], z_life: &[f64]) -> Result<BgNbdParams> {
        let (et, el) = predictors(&self.gamma_trans, z_trans, &self.gamma_life, z_life)?;
        let p = BG_NBD.apply(&[self.r, self.alpha, self.a, self.b], et, el);
        BgNbdParams::new(p[0], p[1], p[2], p[3])
    }
}

/// Fitted Gamma-Gamma with static spend covariates: `p, q, γ` (`γ` at
/// covariates 0) and the coefficients `δ`.
#[derive(Debug, Clone, PartialEq)]
pub struct GammaGammaCovariatesParams {
    p: f64,
    q: f64,
    gamma: f64,
    names: Vec<String>,
    delta: Vec<f64>,
}

impl GammaGammaCovariatesParams {
    /// Parameters from their values.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `p, q, γ` are not positive and
    /// finite; [`Error::InvalidValue`] when names and coefficients differ in
    /// length or a coefficient is not finite.
    pub fn new(p: f64, q: f64, gamma: f64, names: Vec<String>, delta: Vec<f64>) -> Result<Self> {
        GammaGammaParams::new(p, q, gamma)?;
        check_coefficients(&names, &delta)?;
        Ok(Self {
            p,
            q,
            gamma,
            names,
            delta,
        })
    }

    /// Shape of one transaction's value.
    pub fn p(&self) -> f64 {
        self.p
    }
    /// Shape of the rate `ν` across customers.
    pub fn q(&self) -> f64 {
        self.q
    }
    /// Rate of `ν` across customers at covariates 0 (money unit).
    pub fn gamma(&self) -> f64 {
        self.gamma
    }
    /// Spend covariate names.
    pub fn names(&self) -> &[String] {
        &self.names
    }
    /// Spend coefficients `δ`.
    pub fn delta(&self) -> &[f64] {
        &self.delta
    }

    /// The plain Gamma-Gamma parameters at covariates 0, `(p, q, γ)`.
    ///
    /// # Errors
    ///
    /// None in practice (the values were validated); typed as the
    /// constructor.
    pub fn baseline(&self) -> Result<GammaGammaParams> {
        GammaGammaParams::new(self.p, self.q, self.gamma)
    }

    /// The plain Gamma-Gamma parameters `(p, q, γ_i)` of a customer with
    /// spend covariates `z`, `γ_i = γ·e^(δ·z)`, for every prediction of
    /// [`GammaGammaParams`] (expected spend, CLV).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] for a vector of the wrong length or
    /// non-finite values; [`Error::InvalidParameter`] when `γ_i` over- or
    /// underflows.
    pub fn customer_params(&self, z: &[f64]) -> Result<GammaGammaParams> {
        let (et, _) = predictors(&self.delta, z, &[], &[])?;
        let v = GAMMA_GAMMA.apply(&[self.p, self.q, self.gamma], et, 0.0);
        GammaGammaParams::new(v[0], v[1], v[2])
    }
}

/// A finished covariate fit: parameters `P`, their standard errors, the
/// log-likelihood and how the optimiser stopped. The same for the three
/// models ([`ParetoNbdCovariatesFit`], [`BgNbdCovariatesFit`],
/// [`GammaGammaCovariatesFit`]).
#[derive(Debug, Clone, PartialEq)]
pub struct CovariatesFit<P> {
    params: P,
    names: Vec<String>,
    estimates: Vec<f64>,
    std_errors: Option<Vec<f64>>,
    covariance: Option<Vec<Vec<f64>>>,
    log_likelihood: f64,
    iterations: usize,
    converged: bool,
    customers: usize,
}

/// A Pareto/NBD covariate fit.
pub type ParetoNbdCovariatesFit = CovariatesFit<ParetoNbdCovariatesParams>;
/// A BG/NBD covariate fit.
pub type BgNbdCovariatesFit = CovariatesFit<BgNbdCovariatesParams>;
/// A Gamma-Gamma spend-covariate fit.
pub type GammaGammaCovariatesFit = CovariatesFit<GammaGammaCovariatesParams>;

impl<P> CovariatesFit<P> {
    /// The fitted parameters.
    pub fn params(&self) -> &P {
        &self.params
    }
    /// Names of the estimated parameters, CLVTools style: the model's own
    /// (`r`, `alpha`, `s`, `beta`; `r`, `alpha`, `a`, `b`; `p`, `q`,
    /// `gamma`), then `life.NAME`..., `trans.NAME`... (`spend.NAME` for
    /// Gamma-Gamma), `constr.NAME`...
    pub fn names(&self) -> &[String] {
        &self.names
    }
    /// The estimates, in the order of [`names`](Self::names).
    pub fn estimates(&self) -> &[f64] {
        &self.estimates
    }
    /// Standard errors in the order of [`names`](Self::names); `None` when
    /// the Hessian is not positive definite (a covariate the data do not
    /// identify).
    pub fn std_errors(&self) -> Option<&[f64]> {
        self.std_errors.as_deref()
    }
    /// Covariance matrix of [`estimates`](Self::estimates) (delta method
    /// for the model's own positive parameters).
    pub fn covariance(&self) -> Option<&[Vec<f64>]> {
        self.covariance.as_deref()
    }
    /// The (unpenalised) log-likelihood at the estimates.
    pub fn log_likelihood(&self) -> f64 {
        self.log_likelihood
    }
    /// Optimiser iterations.
    pub fn iterations(&self) -> usize {
        self.iterations
    }
    /// Whether the stop rule (small gradient) was met; an unconverged fit
    /// is only returned when asked for (`keep_unconverged`).
    pub fn converged(&self) -> bool {
        self.converged
    }
    /// Number of customers fitted (Gamma-Gamma: repeat buyers, the only
    /// customers with a spend likelihood).
    pub fn customers(&self) -> usize {
        self.customers
    }
    /// AIC `2k − 2ℓ`.
    pub fn aic(&self) -> f64 {
        2.0 * self.estimates.len() as f64 - 2.0 * self.log_likelihood
    }

    fn from_fitted(params: P, f: Fitted) -> Self {
        Self {
            params,
            names: f.names,
            estimates: f.estimates,
            std_errors: f.std_errors,
            covariance: f.covariance,
            log_likelihood: f.log_likelihood,
            iterations: f.iterations,
            converged: f.converged,
            customers: f.customers,
        }
    }
}

/// Fit options shared by the three fitters.
#[derive(Debug, Clone, PartialEq)]
struct Options {
    constrained: Vec<String>,
    lambda_trans: f64,
    lambda_life: f64,
    max_iterations: usize,
    keep_unconverged: bool,
}

impl Options {
    fn new() -> Self {
        Self {
            constrained: Vec::new(),
            lambda_trans: 0.0,
            lambda_life: 0.0,
            max_iterations: 1000,
            keep_unconverged: false,
        }
    }
}

fn check_lambda(name: &'static str, v: f64) -> Result<f64> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(Error::InvalidParameter {
            name,
            value: v.to_string(),
            reason: "must be finite and non-negative",
        })
    }
}

/// The builder methods of the two-process fitters.
macro_rules! two_process_options {
    ($fit:ident) => {
        /// Covariates with one coefficient for both processes (CLVTools'
        /// `names.cov.constr`); each must be in both processes' columns.
        pub fn constrain<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
            self.options.constrained = names.into_iter().map(Into::into).collect();
            self
        }

        /// L2 penalty weights (CLVTools' `reg.lambdas`): the objective becomes
        /// `−ℓ/n + λ_trans‖γ_trans‖² + λ_life‖γ_life‖²`.
        ///
        /// # Errors
        ///
        /// [`Error::InvalidParameter`] for a negative or non-finite weight.
        pub fn l2(mut self, lambda_trans: f64, lambda_life: f64) -> Result<Self> {
            self.options.lambda_trans = check_lambda("lambda_trans", lambda_trans)?;
            self.options.lambda_life = check_lambda("lambda_life", lambda_life)?;
            Ok(self)
        }

        /// Iteration cap of the optimiser.
        pub fn max_iterations(mut self, n: usize) -> Self {
            self.options.max_iterations = n;
            self
        }

        /// Return an unconverged fit (with
        #[doc = concat!("[`converged`](", stringify!($fit), "::converged)")]
        /// false) instead of an error.
        pub fn keep_unconverged(mut self, keep: bool) -> Self {
            self.options.keep_unconverged = keep;
            self
        }
    };
}

/// The fitter of the Pareto/NBD with static covariates (see the
/// [module documentation](crate::btyd::covariates) for the model and options).
#[derive(Debug, Clone, PartialEq)]
pub struct ParetoNbdCovariates {
    options: Options,
}

impl Default for ParetoNbdCovariates {
    fn default() -> Self {
        Self::new()
    }
}

impl ParetoNbdCovariates {
    /// No constraints, no penalty, at most 1,000 iterations.
    pub fn new() -> Self {
        Self {
            options: Options::new(),
        }
    }

    two_process_options!(ParetoNbdCovariatesFit);

    /// Fits the model to `population` with `design` (row `i` for customer
    /// `i`).
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] for no customers; [`Error::InvalidValue`] when
    /// the design's rows do not match the population or a constrained name
    /// is not in both processes; [`Error::NotIdentified`] for a constant
    /// covariate or covariates that are collinear within a process (also
    /// with the constant); the plain fit's errors (for example no repeat
    /// purchase at all); [`Error::NotConverged`] when the optimiser stops
    /// early (unless [`keep_unconverged`](Self::keep_unconverged)).
    pub fn fit(
        &self,
        population: &[CustomerHistory],
        design: &CovariateDesign,
    ) -> Result<ParetoNbdCovariatesFit> {
        fit_purchase_model(
            &PARETO_ENGINE,
            &self.options,
            population,
            design,
            |p| {
                let p = ParetoNbd::new().fit_detailed(p)?;
                let p = p.params();
                Ok(vec![p.r(), p.alpha(), p.s(), p.beta()])
            },
            ParetoNbdCovariatesParams::new,
        )
    }
}

/// The fitter of the BG/NBD with static covariates (see the
/// [module documentation](crate::btyd::covariates#bgnbd) for the model).
///
/// # Example
///
/// ```
/// use customer_value::CustomerId;
/// use customer_value::btyd::{BgNbdCovariates, CovariateDesign, CustomerHistory};
///
/// let mut population = Vec::new();
/// let mut z = Vec::new();
/// for i in 0..400_u64 {
///     let web = (i % 2) as f64;
///     // web customers buy more often in this toy data
///     let x = if web == 1.0 { (i % 7) as u32 + 1 } else { (i % 3) as u32 };
///     let t_x = if x == 0 { 0.0 } else { 10.0 + (i % 25) as f64 };
///     population.push(CustomerHistory::new(CustomerId::new(i), x, t_x, 40.0)?);
///     z.push(vec![web]);
/// }
/// let design = CovariateDesign::new(vec!["web".into()], z, vec![], vec![vec![]; 400])?;
/// let fit = BgNbdCovariates::new().fit(&population, &design)?;
/// assert_eq!(fit.names(), ["r", "alpha", "a", "b", "trans.web"]);
/// assert!(fit.params().gamma_trans()[0] > 0.0); // web customers buy more
/// let web = fit.params().customer_params(&[1.0], &[])?;
/// assert!(web.alpha() < fit.params().alpha()); // alpha_i = alpha * exp(-gamma_trans * z)
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BgNbdCovariates {
    options: Options,
}

impl Default for BgNbdCovariates {
    fn default() -> Self {
        Self::new()
    }
}

impl BgNbdCovariates {
    /// No constraints, no penalty, at most 1,000 iterations.
    pub fn new() -> Self {
        Self {
            options: Options::new(),
        }
    }

    two_process_options!(BgNbdCovariatesFit);

    /// Fits the model to `population` with `design` (row `i` for customer
    /// `i`), started at the plain BG/NBD fit with all coefficients 0.
    ///
    /// # Errors
    ///
    /// As [`ParetoNbdCovariates::fit`], with the plain BG/NBD fit's errors.
    pub fn fit(
        &self,
        population: &[CustomerHistory],
        design: &CovariateDesign,
    ) -> Result<BgNbdCovariatesFit> {
        fit_purchase_model(
            &BGNBD_ENGINE,
            &self.options,
            population,
            design,
            |p| {
                let p = BgNbd::new().fit_detailed(p)?;
                let p = p.params();
                Ok(vec![p.r(), p.alpha(), p.a(), p.b()])
            },
            BgNbdCovariatesParams::new,
        )
    }
}

/// The fitter of the Gamma-Gamma spend model with static covariates (see
/// the [module documentation](crate::btyd::covariates#gamma-gamma) for the
/// parametrisation, ours: CLVTools has none).
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Decimal};
/// use customer_value::btyd::{CovariateDesign, GammaGammaCovariates, SpendHistory};
///
/// let mut spend = Vec::new();
/// let mut z = Vec::new();
/// for i in 0..300_u32 {
///     let premium = f64::from(i % 2);
///     // premium customers spend about twice as much in this toy data
///     let zbar = Decimal::from((10 + i % 13) * if i % 2 == 1 { 2 } else { 1 });
///     spend.push(SpendHistory::new(CustomerId::new(u64::from(i)), 1 + i % 5, zbar)?);
///     z.push(vec![premium]);
/// }
/// let design = CovariateDesign::new(vec!["premium".into()], z, vec![], vec![vec![]; 300])?;
/// let fit = GammaGammaCovariates::new().fit(&spend, &design)?;
/// assert_eq!(fit.names(), ["p", "q", "gamma", "spend.premium"]);
/// let delta = fit.params().delta()[0];
/// assert!((delta - 2f64.ln()).abs() < 0.2); // mean spend scales by exp(delta)
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GammaGammaCovariates {
    options: Options,
}

impl Default for GammaGammaCovariates {
    fn default() -> Self {
        Self::new()
    }
}

impl GammaGammaCovariates {
    /// No penalty, at most 1,000 iterations.
    pub fn new() -> Self {
        Self {
            options: Options::new(),
        }
    }

    /// L2 penalty weight on the spend coefficients: the objective becomes
    /// `−ℓ/n + λ‖δ‖²` (`n` repeat buyers).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a negative or non-finite weight.
    pub fn l2(mut self, lambda: f64) -> Result<Self> {
        self.options.lambda_trans = check_lambda("lambda", lambda)?;
        Ok(self)
    }

    /// Iteration cap of the optimiser.
    pub fn max_iterations(mut self, n: usize) -> Self {
        self.options.max_iterations = n;
        self
    }

    /// Return an unconverged fit (with
    /// [`converged`](GammaGammaCovariatesFit::converged) false) instead of
    /// an error.
    pub fn keep_unconverged(mut self, keep: bool) -> Self {
        self.options.keep_unconverged = keep;
        self
    }

    /// Fits the model to the repeat buyers (`x ≥ 1`) of `population` with
    /// `design` (row `i` for customer `i`; the spend covariates are the
    /// design's purchase-process columns, see
    /// [`CovariateTable::spend_design`]). Customers without a repeat
    /// purchase carry no spend likelihood and are left out, as in the plain
    /// fit. Started at the plain Gamma-Gamma fit with `δ = 0`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when the design's rows do not match the
    /// population or it has lifetime columns; [`Error::EmptyInput`] for no
    /// repeat buyer; [`Error::NotIdentified`] for a constant or collinear
    /// covariate among the repeat buyers; the plain fit's errors;
    /// [`Error::NotConverged`] when the optimiser stops early (unless
    /// [`keep_unconverged`](Self::keep_unconverged)).
    pub fn fit(
        &self,
        population: &[SpendHistory],
        design: &CovariateDesign,
    ) -> Result<GammaGammaCovariatesFit> {
        let model = &GG_ENGINE;
        if design.len() != population.len() {
            return Err(Error::InvalidValue {
                what: "covariate design",
                reason: format!("{} rows for {} customers", design.len(), population.len()),
            });
        }
        if !design.life_names.is_empty() {
            return Err(Error::InvalidValue {
                what: "covariate design",
                reason: "Gamma-Gamma has one process: give the spend covariates as the purchase-process (trans) columns, no lifetime columns".into(),
            });
        }
        let keep: Vec<usize> = (0..population.len())
            .filter(|&i| population[i].x() > 0)
            .collect();
        if keep.is_empty() {
            return Err(Error::EmptyInput {
                what: model.what,
                needs: "repeat buyer (x >= 1)",
            });
        }
        let repeat = CovariateDesign {
            trans_names: design.trans_names.clone(),
            life_names: Vec::new(),
            trans: keep.iter().map(|&i| design.trans[i].clone()).collect(),
            life: vec![Vec::new(); keep.len()],
        };
        let keyed: Vec<((u32, f64), [u64; 3])> = keep
            .iter()
            .map(|&i| {
                let s = &population[i];
                let o = (s.x(), s.zbar_f64());
                (o, [u64::from(o.0), o.1.to_bits(), 0])
            })
            .collect();
        let start = || {
            let p = GammaGamma::new().fit_detailed(population)?;
            let p = p.params();
            Ok(vec![p.p(), p.q(), p.gamma()])
        };
        let f = model.fit(&self.options, &keyed, &repeat, start)?;
        let e = &f.estimates;
        let params = GammaGammaCovariatesParams::new(
            e[0],
            e[1],
            e[2],
            design.trans_names.clone(),
            f.gamma_trans.clone(),
        )?;
        Ok(CovariatesFit::from_fitted(params, f))
    }
}

fn check_population(what: &'static str, n: usize, design: &CovariateDesign) -> Result<()> {
    if n == 0 {
        return Err(Error::EmptyInput {
            what,
            needs: "customer",
        });
    }
    if design.len() != n {
        return Err(Error::InvalidValue {
            what: "covariate design",
            reason: format!("{} rows for {n} customers", design.len()),
        });
    }
    Ok(())
}

fn history_key(h: &CustomerHistory) -> [u64; 3] {
    [u64::from(h.x()), h.t_x().to_bits(), h.age().to_bits()]
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

// ---------------------------------------------------------------------------
// The per-customer likelihoods: ℓ and its gradient in the model's
// log-parameters, at log-parameters `lp`.

/// One customer's log-likelihood and its gradient in the log-parameters.
type Kernel<O> = fn(&[f64], &O, &mut [f64]) -> Option<f64>;

fn pareto_kernel(lp: &[f64], h: &CustomerHistory, g: &mut [f64]) -> Option<f64> {
    let p = ParetoNbdParams::new(lp[0].exp(), lp[1].exp(), lp[2].exp(), lp[3].exp()).ok()?;
    let (ll, d) = p.log_likelihood_and_gradient(h)?;
    g.copy_from_slice(&d);
    Some(ll)
}

/// BG/NBD `ℓ` and gradient of one history (the formulas of
/// [`BgNbdParams::log_likelihood`] and
/// [`BgNbdParams::log_likelihood_gradient`], for one row at a time since
/// every customer has their own parameters).
fn bgnbd_kernel(lp: &[f64], h: &CustomerHistory, g: &mut [f64]) -> Option<f64> {
    let [r, al, a, b] = [lp[0].exp(), lp[1].exp(), lp[2].exp(), lp[3].exp()];
    let xf = f64::from(h.x());
    let rx = r + xf;
    let l_t = (al + h.age()).ln();
    let c = dlgamma(r, xf) + r * lp[1] + dlgamma(b, xf) - dlgamma(a + b, xf);
    let d1 = -rx * l_t;
    let (ll, w2, l_tx) = if h.x() == 0 {
        (c + d1, 0.0, 0.0)
    } else {
        let l_tx = (al + h.t_x()).ln();
        let d2 = lp[2] - (b + (xf - 1.0)).ln() - rx * l_tx;
        (c + lse(d1, d2), expit(d2 - d1), l_tx)
    };
    let w1 = 1.0 - w2;
    let dpab = dpsi(a + b, xf);
    g[0] = r * (dpsi(r, xf) + lp[1] - w1 * l_t - w2 * l_tx);
    g[1] = r - al * rx * (w1 / (al + h.age()) + w2 / (al + h.t_x()));
    g[2] = -a * dpab + w2;
    g[3] = b * (dpsi(b, xf) - dpab)
        - if h.x() == 0 {
            0.0
        } else {
            w2 * b / (b + (xf - 1.0))
        };
    (ll.is_finite() && g.iter().all(|v| v.is_finite())).then_some(ll)
}

fn gamma_gamma_kernel(lp: &[f64], o: &(u32, f64), g: &mut [f64]) -> Option<f64> {
    let row = SpendRow {
        x: o.0,
        a: o.1,
        b: 0.0,
        w: 1.0,
    };
    let mut d = [0.0; 3];
    let f = gamma_gamma::nll_grad(&[row], [lp[0], lp[1], lp[2]], &mut d);
    for (gk, dk) in g.iter_mut().zip(d) {
        *gk = -dk;
    }
    (f.is_finite() && g.iter().all(|v| v.is_finite())).then_some(-f)
}

/// The constructor of a purchase model's covariate parameters: the four
/// baseline values, then the purchase and lifetime names and coefficients.
type PurchaseParamsNew<P> =
    fn(f64, f64, f64, f64, Vec<String>, Vec<f64>, Vec<String>, Vec<f64>) -> Result<P>;

/// The fit of a purchase model (Pareto/NBD, BG/NBD) with covariates: the
/// engine started from the plain model's fit of the same customers
/// (`start`), its estimates made into the model's parameters by `build`.
fn fit_purchase_model<P>(
    engine: &Engine<CustomerHistory>,
    options: &Options,
    population: &[CustomerHistory],
    design: &CovariateDesign,
    start: impl FnOnce(&[CustomerHistory]) -> Result<Vec<f64>>,
    build: PurchaseParamsNew<P>,
) -> Result<CovariatesFit<P>> {
    check_population(engine.what, population.len(), design)?;
    let keyed: Vec<(CustomerHistory, [u64; 3])> =
        population.iter().map(|h| (*h, history_key(h))).collect();
    let f = engine.fit(options, &keyed, design, || start(population))?;
    let e = &f.estimates;
    let params = build(
        e[0],
        e[1],
        e[2],
        e[3],
        design.trans_names.clone(),
        f.gamma_trans.clone(),
        design.life_names.clone(),
        f.gamma_life.clone(),
    )?;
    Ok(CovariatesFit::from_fitted(params, f))
}

// ---------------------------------------------------------------------------
// The shared fit: one engine for the three models.

/// A model with static covariates: its own parameters' names, how the
/// covariates move them, and the per-customer likelihood.
struct Engine<O: 'static> {
    what: &'static str,
    base: &'static [&'static str],
    shifts: &'static Shifts,
    trans_prefix: &'static str,
    kernel: Kernel<O>,
}

const PARETO_ENGINE: Engine<CustomerHistory> = Engine {
    what: "Pareto/NBD with covariates",
    base: &["r", "alpha", "s", "beta"],
    shifts: &PARETO_NBD,
    trans_prefix: "trans",
    kernel: pareto_kernel,
};

const BGNBD_ENGINE: Engine<CustomerHistory> = Engine {
    what: "BG/NBD with covariates",
    base: &["r", "alpha", "a", "b"],
    shifts: &BG_NBD,
    trans_prefix: "trans",
    kernel: bgnbd_kernel,
};

const GG_ENGINE: Engine<(u32, f64)> = Engine {
    what: "Gamma-Gamma with covariates",
    base: &["p", "q", "gamma"],
    shifts: &GAMMA_GAMMA,
    trans_prefix: "spend",
    kernel: gamma_gamma_kernel,
};

/// The outcome of [`Engine::fit`], in natural parameters.
struct Fitted {
    names: Vec<String>,
    estimates: Vec<f64>,
    std_errors: Option<Vec<f64>>,
    covariance: Option<Vec<Vec<f64>>>,
    gamma_trans: Vec<f64>,
    gamma_life: Vec<f64>,
    log_likelihood: f64,
    iterations: usize,
    converged: bool,
    customers: usize,
}

impl<O: Copy + Sync> Engine<O> {
    fn fit(
        &self,
        options: &Options,
        keyed: &[(O, [u64; 3])],
        design: &CovariateDesign,
        start: impl FnOnce() -> Result<Vec<f64>>,
    ) -> Result<Fitted> {
        let nb = self.base.len();
        let layout = Layout::new(self.base, self.trans_prefix, design, &options.constrained)?;
        check_identified(self.what, &design.trans_names, &design.trans)?;
        check_identified(self.what, &design.life_names, &design.life)?;
        let rows = group(keyed, design);
        let n = keyed.len() as f64;

        let mut theta0 = vec![0.0; layout.dim];
        for (t, v) in theta0.iter_mut().zip(start()?) {
            *t = v.ln();
        }
        let pen = Pen {
            trans: options.lambda_trans,
            life: options.lambda_life,
        };
        let objective = |theta: &[f64], grad: &mut [f64]| -> f64 {
            let f = self.nll_grad(&rows, &layout, theta, grad);
            let mut total = f / n;
            for g in grad.iter_mut() {
                *g /= n;
            }
            total += pen.add(&layout, theta, grad);
            total
        };
        let min = bfgs(objective, theta0, options.max_iterations);
        if !min.converged && !options.keep_unconverged {
            return Err(Error::NotConverged {
                what: self.what,
                failure: Box::new(crate::ConvergenceFailure {
                    names: self.base.to_vec(),
                    parameters: min.theta[..nb].iter().map(|t| t.exp()).collect(),
                    log_likelihood: -min.value * n,
                    gradient: min.gradient[..nb].to_vec(),
                    iterations: min.iterations,
                    reason: format!(
                        "{} (all {} parameters in theta: {:?})",
                        min.reason, layout.dim, min.theta
                    ),
                }),
            });
        }
        let theta = min.theta;
        let mut scratch = vec![0.0; layout.dim];
        let log_likelihood = -self.nll_grad(&rows, &layout, &theta, &mut scratch);
        let covariance = covariance(
            |t: &[f64], g: &mut [f64]| {
                let f = self.nll_grad(&rows, &layout, t, g);
                // the penalty's Hessian, in the same total scale
                let mut pg = vec![0.0; g.len()];
                let pf = pen.add(&layout, t, &mut pg);
                for (gi, pi) in g.iter_mut().zip(&pg) {
                    *gi += n * pi;
                }
                f + n * pf
            },
            &theta,
        );
        let natural: Vec<f64> = theta
            .iter()
            .enumerate()
            .map(|(k, &t)| if k < nb { t.exp() } else { t })
            .collect();
        let covariance = covariance.map(|inv| {
            let d: Vec<f64> = (0..layout.dim)
                .map(|k| if k < nb { natural[k] } else { 1.0 })
                .collect();
            (0..layout.dim)
                .map(|i| (0..layout.dim).map(|j| d[i] * d[j] * inv[i][j]).collect())
                .collect::<Vec<Vec<f64>>>()
        });
        let std_errors = covariance
            .as_ref()
            .map(|c| (0..layout.dim).map(|k| c[k][k].sqrt()).collect());
        let (gamma_trans, gamma_life) = layout.gammas(&theta);
        Ok(Fitted {
            names: layout.names.clone(),
            estimates: natural,
            std_errors,
            covariance,
            gamma_trans,
            gamma_life,
            log_likelihood,
            iterations: min.iterations,
            converged: min.converged,
            customers: keyed.len(),
        })
    }

    /// `−ℓ(θ)` and its gradient (overwriting `grad`); `+∞` where a
    /// customer's likelihood cannot be evaluated, so the line search backs
    /// off. Split over threads for large populations.
    fn nll_grad(
        &self,
        rows: &[CovRow<O>],
        layout: &Layout,
        theta: &[f64],
        grad: &mut [f64],
    ) -> f64 {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(8);
        if threads <= 1 || rows.len() < 4096 {
            return self.nll_part(rows, layout, theta, grad);
        }
        let chunk = rows.len().div_ceil(threads);
        let parts: Vec<(f64, Vec<f64>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = rows
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        let mut g = vec![0.0; theta.len()];
                        let f = self.nll_part(part, layout, theta, &mut g);
                        (f, g)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or((f64::INFINITY, vec![0.0; theta.len()])))
                .collect()
        });
        grad.iter_mut().for_each(|g| *g = 0.0);
        let mut f = 0.0;
        for (pf, pg) in parts {
            f += pf;
            for (g, p) in grad.iter_mut().zip(pg) {
                *g += p;
            }
        }
        f
    }

    /// The chain rule: a coefficient's derivative is
    /// `Σ_(k, sign) sign·z·∂ℓ/∂ln θ_k` over the log-parameters it moves.
    fn nll_part(
        &self,
        rows: &[CovRow<O>],
        layout: &Layout,
        theta: &[f64],
        grad: &mut [f64],
    ) -> f64 {
        grad.iter_mut().for_each(|g| *g = 0.0);
        let nb = self.base.len();
        let (gt, gl) = layout.gammas(theta);
        let mut lp = vec![0.0; nb];
        let mut g = vec![0.0; nb];
        let mut f = 0.0;
        for row in rows {
            let et = dot(&gt, &row.z_trans);
            let el = dot(&gl, &row.z_life);
            lp.copy_from_slice(&theta[..nb]);
            for &(k, sign) in self.shifts.trans {
                lp[k] += sign * et;
            }
            for &(k, sign) in self.shifts.life {
                lp[k] += sign * el;
            }
            let Some(ll) = (self.kernel)(&lp, &row.obs, &mut g) else {
                return f64::INFINITY;
            };
            let w = row.weight;
            f -= w * ll;
            for k in 0..nb {
                grad[k] -= w * g[k];
            }
            let dt: f64 = self.shifts.trans.iter().map(|&(k, s)| s * g[k]).sum();
            let dl: f64 = self.shifts.life.iter().map(|&(k, s)| s * g[k]).sum();
            for (z, &at) in row.z_trans.iter().zip(&layout.trans_at) {
                grad[at] -= w * dt * z;
            }
            for (z, &at) in row.z_life.iter().zip(&layout.life_at) {
                grad[at] -= w * dl * z;
            }
        }
        f
    }
}

/// Where each process's coefficient sits in `θ`.
#[derive(Debug)]
struct Layout {
    dim: usize,
    names: Vec<String>,
    trans_at: Vec<usize>,
    life_at: Vec<usize>,
    /// Whether θ[k] is a free (penalised) purchase / lifetime coefficient.
    free_trans: Vec<usize>,
    free_life: Vec<usize>,
}

impl Layout {
    fn new(
        base: &[&str],
        trans_prefix: &str,
        design: &CovariateDesign,
        constrained: &[String],
    ) -> Result<Self> {
        for c in constrained {
            if !design.trans_names.contains(c) || !design.life_names.contains(c) {
                return Err(Error::InvalidValue {
                    what: "covariate constraint",
                    reason: format!("{c:?} must be a covariate of both processes"),
                });
            }
        }
        let mut names: Vec<String> = base.iter().map(|s| s.to_string()).collect();
        let mut life_at = vec![0; design.life_names.len()];
        let mut trans_at = vec![0; design.trans_names.len()];
        let mut free_life = Vec::new();
        let mut free_trans = Vec::new();
        for (k, n) in design.life_names.iter().enumerate() {
            if !constrained.contains(n) {
                life_at[k] = names.len();
                free_life.push(names.len());
                names.push(format!("life.{n}"));
            }
        }
        for (k, n) in design.trans_names.iter().enumerate() {
            if !constrained.contains(n) {
                trans_at[k] = names.len();
                free_trans.push(names.len());
                names.push(format!("{trans_prefix}.{n}"));
            }
        }
        for c in constrained {
            let at = names.len();
            names.push(format!("constr.{c}"));
            for (k, n) in design.life_names.iter().enumerate() {
                if n == c {
                    life_at[k] = at;
                }
            }
            for (k, n) in design.trans_names.iter().enumerate() {
                if n == c {
                    trans_at[k] = at;
                }
            }
        }
        Ok(Self {
            dim: names.len(),
            names,
            trans_at,
            life_at,
            free_trans,
            free_life,
        })
    }

    fn gammas(&self, theta: &[f64]) -> (Vec<f64>, Vec<f64>) {
        (
            self.trans_at.iter().map(|&k| theta[k]).collect(),
            self.life_at.iter().map(|&k| theta[k]).collect(),
        )
    }
}

#[derive(Clone, Copy)]
struct Pen {
    trans: f64,
    life: f64,
}

impl Pen {
    /// Adds the penalty's gradient to `grad`, returns its value.
    fn add(&self, layout: &Layout, theta: &[f64], grad: &mut [f64]) -> f64 {
        let mut f = 0.0;
        for (set, lambda) in [
            (&layout.free_trans, self.trans),
            (&layout.free_life, self.life),
        ] {
            if lambda > 0.0 {
                for &k in set {
                    f += lambda * theta[k] * theta[k];
                    grad[k] += 2.0 * lambda * theta[k];
                }
            }
        }
        f
    }
}

/// A constant covariate, or covariates collinear with each other or the
/// constant, cannot be told apart from `α` / `β`: reject them.
#[allow(clippy::needless_range_loop)] // index loops read as the matrix formulas
fn check_identified(what: &'static str, names: &[String], rows: &[Vec<f64>]) -> Result<()> {
    let k = names.len();
    if k == 0 || rows.is_empty() {
        return Ok(());
    }
    let n = rows.len() as f64;
    let mean: Vec<f64> = (0..k)
        .map(|j| rows.iter().map(|r| r[j]).sum::<f64>() / n)
        .collect();
    // Gram matrix of the centred, unit-scaled columns: a correlation matrix.
    let sd: Vec<f64> = (0..k)
        .map(|j| (rows.iter().map(|r| (r[j] - mean[j]).powi(2)).sum::<f64>() / n).sqrt())
        .collect();
    for j in 0..k {
        let scale = mean[j].abs().max(1.0);
        if sd[j] <= 1e-12 * scale {
            return Err(Error::NotIdentified {
                what,
                reason: format!("covariate {:?} is constant", names[j]),
            });
        }
    }
    let mut c = vec![vec![0.0; k]; k];
    for r in rows {
        for i in 0..k {
            let zi = (r[i] - mean[i]) / sd[i];
            for j in 0..=i {
                c[i][j] += zi * (r[j] - mean[j]) / sd[j] / n;
            }
        }
    }
    // Cholesky; a pivot near zero means a linear dependence.
    for j in 0..k {
        let mut d = c[j][j];
        for m in 0..j {
            d -= c[j][m] * c[j][m];
        }
        if d <= 1e-10 {
            return Err(Error::NotIdentified {
                what,
                reason: format!(
                    "covariate {:?} is a linear combination of the others and the constant",
                    names[j]
                ),
            });
        }
        let d = d.sqrt();
        c[j][j] = d;
        for i in j + 1..k {
            let mut v = c[i][j];
            for m in 0..j {
                v -= c[i][m] * c[j][m];
            }
            c[i][j] = v / d;
        }
    }
    Ok(())
}

/// A distinct `(observation, z_trans, z_life)` and how many customers
/// have it.
struct CovRow<O> {
    obs: O,
    z_trans: Vec<f64>,
    z_life: Vec<f64>,
    weight: f64,
}

/// Groups bit-identical observations (by their key) with bit-identical
/// covariates.
fn group<O: Copy>(keyed: &[(O, [u64; 3])], design: &CovariateDesign) -> Vec<CovRow<O>> {
    let mut at: HashMap<Vec<u64>, usize> = HashMap::new();
    let mut rows: Vec<CovRow<O>> = Vec::new();
    for (i, (obs, k)) in keyed.iter().enumerate() {
        let mut key = k.to_vec();
        key.extend(design.trans[i].iter().map(|v| v.to_bits()));
        key.push(u64::MAX);
        key.extend(design.life[i].iter().map(|v| v.to_bits()));
        match at.get(&key) {
            Some(&k) => rows[k].weight += 1.0,
            None => {
                at.insert(key, rows.len());
                rows.push(CovRow {
                    obs: *obs,
                    z_trans: design.trans[i].clone(),
                    z_life: design.life[i].clone(),
                    weight: 1.0,
                });
            }
        }
    }
    rows
}

struct Minimum {
    theta: Vec<f64>,
    value: f64,
    gradient: Vec<f64>,
    iterations: usize,
    converged: bool,
    reason: String,
}

/// BFGS on the inverse Hessian with a backtracking (Armijo) line search;
/// converged when `max |∂f/∂θ| ≤ 1e-7·max(|f|, 1)` (on the average
/// log-likelihood scale), or when two successive steps change `f` by less
/// than `1e-14·max(|f|, 1)` with the gradient below `1e-5·max(|f|, 1)`.
fn bfgs(mut f: impl FnMut(&[f64], &mut [f64]) -> f64, x0: Vec<f64>, max_iter: usize) -> Minimum {
    let n = x0.len();
    let mut x = x0;
    let mut g = vec![0.0; n];
    let mut fx = f(&x, &mut g);
    let mut h = identity(n);
    let mut stalled = 0;
    let done = |x: Vec<f64>, fx: f64, g: Vec<f64>, it: usize, ok: bool, why: &str| Minimum {
        theta: x,
        value: fx,
        gradient: g,
        iterations: it,
        converged: ok,
        reason: why.to_string(),
    };
    if !fx.is_finite() {
        return done(x, fx, g, 0, false, "objective not finite at the start");
    }
    let mut gn = vec![0.0; n];
    for it in 0..=max_iter {
        let scale = fx.abs().max(1.0);
        let gmax = g.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        if gmax <= 1e-7 * scale || (stalled >= 2 && gmax <= 1e-5 * scale) {
            return done(x, fx, g, it, true, "converged");
        }
        if it == max_iter {
            return done(x, fx, g, it, false, "iteration limit");
        }
        let mut d: Vec<f64> = (0..n).map(|i| -dot(&h[i], &g)).collect();
        let mut slope = dot(&d, &g);
        if slope >= 0.0 || !slope.is_finite() {
            h = identity(n);
            d = g.iter().map(|v| -v).collect();
            slope = dot(&d, &g);
        }
        // cap the step in θ (log-parameters and coefficients) at 5
        let dmax = d.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let mut t = if dmax > 5.0 { 5.0 / dmax } else { 1.0 };
        let mut accepted = None;
        for _ in 0..60 {
            let xn: Vec<f64> = x.iter().zip(&d).map(|(a, b)| a + t * b).collect();
            let fnew = f(&xn, &mut gn);
            if fnew.is_finite() && fnew <= fx + 1e-4 * t * slope + 1e-15 * scale {
                accepted = Some((xn, fnew));
                break;
            }
            t *= 0.5;
        }
        let Some((xn, fnew)) = accepted else {
            if h != identity(n) {
                h = identity(n);
                continue;
            }
            let ok = gmax <= 1e-5 * scale;
            return done(x, fx, g, it, ok, "line search failed");
        };
        if (fx - fnew).abs() <= 1e-14 * scale {
            stalled += 1;
        } else {
            stalled = 0;
        }
        let sv: Vec<f64> = xn.iter().zip(&x).map(|(a, b)| a - b).collect();
        let yv: Vec<f64> = gn.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&sv, &yv);
        if sy > 1e-12 * dot(&sv, &sv).sqrt() * dot(&yv, &yv).sqrt() && sy.is_finite() {
            let hy: Vec<f64> = (0..n).map(|i| dot(&h[i], &yv)).collect();
            let yhy = dot(&yv, &hy);
            let rho = 1.0 / sy;
            for i in 0..n {
                for j in 0..n {
                    h[i][j] += -rho * (hy[i] * sv[j] + sv[i] * hy[j])
                        + (rho * rho * yhy + rho) * sv[i] * sv[j];
                }
            }
        }
        x = xn;
        fx = fnew;
        std::mem::swap(&mut g, &mut gn);
    }
    done(x, fx, g, max_iter, false, "iteration limit")
}

fn identity(n: usize) -> Vec<Vec<f64>> {
    (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect()
}

/// Inverse of the central-difference Hessian (step 1e-5) of the analytic
/// gradient at `theta`; `None` unless finite and positive definite.
#[allow(clippy::needless_range_loop)] // index loops read as the matrix formulas
fn covariance(
    mut grad: impl FnMut(&[f64], &mut [f64]) -> f64,
    theta: &[f64],
) -> Option<Vec<Vec<f64>>> {
    const STEP: f64 = 1e-5;
    let n = theta.len();
    let mut hess = vec![vec![0.0; n]; n];
    let (mut gp, mut gm) = (vec![0.0; n], vec![0.0; n]);
    for j in 0..n {
        let mut tp = theta.to_vec();
        let mut tm = theta.to_vec();
        tp[j] += STEP;
        tm[j] -= STEP;
        let fp = grad(&tp, &mut gp);
        let fm = grad(&tm, &mut gm);
        if !fp.is_finite() || !fm.is_finite() {
            return None;
        }
        for i in 0..n {
            hess[i][j] = (gp[i] - gm[i]) / (2.0 * STEP);
        }
    }
    for i in 0..n {
        for j in 0..i {
            let m = 0.5 * (hess[i][j] + hess[j][i]);
            hess[i][j] = m;
            hess[j][i] = m;
        }
    }
    // Cholesky, then invert.
    let mut l = vec![vec![0.0; n]; n];
    for j in 0..n {
        let d = hess[j][j] - (0..j).map(|m| l[j][m] * l[j][m]).sum::<f64>();
        if !(d > 0.0 && d.is_finite()) {
            return None;
        }
        l[j][j] = d.sqrt();
        for i in j + 1..n {
            l[i][j] = (hess[i][j] - (0..j).map(|m| l[i][m] * l[j][m]).sum::<f64>()) / l[j][j];
        }
    }
    let mut inv = vec![vec![0.0; n]; n];
    for c in 0..n {
        // solve L y = e_c, then L^T x = y
        let mut y = vec![0.0; n];
        for i in 0..n {
            let e = if i == c { 1.0 } else { 0.0 };
            y[i] = (e - (0..i).map(|m| l[i][m] * y[m]).sum::<f64>()) / l[i][i];
        }
        let mut x = vec![0.0; n];
        for i in (0..n).rev() {
            x[i] = (y[i] - (i + 1..n).map(|m| l[m][i] * x[m]).sum::<f64>()) / l[i][i];
        }
        for i in 0..n {
            inv[i][c] = x[i];
        }
    }
    inv.iter()
        .all(|r| r.iter().all(|v| v.is_finite()))
        .then_some(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> (Vec<CustomerHistory>, CovariateDesign) {
        let mut pop = Vec::new();
        let mut zt = Vec::new();
        let mut zl = Vec::new();
        for i in 0..300_u64 {
            let g = (i % 2) as f64;
            let c = ((i / 2) % 3) as f64 * 0.5;
            let x = ((i * 7) % 9) as u32 / if g == 1.0 { 1 } else { 2 };
            let t_x = if x == 0 {
                0.0
            } else {
                5.0 + ((i * 13) % 30) as f64
            };
            pop.push(CustomerHistory::new(CustomerId::new(i), x, t_x, 40.0).unwrap());
            zt.push(vec![g, c]);
            zl.push(vec![c]);
        }
        let d =
            CovariateDesign::new(vec!["g".into(), "c".into()], zt, vec!["c".into()], zl).unwrap();
        (pop, d)
    }

    /// The analytic gradient against central differences of the summed
    /// log-likelihood, for one engine at `theta`.
    fn check_gradient<O: Copy + Sync>(
        engine: &Engine<O>,
        keyed: &[(O, [u64; 3])],
        d: &CovariateDesign,
        constrained: &[String],
        theta: &[f64],
    ) {
        let layout = Layout::new(engine.base, engine.trans_prefix, d, constrained).unwrap();
        assert_eq!(layout.dim, theta.len());
        let rows = group(keyed, d);
        let mut g = vec![0.0; theta.len()];
        let f = engine.nll_grad(&rows, &layout, theta, &mut g);
        assert!(f.is_finite());
        let mut scratch = vec![0.0; theta.len()];
        for k in 0..theta.len() {
            let h = 1e-6;
            let mut tp = theta.to_vec();
            let mut tm = theta.to_vec();
            tp[k] += h;
            tm[k] -= h;
            let fd = (engine.nll_grad(&rows, &layout, &tp, &mut scratch)
                - engine.nll_grad(&rows, &layout, &tm, &mut scratch))
                / (2.0 * h);
            assert!(
                (fd - g[k]).abs() <= 1e-6 * g[k].abs().max(1.0),
                "{}: {k}: {fd} vs {}",
                engine.what,
                g[k]
            );
        }
    }

    #[test]
    fn gradient_matches_central_differences() {
        let (pop, d) = toy();
        let keyed: Vec<_> = pop.iter().map(|h| (*h, history_key(h))).collect();
        let c = ["c".to_string()];
        let free = [-0.3, 1.5, -0.2, 2.0, 0.4, -0.3, 0.25];
        let tied = [-0.3, 1.5, -0.2, 2.0, -0.3, 0.25];
        check_gradient(&PARETO_ENGINE, &keyed, &d, &[], &free);
        check_gradient(&PARETO_ENGINE, &keyed, &d, &c, &tied);
        let free = [-0.3, 1.5, -0.4, 0.8, 0.4, -0.3, 0.25];
        let tied = [-0.3, 1.5, -0.4, 0.8, -0.3, 0.25];
        check_gradient(&BGNBD_ENGINE, &keyed, &d, &[], &free);
        check_gradient(&BGNBD_ENGINE, &keyed, &d, &c, &tied);
        // Gamma-Gamma: the repeat buyers, z̄ from 3 to 40
        let keep: Vec<usize> = (0..pop.len()).filter(|&i| pop[i].x() > 0).collect();
        let spend: Vec<((u32, f64), [u64; 3])> = keep
            .iter()
            .map(|&i| {
                let o = (pop[i].x(), 3.0 + (i * 11 % 37) as f64);
                (o, [u64::from(o.0), o.1.to_bits(), 0])
            })
            .collect();
        let ds = CovariateDesign::new(
            d.trans_names.clone(),
            keep.iter().map(|&i| d.trans[i].clone()).collect(),
            vec![],
            vec![vec![]; keep.len()],
        )
        .unwrap();
        check_gradient(&GG_ENGINE, &spend, &ds, &[], &[1.2, 1.0, 2.5, 0.3, -0.2]);
    }

    #[test]
    fn bgnbd_kernel_is_the_plain_likelihood() {
        let (pop, _) = toy();
        let p = BgNbdParams::new(0.25, 4.0, 0.8, 2.5).unwrap();
        let lp = [0.25_f64.ln(), 4.0_f64.ln(), 0.8_f64.ln(), 2.5_f64.ln()];
        let mut g = [0.0; 4];
        for h in &pop {
            let ll = bgnbd_kernel(&lp, h, &mut g).unwrap();
            assert!((ll - p.log_likelihood(h)).abs() < 1e-10 * ll.abs().max(1.0));
            let want = p.log_likelihood_gradient(h);
            for k in 0..4 {
                assert!(
                    (g[k] - want[k]).abs() < 1e-9 * want[k].abs().max(1.0),
                    "{k}"
                );
            }
        }
    }
}
