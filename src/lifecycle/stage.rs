//! Assigning a lifecycle stage from a per-period history
//! ([spec](crate::lifecycle::spec#window-trend-rule)).

use super::history::{PeriodHistories, PeriodHistory, idle_periods};
use crate::score::par_map_into;
use crate::{Error, LifecycleStage, Result, Scorer};

/// Customers per thread below which the bulk path stays on one thread.
const CUSTOMERS_PER_THREAD: usize = 100_000;

/// The parameters of the `WindowTrend` stage rule \[L\]; see [`StageRule`]
/// for the rule itself.
///
/// Defaults ([spec](crate::lifecycle::spec#window-trend-rule)), for
/// periods of a month \[L\]: window `w` = 3 (the last quarter against the
/// one before), exploration length `E` = 3, threshold
/// `θ` = 0.2, inactivity limit `K` = 6 (half a year without a purchase:
/// decline), churned limit `C` = 12 (a year without a purchase: churned),
/// and recent-purchase guard `G` = `w` (a customer who bought in the last
/// window is not put in decline by a falling trend). `w`, `E`, `θ` and `K`
/// are the heuristic's values since it was introduced; `C` and `G` were
/// added as this crate's choice (no source gives either). For other
/// period lengths, [`WindowTrend::for_unit`] converts the same durations
/// (a quarter, half a year, a year) to whole periods: in weeks `w` = `E`
/// = `G` = 13, `K` = 26, `C` = 52.
///
/// Why these: with the earlier defaults (no churned limit, `G` = 0, and
/// day-long periods on the command line) 592 of the 600 customers of
/// CLVTools' apparel log were in decline, a customer silent for 78 weeks
/// was "decline" rather than churned, and most customers who had just
/// bought again were "decline" because one purchase's amount is less than
/// the previous quarter's.
///
/// Serialises as `{"window", "exploration", "threshold",
/// "inactivity_limit", "churned_limit", "recent_guard"}` (`churned_limit`
/// `null`: never churned); deserialising validates like
/// [`WindowTrendBuilder::build`], and a missing field takes its default.
///
/// # Example
///
/// ```
/// use customer_value::lifecycle::WindowTrend;
///
/// let rule = WindowTrend::builder().threshold(0.25).churned_limit(18).build()?;
/// assert_eq!((rule.window(), rule.inactivity_limit()), (3, 6));
/// assert_eq!(rule.churned_limit(), Some(18));
/// assert_eq!(WindowTrend::default().churned_limit(), Some(12));
/// assert!(WindowTrend::builder().churned_limit(6).build().is_err()); // C must exceed K
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "WindowTrendBuilder"))]
pub struct WindowTrend {
    window: u32,
    exploration: u32,
    threshold: f64,
    inactivity_limit: u32,
    churned_limit: Option<u32>,
    recent_guard: u32,
}

/// Builds a checked [`WindowTrend`]; every setter is optional.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct WindowTrendBuilder {
    window: u32,
    exploration: u32,
    threshold: f64,
    inactivity_limit: u32,
    churned_limit: Option<u32>,
    recent_guard: u32,
}

