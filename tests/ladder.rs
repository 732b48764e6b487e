//! Integration tests for the loyalty ladder: the worked example of
//! `ladder::spec` (by hand), the rules and their settings, refused inputs,
//! and property tests of the invariants.

use customer_value::ladder::{
    Behaviour, LadderRules, Migration, Requirement, Rung, Thresholds, Trait, TraitSet,
};
use customer_value::{CustomerId, Decimal, Error, Scored, Scorer};
use proptest::prelude::*;

fn c(id: u64) -> CustomerId {
    CustomerId::new(id)
}

fn at(id: u64, rung: Rung) -> Scored<Rung> {
    Scored {
        customer: c(id),
        score: rung,
    }
}

#[test]
fn worked_example() {
    let rules = LadderRules::default();
    let january = [
        Behaviour::new(c(1), 1),
        Behaviour::new(c(2), 3)
            .with_categories(2)
            .with_failures_tolerated(1),
        Behaviour::new(c(3), 4),
    ];
    let june = [
        Behaviour::new(c(1), 2),
        Behaviour::new(c(2), 5)
            .with_categories(3)
            .with_failures_tolerated(1)
            .with_referrals(1),
        Behaviour::new(c(3), 0),
    ];
    let before = rules.score_keyed(&january).unwrap();
    let after = rules.score_keyed(&june).unwrap();
    assert_eq!(
        before.iter().map(|s| s.score).collect::<Vec<_>>(),
        [Rung::Purchaser, Rung::Supporter, Rung::Customer]
    );
    assert_eq!(
        after.iter().map(|s| s.score).collect::<Vec<_>>(),
        [Rung::Customer, Rung::Advocate, Rung::Prospect]
    );
    let m = Migration::between(&before, &after).unwrap();
    assert_eq!(m.count(Rung::Purchaser, Rung::Customer), 1);
    assert_eq!(m.count(Rung::Supporter, Rung::Advocate), 1);
    assert_eq!(m.count(Rung::Customer, Rung::Prospect), 1);
    assert_eq!((m.up(), m.down(), m.same(), m.total()), (2, 1, 0, 3));
}

#[test]
fn every_rung_by_hand() {
    let rules = LadderRules::default();
    let rung = |b: Behaviour| rules.rung(&b);
    assert_eq!(rung(Behaviour::new(c(1), 0)), Rung::Prospect);
    assert_eq!(rung(Behaviour::new(c(1), 1)), Rung::Purchaser);
    assert_eq!(rung(Behaviour::new(c(1), 2)), Rung::Customer);
    // Cross-buying alone is not enough for Supporter.
    assert_eq!(
        rung(Behaviour::new(c(1), 2).with_categories(2)),
        Rung::Customer
    );
    assert_eq!(
        rung(
            Behaviour::new(c(1), 2)
                .with_categories(2)
                .with_offers_declined(1)
        ),
        Rung::Supporter
    );
    let advocate = Behaviour::new(c(1), 2)
        .with_categories(2)
        .with_offers_declined(1)
        .with_referrals(1);
    assert_eq!(rung(advocate), Rung::Advocate);
    assert_eq!(rung(advocate.with_partner(true)), Rung::Partner);
    // A partner flag on a one-off buyer does not skip rungs.
    assert_eq!(
        rung(Behaviour::new(c(1), 1).with_partner(true)),
        Rung::Purchaser
    );
    // Traits reported.
    assert_eq!(
        rules.traits(&advocate),
        TraitSet::of(&[
            Trait::RepeatPurchase,
            Trait::CrossBuying,
            Trait::Referral,
            Trait::CompetitorResistance
        ])
    );
}

