//! The merge plan: duplicate groups, canonical ids, and a transaction log
//! remapped without losing a transaction.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use crate::{CustomerId, Result, Summarizer, Summary, Transaction};

use super::duplicates::DuplicateCandidate;

/// Which confirmed pairs to merge and into which id: every group of
/// records linked by the pairs (transitively) keeps its smallest id \[L\]
/// ([spec](crate::identify::spec#merge-plan)).
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Date, Decimal, Summarizer, Transaction};
/// use customer_value::identify::{DuplicateCandidate, MatchReason, MergePlan};
///
/// let c = CustomerId::new;
/// let plan = MergePlan::new(&[
///     DuplicateCandidate { a: c(2), b: c(5), reason: MatchReason::Email },
///     DuplicateCandidate { a: c(5), b: c(9), reason: MatchReason::Phone },
/// ]);
/// assert_eq!(plan.canonical(c(9)), c(2));
/// assert_eq!(plan.groups(), vec![vec![c(2), c(5), c(9)]]);
///
/// let day = Date::parse("2024-01-10")?;
/// let log = [
///     Transaction::new(c(2), day, Decimal::new(10, 0)),
///     Transaction::new(c(9), day.checked_add_days(7)?, Decimal::new(30, 0)),
/// ];
/// let merged = plan.apply(&log)?;
/// assert_eq!(merged.len(), 2); // nothing is lost
/// let summary = Summarizer::builder(Date::parse("2024-02-01")?).build()?.summarize(&merged)?;
/// assert_eq!(summary.customers().len(), 1);
/// assert_eq!(summary.customers()[0].frequency(), 1);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MergePlan {
    /// Every merged id and its canonical id (ids that stay are absent).
    map: BTreeMap<CustomerId, CustomerId>,
}

fn find(parent: &mut FxHashMap<CustomerId, CustomerId>, x: CustomerId) -> CustomerId {
    let mut root = x;
    while let Some(&p) = parent.get(&root) {
        if p == root {
            break;
        }
        root = p;
    }
    // Path compression.
    let mut cur = x;
    while let Some(&p) = parent.get(&cur) {
        if p == root {
            break;
        }
        parent.insert(cur, root);
        cur = p;
    }
    root
}

impl MergePlan {
    /// The plan for the confirmed pairs (the caller reviews the
    /// candidates first: a candidate is not a match).
    pub fn new(pairs: &[DuplicateCandidate]) -> Self {
        let mut parent: FxHashMap<CustomerId, CustomerId> = FxHashMap::default();
        for p in pairs {
            parent.entry(p.a).or_insert(p.a);
            parent.entry(p.b).or_insert(p.b);
            let (ra, rb) = (find(&mut parent, p.a), find(&mut parent, p.b));
            if ra != rb {
                // The smaller root stays the root: the group keeps its smallest id.
                let (keep, go) = (ra.min(rb), ra.max(rb));
                parent.insert(go, keep);
            }
        }
        let ids: Vec<CustomerId> = parent.keys().copied().collect();
        let mut map = BTreeMap::new();
        for id in ids {
            let root = find(&mut parent, id);
            if root != id {
                map.insert(id, root);
            }
        }
        Self { map }
    }

    /// The id a customer's records go to (itself when not merged).
    pub fn canonical(&self, id: CustomerId) -> CustomerId {
        self.map.get(&id).copied().unwrap_or(id)
    }

    /// The merged ids and their canonical ids.
    pub fn remapped(&self) -> &BTreeMap<CustomerId, CustomerId> {
        &self.map
    }

    /// The groups of more than one id, each sorted, canonical id first.
    pub fn groups(&self) -> Vec<Vec<CustomerId>> {
        let mut groups: BTreeMap<CustomerId, Vec<CustomerId>> = BTreeMap::new();
        for (&id, &root) in &self.map {
            groups.entry(root).or_insert_with(|| vec![root]).push(id);
        }
        groups
            .into_values()
            .map(|mut g| {
                g.sort_unstable();
                g
            })
            .collect()
    }

    /// The log with every transaction's customer replaced by its canonical
    /// id; date, amount, quantity and category are kept, and so is the
    /// order. The output has as many transactions as the input.
    ///
    /// # Errors
    ///
    /// None in practice: every field is copied from a valid transaction
    /// ([`Error::InvalidParameter`](crate::Error::InvalidParameter) would mean a quantity of 0).
    pub fn apply(&self, log: &[Transaction]) -> Result<Vec<Transaction>> {
        log.iter()
            .map(|t| {
                let mut n = Transaction::new(self.canonical(t.customer()), t.date(), t.amount());
                if let Some(q) = t.quantity() {
                    n = n.with_quantity(q)?;
                }
                if let Some(c) = t.category() {
                    n = n.with_category(c);
                }
                Ok(n)
            })
            .collect()
    }

    /// The summary of the merged log: [`apply`](Self::apply), then
    /// `summarizer` ([spec](crate::identify::spec#merge-plan)).
    ///
    /// # Errors
    ///
    /// The summarizer's errors (an index in them is a position in `log`,
    /// whose order [`apply`](Self::apply) keeps).
    pub fn summarize(&self, summarizer: &Summarizer, log: &[Transaction]) -> Result<Summary> {
        summarizer.summarize(&self.apply(log)?)
    }
}
