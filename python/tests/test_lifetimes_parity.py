"""Parity with Python lifetimes 0.11.3 (a test-only dependency).

Fits: the crate reaches at least lifetimes' log-likelihood and the same
parameters; predictions: equal numbers (1e-9 relative) at equal parameters;
summaries: equal frames.
"""

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

lifetimes = pytest.importorskip("lifetimes")
from lifetimes import utils as lt_utils  # noqa: E402

import customer_value  # noqa: E402
from customer_value import lifetimes as cv  # noqa: E402
from customer_value.lifetimes import utils as cv_utils  # noqa: E402


def data_dir():
    env = os.environ.get("CUSTOMER_VALUE_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "data"


DATA = data_dir()
needs_data = pytest.mark.skipif(not DATA.exists(), reason=f"data sets not found at {DATA}")


@pytest.fixture(scope="module")
def cdnow():
    return pd.read_csv(DATA / "cdnow" / "cdnow_customers_summary_with_transactions.csv")


@pytest.fixture(scope="module")
def cdnow_log():
    log = pd.read_csv(
        DATA / "cdnow" / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["id", "id2", "date", "units", "amount"],
        dtype={"date": str},
    )
    log["date"] = pd.to_datetime(log["date"], format="%Y%m%d")
    return log


def lifetimes_objective(fitter, params, *data, weights=None):
    """lifetimes' own objective (mean negative log-likelihood on its time
    scale) at natural parameters ``params``, for the data given."""
    data = [np.asarray(d, dtype=float) for d in data]
    w = np.ones_like(data[0]) if weights is None else np.asarray(weights, dtype=float)
    p = np.asarray(params, dtype=float).copy()
    if isinstance(fitter, (lifetimes.BetaGeoFitter, lifetimes.ParetoNBDFitter)) and not isinstance(
        fitter, lifetimes.BetaGeoBetaBinomFitter
    ):
        scale = fitter._scale
        f, r, T = data
        p[1] *= scale
        if isinstance(fitter, lifetimes.ParetoNBDFitter):
            p[3] *= scale
            return fitter._negative_log_likelihood(p, f.astype(int), r * scale, T * scale, w, fitter.penalizer_coef)
        return fitter._negative_log_likelihood(np.log(p), f.astype(int), r * scale, T * scale, w, fitter.penalizer_coef)
    return fitter._negative_log_likelihood(np.log(p), *data, w, fitter.penalizer_coef)


def rel(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))


PURCHASE_FITTERS = [
    (cv.BetaGeoFitter, lifetimes.BetaGeoFitter),
    (cv.ModifiedBetaGeoFitter, lifetimes.ModifiedBetaGeoFitter),
    (cv.ParetoNBDFitter, lifetimes.ParetoNBDFitter),
]


@needs_data
@pytest.mark.parametrize("ours, theirs", PURCHASE_FITTERS)
def test_purchase_fit_matches_lifetimes(cdnow, ours, theirs):
    args = (cdnow["x"], cdnow["t_x"], cdnow["T"])
    a = ours().fit(*args)
    b = theirs().fit(*args)
    # At least lifetimes' optimum, in lifetimes' own objective.
    assert lifetimes_objective(b, a.params_.values, *args) <= b._negative_log_likelihood_ + 1e-9
    assert rel(a.params_.values, b.params_.values) < 1e-3
    assert a.status_ == "interior"
    assert list(a.summary.columns) == ["coef", "se(coef)", "lower 95% bound", "upper 95% bound"]
    assert np.allclose(a.variance_matrix_.values, a.variance_matrix_.values.T)


@needs_data
@pytest.mark.parametrize("ours, theirs", PURCHASE_FITTERS)
def test_purchase_predictions_equal_at_equal_parameters(cdnow, ours, theirs):
    b = theirs().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    a = ours().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    a.params_ = b.params_.copy()
    f, r, T = cdnow["x"], cdnow["t_x"], cdnow["T"]
    assert rel(a.conditional_probability_alive(f, r, T), b.conditional_probability_alive(f, r, T)) < 1e-9
    for t in (1.0, 39.0, 52.0):
        assert (
            rel(
                a.conditional_expected_number_of_purchases_up_to_time(t, f, r, T),
                b.conditional_expected_number_of_purchases_up_to_time(t, f, r, T),
            )
            < 1e-9
        )
    ts = np.array([1.0, 10.0, 39.0, 78.0])
    assert rel(a.expected_number_of_purchases_up_to_time(ts), b.expected_number_of_purchases_up_to_time(ts)) < 1e-9
    if hasattr(b, "probability_of_n_purchases_up_to_time"):
        for n in (0, 1, 2, 5):
            assert rel(a.probability_of_n_purchases_up_to_time(39.0, n), b.probability_of_n_purchases_up_to_time(39.0, n)) < 1e-9
    if hasattr(b, "conditional_probability_of_n_purchases_up_to_time"):
        # lifetimes evaluates it one customer at a time (scalar hyp2f1).
        sample = cdnow.iloc[::97]
        fs, rs, Ts = sample["x"], sample["t_x"], sample["T"]
        for n in (0, 1, 3):
            for t in (10.0, 39.0):
                mine = a.conditional_probability_of_n_purchases_up_to_time(n, t, fs, rs, Ts)
                theirs = [
                    b.conditional_probability_of_n_purchases_up_to_time(n, t, x, tx, T)
                    for x, tx, T in zip(fs, rs, Ts)
                ]
                assert rel(mine, np.asarray(theirs, dtype=float)) < 1e-8


