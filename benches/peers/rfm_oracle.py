"""RFM scores computed with pandas/numpy, as an independent oracle for the crate.

Input: a summary CSV written by `score summary` (days). Per customer:
R = T - recency (days since the last purchase), F = purchases, M = total_spend.
Output columns (k = 5 bins each):

  customer_id,R,F,M,
  qcut_r,qcut_f,qcut_m          pandas qcut(rank(method="first"), 5) on -R, F, M
  ceilmax_r,ceilmax_f,ceilmax_m ceil(5 p / n), p = rank(method="max")
  ceilfirst_r,...               ceil(5 p / n), p = rank(method="first")
  ntile_r,...                   SQL NTILE(5) over rank(method="first")
  pkg_r,pkg_f,pkg_m             R rfm package v0.3.0: cuts quantile(x, j/5, type 7) + 1,
                                recency score 6 - j

Ranks are taken in file order (the summary is sorted by customer id), so
"first" breaks ties by customer id, as the crate's TieMethod::First does on a
summary sorted by id.

  python3 benches/peers/rfm_oracle.py --summary /tmp/cdnow_days.csv --out tests/data/pandas_cdnow_rfm.csv
"""
import argparse
import math

import numpy as np
import pandas as pd

K = 5


def ceil_rank(s, method):
    p = s.rank(method=method)
    return np.ceil(K * p / len(s)).astype(int)


def ntile(s):
    n = len(s)
    p = s.rank(method="first").astype(int)
    base, rem = divmod(n, K)
    big = rem * (base + 1)
    return np.where(p <= big, (p - 1) // (base + 1) + 1, rem + (p - big - 1) // max(base, 1) + 1)


def pkg(x, reverse):
    cuts = np.quantile(x, [j / K for j in range(1, K)]) + 1  # numpy default = R type 7
    j = np.searchsorted(cuts, x, side="right") + 1
    return (K + 1 - j) if reverse else j


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--summary", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    df = pd.read_csv(a.summary, dtype={"total_spend": str})
    out = pd.DataFrame({"customer_id": df["customer_id"]})
    out["R"] = (df["T"] - df["recency"]).round(9)
    out["F"] = df["purchases"]
    out["M"] = df["total_spend"]
    m = df["total_spend"].astype(float)
    good = {"r": -out["R"], "f": out["F"].astype(float), "m": m}
    for d, s in good.items():
        out[f"qcut_{d}"] = pd.qcut(s.rank(method="first"), K, labels=False) + 1
    for d, s in good.items():
        out[f"ceilmax_{d}"] = ceil_rank(s, "max")
    for d, s in good.items():
        out[f"ceilfirst_{d}"] = ceil_rank(s, "first")
    for d, s in good.items():
        out[f"ntile_{d}"] = ntile(s)
    out["pkg_r"] = pkg(out["R"].to_numpy(), True)
    out["pkg_f"] = pkg(out["F"].to_numpy(float), False)
    out["pkg_m"] = pkg(m.to_numpy(), False)
    out.to_csv(a.out, index=False)


if __name__ == "__main__":
    main()
