//! Ordered segment rule tables over R, F and M scores (first match wins).

use std::ops::RangeInclusive;

use crate::rfm::RfmScore;
use crate::{Error, Result, Scorer};

/// Scores covered by the lookup table: 1..=9 on each axis.
const LUT_MAX: u8 = 9;
const LUT_LEN: usize = (LUT_MAX as usize).pow(3);
/// The most rules a table may hold (a [`Segment`] stores the index as `u16`).
const MAX_RULES: usize = u16::MAX as usize;
const DEFAULT_FALLBACK: &str = "Others";

/// One customer's segment: the index of the matching rule in its
/// [`SegmentRules`] table, or [`Segment::Others`] when no rule matched.
///
/// Four bytes, `Copy`; get the name with [`SegmentRules::name`]. It orders
/// like the table: rules by index, then `Others`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Segment {
    /// The rule at this 0-based position in the table.
    Rule(u16),
    /// No rule matched: the table's fallback segment ("Others" by default).
    Others,
}

impl Segment {
    /// The 0-based rule index, `None` for [`Segment::Others`].
    pub fn rule_index(self) -> Option<usize> {
        match self {
            Segment::Rule(i) => Some(usize::from(i)),
            Segment::Others => None,
        }
    }

    /// Whether this is the fallback segment.
    pub fn is_others(self) -> bool {
        self == Segment::Others
    }
}

/// One named rule: a closed, inclusive range for each of the R, F and M
/// scores. A score triple matches when all three ranges contain it.
///
/// # Errors
///
/// [`SegmentRule::new`] rejects an empty name and a range with `lo == 0`
/// or `lo > hi` with [`Error::InvalidParameter`]; deserialising checks
/// the same.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawRule"))]
pub struct SegmentRule {
    name: String,
    r: [u8; 2],
    f: [u8; 2],
    m: [u8; 2],
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawRule {
    name: String,
    r: [u8; 2],
    f: [u8; 2],
    m: [u8; 2],
}

#[cfg(feature = "serde")]
impl TryFrom<RawRule> for SegmentRule {
    type Error = Error;
    fn try_from(raw: RawRule) -> Result<Self> {
        let [r0, r1] = raw.r;
        let [f0, f1] = raw.f;
        let [m0, m1] = raw.m;
        SegmentRule::new(raw.name, r0..=r1, f0..=f1, m0..=m1)
    }
}

fn check_range(name: &'static str, range: &RangeInclusive<u8>) -> Result<[u8; 2]> {
    let (lo, hi) = (*range.start(), *range.end());
    if lo == 0 || lo > hi {
        return Err(Error::InvalidParameter {
            name,
            value: format!("{lo}..={hi}"),
            reason: "a score range must satisfy 1 <= lo <= hi",
        });
    }
    Ok([lo, hi])
}

fn check_name(name: &'static str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::InvalidParameter {
            name,
            value: format!("{value:?}"),
            reason: "must not be empty",
        });
    }
    Ok(())
}

