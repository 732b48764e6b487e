//! Money between Arrow columns and the crate's [`Decimal`].
//!
//! - `Decimal128(p, s)` (and any integer column, read as `Decimal128(20, 0)`)
//!   is exact: the value is `mantissa / 10^s`, which a [`Decimal`] holds
//!   whenever `s <= 28` and the mantissa fits 96 bits; anything else is an
//!   error, never a rounding.
//! - `Float64` goes through its shortest round-trip decimal text, so that a
//!   double read from `12.3` becomes exactly `12.3`, what the user wrote, not
//!   the binary expansion of the nearest double. This is what the crate's
//!   Python binding does with float columns. A double that no 28-digit decimal
//!   reads back as (`1e-30`, `1e40`) is an error.
//! - Results go back as `Decimal128(38, s)` (exact, at the input's scale) for
//!   decimal input, as the nearest `Float64` (correctly rounded, through the
//!   decimal's text) for float input, and the mean repeat spend as
//!   `Decimal256(76, 28)`, which holds every [`Decimal`] exactly.

use customer_value::Decimal;
use datafusion::arrow::datatypes::i256;
use datafusion::common::{DataFusionError, Result};

/// Largest scale a [`Decimal`] holds.
pub(crate) const MAX_SCALE: u32 = 28;

/// Scale of the `Decimal256` the mean repeat spend is returned in.
pub(crate) const MEAN_SCALE: i8 = 28;

/// Precision of that `Decimal256`.
pub(crate) const MEAN_PRECISION: u8 = 76;

fn exec(msg: String) -> DataFusionError {
    DataFusionError::Execution(msg)
}

/// `10^k` for `k <= 28`.
fn pow10(k: u32) -> i128 {
    10i128.pow(k)
}

/// An Arrow decimal (`mantissa / 10^scale`) as a [`Decimal`], exactly.
pub(crate) fn from_decimal128(what: &str, mantissa: i128, scale: i8) -> Result<Decimal> {
    let s = u32::try_from(scale)
        .ok()
        .filter(|s| *s <= MAX_SCALE)
        .ok_or_else(|| exec(format!("{what}: scale {scale} is outside 0..=28")))?;
    Decimal::try_from_i128_with_scale(mantissa, s).map_err(|_| {
        exec(format!(
            "{what}: {mantissa}e-{s} has more than the 28-29 significant digits a Decimal holds"
        ))
    })
}

/// An Arrow `Decimal256` value as a [`Decimal`], exactly.
pub(crate) fn from_decimal256(what: &str, mantissa: i256, scale: i8) -> Result<Decimal> {
    let m = mantissa.to_i128().ok_or_else(|| {
        exec(format!(
            "{what}: {mantissa}e-{scale} has more digits than a Decimal holds"
        ))
    })?;
    // Trailing zeros are dropped (exactly): a `Decimal256(76, 28)` mean
    // such as 2.5 arrives as 25 followed by 27 zeros, and comes back as 2.5.
    let (mut m, mut scale) = (m, scale);
    while scale > 0 && m % 10 == 0 {
        m /= 10;
        scale -= 1;
    }
    from_decimal128(what, m, scale)
}

/// A double as the decimal of its shortest round-trip text; see the module
/// documentation.
pub(crate) fn from_f64(what: &str, v: f64) -> Result<Decimal> {
    if !v.is_finite() {
        return Err(exec(format!("{what}: {v} is not a finite number")));
    }
    // Fast path, exact: for |v| < 1e12 the fewest decimals k for which
    // round(v·10^k) / 10^k is the double v again give the shortest
    // round-trip text, since that decimal then reads back as v and v·10^k
    // lies far closer than ½ to the integer at these sizes.
    if v.abs() < 1e12 {
        let mut scale = 1.0;
        for k in 0..=9u32 {
            let m = (v * scale).round();
            if m / scale == v {
                return Ok(Decimal::new(m as i64, k));
            }
            scale *= 10.0;
        }
    }
    let text = format!("{v}");
    let d = text
        .parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(&format!("{v:e}")))
        .map_err(|e| exec(format!("{what}: {v}: {e}")))?;
    // A value beyond a 28-digit decimal would be rounded: refuse instead.
    if to_f64(d) != v {
        return Err(exec(format!(
            "{what}: {v} cannot be held exactly in a 28-digit decimal"
        )));
    }
    Ok(d)
}

