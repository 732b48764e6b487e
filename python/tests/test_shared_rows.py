"""Large prediction calls share work between rows (one evaluation per
distinct row, per-count tables, the crate's bulk scorers, several threads).
None of that may change a number: a large call with repeated rows must equal,
bit for bit (to 1e-12 where a call uses the crate's Taylor-cell curves for
new customers), the
same rows computed one call per distinct row (one row per
call takes the plain per-customer path of the crate), and an invalid row must
be reported at its own position."""

import numpy as np
import pandas as pd
import pytest

import customer_value
from customer_value import lifetimes as cv

# Enough rows for the shared and threaded paths (more than 16,384 rows, and
# at most half of the first 2,048 distinct).
DISTINCT = 200
COPIES = 100


def histories(seed=7):
    """DISTINCT awkward continuous histories: no repeaters, heavy buyers,
    recency at T, tiny ages."""
    rng = np.random.default_rng(seed)
    T = np.concatenate([rng.uniform(0.5, 80.0, DISTINCT - 4), [1e-3, 80.0, 52.0, 3.0]]).round(3)
    x = np.concatenate([rng.integers(0, 40, DISTINCT - 4), [0, 1500, 3, 1]]).astype(float)
    share = rng.uniform(0.0, 1.0, DISTINCT)
    share[-2] = 1.0
    t_x = np.where(x > 0, np.maximum((T * share).round(3), 1e-3), 0.0)
    t_x = np.minimum(t_x, T)
    m = np.where(x > 0, rng.gamma(3.0, 12.0, DISTINCT).round(2), 0.0)
    return x, t_x, T, m


def tiled(*columns):
    return [np.tile(c, COPIES) for c in columns]


def one_by_one(call, *columns):
    """The call on each distinct row alone."""
    return np.array([np.asarray(call(*(c[i : i + 1] for c in columns)), dtype=float)[0] for i in range(len(columns[0]))])


def fitter(cls, params, names):
    f = cls()
    f.params_ = pd.Series(params, index=names)
    return f


BG = fitter(cv.BetaGeoFitter, [0.243, 4.414, 0.793, 2.426], ["r", "alpha", "a", "b"])
MBG = fitter(cv.ModifiedBetaGeoFitter, [0.525, 6.183, 0.891, 1.614], ["r", "alpha", "a", "b"])
PARETO = fitter(cv.ParetoNBDFitter, [0.553, 10.578, 0.606, 11.669], ["r", "alpha", "s", "beta"])
GG = fitter(cv.GammaGammaFitter, [6.25, 3.74, 15.44], ["p", "q", "v"])
BGBB = fitter(cv.BetaGeoBetaBinomFitter, [1.204, 0.750, 0.657, 2.783], ["alpha", "beta", "gamma", "delta"])


@pytest.mark.parametrize("model", [BG, MBG, PARETO], ids=["bg", "mbg", "pareto"])
def test_purchase_predictions_equal_one_row_at_a_time(model):
    x, t_x, T, _ = histories()
    big = tiled(x, t_x, T)
    calls = [
        lambda f, r, t: model.conditional_probability_alive(f, r, t),
        lambda f, r, t: model.conditional_expected_number_of_purchases_up_to_time(10.0, f, r, t),
        # One horizon per row.
        lambda f, r, t: model.conditional_expected_number_of_purchases_up_to_time(t / 2.0, f, r, t),
    ]
    for k, call in enumerate(calls):
        expected = np.tile(one_by_one(call, x, t_x, T), COPIES)
        np.testing.assert_array_equal(np.asarray(call(*big)), expected)


