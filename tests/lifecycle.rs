//! Integration tests for lifecycle stages and churn early warning
//! (FORMULAS.md section 6).

use customer_value::lifecycle::{
    ChurnInput, ChurnReason, ChurnReasonReport, ComplaintModel, EarlyWarning, HistoryOptions,
    PAliveRule, PeriodHistories, PeriodHistory, PeriodValue, RecencyRule, RiskLevel, RiskReason,
    StageReason, StageRule, WindowTrend,
};
use customer_value::{
    CustomerId, Date, Decimal, Error, LifecycleStage, Scorer, Summarizer, TimeUnit, Transaction,
};
use proptest::prelude::*;

fn stage(rule: &StageRule, v: &[f64]) -> LifecycleStage {
    rule.assign(v).unwrap().stage()
}

fn rule_with(b: customer_value::lifecycle::WindowTrendBuilder) -> StageRule {
    StageRule::from(b.build().unwrap())
}

// ---- FORMULAS.md section 6 worked example ----

#[test]
fn section_6_worked_example_is_stability() {
    // v = (0,100,0,200,150,300,250,300,280,310,290,300): a = 300,
    // b = 276.67, a/b = 1.084 -> 稳定期 (FORMULAS.md section 6).
    let v = [
        0.0, 100.0, 0.0, 200.0, 150.0, 300.0, 250.0, 300.0, 280.0, 310.0, 290.0, 300.0,
    ];
    let got = StageRule::default().assign(&v).unwrap();
    assert_eq!(got.stage(), LifecycleStage::Stability);
    assert_eq!(got.stage().chinese_name(), "稳定期");
    match *got.reason() {
        StageReason::Trend {
            recent,
            previous,
            threshold,
        } => {
            assert_eq!(recent, 300.0);
            assert_eq!(format!("{previous:.2}"), "276.67");
            assert_eq!(threshold, 0.2);
        }
        ref other => panic!("expected a trend, got {other:?}"),
    }
    assert_eq!(format!("{:.3}", got.reason().ratio().unwrap()), "1.084");
}

// ---- each branch ----

#[test]
fn prospect_when_no_purchase() {
    let rule = StageRule::default();
    for v in [&[][..], &[0.0, 0.0, 0.0][..]] {
        let got = rule.assign(v).unwrap();
        assert_eq!(got.stage(), LifecycleStage::Prospect);
        assert_eq!(*got.reason(), StageReason::NoPurchase);
    }
}

