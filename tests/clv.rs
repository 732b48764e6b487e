//! Integration tests for `customer_value::clv`: the worked examples of
//! FORMULAS.md 1.8 (computed independently in Python), brute-force sums,
//! edge and invalid cases of 1.7, and property tests.

use customer_value::clv::{
    BlattbergDeighton, Cohort, DiscountRate, GrowthIndexing, Horizon, MarginInput, MarginRate,
    MarkovModel, Probability, RetentionModel, RetentionRate, Rounding, StateInput, Timing,
    TransitionMatrix, customer_equity, homogeneous_customer_equity, margin_multiple_grid,
    round_cents,
};
use customer_value::{CustomerId, Decimal, Error, Scorer};
use proptest::prelude::*;

fn d(s: &str) -> Decimal {
    s.parse().expect("test literal")
}

fn model(timing: Timing, horizon: Horizon, r: Decimal, i: Decimal) -> RetentionModel {
    RetentionModel::builder(timing, horizon)
        .retention(r)
        .discount(i)
        .build()
        .expect("valid test parameters")
}

fn grown(
    timing: Timing,
    horizon: Horizon,
    r: Decimal,
    i: Decimal,
    g: Decimal,
    indexing: GrowthIndexing,
) -> Result<RetentionModel, Error> {
    RetentionModel::builder(timing, horizon)
        .retention(r)
        .discount(i)
        .growth(g, indexing)
        .build()
}

/// CLV straight from the cash-flow definitions of FORMULAS.md 1.2 / 1.3,
/// one term per period: (margin, survival probability, discount).
fn brute_force(
    timing: Timing,
    indexing: GrowthIndexing,
    m: Decimal,
    r: Decimal,
    i: Decimal,
    g: Decimal,
    periods: u32,
) -> Decimal {
    let one_plus_i = Decimal::ONE + i;
    let growth = Decimal::ONE + g;
    let k = match indexing {
        GrowthIndexing::FirstMarginUngrown => 0,
        GrowthIndexing::FirstMarginGrown => 1,
    };
    let pow = |x: Decimal, n: u32| (0..n).fold(Decimal::ONE, |acc, _| acc * x);
    let mut total = Decimal::ZERO;
    for j in 0..periods {
        // j-th margin counted: m·G^(j+k)
        let margin = m * pow(growth, j + k);
        let (survival, t) = match timing {
            Timing::EndOfPeriod => (pow(r, j + 1), j + 1),
            Timing::StartOfPeriod => (pow(r, j), j),
            Timing::EndPaidIfAliveAtStart => (pow(r, j), j + 1),
            _ => unreachable!(),
        };
        total += margin * survival / pow(one_plus_i, t);
    }
    total
}

fn close(a: Decimal, b: Decimal, tol: Decimal) -> bool {
    (a - b).abs() <= tol * b.abs().max(Decimal::ONE)
}

const TIMINGS: [Timing; 3] = [
    Timing::EndOfPeriod,
    Timing::StartOfPeriod,
    Timing::EndPaidIfAliveAtStart,
];

// --- FORMULAS.md 1.8 worked example: m = 100, r = 0.8, i = 0.10, g = 0.05, AC = 150, N = 1000.

fn m() -> Decimal {
    d("100")
}
fn r() -> Decimal {
    d("0.8")
}
fn i() -> Decimal {
    d("0.10")
}

#[test]
fn worked_infinite_timings() {
    let end = model(Timing::EndOfPeriod, Horizon::Infinite, r(), i());
    assert_eq!(end.multiple().round_dp(4), d("2.6667"));
    assert_eq!(end.clv(m()).unwrap().round_dp(4), d("266.6667"));
    let start = model(Timing::StartOfPeriod, Horizon::Infinite, r(), i());
    assert_eq!(start.clv(m()).unwrap().round_dp(4), d("366.6667"));
    let alive = model(Timing::EndPaidIfAliveAtStart, Horizon::Infinite, r(), i());
    assert_eq!(alive.clv(m()).unwrap().round_dp(4), d("333.3333"));
}

