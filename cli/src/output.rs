//! Everything the subcommands write: one CSV writer, the number formats,
//! and files replaced atomically.
//!
//! - **CSV**: every table goes through the `csv` crate's writer, which
//!   quotes a field as RFC 4180 requires (a comma, a quote or a line break
//!   in it; quotes doubled), so any customer label, item or attribute name
//!   reads back as written.
//! - **Files**: `-o FILE`, `--report FILE` and the other file options write
//!   to a temporary file in the same directory, flush it to disk and rename
//!   it over `FILE`. A failed or interrupted run leaves the old `FILE` as it
//!   was; on an error the temporary file is removed.
//! - **Numbers** ([`Format`]): money to cents (half to even) and other
//!   figures to six significant digits by default; `--exact` prints every
//!   digit. Counts are whole numbers. Shares in text reports are percents
//!   with one decimal (`12.3%`, [`percent`]).

use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use customer_value::Decimal;
use rust_decimal::RoundingStrategy;
use rust_decimal::prelude::ToPrimitive;

use crate::Failure;

/// How figures are printed: rounded for reading (the default) or every
/// digit (`--exact`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Format {
    exact: bool,
}

/// Significant digits of a figure that is neither money nor a count, when
/// not `--exact`.
pub const SIGNIFICANT_DIGITS: usize = 6;

impl Format {
    /// `exact`: every digit (the `--exact` option).
    pub fn new(exact: bool) -> Format {
        Format { exact }
    }

    /// Money: to cents, half to even, always two decimals (`17.50`); with
    /// `--exact`, every digit the value holds, without trailing zeros
    /// (`17.5`, `24.673333333333333333333333333`).
    pub fn money(&self, value: Decimal) -> String {
        let mut out = String::new();
        self.money_to(&mut out, value);
        out
    }

    /// [`money`](Self::money), appended to `out`.
    pub fn money_to(&self, out: &mut String, value: Decimal) {
        let v = if self.exact {
            value.normalize()
        } else {
            let mut v = value.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven);
            v.rescale(2);
            v
        };
        if v.is_zero() {
            out.push_str(if self.exact { "0" } else { "0.00" });
        } else {
            let _ = write!(out, "{v}");
        }
    }

    /// A figure that is neither money nor a count (a probability, a time, an
    /// index): six significant digits without trailing zeros (`0.857143`,
    /// `8.42857`, `12`); with `--exact`, the shortest decimal that reads
    /// back as the same `f64`. Never in exponent notation.
    ///
    /// Callers check that `x` is finite ([`finite`]); a non-finite value
    /// prints as an empty field rather than `NaN`.
    pub fn figure(&self, x: f64) -> String {
        let mut out = String::new();
        self.figure_to(&mut out, x);
        out
    }

    /// [`figure`](Self::figure), appended to `out`.
    pub fn figure_to(&self, out: &mut String, x: f64) {
        if !x.is_finite() {
            return;
        }
        if x == 0.0 {
            out.push('0');
            return;
        }
        // A whole number of at most six digits is its own rounding.
        if x.fract() == 0.0 && x.abs() < 1e6 {
            let _ = write!(out, "{}", x as i64);
            return;
        }
        if self.exact {
            let _ = write!(out, "{x}");
            return;
        }
        let digits = SIGNIFICANT_DIGITS as i32;
        let magnitude = x.abs().log10().floor() as i32;
        // Fast path: scale by an exact power of ten (10^k, k <= 22, is
        // exact), round, scale back; the shortest form of the result is the
        // rounded decimal.
        let rounded = if (-15..=15).contains(&magnitude) {
            let shift = digits - 1 - magnitude;
            if shift >= 0 {
                let p = 10f64.powi(shift);
                (x * p).round() / p
            } else {
                let p = 10f64.powi(-shift);
                (x / p).round() * p
            }
        } else {
            format!("{x:.prec$e}", prec = SIGNIFICANT_DIGITS - 1)
                .parse()
                .unwrap_or(x)
        };
        let _ = write!(out, "{rounded}");
    }

    /// A figure held as a decimal (a multiple, a rate): six significant
    /// digits, or with `--exact` every digit.
    pub fn decimal_figure(&self, value: Decimal) -> String {
        if self.exact {
            let v = value.normalize();
            return if v.is_zero() {
                "0".into()
            } else {
                v.to_string()
            };
        }
        self.figure(value.to_f64().unwrap_or(f64::NAN))
    }

    /// An optional figure: empty when absent.
    pub fn opt_figure(&self, x: Option<f64>) -> String {
        x.map_or(String::new(), |x| self.figure(x))
    }
}

