//! Holdout evaluation and model choice for the continuous-time purchase
//! models (BG/NBD, MBG/NBD, Pareto/NBD).
//!
//! A model fitted on a calibration period is judged on a holdout period
//! that follows it, the way Fader, Hardie & Lee (2005a, figures 2–4) judge
//! the BG/NBD on CDNOW:
//!
//! - [`evaluate_holdout`]: the calibration-vs-holdout table (mean actual
//!   holdout purchases against the mean conditional expectation
//!   `E[Y(t*) | x, t_x, T]`, by calibration frequency `0..k−1` and `k+`),
//!   per-customer error metrics ([`ErrorMetrics`]: MAE, RMSE, bias) and
//!   the mean log score of the observed holdout count under the model's
//!   conditional pmf.
//! - [`track`]: aggregate tracking by period, incremental and cumulative,
//!   expected against actual repeat transactions, from a
//!   [`RepeatPurchases`] record of each customer's first purchase and
//!   repeat purchase times.
//! - Model choice: [`likelihood_ratio_test`], the no-dropout limit
//!   [`NbdFit`] for testing dropout itself, and [`compare_models`], which
//!   fits every purchase model and ranks them by BIC and by holdout log
//!   score.
//!
//! Timing: calibration histories `(x, t_x, T)` count repeat purchases from
//! each customer's first purchase; the holdout window is `(T, T + t*]` in
//! the same unit, so every customer's holdout has the same length `t*`.
//!
//! # Example
//!
//! ```
//! use customer_value::CustomerId;
//! use customer_value::btyd::{BgNbdParams, CustomerHistory, PurchaseModel};
//! use customer_value::btyd::evaluate::{HoldoutCustomer, evaluate_holdout};
//!
//! let model = PurchaseModel::from(BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754)?);
//! let customers = vec![
//!     HoldoutCustomer::new(CustomerHistory::new(CustomerId::new(1), 0, 0.0, 39.0)?, 0),
//!     HoldoutCustomer::new(CustomerHistory::new(CustomerId::new(2), 3, 30.0, 38.0)?, 2),
//!     HoldoutCustomer::new(CustomerHistory::new(CustomerId::new(3), 9, 37.0, 39.0)?, 7),
//! ];
//! let report = evaluate_holdout(&model, &customers, 39.0, 2)?;
//! assert_eq!(report.by_frequency().len(), 2); // x = 0 and x = 2+
//! assert!(report.errors().rmse() >= report.errors().mae());
//! assert!(report.log_score() < 0.0);
//! # Ok::<(), customer_value::Error>(())
//! ```

use super::bgnbd::BgNbd;
use super::input::CustomerHistory;
use super::math::dlgamma;
use super::mbgnbd::MbgNbd;
use super::model::PurchaseModel;
use super::pareto_nbd::ParetoNbd;
use crate::{CustomerSummary, Date, Error, Result, Summary, TimeUnit, Transaction};

/// A customer's calibration history and the repeat purchases he made in
/// the holdout window `(T, T + t*]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HoldoutCustomer {
    history: CustomerHistory,
    holdout_purchases: u32,
}

impl HoldoutCustomer {
    /// A calibration history and its holdout purchase count.
    pub fn new(history: CustomerHistory, holdout_purchases: u32) -> Self {
        HoldoutCustomer {
            history,
            holdout_purchases,
        }
    }

    /// From a summary row made with a holdout end
    /// ([`CustomerSummary::holdout`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when the row has no holdout activity (the
    /// summariser had no holdout end); as
    /// [`CustomerHistory::from_summary`] (a customer first seen on the
    /// calibration end, `T = 0`, has no history to condition on: leave such
    /// rows out first, as the command line does).
    pub fn from_summary(summary: &CustomerSummary) -> Result<Self> {
        let holdout = summary.holdout().ok_or(Error::InvalidValue {
            what: "holdout evaluation",
            reason: "the summary has no holdout period (give the summariser a holdout end)".into(),
        })?;
        Ok(Self::new(
            CustomerHistory::from_summary(summary)?,
            holdout.purchases(),
        ))
    }

