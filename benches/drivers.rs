//! Criterion benches for customer-equity drivers: the equity of four
//! brands over 1,000,000 respondents (eleven drivers, 2 to 12 purchases a
//! year over three years), and one driver's what-if.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::clv::DiscountRate;
use customer_value::drivers::{Brand, Driver, EquityModel, Population, Respondent, SwitchingModel};
use customer_value::{CustomerId, Decimal};

mod common;
use common::SplitMix64;

const N: usize = 1_000_000;
const BRANDS: usize = 4;

fn respondents() -> Vec<Respondent> {
    let mut rng = SplitMix64(0xE0_1717);
    let drivers = Driver::standard().len();
    (0..N)
        .map(|i| {
            let ratings = (0..BRANDS * drivers)
                .map(|_| 1.0 + 4.0 * rng.unit())
                .collect();
            let last = (rng.next() % BRANDS as u64) as usize;
            let freq = (2 + rng.next() % 11) as f64;
            Respondent::new(CustomerId::new(i as u64), last, ratings, freq, 1.0).expect("valid")
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let people = respondents();
    let coefficients = vec![0.5, 0.3, 0.2, 0.1, 0.25, 0.1, 0.15, 0.05, 0.1, 0.05, 0.1];
    let switching = SwitchingModel::new(Driver::standard(), coefficients, 1.2).expect("model");
    let brands = (0..BRANDS)
        .map(|b| Brand::new(format!("brand{b}"), Decimal::new(10 + b as i64, 0)))
        .collect();
    let model = EquityModel::new(
        switching,
        brands,
        DiscountRate::new(Decimal::new(1, 1)).expect("rate"),
        3,
        Population::Market(50_000_000),
    )
    .expect("model");
    let report = model.equity(&people).expect("equity");
    assert_eq!(report.respondents, N as u64);

    let mut group = c.benchmark_group("drivers_1m");
    group.sample_size(10);
    group.bench_function("equity", |b| {
        b.iter(|| model.equity(black_box(&people)).expect("equity"))
    });
    group.bench_function("what_if", |b| {
        b.iter(|| {
            model
                .what_if(black_box(&people), 0, 0, 0.2, Decimal::new(1_000_000, 0))
                .expect("what-if")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
