//! The simulator against closed forms of the Pareto/NBD and Gamma-Gamma
//! models, and the laws its summaries obey (proptest).
//!
//! The closed forms are those of Schmittlein, Morrison & Colombo (1987)
//! and Fader & Hardie (2013); each check simulates a large cohort with a
//! fixed seed and asserts that the sample mean lies within 4 standard
//! errors (estimated from the same sample) of the expectation.

use customer_value::simulate::{Simulation, SimulationBuilder};
use customer_value::{Date, Grouping, Summarizer, Summary, TimeUnit, Transaction};
use proptest::prelude::*;

const COHORT: u32 = 50_000;

fn day(s: &str) -> Date {
    Date::parse(s).unwrap()
}

/// Pareto/NBD expected repeat purchases in `(0, t]` after a first purchase
/// at 0, for `s != 1` (Schmittlein, Morrison & Colombo 1987, eq. 17):
/// `r β / (α (s - 1)) · (1 - (β / (β + t))^(s - 1))`.
fn expected_repeats(r: f64, alpha: f64, s: f64, beta: f64, t: f64) -> f64 {
    r * beta / (alpha * (s - 1.0)) * (1.0 - (beta / (beta + t)).powf(s - 1.0))
}

/// Sample mean and its standard error.
fn mean_and_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

fn assert_within_4_se(what: &str, values: &[f64], expected: f64) {
    let (mean, se) = mean_and_se(values);
    let z = (mean - expected) / se;
    assert!(
        z.abs() < 4.0,
        "{what}: sample mean {mean:.4} vs expected {expected:.4}, SE {se:.4}, z = {z:.2}"
    );
}

/// A cohort all acquired on 2020-01-01 and observed for `t_days` days
/// (the end date is day `t_days - 1`, included).
fn cohort(builder: SimulationBuilder, t_days: i32) -> Simulation {
    let start = day("2020-01-01");
    builder
        .customers(COHORT)
        .start(start)
        .acquisition_days(1)
        .end(start.checked_add_days(t_days - 1).unwrap())
        .build()
        .unwrap()
}

/// Transactions per customer, indexed by id.
fn counts(sim: &Simulation, log: &[Transaction]) -> Vec<u32> {
    let mut counts = vec![0_u32; sim.customers() as usize];
    for t in log {
        counts[t.customer().get() as usize] += 1;
    }
    counts
}

fn summarize(sim: &Simulation, grouping: Grouping, log: &[Transaction]) -> Summary {
    Summarizer::builder(sim.end())
        .unit(sim.unit())
        .grouping(grouping)
        .build()
        .unwrap()
        .summarize(log)
        .unwrap()
}

/// Every purchase of the model is its own transaction, so the model's
/// repeat purchases `X(t)` are the raw transactions minus the first, which
/// is also the frequency of a summary with [`Grouping::Transaction`]. A
/// summary grouped by day (the default) merges same-day purchases, so its
/// frequencies are lower: a purchase is followed by another on the same day
/// with probability about `λ_day / 2`. That is a bias, not noise: with
/// these seeds the day-grouped mean is 1.4% low at the CDNOW-like weekly
/// rates (1.7 standard errors) and 3.2% low at one purchase per 30 days
/// (6.9 standard errors). So the check counts raw transactions, and only
/// asserts that the day grouping never counts more.
fn check_repeat_purchases(builder: SimulationBuilder, t_days: i32) {
    let sim = cohort(builder, t_days);
    let log = sim.transactions();
    let counts = counts(&sim, &log);
    let repeats: Vec<f64> = counts.iter().map(|&c| f64::from(c - 1)).collect();
    let t = f64::from(t_days) / f64::from(sim.unit().days_per_period());
    let expected = expected_repeats(sim.r(), sim.alpha(), sim.s(), sim.beta(), t);
    assert_within_4_se("repeat purchases", &repeats, expected);

    let by_transaction = summarize(&sim, Grouping::Transaction, &log);
    let by_day = summarize(&sim, Grouping::Day, &log);
    assert_eq!(by_transaction.len(), COHORT as usize);
    assert_eq!(by_day.len(), COHORT as usize);
    for (a, b) in by_transaction.customers().iter().zip(by_day.customers()) {
        let i = a.customer().get() as usize;
        assert_eq!(a.frequency(), counts[i] - 1);
        assert!(b.frequency() <= a.frequency());
    }
}

