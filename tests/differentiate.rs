//! Integration tests for customer differentiation (FORMULAS.md section 3).

use customer_value::differentiate::{
    Abc, AbcClass, Basis, Boundary, CustomerValue, FittedAbc, FittedMatrix, FittedPyramid, Pyramid,
    PyramidTier, Quadrant, RankFlags, TierAssignment, TierReport, ValueLoyalty, ValueLoyaltyMatrix,
    cumulative_shares, pareto_share,
};
use customer_value::{CustomerId, Decimal, Error, Fit, Scored, Scorer};
use proptest::prelude::*;

fn d(m: i64, s: u32) -> Decimal {
    Decimal::new(m, s)
}

fn population(values: &[i64]) -> Vec<CustomerValue> {
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| CustomerValue::new(CustomerId::new(i as u64), Decimal::from(v)))
        .collect()
}

fn cents(values: &[i64]) -> Vec<CustomerValue> {
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| CustomerValue::new(CustomerId::new(i as u64), Decimal::new(v, 2)))
        .collect()
}

/// FORMULAS.md section 3.4: the M values of section 2.9, V = 4570.
const NAMES: [&str; 10] = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"];
const WORKED: [i64; 10] = [1200, 640, 900, 450, 300, 520, 150, 260, 90, 60];

fn worked() -> Vec<CustomerValue> {
    population(&WORKED)
}

fn name(c: CustomerId) -> &'static str {
    NAMES[c.get() as usize]
}

/// The names in each class, in input order.
fn members(result: &TierAssignment<AbcClass>, class: AbcClass) -> Vec<&'static str> {
    result
        .tiers()
        .iter()
        .filter(|s| s.score == class)
        .map(|s| name(s.customer))
        .collect()
}

