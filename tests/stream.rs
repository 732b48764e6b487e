//! Integration tests: the streaming summary (`csv::StreamingSummarizer`)
//! writes the same bytes, and fails with the same errors, as the in-memory
//! path (`CsvOptions::read`, `Summarizer::summarize`, `write_summary`) for
//! any partitioning, buffer size and input order.

use customer_value::csv::{
    CsvOptions, IdKind, StreamingSummarizer, SummaryFormat, write_holdout_only,
    write_holdout_only_with, write_summary, write_summary_with,
};
use customer_value::{Date, Error, Grouping, RefundPolicy, Summarizer, TimeUnit};
use proptest::prelude::*;

/// What the in-memory path writes: the summary and the holdout-only
/// customers, or its error.
fn in_memory(
    csv: &CsvOptions,
    summarizer: &Summarizer,
    format: Option<SummaryFormat>,
    text: &str,
) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let log = csv.read(text.as_bytes())?;
    let summary = summarizer.summarize(log.transactions())?;
    let (mut out, mut hold) = (Vec::new(), Vec::new());
    match format {
        None => {
            write_summary(&mut out, &summary, &log).unwrap();
            write_holdout_only(&mut hold, &summary, &log).unwrap();
        }
        Some(f) => {
            let f = f.categories(!log.category_names().is_empty());
            write_summary_with(&mut out, &summary, &log, f).unwrap();
            write_holdout_only_with(&mut hold, &summary, &log, f).unwrap();
        }
    }
    Ok((out, hold))
}

/// What the streaming path writes, with `partitions` partitions and
/// buffers of `buffer` bytes; the spill records held in memory vary with
/// the partitions: none (every partition in its file), 48 bytes (the
/// first partitions held, the others written once they pass it), or all.
fn streamed(
    csv: &CsvOptions,
    summarizer: &Summarizer,
    format: Option<SummaryFormat>,
    text: &str,
    partitions: usize,
    buffer: usize,
) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let held = [0, 48, 1 << 20][partitions % 3];
    streamed_held(csv, summarizer, format, text, partitions, buffer, held)
}

/// [`streamed`], holding at most `held` bytes of spill records in memory.
fn streamed_held(
    csv: &CsvOptions,
    summarizer: &Summarizer,
    format: Option<SummaryFormat>,
    text: &str,
    partitions: usize,
    buffer: usize,
    held: u64,
) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let mut s = StreamingSummarizer::new(csv.clone(), *summarizer)
        .partitions(partitions)
        .buffer_size(buffer)
        .spill_in_memory(held);
    if let Some(f) = format {
        s = s.format(f).categories_when_named(true);
    }
    let prepared = s.prepare(text.as_bytes(), Some(text.len() as u64), &mut |_| {})?;
    let (mut out, mut hold) = (Vec::new(), Vec::new());
    prepared.write_summary(&mut out).unwrap();
    prepared.write_holdout_only(&mut hold).unwrap();
    // The last write, which cuts the run files (stored in blocks of
    // `buffer` bytes) as it reads them, writes the same bytes.
    let report = prepared.report().clone();
    let mut last = Vec::new();
    assert_eq!(prepared.write_summary_once(&mut last).unwrap(), report);
    assert_eq!(last, out, "write_summary_once");
    Ok((out, hold))
}

fn day(s: &str) -> Date {
    Date::parse(s).unwrap()
}

/// Customer ids: numbers, numbers with leading zeros, strings, quoted
/// strings, a number too large for `u64`.
const IDS: [&str; 16] = [
    "1",
    "2",
    "7",
    "007",
    "0",
    "00",
    "12",
    "99",
    "alice",
    "bob",
    "zoë",
    "\"b,c\"",
    "\"q\"\"t\"",
    "18446744073709551616",
    "x 1",
    "3",
];

#[derive(Debug, Clone)]
struct Case {
    text: String,
    id_kind: IdKind,
    grouping: Grouping,
    refunds: RefundPolicy,
    holdout: bool,
    weeks: bool,
    format: u8,
    partitions: usize,
    buffer: usize,
    held: u64,
}

