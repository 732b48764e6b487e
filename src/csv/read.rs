//! Reading: [`CsvOptions::read`] and [`CsvOptions::read_path`], which cut
//! the input into chunks of whole lines and split them into fields, by hand
//! when there are no quotes and with the `csv` crate from the first quote
//! on, and hand each line to the [`Sink`].

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::rc::Rc;

use super::options::{CsvOptions, Delimiter};
use super::sink::{Fields, LogTarget, Sink, Target};
use crate::error::{Error, Result};
use crate::model::TransactionLog;

impl CsvOptions {
    /// Reads a transaction log from CSV text, in file order.
    ///
    /// The reader is buffered here; pass a [`File`] or a byte slice as it
    /// is.
    ///
    /// # Errors
    /// - [`Error::Parse`] for the first bad field, naming its 1-based line
    ///   and its column (header name or position): a bad date, amount,
    ///   quantity or customer id, an empty customer id, a line with the
    ///   wrong number of fields, a header (line 1) without a requested
    ///   column, or two roles given the same column;
    /// - [`Error::EmptyInput`] when the input has no data line: it is
    ///   empty (0 bytes, or blank lines only), or holds only its header;
    /// - [`Error::Io`] (action `"read"`, an empty path, the reader's error
    ///   with the line it stopped at) when the reader fails;
    /// - [`Error::Overflow`] past 2^32 distinct customer or category names.
    ///
    /// # Example
    /// ```
    /// use customer_value::csv::{Column, CsvOptions, IdKind};
    ///
    /// let file = "when;who;spent;what\n2024-05-01;alice;12.50;books\n2024-05-02;bob;3;music\n";
    /// let options = CsvOptions::builder()
    ///     .delimiter(customer_value::csv::Delimiter::Byte(b';'))
    ///     .customer_column("who")
    ///     .date_column("when")
    ///     .amount_column("spent")
    ///     .category_column("what")
    ///     .build()?;
    /// let log = options.read(file.as_bytes())?;
    /// assert_eq!(log.customer_label(log.transactions()[1].customer()), "bob");
    /// assert_eq!(log.category_names().len(), 2);
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn read<R: Read>(&self, input: R) -> Result<TransactionLog> {
        self.read_into(input, 0, Path::new(""))
    }

    /// Reads a transaction log from the CSV file at `path`; see
    /// [`CsvOptions::read`].
    ///
    /// # Errors
    /// - [`Error::Io`] (action `"open"`, the path, the system's error as
    ///   its source) when the file cannot be opened;
    /// - [`Error::Io`] (action `"read"`, the path, the system's error with
    ///   the line it stopped at) when reading fails after the file is open;
    /// - as [`CsvOptions::read`] otherwise.
    pub fn read_path(&self, path: impl AsRef<Path>) -> Result<TransactionLog> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| Error::io("open", path, e))?;
        // A row takes at least ~12 bytes; reserve for ~20-byte rows, which
        // costs nothing for pages never touched.
        let guess = file
            .metadata()
            .map_or(0, |m| usize::try_from(m.len() / 20).unwrap_or(0));
        self.read_into(file, guess.min(1 << 26), path)
    }

    /// Reads `input`; `path` names it in I/O errors (empty for a reader).
    fn read_into<R: Read>(&self, input: R, capacity: usize, path: &Path) -> Result<TransactionLog> {
        let mut sink = Sink::new(self, LogTarget::new(self, capacity));
        self.drive(input, path, CHUNK_SIZE, &mut sink)?;
        if sink.target.is_empty() {
            return Err(super::sink::no_data_lines(sink.layout().is_some()));
        }
        sink.target.finish()
    }

    /// Reads `input` in chunks of about `chunk_size` bytes, handing every
    /// line to `sink`; `path` names it in I/O errors (empty for a reader).
    pub(super) fn drive<R: Read, T: Target>(
        &self,
        input: R,
        path: &Path,
        chunk_size: usize,
        sink: &mut Sink<'_, T>,
    ) -> Result<()> {
        let mut chunks = Chunks::new(input, chunk_size);
        let mut line = 0u64;
        let mut bounds = Vec::with_capacity(16);
        loop {
            let chunk = chunks.next().map_err(|e| io_error(path, line + 1, e))?;
            let Some(chunk) = chunk else { break };
            match self.delimiter() {
                Delimiter::Whitespace => split_whitespace(chunk, &mut line, &mut bounds, sink)?,
                Delimiter::Byte(delimiter) => {
                    if needs_csv_parser(chunk) {
                        // Quoted fields (or old Mac line ends) from here on:
                        // the csv crate reads the rest.
                        chunks.unread();
                        read_quoted(chunks.into_reader(), delimiter, line, path, sink)?;
                        break;
                    }
                    split_delimited(chunk, delimiter, &mut line, &mut bounds, sink)?;
                }
            }
        }
        Ok(())
    }
}

