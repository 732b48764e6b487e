//! Defects found by using the command line cold, as a new user would, each
//! pinned as a process test: empty logs, decimal-comma amounts, ids with
//! leading zeros, logs without amounts, units in the output files, and
//! duplicate lines.

use std::path::{Path, PathBuf};

mod common;
use common::{run, stderr, stdout};

/// A fresh scratch folder holding `log.csv` with `text`.
fn log_file(name: &str, text: &str) -> (PathBuf, PathBuf) {
    let dir = common::scratch("cold", name);
    let log = dir.join("log.csv");
    std::fs::write(&log, text).unwrap();
    (dir, log)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs and expects success; returns stdout and stderr.
fn ok(args: &[&str]) -> (String, String) {
    let out = run(args);
    assert!(out.status.success(), "{args:?} failed: {}", stderr(&out));
    (stdout(&out), stderr(&out))
}

/// Runs and expects exit code 1 and no output; returns stderr.
fn fails(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
    assert!(out.stdout.is_empty(), "{args:?}: {}", stdout(&out));
    stderr(&out)
}

/// A 0-byte log and a header-only log are refused by every command that
/// reads a log, in memory and streamed, naming the file.
#[test]
fn empty_and_header_only_logs_are_refused_naming_the_file() {
    for (name, text, says) in [
        ("zero", "", "the input is empty"),
        (
            "header",
            "customer_id,date,amount\n",
            "holds only its header",
        ),
    ] {
        let (_dir, log) = log_file(name, text);
        let end = ["--observation-end", "2024-12-31"];
        let commands: [&[&str]; 6] = [
            &["summary"],
            &["summary", "--stream", "always"],
            &["rfm"],
            &["stage"],
            &["tiers"],
            &["fit", "--model", "bg-nbd"],
        ];
        for command in commands {
            let mut args = command.to_vec();
            args.extend(["--input", s(&log)]);
            args.extend(end);
            let message = fails(&args);
            assert!(message.contains(s(&log)), "{args:?}: {message}");
            assert!(message.contains("empty input"), "{args:?}: {message}");
            assert!(message.contains(says), "{args:?}: {message}");
        }
    }
}

/// The decimal-comma errors show the user's own amount, converted.
#[test]
fn decimal_comma_errors_show_the_amount_written() {
    let (_dir, log) = log_file("comma", "customer_id;date;amount\n7;2024-01-03;2.500,75\n");
    let base = [
        "summary",
        "--observation-end",
        "2024-12-31",
        "--delimiter",
        ";",
    ];
    let mut args = base.to_vec();
    args.extend(["--input", s(&log)]);
    let message = fails(&args);
    assert!(message.contains("write 2500,75"), "{message}");
    assert!(message.contains("--decimal-comma"), "{message}");
    assert!(message.contains("2500.75"), "{message}");
    args.push("--decimal-comma");
    let message = fails(&args);
    assert!(
        message.contains("write 2500,75 (read as 2500.75)"),
        "{message}"
    );
    assert!(!message.contains("1234"), "{message}");

    let (_dir, log) = log_file("split", "customer_id,date,amount\n7,2024-01-03,12,50\n");
    let message = fails(&[
        "summary",
        "--observation-end",
        "2024-12-31",
        "--input",
        s(&log),
    ]);
    assert!(message.contains("line 2"), "{message}");
    assert!(
        message.contains("\"12,50\"") && message.contains("12.50"),
        "{message}"
    );
}

/// Under the default `--id-kind auto`, "007" and "7" are two customers,
/// written back as the file spells them, in memory and streamed alike;
/// `--id-kind numeric` reads them by value.
#[test]
fn ids_with_leading_zeros_stay_distinct() {
    let (_dir, log) = log_file(
        "zeros",
        "customer_id,date,amount\n7,2024-01-03,10\n007,2024-01-04,20\n7,2024-02-03,30\n",
    );
    let base = [
        "summary",
        "--observation-end",
        "2024-12-31",
        "--input",
        s(&log),
    ];
    let (memory, _) = ok(&base);
    let ids: Vec<&str> = memory
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids, ["007", "7"], "{memory}");
    let mut streamed = base.to_vec();
    streamed.extend(["--stream", "always"]);
    assert_eq!(ok(&streamed).0, memory);
    let mut numeric = base.to_vec();
    numeric.extend(["--id-kind", "numeric"]);
    let (by_value, _) = ok(&numeric);
    assert_eq!(by_value.lines().count(), 2, "{by_value}");
    assert!(
        by_value.lines().nth(1).unwrap().starts_with("7,2,"),
        "{by_value}"
    );
}