#[test]
fn worked_end_of_period_five_periods_and_its_terms() {
    let expected_terms = ["72.7273", "52.8926", "38.4673", "27.9762", "20.3463"];
    let mut running = Decimal::ZERO;
    for (t, expected) in (1..=5u32).zip(expected_terms) {
        // term t = brute-force sum over t periods minus over t - 1 periods
        let upto = brute_force(
            Timing::EndOfPeriod,
            GrowthIndexing::FirstMarginUngrown,
            m(),
            r(),
            i(),
            Decimal::ZERO,
            t,
        );
        assert_eq!((upto - running).round_dp(4), d(expected), "term {t}");
        running = upto;
        // and the closed form over t periods equals the brute-force sum
        let closed = model(Timing::EndOfPeriod, Horizon::Periods(t), r(), i());
        assert!(close(closed.clv(m()).unwrap(), upto, d("1e-24")));
    }
    let five = model(Timing::EndOfPeriod, Horizon::Periods(5), r(), i());
    assert_eq!(five.clv(m()).unwrap().round_dp(4), d("212.4097"));
    assert_eq!(running.round_dp(4), d("212.4097"));
}

#[test]
fn worked_start_of_period_five_periods() {
    let five = model(Timing::StartOfPeriod, Horizon::Periods(5), r(), i());
    assert_eq!(five.clv(m()).unwrap().round_dp(4), d("292.0634"));
}

#[test]
fn worked_growth() {
    let g = d("0.05");
    let end = grown(
        Timing::EndOfPeriod,
        Horizon::Infinite,
        r(),
        i(),
        g,
        GrowthIndexing::FirstMarginUngrown,
    )
    .unwrap();
    assert_eq!(end.clv(m()).unwrap().round_dp(4), d("307.6923"));
    let start = grown(
        Timing::StartOfPeriod,
        Horizon::Infinite,
        r(),
        i(),
        g,
        GrowthIndexing::FirstMarginUngrown,
    )
    .unwrap();
    assert_eq!(start.clv(m()).unwrap().round_dp(4), d("423.0769"));
    // The other EndOfPeriod indexing, m_t = m(1+g)^t: m·r(1+g)/(1+i−r(1+g)) = 84/0.26.
    let other = grown(
        Timing::EndOfPeriod,
        Horizon::Infinite,
        r(),
        i(),
        g,
        GrowthIndexing::FirstMarginGrown,
    )
    .unwrap();
    assert_eq!(other.clv(m()).unwrap().round_dp(4), d("323.0769"));
}

#[test]
fn worked_net_and_customer_equity() {
    let end = model(Timing::EndOfPeriod, Horizon::Infinite, r(), i());
    assert_eq!(
        end.net_clv(m(), d("150")).unwrap().round_dp(4),
        d("116.6667")
    );
    let row = MarginInput::new(CustomerId::new(1), m()).with_acquisition_cost(d("150"));
    assert_eq!(end.score(&row).unwrap().net().round_dp(4), d("116.6667"));
    let clv = end.clv(m()).unwrap();
    let ce = homogeneous_customer_equity(1000, clv).unwrap();
    assert_eq!(ce.round_dp(2), d("266666.67"));
    let base = vec![MarginInput::new(CustomerId::new(1), m()); 1000];
    assert_eq!(
        end.customer_equity(&base).unwrap().round_dp(2),
        d("266666.67")
    );
}

#[test]
fn worked_cohorts() {
    let start = model(Timing::StartOfPeriod, Horizon::Infinite, r(), i());
    let cohorts = [Cohort::new(100, d("150")); 3];
    let value = start.cohort_equity(m(), &cohorts).unwrap();
    assert_eq!(value.round_dp(4), d("59269.9725"));
    // brute force: Σ_k n_k/(1+i)^k · Σ_{t=k}^{k+400} m r^{t−k}/(1+i)^{t−k} − Σ n_k c_k/(1+i)^k
    let inner = brute_force(
        Timing::StartOfPeriod,
        GrowthIndexing::FirstMarginUngrown,
        m(),
        r(),
        i(),
        Decimal::ZERO,
        400,
    );
    let mut brute = Decimal::ZERO;
    let mut factor = Decimal::ONE;
    for _ in 0..3 {
        brute += d("100") * factor * inner - d("100") * d("150") * factor;
        factor /= Decimal::ONE + i();
    }
    assert!(close(value, brute, d("1e-18")), "{value} vs {brute}");
}

