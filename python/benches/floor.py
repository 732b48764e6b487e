"""The floor under the cheap prediction calls: per customer, what numpy
takes to read a call's input columns and write one float64 output, and
one transcendental pass (np.log, np.exp, np.power) over one column, next
to the whole lifetimes call and the whole customer_value call, alternated
in one run.

    python python/benches/floor.py [--rows 1000000] [--repeat 9]

Prints, per call, the median wall time and the median CPU time of the
process (``time.process_time``: all threads, so a call split over two
cores shows up to twice its wall time), in nanoseconds per customer.
CPU time is the steadier figure on a loaded machine: a call longer than a
scheduler time slice waits for a core, which inflates its wall time and
not numpy's sub-millisecond passes.
"""

import argparse
import os
import statistics
import sys
import time

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(__file__))
from bench import summary  # noqa: E402


def measure(f, repeat):
    wall, cpu = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        f()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def main():
    import lifetimes

    from customer_value import lifetimes as cv

    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=9)
    args = ap.parse_args()
    n = args.rows
    big = summary(n)
    f, r, T = (big[c].to_numpy() for c in ("frequency", "recency", "T"))
    horizons = np.linspace(0.0, 52.0, n)
    spend = np.where(f > 0, np.random.default_rng(4).gamma(4.0, 10.0, n).round(2), 0.0)
    spend_s = pd.Series(spend)

    def fitted(module, name, values, names):
        m = getattr(module, name)()
        m.params_ = pd.Series(values, index=names)
        return m

    bg = ("BetaGeoFitter", [0.25, 4.0, 0.8, 2.5], ["r", "alpha", "a", "b"])
    mbg = ("ModifiedBetaGeoFitter", [0.25, 4.0, 0.8, 2.5], ["r", "alpha", "a", "b"])
    pn = ("ParetoNBDFitter", [0.55, 10.5, 0.6, 12.0], ["r", "alpha", "s", "beta"])
    gg = ("GammaGammaFitter", [6.25, 3.74, 15.44], ["p", "q", "v"])
    calls = [
        ("BG/NBD conditional_probability_alive", bg, lambda m: m.conditional_probability_alive(big["frequency"], big["recency"], big["T"]), [f, r, T]),
        ("MBG/NBD conditional_probability_alive", mbg, lambda m: m.conditional_probability_alive(big["frequency"], big["recency"], big["T"]), [f, r, T]),
        ("BG/NBD probability_of_n_purchases_up_to_time(t, 0)", bg, lambda m: m.probability_of_n_purchases_up_to_time(horizons, 0), [horizons]),
        ("BG/NBD expected_number_of_purchases_up_to_time", bg, lambda m: m.expected_number_of_purchases_up_to_time(horizons), [horizons]),
        ("MBG/NBD expected_number_of_purchases_up_to_time", mbg, lambda m: m.expected_number_of_purchases_up_to_time(horizons), [horizons]),
        ("Pareto/NBD expected_number_of_purchases_up_to_time", pn, lambda m: m.expected_number_of_purchases_up_to_time(horizons), [horizons]),
        ("Gamma-Gamma conditional_expected_average_profit", gg, lambda m: m.conditional_expected_average_profit(big["frequency"], spend_s), [f, spend]),
    ]

    def read_write(cols):
        out = np.add(cols[0], cols[1]) if len(cols) > 1 else np.add(cols[0], 1.0)
        for c in cols[2:]:
            np.add(out, c, out=out)
        return out

    floors = [
        ("numpy: read the columns, write one output", read_write),
        ("numpy: np.log of one column", lambda cols: np.log(cols[-1] + 1.0)),
        ("numpy: np.exp of one column", lambda cols: np.exp(-cols[-1])),
        ("numpy: np.power of one column", lambda cols: np.power(cols[-1], 0.25)),
    ]
    ns = 1e9 / n
    print(f"{n:,} customers, {args.repeat} repeats, load average {os.getloadavg()[0]:.1f} at the start")
    print(f"{'call':58} {'ours wall':>10} {'ours cpu':>9} {'lifetimes wall':>15} {'cpu':>6} {'ratio wall':>11} {'ratio cpu':>10}  (ns per customer)")
    for label, (name, values, names), call, cols in calls:
        ours_m = fitted(cv, name, values, names)
        theirs_m = fitted(lifetimes, name, values, names)
        np.testing.assert_allclose(np.asarray(call(ours_m)), np.asarray(call(theirs_m)), rtol=1e-9, atol=1e-14, err_msg=label)
        times = {"ours": [], "lifetimes": [], **{k: [] for k, _ in floors}}
        for _ in range(args.repeat):
            times["ours"].append(measure(lambda: call(ours_m), 1))
            times["lifetimes"].append(measure(lambda: call(theirs_m), 1))
            for k, fl in floors:
                times[k].append(measure(lambda fl=fl: fl(cols), 1))
        med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in times.items()}
        (ow, oc), (lw, lc) = med["ours"], med["lifetimes"]
        print(f"{label:58} {ow * ns:10.1f} {oc * ns:9.1f} {lw * ns:15.1f} {lc * ns:6.1f} {lw / ow:10.1f}x {lc / oc:9.1f}x")
        for k, _ in floors:
            w, c = med[k]
            print(f"  {k:56} {w * ns:10.1f} {c * ns:9.1f}")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
