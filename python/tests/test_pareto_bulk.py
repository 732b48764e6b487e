"""Pareto/NBD's array calls (P(alive), conditional expectation, conditional
pmf, CLV) go through the crate's ``ParetoNbdBulk``: K terms shared per
distinct (purchase count, time), P(alive) shared by the customers without a
repeat purchase of equal age, and the conditional pmf's incomplete beta
functions from one 2F1 and a positive recurrence. None of that may make a
customer's value depend on the rows beside it (bit for bit against other
orders and one row per call), and the values stay lifetimes' (1e-9
relative at equal parameters)."""

import lifetimes
import numpy as np
import pandas as pd
import pytest

from customer_value import lifetimes as cv

PARAMS = [
    [0.553, 10.578, 0.606, 11.669],  # CDNOW (alpha < beta)
    [0.8, 30.0, 1.4, 3.0],  # alpha > beta
    [1.3, 4.0, 2.0, 4.0],  # alpha = beta
]
NAMES = ["r", "alpha", "s", "beta"]


def pair(params):
    ours, theirs = cv.ParetoNBDFitter(), lifetimes.ParetoNBDFitter()
    ours.params_ = pd.Series(params, index=NAMES)
    theirs.params_ = pd.Series(params, index=NAMES)
    return ours, theirs


def population(rows, seed=11):
    """Half on a day grid in weeks (repeated ages), half real-valued: no
    repeaters, a purchase at the end of the window, heavy buyers."""
    rng = np.random.default_rng(seed)
    grid = rng.integers(1, 78 * 7, rows) / 7.0
    real = rng.uniform(0.01, 78.0, rows)
    T = np.where(np.arange(rows) % 2 == 0, grid, real)
    x = np.where(rng.random(rows) < 0.55, 0, rng.integers(1, 40, rows)).astype(float)
    x[::97] = rng.integers(100, 400, len(x[::97]))
    share = rng.random(rows)
    share[::13] = 1.0
    t_x = np.where(x > 0, np.maximum(T * share, 1e-3), 0.0)
    return x, np.minimum(t_x, T), T


@pytest.mark.parametrize("params", PARAMS)
def test_pareto_array_calls_equal_lifetimes(params):
    ours, theirs = pair(params)
    x, t_x, T = population(20_000)  # above the threaded size
    np.testing.assert_allclose(
        ours.conditional_probability_alive(x, t_x, T), theirs.conditional_probability_alive(x, t_x, T), rtol=1e-9, atol=1e-300
    )
    np.testing.assert_allclose(
        ours.conditional_expected_number_of_purchases_up_to_time(10.0, x, t_x, T),
        theirs.conditional_expected_number_of_purchases_up_to_time(10.0, x, t_x, T),
        rtol=1e-9,
        atol=1e-300,
    )
    light = x < 50  # lifetimes' closed form loses digits for heavy buyers
    for n in (0, 2):
        np.testing.assert_allclose(
            ours.conditional_probability_of_n_purchases_up_to_time(n, 10.0, x[light][:3000], t_x[light][:3000], T[light][:3000]),
            theirs.conditional_probability_of_n_purchases_up_to_time(n, 10.0, x[light][:3000], t_x[light][:3000], T[light][:3000]),
            rtol=1e-9,
            atol=1e-300,
        )


@pytest.mark.parametrize("params", PARAMS)
def test_pareto_values_do_not_depend_on_the_other_rows(params):
    ours, _ = pair(params)
    x, t_x, T = population(20_000, seed=5)
    order = np.random.default_rng(3).permutation(len(x))
    calls = [
        lambda f, r, t: ours.conditional_probability_alive(f, r, t),
        lambda f, r, t: ours.conditional_expected_number_of_purchases_up_to_time(26.0, f, r, t),
        lambda f, r, t: ours.conditional_probability_of_n_purchases_up_to_time(1, 26.0, f, r, t),
    ]
    for call in calls:
        whole = np.asarray(call(x, t_x, T))
        shuffled = np.asarray(call(x[order], t_x[order], T[order]))
        np.testing.assert_array_equal(shuffled, whole[order])
        for i in range(0, len(x), 997):
            one = np.asarray(call(x[i : i + 1], t_x[i : i + 1], T[i : i + 1]))
            assert one[0] == whole[i]


def test_pareto_conditional_pmf_sums_to_one():
    ours, _ = pair(PARAMS[0])
    x, t_x, T = population(200, seed=2)
    light = x < 5
    total = sum(
        np.asarray(ours.conditional_probability_of_n_purchases_up_to_time(n, 13.0, x[light], t_x[light], T[light]))
        for n in range(80)
    )
    np.testing.assert_allclose(total, 1.0, rtol=0, atol=1e-9)


def test_pareto_clv_equals_lifetimes():
    ours, theirs = pair(PARAMS[0])
    gg_ours, gg_theirs = cv.GammaGammaFitter(), lifetimes.GammaGammaFitter()
    for g in (gg_ours, gg_theirs):
        g.params_ = pd.Series([6.25, 3.74, 15.44], index=["p", "q", "v"])
    theirs.predict = theirs.conditional_expected_number_of_purchases_up_to_time
    x, t_x, T = population(20_000, seed=9)
    m = pd.Series(np.where(x > 0, np.random.default_rng(1).gamma(3.0, 12.0, len(x)).round(2), 0.0))
    args = (pd.Series(x), pd.Series(t_x), pd.Series(T), m)
    got = gg_ours.customer_lifetime_value(ours, *args, time=6, discount_rate=0.01, freq="W")
    want = gg_theirs.customer_lifetime_value(theirs, *args, time=6, discount_rate=0.01, freq="W")
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-9, atol=1e-300)
