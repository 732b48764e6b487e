//! Criterion bench for the Pareto/NBD with static covariates: a fit on
//! 100,000 fixed-seed SplitMix64 customers (two 0/1 covariates in each
//! process, `t_x` and `T` on a daily grid as summaries in weeks have),
//! side by side with the plain Pareto/NBD fit of the same histories.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::CustomerId;
use customer_value::btyd::{CovariateDesign, CustomerHistory, ParetoNbd, ParetoNbdCovariates};

mod common;
use common::SplitMix64;

fn population(n: usize) -> (Vec<CustomerHistory>, CovariateDesign) {
    let mut rng = SplitMix64(20261203);
    let mut pop = Vec::with_capacity(n);
    let mut z = Vec::with_capacity(n);
    for i in 0..n {
        let g = rng.below(2) as f64;
        let c = rng.below(2) as f64;
        let days_t = 280 + rng.below(85); // T from 40 to 52 weeks
        let x = rng.below(3 + 5 * g as u64 + 2 * c as u64) as u32;
        let days_tx = if x == 0 { 0 } else { 1 + rng.below(days_t) };
        pop.push(
            CustomerHistory::new(
                CustomerId::new(i as u64),
                x,
                days_tx as f64 / 7.0,
                days_t as f64 / 7.0,
            )
            .unwrap(),
        );
        z.push(vec![g, c]);
    }
    let names = vec!["gender".to_string(), "channel".to_string()];
    let design = CovariateDesign::new(names.clone(), z.clone(), names, z).unwrap();
    (pop, design)
}

fn fit(c: &mut Criterion) {
    let (pop, design) = population(100_000);
    let check = ParetoNbdCovariates::new().fit(&pop, &design).unwrap();
    assert!(check.converged() && check.std_errors().is_some());
    let mut group = c.benchmark_group("pareto_nbd_covariates");
    group.sample_size(10);
    group.bench_function("fit_100k_2x2_covariates", |b| {
        b.iter(|| {
            ParetoNbdCovariates::new()
                .fit(black_box(&pop), black_box(&design))
                .unwrap()
        })
    });
    group.bench_function("plain_fit_100k", |b| {
        b.iter(|| ParetoNbd::new().fit_detailed(black_box(&pop)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, fit);
criterion_main!(benches);
