//! Criterion bench for the GGom/NBD fit of `customer_value::btyd` on the
//! CDNOW sample (from `$CUSTOMER_VALUE_DATA`, else `../shared/data`;
//! skipped with a message when absent), beside the Pareto/NBD fit it nests
//! so the two can be compared as a ratio within one run; and on the R rfm
//! package's orders in days (`peers/rfm_data_orders.csv`, observed to its
//! last day), whose supremum is the Poisson limit `r, α → ∞` (the slowest
//! real log of issue 10's list); and on 103,000 simulated customers
//! summarised in days (`customer_value::simulate`, seed 7, the input of
//! `benches/btyd_fit.rs`), about 86,000 distinct rows, where the fit starts
//! from a subsample's maximum. The results are checked once outside the
//! timed loop.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use std::collections::BTreeMap;

use customer_value::CustomerId;
use customer_value::btyd::{CustomerHistory, FitStatus, GgomNbd, Limit, ParetoNbd};
use customer_value::csv::read_summary;

mod common;

fn cdnow() -> Option<Vec<CustomerHistory>> {
    common::cdnow_histories()
}

/// Days since 1970-01-01 of `YYYY-MM-DD` (civil calendar).
fn day(s: &str) -> Option<i64> {
    let mut parts = s.trim().split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    Some(era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468)
}

/// The rfm orders (`customer_id,order_date,revenue`) as histories in days,
/// purchases on one day counted once, observed to the last order's day.
fn rfm_orders() -> Option<Vec<CustomerHistory>> {
    let path = common::data_dir()?
        .join("peers")
        .join("rfm_data_orders.csv");
    let text = std::fs::read_to_string(path).ok()?;
    let mut days: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let mut fields = line.split(',');
        let (customer, date) = (fields.next()?, fields.next()?);
        days.entry(customer).or_default().push(day(date)?);
    }
    let end = days.values().flatten().copied().max()?;
    let mut histories = Vec::new();
    for (i, mut d) in days.into_values().enumerate() {
        d.sort_unstable();
        d.dedup();
        let (first, last) = (d[0], d[d.len() - 1]);
        // A customer first seen on the last day has no time to repeat.
        if end > first {
            histories.push(
                CustomerHistory::new(
                    CustomerId::new(i as u64),
                    (d.len() - 1) as u32,
                    (last - first) as f64,
                    (end - first) as f64,
                )
                .ok()?,
            );
        }
    }
    Some(histories)
}

/// 103,000 simulated customers (seed 7) acquired over four years and
/// summarised in days at the end of the fifth ([`common::simulated_days_csv`], as in `benches/btyd_fit.rs`),
/// those with `T > 0` as histories.
fn simulated_days() -> Vec<CustomerHistory> {
    let csv = common::simulated_days_csv();
    read_summary(&csv[..])
        .unwrap()
        .customers()
        .iter()
        .filter(|c| c.age() > 0.0)
        .map(|c| CustomerHistory::from_summary(c).unwrap())
        .collect()
}

fn fit(c: &mut Criterion) {
    let Some(population) = cdnow() else {
        eprintln!("skipped: CDNOW data not found (set CUSTOMER_VALUE_DATA)");
        return;
    };
    let fitted = GgomNbd::new().fit_detailed(&population).unwrap();
    assert!((fitted.log_likelihood() - -9594.974).abs() < 1e-2);
    let mut group = c.benchmark_group("btyd_ggomnbd");
    group.sample_size(10);
    group.bench_function("fit_cdnow_ggomnbd", |b| {
        b.iter(|| GgomNbd::new().fit_detailed(black_box(&population)).unwrap())
    });
    group.bench_function("fit_cdnow_pareto_nbd", |b| {
        b.iter(|| {
            ParetoNbd::new()
                .fit_detailed(black_box(&population))
                .unwrap()
        })
    });
    if let Some(rfm) = rfm_orders() {
        let fitted = GgomNbd::new().fit_detailed(&rfm).unwrap();
        assert!(
            matches!(fitted.status(), FitStatus::Boundary { limits, .. }
                if limits.contains(&Limit::HomogeneousPurchaseRate)),
            "{:?}",
            fitted.status()
        );
        group.bench_function("fit_rfm_orders_days_ggomnbd", |b| {
            b.iter(|| GgomNbd::new().fit_detailed(black_box(&rfm)).unwrap())
        });
    } else {
        eprintln!("skipped: rfm orders not found");
    }
    let simulated = simulated_days();
    let fitted = GgomNbd::new().fit_detailed(&simulated).unwrap();
    assert!(fitted.status().is_interior(), "{:?}", fitted.status());
    group.bench_function("fit_sim103k_days_ggomnbd", |b| {
        b.iter(|| GgomNbd::new().fit_detailed(black_box(&simulated)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, fit);
criterion_main!(benches);
