//! Per-customer intervals: delta method on 1M customers against the plain
//! prediction (goal: at most 2x), and a 200-replicate bootstrap on 100k
//! customers (goal: at most 10 s on 2 cores).
//!
//! `cargo bench --bench btyd_intervals -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::btyd::{
    BgNbd, BgNbdParams, BootstrapOptions, DistinctRows, Prediction, bootstrap, delta_intervals,
    simulate_bgnbd,
};

fn ages(n: usize) -> Vec<f64> {
    (0..n).map(|i| 27.0 + (i % 13) as f64).collect()
}

fn delta(c: &mut Criterion) {
    let truth = BgNbdParams::new(0.243, 4.41, 0.793, 2.43).unwrap();
    let hs = simulate_bgnbd(&truth, &ages(1_000_000), 1).unwrap();
    let fit = BgNbd::new().fit_detailed(&hs[..20_000]).unwrap();
    let p = *fit.params();
    let mut g = c.benchmark_group("intervals_1m");
    g.sample_size(10);
    g.bench_function("p_alive_plain", |b| {
        b.iter(|| hs.iter().map(|h| p.p_alive(h)).collect::<Vec<f64>>())
    });
    g.bench_function("p_alive_delta", |b| {
        b.iter(|| delta_intervals(&fit, Prediction::PAlive, black_box(&hs), 0.9).unwrap())
    });
    g.bench_function("expected_purchases_plain", |b| {
        b.iter(|| {
            hs.iter()
                .map(|h| p.expected_purchases(h, 52.0).unwrap())
                .collect::<Vec<f64>>()
        })
    });
    g.bench_function("expected_purchases_delta", |b| {
        b.iter(|| {
            delta_intervals(
                &fit,
                Prediction::ExpectedPurchases(52.0),
                black_box(&hs),
                0.9,
            )
            .unwrap()
        })
    });
    g.finish();
}

fn boot(c: &mut Criterion) {
    let truth = BgNbdParams::new(0.243, 4.41, 0.793, 2.43).unwrap();
    let hs = simulate_bgnbd(&truth, &ages(100_000), 2).unwrap();
    let (rows, weights) = DistinctRows::from_histories(&hs).weighted().unwrap();
    let fit = BgNbd::new().fit_weighted(&rows, &weights).unwrap();
    let options = BootstrapOptions::new(200, 7).unwrap().threads(2);
    let mut g = c.benchmark_group("bootstrap_100k");
    g.sample_size(10);
    g.bench_function("refit_200", |b| {
        b.iter(|| bootstrap(&BgNbd::new(), &fit, &rows, &weights, &options).unwrap())
    });
    let draws = bootstrap(&BgNbd::new(), &fit, &rows, &weights, &options).unwrap();
    g.bench_function("p_alive_intervals_200", |b| {
        b.iter(|| {
            draws
                .intervals(Prediction::PAlive, black_box(&hs), 0.9)
                .unwrap()
        })
    });
    g.bench_function("expected_purchases_intervals_200", |b| {
        b.iter(|| {
            draws
                .intervals(Prediction::ExpectedPurchases(52.0), black_box(&hs), 0.9)
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, delta, boot);
criterion_main!(benches);
