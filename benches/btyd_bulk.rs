//! Criterion benches for `customer_value::btyd`'s array fast paths: the
//! new customer's `E[X(t)]` of BG/NBD at 100,000 distinct horizons, by the
//! per-horizon series and by [`NewCustomerCurve`] (cells built inside the
//! timed loop, as a call does), and BG/NBD's `P(X(t) = 0)` by the
//! log-gamma pmf and by its closed form; Pareto/NBD P(alive) and the
//! conditional pmf of 20,000 customers (ages on a week grid), row by row
//! and by [`ParetoNbdBulk`]. Results are checked equal once outside the
//! timed loops.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::CustomerId;
use customer_value::btyd::{
    BgNbdParams, CustomerHistory, NewCustomerCurve, ParetoNbdBulk, ParetoNbdParams,
};

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

/// 20,000 seeded histories: ages on a week grid (1 to 78 weeks in days),
/// 55 % without a repeat purchase, the others with 1 to 30.
fn pareto_histories() -> Vec<CustomerHistory> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..20_000u64)
        .map(|i| {
            let big_t = (1.0 + (next() * 77.0 * 7.0).floor()) / 7.0;
            let x = if next() < 0.55 {
                0
            } else {
                1 + (next() * 30.0) as u32
            };
            let t_x = if x == 0 {
                0.0
            } else {
                (next() * big_t).max(0.01)
            };
            CustomerHistory::new(CustomerId::new(i), x, t_x, big_t).unwrap()
        })
        .collect()
}

fn pareto(c: &mut Criterion) {
    let p = ParetoNbdParams::new(0.55, 10.5, 0.6, 12.0).unwrap();
    let rows = pareto_histories();
    let bulk = ParetoNbdBulk::new(p);
    let alive = bulk.p_alive(&rows).unwrap();
    for (h, &a) in rows.iter().zip(&alive) {
        assert_eq!(a, p.p_alive(h).unwrap());
    }
    let pmf = bulk.conditional_prob_purchases(&rows, 10.0, 2).unwrap();
    for (h, &v) in rows.iter().zip(&pmf).step_by(97) {
        let exact = p.conditional_prob_purchases(h, 10.0, 2).unwrap();
        assert!((v - exact).abs() <= 1e-12 * exact);
    }
    let mut group = c.benchmark_group("btyd_bulk");
    group.sample_size(10);
    group.bench_function("pareto_p_alive/per_customer/20k", |b| {
        b.iter(|| {
            black_box(&rows)
                .iter()
                .map(|h| p.p_alive(h).unwrap())
                .sum::<f64>()
        })
    });
    group.bench_function("pareto_p_alive/bulk/20k", |b| {
        b.iter(|| bulk.p_alive(black_box(&rows)).unwrap())
    });
    // The same rows as columns (the Python package's path).
    let x: Vec<u32> = rows.iter().map(|h| h.x()).collect();
    let t_x: Vec<f64> = rows.iter().map(|h| h.t_x()).collect();
    let age: Vec<f64> = rows.iter().map(|h| h.age()).collect();
    assert_eq!(bulk.p_alive_columns(&x, &t_x, &age).unwrap(), alive);
    group.bench_function("pareto_p_alive/bulk_columns/20k", |b| {
        b.iter(|| {
            bulk.p_alive_columns(black_box(&x), black_box(&t_x), black_box(&age))
                .unwrap()
        })
    });
    group.bench_function("pareto_conditional_pmf/per_customer/20k", |b| {
        b.iter(|| {
            black_box(&rows)
                .iter()
                .map(|h| p.conditional_prob_purchases(h, 10.0, 2).unwrap())
                .sum::<f64>()
        })
    });
    group.bench_function("pareto_conditional_pmf/bulk/20k", |b| {
        b.iter(|| {
            bulk.conditional_prob_purchases(black_box(&rows), 10.0, 2)
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, new_customer, pareto);
criterion_main!(benches);
