//! Decimal numbers read from text exactly, or refused.
//!
//! `rust_decimal`'s `FromStr` rounds a number with more significant digits
//! than a [`Decimal`] holds (28 or 29), and `Decimal::from_scientific`
//! rounds its mantissa the same way. Money read that way changes without a
//! word. Every reader of money as text in the crate and its companions
//! (command line, Python) uses [`parse_decimal_exact`] instead, so that they
//! accept and refuse the same texts. (DataFusion takes Arrow decimals and
//! floats, never text.)

use rust_decimal::Decimal;

use crate::error::{Error, Result};

/// The largest exponent worth trying: a `Decimal` spans about 1e-28 to 7.9e28.
const MAX_EXPONENT: i64 = 60;

/// Reads a decimal number from `text` exactly, or refuses it.
///
/// Accepted: an optional sign, digits with an optional decimal point
/// (`12`, `-3.50`, `.5`, `7.`), and an optional exponent (`1.5e2`,
/// `2E-3`). Surrounding spaces are not trimmed. Trailing zeros after the
/// point that a `Decimal` cannot hold are dropped, as they do not change
/// the value (`1.000…0` with 40 zeros reads as `1`).
///
/// # Errors
/// [`Error::InvalidValue`] (what: `"decimal number"`) when the text is not a
/// number (empty, `_` or `,` separators, `NaN`, `inf`, a currency sign), or
/// when its value needs more than a `Decimal` holds exactly: more than 28
/// significant digits, more than 28 digits after the point, or a magnitude
/// of 2^96 or more. Such a number is never rounded.
///
/// # Examples
/// ```
/// use customer_value::{parse_decimal_exact, Decimal};
///
/// assert_eq!(parse_decimal_exact("-3.50")?, Decimal::new(-350, 2));
/// assert_eq!(parse_decimal_exact("1.5e2")?, Decimal::new(150, 0));
/// // 30 significant digits would be rounded by `str::parse`: refused here.
/// assert!(parse_decimal_exact("1.00000000000000000000000000001").is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn parse_decimal_exact(text: &str) -> Result<Decimal> {
    exact(text).map_err(|reason| Error::InvalidValue {
        what: "decimal number",
        reason: format!("{text:?}: {reason}"),
    })
}

/// As [`parse_decimal_exact`], with the reason for a refusal: [`NOT_A_NUMBER`]
/// or [`TOO_MANY_DIGITS`].
pub(crate) fn exact(text: &str) -> std::result::Result<Decimal, &'static str> {
    let (base, exponent) = match text.find(['e', 'E']) {
        Some(at) => {
            let exponent: i64 = text[at + 1..].parse().map_err(|_| NOT_A_NUMBER)?;
            (&text[..at], exponent)
        }
        None => (text, 0),
    };
    let plain = |b: u8| b.is_ascii_digit() || matches!(b, b'.' | b'+' | b'-');
    let digits = base.bytes().filter(u8::is_ascii_digit).count();
    if digits == 0 || !base.bytes().all(plain) {
        return Err(NOT_A_NUMBER);
    }
    let mantissa = exact_plain(base)?;
    if mantissa.is_zero() || exponent == 0 {
        return Ok(mantissa);
    }
    if exponent.abs() > MAX_EXPONENT {
        return Err(TOO_MANY_DIGITS);
    }
    scale_by_power_of_ten(mantissa.normalize(), exponent).ok_or(TOO_MANY_DIGITS)
}

/// A reader's message for a refused text: `"{what}: {text:?}"`, and why when
/// the text is a number too long to hold exactly.
#[cfg(feature = "csv")]
pub(crate) fn refusal(what: &str, text: &str, why: &str) -> String {
    if why == TOO_MANY_DIGITS {
        format!("{what}: {text:?}: {why}")
    } else {
        format!("{what}: {text:?}")
    }
}

/// The reason for a text that is not a number at all.
pub(crate) const NOT_A_NUMBER: &str = "not a number";

/// The reason for a number a `Decimal` cannot hold exactly.
pub(crate) const TOO_MANY_DIGITS: &str =
    "more digits than a 28-digit decimal holds exactly (it would be rounded)";

/// `[+-]digits[.digits]`, exactly; trailing zeros after the point that do not
/// fit are dropped first.
fn exact_plain(text: &str) -> std::result::Result<Decimal, &'static str> {
    match Decimal::from_str_exact(text) {
        Ok(d) => Ok(d),
        Err(_) => {
            let trimmed = match text.find('.') {
                Some(_) => text.trim_end_matches('0'),
                None => text,
            };
            if trimmed.len() == text.len() {
                return Err(shape_or_size(text));
            }
            let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed);
            Decimal::from_str_exact(trimmed).map_err(|_| shape_or_size(trimmed))
        }
    }
}

