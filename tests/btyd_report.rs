//! The fit report every BTYD model shares, the options every fitter takes,
//! and the typed errors a caller can act on (`EmptyInput`, `NotConverged`).

use std::path::Path;

use customer_value::btyd::{
    BgBb, BgNbd, BgNbdFit, BgNbdParams, Cohort, CustomerHistory, DiscreteHistory, FitOptions,
    FitReport, FitStatus, GammaGamma, MbgNbd, ParetoNbd, Penalty, Sbg, SbgFit, SpendHistory,
    StdErrorsUnavailable,
};
use customer_value::{CustomerId, Decimal, Error, Fit, Scorer};
use proptest::prelude::*;

use crate::btyd::{read_histories, read_spend};

/// `donations.csv`: `frequency,recency,periods,weights`, 22 patterns.
fn donations(dir: &Path) -> (Vec<DiscreteHistory>, Vec<f64>) {
    let text = std::fs::read_to_string(dir.join("donations/donations.csv")).unwrap();
    let mut hs = Vec::new();
    let mut ws = Vec::new();
    for (i, line) in text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .enumerate()
    {
        let f: Vec<u32> = line.split(',').map(|v| v.trim().parse().unwrap()).collect();
        hs.push(DiscreteHistory::new(CustomerId::new(i as u64), f[0], f[1], f[2]).unwrap());
        ws.push(f64::from(f[3]));
    }
    (hs, ws)
}

/// Fader & Hardie (2007) "regular" cohort: survivors of 1000 over 7 years.
fn regular() -> Cohort {
    Cohort::new(0, vec![1000, 631, 468, 382, 326, 289, 262, 241]).unwrap()
}

/// A small population (the crate's BG/NBD example): `(x, t_x, T)` in
/// weeks and how many customers share each history; 238 customers.
fn synthetic() -> Vec<CustomerHistory> {
    let rows = [
        (0, 0.0, 38.0, 140),
        (1, 10.0, 38.0, 25),
        (1, 30.0, 38.0, 20),
        (2, 20.0, 37.0, 10),
        (2, 35.0, 37.0, 12),
        (3, 30.0, 36.0, 6),
        (5, 35.0, 38.0, 5),
        (7, 36.0, 38.0, 4),
        (1, 2.0, 36.0, 8),
        (2, 6.0, 38.0, 5),
        (4, 12.0, 37.0, 3),
    ];
    let mut population = Vec::new();
    for &(x, t_x, age, n) in &rows {
        for _ in 0..n {
            let id = CustomerId::new(population.len() as u64);
            population.push(CustomerHistory::new(id, x, t_x, age).unwrap());
        }
    }
    population
}

/// The invariants every interior report holds: AIC = 2k − 2·LL, BIC =
/// k·ln n − 2·LL with n the customers, a symmetric covariance whose
/// diagonal's roots are the standard errors, the model's names.
fn check_interior<P, const N: usize>(fit: &FitReport<P, N>, names: [&str; N], customers: f64) {
    let k = N as f64;
    let ll = fit.log_likelihood();
    assert!(ll.is_finite());
    assert_eq!(fit.names(), names);
    assert_eq!(*fit.status(), FitStatus::Interior);
    assert_eq!(fit.customers(), customers);
    assert!(fit.rows() >= 1 && fit.iterations() >= 1);
    assert!((fit.aic() - (2.0 * k - 2.0 * ll)).abs() <= 1e-12 * ll.abs());
    assert!((fit.bic() - (k * customers.ln() - 2.0 * ll)).abs() <= 1e-12 * ll.abs());
    let cov = fit.covariance().expect("an interior fit has a covariance");
    let se = fit.std_errors().expect("and standard errors");
    assert_eq!(fit.std_errors_unavailable(), None);
    for i in 0..N {
        assert!(cov[i][i] > 0.0);
        assert_eq!(se[i], cov[i][i].sqrt());
        for j in 0..N {
            assert_eq!(
                cov[i][j], cov[j][i],
                "covariance not symmetric at ({i}, {j})"
            );
            // Cauchy-Schwarz: a correlation lies in [−1, 1].
            assert!(cov[i][j].abs() <= (cov[i][i] * cov[j][j]).sqrt() * (1.0 + 1e-9));
        }
    }
}