#[test]
fn no_purchase_in_last_k_periods_is_decline() {
    let rule = StageRule::default(); // K = 6
    let mut v = vec![100.0; 4];
    v.extend([0.0; 6]);
    let got = rule.assign(&v).unwrap();
    assert_eq!(got.stage(), LifecycleStage::Decline);
    assert_eq!(*got.reason(), StageReason::Inactive { idle: 6, limit: 6 });
    // Five idle periods is not enough for rule 1; the trend (a = 0,
    // b = 100/3) still says decline, through rule 4.
    let got = rule.assign(&v[..9]).unwrap();
    assert_eq!(got.stage(), LifecycleStage::Decline);
    assert!(matches!(got.reason(), StageReason::Trend { .. }));
    // Rule 1 comes before rule 2: a short history that stopped is decline.
    let short = [50.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
    let r2 = rule_with(WindowTrend::builder().exploration(10));
    assert_eq!(stage(&r2, &short), LifecycleStage::Decline);
}

#[test]
fn beyond_the_churned_limit_is_churned() {
    let rule = rule_with(WindowTrend::builder().churned_limit(8));
    let mut v = vec![100.0; 3];
    v.extend([0.0; 8]);
    let got = rule.assign(&v).unwrap();
    assert_eq!(got.stage(), LifecycleStage::Churned);
    assert_eq!(*got.reason(), StageReason::Inactive { idle: 8, limit: 8 });
    assert_eq!(stage(&rule, &v[..10]), LifecycleStage::Decline); // 7 idle
    // Without a churned limit nobody is churned.
    v.extend([0.0; 100]);
    let never = rule_with(WindowTrend::builder().no_churned_limit());
    assert_eq!(stage(&never, &v), LifecycleStage::Decline);
    // The default churns after 12 idle periods (a year of months).
    let mut v = vec![100.0; 3];
    v.extend([0.0; 11]);
    assert_eq!(stage(&StageRule::default(), &v), LifecycleStage::Decline);
    v.push(0.0);
    assert_eq!(stage(&StageRule::default(), &v), LifecycleStage::Churned);
}

#[test]
fn short_histories_are_exploration() {
    let rule = StageRule::default(); // E = 3, w = 3
    // T <= E
    let got = rule.assign(&[10.0, 20.0, 30.0]).unwrap();
    assert_eq!(got.stage(), LifecycleStage::Exploration);
    assert_eq!(
        *got.reason(),
        StageReason::Young {
            periods: 3,
            exploration: 3,
            window: 3
        }
    );
    // T < 2w although T > E
    assert_eq!(
        stage(&rule, &[10.0, 20.0, 30.0, 40.0, 50.0]),
        LifecycleStage::Exploration
    );
    // T <= E although T >= 2w
    let long_e = rule_with(WindowTrend::builder().exploration(8).window(2));
    assert_eq!(
        stage(&long_e, &[10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0]),
        LifecycleStage::Exploration
    );
    // T = 2w = 6 > E: the trend is read.
    assert_eq!(
        stage(&rule, &[10.0, 10.0, 10.0, 10.0, 10.0, 10.0]),
        LifecycleStage::Stability
    );
}

#[test]
fn b_zero_and_a_positive_is_formation() {
    let got = StageRule::default()
        .assign(&[5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 7.0])
        .unwrap();
    assert_eq!(got.stage(), LifecycleStage::Formation);
    assert_eq!(got.reason().ratio(), None);
}

#[test]
fn growth_of_theta_or_more_is_formation() {
    let rule = StageRule::default();
    // a = 120 = 1.2 b exactly: the boundary belongs to formation.
    assert_eq!(
        stage(&rule, &[100.0, 100.0, 100.0, 120.0, 120.0, 120.0]),
        LifecycleStage::Formation
    );
    assert_eq!(
        stage(&rule, &[100.0, 100.0, 100.0, 119.0, 120.0, 120.0]),
        LifecycleStage::Stability
    );
    assert_eq!(
        stage(&rule, &[90.0, 100.0, 110.0, 100.0, 150.0, 200.0]),
        LifecycleStage::Formation
    );
}

#[test]
fn fall_of_theta_or_more_is_decline() {
    // The section's literal rule 4: no recent-purchase guard.
    let rule = rule_with(WindowTrend::builder().recent_guard(0));
    // a = 80 = 0.8 b exactly: the boundary belongs to decline.
    assert_eq!(
        stage(&rule, &[100.0, 100.0, 100.0, 80.0, 80.0, 80.0]),
        LifecycleStage::Decline
    );
    assert_eq!(
        stage(&rule, &[100.0, 100.0, 100.0, 81.0, 80.0, 80.0]),
        LifecycleStage::Stability
    );
    // The default guard G = w = 3: a customer who bought in the last three
    // periods is in stability despite the fall (rule 4a) ...
    let got = StageRule::default()
        .assign(&[100.0, 100.0, 100.0, 0.0, 0.0, 80.0])
        .unwrap();
    assert_eq!(got.stage(), LifecycleStage::Stability);
    assert_eq!(
        *got.reason(),
        StageReason::RecentPurchase {
            recent: 80.0 / 3.0,
            previous: 100.0,
            idle: 0,
            guard: 3
        }
    );
    // ... and one whose last purchase is older than the window is not.
    assert_eq!(
        stage(
            &StageRule::default(),
            &[0.0, 100.0, 100.0, 100.0, 0.0, 0.0, 0.0]
        ),
        LifecycleStage::Decline
    );
}

#[test]
fn otherwise_stability() {
    assert_eq!(
        stage(
            &StageRule::default(),
            &[100.0, 100.0, 100.0, 110.0, 95.0, 105.0]
        ),
        LifecycleStage::Stability
    );
}

#[test]
fn thresholds_are_data() {
    let v = [100.0, 100.0, 100.0, 115.0, 115.0, 115.0];
    assert_eq!(stage(&StageRule::default(), &v), LifecycleStage::Stability);
    let loose = rule_with(WindowTrend::builder().threshold(0.1));
    assert_eq!(stage(&loose, &v), LifecycleStage::Formation);
    #[cfg(feature = "serde")]
    {
        let json = r#"{"window_trend":{"threshold":0.1}}"#;
        let from_config: StageRule = serde_json::from_str(json).unwrap();
        assert_eq!(from_config, loose);
    }
}

#[test]
fn bad_values_are_rejected() {
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            StageRule::default().assign(&[1.0, bad]),
            Err(Error::InvalidValue { .. })
        ));
        assert!(PeriodHistory::new(CustomerId::new(1), vec![bad]).is_err());
    }
}

