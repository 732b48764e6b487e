//! Churn early warning: recency and P(alive) thresholds to risk levels.

use std::fmt;

use crate::score::par_map_into;
use crate::{CustomerId, CustomerSummary, Error, Keyed, Result, Scorer, TimeUnit};

/// How likely a customer is to be lost, from least to most.
///
/// Ordered `Low < Medium < High < Lost`; "worse" means greater.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum RiskLevel {
    /// No warning threshold crossed.
    Low,
    /// Worth watching.
    Medium,
    /// Likely to be lost without action.
    High,
    /// Practically lost.
    Lost,
}

impl RiskLevel {
    /// Every level, least risky first.
    pub const ALL: [RiskLevel; 4] = [
        RiskLevel::Low,
        RiskLevel::Medium,
        RiskLevel::High,
        RiskLevel::Lost,
    ];

    /// The snake-case English name (`"high"`), as serialised.
    pub const fn name(self) -> &'static str {
        match self {
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
            RiskLevel::Lost => "lost",
        }
    }

    /// A Chinese label: 低, 中, 高, 已流失.
    pub const fn chinese_name(self) -> &'static str {
        match self {
            RiskLevel::Low => "低",
            RiskLevel::Medium => "中",
            RiskLevel::High => "高",
            RiskLevel::Lost => "已流失",
        }
    }
}

impl fmt::Display for RiskLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a churn warning is computed from: the time since the last
/// purchase and, when a model supplies it, the probability that the
/// customer is still alive.
///
/// Recency is a number of periods in whatever unit the caller's rules use
/// (weeks for [`RecencyRule::courseware_weeks`]).
///
/// # Example
///
/// ```
/// use customer_value::CustomerId;
/// use customer_value::lifecycle::ChurnInput;
///
/// let input = ChurnInput::new(CustomerId::new(3), 14.0)?.with_p_alive(0.35)?;
/// assert_eq!((input.recency(), input.p_alive()), (14.0, Some(0.35)));
/// assert!(ChurnInput::new(CustomerId::new(3), -1.0).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawInput"))]
pub struct ChurnInput {
    customer: CustomerId,
    recency: f64,
    p_alive: Option<f64>,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawInput {
    customer: CustomerId,
    recency: f64,
    #[serde(default)]
    p_alive: Option<f64>,
}

#[cfg(feature = "serde")]
impl TryFrom<RawInput> for ChurnInput {
    type Error = Error;
    fn try_from(raw: RawInput) -> Result<Self> {
        let input = ChurnInput::new(raw.customer, raw.recency)?;
        match raw.p_alive {
            Some(p) => input.with_p_alive(p),
            None => Ok(input),
        }
    }
}

fn check_recency(recency: f64) -> Result<()> {
    if recency >= 0.0 && recency.is_finite() {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name: "recency",
            value: recency.to_string(),
            reason: "must be finite and >= 0",
        })
    }
}

fn check_p_alive(p: f64) -> Result<()> {
    if (0.0..=1.0).contains(&p) {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name: "p_alive",
            value: p.to_string(),
            reason: "a probability must be in [0, 1]",
        })
    }
}

impl ChurnInput {
    /// A customer's recency (periods since the last purchase).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `recency` is negative, NaN or
    /// infinite.
    pub fn new(customer: CustomerId, recency: f64) -> Result<Self> {
        check_recency(recency)?;
        Ok(Self {
            customer,
            recency,
            p_alive: None,
        })
    }

    /// Adds a model's probability that the customer is alive.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `p` is outside `[0, 1]` or NaN.
    pub fn with_p_alive(mut self, p: f64) -> Result<Self> {
        check_p_alive(p)?;
        self.p_alive = Some(p);
        Ok(self)
    }

    /// The input from a summary row: recency =
    /// [`CustomerSummary::periods_since_last`] (`T - t_x`, in the summary's unit), no
    /// P(alive).
    pub fn from_summary(row: &CustomerSummary) -> Self {
        Self {
            customer: row.customer(),
            recency: row.periods_since_last().max(0.0),
            p_alive: None,
        }
    }