impl Default for WindowTrendBuilder {
    fn default() -> Self {
        Self {
            window: WindowTrend::DEFAULT_WINDOW,
            exploration: WindowTrend::DEFAULT_EXPLORATION,
            threshold: WindowTrend::DEFAULT_THRESHOLD,
            inactivity_limit: WindowTrend::DEFAULT_INACTIVITY_LIMIT,
            churned_limit: Some(WindowTrend::DEFAULT_CHURNED_LIMIT),
            recent_guard: WindowTrend::DEFAULT_WINDOW,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<WindowTrendBuilder> for WindowTrend {
    type Error = Error;
    fn try_from(b: WindowTrendBuilder) -> Result<Self> {
        b.build()
    }
}

impl WindowTrendBuilder {
    /// Sets the window `w` (periods per mean), at least 1.
    pub fn window(mut self, w: u32) -> Self {
        self.window = w;
        self
    }

    /// Sets the exploration length `E`: a customer whose history has at
    /// most `E` periods is in exploration.
    pub fn exploration(mut self, e: u32) -> Self {
        self.exploration = e;
        self
    }

    /// Sets the threshold `θ` in `[0, 1)`.
    pub fn threshold(mut self, theta: f64) -> Self {
        self.threshold = theta;
        self
    }

    /// Sets the inactivity limit `K` (periods without a purchase before
    /// [`Decline`](LifecycleStage::Decline)), at least 1.
    pub fn inactivity_limit(mut self, k: u32) -> Self {
        self.inactivity_limit = k;
        self
    }

    /// Sets the churned limit `C > K` (periods without a purchase before
    /// [`Churned`](LifecycleStage::Churned)).
    pub fn churned_limit(mut self, c: u32) -> Self {
        self.churned_limit = Some(c);
        self
    }

    /// Removes the churned limit: no customer is ever churned.
    pub fn no_churned_limit(mut self) -> Self {
        self.churned_limit = None;
        self
    }

    /// Sets the recent-purchase guard `G`: a customer with a purchase in
    /// the last `G` periods (fewer than `G` idle periods) whose window
    /// means fell by `θ` or more is in stability, not decline (rule 4a).
    /// `G` = 0 turns the guard off (the section's literal rule 4).
    pub fn recent_guard(mut self, g: u32) -> Self {
        self.recent_guard = g;
        self
    }

    /// Checks the parameters.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when
    /// - `window` is 0;
    /// - `threshold` is NaN, negative or at least 1;
    /// - `inactivity_limit` is 0;
    /// - `churned_limit` is not greater than `inactivity_limit`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::lifecycle::WindowTrend;
    ///
    /// assert_eq!(WindowTrend::builder().build()?, WindowTrend::default());
    /// assert!(WindowTrend::builder().window(0).build().is_err());
    /// assert!(WindowTrend::builder().threshold(1.0).build().is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn build(self) -> Result<WindowTrend> {
        if self.window == 0 {
            return Err(Error::InvalidParameter {
                name: "window",
                value: "0".into(),
                reason: "a window must hold at least one period",
            });
        }
        if !(self.threshold >= 0.0 && self.threshold < 1.0) {
            return Err(Error::InvalidParameter {
                name: "threshold",
                value: self.threshold.to_string(),
                reason: "must be in [0, 1)",
            });
        }
        if self.inactivity_limit == 0 {
            return Err(Error::InvalidParameter {
                name: "inactivity limit",
                value: "0".into(),
                reason: "must be at least 1 period",
            });
        }
        if let Some(c) = self.churned_limit
            && c <= self.inactivity_limit
        {
            return Err(Error::InvalidParameter {
                name: "churned limit",
                value: c.to_string(),
                reason: "must be greater than the inactivity limit",
            });
        }
        Ok(WindowTrend {
            window: self.window,
            exploration: self.exploration,
            threshold: self.threshold,
            inactivity_limit: self.inactivity_limit,
            churned_limit: self.churned_limit,
            recent_guard: self.recent_guard,
        })
    }
}

impl Default for WindowTrend {
    /// `w` = 3, `E` = 3, `θ` = 0.2, `K` = 6, `C` = 12, `G` = 3: periods of
    /// a month.
    fn default() -> Self {
        Self {
            window: Self::DEFAULT_WINDOW,
            exploration: Self::DEFAULT_EXPLORATION,
            threshold: Self::DEFAULT_THRESHOLD,
            inactivity_limit: Self::DEFAULT_INACTIVITY_LIMIT,
            churned_limit: Some(Self::DEFAULT_CHURNED_LIMIT),
            recent_guard: Self::DEFAULT_WINDOW,
        }
    }
}

impl WindowTrend {
    /// The default window `w` = 3.
    pub const DEFAULT_WINDOW: u32 = 3;
    /// The default exploration length `E` = 3.
    pub const DEFAULT_EXPLORATION: u32 = 3;
    /// The default threshold `θ` = 0.2.
    pub const DEFAULT_THRESHOLD: f64 = 0.2;
    /// The default inactivity limit `K` = 6.
    pub const DEFAULT_INACTIVITY_LIMIT: u32 = 6;
    /// The default churned limit `C` = 12 \[L\].
    pub const DEFAULT_CHURNED_LIMIT: u32 = 12;

    /// A builder starting from the defaults.
    pub fn builder() -> WindowTrendBuilder {
        WindowTrendBuilder::default()
    }

    /// A builder with the default durations in periods of `unit`: window,
    /// exploration and recent-purchase guard a quarter (91 days),
    /// inactivity limit half a year (182 days), churned limit a year (365
    /// days), each rounded to the nearest whole number of periods (at least
    /// 1, and `C > K`); `θ` = 0.2. Months of 30 days give the
    /// [`Default`]; weeks give `w` = `E` = `G` = 13, `K` = 26, `C` = 52;
    /// days give 91, 182 and 365 \[L\].
    ///
    /// Periods are counted whole, so "a year without a purchase" is met by
    /// any customer silent for `C` periods or more: in weeks, every
    /// customer silent for 364 days or more is churned, and a customer
    /// silent for a little less can be, when the as-of date falls early in
    /// its period.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::TimeUnit;
    /// use customer_value::lifecycle::WindowTrend;
    ///
    /// let weeks = WindowTrend::for_unit(TimeUnit::WEEK).build()?;
    /// assert_eq!((weeks.window(), weeks.inactivity_limit(), weeks.churned_limit()), (13, 26, Some(52)));
    /// let months = WindowTrend::for_unit(TimeUnit::days(30)?).build()?;
    /// assert_eq!(months, WindowTrend::default());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn for_unit(unit: crate::TimeUnit) -> WindowTrendBuilder {
        let days = f64::from(unit.days_per_period());
        let periods = |d: f64| ((d / days).round() as u32).max(1);
        let quarter = periods(91.0);
        let half = periods(182.0);
        let year = periods(365.0).max(half + 1);
        WindowTrendBuilder {
            window: quarter,
            exploration: quarter,
            threshold: Self::DEFAULT_THRESHOLD,
            inactivity_limit: half,
            churned_limit: Some(year),
            recent_guard: quarter,
        }
    }

    /// A builder holding these parameters, to change some of them.
    pub fn to_builder(&self) -> WindowTrendBuilder {
        WindowTrendBuilder {
            window: self.window,
            exploration: self.exploration,
            threshold: self.threshold,
            inactivity_limit: self.inactivity_limit,
            churned_limit: self.churned_limit,
            recent_guard: self.recent_guard,
        }
    }

    /// The window `w`.
    pub fn window(&self) -> u32 {
        self.window
    }

    /// The exploration length `E`.
    pub fn exploration(&self) -> u32 {
        self.exploration
    }

    /// The threshold `θ`.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// The inactivity limit `K`.
    pub fn inactivity_limit(&self) -> u32 {
        self.inactivity_limit
    }

    /// The churned limit `C`, if any.
    pub fn churned_limit(&self) -> Option<u32> {
        self.churned_limit
    }

    /// The recent-purchase guard `G` (0: off).
    pub fn recent_guard(&self) -> u32 {
        self.recent_guard
    }

    /// The rule on a series already known to hold finite values `>= 0`.
    #[inline]
    fn evaluate(&self, v: &[f64]) -> Result<StageAssignment> {
        let Some(idle) = idle_periods(v) else {
            return Ok(StageAssignment::new(
                LifecycleStage::Prospect,
                StageReason::NoPurchase,
            ));
        };
        if let Some(limit) = self.churned_limit
            && idle >= limit as usize
        {
            return Ok(StageAssignment::new(
                LifecycleStage::Churned,
                StageReason::Inactive { idle, limit },
            ));
        }
        let limit = self.inactivity_limit;
        if idle >= limit as usize {
            return Ok(StageAssignment::new(
                LifecycleStage::Decline,
                StageReason::Inactive { idle, limit },
            ));
        }
        let t = v.len();
        let w = self.window as usize;
        let (recent, previous) = match (
            t.checked_sub(w).and_then(|s| v.get(s..)),
            t.checked_sub(w.saturating_mul(2))
                .and_then(|s| v.get(s..s.saturating_add(w))),
        ) {
            (Some(r), Some(p)) if t > self.exploration as usize => (r, p),
            _ => {
                return Ok(StageAssignment::new(
                    LifecycleStage::Exploration,
                    StageReason::Young {
                        periods: t,
                        exploration: self.exploration,
                        window: self.window,
                    },
                ));
            }
        };
        let a = mean(recent);
        let b = mean(previous);
        if !(a.is_finite() && b.is_finite()) {
            return Err(Error::Overflow {
                what: "lifecycle window mean",
            });
        }
        let theta = self.threshold;
        let trend = StageReason::Trend {
            recent: a,
            previous: b,
            threshold: theta,
        };
        let stage = if a > 0.0 && a >= (1.0 + theta) * b {
            LifecycleStage::Formation
        } else if a <= (1.0 - theta) * b {
            if idle < self.recent_guard as usize {
                return Ok(StageAssignment::new(
                    LifecycleStage::Stability,
                    StageReason::RecentPurchase {
                        recent: a,
                        previous: b,
                        idle,
                        guard: self.recent_guard,
                    },
                ));
            }
            LifecycleStage::Decline
        } else {
            LifecycleStage::Stability
        };
        Ok(StageAssignment::new(stage, trend))
    }
}

#[inline]
fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// A rule that assigns a [`LifecycleStage`] from a customer's per-period
/// history. Rules are data: they serialise, so thresholds can live in
/// configuration.
///
/// # `WindowTrend` \[L\]
///
/// No canonical rule for assigning a stage from transaction data was
/// found ([spec](crate::lifecycle::spec#window-trend-rule)), so this is the library's own, explicitly
/// named heuristic. With `v_1..v_T` the per-period values since the first
/// purchase ([`PeriodHistory`]), `T` the number of periods including the
/// first purchase's and the current one, and "idle" the number of
/// trailing periods with `v_t = 0`:
///
/// ```text
/// 0. no v_t > 0 at all                         -> Prospect      (no purchase yet)
/// 0'. idle >= C (when a churned limit C is set) -> Churned
/// 1. idle >= K (no purchase in the last K periods, T-K+1..T)
///                                              -> Decline       (退化期)
/// 2. T <= E, or T < 2w                         -> Exploration   (考察期)
/// 3. a = mean(v_{T-w+1..T}), b = mean(v_{T-2w+1..T-w})
///    a > 0 and a >= (1+θ)b                     -> Formation     (形成期)
/// 4a. a <= (1-θ)b and idle < G                -> Stability     (bought recently)
/// 4. a <= (1-θ)b                               -> Decline       (退化期)
/// 5. otherwise                                 -> Stability     (稳定期)
/// ```
///
/// Rules 1-5 are the [heuristic as first proposed](crate::lifecycle::spec#window-trend-rule), evaluated in its order; rules
/// 0 and 0' bracket them with the two stages the section leaves to the
/// caller. Rule 1 only fires when the customer has bought at all; when
/// `T <= K` their purchase lies within the last `K` periods, so it cannot
/// fire. Rule 3 reads "b = 0 and a > 0, or a >= (1+θ)b" in the section;
/// written as above it is the same except when a = b = 0 (no purchase in
/// the last 2w periods, reachable only when `K > 2w`), which the literal
/// reading would call formation and this crate calls decline \[L\].
/// Rule 4a is this crate's \[L\]: a falling trend alone does not put a
/// customer who bought in the last `G` periods in decline (one purchase's
/// amount against the previous window's is noise for customers who buy a
/// few times a year); `G` = 0 gives the section's rule 4.
///
/// # Example
///
/// The [spec's example](crate::lifecycle::spec#window-trend-example): a = 300, b = 276.67, a/b =
/// 1.084 < 1.2, so the customer is in the stability stage.
///
/// ```
/// use customer_value::LifecycleStage;
/// use customer_value::lifecycle::{StageReason, StageRule};
///
/// let v = [0.0, 100.0, 0.0, 200.0, 150.0, 300.0, 250.0, 300.0, 280.0, 310.0, 290.0, 300.0];
/// let got = StageRule::default().assign(&v)?;
/// assert_eq!(got.stage(), LifecycleStage::Stability);
/// assert_eq!(got.stage().chinese_name(), "稳定期");
/// let StageReason::Trend { recent, previous, .. } = got.reason() else { unreachable!() };
/// assert_eq!(*recent, 300.0);
/// assert!((previous - 830.0 / 3.0).abs() < 1e-12);
/// assert_eq!(format!("{:.3}", got.reason().ratio().unwrap()), "1.084");
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum StageRule {
    /// The `WindowTrend` heuristic \[L\].
    WindowTrend(WindowTrend),
}

impl Default for StageRule {
    /// `WindowTrend` with its defaults.
    fn default() -> Self {
        StageRule::WindowTrend(WindowTrend::default())
    }
}

impl From<WindowTrend> for StageRule {
    fn from(rule: WindowTrend) -> Self {
        StageRule::WindowTrend(rule)
    }
}

impl StageRule {
    /// Assigns the stage of one series `v_1..v_T`, oldest first.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidValue`] when a value is negative, NaN or infinite;
    /// - [`Error::Overflow`] when a window's mean overflows `f64`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::LifecycleStage;
    /// use customer_value::lifecycle::StageRule;
    ///
    /// let rule = StageRule::default();
    /// assert_eq!(rule.assign(&[])?.stage(), LifecycleStage::Prospect);
    /// assert_eq!(rule.assign(&[50.0, 60.0])?.stage(), LifecycleStage::Exploration);
    /// assert_eq!(rule.assign(&[10.0, 10.0, 10.0, 20.0, 20.0, 20.0])?.stage(), LifecycleStage::Formation);
    /// assert!(rule.assign(&[-1.0]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn assign(&self, values: &[f64]) -> Result<StageAssignment> {
        if let Some(t) = values.iter().position(|v| !(*v >= 0.0 && v.is_finite())) {
            return Err(Error::InvalidValue {
                what: "period value",
                reason: format!(
                    "period {}: must be finite and >= 0, got {}",
                    t + 1,
                    values.get(t).copied().unwrap_or(f64::NAN)
                ),
            });
        }
        self.evaluate(values)
    }

