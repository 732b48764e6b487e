//! Criterion bench for the models with static covariates, each side by side
//! with the plain fit of the same data:
//!
//! - Pareto/NBD: 100,000 fixed-seed simulated Pareto/NBD customers (two 0/1
//!   covariates in each process, `t_x` and `T` on a daily grid as summaries
//!   in weeks have);
//! - BG/NBD: 100,000 simulated BG/NBD customers, the same covariates and
//!   grid, CLVTools' parametrisation;
//! - Gamma-Gamma: 100,000 simulated customers' mean spend (cents), two 0/1
//!   spend covariates.
//!
//! Run: `cargo bench --bench btyd_covariates`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::btyd::{
    BgNbd, BgNbdCovariates, CovariateDesign, CustomerHistory, GammaGamma, GammaGammaCovariates,
    ParetoNbd, ParetoNbdCovariates, SpendHistory,
};
use customer_value::{CustomerId, Decimal};

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

/// BG/NBD customers (r = 0.8, α = 5, a = 0.9, b = 3 at z = 0;
/// γ_trans = (0.6, 0.3), γ_life = (−0.5, 0.4)), T from 40 to 52 weeks,
/// times on a daily grid.
fn bgnbd_population(n: usize) -> (Vec<CustomerHistory>, CovariateDesign) {
    let mut rng = SplitMix64(20261204);
    let mut pop = Vec::with_capacity(n);
    let mut z = Vec::with_capacity(n);
    for i in 0..n {
        let g = rng.below(2) as f64;
        let c = rng.below(2) as f64;
        let t_end = (280 + rng.below(85)) as f64 / 7.0;
        let lambda = gamma(&mut rng, 0.8, 5.0 * (-(0.6 * g + 0.3 * c)).exp());
        let life = (-0.5 * g + 0.4 * c).exp();
        let (ga, gb) = (
            gamma(&mut rng, 0.9 * life, 1.0),
            gamma(&mut rng, 3.0 * life, 1.0),
        );
        let p = ga / (ga + gb);
        let (mut t, mut x, mut t_x) = (0.0, 0_u32, 0.0);
        loop {
            t += -rng.unit().max(1e-300).ln() / lambda;
            if t > t_end {
                break;
            }
            x += 1;
            t_x = ((t * 7.0).ceil() / 7.0).min(t_end);
            if rng.unit() < p {
                break;
            }
        }
        pop.push(CustomerHistory::new(CustomerId::new(i as u64), x, t_x, t_end).unwrap());
        z.push(vec![g, c]);
    }
    let names = vec!["gender".to_string(), "channel".to_string()];
    let design = CovariateDesign::new(names.clone(), z.clone(), names, z).unwrap();
    (pop, design)
}

/// Gamma-Gamma spend (p = 4, q = 3.5, γ = 12 at z = 0; δ = (0.5, −0.2)),
/// 1 to 8 repeat purchases, z̄ in cents.
fn spend_population(n: usize) -> (Vec<SpendHistory>, CovariateDesign) {
    let mut rng = SplitMix64(20261205);
    let mut pop = Vec::with_capacity(n);
    let mut z = Vec::with_capacity(n);
    for i in 0..n {
        let g = rng.below(2) as f64;
        let c = rng.below(2) as f64;
        let nu = gamma(&mut rng, 3.5, 12.0 * (0.5 * g - 0.2 * c).exp());
        let x = 1 + rng.below(8) as u32;
        let total: f64 = (0..x).map(|_| gamma(&mut rng, 4.0, nu)).sum();
        let cents = ((total / f64::from(x)) * 100.0).round().max(1.0) as i64;
        pop.push(SpendHistory::new(CustomerId::new(i as u64), x, Decimal::new(cents, 2)).unwrap());
        z.push(vec![g, c]);
    }
    let names = vec!["gender".to_string(), "channel".to_string()];
    let design = CovariateDesign::new(names, z, vec![], vec![vec![]; n]).unwrap();
    (pop, design)
}

fn fit_bgnbd(c: &mut Criterion) {
    let (pop, design) = bgnbd_population(100_000);
    let check = BgNbdCovariates::new().fit(&pop, &design).unwrap();
    assert!(check.converged() && check.std_errors().is_some());
    let mut group = c.benchmark_group("bg_nbd_covariates");
    group.sample_size(10);
    group.bench_function("fit_100k_2x2_covariates", |b| {
        b.iter(|| {
            BgNbdCovariates::new()
                .fit(black_box(&pop), black_box(&design))
                .unwrap()
        })
    });
    group.bench_function("plain_fit_100k", |b| {
        b.iter(|| BgNbd::new().fit_detailed(black_box(&pop)).unwrap())
    });
    group.finish();
}

fn fit_gamma_gamma(c: &mut Criterion) {
    let (pop, design) = spend_population(100_000);
    let check = GammaGammaCovariates::new().fit(&pop, &design).unwrap();
    assert!(check.converged() && check.std_errors().is_some());
    let mut group = c.benchmark_group("gamma_gamma_covariates");
    group.sample_size(10);
    group.bench_function("fit_100k_2_covariates", |b| {
        b.iter(|| {
            GammaGammaCovariates::new()
                .fit(black_box(&pop), black_box(&design))
                .unwrap()
        })
    });
    group.bench_function("plain_fit_100k", |b| {
        b.iter(|| GammaGamma::new().fit_detailed(black_box(&pop)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, fit, fit_bgnbd, fit_gamma_gamma);
criterion_main!(benches);
