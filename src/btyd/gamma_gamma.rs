//! The Gamma-Gamma spend model (Colombo & Jiang 1999; Fader, Hardie & Lee
//! 2005b; [spec](crate::btyd::spec#gamma-gamma-likelihood)).

use rust_decimal::Decimal;

use crate::btyd::boundary::{GAMMA_GAMMA_RAYS, spend_identified};
use crate::btyd::fitting::{Fitted, Problem, fit_log_params, fit_options_builder};
use crate::btyd::input::{Row, SpendHistory, compress};
use crate::btyd::math::{dlgamma, dpsi, ln_gamma_f, positive};
use crate::btyd::optim::THETA_BOUND;
use crate::btyd::penalty::Penalty;
use crate::btyd::report::{FitReport, ModelParameters};
use crate::btyd::status::FitOptions;
use crate::btyd::status::{Direction, Divergence, FitStatus, Limit};
use crate::error::ConvergenceFailure;
use crate::score::par_map_into;
use crate::{Error, Fit, Result, Scorer};

/// Fitted Gamma-Gamma parameters: each transaction value is
/// `Gamma(shape p, rate ν)` and `ν ~ Gamma(shape q, rate γ)` across
/// customers ([spec](crate::btyd::spec#gamma-gamma-likelihood)). `γ` carries the money unit.
///
/// Every parameter is finite and > 0. As a [`Scorer`] of [`SpendHistory`]
/// it gives the [conditional expected average spend](Self::expected_spend).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "GammaGammaRecord", into = "GammaGammaRecord")
)]
pub struct GammaGammaParams {
    p: f64,
    q: f64,
    gamma: f64,
}

fn to_decimal(v: f64) -> Result<Decimal> {
    Decimal::try_from(v).map_err(|_| Error::Overflow {
        what: "Gamma-Gamma expected spend",
    })
}

