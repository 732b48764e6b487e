//! Loyalty classifications of the courseware: the five loyalty types and
//! Dick & Basu's attitude x repeat-patronage matrix.

use std::fmt;

use super::index::LoyaltyScore;
use crate::{Error, Result, Scorer};

/// The five loyalty types of the CRM courseware, named by what keeps the
/// customer buying.
///
/// [`LoyaltyType::ALL`] lists them in the crate's precedence order, used
/// by [`LoyaltySignals::classify`] when several signals are present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum LoyaltyType {
    /// Super-value loyalty (超值忠诚): the customer perceives value beyond
    /// what competitors offer.
    SuperValue,
    /// Incentive loyalty (激励忠诚): rewards and loyalty programmes keep
    /// the customer.
    Incentive,
    /// Price loyalty (价格忠诚): the customer stays for the price.
    Price,
    /// Inertia loyalty (惰性忠诚): habit or switching costs keep the
    /// customer from looking elsewhere.
    Inertia,
    /// Monopoly loyalty (垄断忠诚): the customer has no alternative
    /// supplier.
    Monopoly,
}

impl LoyaltyType {
    /// The five types in precedence order: super-value, incentive, price,
    /// inertia, monopoly.
    pub const ALL: [LoyaltyType; 5] = [
        LoyaltyType::SuperValue,
        LoyaltyType::Incentive,
        LoyaltyType::Price,
        LoyaltyType::Inertia,
        LoyaltyType::Monopoly,
    ];

    /// The English name, e.g. `"super-value"`.
    pub fn english(self) -> &'static str {
        match self {
            LoyaltyType::SuperValue => "super-value",
            LoyaltyType::Incentive => "incentive",
            LoyaltyType::Price => "price",
            LoyaltyType::Inertia => "inertia",
            LoyaltyType::Monopoly => "monopoly",
        }
    }

    /// The Chinese name, e.g. `"超值忠诚"`.
    pub fn chinese(self) -> &'static str {
        match self {
            LoyaltyType::SuperValue => "超值忠诚",
            LoyaltyType::Incentive => "激励忠诚",
            LoyaltyType::Price => "价格忠诚",
            LoyaltyType::Inertia => "惰性忠诚",
            LoyaltyType::Monopoly => "垄断忠诚",
        }
    }
}

impl fmt::Display for LoyaltyType {
    /// The English name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.english())
    }
}

/// What the caller knows about why a customer keeps buying (from surveys,
/// market data or account data); [`classify`](Self::classify) names the
/// [`LoyaltyType`].
///
/// | signal | type |
/// |---|---|
/// | [`perceives_super_value`](Self::perceives_super_value) | [`LoyaltyType::SuperValue`] |
/// | [`buys_for_incentives`](Self::buys_for_incentives) | [`LoyaltyType::Incentive`] |
/// | [`buys_on_price`](Self::buys_on_price) | [`LoyaltyType::Price`] |
/// | [`habit_or_switching_cost`](Self::habit_or_switching_cost) | [`LoyaltyType::Inertia`] |
/// | [`no_alternative`](Self::no_alternative) | [`LoyaltyType::Monopoly`] |
///
/// # Precedence \[L\]
///
/// When several signals are present the first type in [`LoyaltyType::ALL`]
/// wins: super-value, incentive, price, inertia, monopoly. The type names
/// the most voluntary reason the customer stays (the one that would still
/// hold if the others went away); the structural reasons (inertia, no
/// alternative) name the type only when no reason of choice is signalled.
/// The courseware gives no rule for overlaps; [`matching`](Self::matching)
/// lists every signalled type for callers who want another one.
///
/// # Example
///
/// ```
/// use customer_value::loyalty::{LoyaltySignals, LoyaltyType};
///
/// let captive = LoyaltySignals::none().no_alternative(true);
/// assert_eq!(captive.classify(), Some(LoyaltyType::Monopoly));
/// let both = captive.buys_on_price(true);
/// assert_eq!(both.classify(), Some(LoyaltyType::Price));
/// assert_eq!(both.matching(), [LoyaltyType::Price, LoyaltyType::Monopoly]);
/// assert_eq!(LoyaltySignals::none().classify(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LoyaltySignals {
    no_alternative: bool,
    habit_or_switching_cost: bool,
    buys_on_price: bool,
    buys_for_incentives: bool,
    perceives_super_value: bool,
}

impl LoyaltySignals {
    /// No signal set.
    pub fn none() -> Self {
        Self::default()
    }

    /// No alternative supplier is available (monopoly).
    pub fn no_alternative(mut self, yes: bool) -> Self {
        self.no_alternative = yes;
        self
    }

    /// Habit or switching costs keep the customer (inertia).
    pub fn habit_or_switching_cost(mut self, yes: bool) -> Self {
        self.habit_or_switching_cost = yes;
        self
    }

