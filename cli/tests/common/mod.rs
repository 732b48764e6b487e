//! Helpers shared by the command line's process tests.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::PathBuf;

/// The shared data sets (`$CUSTOMER_VALUE_DATA`, or `../shared/data` beside
/// the workspace), or `None` with a note when they are absent; under CI
/// their absence is a failure.
pub fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("CUSTOMER_VALUE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    if dir.is_dir() {
        Some(dir)
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but the data folder {} is missing",
            dir.display()
        );
        eprintln!(
            "skipped: data folder {} not found (set CUSTOMER_VALUE_DATA to run the data-set tests)",
            dir.display()
        );
        None
    }
}

/// A fresh, empty scratch folder `cv-{suite}-{pid}-{name}` under the
/// system's temporary directory.
pub fn scratch(suite: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cv-{suite}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the command line with `args` in the current directory.
pub fn run(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_customer-value"))
        .args(args)
        .output()
        .expect("run customer-value")
}

/// Runs the command line with `args` in `dir`.
pub fn run_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_customer-value"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run customer-value")
}

/// Runs a command in `dir` that must succeed; its stdout.
pub fn ok_in(dir: &std::path::Path, args: &[&str]) -> String {
    let out = run_in(dir, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out)
}

/// A finished command's stdout as text.
pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8 stdout")
}

/// A finished command's stderr as text.
pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("UTF-8 stderr")
}

/// A fresh scratch folder holding `s.csv`, the CDNOW sample summarised in
/// weeks to 1997-09-30 (Fader, Hardie & Lee 2005's calibration), or `None`
/// when the data folder is absent.
pub fn cdnow_weekly_summary(suite: &str, name: &str) -> Option<PathBuf> {
    let data = data_dir()?;
    let dir = scratch(suite, name);
    let cdnow = data.join("cdnow/CDNOW_sample.txt");
    ok_in(
        &dir,
        &[
            "summary",
            "--input",
            cdnow.to_str().unwrap(),
            "--delimiter",
            "whitespace",
            "--no-header",
            "--columns",
            "2,3,5",
            "--observation-end",
            "1997-09-30",
            "--unit",
            "weeks",
            "-o",
            "s.csv",
        ],
    );
    Some(dir)
}
