//! The examples in the help texts are executed (issue 11: "the help's
//! examples parse").
//!
//! Convention: every subcommand's `--help` ends its text with an
//! `Examples:` heading followed by lines that start with
//! `  customer-value ` (two spaces), one complete command line each, with no
//! quotes. They name their input files by fixed placeholder names, which
//! this test writes into a fresh directory per subcommand before running
//! the examples there, in order (so a later example may read what an
//! earlier one wrote):
//!
//! | name            | content                                                     |
//! |-----------------|-------------------------------------------------------------|
//! | `log.csv`       | a transaction log, `customer_id,date,amount`, 2023-2024     |
//! | `summary.csv`   | `customer-value summary` of it, in weeks, as of 2024-12-31  |
//! | `rules.json`    | RFM segment rules, a bare JSON array                        |
//! | `donations.csv` | BG/BB patterns `frequency,recency,periods,weights`          |
//! | `cohorts.csv`   | sBG cohorts `start,n0,n1,..`                                |
//! | `indicators.csv`| loyalty indicators `customer_id,A11,..,A34`                 |
//! | `responses.csv` | satisfaction answers `respondent,quality,price,service`     |
//! | `answers.csv`   | Kano answers `attribute,functional,dysfunctional`           |
//! | `curve.csv`     | profit by tenure `period,base_profit,..,price_premium`      |
//! | `behaviour.csv`, `behaviour_later.csv` | ladder behaviour `customer_id,purchases,..` |
//! | `ladder.json`   | the default ladder rules, spelled out                       |
//! | `units.csv`, `bounds.csv`, `capability_ahp.json` | CRM capability measurements of 4 units, scales, AHP matrices |
//! | `equity.json`, `ratings.csv` | a two-brand customer-equity model and its respondents |
//! | `records.csv`   | customer records `customer_id,name,email,phone,last_update,last_purchase` |
//! | `rows.csv`      | customer counts per distinct row `frequency,recency,T,count` |
//!
//! Each example must exit 0.

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_customer-value");

/// Every subcommand, as `customer-value --help` lists them.
const COMMANDS: [&str; 17] = [
    "summary",
    "rfm",
    "clv",
    "tiers",
    "satisfaction",
    "kano",
    "loyalty",
    "stage",
    "fit",
    "predict",
    "rows",
    "evaluate",
    "economics",
    "ladder",
    "capability",
    "equity",
    "identify",
];

/// The example command lines of a help text: the lines starting with
/// `  customer-value ` after an `Examples:` heading, up to the next line
/// that is not indented (or the end).
fn examples(help: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in help.lines() {
        if line.trim_end() == "Examples:" {
            inside = true;
            continue;
        }
        if !inside {
            continue;
        }
        if line.starts_with("  customer-value ") {
            out.push(line.trim().to_owned());
        } else if !line.starts_with(' ') {
            inside = false;
        }
    }
    out
}

/// A small log: 200 customers acquired over 2023, buying at their own
/// rate until they drop out (after each purchase with their own
/// probability), to 2024-12-31; amounts scattered around a level per
/// customer. A seeded generator keeps it the same on every run, and the
/// models fit to interior points on it.
fn log_csv() -> String {
    let mut state = 2024u64;
    let mut u = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let start = days_from_civil(2023, 1, 1);
    let mut text = String::from("customer_id,date,amount\n");
    for i in 1..=200 {
        let mut day = (u() * 365.0) as i64;
        let gap = 8.0 + (120.0 * u() * u() * 4.0).trunc();
        let dropout = 0.05 + 0.4 * u();
        let level = 1500 + (8000.0 * u()) as i64;
        while day <= 729 {
            let (y, m, d) = civil_from_days(start + day);
            let cents = level / 2 + (level as f64 * u()) as i64;
            text.push_str(&format!(
                "{i},{y:04}-{m:02}-{d:02},{}.{:02}\n",
                cents / 100,
                cents % 100
            ));
            if u() < dropout {
                break;
            }
            day += 1 + (-u().ln() * gap) as i64;
        }
    }
    text
}

