"""Reference values for Gamma-Gamma's constant-spend-per-customer limit
(p -> inf, gamma -> 0 with c = p*gamma fixed) at 40 digits, for
`tests/data/gamma_gamma_limit_logs.csv` (the logs) and
`tests/data/gamma_gamma_limit_values.csv` (the values), read by the test
module `tests/btyd_spend_limits.rs`. Not run in CI; rerun with

    python benches/peers/gamma_gamma_limit_reference.py tests/data

(mpmath only). In the limit each customer's transactions all equal the
customer's mean spend c/G, G ~ Gamma(q, 1), so a repeat buyer's mean spend zbar
is inverse-gamma with shape q and scale c whatever x:

    l = sum w * [q ln c - lnGamma(q) - (q+1) ln zbar - c/zbar]

maximised here directly (c = q*h with h the weighted harmonic mean of zbar, q
the root of ln q - psi(q) = mean_w ln(zbar/h), by mpmath's findroot). The
Gamma-Gamma log-likelihood itself (the density of zbar, Fader, Hardie & Lee
2005b, written with plain log-gamma functions at 40 digits, no rearrangement)
is evaluated at (p, q, c/p) for growing p, to show it rising to the limit, and
its first-order correction D (l(p) = l_limit + D/p + O(1/p^2)),

    D = sum w/(2x) * [(c/zbar - q)^2 - q]

is checked against those values. For the log whose supremum is inside (a
constant-spend log on which the limit is not the best answer), the interior
maximum is the root of the gradient in (ln p, ln q, ln gamma), from a start
found by a float optimiser (Nelder-Mead in scipy, not needed here).

Columns of the values file: log, quantity, value."""
import sys
from mpmath import mp, mpf, log, loggamma, digamma, log1p, findroot, nstr

mp.dps = 40

# (x, zbar as written, weight)
LOGS = {
    # Five repeat buyers, each always spending the same amount (the
    # `fit --model gamma-gamma` log that reported `interior` at p = 1.7e9).
    "five": [(4, "5.99", 1), (8, "2.57", 1), (1, "7.17", 1), (5, "11.42", 1), (3, "8.38", 1)],
    # Spend rates 1/zbar at 0.01, 0.02, 0.04, 0.05 (symmetric about 0.03),
    # each at every purchase count 1, 3 and 12 (weights 2, 1, 3).
    "grid": [
        (x, z, w)
        for (x, w) in [(1, 2), (3, 1), (12, 3)]
        for z in ["20", "25", "50", "100"]
    ],
    # Constant spend within customers too, yet the supremum is inside
    # (p = 1.62, q = 7.73, gamma = 127.2): the mean spends shrink with x
    # as a within-customer spread would make them.
    "inside": [(3, "36.61", 1), (2, "8.73", 1), (8, "18.6", 1), (4, "55.45", 1), (1, "31.75", 1)],
}

INSIDE_START = (mpf("1.624"), mpf("7.726"), mpf("127.24"))


def gg_ll(rows, p, q, g):
    s = mpf(0)
    for x, z, w in rows:
        x, z = mpf(x), mpf(z)
        s += w * (
            loggamma(p * x + q)
            - loggamma(p * x)
            - loggamma(q)
            + p * x * log(x * z)
            + q * log(g)
            - (p * x + q) * log(g + x * z)
            - log(z)
        )
    return s


def gg_grad(rows, p, q, g):
    """Gradient in (ln p, ln q, ln gamma)."""
    out = [mpf(0)] * 3
    for x, z, w in rows:
        x, z = mpf(x), mpf(z)
        px = p * x
        out[0] += w * px * (digamma(px + q) - digamma(px) - log1p(g / (x * z)))
        out[1] += w * q * (digamma(px + q) - digamma(q) - log1p(x * z / g))
        out[2] += w * (q - g * (px + q) / (g + x * z))
    return out


def limit(rows):
    total = sum(mpf(w) for _, _, w in rows)
    h = total / sum(w / mpf(z) for _, z, w in rows)
    k = sum(w * log(mpf(z) / h) for _, z, w in rows) / total
    q = findroot(lambda q: log(q) - digamma(q) - k, 1 / (2 * k))
    c = q * h
    ll = sum(
        w * (q * log(c) - loggamma(q) - (q + 1) * log(mpf(z)) - c / mpf(z)) for _, z, w in rows
    )
    d = sum(mpf(w) / (2 * x) * ((c / mpf(z) - q) ** 2 - q) for x, z, w in rows)
    return q, c, ll, d


def main(out_dir):
    with open(f"{out_dir}/gamma_gamma_limit_logs.csv", "w") as f:
        f.write("log,x,zbar,weight\n")
        for name, rows in LOGS.items():
            for x, z, w in rows:
                f.write(f"{name},{x},{z},{w}\n")
    values = []
    for name, rows in LOGS.items():
        q, c, ll, d = limit(rows)
        values += [(name, "q", q), (name, "c", c), (name, "ll_limit", ll), (name, "d", d)]
        if q > 1:
            values.append((name, "population_mean", c / (q - 1)))
        for e in (4, 8, 12):
            p = mpf(10) ** e
            l_p = gg_ll(rows, p, q, c / p)
            # The first-order correction accounts for l(p) - l_limit.
            assert abs((l_p - ll) - d / p) < abs(d) / p * 1e-2 + mpf(10) ** -30, (name, e)
            values.append((name, f"ll_p1e{e}", l_p))
        if name == "inside":
            theta = findroot(
                lambda a, b, cc: gg_grad(rows, mp.exp(a), mp.exp(b), mp.exp(cc)),
                [log(v) for v in INSIDE_START],
            )
            p, q_i, g = (mp.exp(t) for t in theta)
            values += [
                (name, "inside_p", p),
                (name, "inside_q", q_i),
                (name, "inside_gamma", g),
                (name, "inside_ll", gg_ll(rows, p, q_i, g)),
            ]
    with open(f"{out_dir}/gamma_gamma_limit_values.csv", "w") as f:
        f.write("log,quantity,value\n")
        for name, what, v in values:
            f.write(f"{name},{what},{nstr(v, 25, min_fixed=-5, max_fixed=5)}\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data")
