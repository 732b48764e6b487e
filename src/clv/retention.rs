//! The Gupta-Lehmann retention model: a constant margin multiple.

use crate::{CustomerId, CustomerSummary, Decimal, Error, Keyed, Result, Scorer};

use super::math;
use super::rates::{DiscountRate, GrowthRate, MarginRate, RetentionRate};

/// When margins are paid and when survival is counted
/// ([spec](crate::clv::spec#timing-conventions)).
///
/// With `q = r / (1 + i)` and `T` margins:
///
/// | Variant | Cash flows | Finite horizon | Infinite horizon | Source |
/// |---|---|---|---|---|
/// | [`EndOfPeriod`](Timing::EndOfPeriod) | end of period t = 1..T, if retained through t | `m·Σ_{t=1}^{T} q^t` | `m·r/(1+i−r)` | Gupta & Lehmann 2003, 2005 \[V\] |
/// | [`StartOfPeriod`](Timing::StartOfPeriod) | start of period t = 0..T−1, the current margin (t = 0) undiscounted | `m·Σ_{t=0}^{T−1} q^t` | `m·(1+i)/(1+i−r)` | GLS 2004 inner sum, Berger & Nasr case 1 \[R\] |
/// | [`EndPaidIfAliveAtStart`](Timing::EndPaidIfAliveAtStart) | end of period t = 1..T, if alive at its start | `m·Σ_{t=1}^{T} r^{t−1}/(1+i)^t` | `m/(1+i−r)` | textbooks \[D\] |
///
/// There is no default: the three differ by a factor `(1+i)/r` or `1/r`, so
/// the caller must choose. `StartOfPeriod(T) = m + EndOfPeriod(T − 1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Timing {
    /// The margin of period t is paid at its end, only if the customer was
    /// retained through t (probability `r^t`), discounted `(1+i)^-t`;
    /// t = 1..T. Gupta & Lehmann's "margin multiple" `r/(1+i−r)`.
    EndOfPeriod,
    /// The margin of period t is paid at its start if the customer is
    /// active then (probability `r^t`), discounted `(1+i)^-t`; t = 0..T−1,
    /// so the current margin is counted, undiscounted. `(1+i)/(1+i−r)`.
    StartOfPeriod,
    /// The margin of period t is paid at its end if the customer was alive
    /// at its start (probability `r^(t−1)`), discounted `(1+i)^-t`;
    /// t = 1..T. `1/(1+i−r)`.
    EndPaidIfAliveAtStart,
}

/// How many margins are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Horizon {
    /// `T` margins (T = 0 gives a CLV of 0); finite sums are defined for
    /// every valid rate.
    Periods(u32),
    /// Every future margin; needs `1 + i − r(1+g) > 0`.
    Infinite,
}

/// Which margin growth applies to the first margin counted
/// ([spec](crate::clv::spec#margin-growth), \[L\]: the crate names the indexing explicitly).
///
/// With `G = 1 + g`, `p = r·G/(1+i)` and `k = 0` ([`FirstMarginUngrown`](GrowthIndexing::FirstMarginUngrown))
/// or `k = 1` ([`FirstMarginGrown`](GrowthIndexing::FirstMarginGrown)), the `j`-th margin counted
/// (`j = 0, 1, ...`) is `m·G^(j+k)` and the multiples are:
///
/// | Timing | k = 0 (first margin `m`) | k = 1 (first margin `m(1+g)`) |
/// |---|---|---|
/// | EndOfPeriod, ∞ | `r/(1+i−rG)`, `m_t = m G^(t−1)`: GL 2005 \[D; R] | `rG/(1+i−rG)`, `m_t = m G^t` \[D\] |
/// | StartOfPeriod, ∞ | `(1+i)/(1+i−rG)`, `m_t = m G^t`, t ≥ 0 \[D\] | `(1+i)G/(1+i−rG)` \[D, derived here\] |
/// | EndPaidIfAliveAtStart, ∞ | `1/(1+i−rG)` \[D, derived here\] | `G/(1+i−rG)` \[D, derived here\] |
/// | any, T periods | infinite multiple × `(1 − p^T)`; `a·T` when `p = 1` | same |
///
/// The finite forms are `a·Σ_{j=0}^{T−1} p^j` with the first-term factor
/// `a` = `rG^k/(1+i)`, `G^k`, `G^k/(1+i)` for the three timings; the
/// combinations marked "derived here" are not among the forms the
/// [specification](crate::clv::spec#margin-growth) lists and are
/// tested against brute-force sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum GrowthIndexing {
    /// The first margin counted is `m`; each later one is `(1+g)` times
    /// the one before.
    FirstMarginUngrown,
    /// The first margin counted is already grown, `m(1+g)`.
    FirstMarginGrown,
}

