"""The branch-free array kernels of the lifetimes layer (Pareto/NBD's
new-customer expectation, BG/NBD's P(X(t) = 0), BG/NBD and MBG/NBD
P(alive), the Gamma-Gamma mean): equal to lifetimes 0.11.3 at equal
parameters (1e-9 relative), to numpy's log1p/expm1/exp forms of the same
closed forms (1e-13 relative), and refusing bad rows as before.
"""

import numpy as np
import pandas as pd
import pytest

lifetimes = pytest.importorskip("lifetimes")

import customer_value  # noqa: E402
from customer_value import lifetimes as cv  # noqa: E402

NAMES = {
    "ParetoNBDFitter": ["r", "alpha", "s", "beta"],
    "BetaGeoFitter": ["r", "alpha", "a", "b"],
    "ModifiedBetaGeoFitter": ["r", "alpha", "a", "b"],
}

# 0, tiny, ordinary and huge horizons, unsorted, with repeats.
HORIZONS = np.concatenate(
    [[0.0, 5e-324, 1e-300, 1e-12, 1e-9, 0.05, 1.0, 1e6, 1e12, 52.0, 0.0], np.linspace(0.0, 520.0, 40_001)[::-1]]
)


def pair(name, values):
    out = []
    for module in (cv, lifetimes):
        f = getattr(module, name)()
        f.params_ = pd.Series(values, index=NAMES[name])
        out.append(f)
    return out


PARETO = [[0.55, 10.5, 0.6, 12.0], [0.553275, 10.577611, 0.606213, 11.667908], [2.0, 0.5, 3.5, 0.2], [0.1, 80.0, 0.97, 3.0]]


@pytest.mark.parametrize("params", PARETO)
def test_pareto_new_customer_expectation_equals_lifetimes_and_the_closed_form(params):
    ours_m, theirs_m = pair("ParetoNBDFitter", params)
    ours = ours_m.expected_number_of_purchases_up_to_time(HORIZONS)
    # lifetimes' 1 − (β/(β+t))^(s−1) cancels at small t: 1e-14 absolute.
    np.testing.assert_allclose(ours, theirs_m.expected_number_of_purchases_up_to_time(HORIZONS), rtol=1e-9, atol=1e-14)
    r, alpha, s, beta = params
    exact = r * beta / alpha * -np.expm1((s - 1.0) * -np.log1p(HORIZONS / beta)) / (s - 1.0)
    np.testing.assert_allclose(ours, exact, rtol=1e-13, atol=0)


@pytest.mark.parametrize("s", [1.0000001, 0.9999999, 1.0 + 2.0**-52])
def test_pareto_new_customer_expectation_near_s_one_is_the_closed_form(s):
    """lifetimes' 1 − (β/(β+t))^(s−1) loses all but a few digits when
    s − 1 is tiny; numpy's expm1/log1p form keeps them."""
    r, alpha, beta = 0.7, 9.0, 4.0
    m = pair("ParetoNBDFitter", [r, alpha, s, beta])[0]
    exact = r * beta / alpha * -np.expm1((s - 1.0) * -np.log1p(HORIZONS / beta)) / (s - 1.0)
    # (1e-300 absolute: at t = 1e-300 the product (s − 1)·ln(1 + t/β) is subnormal.)
    np.testing.assert_allclose(m.expected_number_of_purchases_up_to_time(HORIZONS), exact, rtol=1e-13, atol=1e-300)


def test_pareto_new_customer_expectation_at_s_one_is_the_log_form():
    """At s = 1 lifetimes divides by zero; the crate gives r β/α · ln(1 + t/β)."""
    r, alpha, beta = 0.7, 9.0, 4.0
    m = pair("ParetoNBDFitter", [r, alpha, 1.0, beta])[0]
    np.testing.assert_allclose(
        m.expected_number_of_purchases_up_to_time(HORIZONS), r * beta / alpha * np.log1p(HORIZONS / beta), rtol=1e-13, atol=0
    )


