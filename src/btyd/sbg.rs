//! The shifted-beta-geometric (sBG) model of contractual retention (Fader &
//! Hardie 2007, 2010; [spec](crate::btyd::spec#sbg-model)).

use rust_decimal::prelude::ToPrimitive;

use crate::btyd::boundary::SBG_RAYS;
use crate::btyd::fitting::{Problem, fit_log_params, fit_options_builder};
use crate::btyd::math::dlgamma;
use crate::btyd::math::positive;
use crate::btyd::report::{FitReport, ModelParameters};
use crate::btyd::status::FitOptions;
use crate::clv::DiscountRate;
use crate::{Error, Fit, Result, Scorer};

/// Most terms the `₂F₁(1, b; c; z)` series may take before it is an error.
const MAX_TERMS: usize = 1_000_000;

/// `₂F₁(1, b; c; z)` at `z = 1/(1+d)` for `d ≥ 0`, `0 < b < c`, by the
/// direct series of positive terms `t_{k+1} = t_k·(b+k)/(c+k)·z`
/// ([spec](crate::btyd::spec#sbg-discounted-lifetime) \[D\]). Every ratio is below `z`, so the tail
/// after a term `t` is below `t·z/(1−z)`; the sum stops when that bound is
/// `≤ 1e-17·S`. At `d = 0` it is Gauss's `(c−1)/(c−b−1)` when `c−b > 1`.
///
/// # Errors
///
/// [`Error::InvalidValue`] naming `what` when `d = 0` and `c − b ≤ 1` (the
/// sum diverges), or when more than 10⁶ terms are needed (`d` below about
/// 4·10⁻⁵).
pub(crate) fn hyp2f1_unit_a(b: f64, c: f64, d: f64, what: &'static str) -> Result<f64> {
    if d == 0.0 {
        return if c - b > 1.0 {
            Ok((c - 1.0) / (c - b - 1.0))
        } else {
            Err(Error::InvalidValue {
                what,
                reason: format!(
                    "the undiscounted sum is infinite: it needs a discount rate > 0 when the churn shape is <= 1, got {}",
                    c - b
                ),
            })
        };
    }
    let z = 1.0 / (1.0 + d);
    let tail = z * (1.0 + d) / d; // z/(1−z) without cancellation
    let (mut t, mut s, mut k) = (1.0_f64, 1.0_f64, 0.0_f64);
    for _ in 0..MAX_TERMS {
        t *= (b + k) / (c + k) * z;
        s += t;
        k += 1.0;
        if t * tail <= 1e-17 * s {
            return Ok(s);
        }
    }
    Err(Error::InvalidValue {
        what,
        reason: format!(
            "series did not converge in {MAX_TERMS} terms: discount rate {d} is too small"
        ),
    })
}

/// The discount rate as an `f64` `d ≥ 0` (a negative rate makes every
/// discounted lifetime sum diverge).
pub(crate) fn discount_f64(discount: DiscountRate) -> Result<f64> {
    let d = discount.get().to_f64().ok_or(Error::Overflow {
        what: "discount rate",
    })?;
    if d.is_finite() && d >= 0.0 {
        Ok(d)
    } else {
        Err(Error::InvalidParameter {
            name: "discount",
            value: discount.get().to_string(),
            reason: "must be >= 0 for a discounted lifetime (the sum diverges otherwise)",
        })
    }
}

fn period_at_least_one(name: &'static str, t: u32) -> Result<f64> {
    if t == 0 {
        Err(Error::InvalidParameter {
            name,
            value: t.to_string(),
            reason: "must be >= 1",
        })
    } else {
        Ok(f64::from(t))
    }
}

