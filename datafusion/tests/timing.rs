//! Side-by-side timing of `cv_summary` against the plain-SQL summary on
//! 1,000,000 transactions of 100,000 customers, in one run. Ignored by
//! default; run it with
//!
//! ```sh
//! cargo test -p customer-value-datafusion --release --test timing -- --ignored --nocapture
//! ```
//!
//! (without `--release` the figures are those of a debug build).

use std::sync::Arc;
use std::time::Instant;

use customer_value_datafusion::register;
use datafusion::arrow::array::{Date32Array, Decimal128Array, Int64Array, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};

const ROWS: usize = 1_000_000;
const CUSTOMERS: u64 = 100_000;

fn table() -> MemTable {
    let schema = Arc::new(Schema::new(vec![
        Field::new("customer_id", DataType::Int64, false),
        Field::new("date", DataType::Date32, false),
        Field::new("amount", DataType::Decimal128(12, 2), false),
    ]));
    let mut s = 1u64;
    let mut next = move |m: u64| {
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % m
    };
    let mut partitions = vec![Vec::new(), Vec::new()];
    for (k, chunk) in (0..ROWS).collect::<Vec<_>>().chunks(8192).enumerate() {
        let n = chunk.len();
        let ids: Vec<i64> = (0..n).map(|_| next(CUSTOMERS) as i64).collect();
        let days: Vec<i32> = (0..n).map(|_| 19_723 + next(540) as i32).collect();
        let cents: Vec<i128> = (0..n).map(|_| 100 + next(20_000) as i128).collect();
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int64Array::from(ids)),
                Arc::new(Date32Array::from(days)),
                Arc::new(
                    Decimal128Array::from(cents)
                        .with_precision_and_scale(12, 2)
                        .unwrap(),
                ),
            ],
        )
        .unwrap();
        partitions[k % 2].push(batch);
    }
    MemTable::try_new(schema, partitions).unwrap()
}

#[test]
#[ignore = "timing: run by hand with --ignored --nocapture"]
fn summary_function_against_plain_sql() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let ctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(2));
    register(&ctx);
    ctx.register_table("tx", Arc::new(table())).unwrap();
    let udaf = "SELECT customer_id, cv_summary(date, amount, DATE '2025-06-30') AS s
                FROM tx GROUP BY customer_id";
    let plain = "WITH d AS (SELECT customer_id, date, SUM(amount) AS amt FROM tx GROUP BY customer_id, date)
                 SELECT customer_id, COUNT(*) - 1 AS x, MIN(date) AS first, MAX(date) AS last,
                        SUM(amt) - first_value(amt ORDER BY date) AS repeat_sum
                 FROM d GROUP BY customer_id";
    let run = |sql: &str| {
        let start = Instant::now();
        let batches = rt
            .block_on(async { ctx.sql(sql).await?.collect().await })
            .unwrap();
        let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
        (start.elapsed().as_secs_f64(), rows)
    };
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "{ROWS} transactions, {CUSTOMERS} customers, in memory, 2 partitions, {profile} build"
    );
    for round in 1..=3 {
        let (a, ra) = run(udaf);
        let (b, rb) = run(plain);
        assert_eq!(ra, rb);
        println!(
            "round {round}: cv_summary {a:.3} s, plain SQL {b:.3} s, ratio {:.2}",
            b / a
        );
    }
}