/// The Gupta-Lehmann retention model: constant retention `r`, discount
/// `i`, optional margin growth `g`, a [`Timing`] and a [`Horizon`], which
/// reduce to one margin multiple `M` so that `CLV = m·M`.
///
/// ```text
/// CLV = Σ_t m_t · P(paid in t) / (1+i)^t          Gupta & Lehmann (2003) eq. 2 [V]
///     = m · M(r, i, g, timing, horizon)
/// EndOfPeriod, no growth:  M_∞ = r/(1+i−r),  M_T = q(1−q^T)/(1−q),  q = r/(1+i)
/// ```
///
/// See [`Timing`] for the three conventions and [`GrowthIndexing`] for
/// growth. Net CLV subtracts the acquisition cost, paid once at t = 0 and
/// undiscounted ([spec](crate::clv::spec#net-clv)): `net = CLV − AC`.
///
/// The multiple is computed once, in [`RetentionModelBuilder::build`],
/// from the closed forms: one division for an infinite horizon, and for
/// `T` periods the partial geometric sum `(1 − p^T)/(1 − p)` evaluated by
/// binary powering (`p^T` and the sum together, `O(log T)` checked
/// multiplications, never dividing by `1 − p`, exactly `T` when `p = 1`).
///
/// # Rounding
///
/// Results are unrounded `Decimal`s (28 significant digits; the multiple
/// of `r/(1+i−r)` is a quotient rounded in its last digit). Round money at
/// the output boundary with [`round_cents`](super::round_cents).
///
/// # Example
///
/// ```
/// use customer_value::{Decimal, clv::{Horizon, RetentionModel, Timing}};
///
/// let model = RetentionModel::builder(Timing::EndOfPeriod, Horizon::Infinite)
///     .retention(Decimal::new(8, 1))
///     .discount(Decimal::new(1, 1))
///     .build()?;
/// assert_eq!(model.multiple().round_dp(4), Decimal::new(26667, 4));
/// assert_eq!(model.clv(Decimal::new(100, 0))?.round_dp(4), Decimal::new(2666667, 4));
/// assert_eq!(
///     model.net_clv(Decimal::new(100, 0), Decimal::new(150, 0))?.round_dp(4),
///     Decimal::new(1166667, 4),
/// );
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "RawRetentionModel", into = "RawRetentionModel")
)]
pub struct RetentionModel {
    retention: RetentionRate,
    discount: DiscountRate,
    timing: Timing,
    horizon: Horizon,
    growth: Option<(GrowthRate, GrowthIndexing)>,
    multiple: Decimal,
}

/// The serialised shape of a [`RetentionModel`]: its parameters, rebuilt
/// (and so validated and the multiple recomputed) on the way in.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct RawRetentionModel {
    retention: RetentionRate,
    discount: DiscountRate,
    timing: Timing,
    horizon: Horizon,
    #[serde(default)]
    growth: Option<(GrowthRate, GrowthIndexing)>,
}

