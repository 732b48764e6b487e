//! BG/NBD and MBG/NBD on their homogeneous-dropout ridge (`a, b → ∞` with
//! `p = a/(a+b)` fixed): a near-homogeneous summary generated here from a
//! seed, 20,000 customers with ages `T` of 365 to 1,825 days, `x ~
//! Poisson(0.01·T)` repeat purchases, the last uniform in `[T/2, T]`
//! (the recipe of issue 10's slow log, drawn from scratch).
//!
//! Checked: the fits end on the ridge with `a` and `b` named as diverging,
//! within a small budget of objective evaluations (the limit is computed
//! on the ridge's face, not walked out to); the reported log-likelihood is
//! the limiting model's (one dropout probability `p` for all), computed
//! here independently in closed form, at a point within `1e-6` of that
//! model's maximum; the parameters and the maximum agree with an
//! independent maximisation of the limiting model by scipy
//! (`benches/peers/bg_ridge_reference.py`, which draws the same log); and
//! the predictions at the fitted point are the limiting model's.

use customer_value::CustomerId;
use customer_value::btyd::{
    BgNbd, CustomerHistory, Direction, FitOptions, FitStatus, Limit, MbgNbd,
};

use crate::btyd_boundary::awkward::Rng;

/// Customers in the generated log.
const CUSTOMERS: usize = 20_000;

/// `CUSTOMERS` histories in days (seed `seed`): `T = 365 + ⌊1461·u⌋`, `x`
/// Poisson with mean `0.01·T` (Knuth's product of uniforms), `t_x =
/// T·(1 + u)/2` when `x > 0`, else 0. Only uniforms, one `exp` per
/// customer, products and sums: the Python reference draws the same bits.
fn ridge_histories(seed: u64) -> Vec<CustomerHistory> {
    let mut rng = Rng(seed);
    (0..CUSTOMERS)
        .map(|i| {
            let age = 365.0 + (1461.0 * rng.uniform()).floor();
            let floor = (-0.01 * age).exp();
            let mut x = 0_u32;
            let mut product = rng.uniform();
            while product > floor {
                x += 1;
                product *= rng.uniform();
            }
            let t_x = if x > 0 {
                age * (1.0 + rng.uniform()) / 2.0
            } else {
                0.0
            };
            CustomerHistory::new(CustomerId::new(i as u64), x, t_x, age).unwrap()
        })
        .collect()
}

/// The log's fingerprint as `benches/peers/bg_ridge_reference.py` prints
/// it: the reference below is of these very histories.
fn check_fingerprint(histories: &[CustomerHistory]) {
    let purchases: u64 = histories.iter().map(|h| u64::from(h.x())).sum();
    let zeros = histories.iter().filter(|h| h.x() == 0).count();
    let t_x: f64 = histories.iter().map(|h| h.t_x()).sum();
    assert_eq!((purchases, zeros), (219_523, 35));
    assert!((t_x / 1.646_376_523_713_298e7 - 1.0).abs() < 1e-12, "{t_x}");
}

/// Which of the two models.
#[derive(Clone, Copy, Debug)]
enum Model {
    Bg,
    Mbg,
}

/// The limiting model's log-likelihood (one dropout probability `p` for
/// all), in closed form and independently of the crate: with `NBD(t) =
/// r(r+1)…(r+x−1)·α^r/(α+t)^{r+x}`,
/// BG/NBD `L = (1−p)^x·NBD(T) + 1{x>0}·p(1−p)^{x−1}·NBD(t_x)`,
/// MBG/NBD `L = (1−p)^{x+1}·NBD(T) + p(1−p)^x·NBD(t_x)`.
fn limit_log_likelihood(
    model: Model,
    histories: &[CustomerHistory],
    r: f64,
    alpha: f64,
    p: f64,
) -> f64 {
    let (ln_p, ln_q) = (p.ln(), (-p).ln_1p());
    histories
        .iter()
        .map(|h| {
            let xf = f64::from(h.x());
            let rising: f64 = (0..h.x()).map(|k| (r + f64::from(k)).ln()).sum();
            let nbd = |t: f64| rising + r * alpha.ln() - (r + xf) * (alpha + t).ln();
            let (alive, dead) = match model {
                Model::Bg if h.x() == 0 => return nbd(h.age()),
                Model::Bg => (
                    xf * ln_q + nbd(h.age()),
                    ln_p + (xf - 1.0) * ln_q + nbd(h.t_x()),
                ),
                Model::Mbg => (
                    (xf + 1.0) * ln_q + nbd(h.age()),
                    ln_p + xf * ln_q + nbd(h.t_x()),
                ),
            };
            let top = alive.max(dead);
            top + ((alive - top).exp() + (dead - top).exp()).ln()
        })
        .sum()
}