#[test]
fn worked_blattberg_deighton() {
    let test = BlattbergDeighton {
        acquisition_rate: Probability::new(d("0.2")).unwrap(),
        acquisition_spend: d("10"),
        margin: d("100"),
        retention_spend: d("5"),
        retention: RetentionRate::new(d("0.8")).unwrap(),
        discount: DiscountRate::new(d("0.10")).unwrap(),
    };
    assert_eq!(test.customer_equity().unwrap().round_dp(4), d("60.0000"));
}

#[cfg(feature = "berger_nasr")]
#[test]
fn worked_berger_nasr_case_1() {
    use customer_value::clv::BergerNasrCase1;
    let case = BergerNasrCase1 {
        gross_contribution: d("100"),
        promotion_cost: d("10"),
        retention: RetentionRate::new(d("0.8")).unwrap(),
        discount: DiscountRate::new(d("0.10")).unwrap(),
        years: 5,
    };
    assert_eq!(case.clv().unwrap().round_dp(4), d("284.5626"));
    // 312.4097 - 27.8472, the promotion term by brute force with √1.1 ≈ 1.0488088482
    let sqrt = d("1.04880884817015154699145351367");
    let mut promo = Decimal::ZERO;
    let mut q = Decimal::ONE;
    for k in 1..=5 {
        let mut disc = Decimal::ONE;
        for _ in 0..k {
            disc *= d("1.1");
        }
        promo += d("10") * q * sqrt / disc;
        q *= d("0.8");
    }
    assert_eq!(promo.round_dp(4), d("27.8472"));
}

fn pc_example() -> MarkovModel {
    let rows = [
        ["0.3", "0.7", "0", "0"],
        ["0.2", "0", "0.8", "0"],
        ["0.1", "0", "0", "0.9"],
        ["0", "0", "0", "1"],
    ];
    let matrix = TransitionMatrix::new(
        rows.iter()
            .map(|row| row.iter().map(|s| d(s)).collect())
            .collect(),
    )
    .unwrap();
    let rewards = vec![d("40"), d("-4"), d("-4"), d("0")];
    MarkovModel::new(matrix, rewards, DiscountRate::new(d("0.2")).unwrap()).unwrap()
}

#[test]
fn worked_markov() {
    let values = pc_example().values(Horizon::Infinite).unwrap();
    let rounded: Vec<Decimal> = values.values().iter().map(|v| v.round_dp(4)).collect();
    assert_eq!(
        rounded,
        vec![d("58.2090"), d("6.2687"), d("0.8507"), d("0")]
    );
    let scored = values
        .score_keyed(&[StateInput {
            customer: CustomerId::new(9),
            state: 1,
        }])
        .unwrap();
    assert_eq!(scored[0].customer, CustomerId::new(9));
    assert_eq!(scored[0].score.round_dp(4), d("6.2687"));
}

#[test]
fn markov_finite_is_the_brute_force_sum() {
    let model = pc_example();
    let n = 4;
    let p: Vec<Vec<Decimal>> = model.matrix().rows().map(<[Decimal]>::to_vec).collect();
    // V_T = Σ_{t=0}^{T} A^t R, iterating v <- R + A v (T + 1 times).
    let a = |v: &[Decimal]| -> Vec<Decimal> {
        (0..n)
            .map(|s| (0..n).map(|j| p[s][j] * v[j]).sum::<Decimal>() / d("1.2"))
            .collect()
    };
    let mut v = vec![Decimal::ZERO; n];
    for t in 0..=12u32 {
        let moved = a(&v);
        v = model
            .rewards()
            .iter()
            .zip(moved)
            .map(|(r, x)| *r + x)
            .collect();
        let got = model.values(Horizon::Periods(t)).unwrap();
        for (s, (got, want)) in got.values().iter().zip(&v).enumerate() {
            assert!(close(*got, *want, d("1e-20")), "t={t} s={s}");
        }
    }
}

