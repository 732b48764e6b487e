//! The SQL functions against the crate: `cv_summary` equals
//! `Summarizer::summarize` on the same log for any partitioning, batch size,
//! input order and aggregation strategy; the predictors equal the crate's
//! methods; bad input is an error with a clear message.

use std::sync::Arc;

use customer_value::btyd::{
    BgNbdParams, BtydClv, BtydCustomer, CustomerHistory, GammaGammaParams, MbgNbdParams,
    ParetoNbdParams, SpendHistory,
};
use customer_value::clv::DiscountRate;
use customer_value::{CustomerId, CustomerSummary, Date, Decimal, Summarizer, Transaction};
use customer_value_datafusion::register;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Date32Array, Decimal128Array, Float64Array, Int64Array, RecordBatch,
    StructArray,
};
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Decimal256Type, Field, Float64Type, Int64Type, Schema,
    SchemaRef,
};
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext, col};
use proptest::prelude::*;

/// 2024-01-01.
const BASE: i32 = 19_723;

/// One row of a log: customer, day (since 1970-01-01), amount in cents.
type Row = (u64, i32, i64);

#[derive(Debug, Clone, Copy)]
struct Layout {
    /// `datafusion.execution.target_partitions`.
    target_partitions: usize,
    /// `datafusion.execution.batch_size`, and the size of the input batches.
    batch_size: usize,
    /// Partitions of the input table.
    input_partitions: usize,
    /// Skip partial aggregation at once (rows go straight to states).
    skip_partial: bool,
    /// Amounts as DOUBLE instead of DECIMAL(12, 2).
    float: bool,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime")
}

fn schema(float: bool) -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("customer_id", DataType::Int64, false),
        Field::new("date", DataType::Date32, true),
        Field::new(
            "amount",
            if float {
                DataType::Float64
            } else {
                DataType::Decimal128(12, 2)
            },
            true,
        ),
    ]))
}

fn batch(rows: &[Row], float: bool) -> RecordBatch {
    let amount: ArrayRef = if float {
        Arc::new(Float64Array::from(
            rows.iter()
                .map(|r| format!("{}", Decimal::new(r.2, 2)).parse::<f64>().unwrap())
                .collect::<Vec<_>>(),
        ))
    } else {
        Arc::new(
            Decimal128Array::from(rows.iter().map(|r| i128::from(r.2)).collect::<Vec<_>>())
                .with_precision_and_scale(12, 2)
                .unwrap(),
        )
    };
    RecordBatch::try_new(
        schema(float),
        vec![
            Arc::new(Int64Array::from(
                rows.iter().map(|r| r.0 as i64).collect::<Vec<_>>(),
            )),
            Arc::new(Date32Array::from(
                rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            )),
            amount,
        ],
    )
    .unwrap()
}

/// A session with the functions and the log as table `tx`, laid out as
/// asked.
fn session(rows: &[Row], layout: Layout) -> SessionContext {
    let mut config = SessionConfig::new()
        .with_target_partitions(layout.target_partitions)
        .with_batch_size(layout.batch_size);
    if layout.skip_partial {
        config = config
            .set_usize(
                "datafusion.execution.skip_partial_aggregation_probe_rows_threshold",
                0,
            )
            .set_str(
                "datafusion.execution.skip_partial_aggregation_probe_ratio_threshold",
                "0.0",
            );
    }
    let ctx = SessionContext::new_with_config(config);
    register(&ctx);
    let per_part = rows.len().div_ceil(layout.input_partitions).max(1);
    let mut partitions: Vec<Vec<RecordBatch>> = rows
        .chunks(per_part)
        .map(|part| {
            part.chunks(layout.batch_size)
                .map(|b| batch(b, layout.float))
                .collect()
        })
        .collect();
    if partitions.is_empty() {
        partitions.push(Vec::new());
    }
    let table = MemTable::try_new(schema(layout.float), partitions).unwrap();
    ctx.register_table("tx", Arc::new(table)).unwrap();
    ctx
}

fn summary_sql(end: i32) -> String {
    format!(
        "SELECT customer_id, cv_summary(date, amount, DATE '{}') AS s FROM tx GROUP BY customer_id",
        Date::from_days_since_epoch(end).unwrap()
    )
}