/// The gain a Newton step would bring the limiting model's log-likelihood
/// at `z = (ln r, ln α, logit p)`, `½·gᵀ(−H)⁻¹g` with the gradient and
/// Hessian by central differences; `None` unless `H` is negative definite.
#[allow(clippy::needless_range_loop)]
fn newton_gain(ll: &dyn Fn([f64; 3]) -> f64, z: [f64; 3]) -> Option<f64> {
    let h = 1e-3;
    let at = |i: usize, a: f64, j: usize, b: f64| {
        let mut t = z;
        t[i] += a;
        t[j] += b;
        ll(t)
    };
    let own = ll(z);
    let mut g = [0.0; 3];
    let mut m = [[0.0; 3]; 3]; // −H
    for i in 0..3 {
        let (up, dn) = (at(i, h, i, 0.0), at(i, -h, i, 0.0));
        g[i] = (up - dn) / (2.0 * h);
        m[i][i] = -(up - 2.0 * own + dn) / (h * h);
        for j in 0..i {
            let v = (at(i, h, j, h) - at(i, h, j, -h) - at(i, -h, j, h) + at(i, -h, j, -h))
                / (4.0 * h * h);
            m[i][j] = -v;
            m[j][i] = -v;
        }
    }
    // Cholesky of −H, then ½·|L⁻¹g|².
    let mut l = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..=i {
            let s: f64 = m[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
            if i == j {
                if s.is_nan() || s <= 0.0 {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    let mut y = [0.0; 3];
    for i in 0..3 {
        y[i] = (g[i] - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
    }
    Some(0.5 * y.iter().map(|v| v * v).sum::<f64>())
}

/// The fit's status must be the ridge: `a` and `b` to infinity, one
/// dropout probability for all.
fn assert_ridge(status: &FitStatus) {
    match status {
        FitStatus::Boundary { diverging, limits } => {
            assert_eq!(limits, &[Limit::HomogeneousDropout], "{status:?}");
            let named: Vec<_> = diverging
                .iter()
                .map(|d| (d.parameter.as_str(), d.direction))
                .collect();
            assert_eq!(
                named,
                [("a", Direction::ToInfinity), ("b", Direction::ToInfinity)]
            );
        }
        other => panic!("not the ridge: {other:?}"),
    }
}

/// The most objective evaluations the fits may spend (they take about
/// 150-190, counting the limit's own minimisation and the restarts along
/// the model's rays); walking out along the ridge took thousands.
const EVALUATIONS: usize = 400;

/// `(r, α, p, supremum of the log-likelihood)` of the limiting models,
/// from `python3 benches/peers/bg_ridge_reference.py` (scipy BFGS with the
/// analytic gradient, Newton-polished; the same script shows the full
/// models' maximum at `a + b = e^4 … e^16` rising to these, 6e-3 short at
/// `e^16`).
const BG_REFERENCE: [f64; 4] = [
    16.325_386_198_639_183,
    1_314.411_103_711_943_7,
    0.044_483_985_861_704_906,
    -1_216_826.341_239_923_8,
];
const MBG_REFERENCE: [f64; 4] = [
    16.401_580_551_545_18,
    1_325.287_356_336_869_8,
    0.039_494_496_670_185_21,
    -1_217_609.625_479_009,
];

/// What every check of one model's fit needs: the fitted `(r, α, a, b)`,
/// log-likelihood and status.
fn check_fit(
    model: Model,
    histories: &[CustomerHistory],
    [r, alpha, a, b]: [f64; 4],
    log_likelihood: f64,
    status: &FitStatus,
) {
    assert_ridge(status);
    assert!(a > 1e10 && b > 1e10, "{model:?}: a = {a}, b = {b}");
    let p = a / (a + b);
    let ll = |z: [f64; 3]| {
        limit_log_likelihood(
            model,
            histories,
            z[0].exp(),
            z[1].exp(),
            1.0 / (1.0 + (-z[2]).exp()),
        )
    };
    let z = [r.ln(), alpha.ln(), (p / (1.0 - p)).ln()];
    // The reported log-likelihood is the limiting model's at (r, α, p) ...
    let own = ll(z);
    assert!(
        (own - log_likelihood).abs() <= 1e-6,
        "{model:?}: limit {own} against the fit's {log_likelihood}"
    );
    // ... at a point within 1e-6 of that model's maximum ...
    let gain = newton_gain(&ll, z).expect("the limit's Hessian is negative definite");
    assert!(gain <= 1e-6, "{model:?}: a Newton step would gain {gain}");
    // ... which is scipy's, to its flatness.
    let reference = match model {
        Model::Bg => BG_REFERENCE,
        Model::Mbg => MBG_REFERENCE,
    };
    for (got, want) in [r, alpha, p].into_iter().zip(reference) {
        assert!(
            (got / want - 1.0).abs() < 1e-4,
            "{model:?}: {got} against {want}"
        );
    }
    assert!(
        log_likelihood >= reference[3] - 1e-6,
        "{model:?}: {log_likelihood} below the supremum {}",
        reference[3]
    );
}

#[test]
fn bg_nbd_computes_the_homogeneous_dropout_limit() {
    let histories = ridge_histories(10);
    check_fingerprint(&histories);
    let options = FitOptions::new().max_evaluations(EVALUATIONS);
    let fit = BgNbd::with_options(options)
        .fit_detailed(&histories)
        .unwrap();
    let q = fit.params();
    check_fit(
        Model::Bg,
        &histories,
        [q.r(), q.alpha(), q.a(), q.b()],
        fit.log_likelihood(),
        fit.status(),
    );
    assert!(fit.std_errors().is_none());

    // Predictions at the fitted point are the limit's: a new customer's
    // E[X(t)] = (1 − (α/(α+pt))^r)/p; P(alive | x > 0) =
    // 1/(1 + p/(1−p)·((α+T)/(α+t_x))^{r+x}); E[Y(t) | x, t_x, T] =
    // P(alive)·(1 − ((α+T)/(α+T+pt))^{r+x})/p.
    let (r, alpha) = (q.r(), q.alpha());
    let p = q.a() / (q.a() + q.b());
    for t in [1.0, 30.0, 365.0, 3650.0] {
        let want = -(-r * (p * t / alpha).ln_1p()).exp_m1() / p;
        let got = q.expected_purchases_new(t).unwrap();
        assert!(
            (got / want - 1.0).abs() < 1e-9,
            "E[X({t})]: {got} against {want}"
        );
    }
    for (x, t_x, age) in [
        (1, 200.0, 400.0),
        (5, 300.0, 1000.0),
        (20, 1700.0, 1800.0),
        (0, 0.0, 900.0),
    ] {
        let h = CustomerHistory::new(CustomerId::new(0), x, t_x, age).unwrap();
        let m = r + f64::from(x);
        let alive = if x == 0 {
            1.0
        } else {
            1.0 / (1.0 + p / (1.0 - p) * (m * ((age - t_x) / (alpha + t_x)).ln_1p()).exp())
        };
        let got = q.p_alive(&h);
        assert!(
            (got / alive - 1.0).abs() < 1e-9,
            "P(alive | {x}, {t_x}, {age}): {got} against {alive}"
        );
        for t in [30.0, 365.0] {
            let want = alive * -(-m * (p * t / (alpha + age)).ln_1p()).exp_m1() / p;
            let got = q.expected_purchases(&h, t).unwrap();
            assert!(
                (got / want - 1.0).abs() < 1e-9,
                "E[Y({t}) | {x}, {t_x}, {age}]: {got} against {want}"
            );
        }
    }
}

#[test]
fn mbg_nbd_computes_the_homogeneous_dropout_limit() {
    let histories = ridge_histories(10);
    check_fingerprint(&histories);
    let options = FitOptions::new().max_evaluations(EVALUATIONS);
    let fit = MbgNbd::with_options(options)
        .fit_detailed(&histories)
        .unwrap();
    let q = fit.params();
    check_fit(
        Model::Mbg,
        &histories,
        [q.r(), q.alpha(), q.a(), q.b()],
        fit.log_likelihood(),
        fit.status(),
    );

    // MBG/NBD may drop out at time 0 too: a new customer's E[X(t)] =
    // (1−p)(1 − (α/(α+pt))^r)/p; P(alive) = 1/(1 + p/(1−p)·((α+T)/(α+t_x))^{r+x})
    // for every x; E[Y(t) | x, t_x, T] as BG/NBD's.
    let (r, alpha) = (q.r(), q.alpha());
    let p = q.a() / (q.a() + q.b());
    for t in [1.0, 30.0, 365.0, 3650.0] {
        let want = (1.0 - p) * -(-r * (p * t / alpha).ln_1p()).exp_m1() / p;
        let got = q.expected_purchases_new(t).unwrap();
        assert!(
            (got / want - 1.0).abs() < 1e-9,
            "E[X({t})]: {got} against {want}"
        );
    }
    for (x, t_x, age) in [
        (1, 200.0, 400.0),
        (5, 300.0, 1000.0),
        (20, 1700.0, 1800.0),
        (0, 0.0, 900.0),
    ] {
        let h = CustomerHistory::new(CustomerId::new(0), x, t_x, age).unwrap();
        let m = r + f64::from(x);
        let alive = 1.0 / (1.0 + p / (1.0 - p) * (m * ((age - t_x) / (alpha + t_x)).ln_1p()).exp());
        let got = q.p_alive(&h);
        assert!(
            (got / alive - 1.0).abs() < 1e-9,
            "P(alive | {x}, {t_x}, {age}): {got} against {alive}"
        );
        for t in [30.0, 365.0] {
            let want = alive * -(-m * (p * t / (alpha + age)).ln_1p()).exp_m1() / p;
            let got = q.expected_purchases(&h, t).unwrap();
            assert!(
                (got / want - 1.0).abs() < 1e-9,
                "E[Y({t}) | {x}, {t_x}, {age}]: {got} against {want}"
            );
        }
    }
}