    /// Every customer of a summary made with a holdout end, with the
    /// holdout length in the summary's unit.
    ///
    /// # Errors
    ///
    /// As [`from_summary`](Self::from_summary).
    pub fn from_summaries(summary: &Summary) -> Result<(Vec<Self>, f64)> {
        let length = summary.holdout_duration().ok_or(Error::InvalidValue {
            what: "holdout evaluation",
            reason: "the summary has no holdout period (give the summariser a holdout end)".into(),
        })?;
        let rows = summary
            .customers()
            .iter()
            .map(Self::from_summary)
            .collect::<Result<Vec<_>>>()?;
        Ok((rows, length))
    }

    /// The calibration history.
    pub fn history(&self) -> &CustomerHistory {
        &self.history
    }

    /// Repeat purchases in the holdout window.
    pub fn holdout_purchases(&self) -> u32 {
        self.holdout_purchases
    }
}

/// One row of the calibration-vs-holdout table.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct FrequencyGroup {
    frequency: u32,
    and_above: bool,
    customers: u64,
    actual_mean: f64,
    predicted_mean: f64,
}

impl FrequencyGroup {
    /// The calibration frequency `x` of the group (its lower bound when
    /// [`and_above`](Self::and_above)).
    pub fn frequency(&self) -> u32 {
        self.frequency
    }
    /// Whether the group is `x ≥ frequency` (the last, open group).
    pub fn and_above(&self) -> bool {
        self.and_above
    }
    /// Customers in the group.
    pub fn customers(&self) -> u64 {
        self.customers
    }
    /// Mean actual holdout purchases.
    pub fn actual_mean(&self) -> f64 {
        self.actual_mean
    }
    /// Mean conditional expectation `E[Y(t*) | x, t_x, T]`.
    pub fn predicted_mean(&self) -> f64 {
        self.predicted_mean
    }
}

/// Per-customer errors of predicted against actual counts: mean absolute
/// error, root mean squared error and bias (mean of predicted − actual,
/// positive when the model over-predicts).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ErrorMetrics {
    customers: u64,
    mae: f64,
    rmse: f64,
    bias: f64,
}

impl ErrorMetrics {
    /// The metrics of paired predictions and actuals.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] for no pairs; [`Error::InvalidValue`] when
    /// the slices differ in length or hold a non-finite number.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::btyd::evaluate::ErrorMetrics;
    ///
    /// let m = ErrorMetrics::new(&[1.0, 2.0, 4.0], &[1.0, 3.0, 2.0])?;
    /// assert_eq!(m.mae(), 1.0);
    /// assert!((m.rmse() - (5.0f64 / 3.0).sqrt()).abs() < 1e-15);
    /// assert!((m.bias() - 1.0 / 3.0).abs() < 1e-15); // predicted − actual: 0, −1, +2
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(predicted: &[f64], actual: &[f64]) -> Result<Self> {
        if predicted.len() != actual.len() {
            return Err(Error::InvalidValue {
                what: "error metrics",
                reason: format!(
                    "{} predictions for {} actual values",
                    predicted.len(),
                    actual.len()
                ),
            });
        }
        if predicted.is_empty() {
            return Err(Error::EmptyInput {
                what: "error metrics",
                needs: "at least one customer",
            });
        }
        let (mut abs, mut sq, mut bias) = (0.0, 0.0, 0.0);
        for (&p, &a) in predicted.iter().zip(actual) {
            if !(p.is_finite() && a.is_finite()) {
                return Err(Error::InvalidValue {
                    what: "error metrics",
                    reason: format!("non-finite value (predicted {p}, actual {a})"),
                });
            }
            let e = p - a;
            abs += e.abs();
            sq += e * e;
            bias += e;
        }
        let n = predicted.len() as f64;
        let (mae, rmse) = (abs / n, (sq / n).sqrt());
        Ok(ErrorMetrics {
            customers: predicted.len() as u64,
            mae,
            // RMSE ≥ MAE holds exactly; keep it through rounding.
            rmse: rmse.max(mae),
            bias: bias / n,
        })
    }

