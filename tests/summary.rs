//! The summariser: behaviour on hand-made logs, errors, and the laws that
//! make it safe to shard (proptest).

use std::collections::BTreeMap;

use customer_value::{
    CategoryId, CustomerId, Date, Decimal, Error, Grouping, PartialSummary, RefundPolicy,
    Summarizer, Summary, TimeUnit, Transaction,
};
use proptest::prelude::*;

fn day(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn tx(customer: u64, date: &str, cents: i64) -> Transaction {
    Transaction::new(CustomerId::new(customer), day(date), Decimal::new(cents, 2))
}

fn days(end: &str) -> Summarizer {
    Summarizer::builder(day(end)).build().unwrap()
}

#[test]
fn empty_log_gives_empty_summary() {
    let s = days("2024-01-31").summarize(&[]).unwrap();
    assert!(s.is_empty());
    assert!(s.holdout_only().is_empty());
    assert_eq!(s.excluded().transactions(), 0);
}

#[test]
fn one_purchase_on_the_end_day() {
    let s = days("2024-01-31")
        .summarize(&[tx(1, "2024-01-31", 500)])
        .unwrap();
    let c = &s.customers()[0];
    assert_eq!(
        (c.frequency(), c.t_x(), c.age(), c.periods_since_last()),
        (0, 0.0, 0.0, 0.0)
    );
    assert_eq!(c.zbar(), Decimal::ZERO);
    assert_eq!(c.mean_spend(), Decimal::new(5, 0));
}

#[test]
fn definitions_on_a_small_log() {
    // Customer 3: 1 Jan 10.00 + 5.00, 8 Jan 20.00, 22 Jan 30.00; end 31 Jan.
    let log = [
        tx(3, "2024-01-22", 3000),
        tx(3, "2024-01-01", 1000),
        tx(3, "2024-01-08", 2000),
        tx(3, "2024-01-01", 500),
    ];
    let s = days("2024-01-31").summarize(&log).unwrap();
    let c = s.get(CustomerId::new(3)).unwrap();
    assert_eq!(c.frequency(), 2);
    assert_eq!(c.purchases(), 3);
    assert_eq!(c.transactions(), 4);
    assert_eq!(c.first_purchase(), day("2024-01-01"));
    assert_eq!(c.last_purchase(), day("2024-01-22"));
    assert_eq!(
        (c.t_x(), c.age(), c.periods_since_last()),
        (21.0, 30.0, 9.0)
    );
    assert_eq!(c.total_spend(), Decimal::new(65, 0));
    assert_eq!(c.repeat_spend(), Decimal::new(50, 0));
    assert_eq!(c.zbar(), Decimal::new(25, 0));
    assert_eq!(c.mean_spend().round_dp(10), Decimal::new(216666666667, 10));
    assert!(s.get(CustomerId::new(4)).is_none());

    let weeks = Summarizer::builder(day("2024-01-31"))
        .unit(TimeUnit::WEEK)
        .build()
        .unwrap();
    let w = weeks.summarize(&log).unwrap();
    assert_eq!(
        (w.customers()[0].t_x(), w.customers()[0].age()),
        (3.0, 30.0 / 7.0)
    );

    let none = Summarizer::builder(day("2024-01-31"))
        .grouping(Grouping::Transaction)
        .build()
        .unwrap();
    let n = none.summarize(&log).unwrap();
    let c = &n.customers()[0];
    // Same-day purchases count; the smaller one on the first day is first.
    assert_eq!(c.frequency(), 3);
    assert_eq!(c.repeat_spend(), Decimal::new(60, 0));
    assert_eq!(c.zbar(), Decimal::new(20, 0));
}

#[test]
fn period_grouping_counts_whole_periods() {
    // 2024-01-01 is a Monday: weeks run Monday to Sunday by default.
    let log = [
        tx(1, "2024-01-01", 100),
        tx(1, "2024-01-07", 100), // same week
        tx(1, "2024-01-08", 100), // next week
        tx(1, "2024-01-24", 100), // week 3
    ];
    let s = Summarizer::builder(day("2024-01-31"))
        .unit(TimeUnit::WEEK)
        .grouping(Grouping::Period)
        .build()
        .unwrap()
        .summarize(&log)
        .unwrap();
    let c = &s.customers()[0];
    assert_eq!((c.frequency(), c.t_x(), c.age()), (2, 3.0, 4.0));
    assert_eq!(c.last_purchase(), day("2024-01-24"));
    // An anchor on a Sunday shifts the week boundaries.
    let sunday = Summarizer::builder(day("2024-01-31"))
        .unit(TimeUnit::WEEK)
        .grouping(Grouping::Period)
        .period_anchor(day("2023-12-31"))
        .build()
        .unwrap()
        .summarize(&log)
        .unwrap();
    // Sunday to Saturday weeks: 7 and 8 January now share a week, not 1 and 7.
    assert_eq!(c.repeat_spend(), Decimal::new(2, 0));
    assert_eq!(sunday.customers()[0].frequency(), 2);
    assert_eq!(sunday.customers()[0].repeat_spend(), Decimal::new(3, 0));
}

#[test]
fn refunds_are_rejected_by_default_naming_the_transaction() {
    let log = [tx(1, "2024-01-01", 1000), tx(1, "2024-01-02", -300)];
    match days("2024-01-31").summarize(&log) {
        Err(Error::InvalidTransaction {
            index,
            customer,
            date,
            ..
        }) => {
            assert_eq!(
                (index, customer, date),
                (1, CustomerId::new(1), day("2024-01-02"))
            );
        }
        other => panic!("expected InvalidTransaction, got {other:?}"),
    }
}

#[test]
fn refunds_net_into_the_same_day() {
    let net = Summarizer::builder(day("2024-01-31"))
        .refunds(RefundPolicy::Net)
        .build()
        .unwrap();
    let log = [
        tx(1, "2024-01-01", 1000),
        tx(1, "2024-01-05", 4000),
        tx(1, "2024-01-05", -1500),
        tx(1, "2024-01-09", 800),
        tx(1, "2024-01-09", -800),
    ];
    let c = net.summarize(&log).unwrap().customers()[0].clone();
    assert_eq!(c.frequency(), 2);
    assert_eq!(c.total_spend(), Decimal::new(35, 0));
    // 9 January nets to zero and still counts, as an occasion of value 0.
    assert_eq!(c.zbar(), Decimal::new(1250, 2));

    let refund_only_day = [
        tx(1, "2024-01-01", 1000),
        tx(1, "2024-01-03", -200),
        tx(1, "2024-01-09", 100),
    ];
    assert!(matches!(
        net.summarize(&refund_only_day),
        Err(Error::UnmatchedRefund { customer, period_start }) if customer == CustomerId::new(1) && period_start == day("2024-01-03")
    ));
    let refund_first = [tx(2, "2024-01-01", -1000)];
    assert!(matches!(
        net.summarize(&refund_first),
        Err(Error::UnmatchedRefund { .. })
    ));
    let too_much = [tx(2, "2024-01-01", 1000), tx(2, "2024-01-01", -1001)];
    assert!(matches!(
        net.summarize(&too_much),
        Err(Error::UnmatchedRefund { .. })
    ));
}

#[test]
fn invalid_options_are_errors() {
    let end = day("2024-01-31");
    for holdout in ["2024-01-31", "2023-12-31"] {
        assert!(matches!(
            Summarizer::builder(end).holdout_end(day(holdout)).build(),
            Err(Error::InvalidParameter {
                name: "holdout end",
                ..
            })
        ));
    }
    assert!(matches!(
        Summarizer::builder(end)
            .grouping(Grouping::Transaction)
            .refunds(RefundPolicy::Net)
            .build(),
        Err(Error::InvalidParameter {
            name: "refunds",
            ..
        })
    ));
    assert!(matches!(
        TimeUnit::days(0),
        Err(Error::InvalidParameter {
            name: "time unit",
            ..
        })
    ));
}

#[test]
fn late_transactions_are_counted_and_holdout_newcomers_kept_apart() {
    let s = Summarizer::builder(day("2024-01-31"))
        .holdout_end(day("2024-02-29"))
        .build()
        .unwrap();
    let log = [
        tx(1, "2024-01-10", 1000),
        tx(1, "2024-02-10", 700),
        tx(1, "2024-02-10", 300),
        tx(2, "2024-02-15", 900),
        tx(2, "2024-02-20", 100),
        tx(3, "2024-03-01", 5000),
    ];
    let r = s.summarize(&log).unwrap();
    assert_eq!(r.len(), 1);
    let h = r.customers()[0].holdout().unwrap();
    assert_eq!(
        (h.purchases(), h.transactions(), h.spend()),
        (1, 2, Decimal::new(10, 0))
    );
    assert_eq!(r.holdout_only().len(), 1);
    let newcomer = &r.holdout_only()[0];
    assert_eq!(newcomer.customer(), CustomerId::new(2));
    assert_eq!(newcomer.first_purchase(), day("2024-02-15"));
    assert_eq!(newcomer.activity().purchases(), 2);
    assert_eq!(r.excluded().transactions(), 1);
    assert_eq!(r.excluded().amount(), Decimal::new(50, 0));
    assert_eq!(r.holdout_duration(), Some(29.0));
}

#[test]
fn one_customer_at_a_time() {
    let s = days("2024-01-31");
    let c = s
        .summarize_customer(&[tx(5, "2024-01-02", 100), tx(5, "2024-01-09", 300)])
        .unwrap();
    assert_eq!(
        (c.customer(), c.frequency(), c.t_x()),
        (CustomerId::new(5), 1, 7.0)
    );
    assert!(matches!(
        s.summarize_customer(&[]),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        s.summarize_customer(&[tx(5, "2024-01-02", 100), tx(6, "2024-01-02", 100)]),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        s.summarize_customer(&[tx(5, "2024-02-02", 100)]),
        Err(Error::ObservationEndBeforeFirstPurchase { customer, first_purchase, .. })
            if customer == CustomerId::new(5) && first_purchase == day("2024-02-02")
    ));
}

#[test]
fn categories_are_counted_distinct() {
    let cat = |t: Transaction, c: u32| t.with_category(CategoryId::new(c));
    let log = [
        cat(tx(1, "2024-01-01", 100), 3),
        cat(tx(1, "2024-01-02", 100), 1),
        cat(tx(1, "2024-01-03", 100), 3),
        tx(1, "2024-01-04", 100),
        cat(tx(1, "2024-02-04", 100), 9), // after the end: not counted
        tx(2, "2024-01-04", 100),
    ];
    let s = days("2024-01-31").summarize(&log).unwrap();
    assert_eq!(s.customers()[0].categories(), 2);
    assert_eq!(s.customers()[1].categories(), 0);
}

#[test]
fn sparse_ids_and_huge_amounts_take_the_slow_paths_with_equal_results() {
    let dense = [
        tx(1, "2024-01-01", 100),
        tx(2, "2024-01-05", 250),
        tx(1, "2024-01-09", 300),
    ];
    let spread = |id: u64| if id == 1 { u64::MAX - 5 } else { 3 };
    let sparse: Vec<Transaction> = dense
        .iter()
        .map(|t| {
            Transaction::new(
                CustomerId::new(spread(t.customer().get())),
                t.date(),
                t.amount(),
            )
        })
        .collect();
    let s = days("2024-01-31");
    let a = s.summarize(&dense).unwrap();
    let b = s.summarize(&sparse).unwrap();
    assert_eq!(b.customers()[0].customer(), CustomerId::new(3));
    assert_eq!(b.customers()[1].customer(), CustomerId::new(u64::MAX - 5));
    assert_eq!(a.customers()[0].zbar(), b.customers()[1].zbar());
    assert_eq!(
        a.customers()[1].total_spend(),
        b.customers()[0].total_spend()
    );

    // 10^20 does not fit an i64 in cents: the i128 path takes over.
    let big = Decimal::from_i128_with_scale(100_000_000_000_000_000_000, 0);
    let huge = [
        Transaction::new(CustomerId::new(1), day("2024-01-01"), big),
        Transaction::new(CustomerId::new(1), day("2024-01-02"), Decimal::new(1, 2)),
    ];
    let h = s.summarize(&huge).unwrap();
    assert_eq!(h.customers()[0].total_spend(), big + Decimal::new(1, 2));
    assert_eq!(h.customers()[0].zbar(), Decimal::new(1, 2));
}

#[test]
fn merge_refuses_what_it_cannot_do_exactly() {
    let s = days("2024-01-31");
    let a = s
        .partial(&[tx(1, "2024-01-01", 100), tx(1, "2024-01-20", 100)])
        .unwrap();
    let b = s.partial(&[tx(1, "2024-01-10", 100)]).unwrap();
    assert!(matches!(
        a.clone().merge(b),
        Err(Error::IncompatibleMerge { .. })
    ));
    let other = Summarizer::builder(day("2024-01-31"))
        .unit(TimeUnit::WEEK)
        .build()
        .unwrap();
    let c = other.partial(&[tx(2, "2024-01-10", 100)]).unwrap();
    assert!(matches!(a.merge(c), Err(Error::IncompatibleMerge { .. })));
}

#[test]
fn merge_completes_netted_refunds_across_shards() {
    let net = Summarizer::builder(day("2024-01-31"))
        .refunds(RefundPolicy::Net)
        .build()
        .unwrap();
    let early = net
        .partial(&[tx(1, "2024-01-01", 1000), tx(1, "2024-01-05", 500)])
        .unwrap();
    let late = net
        .partial(&[tx(1, "2024-01-05", -500), tx(1, "2024-01-09", 100)])
        .unwrap();
    let merged = early.merge(late).unwrap().finish().unwrap();
    let c = &merged.customers()[0];
    assert_eq!((c.frequency(), c.total_spend()), (2, Decimal::new(11, 0)));
    // Alone, the late shard starts with a refund-only day.
    let late = net
        .partial(&[tx(1, "2024-01-05", -500), tx(1, "2024-01-09", 100)])
        .unwrap();
    assert!(matches!(late.finish(), Err(Error::UnmatchedRefund { .. })));
}

#[cfg(feature = "serde")]
#[test]
fn serde_round_trips_and_validates() {
    let s = Summarizer::builder(day("2024-01-31"))
        .holdout_end(day("2024-02-29"))
        .build()
        .unwrap();
    let log = [
        tx(1, "2024-01-01", 1000),
        tx(1, "2024-01-09", 300),
        tx(1, "2024-02-09", 300),
    ];
    let summary = s.summarize(&log).unwrap();
    let json = serde_json::to_string(&summary).unwrap();
    assert_eq!(serde_json::from_str::<Summary>(&json).unwrap(), summary);
    let partial = s.partial(&log).unwrap();
    let pj = serde_json::to_string(&partial).unwrap();
    assert_eq!(
        serde_json::from_str::<PartialSummary>(&pj).unwrap(),
        partial
    );

    let row = serde_json::to_value(&summary.customers()[0]).unwrap();
    assert_eq!(row["T"], 30.0);
    assert_eq!(row["zbar"], "3.00");
    let mut bad = row.clone();
    bad["t_x"] = serde_json::json!(31.0);
    assert!(serde_json::from_value::<customer_value::CustomerSummary>(bad).is_err());
    let mut bad = row.clone();
    bad["zbar"] = serde_json::json!("4");
    assert!(serde_json::from_value::<customer_value::CustomerSummary>(bad).is_err());
    let bad_options = r#"{"calibration_end":"2024-01-31","holdout_end":"2024-01-01"}"#;
    assert!(serde_json::from_str::<Summarizer>(bad_options).is_err());
}

// ---------------------------------------------------------------------------
// Property tests.

/// An independent, obvious implementation for day grouping: a map of
/// customer -> day -> amount, read off directly.
fn reference(log: &[Transaction], end: Date) -> BTreeMap<u64, (u32, i32, i32, Decimal, Decimal)> {
    let mut days: BTreeMap<u64, BTreeMap<Date, Decimal>> = BTreeMap::new();
    for t in log.iter().filter(|t| t.date() <= end) {
        *days
            .entry(t.customer().get())
            .or_default()
            .entry(t.date())
            .or_default() += t.amount();
    }
    days.into_iter()
        .map(|(id, d)| {
            let first = *d.keys().next().unwrap();
            let last = *d.keys().next_back().unwrap();
            let total: Decimal = d.values().copied().sum();
            let repeat = total - d[&first];
            let x = d.len() as u32 - 1;
            (
                id,
                (
                    x,
                    last.days_since(first),
                    end.days_since(first),
                    total,
                    repeat,
                ),
            )
        })
        .collect()
}

fn arb_log(max_len: usize) -> impl Strategy<Value = Vec<Transaction>> {
    prop::collection::vec((0u64..12, 0i32..120, 0i64..100_000), 0..max_len).prop_map(|rows| {
        let start = Date::parse("2024-01-01").unwrap();
        rows.into_iter()
            .map(|(c, d, cents)| {
                Transaction::new(
                    CustomerId::new(c),
                    start.checked_add_days(d).unwrap(),
                    Decimal::new(cents, 2),
                )
            })
            .collect()
    })
}

fn arb_summarizer() -> impl Strategy<Value = Summarizer> {
    (1u32..15, 0usize..3, 40i32..100, prop::option::of(1i32..40)).prop_map(
        |(unit, g, end, hold)| {
            let start = Date::parse("2024-01-01").unwrap();
            let end = start.checked_add_days(end).unwrap();
            let grouping = [Grouping::Day, Grouping::Period, Grouping::Transaction][g];
            let mut b = Summarizer::builder(end)
                .unit(TimeUnit::days(unit).unwrap())
                .grouping(grouping);
            if let Some(h) = hold {
                b = b.holdout_end(end.checked_add_days(h).unwrap());
            }
            b.build().unwrap()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn agrees_with_the_reference(log in arb_log(60), end in 30i32..130) {
        let end = Date::parse("2024-01-01").unwrap().checked_add_days(end).unwrap();
        let ours = days(&end.to_string()).summarize(&log).unwrap();
        let expected = reference(&log, end);
        prop_assert_eq!(ours.len(), expected.len());
        for c in ours.customers() {
            let (x, t_x, t, total, repeat) = expected[&c.customer().get()];
            prop_assert_eq!(c.frequency(), x);
            prop_assert_eq!(c.t_x(), f64::from(t_x));
            prop_assert_eq!(c.age(), f64::from(t));
            prop_assert_eq!(c.total_spend(), total);
            prop_assert_eq!(c.repeat_spend(), repeat);
        }
    }

    #[test]
    fn invariants_hold(log in arb_log(80), s in arb_summarizer()) {
        let r = s.summarize(&log).unwrap();
        for c in r.customers() {
            prop_assert!(0.0 <= c.t_x() && c.t_x() <= c.age());
            prop_assert!(c.frequency() < c.transactions());
            prop_assert!(c.first_purchase() <= c.last_purchase());
            prop_assert!(c.repeat_spend() <= c.total_spend());
            prop_assert_eq!(c.holdout().is_some(), s.holdout_end().is_some());
        }
        prop_assert!(r.customers().windows(2).all(|w| w[0].customer() < w[1].customer()));
        // Nothing is lost: every transaction and every cent is accounted for.
        let counted: u64 = r.customers().iter().map(|c| u64::from(c.transactions()) + c.holdout().map_or(0, |h| u64::from(h.transactions()))).sum::<u64>()
            + r.holdout_only().iter().map(|h| u64::from(h.activity().transactions())).sum::<u64>()
            + r.excluded().transactions();
        prop_assert_eq!(counted, log.len() as u64);
        let spend: Decimal = r.customers().iter().map(|c| c.total_spend() + c.holdout().map_or(Decimal::ZERO, |h| h.spend())).sum::<Decimal>()
            + r.holdout_only().iter().map(|h| h.activity().spend()).sum::<Decimal>()
            + r.excluded().amount();
        prop_assert_eq!(spend, log.iter().map(Transaction::amount).sum::<Decimal>());
    }

    #[test]
    fn input_order_does_not_matter(log in arb_log(60), s in arb_summarizer(), seed in any::<u64>()) {
        let mut shuffled = log.clone();
        // Fisher-Yates with a small LCG: the permutation is what matters.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (state >> 33) as usize % (i + 1));
        }
        prop_assert_eq!(s.summarize(&log).unwrap(), s.summarize(&shuffled).unwrap());
    }

    #[test]
    fn merging_customer_shards_is_exact(log in arb_log(80), s in arb_summarizer(), modulus in 1u64..4) {
        let shard = |r: u64| log.iter().copied().filter(|t| t.customer().get() % modulus == r).collect::<Vec<_>>();
        let parts: Vec<PartialSummary> = (0..modulus).map(|r| s.partial(&shard(r)).unwrap()).collect();
        let merged = parts.into_iter().reduce(|a, b| a.merge(b).unwrap()).unwrap();
        prop_assert_eq!(merged.finish().unwrap(), s.summarize(&log).unwrap());
    }

    #[test]
    fn merging_time_shards_is_exact_associative_and_commutative(
        log in arb_log(80), s in arb_summarizer(), cut1 in 0usize..100, cut2 in 0usize..100,
    ) {
        // Cut the date-sorted log at two positions: a day or period may
        // straddle two shards.
        let mut sorted = log.clone();
        sorted.sort_by_key(|t| t.date());
        let (i, j) = (cut1.min(cut2).min(sorted.len()), cut1.max(cut2).min(sorted.len()));
        let [a, b, c] = [&sorted[..i], &sorted[i..j], &sorted[j..]].map(|p| s.partial(p).unwrap());
        let whole = s.summarize(&log).unwrap();
        let left = a.clone().merge(b.clone()).unwrap().merge(c.clone()).unwrap();
        let right = a.clone().merge(b.clone().merge(c.clone()).unwrap()).unwrap();
        let swapped = c.merge(b.merge(a).unwrap()).unwrap();
        prop_assert_eq!(&left, &right);
        prop_assert_eq!(&left, &swapped);
        prop_assert_eq!(left.finish().unwrap(), whole);
    }

    #[test]
    fn netted_refunds_merge_exactly(log in arb_log(60), refunds in prop::collection::vec((0usize..60, 1i64..500), 0..10), cut in 0usize..80) {
        // Refund part of some purchases (each at most once), on their day.
        let mut log = log;
        let purchases = log.len();
        let mut refunded = std::collections::BTreeSet::new();
        for (k, cents) in refunds {
            if k < purchases && refunded.insert(k) {
                let t = log[k];
                let refund = Decimal::new(cents, 2).min(t.amount());
                log.push(Transaction::new(t.customer(), t.date(), -refund));
            }
        }
        let s = Summarizer::builder(Date::parse("2024-03-01").unwrap()).refunds(RefundPolicy::Net).build().unwrap();
        let whole = s.summarize(&log).unwrap();
        let mut sorted = log.clone();
        sorted.sort_by_key(|t| t.date());
        let cut = cut.min(sorted.len());
        let merged = s.partial(&sorted[..cut]).unwrap().merge(s.partial(&sorted[cut..]).unwrap()).unwrap();
        prop_assert_eq!(merged.finish().unwrap(), whole);
    }
}

/// Large logs are split across threads; the result must not depend on it,
/// and the first bad transaction reported must still be the earliest.
#[test]
fn threads_do_not_change_results() {
    let log = customer_value::simulate::uniform_log(400_000, 40_000, 7).unwrap();
    let with_categories: Vec<Transaction> = log
        .iter()
        .map(|t| t.with_category(CategoryId::new((t.amount().mantissa() % 7) as u32)))
        .collect();
    let sparse: Vec<Transaction> = log
        .iter()
        .map(|t| {
            Transaction::new(
                CustomerId::new(t.customer().get().wrapping_mul(0x9E37_79B9_7F4A_7C15)),
                t.date(),
                t.amount(),
            )
        })
        .collect();
    let builder = Summarizer::builder(day("2022-12-31")).holdout_end(day("2023-06-30"));
    let one = builder.threads(1).build().unwrap();
    let two = builder.threads(2).build().unwrap();
    let four = builder.threads(4).build().unwrap();
    for input in [&log, &with_categories, &sparse] {
        let expected = one.summarize(input).unwrap();
        // `assert!` rather than `assert_eq!`: a failure would print 40,000 rows.
        assert!(two.summarize(input).unwrap() == expected);
        assert!(four.summarize(input).unwrap() == expected);
        assert!(two.partial(input).unwrap().finish().unwrap() == expected);
        assert!(one.partial(input).unwrap() == four.partial(input).unwrap());
    }
    assert!(
        one.summarize(&with_categories)
            .unwrap()
            .customers()
            .iter()
            .any(|c| c.categories() > 1)
    );

    let mut refunds = log.clone();
    for at in [350_000, 150_000] {
        let t = refunds[at];
        refunds[at] = Transaction::new(t.customer(), t.date(), -t.amount());
    }
    for s in [&one, &two, &four] {
        assert!(matches!(
            s.summarize(&refunds),
            Err(Error::InvalidTransaction { index: 150_000, .. })
        ));
    }
    assert!(matches!(
        Summarizer::builder(day("2022-12-31")).threads(0).build(),
        Err(Error::InvalidParameter {
            name: "threads",
            ..
        })
    ));
}
