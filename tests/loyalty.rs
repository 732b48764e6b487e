//! Integration tests for the loyalty index (FORMULAS.md section 5): the
//! worked example of 5.5, every invalid input, and property tests.

use customer_value::loyalty::{
    Ahp, AhpMethod, DickBasu, DickBasuClass, EntropyWeights, Indicator, IndicatorGroup,
    IndicatorValues, IndicatorValuesBuilder, LoyaltyIndex, LoyaltyModel, LoyaltySignals,
    LoyaltyType, MissingPolicy, Normaliser, RandomIndex, Weights, frequency_trend, purchase_counts,
};
use customer_value::{
    CustomerId, Date, Decimal, Error, Fit, Scorer, Summarizer, TimeUnit, Transaction,
};
use proptest::prelude::*;

// ------------------------------------------------------------ 5.5 data

const TOP: [[f64; 3]; 3] = [
    [1.0, 2.0, 3.0],
    [1.0 / 2.0, 1.0, 2.0],
    [1.0 / 3.0, 1.0 / 2.0, 1.0],
];
const A1: [[f64; 3]; 3] = [
    [1.0, 3.0, 5.0],
    [1.0 / 3.0, 1.0, 3.0],
    [1.0 / 5.0, 1.0 / 3.0, 1.0],
];
const A2: [[f64; 2]; 2] = [[1.0, 2.0], [1.0 / 2.0, 1.0]];
const A3: [[f64; 4]; 4] = [
    [1.0, 2.0, 3.0, 2.0],
    [1.0 / 2.0, 1.0, 2.0, 1.0],
    [1.0 / 3.0, 1.0 / 2.0, 1.0, 1.0 / 2.0],
    [1.0 / 2.0, 1.0, 2.0, 1.0],
];

const C1: [f64; 9] = [36.0, 12.0, 1.0, 0.6, 5.0, 0.5, 2.0, 6.5, 6.0];
const C2: [f64; 9] = [12.0, 4.0, -2.0, 0.2, 1.0, 0.1, 6.0, 4.0, 3.0];
const C3: [f64; 9] = [24.0, 8.0, 0.5, 0.4, 3.0, 0.3, 4.0, 5.5, 5.0];

fn f4(x: f64) -> String {
    format!("{x:.4}")
}

fn f4s(xs: &[f64]) -> Vec<String> {
    xs.iter().map(|&x| f4(x)).collect()
}

fn customer(id: u64, values: [f64; 9]) -> IndicatorValues {
    IndicatorValues::new(CustomerId::new(id), values.map(Some)).unwrap()
}

fn example_weights() -> Weights {
    let top = Ahp::new(&TOP).unwrap().eigenvector().unwrap();
    let a1 = Ahp::new(&A1).unwrap().eigenvector().unwrap();
    let a2 = Ahp::new(&A2).unwrap().eigenvector().unwrap();
    let a3 = Ahp::new(&A3).unwrap().eigenvector().unwrap();
    Weights::from_ahp(&top, &a1, &a2, &a3).unwrap()
}

fn example_population() -> Vec<IndicatorValues> {
    vec![customer(1, C1), customer(2, C2), customer(3, C3)]
}

// ----------------------------------------------------- 5.5 worked example

