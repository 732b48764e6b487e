//! Integration tests for customer satisfaction (FORMULAS.md section 4).

use customer_value::satisfaction::{
    Distribution, ItemWeights, KanoAnswer, KanoCategory, KanoTally, LevelScores,
    SatisfactionCrossTab, SatisfactionLevel, Scale, TrapReport, kano_category,
};
use customer_value::{Error, Scorer};
use proptest::prelude::*;

use SatisfactionLevel::*;

fn close(got: f64, want: f64, tol: f64) -> bool {
    (got - want).abs() <= tol
}

/// Expands counts into one answer (1..=7) per response.
fn expand(counts: &[u64; 7]) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, &c) in counts.iter().enumerate() {
        out.extend(std::iter::repeat_n(k as u8 + 1, c as usize));
    }
    out
}

/// Brute-force mean, population and sample variance of raw answers.
fn brute(answers: &[u8]) -> (f64, f64, f64) {
    let n = answers.len() as f64;
    let mean = answers.iter().map(|&a| f64::from(a)).sum::<f64>() / n;
    let ss: f64 = answers.iter().map(|&a| (f64::from(a) - mean).powi(2)).sum();
    (mean, ss / n, ss / (n - 1.0))
}

// ---------------------------------------------------------------------------
// FORMULAS.md section 4.4, worked examples (computed independently in Python).

#[test]
fn worked_seven_level_counts() {
    // Counts (2,3,5,10,20,35,25), N = 100: x̄ = 5.48, sd = 1.4247,
    // T2B = 0.60, B2B = 0.05, CSI = 74.67.
    let d = Distribution::from_counts([2, 3, 5, 10, 20, 35, 25]).unwrap();
    assert_eq!(d.n(), 100);
    assert!(close(d.mean().unwrap(), 5.48, 1e-12));
    assert!(close(d.std_dev().unwrap(), 1.4247, 5e-5));
    assert!(close(d.top_two_box().unwrap(), 0.60, 1e-12));
    assert!(close(d.bottom_two_box().unwrap(), 0.05, 1e-12));
    assert!(close(d.csi().unwrap(), 74.67, 5e-3));
    assert!(close(d.csi().unwrap(), 4.48 / 6.0 * 100.0, 1e-12));
    // 1.4247 is the sample sd; the population sd is sqrt(200.96 / 100).
    assert!(close(
        d.population_std_dev().unwrap(),
        2.0096f64.sqrt(),
        1e-12
    ));
    assert!(close(
        d.std_dev().unwrap(),
        (200.96f64 / 99.0).sqrt(),
        1e-12
    ));
    // The same from raw answers, and brute force.
    let answers = expand(&d.counts());
    assert_eq!(Distribution::from_scores(&answers).unwrap(), d);
    let (mean, pvar, svar) = brute(&answers);
    assert!(close(d.mean().unwrap(), mean, 1e-12));
    assert!(close(d.population_std_dev().unwrap(), pvar.sqrt(), 1e-12));
    assert!(close(d.std_dev().unwrap(), svar.sqrt(), 1e-12));
    assert_eq!(d.share(Satisfied).unwrap(), 0.35);
}

#[test]
fn worked_acsi() {
    // x̄ = (8.2, 7.6, 7.9), w = (0.36, 0.32, 0.32) -> 76.8; the same from
    // unnormalised w = (0.9, 0.8, 0.8).
    let means = [8.2, 7.6, 7.9];
    for w in [[0.36, 0.32, 0.32], [0.9, 0.8, 0.8]] {
        let weights = ItemWeights::new(&w).unwrap();
        let acsi = weights.acsi(&means).unwrap();
        assert!(close(acsi, 76.8, 1e-9), "{w:?}: {acsi}");
        // Section 4.2: Σ w_j (x̄_j − 1) / (9 Σ w_j) × 100.
        let sum_w: f64 = w.iter().sum();
        let direct: f64 =
            w.iter().zip(means).map(|(w, x)| w * (x - 1.0)).sum::<f64>() / (9.0 * sum_w) * 100.0;
        assert!(close(acsi, direct, 1e-12));
        assert_eq!(weights.index(&means, Scale::ACSI).unwrap(), acsi);
    }
}

