"""The native summary against pandas computations on the same log."""

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import customer_value as cvm
from customer_value import summary
from customer_value.lifetimes import utils as cv_utils

from test_lifetimes_parity import simulated


def test_summary_columns_against_pandas():
    log = simulated(600, seed=21)
    log["amount"] = [Decimal(f"{v:.2f}") for v in log["amount"]]
    s = summary.summarize(log, customer="customer", date="date", amount="amount", observation_end="2024-09-30", holdout_end="2024-12-31")
    cal = log[log["date"] <= "2024-09-30"]
    by_day = cal.groupby(["customer", cal["date"].dt.normalize()])["amount"].sum().reset_index()
    g = by_day.groupby("customer")
    assert np.array_equal(s["purchases"].to_numpy(), g.size().to_numpy())
    assert np.array_equal(s["frequency"].to_numpy(), g.size().to_numpy() - 1)
    assert np.array_equal(s["transactions"].to_numpy(), cal.groupby("customer").size().to_numpy())
    totals = cal.groupby("customer")["amount"].sum()
    assert [Decimal(v) for v in s["total_spend"].astype(str)] == [Decimal(v).normalize() for v in totals]
    first = g["date"].min()
    assert np.array_equal(s["first_purchase"].to_numpy(), first.to_numpy().astype("datetime64[D]"))
    assert np.allclose(s["T"].to_numpy(), (pd.Timestamp("2024-09-30") - first).dt.days.to_numpy())
    hold = log[(log["date"] > "2024-09-30") & (log["date"] <= "2024-12-31")]
    hold = hold[hold["customer"].isin(s.index)]
    hp = hold.groupby("customer")["date"].nunique().reindex(s.index, fill_value=0)
    assert np.array_equal(s["holdout_purchases"].to_numpy(), hp.to_numpy())
    assert s.attrs["excluded_transactions"] == int((log["date"] > "2024-12-31").sum())


def test_summary_agrees_with_the_lifetimes_layer_in_weeks():
    log = simulated(300, seed=8)
    s = summary.summarize(log, customer="customer", date="date", amount="amount", observation_end="2024-12-31", unit="week")
    lt = cv_utils.summary_data_from_transaction_data(log, "customer", "date", "amount", observation_period_end="2024-12-31", freq="D", freq_multiplier=7)
    assert np.array_equal(s["frequency"].to_numpy(), lt["frequency"].to_numpy())
    assert np.allclose(s["t_x"].to_numpy(), lt["recency"].to_numpy(), rtol=1e-12)
    assert np.allclose(s["T"].to_numpy(), lt["T"].to_numpy(), rtol=1e-12)


def test_summary_refuses_refunds_beyond_purchases():
    log = pd.DataFrame({"id": [1, 1], "date": ["2024-01-01", "2024-01-02"], "amount": [10.0, -30.0]})
    with pytest.raises(cvm.CustomerValueError):
        summary.summarize(log, customer="id", date="date", amount="amount", observation_end="2024-02-01")


def test_refund_errors_name_the_customer_id_and_the_python_argument():
    # Ids that are not their codes: the message must show "C-9", not 0 or 1.
    log = pd.DataFrame(
        {"id": ["A-1", "C-9", "C-9"], "date": ["2024-01-01", "2024-01-01", "2024-01-02"], "amount": [5.0, 10.0, -30.0]}
    )
    with pytest.raises(cvm.CustomerValueError) as caught:
        summary.summarize(log, customer="id", date="date", amount="amount", observation_end="2024-02-01")
    message = str(caught.value)
    assert "'C-9'" in message and "customer 1" not in message
    assert "refunds='net'" in message and "RefundPolicy" not in message


def test_single_precision_amounts_are_read_as_written():
    # 14.16 as float32 widens to 14.15999984741211 in float64: the summary
    # must carry the cents the user wrote, from pandas, pyarrow and polars.
    values = np.array([14.16, 0.1, 19.99, 1234.5], dtype=np.float32)
    ids, dates = [1, 1, 2, 3], ["2024-01-01", "2024-01-05", "2024-01-02", "2024-01-03"]
    tables = [
        pd.DataFrame({"id": ids, "date": dates, "amount": values}),
        pd.DataFrame({"id": ids, "date": dates, "amount": pd.Series(values, dtype="float[pyarrow]")}),
    ]
    pa = pytest.importorskip("pyarrow")
    pl = pytest.importorskip("polars")
    tables.append(pa.table({"id": ids, "date": pd.to_datetime(dates), "amount": pa.array(values)}))
    tables.append(pl.DataFrame({"id": ids, "date": pd.to_datetime(dates), "amount": pl.Series(values)}))
    for table in tables:
        s = summary.summarize(table, customer="id", date="date", amount="amount", observation_end="2024-02-01")
        assert [Decimal(str(v)) for v in s["total_spend"]] == [Decimal("14.26"), Decimal("19.99"), Decimal("1234.5")], type(table)


def test_money_texts_too_long_to_hold_are_refused_not_rounded():
    log = pd.DataFrame({"id": [1, 2], "date": ["2024-01-01", "2024-01-02"], "amount": ["10.00", "99999999999999999999.999999999999999999"]})
    with pytest.raises(cvm.CustomerValueError, match="28-digit"):
        summary.summarize(log, customer="id", date="date", amount="amount", observation_end="2024-02-01")


def test_an_unknown_unit_is_a_typed_error():
    log = pd.DataFrame({"id": [1], "date": ["2024-01-01"], "amount": [1.0]})
    with pytest.raises(cvm.InvalidParameterError, match="unit"):
        summary.summarize(log, customer="id", date="date", amount="amount", observation_end="2024-02-01", unit="month")
