//! `customer-value identify`: merging duplicate customers in a log without
//! losing a row, fuzzy names, and salted identifier hashes.

use std::path::Path;
use std::process::{Command, Output};

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_customer-value");

const RECORDS: &str = "\
customer_id,last_update,last_purchase,email,phone,name
c1,2024-06-01,2024-06-01,Ann@x.org,+33 6 12 34 56 78,Ann Lee
c2,2024-06-01,2024-06-01,ann@X.org ,,A Lee
c3,2024-06-01,2024-06-01,bob@y.org,06.12.34.56.78,Bob Stone
c4,2024-06-01,,carl@z.org,,Jonathan Smith
c5,2024-06-01,,,,Jonathon Smith
";

const LOG: &str = "\
customer_id,date,amount,note
c2,2024-01-01,10.00,\"a, quoted\"
c1,2024-01-05,5.5,x
c3,2024-02-01,7,y
c9,2024-02-02,1,z
c5,2024-03-01,2,w
";

fn run(dir: &Path, args: &[&str], salt: Option<&str>) -> Output {
    let mut command = Command::new(BIN);
    command.args(args).current_dir(dir);
    match salt {
        Some(s) => command.env("CUSTOMER_VALUE_SALT", s),
        None => command.env_remove("CUSTOMER_VALUE_SALT"),
    };
    command.output().unwrap()
}

fn setup(name: &str) -> std::path::PathBuf {
    let dir = common::scratch("identify", name);
    std::fs::write(dir.join("records.csv"), RECORDS).unwrap();
    std::fs::write(dir.join("log.csv"), LOG).unwrap();
    dir
}

const BASE: [&str; 6] = [
    "identify",
    "--records",
    "records.csv",
    "--as-of",
    "2024-12-31",
    "--fuzzy",
];

#[test]
fn merge_log_keeps_every_row_and_remaps_ids() {
    let dir = setup("merge");
    let mut args = BASE.to_vec();
    args.extend([
        "0.9",
        "--duplicates",
        "pairs.csv",
        "--merge-log",
        "log.csv",
        "--merged-log",
        "merged.csv",
        "-o",
        "quality.csv",
    ]);
    let out = run(&dir, &args, Some("s3cret"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = String::from_utf8_lossy(&out.stderr);
    // c1-c2 share an e-mail, c1-c3 a phone: one group {c1, c2, c3}.
    assert!(
        report.contains("merge: 2 ids merged into 1 customers on email,phone"),
        "{report}"
    );
    assert!(
        report.contains("5 rows written, 2 with a new customer id"),
        "{report}"
    );
    let pairs = std::fs::read_to_string(dir.join("pairs.csv")).unwrap();
    assert_eq!(
        pairs,
        "customer_a,customer_b,reason\nc1,c2,email\nc1,c3,phone\nc4,c5,fuzzy_name\n"
    );
    // Every row and every other field kept (the quoted comma included);
    // c9 has no record and keeps its id; fuzzy names are not merged unless
    // asked.
    let merged = std::fs::read_to_string(dir.join("merged.csv")).unwrap();
    assert_eq!(
        merged,
        "customer_id,date,amount,note\nc1,2024-01-01,10.00,\"a, quoted\"\nc1,2024-01-05,5.5,x\n\
         c1,2024-02-01,7,y\nc9,2024-02-02,1,z\nc5,2024-03-01,2,w\n"
    );
    // The merged customer's summary holds the three transactions: 22.50.
    let out = run(
        &dir,
        &[
            "summary",
            "--input",
            "merged.csv",
            "--observation-end",
            "2024-12-31",
        ],
        None,
    );
    let summary = String::from_utf8(out.stdout).unwrap();
    let c1 = summary.lines().find(|l| l.starts_with("c1,")).unwrap();
    assert!(c1.starts_with("c1,2,31,365,"), "{c1}");
    assert!(c1.contains(",22.50,"), "{c1}");

    let mut args = BASE.to_vec();
    args.extend([
        "0.9",
        "--merge-on",
        "fuzzy_name",
        "--merge-log",
        "log.csv",
        "--merged-log",
        "fuzzy.csv",
        "-o",
        "quality.csv",
    ]);
    assert!(run(&dir, &args, None).status.success());
    let fuzzy = std::fs::read_to_string(dir.join("fuzzy.csv")).unwrap();
    assert!(fuzzy.ends_with("c4,2024-03-01,2,w\n"), "{fuzzy}");
    assert!(fuzzy.contains("c2,2024-01-01"), "{fuzzy}");
}

#[test]
fn hashed_keys_are_salted_sha256_of_normalised_values() {
    let dir = setup("hash");
    let args = [
        "identify",
        "--records",
        "records.csv",
        "--as-of",
        "2024-12-31",
        "--hashed-keys",
        "keys.csv",
        "-o",
        "quality.csv",
    ];
    let out = run(&dir, &args, Some("s3cret"));
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("warning"));
    let keys = std::fs::read_to_string(dir.join("keys.csv")).unwrap();
    // Python: hashlib.sha256(b"s3cret" + b"ann@x.org").hexdigest(), and
    // b"s3cret612345678" for the phone's last nine digits.
    let c1 = keys.lines().nth(1).unwrap();
    assert_eq!(
        c1,
        "c1,2c4f0d9feb132296f8686c0e7d3ac5436ac81d1b34d89a009661ed5c6789cd9d,\
         68c9e388a5e0df4934391facc7edddb7939fe979f4811cbb6088cd39aa38dba9"
    );
    assert_eq!(keys.lines().nth(5), Some("c5,,"));
    // No raw value is written anywhere.
    assert!(!keys.contains("ann@") && !keys.contains("Lee"));
    // Without a salt: a warning, and the bare SHA-256 of the key.
    let out = run(&dir, &args, None);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsalted"));
    let keys = std::fs::read_to_string(dir.join("keys.csv")).unwrap();
    assert!(keys.contains("c2,367a1e74302c7324855afeeba387d3c55ca8ab3592a32c0fbdfc939ad80fcaf5,"));
}

#[test]
fn bad_merge_options_are_usage_errors() {
    let dir = setup("bad");
    let base = [
        "identify",
        "--records",
        "records.csv",
        "--as-of",
        "2024-12-31",
    ];
    let mut args = base.to_vec();
    args.extend(["--merge-log", "log.csv"]);
    assert_eq!(run(&dir, &args, None).status.code(), Some(2));
    let mut args = base.to_vec();
    args.extend(["--merge-on", "email,zip"]);
    assert_eq!(run(&dir, &args, None).status.code(), Some(2));
    let mut args = base.to_vec();
    args.extend(["--fuzzy", "1.5"]);
    assert_eq!(run(&dir, &args, None).status.code(), Some(2));
    let mut args = base.to_vec();
    args.extend([
        "--merge-log",
        "log.csv",
        "--merged-log",
        "m.csv",
        "--log-customer-column",
        "client",
    ]);
    let out = run(&dir, &args, None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("client"));
    assert!(!dir.join("m.csv").exists());
}