/// sBG parameters: each customer churns at the end of every period with
/// probability `θ`, and `θ ~ Beta(α, β)` across customers ([spec](crate::btyd::spec#sbg-model)
/// \[V\]).
///
/// Fader & Hardie (2007) write the beta's shapes `α, β`, as here;
/// Fader & Hardie (2010) write them `γ, δ`
/// (`α` here is `γ` there, `β` is `δ`). Both are finite and > 0.
///
/// # Example
///
/// ```
/// use customer_value::Decimal;
/// use customer_value::btyd::SbgParams;
/// use customer_value::clv::DiscountRate;
///
/// // Fader & Hardie (2007), "High End" segment.
/// let p = SbgParams::new(0.668, 3.806)?;
/// assert!((p.retention(1)? - 0.8507).abs() < 5e-5);
/// assert!((p.survival(8) * 100.0 - 46.0).abs() < 0.05);
/// let d = DiscountRate::new(Decimal::new(10, 2))?;
/// assert!((p.discounted_expected_lifetime(d)? - 5.9226).abs() < 5e-4);
/// assert_eq!(p.expected_lifetime(), None); // α < 1: infinite
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "SbgRecord", into = "SbgRecord"))]
pub struct SbgParams {
    alpha: f64,
    beta: f64,
}

impl SbgParams {
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
    /// use customer_value::btyd::SbgParams;
    ///
    /// let p = SbgParams::new(0.704, 1.182)?;
    /// assert_eq!((p.alpha(), p.beta()), (0.704, 1.182));
    /// assert!(SbgParams::new(0.0, 1.0).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(alpha: f64, beta: f64) -> Result<Self> {
        Ok(Self {
            alpha: positive("alpha", alpha)?,
            beta: positive("beta", beta)?,
        })
    }

    /// `α` (`γ` in Fader & Hardie 2010), the first shape of the churn
    /// probability's beta distribution.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// `β` (`δ` in Fader & Hardie 2010), the second shape of the churn
    /// probability's beta distribution.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    fn theta(&self) -> [f64; 2] {
        [self.alpha.ln(), self.beta.ln()]
    }

    /// `S(t)`: the probability that a new customer is still active after
    /// `t` periods, `S(0) = 1` ([spec](crate::btyd::spec#sbg-model) \[V\]), in logs without
    /// cancellation:
    ///
    /// ```text
    /// S(t) = B(α, β+t)/B(α, β) = exp(Δlnγ(β, t) − Δlnγ(α+β, t))
    /// ```
    pub fn survival(&self, t: u32) -> f64 {
        let tf = f64::from(t);
        (dlgamma(self.beta, tf) - dlgamma(self.alpha + self.beta, tf)).exp()
    }

    /// `r_t = S(t)/S(t−1)`: the share of the customers active after period
    /// `t − 1` who renew in period `t`; it rises with `t` as the
    /// churn-prone leave ([spec](crate::btyd::spec#sbg-model) \[V\]):
    ///
    /// ```text
    /// r_t = (β+t−1)/(α+β+t−1)
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `t = 0`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::btyd::SbgParams;
    ///
    /// let p = SbgParams::new(0.704, 1.182)?;
    /// assert!((p.retention(1)? - 0.6267).abs() < 5e-5);
    /// assert!(p.retention(0).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn retention(&self, t: u32) -> Result<f64> {
        let t = period_at_least_one("period", t)?;
        Ok((self.beta + t - 1.0) / (self.alpha + self.beta + t - 1.0))
    }

    /// `P(T = t)`: the probability that a new customer churns in period
    /// `t` ([spec](crate::btyd::spec#sbg-model) \[V\]):
    ///
    /// ```text
    /// P(T = t) = B(α+1, β+t−1)/B(α, β) = α/(α+β+t−1) · S(t−1)
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `t = 0`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::btyd::SbgParams;
    ///
    /// let p = SbgParams::new(0.704, 1.182)?;
    /// let total: f64 = (1..=5).map(|t| p.churn_probability(t).unwrap()).sum();
    /// assert!((total - (1.0 - p.survival(5))).abs() < 1e-15);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn churn_probability(&self, t: u32) -> Result<f64> {
        let tf = period_at_least_one("period", t)?;
        Ok(self.alpha / (self.alpha + self.beta + tf - 1.0) * self.survival(t - 1))
    }

    /// `E[T] = (α+β−1)/(α−1)`, the expected lifetime in periods counting
    /// the first, or `None` when `α ≤ 1` and it is infinite
    /// ([spec](crate::btyd::spec#sbg-model) \[V\]).
    pub fn expected_lifetime(&self) -> Option<f64> {
        (self.alpha > 1.0).then(|| (self.alpha + self.beta - 1.0) / (self.alpha - 1.0))
    }

    /// The log-likelihood of one cohort ([spec](crate::btyd::spec#sbg-likelihood) \[V\]), with `N_t`
    /// the customers active at the end of period `t` and `n` the last
    /// period observed; a zero count contributes 0:
    ///
    /// ```text
    /// LL(α, β) = Σ_{t=1..n} (N_{t−1} − N_t)·ln P(T = t) + N_n·ln S(n)
    /// ```
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::btyd::{Cohort, SbgParams};
    ///
    /// let high_end = Cohort::new(0, vec![1000, 869, 743, 653, 593, 551, 517, 491])?;
    /// let p = SbgParams::new(1.0, 1.0)?;
    /// assert!((p.log_likelihood(&high_end) / 1000.0 - -2.1155).abs() < 5e-5);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn log_likelihood(&self, cohort: &Cohort) -> f64 {
        let mut g = [0.0; 2];
        -nll_grad(std::slice::from_ref(cohort), self.theta(), &mut g)
    }

    /// The gradient of [`log_likelihood`](Self::log_likelihood) with
    /// respect to `(ln α, ln β)` (analytic, [spec](crate::btyd::spec#sbg-likelihood) \[D\]): with
    /// `u_t = α+β+t−1`,
    ///
    /// ```text
    /// ∂ln S(t)/∂α = −Σ_{j≤t} 1/u_j        ∂ln S(t)/∂β = Σ_{j≤t} [1/(β+j−1) − 1/u_j]
    /// ∂ln P(t)/∂α = ∂ln S(t−1)/∂α + 1/α − 1/u_t
    /// ∂ln P(t)/∂β = ∂ln S(t−1)/∂β − 1/u_t
    /// ```
    ///
    /// each multiplied by `α` or `β` for the log-parameters.
    pub fn log_likelihood_gradient(&self, cohort: &Cohort) -> [f64; 2] {
        let mut g = [0.0; 2];
        nll_grad(std::slice::from_ref(cohort), self.theta(), &mut g);
        g.map(|v| -v)
    }

    /// DEL: the discounted expected lifetime of a new customer who pays
    /// once at the start of each period while active, the first payment
    /// undiscounted ([spec](crate::btyd::spec#sbg-discounted-lifetime) \[V\]); `d` is the discount rate per
    /// period and `z = 1/(1+d)`:
    ///
    /// ```text
    /// DEL = Σ_{t≥0} S(t)·z^t = ₂F₁(1, β; α+β; z)
    /// ```
    ///
    /// The series has positive terms ([spec](crate::btyd::spec#hypergeometric-series)). At `d = 0` it is
    /// the expected lifetime `E[T]`, finite only when `α > 1`.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidParameter`] when `d < 0`.
    /// - [`Error::InvalidValue`] when `d = 0` and `α ≤ 1` (infinite), or
    ///   when `d` is so small (below about 4·10⁻⁵) that the series needs
    ///   more than 10⁶ terms.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::Decimal;
    /// use customer_value::btyd::SbgParams;
    /// use customer_value::clv::DiscountRate;
    ///
    /// let p = SbgParams::new(0.704, 1.182)?;
    /// let d = DiscountRate::new(Decimal::new(10, 2))?;
    /// assert!((p.discounted_expected_lifetime(d)? - 3.6951).abs() < 5e-5);
    /// assert!(p.discounted_expected_lifetime(DiscountRate::new(Decimal::ZERO)?).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn discounted_expected_lifetime(&self, discount: DiscountRate) -> Result<f64> {
        let d = discount_f64(discount)?;
        hyp2f1_unit_a(
            self.beta,
            self.alpha + self.beta,
            d,
            "sBG discounted lifetime",
        )
    }

    /// DERL: the discounted expected residual lifetime of a customer who
    /// has renewed `n − 1` times and is about to make the `n`-th renewal
    /// decision; the payment at that renewal is undiscounted (Fader & Hardie
    /// 2010 eq. 6; [spec](crate::btyd::spec#sbg-discounted-lifetime) \[V\]). Multiply by the margin per period
    /// for the expected residual value.
    ///
    /// ```text
    /// DERL(d | n−1 renewals) = Σ_{t≥n} [S(t)/S(n−1)]·z^{t−n}
    ///                        = (β+n−1)/(α+β+n−1) · ₂F₁(1, β+n; α+β+n; z)
    /// DERL(d, n = 1) = (1+d)·(DEL − 1);   at d = 0 (α > 1): (β+n−1)/(α−1)
    /// ```
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidParameter`] when `n = 0` or `d < 0`.
    /// - [`Error::InvalidValue`] as for
    ///   [`discounted_expected_lifetime`](Self::discounted_expected_lifetime).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::Decimal;
    /// use customer_value::btyd::SbgParams;
    /// use customer_value::clv::DiscountRate;
    ///
    /// // Fader & Hardie (2010): High End at d = 10 %.
    /// let p = SbgParams::new(0.668, 3.806)?;
    /// let d = DiscountRate::new(Decimal::new(10, 2))?;
    /// assert!((p.discounted_expected_residual_lifetime(d, 1)? - 5.4149).abs() < 5e-4);
    /// assert!((p.discounted_expected_residual_lifetime(d, 5)? - 6.8971).abs() < 5e-4);
    /// assert!(p.discounted_expected_residual_lifetime(d, 0).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn discounted_expected_residual_lifetime(
        &self,
        discount: DiscountRate,
        n: u32,
    ) -> Result<f64> {
        let nf = period_at_least_one("n", n)?;
        let d = discount_f64(discount)?;
        let (a, b) = (self.alpha, self.beta);
        let f = hyp2f1_unit_a(b + nf, a + b + nf, d, "sBG discounted residual lifetime")?;
        Ok((b + nf - 1.0) / (a + b + nf - 1.0) * f)
    }
}

/// One cohort of contractual customers: `N_0` acquired in period `start`,
/// and `N_t` still active at the end of each of the `n ≥ 1` periods since
/// ([spec](crate::btyd::spec#sbg-model)).
///
/// Invariants: at least two counts, `N_0 > 0`, counts non-increasing.
/// `start` is the calendar period of acquisition; it names the cohort in
/// error messages and does not enter the likelihood, where each cohort
/// counts its own periods from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "CohortRecord", into = "CohortRecord")
)]
pub struct Cohort {
    start: u32,
    survivors: Vec<u64>,
}

impl Cohort {
    /// A validated cohort: `survivors[t]` customers active at the end of
    /// period `t` of the cohort's life, `survivors[0]` the cohort size.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`], naming the cohort's start and the period,
    /// when there are fewer than two counts, `N_0 = 0`, or a count exceeds
    /// the one before it.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::btyd::Cohort;
    ///
    /// let c = Cohort::new(2020, vec![1000, 631, 468])?;
    /// assert_eq!((c.start(), c.size(), c.periods()), (2020, 1000, 2));
    /// assert!(Cohort::new(2020, vec![1000, 1001]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(start: u32, survivors: Vec<u64>) -> Result<Self> {
        let bad = |reason: String| Error::InvalidValue {
            what: "cohort",
            reason: format!("cohort starting in period {start}: {reason}"),
        };
        if survivors.len() < 2 {
            return Err(bad(format!(
                "needs the size and at least one period's survivors, got {} counts",
                survivors.len()
            )));
        }
        if survivors[0] == 0 {
            return Err(bad("size N_0 must be > 0, got 0".into()));
        }
        if let Some(t) = (1..survivors.len()).find(|&t| survivors[t] > survivors[t - 1]) {
            return Err(bad(format!(
                "survivors must not increase: N_{t} = {} > N_{} = {}",
                survivors[t],
                t - 1,
                survivors[t - 1]
            )));
        }
        Ok(Self { start, survivors })
    }

    /// The calendar period in which the cohort was acquired.
    pub fn start(&self) -> u32 {
        self.start
    }

    /// `N_0`, the cohort's size.
    pub fn size(&self) -> u64 {
        self.survivors[0]
    }

    /// `n`, the periods observed after acquisition.
    pub fn periods(&self) -> usize {
        self.survivors.len() - 1
    }

    /// `N_0, N_1, …, N_n`.
    pub fn survivors(&self) -> &[u64] {
        &self.survivors
    }
}