impl SegmentRule {
    /// Checks and builds a rule.
    ///
    /// ```text
    /// matches(R, F, M)  <=>  r.lo <= R <= r.hi  and  f.lo <= F <= f.hi  and  m.lo <= M <= m.hi
    /// ```
    ///
    /// The closed-interval rule of the `rfm` R package's `rfm_segment`
    /// ([spec](crate::rfm::spec#rfm-package-segments); Hebbali, `rfm` v0.3.0).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `name` is empty or blank
    /// (`"segment name"`), or a range starts at 0 or has `lo > hi`
    /// (`"recency range"`, `"frequency range"`, `"monetary range"`).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::rfm::{RfmScore, SegmentRule};
    ///
    /// let loyal = SegmentRule::new("Loyal", 2..=4, 2..=4, 2..=4)?;
    /// assert!(loyal.contains(RfmScore::new(3, 2, 4)?));
    /// assert!(!loyal.contains(RfmScore::new(5, 2, 4)?));
    /// assert!(SegmentRule::new("Empty", 4..=3, 1..=5, 1..=5).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(
        name: impl Into<String>,
        r: RangeInclusive<u8>,
        f: RangeInclusive<u8>,
        m: RangeInclusive<u8>,
    ) -> Result<Self> {
        let name = name.into();
        check_name("segment name", &name)?;
        Ok(Self {
            r: check_range("recency range", &r)?,
            f: check_range("frequency range", &f)?,
            m: check_range("monetary range", &m)?,
            name,
        })
    }

    /// The segment's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The closed range of recency scores.
    pub fn r(&self) -> RangeInclusive<u8> {
        self.r[0]..=self.r[1]
    }

    /// The closed range of frequency scores.
    pub fn f(&self) -> RangeInclusive<u8> {
        self.f[0]..=self.f[1]
    }

    /// The closed range of monetary scores.
    pub fn m(&self) -> RangeInclusive<u8> {
        self.m[0]..=self.m[1]
    }

    /// Whether all three ranges contain the score's R, F and M.
    #[inline]
    pub fn contains(&self, score: RfmScore) -> bool {
        let inside = |[lo, hi]: [u8; 2], x: u8| lo <= x && x <= hi;
        inside(self.r, score.r()) && inside(self.f, score.f()) && inside(self.m, score.m())
    }
}

/// An ordered table of [`SegmentRule`]s: a customer gets the **first** rule
/// whose ranges contain its scores, or the fallback segment
/// ([`Segment::Others`], named "Others" unless changed with
/// [`with_fallback`](Self::with_fallback)) when none does.
///
/// ```text
/// segment(R, F, M) = first i with rules[i].matches(R, F, M), else Others
/// ```
///
/// Rules may overlap (earlier ones shadow later ones, so a rule can be
/// unreachable) and may share a name (two boxes forming one segment); each
/// rule is still its own [`Segment`]. Scores 1..=9 are looked up in a
/// 9×9×9 table built by the constructor; larger scores are matched rule by
/// rule. Source: the `rfm` R package's `rfm_segment`
/// ([spec](crate::rfm::spec#rfm-package-segments); Hebbali, `rfm` v0.3.0).
///
/// # Errors
///
/// [`SegmentRules::new`] rejects an empty table and one with more than
/// 65,535 rules; [`SegmentRules::with_fallback`] an empty name. Both with
/// [`Error::InvalidParameter`]; deserialising checks the same.
///
/// # Serde
///
/// Serialised as `{"rules": [...], "fallback": "Others"}`, each rule as
/// `{"name": .., "r": [lo, hi], "f": [lo, hi], "m": [lo, hi]}`.
/// Deserialising also accepts a bare array of rules (the fallback is then
/// "Others"), from self-describing formats such as JSON.
///
/// ```
/// use customer_value::rfm::{RfmScore, SegmentRules};
///
/// let bare: SegmentRules =
///     serde_json::from_str(r#"[{"name":"Best","r":[5,5],"f":[4,5],"m":[1,5]}]"#)?;
/// let table: SegmentRules = serde_json::from_str(
///     r#"{"rules":[{"name":"Best","r":[5,5],"f":[4,5],"m":[1,5]}]}"#,
/// )?;
/// assert_eq!(bare, table);
/// assert_eq!(bare.name(bare.assign(RfmScore::new(5, 5, 1)?)), Some("Best"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(into = "RawRules"))]
pub struct SegmentRules {
    rules: Vec<SegmentRule>,
    fallback: String,
    lut: Box<[Segment]>,
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct RawRules {
    rules: Vec<SegmentRule>,
    #[serde(default = "default_fallback")]
    fallback: String,
}

#[cfg(feature = "serde")]
fn default_fallback() -> String {
    DEFAULT_FALLBACK.to_owned()
}

#[cfg(feature = "serde")]
impl TryFrom<RawRules> for SegmentRules {
    type Error = Error;
    fn try_from(raw: RawRules) -> Result<Self> {
        SegmentRules::new(raw.rules)?.with_fallback(raw.fallback)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for SegmentRules {
    /// A table `{"rules": [...], "fallback": ..}` or a bare array of rules.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::{self, MapAccess, SeqAccess, Visitor, value};

        struct Rules;
        impl<'de> Visitor<'de> for Rules {
            type Value = SegmentRules;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of segment rules, or {\"rules\": [...]}")
            }

            fn visit_seq<A: SeqAccess<'de>>(
                self,
                seq: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let rules: Vec<SegmentRule> =
                    serde::Deserialize::deserialize(value::SeqAccessDeserializer::new(seq))?;
                SegmentRules::new(rules).map_err(de::Error::custom)
            }

            fn visit_map<A: MapAccess<'de>>(
                self,
                map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let raw: RawRules =
                    serde::Deserialize::deserialize(value::MapAccessDeserializer::new(map))?;
                SegmentRules::try_from(raw).map_err(de::Error::custom)
            }
        }
        d.deserialize_any(Rules)
    }
}