@pytest.mark.parametrize("params", [[0.25, 4.0, 0.8, 2.5], [0.243, 4.414, 0.793, 2.426], [30.0, 0.01, 1.0, 1.0]])
def test_bg_probability_of_no_purchase_equals_lifetimes_and_the_closed_form(params):
    ours_m, theirs_m = pair("BetaGeoFitter", params)
    ours = ours_m.probability_of_n_purchases_up_to_time(HORIZONS, 0)
    np.testing.assert_allclose(ours, theirs_m.probability_of_n_purchases_up_to_time(HORIZONS, 0), rtol=1e-9, atol=1e-300)
    r, alpha = params[:2]
    np.testing.assert_allclose(ours, np.exp(-r * np.log1p(HORIZONS / alpha)), rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("n", [1, 3])
def test_bg_probability_of_n_purchases_with_one_n_equals_lifetimes(n):
    """One n for many horizons crosses as one value; the values are those
    of one n per horizon, and lifetimes'."""
    ours_m, theirs_m = pair("BetaGeoFitter", [0.243, 4.414, 0.793, 2.426])
    t = np.linspace(0.5, 40.0, 2000)
    ours = ours_m.probability_of_n_purchases_up_to_time(t, n)
    np.testing.assert_array_equal(ours, ours_m.probability_of_n_purchases_up_to_time(t, np.full(t.size, n)))
    # lifetimes 0.11.3 takes one horizon at a time here (an array of
    # horizons with one n gives it wrong values).
    theirs = [theirs_m.probability_of_n_purchases_up_to_time(float(v), n) for v in t[::40]]
    np.testing.assert_allclose(ours[::40], theirs, rtol=1e-9, atol=1e-300)


def test_bad_horizons_are_refused_as_before():
    m = pair("ParetoNBDFitter", PARETO[0])[0]
    bg = pair("BetaGeoFitter", [0.25, 4.0, 0.8, 2.5])[0]
    t = np.linspace(0.0, 5.0, 50_000)
    t[30_000] = np.nan
    for call in (m.expected_number_of_purchases_up_to_time, lambda t: bg.probability_of_n_purchases_up_to_time(t, 0)):
        with pytest.raises(customer_value.InvalidValueError, match=r"t\[30000\] = nan"):
            call(t)
    t[30_000] = -1.0
    for call in (m.expected_number_of_purchases_up_to_time, lambda t: bg.probability_of_n_purchases_up_to_time(t, 0)):
        with pytest.raises(customer_value.CustomerValueError, match="t"):
            call(t)


@pytest.mark.parametrize("name", ["BetaGeoFitter", "ModifiedBetaGeoFitter"])
def test_probability_alive_with_heavy_buyers_beyond_the_table_equals_lifetimes(name):
    """Purchase counts far beyond the table of log terms, x = 0, T = t_x,
    recency just above 0: the table pass and the row-by-row pass agree
    with lifetimes."""
    rng = np.random.default_rng(12)
    n = 30_000
    f = rng.integers(0, 40, n).astype(float)
    f[::97] = rng.integers(1000, 6000, f[::97].size)
    T = rng.uniform(1.0, 80.0, n)
    r = np.where(f > 0, rng.uniform(0.0, 1.0, n) * T, 0.0)
    r[(f > 0) & (np.arange(n) % 13 == 0)] = T[(f > 0) & (np.arange(n) % 13 == 0)]
    r[(f > 0) & (np.arange(n) % 17 == 0)] = 1e-9
    ours_m, theirs_m = pair(name, [0.524838, 6.182992, 0.891356, 1.614])
    np.testing.assert_allclose(
        ours_m.conditional_probability_alive(f, r, T), theirs_m.conditional_probability_alive(f, r, T), rtol=1e-9, atol=1e-300
    )


def test_probability_alive_bad_row_is_still_refused():
    m = pair("BetaGeoFitter", [0.25, 4.0, 0.8, 2.5])[0]
    f, r, T = np.ones(40_000), np.full(40_000, 2.0), np.full(40_000, 5.0)
    r[33_333] = 6.0
    with pytest.raises(customer_value.CustomerValueError):
        m.conditional_probability_alive(f, r, T)
    r[33_333] = 2.0
    f[20_000] = 1.5
    with pytest.raises(customer_value.CustomerValueError, match="frequency"):
        m.conditional_probability_alive(f, r, T)
