"""Large Pareto/NBD, BG/NBD and MBG/NBD prediction calls group their rows by
purchase count (with per-count tables indexed by each distinct time) and
split them over threads. A row's value must not depend on where it sits:
shuffled rows give the same values bit for bit, one row per call gives the
same bits as a large call, one horizon per row equals the same horizon
given once, and a bad row is reported at its own position."""

import numpy as np
import pandas as pd
import pytest

import customer_value
from customer_value import lifetimes as cv

ROWS = 40_000  # above the threaded size (16,384 rows)


def population(seed=11):
    """Day-grid and real-valued ages, no repeaters, t_x = T, heavy buyers
    beyond the per-count vector (x >= 4096)."""
    rng = np.random.default_rng(seed)
    T = np.where(rng.random(ROWS) < 0.5, rng.integers(1, 79, ROWS).astype(float), rng.uniform(0.01, 80.0, ROWS).round(4))
    x = np.where(rng.random(ROWS) < 0.5, 0, rng.geometric(0.3, ROWS)).astype(float)
    x[::997] = 5000.0
    x[::1999] = 70_000.0
    t_x = np.where(x > 0, np.maximum((T * rng.random(ROWS)).round(3), 1e-3), 0.0)
    t_x[::13] = np.where(x[::13] > 0, T[::13], 0.0)
    return x, t_x, T


def fitter(cls, params, names):
    f = cls()
    f.params_ = pd.Series(params, index=names)
    return f


PARETO = fitter(cv.ParetoNBDFitter, [0.55, 10.5, 0.6, 12.0], ["r", "alpha", "s", "beta"])
BG = fitter(cv.BetaGeoFitter, [0.25, 4.0, 0.8, 2.5], ["r", "alpha", "a", "b"])
MBG = fitter(cv.ModifiedBetaGeoFitter, [0.25, 4.0, 0.8, 2.5], ["r", "alpha", "a", "b"])

CALLS = {
    "pareto alive": lambda f, r, t: PARETO.conditional_probability_alive(f, r, t),
    "pareto expected": lambda f, r, t: PARETO.conditional_expected_number_of_purchases_up_to_time(10.0, f, r, t),
    "pareto pmf": lambda f, r, t: PARETO.conditional_probability_of_n_purchases_up_to_time(2, 10.0, f, r, t),
    "bg expected": lambda f, r, t: BG.conditional_expected_number_of_purchases_up_to_time(10.0, f, r, t),
    "mbg expected": lambda f, r, t: MBG.conditional_expected_number_of_purchases_up_to_time(10.0, f, r, t),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_shuffled_rows_give_the_same_bits(name):
    call = CALLS[name]
    x, t_x, T = population()
    order = np.random.default_rng(5).permutation(ROWS)
    whole = np.asarray(call(x, t_x, T))
    shuffled = np.asarray(call(x[order], t_x[order], T[order]))
    np.testing.assert_array_equal(shuffled, whole[order])
    assert np.isfinite(whole).all()
    # One row per call: the same bits (a sample, heavy buyers included).
    sample = np.concatenate([np.arange(0, ROWS, 401), [997, 1999, 13]])
    alone = np.array([np.asarray(call(x[i : i + 1], t_x[i : i + 1], T[i : i + 1]))[0] for i in sample])
    np.testing.assert_array_equal(alone, whole[sample])


@pytest.mark.parametrize("model", [BG, MBG], ids=["bg", "mbg"])
def test_one_horizon_per_row_equals_one_horizon(model):
    x, t_x, T = population()
    once = np.asarray(model.conditional_expected_number_of_purchases_up_to_time(10.0, x, t_x, T))
    per_row = np.asarray(model.conditional_expected_number_of_purchases_up_to_time(np.full(ROWS, 10.0), x, t_x, T))
    np.testing.assert_array_equal(per_row, once)


@pytest.mark.parametrize("name", list(CALLS))
def test_a_bad_row_is_reported_at_its_position(name):
    call = CALLS[name]
    x, t_x, T = population()
    bad = x.copy()
    bad[30_001] = 1.5
    with pytest.raises(customer_value.InvalidValueError, match=r"frequency\[30001\]"):
        call(bad, t_x, T)
    late = t_x.copy()
    late[25_000] = T[25_000] + 1.0
    late[31_000] = T[31_000] + 1.0
    with pytest.raises(customer_value.InvalidValueError, match="row 25000"):
        call(x, late, T)


def test_pareto_heavy_buyers_equal_lifetimes():
    """The rows beyond the per-count vector, against lifetimes at equal
    parameters (where lifetimes does not overflow)."""
    from lifetimes import ParetoNBDFitter

    theirs = ParetoNBDFitter()
    theirs.params_ = PARETO.params_
    x, t_x, T = population()
    pick = np.flatnonzero(x >= 5000)[:20]
    ours = np.asarray(PARETO.conditional_probability_alive(x[pick], t_x[pick], T[pick]))
    with np.errstate(all="ignore"):
        expected = np.asarray(theirs.conditional_probability_alive(x[pick], t_x[pick], T[pick]))
    # lifetimes overflows to NaN for some of them; compare where it answers.
    answered = np.isfinite(expected)
    assert answered.sum() >= 5
    np.testing.assert_allclose(ours[answered], expected[answered], rtol=1e-9, atol=1e-300)
