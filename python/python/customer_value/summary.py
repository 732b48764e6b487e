"""Per-customer summaries of a transaction log, every figure the crate
computes, with exact money.

>>> from customer_value import summary
>>> s = summary.summarize(log, customer="id", date="date", amount="amount",
...                       observation_end="1997-09-30", unit="week")   # doctest: +SKIP

Purchases on the same day (``grouping="day"``, the default) merge into one
purchase occasion; ``"period"`` merges by ``unit`` periods, ``"transaction"``
keeps every row. Times count from each customer's first purchase in units
of ``unit`` (``"day"``, ``"week"`` or a number of days): ``t_x`` to the last
occasion, ``T`` to ``observation_end``. ``frequency`` counts repeat
occasions (x), ``purchases`` all occasions, ``transactions`` the rows.
Money columns (``total_spend``, ``mean_spend`` per occasion, ``zbar`` the
mean repeat occasion, ``holdout_spend``) are exact decimals. Transactions
after ``observation_end`` (or after ``holdout_end`` when given) are left out
and counted in ``result.attrs["excluded_transactions"]``.
"""

from __future__ import annotations

import re
from decimal import Decimal

import numpy as np
import pandas as pd

from . import _native
from ._convert import factorize, money_kwargs
from .clv import decimals
from .lifetimes.utils import _to_days

__all__ = ["summarize"]

_UNITS = {"day": 1, "days": 1, "D": 1, "week": 7, "weeks": 7, "W": 7}


def _unit_days(unit):
    if isinstance(unit, (int, np.integer)) and unit > 0:
        return int(unit)
    if unit in _UNITS:
        return _UNITS[unit]
    raise _native.InvalidParameterError(f"invalid unit: must be 'day', 'week' or a positive number of days, got {unit!r}")


# The compiled core names a customer by its code (its position among the
# sorted ids): put the user's id in its place.
_CODE = re.compile(r"\bcustomer (\d+)")


def _plain(value):
    """A numpy scalar as the Python value it holds (``7``, not
    ``np.int64(7)``, in messages)."""
    return value.item() if isinstance(value, np.generic) else value


def _with_customer_ids(error, ids):
    """The crate's error with customer codes replaced by the user's ids and
    the Rust option named as the Python argument."""
    message = _CODE.sub(
        lambda m: f"customer {_plain(ids[int(m.group(1))])!r}" if int(m.group(1)) < len(ids) else m.group(0),
        str(error),
    )
    message = message.replace("use RefundPolicy::Net to net refunds into purchases", "pass refunds='net' to net refunds into purchases")
    return type(error)(message)


def summarize(
    table,
    *,
    customer,
    date,
    amount=None,
    observation_end,
    unit="day",
    holdout_end=None,
    grouping="day",
    refunds="reject",
    datetime_format=None,
):
    """One row per customer, indexed by customer id (sorted)."""
    codes, ids = factorize(table[customer])
    days = _to_days(table[date], datetime_format)
    kwargs = {}
    if amount is not None:
        kwargs = money_kwargs(table[amount])
    try:
        out = _native.summarize_full(
            np.ascontiguousarray(codes, dtype=np.int64),
            np.ascontiguousarray(days, dtype=np.int64),
            int(_to_days(observation_end, datetime_format)),
            unit_days=_unit_days(unit),
            grouping=grouping,
            refunds=refunds,
            holdout_end_day=None if holdout_end is None else int(_to_days(holdout_end, datetime_format)),
            **kwargs,
        )
    except _native.CustomerValueError as error:
        raise _with_customer_ids(error, ids) from None
    index = pd.Index(ids[out["code"]], name=customer)
    epoch = np.datetime64("1970-01-01", "D")
    result = pd.DataFrame(
        {
            "frequency": out["frequency"],
            "purchases": out["purchases"],
            "transactions": out["transactions"],
            "first_purchase": epoch + out["first_purchase"].astype("timedelta64[D]"),
            "last_purchase": epoch + out["last_purchase"].astype("timedelta64[D]"),
            "t_x": out["t_x"],
            "T": out["T"],
        },
        index=index,
    )
    money = ["total_spend", "mean_spend", "zbar"] + (["holdout_spend"] if holdout_end is not None else [])
    if holdout_end is not None:
        result["holdout_purchases"] = out["holdout_purchases"]
        result["holdout_transactions"] = out["holdout_transactions"]
    for column in money:
        result[column] = decimals(out[column], index)
    result.attrs["excluded_transactions"] = out["excluded_transactions"]
    result.attrs["excluded_amount"] = Decimal(out["excluded_amount"])
    return result