    #[inline]
    fn evaluate(&self, values: &[f64]) -> Result<StageAssignment> {
        match self {
            StageRule::WindowTrend(rule) => rule.evaluate(values),
        }
    }

    /// Assigns every customer's stage, in order, on all cores for large
    /// populations. The result does not depend on the thread count.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when a window's mean overflows `f64` (the first
    /// such customer in order).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{CustomerId, LifecycleStage};
    /// use customer_value::lifecycle::{PeriodHistories, StageRule};
    ///
    /// let h = PeriodHistories::from_parts(
    ///     vec![CustomerId::new(1), CustomerId::new(2)],
    ///     vec![0, 1, 8],
    ///     vec![5.0, 9.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    /// )?;
    /// let stages: Vec<_> = StageRule::default().assign_all(&h)?.iter().map(|s| s.stage()).collect();
    /// assert_eq!(stages, [LifecycleStage::Exploration, LifecycleStage::Decline]);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn assign_all(&self, histories: &PeriodHistories) -> Result<Vec<StageAssignment>> {
        let mut out = Vec::new();
        self.assign_all_into(histories, &mut out)?;
        Ok(out)
    }

    /// [`assign_all`](Self::assign_all), appending to `out`. On error `out`
    /// is left as it was.
    ///
    /// # Errors
    ///
    /// As [`assign_all`](Self::assign_all).
    pub fn assign_all_into(
        &self,
        histories: &PeriodHistories,
        out: &mut Vec<StageAssignment>,
    ) -> Result<()> {
        let n = histories.len();
        let start = out.len();
        // The core count is only asked for when the call is large enough to
        // split (on Linux it reads cgroup files, tens of microseconds).
        let threads = if n < 2 * CUSTOMERS_PER_THREAD {
            1
        } else {
            let cores = std::thread::available_parallelism().map_or(1, usize::from);
            cores.min(n / CUSTOMERS_PER_THREAD).max(1)
        };
        out.resize(start + n, StageAssignment::PLACEHOLDER);
        let result = {
            let slots = out.get_mut(start..).unwrap_or(&mut []);
            if threads == 1 {
                self.fill(histories, 0, slots)
            } else {
                let chunk = n.div_ceil(threads);
                std::thread::scope(|scope| {
                    let handles: Vec<_> = slots
                        .chunks_mut(chunk)
                        .enumerate()
                        .map(|(k, part)| scope.spawn(move || self.fill(histories, k * chunk, part)))
                        .collect();
                    handles.into_iter().try_for_each(|h| {
                        h.join()
                            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                    })
                })
            }
        };
        if result.is_err() {
            out.truncate(start);
        }
        result
    }

    /// Scores customers `first..first + slots.len()` into `slots`.
    fn fill(
        &self,
        histories: &PeriodHistories,
        first: usize,
        slots: &mut [StageAssignment],
    ) -> Result<()> {
        for (i, slot) in slots.iter_mut().enumerate() {
            *slot = self.evaluate(histories.series(first + i).unwrap_or(&[]))?;
        }
        Ok(())
    }
}