#[test]
fn every_model_reports_the_same_fields() {
    // sBG needs no data folder.
    let fit: SbgFit = Sbg::new().fit_cohort(&regular()).unwrap();
    check_interior(&fit, ["alpha", "beta"], 1000.0);
    assert_eq!(fit.cohorts(), fit.rows());
    // Fader & Hardie (2007): LL = −1680.27 for the regular segment.
    assert!((fit.log_likelihood() - -1680.27).abs() < 5e-3);

    let population = synthetic();
    let fit = BgNbd::new().fit_detailed(&population).unwrap();
    check_interior(&fit, ["r", "alpha", "a", "b"], 238.0);
    let fit = MbgNbd::new().fit_detailed(&population).unwrap();
    check_interior(&fit, ["r", "alpha", "a", "b"], 238.0);

    let Some(dir) = crate::support::data_dir() else {
        return;
    };
    let histories = read_histories(&dir);
    let fit = BgNbd::new().fit_detailed(&histories).unwrap();
    check_interior(&fit, ["r", "alpha", "a", "b"], 2357.0);
    // Fader, Hardie & Lee (2005a): LL = −9582.4 on 2357 customers, so
    // AIC = 19172.8 and BIC = 4·ln 2357 + 19164.8 = 19195.9.
    assert!((fit.aic() - 19172.85).abs() < 0.01, "{}", fit.aic());
    assert!((fit.bic() - 19195.91).abs() < 0.01, "{}", fit.bic());
    let fit = MbgNbd::new().fit_detailed(&histories).unwrap();
    check_interior(&fit, ["r", "alpha", "a", "b"], 2357.0);
    let fit = ParetoNbd::new().fit_detailed(&histories).unwrap();
    check_interior(&fit, ["r", "alpha", "s", "beta"], 2357.0);
    let spend = read_spend(&dir);
    let repeat_buyers = spend.iter().filter(|s| s.x() > 0).count() as f64;
    let fit = GammaGamma::new().fit_detailed(&spend).unwrap();
    check_interior(&fit, ["p", "q", "gamma"], repeat_buyers);
    let (donors, weights) = donations(&dir);
    let fit = BgBb::new().fit_weighted(&donors, &weights).unwrap();
    check_interior(&fit, ["alpha", "beta", "gamma", "delta"], 11104.0);
}

#[test]
fn gamma_gamma_reports_the_unpenalised_log_likelihood() {
    let s = |x, cents| SpendHistory::new(CustomerId::new(0), x, Decimal::new(cents, 2)).unwrap();
    let spend: Vec<SpendHistory> = (0..60i64)
        .map(|i| s(1 + (i % 5) as u32, 1000 + 173 * (i % 13) + 29 * (i % 7)))
        .collect();
    let fit = GammaGamma::new()
        .penalty(Penalty::L2 { lambda: 0.01 })
        .fit_detailed(&spend)
        .unwrap();
    let p = fit.params();
    // The conditional density of z̄ given x (Fader, Hardie & Lee 2005b):
    // ln f = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln z̄ + px ln x − (px+q) ln(γ + x z̄).
    let lgamma = |v: f64| libm_lgamma(v);
    let sum: f64 = spend
        .iter()
        .map(|h| {
            let x = f64::from(h.x());
            let z: f64 = rust_decimal::prelude::ToPrimitive::to_f64(&h.zbar()).unwrap();
            let px = p.p() * x;
            lgamma(px + p.q()) - lgamma(px) - lgamma(p.q())
                + p.q() * p.gamma().ln()
                + (px - 1.0) * z.ln()
                + px * x.ln()
                - (px + p.q()) * (p.gamma() + x * z).ln()
        })
        .sum();
    assert!(
        (fit.log_likelihood() - sum).abs() < 1e-6 * sum.abs(),
        "{} vs {sum}",
        fit.log_likelihood()
    );
}

