//! MBG/NBD (Batislam, Denizel & Filiztekin 2007; FORMULAS.md 8.2): the
//! CDNOW fit and the data README's figures, regression cases, properties,
//! and parameter recovery from simulated BG/NBD and MBG/NBD populations.

use std::path::Path;

use customer_value::btyd::{
    BgNbd, BgNbdParams, CustomerHistory, MbgNbd, MbgNbdParams, MbgNbdPredictor, simulate_bgnbd,
    simulate_mbgnbd,
};
use customer_value::{CustomerId, Fit, Scorer};
use proptest::prelude::*;

fn rel(a: f64, b: f64) -> f64 {
    ((a - b) / b).abs()
}

fn hist(x: u32, t_x: f64, age: f64) -> CustomerHistory {
    CustomerHistory::new(CustomerId::new(1), x, t_x, age).unwrap()
}

/// `cdnow_customers_summary.csv`: `ID,frequency,recency,T` in weeks.
fn cdnow(dir: &Path) -> Vec<CustomerHistory> {
    let text = std::fs::read_to_string(dir.join("cdnow/cdnow_customers_summary.csv")).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            CustomerHistory::new(
                CustomerId::new(f[0].parse().unwrap()),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
            )
            .unwrap()
        })
        .collect()
}

/// The data README's MBG/NBD parameters (its rounding of the MLE).
fn printed() -> MbgNbdParams {
    MbgNbdParams::new(0.524838, 6.182992, 0.891356, 1.614).unwrap()
}

#[test]
fn cdnow_fit_reproduces_the_mle() {
    let Some(dir) = crate::support::data_dir() else {
        return;
    };
    let population = cdnow(&dir);
    assert_eq!(population.len(), 2357);
    let fit = MbgNbd::new().fit_detailed(&population).unwrap();
    let p = fit.params();
    // FORMULAS.md 8.9, 7 significant digits.
    for (got, want) in [
        (p.r(), 0.5248380),
        (p.alpha(), 6.182992),
        (p.a(), 0.8913561),
        (p.b(), 1.613999),
    ] {
        assert!(rel(got, want) < 1e-5, "{got} vs {want}");
    }
    assert!(
        (fit.log_likelihood() - -9582.132685).abs() < 1e-4,
        "{}",
        fit.log_likelihood()
    );
    assert_eq!(fit.customers(), 2357.0);
    assert_eq!(fit.rows(), 1016); // FORMULAS.md 8.8
    // The data README's rounding: 0.524838 / 6.182992 / 0.891356 / 1.614.
    assert!(rel(p.b(), 1.614) < 1e-6);
    let se = fit.std_errors().unwrap();
    assert!(se.iter().all(|s| s.is_finite() && *s > 0.0), "{se:?}");
    // The reported LL is the sum of the per-customer log-likelihoods
    // (compression and time scaling change nothing).
    let total: f64 = population.iter().map(|h| p.log_likelihood(h)).sum();
    assert!(rel(total, fit.log_likelihood()) < 1e-10, "{total}");
    // The Fit trait returns the same parameters.
    assert_eq!(MbgNbd::new().fit(&population).unwrap(), *p);
    // MBG/NBD fits CDNOW slightly better than BG/NBD (FORMULAS.md 8.9).
    let bg = BgNbd::new().fit_detailed(&population).unwrap();
    assert!(fit.log_likelihood() > bg.log_likelihood());
}

#[test]
fn cdnow_weights_equal_duplicates() {
    let Some(dir) = crate::support::data_dir() else {
        return;
    };
    let population = cdnow(&dir);
    let twice: Vec<CustomerHistory> = population.iter().chain(&population).copied().collect();
    let a = MbgNbd::new().fit_detailed(&twice).unwrap();
    let b = MbgNbd::new()
        .fit_weighted(&population, &vec![2.0; population.len()])
        .unwrap();
    assert_eq!(a.rows(), b.rows());
    assert!(rel(a.log_likelihood(), b.log_likelihood()) < 1e-12);
    assert!(rel(a.log_likelihood(), 2.0 * -9582.132685) < 1e-8);
    assert!(rel(a.params().r(), b.params().r()) < 1e-6);
}

