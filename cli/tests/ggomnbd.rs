//! `customer-value fit --model ggom-nbd` and `predict` with its fit file: on
//! CDNOW the fit is the Pareto/NBD boundary (`b, beta -> 0`, `beta/b`
//! fixed), and its predictions are that Pareto/NBD's, to the digits the
//! Pareto/NBD fit of the same data gives.

use std::path::{Path, PathBuf};

mod common;
use common::run_in as run;

/// Runs a command in `dir` that must succeed; its stdout and stderr.
fn ok(dir: &Path, args: &[&str]) -> (String, String) {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (common::stdout(&out), common::stderr(&out))
}

/// The CDNOW summary in weeks (Fader, Hardie & Lee 2005's calibration).
fn cdnow(name: &str) -> Option<PathBuf> {
    common::cdnow_weekly_summary("ggomnbd", name)
}

/// `customer_id -> [p_alive, expected_purchases, expected_spend, clv]`
/// (blank fields as NaN).
fn predictions(csv: &str) -> Vec<(String, Vec<f64>)> {
    csv.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].to_owned(),
                f[1..]
                    .iter()
                    .map(|v| v.parse().unwrap_or(f64::NAN))
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn ggom_fit_file_predicts_as_its_pareto_nbd_limit() {
    let Some(dir) = cdnow("limit") else {
        return;
    };
    let (json, _) = ok(
        &dir,
        &[
            "fit",
            "--model",
            "ggom-nbd",
            "--summary",
            "s.csv",
            "-o",
            "ggom.json",
        ],
    );
    assert!(json.is_empty());
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("ggom.json")).unwrap()).unwrap();
    assert_eq!(file["model"], "ggom_nbd");
    assert_eq!(file["time_scale"], "continuous");
    assert_eq!(file["unit_days"], 7);
    assert_eq!(file["status"]["kind"], "boundary", "{file}");
    assert_eq!(file["status"]["limits"][0], "pareto_dropout", "{file}");
    let diverging: Vec<&str> = file["status"]["diverging"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["parameter"].as_str().unwrap())
        .collect();
    assert!(
        diverging.contains(&"b") && diverging.contains(&"beta"),
        "{diverging:?}"
    );
    // CLVTools / Bemmaor & Glady: LL -9594.98 on these data.
    let ll = file["log_likelihood"].as_f64().unwrap();
    assert!((ll - -9594.976).abs() < 5e-3, "{ll}");

    ok(
        &dir,
        &[
            "fit",
            "--model",
            "pareto-nbd",
            "--summary",
            "s.csv",
            "-o",
            "pnbd.json",
        ],
    );
    ok(
        &dir,
        &[
            "fit",
            "--model",
            "gamma-gamma",
            "--summary",
            "s.csv",
            "-o",
            "gg.json",
        ],
    );
    let predict = |params: &str| {
        ok(
            &dir,
            &[
                "predict",
                "--params",
                params,
                "--spend-params",
                "gg.json",
                "--summary",
                "s.csv",
                "--horizon",
                "52",
                "--dert",
                "0.002688",
                "--exact",
            ],
        )
    };
    let (ggom, stderr) = predict("ggom.json");
    assert!(
        stderr.contains("GGom/NBD fit on its Pareto/NBD boundary"),
        "{stderr}"
    );
    let (pnbd, _) = predict("pnbd.json");
    let (ggom, pnbd) = (predictions(&ggom), predictions(&pnbd));
    assert_eq!(ggom.len(), 2357);
    assert_eq!(ggom.len(), pnbd.len());
    // Two fits of one likelihood, to the optimiser's tolerance: the same
    // predictions to 1e-4 relative.
    for ((id, g), (id2, p)) in ggom.iter().zip(&pnbd) {
        assert_eq!(id, id2);
        for (a, b) in g.iter().zip(p) {
            if b.is_nan() {
                assert!(a.is_nan(), "{id}");
            } else {
                assert!((a - b).abs() <= 1e-4 * b.abs().max(1e-3), "{id}: {a} {b}");
            }
        }
    }
}

#[test]
fn ggom_fit_file_of_parameters_predicts_with_ggom() {
    let Some(dir) = cdnow("params") else {
        return;
    };
    // Parameters written by hand (a fit elsewhere): an interior GGom/NBD.
    std::fs::write(
        dir.join("hand.json"),
        r#"{"model": "ggom_nbd", "unit_days": 7, "params": {"r": 0.55, "alpha": 10.6, "b": 0.05, "s": 0.6, "beta": 0.6}}"#,
    )
    .unwrap();
    let (csv, stderr) = ok(
        &dir,
        &[
            "predict",
            "--params",
            "hand.json",
            "--summary",
            "s.csv",
            "--horizon",
            "52",
            "--exact",
        ],
    );
    assert!(stderr.contains("scored with GGom/NBD"), "{stderr}");
    let rows = predictions(&csv);
    assert_eq!(rows.len(), 2357);
    for (id, v) in &rows {
        assert!((0.0..=1.0).contains(&v[0]), "{id}");
        assert!(v[1] >= 0.0, "{id}");
    }
    // A negative b is refused.
    std::fs::write(
        dir.join("bad.json"),
        r#"{"model": "ggom_nbd", "params": {"r": 0.55, "alpha": 10.6, "b": -0.05, "s": 0.6, "beta": 0.6}}"#,
    )
    .unwrap();
    let out = run(
        &dir,
        &[
            "predict",
            "--params",
            "bad.json",
            "--summary",
            "s.csv",
            "--horizon",
            "52",
        ],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("invalid b"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