/// Negative total log-likelihood of the cohorts at `θ = (ln α, ln β)`, and
/// its gradient in `θ`.
fn nll_grad(cohorts: &[Cohort], theta: [f64; 2], grad: &mut [f64; 2]) -> f64 {
    let [a, b] = theta.map(f64::exp);
    let ln_a = theta[0];
    let (mut ll, mut ga, mut gb) = (0.0, 0.0, 0.0);
    for cohort in cohorts {
        let n = &cohort.survivors;
        // ln S(t−1) and its derivatives, from t = 1.
        let (mut ln_s, mut ds_a, mut ds_b) = (0.0, 0.0, 0.0);
        for t in 1..n.len() {
            let k = (t - 1) as f64;
            let u = a + b + k;
            let lost = n[t - 1] - n[t];
            if lost > 0 {
                let w = lost as f64;
                ll += w * (ln_s + ln_a - u.ln());
                ga += w * (ds_a + 1.0 / a - 1.0 / u);
                gb += w * (ds_b - 1.0 / u);
            }
            // ln r_t = ln(1 − α/u).
            ln_s += (-a / u).ln_1p();
            ds_a -= 1.0 / u;
            ds_b += 1.0 / (b + k) - 1.0 / u;
        }
        let last = n[n.len() - 1];
        if last > 0 {
            let w = last as f64;
            ll += w * ln_s;
            ga += w * ds_a;
            gb += w * ds_b;
        }
    }
    grad[0] = -ga * a;
    grad[1] = -gb * b;
    -ll
}