#[test]
fn margin_multiple_grid_of_gupta_lehmann() {
    let rates = |xs: &[&str]| -> Vec<Decimal> { xs.iter().map(|s| d(s)).collect() };
    let retentions: Vec<RetentionRate> = rates(&["0.6", "0.7", "0.8", "0.9"])
        .into_iter()
        .map(|r| RetentionRate::new(r).unwrap())
        .collect();
    let discounts: Vec<DiscountRate> = rates(&["0.10", "0.12", "0.14", "0.16"])
        .into_iter()
        .map(|i| DiscountRate::new(i).unwrap())
        .collect();
    let expected = [
        ["1.20", "1.15", "1.11", "1.07"],
        ["1.75", "1.67", "1.59", "1.52"],
        ["2.67", "2.50", "2.35", "2.22"],
        ["4.50", "4.09", "3.75", "3.46"],
    ];
    let grid = margin_multiple_grid(&retentions, &discounts).unwrap();
    assert_eq!(grid.len(), 4);
    for (row, exp_row) in grid.iter().zip(expected) {
        assert_eq!(row.len(), 4);
        for (value, exp) in row.iter().zip(exp_row) {
            assert_eq!(round_cents(*value, Rounding::HalfEven), d(exp));
        }
    }
}

#[test]
fn start_of_period_is_margin_plus_end_of_period() {
    let start = model(Timing::StartOfPeriod, Horizon::Infinite, r(), i());
    let end = model(Timing::EndOfPeriod, Horizon::Infinite, r(), i());
    assert!(close(
        start.clv(m()).unwrap(),
        m() + end.clv(m()).unwrap(),
        d("1e-25")
    ));
}

#[test]
fn zero_retention() {
    for horizon in [Horizon::Infinite, Horizon::Periods(1), Horizon::Periods(7)] {
        let end = model(Timing::EndOfPeriod, horizon, Decimal::ZERO, i());
        assert_eq!(end.clv(m()).unwrap(), Decimal::ZERO);
        let start = model(Timing::StartOfPeriod, horizon, Decimal::ZERO, i());
        assert_eq!(start.clv(m()).unwrap(), m());
        // paid at the end of period 1 only: m/(1+i)
        let alive = model(Timing::EndPaidIfAliveAtStart, horizon, Decimal::ZERO, i());
        assert!(close(alive.clv(m()).unwrap(), m() / d("1.1"), d("1e-26")));
    }
}

#[test]
fn q_equal_one_is_m_times_t() {
    for timing in TIMINGS {
        let t = model(timing, Horizon::Periods(12), Decimal::ONE, Decimal::ZERO);
        assert_eq!(t.clv(m()).unwrap(), d("1200"));
    }
    // with growth: r(1+g) = 1+i, e.g. r = 0.5, g = 1, i = 0
    let g = grown(
        Timing::StartOfPeriod,
        Horizon::Periods(9),
        d("0.5"),
        Decimal::ZERO,
        Decimal::ONE,
        GrowthIndexing::FirstMarginUngrown,
    )
    .unwrap();
    assert_eq!(g.clv(m()).unwrap(), d("900"));
    let zero = model(Timing::EndOfPeriod, Horizon::Periods(0), r(), i());
    assert_eq!(zero.clv(m()).unwrap(), Decimal::ZERO);
}

fn invalid_name(result: Result<RetentionModel, Error>) -> &'static str {
    match result {
        Err(Error::InvalidParameter { name, .. }) => name,
        other => panic!("expected an invalid parameter, got {other:?}"),
    }
}

