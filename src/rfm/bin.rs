//! RFM quantile binning: recency, frequency and monetary scores from ranks
//! ([`rfm::spec`](crate::rfm::spec), sections "Inputs" to "The rfm package").
//!
//! An [`Rfm`] configuration (bins per dimension, [`QuantileMethod`],
//! [`TieMethod`], [`Binning`], [`ScoreDirection`], optional fixed
//! thresholds) scores a population of [`RfmValues`] in one call,
//! [`Rfm::fit_score`], which returns every customer's [`RfmScore`], the
//! [`FittedRfm`] cut points for scoring new customers later, and a
//! [`BinReport`] that lists the empty bins of degenerate populations.
//!
//! Recency is "lower is better" (days since the last purchase); frequency
//! and money are "higher is better". Under the default
//! [`ScoreDirection::HighIsBest`] the best fifth of customers scores 5 in
//! each dimension, so the best cell is 555 (Hughes' quintiles[^hughes]).
//!
//! ```
//! use customer_value::rfm::{Rfm, RfmValues, TieMethod};
//! use customer_value::{CustomerId, Decimal, Scorer};
//!
//! // The worked example of rfm::spec: (recency days, purchases, spend) of customers A..J.
//! let data = [
//!     (5.0, 12, 1200), (12.0, 8, 640), (20.0, 8, 900), (35.0, 5, 450), (40.0, 6, 300),
//!     (60.0, 3, 520), (90.0, 3, 150), (120.0, 2, 260), (200.0, 1, 90), (365.0, 1, 60),
//! ];
//! let pop: Vec<RfmValues> = data
//!     .iter()
//!     .zip(1..)
//!     .map(|(&(r, f, m), id)| RfmValues::new(CustomerId::new(id), r, f, Decimal::from(m)))
//!     .collect::<Result<_, _>>()?;
//!
//! let rfm = Rfm::builder().bins(5).ties(TieMethod::Max).build()?;
//! let out = rfm.fit_score(&pop)?;
//! let codes: Vec<u32> = out.scores().iter().map(|s| s.score.code()).collect();
//! assert_eq!(codes, [555, 554, 455, 433, 343, 334, 232, 222, 111, 111]);
//! assert!(out.report().empty_bins().is_empty());
//!
//! // A new customer: 30 days, 6 purchases, 500 spent.
//! let new = RfmValues::new(CustomerId::new(99), 30.0, 6, Decimal::from(500))?;
//! assert_eq!(out.fitted().score(&new)?.code(), 443);
//! # Ok::<(), customer_value::Error>(())
//! ```
//!
//! [^hughes]: Hughes, A.M. *Strategic Database Marketing* (4th ed. 2012;
//!     1st ed. 1994), McGraw-Hill.

mod cuts;
mod rank;
mod weights;

use std::fmt;

use rust_decimal::Decimal;

pub use cuts::{CutRule, CutValue, Cuts, FittedRfm};
pub use weights::RfmWeights;

use self::rank::{Quantile, Sense, Sorted};
use crate::rfm::{RfmScore, RfmValues};
use crate::{Error, Fit, Result, Scored};

/// The most bins a dimension may have (the SPSS maximum).
const MAX_BINS: u8 = 9;

/// Populations at least this large rank their three dimensions on three
/// threads (independent binning); results never depend on it.
const PARALLEL_MIN: usize = 1 << 16;

/// How a customer's position in the ranking becomes a score
/// ([spec](crate::rfm::spec#quantile-methods)).
///
/// A customer at 1-based ascending-goodness position `p` of `n` (the worst
/// customer has `p = 1`; goodness is −recency, frequency, money), with `k`
/// bins, scores:
///
/// ```text
/// CeilRank   ceil(k·p/n)
/// Ntile      SQL NTILE(k): k groups in order, the first (n mod k) one larger
/// QcutRank   the smallest j with p <= 1 + (n-1)·j/k
///            (pandas qcut on the ranks 1..n: linear edges, right-closed bins)
/// RfmPackage 1 + #{ j : x >= b_j },  b_j = quantile7(x, j/k) + 1, j = 1..k-1
///            (recency: k - #{ j : x >= b_j })
/// ```
///
/// The methods disagree when `k` does not divide `n`: for `n = 7`, `k = 5`
/// the positions 1..7 score 1,2,3,3,4,5,5 (CeilRank), 1,1,2,2,3,4,5 (Ntile)
/// and 1,1,2,3,4,5,5 (QcutRank). With one customer CeilRank gives `k`,
/// Ntile and QcutRank give 1 (pandas itself refuses: all edges coincide).
///
/// QcutRank is computed in exact integer arithmetic; pandas' floating
/// edges can differ when a position falls exactly on an edge.
///
/// [`RfmPackage`](Self::RfmPackage) reproduces the R package `rfm`
/// (rsquaredacademy, v0.3.0)[^rfm]: bins `lower <= x < upper` with lower =
/// (min, b_1..b_{k-1}) and upper = (b_1..b_{k-1}, max + 1). Note the `+ 1`,
/// in the value's own unit. Equal values always share a bin, so the
/// [`TieMethod`] does not apply to it, and duplicate cut points leave bins
/// empty (rfm issue #57). The quantile is computed as
/// `x[lo] + (x[hi] - x[lo])·num/k` with the position split exactly into
/// whole part `lo` and fraction `num/k`, which is exact whenever the
/// quantile is representable; R computes `(1 - h)·x[lo] + h·x[hi]` in
/// floating point, so the two can differ in the last bit. Money is
/// interpolated in [`Decimal`].
///
/// [^rfm]: Hebbali, A. `rfm` R package v0.3.0 (CRAN 2024-02-26), functions
///     `rfm_prep_bins` and `bins`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum QuantileMethod {
    /// `ceil(k·p/n)`: SQL `ceil(cume_dist()*k)` when there are no ties.
    #[default]
    CeilRank,
    /// SQL `NTILE(k)`.
    Ntile,
    /// pandas `qcut(rank(method="first"), k)`.
    QcutRank,
    /// The R package `rfm`'s type-7 quantile thresholds.
    RfmPackage,
}

