//! Summaries of logs larger than memory: [`StreamingSummarizer`] spills
//! a log into partitions by customer, summarises each in memory, and
//! merges their rows into the bytes the in-memory path writes.

use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::collections::binary_heap::PeekMut;
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use rust_decimal::Decimal;
use rustc_hash::{FxHashMap, FxHashSet};

use super::SummaryFormat;
use super::options::{CsvOptions, Delimiter, IdKind, Role};
use super::parse::parse_u64;
use super::read::CHUNK_SIZE;
use super::sink::{ParsedRow, Sink, Target, parse_error};
use super::write::{
    RowFormat, RowKey, holdout_header, keyed_holdout_rows, keyed_summary_rows, summary_header,
};
use crate::error::{Error, Result};
use crate::model::{CategoryId, CustomerId, Date, Transaction, TransactionLog};
use crate::summary::{Excluded, RefundPolicy, ShardOf, Summarizer};

mod parallel;
mod plain;

/// The default memory budget: 1 GiB.
pub const DEFAULT_MEMORY: u64 = 1 << 30;

/// The memory a streaming run takes whatever its budget (the program, the
/// blocks being parsed, threads, buffers: about 20-35 MiB measured), left
/// out of the spill records held in memory by default.
const FIXED_MEMORY: u64 = 32 << 20;

/// Bytes of memory one transaction takes while its partition is
/// summarised (the transaction, its staged copies, its share of the
/// customer rows, hash maps and run), measured with some margin (a
/// 4M-row partition of the benchmark's log peaked at about 80 bytes a
/// row).
const BYTES_PER_ROW: u64 = 160;

/// Summarises a CSV transaction log of any size in bounded memory: it
/// reads the log once, spills its rows into partitions by customer,
/// summarises each partition in memory, and merges the partitions' rows
/// into the file [`write_summary`](super::write_summary) would write for
/// the whole log. With the feature `parquet`, it also reads Parquet logs
/// (`prepare_parquet`).
///
/// # How it works
/// 1. **Partition.** The log is read with the same parser as
///    [`CsvOptions::read`] (same errors, same line numbers), and each row is
///    appended, as a compact binary record (about 10-11 bytes for a
///    numeric id, a date and a price), to one of `P` partitions chosen by a hash
///    of its customer id, so all of a customer's rows land in one
///    partition, in file order. `P` comes from the input's size and the
///    memory budget. A partition's records are held in memory while all
///    the held records fit [`spill_in_memory`](Self::spill_in_memory)
///    (by default 3/8 of the budget beyond 32 MiB when the whole spill
///    should fit it, else nothing); a partition that would pass it is
///    written to its spill file, and appended to from then on.
///    The first pass also gathers what the whole log decides: the amounts'
///    largest scale (sums are written at it), whether the ids are all
///    numbers ([`IdKind::Auto`]), and the first refund. The calling thread
///    reads the log in blocks of whole lines (1 MiB, or
///    [`buffer_size`](Self::buffer_size)); as many threads as the
///    summariser has (at most 4) parse the blocks at once, each into its
///    partitions' records, and the calling thread takes them back in file
///    order and hands them to a thread that writes the spill files. A
///    parsing thread does not know what the lines before its block decide
///    (how many rows came before, whether an id was not a number), so a
///    block whose rows depend on it, or that has an error or a refund to
///    reject, is parsed again in order on the calling thread: the records,
///    and the first error with its line, are the same as from one thread.
///    From the first quoted field (or lone carriage return) on, and with
///    one thread, a whitespace delimiter or a category column, the calling
///    thread parses and the writing thread encodes.
/// 2. **Summarise.** Each partition is read back (or decoded from memory)
///    and summarised by [`Summarizer`]'s in-memory code; a partition too
///    large for the budget is first split again by another hash. Its rows,
///    formatted as in the final file and sorted as in it, make a run: held
///    in memory while the held allowance has room (the records of the
///    partitions already summarised give theirs back), else a run file
///    (with numeric ids, written over the partition's spill file, whose
///    cached pages it reuses).
///    As many partitions as the summariser has threads (at most 4) are
///    summarised at once, each within its share of the budget.
/// 3. **Merge.** [`PreparedSummary::write_summary`] merges the sorted runs
///    (a k-way merge on the customer's number, or on its name in byte
///    order) under one header;
///    [`write_summary_once`](PreparedSummary::write_summary_once) also
///    cuts each run file as it reads it, so that the output takes the
///    runs' pages in the page cache rather than fresh ones.
///
/// Memory stays near the budget ([`memory`](Self::memory), 1 GiB by
/// default) whatever the input size: one partition per thread is in memory,
/// plus the held spill records and runs, the write buffers of the first
/// pass and the read buffers of the merge. The category names (the `categories` column) are held for the
/// whole run, which assumes a log has far fewer categories than rows.
///
/// # Same result as in memory
/// The output is byte for byte what [`CsvOptions::read`],
/// [`Summarizer::summarize`] and [`write_summary`](super::write_summary)
/// (or [`write_summary_with`](super::write_summary_with) with
/// [`StreamingSummarizer::format`]) write, for any input order and any
/// number of partitions, including customer labels under [`IdKind::Auto`]
/// when a file mixes numbers and strings. Errors are the same values: the
/// first bad line's [`Error::Parse`] with its line counted from the start
/// of the file, a refund's [`Error::InvalidTransaction`] under
/// [`RefundPolicy::Reject`](crate::RefundPolicy::Reject) with its
/// transaction index and customer id, and the summary's own errors. One
/// difference: the in-memory summary refuses more than 2^32 - 1
/// transactions, the streaming one does not.
///
/// # Temporary files
/// Spill and run files live in a directory
/// `customer-value-spill-PID-NANOS-N` under
/// [`StreamingSummarizer::temp_dir`] (the system's temporary directory by
/// default). It is removed when the run ends, fails, or its
/// [`PreparedSummary`] is dropped. A process killed outright (`SIGKILL`,
/// power loss) cannot clean up: the next run removes every such directory
/// whose process id is no longer running (on Linux, where `/proc` says
/// so; elsewhere, directories older than a week). The output file of
/// [`StreamingSummarizer::summarize_path`] is written to a temporary file
/// beside it and renamed over it, so an interrupted run never leaves a
/// partial output.
///
/// # Example
/// ```
/// use customer_value::csv::{CsvOptions, StreamingSummarizer, write_summary};
/// use customer_value::{Date, Summarizer};
///
/// let file = "customer_id,date,amount\n7,2024-01-03,10.00\n9,2024-01-05,5\n7,2024-01-10,40.50\n";
/// let summarizer = Summarizer::builder(Date::parse("2024-01-31")?).build()?;
///
/// let prepared = StreamingSummarizer::new(CsvOptions::default(), summarizer)
///     .partitions(3)
///     .prepare(file.as_bytes(), None, &mut |_| {})?;
/// let mut streamed = Vec::new();
/// prepared.write_summary(&mut streamed)?;
/// assert_eq!(prepared.report().customers(), 2);
///
/// // The same bytes as the in-memory path.
/// let log = CsvOptions::default().read(file.as_bytes())?;
/// let mut in_memory = Vec::new();
/// write_summary(&mut in_memory, &summarizer.summarize(log.transactions())?, &log)?;
/// assert_eq!(streamed, in_memory);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct StreamingSummarizer {
    csv: CsvOptions,
    summarizer: Summarizer,
    memory: u64,
    partitions: Option<usize>,
    buffer: Option<usize>,
    held: Option<u64>,
    temp_dir: Option<PathBuf>,
    format: Option<SummaryFormat>,
    categories_when_named: bool,
}

/// Where a long run is: sent to the observer of
/// [`StreamingSummarizer::prepare`] a few times a second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    phase: Phase,
    bytes: u64,
    total_bytes: Option<u64>,
    rows: u64,
    elapsed: Duration,
}

/// The stage a streaming summary is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading the log and spilling its rows.
    Reading,
    /// Summarising partition `done + 1` of `of`.
    Summarizing {
        /// Partitions finished.
        done: usize,
        /// Partitions in all.
        of: usize,
    },
}

impl Progress {
    /// The stage.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Bytes of input read so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// The input's size, when known (a file's).
    pub fn total_bytes(&self) -> Option<u64> {
        self.total_bytes
    }

    /// Data rows read so far (all of them once reading is done).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Time since the run started.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Rows read per second so far.
    pub fn rows_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.rows as f64 / secs
        } else {
            0.0
        }
    }

    /// The time left to read the input, from the share of its bytes read
    /// so far; `None` without a known size or before any byte is read.
    pub fn eta(&self) -> Option<Duration> {
        let total = self.total_bytes?;
        if self.bytes == 0 || self.phase != Phase::Reading {
            return None;
        }
        let left = total.saturating_sub(self.bytes) as f64 / self.bytes as f64;
        Some(Duration::from_secs_f64(self.elapsed.as_secs_f64() * left))
    }
}

/// What a streaming summary found: the counts the in-memory path's
/// [`TransactionLog`] and [`Summary`](crate::Summary) give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamReport {
    transactions: u64,
    customers: u64,
    holdout_only: u64,
    excluded: Excluded,
    partitions: usize,
    has_category_names: bool,
    spilled_bytes: u64,
}

impl StreamReport {
    /// Transactions (data rows) read.
    pub fn transactions(&self) -> u64 {
        self.transactions
    }

    /// Customers summarised (rows of the summary).
    pub fn customers(&self) -> u64 {
        self.customers
    }

    /// Customers first seen in the holdout period.
    pub fn holdout_only(&self) -> u64 {
        self.holdout_only
    }

    /// Transactions left out as after the summary's last day.
    pub fn excluded(&self) -> &Excluded {
        &self.excluded
    }

    /// Partitions summarised, after any split.
    pub fn partitions(&self) -> usize {
        self.partitions
    }

    /// Whether the log named any category (as
    /// `!log.category_names().is_empty()` in memory).
    pub fn has_category_names(&self) -> bool {
        self.has_category_names
    }

    /// Bytes written to spill files by the first pass.
    pub fn spilled_bytes(&self) -> u64 {
        self.spilled_bytes
    }
}

impl StreamingSummarizer {
    /// A streaming summariser reading with `csv` and summarising with
    /// `summarizer`; the output is [`write_summary`](super::write_summary)'s
    /// unless [`format`](Self::format) says otherwise.
    pub fn new(csv: CsvOptions, summarizer: Summarizer) -> StreamingSummarizer {
        StreamingSummarizer {
            csv,
            summarizer,
            memory: DEFAULT_MEMORY,
            partitions: None,
            buffer: None,
            held: None,
            temp_dir: None,
            format: None,
            categories_when_named: false,
        }
    }

    /// The memory budget in bytes (default [`DEFAULT_MEMORY`], 1 GiB; at
    /// least 1 MiB is used). It sets the number of partitions and the
    /// size of the write buffers; a partition that turns out larger than
    /// the budget is split again before it is summarised.
    pub fn memory(mut self, bytes: u64) -> StreamingSummarizer {
        self.memory = bytes.max(1 << 20);
        self
    }

    /// A fixed number of partitions (at least 1) instead of one chosen
    /// from the input size and the budget. Results never depend on it.
    pub fn partitions(mut self, n: usize) -> StreamingSummarizer {
        self.partitions = Some(n.max(1));
        self
    }

    /// The size of the read buffer and of each spill file's write buffer
    /// (default: 1 MiB to read, and the budget shared among the
    /// partitions to write). Results never depend on it; tiny values test
    /// the chunk edges.
    pub fn buffer_size(mut self, bytes: usize) -> StreamingSummarizer {
        self.buffer = Some(bytes.max(1));
        self
    }