fn case() -> impl Strategy<Value = Case> {
    let row = (
        0..IDS.len(),
        0i32..120,
        -2000i64..20000,
        0u32..4,
        0u8..4,
        0u8..3,
    );
    (
        prop::collection::vec(row, 0..60),
        0u8..4, // which ids: numbers only, all, strings only, numbers then one string
        0u8..3, // id kind
        0u8..3, // grouping
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        0u8..3, // format
        1usize..=17,
        1usize..80,
        any::<bool>(), // extra columns (quantity, category)
        (
            0u8..3, // refunds: none, some
            // Spill bytes held in memory: none, some partitions, all.
            prop_oneof![Just(0u64), 1u64..200, Just(1u64 << 20)],
        ),
    )
        .prop_map(
            |(
                rows,
                ids,
                kind,
                grouping,
                net,
                holdout,
                weeks,
                format,
                partitions,
                buffer,
                extra,
                (refunds, held),
            )| {
                let numeric: Vec<usize> = (0..IDS.len())
                    .filter(|&i| IDS[i].bytes().all(|b| b.is_ascii_digit()) && IDS[i].len() < 20)
                    .collect();
                let mut text = String::from(if extra {
                    "customer_id,date,amount,quantity,category\n"
                } else {
                    "customer_id,date,amount\n"
                });
                let n = rows.len();
                for (k, (id, d, cents, scale, q, blank)) in rows.into_iter().enumerate() {
                    let id = match ids {
                        0 => IDS[numeric[id % numeric.len()]],
                        1 => IDS[id],
                        2 => IDS[8 + id % 8],
                        _ if k == n / 2 => "carol",
                        _ => IDS[numeric[id % numeric.len()]],
                    };
                    let date = day("2024-01-01").checked_add_days(d).unwrap();
                    let mut cents = cents;
                    if refunds < 2 {
                        cents = cents.abs();
                    }
                    let amount = customer_value::Decimal::new(cents, scale);
                    text.push_str(&format!("{id},{date},{amount}"));
                    if extra {
                        let qty = if q == 0 { String::new() } else { q.to_string() };
                        let cat = ["", "books", "music", "\"a,b\""][usize::from(q)];
                        text.push_str(&format!(",{qty},{cat}"));
                    }
                    text.push('\n');
                    if blank == 0 && k % 7 == 3 {
                        text.push('\n');
                    }
                }
                Case {
                    text,
                    id_kind: [IdKind::Auto, IdKind::Numeric, IdKind::String][usize::from(kind)],
                    grouping: [Grouping::Day, Grouping::Period, Grouping::Transaction]
                        [usize::from(grouping)],
                    refunds: if net && grouping != 2 {
                        RefundPolicy::Net
                    } else {
                        RefundPolicy::Reject
                    },
                    holdout,
                    weeks,
                    format,
                    partitions,
                    buffer,
                    held,
                }
            },
        )
}

fn check(c: &Case) {
    let csv = CsvOptions::builder().id_kind(c.id_kind).build().unwrap();
    let mut b = Summarizer::builder(day("2024-03-01"))
        .grouping(c.grouping)
        .refunds(c.refunds);
    if c.weeks {
        b = b.unit(TimeUnit::WEEK);
    }
    if c.holdout {
        b = b.holdout_end(day("2024-04-01"));
    }
    let summarizer = b.build().unwrap();
    let format = [
        None,
        Some(SummaryFormat::exact()),
        Some(SummaryFormat::rounded()),
    ][usize::from(c.format)];
    let want = in_memory(&csv, &summarizer, format, &c.text);
    let got = streamed_held(
        &csv,
        &summarizer,
        format,
        &c.text,
        c.partitions,
        c.buffer,
        c.held,
    );
    if std::env::var_os("STREAM_TEST_TRACE").is_some() {
        eprintln!("outcome {}", if want.is_ok() { "ok" } else { "err" });
    }
    match (&want, &got) {
        (Ok((a, ha)), Ok((b, hb))) => {
            assert_eq!(
                String::from_utf8_lossy(a),
                String::from_utf8_lossy(b),
                "summary of\n{}",
                c.text
            );
            assert_eq!(ha, hb, "holdout-only of\n{}", c.text);
        }
        _ => assert_eq!(want, got, "for\n{}", c.text),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn streaming_equals_in_memory(c in case()) {
        check(&c);
    }
}

#[test]
fn same_bytes_in_any_order_and_partitioning() {
    let rows = [
        "5,2024-01-03,10.00",
        "0005,2024-01-09,3",
        "3,2024-02-10,7.5",
        "5,2024-02-11,1",
        "12,2024-03-20,2",
        "3,2024-01-05,4",
    ];
    let summarizer = Summarizer::builder(day("2024-03-01"))
        .holdout_end(day("2024-04-01"))
        .build()
        .unwrap();
    let csv = CsvOptions::default();
    let mut forward = String::from("customer_id,date,amount\n");
    for r in rows {
        forward.push_str(r);
        forward.push('\n');
    }
    let want = in_memory(&csv, &summarizer, None, &forward).unwrap();
    let mut backward = String::from("customer_id,date,amount\n");
    for r in rows.iter().rev() {
        backward.push_str(r);
        backward.push('\n');
    }
    for text in [&forward, &backward] {
        for p in 1..=17 {
            for buffer in [1, 64, 1 << 20] {
                let got = streamed(&csv, &summarizer, None, text, p, buffer).unwrap();
                assert_eq!(got, want, "{p} partitions, buffer {buffer}");
            }
        }
    }
    // Holdout-only customer 12, and 5 and 0005 are two customers (a
    // leading zero makes the ids text, kept as written).
    let text = String::from_utf8(want.0).unwrap();
    assert_eq!(text.lines().count(), 4);
    let holdout = String::from_utf8(want.1).unwrap();
    assert!(holdout.contains("\n12,2024-03-20,1,1,2.00\n"), "{holdout}");
}

/// A partition larger than the memory budget is split again by another
/// hash before it is summarised; the output does not change.
#[test]
fn oversized_partitions_are_split() {
    let mut text = String::from("customer_id,date,amount\n");
    let mut x = 7u64;
    for _ in 0..20_000 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let c = (x >> 33) % 3000;
        let id = if c % 2 == 0 {
            format!("n{c}")
        } else {
            c.to_string()
        };
        text.push_str(&format!(
            "{id},2024-0{}-1{},{}.5\n",
            1 + (x >> 20) % 4,
            (x >> 8) % 10,
            (x >> 40) % 90
        ));
    }
    let summarizer = Summarizer::builder(day("2024-03-31"))
        .holdout_end(day("2024-04-30"))
        .build()
        .unwrap();
    let csv = CsvOptions::default();
    let want = in_memory(&csv, &summarizer, None, &text).unwrap();
    for size in [Some(text.len() as u64), None] {
        let prepared = StreamingSummarizer::new(csv.clone(), summarizer)
            .memory(1 << 20)
            .prepare(text.as_bytes(), size, &mut |_| {})
            .unwrap();
        assert!(
            prepared.report().partitions() > 2,
            "{}",
            prepared.report().partitions()
        );
        let (mut out, mut hold) = (Vec::new(), Vec::new());
        prepared.write_summary(&mut out).unwrap();
        prepared.write_holdout_only(&mut hold).unwrap();
        assert_eq!((out, hold), want);
    }
}