    /// Number of customers.
    pub fn customers(&self) -> u64 {
        self.customers
    }
    /// Mean absolute error.
    pub fn mae(&self) -> f64 {
        self.mae
    }
    /// Root mean squared error (`≥` MAE).
    pub fn rmse(&self) -> f64 {
        self.rmse
    }
    /// Mean of predicted − actual.
    pub fn bias(&self) -> f64 {
        self.bias
    }
}

/// The result of [`evaluate_holdout`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct HoldoutEvaluation {
    model: &'static str,
    holdout: f64,
    by_frequency: Vec<FrequencyGroup>,
    total_actual: u64,
    total_predicted: f64,
    errors: ErrorMetrics,
    log_score: f64,
}

impl HoldoutEvaluation {
    /// The model's name ("BG/NBD", ...).
    pub fn model(&self) -> &'static str {
        self.model
    }
    /// Holdout length `t*`.
    pub fn holdout(&self) -> f64 {
        self.holdout
    }
    /// The calibration-vs-holdout table, non-empty groups only, by
    /// frequency.
    pub fn by_frequency(&self) -> &[FrequencyGroup] {
        &self.by_frequency
    }
    /// Total actual holdout purchases.
    pub fn total_actual(&self) -> u64 {
        self.total_actual
    }
    /// Total conditional expectation of the holdout purchases.
    pub fn total_predicted(&self) -> f64 {
        self.total_predicted
    }
    /// Per-customer MAE, RMSE and bias of the holdout purchases.
    pub fn errors(&self) -> &ErrorMetrics {
        &self.errors
    }
    /// Mean over customers of `ln P(X(T, T+t*) = y | x, t_x, T)`, `y` the
    /// observed holdout count (higher is better; 0 is a perfect forecast).
    pub fn log_score(&self) -> f64 {
        self.log_score
    }
}

/// Sums in a fixed order (sorted), so the result does not depend on the
/// order of the customers.
fn stable_sum(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.into_iter().sum()
}

/// Evaluates `model` on the holdout purchases of `customers` over a holdout
/// of length `holdout` (the unit of the histories): the
/// calibration-vs-holdout table grouped by calibration frequency
/// `0, 1, …, groups−1` and `groups+` (FHL 2005a figure 4 uses `groups = 7`),
/// per-customer [`ErrorMetrics`] of the conditional expectation
/// `E[Y(t*) | x, t_x, T]` against the actual count, and the mean log score
/// of the actual count under the conditional pmf
/// ([`PurchaseModel::conditional_prob_purchases`]). Sums are taken in
/// sorted order, so the result does not depend on the customers' order.
///
/// # Errors
///
/// - [`Error::EmptyInput`] for no customers; [`Error::InvalidParameter`]
///   for `groups = 0` or a holdout that is not finite and `> 0`.
/// - [`Error::InvalidValue`] when a customer's observed count has
///   probability 0 in `f64` (its log score would be `−∞`).
/// - As the model's expectation and pmf.
pub fn evaluate_holdout(
    model: &PurchaseModel,
    customers: &[HoldoutCustomer],
    holdout: f64,
    groups: u32,
) -> Result<HoldoutEvaluation> {
    if customers.is_empty() {
        return Err(Error::EmptyInput {
            what: "holdout evaluation",
            needs: "at least one customer",
        });
    }
    if groups == 0 {
        return Err(Error::InvalidParameter {
            name: "groups",
            value: "0".into(),
            reason: "must be at least 1",
        });
    }
    if !(holdout.is_finite() && holdout > 0.0) {
        return Err(Error::InvalidParameter {
            name: "holdout",
            value: holdout.to_string(),
            reason: "must be finite and > 0",
        });
    }
    let k = groups as usize;
    let mut predicted = Vec::with_capacity(customers.len());
    let mut actual = Vec::with_capacity(customers.len());
    let mut scores = Vec::with_capacity(customers.len());
    let mut group_pred: Vec<Vec<f64>> = vec![Vec::new(); k + 1];
    let mut group_actual = vec![0u64; k + 1];
    for c in customers {
        let h = &c.history;
        let e = model.expected_purchases(h, holdout)?;
        let y = c.holdout_purchases;
        let p = model.conditional_prob_purchases(h, holdout, y)?;
        if !(p > 0.0) {
            return Err(Error::InvalidValue {
                what: "holdout log score",
                reason: format!(
                    "customer {:?} (x = {}, t_x = {}, T = {}) made {y} holdout purchases, which has probability 0 in f64 under {}",
                    h.customer(),
                    h.x(),
                    h.t_x(),
                    h.age(),
                    model.name()
                ),
            });
        }
        let g = (h.x() as usize).min(k);
        group_pred[g].push(e);
        group_actual[g] += u64::from(y);
        predicted.push(e);
        actual.push(f64::from(y));
        scores.push(p.ln());
    }
    let mut by_frequency = Vec::new();
    for (g, preds) in group_pred.into_iter().enumerate() {
        if preds.is_empty() {
            continue;
        }
        let n = preds.len() as f64;
        by_frequency.push(FrequencyGroup {
            frequency: g as u32,
            and_above: g == k,
            customers: preds.len() as u64,
            actual_mean: group_actual[g] as f64 / n,
            predicted_mean: stable_sum(preds) / n,
        });
    }
    // Sort the pairs so the metrics do not depend on the input order.
    let mut pairs: Vec<(f64, f64)> = predicted.into_iter().zip(actual).collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let (predicted, actual): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
    let errors = ErrorMetrics::new(&predicted, &actual)?;
    let n = customers.len() as f64;
    Ok(HoldoutEvaluation {
        model: model.name(),
        holdout,
        by_frequency,
        total_actual: customers
            .iter()
            .map(|c| u64::from(c.holdout_purchases))
            .sum(),
        total_predicted: stable_sum(predicted),
        errors,
        log_score: stable_sum(scores) / n,
    })
}

