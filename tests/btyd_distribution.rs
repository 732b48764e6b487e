//! Conditional purchase-count distributions, DECT and posterior mean rates:
//! the pmf sums to 1, its mean is each model's own conditional expectation
//! (an independent closed form), the Pareto/NBD pmf agrees with a direct
//! quadrature of its defining integral, and the posterior means agree with
//! a 2-D numerical integration of the posterior.

use customer_value::CustomerId;
use customer_value::btyd::{
    BgBbParams, BgNbdParams, CustomerHistory, DiscreteHistory, MbgNbdParams, ParetoNbdParams,
    PurchaseModel,
};
use proptest::prelude::*;

fn hist(x: u32, t_x: f64, age: f64) -> CustomerHistory {
    CustomerHistory::new(CustomerId::new(1), x, t_x, age).unwrap()
}

fn models() -> [PurchaseModel; 3] {
    [
        BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754)
            .unwrap()
            .into(),
        MbgNbdParams::new(0.524838, 6.182992, 0.891356, 1.614)
            .unwrap()
            .into(),
        ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908)
            .unwrap()
            .into(),
    ]
}

fn sum_and_mean(pmf: &[f64]) -> (f64, f64) {
    let sum = pmf.iter().sum();
    let mean = pmf.iter().enumerate().map(|(n, p)| n as f64 * p).sum();
    (sum, mean)
}

#[test]
fn pmf_sums_to_one_and_its_mean_is_the_conditional_expectation() {
    let histories = [
        hist(0, 0.0, 39.0),
        hist(1, 5.0, 38.0),
        hist(2, 30.0, 39.0),
        hist(7, 12.0, 35.0),
        hist(26, 30.85714, 31.0),
        hist(0, 0.0, 1e-12),
    ];
    for model in models() {
        for h in &histories {
            for t in [1.0, 39.0, 52.0] {
                let pmf = model.conditional_pmf(h, t, 600).unwrap();
                assert!(pmf.iter().all(|p| *p >= 0.0 && *p <= 1.0));
                let (sum, mean) = sum_and_mean(&pmf);
                let want = model.expected_purchases(h, t).unwrap();
                assert!(
                    (sum - 1.0).abs() < 1e-10,
                    "{} {h:?} t={t}: sum {sum}",
                    model.name()
                );
                assert!(
                    ((mean - want) / want).abs() < 1e-9,
                    "{} {h:?} t={t}: mean {mean} vs E {want}",
                    model.name()
                );
                let single = model.conditional_prob_purchases(h, t, 3).unwrap();
                assert_eq!(single, pmf[3]);
            }
        }
    }
}

/// Heavy buyers (README: x = 132, 133 at t_x = T = 200) keep their digits.
#[test]
#[allow(clippy::excessive_precision)] // 40-digit reference values, as printed
fn pareto_heavy_buyer_pmf_mean() {
    let p = ParetoNbdParams::new(0.55, 10.58, 0.61, 11.67).unwrap();
    for (x, want) in [(132, 6.2060517889629323), (133, 6.2528722475744973)] {
        let h = hist(x, 200.0, 200.0);
        let pmf = p.conditional_pmf(&h, 10.0, 200).unwrap();
        let (sum, mean) = sum_and_mean(&pmf);
        assert!((sum - 1.0).abs() < 1e-10);
        assert!((mean / want - 1.0).abs() < 1e-9, "x={x}: {mean} vs {want}");
    }
}

/// ln of the NBD probability `Γ(r+n)/(Γ(r) n!) (α/(α+t))^r (t/(α+t))^n`.
fn ln_nb(n: u32, r: f64, alpha: f64, t: f64) -> f64 {
    use statrs::function::gamma::ln_gamma;
    let nf = f64::from(n);
    ln_gamma(r + nf) - ln_gamma(r) - ln_gamma(nf + 1.0)
        + r * (alpha / (alpha + t)).ln()
        + nf * (t / (alpha + t)).ln()
}