#[test]
fn worked_kano() {
    // A=40, O=25, M=10, I=20, R=3, Q=2 -> A; Better = 65/95 = 0.6842,
    // Worse = −35/95 = −0.3684.
    let t = KanoTally::from_counts(40, 25, 10, 20, 3, 2).unwrap();
    assert_eq!(t.n(), 100);
    assert_eq!(t.category().unwrap(), KanoCategory::Attractive);
    assert!(close(t.better().unwrap(), 0.6842, 5e-5));
    assert!(close(t.worse().unwrap(), -0.3684, 5e-5));
    assert!(close(t.better().unwrap(), 65.0 / 95.0, 1e-15));
    assert!(close(t.worse().unwrap(), -35.0 / 95.0, 1e-15));
}

// ---------------------------------------------------------------------------
// The scale.

#[test]
fn levels_labels_and_characteristics() {
    let want = [
        (1, "很不满意", "very dissatisfied", "negative word of mouth"),
        (2, "不满意", "dissatisfied", "amends"),
        (3, "不太满意", "somewhat dissatisfied", "lets it go"),
        (4, "一般", "neutral", "no marked feeling"),
        (5, "较满意", "somewhat satisfied", "goodwill"),
        (6, "满意", "satisfied", "recommends"),
        (7, "很满意", "very satisfied", "advocates"),
    ];
    assert_eq!(SatisfactionLevel::ALL.len(), 7);
    for (level, (n, zh, en, words)) in SatisfactionLevel::ALL.into_iter().zip(want) {
        assert_eq!(level.to_u8(), n);
        assert_eq!(u8::from(level), n);
        assert_eq!(level.chinese(), zh);
        assert_eq!(level.english(), en);
        assert_eq!(level.to_string(), en);
        assert!(level.characteristics().contains(words), "{level:?}");
        assert!(!level.characteristics_chinese().is_empty());
    }
    assert!(SatisfactionLevel::ALL.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(SatisfactionLevel::SATISFIED_THRESHOLD, Satisfied);
}

#[test]
fn scale_conversions() {
    let five: Vec<u8> = (1..=5)
        .map(|a| SatisfactionLevel::from_five_level(a).unwrap().to_u8())
        .collect();
    assert_eq!(five, [1, 2, 4, 6, 7]);
    let eleven: Vec<u8> = (0..=10)
        .map(|a| SatisfactionLevel::from_eleven_point(a).unwrap().to_u8())
        .collect();
    assert_eq!(eleven, [1, 2, 2, 3, 3, 4, 5, 5, 6, 6, 7]);
}

// ---------------------------------------------------------------------------
// Kano: every cell of the evaluation table (FORMULAS.md section 4.3).

#[test]
fn kano_table_every_cell() {
    // Rows: functional Like, Must-be, Neutral, Live-with, Dislike; columns:
    // dysfunctional in the same order.
    let table = ["QAAAO", "RIIIM", "RIIIM", "RIIIM", "RRRRQ"];
    for (f, row) in (1u8..=5).zip(table) {
        for (d, letter) in (1u8..=5).zip(row.chars()) {
            let fa = KanoAnswer::try_from(f).unwrap();
            let da = KanoAnswer::try_from(d).unwrap();
            let c = kano_category(fa, da);
            assert_eq!(c.letter(), letter, "F={f} D={d}");
            let t = KanoTally::from_raw(&[f], &[d]).unwrap();
            assert_eq!(t.count(c), 1);
            assert_eq!(t.n(), 1);
            assert_eq!(t, KanoTally::from_answers(&[(fa, da)]));
            assert_eq!(t.category().unwrap(), c);
        }
    }
    use KanoAnswer::*;
    assert_eq!(kano_category(Like, Dislike), KanoCategory::OneDimensional);
    assert_eq!(kano_category(MustBe, Dislike), KanoCategory::MustBe);
    assert_eq!(kano_category(Like, MustBe), KanoCategory::Attractive);
    assert_eq!(kano_category(Neutral, Neutral), KanoCategory::Indifferent);
    assert_eq!(kano_category(Dislike, Like), KanoCategory::Reverse);
    assert_eq!(kano_category(Like, Like), KanoCategory::Questionable);
}

#[test]
fn kano_tie_break_examples() {
    use KanoCategory::*;
    let cases = [
        ([5, 5, 5, 5, 5, 5], MustBe),
        ([5, 5, 0, 5, 5, 5], OneDimensional),
        ([5, 0, 0, 5, 5, 5], Attractive),
        ([0, 0, 0, 5, 5, 5], Indifferent),
        ([0, 0, 0, 0, 5, 5], Reverse),
        ([0, 0, 0, 0, 0, 5], Questionable),
        ([1, 0, 0, 0, 0, 0], Attractive),
    ];
    for ([a, o, m, i, r, q], want) in cases {
        let t = KanoTally::from_counts(a, o, m, i, r, q).unwrap();
        assert_eq!(t.category().unwrap(), want, "{:?}", t.counts());
    }
}

// ---------------------------------------------------------------------------
// Multi-item, level scores, Scorer.

#[test]
fn level_scores_and_overall() {
    // 5-level 100/80/60/30/0 points (best first): answers 5, 4, 3, 2, 1.
    let points = LevelScores::five_level([0.0, 30.0, 60.0, 80.0, 100.0]).unwrap();
    let levels: Vec<SatisfactionLevel> = (1..=5)
        .rev()
        .map(|a| SatisfactionLevel::from_five_level(a).unwrap())
        .collect();
    assert_eq!(
        points.score_all(&levels).unwrap(),
        [100.0, 80.0, 60.0, 30.0, 0.0]
    );
    let d = Distribution::from_levels(&levels);
    assert_eq!(points.mean(&d).unwrap(), 54.0);

    // S = Σ λ_j S_j over two items' mean points, weights 3:1.
    let other = Distribution::from_levels(&[VerySatisfied, Satisfied]);
    let s = [points.mean(&d).unwrap(), points.mean(&other).unwrap()];
    let w = ItemWeights::new(&[3.0, 1.0]).unwrap();
    assert!(close(
        w.overall(&s).unwrap(),
        0.75 * 54.0 + 0.25 * 90.0,
        1e-12
    ));
    assert_eq!(w.normalised(), &[0.75, 0.25]);
    assert_eq!(w.weights(), &[3.0, 1.0]);
    assert_eq!(w.items(), 2);

    // A scorer held behind dyn.
    let boxed: Box<dyn Scorer<Input = SatisfactionLevel, Score = f64>> =
        Box::new(LevelScores::linear(0.0, 100.0).unwrap());
    assert_eq!(boxed.score(&Neutral).unwrap(), 50.0);
}

// ---------------------------------------------------------------------------
// The satisfaction trap.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Tier {
    Loyal,
    Spurious,
    Lost,
}