#[test]
fn readme_figures_at_the_printed_parameters() {
    // /work/shared/data/README.md, MBG/NBD; FORMULAS.md 8.9.
    let p = printed();
    let none = hist(0, 0.0, 39.0);
    assert!(rel(p.p_alive(&none), 0.3893291388) < 1e-9);
    assert!(p.p_alive(&none) < 1.0);
    assert!(rel(p.expected_purchases_new(52.0).unwrap(), 1.418890029) < 1e-9);
    let c = hist(26, 30.85714, 31.0);
    assert!(rel(p.expected_purchases(&c, 52.0).unwrap(), 23.99826456) < 1e-9);
    // FORMULAS.md 8.9 only.
    assert!(rel(p.log_likelihood(&none), -0.5402450667) < 1e-9);
    for (n, want) in [(0, 0.5826054577), (1, 0.1827634039), (2, 0.0868706162)] {
        assert!(rel(p.prob_purchases(39.0, n).unwrap(), want) < 1e-9, "{n}");
    }
    // The predictor gives the same numbers.
    let predictor = MbgNbdPredictor::new(p, 52.0).unwrap();
    let scores = predictor.score_all(&[none, c]).unwrap();
    assert!(rel(scores[0].p_alive(), 0.3893291388) < 1e-9);
    assert!(rel(scores[1].expected_purchases(), 23.99826456) < 1e-9);
    // The parameters as a Scorer give P(alive).
    assert_eq!(p.score(&none).unwrap(), p.p_alive(&none));
}

#[test]
fn heavy_buyers_and_extreme_histories() {
    let p = printed();
    for &(x, t_x, age) in &[
        (5000, 90.0, 100.0),
        (1000, 10.0, 100.0),
        (100_000, 99.0, 100.0),
        (1_000_000, 100.0, 100.0),
        (1, 1e-9, 1e6),
    ] {
        let h = hist(x, t_x, age);
        let ll = p.log_likelihood(&h);
        assert!(ll.is_finite(), "{x}: {ll}");
        assert!(p.log_likelihood_gradient(&h).iter().all(|g| g.is_finite()));
        let pa = p.p_alive(&h);
        assert!((0.0..=1.0).contains(&pa), "{x}: {pa}");
        let e = p.expected_purchases(&h, 52.0).unwrap();
        assert!(e.is_finite() && e >= 0.0, "{x}: {e}");
    }
    // True value ~1e-858: 0.0, not NaN; and nothing expected from it.
    assert_eq!(p.p_alive(&hist(1000, 10.0, 100.0)), 0.0);
    // At t_x = T the customer may still have died after the last purchase.
    let pa = p.p_alive(&hist(1_000_000, 100.0, 100.0));
    assert!(pa < 1.0 && pa > 0.999_99);
    // A heavy buyer's expectation tracks the posterior rate.
    let e = p.expected_purchases(&hist(500, 39.0, 39.0), 1.0).unwrap();
    assert!(e > 10.0 && e < 13.5, "{e}");
}

#[test]
fn predictor_on_cdnow() {
    let Some(dir) = crate::support::data_dir() else {
        return;
    };
    let population = cdnow(&dir);
    let predictor = MbgNbdPredictor::new(printed(), 39.0).unwrap();
    let scores = predictor.score_keyed(&population).unwrap();
    for (h, s) in population.iter().zip(&scores) {
        assert_eq!(s.customer, h.customer());
        assert!((0.0..=1.0).contains(&s.score.p_alive()));
        assert!(s.score.expected_purchases() >= 0.0);
        if h.x() == 0 {
            assert!(s.score.p_alive() < 1.0);
        }
    }
    // Holdout total over 39 weeks is of the order of the calibration one.
    let total: f64 = scores.iter().map(|s| s.score.expected_purchases()).sum();
    assert!(total > 1000.0 && total < 2000.0, "{total}");
}

/// `n` ages in whole days between 27 and 39 weeks, like CDNOW's.
fn ages(n: usize) -> Vec<f64> {
    (0..n).map(|i| 27.0 + (i % 85) as f64 / 7.0).collect()
}

/// Simulated customers per recovery fit (T in whole days from 27 to 39
/// weeks; seeds 0, 1, 2). A fit on them takes well under a second in a
/// debug build.
const RECOVERY_SIZE: usize = 50_000;

