//! The seven-level satisfaction scale and conversions from other scales.

use crate::{Error, Result};

/// One answer on the seven-level satisfaction scale
/// ([spec](crate::satisfaction::spec#seven-level-scale) \[V\]), numbered 1 (very dissatisfied) to 7 (very satisfied).
///
/// The discriminant is the level's number, so `level as u8` and
/// [`to_u8`](Self::to_u8) agree; [`TryFrom<u8>`](TryFrom)
/// is the checked way back. Levels order from worst to best. Each level
/// carries its Chinese and English label and the courseware's
/// characteristics of a customer at that level
/// ([`characteristics`](Self::characteristics)), ready to show to a user.
///
/// | value | Chinese | English | characteristics (courseware) |
/// |---|---|---|---|
/// | 1 | 很不满意 | very dissatisfied | indignant, complains, spreads negative word of mouth at every chance |
/// | 2 | 不满意 | dissatisfied | angry, annoyed; puts up with it and wants amends; may spread negative word of mouth |
/// | 3 | 不太满意 | somewhat dissatisfied | grumbles, regrets, but asks little and lets it go |
/// | 4 | 一般 | neutral | no marked feeling either way |
/// | 5 | 较满意 | somewhat satisfied | goodwill and approval, though short of higher standards |
/// | 6 | 满意 | satisfied | pleased, praises, recommends to friends and family |
/// | 7 | 很满意 | very satisfied | excited, grateful, expectations exceeded; advocates actively |
///
/// The seven levels are the scale's definition, so the enum is not
/// `#[non_exhaustive]`. With the `serde` feature it serialises as its
/// number, and deserialising rejects anything outside `1..=7`.
///
/// # Example
///
/// ```
/// use customer_value::satisfaction::SatisfactionLevel;
///
/// let level = SatisfactionLevel::try_from(6)?;
/// assert_eq!(level, SatisfactionLevel::Satisfied);
/// assert_eq!((level.chinese(), level.english()), ("满意", "satisfied"));
/// assert!(level > SatisfactionLevel::Neutral);
/// assert!(SatisfactionLevel::try_from(8).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "u8", into = "u8"))]
#[repr(u8)]
pub enum SatisfactionLevel {
    /// 1, 很不满意: very dissatisfied.
    VeryDissatisfied = 1,
    /// 2, 不满意: dissatisfied.
    Dissatisfied = 2,
    /// 3, 不太满意: somewhat dissatisfied.
    SomewhatDissatisfied = 3,
    /// 4, 一般: neutral.
    Neutral = 4,
    /// 5, 较满意: somewhat satisfied.
    SomewhatSatisfied = 5,
    /// 6, 满意: satisfied.
    Satisfied = 6,
    /// 7, 很满意: very satisfied.
    VerySatisfied = 7,
}

use SatisfactionLevel::{
    Dissatisfied, Neutral, Satisfied, SomewhatDissatisfied, SomewhatSatisfied, VeryDissatisfied,
    VerySatisfied,
};

impl SatisfactionLevel {
    /// The seven levels, from very dissatisfied (1) to very satisfied (7).
    pub const ALL: [SatisfactionLevel; 7] = [
        VeryDissatisfied,
        Dissatisfied,
        SomewhatDissatisfied,
        Neutral,
        SomewhatSatisfied,
        Satisfied,
        VerySatisfied,
    ];

    /// The lowest level that counts as satisfied by default (6, 满意), as
    /// used by the top-2-box and the satisfaction-trap cross tab \[L\].
    pub const SATISFIED_THRESHOLD: SatisfactionLevel = Satisfied;

    /// The level's number, 1 to 7.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::satisfaction::SatisfactionLevel;
    ///
    /// assert_eq!(SatisfactionLevel::Neutral.to_u8(), 4);
    /// ```
    pub const fn to_u8(self) -> u8 {
        self as u8
    }

    /// The level with number `value`, or `None` outside `1..=7`.
    ///
    /// The non-allocating twin of [`TryFrom<u8>`](TryFrom),
    /// for hot loops.
    pub const fn from_u8(value: u8) -> Option<Self> {
        Some(match value {
            1 => VeryDissatisfied,
            2 => Dissatisfied,
            3 => SomewhatDissatisfied,
            4 => Neutral,
            5 => SomewhatSatisfied,
            6 => Satisfied,
            7 => VerySatisfied,
            _ => return None,
        })
    }

    /// Zero-based position in [`ALL`](Self::ALL) (the number minus 1).
    pub(crate) const fn index(self) -> usize {
        self as usize - 1
    }

