//! The plain-line parser of the first pass: most logs are lines of three
//! fields, `customer_id,date,amount`, with a numeric id, an ISO date and a
//! plain decimal amount. Such a line is read here in one scan, without
//! splitting it into fields, trimming them or building a `Decimal`, and
//! its spill record is written straight from the integers.
//!
//! Anything else (spaces, a sign, leading zeros, an exponent, a carriage
//! return, another date shape, an invalid date, more or fewer fields, a
//! blank line) is not read here: the line goes to the general reader,
//! which parses it, or names its error, as it always did. So a line read
//! here gives exactly the row the general reader would give it: the same
//! number, the same day, the same mantissa and scale.

use rust_decimal::Decimal;

use super::{Key, NARROW_LIMIT, Record, amount_code, day_code, header};
use crate::model::Date;

/// A plain row: a numeric id written without leading zeros, a day, and a
/// non-negative amount of at most 18 digits as a mantissa and scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PlainRow {
    pub(super) id: u64,
    pub(super) day: i32,
    pub(super) mantissa: u64,
    pub(super) scale: u32,
}

/// Whether the plain-line parser can read lines split at `delimiter`: a
/// byte that cannot be part of a plain id, date or amount.
pub(super) fn plain_delimiter(delimiter: u8) -> bool {
    !delimiter.is_ascii_digit() && !matches!(delimiter, b'.' | b'-' | b'+' | b'\r' | b'\n' | b'"')
}

/// The days of the `YYYY-MM-DD` dates already read: a log has few
/// distinct days.
pub(super) struct DayCache {
    /// `(the date's first 8 bytes, its last 2, day)`, keyed by the bytes
    /// as written; [`DayCache::EMPTY`] marks an empty slot.
    slots: Box<[(u64, u16, i32)]>,
}

impl DayCache {
    const SLOTS: usize = 4096;
    /// The day of an empty slot: no date's (it is before year -9999).
    const EMPTY: i32 = i32::MIN;

    pub(super) fn new() -> DayCache {
        DayCache {
            slots: vec![(0, 0, Self::EMPTY); Self::SLOTS].into_boxed_slice(),
        }
    }

