"""Side-by-side timings of lifetimes' underscored internals in
``customer_value.lifetimes`` against lifetimes 0.11.3, whole Python calls,
in one run: the fitters' ``_negative_log_likelihood`` (BG/NBD, MBG/NBD,
Pareto/NBD, Gamma-Gamma, BG/BB), ``utils._customer_lifetime_value`` and
``utils._find_first_transactions``.

    python python/benches/lifetimes_internals.py [--customers 100000] [--transactions 1000000] [--repeat 5]

Each result is checked equal to lifetimes' (1e-9 relative; equal frames)
before it is timed; customer_value and lifetimes alternate, ``--repeat``
times each, and the fastest run of each is reported with the ratio
lifetimes / customer_value. Data are simulated, seeded.
"""

import argparse
import time

import numpy as np
import pandas as pd
from pandas.testing import assert_frame_equal

import lifetimes
from lifetimes import utils as lt_utils

from customer_value import lifetimes as cv
from customer_value.lifetimes import generate_data
from customer_value.lifetimes import utils as cv_utils


def best_of(calls, repeat):
    """The fastest of ``repeat`` runs of each call, the calls alternating."""
    best = [float("inf")] * len(calls)
    for _ in range(repeat):
        for i, call in enumerate(calls):
            t0 = time.perf_counter()
            call()
            best[i] = min(best[i], time.perf_counter() - t0)
    return best


def close(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert np.all(np.abs(a - b) <= 1e-9 * np.abs(b)), np.max(np.abs(a - b) / np.abs(b))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n = args.customers
    np.random.seed(12)
    # Ages of 1 to 365 days; "real-valued" times as they are drawn, "day
    # grid" times in whole days (recency rounded up), as a summary in days
    # gives them, where rows repeat.
    sim = generate_data.beta_geometric_nbd_model(np.random.randint(1, 366, n), 0.243, 30.0, 0.793, 2.426, size=n)
    f, r, T = (sim[c].to_numpy() for c in ("frequency", "recency", "T"))
    f = f.astype(int)
    w = np.ones(n)
    rows = []

    def row(name, ours, theirs, check=close):
        check(ours(), theirs())
        a, b = best_of([ours, theirs], args.repeat)
        rows.append((name, a, b))

    for grid, r_ in (("real-valued", r), ("day grid", np.minimum(np.ceil(r), T))):
        for label, ours, theirs, point in [
            ("BG/NBD", cv.BetaGeoFitter, lifetimes.BetaGeoFitter, [0.243, 30.0, 0.793, 2.426]),
            ("MBG/NBD", cv.ModifiedBetaGeoFitter, lifetimes.ModifiedBetaGeoFitter, [0.525, 40.0, 0.891, 1.614]),
        ]:
            lp = np.log(point)
            row(
                f"{label} _negative_log_likelihood, {grid}",
                lambda ours=ours, lp=lp, r_=r_: ours._negative_log_likelihood(lp, f, r_, T, w, 0.0),
                lambda theirs=theirs, lp=lp, r_=r_: theirs._negative_log_likelihood(lp, f, r_, T, w, 0.0),
            )
        p = [0.553, 70.0, 0.606, 80.0]
        row(
            f"Pareto/NBD _negative_log_likelihood, {grid}",
            lambda r_=r_: cv.ParetoNBDFitter._negative_log_likelihood(p, f, r_, T, w, 0.0),
            lambda r_=r_: lifetimes.ParetoNBDFitter._negative_log_likelihood(p, f, r_, T, w, 0.0),
        )
    repeat = f > 0
    m = np.round(np.random.gamma(6.25, 1.0 / 0.3, n), 2)[repeat] + 0.01
    gp = np.log([6.25, 3.74, 15.44])
    row(
        "Gamma-Gamma _negative_log_likelihood",
        lambda: cv.GammaGammaFitter._negative_log_likelihood(gp, f[repeat], m, w[repeat], 0.0),
        lambda: lifetimes.GammaGammaFitter._negative_log_likelihood(gp, f[repeat].astype(float), m, w[repeat], 0.0),
    )
    bb = generate_data.beta_geometric_beta_binom_model(6, 1.204, 0.750, 0.657, 2.783, size=n)
    bf, br, bn = (bb[c].to_numpy() for c in ("frequency", "recency", "n_periods"))
    bp = np.log([1.204, 0.750, 0.657, 2.783])
    row(
        "BG/BB _negative_log_likelihood",
        lambda: cv.BetaGeoBetaBinomFitter._negative_log_likelihood(bp, bf, br, bn, w, 0.0),
        lambda: lifetimes.BetaGeoBetaBinomFitter._negative_log_likelihood(bp, bf, br, bn, w, 0.0),
    )

    ours = cv.BetaGeoFitter()
    ours.params_ = pd.Series([0.243, 30.0, 0.793, 2.426], index=["r", "alpha", "a", "b"])
    theirs = lifetimes.BetaGeoFitter()
    theirs.params_ = ours.params_.copy()
    theirs.predict = theirs.conditional_expected_number_of_purchases_up_to_time
    columns = [pd.Series(v) for v in (f, r, T, np.full(n, 20.0))]
    row(
        "BG/NBD _customer_lifetime_value (12 months)",
        lambda: cv_utils._customer_lifetime_value(ours, *columns, time=12, discount_rate=0.01, freq="D"),
        lambda: lt_utils._customer_lifetime_value(theirs, *columns, time=12, discount_rate=0.01, freq="D"),
    )

    k = args.transactions
    rng = np.random.default_rng(5)
    log = pd.DataFrame(
        {
            "id": rng.integers(0, k // 10, k),
            "date": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 365 * 24 * 3600, k), unit="s"),
            "amount": np.round(rng.gamma(2.0, 20.0, k), 2),
        }
    )
    for freq, amounts in (("D", None), ("W", "amount")):
        row(
            f"_find_first_transactions ({k} rows, freq={freq}, amounts={amounts is not None})",
            lambda freq=freq, amounts=amounts: cv_utils._find_first_transactions(log, "id", "date", amounts, freq=freq),
            lambda freq=freq, amounts=amounts: lt_utils._find_first_transactions(log, "id", "date", amounts, freq=freq),
            check=lambda a, b: assert_frame_equal(a, b, check_exact=False, rtol=1e-12),
        )

    print(f"{n} customers, best of {args.repeat} alternating runs")
    print(f"{'call':58s} {'customer_value':>15s} {'lifetimes':>11s} {'ratio':>7s}")
    for name, a, b in rows:
        print(f"{name:58s} {a * 1e3:12.2f} ms {b * 1e3:8.2f} ms {b / a:6.1f}x")


if __name__ == "__main__":
    main()