#[test]
fn repeat_purchases_match_the_pareto_nbd_closed_form_cdnow_like() {
    // The defaults: weekly CDNOW-like parameters, s < 1; 78 weeks.
    check_repeat_purchases(Simulation::builder().seed(11), 78 * 7);
}

#[test]
fn repeat_purchases_match_the_pareto_nbd_closed_form_in_days() {
    // Daily parameters with s > 1: a mean of one purchase per 30 days
    // while alive and a mean lifetime of 150 days; one year.
    let builder = Simulation::builder()
        .seed(12)
        .unit(TimeUnit::DAY)
        .r(2.0)
        .alpha(60.0)
        .s(3.0)
        .beta(300.0);
    check_repeat_purchases(builder, 365);
}

/// `P(alive at t) = (β / (β + t))^s` for a customer acquired at time 0.
#[test]
fn share_alive_matches_the_pareto_nbd_closed_form() {
    let t_days = 52 * 7;
    let sim = cohort(Simulation::builder().seed(13), t_days);
    let log = sim.run();
    let alive: Vec<f64> = log
        .customers()
        .iter()
        .map(|c| if c.is_alive_at_end() { 1.0 } else { 0.0 })
        .collect();
    let t = f64::from(t_days) / 7.0;
    let expected = (sim.beta() / (sim.beta() + t)).powf(sim.s());
    assert_within_4_se("share alive", &alive, expected);
}

/// The mean purchase value is `p γ / (q - 1)` (Fader & Hardie 2013). Each
/// customer's mean over their own purchases has that expectation (the
/// number of purchases is independent of the spend rate), and customers are
/// independent, so their unweighted average is checked, computed by the
/// summariser with [`Grouping::Transaction`] so that every purchase counts.
#[test]
fn mean_spend_matches_the_gamma_gamma_closed_form() {
    let sim = cohort(Simulation::builder().seed(14), 78 * 7);
    let log = sim.transactions();
    let summary = summarize(&sim, Grouping::Transaction, &log);
    assert_eq!(summary.len(), COHORT as usize);
    let means: Vec<f64> = summary
        .customers()
        .iter()
        .map(|c| c.mean_spend().to_string().parse::<f64>().unwrap())
        .collect();
    let expected = sim.p() * sim.gamma() / (sim.q() - 1.0);
    assert_within_4_se("mean spend", &means, expected);
}

fn arb_simulation() -> impl Strategy<Value = Simulation> {
    (
        0_u64..10_000,
        1_u32..150,
        1_u32..60,
        0_i32..400,
        prop_oneof![Just(TimeUnit::DAY), Just(TimeUnit::WEEK)],
        (0.1_f64..2.0, 2.0_f64..50.0, 0.1_f64..2.0, 2.0_f64..50.0),
    )
        .prop_map(
            |(seed, customers, acquisition, extra, unit, (r, alpha, s, beta))| {
                let start = day("2024-01-01");
                let end = start
                    .checked_add_days(acquisition as i32 - 1 + extra)
                    .unwrap();
                Simulation::builder()
                    .seed(seed)
                    .customers(customers)
                    .start(start)
                    .acquisition_days(acquisition)
                    .end(end)
                    .unit(unit)
                    .r(r)
                    .alpha(alpha)
                    .s(s)
                    .beta(beta)
                    .build()
                    .unwrap()
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn summaries_of_simulated_logs_are_well_formed(
        sim in arb_simulation(),
        grouping in prop_oneof![
            Just(Grouping::Day),
            Just(Grouping::Period),
            Just(Grouping::Transaction),
        ],
    ) {
        let log = sim.transactions();
        let summary = summarize(&sim, grouping, &log);
        prop_assert_eq!(summary.len(), sim.customers() as usize);
        prop_assert_eq!(summary.excluded().transactions(), 0);
        for c in summary.customers() {
            prop_assert!(c.purchases() >= 1);
            prop_assert!(c.t_x() >= 0.0 && c.t_x() <= c.age(), "{:?}", c);
        }
    }
}