impl Scorer for StageRule {
    type Input = PeriodHistory;
    type Score = StageAssignment;

    /// Assigns one customer's stage (see [`StageRule`]).
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when a window's mean overflows `f64`.
    fn score(&self, input: &PeriodHistory) -> Result<StageAssignment> {
        self.evaluate(input.values())
    }

    fn score_into(&self, inputs: &[PeriodHistory], out: &mut Vec<StageAssignment>) -> Result<()> {
        par_map_into(inputs, out, |h| self.evaluate(h.values()))
    }
}

/// Why a [`StageRule`] gave the stage it did: the branch that fired and
/// its numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum StageReason {
    /// No period has a purchase (rule 0: prospect).
    NoPurchase,
    /// `idle` trailing periods without a purchase reached `limit` (`C`:
    /// churned, rule 0'; `K`: decline, rule 1).
    Inactive {
        /// Trailing periods without a purchase.
        idle: usize,
        /// The limit reached.
        limit: u32,
    },
    /// The history is too short to compare two windows (rule 2: `T <= E`
    /// or `T < 2w`).
    Young {
        /// `T`, the number of periods.
        periods: usize,
        /// The rule's `E`.
        exploration: u32,
        /// The rule's `w`.
        window: u32,
    },
    /// The window means fell by `θ` or more, but the customer bought in
    /// the last `G` periods (rule 4a: stability).
    RecentPurchase {
        /// `a`, the mean of the last `w` periods.
        recent: f64,
        /// `b`, the mean of the `w` periods before those.
        previous: f64,
        /// Trailing periods without a purchase (less than `guard`).
        idle: usize,
        /// The rule's `G`.
        guard: u32,
    },
    /// The two window means were compared (rules 3-5).
    Trend {
        /// `a`, the mean of the last `w` periods.
        recent: f64,
        /// `b`, the mean of the `w` periods before those.
        previous: f64,
        /// The rule's `θ`.
        threshold: f64,
    },
}

