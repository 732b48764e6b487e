"""A drop-in for Python lifetimes 0.11.3.

Change ``from lifetimes import BetaGeoFitter`` to
``from customer_value.lifetimes import BetaGeoFitter`` (and
``lifetimes.utils``, ``lifetimes.plotting``, ``lifetimes.datasets``,
``lifetimes.generate_data`` to ``customer_value.lifetimes.utils``, ...): the
classes and functions, their argument names, order and defaults, ``params_``,
``summary``, ``data``, ``variance_matrix_``, ``standard_errors_``,
``confidence_intervals_``, ``generate_new_data``, the prediction methods and
their return types are lifetimes'. The numbers come from the
customer-value crate; at equal parameters they equal lifetimes' to 1e-9
relative. lifetimes' own plotting functions accept these fitters too.
lifetimes' Quickstart runs unchanged either way (tested in
``tests/test_lifetimes_quickstart.py``).

Differences a user can notice (each is deliberate):

Fitting

* Fits always answer. Where lifetimes raises ``ConvergenceError`` because
  the likelihood's supremum lies on the boundary of the parameter space (no
  dropout, no heterogeneity in purchase rates or spend), the fit succeeds,
  ``status_`` says ``"boundary"`` and ``report_["status"]`` names the
  diverging parameters; the parameters are the best finite point. Standard
  errors are then NaN (the Hessian is singular there). A fit that truly
  fails raises :class:`customer_value.NotConvergedError` (also importable as
  ``utils.ConvergenceError``; not a ``ValueError``), whose message has the
  best point found.
* Data that cannot identify the model (one customer, no repeat buyers,
  identical spend for every repeat buyer) raise
  :class:`customer_value.NotIdentifiedError` instead of returning
  arbitrary numbers.
* The fits reach at least lifetimes' optimum: ``_negative_log_likelihood_``
  is lifetimes' minimised objective (its rescaled time, its penalty) at the
  fitted parameters, and is never above lifetimes' own.
* ``variance_matrix_`` is the inverse Hessian of the total log-likelihood
  in the natural parameters: symmetric. lifetimes multiplies the rows of the
  inverse Hessian in log-parameters by the squared parameters, which is not
  symmetric. ``ParetoNBDFitter`` has ``variance_matrix_``,
  ``standard_errors_``, ``confidence_intervals_`` and a full ``summary``
  (lifetimes' has none, and its ``summary`` raises ``AttributeError``).
* ``tol`` is the crate's relative tolerance (scale-free stop rule, default
  None: the crate's 1e-10), not scipy's (lifetimes: 1e-7, Pareto/NBD 1e-4);
  ``verbose`` and extra ``**kwargs`` for scipy are accepted and ignored;
  ``initial_params`` are natural parameters (lifetimes takes
  log-parameters). ``ParetoNBDFitter.fit``'s ``iterative_fitting`` (random
  restarts), ``fit_method`` and ``maxiter`` are checked as lifetimes does
  and otherwise unused.
* ``GammaGammaFitter.fit(..., q_constraint=True)`` gives the unconstrained
  fit when its ``q`` exceeds 1 (then also the constrained optimum);
  otherwise it raises :class:`NotImplementedError` (lifetimes returns the
  bound ``q = 1``).
* ``data`` has lifetimes' columns and dtypes. Of lifetimes' private
  attributes, ``_scale`` and ``_negative_log_likelihood_`` are set by the
  fit; ``_hessian_`` (the Hessian of lifetimes' objective in
  log-parameters) and the optimiser behind ``_fit`` are not provided, and
  ``_compute_variance_matrix()`` returns ``variance_matrix_`` above
  (``_compute_standard_errors()`` and ``_compute_confidence_intervals()``
  are lifetimes' formulas on it).

Predicting

* Return types are lifetimes': a Series with the input's index for pandas
  columns, a numpy ``float64`` for scalars, BG/NBD's and MBG/NBD's
  ``conditional_probability_alive`` a numpy array whatever the input (one
  element for scalars), numpy arrays otherwise. Beyond lifetimes, lists,
  polars and pyarrow columns are accepted (lifetimes computes wrong
  P(alive) values from lists, without an error), ``customer_lifetime_value``
  takes numpy arrays (lifetimes: ``AttributeError``) and BG/BB's methods
  take scalars (lifetimes: ``AttributeError``). One-value columns broadcast
  against columns of one length as in lifetimes' numpy formulas (several
  horizons for one customer, one ``T`` for every customer); columns of
  different lengths raise :class:`customer_value.InvalidValueError`.
* ``probability_of_n_purchases_up_to_time`` with several horizons ``t``
  equals lifetimes' answer horizon by horizon; lifetimes' array path
  returns other numbers, negative ones included.
* Three histories the compiled core refuses but lifetimes' plotting passes
  are evaluated as their limits (only the call that meets one pays for the
  rewrite): ``frequency == 0`` with ``recency > 0`` is read as recency 0 (a
  customer without repeat purchases has no recency; BG/NBD's numbers do not
  depend on it, MBG/NBD's and Pareto/NBD's then differ from lifetimes', which
  evaluates its formula at that recency); ``frequency > 0`` with ``recency
  == 0`` at recency -> 0+, and ``T == 0`` without purchases (the
  ``T_cal == 0`` of a customer first seen on ``calibration_period_end``) at
  T -> 0+: both equal to lifetimes'. So ``conditional_probability_alive_matrix``
  of MBG/NBD and Pareto/NBD has one value in its frequency-0 column
  (lifetimes': one per recency). Any other invalid history (recency > T,
  negative counts, NaN, mismatched lengths) raises
  :class:`customer_value.InvalidValueError` (a ``CustomerValueError``)
  instead of lifetimes' ``ValueError``, naming the row.
* BG/BB's ``expected_number_of_transactions_in_first_n_periods`` sums each
  frequency's terms from that frequency on (Fader, Hardie & Shang 2010,
  eq. 7); lifetimes starts every sum at the smallest observed frequency,
  which differs only when the observed frequencies have gaps.
* ``customer_lifetime_value`` also takes ``freq="h"`` (720 hours a month,
  as ``"H"``; lifetimes: ``KeyError``).

Everything else

* ``repr`` names the package: ``<customer_value.lifetimes.BetaGeoFitter:
  fitted with 2357 subjects, a: 0.79, alpha: 4.41, b: 2.43, r: 0.24>``.
* ``save_model``/``load_model`` write and read JSON (parameters, fit report,
  ``_scale``, ``_negative_log_likelihood_``, and ``data`` unless
  ``save_data=False``), not a dill pickle, so neither package reads the
  other's files; as lifetimes, a left-out ``data`` or ``generate_new_data``
  is loaded as its placeholder in ``values_to_save`` (here JSON values
  only).
* ``__version__`` is customer_value's version.
* ``generate_new_data`` (and :mod:`customer_value.lifetimes.generate_data`)
  draws the model exactly and vectorised, from numpy's global random state
  as lifetimes (``np.random.seed`` repeats a run, with other customers than
  lifetimes'); ``frequency`` is the model's count of repeat purchases, where
  lifetimes counts distinct whole time units with a purchase.
* ``utils.summary_data_from_transaction_data`` and
  ``utils.calibration_and_holdout_data`` take ``freq`` ``"D"``, ``"W"`` or
  ``"h"`` (with lifetimes' frames); any other ``freq`` raises
  :class:`customer_value.UnsupportedFrequencyError` (a ``ValueError``).
  lifetimes 0.11.3 under pandas 2 fails on ``"M"``, ``"Y"``, ``"Q"``,
  ``"min"`` and ``"H"`` itself. ``utils.calculate_alive_path`` returns a
  Series of floats (lifetimes': one-element arrays for BG/NBD).
* Columns may be numpy, pandas (numpy- or Arrow-backed), polars or pyarrow;
  Arrow columns are read through the Arrow PyCapsule interface, and a null
  raises ``InvalidValueError`` where lifetimes would carry a NaN.
* :mod:`customer_value.lifetimes.plotting` fixes two of lifetimes' plots
  under matplotlib 3.8+ (see its docstring);
  :mod:`customer_value.lifetimes.datasets` reads the data files of an
  installed lifetimes (or of a folder named by
  ``CUSTOMER_VALUE_LIFETIMES_DATA``): customer_value does not ship them.

lifetimes' internals

The underscored functions that lifetimes' tests and users reach for are
provided with lifetimes' signatures, the arithmetic done in compiled code
(no Python loop over customers):

* the fitters' ``_negative_log_likelihood`` static methods (BG/NBD,
  MBG/NBD, Gamma-Gamma, BG/BB at log-parameters; Pareto/NBD at natural
  parameters, ``inf`` for a non-positive one), Pareto/NBD's
  ``_conditional_log_likelihood`` and ``_log_A_0``, BG/BB's
  ``_loglikelihood``: lifetimes' numbers to 1e-9 relative (about 1e-13 on
  CDNOW). The per-customer log-likelihoods are the crate's (Pareto/NBD's
  and BG/BB's its functions; BG/NBD's, MBG/NBD's and Gamma-Gamma's the
  same formulas with the per-count terms computed once per count, equal
  to the crate's functions to about 1e-12), so the three histories of
  "Predicting" are evaluated at the same limits, and they refuse what the
  fits refuse, with
  :class:`customer_value.InvalidValueError`: a frequency that is not a
  whole number, ``recency > T``, Gamma-Gamma rows without repeat purchases
  or with zero spend (lifetimes returns NaN or inf); BG/BB's omits the
  ``1e-15`` lifetimes adds inside its logarithm (visible only where the
  sum it is added to is not far above ``1e-15``). Parameters outside the
  model's domain (log-parameters whose exponential overflows) raise
  :class:`customer_value.InvalidParameterError` (lifetimes: NaN), except
  Pareto/NBD's non-positive ones, ``inf`` as in lifetimes. They take
  numbers, not autograd's boxes: lifetimes' ``_fit`` is not provided.
* ``utils._find_first_transactions`` (lifetimes' frame, index included,
  for any pandas period ``freq``; rows ordered by time where lifetimes
  sorts the date column as given, which differs only for text dates whose
  text order is not their time order), ``utils._check_inputs`` (lifetimes'
  checks and messages, ``ValueError``), ``utils._scale_time``,
  ``utils._customer_lifetime_value`` (the whole sum computed by the crate
  for this package's fitters, lifetimes' loop over ``predict`` for any
  other model; values aligned on ``frequency``'s index as lifetimes, a
  customer without a value is an ``InvalidValueError`` instead of NaN).
  ``GammaGammaFitter.customer_lifetime_value`` is
  ``_customer_lifetime_value`` of ``conditional_expected_average_profit``,
  as in lifetimes, bit for bit.
* ``generate_data.beta_geometric_nbd_model_transactional_data``: the
  customers of ``beta_geometric_nbd_model`` (same draws first) with their
  purchase dates, vectorised (lifetimes 0.11.3's own fails under pandas 2).

lifetimes' own test suite (112 tests), run with its imports switched
(``tests/lifetimes_suite`` in the source tree), passes 106 tests,
lifetimes itself 105 under pandas 2. The six that fail: the package name
in ``repr`` (above); a test calling ``DataFrame.append``, gone in pandas 2
(lifetimes fails too); two tests of the transactional simulator, which
compare a summary of the simulated log (distinct days or hours with a
purchase) with the simulated ``frequency`` (here purchases; lifetimes
fails too); two statistical tests of the BG/BB simulator whose outcome
depends on the random stream (they pass for about half, and most, of the
seeds with either simulator; the streams differ).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from .. import __version__, _native
from .._convert import checked_call, floats, index_of, optional_floats
from .._native import InvalidValueError
from . import generate_data, utils
from .utils import _CLV_FACTOR, _customer_lifetime_value

__all__ = [
    "__version__",
    "BetaGeoFitter",
    "ModifiedBetaGeoFitter",
    "ParetoNBDFitter",
    "GammaGammaFitter",
    "BetaGeoBetaBinomFitter",
]



def _columns(*pairs):
    """``(array, name)`` for each ``(column, name)``, converted without the
    scan for non-finite values: the compiled core refuses those itself, and
    :func:`checked_call` then gives :func:`floats`' error."""
    return [(floats(v, name, check=False), name) for v, name in pairs]