/// How customers with equal values are placed ([spec](crate::rfm::spec#ties)).
///
/// Tied customers share the positions `a+1..=b` of their run in the
/// ascending-goodness order:
///
/// - [`Min`](Self::Min) (the default): all take `a+1`, the score of the
///   run's worst position ("assign ties to the same bin");
/// - [`Max`](Self::Max): all take `b`, the score of its best position;
/// - [`First`](Self::First): in input order, the earlier customer taking
///   the lower (worse) position, like pandas' `rank(method="first")`;
/// - [`Random`](Self::Random): SPSS's "randomly assign ties", for an even
///   distribution. Reproducible: the customer at input index `i` (0-based)
///   is given as key the `(i+1)`-th output of SplitMix64 seeded with
///   `seed` (Steele, Lea & Flood 2014; the state advances by
///   `0x9E3779B97F4A7C15`, then Vigna's `30/27/31` mixer), and tied
///   customers take their positions in ascending key order. The keys of
///   different indices never collide. This mapping is part of the crate's
///   value-stability promise: results do not change between versions, and
///   changing it would be a value-breaking change.
///
/// `Min` and `Max` give equal values equal scores, and they are the rules
/// the fitted thresholds reproduce (see [`Rfm`]'s [`Fit`] impl), so the
/// cut points printed from a [`FittedRfm`] describe the scores given.
/// `First` and `Random` split a run of equal values over several scores:
/// in a log where most customers bought once, one-time buyers with the
/// same recency would land in different segments.
///
/// Why `Min` is the default: ties are massed at the worst end in customer
/// data (one purchase, the oldest last purchase), and `Min` keeps such a
/// run at the score of its worst member (one-time buyers score F = 1),
/// where `Max` would lift the whole run to a middle score (on CDNOW's
/// 2,357 customers, the 1,411 one-time buyers score F = 3 under `Max`).
/// The default used to be `First` (changed in issue 11, value-breaking:
/// ask for `TieMethod::First` to keep the old scores).
///
/// [`QuantileMethod::RfmPackage`] ignores the tie method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum TieMethod {
    /// Ties share the highest position of their run.
    Max,
    /// Ties share the lowest position of their run (the default).
    #[default]
    Min,
    /// Ties keep input order (stable).
    First,
    /// Ties in a seeded pseudo-random order.
    Random {
        /// The SplitMix64 seed.
        seed: u64,
    },
}

/// Which end of the scale is best ([spec](crate::rfm::spec#quintiles)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ScoreDirection {
    /// `k` is best: most recent, most frequent, highest spend (Hughes).
    #[default]
    HighIsBest,
    /// 1 is best, as some textbooks number: every score `s` becomes
    /// `k + 1 - s`.
    LowIsBest,
}

impl ScoreDirection {
    /// A high-is-best score `s` of `k` bins in this direction.
    ///
    /// ```
    /// use customer_value::rfm::ScoreDirection;
    ///
    /// assert_eq!(ScoreDirection::HighIsBest.apply(4, 5), 4);
    /// assert_eq!(ScoreDirection::LowIsBest.apply(4, 5), 2);
    /// ```
    pub fn apply(self, s: u8, k: u8) -> u8 {
        match self {
            ScoreDirection::HighIsBest => s,
            ScoreDirection::LowIsBest => (k + 1).saturating_sub(s),
        }
    }
}

/// Whether F and M are ranked over everyone or within R (and F) bins
/// (IBM SPSS "RFM Binning"; [spec](crate::rfm::spec#independent-and-nested-binning)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Binning {
    /// R, F and M are each ranked over the whole population.
    #[default]
    Independent,
    /// R over everyone, F within each R bin, M within each (R, F) cell.
    /// Cells fill more evenly, but F and M scores are not comparable across
    /// R bins, and small cells degenerate (needs `n` well above
    /// `k_R·k_F·k_M`).
    Nested,
}

/// One of the three RFM dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum RfmDimension {
    /// Recency.
    Recency,
    /// Frequency.
    Frequency,
    /// Monetary value.
    Monetary,
}

impl fmt::Display for RfmDimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RfmDimension::Recency => "recency",
            RfmDimension::Frequency => "frequency",
            RfmDimension::Monetary => "monetary",
        })
    }
}

/// An RFM scoring configuration; build it with [`Rfm::builder`].
///
/// It scores a population with [`fit_score`](Self::fit_score), or learns
/// cut points for later with [`Fit::fit`]. Each dimension has `k` bins in
/// `2..=9` (5 by default); caller-given thresholds replace the quantile
/// method for their dimension.
///
/// # Example
///
/// ```
/// use customer_value::rfm::{Binning, QuantileMethod, Rfm, ScoreDirection, TieMethod};
/// use customer_value::Decimal;
///
/// let rfm = Rfm::builder()
///     .recency_bins(4)
///     .frequency_thresholds(vec![2, 5, 10])
///     .monetary_bins(3)
///     .method(QuantileMethod::Ntile)
///     .ties(TieMethod::Random { seed: 7 })
///     .binning(Binning::Independent)
///     .direction(ScoreDirection::HighIsBest)
///     .build()?;
/// assert_eq!(rfm.bins(), (4, 4, 3));
///
/// let bad = Rfm::builder().monetary_thresholds(vec![Decimal::TEN, Decimal::ONE]).build();
/// assert!(bad.is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RfmBuilder", into = "RfmBuilder"))]
pub struct Rfm {
    bins: [u8; 3],
    method: QuantileMethod,
    ties: TieMethod,
    binning: Binning,
    direction: ScoreDirection,
    recency_thresholds: Option<Vec<f64>>,
    frequency_thresholds: Option<Vec<f64>>,
    monetary_thresholds: Option<Vec<Decimal>>,
}

