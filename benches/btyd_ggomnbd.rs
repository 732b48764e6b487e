//! Criterion bench for the GGom/NBD fit of `customer_value::btyd` on the
//! CDNOW sample (from `$CUSTOMER_VALUE_DATA`, else `../shared/data`;
//! skipped with a message when absent), beside the Pareto/NBD fit it nests
//! so the two can be compared as a ratio within one run. The result is
//! checked once outside the timed loop.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::btyd::{CustomerHistory, GgomNbd, ParetoNbd};

mod common;

fn cdnow() -> Option<Vec<CustomerHistory>> {
    common::cdnow_histories()
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
