//! RFM quantile binning: the worked examples of FORMULAS.md 2.3 and 2.9,
//! degenerate populations, serde, and laws checked against a brute-force
//! reference ranking written here from the definitions (proptest).

use customer_value::rfm::{
    Binning, CutRule, FittedRfm, QuantileMethod, Rfm, RfmDimension, RfmScore, RfmValues,
    RfmWeights, ScoreDirection, TieMethod,
};
use customer_value::{CustomerId, Decimal, Error, Fit, Scorer};
use proptest::prelude::*;

const METHODS: [QuantileMethod; 4] = [
    QuantileMethod::CeilRank,
    QuantileMethod::Ntile,
    QuantileMethod::QcutRank,
    QuantileMethod::RfmPackage,
];

const TIES: [TieMethod; 4] = [
    TieMethod::Max,
    TieMethod::Min,
    TieMethod::First,
    TieMethod::Random { seed: 42 },
];

/// Customers 1..=n from (recency, frequency, monetary cents).
fn population(rows: &[(f64, u32, i64)]) -> Vec<RfmValues> {
    rows.iter()
        .zip(1..)
        .map(|(&(r, f, cents), id)| {
            RfmValues::new(CustomerId::new(id), r, f, Decimal::new(cents, 2)).unwrap()
        })
        .collect()
}

/// FORMULAS.md 2.9: A(5,12,1200) ... J(365,1,60); money in whole units.
fn worked_example() -> Vec<RfmValues> {
    population(&[
        (5.0, 12, 120_000),
        (12.0, 8, 64_000),
        (20.0, 8, 90_000),
        (35.0, 5, 45_000),
        (40.0, 6, 30_000),
        (60.0, 3, 52_000),
        (90.0, 3, 15_000),
        (120.0, 2, 26_000),
        (200.0, 1, 9_000),
        (365.0, 1, 6_000),
    ])
}

fn codes(rfm: &Rfm, pop: &[RfmValues]) -> Vec<u32> {
    rfm.fit_score(pop)
        .unwrap()
        .scores()
        .iter()
        .map(|s| s.score.code())
        .collect()
}

fn config(method: QuantileMethod, ties: TieMethod) -> Rfm {
    Rfm::builder().method(method).ties(ties).build().unwrap()
}

// ---------------------------------------------------------------- 2.9

#[test]
fn worked_example_ceil_rank_ties_max() {
    // FORMULAS.md 2.9, column "CeilRank, ties=Max".
    let rfm = config(QuantileMethod::CeilRank, TieMethod::Max);
    assert_eq!(
        codes(&rfm, &worked_example()),
        [555, 554, 455, 433, 343, 334, 232, 222, 111, 111]
    );
}

#[test]
fn worked_example_ceil_rank_ties_first() {
    // FORMULAS.md 2.9, column "CeilRank, ties=First" (the default until
    // issue 11).
    let expected = [555, 544, 455, 433, 343, 324, 232, 222, 111, 111];
    let rfm = config(QuantileMethod::CeilRank, TieMethod::First);
    assert_eq!(codes(&rfm, &worked_example()), expected);
}

#[test]
fn worked_example_ceil_rank_ties_min_is_the_default() {
    // By hand, score = ceil(5p/10) at the run's first position p. Recency
    // and money have no ties (as First). Frequency ascending: I,J (1) at
    // p=1 -> 1; H (2) p=3 -> 2; F,G (3) p=4 -> 2; D (5) p=6 -> 3; E (6)
    // p=7 -> 4; B,C (8) p=8 -> 4; A (12) p=10 -> 5.
    let expected = [555, 544, 445, 433, 343, 324, 222, 222, 111, 111];
    let rfm = config(QuantileMethod::CeilRank, TieMethod::Min);
    assert_eq!(codes(&rfm, &worked_example()), expected);
    assert_eq!(codes(&Rfm::default(), &worked_example()), expected);
    // The fitted thresholds give every member the same scores.
    let fitted = Rfm::default().fit(&worked_example()).unwrap();
    let again: Vec<u32> = fitted
        .score_all(&worked_example())
        .unwrap()
        .iter()
        .map(|s| s.code())
        .collect();
    assert_eq!(again, expected);
}

#[test]
fn worked_example_qcut_rank() {
    // FORMULAS.md 2.9, column "QcutRank (pandas)": qcut(rank(method="first")).
    let rfm = config(QuantileMethod::QcutRank, TieMethod::First);
    assert_eq!(
        codes(&rfm, &worked_example()),
        [555, 544, 455, 433, 343, 324, 232, 222, 111, 111]
    );
}

