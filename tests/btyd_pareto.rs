//! Pareto/NBD (FORMULAS.md 8.3, 8.8, 8.9) and Gauss 2F1 (8.7): the CDNOW
//! fit, every Pareto/NBD figure of the data README at the parameters that
//! produce it, the DERT × spend example of 8.6, heavy-buyer regressions
//! and property tests (gradient = central difference, probabilities in
//! [0, 1], expectations ≥ 0; compression is checked on CDNOW).

// Reference values keep all the digits their source printed.
#![allow(clippy::excessive_precision)]

use customer_value::btyd::{
    CustomerHistory, ParetoNbd, ParetoNbdParams, ParetoNbdPredictor, hyp2f1,
};
use customer_value::{CustomerId, Error, Fit, Scorer};
use proptest::prelude::*;

fn hist(x: u32, t_x: f64, age: f64) -> CustomerHistory {
    CustomerHistory::new(CustomerId::new(1), x, t_x, age).unwrap()
}

fn rel(a: f64, b: f64) -> f64 {
    ((a - b) / b).abs()
}

/// The README's "printed" MLE (data README, Pareto/NBD).
fn printed() -> ParetoNbdParams {
    ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908).unwrap()
}

/// `cdnow_customers_summary.csv` as histories.
fn cdnow() -> Option<Vec<CustomerHistory>> {
    let dir = crate::support::data_dir()?;
    let text = std::fs::read_to_string(dir.join("cdnow/cdnow_customers_summary.csv")).unwrap();
    Some(
        text.lines()
            .skip(1)
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
            .collect(),
    )
}

#[test]
fn cdnow_fit_reproduces_the_mle() {
    let Some(hs) = cdnow() else { return };
    assert_eq!(hs.len(), 2357);
    let fit = ParetoNbd::new().fit_detailed(&hs).unwrap();
    assert_eq!(fit.rows(), 1016);
    assert_eq!(fit.customers(), 2357.0);
    let p = fit.params();
    // FORMULAS.md 8.9: r 0.5532755, α 10.57761, s 0.6062136, β 11.66791.
    for (got, want) in [
        (p.r(), 0.5532755),
        (p.alpha(), 10.57761),
        (p.s(), 0.6062136),
        (p.beta(), 11.66791),
    ] {
        assert!(rel(got, want) < 1e-4, "{got} vs {want}");
    }
    assert!(
        (fit.log_likelihood() - -9594.973930).abs() < 1e-3,
        "{}",
        fit.log_likelihood()
    );
    // β is flat: SE about 6 (data README).
    let se = fit.std_errors().expect("positive definite Hessian");
    assert!(se[3] > 4.0 && se[3] < 8.0, "{se:?}");
    assert!(se.iter().all(|v| *v > 0.0));
    // The `Fit` trait gives the same parameters.
    assert_eq!(ParetoNbd::new().fit(&hs).unwrap(), *p);
    // Summing the per-customer log-likelihoods gives the fit's.
    let total: f64 = hs.iter().map(|h| p.log_likelihood(h).unwrap()).sum();
    assert!((total - fit.log_likelihood()).abs() < 1e-6);
}

#[test]
fn cdnow_weighted_fit_equals_the_plain_fit() {
    let Some(hs) = cdnow() else { return };
    // Every customer twice at weight ½: the same rows and likelihood.
    let mut dup = hs.clone();
    dup.extend_from_slice(&hs);
    let weights = vec![0.5; dup.len()];
    let a = ParetoNbd::new().fit_detailed(&hs).unwrap();
    let b = ParetoNbd::new().fit_weighted(&dup, &weights).unwrap();
    assert_eq!(b.rows(), a.rows());
    assert!((a.log_likelihood() - b.log_likelihood()).abs() < 1e-9);
}