    /// The customer buys on price (price).
    pub fn buys_on_price(mut self, yes: bool) -> Self {
        self.buys_on_price = yes;
        self
    }

    /// The customer buys for rewards or incentives (incentive).
    pub fn buys_for_incentives(mut self, yes: bool) -> Self {
        self.buys_for_incentives = yes;
        self
    }

    /// The customer perceives super value (super-value).
    pub fn perceives_super_value(mut self, yes: bool) -> Self {
        self.perceives_super_value = yes;
        self
    }

    fn has(&self, t: LoyaltyType) -> bool {
        match t {
            LoyaltyType::SuperValue => self.perceives_super_value,
            LoyaltyType::Incentive => self.buys_for_incentives,
            LoyaltyType::Price => self.buys_on_price,
            LoyaltyType::Inertia => self.habit_or_switching_cost,
            LoyaltyType::Monopoly => self.no_alternative,
        }
    }

    /// The loyalty type by precedence, `None` when no signal is set.
    pub fn classify(&self) -> Option<LoyaltyType> {
        LoyaltyType::ALL.into_iter().find(|&t| self.has(t))
    }

    /// Every signalled type, in precedence order.
    pub fn matching(&self) -> Vec<LoyaltyType> {
        LoyaltyType::ALL
            .into_iter()
            .filter(|&t| self.has(t))
            .collect()
    }
}

/// A cell of Dick & Basu's (1994) loyalty matrix: relative attitude x
/// repeat patronage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum DickBasuClass {
    /// High relative attitude, high repeat patronage.
    True,
    /// High relative attitude, low repeat patronage.
    Latent,
    /// Low relative attitude, high repeat patronage.
    Spurious,
    /// Low relative attitude, low repeat patronage.
    NoLoyalty,
}

impl DickBasuClass {
    /// The cell of a high/low attitude and a high/low patronage.
    pub fn new(high_attitude: bool, high_patronage: bool) -> Self {
        match (high_attitude, high_patronage) {
            (true, true) => DickBasuClass::True,
            (true, false) => DickBasuClass::Latent,
            (false, true) => DickBasuClass::Spurious,
            (false, false) => DickBasuClass::NoLoyalty,
        }
    }

    /// The English name: `"true loyalty"`, `"latent loyalty"`,
    /// `"spurious loyalty"`, `"no loyalty"`.
    pub fn english(self) -> &'static str {
        match self {
            DickBasuClass::True => "true loyalty",
            DickBasuClass::Latent => "latent loyalty",
            DickBasuClass::Spurious => "spurious loyalty",
            DickBasuClass::NoLoyalty => "no loyalty",
        }
    }
}

impl fmt::Display for DickBasuClass {
    /// The English name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.english())
    }
}

/// Dick & Basu's attitude x repeat-patronage matrix with the caller's
/// thresholds.
///
/// # Rule
///
/// \[R: Dick, A.S. & Basu, K. (1994), "Customer loyalty: toward an
/// integrated conceptual framework", *J. Academy of Marketing Science*
/// 22(2):99-113; thresholds L\]
///
/// ```text
/// high attitude   if attitude  >= attitude threshold
/// high patronage  if patronage >= patronage threshold
///                  patronage high   patronage low
/// attitude high    True             Latent
/// attitude low     Spurious         NoLoyalty
/// ```
///
/// The defaults ([`DickBasu::default`]) are 50 on both axes, for scores on
/// a 0-100 scale such as the index's sub-indices \[L\].
/// [`DickBasu::classify_score`] (and the [`Scorer`] impl) read a
/// [`LoyaltyScore`] with the A3 (emotional) sub-index as relative attitude
/// and the A1 (relationship duration: duration, frequency, trend)
/// sub-index as repeat patronage \[L\].
///
/// # Example
///
/// ```
/// use customer_value::loyalty::{DickBasu, DickBasuClass};
///
/// let m = DickBasu::default();
/// assert_eq!(m.classify(80.0, 20.0)?, DickBasuClass::Latent);
/// assert_eq!(m.classify(50.0, 50.0)?, DickBasuClass::True); // at the threshold counts as high
/// let strict = DickBasu::new(70.0, 60.0)?;
/// assert_eq!(strict.classify(65.0, 90.0)?, DickBasuClass::Spurious);
/// assert!(m.classify(f64::NAN, 1.0).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawDickBasu"))]
pub struct DickBasu {
    attitude_threshold: f64,
    patronage_threshold: f64,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawDickBasu {
    attitude_threshold: f64,
    patronage_threshold: f64,
}

#[cfg(feature = "serde")]
impl TryFrom<RawDickBasu> for DickBasu {
    type Error = Error;
    fn try_from(raw: RawDickBasu) -> Result<Self> {
        DickBasu::new(raw.attitude_threshold, raw.patronage_threshold)
    }
}

impl Default for DickBasu {
    fn default() -> Self {
        Self {
            attitude_threshold: 50.0,
            patronage_threshold: 50.0,
        }
    }
}

fn check_finite(name: &'static str, x: f64) -> Result<()> {
    if !x.is_finite() {
        return Err(Error::InvalidParameter {
            name,
            value: x.to_string(),
            reason: "must be finite",
        });
    }
    Ok(())
}

impl DickBasu {
    /// A matrix with these thresholds (values at a threshold count as
    /// high).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when a threshold is NaN or infinite.
    pub fn new(attitude_threshold: f64, patronage_threshold: f64) -> Result<Self> {
        check_finite("attitude threshold", attitude_threshold)?;
        check_finite("patronage threshold", patronage_threshold)?;
        Ok(Self {
            attitude_threshold,
            patronage_threshold,
        })
    }

