//! Berger & Nasr (1998) case 1 (feature `berger_nasr`; recalled, \[R\]).

use crate::{Decimal, Result};

use super::math;
use super::rates::{DiscountRate, RetentionRate};

/// Berger & Nasr (1998) case 1 \[R\]: yearly purchases, constant retention
/// `r` and gross contribution `GC`, and a promotion cost `M` per customer
/// per year spent mid-year ([spec](crate::clv::spec#berger-and-nasr-case-1)):
///
/// ```text
/// CLV = GC · Σ_{k=0}^{n} r^k/(1+d)^k  −  M · Σ_{k=1}^{n} r^{k−1}/(1+d)^{k−0.5}
/// ```
///
/// The contribution term is [`Timing::StartOfPeriod`](super::Timing::StartOfPeriod) over `n + 1` years
/// (k = 0, the current year, undiscounted); the promotion of year k is
/// spent half-way through it on customers alive at its start. Evaluated
/// as `GC·S_{n+1}(q) − M·S_n(q)/√(1+d)` with `q = r/(1+d)` and
/// `S_j(q) = Σ_{k=0}^{j−1} q^k`.
///
/// **\[R\]**: recalled from the cited literature; the paper's text could not
/// be retrieved, so the formula is likely but unconfirmed. This is why it
/// sits behind the `berger_nasr` feature.
///
/// Citation: Berger, P.D. & Nasr, N.I. (1998) Customer lifetime value:
/// marketing models and applications. *J. Interactive Marketing*
/// 12(1):17–30.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(docsrs, doc(cfg(feature = "berger_nasr")))]
pub struct BergerNasrCase1 {
    /// `GC`: gross contribution per customer per year.
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    pub gross_contribution: Decimal,
    /// `M`: promotion cost per customer per year, spent mid-year.
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    pub promotion_cost: Decimal,
    /// `r`: yearly retention.
    pub retention: RetentionRate,
    /// `d`: yearly discount rate.
    pub discount: DiscountRate,
    /// `n`: the last year counted (n + 1 contributions, n promotions).
    pub years: u32,
}

impl BergerNasrCase1 {
    /// The customer's lifetime value.
    ///
    /// # Rounding
    ///
    /// `√(1+d)` is found by Newton's method in `Decimal` (about 27
    /// significant digits); the result is otherwise unrounded.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`](crate::Error::Overflow) when the arithmetic
    /// exceeds `Decimal` (only for `r > 1 + d` and many years).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, clv::{BergerNasrCase1, DiscountRate, RetentionRate}};
    ///
    /// let case = BergerNasrCase1 {
    ///     gross_contribution: Decimal::new(100, 0),
    ///     promotion_cost: Decimal::new(10, 0),
    ///     retention: RetentionRate::new(Decimal::new(8, 1))?,
    ///     discount: DiscountRate::new(Decimal::new(1, 1))?,
    ///     years: 5,
    /// };
    /// assert_eq!(case.clv()?.round_dp(4), Decimal::new(2845626, 4));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn clv(&self) -> Result<Decimal> {
        const WHAT: &str = "berger-nasr case 1";
        let one_plus_d = math::add(Decimal::ONE, self.discount.get(), WHAT)?;
        let q = math::div(self.retention.get(), one_plus_d, WHAT)?;
        let n = u64::from(self.years);
        let contributions = math::geometric_sum(q, n + 1, WHAT)?;
        let promotions = math::geometric_sum(q, n, WHAT)?;
        let root = math::nth_root(one_plus_d, 2, WHAT)?;
        let income = math::mul(self.gross_contribution, contributions, WHAT)?;
        let cost = math::div(
            math::mul(self.promotion_cost, promotions, WHAT)?,
            root,
            WHAT,
        )?;
        math::sub(income, cost, WHAT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn zero_years_is_the_current_contribution() {
        let case = BergerNasrCase1 {
            gross_contribution: d("100"),
            promotion_cost: d("10"),
            retention: RetentionRate::new(d("0.8")).unwrap(),
            discount: DiscountRate::new(d("0.1")).unwrap(),
            years: 0,
        };
        assert_eq!(case.clv().unwrap(), d("100"));
    }

    #[test]
    fn overflow_is_an_error() {
        let case = BergerNasrCase1 {
            gross_contribution: d("100"),
            promotion_cost: d("10"),
            retention: RetentionRate::new(d("1")).unwrap(),
            discount: DiscountRate::new(d("-0.9")).unwrap(),
            years: 1000,
        };
        assert!(matches!(case.clv(), Err(crate::Error::Overflow { .. })));
    }
}
