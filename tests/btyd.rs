//! Buy-till-you-die models on the CDNOW sample (FORMULAS.md 8.1, 8.5, 8.9;
//! the data README's published figures).

use std::path::Path;

use customer_value::btyd::{
    BgNbd, BgNbdParams, BgNbdPredictor, BtydClv, BtydCustomer, CustomerHistory, GammaGamma,
    GammaGammaParams, SpendHistory,
};
use customer_value::clv::DiscountRate;
use customer_value::{CustomerId, Decimal, Error, Fit, Scorer};
use proptest::prelude::*;

fn rel(a: f64, b: f64) -> f64 {
    ((a - b) / b).abs()
}

/// `cdnow_customers_summary.csv`: `ID,frequency,recency,T`.
pub(crate) fn read_histories(dir: &Path) -> Vec<CustomerHistory> {
    let text = std::fs::read_to_string(dir.join("cdnow/cdnow_customers_summary.csv")).unwrap();
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
        .collect()
}

/// `cdnow_customers_summary_with_transactions.csv`: `ID,x,t_x,T,zbar`.
pub(crate) fn read_spend(dir: &Path) -> Vec<SpendHistory> {
    let path = dir.join("cdnow/cdnow_customers_summary_with_transactions.csv");
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            SpendHistory::new(
                CustomerId::new(f[0].parse().unwrap()),
                f[1].parse().unwrap(),
                f[4].parse::<Decimal>().unwrap(),
            )
            .unwrap()
        })
        .collect()
}

fn hist(x: u32, t_x: f64, age: f64) -> CustomerHistory {
    CustomerHistory::new(CustomerId::new(1), x, t_x, age).unwrap()
}

#[test]
fn bgnbd_fit_reproduces_the_cdnow_mle() {
    let Some(dir) = crate::support::data_dir() else {
        return;
    };
    let population = read_histories(&dir);
    assert_eq!(population.len(), 2357);
    let fit = BgNbd::new().fit_detailed(&population).unwrap();
    assert_eq!((fit.customers(), fit.rows()), (2357.0, 1016));
    let p = fit.params();
    // FORMULAS.md 8.9, data README: MLE to 7 significant digits.
    for (got, want) in [
        (p.r(), 0.2425929),
        (p.alpha(), 4.413531),
        (p.a(), 0.7928862),
        (p.b(), 2.425753),
    ] {
        assert!(rel(got, want) < 1e-5, "{got} vs {want}");
    }
    assert!(
        (fit.log_likelihood() - -9582.425561).abs() < 1e-4,
        "{}",
        fit.log_likelihood()
    );
    let se = fit.std_errors().unwrap();
    for (got, want) in se.iter().zip([0.0125573, 0.378221, 0.185719, 0.705346]) {
        assert!(rel(*got, want) < 1e-3, "{got} vs {want}");
    }
    // FORMULAS.md 8.8: cov(r, α) = 0.003706, corr(r, α) = 0.780, symmetric.
    let cov = fit.covariance().unwrap();
    assert!(rel(cov[0][1], 0.003706) < 1e-3, "{}", cov[0][1]);
    assert_eq!(cov[0][1], cov[1][0]);
    let corr = cov[0][1] / (se[0] * se[1]);
    assert!((corr - 0.780).abs() < 5e-4, "{corr}");
    assert_eq!(BgNbd::new().fit(&population).unwrap(), *p);
}

#[test]
fn bgnbd_start_point_is_finite_in_scaled_units() {
    let Some(dir) = crate::support::data_dir() else {
        return;
    };
    let population = read_histories(&dir);
    let max_t = population.iter().map(|h| h.age()).fold(0.0, f64::max);
    let ones = BgNbdParams::new(1.0, 1.0, 1.0, 1.0).unwrap();
    let ll: f64 = population
        .iter()
        .map(|h| {
            let s = CustomerHistory::new(h.customer(), h.x(), h.t_x() / max_t, h.age() / max_t)
                .unwrap();
            ones.log_likelihood(&s)
        })
        .sum();
    assert!((ll - -1195.45).abs() < 0.01, "{ll}");
}