    /// The most bytes of spill records kept in memory instead of written
    /// to the spill files (at most half of the [`memory`](Self::memory)
    /// budget). By default 3/8 of the budget beyond its first 32 MiB when
    /// the whole spill should fit it (about 12 bytes for 20 bytes of CSV)
    /// or the input's size is unknown, and none otherwise. The partitions are held in memory
    /// while they fit this allowance, and a partition that would exceed
    /// it is written to its file; the rest of the budget is shared by
    /// the partitions summarised at once. `0` writes every partition to
    /// its file. Results never depend on it; held partitions spare the
    /// page cache the copy of their records into a file and back.
    ///
    /// # Example
    /// ```
    /// use customer_value::csv::{CsvOptions, StreamingSummarizer};
    /// use customer_value::{Date, Summarizer};
    ///
    /// let file = "customer_id,date,amount\n7,2024-01-03,10.00\n9,2024-01-05,5\n";
    /// let summarizer = Summarizer::builder(Date::parse("2024-01-31")?).build()?;
    /// let streaming = StreamingSummarizer::new(CsvOptions::default(), summarizer);
    /// let mut outputs = Vec::new();
    /// for held in [0, 1 << 20] {
    ///     let prepared = streaming
    ///         .clone()
    ///         .spill_in_memory(held)
    ///         .prepare(file.as_bytes(), None, &mut |_| {})?;
    ///     let mut out = Vec::new();
    ///     prepared.write_summary(&mut out)?;
    ///     outputs.push(out);
    /// }
    /// assert_eq!(outputs[0], outputs[1]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn spill_in_memory(mut self, bytes: u64) -> StreamingSummarizer {
        self.held = Some(bytes);
        self
    }

    /// The directory for spill files (default [`std::env::temp_dir`]).
    pub fn temp_dir(mut self, dir: impl Into<PathBuf>) -> StreamingSummarizer {
        self.temp_dir = Some(dir.into());
        self
    }

    /// Writes the figures and columns of
    /// [`write_summary_with`](super::write_summary_with) and
    /// [`write_holdout_only_with`](super::write_holdout_only_with) with
    /// `format`, instead of those of [`write_summary`](super::write_summary).
    pub fn format(mut self, format: SummaryFormat) -> StreamingSummarizer {
        self.format = Some(format);
        self
    }

    /// With [`format`](Self::format): adds the `categories` column exactly
    /// when the log names a category (the command line's rule), whatever
    /// the format says.
    pub fn categories_when_named(mut self, yes: bool) -> StreamingSummarizer {
        self.categories_when_named = yes;
        self
    }

    /// Summarises the CSV file at `input` into the file `output`, which is
    /// replaced atomically (written beside it, then renamed), and returns
    /// what was found.
    ///
    /// # Errors
    /// As [`StreamingSummarizer::prepare_path`]; [`Error::Io`] (action
    /// `"write"`) when the output cannot be written, in which case
    /// `output` is left as it was.
    pub fn summarize_path(
        &self,
        input: impl AsRef<Path>,
        output: impl AsRef<Path>,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<StreamReport> {
        let prepared = self.prepare_path(input, progress)?;
        let output = output.as_ref();
        let mut report = None;
        replace_file(output, |w| {
            report = Some(prepared.write_summary_once(w)?);
            Ok(())
        })
        .map_err(|e| Error::io("write", output, e))?;
        report.ok_or_else(|| Error::io("write", output, io::ErrorKind::Other.into()))
    }

    /// Reads and summarises the CSV file at `path`; see
    /// [`StreamingSummarizer::prepare`].
    ///
    /// # Errors
    /// [`Error::Io`] (action `"open"`) when the file cannot be opened; as
    /// [`StreamingSummarizer::prepare`] otherwise.
    pub fn prepare_path(
        &self,
        path: impl AsRef<Path>,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<PreparedSummary> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| Error::io("open", path, e))?;
        // Only a regular file's length is its size: a pipe or a device
        // reports 0 (or nothing useful), which would start the run with
        // one partition and split it again, reading the spill twice.
        let size = file
            .metadata()
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map(|m| m.len());
        self.run(file, size, path, progress)
    }

    /// Reads the log from `input` (whose size in bytes, if known, sets
    /// the partition count and the ETA), spills and summarises it; the
    /// result is written by the returned [`PreparedSummary`]. `progress`
    /// is called a few times a second.
    ///
    /// # Errors
    /// The errors of [`CsvOptions::read`] and [`Summarizer::summarize`],
    /// the same values for the same input; [`Error::Io`] (action
    /// `"spill"`, the spill directory) when a temporary file cannot be
    /// written or read.
    pub fn prepare<R: Read>(
        &self,
        input: R,
        size: Option<u64>,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<PreparedSummary> {
        self.run(input, size, Path::new(""), progress)
    }

    fn run<R: Read>(
        &self,
        input: R,
        size: Option<u64>,
        path: &Path,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<PreparedSummary> {
        let chunk = self.buffer.unwrap_or(CHUNK_SIZE);
        let parsers = self.parsers();
        self.run_with(size, progress, |sink, count| {
            let reader = Counting {
                inner: input,
                count,
            };
            match (self.csv.delimiter(), parsers) {
                (Delimiter::Byte(delimiter), Some(parsers)) => {
                    parallel::drive(&self.csv, reader, path, delimiter, chunk, parsers, sink)
                }
                _ => self.csv.drive(reader, path, chunk, sink),
            }
        })
    }

    /// The three steps, with `feed` handing every line of the input to
    /// the first pass's sink (and counting the bytes read in its counter).
    pub(super) fn run_with(
        &self,
        size: Option<u64>,
        progress: &mut dyn FnMut(&Progress),
        feed: impl FnOnce(&mut Sink<'_, Spill<'_>>, Rc<Cell<u64>>) -> Result<()>,
    ) -> Result<PreparedSummary> {
        if !self.csv.has_amounts() {
            // Its output has money columns, which such a log cannot fill.
            return Err(Error::InvalidParameter {
                name: "csv",
                value: "amounts(false)".into(),
                reason: "a streamed summary writes money columns; summarise a log without amounts in memory and write it with write_summary_without_spend",
            });
        }
        let start = Instant::now();
        let base = self.temp_dir.clone().unwrap_or_else(std::env::temp_dir);
        let dir = SpillDir::create(&base).map_err(|e| Error::io("spill", &base, e))?;
        let allowance = self.held_allowance(size);
        let n_parts = self.partitions.unwrap_or_else(|| {
            // About 20 bytes of CSV per row; 16 partitions for an input of
            // unknown size (more are split off later if need be).
            let Some(size) = size else { return 16 };
            let rows = size / 20;
            let parts = (rows * BYTES_PER_ROW).div_ceil(self.phase_budget(allowance));
            usize::try_from(parts).unwrap_or(4096).clamp(1, 4096)
        });
        let write_buffer = self.buffer.unwrap_or_else(|| {
            let share = (self.memory / 8) / n_parts as u64;
            usize::try_from(share.clamp(64 << 10, 4 << 20)).unwrap_or(4 << 20)
        });
        let counter = Rc::new(Cell::new(0u64));
        let count = Rc::clone(&counter);
        let mut parts = Vec::with_capacity(n_parts);
        for i in 0..n_parts {
            parts.push(PartWriter::create(
                dir.path.join(format!("p{i}.bin")),
                write_buffer,
            ));
        }
        let held = Held {
            bytes: 0,
            allowance: usize::try_from(allowance).unwrap_or(usize::MAX),
        };
        // This thread parses; a second one encodes the rows into their
        // partitions and writes them, in batches, in file order.
        let (mut spill, read, written) = std::thread::scope(|scope| {
            let (to_writer, batches) = mpsc::sync_channel::<ToWriter>(BATCHES_IN_FLIGHT);
            let (recycle, recycled) = mpsc::channel::<Batch>();
            let (recycle_blocks, recycled_blocks) = mpsc::channel::<Block>();
            let writer = scope
                .spawn(move || write_batches(parts, held, &batches, &recycle, &recycle_blocks));
            let spill = Spill {
                kind: self.csv.id_kind(),
                reject: self.summarizer.refunds() == RefundPolicy::Reject,
                last_day: self
                    .summarizer
                    .holdout_end()
                    .unwrap_or(self.summarizer.calibration_end())
                    .days_since_epoch(),
                batch: Batch::default(),
                to_writer: Some(to_writer),
                recycled,
                recycled_blocks,
                parts: n_parts,
                rows: 0,
                switched: false,
                categories: TransactionLog::new(),
                stats: Stats::default(),
                deferred: None,
                progress: Reporter {
                    observer: progress,
                    counter,
                    total: size,
                    start,
                    last: start,
                },
                failed: false,
            };
            let mut sink = Sink::new(&self.csv, spill);
            let read = feed(&mut sink, count);
            let first_line_read = sink.layout().is_some();
            let mut spill = sink.target;
            let read = read.and_then(|()| match spill.rows {
                0 => Err(super::sink::no_data_lines(first_line_read)),
                _ => Ok(()),
            });
            if read.is_ok() {
                spill.send_batch();
            }
            // The writer stops when the channel closes.
            spill.to_writer = None;
            let written = writer
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            (spill, read, written)
        });
        // A spill error stops the reading: it comes first.
        let parts = written?;
        read?;
        if spill.failed {
            return Err(Error::InvalidValue {
                what: "spill",
                reason: "the spill writer stopped".into(),
            });
        }
        let mut leaves = Vec::with_capacity(parts.len());
        let mut spilled = 0;
        for part in parts {
            let leaf = part.finish()?;
            spilled += leaf.bytes;
            leaves.push(leaf);
        }
        spill.progress.report(Phase::Reading, spill.rows, true);
        let numeric = match spill.kind {
            IdKind::Numeric => true,
            IdKind::Auto => !spill.switched,
            IdKind::String => false,
        };
        let stats = spill.stats;
        let mode = Mode { numeric };
        let by_appearance = numeric
            && stats.included > 0
            && stats.max_id - stats.min_id >= 2 * stats.included + 1024;
        let shard = ShardOf {
            scale: stats.scale,
            by_appearance,
        };
        let held: u64 = leaves
            .iter()
            .map(|l| {
                l.held()
                    .as_ref()
                    .map_or(0, |c| c.iter().map(|d| d.len() as u64).sum())
            })
            .sum();
        let mut job = Job {
            owner: self,
            dir: &dir,
            mode,
            shard,
            leaves,
            next_file: 0,
            room: AtomicU64::new(allowance.saturating_sub(held)),
            allowance,
        };
        if let Some(deferred) = spill.deferred.take() {
            return Err(job.deferred_error(deferred)?);
        }
        stats.check_amounts()?;

        let format = RowFormat::new(
            self.format.map(|f| {
                if self.categories_when_named {
                    f.categories(!spill.categories.category_names().is_empty())
                } else {
                    f
                }
            }),
            true,
        );
        let outcome = job.summarize_all(format, &mut spill.progress, spill.rows)?;
        let report = StreamReport {
            transactions: spill.rows,
            customers: outcome.customers,
            holdout_only: outcome.holdout_only,
            excluded: stats.excluded,
            partitions: outcome.runs.len(),
            has_category_names: !spill.categories.category_names().is_empty(),
            spilled_bytes: spilled,
        };
        Ok(PreparedSummary {
            header: summary_header(&self.summarizer, format.categories()),
            runs: outcome.runs,
            report,
            numeric,
            _dir: dir,
        })
    }

    /// The options the log is read with.
    #[cfg(feature = "parquet")]
    pub(super) fn csv_options(&self) -> &CsvOptions {
        &self.csv
    }

    /// The memory one partition may take while it is summarised: three
    /// quarters of the budget less the `allowance` of spill records held
    /// in memory (see [`held_allowance`](Self::held_allowance)), shared by
    /// the partitions summarised at once.
    fn phase_budget(&self, allowance: u64) -> u64 {
        ((self.memory / 4 * 3 - allowance) / self.workers() as u64).max(1)
    }

    /// The bytes of spill records held in memory rather than written to
    /// their files, for an input of `size` bytes:
    /// [`spill_in_memory`](Self::spill_in_memory), at most half the budget.
    /// By default 3/8 of the budget beyond its first [`FIXED_MEMORY`] when
    /// the whole spill should fit it (about 12 bytes of records for a row
    /// of about 20 bytes), or the size is unknown, and none otherwise:
    /// holding a part of a larger spill saved no CPU on the 100M-row
    /// benchmark (the memory's page faults cost what the page cache's
    /// copies did) and took more partitions. Held records stay in memory
    /// until their partition is summarised.
    fn held_allowance(&self, size: Option<u64>) -> u64 {
        let held = self.held.unwrap_or_else(|| {
            let allowance = self.memory.saturating_sub(FIXED_MEMORY) / 8 * 3;
            match size {
                Some(size) if size / 20 * 12 > allowance => 0,
                _ => allowance,
            }
        });
        held.min(self.memory / 2)
    }

    /// The threads that parse blocks of the log at once in the first pass
    /// (the summariser's threads, at most 4), or `None` to parse on one:
    /// with one thread, a whitespace delimiter, or a category column
    /// (whose names are numbered in order of appearance).
    fn parsers(&self) -> Option<usize> {
        let threads = self.workers();
        let byte = matches!(self.csv.delimiter(), Delimiter::Byte(_));
        let categories = self.csv.column(Role::Category).is_some();
        (threads > 1 && byte && !categories).then_some(threads)
    }

    /// Partitions summarised at once: the summariser's threads (see
    /// [`SummarizerBuilder::threads`](crate::SummarizerBuilder::threads)),
    /// at most 4.
    fn workers(&self) -> usize {
        self.summarizer.threads_for(usize::MAX).min(4)
    }
}

/// A streaming summary ready to be written: the sorted runs of every
/// partition, in a temporary directory removed on drop.
#[derive(Debug)]
pub struct PreparedSummary {
    header: Vec<u8>,
    runs: Vec<RunFiles>,
    report: StreamReport,
    numeric: bool,
    _dir: SpillDir,
}

impl PreparedSummary {
    /// What was read and summarised.
    pub fn report(&self) -> &StreamReport {
        &self.report
    }

    /// Writes the summary, byte for byte as
    /// [`write_summary`](super::write_summary) (or
    /// [`write_summary_with`](super::write_summary_with), see
    /// [`StreamingSummarizer::format`]) writes the in-memory summary of the
    /// same log. Output is buffered here.
    ///
    /// # Errors
    /// Any error of `writer`, or of reading the temporary run files.
    pub fn write_summary<W: Write>(&self, writer: W) -> io::Result<()> {
        let runs: Vec<&Run> = self.runs.iter().map(|r| &r.summary).collect();
        merge(writer, &self.header, &runs, self.numeric, false)
    }

    /// [`write_summary`](Self::write_summary) for the last time: the same
    /// bytes, but each run file is cut as it is read, so the memory its
    /// rows take in the system's page cache is free for the output as it
    /// is written (instead of the output taking fresh pages beside the
    /// runs). Returns the report. Call
    /// [`write_holdout_only`](Self::write_holdout_only) first, if wanted.
    ///
    /// # Errors
    /// Any error of `writer`, or of reading the temporary run files; the
    /// summary cannot be written again then.
    ///
    /// # Example
    /// ```
    /// use customer_value::csv::{CsvOptions, StreamingSummarizer};
    /// use customer_value::{Date, Summarizer};
    ///
    /// let file = "customer_id,date,amount\n7,2024-01-03,10.00\n9,2024-01-05,5\n";
    /// let summarizer = Summarizer::builder(Date::parse("2024-01-31")?).build()?;
    /// let streaming = StreamingSummarizer::new(CsvOptions::default(), summarizer);
    /// let prepared = streaming.prepare(file.as_bytes(), None, &mut |_| {})?;
    /// let mut again = Vec::new();
    /// prepared.write_summary(&mut again)?;
    /// let mut out = Vec::new();
    /// let report = prepared.write_summary_once(&mut out)?;
    /// assert_eq!((out, report.customers()), (again, 2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_summary_once<W: Write>(self, writer: W) -> io::Result<StreamReport> {
        let runs: Vec<&Run> = self.runs.iter().map(|r| &r.summary).collect();
        merge(writer, &self.header, &runs, self.numeric, true)?;
        Ok(self.report)
    }

    /// Writes the customers first seen in the holdout period, byte for
    /// byte as [`write_holdout_only`](super::write_holdout_only) (or
    /// [`write_holdout_only_with`](super::write_holdout_only_with)) would.
    ///
    /// # Errors
    /// Any error of `writer`, or of reading the temporary run files.
    pub fn write_holdout_only<W: Write>(&self, writer: W) -> io::Result<()> {
        let runs: Vec<&Run> = self.runs.iter().map(|r| &r.holdout).collect();
        merge(writer, &holdout_header(), &runs, self.numeric, false)
    }
}