#[cfg(feature = "serde")]
impl From<RetentionModel> for RawRetentionModel {
    fn from(m: RetentionModel) -> Self {
        Self {
            retention: m.retention,
            discount: m.discount,
            timing: m.timing,
            horizon: m.horizon,
            growth: m.growth,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<RawRetentionModel> for RetentionModel {
    type Error = Error;
    fn try_from(raw: RawRetentionModel) -> Result<Self> {
        let mut b = RetentionModel::builder(raw.timing, raw.horizon)
            .retention(raw.retention)
            .discount(raw.discount);
        if let Some((g, indexing)) = raw.growth {
            b = b.growth(g, indexing);
        }
        b.build()
    }
}

/// Collects the parameters of a [`RetentionModel`]; [`build`](Self::build)
/// checks them all. Retention and discount are required; growth is
/// optional (none by default).
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct RetentionModelBuilder {
    timing: Timing,
    horizon: Horizon,
    retention: Option<Decimal>,
    discount: Option<Decimal>,
    growth: Option<(Decimal, GrowthIndexing)>,
}

impl RetentionModelBuilder {
    /// Sets the retention rate `r` per period (a `Decimal` or a
    /// [`RetentionRate`]).
    pub fn retention(mut self, r: impl Into<Decimal>) -> Self {
        self.retention = Some(r.into());
        self
    }

    /// Sets the discount rate `i` per period (a `Decimal` or a
    /// [`DiscountRate`]).
    pub fn discount(mut self, i: impl Into<Decimal>) -> Self {
        self.discount = Some(i.into());
        self
    }

    /// Sets a margin growth rate `g` per period and how it is indexed
    /// (see [`GrowthIndexing`]).
    pub fn growth(mut self, g: impl Into<Decimal>, indexing: GrowthIndexing) -> Self {
        self.growth = Some((g.into(), indexing));
        self
    }

    /// Checks every parameter and computes the margin multiple.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] naming the parameter:
    /// - `retention`: not set, or outside `[0, 1]`;
    /// - `discount`: not set, or `<= -1`;
    /// - `growth`: `<= -1`;
    /// - `horizon`: infinite while `1 + i − r(1+g) <= 0` (the series
    ///   diverges, e.g. `r = 1, i = 0`).
    ///
    /// [`Error::Overflow`] when a finite sum exceeds `Decimal` (only
    /// possible when `r(1+g) > 1+i` and `T` is large).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, Error, clv::{GrowthIndexing, Horizon, RetentionModel, Timing}};
    ///
    /// let grown = RetentionModel::builder(Timing::EndOfPeriod, Horizon::Infinite)
    ///     .retention(Decimal::new(8, 1))
    ///     .discount(Decimal::new(1, 1))
    ///     .growth(Decimal::new(5, 2), GrowthIndexing::FirstMarginUngrown)
    ///     .build()?;
    /// assert_eq!(grown.clv(Decimal::new(100, 0))?.round_dp(4), Decimal::new(3076923, 4));
    ///
    /// let divergent = RetentionModel::builder(Timing::EndOfPeriod, Horizon::Infinite)
    ///     .retention(Decimal::ONE)
    ///     .discount(Decimal::ZERO)
    ///     .build();
    /// assert!(matches!(divergent, Err(Error::InvalidParameter { name: "horizon", .. })));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn build(self) -> Result<RetentionModel> {
        let retention = RetentionRate::new(self.retention.ok_or(Error::InvalidParameter {
            name: "retention",
            value: "nothing".to_owned(),
            reason: "must be set with RetentionModelBuilder::retention",
        })?)?;
        let discount = DiscountRate::new(self.discount.ok_or(Error::InvalidParameter {
            name: "discount",
            value: "nothing".to_owned(),
            reason: "must be set with RetentionModelBuilder::discount",
        })?)?;
        let growth = match self.growth {
            Some((g, indexing)) => Some((GrowthRate::new(g)?, indexing)),
            None => None,
        };
        // Normalised (trailing zeros dropped): the same number, cheaper to multiply.
        let multiple =
            margin_multiple(retention, discount, growth, self.timing, self.horizon)?.normalize();
        Ok(RetentionModel {
            retention,
            discount,
            timing: self.timing,
            horizon: self.horizon,
            growth,
            multiple,
        })
    }
}

/// The margin multiple `M` with `CLV = m·M`; see [`GrowthIndexing`] for the
/// table of forms.
fn margin_multiple(
    retention: RetentionRate,
    discount: DiscountRate,
    growth: Option<(GrowthRate, GrowthIndexing)>,
    timing: Timing,
    horizon: Horizon,
) -> Result<Decimal> {
    const WHAT: &str = "margin multiple";
    let r = retention.get();
    let one_plus_i = math::add(Decimal::ONE, discount.get(), WHAT)?;
    let (g_factor, first_grown) = match growth {
        Some((g, indexing)) => (
            math::add(Decimal::ONE, g.get(), WHAT)?,
            indexing == GrowthIndexing::FirstMarginGrown,
        ),
        None => (Decimal::ONE, false),
    };
    let r_g = math::mul(r, g_factor, WHAT)?;
    let first_growth = if first_grown { g_factor } else { Decimal::ONE };
    match horizon {
        Horizon::Infinite => {
            let denominator = math::sub(one_plus_i, r_g, WHAT)?;
            if denominator <= Decimal::ZERO {
                return Err(Error::InvalidParameter {
                    name: "horizon",
                    value: format!(
                        "infinite with 1 + i - r(1 + g) = {}",
                        denominator.normalize()
                    ),
                    reason: "an infinite horizon needs 1 + discount - retention * (1 + growth) > 0, \
                             else the series diverges",
                });
            }
            // a · (1+i)/(1+i−rG), written with one division.
            let numerator = match timing {
                Timing::EndOfPeriod => math::mul(r, first_growth, WHAT)?,
                Timing::StartOfPeriod => math::mul(one_plus_i, first_growth, WHAT)?,
                Timing::EndPaidIfAliveAtStart => first_growth,
            };
            math::div(numerator, denominator, WHAT)
        }
        Horizon::Periods(t) => {
            let p = math::div(r_g, one_plus_i, WHAT)?;
            let sum = math::geometric_sum(p, u64::from(t), WHAT)?;
            match timing {
                Timing::EndOfPeriod => math::div(
                    math::mul(math::mul(r, first_growth, WHAT)?, sum, WHAT)?,
                    one_plus_i,
                    WHAT,
                ),
                Timing::StartOfPeriod => math::mul(first_growth, sum, WHAT),
                Timing::EndPaidIfAliveAtStart => {
                    math::div(math::mul(first_growth, sum, WHAT)?, one_plus_i, WHAT)
                }
            }
        }
    }
}

impl RetentionModel {
    /// Starts a builder. The timing and the horizon have no default and
    /// are given here; set [`retention`](RetentionModelBuilder::retention)
    /// and [`discount`](RetentionModelBuilder::discount) before
    /// [`build`](RetentionModelBuilder::build).
    pub fn builder(timing: Timing, horizon: Horizon) -> RetentionModelBuilder {
        RetentionModelBuilder {
            timing,
            horizon,
            retention: None,
            discount: None,
            growth: None,
        }
    }

    /// The retention rate `r`.
    pub fn retention(&self) -> RetentionRate {
        self.retention
    }

    /// The discount rate `i`.
    pub fn discount(&self) -> DiscountRate {
        self.discount
    }

    /// The timing convention.
    pub fn timing(&self) -> Timing {
        self.timing
    }

    /// The horizon.
    pub fn horizon(&self) -> Horizon {
        self.horizon
    }

    /// The margin growth rate and its indexing, if any.
    pub fn growth(&self) -> Option<(GrowthRate, GrowthIndexing)> {
        self.growth
    }

    /// The margin multiple `M`, unrounded: `CLV = m·M`.
    pub fn multiple(&self) -> Decimal {
        self.multiple
    }

    /// CLV of a customer with margin `m` per period: `m·M`.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the product exceeds `Decimal`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, clv::{Horizon, RetentionModel, Timing}};
    ///
    /// let model = RetentionModel::builder(Timing::EndOfPeriod, Horizon::Periods(5))
    ///     .retention(Decimal::new(8, 1))
    ///     .discount(Decimal::new(1, 1))
    ///     .build()?;
    /// assert_eq!(model.clv(Decimal::new(100, 0))?.round_dp(4), Decimal::new(2124097, 4));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn clv(&self, margin: Decimal) -> Result<Decimal> {
        math::mul(margin, self.multiple, "clv")
    }

    /// Net CLV of a prospect: `m·M − AC`, the acquisition cost paid once at
    /// t = 0, undiscounted ([spec](crate::clv::spec#net-clv), Gupta & Lehmann \[V\]).
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the result exceeds `Decimal`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, clv::{Horizon, RetentionModel, Timing}};
    ///
    /// let model = RetentionModel::builder(Timing::EndOfPeriod, Horizon::Infinite)
    ///     .retention(Decimal::new(8, 1))
    ///     .discount(Decimal::new(1, 1))
    ///     .build()?;
    /// let net = model.net_clv(Decimal::new(100, 0), Decimal::new(150, 0))?;
    /// assert_eq!(net.round_dp(4), Decimal::new(1166667, 4));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn net_clv(&self, margin: Decimal, acquisition_cost: Decimal) -> Result<Decimal> {
        math::sub(self.clv(margin)?, acquisition_cost, "net clv")
    }
}

