//! Rank flags: "gold 5 %" key customers and the "bottom 20 %"
//! ([spec](crate::differentiate::spec#key-customer-flags)).

use super::input::CustomerValue;
use super::rank::{ceil_share_of, check_cuts, floor_share_of, rank};
use crate::{Decimal, Result, Scored};

/// Flags the top and the bottom of the population by rank.
///
/// # Rule
///
/// ```text
/// Sort by value descending, ties in input order; rank k = 1..N.
/// top    if k <= ceil(top N)             (default top = 0.05)
/// bottom if k >  N - floor(bottom N)     (default bottom = 0.20)
/// ```
///
/// The "gold 5 %" rule of the Chinese-textbook pyramid: platinum plus gold
/// = the top 5 % by rank, the "key customers" ([spec](crate::differentiate::spec#key-customer-flags);
/// the same customers as the first two tiers of
/// [`Pyramid::textbook`](super::Pyramid::textbook)). The "bottom 20 %" flag
/// and its threshold are this crate's convention \[L\]; no canonical source
/// was found. Both fractions are configurable; `ceil` and `floor` are
/// computed exactly.
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Decimal};
/// use customer_value::differentiate::{CustomerValue, RankFlags};
///
/// let population: Vec<CustomerValue> = (1..=10)
///     .map(|v| CustomerValue::new(CustomerId::new(v), Decimal::from(v)))
///     .collect();
/// let flags = RankFlags::default().flag(&population)?;
/// // N = 10: top if k <= ceil(0.5) = 1; bottom if k > 10 - floor(2) = 8.
/// let top: Vec<u64> = flags.iter().filter(|f| f.score.is_top()).map(|f| f.customer.get()).collect();
/// let bottom: Vec<u64> =
///     flags.iter().filter(|f| f.score.is_bottom()).map(|f| f.customer.get()).collect();
/// assert_eq!((top, bottom), (vec![10], vec![1, 2]));
/// assert_eq!(flags[9].score.rank(), 1);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawRankFlags"))]
pub struct RankFlags {
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    top: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    bottom: Decimal,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawRankFlags {
    #[serde(with = "rust_decimal::serde::str")]
    top: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    bottom: Decimal,
}

#[cfg(feature = "serde")]
impl TryFrom<RawRankFlags> for RankFlags {
    type Error = crate::Error;
    fn try_from(raw: RawRankFlags) -> Result<Self> {
        RankFlags::new(raw.top, raw.bottom)
    }
}

impl Default for RankFlags {
    /// Top 5 % ("gold 5 %"), bottom 20 %.
    fn default() -> Self {
        Self {
            top: Decimal::new(5, 2),
            bottom: Decimal::new(20, 2),
        }
    }
}

impl RankFlags {
    /// Flags with the given top and bottom fractions.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) unless `0 < top <= 1` and
    /// `0 < bottom <= 1`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, differentiate::RankFlags};
    ///
    /// let flags = RankFlags::new(Decimal::new(5, 2), Decimal::new(2, 1))?;
    /// assert_eq!(flags, RankFlags::default());
    /// assert!(RankFlags::new(Decimal::ZERO, Decimal::new(2, 1)).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(top: Decimal, bottom: Decimal) -> Result<Self> {
        check_cuts("top fraction", &[top], "must be in (0, 1]")?;
        check_cuts("bottom fraction", &[bottom], "must be in (0, 1]")?;
        Ok(Self { top, bottom })
    }

    /// The top fraction.
    pub fn top(&self) -> Decimal {
        self.top
    }

    /// The bottom fraction.
    pub fn bottom(&self) -> Decimal {
        self.bottom
    }

    /// Each customer's rank and flags, in input order. An empty population
    /// gives an empty list.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`](crate::Error::Overflow) when `fraction x N` overflows 128 bits.
    ///
    /// # Example
    ///
    /// See [`RankFlags`].
    pub fn flag(&self, population: &[CustomerValue]) -> Result<Vec<Scored<RankFlag>>> {
        let n = population.len();
        let top = ceil_share_of(self.top, n)?;
        let bottom_start = n.saturating_sub(floor_share_of(self.bottom, n)?);
        let values: Vec<Decimal> = population.iter().map(CustomerValue::value).collect();
        let ranking = rank(&values, false);
        let mut ranks = vec![0usize; n];
        for (pos, &i) in ranking.order.iter().enumerate() {
            if let Some(r) = ranks.get_mut(i) {
                *r = pos + 1;
            }
        }
        Ok(population
            .iter()
            .zip(ranks)
            .map(|(c, rank)| Scored {
                customer: c.customer(),
                score: RankFlag {
                    rank,
                    top: rank <= top,
                    bottom: rank > bottom_start,
                },
            })
            .collect())
    }
}

/// One customer's rank and flags from [`RankFlags::flag`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RankFlag {
    rank: usize,
    top: bool,
    bottom: bool,
}

impl RankFlag {
    /// Rank by value, 1 = most valuable (ties in input order).
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// In the top fraction ("gold 5 %" by default).
    pub fn is_top(&self) -> bool {
        self.top
    }

    /// In the bottom fraction ("bottom 20 %" by default).
    pub fn is_bottom(&self) -> bool {
        self.bottom
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CustomerId, Error};

    #[test]
    fn constructor_validates() {
        assert!(RankFlags::new(Decimal::ONE, Decimal::ONE).is_ok());
        for (t, b) in [
            (Decimal::ZERO, Decimal::ONE),
            (Decimal::ONE, Decimal::ZERO),
            (Decimal::TWO, Decimal::ONE),
            (Decimal::ONE, Decimal::NEGATIVE_ONE),
        ] {
            assert!(matches!(
                RankFlags::new(t, b),
                Err(Error::InvalidParameter { .. })
            ));
        }
    }

    #[test]
    fn empty_and_ties() {
        assert!(RankFlags::default().flag(&[]).unwrap().is_empty());
        let tied: Vec<_> = (0..4)
            .map(|i| CustomerValue::new(CustomerId::new(i), Decimal::ONE))
            .collect();
        let flags = RankFlags::new(Decimal::new(25, 2), Decimal::new(25, 2))
            .unwrap()
            .flag(&tied)
            .unwrap();
        let ranks: Vec<usize> = flags.iter().map(|f| f.score.rank()).collect();
        assert_eq!(ranks, [1, 2, 3, 4]);
        assert!(flags[0].score.is_top() && !flags[1].score.is_top());
        assert!(flags[3].score.is_bottom() && !flags[2].score.is_bottom());
    }
}