#[test]
fn readme_predictions_at_the_printed_mle() {
    let p = printed();
    // E[X(52)] for a new customer.
    assert!(rel(p.expected_purchases_new(52.0).unwrap(), 1.473440871) < 1e-6);
    // Customer x = 26, t_x = 30.85714, T = 31.
    let c = hist(26, 30.85714, 31.0);
    assert!(rel(p.expected_purchases(&c, 52.0).unwrap(), 25.45541697) < 1e-6);
    assert!(rel(p.p_alive(&c).unwrap(), 0.9978734133) < 1e-6);
    // t_x = 20, T = 39, horizon 52.
    for (x, want) in [
        (10, 0.7059069110),
        (15, 0.1441540725),
        (20, 0.02249056648),
        (25, 0.003090110583),
    ] {
        let got = p.expected_purchases(&hist(x, 20.0, 39.0), 52.0).unwrap();
        assert!(rel(got, want) < 1e-6, "x = {x}: {got}");
    }
    // x = 0, T = 39 (FORMULAS.md 8.9 also gives ℓ).
    let new = hist(0, 0.0, 39.0);
    assert!(rel(p.p_alive(&new).unwrap(), 0.2942780277) < 1e-6);
    assert!(rel(p.log_likelihood(&new).unwrap(), -0.5216626139) < 1e-6);
    // Purchase probabilities (FORMULAS.md 8.9).
    for (n, want) in [
        (0, 0.5935329111),
        (1, 0.1655847606),
        (5, 0.0214918762),
        (20, 2.580128071e-4),
    ] {
        assert!(rel(p.prob_purchases(39.0, n).unwrap(), want) < 1e-6, "{n}");
    }
    // The closed form of FH note 028 is 18 % off here (FORMULAS.md 8.3).
    assert!(rel(p.prob_purchases(2.0, 20).unwrap(), 1.4376390e-17) < 1e-6);
    // Scorer = P(alive).
    assert_eq!(p.score(&c).unwrap(), p.p_alive(&c).unwrap());
}

#[test]
fn readme_published_walkthrough_figures() {
    // E[X(t)], t = 0..9 weeks: exact at (0.55, 10.56, 0.61, 11.64), printed
    // to 8 decimals.
    let p = ParetoNbdParams::new(0.55, 10.56, 0.61, 11.64).unwrap();
    let want = [
        0.0, 0.05077821, 0.09916088, 0.14542507, 0.18979930, 0.23247466, 0.27361274, 0.31335159,
        0.35181024, 0.38909211,
    ];
    for (t, w) in want.iter().enumerate() {
        let got = p.expected_purchases_new(t as f64).unwrap();
        assert!((got - w).abs() < 5.1e-9, "t = {t}: {got}");
    }
    // The BTYD walkthrough's own estimate, rounded: agreement to ~1e-4
    // only (FORMULAS.md 8.9).
    let p = ParetoNbdParams::new(0.553, 10.580, 0.606, 11.656).unwrap();
    let c = hist(26, 30.85714, 31.0);
    assert!(rel(p.expected_purchases(&c, 52.0).unwrap(), 25.46) < 1e-3);
    assert!(rel(p.p_alive(&c).unwrap(), 0.9979) < 1e-3);
    for (x, want) in [
        (10, 0.7062289),
        (15, 0.1442396),
        (20, 0.02250658),
        (25, 0.00309267),
    ] {
        let got = p.expected_purchases(&hist(x, 20.0, 39.0), 52.0).unwrap();
        assert!(rel(got, want) < 1e-3, "x = {x}: {got}");
    }
}

#[test]
fn dert_and_the_dert_times_spend_example() {
    // FORMULAS.md 8.6: customer (2, 30.43, 38.86) at the CDNOW MLE,
    // δ = ln(1.15)/52; DERT = 6.5002032 and, with m̂ = 24.658616 from
    // Gamma-Gamma, CLV = 160.28602.
    let delta = 1.15f64.ln() / 52.0;
    let c = hist(2, 30.43, 38.86);
    let dert = printed().dert(&c, delta).unwrap();
    assert!(rel(dert, 6.5002032) < 1e-7, "{dert}");
    assert!(rel(dert * 24.658616, 160.28602) < 1e-7);
    // FORMULAS.md 8.9's other DERT figures.
    for (h, want) in [
        (hist(0, 0.0, 39.0), 0.4760945286),
        (hist(2, 30.43, 38.86), 6.500203199),
        (hist(26, 30.85714, 31.0), 86.26042738),
    ] {
        assert!(rel(printed().dert(&h, delta).unwrap(), want) < 1e-6);
    }
    // Through the predictor, the same numbers.
    let pred = ParetoNbdPredictor::new(printed(), 52.0)
        .unwrap()
        .with_discount_rate(delta)
        .unwrap();
    let s = pred.score(&c).unwrap();
    assert_eq!(s.dert(), Some(dert));
    assert_eq!(
        ParetoNbdPredictor::new(printed(), 52.0)
            .unwrap()
            .score(&c)
            .unwrap()
            .dert(),
        None
    );
}