impl std::fmt::Display for StageReason {
    /// The rule that fired, with its numbers, in words and without commas
    /// (so that it fits a CSV field unquoted).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            StageReason::NoPurchase => f.write_str("no purchase yet"),
            StageReason::Inactive { idle, limit } => {
                write!(f, "{idle} periods without a purchase (limit {limit})")
            }
            StageReason::Young {
                periods,
                exploration,
                window,
            } => write!(
                f,
                "{periods} periods old (exploration {exploration}; window {window})"
            ),
            StageReason::RecentPurchase {
                recent,
                previous,
                idle,
                guard,
            } => write!(
                f,
                "recent {recent:.2} vs previous {previous:.2} but bought {idle} periods ago (guard {guard})"
            ),
            StageReason::Trend {
                recent, previous, ..
            } => match self.ratio() {
                Some(ratio) => write!(
                    f,
                    "recent {recent:.2} vs previous {previous:.2} (x{ratio:.3})"
                ),
                None => write!(f, "recent {recent:.2} vs previous {previous:.2}"),
            },
        }
    }
}

impl StageReason {
    /// `a / b` for a [`Trend`](StageReason::Trend), `None` otherwise or
    /// when `b = 0` or the ratio is not finite.
    pub fn ratio(&self) -> Option<f64> {
        match *self {
            StageReason::Trend {
                recent, previous, ..
            }
            | StageReason::RecentPurchase {
                recent, previous, ..
            } if previous > 0.0 => Some(recent / previous).filter(|r| r.is_finite()),
            _ => None,
        }
    }
}