/// Options for an [`Rfm`]; [`RfmBuilder::build`] checks them.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct RfmBuilder {
    #[cfg_attr(feature = "serde", serde(default = "default_bins"))]
    recency_bins: u8,
    #[cfg_attr(feature = "serde", serde(default = "default_bins"))]
    frequency_bins: u8,
    #[cfg_attr(feature = "serde", serde(default = "default_bins"))]
    monetary_bins: u8,
    #[cfg_attr(feature = "serde", serde(default))]
    method: QuantileMethod,
    #[cfg_attr(feature = "serde", serde(default))]
    ties: TieMethod,
    #[cfg_attr(feature = "serde", serde(default))]
    binning: Binning,
    #[cfg_attr(feature = "serde", serde(default))]
    direction: ScoreDirection,
    #[cfg_attr(feature = "serde", serde(default))]
    recency_thresholds: Option<Vec<f64>>,
    #[cfg_attr(feature = "serde", serde(default))]
    frequency_thresholds: Option<Vec<u32>>,
    #[cfg_attr(feature = "serde", serde(default, with = "decimal_thresholds"))]
    monetary_thresholds: Option<Vec<Decimal>>,
}

#[cfg(feature = "serde")]
fn default_bins() -> u8 {
    5
}

/// `Option<Vec<Decimal>>` as strings, whatever `rust_decimal`'s features.
#[cfg(feature = "serde")]
mod decimal_thresholds {
    use super::cuts::DecimalStr;
    use rust_decimal::Decimal;

    pub(super) fn serialize<S: serde::Serializer>(
        v: &Option<Vec<Decimal>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let strs: Option<Vec<DecimalStr>> = v
            .as_ref()
            .map(|v| v.iter().map(|&d| DecimalStr(d)).collect());
        serde::Serialize::serialize(&strs, s)
    }

    pub(super) fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Vec<Decimal>>, D::Error> {
        let strs: Option<Vec<DecimalStr>> = serde::Deserialize::deserialize(d)?;
        Ok(strs.map(|v| v.into_iter().map(|d| d.0).collect()))
    }
}

impl Default for RfmBuilder {
    /// The options of [`Rfm::default`].
    fn default() -> Self {
        Rfm::default().into()
    }
}

impl RfmBuilder {
    /// `k` bins for all three dimensions (default 5).
    pub fn bins(self, k: u8) -> Self {
        Self {
            recency_bins: k,
            frequency_bins: k,
            monetary_bins: k,
            ..self
        }
    }

    /// `k` recency bins (default 5).
    pub fn recency_bins(self, k: u8) -> Self {
        Self {
            recency_bins: k,
            ..self
        }
    }

    /// `k` frequency bins (default 5).
    pub fn frequency_bins(self, k: u8) -> Self {
        Self {
            frequency_bins: k,
            ..self
        }
    }

    /// `k` monetary bins (default 5).
    pub fn monetary_bins(self, k: u8) -> Self {
        Self {
            monetary_bins: k,
            ..self
        }
    }

    /// The quantile method (default [`QuantileMethod::CeilRank`]).
    pub fn method(self, method: QuantileMethod) -> Self {
        Self { method, ..self }
    }

    /// The tie rule for [`Rfm::fit_score`] (default [`TieMethod::Min`]:
    /// equal values, equal scores, the scores the fitted thresholds give).
    pub fn ties(self, ties: TieMethod) -> Self {
        Self { ties, ..self }
    }

    /// Independent or nested binning (default [`Binning::Independent`]).
    pub fn binning(self, binning: Binning) -> Self {
        Self { binning, ..self }
    }

    /// The score direction (default [`ScoreDirection::HighIsBest`]).
    pub fn direction(self, direction: ScoreDirection) -> Self {
        Self { direction, ..self }
    }

    /// Fixed recency cut points, ascending, in the recency unit; they
    /// replace the quantile method for recency and make
    /// `thresholds.len() + 1` bins. Lower recency is better, and a value
    /// equal to a cut belongs to the better bin: with `[30, 90, 180]`,
    /// recency ≤ 30 scores 4, ≤ 90 scores 3, ≤ 180 scores 2, above scores 1.
    pub fn recency_thresholds(self, thresholds: Vec<f64>) -> Self {
        Self {
            recency_thresholds: Some(thresholds),
            ..self
        }
    }

    /// Fixed frequency cut points, ascending; a customer with at least
    /// `thresholds[i]` purchases scores at least `i + 2`.
    pub fn frequency_thresholds(self, thresholds: Vec<u32>) -> Self {
        Self {
            frequency_thresholds: Some(thresholds),
            ..self
        }
    }

    /// Fixed monetary cut points, ascending; spend of at least
    /// `thresholds[i]` scores at least `i + 2`.
    pub fn monetary_thresholds(self, thresholds: Vec<Decimal>) -> Self {
        Self {
            monetary_thresholds: Some(thresholds),
            ..self
        }
    }

