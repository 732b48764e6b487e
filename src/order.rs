//! Exact, fast ordering keys for money, shared by the ranking scorers.

use crate::Decimal;

/// Integer keys that order like the `Decimal` values: every value rescaled
/// to the largest scale in the slice. `None` when a rescaled value would not
/// fit in an `i128`; callers then compare the `Decimal`s themselves.
///
/// Sorting `i128`s is several times faster than sorting `Decimal`s, and
/// unlike an `f64` key it never ties two different amounts.
pub(crate) fn decimal_keys(values: &[Decimal]) -> Option<Vec<i128>> {
    let scale = values.iter().map(Decimal::scale).max().unwrap_or(0);
    let mut powers = [1i128; 29];
    for i in 1..powers.len() {
        powers[i] = powers[i - 1] * 10;
    }
    values
        .iter()
        .map(|v| {
            let factor = powers[(scale - v.scale()) as usize];
            v.mantissa().checked_mul(factor)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_order_like_decimals() {
        let values = [
            Decimal::new(150, 2),
            Decimal::new(-3, 0),
            Decimal::new(1499, 3),
            Decimal::new(2, 0),
            Decimal::ZERO,
        ];
        let keys = decimal_keys(&values).unwrap();
        for (a, ka) in values.iter().zip(&keys) {
            for (b, kb) in values.iter().zip(&keys) {
                assert_eq!(a.cmp(b), ka.cmp(kb), "{a} vs {b}");
            }
        }
        assert_eq!(decimal_keys(&[]), Some(vec![]));
    }

    #[test]
    fn too_wide_for_i128_is_none() {
        let huge = Decimal::MAX;
        let tiny = Decimal::new(1, 28);
        assert_eq!(decimal_keys(&[huge, tiny]), None);
    }
}
