//! Integration tests for customer-equity drivers: the worked example of
//! `drivers::spec` (by hand), a cross-check against the Decimal Markov
//! model of `clv`, refused inputs, and property tests.

use customer_value::clv::{DiscountRate, Horizon, MarkovModel, TransitionMatrix};
use customer_value::drivers::{
    Brand, Driver, EquityKind, EquityModel, Population, Respondent, SwitchingModel,
};
use customer_value::{CustomerId, Decimal, Error};
use proptest::prelude::*;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn f(x: Decimal) -> f64 {
    x.to_f64().unwrap()
}

fn quality() -> SwitchingModel {
    SwitchingModel::new(
        vec![Driver::new("quality", EquityKind::Value)],
        vec![1.0],
        1.0,
    )
    .unwrap()
}

fn model(discount: &str, population: Population) -> EquityModel {
    EquityModel::new(
        quality(),
        vec![Brand::new("A", dec("10")), Brand::new("B", dec("8"))],
        DiscountRate::new(dec(discount)).unwrap(),
        2,
        population,
    )
    .unwrap()
}

fn alice() -> Respondent {
    Respondent::new(CustomerId::new(1), 0, vec![2.0, 1.0], 1.0, 1.0).unwrap()
}

#[test]
fn worked_example_by_hand() {
    let p = 1.0 / (1.0 + (-2.0f64).exp()); // 0.880797
    let m = quality().switching_matrix(&[2.0, 1.0]).unwrap();
    assert!((m[0] - p).abs() < 1e-15 && (m[1] - (1.0 - p)).abs() < 1e-15);
    assert_eq!((m[2], m[3]), (0.5, 0.5));

    let clv = model("0", Population::Census).clv(&alice()).unwrap();
    // 10 (p + p² + (1 − p)/2) = 17.1620; 8 ((1 − p) + (1 − p)p + (1 − p)/2) = 2.2704
    let want_a = 10.0 * (p + p * p + (1.0 - p) / 2.0);
    let want_b = 8.0 * ((1.0 - p) + (1.0 - p) * p + (1.0 - p) / 2.0);
    assert!((f(clv[0]) - want_a).abs() < 1e-12, "{}", clv[0]);
    assert!((f(clv[1]) - want_b).abs() < 1e-12, "{}", clv[1]);
    assert_eq!(clv[0].round_dp(4), dec("17.1620"));
    assert_eq!(clv[1].round_dp(4), dec("2.2704"));

    // d = 0.1 a year, one purchase a year: 10 (p/1.1 + (p² + (1−p)/2)/1.21) = 14.9114
    let clv = model("0.1", Population::Census).clv(&alice()).unwrap();
    assert_eq!(clv[0].round_dp(4), dec("14.9114"));

    // What-if: A's quality + 1. q = 1/(1+e^−3), s = 1/(1+e^−1):
    // 10 (q + q² + (1 − q) s) = 18.9464; ROI with spend 1: 0.7844.
    let w = model("0", Population::Census)
        .what_if(&[alice()], 0, 0, 1.0, Decimal::ONE)
        .unwrap();
    let q = 1.0 / (1.0 + (-3.0f64).exp());
    let s = 1.0 / (1.0 + (-1.0f64).exp());
    assert!((f(w.after) - 10.0 * (q + q * q + (1.0 - q) * s)).abs() < 1e-12);
    assert_eq!(w.after.round_dp(4), dec("18.9464"));
    assert_eq!(w.roi.round_dp(4), dec("0.7844"));
    assert_eq!(w.change().round_dp(4), dec("1.7844"));
}

#[test]
fn purchase_frequency_and_market_scaling() {
    // Two purchases a year for two years: four purchases, each discounted
    // (1.1)^(−t/2). Check against the explicit chain.
    let r = Respondent::new(CustomerId::new(1), 1, vec![2.0, 1.0], 2.0, 3.0).unwrap();
    let clv = model("0.1", Population::Census).clv(&r).unwrap();
    let p = 1.0 / (1.0 + (-2.0f64).exp());
    let m = [[p, 1.0 - p], [0.5, 0.5]];
    let mut state = [0.0, 1.0];
    let mut want = 0.0;
    for t in 1..=4 {
        state = [
            state[0] * m[0][0] + state[1] * m[1][0],
            state[0] * m[0][1] + state[1] * m[1][1],
        ];
        want += 1.1f64.powf(-f64::from(t) / 2.0) * 3.0 * 10.0 * state[0];
    }
    assert!((f(clv[0]) - want).abs() < 1e-10);

    // Census sums; Market(N) takes the mean times N.
    let pair = [alice(), r];
    let census = model("0.1", Population::Census).equity(&pair).unwrap();
    let market = model("0.1", Population::Market(1000))
        .equity(&pair)
        .unwrap();
    assert!((f(market.equity[0]) - f(census.equity[0]) * 500.0).abs() < 1e-9);
    assert_eq!(census.respondents, 2);
    assert!((f(census.mean_clv[0]) * 2.0 - f(census.equity[0])).abs() < 1e-12);
}