def _broadcast(columns, shared=("t",)):
    """numpy's broadcasting of one-value columns against columns of one
    length ``n``, as lifetimes' formulas do (one customer over several
    horizons, one age for every customer): each one-value column becomes
    ``n`` copies, except a column named in ``shared`` (a horizon the
    compiled core applies to every customer itself) when the other columns
    have ``n`` values already. Columns of several different lengths are
    left for the core to refuse."""
    sizes = [a.size for a, _ in columns]
    n = max(sizes)
    if all(size == n for size in sizes) or len({size for size in sizes if size != 1}) != 1:
        return columns
    rest_full = all(size == n for size, (_, name) in zip(sizes, columns) if name not in shared)
    return [
        (np.full(n, a[0]), name) if size == 1 and not (name in shared and rest_full) else (a, name)
        for size, (a, name) in zip(sizes, columns)
    ]


def _call(native, *args, columns):
    """``native(*args, *arrays)`` over the ``columns`` of :func:`_columns`
    (broadcast by :func:`_broadcast`)."""
    columns = _broadcast(columns)
    return checked_call(lambda: native(*args, *(a for a, _ in columns)), *columns)


def _limit_histories(f, r, t):
    """The histories lifetimes evaluates and the compiled core refuses,
    rewritten to what they mean, or None when there are none:

    * ``frequency == 0`` with a finite ``recency > 0``: a customer without
      repeat purchases has no recency; read as recency 0. lifetimes' own
      fit refuses this history, but its plotting functions pass it
      (``plot_frequency_recency_matrix``).
    * ``frequency > 0`` with ``recency == 0``: repeat purchases at the
      moment of the first, which no summary produces but lifetimes' plotting
      functions pass (the first row of ``plot_frequency_recency_matrix``);
      evaluated at the limit ``recency -> 0+`` (the smallest positive
      double), which is lifetimes' formula at recency 0.
    * ``recency == T == 0``: a customer first seen at the end of the period
      (``calibration_and_holdout_data`` gives ``T_cal == 0`` to a customer
      whose first purchase is on ``calibration_period_end``); evaluated at
      the limit ``T -> 0+`` (the smallest positive double), where a history
      without repeat purchases carries no information: P(alive) and the
      expectations are a new customer's, and the fit's log-likelihood term
      is 0, as lifetimes'. With repeat purchases (all at time 0, which
      lifetimes' tests pass) recency and ``T`` both go to 0+.

    Rewritten by the compiled core in one pass (``_native.limit_histories``);
    the prediction calls pass ``limits=True`` instead, which reads these
    rows at their limits inside the kernels, without a second call.
    """
    f, r, t = (np.ascontiguousarray(a, dtype=np.float64) for a in (f, r, t))
    if not f.shape == r.shape == t.shape or f.ndim != 1:
        return None  # mismatched lengths: the core's error stands
    fixed = _native.limit_histories(f, r, t)
    return None if fixed is None else list(fixed)


