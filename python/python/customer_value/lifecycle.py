"""Customer lifecycle stages from a transaction log.

Each customer's history is cut into periods of ``unit`` (weeks by default)
from the period of the first purchase to the as-of period, and the
``WindowTrend`` rule (this crate's heuristic) gives the stage: prospect (no
purchase), churned (no purchase for ``churned`` periods, a year by
default), decline (no purchase for ``inactive`` periods, half a year, or the
last window's mean below the previous one's by ``threshold`` with no purchase
in the last ``recent_guard`` periods), exploration (young: at most
``exploration`` periods, or shorter than two windows), formation (the last
window's mean up by ``threshold``) or stability. The defaults are a quarter,
half a year and a year converted to the unit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _native
from ._convert import factorize, money_kwargs
from .lifetimes.utils import _to_days
from .summary import _unit_days

__all__ = ["stages"]


def stages(
    table,
    *,
    customer,
    date,
    as_of,
    amount=None,
    unit="week",
    value="spend",
    window=None,
    exploration=None,
    threshold=None,
    inactive=None,
    churned=None,
    recent_guard=None,
    datetime_format=None,
):
    """One row per customer (sorted by id): ``stage``, ``reason``,
    ``periods_observed`` and ``periods_since_last`` (periods since the
    last purchase). ``churned="never"`` turns the churned stage off; with
    ``value="purchases"`` no amount column is needed."""
    codes, ids = factorize(table[customer])
    days = _to_days(table[date], datetime_format)
    kwargs = {}
    if amount is not None:
        kwargs = money_kwargs(table[amount], exact_arrow=False)
    elif value == "spend":
        raise ValueError("value='spend' needs an amount column (or use value='purchases')")
    code, stage, reason, observed, since = _native.lifecycle_stages(
        np.ascontiguousarray(codes, dtype=np.int64),
        np.ascontiguousarray(days, dtype=np.int64),
        int(_to_days(as_of, datetime_format)),
        unit_days=_unit_days(unit),
        value=value,
        window=window,
        exploration=exploration,
        threshold=None if threshold is None else float(threshold),
        inactive=inactive,
        churned=None if churned in (None, "never") else int(churned),
        never_churned=churned == "never",
        recent_guard=recent_guard,
        **kwargs,
    )
    return pd.DataFrame(
        {
            "stage": stage,
            "reason": reason,
            "periods_observed": observed,
            "periods_since_last": pd.array(np.where(since < 0, None, since), dtype="Int64"),
        },
        index=pd.Index(ids[code], name=customer),
    )
