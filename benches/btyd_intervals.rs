//! Per-customer intervals: delta method on 1M customers against the plain
//! prediction (goal: at most 2x), also on the repeat customers alone (every
//! row distinct); Pareto/NBD on 100k; delta-method CLV intervals on 100k
//! customers against the plain CLV; and a 200-replicate bootstrap on 100k
//! customers (goal: at most 10 s on 2 cores), with studentized P(alive)
//! intervals; profile-likelihood against delta-method intervals for five
//! customers of a 2,000-customer MBG/NBD base.
//!
//! `cargo bench --all-features --bench btyd_intervals -- --warm-up-time 1 --measurement-time 4 'intervals_|clv_100k'`

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main};
use customer_value::Decimal;
use customer_value::btyd::intervals::profile_intervals;
use customer_value::btyd::{
    BgNbd, BgNbdParams, BootstrapOptions, BtydClv, BtydCustomer, CustomerHistory, DistinctRows,
    FitReport, GammaGamma, IntervalModel, MbgNbd, MbgNbdParams, ParetoNbd, Prediction,
    SpendHistory, bootstrap, delta_clv_intervals, delta_intervals, simulate_bgnbd, simulate_mbgnbd,
};
use customer_value::clv::DiscountRate;

fn ages(n: usize) -> Vec<f64> {
    (0..n).map(|i| 27.0 + (i % 13) as f64).collect()
}

/// Times the plain `E[Y(52)]` of every history (`plain`, the model's own
/// method) against its delta-method interval, as
/// `expected_purchases_plain{suffix}` and `expected_purchases_delta{suffix}`.
fn expected_purchases_pair<P: IntervalModel>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    suffix: &str,
    fit: &FitReport<P, 4>,
    hs: &[CustomerHistory],
    plain: impl Fn(&CustomerHistory) -> f64,
) {
    g.bench_function(format!("expected_purchases_plain{suffix}"), |b| {
        b.iter(|| hs.iter().map(&plain).collect::<Vec<f64>>())
    });
    g.bench_function(format!("expected_purchases_delta{suffix}"), |b| {
        b.iter(|| {
            delta_intervals(fit, Prediction::ExpectedPurchases(52.0), black_box(hs), 0.9).unwrap()
        })
    });
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
    expected_purchases_pair(&mut g, "", &fit, &hs, |h| {
        p.expected_purchases(h, 52.0).unwrap()
    });
    // Repeat customers only: every row distinct (continuous t_x), so the
    // row cache saves nothing and the ratio is the gradient's own cost.
    let repeaters: Vec<_> = hs.iter().filter(|h| h.x() > 0).copied().collect();
    expected_purchases_pair(&mut g, "_repeaters", &fit, &repeaters, |h| {
        p.expected_purchases(h, 52.0).unwrap()
    });
    g.finish();
}

/// Pareto/NBD (FH's CDNOW estimates) on 100k customers: plain
/// `E[Y(52)]` against its delta-method interval.
fn pareto(c: &mut Criterion) {
    let truth = BgNbdParams::new(0.243, 4.41, 0.793, 2.43).unwrap();
    let hs = simulate_bgnbd(&truth, &ages(100_000), 4).unwrap();
    let fit = ParetoNbd::new().fit_detailed(&hs[..20_000]).unwrap();
    let p = *fit.params();
    let mut g = c.benchmark_group("intervals_pnbd_100k");
    g.sample_size(10);
    expected_purchases_pair(&mut g, "", &fit, &hs, |h| {
        p.expected_purchases(h, 52.0).unwrap()
    });
    g.finish();
}

/// CLV (12 months of 4.345 weeks at 1 % a month) for 100k customers: the
/// plain value against its delta-method interval.
fn clv(c: &mut Criterion) {
    let truth = BgNbdParams::new(0.243, 4.41, 0.793, 2.43).unwrap();
    let hs = simulate_bgnbd(&truth, &ages(100_000), 3).unwrap();
    let customers: Vec<BtydCustomer> = hs
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let zbar = Decimal::from(15 + (i % 11) as u32 * 3);
            BtydCustomer::new(*h, SpendHistory::new(h.customer(), h.x(), zbar).unwrap()).unwrap()
        })
        .collect();
    let repeat: Vec<SpendHistory> = customers
        .iter()
        .filter(|c| c.spend().x() > 0)
        .map(|c| *c.spend())
        .take(20_000)
        .collect();
    let purchases = BgNbd::new().fit_detailed(&hs[..20_000]).unwrap();
    let spend = GammaGamma::new().fit_detailed(&repeat).unwrap();
    let model = BtydClv::builder(*purchases.params(), *spend.params())
        .periods(12)
        .discount(DiscountRate::new(Decimal::new(1, 2)).unwrap())
        .period_length(4.345)
        .build()
        .unwrap();
    let mut g = c.benchmark_group("clv_100k");
    g.sample_size(10);
    g.bench_function("clv_plain", |b| {
        b.iter(|| {
            customers
                .iter()
                .map(|c| model.value_f64(c).unwrap())
                .collect::<Vec<f64>>()
        })
    });
    g.bench_function("clv_delta", |b| {
        b.iter(|| {
            delta_clv_intervals(&purchases, &spend, &model, black_box(&customers), 0.9).unwrap()
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
    g.bench_function("p_alive_studentized_200", |b| {
        b.iter(|| {
            draws
                .studentized_intervals(Prediction::PAlive, black_box(&hs), 0.9)
                .unwrap()
        })
    });
    g.finish();
}

/// Profile-likelihood intervals of `E[Y(26)]` and P(alive) for five
/// customers of an MBG/NBD base of 2,000 (the coverage tests' size).
fn profile(c: &mut Criterion) {
    let truth = MbgNbdParams::new(0.243, 4.41, 0.793, 2.43).unwrap();
    let hs = simulate_mbgnbd(&truth, &ages(2000), 2000).unwrap();
    let (rows, weights) = DistinctRows::from_histories(&hs).weighted().unwrap();
    let fit = MbgNbd::new().fit_weighted(&rows, &weights).unwrap();
    let mut g = c.benchmark_group("profile_2k");
    g.sample_size(10);
    g.bench_function("expected_purchases_profile_5", |b| {
        b.iter(|| {
            profile_intervals(
                &fit,
                &rows,
                &weights,
                Prediction::ExpectedPurchases(26.0),
                black_box(&hs[..5]),
                0.9,
            )
            .unwrap()
        })
    });
    g.bench_function("p_alive_profile_5", |b| {
        b.iter(|| {
            profile_intervals(
                &fit,
                &rows,
                &weights,
                Prediction::PAlive,
                black_box(&hs[..5]),
                0.9,
            )
            .unwrap()
        })
    });
    g.bench_function("expected_purchases_delta_5", |b| {
        b.iter(|| {
            delta_intervals(
                &fit,
                Prediction::ExpectedPurchases(26.0),
                black_box(&hs[..5]),
                0.9,
            )
            .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, delta, pareto, clv, boot, profile);
criterion_main!(benches);
