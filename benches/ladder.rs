//! Criterion benches for the loyalty ladder: rungs for 1,000,000
//! customers, and the migration table between two dates.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::ladder::{Behaviour, LadderRules, Migration, Rung};
use customer_value::{CustomerId, Scorer};

mod common;
use common::SplitMix64;

const N: usize = 1_000_000;

fn population(seed: u64) -> Vec<Behaviour> {
    let mut rng = SplitMix64(seed);
    (0..N)
        .map(|i| {
            let periods = 4;
            let active = (rng.next() % 5) as u32;
            Behaviour::new(CustomerId::new(i as u64), (rng.next() % 12) as u32)
                .with_activity(active, periods)
                .expect("active <= periods")
                .with_categories((rng.next() % 5) as u32)
                .with_referrals((rng.next() % 3) as u32)
                .with_offers_declined((rng.next() % 2) as u32)
                .with_failures_tolerated((rng.next() % 2) as u32)
                .with_partner(rng.next() % 50 == 0)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let before = population(0x1ADD3);
    let after = population(0x1ADD4);
    let rules = LadderRules::default();

    let a = rules.score_keyed(&before).expect("score");
    let b = rules.score_keyed(&after).expect("score");
    let m = Migration::between(&a, &b).expect("migration");
    assert_eq!(m.total(), N as u64);
    assert!(m.count(Rung::Customer, Rung::Supporter) > 0);

    let mut group = c.benchmark_group("ladder_1m");
    group.sample_size(10);
    group.bench_function("rungs", |bench| {
        bench.iter(|| rules.score_all(black_box(&before)).expect("score"))
    });
    group.bench_function("migration", |bench| {
        bench.iter(|| Migration::between(black_box(&a), black_box(&b)).expect("migration"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
