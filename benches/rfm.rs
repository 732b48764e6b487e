//! Criterion benchmarks of RFM binning: `rfm/<case>/<customers>`.
//!
//! Inputs are fixed-seed populations from an inline SplitMix64: recency in
//! whole days up to two years, frequency 1..=50 (skewed low, many ties),
//! spend in cents up to 5,000.00. Results are checked outside the timed
//! loop.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use customer_value::rfm::{Binning, Rfm, RfmValues};
use customer_value::{CustomerId, Decimal, Fit, Scorer};

mod common;
use common::SplitMix64;

fn population(n: usize, seed: u64) -> Vec<RfmValues> {
    let mut rng = SplitMix64(seed);
    (0..n)
        .map(|i| {
            let recency = (rng.next() % 731) as f64;
            // min of two uniforms: more customers with few purchases
            let frequency = 1 + (rng.next() % 50).min(rng.next() % 50) as u32;
            let cents = (rng.next() % 500_000) as i64;
            RfmValues::new(
                CustomerId::new(i as u64),
                recency,
                frequency,
                Decimal::new(cents, 2),
            )
            .expect("valid values")
        })
        .collect()
}

fn label(n: usize) -> String {
    if n >= 1_000_000 {
        format!("{}M", n / 1_000_000)
    } else {
        format!("{}k", n / 1_000)
    }
}

fn fit_score(c: &mut Criterion) {
    let rfm = Rfm::default();
    let mut group = c.benchmark_group("rfm/fit_score");
    group.sample_size(10);
    for n in [100_000, 1_000_000] {
        let pop = population(n, 42);
        let out = rfm.fit_score(&pop).expect("scores");
        assert_eq!(out.scores().len(), n);
        assert!(out.report().empty_bins().is_empty());
        // The fitted cuts give the Max-tie scores, which are never below
        // the First-tie ones.
        let refit = out.fitted().score_all(&pop[..1000]).expect("scores");
        for (a, b) in refit.iter().zip(out.scores()) {
            assert!(a.r() >= b.score.r() && a.f() >= b.score.f() && a.m() >= b.score.m());
        }
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(label(n)), &pop, |b, pop| {
            b.iter(|| rfm.fit_score(black_box(pop)).expect("scores"))
        });
    }
    group.finish();
}

fn fit_score_nested(c: &mut Criterion) {
    let rfm = Rfm::builder()
        .binning(Binning::Nested)
        .build()
        .expect("valid options");
    let mut group = c.benchmark_group("rfm/fit_score_nested");
    group.sample_size(10);
    let n = 100_000;
    let pop = population(n, 7);
    let out = rfm.fit_score(&pop).expect("scores");
    assert_eq!(out.scores().len(), n);
    assert!(out.fitted().is_nested());
    group.throughput(Throughput::Elements(n as u64));
    group.bench_with_input(BenchmarkId::from_parameter(label(n)), &pop, |b, pop| {
        b.iter(|| rfm.fit_score(black_box(pop)).expect("scores"))
    });
    group.finish();
}

fn score_fitted(c: &mut Criterion) {
    let n = 1_000_000;
    let fitted = Rfm::default().fit(&population(n, 42)).expect("fitted");
    let new = population(n, 43);
    let scores = fitted.score_all(&new).expect("scores");
    assert_eq!(scores.len(), n);
    let mut group = c.benchmark_group("rfm/score_fitted");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_with_input(BenchmarkId::from_parameter(label(n)), &new, |b, new| {
        b.iter(|| fitted.score_all(black_box(new)).expect("scores"))
    });
    group.finish();
}

criterion_group!(benches, fit_score, fit_score_nested, score_fitted);
criterion_main!(benches);