/// A log of unknown size (a pipe) is spilled into 16 partitions, each
/// larger than a 1 MiB budget here: all of them are split again, and the
/// pieces of the first must not overwrite the spill files of the others.
#[test]
fn splits_of_unknown_size_logs_keep_every_row() {
    let mut text = String::from("customer_id,date,amount\n");
    let mut x = 11u64;
    for _ in 0..120_000 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        text.push_str(&format!(
            "{},2024-0{}-1{},{}.25\n",
            (x >> 33) % 40_000,
            1 + (x >> 20) % 3,
            (x >> 8) % 10,
            (x >> 40) % 90
        ));
    }
    let summarizer = Summarizer::builder(day("2024-03-31")).build().unwrap();
    let csv = CsvOptions::default();
    let want = in_memory(&csv, &summarizer, None, &text).unwrap();
    for threads in [1, 2] {
        let summarizer = summarizer.to_builder().threads(threads).build().unwrap();
        let prepared = StreamingSummarizer::new(csv.clone(), summarizer)
            .memory(1 << 20)
            .prepare(text.as_bytes(), None, &mut |_| {})
            .unwrap();
        assert!(prepared.report().partitions() > 16);
        assert_eq!(prepared.report().transactions(), 120_000);
        let (mut out, mut hold) = (Vec::new(), Vec::new());
        prepared.write_summary(&mut out).unwrap();
        prepared.write_holdout_only(&mut hold).unwrap();
        assert_eq!((out, hold), want, "threads {threads}");
    }
}

