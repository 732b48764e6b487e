//! GGom/NBD (Bemmaor & Glady 2012): the likelihood, P(alive), CET and DERT
//! against an independent mpmath integration of the model's definition,
//! the Pareto/NBD limit, CLVTools' published CDNOW fit, properties and
//! typed errors.

use std::path::Path;

use customer_value::btyd::{
    CustomerHistory, Direction, FitOptions, FitStatus, GgomNbd, GgomNbdParams, Limit, ParetoNbd,
    ParetoNbdParams, PurchaseModel,
};
use customer_value::{CustomerId, Error, Scorer};
use proptest::prelude::*;

fn hist(x: u32, t_x: f64, age: f64) -> CustomerHistory {
    CustomerHistory::new(CustomerId::new(1), x, t_x, age).unwrap()
}

fn rel(a: f64, b: f64) -> f64 {
    ((a - b) / b).abs()
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

/// `tests/data/ggomnbd_quad.csv` (benches/peers/ggomnbd_quad.py): the
/// log-likelihood, P(alive), CET over 52 units and DERT at δ = 0.01 from
/// the definition, `η` integrated out numerically by nested QUADPACK
/// quadrature (not the closed-form survivor used here).
#[test]
fn matches_nested_integration_of_the_definition() {
    let text = include_str!("data/ggomnbd_quad.csv");
    let mut n = 0;
    for line in text.lines().skip(1).filter(|l| !l.is_empty()) {
        let v: Vec<f64> = line.split(',').map(|f| f.parse().unwrap()).collect();
        let p = GgomNbdParams::new(v[0], v[1], v[2], v[3], v[4]).unwrap();
        let h = hist(v[5] as u32, v[6], v[7]);
        let ll = p.log_likelihood(&h).unwrap();
        assert!(
            (ll - v[8]).abs() < 1e-9 * v[8].abs().max(1.0),
            "{line}: ll {ll}"
        );
        let pa = p.p_alive(&h).unwrap();
        assert!(rel(pa, v[9]) < 1e-8, "{line}: p_alive {pa}");
        let cet = p.expected_purchases(&h, 52.0).unwrap();
        assert!(rel(cet, v[10]) < 1e-8, "{line}: cet {cet}");
        let dert = p.dert(&h, 0.01).unwrap();
        assert!(rel(dert, v[11]) < 1e-8, "{line}: dert {dert}");
        n += 1;
    }
    assert!(n >= 12);
}

/// As `b → 0` with `β = b·β_P`, GGom/NBD is Pareto/NBD with dropout rate
/// `β_P`: likelihood, P(alive), CET and DERT agree with the crate's
/// closed-form Pareto/NBD.
#[test]
fn pareto_nbd_limit() {
    let pnbd = ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908).unwrap();
    let b = 1e-9;
    let g = GgomNbdParams::new(0.553275, 10.577611, b, 0.606213, b * 11.667908).unwrap();
    for (x, tx, t) in [
        (0, 0.0, 38.86),
        (2, 30.43, 38.86),
        (26, 30.85714, 31.0),
        (1, 1.71, 38.86),
    ] {
        let h = hist(x, tx, t);
        let (a, e) = (
            g.log_likelihood(&h).unwrap(),
            pnbd.log_likelihood(&h).unwrap(),
        );
        assert!((a - e).abs() < 1e-6, "{a} {e}");
        let (a, e) = (g.p_alive(&h).unwrap(), pnbd.p_alive(&h).unwrap());
        assert!((a - e).abs() < 1e-6, "{a} {e}");
        let (a, e) = (
            g.expected_purchases(&h, 52.0).unwrap(),
            pnbd.expected_purchases(&h, 52.0).unwrap(),
        );
        assert!(rel(a, e) < 1e-6, "{a} {e}");
        let (a, e) = (g.dert(&h, 0.01).unwrap(), pnbd.dert(&h, 0.01).unwrap());
        assert!(rel(a, e) < 1e-6, "{a} {e}");
    }
    let (a, e) = (
        g.expected_purchases_new(39.0).unwrap(),
        pnbd.expected_purchases_new(39.0).unwrap(),
    );
    assert!(rel(a, e) < 1e-6, "{a} {e}");
}

