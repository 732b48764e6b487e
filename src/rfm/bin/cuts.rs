//! Learnt cut points and the fitted scorer that applies them to new
//! customers.

use std::fmt;

use rust_decimal::Decimal;

use super::{MAX_BINS, ScoreDirection};
use crate::rfm::{RfmScore, RfmValues};
use crate::{Error, Result, Scorer};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f64 {}
    impl Sealed for rust_decimal::Decimal {}
}

/// The value types cut points are made of: `f64` for recency and
/// frequency, [`Decimal`] for money. Sealed: only those two implement it.
pub trait CutValue:
    sealed::Sealed + Copy + PartialOrd + fmt::Debug + fmt::Display + Send + Sync
{
    #[doc(hidden)]
    fn is_valid(&self) -> bool;

    #[cfg(feature = "serde")]
    #[doc(hidden)]
    fn serialize_seq<S: serde::Serializer>(
        values: &[Self],
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error>;

    #[cfg(feature = "serde")]
    #[doc(hidden)]
    fn deserialize_seq<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Vec<Self>, D::Error>;
}

impl CutValue for f64 {
    fn is_valid(&self) -> bool {
        self.is_finite()
    }

    #[cfg(feature = "serde")]
    fn serialize_seq<S: serde::Serializer>(
        values: &[Self],
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serde::Serialize::serialize(values, serializer)
    }

    #[cfg(feature = "serde")]
    fn deserialize_seq<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Vec<Self>, D::Error> {
        serde::Deserialize::deserialize(deserializer)
    }
}

/// A `Decimal` that serialises as a string whatever `rust_decimal`'s
/// features say.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub(super) struct DecimalStr(#[serde(with = "rust_decimal::serde::str")] pub(super) Decimal);

impl CutValue for Decimal {
    fn is_valid(&self) -> bool {
        true
    }

    #[cfg(feature = "serde")]
    fn serialize_seq<S: serde::Serializer>(
        values: &[Self],
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_seq(values.iter().map(|&d| DecimalStr(d)))
    }

    #[cfg(feature = "serde")]
    fn deserialize_seq<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Vec<Self>, D::Error> {
        let raw: Vec<DecimalStr> = serde::Deserialize::deserialize(deserializer)?;
        Ok(raw.into_iter().map(|d| d.0).collect())
    }
}

/// How a value is compared with a cut point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum CutRule {
    /// A score begins where the value is at least the cut (frequency and
    /// monetary: higher is better).
    AtLeast,
    /// A score begins where the value is at most the cut (recency: lower
    /// is better; the rank methods and caller-given thresholds).
    AtMost,
    /// A score begins where the value is below the cut (recency under
    /// [`QuantileMethod::RfmPackage`](super::QuantileMethod::RfmPackage),
    /// whose bins are `lower <= x < upper`).
    Below,
}

impl CutRule {
    fn symbol(self) -> &'static str {
        match self {
            CutRule::AtLeast => ">=",
            CutRule::AtMost => "<=",
            CutRule::Below => "<",
        }
    }
}

/// One dimension's cut points: where each score begins.
///
/// [`starts`](Self::starts)`()[i]` is the value at which score `i + 2`
/// begins, compared by [`rule`](Self::rule):
///
/// ```text
/// score(x) = 1 + #{ i : x >= starts[i] }   (AtLeast)
/// score(x) = 1 + #{ i : x <= starts[i] }   (AtMost)
/// score(x) = 1 + #{ i : x <  starts[i] }   (Below)
/// ```
///
/// So the starts ascend for frequency and money and descend for recency.
/// Scores are high-is-best here; under [`ScoreDirection::LowIsBest`] the
/// fitted scorer reports `k + 1 - score`. When fewer than `k - 1` starts
/// are listed, the scores above `starts().len() + 1` were reached by no
/// customer of the fitting population and are never given (say, bins 4
/// and 5 of [`Ntile`](super::QuantileMethod::Ntile) on three customers).
/// Equal starts mean a score no customer got: the value jumps past it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        try_from = "RawCuts<T>",
        bound(serialize = "T: CutValue", deserialize = "T: CutValue")
    )
)]
pub struct Cuts<T> {
    bins: u8,
    rule: CutRule,
    #[cfg_attr(feature = "serde", serde(serialize_with = "T::serialize_seq"))]
    starts: Vec<T>,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
#[serde(bound(deserialize = "T: CutValue"), deny_unknown_fields)]
struct RawCuts<T> {
    bins: u8,
    rule: CutRule,
    #[serde(deserialize_with = "T::deserialize_seq")]
    starts: Vec<T>,
}

#[cfg(feature = "serde")]
impl<T: CutValue> TryFrom<RawCuts<T>> for Cuts<T> {
    type Error = Error;
    fn try_from(raw: RawCuts<T>) -> Result<Self> {
        let cuts = Cuts {
            bins: raw.bins,
            rule: raw.rule,
            starts: raw.starts,
        };
        cuts.check()?;
        Ok(cuts)
    }
}

impl<T: CutValue> Cuts<T> {
    /// Built by the fitting code, which guarantees the invariants.
    pub(super) fn new_unchecked(bins: u8, rule: CutRule, starts: Vec<T>) -> Self {
        Self { bins, rule, starts }
    }