    /// The customer.
    pub fn customer(&self) -> CustomerId {
        self.customer
    }

    /// Periods since the last purchase.
    pub fn recency(&self) -> f64 {
        self.recency
    }

    /// The model's probability of being alive, if supplied.
    pub fn p_alive(&self) -> Option<f64> {
        self.p_alive
    }
}

impl Keyed for ChurnInput {
    fn customer(&self) -> CustomerId {
        self.customer
    }
}

/// Why a warning has its level: the rule, the observed value and the
/// threshold crossed.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum RiskReason {
    /// From a [`RecencyRule`].
    Recency {
        /// The customer's recency, in periods.
        periods: f64,
        /// The threshold reached (`None`: none, so the level is low).
        threshold: Option<f64>,
        /// The chance of return the rule attaches to that threshold.
        return_chance: Option<f64>,
    },
    /// From a [`PAliveRule`].
    PAlive {
        /// The customer's probability of being alive.
        p: f64,
        /// The threshold `p` fell below (`None`: none, so the level is low).
        threshold: Option<f64>,
    },
}

/// A customer's churn risk level and the reason for it.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ChurnWarning {
    level: RiskLevel,
    reason: RiskReason,
}

impl ChurnWarning {
    /// The risk level.
    pub fn level(&self) -> RiskLevel {
        self.level
    }

    /// Why.
    pub fn reason(&self) -> &RiskReason {
        &self.reason
    }

    /// The worse (higher-level) of two warnings; on a tie, `self`.
    pub fn worse(self, other: ChurnWarning) -> ChurnWarning {
        if other.level > self.level {
            other
        } else {
            self
        }
    }
}

/// One step of a [`RecencyRule`]: from `periods` since the last purchase
/// on, the risk is `level`, optionally with the chance of return the
/// caller's source gives for that absence.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawThreshold"))]
pub struct RecencyThreshold {
    periods: f64,
    level: RiskLevel,
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    return_chance: Option<f64>,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThreshold {
    periods: f64,
    level: RiskLevel,
    #[serde(default)]
    return_chance: Option<f64>,
}

#[cfg(feature = "serde")]
impl TryFrom<RawThreshold> for RecencyThreshold {
    type Error = Error;
    fn try_from(raw: RawThreshold) -> Result<Self> {
        let t = RecencyThreshold::new(raw.periods, raw.level)?;
        match raw.return_chance {
            Some(p) => t.with_return_chance(p),
            None => Ok(t),
        }
    }
}

impl RecencyThreshold {
    /// From `periods` since the last purchase on, the risk is `level`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `periods` is not finite and
    /// positive, or `level` is [`RiskLevel::Low`] (low is where no
    /// threshold is reached).
    pub fn new(periods: f64, level: RiskLevel) -> Result<Self> {
        if !(periods > 0.0 && periods.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "recency threshold",
                value: periods.to_string(),
                reason: "must be finite and > 0",
            });
        }
        if level == RiskLevel::Low {
            return Err(Error::InvalidParameter {
                name: "recency threshold level",
                value: level.to_string(),
                reason: "a threshold must raise the level above low",
            });
        }
        Ok(Self {
            periods,
            level,
            return_chance: None,
        })
    }

    /// Attaches the chance of return after this absence, for reports.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `p` is outside `[0, 1]` or NaN.
    pub fn with_return_chance(mut self, p: f64) -> Result<Self> {
        if !(0.0..=1.0).contains(&p) {
            return Err(Error::InvalidParameter {
                name: "return chance",
                value: p.to_string(),
                reason: "a probability must be in [0, 1]",
            });
        }
        self.return_chance = Some(p);
        Ok(self)
    }

    /// Periods since the last purchase from which the level applies.
    pub fn periods(&self) -> f64 {
        self.periods
    }

    /// The level.
    pub fn level(&self) -> RiskLevel {
        self.level
    }

    /// The chance of return, if given.
    pub fn return_chance(&self) -> Option<f64> {
        self.return_chance
    }
}