def test_pareto_conditional_pmf_equals_one_row_at_a_time():
    x, t_x, T, _ = histories()
    x, t_x, T = x[:60], t_x[:60], T[:60]

    def call(f, r, t):
        return PARETO.conditional_probability_of_n_purchases_up_to_time(2, 10.0, f, r, t)

    expected = np.tile(one_by_one(call, x, t_x, T), 400)
    got = np.asarray(call(np.tile(x, 400), np.tile(t_x, 400), np.tile(T, 400)))
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("model", [BG, MBG, PARETO], ids=["bg", "mbg", "pareto"])
def test_new_customer_predictions_equal_one_row_at_a_time(model):
    t = np.linspace(0.0, 60.0, DISTINCT)
    big = np.tile(t, COPIES)
    expected = np.tile(one_by_one(model.expected_number_of_purchases_up_to_time, t), COPIES)
    if model is PARETO:
        np.testing.assert_array_equal(model.expected_number_of_purchases_up_to_time(big), expected)
    else:
        # BG/NBD and MBG/NBD arrays go through the crate's NewCustomerCurve
        # (Taylor cells anchored on the series): equal to rounding, not
        # bit for bit.
        np.testing.assert_allclose(model.expected_number_of_purchases_up_to_time(big), expected, rtol=1e-12, atol=0.0)
    if model is not PARETO:
        n = np.tile(np.arange(4.0), DISTINCT // 4)
        expected = np.tile(one_by_one(model.probability_of_n_purchases_up_to_time, t, n), COPIES)
        got = model.probability_of_n_purchases_up_to_time(big, np.tile(n, COPIES))
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("model", [BG, PARETO], ids=["bg", "pareto"])
def test_spend_and_clv_equal_one_row_at_a_time(model):
    x, t_x, T, m = histories()
    x, t_x, T, m = x[:100], t_x[:100], T[:100], m[:100]
    copies = 200
    big = [np.tile(c, copies) for c in (x, t_x, T, m)]
    expected = np.tile(one_by_one(GG.conditional_expected_average_profit, x, m), copies)
    np.testing.assert_array_equal(GG.conditional_expected_average_profit(big[0], big[3]), expected)

    def clv(f, r, t, money):
        return GG.customer_lifetime_value(model, f, r, t, money, time=6, discount_rate=0.01, freq="W")

    expected = np.tile(one_by_one(clv, x, t_x, T, m), copies)
    np.testing.assert_array_equal(clv(*big).to_numpy(), expected)


def test_bgbb_predictions_equal_one_row_at_a_time():
    rows = [(x, t_x, n) for n in range(1, 12) for t_x in range(0, n + 1) for x in range(0, t_x + 1) if (x == 0) == (t_x == 0)]
    x, t_x, n = (np.array(c, dtype=float) for c in zip(*rows))
    copies = 30_000 // len(x) + 1
    big = [np.tile(c, copies) for c in (x, t_x, n)]
    for call in (
        lambda f, r, p: BGBB.conditional_probability_alive(3, f, r, p),
        lambda f, r, p: BGBB.conditional_expected_number_of_purchases_up_to_time(5, f, r, p),
    ):
        expected = np.tile(one_by_one(call, x, t_x, n), copies)
        np.testing.assert_array_equal(np.asarray(call(*big)), expected)


def test_invalid_row_is_reported_at_its_position():
    x, t_x, T, _ = histories()
    f, r, t = tiled(x, t_x, T)
    bad = 19_000
    r = r.copy()
    r[bad] = t[bad] + 1.0  # recency > T, a row whose inputs occur nowhere else
    for call in (
        lambda: PARETO.conditional_probability_alive(f, r, t),
        lambda: MBG.conditional_probability_alive(f, r, t),
        lambda: BG.conditional_expected_number_of_purchases_up_to_time(10.0, f, r, t),
        lambda: PARETO.conditional_expected_number_of_purchases_up_to_time(t / 2.0, f, r, t),
    ):
        with pytest.raises(customer_value.InvalidValueError, match=f"row {bad}"):
            call()


def test_scalar_calls_return_floats():
    # BG/NBD's P(alive) is a one-element array for scalars, as lifetimes' (np.atleast_1d).
    one = BG.conditional_probability_alive(3, 20.0, 30.0)
    assert isinstance(one, np.ndarray) and one.shape == (1,)
    assert isinstance(BG.predict(5, 3, 20.0, 30.0), float)
    assert BG.conditional_probability_alive(3, 20.0, 30.0) == BG.conditional_probability_alive(np.array([3.0]), np.array([20.0]), np.array([30.0]))[0]
    with pytest.raises(customer_value.InvalidValueError, match="not finite"):
        BG.conditional_probability_alive(3, float("nan"), 30.0)
    with pytest.raises(customer_value.InvalidValueError, match="not finite"):
        BG.conditional_probability_alive(3, 10**400, 30.0)