def _history_call(native, *args, columns, at):
    """:func:`_call` for a history ``(frequency, recency, T)`` at
    ``columns[at:at + 3]``, whose compiled core reads the histories of
    :func:`_limit_histories` at their limits (``limits=True``: inside its
    kernels, with no extra call or pass where it can)."""
    columns = _broadcast(columns)
    return checked_call(lambda: native(*args, *(a for a, _ in columns), limits=True), *columns)


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
    """lifetimes' return shapes: a numpy float64 for scalar inputs, a
    Series for pandas inputs (with their index), else a numpy array."""
    if all(np.isscalar(v) for v in inputs):
        return np.float64(result[0])
    index = index_of(*inputs)
    if index is not None and len(index) == len(result):
        return pd.Series(result, index=index)
    return result


def _log_likelihoods(model, params, frequency, recency, T):
    """Each customer's log-likelihood under ``model`` at the natural
    ``params``, computed by the crate, shaped as lifetimes' formulas return
    it (a Series for pandas columns, a numpy float64 for scalars). The
    histories of :func:`_limit_histories` are evaluated at their limits, as
    the predictions; any other invalid history raises
    :class:`customer_value.InvalidValueError`."""
    values = [float(v) for v in np.asarray(params, dtype=float).ravel()]
    columns = _columns((frequency, "frequency"), (recency, "recency"), (T, "T"))
    result = _history_call(_native.purchase_log_likelihoods, model, values, columns=columns, at=0)
    return _shape(result, frequency, recency, T)