#[test]
fn ahp_levels_match_the_worked_example() {
    // FORMULAS.md 5.5 table: w, λ_max, CI, CR (4 decimals).
    let top = Ahp::new(&TOP).unwrap().eigenvector().unwrap();
    assert_eq!(top.method(), AhpMethod::Eigenvector);
    assert_eq!(f4s(top.weights()), ["0.5396", "0.2970", "0.1634"]);
    assert_eq!(
        [f4(top.lambda_max()), f4(top.ci()), f4(top.cr())],
        ["3.0092", "0.0046", "0.0079"]
    );

    let a1 = Ahp::new(&A1).unwrap().eigenvector().unwrap();
    assert_eq!(f4s(a1.weights()), ["0.6370", "0.2583", "0.1047"]);
    assert_eq!(
        [f4(a1.lambda_max()), f4(a1.ci()), f4(a1.cr())],
        ["3.0385", "0.0193", "0.0332"]
    );

    let a2 = Ahp::new(&A2).unwrap().eigenvector().unwrap();
    assert!((a2.weights()[0] - 2.0 / 3.0).abs() < 1e-12);
    assert!((a2.weights()[1] - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(f4(a2.lambda_max()), "2.0000");
    assert_eq!((a2.ci(), a2.cr()), (0.0, 0.0)); // n <= 2

    let a3 = Ahp::new(&A3).unwrap().eigenvector().unwrap();
    assert_eq!(f4s(a3.weights()), ["0.4236", "0.2270", "0.1223", "0.2270"]);
    assert_eq!(
        [f4(a3.lambda_max()), f4(a3.ci()), f4(a3.cr())],
        ["4.0104", "0.0035", "0.0038"]
    );
    assert!(top.is_consistent() && a1.is_consistent() && a3.is_consistent());
}

#[test]
fn global_weights_match_the_worked_example() {
    let w = example_weights();
    assert_eq!(
        f4s(&w.leaves()),
        [
            "0.3437", "0.1394", "0.0565", "0.1980", "0.0990", "0.0692", "0.0371", "0.0200",
            "0.0371"
        ]
    );
    assert!((w.leaves().iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert_eq!(f4(w.group(IndicatorGroup::A1)), "0.5396");
}

#[test]
fn three_customers_match_the_worked_example() {
    let population = example_population();
    let index = LoyaltyModel::new(example_weights(), MissingPolicy::Error)
        .fit(&population)
        .unwrap();
    let scores = index.score_all(&population).unwrap();
    let shown: Vec<String> = scores.iter().map(|s| format!("{:.2}", s.index())).collect();
    assert_eq!(shown, ["100.00", "0.00", "52.70"]);

    // c3's z-vector (A32 reverse-scored): (.5, .5, .8333, .5, .5, .5, .5, .6, .6667).
    let z = index.normaliser().complete(&population[2]).unwrap();
    assert_eq!(
        f4s(&z),
        [
            "0.5000", "0.5000", "0.8333", "0.5000", "0.5000", "0.5000", "0.5000", "0.6000",
            "0.6667"
        ]
    );

    // Sub-indices: c1 and c2 are the extremes on every indicator.
    for g in IndicatorGroup::ALL {
        assert_eq!(
            scores[0].sub_index(g).map(|s| format!("{s:.2}")).as_deref(),
            Some("100.00")
        );
        assert_eq!(
            scores[1].sub_index(g).map(|s| format!("{s:.2}")).as_deref(),
            Some("0.00")
        );
    }
    // c3: A2 has z = .5 on both its indicators.
    assert!((scores[2].a2().unwrap() - 50.0).abs() < 1e-12);
    // The index is the group-weighted mean of the sub-indices.
    let w = index.weights();
    let recombined: f64 = IndicatorGroup::ALL
        .iter()
        .map(|&g| w.group(g) * scores[2].sub_index(g).unwrap())
        .sum();
    assert!((recombined - scores[2].index()).abs() < 1e-9);
}

#[test]
fn entropy_example() {
    let z = [
        [0.9, 0.2, 0.5],
        [0.6, 0.8, 0.5],
        [0.3, 0.4, 0.5],
        [0.0, 0.6, 0.4],
    ];
    let ew = EntropyWeights::new(&z).unwrap();
    let six = |xs: &[f64]| xs.iter().map(|x| format!("{x:.6}")).collect::<Vec<_>>();
    assert_eq!(six(ew.entropies()), ["0.729574", "0.923220", "0.996887"]);
    assert_eq!(six(ew.weights()), ["0.771941", "0.219172", "0.008887"]);
}

#[test]
fn approximations_on_the_top_matrix() {
    let ahp = Ahp::new(&TOP).unwrap();

    // Geometric mean (方根法), by hand: row products 6, 1, 1/6, so
    // g = (6^(1/3), 1, 6^(-1/3)) and w = g / Σg. For n = 3 this is exactly
    // the principal eigenvector, so λ_max, CI and CR are the table's.
    let gm = ahp.geometric_mean().unwrap();
    let c = 6f64.cbrt();
    let g = [c, 1.0, 1.0 / c];
    let s: f64 = g.iter().sum();
    for (w, gi) in gm.weights().iter().zip(g) {
        assert!((w - gi / s).abs() < 1e-14);
    }
    assert_eq!(gm.method(), AhpMethod::GeometricMean);
    assert_eq!([f4(gm.lambda_max()), f4(gm.cr())], ["3.0092", "0.0079"]);

    // Column-normalised (和积法), by hand: column sums 11/6, 7/2, 6, so the
    // normalised rows are (6/11, 4/7, 1/2), (3/11, 2/7, 1/3), (2/11, 1/7, 1/6)
    // and w = row means = (83/154, 206/693, 227/1386)
    //       = (0.538961, 0.297258, 0.163781).
    // Aw / w = (2252/747, 1239.5/412, 682/227) = (3.014726, 3.008495, 3.004405),
    // λ_max = 3.009209, CI = 0.004604, CR = CI / 0.58 = 0.007939.
    let cn = ahp.column_normalised().unwrap();
    let want = [83.0 / 154.0, 206.0 / 693.0, 227.0 / 1386.0];
    for (w, e) in cn.weights().iter().zip(want) {
        assert!((w - e).abs() < 1e-14, "{w} vs {e}");
    }
    let lambda = (2252.0 / 747.0 + 1239.5 / 412.0 + 682.0 / 227.0) / 3.0;
    assert!((cn.lambda_max() - lambda).abs() < 1e-13);
    assert!((cn.ci() - (lambda - 3.0) / 2.0).abs() < 1e-13);
    assert!((cn.cr() - (lambda - 3.0) / 2.0 / 0.58).abs() < 1e-13);
    assert_eq!(
        [f4(cn.lambda_max()), f4(cn.ci()), f4(cn.cr())],
        ["3.0092", "0.0046", "0.0079"]
    );
}

// -------------------------------------------------------- invalid inputs

#[test]
fn ahp_rejects_bad_matrices() {
    // Not reciprocal.
    let err = Ahp::new(&[[1.0, 3.0], [0.5, 1.0]]).unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidParameter {
            name: "pairwise comparison matrix",
            ..
        }
    ));
    assert!(err.to_string().contains("reciprocal"), "{err}");
    // Non-positive entries.
    assert!(matches!(
        Ahp::new(&[[1.0, 0.0], [0.0, 1.0]]),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        Ahp::new(&[[1.0, -2.0], [-0.5, 1.0]]),
        Err(Error::InvalidParameter { .. })
    ));
    // Diagonal not 1, not square, empty.
    assert!(Ahp::new(&[[2.0, 1.0], [1.0, 0.5]]).is_err());
    assert!(Ahp::new(&[vec![1.0, 2.0, 3.0], vec![0.5, 1.0, 2.0]]).is_err());
    assert!(Ahp::new::<[f64; 1]>(&[]).is_err());
}

#[test]
fn ahp_rejects_inconsistent_judgments_unless_accepted() {
    // A circular preference 1 > 2 > 3 > 1: CR far above 0.10.
    let m = [
        [1.0, 9.0, 1.0 / 9.0],
        [1.0 / 9.0, 1.0, 9.0],
        [9.0, 1.0 / 9.0, 1.0],
    ];
    let ahp = Ahp::new(&m).unwrap();
    for r in [
        ahp.eigenvector(),
        ahp.geometric_mean(),
        ahp.column_normalised(),
    ] {
        let err = r.unwrap_err();
        assert!(matches!(err, Error::InvalidValue { .. }));
        assert!(err.to_string().contains("consistency ratio"), "{err}");
    }
    let accepted = ahp.accept_inconsistent(true).eigenvector().unwrap();
    assert!(accepted.cr() >= 0.10 && !accepted.is_consistent());
    // The symmetric cycle has the uniform eigenvector.
    assert!(
        accepted
            .weights()
            .iter()
            .all(|w| (w - 1.0 / 3.0).abs() < 1e-12)
    );
}

#[test]
fn ahp_order_above_fifteen_needs_a_table() {
    let n = 16;
    let m = vec![vec![1.0; n]; n]; // all judgments "equal": consistent
    let ahp = Ahp::new(&m).unwrap();
    assert!(matches!(
        ahp.eigenvector(),
        Err(Error::InvalidParameter {
            name: "random index table",
            ..
        })
    ));
    assert!(ahp.geometric_mean().is_err());
    let table: Vec<f64> = (1..=16).map(|k| if k <= 2 { 0.0 } else { 1.6 }).collect();
    let r = ahp
        .random_index(RandomIndex::new(table).unwrap())
        .eigenvector()
        .unwrap();
    assert_eq!(r.random_index(), 1.6);
    assert!(r.cr().abs() < 1e-12);
}

#[test]
fn constant_indicator_is_an_error_unless_filled() {
    let mut c2 = C2;
    c2[Indicator::A21.index()] = 0.6; // every customer answers share of wallet 0.6
    let mut c3 = C3;
    c3[Indicator::A21.index()] = 0.6;
    let mut c1 = C1;
    c1[Indicator::A21.index()] = 0.6;
    let population = vec![customer(1, c1), customer(2, c2), customer(3, c3)];
    let err = Normaliser::new().fit(&population).unwrap_err();
    assert!(matches!(err, Error::InvalidValue { .. }));
    assert!(err.to_string().contains("A21"), "{err}");
    let model = LoyaltyModel::new(example_weights(), MissingPolicy::Error);
    assert!(model.fit(&population).is_err());
    let filled = model
        .normaliser(Normaliser::with_fill(0.5).unwrap())
        .fit(&population)
        .unwrap();
    let s = filled.score(&population[0]).unwrap();
    // c1 is at the top everywhere except A21, which is filled with 0.5.
    let w21 = filled.weights().get(Indicator::A21);
    assert!((s.index() - 100.0 * (1.0 - w21 / 2.0)).abs() < 1e-9);
}

#[test]
fn entropy_rejects_degenerate_input() {
    assert!(matches!(
        EntropyWeights::new(&[[0.5, 0.5]]),
        Err(Error::InvalidValue { .. })
    )); // m = 1
    assert!(EntropyWeights::new::<[f64; 2]>(&[]).is_err()); // m = 0
    assert!(EntropyWeights::new(&[[0.0, 0.4], [0.0, 0.6]]).is_err()); // column sum 0
    assert!(EntropyWeights::new(&[[0.3, 0.4], [0.3, 0.4]]).is_err()); // Σd = 0
    assert!(EntropyWeights::new(&[[0.3, -0.4], [0.3, 0.4]]).is_err()); // negative z
}

#[test]
fn missing_indicator_under_error_policy() {
    let mut population = example_population();
    let gap = IndicatorValues::new(
        CustomerId::new(4),
        [
            Some(20.0),
            Some(6.0),
            Some(0.0),
            None,
            Some(2.0),
            Some(0.2),
            Some(3.0),
            Some(5.0),
            Some(4.0),
        ],
    )
    .unwrap();
    population.push(gap);
    let strict = LoyaltyModel::new(example_weights(), MissingPolicy::Error)
        .fit(&population)
        .unwrap();
    let err = strict.score(&gap).unwrap_err();
    assert!(matches!(err, Error::InvalidValue { .. }));
    assert!(err.to_string().contains("A21"), "{err}");
    assert!(strict.score_all(&population).is_err());

    // Dropping it renormalises the remaining weights.
    let lenient = LoyaltyModel::new(example_weights(), MissingPolicy::DropAndRenormalise)
        .fit(&population)
        .unwrap();
    let s = lenient.score(&gap).unwrap();
    let w = lenient.weights();
    let z = lenient.normaliser().normalise(&gap);
    let (mut num, mut den) = (0.0, 0.0);
    for i in Indicator::ALL {
        if let Some(zi) = z[i.index()] {
            num += w.get(i) * zi;
            den += w.get(i);
        }
    }
    assert!((s.index() - 100.0 * num / den).abs() < 1e-9);
    // A2 rests on A22 alone.
    assert!((s.a2().unwrap() - 100.0 * z[Indicator::A22.index()].unwrap()).abs() < 1e-9);
}

// --------------------------------------------------- derivation from data

#[test]
fn indicators_from_a_transaction_log() {
    let day = |s| Date::parse(s).unwrap();
    let (a, b) = (CustomerId::new(1), CustomerId::new(2));
    let mut log = Vec::new();
    // a buys 1, 2, 3 times in three 4-week periods; b buys 3, 1, 0 times.
    for (c, weeks) in [(a, vec![0, 4, 5, 8, 9, 10]), (b, vec![0, 1, 2, 6])] {
        for w in weeks {
            let date = day("2024-01-01").checked_add_days(7 * w).unwrap();
            log.push(Transaction::new(c, date, Decimal::from(10)));
        }
    }
    let four_weeks = TimeUnit::days(28).unwrap();
    let counts = purchase_counts(&log, day("2024-01-01"), four_weeks, 3).unwrap();
    assert_eq!(counts[0].counts(), &[1, 2, 3]);
    assert_eq!(counts[1].counts(), &[3, 1, 0]);
    assert_eq!(counts[0].trend().unwrap(), 1.0);
    assert_eq!(counts[1].trend().unwrap(), -1.5); // Σ dt·y = -3 + 0 + 0 over Σ dt² = 2
    assert_eq!(frequency_trend(&[3.0, 1.0, 0.0]).unwrap(), -1.5);

    let summary = Summarizer::builder(day("2024-03-25"))
        .unit(TimeUnit::WEEK)
        .build()
        .unwrap()
        .summarize(&log)
        .unwrap();
    let row = &summary.customers()[0];
    let v = IndicatorValuesBuilder::from_summary(row)
        .set(Indicator::A13, counts[0].trend().unwrap())
        .set(Indicator::A21, 0.4)
        .build()
        .unwrap();
    assert_eq!(v.get(Indicator::A11), Some(10.0)); // weeks 0 to 10
    assert_eq!(v.get(Indicator::A12), Some(6.0 / 12.0)); // 6 purchases in 12 weeks
    assert_eq!(v.get(Indicator::A13), Some(1.0));
    assert_eq!(v.get(Indicator::A33), None);
}

// ------------------------------------------------------- classifications

#[test]
fn loyalty_types_and_dick_basu() {
    let s = LoyaltySignals::none()
        .habit_or_switching_cost(true)
        .buys_for_incentives(true);
    assert_eq!(s.classify(), Some(LoyaltyType::Incentive));
    assert_eq!(LoyaltyType::Monopoly.chinese(), "垄断忠诚");

    let population = example_population();
    let index = LoyaltyModel::new(example_weights(), MissingPolicy::Error)
        .fit(&population)
        .unwrap();
    let scores = index.score_all(&population).unwrap();
    let m = DickBasu::default();
    let cells = m.score_all(&scores).unwrap();
    assert_eq!(
        cells,
        [
            DickBasuClass::True,
            DickBasuClass::NoLoyalty,
            DickBasuClass::True
        ]
    );
    let strict = DickBasu::new(60.0, 50.0).unwrap();
    assert_eq!(
        strict.classify_score(&scores[2]).unwrap(),
        DickBasuClass::Spurious
    ); // A3 55.01
}

// ------------------------------------------------------------ properties

fn saaty_value() -> impl Strategy<Value = f64> {
    (1u32..=9, any::<bool>()).prop_map(|(k, inv)| {
        if inv {
            1.0 / f64::from(k)
        } else {
            f64::from(k)
        }
    })
}

fn reciprocal_matrix(n: usize) -> impl Strategy<Value = Vec<Vec<f64>>> {
    prop::collection::vec(saaty_value(), n * (n - 1) / 2).prop_map(move |upper| {
        let mut flat = vec![1.0; n * n];
        let mut k = 0;
        for i in 0..n {
            for j in (i + 1)..n {
                flat[i * n + j] = upper[k];
                flat[j * n + i] = 1.0 / upper[k];
                k += 1;
            }
        }
        flat.chunks(n).map(<[f64]>::to_vec).collect::<Vec<_>>()
    })
}

fn raw_values() -> impl Strategy<Value = [f64; 9]> {
    prop::array::uniform9(-100.0f64..100.0)
}

fn population_strategy() -> impl Strategy<Value = Vec<[f64; 9]>> {
    prop::collection::vec(raw_values(), 2..12)
}

fn weights_strategy() -> impl Strategy<Value = Weights> {
    prop::array::uniform9(0.0f64..10.0)
        .prop_filter("positive total", |w| w.iter().sum::<f64>() > 0.1)
        .prop_map(|w| Weights::normalise(w).unwrap())
}

fn fit(pop: &[[f64; 9]], w: Weights, policy: MissingPolicy) -> LoyaltyIndex {
    let rows: Vec<_> = pop
        .iter()
        .enumerate()
        .map(|(i, &v)| customer(i as u64, v))
        .collect();
    // Populations of random reals have distinct min and max (fill covers the rest).
    LoyaltyModel::new(w, policy)
        .normaliser(Normaliser::with_fill(0.5).unwrap())
        .fit(&rows)
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn ahp_on_a_consistent_matrix_is_exact(w in prop::collection::vec(0.05f64..10.0, 1..=15)) {
        let n = w.len();
        let m: Vec<Vec<f64>> = (0..n).map(|i| (0..n).map(|j| w[i] / w[j]).collect()).collect();
        let total: f64 = w.iter().sum();
        let ahp = Ahp::new(&m).unwrap();
        for r in [ahp.eigenvector().unwrap(), ahp.geometric_mean().unwrap(), ahp.column_normalised().unwrap()] {
            for (got, wi) in r.weights().iter().zip(&w) {
                prop_assert!((got - wi / total).abs() < 1e-12, "{:?}: {} vs {}", r.method(), got, wi / total);
            }
            prop_assert!(r.cr().abs() < 1e-12);
            prop_assert!((r.lambda_max() - n as f64).abs() < 1e-12);
        }
    }

    #[test]
    fn ahp_weights_sum_to_one(m in (1usize..=9).prop_flat_map(reciprocal_matrix)) {
        let ahp = Ahp::new(&m).unwrap().accept_inconsistent(true);
        for r in [ahp.eigenvector().unwrap(), ahp.geometric_mean().unwrap(), ahp.column_normalised().unwrap()] {
            prop_assert!((r.weights().iter().sum::<f64>() - 1.0).abs() < 1e-12);
            prop_assert!(r.weights().iter().all(|&w| w > 0.0));
            prop_assert!(r.lambda_max() >= m.len() as f64 - 1e-9);
            prop_assert!(r.cr() >= 0.0);
        }
    }

    #[test]
    fn entropy_and_hierarchical_weights_sum_to_one(
        z in prop::collection::vec(prop::array::uniform9(0.0f64..1.0), 2..10),
        g in prop::array::uniform3(0.01f64..1.0),
    ) {
        if let Ok(e) = EntropyWeights::new(&z) {
            prop_assert!((e.weights().iter().sum::<f64>() - 1.0).abs() < 1e-12);
            let w = Weights::from_entropy(&e).unwrap();
            prop_assert!((w.leaves().iter().sum::<f64>() - 1.0).abs() < 1e-12);
            prop_assert!(e.entropies().iter().all(|e| (0.0..=1.0).contains(e)));
        }
        let s: f64 = g.iter().sum();
        let groups = [g[0] / s, g[1] / s, g[2] / s];
        let w = Weights::hierarchical(groups, [0.2, 0.3, 0.5], [0.5, 0.5], [0.1, 0.2, 0.3, 0.4]).unwrap();
        prop_assert!((w.leaves().iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn index_stays_in_range(pop in population_strategy(), probe in raw_values(), w in weights_strategy()) {
        let index = fit(&pop, w, MissingPolicy::Error);
        // Members of the population and a newcomer, possibly out of range.
        let wide = probe.map(|x| x * 3.0);
        for v in pop.iter().chain([&probe, &wide]) {
            let s = index.score(&customer(0, *v)).unwrap();
            prop_assert!((0.0..=100.0).contains(&s.index()));
            for g in IndicatorGroup::ALL {
                if let Some(a) = s.sub_index(g) {
                    prop_assert!((0.0..=100.0).contains(&a));
                }
            }
        }
    }

    #[test]
    fn monotone_in_each_indicator(
        pop in population_strategy(),
        probe in raw_values(),
        w in weights_strategy(),
        which in 0usize..9,
        raise in 0.0f64..150.0,
    ) {
        let index = fit(&pop, w, MissingPolicy::Error);
        let before = index.score(&customer(0, probe)).unwrap();
        let mut up = probe;
        up[which] += raise;
        let after = index.score(&customer(0, up)).unwrap();
        let ind = Indicator::ALL[which];
        if ind.is_reverse() {
            prop_assert!(after.index() <= before.index(), "{ind}: {} -> {}", before.index(), after.index());
        } else {
            prop_assert!(after.index() >= before.index(), "{ind}: {} -> {}", before.index(), after.index());
        }
    }

    #[test]
    fn drop_policy_without_gaps_equals_the_full_index(pop in population_strategy(), w in weights_strategy()) {
        let strict = fit(&pop, w, MissingPolicy::Error);
        let lenient = fit(&pop, w, MissingPolicy::DropAndRenormalise);
        let rows: Vec<_> = pop.iter().enumerate().map(|(i, &v)| customer(i as u64, v)).collect();
        prop_assert_eq!(strict.score_all(&rows).unwrap(), lenient.score_all(&rows).unwrap());
    }

    #[test]
    fn index_equals_the_weighted_sum(pop in population_strategy(), w in weights_strategy()) {
        // Brute force: 100 · Σ W z with z computed from the population's min and max.
        let index = fit(&pop, w, MissingPolicy::Error);
        for v in &pop {
            let mut total = 0.0;
            for ind in Indicator::ALL {
                let i = ind.index();
                let lo = pop.iter().map(|r| r[i]).fold(f64::INFINITY, f64::min);
                let hi = pop.iter().map(|r| r[i]).fold(f64::NEG_INFINITY, f64::max);
                let z = if hi == lo { 0.5 } else if ind.is_reverse() { (hi - v[i]) / (hi - lo) } else { (v[i] - lo) / (hi - lo) };
                total += w.get(ind) * z;
            }
            let s = index.score(&customer(0, *v)).unwrap();
            prop_assert!((s.index() - 100.0 * total).abs() < 1e-9);
        }
    }
}