impl GammaGammaParams {
    /// Validated parameters.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] naming the first parameter that is not a
    /// finite number > 0.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::btyd::GammaGammaParams;
    ///
    /// let gg = GammaGammaParams::new(6.25, 3.74, 15.44)?;
    /// assert_eq!(gg.q(), 3.74);
    /// assert!(GammaGammaParams::new(6.25, 0.0, 15.44).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(p: f64, q: f64, gamma: f64) -> Result<Self> {
        Ok(Self {
            p: positive("p", p)?,
            q: positive("q", q)?,
            gamma: positive("gamma", gamma)?,
        })
    }

    /// `p`, the shape of one transaction's value.
    pub fn p(&self) -> f64 {
        self.p
    }
    /// `q`, the shape of the rate `ν` across customers.
    pub fn q(&self) -> f64 {
        self.q
    }
    /// `γ`, the rate of `ν` across customers (money unit).
    pub fn gamma(&self) -> f64 {
        self.gamma
    }

    /// One repeat buyer's log-likelihood, in the stable rearrangement of
    /// [spec](crate::btyd::spec#gamma-gamma-likelihood) \[V: lifetimes; D\]:
    ///
    /// ```text
    /// ℓ = Δlnγ(px, q) − lnΓ(q) + q·ln(γ/(γ + x z̄)) − px·log1p(γ/(x z̄)) − ln z̄
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] for a customer with `x = 0` (no repeat
    /// transaction, so no spend likelihood).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{CustomerId, Decimal};
    /// use customer_value::btyd::{GammaGammaParams, SpendHistory};
    ///
    /// let gg = GammaGammaParams::new(6.248803, 3.744588, 15.447746)?;
    /// let s = SpendHistory::new(CustomerId::new(1), 1_000_000, Decimal::new(35, 0))?;
    /// assert!((gg.log_likelihood(&s)? - -3.994863078).abs() < 1e-9);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn log_likelihood(&self, spend: &SpendHistory) -> Result<f64> {
        if spend.x() == 0 {
            return Err(Error::InvalidValue {
                what: "Gamma-Gamma log-likelihood",
                reason: format!(
                    "customer {}: needs x >= 1 repeat purchases, got 0",
                    spend.customer()
                ),
            });
        }
        let row = Row {
            x: spend.x(),
            a: spend.zbar_f64(),
            b: 0.0,
            w: 1.0,
        };
        let mut g = [0.0; 3];
        Ok(-nll_grad(&[row], self.theta(), &mut g))
    }

    fn theta(&self) -> [f64; 3] {
        [self.p.ln(), self.q.ln(), self.gamma.ln()]
    }

    /// The population mean spend per transaction, `p·γ/(q−1)`.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidParameter`] when `q ≤ 1`: the mean is infinite
    ///   (lifetimes returns a negative number or NaN there).
    /// - [`Error::Overflow`] when the mean is beyond `f64`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::btyd::GammaGammaParams;
    ///
    /// let gg = GammaGammaParams::new(6.248803, 3.744588, 15.447746)?;
    /// assert!((gg.population_mean_f64()? / 35.17100619 - 1.0).abs() < 1e-9);
    /// assert!(GammaGammaParams::new(6.0, 0.8, 15.0)?.population_mean_f64().is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn population_mean_f64(&self) -> Result<f64> {
        if !(self.q > 1.0) {
            return Err(Error::InvalidParameter {
                name: "q",
                value: self.q.to_string(),
                reason: "the population mean spend needs q > 1",
            });
        }
        let mean = self.p * self.gamma / (self.q - 1.0);
        if mean.is_finite() {
            return Ok(mean);
        }
        // p·γ overflowed: p runs out along the constant-spend limit with
        // p·γ fixed, so take the quotient first.
        let mean = self.p * (self.gamma / (self.q - 1.0));
        if mean.is_finite() {
            Ok(mean)
        } else {
            Err(Error::Overflow {
                what: "Gamma-Gamma population mean spend",
            })
        }
    }

    /// `E[Z | x, z̄]` in `f64`; see [`expected_spend`](Self::expected_spend).
    ///
    /// # Errors
    ///
    /// As [`expected_spend`](Self::expected_spend); [`Error::Overflow`]
    /// only when the value is beyond `f64`.
    pub fn expected_spend_f64(&self, spend: &SpendHistory) -> Result<f64> {
        let x = spend.x();
        if x == 0 {
            return self.population_mean_f64();
        }
        let px = self.p * f64::from(x);
        let denom = px + self.q - 1.0;
        if !(denom > 0.0) {
            return Err(Error::InvalidParameter {
                name: "q",
                value: self.q.to_string(),
                reason: "the expected spend needs p*x + q > 1",
            });
        }
        conditional_mean(self.p, self.q, self.gamma, f64::from(x), spend.zbar_f64())
    }

    /// The conditional expected average spend per transaction, the
    /// posterior mean of `p/ν` ([spec](crate::btyd::spec#gamma-gamma-expected-spend) \[V: lifetimes\]):
    ///
    /// ```text
    /// x ≥ 1:  E[Z | x, z̄] = p·(γ + x z̄)/(px + q − 1)     needs px + q > 1
    /// x = 0:  p·γ/(q − 1)  (the population mean)          needs q > 1
    /// ```
    ///
    /// Unrounded: the `f64` result converted to [`Decimal`].
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidParameter`] (`q`) when `x = 0` and `q ≤ 1`, or
    ///   `px + q ≤ 1`: the mean is infinite, never a negative number.
    /// - [`Error::Overflow`] when the value does not fit a [`Decimal`].
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{CustomerId, Decimal};
    /// use customer_value::btyd::{GammaGammaParams, SpendHistory};
    ///
    /// let gg = GammaGammaParams::new(6.248803, 3.744588, 15.447746)?;
    /// let s = SpendHistory::new(CustomerId::new(1), 2, Decimal::new(2235, 2))?;
    /// assert_eq!(gg.expected_spend(&s)?.round_dp(6), Decimal::new(24658616, 6));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn expected_spend(&self, spend: &SpendHistory) -> Result<Decimal> {
        to_decimal(self.expected_spend_f64(spend)?)
    }
}

/// `E[Z | x, z̄] = p(γ + x z̄)/(px + q − 1)` for `x ≥ 1` with
/// `px + q − 1 > 0`, as written (lifetimes' arithmetic) wherever that is
/// finite; where `p·x` or `p·(γ + x z̄)` overflows (far out along the
/// constant-spend limit, `p → ∞` with `p·γ` fixed) the same quotient
/// divided through by `p`, `(γ + x z̄)/(x + (q − 1)/p)`, which tends to
/// `z̄`. [`Error::Overflow`] when the value itself is beyond `f64`.
pub(crate) fn conditional_mean(p: f64, q: f64, gamma: f64, x: f64, zbar: f64) -> Result<f64> {
    let plain = p * (gamma + x * zbar) / (p * x + q - 1.0);
    if plain.is_finite() {
        return Ok(plain);
    }
    let divided = (gamma + x * zbar) / (x + (q - 1.0) / p);
    if divided.is_finite() {
        Ok(divided)
    } else {
        Err(Error::Overflow {
            what: "Gamma-Gamma expected spend",
        })
    }
}

impl Scorer for GammaGammaParams {
    type Input = SpendHistory;
    type Score = Decimal;

    /// [`GammaGammaParams::expected_spend`].
    fn score(&self, input: &SpendHistory) -> Result<Decimal> {
        self.expected_spend(input)
    }

    fn score_into(&self, inputs: &[SpendHistory], out: &mut Vec<Decimal>) -> Result<()> {
        par_map_into(inputs, out, |s| self.score(s))
    }
}

/// Total negative log-likelihood of weighted rows (`a` = z̄, `x ≥ 1`) at
/// `θ = ln(p, q, γ)` and its gradient ([spec](crate::btyd::spec#gamma-gamma-likelihood) \[D\]).
pub(crate) fn nll_grad(rows: &[Row], theta: [f64; 3], grad: &mut [f64; 3]) -> f64 {
    let [p, q, gamma] = theta.map(f64::exp);
    let lgq = ln_gamma_f(q);
    let (mut f, mut g) = (0.0, [0.0; 3]);
    for row in rows {
        let xf = f64::from(row.x);
        let px = p * xf;
        let xz = xf * row.a;
        let l_gz = (gamma / xz).ln_1p(); // log1p(γ/(x z̄))
        let l_zg = (xz / gamma).ln_1p(); // log1p(x z̄/γ)
        // lnΓ(px+q) − lnΓ(px) − lnΓ(q), with the Δlnγ taken from the
        // larger argument: at q ≫ px (the homogeneous-spend limit)
        // lnΓ(px+q) and lnΓ(q) are ~q·ln q and would cancel.
        let lg3 = if q >= px {
            dlgamma(q, px) - ln_gamma_f(px)
        } else {
            dlgamma(px, q) - lgq
        };
        let ll = lg3 - q * l_zg - px * l_gz - row.a.ln();
        f += row.w * ll;
        g[0] += row.w * px * (dpsi(px, q) - l_gz);
        g[1] += row.w * q * (dpsi(q, px) - l_zg);
        // q − γ(px+q)/(γ+xz̄), without the difference of two O(q) terms.
        let share = gamma / (gamma + xz);
        g[2] += row.w * (q * (xz / (gamma + xz)) - px * share);
    }
    for (o, v) in grad.iter_mut().zip(g) {
        *o = -v;
    }
    -f
}

/// The Gamma-Gamma fitter: maximum likelihood over log-parameters by BFGS
/// from all-ones ([spec](crate::btyd::spec#start-point)), on the customers with `x ≥ 1` (the
/// others carry no spend information and are skipped). Identical `(x, z̄)`
/// rows are grouped first.
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Decimal, Fit, Scorer};
/// use customer_value::btyd::{GammaGamma, SpendHistory};
///
/// // Mean spend z̄ of customers with x = 1, 3 and 8 repeat purchases:
/// // the more purchases, the closer z̄ sits to the customer's true mean.
/// let levels = [(1, [8, 15, 25, 40, 70]), (3, [12, 18, 25, 35, 50]), (8, [14, 20, 25, 31, 42])];
/// let (mut spend, mut weights) = (Vec::new(), Vec::new());
/// for (x, zbars) in levels {
///     for (zbar, w) in zbars.into_iter().zip([4.0, 8.0, 10.0, 8.0, 4.0]) {
///         spend.push(SpendHistory::new(CustomerId::new(0), x, Decimal::from(zbar))?);
///         weights.push(w);
///     }
/// }
/// spend.push(SpendHistory::new(CustomerId::new(1), 0, Decimal::ZERO)?); // skipped: x = 0
/// weights.push(1.0);
/// let fit = GammaGamma::new().fit_weighted(&spend, &weights)?;
/// assert_eq!((fit.customers(), fit.rows()), (102.0, 15));
/// let params = fit.params();
/// // A new customer is expected to spend the population mean p·γ/(q−1).
/// let new = SpendHistory::new(CustomerId::new(2), 0, Decimal::ZERO)?;
/// let mean = params.population_mean_f64()?;
/// assert_eq!(params.score(&new)?, Decimal::try_from(mean).unwrap());
/// assert!(mean > 20.0 && mean < 35.0);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaGamma {
    options: FitOptions,
    q_margin: Option<f64>,
}

impl Default for GammaGamma {
    fn default() -> Self {
        Self::new()
    }
}

impl GammaGamma {
    /// The fitter with the default [`FitOptions`] (at most 1000 BFGS
    /// iterations, no penalty).
    pub fn new() -> Self {
        Self {
            options: FitOptions::new(),
            q_margin: None,
        }
    }

    fit_options_builder!();

    /// Constrains the fit to `q ≥ 1 + epsilon` ([spec](crate::btyd::spec#gamma-gamma-expected-spend) \[L\]), so
    /// that the population mean spend `p·γ/(q−1)` is finite. The fit runs
    /// over `ln(q − 1 − ε)` instead of `ln q`; standard errors follow by
    /// the delta method. `epsilon` is checked when fitting.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{CustomerId, Decimal};
    /// use customer_value::btyd::{GammaGamma, SpendHistory};
    ///
    /// let s = |x, cents| SpendHistory::new(CustomerId::new(0), x, Decimal::new(cents, 2));
    /// let spend = [s(1, 1000)?, s(1, 3000)?, s(2, 2000)?, s(4, 2500)?];
    /// assert!(GammaGamma::new().q_at_least_one_plus(0.0).fit_weighted(&spend, &[1.0; 4]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn q_at_least_one_plus(mut self, epsilon: f64) -> Self {
        self.q_margin = Some(epsilon);
        self
    }

    /// Fits on `population` with unit weights.
    ///
    /// # Errors
    ///
    /// As [`fit_weighted`](Self::fit_weighted).
    ///
    /// # Example
    ///
    /// See [`GammaGamma`].
    pub fn fit_detailed(&self, population: &[SpendHistory]) -> Result<GammaGammaFit> {
        self.fit_inner(population, None)
    }

    /// Fits on `population`, customer `i` counting `weights[i]` times.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidParameter`] when `weights` has the wrong length or
    ///   holds a weight that is negative or not finite.
    /// - [`Error::InvalidParameter`] for a bad penalty or start in the
    ///   [`FitOptions`].
    /// - [`Error::EmptyInput`] when no repeat buyer (`x ≥ 1`) has weight > 0.
    /// - [`Error::NotConverged`] with the best point reached when the
    ///   optimiser does not converge, unless the options keep unconverged
    ///   fits.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{CustomerId, Decimal};
    /// use customer_value::btyd::{GammaGamma, SpendHistory};
    ///
    /// // Mean spend z̄ of customers with x = 1, 3 and 8 repeat purchases:
    /// // the more purchases, the closer z̄ sits to the customer's true mean.
    /// let levels = [(1, [8, 15, 25, 40, 70]), (3, [12, 18, 25, 35, 50]), (8, [14, 20, 25, 31, 42])];
    /// let (mut spend, mut weights) = (Vec::new(), Vec::new());
    /// for (x, zbars) in levels {
    ///     for (zbar, w) in zbars.into_iter().zip([4.0, 8.0, 10.0, 8.0, 4.0]) {
    ///         spend.push(SpendHistory::new(CustomerId::new(0), x, Decimal::from(zbar))?);
    ///         weights.push(w);
    ///     }
    /// }
    /// let fit = GammaGamma::new().fit_weighted(&spend, &weights)?;
    /// assert_eq!(fit.customers(), 102.0);
    /// assert!(GammaGamma::new().fit_weighted(&spend, &weights[1..]).is_err()); // one short
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn fit_weighted(
        &self,
        population: &[SpendHistory],
        weights: &[f64],
    ) -> Result<GammaGammaFit> {
        self.fit_inner(population, Some(weights))
    }

    fn fit_inner(
        &self,
        population: &[SpendHistory],
        weights: Option<&[f64]>,
    ) -> Result<GammaGammaFit> {
        let rows = compress(population, weights, |s| {
            (s.x() > 0).then(|| (s.x(), s.zbar_f64(), 0.0))
        })?;
        const WHAT: &str = "Gamma-Gamma fit";
        let customers: f64 = rows.iter().map(|r| r.w).sum();
        if !(customers > 0.0) {
            return Err(Error::EmptyInput {
                what: WHAT,
                needs: "repeat buyer (x >= 1) with weight > 0",
            });
        }
        spend_identified(WHAT, &rows, customers)?;
        let mut problem =
            Problem::new(WHAT, GammaGammaParams::NAMES, customers).rays(GAMMA_GAMMA_RAYS);
        let floor = match self.q_margin {
            None => None,
            Some(eps) if eps.is_finite() && eps > 0.0 => Some(1.0 + eps),
            Some(eps) => {
                return Err(Error::InvalidParameter {
                    name: "epsilon",
                    value: eps.to_string(),
                    reason: "the margin of q above 1 must be finite and > 0",
                });
            }
        };
        if let Some(f) = floor {
            problem = problem.floor(1, f);
        }
        // θ = (ln p, φ, ln γ) with q = e^φ, or q = floor + e^φ when
        // constrained: ∂/∂φ = ∂/∂ln q · (q − floor)/q.
        let to_q = |phi: f64| floor.map_or(phi.exp(), |f| f + phi.exp());
        let ll_at = |natural: &[f64; 3]| -nll_grad(&rows, natural.map(f64::ln), &mut [0.0; 3]);
        // The limits whose value is known in closed form (up to a root in
        // one variable), when the objective is the plain likelihood and the
        // limit is locally the supremum along its ray: then the full fit
        // only confirms it or finds a better point, within a smaller
        // evaluation budget.
        let limits = if matches!(self.options.get_penalty(), Penalty::None)
            && self.options.get_start().is_none()
        {
            known_limits(&rows, floor, &ll_at)
        } else {
            Vec::new()
        };
        let best_limit = limits.into_iter().reduce(|a, b| {
            if b.log_likelihood > a.log_likelihood {
                b
            } else {
                a
            }
        });
        let options = match best_limit {
            Some(_) => self
                .options
                .max_evaluations(self.options.get_max_evaluations().min(LIMIT_BUDGET))
                .keep_unconverged(true),
            None => self.options,
        };
        let fitted = fit_log_params(
            &problem,
            &options,
            |th: &[f64; 3], g: &mut [f64; 3]| {
                let q = to_q(th[1]);
                let v = nll_grad(&rows, [th[0], q.ln(), th[2]], g);
                if let Some(f) = floor {
                    g[1] *= (q - f) / q;
                }
                v
            },
            ll_at,
        );
        if let Some(limit) = best_limit {
            let at_limit = limit.log_likelihood;
            let f = fitted?;
            let unconverged = matches!(f.status, FitStatus::NotConverged);
            let within = at_limit + 1e-6_f64.max(1e-12 * at_limit.abs());
            // A point the fit settled at (interior, or another boundary)
            // that beats the limit by more than the boundary answer's
            // tolerance.
            if !unconverged && f.log_likelihood > within {
                return FitReport::from_fitted(WHAT, f, customers, rows.len());
            }
            // Otherwise the limit, also when the fit spent its budget
            // creeping towards it (or towards a point no better than it by
            // more than that tolerance).
            if !unconverged || f.log_likelihood <= within {
                let fitted = Fitted {
                    natural: limit.natural,
                    covariance: None,
                    log_likelihood: at_limit,
                    gradient: [0.0; 3],
                    iterations: f.iterations,
                    status: FitStatus::Boundary {
                        diverging: limit.diverging,
                        limits: vec![limit.limit],
                    },
                };
                return FitReport::from_fitted(WHAT, fitted, customers, rows.len());
            }
            if self.options.get_keep_unconverged() {
                return FitReport::from_fitted(WHAT, f, customers, rows.len());
            }
            // Unconverged and better than the limit: the error the caller
            // asked for.
            return Err(Error::NotConverged {
                what: WHAT,
                failure: Box::new(ConvergenceFailure {
                    names: GammaGammaParams::NAMES.to_vec(),
                    parameters: f.natural.to_vec(),
                    log_likelihood: f.log_likelihood,
                    gradient: f.gradient.to_vec(),
                    iterations: f.iterations,
                    reason: format!(
                        "the evaluation budget of {} was spent",
                        options.get_max_evaluations()
                    ),
                }),
            });
        }
        FitReport::from_fitted(WHAT, fitted?, customers, rows.len())
    }
}