    /// Attitudes at or above this are high.
    pub fn attitude_threshold(&self) -> f64 {
        self.attitude_threshold
    }

    /// Patronage at or above this is high.
    pub fn patronage_threshold(&self) -> f64 {
        self.patronage_threshold
    }

    /// The cell of a relative attitude and a repeat patronage.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when either is NaN or infinite.
    pub fn classify(&self, attitude: f64, patronage: f64) -> Result<DickBasuClass> {
        check_finite("attitude", attitude)?;
        check_finite("patronage", patronage)?;
        Ok(DickBasuClass::new(
            attitude >= self.attitude_threshold,
            patronage >= self.patronage_threshold,
        ))
    }

    /// The cell of a [`LoyaltyScore`]: A3 as attitude, A1 as patronage.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when the A1 or A3 sub-index is missing.
    ///
    /// # Example
    ///
    /// See [`LoyaltyIndex`](super::LoyaltyIndex) for computing scores;
    /// `DickBasu::default().classify_score(&score)?` then places them.
    pub fn classify_score(&self, score: &LoyaltyScore) -> Result<DickBasuClass> {
        let (Some(patronage), Some(attitude)) = (score.a1(), score.a3()) else {
            return Err(Error::InvalidValue {
                what: "loyalty score",
                reason: format!(
                    "the A1 and A3 sub-indices are needed for the Dick & Basu matrix, got A1 {:?}, A3 {:?}",
                    score.a1(),
                    score.a3()
                ),
            });
        };
        self.classify(attitude, patronage)
    }
}

impl Scorer for DickBasu {
    type Input = LoyaltyScore;
    type Score = DickBasuClass;

    /// [`DickBasu::classify_score`].
    fn score(&self, input: &LoyaltyScore) -> Result<DickBasuClass> {
        self.classify_score(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_and_all_types() {
        let all = LoyaltySignals::none()
            .no_alternative(true)
            .habit_or_switching_cost(true)
            .buys_on_price(true)
            .buys_for_incentives(true)
            .perceives_super_value(true);
        assert_eq!(all.classify(), Some(LoyaltyType::SuperValue));
        assert_eq!(all.matching(), LoyaltyType::ALL.to_vec());
        let single = [
            (
                LoyaltySignals::none().no_alternative(true),
                LoyaltyType::Monopoly,
            ),
            (
                LoyaltySignals::none().habit_or_switching_cost(true),
                LoyaltyType::Inertia,
            ),
            (
                LoyaltySignals::none().buys_on_price(true),
                LoyaltyType::Price,
            ),
            (
                LoyaltySignals::none().buys_for_incentives(true),
                LoyaltyType::Incentive,
            ),
            (
                LoyaltySignals::none().perceives_super_value(true),
                LoyaltyType::SuperValue,
            ),
        ];
        for (s, t) in single {
            assert_eq!(s.classify(), Some(t));
            assert!(!t.english().is_empty() && t.chinese().ends_with("忠诚"));
        }
    }

    #[test]
    fn dick_basu_valid_and_invalid() {
        let m = DickBasu::default();
        assert_eq!(m.classify(90.0, 90.0).unwrap(), DickBasuClass::True);
        assert_eq!(m.classify(90.0, 10.0).unwrap(), DickBasuClass::Latent);
        assert_eq!(m.classify(10.0, 90.0).unwrap(), DickBasuClass::Spurious);
        assert_eq!(m.classify(10.0, 10.0).unwrap(), DickBasuClass::NoLoyalty);
        assert_eq!(m.classify(49.999, 50.0).unwrap(), DickBasuClass::Spurious);
        assert!(DickBasu::new(f64::NAN, 1.0).is_err());
        assert!(DickBasu::new(1.0, f64::INFINITY).is_err());
        assert!(m.classify(1.0, f64::NAN).is_err());
    }
}
