//! Kano classification of product attributes ([spec](crate::satisfaction::spec#kano-classification)).

use crate::{Error, Result};

/// One answer to a Kano question ([spec](crate::satisfaction::spec#kano-evaluation-table) \[V\]), numbered
/// 1 to 5 as on the questionnaire.
///
/// Each attribute gets two questions: the *functional* one ("how do you
/// feel if the product has it?") and the *dysfunctional* one ("... if it
/// does not?"). The five answers are the questionnaire's definition, so
/// the enum is not `#[non_exhaustive]`. With the `serde` feature it
/// serialises as its number, checked on the way back.
///
/// # Example
///
/// ```
/// use customer_value::satisfaction::KanoAnswer;
///
/// assert_eq!(KanoAnswer::try_from(4)?, KanoAnswer::LiveWith);
/// assert_eq!(KanoAnswer::Dislike.to_u8(), 5);
/// assert!(KanoAnswer::try_from(6).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "u8", into = "u8"))]
#[repr(u8)]
pub enum KanoAnswer {
    /// 1: I like it that way.
    Like = 1,
    /// 2: it must be that way.
    MustBe = 2,
    /// 3: I am neutral.
    Neutral = 3,
    /// 4: I can live with it that way.
    LiveWith = 4,
    /// 5: I dislike it that way.
    Dislike = 5,
}

impl KanoAnswer {
    /// The five answers, 1 to 5.
    pub const ALL: [KanoAnswer; 5] = [
        KanoAnswer::Like,
        KanoAnswer::MustBe,
        KanoAnswer::Neutral,
        KanoAnswer::LiveWith,
        KanoAnswer::Dislike,
    ];

    /// The answer's number, 1 to 5.
    pub const fn to_u8(self) -> u8 {
        self as u8
    }

    /// The answer with number `value`, or `None` outside `1..=5`; the
    /// non-allocating twin of [`TryFrom<u8>`](TryFrom).
    pub const fn from_u8(value: u8) -> Option<Self> {
        Some(match value {
            1 => KanoAnswer::Like,
            2 => KanoAnswer::MustBe,
            3 => KanoAnswer::Neutral,
            4 => KanoAnswer::LiveWith,
            5 => KanoAnswer::Dislike,
            _ => return None,
        })
    }

    const fn index(self) -> usize {
        self as usize - 1
    }
}

impl TryFrom<u8> for KanoAnswer {
    type Error = Error;

    /// The answer with number `value`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when `value` is outside `1..=5`.
    fn try_from(value: u8) -> Result<Self> {
        Self::from_u8(value).ok_or_else(|| Error::InvalidValue {
            what: "kano answer",
            reason: format!("must be in 1..=5, got {value}"),
        })
    }
}

impl From<KanoAnswer> for u8 {
    fn from(answer: KanoAnswer) -> u8 {
        answer.to_u8()
    }
}

/// The Kano category of an attribute for one respondent, or for the whole
/// sample ([`KanoTally::category`]).
///
/// The six categories are the evaluation table's definition, so the enum is
/// not `#[non_exhaustive]`. [`ALL`](Self::ALL) lists them in the
/// tie-break order of [`KanoTally::category`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum KanoCategory {
    /// A: attractive (delighter): pleases when present, not missed when
    /// absent.
    Attractive,
    /// O: one-dimensional (performance): the more, the better.
    OneDimensional,
    /// M: must-be (basic): taken for granted, dissatisfies when absent.
    MustBe,
    /// I: indifferent: the customer does not care.
    Indifferent,
    /// R: reverse: the customer prefers it absent.
    Reverse,
    /// Q: questionable: contradictory answers (like it both present and
    /// absent, or dislike it both ways).
    Questionable,
}

use KanoCategory::{Attractive as A, Indifferent as I, MustBe as M, OneDimensional as O};
use KanoCategory::{Questionable as Q, Reverse as R};

/// The Kano evaluation table: row = functional answer, column =
/// dysfunctional answer, both in the order Like, Must-be, Neutral,
/// Live-with, Dislike.
const TABLE: [[KanoCategory; 5]; 5] = [
    [Q, A, A, A, O],
    [R, I, I, I, M],
    [R, I, I, I, M],
    [R, I, I, I, M],
    [R, R, R, R, Q],
];

impl KanoCategory {
    /// The six categories in the tie-break order of
    /// [`KanoTally::category`]: M, O, A, I, R, Q.
    pub const ALL: [KanoCategory; 6] = [M, O, A, I, R, Q];

    /// The category's letter: `'A'`, `'O'`, `'M'`, `'I'`, `'R'` or `'Q'`.
    pub const fn letter(self) -> char {
        match self {
            A => 'A',
            O => 'O',
            M => 'M',
            I => 'I',
            R => 'R',
            Q => 'Q',
        }
    }

