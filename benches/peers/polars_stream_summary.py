"""Per-customer frequency, recency and T with polars' streaming engine.

The baseline of ``stream_100m.sh``: the same figures as
``customer-value summary`` (days, same-day purchases merged, purchases after
the observation end dropped), computed by ``scan_csv`` ... ``collect(engine=
"streaming")``, and written as CSV.

    python3 benches/peers/polars_stream_summary.py --input log.csv --observation-end 2023-12-31 --out out.csv
"""

import argparse
from datetime import date

import polars as pl


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", required=True)
    ap.add_argument("--observation-end", required=True, type=date.fromisoformat)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    end = a.observation_end
    day, amount = pl.col("date"), pl.col("amount")
    first = day.min()
    (
        pl.scan_csv(a.input, schema={"customer_id": pl.Int64, "date": pl.Date, "amount": pl.Float64})
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
        .collect(engine="streaming")
        .write_csv(a.out)
    )


if __name__ == "__main__":
    main()