#[test]
fn bgnbd_fit_does_not_converge_in_one_iteration() {
    let Some(dir) = crate::support::data_dir() else {
        return;
    };
    let err = BgNbd::new()
        .max_iterations(1)
        .fit_detailed(&read_histories(&dir))
        .unwrap_err();
    let Error::NotConverged { what, failure } = &err else {
        panic!("{err}");
    };
    assert_eq!(*what, "BG/NBD fit");
    assert_eq!(failure.iterations, 1);
    assert_eq!(failure.reason, "iteration limit reached");
    assert_eq!(failure.names, ["r", "alpha", "a", "b"]);
    assert!(failure.parameters.iter().all(|&p| p.is_finite() && p > 0.0));
    // Worse than the maximum (−9582.43, Fader, Hardie & Lee 2005a), but finite.
    assert!(failure.log_likelihood.is_finite() && failure.log_likelihood < -9582.4);
    assert!(failure.gradient.iter().any(|g| g.abs() > 1e-3));
    let message = err.to_string();
    assert!(
        message.contains("1 iterations") && message.contains("gradient"),
        "{message}"
    );
}

#[test]
fn bgnbd_predictions_at_the_printed_parameters() {
    // Data README: at (0.242593, 4.413532, 0.792886, 2.425754).
    let p = BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754).unwrap();
    assert!(rel(p.expected_purchases_new(52.0).unwrap(), 1.444021485) < 1e-6);
    let c = hist(26, 30.85714, 31.0);
    assert!(rel(p.expected_purchases(&c, 52.0).unwrap(), 25.75776965) < 1e-6);
    assert!(rel(p.p_alive(&c), 0.9688555737) < 1e-6);
    for (x, want) in [
        (10, 0.3474942044),
        (15, 0.04283829645),
        (20, 0.004159385024),
        (25, 0.0003584017817),
    ] {
        let got = p.expected_purchases(&hist(x, 20.0, 39.0), 52.0).unwrap();
        assert!(rel(got, want) < 1e-6, "x = {x}: {got}");
    }
    let predictor = BgNbdPredictor::new(p, 52.0).unwrap();
    let scores = predictor.score_keyed(&[c, hist(0, 0.0, 39.0)]).unwrap();
    assert!(rel(scores[0].score.expected_purchases(), 25.75776965) < 1e-6);
    assert_eq!(scores[1].score.p_alive(), 1.0);
}

#[test]
fn bgnbd_purchase_probabilities_at_the_rounded_published_parameters() {
    // Data README: at (0.243, 4.414, 0.793, 2.426).
    let p = BgNbdParams::new(0.243, 4.414, 0.793, 2.426).unwrap();
    assert!(rel(p.prob_purchases(39.0, 0).unwrap(), 0.5737863521) < 1e-6);
    assert!(rel(p.prob_purchases(2.0, 10).unwrap(), 1.0786896404e-07) < 1e-6);
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
    for (n, w) in (11..=20).zip(want) {
        let got = p.prob_purchases(30.0, n).unwrap();
        assert!((got - w).abs() < 5e-11, "n = {n}: {got}");
    }
}

#[test]
fn bgnbd_log_likelihood_examples() {
    // FORMULAS.md 8.1 at r = .25, α = 4, a = .8, b = 2.5, T = 40.
    let p = BgNbdParams::new(0.25, 4.0, 0.8, 2.5).unwrap();
    assert!((p.log_likelihood(&hist(0, 0.0, 40.0)) - -0.59947382).abs() < 1e-8);
    assert!((p.log_likelihood(&hist(200, 38.0, 40.0)) - 100.79569309).abs() < 1e-7);
}

#[test]
fn bgnbd_regression_cases() {
    let p = BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754).unwrap();
    let heavy = hist(1000, 10.0, 100.0);
    assert!(p.log_likelihood(&heavy).is_finite());
    assert_eq!(p.p_alive(&heavy), 0.0);
    assert_eq!(p.p_alive(&hist(0, 0.0, 39.0)), 1.0);
    // t_x = T is valid, and P(alive) = (b+x−1)/(a+b+x−1) there.
    let end = hist(5, 39.0, 39.0);
    let want = (p.b() + 4.0) / (p.a() + p.b() + 4.0);
    assert!(rel(p.p_alive(&end), want) < 1e-12);
    assert!(matches!(
        CustomerHistory::new(CustomerId::new(9), 3, 0.0, 39.0),
        Err(Error::InvalidValue { ref reason, .. }) if reason.contains("customer 9")
    ));
}