    /// The Chinese label, e.g. 很不满意 for level 1.
    pub const fn chinese(self) -> &'static str {
        match self {
            VeryDissatisfied => "很不满意",
            Dissatisfied => "不满意",
            SomewhatDissatisfied => "不太满意",
            Neutral => "一般",
            SomewhatSatisfied => "较满意",
            Satisfied => "满意",
            VerySatisfied => "很满意",
        }
    }

    /// The English label, lowercase, e.g. "very dissatisfied" for level 1.
    pub const fn english(self) -> &'static str {
        match self {
            VeryDissatisfied => "very dissatisfied",
            Dissatisfied => "dissatisfied",
            SomewhatDissatisfied => "somewhat dissatisfied",
            Neutral => "neutral",
            SomewhatSatisfied => "somewhat satisfied",
            Satisfied => "satisfied",
            VerySatisfied => "very satisfied",
        }
    }

    /// What a customer at this level feels and does, in English, as the
    /// courseware describes it (see the table on [`SatisfactionLevel`]).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::satisfaction::SatisfactionLevel;
    ///
    /// assert!(SatisfactionLevel::Satisfied.characteristics().contains("recommends"));
    /// ```
    pub const fn characteristics(self) -> &'static str {
        match self {
            VeryDissatisfied => {
                "indignant; complains and spreads negative word of mouth at every chance"
            }
            Dissatisfied => {
                "angry and annoyed; puts up with it and wants amends; may spread negative word of mouth"
            }
            SomewhatDissatisfied => "grumbles and regrets, but asks little and lets it go",
            Neutral => "no marked feeling either way",
            SomewhatSatisfied => "goodwill and approval, though short of higher standards",
            Satisfied => "pleased; praises and recommends to friends and family",
            VerySatisfied => "excited and grateful; expectations exceeded; advocates actively",
        }
    }

    /// The textbook's key words for the level, in Chinese (e.g.
    /// 愤慨、恼怒、投诉、反宣传 for level 1).
    pub const fn characteristics_chinese(self) -> &'static str {
        match self {
            VeryDissatisfied => "愤慨、恼怒、投诉、反宣传",
            Dissatisfied => "气愤、烦恼",
            SomewhatDissatisfied => "抱怨、遗憾",
            Neutral => "无明显正、负情绪",
            SomewhatSatisfied => "好感、肯定、赞许",
            Satisfied => "称心、赞扬、愉快",
            VerySatisfied => "激动、满足、感谢",
        }
    }

    /// Converts an answer on the five-level scale (很不满意, 不满意, 一般,
    /// 满意, 很满意, numbered 1 to 5) to the seven-level scale \[L\].
    ///
    /// Each five-level answer goes to the seven-level answer with the same
    /// label; the two in-between levels (3 不太满意 and 5 较满意) have no
    /// five-level counterpart and are never produced:
    ///
    /// ```text
    /// five-level   1  2  3  4  5
    /// seven-level  1  2  4  6  7
    /// ```
    ///
    /// The mapping keeps both ends, the midpoint and the symmetry of the
    /// scale, and a five-level "satisfied or better" stays a top-2-box
    /// answer. It is this crate's convention, not a published one.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when `answer` is outside `1..=5`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::satisfaction::SatisfactionLevel;
    ///
    /// assert_eq!(SatisfactionLevel::from_five_level(3)?, SatisfactionLevel::Neutral);
    /// assert_eq!(SatisfactionLevel::from_five_level(4)?, SatisfactionLevel::Satisfied);
    /// assert!(SatisfactionLevel::from_five_level(0).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_five_level(answer: u8) -> Result<Self> {
        match answer {
            1 => Ok(VeryDissatisfied),
            2 => Ok(Dissatisfied),
            3 => Ok(Neutral),
            4 => Ok(Satisfied),
            5 => Ok(VerySatisfied),
            _ => Err(Error::InvalidValue {
                what: "five-level satisfaction answer",
                reason: format!("must be in 1..=5, got {answer}"),
            }),
        }
    }

    /// Converts an answer on a 0-10 scale (as in NPS-style questions) to
    /// the seven-level scale by linear rescaling \[L\]:
    ///
    /// ```text
    /// level = 1 + round(6 x / 10)
    ///
    /// x      0  1  2  3  4  5  6  7  8  9  10
    /// level  1  2  2  3  3  4  5  5  6  6  7
    /// ```
    ///
    /// `6 x / 10` is never exactly halfway between two integers for whole
    /// `x`, so the result does not depend on the rounding rule (it is
    /// computed exactly in integers as `1 + (6 x + 5) / 10`). The mapping
    /// keeps both ends and the midpoint (5 -> neutral) and is symmetric
    /// (`x` and `10 - x` land on levels `k` and `8 - k`). It is this
    /// crate's convention, not a published one.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when `answer` is above 10.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::satisfaction::SatisfactionLevel;
    ///
    /// assert_eq!(SatisfactionLevel::from_eleven_point(0)?, SatisfactionLevel::VeryDissatisfied);
    /// assert_eq!(SatisfactionLevel::from_eleven_point(5)?, SatisfactionLevel::Neutral);
    /// assert_eq!(SatisfactionLevel::from_eleven_point(9)?, SatisfactionLevel::Satisfied);
    /// assert!(SatisfactionLevel::from_eleven_point(11).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_eleven_point(answer: u8) -> Result<Self> {
        if answer > 10 {
            return Err(Error::InvalidValue {
                what: "0-10 satisfaction answer",
                reason: format!("must be in 0..=10, got {answer}"),
            });
        }
        // 1 + (6x + 5) / 10 is in 1..=7 for x in 0..=10.
        Self::from_u8(1 + (6 * answer + 5) / 10).ok_or(Error::InvalidValue {
            what: "0-10 satisfaction answer",
            reason: format!("no level for {answer}"),
        })
    }
}

