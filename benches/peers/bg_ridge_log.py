"""The near-homogeneous BG/NBD summary of issue 10 (the homogeneous-dropout
ridge, a, b -> inf with a/(a+b) fixed), made from a summary CSV such as the
103k simulated customers in days that `benches/btyd_fit.rs` writes:

    BTYD_FIT_SUMMARY=/tmp/sim103k_days.csv cargo bench --bench btyd_fit -- \
        --warm-up-time 1 --measurement-time 1
    python3 benches/peers/bg_ridge_log.py /tmp/sim103k_days.csv /tmp/ridge103k_days.csv

Every row keeps its T (and the other columns); frequency becomes
Poisson(0.01 T) and recency uniform in [T/2, T] (0 when frequency is 0),
from numpy's PCG64 seeded with 10 (or the third argument).
`customer-value fit --model bg-nbd --summary /tmp/ridge103k_days.csv` then
ends on the homogeneous-dropout boundary.
"""
import csv
import sys

import numpy as np

src, dst = sys.argv[1], sys.argv[2]
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 10
rng = np.random.default_rng(seed)
with open(src, newline="") as f:
    reader = csv.DictReader(f)
    fields = reader.fieldnames
    rows = list(reader)
T = np.array([float(r["T"]) for r in rows])
x = rng.poisson(0.01 * T)
u = rng.uniform(size=len(rows))
tx = np.where(x > 0, T * (0.5 + 0.5 * u), 0.0)
with open(dst, "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=fields)
    w.writeheader()
    for r, xi, ti in zip(rows, x, tx):
        r["frequency"] = str(int(xi))
        r["recency"] = repr(float(ti))
        w.writerow(r)
print(f"{len(rows)} rows, {int(x.sum())} repeat purchases, {int((x == 0).sum())} with x = 0")
