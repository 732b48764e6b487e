//! Criterion benchmarks of the summariser: `summary/<case>/<transactions>`.
//!
//! Inputs are fixed-seed logs from `customer_value::simulate::uniform_log`
//! (ten transactions per customer, random order); every result is checked
//! outside the timed loop.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use customer_value::simulate::uniform_log;
use customer_value::{CustomerId, Date, Grouping, Summarizer, TimeUnit, Transaction};

fn end() -> Date {
    Date::parse("2023-12-31").expect("valid date")
}

fn log(n: usize) -> Vec<Transaction> {
    uniform_log(n, (n / 10) as u32, 42).expect("valid fixture")
}

/// The headline: days, same-day grouping, random order, growing sizes.
fn random_order(c: &mut Criterion) {
    let s = Summarizer::builder(end()).build().expect("valid options");
    let mut group = c.benchmark_group("summary/random_order");
    group.sample_size(10);
    for n in [100_000, 1_000_000, 10_000_000] {
        let txs = log(n);
        assert_eq!(s.summarize(&txs).expect("summary").len(), n / 10);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &txs, |b, txs| {
            b.iter(|| s.summarize(black_box(txs)).expect("summary"))
        });
    }
    group.finish();
}

/// Options and paths that cost differently, on 1,000,000 transactions.
fn variants(c: &mut Criterion) {
    let n = 1_000_000;
    let txs = log(n);
    // Ids spread over the whole u64 range take the hashed path.
    let sparse: Vec<Transaction> = txs
        .iter()
        .map(|t| {
            let id = t.customer().get().wrapping_mul(0x9E37_79B9_7F4A_7C15);
            Transaction::new(CustomerId::new(id), t.date(), t.amount())
        })
        .collect();
    let days = Summarizer::builder(end()).build().expect("valid options");
    let one_thread = Summarizer::builder(end())
        .threads(1)
        .build()
        .expect("valid options");
    let weeks_holdout = Summarizer::builder(Date::parse("2022-12-31").expect("valid date"))
        .unit(TimeUnit::WEEK)
        .grouping(Grouping::Period)
        .holdout_end(end())
        .build()
        .expect("valid options");
    assert_eq!(days.summarize(&sparse).expect("summary").len(), n / 10);

    let mut group = c.benchmark_group("summary");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(BenchmarkId::new("one_thread", n), |b| {
        b.iter(|| one_thread.summarize(black_box(&txs)).expect("summary"))
    });
    group.bench_function(BenchmarkId::new("sparse_ids", n), |b| {
        b.iter(|| days.summarize(black_box(&sparse)).expect("summary"))
    });
    group.bench_function(BenchmarkId::new("weeks_periods_holdout", n), |b| {
        b.iter(|| weeks_holdout.summarize(black_box(&txs)).expect("summary"))
    });
    // Two customer shards summarised, merged and finished.
    let (even, odd): (Vec<Transaction>, Vec<Transaction>) =
        txs.iter().partition(|t| t.customer().get() % 2 == 0);
    let whole = days.summarize(&txs).expect("summary");
    let merged = || {
        let a = days.partial(&even).expect("partial");
        let b = days.partial(&odd).expect("partial");
        a.merge(b).expect("merge").finish().expect("finish")
    };
    assert_eq!(merged(), whole);
    group.bench_function(BenchmarkId::new("two_shards_merged", n), |b| b.iter(merged));
    group.finish();
}

/// Parsing dates, the reader's per-row cost.
fn dates(c: &mut Criterion) {
    let texts: Vec<String> = log(10_000).iter().map(|t| t.date().to_string()).collect();
    c.bench_function("date/parse_iso/10000", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| Date::parse(black_box(t)).expect("valid").days_since_epoch() as i64)
                .sum::<i64>()
        })
    });
}

criterion_group!(benches, random_order, variants, dates);
criterion_main!(benches);
