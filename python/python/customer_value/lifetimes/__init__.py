"""A drop-in for Python lifetimes 0.11.3's fitters.

Change ``from lifetimes import BetaGeoFitter`` to
``from customer_value.lifetimes import BetaGeoFitter``: the classes, their
argument names and defaults, ``params_``, ``summary`` and the prediction
methods are lifetimes'. The numbers come from the customer-value crate.

Differences a user can notice (each is deliberate):

* Fits always answer. Where lifetimes raises ``ConvergenceError`` because
  the likelihood's supremum lies on the boundary of the parameter space (no
  dropout, no heterogeneity in purchase rates or spend), the fit succeeds,
  ``status_`` says ``"boundary"`` and ``report_["status"]`` names the
  diverging parameters; the parameters are the best finite point. Standard
  errors are then NaN (the Hessian is singular there). A fit that truly
  fails raises :class:`customer_value.NotConvergedError`, whose message has
  the best point found.
* Data that cannot identify the model (one customer, no repeat buyers,
  identical spend for every repeat buyer) raise
  :class:`customer_value.NotIdentifiedError` instead of returning
  arbitrary numbers.
* ``variance_matrix_`` is the inverse Hessian of the total log-likelihood
  in the natural parameters: symmetric. lifetimes multiplies the rows of the
  inverse Hessian in log-parameters by the squared parameters, which is not
  symmetric.
* ``tol`` is the crate's relative tolerance (scale-free stop rule), not
  scipy's; ``verbose`` and extra ``**kwargs`` for scipy are accepted and
  ignored; ``initial_params`` are natural parameters (lifetimes takes
  log-parameters).
* ``save_model``/``load_model`` write and read JSON (parameters and fit
  report), not a dill pickle; ``data`` is not saved.
* Bad input (NaN, negative counts, recency > T, mismatched lengths) raises
  :class:`customer_value.InvalidValueError` (a ``CustomerValueError``)
  instead of lifetimes' ``ValueError``.
* BG/BB's ``expected_number_of_transactions_in_first_n_periods`` sums each
  frequency's terms from that frequency on (Fader, Hardie & Shang 2010,
  eq. 7); lifetimes starts every sum at the smallest observed frequency,
  which differs only when the observed frequencies have gaps.
* ``utils.summary_data_from_transaction_data`` and
  ``utils.calibration_and_holdout_data`` take ``freq`` ``"D"``, ``"W"`` or
  ``"h"`` (with lifetimes' frames); any other ``freq`` raises
  :class:`customer_value.UnsupportedFrequencyError` (a ``ValueError``).
  lifetimes 0.11.3 under pandas 2 fails on ``"M"``, ``"Y"``, ``"Q"``,
  ``"min"`` and ``"H"`` itself. ``customer_lifetime_value`` also takes
  ``freq="h"`` (720 hours a month, as ``"H"``).
* Columns may be numpy, pandas (numpy- or Arrow-backed), polars or pyarrow;
  Arrow columns are read through the Arrow PyCapsule interface, and a null
  raises ``InvalidValueError`` where lifetimes would carry a NaN.
* Not provided: ``generate_new_data`` and the plotting helpers.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from .. import _native
from .._convert import checked_call, floats, index_of, optional_floats

__all__ = [
    "BetaGeoFitter",
    "ModifiedBetaGeoFitter",
    "ParetoNBDFitter",
    "GammaGammaFitter",
    "BetaGeoBetaBinomFitter",
]

# Periods of `freq` per month, as lifetimes; "h" is pandas 2's spelling of "H".
_FREQ_FACTOR = {"W": 4.345, "M": 1.0, "D": 30.0, "H": 30.0 * 24.0, "h": 30.0 * 24.0}


def _columns(*pairs):
    """``(array, name)`` for each ``(column, name)``, converted without the
    scan for non-finite values: the compiled core refuses those itself, and
    :func:`checked_call` then gives :func:`floats`' error."""
    return [(floats(v, name, check=False), name) for v, name in pairs]


def _call(native, *args, columns):
    """``native(*args, *arrays)`` over the ``columns`` of :func:`_columns`."""
    return checked_call(lambda: native(*args, *(a for a, _ in columns)), *columns)


