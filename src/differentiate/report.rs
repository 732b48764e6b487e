//! What a population classification returns: each customer's tier and a
//! report per tier.

use std::fmt;

use super::rank::{checked_sum, share};
use crate::{CustomerId, Decimal, Result, Scored};

mod sealed {
    pub trait Sealed {}
}

/// The tiers of one classification ([`AbcClass`](super::AbcClass),
/// [`PyramidTier`](super::PyramidTier), [`Quadrant`](super::Quadrant)).
///
/// Sealed: implemented only by this crate's tier enums. Reports list the
/// tiers in the order of [`Tier::ALL`].
pub trait Tier: Copy + Eq + fmt::Debug + sealed::Sealed + 'static {
    /// Every tier, in report order (best first for ranked tiers).
    const ALL: &'static [Self];
}

pub(crate) use sealed::Sealed;

/// One tier's line in a [`TierReport`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TierStats<T> {
    tier: T,
    count: usize,
    customer_share: f64,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    value: Decimal,
    value_share: Option<f64>,
}

impl<T: Copy> TierStats<T> {
    /// The tier.
    pub fn tier(&self) -> T {
        self.tier
    }

    /// Customers in the tier.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Share of the population in the tier: `count / N`.
    pub fn customer_share(&self) -> f64 {
        self.customer_share
    }

    /// Sum of the tier's values, exact (checked `Decimal` addition).
    pub fn value(&self) -> Decimal {
        self.value
    }

    /// Share of the total value in the tier, `value / V`; `None` when the
    /// total `V <= 0` (a share of nothing, or of a loss, is no share).
    /// With negative values present a share may lie outside `[0, 1]`.
    pub fn value_share(&self) -> Option<f64> {
        self.value_share
    }
}

/// Counts and value per tier for a classified population: which tier
/// holds how many customers and how much of the value.
///
/// Every tier of [`Tier::ALL`] is listed, empty ones included, in that
/// order. Counts sum to the population size; value shares sum to 1 (up to
/// `f64` rounding) when the total is positive.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TierReport<T> {
    tiers: Vec<TierStats<T>>,
    customers: usize,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    total_value: Decimal,
    negative_values: usize,
}

impl<T: Tier> TierReport<T> {
    /// Builds the report from each customer's value and tier index.
    pub(crate) fn build(values: &[Decimal], tiers: &[u8]) -> Result<Self> {
        let mut counts = vec![0usize; T::ALL.len()];
        let mut sums = vec![Decimal::ZERO; T::ALL.len()];
        let mut negatives = 0usize;
        for (&v, &t) in values.iter().zip(tiers) {
            let t = usize::from(t);
            if let (Some(c), Some(s)) = (counts.get_mut(t), sums.get_mut(t)) {
                *c += 1;
                *s = s.checked_add(v).ok_or(crate::Error::Overflow {
                    what: "tier value sum",
                })?;
            }
            if v < Decimal::ZERO {
                negatives += 1;
            }
        }
        Self::from_parts(&counts, &sums, negatives, values.len())
    }

    /// Builds the report from per-tier counts and sums (in the order of
    /// [`Tier::ALL`]).
    pub(crate) fn from_parts(
        counts: &[usize],
        sums: &[Decimal],
        negative_values: usize,
        customers: usize,
    ) -> Result<Self> {
        let total_value = checked_sum(sums.iter().copied())?;
        let tiers = T::ALL
            .iter()
            .zip(counts.iter().zip(sums))
            .map(|(&tier, (&count, &value))| TierStats {
                tier,
                count,
                customer_share: if customers == 0 {
                    0.0
                } else {
                    count as f64 / customers as f64
                },
                value,
                value_share: share(value, total_value),
            })
            .collect();
        Ok(Self {
            tiers,
            customers,
            total_value,
            negative_values,
        })
    }

    /// One line per tier, in the order of [`Tier::ALL`].
    pub fn tiers(&self) -> &[TierStats<T>] {
        &self.tiers
    }

    /// The line of one tier (always present in a report this crate built).
    pub fn get(&self, tier: T) -> Option<&TierStats<T>> {
        self.tiers.iter().find(|s| s.tier == tier)
    }

    /// Population size N.
    pub fn customers(&self) -> usize {
        self.customers
    }

    /// Total value V, exact.
    pub fn total_value(&self) -> Decimal {
        self.total_value
    }

    /// How many customers have a negative value (a loss). Negative values
    /// make the cumulative value share non-monotone
    /// ([spec](crate::differentiate::spec#abc-by-value)), so value-based tiers should be read with care: a warning, not
    /// an error.
    pub fn negative_values(&self) -> usize {
        self.negative_values
    }

    /// Whether any customer has a negative value; see
    /// [`negative_values`](Self::negative_values).
    pub fn has_negative_values(&self) -> bool {
        self.negative_values > 0
    }
}

/// A classified population: every customer's tier, in input order, and
/// the [`TierReport`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TierAssignment<T> {
    tiers: Vec<Scored<T>>,
    report: TierReport<T>,
}

impl<T: Tier> TierAssignment<T> {
    /// Assembles the assignment from ids and tier indices (in input
    /// order) and the report.
    pub(crate) fn new(
        customers: impl Iterator<Item = CustomerId>,
        tiers: &[u8],
        report: TierReport<T>,
    ) -> Self {
        let tiers = customers
            .zip(tiers)
            .filter_map(|(customer, &t)| {
                T::ALL
                    .get(usize::from(t))
                    .map(|&score| Scored { customer, score })
            })
            .collect();
        Self { tiers, report }
    }

    /// Each customer's tier, in input order.
    pub fn tiers(&self) -> &[Scored<T>] {
        &self.tiers
    }

    /// The population report.
    pub fn report(&self) -> &TierReport<T> {
        &self.report
    }

    /// The tiers and the report, by value.
    pub fn into_parts(self) -> (Vec<Scored<T>>, TierReport<T>) {
        (self.tiers, self.report)
    }
}
