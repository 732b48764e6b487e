//! Integration tests for loyalty economics: the worked example of
//! `economics::spec` (computed by hand and with exact fractions), every
//! refused input, and property tests against brute-force sums.

use customer_value::clv::{DiscountRate, Horizon, RetentionRate};
use customer_value::economics::{
    Component, ProfitCurve, RetentionEconomics, Tail, TenureProfit, expected_lifetime,
    retention_for_lifetime,
};
use customer_value::{Decimal, Error};
use proptest::prelude::*;

fn d(v: i64) -> Decimal {
    Decimal::new(v, 0)
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn rate(s: &str) -> RetentionRate {
    RetentionRate::new(dec(s)).unwrap()
}

/// A = 100; π = 40, 60, 80 split by source (spec, "Worked example").
fn example_curve() -> ProfitCurve {
    ProfitCurve::new(
        d(100),
        vec![
            TenureProfit::new(d(40)),
            TenureProfit::new(d(40))
                .with_increased_purchases(d(10))
                .with_cost_savings(d(5))
                .with_referrals(d(5)),
            TenureProfit::new(d(40))
                .with_increased_purchases(d(20))
                .with_cost_savings(d(10))
                .with_referrals(d(5))
                .with_price_premium(d(5)),
        ],
    )
    .unwrap()
}

fn economics(discount: &str, horizon: Horizon, tail: Tail) -> RetentionEconomics {
    RetentionEconomics::new(
        example_curve(),
        DiscountRate::new(dec(discount)).unwrap(),
        horizon,
        tail,
    )
}

#[test]
fn worked_example_curve() {
    let curve = example_curve();
    assert_eq!(curve.totals().unwrap(), vec![d(40), d(60), d(80)]);
    assert_eq!(
        curve.cumulative().unwrap(),
        vec![d(-100), d(-60), d(0), d(80)]
    );
    assert_eq!(curve.breakeven().unwrap(), Some(2));
    let totals = curve.component_totals().unwrap();
    assert_eq!(
        totals,
        [
            (Component::BaseProfit, d(120)),
            (Component::IncreasedPurchases, d(30)),
            (Component::CostSavings, d(15)),
            (Component::Referrals, d(10)),
            (Component::PricePremium, d(5)),
        ]
    );
}

#[test]
fn worked_example_undiscounted() {
    let e = economics("0", Horizon::Infinite, Tail::RepeatLast);
    // −100 + 40 + 60·0.5 + 80·0.25 + 80·0.125/(1 − 0.5) = 10
    assert_eq!(e.customer_npv(rate("0.5")).unwrap(), d(10));
    // −100 + 40 + 36 + 28.8 + 80·0.216/0.4 = 48
    assert_eq!(e.customer_npv(rate("0.6")).unwrap(), d(48));
    let effect = e.compare(rate("0.5"), rate("0.6")).unwrap();
    assert_eq!(effect.base_lifetime(), Some(d(2)));
    assert_eq!(effect.new_lifetime(), Some(dec("2.5")));
    assert_eq!(effect.npv_change(), Some(d(38)));
    assert_eq!(effect.steady_state_change_ratio(), Some(dec("3.8")));
}

#[test]
fn worked_example_discounted() {
    let e = economics("0.1", Horizon::Infinite, Tail::RepeatLast);
    // Exact fractions: NPV(0.5) = −4100/363, NPV(0.6) = 1660/121.
    let base = e.customer_npv(rate("0.5")).unwrap();
    let new = e.customer_npv(rate("0.6")).unwrap();
    assert!((base - d(-4100) / d(363)).abs() < dec("1e-24"), "{base}");
    assert!((new - d(1660) / d(121)).abs() < dec("1e-24"), "{new}");
    // The steady state ignores the discount rate.
    assert_eq!(e.steady_state_profit(rate("0.5")).unwrap(), d(10));
}

#[test]
fn tail_zero_and_finite_horizons() {
    // Tail zero, r = 0.5, d = 0: −100 + 40 + 30 + 20 = −10.
    let zero = economics("0", Horizon::Infinite, Tail::Zero);
    assert_eq!(zero.customer_npv(rate("0.5")).unwrap(), d(-10));
    // Horizon 2 periods: −100 + 40 + 30 = −30, whatever the tail.
    let two = economics("0", Horizon::Periods(2), Tail::RepeatLast);
    assert_eq!(two.customer_npv(rate("0.5")).unwrap(), d(-30));
    // Horizon 5, repeat: −100 + 40 + 30 + 20 + 80·0.125 + 80·0.0625 = 5.
    let five = economics("0", Horizon::Periods(5), Tail::RepeatLast);
    assert_eq!(five.customer_npv(rate("0.5")).unwrap(), d(5));
    // Horizon 0: only the acquisition cost.
    let none = economics("0", Horizon::Periods(0), Tail::RepeatLast);
    assert_eq!(none.customer_npv(rate("0.5")).unwrap(), d(-100));
    // r = 1, d = 0, 4 periods: −100 + 40 + 60 + 80 + 80 = 160.
    let four = economics("0", Horizon::Periods(4), Tail::RepeatLast);
    assert_eq!(four.customer_npv(rate("1")).unwrap(), d(160));
}

#[test]
fn lifetime_link() {
    // 10 % defection: ten years; 5 %: twenty (Reichheld & Sasser's arithmetic).
    assert_eq!(
        expected_lifetime(rate("0.9"), Horizon::Infinite).unwrap(),
        d(10)
    );
    assert_eq!(
        expected_lifetime(rate("0.95"), Horizon::Infinite).unwrap(),
        d(20)
    );
    // 1 + 0.9 + 0.81 = 2.71
    assert_eq!(
        expected_lifetime(rate("0.9"), Horizon::Periods(3)).unwrap(),
        dec("2.71")
    );
    assert_eq!(
        expected_lifetime(rate("1"), Horizon::Periods(7)).unwrap(),
        d(7)
    );
    assert_eq!(retention_for_lifetime(d(10)).unwrap(), rate("0.9"));
    assert_eq!(retention_for_lifetime(d(1)).unwrap(), rate("0"));
}

#[test]
fn refused_inputs() {
    assert!(matches!(
        ProfitCurve::new(d(-1), vec![TenureProfit::new(d(1))]),
        Err(Error::InvalidParameter {
            name: "acquisition_cost",
            ..
        })
    ));
    assert!(matches!(
        ProfitCurve::new(d(1), vec![]),
        Err(Error::EmptyInput { .. })
    ));
    assert!(matches!(
        ProfitCurve::new(
            d(1),
            vec![TenureProfit::new(Decimal::MAX).with_referrals(Decimal::MAX)]
        ),
        Err(Error::Overflow { .. })
    ));
    assert!(matches!(
        expected_lifetime(rate("1"), Horizon::Infinite),
        Err(Error::InvalidParameter {
            name: "retention",
            ..
        })
    ));
    assert!(matches!(
        retention_for_lifetime(dec("0.5")),
        Err(Error::InvalidParameter {
            name: "lifetime",
            ..
        })
    ));
    // r = 1 with no discount and a repeated last period diverges.
    let e = economics("0", Horizon::Infinite, Tail::RepeatLast);
    assert!(matches!(
        e.customer_npv(rate("1")),
        Err(Error::InvalidParameter {
            name: "retention",
            ..
        })
    ));
    // ... but a zero tail is a finite sum.
    let z = economics("0", Horizon::Infinite, Tail::Zero);
    assert_eq!(z.customer_npv(rate("1")).unwrap(), d(80));
    // A comparison against r = 1 reports an infinite lifetime as absent.
    let effect = z.compare(rate("0.5"), rate("1")).unwrap();
    assert_eq!(effect.new_lifetime(), None);
    // A loss-making base gives no ratio.
    let effect = economics("0.1", Horizon::Infinite, Tail::RepeatLast)
        .compare(rate("0.5"), rate("0.6"))
        .unwrap();
    assert_eq!(effect.npv_change_ratio(), None);
}

#[cfg(feature = "serde")]
#[test]
fn serde_round_trip_and_validation() {
    let e = economics("0.1", Horizon::Periods(10), Tail::RepeatLast);
    let json = serde_json::to_string(&e).unwrap();
    let back: RetentionEconomics = serde_json::from_str(&json).unwrap();
    assert_eq!(back, e);
    let bad = r#"{"acquisition_cost":"-5","periods":[{"base_profit":"1","increased_purchases":"0","cost_savings":"0","referrals":"0","price_premium":"0"}]}"#;
    assert!(serde_json::from_str::<ProfitCurve>(bad).is_err());
    let empty = r#"{"acquisition_cost":"5","periods":[]}"#;
    assert!(serde_json::from_str::<ProfitCurve>(empty).is_err());
    let effect = e.compare(rate("0.5"), rate("0.55")).unwrap();
    let json = serde_json::to_string(&effect).unwrap();
    assert_eq!(
        serde_json::from_str::<customer_value::economics::RetentionEffect>(&json).unwrap(),
        effect
    );
}

/// Brute force in f64: −A + Σ_{t=1}^{T} π_t r^(t−1) / (1+d)^t.
fn brute(a: f64, profits: &[f64], r: f64, disc: f64, periods: u32, repeat: bool) -> f64 {
    let mut sum = -a;
    for t in 1..=periods {
        let i = t as usize;
        let p = if i <= profits.len() {
            profits[i - 1]
        } else if repeat {
            *profits.last().unwrap()
        } else {
            0.0
        };
        sum += p * r.powi(t as i32 - 1) / (1.0 + disc).powi(t as i32);
    }
    sum
}

fn to_f64(x: Decimal) -> f64 {
    x.to_string().parse().unwrap()
}

proptest! {
    #[test]
    fn npv_matches_brute_force(
        a in 0i64..500,
        profits in prop::collection::vec(-50i64..200, 1..8),
        r in 0i64..=100,
        disc in 0i64..30,
        periods in 0u32..40,
        repeat in any::<bool>(),
    ) {
        let curve = ProfitCurve::new(
            d(a),
            profits.iter().map(|&p| TenureProfit::new(d(p))).collect(),
        ).unwrap();
        let tail = if repeat { Tail::RepeatLast } else { Tail::Zero };
        let e = RetentionEconomics::new(
            curve, DiscountRate::new(Decimal::new(disc, 2)).unwrap(), Horizon::Periods(periods), tail);
        let got = to_f64(e.customer_npv(RetentionRate::new(Decimal::new(r, 2)).unwrap()).unwrap());
        let pf: Vec<f64> = profits.iter().map(|&p| p as f64).collect();
        let want = brute(a as f64, &pf, r as f64 / 100.0, disc as f64 / 100.0, periods, repeat);
        prop_assert!((got - want).abs() <= 1e-9 * (1.0 + want.abs()), "{got} vs {want}");
    }

    #[test]
    fn infinite_is_the_limit_of_long_horizons(
        profits in prop::collection::vec(0i64..200, 1..6),
        r in 0i64..90,
        disc in 1i64..30,
    ) {
        let curve = ProfitCurve::new(d(50), profits.iter().map(|&p| TenureProfit::new(d(p))).collect()).unwrap();
        let rate = RetentionRate::new(Decimal::new(r, 2)).unwrap();
        let discount = DiscountRate::new(Decimal::new(disc, 2)).unwrap();
        let inf = RetentionEconomics::new(curve.clone(), discount, Horizon::Infinite, Tail::RepeatLast)
            .customer_npv(rate).unwrap();
        let long = RetentionEconomics::new(curve, discount, Horizon::Periods(2000), Tail::RepeatLast)
            .customer_npv(rate).unwrap();
        prop_assert!((to_f64(inf) - to_f64(long)).abs() < 1e-9);
    }

    #[test]
    fn more_retention_never_hurts_a_non_negative_curve(
        profits in prop::collection::vec(0i64..200, 1..6),
        r in 0i64..95,
        step in 1i64..=5,
        disc in 0i64..30,
    ) {
        let curve = ProfitCurve::new(d(80), profits.iter().map(|&p| TenureProfit::new(d(p))).collect()).unwrap();
        let e = RetentionEconomics::new(
            curve, DiscountRate::new(Decimal::new(disc, 2)).unwrap(), Horizon::Infinite, Tail::RepeatLast);
        let base = RetentionRate::new(Decimal::new(r, 2)).unwrap();
        let new = RetentionRate::new(Decimal::new(r + step, 2)).unwrap();
        let effect = e.compare(base, new).unwrap();
        prop_assert!(effect.new_npv() >= effect.base_npv());
        prop_assert!(effect.new_steady_state() >= effect.base_steady_state());
        prop_assert!(effect.new_lifetime() > effect.base_lifetime());
    }

    #[test]
    fn cumulative_ends_at_lifetime_profit(
        a in 0i64..500,
        profits in prop::collection::vec(-50i64..200, 1..10),
    ) {
        let curve = ProfitCurve::new(d(a), profits.iter().map(|&p| TenureProfit::new(d(p))).collect()).unwrap();
        let c = curve.cumulative().unwrap();
        prop_assert_eq!(c.len(), profits.len() + 1);
        prop_assert_eq!(*c.last().unwrap(), d(profits.iter().sum::<i64>() - a));
        // r = 1, d = 0, horizon L, zero tail: the NPV is the cumulative profit.
        let e = RetentionEconomics::new(curve, DiscountRate::new(Decimal::ZERO).unwrap(),
            Horizon::Periods(profits.len() as u32), Tail::Zero);
        prop_assert_eq!(e.customer_npv(RetentionRate::new(Decimal::ONE).unwrap()).unwrap(), *c.last().unwrap());
    }
}
