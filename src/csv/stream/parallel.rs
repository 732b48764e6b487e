//! The first pass on several threads: the reading thread cuts the log
//! into blocks of whole lines, parsing threads turn each block into spill
//! records by partition, and the reading thread takes the blocks back in
//! file order and hands them to the spill writer.
//!
//! A parsing thread cannot know what the lines before its block decide:
//! the rows before it (the ordinals), whether an id that is not a number
//! came before it ([`IdKind::Auto`]), the first refund or overflow. So it
//! parses speculatively: ordinals count from the block's start, the
//! switch is taken from a hint, and the block's figures are kept apart.
//! Taking a block back, the reading thread checks that the speculation
//! holds (no error, no refund under [`RefundPolicy::Reject`], the same
//! switch, an excluded sum that adds exactly); if it does not, it parses
//! the block again itself, in order, exactly as one thread would. The
//! result is the same records and the same first error, at the same line,
//! whatever the blocks.
//!
//! Line numbers are the file's: a parsing thread counts the lines of its
//! block from 0, and only the reading thread, which parses again any
//! block that fails, names lines in errors.
//!
//! A block with a quote or a lone carriage return ends the parallel part:
//! the blocks before it are taken back, and the rest of the log is read
//! with the csv crate on the reading thread, as [`CsvOptions::read`]
//! does.

use std::io::{self, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use rust_decimal::Decimal;

use super::super::options::{CsvOptions, IdKind};
use super::super::read::{io_error, needs_csv_parser, read_quoted, split_delimited};
use super::super::sink::{Layout, ParsedRow, Sink, Target};
use super::{
    Block, ID_MASK, ID_SPELLED, IdClass, Phase, Record, Spill, Stats, ToWriter, classify,
    key_and_flags, partition, plain,
};
use crate::error::{Error, Result};
use crate::model::CategoryId;
use crate::summary::Excluded;

/// Blocks being parsed or waiting to be taken back, per parsing thread.
const IN_FLIGHT_PER_THREAD: usize = 2;

/// Reads `input` (a log split at the byte `delimiter`) in blocks of about
/// `block_size` bytes, parsed on `threads` threads, into `sink`'s spill;
/// `path` names the input in I/O errors.
pub(in crate::csv) fn drive<R: Read>(
    csv: &CsvOptions,
    input: R,
    path: &Path,
    delimiter: u8,
    block_size: usize,
    threads: usize,
    sink: &mut Sink<'_, Spill<'_>>,
) -> Result<()> {
    let mut blocks = Blocks::new(input, block_size);
    // Lines before the next block.
    let mut line = 0u64;
    let mut bounds = Vec::with_capacity(16);
    // On this thread until the columns are known (the header, or the
    // first line of a headerless file).
    let layout = loop {
        if let Some(layout) = sink.layout() {
            break layout;
        }
        let mut block = Vec::new();
        match blocks.next(&mut block) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => return Err(io_error(path, line + 1, e)),
        }
        if needs_csv_parser(&block) {
            return read_quoted(blocks.rest(block), delimiter, line, path, sink);
        }
        split_delimited(&block, delimiter, &mut line, &mut bounds, sink)?;
    };
    let hint = AtomicBool::new(sink.target.switched);
    let (reject, last_day, parts) = (sink.target.reject, sink.target.last_day, sink.target.parts);
    let speculative = || Speculative {
        kind: csv.id_kind(),
        reject,
        last_day,
        parts,
        block: Block::default(),
        rows: 0,
        hint: false,
        switched: false,
        switched_here: false,
        before_switch: 0,
        stats: Stats::default(),
        excluded_bound: Some((0, 0)),
        failed: false,
    };
    std::thread::scope(|scope| {
        let mut jobs = Vec::with_capacity(threads);
        let mut results = Vec::with_capacity(threads);
        for _ in 0..threads {
            let (to_parser, parser_jobs) = mpsc::sync_channel::<Job>(IN_FLIGHT_PER_THREAD);
            let (parsed, from_parser) = mpsc::channel::<Parsed>();
            let hint = &hint;
            let target = speculative();
            scope.spawn(move || {
                parse_blocks(csv, layout, delimiter, target, hint, &parser_jobs, &parsed);
            });
            jobs.push(to_parser);
            results.push(from_parser);
        }
        let mut order = Order {
            jobs,
            results,
            sent: 0,
            taken: 0,
            spare: Vec::new(),
        };
        let mut taker = Taker {
            delimiter,
            hint: &hint,
            bounds,
            line,
        };
        loop {
            let mut block = order.spare.pop().unwrap_or_default();
            let more = match blocks.next(&mut block) {
                Ok(more) => more,
                Err(e) => {
                    order.drain(&mut taker, sink)?;
                    return Err(io_error(path, taker.line + 1, e));
                }
            };
            if !more {
                return order.drain(&mut taker, sink);
            }
            if needs_csv_parser(&block) {
                order.drain(&mut taker, sink)?;
                return read_quoted(blocks.rest(block), delimiter, taker.line, path, sink);
            }
            if order.sent - order.taken >= threads * IN_FLIGHT_PER_THREAD {
                order.take(&mut taker, sink)?;
            }
            let out = sink.target.empty_block();
            order.send(Job { bytes: block, out })?;
        }
    })
}