@needs_data
def test_gamma_gamma_and_clv_match_lifetimes(cdnow):
    repeat = cdnow[cdnow["x"] > 0]
    a = cv.GammaGammaFitter().fit(repeat["x"], repeat["zbar"])
    b = lifetimes.GammaGammaFitter().fit(repeat["x"], repeat["zbar"])
    assert lifetimes_objective(b, a.params_.values, repeat["x"], repeat["zbar"]) <= b._negative_log_likelihood_ + 1e-9
    assert rel(a.params_.values, b.params_.values) < 1e-3
    a.params_ = b.params_.copy()
    a.params_.index = ["p", "q", "v"]
    assert rel(
        a.conditional_expected_average_profit(cdnow["x"], cdnow["zbar"]),
        b.conditional_expected_average_profit(cdnow["x"], cdnow["zbar"]),
    ) < 1e-9
    bg_b = lifetimes.BetaGeoFitter().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    bg_a = cv.BetaGeoFitter().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    bg_a.params_ = bg_b.params_.copy()
    for freq in ("W", "D"):
        ours = a.customer_lifetime_value(bg_a, cdnow["x"], cdnow["t_x"], cdnow["T"], cdnow["zbar"], time=12, discount_rate=0.01, freq=freq)
        theirs = b.customer_lifetime_value(bg_b, cdnow["x"], cdnow["t_x"], cdnow["T"], cdnow["zbar"], time=12, discount_rate=0.01, freq=freq)
        assert rel(ours, theirs) < 1e-9


@needs_data
def test_bgbb_matches_lifetimes():
    d = pd.read_csv(DATA / "donations" / "donations.csv")
    args = (d["frequency"], d["recency"], d["periods"])
    a = cv.BetaGeoBetaBinomFitter().fit(*args, weights=d["weights"])
    b = lifetimes.BetaGeoBetaBinomFitter().fit(*args, weights=d["weights"])
    assert lifetimes_objective(b, a.params_.values, *args, weights=d["weights"]) <= b._negative_log_likelihood_ + 1e-9
    assert rel(a.params_.values, b.params_.values) < 1e-3
    # Published (Fader, Hardie & Shang 2010): 1.204, 0.750, 0.657, 2.783.
    assert np.allclose(a.params_.values, [1.204, 0.750, 0.657, 2.783], atol=6e-4)
    a.params_ = b.params_.copy()
    for m in (0, 1, 5):
        assert rel(a.conditional_probability_alive(m, *args), b.conditional_probability_alive(m, *args)) < 1e-9
    for m in (1, 5, 10):
        assert (
            rel(
                a.conditional_expected_number_of_purchases_up_to_time(m, *args),
                b.conditional_expected_number_of_purchases_up_to_time(m, *args),
            )
            < 1e-9
        )
    for n in (6, 10):
        mine = a.expected_number_of_transactions_in_first_n_periods(n)
        theirs = b.expected_number_of_transactions_in_first_n_periods(n)
        assert list(mine.index) == list(theirs.index)
        assert rel(mine["model"].values, theirs["model"].values) < 1e-9
    # The expected counts of the 11,104 donors over n = 6 add up to them.
    assert abs(a.expected_number_of_transactions_in_first_n_periods(6)["model"].sum() - 11104) < 1e-6