    /// Checks the options.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] naming the option: `bins`,
    /// `recency_bins`, `frequency_bins` or `monetary_bins` outside `2..=9`
    /// (checked only where no thresholds are given); `recency_thresholds`,
    /// `frequency_thresholds` or `monetary_thresholds` that are empty, have
    /// more than 8 cut points, hold a non-finite value, or are not strictly
    /// ascending.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::Error;
    /// use customer_value::rfm::Rfm;
    ///
    /// let err = Rfm::builder().frequency_bins(10).build().unwrap_err();
    /// assert!(matches!(err, Error::InvalidParameter { name: "frequency_bins", .. }));
    /// let err = Rfm::builder().recency_thresholds(vec![90.0, 30.0]).build().unwrap_err();
    /// assert!(matches!(err, Error::InvalidParameter { name: "recency_thresholds", .. }));
    /// ```
    pub fn build(self) -> Result<Rfm> {
        let same =
            self.recency_bins == self.frequency_bins && self.frequency_bins == self.monetary_bins;
        let check_bins = |name: &'static str, k: u8, fixed: bool| {
            if fixed || (2..=MAX_BINS).contains(&k) {
                Ok(k)
            } else {
                Err(Error::InvalidParameter {
                    name: if same { "bins" } else { name },
                    value: k.to_string(),
                    reason: "must be in 2..=9",
                })
            }
        };
        check_bins(
            "recency_bins",
            self.recency_bins,
            self.recency_thresholds.is_some(),
        )?;
        check_bins(
            "frequency_bins",
            self.frequency_bins,
            self.frequency_thresholds.is_some(),
        )?;
        check_bins(
            "monetary_bins",
            self.monetary_bins,
            self.monetary_thresholds.is_some(),
        )?;
        let frequency_thresholds = self
            .frequency_thresholds
            .as_ref()
            .map(|t| t.iter().map(|&f| f64::from(f)).collect::<Vec<f64>>());
        if let Some(t) = &self.recency_thresholds {
            check_thresholds("recency_thresholds", t)?;
        }
        if let Some(t) = &frequency_thresholds {
            check_thresholds("frequency_thresholds", t)?;
        }
        if let Some(t) = &self.monetary_thresholds {
            check_thresholds("monetary_thresholds", t)?;
        }
        let bins_of = |k: u8, t: Option<usize>| t.map_or(k, |len| (len + 1) as u8);
        Ok(Rfm {
            bins: [
                bins_of(
                    self.recency_bins,
                    self.recency_thresholds.as_ref().map(Vec::len),
                ),
                bins_of(
                    self.frequency_bins,
                    frequency_thresholds.as_ref().map(Vec::len),
                ),
                bins_of(
                    self.monetary_bins,
                    self.monetary_thresholds.as_ref().map(Vec::len),
                ),
            ],
            method: self.method,
            ties: self.ties,
            binning: self.binning,
            direction: self.direction,
            recency_thresholds: self.recency_thresholds,
            frequency_thresholds,
            monetary_thresholds: self.monetary_thresholds,
        })
    }
}

fn check_thresholds<T: CutValue>(name: &'static str, t: &[T]) -> Result<()> {
    let err = |reason| Error::InvalidParameter {
        name,
        value: format!("{t:?}"),
        reason,
    };
    if t.is_empty() {
        return Err(err("needs at least one cut point"));
    }
    if t.len() >= usize::from(MAX_BINS) {
        return Err(err("takes at most 8 cut points (9 bins)"));
    }
    if !t.iter().all(CutValue::is_valid) {
        return Err(err("must be finite"));
    }
    if !t.windows(2).all(|w| w[0] < w[1]) {
        return Err(err("must be strictly ascending"));
    }
    Ok(())
}

#[cfg(feature = "serde")]
impl TryFrom<RfmBuilder> for Rfm {
    type Error = Error;
    fn try_from(b: RfmBuilder) -> Result<Self> {
        b.build()
    }
}

impl From<Rfm> for RfmBuilder {
    fn from(rfm: Rfm) -> Self {
        RfmBuilder {
            recency_bins: rfm.bins[0],
            frequency_bins: rfm.bins[1],
            monetary_bins: rfm.bins[2],
            method: rfm.method,
            ties: rfm.ties,
            binning: rfm.binning,
            direction: rfm.direction,
            recency_thresholds: rfm.recency_thresholds,
            // Built from u32s, so the conversion back is exact.
            frequency_thresholds: rfm
                .frequency_thresholds
                .map(|t| t.iter().map(|&f| f as u32).collect()),
            monetary_thresholds: rfm.monetary_thresholds,
        }
    }
}

impl Default for Rfm {
    /// Five bins each, [`QuantileMethod::CeilRank`], [`TieMethod::Min`],
    /// [`Binning::Independent`], [`ScoreDirection::HighIsBest`].
    fn default() -> Self {
        Rfm {
            bins: [5; 3],
            method: QuantileMethod::default(),
            ties: TieMethod::default(),
            binning: Binning::default(),
            direction: ScoreDirection::default(),
            recency_thresholds: None,
            frequency_thresholds: None,
            monetary_thresholds: None,
        }
    }
}

/// What the generic ranking code needs to know of one dimension.
struct Spec<'a, T, V> {
    /// Population size.
    n: usize,
    k: u8,
    sense: Sense,
    thresholds: Option<&'a [T]>,
    value: V,
}

/// One dimension scored over the whole population.
struct Dim<T> {
    /// The population sorted by ascending goodness (`None` under
    /// thresholds).
    sorted: Option<Sorted>,
    /// Scores under the requested tie rule (high is best).
    scores: Vec<u8>,
    cuts: Cuts<T>,
}

/// A nested dimension: scores under the requested ties, scores under the
/// cut rule ([`Rfm::cut_ties`]; they define the cells of the next
/// dimension's cuts), the whole
/// population's cuts and the cuts per parent cell.
struct Nest<T> {
    scores: Vec<u8>,
    cut_scores: Vec<u8>,
    cuts: Cuts<T>,
    within: Vec<Option<Cuts<T>>>,
}