    /// Caller-given ascending thresholds (checked by the builder) as cuts.
    pub(super) fn from_thresholds(rule: CutRule, ascending: &[T]) -> Self {
        let mut starts = ascending.to_vec();
        if rule != CutRule::AtLeast {
            starts.reverse();
        }
        Self {
            bins: (starts.len() + 1) as u8,
            rule,
            starts,
        }
    }

    #[cfg_attr(not(feature = "serde"), allow(dead_code))]
    fn check(&self) -> Result<()> {
        let bad = |reason: String| Error::InvalidValue {
            what: "rfm cut points",
            reason,
        };
        if !(2..=MAX_BINS).contains(&self.bins) {
            return Err(bad(format!("bins must be in 2..=9, got {}", self.bins)));
        }
        if self.starts.len() >= usize::from(self.bins) {
            return Err(bad(format!(
                "{} bins take at most {} cut points, got {}",
                self.bins,
                self.bins - 1,
                self.starts.len()
            )));
        }
        if let Some(x) = self.starts.iter().find(|x| !x.is_valid()) {
            return Err(bad(format!("cut points must be finite, got {x}")));
        }
        let ascending = self.rule == CutRule::AtLeast;
        for w in self.starts.windows(2) {
            let ordered = if ascending {
                w[0] <= w[1]
            } else {
                w[0] >= w[1]
            };
            if !ordered {
                return Err(bad(format!(
                    "cut points must {} under rule {:?}, got {} then {}",
                    if ascending { "ascend" } else { "descend" },
                    self.rule,
                    w[0],
                    w[1]
                )));
            }
        }
        Ok(())
    }

    /// The number of bins `k`.
    pub fn bins(&self) -> u8 {
        self.bins
    }

    /// How values are compared with the cut points.
    pub fn rule(&self) -> CutRule {
        self.rule
    }

    /// `starts()[i]` is the value at which score `i + 2` begins.
    pub fn starts(&self) -> &[T] {
        &self.starts
    }

    /// The high-is-best score of `x`, in `1..=bins()`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::rfm::{Rfm, RfmValues};
    /// use customer_value::{CustomerId, Decimal, Fit};
    ///
    /// let pop: Vec<RfmValues> = (1..=10)
    ///     .map(|i| RfmValues::new(CustomerId::new(i), i as f64, i as u32, Decimal::from(i)))
    ///     .collect::<Result<_, _>>()?;
    /// let fitted = Rfm::builder().build()?.fit(&pop)?;
    /// let f = fitted.frequency_cuts();
    /// assert_eq!(f.starts(), &[3.0, 5.0, 7.0, 9.0]);
    /// assert_eq!((f.score(2.0), f.score(3.0), f.score(100.0)), (1, 2, 5));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn score(&self, x: T) -> u8 {
        let below = match self.rule {
            CutRule::AtLeast => self.starts.partition_point(|t| *t <= x),
            CutRule::AtMost => self.starts.partition_point(|t| *t >= x),
            CutRule::Below => self.starts.partition_point(|t| *t > x),
        };
        // below <= starts.len() < bins <= 9
        1 + below as u8
    }
}

