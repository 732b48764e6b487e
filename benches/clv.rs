//! Criterion benches for `customer_value::clv`.
//!
//! Inputs come from a fixed-seed SplitMix64; results are checked once
//! outside the timed loops.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::clv::{
    DiscountRate, Horizon, MarginInput, MarkovModel, RetentionModel, Timing, TransitionMatrix,
};
use customer_value::{CustomerId, Decimal, Scorer};

mod common;
use common::SplitMix64;

const N: usize = 1_000_000;

/// One million customers with margins between 0.01 and 500.00 and, for
/// one in four, an acquisition cost up to 200.00.
fn rows() -> Vec<MarginInput> {
    let mut rng = SplitMix64(0x5EED_C1F0);
    (0..N)
        .map(|k| {
            let margin = Decimal::new((rng.next() % 50_000) as i64 + 1, 2);
            let row = MarginInput::new(CustomerId::new(k as u64), margin);
            if rng.next() % 4 == 0 {
                row.with_acquisition_cost(Decimal::new((rng.next() % 20_000) as i64, 2))
            } else {
                row
            }
        })
        .collect()
}

fn model(horizon: Horizon) -> RetentionModel {
    RetentionModel::builder(Timing::EndOfPeriod, horizon)
        .retention(Decimal::new(8, 1))
        .discount(Decimal::new(1, 1))
        .build()
        .expect("valid parameters")
}

fn bench_scoring(c: &mut Criterion) {
    let rows = rows();
    for (name, horizon) in [
        ("clv/closed_form/1M", Horizon::Infinite),
        ("clv/finite_T10/1M", Horizon::Periods(10)),
    ] {
        let model = model(horizon);
        let mut out = Vec::with_capacity(N);
        // Check once, outside the timed loop.
        model.score_into(&rows, &mut out).expect("no overflow");
        assert_eq!(out.len(), N);
        for (row, score) in rows.iter().zip(&out).step_by(9973) {
            assert_eq!(score.gross(), row.margin() * model.multiple());
            assert_eq!(score.net(), score.gross() - row.acquisition_cost());
        }
        c.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                model
                    .score_into(black_box(&rows), &mut out)
                    .expect("no overflow");
                black_box(out.len())
            })
        });
    }
}

fn bench_equity(c: &mut Criterion) {
    let rows = rows();
    let model = model(Horizon::Infinite);
    let expected: Decimal = model
        .score_all(&rows)
        .expect("no overflow")
        .iter()
        .map(|s| s.net())
        .sum();
    assert_eq!(model.customer_equity(&rows).expect("no overflow"), expected);
    c.bench_function("clv/customer_equity/1M", |b| {
        b.iter(|| {
            model
                .customer_equity(black_box(&rows))
                .expect("no overflow")
        })
    });
}

fn bench_build(c: &mut Criterion) {
    c.bench_function("clv/build_finite_T1000", |b| {
        b.iter(|| model(black_box(Horizon::Periods(1000))).multiple())
    });
}

fn bench_markov(c: &mut Criterion) {
    let p = |v: i64| Decimal::new(v, 1);
    let matrix = TransitionMatrix::new(vec![
        vec![p(3), p(7), p(0), p(0)],
        vec![p(2), p(0), p(8), p(0)],
        vec![p(1), p(0), p(0), p(9)],
        vec![p(0), p(0), p(0), p(10)],
    ])
    .expect("stochastic");
    let rewards = vec![
        Decimal::new(40, 0),
        Decimal::new(-4, 0),
        Decimal::new(-4, 0),
        Decimal::ZERO,
    ];
    let markov = MarkovModel::new(
        matrix,
        rewards,
        DiscountRate::new(Decimal::new(2, 1)).expect("valid"),
    )
    .expect("valid");
    let v = markov.values(Horizon::Infinite).expect("solvable");
    assert_eq!(v.values()[0].round_dp(4), Decimal::new(582090, 4));
    c.bench_function("clv/markov_4_states", |b| {
        b.iter(|| {
            markov
                .values(black_box(Horizon::Infinite))
                .expect("solvable")
        })
    });
    c.bench_function("clv/markov_4_states_T100", |b| {
        b.iter(|| {
            markov
                .values(black_box(Horizon::Periods(100)))
                .expect("finite")
        })
    });
}

criterion_group!(
    benches,
    bench_scoring,
    bench_equity,
    bench_build,
    bench_markov
);
criterion_main!(benches);