/// How customer ids were read in the whole log.
#[derive(Debug, Clone, Copy)]
struct Mode {
    /// Numbers (the ids are the [`CustomerId`]s); else strings, interned
    /// in order of first appearance.
    numeric: bool,
}

// ---------------------------------------------------------------------
// The spill directory.

/// The name every spill directory starts with.
const SPILL_PREFIX: &str = "customer-value-spill-";

/// A directory of spill and run files, removed on drop.
#[derive(Debug)]
struct SpillDir {
    path: PathBuf,
}

impl SpillDir {
    /// A new directory `customer-value-spill-PID-NANOS-N` in `base`, after
    /// removing those of processes that are gone.
    fn create(base: &Path) -> io::Result<SpillDir> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        remove_stale(base);
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = base.join(format!("{SPILL_PREFIX}{}-{nanos}-{n}", std::process::id()));
            match fs::create_dir(&path) {
                Ok(()) => return Ok(SpillDir { path }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
    }
}

impl Drop for SpillDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// Removes the spill directories in `base` left by processes that are no
/// longer running (best effort: errors are ignored).
fn remove_stale(base: &Path) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(SPILL_PREFIX)) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && is_stale(pid, &entry.path()) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Whether a spill directory of process `pid` is left over: the process
/// is gone (Linux, from `/proc`), or elsewhere the directory is a week old.
fn is_stale(pid: u32, dir: &Path) -> bool {
    if Path::new("/proc/self").exists() {
        return !Path::new(&format!("/proc/{pid}")).exists();
    }
    fs::metadata(dir)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age > Duration::from_secs(7 * 24 * 3600))
}

/// Replaces `path` with what `write` writes, or leaves it untouched: a
/// temporary file `.NAME.PID.stream.tmp` beside it is written, flushed
/// and renamed over it (removed on error).
fn replace_file(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".{}.stream.tmp", std::process::id()));
    let temp = dir.join(temp_name);
    let result = (|| {
        let file = File::create(&temp)?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        write(&mut w)?;
        let file = w.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

// ---------------------------------------------------------------------
// Spill records.

/// Record flags: the id's kind (2 bits), then one bit each.
const ID_NUMBER: u8 = 0;
const ID_SPELLED: u8 = 1;
const ID_TEXT: u8 = 2;
const ID_MASK: u8 = 3;
/// A number read before the first id that is not one ([`IdKind::Auto`]).
const BEFORE_SWITCH: u8 = 1 << 2;
const HAS_QUANTITY: u8 = 1 << 3;
const HAS_CATEGORY: u8 = 1 << 4;
/// The amount as 16 bytes rather than a mantissa and scale.
const WIDE_AMOUNT: u8 = 1 << 5;
/// The flags of most records (a number read before any id that is not
/// one, with a narrow amount, no quantity and no category): not written,
/// but said by the lowest bit of the record's first varint (its ordinal's
/// distance from the last record's, doubled), one byte less a record.
const FOLDED: u8 = ID_NUMBER | BEFORE_SWITCH;

/// A record's first varint: its ordinal's distance from the previous
/// record's, doubled, plus 1 when its flags are [`FOLDED`] (and not
/// written).
#[inline]
fn header(delta: u64, flags: u8) -> u64 {
    (delta << 1) | u64::from(flags == FOLDED)
}

/// The day a record's day is written from: 2020-01-01, so that the
/// days of 1998 to 2042 take two bytes.
const DAY_BASE: i64 = 18_262;

/// A day as written in a record: its zigzagged distance from [`DAY_BASE`].
#[inline]
fn day_code(day: i32) -> u64 {
    zigzag(i64::from(day) - DAY_BASE)
}

/// The day of [`day_code`]'s code.
#[inline]
fn day_of(code: u64) -> Option<i32> {
    i32::try_from(unzigzag(code) + DAY_BASE).ok()
}

/// A narrow amount's mantissa, zigzagged, must be below this to share a
/// varint with its scale (five bits): `|m| < 2^58`.
const NARROW_LIMIT: u64 = 1 << 59;

/// A narrow amount as written in a record: the zigzagged mantissa and the
/// scale in one varint (`zigzag(m) << 5 | scale`).
#[inline]
fn amount_code(mantissa: i64, scale: u32) -> u64 {
    (zigzag(mantissa) << 5) | u64::from(scale & 31)
}

/// The amount of [`amount_code`]'s code.
#[inline]
fn amount_of(code: u64) -> Option<Decimal> {
    Decimal::try_new(unzigzag(code >> 5), (code & 31) as u32).ok()
}

#[inline]
fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[inline]
fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

#[inline]
fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// A customer's key in a record: its number, or its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key<'a> {
    Number(u64),
    Text(&'a [u8]),
}

/// One decoded spill record.
struct Record<'a> {
    ordinal: u64,
    flags: u8,
    key: Key<'a>,
    /// The id as written, for a number with leading zeros.
    spelling: &'a [u8],
    day: i32,
    amount: Decimal,
    quantity: Option<u32>,
    category: Option<u32>,
}

/// A record whose flags are [`FOLDED`], as [`Decoder::next_folded`]
/// reads it.
struct Folded {
    ordinal: u64,
    id: u64,
    date: Date,
    amount: Decimal,
}

/// What a scan over spill records does with each record: `Ok(false)`
/// stops it.
trait Visit {
    fn record(&mut self, r: &Record<'_>) -> Result<bool>;

    /// A [`FOLDED`] record, read without a [`Record`]; by default made
    /// one.
    #[inline]
    fn folded(&mut self, f: &Folded) -> Result<bool> {
        self.record(&Record {
            ordinal: f.ordinal,
            flags: FOLDED,
            key: Key::Number(f.id),
            spelling: &[],
            day: f.date.days_since_epoch(),
            amount: f.amount,
            quantity: None,
            category: None,
        })
    }
}

/// Any closure over records visits them.
struct Each<F>(F);

impl<F: FnMut(&Record<'_>) -> Result<bool>> Visit for Each<F> {
    #[inline]
    fn record(&mut self, r: &Record<'_>) -> Result<bool> {
        (self.0)(r)
    }
}

/// Every record in the loop of one block: folded ones by the fast path,
/// the rest by [`Decoder::next`], until the block ends (`Ok(None)`), a
/// record is cut or corrupt (`Err` of the decoder, with the decoder at
/// that record), or `visit` stops (`Ok(Some(()))`).
#[inline]
fn visit_block(
    decoder: &mut Decoder<'_>,
    visit: &mut impl Visit,
) -> std::result::Result<Option<()>, VisitError> {
    loop {
        if let Some(f) = decoder.next_folded() {
            if !visit.folded(&f).map_err(VisitError::Visit)? {
                return Ok(Some(()));
            }
            continue;
        }
        let (here, before) = (decoder.at, decoder.ordinal);
        match decoder.next() {
            Ok(Some(r)) => {
                if !visit.record(&r).map_err(VisitError::Visit)? {
                    return Ok(Some(()));
                }
            }
            Ok(None) => return Ok(None),
            Err(e) => {
                decoder.at = here;
                decoder.ordinal = before;
                return Err(VisitError::Decode(e));
            }
        }
    }
}

/// Why [`visit_block`] stopped early.
enum VisitError {
    /// The visitor's error.
    Visit(Error),
    /// A cut or corrupt record.
    Decode(io::Error),
}

fn corrupt() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "corrupt spill file")
}

/// Reads records from a spill file's bytes.
struct Decoder<'a> {
    bytes: &'a [u8],
    at: usize,
    ordinal: u64,
}

impl<'a> Decoder<'a> {
    #[inline]
    fn byte(&mut self) -> io::Result<u8> {
        let b = *self.bytes.get(self.at).ok_or_else(corrupt)?;
        self.at += 1;
        Ok(b)
    }