/// The CLV equals the Decimal Markov model of `clv` with reward v·m_j in
/// state j and the per-purchase discount, less the t = 0 reward.
#[test]
fn agrees_with_the_clv_markov_model() {
    let switching = SwitchingModel::new(
        vec![
            Driver::new("quality", EquityKind::Value),
            Driver::new("ethics", EquityKind::Brand),
        ],
        vec![0.8, 0.5],
        0.7,
    )
    .unwrap();
    let brands = vec![
        Brand::new("A", dec("12")),
        Brand::new("B", dec("7")),
        Brand::new("C", dec("9.5")),
    ];
    let ratings = vec![4.0, 3.0, 3.5, 4.5, 2.0, 2.5];
    let model = EquityModel::new(
        switching.clone(),
        brands,
        DiscountRate::new(dec("0.12")).unwrap(),
        3,
        Population::Census,
    )
    .unwrap();
    let r = Respondent::new(CustomerId::new(9), 2, ratings.clone(), 4.0, 2.0).unwrap();
    let clv = model.clv(&r).unwrap();

    let m = switching.switching_matrix(&ratings).unwrap();
    let rows: Vec<Vec<Decimal>> = m
        .chunks(3)
        .map(|row| row.iter().map(|&x| Decimal::from_f64(x).unwrap()).collect())
        .collect();
    let matrix = TransitionMatrix::new(rows).unwrap();
    let per_purchase = DiscountRate::new(dec("0.12"))
        .unwrap()
        .per_subperiod(4)
        .unwrap();
    for (j, margin) in ["12", "7", "9.5"].iter().enumerate() {
        let mut rewards = vec![Decimal::ZERO; 3];
        rewards[j] = dec(margin) * dec("2");
        let v = MarkovModel::new(matrix.clone(), rewards.clone(), per_purchase)
            .unwrap()
            .values(Horizon::Periods(12))
            .unwrap();
        let want = f(v.values()[2] - rewards[2]);
        assert!(
            (f(clv[j]) - want).abs() < 1e-9 * want.abs().max(1.0),
            "{j}: {} vs {want}",
            clv[j]
        );
    }
}