/// The sBG fitter: maximum likelihood over `(ln α, ln β)` by BFGS from
/// `α = β = 1` with the analytic gradient ([spec](crate::btyd::spec#sbg-likelihood), [start](crate::btyd::spec#start-point)).
///
/// # Example
///
/// ```
/// use customer_value::btyd::{Cohort, Sbg};
///
/// // Fader & Hardie (2007), "Regular" segment, years 0-7.
/// let regular = Cohort::new(0, vec![1000, 631, 468, 382, 326, 289, 262, 241])?;
/// let fit = Sbg::new().fit_cohort(&regular)?;
/// assert!((fit.params().alpha() - 0.704).abs() < 5e-4);
/// assert!((fit.params().beta() - 1.182).abs() < 5e-4);
/// assert!((fit.log_likelihood() - -1680.27).abs() < 5e-3);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sbg {
    options: FitOptions,
}

impl Default for Sbg {
    fn default() -> Self {
        Self::new()
    }
}

impl Sbg {
    /// The fitter with the default [`FitOptions`] (at most 1000 BFGS
    /// iterations, no penalty).
    pub fn new() -> Self {
        Self {
            options: FitOptions::new(),
        }
    }

    fit_options_builder!();

    /// Fits one cohort.
    ///
    /// # Errors
    ///
    /// As [`fit_cohorts`](Self::fit_cohorts).
    ///
    /// # Example
    ///
    /// See [`Sbg`].
    pub fn fit_cohort(&self, cohort: &Cohort) -> Result<SbgFit> {
        self.fit_cohorts(std::slice::from_ref(cohort))
    }

