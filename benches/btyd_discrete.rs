//! Criterion benches for the discrete-time models of `customer_value::btyd`.
//!
//! `bgbb_fit/donations` fits BG/BB on the 22 weighted donation patterns
//! (from `$CUSTOMER_VALUE_DATA`, else `../shared/data`; skipped with a
//! message when absent); `sbg_fit/cohort` fits the sBG to Fader & Hardie's
//! (2007) "Regular" cohort; `bgbb_predict/100k` scores 100,000 fixed-seed
//! SplitMix64 histories. Results are checked once outside the timed loops.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::btyd::{BgBb, BgBbParams, BgBbPredictor, Cohort, DiscreteHistory, Sbg};
use customer_value::clv::DiscountRate;
use customer_value::{CustomerId, Decimal, Scorer};

mod common;
use common::SplitMix64;

fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("CUSTOMER_VALUE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    dir.is_dir().then_some(dir)
}

/// `donations.csv` as histories and weights.
fn donations() -> Option<(Vec<DiscreteHistory>, Vec<f64>)> {
    let text = std::fs::read_to_string(data_dir()?.join("donations/donations.csv")).ok()?;
    let mut hs = Vec::new();
    let mut ws = Vec::new();
    for (i, line) in text.lines().skip(1).enumerate() {
        let f: Vec<u32> = line.split(',').map(|v| v.trim().parse().unwrap()).collect();
        hs.push(DiscreteHistory::new(CustomerId::new(i as u64), f[0], f[1], f[2]).unwrap());
        ws.push(f64::from(f[3]));
    }
    Some((hs, ws))
}

fn fits(c: &mut Criterion) {
    let mut group = c.benchmark_group("btyd_discrete");
    if let Some((hs, ws)) = donations() {
        let fit = BgBb::new().fit_weighted(&hs, &ws).unwrap();
        assert!((fit.log_likelihood() - -33225.581274).abs() < 1e-6);
        group.bench_function("bgbb_fit/donations", |b| {
            b.iter(|| {
                BgBb::new()
                    .fit_weighted(black_box(&hs), black_box(&ws))
                    .unwrap()
            })
        });
    } else {
        eprintln!("skipped bgbb_fit/donations: data folder not found (set CUSTOMER_VALUE_DATA)");
    }
    let regular = Cohort::new(0, vec![1000, 631, 468, 382, 326, 289, 262, 241]).unwrap();
    let fit = Sbg::new().fit_cohort(&regular).unwrap();
    assert!((fit.log_likelihood() - -1680.27).abs() < 5e-3);
    group.bench_function("sbg_fit/cohort", |b| {
        b.iter(|| Sbg::new().fit_cohort(black_box(&regular)).unwrap())
    });
    group.finish();
}

fn predict(c: &mut Criterion) {
    let params = BgBbParams::new(1.2035224, 0.7497164, 0.6567182, 2.783442).unwrap();
    let predictor =
        BgBbPredictor::new(params, 10, DiscountRate::new(Decimal::new(1, 1)).unwrap()).unwrap();
    let mut rng = SplitMix64(0xD15C_5EED);
    let rows: Vec<DiscreteHistory> = (0..100_000u64)
        .map(|k| {
            let n = 1 + rng.below(12) as u32;
            let t_x = rng.below(u64::from(n) + 1) as u32;
            let x = if t_x == 0 {
                0
            } else {
                1 + rng.below(u64::from(t_x)) as u32
            };
            DiscreteHistory::new(CustomerId::new(k), x, t_x, n).unwrap()
        })
        .collect();
    let check = predictor.score_all(&rows).unwrap();
    assert!(
        check
            .iter()
            .all(|s| (0.0..=1.0).contains(&s.p_alive()) && s.dert() >= 0.0)
    );
    assert_eq!(predictor.score(&rows[7]).unwrap(), check[7]);
    let mut group = c.benchmark_group("btyd_discrete");
    group.sample_size(20);
    let mut out = Vec::with_capacity(rows.len());
    group.bench_function("bgbb_predict/100k", |b| {
        b.iter(|| {
            out.clear();
            predictor.score_into(black_box(&rows), &mut out).unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, fits, predict);
criterion_main!(benches);