/// `ln Γ(v)` for `v > 0` by the Lanczos approximation (g = 7, n = 9),
/// accurate to about 1e-15 relative: independent of the crate's own.
fn libm_lgamma(v: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if v < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * v).sin()).ln() - libm_lgamma(1.0 - v);
    }
    let x = v - 1.0;
    let mut a = C[0];
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

#[test]
fn not_converged_carries_the_best_point() {
    let Some(dir) = crate::support::data_dir() else {
        return;
    };
    let histories = read_histories(&dir);
    let err = BgNbd::new()
        .max_iterations(2)
        .fit_detailed(&histories)
        .unwrap_err();
    let Error::NotConverged { what, failure } = &err else {
        panic!("{err}");
    };
    assert_eq!(*what, "BG/NBD fit");
    assert_eq!(
        (failure.iterations, failure.reason.as_str()),
        (2, "iteration limit reached")
    );
    assert_eq!(failure.names, ["r", "alpha", "a", "b"]);
    assert!(failure.parameters.iter().all(|&p| p.is_finite() && p > 0.0));
    // Its log-likelihood is the data's at the best parameters, in the
    // data's units, and below the maximum (−9582.4).
    let best = BgNbdParams::new(
        failure.parameters[0],
        failure.parameters[1],
        failure.parameters[2],
        failure.parameters[3],
    )
    .unwrap();
    let sum: f64 = histories.iter().map(|h| best.log_likelihood(h)).sum();
    assert!((failure.log_likelihood - sum).abs() < 1e-8 * sum.abs());
    assert!(failure.log_likelihood < -9582.5);
    assert_eq!(failure.gradient.len(), 4);

    // Kept: the same point as a report with status NotConverged.
    let kept = BgNbd::with_options(FitOptions::new().max_iterations(2).keep_unconverged(true))
        .fit_detailed(&histories)
        .unwrap();
    assert_eq!(*kept.status(), FitStatus::NotConverged);
    assert_eq!(kept.covariance(), None);
    assert_eq!(kept.std_errors(), None);
    assert_eq!(
        kept.std_errors_unavailable(),
        Some(StdErrorsUnavailable::NotConverged)
    );
    assert_eq!(kept.params(), &best);
    assert_eq!(kept.log_likelihood(), failure.log_likelihood);
    assert_eq!(kept.iterations(), 2);
}

#[test]
fn every_fitter_raises_not_converged() {
    let one = FitOptions::new().max_iterations(1);
    let population = synthetic();
    let not_converged = |r: Result<(), Error>| match r {
        Err(Error::NotConverged { failure, .. }) => {
            assert!(failure.log_likelihood.is_finite());
            assert!(failure.parameters.iter().all(|&p| p.is_finite() && p > 0.0));
        }
        other => panic!("{other:?}"),
    };
    not_converged(BgNbd::with_options(one).fit_detailed(&population).map(drop));
    not_converged(
        MbgNbd::with_options(one)
            .fit_detailed(&population)
            .map(drop),
    );
    not_converged(
        ParetoNbd::with_options(one)
            .fit_detailed(&population)
            .map(drop),
    );
    not_converged(Sbg::with_options(one).fit_cohort(&regular()).map(drop));
    let spend: Vec<SpendHistory> = (0..40u32)
        .map(|i| {
            SpendHistory::new(
                CustomerId::new(0),
                1 + i % 4,
                Decimal::from(10 + (i * 7) % 23),
            )
            .unwrap()
        })
        .collect();
    not_converged(GammaGamma::with_options(one).fit_detailed(&spend).map(drop));
    let donors: Vec<DiscreteHistory> = (0..200u32)
        .map(|i| {
            let x = (i * 5) % 7;
            let t_x = if x == 0 { 0 } else { x.max((i * 3) % 7) };
            DiscreteHistory::new(CustomerId::new(u64::from(i)), x, t_x.min(6), 6).unwrap()
        })
        .collect();
    not_converged(BgBb::with_options(one).fit_detailed(&donors).map(drop));
}