async fn query(ctx: &SessionContext, sql: &str) -> datafusion::error::Result<Vec<RecordBatch>> {
    ctx.sql(sql).await?.collect().await
}

/// The crate's summary of the same log.
fn crate_summary(rows: &[Row], end: i32) -> Vec<CustomerSummary> {
    let log: Vec<Transaction> = rows
        .iter()
        .map(|r| {
            Transaction::new(
                CustomerId::new(r.0),
                Date::from_days_since_epoch(r.1).unwrap(),
                Decimal::new(r.2, 2),
            )
        })
        .collect();
    Summarizer::builder(Date::from_days_since_epoch(end).unwrap())
        .build()
        .unwrap()
        .summarize(&log)
        .unwrap()
        .into_customers()
}

/// A `Decimal256(76, 28)` value as a `Decimal`.
fn mean_decimal(a: &dyn Array, i: usize) -> Decimal {
    let v = a.as_primitive::<Decimal256Type>().value(i);
    let mut m = v.to_i128().expect("fits i128");
    let mut scale = 28u32;
    while scale > 0 && m % 10 == 0 {
        m /= 10;
        scale -= 1;
    }
    Decimal::from_i128_with_scale(m, scale)
}

/// The SQL summary rows, by customer.
fn sql_summary(batches: &[RecordBatch], float: bool) -> Vec<(u64, SqlRow)> {
    let mut out = Vec::new();
    for b in batches {
        let ids = b.column(0).as_primitive::<Int64Type>();
        let s: &StructArray = b.column(1).as_struct();
        let c = |name: &str| s.column_by_name(name).unwrap().clone();
        let (x, t_x, age, mean) = (c("x"), c("t_x"), c("age"), c("monetary_value"));
        let (purchases, transactions) = (c("purchases"), c("transactions"));
        let (total, repeat) = (c("total_spend"), c("repeat_spend"));
        let (first, last) = (c("first_purchase"), c("last_purchase"));
        let money = |a: &ArrayRef, i: usize| {
            if float {
                Money::F(a.as_primitive::<Float64Type>().value(i))
            } else {
                let d = a.as_primitive::<Decimal128Type>();
                assert_eq!(d.scale(), 2);
                Money::D(Decimal::from_i128_with_scale(d.value(i), 2))
            }
        };
        for i in 0..b.num_rows() {
            assert!(s.is_valid(i));
            out.push((
                ids.value(i) as u64,
                SqlRow {
                    x: x.as_primitive::<Int64Type>().value(i),
                    t_x: t_x.as_primitive::<Float64Type>().value(i),
                    age: age.as_primitive::<Float64Type>().value(i),
                    mean: mean_decimal(&mean, i),
                    purchases: purchases.as_primitive::<Int64Type>().value(i),
                    transactions: transactions.as_primitive::<Int64Type>().value(i),
                    total: money(&total, i),
                    repeat: money(&repeat, i),
                    first: first.as_primitive::<Date32Type>().value(i),
                    last: last.as_primitive::<Date32Type>().value(i),
                },
            ));
        }
    }
    out.sort_by_key(|r| r.0);
    out
}

#[derive(Debug, PartialEq)]
enum Money {
    D(Decimal),
    F(f64),
}

#[derive(Debug, PartialEq)]
struct SqlRow {
    x: i64,
    t_x: f64,
    age: f64,
    mean: Decimal,
    purchases: i64,
    transactions: i64,
    total: Money,
    repeat: Money,
    first: i32,
    last: i32,
}

fn expected_row(c: &CustomerSummary, float: bool) -> SqlRow {
    let money = |d: Decimal| {
        if float {
            Money::F(d.to_string().parse::<f64>().unwrap())
        } else {
            Money::D(d)
        }
    };
    SqlRow {
        x: i64::from(c.frequency()),
        t_x: c.t_x(),
        age: c.age(),
        mean: c.zbar(),
        purchases: i64::from(c.purchases()),
        transactions: i64::from(c.transactions()),
        total: money(c.total_spend()),
        repeat: money(c.repeat_spend()),
        first: c.first_purchase().days_since_epoch(),
        last: c.last_purchase().days_since_epoch(),
    }
}