#[cfg(feature = "serde")]
impl From<SegmentRules> for RawRules {
    fn from(rules: SegmentRules) -> Self {
        RawRules {
            rules: rules.rules,
            fallback: rules.fallback,
        }
    }
}

/// A built-in rule; the ranges are known to be valid.
fn rule(name: &str, r: [u8; 2], f: [u8; 2], m: [u8; 2]) -> SegmentRule {
    SegmentRule {
        name: name.to_owned(),
        r,
        f,
        m,
    }
}

#[inline]
fn lut_index(score: RfmScore) -> Option<usize> {
    let (r, f, m) = (score.r(), score.f(), score.m());
    if r <= LUT_MAX && f <= LUT_MAX && m <= LUT_MAX {
        let n = usize::from(LUT_MAX);
        // Scores are at least 1 (an `RfmScore` invariant).
        Some((usize::from(r) - 1) * n * n + (usize::from(f) - 1) * n + usize::from(m) - 1)
    } else {
        None
    }
}

impl SegmentRules {
    /// Checks and builds a table; the fallback is named "Others".
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (`"segment rules"`) when `rules` is
    /// empty or holds more than 65,535 rules.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::rfm::{RfmScore, Segment, SegmentRule, SegmentRules};
    ///
    /// let rules = SegmentRules::new(vec![
    ///     SegmentRule::new("Best", 5..=5, 4..=5, 1..=5)?,
    ///     SegmentRule::new("Recent", 4..=5, 1..=5, 1..=5)?, // after "Best": first match wins
    /// ])?;
    /// let best = rules.assign(RfmScore::new(5, 5, 1)?);
    /// assert_eq!(best, Segment::Rule(0));
    /// assert_eq!(rules.name(best), Some("Best"));
    /// assert_eq!(rules.name(rules.assign(RfmScore::new(5, 2, 1)?)), Some("Recent"));
    /// assert_eq!(rules.assign(RfmScore::new(1, 1, 1)?), Segment::Others);
    /// assert_eq!(rules.name(Segment::Others), Some("Others"));
    /// assert!(SegmentRules::new(vec![]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(rules: Vec<SegmentRule>) -> Result<Self> {
        if rules.is_empty() || rules.len() > MAX_RULES {
            return Err(Error::InvalidParameter {
                name: "segment rules",
                value: format!("{} rules", rules.len()),
                reason: "a table holds 1 to 65535 rules",
            });
        }
        Ok(Self::build(rules, DEFAULT_FALLBACK.to_owned()))
    }

    /// Builds the lookup table; `rules` hold at most [`MAX_RULES`] rules.
    fn build(rules: Vec<SegmentRule>, fallback: String) -> Self {
        let mut lut = vec![Segment::Others; LUT_LEN].into_boxed_slice();
        for r in 1..=LUT_MAX {
            for f in 1..=LUT_MAX {
                for m in 1..=LUT_MAX {
                    if let Ok(score) = RfmScore::new(r, f, m) {
                        if let Some(slot) = lut_index(score).and_then(|i| lut.get_mut(i)) {
                            *slot = scan(&rules, score);
                        }
                    }
                }
            }
        }
        Self {
            rules,
            fallback,
            lut,
        }
    }

    /// The same table with the fallback segment renamed.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (`"fallback segment name"`) when `name`
    /// is empty or blank.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::rfm::{Segment, SegmentRules};
    ///
    /// let rules = SegmentRules::rfm_package_v030().with_fallback("Unclassified")?;
    /// assert_eq!(rules.name(Segment::Others), Some("Unclassified"));
    /// assert!(SegmentRules::rfm_package_v030().with_fallback("").is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn with_fallback(mut self, name: impl Into<String>) -> Result<Self> {
        let name = name.into();
        check_name("fallback segment name", &name)?;
        self.fallback = name;
        Ok(self)
    }

    /// The `rfm` R package's v0.3.0 rules, in its README/vignette order.
    ///
    /// ```text
    /// #  segment              R     F     M
    /// 1  Champions            5-5   5-5   5-5
    /// 2  Potential Loyalist   3-5   3-5   2-5
    /// 3  Loyal Customers      2-4   2-4   2-4
    /// 4  Promising            3-4   1-3   3-5
    /// 5  New Customers        4-5   1-3   1-5
    /// 6  Can't Lose Them      1-2   3-4   4-5
    /// 7  At Risk              1-2   2-5   4-5
    /// 8  Need Attention       1-3   3-5   3-5
    /// 9  About To Sleep       2-3   1-3   1-4
    /// 10 Lost                 1-1   1-5   1-5
    /// ```
    ///
    /// Of the 125 cells of five bins, 10 match no rule ("Others").
    /// Source: [spec](crate::rfm::spec#rfm-package-segments) (Hebbali, `rfm` v0.3.0, commit 297ed8b).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::rfm::{RfmScore, SegmentRules};
    ///
    /// let rules = SegmentRules::rfm_package_v030();
    /// let s = rules.assign(RfmScore::new(5, 4, 4)?);
    /// assert_eq!(rules.name(s), Some("Potential Loyalist"));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn rfm_package_v030() -> Self {
        Self::build(
            vec![
                rule("Champions", [5, 5], [5, 5], [5, 5]),
                rule("Potential Loyalist", [3, 5], [3, 5], [2, 5]),
                rule("Loyal Customers", [2, 4], [2, 4], [2, 4]),
                rule("Promising", [3, 4], [1, 3], [3, 5]),
                rule("New Customers", [4, 5], [1, 3], [1, 5]),
                rule("Can't Lose Them", [1, 2], [3, 4], [4, 5]),
                rule("At Risk", [1, 2], [2, 5], [4, 5]),
                rule("Need Attention", [1, 3], [3, 5], [3, 5]),
                rule("About To Sleep", [2, 3], [1, 3], [1, 4]),
                rule("Lost", [1, 1], [1, 5], [1, 5]),
            ],
            DEFAULT_FALLBACK.to_owned(),
        )
    }

    /// The `rfm` R package's v0.2.2 rules (F and M ranges equal).
    ///
    /// ```text
    /// #  segment              R     F = M
    /// 1  Champions            4-5   4-5
    /// 2  Loyal Customers      2-5   3-5
    /// 3  Potential Loyalist   3-5   1-3
    /// 4  New Customers        4-5   1-1
    /// 5  Promising            3-4   1-1
    /// 6  Need Attention       2-3   2-3
    /// 7  About To Sleep       2-3   1-2
    /// 8  At Risk              1-2   2-5
    /// 9  Can't Lose Them      1-1   4-5
    /// 10 Lost                 1-2   1-2
    /// ```
    ///
    /// Earlier rules shadow later ones, so some segments are unreachable;
    /// 36 of the 125 cells are "Others". Source: [spec](crate::rfm::spec#rfm-package-segments)
    /// (Hebbali, `rfm` tag v0.2.2).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::rfm::{RfmScore, SegmentRules};
    ///
    /// let rules = SegmentRules::rfm_package_v022();
    /// assert_eq!(rules.name(rules.assign(RfmScore::new(4, 5, 4)?)), Some("Champions"));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn rfm_package_v022() -> Self {
        Self::build(
            vec![
                rule("Champions", [4, 5], [4, 5], [4, 5]),
                rule("Loyal Customers", [2, 5], [3, 5], [3, 5]),
                rule("Potential Loyalist", [3, 5], [1, 3], [1, 3]),
                rule("New Customers", [4, 5], [1, 1], [1, 1]),
                rule("Promising", [3, 4], [1, 1], [1, 1]),
                rule("Need Attention", [2, 3], [2, 3], [2, 3]),
                rule("About To Sleep", [2, 3], [1, 2], [1, 2]),
                rule("At Risk", [1, 2], [2, 5], [2, 5]),
                rule("Can't Lose Them", [1, 1], [4, 5], [4, 5]),
                rule("Lost", [1, 2], [1, 2], [1, 2]),
            ],
            DEFAULT_FALLBACK.to_owned(),
        )
    }

    /// The RF "seg_map" of the Python tutorials (the source of
    /// "Hibernating"): keyed on R and F only, every M score matches.
    ///
    /// ```text
    /// R \ F   1               2                    3                    4                5
    /// 5       New Customers   Potential Loyalists  Potential Loyalists  Champions        Champions
    /// 4       Promising       Potential Loyalists  Potential Loyalists  Loyal Customers  Loyal Customers
    /// 3       About to Sleep  About to Sleep       Need Attention       Loyal Customers  Loyal Customers
    /// 2       Hibernating     Hibernating          At Risk              At Risk          Can't Lose
    /// 1       Hibernating     Hibernating          At Risk              At Risk          Can't Lose
    /// ```
    ///
    /// The ten rules follow the tutorials' regular expressions in their
    /// order (`[1-2][1-2]`, `[1-2][3-4]`, `[1-2]5`, `3[1-2]`, `33`,
    /// `[3-4][4-5]`, `41`, `51`, `[4-5][2-3]`, `5[4-5]`); they partition the
    /// 25 RF cells of five bins, so only scores above 5 fall to "Others".
    /// The map has no "Lost". Source: [RF segment map](crate::rfm::spec#rf-segment-map) (public
    /// tutorial repositories; no primary origin found).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::rfm::{RfmScore, SegmentRules};
    ///
    /// let map = SegmentRules::rf_seg_map();
    /// assert_eq!(map.name(map.assign(RfmScore::new(2, 1, 5)?)), Some("Hibernating"));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn rf_seg_map() -> Self {
        const ANY: [u8; 2] = [1, u8::MAX];
        Self::build(
            vec![
                rule("Hibernating", [1, 2], [1, 2], ANY),
                rule("At Risk", [1, 2], [3, 4], ANY),
                rule("Can't Lose", [1, 2], [5, 5], ANY),
                rule("About to Sleep", [3, 3], [1, 2], ANY),
                rule("Need Attention", [3, 3], [3, 3], ANY),
                rule("Loyal Customers", [3, 4], [4, 5], ANY),
                rule("Promising", [4, 4], [1, 1], ANY),
                rule("New Customers", [5, 5], [1, 1], ANY),
                rule("Potential Loyalists", [4, 5], [2, 3], ANY),
                rule("Champions", [5, 5], [4, 5], ANY),
            ],
            DEFAULT_FALLBACK.to_owned(),
        )
    }

    /// The rules, in matching order.
    pub fn rules(&self) -> &[SegmentRule] {
        &self.rules
    }

    /// The fallback segment's name ("Others" by default).
    pub fn fallback(&self) -> &str {
        &self.fallback
    }

    /// A segment's name: its rule's name, or the fallback name for
    /// [`Segment::Others`]. `None` when the rule index is not in this table
    /// (a segment assigned by another table).
    pub fn name(&self, segment: Segment) -> Option<&str> {
        match segment {
            Segment::Rule(i) => self.rules.get(usize::from(i)).map(SegmentRule::name),
            Segment::Others => Some(&self.fallback),
        }
    }

    /// The segment with this name: the first rule so named, or
    /// [`Segment::Others`] for the fallback name; `None` if neither.
    pub fn segment(&self, name: &str) -> Option<Segment> {
        self.rules
            .iter()
            .position(|rule| rule.name == name)
            .and_then(|i| u16::try_from(i).ok())
            .map(Segment::Rule)
            .or_else(|| (name == self.fallback).then_some(Segment::Others))
    }

    /// The names of every segment in report order: the rules in table
    /// order, then the fallback.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.rules
            .iter()
            .map(SegmentRule::name)
            .chain(std::iter::once(self.fallback.as_str()))
    }

    /// The segment of one score triple (first matching rule, else
    /// [`Segment::Others`]). Never fails; [`Scorer::score`] wraps it.
    #[inline]
    pub fn assign(&self, score: RfmScore) -> Segment {
        match lut_index(score).and_then(|i| self.lut.get(i)) {
            Some(&segment) => segment,
            None => scan(&self.rules, score),
        }
    }
}