def _exp(log_params):
    """The natural parameters of lifetimes' log-parameters (an overflow
    gives inf, which the compiled core then refuses by name)."""
    with np.errstate(over="ignore"):
        return np.exp(np.asarray(log_params, dtype=float))


def _penalised(ll, weights, params, penalizer_coef, spread="sum"):
    """lifetimes' minimised objective from the per-customer log-likelihoods
    ``ll``: ``-sum(weights * ll) / weights.sum()`` (``.mean()`` for
    Pareto/NBD) ``+ penalizer_coef * sum(params ** 2)``, summed as
    lifetimes sums it."""
    weights = np.asarray(weights)
    penalizer_term = penalizer_coef * sum(np.asarray(params, dtype=float) ** 2)
    total = -(weights * np.asarray(ll, dtype=float)).sum()
    return total / getattr(weights, spread)() + penalizer_term


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
            # Sorted by name, as lifetimes prints them.
            params = ", ".join("%s: %.2f" % (k, v) for k, v in sorted(self.params_.items()))
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

    # Parameters with a time unit (lifetimes fits these in time rescaled so
    # that the oldest customer's age is 1).
    _rates: tuple = ()

    def _set_objective(self):
        """``_negative_log_likelihood_`` as lifetimes reports it: its
        minimised objective at the fitted parameters, ``-LL / sum(weights)
        + penalizer_coef * sum(params^2)`` (Pareto/NBD: ``/ mean(weights)``),
        with BG/NBD, MBG/NBD and Pareto/NBD in lifetimes' rescaled time
        ``t * s``, ``s = 1 / max(T)``: there the log-likelihood gains
        ``-x log s`` per customer and ``alpha`` (and ``beta``) are ``s``
        times the natural ones."""
        w = np.asarray(self.data["weights"], dtype=float)
        ll = float(self.log_likelihood_)
        p = self.params_.to_numpy(dtype=float).copy()
        if self._rates:
            scale = 1.0 / float(np.max(self.data["T"]))
            ll -= np.log(scale) * float(np.sum(w * np.asarray(self.data["frequency"], dtype=float)))
            for name in self._rates:
                p[self._names.index(name)] *= scale
        spread = w.mean() if isinstance(self, ParetoNBDFitter) else w.sum()
        self._negative_log_likelihood_ = -ll / spread + float(self.penalizer_coef) * float(np.sum(p**2))

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
        self.variance_matrix_ = self._compute_variance_matrix()
        self.standard_errors_ = self._compute_standard_errors()
        self.confidence_intervals_ = self._compute_confidence_intervals()

    def _compute_variance_matrix(self):
        """The fit's covariance matrix of the parameters, as lifetimes'
        ``_compute_variance_matrix``, but from the fit report: the inverse
        Hessian of the total log-likelihood in the natural parameters
        (symmetric; NaN where the fit has none, e.g. on a boundary).
        lifetimes computes ``params_**2 * inv(_hessian_) / sum(weights)``
        from the Hessian in log-parameters, which is not symmetric."""
        names = list(self.params_.index)
        cov = self.report_.get("covariance")
        if cov is None:
            cov = np.full((len(names), len(names)), np.nan)
        return pd.DataFrame(np.asarray(cov, dtype=float), columns=names, index=names)

    def _compute_standard_errors(self):
        """The square roots of ``variance_matrix_``'s diagonal, as lifetimes."""
        return np.sqrt(pd.Series(np.diag(self.variance_matrix_.values), index=self.params_.index))

    def _compute_confidence_intervals(self):
        """``params_ -/+ 1.96 standard_errors_``, as lifetimes."""
        return pd.DataFrame(
            {
                "lower 95% bound": self.params_ - 1.96 * self.standard_errors_,
                "upper 95% bound": self.params_ + 1.96 * self.standard_errors_,
            },
            index=self.params_.index,
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
        """Writes the model as JSON (not a dill pickle): parameters, fit
        report, lifetimes' attributes (``penalizer_coef``, ``_scale``,
        ``_negative_log_likelihood_``), the fitted ``data`` (columns, dtypes
        and index) when ``save_data``, and the ages ``generate_new_data``
        draws from when ``save_generate_data_method``. As lifetimes, a
        left-out attribute is loaded as its placeholder in
        ``values_to_save`` (``[data's, generate_new_data's]``, default
        None); here the placeholders must be JSON values."""
        placeholders = list(values_to_save or [])
        placeholders += [None] * (2 - len(placeholders))
        saved = {
            "model": self.__class__.__name__,
            "penalizer_coef": self.penalizer_coef,
            "report": getattr(self, "report_", None),
            "negative_log_likelihood": getattr(self, "_negative_log_likelihood_", None),
            "scale": getattr(self, "_scale", None),
        }
        if "params_" in self.__dict__ and "report_" not in self.__dict__:
            saved["params"] = {str(k): float(v) for k, v in self.params_.items()}
        data = self.__dict__.get("data")
        if not save_data:
            saved["data_placeholder"] = placeholders[0]
        elif isinstance(data, pd.DataFrame):
            saved["data"] = {
                "columns": {c: data[c].tolist() for c in data.columns},
                "dtypes": {c: str(data[c].dtype) for c in data.columns},
                "index": data.index.tolist(),
                "index_name": data.index.name,
            }
        if "generate_new_data" in self.__dict__:
            if save_generate_data_method and self.generate_new_data is not None:
                saved["ages"] = self._ages().tolist()
            else:
                saved["generate_placeholder"] = placeholders[1]
        with open(path, "w", encoding="utf-8") as f:
            json.dump(saved, f)

    def load_model(self, path):
        """Reads a file written by :meth:`save_model`."""
        with open(path, encoding="utf-8") as f:
            saved = json.load(f)
        if saved.get("model") != self.__class__.__name__:
            raise ValueError(f"{path} holds a {saved.get('model')}, not a {self.__class__.__name__}")
        self.penalizer_coef = saved.get("penalizer_coef", 0.0)
        if saved.get("report") is not None:
            self._set_report(json.dumps(saved["report"]))
        elif saved.get("params") is not None:
            self.params_ = pd.Series(saved["params"], dtype=float)
        if saved.get("negative_log_likelihood") is not None:
            self._negative_log_likelihood_ = saved["negative_log_likelihood"]
        if saved.get("scale") is not None:
            self._scale = saved["scale"]
        data = saved.get("data")
        if data is not None:
            self.data = pd.DataFrame(
                {c: np.asarray(v, dtype=data["dtypes"][c]) for c, v in data["columns"].items()},
                index=pd.Index(data["index"], name=data["index_name"]),
            )
        elif "data_placeholder" in saved:
            self.data = saved["data_placeholder"]
        if saved.get("ages") is not None:
            self._set_generator(np.asarray(saved["ages"], dtype=float))
        elif "generate_placeholder" in saved:
            self.generate_new_data = saved["generate_placeholder"]
        if self._fits_purchases and "params_" in self.__dict__:
            self.predict = self.conditional_expected_number_of_purchases_up_to_time

    # BG/NBD, MBG/NBD and Pareto/NBD: lifetimes sets `predict` and `_scale`.
    _fits_purchases = False

    # The simulator of generate_data behind generate_new_data, if any.
    _simulate = None

    def _ages(self):
        return self.data["T"].to_numpy(dtype=float)

    def _set_generator(self, ages=None):
        """``generate_new_data(size=1)``: ``size`` simulated customers with
        the fitted customers' ages (the first ``size`` of them), as
        lifetimes' (see :mod:`customer_value.lifetimes.generate_data`)."""
        if self._simulate is None:
            return
        simulate = type(self)._simulate
        ages = self._ages() if ages is None else ages

        def generate_new_data(size=1):
            if size > len(ages):
                raise ValueError(f"size={size} exceeds the {len(ages)} fitted customers whose ages it takes")
            return simulate(ages[:size], *self._values(), size=size)

        self.generate_new_data = generate_new_data


def _weights_column(weights, w, n):
    """The ``weights`` column of ``data``, as lifetimes keeps it: ones (int)
    without weights, else the weights as given."""
    if w is None:
        return np.ones(n, dtype=np.int64)
    if isinstance(weights, (np.ndarray, pd.Series)):
        return np.asarray(weights)
    return w


def _initial(initial_params):
    return None if initial_params is None else [float(v) for v in np.asarray(initial_params).ravel()]


class _PurchaseFitter(BaseFitter):
    """BG/NBD, MBG/NBD and Pareto/NBD: fit on (frequency, recency, T)."""

    _model = ""

    _simulate = None
    _fits_purchases = True

    def fit(self, frequency, recency, T, weights=None, initial_params=None, verbose=False, tol=None, index=None, **kwargs):
        """Fits by maximum likelihood; ``weights`` count customers per row."""
        return self._fit_purchases(frequency, recency, T, weights, initial_params, tol, index, kwargs.get("maxiter"))

    def _fit_purchases(self, frequency, recency, T, weights, initial_params, tol, index, maxiter):
        f, r, t = floats(frequency, "frequency"), floats(recency, "recency"), floats(T, "T")
        w = optional_floats(weights, "weights")

        def fit(f, r, t):
            return _native.fit_purchases(
                self._model,
                f,
                r,
                t,
                weights=w,
                penalizer=float(self.penalizer_coef),
                tol=None if tol is None else float(tol),
                max_iter=maxiter,
                start=_initial(initial_params),
            )

        try:
            text = fit(f, r, t)
        except InvalidValueError:
            fixed = _limit_histories(f, r, t)
            if fixed is None:
                raise
            text = fit(*fixed)
        self._set_report(text)
        self.data = pd.DataFrame(
            {"frequency": f.astype(int), "recency": r, "T": t, "weights": _weights_column(weights, w, len(r))},
            index=index,
        )
        self._scale = 1.0 / float(np.max(t))
        self._set_objective()
        self._set_generator()
        self.predict = self.conditional_expected_number_of_purchases_up_to_time
        return self

    def conditional_probability_alive(self, frequency, recency, T):
        """P(alive at T | frequency, recency, T) per customer."""
        columns = _columns((frequency, "frequency"), (recency, "recency"), (T, "T"))
        result = _history_call(_native.conditional_probability_alive, self._model, self._values(), columns=columns, at=0)
        return _shape(result, frequency, recency, T)

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T):
        """Expected purchases in (T, T + t] given the customer's history."""
        columns = _columns((t, "t"), (frequency, "frequency"), (recency, "recency"), (T, "T"))
        result = _history_call(
            _native.conditional_expected_purchases, self._model, self._values(), columns=columns, at=1
        )
        return _shape(result, t, frequency, recency, T)

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
    _rates = ("alpha",)
    _names = ("r", "alpha", "a", "b")
    _native_names = ("r", "alpha", "a", "b")
    _simulate = staticmethod(generate_data.beta_geometric_nbd_model)

    @staticmethod
    def _negative_log_likelihood(log_params, freq, rec, T, weights, penalizer_coef):
        """lifetimes' minimised objective at ``log_params`` (the logarithms
        of ``r, alpha, a, b``): ``-sum(weights * ll) / sum(weights) +
        penalizer_coef * sum(params ** 2)``, with ``ll`` each customer's
        BG/NBD log-likelihood (Fader, Hardie & Lee 2005, section 7) computed
        by the crate, in the time unit of ``rec`` and ``T`` (lifetimes' fit
        passes them rescaled so that the oldest customer's age is 1). A
        float; equal to lifetimes' to about 1e-12 relative."""
        params = _exp(log_params)
        ll = _log_likelihoods("bg-nbd", params, freq, rec, T)
        return _penalised(ll, weights, params, penalizer_coef)

    def conditional_probability_alive(self, frequency, recency, T):
        """P(alive at T | frequency, recency, T) per customer: a numpy array
        whatever the inputs (one element for scalars), as lifetimes'."""
        return np.atleast_1d(np.asarray(super().conditional_probability_alive(frequency, recency, T)))

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
    _simulate = staticmethod(generate_data.modified_beta_geometric_nbd_model)

    @staticmethod
    def _negative_log_likelihood(log_params, freq, rec, T, weights, penalizer_coef):
        """lifetimes' minimised objective at ``log_params`` (the logarithms
        of ``r, alpha, a, b``), as BG/NBD's with each customer's MBG/NBD
        log-likelihood (Batislam, Denizel & Filiztekin 2007) computed by the
        crate."""
        params = _exp(log_params)
        ll = _log_likelihoods("mbg-nbd", params, freq, rec, T)
        return _penalised(ll, weights, params, penalizer_coef)


