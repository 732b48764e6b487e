//! The command line run as a process: golden outputs for a small
//! hand-summarised log, every subcommand on the shared data sets against
//! published figures, every class of bad input (non-zero exit, one line
//! naming the line or customer, no partial output file), and labels of any
//! kind round-tripping through every subcommand's CSV.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;

mod common;
use common::data_dir;

// ---------------------------------------------------------------- helpers

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

/// A fresh directory under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "customer-value-cli-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        fs::write(&path, text).unwrap();
        path
    }

    /// The names of the files in the directory.
    fn files(&self) -> BTreeSet<String> {
        fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn run<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_customer-value"))
        .args(args)
        .output()
        .expect("run customer-value")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

/// Runs a command that must succeed; its stdout.
fn ok<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(args: &[S]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Runs a command that must fail with exit code `code` and a one-line
/// message; the message.
fn fails<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(args: &[S], code: i32) -> String {
    let out = run(args);
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}: expected exit {code}, stderr {stderr:?}"
    );
    assert_eq!(
        stderr.lines().count(),
        1,
        "{args:?}: the message is not one line: {stderr:?}"
    );
    assert!(out.stdout.is_empty(), "{args:?}: partial stdout");
    stderr
}

/// The records of a CSV text, header first, parsed by the `csv` crate.
fn records(csv_text: &str) -> Vec<Vec<String>> {
    ::csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv_text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// `output` restricted to the golden file's columns (by name) equals the
/// golden file.
fn assert_golden(output: &str, name: &str) {
    let expected = records(&fs::read_to_string(golden(name)).unwrap());
    let got = records(output);
    let header = &got[0];
    let picks: Vec<usize> = expected[0]
        .iter()
        .map(|c| {
            header
                .iter()
                .position(|h| h == c)
                .unwrap_or_else(|| panic!("{name}: no column {c:?} in {header:?}"))
        })
        .collect();
    let projected: Vec<Vec<String>> = got
        .iter()
        .map(|row| picks.iter().map(|&i| row[i].clone()).collect())
        .collect();
    assert_eq!(projected, expected, "{name}");
}

fn g(name: &str) -> String {
    golden(name).display().to_string()
}

const END: &str = "--observation-end=2024-01-31";

// ----------------------------------------------------------------- golden

#[test]
fn golden_summary() {
    let out = ok(&["summary", "-i", &g("log.csv"), END]);
    assert_eq!(out, fs::read_to_string(golden("summary.csv")).unwrap());
}

#[test]
fn golden_rfm_from_log_and_from_summary() {
    assert_golden(&ok(&["rfm", "-i", &g("log.csv"), END]), "rfm.csv");
    assert_golden(&ok(&["rfm", "--summary", &g("summary.csv")]), "rfm.csv");
}

#[test]
fn golden_clv() {
    let args = [
        "clv",
        "-i",
        &g("log.csv"),
        END,
        "--retention",
        "0.8",
        "--discount",
        "0.1",
        "--timing",
        "end",
        "--acquisition-cost",
        "1",
        // The golden rates are per day, the summary's unit (the default
        // period is a month of 30.4375 days).
        "--period",
        "unit",
    ];
    assert_eq!(
        ok(&args),
        fs::read_to_string(golden("clv.csv")).unwrap(),
        "clv"
    );
}

#[test]
fn golden_tiers_rounded_and_exact() {
    assert_golden(&ok(&["tiers", "-i", &g("log.csv"), END]), "tiers.csv");
    assert_golden(
        &ok(&["tiers", "-i", &g("log.csv"), END, "--exact"]),
        "tiers_exact.csv",
    );
}

#[test]
fn golden_stage() {
    // The golden figures are in days; stage works in weeks unless told otherwise.
    assert_golden(
        &ok(&["stage", "-i", &g("log.csv"), END, "--unit", "days"]),
        "stage.csv",
    );
}

#[test]
fn golden_predict() {
    let out = ok(&[
        "predict",
        "-i",
        &g("log.csv"),
        END,
        "--params",
        &g("bg_nbd.json"),
        "--spend-params",
        &g("gamma_gamma.json"),
        "--horizon",
        "10",
        "--periods",
        "2",
        "--period-length",
        "5",
        "--discount",
        "0.1",
    ]);
    assert_eq!(out, fs::read_to_string(golden("predict.csv")).unwrap());
}

#[test]
fn golden_predict_exact_is_close_to_the_30_digit_values() {
    let out = ok(&[
        "predict",
        "--summary",
        &g("summary.csv"),
        "--params",
        &g("bg_nbd.json"),
        "--horizon",
        "10",
        "--exact",
    ]);
    let rows = records(&out);
    // alice, from benches/peers/cli_golden_values.py.
    let p: f64 = rows[1][1].parse().unwrap();
    let e: f64 = rows[1][2].parse().unwrap();
    assert!((p - 0.361123025931).abs() < 1e-11, "{p}");
    assert!((e - 0.2878837477).abs() < 1e-9, "{e}");
    assert!(rows[1][1].len() > 10, "--exact prints every digit");
}

#[test]
fn golden_satisfaction_kano_loyalty() {
    let out = ok(&[
        "satisfaction",
        "-i",
        &g("survey.csv"),
        "--id-column",
        "respondent",
    ]);
    assert_eq!(out, fs::read_to_string(golden("satisfaction.csv")).unwrap());
    assert_golden(&ok(&["kano", "-i", &g("kano_answers.csv")]), "kano.csv");
    assert_golden(&ok(&["loyalty", "-i", &g("indicators.csv")]), "loyalty.csv");
}

#[test]
fn every_subcommand_takes_exact() {
    let log = g("log.csv");
    let (params, survey, kano, indicators) = (
        g("bg_nbd.json"),
        g("survey.csv"),
        g("kano_answers.csv"),
        g("indicators.csv"),
    );
    let runs: [Vec<&str>; 10] = [
        vec!["summary", "-i", &log, END],
        vec!["rfm", "-i", &log, END],
        vec![
            "clv",
            "-i",
            &log,
            END,
            "--retention",
            "0.8",
            "--discount",
            "0.1",
            "--timing",
            "end",
        ],
        vec!["tiers", "-i", &log, END],
        vec!["stage", "-i", &log, END],
        vec!["fit", "--model", "gamma-gamma", "-i", &log, END],
        vec![
            "predict",
            "-i",
            &log,
            END,
            "--params",
            &params,
            "--horizon",
            "3",
        ],
        vec!["satisfaction", "-i", &survey, "--id-column", "respondent"],
        vec!["kano", "-i", &kano],
        vec!["loyalty", "-i", &indicators],
    ];
    for args in runs {
        let rounded = ok(&args);
        let mut exact_args = args.clone();
        exact_args.push("--exact");
        let exact = ok(&exact_args);
        if args[0] == "fit" {
            // Fit files always hold every digit.
            assert_eq!(rounded, exact);
            continue;
        }
        assert_eq!(records(&rounded).len(), records(&exact).len(), "{args:?}");
    }
    // Every digit: alice's mean repeat purchase and mean spend.
    let exact = ok(&["summary", "-i", &log, END, "--exact"]);
    assert!(exact.contains(",17.505,"), "{exact}");
    assert!(
        exact.contains(",15.003333333333333333333333333,"),
        "{exact}"
    );
}

#[test]
fn output_file_is_replaced_whole() {
    let dir = TempDir::new();
    let out = dir.write("summary.csv", "old content\n");
    let stdout = ok(&[
        "summary".as_ref(),
        "-i".as_ref(),
        golden("log.csv").as_os_str(),
        END.as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert!(stdout.is_empty());
    assert_eq!(
        fs::read_to_string(&out).unwrap(),
        fs::read_to_string(golden("summary.csv")).unwrap()
    );
    assert_eq!(dir.files(), BTreeSet::from(["summary.csv".to_owned()]));
}

#[test]
fn reports_use_one_percent_format_and_counts_are_integers() {
    let out = run(&["tiers", "-i", &g("log.csv"), END]);
    let report = text(&out.stderr);
    // 45.01 + 25 = 70.01 of 100.51, the top 20% (one of five customers)
    // bring 45.01 / 100.51 = 44.8%.
    assert!(report.contains("bring 44.8% of the value"), "{report}");
    assert!(!report.contains(" %"), "{report}");
}

// ------------------------------------------------------------- data sets

/// CDNOW sample (Fader, Hardie & Lee 2005): 2,357 customers, 39 weeks of
/// calibration to 1997-09-30.
fn cdnow_summary(dir: &TempDir, data: &Path) -> PathBuf {
    let summary = dir.path("cdnow_weeks.csv");
    ok(&[
        "summary".as_ref(),
        "-i".as_ref(),
        data.join("cdnow/CDNOW_sample.txt").as_os_str(),
        "--delimiter".as_ref(),
        "whitespace".as_ref(),
        "--no-header".as_ref(),
        "--columns".as_ref(),
        "2,3,5".as_ref(),
        "--observation-end".as_ref(),
        "1997-09-30".as_ref(),
        "--unit".as_ref(),
        "weeks".as_ref(),
        "--exact".as_ref(),
        "-o".as_ref(),
        summary.as_os_str(),
    ]);
    summary
}

fn json_number(json: &serde_json::Value, path: &[&str]) -> f64 {
    let mut v = json;
    for key in path {
        v = &v[key];
    }
    v.as_f64()
        .unwrap_or_else(|| panic!("{path:?} is not a number in {json}"))
}

#[test]
fn cdnow_every_summary_subcommand() {
    let Some(data) = data_dir() else { return };
    let dir = TempDir::new();
    let summary = cdnow_summary(&dir, &data);
    let s = summary.display().to_string();
    let rows = records(&fs::read_to_string(&summary).unwrap());
    assert_eq!(rows.len(), 2357 + 1);
    assert_eq!(
        rows[0],
        [
            "customer_id",
            "frequency",
            "recency",
            "T",
            "monetary_value",
            "purchases",
            "transactions",
            "first_purchase",
            "last_purchase",
            "total_spend",
            "mean_spend",
            "unit_days",
            "observation_end"
        ]
    );

    // BG/NBD: r 0.243, alpha 4.414, a 0.793, b 2.426 (Fader, Hardie & Lee
    // 2005, on these 2,357 customers in weeks).
    let fit = dir.path("bgnbd.json");
    ok(&[
        "fit",
        "--model",
        "bg-nbd",
        "--summary",
        &s,
        "-o",
        &fit.display().to_string(),
    ]);
    let json: serde_json::Value = serde_json::from_str(&fs::read_to_string(&fit).unwrap()).unwrap();
    for (name, published) in [("r", 0.243), ("alpha", 4.414), ("a", 0.793), ("b", 2.426)] {
        let got = json_number(&json, &["params", name]);
        assert!(
            (got - published).abs() < 6e-4,
            "{name} {got} vs {published}"
        );
    }
    assert_eq!(
        json["customers"],
        serde_json::json!(2357),
        "a count is an integer"
    );

    // Gamma-Gamma: p 6.25, q 3.74, gamma 15.44 (Fader, Hardie & Lee 2005b).
    let spend = dir.path("gg.json");
    ok(&[
        "fit",
        "--model",
        "gamma-gamma",
        "--summary",
        &s,
        "-o",
        &spend.display().to_string(),
    ]);
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&spend).unwrap()).unwrap();
    for (name, published) in [("p", 6.25), ("q", 3.74), ("gamma", 15.44)] {
        let got = json_number(&json, &["params", name]);
        assert!(
            (got - published).abs() < 6e-3,
            "{name} {got} vs {published}"
        );
    }

    let predicted = ok(&[
        "predict",
        "--summary",
        &s,
        "--params",
        &fit.display().to_string(),
        "--spend-params",
        &spend.display().to_string(),
        "--horizon",
        "39",
        "--period-length",
        "4.348",
    ]);
    let rows = records(&predicted);
    assert_eq!(rows.len(), 2358);
    for row in &rows[1..] {
        let p: f64 = row[1].parse().unwrap();
        assert!((0.0..=1.0).contains(&p), "{row:?}");
        assert!(
            row[3].split('.').nth(1).is_some_and(|c| c.len() == 2),
            "cents: {row:?}"
        );
    }
    let expected: f64 = rows[1..].iter().map(|r| r[2].parse::<f64>().unwrap()).sum();
    assert!(expected.is_finite() && expected > 0.0);

    for args in [
        vec!["rfm", "--summary", &s],
        vec!["tiers", "--summary", &s],
        vec![
            "clv",
            "--summary",
            &s,
            "--retention",
            "0.8",
            "--discount",
            "0.01",
            "--timing",
            "end",
        ],
    ] {
        let rows = records(&ok(&args));
        assert_eq!(rows.len(), 2358, "{args:?}");
    }
}

#[test]
fn cdnow_stage_from_the_log() {
    let Some(data) = data_dir() else { return };
    let log = data.join("cdnow/CDNOW_sample.txt");
    let out = ok(&[
        "stage".as_ref(),
        "-i".as_ref(),
        log.as_os_str(),
        "--delimiter".as_ref(),
        "whitespace".as_ref(),
        "--no-header".as_ref(),
        "--columns".as_ref(),
        "2,3,5".as_ref(),
        "--observation-end".as_ref(),
        "1997-09-30".as_ref(),
        "--unit".as_ref(),
        "weeks".as_ref(),
    ]);
    let rows = records(&out);
    assert_eq!(rows.len(), 2358);
    assert_eq!(rows[0][4], "periods_since_last");
}

#[test]
fn donations_bg_bb_fit() {
    let Some(data) = data_dir() else { return };
    // Fader, Hardie & Shang (2010): alpha 1.204, beta 0.750, gamma 0.657,
    // delta 2.783.
    let out = ok(&[
        "fit".as_ref(),
        "--model".as_ref(),
        "bg-bb".as_ref(),
        "-i".as_ref(),
        data.join("donations/donations.csv").as_os_str(),
    ]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    for (name, published) in [
        ("alpha", 1.204),
        ("beta", 0.750),
        ("gamma", 0.657),
        ("delta", 2.783),
    ] {
        let got = json_number(&json, &["params", name]);
        assert!(
            (got - published).abs() < 2e-3,
            "{name} {got} vs {published}"
        );
    }
    assert_eq!(json["customers"], serde_json::json!(11104));
}

#[test]
fn sbg_fit_on_published_cohort() {
    // Fader & Hardie (2007), "How to project customer retention": the
    // high-end customers, alpha 0.668 and beta 3.806 on seven years.
    let dir = TempDir::new();
    let cohort = dir.write(
        "cohort.csv",
        "start,n\n0,1000,869,743,653,593,551,517,491\n",
    );
    let out = ok(&[
        "fit".as_ref(),
        "--model".as_ref(),
        "sbg".as_ref(),
        "-i".as_ref(),
        cohort.as_os_str(),
    ]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let alpha = json_number(&json, &["params", "alpha"]);
    let beta = json_number(&json, &["params", "beta"]);
    assert!((alpha - 0.668).abs() < 2e-3, "{alpha}");
    assert!((beta - 3.806).abs() < 1e-2, "{beta}");
}

#[test]
fn peers_logs() {
    let Some(data) = data_dir() else { return };
    // CLVTools' apparel log: 250 customers.
    let apparel = data.join("peers/clvtools_apparelTrans_2020.csv");
    let out = ok(&[
        "summary".as_ref(),
        "-i".as_ref(),
        apparel.as_os_str(),
        "--customer-column".as_ref(),
        "Id".as_ref(),
        "--date-column".as_ref(),
        "Date".as_ref(),
        "--amount-column".as_ref(),
        "Price".as_ref(),
        "--observation-end".as_ref(),
        "2006-12-31".as_ref(),
    ]);
    let rows = records(&out);
    assert_eq!(rows.len(), 250 + 1);
    // The R rfm package's orders, customers named in free text.
    let orders = data.join("peers/rfm_data_orders.csv");
    let out = ok(&[
        "rfm".as_ref(),
        "-i".as_ref(),
        orders.as_os_str(),
        "--date-column".as_ref(),
        "order_date".as_ref(),
        "--amount-column".as_ref(),
        "revenue".as_ref(),
        "--observation-end".as_ref(),
        "2006-12-31".as_ref(),
    ]);
    let rows = records(&out);
    let distinct: BTreeSet<&String> = rows[1..].iter().map(|r| &r[0]).collect();
    assert_eq!(distinct.len(), rows.len() - 1);
    assert_eq!(rows.len() - 1, 995, "rfm_data_orders has 995 customers");
}

// ------------------------------------------------------------- bad input

/// Runs `args` with `-o out.csv` over an existing `out.csv`; the command
/// must fail with `code`, a one-line message containing every `needles`,
/// leave `out.csv` as it was and no other file behind.
fn refuses(dir: &TempDir, args: &[&str], code: i32, needles: &[&str]) {
    let out = dir.write("out.csv", "old\n");
    let before = dir.files();
    let mut all: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    all.push("-o".into());
    all.push(out.display().to_string());
    let message = fails(&all, code);
    for needle in needles {
        assert!(
            message.contains(needle),
            "{args:?}: {message:?} lacks {needle:?}"
        );
    }
    assert!(message.len() < 400, "short message: {message}");
    assert_eq!(fs::read_to_string(&out).unwrap(), "old\n", "{args:?}");
    assert_eq!(dir.files(), before, "{args:?} left a file behind");
}

#[test]
fn bad_logs_name_the_line_or_customer() {
    let dir = TempDir::new();
    let header = "customer_id,date,amount\n";
    let cases: [(&str, String, &[&str]); 6] = [
        (
            "missing_column.csv",
            "cust,date,amount\na,2024-01-01,5\n".into(),
            &["line 1", "\"cust\"", "customer-value summary --help"],
        ),
        (
            "bad_amount.csv",
            format!("{header}a,2024-01-01,5\nb,2024-01-02,x\n"),
            &["line 3", "amount"],
        ),
        (
            "bad_date.csv",
            format!("{header}a,2024-01-01,5\nb,2024-13-02,4\n"),
            &["line 3", "date"],
        ),
        (
            "short_row.csv",
            format!("{header}a,2024-01-01\n"),
            &["line 2"],
        ),
        (
            "negative.csv",
            format!("{header}a,2024-01-01,5\nzed,2024-01-02,-4\n"),
            &["\"zed\""],
        ),
        (
            "overflow.csv",
            format!(
                "{header}big,2024-01-01,50000000000000000000000000000\nbig,2024-01-02,50000000000000000000000000000\n"
            ),
            &["\"big\"", "overflow"],
        ),
    ];
    for (name, content, needles) in &cases {
        let log = dir.write(name, content);
        let log = log.display().to_string();
        refuses(&dir, &["summary", "-i", &log, END], 1, needles);
        // The other subcommands that read a log say the same.
        let needles: Vec<&str> = needles
            .iter()
            .copied()
            .filter(|n| !n.contains("--help"))
            .collect();
        refuses(&dir, &["rfm", "-i", &log, END], 1, &needles);
        refuses(&dir, &["stage", "-i", &log, END], 1, &needles);
        refuses(&dir, &["tiers", "-i", &log, END], 1, &needles);
    }
}

#[test]
fn bad_summaries_name_the_customer() {
    let dir = TempDir::new();
    let s = dir.write(
        "summary.csv",
        "customer_id,frequency,recency,T,monetary_value,purchases,transactions,first_purchase,last_purchase,total_spend,mean_spend\n\
         ok,0,0,5,0,1,1,2024-01-01,2024-01-01,5,5\n\
         late,1,9,5,3,2,2,2024-01-01,2024-01-09,8,4\n",
    );
    let s = s.display().to_string();
    refuses(&dir, &["rfm", "--summary", &s], 1, &["t_x"]);
    let s2 = dir.write("lifetimes.csv", "id,frequency\n1,0\n");
    let s2 = s2.display().to_string();
    refuses(
        &dir,
        &["tiers", "--summary", &s2],
        1,
        &["line 1", "\"frequency\"", "customer-value tiers --help"],
    );
}

fn as_str(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn bad_options_are_usage_errors() {
    let dir = TempDir::new();
    let log = g("log.csv");
    let clv = |extra: &[&str]| {
        let mut args = vec![
            "clv",
            "-i",
            &log,
            END,
            "--retention",
            "0.8",
            "--discount",
            "0.1",
            "--timing",
            "end",
        ];
        args.extend_from_slice(extra);
        args.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let a = clv(&["--margin-rate", "-1"]);
    refuses(&dir, &as_str(&a), 2, &["--margin-rate", "[0, 1]"]);
    let a = clv(&["--acquisition-cost", "-5"]);
    refuses(&dir, &as_str(&a), 2, &["--acquisition-cost", ">= 0"]);
    let a = clv(&["--retention", "0.5"]);
    refuses(&dir, &as_str(&a), 2, &["--retention", "more than once"]);
    refuses(
        &dir,
        &["rfm", "-i", &log, END, "--bins", "5", "--bins", "4"],
        2,
        &["--bins", "more than once", "customer-value rfm --help"],
    );
    for value in ["1e300", "-1", "NaN", "inf"] {
        refuses(
            &dir,
            &[
                "predict",
                "-i",
                &log,
                END,
                "--params",
                &g("bg_nbd.json"),
                "--horizon",
                value,
            ],
            2,
            &["--horizon"],
        );
    }
    let message = fails(
        &[
            "predict",
            "-i",
            &log,
            END,
            "--params",
            &g("bg_nbd.json"),
            "--horizon",
            "1e300",
        ],
        2,
    );
    assert!(!message.contains("0000000000"), "{message}");
    refuses(
        &dir,
        &[
            "predict",
            "-i",
            &log,
            END,
            "--params",
            &g("bg_nbd.json"),
            "--horizon",
            "5",
            "--periods",
            "4000000000",
        ],
        2,
        &["--periods"],
    );
    refuses(&dir, &["summary", "-i", &log], 2, &["--observation-end"]);
}

#[test]
fn bad_tables_name_the_line() {
    let dir = TempDir::new();
    let d = |name: &str, content: &str| dir.write(name, content).display().to_string();
    let dup = d("dup.csv", "customer_id,A11,A12\nc1,1,2\nc2,2,3\nc1,3,4\n");
    refuses(
        &dir,
        &["loyalty", "-i", &dup],
        1,
        &["line 4", "\"c1\"", "line 2"],
    );
    let nan = d("nan.csv", "customer_id,A11,A12\nc1,1,2\nc2,x,3\n");
    refuses(&dir, &["loyalty", "-i", &nan], 1, &["line 3", "A11"]);
    let no_id = d("noid.csv", "id,A11\nc1,1\n");
    refuses(
        &dir,
        &["loyalty", "-i", &no_id],
        1,
        &[
            "line 1",
            "customer_id",
            "\"id\"",
            "customer-value loyalty --help",
        ],
    );
    let survey = g("survey.csv");
    refuses(
        &dir,
        &["satisfaction", "-i", &survey, "--items", "q2,q2"],
        2,
        &["duplicate item", "\"q2\""],
    );
    let dup_header = d("duph.csv", "a,b,a\n1,2,3\n");
    refuses(
        &dir,
        &["satisfaction", "-i", &dup_header],
        1,
        &["line 1", "\"a\""],
    );
    let bad_answer = d("ans.csv", "q1\n7\n9\n");
    refuses(
        &dir,
        &["satisfaction", "-i", &bad_answer],
        1,
        &["line 3", "q1"],
    );
    let bad_kano = d(
        "kano.csv",
        "attribute,functional,dysfunctional\nx,1,5\ny,7,1\n",
    );
    refuses(
        &dir,
        &["kano", "-i", &bad_kano],
        1,
        &["line 3", "functional"],
    );
    let bad_bgbb = d("bgbb.csv", "frequency,recency,periods\n1,1,6\n2,x,6\n");
    refuses(
        &dir,
        &["fit", "--model", "bg-bb", "-i", &bad_bgbb],
        1,
        &["line 3"],
    );
    let missing = dir.path("no-such-file.csv").display().to_string();
    refuses(
        &dir,
        &["summary", "-i", &missing, END],
        1,
        &["no-such-file.csv"],
    );
    refuses(
        &dir,
        &[
            "predict",
            "-i",
            &g("log.csv"),
            END,
            "--params",
            &g("gamma_gamma.json"),
            "--horizon",
            "5",
        ],
        1,
        &["gamma"],
    );
}

#[test]
fn unwritable_output_is_an_error_and_leaves_nothing() {
    let dir = TempDir::new();
    let target = dir.path("no-such-dir/out.csv").display().to_string();
    let message = fails(&["summary", "-i", &g("log.csv"), END, "-o", &target], 1);
    assert!(message.contains("cannot write"), "{message}");
    assert!(dir.files().is_empty());
}

// ------------------------------------------------------------- labels

/// A label as a log, survey or indicators file can hold it: non-empty, no
/// surrounding spaces (readers trim them), not all digits (so ids stay
/// strings), any of comma, quote, line breaks, semicolon and unicode.
fn label() -> impl Strategy<Value = String> {
    "[a-z0-9,\"\n\r; é中😀'#]{1,8}".prop_filter("trimmed, non-empty, not a number", |s| {
        !s.trim().is_empty() && s.trim() == s && s.parse::<u64>().is_err()
    })
}

/// The first column of every record but the header.
fn first_column(csv_text: &str) -> BTreeSet<String> {
    let rows = records(csv_text);
    let n = rows[0].len();
    rows[1..]
        .iter()
        .map(|r| {
            assert_eq!(r.len(), n, "every record has the header's fields: {r:?}");
            r[0].clone()
        })
        .collect()
}

/// A CSV line of `fields`, quoted as RFC 4180 requires.
fn csv_line(fields: &[&str]) -> String {
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(fields).unwrap();
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_label_round_trips_through_every_subcommand(
        labels in proptest::collection::btree_set(label(), 2..4)
    ) {
        let dir = TempDir::new();
        let labels: Vec<String> = labels.into_iter().collect();
        let want: BTreeSet<String> = labels.iter().cloned().collect();

        let mut log = String::from("customer_id,date,amount\n");
        let mut indicators = String::from("customer_id,A11,A12,A13,A21,A22,A31,A32,A33,A34\n");
        let mut kano = String::from("attribute,functional,dysfunctional\n");
        for (i, l) in labels.iter().enumerate() {
            log.push_str(&csv_line(&[l, &format!("2024-01-0{}", i + 1), "10.5"]));
            log.push_str(&csv_line(&[l, "2024-01-20", "4"]));
            let v = (i + 1).to_string();
            let mut row = vec![l.as_str()];
            row.extend(std::iter::repeat_n(v.as_str(), 9));
            indicators.push_str(&csv_line(&row));
            kano.push_str(&csv_line(&[l, "1", "5"]));
        }
        let header: Vec<&str> = labels.iter().map(String::as_str).collect();
        let survey = format!("{}{}", csv_line(&header), csv_line(&vec!["7"; labels.len()]));
        let log = dir.write("log.csv", &log).display().to_string();
        let summary = dir.path("summary.csv").display().to_string();
        let ids = ["--id-kind", "string"];

        ok(&["summary", "-i", &log, END, ids[0], ids[1], "-o", &summary]);
        prop_assert_eq!(first_column(&fs::read_to_string(&summary).unwrap()), want.clone());
        let runs: Vec<Vec<&str>> = vec![
            vec!["rfm", "--summary", &summary],
            vec!["rfm", "-i", &log, END, ids[0], ids[1]],
            vec!["clv", "--summary", &summary, "--retention", "0.8", "--discount", "0.1", "--timing", "end"],
            vec!["tiers", "--summary", &summary],
            vec!["stage", "-i", &log, END, ids[0], ids[1]],
        ];
        for args in &runs {
            prop_assert_eq!(first_column(&ok(args)), want.clone(), "{:?}", args);
        }
        let params = g("bg_nbd.json");
        let out = ok(&["predict", "--summary", &summary, "--params", &params, "--horizon", "5"]);
        prop_assert_eq!(first_column(&out), want.clone());
        let indicators = dir.write("ind.csv", &indicators).display().to_string();
        prop_assert_eq!(first_column(&ok(&["loyalty", "-i", &indicators])), want.clone());
        let survey = dir.write("survey.csv", &survey).display().to_string();
        prop_assert_eq!(first_column(&ok(&["satisfaction", "-i", &survey])), want.clone());
        let kano = dir.write("kano.csv", &kano).display().to_string();
        prop_assert_eq!(first_column(&ok(&["kano", "-i", &kano])), want);
    }
}
