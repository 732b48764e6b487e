//! The satisfaction trap: satisfaction level against loyalty or churn.

use std::hash::Hash;

use rustc_hash::FxHashMap;

use super::{Distribution, SatisfactionLevel};
use crate::{Error, Result};

/// A cross tab of [`SatisfactionLevel`] (rows) against a caller's group
/// label (columns): a loyalty tier, a churned flag, a segment.
///
/// The courseware warns of the *satisfaction trap*: satisfied customers
/// still defect, so satisfaction alone does not predict loyalty. The cross
/// tab shows where that happens; [`trap`](Self::trap) and
/// [`trap_share`](Self::trap_share) answer "what share of the satisfied
/// customers (level 6 or better by default,
/// [`SatisfactionLevel::SATISFIED_THRESHOLD`]) were lost?", with any level
/// as the threshold and any rule for which groups count as lost.
///
/// Groups are kept in the order first seen, so output is deterministic.
/// Cross tabs of shards [`merge`](Self::merge) into the cross tab of all
/// their customers. Each group's column is a [`Distribution`]
/// ([`column`](Self::column)), so every satisfaction statistic is
/// available per group.
///
/// # Example
///
/// ```
/// use customer_value::satisfaction::{SatisfactionCrossTab, SatisfactionLevel};
///
/// // Satisfaction answers and whether each customer churned a year later.
/// let levels = [7, 6, 6, 6, 5, 4, 2, 6, 7, 3]
///     .map(SatisfactionLevel::try_from)
///     .map(Result::unwrap);
/// let churned = [false, true, false, true, true, true, true, false, false, false];
/// let tab = SatisfactionCrossTab::from_slices(&levels, &churned)?;
///
/// let trap = tab.trap(SatisfactionLevel::SATISFIED_THRESHOLD, |&lost| lost);
/// assert_eq!((trap.satisfied(), trap.satisfied_lost()), (6, 2));
/// assert!((trap.satisfied_lost_share()? - 1.0 / 3.0).abs() < 1e-15);
/// // Three of the four less satisfied customers churned.
/// assert_eq!(trap.other_lost_share()?, 0.75);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        try_from = "RawCrossTab<G>",
        bound(
            serialize = "G: serde::Serialize",
            deserialize = "G: serde::Deserialize<'de> + Eq + Hash + Clone"
        )
    )
)]
pub struct SatisfactionCrossTab<G> {
    /// One column per group, in first-seen order.
    columns: Vec<(G, Distribution)>,
    #[cfg_attr(feature = "serde", serde(skip))]
    index: FxHashMap<G, usize>,
    #[cfg_attr(feature = "serde", serde(skip))]
    n: u64,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawCrossTab<G> {
    columns: Vec<(G, Distribution)>,
}

#[cfg(feature = "serde")]
impl<G: Eq + Hash + Clone> TryFrom<RawCrossTab<G>> for SatisfactionCrossTab<G> {
    type Error = Error;
    fn try_from(raw: RawCrossTab<G>) -> Result<Self> {
        let mut tab = SatisfactionCrossTab::new();
        for (group, column) in raw.columns {
            if tab.index.contains_key(&group) {
                return Err(Error::InvalidValue {
                    what: "satisfaction cross tab",
                    reason: format!("group in column {} appears twice", tab.columns.len()),
                });
            }
            tab.add_column(group, &column)?;
        }
        Ok(tab)
    }
}

impl<G: PartialEq> PartialEq for SatisfactionCrossTab<G> {
    /// Equal when the columns (groups, their order and counts) are equal.
    fn eq(&self, other: &Self) -> bool {
        self.columns == other.columns
    }
}

impl<G: Eq> Eq for SatisfactionCrossTab<G> {}

impl<G: Eq + Hash + Clone> Default for SatisfactionCrossTab<G> {
    fn default() -> Self {
        Self::new()
    }
}

fn overflow() -> Error {
    Error::Overflow {
        what: "satisfaction cross tab count",
    }
}

impl<G: Eq + Hash + Clone> SatisfactionCrossTab<G> {
    /// An empty cross tab.
    pub fn new() -> Self {
        Self {
            columns: Vec::new(),
            index: FxHashMap::default(),
            n: 0,
        }
    }