/// The Poisson limit (`r, α → ∞` with `λ = r/α` fixed: every customer buys
/// at rate `λ`): the log-likelihood tends to the limiting model's,
/// `λ^x e^{−λT} S(T) + λ^x ∫_{t_x}^{T} e^{−λy} g(y) dy` with the
/// Gamma-Gompertz survivor `S` and density `g`, integrated here
/// independently (composite Simpson, 20,000 panels); the gap is `O(x²/r)`.
#[test]
fn poisson_limit_likelihood() {
    let (lambda, b, s, beta) = (0.3, 0.08, 1.2, 3.0);
    let surv = |y: f64| (beta / (beta + (b * y).exp_m1())).powf(s);
    let dens =
        |y: f64| b * s * beta.powf(s) * (b * y).exp() / (beta + (b * y).exp_m1()).powf(s + 1.0);
    for (x, tx, t) in [
        (0, 0.0, 38.0),
        (4, 10.0, 38.0),
        (15, 30.0, 52.0),
        (2, 7.0, 7.0),
    ] {
        let xf = f64::from(x);
        let n = 20_000;
        let h = (t - tx) / f64::from(n);
        let f = |y: f64| (-lambda * y).exp() * dens(y);
        let mut integral = 0.0;
        if t > tx {
            for k in 0..n {
                let a = tx + h * f64::from(k);
                integral += h / 6.0 * (f(a) + 4.0 * f(a + 0.5 * h) + f(a + h));
            }
        }
        let limit = xf * lambda.ln() + ((-lambda * t).exp() * surv(t) + integral).ln();
        for (r, tol) in [(1e8, 1e-6), (1e12, 1e-9)] {
            let p = GgomNbdParams::new(r, r / lambda, b, s, beta).unwrap();
            let ll = p.log_likelihood(&hist(x, tx, t)).unwrap();
            assert!((ll - limit).abs() < tol, "r {r} x {x}: {ll} vs {limit}");
        }
    }
}

/// CLVTools' `test_correctness_ggomnbd.R` on CDNOW (37-week split; the
/// same histories as Fader & Hardie's 39-week calibration summary):
/// `r = 0.55313, α = 10.5758, b = 0.0000011, s = 0.60682, β = 0.000013`,
/// `LL = −9594.9762`; Bemmaor & Glady (2012) Table 2: `LL = −9594.98`.
#[test]
fn cdnow_reproduces_clvtools() {
    let Some(dir) = crate::support::data_dir() else {
        return;
    };
    let population = cdnow(&dir);
    // CLVTools' printed estimate gives its printed log-likelihood.
    let printed = GgomNbdParams::new(0.55313, 10.5758, 0.0000011, 0.60682, 0.000013).unwrap();
    let ll: f64 = population
        .iter()
        .map(|h| printed.log_likelihood(h).unwrap())
        .sum();
    // b and β are printed to 2 significant digits, so their ratio (the
    // Pareto/NBD dropout rate, 11.82 printed against 11.67 at the optimum)
    // is off by 1 %: −9594.9815 against the printed −9594.9762.
    assert!((ll - -9594.9762).abs() < 1e-2, "{ll}");
    let fit = GgomNbd::with_options(FitOptions::default().keep_unconverged(true))
        .fit_detailed(&population)
        .unwrap();
    let p = fit.params();
    eprintln!(
        "GGom/NBD CDNOW: r {} alpha {} b {} s {} beta {} beta/b {} LL {} status {:?} iterations {}",
        p.r(),
        p.alpha(),
        p.b(),
        p.s(),
        p.beta(),
        p.beta() / p.b(),
        fit.log_likelihood(),
        fit.status(),
        fit.iterations()
    );
    // The maximum is on the Pareto/NBD ridge: the log-likelihood is at
    // least CLVTools' to its printed 4 decimals, r, α and s to CLVTools'
    // printed digits; b and β are not identified (only β/b is).
    assert!(
        fit.log_likelihood() > -9594.9763,
        "{}",
        fit.log_likelihood()
    );
    assert!(rel(p.r(), 0.55313) < 2e-3, "{}", p.r());
    assert!(rel(p.alpha(), 10.5758) < 2e-3, "{}", p.alpha());
    assert!(rel(p.s(), 0.60682) < 1e-2, "{}", p.s());
    let pnbd = ParetoNbd::new().fit_detailed(&population).unwrap();
    assert!(fit.log_likelihood() >= pnbd.log_likelihood() - 1e-6);
}