impl<T: CutValue> fmt::Display for Cuts<T> {
    /// `score 2: >= 2.8, score 3: >= 4, ...`, then the unreached scores; a
    /// precision (`{:.1}`) applies to the cut values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.starts.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            match f.precision() {
                Some(p) => write!(f, "score {}: {} {:.*}", i + 2, self.rule.symbol(), p, t)?,
                None => write!(f, "score {}: {} {}", i + 2, self.rule.symbol(), t)?,
            }
        }
        let reached = self.starts.len() + 1;
        if reached < usize::from(self.bins) {
            if reached > 1 {
                f.write_str(", ")?;
            }
            write!(f, "scores {}..={} not reached", reached + 1, self.bins)?;
        }
        Ok(())
    }
}

/// RFM cut points learnt from a population by [`Rfm`](super::Rfm)'s
/// [`Fit`](crate::Fit) impl or [`Rfm::fit_score`](super::Rfm::fit_score):
/// a [`Scorer`] for customers who were not in it.
///
/// # Scoring
///
/// Each dimension's score comes from its [`Cuts`]. The cut points of the
/// rank methods are population values placed so that every member of the
/// fitting population gets back its rank score under
/// [`TieMethod::Max`](super::TieMethod::Max): a new customer whose value
/// equals a member's
/// gets that member's Max-tie score, and one between two members' values
/// gets the lower (worse) member's score. Under
/// [`QuantileMethod::RfmPackage`](super::QuantileMethod::RfmPackage) the
/// cuts are the package's, and under caller-given thresholds they are the
/// thresholds. With [`ScoreDirection::LowIsBest`] every score `s` becomes
/// `k + 1 - s` at the end.
///
/// With [`Binning::Nested`](super::Binning::Nested) the frequency cuts
/// depend on the recency bin and the monetary cuts on the (recency,
/// frequency) cell. A new customer landing in a bin or cell that held no
/// customer when fitting is scored with the cuts of the whole population
/// for that dimension ([`frequency_cuts`](Self::frequency_cuts),
/// [`monetary_cuts`](Self::monetary_cuts)).
///
/// # Errors
///
/// Deserialising rejects, with [`Error::InvalidValue`], bins outside
/// `2..=9`, too many cut points, non-finite or misordered ones, a rule that
/// doesn't fit the dimension, and nested cuts whose count or bins don't
/// match the recency and frequency bins.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawFitted"))]
pub struct FittedRfm {
    direction: ScoreDirection,
    recency: Cuts<f64>,
    frequency: Cuts<f64>,
    monetary: Cuts<Decimal>,
    frequency_within: Vec<Option<Cuts<f64>>>,
    monetary_within: Vec<Option<Cuts<Decimal>>>,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFitted {
    direction: ScoreDirection,
    recency: Cuts<f64>,
    frequency: Cuts<f64>,
    monetary: Cuts<Decimal>,
    #[serde(default)]
    frequency_within: Vec<Option<Cuts<f64>>>,
    #[serde(default)]
    monetary_within: Vec<Option<Cuts<Decimal>>>,
}

#[cfg(feature = "serde")]
impl TryFrom<RawFitted> for FittedRfm {
    type Error = Error;
    fn try_from(raw: RawFitted) -> Result<Self> {
        let fitted = FittedRfm {
            direction: raw.direction,
            recency: raw.recency,
            frequency: raw.frequency,
            monetary: raw.monetary,
            frequency_within: raw.frequency_within,
            monetary_within: raw.monetary_within,
        };
        fitted.check()?;
        Ok(fitted)
    }
}

impl FittedRfm {
    pub(super) fn new_unchecked(
        direction: ScoreDirection,
        recency: Cuts<f64>,
        frequency: Cuts<f64>,
        monetary: Cuts<Decimal>,
        frequency_within: Vec<Option<Cuts<f64>>>,
        monetary_within: Vec<Option<Cuts<Decimal>>>,
    ) -> Self {
        Self {
            direction,
            recency,
            frequency,
            monetary,
            frequency_within,
            monetary_within,
        }
    }

