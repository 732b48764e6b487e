//! Criterion benches for the Pareto/NBD model of `customer_value::btyd`.
//!
//! The fit runs on the CDNOW sample (from `$CUSTOMER_VALUE_DATA`, else
//! `../shared/data`; skipped with a message when absent); the prediction
//! bench scores one million fixed-seed SplitMix64 histories (P(alive),
//! E[Y(52)] and DERT). Results are checked once outside the timed loops.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::btyd::{CustomerHistory, ParetoNbd, ParetoNbdParams, ParetoNbdPredictor};
use customer_value::{CustomerId, Scorer};

mod common;
use common::{SplitMix64, cdnow_histories as cdnow};

/// One million histories: T in the CDNOW range (whole days), a few repeat
/// purchases, some heavy buyers.
fn million() -> Vec<CustomerHistory> {
    let mut rng = SplitMix64(0xB7D_5EED);
    (0..1_000_000u64)
        .map(|k| {
            let age = f64::from(190 + rng.below(84) as u32) / 7.0;
            let x = match rng.below(10) {
                0..=5 => 0,
                6..=8 => 1 + rng.below(4) as u32,
                _ => 5 + rng.below(40) as u32,
            };
            let t_x = if x == 0 {
                0.0
            } else {
                age * (1 + rng.below(1000)) as f64 / 1000.0
            };
            CustomerHistory::new(CustomerId::new(k), x, t_x, age).unwrap()
        })
        .collect()
}

fn fit(c: &mut Criterion) {
    let mut group = c.benchmark_group("btyd_pareto");
    if let Some(hs) = cdnow() {
        let fit = ParetoNbd::new().fit_detailed(&hs).unwrap();
        assert!((fit.log_likelihood() - -9594.973930).abs() < 1e-3);
        eprintln!("CDNOW Pareto/NBD fit: {} iterations", fit.iterations());
        group.bench_function("fit/cdnow", |b| {
            b.iter(|| ParetoNbd::new().fit_detailed(black_box(&hs)).unwrap())
        });
    } else {
        eprintln!("skipped the CDNOW bench: data folder not found (set CUSTOMER_VALUE_DATA)");
    }
    group.finish();
}

fn predict(c: &mut Criterion) {
    let params = ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908).unwrap();
    let predictor = ParetoNbdPredictor::new(params, 52.0)
        .unwrap()
        .with_discount_rate(1.15f64.ln() / 52.0)
        .unwrap();
    let rows = million();
    let check = predictor.score_all(&rows).unwrap();
    assert_eq!(check.len(), rows.len());
    assert!(check.iter().all(|s| (0.0..=1.0).contains(&s.p_alive())));
    assert_eq!(predictor.score(&rows[7]).unwrap(), check[7]);
    let mut group = c.benchmark_group("btyd_pareto");
    group.sample_size(10);
    let mut out = Vec::with_capacity(rows.len());
    group.bench_function("predict/1M", |b| {
        b.iter(|| {
            out.clear();
            predictor.score_into(black_box(&rows), &mut out).unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, fit, predict);
criterion_main!(benches);