/// A share as a percent with one decimal and no space: `12.3%`. The one
/// percent format of every text report.
pub fn percent(share: f64) -> String {
    format!("{:.1}%", 100.0 * share)
}

/// For a missing-column error: the columns the file has, and where the
/// expected ones are listed (`; the file has: a, b; see `customer-value
/// CMD --help``).
pub fn columns_hint(header: &[String], command: &str) -> String {
    let list = if header.is_empty() {
        "no columns".to_owned()
    } else {
        header
            .iter()
            .map(|h| format!("{h:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if command.is_empty() {
        format!("; the file has {list}")
    } else {
        format!("; the file has {list}; see `customer-value {command} --help`")
    }
}

/// The subcommand being run, for messages that point to its help.
static COMMAND: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Records the subcommand being run (once, from `main`).
pub fn set_command(name: &str) {
    let _ = COMMAND.set(name.to_owned());
}

/// The subcommand being run (`customer-value` before one is known).
pub fn command() -> &'static str {
    COMMAND.get().map_or("", String::as_str)
}

/// [`columns_hint`] for a file's header line, read again for the message:
/// the first line split at commas, else tabs, else runs of spaces.
pub fn header_hint(path: &Path) -> String {
    let first = fs::File::open(path).ok().and_then(|f| {
        let mut line = String::new();
        io::BufRead::read_line(&mut io::BufReader::new(f), &mut line).ok()?;
        Some(line)
    });
    let Some(line) = first else {
        return String::new();
    };
    let line = line.trim_end_matches(['\r', '\n']);
    let fields: Vec<String> = if line.contains(',') {
        line.split(',')
            .map(|f| f.trim().trim_matches('"').to_owned())
            .collect()
    } else if line.contains('\t') {
        line.split('\t').map(|f| f.trim().to_owned()).collect()
    } else {
        line.split_whitespace().map(str::to_owned).collect()
    };
    columns_hint(&fields, command())
}

/// The first customer whose amounts, summed in file order, overflow a
/// decimal: the customer an "arithmetic overflow" of a summary is about.
pub fn overflowing_customer(
    log: &customer_value::TransactionLog,
) -> Option<customer_value::CustomerId> {
    let mut sums: std::collections::HashMap<customer_value::CustomerId, Decimal> =
        std::collections::HashMap::new();
    log.transactions().iter().find_map(|t| {
        let sum = sums.entry(t.customer()).or_default();
        match sum.checked_add(t.amount()) {
            Some(s) => {
                *sum = s;
                None
            }
            None => Some(t.customer()),
        }
    })
}

/// A data error from a computation over the whole population (a total, a
/// ranking): an overflow there is no single customer's, so the message says
/// what the sum ran over. Errors that name their customer pass through.
pub fn population_error(path: &Path, customers: usize, e: customer_value::Error) -> Failure {
    match e {
        customer_value::Error::Overflow { .. } => Failure::Data(format!(
            "{}: {e} (a sum over all {customers} customers; check for absurd amounts)",
            path.display()
        )),
        e => Failure::Data(format!("{}: {e}", path.display())),
    }
}

/// `x` if finite; otherwise a data error naming what and whose it is.
pub fn finite(x: f64, what: &str, whose: &str) -> Result<f64, Failure> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(Failure::Data(format!(
            "{whose}: {what} is not a finite number ({x})"
        )))
    }
}

/// The rows of one CSV table, written through the `csv` crate (RFC 4180
/// quoting, `\n` line ends).
pub struct Csv<'a> {
    writer: ::csv::Writer<&'a mut dyn Write>,
    /// One field's text, reused from field to field.
    buf: String,
}

