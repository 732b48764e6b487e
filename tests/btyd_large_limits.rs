//! A large summary on Pareto/NBD's homogeneous-dropout boundary: 100,000
//! customers (tens of thousands of distinct `(x, t_x, T)` rows in days)
//! with gamma purchase rates and exponential lifetimes of one mean, so the
//! dropout rates do not vary and the Pareto/NBD supremum is the limit
//! `s, β → ∞` with `s/β = μ` fixed. Generated here from a seed.
//!
//! Checked: the Pareto/NBD and GGom/NBD fits answer within a generous
//! time bound, Pareto/NBD names the limit, and its log-likelihood is that
//! of the limiting model (NBD purchases, exponential lifetime of rate `μ`)
//! computed independently by quadrature, at a point within `1e-6` of that
//! model's maximum.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use customer_value::CustomerId;
use customer_value::btyd::{CustomerHistory, Direction, FitStatus, GgomNbd, Limit, ParetoNbd};

use crate::btyd_boundary::awkward::Rng;

/// Generous for an optimised build on a loaded machine: the fits take
/// about 0.3 s of CPU each on an idle one.
const BOUND: Duration = Duration::from_secs(5);

/// 100,000 customers: purchase rates Gamma(0.6, rate 60) per day,
/// exponential lifetimes of mean 250 days, first purchases uniform over
/// 373 days, observed to day 373; purchase days and ages in whole days.
fn homogeneous_dropout_histories(seed: u64) -> Vec<CustomerHistory> {
    let mut rng = Rng(seed);
    let end = 373.0;
    (0..100_000_u64)
        .map(|c| {
            let lambda = rng.gamma(0.6, 60.0);
            let life = rng.exp(1.0 / 250.0);
            let first: f64 = 373.0 * rng.uniform();
            let first_day = first.floor();
            let mut t = first;
            let mut last_day = first_day;
            let mut x = 0_u32;
            loop {
                t += rng.exp(lambda);
                if t >= end || t - first >= life {
                    break;
                }
                if t.floor() > last_day {
                    last_day = t.floor();
                    x += 1;
                }
            }
            CustomerHistory::new(CustomerId::new(c), x, last_day - first_day, end - first_day)
                .unwrap()
        })
        .collect()
}

/// Gauss–Legendre 8-point rule on `[−1, 1]`: (abscissa, weight) pairs.
#[allow(clippy::excessive_precision)]
const GL8: [(f64, f64); 4] = [
    (0.183_434_642_495_649_8, 0.362_683_783_378_362_0),
    (0.525_532_409_916_329_0, 0.313_706_645_877_887_3),
    (0.796_666_477_413_626_7, 0.222_381_034_453_374_5),
    (0.960_289_856_497_536_3, 0.101_228_536_290_376_3),
];

/// The log-likelihood of the limiting model (Poisson purchases at a rate
/// `λ ~ Gamma(r, α)`, one exponential lifetime of rate `μ` for every
/// customer), independently of the crate: for `x` repeat purchases, the
/// last at `t_x`, age `T`,
///
/// `L = Γ(r+x)/Γ(r)·α^r·[e^{−μT}(α+T)^{−(r+x)} + μ∫_{t_x}^T e^{−μτ}(α+τ)^{−(r+x)} dτ]`
///
/// (alive at `T`, or dead at `τ` after the last purchase), the integral by
/// composite Gauss–Legendre in `v = ln(α+τ)` with panels short against the
/// integrand's decay, `Γ(r+x)/Γ(r)` as the product `r(r+1)…(r+x−1)`.
fn limit_log_likelihood(rows: &[((u32, u64, u64), f64)], r: f64, alpha: f64, mu: f64) -> f64 {
    let mut total = 0.0;
    for &((x, t_x, age), w) in rows {
        let (t_x, age) = (f64::from_bits(t_x), f64::from_bits(age));
        let m = r + f64::from(x);
        let ln_c: f64 = (0..x).map(|k| (r + f64::from(k)).ln()).sum::<f64>() + r * alpha.ln();
        let alive = -mu * age - m * (alpha + age).ln();
        let ln_l = if t_x < age {
            let (v0, v1) = ((alpha + t_x).ln(), (alpha + age).ln());
            let phi = |v: f64| -mu * (v.exp() - alpha) - (m - 1.0) * v;
            let steep = ((m - 1.0).abs() + mu * (alpha + age)) * (v1 - v0);
            let panels = (steep / 2.0).ceil() as usize + 2;
            let h = (v1 - v0) / panels as f64;
            let mut nodes = Vec::with_capacity(8 * panels);
            for p in 0..panels {
                let mid = v0 + (p as f64 + 0.5) * h;
                for &(a, wt) in &GL8 {
                    for s in [-1.0, 1.0] {
                        nodes.push((phi(mid + s * a * h / 2.0), wt * h / 2.0));
                    }
                }
            }
            let top = nodes.iter().fold(f64::NEG_INFINITY, |t, n| t.max(n.0));
            let ln_i = top
                + nodes
                    .iter()
                    .map(|n| n.1 * (n.0 - top).exp())
                    .sum::<f64>()
                    .ln();
            let dead = mu.ln() + ln_i;
            let hi = alive.max(dead);
            hi + ((alive - hi).exp() + (dead - hi).exp()).ln()
        } else {
            alive
        };
        total += w * (ln_c + ln_l);
    }
    total
}

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    eprintln!("{what}: {took:?}");
    assert!(took <= BOUND, "{what} took {took:?}");
    out
}