/// Each customer's first purchase and repeat purchase times, in periods
/// since a common origin: the input of [`track`].
#[derive(Debug, Clone, PartialEq)]
pub struct RepeatPurchases {
    births: Vec<f64>,
    repeats: Vec<f64>,
}

impl RepeatPurchases {
    /// From the first-purchase times (one per customer) and the repeat
    /// purchase times of all customers, in periods since the origin.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] for a time that is negative or not finite.
    pub fn new(births: Vec<f64>, repeats: Vec<f64>) -> Result<Self> {
        if let Some(t) = births
            .iter()
            .chain(&repeats)
            .find(|t| !(t.is_finite() && **t >= 0.0))
        {
            return Err(Error::InvalidValue {
                what: "repeat purchase times",
                reason: format!("time {t} is negative or not finite"),
            });
        }
        Ok(RepeatPurchases { births, repeats })
    }

    /// From a transaction log: a purchase is a distinct (customer, day)
    /// (same-day transactions merged, the CDNOW convention of FHL 2005a);
    /// each customer's first purchase day is his birth and later purchase
    /// days are repeat purchases; times are `(day − origin)` in `unit`s.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when a transaction is dated before `origin`.
    pub fn from_transactions(
        transactions: &[Transaction],
        origin: Date,
        unit: TimeUnit,
    ) -> Result<Self> {
        let mut days: Vec<(crate::CustomerId, i32)> = Vec::with_capacity(transactions.len());
        for t in transactions {
            let d = t.date().days_since(origin);
            if d < 0 {
                return Err(Error::InvalidValue {
                    what: "repeat purchase times",
                    reason: format!(
                        "a transaction on {} is before the origin {origin}",
                        t.date()
                    ),
                });
            }
            days.push((t.customer(), d));
        }
        days.sort_unstable();
        days.dedup();
        let mut births = Vec::new();
        let mut repeats = Vec::new();
        let mut last = None;
        for (c, d) in days {
            let t = unit.periods(d);
            if last == Some(c) {
                repeats.push(t);
            } else {
                births.push(t);
                last = Some(c);
            }
        }
        Ok(RepeatPurchases { births, repeats })
    }