fn within_4_se(what: &str, got: [f64; 4], truth: [f64; 4], se: [f64; 4]) {
    for i in 0..4 {
        let z = (got[i] - truth[i]) / se[i];
        assert!(
            z.abs() < 4.0,
            "{what} parameter {i}: {} vs truth {} (se {}, z {z})",
            got[i],
            truth[i],
            se[i]
        );
    }
}

#[test]
fn bgnbd_parameters_are_recovered_from_simulated_data() {
    let truth = [0.2425929, 4.413531, 0.7928862, 2.425753];
    let params = BgNbdParams::new(truth[0], truth[1], truth[2], truth[3]).unwrap();
    for seed in 0..3 {
        let population = simulate_bgnbd(&params, &ages(RECOVERY_SIZE), seed).unwrap();
        let fit = BgNbd::new().fit_detailed(&population).unwrap();
        let p = fit.params();
        within_4_se(
            "BG/NBD",
            [p.r(), p.alpha(), p.a(), p.b()],
            truth,
            fit.std_errors().unwrap(),
        );
    }
}

#[test]
fn mbgnbd_parameters_are_recovered_from_simulated_data() {
    let truth = [0.5248380, 6.182992, 0.8913561, 1.613999];
    let params = MbgNbdParams::new(truth[0], truth[1], truth[2], truth[3]).unwrap();
    for seed in 0..3 {
        let population = simulate_mbgnbd(&params, &ages(RECOVERY_SIZE), seed).unwrap();
        let fit = MbgNbd::new().fit_detailed(&population).unwrap();
        let p = fit.params();
        within_4_se(
            "MBG/NBD",
            [p.r(), p.alpha(), p.a(), p.b()],
            truth,
            fit.std_errors().unwrap(),
        );
    }
}

/// Base 626 of the interval coverage runs: 2,000 customers simulated from
/// MBG/NBD itself (r = 0.243, α = 4.41, a = 0.793, b = 2.43, ages 27 to 39
/// weeks, seed 2626). Its maximum is interior, but the fit's objective (the
/// log-likelihood of the time-scaled data, shifted by `ln c · Σx`) is
/// about 2 there while its rounding is that of a log-likelihood of about
/// −7,194: the optimiser met neither stop rule, took a null step
/// 550 times over and spent its whole budget of 20,000 evaluations
/// ("did not converge", 1.4 s in an optimised build). Now it is an
/// interior answer, within 1 s, as good as the best of random starts of a
/// derivative-free search on the public per-customer log-likelihood, and
/// a local maximum of it.
#[test]
fn simulated_base_626_converges_inside() {
    let truth = MbgNbdParams::new(0.243, 4.41, 0.793, 2.43).unwrap();
    let ages: Vec<f64> = (0..2000).map(|i| 27.0 + (i % 13) as f64).collect();
    let population = simulate_mbgnbd(&truth, &ages, 2626).unwrap();
    let started = std::time::Instant::now();
    let fit = MbgNbd::new().fit_detailed(&population).unwrap();
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_secs(1), "took {took:?}");
    assert!(fit.status().is_interior(), "{:?}", fit.status());
    assert!(fit.std_errors().is_some());

    // The independent objective: the public per-customer log-likelihood,
    // summed over the distinct histories with their counts.
    let mut groups: Vec<(CustomerHistory, f64)> = Vec::new();
    let mut sorted = population.clone();
    sorted.sort_by(|p, q| {
        (p.x(), p.t_x(), p.age())
            .partial_cmp(&(q.x(), q.t_x(), q.age()))
            .unwrap()
    });
    for h in sorted {
        match groups.last_mut() {
            Some((g, n)) if (g.x(), g.t_x(), g.age()) == (h.x(), h.t_x(), h.age()) => *n += 1.0,
            _ => groups.push((h, 1.0)),
        }
    }
    let ll = |theta: &[f64; 4]| {
        let [r, alpha, a, b] = theta.map(f64::exp);
        match MbgNbdParams::new(r, alpha, a, b) {
            Ok(p) => groups
                .iter()
                .map(|(h, n)| n * p.log_likelihood(h))
                .sum::<f64>(),
            Err(_) => f64::NEG_INFINITY,
        }
    };
    let p = fit.params();
    let theta = [p.r(), p.alpha(), p.a(), p.b()].map(f64::ln);
    let at_fit = ll(&theta);
    let scale = at_fit.abs();
    assert!(
        rel(fit.log_likelihood(), at_fit) < 1e-9,
        "{} vs {at_fit}",
        fit.log_likelihood()
    );
    // A local maximum: no neighbour 1e-4 away in a log-parameter is higher.
    for i in 0..4 {
        for step in [1e-4, -1e-4] {
            let mut t = theta;
            t[i] += step;
            assert!(ll(&t) <= at_fit + 1e-9 * scale, "parameter {i}, {step}");
        }
    }
    // Hooke–Jeeves pattern searches in [-6, 6]^4 of the log-parameters
    // from seeded random starts (SplitMix64): none ends higher.
    let mut state = 626_u64;
    let mut uniform = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    for _ in 0..4 {
        let mut x: [f64; 4] = std::array::from_fn(|_| 6.0 * uniform() - 3.0);
        let mut fx = ll(&x);
        let mut step = 1.0;
        let mut used = 0;
        while step > 1e-4 && used < 600 {
            let mut improved = false;
            for i in 0..4 {
                for s in [step, -step] {
                    let mut y = x;
                    y[i] = (y[i] + s).clamp(-6.0, 6.0);
                    let fy = ll(&y);
                    used += 1;
                    if fy > fx {
                        (x, fx, improved) = (y, fy, true);
                        break;
                    }
                }
            }
            if !improved {
                step *= 0.5;
            }
        }
        assert!(
            fit.log_likelihood() >= fx - 1e-6 * scale,
            "the search from a random start reached {fx} at {:?}",
            x.map(f64::exp)
        );
    }
}

