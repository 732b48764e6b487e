//! Parsing fields from bytes without allocating: trimming, numbers,
//! amounts, and dates (with a cache, as a log has few distinct days).

use rust_decimal::Decimal;

use crate::error::Error;
use crate::model::Date;

/// `bytes` without ASCII spaces and tabs around it.
#[inline]
pub(super) fn trim(bytes: &[u8]) -> &[u8] {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = bytes
        .iter()
        .position(|b| !is_space(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |e| e + 1);
    bytes.get(start..end).unwrap_or_default()
}

/// ASCII digits that fit a `u64`; `None` for anything else.
#[inline]
pub(super) fn parse_u64(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() {
        return None;
    }
    let mut n = 0u64;
    if bytes.len() <= 19 {
        // Below 10^19 < 2^64: no overflow possible.
        for &b in bytes {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            n = n * 10 + u64::from(d);
        }
        return Some(n);
    }
    for &b in bytes {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// Remembers the dates already parsed: a log has few distinct days.
pub(super) struct DateCache {
    /// `(YYYYMMDD, date)`; 0 marks an empty slot.
    slots: Vec<(u32, Date)>,
}

impl DateCache {
    const SLOTS: usize = 4096;

    pub(super) fn new() -> DateCache {
        DateCache {
            slots: vec![(0, Date::UNIX_EPOCH); Self::SLOTS],
        }
    }

    /// The date of `text`, or why it is not one.
    #[inline]
    pub(super) fn get(&mut self, text: &[u8]) -> std::result::Result<Date, String> {
        let digits: [u8; 8] = match *text {
            [y0, y1, y2, y3, m0, m1, d0, d1] => [y0, y1, y2, y3, m0, m1, d0, d1],
            [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1, ref rest @ ..]
                if rest.is_empty() || matches!(rest[0], b'T' | b' ') =>
            {
                [y0, y1, y2, y3, m0, m1, d0, d1]
            }
            _ => return parse_date(text),
        };
        let mut ymd = 0u32;
        for b in digits {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                return parse_date(text);
            }
            ymd = ymd * 10 + u32::from(d);
        }
        let slot = ((ymd ^ (ymd >> 12)) as usize) % Self::SLOTS;
        match self.slots.get(slot) {
            Some(&(key, date)) if key == ymd => Ok(date),
            _ => {
                let date = parse_date(text)?;
                if let Some(entry) = self.slots.get_mut(slot) {
                    *entry = (ymd, date);
                }
                Ok(date)
            }
        }
    }
}

/// A date, or a time stamp whose time of day is ignored.
#[inline]
fn parse_date(text: &[u8]) -> std::result::Result<Date, String> {
    let date = match text.get(10) {
        Some(b'T' | b' ') if text.get(4) == Some(&b'-') => &text[..10],
        _ => text,
    };
    Date::parse_bytes(date).map_err(|e| match e {
        Error::InvalidDate { reason, .. } => {
            format!("invalid date {:?}: {reason}", String::from_utf8_lossy(text))
        }
        other => other.to_string(),
    })
}

/// An exact decimal amount; `None` when the text is not one.
#[inline]
pub(super) fn parse_amount(text: &[u8]) -> Option<Decimal> {
    // Fast path: [+-]digits[.digits] with at most 18 digits.
    let (negative, body) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let mut mantissa = 0i64;
    let mut digits = 0u32;
    let mut scale = 0u32;
    let mut point = false;
    for &b in body {
        let d = b.wrapping_sub(b'0');
        if d <= 9 {
            digits += 1;
            if digits > 18 {
                return parse_amount_slow(text);
            }
            mantissa = mantissa * 10 + i64::from(d);
            scale += u32::from(point);
        } else if b == b'.' && !point {
            point = true;
        } else {
            return parse_amount_slow(text);
        }
    }
    if digits == 0 {
        return None;
    }
    // At most 18 digits: the mantissa fits an i64 and the scale is below 28.
    Decimal::try_new(if negative { -mantissa } else { mantissa }, scale).ok()
}

/// Long mantissas and exponents, exactly: a number a `Decimal` cannot hold
/// exactly is refused, not rounded.
#[cold]
fn parse_amount_slow(text: &[u8]) -> Option<Decimal> {
    crate::parse_decimal_exact(std::str::from_utf8(text).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_exactly() {
        let ok = [
            ("12", Decimal::new(12, 0)),
            ("-3.50", Decimal::new(-350, 2)),
            ("+0.99", Decimal::new(99, 2)),
            (".5", Decimal::new(5, 1)),
            ("7.", Decimal::new(7, 0)),
            ("1.5e2", Decimal::new(150, 0)),
            (
                "12345678901234567890.12",
                Decimal::from_i128_with_scale(1_234_567_890_123_456_789_012, 2),
            ),
        ];
        for (text, want) in ok {
            assert_eq!(parse_amount(text.as_bytes()), Some(want), "{text}");
        }
        for bad in [
            "",
            "-",
            ".",
            "1.2.3",
            "1_000",
            "abc",
            "1,5",
            "NaN",
            "inf",
            "$3",
            // More digits than a Decimal holds: refused, never rounded.
            "99999999999999999999.999999999999999999",
            "1.00000000000000000000000000001e0",
        ] {
            assert_eq!(parse_amount(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn splits_and_trims() {
        assert_eq!(trim(b"  a b\t\r"), b"a b");
        assert_eq!(trim(b"   "), b"");
        assert_eq!(parse_u64(b"0001"), Some(1));
        assert_eq!(parse_u64(b"18446744073709551616"), None);
        assert_eq!(
            parse_date(b"2024-05-01T10:30:00"),
            Date::parse("2024-05-01").map_err(|e| e.to_string())
        );
        assert!(parse_date(b"2024-05-01X").is_err());
    }
}
