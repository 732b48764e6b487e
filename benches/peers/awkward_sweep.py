"""Whole-process sweep of issue 10's time bound: every fit of the command
line (BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma on summaries; BG/BB on
weekly patterns; sBG on a cohort) on seeded awkward logs of up to 100,000
customers (most of them distinct (x, t_x, T) rows: times are continuous),
each timed with /usr/bin/time and its status read from the fit JSON.

Logs (numpy PCG64, seed 2026; times in days, ages T uniform in [30, 1000]
unless said otherwise; purchases a Poisson process while alive, t_x the
last purchase):
  homogeneous    every customer buys at 0.02/day, exponential lifetimes of
                 mean 400 days
  no_dropout     rates Gamma(0.5, mean 0.02/day), nobody dies
  first_drop     rates Gamma(0.5, mean 0.02/day), everyone dies at the first
                 repeat purchase (x <= 1)
  zeros_but_one  x = 0 for all but one customer (x = 3)
  heavy          rates Gamma(2, mean 1.5/day), nobody dies (x ~ 1000)
  five           five customers (rates Gamma(0.5, mean 0.02/day))
  tx_eq_T        x >= 1 and t_x = T for everyone
  huge_T         T uniform in [5e4, 1e5] days, rates Gamma(0.5, mean 0.01/day),
                 lifetimes exponential of mean 1e4 days
  ridge          x ~ Poisson(0.01 T), t_x uniform in [T/2, T] (T in [365, 1825])
Spend per purchase Gamma(6, rate nu), nu ~ Gamma(4, rate 30) per customer
(one nu for all in `homogeneous`), two decimals. BG/BB: whole weeks after
the first purchase, x the weeks with a purchase up to t_x's week (x <= t_x
<= n). sBG: one cohort of the customers alive at the start of each 30-day
period, 12 periods (lifetime from the log's death time).

Usage: python3 benches/peers/awkward_sweep.py BINARY [CUSTOMERS] [DIR]
"""
import csv
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

binary = sys.argv[1]
n_max = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
out_dir = sys.argv[3] if len(sys.argv) > 3 else tempfile.mkdtemp(prefix="awkward_sweep_")
os.makedirs(out_dir, exist_ok=True)
rng = np.random.default_rng(2026)


def poisson_process(lam, end):
    """x and t_x of a Poisson process of rate lam on [0, end]."""
    x = rng.poisson(lam * end)
    tx = np.where(x > 0, end * rng.uniform(size=len(end)) ** (1.0 / np.maximum(x, 1)), 0.0)
    return x, tx


def case(name, n):
    T = rng.uniform(30.0, 1000.0, n)
    death = np.full(n, np.inf)
    if name == "homogeneous":
        lam = np.full(n, 0.02)
        death = rng.exponential(400.0, n)
    elif name in ("no_dropout", "five", "first_drop", "tx_eq_T", "zeros_but_one"):
        lam = rng.gamma(0.5, 0.04, n)
    elif name == "heavy":
        lam = rng.gamma(2.0, 0.75, n)
    elif name == "huge_T":
        T = rng.uniform(5e4, 1e5, n)
        lam = rng.gamma(0.5, 0.02, n)
        death = rng.exponential(1e4, n)
    elif name == "ridge":
        T = 365.0 + np.floor(1461.0 * rng.uniform(size=n))
        x = rng.poisson(0.01 * T)
        tx = np.where(x > 0, T * (0.5 + 0.5 * rng.uniform(size=n)), 0.0)
        return T, x, tx, death
    else:
        raise ValueError(name)
    if name == "first_drop":
        first = rng.exponential(1.0 / lam)
        x = (first < T).astype(int)
        tx = np.where(x > 0, first, 0.0)
        death = np.where(x > 0, first, np.inf)
        return T, x, tx, death
    if name == "tx_eq_T":
        x, _ = poisson_process(lam, T)
        x = np.maximum(x, 1)
        return T, x, T.copy(), death
    x, tx = poisson_process(lam, np.minimum(T, death))
    if name == "zeros_but_one":
        x = np.zeros(n, int)
        tx = np.zeros(n)
        x[0], tx[0] = 3, 0.5 * T[0]
    return T, x, tx, death