/// The Pareto/NBD conditional pmf straight from its definition (alive: the
/// NBD over the window times survival, plus the NBD up to the death time
/// integrated against the Pareto death density; by composite Simpson in
/// `u = ln(1 + τ/β')`), mixed with P(alive).
#[test]
fn pareto_pmf_matches_direct_quadrature_of_its_definition() {
    let p = ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908).unwrap();
    for (h, t) in [
        (hist(0, 0.0, 39.0), 39.0),
        (hist(3, 20.0, 38.0), 39.0),
        (hist(10, 36.0, 39.0), 20.0),
    ] {
        let x = f64::from(h.x());
        let (r, al, s, be) = (p.r() + x, p.alpha() + h.age(), p.s(), p.beta() + h.age());
        let alive = p.p_alive(&h).unwrap();
        for n in [0u32, 1, 2, 5, 12] {
            let first = (ln_nb(n, r, al, t) - s * (1.0 + t / be).ln()).exp();
            // ∫_0^t s/β' (1+τ/β')^{−s−1} NB(n; τ) dτ with τ = β'(e^u − 1):
            // dτ = β' e^u du, integrand s e^{−s u} NB(n; τ) du.
            let umax = (1.0 + t / be).ln();
            let m = 20_000;
            let hstep = umax / m as f64;
            let f = |u: f64| {
                let tau = be * u.exp_m1();
                let nb = if tau == 0.0 {
                    if n == 0 { 1.0 } else { 0.0 }
                } else {
                    ln_nb(n, r, al, tau).exp()
                };
                s * (-s * u).exp() * nb
            };
            let mut acc = f(0.0) + f(umax);
            for i in 1..m {
                let w = if i % 2 == 1 { 4.0 } else { 2.0 };
                acc += w * f(i as f64 * hstep);
            }
            let second = acc * hstep / 3.0;
            let want = alive * (first + second) + if n == 0 { 1.0 - alive } else { 0.0 };
            let got = p.conditional_prob_purchases(&h, t, n).unwrap();
            assert!(
                ((got - want) / want).abs() < 1e-9,
                "{h:?} n={n}: {got} vs {want}"
            );
        }
    }
}

/// The README's BG/NBD unconditional figures are the conditional pmf of a
/// customer not yet observed (x = 0, T = 0).
#[test]
fn bgnbd_unobserved_customer_gives_published_unconditional_pmf() {
    let p = BgNbdParams::new(0.243, 4.414, 0.793, 2.426).unwrap();
    let h = hist(0, 0.0, 1e-12);
    let got = p.conditional_prob_purchases(&h, 39.0, 0).unwrap();
    assert!((got / 0.5737863521 - 1.0).abs() < 1e-9);
    let want = [
        0.0019995214,
        0.0015170236,
        0.0011633150,
        0.0009003148,
        0.0007023638,
        0.0005517902,
        0.0004361913,
        0.0003467171,
        0.0002769613,
        0.0002222260,
    ];
    let pmf = p.conditional_pmf(&h, 30.0, 20).unwrap();
    for (n, w) in (11..=20).zip(want) {
        // Printed to 10 decimals: within half a unit of the last digit.
        assert!((pmf[n] - w).abs() <= 5e-11, "n={n}: {} vs {w}", pmf[n]);
    }
}

#[test]
fn bgbb_pmf_sums_to_one_with_the_published_mean() {
    let p = BgBbParams::new(1.2035224, 0.7497164, 0.6567182, 2.783442).unwrap();
    for (x, t_x, want) in [(0, 0, 0.1302180803), (4, 5, 3.627967634)] {
        let h = DiscreteHistory::new(CustomerId::new(1), x, t_x, 6).unwrap();
        let pmf = p.conditional_pmf(&h, 10).unwrap();
        let (sum, mean) = sum_and_mean(&pmf);
        assert!((sum - 1.0).abs() < 1e-12, "sum {sum}");
        assert!((mean / want - 1.0).abs() < 1e-9, "mean {mean} vs {want}");
        assert_eq!(p.conditional_prob_transactions(&h, 10, 11).unwrap(), 0.0);
    }
}

