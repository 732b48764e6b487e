//! Criterion bench for the Pareto/NBD with static covariates: a fit on
//! 100,000 fixed-seed simulated Pareto/NBD customers (two 0/1 covariates in
//! each process, `t_x` and `T` on a daily grid as summaries in weeks have),
//! side by side with the plain Pareto/NBD fit of the same histories.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::CustomerId;
use customer_value::btyd::{CovariateDesign, CustomerHistory, ParetoNbd, ParetoNbdCovariates};

mod common;
use common::SplitMix64;

/// Gamma(shape, rate) by Marsaglia and Tsang (2000), boosted below 1.
fn gamma(rng: &mut SplitMix64, shape: f64, rate: f64) -> f64 {
    let u = |rng: &mut SplitMix64| rng.unit().max(1e-300);
    if shape < 1.0 {
        return gamma(rng, shape + 1.0, rate) * u(rng).powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let (a, b) = (u(rng), u(rng));
        let x = (-2.0 * a.ln()).sqrt() * (std::f64::consts::TAU * b).cos();
        let v = (1.0 + c * x).powi(3);
        if v > 0.0 && u(rng).ln() < 0.5 * x * x + d - d * v + d * v.ln() {
            return d * v / rate;
        }
    }
}

/// Pareto/NBD customers (r = 0.8, α = 6, s = 0.7, β = 10 at z = 0;
/// γ_trans = (0.6, 0.3), γ_life = (−0.5, 0.4)), T from 40 to 52 weeks,
/// times on a daily grid.
fn population(n: usize) -> (Vec<CustomerHistory>, CovariateDesign) {
    let mut rng = SplitMix64(20261203);
    let mut pop = Vec::with_capacity(n);
    let mut z = Vec::with_capacity(n);
    for i in 0..n {
        let g = rng.below(2) as f64;
        let c = rng.below(2) as f64;
        let t_end = (280 + rng.below(85)) as f64 / 7.0;
        let lambda = gamma(&mut rng, 0.8, 6.0 * (-(0.6 * g + 0.3 * c)).exp());
        let mu = gamma(&mut rng, 0.7, 10.0 * (-(-0.5 * g + 0.4 * c)).exp());
        let death = (-rng.unit().max(1e-300).ln() / mu).min(t_end);
        let (mut t, mut x, mut t_x) = (0.0, 0_u32, 0.0);
        loop {
            t += -rng.unit().max(1e-300).ln() / lambda;
            if t > death {
                break;
            }
            x += 1;
            t_x = ((t * 7.0).ceil() / 7.0).min(t_end);
        }
        pop.push(CustomerHistory::new(CustomerId::new(i as u64), x, t_x, t_end).unwrap());
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