impl Fields for ::csv::ByteRecord {
    #[inline]
    fn count(&self) -> usize {
        self.len()
    }
    #[inline]
    fn field(&self, i: usize) -> &[u8] {
        self.get(i).unwrap_or_default()
    }
}

/// A line split by the reader itself (no quotes in it): `bounds` are the
/// fields' ranges in `line`.
struct Split<'a> {
    line: &'a [u8],
    bounds: &'a [(usize, usize)],
}

impl Fields for Split<'_> {
    #[inline]
    fn count(&self) -> usize {
        self.bounds.len()
    }
    #[inline]
    fn field(&self, i: usize) -> &[u8] {
        self.bounds
            .get(i)
            .and_then(|&(a, b)| self.line.get(a..b))
            .unwrap_or_default()
    }
}

/// An I/O error while reading line `line` of `path` (empty for a
/// reader): [`Error::Io`], keeping the system error's kind and adding the
/// line to its message.
pub(super) fn io_error(path: &Path, line: u64, e: io::Error) -> Error {
    let kind = e.kind();
    Error::io(
        "read",
        path,
        io::Error::new(kind, format!("line {line}: {e}")),
    )
}

/// An error of the `csv` crate at line `line`: its I/O errors are
/// [`Error::Io`], anything else a [`Error::Parse`] of the line.
fn csv_error(path: &Path, line: u64, e: ::csv::Error) -> Error {
    let reason = e.to_string();
    match e.into_kind() {
        ::csv::ErrorKind::Io(e) => io_error(path, line, e),
        _ => Error::Parse {
            line,
            column: String::new(),
            reason,
        },
    }
}

/// The chunk size of [`CsvOptions::read`]: 1 MiB.
pub(super) const CHUNK_SIZE: usize = 1 << 20;

/// The input in chunks of whole lines (the last one may lack its line
/// end), about `size` bytes each (more for a longer line), a leading
/// byte-order mark skipped.
struct Chunks<R> {
    input: R,
    size: usize,
    buf: Vec<u8>,
    /// Bytes of `buf` filled.
    len: usize,
    /// Bytes of `buf` handed out by the last [`Chunks::next`].
    done: usize,
    eof: bool,
    started: bool,
}

impl<R: Read> Chunks<R> {
    fn new(input: R, size: usize) -> Chunks<R> {
        Chunks {
            input,
            size: size.max(1),
            buf: Vec::new(),
            len: 0,
            done: 0,
            eof: false,
            started: false,
        }
    }

