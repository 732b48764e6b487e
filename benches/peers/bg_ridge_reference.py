"""Reference values for BG/NBD and MBG/NBD on their homogeneous-dropout
ridge (a, b -> inf with p = a/(a+b) fixed), independently of the crate.

The limiting models (one dropout probability p for every customer), with
NBD(t) = Gamma(r+x)/Gamma(r) alpha^r / (alpha+t)^(r+x):
  BG/NBD:  L = (1-p)^x NBD(T) + [x>0] p (1-p)^(x-1) NBD(t_x)
  MBG/NBD: L = (1-p)^(x+1) NBD(T) + p (1-p)^x NBD(t_x)
are maximised over (ln r, ln alpha, logit p) by scipy's BFGS with the
analytic gradient, from several starts, then polished by Newton steps on a
central-difference Hessian of that gradient. The full models at finite
a + b = s (B(a, b+x)/B(a, b) as the product over k < x of (b+k)/(a+b+k),
no cancellation) are maximised over (r, alpha, p) for s = e^4 ... e^16,
which shows the supremum is the limit: the maximum rises with s towards
it. Gamma(r+x)/Gamma(r) is the product r (r+1) ... (r+x-1).

Data: the seeded log of tests/btyd_bg_ridge.rs, drawn here bit for bit
(SplitMix64 uniforms, one exp per customer; the script prints the log's
fingerprint, which the test checks), or a summary CSV (frequency, recency,
T; rows with T = 0 left out, as the command line does), e.g. the 103k
ridge log of bg_ridge_log.py.

Usage: python3 benches/peers/bg_ridge_reference.py [SUMMARY.csv]
"""
import csv
import math
import sys

import numpy as np
from scipy.optimize import minimize

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self):
        return ((self.next() >> 11) + 0.5) / float(1 << 53)


def ridge_log(seed=10, customers=20_000):
    """The log of tests/btyd_bg_ridge.rs::ridge_histories."""
    rng = SplitMix64(seed)
    xs, txs, ts = [], [], []
    for _ in range(customers):
        age = 365.0 + math.floor(1461.0 * rng.uniform())
        floor = math.exp(-0.01 * age)
        x = 0
        product = rng.uniform()
        while product > floor:
            x += 1
            product *= rng.uniform()
        t_x = age * (1.0 + rng.uniform()) / 2.0 if x > 0 else 0.0
        xs.append(x)
        txs.append(t_x)
        ts.append(age)
    return np.array(xs, float), np.array(txs), np.array(ts)


def read_summary(path):
    rows = [r for r in csv.DictReader(open(path)) if float(r["T"]) > 0]
    return (np.array([float(r["frequency"]) for r in rows]),
            np.array([float(r["recency"]) for r in rows]),
            np.array([float(r["T"]) for r in rows]))


def rising(r, x):
    """sum_{k<x} ln(r+k) and sum_{k<x} 1/(r+k) per row."""
    top = int(x.max())
    k = np.arange(top)
    ln_terms = np.cumsum(np.concatenate([[0.0], np.log(r + k)]))
    inv_terms = np.cumsum(np.concatenate([[0.0], 1.0 / (r + k)]))
    xi = x.astype(int)
    return ln_terms[xi], inv_terms[xi]


def limit_ll(z, x, tx, T, model, grad=False):
    """Limiting model's log-likelihood at z = (ln r, ln alpha, logit p)."""
    r, al = math.exp(z[0]), math.exp(z[1])
    p = 1.0 / (1.0 + math.exp(-z[2]))
    lnr, dr = rising(r, x)
    ln1p = math.log1p(-p)
    nbd_T = lnr + r * math.log(al) - (r + x) * np.log(al + T)
    nbd_t = lnr + r * math.log(al) - (r + x) * np.log(al + tx)
    if model == "bg":
        u = x * ln1p + nbd_T
        has = x > 0
        v = np.where(has, math.log(p) + (x - 1) * ln1p + nbd_t, -np.inf)
        du_p, dv_p = -x / (1 - p), np.where(has, 1 / p - (x - 1) / (1 - p), 0.0)
    else:
        u = (x + 1) * ln1p + nbd_T
        v = math.log(p) + x * ln1p + nbd_t
        du_p, dv_p = -(x + 1) / (1 - p), 1 / p - x / (1 - p)
    ll = np.logaddexp(u, v)
    if not grad:
        return ll.sum()
    wu, wv = np.exp(u - ll), np.exp(v - ll)
    d_r = dr + math.log(al) - (wu * np.log(al + T) + wv * np.log(al + tx))
    d_al = r / al - (r + x) * (wu / (al + T) + wv / (al + tx))
    d_p = wu * du_p + wv * dv_p
    g = np.array([r * d_r.sum(), al * d_al.sum(), p * (1 - p) * d_p.sum()])
    return ll.sum(), g