    /// Fits several cohorts, each observed for its own number of periods:
    /// the log-likelihood is the sum of the cohorts' ([spec](crate::btyd::spec#sbg-likelihood)).
    ///
    /// # Errors
    ///
    /// - [`Error::EmptyInput`] when `cohorts` is empty.
    /// - [`Error::NotIdentified`] when nobody churns or everybody churns in
    ///   the first period (the supremum is a corner, `α → 0` or `β → 0`,
    ///   where the other parameter means nothing).
    /// - [`Error::InvalidParameter`] for a bad penalty or start in the
    ///   [`FitOptions`].
    /// - [`Error::NotConverged`] with the best point reached when the
    ///   optimiser does not converge, unless the options keep unconverged
    ///   fits.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::btyd::{Cohort, Sbg};
    ///
    /// let cohorts = [
    ///     Cohort::new(1, vec![10000, 8000, 6480, 5307, 4391])?,
    ///     Cohort::new(2, vec![10000, 8000, 6480, 5307])?,
    ///     Cohort::new(3, vec![10000, 8000, 6480])?,
    ///     Cohort::new(4, vec![10000, 8000])?,
    /// ];
    /// let fit = Sbg::new().fit_cohorts(&cohorts)?;
    /// assert!((fit.params().alpha() - 3.7981).abs() < 5e-4);
    /// assert!((fit.params().beta() - 15.1919).abs() < 5e-3);
    /// assert_eq!((fit.customers(), fit.cohorts()), (40000.0, 4));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn fit_cohorts(&self, cohorts: &[Cohort]) -> Result<SbgFit> {
        const WHAT: &str = "sBG fit";
        if cohorts.is_empty() {
            return Err(Error::EmptyInput {
                what: WHAT,
                needs: "cohort",
            });
        }
        let churned: u64 = cohorts
            .iter()
            .map(|c| c.size() - c.survivors[c.periods()])
            .sum();
        let survived: u64 = cohorts.iter().map(|c| c.survivors[c.periods()]).sum();
        // Data that identify nothing: the likelihood's supremum is a
        // corner where one parameter goes to 0 and the other means nothing.
        if churned == 0 {
            return Err(Error::NotIdentified {
                what: WHAT,
                reason: "nobody churned: the likelihood rises without bound as alpha -> 0 \
                         (no churn at all), whatever beta"
                    .into(),
            });
        }
        if survived == 0 && cohorts.iter().all(|c| c.survivors[1] == 0) {
            return Err(Error::NotIdentified {
                what: WHAT,
                reason: "everybody churned in the first period: the likelihood rises without \
                         bound as beta -> 0 (churn probability 1), whatever alpha"
                    .into(),
            });
        }
        // Cohort sizes are > 0 (checked by `Cohort::new`), so the total is.
        let customers = cohorts.iter().map(|c| c.size() as f64).sum::<f64>();
        let problem = Problem::new(WHAT, SbgParams::NAMES, customers).rays(SBG_RAYS);
        let fitted = fit_log_params(
            &problem,
            &self.options,
            |th: &[f64; 2], g: &mut [f64; 2]| nll_grad(cohorts, *th, g),
            |natural: &[f64; 2]| -nll_grad(cohorts, natural.map(f64::ln), &mut [0.0; 2]),
        )?;
        FitReport::from_fitted(WHAT, fitted, customers, cohorts.len())
    }
}

