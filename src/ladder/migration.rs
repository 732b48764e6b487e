//! Migration between rungs from one date to another: counts and shares.

use rustc_hash::FxHashMap;

use crate::clv::TransitionMatrix;
use crate::{CustomerId, Decimal, Error, Result, Scored};

use super::rules::Rung;

const N: usize = Rung::ALL.len();

/// Counts of customers by rung at an earlier date (rows) and a later date
/// (columns) ([spec](crate::ladder::spec#migration)).
///
/// A customer present at one date only is counted as a
/// [`Prospect`](Rung::Prospect) at the other \[L\]: not yet won, or no
/// longer buying. Rows also give each rung's shares (the empirical
/// transition probabilities) and a [`TransitionMatrix`] for the Markov
/// model of [`clv`](crate::clv).
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Scored};
/// use customer_value::ladder::{Migration, Rung};
///
/// let at = |id: u64, rung: Rung| Scored { customer: CustomerId::new(id), score: rung };
/// let january = [at(1, Rung::Customer), at(2, Rung::Customer), at(3, Rung::Purchaser)];
/// let june = [at(1, Rung::Supporter), at(2, Rung::Customer), at(4, Rung::Purchaser)];
/// let m = Migration::between(&january, &june)?;
/// assert_eq!(m.count(Rung::Customer, Rung::Supporter), 1);
/// assert_eq!(m.count(Rung::Purchaser, Rung::Prospect), 1); // customer 3 lapsed
/// assert_eq!(m.count(Rung::Prospect, Rung::Purchaser), 1); // customer 4 is new
/// assert_eq!((m.up(), m.down(), m.same()), (2, 1, 1));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Migration {
    counts: [[u64; N]; N],
}

fn index(rungs: &[Scored<Rung>], which: &str) -> Result<FxHashMap<CustomerId, Rung>> {
    let mut map = FxHashMap::with_capacity_and_hasher(rungs.len(), Default::default());
    for s in rungs {
        if map.insert(s.customer, s.score).is_some() {
            return Err(Error::InvalidValue {
                what: "ladder migration",
                reason: format!("customer {} appears twice in the {which} rungs", s.customer),
            });
        }
    }
    Ok(map)
}

impl Migration {
    /// Counts the moves between two assignments of rungs (from
    /// [`Scorer::score_keyed`](crate::Scorer::score_keyed), say).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] (`ladder migration`) when a customer
    /// appears twice in one assignment.
    pub fn between(before: &[Scored<Rung>], after: &[Scored<Rung>]) -> Result<Self> {
        let earlier = index(before, "earlier")?;
        let later = index(after, "later")?;
        let mut counts = [[0u64; N]; N];
        for s in before {
            let to = later.get(&s.customer).copied().unwrap_or(Rung::Prospect);
            counts[s.score.index()][to.index()] += 1;
        }
        for s in after {
            if !earlier.contains_key(&s.customer) {
                counts[Rung::Prospect.index()][s.score.index()] += 1;
            }
        }
        Ok(Self { counts })
    }

    /// Customers on rung `from` at the earlier date and `to` at the later.
    pub fn count(&self, from: Rung, to: Rung) -> u64 {
        self.counts[from.index()][to.index()]
    }

    /// The counts, rows = earlier rung, columns = later rung, in
    /// [`Rung::ALL`] order.
    pub fn counts(&self) -> &[[u64; N]; N] {
        &self.counts
    }

    /// Customers counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    fn sum_where(&self, keep: impl Fn(usize, usize) -> bool) -> u64 {
        let mut sum = 0;
        for (i, row) in self.counts.iter().enumerate() {
            for (j, &c) in row.iter().enumerate() {
                if keep(i, j) {
                    sum += c;
                }
            }
        }
        sum
    }

    /// Customers who climbed at least one rung.
    pub fn up(&self) -> u64 {
        self.sum_where(|i, j| j > i)
    }

    /// Customers who fell at least one rung.
    pub fn down(&self) -> u64 {
        self.sum_where(|i, j| j < i)
    }

    /// Customers on the same rung at both dates.
    pub fn same(&self) -> u64 {
        self.sum_where(|i, j| i == j)
    }

    /// The row of `from` as shares of its total (exact decimals), or
    /// `None` when no customer started on `from`.
    pub fn shares(&self, from: Rung) -> Option<[Decimal; N]> {
        let row = &self.counts[from.index()];
        let total: u64 = row.iter().sum();
        if total == 0 {
            return None;
        }
        let total = Decimal::from(total);
        Some(row.map(|c| Decimal::from(c) / total))
    }

    /// The shares as a [`TransitionMatrix`]; a rung that no customer
    /// started on keeps its customers (a row of the identity) \[L\].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] only if rounded shares miss 1 by more than
    /// the matrix's tolerance, which exact decimals of at most 28 digits
    /// do not.
    pub fn transition_matrix(&self) -> Result<TransitionMatrix> {
        let rows = Rung::ALL
            .iter()
            .map(|&from| match self.shares(from) {
                Some(row) => row.to_vec(),
                None => Rung::ALL
                    .iter()
                    .map(|&to| {
                        if to == from {
                            Decimal::ONE
                        } else {
                            Decimal::ZERO
                        }
                    })
                    .collect(),
            })
            .collect();
        TransitionMatrix::new(rows)
    }
}
