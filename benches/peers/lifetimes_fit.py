"""Python lifetimes' fit of a model on a summary CSV, the peer for `score fit`.

Reads a summary written by `score summary` (or lifetimes' own columns
frequency, recency, T, monetary_value) and prints the fitted parameters and
log-likelihood as JSON.

  python3 benches/peers/lifetimes_fit.py --summary /tmp/summary100k.csv --model bg-nbd
  python3 benches/peers/lifetimes_fit.py --summary /tmp/summary100k.csv --model gamma-gamma

With --time-fit N the fit alone (after reading the CSV and importing) runs N times and
each run's wall time (time.perf_counter) is printed to stderr, for the ratio against
the whole `customer-value fit` process.
"""
import argparse
import json
import sys
import time

import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--summary", required=True)
    ap.add_argument("--model", choices=["bg-nbd", "mbg-nbd", "gamma-gamma"], default="bg-nbd")
    ap.add_argument("--time-fit", type=int, default=0, metavar="N")
    a = ap.parse_args()
    df = pd.read_csv(a.summary, usecols=["frequency", "recency", "T", "monetary_value"])
    if a.model == "gamma-gamma":
        rep = df[df.frequency > 0]
        f = GammaGammaFitter(penalizer_coef=0.0)
        f.fit(rep["frequency"], rep["monetary_value"])
    else:
        cls = BetaGeoFitter if a.model == "bg-nbd" else ModifiedBetaGeoFitter
        for _ in range(a.time_fit):
            t0 = time.perf_counter()
            cls(penalizer_coef=0.0).fit(df["frequency"], df["recency"], df["T"])
            print(f"fit alone: {time.perf_counter() - t0:.4f} s", file=sys.stderr)
        f = cls(penalizer_coef=0.0)
        f.fit(df["frequency"], df["recency"], df["T"])
    print(json.dumps({"parameters": {k: float(v) for k, v in f.params_.items()},
                      "log_likelihood": float(-f._negative_log_likelihood_ * (len(df) if a.model != "gamma-gamma" else len(rep))) if hasattr(f, "_negative_log_likelihood_") else None}))


if __name__ == "__main__":
    main()