/// Recency thresholds to risk levels: the longer a customer has been
/// away, the higher the risk.
///
/// # Rule
///
/// ```text
/// level = the level of the last threshold with recency >= periods_j
///         (thresholds sorted by periods), Low when none is reached
/// ```
///
/// [`RecencyRule::courseware`] is the course material's example
/// (not in [`lifecycle::spec`](crate::lifecycle::spec); recalled from the course slides, not checked
/// against a primary source \[R\]): a shopper absent 12 weeks has about a
/// 10 % chance of returning, one absent 24 weeks about 5 %. Which level
/// each absence deserves is this crate's reading \[L\]: 12 weeks is
/// [`High`](RiskLevel::High), 24 weeks [`Lost`](RiskLevel::Lost).
///
/// # Example
///
/// ```
/// use customer_value::lifecycle::{RecencyRule, RiskLevel, RiskReason};
///
/// let rule = RecencyRule::courseware_weeks();
/// assert_eq!(rule.warn(11.0)?.level(), RiskLevel::Low);
/// let w = rule.warn(12.0)?;
/// assert_eq!(w.level(), RiskLevel::High);
/// assert_eq!(
///     *w.reason(),
///     RiskReason::Recency { periods: 12.0, threshold: Some(12.0), return_chance: Some(0.10) }
/// );
/// assert_eq!(rule.warn(24.0)?.level(), RiskLevel::Lost);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "Vec<RecencyThreshold>"))]
#[cfg_attr(feature = "serde", serde(into = "Vec<RecencyThreshold>"))]
pub struct RecencyRule {
    thresholds: Vec<RecencyThreshold>,
}

#[cfg(feature = "serde")]
impl TryFrom<Vec<RecencyThreshold>> for RecencyRule {
    type Error = Error;
    fn try_from(thresholds: Vec<RecencyThreshold>) -> Result<Self> {
        RecencyRule::new(thresholds)
    }
}

#[cfg(feature = "serde")]
impl From<RecencyRule> for Vec<RecencyThreshold> {
    fn from(rule: RecencyRule) -> Self {
        rule.thresholds
    }
}