// ---- histories from transactions ----

#[test]
fn histories_from_a_log() {
    let d = |s: &str| Date::parse(s).unwrap();
    let (a, b, c) = (CustomerId::new(10), CustomerId::new(2), CustomerId::new(5));
    let log = [
        Transaction::new(a, d("2024-01-03"), Decimal::new(1050, 2)), // week of 01-01
        Transaction::new(a, d("2024-01-07"), Decimal::new(450, 2)),  // Sunday, same week
        Transaction::new(a, d("2024-01-22"), Decimal::new(20, 0)),   // week of 01-22
        Transaction::new(b, d("2024-01-29"), Decimal::new(5, 0)),    // week of 01-29
        Transaction::new(c, d("2024-02-05"), Decimal::new(7, 0)),    // after as-of
    ];
    let opts = HistoryOptions::new(d("2024-02-04"), TimeUnit::WEEK);
    let h = PeriodHistories::from_transactions(&log, &opts).unwrap();
    assert_eq!(h.customers(), &[b, a]); // sorted by id; c is not there yet
    assert_eq!(h.series(0), Some(&[5.0][..]));
    assert_eq!(h.series(1), Some(&[15.0, 0.0, 0.0, 20.0, 0.0][..]));
    let counts =
        PeriodHistories::from_transactions(&log, &opts.value(PeriodValue::Purchases)).unwrap();
    assert_eq!(counts.series(1), Some(&[2.0, 0.0, 0.0, 1.0, 0.0][..]));
    // Anchored on a Wednesday, 01-03..01-09 is one period.
    let wed = opts.anchor(d("2024-01-03"));
    let h = PeriodHistories::from_transactions(&log, &wed).unwrap();
    assert_eq!(h.series(1), Some(&[15.0, 0.0, 20.0, 0.0, 0.0][..]));
}

// ---- bulk equals one by one ----

