"""Inputs as pandas, polars, pyarrow, numpy and lists give identical results;
bad inputs raise the right CustomerValueError subclass, never NaN."""

import numpy as np
import pandas as pd
import pytest

import customer_value as cvm
from customer_value import lifetimes as cv
from customer_value.lifetimes import utils as cv_utils


def summary(n=300, seed=11):
    """A seeded summary with heterogeneous buyers and a few non-repeaters."""
    rng = np.random.default_rng(seed)
    T = rng.uniform(10, 52, n).round(2)
    x = rng.poisson(rng.gamma(0.8, 2.0, n))
    t_x = np.where(x > 0, (T * rng.uniform(0.1, 1.0, n)).round(2), 0.0)
    spend = np.where(x > 0, rng.gamma(3.0, 15.0, n).round(2), 0.0)
    return pd.DataFrame({"frequency": x.astype(float), "recency": t_x, "T": T, "monetary_value": spend})


def forms(column):
    """The same column as numpy, list, pandas, polars and pyarrow."""
    out = [column.to_numpy(), column.tolist(), column]
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    out.append(pl.Series(column.name, column.to_numpy()))
    out.append(pa.array(column.to_numpy()))
    out.append(pa.chunked_array([column.to_numpy()[:100], column.to_numpy()[100:]]))
    return out


def test_every_input_form_gives_identical_fits_and_predictions():
    s = summary()
    reference = cv.BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    p_ref = np.asarray(reference.conditional_probability_alive(s["frequency"], s["recency"], s["T"]))
    for f, r, t in zip(forms(s["frequency"]), forms(s["recency"]), forms(s["T"])):
        fitted = cv.BetaGeoFitter().fit(f, r, t)
        assert fitted.params_.equals(reference.params_)
        p = np.asarray(fitted.conditional_probability_alive(f, r, t))
        assert np.array_equal(p, p_ref)


def test_integer_columns_are_accepted():
    s = summary()
    a = cv.BetaGeoFitter().fit(s["frequency"].astype(int), s["recency"], s["T"])
    b = cv.BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    assert a.params_.equals(b.params_)


@pytest.mark.parametrize(
    "change, error",
    [
        (lambda s: s.assign(recency=s["recency"].where(s.index != 3, np.nan)), cvm.InvalidValueError),
        (lambda s: s.assign(frequency=s["frequency"].where(s.index != 3, -1.0)), cvm.InvalidValueError),
        (lambda s: s.assign(frequency=s["frequency"].where(s.index != 3, 1.5)), cvm.InvalidValueError),
        (lambda s: s.assign(recency=s["T"] + 1.0), cvm.InvalidValueError),
        (lambda s: s.assign(T=s["T"].where(s.index != 0, -2.0)), cvm.InvalidValueError),
        (lambda s: s.assign(T=np.inf), cvm.InvalidValueError),
    ],
)
def test_bad_values_raise_the_right_subclass(change, error):
    s = change(summary())
    for fitter in (cv.BetaGeoFitter(), cv.ModifiedBetaGeoFitter(), cv.ParetoNBDFitter()):
        with pytest.raises(error) as info:
            fitter.fit(s["frequency"], s["recency"], s["T"])
        assert isinstance(info.value, cvm.CustomerValueError)
        assert str(info.value)


def test_mismatched_lengths_and_wrong_dtypes():
    s = summary()
    with pytest.raises(cvm.InvalidValueError, match="recency"):
        cv.BetaGeoFitter().fit(s["frequency"], s["recency"][:-1], s["T"])
    with pytest.raises(cvm.InvalidValueError, match="not numbers"):
        cv.BetaGeoFitter().fit(s["frequency"], ["a"] * len(s), s["T"])
    fitted = cv.BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    with pytest.raises(cvm.InvalidParameterError, match="t"):
        fitted.conditional_expected_number_of_purchases_up_to_time(-1.0, s["frequency"], s["recency"], s["T"])