def _weights_by_frequency(data):
    """``data.groupby("frequency")["weights"].sum()``: the summed weight of
    every frequency present, in increasing order. Whole frequencies (every
    BG/BB fit's) are counted with ``np.bincount``, several times faster than
    a pandas group-by on a million rows; anything else takes the group-by."""
    f = np.asarray(data["frequency"])
    w = np.asarray(data["weights"], dtype=np.float64)
    if f.dtype.kind in "iuf" and len(f) and f.min() >= 0 and f.max() < 1 << 24:
        whole = f.astype(np.int64)
        if np.array_equal(whole, f):
            present = np.flatnonzero(np.bincount(whole))
            sums = np.bincount(whole, weights=w)[present]
            return pd.Series(sums, index=pd.Index(present.astype(f.dtype), name="frequency"), name="weights")
    return data.groupby("frequency")["weights"].sum()


def _shape(result, *inputs):
    """lifetimes' return shapes: a float for scalar inputs, a Series for
    pandas inputs (with their index), else a numpy array."""
    if all(np.isscalar(v) for v in inputs):
        return float(result[0])
    index = index_of(*inputs)
    if index is not None and len(index) == len(result):
        return pd.Series(result, index=index)
    return result


class BaseFitter:
    """Shared state of the fitters: parameters, fit report, summary."""

    _names: tuple = ()
    _native_names: tuple = ()

    def __init__(self, penalizer_coef=0.0):
        self.penalizer_coef = penalizer_coef

    def __repr__(self):
        classname = self.__class__.__name__
        try:
            subj = " fitted with {:d} subjects,".format(int(self.data.shape[0]))
        except AttributeError:
            subj = ""
        try:
            params = ", ".join("%s: %.2f" % (k, v) for k, v in self.params_.items())
            return "<customer_value.lifetimes.{}:{} {}>".format(classname, subj, params)
        except AttributeError:
            return "<customer_value.lifetimes.{}>".format(classname)

    def _unload_params(self, *args):
        if not hasattr(self, "params_"):
            raise ValueError("Model has not been fit yet. Please call the .fit method first.")
        return [self.params_[x] for x in args]

    def _values(self):
        params = getattr(self, "params_", None)
        if isinstance(params, pd.Series) and tuple(params.index) == self._names:
            # The usual case, without a pandas lookup per parameter.
            return params.to_numpy(dtype=float).tolist()
        return [float(v) for v in self._unload_params(*self._names)]

    def _set_report(self, text):
        report = json.loads(text)
        self.report_ = report
        names = list(self._names)
        self.params_ = pd.Series(
            [report["params"][n] for n in self._native_names], index=names, dtype=float
        )
        self.log_likelihood_ = report["log_likelihood"]
        weight = report["customers"]
        self._negative_log_likelihood_ = -report["log_likelihood"] / weight
        self.status_ = report["status"]["kind"] if isinstance(report["status"], dict) else report["status"]
        self.aic_ = report["aic"]
        self.bic_ = report["bic"]
        cov = report.get("covariance")
        if cov is None:
            cov = np.full((len(names), len(names)), np.nan)
        self.variance_matrix_ = pd.DataFrame(np.asarray(cov, dtype=float), columns=names, index=names)
        self.standard_errors_ = np.sqrt(pd.Series(np.diag(self.variance_matrix_.values), index=names))
        self.confidence_intervals_ = pd.DataFrame(
            {
                "lower 95% bound": self.params_ - 1.96 * self.standard_errors_,
                "upper 95% bound": self.params_ + 1.96 * self.standard_errors_,
            },
            index=names,
        )

    @property
    def summary(self):
        """coef, se(coef) and the 95% bounds per parameter, as lifetimes."""
        df = pd.DataFrame(index=self.params_.index)
        df["coef"] = self.params_
        df["se(coef)"] = self.standard_errors_
        df["lower 95% bound"] = self.confidence_intervals_["lower 95% bound"]
        df["upper 95% bound"] = self.confidence_intervals_["upper 95% bound"]
        return df

    def print_summary(self, decimals=2, **kwargs):
        print(self.summary.round(decimals).to_string(**kwargs))

    def save_model(self, path, save_data=True, save_generate_data_method=True, values_to_save=None):
        """Writes the parameters and fit report as JSON (not a pickle)."""
        with open(path, "w", encoding="utf-8") as f:
            json.dump(
                {
                    "model": self.__class__.__name__,
                    "penalizer_coef": self.penalizer_coef,
                    "report": self.report_,
                },
                f,
            )

    def load_model(self, path):
        """Reads a file written by :meth:`save_model`."""
        with open(path, encoding="utf-8") as f:
            saved = json.load(f)
        if saved.get("model") != self.__class__.__name__:
            raise ValueError(f"{path} holds a {saved.get('model')}, not a {self.__class__.__name__}")
        self.penalizer_coef = saved.get("penalizer_coef", 0.0)
        self._set_report(json.dumps(saved["report"]))