    #[inline]
    fn varint(&mut self) -> io::Result<u64> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
            shift += 7;
            if shift > 63 {
                return Err(corrupt());
            }
        }
    }

    #[inline]
    fn take(&mut self, n: usize) -> io::Result<&'a [u8]> {
        let s = self.bytes.get(self.at..self.at + n).ok_or_else(corrupt)?;
        self.at += n;
        Ok(s)
    }

    /// The next record when it is a numeric id's, with a narrow amount,
    /// and `FAST` bytes are left to read it from: decoded without a
    /// bounds check per byte. `None` for anything else (read by
    /// [`Decoder::next`]'s general path, which also names a corrupt one).
    #[inline]
    fn next_narrow(&mut self) -> Option<Record<'a>> {
        /// More than the longest narrow record: six varints of at most
        /// ten bytes, two of at most five, and the flags.
        const FAST: usize = 128;
        let window: &[u8; FAST] = self.bytes.get(self.at..self.at + FAST)?.try_into().ok()?;
        let mut i = 0usize;
        // `i & (FAST - 1)` never leaves the window (and each varint stops
        // after ten bytes), so no index is checked.
        let byte = |i: &mut usize| {
            let b = window[*i & (FAST - 1)];
            *i += 1;
            b
        };
        let varint = |i: &mut usize| {
            let mut v = 0u64;
            for shift in (0..64).step_by(7) {
                let b = byte(i);
                v |= u64::from(b & 0x7f) << shift;
                if b < 0x80 {
                    return Some(v);
                }
            }
            None
        };
        let head = varint(&mut i)?;
        let delta = head >> 1;
        let flags = if head & 1 == 1 { FOLDED } else { byte(&mut i) };
        if flags & (ID_MASK | WIDE_AMOUNT) != ID_NUMBER {
            return None;
        }
        let key = Key::Number(varint(&mut i)?);
        let day = day_of(varint(&mut i)?)?;
        let amount = amount_of(varint(&mut i)?)?;
        let quantity = if flags & HAS_QUANTITY != 0 {
            Some(u32::try_from(varint(&mut i)?).ok()?)
        } else {
            None
        };
        let category = if flags & HAS_CATEGORY != 0 {
            Some(u32::try_from(varint(&mut i)?).ok()?)
        } else {
            None
        };
        self.at += i;
        self.ordinal += delta;
        Some(Record {
            ordinal: self.ordinal,
            flags,
            key,
            spelling: &[],
            day,
            amount,
            quantity,
            category,
        })
    }

    /// The next record when its flags are [`FOLDED`] (a numeric id, a
    /// narrow amount, nothing else: most records), with 64 bytes left to
    /// read it from: its ordinal and the parts of its transaction, read
    /// without building a [`Record`]. `None` for anything else, and then
    /// nothing is read.
    #[inline]
    fn next_folded(&mut self) -> Option<Folded> {
        /// More than the longest folded record: four varints of at most
        /// ten bytes.
        const FAST: usize = 64;
        let window: &[u8; FAST] = self.bytes.get(self.at..self.at + FAST)?.try_into().ok()?;
        let mut i = 0usize;
        // `i & (FAST - 1)` never leaves the window, and four varints of
        // at most ten bytes never wrap it.
        let varint = |i: &mut usize| {
            let mut v = 0u64;
            for shift in (0..64).step_by(7) {
                let b = window[*i & (FAST - 1)];
                *i += 1;
                v |= u64::from(b & 0x7f) << shift;
                if b < 0x80 {
                    return Some(v);
                }
            }
            None
        };
        let head = varint(&mut i)?;
        if head & 1 == 0 {
            return None;
        }
        let id = varint(&mut i)?;
        let date = Date::from_days_since_epoch(day_of(varint(&mut i)?)?).ok()?;
        let amount = amount_of(varint(&mut i)?)?;
        self.at += i;
        self.ordinal += head >> 1;
        Some(Folded {
            ordinal: self.ordinal,
            id,
            date,
            amount,
        })
    }

    #[inline]
    fn next(&mut self) -> io::Result<Option<Record<'a>>> {
        if let Some(r) = self.next_narrow() {
            return Ok(Some(r));
        }
        if self.at >= self.bytes.len() {
            return Ok(None);
        }
        let head = self.varint()?;
        self.ordinal += head >> 1;
        let flags = if head & 1 == 1 { FOLDED } else { self.byte()? };
        let mut spelling: &[u8] = &[];
        let key = match flags & ID_MASK {
            ID_NUMBER => Key::Number(self.varint()?),
            ID_SPELLED => {
                let n = self.varint()? as usize;
                spelling = self.take(n)?;
                Key::Number(parse_u64(spelling).ok_or_else(corrupt)?)
            }
            _ => {
                let n = self.varint()? as usize;
                Key::Text(self.take(n)?)
            }
        };
        let day = day_of(self.varint()?).ok_or_else(corrupt)?;
        let amount = if flags & WIDE_AMOUNT != 0 {
            let mut b = [0u8; 16];
            b.copy_from_slice(self.take(16)?);
            Decimal::deserialize(b)
        } else {
            amount_of(self.varint()?).ok_or_else(corrupt)?
        };
        let quantity = if flags & HAS_QUANTITY != 0 {
            Some(u32::try_from(self.varint()?).map_err(|_| corrupt())?)
        } else {
            None
        };
        let category = if flags & HAS_CATEGORY != 0 {
            Some(u32::try_from(self.varint()?).map_err(|_| corrupt())?)
        } else {
            None
        };
        Ok(Some(Record {
            ordinal: self.ordinal,
            flags,
            key,
            spelling,
            day,
            amount,
            quantity,
            category,
        }))
    }
}

/// Calls `f` with every record of a partition, until it returns `false`.
fn scan_records(leaf: &Leaf, f: impl FnMut(&Record<'_>) -> Result<bool>) -> Result<()> {
    scan_leaf(leaf, &mut Vec::new(), &mut Each(f))
}

/// [`scan_records`] with a [`Visit`], reading a spill file through `buf`
/// (see [`scan_records_in`]), or decoding the records held in memory.
fn scan_leaf(leaf: &Leaf, buf: &mut Vec<u8>, visit: &mut impl Visit) -> Result<()> {
    let data = leaf.held();
    let Some(chunks) = data.as_deref() else {
        return scan_records_in(&leaf.path, buf, visit);
    };
    let mut ordinal = 0;
    for bytes in chunks {
        let mut decoder = Decoder {
            bytes,
            at: 0,
            ordinal,
        };
        match visit_block(&mut decoder, visit) {
            Ok(Some(())) => return Ok(()),
            Ok(None) => {}
            Err(VisitError::Visit(e)) => return Err(e),
            Err(VisitError::Decode(e)) => return Err(Error::io("spill", &leaf.path, e)),
        }
        ordinal = decoder.ordinal;
    }
    Ok(())
}

/// Visits every record of the spill file at `path`, read in blocks of
/// 4 MiB into `buf` (kept from one call to the next: no allocation, page
/// faults or zeroing of a new buffer), until the visitor stops.
fn scan_records_in(path: &Path, buf: &mut Vec<u8>, visit: &mut impl Visit) -> Result<()> {
    const BLOCK: usize = 4 << 20;
    let bad = |e| Error::io("spill", path, e);
    let mut file = File::open(path).map_err(bad)?;
    // Bytes of `buf` read from the file, and where the next record starts.
    let mut len = 0;
    let mut at = 0;
    let mut ordinal = 0;
    let mut eof = false;
    loop {
        let mut decoder = Decoder {
            bytes: buf.get(..len).unwrap_or_default(),
            at,
            ordinal,
        };
        match visit_block(&mut decoder, visit) {
            Ok(Some(())) => return Ok(()),
            Ok(None) => {}
            // A record cut by the block's end: read on.
            Err(VisitError::Decode(_)) if !eof => {}
            Err(VisitError::Decode(e)) => return Err(bad(e)),
            Err(VisitError::Visit(e)) => return Err(e),
        }
        (at, ordinal) = (decoder.at, decoder.ordinal);
        if eof {
            return Ok(());
        }
        // The cut record moves to the front, and a block is read after it.
        buf.copy_within(at..len, 0);
        let old = len - at;
        at = 0;
        if buf.len() < old + BLOCK {
            buf.resize(old + BLOCK, 0);
        }
        let mut filled = 0;
        while filled < BLOCK {
            match file.read(&mut buf[old + filled..old + BLOCK]) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(bad(e)),
            }
        }
        len = old + filled;
    }
}

/// Appends a record to `out`; `last` is the previous record's ordinal in
/// the same file. Returns the lowest bit of its [`header`].
#[inline]
fn encode(out: &mut Vec<u8>, last: u64, r: &Record<'_>) -> u64 {
    let mut flags = r.flags & (ID_MASK | BEFORE_SWITCH);
    if r.quantity.is_some() {
        flags |= HAS_QUANTITY;
    }
    if r.category.is_some() {
        flags |= HAS_CATEGORY;
    }
    let mantissa = r.amount.mantissa();
    let narrow = i64::try_from(mantissa)
        .ok()
        .filter(|&m| zigzag(m) < NARROW_LIMIT)
        .filter(|_| !(r.amount.is_zero() && r.amount.is_sign_negative()));
    if narrow.is_none() {
        flags |= WIDE_AMOUNT;
    }
    let head = header(r.ordinal - last, flags);
    put_varint(out, head);
    if head & 1 == 0 {
        out.push(flags);
    }
    match (flags & ID_MASK, r.key) {
        (ID_NUMBER, Key::Number(n)) => put_varint(out, n),
        (ID_SPELLED, _) => {
            put_varint(out, r.spelling.len() as u64);
            out.extend_from_slice(r.spelling);
        }
        (_, Key::Text(t)) => {
            put_varint(out, t.len() as u64);
            out.extend_from_slice(t);
        }
        (_, Key::Number(n)) => put_varint(out, n),
    }
    put_varint(out, day_code(r.day));
    match narrow {
        Some(m) => put_varint(out, amount_code(m, r.amount.scale())),
        None => out.extend_from_slice(&r.amount.serialize()),
    }
    if let Some(q) = r.quantity {
        put_varint(out, u64::from(q));
    }
    if let Some(c) = r.category {
        put_varint(out, u64::from(c));
    }
    head & 1
}