def test_data_that_cannot_identify_raise_not_identified():
    one = pd.DataFrame({"frequency": [2.0], "recency": [5.0], "T": [9.0]})
    with pytest.raises(cvm.NotIdentifiedError):
        cv.BetaGeoFitter().fit(one["frequency"], one["recency"], one["T"])
    nobody = pd.DataFrame({"frequency": [0.0] * 50, "recency": [0.0] * 50, "T": np.linspace(5, 30, 50)})
    with pytest.raises(cvm.NotIdentifiedError):
        cv.BetaGeoFitter().fit(nobody["frequency"], nobody["recency"], nobody["T"])
    same = pd.DataFrame({"frequency": [1.0, 2.0, 3.0] * 20, "monetary_value": [10.0] * 60})
    with pytest.raises(cvm.NotIdentifiedError):
        cv.GammaGammaFitter().fit(same["frequency"], same["monetary_value"])


def test_no_dropout_answers_at_the_boundary_where_lifetimes_may_not():
    """Everyone keeps buying at one rate until the end: the fit answers, says
    boundary, and P(alive) is 1 in the limit."""
    rng = np.random.default_rng(4)
    n = 400
    T = np.full(n, 52.0)
    x = rng.poisson(0.3 * 52.0, n).astype(float)
    t_x = np.where(x > 0, 52.0 - rng.exponential(1 / 0.3, n).clip(0, 51.9), 0.0).round(3)
    fitted = cv.BetaGeoFitter().fit(x, t_x, T)
    assert fitted.status_ == "boundary"
    assert np.isnan(fitted.standard_errors_).all()
    p = fitted.conditional_probability_alive(x, t_x, T)
    assert np.all(p > 0.99)


def test_summary_rejects_bad_dates_and_amounts():
    log = pd.DataFrame({"id": [1, 1, 2], "date": ["2024-01-01", None, "2024-02-01"], "amount": [1.0, 2.0, 3.0]})
    with pytest.raises(cvm.InvalidValueError, match="date"):
        cv_utils.summary_data_from_transaction_data(log, "id", "date", "amount")
    log = pd.DataFrame({"id": [1, 1, 2], "date": ["2024-01-01", "2024-01-03", "2024-02-01"], "amount": [1.0, np.nan, 3.0]})
    with pytest.raises(cvm.InvalidValueError, match="amount"):
        cv_utils.summary_data_from_transaction_data(log, "id", "date", "amount")


def test_summary_keeps_exact_decimals_and_string_ids():
    from decimal import Decimal

    log = pd.DataFrame(
        {
            "id": ["b", "a", "a", "a"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-05", "2024-01-09"]),
            "amount": [Decimal("1.10"), Decimal("0.10"), Decimal("0.20"), Decimal("0.10")],
        }
    )
    out = cv_utils.summary_data_from_transaction_data(log, "id", "date", "amount", observation_period_end="2024-01-10")
    assert list(out.index) == ["a", "b"]
    assert out.loc["a", "frequency"] == 2.0
    assert out.loc["a", "monetary_value"] == 0.15  # (0.20 + 0.10) / 2, exact before the last division
    assert out.loc["b", "T"] == 9.0


def test_float_amounts_read_as_their_shortest_decimal_text():
    """The float fast path gives the same sums as reading each amount's
    Python repr (the shortest round-trip text) as a decimal."""
    rng = np.random.default_rng(9)
    n = 20_000
    amounts = np.concatenate(
        [
            rng.gamma(2.0, 20.0, n // 4).round(2),
            rng.uniform(0, 1e3, n // 4).round(rng.integers(0, 7)),
            rng.uniform(1, 5, n // 4),  # full-precision doubles (16 decimals)
            rng.choice([0.1, 0.2, 0.3, 1e-7, 123456789.123, 12345.5], n // 4),
        ]
    )
    codes = rng.integers(0, 500, n).astype(np.int64)
    days = rng.integers(0, 300, n).astype(np.int64)
    from customer_value import _native

    fast = _native.summarize(codes, days, 300, amounts=amounts)
    text = _native.summarize(codes, days, 300, amount_texts=[repr(float(v)) for v in amounts])
    for key in fast:
        assert np.array_equal(fast[key], text[key]), key


@pytest.mark.parametrize("tiny", [5e-324, 1e-30, 1e40])
def test_amounts_a_decimal_cannot_hold_are_refused(tiny):
    from customer_value import _native

    with pytest.raises(cvm.InvalidValueError, match="amount"):
        _native.summarize(np.array([0, 0], dtype=np.int64), np.array([0, 1], dtype=np.int64), 2, amounts=np.array([1.0, tiny]))