#[test]
fn worked_example_rfm_package() {
    // FORMULAS.md 2.9, column "`rfm` pkg", and the package's cut points
    // (type-7 quantile + 1). The tie rule does not apply to this method.
    for ties in TIES {
        let rfm = config(QuantileMethod::RfmPackage, ties);
        let out = rfm.fit_score(&worked_example()).unwrap();
        let got: Vec<u32> = out.scores().iter().map(|s| s.score.code()).collect();
        assert_eq!(got, [555, 544, 445, 433, 333, 324, 222, 212, 111, 111]);

        let fitted = out.fitted();
        // Recency bins ascend and are then flipped: score s begins below
        // b_{k+1-s}, so the starts list b_4, b_3, b_2, b_1.
        let r = fitted.recency_cuts();
        assert_eq!(r.rule(), CutRule::Below);
        let mut r_cuts = r.starts().to_vec();
        r_cuts.reverse();
        for (got, want) in r_cuts.iter().zip([19.4, 39.0, 73.0, 137.0]) {
            assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        }
        let f = fitted.frequency_cuts();
        assert_eq!(f.rule(), CutRule::AtLeast);
        assert_eq!(f.starts().len(), 4);
        for (got, want) in f.starts().iter().zip([2.8, 4.0, 6.4, 9.0]) {
            assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        }
        assert_eq!(
            fitted.monetary_cuts().starts(),
            &[139, 285, 479, 693].map(Decimal::from)
        );
    }
}

#[test]
fn worked_example_nested() {
    // FORMULAS.md 2.9: nested, CeilRank, ties=Max, k=5.
    let rfm = Rfm::builder()
        .binning(Binning::Nested)
        .ties(TieMethod::Max)
        .build()
        .unwrap();
    assert_eq!(
        codes(&rfm, &worked_example()),
        [555, 535, 455, 435, 355, 335, 255, 235, 155, 153]
    );
}

#[test]
fn worked_example_weighted_sum() {
    // FORMULAS.md 2.9: D scores 433 (CeilRank); w = (0.5, 0.3, 0.2) gives 3.5.
    let out = config(QuantileMethod::CeilRank, TieMethod::Max)
        .fit_score(&worked_example())
        .unwrap();
    let d = out.scores()[3];
    assert_eq!(d.customer, CustomerId::new(4));
    assert_eq!(d.score, RfmScore::new(4, 3, 3).unwrap());
    let w = RfmWeights::new(0.5, 0.3, 0.2).unwrap();
    assert!((w.weighted_sum(&d.score) - 3.5).abs() < 1e-12);
    assert!((w.score(&d.score).unwrap() - 3.5).abs() < 1e-12);
    // SPSS weights (100, 10, 1) give the concatenated code.
    assert_eq!(RfmWeights::SPSS.score(&d.score).unwrap(), 433.0);
    assert_eq!(RfmWeights::EQUAL.score(&d.score).unwrap(), 10.0);
}

#[test]
fn worked_example_report_and_fitted_cuts() {
    let out = config(QuantileMethod::CeilRank, TieMethod::Max)
        .fit_score(&worked_example())
        .unwrap();
    // Max ties: F scores 1,1,2,3,3,3,4,5,5,5 (2.9 column 1) -> counts.
    assert_eq!(
        out.report().counts(RfmDimension::Frequency),
        &[2, 1, 3, 1, 3]
    );
    assert_eq!(out.report().counts(RfmDimension::Recency), &[2; 5]);
    assert!(out.report().empty_bins().is_empty());
    // Each score s from 2 begins at the population value whose Max-tie
    // score first reaches s.
    let fitted = out.fitted();
    assert_eq!(fitted.recency_cuts().rule(), CutRule::AtMost);
    assert_eq!(fitted.recency_cuts().starts(), &[120.0, 60.0, 35.0, 12.0]);
    assert_eq!(fitted.frequency_cuts().starts(), &[2.0, 3.0, 6.0, 8.0]);
    assert_eq!(
        fitted.monetary_cuts().starts(),
        &[150, 300, 520, 900].map(Decimal::from)
    );
}

// ---------------------------------------------------------------- 2.3

#[test]
fn positions_example_n7_k5() {
    // FORMULAS.md 2.3: positions 1..7 of 7, k = 5, distinct values.
    let rows: Vec<(f64, u32, i64)> = (1..=7)
        .map(|p| ((8 - p) as f64, p, 100 * p as i64))
        .collect();
    let pop = population(&rows);
    for (method, want) in [
        (QuantileMethod::CeilRank, [1, 2, 3, 3, 4, 5, 5]),
        (QuantileMethod::Ntile, [1, 1, 2, 2, 3, 4, 5]),
        (QuantileMethod::QcutRank, [1, 1, 2, 3, 4, 5, 5]),
    ] {
        let out = config(method, TieMethod::First).fit_score(&pop).unwrap();
        for (s, w) in out.scores().iter().zip(want) {
            assert_eq!(
                (s.score.r(), s.score.f(), s.score.m()),
                (w, w, w),
                "{method:?}"
            );
        }
    }
}

