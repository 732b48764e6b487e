//! Criterion bench for the GGom/NBD fit of `customer_value::btyd` on the
//! CDNOW sample (from `$CUSTOMER_VALUE_DATA`, else `../shared/data`;
//! skipped with a message when absent), beside the Pareto/NBD fit it nests
//! so the two can be compared as a ratio within one run. The result is
//! checked once outside the timed loop.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::CustomerId;
use customer_value::btyd::{CustomerHistory, GgomNbd, ParetoNbd};

fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("CUSTOMER_VALUE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    dir.is_dir().then_some(dir)
}

/// CDNOW `ID,frequency,recency,T` rows as histories.
fn cdnow() -> Option<Vec<CustomerHistory>> {
    let path = data_dir()?.join("cdnow/cdnow_customers_summary.csv");
    let text = std::fs::read_to_string(path).ok()?;
    Some(
        text.lines()
            .skip(1)
            .map(|line| {
                let f: Vec<&str> = line.split(',').collect();
                CustomerHistory::new(
                    CustomerId::new(f[0].parse().unwrap()),
                    f[1].parse().unwrap(),
                    f[2].parse().unwrap(),
                    f[3].parse().unwrap(),
                )
                .unwrap()
            })
            .collect(),
    )
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
    group.finish();
}

criterion_group!(benches, fit);
criterion_main!(benches);
