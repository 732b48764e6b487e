//! Criterion benches for `customer_value::btyd`'s array fast paths: the
//! new customer's `E[X(t)]` of BG/NBD at 100,000 distinct horizons, by the
//! per-horizon series and by [`NewCustomerCurve`] (cells built inside the
//! timed loop, as a call does), and BG/NBD's `P(X(t) = 0)` by the
//! log-gamma pmf and by its closed form. Results are checked equal once
//! outside the timed loops.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::btyd::{BgNbdParams, NewCustomerCurve};

fn horizons() -> Vec<f64> {
    (0..100_000)
        .map(|i| f64::from(i) * 52.0 / 99_999.0)
        .collect()
}

fn new_customer(c: &mut Criterion) {
    let p = BgNbdParams::new(0.25, 4.0, 0.8, 2.5).unwrap();
    let t = horizons();
    let series: Vec<f64> = t
        .iter()
        .map(|&h| p.expected_purchases_new(h).unwrap())
        .collect();
    let curve = NewCustomerCurve::bg(&p, &t);
    for (&h, &s) in t.iter().zip(&series) {
        let v = curve.expected_purchases(h).unwrap();
        assert!((v - s).abs() <= 1e-11 * s, "{h}: {v} vs {s}");
    }
    let mut group = c.benchmark_group("btyd_bulk");
    group.sample_size(10);
    group.bench_function("expected_purchases_new/series/100k", |b| {
        b.iter(|| {
            black_box(&t)
                .iter()
                .map(|&h| p.expected_purchases_new(h).unwrap())
                .sum::<f64>()
        })
    });
    group.bench_function("expected_purchases_new/curve/100k", |b| {
        b.iter(|| {
            let t = black_box(&t);
            let curve = NewCustomerCurve::bg(&p, t);
            t.iter()
                .map(|&h| curve.expected_purchases(h).unwrap())
                .sum::<f64>()
        })
    });
    for &h in t.iter().step_by(997) {
        let closed = p.prob_no_purchases(h).unwrap();
        let pmf = p.prob_purchases(h, 0).unwrap();
        assert!((closed - pmf).abs() <= 1e-13 * pmf);
    }
    group.bench_function("prob_purchases_0/pmf/100k", |b| {
        b.iter(|| {
            black_box(&t)
                .iter()
                .map(|&h| p.prob_purchases(h, 0).unwrap())
                .sum::<f64>()
        })
    });
    group.bench_function("prob_purchases_0/closed_form/100k", |b| {
        b.iter(|| {
            black_box(&t)
                .iter()
                .map(|&h| p.prob_no_purchases(h).unwrap())
                .sum::<f64>()
        })
    });
    group.finish();
}

criterion_group!(benches, new_customer);
criterion_main!(benches);