impl RecencyRule {
    /// A rule from the caller's thresholds.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `thresholds` is empty, its periods
    /// are not strictly increasing, its levels are not strictly
    /// increasing, or the return chances given rise with the absence.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::lifecycle::{RecencyRule, RecencyThreshold, RiskLevel};
    ///
    /// let rule = RecencyRule::new(vec![
    ///     RecencyThreshold::new(30.0, RiskLevel::Medium)?,
    ///     RecencyThreshold::new(90.0, RiskLevel::High)?,
    /// ])?;
    /// assert_eq!(rule.warn(45.0)?.level(), RiskLevel::Medium);
    /// assert!(RecencyRule::new(vec![
    ///     RecencyThreshold::new(90.0, RiskLevel::Medium)?,
    ///     RecencyThreshold::new(30.0, RiskLevel::High)?,
    /// ]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(thresholds: Vec<RecencyThreshold>) -> Result<Self> {
        if thresholds.is_empty() {
            return Err(Error::InvalidParameter {
                name: "recency thresholds",
                value: "[]".into(),
                reason: "need at least one threshold",
            });
        }
        for pair in thresholds.windows(2) {
            let [lo, hi] = pair else { continue };
            if hi.periods <= lo.periods {
                return Err(Error::InvalidParameter {
                    name: "recency thresholds",
                    value: format!("{} then {}", lo.periods, hi.periods),
                    reason: "periods must be strictly increasing",
                });
            }
            if hi.level <= lo.level {
                return Err(Error::InvalidParameter {
                    name: "recency threshold levels",
                    value: format!("{} then {}", lo.level, hi.level),
                    reason: "levels must be strictly increasing",
                });
            }
        }
        let chances: Vec<f64> = thresholds.iter().filter_map(|t| t.return_chance).collect();
        if let Some(pair) = chances.windows(2).find(|p| p[1] > p[0]) {
            return Err(Error::InvalidParameter {
                name: "return chances",
                value: format!("{} then {}", pair[0], pair[1]),
                reason: "the chance of return must not rise with the absence",
            });
        }
        Ok(Self { thresholds })
    }

    /// The course material's example with absences converted to `unit`:
    /// 12 weeks (84 days) -> [`High`](RiskLevel::High), return chance 0.10;
    /// 24 weeks (168 days) -> [`Lost`](RiskLevel::Lost), return chance
    /// 0.05 \[R\] (levels \[L\]).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::TimeUnit;
    /// use customer_value::lifecycle::{RecencyRule, RiskLevel};
    ///
    /// let days = RecencyRule::courseware(TimeUnit::DAY);
    /// assert_eq!(days.thresholds()[0].periods(), 84.0);
    /// assert_eq!(days.warn(100.0)?.level(), RiskLevel::High);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn courseware(unit: TimeUnit) -> Self {
        Self {
            thresholds: vec![
                RecencyThreshold {
                    periods: unit.periods(84),
                    level: RiskLevel::High,
                    return_chance: Some(0.10),
                },
                RecencyThreshold {
                    periods: unit.periods(168),
                    level: RiskLevel::Lost,
                    return_chance: Some(0.05),
                },
            ],
        }
    }

    /// [`courseware`](Self::courseware) in weeks: 12 -> high, 24 -> lost.
    pub fn courseware_weeks() -> Self {
        Self::courseware(TimeUnit::WEEK)
    }

    /// The thresholds, shortest absence first.
    pub fn thresholds(&self) -> &[RecencyThreshold] {
        &self.thresholds
    }

    /// The warning for a recency (periods since the last purchase).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `recency` is negative, NaN or
    /// infinite.
    pub fn warn(&self, recency: f64) -> Result<ChurnWarning> {
        check_recency(recency)?;
        let hit = self.thresholds.iter().rev().find(|t| recency >= t.periods);
        Ok(ChurnWarning {
            level: hit.map_or(RiskLevel::Low, |t| t.level),
            reason: RiskReason::Recency {
                periods: recency,
                threshold: hit.map(|t| t.periods),
                return_chance: hit.and_then(|t| t.return_chance),
            },
        })
    }
}

impl Scorer for RecencyRule {
    type Input = ChurnInput;
    type Score = ChurnWarning;

    /// [`RecencyRule::warn`] on the input's recency.
    ///
    /// # Errors
    ///
    /// None: a [`ChurnInput`] is already checked.
    fn score(&self, input: &ChurnInput) -> Result<ChurnWarning> {
        self.warn(input.recency)
    }

    fn score_into(&self, inputs: &[ChurnInput], out: &mut Vec<ChurnWarning>) -> Result<()> {
        par_map_into(inputs, out, |input| self.score(input))
    }
}

/// Thresholds on a model's probability that the customer is alive (from
/// a buy-till-you-die model, say) to risk levels.
///
/// # Rule
///
/// ```text
/// thresholds (below_j, level_j) with below_1 > below_2 > ...
/// level = the level of the last threshold with P(alive) < below_j,
///         Low when none
/// ```
///
/// The thresholds are the caller's; no source fixes them \[L\].
///
/// # Example
///
/// ```
/// use customer_value::lifecycle::{PAliveRule, RiskLevel};
///
/// let rule = PAliveRule::new(&[(0.5, RiskLevel::Medium), (0.2, RiskLevel::High), (0.05, RiskLevel::Lost)])?;
/// assert_eq!(rule.warn(0.8)?.level(), RiskLevel::Low);
/// assert_eq!(rule.warn(0.3)?.level(), RiskLevel::Medium);
/// assert_eq!(rule.warn(0.2)?.level(), RiskLevel::Medium); // not below 0.2
/// assert_eq!(rule.warn(0.01)?.level(), RiskLevel::Lost);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "Vec<(f64, RiskLevel)>"))]
#[cfg_attr(feature = "serde", serde(into = "Vec<(f64, RiskLevel)>"))]
pub struct PAliveRule {
    thresholds: Vec<(f64, RiskLevel)>,
}

