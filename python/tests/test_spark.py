"""Spark equals one machine: customer_value.spark against the one-machine
package on the same transactions, compared with == (bit for bit).

PySpark runs in local mode (local[2], two shuffle partitions, Arrow on),
one session for the module. The log is simulated from the Pareto/NBD
generative model (Schmittlein, Morrison & Colombo 1987: Poisson purchases at
a gamma-distributed rate until an exponential, gamma-rate dropout) with
gamma spend per customer, so the fits are interior and Gamma-Gamma is
identified. The references are the one-machine functions
(``summary.summarize``, lifetimes' ``summary_data_from_transaction_data``,
``btyd.fit`` on one row per customer, the predictors on whole columns),
never stored numbers of our own.
"""

import os
import re
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'pyspark[sql]==4.3.*'; it needs Java 17+)")
pa = pytest.importorskip("pyarrow")

import customer_value as cvm  # noqa: E402
from customer_value import _native, btyd, summary  # noqa: E402
from customer_value import spark as cvs  # noqa: E402
from customer_value.lifetimes.utils import summary_data_from_transaction_data  # noqa: E402

END = "2025-12-31"
END_DAY = int((np.datetime64(END) - np.datetime64("1970-01-01")).astype(int))


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.fail("PySpark needs Java 17 or newer: install openjdk-17-jre-headless (.ci/run does) or set JAVA_HOME")
    # Workers must import the compiled package: the interpreter running the tests.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("customer-value tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "2g")
        # Short jobs on two cores: the quick JIT tier and the serial collector
        # spend less CPU warming up than the defaults.
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("OFF")
    yield session
    session.stop()


