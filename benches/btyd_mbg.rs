//! Criterion benches for the MBG/NBD model of `customer_value::btyd`.
//!
//! The fit runs on the CDNOW sample (from `$CUSTOMER_VALUE_DATA`, else
//! `../shared/data`; skipped with a message when absent); the prediction
//! bench scores one million fixed-seed SplitMix64 histories. Results are
//! checked once outside the timed loops.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::btyd::{CustomerHistory, MbgNbd, MbgNbdParams, MbgNbdPredictor};
use customer_value::{CustomerId, Scorer};

mod common;
use common::{SplitMix64, cdnow_histories as cdnow};

/// One million histories: T in whole days of the CDNOW range, mostly no
/// or a few repeat purchases.
fn million() -> Vec<CustomerHistory> {
    let mut rng = SplitMix64(0x3B6_5EED);
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
    let mut group = c.benchmark_group("btyd_mbg");
    if let Some(hs) = cdnow() {
        let fit = MbgNbd::new().fit_detailed(&hs).unwrap();
        assert!((fit.log_likelihood() - -9582.132685).abs() < 1e-4);
        group.bench_function("fit/cdnow", |b| {
            b.iter(|| MbgNbd::new().fit_detailed(black_box(&hs)).unwrap())
        });
    } else {
        eprintln!("skipped btyd_mbg/fit/cdnow: data folder not found (set CUSTOMER_VALUE_DATA)");
    }
    group.finish();
}

fn predict(c: &mut Criterion) {
    let params = MbgNbdParams::new(0.524838, 6.182992, 0.891356, 1.614).unwrap();
    let predictor = MbgNbdPredictor::new(params, 52.0).unwrap();
    let rows = million();
    let check = predictor.score_all(&rows).unwrap();
    assert_eq!(check.len(), rows.len());
    assert!(check.iter().all(|s| (0.0..=1.0).contains(&s.p_alive())));
    assert_eq!(predictor.score(&rows[7]).unwrap(), check[7]);
    let mut group = c.benchmark_group("btyd_mbg");
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