/// A block to parse: its bytes, and where its records go.
struct Job {
    bytes: Vec<u8>,
    out: Block,
}

/// A parsed block, with what it found.
struct Parsed {
    job: Job,
    /// The block's lines (when parsed to its end).
    lines: u64,
    rows: u64,
    /// The switch hint the block was parsed with.
    hint: bool,
    /// Whether an id that is not a number is in the block.
    switched_here: bool,
    /// Rows flagged as read before the first id that is not a number.
    before_switch: u64,
    stats: Stats,
    excluded_bound: Option<(u128, u32)>,
    /// A parse error, a refund to reject, an overflow or a category: the
    /// block must be parsed again in order.
    failed: bool,
}

/// Blocks sent to the parsing threads, round robin, and taken back in the
/// same order.
struct Order {
    jobs: Vec<mpsc::SyncSender<Job>>,
    results: Vec<mpsc::Receiver<Parsed>>,
    sent: usize,
    taken: usize,
    /// Emptied block buffers, to read into again.
    spare: Vec<Vec<u8>>,
}

impl Order {
    fn send(&mut self, job: Job) -> Result<()> {
        let n = self.jobs.len();
        self.jobs[self.sent % n]
            .send(job)
            .map_err(|_| parser_stopped())?;
        self.sent += 1;
        Ok(())
    }

    /// Takes the oldest block back.
    fn take(&mut self, taker: &mut Taker<'_>, sink: &mut Sink<'_, Spill<'_>>) -> Result<()> {
        let n = self.results.len();
        let parsed = self.results[self.taken % n]
            .recv()
            .map_err(|_| parser_stopped())?;
        self.taken += 1;
        let bytes = taker.take(parsed, sink)?;
        self.spare.push(bytes);
        Ok(())
    }

    /// Takes back every block sent.
    fn drain(&mut self, taker: &mut Taker<'_>, sink: &mut Sink<'_, Spill<'_>>) -> Result<()> {
        while self.taken < self.sent {
            self.take(taker, sink)?;
        }
        Ok(())
    }
}

/// A parsing thread that stopped (it panicked: its panic is raised when
/// the thread is joined).
fn parser_stopped() -> Error {
    Error::InvalidValue {
        what: "parsing thread",
        reason: "stopped".into(),
    }
}

/// Takes parsed blocks back on the reading thread.
struct Taker<'h> {
    delimiter: u8,
    hint: &'h AtomicBool,
    bounds: Vec<(usize, usize)>,
    /// Lines before the next block to take back.
    line: u64,
}