/// A limit of the Gamma-Gamma likelihood at a known point: the finite
/// stand-in for it, its log-likelihood, and what diverges.
struct LimitPoint {
    natural: [f64; 3],
    log_likelihood: f64,
    diverging: Vec<Divergence>,
    limit: Limit,
}

/// The limits of the Gamma-Gamma likelihood whose best point is known in
/// closed form, each kept when the likelihood rises towards it along its
/// ray (a local supremum): homogeneous spend ([`homogeneous_spend_limit`],
/// `q, γ → ∞`) and constant spend per customer
/// ([`constant_spend_limit`], `p → ∞`, `γ → 0`). `floor` is the least `q`
/// the fit allows, if any (a constant-spend limit below it is left to the
/// fit); `ll_at` the log-likelihood at natural parameters.
fn known_limits(
    rows: &[Row],
    floor: Option<f64>,
    ll_at: &impl Fn(&[f64; 3]) -> f64,
) -> Vec<LimitPoint> {
    let to = |parameter: &str, direction| Divergence {
        parameter: parameter.into(),
        direction,
    };
    let mut out = Vec::new();
    if let Some((p, nu)) = homogeneous_spend_limit(rows) {
        let near = ll_at(&[p, 1e4, 1e4 / nu]);
        let far = ll_at(&[p, 1e8, 1e8 / nu]);
        if near < far {
            let q = THETA_BOUND.exp();
            let natural = [p, q, q / nu];
            out.push(LimitPoint {
                natural,
                log_likelihood: ll_at(&natural),
                diverging: vec![
                    to("q", Direction::ToInfinity),
                    to("gamma", Direction::ToInfinity),
                ],
                limit: Limit::HomogeneousSpend,
            });
        }
    }
    if let Some((q, c)) = constant_spend_limit(rows)
        && floor.is_none_or(|f| q > f)
    {
        // Along the ray the corrections fall like q/(p·x): compare two
        // points well inside that regime.
        let base = q.max(1.0);
        let near = ll_at(&[1e4 * base, q, c / (1e4 * base)]);
        let far = ll_at(&[1e8 * base, q, c / (1e8 * base)]);
        if near < far {
            let p = constant_spend_stand_in(rows, q, c);
            let natural = [p, q, c / p];
            out.push(LimitPoint {
                natural,
                log_likelihood: ll_at(&natural),
                diverging: vec![
                    to("p", Direction::ToInfinity),
                    to("gamma", Direction::ToZero),
                ],
                limit: Limit::ConstantSpendPerCustomer,
            });
        }
    }
    out.retain(|l| {
        l.log_likelihood.is_finite() && l.natural.iter().all(|v| v.is_finite() && *v > 0.0)
    });
    out
}