/// A named pipe has no size (its metadata says 0): `prepare_path` treats it
/// as unknown, with the default partitions, instead of starting from one
/// partition sized for an empty file; the output equals the in-memory one.
#[cfg(unix)]
#[test]
fn a_named_pipe_is_a_log_of_unknown_size() {
    let mut text = String::from("customer_id,date,amount\n");
    for k in 0..20_000u64 {
        text.push_str(&format!(
            "{},2024-0{}-1{},{}.5\n",
            k * 7 % 3_001,
            1 + k % 3,
            k % 10,
            k % 70
        ));
    }
    let dir = std::env::temp_dir().join(format!("cv-stream-fifo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("log.csv");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !matches!(made, Ok(s) if s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    let writer = {
        let (fifo, text) = (fifo.clone(), text.clone());
        std::thread::spawn(move || std::fs::write(fifo, text).unwrap())
    };
    let summarizer = Summarizer::builder(day("2024-03-31")).build().unwrap();
    let csv = CsvOptions::default();
    let prepared = StreamingSummarizer::new(csv.clone(), summarizer)
        .prepare_path(&fifo, &mut |_| {})
        .unwrap();
    writer.join().unwrap();
    // The unknown-size default (16), not one partition for "0 bytes".
    assert_eq!(prepared.report().partitions(), 16);
    let (mut out, mut hold) = (Vec::new(), Vec::new());
    prepared.write_summary(&mut out).unwrap();
    prepared.write_holdout_only(&mut hold).unwrap();
    assert_eq!(
        (out, hold),
        in_memory(&csv, &summarizer, None, &text).unwrap()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_line_in_a_later_chunk_names_its_line() {
    let mut text = String::from("customer_id,date,amount\n");
    for k in 0..500 {
        text.push_str(&format!("{},2024-01-{:02},{}.25\n", k % 37, k % 28 + 1, k));
    }
    // Line 502: the header, 500 rows, then this one.
    text.push_str("4,2024-02-30,1\n");
    text.push_str("5,2024-01-01,1\n");
    let summarizer = Summarizer::builder(day("2024-03-01")).build().unwrap();
    let csv = CsvOptions::default();
    let want = in_memory(&csv, &summarizer, None, &text).unwrap_err();
    assert!(matches!(want, Error::Parse { line: 502, ref column, .. } if column == "date"));
    for (p, buffer) in [(1, 7), (5, 100), (17, 4096)] {
        let got = streamed(&csv, &summarizer, None, &text, p, buffer).unwrap_err();
        assert_eq!(got, want);
    }
    // A quoted field switches the reader to the csv crate mid-file; lines
    // still count from the start.
    let quoted = text.replacen("7,2024-01-08", "\"7\",2024-01-08", 1);
    let want = in_memory(&csv, &summarizer, None, &quoted).unwrap_err();
    assert_eq!(
        want,
        streamed(&csv, &summarizer, None, &quoted, 3, 64).unwrap_err()
    );
}

/// Blank lines before a record count in its line number, also once a
/// quote has handed the rest of the file to the csv crate (whose own count
/// leaves them out).
#[test]
fn blank_lines_count_in_quoted_files() {
    let text = "customer_id,date,amount\n\"1\",2024-01-01,1\n\r\n\n2,2024-01-02,x\n";
    let err = CsvOptions::default().read(text.as_bytes()).unwrap_err();
    assert!(
        matches!(err, Error::Parse { line: 5, ref column, .. } if column == "amount"),
        "{err:?}"
    );
    let summarizer = Summarizer::builder(day("2024-03-01")).build().unwrap();
    for buffer in [1, 30, 1 << 20] {
        let got = streamed(&CsvOptions::default(), &summarizer, None, text, 2, buffer).unwrap_err();
        assert_eq!(got, err, "buffer {buffer}");
    }
}

#[test]
fn refund_error_names_the_same_customer() {
    let text = "customer_id,date,amount\nann,2024-01-01,5\nbob,2024-01-02,5\ncid,2024-01-03,4\nbob,2024-01-04,-1\n";
    let summarizer = Summarizer::builder(day("2024-03-01")).build().unwrap();
    let csv = CsvOptions::default();
    let want = in_memory(&csv, &summarizer, None, text).unwrap_err();
    assert!(matches!(want, Error::InvalidTransaction { index: 3, .. }));
    for p in 1..=6 {
        assert_eq!(
            streamed(&csv, &summarizer, None, text, p, 16).unwrap_err(),
            want
        );
    }
    let net = Summarizer::builder(day("2024-03-01"))
        .refunds(RefundPolicy::Net)
        .build()
        .unwrap();
    let want = in_memory(&csv, &net, None, text).unwrap_err();
    assert!(matches!(want, Error::UnmatchedRefund { .. }));
    for p in 1..=6 {
        assert_eq!(streamed(&csv, &net, None, text, p, 16).unwrap_err(), want);
    }
}

#[test]
fn empty_and_header_only_files() {
    let summarizer = Summarizer::builder(day("2024-03-01")).build().unwrap();
    let csv = CsvOptions::default();
    for text in [
        "",
        "customer_id,date,amount\n",
        "customer_id,date,amount",
        "\u{feff}customer_id,date,amount\r\n",
    ] {
        let want = in_memory(&csv, &summarizer, None, text);
        let got = streamed(&csv, &summarizer, None, text, 3, 8);
        assert_eq!(want, got, "{text:?}");
        assert!(
            matches!(got, Err(Error::EmptyInput { .. })),
            "{text:?}: {got:?}"
        );
    }
    // A header without a needed column fails on line 1 in both.
    let text = "customer,date,amount\n1,2024-01-01,1\n";
    assert_eq!(
        in_memory(&csv, &summarizer, None, text),
        streamed(&csv, &summarizer, None, text, 2, 8)
    );
}

#[test]
fn summarize_path_replaces_the_output_and_cleans_up() {
    let dir = std::env::temp_dir().join(format!("cv-stream-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("spill")).unwrap();
    let input = dir.join("log.csv");
    std::fs::write(
        &input,
        "customer_id,date,amount\n1,2024-01-01,3\n2,2024-01-05,4\n1,2024-02-01,5\n",
    )
    .unwrap();
    let output = dir.join("summary.csv");
    std::fs::write(&output, "old\n").unwrap();
    let summarizer = Summarizer::builder(day("2024-03-01")).build().unwrap();
    let s = StreamingSummarizer::new(CsvOptions::default(), summarizer)
        .partitions(4)
        .temp_dir(dir.join("spill"));
    let mut calls = 0;
    let report = s
        .summarize_path(&input, &output, &mut |_| calls += 1)
        .unwrap();
    assert!(calls > 0);
    assert_eq!((report.transactions(), report.customers()), (3, 2));
    let want = in_memory(
        &CsvOptions::default(),
        &summarizer,
        None,
        &std::fs::read_to_string(&input).unwrap(),
    )
    .unwrap();
    assert_eq!(std::fs::read(&output).unwrap(), want.0);
    assert_eq!(
        std::fs::read_dir(dir.join("spill")).unwrap().count(),
        0,
        "spill directory removed"
    );
    // A failing run leaves the old output and no spill files.
    std::fs::write(&input, "customer_id,date,amount\n1,2024-01-01,x\n").unwrap();
    assert!(s.summarize_path(&input, &output, &mut |_| {}).is_err());
    assert_eq!(std::fs::read(&output).unwrap(), want.0);
    assert_eq!(std::fs::read_dir(dir.join("spill")).unwrap().count(), 0);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        3,
        "no temporary output left"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A Parquet log (written by polars from `tests/data/stream_log.csv`: string
/// ids, `Date32` dates, `Decimal128(38, 2)` amounts, dictionary-encoded
/// categories, several row groups, zstd and snappy pages) gives the CSV
/// log's summary, byte for byte.
#[cfg(feature = "parquet")]
#[test]
fn parquet_log_gives_the_csv_summary() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let text = std::fs::read_to_string(dir.join("stream_log.csv")).unwrap();
    let csv = CsvOptions::builder()
        .category_column("category")
        .build()
        .unwrap();
    let summarizer = Summarizer::builder(day("2023-09-30"))
        .holdout_end(day("2023-12-31"))
        .build()
        .unwrap();
    for format in [None, Some(SummaryFormat::rounded())] {
        let want = in_memory(&csv, &summarizer, format, &text).unwrap();
        for file in ["stream_log.parquet", "stream_log_snappy.parquet"] {
            for partitions in [1, 4] {
                let mut s =
                    StreamingSummarizer::new(csv.clone(), summarizer).partitions(partitions);
                if let Some(f) = format {
                    s = s.format(f).categories_when_named(true);
                }
                let prepared = s.prepare_parquet(dir.join(file), &mut |_| {}).unwrap();
                let (mut out, mut hold) = (Vec::new(), Vec::new());
                prepared.write_summary(&mut out).unwrap();
                prepared.write_holdout_only(&mut hold).unwrap();
                assert_eq!(
                    String::from_utf8(out).unwrap(),
                    String::from_utf8(want.0.clone()).unwrap(),
                    "{file}"
                );
                assert_eq!(hold, want.1, "{file}");
                assert_eq!(prepared.report().transactions(), 3000);
            }
        }
    }
    // A missing column is an error on line 1, as in a CSV file.
    let missing = CsvOptions::builder()
        .amount_column("price")
        .build()
        .unwrap();
    let err = StreamingSummarizer::new(missing, summarizer)
        .prepare_parquet(dir.join("stream_log.parquet"), &mut |_| {})
        .unwrap_err();
    assert!(matches!(err, Error::Parse { line: 1, .. }), "{err:?}");
}

/// The streaming result, or error, for `threads` parsing threads (1: the
/// one-thread reader), against the in-memory path, for block sizes that
/// put the block boundaries on every line.
fn check_blocks(csv: &CsvOptions, summarizer: &Summarizer, text: &str) {
    let want = in_memory(csv, summarizer, None, text);
    for threads in [1, 2, 3] {
        let summarizer = summarizer.to_builder().threads(threads).build().unwrap();
        for buffer in [1, 7, 16, 40, 1 << 20] {
            for partitions in [1, 5] {
                let got = streamed(csv, &summarizer, None, text, partitions, buffer);
                assert_eq!(
                    want, got,
                    "{threads} threads, buffer {buffer}, {partitions} partitions:\n{text}"
                );
            }
        }
    }
}

/// A log of `n` rows over 40 customers, numbered from `first`.
fn rows(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|k| {
            format!(
                "{},2024-01-{:02},{}.{:02}\n",
                k % 40,
                k % 28 + 1,
                k % 90,
                k % 100
            )
        })
        .collect()
}

/// A quoted field with a line end in it, where a block boundary falls:
/// the reader hands the rest of the file to the csv crate, after the
/// blocks before it, and lines still count from the start.
#[test]
fn a_quoted_line_end_across_a_block_boundary() {
    let summarizer = Summarizer::builder(day("2024-03-01")).build().unwrap();
    let csv = CsvOptions::default();
    let mut text = String::from("customer_id,date,amount\n");
    text.push_str(&rows(0, 30));
    text.push_str("\"a\nb\",2024-01-05,3\n");
    text.push_str(&rows(30, 30));
    check_blocks(&csv, &summarizer, &text);
    // With a bad line after it: the error names the file's line, counting
    // the line end inside the quotes.
    let bad = format!("{text}7,2024-13-01,1\n{}", rows(60, 5));
    let want = in_memory(&csv, &summarizer, None, &bad).unwrap_err();
    assert!(matches!(want, Error::Parse { line: 64, .. }), "{want:?}");
    check_blocks(&csv, &summarizer, &bad);
}

/// An error in a later block names its line in the file, and the first
/// error of the file is the one reported, whichever block is parsed first.
#[test]
fn the_first_error_in_a_later_block_names_its_line() {
    let summarizer = Summarizer::builder(day("2024-03-01")).build().unwrap();
    let csv = CsvOptions::default();
    let mut text = String::from("customer_id,date,amount\n");
    text.push_str(&rows(0, 200));
    // Line 202: a bad amount; line 263: a bad date (not reported).
    text.push_str("3,2024-01-02,1.2.3\n");
    text.push_str(&rows(200, 60));
    text.push_str("3,2024-02-30,1\n");
    text.push_str(&rows(260, 20));
    let want = in_memory(&csv, &summarizer, None, &text).unwrap_err();
    assert!(
        matches!(want, Error::Parse { line: 202, ref column, .. } if column == "amount"),
        "{want:?}"
    );
    check_blocks(&csv, &summarizer, &text);
    // A wrong field count, and an id that is not a number under
    // `IdKind::Numeric`, far into the file.
    let fields = format!("{}9,2024-01-01\n{}", &text[..text.len() / 3], rows(0, 3));
    check_blocks(&csv, &summarizer, &fields);
    let numeric = CsvOptions::builder()
        .id_kind(IdKind::Numeric)
        .build()
        .unwrap();
    let named = text.replace("3,2024-02-30,1\n", "x3,2024-01-30,1\n");
    check_blocks(&numeric, &summarizer, &named);
}

/// Windows line ends (and blank lines, and a byte-order mark) read the
/// same in every block; a lone carriage return hands the rest of the file
/// to the csv crate.
#[test]
fn crlf_line_ends_in_every_block() {
    let summarizer = Summarizer::builder(day("2024-03-01")).build().unwrap();
    let csv = CsvOptions::default();
    let text = format!(
        "\u{feff}customer_id,date,amount\r\n{}\r\n{}",
        rows(0, 50),
        rows(50, 50)
    )
    .replace('\n', "\r\n")
    .replace("\r\r\n", "\r\n");
    check_blocks(&csv, &summarizer, &text);
    let lone = text.replacen("\r\n", "\r", 40);
    check_blocks(&csv, &summarizer, &lone);
    let unterminated = text.trim_end().to_owned();
    check_blocks(&csv, &summarizer, &unterminated);
}

/// What the lines before a block decide, seen from a later block: the
/// first id that is not a number (`IdKind::Auto` labels), the first
/// refund, and excluded sums too large to add in any order.
#[test]
fn what_earlier_blocks_decide_reaches_later_ones() {
    let csv = CsvOptions::default();
    let summarizer = Summarizer::builder(day("2024-01-20"))
        .holdout_end(day("2024-01-25"))
        .build()
        .unwrap();
    // Numbers with leading zeros before and after a name.
    let mut text = String::from("customer_id,date,amount\n");
    text.push_str(&rows(0, 40).replace("\n7,", "\n007,"));
    text.push_str("zed,2024-01-03,4\n");
    text.push_str(&rows(40, 40).replace("\n9,", "\n0009,"));
    text.push_str(&rows(80, 40).replace("\n7,", "\n07,"));
    check_blocks(&csv, &summarizer, &text);
    // A refund far into the file.
    let refund = format!("{text}5,2024-01-02,-1\n{}", rows(0, 30));
    assert!(matches!(
        in_memory(&csv, &summarizer, None, &refund),
        Err(Error::InvalidTransaction { index: 121, .. })
    ));
    check_blocks(&csv, &summarizer, &refund);
    // Excluded amounts (after 2024-01-25) near the largest decimal: their
    // sum overflows at a row after the first block.
    let huge = "39614081257132168796771975168";
    let mut text = String::from("customer_id,date,amount\n");
    text.push_str(&rows(0, 30));
    text.push_str(&format!("1,2024-01-28,{huge}\n"));
    text.push_str(&rows(30, 30));
    text.push_str(&format!("2,2024-01-28,5\n3,2024-01-28,{huge}\n"));
    text.push_str(&rows(60, 30));
    check_blocks(&csv, &summarizer, &text);
}

/// Plain lines (a numeric id, an ISO date, a plain amount) take a faster
/// parser on the parsing threads; every other line among them, blocks
/// cut anywhere, reads as in memory: the same summary, or the same first
/// error at the same line.
#[test]
fn plain_lines_among_others_read_as_in_memory() {
    let summarizer = Summarizer::builder(day("2024-01-20"))
        .holdout_end(day("2024-01-25"))
        .refunds(RefundPolicy::Net)
        .build()
        .unwrap();
    let others = [
        "0,2024-01-03,1\n",
        "007,2024-01-04,2.5\n",
        " 8,2024-01-04,3\n",
        "9 ,2024-01-05, 4.25 \n",
        "10,2024-01-05,+6\n",
        "10,2024-01-05,-0.5\n",
        "11,2024-01-06,1.5e1\n",
        "11,2024-01-06,.5\n",
        "11,2024-01-07,7.\n",
        "12,20240108,3\n",
        "12,2024-01-08T09:30:00,3\n",
        "13,2024-01-09,123456789012345678\n",
        "13,2024-01-09,1234567890123456789\n",
        "14,2024-01-10,0.0001\n",
        "9999999999999999999,2024-01-11,1\n",
        "15,2024-01-27,5\n",
        "16,2024-01-22,5\r\n",
    ];
    let mut text = String::from("customer_id,date,amount\n");
    for (k, line) in others.iter().enumerate() {
        text.push_str(&rows(k * 7, 7));
        text.push_str(line);
    }
    text.push_str(&rows(500, 20));
    for id_kind in [IdKind::Auto, IdKind::Numeric, IdKind::String] {
        let csv = CsvOptions::builder().id_kind(id_kind).build().unwrap();
        let read = in_memory(&csv, &summarizer, None, &text);
        assert!(read.is_ok(), "{id_kind:?}: {read:?}");
        check_blocks(&csv, &summarizer, &text);
    }
    let csv = CsvOptions::default();
    // A name among plain lines: the numbers before it keep their labels.
    let named = text.replacen("12,20240108,3\n", "zed,2024-01-08,3\n", 1);
    check_blocks(&csv, &summarizer, &named);
    // Errors the plain parser leaves to the general one, far into the file.
    for bad in [
        "17,2024-02-30,1\n",
        "17,2024-01-01,1.2.3\n",
        "17,2024-01-01\n",
        "17,2024-01-01,1,2\n",
        "18446744073709551616,2024-01-01,1\n",
        ",2024-01-01,1\n",
    ] {
        let text = format!("{text}{bad}{}", rows(0, 5));
        let numeric = CsvOptions::builder()
            .id_kind(IdKind::Numeric)
            .build()
            .unwrap();
        assert!(in_memory(&numeric, &summarizer, None, &text).is_err());
        check_blocks(&numeric, &summarizer, &text);
        check_blocks(&csv, &summarizer, &text);
    }
    // Another delimiter, and rounded money (means to the cent).
    let semicolons = text.replace(',', ";");
    let csv = CsvOptions::builder()
        .delimiter(customer_value::csv::Delimiter::Byte(b';'))
        .build()
        .unwrap();
    check_blocks(&csv, &summarizer, &semicolons);
    let format = Some(SummaryFormat::rounded());
    let want = in_memory(&CsvOptions::default(), &summarizer, format, &text);
    for buffer in [7, 40, 1 << 20] {
        let got = streamed(
            &CsvOptions::default(),
            &summarizer,
            format,
            &text,
            3,
            buffer,
        );
        assert_eq!(want, got, "buffer {buffer}");
    }
}

/// A log of `rows` lines over `customers` customers, made as it is read
/// (it is never in memory whole): `customer_id,date,amount` with ids and
/// days drawn by a linear congruential generator.
struct LazyLog {
    rows: u64,
    customers: u64,
    x: u64,
    line: Vec<u8>,
    at: usize,
    header: bool,
}

impl std::io::Read for LazyLog {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.line.len() {
            self.line.clear();
            self.at = 0;
            if !self.header {
                self.header = true;
                self.line.extend_from_slice(b"customer_id,date,amount\n");
            } else if self.rows > 0 {
                self.rows -= 1;
                self.x = self
                    .x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let id = (self.x >> 33) % self.customers + 1;
                let date = day("2023-01-01")
                    .checked_add_days(((self.x >> 20) % 365) as i32)
                    .unwrap();
                let cents = 100 + (self.x >> 8) % 9900;
                let line = format!("{id},{date},{}.{:02}\n", cents / 100, cents % 100);
                self.line.extend_from_slice(line.as_bytes());
            } else {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.line.len() - self.at);
        buf[..n].copy_from_slice(&self.line[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Run by [`peak_memory_stays_within_a_small_budget`] in a process of its
/// own: streams a 2,500,000-row log (about 61 MB, made as it is read)
/// through a 128 MiB budget, with part of its spill records held in memory
/// and the rest written, and writes the process's peak resident memory
/// (`VmHWM`, KiB) to the file named by `STREAM_MEMORY_CHILD`.
#[cfg(target_os = "linux")]
#[test]
#[ignore = "run in a child process by peak_memory_stays_within_a_small_budget"]
fn small_budget_child() {
    let Some(report) = std::env::var_os("STREAM_MEMORY_CHILD") else {
        return;
    };
    let log = LazyLog {
        rows: 2_500_000,
        customers: 250_000,
        x: 3,
        line: Vec::new(),
        at: 0,
        header: false,
    };
    let summarizer = Summarizer::builder(day("2023-12-31")).build().unwrap();
    let prepared = StreamingSummarizer::new(CsvOptions::default(), summarizer)
        .memory(128 << 20)
        .spill_in_memory(24 << 20)
        .prepare(log, Some(61_000_000), &mut |_| {})
        .unwrap();
    assert_eq!(prepared.report().transactions(), 2_500_000);
    assert!(prepared.report().partitions() > 2);
    prepared.write_summary(std::io::sink()).unwrap();
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let peak = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .unwrap()
        .trim()
        .trim_end_matches(" kB")
        .to_string();
    std::fs::write(report, peak).unwrap();
}

/// The memory budget bounds the peak resident memory: a 61 MB log (about
/// 490 MB if read whole) summarised with a 128 MiB budget (part of its
/// spill held in memory, part written) peaks below 128 MiB, test harness
/// included. (At 64 MiB an unoptimised test binary, whose fixed cost is
/// larger than the release program's 35 MB, peaked at 64.4 MiB on a
/// loaded machine: too close to test.)
#[cfg(target_os = "linux")]
#[test]
fn peak_memory_stays_within_a_small_budget() {
    let report =
        std::env::temp_dir().join(format!("customer-value-peak-{}.txt", std::process::id()));
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "--exact",
            "stream::small_budget_child",
            "--ignored",
            "--test-threads=1",
        ])
        .env("STREAM_MEMORY_CHILD", &report)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let peak: u64 = std::fs::read_to_string(&report)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    std::fs::remove_file(&report).unwrap();
    assert!(peak < 128 << 10, "peak {peak} KiB over a 128 MiB budget");
    assert!(peak > 4 << 10, "peak {peak} KiB: no measurement");
}

/// Amounts with a decimal comma (`12,50`, semicolon-separated) stream as
/// they read in memory: the same summary, and a point (a possible
/// thousands separator) the same error at the same line, also among lines
/// the plain-line parser would otherwise take.
#[test]
fn decimal_comma_streams_as_in_memory() {
    let csv = CsvOptions::builder()
        .delimiter(customer_value::csv::Delimiter::Byte(b';'))
        .decimal_comma(true)
        .build()
        .unwrap();
    let summarizer = Summarizer::builder(day("2024-01-20"))
        .holdout_end(day("2024-01-25"))
        .build()
        .unwrap();
    let european = |plain: &str| -> String {
        plain
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                format!("{};{};{}\n", f[0], f[1], f[2].replace('.', ","))
            })
            .collect()
    };
    let mut text = String::from("customer_id;date;amount\n");
    text.push_str(&european(&rows(0, 60)));
    text.push_str("5;2024-01-03;7\n");
    text.push_str(&european(&rows(60, 60)));
    let want = in_memory(&csv, &summarizer, None, &text).unwrap();
    let plain = in_memory(
        &CsvOptions::default(),
        &summarizer,
        None,
        &format!(
            "customer_id,date,amount\n{}5,2024-01-03,7\n{}",
            rows(0, 60),
            rows(60, 60)
        ),
    )
    .unwrap();
    assert_eq!(want, plain, "the decimal comma log is the plain log");
    check_blocks(&csv, &summarizer, &text);
    let point = text.replacen("5;2024-01-03;7\n", "5;2024-01-03;7.5\n", 1);
    assert!(matches!(
        in_memory(&csv, &summarizer, None, &point),
        Err(Error::Parse { line: 62, .. })
    ));
    check_blocks(&csv, &summarizer, &point);
}

/// Ids with leading zeros stay distinct in the streamed summary too, with
/// the same bytes as in memory, for any number of partitions and wherever
/// the first zero-padded id comes.
#[test]
fn leading_zero_ids_stream_as_in_memory() {
    let summarizer = Summarizer::builder(day("2024-03-01")).build().unwrap();
    let csv = CsvOptions::default();
    for text in [
        "customer_id,date,amount\n7,2024-01-01,1\n8,2024-01-02,2\n007,2024-01-03,3\n7,2024-01-09,4\n0,2024-01-05,5\n00,2024-01-06,6\n",
        "customer_id,date,amount\n007,2024-01-01,1\n7,2024-01-02,2\n007,2024-01-03,3\n07,2024-01-09,4\n",
    ] {
        let want = in_memory(&csv, &summarizer, None, text).unwrap();
        let ids: Vec<String> = String::from_utf8(want.0.clone())
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().to_owned())
            .collect();
        let written: std::collections::BTreeSet<&str> = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap())
            .collect();
        assert_eq!(ids.len(), written.len(), "{ids:?}");
        for p in 1..=5 {
            let got = streamed(&csv, &summarizer, None, text, p, 16).unwrap();
            assert_eq!(got, want, "{p} partitions");
        }
    }
}