/// BG/BB by brute force: enumerate the posterior over (p, θ) on a fine
/// grid and every death time; the generative story, independent of the
/// beta-binomial algebra.
#[test]
#[allow(clippy::needless_range_loop)] // k is both a count and an index
fn bgbb_pmf_matches_a_grid_posterior() {
    let par = (1.2035224, 0.7497164, 0.6567182, 2.783442);
    let p = BgBbParams::new(par.0, par.1, par.2, par.3).unwrap();
    let (x, t_x, n, horizon) = (2u32, 4u32, 6u32, 5usize);
    let h = DiscreteHistory::new(CustomerId::new(1), x, t_x, n).unwrap();
    // Tanh-sinh nodes on (0, 1): exact enough for the beta weights'
    // endpoint singularities (γ < 1, β < 1).
    let m = 400;
    let hstep = 8.0 / m as f64;
    let half_pi = std::f64::consts::FRAC_PI_2;
    let nodes: Vec<(f64, f64, f64)> = (0..=m)
        .map(|i| {
            let t = -4.0 + i as f64 * hstep;
            let u = half_pi * t.sinh();
            // v in (0, 1) and 1 − v, both without cancellation.
            let v = 1.0 / (1.0 + (-2.0 * u).exp());
            let one_minus = 1.0 / (1.0 + (2.0 * u).exp());
            let w = hstep * half_pi * t.cosh() / (2.0 * u.cosh() * u.cosh());
            (v, one_minus, w)
        })
        .collect();
    let mut joint = vec![0.0; horizon + 1];
    let mut total = 0.0;
    let beta_w = |v: f64, om: f64, a: f64, b: f64| v.powf(a - 1.0) * om.powf(b - 1.0);
    for &(pp, pq, dp) in &nodes {
        for &(th, tq, dth) in &nodes {
            let prior = beta_w(pp, pq, par.0, par.1) * beta_w(th, tq, par.2, par.3) * dp * dth;
            // Likelihood split by death time: alive through n, or dead after t_x + i.
            let (xf, nf, tf) = (f64::from(x), f64::from(n), f64::from(t_x));
            let base = pp.powf(xf) * pq.powf(nf - xf);
            let alive_n = base * tq.powf(nf);
            let mut dead = 0.0;
            for k in 0..(n - t_x) {
                let kf = f64::from(k);
                dead += pp.powf(xf) * pq.powf(tf - xf + kf) * th * tq.powf(tf + kf);
            }
            total += prior * (alive_n + dead);
            joint[0] += prior * dead;
            // Alive at n: the next opportunities, each entered with 1 − θ.
            // Number alive L: P(L = l) = (1−θ)^l θ for l < horizon, (1−θ)^horizon at horizon.
            for l in 0..=horizon {
                let pl = if l < horizon {
                    tq.powi(l as i32) * th
                } else {
                    tq.powi(horizon as i32)
                };
                for k in 0..=l {
                    let c = (1..=k).fold(1.0, |acc, i| acc * (l - k + i) as f64 / i as f64);
                    joint[k] +=
                        prior * alive_n * pl * c * pp.powi(k as i32) * pq.powi((l - k) as i32);
                }
            }
        }
    }
    let pmf = p.conditional_pmf(&h, horizon as u32).unwrap();
    for k in 0..=horizon {
        let want = joint[k] / total;
        assert!((pmf[k] - want).abs() < 1e-10, "k={k}: {} vs {want}", pmf[k]);
    }
}

#[test]
fn dect_is_the_expectation_undiscounted_and_dert_over_a_long_window() {
    let p = ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908).unwrap();
    let delta = 0.15_f64.ln_1p() / 52.0;
    for h in [
        hist(0, 0.0, 39.0),
        hist(4, 30.0, 39.0),
        hist(26, 30.85714, 31.0),
    ] {
        let e = p.expected_purchases(&h, 52.0).unwrap();
        let d0 = p.dect(&h, 52.0, 0.0).unwrap();
        assert!((d0 / e - 1.0).abs() < 1e-9, "{d0} vs {e}");
        let long = p.dect(&h, 1.0e5, delta).unwrap();
        let dert = p.dert(&h, delta).unwrap();
        assert!((long / dert - 1.0).abs() < 1e-8, "{long} vs {dert}");
        let d = p.dect(&h, 52.0, delta).unwrap();
        assert!(d < d0 && d > 0.0);
    }
    assert!(p.dect(&hist(1, 1.0, 2.0), 10.0, -0.1).is_err());
    assert_eq!(p.dect(&hist(1, 1.0, 2.0), 0.0, 0.1).unwrap(), 0.0);
}