class ParetoNBDFitter(_PurchaseFitter):
    """Pareto/NBD (Schmittlein, Morrison & Colombo 1987), as lifetimes'
    ``ParetoNBDFitter``."""

    _model = "pareto-nbd"
    _rates = ("alpha", "beta")
    _names = ("r", "alpha", "s", "beta")
    _native_names = ("r", "alpha", "s", "beta")
    _simulate = staticmethod(generate_data.pareto_nbd_model)

    @staticmethod
    def _log_A_0(params, freq, recency, age):
        """lifetimes' ``ln A_0`` per customer (Fader & Hardie's note 009,
        eqs. 19 and 20) at the natural ``params`` ``(r, alpha, s, beta)``:
        with ``(a, b)`` the smaller and larger of ``alpha`` and ``beta`` and
        ``u = r + x`` when ``alpha < beta``, else ``s + 1``,
        ``A_0 = F(t_x) / (b + t_x)^(r+s+x) - F(T) / (b + T)^(r+s+x)``,
        ``F(y) = 2F1(r+s+x, u; r+s+x+1; (b - a) / (b + y))``, in lifetimes'
        log-domain form, with the crate's ``2F1``. ``-inf`` when ``t_x = T``."""
        values = [float(v) for v in np.asarray(params, dtype=float).ravel()]
        columns = _broadcast(_columns((freq, "frequency"), (recency, "recency"), (age, "T")))
        result = _call(_native.pareto_log_a0, values, columns=columns)
        return _shape(result, freq, recency, age)

    @staticmethod
    def _conditional_log_likelihood(params, freq, rec, T):
        """Each customer's Pareto/NBD log-likelihood (Fader & Hardie's note
        009, eq. 18) at the natural ``params`` ``(r, alpha, s, beta)``,
        computed by the crate (its stable form; lifetimes evaluates
        ``_log_A_0``)."""
        return _log_likelihoods("pareto-nbd", params, freq, rec, T)

    @staticmethod
    def _negative_log_likelihood(params, freq, rec, T, weights, penalizer_coef):
        """lifetimes' minimised objective at the natural ``params``
        ``(r, alpha, s, beta)``: ``inf`` when a parameter is not positive,
        else ``-sum(weights * ll) / mean(weights) + penalizer_coef *
        sum(params ** 2)`` with ``ll`` from :meth:`_conditional_log_likelihood`."""
        if np.any(np.asarray(params) <= 0.0):
            return np.inf
        ll = ParetoNBDFitter._conditional_log_likelihood(params, freq, rec, T)
        return _penalised(ll, weights, params, penalizer_coef, spread="mean")

    def fit(
        self,
        frequency,
        recency,
        T,
        weights=None,
        iterative_fitting=1,
        initial_params=None,
        verbose=False,
        tol=None,
        index=None,
        fit_method="Nelder-Mead",
        maxiter=2000,
        **kwargs,
    ):
        """Fits by maximum likelihood; ``weights`` count customers per row.
        ``iterative_fitting`` (lifetimes' number of random restarts) and
        ``fit_method`` (its scipy method) are checked as lifetimes does and
        otherwise unused: the crate's optimiser starts from a data-driven
        point and polishes with Newton steps. ``maxiter`` is lifetimes'
        Nelder-Mead limit, not passed on (the crate needs far fewer steps)."""
        if iterative_fitting <= 0:
            raise ValueError("iterative_fitting parameter should be greater than 0 as of lifetimes v0.2.1")
        if iterative_fitting > 1 and initial_params is not None:
            raise ValueError("iterative_fitting and initial_params should not be both set, as no improvement could be made.")
        return self._fit_purchases(frequency, recency, T, weights, initial_params, tol, index, None)

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
        columns = _columns((frequency, "frequency"), (recency, "recency"), (T, "T"))
        result = _history_call(
            _native.conditional_prob_purchases, self._model, self._values(), int(n), float(t), columns=columns, at=0
        )
        return _shape(result, frequency, recency, T)


