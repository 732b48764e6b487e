//! Predictions over the whole parameter range against 30-digit references
//! computed from the models' definitions (integrals over the latent
//! variables) by `benches/peers/mpmath_reference.py` into
//! `tests/data/btyd_accuracy.csv`; plus invariants and limits.
//!
//! The grid draws r, α, a, b, s, β log-uniformly from 1e-4 to 1e4 (a
//! quarter of the BG/NBD b up to 1e30), x up to 1e5, T from 1e-2 to 1e4 and
//! horizons from 1e-3 to 1e4. The purchase-count rows (`*_pmf`: a new
//! customer's P(X(t) = n); `*_cpmf`: the conditional pmf of a customer with
//! a history, its `n` in the `note` column) span r, α up to 1e3, a, b, s, β
//! over four to six decades and counts up to 2e4. Every value must be within 1e-10 relative,
//! except where a typed error is documented: `hyp2f1` refuses a form whose
//! series cancels (condition number above 1e4).

#![allow(clippy::neg_cmp_op_on_partial_ord)]
// Reference values keep all the digits their source printed.
#![allow(clippy::excessive_precision)]

use std::path::PathBuf;

use customer_value::btyd::{
    BgNbdParams, BtydClv, BtydCustomer, CustomerHistory, GammaGammaParams, MbgNbdParams,
    ParetoNbdParams, SpendHistory, hyp2f1,
};
use customer_value::clv::DiscountRate;
use customer_value::{CustomerId, Decimal, Error};
use proptest::prelude::*;

const TOL: f64 = 1e-10;

struct Row {
    kind: String,
    p: [f64; 4],
    x: u32,
    t_x: f64,
    big_t: f64,
    t: f64,
    value: f64,
    /// The count `n` of the conditional pmf rows.
    n: u32,
}

fn rows() -> Vec<Row> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/btyd_accuracy.csv");
    let text = std::fs::read_to_string(&path).expect("tests/data/btyd_accuracy.csv");
    text.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let num = |i: usize| f[i].parse::<f64>().unwrap();
            Row {
                kind: f[0].to_string(),
                p: [num(1), num(2), num(3), num(4)],
                x: f[5].parse().unwrap(),
                t_x: num(6),
                big_t: num(7),
                t: num(8),
                value: num(9),
                n: f.get(10).and_then(|v| v.parse().ok()).unwrap_or(0),
            }
        })
        .collect()
}

fn hist(x: u32, t_x: f64, age: f64) -> CustomerHistory {
    CustomerHistory::new(CustomerId::new(1), x, t_x, age).unwrap()
}

/// Relative error, with values below the smallest normal f64 compared
/// absolutely (a true 1e-320 may come out as 0).
fn rel(got: f64, want: f64) -> f64 {
    if want.abs() < f64::MIN_POSITIVE {
        return (got - want).abs() / f64::MIN_POSITIVE;
    }
    ((got - want) / want).abs()
}

