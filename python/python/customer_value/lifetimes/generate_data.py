"""Simulated customers from fitted parameters, as lifetimes'
``lifetimes.generate_data``: the functions behind each fitter's
``generate_new_data(size=1)``, which ``plotting.plot_period_transactions``
calls.

Each draw is exact and vectorised (numpy, no Python loop per customer or
per purchase), from numpy's global random state as lifetimes' (so
``np.random.seed`` makes a run repeatable; the streams differ from
lifetimes', so the same seed gives other customers):

* BG/NBD (Fader, Hardie & Lee 2005): ``lambda ~ Gamma(r, rate alpha)``,
  ``p ~ Beta(a, b)``; ``N ~ Poisson(lambda T)`` purchases in ``(0, T]`` if
  the customer never dropped out, ``K ~ Geometric(p)`` (on 1, 2, ...) the
  repeat purchase after which the customer drops out, ``frequency =
  min(N, K)``; the purchase times are ``N`` uniform times on ``(0, T]``, so
  ``recency / T ~ Beta(frequency, N - frequency + 1)`` (0 without repeat
  purchases); alive at ``T`` when ``N < K``.
* MBG/NBD (Batislam, Denizel & Filiztekin 2007): the same with a dropout
  chance at time 0 too, ``K ~ Geometric(p) - 1`` (on 0, 1, ...).
* Pareto/NBD (Schmittlein, Morrison & Colombo 1987): ``lambda ~ Gamma(r,
  rate alpha)``, ``mu ~ Gamma(s, rate beta)``, lifetime ``tau ~
  Exponential(mu)``; ``frequency ~ Poisson(lambda min(tau, T))``,
  ``recency = min(tau, T) U`` with ``U ~ Beta(frequency, 1)`` (the last of
  ``frequency`` uniform times); alive when ``tau > T``.
* BG/BB (Fader, Hardie & Shang 2010): ``p ~ Beta(alpha, beta)``, ``theta ~
  Beta(gamma, delta)``; the customer lives ``L ~ Geometric(theta) - 1`` of
  the ``n`` opportunities and transacts at each live one with probability
  ``p``: read backwards from the last live opportunity, the last
  transaction is ``G ~ Geometric(p) - 1`` opportunities before it, so
  ``recency = min(L, n) - G`` (no transaction when ``G >= min(L, n)``) and
  ``frequency = 1 + Binomial(recency - 1, p)``; alive after one more
  opportunity (lifetimes' convention) when ``L > n``.

Difference from lifetimes: lifetimes' continuous-time simulators count
``frequency`` as the number of distinct whole time units with a repeat
purchase (``np.unique(times.astype(int))``), which undercounts when the time
unit is coarse (weeks); here ``frequency`` is the model's number of repeat
purchases, the quantity the fitters model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy import random

__all__ = [
    "beta_geometric_nbd_model",
    "beta_geometric_nbd_model_transactional_data",
    "modified_beta_geometric_nbd_model",
    "pareto_nbd_model",
    "beta_geometric_beta_binom_model",
]


def _ages(T, size):
    if isinstance(T, (int, float, np.integer, np.floating)):
        return np.full(size, float(T))
    T = np.asarray(T, dtype=float)
    if T.shape != (size,):
        raise ValueError(f"T has {T.size} ages for size={size} customers")
    return T


def _frame(columns, index_name="customer_id"):
    df = pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in columns.items()})
    df.index.name = index_name
    return df


def _order_statistic(span, k, n):
    """``span`` times the ``k``-th smallest of ``n`` uniforms on (0, 1)
    (0 where ``k == 0``)."""
    k = np.asarray(k)
    u = random.beta(np.maximum(k, 1), np.maximum(n - k + 1, 1))
    return np.where(k > 0, span * u, 0.0)


def _bg(T, r, alpha, a, b, size, at_zero):
    T = _ages(T, size)
    p = random.beta(a, b, size=size)
    lam = random.gamma(r, scale=1.0 / alpha, size=size)
    n = random.poisson(lam * T)
    k = random.geometric(p) - (1 if at_zero else 0)
    x = np.minimum(n, k)
    t_x = _order_statistic(T, x, n)
    return _frame({"frequency": x, "recency": t_x, "T": T, "lambda": lam, "p": p, "alive": n < k})


def beta_geometric_nbd_model(T, r, alpha, a, b, size=1):
    """``size`` new customers observed for ``T`` (one age or one per
    customer) under BG/NBD parameters: a DataFrame indexed by
    ``customer_id`` with ``frequency``, ``recency``, ``T``, ``lambda``,
    ``p`` and ``alive``, as lifetimes'."""
    return _bg(T, r, alpha, a, b, size, at_zero=False)