#[cfg(feature = "serde")]
impl TryFrom<Vec<(f64, RiskLevel)>> for PAliveRule {
    type Error = Error;
    fn try_from(thresholds: Vec<(f64, RiskLevel)>) -> Result<Self> {
        PAliveRule::new(&thresholds)
    }
}

#[cfg(feature = "serde")]
impl From<PAliveRule> for Vec<(f64, RiskLevel)> {
    fn from(rule: PAliveRule) -> Self {
        rule.thresholds
    }
}

impl PAliveRule {
    /// A rule from `(below, level)` pairs: a probability below `below`
    /// raises the risk to `level`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `thresholds` is empty, a `below`
    /// is outside `(0, 1]` or NaN, the `below`s are not strictly
    /// decreasing, or the levels are not strictly increasing from above
    /// [`RiskLevel::Low`].
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::lifecycle::{PAliveRule, RiskLevel};
    ///
    /// assert!(PAliveRule::new(&[(0.3, RiskLevel::High)]).is_ok());
    /// assert!(PAliveRule::new(&[(0.3, RiskLevel::High), (0.5, RiskLevel::Lost)]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(thresholds: &[(f64, RiskLevel)]) -> Result<Self> {
        if thresholds.is_empty() {
            return Err(Error::InvalidParameter {
                name: "p_alive thresholds",
                value: "[]".into(),
                reason: "need at least one threshold",
            });
        }
        for &(below, _) in thresholds {
            if !(below > 0.0 && below <= 1.0) {
                return Err(Error::InvalidParameter {
                    name: "p_alive threshold",
                    value: below.to_string(),
                    reason: "must be in (0, 1]",
                });
            }
        }
        if let Some(&(_, level)) = thresholds.first()
            && level == RiskLevel::Low
        {
            return Err(Error::InvalidParameter {
                name: "p_alive threshold levels",
                value: level.to_string(),
                reason: "a threshold must raise the level above low",
            });
        }
        for pair in thresholds.windows(2) {
            let [(b0, l0), (b1, l1)] = pair else { continue };
            if b1 >= b0 {
                return Err(Error::InvalidParameter {
                    name: "p_alive thresholds",
                    value: format!("{b0} then {b1}"),
                    reason: "must be strictly decreasing",
                });
            }
            if l1 <= l0 {
                return Err(Error::InvalidParameter {
                    name: "p_alive threshold levels",
                    value: format!("{l0} then {l1}"),
                    reason: "levels must be strictly increasing",
                });
            }
        }
        Ok(Self {
            thresholds: thresholds.to_vec(),
        })
    }

    /// The `(below, level)` thresholds, highest probability first.
    pub fn thresholds(&self) -> &[(f64, RiskLevel)] {
        &self.thresholds
    }

    /// The warning for a probability of being alive.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `p_alive` is outside `[0, 1]` or
    /// NaN.
    pub fn warn(&self, p_alive: f64) -> Result<ChurnWarning> {
        check_p_alive(p_alive)?;
        let hit = self.thresholds.iter().rev().find(|(b, _)| p_alive < *b);
        Ok(ChurnWarning {
            level: hit.map_or(RiskLevel::Low, |t| t.1),
            reason: RiskReason::PAlive {
                p: p_alive,
                threshold: hit.map(|t| t.0),
            },
        })
    }
}

impl Scorer for PAliveRule {
    type Input = ChurnInput;
    type Score = ChurnWarning;