#[test]
fn empty_input_is_its_own_error() {
    let empty = |r: Result<(), Error>| {
        assert!(matches!(r, Err(Error::EmptyInput { .. })), "{r:?}");
    };
    empty(BgNbd::new().fit_detailed(&[]).map(drop));
    empty(MbgNbd::new().fit_detailed(&[]).map(drop));
    empty(ParetoNbd::new().fit_detailed(&[]).map(drop));
    empty(BgBb::new().fit_detailed(&[]).map(drop));
    empty(GammaGamma::new().fit_detailed(&[]).map(drop));
    empty(Sbg::new().fit_cohorts(&[]).map(drop));
    // Zero total weight.
    let two = &synthetic()[..2];
    empty(BgNbd::new().fit_weighted(two, &[0.0, 0.0]).map(drop));
    empty(ParetoNbd::new().fit_weighted(two, &[0.0, 0.0]).map(drop));
    // Gamma-Gamma: nobody with a repeat purchase.
    let once = SpendHistory::new(CustomerId::new(0), 0, Decimal::ZERO).unwrap();
    empty(GammaGamma::new().fit_detailed(&[once]).map(drop));
    let err = BgNbd::new().fit(&[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "empty input: BG/NBD fit needs at least one customer with weight > 0"
    );
}

#[test]
fn options_are_validated_and_honoured() {
    assert!(FitOptions::new().tolerance(0.0).is_err());
    assert!(FitOptions::new().tolerance(1.0).is_err());
    assert!(FitOptions::new().tolerance(f64::NAN).is_err());
    let started = FitOptions::new().start([0.5, 2.0]);
    assert_eq!(started, FitOptions::new().start(vec![0.5, 2.0]));
    assert_eq!(started.get_start(), Some(&[0.5, 2.0][..]));
    assert_eq!(started.default_start().get_start(), None);
    let population = synthetic();
    let bad_start = |start: &[f64]| {
        let err = BgNbd::with_options(FitOptions::new().start(start))
            .fit_detailed(&population)
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidParameter { name: "start", .. }),
            "{err}"
        );
    };
    bad_start(&[1.0, 1.0, 1.0]);
    bad_start(&[1.0, 1.0, 1.0, 1.0, 1.0]);
    bad_start(&[1.0, -1.0, 1.0, 1.0]);
    bad_start(&[1.0, f64::NAN, 1.0, 1.0]);
    bad_start(&[1.0, f64::INFINITY, 1.0, 1.0]);
    let err = Sbg::with_options(FitOptions::new().penalty(Penalty::L2 { lambda: -1.0 }))
        .fit_cohort(&regular())
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidParameter { name: "lambda", .. }),
        "{err}"
    );
    // Gamma-Gamma's constrained q must start above its floor 1 + ε.
    let spend: Vec<SpendHistory> = (0..40u32)
        .map(|i| {
            SpendHistory::new(
                CustomerId::new(0),
                1 + i % 4,
                Decimal::from(10 + (i * 7) % 23),
            )
            .unwrap()
        })
        .collect();
    let err = GammaGamma::with_options(FitOptions::new().start([2.0, 1.05, 10.0]))
        .q_at_least_one_plus(0.1)
        .fit_detailed(&spend)
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidParameter { name: "start", .. }),
        "{err}"
    );
    // ... and a start at the constrained maximum finds it again at once
    // (the floor is applied to the start in the data's units).
    let constrained = GammaGamma::new().q_at_least_one_plus(0.1);
    let fit = constrained.fit_detailed(&spend).unwrap();
    let p = *fit.params();
    let again = constrained
        .options(FitOptions::new().start([p.p(), p.q(), p.gamma()]))
        .fit_detailed(&spend)
        .unwrap();
    assert!(again.iterations() <= 2, "{}", again.iterations());
    assert!((again.params().q() / p.q() - 1.0).abs() < 1e-6);

    // A start at the maximum needs (almost) no iterations and finds it again.
    let fit = BgNbd::new().fit_detailed(&population).unwrap();
    let p = fit.params();
    let again = BgNbd::with_options(FitOptions::new().start([p.r(), p.alpha(), p.a(), p.b()]))
        .fit_detailed(&population)
        .unwrap();
    assert!(again.iterations() <= 2, "{}", again.iterations());
    assert!(
        (again.log_likelihood() - fit.log_likelihood()).abs() < 1e-9 * fit.log_likelihood().abs()
    );
    // A looser tolerance never claims more: where its stop is not yet a
    // maximum with a positive definite Hessian the fit polishes on, so the
    // status stays honest.
    let loose = BgNbd::with_options(FitOptions::new().tolerance(1e-4).unwrap())
        .fit_detailed(&population)
        .unwrap();
    assert!(loose.status().is_interior());
    assert!(loose.log_likelihood() <= fit.log_likelihood() + 1e-9 * fit.log_likelihood().abs());
    // The shorthands and the options agree.
    assert_eq!(
        BgNbd::new()
            .max_iterations(7)
            .penalty(Penalty::L2 { lambda: 0.5 }),
        BgNbd::with_options(
            FitOptions::new()
                .max_iterations(7)
                .penalty(Penalty::L2 { lambda: 0.5 })
        )
    );
    assert_eq!(
        BgNbd::new()
            .max_iterations(7)
            .fit_options()
            .get_max_iterations(),
        7
    );
}

