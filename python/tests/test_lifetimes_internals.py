"""lifetimes' underscored internals in ``customer_value.lifetimes``, against
lifetimes 0.11.3 itself (a test-only dependency; skipped without it): the
fitters' ``_negative_log_likelihood`` (and Pareto/NBD's
``_conditional_log_likelihood`` and ``_log_A_0``, BG/BB's
``_loglikelihood``), the ``_compute_*`` methods, ``utils._find_first_transactions``,
``_check_inputs``, ``_scale_time``, ``_customer_lifetime_value`` and
``generate_data.beta_geometric_nbd_model_transactional_data``. Numbers
equal lifetimes' to 1e-9 relative; frames are equal."""

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal

lifetimes = pytest.importorskip("lifetimes")
from lifetimes import datasets as lt_data  # noqa: E402
from lifetimes import utils as lt_utils  # noqa: E402

import customer_value  # noqa: E402
from customer_value import lifetimes as cv  # noqa: E402
from customer_value.lifetimes import generate_data as cv_gen  # noqa: E402
from customer_value.lifetimes import utils as cv_utils  # noqa: E402


def rel(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


@pytest.fixture(scope="module")
def cdnow():
    return lt_data.load_cdnow_summary_data_with_monetary_value()


@pytest.fixture(scope="module")
def cdnow_log():
    log = lt_data.load_dataset("CDNOW_sample.txt", header=None, sep=r"\s+", dtype={2: str})
    log.columns = ["id_total", "id", "date", "units", "amount"]
    return log[["id", "date", "amount"]]


# Published fits on CDNOW (weeks) and points around them.
PURCHASE_POINTS = {
    "bg": [[0.243, 4.414, 0.793, 2.426], [1.0, 1.0, 1.0, 1.0], [0.05, 30.0, 3.0, 0.2]],
    "mbg": [[0.525, 6.183, 0.891, 1.614], [1.0, 1.0, 1.0, 1.0], [2.0, 0.5, 0.1, 8.0]],
}
CLASSES = {
    "bg": (cv.BetaGeoFitter, lifetimes.BetaGeoFitter),
    "mbg": (cv.ModifiedBetaGeoFitter, lifetimes.ModifiedBetaGeoFitter),
    "pareto": (cv.ParetoNBDFitter, lifetimes.ParetoNBDFitter),
}


@pytest.mark.parametrize("model", ["bg", "mbg"])
@pytest.mark.parametrize("penalizer", [0.0, 0.1])
def test_bg_mbg_negative_log_likelihood_equals_lifetimes(cdnow, model, penalizer):
    ours, theirs = CLASSES[model]
    f, r, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    scale = 1.0 / T.max()
    weights = np.arange(len(f)) % 5 + 1.0
    for point in PURCHASE_POINTS[model]:
        log_params = np.log(point)
        for args in [(f, r * scale, T * scale), (f, r, T)]:
            a = ours._negative_log_likelihood(log_params, *args, weights, penalizer)
            b = theirs._negative_log_likelihood(log_params, *(np.asarray(v) for v in args), weights, penalizer)
            assert isinstance(a, float)
            assert rel(a, b) < 1e-9


def test_fitted_objective_is_the_objective_at_the_fitted_parameters(cdnow):
    """``_negative_log_likelihood_`` (set by the fit) is
    ``_negative_log_likelihood`` at the fitted parameters in lifetimes'
    rescaled time."""
    f, r, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    for cls in (cv.BetaGeoFitter, cv.ModifiedBetaGeoFitter):
        fitter = cls(penalizer_coef=0.01).fit(f, r, T)
        p = fitter.params_.to_numpy().copy()
        p[1] *= fitter._scale
        value = cls._negative_log_likelihood(np.log(p), f, r * fitter._scale, T * fitter._scale, np.ones(len(f)), 0.01)
        assert rel(value, fitter._negative_log_likelihood_) < 1e-12
    fitter = cv.ParetoNBDFitter().fit(f, r, T)
    p = fitter.params_.to_numpy().copy()
    p[[1, 3]] *= fitter._scale
    value = cv.ParetoNBDFitter._negative_log_likelihood(p, f, r * fitter._scale, T * fitter._scale, np.ones(len(f)), 0.0)
    assert rel(value, fitter._negative_log_likelihood_) < 1e-12


@pytest.mark.parametrize("model", ["bg", "mbg", "pareto"])
def test_objective_of_rows_is_the_weighted_mean_of_single_rows(model):
    """lifetimes' own property, exactly: the objective of several rows with
    unit weights is the mean (Pareto/NBD: the sum) of the one-row
    objectives, on seeded awkward histories (no repeat purchases, heavy
    buyers, recency = T)."""
    ours = CLASSES[model][0]
    rng = np.random.default_rng(11)
    for _ in range(20):
        n = int(rng.integers(2, 6))
        x = rng.integers(0, 60, size=n)
        T = rng.uniform(1.0, 40.0, size=n)
        t_x = np.where(x > 0, T * rng.uniform(0.0, 1.0, size=n), 0.0)
        t_x[0] = T[0] if x[0] > 0 else 0.0
        params = rng.uniform(0.1, 3.0, size=4)
        point = params if model == "pareto" else np.log(params)
        rows = [ours._negative_log_likelihood(point, x[i : i + 1], t_x[i : i + 1], T[i : i + 1], 1.0, 0) for i in range(n)]
        whole = ours._negative_log_likelihood(point, x, t_x, T, np.ones(n), 0)
        total = 0.0
        for v in rows:
            total += v
        assert total / (1 if model == "pareto" else n) == pytest.approx(whole, rel=1e-14)


def test_pareto_internals_equal_lifetimes(cdnow):
    f, r, T = (cdnow[c].to_numpy() for c in ("frequency", "recency", "T"))
    weights = np.arange(len(f)) % 3 + 1.0
    for params in ([0.553, 10.578, 0.606, 11.669], [1.0, 1.0, 1.0, 1.0], [0.2, 2.0, 3.0, 40.0]):
        a = cv.ParetoNBDFitter._conditional_log_likelihood(params, f, r, T)
        b = lifetimes.ParetoNBDFitter._conditional_log_likelihood(params, f, r, T)
        assert rel(a, b) < 1e-9
        a = cv.ParetoNBDFitter._negative_log_likelihood(params, f, r, T, weights, 0.05)
        b = lifetimes.ParetoNBDFitter._negative_log_likelihood(params, f, r, T, weights, 0.05)
        assert rel(a, b) < 1e-9
        # ln A_0 is -inf where t_x = T (both), finite elsewhere.
        a = cv.ParetoNBDFitter._log_A_0(params, f, r, T)
        with np.errstate(all="ignore"):
            b = lifetimes.ParetoNBDFitter._log_A_0(params, f, r, T)
        finite = np.isfinite(b)
        assert np.array_equal(np.isfinite(a), finite)
        assert np.all(a[~finite] == -np.inf)
        assert rel(a[finite], b[finite]) < 1e-9
    assert cv.ParetoNBDFitter._negative_log_likelihood([1.0, -1.0, 1.0, 1.0], f, r, T, weights, 0.0) == np.inf


def test_pareto_log_a0_of_heavy_buyers_equals_lifetimes():
    """lifetimes' overflow test case: hundreds of purchases, alpha < beta."""
    params = np.array([10.465, 7.98565181e-03, 3.0516, 2.820])
    freq, rec, age = np.array([400.0, 500.0, 500.0]), np.array([5.0, 1.0, 4.0]), np.array([6.0, 37.0, 37.0])
    a = cv.ParetoNBDFitter._log_A_0(params, freq, rec, age)
    b = lifetimes.ParetoNBDFitter._log_A_0(params, freq, rec, age)
    assert np.all(a < 0) and np.all(np.isfinite(a))
    assert rel(a, b) < 1e-9


def test_gamma_gamma_negative_log_likelihood_equals_lifetimes(cdnow):
    repeat = cdnow[cdnow["frequency"] > 0]
    f, m = repeat["frequency"], repeat["monetary_value"]
    weights = np.arange(len(f)) % 4 + 1
    for params in ([6.25, 3.74, 15.44], [1.0, 1.0, 1.0], [0.5, 12.0, 200.0]):
        for penalizer in (0.0, 0.2):
            a = cv.GammaGammaFitter._negative_log_likelihood(np.log(params), f, m, weights, penalizer)
            b = lifetimes.GammaGammaFitter._negative_log_likelihood(
                np.log(params), f.to_numpy(), m.to_numpy(), weights, penalizer
            )
            assert rel(a, b) < 1e-9


def test_gamma_gamma_objective_refuses_rows_without_a_spend_likelihood():
    """Zero spend or no repeat purchase: lifetimes returns NaN or inf."""
    log_params = np.log([6.25, 3.74, 15.44])
    with pytest.raises(customer_value.InvalidValueError):
        cv.GammaGammaFitter._negative_log_likelihood(log_params, [2, 0], [10.0, 0.0], np.ones(2), 0.0)
    with pytest.raises(customer_value.InvalidValueError):
        cv.GammaGammaFitter._negative_log_likelihood(log_params, [2, 3], [10.0, 0.0], np.ones(2), 0.0)


def test_bgbb_internals_equal_lifetimes():
    d = lt_data.load_donations()
    f, r, n, w = (d[c] for c in ("frequency", "recency", "periods", "weights"))
    for params in ([1.204, 0.750, 0.657, 2.783], [1.0, 1.0, 1.0, 1.0], [0.3, 4.0, 2.0, 0.5]):
        a = cv.BetaGeoBetaBinomFitter._loglikelihood(params, f, r, n)
        b = lifetimes.BetaGeoBetaBinomFitter._loglikelihood(np.asarray(params), f.to_numpy(), r.to_numpy(), n.to_numpy())
        assert rel(a, b) < 1e-9
        a = cv.BetaGeoBetaBinomFitter._negative_log_likelihood(np.log(params), f, r, n, w, 0.1)
        b = lifetimes.BetaGeoBetaBinomFitter._negative_log_likelihood(
            np.log(params), f.to_numpy(), r.to_numpy(), n.to_numpy(), w.to_numpy(), 0.1
        )
        assert rel(a, b) < 1e-9


def test_no_repeat_buyers_objective_equals_lifetimes():
    """Five customers without repeat purchases (BG/NBD ignores recency
    there; MBG/NBD's and Pareto/NBD's terms still count)."""
    f, r, T = np.zeros(5), np.zeros(5), np.array([1.0, 2.0, 3.5, 10.0, 40.0])
    for model in ("bg", "mbg"):
        ours, theirs = CLASSES[model]
        point = np.log([0.3, 2.0, 0.7, 1.5])
        assert rel(ours._negative_log_likelihood(point, f, r, T, np.ones(5), 0), theirs._negative_log_likelihood(point, f, r, T, np.ones(5), 0)) < 1e-9
    params = [0.3, 2.0, 0.7, 1.5]
    a = cv.ParetoNBDFitter._negative_log_likelihood(params, f, r, T, np.ones(5), 0)
    b = lifetimes.ParetoNBDFitter._negative_log_likelihood(params, f, r, T, np.ones(5), 0)
    assert rel(a, b) < 1e-9


def test_compute_methods_give_the_fit_attributes(cdnow):
    fitter = cv.BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert_frame_equal(fitter._compute_variance_matrix(), fitter.variance_matrix_)
    assert_series_equal(fitter._compute_standard_errors(), fitter.standard_errors_)
    assert_frame_equal(fitter._compute_confidence_intervals(), fitter.confidence_intervals_)
    v = fitter.variance_matrix_.to_numpy()
    assert np.array_equal(v, v.T)
    # lifetimes' interval formula from our standard errors.
    theirs = lifetimes.BetaGeoFitter()
    theirs.params_, theirs.standard_errors_ = fitter.params_, fitter.standard_errors_
    assert_frame_equal(fitter._compute_confidence_intervals(), lifetimes.BetaGeoFitter._compute_confidence_intervals(theirs))


@pytest.mark.parametrize("model", ["bg", "mbg", "pareto"])
@pytest.mark.parametrize("freq", ["D", "W", "M", "H"])
def test_customer_lifetime_value_equals_lifetimes(cdnow, model, freq):
    ours_cls, theirs_cls = CLASSES[model]
    points = {"bg": [0.243, 4.414, 0.793, 2.426], "mbg": [0.525, 6.183, 0.891, 1.614], "pareto": [0.553, 10.578, 0.606, 11.669]}
    ours, theirs = ours_cls(), theirs_cls()
    ours.params_ = pd.Series(points[model], index=list(ours._names))
    theirs.params_ = ours.params_.copy()
    theirs.predict = theirs.conditional_expected_number_of_purchases_up_to_time
    value = pd.Series(np.linspace(0.5, 80.0, len(cdnow)), index=cdnow.index)
    args = (cdnow["frequency"], cdnow["recency"], cdnow["T"], value)
    a = cv_utils._customer_lifetime_value(ours, *args, time=4, discount_rate=0.02, freq=freq)
    with np.errstate(all="ignore"):
        b = lt_utils._customer_lifetime_value(theirs, *args, time=4, discount_rate=0.02, freq=freq)
    assert a.name == b.name == "clv"
    assert a.index.equals(b.index)
    assert rel(a, b) < 1e-9


def test_customer_lifetime_value_aligns_the_values_on_the_index(cdnow):
    """As lifetimes' Series arithmetic: values in another order are matched
    by customer; a customer without a value is an error (lifetimes: NaN)."""
    bgf = cv.BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    theirs = lifetimes.BetaGeoFitter()
    theirs.params_ = bgf.params_.copy()
    theirs.predict = theirs.conditional_expected_number_of_purchases_up_to_time
    args = (cdnow["frequency"], cdnow["recency"], cdnow["T"])
    shuffled = cdnow["monetary_value"].sample(frac=1.0, random_state=3) + 1.0
    a = cv_utils._customer_lifetime_value(bgf, *args, shuffled, time=2)
    b = lt_utils._customer_lifetime_value(theirs, *args, shuffled, time=2)
    assert rel(a, b) < 1e-9
    with pytest.raises(customer_value.InvalidValueError, match="index label"):
        cv_utils._customer_lifetime_value(bgf, *args, pd.Series(np.ones(len(cdnow))), time=2)


def test_customer_lifetime_value_of_a_lifetimes_model_is_lifetimes_sum(cdnow):
    theirs = lifetimes.BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    theirs.predict = theirs.conditional_expected_number_of_purchases_up_to_time
    args = (cdnow["frequency"], cdnow["recency"], cdnow["T"], cdnow["monetary_value"])
    a = cv_utils._customer_lifetime_value(theirs, *args, time=3, discount_rate=0.01)
    b = lt_utils._customer_lifetime_value(theirs, *args, time=3, discount_rate=0.01)
    assert_series_equal(a, b, check_exact=True, check_dtype=False)


def test_gamma_gamma_clv_is_the_clv_of_the_expected_spend(cdnow):
    """lifetimes' own identity, bit for bit: GammaGammaFitter's CLV is
    ``_customer_lifetime_value`` of ``conditional_expected_average_profit``."""
    ggf = cv.GammaGammaFitter()
    ggf.params_ = pd.Series({"p": 6.25, "q": 3.74, "v": 15.44})
    bgf = cv.BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    args = (cdnow["frequency"], cdnow["recency"], cdnow["T"])
    for freq in ("D", "H"):
        a = ggf.customer_lifetime_value(bgf, *args, cdnow["monetary_value"], freq=freq)
        spend = ggf.conditional_expected_average_profit(cdnow["frequency"], cdnow["monetary_value"])
        b = cv_utils._customer_lifetime_value(bgf, *args, spend, freq=freq)
        assert np.array_equal(a.to_numpy(), b.to_numpy())


def test_customer_lifetime_value_refuses_a_non_finite_value(cdnow):
    bgf = cv.BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    value = np.ones(len(cdnow))
    value[3] = np.nan
    with pytest.raises(customer_value.InvalidValueError):
        cv_utils._customer_lifetime_value(bgf, cdnow["frequency"], cdnow["recency"], cdnow["T"], value)
    with pytest.raises(ValueError):
        cv_utils._customer_lifetime_value(bgf, cdnow["frequency"], cdnow["recency"], cdnow["T"], np.ones(len(cdnow)), freq="Y")


@pytest.mark.parametrize("freq", ["D", "W", "M", "h", "Q"])
@pytest.mark.parametrize("amounts", [None, "amount"])
@pytest.mark.parametrize("end", [None, "19970930"])
def test_find_first_transactions_equals_lifetimes(cdnow_log, freq, amounts, end):
    kwargs = dict(datetime_format="%Y%m%d", observation_period_end=end, freq=freq)
    a = cv_utils._find_first_transactions(cdnow_log, "id", "date", amounts, **kwargs)
    b = lt_utils._find_first_transactions(cdnow_log, "id", "date", amounts, **kwargs)
    assert_frame_equal(a, b)


def test_find_first_transactions_of_string_ids_and_timestamps_equals_lifetimes():
    """Text ids, times of day, several purchases in one period, and an end
    inside a week (lifetimes keeps that week's later purchases)."""
    log = pd.DataFrame(
        {
            "who": ["b", "a", "b", "c", "a", "a", "c", "b"],
            "when": pd.to_datetime(
                [
                    "2020-01-01 10:00",
                    "2020-01-03 09:00",
                    "2020-01-01 08:00",
                    "2020-01-09 23:00",
                    "2020-01-03 18:00",
                    "2020-01-14 00:00",
                    "2020-01-10 01:00",
                    "2020-01-08 12:00",
                ]
            ),
            "spend": [1.5, 2.25, 3.0, 0.0, 4.0, 5.5, 6.0, 7.0],
        }
    )
    for freq in ("D", "W", "h"):
        for amounts in (None, "spend"):
            kwargs = dict(observation_period_end="2020-01-08", freq=freq)
            a = cv_utils._find_first_transactions(log, "who", "when", amounts, **kwargs)
            b = lt_utils._find_first_transactions(log, "who", "when", amounts, **kwargs)
            assert_frame_equal(a, b)


CHECKS = [
    ([0, 1, 2], [0, 1, 10], [5, 6, 15], [2.3, 490, 33.33]),
    ([0, 1, 2], [6, 7, 16], [5, 6, 15], None),
    ([0, 1, 2], [1, 1, 10], [5, 6, 15], None),
    ([0, 1, 2], [0, -1, 10], [5, 6, 15], None),
    ([0, 0.5, 2], [0, 1, 10], [5, 6, 15], None),
    ([0, 1, 2], [0, 1, 10], [5, 6, 15], [0.0, 490, 33.33]),
    ([], [], [], None),
]


@pytest.mark.parametrize("case", CHECKS)
def test_check_inputs_equals_lifetimes(case):
    f, r, T, m = (None if v is None else np.asarray(v, dtype=float) for v in case)

    def outcome(check):
        try:
            return check(f, r, T, m)
        except ValueError as e:
            return str(e)

    assert outcome(cv_utils._check_inputs) == outcome(lt_utils._check_inputs)


def test_check_inputs_accepts_summaries_and_monetary_only(cdnow):
    assert cv_utils._check_inputs(cdnow["frequency"], cdnow["recency"], cdnow["T"]) is None
    assert cv_utils._check_inputs(cdnow["frequency"], monetary_value=cdnow["monetary_value"] + 1) is None
    with pytest.raises(ValueError, match="non-positive"):
        cv_utils._check_inputs(cdnow["frequency"], monetary_value=cdnow["monetary_value"])


def test_scale_time_equals_lifetimes(cdnow):
    for age in (np.arange(200.0), cdnow["T"], np.array([0.5])):
        assert cv_utils._scale_time(age) == lt_utils._scale_time(age)


@pytest.mark.parametrize("freq", ["D", "h", "W"])
def test_transactional_data_are_the_model_customers(freq):
    """Each customer of the simulated log is the seeded
    ``beta_geometric_nbd_model`` customer: ``frequency`` repeat purchases,
    the last at ``recency``, the first ``T`` units before the end."""
    ages = [400.0, 200.0, 5.0, 103.0, 198.0, 401.0] * 50
    np.random.seed(188898)
    log = cv_gen.beta_geometric_nbd_model_transactional_data(ages, 0.24, 4.41, 0.79, 2.43, "2019-1-1", freq, size=len(ages))
    np.random.seed(188898)
    model = cv_gen.beta_geometric_nbd_model(ages, 0.24, 4.41, 0.79, 2.43, size=len(ages))
    assert list(log.columns) == ["customer_id", "date"]
    unit = pd.Timedelta(1, unit=freq)
    counts = log.groupby("customer_id").size()
    assert np.array_equal(counts.to_numpy() - 1, model["frequency"].to_numpy().astype(int))
    first = log.groupby("customer_id")["date"].min()
    last = log.groupby("customer_id")["date"].max()
    end = pd.Timestamp("2019-1-1")
    assert np.allclose((end - first) / unit, model["T"].to_numpy())
    # The first purchase is one unit before the start, the last at recency.
    assert np.allclose((last - first) / unit - 1.0, np.where(model["frequency"] > 0, model["recency"], -1.0), atol=1e-6)
    assert log["customer_id"].is_monotonic_increasing
    assert log.groupby("customer_id")["date"].is_monotonic_increasing.all()
    summary = cv_utils.summary_data_from_transaction_data(log, "customer_id", "date", observation_period_end="2019-1-1", freq=freq)
    assert np.array_equal(summary["T"].to_numpy(), model["T"].to_numpy())
    # Whole units with a repeat purchase: at most the purchases.
    assert (summary["frequency"].to_numpy() <= model["frequency"].to_numpy()).all()


def test_objectives_refuse_parameters_outside_the_domain():
    """An overflowing log-parameter is an InvalidParameterError naming it
    (lifetimes: NaN), for every fitter at log-parameters."""
    one = np.ones(1)
    cases = [
        (cv.BetaGeoFitter._negative_log_likelihood, ([800.0, 0, 0, 0], [1], [1.0], [2.0], one, 0)),
        (cv.ModifiedBetaGeoFitter._negative_log_likelihood, ([0, 800.0, 0, 0], [1], [1.0], [2.0], one, 0)),
        (cv.GammaGammaFitter._negative_log_likelihood, ([0, 0, 800.0], [2], [10.0], one, 0)),
        (cv.BetaGeoBetaBinomFitter._negative_log_likelihood, ([0, 0, 0, 800.0], [1], [1], [3], one, 0)),
    ]
    for objective, args in cases:
        with pytest.raises(customer_value.InvalidParameterError):
            objective(*args)


def test_gamma_gamma_log_likelihoods_of_many_rows_equal_lifetimes_terms():
    """The vectorised per-row pass (every row on one path: whole counts, a
    positive normal mean spend), on 40,000 rows with counts from 1 to
    20,000 (beyond the per-count table) and spends from cents to millions:
    each row equal to lifetimes' own term (its ``_negative_log_likelihood``
    on that row alone, an independent numpy/scipy formula) within 1e-13 of
    the size of the terms, and the value of a row alone equal to its value
    among the others."""
    from scipy.special import gammaln

    rng = np.random.default_rng(31)
    n = 40_000
    f = np.where(rng.random(n) < 0.98, rng.integers(1, 60, n), rng.integers(1, 20_001, n)).astype(float)
    m = np.round(np.exp(rng.uniform(np.log(0.01), np.log(5e6), n)), 2)
    p, q, v = 6.25, 3.74, 15.44
    ll = customer_value._native.gamma_gamma_log_likelihoods([p, q, v], f, m)
    # lifetimes' per-row formula (GammaGammaFitter._negative_log_likelihood).
    want = (
        gammaln(p * f + q)
        - gammaln(p * f)
        - gammaln(q)
        + q * np.log(v)
        + (p * f - 1) * np.log(m)
        + (p * f) * np.log(f)
        - (p * f + q) * np.log(f * m + v)
    )
    size = np.maximum.reduce([np.abs(want), gammaln(p * f + q), (p * f + q) * np.abs(np.log(f * m + v))])
    assert np.max(np.abs(ll - want) / size) < 1e-13
    for i in (0, 17, int(np.argmax(f))):
        alone = customer_value._native.gamma_gamma_log_likelihoods([p, q, v], f[i : i + 1], m[i : i + 1])
        assert abs(alone[0] - ll[i]) <= 1e-13 * size[i]
    # One invalid row anywhere: the crate's error naming it.
    bad = m.copy()
    bad[30_001] = 0.0
    with pytest.raises(customer_value.InvalidValueError, match="30001"):
        customer_value._native.gamma_gamma_log_likelihoods([p, q, v], f, bad)


def _numpy_limits(f, r, t):
    """The limit histories rewritten with numpy, written independently of
    the compiled core: frequency 0 with a finite recency > 0 -> recency 0;
    frequency > 0 at recency 0 -> recency 0+; recency <= 0+ at T = 0 -> T = 0+."""
    tiny = np.nextafter(0.0, 1.0)
    r = np.where((f == 0) & (r > 0) & np.isfinite(r), 0.0, r)
    r = np.where((f != 0) & (r == 0), tiny, r)
    t = np.where((t == 0) & (r <= tiny), tiny, t)
    return f.copy(), r, t


def _day_grid_with_limits(n, seed):
    """A summary on a day grid (whole days) with every kind of limit
    history mixed in at random rows."""
    rng = np.random.default_rng(seed)
    t = rng.integers(1, 1500, n).astype(float)
    f = np.where(rng.random(n) < 0.6, 0.0, rng.integers(1, 40, n).astype(float))
    r = np.where(f > 0, np.ceil(rng.random(n) * t), 0.0)
    kind = rng.integers(0, 40, n)
    t = np.where(kind == 0, 0.0, t)  # first seen on the last day
    r = np.where(kind == 0, 0.0, r)
    f = np.where((kind == 0) & (rng.random(n) < 0.5), 3.0, f)  # repeat purchases at time 0
    r = np.where((kind == 1) & (f == 0), np.ceil(rng.random(n) * t), r)  # stale recency
    r = np.where((kind == 2) & (f > 0), 0.0, r)  # repeat purchases at recency 0
    return f, r, t


@pytest.mark.parametrize("model", ["bg-nbd", "mbg-nbd", "pareto-nbd"])
@pytest.mark.parametrize("n", [3_000, 40_000])
def test_limit_histories_read_in_the_kernels_equal_the_rewritten_columns(model, n):
    """``limits=True`` (every prediction of the lifetimes layer): P(alive),
    the conditional expectation, the conditional pmf and the
    log-likelihoods of a day-grid population with limit histories at random
    rows equal, bit for bit, the plain call on the columns rewritten with
    numpy; ``limit_histories`` is that rewrite; without ``limits`` the rows
    are refused."""
    from customer_value import _native

    params = {"pareto-nbd": [0.55, 10.5, 0.6, 12.0]}.get(model, [0.25, 28.0, 0.8, 2.5])
    f, r, t = _day_grid_with_limits(n, seed=n)
    fixed = _numpy_limits(f, r, t)
    assert all(np.array_equal(a, b) for a, b in zip(_native.limit_histories(f, r, t), fixed))
    calls = [
        lambda *c, **k: _native.conditional_probability_alive(model, params, *c, **k),
        lambda *c, **k: _native.conditional_expected_purchases(model, params, np.array([30.0]), *c, **k),
        lambda *c, **k: _native.conditional_prob_purchases(model, params, 2, 30.0, *c, **k),
        lambda *c, **k: _native.purchase_log_likelihoods(model, params, *c, **k),
    ]
    for call in calls:
        np.testing.assert_array_equal(call(f, r, t, limits=True), call(*fixed))
        with pytest.raises(customer_value.InvalidValueError):
            call(f, r, t)
    # Nothing to rewrite: the columns as they are.
    assert _native.limit_histories(*fixed) is None


@pytest.mark.parametrize("ours_cls, theirs_cls", [CLASSES["bg"], CLASSES["mbg"]])
def test_day_grid_predictions_with_zero_ages_equal_lifetimes(ours_cls, theirs_cls):
    """P(alive) and the conditional expectation on a day-grid summary with
    customers first seen on the last day (T = 0) and repeat purchases at
    recency 0, which lifetimes evaluates: equal to lifetimes' (1e-9)."""
    f, r, t = _day_grid_with_limits(20_000, seed=5)
    keep = ~((f == 0) & (r > 0))  # lifetimes' value of that history is not its limit
    f, r, t = (pd.Series(a[keep]) for a in (f, r, t))
    a, b = ours_cls(), theirs_cls()
    a.params_ = pd.Series([0.25, 28.0, 0.8, 2.5], index=["r", "alpha", "a", "b"])
    b.params_ = a.params_.copy()
    with np.errstate(all="ignore"):
        assert rel(a.conditional_probability_alive(f, r, t), b.conditional_probability_alive(f, r, t)) < 1e-9
        mine = a.conditional_expected_number_of_purchases_up_to_time(30, f, r, t)
        theirs = b.conditional_expected_number_of_purchases_up_to_time(30, f, r, t)
    assert rel(mine, theirs) < 1e-9


def test_a_missing_recency_without_repeat_purchases_is_refused():
    """Frequency 0 with a NaN, infinite or negative recency is not one of
    lifetimes' limit histories: refused, not read as recency 0."""
    m = cv.ModifiedBetaGeoFitter()
    m.params_ = pd.Series([0.25, 28.0, 0.8, 2.5], index=["r", "alpha", "a", "b"])
    for bad in (np.nan, np.inf, -1.0):
        with pytest.raises(customer_value.InvalidValueError):
            m.conditional_probability_alive(np.array([0.0, 1.0]), np.array([bad, 2.0]), np.array([10.0, 10.0]))