    fn next(&mut self) -> io::Result<Option<&[u8]>> {
        self.buf.copy_within(self.done..self.len, 0);
        self.len -= self.done;
        self.done = 0;
        let mut searched = 0;
        loop {
            if self.eof {
                if self.len == 0 {
                    return Ok(None);
                }
                self.done = self.len;
                return Ok(Some(&self.buf[..self.len]));
            }
            if self.len == self.buf.len() {
                if let Some(end) = self.buf[searched..self.len]
                    .iter()
                    .rposition(|&b| b == b'\n')
                {
                    self.done = searched + end + 1;
                    return Ok(Some(&self.buf[..self.done]));
                }
                // No line end in the whole buffer: a very long line.
                searched = self.len;
                self.buf.resize((self.buf.len() * 2).max(self.size), 0);
            }
            match self.input.read(&mut self.buf[self.len..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
            if !self.started && (self.len >= 3 || self.eof) {
                self.started = true;
                if self.buf[..self.len].starts_with(b"\xEF\xBB\xBF") {
                    self.buf.copy_within(3..self.len, 0);
                    self.len -= 3;
                }
            }
        }
    }

    /// Takes back the chunk the last [`Chunks::next`] returned.
    fn unread(&mut self) {
        self.done = 0;
    }

    /// What is left to read, as one reader.
    fn into_reader(mut self) -> io::Chain<io::Cursor<Vec<u8>>, R> {
        self.buf.truncate(self.len);
        self.buf.drain(..self.done);
        io::Cursor::new(self.buf).chain(self.input)
    }
}

/// Whether a chunk needs a real CSV parser: it has quotes, or a carriage
/// return that does not end a line.
pub(super) fn needs_csv_parser(chunk: &[u8]) -> bool {
    memchr::memchr2_iter(b'"', b'\r', chunk)
        .any(|i| chunk[i] == b'"' || chunk.get(i + 1).is_some_and(|&n| n != b'\n'))
}

/// Splits a chunk without quotes into lines and fields; `line` counts
/// lines. Blank lines are skipped, as the csv crate does.
pub(super) fn split_delimited(
    chunk: &[u8],
    delimiter: u8,
    line: &mut u64,
    bounds: &mut Vec<(usize, usize)>,
    sink: &mut Sink<'_, impl Target>,
) -> Result<()> {
    bounds.clear();
    let mut line_start = 0;
    let mut field_start = 0;
    for (i, &b) in chunk.iter().enumerate() {
        if b == delimiter {
            bounds.push((field_start, i));
            field_start = i + 1;
        } else if b == b'\n' {
            let end = if i > field_start && chunk[i - 1] == b'\r' {
                i - 1
            } else {
                i
            };
            bounds.push((field_start, end));
            end_line(chunk, line_start, line, bounds, sink)?;
            line_start = i + 1;
            field_start = i + 1;
        }
    }
    if line_start < chunk.len() {
        let end = chunk.len() - usize::from(chunk.ends_with(b"\r") && chunk.len() > field_start);
        bounds.push((field_start, end));
        end_line(chunk, line_start, line, bounds, sink)?;
    }
    Ok(())
}

/// Hands a split line to the sink (skipping blank lines) and clears
/// `bounds`.
#[inline]
fn end_line(
    chunk: &[u8],
    line_start: usize,
    line: &mut u64,
    bounds: &mut Vec<(usize, usize)>,
    sink: &mut Sink<'_, impl Target>,
) -> Result<()> {
    *line += 1;
    let blank = bounds.len() == 1
        && bounds
            .first()
            .is_some_and(|&(a, b)| a == line_start && b == a);
    let result = if blank {
        Ok(())
    } else {
        sink.line(
            *line,
            &Split {
                line: chunk,
                bounds,
            },
        )
    };
    bounds.clear();
    result
}

/// Splits a chunk into lines, and lines into fields at runs of spaces and
/// tabs; `line` counts lines. Blank lines are skipped.
fn split_whitespace(
    chunk: &[u8],
    line: &mut u64,
    bounds: &mut Vec<(usize, usize)>,
    sink: &mut Sink<'_, impl Target>,
) -> Result<()> {
    for text in chunk.split_inclusive(|&b| b == b'\n') {
        *line += 1;
        let offset = text.as_ptr() as usize - chunk.as_ptr() as usize;
        bounds.clear();
        let mut start = None;
        for (i, &b) in text.iter().enumerate() {
            let space = matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0b' | b'\x0c');
            match (start, space) {
                (None, false) => start = Some(i),
                (Some(s), true) => {
                    bounds.push((offset + s, offset + i));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            bounds.push((offset + s, offset + text.len()));
        }
        if !bounds.is_empty() {
            sink.line(
                *line,
                &Split {
                    line: chunk,
                    bounds,
                },
            )?;
        }
    }
    Ok(())
}

/// Reads the rest of the input with the csv crate, which handles quoted
/// fields; `before` lines were read already.
///
/// A record's line is counted from the line ends before it: the csv
/// crate's own count, and its record positions, leave out the blank lines
/// it skips before a record.
pub(super) fn read_quoted<R: Read>(
    input: R,
    delimiter: u8,
    before: u64,
    path: &Path,
    sink: &mut Sink<'_, impl Target>,
) -> Result<()> {
    let ends = Rc::new(RefCell::new(LineEnds::default()));
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(Tracked {
            inner: input,
            ends: Rc::clone(&ends),
        });
    let line_at = |byte: u64| before + 1 + ends.borrow_mut().before(byte);
    let mut record = ::csv::ByteRecord::new();
    let mut last_line = before;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => {
                let line = e.position().map_or(last_line + 1, |p| line_at(p.byte()));
                return Err(csv_error(path, line, e));
            }
        }
        last_line = record
            .position()
            .map_or(last_line + 1, |p| line_at(p.byte()));
        sink.line(last_line, &record)?;
    }
}

/// The line ends read but not yet passed (offset, and whether the line
/// it ends is blank), and how many were passed.
#[derive(Default)]
struct LineEnds {
    read: u64,
    pending: VecDeque<(u64, bool)>,
    passed: u64,
    /// Whether the line being read has a byte other than `\r`.
    content: bool,
}

impl LineEnds {
    /// How many lines come before the record the csv crate places at
    /// `byte`: the line ends before it, and the blank lines it skips
    /// from there.
    fn before(&mut self, byte: u64) -> u64 {
        while self.pending.front().is_some_and(|&(p, _)| p < byte) {
            self.pending.pop_front();
            self.passed += 1;
        }
        let blank = self.pending.iter().take_while(|&&(_, blank)| blank).count();
        self.passed + blank as u64
    }
}

/// A reader that notes where its line ends are.
struct Tracked<R> {
    inner: R,
    ends: Rc<RefCell<LineEnds>>,
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut ends = self.ends.borrow_mut();
        let start = ends.read;
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\n' {
                let blank = !ends.content;
                ends.pending.push_back((start + i as u64, blank));
                ends.content = false;
            } else if b != b'\r' {
                ends.content = true;
            }
        }
        ends.read += n as u64;
        Ok(n)
    }
}