/// Runs the summary query on `rows` laid out as asked and compares every
/// field with the crate, exactly.
fn check_summary(rows: &[Row], end: i32, layout: Layout) -> Result<(), String> {
    let ctx = session(rows, layout);
    let batches = runtime()
        .block_on(query(&ctx, &summary_sql(end)))
        .map_err(|e| e.to_string())?;
    let got = sql_summary(&batches, layout.float);
    let want: Vec<(u64, SqlRow)> = crate_summary(rows, end)
        .iter()
        .map(|c| (c.customer().get(), expected_row(c, layout.float)))
        .collect();
    if got != want {
        return Err(format!("{layout:?}\n got {got:?}\nwant {want:?}"));
    }
    Ok(())
}

/// A log of `n` rows over `customers` customers and `days` days, from a
/// deterministic generator.
fn generated(n: usize, customers: u64, days: i32, seed: u64) -> Vec<Row> {
    let mut s = seed;
    let mut next = move |m: u64| {
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % m
    };
    (0..n)
        .map(|_| {
            (
                1000 + next(customers) * 7,
                BASE + next(days as u64) as i32,
                next(100_000) as i64,
            )
        })
        .collect()
}

const ONE_PARTITION: Layout = Layout {
    target_partitions: 1,
    batch_size: 8192,
    input_partitions: 1,
    skip_partial: false,
    float: false,
};

#[test]
fn summary_equals_the_crate_on_a_larger_log() {
    let rows = generated(20_000, 3_000, 365, 42);
    let end = BASE + 365;
    for layout in [
        ONE_PARTITION,
        Layout {
            target_partitions: 4,
            batch_size: 100,
            input_partitions: 3,
            skip_partial: true,
            float: false,
        },
        Layout {
            target_partitions: 3,
            batch_size: 1000,
            input_partitions: 2,
            skip_partial: false,
            float: true,
        },
    ] {
        check_summary(&rows, end, layout).unwrap();
    }
}

/// With the skip settings of [`Layout::skip_partial`], the partial
/// aggregation hands rows on as states (`convert_to_state`), and the result
/// still equals the crate's.
#[test]
fn skipping_partial_aggregation_goes_through_convert_to_state() {
    let rows = generated(3_000, 2_000, 30, 5);
    let end = BASE + 30;
    let layout = Layout {
        target_partitions: 2,
        batch_size: 256,
        input_partitions: 2,
        skip_partial: true,
        float: false,
    };
    let ctx = session(&rows, layout);
    let analyzed = runtime()
        .block_on(query(
            &ctx,
            &format!("EXPLAIN ANALYZE {}", summary_sql(end)),
        ))
        .unwrap();
    let text = datafusion::arrow::util::pretty::pretty_format_batches(&analyzed)
        .unwrap()
        .to_string();
    let skipped: u64 = text
        .split("skipped_aggregation_rows=")
        .skip(1)
        .filter_map(|t| {
            t.split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse::<u64>().ok())
        })
        .sum();
    assert!(skipped > 0, "{text}");
    check_summary(&rows, end, layout).unwrap();
}

/// Sorted input declared sorted: the aggregation streams and emits its
/// first groups early (`EmitTo::First`).
#[test]
fn summary_equals_the_crate_on_sorted_streaming_input() {
    let mut rows = generated(5_000, 500, 100, 3);
    rows.sort_by_key(|r| r.0);
    let end = BASE + 120;
    let ctx = SessionContext::new_with_config(
        SessionConfig::new()
            .with_target_partitions(1)
            .with_batch_size(64),
    );
    register(&ctx);
    let batches: Vec<RecordBatch> = rows.chunks(64).map(|b| batch(b, false)).collect();
    let table = MemTable::try_new(schema(false), vec![batches])
        .unwrap()
        .with_sort_order(vec![vec![col("customer_id").sort(true, false)]]);
    ctx.register_table("tx", Arc::new(table)).unwrap();
    let rt = runtime();
    let plan = rt
        .block_on(async {
            ctx.sql(&format!("EXPLAIN {}", summary_sql(end)))
                .await?
                .collect()
                .await
        })
        .unwrap();
    let plan = datafusion::arrow::util::pretty::pretty_format_batches(&plan)
        .unwrap()
        .to_string();
    assert!(plan.contains("ordering_mode=Sorted"), "{plan}");
    let got = sql_summary(&rt.block_on(query(&ctx, &summary_sql(end))).unwrap(), false);
    let want: Vec<(u64, SqlRow)> = crate_summary(&rows, end)
        .iter()
        .map(|c| (c.customer().get(), expected_row(c, false)))
        .collect();
    assert_eq!(got, want);
}