def finite_ll(r, al, a, b, x, tx, T, model):
    """The full model at finite a, b."""
    lnr, _ = rising(r, x)
    top = int(x.max()) + 2
    k = np.arange(top)
    # ln prod_{k<n} (b+k)/(a+b+k) for n = 0..top
    lnratio = np.cumsum(np.concatenate([[0.0], -np.log1p(a / (b + k))]))
    xi = x.astype(int)
    nbd_T = lnr + r * math.log(al) - (r + x) * np.log(al + T)
    nbd_t = lnr + r * math.log(al) - (r + x) * np.log(al + tx)
    if model == "bg":
        # B(a, b+x)/B(a, b); B(a+1, b+x-1)/B(a, b) = a/(b+x-1) * B(a, b+x)/B(a, b)
        u = lnratio[xi] + nbd_T
        v = np.where(x > 0, math.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + lnratio[xi] + nbd_t,
                     -np.inf)
    else:
        # B(a, b+x+1)/B(a, b); B(a+1, b+x)/B(a, b) = a/(a+b+x) * B(a, b+x)/B(a, b)
        u = lnratio[xi + 1] + nbd_T
        v = math.log(a) - np.log(a + b + x) + lnratio[xi] + nbd_t
    return np.logaddexp(u, v).sum()


def maximise_limit(x, tx, T, model):
    best = None
    for start in [(0.0, 0.0, 0.0), (2.0, 6.0, -3.0), (-1.0, 3.0, -1.0), (4.0, 8.0, -4.0)]:
        res = minimize(lambda z: tuple(-v for v in limit_ll(z, x, tx, T, model, True)),
                       np.array(start), jac=True, method="BFGS",
                       options={"gtol": 1e-9, "maxiter": 2000})
        if best is None or res.fun < best.fun:
            best = res
    z = best.x.copy()
    # Newton polish on a central-difference Hessian of the analytic gradient.
    for _ in range(4):
        _, g = limit_ll(z, x, tx, T, model, True)
        h = 1e-5
        H = np.zeros((3, 3))
        for i in range(3):
            e = np.zeros(3)
            e[i] = h
            H[:, i] = (limit_ll(z + e, x, tx, T, model, True)[1]
                       - limit_ll(z - e, x, tx, T, model, True)[1]) / (2 * h)
        H = 0.5 * (H + H.T)
        step = np.linalg.solve(H, -g)
        if limit_ll(z + step, x, tx, T, model) >= limit_ll(z, x, tx, T, model):
            z = z + step
    ll, g = limit_ll(z, x, tx, T, model, True)
    return z, ll, g


def profile(x, tx, T, model, z):
    """The full model's maximum over (r, alpha, p) at a + b = s."""
    out = []
    for ln_s in [4.0, 8.0, 12.0, 16.0]:
        s = math.exp(ln_s)

        def f(w):
            r, al = math.exp(w[0]), math.exp(w[1])
            p = 1.0 / (1.0 + math.exp(-w[2]))
            return -finite_ll(r, al, p * s, (1 - p) * s, x, tx, T, model)

        res = minimize(f, z, method="Nelder-Mead",
                       options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 4000})
        out.append((ln_s, -res.fun))
    return out


def main():
    if len(sys.argv) > 1:
        x, tx, T = read_summary(sys.argv[1])
        print(f"{sys.argv[1]}: {len(x)} customers")
    else:
        x, tx, T = ridge_log()
        print(f"tests/btyd_bg_ridge.rs log: x total {int(x.sum())}, zeros {int((x == 0).sum())}, "
              f"sum t_x {tx.sum():.17e}")
    for model in ["bg", "mbg"]:
        z, ll, g = maximise_limit(x, tx, T, model)
        r, al = math.exp(z[0]), math.exp(z[1])
        p = 1.0 / (1.0 + math.exp(-z[2]))
        print(f"{model}: limit r={r!r} alpha={al!r} p={p!r} LL={ll!r} |grad|={np.abs(g).max():.1e}")
        for ln_s, v in profile(x, tx, T, model, z):
            print(f"  {model}: a+b = e^{ln_s:g}: max LL {v!r} (limit - this = {ll - v:.3e})")


if __name__ == "__main__":
    main()
