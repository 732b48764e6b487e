//! Why customers leave: a typed list of churn reasons and a tally.

use std::fmt;
use std::str::FromStr;

use crate::{Decimal, Error, Result};

/// Why a customer was lost, for tagging lost customers.
///
/// The six surveyed reasons come with the share of lost customers the
/// course material quotes for each ([`ChurnReason::survey_share`]): death
/// 1 %, moved away 3 %, other relationships 5 %, competition 9 %, product
/// dissatisfaction 14 %, staff attitude (indifference of staff) 68 %. The
/// survey is usually cited without a primary source (often attributed to
/// a US study of why customers leave); the figures are recalled from the
/// course material, not checked against the original \[R\]. `Other` is
/// this crate's catch-all \[L\].
///
/// Serialises as its snake-case English name.
///
/// # Example
///
/// ```
/// use customer_value::Decimal;
/// use customer_value::lifecycle::ChurnReason;
///
/// let total: Decimal = ChurnReason::SURVEYED.iter().filter_map(|r| r.survey_share()).sum();
/// assert_eq!(total, Decimal::ONE);
/// assert_eq!(ChurnReason::StaffAttitude.survey_share(), Some(Decimal::new(68, 2)));
/// assert_eq!("competition".parse::<ChurnReason>()?, ChurnReason::Competition);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum ChurnReason {
    /// The customer died (survey share 1 %).
    Death,
    /// The customer moved away (3 %).
    Moved,
    /// Other relationships: friends or family took them elsewhere (5 %).
    OtherRelationships,
    /// A competitor won them (9 %).
    Competition,
    /// Dissatisfied with the product (14 %).
    ProductDissatisfaction,
    /// Put off by staff attitude or indifference (68 %).
    StaffAttitude,
    /// Any other reason (not in the survey).
    Other,
}

impl ChurnReason {
    /// Every reason, the survey's in its order, then `Other`.
    pub const ALL: [ChurnReason; 7] = [
        ChurnReason::Death,
        ChurnReason::Moved,
        ChurnReason::OtherRelationships,
        ChurnReason::Competition,
        ChurnReason::ProductDissatisfaction,
        ChurnReason::StaffAttitude,
        ChurnReason::Other,
    ];

    /// The six reasons of the survey.
    pub const SURVEYED: [ChurnReason; 6] = [
        ChurnReason::Death,
        ChurnReason::Moved,
        ChurnReason::OtherRelationships,
        ChurnReason::Competition,
        ChurnReason::ProductDissatisfaction,
        ChurnReason::StaffAttitude,
    ];

    /// The share of lost customers the survey gives this reason, exact
    /// (0.01, 0.03, 0.05, 0.09, 0.14, 0.68; they sum to 1) \[R\]; `None`
    /// for [`Other`](ChurnReason::Other).
    pub fn survey_share(self) -> Option<Decimal> {
        let percent = match self {
            ChurnReason::Death => 1,
            ChurnReason::Moved => 3,
            ChurnReason::OtherRelationships => 5,
            ChurnReason::Competition => 9,
            ChurnReason::ProductDissatisfaction => 14,
            ChurnReason::StaffAttitude => 68,
            ChurnReason::Other => return None,
        };
        Some(Decimal::new(percent, 2))
    }

    /// The snake-case English name (`"staff_attitude"`), as serialised.
    pub const fn name(self) -> &'static str {
        match self {
            ChurnReason::Death => "death",
            ChurnReason::Moved => "moved",
            ChurnReason::OtherRelationships => "other_relationships",
            ChurnReason::Competition => "competition",
            ChurnReason::ProductDissatisfaction => "product_dissatisfaction",
            ChurnReason::StaffAttitude => "staff_attitude",
            ChurnReason::Other => "other",
        }
    }

    /// An English label for reports.
    pub const fn english(self) -> &'static str {
        match self {
            ChurnReason::Death => "Death",
            ChurnReason::Moved => "Moved away",
            ChurnReason::OtherRelationships => "Other relationships",
            ChurnReason::Competition => "Competition",
            ChurnReason::ProductDissatisfaction => "Product dissatisfaction",
            ChurnReason::StaffAttitude => "Staff attitude",
            ChurnReason::Other => "Other",
        }
    }

    /// The Chinese label.
    pub const fn chinese(self) -> &'static str {
        match self {
            ChurnReason::Death => "死亡",
            ChurnReason::Moved => "搬迁",
            ChurnReason::OtherRelationships => "其他关系",
            ChurnReason::Competition => "竞争对手",
            ChurnReason::ProductDissatisfaction => "对产品不满",
            ChurnReason::StaffAttitude => "员工态度",
            ChurnReason::Other => "其他",
        }
    }
}

