//! The command line's inputs, run as a process: summaries in lifetimes',
//! BTYD's and CLVTools' layouts in every subcommand, units that convert or
//! are refused, fit files old and new, CLV periods, zero-spend repeat
//! buyers, and pre-aggregated customer tables.

use std::path::{Path, PathBuf};

mod common;
use common::data_dir;
use common::run;

/// A fresh scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    common::scratch("inputs", name)
}

/// Runs and expects success; returns stdout and stderr.
fn ok(args: &[&str]) -> (String, String) {
    let out = run(args);
    let (stdout, stderr) = (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    assert!(out.status.success(), "{args:?} failed: {stderr}");
    (stdout, stderr)
}

/// Runs and expects exit code 1 with a one-line message; returns it.
fn fails(args: &[&str]) -> String {
    let out = run(args);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty());
    stderr
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn lifetimes_summary() -> &'static str {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/lifetimes_cdnow_summary_days.csv"
    )
}

/// Finding 3: a lifetimes-format summary goes through fit, predict, rfm,
/// clv and tiers, with the unit it is assumed to be in said on stderr.
#[test]
fn lifetimes_summary_in_every_subcommand() {
    let dir = scratch("lifetimes");
    let summary = lifetimes_summary();
    let fit = dir.join("fit.json");
    let spend = dir.join("spend.json");
    let (_, stderr) = ok(&[
        "fit",
        "--model",
        "bg-nbd",
        "--summary",
        summary,
        "-o",
        s(&fit),
    ]);
    assert!(stderr.contains("taken to be in days"), "{stderr}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&fit).unwrap()).unwrap();
    assert_eq!(json["model"], "bg_nbd");
    assert_eq!(json["unit_days"], 1);
    assert_eq!(json["time_scale"], "continuous");
    ok(&[
        "fit",
        "--model",
        "gamma-gamma",
        "--summary",
        summary,
        "-o",
        s(&spend),
    ]);
    let (out, _) = ok(&[
        "predict",
        "--params",
        s(&fit),
        "--spend-params",
        s(&spend),
        "--summary",
        summary,
        "--horizon",
        "364",
    ]);
    assert_eq!(out.lines().count(), 2358);
    let (out, _) = ok(&["rfm", "--summary", summary]);
    assert_eq!(out.lines().count(), 2358);
    let (out, stderr) = ok(&[
        "clv",
        "--summary",
        summary,
        "--retention",
        "0.8",
        "--discount",
        "0.1",
        "--timing",
        "end",
    ]);
    assert_eq!(out.lines().count(), 2358);
    assert!(stderr.contains("no total spend"), "{stderr}");
    let (out, _) = ok(&["tiers", "--summary", summary]);
    assert_eq!(out.lines().count(), 2358);
    // The same file said to be in weeks is read in weeks.
    ok(&[
        "fit",
        "--model",
        "bg-nbd",
        "--summary",
        summary,
        "--unit",
        "weeks",
        "-o",
        s(&fit),
    ]);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&fit).unwrap()).unwrap();
    assert_eq!(json["unit_days"], 7);
}