#[test]
fn trap_cross_tab() {
    let rows = [
        (VerySatisfied, Tier::Loyal),
        (VerySatisfied, Tier::Lost),
        (Satisfied, Tier::Spurious),
        (Satisfied, Tier::Lost),
        (Satisfied, Tier::Loyal),
        (SomewhatSatisfied, Tier::Loyal),
        (Neutral, Tier::Lost),
        (Dissatisfied, Tier::Lost),
    ];
    let tab = SatisfactionCrossTab::from_pairs(rows).unwrap();
    assert_eq!(tab.n(), 8);
    assert_eq!(
        tab.groups().copied().collect::<Vec<_>>(),
        [Tier::Loyal, Tier::Lost, Tier::Spurious]
    );
    assert_eq!(tab.count(Satisfied, &Tier::Lost), 1);
    assert_eq!(tab.group_total(&Tier::Lost), 4);
    assert_eq!(tab.level_total(Satisfied), 3);
    assert!(close(
        tab.row_share(Satisfied, &Tier::Loyal).unwrap(),
        1.0 / 3.0,
        1e-15
    ));
    assert_eq!(tab.column_share(Neutral, &Tier::Lost).unwrap(), 0.25);
    assert_eq!(tab.column(&Tier::Lost).unwrap().top_two_box().unwrap(), 0.5);

    let trap: TrapReport = tab.trap(SatisfactionLevel::SATISFIED_THRESHOLD, |t| {
        *t != Tier::Loyal
    });
    assert_eq!(trap.satisfied(), 5);
    assert_eq!(trap.satisfied_lost(), 3);
    assert_eq!(trap.others(), 3);
    assert_eq!(trap.others_lost(), 2);
    assert_eq!(trap.satisfied_lost_share().unwrap(), 0.6);
    assert_eq!(
        tab.trap_share(SatisfactionLevel::SATISFIED_THRESHOLD, |t| *t == Tier::Lost)
            .unwrap(),
        0.4
    );

    let levels: Vec<_> = rows.iter().map(|r| r.0).collect();
    let churned: Vec<bool> = rows.iter().map(|r| r.1 == Tier::Lost).collect();
    let by_churn = SatisfactionCrossTab::from_slices(&levels, &churned).unwrap();
    assert_eq!(by_churn.trap_share(VerySatisfied, |&c| c).unwrap(), 0.5);
}