#[test]
fn invalid_parameters_of_1_7() {
    let build = |r: &str, i: &str, h: Horizon| {
        RetentionModel::builder(Timing::EndOfPeriod, h)
            .retention(d(r))
            .discount(d(i))
            .build()
    };
    assert_eq!(
        invalid_name(build("1.01", "0.1", Horizon::Infinite)),
        "retention"
    );
    assert_eq!(
        invalid_name(build("-0.01", "0.1", Horizon::Periods(3))),
        "retention"
    );
    assert_eq!(
        invalid_name(build("0.8", "-1", Horizon::Periods(3))),
        "discount"
    );
    assert_eq!(
        invalid_name(build("0.8", "-1.5", Horizon::Infinite)),
        "discount"
    );
    // divergent infinite horizon: r = 1, i = 0, and r > 1 + i
    assert_eq!(invalid_name(build("1", "0", Horizon::Infinite)), "horizon");
    assert_eq!(
        invalid_name(build("0.9", "-0.2", Horizon::Infinite)),
        "horizon"
    );
    // ... but finite sums are fine for those
    assert!(build("1", "0", Horizon::Periods(3)).is_ok());
    assert!(build("0.9", "-0.2", Horizon::Periods(3)).is_ok());
    for timing in TIMINGS {
        let g = |g: &str, h: Horizon| {
            grown(
                timing,
                h,
                r(),
                i(),
                d(g),
                GrowthIndexing::FirstMarginUngrown,
            )
        };
        assert_eq!(invalid_name(g("-1", Horizon::Periods(3))), "growth");
        assert_eq!(invalid_name(g("-2", Horizon::Infinite)), "growth");
        // r(1+g) >= 1+i: 0.8 · 1.375 = 1.1
        assert_eq!(invalid_name(g("0.375", Horizon::Infinite)), "horizon");
        assert_eq!(invalid_name(g("0.5", Horizon::Infinite)), "horizon");
        assert!(g("0.5", Horizon::Periods(20)).is_ok());
    }
    let message = build("1.2", "0.1", Horizon::Infinite)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("retention") && message.contains("1.2"),
        "{message}"
    );
    assert!(RetentionRate::new(d("1.2")).is_err());
    assert!(DiscountRate::new(d("-1")).is_err());
    assert!(Probability::new(d("1.2")).is_err());
}

#[test]
fn derived_growth_combinations_match_brute_force() {
    let g = d("0.05");
    for timing in TIMINGS {
        for indexing in [
            GrowthIndexing::FirstMarginUngrown,
            GrowthIndexing::FirstMarginGrown,
        ] {
            for t in [0u32, 1, 2, 5, 13] {
                let closed = grown(timing, Horizon::Periods(t), r(), i(), g, indexing).unwrap();
                let brute = brute_force(timing, indexing, m(), r(), i(), g, t);
                assert!(
                    close(closed.clv(m()).unwrap(), brute, d("1e-22")),
                    "{timing:?} {indexing:?} T={t}"
                );
            }
            let infinite = grown(timing, Horizon::Infinite, r(), i(), g, indexing).unwrap();
            let far = brute_force(timing, indexing, m(), r(), i(), g, 600);
            assert!(
                close(infinite.clv(m()).unwrap(), far, d("1e-20")),
                "{timing:?} {indexing:?} infinite"
            );
        }
    }
}

#[test]
fn annual_to_monthly_discount() {
    let monthly = DiscountRate::new(d("0.10"))
        .unwrap()
        .per_subperiod(12)
        .unwrap();
    assert_eq!(monthly.get().round_dp(7), d("0.0079741"));
}

#[test]
fn margins_from_a_summary() {
    use customer_value::{Date, Summarizer, TimeUnit, Transaction};
    let c = CustomerId::new(5);
    let log = [
        Transaction::new(c, Date::parse("2024-01-01").unwrap(), d("120")),
        Transaction::new(c, Date::parse("2024-01-29").unwrap(), d("80")),
        Transaction::new(
            CustomerId::new(6),
            Date::parse("2024-02-26").unwrap(),
            d("50"),
        ),
    ];
    let summary = Summarizer::builder(Date::parse("2024-02-26").unwrap())
        .unit(TimeUnit::WEEK)
        .build()
        .unwrap()
        .summarize(&log)
        .unwrap();
    let rows =
        MarginInput::from_summaries(summary.customers(), MarginRate::new(d("0.25")).unwrap())
            .unwrap();
    // customer 5: 200 over 8 weeks at 25 % = 6.25 a week
    assert_eq!(rows[0].margin(), d("6.25"));
    // customer 6: first purchase on the last day, age floored to one week
    assert_eq!(rows[1].margin(), d("12.5"));
    assert_eq!(rows[1].acquisition_cost(), Decimal::ZERO);
}