/// A log of 40 customers over 2024, in weeks: recency values are
/// fractions of a week.
fn weekly_log(name: &str) -> (PathBuf, PathBuf) {
    let mut text = String::from("customer_id,date,amount\n");
    for c in 0..40u32 {
        let first = 1 + c * 5 % 200;
        for k in 0..=(c % 4) {
            let day = first + k * (11 + c % 13);
            let date = customer_value::Date::parse("2024-01-01")
                .unwrap()
                .checked_add_days(i32::try_from(day).unwrap())
                .unwrap();
            text.push_str(&format!("{c},{date},{}.{:02}\n", 10 + c, (c * 37) % 100));
        }
    }
    log_file(name, &text)
}

/// Output files name their time unit: predict writes the horizon and the
/// unit on every row, rfm and stage the unit of their times; rfm's
/// thresholds print as the output prints values, so each recency cut is
/// one of the periods_since_last values in the file (not 57.99999999999999).
#[test]
fn outputs_carry_their_units_and_readable_cut_points() {
    let (dir, log) = weekly_log("units");
    let log_args = [
        "--input",
        s(&log),
        "--observation-end",
        "2024-12-31",
        "--unit",
        "weeks",
    ];
    let summary = dir.join("summary.csv");
    let mut args = vec!["summary", "-o", s(&summary)];
    args.extend(log_args);
    ok(&args);
    let fit = dir.join("fit.json");
    ok(&[
        "fit",
        "--model",
        "bg-nbd",
        "--summary",
        s(&summary),
        "-o",
        s(&fit),
    ]);
    let (predict, _) = ok(&[
        "predict",
        "--params",
        s(&fit),
        "--summary",
        s(&summary),
        "--horizon",
        "52",
    ]);
    let mut lines = predict.lines();
    assert_eq!(
        lines.next(),
        Some("customer_id,p_alive,expected_purchases,expected_spend,clv,horizon,unit_days")
    );
    for line in lines {
        assert!(line.ends_with(",52,7"), "{line}");
    }

    let (rfm, thresholds) = ok(&["rfm", "--summary", s(&summary)]);
    let mut lines = rfm.lines();
    let header = lines.next().unwrap();
    assert!(header.ends_with(",segment,unit_days"), "{header}");
    let recencies: Vec<&str> = lines
        .map(|l| {
            assert!(l.ends_with(",7"), "{l}");
            l.split(',').nth(1).unwrap()
        })
        .collect();
    assert!(thresholds.contains("in weeks"), "{thresholds}");
    let recency_line = thresholds
        .lines()
        .find(|l| l.trim_start().starts_with("recency"))
        .unwrap();
    let cuts: Vec<&str> = recency_line
        .split("<= ")
        .skip(1)
        .map(|c| c.split(',').next().unwrap())
        .collect();
    assert_eq!(cuts.len(), 4, "{recency_line}");
    for cut in cuts {
        assert!(recencies.contains(&cut), "{cut} not among {recencies:?}");
        let digits = cut.chars().filter(char::is_ascii_digit).count();
        assert!(digits <= 6, "{cut}");
    }

    let mut args = vec!["stage"];
    args.extend(log_args);
    let (stage, _) = ok(&args);
    let mut lines = stage.lines();
    assert!(lines.next().unwrap().ends_with(",risk_reason,unit_days"));
    assert!(lines.all(|l| l.ends_with(",7")), "{stage}");
}