    /// The English name, lowercase (e.g. "one-dimensional").
    pub const fn english(self) -> &'static str {
        match self {
            A => "attractive",
            O => "one-dimensional",
            M => "must-be",
            I => "indifferent",
            R => "reverse",
            Q => "questionable",
        }
    }

    /// The usual Chinese name (e.g. 魅力属性 for attractive).
    pub const fn chinese(self) -> &'static str {
        match self {
            A => "魅力属性",
            O => "期望属性",
            M => "必备属性",
            I => "无差异属性",
            R => "反向属性",
            Q => "可疑结果",
        }
    }

    /// Position in the tally's counts (declaration order: A, O, M, I, R, Q).
    const fn slot(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for KanoCategory {
    /// The English name.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.english())
    }
}

/// One respondent's category for an attribute, read from the Kano
/// evaluation table ([spec](crate::satisfaction::spec#kano-evaluation-table) \[V: table\]).
///
/// ```text
/// F \ D       Like  Must-be  Neutral  Live-with  Dislike
/// Like         Q      A        A         A          O
/// Must-be      R      I        I         I          M
/// Neutral      R      I        I         I          M
/// Live-with    R      I        I         I          M
/// Dislike      R      R        R         R          Q
/// ```
///
/// # Example
///
/// ```
/// use customer_value::satisfaction::{KanoAnswer::*, KanoCategory, kano_category};
///
/// assert_eq!(kano_category(Like, Dislike), KanoCategory::OneDimensional);
/// assert_eq!(kano_category(Neutral, Dislike), KanoCategory::MustBe);
/// assert_eq!(kano_category(Like, Neutral), KanoCategory::Attractive);
/// ```
pub const fn kano_category(functional: KanoAnswer, dysfunctional: KanoAnswer) -> KanoCategory {
    TABLE[functional.index()][dysfunctional.index()]
}

/// How many respondents put one attribute in each Kano category, with the
/// attribute's category and the Berger et al. (1993) coefficients.
///
/// Tallies of shards [`merge`](Self::merge) into exactly the tally of all
/// their respondents.
///
/// # Example
///
/// The [worked example](crate::satisfaction::spec#worked-example):
///
/// ```
/// use customer_value::satisfaction::{KanoCategory, KanoTally};
///
/// let t = KanoTally::from_counts(40, 25, 10, 20, 3, 2)?;
/// assert_eq!(t.category()?, KanoCategory::Attractive);
/// assert!((t.better()? - 65.0 / 95.0).abs() < 1e-15);
/// assert!((t.worse()? + 35.0 / 95.0).abs() < 1e-15);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "RawKanoTally", into = "RawKanoTally")
)]
pub struct KanoTally {
    /// Counts in declaration order: A, O, M, I, R, Q.
    counts: [u64; 6],
    n: u64,
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct RawKanoTally {
    attractive: u64,
    one_dimensional: u64,
    must_be: u64,
    indifferent: u64,
    reverse: u64,
    questionable: u64,
}

#[cfg(feature = "serde")]
impl TryFrom<RawKanoTally> for KanoTally {
    type Error = Error;
    fn try_from(r: RawKanoTally) -> Result<Self> {
        KanoTally::from_counts(
            r.attractive,
            r.one_dimensional,
            r.must_be,
            r.indifferent,
            r.reverse,
            r.questionable,
        )
    }
}

#[cfg(feature = "serde")]
impl From<KanoTally> for RawKanoTally {
    fn from(t: KanoTally) -> Self {
        let [
            attractive,
            one_dimensional,
            must_be,
            indifferent,
            reverse,
            questionable,
        ] = t.counts;
        RawKanoTally {
            attractive,
            one_dimensional,
            must_be,
            indifferent,
            reverse,
            questionable,
        }
    }
}

fn overflow() -> Error {
    Error::Overflow {
        what: "kano respondent count",
    }
}

impl KanoTally {
    /// An empty tally.
    pub const fn new() -> Self {
        Self {
            counts: [0; 6],
            n: 0,
        }
    }

    /// A tally from its counts, in the order A, O, M, I, R, Q.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the total exceeds `u64::MAX`.
    pub fn from_counts(
        attractive: u64,
        one_dimensional: u64,
        must_be: u64,
        indifferent: u64,
        reverse: u64,
        questionable: u64,
    ) -> Result<Self> {
        let counts = [
            attractive,
            one_dimensional,
            must_be,
            indifferent,
            reverse,
            questionable,
        ];
        let n = counts
            .iter()
            .try_fold(0u64, |acc, &c| acc.checked_add(c))
            .ok_or_else(overflow)?;
        Ok(Self { counts, n })
    }

