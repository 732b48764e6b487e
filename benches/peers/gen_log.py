"""Generate a deterministic synthetic transaction log for benchmarks.

Writes a CSV with header ``customer_id,date,amount``: integer customer ids
1..M, ISO dates within 2020-01-01..2023-12-31 and positive amounts with two
decimals. Every customer buys at least once (on their first day); further
purchases go to customers in proportion to a gamma-distributed activity
rate, on days drawn between the customer's first day and the end of 2023,
so heavy buyers naturally have several purchases on the same day. Rows are
shuffled. The same arguments always give the same bytes (fixed seed).

    python3 benches/peers/gen_log.py --rows 1000000 --customers 100000 --out /tmp/log1m.csv
"""

import argparse

import numpy as np

SEED = 20260101
START = np.datetime64("2020-01-01")
DAYS = int((np.datetime64("2023-12-31") - START).astype(int)) + 1  # 1461


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    n, m = a.rows, a.customers
    if not 1 <= m <= n:
        ap.error("need 1 <= customers <= rows")

    rng = np.random.default_rng(SEED)
    first_day = rng.integers(0, DAYS, size=m)
    activity = rng.gamma(0.6, 1.0, size=m)  # heterogeneous purchase rates
    spend = rng.lognormal(3.0, 0.6, size=m)  # typical spend per customer

    # One first purchase per customer, then n - m repeat purchases.
    repeat = rng.choice(m, size=n - m, p=activity / activity.sum())
    cust = np.concatenate([np.arange(m), repeat])
    lo = first_day[cust]
    day = lo + np.floor(rng.random(n) * (DAYS - lo)).astype(np.int64)
    day[:m] = first_day
    cents = np.maximum(1, np.rint(spend[cust] * rng.lognormal(0.0, 0.4, n) * 100)).astype(np.int64)

    order = rng.permutation(n)
    cust, day, cents = cust[order] + 1, day[order], cents[order]

    dates = np.datetime_as_string(START + np.arange(DAYS)).tolist()
    whole, frac = np.divmod(cents, 100)
    with open(a.out, "w", newline="") as f:
        f.write("customer_id,date,amount\n")
        f.writelines(
            f"{c},{dates[d]},{w}.{r:02d}\n"
            for c, d, w, r in zip(cust.tolist(), day.tolist(), whole.tolist(), frac.tolist())
        )


if __name__ == "__main__":
    main()