// ---------------------------------------------------------------------------
// Every invalid input.

fn invalid_value(r: Result<impl std::fmt::Debug, Error>, needle: &str) {
    match r {
        Err(e @ Error::InvalidValue { .. }) => {
            assert!(e.to_string().contains(needle), "{e} lacks {needle:?}")
        }
        other => panic!("expected InvalidValue, got {other:?}"),
    }
}

fn invalid_parameter(r: Result<impl std::fmt::Debug, Error>) {
    assert!(
        matches!(r, Err(Error::InvalidParameter { .. })),
        "expected InvalidParameter, got {r:?}"
    );
}

fn overflow(r: Result<impl std::fmt::Debug, Error>) {
    assert!(matches!(r, Err(Error::Overflow { .. })), "{r:?}");
}

#[test]
fn invalid_levels_and_conversions() {
    for bad in [0u8, 8, 200, 255] {
        invalid_value(SatisfactionLevel::try_from(bad), &format!("got {bad}"));
    }
    for bad in [0u8, 6, 255] {
        invalid_value(
            SatisfactionLevel::from_five_level(bad),
            &format!("got {bad}"),
        );
    }
    for bad in [11u8, 255] {
        invalid_value(
            SatisfactionLevel::from_eleven_point(bad),
            &format!("got {bad}"),
        );
    }
    for bad in [0u8, 6, 255] {
        invalid_value(KanoAnswer::try_from(bad), &format!("got {bad}"));
    }
}

#[test]
fn invalid_distributions() {
    invalid_value(
        Distribution::from_scores(&[1, 2, 0]),
        "response 2: must be in 1..=7, got 0",
    );
    invalid_value(
        Distribution::from_scores(&[8]),
        "response 0: must be in 1..=7, got 8",
    );
    overflow(Distribution::from_counts([u64::MAX, 0, 0, 0, 0, 0, 1]));
    let empty = Distribution::new();
    invalid_value(empty.mean(), "no responses");
    invalid_value(empty.std_dev(), "got 0");
    invalid_value(empty.population_std_dev(), "no responses");
    invalid_value(empty.top_two_box(), "no responses");
    invalid_value(empty.bottom_two_box(), "no responses");
    invalid_value(empty.csi(), "no responses");
    invalid_value(empty.share(Neutral), "no responses");
    invalid_value(Distribution::from_levels(&[Neutral]).std_dev(), "got 1");
    let mut full = Distribution::from_counts([0, 0, 0, 0, 0, 0, u64::MAX]).unwrap();
    overflow(full.record(Neutral));
    overflow(full.merge(&Distribution::from_levels(&[Neutral])));
    assert_eq!(full.counts(), [0, 0, 0, 0, 0, 0, u64::MAX]);
}

