//! Criterion benches for lifecycle stages and churn early warning:
//! stages of 1,000,000 customers with 24 periods each (target: at most
//! 200 ms), recency warnings, and histories built from a transaction log.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::lifecycle::{
    ChurnInput, HistoryOptions, PeriodHistories, RecencyRule, RiskLevel, StageRule,
};
use customer_value::{CustomerId, Date, Decimal, LifecycleStage, Scorer, TimeUnit, Transaction};

mod common;
use common::SplitMix64;

const N: usize = 1_000_000;
const PERIODS: usize = 24;

/// 1M customers x 24 periods: each buys in a period with a probability
/// that drifts up or down and may stop, spending around a personal level.
fn histories() -> PeriodHistories {
    let mut rng = SplitMix64(0x11FE_C7C1);
    let mut values = Vec::with_capacity(N * PERIODS);
    let mut offsets = Vec::with_capacity(N + 1);
    offsets.push(0);
    for _ in 0..N {
        let level = 20.0 + 200.0 * rng.unit();
        let mut p = 0.2 + 0.7 * rng.unit();
        let drift = (rng.unit() - 0.5) * 0.08;
        let stop = (rng.next() % 48) as usize; // stops buying from this period if < 24
        for t in 0..PERIODS {
            let buys = t < stop && rng.unit() < p;
            values.push(if buys {
                (level * (0.5 + rng.unit())).round()
            } else {
                0.0
            });
            p = (p + drift).clamp(0.0, 1.0);
        }
        offsets.push(values.len());
    }
    let customers = (0..N as u64).map(CustomerId::new).collect();
    PeriodHistories::from_parts(customers, offsets, values).expect("valid histories")
}

fn bench(c: &mut Criterion) {
    let h = histories();
    let rule = StageRule::default();

    // Checks outside the timed loops: bulk equals one by one, and every
    // stage the rule can give without a churned limit shows up.
    let stages = rule.assign_all(&h).expect("stages");
    assert_eq!(stages.len(), N);
    for i in (0..N).step_by(9_973) {
        let one = rule.assign(h.series(i).expect("in range")).expect("stage");
        assert_eq!(stages[i], one);
    }
    for s in [
        LifecycleStage::Prospect,
        LifecycleStage::Formation,
        LifecycleStage::Stability,
        LifecycleStage::Decline,
    ] {
        assert!(stages.iter().any(|a| a.stage() == s), "{s:?} missing");
    }

    let mut rng = SplitMix64(0xCAFE);
    let inputs: Vec<ChurnInput> = (0..N as u64)
        .map(|i| ChurnInput::new(CustomerId::new(i), (rng.next() % 400) as f64 / 10.0).unwrap())
        .collect();
    let recency = RecencyRule::courseware_weeks();
    let warnings = recency.score_all(&inputs).expect("warnings");
    assert!(warnings.iter().any(|w| w.level() == RiskLevel::Lost));

    let start = Date::parse("2022-01-03").expect("date");
    let log: Vec<Transaction> = (0..1_000_000u64)
        .map(|_| {
            let day = (rng.next() % 730) as i32;
            Transaction::new(
                CustomerId::new(rng.next() % 100_000),
                start.checked_add_days(day).expect("date"),
                Decimal::new((rng.next() % 20_000) as i64 + 100, 2),
            )
        })
        .collect();
    let opts = HistoryOptions::new(Date::parse("2023-12-31").expect("date"), TimeUnit::WEEK);
    let built = PeriodHistories::from_transactions(&log, &opts).expect("histories");
    assert!(built.len() > 99_900 && built.len() <= 100_000);

    let mut g = c.benchmark_group("lifecycle");
    g.sample_size(10);
    g.bench_function("stages/24_periods/1M", |b| {
        let mut out = Vec::with_capacity(N);
        b.iter(|| {
            out.clear();
            rule.assign_all_into(black_box(&h), &mut out)
                .expect("stages");
            black_box(out.len())
        })
    });
    g.bench_function("recency_warning/1M", |b| {
        b.iter(|| recency.score_all(black_box(&inputs)).expect("warnings"))
    });
    g.bench_function("histories_from_log/1M_transactions", |b| {
        b.iter(|| PeriodHistories::from_transactions(black_box(&log), &opts).expect("histories"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