def beta_geometric_nbd_model_transactional_data(T, r, alpha, a, b, observation_period_end="2019-1-1", freq="D", size=1):
    """``size`` new customers' transactions under BG/NBD parameters, as
    lifetimes': a DataFrame with ``customer_id`` (0, 1, ...) and ``date``,
    one row per purchase, each customer's first purchase ``T`` units of
    ``freq`` (``"D"``, ``"W"``, ``"h"``, ...) before
    ``observation_period_end`` and the repeat purchases after it, in time
    order.

    The customers are :func:`beta_geometric_nbd_model`'s (the same draws
    come first, so after one ``np.random.seed`` both give the same
    ``frequency`` and ``recency``): the last repeat purchase is at
    ``recency``, the other ``frequency - 1`` at uniform times before it
    (the model's purchase times given the last one), drawn afterwards. So
    summarising these transactions by whole units of ``freq`` gives the
    model's ``frequency`` except where two purchases fall in one unit, and
    ``recency`` rounded up. Vectorised (no Python loop per customer or
    purchase); lifetimes 0.11.3 itself fails under pandas 2 (it calls
    ``DataFrame.append``)."""
    customers = beta_geometric_nbd_model(T, r, alpha, a, b, size=size)
    ages = customers["T"].to_numpy()
    x = customers["frequency"].to_numpy().astype(np.int64)
    t_x = customers["recency"].to_numpy()
    # The frequency - 1 earlier repeat purchases: uniform on (0, recency).
    earlier = np.maximum(x - 1, 0)
    who = np.repeat(np.arange(size), earlier)
    times = random.uniform(size=int(earlier.sum())) * t_x[who]
    # Every purchase: the first (at -1 unit from the start), the earlier
    # repeats, the last at the recency; sorted by customer, then time.
    ids = np.concatenate([np.arange(size), who, np.flatnonzero(x > 0)])
    offsets = np.concatenate([np.full(size, -1.0), times, t_x[x > 0]])
    order = np.lexsort((offsets, ids))
    ids, offsets = ids[order], offsets[order]
    unit = pd.Timedelta(1, unit=freq).value
    end = pd.Timestamp(pd.to_datetime(observation_period_end)).as_unit("ns").value
    start = end - np.rint((ages[ids] - 1.0) * unit)
    stamps = (start + np.rint(offsets * unit)).astype(np.int64)
    return pd.DataFrame({"customer_id": ids, "date": pd.to_datetime(stamps, unit="ns")})


def modified_beta_geometric_nbd_model(T, r, alpha, a, b, size=1):
    """As :func:`beta_geometric_nbd_model` under MBG/NBD parameters (the
    customer may drop out at time 0 too)."""
    return _bg(T, r, alpha, a, b, size, at_zero=True)


def pareto_nbd_model(T, r, alpha, s, beta, size=1):
    """``size`` new customers observed for ``T`` under Pareto/NBD
    parameters: ``frequency``, ``recency``, ``T``, ``lambda``, ``mu`` and
    ``alive``, indexed by ``customer_id``, as lifetimes'."""
    T = _ages(T, size)
    lam = random.gamma(r, scale=1.0 / alpha, size=size)
    mu = random.gamma(s, scale=1.0 / beta, size=size)
    tau = random.exponential(scale=1.0 / mu)
    span = np.minimum(tau, T)
    x = random.poisson(lam * span)
    t_x = _order_statistic(span, x, x)
    return _frame({"frequency": x, "recency": t_x, "T": T, "lambda": lam, "mu": mu, "alive": tau > T})


def beta_geometric_beta_binom_model(N, alpha, beta, gamma, delta, size=1):
    """``size`` new customers with ``N`` transaction opportunities (one
    number or one per customer) under BG/BB parameters: ``frequency``,
    ``recency``, ``n_periods``, ``p``, ``theta``, ``alive`` and
    ``customer_id`` columns, as lifetimes' (which does not index by
    customer)."""
    n = _ages(N, size)
    if np.any(n != np.floor(n)) or np.any(n < 0):
        raise ValueError("N must be whole numbers of opportunities >= 0")
    p = random.beta(alpha, beta, size=size)
    theta = random.beta(gamma, delta, size=size)
    lives = random.geometric(theta) - 1
    live = np.minimum(lives, n)
    gap = random.geometric(p) - 1
    t_x = np.where(gap < live, live - gap, 0)
    x = np.where(t_x > 0, 1 + random.binomial(np.maximum(t_x - 1, 0).astype(np.int64), p), 0)
    df = _frame({"frequency": x, "recency": t_x, "n_periods": n, "p": p, "theta": theta, "alive": lives > n})
    df["customer_id"] = np.arange(size, dtype=float)
    df.index.name = None
    return df