    /// The day of a 10-byte `YYYY-MM-DD` date, or `None` when it is not
    /// one (another shape, or no such date).
    ///
    /// A date is looked up by its bytes as written: a hit is a date read
    /// (and checked) before, so only a miss checks the digits.
    #[inline]
    fn day(&mut self, text: &[u8; 10]) -> Option<i32> {
        let (head, tail) = text.split_at(8);
        let head = u64::from_le_bytes(head.try_into().ok()?);
        let tail = u16::from_le_bytes(tail.try_into().ok()?);
        let mix = (head ^ (u64::from(tail) << 32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let slot = (mix >> 52) as usize % Self::SLOTS;
        let entry = self.slots.get_mut(slot)?;
        if entry.0 == head && entry.1 == tail && entry.2 != Self::EMPTY {
            return Some(entry.2);
        }
        if text[4] != b'-' || text[7] != b'-' {
            return None;
        }
        for &b in &[
            text[0], text[1], text[2], text[3], text[5], text[6], text[8], text[9],
        ] {
            if !b.is_ascii_digit() {
                return None;
            }
        }
        // The general reader's own date parser decides what a date is.
        let day = Date::parse_bytes(text).ok()?.days_since_epoch();
        *entry = (head, tail, day);
        Some(day)
    }
}

/// Reads one plain line from the start of `s` (up to its line end, or
/// the end of `s`): the row and the bytes taken, line end included; `None`
/// when the line is not plain.
///
/// The id and the amount are read eight bytes at a time (see [`word`])
/// when they are short enough, else byte by byte: both ways give the
/// same row, and refuse the same lines.
#[inline]
pub(super) fn line(s: &[u8], delimiter: u8, days: &mut DayCache) -> Option<(PlainRow, usize)> {
    let (id, i) = match short_id(s) {
        Some(digits) => digits,
        None => long_id(s, delimiter)?,
    };
    if *s.get(i)? != delimiter {
        return None;
    }
    // The date: `YYYY-MM-DD`, then the delimiter.
    let date: &[u8; 10] = s.get(i + 1..i + 11)?.try_into().ok()?;
    if *s.get(i + 11)? != delimiter {
        return None;
    }
    let day = days.day(date)?;
    let (mantissa, scale, taken) = match short_amount(s, i + 12) {
        Some(amount) => amount?,
        None => long_amount(s, i + 12)?,
    };
    Some((
        PlainRow {
            id,
            day,
            mantissa,
            scale,
        },
        taken,
    ))
}

/// The id at the start of `s` read byte by byte: 1 to 19 digits, no
/// leading zero (so it fits a u64), and where its digits end; `None` when
/// the line is not plain.
#[inline]
fn long_id(s: &[u8], delimiter: u8) -> Option<(u64, usize)> {
    let mut id = 0u64;
    let mut i = 0;
    loop {
        let b = *s.get(i)?;
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            if b != delimiter || i == 0 {
                return None;
            }
            return Some((id, i));
        }
        if i == 19 || (i == 1 && id == 0) {
            return None;
        }
        id = id * 10 + u64::from(d);
        i += 1;
    }
}

/// The amount starting at `s[j]` read byte by byte: digits with at most
/// one point, at most 18 digits, then the line end or the end of the
/// block; its mantissa, scale and the end of the line (past its line
/// end); `None` when the line is not plain.
#[inline]
fn long_amount(s: &[u8], mut j: usize) -> Option<(u64, u32, usize)> {
    let mut mantissa = 0u64;
    let mut digits = 0u32;
    let mut scale = 0u32;
    let mut point = false;
    let taken = loop {
        let Some(&b) = s.get(j) else { break j };
        let d = b.wrapping_sub(b'0');
        if d <= 9 {
            digits += 1;
            if digits > 18 {
                return None;
            }
            mantissa = mantissa * 10 + u64::from(d);
            scale += u32::from(point);
        } else if b == b'.' && !point {
            point = true;
        } else if b == b'\n' {
            break j + 1;
        } else {
            return None;
        }
        j += 1;
    };
    if digits == 0 {
        return None;
    }
    Some((mantissa, scale, taken))
}

/// Every byte's value 1 (a byte broadcast to the eight of a word).
const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte.
const HIGHS: u64 = 0x80 * ONES;

/// The eight bytes of `s` from `at`, the first one lowest; `None` when
/// fewer are left.
#[inline]
fn word(s: &[u8], at: usize) -> Option<u64> {
    let bytes: [u8; 8] = s.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

/// The high bit of each byte of `v` that is not zero (exactly: no carry
/// crosses from one byte to the next).
#[inline]
fn non_zero_bytes(v: u64) -> u64 {
    (((v & (0x7F * ONES)) + 0x7F * ONES) | v) & HIGHS
}

/// The high bit of each byte of `w` that is not an ASCII digit.
#[inline]
fn non_digits(w: u64) -> u64 {
    let x = w ^ (u64::from(b'0') * ONES);
    // A digit is 0x30-0x39: its high nibble is 3, and its low one plus 6
    // stays below 16.
    non_zero_bytes((x & (0xF0 * ONES)) | (((x & (0x0F * ONES)) + 0x06 * ONES) & (0x10 * ONES)))
}

/// The number written by the `n` (1 to 8) digit values in the lowest
/// bytes of `x`, the first (most significant) lowest; its other bytes
/// are ignored.
#[inline]
fn digits_value(x: u64, n: u32) -> u64 {
    // The digits move to the top bytes, below them zeros: leading zeros.
    let v = x << (8 * (8 - n.clamp(1, 8)));
    // Pairs of digits, then groups of four, then the eight.
    let v = (v.wrapping_mul(10) + (v >> 8)) & 0x00FF_00FF_00FF_00FF;
    let v = (v.wrapping_mul(100) + (v >> 16)) & 0x0000_FFFF_0000_FFFF;
    (v.wrapping_mul(10_000) + (v >> 32)) & 0xFFFF_FFFF
}

/// [`long_id`] for an id of at most 7 digits, from one word: its value
/// and its length, when that word holds its end; else `None` (and
/// [`long_id`] reads it, or refuses it).
#[inline]
fn short_id(s: &[u8]) -> Option<(u64, usize)> {
    let w = word(s, 0)?;
    let stops = non_digits(w);
    if stops == 0 {
        return None;
    }
    let n = stops.trailing_zeros() / 8;
    // No digit, or a leading zero: [`long_id`] refuses the line.
    if n == 0 || (n > 1 && w & 0xFF == u64::from(b'0')) {
        return None;
    }
    Some((digits_value(w ^ (u64::from(b'0') * ONES), n), n as usize))
}

/// [`long_amount`] for an amount of at most 7 bytes (digits and a
/// point) followed by its line end, read from one word: `Some` of what
/// [`long_amount`] gives when the word holds the amount's end, else
/// `None` (and [`long_amount`] reads it).
#[inline]
fn short_amount(s: &[u8], j: usize) -> Option<Option<(u64, u32, usize)>> {
    let w = word(s, j)?;
    let points = !non_zero_bytes(w ^ (u64::from(b'.') * ONES)) & HIGHS;
    let ends = non_digits(w) & !points;
    if ends == 0 {
        return None;
    }
    // Bytes of digits and points before the first other byte.
    let e = ends.trailing_zeros() / 8;
    let points = points & ((1u64 << (8 * e)) - 1);
    let digits = e - points.count_ones();
    if points.count_ones() > 1 || digits == 0 || s.get(j + e as usize) != Some(&b'\n') {
        return Some(None);
    }
    let x = w ^ (u64::from(b'0') * ONES);
    let (x, scale) = if points == 0 {
        (x, 0)
    } else {
        // The point's byte taken out: the bytes above it move down one.
        let p = points.trailing_zeros() / 8;
        let below = (1u64 << (8 * p)) - 1;
        ((x & below) | ((x >> 8) & !below), e - p - 1)
    };
    Some(Some((digits_value(x, digits), scale, j + e as usize + 1)))
}

/// Appends a plain row's spill record to `out`, byte for byte as
/// `super::encode` writes the same row: `delta` is its ordinal's distance
/// from the previous record's. Returns the lowest bit of its header
/// (see `super::header`).
///
/// Always inlined: called once a row, it was left out of line once it
/// returned its bit, which cost about 23 instructions a row (callgrind).
#[inline(always)]
pub(super) fn encode(out: &mut Vec<u8>, delta: u64, flags: u8, row: &PlainRow) -> u64 {
    // At most 18 digits: below 2^63, but a mantissa of 2^58 or more does
    // not share a varint with its scale (the general encoder writes it).
    if row.mantissa >= NARROW_LIMIT / 2 {
        let record = Record {
            ordinal: delta,
            flags,
            key: Key::Number(row.id),
            spelling: &[],
            day: row.day,
            amount: Decimal::try_new(row.mantissa as i64, row.scale).unwrap_or_default(),
            quantity: None,
            category: None,
        };
        return super::encode(out, 0, &record);
    }
    // Five varints of at most ten bytes, written into a local buffer
    // (whose index the compiler keeps in a register, where pushes to
    // `out` would reload its length after every byte) and appended once.
    let mut record = [0u8; 64];
    let mut n = 0usize;
    let mut put = |mut v: u64| {
        while v >= 0x80 {
            record[n & 63] = (v as u8) | 0x80;
            n += 1;
            v >>= 7;
        }
        record[n & 63] = v as u8;
        n += 1;
    };
    let head = header(delta, flags);
    put(head);
    if head & 1 == 0 {
        put(u64::from(flags));
    }
    put(row.id);
    put(day_code(row.day));
    put(amount_code(row.mantissa as i64, row.scale));
    // A record seldom passes 32 bytes: those are copied as 32 and cut
    // back, a copy of fixed size done in two moves rather than a call to
    // the system's `memcpy` per record (a tenth of the parsing threads'
    // time on the 100M-row benchmark).
    let n = n.min(64);
    if n <= 32 {
        let start = out.len();
        out.extend_from_slice(&record[..32]);
        out.truncate(start + n);
    } else {
        out.extend_from_slice(&record[..n]);
    }
    head & 1
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::super::{ID_NUMBER, Key, Record, put_varint};
    use super::*;

    /// The general encoder's varint.
    fn varint(v: u64) -> Vec<u8> {
        let mut out = Vec::new();
        put_varint(&mut out, v);
        out
    }
    use crate::csv::parse::{DateCache, parse_amount, parse_u64};

    /// What the general reader makes of a plain line's three fields.
    fn general(id: &[u8], date: &[u8], amount: &[u8]) -> Option<(u64, i32, Decimal)> {
        let n = parse_u64(id)?;
        let day = DateCache::new().get(date).ok()?.days_since_epoch();
        Some((n, day, parse_amount(amount)?))
    }

    #[test]
    fn plain_lines_read_as_the_general_reader_reads_them() {
        let lines: &[&[u8]] = &[
            b"1,2022-04-19,30.81\n",
            b"0,1970-01-01,0\n",
            b"9999999999999999999,9999-12-31,999999999999999999\n",
            b"42,2024-02-29,7.\n",
            b"42,2024-02-29,.5\n",
            b"42,2024-02-29,0.00000000000000001",
            b"42,2024-02-29,1.00000000000000000",
        ];
        for &text in lines {
            let mut days = DayCache::new();
            let (row, taken) = line(text, b',', &mut days).expect("plain");
            assert_eq!(taken, text.len());
            let body = text.strip_suffix(b"\n").unwrap_or(text);
            let fields: Vec<&[u8]> = body.split(|&b| b == b',').collect();
            let (n, day, amount) = general(fields[0], fields[1], fields[2]).expect("valid");
            assert_eq!((row.id, row.day), (n, day), "{text:?}");
            assert_eq!(Decimal::new(row.mantissa as i64, row.scale), amount);
            assert_eq!(amount.scale(), row.scale);
        }
        // 20 digits: for the general reader (it may not fit a u64).
        assert!(
            line(
                b"18446744073709551615,2022-01-01,1\n",
                b',',
                &mut DayCache::new()
            )
            .is_none()
        );
    }

    #[test]
    fn anything_else_goes_to_the_general_reader() {
        let lines: &[&[u8]] = &[
            b"",
            b"\n",
            b"01,2022-04-19,1\n",
            b" 1,2022-04-19,1\n",
            b"1 ,2022-04-19,1\n",
            b"1,2022-04-19 ,1\n",
            b"1,2022-04-19,1 \n",
            b"1,2022-04-19,1\r\n",
            b"1,2022-04-19,-1\n",
            b"1,2022-04-19,+1\n",
            b"1,2022-04-19,1e2\n",
            b"1,2022-04-19,.\n",
            b"1,2022-04-19,\n",
            b"1,2022-04-19,1.2.3\n",
            b"1,2022-04-19,1234567890123456789\n",
            b"1,2022-02-30,1\n",
            b"1,2022-13-01,1\n",
            b"1,0000-01-01,1\n",
            b"1,20220419,1\n",
            b"1,2022/04/19,1\n",
            b"1,2022-04-19T10:00,1\n",
            b"1,2022-04-19,1,2\n",
            b"1,2022-04-19\n",
            b"a,2022-04-19,1\n",
            b",2022-04-19,1\n",
            b"1;2022-04-19;1\n",
        ];
        for &text in lines {
            assert!(
                line(text, b',', &mut DayCache::new()).is_none(),
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
        assert!(line(b"1;2022-04-19;1\n", b';', &mut DayCache::new()).is_some());
    }

    #[test]
    fn the_day_cache_gives_the_dates_days() {
        let mut days = DayCache::new();
        for text in ["2022-04-19", "2023-12-31", "1970-01-01", "2022-04-19"] {
            let want = Date::parse(text).unwrap().days_since_epoch();
            let bytes: &[u8; 10] = text.as_bytes().try_into().unwrap();
            assert_eq!(days.day(bytes), Some(want), "{text}");
        }
        assert_eq!(days.day(b"2023-02-29"), None);
        // Every day of 1999-2031, twice (the second time from the cache,
        // where slots are shared), and what is no date, twice.
        let first = Date::parse("1999-01-01").unwrap().days_since_epoch();
        for _ in 0..2 {
            for d in first..first + 12_000 {
                let date = Date::from_days_since_epoch(d).unwrap();
                let text = date.to_string();
                let bytes: &[u8; 10] = text.as_bytes().try_into().unwrap();
                assert_eq!(days.day(bytes), Some(d), "{text}");
            }
            for text in [
                b"\0\0\0\0\0\0\0\0\0\0",
                b"2023-02-29",
                b"2023/02/28",
                b"2023-2-28 ",
                b"+023-02-28",
                b"2023-00-10",
            ] {
                assert_eq!(days.day(text), None, "{text:?}");
            }
        }
    }

    #[test]
    fn records_are_those_of_the_general_encoder() {
        let rows = [
            PlainRow {
                id: 7,
                day: 19_000,
                mantissa: 3081,
                scale: 2,
            },
            PlainRow {
                id: u64::MAX / 2,
                day: -719_162,
                mantissa: 999_999_999_999_999_999,
                scale: 18,
            },
            PlainRow {
                id: 0,
                day: 0,
                mantissa: 0,
                scale: 0,
            },
        ];
        for (k, row) in rows.iter().enumerate() {
            for flags in [ID_NUMBER, ID_NUMBER | super::super::BEFORE_SWITCH] {
                let delta = 1u64 << (9 * k);
                let mut want = Vec::new();
                let record = Record {
                    ordinal: 1000 + delta,
                    flags,
                    key: Key::Number(row.id),
                    spelling: &[],
                    day: row.day,
                    amount: Decimal::new(row.mantissa as i64, row.scale),
                    quantity: None,
                    category: None,
                };
                let want_bit = super::super::encode(&mut want, 1000, &record);
                let mut got = Vec::new();
                let bit = encode(&mut got, delta, flags, row);
                assert_eq!(got, want);
                assert_eq!(bit, want_bit);
                // The flags of a number read before any string, with a
                // narrow amount, are folded into the first varint.
                let folded = flags == super::super::FOLDED && k != 1;
                assert_eq!(bit, u64::from(folded));
                let head = varint((delta << 1) | bit);
                assert_eq!(got[..head.len()], head[..]);
                if !folded {
                    // The flags byte follows (a wide amount says so).
                    assert_eq!(got[head.len()] & !super::super::WIDE_AMOUNT, flags);
                }
                // And read back as written.
                let mut bytes = got.clone();
                bytes.resize(bytes.len() + 256, 0);
                let mut decoder = super::super::Decoder {
                    bytes: &bytes[..got.len()],
                    at: 0,
                    ordinal: 1000,
                };
                let back = decoder.next().unwrap().unwrap();
                assert_eq!(
                    (back.ordinal, back.flags & !super::super::WIDE_AMOUNT),
                    (1000 + delta, flags)
                );
                assert_eq!(
                    (back.key, back.day, back.amount),
                    (record.key, record.day, record.amount)
                );
                assert_eq!(decoder.at, got.len());
                let mut decoder = super::super::Decoder {
                    bytes: &bytes,
                    at: 0,
                    ordinal: 1000,
                };
                let back = decoder.next().unwrap().unwrap();
                assert_eq!(
                    (back.ordinal, back.key, back.amount),
                    (1000 + delta, record.key, record.amount)
                );
                assert_eq!(decoder.at, got.len());
            }
        }
    }

    /// The plain-line parser reading byte by byte only.
    fn bytewise(s: &[u8], delimiter: u8) -> Option<(u64, i32, u64, u32, usize)> {
        let (id, i) = long_id(s, delimiter)?;
        if *s.get(i)? != delimiter {
            return None;
        }
        let date: &[u8; 10] = s.get(i + 1..i + 11)?.try_into().ok()?;
        if *s.get(i + 11)? != delimiter {
            return None;
        }
        let day = DayCache::new().day(date)?;
        let (mantissa, scale, taken) = long_amount(s, i + 12)?;
        Some((id, day, mantissa, scale, taken))
    }

    /// Ids and amounts of awkward shapes (around eight bytes, leading
    /// zeros, points anywhere, stray bytes, the block's end) read eight
    /// bytes at a time as byte by byte.
    #[test]
    fn words_read_what_bytes_read() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        let field = proptest::collection::vec(
            prop_oneof![
                6 => proptest::sample::select(b"0123456789".to_vec()),
                2 => Just(b'.'),
                1 => proptest::sample::select(b",\n-x \r".to_vec()),
            ],
            0..12,
        );
        let tail =
            proptest::collection::vec(proptest::sample::select(b"0123456789.,\n".to_vec()), 0..10);
        let mut runner = TestRunner::new(Config::with_cases(20_000));
        runner
            .run(&(field.clone(), field, tail), |(id, amount, tail)| {
                let mut text = id.clone();
                text.extend_from_slice(b",2023-06-30,");
                text.extend_from_slice(&amount);
                text.extend_from_slice(&tail);
                let got = line(&text, b',', &mut DayCache::new())
                    .map(|(r, taken)| (r.id, r.day, r.mantissa, r.scale, taken));
                prop_assert_eq!(
                    got,
                    bytewise(&text, b','),
                    "{:?}",
                    String::from_utf8_lossy(&text)
                );
                Ok(())
            })
            .unwrap();
        // The common shapes, each way of ending.
        for text in [
            &b"1234567,2023-06-30,123.45\n1,"[..],
            b"12345678,2023-06-30,1234567\n",
            b"1234567,2023-06-30,12345678\n",
            b"7,2023-06-30,.5\n0000000",
            b"7,2023-06-30,5.\n0000000",
            b"0,2023-06-30,0\n0000000",
        ] {
            let want = bytewise(text, b',');
            assert!(want.is_some(), "{text:?}");
            let got = line(text, b',', &mut DayCache::new())
                .map(|(r, taken)| (r.id, r.day, r.mantissa, r.scale, taken));
            assert_eq!(got, want, "{text:?}");
        }
    }
}
