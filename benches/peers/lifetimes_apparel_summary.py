"""Write Python lifetimes' summary of CLVTools' apparel log exactly as pandas
writes it, for the reader test of lifetimes-format summaries.

Reads peers/clvtools_apparelTrans_2024.csv (Id,Date,Price) from the data folder
($CUSTOMER_VALUE_DATA, default /work/shared/data), runs lifetimes 0.11.3
``summary_data_from_transaction_data`` with freq='D', freq_multiplier=7 (times
in weeks of 7 days), monetary_value_col='Price' and observation_period_end
2006-12-31, and writes the frame with plain ``DataFrame.to_csv`` (the index
``Id`` first, floats as pandas prints them: ``6.0``, ``93.28571428571429``) to

    tests/data/lifetimes_apparel_summary_weeks.csv

    python3 benches/peers/lifetimes_apparel_summary.py
"""

import os
from pathlib import Path

import pandas as pd
from lifetimes.utils import summary_data_from_transaction_data

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("CUSTOMER_VALUE_DATA", "/work/shared/data"))


def main() -> None:
    log = pd.read_csv(DATA / "peers/clvtools_apparelTrans_2024.csv", parse_dates=["Date"])
    summary = summary_data_from_transaction_data(
        log, "Id", "Date", monetary_value_col="Price",
        observation_period_end="2006-12-31", freq="D", freq_multiplier=7,
    )
    summary.to_csv(ROOT / "tests/data/lifetimes_apparel_summary_weeks.csv")


if __name__ == "__main__":
    main()