def _initial(initial_params):
    return None if initial_params is None else [float(v) for v in np.asarray(initial_params).ravel()]


class _PurchaseFitter(BaseFitter):
    """BG/NBD, MBG/NBD and Pareto/NBD: fit on (frequency, recency, T)."""

    _model = ""

    def fit(self, frequency, recency, T, weights=None, initial_params=None, verbose=False, tol=None, index=None, **kwargs):
        """Fits by maximum likelihood; ``weights`` count customers per row."""
        f, r, t = floats(frequency, "frequency"), floats(recency, "recency"), floats(T, "T")
        w = optional_floats(weights, "weights")
        text = _native.fit_purchases(
            self._model,
            f,
            r,
            t,
            weights=w,
            penalizer=float(self.penalizer_coef),
            tol=None if tol is None else float(tol),
            max_iter=kwargs.get("maxiter"),
            start=_initial(initial_params),
        )
        self._set_report(text)
        self.data = pd.DataFrame(
            {"frequency": f.astype(int), "recency": r, "T": t, "weights": np.ones_like(r) if w is None else w},
            index=index,
        )
        return self

    def conditional_probability_alive(self, frequency, recency, T):
        """P(alive at T | frequency, recency, T) per customer."""
        columns = _columns((frequency, "frequency"), (recency, "recency"), (T, "T"))
        result = _call(_native.conditional_probability_alive, self._model, self._values(), columns=columns)
        return _shape(result, frequency, recency, T)

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T):
        """Expected purchases in (T, T + t] given the customer's history."""
        columns = _columns((t, "t"), (frequency, "frequency"), (recency, "recency"), (T, "T"))
        result = _call(_native.conditional_expected_purchases, self._model, self._values(), columns=columns)
        return _shape(result, frequency, recency, T)

    predict = conditional_expected_number_of_purchases_up_to_time

    def expected_number_of_purchases_up_to_time(self, t):
        """E[X(t)] for a customer just acquired, per horizon t."""
        result = _call(_native.expected_purchases_new, self._model, self._values(), columns=_columns((t, "t")))
        return _shape(result, t)

    def conditional_probability_alive_matrix(self, max_frequency=None, max_recency=None):
        """P(alive) over frequency 0..max_frequency (rows of the transpose)
        and recency 0..max_recency at T = max_recency, as lifetimes. Cells
        with frequency 0 use recency 0 (a customer with no repeat purchase
        has t_x = 0); cells with repeat purchases at recency 0, impossible
        histories, take the limit recency -> 0+ (the smallest positive
        double), which is where lifetimes evaluates them."""
        max_frequency = max_frequency or int(self.data["frequency"].max())
        max_recency = max_recency or int(self.data["T"].max())
        f, r = np.meshgrid(np.arange(max_frequency + 1), np.arange(max_recency + 1), indexing="ij")
        f = f.ravel().astype(float)
        r = r.ravel().astype(float)
        r = np.where(f == 0, 0.0, np.where(r == 0, np.nextafter(0.0, 1.0), r))
        t = np.full_like(r, float(max_recency))
        p = _native.conditional_probability_alive(self._model, self._values(), f, r, t)
        return p.reshape(max_frequency + 1, max_recency + 1).T


