"""Independent values of the GGom/NBD likelihood, P(alive), CET and DERT
from the model's definition (Bemmaor & Glady 2012): the Gompertz
heterogeneity eta ~ Gamma(s, beta) is integrated out numerically (nested
adaptive quadrature, scipy's QUADPACK at relative tolerance 1e-13), not by
the closed-form Gamma-Gompertz survivor the crate uses; only the gamma
mixing over the purchase rate is taken in closed form.

Writes tests/data/ggomnbd_quad.csv. Run: python3 benches/peers/ggomnbd_quad.py
"""
from math import exp, expm1, lgamma, log, inf
from pathlib import Path
from scipy.integrate import quad

PARAMS = [
    (1.3, 4.0, 0.2, 2.0, 3.0),
    (0.55, 10.6, 0.01, 0.6, 0.12),
    (0.8, 6.0, 0.05, 1.5, 0.4),
]
CUSTOMERS = [(0, 0.0, 38.0), (2, 10.0, 38.0), (5, 30.0, 40.0), (1, 2.0, 20.0)]
HORIZON = 52.0
DELTA = 0.01
TOL = dict(epsabs=0.0, epsrel=1e-13, limit=500)


def row(p, x, tx, T):
    r, alpha, b, s, beta = p

    def a(tau, extra=0):
        return exp(lgamma(r + x + extra) - lgamma(r) + r * log(alpha) - (r + x + extra) * log(alpha + tau))

    # eta = e^v, so the Gamma(s, beta) weight in v is smooth.
    def weight(v):
        eta = exp(v)
        return exp(s * log(beta) + s * v - beta * eta - lgamma(s))

    lo, hi = log(s / beta) - 40.0 / min(s, 1.0), log(s / beta) + 6.0

    def over_eta(h):
        return quad(lambda v: weight(v) * h(exp(v)), lo, hi, **TOL)[0]

    alive = lambda eta: exp(-eta * expm1(b * T))
    l1 = a(T) * over_eta(alive)
    if tx < T:
        dead = lambda eta: quad(
            lambda tau: a(tau) * eta * b * exp(b * tau - eta * expm1(b * tau)), tx, T, **TOL
        )[0]
        l2 = over_eta(dead)
    else:
        l2 = 0.0
    L = l1 + l2

    def resid(disc, end):
        def h(eta):
            def g(u):
                if b * u > 700.0:
                    return 0.0
                return exp(-disc * u - eta * exp(b * T) * expm1(b * u))
            return alive(eta) * quad(g, 0.0, end, **TOL)[0]
        return over_eta(h)

    cet = a(T, 1) * resid(0.0, HORIZON) / L
    dert = a(T, 1) * resid(DELTA, inf) / L
    return log(L), l1 / L, cet, dert


out = ["r,alpha,b,s,beta,x,t_x,T,ll,p_alive,cet52,dert001"]
for p in PARAMS:
    for (x, tx, T) in CUSTOMERS:
        vals = row(p, x, tx, T)
        out.append(",".join([repr(v) for v in p] + [str(x), repr(tx), repr(T)] + ["%.16e" % v for v in vals]))
        print(out[-1], flush=True)
path = Path(__file__).resolve().parents[2] / "tests/data/ggomnbd_quad.csv"
path.write_text("\n".join(out) + "\n")