    /// Cross-tabulates parallel slices: customer i answered `levels[i]`
    /// and is in group `groups[i]`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when the slices differ in length.
    pub fn from_slices(levels: &[SatisfactionLevel], groups: &[G]) -> Result<Self> {
        if levels.len() != groups.len() {
            return Err(Error::InvalidParameter {
                name: "cross tab inputs",
                value: format!("{} levels and {} groups", levels.len(), groups.len()),
                reason: "need one group per satisfaction level",
            });
        }
        Self::from_pairs(levels.iter().copied().zip(groups.iter().cloned()))
    }

    /// Cross-tabulates `(level, group)` pairs, one per customer.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when a count would exceed `u64::MAX`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::satisfaction::{SatisfactionCrossTab, SatisfactionLevel::*};
    ///
    /// let tab = SatisfactionCrossTab::from_pairs([(Satisfied, "gold"), (Neutral, "lead")])?;
    /// assert_eq!(tab.groups().collect::<Vec<_>>(), [&"gold", &"lead"]);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_pairs<I>(pairs: I) -> Result<Self>
    where
        I: IntoIterator<Item = (SatisfactionLevel, G)>,
    {
        let mut tab = Self::new();
        for (level, group) in pairs {
            tab.record(level, group)?;
        }
        Ok(tab)
    }

    fn column_mut(&mut self, group: G) -> &mut Distribution {
        let slot = match self.index.get(&group) {
            Some(&slot) => slot,
            None => {
                let slot = self.columns.len();
                self.index.insert(group.clone(), slot);
                self.columns.push((group, Distribution::new()));
                slot
            }
        };
        &mut self.columns[slot].1
    }

    fn add_column(&mut self, group: G, column: &Distribution) -> Result<()> {
        let n = self.n.checked_add(column.n()).ok_or_else(overflow)?;
        self.column_mut(group).merge(column)?;
        self.n = n;
        Ok(())
    }

    /// Adds one customer.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the total would exceed `u64::MAX`.
    pub fn record(&mut self, level: SatisfactionLevel, group: G) -> Result<()> {
        let n = self.n.checked_add(1).ok_or_else(overflow)?;
        self.column_mut(group).record(level)?;
        self.n = n;
        Ok(())
    }

    /// Adds the customers of `other` (another shard); groups new to `self`
    /// are appended in `other`'s order.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the total would exceed `u64::MAX`; `self`
    /// is then unchanged.
    pub fn merge(&mut self, other: &SatisfactionCrossTab<G>) -> Result<()> {
        self.n.checked_add(other.n).ok_or_else(overflow)?;
        for (group, column) in &other.columns {
            // Cannot fail: every count is at most the total, checked above.
            self.add_column(group.clone(), column)?;
        }
        Ok(())
    }

    /// The groups, in first-seen order.
    pub fn groups(&self) -> impl ExactSizeIterator<Item = &G> {
        self.columns.iter().map(|(g, _)| g)
    }

    /// The columns: each group with its [`Distribution`] of levels, in
    /// first-seen order.
    pub fn columns(&self) -> &[(G, Distribution)] {
        &self.columns
    }

    /// One group's [`Distribution`] of levels, or `None` for a group never
    /// seen.
    pub fn column(&self, group: &G) -> Option<&Distribution> {
        self.index
            .get(group)
            .and_then(|&slot| self.columns.get(slot))
            .map(|(_, d)| d)
    }

    /// The number of customers at `level` in `group` (0 for a group never
    /// seen).
    pub fn count(&self, level: SatisfactionLevel, group: &G) -> u64 {
        self.column(group).map_or(0, |d| d.count(level))
    }

    /// The number of customers in `group` (the column total).
    pub fn group_total(&self, group: &G) -> u64 {
        self.column(group).map_or(0, Distribution::n)
    }

    /// The number of customers at `level`, over all groups (the row
    /// total).
    pub fn level_total(&self, level: SatisfactionLevel) -> u64 {
        // Each count is at most n, and their sum is too.
        self.columns.iter().map(|(_, d)| d.count(level)).sum()
    }