class GammaGammaFitter(BaseFitter):
    """Gamma-Gamma spend (Fader, Hardie & Lee 2005b), as lifetimes'
    ``GammaGammaFitter``; lifetimes calls the scale parameter ``v``."""

    _names = ("p", "q", "v")
    _native_names = ("p", "q", "gamma")

    @staticmethod
    def _negative_log_likelihood(log_params, frequency, avg_monetary_value, weights, penalizer_coef):
        """lifetimes' minimised objective at ``log_params`` (the logarithms
        of ``p, q, v``): ``-sum(weights * ll) / sum(weights) + penalizer_coef
        * sum(params ** 2)``, with ``ll`` each repeat buyer's Gamma-Gamma
        log-likelihood of the mean spend (Fader & Hardie's note 025, eq.
        1a) computed by the crate. Every row needs ``frequency >= 1`` and
        ``avg_monetary_value > 0`` (lifetimes returns NaN or inf otherwise)."""
        params = _exp(log_params)
        columns = _columns((frequency, "frequency"), (avg_monetary_value, "avg_monetary_value"))
        ll = _call(_native.gamma_gamma_log_likelihoods, [float(v) for v in params], columns=columns)
        return _penalised(ll, weights, params, penalizer_coef)

    def fit(self, frequency, monetary_value, weights=None, initial_params=None, verbose=False, tol=None, index=None, q_constraint=False, **kwargs):
        """Fits on repeat buyers' frequency and mean spend. With
        ``q_constraint`` (lifetimes: keep ``q > 1``, so that the mean spend
        is finite) the fit is the same when its ``q`` exceeds 1, the
        constrained optimum then being the unconstrained one; otherwise it
        raises :class:`NotImplementedError` (the crate has no bounded
        Gamma-Gamma fit)."""
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
        if q_constraint and not self.params_["q"] > 1.0:
            q = self.params_["q"]
            del self.params_
            raise NotImplementedError(
                f"q_constraint=True: the unconstrained fit has q = {float(q)!r} <= 1, and customer_value does not fit "
                "Gamma-Gamma with q bounded; fit without q_constraint or with a penalizer_coef"
            )
        self.data = pd.DataFrame(
            {"monetary_value": m, "frequency": f, "weights": _weights_column(weights, w, len(m))},
            index=index,
        )
        self._set_objective()
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
        if freq not in _CLV_FACTOR:
            raise ValueError(f"freq must be one of {sorted(_CLV_FACTOR)}, got {freq!r}")
        if getattr(transaction_prediction_model, "_model", None) not in ("bg-nbd", "mbg-nbd", "pareto-nbd"):
            raise TypeError("transaction_prediction_model must be a fitted BetaGeoFitter, ModifiedBetaGeoFitter or ParetoNBDFitter of customer_value.lifetimes")
        # As lifetimes: the expected spend per purchase, then the CLV sum.
        adjusted_monetary_value = self.conditional_expected_average_profit(frequency, monetary_value)
        return _customer_lifetime_value(
            transaction_prediction_model, frequency, recency, T, adjusted_monetary_value, time, discount_rate, freq
        )


