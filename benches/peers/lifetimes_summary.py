"""Per-customer summary of a transaction log with Python lifetimes 0.11.3 (the reference).

Reads ``customer_id,date,amount`` with pandas and calls
``lifetimes.utils.summary_data_from_transaction_data(df, 'customer_id', 'date',
monetary_value_col='amount', observation_period_end=END, freq=FREQ)``.
Output: CSV ``customer_id,frequency,recency,T,monetary_value`` sorted by
customer_id; frequency, recency and T are written as integers (they always are
for freq 'D' and 'W'), monetary_value with Python's shortest round-trip repr.

    python3 benches/peers/lifetimes_summary.py --input log.csv --observation-end 2023-12-31 --out out.csv [--freq W]
"""

import argparse

import pandas as pd
from lifetimes.utils import summary_data_from_transaction_data


def summarize(df: pd.DataFrame, end: str, freq: str = "D") -> pd.DataFrame:
    """lifetimes summary of a frame with columns customer_id, date (datetime64), amount."""
    s = summary_data_from_transaction_data(
        df, "customer_id", "date", monetary_value_col="amount", observation_period_end=end, freq=freq
    )
    return s.sort_index()


def write(summary: pd.DataFrame, path: str) -> None:
    """Write the summary as customer_id,frequency,recency,T,monetary_value (no index, no comments)."""
    with open(path, "w", newline="") as f:
        f.write("customer_id,frequency,recency,T,monetary_value\n")
        for cid, fr, rec, t, mv in summary[["frequency", "recency", "T", "monetary_value"]].itertuples():
            assert fr == int(fr) and rec == int(rec) and t == int(t), (cid, fr, rec, t)
            f.write(f"{int(cid)},{int(fr)},{int(rec)},{int(t)},{float(mv)!r}\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", required=True)
    ap.add_argument("--observation-end", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--freq", default="D", help="passed to lifetimes (D or W)")
    a = ap.parse_args()
    df = pd.read_csv(a.input, dtype={"customer_id": "int64", "amount": "float64"}, parse_dates=["date"])
    write(summarize(df, a.observation_end, a.freq), a.out)


if __name__ == "__main__":
    main()
