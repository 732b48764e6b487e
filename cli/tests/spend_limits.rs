//! `fit --model gamma-gamma` on a log where each customer always spends the
//! same amount: the JSON names the boundary, what diverges and the limit.

mod common;

use common::{ok_in, scratch};

#[test]
fn constant_spend_per_customer_is_reported_as_a_boundary() {
    let dir = scratch("spend-limits", "constant");
    // Five customers, each buying x + 1 times at one price (repeat means
    // 5.99, 2.57, 7.17, 11.42, 8.38 at x = 4, 8, 1, 5, 3).
    let mut log = String::from("customer_id,date,amount\n");
    for (c, (x, amount)) in [
        (4, "5.99"),
        (8, "2.57"),
        (1, "7.17"),
        (5, "11.42"),
        (3, "8.38"),
    ]
    .iter()
    .enumerate()
    {
        for k in 0..=*x {
            log.push_str(&format!(
                "{},2024-{:02}-{:02},{amount}\n",
                c + 1,
                k + 1,
                2 * c + 2
            ));
        }
    }
    std::fs::write(dir.join("log.csv"), log).unwrap();
    let out = ok_in(
        &dir,
        &[
            "fit",
            "--model",
            "gamma-gamma",
            "-i",
            "log.csv",
            "--observation-end",
            "2024-12-31",
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        json["status"],
        serde_json::json!({
            "kind": "boundary",
            "diverging": [
                {"parameter": "p", "direction": "to_infinity"},
                {"parameter": "gamma", "direction": "to_zero"}
            ],
            "limits": ["constant_spend_per_customer"]
        }),
        "{out}"
    );
    assert_eq!(json["std_errors"], serde_json::Value::Null);
    assert_eq!(json["std_errors_unavailable"], "boundary");
    // The limit's q and p·γ (40-digit mpmath, tests/data of the library:
    // log "five").
    let p = json["params"]["p"].as_f64().unwrap();
    let q = json["params"]["q"].as_f64().unwrap();
    let gamma = json["params"]["gamma"].as_f64().unwrap();
    assert!((q / 3.706_850_279_068_183 - 1.0).abs() < 1e-12, "{q}");
    assert!((p * gamma / 20.538_446_462_930_21 - 1.0).abs() < 1e-12);
    let ll = json["log_likelihood"].as_f64().unwrap();
    assert!((ll + 13.308_103_515_793_8).abs() < 1e-11, "{ll}");
}