    /// The invariants deserialising checks (cuts check themselves).
    #[cfg_attr(not(feature = "serde"), allow(dead_code))]
    fn check(&self) -> Result<()> {
        let bad = |reason: String| Error::InvalidValue {
            what: "fitted rfm",
            reason,
        };
        if self.recency.rule == CutRule::AtLeast {
            return Err(bad("recency cuts must use rule at_most or below".into()));
        }
        let at_least = |rule: CutRule, dim: &str| {
            if rule == CutRule::AtLeast {
                Ok(())
            } else {
                Err(bad(format!(
                    "{dim} cuts must use rule at_least, got {rule:?}"
                )))
            }
        };
        at_least(self.frequency.rule, "frequency")?;
        at_least(self.monetary.rule, "monetary")?;
        let (kr, kf) = (
            usize::from(self.recency.bins),
            usize::from(self.frequency.bins),
        );
        if !self.frequency_within.is_empty() && self.frequency_within.len() != kr {
            return Err(bad(format!(
                "nested frequency cuts: one per recency bin ({kr}), got {}",
                self.frequency_within.len()
            )));
        }
        if !self.monetary_within.is_empty() && self.monetary_within.len() != kr * kf {
            return Err(bad(format!(
                "nested monetary cuts: one per (recency, frequency) cell ({}), got {}",
                kr * kf,
                self.monetary_within.len()
            )));
        }
        for c in self.frequency_within.iter().flatten() {
            at_least(c.rule, "frequency")?;
            if c.bins != self.frequency.bins {
                return Err(bad(format!(
                    "nested frequency cuts have {} bins, the frequency dimension {}",
                    c.bins, self.frequency.bins
                )));
            }
        }
        for c in self.monetary_within.iter().flatten() {
            at_least(c.rule, "monetary")?;
            if c.bins != self.monetary.bins {
                return Err(bad(format!(
                    "nested monetary cuts have {} bins, the monetary dimension {}",
                    c.bins, self.monetary.bins
                )));
            }
        }
        Ok(())
    }

    /// The score direction applied after the cuts.
    pub fn direction(&self) -> ScoreDirection {
        self.direction
    }

    /// The recency cut points (of the whole population).
    pub fn recency_cuts(&self) -> &Cuts<f64> {
        &self.recency
    }

    /// The frequency cut points of the whole population: the only ones
    /// under independent binning, the fallback for empty bins under nested.
    pub fn frequency_cuts(&self) -> &Cuts<f64> {
        &self.frequency
    }

    /// The monetary cut points of the whole population (see
    /// [`frequency_cuts`](Self::frequency_cuts)).
    pub fn monetary_cuts(&self) -> &Cuts<Decimal> {
        &self.monetary
    }

    /// Whether frequency or monetary cuts depend on the recency bin
    /// ([`Binning::Nested`](super::Binning::Nested) without thresholds).
    pub fn is_nested(&self) -> bool {
        !self.frequency_within.is_empty() || !self.monetary_within.is_empty()
    }

    /// Nested frequency cuts of the customers whose high-is-best recency
    /// score is `r`; `None` when frequency is not nested, `r` is out of
    /// range, or that bin was empty.
    pub fn frequency_cuts_within(&self, r: u8) -> Option<&Cuts<f64>> {
        let i = usize::from(r).checked_sub(1)?;
        self.frequency_within.get(i)?.as_ref()
    }

    /// Nested monetary cuts of the (recency, frequency) cell, in
    /// high-is-best scores; `None` when monetary is not nested, a score is
    /// out of range, or that cell was empty.
    pub fn monetary_cuts_within(&self, r: u8, f: u8) -> Option<&Cuts<Decimal>> {
        let i = self.cell(r, f)?;
        self.monetary_within.get(i)?.as_ref()
    }

    /// The index of a high-is-best (r, f) cell.
    fn cell(&self, r: u8, f: u8) -> Option<usize> {
        let (r, f) = (
            usize::from(r).checked_sub(1)?,
            usize::from(f).checked_sub(1)?,
        );
        if f >= usize::from(self.frequency.bins) {
            return None;
        }
        Some(r * usize::from(self.frequency.bins) + f)
    }

    /// High-is-best scores, before the direction.
    fn raw_scores(&self, v: &RfmValues) -> (u8, u8, u8) {
        let r = self.recency.score(v.recency());
        let f = self
            .frequency_cuts_within(r)
            .unwrap_or(&self.frequency)
            .score(f64::from(v.frequency()));
        let m = self
            .monetary_cuts_within(r, f)
            .unwrap_or(&self.monetary)
            .score(v.monetary());
        (r, f, m)
    }
}

impl Scorer for FittedRfm {
    type Input = RfmValues;
    type Score = RfmScore;

