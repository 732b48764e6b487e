//! Integration tests for Identify: the record-quality report (by hand),
//! keys and duplicate candidates (Winkler's published Jaro-Winkler
//! figures), the merge plan's no-loss law, hashing (the FIPS 180-4 test
//! vector), and property tests.

use customer_value::identify::{
    CustomerRecord, DuplicateCandidate, Field, MatchFields, MatchReason, MergePlan,
    QualitySettings, duplicate_candidates, email_key, name_key, phone_key, quality_report,
};
use customer_value::{CustomerId, Date, Decimal, Error, Summarizer, Transaction};
use proptest::prelude::*;

fn c(id: u64) -> CustomerId {
    CustomerId::new(id)
}

fn day(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn v(s: &str) -> Option<String> {
    Some(s.to_owned())
}

#[test]
fn quality_report_by_hand() {
    let fields = [
        Field::key("email"),
        Field::key("phone"),
        Field::new("city"),
        Field::new("birthday"),
    ];
    let settings = QualitySettings {
        as_of: day("2024-12-31"),
        max_update_age_days: 365,
        max_purchase_age_days: 90,
    };
    let records = [
        // 4/4 filled, updated 30 days ago, bought 10 days ago.
        CustomerRecord::new(c(1), vec![v("a@x"), v("1"), v("Paris"), v("1990-01-01")])
            .updated(day("2024-12-01"))
            .purchased(day("2024-12-21")),
        // 2/4, no phone (key); updated exactly 365 days before: not stale.
        CustomerRecord::new(c(2), vec![v("b@x"), None, v("Nice"), v("")])
            .updated(day("2024-01-01"))
            .purchased(day("2024-10-01")),
        // 1/4, no e-mail and no phone; updated 366 days before: stale; never bought.
        CustomerRecord::new(c(3), vec![None, v("  "), v("Metz"), None]).updated(day("2023-12-31")),
    ];
    let r = quality_report(&fields, &records, &settings).unwrap();
    assert_eq!(r.records, 3);
    let filled: Vec<u64> = r.fields.iter().map(|f| f.filled).collect();
    assert_eq!(filled, [2, 1, 3, 1]);
    assert!((r.mean_completeness - (1.0 + 0.5 + 0.25) / 3.0).abs() < 1e-15);
    assert_eq!(r.completeness[1], (c(2), 0.5));
    assert!((r.key_coverage - 1.0 / 3.0).abs() < 1e-15);
    assert_eq!(r.missing_key, [c(2), c(3)]);
    assert_eq!(r.stale_update, [c(3)]);
    // Customer 2 last bought 91 days before (Oct 1 -> Dec 31): inactive.
    assert_eq!(r.stale_purchase, [c(2), c(3)]);
}

#[test]
fn quality_report_refusals() {
    let s = QualitySettings {
        as_of: day("2024-01-01"),
        max_update_age_days: 1,
        max_purchase_age_days: 1,
    };
    let f = [Field::new("x")];
    assert!(matches!(
        quality_report(&[], &[], &s),
        Err(Error::EmptyInput { .. })
    ));
    assert!(matches!(
        quality_report(&f, &[], &s),
        Err(Error::EmptyInput { .. })
    ));
    let wrong = CustomerRecord::new(c(1), vec![v("a"), v("b")]);
    assert!(matches!(
        quality_report(&f, &[wrong], &s),
        Err(Error::InvalidValue { .. })
    ));
    let future = CustomerRecord::new(c(1), vec![v("a")]).updated(day("2024-01-02"));
    assert!(matches!(
        quality_report(&f, &[future], &s),
        Err(Error::InvalidValue { .. })
    ));
}

#[test]
fn debug_never_prints_values() {
    let r = CustomerRecord::new(c(7), vec![v("secret@example.org"), None]);
    let text = format!("{r:?}");
    assert!(!text.contains("secret"), "{text}");
    assert!(text.contains("x."), "{text}");
}

#[test]
fn keys() {
    assert_eq!(email_key("A@B.c"), v("a@b.c"));
    assert_eq!(email_key("a@@b"), None);
    assert_eq!(email_key("@b"), None);
    assert_eq!(phone_key("(555) 010-2000", 10), v("5550102000"));
    assert_eq!(phone_key("555", 0), None);
    assert_eq!(name_key("O'Brien,  Mary-Ann"), v("ann brien mary o"));
}

#[test]
fn exact_candidates_and_refusals() {
    let records = [
        CustomerRecord::new(
            c(1),
            vec![v("ann@x.org"), v("06 12 34 56 78"), v("Ann Lee")],
        ),
        CustomerRecord::new(c(2), vec![v("ANN@x.org"), v("0612345678"), v("Lee Ann")]),
        CustomerRecord::new(c(3), vec![None, v("+33 612345678"), None]),
        CustomerRecord::new(c(4), vec![v("zed@x.org"), None, v("Zed")]),
    ];
    let fields = MatchFields {
        email: Some(0),
        phone: Some(1),
        name: Some(2),
        ..MatchFields::default()
    };
    let pairs = duplicate_candidates(&records, &fields).unwrap();
    assert_eq!(
        pairs,
        [
            DuplicateCandidate {
                a: c(1),
                b: c(2),
                reason: MatchReason::Email
            },
            DuplicateCandidate {
                a: c(1),
                b: c(3),
                reason: MatchReason::Phone
            },
            DuplicateCandidate {
                a: c(2),
                b: c(3),
                reason: MatchReason::Phone
            },
        ]
    );
    let outside = MatchFields {
        email: Some(5),
        ..MatchFields::default()
    };
    assert!(matches!(
        duplicate_candidates(&records, &outside),
        Err(Error::InvalidValue { .. })
    ));
    let bad = MatchFields {
        name: Some(2),
        fuzzy_name: Some(1.5),
        ..MatchFields::default()
    };
    assert!(matches!(
        duplicate_candidates(&records, &bad),
        Err(Error::InvalidParameter {
            name: "fuzzy_name",
            ..
        })
    ));
}

#[cfg(feature = "fuzzy")]
#[test]
fn fuzzy_names_follow_winklers_figures() {
    // Winkler (1990): JW(MARTHA, MARHTA) = 0.961, JW(DWAYNE, DUANE) = 0.840,
    // JW(DIXON, DICKSONX) = 0.813.
    let recs = |a: &str, b: &str| {
        [
            CustomerRecord::new(c(1), vec![v(a)]),
            CustomerRecord::new(c(2), vec![v(b)]),
        ]
    };
    let at = |t: f64| MatchFields {
        name: Some(0),
        fuzzy_name: Some(t),
        ..MatchFields::default()
    };
    let found = |a: &str, b: &str, t: f64| {
        !duplicate_candidates(&recs(a, b), &at(t))
            .unwrap()
            .is_empty()
    };
    assert!(found("MARTHA", "MARHTA", 0.96));
    assert!(!found("MARTHA", "MARHTA", 0.962));
    // DWAYNE and DUANE share only the first letter: different blocks, never compared.
    assert!(!found("DWAYNE", "DUANE", 0.5));
    assert!(found("DIXON", "DICKSONX", 0.813));
    assert!(!found("DIXON", "DICKSONX", 0.814));
    let pairs = duplicate_candidates(&recs("MARTHA", "MARHTA"), &at(0.95)).unwrap();
    assert_eq!(pairs[0].reason, MatchReason::FuzzyName);
}

#[cfg(feature = "hash")]
#[test]
fn hashing_follows_fips_180_4() {
    use customer_value::identify::hash_identifier;
    // FIPS 180-4 example: SHA-256("abc").
    assert_eq!(
        hash_identifier(b"", "abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    // The salt is prepended: salt "a" + "bc" is "abc".
    assert_eq!(hash_identifier(b"a", "bc"), hash_identifier(b"", "abc"));
    // SHA-256 of the empty string.
    assert_eq!(
        hash_identifier(b"", ""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn merge_plan_groups_transitively() {
    let pair = |a, b| DuplicateCandidate {
        a: c(a),
        b: c(b),
        reason: MatchReason::Name,
    };
    let plan = MergePlan::new(&[pair(7, 9), pair(3, 9), pair(4, 5)]);
    assert_eq!(
        plan.groups(),
        vec![vec![c(3), c(7), c(9)], vec![c(4), c(5)]]
    );
    assert_eq!(plan.canonical(c(7)), c(3));
    assert_eq!(plan.canonical(c(1)), c(1));
    assert_eq!(plan.remapped().len(), 3);
}

fn pairs() -> impl Strategy<Value = Vec<DuplicateCandidate>> {
    prop::collection::vec((0u64..30, 0u64..30), 0..25).prop_map(|ps| {
        ps.into_iter()
            .filter(|(a, b)| a != b)
            .map(|(a, b)| DuplicateCandidate {
                a: c(a.min(b)),
                b: c(a.max(b)),
                reason: MatchReason::Email,
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn merging_never_loses_a_transaction(
        ps in pairs(),
        tx in prop::collection::vec((0u64..30, 0i32..60, 1i64..10_000), 1..80),
    ) {
        let plan = MergePlan::new(&ps);
        // The canonical id is the smallest of its group, and canonical ids are fixed points.
        for p in &ps {
            prop_assert_eq!(plan.canonical(p.a), plan.canonical(p.b));
            prop_assert!(plan.canonical(p.b) <= p.a);
        }
        for (&id, &root) in plan.remapped() {
            prop_assert!(root < id);
            prop_assert_eq!(plan.canonical(root), root);
        }
        let start = day("2024-01-01");
        let log: Vec<Transaction> = tx.iter()
            .map(|&(id, d, cents)| Transaction::new(c(id), start.checked_add_days(d).unwrap(), Decimal::new(cents, 2)))
            .collect();
        let merged = plan.apply(&log).unwrap();
        prop_assert_eq!(merged.len(), log.len());
        for (a, b) in log.iter().zip(&merged) {
            prop_assert_eq!((a.date(), a.amount()), (b.date(), b.amount()));
            prop_assert_eq!(plan.canonical(a.customer()), b.customer());
        }
        let summarizer = Summarizer::builder(day("2024-03-31")).build().unwrap();
        let before = summarizer.summarize(&log).unwrap();
        let after = plan.summarize(&summarizer, &log).unwrap();
        let total = |s: &customer_value::Summary| s.customers().iter().map(|r| r.total_spend()).sum::<Decimal>();
        prop_assert_eq!(total(&before), total(&after));
        let groups: std::collections::BTreeSet<CustomerId> = log.iter().map(|t| plan.canonical(t.customer())).collect();
        prop_assert_eq!(after.customers().len(), groups.len());
    }
}
