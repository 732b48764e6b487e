//! Formatting one output [`Row`] into a fixed buffer without going
//! through `fmt`: integers, decimals, floats and dates, each written
//! exactly as its `Display` would.

use rust_decimal::Decimal;

use crate::model::Date;

/// Two-digit pairs "00".."99", for writing integers two digits at a time.
const PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// The fields of one output row, formatted into a fixed buffer without
/// going through `fmt` (numbers, dates, decimals: at most ~40 bytes each).
/// Bytes past the capacity are dropped, which the row's bounded content
/// never reaches.
pub(super) struct Row {
    buf: [u8; Row::CAP],
    len: usize,
    /// Dates already formatted, by day: a summary has few distinct days.
    dates: Vec<(i32, [u8; 10])>,
}

impl Row {
    const CAP: usize = 1024;

    pub(super) fn new() -> Row {
        Row {
            buf: [0; Row::CAP],
            len: 0,
            dates: Vec::new(),
        }
    }

    #[inline]
    pub(super) fn clear(&mut self) {
        self.len = 0;
    }

    pub(super) fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    #[inline]
    pub(super) fn byte(&mut self, b: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    /// A comma, then `bytes`.
    #[inline]
    fn field_bytes<const N: usize>(&mut self, bytes: [u8; N]) {
        if let Some(slots) = self.buf.get_mut(self.len..self.len + 1 + N) {
            slots[0] = b',';
            slots[1..].copy_from_slice(&bytes);
            self.len += 1 + N;
        }
    }

    /// The decimal digits of `n`.
    #[inline]
    pub(super) fn u64(&mut self, n: u64) {
        self.put_u64(self.len, n);
    }

    /// A comma, then the decimal digits of `n`.
    #[inline]
    pub(super) fn field_u64(&mut self, n: u64) {
        let at = self.len;
        if let Some(slot) = self.buf.get_mut(at) {
            *slot = b',';
            self.put_u64(at + 1, n);
        }
    }

    /// The digits of `n` at `at`, written in place from the last; the row
    /// then ends after them.
    #[inline]
    fn put_u64(&mut self, at: usize, mut n: u64) {
        let width = n.checked_ilog10().unwrap_or(0) as usize + 1;
        let end = at + width;
        let Some(digits) = self.buf.get_mut(at..end) else {
            return;
        };
        let mut i = width;
        while n >= 100 && i >= 2 {
            let pair = (n % 100) as usize * 2;
            n /= 100;
            digits[i - 2..i].copy_from_slice(&PAIRS[pair..pair + 2]);
            i -= 2;
        }
        if n >= 10 && i >= 2 {
            let pair = n as usize * 2;
            digits[i - 2..i].copy_from_slice(&PAIRS[pair..pair + 2]);
        } else if i >= 1 {
            digits[i - 1] = b'0' + n as u8;
        }
        self.len = end;
    }

    /// A comma, then Rust's `{}` for an `f64`, with a fast path for whole
    /// numbers.
    #[inline]
    pub(super) fn field_f64(&mut self, v: f64) {
        if v.fract() == 0.0 && v.abs() < 1e15 && v.is_sign_positive() {
            self.field_u64(v as u64);
        } else {
            self.byte(b',');
            for b in v.to_string().bytes() {
                self.byte(b);
            }
        }
    }

    /// A comma, then `Decimal`'s `Display`: the mantissa's digits with a
    /// point before the last `scale` of them (and zeros in front when
    /// needed).
    #[inline]
    pub(super) fn field_decimal(&mut self, d: Decimal) {
        const TEN19: u128 = 10_000_000_000_000_000_000;
        let mantissa = d.mantissa();
        let magnitude = mantissa.unsigned_abs();
        // The digits, right-aligned in `tmp` (a mantissa is below 2^96: at
        // most 29 digits, in two u64 halves).
        let mut tmp = [b'0'; 40];
        let start = match u64::try_from(magnitude) {
            Ok(v) => digits_before(&mut tmp, 40, v),
            Err(_) => {
                digits_before(&mut tmp, 40, (magnitude % TEN19) as u64);
                // The low half's leading zeros are already in `tmp`.
                digits_before(&mut tmp, 40 - 19, (magnitude / TEN19) as u64)
            }
        };
        let digits = tmp.get(start..).unwrap_or_default();
        let count = digits.len();
        let scale = d.scale() as usize;
        let negative = mantissa < 0;
        let int_len = count.saturating_sub(scale);
        let zeros = scale.saturating_sub(count);
        let total =
            1 + usize::from(negative) + int_len.max(1) + if scale > 0 { 1 + scale } else { 0 };
        let Some(out) = self.buf.get_mut(self.len..self.len + total) else {
            return;
        };
        let mut k = 0;
        let mut put = |bytes: &[u8]| {
            if let Some(slots) = out.get_mut(k..k + bytes.len()) {
                slots.copy_from_slice(bytes);
            }
            k += bytes.len();
        };
        put(if negative { b",-" } else { b"," });
        if int_len == 0 {
            put(b"0");
        } else {
            put(digits.get(..int_len).unwrap_or_default());
        }
        if scale > 0 {
            put(b".");
            for _ in 0..zeros {
                put(b"0");
            }
            put(digits.get(int_len..).unwrap_or_default());
        }
        self.len += total;
    }

    /// A comma, then `YYYY-MM-DD`, from the day count by Howard Hinnant's
    /// `civil_from_days`.
    #[inline]
    pub(super) fn field_date(&mut self, date: Date) {
        const SLOTS: usize = 2048;
        let day = date.days_since_epoch();
        if self.dates.is_empty() {
            // i32::MIN is no date's day count.
            self.dates = vec![(i32::MIN, [0; 10]); SLOTS];
        }
        let slot = day.rem_euclid(SLOTS as i32) as usize;
        let text = match self.dates.get(slot) {
            Some(&(d, text)) if d == day => text,
            _ => {
                let text = Row::format_date(day);
                if let Some(entry) = self.dates.get_mut(slot) {
                    *entry = (day, text);
                }
                text
            }
        };
        self.field_bytes(text);
    }

    fn format_date(days: i32) -> [u8; 10] {
        let z = i64::from(days) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        let digit = |n: i64| b'0' + (n % 10) as u8;
        [
            digit(year / 1000),
            digit(year / 100),
            digit(year / 10),
            digit(year),
            b'-',
            digit(month / 10),
            digit(month),
            b'-',
            digit(day / 10),
            digit(day),
        ]
    }
}

/// Writes the digits of `v` into `tmp` ending before `end`, two at a time;
/// returns where they start.
#[inline(always)]
fn digits_before(tmp: &mut [u8; 40], end: usize, mut v: u64) -> usize {
    let mut start = end;
    while v >= 100 && start >= 2 {
        let pair = (v % 100) as usize * 2;
        v /= 100;
        start -= 2;
        tmp[start..start + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if v >= 10 && start >= 2 {
        let pair = v as usize * 2;
        start -= 2;
        tmp[start..start + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    } else if start >= 1 {
        start -= 1;
        tmp[start] = b'0' + v as u8;
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_formatting_matches_display() {
        let values = [
            Decimal::new(0, 0),
            Decimal::new(0, 2),
            Decimal::new(5, 3),
            Decimal::new(-5, 3),
            Decimal::new(2933, 2),
            Decimal::new(-2933, 2),
            Decimal::new(100, 2),
            Decimal::new(123_456_789, 0),
            Decimal::MAX,
            Decimal::MIN,
            Decimal::new(10, 0) / Decimal::new(3, 0),
            Decimal::new(1, 28),
            Decimal::new(22345, 3),
            Decimal::from_i128_with_scale(10_000_000_000_000_000_000, 28),
            Decimal::from_i128_with_scale(-10_000_000_000_000_000_001, 5),
            Decimal::from_i128_with_scale(123_456_789_012_345_678_901_234, 20),
        ];
        for d in values {
            let mut row = Row::new();
            row.field_decimal(d);
            assert_eq!(row.as_bytes(), format!(",{d}").as_bytes());
        }
    }

    #[test]
    fn integer_formatting_matches_display() {
        let mut values = vec![
            0u128,
            1,
            9,
            10,
            99,
            100,
            101,
            999,
            1000,
            u128::from(u64::MAX),
        ];
        values.extend((0..200).map(|k| 7u128.pow(k % 34) + u128::from(k)));
        values.push(10u128.pow(19));
        values.push(10u128.pow(19) + 5);
        values.push(79_228_162_514_264_337_593_543_950_335);
        for n in values {
            let mut row = Row::new();
            row.field_decimal(Decimal::from_i128_with_scale(n as i128, 0));
            assert_eq!(row.as_bytes(), format!(",{n}").as_bytes());
            if let Ok(small) = u64::try_from(n) {
                let mut row = Row::new();
                row.u64(small);
                assert_eq!(row.as_bytes(), n.to_string().as_bytes());
            }
        }
    }

    #[test]
    fn date_and_float_formatting_match_display() {
        for day in (Date::MIN.days_since_epoch()..=Date::MAX.days_since_epoch()).step_by(97) {
            let date = Date::from_days_since_epoch(day).unwrap();
            let mut row = Row::new();
            row.field_date(date);
            assert_eq!(row.as_bytes(), format!(",{date}").as_bytes());
        }
        for v in [0.0, 1.0, 272.0, 30.428571428571427, 1e20, 0.1, 12345.5] {
            let mut row = Row::new();
            row.field_f64(v);
            assert_eq!(row.as_bytes(), format!(",{v}").as_bytes());
        }
    }
}