// ---------------------------------------------------- fitted and serde

#[test]
fn fitted_scores_new_customers_like_members() {
    let out = config(QuantileMethod::CeilRank, TieMethod::First)
        .fit_score(&worked_example())
        .unwrap();
    let fitted = out.fitted();
    // B has F = 8 tied with C: First gives B 4, the fitted scorer the Max 5.
    assert_eq!(out.scores()[1].score.code(), 544);
    let like_b = RfmValues::new(CustomerId::new(50), 12.0, 8, Decimal::from(640)).unwrap();
    assert_eq!(fitted.score(&like_b).unwrap().code(), 554);
    // Between members' values: the worse member's score.
    let between = RfmValues::new(CustomerId::new(51), 13.0, 7, Decimal::from(641)).unwrap();
    assert_eq!(fitted.score(&between).unwrap().code(), 444);
    // Beyond the population: the extremes.
    let best = RfmValues::new(CustomerId::new(52), 0.0, 99, Decimal::from(9999)).unwrap();
    let worst = RfmValues::new(CustomerId::new(53), 999.0, 1, Decimal::ZERO).unwrap();
    assert_eq!(fitted.score(&best).unwrap().code(), 555);
    assert_eq!(fitted.score(&worst).unwrap().code(), 111);
}

#[test]
fn fitted_round_trips_through_serde() {
    for binning in [Binning::Independent, Binning::Nested] {
        for method in METHODS {
            let rfm = Rfm::builder()
                .method(method)
                .binning(binning)
                .direction(ScoreDirection::LowIsBest)
                .build()
                .unwrap();
            let fitted = rfm.fit(&worked_example()).unwrap();
            let json = serde_json::to_string(&fitted).unwrap();
            let back: FittedRfm = serde_json::from_str(&json).unwrap();
            assert_eq!(back, fitted);
            assert_eq!(
                back.score_all(&worked_example()).unwrap(),
                fitted.score_all(&worked_example()).unwrap()
            );
        }
    }
    // Money is written as strings.
    let fitted = Rfm::default().fit(&worked_example()).unwrap();
    let json = serde_json::to_string(&fitted).unwrap();
    assert!(
        json.contains(r#""starts":["150.00","300.00","520.00","900.00"]"#),
        "{json}"
    );
}

#[test]
fn bad_fitted_is_rejected() {
    let fitted = Rfm::default().fit(&worked_example()).unwrap();
    let good: serde_json::Value = serde_json::to_value(&fitted).unwrap();
    let edits: [(&str, serde_json::Value); 6] = [
        ("/frequency/starts", serde_json::json!([8.0, 6.0, 3.0, 2.0])),
        ("/frequency/bins", serde_json::json!(10)),
        (
            "/frequency/starts",
            serde_json::json!([1.0, 2.0, 3.0, 4.0, 5.0]),
        ),
        ("/recency/rule", serde_json::json!("at_least")),
        ("/monetary/rule", serde_json::json!("at_most")),
        ("/frequency_within", serde_json::json!([null, null])),
    ];
    for (path, value) in edits {
        let mut bad = good.clone();
        *bad.pointer_mut(path).unwrap_or_else(|| panic!("{path}")) = value;
        let got = serde_json::from_value::<FittedRfm>(bad);
        assert!(got.is_err(), "{path} accepted");
    }
    // NaN cannot even be written as JSON; a non-number is refused too.
    let mut bad = good.clone();
    *bad.pointer_mut("/monetary/starts/0").unwrap() = serde_json::json!("abc");
    assert!(serde_json::from_value::<FittedRfm>(bad).is_err());
    assert!(serde_json::from_value::<FittedRfm>(good).is_ok());
}

#[test]
fn rfm_config_round_trips_through_serde() {
    let rfm = Rfm::builder()
        .recency_bins(4)
        .frequency_thresholds(vec![2, 5])
        .monetary_thresholds(vec![Decimal::new(1050, 2), Decimal::from(100)])
        .method(QuantileMethod::Ntile)
        .ties(TieMethod::Random { seed: 9 })
        .binning(Binning::Nested)
        .direction(ScoreDirection::LowIsBest)
        .build()
        .unwrap();
    let json = serde_json::to_string(&rfm).unwrap();
    assert!(
        json.contains(r#""monetary_thresholds":["10.50","100"]"#),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<Rfm>(&json).unwrap(), rfm);
    // Deserialising validates like the builder, and fills in defaults.
    assert!(serde_json::from_str::<Rfm>(r#"{"recency_bins": 12}"#).is_err());
    assert_eq!(serde_json::from_str::<Rfm>("{}").unwrap(), Rfm::default());
}

// ------------------------------------------------- caller-given thresholds

#[test]
fn thresholds_replace_the_quantiles() {
    let rfm = Rfm::builder()
        .recency_thresholds(vec![30.0, 90.0, 180.0])
        .frequency_thresholds(vec![3, 6])
        .monetary_thresholds(vec![Decimal::from(500)])
        .build()
        .unwrap();
    assert_eq!(rfm.bins(), (4, 3, 2));
    let out = rfm.fit_score(&worked_example()).unwrap();
    let got: Vec<u32> = out.scores().iter().map(|s| s.score.code()).collect();
    // R: <=30 -> 4, <=90 -> 3, <=180 -> 2, else 1. F: >=6 -> 3, >=3 -> 2.
    // M: >=500 -> 2.
    assert_eq!(got, [432, 432, 432, 321, 331, 322, 321, 211, 111, 111]);
    assert_eq!(out.fitted().recency_cuts().starts(), &[180.0, 90.0, 30.0]);
    assert_eq!(out.report().counts(RfmDimension::Monetary), &[6, 4]);
}

#[test]
fn nested_new_customer_in_an_empty_cell_uses_the_whole_population() {
    // Five customers with equal recency: every R score is 5 under Max, so
    // R bins 1..4 are empty. A new, much older customer gets R = 1 and is
    // scored on F and M with the cuts of the whole population.
    let pop = population(&[
        (10.0, 1, 100),
        (10.0, 2, 200),
        (10.0, 3, 300),
        (10.0, 4, 400),
        (10.0, 5, 500),
    ]);
    let rfm = Rfm::builder()
        .binning(Binning::Nested)
        .ties(TieMethod::Max)
        .build()
        .unwrap();
    let fitted = rfm.fit(&pop).unwrap();
    assert!(fitted.is_nested());
    assert!(fitted.frequency_cuts_within(1).is_none());
    assert!(fitted.frequency_cuts_within(5).is_some());
    let old = RfmValues::new(CustomerId::new(9), 400.0, 4, Decimal::new(400, 2)).unwrap();
    assert_eq!(fitted.score(&old).unwrap().code(), 144);
}

// ------------------------------------------------------ degenerate cases

#[test]
fn empty_population_is_an_error() {
    for method in METHODS {
        let rfm = config(method, TieMethod::First);
        assert!(matches!(
            rfm.fit_score(&[]),
            Err(Error::InvalidValue { .. })
        ));
        assert!(matches!(rfm.fit(&[]), Err(Error::InvalidValue { .. })));
    }
}

#[test]
fn one_customer() {
    let pop = population(&[(7.0, 3, 1000)]);
    // CeilRank: ceil(5·1/1) = 5; Ntile: tile 1; QcutRank: 1 (every edge is
    // 1); rfm package: F, M in bin 1 [x, x+1), recency 5 + 1 - 1 = 5.
    for (method, want) in [
        (QuantileMethod::CeilRank, 555),
        (QuantileMethod::Ntile, 111),
        (QuantileMethod::QcutRank, 111),
        (QuantileMethod::RfmPackage, 511),
    ] {
        for ties in TIES {
            for binning in [Binning::Independent, Binning::Nested] {
                let rfm = Rfm::builder()
                    .method(method)
                    .ties(ties)
                    .binning(binning)
                    .build()
                    .unwrap();
                let out = rfm.fit_score(&pop).unwrap();
                assert_eq!(out.scores()[0].score.code(), want, "{method:?}");
                assert_eq!(out.report().empty_bins().len(), 12);
                assert_eq!(out.fitted().score(&pop[0]).unwrap().code(), want);
            }
        }
    }
}

#[test]
fn all_values_equal() {
    let pop = population(&[(30.0, 2, 5000); 4]);
    // Positions 1..4 of 4 tied. Max: p = 4 for all; Min: p = 1; First: 1..4.
    let cases: [(QuantileMethod, TieMethod, [u8; 4]); 7] = [
        (QuantileMethod::CeilRank, TieMethod::Max, [5; 4]),
        (QuantileMethod::CeilRank, TieMethod::Min, [2; 4]),
        (QuantileMethod::CeilRank, TieMethod::First, [2, 3, 4, 5]),
        (QuantileMethod::Ntile, TieMethod::Max, [4; 4]),
        (QuantileMethod::Ntile, TieMethod::First, [1, 2, 3, 4]),
        (QuantileMethod::QcutRank, TieMethod::Max, [5; 4]),
        (QuantileMethod::QcutRank, TieMethod::Min, [1; 4]),
    ];
    for (method, ties, want) in cases {
        let out = config(method, ties).fit_score(&pop).unwrap();
        for (s, w) in out.scores().iter().zip(want) {
            assert_eq!(
                (s.score.r(), s.score.f(), s.score.m()),
                (w, w, w),
                "{method:?} {ties:?}"
            );
        }
        let mut distinct = want.to_vec();
        distinct.dedup();
        assert_eq!(out.report().empty_bins().len(), 3 * (5 - distinct.len()));
    }
    // The rfm package: every cut point is x + 1, so all fall in bin 1.
    let out = config(QuantileMethod::RfmPackage, TieMethod::First)
        .fit_score(&pop)
        .unwrap();
    assert!(out.scores().iter().all(|s| s.score.code() == 511));
    assert_eq!(out.fitted().frequency_cuts().starts(), &[3.0; 4]);
    assert_eq!(
        out.report().empty_bins(),
        [
            (RfmDimension::Recency, 1),
            (RfmDimension::Recency, 2),
            (RfmDimension::Recency, 3),
            (RfmDimension::Recency, 4),
            (RfmDimension::Frequency, 2),
            (RfmDimension::Frequency, 3),
            (RfmDimension::Frequency, 4),
            (RfmDimension::Frequency, 5),
            (RfmDimension::Monetary, 2),
            (RfmDimension::Monetary, 3),
            (RfmDimension::Monetary, 4),
            (RfmDimension::Monetary, 5),
        ]
    );
}

#[test]
fn fewer_customers_than_bins() {
    // n = 3, k = 9: most bins stay empty and are reported.
    let pop = population(&[(1.0, 1, 100), (2.0, 2, 200), (3.0, 3, 300)]);
    for method in METHODS {
        for ties in TIES {
            let rfm = Rfm::builder()
                .bins(9)
                .method(method)
                .ties(ties)
                .build()
                .unwrap();
            let out = rfm.fit_score(&pop).unwrap();
            assert!(out.report().empty_bins().len() >= 3 * 6, "{method:?}");
            for s in out.scores() {
                for x in [s.score.r(), s.score.f(), s.score.m()] {
                    assert!((1..=9).contains(&x));
                }
            }
        }
    }
    // Ntile: tiles 1..3 only; the fitted scorer never gives tile 4+.
    let out = Rfm::builder()
        .bins(9)
        .method(QuantileMethod::Ntile)
        .build()
        .unwrap()
        .fit_score(&pop)
        .unwrap();
    assert_eq!(out.fitted().frequency_cuts().starts(), &[2.0, 3.0]);
    let best = RfmValues::new(CustomerId::new(9), 0.0, 50, Decimal::from(1000)).unwrap();
    assert_eq!(out.fitted().score(&best).unwrap().code(), 333);
}

#[test]
fn negative_zero_recency_ties_with_zero() {
    let pop = population(&[(0.0, 1, 100), (-0.0, 1, 100), (3.0, 1, 100)]);
    let out = config(QuantileMethod::CeilRank, TieMethod::Max)
        .fit_score(&pop)
        .unwrap();
    assert_eq!(out.scores()[0].score, out.scores()[1].score);
    assert_eq!(out.scores()[0].score.r(), 5);
    assert_eq!(out.scores()[2].score.r(), 2);
}

// ------------------------------------------- reference and property tests

/// SplitMix64's `(i+1)`-th output for `seed`, as documented on
/// [`TieMethod::Random`] (Vigna's splitmix64.c).
fn splitmix(seed: u64, i: usize) -> u64 {
    let mut z = seed.wrapping_add((i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Reference positions by counting (O(n²)), from the definitions:
/// goodness values `g` (higher is better) of the customers at input
/// indices `ids` (ascending).
fn reference_positions(g: &[i64], ids: &[usize], ties: TieMethod) -> Vec<usize> {
    (0..g.len())
        .map(|i| {
            let worse = g.iter().filter(|&&x| x < g[i]).count();
            let tied: Vec<usize> = (0..g.len()).filter(|&j| g[j] == g[i]).collect();
            let before = match ties {
                TieMethod::Max => tied.len() - 1,
                TieMethod::Min => 0,
                TieMethod::First => tied.iter().filter(|&&j| j < i).count(),
                TieMethod::Random { seed } => tied
                    .iter()
                    .filter(|&&j| splitmix(seed, ids[j]) < splitmix(seed, ids[i]))
                    .count(),
                _ => unreachable!(),
            };
            worse + before + 1
        })
        .collect()
}

/// Reference score of a position, straight from FORMULAS.md 2.3.
fn reference_score(method: QuantileMethod, p: usize, n: usize, k: usize) -> u8 {
    match method {
        QuantileMethod::CeilRank => (k * p).div_ceil(n) as u8,
        QuantileMethod::Ntile => {
            // Lay the tiles out one member at a time.
            let (q, r) = (n / k, n % k);
            let mut tile_of = Vec::new();
            for t in 1..=k {
                let size = q + usize::from(t <= r);
                tile_of.extend(std::iter::repeat_n(t as u8, size));
            }
            tile_of[p - 1]
        }
        QuantileMethod::QcutRank => {
            // pandas: edges 1 + (n-1)·j/k, bins (e_{j-1}, e_j], first closed.
            (1..=k)
                .find(|&j| p as f64 <= 1.0 + (n - 1) as f64 * j as f64 / k as f64)
                .unwrap_or(k) as u8
        }
        _ => unreachable!(),
    }
}

/// Reference rfm-package scores on integer data, in exact arithmetic:
/// `k·b_j = k·x_lo + num·(x_hi - x_lo) + k·one` (`one` = 1 in the
/// data's unit: 100 for cents), score `1 + #{b_j <= x}`.
fn reference_package(x: &[i64], k: usize, one: i64, lower_is_better: bool) -> Vec<u8> {
    let mut asc = x.to_vec();
    asc.sort_unstable();
    let n = asc.len();
    let kb: Vec<i64> = (1..k)
        .map(|j| {
            let pos = (n - 1) * j;
            let (lo, num) = (pos / k, (pos % k) as i64);
            let (xl, xh) = (asc[lo], asc[(lo + 1).min(n - 1)]);
            k as i64 * xl + num * (xh - xl) + k as i64 * one
        })
        .collect();
    x.iter()
        .map(|&v| {
            let c = kb.iter().filter(|&&b| b <= k as i64 * v).count();
            if lower_is_better {
                (k - c) as u8
            } else {
                (1 + c) as u8
            }
        })
        .collect()
}

/// Rows with many ties: integer recency days, small F, money in cents.
fn rows(max_n: usize) -> impl Strategy<Value = Vec<(f64, u32, i64)>> {
    prop::collection::vec((0u32..40, 1u32..12, 0i64..3000), 1..max_n).prop_map(|v| {
        v.into_iter()
            .map(|(r, f, m)| (f64::from(r), f, m))
            .collect()
    })
}

fn method() -> impl Strategy<Value = QuantileMethod> {
    prop::sample::select(METHODS.to_vec())
}

fn ties() -> impl Strategy<Value = TieMethod> {
    prop_oneof![
        Just(TieMethod::Max),
        Just(TieMethod::Min),
        Just(TieMethod::First),
        any::<u64>().prop_map(|seed| TieMethod::Random { seed }),
    ]
}

fn binning() -> impl Strategy<Value = Binning> {
    prop_oneof![Just(Binning::Independent), Just(Binning::Nested)]
}

fn scores3(out: &[customer_value::Scored<RfmScore>]) -> Vec<[u8; 3]> {
    out.iter()
        .map(|s| [s.score.r(), s.score.f(), s.score.m()])
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn independent_scores_match_the_reference(
        rows in rows(40), method in method(), ties in ties(), k in (2u8..=9, 2u8..=9, 2u8..=9)
    ) {
        let pop = population(&rows);
        let rfm = Rfm::builder()
            .recency_bins(k.0).frequency_bins(k.1).monetary_bins(k.2)
            .method(method).ties(ties).build().unwrap();
        let got = scores3(rfm.fit_score(&pop).unwrap().scores());
        let n = rows.len();
        let dims: [(Vec<i64>, usize); 3] = [
            (rows.iter().map(|r| -(r.0 as i64)).collect(), k.0.into()),
            (rows.iter().map(|r| i64::from(r.1)).collect(), k.1.into()),
            (rows.iter().map(|r| r.2).collect(), k.2.into()),
        ];
        for (d, (g, k)) in dims.iter().enumerate() {
            let want: Vec<u8> = if method == QuantileMethod::RfmPackage {
                let raw: Vec<i64> = if d == 0 { g.iter().map(|x| -x).collect() } else { g.clone() };
                reference_package(&raw, *k, if d == 2 { 100 } else { 1 }, d == 0)
            } else {
                let ids: Vec<usize> = (0..n).collect();
                reference_positions(g, &ids, ties)
                    .iter()
                    .map(|&p| reference_score(method, p, n, *k))
                    .collect()
            };
            let got_d: Vec<u8> = got.iter().map(|s| s[d]).collect();
            prop_assert_eq!(got_d, want, "dimension {}", d);
        }
    }

    #[test]
    fn fitted_reproduces_max_tie_scores(
        rows in rows(60), method in method(), binning in binning(), low in any::<bool>(),
        k in (2u8..=9, 2u8..=9, 2u8..=9)
    ) {
        let pop = population(&rows);
        let direction = if low { ScoreDirection::LowIsBest } else { ScoreDirection::HighIsBest };
        let rfm = Rfm::builder()
            .recency_bins(k.0).frequency_bins(k.1).monetary_bins(k.2)
            .method(method).ties(TieMethod::Max).binning(binning).direction(direction)
            .build().unwrap();
        let out = rfm.fit_score(&pop).unwrap();
        let by_cuts = out.fitted().score_keyed(&pop).unwrap();
        prop_assert_eq!(&by_cuts[..], out.scores());
        // Fit gives the Max cut points for First (and Random) too.
        let first = Rfm::builder()
            .recency_bins(k.0).frequency_bins(k.1).monetary_bins(k.2)
            .method(method).ties(TieMethod::First).binning(binning).direction(direction)
            .build().unwrap();
        prop_assert_eq!(&first.fit(&pop).unwrap(), out.fitted());
        let first_out = first.fit_score(&pop).unwrap();
        prop_assert_eq!(first_out.fitted(), out.fitted());
    }

    #[test]
    fn default_ties_give_equal_values_equal_scores_as_the_fitted_scorer(
        rows in rows(60), method in method(), binning in binning(), low in any::<bool>(),
        k in (2u8..=9, 2u8..=9, 2u8..=9)
    ) {
        // The default tie rule (issue 11): customers with equal values get
        // equal scores, and scoring with the fitted thresholds gives every
        // member exactly the score fit_score gave.
        let pop = population(&rows);
        let direction = if low { ScoreDirection::LowIsBest } else { ScoreDirection::HighIsBest };
        let rfm = Rfm::builder()
            .recency_bins(k.0).frequency_bins(k.1).monetary_bins(k.2)
            .method(method).binning(binning).direction(direction)
            .build().unwrap();
        prop_assert_eq!(rfm.ties(), TieMethod::Min);
        let out = rfm.fit_score(&pop).unwrap();
        let got = scores3(out.scores());
        for i in 0..rows.len() {
            for j in 0..i {
                if binning == Binning::Independent {
                    // Each dimension on its own: an equal value, an equal score.
                    let same = [
                        rows[i].0 == rows[j].0,
                        rows[i].1 == rows[j].1,
                        rows[i].2 == rows[j].2,
                    ];
                    for (d, same) in same.into_iter().enumerate() {
                        if same {
                            prop_assert_eq!(got[i][d], got[j][d], "rows {} and {}", i, j);
                        }
                    }
                } else if rows[i] == rows[j] {
                    prop_assert_eq!(got[i], got[j], "rows {} and {}", i, j);
                }
            }
        }
        let by_cuts = out.fitted().score_keyed(&pop).unwrap();
        prop_assert_eq!(&by_cuts[..], out.scores());
        prop_assert_eq!(&rfm.fit(&pop).unwrap(), out.fitted());
    }

    #[test]
    fn scores_lie_in_range_and_report_counts_them(
        rows in rows(60), method in method(), ties in ties(), binning in binning(),
        k in (2u8..=9, 2u8..=9, 2u8..=9)
    ) {
        let pop = population(&rows);
        let rfm = Rfm::builder()
            .recency_bins(k.0).frequency_bins(k.1).monetary_bins(k.2)
            .method(method).ties(ties).binning(binning).build().unwrap();
        let out = rfm.fit_score(&pop).unwrap();
        let got = scores3(out.scores());
        let ks = [k.0, k.1, k.2];
        let dims = [RfmDimension::Recency, RfmDimension::Frequency, RfmDimension::Monetary];
        for (d, dim) in dims.iter().enumerate() {
            let counts = out.report().counts(*dim);
            prop_assert_eq!(counts.len(), usize::from(ks[d]));
            for s in 1..=ks[d] {
                let c = got.iter().filter(|x| x[d] == s).count();
                prop_assert_eq!(counts[usize::from(s) - 1], c);
                prop_assert_eq!(c == 0, out.report().empty_bins().contains(&(*dim, s)));
            }
        }
        prop_assert!(got.iter().all(|x| (0..3).all(|d| (1..=ks[d]).contains(&x[d]))));
        for (s, v) in out.scores().iter().zip(&pop) {
            prop_assert_eq!(s.customer, v.customer());
        }
    }

    #[test]
    fn better_never_scores_lower(rows in rows(50), method in method(), ties in ties()) {
        let pop = population(&rows);
        let got = scores3(config(method, ties).fit_score(&pop).unwrap().scores());
        for i in 0..rows.len() {
            for j in 0..rows.len() {
                if rows[i].0 < rows[j].0 { prop_assert!(got[i][0] >= got[j][0]); }
                if rows[i].1 > rows[j].1 { prop_assert!(got[i][1] >= got[j][1]); }
                if rows[i].2 > rows[j].2 { prop_assert!(got[i][2] >= got[j][2]); }
            }
        }
    }

    #[test]
    fn distinct_values_fill_bins_evenly(
        n in 9usize..80, k in 2u8..=9, ntile in any::<bool>(), seed in any::<u64>()
    ) {
        // Distinct values in a shuffled order.
        let mut idx: Vec<usize> = (0..n).collect();
        idx.sort_by_key(|&i| splitmix(seed, i));
        let rows: Vec<(f64, u32, i64)> =
            idx.iter().map(|&i| (i as f64, i as u32 + 1, 7 * i as i64)).collect();
        let method = if ntile { QuantileMethod::Ntile } else { QuantileMethod::CeilRank };
        let rfm = Rfm::builder().bins(k).method(method).build().unwrap();
        let out = rfm.fit_score(&population(&rows)).unwrap();
        for dim in [RfmDimension::Recency, RfmDimension::Frequency, RfmDimension::Monetary] {
            let c = out.report().counts(dim);
            let (lo, hi) = (c.iter().min().unwrap(), c.iter().max().unwrap());
            prop_assert!(hi - lo <= 1, "{:?}: {:?}", dim, c);
        }
    }

    #[test]
    fn random_ties_are_deterministic_and_counts_permutation_invariant(
        rows in rows(50), seed in any::<u64>(), shuffle in any::<u64>(), method in method()
    ) {
        let pop = population(&rows);
        let rfm = config(method, TieMethod::Random { seed });
        let a = rfm.fit_score(&pop).unwrap();
        let b = rfm.fit_score(&pop).unwrap();
        prop_assert_eq!(&a, &b);
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by_key(|&i| splitmix(shuffle, i));
        let permuted: Vec<RfmValues> = order.iter().map(|&i| pop[i]).collect();
        let c = rfm.fit_score(&permuted).unwrap();
        prop_assert_eq!(a.report(), c.report());
        prop_assert_eq!(a.fitted(), c.fitted());
    }

    #[test]
    fn low_is_best_mirrors_high_is_best(
        rows in rows(50), method in method(), ties in ties(), binning in binning(),
        k in (2u8..=9, 2u8..=9, 2u8..=9)
    ) {
        let pop = population(&rows);
        let build = |d| Rfm::builder()
            .recency_bins(k.0).frequency_bins(k.1).monetary_bins(k.2)
            .method(method).ties(ties).binning(binning).direction(d).build().unwrap();
        let high = scores3(build(ScoreDirection::HighIsBest).fit_score(&pop).unwrap().scores());
        let low_out = build(ScoreDirection::LowIsBest).fit_score(&pop).unwrap();
        let low = scores3(low_out.scores());
        for (h, l) in high.iter().zip(&low) {
            prop_assert_eq!(*l, [k.0 + 1 - h[0], k.1 + 1 - h[1], k.2 + 1 - h[2]]);
        }
        // The fitted scorer flips the same way.
        let fitted_low = low_out.fitted().score_all(&pop).unwrap();
        let fitted_high = build(ScoreDirection::HighIsBest).fit(&pop).unwrap().score_all(&pop).unwrap();
        for (h, l) in fitted_high.iter().zip(&fitted_low) {
            prop_assert_eq!(l.r(), k.0 + 1 - h.r());
            prop_assert_eq!(l.m(), k.2 + 1 - h.m());
        }
    }

    #[test]
    fn fractional_recency_and_mixed_money_scales_rank_like_the_values(
        rows in rows(40), ties in ties(), method in method(), rescale in any::<u64>()
    ) {
        // Recency in weeks (days / 7: floats over many exponents) and money
        // written with varying scales rank exactly like the integer days
        // and the cents they stand for.
        let plain = config(method, ties).fit_score(&population(&rows)).unwrap();
        let odd: Vec<RfmValues> = rows
            .iter()
            .zip(1..)
            .map(|(&(r, f, cents), id)| {
                let shift = ((rescale >> (id % 60)) & 3) as u32;
                let m = Decimal::new(cents * 10i64.pow(shift), 2 + shift);
                RfmValues::new(CustomerId::new(id), r / 7.0, f, m).unwrap()
            })
            .collect();
        let weeks = config(method, ties).fit_score(&odd).unwrap();
        if method == QuantileMethod::RfmPackage {
            // The package's cut points are values + 1 in the value's unit,
            // so only frequency and money keep their scores.
            for (a, b) in plain.scores().iter().zip(weeks.scores()) {
                prop_assert_eq!((a.score.f(), a.score.m()), (b.score.f(), b.score.m()));
            }
        } else {
            prop_assert_eq!(plain.scores(), weeks.scores());
        }
    }

    #[test]
    fn nested_ranks_within_cells(rows in rows(60), ties in ties()) {
        // F under nested binning equals F ranked over the customers of each
        // R bin alone (the reference applied per bin).
        let pop = population(&rows);
        let rfm = Rfm::builder().binning(Binning::Nested).ties(ties).build().unwrap();
        let got = scores3(rfm.fit_score(&pop).unwrap().scores());
        for r in 1..=5u8 {
            let members: Vec<usize> = (0..rows.len()).filter(|&i| got[i][0] == r).collect();
            if members.is_empty() { continue; }
            let g: Vec<i64> = members.iter().map(|&i| i64::from(rows[i].1)).collect();
            let pos = reference_positions(&g, &members, ties);
            for (j, &i) in members.iter().enumerate() {
                let want = reference_score(QuantileMethod::CeilRank, pos[j], members.len(), 5);
                prop_assert_eq!(got[i][1], want);
            }
        }
    }
}
