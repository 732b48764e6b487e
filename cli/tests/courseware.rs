//! The courseware chapters' subcommands (issue 15), run as a process. The
//! expected figures are worked out by hand in the comments.

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::{run_in as run, stderr, stdout};

/// A fresh scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    common::scratch("courseware", name)
}

/// The worked example: acquisition cost 100; period totals 40, 40+10+5+5
/// = 60 and 40+20+10+5+5 = 80.
const CURVE: &str = "period,base_profit,increased_purchases,cost_savings,referrals,price_premium\n\
                     1,40,0,0,0,0\n2,40,10,5,5,0\n3,40,20,10,5,5\n";

fn curve_dir(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::write(dir.join("curve.csv"), CURVE).unwrap();
    dir
}

const BASE: [&str; 9] = [
    "economics",
    "--curve",
    "curve.csv",
    "--acquisition-cost",
    "100",
    "--retention",
    "0.5",
    "--discount",
    "0",
];

#[test]
fn economics_cumulative_table_and_report() {
    let dir = curve_dir("table");
    let mut args = BASE.to_vec();
    args.extend(["--tail", "repeat-last"]);
    let out = run(&dir, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    // Cumulative: −100, −100+40 = −60, −60+60 = 0, 0+80 = 80.
    assert_eq!(
        stdout(&out),
        "period,base_profit,increased_purchases,cost_savings,referrals,price_premium,total,cumulative\n\
         0,,,,,,-100.00,-100.00\n\
         1,40.00,0.00,0.00,0.00,0.00,40.00,-60.00\n\
         2,40.00,10.00,5.00,5.00,0.00,60.00,0.00\n\
         3,40.00,20.00,10.00,5.00,5.00,80.00,80.00\n"
    );
    let report = stderr(&out);
    // The cumulative profit first reaches 0 at the end of period 2.
    assert!(report.contains("breakeven: period 2"), "{report}");
    // 1/(1 − 0.5) = 2 periods.
    assert!(report.contains("expected lifetime 2 periods"), "{report}");
    // NPV at d = 0, last period repeated: −100 + 40 + 60·0.5 + 80·0.25/(1 − 0.5)
    // = −100 + 40 + 30 + 40 = 10; the steady state is the same sum.
    assert!(
        report.contains("NPV of an acquired customer: 10.00"),
        "{report}"
    );
    assert!(
        report.contains("steady-state profit per period: 10.00"),
        "{report}"
    );
}

#[test]
fn economics_retention_change() {
    let dir = curve_dir("change");
    let mut args = BASE.to_vec();
    args.extend([
        "--new-retention",
        "0.6",
        "--tail",
        "repeat-last",
        "--report",
        "report.txt",
        "-o",
        "table.csv",
    ]);
    let out = run(&dir, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let report = std::fs::read_to_string(dir.join("report.txt")).unwrap();
    // r = 0.6: −100 + 40 + 60·0.6 + 80·0.36/0.4 = −100 + 40 + 36 + 72 = 48;
    // 48/10 − 1 = +380 %; lifetimes 1/0.5 = 2 and 1/0.4 = 2.5.
    let npv = report
        .lines()
        .find(|l| l.starts_with("NPV"))
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>();
    assert_eq!(
        npv[npv.len() - 3..],
        ["10.00", "48.00", "+380.0%"],
        "{report}"
    );
    let lifetime = report
        .lines()
        .find(|l| l.starts_with("expected lifetime"))
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>();
    assert_eq!(lifetime[lifetime.len() - 2..], ["2", "2.5"], "{report}");
    let table = std::fs::read_to_string(dir.join("table.csv")).unwrap();
    assert!(table.ends_with("3,40.00,20.00,10.00,5.00,5.00,80.00,80.00\n"));
}

#[test]
fn economics_discounted_finite_horizon_and_losses() {
    let dir = curve_dir("finite");
    let out = run(
        &dir,
        &[
            "economics",
            "--curve",
            "curve.csv",
            "--acquisition-cost",
            "100",
            "--retention",
            "0.8",
            "--new-retention",
            "0.85",
            "--discount",
            "0.1",
            "--horizon",
            "2",
        ],
    );
    // Two periods fit in the curve: no --tail needed.
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stderr(&out);
    // r = 0.8: −100 + 40/1.1 + 60·0.8/1.21 = −100 + 36.3636 + 39.6694 = −23.967;
    // r = 0.85: −100 + 36.3636 + 51/1.21 = −100 + 36.3636 + 42.1488 = −21.488.
    // Steady state: −100 + 40 + 48 = −12 and −100 + 40 + 51 = −9. A loss
    // has no relative change: "-". Lifetimes 1 + 0.8 = 1.8 and 1.85.
    for (label, expected) in [
        ("NPV", ["-23.97", "-21.49", "-"]),
        ("steady-state", ["-12.00", "-9.00", "-"]),
        ("expected", ["(periods)", "1.8", "1.85"]),
    ] {
        let line = report.lines().find(|l| l.starts_with(label)).unwrap();
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words[words.len() - 3..], expected, "{report}");
    }
}

#[test]
fn economics_tail_zero_and_exact() {
    let dir = curve_dir("zero");
    let mut args = BASE.to_vec();
    args.extend(["--tail", "zero", "--exact"]);
    let out = run(&dir, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    // Nothing after period 3: −100 + 40 + 30 + 80·0.25 = −10.
    assert!(
        stderr(&out).contains("NPV of an acquired customer: -10\n"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("\n2,40,10,5,5,0,60,0\n"));
}

#[test]
fn economics_missing_component_columns_count_zero() {
    let dir = scratch("columns");
    std::fs::write(dir.join("curve.csv"), "base_profit,period\n25,1\n35,2\n").unwrap();
    let out = run(
        &dir,
        &[
            "economics",
            "--curve",
            "curve.csv",
            "--acquisition-cost",
            "50",
            "--retention",
            "0.5",
            "--discount",
            "0",
            "--horizon",
            "2",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // −50 + 25 = −25, −25 + 35 = 10; NPV −50 + 25 + 35·0.5 = −7.5.
    assert!(stdout(&out).ends_with("2,35.00,0.00,0.00,0.00,0.00,35.00,10.00\n"));
    assert!(stderr(&out).contains("NPV of an acquired customer: -7.50"));
}

#[test]
fn economics_errors_name_the_file_and_line_and_write_nothing() {
    let dir = curve_dir("economics-errors");
    std::fs::write(dir.join("gap.csv"), "period,base_profit\n1,40\n3,40\n").unwrap();
    std::fs::write(dir.join("cell.csv"), "period,base_profit\n1,40\n2,lots\n").unwrap();
    std::fs::write(dir.join("nocol.csv"), "period,profit\n1,40\n").unwrap();
    let with = |file: &'static str, extra: &[&'static str]| {
        let mut args = BASE.to_vec();
        args[2] = file;
        args.extend(extra);
        args
    };
    for (file, needle) in [
        ("gap.csv", "gap.csv: line 3: period \"3\": expected 2"),
        (
            "cell.csv",
            "cell.csv: line 3: base_profit: \"lots\" is not an amount",
        ),
        (
            "nocol.csv",
            "nocol.csv: line 1: missing column \"base_profit\"",
        ),
    ] {
        let out = run(&dir, &with(file, &["--horizon", "1"]));
        assert_eq!(out.status.code(), Some(1), "{file}");
        let err = stderr(&out);
        assert!(err.contains(needle), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // An infinite horizon past the curve needs the tail rule.
    let out = run(&dir, &BASE);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing --tail"));
    // Usage errors: a negative cost, a retention above 1, an option twice.
    for args in [
        with("curve.csv", &["--tail", "zero"])
            .iter()
            .map(|a| if *a == "100" { "-1" } else { a })
            .collect::<Vec<_>>(),
        with("curve.csv", &["--tail", "zero"])
            .iter()
            .map(|a| if *a == "0.5" { "1.5" } else { a })
            .collect(),
        with("curve.csv", &["--tail", "zero", "--discount", "0.1"]),
    ] {
        let out = run(&dir, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    // r = 1 with the last period repeated for ever diverges at d = 0:
    // a data error, and -o is not written.
    let mut args = with("curve.csv", &["--tail", "repeat-last", "-o", "out.csv"]);
    args[6] = "1";
    let out = run(&dir, &args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!dir.join("out.csv").exists());
}

/// Behaviour at an earlier date. With the default rules (repeat purchase
/// from 2 purchases, cross-buying from 2 categories, 1 referral, 1
/// declined offer, 1 tolerated failure):
/// a: no purchase -> prospect; b: 1 purchase -> purchaser;
/// c: repeat, referral, but 1 category -> customer (the supporter rung is
/// not skipped); d: repeat, cross-buying, resistance -> supporter;
/// e: + referral -> advocate; f: + partnership -> partner;
/// g: repeat, cross-buying, partner, but neither resistance nor tolerance
/// -> customer.
const EARLIER: &str = "customer_id,purchases,categories,referrals,offers_declined,failures_tolerated,partner\n\
                       a,0,0,0,0,0,0\nb,1,1,0,0,0,0\nc,3,1,2,0,0,0\nd,4,2,0,1,0,0\n\
                       e,5,3,1,0,1,0\nf,6,3,2,1,1,1\ng,2,2,0,0,0,1\n";

/// Later: b repeats (customer), c cross-buys and resists (advocate), d
/// stops (prospect), e and f stay, g is gone (prospect), h is new
/// (purchaser); a is gone and was a prospect.
const LATER: &str = "customer_id,purchases,categories,referrals,offers_declined,failures_tolerated,partner\n\
                     b,2,1,0,0,0,0\nc,3,2,2,1,0,0\nd,0,0,0,0,0,0\ne,5,3,1,0,1,0\n\
                     f,6,3,2,1,1,1\nh,1,1,0,0,0,0\n";

fn ladder_dir(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::write(dir.join("earlier.csv"), EARLIER).unwrap();
    std::fs::write(dir.join("later.csv"), LATER).unwrap();
    dir
}

#[test]
fn ladder_rungs_traits_and_report() {
    let dir = ladder_dir("rungs");
    let out = run(&dir, &["ladder", "--behaviour", "earlier.csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "customer_id,rung,traits\n\
         a,prospect,\n\
         b,purchaser,\n\
         c,customer,repeat_purchase referral\n\
         d,supporter,repeat_purchase cross_buying competitor_resistance\n\
         e,advocate,repeat_purchase cross_buying referral failure_tolerance\n\
         f,partner,repeat_purchase cross_buying referral competitor_resistance failure_tolerance partnership\n\
         g,customer,repeat_purchase cross_buying partnership\n"
    );
    // Two customers of seven on the customer rung: 28.6 %; one: 14.3 %.
    let report = stderr(&out);
    assert!(report.starts_with("7 customers\n"), "{report}");
    let customer = report.lines().find(|l| l.starts_with("customer ")).unwrap();
    assert_eq!(
        customer.split_whitespace().collect::<Vec<_>>(),
        ["customer", "2", "28.6%"]
    );
}

#[test]
fn ladder_threshold_options_and_rules_file() {
    let dir = ladder_dir("thresholds");
    // Rules whose advocate rung asks for a referral and a declined offer.
    std::fs::write(
        dir.join("rules.json"),
        r#"{"thresholds":{"min_purchases":2,"min_active_periods":0,"min_categories":2,"min_referrals":1,"min_offers_declined":1,"min_failures_tolerated":1},
            "customer":{"all_of":["repeat_purchase"]},
            "supporter":{"all_of":["cross_buying"],"any_of":["competitor_resistance","failure_tolerance"],"min_any":1},
            "advocate":{"all_of":["referral","competitor_resistance"]},
            "partner":{"all_of":["partnership"]}}"#,
    )
    .unwrap();
    // --min-purchases 3 (overriding the file's 2): g (2 purchases) has no
    // repeat purchase and drops to purchaser; e (referral, no declined
    // offer) stops at supporter; f keeps every trait.
    let out = run(
        &dir,
        &[
            "ladder",
            "--behaviour",
            "earlier.csv",
            "--rules",
            "rules.json",
            "--min-purchases",
            "3",
            "--report",
            "r.txt",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let rungs: Vec<String> = stdout(&out)
        .lines()
        .skip(1)
        .map(|l| l.split(',').take(2).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(
        rungs,
        [
            "a,prospect",
            "b,purchaser",
            "c,customer",
            "d,supporter",
            "e,supporter",
            "f,partner",
            "g,purchaser"
        ]
    );
    assert!(
        std::fs::read_to_string(dir.join("r.txt"))
            .unwrap()
            .starts_with("7 customers")
    );
}

#[test]
fn ladder_migration_between_two_dates() {
    let dir = ladder_dir("migration");
    let out = run(
        &dir,
        &["ladder", "--before", "earlier.csv", "--after", "later.csv"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // prospect: a stays a prospect (gone, and was one), h is new: purchaser.
    // purchaser: b -> customer. customer: c -> advocate, g -> prospect.
    // supporter: d -> prospect. advocate: e stays. partner: f stays.
    assert_eq!(
        stdout(&out),
        "from,prospect,purchaser,customer,supporter,advocate,partner,total\n\
         prospect,1,1,0,0,0,0,2\n\
         purchaser,0,0,1,0,0,0,1\n\
         customer,1,0,0,0,1,0,2\n\
         supporter,1,0,0,0,0,0,1\n\
         advocate,0,0,0,0,1,0,1\n\
         partner,0,0,0,0,0,1,1\n"
    );
    // Up: b, c, h = 3 of 8 (37.5 %); down: g, d = 2 (25.0 %); same: a, e, f = 3.
    assert_eq!(
        stderr(&out),
        "8 customers: 3 up (37.5%), 2 down (25.0%), 3 on the same rung (37.5%)\n"
    );
}

#[test]
fn ladder_errors() {
    let dir = ladder_dir("ladder-errors");
    std::fs::write(
        dir.join("twice.csv"),
        "customer_id,purchases\nx,1\ny,2\nx,3\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("count.csv"),
        "customer_id,purchases,referrals\nx,1,-1\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("active.csv"),
        "customer_id,purchases,active_periods,periods\nx,3,5,4\n",
    )
    .unwrap();
    std::fs::write(dir.join("bad.json"), "{\"thresholds\": 1}").unwrap();
    for (args, needle) in [
        (
            vec!["--behaviour", "twice.csv"],
            "twice.csv: line 4: customer \"x\" appears again (first on line 2)",
        ),
        (
            vec!["--behaviour", "count.csv"],
            "count.csv: line 2: referrals: \"-1\" is not a whole number",
        ),
        (vec!["--behaviour", "active.csv"], "active.csv: line 2: "),
        (
            vec!["--behaviour", "earlier.csv", "--rules", "bad.json"],
            "bad.json: ",
        ),
    ] {
        let mut full = vec!["ladder"];
        full.extend(args);
        let out = run(&dir, &full);
        assert_eq!(out.status.code(), Some(1), "{full:?}");
        let err = stderr(&out);
        assert!(err.contains(needle), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    for args in [
        vec!["ladder"],
        vec!["ladder", "--before", "earlier.csv"],
        vec![
            "ladder",
            "--behaviour",
            "earlier.csv",
            "--after",
            "later.csv",
        ],
        vec![
            "ladder",
            "--behaviour",
            "earlier.csv",
            "--min-purchases",
            "1",
        ],
        vec![
            "ladder",
            "--behaviour",
            "earlier.csv",
            "--min-referrals",
            "0",
        ],
        vec![
            "ladder",
            "--behaviour",
            "earlier.csv",
            "--min-referrals",
            "2",
            "--min-referrals",
            "3",
        ],
    ] {
        let out = run(&dir, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
}

/// A three-indicator table (one per group) and three units: the
/// capability module's documented example.
const CARD: &str = r#"[{"key":"insight","name":"analysis accuracy","group":"customer_insight","direction":"higher_is_better"},
 {"key":"lead","name":"lead time","group":"customer_creation","direction":"lower_is_better"},
 {"key":"churn","name":"churn rate","group":"customer_relationship","direction":"lower_is_better"}]"#;

const UNITS: &str =
    "unit,insight,lead,churn\nnorth,0.9,10,0.10\nsouth,0.6,4,0.20\nwest,0.7,6,0.15\n";

fn capability_dir(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::write(dir.join("card.json"), CARD).unwrap();
    std::fs::write(dir.join("units.csv"), UNITS).unwrap();
    dir
}

fn capability(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "capability",
        "--measurements",
        "units.csv",
        "--scorecard",
        "card.json",
    ];
    args.extend(extra);
    run(dir, &args)
}

#[test]
fn capability_equal_weights_min_max() {
    let dir = capability_dir("equal");
    let out = capability(&dir, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Min-max: insight 0.6..0.9, lead 4..10 reversed, churn 0.10..0.20
    // reversed. north z = (1, 0, 1), south (0, 1, 0), west (1/3, 2/3, 1/2).
    // Equal weights 1/3 per group, one indicator each: composite =
    // 100 (z1 + z2 + z3)/3 = 66.6667, 33.3333, 50; sub-scores 100 z.
    assert_eq!(
        stdout(&out),
        "unit,composite,customer_insight,customer_creation,customer_relationship\n\
         north,66.6667,100,0,100\n\
         south,33.3333,0,100,0\n\
         west,50,33.3333,66.6667,50\n"
    );
    assert!(stderr(&out).starts_with("3 units, 3 indicators\n"));
}

#[test]
fn capability_ahp_and_bounds() {
    let dir = capability_dir("ahp");
    // A consistent group matrix: weights 4/7, 2/7, 1/7.
    std::fs::write(
        dir.join("ahp.json"),
        r#"{"groups":[[1,2,4],[0.5,1,2],[0.25,0.5,1]],"customer_insight":[[1]],"customer_creation":[[1]],"customer_relationship":[[1]]}"#,
    )
    .unwrap();
    let out = capability(&dir, &["--ahp", "ahp.json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // north 100 (4/7 + 1/7) = 71.4286; south 100·2/7 = 28.5714;
    // west 100 (4/21 + 4/21 + 1/14) = 100·19/42 = 45.2381.
    assert_eq!(
        stdout(&out)
            .lines()
            .skip(1)
            .map(|l| l.split(',').take(2).collect::<Vec<_>>().join(","))
            .collect::<Vec<_>>(),
        ["north,71.4286", "south,28.5714", "west,45.2381"]
    );
    // Fixed scales: insight 0..1, lead 20 (worst)..0, churn 0.5..0.
    // north z = (0.9, (10−20)/(0−20) = 0.5, (0.1−0.5)/(0−0.5) = 0.8): 100·2.2/3 = 73.3333;
    // south (0.6, 0.8, 0.6): 66.6667; west (0.7, 0.7, 0.7): 70.
    std::fs::write(
        dir.join("b.csv"),
        "indicator,worst,best\ninsight,0,1\nlead,20,0\nchurn,0.5,0\n",
    )
    .unwrap();
    let out = capability(&dir, &["--bounds", "b.csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "unit,composite,customer_insight,customer_creation,customer_relationship\n\
         north,73.3333,90,50,80\n\
         south,66.6667,60,80,60\n\
         west,70,70,70,70\n"
    );
}

#[test]
fn capability_constant_indicator_needs_fill() {
    let dir = capability_dir("fill");
    std::fs::write(
        dir.join("units.csv"),
        "unit,insight,lead,churn\nn,0.5,10,0.1\ns,0.5,4,0.2\n",
    )
    .unwrap();
    let out = capability(&dir, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // With --fill 0.5 the constant insight scores 0.5: n = 100 (0.5 + 0 + 1)/3 = 50.
    let out = capability(&dir, &["--fill", "0.5"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("\nn,50,50,0,100\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn capability_errors() {
    let dir = capability_dir("capability-errors");
    std::fs::write(
        dir.join("extra.csv"),
        "unit,insight,lead,churn,mood\nn,1,2,3,4\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("cell.csv"),
        "unit,insight,lead,churn\nn,1,2,3\ns,1,x,3\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("twice.csv"),
        "unit,insight,lead,churn\nn,1,2,3\nn,1,2,3\n",
    )
    .unwrap();
    for (file, needle) in [
        (
            "extra.csv",
            "extra.csv: line 1: column \"mood\" is not an indicator",
        ),
        ("cell.csv", "cell.csv: line 3: lead: \"x\" is not a number"),
        ("twice.csv", "twice.csv: line 3: unit \"n\" appears again"),
    ] {
        let out = run(
            &dir,
            &[
                "capability",
                "--measurements",
                file,
                "--scorecard",
                "card.json",
            ],
        );
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(err.contains(needle), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // The standard table needs its 19 indicator columns.
    let out = run(&dir, &["capability", "--measurements", "units.csv"]);
    assert!(stderr(&out).contains("missing indicator column \"feedback_speed\""));
    for extra in [
        vec!["--equal", "--entropy"],
        vec!["--fill", "2"],
        vec!["--fill", "0.5", "--bounds", "b.csv"],
    ] {
        let out = capability(&dir, &extra);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", stderr(&out));
    }
}

/// Two brands (margins 10 and 5), one driver with coefficient 1, no
/// inertia, no discount, two years.
const EQUITY: &str = r#"{"switching":{"drivers":[{"name":"quality","kind":"value"}],"coefficients":[1],"inertia":0},
 "brands":[{"name":"A","margin":"10"},{"name":"B","margin":"5"}],
 "discount":"0","years":2,"population":"census"}"#;

/// r1 rates both brands 0: each is bought with probability 1/2. r2 rates
/// A ln 3 and B 0: A with probability e^(ln 3)/(e^(ln 3) + 1) = 3/4.
const RATINGS: &str = "customer_id,last_brand,purchases_per_year,volume,A:quality,B:quality\n\
                       r1,A,1,2,0,0\nr2,B,1,1,1.0986122886681098,0\n";

fn equity_dir(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::write(dir.join("equity.json"), EQUITY).unwrap();
    std::fs::write(dir.join("ratings.csv"), RATINGS).unwrap();
    dir
}

#[test]
fn equity_clv_per_brand_and_customer_equity() {
    let dir = equity_dir("equity");
    let out = run(
        &dir,
        &[
            "equity",
            "--model",
            "equity.json",
            "--respondents",
            "ratings.csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // One purchase a year for two years, undiscounted: CLV_j = volume x
    // margin_j x (P_1(j) + P_2(j)). r1: 2·10·(1/2 + 1/2) = 20 and
    // 2·5·1 = 10; r2: 1·10·(3/4 + 3/4) = 15 and 1·5·(1/4 + 1/4) = 2.5.
    assert_eq!(
        stdout(&out),
        "customer_id,clv_A,clv_B\nr1,20.00,10.00\nr2,15.00,2.50\n"
    );
    // Census: equity = 20 + 15 = 35 and 10 + 2.5 = 12.5; means 17.5, 6.25.
    let report = stderr(&out);
    let a = report.lines().find(|l| l.starts_with("A ")).unwrap();
    assert_eq!(
        a.split_whitespace().collect::<Vec<_>>(),
        ["A", "35.00", "17.50"]
    );
    let b = report.lines().find(|l| l.starts_with("B ")).unwrap();
    assert_eq!(
        b.split_whitespace().collect::<Vec<_>>(),
        ["B", "12.50", "6.25"]
    );
}

#[test]
fn equity_what_if_and_return_on_spend() {
    let dir = equity_dir("what-if");
    let out = run(
        &dir,
        &[
            "equity",
            "--model",
            "equity.json",
            "--respondents",
            "ratings.csv",
            "--brand",
            "A",
            "--driver",
            "quality",
            "--delta",
            "1.0986122886681098",
            "--spend",
            "5",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // A's rating up by ln 3: r1 buys A with 3/4 (CLV_A 2·10·1.5 = 30), r2
    // with 9/10 (10·1.8 = 18): 48. Return (48 − 35 − 5)/5 = 160 %.
    assert!(
        stderr(&out).contains(
            "customer equity 35.00 -> 48.00 (change 13.00), spend 5.00, return on spend 160.0%"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn equity_errors() {
    let dir = equity_dir("equity-errors");
    std::fs::write(dir.join("brand.csv"), RATINGS.replace("r2,B,", "r2,C,")).unwrap();
    std::fs::write(
        dir.join("rating.csv"),
        RATINGS.replace(",1,2,0,0", ",1,2,x,0"),
    )
    .unwrap();
    std::fs::write(
        dir.join("column.csv"),
        "customer_id,last_brand,purchases_per_year,volume,A:quality\nr1,A,1,1,0\n",
    )
    .unwrap();
    for (file, needle) in [
        (
            "brand.csv",
            "brand.csv: line 3: last_brand \"C\" is not a brand",
        ),
        (
            "rating.csv",
            "rating.csv: line 2: A:quality: \"x\" is not a number",
        ),
        (
            "column.csv",
            "column.csv: line 1: missing column \"B:quality\"",
        ),
    ] {
        let out = run(
            &dir,
            &["equity", "--model", "equity.json", "--respondents", file],
        );
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(err.contains(needle), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    for extra in [
        vec!["--brand", "A"],
        vec![
            "--brand", "Z", "--driver", "quality", "--delta", "1", "--spend", "5",
        ],
        vec![
            "--brand", "A", "--driver", "quality", "--delta", "1", "--spend", "0",
        ],
    ] {
        let mut args = vec![
            "equity",
            "--model",
            "equity.json",
            "--respondents",
            "ratings.csv",
        ];
        args.extend(extra);
        let out = run(&dir, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
}

/// Four records; fields name, email, phone (the dates are not fields).
const RECORDS: &str = "customer_id,name,email,phone,last_update,last_purchase\n\
                       1,Ann Lee,ann@x.com,+1 555 123 4567,2024-12-01,2024-11-01\n\
                       2,ann  lee,ANN@X.COM ,,2023-01-01,\n\
                       3,Bo Chen,,555-123-4567,2024-06-01,2024-01-01\n\
                       4,,bo@y.org,,,2024-12-30\n";

#[test]
fn identify_quality_and_duplicates_print_no_personal_data() {
    let dir = scratch("identify");
    std::fs::write(dir.join("records.csv"), RECORDS).unwrap();
    let out = run(
        &dir,
        &[
            "identify",
            "--records",
            "records.csv",
            "--as-of",
            "2024-12-31",
            "--key-fields",
            "email",
            "--duplicates",
            "d.csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // 1: 3 of 3 fields; updated 30 days ago, bought 60 days ago.
    // 2: name and email (2/3); updated 2023-01-01, 730 days > 365: stale;
    //    no purchase date: stale.
    // 3: name and phone (2/3), no e-mail (the key field); 213 and 365
    //    days (365 is not more than 365): fresh.
    // 4: e-mail only (1/3); no update date: stale; bought 1 day ago.
    assert_eq!(
        stdout(&out),
        "customer_id,completeness,missing_key,stale_update,stale_purchase\n\
         1,1,0,0,0\n2,0.666667,0,1,1\n3,0.666667,1,0,0\n4,0.333333,0,1,0\n"
    );
    // Mean completeness (1 + 2/3 + 2/3 + 1/3)/4 = 2/3; key coverage 3/4.
    let report = stderr(&out);
    assert!(
        report.starts_with(
            "4 records, 3 fields; mean completeness 66.7%; key fields complete in 75.0%\n"
        ),
        "{report}"
    );
    assert!(report.contains("stale: 2 not updated within 365 days (50.0%), 1 without a purchase within 365 days (25.0%)"), "{report}");
    // 1 and 2 share an e-mail once trimmed and lower-cased; 1 and 3 the
    // last nine phone digits (555 123 4567 -> 551234567).
    assert_eq!(
        std::fs::read_to_string(dir.join("d.csv")).unwrap(),
        "customer_a,customer_b,reason\n1,2,email\n1,3,phone\n"
    );
    // No value of a record is printed.
    for secret in ["Ann", "ann@", "555", "Bo Chen", "bo@y"] {
        assert!(
            !stdout(&out).contains(secret) && !report.contains(secret),
            "{secret}"
        );
    }
}

#[test]
fn identify_errors() {
    let dir = scratch("identify-errors");
    std::fs::write(dir.join("records.csv"), RECORDS).unwrap();
    std::fs::write(
        dir.join("future.csv"),
        "customer_id,email,last_update\n1,a@b.c,2025-01-01\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("date.csv"),
        "customer_id,email,last_update\n1,a@b.c,yesterday\n",
    )
    .unwrap();
    std::fs::write(dir.join("twice.csv"), "customer_id,email\n1,a\n1,b\n").unwrap();
    for (file, needle) in [
        ("future.csv", "future.csv: "),
        (
            "date.csv",
            "date.csv: line 2: last_update: \"yesterday\" is not a date",
        ),
        (
            "twice.csv",
            "twice.csv: line 3: customer \"1\" appears again (first on line 2)",
        ),
    ] {
        let out = run(
            &dir,
            &["identify", "--records", file, "--as-of", "2024-12-31"],
        );
        assert_eq!(out.status.code(), Some(1), "{file}");
        let err = stderr(&out);
        assert!(err.contains(needle), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    for extra in [
        vec![],
        vec!["--as-of", "2024-12-31", "--key-fields", "fax"],
        vec!["--as-of", "2024-12-31", "--email-field", "mail"],
        vec!["--as-of", "2024-12-31", "--phone-digits", "0"],
    ] {
        let mut args = vec!["identify", "--records", "records.csv"];
        args.extend(extra);
        let out = run(&dir, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn capability_entropy_weights_by_hand() {
    let dir = capability_dir("entropy");
    let out = capability(&dir, &["--entropy"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // z as in the equal-weights test: columns (1, 0, 1/3), (0, 1, 2/3),
    // (1, 0, 1/2). Shares p = z / column sum; e = −Σ p ln p / ln 3:
    // 0.511859, 0.612601, 0.579381; d = 1 − e; w = d / Σ d = 0.376605,
    // 0.298882, 0.324513. Composite 100 Σ w z: north 100 (w1 + w3) =
    // 70.1118, south 100 w2 = 29.8882, west 100 (w1/3 + 2 w2/3 + w3/2) =
    // 48.7046 (worked in Python with math.log).
    assert_eq!(
        stdout(&out),
        "unit,composite,customer_insight,customer_creation,customer_relationship\n\
         north,70.1118,100,0,100\n\
         south,29.8882,0,100,0\n\
         west,48.7046,33.3333,66.6667,50\n"
    );
    assert!(
        stderr(&out).contains(
            "group weights: customer_insight 0.376605, customer_creation 0.298882, customer_relationship 0.324513"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn equity_of_a_sample_scaled_to_the_market() {
    let dir = equity_dir("market");
    std::fs::write(
        dir.join("market.json"),
        EQUITY.replace(
            r#""population":"census""#,
            r#""population":{"market":1000}"#,
        ),
    )
    .unwrap();
    let base = [
        "equity",
        "--model",
        "market.json",
        "--respondents",
        "ratings.csv",
    ];
    let out = run(&dir, &base);
    assert!(out.status.success(), "{}", stderr(&out));
    // The same CLVs as the census test; equity = mean CLV x 1000:
    // A (20 + 15)/2 x 1000 = 17,500, B (10 + 2.5)/2 x 1000 = 6,250.
    let report = stderr(&out);
    let a = report.lines().find(|l| l.starts_with("A ")).unwrap();
    assert_eq!(
        a.split_whitespace().collect::<Vec<_>>(),
        ["A", "17500.00", "17.50"]
    );
    let b = report.lines().find(|l| l.starts_with("B ")).unwrap();
    assert_eq!(
        b.split_whitespace().collect::<Vec<_>>(),
        ["B", "6250.00", "6.25"]
    );
    // What-if (+ln 3 on A's quality): mean CLV_A (30 + 18)/2 = 24, so
    // 24,000; change 6,500; return on 5,000 of spend (6500 − 5000)/5000.
    let mut args = base.to_vec();
    args.extend([
        "--brand",
        "A",
        "--driver",
        "quality",
        "--delta",
        "1.0986122886681098",
        "--spend",
        "5000",
    ]);
    let out = run(&dir, &args);
    assert!(
        stderr(&out).contains(
            "customer equity 17500.00 -> 24000.00 (change 6500.00), spend 5000.00, return on spend 30.0%"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn ladder_min_active_periods_gates_repeat_purchase() {
    let dir = scratch("active-periods");
    // x1 bought 3 times in 1 active period, x2 in 3, x4 5 times in 2; x3
    // once. With --min-active-periods 2, repeat purchase needs purchases
    // >= 2 AND active periods >= 2: x1 falls back to purchaser.
    std::fs::write(
        dir.join("behaviour.csv"),
        "customer_id,purchases,active_periods,periods,categories\n\
         x1,3,1,4,1\nx2,3,3,4,1\nx3,1,1,4,1\nx4,5,2,4,1\n",
    )
    .unwrap();
    let gated = run(
        &dir,
        &[
            "ladder",
            "--behaviour",
            "behaviour.csv",
            "--min-active-periods",
            "2",
        ],
    );
    assert!(gated.status.success(), "{}", stderr(&gated));
    assert_eq!(
        stdout(&gated),
        "customer_id,rung,traits\nx1,purchaser,\nx2,customer,repeat_purchase\n\
         x3,purchaser,\nx4,customer,repeat_purchase\n"
    );
    let off = run(&dir, &["ladder", "--behaviour", "behaviour.csv"]);
    assert!(stdout(&off).contains("x1,customer,repeat_purchase\n"));
}