#[test]
fn bulk_equals_one_by_one() {
    let series: Vec<Vec<f64>> = vec![
        vec![],
        vec![0.0, 0.0],
        vec![3.0],
        vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
        vec![10.0, 10.0, 10.0, 5.0, 5.0, 5.0],
        vec![10.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    ];
    let histories: Vec<PeriodHistory> = series
        .iter()
        .enumerate()
        .map(|(i, v)| PeriodHistory::new(CustomerId::new(i as u64), v.clone()).unwrap())
        .collect();
    let flat = PeriodHistories::from_histories(&histories).unwrap();
    let rule = rule_with(WindowTrend::builder().churned_limit(8).recent_guard(0));
    let bulk = rule.assign_all(&flat).unwrap();
    let scored = rule.score_all(&histories).unwrap();
    let keyed = rule.score_keyed(&histories).unwrap();
    for (i, v) in series.iter().enumerate() {
        let one = rule.assign(v).unwrap();
        assert_eq!(bulk[i], one);
        assert_eq!(scored[i], one);
        assert_eq!(keyed[i].customer, CustomerId::new(i as u64));
    }
    let stages: Vec<_> = bulk.iter().map(|s| s.stage()).collect();
    use LifecycleStage::*;
    assert_eq!(
        stages,
        [Prospect, Prospect, Exploration, Formation, Decline, Churned]
    );
}

// ---- churn early warning ----

#[test]
fn recency_preset_11_12_24_weeks() {
    // The course material: absent 12 weeks ~ 10 % chance of return,
    // 24 weeks ~ 5 %.
    let rule = RecencyRule::courseware_weeks();
    let low = rule.warn(11.0).unwrap();
    assert_eq!(low.level(), RiskLevel::Low);
    assert_eq!(
        *low.reason(),
        RiskReason::Recency {
            periods: 11.0,
            threshold: None,
            return_chance: None
        }
    );
    let high = rule.warn(12.0).unwrap();
    assert_eq!(high.level(), RiskLevel::High);
    assert_eq!(
        *high.reason(),
        RiskReason::Recency {
            periods: 12.0,
            threshold: Some(12.0),
            return_chance: Some(0.10)
        }
    );
    assert_eq!(rule.warn(23.9).unwrap().level(), RiskLevel::High);
    let lost = rule.warn(24.0).unwrap();
    assert_eq!(lost.level(), RiskLevel::Lost);
    assert!(matches!(
        lost.reason(),
        RiskReason::Recency { threshold: Some(t), return_chance: Some(p), .. } if *t == 24.0 && *p == 0.05
    ));
    assert!(rule.warn(-1.0).is_err());
    // Days: 12 weeks = 84 days.
    let days = RecencyRule::courseware(TimeUnit::DAY);
    assert_eq!(days.warn(83.0).unwrap().level(), RiskLevel::Low);
    assert_eq!(days.warn(84.0).unwrap().level(), RiskLevel::High);
}

#[test]
fn recency_from_a_summary() {
    let c = CustomerId::new(1);
    let log = [
        Transaction::new(c, Date::parse("2024-01-01").unwrap(), Decimal::TEN),
        Transaction::new(c, Date::parse("2024-01-08").unwrap(), Decimal::TEN),
    ];
    // 2024-01-08 + 84 days = 2024-04-01: exactly 12 weeks since the last purchase.
    let summary = Summarizer::builder(Date::parse("2024-04-01").unwrap())
        .unit(TimeUnit::WEEK)
        .build()
        .unwrap()
        .summarize(&log)
        .unwrap();
    let input = ChurnInput::from_summary(&summary.customers()[0]);
    assert_eq!(input.recency(), 12.0);
    let w = RecencyRule::courseware_weeks().score(&input).unwrap();
    assert_eq!(w.level(), RiskLevel::High);
}

#[test]
fn p_alive_rule_and_combination() {
    let p_rule = PAliveRule::new(&[
        (0.6, RiskLevel::Medium),
        (0.3, RiskLevel::High),
        (0.1, RiskLevel::Lost),
    ])
    .unwrap();
    let levels: Vec<RiskLevel> = [1.0, 0.6, 0.59, 0.3, 0.29, 0.1, 0.0]
        .iter()
        .map(|&p| p_rule.warn(p).unwrap().level())
        .collect();
    use RiskLevel::*;
    assert_eq!(levels, [Low, Low, Medium, Medium, High, High, Lost]);
    assert_eq!(
        *p_rule.warn(0.2).unwrap().reason(),
        RiskReason::PAlive {
            p: 0.2,
            threshold: Some(0.3)
        }
    );
    assert!(p_rule.warn(1.01).is_err());

    let both = EarlyWarning::new(RecencyRule::courseware_weeks()).with_p_alive(p_rule);
    let c = CustomerId::new(1);
    // Recency worse than P(alive).
    let w = both
        .score(&ChurnInput::new(c, 30.0).unwrap().with_p_alive(0.9).unwrap())
        .unwrap();
    assert_eq!(w.level(), Lost);
    assert!(matches!(w.reason(), RiskReason::Recency { .. }));
    // P(alive) worse than recency.
    let w = both
        .score(&ChurnInput::new(c, 2.0).unwrap().with_p_alive(0.2).unwrap())
        .unwrap();
    assert_eq!(w.level(), High);
    assert!(matches!(w.reason(), RiskReason::PAlive { .. }));
    // A tie keeps the observed recency reason.
    let w = both
        .score(&ChurnInput::new(c, 12.0).unwrap().with_p_alive(0.2).unwrap())
        .unwrap();
    assert_eq!(w.level(), High);
    assert!(matches!(w.reason(), RiskReason::Recency { .. }));
}

// ---- churn reasons and complaints ----

#[test]
fn churn_reason_shares_sum_to_100_percent() {
    let shares: Vec<Decimal> = ChurnReason::SURVEYED
        .iter()
        .map(|r| r.survey_share().unwrap())
        .collect();
    let percent: Vec<Decimal> = [1, 3, 5, 9, 14, 68].map(|p| Decimal::new(p, 2)).to_vec();
    assert_eq!(shares, percent);
    assert_eq!(shares.iter().sum::<Decimal>(), Decimal::ONE);
    assert_eq!(ChurnReason::Other.survey_share(), None);
    assert_eq!(ChurnReason::StaffAttitude.chinese(), "员工态度");

    let report = ChurnReasonReport::tally([
        ChurnReason::StaffAttitude,
        ChurnReason::StaffAttitude,
        ChurnReason::StaffAttitude,
        ChurnReason::Competition,
    ]);
    assert_eq!(report.share(ChurnReason::StaffAttitude), Some(0.75));
    let rows: Vec<_> = report.rows().collect();
    assert_eq!(rows.len(), 7);
    assert_eq!(rows.iter().map(|r| r.count).sum::<u64>(), 4);
}

#[test]
fn complaint_estimator_figures() {
    let m = ComplaintModel::default();
    // 4 % complain, so 8 complaints stand for 200 dissatisfied customers.
    assert_eq!(m.dissatisfied(8), 200.0);
    assert_eq!(m.silent_dissatisfied(8), 192.0);
    assert_eq!(m.dissatisfied(0), 0.0);
    // 50 resolved, 20 of them quickly: 30 * 0.54 + 20 * 0.95 = 35.2 and
    // 30 * 0.70 + 20 * 0.95 = 40.
    let kept = m.retained(50, 20).unwrap();
    assert!((kept.low() - 35.2).abs() < 1e-12);
    assert!((kept.high() - 40.0).abs() < 1e-12);
    let custom = ComplaintModel::builder()
        .complaint_rate(0.1)
        .quick_retention(0.9)
        .build()
        .unwrap();
    assert_eq!(custom.dissatisfied(8), 80.0);
    assert!((custom.retained(10, 10).unwrap().low() - 9.0).abs() < 1e-12);
}

// ---- properties ----

fn series() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(
        prop_oneof![Just(0.0), 0.0..1000.0f64, (0u32..50).prop_map(f64::from)],
        0..30,
    )
}