/// First matching rule by linear scan.
fn scan(rules: &[SegmentRule], score: RfmScore) -> Segment {
    rules
        .iter()
        .position(|rule| rule.contains(score))
        .and_then(|i| u16::try_from(i).ok())
        .map_or(Segment::Others, Segment::Rule)
}

/// Assigns segments with [`SegmentRules::assign`]; never returns an error.
impl Scorer for SegmentRules {
    type Input = RfmScore;
    type Score = Segment;

    fn score(&self, input: &RfmScore) -> Result<Segment> {
        Ok(self.assign(*input))
    }

    fn score_into(&self, inputs: &[RfmScore], out: &mut Vec<Segment>) -> Result<()> {
        out.reserve(inputs.len());
        out.extend(inputs.iter().map(|&score| self.assign(score)));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(r: u8, f: u8, m: u8) -> RfmScore {
        RfmScore::new(r, f, m).unwrap()
    }

    #[test]
    fn rule_new_valid_and_invalid() {
        let rule = SegmentRule::new("A", 1..=2, 3..=3, 1..=9).unwrap();
        assert_eq!(
            (rule.name(), rule.r(), rule.f(), rule.m()),
            ("A", 1..=2, 3..=3, 1..=9)
        );
        assert!(rule.contains(score(2, 3, 9)));
        assert!(!rule.contains(score(2, 4, 9)));
        for (name, r, f, m, bad) in [
            ("", 1..=1, 1..=1, 1..=1, "segment name"),
            ("  ", 1..=1, 1..=1, 1..=1, "segment name"),
            ("A", 0..=1, 1..=1, 1..=1, "recency range"),
            (
                "A",
                1..=1,
                RangeInclusive::new(3, 2),
                1..=1,
                "frequency range",
            ),
            ("A", 1..=1, 1..=1, 0..=0, "monetary range"),
        ] {
            match SegmentRule::new(name, r, f, m) {
                Err(Error::InvalidParameter { name, .. }) => assert_eq!(name, bad),
                other => panic!("expected an error for {bad}, got {other:?}"),
            }
        }
    }

    #[test]
    fn rules_new_valid_and_invalid() {
        let one = SegmentRule::new("A", 1..=1, 1..=1, 1..=1).unwrap();
        let rules = SegmentRules::new(vec![one.clone()]).unwrap();
        assert_eq!(rules.rules().len(), 1);
        assert_eq!(rules.fallback(), "Others");
        assert!(matches!(
            SegmentRules::new(vec![]),
            Err(Error::InvalidParameter {
                name: "segment rules",
                ..
            })
        ));
        assert!(SegmentRules::new(vec![one; MAX_RULES + 1]).is_err());
        assert!(matches!(
            rules.clone().with_fallback(""),
            Err(Error::InvalidParameter {
                name: "fallback segment name",
                ..
            })
        ));
        assert_eq!(rules.with_fallback("Rest").unwrap().fallback(), "Rest");
    }

    #[test]
    fn lookup_table_agrees_with_scan_and_large_scores_scan() {
        let rules = SegmentRules::new(vec![
            SegmentRule::new("Low", 1..=3, 1..=3, 1..=3).unwrap(),
            SegmentRule::new("Wide", 2..=20, 1..=255, 5..=12).unwrap(),
        ])
        .unwrap();
        for r in 1..=30 {
            for f in 1..=30 {
                for m in 1..=30 {
                    let s = score(r, f, m);
                    assert_eq!(rules.assign(s), scan(rules.rules(), s), "{r}{f}{m}");
                }
            }
        }
        assert_eq!(rules.assign(score(10, 200, 12)), Segment::Rule(1));
        assert_eq!(rules.assign(score(21, 1, 5)), Segment::Others);
    }

    #[test]
    fn names_and_lookup_by_name() {
        let rules = SegmentRules::rfm_package_v030();
        assert_eq!(rules.segment("Lost"), Some(Segment::Rule(9)));
        assert_eq!(rules.segment("Others"), Some(Segment::Others));
        assert_eq!(rules.segment("Hibernating"), None);
        assert_eq!(rules.name(Segment::Rule(10)), None);
        assert_eq!(rules.names().count(), 11);
        assert_eq!(Segment::Rule(3).rule_index(), Some(3));
        assert!(Segment::Others.is_others());
        assert!(Segment::Rule(u16::MAX) < Segment::Others);
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_round_trip_and_validation() {
        let rules = SegmentRules::rfm_package_v022()
            .with_fallback("Rest")
            .unwrap();
        let json = serde_json::to_string(&rules).unwrap();
        let back: SegmentRules = serde_json::from_str(&json).unwrap();
        assert_eq!(back, rules);
        let default_fallback: SegmentRules =
            serde_json::from_str(r#"{"rules":[{"name":"A","r":[1,5],"f":[1,5],"m":[1,5]}]}"#)
                .unwrap();
        assert_eq!(default_fallback.fallback(), "Others");
        assert_eq!(default_fallback.assign(score(3, 3, 3)), Segment::Rule(0));
        // A bare array of rules, as the command line's help documents.
        let bare: SegmentRules =
            serde_json::from_str(r#"[{"name":"A","r":[1,5],"f":[1,5],"m":[1,5]}]"#).unwrap();
        assert_eq!(bare, default_fallback);
        for bad in [
            r#"[]"#,
            r#"[{"name":"A","r":[2,1],"f":[1,5],"m":[1,5]}]"#,
            r#""rules""#,
            r#"{"rules":[]}"#,
            r#"{"rules":[{"name":"A","r":[2,1],"f":[1,5],"m":[1,5]}]}"#,
            r#"{"rules":[{"name":"","r":[1,1],"f":[1,5],"m":[1,5]}]}"#,
            r#"{"rules":[{"name":"A","r":[1,1],"f":[1,5],"m":[1,5]}],"fallback":""}"#,
        ] {
            assert!(serde_json::from_str::<SegmentRules>(bad).is_err(), "{bad}");
        }
        let seg: Segment =
            serde_json::from_str(&serde_json::to_string(&Segment::Rule(4)).unwrap()).unwrap();
        assert_eq!(seg, Segment::Rule(4));
    }
}