    /// The levels of all customers, groups pooled (the row totals).
    pub fn levels(&self) -> Distribution {
        let mut counts = [0u64; 7];
        for (_, d) in &self.columns {
            for (c, x) in counts.iter_mut().zip(d.counts()) {
                *c += x;
            }
        }
        // The sum is n, which fits.
        Distribution::from_counts(counts).unwrap_or_default()
    }

    /// The number of customers.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// Of the customers at `level`, the share in `group` (row share).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when no customer is at `level`.
    pub fn row_share(&self, level: SatisfactionLevel, group: &G) -> Result<f64> {
        let total = self.level_total(level);
        if total == 0 {
            return Err(Error::InvalidValue {
                what: "satisfaction cross tab",
                reason: format!("no customers at level {} ({level})", level.to_u8()),
            });
        }
        Ok(self.count(level, group) as f64 / total as f64)
    }

    /// Of the customers in `group`, the share at `level` (column share).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when the group has no customers.
    pub fn column_share(&self, level: SatisfactionLevel, group: &G) -> Result<f64> {
        match self.column(group) {
            Some(d) => d.share(level),
            None => Err(Error::InvalidValue {
                what: "satisfaction cross tab",
                reason: "no customers in the group".to_string(),
            }),
        }
    }

    /// Splits the customers at `threshold` and counts who was lost on each
    /// side; `lost` says which groups count as lost (churned, disloyal).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::satisfaction::{SatisfactionCrossTab, SatisfactionLevel::*};
    ///
    /// #[derive(Clone, PartialEq, Eq, Hash)]
    /// enum Tier { Loyal, Switcher }
    ///
    /// let tab = SatisfactionCrossTab::from_pairs([
    ///     (VerySatisfied, Tier::Loyal),
    ///     (Satisfied, Tier::Switcher),
    ///     (SomewhatSatisfied, Tier::Loyal),
    ///     (Neutral, Tier::Switcher),
    /// ])?;
    /// // Counting "somewhat satisfied" (5) as satisfied too.
    /// let trap = tab.trap(SomewhatSatisfied, |t| *t == Tier::Switcher);
    /// assert_eq!((trap.satisfied(), trap.satisfied_lost()), (3, 1));
    /// assert_eq!((trap.others(), trap.others_lost()), (1, 1));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn trap(&self, threshold: SatisfactionLevel, lost: impl Fn(&G) -> bool) -> TrapReport {
        let mut r = TrapReport {
            threshold,
            satisfied: 0,
            satisfied_lost: 0,
            others: 0,
            others_lost: 0,
        };
        for (group, d) in &self.columns {
            let is_lost = lost(group);
            for level in SatisfactionLevel::ALL {
                let c = d.count(level);
                // Every partial sum is at most n, which fits.
                if level >= threshold {
                    r.satisfied += c;
                    if is_lost {
                        r.satisfied_lost += c;
                    }
                } else {
                    r.others += c;
                    if is_lost {
                        r.others_lost += c;
                    }
                }
            }
        }
        r
    }

    /// The share of customers at `threshold` or above who were lost: the
    /// satisfaction trap in one number.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when no customer is at `threshold` or above.
    pub fn trap_share(
        &self,
        threshold: SatisfactionLevel,
        lost: impl Fn(&G) -> bool,
    ) -> Result<f64> {
        self.trap(threshold, lost).satisfied_lost_share()
    }
}

/// Satisfied and other customers, and how many of each were lost: the
/// result of [`SatisfactionCrossTab::trap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TrapReport {
    threshold: SatisfactionLevel,
    satisfied: u64,
    satisfied_lost: u64,
    others: u64,
    others_lost: u64,
}

impl TrapReport {
    /// The lowest level counted as satisfied.
    pub fn threshold(&self) -> SatisfactionLevel {
        self.threshold
    }

    /// Customers at the threshold or above.
    pub fn satisfied(&self) -> u64 {
        self.satisfied
    }

