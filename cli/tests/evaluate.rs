//! `customer-value evaluate`: the CDNOW holdout figures of Fader, Hardie &
//! Lee (2005a) from the command line, the ranked comparison and the usage
//! errors.

use std::path::{Path, PathBuf};

mod common;
use common::{ok_in as ok, run_in as run};

const LOG_ARGS: [&str; 13] = [
    "--delimiter",
    "whitespace",
    "--no-header",
    "--columns",
    "2,3,5",
    "--observation-end",
    "1997-09-30",
    "--holdout-end",
    "1998-06-30",
    "--unit",
    "weeks",
    "--input",
    "",
];

fn log_args(cdnow: &Path) -> Vec<String> {
    let mut v: Vec<String> = LOG_ARGS.iter().map(|s| s.to_string()).collect();
    *v.last_mut().unwrap() = cdnow.to_str().unwrap().to_owned();
    v
}

/// A CDNOW summary with holdout columns and a BG/NBD fit on it.
fn cdnow(name: &str) -> Option<(PathBuf, PathBuf)> {
    let data = common::data_dir()?;
    let dir = common::scratch("evaluate", name);
    let cdnow = data.join("cdnow/CDNOW_sample.txt");
    let mut args = vec!["summary".to_owned()];
    args.extend(log_args(&cdnow));
    args.extend(["-o".to_owned(), "s.csv".to_owned()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&dir, &args);
    ok(
        &dir,
        &[
            "fit",
            "--model",
            "bg-nbd",
            "--summary",
            "s.csv",
            "-o",
            "bg.json",
        ],
    );
    Some((dir, cdnow))
}

/// FHL 2005a figure 4, by calibration frequency 0..6, 7+: published
/// conditional expectations (BTYD walkthrough, printed to 7 digits) and
/// actual means (printed to 3 decimals). The fit here is the crate's own on
/// the date-based summary, so the expectations agree to about 1e-4.
#[test]
fn calibration_vs_holdout_on_cdnow() {
    let Some((dir, _)) = cdnow("table") else {
        return;
    };
    let out = ok(
        &dir,
        &["evaluate", "--params", "bg.json", "--summary", "s.csv"],
    );
    let mut blocks = out.split("\n\n");
    let table: Vec<Vec<String>> = blocks
        .next()
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    let freq: Vec<&str> = table.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(freq, ["0", "1", "2", "3", "4", "5", "6", "7+"]);
    let sizes: Vec<u64> = table.iter().map(|r| r[1].parse().unwrap()).collect();
    assert_eq!(sizes, [1411, 439, 214, 100, 62, 38, 29, 64]);
    let published = [
        0.2250893, 0.5231364, 1.044126, 1.520256, 2.163824, 2.653789, 3.503957, 6.157036,
    ];
    let actual = [0.237, 0.697, 1.393, 1.560, 2.532, 2.947, 3.862, 6.359];
    for (row, (p, a)) in table.iter().zip(published.iter().zip(actual)) {
        let got: f64 = row[3].parse().unwrap();
        assert!((got / p - 1.0).abs() < 2e-4, "{row:?} vs {p}");
        let got: f64 = row[2].parse().unwrap();
        assert!((got - a).abs() < 5e-4, "{row:?} vs {a}");
    }
    let metrics: Vec<&str> = blocks
        .next()
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .collect();
    assert_eq!(metrics[0], "BG/NBD");
    assert_eq!(metrics[1], "2357");
    assert_eq!(metrics[2], "39");
    assert_eq!(metrics[3], "1882");
    let (mae, rmse): (f64, f64) = (metrics[5].parse().unwrap(), metrics[6].parse().unwrap());
    assert!(rmse >= mae && mae > 0.0);
    assert!(metrics[8].parse::<f64>().unwrap() < 0.0);
}

/// FHL 2005a figure 2: cumulative repeat transactions in weeks 20..25,
/// expected (published 1312.458 ... 1669.6, BTYD walkthrough) and actual.
#[test]
fn weekly_tracking_on_cdnow() {
    let Some((dir, cdnow)) = cdnow("tracking") else {
        return;
    };
    let mut args: Vec<String> = ["evaluate", "--params", "bg.json", "--tracking", "t.csv"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(log_args(&cdnow));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&dir, &args);
    let text = std::fs::read_to_string(dir.join("t.csv")).unwrap();
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|f| f.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 78);
    let published = [1312.458, 1387.346, 1460.392, 1531.713, 1601.418, 1669.6];
    let actual = [1359.0, 1414.0, 1484.0, 1517.0, 1573.0, 1672.0];
    for (i, (p, a)) in published.iter().zip(actual).enumerate() {
        let row = &rows[19 + i];
        assert_eq!(row[0], 20.0 + i as f64);
        assert!((row[3] - p).abs() < 0.05, "{row:?} vs {p}");
        assert_eq!(row[4], a, "{row:?}");
    }
}

#[test]
fn compare_ranks_every_purchase_model() {
    let Some((dir, _)) = cdnow("compare") else {
        return;
    };
    let out = ok(&dir, &["evaluate", "--compare", "--summary", "s.csv"]);
    let models: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(models, ["MBG/NBD", "BG/NBD", "Pareto/NBD"]);
    let json = ok(
        &dir,
        &[
            "evaluate",
            "--compare",
            "--summary",
            "s.csv",
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["ranked"].as_array().unwrap().len(), 3);
    assert_eq!(v["ranked"][0]["bic_rank"], 1);
}

#[test]
fn usage_and_data_errors() {
    let dir = common::scratch("evaluate", "errors");
    let out = run(&dir, &["evaluate", "--summary", "s.csv"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(
        &dir,
        &[
            "evaluate",
            "--compare",
            "--params",
            "x.json",
            "--summary",
            "s.csv",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    std::fs::write(
        dir.join("s.csv"),
        "customer_id,frequency,recency,T\n1,2,3.0,10.0\n2,0,0,10.0\n",
    )
    .unwrap();
    let out = run(
        &dir,
        &[
            "evaluate",
            "--compare",
            "--summary",
            "s.csv",
            "--holdout-length",
            "5",
            "--unit",
            "weeks",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no holdout columns"));
    let out = run(
        &dir,
        &[
            "evaluate",
            "--compare",
            "--summary",
            "s.csv",
            "--unit",
            "weeks",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
}