/// Evaluations the full fit may use when the homogeneous-spend limit is
/// locally the supremum (it then only has to confirm it or find a better
/// interior maximum; creeping along the ridge towards the limit gains
/// nothing).
const LIMIT_BUDGET: usize = 3000;

/// The homogeneous-spend limit of Gamma-Gamma, `q, γ → ∞` with `q/γ = ν`
/// fixed \[D\]: the rate `ν ~ Gamma(q, γ)` collapses on `ν`, so every
/// customer's transaction values are `Gamma(p, ν)` with one `ν` (Colombo &
/// Jiang 1999's model without heterogeneity). The mean `z̄` of `x` of them
/// is `Gamma(px, xν)`:
///
/// ```text
/// ℓ = px·ln(xν) − lnΓ(px) + (px − 1)·ln z̄ − xν·z̄
/// ```
///
/// Given `p` the weighted likelihood is maximal at `ν = p·S₁/S₂`
/// (`S₁ = Σ w·x`, `S₂ = Σ w·x·z̄`), and the profile in `p` has derivative
///
/// ```text
/// D(p) = Σ w·x·[ln z̄ + ln(S₁/S₂) + ln(px) − ψ(px)]
/// ```
///
/// which decreases (`d²/dp² = S₁/p − Σ w x² ψ'(px) < 0`, as `ψ'(y) > 1/y`)
/// from `+∞` at `p → 0` to `Σ w x ln(z̄ S₁/S₂) < 0` at `p → ∞` (Jensen,
/// strictly unless every `z̄` is equal, which
/// [`spend_identified`] refuses). Its root is found by safeguarded Newton
/// steps in `ln p`. Returns `(p, ν)`, or `None` if no root is bracketed in
/// `e^±60`.
fn homogeneous_spend_limit(rows: &[Row]) -> Option<(f64, f64)> {
    let (mut s1, mut s2) = (0.0, 0.0);
    for r in rows {
        let x = f64::from(r.x);
        s1 += r.w * x;
        s2 += r.w * x * r.a;
    }
    let ln_ratio = (s1 / s2).ln();
    // D(p) and dD/d(ln p) = p·D'(p).
    let d = |p: f64| -> (f64, f64) {
        let (mut v, mut dv) = (0.0, 0.0);
        for r in rows {
            let x = f64::from(r.x);
            let y = p * x;
            let (lm, dlm) = ln_minus_digamma(y);
            v += r.w * x * (r.a.ln() + ln_ratio + lm);
            dv += r.w * x * dlm * y;
        }
        (v, dv)
    };
    let t = decreasing_root(|t| d(t.exp()))?;
    let p = t.exp();
    let nu = p * s1 / s2;
    (p.is_finite() && nu.is_finite() && nu > 0.0).then_some((p, nu))
}