#[cfg(feature = "serde")]
#[test]
fn serde_money_is_strings_and_validated() {
    let model = model(Timing::EndOfPeriod, Horizon::Periods(5), r(), i());
    let json = serde_json::to_string(&model).unwrap();
    let back: RetentionModel = serde_json::from_str(&json).unwrap();
    assert_eq!(back.multiple(), model.multiple());
    let bad = json.replace("\"0.10\"", "\"-1\"");
    assert!(serde_json::from_str::<RetentionModel>(&bad).is_err());
    let markov = pc_example();
    let json = serde_json::to_string(&markov).unwrap();
    assert!(json.contains("\"0.3\""), "{json}");
    assert_eq!(serde_json::from_str::<MarkovModel>(&json).unwrap(), markov);
    let broken = json.replacen("\"0.3\"", "\"0.4\"", 1);
    assert!(serde_json::from_str::<MarkovModel>(&broken).is_err());
}

// --- Properties

fn retention_rate() -> impl Strategy<Value = Decimal> {
    (0i64..=1000).prop_map(|n| Decimal::new(n, 3))
}

/// Discount in [0.001, 0.5]: keeps every infinite horizon convergent.
fn discount_rate() -> impl Strategy<Value = Decimal> {
    (1i64..=500).prop_map(|n| Decimal::new(n, 3))
}

fn money() -> impl Strategy<Value = Decimal> {
    (-1_000_000i64..=1_000_000).prop_map(|cents| Decimal::new(cents, 2))
}

fn positive_money() -> impl Strategy<Value = Decimal> {
    (1i64..=1_000_000).prop_map(|cents| Decimal::new(cents, 2))
}

fn timing() -> impl Strategy<Value = Timing> {
    prop::sample::select(TIMINGS.to_vec())
}