/// A customer's lifecycle stage and the reason for it.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StageAssignment {
    stage: LifecycleStage,
    reason: StageReason,
}

impl StageAssignment {
    const PLACEHOLDER: StageAssignment = StageAssignment {
        stage: LifecycleStage::Prospect,
        reason: StageReason::NoPurchase,
    };

    fn new(stage: LifecycleStage, reason: StageReason) -> Self {
        Self { stage, reason }
    }

    /// The stage.
    pub fn stage(&self) -> LifecycleStage {
        self.stage
    }

    /// Why.
    pub fn reason(&self) -> &StageReason {
        &self.reason
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CustomerId;

    #[test]
    fn builder_valid_and_each_error() {
        let ok = WindowTrend::builder()
            .window(2)
            .exploration(0)
            .threshold(0.0)
            .inactivity_limit(1)
            .churned_limit(2)
            .build()
            .unwrap();
        assert_eq!(ok.to_builder().build().unwrap(), ok);
        assert_eq!(
            ok.to_builder()
                .no_churned_limit()
                .build()
                .unwrap()
                .churned_limit(),
            None
        );
        let cases = [
            (WindowTrend::builder().window(0), "window"),
            (WindowTrend::builder().threshold(-0.1), "threshold"),
            (WindowTrend::builder().threshold(f64::NAN), "threshold"),
            (WindowTrend::builder().threshold(1.0), "threshold"),
            (
                WindowTrend::builder().inactivity_limit(0),
                "inactivity limit",
            ),
            (WindowTrend::builder().churned_limit(6), "churned limit"),
        ];
        for (b, name) in cases {
            assert!(
                matches!(b.build(), Err(Error::InvalidParameter { name: n, .. }) if n == name),
                "{name}"
            );
        }
    }

    #[test]
    fn a_and_b_zero_is_decline_not_formation() {
        let rule = StageRule::from(WindowTrend::builder().inactivity_limit(10).build().unwrap());
        let got = rule
            .assign(&[5.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
            .unwrap();
        assert_eq!(got.stage(), LifecycleStage::Decline);
        assert_eq!(got.reason().ratio(), None);
    }

    #[test]
    fn overflowing_mean_is_an_error() {
        let big = f64::MAX;
        let v = [big, big, big, big, big, big];
        assert!(matches!(
            StageRule::default().assign(&v),
            Err(Error::Overflow { .. })
        ));
        let h =
            PeriodHistories::from_parts(vec![CustomerId::new(1)], vec![0, 6], v.to_vec()).unwrap();
        let mut out = vec![StageAssignment::PLACEHOLDER];
        assert!(StageRule::default().assign_all_into(&h, &mut out).is_err());
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn threaded_bulk_matches_single() {
        let n = 250_000;
        let mut values = Vec::new();
        let mut offsets = vec![0];
        let mut customers = Vec::new();
        for i in 0..n {
            let len = i % 9;
            for t in 0..len {
                values.push(((i * 7 + t * 13) % 5) as f64);
            }
            offsets.push(values.len());
            customers.push(CustomerId::new(i as u64));
        }
        let h = PeriodHistories::from_parts(customers, offsets, values).unwrap();
        let rule = StageRule::default();
        let bulk = rule.assign_all(&h).unwrap();
        assert_eq!(bulk.len(), n);
        for (i, got) in bulk.iter().enumerate().step_by(997) {
            assert_eq!(*got, rule.assign(h.series(i).unwrap()).unwrap());
        }
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_round_trip_and_validation() {
        let rule = StageRule::from(WindowTrend::builder().churned_limit(9).build().unwrap());
        let json = serde_json::to_string(&rule).unwrap();
        assert_eq!(
            json,
            r#"{"window_trend":{"window":3,"exploration":3,"threshold":0.2,"inactivity_limit":6,"churned_limit":9,"recent_guard":3}}"#
        );
        assert_eq!(serde_json::from_str::<StageRule>(&json).unwrap(), rule);
        let partial: StageRule = serde_json::from_str(r#"{"window_trend":{"window":4}}"#).unwrap();
        let StageRule::WindowTrend(w) = partial;
        assert_eq!((w.window(), w.inactivity_limit()), (4, 6));
        assert!(serde_json::from_str::<StageRule>(r#"{"window_trend":{"window":0}}"#).is_err());
    }
}
