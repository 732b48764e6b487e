//! `customer-value fit --model pareto-nbd --covariates`: CLVTools' 2020
//! apparel cohort with a 40-week split, equal to the library fit and an
//! independent scipy fit (benches/peers/pnbd_staticcov_apparel.py), and
//! usage errors.

use std::path::PathBuf;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_customer-value");

fn data() -> Option<PathBuf> {
    let dir = std::env::var_os("CUSTOMER_VALUE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"));
    dir.is_dir().then_some(dir)
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

#[test]
fn apparel_static_covariates_from_the_command_line() {
    let Some(dir) = data() else {
        return;
    };
    let peers = dir.join("peers");
    // The calibration log: transactions up to 2005-01-03 + 40 weeks.
    let text = std::fs::read_to_string(peers.join("clvtools_apparelTrans_2020.csv")).unwrap();
    let mut log = String::from("customer_id,date,amount\n");
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[1] <= "2005-10-10" {
            log.push_str(line);
            log.push('\n');
        }
    }
    let tmp = std::env::temp_dir().join(format!("cv_cov_{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let log_path = tmp.join("log.csv");
    std::fs::write(&log_path, log).unwrap();
    let cov = peers.join("clvtools_apparelStaticCov_2020.csv");
    let out = run(&[
        "fit",
        "--model",
        "pareto-nbd",
        "--input",
        log_path.to_str().unwrap(),
        "--observation-end",
        "2005-10-10",
        "--unit",
        "weeks",
        "--covariates",
        cov.to_str().unwrap(),
        "--trans",
        "Gender,Channel",
        "--life",
        "Gender,Channel",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["model"], "pareto-nbd-covariates");
    assert_eq!(v["unit"], "weeks");
    let ll = v["log_likelihood"].as_f64().unwrap();
    assert!((ll - -2846.167680).abs() < 1e-5, "{ll}");
    let names: Vec<&str> = v["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    let at = names.iter().position(|n| *n == "trans.Gender").unwrap();
    let g = v["estimates"][at].as_f64().unwrap();
    assert!((g - 1.42285).abs() < 3e-4, "{g}");

    // a column the covariate file does not have: exit 1 with the name
    let out = run(&[
        "fit",
        "--model",
        "pareto-nbd",
        "--input",
        log_path.to_str().unwrap(),
        "--observation-end",
        "2005-10-10",
        "--unit",
        "weeks",
        "--covariates",
        cov.to_str().unwrap(),
        "--trans",
        "Gender,Nope",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Nope"));
    // covariates with another model: a usage error
    let out = run(&[
        "fit",
        "--model",
        "bg-nbd",
        "--input",
        log_path.to_str().unwrap(),
        "--observation-end",
        "2005-10-10",
        "--covariates",
        cov.to_str().unwrap(),
        "--trans",
        "Gender",
    ]);
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(&tmp).ok();
}