impl Taker<'_> {
    /// Adds a parsed block to the spill in file order, or parses it again
    /// in order when its speculation does not hold; returns its buffer.
    fn take(&mut self, parsed: Parsed, sink: &mut Sink<'_, Spill<'_>>) -> Result<Vec<u8>> {
        let spill = &mut sink.target;
        let same_switch = parsed.hint == spill.switched || parsed.before_switch == 0;
        let exact_sum = spill.deferred.is_some()
            || parsed.stats.excluded.transactions == 0
            || adds_exactly(&spill.stats.excluded, parsed.excluded_bound);
        let Job { bytes, mut out } = parsed.job;
        if parsed.failed || !same_switch || !exact_sum {
            drop(out);
            split_delimited(
                &bytes,
                self.delimiter,
                &mut self.line,
                &mut self.bounds,
                sink,
            )?;
            self.hint.store(sink.target.switched, Ordering::Relaxed);
            return Ok(bytes);
        }
        if spill.deferred.is_none() {
            if let Err(e) = spill.stats.merge(&parsed.stats) {
                spill.deferred = Some(super::Deferred::Other(e));
            }
        }
        if parsed.switched_here && !spill.switched {
            spill.switched = true;
            self.hint.store(true, Ordering::Relaxed);
        }
        out.base = spill.rows;
        spill.rows += parsed.rows;
        self.line += parsed.lines;
        // The rows parsed on this thread so far go first.
        if !spill.send_batch() || !spill.send(ToWriter::Block(out)) {
            return Err(super::Spill::stopped());
        }
        spill.progress.report(Phase::Reading, spill.rows, false);
        Ok(bytes)
    }
}

/// Whether adding a block's excluded amounts (at most `bound`: the sum
/// of their magnitudes as a mantissa and scale) to `total` one by one
/// can neither overflow nor round: then their sum added to `total` is the
/// same number, at the same scale, as the amounts added in order.
fn adds_exactly(total: &Excluded, bound: Option<(u128, u32)>) -> bool {
    let Some(bound) = bound else { return false };
    let amount = total.amount;
    add_magnitude(bound, amount.mantissa().unsigned_abs(), amount.scale())
        .is_some_and(|(m, _)| m < 1u128 << 96)
}

/// `sum` (a mantissa and scale) plus `mantissa` at `scale`, at the larger
/// scale; `None` past `u128`.
fn add_magnitude(sum: (u128, u32), mantissa: u128, scale: u32) -> Option<(u128, u32)> {
    let (m, s) = sum;
    let to = s.max(scale);
    let a = m.checked_mul(10u128.checked_pow(to - s)?)?;
    let b = mantissa.checked_mul(10u128.checked_pow(to - scale)?)?;
    Some((a.checked_add(b)?, to))
}

/// A parsing thread: parses each block it is sent into its partitions'
/// records, and sends it back with what it found.
fn parse_blocks(
    csv: &CsvOptions,
    layout: Layout,
    delimiter: u8,
    target: Speculative,
    hint: &AtomicBool,
    jobs: &mpsc::Receiver<Job>,
    results: &mpsc::Sender<Parsed>,
) {
    // Plain lines (numeric ids, ISO dates, plain amounts) are read by
    // the plain-line parser, the others by the general one.
    let plain = layout.is_plain()
        && csv.date_format().is_none()
        && plain::plain_delimiter(delimiter)
        && matches!(csv.id_kind(), IdKind::Auto | IdKind::Numeric)
        && !csv.decimal_comma();
    let mut sink = Sink::with_layout(csv, layout, target);
    let mut bounds = Vec::with_capacity(16);
    let mut days = plain::DayCache::new();
    for mut job in jobs {
        let switched = hint.load(Ordering::Relaxed);
        sink.target.start(std::mem::take(&mut job.out), switched);
        let mut lines = 0;
        let failed = if plain {
            split_plain(
                &job.bytes,
                delimiter,
                &mut lines,
                &mut bounds,
                &mut days,
                &mut sink,
            )
        } else {
            split_delimited(&job.bytes, delimiter, &mut lines, &mut bounds, &mut sink)
        }
        .is_err();
        let t = &mut sink.target;
        job.out = std::mem::take(&mut t.block);
        let parsed = Parsed {
            job,
            lines,
            rows: t.rows,
            hint: t.hint,
            switched_here: t.switched_here,
            before_switch: t.before_switch,
            stats: t.stats.clone(),
            excluded_bound: t.excluded_bound,
            failed: failed || t.failed,
        };
        if results.send(parsed).is_err() {
            return;
        }
    }
}

