"""Side-by-side timings of the Python package against lifetimes 0.11.3 and
polars, in one run, whole Python calls (conversions included).

    python python/benches/bench.py [--transactions 1000000] [--customers 100000] [--repeat 3] [--summary-only]

Needs lifetimes 0.11.3, pandas 2.3.3, numpy 2.2.6, scipy 1.14.1, polars and
pyarrow (python/requirements-test.txt). Prints the median of --repeat runs
per call (lifetimes' fits and summary once: they take seconds to minutes)
and the ratio lifetimes / customer_value; the rows marked "the same" time
customer_value on Arrow inputs against the same lifetimes figure. Results
are checked equal to lifetimes' before they are timed. Data are simulated,
seeded.
"""

import argparse
import statistics
import time

import numpy as np
import pandas as pd


def timed(f, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def transactions(n, customers, seed=1):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, customers, n)
    days = rng.integers(0, 730, n)
    log = pd.DataFrame(
        {
            "customer": ids,
            "date": pd.Timestamp("2022-01-01") + pd.to_timedelta(days, unit="D"),
            "amount": rng.gamma(2.0, 20.0, n).round(2),
        }
    )
    return log


def summary(customers, seed=2):
    """A BG/NBD population in weeks: r 0.25, alpha 4, a 0.8, b 2.5, T up to 78."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(0.25, 1 / 4.0, customers)
    p = rng.beta(0.8, 2.5, customers)
    T = rng.uniform(1, 78, customers).round(2)
    x = np.zeros(customers)
    t_x = np.zeros(customers)
    t = rng.exponential(1 / lam)
    alive = np.ones(customers, dtype=bool)
    while True:
        buying = alive & (t < T)
        if not buying.any():
            break
        x[buying] += 1
        t_x[buying] = t[buying]
        alive &= ~(buying & (rng.random(customers) < p))
        t = np.where(buying, t + rng.exponential(1 / lam), np.inf)
    t_x = np.where(x > 0, np.clip(t_x.round(2), 0.01, T), 0.0)
    return pd.DataFrame({"frequency": x, "recency": t_x, "T": T})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--transactions", type=int, default=1_000_000)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-pareto", action="store_true", help="lifetimes' Pareto/NBD fit takes minutes")
    ap.add_argument("--summary-only", action="store_true", help="only the summary rows")
    args = ap.parse_args()

    import lifetimes
    import polars as pl
    from lifetimes import utils as lt_utils

    from customer_value import lifetimes as cv
    from customer_value.lifetimes import utils as cv_utils

    rows = []

    log = transactions(args.transactions, args.customers)
    end = "2023-12-31"
    ours, a = timed(lambda: cv_utils.summary_data_from_transaction_data(log, "customer", "date", "amount", observation_period_end=end), args.repeat)
    theirs, b = timed(lambda: lt_utils.summary_data_from_transaction_data(log, "customer", "date", "amount", observation_period_end=end), 1)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)
    plog = pl.from_pandas(log)

    def polars_summary():
        d = plog.with_columns(pl.col("date").dt.date()).group_by(["customer", "date"]).agg(pl.col("amount").sum())
        return d.group_by("customer").agg(
            (pl.len() - 1).alias("frequency"),
            pl.col("date").min().alias("first"),
            pl.col("date").max().alias("last"),
        )

    pol, _ = timed(polars_summary, args.repeat)
    rows.append((f"summary_data_from_transaction_data, {args.transactions:,} transactions", ours, theirs, pol))
    # The same log with Arrow-backed columns (read through the Arrow C interface).
    alog = pl.from_pandas(log).to_pandas(use_pyarrow_extension_array=True)
    ours_arrow, c = timed(lambda: cv_utils.summary_data_from_transaction_data(alog, "customer", "date", "amount", observation_period_end=end), args.repeat)
    pd.testing.assert_frame_equal(c, a, check_index_type=False)
    rows.append(("  the same, Arrow-backed pandas columns", ours_arrow, theirs, None))
    # The compiled summary alone (columns already converted), its float
    # fast path against the decimal path (exact decimal amounts, as before
    # the fast path), alternated; both give the same figures.
    from customer_value import _native
    from customer_value.lifetimes.utils import _customers, _to_days

    codes, _ = _customers(log["customer"])
    days = _to_days(log["date"], None)
    end_day = int(_to_days(end, None))
    amounts = log["amount"].to_numpy()
    fast_t, decimal_t = [], []
    for _ in range(args.repeat):
        t, fast = timed(lambda: _native.summarize(codes, days, end_day, amounts=amounts), 1)
        fast_t.append(t)
        t, slow = timed(lambda: _native.summarize(codes, days, end_day, amounts=amounts, decimal=True), 1)
        decimal_t.append(t)
    for k in fast:
        np.testing.assert_array_equal(fast[k], slow[k])
    rows.append(("  compiled summary alone, decimal path", statistics.median(decimal_t), theirs, None))
    rows.append(("  compiled summary alone, float fast path", statistics.median(fast_t), theirs, None))
    if args.summary_only:
        report(rows)
        return

    s = summary(args.customers)
    ours, bg_ours = timed(lambda: cv.BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"]), args.repeat)
    theirs, bg_theirs = timed(lambda: lifetimes.BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"]), 1)
    rows.append((f"BetaGeoFitter.fit, {args.customers:,} customers", ours, theirs, None))

    if not args.skip_pareto:
        ours, _ = timed(lambda: cv.ParetoNBDFitter().fit(s["frequency"], s["recency"], s["T"]), args.repeat)
        theirs, _ = timed(lambda: lifetimes.ParetoNBDFitter().fit(s["frequency"], s["recency"], s["T"]), 1)
        rows.append((f"ParetoNBDFitter.fit, {args.customers:,} customers", ours, theirs, None))

    big = pd.concat([s] * (1_000_000 // len(s) + 1), ignore_index=True).iloc[:1_000_000]
    # Alternate the two, several repeats each, at lifetimes' parameters.
    bg_ours.params_ = pd.Series(bg_theirs.params_.values, index=bg_ours.params_.index)
    ours_t, theirs_t = [], []
    for _ in range(args.repeat):
        t, pa = timed(lambda: bg_ours.conditional_probability_alive(big["frequency"], big["recency"], big["T"]), 1)
        ours_t.append(t)
        t, pb = timed(lambda: bg_theirs.conditional_probability_alive(big["frequency"], big["recency"], big["T"]), 1)
        theirs_t.append(t)
    np.testing.assert_allclose(np.asarray(pa), np.asarray(pb), rtol=1e-9)
    rows.append(("conditional_probability_alive, 1,000,000 customers", statistics.median(ours_t), statistics.median(theirs_t), None))
    pbig = pl.from_pandas(big)
    ours_pl, _ = timed(lambda: bg_ours.conditional_probability_alive(pbig["frequency"], pbig["recency"], pbig["T"]), args.repeat)
    rows.append(("  the same, polars Series", ours_pl, statistics.median(theirs_t), None))

    report(rows)


def report(rows):
    print(f"{'call':58} {'customer_value':>15} {'lifetimes':>10} {'ratio':>7} {'polars':>8}")
    for name, o, t, p in rows:
        pol = "" if p is None else f"{p:8.3f}"
        print(f"{name:58} {o:15.3f} {t:10.3f} {t / o:6.1f}x {pol}")


if __name__ == "__main__":
    main()