/// The partition (of `n`) of a customer key, under hash `seed`.
#[inline]
fn partition(key: Key<'_>, seed: u64, n: usize) -> usize {
    let h = match key {
        Key::Number(v) => mix(v ^ seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        Key::Text(t) => {
            // FNV-1a, then a finaliser.
            let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
            for &b in t {
                h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
            }
            mix(h)
        }
    };
    ((u128::from(h) * n as u128) >> 64) as usize
}

/// SplitMix64's finaliser.
#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The spill records held in memory by the partitions being written, and
/// how many bytes of them may be: a partition that would take the total
/// past the allowance is written to its file, and from then on through a
/// write buffer.
struct Held {
    bytes: usize,
    allowance: usize,
}

impl Held {
    /// Nothing held: every partition goes to its file.
    fn none() -> Held {
        Held {
            bytes: 0,
            allowance: 0,
        }
    }
}

/// The size at which a held partition's records start a new chunk, and
/// the room past it a chunk is allocated with (the records of one block
/// of the log seldom take more). A chunk is reserved whole but its pages
/// are only taken as they are written; one larger than 32 MiB is mapped
/// on its own by the system allocators (glibc's largest threshold), so
/// its memory goes back to the system when it is freed, instead of
/// staying in the heap beside what the summaries allocate next.
const HELD_CHUNK: usize = 32 << 20;
const HELD_SLACK: usize = 256 << 10;

/// One partition's spill records being written: held in memory while
/// [`Held`] allows, then appended to a spill file.
struct PartWriter {
    path: PathBuf,
    /// `None` while the records are held in memory (the file is created
    /// when they are first written).
    file: Option<File>,
    /// Full chunks of held records (each of whole records).
    chunks: Vec<Vec<u8>>,
    /// The records being written: the last chunk while they are held,
    /// else the write buffer.
    buf: Vec<u8>,
    cap: usize,
    last: u64,
    records: u64,
    /// Bytes written to the file.
    bytes: u64,
}

/// A finished partition of spill records: in its file, or held in memory.
#[derive(Debug)]
struct Leaf {
    path: PathBuf,
    /// The records in chunks of whole records, when they were never
    /// written to the file (taken once decoded, when nothing needs them
    /// again).
    data: Mutex<Option<Vec<Vec<u8>>>>,
    records: u64,
    bytes: u64,
    /// The hash seed it was split with (0 for the first pass).
    depth: u64,
}

impl Leaf {
    /// The records held in memory, if any.
    fn held(&self) -> std::sync::MutexGuard<'_, Option<Vec<Vec<u8>>>> {
        self.data
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl PartWriter {
    /// A partition whose file, at `path`, is created when its records
    /// are first written; `cap` is the write buffer's size from then on.
    fn create(path: PathBuf, cap: usize) -> PartWriter {
        PartWriter {
            path,
            file: None,
            chunks: Vec::new(),
            buf: Vec::with_capacity(HELD_CHUNK + HELD_SLACK),
            cap,
            last: 0,
            records: 0,
            bytes: 0,
        }
    }

    #[inline]
    fn push(&mut self, r: &Record<'_>, held: &mut Held) -> Result<()> {
        let before = self.buf.len();
        encode(&mut self.buf, self.last, r);
        self.last = r.ordinal;
        self.records += 1;
        self.settle(before, held)
    }

    /// Appends a block's records, the first one's ordinal rewritten as
    /// its distance from the last record here; `base` is the block's
    /// first ordinal.
    fn append(&mut self, base: u64, block: &PartBytes, held: &mut Held) -> Result<()> {
        let before = self.buf.len();
        put_varint(
            &mut self.buf,
            ((base + block.first - self.last) << 1) | block.folded,
        );
        self.buf
            .extend_from_slice(block.bytes.get(block.head..).unwrap_or_default());
        self.last = base + block.last;
        self.records += block.records;
        self.settle(before, held)
    }

    /// After `buf` grew from `before` bytes: counts the growth while the
    /// records are held, and writes them to the file when the allowance
    /// is spent (or, once on file, when the write buffer is full).
    #[inline]
    fn settle(&mut self, before: usize, held: &mut Held) -> Result<()> {
        if self.file.is_none() {
            held.bytes += self.buf.len() - before;
            if held.bytes > held.allowance {
                let chunks = std::mem::take(&mut self.chunks);
                held.bytes -= self.buf.len() + chunks.iter().map(Vec::len).sum::<usize>();
                self.open()?;
                for chunk in chunks {
                    self.write(&chunk)?;
                }
                self.flush()?;
                // The held records' memory goes back; a write buffer of
                // `cap` takes its place.
                self.buf = Vec::with_capacity(self.cap.min(1 << 22) + 64);
            } else if self.buf.len() >= HELD_CHUNK {
                // A new chunk rather than a larger vector: no copy of the
                // records, no freed vectors left behind in the heap.
                let full =
                    std::mem::replace(&mut self.buf, Vec::with_capacity(HELD_CHUNK + HELD_SLACK));
                self.chunks.push(full);
            }
        } else if self.buf.len() >= self.cap {
            self.flush()?;
        }
        Ok(())
    }

    /// Creates the spill file, if not yet done.
    fn open(&mut self) -> Result<()> {
        if self.file.is_none() {
            let file = File::create(&self.path).map_err(|e| Error::io("spill", &self.path, e))?;
            self.file = Some(file);
        }
        Ok(())
    }

    /// Appends `bytes` to the spill file (opened).
    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        if let Some(file) = &mut self.file {
            file.write_all(bytes)
                .map_err(|e| Error::io("spill", &self.path, e))?;
        }
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.open()?;
        let buf = std::mem::take(&mut self.buf);
        let written = self.write(&buf);
        self.buf = buf;
        self.buf.clear();
        written
    }

    fn finish(mut self) -> Result<Leaf> {
        if self.file.is_none() {
            let mut chunks = self.chunks;
            if !self.buf.is_empty() {
                chunks.push(self.buf);
            }
            let bytes = chunks.iter().map(|c| c.len() as u64).sum();
            return Ok(Leaf {
                path: self.path,
                data: Mutex::new(Some(chunks)),
                records: self.records,
                bytes,
                depth: 0,
            });
        }
        self.flush()?;
        Ok(Leaf {
            path: self.path,
            data: Mutex::new(None),
            records: self.records,
            bytes: self.bytes,
            depth: 0,
        })
    }
}

// ---------------------------------------------------------------------
// The first pass.

/// What the whole log decides, gathered as the in-memory summary's first
/// pass gathers it.
#[derive(Debug, Clone)]
struct Stats {
    scale: u32,
    min_scale: u32,
    max_mantissa: u128,
    min_id: u64,
    max_id: u64,
    included: u64,
    excluded: Excluded,
}

impl Default for Stats {
    fn default() -> Stats {
        Stats {
            scale: 0,
            min_scale: u32::MAX,
            max_mantissa: 0,
            min_id: u64::MAX,
            max_id: 0,
            included: 0,
            excluded: Excluded::default(),
        }
    }
}

impl Stats {
    /// Notes a transaction in the summary's window.
    #[inline]
    fn include(&mut self, amount: Decimal, key: Key<'_>) {
        self.included += 1;
        self.scale = self.scale.max(amount.scale());
        self.min_scale = self.min_scale.min(amount.scale());
        self.max_mantissa = self.max_mantissa.max(amount.mantissa().unsigned_abs());
        if let Key::Number(n) = key {
            self.min_id = self.min_id.min(n);
            self.max_id = self.max_id.max(n);
        }
    }

    /// [`Stats::include`] of an amount given as a non-negative mantissa
    /// and scale, and a numeric key.
    #[inline]
    fn include_plain(&mut self, mantissa: u64, scale: u32, id: u64) {
        self.included += 1;
        self.scale = self.scale.max(scale);
        self.min_scale = self.min_scale.min(scale);
        self.max_mantissa = self.max_mantissa.max(u128::from(mantissa));
        self.min_id = self.min_id.min(id);
        self.max_id = self.max_id.max(id);
    }

    /// Adds the figures of a later part of the log (whose excluded sum
    /// the caller has checked adds exactly).
    fn merge(&mut self, other: &Stats) -> Result<()> {
        self.included += other.included;
        self.scale = self.scale.max(other.scale);
        self.min_scale = self.min_scale.min(other.min_scale);
        self.max_mantissa = self.max_mantissa.max(other.max_mantissa);
        self.min_id = self.min_id.min(other.min_id);
        self.max_id = self.max_id.max(other.max_id);
        self.excluded.add(other.excluded)
    }

    /// The in-memory summary's check that sums of the amounts fit.
    fn check_amounts(&self) -> Result<()> {
        let widest = 10u128
            .checked_pow(self.scale.saturating_sub(self.min_scale))
            .and_then(|f| f.checked_mul(self.max_mantissa));
        let sum_bound = i128::MAX as u128 / u128::from(self.included.max(1));
        if self.included > 0 && widest.is_none_or(|m| m > sum_bound) {
            return Err(Error::Overflow {
                what: "amounts: the log mixes amounts too large and too finely scaled to add exactly",
            });
        }
        Ok(())
    }
}

/// A summary error found while reading, reported only if the whole file
/// reads without a parse error (as in memory, where reading comes first).
enum Deferred {
    /// The first refund under [`RefundPolicy::Reject`].
    Refund {
        index: u64,
        key: OwnedKey,
        date: Date,
    },
    Other(Error),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum OwnedKey {
    Number(u64),
    Text(Box<[u8]>),
}

impl OwnedKey {
    fn of(key: Key<'_>) -> OwnedKey {
        match key {
            Key::Number(n) => OwnedKey::Number(n),
            Key::Text(t) => OwnedKey::Text(t.into()),
        }
    }

    fn is(&self, key: Key<'_>) -> bool {
        match (self, key) {
            (OwnedKey::Number(a), Key::Number(b)) => *a == b,
            (OwnedKey::Text(a), Key::Text(b)) => **a == *b,
            _ => false,
        }
    }
}

/// Calls the observer at most ten times a second.
struct Reporter<'p> {
    observer: &'p mut dyn FnMut(&Progress),
    counter: Rc<Cell<u64>>,
    total: Option<u64>,
    start: Instant,
    last: Instant,
}

impl Reporter<'_> {
    fn report(&mut self, phase: Phase, rows: u64, always: bool) {
        let now = Instant::now();
        if !always && now.duration_since(self.last) < Duration::from_millis(100) {
            return;
        }
        self.last = now;
        (self.observer)(&Progress {
            phase,
            bytes: self.counter.get(),
            total_bytes: self.total,
            rows,
            elapsed: now.duration_since(self.start),
        });
    }
}

/// A reader that counts the bytes it reads.
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// The first pass's target: rows go, in batches, to the thread that
/// writes the spill files.
pub(super) struct Spill<'p> {
    kind: IdKind,
    reject: bool,
    last_day: i32,
    /// The rows not yet sent to the writer.
    batch: Batch,
    /// Closed (`None`) once reading is done.
    to_writer: Option<mpsc::SyncSender<ToWriter>>,
    /// Batches the writer is done with, to fill again.
    recycled: mpsc::Receiver<Batch>,
    /// Blocks the writer is done with, to fill again.
    recycled_blocks: mpsc::Receiver<Block>,
    /// The number of partitions.
    parts: usize,
    rows: u64,
    /// Whether an id that is not a number was read ([`IdKind::Auto`]).
    switched: bool,
    categories: TransactionLog,
    stats: Stats,
    deferred: Option<Deferred>,
    progress: Reporter<'p>,
    /// Whether the writer stopped (on a spill error, which it returns).
    failed: bool,
}

/// Rows handed to the spill writer per batch.
const BATCH_ROWS: usize = 1 << 15;

/// Bytes of id text per batch, at most (about).
const BATCH_BYTES: usize = 1 << 20;

/// Batches queued for the spill writer, beyond the ones being filled and
/// written.
const BATCHES_IN_FLIGHT: usize = 2;

/// Rows on their way to the spill files, each with its customer id's
/// text (a string id, or a number with leading zeros) in `bytes`.
#[derive(Default)]
struct Batch {
    rows: Vec<BatchRow>,
    bytes: Vec<u8>,
}

/// One row of a [`Batch`]: a [`Record`] whose text is a range of the
/// batch's bytes.
#[derive(Clone, Copy)]
struct BatchRow {
    ordinal: u64,
    number: u64,
    text: (usize, usize),
    flags: u8,
    day: i32,
    amount: Decimal,
    quantity: Option<u32>,
    category: Option<u32>,
}

/// What the spill writer is sent, in file order.
enum ToWriter {
    /// Rows parsed by the reading thread, to encode.
    Rows(Batch),
    /// Rows of a block parsed on another thread, already encoded.
    Block(Block),
}

/// The rows of one block of the log, encoded by partition by a parsing
/// thread (see `parallel`), with ordinals counted from the block's start.
#[derive(Default)]
struct Block {
    /// The ordinal of the block's first row in the whole log.
    base: u64,
    parts: Vec<PartBytes>,
}

/// A block's records of one partition.
#[derive(Default)]
struct PartBytes {
    /// The records, the first one's ordinal written as its distance from
    /// the block's start.
    bytes: Vec<u8>,
    /// The length of that first ordinal's [`header`].
    head: usize,
    /// The lowest bit of that header (whether its flags are [`FOLDED`]).
    folded: u64,
    /// The first and last record's ordinals in the block.
    first: u64,
    last: u64,
    records: u64,
}

impl PartBytes {
    #[inline]
    fn push(&mut self, r: &Record<'_>) {
        if self.records == 0 {
            self.first = r.ordinal;
            self.folded = encode(&mut self.bytes, 0, r);
            self.head = varint_len((r.ordinal << 1) | self.folded);
        } else {
            encode(&mut self.bytes, self.last, r);
        }
        self.last = r.ordinal;
        self.records += 1;
    }

    /// [`PartBytes::push`] of a plain row (see [`plain`]).
    #[inline]
    fn push_plain(&mut self, ordinal: u64, flags: u8, row: &plain::PlainRow) {
        if self.records == 0 {
            self.first = ordinal;
            self.folded = plain::encode(&mut self.bytes, ordinal, flags, row);
            self.head = varint_len((ordinal << 1) | self.folded);
        } else {
            plain::encode(&mut self.bytes, ordinal - self.last, flags, row);
        }
        self.last = ordinal;
        self.records += 1;
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.records = 0;
    }
}

/// The bytes [`put_varint`] writes for `v`.
#[inline]
fn varint_len(v: u64) -> usize {
    (64 - v.leading_zeros() as usize).div_ceil(7).max(1)
}

/// The spill writer: appends every row of every batch, in order, to the
/// partition its customer hashes to (and every block's records to their
/// partitions), and hands the emptied batches and blocks back. Stops at
/// the first write error (dropping `batches`, which the reader then sees)
/// or when the reader closes the channel.
fn write_batches(
    mut parts: Vec<PartWriter>,
    mut held: Held,
    batches: &mpsc::Receiver<ToWriter>,
    recycle: &mpsc::Sender<Batch>,
    recycle_blocks: &mpsc::Sender<Block>,
) -> Result<Vec<PartWriter>> {
    let n = parts.len();
    for message in batches {
        let mut batch = match message {
            ToWriter::Rows(batch) => batch,
            ToWriter::Block(mut block) => {
                for (writer, bytes) in parts.iter_mut().zip(&mut block.parts) {
                    if bytes.records > 0 {
                        writer.append(block.base, bytes, &mut held)?;
                        bytes.clear();
                    }
                }
                let _ = recycle_blocks.send(block);
                continue;
            }
        };
        for row in &batch.rows {
            let text = batch.bytes.get(row.text.0..row.text.1).unwrap_or_default();
            let (key, spelling) = match row.flags & ID_MASK {
                ID_NUMBER => (Key::Number(row.number), &[][..]),
                ID_SPELLED => (Key::Number(row.number), text),
                _ => (Key::Text(text), &[][..]),
            };
            let record = Record {
                ordinal: row.ordinal,
                flags: row.flags,
                key,
                spelling,
                day: row.day,
                amount: row.amount,
                quantity: row.quantity,
                category: row.category,
            };
            parts[partition(key, 0, n)].push(&record, &mut held)?;
        }
        batch.rows.clear();
        batch.bytes.clear();
        // The reader may be gone already; the batch is then dropped.
        let _ = recycle.send(batch);
    }
    Ok(parts)
}

impl Spill<'_> {
    /// Sends the rows read so far to the writer; false when it stopped.
    fn send_batch(&mut self) -> bool {
        if self.batch.rows.is_empty() {
            return true;
        }
        let fresh = self.recycled.try_recv().unwrap_or_else(|_| Batch {
            rows: Vec::with_capacity(BATCH_ROWS),
            bytes: Vec::new(),
        });
        let full = std::mem::replace(&mut self.batch, fresh);
        self.send(ToWriter::Rows(full))
    }

    /// Sends a message to the writer; false when it stopped.
    fn send(&mut self, message: ToWriter) -> bool {
        let sent = self
            .to_writer
            .as_ref()
            .is_some_and(|w| w.send(message).is_ok());
        if !sent {
            self.failed = true;
        }
        sent
    }

    /// An empty block to fill, one the writer is done with if any.
    fn empty_block(&mut self) -> Block {
        self.recycled_blocks.try_recv().unwrap_or_else(|_| Block {
            base: 0,
            parts: (0..self.parts).map(|_| PartBytes::default()).collect(),
        })
    }

    /// The error that stops the reading when the writer stopped: not a
    /// parse error; the writer returns its own.
    fn stopped() -> Error {
        Error::InvalidValue {
            what: "spill",
            reason: "write failed".into(),
        }
    }
}