/// [`split_delimited`] for a block of a log whose lines may be plain
/// (see [`plain`]): each plain line is read by the plain-line parser, any
/// other by the general one, so the rows are the same.
fn split_plain(
    block: &[u8],
    delimiter: u8,
    lines: &mut u64,
    bounds: &mut Vec<(usize, usize)>,
    days: &mut plain::DayCache,
    sink: &mut Sink<'_, Speculative>,
) -> Result<()> {
    let mut at = 0;
    while let Some(rest) = block.get(at..).filter(|r| !r.is_empty()) {
        if let Some((row, taken)) = plain::line(rest, delimiter, days) {
            *lines += 1;
            sink.target.push_plain(&row);
            at += taken;
        } else {
            let end = rest
                .iter()
                .position(|&b| b == b'\n')
                .map_or(rest.len(), |i| i + 1);
            split_delimited(&rest[..end], delimiter, lines, bounds, sink)?;
            at += end;
        }
    }
    Ok(())
}

/// A parsing thread's target: encodes the rows of a block into its
/// partitions' records, with ordinals from the block's start.
struct Speculative {
    kind: IdKind,
    reject: bool,
    last_day: i32,
    parts: usize,
    block: Block,
    rows: u64,
    hint: bool,
    /// Whether an id that is not a number came before, as far as known.
    switched: bool,
    switched_here: bool,
    before_switch: u64,
    stats: Stats,
    /// The sum of the excluded amounts' magnitudes, as a mantissa and
    /// scale (`None` past `u128`).
    excluded_bound: Option<(u128, u32)>,
    failed: bool,
}

impl Speculative {
    fn start(&mut self, mut block: Block, switched: bool) {
        block.parts.resize_with(self.parts, Default::default);
        for part in &mut block.parts {
            part.clear();
        }
        self.block = block;
        self.rows = 0;
        self.hint = switched;
        self.switched = switched;
        self.switched_here = false;
        self.before_switch = 0;
        self.stats = Stats::default();
        self.excluded_bound = Some((0, 0));
        self.failed = false;
    }
}

impl Target for Speculative {
    type Customer = IdClass;

    #[inline]
    fn customer(&mut self, options: &CsvOptions, line: u64, text: &[u8]) -> Result<IdClass> {
        let class = classify(self.kind, options, line, text)?;
        if matches!(class, IdClass::Text) {
            self.switched = true;
            self.switched_here = true;
        }
        Ok(class)
    }

    /// Categories are numbered in order of appearance: not here.
    fn category(&mut self, _name: &str) -> Result<CategoryId> {
        self.failed = true;
        Err(Error::InvalidValue {
            what: "category",
            reason: "read in file order".into(),
        })
    }

    #[inline]
    fn push(&mut self, row: ParsedRow<'_, IdClass>) -> Result<()> {
        let ordinal = self.rows;
        self.rows += 1;
        let (key, flags) = key_and_flags(self.kind, self.switched, row.customer, row.id);
        if flags & super::BEFORE_SWITCH != 0 {
            self.before_switch += 1;
        }
        let amount = row.amount;
        let day = row.date.days_since_epoch();
        if !self.failed {
            if self.reject && amount.is_sign_negative() && !amount.is_zero() {
                self.failed = true;
            } else if day > self.last_day {
                self.exclude(amount);
            } else {
                self.stats.include(amount, key);
            }
        }
        let spelling = if flags & ID_MASK == ID_SPELLED {
            row.id
        } else {
            &[]
        };
        let record = Record {
            ordinal,
            flags,
            key,
            spelling,
            day,
            amount,
            quantity: row.quantity,
            category: row.category.map(|c| c.get()),
        };
        let part = partition(key, 0, self.parts);
        self.block.parts[part].push(&record);
        Ok(())
    }
}

impl Speculative {
    /// [`Target::push`] of a plain row: the same record and figures.
    #[inline]
    fn push_plain(&mut self, row: &plain::PlainRow) {
        let ordinal = self.rows;
        self.rows += 1;
        let mut flags = super::ID_NUMBER;
        if !self.switched {
            flags |= super::BEFORE_SWITCH;
            self.before_switch += 1;
        }
        // Not negative: no refund to reject.
        if !self.failed {
            if row.day > self.last_day {
                // At most 18 digits and scale: always a Decimal.
                let amount = Decimal::try_new(row.mantissa as i64, row.scale).unwrap_or_default();
                self.exclude(amount);
            } else {
                self.stats.include_plain(row.mantissa, row.scale, row.id);
            }
        }
        let part = partition(super::Key::Number(row.id), 0, self.parts);
        self.block.parts[part].push_plain(ordinal, flags, row);
    }