/// The root in `[−60, 60]` of a decreasing function `f(t) = (value,
/// derivative)` by safeguarded Newton steps (bisection whenever a step
/// would leave the bracket); `None` unless `f(−60) > 0 > f(60)`.
fn decreasing_root(f: impl Fn(f64) -> (f64, f64)) -> Option<f64> {
    let (mut lo, mut hi) = (-60.0_f64, 60.0_f64);
    if !(f(lo).0 > 0.0 && f(hi).0 < 0.0) {
        return None;
    }
    let mut t = 0.0_f64;
    for _ in 0..200 {
        let (v, dv) = f(t);
        if v > 0.0 {
            lo = t;
        } else {
            hi = t;
        }
        let newton = t - v / dv;
        let next = if newton > lo && newton < hi && dv < 0.0 {
            newton
        } else {
            0.5 * (lo + hi)
        };
        if (next - t).abs() <= 1e-15 * t.abs().max(1.0) || hi - lo <= 1e-15 {
            t = next;
            break;
        }
        t = next;
    }
    Some(t)
}

/// The constant-spend-per-customer limit of Gamma-Gamma
/// ([`Limit::ConstantSpendPerCustomer`]), `p → ∞`, `γ → 0` with
/// `c = p·γ` fixed \[D\]: a transaction's value `Gamma(p, ν)` collapses on
/// the customer's mean `p/ν = c/G` with `G = γν ~ Gamma(q, 1)`, so `z̄` is
/// that mean, inverse-gamma with shape `q` and scale `c`, whatever `x`:
///
/// ```text
/// ℓ = Σ w·[q·ln c − lnΓ(q) − (q+1)·ln z̄ − c/z̄]
/// ```
///
/// Given `q` the weighted likelihood is maximal at `c = q·h`, with
/// `h = W/Σ(w/z̄)` the weighted harmonic mean of `z̄` (`W = Σ w`), and the
/// profile in `q` has derivative `W·[ln q − ψ(q) − K]` with
///
/// ```text
/// K = (1/W)·Σ w·ln(z̄/h) = (1/W)·Σ w·(ln y + 1/y − 1),   y = z̄/h
/// ```
///
/// (the two agree as `Σ w/y = W`; the second sums terms `≥ 0`, `~ d²/2`
/// for `y = 1 + d`, so nearly equal spends keep their digits). `K > 0`
/// unless every `z̄` is equal, which [`spend_identified`] refuses, and
/// `ln q − ψ(q)` decreases from `+∞` to `0`, so the root is unique (the
/// profile is concave: `1/q − ψ'(q) < 0`). Returns `(q, c)`, or `None`
/// if no root is bracketed in `e^±60`.
fn constant_spend_limit(rows: &[Row]) -> Option<(f64, f64)> {
    let (mut w_sum, mut inv) = (0.0, 0.0);
    for r in rows {
        w_sum += r.w;
        inv += r.w / r.a;
    }
    let h = w_sum / inv;
    let mut k = 0.0;
    for r in rows {
        k += r.w * ln_plus_inverse_minus_one((r.a - h) / h);
    }
    let k = k / w_sum;
    if !(k > 0.0 && k.is_finite()) {
        return None;
    }
    let t = decreasing_root(|t| {
        let q = t.exp();
        let (lm, dlm) = ln_minus_digamma(q);
        (lm - k, dlm * q)
    })?;
    let q = t.exp();
    let c = q * h;
    (q.is_finite() && q > 0.0 && c.is_finite() && c > 0.0).then_some((q, c))
}

