"""ABC classes and customer-pyramid tiers from each customer's value.

ABC by value ranks customers by value (largest first) and closes class A
where the cumulative share of value reaches ``abc_cuts[0]`` (0.8) and B at
``abc_cuts[1]`` (0.95); with ``boundary="crossing"`` the customer whose
value crosses a cut is inside it, with ``"strict"`` outside. ABC by count
uses shares of customers instead. The pyramid's textbook tiers are the top
1 % (Platinum), the next 4 % (Gold), 15 % (Iron) and 80 % (Lead) of
customers by value.
"""

from __future__ import annotations

import pandas as pd

from . import _native
from ._convert import _to_numpy, floats, index_of

__all__ = ["classify"]


def classify(values, *, abc_basis="value", abc_cuts=None, boundary="crossing", pyramid_cuts=None, pyramid_basis="count"):
    """``abc`` (A/B/C) and ``pyramid`` (Platinum/Gold/Iron/Lead) per customer."""
    array = _to_numpy(values, "values")
    kwargs = {"values": floats(array, "values")} if array.dtype.kind in "biuf" else {"value_texts": [str(v) for v in array]}
    abc, pyramid = _native.tiers(
        abc_basis=abc_basis,
        abc_cuts=None if abc_cuts is None else tuple(str(c) for c in abc_cuts),
        boundary=boundary,
        pyramid_cuts=None if pyramid_cuts is None else [str(c) for c in pyramid_cuts],
        pyramid_basis=pyramid_basis,
        **kwargs,
    )
    return pd.DataFrame({"abc": abc, "pyramid": pyramid}, index=index_of(values))
