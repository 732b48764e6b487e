//! `customer-value fit --model pareto-nbd|bg-nbd|gamma-gamma --covariates`:
//! CLVTools' 2020 apparel cohort with a 40-week split, equal to independent
//! scipy fits (benches/peers/pnbd_staticcov_apparel.py,
//! bgnbd_staticcov_apparel.py, gg_staticcov_apparel.py); `predict
//! --covariates` equal to predictions with each customer's own parameters
//! written by hand; usage errors.

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
    assert_eq!(v["model"], "pareto_nbd");
    assert_eq!(v["unit_days"], 7);
    let c = &v["covariates"];
    let ll = c["log_likelihood"].as_f64().unwrap();
    assert!((ll - -2846.167680).abs() < 1e-5, "{ll}");
    let names: Vec<&str> = c["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    let at = names.iter().position(|n| *n == "trans.Gender").unwrap();
    let g = c["estimates"][at].as_f64().unwrap();
    assert!((g - 1.42285).abs() < 3e-4, "{g}");
    let pnbd_path = tmp.join("pnbd.json");
    std::fs::write(&pnbd_path, &out.stdout).unwrap();

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
    // covariates with a model that has none: a usage error
    let out = run(&[
        "fit",
        "--model",
        "mbg-nbd",
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

    // BG/NBD with both covariates in the purchase process (scipy:
    // benches/peers/bgnbd_staticcov_apparel.py)
    let common = [
        "--input",
        log_path.to_str().unwrap(),
        "--observation-end",
        "2005-10-10",
        "--unit",
        "weeks",
        "--covariates",
        cov.to_str().unwrap(),
    ];
    let out = run(&[
        &["fit", "--model", "bg-nbd", "--trans", "Gender,Channel"],
        &common[..],
    ]
    .concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["model"], "bg_nbd");
    let ll = v["covariates"]["log_likelihood"].as_f64().unwrap();
    assert!((ll - -2859.425758).abs() < 1e-5, "{ll}");
    let bg_path = tmp.join("bgnbd.json");
    std::fs::write(&bg_path, &out.stdout).unwrap();

    // Gamma-Gamma with spend covariates (scipy: gg_staticcov_apparel.py)
    let out = run(&[
        &["fit", "--model", "gamma-gamma", "--spend", "Gender,Channel"],
        &common[..],
    ]
    .concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let gg: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(gg["model"], "gamma_gamma");
    let ll = gg["covariates"]["log_likelihood"].as_f64().unwrap();
    assert!((ll - -721.462344).abs() < 1e-5, "{ll}");
    assert_eq!(gg["covariates"]["customers"], 173);
    let gg_path = tmp.join("gg.json");
    std::fs::write(&gg_path, &out.stdout).unwrap();

    // predict --covariates: every customer with their own parameters. The
    // same rows come out of plain files written by hand with the
    // parameters of each (Gender, Channel) group.
    let predict = |params: &std::path::Path, spend: Option<&std::path::Path>, with_cov: bool| {
        let mut args = vec![
            "predict",
            "--params",
            params.to_str().unwrap(),
            "--input",
            log_path.to_str().unwrap(),
            "--observation-end",
            "2005-10-10",
            "--unit",
            "weeks",
            "--horizon",
            "52",
            "--exact",
        ];
        if let Some(s) = spend {
            args.extend(["--spend-params", s.to_str().unwrap()]);
        }
        if with_cov {
            args.extend(["--covariates", cov.to_str().unwrap()]);
        }
        let out = run(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let groups: std::collections::HashMap<String, (f64, f64)> = std::fs::read_to_string(&cov)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].to_owned(),
                (f[1].parse().unwrap(), f[2].parse().unwrap()),
            )
        })
        .collect();
    let coef = |file: &serde_json::Value, key: &str, name: &str| -> f64 {
        let c = &file["covariates"];
        let names = c[format!("{key}_names")].as_array().unwrap();
        names
            .iter()
            .position(|n| n == name)
            .map_or(0.0, |k| c[format!("gamma_{key}")][k].as_f64().unwrap())
    };
    let pnbd: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&pnbd_path).unwrap()).unwrap();
    let bg = v;
    let with_cov = predict(&pnbd_path, None, true);
    let bg_with_cov = predict(&bg_path, Some(&gg_path), true);
    for (gender, channel) in [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)] {
        let dot = |file: &serde_json::Value, key: &str| {
            coef(file, key, "Gender") * gender + coef(file, key, "Channel") * channel
        };
        let p = &pnbd["params"];
        let hand = serde_json::json!({"model": "pareto_nbd", "unit_days": 7, "params": {
            "r": p["r"],
            "alpha": p["alpha"].as_f64().unwrap() * (-dot(&pnbd, "trans")).exp(),
            "s": p["s"],
            "beta": p["beta"].as_f64().unwrap() * (-dot(&pnbd, "life")).exp(),
        }});
        let hand_path = tmp.join("hand_pnbd.json");
        std::fs::write(&hand_path, hand.to_string()).unwrap();
        let plain = predict(&hand_path, None, false);
        let p = &bg["params"];
        let hand = serde_json::json!({"model": "bg_nbd", "unit_days": 7, "params": {
            "r": p["r"],
            "alpha": p["alpha"].as_f64().unwrap() * (-dot(&bg, "trans")).exp(),
            "a": p["a"],
            "b": p["b"],
        }});
        std::fs::write(&hand_path, hand.to_string()).unwrap();
        let p = &gg["params"];
        let hand_gg = serde_json::json!({"model": "gamma_gamma", "params": {
            "p": p["p"],
            "q": p["q"],
            "gamma": p["gamma"].as_f64().unwrap() * dot(&gg, "trans").exp(),
        }});
        let hand_gg_path = tmp.join("hand_gg.json");
        std::fs::write(&hand_gg_path, hand_gg.to_string()).unwrap();
        let bg_plain = predict(&hand_path, Some(&hand_gg_path), false);
        let mut compared = 0;
        for (ours, theirs) in [(&with_cov, &plain), (&bg_with_cov, &bg_plain)] {
            for (a, b) in ours.lines().zip(theirs.lines()).skip(1) {
                let id = a.split(',').next().unwrap();
                assert_eq!(id, b.split(',').next().unwrap());
                if groups[id] == (gender, channel) {
                    // equal up to the last bits: α·e^(−γz) is computed as
                    // e^(ln α − γz) inside
                    for (x, y) in a.split(',').zip(b.split(',')).skip(1) {
                        if x.is_empty() || y.is_empty() {
                            assert_eq!(x, y, "{a} vs {b}");
                            continue;
                        }
                        let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
                        assert!((x - y).abs() <= 1e-12 * y.abs().max(1.0), "{a} vs {b}");
                    }
                    compared += 1;
                }
            }
        }
        assert!(compared > 0);
    }
    // a covariate fit without --covariates, and --covariates with a plain fit
    let out = run(&[
        "predict",
        "--params",
        pnbd_path.to_str().unwrap(),
        "--input",
        log_path.to_str().unwrap(),
        "--observation-end",
        "2005-10-10",
        "--unit",
        "weeks",
        "--horizon",
        "52",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--covariates"));
    let out = run(&[
        "predict",
        "--params",
        tmp.join("hand_pnbd.json").to_str().unwrap(),
        "--input",
        log_path.to_str().unwrap(),
        "--observation-end",
        "2005-10-10",
        "--unit",
        "weeks",
        "--horizon",
        "52",
        "--covariates",
        cov.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(&tmp).ok();
}