// Small dense matrices read best with explicit indices.
#[allow(clippy::needless_range_loop)]
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "100,000 customers: run optimised, `cargo test --release --all-features --test lib btyd_large_limits`"
)]
fn a_large_homogeneous_dropout_summary_answers_with_its_limit() {
    let histories = homogeneous_dropout_histories(0xB0_0D6);
    let mut distinct: HashMap<(u32, u64, u64), f64> = HashMap::new();
    for h in &histories {
        *distinct
            .entry((h.x(), h.t_x().to_bits(), h.age().to_bits()))
            .or_default() += 1.0;
    }
    let rows: Vec<_> = distinct.into_iter().collect();
    assert!(rows.len() > 25_000, "{} distinct rows", rows.len());

    let pareto = timed("Pareto/NBD", || ParetoNbd::new().fit_detailed(&histories)).unwrap();
    let p = pareto.params();
    match pareto.status() {
        FitStatus::Boundary { diverging, limits } => {
            assert_eq!(
                limits,
                &[Limit::HomogeneousDropout],
                "{:?}",
                pareto.status()
            );
            let names: Vec<_> = diverging
                .iter()
                .map(|d| (d.parameter.as_str(), d.direction))
                .collect();
            assert_eq!(
                names,
                [
                    ("s", Direction::ToInfinity),
                    ("beta", Direction::ToInfinity)
                ]
            );
        }
        other => panic!("Pareto/NBD: {other:?} at {p:?}"),
    }
    assert!(p.s() > 1e10 && p.beta() > 1e10, "{p:?}");

    // The reported log-likelihood is the limiting model's at (r, α, s/β).
    let mu = p.s() / p.beta();
    let at = [p.r().ln(), p.alpha().ln(), mu.ln()];
    let ll = |t: [f64; 3]| limit_log_likelihood(&rows, t[0].exp(), t[1].exp(), t[2].exp());
    let own = ll(at);
    eprintln!(
        "Pareto/NBD: r = {}, alpha = {}, mu = s/beta = {mu}; LL {} against the limit's {own}",
        p.r(),
        p.alpha(),
        pareto.log_likelihood()
    );
    assert!(
        (own - pareto.log_likelihood()).abs() <= 1e-6,
        "limit {own} against the fit's {}",
        pareto.log_likelihood()
    );
    // ... at a point within 1e-6 of the limiting model's maximum: with the
    // gradient g and Hessian H of its log-likelihood in (ln r, ln α, ln μ)
    // by central differences, H is negative definite and a Newton step
    // would gain at most ½·gᵀ(−H)⁻¹g ≤ 1e-6.
    let h = 1e-3;
    let shifted = |i: usize, a: f64, j: usize, b: f64| {
        let mut t = at;
        t[i] += a;
        t[j] += b;
        ll(t)
    };
    let mut g = [0.0; 3];
    let mut hess = [[0.0; 3]; 3];
    for i in 0..3 {
        let (up, dn) = (shifted(i, h, i, 0.0), shifted(i, -h, i, 0.0));
        g[i] = (up - dn) / (2.0 * h);
        hess[i][i] = (up - 2.0 * own + dn) / (h * h);
        for j in 0..i {
            let v = (shifted(i, h, j, h) - shifted(i, h, j, -h) - shifted(i, -h, j, h)
                + shifted(i, -h, j, -h))
                / (4.0 * h * h);
            hess[i][j] = v;
            hess[j][i] = v;
        }
    }
    // Solve (−H) d = g by Cholesky (which also shows −H positive definite).
    let a: [[f64; 3]; 3] = std::array::from_fn(|i| std::array::from_fn(|j| -hess[i][j]));
    let mut l = [[0.0_f64; 3]; 3];
    for i in 0..3 {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = a[i][i] - s;
                assert!(
                    d > 0.0,
                    "the limit's Hessian is not negative definite: {hess:?}"
                );
                l[i][i] = d.sqrt();
            } else {
                l[i][j] = (a[i][j] - s) / l[j][j];
            }
        }
    }
    let mut y = [0.0; 3];
    for i in 0..3 {
        y[i] = (g[i] - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
    }
    let gain = 0.5 * y.iter().map(|v| v * v).sum::<f64>();
    eprintln!("Pareto/NBD: a Newton step on the limit would gain {gain:e} (gradient {g:?})");
    assert!(gain <= 1e-6, "gain {gain}, gradient {g:?}");

    // GGom/NBD nests Pareto/NBD (b, β → 0 with β/b fixed), so its
    // supremum is at least Pareto/NBD's.
    let ggom = timed("GGom/NBD", || GgomNbd::new().fit_detailed(&histories)).unwrap();
    eprintln!(
        "GGom/NBD: {:?}, {:?}, LL {}",
        ggom.params(),
        ggom.status(),
        ggom.log_likelihood()
    );
    assert!(
        matches!(
            ggom.status(),
            FitStatus::Interior | FitStatus::Boundary { .. }
        ),
        "{:?}",
        ggom.status()
    );
    assert!(
        ggom.log_likelihood() >= pareto.log_likelihood() - 1e-6,
        "GGom/NBD {} below Pareto/NBD {}",
        ggom.log_likelihood(),
        pareto.log_likelihood()
    );
}
