//! Criterion benches for Identify: the record-quality report and exact-key
//! duplicate candidates over 1,000,000 records, and a merge plan applied
//! to a 1,000,000-transaction log.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::identify::{
    CustomerRecord, Field, MatchFields, MergePlan, QualitySettings, duplicate_candidates,
    quality_report,
};
use customer_value::{CustomerId, Date, Decimal, Transaction};

mod common;
use common::SplitMix64;

const N: usize = 1_000_000;

fn records() -> Vec<CustomerRecord> {
    let mut rng = SplitMix64(0x1D_E471);
    let base = Date::parse("2020-01-01").expect("date");
    (0..N)
        .map(|i| {
            // About 2 % share an e-mail with another record.
            let who = if rng.next() % 50 == 0 {
                rng.next() % (N as u64)
            } else {
                i as u64
            };
            let email = (rng.next() % 10 != 0).then(|| format!("user{who}@example.org"));
            let phone =
                (rng.next() % 4 != 0).then(|| format!("06 {:08}", rng.next() % 100_000_000));
            let name = Some(format!(
                "Name{} Surname{}",
                rng.next() % 5000,
                rng.next() % 20000
            ));
            let city = (rng.next() % 3 != 0).then(|| "Lyon".to_owned());
            CustomerRecord::new(CustomerId::new(i as u64), vec![email, phone, name, city])
                .updated(
                    base.checked_add_days((rng.next() % 1800) as i32)
                        .expect("date"),
                )
                .purchased(
                    base.checked_add_days((rng.next() % 1800) as i32)
                        .expect("date"),
                )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let recs = records();
    let fields = [
        Field::key("email"),
        Field::new("phone"),
        Field::new("name"),
        Field::new("city"),
    ];
    let settings = QualitySettings {
        as_of: Date::parse("2024-12-31").expect("date"),
        max_update_age_days: 365,
        max_purchase_age_days: 180,
    };
    let matching = MatchFields {
        email: Some(0),
        phone: Some(1),
        ..MatchFields::default()
    };
    let pairs = duplicate_candidates(&recs, &matching).expect("pairs");
    assert!(!pairs.is_empty());
    let plan = MergePlan::new(&pairs);
    let day = Date::parse("2024-06-01").expect("date");
    let log: Vec<Transaction> = (0..N)
        .map(|i| {
            Transaction::new(
                CustomerId::new(i as u64),
                day,
                Decimal::new(1000 + i as i64 % 500, 2),
            )
        })
        .collect();

    let mut group = c.benchmark_group("identify_1m");
    group.sample_size(10);
    group.bench_function("quality_report", |b| {
        b.iter(|| quality_report(&fields, black_box(&recs), &settings).expect("report"))
    });
    group.bench_function("duplicates_email_phone", |b| {
        b.iter(|| duplicate_candidates(black_box(&recs), &matching).expect("pairs"))
    });
    group.bench_function("merge_apply", |b| {
        b.iter(|| plan.apply(black_box(&log)).expect("apply"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
