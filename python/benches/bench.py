"""Side-by-side timings of the Python package against lifetimes 0.11.3 and
polars, in one run, whole Python calls (conversions included).

    python python/benches/bench.py [--transactions 1000000] [--customers 100000] [--repeat 3] [--summary-only]
    python python/benches/bench.py --predictions [--rows 1000000] [--slow-rows 100000] [--repeat 5] [--compare DIR] [--best] [--cpu]
        [--only TEXT[,TEXT]] [--summary-csv PATH [--csv-days 7]]

Needs lifetimes 0.11.3, pandas 2.3.3, numpy 2.2.6, scipy 1.14.1, polars and
pyarrow (python/requirements-test.txt). Prints the median of --repeat runs
per call (lifetimes' fits and summary once: they take seconds to minutes)
and the ratio lifetimes / customer_value; the rows marked "the same" time
customer_value on Arrow inputs against the same lifetimes figure. Results
are checked equal to lifetimes' before they are timed. Data are simulated,
seeded.

``--predictions`` times every prediction call of the lifetimes layer
(BG/NBD, MBG/NBD, Pareto/NBD, Gamma-Gamma, BG/BB) at lifetimes' own
parameters on ``--rows`` customers (``--slow-rows`` for the calls where
lifetimes takes seconds), checking each result equal to lifetimes' (rtol
1e-9) first; customer_value and lifetimes alternate, ``--repeat`` times
each. ``--compare DIR`` adds a second build of this package, installed
with ``pip install --no-deps --target DIR <wheel or source>``, timed in
the same loop (a before/after comparison in one run). ``--best`` reports
each call's fastest run instead of the median: on a machine busy with
other work the fastest run is the one least disturbed (lifetimes' slow
calls then run --repeat times too). ``--cpu`` times the process's CPU
time (every thread's) instead of wall time: other processes disturb it far
less, and a call split over two threads counts both (on an idle machine its
wall time is about half). Each call's row
also has two floors timed in the same loop: numpy reading the call's
input columns and writing one float64 output (``np.add`` over them), and
that plus one ``np.power`` pass over one input; the last column is
customer_value's time per customer in nanoseconds. ``--only`` keeps the
calls whose label contains one of the given texts; ``--summary-csv`` runs
the calls on a summary file's ``frequency``, ``recency`` and ``T`` (all its
rows, recency and T divided by ``--csv-days``) instead of simulated ones:
real summaries on a day grid repeat their ``(x, t_x, T)`` rows, which
random floats do not.
"""

import argparse
import importlib.util
import os
import statistics
import sys
import time

import numpy as np
import pandas as pd


# The clock of `timed`: wall time, or with --cpu the process's CPU time
# (every thread's), which other processes on a busy machine disturb far less.
CLOCK = time.perf_counter


def timed(f, repeat):
    times = []
    for _ in range(repeat):
        t0 = CLOCK()
        out = f()
        times.append(CLOCK() - t0)
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


def discrete(customers, seed=3):
    """BG/BB histories: n_periods 1..11, recency 0..n, frequency 1..recency
    (0 when recency is 0)."""
    rng = np.random.default_rng(seed)
    n = rng.integers(1, 12, customers)
    t_x = np.floor(rng.random(customers) * (n + 1))
    x = np.where(t_x > 0, np.floor(rng.random(customers) * t_x) + 1, 0)
    return pd.DataFrame({"frequency": x.astype(float), "recency": t_x, "n_periods": n.astype(float)})