/// `ln y + 1/y − 1` at `y = 1 + d` (`d > −1`), `≥ 0`: the series
/// `Σ_{k≥2} (−1)^k (k−1)/k · d^k` for `|d| < 0.01` (the direct form
/// `log1p(d) − d/(1+d)` cancels to `d²/2` there), else the direct form.
fn ln_plus_inverse_minus_one(d: f64) -> f64 {
    if d.abs() < 0.01 {
        // Horner from k = 9 down to k = 2: |d|^10 < 1e-20 is below the
        // leading d²/2 by 1e-16.
        let mut s = 0.0;
        for k in (2..=9).rev() {
            let kf = f64::from(k);
            let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
            s = s * d + sign * (kf - 1.0) / kf;
        }
        s * d * d
    } else {
        d.ln_1p() - d / (1.0 + d)
    }
}

/// The finite stand-in `p` for the constant-spend limit at `(q, c)`: the
/// point `(p, q, c/p)` differs from the limit by `O(1/p)`. Its
/// log-likelihood by about `D/p` with `|D| ≤ Σ w·((c/z̄ − q)² + q)/(2x)`
/// (the first-order term of the spread `1/√(px)` of `z̄` about the
/// customer's mean), and a repeat buyer's expected spend
/// `p(γ + x z̄)/(px + q − 1)` by `(c/z̄ − q + 1)/(p·x)` relative to `z̄`.
/// The stand-in is at least the box face `e^30` and far enough out for
/// the first to stay below `1e-9` and the second below `1e-12`, at most
/// `1e250` (so that `γ = c/p` stays a normal number for any `c` above
/// `1e-58`).
fn constant_spend_stand_in(rows: &[Row], q: f64, c: f64) -> f64 {
    let (mut d, mut relative) = (0.0_f64, 0.0_f64);
    for r in rows {
        let x = f64::from(r.x);
        let y = c / r.a;
        d += r.w * ((y - q).powi(2) + q) / (2.0 * x);
        relative = relative.max((y - q + 1.0).abs() / x);
    }
    let p = THETA_BOUND.exp().max(1e9 * d).max(1e12 * relative);
    if p.is_finite() { p.min(1e250) } else { 1e250 }
}