/// Why a plain text was refused: its shape, or its size.
fn shape_or_size(text: &str) -> &'static str {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let well_formed = body.bytes().filter(|&b| b == b'.').count() <= 1
        && body.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    if well_formed {
        TOO_MANY_DIGITS
    } else {
        NOT_A_NUMBER
    }
}

/// `d × 10^exponent` exactly, or `None` when it does not fit.
fn scale_by_power_of_ten(d: Decimal, exponent: i64) -> Option<Decimal> {
    let scale = i64::from(d.scale()) - exponent;
    if scale >= 0 {
        let mut out = d;
        out.set_scale(u32::try_from(scale).ok()?).ok()?;
        return Some(out);
    }
    // A whole number times 10^k: multiply by ten k times, checked.
    let mut out = d;
    out.set_scale(0).ok()?;
    for _ in 0..-scale {
        out = out.checked_mul(Decimal::TEN)?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plain_and_scientific_texts_read_exactly() {
        let ok = [
            ("12", Decimal::new(12, 0)),
            ("-3.50", Decimal::new(-350, 2)),
            ("+0.99", Decimal::new(99, 2)),
            (".5", Decimal::new(5, 1)),
            ("7.", Decimal::new(7, 0)),
            ("1.5e2", Decimal::new(150, 0)),
            ("2E-3", Decimal::new(2, 3)),
            ("1.5000e-27", Decimal::new(15, 28)),
            ("0e99", Decimal::ZERO),
            (
                "12345678901234567890123456789",
                Decimal::from_i128_with_scale(12_345_678_901_234_567_890_123_456_789, 0),
            ),
            ("1.5000000000000000000000000000000000", Decimal::new(15, 1)),
            (
                "1.2e28",
                Decimal::from_i128_with_scale(12_000_000_000_000_000_000_000_000_000, 0),
            ),
        ];
        for (text, want) in ok {
            assert_eq!(parse_decimal_exact(text).ok(), Some(want), "{text}");
        }
    }

    #[test]
    fn texts_that_would_be_rounded_are_refused() {
        for text in [
            "99999999999999999999.999999999999999999",
            "1.00000000000000000000000000001",
            "0.00000000000000000000000000001",
            "123456789012345678901234567890",
            "1.00000000000000000000000000001e0",
            "1.5e30",
            "1.5e-30",
            "1e400",
        ] {
            let e = parse_decimal_exact(text).unwrap_err().to_string();
            assert!(e.contains("28-digit"), "{text}: {e}");
        }
        for text in [
            "", "-", ".", "e5", "1.2.3", "1_000", "abc", "1,5", "NaN", "inf", "$3", " 1", "1e",
            "1e+",
        ] {
            let e = parse_decimal_exact(text).unwrap_err().to_string();
            assert!(e.contains("not a number"), "{text}: {e}");
        }
    }

    proptest! {
        /// Any Decimal written out reads back to itself, plain or with an exponent.
        #[test]
        fn decimals_round_trip(m in any::<i64>(), scale in 0u32..=28, shift in -10i64..=10) {
            let d = Decimal::new(m, scale);
            prop_assert_eq!(parse_decimal_exact(&d.to_string()).unwrap(), d);
            // d = mantissa_text × 10^shift with the point moved by `shift`.
            let moved = scale_by_power_of_ten(d.normalize(), -shift);
            if let Some(moved) = moved {
                let text = format!("{moved}e{shift}");
                prop_assert_eq!(parse_decimal_exact(&text).unwrap(), d.normalize());
            }
        }

        /// When it answers, the answer is the text's value: the same as an
        /// exact big-integer reading of digits and scale.
        #[test]
        fn answers_are_exact(digits in "[0-9]{1,40}", point in 0usize..=40) {
            let point = point.min(digits.len());
            let text = format!("{}.{}", &digits[..digits.len() - point], &digits[digits.len() - point..]);
            if let Ok(d) = parse_decimal_exact(&text) {
                let back = d.to_string();
                let norm = |s: &str| {
                    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { s };
                    let s = s.trim_start_matches('0');
                    s.to_owned()
                };
                prop_assert_eq!(norm(&back), norm(&text));
            }
        }
    }
}