#[test]
fn invalid_scores_weights_and_scales() {
    let mut seven = [0.0; 7];
    seven[3] = f64::NAN;
    invalid_parameter(LevelScores::new(seven));
    invalid_parameter(LevelScores::five_level([
        0.0,
        1.0,
        f64::NEG_INFINITY,
        3.0,
        4.0,
    ]));
    invalid_parameter(LevelScores::linear(f64::NAN, 1.0));
    invalid_value(
        LevelScores::linear(0.0, 1.0)
            .unwrap()
            .mean(&Distribution::new()),
        "no responses",
    );

    invalid_parameter(Scale::new(1.0, 1.0));
    invalid_parameter(Scale::new(7.0, 1.0));
    invalid_parameter(Scale::new(f64::NAN, 7.0));
    invalid_parameter(Scale::new(1.0, f64::INFINITY));
    invalid_value(Scale::SEVEN_LEVEL.rescale(7.5), "got 7.5");
    invalid_value(Scale::SEVEN_LEVEL.rescale(f64::NAN), "got NaN");

    invalid_parameter(ItemWeights::new(&[]));
    for bad in [0.0, -0.1, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        invalid_parameter(ItemWeights::new(&[0.5, bad]));
    }
    invalid_parameter(ItemWeights::new(&[f64::MAX, f64::MAX]));
    let w = ItemWeights::new(&[1.0, 2.0]).unwrap();
    invalid_parameter(w.overall(&[1.0]));
    invalid_parameter(w.overall(&[1.0, 2.0, 3.0]));
    invalid_value(w.overall(&[1.0, f64::NAN]), "item 1");
    invalid_parameter(w.acsi(&[5.0]));
    invalid_value(w.acsi(&[5.0, 10.5]), "item 1");
    invalid_value(w.acsi(&[0.0, 5.0]), "item 0");
    invalid_value(w.index(&[5.0, 6.0], Scale::FIVE_LEVEL), "got 6");
}

#[test]
fn invalid_kano() {
    invalid_parameter(KanoTally::from_raw(&[1, 2, 3], &[1, 2]));
    invalid_value(
        KanoTally::from_raw(&[1, 0], &[1, 2]),
        "respondent 1, functional answer",
    );
    invalid_value(KanoTally::from_raw(&[1, 2], &[1, 6]), "got 6");
    overflow(KanoTally::from_counts(u64::MAX, 1, 0, 0, 0, 0));
    let empty = KanoTally::new();
    invalid_value(empty.category(), "no respondents");
    invalid_value(empty.better(), "A + O + M + I");
    invalid_value(empty.worse(), "A + O + M + I");
    let rq = KanoTally::from_counts(0, 0, 0, 0, 2, 1).unwrap();
    invalid_value(rq.better(), "of 3 respondents");
    let mut full = KanoTally::from_counts(0, 0, 0, 0, 0, u64::MAX).unwrap();
    overflow(full.record(KanoCategory::MustBe));
    overflow(full.merge(&rq));
}

#[test]
fn invalid_cross_tabs() {
    invalid_parameter(SatisfactionCrossTab::from_slices(
        &[Neutral, Satisfied],
        &[true],
    ));
    let tab = SatisfactionCrossTab::from_slices(&[Neutral], &[true]).unwrap();
    invalid_value(tab.row_share(Satisfied, &true), "level 6");
    invalid_value(tab.column_share(Neutral, &false), "no customers");
    invalid_value(
        tab.trap_share(Satisfied, |&c| c),
        "no customers at or above level 6",
    );
    invalid_value(
        tab.trap(Neutral, |&c| c).other_lost_share(),
        "no customers below level 4",
    );
    let empty = SatisfactionCrossTab::<bool>::new();
    invalid_value(empty.trap_share(Satisfied, |&c| c), "level 6");
}