impl TryFrom<u8> for SatisfactionLevel {
    type Error = Error;

    /// The level with number `value`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when `value` is outside `1..=7`.
    fn try_from(value: u8) -> Result<Self> {
        Self::from_u8(value).ok_or_else(|| Error::InvalidValue {
            what: "satisfaction level",
            reason: format!("must be in 1..=7, got {value}"),
        })
    }
}

impl From<SatisfactionLevel> for u8 {
    fn from(level: SatisfactionLevel) -> u8 {
        level.to_u8()
    }
}

impl std::fmt::Display for SatisfactionLevel {
    /// The English label.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.english())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn u8_round_trip_and_rejects() {
        for (i, level) in SatisfactionLevel::ALL.into_iter().enumerate() {
            assert_eq!(level.to_u8() as usize, i + 1);
            assert_eq!(level.index(), i);
            assert_eq!(SatisfactionLevel::try_from(level.to_u8()), Ok(level));
        }
        for bad in [0u8, 8, 255] {
            let err = SatisfactionLevel::try_from(bad).unwrap_err();
            assert!(err.to_string().contains(&bad.to_string()), "{err}");
        }
    }

    #[test]
    fn labels_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for level in SatisfactionLevel::ALL {
            assert!(seen.insert(level.chinese()));
            assert!(seen.insert(level.english()));
            assert!(seen.insert(level.characteristics()));
            assert!(seen.insert(level.characteristics_chinese()));
        }
        assert_eq!(SatisfactionLevel::Neutral.to_string(), "neutral");
    }

    #[test]
    fn five_level() {
        let got: Vec<u8> = (1..=5)
            .map(|a| SatisfactionLevel::from_five_level(a).unwrap().to_u8())
            .collect();
        assert_eq!(got, [1, 2, 4, 6, 7]);
        for a in 1..=5u8 {
            let five = ["很不满意", "不满意", "一般", "满意", "很满意"];
            let level = SatisfactionLevel::from_five_level(a).unwrap();
            assert_eq!(level.chinese(), five[a as usize - 1]);
        }
        assert!(SatisfactionLevel::from_five_level(0).is_err());
        assert!(SatisfactionLevel::from_five_level(6).is_err());
    }

    #[test]
    fn eleven_point() {
        let got: Vec<u8> = (0..=10)
            .map(|a| SatisfactionLevel::from_eleven_point(a).unwrap().to_u8())
            .collect();
        assert_eq!(got, [1, 2, 2, 3, 3, 4, 5, 5, 6, 6, 7]);
        // Nearest level to 1 + 6x/10, computed in floating point.
        for x in 0..=10u8 {
            let exact = 1.0 + 6.0 * f64::from(x) / 10.0;
            let level = SatisfactionLevel::from_eleven_point(x).unwrap();
            assert!((f64::from(level.to_u8()) - exact).abs() < 0.5);
        }
        assert!(SatisfactionLevel::from_eleven_point(11).is_err());
        assert!(SatisfactionLevel::from_eleven_point(255).is_err());
    }
}
