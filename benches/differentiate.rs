//! Criterion benches for customer differentiation: ABC, pyramid, matrix and
//! fitted scoring of 1,000,000 customers.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::differentiate::{
    Abc, AbcClass, Boundary, CustomerValue, Pyramid, PyramidTier, ValueLoyalty, ValueLoyaltyMatrix,
};
use customer_value::{CustomerId, Decimal, Fit, Scorer};

mod common;
use common::SplitMix64;

const N: usize = 1_000_000;

/// Skewed spend in cents: most customers small, a few large (Pareto-like).
fn data() -> (Vec<CustomerValue>, Vec<ValueLoyalty>) {
    let mut rng = SplitMix64(0x5EED_D1FF);
    let mut values = Vec::with_capacity(N);
    let mut rows = Vec::with_capacity(N);
    for i in 0..N {
        let u = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
        let cents = (1_000.0 / (1.0 - u).max(1e-6).powf(0.8)) as i64;
        let loyalty = (rng.next() % 3_650) as f64 / 7.0;
        let value = Decimal::new(cents, 2);
        let c = CustomerId::new(i as u64);
        values.push(CustomerValue::new(c, value));
        rows.push(ValueLoyalty::new(c, value, loyalty).expect("finite loyalty"));
    }
    (values, rows)
}

fn bench(c: &mut Criterion) {
    let (values, rows) = data();

    let by_value = Abc::by_value_default(Boundary::Crossing);
    let by_count = Abc::by_count_default();
    let pyramid = Pyramid::textbook();
    let matrix = ValueLoyaltyMatrix::median();

    // Checks outside the timed loops.
    let r = by_value.classify(&values).expect("abc by value");
    let a_share = r.report().get(AbcClass::A).and_then(|t| t.value_share());
    assert!(
        a_share.is_some_and(|s| (0.8..0.81).contains(&s)),
        "{a_share:?}"
    );
    let r = by_count.classify(&values).expect("abc by count");
    assert_eq!(r.report().get(AbcClass::A).map(|t| t.count()), Some(N / 5));
    let r = pyramid.classify(&values).expect("pyramid");
    let counts: Vec<usize> = r.report().tiers().iter().map(|t| t.count()).collect();
    assert_eq!(counts, [N / 100, N / 25, 3 * N / 20, 4 * N / 5]);
    assert_eq!(r.tiers().len(), N);
    let m = matrix.classify(&rows).expect("matrix");
    assert_eq!(m.tiers().len(), N);
    let fitted = pyramid.fit(&values).expect("fit");
    let scored = fitted.score_all(&values).expect("score");
    let platinum = scored
        .iter()
        .filter(|&&t| t == PyramidTier::Platinum)
        .count();
    assert!(platinum >= N / 100, "{platinum}");

    let mut g = c.benchmark_group("differentiate");
    g.sample_size(10);
    g.bench_function("abc_value/1M", |b| {
        b.iter(|| by_value.classify(black_box(&values)))
    });
    g.bench_function("abc_count/1M", |b| {
        b.iter(|| by_count.classify(black_box(&values)))
    });
    g.bench_function("pyramid/1M", |b| {
        b.iter(|| pyramid.classify(black_box(&values)))
    });
    g.bench_function("matrix/1M", |b| {
        b.iter(|| matrix.classify(black_box(&rows)))
    });
    let mut out = Vec::with_capacity(N);
    g.bench_function("fitted_score/1M", |b| {
        b.iter(|| {
            out.clear();
            fitted.score_into(black_box(&values), &mut out)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