/// The double nearest to `d` (correctly rounded, through its text).
pub(crate) fn to_f64(d: Decimal) -> f64 {
    d.to_string().parse::<f64>().unwrap_or(f64::NAN)
}

/// `d` as the mantissa of a `Decimal128(38, scale)`, exactly.
pub(crate) fn to_decimal128(what: &str, d: Decimal, scale: i8) -> Result<i128> {
    let s = u32::try_from(scale).unwrap_or(0);
    let ds = d.scale();
    if ds > s {
        return Err(exec(format!(
            "{what}: {d} has more decimals than the output scale {scale}"
        )));
    }
    d.mantissa()
        .checked_mul(pow10(s - ds))
        .ok_or_else(|| exec(format!("{what}: {d} overflows Decimal128(38, {scale})")))
}

/// `d` as the mantissa of a `Decimal256(76, 28)`, exactly.
pub(crate) fn to_decimal256(d: Decimal) -> i256 {
    // |mantissa| < 2^96 and 10^28 < 2^94: the product fits 256 bits.
    i256::from_i128(d.mantissa()).wrapping_mul(i256::from_i128(pow10(MAX_SCALE - d.scale())))
}

/// `a + b`, refusing overflow and any rounding (`Decimal` addition rounds
/// away digits rather than fail when the exact sum needs more than 96 bits
/// at the larger scale).
pub(crate) fn add(what: &str, a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_add(b)
        .filter(|s| s.scale() >= a.scale().max(b.scale()))
        .ok_or_else(|| {
            exec(format!(
                "{what}: {a} + {b} does not fit a 28-digit decimal exactly"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_become_their_shortest_text() {
        for (v, text) in [
            (12.3, "12.3"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e15 + 0.5, "1000000000000000.5"),
            (0.0, "0"),
            (1e-7, "0.0000001"),
        ] {
            assert_eq!(from_f64("a", v).unwrap(), text.parse::<Decimal>().unwrap());
        }
        assert!(from_f64("a", 1e-30).is_err());
        assert!(from_f64("a", f64::NAN).is_err());
    }

    #[test]
    fn decimals_round_trip_exactly() {
        let d = from_decimal128("a", 12345, 2).unwrap();
        assert_eq!(d, Decimal::new(12345, 2));
        assert_eq!(to_decimal128("a", d, 4).unwrap(), 1_234_500);
        assert!(to_decimal128("a", d, 1).is_err());
        assert!(from_decimal128("a", 1, 29).is_err());
        assert!(from_decimal128("a", i128::MAX, 0).is_err());
        let third = Decimal::ONE / Decimal::from(3u32);
        assert_eq!(
            to_decimal256(third),
            i256::from_i128(third.mantissa() * pow10(28 - third.scale()))
        );
        assert_eq!(
            from_decimal256("a", to_decimal256(Decimal::new(25, 1)), 28).unwrap(),
            Decimal::new(25, 1)
        );
    }

    #[test]
    fn sums_are_exact_or_errors() {
        let big = Decimal::from_i128_with_scale(70_000_000_000_000_000_000_000_000_000, 0);
        assert!(add("a", big, big).is_err());
        let fine = Decimal::from_i128_with_scale(10_000_000_000_000_000_000_000_000, 2);
        assert!(add("a", fine, Decimal::new(1, 28)).is_err());
        assert_eq!(
            add("a", Decimal::new(1, 1), Decimal::new(2, 2)).unwrap(),
            Decimal::new(12, 2)
        );
    }
}