/// Without GROUP BY the row accumulator runs: one summary of the whole log
/// as one customer.
#[test]
fn summary_without_group_by_uses_the_row_accumulator() {
    let rows: Vec<Row> = generated(300, 1, 50, 9);
    let end = BASE + 60;
    for target_partitions in [1, 3] {
        let ctx = session(
            &rows,
            Layout {
                target_partitions,
                batch_size: 17,
                input_partitions: 2,
                ..ONE_PARTITION
            },
        );
        let batches = runtime()
            .block_on(query(
                &ctx,
                &format!(
                    "SELECT min(customer_id) AS customer_id, cv_summary(date, amount, DATE '{}') AS s FROM tx",
                    Date::from_days_since_epoch(end).unwrap()
                ),
            ))
            .unwrap();
        let got = sql_summary(&batches, false);
        let want = crate_summary(&rows, end);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].1, expected_row(&want[0], false));
    }
}

/// CDNOW estimates (weeks) of each model, as in the crate's examples; the
/// units do not matter for equality with the crate.
fn bgnbd() -> BgNbdParams {
    BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754).unwrap()
}
fn mbgnbd() -> MbgNbdParams {
    MbgNbdParams::new(0.524838, 6.182992, 0.891356, 1.614).unwrap()
}
fn pareto() -> ParetoNbdParams {
    ParetoNbdParams::new(0.5532755, 10.57761, 0.6062136, 11.66791).unwrap()
}
fn gamma_gamma() -> GammaGammaParams {
    GammaGammaParams::new(6.248803, 3.744588, 15.447746).unwrap()
}

/// Scores every summarised customer in SQL and compares with the crate's
/// methods on the crate's summary: bit for bit (the same functions on the
/// same inputs), which is tighter than the 1e-12 relative asked of floats.
#[test]
fn predictors_equal_the_crate() {
    let rows = generated(4_000, 600, 200, 11);
    let end = BASE + 200;
    for float in [false, true] {
        let ctx = session(
            &rows,
            Layout {
                target_partitions: 2,
                input_partitions: 2,
                float,
                ..ONE_PARTITION
            },
        );
        let rt = runtime();
        let summary = rt.block_on(ctx.sql(&summary_sql(end))).unwrap();
        ctx.register_table("summary", summary.into_view()).unwrap();
        let (b, m, p, g) = (bgnbd(), mbgnbd(), pareto(), gamma_gamma());
        let bp = format!("{:?}, {:?}, {:?}, {:?}", b.r(), b.alpha(), b.a(), b.b());
        let mp = format!("{:?}, {:?}, {:?}, {:?}", m.r(), m.alpha(), m.a(), m.b());
        let pp = format!("{:?}, {:?}, {:?}, {:?}", p.r(), p.alpha(), p.s(), p.beta());
        let gp = format!("{:?}, {:?}, {:?}", g.p(), g.q(), g.gamma());
        let h = "s.x, s.t_x, s.age";
        let clv = "s.monetary_value, 12, 0.01, 30.0";
        let sql = format!(
            "SELECT customer_id,
                cv_bgnbd_p_alive({bp}, {h}), cv_bgnbd_expected_purchases({bp}, {h}, 90.0),
                cv_mbgnbd_p_alive({mp}, {h}), cv_mbgnbd_expected_purchases({mp}, {h}, 90.0),
                cv_pareto_nbd_p_alive({pp}, {h}), cv_pareto_nbd_expected_purchases({pp}, {h}, 90.0),
                cv_gamma_gamma_expected_spend({gp}, s.x, s.monetary_value),
                cv_bgnbd_clv({bp}, {gp}, {h}, {clv}),
                cv_mbgnbd_clv({mp}, {gp}, {h}, {clv}),
                cv_pareto_nbd_clv({pp}, {gp}, {h}, {clv})
             FROM summary WHERE s.x = 0 OR s.repeat_spend > 0 ORDER BY customer_id"
        );
        let batches = rt.block_on(query(&ctx, &sql)).unwrap();
        let mut got: Vec<(u64, Vec<f64>)> = Vec::new();
        for batch in &batches {
            let ids = batch.column(0).as_primitive::<Int64Type>();
            for i in 0..batch.num_rows() {
                let v = (1..batch.num_columns())
                    .map(|k| batch.column(k).as_primitive::<Float64Type>().value(i))
                    .collect();
                got.push((ids.value(i) as u64, v));
            }
        }
        let clv = |model: customer_value::btyd::PurchaseModel| {
            BtydClv::builder(model, g)
                .periods(12)
                .discount(DiscountRate::new(Decimal::new(1, 2)).unwrap())
                .period_length(30.0)
                .build()
                .unwrap()
        };
        let (cb, cm, cp) = (clv(b.into()), clv(m.into()), clv(p.into()));
        let want: Vec<(u64, Vec<f64>)> = crate_summary(&rows, end)
            .iter()
            .filter(|c| c.frequency() == 0 || c.repeat_spend() > Decimal::ZERO)
            .map(|c| {
                let h = CustomerHistory::from_summary(c).unwrap();
                let s = SpendHistory::from_summary(c).unwrap();
                let both = BtydCustomer::new(h, s).unwrap();
                (
                    c.customer().get(),
                    vec![
                        b.p_alive(&h),
                        b.expected_purchases(&h, 90.0).unwrap(),
                        m.p_alive(&h),
                        m.expected_purchases(&h, 90.0).unwrap(),
                        p.p_alive(&h).unwrap(),
                        p.expected_purchases(&h, 90.0).unwrap(),
                        g.expected_spend_f64(&s).unwrap(),
                        cb.value_f64(&both).unwrap(),
                        cm.value_f64(&both).unwrap(),
                        cp.value_f64(&both).unwrap(),
                    ],
                )
            })
            .collect();
        assert_eq!(got.len(), want.len());
        for ((gid, g), (wid, w)) in got.iter().zip(&want) {
            assert_eq!(gid, wid);
            // The purchase predictors see the same (x, t_x, T): bit for bit.
            for (a, b) in g[..6].iter().zip(&w[..6]) {
                assert_eq!(a.to_bits(), b.to_bits(), "customer {gid}: {g:?} vs {w:?}");
            }
            // Spend and CLV read z̄ back from DECIMAL(76, 28) with its
            // trailing zeros dropped; the crate's Decimal-to-f64 conversion
            // may then differ in the last bit from the crate's own scale.
            for (a, b) in g[6..].iter().zip(&w[6..]) {
                assert!(
                    (a / b - 1.0).abs() <= 1e-12,
                    "customer {gid}: {g:?} vs {w:?}"
                );
            }
        }
    }
}