/// One customer's input to a [`RetentionModel`]: margin per period and
/// acquisition cost (0 for an existing customer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MarginInput {
    customer: CustomerId,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    margin: Decimal,
    #[cfg_attr(
        feature = "serde",
        serde(with = "rust_decimal::serde::str", default = "zero")
    )]
    acquisition_cost: Decimal,
}

#[cfg(feature = "serde")]
fn zero() -> Decimal {
    Decimal::ZERO
}

impl MarginInput {
    /// An existing customer (acquisition cost 0) with margin `m` per
    /// period. Any margin is valid, negative included.
    pub const fn new(customer: CustomerId, margin: Decimal) -> Self {
        Self {
            customer,
            margin,
            acquisition_cost: Decimal::ZERO,
        }
    }

    /// The same row with an acquisition cost (a prospect).
    #[must_use]
    pub const fn with_acquisition_cost(mut self, acquisition_cost: Decimal) -> Self {
        self.acquisition_cost = acquisition_cost;
        self
    }

    /// A row from a summary, by this crate's convention \[L\]:
    ///
    /// ```text
    /// margin per period = total spend / max(T, 1) × margin rate
    /// ```
    ///
    /// where `T` is the customer's age (first purchase to calibration end)
    /// in the summary's [`TimeUnit`](crate::TimeUnit), floored at one
    /// period so a brand-new customer's spend is not blown up. It is the
    /// customer's mean spend per period of relationship; the model's period
    /// must be the summary's unit. Acquisition cost is 0.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] if the age is not finite;
    /// [`Error::Overflow`] if the arithmetic overflows.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{CustomerId, Date, Decimal, Summarizer, TimeUnit, Transaction};
    /// use customer_value::clv::{MarginInput, MarginRate};
    ///
    /// let c = CustomerId::new(1);
    /// let log = [
    ///     Transaction::new(c, Date::parse("2024-01-01")?, Decimal::new(100, 0)),
    ///     Transaction::new(c, Date::parse("2024-01-15")?, Decimal::new(300, 0)),
    /// ];
    /// let summary = Summarizer::builder(Date::parse("2024-01-29")?)
    ///     .unit(TimeUnit::WEEK)
    ///     .build()?
    ///     .summarize(&log)?;
    /// let row = MarginInput::from_summary(&summary.customers()[0], MarginRate::new(Decimal::new(3, 1))?)?;
    /// // 400 spent over 4 weeks at a 30 % margin: 30 a week.
    /// assert_eq!(row.margin(), Decimal::new(30, 0));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_summary(row: &CustomerSummary, margin_rate: MarginRate) -> Result<Self> {
        let age = row.age().max(1.0);
        let periods = Decimal::try_from(age).map_err(|_| Error::InvalidValue {
            what: "customer age",
            reason: format!(
                "customer {}: not a finite number, got {}",
                row.customer(),
                age
            ),
        })?;
        const WHAT: &str = "margin from summary";
        let per_period = math::div(row.total_spend(), periods, WHAT)?;
        Ok(Self::new(
            row.customer(),
            math::mul(per_period, margin_rate.get(), WHAT)?,
        ))
    }

    /// [`from_summary`](Self::from_summary) for every row, in order.
    ///
    /// # Errors
    ///
    /// The first error of [`from_summary`](Self::from_summary).
    pub fn from_summaries(rows: &[CustomerSummary], margin_rate: MarginRate) -> Result<Vec<Self>> {
        rows.iter()
            .map(|row| Self::from_summary(row, margin_rate))
            .collect()
    }

    /// The customer.
    pub fn customer(&self) -> CustomerId {
        self.customer
    }

    /// Margin per period.
    pub fn margin(&self) -> Decimal {
        self.margin
    }

    /// Acquisition cost, paid once at t = 0.
    pub fn acquisition_cost(&self) -> Decimal {
        self.acquisition_cost
    }
}