def load_other_build(path):
    """The ``customer_value`` package installed under ``path``, imported as
    ``customer_value_compared`` (next to the one on ``sys.path``)."""
    root = os.path.join(path, "customer_value")
    spec = importlib.util.spec_from_file_location(
        "customer_value_compared", os.path.join(root, "__init__.py"), submodule_search_locations=[root]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["customer_value_compared"] = module
    spec.loader.exec_module(module)
    return importlib.import_module("customer_value_compared.lifetimes")


def predictions(args):
    """Every prediction call of the lifetimes layer against lifetimes at
    equal parameters; returns rows (call, rows, ours, lifetimes, compared)."""
    import lifetimes

    from customer_value import lifetimes as cv

    builds = [cv]
    if args.compare:
        builds.append(load_other_build(args.compare))
    if args.summary_csv:
        # A summary file (day-grid data repeat (x, t_x, T) rows), in weeks,
        # the unit of the parameters below.
        table = pd.read_csv(args.summary_csv, usecols=["frequency", "recency", "T"])
        big = pd.DataFrame({c: table[c].to_numpy(dtype=float) / (args.csv_days if c != "frequency" else 1.0) for c in table})
        args.rows = len(big)
        args.slow_rows = min(args.slow_rows, args.rows)
    else:
        big = summary(args.rows)
    small = big.iloc[: args.slow_rows]
    spend = np.where(big["frequency"] > 0, np.random.default_rng(4).gamma(4.0, 10.0, args.rows).round(2), 0.0)
    bb = discrete(args.rows)
    bb_small = bb.iloc[: args.slow_rows]
    horizons = np.linspace(0.0, 52.0, args.rows)

    params = {
        "BetaGeoFitter": [0.25, 4.0, 0.8, 2.5],
        "ModifiedBetaGeoFitter": [0.25, 4.0, 0.8, 2.5],
        "ParetoNBDFitter": [0.55, 10.5, 0.6, 12.0],
        "GammaGammaFitter": [6.25, 3.74, 15.44],
        "BetaGeoBetaBinomFitter": [1.2, 0.75, 0.66, 2.78],
    }

    def fitter(module, name):
        f = getattr(module, name)()
        names = {
            "BetaGeoFitter": ["r", "alpha", "a", "b"],
            "ModifiedBetaGeoFitter": ["r", "alpha", "a", "b"],
            "ParetoNBDFitter": ["r", "alpha", "s", "beta"],
            "GammaGammaFitter": ["p", "q", "v"],
            "BetaGeoBetaBinomFitter": ["alpha", "beta", "gamma", "delta"],
        }[name]
        f.params_ = pd.Series(params[name], index=names)
        if hasattr(f, "conditional_expected_number_of_purchases_up_to_time") and not hasattr(f, "predict"):
            # lifetimes' fit sets this alias, which its CLV calls.
            f.predict = f.conditional_expected_number_of_purchases_up_to_time
        if name == "BetaGeoBetaBinomFitter":
            f.data = pd.DataFrame({**{k: bb[k] for k in bb}, "weights": np.ones(len(bb))})
        return f

    def calls(m):
        """(label, rows, call) for one module's fitters."""
        out = []
        for name, label in [("BetaGeoFitter", "BG/NBD"), ("ModifiedBetaGeoFitter", "MBG/NBD")]:
            g = fitter(m, name)
            out += [
                (f"{label} conditional_probability_alive", args.rows, lambda g=g: g.conditional_probability_alive(big["frequency"], big["recency"], big["T"])),
                (f"{label} conditional_expected_number_of_purchases_up_to_time", args.rows, lambda g=g: g.conditional_expected_number_of_purchases_up_to_time(10.0, big["frequency"], big["recency"], big["T"])),
                (f"{label} expected_number_of_purchases_up_to_time", args.rows, lambda g=g: g.expected_number_of_purchases_up_to_time(horizons)),
                (f"{label} probability_of_n_purchases_up_to_time(10, 3) x 1000", 1000, lambda g=g: [g.probability_of_n_purchases_up_to_time(10.0, 3) for _ in range(1000)]),
            ]
            if name == "BetaGeoFitter":
                # lifetimes takes an array t only for BG/NBD and n = 0.
                out.append((f"{label} probability_of_n_purchases_up_to_time, n = 0", args.rows, lambda g=g: g.probability_of_n_purchases_up_to_time(horizons, 0)))
        pn = fitter(m, "ParetoNBDFitter")
        out += [
            ("Pareto/NBD conditional_probability_alive", args.rows, lambda: pn.conditional_probability_alive(big["frequency"], big["recency"], big["T"])),
            ("Pareto/NBD conditional_expected_number_of_purchases_up_to_time", args.slow_rows, lambda: pn.conditional_expected_number_of_purchases_up_to_time(10.0, small["frequency"], small["recency"], small["T"])),
            ("Pareto/NBD expected_number_of_purchases_up_to_time", args.rows, lambda: pn.expected_number_of_purchases_up_to_time(horizons)),
            ("Pareto/NBD conditional_probability_of_n_purchases_up_to_time", args.slow_rows, lambda: pn.conditional_probability_of_n_purchases_up_to_time(2, 10.0, small["frequency"], small["recency"], small["T"])),
        ]
        gg = fitter(m, "GammaGammaFitter")
        bg = fitter(m, "BetaGeoFitter")
        spend_s = pd.Series(spend)
        out += [
            ("Gamma-Gamma conditional_expected_average_profit", args.rows, lambda: gg.conditional_expected_average_profit(big["frequency"], spend_s)),
            ("Gamma-Gamma customer_lifetime_value (BG/NBD)", args.slow_rows, lambda: gg.customer_lifetime_value(bg, small["frequency"], small["recency"], small["T"], spend_s.iloc[: args.slow_rows], time=12, discount_rate=0.01, freq="W")),
            ("Gamma-Gamma customer_lifetime_value (Pareto/NBD)", args.slow_rows, lambda: gg.customer_lifetime_value(pn, small["frequency"], small["recency"], small["T"], spend_s.iloc[: args.slow_rows], time=12, discount_rate=0.01, freq="W")),
        ]
        b = fitter(m, "BetaGeoBetaBinomFitter")
        out += [
            ("BG/BB conditional_probability_alive", args.rows, lambda: b.conditional_probability_alive(2, bb["frequency"], bb["recency"], bb["n_periods"])),
            ("BG/BB conditional_expected_number_of_purchases_up_to_time", args.rows, lambda: b.conditional_expected_number_of_purchases_up_to_time(5, bb["frequency"], bb["recency"], bb["n_periods"])),
            ("BG/BB expected_number_of_transactions_in_first_n_periods", 12, lambda: b.expected_number_of_transactions_in_first_n_periods(11)),
        ]
        return out

    # The columns each call reads, for the numpy floors.
    purchase = [big["frequency"].to_numpy(), big["recency"].to_numpy(), big["T"].to_numpy()]
    purchase_small = [a[: args.slow_rows] for a in purchase]
    discrete_cols = [bb[c].to_numpy() for c in ("frequency", "recency", "n_periods")]
    floors = {
        "conditional_probability_alive": purchase,
        "conditional_expected_number_of_purchases_up_to_time": purchase,
        "expected_number_of_purchases_up_to_time": [horizons],
        "n = 0": [horizons],
        "Gamma-Gamma conditional_expected_average_profit": [purchase[0], spend],
        "customer_lifetime_value": purchase_small + [spend[: args.slow_rows]],
        "Pareto/NBD conditional_expected_number_of_purchases_up_to_time": purchase_small,
        "conditional_probability_of_n_purchases_up_to_time": purchase_small,
        "BG/BB conditional": discrete_cols,
    }

    def floor_of(label):
        for key in sorted(floors, key=len, reverse=True):
            if key in label:
                return floors[key]
        return None

    def read_write(cols):
        out = np.add(cols[0], cols[1]) if len(cols) > 1 else np.add(cols[0], 1.0)
        for c in cols[2:]:
            np.add(out, c, out=out)
        return out

    def read_write_pow(cols):
        out = read_write(cols)
        np.power(cols[-1], 0.25, out=out)
        return out

    table = [calls(m) for m in builds]
    theirs = calls(lifetimes)
    rows = []
    wanted = [w for w in (args.only or "").split(",") if w]
    for k, (label, n, lt_call) in enumerate(theirs):
        if wanted and not any(w in label for w in wanted):
            continue
        ours_calls = [t[k][2] for t in table]
        expected = np.asarray(lt_call(), dtype=float)
        for c in ours_calls:
            np.testing.assert_allclose(np.asarray(c(), dtype=float), expected, rtol=1e-9, atol=1e-300, err_msg=label)
        cols = floor_of(label)
        floor_calls = [] if cols is None else [lambda: read_write(cols), lambda: read_write_pow(cols)]
        times = [[] for _ in range(len(ours_calls) + 1 + len(floor_calls))]
        # lifetimes once where it takes seconds (n = --slow-rows).
        slow = n == args.slow_rows and n != args.rows and not args.best
        k_lt = len(ours_calls)
        for r in range(args.repeat):
            for j, c in enumerate(ours_calls + [lt_call] + floor_calls):
                if j != k_lt or not slow or r == 0:
                    times[j].append(timed(c, 1)[0])
        pick = min if args.best else statistics.median
        med = [pick(t) for t in times]
        floor = tuple(med[k_lt + 1 :]) if floor_calls else (None, None)
        rows.append((label, n, med[0], med[k_lt], med[1] if len(ours_calls) > 1 else None, *floor))
        print(f"  {label}: {med}", file=sys.stderr, flush=True)
    return rows


def report_predictions(rows, compared):
    head = f"{'call':64} {'rows':>9} {'customer_value':>14}"
    if compared:
        head += f" {'compared':>9}"
    head += f" {'lifetimes':>10} {'ratio':>7}"
    if compared:
        head += f" {'compared ratio':>14}"
    head += f" {'numpy r/w':>10} {'+ pow':>8} {'ns/cust':>8}"
    print(head)
    for label, n, o, t, c, rw, pw in rows:
        line = f"{label:64} {n:9,} {o:14.4f}"
        if compared:
            line += f" {c:9.4f}"
        line += f" {t:10.4f} {t / o:6.1f}x"
        if compared:
            line += f" {t / c:13.1f}x"
        line += f" {rw:10.4f} {pw:8.4f}" if rw is not None else f" {'':10} {'':8}"
        line += f" {o / n * 1e9:8.1f}"
        print(line)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--transactions", type=int, default=1_000_000)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-pareto", action="store_true", help="lifetimes' Pareto/NBD fit takes minutes")
    ap.add_argument("--summary-only", action="store_true", help="only the summary rows")
    ap.add_argument("--predictions", action="store_true", help="only the prediction calls of the lifetimes layer")
    ap.add_argument("--rows", type=int, default=1_000_000, help="customers for the prediction calls")
    ap.add_argument("--slow-rows", type=int, default=100_000, help="customers for the calls where lifetimes is slow")
    ap.add_argument(
        "--best",
        action="store_true",
        help="report each call's fastest run instead of the median (--predictions): on a loaded machine the fastest is the one least disturbed by other processes",
    )
    ap.add_argument(
        "--cpu",
        action="store_true",
        help="time the process's CPU time (all threads) instead of wall time (--predictions): on a loaded machine the closer measure of idle cost; a call on two threads then counts both",
    )
    ap.add_argument("--only", metavar="TEXT[,TEXT]", help="only the prediction calls whose label contains one of these")
    ap.add_argument(
        "--summary-csv",
        metavar="PATH",
        help="the prediction calls on this summary's frequency, recency and T (all its rows; --rows is its length) instead of simulated rows",
    )
    ap.add_argument("--csv-days", type=float, default=7.0, help="days per unit of --summary-csv's recency and T (7: a summary in days, read in weeks)")
    ap.add_argument("--compare", metavar="DIR", help="another build of customer_value (pip install --target DIR), timed alongside")
    args = ap.parse_args()
    if args.cpu:
        global CLOCK
        CLOCK = time.process_time
    if args.predictions:
        report_predictions(predictions(args), args.compare is not None)
        return

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