#[cfg(feature = "serde")]
#[test]
fn serde_validates() {
    use serde_json::{from_str, to_string};
    assert_eq!(to_string(&Satisfied).unwrap(), "6");
    assert_eq!(from_str::<SatisfactionLevel>("7").unwrap(), VerySatisfied);
    assert!(from_str::<SatisfactionLevel>("0").is_err());
    assert!(from_str::<SatisfactionLevel>("8").is_err());
    assert!(from_str::<KanoAnswer>("6").is_err());
    assert_eq!(from_str::<KanoAnswer>("2").unwrap(), KanoAnswer::MustBe);

    let d = Distribution::from_counts([2, 3, 5, 10, 20, 35, 25]).unwrap();
    let json = to_string(&d).unwrap();
    assert_eq!(json, r#"{"counts":[2,3,5,10,20,35,25]}"#);
    assert_eq!(from_str::<Distribution>(&json).unwrap(), d);
    let over = format!(r#"{{"counts":[{},1,0,0,0,0,0]}}"#, u64::MAX);
    assert!(from_str::<Distribution>(&over).is_err());

    let t = KanoTally::from_counts(40, 25, 10, 20, 3, 2).unwrap();
    assert_eq!(from_str::<KanoTally>(&to_string(&t).unwrap()).unwrap(), t);
    let over = format!(
        r#"{{"attractive":{},"one_dimensional":1,"must_be":0,"indifferent":0,"reverse":0,"questionable":0}}"#,
        u64::MAX
    );
    assert!(from_str::<KanoTally>(&over).is_err());

    assert!(from_str::<Scale>(r#"{"min":7.0,"max":1.0}"#).is_err());
    assert_eq!(
        from_str::<Scale>(&to_string(&Scale::ACSI).unwrap()).unwrap(),
        Scale::ACSI
    );
    assert!(from_str::<ItemWeights>(r#"{"weights":[1.0,0.0]}"#).is_err());
    assert!(from_str::<ItemWeights>(r#"{"weights":[]}"#).is_err());
    let w = ItemWeights::new(&[0.9, 0.8, 0.8]).unwrap();
    assert_eq!(from_str::<ItemWeights>(&to_string(&w).unwrap()).unwrap(), w);
    let s = LevelScores::five_level([0.0, 30.0, 60.0, 80.0, 100.0]).unwrap();
    assert_eq!(from_str::<LevelScores>(&to_string(&s).unwrap()).unwrap(), s);

    let tab = SatisfactionCrossTab::from_pairs([(Satisfied, true), (Neutral, false)]).unwrap();
    let back: SatisfactionCrossTab<bool> = from_str(&to_string(&tab).unwrap()).unwrap();
    assert_eq!(back, tab);
    assert_eq!(back.n(), 2);
    assert_eq!(back.count(Satisfied, &true), 1);
    let dup =
        r#"{"columns":[[true,{"counts":[0,0,0,1,0,0,0]}],[true,{"counts":[0,0,0,1,0,0,0]}]]}"#;
    assert!(from_str::<SatisfactionCrossTab<bool>>(dup).is_err());
    let bad = r#"{"columns":[[true,{"counts":[0,0,0,1,0,0]}]]}"#;
    assert!(from_str::<SatisfactionCrossTab<bool>>(bad).is_err());
}

// ---------------------------------------------------------------------------
// Properties.

fn answers(max_len: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(1u8..=7, 0..max_len)
}

fn level() -> impl Strategy<Value = SatisfactionLevel> {
    (1u8..=7).prop_map(|v| SatisfactionLevel::try_from(v).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn statistics_stay_in_range(a in answers(300)) {
        let d = Distribution::from_scores(&a).unwrap();
        prop_assert_eq!(d.n(), a.len() as u64);
        if a.is_empty() {
            prop_assert!(d.csi().is_err());
            prop_assert!(d.mean().is_err());
        } else {
            let csi = d.csi().unwrap();
            prop_assert!((0.0..=100.0).contains(&csi));
            let mean = d.mean().unwrap();
            prop_assert!((1.0..=7.0).contains(&mean));
            let (t2b, b2b) = (d.top_two_box().unwrap(), d.bottom_two_box().unwrap());
            prop_assert!(t2b >= 0.0 && b2b >= 0.0 && t2b + b2b <= 1.0);
            // Against brute force over the raw answers.
            let (bm, pvar, svar) = brute(&a);
            prop_assert!(close(mean, bm, 1e-12 * bm));
            prop_assert!(close(d.population_std_dev().unwrap(), pvar.sqrt(), 1e-9));
            if a.len() >= 2 {
                prop_assert!(close(d.std_dev().unwrap(), svar.sqrt(), 1e-9));
            }
            let top = a.iter().filter(|&&x| x >= 6).count() as f64 / a.len() as f64;
            prop_assert_eq!(t2b, top);
        }
    }

    #[test]
    fn merged_equals_concatenated(a in answers(200), b in answers(200)) {
        let mut d = Distribution::from_scores(&a).unwrap();
        d.merge(&Distribution::from_scores(&b).unwrap()).unwrap();
        let all: Vec<u8> = a.iter().chain(&b).copied().collect();
        prop_assert_eq!(d, Distribution::from_scores(&all).unwrap());
        let levels: Vec<SatisfactionLevel> =
            all.iter().map(|&v| SatisfactionLevel::try_from(v).unwrap()).collect();
        prop_assert_eq!(d, Distribution::from_levels(&levels));
        let mut one_by_one = Distribution::new();
        for &l in &levels {
            one_by_one.record(l).unwrap();
        }
        prop_assert_eq!(d, one_by_one);
    }

    #[test]
    fn bad_answer_is_found(mut a in answers(100), bad in prop_oneof![Just(0u8), 8u8..=255], at in 0usize..100) {
        a.push(1);
        let at = at % a.len();
        a[at] = bad;
        let err = Distribution::from_scores(&a).unwrap_err();
        let want = format!("response {at}: must be in 1..=7, got {bad}");
        prop_assert!(err.to_string().contains(&want), "{}", err);
    }

    #[test]
    fn level_round_trips(v in any::<u8>()) {
        match SatisfactionLevel::try_from(v) {
            Ok(l) => {
                prop_assert!((1..=7).contains(&v));
                prop_assert_eq!(l.to_u8(), v);
                #[cfg(feature = "serde")]
                {
                    let json = serde_json::to_string(&l).unwrap();
                    prop_assert_eq!(&json, &v.to_string());
                    prop_assert_eq!(serde_json::from_str::<SatisfactionLevel>(&json).unwrap(), l);
                }
            }
            Err(_) => {
                prop_assert!(!(1..=7).contains(&v));
                #[cfg(feature = "serde")]
                prop_assert!(serde_json::from_str::<SatisfactionLevel>(&v.to_string()).is_err());
            }
        }
        match KanoAnswer::try_from(v) {
            Ok(a) => prop_assert_eq!(a.to_u8(), v),
            Err(_) => prop_assert!(!(1..=5).contains(&v)),
        }
    }

    #[test]
    fn distribution_serde_round_trip(counts in prop::array::uniform7(0u64..1_000_000)) {
        let d = Distribution::from_counts(counts).unwrap();
        #[cfg(feature = "serde")]
        {
            let back: Distribution = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
            prop_assert_eq!(back, d);
        }
        prop_assert_eq!(d.counts(), counts);
    }

    #[test]
    fn kano_mode_tie_break(counts in prop::array::uniform6(0u64..4)) {
        let [a, o, m, i, r, q] = counts;
        let t = KanoTally::from_counts(a, o, m, i, r, q).unwrap();
        if t.n() == 0 {
            prop_assert!(t.category().is_err());
        } else {
            // Brute force: the largest count, ties to the first of M O A I R Q.
            let order = [('M', m), ('O', o), ('A', a), ('I', i), ('R', r), ('Q', q)];
            let top = order.iter().map(|p| p.1).max().unwrap();
            let want = order.iter().find(|p| p.1 == top).unwrap().0;
            prop_assert_eq!(t.category().unwrap().letter(), want);
        }
        let core = a + o + m + i;
        if core > 0 {
            let (b, w) = (t.better().unwrap(), t.worse().unwrap());
            prop_assert!((0.0..=1.0).contains(&b) && (-1.0..=0.0).contains(&w));
            prop_assert_eq!(b, (a + o) as f64 / core as f64);
        }
    }

    #[test]
    fn kano_raw_matches_table(pairs in prop::collection::vec((1u8..=5, 1u8..=5), 0..100)) {
        let (f, d): (Vec<u8>, Vec<u8>) = pairs.iter().copied().unzip();
        let raw = KanoTally::from_raw(&f, &d).unwrap();
        let mut merged = KanoTally::new();
        for &(f, d) in &pairs {
            let c = kano_category(KanoAnswer::try_from(f).unwrap(), KanoAnswer::try_from(d).unwrap());
            let mut one = KanoTally::new();
            one.record(c).unwrap();
            merged.merge(&one).unwrap();
        }
        prop_assert_eq!(raw, merged);
    }

    #[test]
    fn acsi_in_range_and_scale_free(
        items in prop::collection::vec((1.0f64..=10.0, 0.01f64..10.0), 1..6),
        k in 0.1f64..10.0,
    ) {
        let (means, w): (Vec<f64>, Vec<f64>) = items.into_iter().unzip();
        let a = ItemWeights::new(&w).unwrap().acsi(&means).unwrap();
        prop_assert!((0.0..=100.0).contains(&a));
        let scaled: Vec<f64> = w.iter().map(|x| x * k).collect();
        let b = ItemWeights::new(&scaled).unwrap().acsi(&means).unwrap();
        prop_assert!(close(a, b, 1e-9));
    }

    #[test]
    fn cross_tab_trap_matches_brute_force(
        rows in prop::collection::vec((level(), 0u8..4), 0..120),
        split in 0usize..120,
        threshold in level(),
    ) {
        let tab = SatisfactionCrossTab::from_pairs(rows.iter().copied()).unwrap();
        let split = split.min(rows.len());
        let mut merged = SatisfactionCrossTab::from_pairs(rows[..split].iter().copied()).unwrap();
        merged.merge(&SatisfactionCrossTab::from_pairs(rows[split..].iter().copied()).unwrap()).unwrap();
        prop_assert_eq!(&merged, &tab);
        let lost = |g: &u8| *g >= 2;
        let trap = tab.trap(threshold, lost);
        let sat = rows.iter().filter(|r| r.0 >= threshold).count() as u64;
        let sat_lost = rows.iter().filter(|r| r.0 >= threshold && lost(&r.1)).count() as u64;
        let oth_lost = rows.iter().filter(|r| r.0 < threshold && lost(&r.1)).count() as u64;
        prop_assert_eq!(trap.satisfied(), sat);
        prop_assert_eq!(trap.satisfied_lost(), sat_lost);
        prop_assert_eq!(trap.others(), rows.len() as u64 - sat);
        prop_assert_eq!(trap.others_lost(), oth_lost);
        prop_assert_eq!(tab.levels(), Distribution::from_levels(&rows.iter().map(|r| r.0).collect::<Vec<_>>()));
    }
}