def write_inputs(name, n):
    T, x, tx, death = case(name, n)
    nu = np.full(n, rng.gamma(4.0, 1 / 30.0)) if name == "homogeneous" else rng.gamma(4.0, 1 / 30.0, n)
    spend = np.array([rng.gamma(6.0, 1 / v, k).mean() if k > 0 else 0.0 for v, k in zip(nu, np.minimum(x, 2000))])
    summary = os.path.join(out_dir, f"{name}_summary.csv")
    with open(summary, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["customer_id", "frequency", "recency", "T", "monetary_value"])
        for i in range(n):
            w.writerow([i, int(x[i]), repr(float(tx[i])), repr(float(T[i])), f"{spend[i]:.2f}"])
    # BG/BB: weekly patterns.
    periods = np.floor(T / 7.0).astype(int)
    tx_w = np.minimum(np.floor(tx / 7.0).astype(int), periods)
    x_w = np.minimum(x, tx_w)
    tx_w = np.where(x_w > 0, tx_w, 0)
    discrete = os.path.join(out_dir, f"{name}_discrete.csv")
    with open(discrete, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["frequency", "recency", "periods"])
        for a, b, c in zip(x_w, tx_w, periods):
            if c > 0:
                w.writerow([int(a), int(b), int(c)])
    # sBG: one cohort, alive at the start of each 30-day period.
    life = np.where(np.isfinite(death), death, np.inf)
    cohort = [int((life >= 30.0 * k).sum()) for k in range(13)]
    sbg = os.path.join(out_dir, f"{name}_cohort.csv")
    with open(sbg, "w") as f:
        f.write("start," + ",".join(f"n{k}" for k in range(13)) + "\n")
        f.write("0," + ",".join(str(c) for c in cohort) + "\n")
    return summary, discrete, sbg


def run(args):
    cmd = ["/usr/bin/time", "-f", "%U %S %e", binary] + args
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return 60.0, 60.0, "killed after 60 s"
    user, sys_, wall = p.stderr.strip().splitlines()[-1].split()
    try:
        d = json.loads(p.stdout)
        st = d["status"]
        status = st["kind"]
        if status == "boundary":
            status += " " + ",".join(
                f"{v['parameter']}{'->inf' if v['direction'] == 'to_infinity' else '->0'}" for v in st["diverging"]
            ) + " " + ",".join(st["limits"])
    except (json.JSONDecodeError, KeyError):
        status = "error: " + " ".join(p.stderr.strip().splitlines()[:-1])[-160:]
    return float(user) + float(sys_), float(wall), status


names = ["homogeneous", "no_dropout", "first_drop", "zeros_but_one", "heavy", "five", "tx_eq_T",
         "huge_T", "ridge"]
print(f"| log | customers | model | CPU s (user+sys) | wall s | status |")
print(f"|---|---|---|---|---|---|")
for name in names:
    n = 5 if name == "five" else n_max
    summary, discrete, sbg = write_inputs(name, n)
    jobs = [(m, ["fit", "--model", m, "--summary", summary]) for m in ["bg-nbd", "mbg-nbd", "pareto-nbd", "gamma-gamma"]]
    jobs.append(("bg-bb", ["fit", "--model", "bg-bb", "--input", discrete]))
    jobs.append(("sbg", ["fit", "--model", "sbg", "--input", sbg]))
    for model, args in jobs:
        cpu, wall, status = run(args)
        flag = " **over 1 s**" if cpu > 1.0 else ""
        print(f"| {name} | {n} | {model} | {cpu:.2f}{flag} | {wall:.2f} | {status} |", flush=True)