/// Days since 1970-01-01 of a civil date (Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count (Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Writes every placeholder file into `dir`.
fn write_fixtures(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
    write("log.csv", &log_csv());
    write(
        "rules.json",
        r#"[{"name":"Best","r":[4,5],"f":[4,5],"m":[1,5]},{"name":"Recent","r":[4,5],"f":[1,5],"m":[1,5]}]"#,
    );
    // Fader, Hardie & Shang (2010): the donations data's 22 patterns.
    write(
        "donations.csv",
        "frequency,recency,periods,weights\n\
         0,0,6,3464\n1,1,6,1091\n1,2,6,277\n1,3,6,129\n1,4,6,87\n1,5,6,108\n1,6,6,135\n\
         2,2,6,593\n2,3,6,181\n2,4,6,117\n2,5,6,172\n2,6,6,217\n3,3,6,376\n3,4,6,146\n\
         3,5,6,205\n3,6,6,407\n4,4,6,242\n4,5,6,254\n4,6,6,559\n5,5,6,395\n5,6,6,868\n\
         6,6,6,1203\n",
    );
    // Fader & Hardie (2007): the "Regular" customers alive in years 0..7.
    write(
        "cohorts.csv",
        "start,n0,n1,n2,n3,n4,n5,n6,n7\n0,1000,631,468,382,326,289,262,241\n",
    );
    let mut indicators = String::from("customer_id,A11,A12,A13,A21,A22,A31,A32,A33,A34\n");
    for i in 1..=12u32 {
        let v = |k: u32| f64::from((i * 7 + k * 11) % 10) / 10.0;
        indicators.push_str(&format!(
            "{i},{},{},{},{},{},{},{},{},{}\n",
            v(1),
            v(2),
            v(3),
            v(4),
            v(5),
            v(6),
            v(7),
            v(8),
            v(9)
        ));
    }
    write("indicators.csv", &indicators);
    let mut responses = String::from("respondent,quality,price,service\n");
    for i in 1..=20u32 {
        let a = |k: u32| 1 + (i * 3 + k * 5) % 7;
        responses.push_str(&format!("r{i},{},{},{}\n", a(1), a(2), a(3)));
    }
    write("responses.csv", &responses);
    let mut answers = String::from("attribute,functional,dysfunctional\n");
    for i in 0..30u32 {
        let attribute = ["screen", "battery", "camera"][(i % 3) as usize];
        answers.push_str(&format!("{attribute},{},{}\n", 1 + i % 5, 1 + (i * 3) % 5));
    }
    write("answers.csv", &answers);
    // The loyalty-economics worked example: three periods of tenure.
    write(
        "curve.csv",
        "period,base_profit,increased_purchases,cost_savings,referrals,price_premium\n\
         1,40,0,0,0,0\n2,40,10,5,5,0\n3,40,20,10,5,5\n",
    );
    // Loyalty-ladder behaviour at two dates, and the default rules as JSON.
    write(
        "behaviour.csv",
        "customer_id,purchases,categories,referrals,offers_declined,failures_tolerated,partner\n\
         a,0,0,0,0,0,0\nb,1,1,0,0,0,0\nc,3,1,2,0,0,0\nd,4,2,0,1,0,0\ne,5,3,1,0,1,0\nf,6,3,2,1,1,1\n",
    );
    write(
        "behaviour_later.csv",
        "customer_id,purchases,categories,referrals,offers_declined,failures_tolerated,partner\n\
         b,2,1,0,0,0,0\nc,3,2,2,1,0,0\nd,0,0,0,0,0,0\nh,1,1,0,0,0,0\n",
    );
    write(
        "ladder.json",
        r#"{"thresholds":{"min_purchases":2,"min_active_periods":0,"min_categories":2,"min_referrals":1,"min_offers_declined":1,"min_failures_tolerated":1},"customer":{"all_of":["repeat_purchase"]},"supporter":{"all_of":["cross_buying"],"any_of":["competitor_resistance","failure_tolerance"],"min_any":1},"advocate":{"all_of":["referral"]},"partner":{"all_of":["partnership"]}}"#,
    );
    // The CRM capability scorecard's 19 standard indicators (5, 10 and 4
    // per group): four units, scales from 0 to 10 (lower is better for
    // the times and the cost), and AHP matrices of equal importance.
    const KEYS: [&str; 19] = [
        "feedback_speed",
        "knowledge_depth",
        "analysis_speed",
        "analysis_accuracy",
        "gold_share_growth",
        "development_speed",
        "customisation_breadth",
        "lead_time",
        "cost",
        "service_level",
        "delivery_speed",
        "delivery_flexibility",
        "channel_diversity",
        "ease_of_use",
        "brand_management",
        "effect_per_investment",
        "response_lead_time",
        "churn_speed",
        "complaint_resolution_time",
    ];
    let mut units = format!("unit,{}\n", KEYS.join(","));
    for (u, name) in ["north", "south", "east", "west"].iter().enumerate() {
        let values: Vec<String> = (0..KEYS.len())
            .map(|k| ((u * 3 + k * 7) % 10 + 1).to_string())
            .collect();
        units.push_str(&format!("{name},{}\n", values.join(",")));
    }
    write("units.csv", &units);
    let mut bounds = String::from("indicator,worst,best\n");
    for key in KEYS {
        let lower = [
            "lead_time",
            "cost",
            "response_lead_time",
            "churn_speed",
            "complaint_resolution_time",
        ];
        if lower.contains(&key) {
            bounds.push_str(&format!("{key},10,0\n"));
        } else {
            bounds.push_str(&format!("{key},0,10\n"));
        }
    }
    write("bounds.csv", &bounds);
    let ones = |n: usize| {
        format!(
            "[{}]",
            vec![format!("[{}]", vec!["1"; n].join(",")); n].join(",")
        )
    };
    write(
        "capability_ahp.json",
        &format!(
            r#"{{"groups":[[1,2,4],[0.5,1,2],[0.25,0.5,1]],"customer_insight":{},"customer_creation":{},"customer_relationship":{}}}"#,
            ones(5),
            ones(10),
            ones(4)
        ),
    );
    // A two-brand, one-driver customer-equity model and two respondents.
    write(
        "equity.json",
        r#"{"switching":{"drivers":[{"name":"quality","kind":"value"}],"coefficients":[1],"inertia":0.5},"brands":[{"name":"A","margin":"10"},{"name":"B","margin":"5"}],"discount":"0.1","years":3,"population":"census"}"#,
    );
    write(
        "ratings.csv",
        "customer_id,last_brand,purchases_per_year,volume,A:quality,B:quality\nr1,A,2,1,4,3\nr2,B,1,2,3,5\n",
    );
    // Customer records with gaps, stale dates and two duplicates.
    write(
        "records.csv",
        "customer_id,name,email,phone,last_update,last_purchase\n\
         1,Ann Lee,ann@x.com,+1 555 123 4567,2024-12-01,2024-11-01\n\
         2,ann  lee,ANN@X.COM ,,2023-01-01,\n\
         3,Bo Chen,,555-123-4567,2024-06-01,2024-01-01\n\
         4,,bo@y.org,,,2024-12-30\n",
    );
    // Customer counts per distinct (x, t_x, T), as a GROUP BY gives them.
    write(
        "rows.csv",
        "frequency,recency,T,count\n0,0,38,140\n1,10,38,25\n1,30,38,20\n2,20,37,10\n\
         2,35,37,12\n3,30,36,6\n5,35,38,5\n7,36,38,4\n1,2,36,8\n2,6,38,5\n4,12,37,3\n",
    );
    // The summary last: it is written by the binary itself.
    let out = Command::new(BIN)
        .args([
            "summary",
            "--input",
            "log.csv",
            "--observation-end",
            "2024-12-31",
            "--unit",
            "weeks",
            "-o",
            "summary.csv",
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "writing summary.csv: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn scratch(command: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "customer-value-help-{}-{command}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_example_extractor_reads_the_convention() {
    let help = "x: y\n\nUsage: x\n\nExamples:\n  customer-value a --b c\n  customer-value d\n\nLog options:\n  customer-value not-an-example\n";
    assert_eq!(
        examples(help),
        ["customer-value a --b c", "customer-value d"]
    );
    assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
    assert_eq!(days_from_civil(1970, 1, 1), 0);
}

#[test]
fn every_subcommand_help_has_examples_that_run() {
    let mut failures = Vec::new();
    for command in COMMANDS {
        let help = Command::new(BIN)
            .args([command, "--help"])
            .output()
            .unwrap();
        assert!(help.status.success(), "{command} --help failed");
        let text = String::from_utf8(help.stdout).unwrap();
        let lines = examples(&text);
        if lines.is_empty() {
            failures.push(format!("{command}: no `Examples:` section in --help"));
            continue;
        }
        let dir = scratch(command);
        write_fixtures(&dir);
        for line in &lines {
            assert!(
                !line.contains(['"', '\'', '\\']),
                "{command}: examples are plain words: {line}"
            );
            let mut words = line.split_whitespace();
            assert_eq!(words.next(), Some("customer-value"));
            let args: Vec<&str> = words.collect();
            if !line.starts_with(&format!("customer-value {command}"))
                && !line.starts_with("customer-value fit")
            {
                failures.push(format!("{command}: example of another command: {line}"));
            }
            let out = Command::new(BIN)
                .args(&args)
                .current_dir(&dir)
                .output()
                .unwrap();
            if !out.status.success() {
                failures.push(format!(
                    "{command}: `{line}` exited {:?}: {}",
                    out.status.code(),
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