#[test]
fn thresholds_and_requirements_are_settings() {
    // Regularity: 3 of 4 quarters.
    let t = Thresholds::default()
        .min_purchases(4)
        .unwrap()
        .min_active_periods(3);
    let rules = LadderRules::default().with_thresholds(t);
    let bursty = Behaviour::new(c(1), 6).with_activity(1, 4).unwrap();
    let steady = Behaviour::new(c(1), 6).with_activity(3, 4).unwrap();
    assert_eq!(rules.rung(&bursty), Rung::Purchaser);
    assert_eq!(rules.rung(&steady), Rung::Customer);
    // Without activity data the regularity test fails once switched on.
    assert_eq!(rules.rung(&Behaviour::new(c(1), 6)), Rung::Purchaser);

    // Supporter asking for both resistance and tolerance.
    let strict = LadderRules::new(
        Thresholds::default(),
        Requirement::all_of(&[Trait::RepeatPurchase]).unwrap(),
        Requirement::all_of(&[
            Trait::CrossBuying,
            Trait::CompetitorResistance,
            Trait::FailureTolerance,
        ])
        .unwrap(),
        Requirement::all_of(&[Trait::Referral]).unwrap(),
        Requirement::all_of(&[Trait::Partnership]).unwrap(),
    );
    let b = Behaviour::new(c(1), 3)
        .with_categories(2)
        .with_offers_declined(2);
    assert_eq!(strict.rung(&b), Rung::Customer);
    assert_eq!(strict.rung(&b.with_failures_tolerated(1)), Rung::Supporter);
}

