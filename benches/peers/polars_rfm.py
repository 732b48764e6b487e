"""The polars baseline for `score rfm`: quantile RFM scores from a summary CSV.

Reads a summary written by `score summary`, computes R = T - recency (time since
the last purchase), F = purchases, M = total_spend, scores each with
qcut(rank("ordinal"), 5) (pandas' qcut(rank(method="first"), 5), the crate's
QuantileMethod::QcutRank with TieMethod::First), and writes
customer_id,recency,frequency,monetary,r,f,m,code.

  python3 benches/peers/polars_rfm.py --summary /tmp/summary100k.csv --out /tmp/polars_rfm.csv
"""
import argparse

import polars as pl

K = 5


def qcut_rank(expr, n):
    # Right-closed bins on ranks 1..n with edges at quantiles of 1..n:
    # score = number of edges strictly below the rank, + 1 (pandas qcut).
    rank = expr.rank("ordinal")
    edges = [1 + (n - 1) * j / K for j in range(1, K)]
    score = pl.lit(1)
    for e in edges:
        score = score + (rank > e).cast(pl.Int32)
    return score


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--summary", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    df = pl.read_csv(a.summary, columns=["customer_id", "recency", "T", "purchases", "total_spend"])
    n = df.height
    df = df.select(
        pl.col("customer_id"),
        (pl.col("T") - pl.col("recency")).alias("recency"),
        pl.col("purchases").alias("frequency"),
        pl.col("total_spend").alias("monetary"),
    ).with_columns(
        qcut_rank(-pl.col("recency"), n).alias("r"),
        qcut_rank(pl.col("frequency"), n).alias("f"),
        qcut_rank(pl.col("monetary"), n).alias("m"),
    ).with_columns((pl.col("r") * 100 + pl.col("f") * 10 + pl.col("m")).alias("code"))
    df.write_csv(a.out)


if __name__ == "__main__":
    main()
