"""The array fast paths of the lifetimes layer (new-customer expectations of
BG/NBD and MBG/NBD by anchored Taylor cells, BG/NBD's closed-form
P(X(t) = 0), the float Gamma-Gamma mean, the tighter P(alive) loop, the
deferred finiteness scan) against lifetimes 0.11.3 at equal parameters
(1e-9 relative) and against the crate's per-value paths, on awkward
inputs: x = 0 everywhere, huge x, t = 0, T = t_x.
"""

import numpy as np
import pandas as pd
import pytest

lifetimes = pytest.importorskip("lifetimes")

import customer_value  # noqa: E402
from customer_value import lifetimes as cv  # noqa: E402

RTOL = 1e-9

PARAMS = {
    "BetaGeoFitter": [0.25, 4.0, 0.8, 2.5],
    "ModifiedBetaGeoFitter": [0.524838, 6.182992, 0.891356, 1.614],
    "GammaGammaFitter": [6.25, 3.74, 15.44],
}
NAMES = {
    "BetaGeoFitter": ["r", "alpha", "a", "b"],
    "ModifiedBetaGeoFitter": ["r", "alpha", "a", "b"],
    "GammaGammaFitter": ["p", "q", "v"],
}


def pair(name, params=None):
    """Our fitter and lifetimes', at the same parameters."""
    values = PARAMS[name] if params is None else params
    out = []
    for module in (cv, lifetimes):
        f = getattr(module, name)()
        f.params_ = pd.Series(values, index=NAMES[name])
        out.append(f)
    return out


def close(ours, theirs):
    np.testing.assert_allclose(np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float), rtol=RTOL, atol=1e-300)


# Horizons from 0 through t = α/32 (where the series answers) to far
# beyond α, unsorted, with repeats: more than enough for the Taylor cells.
HORIZONS = np.concatenate([[0.0, 1e-9, 0.05, 0.124, 0.126], np.linspace(0.0, 52.0, 5001), [400.0, 52.0, 0.0, 3.3]])


@pytest.mark.parametrize("name", ["BetaGeoFitter", "ModifiedBetaGeoFitter"])
def test_new_customer_expectation_equals_lifetimes(name):
    """lifetimes' form c/(a−1)·(1 − ₂F₁·(α/(α+t))^r) loses the digits of
    small values to cancellation (absolute error about 1e-16: at t = 1e-9,
    E = 6e-11, 3e-6 relative), so its values are compared to 1e-9 relative
    or 1e-14 absolute; the relative accuracy is checked against the
    crate's series below."""
    ours, theirs = pair(name)
    rng = np.random.default_rng(5)
    t = rng.permutation(HORIZONS)
    for ts in (t, pd.Series(t)):
        np.testing.assert_allclose(
            np.asarray(ours.expected_number_of_purchases_up_to_time(ts)),
            np.asarray(theirs.expected_number_of_purchases_up_to_time(t)),
            rtol=RTOL,
            atol=1e-14,
        )


@pytest.mark.parametrize("name", ["BetaGeoFitter", "ModifiedBetaGeoFitter"])
@pytest.mark.parametrize("params", [[0.25, 4.0, 0.8, 2.5], [2.0, 0.5, 1.0, 0.7], [0.05, 30.0, 3.0, 20.0]])
def test_new_customer_expectation_equals_the_per_horizon_path(name, params):
    """The array path (Taylor cells) against one call per horizon (the
    crate's series, below the cells' row threshold), up to t = 1e5·α."""
    ours, _ = pair(name, params)
    t = np.concatenate([HORIZONS, params[1] * np.array([1e2, 1e3, 1e4, 1e5])])
    many = ours.expected_number_of_purchases_up_to_time(t)
    one = np.array([ours.expected_number_of_purchases_up_to_time(float(h)) for h in t])
    np.testing.assert_allclose(many, one, rtol=1e-11, atol=0.0)
    assert many[t == 0.0].tolist() == [0.0] * int((t == 0.0).sum())


def test_bg_probability_of_no_purchase_equals_lifetimes():
    ours, theirs = pair("BetaGeoFitter")
    t = np.concatenate([HORIZONS, [1e6, 1e9]])
    close(ours.probability_of_n_purchases_up_to_time(t, 0), theirs.probability_of_n_purchases_up_to_time(t, 0))
    # n = 0 at one horizon goes through the same closed form.
    close(ours.probability_of_n_purchases_up_to_time(39.0, 0), theirs.probability_of_n_purchases_up_to_time(39.0, 0))


def histories():
    """Awkward rows: x = 0, huge x, T = t_x, t_x just above 0, and long T."""
    f = np.array([0, 0, 0, 1, 2, 26, 1e4, 1e5, 3, 3, 40, 1, 0, 7])
    r = np.array([0, 0, 0, 1e-9, 5.0, 30.85714, 38.0, 38.9, 39.0, 1e-3, 500.0, 77.9, 0, 12.0])
    T = np.array([1e-9, 39.0, 1e4, 39.0, 5.0, 31.0, 39.0, 39.0, 39.0, 39.0, 520.0, 78.0, 78.0, 12.0])
    return f, r, T


@pytest.mark.parametrize("name", ["BetaGeoFitter", "ModifiedBetaGeoFitter"])
def test_probability_alive_equals_lifetimes_on_awkward_rows(name):
    ours, theirs = pair(name)
    f, r, T = histories()
    close(ours.conditional_probability_alive(f, r, T), theirs.conditional_probability_alive(f, r, T))
    # x = 0 everywhere, many rows (the threaded path).
    n = 40_000
    zeros = np.zeros(n)
    T_many = np.linspace(0.5, 80.0, n)
    close(ours.conditional_probability_alive(zeros, zeros, T_many), theirs.conditional_probability_alive(zeros, zeros, T_many))