/// The individual Pareto/NBD likelihood of (λ, μ).
fn pareto_lik(lam: f64, mu: f64, x: f64, t_x: f64, big_t: f64) -> f64 {
    let s = lam + mu;
    let alive = (x * lam.ln() - s * big_t).exp();
    let dead = (x * lam.ln()).exp() * mu / s * ((-s * t_x).exp() - (-s * big_t).exp());
    alive + dead
}

#[test]
fn posterior_means_match_numerical_integration() {
    let p = ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908).unwrap();
    let (r, al, s, be) = (p.r(), p.alpha(), p.s(), p.beta());
    for h in [hist(0, 0.0, 39.0), hist(3, 12.0, 38.0), hist(8, 35.0, 39.0)] {
        let (x, tx, tt) = (f64::from(h.x()), h.t_x(), h.age());
        // Integrate in u = ln λ, v = ln μ over a wide box (trapezoid: the
        // integrand decays exponentially at both ends).
        let m = 1200;
        let (lo, hi) = (-45.0, 4.0);
        let step = (hi - lo) / m as f64;
        let (mut z, mut zl, mut zm) = (0.0, 0.0, 0.0);
        for i in 0..=m {
            let u = lo + i as f64 * step;
            let lam = u.exp();
            let wl = (r * u - al * lam).exp();
            for j in 0..=m {
                let v = lo + j as f64 * step;
                let mu = v.exp();
                let wm = (s * v - be * mu).exp();
                let w = wl * wm * pareto_lik(lam, mu, x, tx, tt);
                z += w;
                zl += w * lam;
                zm += w * mu;
            }
        }
        let (el, em) = (zl / z, zm / z);
        let gl = p.posterior_mean_lambda(&h).unwrap();
        let gm = p.posterior_mean_mu(&h).unwrap();
        assert!(
            (gl / el - 1.0).abs() < 1e-7,
            "{h:?}: E[lambda] {gl} vs {el}"
        );
        assert!((gm / em - 1.0).abs() < 1e-7, "{h:?}: E[mu] {gm} vs {em}");
    }
}

fn history_strategy() -> impl Strategy<Value = CustomerHistory> {
    // t_x stays positive for x > 0 (also while shrinking).
    (0u32..40, 1e-3f64..1.0, 0.5f64..80.0).prop_map(|(x, frac, age)| {
        let t_x = if x == 0 { 0.0 } else { frac * age };
        CustomerHistory::new(CustomerId::new(1), x, t_x, age).unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(60))]

    #[test]
    fn pmf_is_a_distribution_with_the_conditional_mean(
        which in 0usize..3,
        r in 0.05f64..5.0, alpha in 0.5f64..50.0, a in 0.05f64..5.0, b in 0.05f64..20.0,
        h in history_strategy(),
        t in 0.5f64..60.0,
    ) {
        let model: PurchaseModel = match which {
            0 => BgNbdParams::new(r, alpha, a, b).unwrap().into(),
            1 => MbgNbdParams::new(r, alpha, a, b).unwrap().into(),
            _ => ParetoNbdParams::new(r, alpha, a, b).unwrap().into(),
        };
        let want = model.expected_purchases(&h, t).unwrap();
        // Enough terms for the tail: far beyond the mean of a customer
        // alive at T (an unlikely survivor can be a heavy buyer, so the
        // unconditional mean understates the tail).
        let alive = model.p_alive(&h).unwrap().max(1e-300);
        let n_max = (40.0 * (want / alive + 1.0) + 400.0).min(100_000.0) as u32;
        let pmf = model.conditional_pmf(&h, t, n_max).unwrap();
        prop_assert!(pmf.iter().all(|p| (0.0..=1.0).contains(p)));
        let (sum, mean) = sum_and_mean(&pmf);
        prop_assert!((sum - 1.0).abs() < 1e-10, "sum {}", sum);
        prop_assert!((mean - want).abs() <= 1e-9 * want.max(1e-3), "mean {} vs {}", mean, want);
    }

    #[test]
    fn bgbb_pmf_is_a_distribution_with_the_conditional_mean(
        al in 0.1f64..5.0, be in 0.1f64..5.0, ga in 0.1f64..5.0, de in 0.1f64..5.0,
        n in 1u32..20, xf in 0.0f64..1.0, tf in 0.0f64..1.0, horizon in 1u32..30,
    ) {
        let x = (xf * f64::from(n)).round() as u32;
        let t_x = if x == 0 { 0 } else { x.max((tf * f64::from(n)).round() as u32).min(n) };
        let h = DiscreteHistory::new(CustomerId::new(1), x, t_x, n).unwrap();
        let p = BgBbParams::new(al, be, ga, de).unwrap();
        let pmf = p.conditional_pmf(&h, horizon).unwrap();
        prop_assert!(pmf.iter().all(|q| (0.0..=1.0).contains(q)));
        let (sum, mean) = sum_and_mean(&pmf);
        let want = p.expected_transactions(&h, horizon).unwrap();
        prop_assert!((sum - 1.0).abs() < 1e-10, "sum {}", sum);
        prop_assert!((mean - want).abs() <= 1e-9 * want.max(1e-3), "mean {} vs {}", mean, want);
    }
}

