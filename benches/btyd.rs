//! Criterion benches for `customer_value::btyd`.
//!
//! Fits run on the CDNOW sample (from `$CUSTOMER_VALUE_DATA`, else
//! `../shared/data`; skipped with a message when absent) and on 100,000
//! simulated customers (`customer_value::simulate`, fixed seed); the
//! prediction bench scores one million fixed-seed SplitMix64 histories.
//! Results are checked once outside the timed loops.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::btyd::{
    BgNbd, BgNbdParams, BgNbdPredictor, CustomerHistory, GammaGamma, SpendHistory,
};
use customer_value::simulate::Simulation;
use customer_value::{CustomerId, Date, Grouping, Scorer, Summarizer, TimeUnit};

mod common;
use common::SplitMix64;

/// CDNOW `ID,x,t_x,T,zbar` rows as histories and spend.
fn cdnow() -> Option<(Vec<CustomerHistory>, Vec<SpendHistory>)> {
    Some((
        common::cdnow_histories_in("cdnow/cdnow_customers_summary_with_transactions.csv")?,
        common::cdnow_spends()?,
    ))
}

/// 100,000 simulated customers summarised in weeks to 1997-09-30.
fn simulated() -> Vec<CustomerHistory> {
    let log = Simulation::builder()
        .customers(100_000)
        .seed(7)
        .build()
        .unwrap()
        .run();
    let summary = Summarizer::builder(Date::parse("1997-09-30").unwrap())
        .unit(TimeUnit::WEEK)
        .grouping(Grouping::Day)
        .build()
        .unwrap()
        .summarize(log.transactions())
        .unwrap();
    summary
        .customers()
        .iter()
        .map(|c| CustomerHistory::from_summary(c).unwrap())
        .collect()
}

/// One million histories: T in the CDNOW range (whole days, or any real
/// number when `distinct_ages`), a few repeat purchases.
fn million(distinct_ages: bool) -> Vec<CustomerHistory> {
    let mut rng = SplitMix64(0xB7D_5EED);
    (0..1_000_000u64)
        .map(|k| {
            let age = if distinct_ages {
                27.0 + 12.0 * (rng.next() >> 11) as f64 / (1u64 << 53) as f64
            } else {
                f64::from(190 + rng.below(84) as u32) / 7.0
            };
            let x = match rng.below(10) {
                0..=5 => 0,
                6..=8 => 1 + rng.below(4) as u32,
                _ => 5 + rng.below(40) as u32,
            };
            let t_x = if x == 0 {
                0.0
            } else {
                (age * (1 + rng.below(1000)) as f64 / 1000.0).min(age)
            };
            CustomerHistory::new(CustomerId::new(k), x, t_x, age).unwrap()
        })
        .collect()
}

fn fits(c: &mut Criterion) {
    let mut group = c.benchmark_group("btyd");
    if let Some((hs, ss)) = cdnow() {
        let fit = BgNbd::new().fit_detailed(&hs).unwrap();
        assert!((fit.log_likelihood() - -9582.425561).abs() < 1e-4);
        group.bench_function("bgnbd_fit/cdnow", |b| {
            b.iter(|| BgNbd::new().fit_detailed(black_box(&hs)).unwrap())
        });
        let fit = GammaGamma::new().fit_detailed(&ss).unwrap();
        assert!((fit.log_likelihood() - -4055.923244).abs() < 1e-4);
        group.bench_function("gamma_gamma_fit/cdnow", |b| {
            b.iter(|| GammaGamma::new().fit_detailed(black_box(&ss)).unwrap())
        });
    } else {
        eprintln!("skipped the CDNOW benches: data folder not found (set CUSTOMER_VALUE_DATA)");
    }
    let sim = simulated();
    assert_eq!(sim.len(), 100_000);
    let fit = BgNbd::new().fit_detailed(&sim).unwrap();
    eprintln!(
        "100k simulated: {} distinct rows, {} iterations",
        fit.rows(),
        fit.iterations()
    );
    group.sample_size(20);
    group.bench_function("bgnbd_fit/100k", |b| {
        b.iter(|| BgNbd::new().fit_detailed(black_box(&sim)).unwrap())
    });
    group.finish();
}