    /// [`PAliveRule::warn`] on the input's P(alive).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when the input carries no P(alive).
    fn score(&self, input: &ChurnInput) -> Result<ChurnWarning> {
        let p = input.p_alive.ok_or_else(|| Error::InvalidValue {
            what: "p_alive",
            reason: format!(
                "customer {} has no probability of being alive",
                input.customer
            ),
        })?;
        self.warn(p)
    }

    fn score_into(&self, inputs: &[ChurnInput], out: &mut Vec<ChurnWarning>) -> Result<()> {
        par_map_into(inputs, out, |input| self.score(input))
    }
}

/// Both warnings at once: a [`RecencyRule`] and, optionally, a
/// [`PAliveRule`]; the result is the worse of the two.
///
/// # Rule
///
/// ```text
/// warning = recency warning                       when no P(alive) rule or no P(alive) input
///         = worse(recency warning, P(alive) one)  otherwise
/// worse   = the higher level; on a tie, the recency warning (it is observed, not modelled)
/// ```
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Scorer};
/// use customer_value::lifecycle::{ChurnInput, EarlyWarning, PAliveRule, RecencyRule, RiskLevel, RiskReason};
///
/// let warning = EarlyWarning::new(RecencyRule::courseware_weeks())
///     .with_p_alive(PAliveRule::new(&[(0.5, RiskLevel::Medium), (0.1, RiskLevel::Lost)])?);
/// let quiet = ChurnInput::new(CustomerId::new(1), 4.0)?.with_p_alive(0.05)?;
/// let w = warning.score(&quiet)?;
/// assert_eq!(w.level(), RiskLevel::Lost);
/// assert!(matches!(w.reason(), RiskReason::PAlive { .. }));
/// let no_model = ChurnInput::new(CustomerId::new(2), 13.0)?;
/// assert_eq!(warning.score(&no_model)?.level(), RiskLevel::High);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EarlyWarning {
    recency: RecencyRule,
    p_alive: Option<PAliveRule>,
}

impl EarlyWarning {
    /// Recency alone.
    pub fn new(recency: RecencyRule) -> Self {
        Self {
            recency,
            p_alive: None,
        }
    }

    /// Adds a P(alive) rule.
    pub fn with_p_alive(mut self, rule: PAliveRule) -> Self {
        self.p_alive = Some(rule);
        self
    }

    /// The recency rule.
    pub fn recency_rule(&self) -> &RecencyRule {
        &self.recency
    }

    /// The P(alive) rule, if any.
    pub fn p_alive_rule(&self) -> Option<&PAliveRule> {
        self.p_alive.as_ref()
    }
}

impl Scorer for EarlyWarning {
    type Input = ChurnInput;
    type Score = ChurnWarning;

    /// The worse of the two warnings (see [`EarlyWarning`]).
    ///
    /// # Errors
    ///
    /// None: a [`ChurnInput`] is already checked.
    fn score(&self, input: &ChurnInput) -> Result<ChurnWarning> {
        let by_recency = self.recency.warn(input.recency)?;
        match (&self.p_alive, input.p_alive) {
            (Some(rule), Some(p)) => Ok(by_recency.worse(rule.warn(p)?)),
            _ => Ok(by_recency),
        }
    }