    /// Scores one customer by the learnt cut points (see [`FittedRfm`]).
    ///
    /// # Errors
    ///
    /// None in practice: every input is scorable. The `Result` is the
    /// [`Scorer`] contract.
    fn score(&self, v: &RfmValues) -> Result<RfmScore> {
        let (r, f, m) = self.raw_scores(v);
        let d = self.direction;
        RfmScore::new(
            d.apply(r, self.recency.bins),
            d.apply(f, self.frequency.bins),
            d.apply(m, self.monetary.bins),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_by_rule() {
        let at_least = Cuts::new_unchecked(5, CutRule::AtLeast, vec![2.8, 4.0, 6.4, 9.0]);
        let s: Vec<u8> = [1.0, 2.8, 3.0, 8.0, 12.0]
            .iter()
            .map(|&x| at_least.score(x))
            .collect();
        assert_eq!(s, [1, 2, 2, 4, 5]);
        let below = Cuts::new_unchecked(5, CutRule::Below, vec![137.0, 73.0, 39.0, 19.4]);
        let s: Vec<u8> = [5.0, 19.4, 39.0, 200.0]
            .iter()
            .map(|&x| below.score(x))
            .collect();
        assert_eq!(s, [5, 4, 3, 1]);
        let at_most = Cuts::new_unchecked(4, CutRule::AtMost, vec![180.0, 90.0, 30.0]);
        let s: Vec<u8> = [30.0, 31.0, 180.0, 181.0]
            .iter()
            .map(|&x| at_most.score(x))
            .collect();
        assert_eq!(s, [4, 3, 2, 1]);
        let short = Cuts::new_unchecked(5, CutRule::AtLeast, vec![1.0, 1.0]);
        assert_eq!((short.score(0.0), short.score(1.0)), (1, 3));
    }

    #[test]
    fn checks_reject_bad_cuts() {
        let ok = Cuts::new_unchecked(3, CutRule::AtLeast, vec![1.0, 2.0]);
        assert!(ok.check().is_ok());
        for bad in [
            Cuts::new_unchecked(1, CutRule::AtLeast, vec![]),
            Cuts::new_unchecked(10, CutRule::AtLeast, vec![]),
            Cuts::new_unchecked(3, CutRule::AtLeast, vec![1.0, 2.0, 3.0]),
            Cuts::new_unchecked(3, CutRule::AtLeast, vec![2.0, 1.0]),
            Cuts::new_unchecked(3, CutRule::AtMost, vec![1.0, 2.0]),
            Cuts::new_unchecked(3, CutRule::AtLeast, vec![f64::NAN]),
            Cuts::new_unchecked(3, CutRule::AtLeast, vec![f64::INFINITY]),
        ] {
            assert!(
                matches!(bad.check(), Err(Error::InvalidValue { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn display_lists_starts_and_unreached_scores() {
        let c = Cuts::new_unchecked(5, CutRule::AtLeast, vec![2.0, 3.5]);
        assert_eq!(
            c.to_string(),
            "score 2: >= 2, score 3: >= 3.5, scores 4..=5 not reached"
        );
        let none: Cuts<f64> = Cuts::new_unchecked(2, CutRule::AtMost, vec![]);
        assert_eq!(none.to_string(), "scores 2..=2 not reached");
    }

    #[test]
    fn fitted_checks_nested_shapes() {
        let r = Cuts::new_unchecked(2, CutRule::AtMost, vec![10.0]);
        let f = Cuts::new_unchecked(2, CutRule::AtLeast, vec![3.0]);
        let m = Cuts::new_unchecked(2, CutRule::AtLeast, vec![Decimal::TEN]);
        let good = FittedRfm::new_unchecked(
            ScoreDirection::HighIsBest,
            r.clone(),
            f.clone(),
            m.clone(),
            vec![Some(f.clone()), None],
            vec![None; 4],
        );
        assert!(good.check().is_ok());
        let short = FittedRfm {
            frequency_within: vec![None],
            ..good.clone()
        };
        assert!(short.check().is_err());
        let wrong_rule = FittedRfm {
            recency: Cuts::new_unchecked(2, CutRule::AtLeast, vec![10.0]),
            ..good.clone()
        };
        assert!(wrong_rule.check().is_err());
        let wrong_bins = FittedRfm {
            frequency_within: vec![Some(Cuts::new_unchecked(3, CutRule::AtLeast, vec![])), None],
            ..good
        };
        assert!(wrong_bins.check().is_err());
    }
}