    /// Classifies and counts each respondent's `(functional,
    /// dysfunctional)` answer pair.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::satisfaction::{KanoAnswer::*, KanoCategory, KanoTally};
    ///
    /// let t = KanoTally::from_answers(&[(Like, Dislike), (Neutral, Dislike), (Like, Dislike)]);
    /// assert_eq!(t.count(KanoCategory::OneDimensional), 2);
    /// ```
    pub fn from_answers(pairs: &[(KanoAnswer, KanoAnswer)]) -> Self {
        let mut counts = [0u64; 6];
        for &(f, d) in pairs {
            counts[kano_category(f, d).slot()] += 1;
        }
        // A slice holds at most usize::MAX <= u64::MAX elements.
        Self {
            counts,
            n: pairs.len() as u64,
        }
    }

    /// Classifies and counts raw answers, numbered 1 to 5, given as two
    /// parallel slices: `functional[i]` and `dysfunctional[i]` are
    /// respondent i's answers.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when the slices differ in length;
    /// [`Error::InvalidValue`] when an answer is outside `1..=5`, naming
    /// the first bad respondent and value.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::satisfaction::{KanoCategory, KanoTally};
    ///
    /// let t = KanoTally::from_raw(&[1, 1, 3], &[5, 3, 5])?;
    /// assert_eq!(t.counts(), [1, 1, 1, 0, 0, 0]);
    /// assert!(KanoTally::from_raw(&[1, 6], &[5, 5]).is_err());
    /// assert!(KanoTally::from_raw(&[1], &[5, 5]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_raw(functional: &[u8], dysfunctional: &[u8]) -> Result<Self> {
        if functional.len() != dysfunctional.len() {
            return Err(Error::InvalidParameter {
                name: "kano answers",
                value: format!(
                    "{} functional and {} dysfunctional",
                    functional.len(),
                    dysfunctional.len()
                ),
                reason: "need one dysfunctional answer per functional answer",
            });
        }
        let mut counts = [0u64; 6];
        for (i, (&f, &d)) in functional.iter().zip(dysfunctional).enumerate() {
            match (KanoAnswer::from_u8(f), KanoAnswer::from_u8(d)) {
                (Some(f), Some(d)) => counts[kano_category(f, d).slot()] += 1,
                _ => {
                    let (which, value) = if KanoAnswer::from_u8(f).is_none() {
                        ("functional", f)
                    } else {
                        ("dysfunctional", d)
                    };
                    return Err(Error::InvalidValue {
                        what: "kano answer",
                        reason: format!(
                            "respondent {i}, {which} answer: must be in 1..=5, got {value}"
                        ),
                    });
                }
            }
        }
        Ok(Self {
            counts,
            n: functional.len() as u64,
        })
    }

    /// Adds one respondent's category.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the total would exceed `u64::MAX`.
    pub fn record(&mut self, category: KanoCategory) -> Result<()> {
        self.n = self.n.checked_add(1).ok_or_else(overflow)?;
        // Each count is at most n, so it cannot overflow when n does not.
        self.counts[category.slot()] += 1;
        Ok(())
    }

    /// Adds the respondents of `other` (another shard of the same
    /// attribute).
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the total would exceed `u64::MAX`; `self`
    /// is then unchanged.
    pub fn merge(&mut self, other: &KanoTally) -> Result<()> {
        self.n = self.n.checked_add(other.n).ok_or_else(overflow)?;
        for (c, o) in self.counts.iter_mut().zip(other.counts) {
            *c += o;
        }
        Ok(())
    }

    /// The counts in the order A, O, M, I, R, Q.
    pub const fn counts(&self) -> [u64; 6] {
        self.counts
    }

    /// The number of respondents in `category`.
    pub const fn count(&self, category: KanoCategory) -> u64 {
        self.counts[category.slot()]
    }

    /// The number of respondents.
    pub const fn n(&self) -> u64 {
        self.n
    }

