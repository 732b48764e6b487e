//! Rounding money to cents at the output boundary.

use rust_decimal::RoundingStrategy;

use crate::Decimal;

/// How [`round_cents`] breaks ties and directs rounding.
///
/// The default is [`HalfEven`](Rounding::HalfEven) (banker's rounding),
/// which has no upward bias when many amounts are rounded and summed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Rounding {
    /// To nearest; ties to the even cent (banker's rounding): 0.125 → 0.12.
    #[default]
    HalfEven,
    /// To nearest; ties away from zero (commercial rounding): 0.125 → 0.13.
    HalfAwayFromZero,
    /// To nearest; ties toward zero: 0.125 → 0.12, −0.125 → −0.12.
    HalfTowardZero,
    /// Truncate toward zero: 0.129 → 0.12.
    TowardZero,
    /// Away from zero: 0.121 → 0.13.
    AwayFromZero,
    /// Toward negative infinity (floor): −0.121 → −0.13.
    Down,
    /// Toward positive infinity (ceiling): 0.121 → 0.13.
    Up,
}

impl Rounding {
    fn strategy(self) -> RoundingStrategy {
        match self {
            Rounding::HalfEven => RoundingStrategy::MidpointNearestEven,
            Rounding::HalfAwayFromZero => RoundingStrategy::MidpointAwayFromZero,
            Rounding::HalfTowardZero => RoundingStrategy::MidpointTowardZero,
            Rounding::TowardZero => RoundingStrategy::ToZero,
            Rounding::AwayFromZero => RoundingStrategy::AwayFromZero,
            Rounding::Down => RoundingStrategy::ToNegativeInfinity,
            Rounding::Up => RoundingStrategy::ToPositiveInfinity,
        }
    }
}

/// Rounds an amount to cents (2 decimal places) with a named strategy.
///
/// Every CLV figure in this module is returned unrounded; round once, here,
/// when the value leaves your program. Values with at most 2 decimals are
/// returned unchanged. Never fails.
///
/// # Example
///
/// ```
/// use customer_value::{Decimal, clv::{Rounding, round_cents}};
///
/// let clv = Decimal::new(80, 0) / Decimal::new(3, 1); // 266.666...
/// assert_eq!(round_cents(clv, Rounding::default()), Decimal::new(26667, 2));
/// assert_eq!(round_cents(Decimal::new(125, 3), Rounding::HalfEven), Decimal::new(12, 2));
/// assert_eq!(round_cents(Decimal::new(125, 3), Rounding::HalfAwayFromZero), Decimal::new(13, 2));
/// ```
pub fn round_cents(value: Decimal, rounding: Rounding) -> Decimal {
    value.round_dp_with_strategy(2, rounding.strategy())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn each_strategy() {
        let cases = [
            (Rounding::HalfEven, "0.125", "0.12"),
            (Rounding::HalfEven, "0.135", "0.14"),
            (Rounding::HalfAwayFromZero, "-0.125", "-0.13"),
            (Rounding::HalfTowardZero, "-0.125", "-0.12"),
            (Rounding::TowardZero, "0.129", "0.12"),
            (Rounding::AwayFromZero, "0.121", "0.13"),
            (Rounding::Down, "-0.121", "-0.13"),
            (Rounding::Up, "0.121", "0.13"),
            (Rounding::Up, "1.5", "1.5"),
        ];
        for (r, input, expected) in cases {
            assert_eq!(round_cents(d(input), r), d(expected), "{r:?} {input}");
        }
        assert_eq!(round_cents(Decimal::MAX, Rounding::Up), Decimal::MAX);
    }
}