fn params_strategy() -> impl Strategy<Value = MbgNbdParams> {
    (0.05..5.0f64, 0.1..20.0f64, 0.05..5.0f64, 0.05..10.0f64)
        .prop_map(|(r, al, a, b)| MbgNbdParams::new(r, al, a, b).unwrap())
}

fn history_strategy() -> impl Strategy<Value = CustomerHistory> {
    (0u32..300, 0.001..1.0f64, 0.5..100.0f64).prop_map(|(x, frac, age)| {
        let t_x = if x == 0 { 0.0 } else { frac * age };
        hist(x, t_x, age)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn gradient_is_the_central_difference(p in params_strategy(), h in history_strategy()) {
        let g = p.log_likelihood_gradient(&h);
        let step = 1e-6;
        let nat = [p.r(), p.alpha(), p.a(), p.b()];
        for i in 0..4 {
            let (mut up, mut down) = (nat, nat);
            up[i] *= f64::exp(step);
            down[i] *= f64::exp(-step);
            let pu = MbgNbdParams::new(up[0], up[1], up[2], up[3]).unwrap();
            let pd = MbgNbdParams::new(down[0], down[1], down[2], down[3]).unwrap();
            let fd = (pu.log_likelihood(&h) - pd.log_likelihood(&h)) / (2.0 * step);
            let tol = 1e-5 * (1.0 + g[i].abs() + 1e-3 * p.log_likelihood(&h).abs());
            prop_assert!((fd - g[i]).abs() < tol, "{}: fd {} vs {}", i, fd, g[i]);
        }
    }

    #[test]
    fn probabilities_and_expectations_are_in_range(
        p in params_strategy(),
        h in history_strategy(),
        t in 0.0..100.0f64,
        n in 0u32..50,
    ) {
        let pa = p.p_alive(&h);
        prop_assert!((0.0..1.0).contains(&pa), "{}", pa);
        let e = p.expected_purchases(&h, t).unwrap();
        prop_assert!(e.is_finite() && e >= 0.0);
        let e0 = p.expected_purchases_new(t).unwrap();
        prop_assert!(e0.is_finite() && e0 >= 0.0);
        let q = p.prob_purchases(t, n).unwrap();
        prop_assert!((0.0..=1.0).contains(&q));
        prop_assert!(p.log_likelihood(&h).is_finite());
    }
}
