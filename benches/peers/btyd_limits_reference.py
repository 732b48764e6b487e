"""Reference values for the limiting models of Pareto/NBD and Gamma-Gamma on
the R rfm package's orders (shared/data/peers/rfm_data_orders.csv), computed
from the limiting models' own likelihoods, independently of the crate.

- Pareto/NBD with r, alpha -> inf (r/alpha = lambda) and s, beta -> inf
  (s/beta = mu): every customer buys at rate lambda while alive and dies at
  rate mu, so
  L = lambda^x [e^{-(lambda+mu)T} + mu/(lambda+mu) (e^{-(lambda+mu)t_x} - e^{-(lambda+mu)T})].
- Gamma-Gamma with q, gamma -> inf (q/gamma = nu): the mean of x spends is
  Gamma(p x, x nu), l = p x ln(x nu) - lnGamma(p x) + (p x - 1) ln zbar - x nu zbar;
  checked against the full model at q = 1e2 .. 1e13 with 30-digit mpmath.

Input: the summary in days written by
  customer-value summary -i rfm_data_orders.csv --observation-end 2006-12-31 \
      --date-column order_date --amount-column revenue -o rfm_days.csv
Usage: python3 benches/peers/btyd_limits_reference.py rfm_days.csv
"""
import csv
import math
import sys

import mpmath
import numpy as np
from scipy.optimize import minimize, minimize_scalar
from scipy.special import gammaln

rows = list(csv.DictReader(open(sys.argv[1])))
x = np.array([float(r["frequency"]) for r in rows])
tx = np.array([float(r["recency"]) for r in rows])
T = np.array([float(r["T"]) for r in rows])


def ll_poisson_exponential(t):
    lam, mu = np.exp(t)
    alive = -(lam + mu) * T
    dead = np.log(mu / (lam + mu)) - (lam + mu) * tx + np.log1p(-np.exp(-(lam + mu) * (T - tx)) + 1e-300)
    return np.sum(x * np.log(lam) + np.logaddexp(alive, dead))


best = min(
    (minimize(lambda t: -ll_poisson_exponential(t), s, method="Nelder-Mead",
              options={"xatol": 1e-12, "fatol": 1e-12, "maxiter": 20000})
     for s in [(-3, -6), (-2, -8), (-4, -5)]),
    key=lambda r: r.fun,
)
lam, mu = np.exp(best.x)
print(f"Pareto/NBD Poisson-exponential limit: lambda={lam!r} mu={mu!r} LL={-best.fun!r}")

m = x > 0
xs, zs = x[m], np.array([float(r["monetary_value"]) for r in rows])[m]
s1, s2 = xs.sum(), (xs * zs).sum()


def ll_spend(p, nu):
    return np.sum(p * xs * np.log(xs * nu) - gammaln(p * xs) + (p * xs - 1) * np.log(zs) - xs * nu * zs)


res = minimize_scalar(lambda lp: -ll_spend(math.exp(lp), math.exp(lp) * s1 / s2),
                      bounds=(-10, 10), method="bounded", options={"xatol": 1e-12})
p = math.exp(res.x)
nu = p * s1 / s2
print(f"Gamma-Gamma homogeneous-spend limit: p={p!r} nu={nu!r} LL={-res.fun!r}")

mpmath.mp.dps = 30


def ll_full(p, q, g):
    p, q, g = map(mpmath.mpf, (p, q, g))
    t = mpmath.mpf(0)
    for xi, zi in zip(xs, zs):
        xi, zi = mpmath.mpf(xi), mpmath.mpf(zi)
        t += (mpmath.loggamma(p * xi + q) - mpmath.loggamma(p * xi) - mpmath.loggamma(q)
              + q * mpmath.log(g) + (p * xi - 1) * mpmath.log(zi) + p * xi * mpmath.log(xi)
              - (p * xi + q) * mpmath.log(g + xi * zi))
    return t


for q in [1e2, 1e4, 1e8, 1e13]:
    print(f"  full Gamma-Gamma at q={q:g}, gamma=q/nu: LL={mpmath.nstr(ll_full(p, q, q / nu), 20)}")
