//! `customer-value rows` and `fit --rows`: counts per distinct row, merged
//! from partial files, fit to the same digits as the customers.

use std::path::PathBuf;

mod common;
use common::{ok_in as ok, run_in as run};

/// The CDNOW summary in weeks, split into two files of disjoint customers.
fn cdnow_parts(name: &str) -> Option<PathBuf> {
    let dir = common::cdnow_weekly_summary("rows", name)?;
    let text = std::fs::read_to_string(dir.join("s.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let (mut a, mut b) = (format!("{header}\n"), format!("{header}\n"));
    for (i, line) in lines.enumerate() {
        let part = if i % 3 == 0 { &mut a } else { &mut b };
        part.push_str(line);
        part.push('\n');
    }
    std::fs::write(dir.join("a.csv"), a).unwrap();
    std::fs::write(dir.join("b.csv"), b).unwrap();
    Some(dir)
}

fn json_field(json: &str, key: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v[key].clone()
}

#[test]
fn merged_rows_fit_equals_the_customer_fit() {
    let Some(dir) = cdnow_parts("fit") else {
        return;
    };
    ok(&dir, &["rows", "--summary", "s.csv", "-o", "whole.csv"]);
    ok(&dir, &["rows", "--summary", "a.csv", "-o", "ra.csv"]);
    ok(&dir, &["rows", "--summary", "b.csv", "-o", "rb.csv"]);
    ok(
        &dir,
        &["rows", "--merge", "rb.csv", "ra.csv", "-o", "merged.csv"],
    );
    let whole = std::fs::read_to_string(dir.join("whole.csv")).unwrap();
    assert_eq!(
        whole,
        std::fs::read_to_string(dir.join("merged.csv")).unwrap()
    );
    // CDNOW: 2 357 customers in 1 016 distinct rows (FHL 2005's data).
    assert_eq!(whole.lines().count(), 1 + 1016);
    let counts: u64 = whole
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(3).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(counts, 2357);
    for model in ["bg-nbd", "mbg-nbd", "pareto-nbd"] {
        let customers = ok(&dir, &["fit", "--model", model, "--summary", "s.csv"]);
        let rows = ok(&dir, &["fit", "--model", model, "--rows", "merged.csv"]);
        for key in ["params", "log_likelihood", "customers", "rows", "unit_days"] {
            assert_eq!(
                json_field(&customers, key),
                json_field(&rows, key),
                "{model} {key}"
            );
        }
    }
    // FHL 2005's BG/NBD estimates on these data, to their printed digits.
    let fit = ok(&dir, &["fit", "--model", "bg-nbd", "--rows", "merged.csv"]);
    let params = json_field(&fit, "params");
    for (name, want) in [("r", 0.243), ("alpha", 4.414), ("a", 0.793), ("b", 2.426)] {
        assert!(
            (params[name].as_f64().unwrap() - want).abs() < 5e-4,
            "{name}"
        );
    }
    assert_eq!(json_field(&fit, "observation_end"), "1997-09-30");

    ok(
        &dir,
        &["rows", "--spend", "--summary", "a.csv", "-o", "sa.csv"],
    );
    ok(
        &dir,
        &["rows", "--spend", "--summary", "b.csv", "-o", "sb.csv"],
    );
    ok(
        &dir,
        &[
            "rows",
            "--spend",
            "--merge",
            "sa.csv",
            "sb.csv",
            "-o",
            "spend.csv",
        ],
    );
    let customers = ok(
        &dir,
        &["fit", "--model", "gamma-gamma", "--summary", "s.csv"],
    );
    let rows = ok(
        &dir,
        &["fit", "--model", "gamma-gamma", "--rows", "spend.csv"],
    );
    assert_eq!(
        json_field(&customers, "params"),
        json_field(&rows, "params")
    );
}

#[test]
fn rows_from_another_engine_and_bad_files() {
    let dir = common::scratch("rows", "engine");
    // What `SELECT x, t_x, T, count(*) AS n ... GROUP BY x, t_x, T` gives,
    // in any order, with R's column names.
    std::fs::write(
        dir.join("engine.csv"),
        "x,t.x,T.cal,n\n2,20,37,10\n0,0,38,140\n1,10,38,25\n1,30,38,20\n\
         2,35,37,12\n3,30,36,6\n5,35,38,5\n7,36,38,4\n1,2,36,8\n2,6,38,5\n4,12,37,3\n",
    )
    .unwrap();
    let fit = ok(&dir, &["fit", "--model", "bg-nbd", "--rows", "engine.csv"]);
    assert_eq!(json_field(&fit, "customers"), 238.0);
    assert_eq!(json_field(&fit, "unit_days"), serde_json::Value::Null);

    std::fs::write(dir.join("bad.csv"), "x,t_x,T,n\n1,2,3,1\n1,5,3,2\n").unwrap();
    let out = run(&dir, &["fit", "--model", "bg-nbd", "--rows", "bad.csv"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.csv") && err.contains("line 3"), "{err}");

    std::fs::write(dir.join("w.csv"), "x,t_x,T,n,unit_days\n1,2,3,1,7\n").unwrap();
    std::fs::write(dir.join("d.csv"), "x,t_x,T,n,unit_days\n1,2,3,1,1\n").unwrap();
    let out = run(&dir, &["rows", "--merge", "w.csv", "d.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("differs"));

    let out = run(&dir, &["fit", "--model", "bg-bb", "--rows", "engine.csv"]);
    assert_eq!(out.status.code(), Some(2));
}

/// `fit --summary` for the purchase models reads only `x`, `t_x`, `T` and
/// the metadata: a summary whose money column is damaged fits exactly as
/// the intact one does, while Gamma-Gamma, which needs the money, still
/// refuses it.
#[test]
fn purchase_fits_read_only_the_columns_they_use() {
    let Some(dir) = cdnow_parts("columns") else {
        return;
    };
    let text = std::fs::read_to_string(dir.join("s.csv")).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == "monetary_value").unwrap();
    let mut damaged = String::new();
    for (i, line) in text.lines().enumerate() {
        let mut fields: Vec<&str> = line.split(',').collect();
        if i > 0 {
            fields[at] = "n/a";
        }
        damaged.push_str(&fields.join(","));
        damaged.push('\n');
    }
    std::fs::write(dir.join("damaged.csv"), damaged).unwrap();
    for model in ["bg-nbd", "mbg-nbd"] {
        let intact = ok(&dir, &["fit", "--model", model, "--summary", "s.csv"]);
        let from_damaged = ok(&dir, &["fit", "--model", model, "--summary", "damaged.csv"]);
        assert_eq!(intact, from_damaged, "{model}");
    }
    let out = run(
        &dir,
        &["fit", "--model", "gamma-gamma", "--summary", "damaged.csv"],
    );
    assert!(!out.status.success());
}
