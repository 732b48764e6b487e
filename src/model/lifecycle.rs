//! The stages of a customer relationship.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// Where a customer stands in the relationship life cycle.
///
/// The four middle stages are the Chinese CRM textbooks' 考察期, 形成期,
/// 稳定期 and 退化期 (often attributed to 陈明亮 2003); `Prospect` (no purchase
/// yet) and `Churned` (inactive beyond a caller-set limit) bracket them.
/// They correspond approximately to Dwyer, Schurr & Oh's (1987) phases
/// awareness, exploration, expansion, commitment and dissolution; see
/// [`LifecycleStage::dwyer_phases`]. The correspondence is this crate's
/// reading, not a published mapping.
///
/// This type only names the stages; the rules that assign one from a
/// purchase history come with the lifecycle scorer. It is
/// `#[non_exhaustive]` because stages may be added.
///
/// Serialises as its snake-case English name (`"stability"`).
///
/// # Example
/// ```
/// use customer_value::{DwyerPhase, LifecycleStage};
///
/// let s: LifecycleStage = "formation".parse()?;
/// assert_eq!(s.chinese_name(), "形成期");
/// assert_eq!(s.dwyer_phases(), &[DwyerPhase::Expansion]);
/// assert!(LifecycleStage::Exploration < LifecycleStage::Stability);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum LifecycleStage {
    /// Known to the business but has not bought yet.
    Prospect,
    /// 考察期: the relationship is being tried out; first purchases.
    Exploration,
    /// 形成期: the relationship grows quickly; spending rises.
    Formation,
    /// 稳定期: the mature, ideal stage; spending is high and steady.
    Stability,
    /// 退化期: the relationship reverses; spending falls or stops.
    Decline,
    /// Lost: inactive beyond the caller's limit.
    Churned,
}

/// Dwyer, Schurr & Oh's (1987) phases of a buyer-seller relationship.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum DwyerPhase {
    /// The parties notice each other; no exchange yet.
    Awareness,
    /// Trial purchases; the parties test each other.
    Exploration,
    /// Benefits grow and interdependence deepens.
    Expansion,
    /// An implicit or explicit pledge to continue.
    Commitment,
    /// Withdrawal and the end of the relationship.
    Dissolution,
}

impl LifecycleStage {
    /// Every stage, in life-cycle order.
    pub const ALL: [LifecycleStage; 6] = [
        LifecycleStage::Prospect,
        LifecycleStage::Exploration,
        LifecycleStage::Formation,
        LifecycleStage::Stability,
        LifecycleStage::Decline,
        LifecycleStage::Churned,
    ];

    /// The snake-case English name, as serialised and parsed.
    pub const fn name(self) -> &'static str {
        match self {
            LifecycleStage::Prospect => "prospect",
            LifecycleStage::Exploration => "exploration",
            LifecycleStage::Formation => "formation",
            LifecycleStage::Stability => "stability",
            LifecycleStage::Decline => "decline",
            LifecycleStage::Churned => "churned",
        }
    }

    /// The textbook's Chinese name.
    pub const fn chinese_name(self) -> &'static str {
        match self {
            LifecycleStage::Prospect => "潜在客户",
            LifecycleStage::Exploration => "考察期",
            LifecycleStage::Formation => "形成期",
            LifecycleStage::Stability => "稳定期",
            LifecycleStage::Decline => "退化期",
            LifecycleStage::Churned => "流失",
        }
    }

    /// The Dwyer, Schurr & Oh (1987) phases this stage corresponds to
    /// (approximately; see the type's documentation).
    pub const fn dwyer_phases(self) -> &'static [DwyerPhase] {
        match self {
            LifecycleStage::Prospect => &[DwyerPhase::Awareness],
            LifecycleStage::Exploration => &[DwyerPhase::Awareness, DwyerPhase::Exploration],
            LifecycleStage::Formation => &[DwyerPhase::Expansion],
            LifecycleStage::Stability => &[DwyerPhase::Commitment],
            LifecycleStage::Decline | LifecycleStage::Churned => &[DwyerPhase::Dissolution],
        }
    }
}

impl fmt::Display for LifecycleStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for LifecycleStage {
    type Err = Error;
    fn from_str(s: &str) -> Result<LifecycleStage, Error> {
        LifecycleStage::ALL
            .into_iter()
            .find(|stage| stage.name() == s || stage.chinese_name() == s)
            .ok_or_else(|| Error::InvalidParameter {
                name: "lifecycle stage",
                value: s.to_owned(),
                reason: "expected prospect, exploration, formation, stability, decline or churned",
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for stage in LifecycleStage::ALL {
            assert_eq!(stage.name().parse::<LifecycleStage>().unwrap(), stage);
            assert_eq!(
                stage.chinese_name().parse::<LifecycleStage>().unwrap(),
                stage
            );
            assert!(!stage.dwyer_phases().is_empty());
        }
        assert!("unknown".parse::<LifecycleStage>().is_err());
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_names() {
        let json = serde_json::to_string(&LifecycleStage::Decline).unwrap();
        assert_eq!(json, "\"decline\"");
        assert!(serde_json::from_str::<LifecycleStage>("\"dead\"").is_err());
    }
}
