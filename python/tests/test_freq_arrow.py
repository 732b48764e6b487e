"""Hourly summaries equal lifetimes' frames; unsupported ``freq`` raises a
typed error; Arrow columns (pyarrow, polars, Arrow-backed pandas) give the
same results as numpy ones, read through the Arrow PyCapsule interface."""

import numpy as np
import pandas as pd
import pytest

lifetimes = pytest.importorskip("lifetimes")
from lifetimes import utils as lt_utils  # noqa: E402

import customer_value  # noqa: E402
from customer_value import _native  # noqa: E402
from customer_value import lifetimes as cv  # noqa: E402
from customer_value._convert import floats  # noqa: E402
from customer_value.lifetimes import utils as cv_utils  # noqa: E402


def hourly_log(n=400, seed=5):
    """A seeded log with times of day: several purchases within one hour,
    within one day, and customers that buy once."""
    rng = np.random.default_rng(seed)
    customers = rng.integers(0, n // 4, n)
    minutes = rng.integers(0, 60 * 24 * 90, n)
    log = pd.DataFrame(
        {
            "customer": customers,
            "date": pd.Timestamp("2024-03-01") + pd.to_timedelta(minutes, unit="min"),
            "amount": rng.gamma(2.0, 15.0, n).round(2),
        }
    )
    # Two purchases in the same hour, and two an hour apart, for customer 0.
    extra = pd.DataFrame(
        {
            "customer": [0, 0, 0],
            "date": pd.to_datetime(["2024-04-02 10:05", "2024-04-02 10:55", "2024-04-02 11:01"]),
            "amount": [1.25, 2.5, 4.0],
        }
    )
    return pd.concat([log, extra], ignore_index=True)


@pytest.mark.parametrize("multiplier", [1, 24])
@pytest.mark.parametrize("first", [False, True])
def test_hourly_summary_equals_lifetimes(multiplier, first):
    log = hourly_log()
    kwargs = dict(
        monetary_value_col="amount",
        observation_period_end="2024-05-30 17:45",
        freq="h",
        freq_multiplier=multiplier,
        include_first_transaction=first,
    )
    ours = cv_utils.summary_data_from_transaction_data(log, "customer", "date", **kwargs)
    theirs = lt_utils.summary_data_from_transaction_data(log, "customer", "date", **kwargs)
    pd.testing.assert_frame_equal(ours, theirs, check_exact=False, rtol=1e-12)


def test_hourly_calibration_and_holdout_equals_lifetimes():
    log = hourly_log()
    kwargs = dict(
        calibration_period_end="2024-04-15 12:30",
        observation_period_end="2024-05-20 08:00",
        freq="h",
        monetary_value_col="amount",
    )
    ours = cv_utils.calibration_and_holdout_data(log, "customer", "date", **kwargs)
    theirs = lt_utils.calibration_and_holdout_data(log, "customer", "date", **kwargs)
    pd.testing.assert_frame_equal(ours, theirs, check_exact=False, rtol=1e-12)


def test_calibration_split_uses_the_time_of_day_as_lifetimes():
    # A purchase at 15:00 on the calibration end date belongs to the holdout.
    log = pd.DataFrame(
        {
            "customer": [1, 1, 2, 2, 1],
            "date": pd.to_datetime(["2024-01-01 09:00", "2024-01-05 10:00", "2024-01-02 11:00", "2024-01-10 15:00", "2024-01-20 08:00"]),
        }
    )
    kwargs = dict(calibration_period_end="2024-01-10", observation_period_end="2024-01-31")
    ours = cv_utils.calibration_and_holdout_data(log, "customer", "date", **kwargs)
    theirs = lt_utils.calibration_and_holdout_data(log, "customer", "date", **kwargs)
    pd.testing.assert_frame_equal(ours, theirs, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("freq", ["M", "Y", "Q", "min", "H"])
def test_unsupported_freq_raises_a_typed_error_naming_the_supported_ones(freq):
    log = hourly_log(40)
    with pytest.raises(customer_value.UnsupportedFrequencyError, match="'D'.*'W'.*'h'"):
        cv_utils.summary_data_from_transaction_data(log, "customer", "date", freq=freq)
    with pytest.raises(ValueError):
        cv_utils.calibration_and_holdout_data(log, "customer", "date", "2024-04-01", freq=freq)
    assert issubclass(customer_value.UnsupportedFrequencyError, customer_value.InvalidParameterError)


def test_clv_accepts_pandas_2_hour_alias():
    rng = np.random.default_rng(3)
    n = 200
    T = rng.uniform(200, 900, n).round(1)
    x = rng.poisson(3, n).astype(float)
    t_x = np.where(x > 0, (T * rng.uniform(0.2, 1.0, n)).round(1), 0.0)
    m = np.where(x > 0, rng.gamma(3.0, 10.0, n).round(2), 0.0)
    bgf = cv.BetaGeoFitter().fit(x, t_x, T)
    repeat = x > 0
    ggf = cv.GammaGammaFitter().fit(x[repeat], m[repeat])
    # lifetimes at our parameters (its own fit of these data may raise
    # ConvergenceError).
    other = lifetimes.BetaGeoFitter()
    other.params_ = bgf.params_.copy()
    other.predict = other.conditional_expected_number_of_purchases_up_to_time
    theirs = lifetimes.GammaGammaFitter()
    theirs.params_ = ggf.params_.copy()
    a = ggf.customer_lifetime_value(bgf, pd.Series(x), pd.Series(t_x), pd.Series(T), pd.Series(m), freq="h")
    b = ggf.customer_lifetime_value(bgf, pd.Series(x), pd.Series(t_x), pd.Series(T), pd.Series(m), freq="H")
    c = theirs.customer_lifetime_value(other, pd.Series(x), pd.Series(t_x), pd.Series(T), pd.Series(m), freq="H")
    assert np.array_equal(a.to_numpy(), b.to_numpy())
    np.testing.assert_allclose(a.to_numpy(), c.to_numpy(), rtol=1e-9)


def arrow_forms(values):
    """One float column as pyarrow (array, chunked), polars and Arrow-backed pandas."""
    pa = pytest.importorskip("pyarrow")
    pl = pytest.importorskip("polars")
    return [
        pa.array(values),
        pa.chunked_array([values[:7], values[7:]]),
        pl.Series("v", values),
        pd.Series(values, dtype="double[pyarrow]"),
        pd.Series(values.astype(np.float32).astype(np.float64), dtype="float[pyarrow]"),
    ]


def test_arrow_float_columns_read_equal_to_numpy_and_in_place():
    pa = pytest.importorskip("pyarrow")
    values = np.random.default_rng(1).gamma(2.0, 3.0, 50)
    for column in arrow_forms(values)[:4]:
        assert np.array_equal(floats(column, "v"), values)
    # One float64 chunk without nulls: a view of the Arrow buffer, no copy.
    view = floats(pa.array(values), "v")
    assert not view.flags.owndata and not view.flags.writeable
    # Integers of every width are widened exactly.
    for t in [pa.int8(), pa.int32(), pa.int64(), pa.uint16(), pa.uint64()]:
        assert np.array_equal(floats(pa.array([0, 1, 2, 100], type=t), "v"), [0.0, 1.0, 2.0, 100.0])
    # Booleans as numpy reads them.
    flags = [True, False, True]
    assert np.array_equal(floats(pa.array(flags), "v"), floats(np.array(flags), "v"))


@pytest.mark.parametrize(
    "make",
    [
        lambda pa, pl: pa.array([1.0, None, 3.0]),
        lambda pa, pl: pa.chunked_array([[1.0, 2.0], [None, 4.0]]),
        lambda pa, pl: pl.Series("v", [1.0, None, 3.0]),
        lambda pa, pl: pd.Series([1.0, None, 3.0], dtype="double[pyarrow]"),
        lambda pa, pl: pa.array(["1", "2", "3"]),
    ],
)
def test_arrow_nulls_and_non_numbers_raise_invalid_value(make):
    pa = pytest.importorskip("pyarrow")
    pl = pytest.importorskip("polars")
    with pytest.raises(customer_value.InvalidValueError):
        floats(make(pa, pl), "frequency")


def test_arrow_null_is_named_by_row():
    pa = pytest.importorskip("pyarrow")
    with pytest.raises(customer_value.InvalidValueError, match=r"recency\[2\] is missing"):
        floats(pa.chunked_array([[1.0, 2.0], [None, 4.0]]), "recency")


def test_arrow_fits_and_predictions_equal_numpy():
    rng = np.random.default_rng(8)
    n = 500
    T = rng.uniform(5, 60, n).round(2)
    x = rng.poisson(2.0, n).astype(float)
    t_x = np.where(x > 0, (T * rng.uniform(0.1, 1.0, n)).round(2), 0.0)
    ref = cv.BetaGeoFitter().fit(x, t_x, T)
    p_ref = ref.conditional_probability_alive(x, t_x, T)
    for f, r, t in zip(arrow_forms(x)[:4], arrow_forms(t_x)[:4], arrow_forms(T)[:4]):
        fitted = cv.BetaGeoFitter().fit(f, r, t)
        assert fitted.params_.equals(ref.params_)
        assert np.array_equal(np.asarray(fitted.conditional_probability_alive(f, r, t)), p_ref)


def test_bgnbd_p_alive_matches_the_closed_form_at_every_purchase_count():
    # Purchase counts below, at and beyond the compiled per-count table
    # (1024); the bit-for-bit check against the crate is a Rust unit test.
    rng = np.random.default_rng(4)
    n = 3000
    x = np.concatenate([rng.poisson(3.0, n - 3), [1023.0, 1024.0, 5000.0]])
    T = rng.uniform(1.0, 400.0, n)
    t_x = np.where(x > 0, T * rng.uniform(0.01, 1.0, n), 0.0)
    params = [0.3, 5.0, 0.7, 2.2]
    fast = _native.conditional_probability_alive("bg-nbd", params, x, t_x, T)
    r, alpha, a, b = params
    # lifetimes' closed form (Fader, Hardie & Lee 2005, eq. 13).
    log_div = (r + x) * np.log((alpha + T) / (alpha + t_x)) + np.log(a / (b + np.maximum(x, 1) - 1))
    with np.errstate(over="ignore"):
        closed = np.where(x == 0, 1.0, 1.0 / (1.0 + np.exp(log_div)))
    np.testing.assert_allclose(fast, closed, rtol=1e-9, atol=1e-300)
    # Invalid rows still raise the constructor's error, naming the row.
    bad = t_x.copy()
    bad[17] = T[17] + 1.0
    with pytest.raises(customer_value.InvalidValueError, match="row 17"):
        _native.conditional_probability_alive("bg-nbd", params, x, bad, T)


@pytest.mark.parametrize("backend", ["pyarrow", "polars"])
def test_summary_from_arrow_columns_equals_numpy(backend):
    pa = pytest.importorskip("pyarrow")
    log = hourly_log()
    if backend == "pyarrow":
        arrow = log.astype({"customer": "int64[pyarrow]", "amount": "double[pyarrow]", "date": pd.ArrowDtype(pa.timestamp("us"))})
    else:
        pl = pytest.importorskip("polars")
        arrow = pl.from_pandas(log).to_pandas(use_pyarrow_extension_array=True)
    for freq in ["D", "W", "h"]:
        kwargs = dict(monetary_value_col="amount", observation_period_end="2024-05-30", freq=freq)
        ours = cv_utils.summary_data_from_transaction_data(arrow, "customer", "date", **kwargs)
        reference = cv_utils.summary_data_from_transaction_data(log, "customer", "date", **kwargs)
        pd.testing.assert_frame_equal(ours, reference, check_exact=True, check_index_type=False)


def test_decimal128_amounts_are_read_exactly():
    pa = pytest.importorskip("pyarrow")
    from decimal import Decimal

    from customer_value import summary

    log = hourly_log()
    texts = log["amount"].map(lambda v: f"{v:.2f}")
    exact = log.assign(amount=pd.Series([Decimal(t) for t in texts], dtype=pd.ArrowDtype(pa.decimal128(12, 2))))
    kwargs = dict(monetary_value_col="amount", observation_period_end="2024-05-30")
    a = cv_utils.summary_data_from_transaction_data(exact, "customer", "date", **kwargs)
    b = cv_utils.summary_data_from_transaction_data(log, "customer", "date", **kwargs)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    # The native summary keeps every digit: equal to the decimal-text path.
    as_text = log.assign(amount=texts)
    c = summary.summarize(exact, customer="customer", date="date", amount="amount", observation_end="2024-05-30")
    d = summary.summarize(as_text, customer="customer", date="date", amount="amount", observation_end="2024-05-30")
    for column in ["total_spend", "mean_spend", "zbar"]:
        assert [str(v) for v in c[column]] == [str(v) for v in d[column]]
    # A null amount is refused, naming the row.
    holes = exact.copy()
    holes.loc[5, "amount"] = None
    with pytest.raises(customer_value.InvalidValueError, match=r"amount\[5\] is missing"):
        cv_utils.summary_data_from_transaction_data(holes, "customer", "date", **kwargs)


def test_native_summary_and_lifecycle_take_polars_tables():
    pl = pytest.importorskip("polars")
    from customer_value import lifecycle, summary

    log = hourly_log()
    table = pl.from_pandas(log)
    kwargs = dict(customer="customer", date="date", amount="amount")
    a = summary.summarize(table, observation_end="2024-05-30", **kwargs)
    b = summary.summarize(log, observation_end="2024-05-30", **kwargs)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    c = lifecycle.stages(table, as_of="2024-05-30", **kwargs)
    d = lifecycle.stages(log, as_of="2024-05-30", **kwargs)
    pd.testing.assert_frame_equal(c, d, check_exact=True)