/// On CDNOW the supremum is the Pareto/NBD limit: the fit follows the
/// ridge `b, β → 0` (`β/b` fixed) to the boundary, says so, has no standard
/// errors, and stands for the Pareto/NBD that the Pareto/NBD fitter finds
/// on the same data (to the optimisers' tolerance); its predictions at the
/// reported point are that Pareto/NBD's.
#[test]
fn cdnow_boundary_is_the_pareto_nbd_limit() {
    let Some(dir) = crate::support::data_dir() else {
        return;
    };
    let population = cdnow(&dir);
    let fit = GgomNbd::new().fit_detailed(&population).unwrap();
    match fit.status() {
        FitStatus::Boundary { diverging, limits } => {
            assert!(limits.contains(&Limit::ParetoDropout), "{limits:?}");
            for name in ["b", "beta"] {
                assert!(
                    diverging
                        .iter()
                        .any(|d| d.parameter == name && d.direction == Direction::ToZero),
                    "{diverging:?}"
                );
            }
        }
        other => panic!("expected the Pareto/NBD boundary, got {other:?}"),
    }
    assert!(fit.std_errors().is_none());
    let pnbd = ParetoNbd::new().fit_detailed(&population).unwrap();
    let limit = fit.pareto_nbd_limit().unwrap();
    let want = pnbd.params();
    for (a, e) in [
        (limit.r(), want.r()),
        (limit.alpha(), want.alpha()),
        (limit.s(), want.s()),
        (limit.beta(), want.beta()),
    ] {
        assert!(rel(a, e) < 1e-3, "{a} {e}");
    }
    assert!(
        (fit.log_likelihood() - pnbd.log_likelihood()).abs() < 1e-5,
        "{} {}",
        fit.log_likelihood(),
        pnbd.log_likelihood()
    );
    // Predictions at the boundary point are the limit's.
    let g = fit.params();
    for h in population.iter().step_by(97) {
        let (a, e) = (g.p_alive(h).unwrap(), limit.p_alive(h).unwrap());
        assert!((a - e).abs() < 1e-8, "{a} {e}");
        let (a, e) = (
            g.expected_purchases(h, 52.0).unwrap(),
            limit.expected_purchases(h, 52.0).unwrap(),
        );
        assert!(rel(a, e) < 1e-8, "{a} {e}");
    }
    // The fit file's purchase model is the limit.
    #[cfg(feature = "json")]
    {
        use customer_value::btyd::file::{FitFile, ModelFit};
        let file = FitFile::new(ModelFit::GgomNbd(fit.clone()), None);
        let back = FitFile::from_json(&file.to_json().unwrap()).unwrap();
        assert_eq!(back, file);
        assert_eq!(back.purchase_model(), Some(PurchaseModel::ParetoNbd(limit)));
    }
}

/// Data simulated from a GGom/NBD with real Gompertz ageing (`b` = 0.1 per
/// unit), 400 customers: the fit is
/// interior, with standard errors, and recovers the parameters within 4
/// standard errors; its fit file predicts with GGom/NBD. (At this size
/// `s` and `b` are weakly identified and some seeds' maxima sit on other
/// rays, e.g. `s, β → ∞`; seed 12 is one whose maximum is interior.)
#[test]
fn simulated_ageing_is_interior() {
    simulated_ageing(400, 12);
}

/// As [`simulated_ageing_is_interior`] on 1,500 customers (tighter
/// standard errors).
#[test]
fn simulated_ageing_is_interior_large() {
    simulated_ageing(1500, 11);
}