/// Rows identical to an earlier one are counted on stderr and kept by
/// default; `--duplicates drop` removes them (the summary equals the one
/// of the log without them), `error` refuses them naming the rows; a
/// streamed summary refuses drop and error rather than ignore them.
#[test]
fn duplicate_rows_are_counted_kept_dropped_or_refused() {
    let rows = "7,2024-01-03,10\n8,2024-01-04,5\n7,2024-02-03,30\n";
    let (_dir, log) = log_file(
        "dups",
        &format!("customer_id,date,amount\n{rows}7,2024-01-03,10\n7,2024-01-03,10.0\n"),
    );
    let (_clean_dir, clean) = log_file("dups_clean", &format!("customer_id,date,amount\n{rows}"));
    let base = [
        "summary",
        "--observation-end",
        "2024-12-31",
        "--input",
        s(&log),
    ];
    let (kept, said) = ok(&base);
    assert!(
        said.contains("2 rows identical to an earlier row"),
        "{said}"
    );
    assert!(said.contains("data row 4 repeats data row 1"), "{said}");
    // Kept: customer 7 spent 10 + 10 + 10 + 30.
    assert!(
        kept.contains("\n7,1,31,363,30.00,2,4,2024-01-03,2024-02-03,60.00,"),
        "{kept}"
    );
    let mut drop = base.to_vec();
    drop.extend(["--duplicates", "drop"]);
    let (dropped, said) = ok(&drop);
    assert!(said.contains("dropped"), "{said}");
    let (want, said) = ok(&[
        "summary",
        "--observation-end",
        "2024-12-31",
        "--input",
        s(&clean),
    ]);
    assert!(!said.contains("identical"), "{said}");
    assert_eq!(dropped, want);
    let mut error = base.to_vec();
    error.extend(["--duplicates", "error"]);
    let message = fails(&error);
    assert!(
        message.contains("data row 4 repeats data row 1"),
        "{message}"
    );
    error.extend(["--stream", "always"]);
    assert_eq!(run(&error).status.code(), Some(2));
}

/// A log of customer and date only: without `--no-amount` the error says
/// to give it; with it, the summary has no money column, the purchase
/// models fit and predict (no spend columns filled), stage counts
/// purchases, and the money commands refuse it saying why.
#[test]
fn logs_without_amounts_work_for_the_purchase_models_only() {
    let mut text = String::from("customer_id,date\n");
    for c in 0..30u32 {
        for k in 0..(1 + c % 4) {
            let day = 1 + (c * 7 + k * 23) % 300;
            let date = customer_value::Date::parse("2024-01-01")
                .unwrap()
                .checked_add_days(i32::try_from(day).unwrap())
                .unwrap();
            text.push_str(&format!("{c},{date}\n"));
        }
    }
    let (dir, log) = log_file("noamount", &text);
    let end = ["--observation-end", "2024-12-31"];
    let mut args = vec!["summary", "--input", s(&log)];
    args.extend(end);
    let message = fails(&args);
    assert!(message.contains("--no-amount"), "{message}");
    args.push("--no-amount");
    let (summary_text, _) = ok(&args);
    assert!(summary_text.starts_with(
        "customer_id,frequency,recency,T,purchases,first_purchase,last_purchase,unit_days,observation_end\n"
    ));
    let summary = dir.join("summary.csv");
    std::fs::write(&summary, &summary_text).unwrap();
    let fit = dir.join("fit.json");
    ok(&[
        "fit",
        "--model",
        "bg-nbd",
        "--summary",
        s(&summary),
        "-o",
        s(&fit),
    ]);
    let mut pareto = vec![
        "fit",
        "--model",
        "pareto-nbd",
        "--input",
        s(&log),
        "--no-amount",
    ];
    pareto.extend(end);
    ok(&pareto);
    let (predict, _) = ok(&[
        "predict",
        "--params",
        s(&fit),
        "--summary",
        s(&summary),
        "--horizon",
        "30",
    ]);
    assert!(
        predict.lines().skip(1).all(|l| l.contains(",,,30,1")),
        "{predict}"
    );
    for command in [&["fit", "--model", "gamma-gamma"][..], &["rfm"], &["tiers"]] {
        let mut args = command.to_vec();
        args.extend(["--input", s(&log), "--no-amount"]);
        args.extend(end);
        let message = fails(&args);
        assert!(message.contains("spend"), "{args:?}: {message}");
    }
    let mut stage = vec!["stage", "--input", s(&log), "--no-amount"];
    stage.extend(end);
    let (stages, _) = ok(&stage);
    assert!(!stages.contains("no purchase yet"), "{stages}");
    stage.extend(["--value", "spend"]);
    assert_eq!(run(&stage).status.code(), Some(2));
}
