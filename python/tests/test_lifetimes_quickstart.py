"""lifetimes' own documentation run as a user would: its Quickstart (and
"Saving and loading model") once with ``lifetimes`` and once with every
``lifetimes`` import switched to ``customer_value.lifetimes``, on lifetimes'
bundled data sets; then every call, attribute and plotting function the
Quickstart uses compared with lifetimes 0.11.3 (a test-only dependency):
numbers at equal parameters to 1e-9 relative, frames' shapes, columns,
index and dtypes, return types; and one test per divergence fixed.
"""

import inspect
import re
import warnings

import numpy as np
import pandas as pd
import pytest

lifetimes = pytest.importorskip("lifetimes")
matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from lifetimes import plotting as lt_plotting  # noqa: E402
from lifetimes import utils as lt_utils  # noqa: E402
from lifetimes.datasets import (  # noqa: E402
    load_cdnow_summary_data_with_monetary_value,
    load_donations,
    load_transaction_data,
)

import customer_value  # noqa: E402
from customer_value import lifetimes as cv  # noqa: E402
from customer_value.lifetimes import datasets as cv_datasets  # noqa: E402
from customer_value.lifetimes import generate_data as cv_generate  # noqa: E402
from customer_value.lifetimes import plotting as cv_plotting  # noqa: E402
from customer_value.lifetimes import utils as cv_utils  # noqa: E402

# lifetimes' Quickstart (docs/Quickstart.md) and "Saving and loading model",
# in order, with the results kept in R. The one edit to the docs' code is
# `figure()` before each plot and the try around plot_history_alive: with
# matplotlib 3.8 and later lifetimes' own version fails on the string dates
# of load_transaction_data() (see test_plot_history_alive_*).
QUICKSTART = """
R = {}
from lifetimes.datasets import load_cdnow_summary
data = load_cdnow_summary(index_col=[0])
R["data"] = data.copy()

from lifetimes import BetaGeoFitter
bgf = BetaGeoFitter(penalizer_coef=0.0)
bgf.fit(data['frequency'], data['recency'], data['T'])
R["repr"] = repr(bgf)
R["summary"] = bgf.summary
R["params"] = bgf.params_.copy()

from lifetimes.plotting import plot_frequency_recency_matrix
figure(); R["fr_matrix"] = plot_frequency_recency_matrix(bgf).get_images()[0].get_array()
from lifetimes.plotting import plot_probability_alive_matrix
figure(); R["alive_matrix"] = plot_probability_alive_matrix(bgf).get_images()[0].get_array()

t = 1
data['predicted_purchases'] = bgf.conditional_expected_number_of_purchases_up_to_time(t, data['frequency'], data['recency'], data['T'])
R["top5"] = data.sort_values(by='predicted_purchases').tail(5)

from lifetimes.plotting import plot_period_transactions
figure(); R["period_bars"] = len(plot_period_transactions(bgf).patches)

from lifetimes.datasets import load_transaction_data
from lifetimes.utils import summary_data_from_transaction_data
transaction_data = load_transaction_data()
summary = summary_data_from_transaction_data(transaction_data, 'id', 'date', observation_period_end='2014-12-31')
R["summary_tx"] = summary
bgf.fit(summary['frequency'], summary['recency'], summary['T'])
R["repr_tx"] = repr(bgf)

from lifetimes.utils import calibration_and_holdout_data
summary_cal_holdout = calibration_and_holdout_data(transaction_data, 'id', 'date',
                                        calibration_period_end='2014-09-01',
                                        observation_period_end='2014-12-31' )
R["cal_holdout"] = summary_cal_holdout
from lifetimes.plotting import plot_calibration_purchases_vs_holdout_purchases
bgf.fit(summary_cal_holdout['frequency_cal'], summary_cal_holdout['recency_cal'], summary_cal_holdout['T_cal'])
R["params_cal"] = bgf.params_.copy()
figure(); R["cal_lines"] = [l.get_ydata() for l in plot_calibration_purchases_vs_holdout_purchases(bgf, summary_cal_holdout).get_lines()]

t = 10
individual = summary.iloc[20]
R["individual"] = bgf.predict(t, individual['frequency'], individual['recency'], individual['T'])

from lifetimes.plotting import plot_history_alive
id = 35
days_since_birth = 200
sp_trans = transaction_data.loc[transaction_data['id'] == id]
figure()
try:
    R["history"] = plot_history_alive(bgf, days_since_birth, sp_trans, 'date').get_lines()[0].get_ydata()
except Exception as e:
    R["history"] = e

from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value
summary_with_money_value = load_cdnow_summary_data_with_monetary_value()
returning_customers_summary = summary_with_money_value[summary_with_money_value['frequency']>0]
from lifetimes import GammaGammaFitter
ggf = GammaGammaFitter(penalizer_coef = 0)
ggf.fit(returning_customers_summary['frequency'], returning_customers_summary['monetary_value'])
R["repr_gg"] = repr(ggf)
R["params_gg"] = ggf.params_.copy()
R["profit"] = ggf.conditional_expected_average_profit(summary_with_money_value['frequency'], summary_with_money_value['monetary_value'])
bgf.fit(summary_with_money_value['frequency'], summary_with_money_value['recency'], summary_with_money_value['T'])
R["clv"] = ggf.customer_lifetime_value(bgf, summary_with_money_value['frequency'], summary_with_money_value['recency'],
    summary_with_money_value['T'], summary_with_money_value['monetary_value'], time=12, discount_rate=0.01)

import os
bgf.save_model(os.path.join(tmp, 'bgf.pkl'))
bgf.save_model(os.path.join(tmp, 'bgf_small_size.pkl'), save_data=False, save_generate_data_method=False)
bgf_loaded = BetaGeoFitter()
bgf_loaded.load_model(os.path.join(tmp, 'bgf.pkl'))
R["repr_loaded"] = repr(bgf_loaded)
bgf_small = BetaGeoFitter()
bgf_small.load_model(os.path.join(tmp, 'bgf_small_size.pkl'))
R["small"] = (bgf_small.data, bgf_small.generate_new_data, bgf_small.params_.copy())
"""