def simulate(customers, seed, *, rows=None, string_ids=True, amounts="decimal"):
    """A transaction log as a pyarrow table (customer, date, amount), rows in
    random order. Pareto/NBD purchases: rate ~ Gamma(0.8, 1/40) a day,
    dropout rate ~ Gamma(0.6, 1/300); first purchase uniform over 2024,
    observed to the end of 2025; spend per transaction gamma around a
    gamma-distributed customer mean, in cents."""
    rng = np.random.default_rng(seed)
    first = rng.integers(0, 366, customers) + int(np.datetime64("2024-01-01").astype(int))
    lam = rng.gamma(0.8, 1 / 40, customers)
    mu = rng.gamma(0.6, 1 / 300, customers)
    alive = np.minimum(rng.exponential(1 / mu), END_DAY - first + 30)
    repeat = rng.poisson(lam * alive)
    per = repeat + 1
    owner = np.repeat(np.arange(customers), per)
    starts = np.repeat(np.cumsum(per) - per, per)
    offset = rng.uniform(0, 1, len(owner)) * np.repeat(alive, per)
    offset[starts == np.arange(len(owner))] = 0.0  # each customer's first purchase
    days = first[owner] + np.floor(offset).astype(np.int64)
    mean_spend = rng.gamma(4.0, 10.0, customers)
    cents = np.maximum(1, np.round(rng.gamma(6.0, mean_spend[owner] / 6.0) * 100)).astype(np.int64)
    if rows is not None:
        keep = np.arange(min(rows, len(owner)))
        owner, days, cents = owner[keep], days[keep], cents[keep]
    order = rng.permutation(len(owner))
    owner, days, cents = owner[order], days[order], cents[order]
    if string_ids:
        labels = np.array([f"cust-{h:08x}" for h in rng.permutation(customers * 16)[:customers]], dtype=object)
        ids = pa.array(labels[owner], pa.string())
    else:
        ids = pa.array(rng.permutation(10 * customers)[:customers][owner] * 7 + 1_000_000_000, pa.int64())
    text = pd.Series(cents // 100).astype(str) + "." + pd.Series(cents % 100).astype(str).str.zfill(2)
    if amounts == "decimal":
        amount = pa.array(text, pa.string()).cast(pa.decimal128(12, 2))
    elif amounts == "text":
        amount = pa.array(text, pa.string())
    else:
        amount = pa.array(cents / 100.0, pa.float64())
    date = pa.array(days.astype(np.int32)).cast(pa.date32())
    return pa.table({"customer": ids, "date": date, "amount": amount})


def one_machine(table):
    """The one-machine summaries of a log: the package's and lifetimes'."""
    log = table.to_pandas()
    log["date"] = pd.to_datetime(log["date"])
    full = summary.summarize(log, customer="customer", date="date", amount="amount", observation_end=END)
    lt = summary_data_from_transaction_data(log, "customer", "date", "amount", observation_period_end=END)
    return full, lt


def collected(df, key="customer"):
    return df.toPandas().sort_values(key).set_index(key)


def assert_summary_equal(got, full, lt):
    assert list(got.index) == list(full.index) == list(lt.index)
    for column in ("frequency", "purchases", "transactions"):
        assert np.array_equal(got[column].to_numpy(), full[column].to_numpy()), column
    assert np.array_equal(got["frequency"].to_numpy(), lt["frequency"].to_numpy().astype(np.int64))
    for mine, theirs in (("recency", "t_x"), ("T", "T")):
        assert np.array_equal(got[mine].to_numpy(), full[theirs].to_numpy()), mine
        assert np.array_equal(got[mine].to_numpy(), lt["recency" if mine == "recency" else "T"].to_numpy()), mine
    assert np.array_equal(got["monetary_value"].to_numpy(), lt["monetary_value"].to_numpy())
    for column in ("first_purchase", "last_purchase"):
        assert np.array_equal(pd.to_datetime(got[column]).to_numpy(), full[column].to_numpy()), column
    for column in ("total_spend", "mean_spend", "zbar"):
        assert [Decimal(v) for v in got[column]] == list(full[column]), column


def reference_fits(full, lt):
    """The one-machine fits, one row per customer, no weights, computed on a
    background thread (the compiled fits release the GIL) while Spark works."""
    pool = ThreadPoolExecutor(max_workers=1)
    repeat = lt[lt["frequency"] > 0]
    futures = {m: pool.submit(btyd.fit, m, full["frequency"], full["t_x"], full["T"]) for m in ("pareto-nbd", "bg-nbd")}
    futures["gamma-gamma"] = pool.submit(btyd.fit_gamma_gamma, repeat["frequency"], repeat["monetary_value"])
    pool.shutdown(wait=False)
    return futures


@pytest.fixture(scope="module")
def million(spark, tmp_path_factory):
    """1,000,000 transactions of about 100,000 customers with string ids and
    decimal amounts (read by Spark from Parquet), its one-machine summaries
    and fits, and its Spark summary."""
    import pyarrow.parquet as pq

    table = simulate(115_000, seed=13, rows=1_000_000)
    path = tmp_path_factory.mktemp("spark") / "transactions.parquet"
    pq.write_table(table, path)
    full, lt = one_machine(table)
    fits = reference_fits(full, lt)
    s = cvs.summarize(spark.read.parquet(str(path)), "customer", "date", "amount", observation_end=END).persist()
    return {"table": table, "full": full, "lt": lt, "summary": s, "got": collected(s), "fits": fits}


def test_million_transactions_summary_equals_one_machine(million):
    assert million["table"].num_rows == 1_000_000
    assert 95_000 <= len(million["full"]) <= 115_000
    assert_summary_equal(million["got"], million["full"], million["lt"])


@pytest.mark.parametrize("model", ["bg-nbd", "pareto-nbd", "gamma-gamma"])
def test_million_transactions_fit_equals_one_machine(million, model):
    expected = million["fits"][model].result()
    got = cvs.fit(million["summary"], model)
    assert got.params == expected.params
    assert got.log_likelihood == expected.log_likelihood
    assert got.std_errors == expected.std_errors
    assert got.iterations == expected.iterations
    assert got.customers == expected.customers
    assert got.rows == expected.rows
    assert got.status == expected.status == "interior"
    full = million["full"]
    if model == "gamma-gamma":
        assert got.customers == (full["frequency"] > 0).sum()
    else:
        assert got.customers == len(full) and got.rows < len(full)


def test_million_transactions_scores_equal_one_machine(million):
    lt = million["lt"]
    f, r, t, m = (lt[c].to_numpy() for c in ("frequency", "recency", "T", "monetary_value"))
    purchases, spend = million["fits"]["bg-nbd"].result(), million["fits"]["gamma-gamma"].result()
    got = collected(cvs.score(million["summary"], purchases, spend=spend, horizon=90.0, time=6, freq="D"))
    assert list(got.index) == list(lt.index)
    assert np.array_equal(got["p_alive"].to_numpy(), btyd.p_alive(purchases, f, r, t))
    assert np.array_equal(got["expected_purchases"].to_numpy(), btyd.expected_purchases(purchases, 90.0, f, r, t))
    assert np.array_equal(got["expected_spend"].to_numpy(), btyd.expected_spend(spend, f, m))
    clv = _native.customer_lifetime_value("bg-nbd", purchases.values(), spend.values(), f, r, t, m, 6, 0.01, 30.0)
    assert np.array_equal(got["clv"].to_numpy(), clv)
    assert np.isfinite(clv).all() and (clv > 0).all()
    pareto = million["fits"]["pareto-nbd"].result()
    got = collected(cvs.score(million["summary"], pareto, horizon=365.0))
    assert np.array_equal(got["p_alive"].to_numpy(), btyd.p_alive(pareto, f, r, t))
    assert np.array_equal(got["expected_purchases"].to_numpy(), btyd.expected_purchases(pareto, 365.0, f, r, t))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_any_bucketing_and_partitioning_gives_the_same_results(spark, seed):
    """Property: for any number of buckets and any order and partitioning of
    the rows, summary, fit and scores are the one-machine ones."""
    from pyspark.sql import functions as F

    rng = np.random.default_rng(seed)
    kind = ["decimal", "text", "float"][seed % 3]
    table = simulate(int(rng.integers(1_500, 3_000)), seed=100 + seed, string_ids=bool(seed % 2), amounts=kind)
    full, lt = one_machine(table)
    reference = btyd.fit("bg-nbd", full["frequency"], full["t_x"], full["T"])
    df = spark.createDataFrame(table)
    variants = [
        (int(rng.integers(1, 4)), df),
        (int(rng.integers(5, 40)), df.repartition(int(rng.integers(2, 7))).orderBy(F.rand(seed))),
    ]
    for buckets, source in variants:
        s = cvs.summarize(source, "customer", "date", "amount", observation_end=END, buckets=buckets).persist()
        assert_summary_equal(collected(s), full, lt)
        fitted = cvs.fit(s.repartition(3), "bg-nbd")
        assert fitted.params == reference.params
        scored = collected(cvs.score(s, fitted, horizon=30.0))
        assert np.array_equal(
            scored["p_alive"].to_numpy(), btyd.p_alive(reference, full["frequency"], full["t_x"], full["T"])
        )
        s.unpersist()


def test_weighted_rows_in_any_order_fit_to_the_same_bits(million):
    """The fit from Spark's counted rows, shuffled, equals the per-customer fit."""
    rows = cvs.sufficient_statistics(million["summary"], "bg-nbd").toPandas()
    full = million["full"]
    assert rows["count"].sum() == len(full)
    expected = btyd.fit("bg-nbd", full["frequency"], full["t_x"], full["T"])
    for seed in (0, 1):
        shuffled = rows.sample(frac=1.0, random_state=seed)
        got = btyd.fit("bg-nbd", shuffled["frequency"], shuffled["recency"], shuffled["T"], weights=shuffled["count"])
        assert got.params == expected.params


def test_weeks_holdout_and_numeric_ids(spark):
    table = simulate(800, seed=7, string_ids=False, amounts="float")
    log = table.to_pandas()
    log["date"] = pd.to_datetime(log["date"])
    full = summary.summarize(log, customer="customer", date="date", amount="amount", observation_end="2025-06-30", holdout_end=END, unit="week")
    spark.conf.set("spark.sql.execution.arrow.useLargeVarTypes", "true")
    try:
        s = cvs.summarize(spark.createDataFrame(table), "customer", "date", "amount", observation_end="2025-06-30", holdout_end=END, unit="week", buckets=3)
        got = collected(s)
    finally:
        spark.conf.unset("spark.sql.execution.arrow.useLargeVarTypes")
    assert s.schema["customer"].dataType.simpleString() == "bigint"
    assert list(got.index) == list(full.index)
    assert np.array_equal(got["T"].to_numpy(), full["T"].to_numpy())
    assert np.array_equal(got["recency"].to_numpy(), full["t_x"].to_numpy())
    for column in ("holdout_purchases", "holdout_transactions"):
        assert np.array_equal(got[column].to_numpy(), full[column].to_numpy())
    assert [Decimal(v) for v in got["holdout_spend"]] == list(full["holdout_spend"])


def test_dates_as_text_with_a_format_and_as_timestamps(spark):
    from pyspark.sql import functions as F

    table = simulate(400, seed=5, amounts="text")
    full, lt = one_machine(table)
    df = spark.createDataFrame(table)
    as_text = df.withColumn("date", F.date_format("date", "dd/MM/yyyy"))
    s = cvs.summarize(as_text, "customer", "date", "amount", observation_end=END, date_format="dd/MM/yyyy")
    assert_summary_equal(collected(s), full, lt)
    as_stamp = df.withColumn("date", F.col("date").cast("timestamp") + F.expr("INTERVAL 13 HOURS"))
    s = cvs.summarize(as_stamp, "customer", "date", "amount", observation_end=END)
    assert_summary_equal(collected(s), full, lt)


def test_without_amounts_there_are_no_money_columns(spark):
    table = simulate(300, seed=9).drop_columns(["amount"])
    s = cvs.summarize(spark.createDataFrame(table), "customer", "date", observation_end=END)
    assert "monetary_value" not in s.columns and "total_spend" not in s.columns
    with pytest.raises(cvm.InvalidValueError, match="monetary_value"):
        cvs.fit(s, "gamma-gamma")


def bad_log(spark, dates, amounts):
    frame = pd.DataFrame({"customer": ["a", "a", "b", "c"], "date": dates, "amount": amounts})
    return spark.createDataFrame(frame)


def test_a_missing_date_raises_the_typed_error(spark):
    df = bad_log(spark, ["2024-01-01", None, "2024-02-01", "2024-03-01"], ["1.00", "2.00", "3.00", "4.00"])
    s = cvs.summarize(df, "customer", "date", "amount", observation_end=END)
    with pytest.raises(cvm.InvalidValueError, match=r"invalid date: column 'date' is null in 1 row\(s\) .* customer 'a'"):
        cvs.fit(s, "bg-nbd")
    with pytest.raises(cvm.InvalidValueError, match="column 'date' is null"):
        with cvs.typed_errors():
            s.collect()


def test_a_date_that_is_not_a_date_raises_the_typed_error(spark):
    df = bad_log(spark, ["2024-01-01", "2024-01-05", "2024-13-45", "2024-03-01"], ["1.00", "2.00", "3.00", "4.00"])
    with pytest.raises(cvm.InvalidValueError, match="column 'date' has 1 value\\(s\\) .* not dates, the first '2024-13-45' of customer 'b'"):
        cvs.fit(cvs.summarize(df, "customer", "date", "amount", observation_end=END), "pareto-nbd")


def test_an_amount_that_does_not_parse_raises_the_typed_error(spark):
    df = bad_log(spark, ["2024-01-01", "2024-01-05", "2024-02-01", "2024-03-01"], ["1.00", "2.00", "12,50", "4.00"])
    s = cvs.summarize(df, "customer", "date", "amount", observation_end=END, buckets=1)
    with pytest.raises(cvm.InvalidValueError, match=r"amount.*12,50.*customer 'b', 2024-02-01"):
        with cvs.typed_errors():
            s.collect()


def test_a_missing_amount_and_bad_arguments_raise_typed_errors(spark):
    df = bad_log(spark, ["2024-01-01", "2024-01-05", "2024-02-01", "2024-03-01"], ["1.00", None, "3.00", "4.00"])
    with pytest.raises(cvm.InvalidValueError, match="column 'amount' is null .*customer 'a'"):
        cvs.fit(cvs.summarize(df, "customer", "date", "amount", observation_end=END), "bg-nbd")
    with pytest.raises(cvm.InvalidValueError, match="not a column"):
        cvs.summarize(df, "customer", "day", "amount", observation_end=END)
    with pytest.raises(cvm.InvalidValueError, match="buckets"):
        cvs.summarize(df, "customer", "date", "amount", observation_end=END, buckets=0)
    s = cvs.summarize(df.fillna({"amount": "1"}), "customer", "date", "amount", observation_end=END)
    with pytest.raises(cvm.InvalidValueError, match="model"):
        cvs.fit(s, "bg/nbd")
    refund = bad_log(spark, ["2024-01-01", "2024-01-05", "2024-02-01", "2024-03-01"], ["1.00", "-5.00", "3.00", "4.00"])
    with pytest.raises(cvm.CustomerValueError):
        cvs.fit(cvs.summarize(refund, "customer", "date", "amount", observation_end=END), "bg-nbd")


# ---------------------------------------------------------------------------
# Logs as real Spark tables hold them: other column types and names, CSV,
# awkward shapes and bad values. One small simulated log, compared with the
# one-machine summary of the same transactions.


@pytest.fixture(scope="module")
def small():
    table = simulate(250, seed=21, amounts="text", string_ids=False)
    log = table.to_pandas()
    log["date"] = pd.to_datetime(log["date"])
    full = summary.summarize(log, customer="customer", date="date", amount="amount", observation_end=END)
    return {"table": table, "log": log, "full": full}


def assert_same_customers(got, full):
    """The Spark summary (collected) equals the one-machine one: every count,
    time and exact money column."""
    assert list(got.index) == list(full.index)
    for column in ("frequency", "purchases", "transactions"):
        assert np.array_equal(got[column].to_numpy(), full[column].to_numpy()), column
    assert np.array_equal(got["recency"].to_numpy(), full["t_x"].to_numpy())
    assert np.array_equal(got["T"].to_numpy(), full["T"].to_numpy())
    for column in ("total_spend", "mean_spend", "zbar"):
        assert [Decimal(v) for v in got[column]] == list(full[column]), column


def test_column_types_of_real_tables_give_the_one_machine_summary(spark, small):
    """Timestamps with a time of day in a non-UTC session, date strings with a
    time, amounts as decimal(10,2), decimal(38,18), float (single
    precision), double, bigint and text, ids as int and string, extra
    columns, 200 partitions and one."""
    from pyspark.sql import functions as F

    log, full = small["log"], small["full"]
    df = spark.createDataFrame(small["table"]).withColumn("store", F.lit("north")).withColumn("qty", F.lit(2))
    spark.conf.set("spark.sql.session.timeZone", "America/New_York")
    try:
        # 23:30 New York time is the next day in UTC: the date must be New York's.
        stamps = spark.createDataFrame(log.assign(date=log["date"] + pd.Timedelta(hours=23, minutes=30)))
        assert stamps.schema["date"].dataType.simpleString() == "timestamp"
        got = collected(cvs.summarize(stamps, "customer", "date", "amount", observation_end=END, buckets=3))
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")
    assert_same_customers(got, full)
    variants = [
        ("decimal(10,2)", df.withColumn("amount", F.col("amount").cast("decimal(10,2)")).repartition(200)),
        ("decimal(38,18)", df.withColumn("amount", F.col("amount").cast("decimal(38,18)")).coalesce(1)),
        # Single precision: 14.16 is 14.16, not 14.15999984741211.
        ("float", df.withColumn("amount", F.col("amount").cast("float"))),
        ("double", df.withColumn("amount", F.col("amount").cast("double"))),
        ("text dates with a time", df.withColumn("date", F.date_format(F.col("date"), "yyyy-MM-dd HH:mm:ss"))),
        ("int ids", df.withColumn("customer", F.col("customer").cast("int"))),
    ]
    for name, variant in variants:
        got = collected(cvs.summarize(variant, "customer", "date", "amount", observation_end=END))
        assert_same_customers(got, full)
    # Whole amounts as bigint, against one machine on the same whole amounts.
    whole = df.withColumn("amount", F.floor(F.col("amount").cast("double")).cast("bigint"))
    log_whole = log.assign(amount=np.floor(log["amount"].astype(float)).astype(np.int64))
    full_whole = summary.summarize(log_whole, customer="customer", date="date", amount="amount", observation_end=END)
    assert_same_customers(collected(cvs.summarize(whole, "customer", "date", "amount", observation_end=END)), full_whole)
    # String ids, and the end given as a date, a datetime and a numpy datetime64.
    labels = df.withColumn("customer", F.concat(F.lit("c-"), F.col("customer").cast("string")))
    by_label = log.assign(customer="c-" + log["customer"].astype(str))
    full_labels = summary.summarize(by_label, customer="customer", date="date", amount="amount", observation_end=END)
    for end in (pd.Timestamp(END).date(), pd.Timestamp(END + " 18:00").to_pydatetime(), np.datetime64(END)):
        got = collected(cvs.summarize(labels, "customer", "date", "amount", observation_end=end))
        assert_same_customers(got, full_labels)


def test_a_csv_read_with_an_inferred_schema_fits_and_scores_as_one_machine(spark, small, tmp_path):
    """CSV with inferSchema (ids int, dates date, amounts double): summary,
    the four fits and the scores equal one machine's."""
    path = tmp_path / "log.csv"
    small["log"].assign(date=small["log"]["date"].dt.strftime("%Y-%m-%d")).to_csv(path, index=False)
    df = spark.read.csv(str(path), header=True, inferSchema=True)
    assert [f.dataType.simpleString() for f in df.schema] == ["int", "date", "double"]
    full = small["full"]
    s = cvs.summarize(df, "customer", "date", "amount", observation_end=END).persist()
    assert_same_customers(collected(s), full)
    fits = {}
    for model in ("bg-nbd", "mbg-nbd", "pareto-nbd"):
        fits[model] = cvs.fit(s, model)
        expected = btyd.fit(model, full["frequency"], full["t_x"], full["T"])
        assert fits[model].params == expected.params, model
    repeat = full[full["frequency"] > 0]
    spend = cvs.fit(s, "gamma-gamma")
    expected = btyd.fit_gamma_gamma(repeat["frequency"], repeat["zbar"].astype(float))
    assert spend.params == expected.params
    got = collected(cvs.score(s, fits["mbg-nbd"], spend=spend, horizon=60.0))
    f, t_x, age = full["frequency"], full["t_x"], full["T"]
    assert np.array_equal(got["p_alive"].to_numpy(), btyd.p_alive(fits["mbg-nbd"], f, t_x, age))
    assert np.array_equal(got["expected_spend"].to_numpy(), btyd.expected_spend(spend, f, got["monetary_value"]))
    s.unpersist()


def test_awkward_logs_give_the_one_machine_answer(spark, small):
    """An empty log summarises to no rows and its fit raises EmptyInputError;
    one customer, and only one-time buyers, summarise as on one machine and
    their fits raise the one-machine NotIdentifiedError; refunds netted
    into same-day purchases summarise as on one machine."""
    df = spark.createDataFrame(small["table"])
    empty = cvs.summarize(df.limit(0), "customer", "date", "amount", observation_end=END)
    assert empty.count() == 0
    with pytest.raises(cvm.EmptyInputError):
        cvs.fit(empty, "bg-nbd")
    log = small["log"]
    one = log[log["customer"] == log["customer"].iloc[0]]
    firsts = log.sort_values("date").drop_duplicates("customer")
    for frame in (one, firsts):
        full = summary.summarize(frame, customer="customer", date="date", amount="amount", observation_end=END)
        s = cvs.summarize(spark.createDataFrame(frame), "customer", "date", "amount", observation_end=END)
        assert_same_customers(collected(s), full)
        with pytest.raises(cvm.NotIdentifiedError) as expected:
            btyd.fit("pareto-nbd", full["frequency"], full["t_x"], full["T"])
        with pytest.raises(cvm.NotIdentifiedError) as got:
            cvs.fit(s, "pareto-nbd")
        assert str(got.value) == str(expected.value)
    # Refunds netted into same-day purchases (refunds="net").
    refunds = log.iloc[:40].assign(amount="-0.01")
    netted = pd.concat([log, refunds], ignore_index=True)
    full = summary.summarize(netted, customer="customer", date="date", amount="amount", observation_end=END, refunds="net")
    s = cvs.summarize(spark.createDataFrame(netted), "customer", "date", "amount", observation_end=END, refunds="net")
    assert_same_customers(collected(s), full)
    assert full["transactions"].sum() == len(netted) - full.attrs["excluded_transactions"]


def test_excluded_counts_the_transactions_left_out_as_one_machine(spark, small):
    from pyspark.sql import functions as F

    log = small["log"]
    df = spark.createDataFrame(small["table"])
    for end, holdout in (("2025-06-30", None), ("2025-03-31", "2025-09-30")):
        expected = summary.summarize(
            log, customer="customer", date="date", amount="amount", observation_end=end, holdout_end=holdout
        ).attrs
        assert expected["excluded_transactions"] > 0
        assert cvs.excluded(df, "date", "amount", observation_end=end, holdout_end=holdout) == expected
    as_double = cvs.excluded(df.withColumn("amount", F.col("amount").cast("double")), "date", "amount", observation_end=END)
    assert as_double == small["full"].attrs
    assert cvs.excluded(df, "date", observation_end=END)["excluded_transactions"] == small["full"].attrs["excluded_transactions"]


def typed(action):
    """The package's exception an action raises, through typed_errors."""
    with pytest.raises(cvm.CustomerValueError) as caught:
        with cvs.typed_errors():
            action()
    return caught.value


def test_bad_values_name_the_column_the_customer_and_the_problem(spark):
    from pyspark.sql import functions as F

    frame = pd.DataFrame(
        {
            "cid": [10, 10, 11, 12, 12],
            "day": ["2024-01-03", "2024-02-01", "2024-02-01", "2024-03-01", "2024-04-01"],
            "amt": ["5.00", "7.50", "3.00", "4.00", "-1.00"],
        }
    )
    df = spark.createDataFrame(frame)
    # A refund: the customer's own id (not a code within a bucket) and the Python option.
    e = typed(lambda: cvs.summarize(df, "cid", "day", "amt", observation_end=END, buckets=1).collect())
    assert isinstance(e, cvm.InvalidTransactionError)
    assert "customer 12, 2024-04-01" in str(e) and "refunds='net'" in str(e) and "'amt'" in str(e)
    heavy_refund = df.withColumn("amt", F.when(F.col("amt") == "-1.00", "-9.00").otherwise(F.col("amt")))
    e = typed(lambda: cvs.fit(cvs.summarize(heavy_refund, "cid", "day", "amt", observation_end=END, refunds="net"), "bg-nbd"))
    assert isinstance(e, cvm.InvalidTransactionError) and "customer 12:" in str(e)
    # Dates in another shape without date_format: the first such value.
    other = df.withColumn("day", F.date_format(F.col("day").cast("date"), "dd.MM.yyyy"))
    e = typed(lambda: cvs.fit(cvs.summarize(other, "cid", "day", "amt", observation_end=END), "bg-nbd"))
    assert isinstance(e, cvm.InvalidValueError)
    assert re.search(r"column 'day' has 2 value\(s\) .* not dates, the first '\d\d\.0\d\.2024' of customer 1[02]", str(e))
    assert "date_format" in str(e)
    ok = cvs.summarize(other.where(F.col("amt") != "-1.00"), "cid", "day", "amt", observation_end=END, date_format="dd.MM.yyyy")
    assert sorted(r["frequency"] for r in ok.collect()) == [0, 0, 1]
    # NaN amount (not null) in a double column, and a null id in a bigint column.
    nan = df.withColumn("amt", F.when(F.col("cid") == 11, float("nan")).otherwise(F.abs(F.col("amt").cast("double"))))
    e = typed(lambda: cvs.summarize(nan, "cid", "day", "amt", observation_end=END, buckets=1).collect())
    assert "NaN" in str(e) and "customer 11, 2024-02-01" in str(e)
    nulls = df.withColumn("cid", F.when(F.col("cid") == 11, None).otherwise(F.col("cid")))
    e = typed(lambda: cvs.summarize(nulls, "cid", "day", "amt", observation_end=END, buckets=1).collect())
    assert "column 'cid' is null in 1 row(s)" in str(e)
    # A decimal(38,18) value with 30 significant digits: refused, not rounded.
    wide = df.withColumn(
        "amt", F.when(F.col("cid") == 11, F.lit("123456789012.123456789012345678"))
        .otherwise(F.regexp_replace("amt", "-", ""))
        .cast("decimal(38,18)"),
    )
    e = typed(lambda: cvs.summarize(wide, "cid", "day", "amt", observation_end=END, buckets=1).collect())
    assert "column 'amt' value 123456789012.123456789012345678 of customer 11" in str(e) and "28" in str(e)


def test_bad_arguments_and_column_types_raise_before_any_spark_job(spark):
    from pyspark.sql import functions as F

    df = spark.createDataFrame(pd.DataFrame({"cid": [1, 2], "day": ["2024-01-03", "2024-02-01"], "amt": ["5.00", "7.50"]}))
    calls = [
        (dict(unit="month"), "invalid unit"),
        (dict(grouping="week"), "invalid grouping"),
        (dict(refunds="maybe"), "invalid refunds"),
        (dict(observation_end="31.12.2025x"), "invalid observation_end: '31.12.2025x' is not a date"),
        (dict(observation_end=None), "invalid observation_end: a date is needed"),
        (dict(holdout_end="2024-01-01"), "holdout end"),
    ]
    for kwargs, message in calls:
        arguments = {"observation_end": END, **kwargs}
        with pytest.raises(cvm.CustomerValueError, match=message):
            cvs.summarize(df, "cid", "day", "amt", **arguments)
    with pytest.raises(cvm.InvalidValueError, match="may not be named 'zbar'"):
        cvs.summarize(df.withColumnRenamed("cid", "zbar"), "zbar", "day", "amt", observation_end=END)
    with pytest.raises(cvm.InvalidValueError, match="column 'amt' has type boolean"):
        cvs.summarize(df.withColumn("amt", F.lit(True)), "cid", "day", "amt", observation_end=END)
    with pytest.raises(cvm.InvalidValueError, match=r"column 'day' has type int.*yyyyMMdd"):
        cvs.summarize(df.withColumn("day", F.lit(20240103)), "cid", "day", "amt", observation_end=END)
    with pytest.raises(cvm.InvalidValueError, match="column 'cid' has type array<bigint>"):
        cvs.summarize(df.withColumn("cid", F.array("cid")), "cid", "day", "amt", observation_end=END)