/// `ln y − ψ(y)` and its derivative `1/y − ψ'(y)` for `y > 0`: the
/// asymptotic series (DLMF 5.11.2 and its derivative) for `y ≥ 10`,
/// shifted up by the recurrences `ψ(y) = ψ(y+1) − 1/y`,
/// `ψ'(y) = ψ'(y+1) + 1/y²` below.
fn ln_minus_digamma(y: f64) -> (f64, f64) {
    let (mut z, mut shift, mut shift_d) = (y, 0.0, 0.0);
    while z < 10.0 {
        // ψ(z) = ψ(z+1) − 1/z, ψ'(z) = ψ'(z+1) + 1/z².
        shift += 1.0 / z;
        shift_d += 1.0 / (z * z);
        z += 1.0;
    }
    let iz = 1.0 / z;
    let iz2 = iz * iz;
    // ln z − ψ(z) = 1/(2z) + Σ B_2k/(2k·z^2k) = 1/(2z) + 1/(12z²)
    // − 1/(120z⁴) + 1/(252z⁶) − 1/(240z⁸) + 1/(132z¹⁰) − 691/(32760z¹²);
    // the next term, 1/(12z¹⁴), is at most 2e-14 of the sum (z ≥ 10).
    let lm_z = 0.5 * iz
        + iz2
            * (1.0 / 12.0
                - iz2
                    * (1.0 / 120.0
                        - iz2
                            * (1.0 / 252.0
                                - iz2
                                    * (1.0 / 240.0
                                        - iz2 * (1.0 / 132.0 - iz2 * 691.0 / 32760.0)))));
    // 1/z − ψ'(z) = −1/(2z²) − Σ B_2k/z^(2k+1) = −1/(2z²) − 1/(6z³)
    // + 1/(30z⁵) − 1/(42z⁷) + 1/(30z⁹) − 5/(66z¹¹) + 691/(2730z¹³).
    let dlm_z = -0.5 * iz2
        - iz2
            * iz
            * (1.0 / 6.0
                - iz2
                    * (1.0 / 30.0
                        - iz2
                            * (1.0 / 42.0
                                - iz2 * (1.0 / 30.0 - iz2 * (5.0 / 66.0 - iz2 * 691.0 / 2730.0)))));
    // ln y − ψ(y) = ln y − ln z + (ln z − ψ(z)) + Σ 1/(y+k).
    let lm = (y / z).ln() + lm_z + shift;
    let dlm = 1.0 / y - iz + dlm_z - shift_d;
    (lm, dlm)
}

impl Fit for GammaGamma {
    type Input = SpendHistory;
    type Fitted = GammaGammaParams;

    /// Fits with unit weights and returns the parameters; see
    /// [`GammaGamma::fit_weighted`] for the errors.
    fn fit(&self, population: &[SpendHistory]) -> Result<GammaGammaParams> {
        Ok(self.fit_detailed(population)?.into_params())
    }
}

/// What a Gamma-Gamma fit found: the shared [`FitReport`] over `(p, q, γ)`,
/// `γ` in the money unit.
pub type GammaGammaFit = FitReport<GammaGammaParams, 3>;

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct GammaGammaRecord {
    p: f64,
    q: f64,
    gamma: f64,
}