    /// First-purchase times, one per customer.
    pub fn births(&self) -> &[f64] {
        &self.births
    }

    /// Repeat purchase times.
    pub fn repeats(&self) -> &[f64] {
        &self.repeats
    }
}

/// One period of [`track`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TrackingPeriod {
    period: u32,
    expected_incremental: f64,
    expected_cumulative: f64,
    actual_incremental: u64,
    actual_cumulative: u64,
}

impl TrackingPeriod {
    /// The period `w`: the interval `[w−1, w)` after the origin (a
    /// purchase on day 7 after the origin falls in week 2).
    pub fn period(&self) -> u32 {
        self.period
    }
    /// Expected repeat transactions in the period.
    pub fn expected_incremental(&self) -> f64 {
        self.expected_incremental
    }
    /// Expected repeat transactions up to the end of the period.
    pub fn expected_cumulative(&self) -> f64 {
        self.expected_cumulative
    }
    /// Actual repeat transactions in the period.
    pub fn actual_incremental(&self) -> u64 {
        self.actual_incremental
    }
    /// Actual repeat transactions up to the end of the period.
    pub fn actual_cumulative(&self) -> u64 {
        self.actual_cumulative
    }
}

/// Aggregate tracking of repeat transactions for periods `1..=periods`
/// (Fader, Hardie & Lee 2005a, figures 2 and 3): the expected cumulative repeat
/// transactions at the end `w` of a period are
/// `Σ_i E[X(w − b_i)]` over the customers born before `w` (`b_i` the first
/// purchase, `E[X(t)]` the unconditional expectation of a new customer,
/// [`PurchaseModel::expected_purchases_new`]); the incremental figure is
/// the difference of consecutive cumulative ones. The actual figures count
/// the repeat purchases at times in `[w−1, w)` (whole days before the end
/// of the period, the convention of FHL's figure 2 and BTYD). Customers with the same
/// birth time share one evaluation.
///
/// # Errors
///
/// As [`PurchaseModel::expected_purchases_new`];
/// [`Error::InvalidParameter`] for `periods = 0`.
pub fn track(
    model: &PurchaseModel,
    data: &RepeatPurchases,
    periods: u32,
) -> Result<Vec<TrackingPeriod>> {
    if periods == 0 {
        return Err(Error::InvalidParameter {
            name: "periods",
            value: "0".into(),
            reason: "must be at least 1",
        });
    }
    let mut births = data.births.clone();
    births.sort_by(f64::total_cmp);
    let mut distinct: Vec<(f64, f64)> = Vec::new();
    for b in births {
        match distinct.last_mut() {
            Some((v, n)) if *v == b => *n += 1.0,
            _ => distinct.push((b, 1.0)),
        }
    }
    let mut counts = vec![0u64; periods as usize];
    for &t in &data.repeats {
        let w = t.floor() + 1.0;
        if w <= f64::from(periods) {
            counts[w as usize - 1] += 1;
        }
    }
    let mut out = Vec::with_capacity(periods as usize);
    let (mut prev, mut actual_cum) = (0.0, 0u64);
    for w in 1..=periods {
        let wf = f64::from(w);
        let mut cum = 0.0;
        for &(b, n) in &distinct {
            if b >= wf {
                break;
            }
            cum += n * model.expected_purchases_new(wf - b)?;
        }
        let actual = counts[w as usize - 1];
        actual_cum += actual;
        out.push(TrackingPeriod {
            period: w,
            expected_incremental: cum - prev,
            expected_cumulative: cum,
            actual_incremental: actual,
            actual_cumulative: actual_cum,
        });
        prev = cum;
    }
    Ok(out)
}

/// A likelihood-ratio test of a restricted model nested in a fuller one.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct LikelihoodRatioTest {
    statistic: f64,
    df: u32,
    p_value: f64,
}

impl LikelihoodRatioTest {
    /// `2·(LL_full − LL_restricted)`.
    pub fn statistic(&self) -> f64 {
        self.statistic
    }
    /// Degrees of freedom: the parameters the restriction removes.
    pub fn df(&self) -> u32 {
        self.df
    }
    /// `P(χ²_df ≥ statistic)`.
    pub fn p_value(&self) -> f64 {
        self.p_value
    }
}

