"""Discounted customer lifetime value and customer equity from margins.

The Gupta-Lehmann retention model: a customer who brings margin ``m`` a
period, stays each period with probability ``r`` and is discounted at ``d``
a period is worth ``m`` times a multiple. With the margin paid at each
period's end (``timing="end"``) over an infinite horizon the multiple is
``r / (1 + d - r)``; paid at each period's start (``"start"``), counting the
first payment at t = 0, it is ``(1 + d) / (1 + d - r)``; ``"end-if-alive-at-start"``
pays at the end of a period the customer began alive. A finite ``horizon``
sums that many periods. Rates are decimals (``"0.8"`` or ``Decimal``; a
float is read as its shortest text), and money stays exact: the CLVs come
back as decimals.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from . import _native
from ._convert import _to_numpy, floats, index_of

__all__ = ["retention_clv"]


def _text(value, name):
    if isinstance(value, (int, Decimal, str)):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    raise TypeError(f"{name} must be a decimal, int, float or str, got {type(value).__name__}")


def _money_kwargs(values, name, floats_key, texts_key):
    array = _to_numpy(values, name)
    if array.dtype.kind in "biuf":
        return {floats_key: floats(array, name)}
    return {texts_key: [str(v) for v in array]}


def decimals(texts, index=None, name=None):
    """Decimal texts as a pandas Series of exact decimals: pyarrow
    ``decimal128`` when pyarrow is installed, else ``decimal.Decimal``
    objects."""
    try:
        import pyarrow as pa

        scale = max((len(t.split(".")[1]) if "." in t else 0) for t in texts) if texts else 0
        digits = max((len(t.replace("-", "").replace(".", "")) for t in texts), default=1)
        if digits - 0 <= 38 and scale <= 38:
            precision = min(38, max(digits + scale, scale + 1, 1))
            array = pa.array(texts, pa.string()).cast(pa.decimal128(precision, scale))
            return pd.Series(array, index=index, name=name, dtype=pd.ArrowDtype(array.type))
    except ImportError:
        pass
    return pd.Series([Decimal(t) for t in texts], index=index, name=name, dtype=object)


def retention_clv(margins, *, retention, discount, timing="end", horizon=None, acquisition_cost=None):
    """Per-customer gross and net CLV (``gross_clv``, ``net_clv``) for each
    customer's margin per period; the customer equity (sum of net CLVs) and
    the multiple are in ``result.attrs``. Negative margins or costs are
    refused (:class:`customer_value.InvalidValueError`)."""
    kwargs = _money_kwargs(margins, "margins", "margins", "margin_texts")
    if acquisition_cost is not None:
        if isinstance(acquisition_cost, (int, float, Decimal, str)):
            n = len(_to_numpy(margins, "margins"))
            kwargs["acquisition_cost_texts"] = [_text(acquisition_cost, "acquisition_cost")] * n
        else:
            kwargs.update(_money_kwargs(acquisition_cost, "acquisition_cost", "acquisition_costs", "acquisition_cost_texts"))
    gross, net, equity, multiple = _native.retention_clv(
        retention=_text(retention, "retention"),
        discount=_text(discount, "discount"),
        timing=timing,
        horizon=None if horizon is None else int(horizon),
        **kwargs,
    )
    index = index_of(margins)
    out = pd.DataFrame({"gross_clv": decimals(gross, index), "net_clv": decimals(net, index)}, index=index)
    out.attrs["customer_equity"] = Decimal(equity)
    out.attrs["multiple"] = Decimal(multiple)
    return out