#[test]
fn gamma_gamma_fit_reproduces_the_cdnow_mle() {
    let Some(dir) = crate::support::data_dir() else {
        return;
    };
    let spend = read_spend(&dir);
    let fit = GammaGamma::new().fit_detailed(&spend).unwrap();
    assert_eq!(fit.customers(), 946.0);
    let p = fit.params();
    for (got, want) in [(p.p(), 6.248803), (p.q(), 3.744589), (p.gamma(), 15.44775)] {
        assert!(rel(got, want) < 1e-5, "{got} vs {want}");
    }
    assert!(
        (fit.log_likelihood() - -4055.923244).abs() < 1e-4,
        "{}",
        fit.log_likelihood()
    );
    assert!(fit.std_errors().is_some());
    // The start point (all ones) has a finite log-likelihood: -6350.92.
    let ones = GammaGammaParams::new(1.0, 1.0, 1.0).unwrap();
    let ll: f64 = spend
        .iter()
        .filter(|s| s.x() > 0)
        .map(|s| ones.log_likelihood(s).unwrap())
        .sum();
    assert!((ll - -6350.92).abs() < 0.01, "{ll}");
    assert_eq!(GammaGamma::new().fit(&spend).unwrap(), *p);
    // q = 3.74 is far above 1: the constrained fit finds the same maximum.
    let constrained = GammaGamma::new()
        .q_at_least_one_plus(0.01)
        .fit_detailed(&spend)
        .unwrap();
    assert!((constrained.log_likelihood() - fit.log_likelihood()).abs() < 1e-6);
    assert!(rel(constrained.params().q(), p.q()) < 1e-5);
    let (a, b) = (constrained.std_errors().unwrap(), fit.std_errors().unwrap());
    assert!(rel(a[0], b[0]) < 1e-3, "{a:?} {b:?}");
}

#[test]
fn gamma_gamma_expected_spend() {
    // Data README, at the MLE (6.248803, 3.744588, 15.447746).
    let gg = GammaGammaParams::new(6.248803, 3.744588, 15.447746).unwrap();
    let s = |x, cents| SpendHistory::new(CustomerId::new(1), x, Decimal::new(cents, 2)).unwrap();
    let check = |got: Decimal, want: f64| {
        let got: f64 = got.try_into().unwrap();
        assert!(rel(got, want) < 1e-6, "{got} vs {want}");
    };
    check(gg.expected_spend(&s(1, 2000)).unwrap(), 24.62986226);
    check(gg.expected_spend(&s(2, 2235)).unwrap(), 24.65861645);
    check(gg.expected_spend(&s(0, 0)).unwrap(), 35.17100619);
    // q <= 1: the population mean is infinite, an error and never negative.
    let heavy_tail = GammaGammaParams::new(6.0, 0.8, 15.0).unwrap();
    assert!(matches!(
        heavy_tail.expected_spend(&s(0, 0)),
        Err(Error::InvalidParameter { name: "q", .. })
    ));
    let scores = heavy_tail.score_keyed(&[s(1, 2000)]).unwrap();
    assert!(scores[0].score > Decimal::ZERO);
}

#[test]
fn clv_worked_example_at_the_fitted_mles() {
    let Some(dir) = crate::support::data_dir() else {
        return;
    };
    let purchases = BgNbd::new().fit(&read_histories(&dir)).unwrap();
    let spend = GammaGamma::new().fit(&read_spend(&dir)).unwrap();
    let c = CustomerId::new(1);
    let customer = BtydCustomer::new(
        CustomerHistory::new(c, 2, 30.43, 38.86).unwrap(),
        SpendHistory::new(c, 2, Decimal::new(2235, 2)).unwrap(),
    )
    .unwrap();
    for (f, want) in [(4.345, 36.278503), (30.0 / 7.0, 35.871050)] {
        let clv = BtydClv::builder(purchases, spend)
            .periods(12)
            .discount(DiscountRate::new(Decimal::new(1, 2)).unwrap())
            .period_length(f)
            .build()
            .unwrap();
        let got = clv.value_f64(&customer).unwrap();
        // FORMULAS.md 8.6 computed these at the README's 6-digit printed
        // parameters; at the fitted MLE they differ by 1.8e-7 relative.
        assert!(rel(got, want) < 1e-6, "{got} vs {want}");
        let scored = clv.score_keyed(&[customer]).unwrap();
        assert_eq!(scored[0].customer, c);
    }
}

fn params() -> impl Strategy<Value = BgNbdParams> {
    (0.05f64..5.0, 0.1f64..50.0, 0.05f64..5.0, 0.05f64..10.0)
        .prop_map(|(r, al, a, b)| BgNbdParams::new(r, al, a, b).unwrap())
}

