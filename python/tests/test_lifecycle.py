"""Lifecycle stages on generated logs, against the rule's definitions."""

import numpy as np
import pandas as pd
import pytest

import customer_value as cvm
from customer_value import lifecycle


def log_of(rows):
    return pd.DataFrame(rows, columns=["id", "date", "amount"]).assign(date=lambda d: pd.to_datetime(d["date"]))


def test_silent_for_a_year_is_churned_and_a_recent_regular_is_not_in_decline():
    as_of = pd.Timestamp("2024-12-31")
    rows = []
    # "gone": bought weekly in 2022, nothing since.
    rows += [("gone", d, 20.0) for d in pd.date_range("2022-01-01", "2022-12-31", freq="7D")]
    # "regular": bought every week for two years, last purchase 3 days ago, smaller lately.
    rows += [("regular", d, 30.0 if d < pd.Timestamp("2024-10-01") else 10.0) for d in pd.date_range("2023-01-04", "2024-12-28", freq="7D")]
    # "young": first purchase 3 weeks ago.
    rows += [("young", "2024-12-10", 15.0)]
    s = lifecycle.stages(log_of(rows), customer="id", date="date", amount="amount", as_of=as_of)
    assert s.loc["gone", "stage"] == "churned"
    assert s.loc["regular", "stage"] != "decline"
    assert s.loc["young", "stage"] == "exploration"
    # One purchase, in the first period observed: every later period is idle.
    assert s.loc["young", "periods_since_last"] == s.loc["young", "periods_observed"] - 1
    assert s.loc["young", "periods_observed"] in (3, 4)  # 21 days: three or four week-periods
    never = lifecycle.stages(log_of(rows), customer="id", date="date", amount="amount", as_of=as_of, churned="never")
    assert never.loc["gone", "stage"] == "decline"


def test_purchases_without_amounts_and_bad_options():
    rows = [("a", "2024-01-01", 1.0), ("a", "2024-06-01", 1.0)]
    s = lifecycle.stages(log_of(rows).drop(columns="amount"), customer="id", date="date", as_of="2024-12-31", value="purchases", unit="day")
    assert list(s.index) == ["a"]
    with pytest.raises(cvm.CustomerValueError):
        lifecycle.stages(log_of(rows), customer="id", date="date", amount="amount", as_of="2024-12-31", threshold=-1)
