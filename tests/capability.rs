//! Integration tests for the CRM capability scorecard: the table, the
//! worked example of `capability::spec` (by hand), AHP and entropy
//! weights, bounds, the factor diagnosis, refused inputs and properties.

use customer_value::Error;
use customer_value::capability::{
    Bounds, CapabilityModel, CapabilityWeights, Direction, Factor, FactorDiagnosis, Group,
    IndicatorDef, Measurements, Normalisation, Scorecard, Weighting,
};
use customer_value::loyalty::{Ahp, EntropyWeights};
use proptest::prelude::*;

fn small() -> Scorecard {
    Scorecard::new(vec![
        IndicatorDef::new(
            "insight",
            "analysis accuracy",
            Group::CustomerInsight,
            Direction::HigherIsBetter,
        ),
        IndicatorDef::new(
            "lead",
            "lead time",
            Group::CustomerCreation,
            Direction::LowerIsBetter,
        ),
        IndicatorDef::new(
            "churn",
            "churn rate",
            Group::CustomerRelationship,
            Direction::LowerIsBetter,
        ),
    ])
    .unwrap()
}

fn units() -> Vec<Measurements> {
    vec![
        Measurements::new("north", vec![0.9, 10.0, 0.10]),
        Measurements::new("south", vec![0.6, 4.0, 0.20]),
        Measurements::new("west", vec![0.7, 6.0, 0.15]),
    ]
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn the_standard_table() {
    let card = Scorecard::standard();
    assert_eq!(card.len(), 19);
    assert_eq!(card.group_positions(Group::CustomerInsight).len(), 5);
    assert_eq!(card.group_positions(Group::CustomerCreation).len(), 10);
    assert_eq!(card.group_positions(Group::CustomerRelationship).len(), 4);
    let lower: Vec<&str> = card
        .indicators()
        .iter()
        .filter(|d| d.direction == Direction::LowerIsBetter)
        .map(|d| d.key.as_str())
        .collect();
    assert_eq!(
        lower,
        [
            "lead_time",
            "cost",
            "response_lead_time",
            "churn_speed",
            "complaint_resolution_time"
        ]
    );
    let flipped = card
        .clone()
        .with_direction("feedback_speed", Direction::LowerIsBetter)
        .unwrap();
    assert_eq!(flipped.indicators()[0].direction, Direction::LowerIsBetter);
    assert!(
        card.with_direction("nope", Direction::LowerIsBetter)
            .is_err()
    );
}

#[test]
fn worked_example_by_hand() {
    let card = small();
    let w = CapabilityWeights::new(&card, [0.5, 0.3, 0.2], vec![1.0, 1.0, 1.0]).unwrap();
    let model = CapabilityModel::new(
        card,
        Normalisation::MinMax { fill: None },
        Weighting::Given(w),
    );
    let r = model.score(&units()).unwrap();
    // north z = (1, 0, 1): 70; south (0, 1, 0): 30; west (1/3, 2/3, 1/2): 46.667
    assert!(close(r.units[0].composite, 70.0));
    assert!(close(r.units[1].composite, 30.0));
    assert!(close(r.units[2].composite, 100.0 * (0.5 / 3.0 + 0.2 + 0.1)));
    assert!(close(r.units[2].groups[1], 100.0 * 2.0 / 3.0));
    assert_eq!(r.units[2].unit, "west");
}

#[test]
fn ahp_weights() {
    // A consistent 3 × 3 matrix with weights (4, 2, 1)/7: entries w_i/w_j.
    let top = Ahp::new(&[[1.0, 2.0, 4.0], [0.5, 1.0, 2.0], [0.25, 0.5, 1.0]])
        .unwrap()
        .eigenvector()
        .unwrap();
    let one = Ahp::new(&[[1.0]]).unwrap().eigenvector().unwrap();
    let card = small();
    let w = CapabilityWeights::from_ahp(&card, &top, [&one, &one, &one]).unwrap();
    let g = w.group();
    assert!((g[0] - 4.0 / 7.0).abs() < 1e-9 && (g[2] - 1.0 / 7.0).abs() < 1e-9);
    let global = w.global(&card);
    assert!((global.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    // A wrong-order AHP is refused.
    assert!(CapabilityWeights::from_ahp(&card, &one, [&one, &one, &one]).is_err());
    assert!(CapabilityWeights::from_ahp(&card, &top, [&top, &one, &one]).is_err());
}

#[test]
fn entropy_weights_match_the_loyalty_entropy() {
    let card = small();
    let model = CapabilityModel::new(
        card.clone(),
        Normalisation::MinMax { fill: None },
        Weighting::Entropy,
    );
    let r = model.score(&units()).unwrap();
    let z: Vec<Vec<f64>> = r.units.iter().map(|u| u.normalised.clone()).collect();
    let e = EntropyWeights::new(&z).unwrap();
    // One indicator per group: group weights are the entropy weights.
    for (g, w) in r.weights.group().iter().zip(e.weights()) {
        assert!(close(*g, *w));
    }
    // Fewer than two units: entropy is undefined.
    assert!(model.score(&units()[..1]).is_err());
}

#[test]
fn bounds_score_a_single_unit() {
    let card = small();
    let bounds = vec![
        Bounds {
            worst: 0.5,
            best: 1.0,
        },
        Bounds {
            worst: 12.0,
            best: 2.0,
        },
        Bounds {
            worst: 0.3,
            best: 0.0,
        },
    ];
    let w = CapabilityWeights::new(&card, [0.5, 0.3, 0.2], vec![1.0, 1.0, 1.0]).unwrap();
    let model = CapabilityModel::new(
        card.clone(),
        Normalisation::Bounds(bounds),
        Weighting::Given(w.clone()),
    );
    // z = (0.4/0.5 = 0.8, (10 − 12)/(2 − 12) = 0.2, (−0.1 − 0.3)/(0 − 0.3) = 4/3 clipped to 1)
    let r = model
        .score(&[Measurements::new("one", vec![0.9, 10.0, -0.1])])
        .unwrap();
    let z = &r.units[0].normalised;
    assert!(close(z[0], 0.8) && close(z[1], 0.2) && close(z[2], 1.0));
    assert!(close(r.units[0].composite, 100.0 * (0.4 + 0.06 + 0.2)));
    // Bounds against the direction are refused.
    let wrong = vec![
        Bounds {
            worst: 0.5,
            best: 1.0,
        },
        Bounds {
            worst: 2.0,
            best: 12.0,
        },
        Bounds {
            worst: 0.3,
            best: 0.0,
        },
    ];
    let model = CapabilityModel::new(card, Normalisation::Bounds(wrong), Weighting::Given(w));
    assert!(matches!(
        model.score(&[Measurements::new("one", vec![0.9, 10.0, 0.1])]),
        Err(Error::InvalidValue { .. })
    ));
}

#[test]
fn factor_diagnosis() {
    let d = FactorDiagnosis::new([4.0, 3.5, 2.0, 3.0, 2.5, 4.5], 3.0).unwrap();
    assert_eq!(d.weakest(), (Factor::Culture, 2.0));
    assert_eq!(d.strongest(), (Factor::SupplyChainPartners, 4.5));
    assert_eq!(
        d.constraints(),
        [(Factor::Culture, 2.0), (Factor::OrganisationDesign, 2.5)]
    );
    // Ties keep the courseware's order.
    let tie = FactorDiagnosis::new([3.0; 6], 3.0).unwrap();
    assert_eq!(tie.weakest().0, Factor::InformationTechnology);
    assert!(tie.constraints().is_empty());
    assert!(matches!(
        FactorDiagnosis::new([1.0, f64::NAN, 1.0, 1.0, 1.0, 1.0], 3.0),
        Err(Error::InvalidParameter { name: "rating", .. })
    ));
    assert!(matches!(
        FactorDiagnosis::new([1.0; 6], f64::INFINITY),
        Err(Error::InvalidParameter {
            name: "threshold",
            ..
        })
    ));
}

#[test]
fn refused_inputs() {
    let dup = Scorecard::new(vec![
        IndicatorDef::new("a", "a", Group::CustomerInsight, Direction::HigherIsBetter),
        IndicatorDef::new("a", "b", Group::CustomerCreation, Direction::HigherIsBetter),
        IndicatorDef::new(
            "c",
            "c",
            Group::CustomerRelationship,
            Direction::HigherIsBetter,
        ),
    ]);
    assert!(matches!(dup, Err(Error::InvalidValue { .. })));
    let missing_group = Scorecard::new(vec![IndicatorDef::new(
        "a",
        "a",
        Group::CustomerInsight,
        Direction::HigherIsBetter,
    )]);
    assert!(missing_group.is_err());
    let card = small();
    assert!(CapabilityWeights::new(&card, [0.5, 0.3, 0.3], vec![1.0; 3]).is_err());
    assert!(CapabilityWeights::new(&card, [0.5, 0.5, 0.0], vec![1.0; 2]).is_err());
    assert!(CapabilityWeights::new(&card, [0.5, 0.5, 0.0], vec![1.0, 0.9, 1.0]).is_err());
    assert!(CapabilityWeights::new(&card, [1.5, -0.5, 0.0], vec![1.0; 3]).is_err());
    let model = CapabilityModel::new(
        card.clone(),
        Normalisation::MinMax { fill: None },
        Weighting::Given(CapabilityWeights::equal(&card)),
    );
    assert!(matches!(model.score(&[]), Err(Error::EmptyInput { .. })));
    assert!(
        model
            .score(&[Measurements::new("x", vec![1.0, 2.0])])
            .is_err()
    );
    assert!(
        model
            .score(&[
                Measurements::new("x", vec![1.0, f64::NAN, 1.0]),
                Measurements::new("y", vec![2.0, 1.0, 1.0])
            ])
            .is_err()
    );
    // A constant indicator without a fill is refused; with one it scores the fill.
    let tied = [
        Measurements::new("x", vec![1.0, 2.0, 3.0]),
        Measurements::new("y", vec![2.0, 2.0, 1.0]),
    ];
    assert!(matches!(
        model.score(&tied),
        Err(Error::InvalidValue { .. })
    ));
    let filled = CapabilityModel::new(
        card.clone(),
        Normalisation::MinMax { fill: Some(0.5) },
        Weighting::Given(CapabilityWeights::equal(&card)),
    );
    assert!(close(
        filled.score(&tied).unwrap().units[0].normalised[1],
        0.5
    ));
    let bad_fill = CapabilityModel::new(
        card.clone(),
        Normalisation::MinMax { fill: Some(2.0) },
        Weighting::Given(CapabilityWeights::equal(&card)),
    );
    assert!(matches!(
        bad_fill.score(&tied),
        Err(Error::InvalidParameter { name: "fill", .. })
    ));
}

#[cfg(feature = "serde")]
#[test]
fn serde_table_round_trip_and_validation() {
    let card = Scorecard::standard();
    let json = serde_json::to_string(&card).unwrap();
    assert_eq!(serde_json::from_str::<Scorecard>(&json).unwrap(), card);
    let dup = json.replacen("\"knowledge_depth\"", "\"feedback_speed\"", 1);
    assert!(serde_json::from_str::<Scorecard>(&dup).is_err());
}

proptest! {
    #[test]
    fn scores_are_bounded_and_composite_is_the_weighted_mean(
        rows in prop::collection::vec(prop::collection::vec(0.0f64..100.0, 19), 2..8),
        gw in (0.05f64..1.0, 0.05f64..1.0, 0.05f64..1.0),
    ) {
        let card = Scorecard::standard();
        let s = gw.0 + gw.1 + gw.2;
        let w = CapabilityWeights::new(&card, [gw.0 / s, gw.1 / s, 1.0 - gw.0 / s - gw.1 / s],
            CapabilityWeights::equal(&card).within().to_vec()).unwrap();
        let model = CapabilityModel::new(card, Normalisation::MinMax { fill: Some(0.5) }, Weighting::Given(w.clone()));
        let units: Vec<Measurements> = rows.iter().enumerate()
            .map(|(i, r)| Measurements::new(format!("u{i}"), r.clone())).collect();
        let r = model.score(&units).unwrap();
        for u in &r.units {
            prop_assert!(u.composite >= -1e-9 && u.composite <= 100.0 + 1e-9);
            let mean: f64 = u.groups.iter().zip(w.group()).map(|(s, g)| s * g).sum();
            prop_assert!((u.composite - mean).abs() < 1e-9);
            prop_assert!(u.groups.iter().all(|g| *g >= -1e-9 && *g <= 100.0 + 1e-9));
        }
    }

    #[test]
    fn improving_one_indicator_never_lowers_the_composite(
        rows in prop::collection::vec(prop::collection::vec(0.0f64..100.0, 3), 3..6),
        which in 0usize..3,
        step in 0.0f64..10.0,
    ) {
        // Fixed bounds, so other units do not move the scale.
        let card = small();
        let bounds = vec![
            Bounds { worst: 0.0, best: 100.0 },
            Bounds { worst: 100.0, best: 0.0 },
            Bounds { worst: 100.0, best: 0.0 },
        ];
        let model = CapabilityModel::new(card.clone(), Normalisation::Bounds(bounds),
            Weighting::Given(CapabilityWeights::equal(&card)));
        let base = Measurements::new("u", rows[0].clone());
        let mut better = rows[0].clone();
        better[which] += if which == 0 { step } else { -step };
        let a = model.score(&[base]).unwrap().units[0].composite;
        let b = model.score(&[Measurements::new("u", better)]).unwrap().units[0].composite;
        prop_assert!(b >= a - 1e-12);
    }
}

#[cfg(feature = "serde")]
#[test]
fn serde_model_round_trip_and_validation() {
    let card = small();
    let w = CapabilityWeights::new(&card, [0.5, 0.3, 0.2], vec![1.0, 1.0, 1.0]).unwrap();
    let model = CapabilityModel::new(
        card,
        Normalisation::MinMax { fill: Some(0.5) },
        Weighting::Given(w),
    );
    let json = serde_json::to_string(&model).unwrap();
    let back: CapabilityModel = serde_json::from_str(&json).unwrap();
    assert_eq!(back, model);
    assert!(
        serde_json::from_str::<CapabilityWeights>(r#"{"group":[0.5,0.5,0.5],"within":[1,1,1]}"#)
            .is_err()
    );
    // Within-group sums are checked against the table when scoring.
    let loose: CapabilityWeights =
        serde_json::from_str(r#"{"group":[0.5,0.3,0.2],"within":[0.5,1,1]}"#).unwrap();
    let model = CapabilityModel::new(
        small(),
        Normalisation::MinMax { fill: None },
        Weighting::Given(loose),
    );
    assert!(matches!(
        model.score(&units()),
        Err(Error::InvalidValue { .. })
    ));
}
