"""CLV and tiers on columns, against closed forms computed here."""

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import customer_value as cvm
from customer_value import clv, tiers


def test_retention_clv_closed_forms():
    margins = pd.Series([100.0, 12.34, 0.0], index=["a", "b", "c"])
    end = clv.retention_clv(margins, retention="0.8", discount="0.1", timing="end")
    # Gupta & Lehmann: end-of-period payments, infinite horizon: m r / (1 + d - r).
    multiple = Decimal("0.8") / Decimal("0.3")
    assert end.attrs["multiple"].quantize(Decimal("1e-20")) == multiple.quantize(Decimal("1e-20"))
    assert round(float(end.loc["a", "gross_clv"]), 2) == 266.67
    start = clv.retention_clv(margins, retention=0.8, discount=0.1, timing="start")
    assert round(float(start.loc["a", "gross_clv"]), 4) == round(100 * 1.1 / 0.3, 4)
    finite = clv.retention_clv(margins, retention="0.8", discount="0.1", timing="end", horizon=3)
    expected = sum(100 * 0.8**t / 1.1**t for t in range(1, 4))
    assert abs(float(finite.loc["a", "gross_clv"]) - expected) < 1e-9
    net = clv.retention_clv(margins, retention="0.8", discount="0.1", acquisition_cost="50")
    import decimal

    with decimal.localcontext(prec=60):
        exact = sum(Decimal(v) for v in net["net_clv"].astype(str))
    # The crate's sum is exact to its 28 significant digits.
    assert abs(net.attrs["customer_equity"] - exact) < Decimal("1e-24")


def test_retention_clv_refuses_bad_rates_and_negative_money():
    with pytest.raises(cvm.CustomerValueError):
        clv.retention_clv([10.0], retention="1.2", discount="0.1")
    with pytest.raises(cvm.InvalidValueError, match="margin"):
        clv.retention_clv([-10.0], retention="0.8", discount="0.1")
    with pytest.raises(cvm.InvalidValueError, match="margin"):
        clv.retention_clv([10.0], retention="0.8", discount="0.1", acquisition_cost=-5)


def reference_abc(values, a=0.8, b=0.95):
    order = np.argsort(-values, kind="stable")
    share = np.cumsum(values[order]) / values.sum()
    before = np.concatenate([[0.0], share[:-1]])
    cls = np.where(before < a, "A", np.where(before < b, "B", "C"))
    out = np.empty(len(values), dtype=object)
    out[order] = cls
    return out


def test_abc_and_pyramid_against_an_independent_ranking():
    rng = np.random.default_rng(12)
    values = rng.pareto(1.5, 1000) * 100 + rng.uniform(0, 1, 1000)  # distinct
    values = np.round(values, 6)
    t = tiers.classify(values)
    assert list(t["abc"]) == list(reference_abc(values))
    order = np.argsort(-values, kind="stable")
    rank = np.empty(len(values), dtype=int)
    rank[order] = np.arange(1, len(values) + 1)
    expected = np.where(rank <= 10, "Platinum", np.where(rank <= 50, "Gold", np.where(rank <= 200, "Iron", "Lead")))
    assert list(t["pyramid"]) == list(expected)
