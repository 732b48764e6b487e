"""RFM on DataFrames, against pandas' own qcut and the closed forms of the
rank methods."""

import numpy as np
import pandas as pd
import pytest

import customer_value as cvm
from customer_value import rfm


def table(n=1000, seed=3):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer_id": [f"c{i:04d}" for i in range(n)],
            "days_since_last": rng.integers(0, 400, n).astype(float),
            "purchases": rng.integers(1, 15, n),
            "total_spend": rng.gamma(2.0, 50.0, n).round(2),
        }
    )


def test_qcut_rank_equals_pandas_qcut_of_first_ranks():
    t = table()
    s = rfm.score(t, customer="customer_id", recency="days_since_last", frequency="purchases", monetary="total_spend", method="qcut-rank", ties="first")
    # Recency is scored on -R (recent = high), as the crate's pandas oracle does.
    for column, score, sign in (("days_since_last", "r", -1), ("purchases", "f", 1), ("total_spend", "m", 1)):
        ranks = (sign * t[column]).rank(method="first")
        expected = pd.qcut(ranks, 5, labels=False).to_numpy() + 1
        assert np.array_equal(s[score].to_numpy(), expected), column
    assert list(s.index[:2]) == ["c0000", "c0001"]


def test_ceil_rank_closed_form_with_first_ties():
    t = table(257, seed=5)
    s = rfm.score(t, recency="days_since_last", frequency="purchases", monetary="total_spend", method="ceil-rank", ties="first", bins=4)
    rank = t["total_spend"].rank(method="first").to_numpy()
    assert np.array_equal(s["m"].to_numpy(), np.ceil(4 * rank / len(t)).astype(int))
    r, f, m = (s[c].astype(int) for c in ("r", "f", "m"))
    assert np.array_equal(s["code"].to_numpy(), r * 100 + f * 10 + m)


def test_default_gives_equal_values_equal_scores():
    t = table(500, seed=8)
    s = rfm.score(t, recency="days_since_last", frequency="purchases", monetary="total_spend")
    for column, score in (("days_since_last", "r"), ("purchases", "f"), ("total_spend", "m")):
        assert (s.groupby(t[column])[score].nunique() == 1).all(), column


def test_segments_and_decimals():
    from decimal import Decimal

    t = table(300, seed=2)
    t["total_spend"] = [Decimal(str(v)) for v in t["total_spend"]]
    s = rfm.score(t, recency="days_since_last", frequency="purchases", monetary="total_spend", method="rfm-package", segments="rfm-v030")
    assert set(s["segment"]) <= {
        "Champions", "Loyal Customers", "Potential Loyalist", "New Customers", "Promising",
        "Need Attention", "About To Sleep", "At Risk", "Can't Lose Them", "Lost", "Others",
    }


def test_polars_table():
    pl = pytest.importorskip("polars")
    t = table(200, seed=4)
    a = rfm.score(t, recency="days_since_last", frequency="purchases", monetary="total_spend", ties="first")
    b = rfm.score(pl.from_pandas(t), recency="days_since_last", frequency="purchases", monetary="total_spend", ties="first")
    assert np.array_equal(a.to_numpy(), b.to_numpy())


def test_bad_rfm_inputs():
    t = table(50)
    with pytest.raises(cvm.InvalidValueError, match="frequency"):
        rfm.score(t.assign(purchases=0), recency="days_since_last", frequency="purchases")
    with pytest.raises(cvm.InvalidValueError, match="recency"):
        rfm.score(t.assign(days_since_last=-1.0), recency="days_since_last", frequency="purchases")
    with pytest.raises(cvm.InvalidValueError, match="method"):
        rfm.score(t, recency="days_since_last", frequency="purchases", method="deciles")