impl Keyed for MarginInput {
    fn customer(&self) -> CustomerId {
        self.customer
    }
}

/// Gross and net CLV of one customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ClvScore {
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    gross: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    net: Decimal,
}

impl ClvScore {
    /// CLV before acquisition cost, `m·M`.
    pub fn gross(&self) -> Decimal {
        self.gross
    }

    /// CLV after acquisition cost, `m·M − AC`.
    pub fn net(&self) -> Decimal {
        self.net
    }
}

impl RetentionModel {
    #[inline]
    fn score_row(&self, row: &MarginInput) -> Result<ClvScore> {
        let gross = row
            .margin
            .checked_mul(self.multiple)
            .ok_or(Error::Overflow { what: "clv" })?;
        // Existing customers (no acquisition cost) skip the subtraction,
        // which would have to align a scale-2 cost with a scale-28 CLV.
        let net = if row.acquisition_cost.is_zero() {
            gross
        } else {
            gross
                .checked_sub(row.acquisition_cost)
                .ok_or(Error::Overflow { what: "net clv" })?
        };
        Ok(ClvScore { gross, net })
    }
}

/// Scores [`MarginInput`] rows: gross `m·M` and net `m·M − AC`.
///
/// # Errors
///
/// [`Error::Overflow`] when a product or difference exceeds `Decimal`.
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Decimal, Scorer, clv::{Horizon, MarginInput, RetentionModel, Timing}};
///
/// let model = RetentionModel::builder(Timing::StartOfPeriod, Horizon::Infinite)
///     .retention(Decimal::new(8, 1))
///     .discount(Decimal::new(1, 1))
///     .build()?;
/// let rows = [
///     MarginInput::new(CustomerId::new(1), Decimal::new(30, 0)),
///     MarginInput::new(CustomerId::new(2), Decimal::new(30, 0)).with_acquisition_cost(Decimal::new(50, 0)),
/// ];
/// let scores = model.score_all(&rows)?;
/// assert_eq!(scores[0].gross(), Decimal::new(110, 0)); // 30 · 1.1 / 0.3
/// assert_eq!(scores[1].net(), Decimal::new(60, 0));
/// # Ok::<(), customer_value::Error>(())
/// ```
impl Scorer for RetentionModel {
    type Input = MarginInput;
    type Score = ClvScore;