impl fmt::Display for ChurnReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ChurnReason {
    type Err = Error;
    /// Parses the snake-case name or the Chinese label.
    fn from_str(s: &str) -> Result<ChurnReason> {
        ChurnReason::ALL
            .into_iter()
            .find(|r| r.name() == s || r.chinese() == s)
            .ok_or_else(|| Error::InvalidParameter {
                name: "churn reason",
                value: s.to_owned(),
                reason: "expected death, moved, other_relationships, competition, \
                         product_dissatisfaction, staff_attitude or other",
            })
    }
}

/// Counts and shares of lost customers per [`ChurnReason`], next to the
/// survey's shares.
///
/// ```text
/// share(r) = count(r) / total     (None when total = 0)
/// ```
///
/// # Example
///
/// ```
/// use customer_value::lifecycle::{ChurnReason, ChurnReasonReport};
///
/// let tags = [ChurnReason::StaffAttitude, ChurnReason::Competition, ChurnReason::StaffAttitude, ChurnReason::Other];
/// let report = ChurnReasonReport::tally(tags);
/// assert_eq!(report.total(), 4);
/// assert_eq!(report.count(ChurnReason::StaffAttitude), 2);
/// assert_eq!(report.share(ChurnReason::StaffAttitude), Some(0.5));
/// assert_eq!(report.share(ChurnReason::Death), Some(0.0));
/// assert_eq!(ChurnReasonReport::tally([]).share(ChurnReason::Death), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ChurnReasonReport {
    counts: [u64; 7],
}

impl ChurnReasonReport {
    /// Counts the tags of lost customers.
    pub fn tally(reasons: impl IntoIterator<Item = ChurnReason>) -> Self {
        let mut report = Self::default();
        for r in reasons {
            report.add(r);
        }
        report
    }

    /// Adds one tagged customer.
    pub fn add(&mut self, reason: ChurnReason) {
        if let Some(c) = self.counts.get_mut(Self::index(reason)) {
            *c = c.saturating_add(1);
        }
    }

    fn index(reason: ChurnReason) -> usize {
        ChurnReason::ALL
            .iter()
            .position(|&r| r == reason)
            .unwrap_or(ChurnReason::ALL.len() - 1)
    }

    /// Tagged customers in all.
    pub fn total(&self) -> u64 {
        self.counts.iter().fold(0u64, |a, &c| a.saturating_add(c))
    }

    /// Customers tagged with `reason`.
    pub fn count(&self, reason: ChurnReason) -> u64 {
        self.counts.get(Self::index(reason)).copied().unwrap_or(0)
    }

    /// The share of tagged customers with `reason`; `None` when nobody
    /// is tagged.
    pub fn share(&self, reason: ChurnReason) -> Option<f64> {
        let total = self.total();
        (total > 0).then(|| self.count(reason) as f64 / total as f64)
    }

    /// One row per reason in [`ChurnReason::ALL`] order: reason, count,
    /// share, survey share.
    pub fn rows(&self) -> impl Iterator<Item = ReasonRow> + '_ {
        ChurnReason::ALL.into_iter().map(|reason| ReasonRow {
            reason,
            count: self.count(reason),
            share: self.share(reason),
            survey_share: reason.survey_share(),
        })
    }
}

/// One line of a [`ChurnReasonReport`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ReasonRow {
    /// The reason.
    pub reason: ChurnReason,
    /// Customers tagged with it.
    pub count: u64,
    /// Their share of the tagged customers (`None` when nobody is tagged).
    pub share: Option<f64>,
    /// The survey's share ([`ChurnReason::survey_share`]).
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str_option"))]
    pub survey_share: Option<Decimal>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_shares_sum_to_one() {
        for r in ChurnReason::ALL {
            assert_eq!(r.name().parse::<ChurnReason>().unwrap(), r);
            assert_eq!(r.chinese().parse::<ChurnReason>().unwrap(), r);
            assert!(!r.english().is_empty());
        }
        assert!("boredom".parse::<ChurnReason>().is_err());
        let sum: Decimal = ChurnReason::ALL
            .iter()
            .filter_map(|r| r.survey_share())
            .sum();
        assert_eq!(sum, Decimal::ONE);
    }

    #[test]
    fn tally_counts_every_reason() {
        let report = ChurnReasonReport::tally(ChurnReason::ALL);
        assert_eq!(report.total(), 7);
        assert!(report.rows().all(|row| row.count == 1));
    }
}