def run_quickstart(tmp_path, switch):
    """The Quickstart with ``switch(line)`` applied to its import lines."""
    code = "\n".join(switch(line) if line.startswith("from lifetimes") else line for line in QUICKSTART.splitlines())
    scope = {"figure": plt.figure, "tmp": str(tmp_path)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(code, "quickstart", "exec"), scope)
    plt.close("all")
    return scope["R"]


def every_import(line):
    return line.replace("from lifetimes", "from customer_value.lifetimes", 1)


def fitters_and_utils_only(line):
    """The minimal switch: the fitters and utils; lifetimes' plotting and
    data sets stay, and are handed our fitters."""
    if line.startswith("from lifetimes import") or line.startswith("from lifetimes.utils"):
        return every_import(line)
    return line


def rel(a, b):
    """Largest relative difference (equal values, infinities included, 0)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape
    diff = np.where(a == b, 0.0, np.abs(a - b) / np.maximum(np.abs(b), 1e-300))
    return float(np.max(diff)) if a.size else 0.0


def same_frame(a, b):
    assert list(a.columns) == list(b.columns)
    assert a.index.equals(b.index) and a.index.name == b.index.name
    assert list(a.dtypes) == list(b.dtypes)
    assert a.shape == b.shape


@pytest.fixture(scope="module")
def theirs(tmp_path_factory):
    return run_quickstart(tmp_path_factory.mktemp("lifetimes"), lambda line: line)


@pytest.mark.parametrize("switch", [every_import, fitters_and_utils_only])
def test_quickstart_runs_with_the_import_switched(theirs, tmp_path, switch):
    ours = run_quickstart(tmp_path, switch)
    # The printed objects: same text (to 2 decimals) but the package name.
    for key in ("repr", "repr_tx", "repr_gg", "repr_loaded"):
        assert ours[key] == theirs[key].replace("<lifetimes.", "<customer_value.lifetimes."), key
    # Frames: same columns, index, dtypes; the summaries equal.
    for key in ("data", "summary", "top5", "summary_tx", "cal_holdout"):
        same_frame(ours[key], theirs[key])
    pd.testing.assert_frame_equal(ours["summary_tx"], theirs["summary_tx"])
    pd.testing.assert_frame_equal(ours["cal_holdout"], theirs["cal_holdout"])
    assert list(ours["top5"].index) == list(theirs["top5"].index)
    # Fits: the same optimum (the optimisers stop at different points
    # within lifetimes' tolerance), so predictions agree to about 1e-6.
    for key in ("params", "params_cal", "params_gg"):
        assert list(ours[key].index) == list(theirs[key].index)
        assert rel(ours[key], theirs[key]) < 1e-5, key
    assert rel(ours["summary"]["coef"], theirs["summary"]["coef"]) < 1e-5
    assert rel(ours["summary"]["se(coef)"], theirs["summary"]["se(coef)"]) < 1e-4
    assert rel(ours["top5"]["predicted_purchases"], theirs["top5"]["predicted_purchases"]) < 1e-5
    assert rel(ours["fr_matrix"], theirs["fr_matrix"]) < 1e-4
    assert rel(ours["alive_matrix"], theirs["alive_matrix"]) < 1e-4
    assert ours["period_bars"] == theirs["period_bars"]
    for a, b in zip(ours["cal_lines"], theirs["cal_lines"]):
        assert rel(a, b) < 1e-5
    assert type(ours["individual"]) is type(theirs["individual"]) is np.float64
    assert rel(ours["individual"], theirs["individual"]) < 1e-5
    for key in ("profit", "clv"):
        assert isinstance(ours[key], pd.Series) and ours[key].index.equals(theirs[key].index)
        assert ours[key].name == theirs[key].name
        assert rel(ours[key], theirs[key]) < 1e-5, key
    data, generate, params = ours["small"]
    assert data is None and generate is None and rel(params, theirs["small"][2]) < 1e-5
    # plot_history_alive: ours draws the Quickstart's string dates.
    if switch is every_import:
        assert isinstance(ours["history"], np.ndarray) and len(ours["history"]) == 201


# --- Equal parameters: every prediction the Quickstart draws, to 1e-9 ------

PURCHASE = [
    (cv.BetaGeoFitter, lifetimes.BetaGeoFitter),
    (cv.ModifiedBetaGeoFitter, lifetimes.ModifiedBetaGeoFitter),
    (cv.ParetoNBDFitter, lifetimes.ParetoNBDFitter),
]


@pytest.fixture(scope="module")
def cdnow():
    return load_cdnow_summary_data_with_monetary_value()


@pytest.fixture(scope="module")
def transactions():
    return load_transaction_data()


def fitted_pair(ours_cls, theirs_cls, summary):
    """Our fit, and a lifetimes fitter holding the same parameters and data
    (without lifetimes' own, slower fit)."""
    a = ours_cls().fit(summary["frequency"], summary["recency"], summary["T"])
    b = theirs_cls()
    b.params_ = a.params_.copy()
    b.data = a.data.copy()
    b.predict = b.conditional_expected_number_of_purchases_up_to_time  # set by lifetimes' fit
    return a, b


def image(ax):
    return np.asarray(ax.get_images()[0].get_array(), dtype=float)


@pytest.mark.parametrize("ours_cls, theirs_cls", PURCHASE)
def test_frequency_recency_matrix_equals_lifetimes(cdnow, ours_cls, theirs_cls):
    a, b = fitted_pair(ours_cls, theirs_cls, cdnow)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for T in (1, 10):
            theirs = image(lt_plotting.plot_frequency_recency_matrix(b, T=T, max_frequency=12, max_recency=30))
            plt.close("all")
            # lifetimes' function with our fitter, and ours with ours.
            mixed = image(lt_plotting.plot_frequency_recency_matrix(a, T=T, max_frequency=12, max_recency=30))
            plt.close("all")
            mine = image(cv_plotting.plot_frequency_recency_matrix(a, T=T, max_frequency=12, max_recency=30))
            plt.close("all")
            assert mine.shape == theirs.shape == (31, 13)
            if ours_cls is cv.BetaGeoFitter:
                # Frequency 0 does not depend on recency in BG/NBD.
                assert rel(mine, theirs) < 1e-9 and rel(mixed, theirs) < 1e-9
            else:
                # lifetimes evaluates frequency 0 at recency > 0, an impossible
                # history; ours reads it as recency 0 (documented).
                assert rel(mine[:, 1:], theirs[:, 1:]) < 1e-9 and rel(mixed[:, 1:], theirs[:, 1:]) < 1e-9
                assert rel(mine[:, 0], np.full(31, theirs[0, 0])) < 1e-9


@pytest.mark.parametrize("ours_cls, theirs_cls", PURCHASE)
def test_probability_alive_matrix_equals_lifetimes(cdnow, ours_cls, theirs_cls):
    a, b = fitted_pair(ours_cls, theirs_cls, cdnow)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = b.conditional_probability_alive_matrix(10, 20)
        mine = a.conditional_probability_alive_matrix(10, 20)
        drawn = image(cv_plotting.plot_probability_alive_matrix(a, 10, 20))
        plt.close("all")
        mixed = image(lt_plotting.plot_probability_alive_matrix(a, 10, 20))
        plt.close("all")
    assert mine.shape == theirs.shape == (21, 11)
    assert rel(drawn, mine) == 0 and rel(mixed, mine) == 0
    if ours_cls is cv.BetaGeoFitter:
        assert rel(mine, theirs) < 1e-9
    else:
        assert rel(mine[:, 1:], theirs[:, 1:]) < 1e-9
        assert rel(mine[:, 0], np.full(21, theirs[0, 0])) < 1e-9


def test_calibration_vs_holdout_plot_equals_lifetimes(transactions):
    s = cv_utils.calibration_and_holdout_data(transactions, "id", "date", "2014-09-01", "2014-12-31")
    a = cv.BetaGeoFitter().fit(s["frequency_cal"], s["recency_cal"], s["T_cal"])
    b = lifetimes.BetaGeoFitter()
    b.params_ = a.params_.copy()
    for kind in ("frequency_cal", "recency_cal", "T_cal", "time_since_last_purchase"):
        theirs = lt_plotting.plot_calibration_purchases_vs_holdout_purchases(b, s, kind=kind)
        theirs = [line.get_ydata() for line in theirs.get_lines()]
        plt.close("all")
        mine = cv_plotting.plot_calibration_purchases_vs_holdout_purchases(a, s, kind=kind)
        mine = [line.get_ydata() for line in mine.get_lines()]
        plt.close("all")
        assert len(mine) == len(theirs) == 2
        for x, y in zip(mine, theirs):
            assert rel(x, y) < 1e-9


@pytest.mark.parametrize("ours_cls, theirs_cls", PURCHASE)
def test_alive_path_and_history_plot_equal_lifetimes(transactions, ours_cls, theirs_cls):
    summary = cv_utils.summary_data_from_transaction_data(transactions, "id", "date", observation_period_end="2014-12-31")
    a, b = fitted_pair(ours_cls, theirs_cls, summary)
    for customer in (35, 2, 0):
        one = transactions.loc[transactions["id"] == customer].copy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = lt_utils.calculate_alive_path(b, one, "date", 200)
            mixed = lt_utils.calculate_alive_path(a, one, "date", 200)
        mine = cv_utils.calculate_alive_path(a, one, "date", 200)
        theirs = np.array([np.asarray(v, dtype=float).ravel()[0] for v in theirs])
        mixed = np.array([np.asarray(v, dtype=float).ravel()[0] for v in mixed])
        assert mine.dtype == np.float64 and mine.index.equals(pd.RangeIndex(201))
        assert rel(mine, theirs) < 1e-9 and rel(mixed, theirs) < 1e-9
        # The plot, on parsed dates (lifetimes' needs them, see below).
        one["date"] = pd.to_datetime(one["date"])
        drawn = cv_plotting.plot_history_alive(a, 200, one, "date").get_lines()[0].get_ydata()
        plt.close("all")
        assert rel(drawn, theirs) < 1e-9


def test_plot_history_alive_takes_string_dates(transactions):
    """lifetimes' plot_history_alive hands min() of the date column to
    plt.xlim; on the Quickstart's string dates matplotlib 3.8+ refuses it.
    Ours parses the dates."""
    summary = cv_utils.summary_data_from_transaction_data(transactions, "id", "date", observation_period_end="2014-12-31")
    a = cv.BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    one = transactions.loc[transactions["id"] == 35]
    assert one["date"].dtype == object
    ax = cv_plotting.plot_history_alive(a, 200, one, "date", start_date="2014-06-01")
    left, right = ax.get_xlim()
    plt.close("all")
    assert matplotlib.dates.num2date(left).date() == pd.Timestamp("2014-06-01").date()
    assert right > left


@pytest.mark.parametrize("ours_cls, theirs_cls", PURCHASE)
@pytest.mark.parametrize("freq_multiplier, set_index_date", [(1, False), (7, False), (1, True)])
def test_expected_cumulative_transactions_equal_lifetimes(transactions, ours_cls, theirs_cls, freq_multiplier, set_index_date):
    summary = cv_utils.summary_data_from_transaction_data(transactions, "id", "date", observation_period_end="2014-12-31")
    a, b = fitted_pair(ours_cls, theirs_cls, summary)
    kwargs = dict(freq_multiplier=freq_multiplier, set_index_date=set_index_date)
    theirs = lt_utils.expected_cumulative_transactions(b, transactions, "date", "id", 300, **kwargs)
    mine = cv_utils.expected_cumulative_transactions(a, transactions, "date", "id", 300, **kwargs)
    same_frame(mine, theirs)
    assert (mine["actual"].to_numpy() == theirs["actual"].to_numpy()).all()
    assert rel(mine["predicted"], theirs["predicted"]) < 1e-9
    if not set_index_date:
        drawn = cv_plotting.plot_cumulative_transactions(a, transactions, "date", "id", 300, 240, freq="D")
        lines = [line.get_ydata() for line in drawn.get_lines()]
        plt.close("all")
        if freq_multiplier == 1:
            assert rel(lines[1], theirs["predicted"]) < 1e-9
        drawn = cv_plotting.plot_incremental_transactions(a, transactions, "date", "id", 300, 240)
        plt.close("all")
        assert len(drawn.get_lines()) == 3


@pytest.mark.parametrize("ours_cls, theirs_cls", PURCHASE[:2])
def test_heterogeneity_and_repeat_purchase_plots_equal_lifetimes(cdnow, ours_cls, theirs_cls):
    a, b = fitted_pair(ours_cls, theirs_cls, cdnow)
    for name in ("plot_transaction_rate_heterogeneity", "plot_dropout_rate_heterogeneity"):
        theirs = getattr(lt_plotting, name)(b).get_lines()[0].get_ydata()
        plt.close("all")
        mine = getattr(cv_plotting, name)(a).get_lines()[0].get_ydata()
        plt.close("all")
        assert rel(mine, theirs) < 1e-9
    # lifetimes' plot_expected_repeat_purchases reads a colour cycler that
    # matplotlib 3.8 removed; ours draws lifetimes' two curves.
    lines = cv_plotting.plot_expected_repeat_purchases(a).get_lines()
    plt.close("all")
    max_t = cdnow["T"].max()
    assert rel(lines[0].get_ydata(), b.expected_number_of_purchases_up_to_time(np.linspace(0, max_t, 100))) < 1e-9
    assert rel(lines[1].get_ydata(), b.expected_number_of_purchases_up_to_time(np.linspace(max_t, 1.5 * max_t, 100))) < 1e-9


@pytest.mark.parametrize("ours_cls", [c for c, _ in PURCHASE] + [cv.BetaGeoBetaBinomFitter])
def test_period_transactions_plot_with_our_fitter(cdnow, ours_cls):
    if ours_cls is cv.BetaGeoBetaBinomFitter:
        d = load_donations()
        a = ours_cls().fit(d["frequency"], d["recency"], d["periods"], weights=d["weights"])
    else:
        a = ours_cls().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    for module in (cv_plotting, lt_plotting):
        np.random.seed(7)
        ax = module.plot_period_transactions(a)
        heights = np.array([p.get_height() for p in ax.patches])
        plt.close("all")
        actual = a.data["frequency"].value_counts().sort_index().iloc[:7]
        assert np.array_equal(heights[: len(actual)], actual.to_numpy(dtype=float))
        assert len(heights) == 2 * len(actual)


# --- generate_new_data ------------------------------------------------------


@pytest.mark.parametrize(
    "ours_cls, theirs_cls",
    PURCHASE + [(cv.BetaGeoBetaBinomFitter, lifetimes.BetaGeoBetaBinomFitter)],
)
def test_generate_new_data_has_lifetimes_frame(cdnow, ours_cls, theirs_cls):
    if ours_cls is cv.BetaGeoBetaBinomFitter:
        d = load_donations()
        a = ours_cls().fit(d["frequency"], d["recency"], d["periods"], weights=d["weights"])
        theirs = lifetimes.generate_data.beta_geometric_beta_binom_model(6, *a.params_.values, size=5)
    else:
        a, _ = fitted_pair(ours_cls, theirs_cls, cdnow)
        # lifetimes builds generate_new_data in its fit from these functions.
        module = {
            cv.BetaGeoFitter: lifetimes.generate_data.beta_geometric_nbd_model,
            cv.ModifiedBetaGeoFitter: lifetimes.generate_data.modified_beta_geometric_nbd_model,
            cv.ParetoNBDFitter: lifetimes.generate_data.pareto_nbd_model,
        }[ours_cls]
        theirs = module(cdnow["T"].to_numpy()[:5], *a.params_.values, size=5)
    np.random.seed(3)
    mine = a.generate_new_data(size=5)
    np.random.seed(3)
    again = a.generate_new_data(size=5)
    pd.testing.assert_frame_equal(mine, again)
    assert list(mine.columns) == list(theirs.columns)
    assert mine.index.name == theirs.index.name
    assert list(mine.dtypes) == list(theirs.dtypes)
    with pytest.raises(ValueError, match="exceeds"):
        a.generate_new_data(size=10**8)


@pytest.mark.parametrize("simulate, ours_cls", [
    (cv_generate.beta_geometric_nbd_model, cv.BetaGeoFitter),
    (cv_generate.modified_beta_geometric_nbd_model, cv.ModifiedBetaGeoFitter),
    (cv_generate.pareto_nbd_model, cv.ParetoNBDFitter),
])
def test_simulated_purchases_follow_the_model(simulate, ours_cls):
    """Mean repeat purchases and P(alive) of 200,000 simulated customers
    against the model's closed forms E[X(T)] and E[P(alive)] (the mean of
    the alive indicator)."""
    params = {
        cv.BetaGeoFitter: (0.243, 4.414, 0.793, 2.426),
        cv.ModifiedBetaGeoFitter: (0.525, 6.183, 0.891, 1.614),
        cv.ParetoNBDFitter: (0.553, 10.58, 0.606, 11.67),
    }[ours_cls]
    model = ours_cls()
    model.params_ = pd.Series(params, index=list(model._names))
    np.random.seed(11)
    n = 200_000
    sim = simulate(39.0, *params, size=n)
    expected = model.expected_number_of_purchases_up_to_time(39.0)
    sd = sim["frequency"].std() / np.sqrt(n)
    assert abs(sim["frequency"].mean() - expected) < 4 * sd
    assert (sim["recency"] <= sim["T"]).all() and (sim.loc[sim["frequency"] == 0, "recency"] == 0).all()
    # The customers' P(alive) given their simulated histories averages to
    # the share simulated alive.
    p = model.conditional_probability_alive(sim["frequency"], sim["recency"], sim["T"])
    assert abs(np.mean(p) - sim["alive"].mean()) < 4 * np.sqrt(0.25 / n)


def test_simulated_bgbb_follows_the_model():
    d = load_donations()
    a = cv.BetaGeoBetaBinomFitter().fit(d["frequency"], d["recency"], d["periods"], weights=d["weights"])
    np.random.seed(5)
    sim = a.generate_new_data(size=int(d["weights"].sum()))
    counts = sim["frequency"].value_counts().sort_index()
    model = a.expected_number_of_transactions_in_first_n_periods(6)["model"]
    # Each frequency's count within 4 binomial standard deviations.
    n = len(sim)
    for x, expected in model.items():
        sd = np.sqrt(expected * (1 - expected / n))
        assert abs(counts.get(float(x), 0) - expected) < 4 * sd + 1, x
    assert ((sim["frequency"] <= sim["recency"]) & (sim["recency"] <= sim["n_periods"])).all()


# --- One test per divergence fixed --------------------------------------------


def test_repr_lists_parameters_sorted_as_lifetimes(cdnow):
    a, b = fitted_pair(cv.BetaGeoFitter, lifetimes.BetaGeoFitter, cdnow)
    assert repr(a) == repr(b).replace("<lifetimes.", "<customer_value.lifetimes.")
    assert re.search(r"a: .* alpha: .* b: .* r: ", repr(a))


@pytest.mark.parametrize("ours_cls, theirs_cls", PURCHASE)
def test_return_types_match_lifetimes(cdnow, ours_cls, theirs_cls):
    a, b = fitted_pair(ours_cls, theirs_cls, cdnow)
    f, r, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    calls = [
        lambda m, *h: m.conditional_probability_alive(*h),
        lambda m, *h: m.conditional_expected_number_of_purchases_up_to_time(10, *h),
        lambda m, *h: m.predict(10, *h),
    ]
    if ours_cls is cv.ParetoNBDFitter:
        calls.append(lambda m, *h: m.conditional_probability_of_n_purchases_up_to_time(2, 10, *h))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for call in calls:
            for history in ((f, r, T), (f.to_numpy(), r.to_numpy(), T.to_numpy()), (2, 30.43, 38.86), (0, 0, 38)):
                mine, theirs = call(a, *history), call(b, *history)
                assert type(mine) is type(theirs)
                assert np.shape(mine) == np.shape(theirs)
                if isinstance(theirs, pd.Series):
                    assert mine.index.equals(theirs.index) and mine.name == theirs.name
                assert rel(mine, theirs) < 1e-9
        for t in (10, 39.0, np.linspace(0, 50, 7), pd.Series([1.0, 5.0])):
            mine, theirs = a.expected_number_of_purchases_up_to_time(t), b.expected_number_of_purchases_up_to_time(t)
            assert type(mine) is type(theirs) and rel(mine, theirs) < 1e-9
        if hasattr(b, "probability_of_n_purchases_up_to_time"):
            for t, n in ((10, 2), (39.0, 0)):
                mine, theirs = a.probability_of_n_purchases_up_to_time(t, n), b.probability_of_n_purchases_up_to_time(t, n)
                assert type(mine) is type(theirs) is np.float64 and rel(mine, theirs) < 1e-9


def test_probability_of_n_purchases_for_several_horizons_is_lifetimes_scalar_answer(cdnow):
    """lifetimes' probability_of_n_purchases_up_to_time takes its
    hypergeometric shortcut for every horizon when given an array, and
    returns negative probabilities; ours equals lifetimes' horizon-by-
    horizon answers."""
    a, b = fitted_pair(cv.BetaGeoFitter, lifetimes.BetaGeoFitter, cdnow)
    ts = np.array([1.0, 10.0, 39.0])
    mine = a.probability_of_n_purchases_up_to_time(ts, 2)
    theirs = np.array([b.probability_of_n_purchases_up_to_time(t, 2) for t in ts])
    assert rel(mine, theirs) < 1e-9 and (mine > 0).all()


def test_zero_age_customers_from_calibration_and_holdout(transactions):
    """calibration_and_holdout_data gives T_cal = 0 to a customer whose
    first purchase is on the calibration end date; lifetimes fits and
    predicts with them (their log-likelihood term is 0), the crate refuses
    T = 0: the layer evaluates them at T -> 0+."""
    s = cv_utils.calibration_and_holdout_data(transactions, "id", "date", "2014-09-01", "2014-12-31")
    zero = s["T_cal"] == 0
    assert zero.any()
    a = cv.BetaGeoFitter().fit(s["frequency_cal"], s["recency_cal"], s["T_cal"])
    rest = s.loc[~zero]
    without = cv.BetaGeoFitter().fit(rest["frequency_cal"], rest["recency_cal"], rest["T_cal"])
    assert rel(a.params_, without.params_) < 1e-6
    assert abs(a.log_likelihood_ - without.log_likelihood_) < 1e-6 * abs(a.log_likelihood_)
    for ours_cls, theirs_cls in PURCHASE:
        m = ours_cls()
        m.params_ = pd.Series({cv.ParetoNBDFitter: (0.55, 10.6, 0.61, 11.7)}.get(ours_cls, (0.52, 6.2, 0.89, 1.61)), index=list(m._names))
        b = theirs_cls()
        b.params_ = m.params_.copy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for call in (
                lambda x: x.conditional_probability_alive(0, 0, 0),
                lambda x: x.conditional_expected_number_of_purchases_up_to_time(30, 0, 0, 0),
            ):
                assert rel(call(m), call(b)) < 1e-9
        # Equal to a new customer's expectation.
        assert rel(m.predict(30, 0, 0, 0), m.expected_number_of_purchases_up_to_time(30)) < 1e-9


def test_invalid_histories_still_raise():
    m = cv.BetaGeoFitter()
    m.params_ = pd.Series([0.24, 4.4, 0.79, 2.4], index=["r", "alpha", "a", "b"])
    with pytest.raises(customer_value.InvalidValueError):
        m.conditional_probability_alive(np.array([2.0]), np.array([5.0]), np.array([3.0]))  # recency > T
    with pytest.raises(customer_value.InvalidValueError):
        m.predict(1, np.array([-1.0]), np.array([0.0]), np.array([3.0]))
    with pytest.raises(customer_value.InvalidValueError):
        m.predict(1, np.array([0.0, 1.0]), np.array([0.0, 1.0, 2.0]), np.array([3.0, 3.0]))  # lengths


def test_signatures_match_lifetimes():
    """Every public method of every fitter, and the plotting, utils and
    datasets functions, take lifetimes' arguments in lifetimes' order with
    its defaults; the one listed difference is ``tol`` (the crate's
    relative tolerance, default None)."""
    pairs = [(getattr(cv, n), getattr(lifetimes, n)) for n in cv.__all__ if n != "__version__"]
    checked = 0
    for ours_cls, theirs_cls in pairs:
        for name in dir(theirs_cls):
            theirs = getattr(theirs_cls, name)
            if name.startswith("_") or not callable(theirs):
                continue
            mine = inspect.signature(getattr(ours_cls, name))
            theirs = inspect.signature(theirs)
            assert list(mine.parameters) == list(theirs.parameters), (ours_cls, name)
            for p, q in zip(mine.parameters.values(), theirs.parameters.values()):
                if p.name != "tol":
                    assert p.default == q.default, (ours_cls, name, p.name)
            checked += 1
    for mine_module, theirs_module in (
        (cv_plotting, lt_plotting),
        (cv_utils, lt_utils),
        (cv_datasets, lifetimes.datasets),
        (cv_generate, lifetimes.generate_data),
    ):
        names = [n for n in theirs_module.__all__] if hasattr(theirs_module, "__all__") else []
        if theirs_module is lifetimes.generate_data:
            names = [n for n in cv_generate.__all__]
        for name in names:
            assert str(inspect.signature(getattr(mine_module, name))) == str(inspect.signature(getattr(theirs_module, name))), name
            checked += 1
    assert checked > 40


def test_pareto_fit_takes_lifetimes_arguments(cdnow):
    args = (cdnow["frequency"], cdnow["recency"], cdnow["T"])
    a = cv.ParetoNBDFitter().fit(*args, None, 1, None, False, None, None, "Nelder-Mead", 2000)
    b = cv.ParetoNBDFitter().fit(*args, iterative_fitting=3, fit_method="Powell", maxiter=10)
    assert rel(a.params_, b.params_) < 1e-12
    with pytest.raises(ValueError, match="iterative_fitting"):
        cv.ParetoNBDFitter().fit(*args, iterative_fitting=0)
    with pytest.raises(ValueError, match="both set"):
        cv.ParetoNBDFitter().fit(*args, iterative_fitting=2, initial_params=[0.5, 10, 0.6, 11])


def test_fitted_data_has_lifetimes_dtypes(cdnow):
    d = load_donations()
    rep = cdnow[cdnow["frequency"] > 0]
    fits = [
        (cv.BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"]), lifetimes.BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])),
        (cv.GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"]), lifetimes.GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])),
        (
            cv.BetaGeoBetaBinomFitter().fit(d["frequency"], d["recency"], d["periods"], weights=d["weights"]),
            lifetimes.BetaGeoBetaBinomFitter().fit(d["frequency"], d["recency"], d["periods"], weights=d["weights"]),
        ),
    ]
    for mine, theirs in fits:
        same_frame(mine.data, theirs.data)
        pd.testing.assert_frame_equal(mine.data, theirs.data)


def test_save_model_keeps_data_and_generate_new_data(cdnow, tmp_path):
    a = cv.ModifiedBetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"], index=cdnow.index)
    a.save_model(tmp_path / "full.json")
    a.save_model(tmp_path / "small.json", save_data=False, save_generate_data_method=False)
    full = cv.ModifiedBetaGeoFitter()
    full.load_model(tmp_path / "full.json")
    assert repr(full) == repr(a)
    pd.testing.assert_frame_equal(full.data, a.data)
    np.random.seed(1)
    x = full.generate_new_data(size=50)
    np.random.seed(1)
    pd.testing.assert_frame_equal(x, a.generate_new_data(size=50))
    small = cv.ModifiedBetaGeoFitter()
    small.load_model(tmp_path / "small.json")
    assert small.data is None and small.generate_new_data is None
    assert "subjects" not in repr(small) and rel(small.params_, a.params_) == 0
    with pytest.raises(ValueError, match="holds a ModifiedBetaGeoFitter"):
        cv.BetaGeoFitter().load_model(tmp_path / "full.json")


def test_gamma_gamma_q_constraint(cdnow):
    rep = cdnow[cdnow["frequency"] > 0]
    free = cv.GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
    bounded = cv.GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"], q_constraint=True)
    theirs = lifetimes.GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"], q_constraint=True)
    assert rel(bounded.params_, free.params_) == 0 and rel(bounded.params_, theirs.params_) < 1e-4
    # Spend heterogeneity with q < 1 (infinite mean spend): lifetimes
    # returns the bound q = 1; the crate cannot, and says so.
    rng = np.random.default_rng(5)
    x = rng.integers(1, 6, 3000)
    m = rng.gamma(6.0 * x, 1 / rng.gamma(0.8, 1 / 15.0, 3000)) / x
    assert cv.GammaGammaFitter().fit(x, m).params_["q"] < 1
    with pytest.raises(NotImplementedError, match="q_constraint"):
        cv.GammaGammaFitter().fit(x, m, q_constraint=True)


def test_datasets_equal_lifetimes_and_say_where_they_are(monkeypatch, tmp_path):
    pd.testing.assert_frame_equal(cv_datasets.load_cdnow_summary(index_col=[0]), lifetimes.datasets.load_cdnow_summary(index_col=[0]))
    pd.testing.assert_frame_equal(cv_datasets.load_transaction_data(), load_transaction_data())
    pd.testing.assert_frame_equal(cv_datasets.load_donations(), load_donations())
    pd.testing.assert_frame_equal(cv_datasets.load_cdnow_summary_data_with_monetary_value(), load_cdnow_summary_data_with_monetary_value())
    monkeypatch.setenv(cv_datasets.ENV, str(tmp_path))
    with pytest.raises(FileNotFoundError, match=cv_datasets.ENV):
        cv_datasets.load_donations()
    load_donations().to_csv(tmp_path / "donations.csv", index=False)
    pd.testing.assert_frame_equal(cv_datasets.load_donations(), load_donations())


def lifetimes_objective(theirs_cls, params, data, penalizer):
    """lifetimes' own objective, ``theirs_cls._negative_log_likelihood``, at
    natural parameters, on lifetimes' rescaled time for the purchase models."""
    p = np.asarray(params, dtype=float).copy()
    w = data["weights"].to_numpy()
    if theirs_cls in (lifetimes.BetaGeoFitter, lifetimes.ModifiedBetaGeoFitter, lifetimes.ParetoNBDFitter):
        s = 1.0 / data["T"].max()
        f, r, T = data["frequency"].to_numpy(), data["recency"].to_numpy() * s, data["T"].to_numpy() * s
        p[1] *= s
        if theirs_cls is lifetimes.ParetoNBDFitter:
            p[3] *= s
            return theirs_cls()._negative_log_likelihood(p, f, r, T, w, penalizer)
        return theirs_cls._negative_log_likelihood(np.log(p), f, r, T, w, penalizer)
    columns = [c for c in data.columns if c != "weights"]
    if theirs_cls is lifetimes.GammaGammaFitter:
        columns = ["frequency", "monetary_value"]
    return theirs_cls._negative_log_likelihood(np.log(p), *(data[c].to_numpy() for c in columns), w, penalizer)


@pytest.mark.parametrize("penalizer", [0.0, 0.01])
@pytest.mark.parametrize(
    "ours_cls, theirs_cls",
    PURCHASE + [(cv.GammaGammaFitter, lifetimes.GammaGammaFitter), (cv.BetaGeoBetaBinomFitter, lifetimes.BetaGeoBetaBinomFitter)],
)
def test_negative_log_likelihood_is_lifetimes_objective(cdnow, ours_cls, theirs_cls, penalizer):
    """``_negative_log_likelihood_`` is lifetimes' minimised objective (its
    rescaled time, its penalty), at least as low as lifetimes' own fit."""
    d = load_donations()
    rep = cdnow[cdnow["frequency"] > 0]
    args = {
        cv.GammaGammaFitter: (rep["frequency"], rep["monetary_value"]),
        cv.BetaGeoBetaBinomFitter: (d["frequency"], d["recency"], d["periods"]),
    }.get(ours_cls, (cdnow["frequency"], cdnow["recency"], cdnow["T"]))
    kwargs = {"weights": d["weights"]} if ours_cls is cv.BetaGeoBetaBinomFitter else {}
    mine = ours_cls(penalizer_coef=penalizer).fit(*args, **kwargs)
    at_ours = lifetimes_objective(theirs_cls, mine.params_.values, mine.data, penalizer)
    assert rel(mine._negative_log_likelihood_, at_ours) < 1e-9
    if ours_cls is not cv.ParetoNBDFitter:  # lifetimes' Pareto/NBD fit takes seconds
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = theirs_cls(penalizer_coef=penalizer).fit(*args, **kwargs)
        assert mine._negative_log_likelihood_ <= theirs._negative_log_likelihood_ + 1e-9


def test_convergence_error_name_catches_the_crate_error():
    assert cv_utils.ConvergenceError is customer_value.NotConvergedError
    assert issubclass(cv_utils.ConvergenceError, customer_value.CustomerValueError)


def test_numpy_backed_pandas_columns_do_not_go_through_pyarrow(cdnow, monkeypatch):
    """pandas 3 (what `pip install ./python` brings) gives every Series
    ``__arrow_c_stream__``, which needs pyarrow; numpy-backed columns must be
    read through numpy, so the package works without pyarrow."""
    f, r, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    before = cv.BetaGeoFitter().fit(f, r, T)

    def no_pyarrow(self, requested_schema=None):
        raise ImportError("`Import pyarrow` failed.")

    monkeypatch.setattr(pd.Series, "__arrow_c_stream__", no_pyarrow, raising=False)
    after = cv.BetaGeoFitter().fit(f, r, T)
    assert rel(after.params_, before.params_) == 0
    assert rel(after.predict(10, f, r, T), before.predict(10, f, r, T)) == 0
    s = cv_utils.summary_data_from_transaction_data(load_transaction_data(), "id", "date", observation_period_end="2014-12-31")
    assert len(s) == 5000


def test_save_load_as_lifetimes_own_tests_read_it(cdnow, tmp_path):
    """lifetimes' tests read ``__dict__`` after load_model: ``_scale``,
    ``predict``, ``data`` or its placeholder from ``values_to_save``."""
    f, r, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    a = cv.BetaGeoFitter().fit(f, r, T)
    b = lifetimes.BetaGeoFitter().fit(f, r, T)
    assert a._scale == b._scale == 1.0 / T.max()
    for save_data, placeholders in ((True, None), (False, None), (False, [""])):
        a.save_model(tmp_path / "m.json", save_data=save_data, values_to_save=placeholders)
        loaded = cv.BetaGeoFitter()
        loaded.load_model(tmp_path / "m.json")
        for key in ("penalizer_coef", "_scale", "_negative_log_likelihood_"):
            assert loaded.__dict__[key] == a.__dict__[key]
        assert loaded.__dict__["params_"].equals(a.params_)
        assert loaded.__dict__["predict"](1, 1, 2, 5) == a.predict(1, 1, 2, 5)
        if save_data:
            assert (loaded.__dict__["data"] == a.data).all().all()
        else:
            assert loaded.__dict__["data"] == (placeholders or [None])[0]
        # generate_new_data is saved with its ages, data or not.
        np.random.seed(2)
        x = loaded.generate_new_data(size=20)
        np.random.seed(2)
        pd.testing.assert_frame_equal(x, a.generate_new_data(size=20))
    base = cv.BaseFitter()
    base.params_ = pd.Series(dict(x=12.3, y=42.0))
    base.save_model(tmp_path / "base.json")
    again = cv.BaseFitter()
    again.load_model(tmp_path / "base.json")
    assert repr(again) == repr(base) == "<customer_value.lifetimes.BaseFitter: x: 12.30, y: 42.00>"


@pytest.mark.parametrize("ours_cls, theirs_cls", PURCHASE)
def test_repeat_purchases_at_age_zero_take_lifetimes_formula(cdnow, ours_cls, theirs_cls):
    """lifetimes' tests call P(alive) with frequency > 0 at recency = T = 0;
    ours evaluates recency = T -> 0+, lifetimes' formula at 0."""
    a, b = fitted_pair(ours_cls, theirs_cls, cdnow)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for x in (1, 10, 90):
            assert rel(a.conditional_probability_alive(x, 0, 0), b.conditional_probability_alive(x, 0, 0)) < 1e-9
            assert 0 <= a.conditional_probability_alive(x, 0, 0) <= 1


@pytest.mark.parametrize("ours_cls, theirs_cls", PURCHASE)
def test_one_value_columns_broadcast_as_lifetimes(cdnow, ours_cls, theirs_cls):
    """lifetimes' formulas broadcast with numpy: several horizons for one
    customer, one age for every customer."""
    a, b = fitted_pair(ours_cls, theirs_cls, cdnow)
    cases = [
        lambda m: m.conditional_expected_number_of_purchases_up_to_time(np.array([1.0, 5.0, 10.0]), 2, 30.43, 38.86),
        lambda m: m.conditional_expected_number_of_purchases_up_to_time(pd.Series([1.0, 5.0, 10.0], index=[7, 8, 9]), 2, 30.43, 38.86),
        lambda m: m.conditional_expected_number_of_purchases_up_to_time(10, np.array([2.0, 0.0]), np.array([30.43, 0.0]), 38.86),
        lambda m: m.conditional_probability_alive(np.array([2.0, 3.0]), np.array([30.43, 20.0]), 38.86),
        lambda m: m.conditional_probability_alive(cdnow["frequency"], cdnow["recency"], 38.86),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for case in cases:
            mine, theirs = case(a), case(b)
            assert type(mine) is type(theirs) and np.shape(mine) == np.shape(theirs)
            if isinstance(theirs, pd.Series):
                assert mine.index.equals(theirs.index)
            assert rel(mine, theirs) < 1e-9
    with pytest.raises(customer_value.InvalidValueError):
        a.predict(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0]), np.array([5.0, 6.0]), 10.0)


def test_bgbb_and_gamma_gamma_broadcast_as_lifetimes(cdnow):
    d = load_donations()
    a = cv.BetaGeoBetaBinomFitter().fit(d["frequency"], d["recency"], d["periods"], weights=d["weights"])
    b = lifetimes.BetaGeoBetaBinomFitter()
    b.params_ = a.params_.copy()
    x, tx = d["frequency"].to_numpy(), d["recency"].to_numpy()
    for m in (1, 5):
        assert rel(a.conditional_probability_alive(m, x, tx, 6), b.conditional_probability_alive(m, x, tx, np.full(len(x), 6))) < 1e-9
        assert rel(
            a.conditional_expected_number_of_purchases_up_to_time(m, x, tx, 6),
            b.conditional_expected_number_of_purchases_up_to_time(m, x, tx, np.full(len(x), 6)),
        ) < 1e-9
    rep = cdnow[cdnow["frequency"] > 0]
    g = cv.GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
    h = lifetimes.GammaGammaFitter()
    h.params_ = g.params_.copy()
    spend = np.array([10.0, 20.0, 35.0])
    assert rel(g.conditional_expected_average_profit(3, spend), h.conditional_expected_average_profit(3, spend)) < 1e-9
