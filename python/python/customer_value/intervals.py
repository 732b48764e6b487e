"""Per-customer intervals for P(alive), expected purchases E[Y(t)], the
Gamma-Gamma expected spend and CLV, from a fit's uncertainty about its
parameters (not the customer's own randomness):

- the delta method (:func:`delta`, :func:`delta_spend`, :func:`delta_clv`):
  from the fit's covariance, on the logit scale for P(alive) and the log
  scale for positive quantities, so the bounds stay in range; needs a fit
  with a covariance (an interior fit), else :class:`NoCovarianceError`;
- the parametric bootstrap (:func:`bootstrap`, :func:`bootstrap_spend`,
  :func:`bootstrap_clv`): ``replicates`` resamples of the customers, each
  refitted; per customer the type-7 percentiles of the predictions.
  Seeded: the same ``seed`` gives the same intervals on any number of
  threads. Memory stays O(customers), whatever the number of replicates.

Each returns a DataFrame with ``estimate`` (the prediction at the fit),
``lower`` and ``upper`` (``lower <= estimate <= upper``), indexed like the
input when it is a pandas column. Purchase models: BG/NBD, MBG/NBD and
Pareto/NBD reports from :func:`customer_value.btyd.fit`; spend: a
Gamma-Gamma report from :func:`customer_value.btyd.fit_gamma_gamma`.

CLV follows lifetimes' ``customer_lifetime_value``: the expected spend per
transaction times the purchases of each of ``time`` periods of
``period_length`` time units, discounted at ``discount_rate`` per period
at each period's end (lifetimes' ``freq="D"`` is ``period_length=30``).

>>> from customer_value import btyd, intervals
>>> report = btyd.fit("pareto-nbd", f, r, T)                     # doctest: +SKIP
>>> intervals.delta(report, "p_alive", f, r, T, level=0.9)       # doctest: +SKIP
"""

from __future__ import annotations

import json

import pandas as pd

from . import _native
from ._convert import floats, index_of, optional_floats

__all__ = ["delta", "delta_spend", "delta_clv", "bootstrap", "bootstrap_spend", "bootstrap_clv"]

_MODELS = ("bg-nbd", "mbg-nbd", "pareto-nbd")


def _json(report, models):
    if report.model not in models:
        raise ValueError(f"intervals need a report of one of {models}, not {report.model}")
    return json.dumps(report.raw)


def _frame(cols, index):
    e, lo, hi = cols[:3]
    return pd.DataFrame({"estimate": e, "lower": lo, "upper": hi}, index=index)


def _what(prediction, t):
    if prediction not in ("p_alive", "expected_purchases"):
        raise ValueError(f"prediction must be 'p_alive' or 'expected_purchases', not {prediction!r}")
    return None if t is None else float(t)


def delta(report, prediction, frequency, recency, T, *, t=None, level=0.9):
    """Delta-method intervals at coverage ``level`` for ``"p_alive"`` or
    ``"expected_purchases"`` (in the next ``t`` time units) per customer."""
    cols = _native.delta_purchase_intervals(
        report.model,
        _json(report, _MODELS),
        prediction,
        floats(frequency, "frequency"),
        floats(recency, "recency"),
        floats(T, "T"),
        t=_what(prediction, t),
        level=float(level),
    )
    return _frame(cols, index_of(frequency, recency, T))


def delta_spend(report, frequency, monetary_value, *, level=0.9):
    """Delta-method intervals for the Gamma-Gamma conditional expected
    spend per transaction of each customer."""
    cols = _native.delta_spend(
        _json(report, ("gamma-gamma",)),
        floats(frequency, "frequency"),
        floats(monetary_value, "monetary_value"),
        level=float(level),
    )
    return _frame(cols, index_of(frequency, monetary_value))


def delta_clv(purchase_report, spend_report, frequency, recency, T, monetary_value, *, time=12, discount_rate=0.01, period_length=30.0, level=0.9):
    """Delta-method CLV intervals (the two fits' estimates are independent,
    so the variances of the log factors add)."""
    cols = _native.delta_clv(
        purchase_report.model,
        _json(purchase_report, _MODELS),
        _json(spend_report, ("gamma-gamma",)),
        floats(frequency, "frequency"),
        floats(recency, "recency"),
        floats(T, "T"),
        floats(monetary_value, "monetary_value"),
        time=int(time),
        discount_rate=float(discount_rate),
        factor=float(period_length),
        level=float(level),
    )
    return _frame(cols, index_of(frequency, recency, T, monetary_value))


def bootstrap(report, prediction, frequency, recency, T, *, t=None, weights=None, level=0.9, replicates=200, seed=0, threads=None):
    """Parametric-bootstrap intervals for the customers the fit was made
    on (give the same ``frequency``, ``recency``, ``T`` and ``weights``).
    ``result.attrs["failed"]`` counts replicates whose refit failed and
    were left out."""
    e, lo, hi, failed = _native.bootstrap_purchase_intervals(
        report.model,
        _json(report, _MODELS),
        prediction,
        floats(frequency, "frequency"),
        floats(recency, "recency"),
        floats(T, "T"),
        t=_what(prediction, t),
        weights=optional_floats(weights, "weights"),
        level=float(level),
        replicates=int(replicates),
        seed=int(seed),
        threads=threads,
    )
    out = _frame((e, lo, hi), index_of(frequency, recency, T))
    out.attrs["failed"] = failed
    return out


def bootstrap_spend(report, frequency, monetary_value, *, weights=None, level=0.9, replicates=200, seed=0, threads=None):
    """Parametric-bootstrap intervals for the Gamma-Gamma expected spend of
    the repeat buyers the fit was made on."""
    e, lo, hi, failed = _native.bootstrap_spend_intervals(
        _json(report, ("gamma-gamma",)),
        floats(frequency, "frequency"),
        floats(monetary_value, "monetary_value"),
        weights=optional_floats(weights, "weights"),
        level=float(level),
        replicates=int(replicates),
        seed=int(seed),
        threads=threads,
    )
    out = _frame((e, lo, hi), index_of(frequency, monetary_value))
    out.attrs["failed"] = failed
    return out


def bootstrap_clv(purchase_report, spend_report, frequency, recency, T, monetary_value, *, time=12, discount_rate=0.01, period_length=30.0, level=0.9, replicates=200, seed=0, threads=None):
    """Parametric-bootstrap CLV intervals: the purchase fit refitted on
    resamples of every customer, the spend fit on resamples of the repeat
    buyers (frequency > 0), paired by replicate."""
    cols = _native.bootstrap_clv(
        purchase_report.model,
        _json(purchase_report, _MODELS),
        _json(spend_report, ("gamma-gamma",)),
        floats(frequency, "frequency"),
        floats(recency, "recency"),
        floats(T, "T"),
        floats(monetary_value, "monetary_value"),
        time=int(time),
        discount_rate=float(discount_rate),
        factor=float(period_length),
        level=float(level),
        replicates=int(replicates),
        seed=int(seed),
        threads=threads,
    )
    return _frame(cols, index_of(frequency, recency, T, monetary_value))