    /// Satisfied customers who were lost: the satisfied-but-disloyal.
    pub fn satisfied_lost(&self) -> u64 {
        self.satisfied_lost
    }

    /// Customers below the threshold.
    pub fn others(&self) -> u64 {
        self.others
    }

    /// Customers below the threshold who were lost.
    pub fn others_lost(&self) -> u64 {
        self.others_lost
    }

    /// `satisfied_lost / satisfied`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when no customer is satisfied.
    pub fn satisfied_lost_share(&self) -> Result<f64> {
        share(
            self.satisfied_lost,
            self.satisfied,
            "at or above",
            self.threshold,
        )
    }

    /// `others_lost / others`, to compare with
    /// [`satisfied_lost_share`](Self::satisfied_lost_share).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when every customer is satisfied.
    pub fn other_lost_share(&self) -> Result<f64> {
        share(self.others_lost, self.others, "below", self.threshold)
    }
}

fn share(part: u64, whole: u64, side: &str, threshold: SatisfactionLevel) -> Result<f64> {
    if whole == 0 {
        return Err(Error::InvalidValue {
            what: "satisfaction trap",
            reason: format!("no customers {side} level {}", threshold.to_u8()),
        });
    }
    Ok(part as f64 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use SatisfactionLevel::*;

    #[test]
    fn from_slices_valid_and_mismatch() {
        let tab = SatisfactionCrossTab::from_slices(&[Satisfied, Neutral], &[true, false]).unwrap();
        assert_eq!(tab.n(), 2);
        assert_eq!(tab.count(Satisfied, &true), 1);
        assert_eq!(tab.count(Satisfied, &false), 0);
        assert!(matches!(
            SatisfactionCrossTab::from_slices(&[Satisfied], &[true, false]),
            Err(Error::InvalidParameter { .. })
        ));
    }

    #[test]
    fn shares_and_errors() {
        let tab = SatisfactionCrossTab::from_pairs([
            (Satisfied, 'a'),
            (Satisfied, 'b'),
            (Satisfied, 'b'),
            (Neutral, 'a'),
        ])
        .unwrap();
        assert!((tab.row_share(Satisfied, &'b').unwrap() - 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(tab.column_share(Neutral, &'a').unwrap(), 0.5);
        assert!(tab.row_share(VerySatisfied, &'a').is_err());
        assert!(tab.column_share(Neutral, &'z').is_err());
        assert_eq!(tab.levels().counts(), [0, 0, 0, 1, 0, 3, 0]);
        assert_eq!(tab.level_total(Satisfied), 3);
        assert_eq!(tab.group_total(&'b'), 2);
        let trap = tab.trap(Satisfied, |&g| g == 'b');
        assert_eq!(trap.threshold(), Satisfied);
        assert!(trap.other_lost_share().is_ok());
        let high = tab.trap(VerySatisfied, |_| true);
        assert!(high.satisfied_lost_share().is_err());
        assert!(tab.trap_share(VeryDissatisfied, |_| true).is_ok());
        assert!(
            tab.trap(VeryDissatisfied, |_| true)
                .other_lost_share()
                .is_err()
        );
    }

    #[test]
    fn merge_and_overflow() {
        let mut a = SatisfactionCrossTab::from_pairs([(Satisfied, 1u8)]).unwrap();
        let b = SatisfactionCrossTab::from_pairs([(Neutral, 2u8), (Satisfied, 1)]).unwrap();
        a.merge(&b).unwrap();
        let all =
            SatisfactionCrossTab::from_pairs([(Satisfied, 1u8), (Neutral, 2), (Satisfied, 1)])
                .unwrap();
        assert_eq!(a, all);
        assert_eq!(a.n(), 3);
        let mut big = SatisfactionCrossTab::new();
        big.add_column(
            0u8,
            &Distribution::from_counts([u64::MAX, 0, 0, 0, 0, 0, 0]).unwrap(),
        )
        .unwrap();
        assert!(big.record(Neutral, 1).is_err());
        assert!(big.merge(&all).is_err());
        assert_eq!(big.n(), u64::MAX);
        assert_eq!(big.columns().len(), 1);
    }
}