class BetaGeoFitter(_PurchaseFitter):
    """BG/NBD (Fader, Hardie & Lee 2005), as lifetimes' ``BetaGeoFitter``."""

    _model = "bg-nbd"
    _names = ("r", "alpha", "a", "b")
    _native_names = ("r", "alpha", "a", "b")

    def probability_of_n_purchases_up_to_time(self, t, n):
        """P(X(t) = n) for a customer just acquired."""
        t_arr, n_arr = floats(t, "t", check=False), floats(n, "n")
        if n_arr.size != 1 or t_arr.size == 1:
            t_arr, n_arr = (np.ascontiguousarray(a) for a in np.broadcast_arrays(t_arr, n_arr))
        # else one n for every horizon: the compiled core takes it as is.
        params = self._values()
        result = checked_call(
            lambda: _native.probability_of_n_purchases(self._model, params, t_arr, n_arr), (t_arr, "t")
        )
        return _shape(result, t, n)


class ModifiedBetaGeoFitter(BetaGeoFitter):
    """MBG/NBD (Batislam, Denizel & Filiztekin 2007), as lifetimes'
    ``ModifiedBetaGeoFitter``."""

    _model = "mbg-nbd"


class ParetoNBDFitter(_PurchaseFitter):
    """Pareto/NBD (Schmittlein, Morrison & Colombo 1987), as lifetimes'
    ``ParetoNBDFitter``."""

    _model = "pareto-nbd"
    _names = ("r", "alpha", "s", "beta")
    _native_names = ("r", "alpha", "s", "beta")

    def conditional_probability_of_n_purchases_up_to_time(self, n, t, frequency, recency, T):
        """P(X(T, T+t) = n | frequency, recency, T): the probability of
        exactly ``n`` purchases in the next ``t`` (Fader & Hardie's note on
        the Pareto/NBD conditional pmf, computed as P(alive) times the pmf
        of a new customer with updated parameters, plus the dead customers'
        mass at n = 0). Like lifetimes, 0 when ``t <= 0``."""
        if t <= 0:
            return 0
        if int(n) != n or n < 0:
            raise ValueError(f"n must be a whole number >= 0, got {n!r}")
        result = _native.conditional_prob_purchases(
            self._model,
            self._values(),
            int(n),
            float(t),
            floats(frequency, "frequency"),
            floats(recency, "recency"),
            floats(T, "T"),
        )
        return _shape(result, frequency, recency, T)


class GammaGammaFitter(BaseFitter):
    """Gamma-Gamma spend (Fader, Hardie & Lee 2005b), as lifetimes'
    ``GammaGammaFitter``; lifetimes calls the scale parameter ``v``."""

    _names = ("p", "q", "v")
    _native_names = ("p", "q", "gamma")

    def fit(self, frequency, monetary_value, weights=None, initial_params=None, verbose=False, tol=None, index=None, q_constraint=False, **kwargs):
        """Fits on repeat buyers' frequency and mean spend."""
        f, m = floats(frequency, "frequency"), floats(monetary_value, "monetary_value")
        w = optional_floats(weights, "weights")
        text = _native.fit_gamma_gamma(
            f,
            m,
            weights=w,
            penalizer=float(self.penalizer_coef),
            tol=None if tol is None else float(tol),
            max_iter=kwargs.get("maxiter"),
            start=_initial(initial_params),
        )
        self._set_report(text)
        self.data = pd.DataFrame(
            {"monetary_value": m, "frequency": f.astype(int), "weights": np.ones_like(m) if w is None else w},
            index=index,
        )
        return self

    def conditional_expected_average_profit(self, frequency=None, monetary_value=None):
        """E[mean spend | frequency, monetary_value]; the population mean
        for customers with no repeat purchase."""
        if monetary_value is None:
            monetary_value = self.data["monetary_value"]
        if frequency is None:
            frequency = self.data["frequency"]
        columns = _columns((frequency, "frequency"), (monetary_value, "monetary_value"))
        result = _call(_native.conditional_expected_average_profit, self._values(), columns=columns)
        return _shape(result, frequency, monetary_value)

    def customer_lifetime_value(self, transaction_prediction_model, frequency, recency, T, monetary_value, time=12, discount_rate=0.01, freq="D"):
        """lifetimes' CLV: ``time`` months of expected purchases from the
        purchase model times the expected spend, discounted at
        ``discount_rate`` a month at each month's end; a month is 30 days,
        4.345 weeks, 1 month or 720 hours by ``freq`` (``"D"``, ``"W"``,
        ``"M"``, ``"H"`` or ``"h"``)."""
        if freq not in _FREQ_FACTOR:
            raise ValueError(f"freq must be one of {sorted(_FREQ_FACTOR)}, got {freq!r}")
        model = getattr(transaction_prediction_model, "_model", None)
        if model not in ("bg-nbd", "mbg-nbd", "pareto-nbd"):
            raise TypeError("transaction_prediction_model must be a fitted BetaGeoFitter, ModifiedBetaGeoFitter or ParetoNBDFitter of customer_value.lifetimes")
        result = _native.customer_lifetime_value(
            model,
            transaction_prediction_model._values(),
            self._values(),
            floats(frequency, "frequency"),
            floats(recency, "recency"),
            floats(T, "T"),
            floats(monetary_value, "monetary_value"),
            int(time),
            float(discount_rate),
            _FREQ_FACTOR[freq],
        )
        index = index_of(frequency, recency, T, monetary_value)
        return pd.Series(result, index=index, name="clv")


