//! Process tests of `customer-value summary --stream`: the streamed output
//! equals the in-memory one, and a run killed with SIGKILL leaves no
//! output, while its spill files are removed by the next run.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::run;
use common::scratch;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_customer-value"))
}

/// A seeded log of `rows` rows over `customers` customers, out of date
/// order, with string ids when `names`.
fn log(rows: u64, customers: u64, names: bool) -> String {
    let mut text = String::from("customer_id,date,amount,category\n");
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..rows {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let c = x % customers;
        let day = (x >> 20) % 700;
        let cents = (x >> 40) % 20000 + 1;
        let date = customer_value::Date::parse("2023-01-01")
            .unwrap()
            .checked_add_days(day as i32)
            .unwrap();
        let id = if names {
            format!("cust-{c}")
        } else {
            c.to_string()
        };
        let cat = ["", "a", "b"][(x >> 60) as usize % 3];
        let _ = writeln!(text, "{id},{date},{}.{:02},{cat}", cents / 100, cents % 100);
    }
    text
}

fn summary_args<'a>(input: &'a str, output: &'a str) -> Vec<&'a str> {
    vec![
        "summary",
        "--input",
        input,
        "--observation-end",
        "2024-06-30",
        "--holdout-end",
        "2024-12-31",
        "--category-column",
        "category",
        "-o",
        output,
    ]
}

#[test]
fn streamed_output_equals_in_memory_output() {
    let dir = scratch("stream", "same");
    for (k, names) in [false, true].into_iter().enumerate() {
        let input = dir.join(format!("log{k}.csv"));
        std::fs::write(&input, log(3000, 400, names)).unwrap();
        let input = input.to_str().unwrap();
        let mut outputs = Vec::new();
        for (mode, extra) in [
            ("never", vec![]),
            ("always", vec!["--memory", "16MiB"]),
            ("auto", vec!["--stream-threshold", "1KB", "--quiet"]),
            ("auto-exact", vec!["--stream", "always", "--exact"]),
            ("never-exact", vec!["--stream", "never", "--exact"]),
        ] {
            let out = dir.join(format!("{mode}-{k}.csv"));
            let hold = dir.join(format!("{mode}-{k}-holdout.csv"));
            let mut args = summary_args(input, out.to_str().unwrap());
            args.extend(["--holdout-only", hold.to_str().unwrap()]);
            if !mode.contains('-') {
                args.extend(["--stream", mode.split('-').next().unwrap()]);
            }
            args.extend(extra);
            let o = run(&args);
            assert!(
                o.status.success(),
                "{mode}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            outputs.push((
                std::fs::read(&out).unwrap(),
                std::fs::read(&hold).unwrap(),
                String::from_utf8(o.stderr).unwrap(),
            ));
        }
        assert_eq!(outputs[0], outputs[1]);
        assert_eq!(outputs[0], outputs[2]);
        assert_eq!(outputs[3], outputs[4]);
        assert!(
            outputs[0].2.contains("3000 transactions read"),
            "{}",
            outputs[0].2
        );
    }
    // Bad input: the same message, with the line counted from the start.
    let bad = dir.join("bad.csv");
    let mut text = log(2000, 100, false);
    text.push_str("5,2024-02-30,1,a\n");
    std::fs::write(&bad, text).unwrap();
    let out = dir.join("bad-out.csv");
    let mut messages = Vec::new();
    for mode in ["never", "always"] {
        let mut args = summary_args(bad.to_str().unwrap(), out.to_str().unwrap());
        args.extend(["--stream", mode]);
        let o = run(&args);
        assert_eq!(o.status.code(), Some(1));
        messages.push(String::from_utf8(o.stderr).unwrap());
    }
    assert_eq!(messages[0], messages[1]);
    assert!(messages[0].contains("line 2002"), "{}", messages[0]);
    assert!(!out.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Spill directories in `dir`.
fn spill_dirs(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("customer-value-spill-"))
        .collect()
}

#[test]
fn killed_run_leaves_no_output_and_the_next_run_cleans_up() {
    let dir = scratch("stream", "kill");
    let spill = dir.join("spill");
    std::fs::create_dir_all(&spill).unwrap();
    let input = dir.join("log.csv");
    std::fs::write(&input, log(200_000, 20_000, false)).unwrap();
    let out = dir.join("out.csv");
    let mut args = summary_args(input.to_str().unwrap(), out.to_str().unwrap());
    args.extend([
        "--stream",
        "always",
        "--memory",
        "16MiB",
        "--temp-dir",
        spill.to_str().unwrap(),
    ]);
    let mut child = bin().args(&args).stderr(Stdio::null()).spawn().unwrap();
    // Kill it (SIGKILL) as soon as it has started spilling.
    let start = Instant::now();
    while spill_dirs(&spill).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no spill directory"
        );
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(Duration::from_millis(20));
    let finished = child.try_wait().unwrap().is_some();
    child.kill().unwrap_or(());
    child.wait().unwrap();
    if !finished {
        assert!(!out.exists(), "a killed run left an output");
        assert_eq!(
            spill_dirs(&spill).len(),
            1,
            "the killed run's spill directory is left"
        );
    }
    // The next run succeeds, removes the leftovers, and writes what the
    // in-memory path writes.
    let o = run(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(spill_dirs(&spill).is_empty(), "leftovers removed");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary output left");
    let streamed = std::fs::read(&out).unwrap();
    let memory_out = dir.join("memory.csv");
    let mut args = summary_args(input.to_str().unwrap(), memory_out.to_str().unwrap());
    args.extend(["--stream", "never"]);
    assert!(run(&args).status.success());
    assert_eq!(streamed, std::fs::read(&memory_out).unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn usage_errors() {
    for (option, value) in [("--stream", "sometimes"), ("--memory", "lots")] {
        let o = run(&[
            "summary",
            "--input",
            "x.csv",
            "--observation-end",
            "2024-01-01",
            option,
            value,
        ]);
        assert_eq!(o.status.code(), Some(2), "{option} {value}");
    }
}

/// With the feature `parquet`, a `.parquet` input is read as Parquet and
/// gives the CSV log's summary (the library's `tests/data` files).
#[cfg(feature = "parquet")]
#[test]
fn parquet_input_gives_the_csv_summary() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data");
    let dir = scratch("stream", "parquet");
    let mut outputs = Vec::new();
    for input in ["stream_log.csv", "stream_log.parquet"] {
        let out = dir.join(format!("{input}.out"));
        let input = data.join(input);
        let o = run(&summary_args(
            input.to_str().unwrap(),
            out.to_str().unwrap(),
        ));
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        outputs.push(std::fs::read(&out).unwrap());
    }
    assert_eq!(outputs[0], outputs[1]);
    std::fs::remove_dir_all(&dir).unwrap();
}