fn simulated_ageing(n: usize, seed: u64) {
    let truth = GgomNbdParams::new(0.8, 4.0, 0.1, 1.0, 2.0).unwrap();
    let population = simulate(&truth, n, 30.0, seed);
    let fit = GgomNbd::new().fit_detailed(&population).unwrap();
    let at_truth: f64 = population
        .iter()
        .map(|h| truth.log_likelihood(h).unwrap())
        .sum();
    eprintln!(
        "simulated GGom/NBD: {:?} LL {} (at the truth {}) status {:?} se {:?}",
        fit.params(),
        fit.log_likelihood(),
        at_truth,
        fit.status(),
        fit.std_errors()
    );
    assert!(fit.log_likelihood() >= at_truth);
    assert_eq!(fit.status(), &FitStatus::Interior);
    // A start of five values (the truth) reaches the same maximum.
    let truth_values = [truth.r(), truth.alpha(), truth.b(), truth.s(), truth.beta()];
    let again = GgomNbd::with_options(FitOptions::new().start(truth_values))
        .fit_detailed(&population)
        .unwrap();
    assert!(
        (again.log_likelihood() - fit.log_likelihood()).abs() < 1e-6,
        "{} vs {}",
        again.log_likelihood(),
        fit.log_likelihood()
    );
    assert!(fit.pareto_nbd_limit().is_none());
    let se = fit.std_errors().unwrap();
    let got = fit.params();
    for (k, (a, e)) in [
        (got.r(), truth.r()),
        (got.alpha(), truth.alpha()),
        (got.b(), truth.b()),
        (got.s(), truth.s()),
        (got.beta(), truth.beta()),
    ]
    .into_iter()
    .enumerate()
    {
        assert!(
            (a - e).abs() < 4.0 * se[k],
            "{k}: {a} vs {e} (se {})",
            se[k]
        );
    }
    #[cfg(feature = "json")]
    {
        use customer_value::btyd::file::{FitFile, ModelFit};
        let file = FitFile::new(ModelFit::GgomNbd(fit.clone()), None);
        assert_eq!(file.purchase_model(), Some(PurchaseModel::GgomNbd(*got)));
    }
}

/// GGom/NBD customers observed for `age` units: `λ ~ Gamma(r, α)`,
/// `η ~ Gamma(s, β)`, Gompertz lifetime `τ = ln(1 + E/η)/b` with
/// `E ~ Exp(1)` (so `P(τ > t | η) = exp(−η(e^{bt} − 1))`), Poisson
/// purchases at rate `λ` while alive. A seeded SplitMix64 stream; gamma
/// draws by Marsaglia & Tsang (2000).
fn simulate(p: &GgomNbdParams, n: usize, age: f64, seed: u64) -> Vec<CustomerHistory> {
    let mut state = seed;
    let mut uniform = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut normal = |u: &mut dyn FnMut() -> f64| {
        let (a, b) = (u(), u());
        (-2.0 * a.ln()).sqrt() * (std::f64::consts::TAU * b).cos()
    };
    fn gamma(
        shape: f64,
        u: &mut dyn FnMut() -> f64,
        normal: &mut dyn FnMut(&mut dyn FnMut() -> f64) -> f64,
    ) -> f64 {
        if shape < 1.0 {
            let g = gamma(shape + 1.0, u, normal);
            return g * u().powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let z = normal(u);
            let v = (1.0 + c * z).powi(3);
            if v > 0.0 && u().ln() < 0.5 * z * z + d - d * v + d * v.ln() {
                return d * v;
            }
        }
    }
    (0..n)
        .map(|i| {
            let lambda = gamma(p.r(), &mut uniform, &mut normal) / p.alpha();
            let eta = gamma(p.s(), &mut uniform, &mut normal) / p.beta();
            let e = -uniform().ln();
            let tau = (e / eta).ln_1p() / p.b();
            let end = tau.min(age);
            let (mut x, mut t_x, mut t) = (0u32, 0.0, 0.0);
            loop {
                t += -uniform().ln() / lambda;
                if t > end {
                    break;
                }
                x += 1;
                t_x = t;
            }
            CustomerHistory::new(CustomerId::new(i as u64), x, t_x, age).unwrap()
        })
        .collect()
}