    #[cold]
    fn exclude(&mut self, amount: Decimal) {
        let add = Excluded {
            transactions: 1,
            amount,
        };
        if self.stats.excluded.add(add).is_err() {
            self.failed = true;
        }
        self.excluded_bound = self
            .excluded_bound
            .and_then(|sum| add_magnitude(sum, amount.mantissa().unsigned_abs(), amount.scale()));
    }
}

/// The input in blocks of whole lines (the last one may lack its line
/// end), about `size` bytes each (more for a longer line), a leading
/// byte-order mark skipped.
struct Blocks<R> {
    input: R,
    size: usize,
    /// Bytes read past the last block's last line end.
    carry: Vec<u8>,
    eof: bool,
    started: bool,
}

impl<R: Read> Blocks<R> {
    fn new(input: R, size: usize) -> Blocks<R> {
        Blocks {
            input,
            size: size.max(1),
            carry: Vec::new(),
            eof: false,
            started: false,
        }
    }

    /// Fills `block` with the next block; false at the end of the input.
    ///
    /// The bytes `block` holds from its last use are overwritten rather
    /// than zeroed again: only a block longer than any before it grows.
    fn next(&mut self, block: &mut Vec<u8>) -> io::Result<bool> {
        // Bytes of `block` that are the block's so far.
        let mut len = self.carry.len();
        if block.len() < len {
            block.resize(len, 0);
        }
        block[..len].copy_from_slice(&self.carry);
        self.carry.clear();
        let mut want = self.size;
        let mut searched = 0;
        let more = loop {
            if self.eof {
                break len > 0;
            }
            if len >= want {
                if let Some(end) = block[searched..len].iter().rposition(|&b| b == b'\n') {
                    let end = searched + end + 1;
                    self.carry.extend_from_slice(&block[end..len]);
                    len = end;
                    break true;
                }
                // No line end in the whole block: a very long line.
                searched = len;
                want = len * 2;
            }
            let room = want.max(len + 1);
            if block.len() < room {
                block.resize(room, 0);
            }
            match self.input.read(&mut block[len..room]) {
                Ok(0) => self.eof = true,
                Ok(n) => len += n,
                Err(e) => {
                    if e.kind() != io::ErrorKind::Interrupted {
                        block.truncate(len);
                        return Err(e);
                    }
                }
            }
            if !self.started && (len >= 3 || self.eof) {
                self.started = true;
                if block[..len].starts_with(b"\xEF\xBB\xBF") {
                    block.copy_within(3..len, 0);
                    len -= 3;
                }
            }
        };
        block.truncate(len);
        Ok(more)
    }

    /// The rest of the input, from `block` on, as one reader.
    fn rest(self, mut block: Vec<u8>) -> io::Chain<io::Cursor<Vec<u8>>, R> {
        block.extend_from_slice(&self.carry);
        io::Cursor::new(block).chain(self.input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_end_at_line_ends_and_keep_every_byte() {
        let text = b"\xEF\xBB\xBFa,b\nccc,d\n\ne,f,g,h,i,j\nlast";
        for size in [1, 2, 5, 8, 64] {
            let mut blocks = Blocks::new(&text[..], size);
            let mut all = Vec::new();
            // A buffer left longer by an earlier use.
            let mut block = vec![b'x'; 100];
            while blocks.next(&mut block).unwrap() {
                assert!(
                    block.ends_with(b"\n") || block.ends_with(b"last"),
                    "size {size}: {block:?}"
                );
                all.extend_from_slice(&block);
            }
            assert_eq!(all, &text[3..], "size {size}");
        }
    }

    #[test]
    fn magnitudes_add_at_the_larger_scale() {
        assert_eq!(add_magnitude((150, 2), 3, 0), Some((450, 2)));
        assert_eq!(add_magnitude((7, 0), 25, 1), Some((95, 1)));
        assert_eq!(add_magnitude((u128::MAX, 0), 1, 0), None);
        let total = Excluded {
            transactions: 1,
            amount: Decimal::MAX,
        };
        assert!(!adds_exactly(&total, Some((1, 0))));
        assert!(adds_exactly(&Excluded::default(), Some((1, 0))));
        assert!(!adds_exactly(&Excluded::default(), None));
    }
}