class BetaGeoBetaBinomFitter(BaseFitter):
    """BG/BB for discrete-time opportunities (Fader, Hardie & Shang 2010), as
    lifetimes' ``BetaGeoBetaBinomFitter``."""

    _names = ("alpha", "beta", "gamma", "delta")
    _native_names = ("alpha", "beta", "gamma", "delta")

    @staticmethod
    def _loglikelihood(params, x, tx, T):
        """Each customer's BG/BB log-likelihood (Fader, Hardie & Shang
        2010, eq. 5) at the natural ``params`` ``(alpha, beta, gamma,
        delta)``, computed by the crate for whole ``x <= tx <= T`` (``tx``
        0 when ``x`` is). lifetimes adds ``1e-15`` inside the logarithm of
        its sum over the unobserved dropout times; the crate does not, so
        the two differ where that sum is not far above ``1e-15``."""
        values = [float(v) for v in np.asarray(params, dtype=float).ravel()]
        columns = _broadcast([(floats(v, name), name) for v, name in ((x, "frequency"), (tx, "recency"), (T, "n_periods"))])
        result = _native.bgbb_log_likelihoods(values, *(a for a, _ in columns))
        return _shape(result, x, tx, T)

    @staticmethod
    def _negative_log_likelihood(log_params, frequency, recency, n_periods, weights, penalizer_coef=0):
        """lifetimes' minimised objective at ``log_params`` (the logarithms
        of ``alpha, beta, gamma, delta``): ``-sum(weights * ll) /
        sum(weights) + penalizer_coef * sum(params ** 2)`` with ``ll`` from
        :meth:`_loglikelihood`."""
        params = _exp(log_params)
        ll = BetaGeoBetaBinomFitter._loglikelihood(params, frequency, recency, n_periods)
        return _penalised(ll, weights, params, penalizer_coef)

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
            {
                "frequency": f.astype(int),
                "recency": r.astype(int),
                "n_periods": n.astype(int),
                "weights": _weights_column(weights, w, len(f)),
            },
            index=index,
        )
        self._set_objective()
        self._set_generator()
        return self

    _simulate = staticmethod(generate_data.beta_geometric_beta_binom_model)

    def _ages(self):
        # One customer per unit of weight, as lifetimes' generate_new_data.
        counts = np.asarray(self.data["weights"], dtype=float)
        if np.any(counts != np.floor(counts)):
            raise ValueError("generate_new_data needs whole weights (customers per row)")
        return np.repeat(self.data["n_periods"].to_numpy(dtype=float), counts.astype(np.int64))

    def conditional_expected_number_of_purchases_up_to_time(self, m_periods_in_future, frequency, recency, n_periods):
        """Expected transactions in the next ``m_periods_in_future`` periods."""
        columns = _broadcast([(floats(v, name), name) for v, name in ((frequency, "frequency"), (recency, "recency"), (n_periods, "n_periods"))])
        result = _native.bgbb_conditional_expected(self._values(), int(m_periods_in_future), *(a for a, _ in columns))
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
        columns = _broadcast([(floats(v, name), name) for v, name in ((frequency, "frequency"), (recency, "recency"), (n_periods, "n_periods"))])
        result = _native.bgbb_probability_alive(self._values(), int(m_periods_in_future), *(a for a, _ in columns))
        return _shape(result, frequency, recency, n_periods)