/// High-is-best scores of the three dimensions, before the direction, and
/// the cut points.
struct Computed {
    r: Vec<u8>,
    f: Vec<u8>,
    m: Vec<u8>,
    fitted: FittedRfm,
}

fn empty_population() -> Error {
    Error::InvalidValue {
        what: "rfm population",
        reason: "no customers to rank".into(),
    }
}

impl Rfm {
    /// Starts a builder with the defaults of [`Rfm::default`].
    pub fn builder() -> RfmBuilder {
        RfmBuilder::default()
    }

    /// The bins `(k_R, k_F, k_M)`.
    pub fn bins(&self) -> (u8, u8, u8) {
        (self.bins[0], self.bins[1], self.bins[2])
    }

    /// The quantile method.
    pub fn method(&self) -> QuantileMethod {
        self.method
    }

    /// The tie rule of [`fit_score`](Self::fit_score).
    pub fn ties(&self) -> TieMethod {
        self.ties
    }

    /// The tie rule whose scores the fitted cut points reproduce:
    /// [`TieMethod::Min`] when that is the configured rule, else
    /// [`TieMethod::Max`] (equal values need equal scores to be described
    /// by thresholds; `First` and `Random` split them).
    pub(crate) fn cut_ties(&self) -> TieMethod {
        if self.ties == TieMethod::Min {
            TieMethod::Min
        } else {
            TieMethod::Max
        }
    }

    /// Independent or nested binning.
    pub fn binning(&self) -> Binning {
        self.binning
    }

    /// The score direction.
    pub fn direction(&self) -> ScoreDirection {
        self.direction
    }

    /// The fixed recency cut points, ascending, if any.
    pub fn recency_thresholds(&self) -> Option<&[f64]> {
        self.recency_thresholds.as_deref()
    }

    /// The fixed frequency cut points, ascending, if any (the builder's
    /// purchase counts, as `f64` like the fitted cuts).
    pub fn frequency_thresholds(&self) -> Option<&[f64]> {
        self.frequency_thresholds.as_deref()
    }

    /// The fixed monetary cut points, ascending, if any.
    pub fn monetary_thresholds(&self) -> Option<&[Decimal]> {
        self.monetary_thresholds.as_deref()
    }