/// BTYD's names on Fader and Hardie's CDNOW summary, in weeks: the fit
/// finds the published BG/NBD estimates (r 0.243, alpha 4.414, a 0.793,
/// b 2.426; Fader, Hardie & Lee 2005) and Gamma-Gamma's (p 6.25, q 3.74,
/// gamma 15.44).
#[test]
fn btyd_summary_fits_published_estimates() {
    let Some(data) = data_dir() else { return };
    let file = data.join("cdnow/cdnow_customers_summary_with_transactions.csv");
    let (out, _) = ok(&[
        "fit",
        "--model",
        "bg-nbd",
        "--summary",
        s(&file),
        "--unit",
        "weeks",
    ]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    for (name, published) in [("r", 0.243), ("alpha", 4.414), ("a", 0.793), ("b", 2.426)] {
        let got = json["params"][name].as_f64().unwrap();
        assert!(
            (got / published - 1.0).abs() < 2e-3,
            "{name} {got} vs {published}"
        );
    }
    let (out, _) = ok(&["fit", "--model", "gamma-gamma", "--summary", s(&file)]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    for (name, published) in [("p", 6.25), ("q", 3.74), ("gamma", 15.44)] {
        let got = json["params"][name].as_f64().unwrap();
        assert!(
            (got / published - 1.0).abs() < 2e-3,
            "{name} {got} vs {published}"
        );
    }
    // Without a spend column, the commands that need spend refuse.
    let bare = data.join("cdnow/cdnow_customers_summary.csv");
    let message = fails(&["fit", "--model", "gamma-gamma", "--summary", s(&bare)]);
    assert!(message.contains("has none"), "{message}");
    let message = fails(&[
        "clv",
        "--summary",
        s(&bare),
        "--retention",
        "0.8",
        "--discount",
        "0.1",
        "--timing",
        "end",
    ]);
    assert!(message.contains("no spend column"), "{message}");
}

/// Finding 2: a model fitted in weeks and a summary in days give the
/// figures of the weekly summary (converted exactly), and a --unit that
/// contradicts the file is refused naming both units.
#[test]
fn units_convert_or_are_refused() {
    let Some(data) = data_dir() else { return };
    let dir = scratch("units");
    let log = data.join("peers/clvtools_apparelTrans_2024.csv");
    let (weeks, days) = (dir.join("weeks.csv"), dir.join("days.csv"));
    let common = [
        "--input",
        s(&log),
        "--customer-column",
        "Id",
        "--date-column",
        "Date",
        "--amount-column",
        "Price",
        "--observation-end",
        "2006-12-31",
    ];
    let mut args = vec!["summary"];
    args.extend(common);
    ok(&[&args[..], &["--unit", "weeks", "-o", s(&weeks)]].concat());
    ok(&[&args[..], &["-o", s(&days)]].concat());
    let (fit, spend) = (dir.join("fit.json"), dir.join("spend.json"));
    ok(&[
        "fit",
        "--model",
        "bg-nbd",
        "--summary",
        s(&weeks),
        "-o",
        s(&fit),
    ]);
    ok(&[
        "fit",
        "--model",
        "gamma-gamma",
        "--summary",
        s(&weeks),
        "-o",
        s(&spend),
    ]);
    let predict = |summary: &Path, horizon: &str| {
        ok(&[
            "predict",
            "--params",
            s(&fit),
            "--spend-params",
            s(&spend),
            "--summary",
            s(summary),
            "--horizon",
            horizon,
        ])
    };
    let (in_weeks, _) = predict(&weeks, "52");
    let (in_days, stderr) = predict(&days, "364");
    // The same predictions; each file names its own horizon and unit.
    let first_five = |text: &str| -> Vec<String> {
        text.lines()
            .map(|l| l.split(',').take(5).collect::<Vec<_>>().join(","))
            .collect()
    };
    assert_eq!(first_five(&in_days), first_five(&in_weeks));
    assert!(in_days.lines().skip(1).all(|l| l.ends_with(",364,1")));
    assert!(in_weeks.lines().skip(1).all(|l| l.ends_with(",52,7")));
    assert!(stderr.contains("converted to weeks"), "{stderr}");
    // Customer 1 (the issue's figures: P(alive) 0.857, 2.10 purchases).
    let row: Vec<&str> = in_weeks.lines().nth(1).unwrap().split(',').collect();
    // Six significant digits (--exact gives every digit).
    assert_eq!(&row[..3], ["1", "0.857341", "2.10208"]);

    // lifetimes' summary of the same log in weeks, as pandas writes it.
    let pandas = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/lifetimes_apparel_summary_weeks.csv"
    );
    let (out, _) = ok(&[
        "predict",
        "--params",
        s(&fit),
        "--summary",
        pandas,
        "--unit",
        "weeks",
        "--horizon",
        "52",
    ]);
    assert!(
        out.lines()
            .nth(1)
            .unwrap()
            .starts_with("1,0.857341,2.10208,"),
        "{out}"
    );

    let message = fails(&["rfm", "--summary", s(&weeks), "--unit", "days"]);
    assert!(
        message.contains("is in weeks but --unit is in days"),
        "{message}"
    );
    assert_eq!(message.lines().count(), 1);
}

/// Fit files of the two older layouts still drive predict; a file without
/// a unit is taken to be in the summary's, said on stderr.
#[test]
fn old_fit_files_still_read() {
    let dir = scratch("old-fits");
    let summary = dir.join("summary.csv");
    std::fs::write(
        &summary,
        "customer_id,frequency,recency,T,monetary_value\n1,2,30.43,38.86,22.35\n2,0,0,38.86,0\n",
    )
    .unwrap();
    let params = r#""r": 0.242593, "alpha": 4.413532, "a": 0.792886, "b": 2.425754"#;
    let first = dir.join("first.json");
    std::fs::write(
        &first,
        format!(
            r#"{{"model": "bg_nbd", "parameters": {{{params}}}, "standard_errors": null, "log_likelihood": -9582.4, "iterations": 20, "customers": 2357.0, "rows": 1016}}"#
        ),
    )
    .unwrap();
    let (a, stderr) = ok(&[
        "predict",
        "--params",
        s(&first),
        "--summary",
        s(&summary),
        "--horizon",
        "52",
        "--unit",
        "weeks",
    ]);
    assert!(stderr.contains("does not record its unit"), "{stderr}");
    // Customer 2, x = 0 at T = 38.86: P(alive) is exactly 1 under BG/NBD.
    assert!(a.contains("\n2,1,"), "{a}");
    // Stating the file's unit gives the same figures without the note.
    let (b, stderr) = ok(&[
        "predict",
        "--params",
        s(&first),
        "--summary",
        s(&summary),
        "--horizon",
        "52",
        "--unit",
        "weeks",
        "--params-unit",
        "weeks",
    ]);
    assert_eq!(a, b);
    assert!(!stderr.contains("does not record"), "{stderr}");
    // A new file's own unit wins over a contradicting --params-unit.
    let fit = dir.join("fit.json");
    ok(&[
        "fit",
        "--model",
        "bg-nbd",
        "--summary",
        lifetimes_summary(),
        "-o",
        s(&fit),
    ]);
    let message = fails(&[
        "predict",
        "--params",
        s(&fit),
        "--summary",
        s(&summary),
        "--horizon",
        "52",
        "--params-unit",
        "weeks",
    ]);
    assert!(
        message.contains("is in days but the unit stated for it is in weeks"),
        "{message}"
    );
    let message = fails(&[
        "predict",
        "--params",
        s(&summary),
        "--summary",
        s(&summary),
        "--horizon",
        "1",
    ]);
    assert!(message.contains(s(&summary)), "{message}");
}

/// Finding 2's CLV: periods default to a month whatever the summary's unit,
/// so a daily and a weekly summary give the same CLV; with --period unit the
/// daily one is per day as before.
#[test]
fn clv_periods_default_to_a_month() {
    let dir = scratch("clv");
    let log = dir.join("log.csv");
    // 838.79 spent over 608 days (customer 1 of the apparel log to 2006-12-31,
    // rounded to a fixed example).
    std::fs::write(
        &log,
        "customer_id,date,amount\n1,2005-01-02,230.30\n1,2006-06-01,608.49\n",
    )
    .unwrap();
    let common = [
        "--input",
        s(&log),
        "--observation-end",
        "2006-09-01",
        "--retention",
        "0.8",
        "--discount",
        "0.1",
        "--timing",
        "end",
        "--exact",
    ];
    let (days, stderr) = ok(&[&["clv"][..], &common].concat());
    assert!(stderr.contains("per period of 30.4375 days"), "{stderr}");
    let (weeks, _) = ok(&[&["clv"][..], &common, &["--unit", "weeks"]].concat());
    assert_eq!(days, weeks);
    // By hand: T = 607 days = 607 / 30.4375 months; margin m = 838.79 / that;
    // end-of-period GL multiple r / (1 + i - r) = 0.8 / 0.3.
    let row: Vec<&str> = days.lines().nth(1).unwrap().split(',').collect();
    let margin: f64 = row[1].parse().unwrap();
    let clv: f64 = row[2].parse().unwrap();
    let expected = 838.79 / (607.0 / 30.4375);
    assert!((margin - expected).abs() < 1e-9, "{margin} vs {expected}");
    assert!((clv - expected * 0.8 / 0.3).abs() < 1e-9, "{clv}");
    let (per_day, _) = ok(&[&["clv"][..], &common, &["--period", "unit"]].concat());
    let row: Vec<&str> = per_day.lines().nth(1).unwrap().split(',').collect();
    let margin: f64 = row[1].parse().unwrap();
    assert!((margin - 838.79 / 607.0).abs() < 1e-9, "{margin}");
}

/// Repeat buyers whose repeat purchases total 0 are left out of a
/// Gamma-Gamma fit and counted, or refused with --zero-spend reject.
#[test]
fn zero_spend_repeat_buyers() {
    let dir = scratch("zero-spend");
    let log = dir.join("log.csv");
    let mut text = String::from("customer_id,date,amount\n");
    // Customers 1..=30 with varied positive repeat spend; customer 99 buys
    // for 12.00 and then twice for 0.00.
    for c in 1..=30u32 {
        text.push_str(&format!("{c},2024-01-01,10\n"));
        for k in 0..(c % 3 + 1) {
            text.push_str(&format!(
                "{c},2024-02-{:02},{}.{:02}\n",
                1 + k,
                5 + c % 7 * 3 + k,
                c % 100
            ));
        }
    }
    text.push_str("99,2024-01-01,12.00\n99,2024-02-01,0.00\n99,2024-02-09,0.00\n");
    std::fs::write(&log, text).unwrap();
    let common = [
        "fit",
        "--model",
        "gamma-gamma",
        "--input",
        s(&log),
        "--observation-end",
        "2024-03-31",
    ];
    let out = run(&common);
    let stderr = String::from_utf8(out.stderr).unwrap();
    // The fit itself may or may not converge on so few customers; the
    // count is reported either way before it runs.
    assert!(
        stderr.contains("1 repeat buyers whose repeat purchases total 0 left out"),
        "{stderr}"
    );
    let message = fails(&[&common[..], &["--zero-spend", "reject"]].concat());
    assert!(message.contains("customer 99"), "{message}");
    assert_eq!(message.lines().count(), 1);
}

/// The R rfm package's pre-aggregated customers (`rfm_table_customer`'s
/// input) go into rfm and tiers with the package's column names by
/// default, or any names by flag.
#[test]
fn customer_tables_in_rfm_and_tiers() {
    let Some(data) = data_dir() else { return };
    let file = data.join("peers/rfm_data_customer.csv");
    let (out, _) = ok(&["rfm", "--customers", s(&file)]);
    assert_eq!(out.lines().count(), 40_000);
    let (by_date, _) = ok(&[
        "rfm",
        "--customers",
        s(&file),
        "--last-order-column",
        "most_recent_visit",
        "--observation-end",
        "2007-01-01",
    ]);
    assert_eq!(by_date, out);
    let (out, _) = ok(&["tiers", "--customers", s(&file)]);
    assert_eq!(out.lines().count(), 40_000);
    let dir = scratch("customers");
    let small = dir.join("c.csv");
    std::fs::write(
        &small,
        "who,days,n,spent\na,10,3,30\nb,200,1,5\nc,40,2,12\n",
    )
    .unwrap();
    let (out, _) = ok(&[
        "rfm",
        "--customers",
        s(&small),
        "--customer-column",
        "who",
        "--recency-column",
        "days",
        "--orders-column",
        "n",
        "--revenue-column",
        "spent",
        "--bins",
        "3",
    ]);
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert!(rows[0].starts_with("a,10,3,30.00,3,3,3"), "{out}");
    assert!(rows[1].starts_with("b,200,1,5.00,1,1,1"), "{out}");
    let message = fails(&["rfm", "--customers", s(&small)]);
    assert!(
        message.contains("\"who\", \"days\", \"n\", \"spent\""),
        "{message}"
    );
    let out = run(&[
        "clv",
        "--customers",
        s(&small),
        "--retention",
        "0.8",
        "--discount",
        "0.1",
        "--timing",
        "end",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn dates_in_another_shape_with_date_format() {
    let dir = scratch("date_format");
    // The UCI Online Retail log's layout: US dates with a time of day,
    // neither month nor day padded.
    let us = dir.join("retail.csv");
    std::fs::write(
        &us,
        "InvoiceNo,CustomerID,InvoiceDate,Revenue\n\
         536365,17850,12/1/2010 8:26,15.30\n\
         536366,17850,12/15/2010 9:01,20.00\n\
         536367,13047,1/9/2011 10:34,54.08\n",
    )
    .unwrap();
    let iso = dir.join("iso.csv");
    std::fs::write(
        &iso,
        "InvoiceNo,CustomerID,InvoiceDate,Revenue\n\
         536365,17850,2010-12-01,15.30\n\
         536366,17850,2010-12-15,20.00\n\
         536367,13047,2011-01-09,54.08\n",
    )
    .unwrap();
    let columns = [
        "--customer-column",
        "CustomerID",
        "--date-column",
        "InvoiceDate",
        "--amount-column",
        "Revenue",
        "--observation-end",
        "2011-01-31",
    ];
    let summary = |input: &Path, extra: &[&str]| {
        let mut args = vec!["summary", "--input", s(input)];
        args.extend(columns);
        args.extend(extra);
        ok(&args).0
    };
    let want = summary(&iso, &[]);
    assert!(want.contains("\n17850,1,14,61,20.00,"), "{want}");
    assert_eq!(summary(&us, &["--date-format", "%m/%d/%Y"]), want);
    assert_eq!(
        summary(&us, &["--date-format", "%m/%d/%Y", "--stream", "always"]),
        want
    );

    // Without the format, the error names the line and the shape it expects.
    let mut args = vec!["summary", "--input", s(&us)];
    args.extend(columns);
    let err = fails(&args);
    assert!(
        err.contains("line 2") && err.contains("YYYY-MM-DD"),
        "{err}"
    );
    // A format that does not fix a date is a usage error (exit code 2).
    args.extend(["--date-format", "%m/%d"]);
    let out = run(&args);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--date-format") && err.contains("%Y"), "{err}");
}

/// A European spreadsheet export (semicolons, `dd.mm.yyyy` dates, decimal
/// commas, a byte-order mark and CRLF line ends) gives the summary of the
/// same log written the usual way; without `--decimal-comma` the error
/// names the line and the option.
#[test]
fn european_export_with_decimal_comma() {
    let dir = scratch("european");
    let european = dir.join("export.csv");
    std::fs::write(
        &european,
        "\u{feff}kunde;datum;betrag\r\n\
         1;05.01.2024;12,50\r\n\
         1;01.02.2024;7\r\n\
         2;29.02.2024;0,000001\r\n\
         1;31.03.2024;1234,05\r\n",
    )
    .unwrap();
    let plain = dir.join("plain.csv");
    std::fs::write(
        &plain,
        "customer_id,date,amount\n\
         1,2024-01-05,12.50\n\
         1,2024-02-01,7\n\
         2,2024-02-29,0.000001\n\
         1,2024-03-31,1234.05\n",
    )
    .unwrap();
    let european_args = [
        "--delimiter",
        ";",
        "--customer-column",
        "kunde",
        "--date-column",
        "datum",
        "--amount-column",
        "betrag",
        "--date-format",
        "%d.%m.%Y",
    ];
    let mut args = vec![
        "summary",
        "--input",
        s(&european),
        "--observation-end",
        "2024-12-31",
        "--exact",
    ];
    args.extend(european_args);
    let message = fails(&args);
    assert!(
        message.contains("line 2") && message.contains("--decimal-comma"),
        "{message}"
    );
    args.push("--decimal-comma");
    let (got, _) = ok(&args);
    let (want, _) = ok(&[
        "summary",
        "--input",
        s(&plain),
        "--observation-end",
        "2024-12-31",
        "--exact",
    ]);
    assert_eq!(got, want);
    assert!(want.contains("\n1,2,86,361,620.525,3,3,"), "{want}");
}

/// A refund under the default `--refunds reject` names its data row and
/// the command line's option, not the library's type; a refund on a day
/// without purchases says why `--refunds net` cannot take it.
#[test]
fn refund_errors_say_what_to_do() {
    let dir = scratch("refunds");
    let log = dir.join("refunds.csv");
    std::fs::write(
        &log,
        "customer_id,date,amount\n\
         c1,2024-01-05,50.00\n\
         c1,2024-01-05,-20.00\n\
         c2,2024-01-10,40.00\n\
         c2,2024-03-01,-40.00\n",
    )
    .unwrap();
    let message = fails(&[
        "summary",
        "--input",
        s(&log),
        "--observation-end",
        "2024-12-31",
    ]);
    assert!(message.contains("data row 2"), "{message}");
    assert!(message.contains("customer \"c1\""), "{message}");
    assert!(message.contains("--refunds net"), "{message}");
    assert!(!message.contains("RefundPolicy"), "{message}");
    let message = fails(&[
        "summary",
        "--input",
        s(&log),
        "--observation-end",
        "2024-12-31",
        "--refunds",
        "net",
    ]);
    assert!(
        message.contains("\"c2\"") && message.contains("2024-03-01"),
        "{message}"
    );
    assert!(message.contains("same day"), "{message}");
}