/// How a customer id reads under `kind`: a number, or text (an error
/// under [`IdKind::Numeric`], or when not UTF-8).
#[inline]
fn classify(kind: IdKind, options: &CsvOptions, line: u64, text: &[u8]) -> Result<IdClass> {
    let number = match kind {
        IdKind::String => None,
        IdKind::Auto if super::sink::leading_zero(text) => None,
        IdKind::Auto | IdKind::Numeric => parse_u64(text),
    };
    if let Some(n) = number {
        return Ok(IdClass::Number(n));
    }
    if kind == IdKind::Numeric {
        let reason = format!(
            "expected a numeric customer id (digits, at most {}), got {:?}",
            u64::MAX,
            String::from_utf8_lossy(text)
        );
        return Err(parse_error(options, line, Role::Customer, reason));
    }
    if std::str::from_utf8(text).is_err() {
        return Err(parse_error(
            options,
            line,
            Role::Customer,
            "the customer id is not valid UTF-8".into(),
        ));
    }
    Ok(IdClass::Text)
}

/// A row's key and record flags: `switched` when an id that is not a
/// number came before it in the file ([`IdKind::Auto`]).
#[inline]
fn key_and_flags<'t>(
    kind: IdKind,
    switched: bool,
    customer: IdClass,
    id: &'t [u8],
) -> (Key<'t>, u8) {
    match customer {
        IdClass::Number(n) => {
            let spelled = kind == IdKind::Auto && id.len() > 1 && id[0] == b'0';
            let mut flags = if spelled { ID_SPELLED } else { ID_NUMBER };
            if !switched {
                flags |= BEFORE_SWITCH;
            }
            (Key::Number(n), flags)
        }
        IdClass::Text => (Key::Text(id), ID_TEXT),
    }
}

/// What [`Spill`] learns of an id.
#[derive(Clone, Copy)]
pub(super) enum IdClass {
    Number(u64),
    Text,
}

impl Target for Spill<'_> {
    type Customer = IdClass;

    #[inline]
    fn customer(&mut self, options: &CsvOptions, line: u64, text: &[u8]) -> Result<IdClass> {
        let class = classify(self.kind, options, line, text)?;
        if matches!(class, IdClass::Text) {
            self.switched = true;
        }
        Ok(class)
    }

    fn category(&mut self, name: &str) -> Result<CategoryId> {
        self.categories.category_id(name)
    }

    #[inline]
    fn push(&mut self, row: ParsedRow<'_, IdClass>) -> Result<()> {
        let index = self.rows;
        self.rows += 1;
        let (key, flags) = key_and_flags(self.kind, self.switched, row.customer, row.id);
        let amount = row.amount;
        let day = row.date.days_since_epoch();
        if self.deferred.is_none() {
            if self.reject && amount.is_sign_negative() && !amount.is_zero() {
                self.deferred = Some(Deferred::Refund {
                    index,
                    key: OwnedKey::of(key),
                    date: row.date,
                });
            } else if day > self.last_day {
                if let Err(e) = self.stats.excluded.add(Excluded {
                    transactions: 1,
                    amount,
                }) {
                    self.deferred = Some(Deferred::Other(e));
                }
            } else {
                self.stats.include(amount, key);
            }
        }
        // The id's text travels for a string, or a number's spelling.
        let text = if flags & ID_MASK == ID_NUMBER {
            (0, 0)
        } else {
            let start = self.batch.bytes.len();
            self.batch.bytes.extend_from_slice(row.id);
            (start, self.batch.bytes.len())
        };
        let number = match key {
            Key::Number(n) => n,
            Key::Text(_) => 0,
        };
        self.batch.rows.push(BatchRow {
            ordinal: index,
            number,
            text,
            flags,
            day,
            amount,
            quantity: row.quantity,
            category: row.category.map(|c| c.get()),
        });
        let full = self.batch.rows.len() >= BATCH_ROWS || self.batch.bytes.len() >= BATCH_BYTES;
        if full && !self.send_batch() {
            return Err(Spill::stopped());
        }
        if index & 0xffff == 0 {
            self.progress.report(Phase::Reading, self.rows, false);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------
// The second pass.

/// The runs of one partition: its summary rows and its holdout-only
/// rows, each sorted as in the output.
#[derive(Debug)]
struct RunFiles {
    summary: Run,
    holdout: Run,
}

/// A run's rows (see [`run_bytes`]): in a file written in blocks of
/// `block` bytes (see [`RunFile`]), or held in memory.
#[derive(Debug)]
enum Run {
    File { path: PathBuf, block: usize },
    Memory(Vec<u8>),
}

struct Outcome {
    runs: Vec<RunFiles>,
    customers: u64,
    holdout_only: u64,
}

/// The second pass over the spill files.
struct Job<'a> {
    owner: &'a StreamingSummarizer,
    dir: &'a SpillDir,
    mode: Mode,
    shard: ShardOf,
    leaves: Vec<Leaf>,
    next_file: u64,
    /// Bytes of the held allowance (see
    /// [`StreamingSummarizer::spill_in_memory`]) free for runs: what the
    /// spill records did not take, and the records of each partition
    /// once decoded (numeric ids: nothing reads them again).
    room: AtomicU64,
    /// The held allowance of the run.
    allowance: u64,
}

/// The vectors of the last partition a worker decoded, kept for its next
/// one (sparing the allocation and the page faults of new ones).
#[derive(Default)]
struct Spare {
    transactions: Vec<Transaction>,
    ordinals: Vec<u64>,
    /// The spill file's bytes, read in blocks.
    buf: Vec<u8>,
}

/// What became of one partition.
enum Part {
    /// Summarised into its run files.
    Done {
        run: RunFiles,
        customers: u64,
        holdout_only: u64,
    },
    /// Summarised, but not written: another partition failed.
    Skipped,
    /// Its summary failed.
    Failed(Candidate),
}

/// A partition's transactions, as the in-memory log would hold them.
struct Decoded {
    log: TransactionLog,
    /// Each transaction's index in the whole log (empty for numeric ids
    /// that are not sparse: their errors are ordered by id, and named
    /// without an index).
    ordinals: Vec<u64>,
}

/// A partition's first summary error, with the key that orders it among
/// the partitions' errors as the in-memory summary would.
struct Candidate {
    order: u64,
    error: Error,
    /// For a customer-naming error: the customer's first appearance.
    first: Option<u64>,
}

impl Job<'_> {
    fn new_path(&mut self, stem: &str) -> PathBuf {
        self.next_file += 1;
        self.dir.path.join(format!("{stem}{}.bin", self.next_file))
    }

    /// Splits leaves too large for the budget, then summarises each.
    fn summarize_all(
        &mut self,
        format: RowFormat,
        progress: &mut Reporter<'_>,
        rows: u64,
    ) -> Result<Outcome> {
        let budget = self.owner.phase_budget(self.allowance);
        let mut i = 0;
        while i < self.leaves.len() {
            let leaf = &self.leaves[i];
            let need = leaf.records * BYTES_PER_ROW + leaf.bytes;
            let too_many = leaf.records >= u64::from(u32::MAX);
            if (need > budget || too_many) && leaf.records > 1 && leaf.depth < 8 {
                let pieces = usize::try_from(need.div_ceil(budget) + 1)
                    .unwrap_or(64)
                    .clamp(2, 64);
                let leaf = self.leaves.swap_remove(i);
                let split = self.split(&leaf, pieces)?;
                self.leaves.extend(split);
                continue;
            }
            i += 1;
        }
        // Held partitions first: once decoded, their records make room
        // for the runs of the others (numeric ids).
        self.leaves.sort_by_key(|l| l.held().is_none());
        let total = self.leaves.len();
        let workers = self.owner.workers().min(total).max(1);
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        // Partitions are summarised `workers` at a time, each by a worker
        // that takes the next one when it is done; the results are then
        // taken in partition order, as one worker would have found them.
        let mut results: Vec<(usize, Result<Part>)> = std::thread::scope(|scope| {
            let job = &*self;
            let work = || job.work(format, &next, &done, &failed);
            let helpers: Vec<_> = (1..workers).map(|_| scope.spawn(work)).collect();
            let mut results = Vec::with_capacity(total);
            let mut spare = Spare::default();
            loop {
                progress.report(
                    Phase::Summarizing {
                        done: done.load(Ordering::Relaxed),
                        of: total,
                    },
                    rows,
                    true,
                );
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= total {
                    break;
                }
                results.push((k, job.part(k, format, &failed, &mut spare)));
                done.fetch_add(1, Ordering::Relaxed);
            }
            for h in helpers {
                results.extend(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
            }
            results
        });
        results.sort_unstable_by_key(|&(k, _)| k);
        let mut runs = Vec::with_capacity(total);
        let mut customers = 0;
        let mut holdout_only = 0;
        let mut candidates: Vec<Candidate> = Vec::new();
        for (_, result) in results {
            match result? {
                Part::Done {
                    run,
                    customers: c,
                    holdout_only: h,
                } => {
                    customers += c;
                    holdout_only += h;
                    runs.push(run);
                }
                Part::Skipped => {}
                Part::Failed(c) => candidates.push(c),
            }
        }
        progress.report(
            Phase::Summarizing {
                done: total,
                of: total,
            },
            rows,
            true,
        );
        if let Some(c) = candidates.into_iter().min_by_key(|c| c.order) {
            return Err(self.globalise(c.error, c.first)?);
        }
        for leaf in &self.leaves {
            let _ = fs::remove_file(&leaf.path);
        }
        Ok(Outcome {
            runs,
            customers,
            holdout_only,
        })
    }

    /// A run kept in memory when the held allowance has room for it,
    /// else written to the file at `path`. With `reuse`, a spill file
    /// that nothing reads again: the run is written over its bytes, in
    /// place, and the file takes the run's name (removed otherwise).
    ///
    /// Writing over a file's pages spares the page cache fresh pages:
    /// on virtual machines whose free memory goes back to the host
    /// (virtio-balloon free page reporting), the first touch of a fresh
    /// page cost about ten times the copy into a cached one (1.8 s
    /// against 0.06-0.16 s of system time per GB, measured with `dd`).
    fn keep_run(&self, path: PathBuf, mut bytes: Vec<u8>, reuse: Option<&Path>) -> Result<Run> {
        let len = bytes.len() as u64;
        let taken = self
            .room
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |room| {
                room.checked_sub(len)
            })
            .is_ok();
        if taken {
            if let Some(spill) = reuse {
                let _ = fs::remove_file(spill);
            }
            bytes.shrink_to_fit();
            return Ok(Run::Memory(bytes));
        }
        let block = self.owner.buffer.unwrap_or(RUN_BLOCK);
        let written = match reuse {
            Some(spill) => {
                write_run_file(spill, &bytes, block, false).and_then(|()| fs::rename(spill, &path))
            }
            None => write_run_file(&path, &bytes, block, true),
        };
        written.map_err(|e| Error::io("spill", &path, e))?;
        Ok(Run::File { path, block })
    }

    /// Splits a spill file into `pieces` by another hash, reading it in
    /// blocks.
    fn split(&mut self, leaf: &Leaf, pieces: usize) -> Result<Vec<Leaf>> {
        let depth = leaf.depth + 1;
        let mut writers = Vec::with_capacity(pieces);
        for _ in 0..pieces {
            // Not `p`: the first pass's files are `p0.bin`, `p1.bin`, ...
            let path = self.new_path("q");
            writers.push(PartWriter::create(path, 1 << 16));
        }
        let mut held = Held::none();
        scan_records(leaf, |r| {
            writers[partition(r.key, depth, pieces)].push(r, &mut held)?;
            Ok(true)
        })?;
        let _ = fs::remove_file(&leaf.path);
        writers
            .into_iter()
            .map(|w| {
                w.finish().map(|mut l| {
                    l.depth = depth;
                    l
                })
            })
            .collect()
    }

    /// Reads a spill file back as the in-memory log of its customers,
    /// into the vectors of the last partition (kept to spare the
    /// allocation and the page faults of a new one).
    fn decode(&self, k: usize, spare: &mut Spare) -> Result<Decoded> {
        let leaf = &self.leaves[k];
        let path = &leaf.path;
        let mut transactions = std::mem::take(&mut spare.transactions);
        let mut ordinals = std::mem::take(&mut spare.ordinals);
        transactions.clear();
        ordinals.clear();
        let records = usize::try_from(leaf.records).unwrap_or(0);
        transactions.reserve(records);
        if !self.mode.numeric || self.shard.by_appearance {
            ordinals.reserve(records);
        }
        let mut log = TransactionLog::new();
        if self.mode.numeric {
            // Numeric ids order errors by id unless the ids are sparse
            // (then by first appearance): only then are ordinals read.
            let mut visit = Numeric {
                transactions: &mut transactions,
                ordinals: &mut ordinals,
                keep: self.shard.by_appearance,
                path,
            };
            scan_leaf(leaf, &mut spare.buf, &mut visit)?;
        } else {
            let mut labels = Labels::default();
            scan_leaf(
                leaf,
                &mut spare.buf,
                &mut Each(|r: &Record<'_>| {
                    let id = labels.id(r);
                    transactions.push(transaction(CustomerId::new(u64::from(id)), r)?);
                    ordinals.push(r.ordinal);
                    Ok(true)
                }),
            )?;
            // Labels are distinct (a number's label is digits that read as
            // it; a string's is not a number), so interning them in order
            // gives each customer its local id.
            for (k, label) in labels.labels.iter().enumerate() {
                if log.customer_id(&label.text)?.get() != k as u64 {
                    return Err(Error::InvalidValue {
                        what: "customer labels",
                        reason: format!("two customers are both labelled {:?}", label.text),
                    });
                }
            }
        }
        *log.transactions_mut() = transactions;
        Ok(Decoded { log, ordinals })
    }

    /// A worker: summarises the next partition until none is left.
    fn work(
        &self,
        format: RowFormat,
        next: &AtomicUsize,
        done: &AtomicUsize,
        failed: &AtomicBool,
    ) -> Vec<(usize, Result<Part>)> {
        let mut results = Vec::new();
        let mut spare = Spare::default();
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            if k >= self.leaves.len() {
                return results;
            }
            results.push((k, self.part(k, format, failed, &mut spare)));
            done.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Summarises partition `k` into its run files (unless a partition
    /// failed already: the runs would not be used).
    fn part(
        &self,
        k: usize,
        format: RowFormat,
        failed: &AtomicBool,
        spare: &mut Spare,
    ) -> Result<Part> {
        let result = self.summarize_part(k, format, failed, spare);
        if !matches!(result, Ok(Part::Done { .. })) {
            failed.store(true, Ordering::Relaxed);
        }
        result
    }

    fn summarize_part(
        &self,
        k: usize,
        format: RowFormat,
        failed: &AtomicBool,
        spare: &mut Spare,
    ) -> Result<Part> {
        let mut decoded = self.decode(k, spare)?;
        // Only string ids need the records again (to number a customer
        // named in an error): with numbers, held records give their
        // memory back, and a spill file takes the partition's run.
        let mut reuse = None;
        if self.mode.numeric {
            match self.leaves[k].held().take() {
                Some(chunks) => {
                    let bytes: usize = chunks.iter().map(Vec::len).sum();
                    self.room.fetch_add(bytes as u64, Ordering::Relaxed);
                }
                None => reuse = Some(self.leaves[k].path.as_path()),
            }
        }
        // The partitions are summarised on several threads already: each
        // one on its own (the result is the same on any number).
        let mut summarizer = self.owner.summarizer;
        if self.leaves.len() > 1 {
            summarizer.threads = std::num::NonZeroUsize::new(1);
        }
        let part = match summarizer.summarize_shard(decoded.log.transactions(), self.shard) {
            Ok(_) if failed.load(Ordering::Relaxed) => Part::Skipped,
            Ok(summary) => {
                // Named by partition: `p` files are spill files.
                // Room for rows of about 100 bytes: a vector that seldom
                // grows (and copies itself).
                let summary_rows = run_bytes(summary.len() * 112, |f| {
                    keyed_summary_rows(&summary, &decoded.log, format, f)
                });
                let holdout_rows = run_bytes(summary.holdout_only().len() * 112, |f| {
                    keyed_holdout_rows(&summary, &decoded.log, format, f)
                });
                let run = RunFiles {
                    summary: self.keep_run(
                        self.dir.path.join(format!("s{k}.bin")),
                        summary_rows,
                        reuse.take(),
                    )?,
                    holdout: self.keep_run(
                        self.dir.path.join(format!("h{k}.bin")),
                        holdout_rows,
                        None,
                    )?,
                };
                Part::Done {
                    run,
                    customers: summary.len() as u64,
                    holdout_only: summary.holdout_only().len() as u64,
                }
            }
            Err(error) => Part::Failed(self.candidate(error, &decoded)),
        };
        spare.transactions = std::mem::take(decoded.log.transactions_mut());
        spare.ordinals = decoded.ordinals;
        Ok(part)
    }

    /// The key that orders a partition's error among the others, as the
    /// in-memory summary orders customers: by id, by first appearance
    /// (string ids, interned in that order), or by first appearance in
    /// the window (sparse numeric ids).
    fn candidate(&self, error: Error, decoded: &Decoded) -> Candidate {
        let customer = match &error {
            Error::UnmatchedRefund { customer, .. }
            | Error::InvalidTransaction { customer, .. }
            | Error::ObservationEndBeforeFirstPurchase { customer, .. } => Some(*customer),
            _ => None,
        };
        let Some(customer) = customer else {
            return Candidate {
                order: 0,
                error,
                first: None,
            };
        };
        let txs = decoded.log.transactions();
        let last_day = self
            .owner
            .summarizer
            .holdout_end()
            .unwrap_or(self.owner.summarizer.calibration_end());
        let mine = || {
            txs.iter()
                .zip(&decoded.ordinals)
                .filter(move |(t, _)| t.customer() == customer)
        };
        let first = mine().map(|(_, &o)| o).min();
        let order = if self.shard.by_appearance {
            mine()
                .filter(|(t, _)| t.date() <= last_day)
                .map(|(_, &o)| o)
                .min()
                .unwrap_or(u64::MAX)
        } else if self.mode.numeric {
            customer.get()
        } else {
            first.unwrap_or(u64::MAX)
        };
        Candidate {
            order,
            error,
            first,
        }
    }

    /// A partition's error with the customer id of the whole log.
    fn globalise(&self, error: Error, first: Option<u64>) -> Result<Error> {
        if self.mode.numeric {
            return Ok(error);
        }
        let Some(first) = first else {
            return Ok(error);
        };
        let id = CustomerId::new(self.customers_before(first)?);
        Ok(match error {
            Error::UnmatchedRefund { period_start, .. } => Error::UnmatchedRefund {
                customer: id,
                period_start,
            },
            Error::InvalidTransaction {
                index,
                date,
                reason,
                ..
            } => Error::InvalidTransaction {
                index,
                customer: id,
                date,
                reason,
            },
            Error::ObservationEndBeforeFirstPurchase {
                end,
                first_purchase,
                ..
            } => Error::ObservationEndBeforeFirstPurchase {
                customer: id,
                end,
                first_purchase,
            },
            other => other,
        })
    }

    /// How many customers appear before transaction `ordinal`: the id the
    /// in-memory reader gives the customer first seen there.
    fn customers_before(&self, ordinal: u64) -> Result<u64> {
        let mut count = 0;
        for leaf in &self.leaves {
            let mut seen: FxHashSet<OwnedKey> = FxHashSet::default();
            scan_records(leaf, |r| {
                if r.ordinal >= ordinal {
                    return Ok(false);
                }
                seen.insert(OwnedKey::of(r.key));
                Ok(true)
            })?;
            count += seen.len() as u64;
        }
        Ok(count)
    }

    /// The error of a refund (or excluded-sum overflow) found while
    /// reading, with the whole log's customer id.
    fn deferred_error(&mut self, deferred: Deferred) -> Result<Error> {
        let (index, key, date) = match deferred {
            Deferred::Other(e) => return Ok(e),
            Deferred::Refund { index, key, date } => (index, key, date),
        };
        let customer = match (&key, self.mode.numeric) {
            (OwnedKey::Number(n), true) => *n,
            _ => {
                let mut first = index;
                for leaf in &self.leaves {
                    scan_records(leaf, |r| {
                        if r.ordinal >= first {
                            return Ok(false);
                        }
                        if key.is(r.key) {
                            first = r.ordinal;
                            return Ok(false);
                        }
                        Ok(true)
                    })?;
                }
                self.customers_before(first)?
            }
        };
        Ok(Error::InvalidTransaction {
            index: usize::try_from(index).unwrap_or(usize::MAX),
            customer: CustomerId::new(customer),
            date,
            reason: "negative amount (a refund); use RefundPolicy::Net to net refunds into purchases",
        })
    }
}

/// Writes a run's `bytes` to the file at `path` in blocks of `block`
/// bytes, last block first (see [`RunFile`]): a new file when `create`,
/// else written over the start of the existing file (its pages, where
/// cached, are written over rather than taken afresh), which is then cut
/// to the run's length.
fn write_run_file(path: &Path, bytes: &[u8], block: usize, create: bool) -> io::Result<()> {
    let mut file = if create {
        File::create(path)?
    } else {
        fs::OpenOptions::new().write(true).open(path)?
    };
    for part in bytes.chunks(block).rev() {
        file.write_all(part)?;
    }
    if !create {
        file.set_len(bytes.len() as u64)?;
    }
    Ok(())
}

/// Decodes a partition of numeric ids into its transactions (and their
/// ordinals, with `keep`).
struct Numeric<'v> {
    transactions: &'v mut Vec<Transaction>,
    ordinals: &'v mut Vec<u64>,
    keep: bool,
    /// The spill file, named when a record is not a number's.
    path: &'v Path,
}

