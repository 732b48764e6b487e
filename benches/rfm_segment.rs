//! Criterion benches for RFM segments: assigning 1,000,000 score triples
//! to the `rfm` v0.3.0 segments, the segment report over them, and the
//! 8-class mean split (fit and classify).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::rfm::{MeanSplit, RfmScore, RfmValues, SegmentReport, SegmentRules};
use customer_value::{CustomerId, Decimal, Fit, Scorer};

mod common;
use common::SplitMix64;

const N: usize = 1_000_000;

fn inputs() -> (Vec<RfmScore>, Vec<Decimal>, Vec<RfmValues>) {
    let mut rng = SplitMix64(0x5EED_2024);
    let mut scores = Vec::with_capacity(N);
    let mut revenue = Vec::with_capacity(N);
    let mut values = Vec::with_capacity(N);
    for i in 0..N {
        let s = |rng: &mut SplitMix64| 1 + rng.below(5) as u8;
        let score = RfmScore::new(s(&mut rng), s(&mut rng), s(&mut rng)).expect("scores >= 1");
        let cents = rng.below(100_000) as i64 + 1;
        let money = Decimal::new(cents, 2);
        let recency = rng.below(365) as f64;
        let frequency = 1 + rng.below(20) as u32;
        scores.push(score);
        revenue.push(money);
        values.push(
            RfmValues::new(CustomerId::new(i as u64), recency, frequency, money)
                .expect("valid values"),
        );
    }
    (scores, revenue, values)
}

fn bench(c: &mut Criterion) {
    let (scores, revenue, values) = inputs();
    let rules = SegmentRules::rfm_package_v030();

    let segments = rules.score_all(&scores).expect("assignment never fails");
    for (s, seg) in scores.iter().zip(&segments).step_by(997) {
        let rule = seg.rule_index().map(|i| &rules.rules()[i]);
        assert!(rule.is_none_or(|r| r.contains(*s)));
    }
    let report = SegmentReport::new(&rules, &segments, &revenue).expect("valid report");
    assert_eq!(report.customers(), N);
    assert_eq!(
        report.rows().iter().map(|r| r.customers()).sum::<usize>(),
        N
    );
    assert_eq!(report.revenue(), revenue.iter().sum::<Decimal>());
    let classes = MeanSplit::new()
        .fit(&values)
        .and_then(|f| f.score_all(&values))
        .expect("valid population");
    assert_eq!(classes.len(), N);

    let mut group = c.benchmark_group("rfm_segment");
    group.sample_size(20);
    group.bench_function("assign/1M", |b| {
        b.iter(|| rules.score_all(black_box(&scores)))
    });
    group.bench_function("report/1M", |b| {
        b.iter(|| SegmentReport::new(&rules, black_box(&segments), black_box(&revenue)))
    });
    group.bench_function("mean_split/1M", |b| {
        b.iter(|| {
            MeanSplit::new()
                .fit(black_box(&values))
                .and_then(|f| f.score_all(&values))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