#[cfg(feature = "serde")]
impl From<GammaGammaParams> for GammaGammaRecord {
    fn from(g: GammaGammaParams) -> Self {
        Self {
            p: g.p,
            q: g.q,
            gamma: g.gamma,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<GammaGammaRecord> for GammaGammaParams {
    type Error = Error;
    fn try_from(g: GammaGammaRecord) -> Result<Self> {
        Self::new(g.p, g.q, g.gamma)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CustomerId;

    fn spend(x: u32, zbar: Decimal) -> SpendHistory {
        SpendHistory::new(CustomerId::new(1), x, zbar).unwrap()
    }

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    #[test]
    fn params_validate() {
        assert!(GammaGammaParams::new(1.0, 1.0, 1.0).is_ok());
        for bad in [0.0, -2.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                GammaGammaParams::new(1.0, 1.0, bad),
                Err(Error::InvalidParameter { name: "gamma", .. })
            ));
        }
    }

    #[test]
    fn reference_values() {
        let gg = GammaGammaParams::new(6.248803, 3.744588, 15.447746).unwrap();
        let one = spend(1, Decimal::new(20, 0));
        assert!(rel(gg.expected_spend_f64(&one).unwrap(), 24.62986226) < 1e-9);
        let two = spend(2, Decimal::new(2235, 2));
        assert!(rel(gg.expected_spend_f64(&two).unwrap(), 24.65861645) < 1e-9);
        let none = spend(0, Decimal::ZERO);
        assert!(rel(gg.expected_spend_f64(&none).unwrap(), 35.17100619) < 1e-9);
        let big = spend(1_000_000, Decimal::new(35, 0));
        assert!((gg.log_likelihood(&big).unwrap() - -3.994863078).abs() < 1e-9);
        assert!(gg.log_likelihood(&none).is_err());
    }

    #[test]
    fn q_at_most_one_is_an_error_not_a_negative_mean() {
        let gg = GammaGammaParams::new(6.0, 0.8, 15.0).unwrap();
        assert!(matches!(
            gg.expected_spend(&spend(0, Decimal::ZERO)),
            Err(Error::InvalidParameter { name: "q", .. })
        ));
        // x = 1, z̄ = 20 is still fine: 36.2069 (btyd::spec, Gamma-Gamma expected spend).
        let v = gg
            .expected_spend_f64(&spend(1, Decimal::new(20, 0)))
            .unwrap();
        assert!((v - 36.2069).abs() < 1e-4);
        let gg = GammaGammaParams::new(6.0, 1.0, 15.0).unwrap();
        assert!(gg.expected_spend(&spend(0, Decimal::ZERO)).is_err());
        // p x + q <= 1.
        let gg = GammaGammaParams::new(0.1, 0.5, 15.0).unwrap();
        assert!(gg.expected_spend(&spend(1, Decimal::ONE)).is_err());
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let rows = [
            Row {
                x: 1,
                a: 20.0,
                b: 0.0,
                w: 2.0,
            },
            Row {
                x: 4,
                a: 35.5,
                b: 0.0,
                w: 1.0,
            },
            Row {
                x: 50,
                a: 12.0,
                b: 0.0,
                w: 1.0,
            },
        ];
        let th = [1.2, 0.9, 2.5];
        let mut g = [0.0; 3];
        nll_grad(&rows, th, &mut g);
        for i in 0..3 {
            let (mut p, mut m) = (th, th);
            p[i] += 1e-6;
            m[i] -= 1e-6;
            let mut t = [0.0; 3];
            let fd = (nll_grad(&rows, p, &mut t) - nll_grad(&rows, m, &mut t)) / 2e-6;
            assert!(
                (fd - g[i]).abs() < 1e-6 * (1.0 + g[i].abs()),
                "{i}: {fd} {}",
                g[i]
            );
        }
    }

    #[test]
    fn constrained_fit_keeps_q_above_one() {
        // A heavy-tailed population: spend means spread over three orders
        // of magnitude.
        let mut spend = Vec::new();
        for (x, zs) in [(1, [1, 5, 40, 300, 2000]), (2, [2, 8, 50, 250, 900])] {
            for z in zs {
                spend.push(SpendHistory::new(CustomerId::new(0), x, Decimal::from(z)).unwrap());
            }
        }
        let eps = 0.05;
        let fit = GammaGamma::new()
            .q_at_least_one_plus(eps)
            .fit_detailed(&spend)
            .unwrap();
        assert!(fit.params().q() >= 1.0 + eps);
        assert!(fit.params().population_mean_f64().unwrap() > 0.0);
        let free = GammaGamma::new().fit_detailed(&spend).unwrap();
        assert!(free.log_likelihood() >= fit.log_likelihood() - 1e-9);
        for bad in [0.0, -1.0, f64::NAN] {
            assert!(matches!(
                GammaGamma::new()
                    .q_at_least_one_plus(bad)
                    .fit_detailed(&spend),
                Err(Error::InvalidParameter {
                    name: "epsilon",
                    ..
                })
            ));
        }
    }

    #[test]
    fn fit_needs_a_repeat_buyer() {
        assert!(GammaGamma::new().fit_detailed(&[]).is_err());
        assert!(
            GammaGamma::new()
                .fit_detailed(&[spend(0, Decimal::ZERO)])
                .is_err()
        );
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_validates() {
        let gg = GammaGammaParams::new(6.25, 3.74, 15.44).unwrap();
        let json = serde_json::to_string(&gg).unwrap();
        assert_eq!(serde_json::from_str::<GammaGammaParams>(&json).unwrap(), gg);
        assert!(serde_json::from_str::<GammaGammaParams>(r#"{"p":1,"q":-1,"gamma":1}"#).is_err());
    }
}