impl Csv<'_> {
    /// Writes one record.
    pub fn row<I, T>(&mut self, fields: I) -> io::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.writer.write_record(fields).map_err(io::Error::from)
    }

    /// Appends a text field to the current record.
    pub fn text(&mut self, field: impl AsRef<[u8]>) -> io::Result<&mut Self> {
        self.writer.write_field(field)?;
        Ok(self)
    }

    /// Appends a field formatted by `Display` (counts, names, codes).
    pub fn show(&mut self, value: impl std::fmt::Display) -> io::Result<&mut Self> {
        self.buf.clear();
        let _ = write!(self.buf, "{value}");
        self.writer.write_field(&self.buf)?;
        Ok(self)
    }

    /// Appends a money field ([`Format::money`]).
    pub fn money(&mut self, fmt: Format, value: Decimal) -> io::Result<&mut Self> {
        self.buf.clear();
        fmt.money_to(&mut self.buf, value);
        self.writer.write_field(&self.buf)?;
        Ok(self)
    }

    /// Appends a figure field ([`Format::figure`]).
    pub fn figure(&mut self, fmt: Format, x: f64) -> io::Result<&mut Self> {
        self.buf.clear();
        fmt.figure_to(&mut self.buf, x);
        self.writer.write_field(&self.buf)?;
        Ok(self)
    }

    /// Ends the current record.
    pub fn end(&mut self) -> io::Result<()> {
        self.writer
            .write_record(None::<&[u8]>)
            .map_err(io::Error::from)
    }
}

/// Writes a CSV table with `header` to `--output FILE` (atomically) or
/// stdout; `rows` writes the records.
pub fn write_csv(
    output: Option<&Path>,
    header: &[&str],
    rows: impl FnOnce(&mut Csv<'_>) -> io::Result<()>,
) -> Result<(), Failure> {
    write_output(output, |w| {
        let mut csv = Csv {
            writer: ::csv::WriterBuilder::new()
                .terminator(::csv::Terminator::Any(b'\n'))
                .from_writer(w),
            buf: String::new(),
        };
        csv.row(header)?;
        rows(&mut csv)?;
        csv.writer.flush()
    })
}

/// Writes to `--output FILE` (atomically: see [`replace_file`]) or stdout;
/// a closed pipe (`| head`) is not an error.
pub fn write_output(
    output: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Failure> {
    let result = match output {
        Some(file) => replace_file(file, write),
        None => {
            let mut w = BufWriter::new(io::stdout().lock());
            write(&mut w).and_then(|()| w.flush())
        }
    };
    match result {
        Ok(()) => Ok(()),
        Err(e) if output.is_none() && e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => {
            let to = output.map_or("stdout".into(), |p| p.display().to_string());
            Err(Failure::Data(format!("cannot write to {to}: {e}")))
        }
    }
}

/// Writes `text` to `path` atomically, for reports and JSON files.
pub fn write_text(path: &Path, text: &str) -> Result<(), Failure> {
    replace_file(path, |w| w.write_all(text.as_bytes()))
        .map_err(|e| Failure::Data(format!("cannot write to {}: {e}", path.display())))
}

/// Replaces `path` with what `write` writes, or leaves it untouched: the
/// bytes go to a new temporary file in the same directory, which is flushed
/// to disk (`fsync`) and renamed over `path`. On any error the temporary
/// file is removed. The new file keeps an existing file's permissions.
pub fn replace_file(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    // The temporary files a killed run left (see `remove_stale_temps`) are
    // removed on another thread while this one writes and flushes, which
    // is mostly waiting for the disk: in a directory of thousands of files
    // the scan then adds nothing to the run. It never touches this run's
    // own file, and it is over before this returns.
    std::thread::scope(|scope| {
        let stale = std::thread::Builder::new()
            .spawn_scoped(scope, || remove_stale_temps_beside(path))
            .map_err(|_| remove_stale_temps_beside(path));
        let result = replace_file_now(path, write);
        if let Ok(stale) = stale {
            let _ = stale.join();
        }
        result
    })
}

/// [`replace_file`] without the scan for stale temporary files.
fn replace_file_now(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let (temp, file) = create_temp(path)?;
    let result = fill(file, write, path).and_then(|()| fs::rename(&temp, path));
    match result {
        Ok(()) => {
            // Make the rename itself durable; not every platform can open a
            // directory, so this is best effort.
            if let Ok(dir) = File::open(directory(path)) {
                let _ = dir.sync_all();
            }
            Ok(())
        }
        Err(e) => {
            let _ = fs::remove_file(&temp);
            Err(e)
        }
    }
}

fn fill(
    file: File,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    path: &Path,
) -> io::Result<()> {
    if let Ok(meta) = fs::metadata(path) {
        if meta.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "is a directory",
            ));
        }
        file.set_permissions(meta.permissions())?;
    }
    let mut w = BufWriter::with_capacity(1 << 16, file);
    write(&mut w)?;
    let file = w.into_inner().map_err(io::IntoInnerError::into_error)?;
    file.sync_all()
}