fn sorted(mut v: Vec<&'static str>) -> Vec<&'static str> {
    v.sort_unstable();
    v
}

#[test]
fn worked_example_cumulative_shares() {
    // FORMULAS.md section 3.4 table, to 4 decimals.
    let table = [
        ("A", 0.2626),
        ("C", 0.4595),
        ("B", 0.5996),
        ("F", 0.7133),
        ("D", 0.8118),
        ("E", 0.8775),
        ("H", 0.9344),
        ("G", 0.9672),
        ("I", 0.9869),
        ("J", 1.0000),
    ];
    let curve = cumulative_shares(&worked()).unwrap();
    assert_eq!(curve.len(), table.len());
    for (got, (who, share)) in curve.iter().zip(table) {
        assert_eq!(name(got.customer), who);
        assert!((got.score - share).abs() < 0.5e-4, "{who}: {}", got.score);
    }
}

#[test]
fn worked_example_crossing() {
    let abc = Abc::by_value(d(80, 2), d(95, 2), Boundary::Crossing).unwrap();
    let r = abc.classify(&worked()).unwrap();
    assert_eq!(sorted(members(&r, AbcClass::A)), ["A", "B", "C", "D", "F"]);
    assert_eq!(sorted(members(&r, AbcClass::B)), ["E", "G", "H"]);
    assert_eq!(sorted(members(&r, AbcClass::C)), ["I", "J"]);
    // A = 1200 + 900 + 640 + 520 + 450 = 3710 of 4570.
    let rep = r.report();
    assert_eq!(rep.total_value(), Decimal::from(4570));
    let a = rep.get(AbcClass::A).unwrap();
    assert_eq!((a.count(), a.value()), (5, Decimal::from(3710)));
    assert!((a.value_share().unwrap() - 3710.0 / 4570.0).abs() < 1e-12);
    assert_eq!(a.customer_share(), 0.5);
    assert_eq!(rep.get(AbcClass::B).unwrap().value(), Decimal::from(710));
    assert_eq!(rep.get(AbcClass::C).unwrap().value(), Decimal::from(150));
    assert!(!rep.has_negative_values());
}

#[test]
fn worked_example_strict() {
    let abc = Abc::by_value(d(80, 2), d(95, 2), Boundary::Strict).unwrap();
    let r = abc.classify(&worked()).unwrap();
    assert_eq!(sorted(members(&r, AbcClass::A)), ["A", "B", "C", "F"]);
    assert_eq!(sorted(members(&r, AbcClass::B)), ["D", "E", "H"]);
    assert_eq!(sorted(members(&r, AbcClass::C)), ["G", "I", "J"]);
}

#[test]
fn worked_example_count() {
    let r = Abc::by_count(d(2, 1), d(5, 1))
        .unwrap()
        .classify(&worked())
        .unwrap();
    assert_eq!(sorted(members(&r, AbcClass::A)), ["A", "C"]);
    assert_eq!(sorted(members(&r, AbcClass::B)), ["B", "D", "F"]);
    assert_eq!(sorted(members(&r, AbcClass::C)), ["E", "G", "H", "I", "J"]);
    // The top 20 % bring (1200 + 900) / 4570.
    let top = pareto_share(&worked(), d(2, 1)).unwrap();
    assert!((top - 2100.0 / 4570.0).abs() < 1e-15);
    let a = r.report().get(AbcClass::A).unwrap().value_share().unwrap();
    assert_eq!(a, top);
}

#[test]
fn worked_example_fitted_scorer() {
    let abc = Abc::by_value_default(Boundary::Crossing);
    let fitted = abc.fit(&worked()).unwrap();
    // Last A member is D (450), last B member is G (150).
    assert_eq!(fitted.a_min(), Some(Decimal::from(450)));
    assert_eq!(fitted.b_min(), Some(Decimal::from(150)));
    let score = |v: i64| {
        fitted
            .score(&CustomerValue::new(CustomerId::new(99), Decimal::from(v)))
            .unwrap()
    };
    assert_eq!(score(450), AbcClass::A);
    assert_eq!(score(449), AbcClass::B);
    assert_eq!(score(150), AbcClass::B);
    assert_eq!(score(149), AbcClass::C);
}

#[test]
fn pyramid_n_100() {
    // Values are a permutation of 1..=100, so rank k holds value 101 - k.
    let pop: Vec<CustomerValue> = (0..100u64)
        .map(|i| CustomerValue::new(CustomerId::new(i), Decimal::from((i * 37) % 100 + 1)))
        .collect();
    let r = Pyramid::textbook().classify(&pop).unwrap();
    for (row, s) in pop.iter().zip(r.tiers()) {
        assert_eq!(row.customer(), s.customer);
        let rank = 101 - row.value().mantissa();
        let expected = match rank {
            1 => PyramidTier::Platinum,
            2..=5 => PyramidTier::Gold,
            6..=20 => PyramidTier::Iron,
            _ => PyramidTier::Lead,
        };
        assert_eq!(s.score, expected, "rank {rank}");
    }
    let counts: Vec<usize> = r.report().tiers().iter().map(|t| t.count()).collect();
    assert_eq!(counts, [1, 4, 15, 80]);
    // Platinum holds 100 of 5050.
    let plat = r.report().get(PyramidTier::Platinum).unwrap();
    assert_eq!(plat.value(), Decimal::from(100));
    assert!((plat.value_share().unwrap() - 100.0 / 5050.0).abs() < 1e-15);

    // The "gold 5 %" flag is platinum + gold.
    let flags = RankFlags::default().flag(&pop).unwrap();
    for (f, s) in flags.iter().zip(r.tiers()) {
        assert_eq!(
            f.score.is_top(),
            matches!(s.score, PyramidTier::Platinum | PyramidTier::Gold)
        );
    }
    // Fitted on distinct values, it agrees.
    let fitted = Pyramid::textbook().fit(&pop).unwrap();
    let scored = fitted.score_keyed(&pop).unwrap();
    assert_eq!(scored, r.tiers());
    assert_eq!(
        fitted.minimums(),
        [
            Some(Decimal::from(100)),
            Some(Decimal::from(96)),
            Some(Decimal::from(81))
        ]
    );
}

#[test]
fn pyramid_names_and_custom_cuts() {
    let names: Vec<(&str, &str)> = [
        PyramidTier::Platinum,
        PyramidTier::Gold,
        PyramidTier::Iron,
        PyramidTier::Lead,
    ]
    .iter()
    .map(|t| (t.english(), t.chinese()))
    .collect();
    assert_eq!(
        names,
        [
            ("Platinum", "白金"),
            ("Gold", "黄金"),
            ("Iron", "铁"),
            ("Lead", "铅")
        ]
    );
    // N = 10, cuts 0.1/0.3/0.6/1: ceil gives 1, 3, 6.
    let pyr = Pyramid::by_count([d(1, 1), d(3, 1), d(6, 1), Decimal::ONE]).unwrap();
    let r = pyr
        .classify(&population(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))
        .unwrap();
    let counts: Vec<usize> = r.report().tiers().iter().map(|t| t.count()).collect();
    assert_eq!(counts, [1, 2, 3, 4]);
    // Value basis on the worked example, Crossing at 0.3 / 0.6 / 0.9 / 1.
    let pyr = Pyramid::by_value(
        [d(3, 1), d(6, 1), d(9, 1), Decimal::ONE],
        Boundary::Crossing,
    )
    .unwrap();
    let r = pyr.classify(&worked()).unwrap();
    let tiers: Vec<PyramidTier> = r.tiers().iter().map(|s| s.score).collect();
    use PyramidTier::*;
    // Ranks: A C B F D E H G I J; C_{k-1}: 0 .26 .46 .60 .71 .81 .88 .93 .97 .99
    // platinum: C_{k-1} < .3 -> A, C; gold: < .6 -> B, F (C_3 = .5996);
    // iron: < .9 -> D, E, H; lead: G, I, J.
    assert_eq!(
        tiers,
        [
            Platinum, Gold, Platinum, Iron, Iron, Gold, Lead, Iron, Lead, Lead
        ]
    );
}

#[test]
fn bottom_20_percent_flag() {
    // N = 11: floor(2.2) = 2, so ranks 10 and 11 are flagged.
    let pop = population(&[5, 11, 3, 9, 1, 7, 2, 10, 4, 8, 6]);
    let flags = RankFlags::default().flag(&pop).unwrap();
    let bottom: Vec<i64> = pop
        .iter()
        .zip(&flags)
        .filter(|(_, f)| f.score.is_bottom())
        .map(|(c, _)| c.value().mantissa() as i64)
        .collect();
    assert_eq!(bottom, [1, 2]);
    for (c, f) in pop.iter().zip(&flags) {
        assert_eq!(f.score.rank() as i64, 12 - c.value().mantissa() as i64);
    }
    // N = 11 top 5 %: ceil(0.55) = 1.
    assert_eq!(flags.iter().filter(|f| f.score.is_top()).count(), 1);
    // Configurable: bottom 50 % of 11 is floor(5.5) = 5 customers.
    let half = RankFlags::new(d(5, 2), d(5, 1))
        .unwrap()
        .flag(&pop)
        .unwrap();
    assert_eq!(half.iter().filter(|f| f.score.is_bottom()).count(), 5);
    // N = 4: floor(0.8) = 0, nobody is in the bottom 20 %.
    let four = RankFlags::default()
        .flag(&population(&[1, 2, 3, 4]))
        .unwrap();
    assert!(four.iter().all(|f| !f.score.is_bottom()));
}

fn vl(rows: &[(i64, f64)]) -> Vec<ValueLoyalty> {
    rows.iter()
        .enumerate()
        .map(|(i, &(v, l))| {
            ValueLoyalty::new(CustomerId::new(i as u64), Decimal::from(v), l).unwrap()
        })
        .collect()
}

#[test]
fn matrix_hand_example() {
    // Values 100, 300, 200, 400, 250, 50: sorted 50 100 200 250 300 400,
    // median (200 + 250) / 2 = 225. Loyalty 10, 2, 8, 1, 5, 7: sorted
    // 1 2 5 7 8 10, median (5 + 7) / 2 = 6.
    let rows = vl(&[
        (100, 10.0),
        (300, 2.0),
        (200, 8.0),
        (400, 1.0),
        (250, 5.0),
        (50, 7.0),
    ]);
    let matrix = ValueLoyaltyMatrix::median();
    let fitted = matrix.fit(&rows).unwrap();
    assert_eq!(fitted.value_split(), Decimal::from(225));
    assert_eq!(fitted.loyalty_split(), 6.0);
    let r = matrix.classify(&rows).unwrap();
    let cells: Vec<Quadrant> = r.tiers().iter().map(|s| s.score).collect();
    use Quadrant::*;
    assert_eq!(
        cells,
        [
            Barnacles,
            Butterflies,
            Barnacles,
            Butterflies,
            Butterflies,
            Barnacles
        ]
    );
    let rep = r.report();
    assert_eq!(rep.get(TrueFriends).unwrap().count(), 0);
    assert_eq!(rep.get(Butterflies).unwrap().value(), Decimal::from(950));
    assert_eq!(rep.get(Barnacles).unwrap().value(), Decimal::from(350));
    assert_eq!(rep.get(Strangers).unwrap().value_share(), Some(0.0));

    // Odd N: the middle value itself, and >= median is high.
    let odd = vl(&[(10, 1.0), (30, 3.0), (20, 2.0)]);
    let r = matrix.classify(&odd).unwrap();
    let cells: Vec<Quadrant> = r.tiers().iter().map(|s| s.score).collect();
    assert_eq!(cells, [Strangers, TrueFriends, TrueFriends]);

    // Caller thresholds.
    let fixed = ValueLoyaltyMatrix::new(Some(Decimal::from(300)), Some(1.5)).unwrap();
    let r = fixed.classify(&rows).unwrap();
    let cells: Vec<Quadrant> = r.tiers().iter().map(|s| s.score).collect();
    assert_eq!(
        cells,
        [
            Barnacles,
            TrueFriends,
            Barnacles,
            Butterflies,
            Barnacles,
            Barnacles
        ]
    );
    // A new customer through the fitted scorer.
    let newcomer = ValueLoyalty::new(CustomerId::new(50), Decimal::from(225), 6.0).unwrap();
    assert_eq!(fitted.score(&newcomer).unwrap(), TrueFriends);
}

#[test]
fn errors() {
    // V <= 0 for value-based ABC.
    let abc = Abc::by_value_default(Boundary::Crossing);
    for values in [&[0, 0][..], &[10, -10], &[-5]] {
        assert!(matches!(
            abc.classify(&population(values)),
            Err(Error::InvalidValue {
                what: "total value",
                ..
            })
        ));
        assert!(abc.fit(&population(values)).is_err());
        assert!(pareto_share(&population(values), d(2, 1)).is_err());
    }
    // Empty populations.
    assert!(matches!(
        Abc::by_count_default().classify(&[]),
        Err(Error::InvalidValue {
            what: "population",
            ..
        })
    ));
    assert!(Pyramid::textbook().fit(&[]).is_err());
    assert!(ValueLoyaltyMatrix::median().fit(&[]).is_err());
    // Bad thresholds.
    for (a, b) in [(d(0, 0), d(5, 1)), (d(5, 1), d(2, 1)), (d(2, 1), d(101, 2))] {
        assert!(matches!(
            Abc::by_count(a, b),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(Abc::by_value(a, b, Boundary::Crossing).is_err());
    }
    assert!(Pyramid::by_count([d(1, 2), d(5, 2), d(20, 2), d(99, 2)]).is_err());
    assert!(Pyramid::by_count([d(5, 2), d(1, 2), d(20, 2), Decimal::ONE]).is_err());
    assert!(RankFlags::new(d(5, 2), d(0, 0)).is_err());
    assert!(ValueLoyaltyMatrix::new(None, Some(f64::NAN)).is_err());
    assert!(pareto_share(&worked(), d(0, 0)).is_err());
    // Count-based tiers accept a non-positive total; shares are None, never NaN.
    let r = Pyramid::textbook()
        .classify(&population(&[3, -3, 0]))
        .unwrap();
    assert!(r.report().tiers().iter().all(|t| t.value_share().is_none()));
    assert_eq!(r.report().negative_values(), 1);
}

#[test]
fn serde_round_trips_and_rejects_invalid() {
    let abc = Abc::by_value_default(Boundary::Strict);
    let json = serde_json::to_string(&abc).unwrap();
    assert_eq!(serde_json::from_str::<Abc>(&json).unwrap(), abc);
    assert!(serde_json::from_str::<Abc>(r#"{"a":"0.9","b":"0.5","basis":"Count"}"#).is_err());

    let fitted = abc.fit(&worked()).unwrap();
    let json = serde_json::to_string(&fitted).unwrap();
    assert!(json.contains("\"520\""), "{json}"); // money as a string
    assert_eq!(serde_json::from_str::<FittedAbc>(&json).unwrap(), fitted);
    assert!(serde_json::from_str::<FittedAbc>(r#"{"a_min":"5","b_min":"6"}"#).is_err());

    let pyr = Pyramid::by_value(
        [d(1, 1), d(3, 1), d(6, 1), Decimal::ONE],
        Boundary::Crossing,
    )
    .unwrap();
    let json = serde_json::to_string(&pyr).unwrap();
    assert_eq!(serde_json::from_str::<Pyramid>(&json).unwrap(), pyr);
    assert_eq!(pyr.basis(), Basis::Value(Boundary::Crossing));
    let fp = Pyramid::textbook().fit(&worked()).unwrap();
    let json = serde_json::to_string(&fp).unwrap();
    assert_eq!(serde_json::from_str::<FittedPyramid>(&json).unwrap(), fp);
    assert!(
        serde_json::from_str::<FittedPyramid>(
            r#"{"platinum_min":"1","gold_min":"2","iron_min":null}"#
        )
        .is_err()
    );

    let fm = FittedMatrix::new(Decimal::new(12345, 2), 3.5).unwrap();
    let json = serde_json::to_string(&fm).unwrap();
    assert_eq!(serde_json::from_str::<FittedMatrix>(&json).unwrap(), fm);
    let flags = RankFlags::default();
    let json = serde_json::to_string(&flags).unwrap();
    assert_eq!(serde_json::from_str::<RankFlags>(&json).unwrap(), flags);
    assert!(serde_json::from_str::<RankFlags>(r#"{"top":"0","bottom":"0.2"}"#).is_err());

    let row = CustomerValue::new(CustomerId::new(3), d(-1999, 2));
    let json = serde_json::to_string(&row).unwrap();
    assert_eq!(serde_json::from_str::<CustomerValue>(&json).unwrap(), row);

    // Reports serialise (money as strings, missing shares as null).
    let r = Abc::by_count_default()
        .classify(&population(&[1, -1]))
        .unwrap();
    let json = serde_json::to_string(r.report()).unwrap();
    assert!(json.contains("\"value_share\":null"), "{json}");
}

// ---------------------------------------------------------------- properties

fn tier_rank<T: PartialEq>(all: &[T], t: &T) -> usize {
    all.iter().position(|x| x == t).unwrap_or(usize::MAX)
}

fn check_partition<T: customer_value::differentiate::Tier>(
    pop: &[CustomerValue],
    result: &TierAssignment<T>,
) {
    assert_eq!(result.tiers().len(), pop.len());
    for (row, s) in pop.iter().zip(result.tiers()) {
        assert_eq!(row.customer(), s.customer);
    }
    let report: &TierReport<T> = result.report();
    let counts: usize = report.tiers().iter().map(|t| t.count()).sum();
    assert_eq!(counts, pop.len());
    for t in report.tiers() {
        let n = result
            .tiers()
            .iter()
            .filter(|s| s.score == t.tier())
            .count();
        assert_eq!(n, t.count());
    }
    let total: Decimal = pop.iter().map(|c| c.value()).sum();
    assert_eq!(report.total_value(), total);
    if total > Decimal::ZERO {
        let sum: f64 = report
            .tiers()
            .iter()
            .map(|t| t.value_share().unwrap())
            .sum();
        assert!((sum - 1.0).abs() < 1e-9, "{sum}");
    } else {
        assert!(report.tiers().iter().all(|t| t.value_share().is_none()));
    }
}

fn check_monotone<T: customer_value::differentiate::Tier>(
    pop: &[CustomerValue],
    result: &TierAssignment<T>,
) {
    for (a, sa) in pop.iter().zip(result.tiers()) {
        for (b, sb) in pop.iter().zip(result.tiers()) {
            if a.value() > b.value() {
                assert!(
                    tier_rank(T::ALL, &sa.score) <= tier_rank(T::ALL, &sb.score),
                    "{a:?} {sa:?} vs {b:?} {sb:?}"
                );
            }
        }
    }
}

fn by_id<T: Copy>(tiers: &[Scored<T>]) -> Vec<Scored<T>> {
    let mut v = tiers.to_vec();
    v.sort_by_key(|s| s.customer);
    v
}

fn abc_methods() -> Vec<Abc> {
    vec![
        Abc::by_count_default(),
        Abc::by_count(d(1, 1), Decimal::ONE).unwrap(),
        Abc::by_value_default(Boundary::Crossing),
        Abc::by_value_default(Boundary::Strict),
        Abc::by_value(d(55, 2), d(85, 2), Boundary::Strict).unwrap(),
    ]
}

fn pyramids() -> Vec<Pyramid> {
    vec![
        Pyramid::textbook(),
        Pyramid::by_count([d(1, 1), d(2, 1), d(7, 1), Decimal::ONE]).unwrap(),
        Pyramid::by_value(
            [d(3, 1), d(6, 1), d(9, 1), Decimal::ONE],
            Boundary::Crossing,
        )
        .unwrap(),
        Pyramid::by_value([d(3, 1), d(6, 1), d(9, 1), Decimal::ONE], Boundary::Strict).unwrap(),
    ]
}

/// Positive-total populations: cents in [-500.00, 10000.00], ties likely.
fn positive_population() -> impl Strategy<Value = Vec<CustomerValue>> {
    prop::collection::vec(
        prop_oneof![3 => 0i64..1_000_000, 1 => -50_000i64..0, 1 => 0i64..5],
        1..60,
    )
    .prop_filter("positive total", |v| v.iter().sum::<i64>() > 0)
    .prop_map(|v| cents(&v))
}

/// Distinct positive values in random order.
fn distinct_population() -> impl Strategy<Value = Vec<i64>> {
    prop::collection::btree_set(1i64..1_000_000, 1..60)
        .prop_map(|s| s.into_iter().collect::<Vec<_>>())
        .prop_shuffle()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn tiers_partition_and_shares_sum_to_one(pop in positive_population()) {
        for abc in abc_methods() {
            let r = abc.classify(&pop).unwrap();
            check_partition(&pop, &r);
            check_monotone(&pop, &r);
        }
        for pyr in pyramids() {
            let r = pyr.classify(&pop).unwrap();
            check_partition(&pop, &r);
            check_monotone(&pop, &r);
        }
    }

    #[test]
    fn count_tiers_allow_any_total(v in prop::collection::vec(-100_000i64..100_000, 1..40)) {
        let pop = cents(&v);
        let r = Abc::by_count_default().classify(&pop).unwrap();
        check_partition(&pop, &r);
        check_monotone(&pop, &r);
        let r = Pyramid::textbook().classify(&pop).unwrap();
        check_partition(&pop, &r);
        let rows: Vec<ValueLoyalty> = pop
            .iter()
            .zip(&v)
            .map(|(c, &l)| ValueLoyalty::new(c.customer(), c.value(), (l % 97) as f64).unwrap())
            .collect();
        let m = ValueLoyaltyMatrix::median().classify(&rows).unwrap();
        let as_values: Vec<CustomerValue> = rows.iter().map(|&r| r.into()).collect();
        check_partition(&as_values, &m);
    }

    #[test]
    fn permutation_gives_the_same_tiers(v in distinct_population(), seed in any::<u64>()) {
        let pop = cents(&v);
        // A second order of the same customers: rotate and reverse.
        let mut other = pop.clone();
        let k = (seed as usize) % other.len();
        other.rotate_left(k);
        other.reverse();
        for abc in abc_methods() {
            let a = abc.classify(&pop).unwrap();
            let b = abc.classify(&other).unwrap();
            prop_assert_eq!(by_id(a.tiers()), by_id(b.tiers()));
            prop_assert_eq!(a.report(), b.report());
        }
        for pyr in pyramids() {
            let a = pyr.classify(&pop).unwrap();
            let b = pyr.classify(&other).unwrap();
            prop_assert_eq!(by_id(a.tiers()), by_id(b.tiers()));
            prop_assert_eq!(a.report(), b.report());
        }
    }

    #[test]
    fn fitted_scorer_agrees_with_classify(v in distinct_population()) {
        let pop = cents(&v);
        for abc in abc_methods() {
            let fitted = abc.fit(&pop).unwrap();
            prop_assert_eq!(fitted.score_keyed(&pop).unwrap(), abc.classify(&pop).unwrap().into_parts().0);
            let back: FittedAbc = serde_json::from_str(&serde_json::to_string(&fitted).unwrap()).unwrap();
            prop_assert_eq!(back, fitted);
        }
        for pyr in pyramids() {
            let fitted = pyr.fit(&pop).unwrap();
            prop_assert_eq!(fitted.score_keyed(&pop).unwrap(), pyr.classify(&pop).unwrap().into_parts().0);
        }
        let rows: Vec<ValueLoyalty> = pop
            .iter()
            .enumerate()
            .map(|(i, c)| ValueLoyalty::new(c.customer(), c.value(), (i % 7) as f64).unwrap())
            .collect();
        let matrix = ValueLoyaltyMatrix::median();
        let fitted = matrix.fit(&rows).unwrap();
        prop_assert_eq!(fitted.score_keyed(&rows).unwrap(), matrix.classify(&rows).unwrap().into_parts().0);
    }

    #[test]
    fn count_tiers_match_ceil_rule(n in 1usize..300) {
        // Rank k is in tier j iff k <= ceil(p_j N), computed here in integers
        // with the textbook percentages (1, 5, 20, 100).
        let pop = population(&(0..n as i64).map(|i| 1_000 - i).collect::<Vec<_>>());
        let r = Pyramid::textbook().classify(&pop).unwrap();
        let ceil = |pct: usize| (pct * n).div_ceil(100);
        for (k0, s) in r.tiers().iter().enumerate() {
            let k = k0 + 1;
            let expected = if k <= ceil(1) {
                PyramidTier::Platinum
            } else if k <= ceil(5) {
                PyramidTier::Gold
            } else if k <= ceil(20) {
                PyramidTier::Iron
            } else {
                PyramidTier::Lead
            };
            prop_assert_eq!(s.score, expected);
        }
        let flags = RankFlags::default().flag(&pop).unwrap();
        for (k0, f) in flags.iter().enumerate() {
            prop_assert_eq!(f.score.is_bottom(), k0 + 1 > n - (20 * n) / 100);
        }
    }
}
