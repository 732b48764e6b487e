//! Criterion benches for the loyalty index: fitting and scoring 1,000,000
//! customers, and AHP weights.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::loyalty::{Ahp, IndicatorValues, LoyaltyModel, MissingPolicy, Weights};
use customer_value::{CustomerId, Fit, Scorer};

mod common;
use common::SplitMix64;

const N: usize = 1_000_000;

/// Nine indicators on realistic scales: duration in weeks, purchases per
/// week, trend, share of wallet, categories, recommendation rate, price
/// sensitivity and satisfaction on 1-7, voluntariness on 1-7.
fn population(missing: bool) -> Vec<IndicatorValues> {
    let mut rng = SplitMix64(0x10_7A17);
    (0..N)
        .map(|i| {
            let mut v = [
                Some(rng.unit() * 520.0),
                Some(rng.unit() * 3.0),
                Some(rng.unit() * 2.0 - 1.0),
                Some(rng.unit()),
                Some((rng.next() % 12) as f64),
                Some(rng.unit()),
                Some(1.0 + rng.unit() * 6.0),
                Some(1.0 + rng.unit() * 6.0),
                Some(1.0 + rng.unit() * 6.0),
            ];
            if missing && rng.next() % 4 == 0 {
                v[(rng.next() % 9) as usize] = None;
            }
            IndicatorValues::new(CustomerId::new(i as u64), v).expect("finite values")
        })
        .collect()
}

fn weights() -> Weights {
    Weights::new([
        0.3437, 0.1394, 0.0565, 0.1980, 0.0990, 0.0692, 0.0371, 0.0200, 0.0371,
    ])
    .expect("weights sum to 1")
}

fn bench(c: &mut Criterion) {
    let full = population(false);
    let gappy = population(true);

    let model = LoyaltyModel::new(weights(), MissingPolicy::Error);
    let index = model.fit(&full).expect("fit");
    let lenient = LoyaltyModel::new(weights(), MissingPolicy::DropAndRenormalise)
        .fit(&gappy)
        .expect("fit");

    // Check the results outside the timed loops.
    let scores = index.score_all(&full).expect("score");
    assert_eq!(scores.len(), N);
    assert!(scores.iter().all(|s| (0.0..=100.0).contains(&s.index())));
    let mean = scores.iter().map(|s| s.index()).sum::<f64>() / N as f64;
    assert!((40.0..60.0).contains(&mean), "mean index {mean}");
    assert_eq!(lenient.score_all(&gappy).expect("score").len(), N);

    let mut out = Vec::with_capacity(N);
    c.bench_function("loyalty/score_into/1000000", |b| {
        b.iter(|| {
            out.clear();
            index.score_into(black_box(&full), &mut out).expect("score");
            black_box(out.len())
        })
    });
    c.bench_function("loyalty/score_into_drop_missing/1000000", |b| {
        b.iter(|| {
            out.clear();
            lenient
                .score_into(black_box(&gappy), &mut out)
                .expect("score");
            black_box(out.len())
        })
    });
    c.bench_function("loyalty/fit/1000000", |b| {
        b.iter(|| model.fit(black_box(&full)).expect("fit"))
    });

    // A 15 x 15 reciprocal matrix of Saaty-scale judgments.
    let mut rng = SplitMix64(0xA4B);
    let n = 15;
    let mut flat = vec![1.0; n * n];
    for i in 0..n {
        for j in (i + 1)..n {
            let k = (1 + rng.next() % 9) as f64;
            let a = if rng.next() % 2 == 0 { k } else { 1.0 / k };
            flat[i * n + j] = a;
            flat[j * n + i] = 1.0 / a;
        }
    }
    let m: Vec<&[f64]> = flat.chunks(n).collect();
    let ahp = Ahp::new(&m).expect("reciprocal").accept_inconsistent(true);
    let r = ahp.eigenvector().expect("converges");
    assert!((r.weights().iter().sum::<f64>() - 1.0).abs() < 1e-12);
    c.bench_function("loyalty/ahp_eigenvector/15", |b| {
        b.iter(|| black_box(&ahp).eigenvector().expect("converges"))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
