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