#[test]
fn predictors_give_null_for_null_and_errors_for_bad_histories() {
    let ctx = SessionContext::new();
    register(&ctx);
    let rt = runtime();
    let v = rt
        .block_on(query(
            &ctx,
            "SELECT cv_bgnbd_p_alive(0.24, 4.4, 0.79, 2.4, NULL, 1.0, 2.0) AS p",
        ))
        .unwrap();
    assert!(v[0].column(0).is_null(0));

    // monetary_value as DOUBLE goes through its shortest text, as DECIMAL
    // exactly: both are the crate's value for z̄ = 22.35.
    let gg = gamma_gamma();
    let want = gg
        .expected_spend_f64(
            &SpendHistory::new(CustomerId::new(1), 2, Decimal::new(2235, 2)).unwrap(),
        )
        .unwrap();
    let sql = format!(
        "SELECT cv_gamma_gamma_expected_spend({p:?}, {q:?}, {g:?}, 2, 22.35) AS from_double,
                cv_gamma_gamma_expected_spend({p:?}, {q:?}, {g:?}, 2, CAST(22.35 AS DECIMAL(10, 2))) AS from_decimal",
        p = gg.p(),
        q = gg.q(),
        g = gg.gamma()
    );
    let v = rt.block_on(query(&ctx, &sql)).unwrap();
    assert_eq!(v[0].column(0).data_type(), &DataType::Float64);
    for k in 0..2 {
        let got = v[0].column(k).as_primitive::<Float64Type>().value(0);
        assert_eq!(got.to_bits(), want.to_bits());
    }
    for (sql, message) in [
        (
            "SELECT cv_bgnbd_p_alive(0.24, 4.4, 0.79, 2.4, 2, 5.0, 3.0)",
            "t_x must be in [0, T",
        ),
        (
            "SELECT cv_bgnbd_p_alive(-1.0, 4.4, 0.79, 2.4, 2, 1.0, 3.0)",
            "cv_bgnbd_p_alive: row 0",
        ),
        (
            "SELECT cv_pareto_nbd_p_alive(0.55, 10.6, 0.61, 11.7, -1, 1.0, 3.0)",
            "x must be in 0..=4294967295",
        ),
        (
            "SELECT cv_gamma_gamma_expected_spend(6.2, 0.5, 15.4, 0, 0.0)",
            "the population mean spend needs q > 1",
        ),
        (
            "SELECT cv_bgnbd_p_alive(0.24, 4.4, 0.79, 2.4, 2, 1.0)",
            "takes 7 arguments",
        ),
    ] {
        let e = rt.block_on(query(&ctx, sql)).unwrap_err().to_string();
        assert!(e.contains(message), "{sql}: {e}");
    }
}