fn horizon() -> impl Strategy<Value = Horizon> {
    prop_oneof![
        Just(Horizon::Infinite),
        (0u32..60).prop_map(Horizon::Periods)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn clv_rises_with_retention(
        t in timing(), h in horizon(), a in retention_rate(), b in retention_rate(),
        i in discount_rate(), m in positive_money(),
    ) {
        let (lo, hi) = (a.min(b), a.max(b));
        let low = model(t, h, lo, i).clv(m).unwrap();
        let high = model(t, h, hi, i).clv(m).unwrap();
        prop_assert!(low <= high, "{low} > {high}");
    }

    #[test]
    fn clv_falls_with_discount(
        t in timing(), h in horizon(), r in retention_rate(), a in discount_rate(),
        b in discount_rate(), m in positive_money(),
    ) {
        let (lo, hi) = (a.min(b), a.max(b));
        let cheap = model(t, h, r, lo).clv(m).unwrap();
        let dear = model(t, h, r, hi).clv(m).unwrap();
        prop_assert!(dear <= cheap, "{dear} > {cheap}");
    }

    #[test]
    fn finite_equals_brute_force(
        t in timing(), r in retention_rate(), i in (-300i64..=500).prop_map(|n| Decimal::new(n, 3)),
        g in (-200i64..=200).prop_map(|n| Decimal::new(n, 3)), grown_first in any::<bool>(),
        periods in 0u32..40, m in money(),
    ) {
        let indexing = if grown_first {
            GrowthIndexing::FirstMarginGrown
        } else {
            GrowthIndexing::FirstMarginUngrown
        };
        let closed = grown(t, Horizon::Periods(periods), r, i, g, indexing).unwrap();
        let brute = brute_force(t, indexing, m, r, i, g, periods);
        prop_assert!(close(closed.clv(m).unwrap(), brute, d("1e-18")));
    }

    #[test]
    fn finite_approaches_infinite(
        t in timing(), r in (0i64..=950).prop_map(|n| Decimal::new(n, 3)),
        i in (10i64..=500).prop_map(|n| Decimal::new(n, 3)), m in positive_money(),
    ) {
        let infinite = model(t, Horizon::Infinite, r, i).clv(m).unwrap();
        let mut previous = Decimal::ZERO;
        for periods in [1u32, 10, 100, 1000] {
            let finite = model(t, Horizon::Periods(periods), r, i).clv(m).unwrap();
            // non-decreasing in T, up to rounding in the 28th digit
            prop_assert!(finite >= previous * (Decimal::ONE - d("1e-24")));
            prop_assert!(finite <= infinite * (Decimal::ONE + d("1e-24")));
            previous = finite;
        }
        // q <= 0.95/1.01: q^5000 is far below 1e-40
        let far = model(t, Horizon::Periods(5000), r, i).clv(m).unwrap();
        prop_assert!(close(far, infinite, d("1e-20")), "{far} vs {infinite}");
    }

    #[test]
    fn start_is_margin_plus_end(
        r in retention_rate(), i in discount_rate(), m in money(), periods in 1u32..80,
    ) {
        let start = model(Timing::StartOfPeriod, Horizon::Infinite, r, i).clv(m).unwrap();
        let end = model(Timing::EndOfPeriod, Horizon::Infinite, r, i).clv(m).unwrap();
        prop_assert!(close(start, m + end, d("1e-24")));
        // finite: T starts are the current margin plus T - 1 ends
        let start_t = model(Timing::StartOfPeriod, Horizon::Periods(periods), r, i).clv(m).unwrap();
        let end_t = model(Timing::EndOfPeriod, Horizon::Periods(periods - 1), r, i).clv(m).unwrap();
        prop_assert!(close(start_t, m + end_t, d("1e-22")));
    }

    #[test]
    fn customer_equity_is_the_sum_of_clvs(
        t in timing(), h in horizon(), r in retention_rate(), i in discount_rate(),
        margins in prop::collection::vec(money(), 0..50),
    ) {
        let model = model(t, h, r, i);
        let base: Vec<MarginInput> = margins
            .iter()
            .enumerate()
            .map(|(k, &m)| MarginInput::new(CustomerId::new(k as u64), m))
            .collect();
        let clvs: Vec<Decimal> = margins.iter().map(|&m| model.clv(m).unwrap()).collect();
        let mut by_hand = Decimal::ZERO;
        for v in &clvs {
            by_hand += *v;
        }
        prop_assert_eq!(model.customer_equity(&base).unwrap(), by_hand);
        prop_assert_eq!(customer_equity(&clvs).unwrap(), by_hand);
        let scores = model.score_all(&base).unwrap();
        prop_assert!(scores.iter().zip(&clvs).all(|(s, v)| s.gross() == *v && s.net() == *v));
    }

    #[test]
    fn markov_finite_approaches_infinite(
        cuts in prop::collection::vec((0i64..=20, 0i64..=20), 3),
        rewards in prop::collection::vec(money(), 3),
        dr in (50i64..=500).prop_map(|n| Decimal::new(n, 3)),
    ) {
        // rows of multiples of 1/20 from two cut points
        let rows: Vec<Vec<Decimal>> = cuts
            .iter()
            .map(|&(a, b)| {
                let (lo, hi) = (a.min(b), a.max(b));
                vec![Decimal::new(lo * 5, 2), Decimal::new((hi - lo) * 5, 2), Decimal::new((20 - hi) * 5, 2)]
            })
            .collect();
        let matrix = TransitionMatrix::new(rows).unwrap();
        let model = MarkovModel::new(matrix, rewards.clone(), DiscountRate::new(dr).unwrap()).unwrap();
        let infinite = model.values(Horizon::Infinite).unwrap();
        // (1/1.05)^2001 · 21 · 10^4 is far below 1e-20
        let far = model.values(Horizon::Periods(2000)).unwrap();
        for s in 0..3 {
            prop_assert!(close(far.values()[s], infinite.values()[s], d("1e-15")),
                "{} vs {}", far.values()[s], infinite.values()[s]);
        }
        // and V_∞ solves V = R + P V/(1+d)
        for (s, reward) in rewards.iter().enumerate() {
            let mut rhs = *reward;
            for j in 0..3 {
                rhs += model.matrix().get(s, j).unwrap() * infinite.values()[j] / (Decimal::ONE + dr);
            }
            prop_assert!(close(rhs, infinite.values()[s], d("1e-20")));
        }
    }
}
