"""Per-customer summary of a transaction log with polars (the "polars" baseline).

Computes, for freq='D', exactly what Python lifetimes'
``summary_data_from_transaction_data(df, 'customer_id', 'date',
monetary_value_col='amount', observation_period_end=END, freq='D')`` gives:
same-day purchases of a customer are merged (amounts summed), days after END
are dropped (END itself is kept), then

    frequency      = distinct purchase days - 1
    recency        = days from first to last purchase day
    T              = days from first purchase day to END
    monetary_value = mean merged daily amount excluding the first day (0 if frequency = 0)

Output: CSV ``customer_id,frequency,recency,T,monetary_value`` sorted by customer_id.

    python3 benches/peers/polars_summary.py --input log.csv --observation-end 2023-12-31 --out out.csv
"""

import argparse
from datetime import date

import polars as pl


def summarize(path: str, end: date) -> pl.LazyFrame:
    day, amount = pl.col("date"), pl.col("amount")
    first = day.min()
    return (
        pl.scan_csv(path, schema={"customer_id": pl.Int64, "date": pl.Date, "amount": pl.Float64})
        .filter(day <= end)
        .group_by("customer_id", "date")
        .agg(amount.sum())
        .group_by("customer_id")
        .agg(
            frequency=pl.len() - 1,
            recency=(day.max() - first).dt.total_days(),
            T=(pl.lit(end) - first).dt.total_days(),
            monetary_value=amount.filter(day != first).mean().fill_null(0.0),
        )
        .sort("customer_id")
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", required=True)
    ap.add_argument("--observation-end", required=True, type=date.fromisoformat)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    summarize(a.input, a.observation_end).collect().write_csv(a.out)


if __name__ == "__main__":
    main()