fn predict(c: &mut Criterion) {
    let params = BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754).unwrap();
    let predictor = BgNbdPredictor::new(params, 52.0).unwrap();
    let mut group = c.benchmark_group("btyd");
    group.sample_size(10);
    // Ages in whole days share E_BG per (x, T); real-valued ages do not.
    for (name, distinct) in [("predict/1M", false), ("predict/1M_distinct_T", true)] {
        let rows = million(distinct);
        let check = predictor.score_all(&rows).unwrap();
        assert_eq!(check.len(), rows.len());
        assert!(check.iter().all(|s| (0.0..=1.0).contains(&s.p_alive())));
        assert_eq!(predictor.score(&rows[7]).unwrap(), check[7]);
        let mut out = Vec::with_capacity(rows.len());
        group.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                predictor.score_into(black_box(&rows), &mut out).unwrap();
            })
        });
    }
    // Ill-conditioned G-form (r = 100 against a + b = 3.2): every E_BG
    // comes from the quadrature over p. 1 000 customers with distinct T.
    let hard = BgNbdParams::new(100.0, 4.41, 0.79, 2.43).unwrap();
    let hard = BgNbdPredictor::new(hard, 30.0).unwrap();
    let rows: Vec<CustomerHistory> = (0..1000u32)
        .map(|i| {
            let age = 20.0 + f64::from(i) / 37.0;
            let x = i % 9;
            let t_x = if x == 0 { 0.0 } else { age * 0.7 };
            CustomerHistory::new(customer_value::CustomerId::new(u64::from(i)), x, t_x, age)
                .unwrap()
        })
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    group.bench_function("predict/1k_ill_conditioned", |b| {
        b.iter(|| {
            out.clear();
            hard.score_into(black_box(&rows), &mut out).unwrap();
        })
    });
    group.finish();
}

/// Lifetime value of one million customers (whole-day ages): 12 monthly
/// periods of 4.345 weeks at 1 % a month, BG/NBD with Gamma-Gamma spend.
fn clv(c: &mut Criterion) {
    use customer_value::btyd::{BtydClv, BtydCustomer, GammaGammaParams, SpendHistory};
    use customer_value::clv::DiscountRate;
    use customer_value::{Decimal, Scorer};
    let purchases = BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754).unwrap();
    let spend = GammaGammaParams::new(6.248803, 3.744588, 15.447746).unwrap();
    let model = BtydClv::builder(purchases, spend)
        .periods(12)
        .discount(DiscountRate::new(Decimal::new(1, 2)).unwrap())
        .period_length(4.345)
        .build()
        .unwrap();
    let mut rng = SplitMix64(0xC1_5EED);
    let customers: Vec<BtydCustomer> = million(false)
        .into_iter()
        .map(|h| {
            let zbar = if h.x() == 0 {
                Decimal::ZERO
            } else {
                Decimal::new(500 + rng.below(9_500) as i64, 2)
            };
            let s = SpendHistory::new(h.customer(), h.x(), zbar).unwrap();
            BtydCustomer::new(h, s).unwrap()
        })
        .collect();
    let check = model.score_all(&customers).unwrap();
    for i in [3, 11, 500_000] {
        let one = model.score(&customers[i]).unwrap();
        assert!((check[i] - one).abs() <= one.abs() * Decimal::new(1, 12) + Decimal::new(1, 12));
    }
    let mut group = c.benchmark_group("btyd");
    group.sample_size(10);
    let mut out = Vec::with_capacity(customers.len());
    group.bench_function("clv/1M", |b| {
        b.iter(|| {
            out.clear();
            model.score_into(black_box(&customers), &mut out).unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, fits, predict, clv);
criterion_main!(benches);