/// The conditional pmf: sums to 1 (with the tail beyond `n_max` below
/// `1e-12`), its mean is the CET, `conditional_prob_purchases` is its
/// entry, and as `b → 0` with `β/b` fixed it is the Pareto/NBD's.
#[test]
fn conditional_pmf_sums_to_one_has_the_cet_mean_and_the_pareto_limit() {
    for p in [
        GgomNbdParams::new(0.55, 10.6, 0.05, 0.6, 0.6).unwrap(),
        GgomNbdParams::new(1.3, 4.0, 0.2, 2.0, 3.0).unwrap(),
        GgomNbdParams::new(0.4, 30.0, 1e-4, 0.3, 0.02).unwrap(),
    ] {
        for (x, tx, t) in [(0, 0.0, 38.0), (2, 30.43, 38.86), (12, 35.0, 36.0)] {
            let h = hist(x, tx, t);
            for horizon in [1.0, 52.0] {
                let pmf = p.conditional_pmf(&h, horizon, 400).unwrap();
                let total: f64 = pmf.iter().sum();
                assert!((total - 1.0).abs() < 1e-9, "{p:?} {x} sum {total}");
                let mean: f64 = pmf.iter().enumerate().map(|(n, q)| n as f64 * q).sum();
                let cet = p.expected_purchases(&h, horizon).unwrap();
                assert!(rel(mean, cet) < 1e-8, "{p:?} {x}: {mean} vs {cet}");
                for n in [0, 1, 5] {
                    let q = p.conditional_prob_purchases(&h, horizon, n).unwrap();
                    assert_eq!(q, pmf[n as usize]);
                }
                let model = PurchaseModel::from(p);
                assert_eq!(model.conditional_pmf(&h, horizon, 10).unwrap(), pmf[..=10]);
            }
        }
    }
    let pnbd = ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908).unwrap();
    let b = 1e-9;
    let g = GgomNbdParams::new(0.553275, 10.577611, b, 0.606213, b * 11.667908).unwrap();
    for (x, tx, t) in [(0, 0.0, 38.86), (2, 30.43, 38.86), (26, 30.85714, 31.0)] {
        let h = hist(x, tx, t);
        let a = g.conditional_pmf(&h, 39.0, 60).unwrap();
        let e = pnbd.conditional_pmf(&h, 39.0, 60).unwrap();
        for (n, (a, e)) in a.iter().zip(&e).enumerate() {
            assert!((a - e).abs() < 1e-7, "{x} n={n}: {a} vs {e}");
        }
    }
    assert_eq!(
        g.conditional_pmf(&hist(1, 2.0, 10.0), 0.0, 3).unwrap(),
        vec![1.0, 0.0, 0.0, 0.0]
    );
    assert!(g.conditional_pmf(&hist(1, 2.0, 10.0), -1.0, 3).is_err());
    assert!(
        g.conditional_pmf(&hist(1, 2.0, 10.0), 1.0, 200_000)
            .is_err()
    );
}