fn directory(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A new file `.NAME.PID.N.tmp` beside `path` ([`replace_file`] removes
/// those a killed run left, see [`remove_stale_temps`]).
fn create_temp(path: &Path) -> io::Result<(PathBuf, File)> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    let dir = directory(path);
    let mut last = None;
    for n in 0..100u32 {
        let mut temp_name = OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".{}.{n}.tmp", std::process::id()));
        let temp = dir.join(temp_name);
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
        {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no temporary file name left")))
}

/// [`remove_stale_temps`] of the directory and name of `path`, if it
/// names a file.
fn remove_stale_temps_beside(path: &Path) {
    if let Some(name) = path.file_name() {
        remove_stale_temps(directory(path), name);
    }
}

/// Removes the temporary files `.NAME.PID.*.tmp` beside an output whose
/// process is gone: a run killed while writing (`SIGKILL`) cannot remove
/// its own. Only where `/proc` tells which processes run (Linux); best
/// effort.
fn remove_stale_temps(dir: &Path, name: &std::ffi::OsStr) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Some(name) = name.to_str() else { return };
    let prefix = format!(".{name}.");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(rest) = file
            .to_str()
            .and_then(|f| f.strip_prefix(&prefix))
            .and_then(|f| f.strip_suffix(".tmp"))
        else {
            continue;
        };
        let Some(pid) = rest.split('.').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let f = Format::new(false);
        assert_eq!(f.money(d("17.5")), "17.50");
        assert_eq!(f.money(d("0.125")), "0.12");
        assert_eq!(f.money(d("0.135")), "0.14");
        assert_eq!(f.money(d("-0.001")), "0.00");
        assert_eq!(f.money(d("101.4150")), "101.42");
        let e = Format::new(true);
        assert_eq!(e.money(d("101.4150")), "101.415");
        assert_eq!(e.money(d("7")), "7");
        assert_eq!(e.money(d("0.000")), "0");
        assert_eq!(f.decimal_figure(d("1.7500000")), "1.75");
        assert_eq!(f.decimal_figure(d("3.14159265")), "3.14159");
        assert_eq!(f.decimal_figure(d("0.0123456789")), "0.0123457");
        assert_eq!(e.decimal_figure(d("3.14159265")), "3.14159265");
    }

    #[test]
    fn figures() {
        let f = Format::new(false);
        assert_eq!(f.figure(10.714285714285708), "10.7143");
        assert_eq!(f.figure(0.8571428571), "0.857143");
        assert_eq!(f.figure(12.0), "12");
        assert_eq!(f.figure(-0.0), "0");
        assert_eq!(f.figure(1.5e-7), "0.00000015");
        assert_eq!(f.figure(123456789.0), "123457000");
        assert_eq!(f.figure(f64::NAN), "");
        assert_eq!(f.figure(-2.5), "-2.5");
        assert_eq!(f.figure(1e-20), "0.00000000000000000001");
        assert_eq!(f.figure(0.450389610389), "0.45039");
        assert_eq!(f.figure(2821355639.3387), "2821360000");
        // The fast path agrees with decimal rounding away from exact ties.
        for i in 1..2000 {
            let x = f64::from(i) * 0.012_345_678_9 + 1e-9;
            let slow: f64 = format!("{x:.5e}").parse().unwrap();
            assert_eq!(f.figure(x), format!("{slow}"), "{x}");
        }
        let e = Format::new(true);
        assert_eq!(e.figure(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(percent(0.1234), "12.3%");
        assert_eq!(percent(1.0), "100.0%");
    }

    #[test]
    fn replace_keeps_old_file_on_error() {
        let dir = std::env::temp_dir().join(format!("cv-output-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.csv");
        fs::write(&path, "old\n").unwrap();
        let err = replace_file(&path, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("boom"))
        });
        assert!(err.is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1, "temp file removed");
        replace_file(&path, |w| w.write_all(b"new\n")).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        fs::remove_dir_all(&dir).unwrap();
    }
}