@needs_data
@pytest.mark.parametrize("freq", ["D", "W"])
def test_summary_data_equals_lifetimes(cdnow_log, freq):
    kwargs = dict(monetary_value_col="amount", observation_period_end="1997-09-30", freq=freq)
    ours = cv_utils.summary_data_from_transaction_data(cdnow_log, "id", "date", **kwargs)
    theirs = lt_utils.summary_data_from_transaction_data(cdnow_log, "id", "date", **kwargs)
    pd.testing.assert_frame_equal(ours, theirs, check_exact=False, rtol=1e-12)
    ours = cv_utils.summary_data_from_transaction_data(cdnow_log, "id", "date", include_first_transaction=True, **kwargs)
    theirs = lt_utils.summary_data_from_transaction_data(cdnow_log, "id", "date", include_first_transaction=True, **kwargs)
    pd.testing.assert_frame_equal(ours, theirs, check_exact=False, rtol=1e-12)


@needs_data
@pytest.mark.parametrize("freq", ["D", "W"])
def test_calibration_and_holdout_equals_lifetimes(cdnow_log, freq):
    kwargs = dict(
        calibration_period_end="1997-09-30",
        observation_period_end="1998-06-30",
        freq=freq,
        monetary_value_col="amount",
    )
    ours = cv_utils.calibration_and_holdout_data(cdnow_log, "id", "date", **kwargs)
    theirs = lt_utils.calibration_and_holdout_data(cdnow_log, "id", "date", **kwargs)
    pd.testing.assert_frame_equal(ours, theirs, check_exact=False, rtol=1e-12)


def simulated(n=2000, seed=7):
    """A log from the BG/NBD process, seeded: r = 0.5, alpha = 8, a = 0.6, b = 2.5 in days."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(0.5, 1 / 8.0, n)
    p = rng.beta(0.6, 2.5, n)
    start = rng.integers(0, 180, n)
    rows = []
    for i in range(n):
        t = float(start[i])
        rows.append((i, t, rng.gamma(2.0, 20.0)))
        while True:
            if rng.random() < p[i]:
                break
            t += rng.exponential(1 / lam[i])
            if t > 365:
                break
            rows.append((i, t, rng.gamma(2.0, 20.0)))
    log = pd.DataFrame(rows, columns=["customer", "day", "amount"])
    log["date"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.floor(log["day"]), unit="D")
    log["amount"] = log["amount"].round(2)
    return log


def test_simulated_log_summary_and_fit_match_lifetimes():
    log = simulated()
    kwargs = dict(monetary_value_col="amount", observation_period_end="2024-12-31")
    ours = cv_utils.summary_data_from_transaction_data(log, "customer", "date", **kwargs)
    theirs = lt_utils.summary_data_from_transaction_data(log, "customer", "date", **kwargs)
    pd.testing.assert_frame_equal(ours, theirs, check_exact=False, rtol=1e-12)
    a = cv.BetaGeoFitter().fit(ours["frequency"], ours["recency"], ours["T"])
    b = lifetimes.BetaGeoFitter().fit(theirs["frequency"], theirs["recency"], theirs["T"])
    assert lifetimes_objective(b, a.params_.values, ours["frequency"], ours["recency"], ours["T"]) <= b._negative_log_likelihood_ + 1e-9
    assert rel(a.params_.values, b.params_.values) < 1e-3


def test_penalizer_has_lifetimes_meaning():
    log = simulated(800, seed=3)
    s = cv_utils.summary_data_from_transaction_data(log, "customer", "date", observation_period_end="2024-12-31")
    a = cv.BetaGeoFitter(penalizer_coef=0.1).fit(s["frequency"], s["recency"], s["T"])
    b = lifetimes.BetaGeoFitter(penalizer_coef=0.1).fit(s["frequency"], s["recency"], s["T"])
    assert rel(a.params_.values, b.params_.values) < 1e-3


def test_save_and_load_round_trip(tmp_path):
    log = simulated(500, seed=5)
    s = cv_utils.summary_data_from_transaction_data(log, "customer", "date", observation_period_end="2024-12-31")
    a = cv.BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    path = tmp_path / "bgnbd.json"
    a.save_model(path)
    b = cv.BetaGeoFitter()
    b.load_model(path)
    pd.testing.assert_series_equal(a.params_, b.params_)
    assert b.log_likelihood_ == a.log_likelihood_


@needs_data
def test_probability_alive_matrix_equals_lifetimes_for_bgnbd(cdnow):
    b = lifetimes.BetaGeoFitter().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    a = cv.BetaGeoFitter().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    a.params_ = b.params_.copy()
    ours = a.conditional_probability_alive_matrix(max_frequency=20, max_recency=39)
    theirs = b.conditional_probability_alive_matrix(max_frequency=20, max_recency=39)
    assert ours.shape == theirs.shape
    assert rel(ours, theirs) < 1e-9