#[test]
fn every_prediction_matches_the_definition() {
    let rows = rows();
    assert!(rows.len() > 1000, "{} rows", rows.len());
    let mut failures = Vec::new();
    let mut refused = 0;
    let mut worst: std::collections::BTreeMap<String, f64> = Default::default();
    for row in &rows {
        let [p1, p2, p3, p4] = row.p;
        let got: Result<f64, Error> = match row.kind.as_str() {
            "bg_ex" => BgNbdParams::new(p1, p2, p3, p4)
                .unwrap()
                .expected_purchases_new(row.t),
            "bg_palive" => Ok(BgNbdParams::new(p1, p2, p3, p4)
                .unwrap()
                .p_alive(&hist(row.x, row.t_x, row.big_t))),
            "bg_ey" => BgNbdParams::new(p1, p2, p3, p4)
                .unwrap()
                .expected_purchases(&hist(row.x, row.t_x, row.big_t), row.t),
            "mbg_ex" => MbgNbdParams::new(p1, p2, p3, p4)
                .unwrap()
                .expected_purchases_new(row.t),
            "mbg_palive" => Ok(MbgNbdParams::new(p1, p2, p3, p4)
                .unwrap()
                .p_alive(&hist(row.x, row.t_x, row.big_t))),
            "mbg_ey" => MbgNbdParams::new(p1, p2, p3, p4)
                .unwrap()
                .expected_purchases(&hist(row.x, row.t_x, row.big_t), row.t),
            "pnbd_ex" => ParetoNbdParams::new(p1, p2, p3, p4)
                .unwrap()
                .expected_purchases_new(row.t),
            "pnbd_palive" => ParetoNbdParams::new(p1, p2, p3, p4)
                .unwrap()
                .p_alive(&hist(row.x, row.t_x, row.big_t)),
            "pnbd_ey" => ParetoNbdParams::new(p1, p2, p3, p4)
                .unwrap()
                .expected_purchases(&hist(row.x, row.t_x, row.big_t), row.t),
            "bg_pmf" => BgNbdParams::new(p1, p2, p3, p4)
                .unwrap()
                .prob_purchases(row.t, row.x),
            "mbg_pmf" => MbgNbdParams::new(p1, p2, p3, p4)
                .unwrap()
                .prob_purchases(row.t, row.x),
            "pnbd_pmf" => ParetoNbdParams::new(p1, p2, p3, p4)
                .unwrap()
                .prob_purchases(row.t, row.x),
            "bg_cpmf" => BgNbdParams::new(p1, p2, p3, p4)
                .unwrap()
                .conditional_prob_purchases(&hist(row.x, row.t_x, row.big_t), row.t, row.n),
            "mbg_cpmf" => MbgNbdParams::new(p1, p2, p3, p4)
                .unwrap()
                .conditional_prob_purchases(&hist(row.x, row.t_x, row.big_t), row.t, row.n),
            "pnbd_cpmf" => ParetoNbdParams::new(p1, p2, p3, p4)
                .unwrap()
                .conditional_prob_purchases(&hist(row.x, row.t_x, row.big_t), row.t, row.n),
            "hyp2f1" => match hyp2f1(p1, p2, p3, p4) {
                Err(Error::InvalidValue { .. }) => {
                    refused += 1;
                    continue;
                }
                other => other,
            },
            "gg_spend" => {
                let g = GammaGammaParams::new(p1, p2, p3).unwrap();
                let zbar = if row.x == 0 {
                    Decimal::ZERO
                } else {
                    Decimal::from_f64_retain(p4).unwrap()
                };
                g.expected_spend_f64(&SpendHistory::new(CustomerId::new(1), row.x, zbar).unwrap())
            }
            other => panic!("unknown kind {other}"),
        };
        match got {
            Ok(v) => {
                let e = rel(v, row.value);
                let w = worst.entry(row.kind.clone()).or_insert(0.0);
                *w = w.max(e);
                if !(e <= TOL) {
                    failures.push(format!(
                        "{} {:?} x={} t_x={} T={} t={}: got {v:e}, want {:e} (rel {e:e})",
                        row.kind, row.p, row.x, row.t_x, row.big_t, row.t, row.value
                    ));
                }
            }
            Err(err) => failures.push(format!(
                "{} {:?} x={} t_x={} T={} t={}: error {err}",
                row.kind, row.p, row.x, row.t_x, row.big_t, row.t
            )),
        }
    }
    eprintln!("worst relative error by kind: {worst:?}; hyp2f1 refused {refused}");
    // Refusals are the large-a, large-b, small-c corner at z < 0 (31 of the
    // 301 drawn points when this was written).
    assert!(refused <= 40, "hyp2f1 refused {refused} points");
    assert!(
        failures.is_empty(),
        "{} of {} rows off:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

/// The issue's cases by name: r = 100 (one customer and a new one), b = 1e15.
#[test]
fn named_cases_from_the_issue() {
    let p = BgNbdParams::new(100.0, 4.41, 0.79, 2.43).unwrap();
    let v = p.expected_purchases_new(30.0).unwrap();
    assert!(
        rel(v, 25.981_575_602_798_912_350_879_133_153_53) < 1e-12,
        "{v}"
    );
    let p = BgNbdParams::new(0.24, 4.41, 0.79, 1e15).unwrap();
    let v = p.expected_purchases_new(30.0).unwrap();
    assert!(rel(v, 1.632_653_061_224_484_242_931_618_14) < 1e-12, "{v}");
}

#[test]
fn clv_periods_are_capped_and_linear() {
    let purchases = BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754).unwrap();
    let spend = GammaGammaParams::new(6.248803, 3.744588, 15.447746).unwrap();
    let build = |k: u32, d: Decimal| {
        BtydClv::builder(purchases, spend)
            .periods(k)
            .discount(DiscountRate::new(d).unwrap())
            .period_length(4.345)
            .build()
    };
    assert!(matches!(
        build(u32::MAX, Decimal::new(1, 2)),
        Err(Error::InvalidParameter {
            name: "periods",
            ..
        })
    ));
    assert!(build(BtydClv::MAX_PERIODS, Decimal::new(1, 2)).is_ok());
    let c = CustomerId::new(1);
    let customer = BtydCustomer::new(
        CustomerHistory::new(c, 2, 30.43, 38.86).unwrap(),
        SpendHistory::new(c, 2, Decimal::new(2235, 2)).unwrap(),
    )
    .unwrap();
    // 10 000 monthly periods: fast (the discounted rest stops the sum), and
    // the same as 5 000 periods to rounding (1.01^-5000 ≈ 2e-22).
    let start = std::time::Instant::now();
    let long = build(10_000, Decimal::new(1, 2))
        .unwrap()
        .value_f64(&customer)
        .unwrap();
    assert!(start.elapsed().as_secs_f64() < 20.0);
    let half = build(5_000, Decimal::new(1, 2))
        .unwrap()
        .value_f64(&customer)
        .unwrap();
    assert!(rel(long, half) < 1e-13, "{long} {half}");
    // d = 0 telescopes: m̂ · E[Y(K f)].
    let flat = build(10_000, Decimal::ZERO)
        .unwrap()
        .value_f64(&customer)
        .unwrap();
    let m = spend.expected_spend_f64(customer.spend()).unwrap();
    let e = purchases
        .expected_purchases(customer.history(), 10_000.0 * 4.345)
        .unwrap();
    assert!(rel(flat, m * e) < 1e-15, "{flat} {}", m * e);
}

fn lg(lo: f64, hi: f64) -> impl Strategy<Value = f64> {
    (lo.log10()..hi.log10()).prop_map(|e| 10f64.powf(e))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// P(alive) in [0, 1], E[Y] ≥ 0 and E[X(t)] ≤ r t/α (no customer
    /// buys faster than the mean rate says), for every model.
    #[test]
    fn predictions_are_probabilities_and_non_negative(
        r in lg(1e-4, 1e4), alpha in lg(1e-4, 1e4), a in lg(1e-4, 1e4), b in lg(1e-4, 1e12),
        x in 0u32..100_000, frac in 0.0..1.0f64, big_t in lg(1e-2, 1e4), t in lg(1e-3, 1e4),
    ) {
        let t_x = if x == 0 { 0.0 } else { big_t * frac.max(1e-6) };
        let h = hist(x, t_x, big_t);
        let bg = BgNbdParams::new(r, alpha, a, b).unwrap();
        let p = bg.p_alive(&h);
        prop_assert!((0.0..=1.0).contains(&p));
        let e = bg.expected_purchases(&h, t).unwrap();
        prop_assert!(e >= 0.0 && e.is_finite());
        let ex = bg.expected_purchases_new(t).unwrap();
        prop_assert!(ex > 0.0 && ex <= r * t / alpha * (1.0 + 1e-12));
        let mbg = MbgNbdParams::new(r, alpha, a, b).unwrap();
        let p = mbg.p_alive(&h);
        prop_assert!((0.0..=1.0).contains(&p));
        prop_assert!(mbg.expected_purchases(&h, t).unwrap() >= 0.0);
        // Pareto/NBD may refuse with a typed error where its death-time
        // quadrature cannot certify 1e-10 (an open item of issue 10); it
        // never returns a value outside the range.
        let pn = ParetoNbdParams::new(r, alpha, a, b.min(1e4)).unwrap();
        match pn.p_alive(&h) {
            Ok(p) => {
                prop_assert!((0.0..=1.0).contains(&p));
                prop_assert!(pn.expected_purchases(&h, t).unwrap() >= 0.0);
            }
            Err(e) => prop_assert!(matches!(e, Error::InvalidValue { .. }), "{e}"),
        }
    }

    /// a → 0: nobody drops out; P(alive) → 1 and E[X(t)] → r t/α (the NBD
    /// mean). Pareto/NBD with s → 0 likewise.
    #[test]
    fn no_dropout_limits(
        r in lg(1e-3, 1e3), alpha in lg(1e-2, 1e3), b in lg(1e-1, 1e3), t in lg(1e-2, 1e3),
    ) {
        let bg = BgNbdParams::new(r, alpha, 1e-12, b).unwrap();
        let want = r * t / alpha;
        let got = bg.expected_purchases_new(t).unwrap();
        // The first-order correction is O(a·ln(1 + r t/α)).
        prop_assert!(rel(got, want) < 1e-9 * (1.0 + (1.0 + want).ln()), "{} {}", got, want);
        // At t_x = T, P(alive) = (b+x−1)/(a+b+x−1) → 1.
        // (1 − p is read off a p within a few ulps of 1: allow 1e-15.)
        prop_assert!(1.0 - bg.p_alive(&hist(3, 10.0, 10.0)) <= 1.01e-12 / (b + 2.0) + 1e-15);
        let pn = ParetoNbdParams::new(r, alpha, 1e-12, b).unwrap();
        let got = pn.expected_purchases_new(t).unwrap();
        prop_assert!(rel(got, want) < 1e-9 * (1.0 + (1.0 + t / b).ln()), "{} {}", got, want);
    }
}