impl Visit for Numeric<'_> {
    #[inline]
    fn record(&mut self, r: &Record<'_>) -> Result<bool> {
        let n = match r.key {
            Key::Number(n) => n,
            Key::Text(_) => return Err(Error::io("spill", self.path, corrupt())),
        };
        self.transactions.push(transaction(CustomerId::new(n), r)?);
        if self.keep {
            self.ordinals.push(r.ordinal);
        }
        Ok(true)
    }

    #[inline]
    fn folded(&mut self, f: &Folded) -> Result<bool> {
        self.transactions
            .push(Transaction::new(CustomerId::new(f.id), f.date, f.amount));
        if self.keep {
            self.ordinals.push(f.ordinal);
        }
        Ok(true)
    }
}

/// A transaction from a record.
#[inline]
fn transaction(customer: CustomerId, r: &Record<'_>) -> Result<Transaction> {
    let mut t = Transaction::new(customer, Date::from_days_since_epoch(r.day)?, r.amount);
    if let Some(q) = r.quantity {
        t = t.with_quantity(q)?;
    }
    if let Some(c) = r.category {
        t = t.with_category(CategoryId::from(c));
    }
    Ok(t)
}

/// Customer labels of a partition of a log with string ids, in order of
/// first appearance, as the in-memory reader labels them.
#[derive(Default)]
struct Labels {
    numbers: FxHashMap<u64, u32>,
    texts: FxHashMap<Box<[u8]>, u32>,
    labels: Vec<Label>,
}

struct Label {
    text: String,
    /// Whether the label can still change: a number first read before
    /// the first non-number id, not yet seen with leading zeros.
    open: bool,
}

impl Labels {
    /// The local id of a record's customer, labelling it on first sight.
    ///
    /// The in-memory reader ([`IdKind::Auto`]) reads numbers until the
    /// first id that is not one; then it names each number read so far
    /// by its first spelling with leading zeros, if any, else by its
    /// digits; a number first read after that is named as first written.
    fn id(&mut self, r: &Record<'_>) -> u32 {
        let next = self.labels.len() as u32;
        match r.key {
            Key::Number(n) => {
                let spelled = r.flags & ID_MASK == ID_SPELLED;
                let before = r.flags & BEFORE_SWITCH != 0;
                let id = *self.numbers.entry(n).or_insert(next);
                if id == next {
                    let text = if spelled {
                        String::from_utf8_lossy(r.spelling).into_owned()
                    } else {
                        n.to_string()
                    };
                    self.labels.push(Label {
                        text,
                        open: before && !spelled,
                    });
                } else if spelled && before {
                    let label = &mut self.labels[id as usize];
                    if label.open {
                        label.text = String::from_utf8_lossy(r.spelling).into_owned();
                        label.open = false;
                    }
                }
                id
            }
            Key::Text(t) => {
                if let Some(&id) = self.texts.get(t) {
                    return id;
                }
                self.texts.insert(t.into(), next);
                self.labels.push(Label {
                    text: String::from_utf8_lossy(t).into_owned(),
                    open: false,
                });
                next
            }
        }
    }
}

