//! Criterion benches for the conditional pmf and the holdout evaluation of
//! `customer_value::btyd` on the CDNOW sample (from `$CUSTOMER_VALUE_DATA`,
//! else `../shared/data`; skipped with a message when absent): the pmf
//! P(X(T, T+39) = n), n = 0..=20, of every customer under each purchase
//! model, and `evaluate_holdout` (expectation, pmf of the observed count)
//! over the 2,357 customers. Holdout counts are a fixed function of the
//! history, so the bench needs only the published summary table.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::btyd::evaluate::{HoldoutCustomer, evaluate_holdout};
use customer_value::btyd::{
    BgNbdParams, CustomerHistory, MbgNbdParams, ParetoNbdParams, PurchaseModel,
};

mod common;

fn cdnow() -> Option<Vec<CustomerHistory>> {
    common::cdnow_histories()
}

fn models() -> [PurchaseModel; 3] {
    [
        BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754)
            .unwrap()
            .into(),
        MbgNbdParams::new(0.524838, 6.182992, 0.891356, 1.614)
            .unwrap()
            .into(),
        ParetoNbdParams::new(0.553275, 10.577611, 0.606213, 11.667908)
            .unwrap()
            .into(),
    ]
}

fn bench(c: &mut Criterion) {
    let Some(histories) = cdnow() else {
        eprintln!("skipped: CDNOW data not found (set CUSTOMER_VALUE_DATA)");
        return;
    };
    let customers: Vec<HoldoutCustomer> = histories
        .iter()
        .map(|h| HoldoutCustomer::new(*h, h.x() / 2))
        .collect();
    for model in models() {
        let name = model.name().replace('/', "");
        // Checked once outside the timed loop.
        let pmf = model.conditional_pmf(&histories[0], 39.0, 400).unwrap();
        assert!((pmf.iter().sum::<f64>() - 1.0).abs() < 1e-10);
        c.bench_function(&format!("pmf_0_to_20_cdnow_{name}"), |b| {
            b.iter(|| {
                let mut total = 0.0;
                for h in &histories {
                    total += model.conditional_pmf(black_box(h), 39.0, 20).unwrap()[1];
                }
                total
            })
        });
        c.bench_function(&format!("evaluate_holdout_cdnow_{name}"), |b| {
            b.iter(|| evaluate_holdout(&model, black_box(&customers), 39.0, 7).unwrap())
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