#[test]
fn refused_inputs() {
    assert!(matches!(
        Behaviour::new(c(1), 3).with_activity(5, 4),
        Err(Error::InvalidValue { .. })
    ));
    assert!(matches!(
        Thresholds::default().min_purchases(1),
        Err(Error::InvalidParameter {
            name: "min_purchases",
            ..
        })
    ));
    assert!(matches!(
        Thresholds::default().min_categories(1),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(Thresholds::default().min_referrals(0).is_err());
    assert!(Thresholds::default().min_offers_declined(0).is_err());
    assert!(Thresholds::default().min_failures_tolerated(0).is_err());
    assert!(matches!(
        Requirement::new(TraitSet::EMPTY, TraitSet::of(&[Trait::Referral]), 2),
        Err(Error::InvalidValue { .. })
    ));
    assert!(Requirement::all_of(&[]).is_err());
    let twice = [at(1, Rung::Customer), at(1, Rung::Partner)];
    assert!(matches!(
        Migration::between(&twice, &[]),
        Err(Error::InvalidValue { .. })
    ));
    assert!(Migration::between(&[], &twice).is_err());
}

#[test]
fn shares_and_transition_matrix() {
    // Four customers: three customers of whom two stayed and one became supporters.
    let before = [
        at(1, Rung::Customer),
        at(2, Rung::Customer),
        at(3, Rung::Customer),
        at(4, Rung::Advocate),
    ];
    let after = [
        at(1, Rung::Customer),
        at(2, Rung::Customer),
        at(3, Rung::Supporter),
        at(4, Rung::Advocate),
    ];
    let m = Migration::between(&before, &after).unwrap();
    let row = m.shares(Rung::Customer).unwrap();
    // 1/3 and 2/3, to Decimal's 28 digits.
    assert_eq!(
        row[Rung::Supporter.index()],
        Decimal::ONE / Decimal::from(3)
    );
    assert_eq!(
        row[Rung::Customer.index()],
        Decimal::from(2) / Decimal::from(3)
    );
    assert_eq!(m.shares(Rung::Partner), None);
    let p = m.transition_matrix().unwrap();
    assert_eq!(
        p.get(Rung::Advocate.index(), Rung::Advocate.index()),
        Some(Decimal::ONE)
    );
    assert_eq!(
        p.get(Rung::Partner.index(), Rung::Partner.index()),
        Some(Decimal::ONE)
    );
}

#[cfg(feature = "serde")]
#[test]
fn serde_round_trip_and_validation() {
    let rules = LadderRules::default();
    let json = serde_json::to_string(&rules).unwrap();
    assert_eq!(serde_json::from_str::<LadderRules>(&json).unwrap(), rules);
    let bad = json.replace("\"min_purchases\":2", "\"min_purchases\":1");
    assert_ne!(bad, json);
    assert!(serde_json::from_str::<LadderRules>(&bad).is_err());
    let b: Behaviour =
        serde_json::from_str(r#"{"customer":7,"purchases":3,"categories":2}"#).unwrap();
    assert_eq!(b.categories(), 2);
    assert!(
        serde_json::from_str::<Behaviour>(
            r#"{"customer":7,"purchases":3,"active_periods":3,"periods":2}"#
        )
        .is_err()
    );
    assert_eq!(
        serde_json::to_string(&Rung::Advocate).unwrap(),
        "\"advocate\""
    );
}

fn behaviour() -> impl Strategy<Value = Behaviour> {
    (
        0u32..6,
        0u32..4,
        0u32..4,
        0u32..3,
        0u32..3,
        0u32..3,
        any::<bool>(),
    )
        .prop_map(|(p, act, cat, refs, off, fail, partner)| {
            Behaviour::new(c(1), p)
                .with_activity(act, 4)
                .unwrap()
                .with_categories(cat)
                .with_referrals(refs)
                .with_offers_declined(off)
                .with_failures_tolerated(fail)
                .with_partner(partner)
        })
}

proptest! {
    #[test]
    fn more_behaviour_never_lowers_the_rung(b in behaviour(), bump in 0usize..6) {
        let rules = LadderRules::default()
            .with_thresholds(Thresholds::default().min_active_periods(2));
        let (act, periods) = b.activity();
        let more = match bump {
            0 => Behaviour::new(b.customer(), b.purchases() + 1)
                .with_activity(act, periods).unwrap()
                .with_categories(b.categories()).with_referrals(b.referrals())
                .with_offers_declined(b.offers_declined())
                .with_failures_tolerated(b.failures_tolerated()).with_partner(b.partner()),
            1 => b.with_activity((act + 1).min(periods), periods).unwrap(),
            2 => b.with_categories(b.categories() + 1),
            3 => b.with_referrals(b.referrals() + 1),
            4 => b.with_offers_declined(b.offers_declined() + 1),
            _ => b.with_failures_tolerated(b.failures_tolerated() + 1).with_partner(true),
        };
        prop_assert!(rules.rung(&more) >= rules.rung(&b));
    }

    #[test]
    fn migration_accounts_for_everyone(
        before in prop::collection::btree_map(0u64..50, 0usize..6, 0..40),
        after in prop::collection::btree_map(0u64..50, 0usize..6, 0..40),
    ) {
        let to_scored = |m: &std::collections::BTreeMap<u64, usize>| -> Vec<Scored<Rung>> {
            m.iter().map(|(&id, &r)| at(id, Rung::ALL[r])).collect()
        };
        let m = Migration::between(&to_scored(&before), &to_scored(&after)).unwrap();
        let union: std::collections::BTreeSet<u64> = before.keys().chain(after.keys()).copied().collect();
        prop_assert_eq!(m.total(), union.len() as u64);
        prop_assert_eq!(m.up() + m.down() + m.same(), m.total());
        // Column sums: the later assignment, absentees as prospects.
        for to in Rung::ALL {
            let col: u64 = Rung::ALL.iter().map(|&from| m.count(from, to)).sum();
            let want = union.iter().filter(|id| {
                after.get(id).map_or(Rung::Prospect, |&r| Rung::ALL[r]) == to
            }).count() as u64;
            prop_assert_eq!(col, want);
        }
        let p = m.transition_matrix().unwrap();
        prop_assert_eq!(p.states(), 6);
        // The same assignment twice: everything on the diagonal.
        let same = Migration::between(&to_scored(&before), &to_scored(&before)).unwrap();
        prop_assert_eq!(same.same(), same.total());
    }
}