// ---------------------------------------------------------------------
// Runs and the merge.

/// A run's bytes: each row as its key (8 bytes big-endian for a number,
/// else a length and the name's bytes) and its line (a length and the
/// bytes).
fn run_bytes(
    capacity: usize,
    rows: impl FnOnce(&mut dyn FnMut(RowKey<'_>, &[u8]) -> io::Result<()>) -> io::Result<()>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(capacity);
    // Writing into a vector cannot fail.
    let _ = rows(&mut |key, line| {
        match key {
            RowKey::Number(n) => out.extend_from_slice(&n.to_be_bytes()),
            RowKey::Label(s) => {
                put_varint(&mut out, s.len() as u64);
                out.extend_from_slice(s.as_bytes());
            }
        }
        put_varint(&mut out, line.len() as u64);
        out.extend_from_slice(line);
        Ok(())
    });
    out
}

/// The size of the blocks a run file is written in, last block first
/// (unless [`StreamingSummarizer::buffer_size`] says otherwise).
const RUN_BLOCK: usize = 1 << 20;

/// The bytes of a run file read at once.
const RUN_READ: u64 = 64 << 10;

/// A run file read in order: its blocks are stored last block first
/// (the last, shorter block at the file's start), so the run's next
/// bytes are always in the file's last block; a consuming reader cuts
/// the file after each block, which frees its pages.
struct RunFile {
    file: File,
    /// The block being read, `start..end`, read up to `at`.
    start: u64,
    end: u64,
    at: u64,
    block: u64,
    consume: bool,
}

impl RunFile {
    fn open(path: &Path, block: usize, consume: bool) -> io::Result<RunFile> {
        let file = fs::OpenOptions::new()
            .read(true)
            .write(consume)
            .open(path)?;
        let len = file.metadata()?.len();
        Ok(RunFile {
            file,
            start: len,
            end: len,
            at: len,
            block: block.max(1) as u64,
            consume,
        })
    }

    /// Appends the run's next bytes (at most [`RUN_READ`]) to `buf`;
    /// false at the run's end.
    fn read_more(&mut self, buf: &mut Vec<u8>) -> io::Result<bool> {
        if self.at == self.end {
            if self.start == 0 {
                return Ok(false);
            }
            if self.consume && self.start < self.end {
                self.file.set_len(self.start)?;
            }
            // Every block but the file's first is `block` long.
            self.end = self.start;
            self.start = self.end.saturating_sub(self.block);
            self.at = self.start;
        }
        let n = (self.end - self.at).min(RUN_READ);
        let len = usize::try_from(n).map_err(|_| corrupt())?;
        // Read into the vector's spare room (`read_to_end` takes it as
        // it is, where `resize` would zero it first): no fill per block.
        buf.reserve(len);
        self.file.seek(SeekFrom::Start(self.at))?;
        let read = (&mut self.file).take(n).read_to_end(buf)?;
        if read != len {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.at += n;
        Ok(true)
    }
}

/// Reads a run row by row: the rows are parsed where they lie, in the
/// run's memory or in the block of its file read last.
struct RunReader<'a> {
    /// The run's bytes when held in memory, else `None` and `buf`.
    memory: Option<&'a [u8]>,
    file: Option<RunFile>,
    buf: Vec<u8>,
    /// Where the next row starts.
    at: usize,
    numeric: bool,
    /// The row read: its key's and its line's bytes.
    key: Bytes,
    line: Bytes,
}

/// A range of bytes, `(start, end)`.
type Bytes = (usize, usize);

impl<'a> RunReader<'a> {
    /// A reader of `run`; with `consume`, a run file is cut as it is
    /// read.
    fn open(run: &'a Run, numeric: bool, consume: bool) -> io::Result<RunReader<'a>> {
        let (memory, file) = match run {
            Run::File { path, block } => (None, Some(RunFile::open(path, *block, consume)?)),
            Run::Memory(bytes) => (Some(bytes.as_slice()), None),
        };
        Ok(RunReader {
            memory,
            file,
            buf: Vec::new(),
            at: 0,
            numeric,
            key: (0, 0),
            line: (0, 0),
        })
    }

    fn bytes(&self) -> &[u8] {
        self.memory.unwrap_or(&self.buf)
    }

    /// The key of the row read.
    fn key(&self) -> &[u8] {
        self.bytes().get(self.key.0..self.key.1).unwrap_or_default()
    }

    /// The line of the row read.
    fn line(&self) -> &[u8] {
        self.bytes()
            .get(self.line.0..self.line.1)
            .unwrap_or_default()
    }

    /// The key of the row read, as a number (numeric runs).
    fn number(&self) -> u64 {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(self.key().get(..8).unwrap_or(&[0; 8]));
        u64::from_be_bytes(bytes)
    }

    /// The row at `at` in `bytes`: its key's and line's ranges (the next
    /// row starts at the line's end); `None` when `bytes` ends before it
    /// does.
    #[inline]
    fn row(bytes: &[u8], at: usize, numeric: bool) -> Option<(Bytes, Bytes)> {
        let varint = |i: &mut usize| -> Option<u64> {
            let mut v = 0u64;
            for shift in (0..64).step_by(7) {
                let b = *bytes.get(*i)?;
                *i += 1;
                v |= u64::from(b & 0x7f) << shift;
                if b < 0x80 {
                    return Some(v);
                }
            }
            // Too long for a varint: no row ever ends here (the caller
            // names the corruption at the run's end).
            Some(u64::MAX)
        };
        let mut i = at;
        let key_len = if numeric {
            8
        } else {
            usize::try_from(varint(&mut i)?).ok()?
        };
        let key = (i, i.checked_add(key_len)?);
        i = key.1;
        let len = usize::try_from(varint(&mut i)?).ok()?;
        let line = (i, i.checked_add(len)?);
        (line.1 <= bytes.len()).then_some((key, line))
    }

    /// Reads the next row; false at the end.
    fn advance(&mut self) -> io::Result<bool> {
        loop {
            if let Some((key, line)) = Self::row(self.bytes(), self.at, self.numeric) {
                (self.key, self.line, self.at) = (key, line, line.1);
                return Ok(true);
            }
            // The row is cut by the block's end (or the run's): the next
            // block is read after what is left of this one.
            let more = match &mut self.file {
                Some(file) => {
                    self.buf.drain(..self.at);
                    self.at = 0;
                    file.read_more(&mut self.buf)?
                }
                None => false,
            };
            if !more {
                return if self.at == self.bytes().len() {
                    Ok(false)
                } else {
                    Err(corrupt())
                };
            }
        }
    }
}

/// Writes `header`, then the rows of the sorted `runs` in key order;
/// with `consume`, the run files are cut as they are read.
fn merge<W: Write>(
    writer: W,
    header: &[u8],
    runs: &[&Run],
    numeric: bool,
    consume: bool,
) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, writer);
    out.write_all(header)?;
    let mut readers = Vec::with_capacity(runs.len());
    for run in runs {
        readers.push(RunReader::open(run, numeric, consume)?);
    }
    if numeric {
        // Keys are big-endian numbers: compared as numbers, and the
        // smallest run replaced in place rather than popped and pushed.
        let mut heap = BinaryHeap::with_capacity(readers.len());
        for (i, r) in readers.iter_mut().enumerate() {
            if r.advance()? {
                heap.push(Reverse((r.number(), i)));
            }
        }
        while let Some(mut top) = heap.peek_mut() {
            let i = top.0.1;
            let r = &mut readers[i];
            out.write_all(r.line())?;
            if r.advance()? {
                top.0 = (r.number(), i);
            } else {
                PeekMut::pop(top);
            }
        }
        return out.flush();
    }
    let mut heap = BinaryHeap::with_capacity(readers.len());
    for (i, r) in readers.iter_mut().enumerate() {
        if r.advance()? {
            heap.push(Reverse((r.key().to_vec(), i)));
        }
    }
    while let Some(Reverse((mut key, i))) = heap.pop() {
        let r = &mut readers[i];
        out.write_all(r.line())?;
        if r.advance()? {
            // The popped key's buffer takes the reader's new key: no
            // allocation per row.
            key.clear();
            key.extend_from_slice(r.key());
            heap.push(Reverse((key, i)));
        }
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record's parts: key, flags, spelling, day, amount, quantity,
    /// category.
    type Parts = (
        Key<'static>,
        u8,
        &'static [u8],
        i32,
        Decimal,
        Option<u32>,
        Option<u32>,
    );

    /// A record of each kind: folded, with a spelled id, with text, with
    /// a quantity and a category, with a wide amount.
    fn records() -> Vec<Parts> {
        vec![
            (
                Key::Number(7),
                FOLDED,
                b"",
                19_000,
                Decimal::new(1999, 2),
                None,
                None,
            ),
            (
                Key::Number(1 << 40),
                FOLDED,
                b"",
                20_100,
                Decimal::new(5, 0),
                None,
                None,
            ),
            (
                Key::Number(7),
                ID_SPELLED | BEFORE_SWITCH,
                b"007",
                19_001,
                Decimal::new(-3, 1),
                None,
                None,
            ),
            (
                Key::Text(b"ann"),
                ID_TEXT,
                b"",
                18_000,
                Decimal::new(12, 0),
                Some(3),
                Some(2),
            ),
            (
                Key::Number(9),
                FOLDED,
                b"",
                19_002,
                Decimal::MAX,
                None,
                None,
            ),
            (
                Key::Number(u64::MAX),
                FOLDED,
                b"",
                19_003,
                Decimal::new(1, 28),
                None,
                None,
            ),
            (
                Key::Number(8),
                FOLDED,
                b"",
                19_004,
                Decimal::new(250, 2),
                Some(2),
                None,
            ),
        ]
    }

    /// What a scan visited: ordinal, id (a text's length plus 10^6),
    /// day, amount, quantity, category, and whether by the fast path.
    type Visited = (u64, u64, i32, Decimal, Option<u32>, Option<u32>, bool);

    #[derive(Default)]
    struct Seen(Vec<Visited>);

    impl Visit for Seen {
        fn record(&mut self, r: &Record<'_>) -> Result<bool> {
            let id = match r.key {
                Key::Number(n) => n,
                Key::Text(t) => t.len() as u64 + 1_000_000,
            };
            self.0.push((
                r.ordinal, id, r.day, r.amount, r.quantity, r.category, false,
            ));
            Ok(true)
        }

        fn folded(&mut self, f: &Folded) -> Result<bool> {
            let day = f.date.days_since_epoch();
            self.0
                .push((f.ordinal, f.id, day, f.amount, None, None, true));
            Ok(true)
        }
    }

    /// Blocks of records cut anywhere: the records before the cut are
    /// visited (folded ones by the fast path, with the values the general
    /// path gives), and the decoder stops at the cut record.
    #[test]
    fn blocks_cut_anywhere_visit_the_records_before_the_cut() {
        let mut bytes = Vec::new();
        let mut ends = Vec::new();
        let mut expected = Vec::new();
        let mut last = 0;
        for round in 0..12u64 {
            for (k, (key, flags, spelling, day, amount, quantity, category)) in
                records().into_iter().enumerate()
            {
                let ordinal = last + 1 + (round * 7 + k as u64) % 70;
                let r = Record {
                    ordinal,
                    flags,
                    key,
                    spelling,
                    day,
                    amount,
                    quantity,
                    category,
                };
                encode(&mut bytes, last, &r);
                last = ordinal;
                ends.push(bytes.len());
                let mut general = Seen::default();
                general.record(&r).unwrap();
                expected.push(general.0.remove(0));
            }
        }
        let strip = |v: &Visited| (v.0, v.1, v.2, v.3, v.4, v.5);
        let mut fast = 0;
        for cut in 0..=bytes.len() {
            let mut decoder = Decoder {
                bytes: &bytes[..cut],
                at: 0,
                ordinal: 0,
            };
            let mut seen = Seen::default();
            let result = visit_block(&mut decoder, &mut seen);
            let whole = ends.iter().filter(|&&e| e <= cut).count();
            let at = if whole == 0 { 0 } else { ends[whole - 1] };
            assert_eq!(decoder.at, at, "cut at {cut}");
            assert_eq!(decoder.ordinal, seen.0.last().map_or(0, |s| s.0));
            assert_eq!(matches!(result, Ok(None)), at == cut, "cut at {cut}");
            let got: Vec<_> = seen.0.iter().map(strip).collect();
            let want: Vec<_> = expected[..whole].iter().map(strip).collect();
            assert_eq!(got, want, "cut at {cut}");
            fast = fast.max(seen.0.iter().filter(|s| s.6).count());
        }
        // Most folded records (4 of 7 kinds) went by the fast path.
        assert!(fast > 30, "{fast} records read by the fast path");
    }
}