#[test]
fn refused_inputs() {
    assert!(matches!(
        SwitchingModel::new(vec![], vec![], 1.0),
        Err(Error::EmptyInput { .. })
    ));
    assert!(matches!(
        SwitchingModel::new(
            vec![Driver::new("q", EquityKind::Value)],
            vec![1.0, 2.0],
            1.0
        ),
        Err(Error::InvalidValue { .. })
    ));
    assert!(
        SwitchingModel::new(
            vec![Driver::new("q", EquityKind::Value)],
            vec![f64::NAN],
            1.0
        )
        .is_err()
    );
    assert!(
        SwitchingModel::new(
            vec![Driver::new("q", EquityKind::Value)],
            vec![1.0],
            f64::INFINITY
        )
        .is_err()
    );
    assert!(quality().switching_matrix(&[]).is_err());
    assert!(quality().switching_matrix(&[1e308, 1.0]).is_ok());
    let big =
        SwitchingModel::new(vec![Driver::new("q", EquityKind::Value)], vec![1e308], 0.0).unwrap();
    assert!(matches!(
        big.switching_matrix(&[10.0, 1.0]),
        Err(Error::InvalidValue { .. })
    ));

    assert!(Respondent::new(CustomerId::new(1), 0, vec![f64::NAN, 1.0], 1.0, 1.0).is_err());
    assert!(Respondent::new(CustomerId::new(1), 0, vec![1.0, 1.0], 0.0, 1.0).is_err());
    assert!(Respondent::new(CustomerId::new(1), 0, vec![1.0, 1.0], 1.0, -1.0).is_err());

    let one_brand = EquityModel::new(
        quality(),
        vec![Brand::new("A", dec("1"))],
        DiscountRate::new(Decimal::ZERO).unwrap(),
        1,
        Population::Census,
    );
    assert!(matches!(one_brand, Err(Error::EmptyInput { .. })));
    let m = model("0", Population::Census);
    let wrong_shape =
        Respondent::new(CustomerId::new(1), 0, vec![1.0, 1.0, 1.0], 1.0, 1.0).unwrap();
    assert!(matches!(
        m.clv(&wrong_shape),
        Err(Error::InvalidValue { .. })
    ));
    let wrong_brand = Respondent::new(CustomerId::new(1), 2, vec![1.0, 1.0], 1.0, 1.0).unwrap();
    assert!(matches!(
        m.clv(&wrong_brand),
        Err(Error::InvalidValue { .. })
    ));
    let too_many = Respondent::new(CustomerId::new(1), 0, vec![1.0, 1.0], 1e9, 1.0).unwrap();
    assert!(matches!(
        m.clv(&too_many),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(m.equity(&[]), Err(Error::EmptyInput { .. })));
    assert!(m.what_if(&[alice()], 0, 0, 1.0, Decimal::ZERO).is_err());
    assert!(m.what_if(&[alice()], 2, 0, 1.0, Decimal::ONE).is_err());
    assert!(m.what_if(&[alice()], 0, 1, 1.0, Decimal::ONE).is_err());
    assert!(m.what_if(&[alice()], 0, 0, f64::NAN, Decimal::ONE).is_err());
    assert!(
        EquityModel::new(
            quality(),
            vec![Brand::new("A", dec("1")), Brand::new("B", dec("1"))],
            DiscountRate::new(Decimal::ZERO).unwrap(),
            0,
            Population::Census
        )
        .is_err()
    );
    assert!(
        EquityModel::new(
            quality(),
            vec![Brand::new("A", dec("1")), Brand::new("B", dec("1"))],
            DiscountRate::new(Decimal::ZERO).unwrap(),
            1,
            Population::Market(0)
        )
        .is_err()
    );
}

#[cfg(feature = "serde")]
#[test]
fn serde_round_trip_and_validation() {
    let m = model("0.1", Population::Market(5000));
    let json = serde_json::to_string(&m).unwrap();
    assert_eq!(serde_json::from_str::<EquityModel>(&json).unwrap(), m);
    let bad = json.replace("\"years\":2", "\"years\":0");
    assert_ne!(bad, json);
    assert!(serde_json::from_str::<EquityModel>(&bad).is_err());
    let r = serde_json::to_string(&alice()).unwrap();
    assert_eq!(serde_json::from_str::<Respondent>(&r).unwrap(), alice());
    assert!(
        serde_json::from_str::<Respondent>(
            &r.replace("\"purchases_per_year\":1.0", "\"purchases_per_year\":-1.0")
        )
        .is_err()
    );
}

proptest! {
    #[test]
    fn switching_rows_are_distributions(
        ratings in prop::collection::vec(1.0f64..7.0, 2..6),
        beta in -2.0f64..2.0,
        inertia in -3.0f64..3.0,
    ) {
        let s = SwitchingModel::new(vec![Driver::new("q", EquityKind::Value)], vec![beta], inertia).unwrap();
        let m = s.switching_matrix(&ratings).unwrap();
        let j = ratings.len();
        for row in m.chunks(j) {
            prop_assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            prop_assert!(row.iter().all(|&p| p > 0.0 && p < 1.0));
        }
    }

    #[test]
    fn improving_a_driver_never_lowers_the_brands_equity(
        ratings in prop::collection::vec(1.0f64..7.0, 6),
        beta in 0.0f64..2.0,
        inertia in 0.0f64..3.0,
        last in 0usize..3,
        brand in 0usize..3,
        delta in 0.0f64..2.0,
        freq in 0.5f64..6.0,
    ) {
        let s = SwitchingModel::new(
            vec![Driver::new("q", EquityKind::Value), Driver::new("e", EquityKind::Brand)],
            vec![beta, 0.3], inertia).unwrap();
        let m = EquityModel::new(s,
            vec![Brand::new("A", dec("5")), Brand::new("B", dec("6")), Brand::new("C", dec("7"))],
            DiscountRate::new(dec("0.08")).unwrap(), 3, Population::Census).unwrap();
        let r = Respondent::new(CustomerId::new(1), last, ratings, freq, 1.0).unwrap();
        let w = m.what_if(std::slice::from_ref(&r), brand, 0, delta, Decimal::ONE).unwrap();
        prop_assert!(f(w.after) >= f(w.before) - 1e-9);
        // The expected purchases over all brands do not depend on the ratings:
        // with unit margins the CLVs add up to Σ_t δ^t.
        let unit = EquityModel::new(m.switching().clone(),
            vec![Brand::new("A", Decimal::ONE), Brand::new("B", Decimal::ONE), Brand::new("C", Decimal::ONE)],
            DiscountRate::new(dec("0.08")).unwrap(), 3, Population::Census).unwrap();
        let total: f64 = unit.clv(&r).unwrap().into_iter().map(f).sum();
        let n = (freq * 3.0).floor() as i32;
        let want: f64 = (1..=n).map(|t| 1.08f64.powf(-f64::from(t) / freq)).sum();
        prop_assert!((total - want).abs() < 1e-9 * want.max(1.0));
    }
}