#[test]
fn heavy_buyer_regressions() {
    // Data README: t = 10, t_x = T = 200, 40-digit values; test at 1e-12.
    let p = ParetoNbdParams::new(0.55, 10.58, 0.61, 11.67).unwrap();
    for (x, want) in [(132, 6.2060517889629323), (133, 6.2528722475744973)] {
        let h = hist(x, 200.0, 200.0);
        assert_eq!(p.p_alive(&h).unwrap(), 1.0);
        let got = p.expected_purchases(&h, 10.0).unwrap();
        assert!(rel(got, want) < 1e-12, "x = {x}: {got}");
    }
    // FORMULAS.md 8.9 edge case.
    let ll = printed().log_likelihood(&hist(1000, 10.0, 100.0)).unwrap();
    assert!(rel(ll, 2876.159769) < 1e-9, "{ll}");
    // Both branches of A0 with heavy buyers: finite ℓ, P(alive) in [0, 1].
    for par in [
        [0.55, 10.58, 0.61, 11.67],
        [2.0, 0.5, 1.5, 40.0],
        [0.55, 50.0, 0.61, 0.01],
        [0.3, 0.05, 0.2, 30.0],
    ] {
        let p = ParetoNbdParams::new(par[0], par[1], par[2], par[3]).unwrap();
        for &(x, t_x, age) in &[
            (132, 200.0, 200.0),
            (132, 10.0, 200.0),
            (1000, 10.0, 100.0),
            (5000, 99.0, 100.0),
            (1000, 99.99, 100.0),
            (0, 0.0, 100.0),
            (1, 1e-6, 100.0),
        ] {
            let h = hist(x, t_x, age);
            let ll = p.log_likelihood(&h).unwrap();
            assert!(ll.is_finite(), "{par:?} {x} {t_x} {age}: {ll}");
            let pa = p.p_alive(&h).unwrap();
            assert!((0.0..=1.0).contains(&pa), "{par:?} {x}: {pa}");
            let e = p.expected_purchases(&h, 52.0).unwrap();
            assert!(e.is_finite() && e >= 0.0);
            assert!(p.log_likelihood_gradient(&h).is_ok());
        }
    }
    // α and β six orders of magnitude apart at y = 0: the series would need
    // more than 10⁶ terms; the split form answers (40-digit mpmath values,
    // benches/peers/pareto_k_reference.py).
    let far = ParetoNbdParams::new(0.3, 1e-3, 0.2, 1e3).unwrap();
    for (x, t_x, want) in [
        (0, 0.0, -3.4455552295199885077),
        (4, 30.0, -20.540730042880116175),
    ] {
        let ll = far.log_likelihood(&hist(x, t_x, 100.0)).unwrap();
        assert!(
            (ll - want).abs() < 1e-11 * want.abs(),
            "{x}: {ll} vs {want}"
        );
    }
}

#[test]
fn hyp2f1_reference_rows_reached_by_the_models() {
    // FORMULAS.md 8.7 rows 6-8, where scipy returns NaN.
    for (a, b, c, z, want) in [
        (
            135.5,
            134.0,
            136.5,
            0.9875,
            1.31508289915901227859212604869e+253,
        ),
        (1.0, 2.5, 136.5, 0.9875, 1.01855588052747717859032198181),
        (
            1001.16,
            1.61,
            1002.16,
            0.9998,
            163307.606262480231076371658725,
        ),
    ] {
        assert!(rel(hyp2f1(a, b, c, z).unwrap(), want) < 1e-12);
    }
    assert!(matches!(
        hyp2f1(1.0, 1.0, 2.0, 1.0 - 1e-9),
        Err(Error::InvalidValue { .. })
    ));
}

#[test]
fn bulk_scores_equal_single_scores() {
    let pred = ParetoNbdPredictor::new(printed(), 52.0)
        .unwrap()
        .with_discount_rate(0.002)
        .unwrap();
    let inputs: Vec<CustomerHistory> = (0..3000u32)
        .map(|i| {
            let x = i % 9;
            let age = 30.0 + f64::from(i % 7);
            let t_x = if x == 0 {
                0.0
            } else {
                age * f64::from(1 + i % 11) / 11.0
            };
            hist(x, t_x, age)
        })
        .collect();
    let bulk = pred.score_all(&inputs).unwrap();
    for (h, s) in inputs.iter().zip(&bulk) {
        assert_eq!(pred.score(h).unwrap(), *s);
    }
}