impl Fit for Sbg {
    type Input = Cohort;
    type Fitted = SbgParams;

    /// [`Sbg::fit_cohorts`], returning the parameters; see there for the
    /// errors.
    fn fit(&self, cohorts: &[Cohort]) -> Result<SbgParams> {
        Ok(self.fit_cohorts(cohorts)?.into_params())
    }
}

impl Scorer for SbgParams {
    type Input = Cohort;
    type Score = f64;

    /// The cohort's [log-likelihood](SbgParams::log_likelihood) under these
    /// parameters: how well they explain it (higher is better); never
    /// fails.
    fn score(&self, cohort: &Cohort) -> Result<f64> {
        Ok(self.log_likelihood(cohort))
    }
}

/// What an sBG fit found: the shared [`FitReport`] over `(α, β)`; its
/// [`rows`](FitReport::rows) are the cohorts, also given by
/// [`cohorts`](FitReport::cohorts), and its
/// [`customers`](FitReport::customers) the cohorts' total size `Σ N_0`.
pub type SbgFit = FitReport<SbgParams, 2>;

impl FitReport<SbgParams, 2> {
    /// Number of cohorts fitted: [`rows`](Self::rows) under its sBG name.
    pub fn cohorts(&self) -> usize {
        self.rows()
    }
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct SbgRecord {
    alpha: f64,
    beta: f64,
}

#[cfg(feature = "serde")]
impl From<SbgParams> for SbgRecord {
    fn from(p: SbgParams) -> Self {
        Self {
            alpha: p.alpha,
            beta: p.beta,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<SbgRecord> for SbgParams {
    type Error = Error;
    fn try_from(r: SbgRecord) -> Result<Self> {
        Self::new(r.alpha, r.beta)
    }
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct CohortRecord {
    start: u32,
    survivors: Vec<u64>,
}

#[cfg(feature = "serde")]
impl From<Cohort> for CohortRecord {
    fn from(c: Cohort) -> Self {
        Self {
            start: c.start,
            survivors: c.survivors,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<CohortRecord> for Cohort {
    type Error = Error;
    fn try_from(r: CohortRecord) -> Result<Self> {
        Self::new(r.start, r.survivors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn d(pct: i64) -> DiscountRate {
        DiscountRate::new(Decimal::new(pct, 2)).unwrap()
    }

    #[test]
    fn params_and_cohorts_validate() {
        assert!(SbgParams::new(1.0, 1.0).is_ok());
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                SbgParams::new(bad, 1.0),
                Err(Error::InvalidParameter { name: "alpha", .. })
            ));
            assert!(matches!(
                SbgParams::new(1.0, bad),
                Err(Error::InvalidParameter { name: "beta", .. })
            ));
        }
        assert!(Cohort::new(0, vec![5, 5]).is_ok());
        for bad in [vec![], vec![5], vec![0, 0], vec![5, 6], vec![5, 3, 4]] {
            assert!(
                matches!(Cohort::new(3, bad.clone()), Err(Error::InvalidValue { .. })),
                "{bad:?}"
            );
        }
        let err = Cohort::new(7, vec![5, 3, 4]).unwrap_err();
        assert!(err.to_string().contains("period 7"), "{err}");
    }

    #[test]
    fn survival_pmf_retention_agree() {
        let p = SbgParams::new(0.7, 1.2).unwrap();
        assert_eq!(p.survival(0), 1.0);
        let mut s = 1.0;
        for t in 1..200 {
            let r = p.retention(t).unwrap();
            let pt = p.churn_probability(t).unwrap();
            assert!(((s - pt) - s * r).abs() < 1e-13 * s);
            s *= r;
            assert!((p.survival(t) / s - 1.0).abs() < 1e-12, "{t}");
        }
        assert!(p.churn_probability(0).is_err());
        // The Beta-function form.
        let lb = |x: f64, y: f64| {
            statrs::function::gamma::ln_gamma(x) + statrs::function::gamma::ln_gamma(y)
                - statrs::function::gamma::ln_gamma(x + y)
        };
        let want = (lb(1.7, 1.2 + 4.0) - lb(0.7, 1.2)).exp();
        assert!((p.churn_probability(5).unwrap() / want - 1.0).abs() < 1e-13);
    }

    #[test]
    fn series_matches_brute_force_and_identities() {
        let p = SbgParams::new(0.668, 3.806).unwrap();
        let dd: f64 = 0.1;
        let brute: f64 = (0..3000)
            .map(|t| p.survival(t) * (1.0 + dd).powi(-(t as i32)))
            .sum();
        let del = p.discounted_expected_lifetime(d(10)).unwrap();
        assert!((del / brute - 1.0).abs() < 1e-12, "{del} {brute}");
        let derl1 = p.discounted_expected_residual_lifetime(d(10), 1).unwrap();
        assert!((derl1 / (1.1 * (del - 1.0)) - 1.0).abs() < 1e-12);
        let n = 4;
        let s = p.survival(n - 1);
        let brute: f64 = (n..3000)
            .map(|t| p.survival(t) / s * (1.1f64).powi(-((t - n) as i32)))
            .sum();
        let got = p.discounted_expected_residual_lifetime(d(10), n).unwrap();
        assert!((got / brute - 1.0).abs() < 1e-12);
        // d = 0 with α > 1: E[T] and (β+n−1)/(α−1).
        let q = SbgParams::new(3.8, 15.19).unwrap();
        assert!((q.discounted_expected_lifetime(d(0)).unwrap() - 17.99 / 2.8).abs() < 1e-12);
        assert_eq!(q.expected_lifetime(), Some(17.99 / 2.8));
        assert!(
            (q.discounted_expected_residual_lifetime(d(0), 1).unwrap() - 15.19 / 2.8).abs() < 1e-12
        );
        // Errors.
        assert!(p.discounted_expected_lifetime(d(0)).is_err());
        assert!(p.discounted_expected_lifetime(d(-5)).is_err());
        assert!(matches!(
            p.discounted_expected_lifetime(DiscountRate::new(Decimal::new(1, 7)).unwrap()),
            Err(Error::InvalidValue { .. })
        ));
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let cohorts = [
            Cohort::new(0, vec![1000, 631, 468, 382, 326, 289, 262, 241]).unwrap(),
            Cohort::new(1, vec![50, 50, 20, 0]).unwrap(),
        ];
        let th = [-0.3, 0.4];
        let mut g = [0.0; 2];
        nll_grad(&cohorts, th, &mut g);
        for i in 0..2 {
            let (mut p, mut m) = (th, th);
            p[i] += 1e-6;
            m[i] -= 1e-6;
            let mut tmp = [0.0; 2];
            let fd = (nll_grad(&cohorts, p, &mut tmp) - nll_grad(&cohorts, m, &mut tmp)) / 2e-6;
            assert!((fd - g[i]).abs() < 1e-6 * (1.0 + g[i].abs()), "{i}");
        }
    }

    #[test]
    fn degenerate_fits_are_errors() {
        assert!(Sbg::new().fit_cohorts(&[]).is_err());
        let none_lost = Cohort::new(0, vec![10, 10, 10]).unwrap();
        assert!(Sbg::new().fit_cohort(&none_lost).is_err());
        let all_lost = Cohort::new(0, vec![10, 0, 0]).unwrap();
        assert!(Sbg::new().fit_cohort(&all_lost).is_err());
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_validates() {
        let p = SbgParams::new(0.5, 2.0).unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<SbgParams>(&json).unwrap(), p);
        assert!(serde_json::from_str::<SbgParams>(r#"{"alpha":-1,"beta":1}"#).is_err());
        let c = Cohort::new(2, vec![3, 2]).unwrap();
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<Cohort>(&json).unwrap(), c);
        assert!(serde_json::from_str::<Cohort>(r#"{"start":0,"survivors":[1,2]}"#).is_err());
    }
}