    fn score(&self, input: &MarginInput) -> Result<ClvScore> {
        self.score_row(input)
    }

    /// Large slices are scored on all cores (see [`Scorer::score_into`] for
    /// the order and error guarantees; results never depend on the cores).
    fn score_into(&self, inputs: &[MarginInput], out: &mut Vec<ClvScore>) -> Result<()> {
        crate::score::par_map_into(inputs, out, |row| self.score_row(row))
    }
}

/// Gupta & Lehmann's margin-multiple table: `r/(1+i−r)` (EndOfPeriod,
/// infinite horizon, no growth) for every retention (rows) and discount
/// (columns), unrounded ([spec](crate::clv::spec#margin-multiple-grid); GL 2003 \[V\]).
///
/// # Errors
///
/// [`Error::InvalidParameter`] (`horizon`) for a pair with `1 + i − r <= 0`.
///
/// # Example
///
/// ```
/// use customer_value::{Decimal, clv::{DiscountRate, RetentionRate, margin_multiple_grid}};
///
/// let grid = margin_multiple_grid(
///     &[RetentionRate::new(Decimal::new(8, 1))?],
///     &[DiscountRate::new(Decimal::new(10, 2))?, DiscountRate::new(Decimal::new(12, 2))?],
/// )?;
/// assert_eq!(grid[0][0].round_dp(2), Decimal::new(267, 2));
/// assert_eq!(grid[0][1].round_dp(2), Decimal::new(250, 2));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn margin_multiple_grid(
    retentions: &[RetentionRate],
    discounts: &[DiscountRate],
) -> Result<Vec<Vec<Decimal>>> {
    retentions
        .iter()
        .map(|&r| {
            discounts
                .iter()
                .map(|&i| margin_multiple(r, i, None, Timing::EndOfPeriod, Horizon::Infinite))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn model(timing: Timing, horizon: Horizon, r: &str, i: &str) -> Result<RetentionModel> {
        RetentionModel::builder(timing, horizon)
            .retention(d(r))
            .discount(d(i))
            .build()
    }

    fn name_of(e: Error) -> &'static str {
        match e {
            Error::InvalidParameter { name, .. } => name,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn builds_and_prices() {
        let m = model(Timing::EndOfPeriod, Horizon::Infinite, "0.8", "0.1").unwrap();
        assert_eq!(m.clv(d("100")).unwrap().round_dp(4), d("266.6667"));
        assert_eq!(m.retention().get(), d("0.8"));
        assert_eq!(m.discount().get(), d("0.1"));
        assert_eq!(m.timing(), Timing::EndOfPeriod);
        assert_eq!(m.horizon(), Horizon::Infinite);
        assert_eq!(m.growth(), None);
    }

    #[test]
    fn each_invalid_parameter_is_named() {
        let h = Horizon::Infinite;
        let t = Timing::EndOfPeriod;
        assert_eq!(name_of(model(t, h, "1.2", "0.1").unwrap_err()), "retention");
        assert_eq!(
            name_of(model(t, h, "-0.1", "0.1").unwrap_err()),
            "retention"
        );
        assert_eq!(name_of(model(t, h, "0.8", "-1").unwrap_err()), "discount");
        assert_eq!(name_of(model(t, h, "1", "0").unwrap_err()), "horizon");
        let missing_r = RetentionModel::builder(t, h).discount(d("0.1")).build();
        assert_eq!(name_of(missing_r.unwrap_err()), "retention");
        let missing_i = RetentionModel::builder(t, h).retention(d("0.1")).build();
        assert_eq!(name_of(missing_i.unwrap_err()), "discount");
        let bad_g = RetentionModel::builder(t, h)
            .retention(d("0.8"))
            .discount(d("0.1"))
            .growth(d("-1"), GrowthIndexing::FirstMarginGrown)
            .build();
        assert_eq!(name_of(bad_g.unwrap_err()), "growth");
        let divergent_g = RetentionModel::builder(t, h)
            .retention(d("0.8"))
            .discount(d("0.1"))
            .growth(d("0.5"), GrowthIndexing::FirstMarginUngrown)
            .build();
        let e = divergent_g.unwrap_err();
        assert!(e.to_string().contains("diverges"), "{e}");
        assert_eq!(name_of(e), "horizon");
        // ... but the finite sum of the same parameters is fine.
        let finite = RetentionModel::builder(t, Horizon::Periods(10))
            .retention(d("0.8"))
            .discount(d("0.1"))
            .growth(d("0.5"), GrowthIndexing::FirstMarginUngrown)
            .build();
        assert!(finite.is_ok());
    }

    #[test]
    fn finite_overflow_is_an_error() {
        let e = RetentionModel::builder(Timing::EndOfPeriod, Horizon::Periods(u32::MAX))
            .retention(d("1"))
            .discount(d("-0.5"))
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::Overflow { .. }));
    }

    #[test]
    fn q_equal_one_counts_periods() {
        let m = model(Timing::EndOfPeriod, Horizon::Periods(7), "1", "0").unwrap();
        assert_eq!(m.multiple(), d("7"));
        let big = model(Timing::StartOfPeriod, Horizon::Periods(u32::MAX), "1", "0").unwrap();
        assert_eq!(big.multiple(), Decimal::from(u32::MAX));
    }

    #[test]
    fn scorer_and_clv_agree() {
        let m = model(Timing::StartOfPeriod, Horizon::Periods(5), "0.8", "0.1").unwrap();
        let row = MarginInput::new(CustomerId::new(3), d("100")).with_acquisition_cost(d("20"));
        let s = m.score(&row).unwrap();
        assert_eq!(s.gross(), m.clv(d("100")).unwrap());
        assert_eq!(s.net(), s.gross() - d("20"));
        assert_eq!(row.customer(), CustomerId::new(3));
        assert_eq!(row.acquisition_cost(), d("20"));
        let huge = MarginInput::new(CustomerId::new(1), Decimal::MAX);
        assert!(matches!(m.score(&huge), Err(Error::Overflow { .. })));
        assert!(matches!(
            m.score_all(&[row, huge]),
            Err(Error::Overflow { .. })
        ));
    }

    #[test]
    fn grid_rejects_divergent_pairs() {
        let grid = margin_multiple_grid(
            &[RetentionRate::new(d("1")).unwrap()],
            &[DiscountRate::new(d("0")).unwrap()],
        );
        assert_eq!(name_of(grid.unwrap_err()), "horizon");
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_rebuilds_and_validates() {
        let m = RetentionModel::builder(Timing::EndOfPeriod, Horizon::Periods(5))
            .retention(d("0.8"))
            .discount(d("0.1"))
            .growth(d("0.05"), GrowthIndexing::FirstMarginGrown)
            .build()
            .unwrap();
        let json = serde_json::to_string(&m).unwrap();
        assert!(!json.contains("multiple"));
        let back: RetentionModel = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        let bad = json.replace("\"0.8\"", "\"1.8\"");
        assert!(serde_json::from_str::<RetentionModel>(&bad).is_err());
        let divergent =
            r#"{"retention":"1","discount":"0","timing":"EndOfPeriod","horizon":"Infinite"}"#;
        assert!(serde_json::from_str::<RetentionModel>(divergent).is_err());

        let row = MarginInput::new(CustomerId::new(1), d("12.50"));
        let json = serde_json::to_string(&row).unwrap();
        assert!(json.contains("\"12.50\""), "{json}");
        assert_eq!(serde_json::from_str::<MarginInput>(&json).unwrap(), row);
    }
}