    /// The attribute's category: the mode over respondents
    /// ([spec](crate::satisfaction::spec#kano-category)), R and Q included.
    ///
    /// Ties go to the category with the larger effect on satisfaction when
    /// missing: M > O > A > I \[R: Matzler & Hinterhuber 1998, recalled,
    /// not checked against the paper\], then R > Q \[L\] (the order of
    /// [`KanoCategory::ALL`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when there are no respondents.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::satisfaction::{KanoCategory, KanoTally};
    ///
    /// // A and M tie at 10: must-be wins.
    /// let t = KanoTally::from_counts(10, 5, 10, 3, 0, 0)?;
    /// assert_eq!(t.category()?, KanoCategory::MustBe);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn category(&self) -> Result<KanoCategory> {
        if self.n == 0 {
            return Err(Error::InvalidValue {
                what: "kano tally",
                reason: "no respondents (n = 0)".to_string(),
            });
        }
        let mut best = KanoCategory::ALL[0];
        for c in KanoCategory::ALL {
            if self.count(c) > self.count(best) {
                best = c;
            }
        }
        Ok(best)
    }

    fn core(&self) -> Result<f64> {
        let [a, o, m, i, _, _] = self.counts;
        // The four are at most n, so their sum fits.
        let core = a + o + m + i;
        if core == 0 {
            return Err(Error::InvalidValue {
                what: "kano tally",
                reason: format!(
                    "better/worse need A + O + M + I > 0, got 0 of {} respondents",
                    self.n
                ),
            });
        }
        Ok(core as f64)
    }

    /// Berger et al. (1993) satisfaction coefficient, in `[0, 1]`: how much
    /// having the attribute raises satisfaction \[R: formula standard\].
    ///
    /// ```text
    /// Better (CS+) = (A + O) / (A + O + M + I)
    /// ```
    ///
    /// R and Q respondents are left out.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when `A + O + M + I = 0`.
    pub fn better(&self) -> Result<f64> {
        let core = self.core()?;
        Ok((self.count(A) + self.count(O)) as f64 / core)
    }

    /// Berger et al. (1993) dissatisfaction coefficient, in `[-1, 0]`: how
    /// much lacking the attribute lowers satisfaction \[R: formula
    /// standard\].
    ///
    /// ```text
    /// Worse (CS−) = −(O + M) / (A + O + M + I)
    /// ```
    ///
    /// R and Q respondents are left out.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when `A + O + M + I = 0`.
    pub fn worse(&self) -> Result<f64> {
        let core = self.core()?;
        Ok(-((self.count(O) + self.count(M)) as f64 / core))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_round_trip() {
        for (i, a) in KanoAnswer::ALL.into_iter().enumerate() {
            assert_eq!(usize::from(a.to_u8()), i + 1);
            assert_eq!(KanoAnswer::try_from(a.to_u8()), Ok(a));
        }
        for bad in [0u8, 6, 255] {
            let err = KanoAnswer::try_from(bad).unwrap_err();
            assert!(err.to_string().contains(&bad.to_string()));
        }
    }

    #[test]
    fn categories() {
        let letters: String = KanoCategory::ALL.iter().map(|c| c.letter()).collect();
        assert_eq!(letters, "MOAIRQ");
        assert_eq!(KanoCategory::OneDimensional.to_string(), "one-dimensional");
        assert_eq!(KanoCategory::Attractive.chinese(), "魅力属性");
    }

    #[test]
    fn from_counts_and_overflow() {
        let t = KanoTally::from_counts(1, 2, 3, 4, 5, 6).unwrap();
        assert_eq!((t.n(), t.count(KanoCategory::Reverse)), (21, 5));
        assert!(matches!(
            KanoTally::from_counts(u64::MAX, 0, 0, 0, 0, 1),
            Err(Error::Overflow { .. })
        ));
        let mut full = KanoTally::from_counts(u64::MAX, 0, 0, 0, 0, 0).unwrap();
        assert!(full.record(KanoCategory::Attractive).is_err());
        assert!(full.merge(&t).is_err());
        assert_eq!(full.n(), u64::MAX);
    }

    #[test]
    fn from_raw_errors_name_the_respondent() {
        let err = KanoTally::from_raw(&[1, 2, 0], &[5, 5, 5]).unwrap_err();
        assert!(
            err.to_string().contains("respondent 2, functional"),
            "{err}"
        );
        let err = KanoTally::from_raw(&[1, 2, 3], &[5, 9, 5]).unwrap_err();
        assert!(
            err.to_string().contains("respondent 1, dysfunctional"),
            "{err}"
        );
        assert!(err.to_string().contains("got 9"), "{err}");
        assert!(matches!(
            KanoTally::from_raw(&[1, 2], &[5]),
            Err(Error::InvalidParameter { .. })
        ));
    }

    #[test]
    fn empty_and_degenerate() {
        let e = KanoTally::new();
        assert!(e.category().is_err());
        assert!(e.better().is_err());
        assert!(e.worse().is_err());
        let rq = KanoTally::from_counts(0, 0, 0, 0, 3, 4).unwrap();
        assert_eq!(rq.category().unwrap(), KanoCategory::Questionable);
        assert!(rq.better().is_err());
        assert!(rq.worse().is_err());
    }
}