#[test]
fn bad_input_is_an_error_with_a_clear_message() {
    let ctx = SessionContext::new();
    register(&ctx);
    let rt = runtime();
    let run = |values: &str, end: &str| {
        let sql = format!(
            "SELECT c, cv_summary(d, a, {end}) FROM (VALUES {values}) AS t(c, d, a) GROUP BY c"
        );
        rt.block_on(query(&ctx, &sql))
    };
    let ok = "(1, DATE '2024-01-01', CAST(10.00 AS DECIMAL(10, 2)))";
    assert!(run(ok, "DATE '2024-01-31'").is_ok());
    for (values, end, message) in [
        (
            "(1, CAST(NULL AS DATE), CAST(1.00 AS DECIMAL(10, 2)))",
            "DATE '2024-01-31'",
            "NULL date",
        ),
        (
            "(1, DATE '2024-01-01', CAST(NULL AS DECIMAL(10, 2)))",
            "DATE '2024-01-31'",
            "NULL amount on 2024-01-01",
        ),
        (
            "(1, DATE '2024-01-01', CAST(-3.00 AS DECIMAL(10, 2)))",
            "DATE '2024-01-31'",
            "negative amount -3.00 on 2024-01-01",
        ),
        (
            "(1, DATE '2024-03-01', CAST(3.00 AS DECIMAL(10, 2)))",
            "DATE '2024-01-31'",
            "a purchase on 2024-03-01 is after observation_end 2024-01-31",
        ),
        (
            "(1, DATE '-5000-01-01', CAST(3.00 AS DECIMAL(10, 2)))",
            "DATE '2024-01-31'",
            "the earliest the crate handles",
        ),
        (ok, "d", "observation_end must be a constant date"),
        (ok, "CAST(NULL AS DATE)", "observation_end is NULL"),
        (
            "(1, DATE '2024-01-01', 'ten')",
            "DATE '2024-01-31'",
            "the amount must be a DECIMAL",
        ),
        (
            "(1, DATE '2024-01-01', CAST('NaN' AS DOUBLE))",
            "DATE '2024-01-31'",
            "NaN is not a finite number",
        ),
    ] {
        let e = run(values, end).unwrap_err().to_string();
        assert!(e.contains(message), "{values} / {end}: {e}");
    }
}

fn layouts() -> impl Strategy<Value = Layout> {
    (
        1usize..=4,
        prop_oneof![1usize..=3, 4usize..=64, Just(8192usize)],
        1usize..=3,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(target_partitions, batch_size, input_partitions, skip_partial, float)| Layout {
                target_partitions,
                batch_size,
                input_partitions,
                skip_partial,
                float,
            },
        )
}

fn logs() -> impl Strategy<Value = Vec<Row>> {
    (1u64..=12).prop_flat_map(|customers| {
        prop::collection::vec(
            (
                0..customers,
                0i32..40,
                prop_oneof![0i64..1000, Just(0i64), 1_000_000i64..100_000_000],
            )
                .prop_map(|(c, d, a)| (c * 13 + 5, BASE + d, a)),
            1..120,
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// DataFusion equals the crate, for any log, partitioning, batch size,
    /// input order and aggregation strategy.
    #[test]
    fn datafusion_equals_the_crate(
        rows in logs().prop_shuffle(),
        layout in layouts(),
    ) {
        let end = BASE + 40;
        prop_assert_eq!(check_summary(&rows, end, layout), Ok(()));
    }
}