/// The likelihood-ratio test (Wilks 1938): the statistic
/// `2·(LL_full − LL_restricted)` against a chi-square with `df` degrees of
/// freedom, the number of parameters the restriction removes; the p-value
/// is the upper regularised gamma `Q(df/2, statistic/2)`. When the
/// restricted model sits on the boundary of the fuller one (the no-dropout
/// limit of BG/NBD is `a → 0`), the chi-square p-value is conservative
/// (the true null distribution is a mixture of chi-squares with fewer
/// degrees of freedom; Self & Liang 1987). A negative statistic (the fuller
/// fit is worse, an optimiser failure) of at most `1e-6·|LL|` is taken as
/// 0.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for `df = 0` or a non-finite
/// log-likelihood; [`Error::InvalidValue`] when the fuller model's
/// log-likelihood is clearly below the restricted one's.
///
/// # Example
///
/// ```
/// use customer_value::btyd::evaluate::likelihood_ratio_test;
///
/// // Statistic 3.841459 with 1 df is the 5 % critical value.
/// let t = likelihood_ratio_test(-100.0, -100.0 - 3.841459 / 2.0, 1)?;
/// assert!((t.p_value() - 0.05).abs() < 1e-7);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn likelihood_ratio_test(
    ll_full: f64,
    ll_restricted: f64,
    df: u32,
) -> Result<LikelihoodRatioTest> {
    if df == 0 {
        return Err(Error::InvalidParameter {
            name: "df",
            value: "0".into(),
            reason: "must be at least 1",
        });
    }
    for (name, v) in [("ll_full", ll_full), ("ll_restricted", ll_restricted)] {
        if !v.is_finite() {
            return Err(Error::InvalidParameter {
                name,
                value: v.to_string(),
                reason: "must be finite",
            });
        }
    }
    let mut statistic = 2.0 * (ll_full - ll_restricted);
    if statistic < 0.0 {
        if -statistic <= 2e-6 * ll_full.abs().max(1.0) {
            statistic = 0.0;
        } else {
            return Err(Error::InvalidValue {
                what: "likelihood-ratio test",
                reason: format!(
                    "the fuller model's log-likelihood {ll_full} is below the restricted model's {ll_restricted}"
                ),
            });
        }
    }
    let p_value = if statistic == 0.0 {
        1.0
    } else {
        statrs::function::gamma::checked_gamma_ur(f64::from(df) / 2.0, statistic / 2.0).map_err(
            |e| Error::InvalidValue {
                what: "likelihood-ratio test",
                reason: format!("chi-square tail probability failed: {e}"),
            },
        )?
    };
    Ok(LikelihoodRatioTest {
        statistic,
        df,
        p_value,
    })
}

/// The NBD model (Ehrenberg 1959): purchases Poisson with a gamma(r, α)
/// rate and no dropout, the limit of BG/NBD as `a → 0`, of MBG/NBD as
/// `a → 0` and of Pareto/NBD as `s → 0`. Its log-likelihood is the same
/// density of purchase times as theirs,
/// `ln Γ(r+x) − ln Γ(r) + r ln α − (r+x) ln(α+T)` per customer, so
/// [`likelihood_ratio_test`] with `df = 2` tests whether there is dropout.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct NbdFit {
    r: f64,
    alpha: f64,
    log_likelihood: f64,
}