fn history() -> impl Strategy<Value = CustomerHistory> {
    (0u32..300, 0.01f64..1.0, 0.5f64..60.0).prop_map(|(x, frac, age)| {
        let t_x = if x == 0 { 0.0 } else { age * frac };
        hist(x, t_x, age)
    })
}

fn params() -> impl Strategy<Value = ParetoNbdParams> {
    (-2.0f64..2.0, -2.0f64..3.0, -2.0f64..2.0, -2.0f64..3.0)
        .prop_map(|(a, b, c, d)| ParetoNbdParams::new(a.exp(), b.exp(), c.exp(), d.exp()).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn probabilities_and_expectations_in_range(p in params(), h in history(), t in 0.0f64..100.0) {
        let pa = p.p_alive(&h).unwrap();
        prop_assert!((0.0..=1.0).contains(&pa));
        let e = p.expected_purchases(&h, t).unwrap();
        prop_assert!(e.is_finite() && e >= 0.0);
        let e0 = p.expected_purchases_new(t).unwrap();
        prop_assert!(e0.is_finite() && e0 >= 0.0);
        let d = p.dert(&h, 0.003).unwrap();
        prop_assert!(d.is_finite() && d >= 0.0);
        prop_assert!(p.log_likelihood(&h).unwrap().is_finite());
        let pn = p.prob_purchases(t.min(40.0), h.x() % 20).unwrap();
        prop_assert!((0.0..=1.0).contains(&pn));
    }

    #[test]
    fn gradient_is_the_central_difference(p in params(), h in history()) {
        let g = p.log_likelihood_gradient(&h).unwrap();
        let nat = [p.r(), p.alpha(), p.s(), p.beta()];
        let f = |q: [f64; 4]| {
            ParetoNbdParams::new(q[0], q[1], q[2], q[3]).unwrap().log_likelihood(&h).unwrap()
        };
        for i in 0..4 {
            let step = 1e-5_f64;
            let (mut up, mut dn) = (nat, nat);
            up[i] *= step.exp();
            dn[i] *= (-step).exp();
            let fd = (f(up) - f(dn)) / (2.0 * step);
            let scale = 1.0 + g[i].abs() + f(nat).abs() * 1e-4;
            prop_assert!((fd - g[i]).abs() < 1e-5 * scale, "{i}: fd {fd} vs {}", g[i]);
        }
    }
}

/// Parameter recovery: 50,000 customers drawn by the crate's Pareto/NBD
/// simulator (transactions with dates, then summarised in weeks, so the
/// whole pipeline is exercised; same-day purchases merge, which the model
/// never produces in weeks and which removes about 1 % of repeats), refitted
/// within 4 standard errors.
#[test]
fn pareto_nbd_recovers_simulated_parameters() {
    use customer_value::btyd::{CustomerHistory, ParetoNbd};
    use customer_value::simulate::Simulation;
    use customer_value::{Date, Summarizer, TimeUnit};
    let (r, alpha, s, beta) = (0.55, 10.58, 0.61, 11.67);
    let simulation = Simulation::builder()
        .customers(50_000)
        .seed(2026)
        .start(Date::parse("2023-01-01").unwrap())
        .acquisition_days(84)
        .end(Date::parse("2023-12-31").unwrap())
        .unit(TimeUnit::WEEK)
        .r(r)
        .alpha(alpha)
        .s(s)
        .beta(beta)
        .build()
        .unwrap();
    let summary = Summarizer::builder(Date::parse("2023-12-31").unwrap())
        .unit(TimeUnit::WEEK)
        .build()
        .unwrap()
        .summarize(&simulation.transactions())
        .unwrap();
    let histories: Vec<CustomerHistory> = summary
        .customers()
        .iter()
        .filter(|c| c.age() > 0.0)
        .map(|c| CustomerHistory::from_summary(c).unwrap())
        .collect();
    let fit = ParetoNbd::new().fit_detailed(&histories).unwrap();
    let se = fit.std_errors().expect("positive definite Hessian");
    let p = fit.params();
    let got = [p.r(), p.alpha(), p.s(), p.beta()];
    for (k, (g, t)) in got.into_iter().zip([r, alpha, s, beta]).enumerate() {
        assert!(
            (g - t).abs() < 4.0 * se[k],
            "parameter {k}: {g} vs {t} (se {})",
            se[k]
        );
    }
}