fn history() -> impl Strategy<Value = CustomerHistory> {
    (0u32..300, 0.01f64..1.0, 0.1f64..100.0).prop_map(|(x, frac, age)| {
        let t_x = if x == 0 { 0.0 } else { frac * age };
        hist(x, t_x, age)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn p_alive_is_a_probability_and_expectations_are_non_negative(p in params(), h in history(), t in 0.0f64..200.0) {
        let pa = p.p_alive(&h);
        prop_assert!((0.0..=1.0).contains(&pa), "{pa}");
        let ey = p.expected_purchases(&h, t).unwrap();
        prop_assert!(ey >= 0.0 && ey.is_finite(), "{ey}");
        prop_assert!(p.log_likelihood(&h).is_finite());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn log_likelihood_gradient_matches_finite_differences(p in params(), h in history()) {
        // The analytic gradient drives the fit: check it through the public
        // log-likelihood in log-parameters.
        let th = [p.r().ln(), p.alpha().ln(), p.a().ln(), p.b().ln()];
        let ll = |t: [f64; 4]| {
            BgNbdParams::new(t[0].exp(), t[1].exp(), t[2].exp(), t[3].exp()).unwrap().log_likelihood(&h)
        };
        let fd: Vec<f64> = (0..4).map(|i| {
            let (mut a, mut b) = (th, th);
            a[i] += 1e-5;
            b[i] -= 1e-5;
            (ll(a) - ll(b)) / 2e-5
        }).collect();
        let g = p.log_likelihood_gradient(&h);
        for i in 0..4 {
            prop_assert!((fd[i] - g[i]).abs() <= 1e-5 * (1.0 + g[i].abs()), "{i}: {} vs {}", fd[i], g[i]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn compression_does_not_change_the_fitted_log_likelihood(offset in 0usize..4) {
        let Some(dir) = crate::support::data_dir() else {
            return Ok(());
        };
        // A quarter of CDNOW: an interior maximum, with many repeated rows.
        let population: Vec<CustomerHistory> =
            read_histories(&dir).into_iter().skip(offset).step_by(4).collect();
        let plain = BgNbd::new().fit_detailed(&population).unwrap();
        prop_assert!(plain.rows() < population.len());
        // The same population, each distinct row once with its multiplicity
        // as the weight, in reverse order.
        let mut uniq: Vec<(CustomerHistory, f64)> = Vec::new();
        for h in population.iter().rev() {
            match uniq.iter_mut().find(|(u, _)| (u.x(), u.t_x(), u.age()) == (h.x(), h.t_x(), h.age())) {
                Some(e) => e.1 += 1.0,
                None => uniq.push((*h, 1.0)),
            }
        }
        let (hs, ws): (Vec<_>, Vec<_>) = uniq.into_iter().unzip();
        let weighted = BgNbd::new().fit_weighted(&hs, &ws).unwrap();
        prop_assert_eq!(weighted.rows(), plain.rows());
        let (a, b) = (plain.log_likelihood(), weighted.log_likelihood());
        prop_assert!((a - b).abs() < 1e-8 * a.abs(), "{} vs {}", a, b);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn fits_never_panic_and_return_valid_parameters_or_an_error(
        rows in prop::collection::vec(history(), 1..40),
        spend in prop::collection::vec((1u32..20, 1i64..100_000), 1..40),
    ) {
        if let Ok(fit) = BgNbd::new().fit_detailed(&rows) {
            let p = fit.params();
            prop_assert!([p.r(), p.alpha(), p.a(), p.b()].iter().all(|v| v.is_finite() && *v > 0.0));
            prop_assert!(fit.log_likelihood().is_finite());
        }
        let spend: Vec<SpendHistory> = spend
            .into_iter()
            .map(|(x, cents)| SpendHistory::new(CustomerId::new(0), x, Decimal::new(cents, 2)).unwrap())
            .collect();
        if let Ok(fit) = GammaGamma::new().fit_detailed(&spend) {
            let p = fit.params();
            prop_assert!([p.p(), p.q(), p.gamma()].iter().all(|v| v.is_finite() && *v > 0.0));
            prop_assert!(fit.log_likelihood().is_finite());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The bulk CLV path (shared work per (x, T)) agrees with scoring one
    /// customer at a time, for every purchase model.
    #[test]
    fn bulk_clv_equals_one_by_one(
        rows in prop::collection::vec((0u32..30, 0u32..1000, 0usize..4, 1u32..5000), 1..60),
        model in 0usize..3,
    ) {
        use customer_value::btyd::{MbgNbdParams, ParetoNbdParams, PurchaseModel};
        let purchases: PurchaseModel = match model {
            0 => BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754).unwrap().into(),
            1 => MbgNbdParams::new(0.524838, 6.182992, 0.891356, 1.614).unwrap().into(),
            _ => ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908).unwrap().into(),
        };
        let spend = GammaGammaParams::new(6.248803, 3.744588, 15.447746).unwrap();
        let clv = BtydClv::builder(purchases, spend)
            .periods(6)
            .discount(DiscountRate::new(Decimal::new(1, 2)).unwrap())
            .period_length(4.345)
            .build()
            .unwrap();
        let ages = [30.0, 35.5, 38.0, 39.0];
        let customers: Vec<BtydCustomer> = rows
            .iter()
            .enumerate()
            .map(|(i, &(x, permille, a, cents))| {
                let age = ages[a];
                let t_x = if x == 0 { 0.0 } else { age * f64::from(permille.max(1)) / 1000.0 };
                let c = CustomerId::new(i as u64);
                let zbar = if x == 0 { Decimal::ZERO } else { Decimal::new(i64::from(cents), 2) };
                BtydCustomer::new(
                    CustomerHistory::new(c, x, t_x, age).unwrap(),
                    customer_value::btyd::SpendHistory::new(c, x, zbar).unwrap(),
                )
                .unwrap()
            })
            .collect();
        let bulk = clv.score_all(&customers).unwrap();
        for (c, b) in customers.iter().zip(&bulk) {
            let one = clv.score(c).unwrap();
            let tol = one.abs() * Decimal::new(1, 12) + Decimal::new(1, 12);
            prop_assert!((*b - one).abs() <= tol, "{b} vs {one}");
        }
    }
}

/// With a penalty, a fit reports the unpenalised log-likelihood at the
/// penalised optimum: the sum of the per-customer log-likelihoods there.
#[test]
fn penalised_fits_report_the_unpenalised_log_likelihood() {
    use customer_value::btyd::{BgBb, DiscreteHistory, MbgNbd, ParetoNbd, Penalty};
    let population: Vec<CustomerHistory> = (0..400u32)
        .map(|i| {
            let x = (i * 7) % 6;
            let t_x = if x == 0 {
                0.0
            } else {
                f64::from(10 + (i * 13) % 25)
            };
            CustomerHistory::new(
                CustomerId::new(u64::from(i)),
                x,
                t_x,
                36.0 + f64::from(i % 3),
            )
            .unwrap()
        })
        .collect();
    let penalty = Penalty::L2 { lambda: 0.05 };
    let fit = BgNbd::new()
        .penalty(penalty)
        .fit_detailed(&population)
        .unwrap();
    let sum: f64 = population
        .iter()
        .map(|h| fit.params().log_likelihood(h))
        .sum();
    assert!(
        (fit.log_likelihood() - sum).abs() < 1e-6 * sum.abs(),
        "BG/NBD {} vs {sum}",
        fit.log_likelihood()
    );
    let fit = MbgNbd::new()
        .penalty(penalty)
        .fit_detailed(&population)
        .unwrap();
    let sum: f64 = population
        .iter()
        .map(|h| fit.params().log_likelihood(h))
        .sum();
    assert!(
        (fit.log_likelihood() - sum).abs() < 1e-6 * sum.abs(),
        "MBG/NBD {} vs {sum}",
        fit.log_likelihood()
    );
    let fit = ParetoNbd::new()
        .penalty(penalty)
        .fit_detailed(&population)
        .unwrap();
    let sum: f64 = population
        .iter()
        .map(|h| fit.params().log_likelihood(h).unwrap())
        .sum();
    assert!(
        (fit.log_likelihood() - sum).abs() < 1e-6 * sum.abs(),
        "Pareto/NBD {} vs {sum}",
        fit.log_likelihood()
    );
    let donors: Vec<DiscreteHistory> = (0..400u32)
        .map(|i| {
            let x = (i * 5) % 7;
            let t_x = if x == 0 { 0 } else { x.max((i * 3) % 7).max(x) };
            DiscreteHistory::new(CustomerId::new(u64::from(i)), x, t_x.min(6), 6).unwrap()
        })
        .collect();
    let fit = BgBb::new().penalty(penalty).fit_detailed(&donors).unwrap();
    let sum: f64 = donors.iter().map(|h| fit.params().log_likelihood(h)).sum();
    assert!(
        (fit.log_likelihood() - sum).abs() < 1e-6 * sum.abs(),
        "BG/BB {} vs {sum}",
        fit.log_likelihood()
    );
}