impl NbdFit {
    /// Maximum-likelihood fit: for each `r` the score equation in `α`,
    /// `Σ r/α − (r+x)/(α+T) = 0`, has one root (found by bisection in
    /// `ln α`), and the profile log-likelihood is maximised over `ln r` by
    /// golden-section search in `[−15, 15]`.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] for no customers; [`Error::NotIdentified`]
    /// when no customer has a repeat purchase or every `T` is 0.
    pub fn fit(population: &[CustomerHistory]) -> Result<Self> {
        if population.is_empty() {
            return Err(Error::EmptyInput {
                what: "NBD fit",
                needs: "at least one customer",
            });
        }
        if population.iter().all(|h| h.x() == 0) || population.iter().all(|h| h.age() == 0.0) {
            return Err(Error::NotIdentified {
                what: "NBD fit",
                reason: "no customer has a repeat purchase over a positive observation time".into(),
            });
        }
        let rows: Vec<(f64, f64)> = population
            .iter()
            .map(|h| (f64::from(h.x()), h.age()))
            .collect();
        let ll = |r: f64, al: f64| -> f64 {
            rows.iter()
                .map(|&(x, t)| dlgamma(r, x) + r * al.ln() - (r + x) * (al + t).ln())
                .sum()
        };
        let best_alpha = |r: f64| -> f64 {
            let score = |la: f64| {
                let al = la.exp();
                rows.iter()
                    .map(|&(x, t)| r / al - (r + x) / (al + t))
                    .sum::<f64>()
            };
            let (mut lo, mut hi) = (-30.0f64, 30.0f64);
            for _ in 0..200 {
                let mid = 0.5 * (lo + hi);
                if score(mid) > 0.0 {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            (0.5 * (lo + hi)).exp()
        };
        let profile = |lr: f64| {
            let r = lr.exp();
            ll(r, best_alpha(r))
        };
        let g = (5f64.sqrt() - 1.0) / 2.0;
        let (mut a, mut b) = (-15.0f64, 15.0f64);
        let mut c = b - g * (b - a);
        let mut d = a + g * (b - a);
        let (mut fc, mut fd) = (profile(c), profile(d));
        while b - a > 1e-10 {
            if fc > fd {
                b = d;
                d = c;
                fd = fc;
                c = b - g * (b - a);
                fc = profile(c);
            } else {
                a = c;
                c = d;
                fc = fd;
                d = a + g * (b - a);
                fd = profile(d);
            }
        }
        let r = (0.5 * (a + b)).exp();
        let alpha = best_alpha(r);
        let log_likelihood = ll(r, alpha);
        if !log_likelihood.is_finite() {
            return Err(Error::Overflow { what: "NBD fit" });
        }
        Ok(NbdFit {
            r,
            alpha,
            log_likelihood,
        })
    }

    /// `r`, the gamma shape of the purchase rate.
    pub fn r(&self) -> f64 {
        self.r
    }
    /// `α`, the gamma rate (in the data's time unit).
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    /// The maximised log-likelihood.
    pub fn log_likelihood(&self) -> f64 {
        self.log_likelihood
    }
}

/// One fitted model in [`compare_models`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RankedModel {
    model: PurchaseModel,
    log_likelihood: f64,
    parameters: u32,
    aic: f64,
    bic: f64,
    evaluation: Option<HoldoutEvaluation>,
    bic_rank: u32,
    log_score_rank: Option<u32>,
}

impl RankedModel {
    /// The fitted model.
    pub fn model(&self) -> &PurchaseModel {
        &self.model
    }
    /// Calibration log-likelihood at the MLE.
    pub fn log_likelihood(&self) -> f64 {
        self.log_likelihood
    }
    /// Number of parameters.
    pub fn parameters(&self) -> u32 {
        self.parameters
    }
    /// `2k − 2·LL`.
    pub fn aic(&self) -> f64 {
        self.aic
    }
    /// `k·ln n − 2·LL`.
    pub fn bic(&self) -> f64 {
        self.bic
    }
    /// The holdout evaluation, when a holdout was given.
    pub fn evaluation(&self) -> Option<&HoldoutEvaluation> {
        self.evaluation.as_ref()
    }
    /// Rank by BIC (1 = lowest).
    pub fn bic_rank(&self) -> u32 {
        self.bic_rank
    }
    /// Rank by holdout log score (1 = highest), when a holdout was given.
    pub fn log_score_rank(&self) -> Option<u32> {
        self.log_score_rank
    }
}

/// A model [`compare_models`] could not fit, and why.
#[derive(Debug)]
pub struct FailedModel {
    /// The model's name.
    pub model: &'static str,
    /// The fitter's error.
    pub error: Error,
}

/// The result of [`compare_models`].
#[derive(Debug)]
pub struct ModelComparison {
    ranked: Vec<RankedModel>,
    failed: Vec<FailedModel>,
}

impl ModelComparison {
    /// The fitted models, best BIC first.
    pub fn ranked(&self) -> &[RankedModel] {
        &self.ranked
    }
    /// Models whose fit failed.
    pub fn failed(&self) -> &[FailedModel] {
        &self.failed
    }
}

/// Fits BG/NBD, MBG/NBD and Pareto/NBD to the calibration histories of
/// `customers` (default [`FitOptions`](super::FitOptions)), and ranks
/// those that fit by BIC (`k·ln n − 2·LL`, lower first) and, when
/// `holdout` is given, by the holdout log score of [`evaluate_holdout`]
/// (higher first, with the table grouped `0..groups−1, groups+`).
/// Models whose fit fails are listed in [`ModelComparison::failed`].
///
/// # Errors
///
/// [`Error::EmptyInput`] for no customers; [`Error::NotIdentified`] when
/// no model fits (the last fitter's error); as [`evaluate_holdout`].
pub fn compare_models(
    customers: &[HoldoutCustomer],
    holdout: Option<f64>,
    groups: u32,
) -> Result<ModelComparison> {
    if customers.is_empty() {
        return Err(Error::EmptyInput {
            what: "model comparison",
            needs: "at least one customer",
        });
    }
    let histories: Vec<CustomerHistory> = customers.iter().map(|c| c.history).collect();
    let mut fitted: Vec<(PurchaseModel, f64, f64, f64)> = Vec::new();
    let mut failed = Vec::new();
    match BgNbd::new().fit_detailed(&histories) {
        Ok(f) => fitted.push(((*f.params()).into(), f.log_likelihood(), f.aic(), f.bic())),
        Err(error) => failed.push(FailedModel {
            model: "BG/NBD",
            error,
        }),
    }
    match MbgNbd::new().fit_detailed(&histories) {
        Ok(f) => fitted.push(((*f.params()).into(), f.log_likelihood(), f.aic(), f.bic())),
        Err(error) => failed.push(FailedModel {
            model: "MBG/NBD",
            error,
        }),
    }
    match ParetoNbd::new().fit_detailed(&histories) {
        Ok(f) => fitted.push(((*f.params()).into(), f.log_likelihood(), f.aic(), f.bic())),
        Err(error) => failed.push(FailedModel {
            model: "Pareto/NBD",
            error,
        }),
    }
    if fitted.is_empty() {
        return Err(failed.pop().map_or(
            Error::NotIdentified {
                what: "model comparison",
                reason: "no model could be fitted".into(),
            },
            |f| f.error,
        ));
    }
    let mut ranked = Vec::with_capacity(fitted.len());
    for (model, ll, aic, bic) in fitted {
        let evaluation = match holdout {
            Some(t) => Some(evaluate_holdout(&model, customers, t, groups)?),
            None => None,
        };
        ranked.push(RankedModel {
            model,
            log_likelihood: ll,
            parameters: 4,
            aic,
            bic,
            evaluation,
            bic_rank: 0,
            log_score_rank: None,
        });
    }
    if holdout.is_some() {
        let mut order: Vec<usize> = (0..ranked.len()).collect();
        order.sort_by(|&i, &j| {
            let s = |k: usize| {
                ranked[k]
                    .evaluation
                    .as_ref()
                    .map_or(f64::NEG_INFINITY, |e| e.log_score)
            };
            s(j).total_cmp(&s(i))
        });
        for (rank, i) in order.into_iter().enumerate() {
            ranked[i].log_score_rank = Some(rank as u32 + 1);
        }
    }
    ranked.sort_by(|a, b| a.bic.total_cmp(&b.bic));
    for (rank, m) in ranked.iter_mut().enumerate() {
        m.bic_rank = rank as u32 + 1;
    }
    Ok(ModelComparison { ranked, failed })
}