    fn score_into(&self, inputs: &[ChurnInput], out: &mut Vec<ChurnWarning>) -> Result<()> {
        par_map_into(inputs, out, |input| self.score(input))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_valid_and_invalid() {
        let c = CustomerId::new(1);
        assert!(ChurnInput::new(c, 0.0).is_ok());
        for bad in [-0.5, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                ChurnInput::new(c, bad),
                Err(Error::InvalidParameter {
                    name: "recency",
                    ..
                })
            ));
        }
        for bad in [-0.1, 1.1, f64::NAN] {
            assert!(matches!(
                ChurnInput::new(c, 1.0).unwrap().with_p_alive(bad),
                Err(Error::InvalidParameter {
                    name: "p_alive",
                    ..
                })
            ));
        }
    }

    #[test]
    fn recency_threshold_valid_and_invalid() {
        let t = RecencyThreshold::new(3.0, RiskLevel::Medium).unwrap();
        assert_eq!(
            t.with_return_chance(0.5).unwrap().return_chance(),
            Some(0.5)
        );
        assert!(RecencyThreshold::new(0.0, RiskLevel::Medium).is_err());
        assert!(RecencyThreshold::new(f64::NAN, RiskLevel::Medium).is_err());
        assert!(RecencyThreshold::new(3.0, RiskLevel::Low).is_err());
        assert!(t.with_return_chance(1.5).is_err());
    }

    #[test]
    fn recency_rule_valid_and_each_error() {
        let t = |p, l| RecencyThreshold::new(p, l).unwrap();
        assert!(RecencyRule::new(vec![t(1.0, RiskLevel::Lost)]).is_ok());
        let errors = [
            vec![],
            vec![t(2.0, RiskLevel::Medium), t(2.0, RiskLevel::High)],
            vec![t(1.0, RiskLevel::High), t(2.0, RiskLevel::High)],
            vec![
                t(1.0, RiskLevel::Medium).with_return_chance(0.1).unwrap(),
                t(2.0, RiskLevel::High).with_return_chance(0.2).unwrap(),
            ],
        ];
        for ts in errors {
            assert!(matches!(
                RecencyRule::new(ts),
                Err(Error::InvalidParameter { .. })
            ));
        }
        assert!(RecencyRule::new(RecencyRule::courseware_weeks().thresholds().to_vec()).is_ok());
    }

    #[test]
    fn p_alive_rule_valid_and_each_error() {
        assert!(PAliveRule::new(&[(1.0, RiskLevel::Medium)]).is_ok());
        let errors: [&[(f64, RiskLevel)]; 6] = [
            &[],
            &[(0.0, RiskLevel::High)],
            &[(f64::NAN, RiskLevel::High)],
            &[(0.5, RiskLevel::Low)],
            &[(0.5, RiskLevel::Medium), (0.5, RiskLevel::High)],
            &[(0.5, RiskLevel::High), (0.3, RiskLevel::Medium)],
        ];
        for ts in errors {
            assert!(matches!(
                PAliveRule::new(ts),
                Err(Error::InvalidParameter { .. })
            ));
        }
        let rule = PAliveRule::new(&[(0.5, RiskLevel::High)]).unwrap();
        let no_p = ChurnInput::new(CustomerId::new(4), 1.0).unwrap();
        assert!(matches!(rule.score(&no_p), Err(Error::InvalidValue { .. })));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_round_trips_and_validates() {
        let rule = RecencyRule::courseware_weeks();
        let json = serde_json::to_string(&rule).unwrap();
        assert_eq!(
            json,
            r#"[{"periods":12.0,"level":"high","return_chance":0.1},{"periods":24.0,"level":"lost","return_chance":0.05}]"#
        );
        assert_eq!(serde_json::from_str::<RecencyRule>(&json).unwrap(), rule);
        assert!(serde_json::from_str::<RecencyRule>("[]").is_err());
        let p = PAliveRule::new(&[(0.5, RiskLevel::High)]).unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, r#"[[0.5,"high"]]"#);
        assert_eq!(serde_json::from_str::<PAliveRule>(&json).unwrap(), p);
        assert!(serde_json::from_str::<PAliveRule>(r#"[[1.5,"high"]]"#).is_err());
        let input: ChurnInput = serde_json::from_str(r#"{"customer":1,"recency":2.0}"#).unwrap();
        assert_eq!(input.p_alive(), None);
        assert!(
            serde_json::from_str::<ChurnInput>(r#"{"customer":1,"recency":2.0,"p_alive":2.0}"#)
                .is_err()
        );
    }
}
