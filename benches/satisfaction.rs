//! Criterion benches for customer satisfaction: aggregating 10,000,000
//! seven-level answers (counting plus every statistic) and classifying
//! 1,000,000 Kano answer pairs.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::satisfaction::{Distribution, KanoAnswer, KanoCategory, KanoTally};

mod common;
use common::SplitMix64;

/// Answers skewed towards "satisfied", like real surveys: cumulative
/// per-mille thresholds for levels 1..=7 of 2/3/5/10/20/35/25 %.
fn answers(n: usize) -> Vec<u8> {
    const CUT: [u64; 7] = [20, 50, 100, 200, 400, 750, 1000];
    let mut rng = SplitMix64(0x5A71_5FAC);
    (0..n)
        .map(|_| {
            let u = rng.next() % 1000;
            CUT.iter().position(|&c| u < c).map_or(7, |k| k as u8 + 1)
        })
        .collect()
}

fn kano_pairs(n: usize) -> (Vec<u8>, Vec<u8>) {
    let mut rng = SplitMix64(0x0CA0_0001);
    (0..n)
        .map(|_| {
            let x = rng.next();
            ((x % 5) as u8 + 1, ((x >> 32) % 5) as u8 + 1)
        })
        .unzip()
}

/// Counting plus every statistic the aggregation reports.
fn aggregate(scores: &[u8]) -> [f64; 6] {
    let d = Distribution::from_scores(scores).expect("valid answers");
    [
        d.mean().expect("mean"),
        d.std_dev().expect("sd"),
        d.population_std_dev().expect("population sd"),
        d.top_two_box().expect("t2b"),
        d.bottom_two_box().expect("b2b"),
        d.csi().expect("csi"),
    ]
}

fn bench(c: &mut Criterion) {
    let scores = answers(10_000_000);
    let (functional, dysfunctional) = kano_pairs(1_000_000);
    let pairs: Vec<(KanoAnswer, KanoAnswer)> = functional
        .iter()
        .zip(&dysfunctional)
        .map(|(&f, &d)| {
            (
                KanoAnswer::try_from(f).expect("1..=5"),
                KanoAnswer::try_from(d).expect("1..=5"),
            )
        })
        .collect();

    // Checks outside the timed loops.
    let d = Distribution::from_scores(&scores).expect("valid");
    let mut brute = [0u64; 7];
    for &s in &scores {
        brute[usize::from(s) - 1] += 1;
    }
    assert_eq!(d.counts(), brute);
    let stats = aggregate(&scores);
    assert!((stats[0] - 5.48).abs() < 0.01, "{stats:?}");
    assert!((stats[3] - 0.60).abs() < 0.01, "{stats:?}");
    let raw = KanoTally::from_raw(&functional, &dysfunctional).expect("valid");
    assert_eq!(raw, KanoTally::from_answers(&pairs));
    assert_eq!(raw.n(), 1_000_000);
    // 9 of the 25 cells are indifferent: the mode.
    assert_eq!(raw.category().expect("n > 0"), KanoCategory::Indifferent);

    let mut g = c.benchmark_group("satisfaction");
    g.sample_size(20);
    g.bench_function("aggregate/10M", |b| {
        b.iter(|| aggregate(black_box(&scores)))
    });
    g.bench_function("kano_raw/1M", |b| {
        b.iter(|| KanoTally::from_raw(black_box(&functional), black_box(&dysfunctional)))
    });
    g.bench_function("kano_answers/1M", |b| {
        b.iter(|| KanoTally::from_answers(black_box(&pairs)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