fn any_rule() -> impl Strategy<Value = StageRule> {
    (
        1u32..5,
        0u32..6,
        0.0..0.9f64,
        1u32..10,
        prop::option::of(1u32..10),
    )
        .prop_map(|(w, e, theta, k, extra)| {
            let mut b = WindowTrend::builder()
                .window(w)
                .exploration(e)
                .threshold(theta)
                .inactivity_limit(k);
            if let Some(x) = extra {
                b = b.churned_limit(k + x);
            }
            StageRule::from(b.build().unwrap())
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn stage_is_invariant_to_power_of_two_scale(v in series(), rule in any_rule(), k in -20i32..20) {
        let c = 2f64.powi(k);
        let scaled: Vec<f64> = v.iter().map(|x| x * c).collect();
        prop_assert_eq!(stage(&rule, &v), stage(&rule, &scaled));
    }

    #[test]
    fn stage_is_invariant_to_scale(
        v in prop::collection::vec(prop_oneof![Just(0.0), 0.01..1000.0f64], 0..30),
        c in 0.001..1000.0f64,
    ) {
        // Continuous values: a tie at a threshold has probability zero.
        let scaled: Vec<f64> = v.iter().map(|x| x * c).collect();
        let rule = StageRule::default();
        prop_assert_eq!(stage(&rule, &v), stage(&rule, &scaled));
    }

    #[test]
    fn idle_k_periods_is_decline_or_churned(v in series(), rule in any_rule(), extra in 0usize..5) {
        let StageRule::WindowTrend(params) = rule else { unreachable!() };
        let mut v = v;
        v.push(1.0);
        v.extend(std::iter::repeat_n(0.0, params.inactivity_limit() as usize + extra));
        let s = stage(&rule, &v);
        prop_assert!(s == LifecycleStage::Decline || s == LifecycleStage::Churned, "{:?}", s);
    }

    #[test]
    fn risk_is_monotone_in_recency(a in 0.0..60.0f64, b in 0.0..60.0f64) {
        let rule = RecencyRule::courseware_weeks();
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(rule.warn(lo).unwrap().level() <= rule.warn(hi).unwrap().level());
    }

    #[test]
    fn risk_is_monotone_in_one_minus_p_alive(a in 0.0..=1.0f64, b in 0.0..=1.0f64, r in 0.0..40.0f64) {
        let p_rule = PAliveRule::new(&[(0.7, RiskLevel::Medium), (0.4, RiskLevel::High), (0.05, RiskLevel::Lost)]).unwrap();
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        // Lower P(alive) is at least as risky.
        prop_assert!(p_rule.warn(hi).unwrap().level() <= p_rule.warn(lo).unwrap().level());
        let both = EarlyWarning::new(RecencyRule::courseware_weeks()).with_p_alive(p_rule);
        let c = CustomerId::new(1);
        let at = |p: f64| both.score(&ChurnInput::new(c, r).unwrap().with_p_alive(p).unwrap()).unwrap().level();
        prop_assert!(at(hi) <= at(lo));
    }

    #[test]
    fn bulk_equals_per_customer(all in prop::collection::vec(series(), 0..40), rule in any_rule()) {
        let histories: Vec<PeriodHistory> = all
            .iter()
            .enumerate()
            .map(|(i, v)| PeriodHistory::new(CustomerId::new(i as u64), v.clone()).unwrap())
            .collect();
        let flat = PeriodHistories::from_histories(&histories).unwrap();
        let bulk = rule.assign_all(&flat).unwrap();
        prop_assert_eq!(bulk.len(), all.len());
        for (i, v) in all.iter().enumerate() {
            prop_assert_eq!(bulk[i], rule.assign(v).unwrap());
        }
        prop_assert_eq!(rule.score_all(&histories).unwrap(), bulk);
    }
}

// ---- the defaults on generated logs (issue 11) ----

/// One customer's purchases as day offsets from 2020-01-01 with amounts,
/// an as-of day after the last of them, and an anchor offset.
fn generated_log() -> impl Strategy<Value = (Vec<(i32, i64)>, i32, i32)> {
    (
        prop::collection::vec((0i32..1500, 1i64..100_000), 1..12),
        0i32..800,
        0i32..400,
    )
        .prop_map(|(mut buys, after, anchor)| {
            buys.sort_unstable();
            let (first, last) = (buys[0].0, buys[buys.len() - 1].0);
            (buys, last + after, anchor.min(first))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn default_stages_on_generated_logs(
        (buys, end, anchor) in generated_log(),
        unit in prop::sample::select(vec![1u32, 7, 30]),
        value in prop::sample::select(vec![PeriodValue::Spend, PeriodValue::Purchases]),
    ) {
        // Each unit with its default rule: days and weeks through
        // `WindowTrend::for_unit`, 30-day months through `Default` (the same).
        let unit = TimeUnit::days(unit).unwrap();
        let w = WindowTrend::for_unit(unit).build().unwrap();
        let rule = StageRule::from(w);
        if unit.days_per_period() == 30 {
            prop_assert_eq!(rule, StageRule::default());
        }
        let start = Date::parse("2020-01-01").unwrap();
        let day = |d: i32| start.checked_add_days(d).unwrap();
        let log: Vec<Transaction> = buys
            .iter()
            .map(|&(d, cents)| Transaction::new(CustomerId::new(1), day(d), Decimal::new(cents, 2)))
            .collect();
        let options = HistoryOptions::new(day(end), unit).anchor(day(anchor)).value(value);
        let histories = PeriodHistories::from_transactions(&log, &options).unwrap();
        let got = rule.assign(histories.series(0).unwrap()).unwrap();
        let silent = end - buys.last().unwrap().0;
        // Silent for more than a year: churned.
        if silent > 365 {
            prop_assert_eq!(got.stage(), LifecycleStage::Churned, "{:?}", got);
        }
        // A repeat buyer who bought within the guard (G - 1 whole periods,
        // so that the last purchase's period is among the last G): not in
        // decline, whatever the amounts.
        let within = (w.recent_guard() as i32 - 1) * unit.days_per_period() as i32;
        if buys.len() >= 2 && silent <= within {
            prop_assert_ne!(got.stage(), LifecycleStage::Decline, "{:?}", got);
            prop_assert_ne!(got.stage(), LifecycleStage::Churned, "{:?}", got);
        }
    }
}
