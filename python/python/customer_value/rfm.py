"""RFM scores on a DataFrame (pandas or polars) or on plain columns.

>>> from customer_value import rfm
>>> scores = rfm.score(table, customer="customer_id", recency="days_since_last",
...                    frequency="purchases", monetary="total_spend",
...                    method="rfm-package", segments="rfm-v030")     # doctest: +SKIP

Quantile methods: ``"ceil-rank"`` (score = ceil(k · rank / n)),
``"ntile"`` (SQL NTILE), ``"qcut-rank"`` (pandas ``qcut`` of the first-tie
rank) and ``"rfm-package"`` (the R rfm package). Recency scores are
reversed (recent customers score high). Ties: ``"first"``, ``"max"``,
``"min"``, ``"random:SEED"``, or None for the crate's default. The fitted
cut points are kept as JSON in ``result.attrs["fitted"]``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _native
from ._convert import _to_numpy, floats, index_of

__all__ = ["score"]


def _column(table, column, name):
    if isinstance(column, str):
        if table is None:
            raise ValueError(f"{name}={column!r} names a column, but no table was given")
        return table[column]
    return column


def score(
    table=None,
    *,
    recency,
    frequency,
    monetary=None,
    customer=None,
    bins=5,
    method="ceil-rank",
    ties=None,
    binning="independent",
    segments=None,
):
    """Scores every customer: columns ``r``, ``f``, ``m``, ``code`` (and
    ``segment``), indexed by ``customer`` when given. Money is read exactly
    (a float column's values as their shortest decimal text; Decimal or
    string columns as written)."""
    r = floats(_column(table, recency, "recency"), "recency")
    f = floats(_column(table, frequency, "frequency"), "frequency")
    kwargs = {}
    if monetary is not None:
        m = _to_numpy(_column(table, monetary, "monetary"), "monetary")
        if m.dtype.kind in "biuf":
            kwargs["monetary"] = floats(m, "monetary")
        else:
            kwargs["monetary_texts"] = [str(v) for v in m]
    out = _native.rfm_scores(r, f, bins=int(bins), method=method, ties=ties, binning=binning, segments=segments, **kwargs)
    index = None
    if customer is not None:
        ids = _to_numpy(_column(table, customer, "customer"), "customer")
        index = pd.Index(ids, name=customer if isinstance(customer, str) else "customer")
    elif table is not None and type(table).__module__.split(".")[0] == "pandas":
        index = table.index
    else:
        index = index_of(_column(table, recency, "recency"))
    result = pd.DataFrame({"r": out["r"], "f": out["f"], "m": out["m"], "code": out["code"]}, index=index)
    if segments is not None:
        result["segment"] = out["segment"]
    result.attrs["fitted"] = out["fitted"]
    return result
