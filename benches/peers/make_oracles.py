"""Regenerate the lifetimes oracle files for the Rust tests from the CDNOW sample.

Reads CDNOW_sample.txt (whitespace separated, no header: master_id sample_id
date(YYYYMMDD) number_of_cds dollar_value; customer key = sample_id as an
integer), runs lifetimes 0.11.3 ``summary_data_from_transaction_data`` with
monetary_value_col = dollar_value and observation_period_end = 1997-09-30, and
writes (no comment lines, sorted by customer_id):

    tests/data/lifetimes_cdnow_summary_days.csv        freq='D'
    tests/data/lifetimes_cdnow_summary_weeks_freqW.csv freq='W'

``--log-out FILE`` also writes the sample as a customer_id,date,amount log
(for polars_summary.py / check_same.py). Data folder: $CUSTOMER_VALUE_DATA,
default /work/shared/data.

    python3 benches/peers/make_oracles.py [--log-out /tmp/cdnow_log.csv]
"""

import argparse
import os
from pathlib import Path

import pandas as pd

from lifetimes_summary import summarize, write

END = "1997-09-30"
ROOT = Path(__file__).resolve().parents[2]
OUTPUTS = {"D": "lifetimes_cdnow_summary_days.csv", "W": "lifetimes_cdnow_summary_weeks_freqW.csv"}


def load_cdnow(path: Path) -> pd.DataFrame:
    """The CDNOW sample as a frame customer_id (int), date (datetime64), amount (float)."""
    raw = pd.read_csv(
        path, sep=r"\s+", header=None, dtype=str,
        names=["master_id", "sample_id", "date", "number_of_cds", "dollar_value"],
    )
    return pd.DataFrame({
        "customer_id": raw["sample_id"].astype("int64"),
        "date": pd.to_datetime(raw["date"], format="%Y%m%d"),
        "amount": raw["dollar_value"].astype("float64"),
    })


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--log-out", help="also write the sample as customer_id,date,amount CSV")
    a = ap.parse_args()
    data = Path(os.environ.get("CUSTOMER_VALUE_DATA", "/work/shared/data"))
    df = load_cdnow(data / "cdnow" / "CDNOW_sample.txt")
    for freq, name in OUTPUTS.items():
        out = ROOT / "tests" / "data" / name
        out.parent.mkdir(parents=True, exist_ok=True)
        write(summarize(df, END, freq), str(out))
        print(f"wrote {out}")
    if a.log_out:
        df.assign(date=df["date"].dt.strftime("%Y-%m-%d")).to_csv(a.log_out, index=False)
        print(f"wrote {a.log_out}")


if __name__ == "__main__":
    main()