/// BG/NBD by brute force: the posterior over (λ, p) on a grid (log grid in
/// λ, tanh-sinh in p) from the individual likelihood of FHL 2005a, and the
/// count of a live customer given (λ, p): `e^{−λt}` for 0, else
/// `(1−p)^{n−1}·[p·P(Poisson(λt) ≥ n) + (1−p)·P(Poisson(λt) = n)]`. Checks
/// the conjugate update `(r+x, α+T, a, b+x)` itself, not only its mean.
#[test]
fn bgnbd_pmf_matches_a_grid_posterior() {
    let (r, alpha, a, b) = (0.242593, 4.413532, 0.792886, 2.425754);
    let p = BgNbdParams::new(r, alpha, a, b).unwrap();
    let (x, t_x, big_t, t) = (3u32, 20.0, 39.0, 30.0);
    let h = hist(x, t_x, big_t);
    let xf = f64::from(x);
    let m = 400;
    let hstep = 8.0 / m as f64;
    let half_pi = std::f64::consts::FRAC_PI_2;
    let p_nodes: Vec<(f64, f64, f64)> = (0..=m)
        .map(|i| {
            let s = -4.0 + i as f64 * hstep;
            let u = half_pi * s.sinh();
            let v = 1.0 / (1.0 + (-2.0 * u).exp());
            let om = 1.0 / (1.0 + (2.0 * u).exp());
            (
                v,
                om,
                hstep * half_pi * s.cosh() / (2.0 * u.cosh() * u.cosh()),
            )
        })
        .collect();
    // λ = e^u, u in [−40, 3]: weight λ^r e^{−αλ} du (the gamma density times λ).
    let ml = 3000;
    let (lo, hi) = (-40.0, 3.0);
    let du = (hi - lo) / ml as f64;
    let n_max = 6usize;
    let mut joint = vec![0.0; n_max + 1];
    let mut total = 0.0;
    for i in 0..=ml {
        let u = lo + i as f64 * du;
        let lam = u.exp();
        let w_lam = (r * u - alpha * lam).exp() * du;
        let lt = lam * t;
        let pois: Vec<f64> = (0..=n_max)
            .scan(1.0f64, |acc, j| {
                if j > 0 {
                    *acc *= lt / j as f64;
                }
                Some(*acc * (-lt).exp())
            })
            .collect();
        let lik_lam = (xf * u - lam * big_t).exp();
        let lik_dead_lam = (xf * u - lam * t_x).exp();
        for &(pp, pq, dp) in &p_nodes {
            let prior = w_lam * pp.powf(a - 1.0) * pq.powf(b - 1.0) * dp;
            let alive = pq.powf(xf) * lik_lam;
            let dead = pp * pq.powf(xf - 1.0) * lik_dead_lam;
            total += prior * (alive + dead);
            joint[0] += prior * (dead + alive * pois[0]);
            let mut head = pois[0];
            for n in 1..=n_max {
                let tail = (1.0 - head).max(0.0);
                joint[n] += prior * alive * pq.powi(n as i32 - 1) * (pp * tail + pq * pois[n]);
                head += pois[n];
            }
        }
    }
    let pmf = p.conditional_pmf(&h, t, n_max as u32).unwrap();
    for (n, got) in pmf.iter().enumerate() {
        let want = joint[n] / total;
        assert!((got - want).abs() < 1e-8, "n={n}: {got} vs {want}");
    }
}
