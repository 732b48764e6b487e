"""The native BTYD layer: fit reports for every model, against published
figures (Fader & Hardie's papers) and closed forms."""

import math

import numpy as np
import pandas as pd
import pytest

import customer_value as cvm
from customer_value import btyd

from test_lifetimes_parity import DATA, needs_data


@needs_data
def test_bgnbd_report_on_cdnow_matches_the_paper():
    d = pd.read_csv(DATA / "cdnow" / "cdnow_customers_summary_with_transactions.csv")
    r = btyd.fit("bg-nbd", d["x"], d["t_x"], d["T"])
    # Fader, Hardie & Lee (2005): r 0.243, alpha 4.414, a 0.793, b 2.426, LL -9582.4.
    assert r.status == "interior"
    assert np.allclose(r.values(), [0.243, 4.414, 0.793, 2.426], atol=1e-3)
    assert round(r.log_likelihood, 1) == -9582.4
    assert r.customers == 2357 and r.rows <= 2357
    assert math.isclose(r.aic, 2 * 4 - 2 * r.log_likelihood)
    assert math.isclose(r.bic, 4 * math.log(2357) - 2 * r.log_likelihood)
    assert np.allclose(r.covariance.values, r.covariance.values.T)
    assert set(r.std_errors) == {"r", "alpha", "a", "b"}
    again = btyd.FitReport.load_json(r.to_json())
    assert again.params == r.params and again.status == r.status


@needs_data
def test_pareto_dert_matches_fader_hardie_lee():
    # FHL (2005) "RFM and CLV": the customer (2, 30.43, 38.86) at the CDNOW
    # Pareto/NBD estimates, 15 % a year in weeks: DERT 6.5002.
    r = btyd.FitReport.from_json(
        "pareto-nbd",
        {
            "params": {"r": 0.553275, "alpha": 10.577611, "s": 0.606213, "beta": 11.667908},
            "names": ["r", "alpha", "s", "beta"],
            "log_likelihood": 0.0, "aic": 0.0, "bic": 0.0, "iterations": 0,
            "customers": 1.0, "rows": 1, "status": {"kind": "interior"},
        },
    )
    v = btyd.dert(r, math.log(1.15) / 52, [2.0], [30.43], [38.86])
    assert abs(v[0] / 6.500203199 - 1) < 1e-9


def test_sbg_reproduces_fader_hardie_2007_high_end():
    survivors = [1000, 869, 743, 653, 593, 551, 517, 491]
    r = btyd.fit_sbg(survivors)
    assert np.allclose(r.values(), [0.668, 3.806], atol=1e-3)
    assert round(r.log_likelihood, 2) == -1611.16
    curves = btyd.sbg_curves(r, 12)
    projected = (100 * curves["survival"].iloc[8:13]).round(1).tolist()
    assert projected == [46.0, 43.6, 41.4, 39.5, 37.8]
    # Retention r(t) = (beta + t - 1) / (alpha + beta + t - 1), the closed form.
    a, b = r.values()
    assert np.allclose(curves["retention"].iloc[1:], [(b + t - 1) / (a + b + t - 1) for t in range(1, 13)])


def test_sbg_discounted_lifetimes_match_fader_hardie_2010():
    r = btyd.FitReport.from_json(
        "sbg",
        {"params": {"alpha": 0.704, "beta": 1.182}, "names": ["alpha", "beta"], "log_likelihood": 0.0,
         "aic": 0.0, "bic": 0.0, "iterations": 0, "customers": 1.0, "rows": 1, "status": {"kind": "interior"}},
    )
    del_, _ = btyd.sbg_discounted_lifetimes(r, 0.10)
    assert abs(del_ - 3.6951) < 5e-5
    high_end = btyd.FitReport.from_json("sbg", {**r.raw, "params": {"alpha": 0.668, "beta": 3.806}})
    _, derl = btyd.sbg_discounted_lifetimes(high_end, 0.10, renewals=(1, 5))
    assert abs(derl[1] - 5.4149) < 5e-4 and abs(derl[5] - 6.8971) < 5e-4


@needs_data
def test_bgbb_and_gamma_gamma_reports():
    d = pd.read_csv(DATA / "donations" / "donations.csv")
    r = btyd.fit_bg_bb(d["frequency"], d["recency"], d["periods"], d["weights"])
    assert np.allclose(r.values(), [1.203522, 0.7497164, 0.6567182, 2.783442], rtol=2e-4)
    assert round(r.log_likelihood, 3) == round(-33225.581274, 3)
    c = pd.read_csv(DATA / "cdnow" / "cdnow_customers_summary_with_transactions.csv")
    repeat = c[c["x"] > 0]
    g = btyd.fit_gamma_gamma(repeat["x"], repeat["zbar"])
    # Fader, Hardie & Lee (2005b): p 6.25, q 3.74, gamma 15.44.
    assert np.allclose(g.values(), [6.25, 3.74, 15.44], atol=0.01)
    spend = btyd.expected_spend(g, [2.0], [22.35])
    p, q, v = g.values()
    # The closed form: (gamma + x zbar) p / (p x + q - 1).
    assert abs(spend[0] - (v + 2 * 22.35) * p / (p * 2 + q - 1)) < 1e-9


def test_wrong_report_kind_is_refused():
    r = btyd.fit_sbg([1000, 869, 743, 653])
    with pytest.raises(ValueError, match="purchases"):
        btyd.p_alive(r, [1.0], [1.0], [2.0])


def test_cohort_errors_are_typed():
    with pytest.raises(cvm.CustomerValueError):
        btyd.fit_sbg([100, 120, 50])  # survivors cannot grow