class BetaGeoBetaBinomFitter(BaseFitter):
    """BG/BB for discrete-time opportunities (Fader, Hardie & Shang 2010), as
    lifetimes' ``BetaGeoBetaBinomFitter``."""

    _names = ("alpha", "beta", "gamma", "delta")
    _native_names = ("alpha", "beta", "gamma", "delta")

    def fit(self, frequency, recency, n_periods, weights=None, initial_params=None, verbose=False, tol=None, index=None, **kwargs):
        """Fits on (frequency, recency, n_periods), whole numbers of periods."""
        f, r, n = floats(frequency, "frequency"), floats(recency, "recency"), floats(n_periods, "n_periods")
        w = optional_floats(weights, "weights")
        text = _native.fit_bgbb(
            f,
            r,
            n,
            weights=w,
            penalizer=float(self.penalizer_coef),
            tol=None if tol is None else float(tol),
            max_iter=kwargs.get("maxiter"),
            start=_initial(initial_params),
        )
        self._set_report(text)
        self.data = pd.DataFrame(
            {"frequency": f, "recency": r, "n_periods": n, "weights": np.ones_like(f) if w is None else w},
            index=index,
        )
        return self

    def conditional_expected_number_of_purchases_up_to_time(self, m_periods_in_future, frequency, recency, n_periods):
        """Expected transactions in the next ``m_periods_in_future`` periods."""
        result = _native.bgbb_conditional_expected(
            self._values(),
            int(m_periods_in_future),
            floats(frequency, "frequency"),
            floats(recency, "recency"),
            floats(n_periods, "n_periods"),
        )
        return _shape(result, frequency, recency, n_periods)

    def expected_number_of_transactions_in_first_n_periods(self, n):
        """Expected number of customers with each number of transactions in
        the first ``n`` opportunities (Fader, Hardie & Shang 2010, eq. 7),
        for the frequencies seen in the fitted data, as lifetimes: a
        DataFrame indexed by ``frequency`` with the column ``model``. The
        sum over the live opportunities starts at each frequency itself
        (lifetimes starts it at the smallest observed frequency, which
        agrees when the observed frequencies have no gaps)."""
        counts = _weights_by_frequency(self.data)
        xs = [int(x) for x in counts.index]
        p = _native.bgbb_prob_new(self._values(), int(n), xs)
        idx = pd.Index(counts.index, name="frequency")
        return pd.DataFrame(np.asarray(p) * counts.sum(), index=idx, columns=["model"])

    def conditional_probability_alive(self, m_periods_in_future, frequency, recency, n_periods):
        """P(alive ``m_periods_in_future`` periods after the last observed one)."""
        result = _native.bgbb_probability_alive(
            self._values(),
            int(m_periods_in_future),
            floats(frequency, "frequency"),
            floats(recency, "recency"),
            floats(n_periods, "n_periods"),
        )
        return _shape(result, frequency, recency, n_periods)
