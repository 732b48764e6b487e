"""Side-by-side wall times, in one run, of the same pipeline on Spark (local
mode) and on one machine with the package: summary, BG/NBD and Gamma-Gamma
fits, scores (P(alive), expected purchases, expected spend, CLV), from the
same Parquet file of simulated transactions.

    PYSPARK_PYTHON=$(which python) python python/benches/spark_bench.py \\
        [--transactions 1000000] [--customers 115000] [--master local[2]] [--repeat 2]

Needs pyspark[sql] 4.x and Java 17+ (python/requirements-test.txt). Spark's
session start is timed apart; every later step is timed per run, the first
run pays the JVM's warm-up. Both paths read the Parquet file; Spark writes
the scores to the ``noop`` sink, the package keeps them in memory.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def simulate(customers, rows, seed=13):
    """Pareto/NBD purchases (rate ~ Gamma(0.8, 1/40) a day, dropout ~
    Gamma(0.6, 1/300)), first purchase in 2024, string ids, decimal cents."""
    rng = np.random.default_rng(seed)
    first = rng.integers(0, 366, customers) + int(np.datetime64("2024-01-01").astype(int))
    lam = rng.gamma(0.8, 1 / 40, customers)
    alive = np.minimum(rng.exponential(1 / rng.gamma(0.6, 1 / 300, customers)), 760)
    per = rng.poisson(lam * alive) + 1
    owner = np.repeat(np.arange(customers), per)
    start = np.repeat(np.cumsum(per) - per, per) == np.arange(len(owner))
    offset = np.where(start, 0.0, rng.uniform(0, 1, len(owner)) * np.repeat(alive, per))
    days = first[owner] + np.floor(offset).astype(np.int64)
    cents = np.maximum(1, np.round(rng.gamma(6.0, rng.gamma(4.0, 10.0, customers)[owner] / 6.0) * 100)).astype(np.int64)
    keep = rng.permutation(min(rows, len(owner)))
    owner, days, cents = owner[keep], days[keep], cents[keep]
    labels = np.array([f"cust-{i:08x}" for i in range(customers)], dtype=object)
    text = pd.Series(cents // 100).astype(str) + "." + pd.Series(cents % 100).astype(str).str.zfill(2)
    return pa.table(
        {
            "customer": pa.array(labels[owner], pa.string()),
            "date": pa.array(days.astype(np.int32)).cast(pa.date32()),
            "amount": pa.array(text, pa.string()).cast(pa.decimal128(12, 2)),
        }
    )


END = "2025-12-31"


def one_machine(path):
    from customer_value import _native, btyd, summary

    log = pq.read_table(path).to_pandas()
    log["date"] = pd.to_datetime(log["date"])
    s = summary.summarize(log, customer="customer", date="date", amount="amount", observation_end=END)
    f, r, t = (s[c].to_numpy(dtype=np.float64) for c in ("frequency", "t_x", "T"))
    m = s["zbar"].astype(float).to_numpy()
    purchases = btyd.fit("bg-nbd", f, r, t)
    spend = btyd.fit_gamma_gamma(f[f > 0], m[f > 0])
    s["p_alive"] = btyd.p_alive(purchases, f, r, t)
    s["expected_purchases"] = btyd.expected_purchases(purchases, 90.0, f, r, t)
    s["expected_spend"] = btyd.expected_spend(spend, f, m)
    s["clv"] = _native.customer_lifetime_value("bg-nbd", purchases.values(), spend.values(), f, r, t, m, 12, 0.01, 30.0)
    return s, purchases


def on_spark(session, path, buckets):
    from customer_value import spark as cvs

    steps = {}
    t0 = time.perf_counter()
    s = cvs.summarize(session.read.parquet(path), "customer", "date", "amount", observation_end=END, buckets=buckets).persist()
    rows = s.count()
    steps["summary"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    purchases = cvs.fit(s, "bg-nbd")
    spend = cvs.fit(s, "gamma-gamma")
    steps["fits"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    cvs.score(s, purchases, spend=spend, horizon=90.0).write.format("noop").mode("overwrite").save()
    steps["scores"] = time.perf_counter() - t0
    s.unpersist()
    return steps, rows, purchases


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=115_000)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--buckets", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    from pyspark.sql import SparkSession

    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "transactions.parquet")
        table = simulate(args.customers, args.transactions)
        pq.write_table(table, path)
        print(f"{table.num_rows} transactions, Parquet {Path(path).stat().st_size / 1e6:.1f} MB")

        t0 = time.perf_counter()
        session = (
            SparkSession.builder.master(args.master)
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.memory", "2g")
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        print(f"spark session start: {time.perf_counter() - t0:.1f} s")

        for run in range(1, args.repeat + 1):
            t0 = time.perf_counter()
            s, purchases = one_machine(path)
            local = time.perf_counter() - t0
            steps, rows, spark_purchases = on_spark(session, path, args.buckets)
            total = sum(steps.values())
            assert rows == len(s) and spark_purchases.params == purchases.params
            detail = ", ".join(f"{k} {v:.1f} s" for k, v in steps.items())
            print(
                f"run {run}: {rows} customers; one machine {local:.1f} s; "
                f"spark {args.master} {total:.1f} s ({detail}); spark / one machine {total / local:.1f}x"
            )
        session.stop()


if __name__ == "__main__":
    main()