    /// Scores every customer of `population` by rank, with this
    /// configuration's exact [`TieMethod`], and fits the cut points for
    /// new customers (see [`QuantileMethod`] for the formulas).
    ///
    /// The returned [`FittedRfm`] is the one [`Fit::fit`] learns: under
    /// the default [`TieMethod::Min`], and under [`TieMethod::Max`], it
    /// gives every member of this population the score returned here, so
    /// the printed cut points and the scores agree. Under `First` or
    /// `Random` it reproduces the Max-tie scores, and a tied customer's
    /// rank score here can be lower than what the fitted scorer gives an
    /// equal value. The [`BinReport`] counts customers per score.
    ///
    /// Degenerate populations are scored, never refused: one customer,
    /// fewer customers than bins, and all-equal values each give every
    /// customer a defined score (see [`QuantileMethod`]) and leave the
    /// unused scores listed by [`BinReport::empty_bins`].
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidValue`] when `population` is empty, or holds more
    ///   than `u32::MAX` customers;
    /// - [`Error::Overflow`] when an [`RfmPackage`](QuantileMethod::RfmPackage)
    ///   monetary cut point overflows [`Decimal`].
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::rfm::{Rfm, RfmDimension, RfmValues};
    /// use customer_value::{CustomerId, Decimal};
    ///
    /// // Three customers, five bins: positions 1..3 of 3 (CeilRank); the two
    /// // one-purchase customers share position 1 (ties Min): ceil(5·1/3) = 2.
    /// let pop: Vec<RfmValues> = [(10.0, 1, 5), (20.0, 1, 7), (30.0, 4, 9)]
    ///     .iter()
    ///     .zip(1..)
    ///     .map(|(&(r, f, m), id)| RfmValues::new(CustomerId::new(id), r, f, Decimal::from(m)))
    ///     .collect::<Result<_, _>>()?;
    /// let out = Rfm::builder().build()?.fit_score(&pop)?;
    /// let codes: Vec<u32> = out.scores().iter().map(|s| s.score.code()).collect();
    /// assert_eq!(codes, [522, 424, 255]);
    /// assert_eq!(out.report().counts(RfmDimension::Recency), &[0, 1, 0, 1, 1]);
    /// assert!(out.report().empty_bins().contains(&(RfmDimension::Frequency, 1)));
    /// assert!(Rfm::builder().build()?.fit_score(&[]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn fit_score(&self, population: &[RfmValues]) -> Result<RfmScores> {
        let c = self.compute(population, self.ties)?;
        let d = self.direction;
        let [kr, kf, km] = self.bins;
        let mut counts = [[0usize; MAX_BINS as usize]; 3];
        let mut scores = Vec::with_capacity(population.len());
        for (i, v) in population.iter().enumerate() {
            let r = d.apply(c.r[i], kr);
            let f = d.apply(c.f[i], kf);
            let m = d.apply(c.m[i], km);
            counts[0][usize::from(r) - 1] += 1;
            counts[1][usize::from(f) - 1] += 1;
            counts[2][usize::from(m) - 1] += 1;
            scores.push(Scored {
                customer: v.customer(),
                score: RfmScore::new(r, f, m)?,
            });
        }
        Ok(RfmScores {
            scores,
            fitted: c.fitted,
            report: BinReport {
                recency: counts[0][..usize::from(kr)].to_vec(),
                frequency: counts[1][..usize::from(kf)].to_vec(),
                monetary: counts[2][..usize::from(km)].to_vec(),
            },
        })
    }

    fn compute(&self, pop: &[RfmValues], ties: TieMethod) -> Result<Computed> {
        if pop.is_empty() {
            return Err(empty_population());
        }
        if pop.len() > rank::MAX_CUSTOMERS {
            return Err(Error::InvalidValue {
                what: "rfm population",
                reason: format!(
                    "at most {} customers are ranked, got {}",
                    rank::MAX_CUSTOMERS,
                    pop.len()
                ),
            });
        }
        let [kr, kf, km] = self.bins;
        let n = pop.len();
        let recency = Spec {
            n,
            k: kr,
            sense: Sense::Lower,
            thresholds: self.recency_thresholds.as_deref(),
            value: |i: usize| pop[i].recency(),
        };
        let frequency = Spec {
            n,
            k: kf,
            sense: Sense::Higher,
            thresholds: self.frequency_thresholds.as_deref(),
            value: |i: usize| f64::from(pop[i].frequency()),
        };
        let monetary = Spec {
            n,
            k: km,
            sense: Sense::Higher,
            thresholds: self.monetary_thresholds.as_deref(),
            value: |i: usize| pop[i].monetary(),
        };
        let r_keys = || rank::recency_keys(pop);
        let f_keys = || rank::frequency_keys(pop);
        let m_keys = || rank::monetary_keys(pop);
        if self.binning == Binning::Nested {
            return self.nested(
                ties,
                (&recency, r_keys),
                (&frequency, f_keys),
                (&monetary, m_keys),
            );
        }
        let (r, f, m) = if n >= PARALLEL_MIN {
            std::thread::scope(|s| {
                let r = s.spawn(|| self.dimension(&recency, r_keys, ties));
                let f = s.spawn(|| self.dimension(&frequency, f_keys, ties));
                let m = self.dimension(&monetary, m_keys, ties);
                let r = r.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
                let f = f.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
                (r, f, m)
            })
        } else {
            (
                self.dimension(&recency, r_keys, ties),
                self.dimension(&frequency, f_keys, ties),
                self.dimension(&monetary, m_keys, ties),
            )
        };
        let (r, f, m) = (r?, f?, m?);
        Ok(Computed {
            fitted: FittedRfm::new_unchecked(
                self.direction,
                r.cuts,
                f.cuts,
                m.cuts,
                Vec::new(),
                Vec::new(),
            ),
            r: r.scores,
            f: f.scores,
            m: m.scores,
        })
    }

    /// One dimension over the whole population: scores under `ties`, and
    /// the cut points of [`Rfm::cut_ties`] (or the package's, or the
    /// caller's).
    fn dimension<T: Quantile, V: Fn(usize) -> T>(
        &self,
        spec: &Spec<'_, T, V>,
        keys: impl FnOnce() -> Vec<u64>,
        ties: TieMethod,
    ) -> Result<Dim<T>> {
        if let Some(t) = spec.thresholds {
            let rule = match spec.sense {
                Sense::Higher => CutRule::AtLeast,
                Sense::Lower => CutRule::AtMost,
            };
            let cuts = Cuts::from_thresholds(rule, t);
            let scores = (0..spec.n).map(|i| cuts.score((spec.value)(i))).collect();
            return Ok(Dim {
                sorted: None,
                scores,
                cuts,
            });
        }
        let sorted = rank::sort_keys(keys());
        let cuts = rank::fit_segment(
            sorted.seg(),
            self.method,
            self.cut_ties(),
            spec.k,
            spec.sense,
            &spec.value,
        )?
        .ok_or_else(empty_population)?;
        let mut scores = vec![0u8; spec.n];
        rank::score_segment(
            sorted.seg(),
            self.method,
            ties,
            Some(&cuts),
            spec.k,
            &spec.value,
            &mut scores,
        );
        Ok(Dim {
            sorted: Some(sorted),
            scores,
            cuts,
        })
    }

    /// Nested binning (SPSS): R over everyone, F within each R bin, M
    /// within each (R, F) cell. The scores use `ties`; the cut points are
    /// learnt within the bins of [`Rfm::cut_ties`], so that the fitted
    /// scorer gives the population its scores under that rule.
    fn nested<R, F, M>(
        &self,
        ties: TieMethod,
        recency: (&Spec<'_, f64, R>, impl FnOnce() -> Vec<u64>),
        frequency: (&Spec<'_, f64, F>, impl FnOnce() -> Vec<u64>),
        monetary: (&Spec<'_, Decimal, M>, impl FnOnce() -> Vec<u64>),
    ) -> Result<Computed>
    where
        R: Fn(usize) -> f64,
        F: Fn(usize) -> f64,
        M: Fn(usize) -> Decimal,
    {
        let ties_matter = self.method != QuantileMethod::RfmPackage && ties != self.cut_ties();
        let r = self.dimension(recency.0, recency.1, ties)?;
        let r_cut = match (&r.sorted, ties_matter) {
            (Some(sorted), true) => {
                let mut out = vec![0u8; recency.0.n];
                rank::rank_segment(
                    sorted.seg(),
                    self.method,
                    self.cut_ties(),
                    recency.0.k,
                    &mut out,
                );
                out
            }
            _ => r.scores.clone(),
        };
        let r_t = &r.scores;
        let kr = usize::from(recency.0.k);
        let f = self.nest(
            frequency.0,
            frequency.1,
            ties,
            kr,
            |i| usize::from(r_t[i]) - 1,
            |i| usize::from(r_cut[i]) - 1,
        )?;
        let kf = usize::from(frequency.0.k);
        let (f_t, f_cut) = (&f.scores, &f.cut_scores);
        let m = self.nest(
            monetary.0,
            monetary.1,
            ties,
            kr * kf,
            |i| (usize::from(r_t[i]) - 1) * kf + usize::from(f_t[i]) - 1,
            |i| (usize::from(r_cut[i]) - 1) * kf + usize::from(f_cut[i]) - 1,
        )?;
        Ok(Computed {
            fitted: FittedRfm::new_unchecked(
                self.direction,
                r.cuts,
                f.cuts,
                m.cuts,
                f.within,
                m.within,
            ),
            r: r.scores,
            f: f.scores,
            m: m.scores,
        })
    }

    /// One nested dimension: ranked within the cells `cell_t` (from the
    /// parents' scores under `ties`) for the scores, and within the cells
    /// `cell_cut` (the parents' scores under [`Rfm::cut_ties`]) for the cut
    /// points.
    fn nest<T: Quantile, V: Fn(usize) -> T>(
        &self,
        spec: &Spec<'_, T, V>,
        keys: impl FnOnce() -> Vec<u64>,
        ties: TieMethod,
        cells: usize,
        cell_t: impl Fn(usize) -> usize,
        cell_cut: impl Fn(usize) -> usize,
    ) -> Result<Nest<T>> {
        if spec.thresholds.is_some() {
            let d = self.dimension(spec, keys, ties)?;
            return Ok(Nest {
                cut_scores: d.scores.clone(),
                scores: d.scores,
                cuts: d.cuts,
                within: Vec::new(),
            });
        }
        let sorted = rank::sort_keys(keys());
        // The whole population's cuts: the fallback for empty cells.
        let cuts = rank::fit_segment(
            sorted.seg(),
            self.method,
            self.cut_ties(),
            spec.k,
            spec.sense,
            &spec.value,
        )?
        .ok_or_else(empty_population)?;
        let (by_cell, starts) = rank::bucket(&sorted, cells, &cell_cut);
        let mut cut_scores = vec![0u8; spec.n];
        let mut within = Vec::with_capacity(cells);
        for w in starts.windows(2) {
            let seg = by_cell.seg().slice(w[0], w[1]);
            let c = rank::fit_segment(
                seg,
                self.method,
                self.cut_ties(),
                spec.k,
                spec.sense,
                &spec.value,
            )?;
            rank::score_segment(
                seg,
                self.method,
                self.cut_ties(),
                c.as_ref(),
                spec.k,
                &spec.value,
                &mut cut_scores,
            );
            within.push(c);
        }
        let ties_matter = self.method != QuantileMethod::RfmPackage && ties != self.cut_ties();
        let scores = if ties_matter {
            // A rank method: no cut points needed to score.
            let (by_cell, starts) = rank::bucket(&sorted, cells, &cell_t);
            let mut scores = vec![0u8; spec.n];
            for w in starts.windows(2) {
                let seg = by_cell.seg().slice(w[0], w[1]);
                rank::rank_segment(seg, self.method, ties, spec.k, &mut scores);
            }
            scores
        } else {
            cut_scores.clone()
        };
        Ok(Nest {
            scores,
            cut_scores,
            cuts,
            within,
        })
    }
}

impl Fit for Rfm {
    type Input = RfmValues;
    type Fitted = FittedRfm;

    /// Learns the cut points of `population` (see [`FittedRfm`]): the
    /// fitted scorer gives each member its rank score under
    /// [`TieMethod::Min`] when that is this configuration's tie rule (the
    /// default), and under [`TieMethod::Max`] otherwise (for `Max` itself,
    /// and for `First` and `Random`, whose scores no thresholds can
    /// reproduce because they split equal values). So with `Min` or `Max`,
    /// `fit` followed by [`Scorer::score`](crate::Scorer::score) gives every
    /// member exactly its [`fit_score`](Rfm::fit_score) score.
    ///
    /// # Errors
    ///
    /// As [`Rfm::fit_score`]: [`Error::InvalidValue`] for an empty
    /// population (or one of more than `u32::MAX` customers),
    /// [`Error::Overflow`] for a package cut point beyond [`Decimal`].
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::rfm::{QuantileMethod, Rfm, RfmValues};
    /// use customer_value::{CustomerId, Decimal, Fit, Scorer};
    ///
    /// let pop: Vec<RfmValues> = (1..=10)
    ///     .map(|i| RfmValues::new(CustomerId::new(i), 10.0 * i as f64, i as u32, Decimal::from(i)))
    ///     .collect::<Result<_, _>>()?;
    /// let fitted = Rfm::builder().method(QuantileMethod::RfmPackage).build()?.fit(&pop)?;
    /// // Type-7 quantiles of 1..10 at 0.2, 0.4, 0.6, 0.8, plus one.
    /// assert_eq!(fitted.frequency_cuts().starts(), &[3.8, 5.6, 7.4, 9.2]);
    /// let new = RfmValues::new(CustomerId::new(11), 15.0, 4, Decimal::from(100))?;
    /// assert_eq!(fitted.score(&new)?.code(), 525);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    fn fit(&self, population: &[RfmValues]) -> Result<FittedRfm> {
        Ok(self.compute(population, self.cut_ties())?.fitted)
    }
}

/// What [`Rfm::fit_score`] returns: each customer's score in input order,
/// the fitted cut points, and the customer count per score.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RfmScores {
    scores: Vec<Scored<RfmScore>>,
    fitted: FittedRfm,
    report: BinReport,
}

impl RfmScores {
    /// Every customer's score, in input order, with its id.
    pub fn scores(&self) -> &[Scored<RfmScore>] {
        &self.scores
    }

    /// The cut points for scoring new customers.
    pub fn fitted(&self) -> &FittedRfm {
        &self.fitted
    }

    /// Customers per score per dimension.
    pub fn report(&self) -> &BinReport {
        &self.report
    }

    /// The scores, the fitted scorer and the report, by value.
    pub fn into_parts(self) -> (Vec<Scored<RfmScore>>, FittedRfm, BinReport) {
        (self.scores, self.fitted, self.report)
    }
}

/// How many customers got each score, per dimension, in the returned
/// direction; makes degenerate populations visible.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct BinReport {
    recency: Vec<usize>,
    frequency: Vec<usize>,
    monetary: Vec<usize>,
}

impl BinReport {
    /// `counts(dim)[s - 1]` customers scored `s` in `dim`.
    pub fn counts(&self, dim: RfmDimension) -> &[usize] {
        match dim {
            RfmDimension::Recency => &self.recency,
            RfmDimension::Frequency => &self.frequency,
            RfmDimension::Monetary => &self.monetary,
        }
    }

    /// The scores no customer got, as (dimension, score), in order.
    pub fn empty_bins(&self) -> Vec<(RfmDimension, u8)> {
        [
            RfmDimension::Recency,
            RfmDimension::Frequency,
            RfmDimension::Monetary,
        ]
        .into_iter()
        .flat_map(|dim| {
            self.counts(dim)
                .iter()
                .zip(1u8..)
                .filter(|(c, _)| **c == 0)
                .map(move |(_, s)| (dim, s))
        })
        .collect()
    }
}

impl fmt::Display for BinReport {
    /// `recency 2 2 2 2 2; frequency ...; monetary ...` (counts of scores
    /// 1..=k).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, dim) in [
            RfmDimension::Recency,
            RfmDimension::Frequency,
            RfmDimension::Monetary,
        ]
        .into_iter()
        .enumerate()
        {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{dim}")?;
            for c in self.counts(dim) {
                write!(f, " {c}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CustomerId;

    fn err_name(b: RfmBuilder) -> &'static str {
        match b.build() {
            Err(Error::InvalidParameter { name, .. }) => name,
            other => panic!("expected an invalid parameter, got {other:?}"),
        }
    }

    #[test]
    fn builder_defaults_and_setters() {
        let rfm = Rfm::builder().build().unwrap();
        assert_eq!(rfm, Rfm::default());
        assert_eq!(rfm.bins(), (5, 5, 5));
        assert_eq!(rfm.method(), QuantileMethod::CeilRank);
        assert_eq!(rfm.ties(), TieMethod::Min);
        assert_eq!(rfm.binning(), Binning::Independent);
        assert_eq!(rfm.direction(), ScoreDirection::HighIsBest);
        let rfm = Rfm::builder()
            .bins(3)
            .monetary_bins(9)
            .recency_thresholds(vec![30.0, 90.0])
            .frequency_thresholds(vec![2, 4, 8])
            .build()
            .unwrap();
        assert_eq!(rfm.bins(), (3, 4, 9));
        assert_eq!(rfm.frequency_thresholds(), Some(&[2.0, 4.0, 8.0][..]));
    }

    #[test]
    fn builder_errors_name_the_parameter() {
        assert_eq!(err_name(Rfm::builder().bins(1)), "bins");
        assert_eq!(err_name(Rfm::builder().bins(10)), "bins");
        assert_eq!(err_name(Rfm::builder().recency_bins(1)), "recency_bins");
        assert_eq!(err_name(Rfm::builder().frequency_bins(0)), "frequency_bins");
        assert_eq!(err_name(Rfm::builder().monetary_bins(10)), "monetary_bins");
        assert_eq!(
            err_name(Rfm::builder().recency_thresholds(vec![])),
            "recency_thresholds"
        );
        assert_eq!(
            err_name(Rfm::builder().recency_thresholds(vec![1.0, f64::NAN])),
            "recency_thresholds"
        );
        assert_eq!(
            err_name(Rfm::builder().recency_thresholds(vec![1.0, f64::INFINITY])),
            "recency_thresholds"
        );
        assert_eq!(
            err_name(Rfm::builder().frequency_thresholds(vec![2, 2])),
            "frequency_thresholds"
        );
        assert_eq!(
            err_name(Rfm::builder().frequency_thresholds((1..=9).collect())),
            "frequency_thresholds"
        );
        assert_eq!(
            err_name(Rfm::builder().monetary_thresholds(vec![Decimal::TEN, Decimal::ONE])),
            "monetary_thresholds"
        );
        // Thresholds replace the bins count of their dimension.
        assert!(
            Rfm::builder()
                .recency_bins(1)
                .recency_thresholds(vec![1.0])
                .build()
                .is_ok()
        );
        assert!(
            Rfm::builder()
                .frequency_thresholds((1..=8).collect())
                .build()
                .is_ok()
        );
    }

    #[test]
    fn empty_population_is_an_error() {
        let rfm = Rfm::default();
        assert!(matches!(
            rfm.fit_score(&[]),
            Err(Error::InvalidValue { .. })
        ));
        assert!(matches!(rfm.fit(&[]), Err(Error::InvalidValue { .. })));
    }

    #[test]
    fn report_lists_empty_bins() {
        let v = RfmValues::new(CustomerId::new(1), 3.0, 2, Decimal::ONE).unwrap();
        let out = Rfm::builder()
            .bins(3)
            .build()
            .unwrap()
            .fit_score(&[v])
            .unwrap();
        // One customer: CeilRank gives ceil(3·1/1) = 3.
        assert_eq!(out.scores()[0].score.code(), 333);
        assert_eq!(
            out.report().to_string(),
            "recency 0 0 1; frequency 0 0 1; monetary 0 0 1"
        );
        assert_eq!(out.report().empty_bins().len(), 6);
    }
}
