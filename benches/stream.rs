//! Criterion benchmarks of the streaming summary's core:
//! `stream/<case>/<rows>`, the partition-and-spill pass, the per-partition
//! summaries and the merge, against the in-memory path (read, summarise,
//! write) on the same CSV text, side by side; and on one thread against
//! two (`threads_1`, `threads_2`).
//!
//! The input is a fixed-seed CSV log held in memory (ten rows per customer,
//! random order); spill files go to the system's temporary directory.
//! Every result is checked outside the timed loop.

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use customer_value::csv::{CsvOptions, StreamingSummarizer, write_summary};
use customer_value::simulate::uniform_log;
use customer_value::{Date, Summarizer};

fn end() -> Date {
    Date::parse("2023-12-31").expect("valid date")
}

/// A CSV log of `n` rows.
fn csv_log(n: usize) -> String {
    let txs = uniform_log(n, (n / 10) as u32, 42).expect("valid fixture");
    let mut text = String::with_capacity(n * 24);
    text.push_str("customer_id,date,amount\n");
    for t in &txs {
        let _ = writeln!(text, "{},{},{}", t.customer(), t.date(), t.amount());
    }
    text
}

fn in_memory(s: &Summarizer, text: &str) -> Vec<u8> {
    let log = CsvOptions::default().read(text.as_bytes()).expect("log");
    let summary = s.summarize(log.transactions()).expect("summary");
    let mut out = Vec::new();
    write_summary(&mut out, &summary, &log).expect("write");
    out
}

fn streamed(s: &Summarizer, text: &str, partitions: usize) -> Vec<u8> {
    let prepared = StreamingSummarizer::new(CsvOptions::default(), *s)
        .partitions(partitions)
        .prepare(text.as_bytes(), Some(text.len() as u64), &mut |_| {})
        .expect("streamed");
    let mut out = Vec::new();
    prepared.write_summary(&mut out).expect("write");
    out
}

fn stream(c: &mut Criterion) {
    let s = Summarizer::builder(end()).build().expect("valid options");
    let mut group = c.benchmark_group("stream");
    group.sample_size(10);
    let n = 200_000;
    let text = csv_log(n);
    let want = in_memory(&s, &text);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_with_input(BenchmarkId::new("in_memory", n), &text, |b, text| {
        b.iter(|| in_memory(&s, black_box(text)))
    });
    for partitions in [1, 8, 32] {
        assert_eq!(streamed(&s, &text, partitions), want);
        group.bench_with_input(
            BenchmarkId::new(format!("partitions_{partitions}"), n),
            &text,
            |b, text| b.iter(|| streamed(&s, black_box(text), partitions)),
        );
    }
    // One thread against two: the first pass parses blocks of the log on
    // the summariser's threads, the second summarises partitions on them.
    for threads in [1, 2] {
        let s = s
            .to_builder()
            .threads(threads)
            .build()
            .expect("valid options");
        assert_eq!(streamed(&s, &text, 8), want);
        group.bench_with_input(
            BenchmarkId::new(format!("threads_{threads}"), n),
            &text,
            |b, text| b.iter(|| streamed(&s, black_box(text), 8)),
        );
    }
    group.finish();
}

criterion_group!(benches, stream);
criterion_main!(benches);