#[test]
fn sbg_is_a_fit_and_scores_cohorts() {
    let cohorts = [regular()];
    let params = Sbg::new().fit(&cohorts).unwrap();
    // Fader & Hardie (2007), regular segment: α = 0.704, β = 1.182.
    assert!((params.alpha() - 0.704).abs() < 5e-4 && (params.beta() - 1.182).abs() < 5e-4);
    assert_eq!(params, *Sbg::new().fit_cohorts(&cohorts).unwrap().params());
    assert_eq!(
        params.score(&cohorts[0]).unwrap(),
        params.log_likelihood(&cohorts[0])
    );
    let fit = Sbg::new().fit_cohorts(&cohorts).unwrap();
    let customers: f64 = fit.customers(); // f64, as every other model
    assert_eq!(customers, 1000.0);
}

#[cfg(feature = "serde")]
#[test]
fn reports_round_trip_through_json_and_are_validated() {
    let population = synthetic();
    let fit = BgNbd::new().fit_detailed(&population).unwrap();
    let json = serde_json::to_string(&fit).unwrap();
    let back: BgNbdFit = serde_json::from_str(&json).unwrap();
    assert_eq!(back.names(), fit.names());
    assert_eq!(back.status(), fit.status());
    assert_eq!(
        (back.iterations(), back.customers(), back.rows()),
        (fit.iterations(), fit.customers(), fit.rows())
    );
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-15 * b.abs();
    assert!(close(back.log_likelihood(), fit.log_likelihood()));
    let (pb, pf) = (back.params(), fit.params());
    for (a, b) in [
        (pb.r(), pf.r()),
        (pb.alpha(), pf.alpha()),
        (pb.a(), pf.a()),
        (pb.b(), pf.b()),
    ] {
        assert!(close(a, b));
    }
    let (cb, cf) = (back.covariance().unwrap(), fit.covariance().unwrap());
    for i in 0..4 {
        for j in 0..4 {
            assert!(close(cb[i][j], cf[i][j]));
            assert_eq!(cb[i][j], cb[j][i]);
        }
    }
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["status"]["kind"], "interior");
    assert!(value["std_errors"]["alpha"].as_f64().unwrap() > 0.0);
    assert!(value["std_errors_unavailable"].is_null());
    assert!(close(value["aic"].as_f64().unwrap(), fit.aic()));

    let broken = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = value.clone();
        edit(&mut v);
        serde_json::from_value::<BgNbdFit>(v)
            .unwrap_err()
            .to_string()
    };
    assert!(broken(&|v| v["covariance"][0][1] = serde_json::json!(1.0)).contains("symmetric"));
    assert!(broken(&|v| v["covariance"][0][0] = serde_json::json!(-1.0)).contains("diagonal"));
    assert!(broken(&|v| v["names"][0] = serde_json::json!("s")).contains("names"));
    assert!(broken(&|v| v["customers"] = serde_json::json!(0.0)).contains("customers"));
    assert!(
        broken(&|v| v["status"] = serde_json::json!({"kind": "not_converged"}))
            .contains("covariance")
    );
    assert!(broken(&|v| v["params"]["r"] = serde_json::json!(-1.0)).contains("r"));
    // The command line's files carry the model's tag beside the report.
    let mut v = value.clone();
    v["model"] = serde_json::json!("bg_nbd");
    assert!(serde_json::from_value::<BgNbdFit>(v).is_ok());
    // Not converged, with no covariance: fine, and the reason is recomputed.
    let mut v = value.clone();
    v["status"] = serde_json::json!({"kind": "not_converged"});
    v["covariance"] = serde_json::Value::Null;
    let kept: BgNbdFit = serde_json::from_value(v).unwrap();
    assert_eq!(
        kept.std_errors_unavailable(),
        Some(StdErrorsUnavailable::NotConverged)
    );
    // A boundary status reads back with its directions.
    let mut v = value.clone();
    v["status"] = serde_json::json!({
        "kind": "boundary",
        "diverging": [{"parameter": "a", "direction": "to_zero"}],
        "limits": ["no_dropout"]
    });
    v["covariance"] = serde_json::Value::Null;
    let boundary: BgNbdFit = serde_json::from_value(v).unwrap();
    assert!(
        matches!(boundary.status(), FitStatus::Boundary { diverging, .. } if diverging[0].parameter == "a")
    );
    assert_eq!(
        boundary.std_errors_unavailable(),
        Some(StdErrorsUnavailable::Boundary)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any valid cohort either fits, with a consistent report, or fails
    /// with a typed error: never a panic, never a NaN.
    #[test]
    fn sbg_reports_are_consistent_or_errors_are_typed(
        n0 in 1u64..5000,
        drops in prop::collection::vec(0.0f64..0.6, 1..9),
    ) {
        let mut survivors = vec![n0];
        for d in drops {
            let last = *survivors.last().unwrap();
            survivors.push(last - (last as f64 * d).floor() as u64);
        }
        let cohort = Cohort::new(0, survivors).unwrap();
        match Sbg::new().fit_cohort(&cohort) {
            Ok(fit) => {
                let ll = fit.log_likelihood();
                prop_assert!(ll.is_finite() && ll <= 0.0);
                prop_assert!((fit.aic() - (4.0 - 2.0 * ll)).abs() <= 1e-9 * ll.abs().max(1.0));
                prop_assert!((fit.bic() - (2.0 * (n0 as f64).ln() - 2.0 * ll)).abs() <= 1e-9 * ll.abs().max(1.0));
                prop_assert_eq!(fit.customers(), n0 as f64);
                match (fit.covariance(), fit.std_errors_unavailable()) {
                    (Some(c), None) => prop_assert_eq!(c[0][1], c[1][0]),
                    (None, Some(_)) => {}
                    other => prop_assert!(false, "{:?}", other),
                }
            }
            Err(Error::InvalidValue { .. } | Error::NotConverged { .. } | Error::NotIdentified { .. }) => {}
            Err(other) => prop_assert!(false, "{}", other),
        }
    }
}