#[test]
fn typed_errors() {
    assert!(matches!(
        GgomNbdParams::new(1.0, 1.0, 0.0, 1.0, 1.0),
        Err(Error::InvalidParameter { name: "b", .. })
    ));
    assert!(matches!(
        GgomNbdParams::new(1.0, f64::NAN, 1.0, 1.0, 1.0),
        Err(Error::InvalidParameter { name: "alpha", .. })
    ));
    let p = GgomNbdParams::new(0.5, 10.0, 0.1, 0.6, 0.5).unwrap();
    assert!(p.expected_purchases(&hist(1, 2.0, 10.0), -1.0).is_err());
    assert!(p.expected_purchases_new(f64::INFINITY).is_err());
    assert!(matches!(
        p.dert(&hist(1, 2.0, 10.0), 0.0),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        GgomNbd::new().fit_detailed(&[]),
        Err(Error::EmptyInput { .. })
    ));
    assert!(
        GgomNbd::new()
            .fit_weighted(&[hist(1, 2.0, 10.0)], &[1.0, 2.0])
            .is_err()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// P(alive) in [0, 1]; CET grows with the horizon, is at most the
    /// alive customer's posterior mean rate times the horizon, and DERT
    /// is at most the undiscounted rate over the discount's mean time.
    #[test]
    fn bounds_and_monotonicity(
        r in 0.1f64..3.0, alpha in 0.5f64..30.0, b in 1e-4f64..0.5, s in 0.1f64..3.0,
        beta in 1e-3f64..10.0, x in 0u32..30, frac in 0.0f64..1.0, t in 1.0f64..80.0,
    ) {
        let p = GgomNbdParams::new(r, alpha, b, s, beta).unwrap();
        let tx = if x == 0 { 0.0 } else { frac * t };
        let h = hist(x, tx, t);
        let pa = p.p_alive(&h).unwrap();
        prop_assert!((0.0..=1.0).contains(&pa));
        prop_assert_eq!(p.score(&h).unwrap(), pa);
        let rate = (r + f64::from(x)) / (alpha + t);
        let c10 = p.expected_purchases(&h, 10.0).unwrap();
        let c20 = p.expected_purchases(&h, 20.0).unwrap();
        prop_assert!(c10 >= 0.0 && c10 <= c20 * (1.0 + 1e-12));
        prop_assert!(c20 <= pa * rate * 20.0 * (1.0 + 1e-9));
        let d = p.dert(&h, 0.05).unwrap();
        prop_assert!(d <= pa * rate / 0.05 * (1.0 + 1e-9));
        let e = p.expected_purchases_new(20.0).unwrap();
        prop_assert!(e <= r / alpha * 20.0 * (1.0 + 1e-12));
    }
}

/// A new customer's expected purchases are the population mean of the
/// conditional expectation at `T = 0` (no purchase yet, alive).
#[test]
fn unconditional_equals_conditional_at_zero_age() {
    let p = GgomNbdParams::new(0.8, 6.0, 0.05, 1.5, 0.4).unwrap();
    // (x, t_x, T) = (0, 0, tiny): the conditional expectation tends to E[X(t)].
    let h = hist(0, 0.0, 1e-9);
    let a = p.expected_purchases(&h, 30.0).unwrap();
    let e = p.expected_purchases_new(30.0).unwrap();
    assert!(rel(a, e) < 1e-7, "{a} {e}");
}

/// `∫_0^t f(u) du` by composite Simpson on 20,000 panels: an integrator
/// independent of the crate's Gauss–Kronrod quadrature.
fn simpson(f: impl Fn(f64) -> f64, t: f64) -> f64 {
    let n = 20_000;
    let h = t / n as f64;
    let mut sum = f(0.0) + f(t);
    for i in 1..n {
        sum += f(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    sum * h / 3.0
}

/// Near the homogeneous-dropout limit (`s, β → ∞`, `s/β = η`), where a
/// fit on a log whose customers share one lifetime distribution ends, the
/// predictions are those of a Gompertz lifetime with hazard `η·b·e^{bt}`:
/// `S_T(u) = exp(−η·e^{bT}·(e^{bu} − 1))`. Found on a simulated log (3,300
/// customers, exponential lifetimes of one rate): the fit answered with
/// `s = 7.1e12` and `predict` refused every customer because the
/// survivor's exponent was `s` times a difference of two logarithms that
/// were equal to rounding.
#[test]
fn predictions_near_the_homogeneous_dropout_limit_are_the_gompertz_ones() {
    let (r, alpha, b) = (0.5461, 55.68, 0.003796);
    let eta = 0.6648;
    for s in [1e6, 7.1e12, 1e15] {
        let g = GgomNbdParams::new(r, alpha, b, s, s / eta).unwrap();
        // One over β of the limit: the finite point and the limit agree
        // to about η/s relative.
        let tol = 1e-8_f64.max(10.0 / s);
        for (x, t_x, age) in [
            (0, 0.0, 202.0),
            (1, 43.0, 202.0),
            (5, 250.0, 290.0),
            (3, 20.0, 20.0),
        ] {
            let h = hist(x, t_x, age);
            let limit_surv = |u: f64| (-eta * (b * age).exp() * (b * u).exp_m1()).exp();
            let alive = g.p_alive(&h).unwrap();
            assert!((0.0..=1.0).contains(&alive));
            let rate = (r + f64::from(x)) / (alpha + age);
            let want = alive * rate * simpson(limit_surv, 70.0);
            let got = g.expected_purchases(&h, 70.0).unwrap();
            assert!(
                rel(got, want) < tol,
                "s {s}, {x} {t_x} {age}: {got} vs {want}"
            );
            // The conditional pmf sums to 1 and its mean is that expectation.
            let pmf: Vec<f64> = (0..60)
                .map(|n| g.conditional_prob_purchases(&h, 70.0, n).unwrap())
                .collect();
            let total: f64 = pmf.iter().sum();
            let mean: f64 = pmf.iter().enumerate().map(|(n, p)| n as f64 * p).sum();
            assert!((total - 1.0).abs() < 1e-8, "s {s}: pmf sums to {total}");
            assert!(rel(mean, got) < 1e-6, "s {s}: pmf mean {mean} vs {got}");
        }
        let new = g.expected_purchases_new(100.0).unwrap();
        let want = r / alpha * simpson(|u| (-eta * (b * u).exp_m1()).exp(), 100.0);
        assert!(rel(new, want) < tol, "s {s}: new customer {new} vs {want}");
    }
}