def test_gamma_gamma_mean_equals_lifetimes_on_awkward_rows():
    ours, theirs = pair("GammaGammaFitter")
    f = np.array([0, 0, 1, 2, 1e5, 3, 1, 4, 2])
    # 0 with x = 0, a tiny and a huge mean (the decimal path), an x = 0
    # customer with a mean.
    m = np.array([0.0, 12.5, 0.01, 22.35, 3.3, 1e-8, 2e13, 1234.5678, 99.99])
    close(ours.conditional_expected_average_profit(f, m), theirs.conditional_expected_average_profit(f, m))
    n = 40_000
    zeros = np.zeros(n)
    close(ours.conditional_expected_average_profit(zeros, zeros), theirs.conditional_expected_average_profit(zeros, zeros))


def test_gamma_gamma_bad_spend_is_still_refused():
    ours, _ = pair("GammaGammaFitter")
    with pytest.raises(customer_value.InvalidValueError, match="monetary_value"):
        ours.conditional_expected_average_profit(np.array([1.0, 2.0]), np.array([5.0, np.nan]))
    with pytest.raises(customer_value.InvalidValueError):
        ours.conditional_expected_average_profit(np.array([1.0, 2.0]), np.array([5.0, -1.0]))
    with pytest.raises(customer_value.InvalidValueError):
        ours.conditional_expected_average_profit(np.array([1.0, 2.0]), np.array([5.0, 0.0]))


@pytest.mark.parametrize("name", ["BetaGeoFitter", "ModifiedBetaGeoFitter"])
def test_non_finite_input_names_the_column_as_before(name):
    """The finiteness scan runs only after the compiled core refuses an
    input; the error is the scan's, naming the first non-finite column."""
    ours, _ = pair(name)
    f, r, T = histories()
    T = T.copy()
    T[3] = np.nan
    with pytest.raises(customer_value.InvalidValueError, match=r"invalid T: T\[3\] = nan is not finite \(1 such values\)"):
        ours.conditional_probability_alive(f, r, T)
    with pytest.raises(customer_value.InvalidValueError, match=r"invalid T: T\[3\]"):
        ours.conditional_expected_number_of_purchases_up_to_time(10.0, f, r, T)
    t = HORIZONS.copy()
    t[7] = np.inf
    with pytest.raises(customer_value.InvalidValueError, match=r"invalid t: t\[7\] = inf"):
        ours.expected_number_of_purchases_up_to_time(t)
    # A negative horizon is finite: the core's own error.
    t[7] = -1.0
    with pytest.raises(customer_value.CustomerValueError):
        ours.expected_number_of_purchases_up_to_time(t)
    # A frequency that is not a whole number is still refused.
    f2 = f.copy()
    f2[1] = 0.5
    with pytest.raises(customer_value.InvalidValueError, match="frequency"):
        ours.conditional_probability_alive(f2, r, histories()[2])


def many_histories(n=40_000, seed=11):
    """Many rows over few purchase counts, with T = t_x rows, x = 0 rows
    and a few heavy buyers (x = 5000)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, n).astype(float)
    x[:40] = 5000.0
    T = rng.uniform(0.5, 78.0, n).round(2)
    t_x = np.where(x > 0, np.clip((T * rng.uniform(0.0, 1.0, n)).round(2), 0.01, T), 0.0)
    t_x[100:300] = np.where(x[100:300] > 0, T[100:300], 0.0)
    return x, t_x, T


@pytest.mark.parametrize("name", ["BetaGeoFitter", "ModifiedBetaGeoFitter"])
def test_conditional_expectation_does_not_depend_on_the_call(name):
    """One horizon for 40,000 rows (the bulk path) equals the same rows in
    calls of 10,000 (below the bulk path) bit for bit, so that a customer's
    value never depends on the rows beside it (Spark's batches equal one
    machine), and lifetimes on the rows it computes (x < 100)."""
    ours, theirs = pair(name)
    x, t_x, T = many_histories()
    for t in (10.0, 0.5, 52.0):
        got = ours.conditional_expected_number_of_purchases_up_to_time(t, x, t_x, T)
        chunks = np.concatenate(
            [ours.conditional_expected_number_of_purchases_up_to_time(t, x[i : i + 10_000], t_x[i : i + 10_000], T[i : i + 10_000]) for i in range(0, len(x), 10_000)]
        )
        np.testing.assert_array_equal(got, chunks)
        keep = x < 100
        close(got[keep], theirs.conditional_expected_number_of_purchases_up_to_time(t, x[keep], t_x[keep], T[keep]))
    assert ours.conditional_expected_number_of_purchases_up_to_time(0.0, x, t_x, T).tolist() == [0.0] * len(x)


def test_clv_over_many_rows_equals_lifetimes():
    ours_gg, theirs_gg = pair("GammaGammaFitter")
    ours, theirs = pair("BetaGeoFitter")
    # lifetimes' CLV calls its model's `predict` (set by its fit).
    theirs.predict = theirs.conditional_expected_number_of_purchases_up_to_time
    x, t_x, T = many_histories(20_000)
    keep = x < 100
    x, t_x, T = x[keep], t_x[keep], T[keep]
    m = np.where(x > 0, 25.0 + T, 0.0)
    args = (pd.Series(x), pd.Series(t_x), pd.Series(T), pd.Series(m))
    close(
        ours_gg.customer_lifetime_value(ours, *args, time=6, discount_rate=0.01, freq="W"),
        theirs_gg.customer_lifetime_value(theirs, *args, time=6, discount_rate=0.01, freq="W"),
    )
