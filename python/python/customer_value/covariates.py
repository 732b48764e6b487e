"""Pareto/NBD, BG/NBD and Gamma-Gamma with static (time-invariant)
covariates, CLVTools' parametrisation for the purchase models:

- Pareto/NBD: ``alpha_i = alpha * exp(-gamma_trans . z_trans,i)`` and
  ``beta_i = beta * exp(-gamma_life . z_life,i)``;
- BG/NBD: ``alpha_i`` as above, ``a_i = a * exp(gamma_life . z_life,i)``,
  ``b_i = b * exp(gamma_life . z_life,i)``;
- Gamma-Gamma (the crate's own form): ``gamma_i = gamma * exp(delta . z_i)``.

A positive ``trans`` coefficient raises the expected purchase rate by
``exp(coefficient)`` per unit of the covariate. ``constrain`` names
covariates (present in both processes) with one shared coefficient
(CLVTools' ``names.cov.constr``); ``l2=(lambda_trans, lambda_life)`` adds
CLVTools' L2 penalty ``lambda*||gamma||^2`` on the average log-likelihood's
scale. Covariates are used as given (not centred): the baseline parameters
are those of a customer whose covariates are all 0.

Covariates come as a pandas or polars DataFrame or a pyarrow Table (the
column names name the coefficients), a named Series, a dict of columns, or
a 2-D numpy array with ``trans_names`` / ``life_names`` (default ``z0``,
``z1``, ...); one row per customer, in the order of ``frequency``.

>>> from customer_value import covariates
>>> fit = covariates.fit("pareto-nbd", summary["frequency"], summary["recency"],
...                      summary["T"], trans=z[["Gender", "Channel"]],
...                      life=z[["Gender", "Channel"]])            # doctest: +SKIP
>>> covariates.predict(fit, summary["frequency"], summary["recency"], summary["T"],
...                    trans=z[["Gender", "Channel"]], life=z[["Gender", "Channel"]],
...                    t=52)                                       # doctest: +SKIP
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import _native
from ._convert import floats, index_of
from ._native import InvalidValueError

__all__ = ["CovariateFitReport", "fit", "fit_spend", "predict", "expected_spend"]

_OWN = {
    "pareto-nbd": ("r", "alpha", "s", "beta"),
    "bg-nbd": ("r", "alpha", "a", "b"),
    "gamma-gamma": ("p", "q", "gamma"),
}
# Each customer's own parameters, as predict() names them.
_CUSTOMER = {
    "pareto-nbd": ("r", "alpha_i", "s", "beta_i"),
    "bg-nbd": ("r", "alpha_i", "a_i", "b_i"),
}


def _matrix(values, names, what):
    """A C-contiguous float64 2-D array and its column names, or (None, [])."""
    if values is None:
        if names:
            raise InvalidValueError(f"invalid {what}: names {list(names)} given without values")
        return None, []
    module = type(values).__module__.split(".")[0]
    if isinstance(values, dict):
        cols = list(values)
        arrays = [np.asarray(_column(values[c])) for c in cols]
    elif module in ("pandas", "polars") and hasattr(values, "columns"):
        cols = [str(c) for c in values.columns]
        arrays = [np.asarray(_column(values[c])) for c in values.columns]
    elif module == "pyarrow" and hasattr(values, "column_names"):
        cols = list(values.column_names)
        arrays = [values.column(c).to_numpy(zero_copy_only=False) for c in cols]
    elif module in ("pandas", "polars") and getattr(values, "ndim", 1) == 1 and getattr(values, "name", None) is not None:
        # One named column (a pandas or polars Series).
        cols = [str(values.name)]
        arrays = [np.asarray(_column(values))]
    else:
        a = np.asarray(_column(values))
        if a.ndim == 1:
            a = a.reshape(-1, 1)
        if a.ndim != 2:
            raise InvalidValueError(f"invalid {what}: a {a.ndim}-D array; give one row per customer")
        cols = [f"z{k}" for k in range(a.shape[1])] if names is None else None
        arrays = [a[:, k] for k in range(a.shape[1])]
    if names is not None:
        names = [str(n) for n in names]
        if len(names) != len(arrays):
            raise InvalidValueError(f"invalid {what}: {len(names)} names for {len(arrays)} columns")
        cols = names
    for c, a in zip(cols, arrays):
        if a.dtype == object or a.dtype.kind not in "biuf":
            raise InvalidValueError(f"invalid {what}: column {c!r} has values of type {a.dtype}, not numbers")
    if not arrays:
        return None, []
    m = np.column_stack([a.astype(np.float64, copy=False) for a in arrays])
    return np.ascontiguousarray(m, dtype=np.float64), cols


def _column(c):
    module = type(c).__module__.split(".")[0]
    if module in ("pandas", "polars"):
        return c.to_numpy()
    if module == "pyarrow":
        return c.to_numpy(zero_copy_only=False)
    return c


@dataclass(frozen=True)
class CovariateFitReport:
    """A covariate fit: every estimate by name (CLVTools order: the model's
    own parameters, then ``life.*``, ``trans.*``, ``constr.*``; or
    ``spend.*``), standard errors (None when the Hessian is not positive
    definite), the covariance of the estimates, the unpenalised
    log-likelihood, AIC, BIC (``k ln n - 2 ll``, ``n`` customers fitted),
    iterations and whether the optimiser's stop rule was met."""

    model: str
    estimates: dict
    std_errors: dict | None
    covariance: pd.DataFrame | None
    log_likelihood: float
    aic: float
    bic: float
    iterations: int
    converged: bool
    customers: int
    params: dict
    trans: dict
    life: dict
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, text):
        r = json.loads(text) if isinstance(text, str) else text
        names = list(r["names"])
        cov = r.get("covariance")
        se = r.get("std_errors")
        if r["model"] == "gamma-gamma":
            trans, life = dict(zip(r["spend_names"], r["delta"])), {}
        else:
            trans = dict(zip(r["trans_names"], r["gamma_trans"]))
            life = dict(zip(r["life_names"], r["gamma_life"]))
        return cls(
            model=r["model"],
            estimates=dict(zip(names, map(float, r["estimates"]))),
            std_errors=None if se is None else dict(zip(names, map(float, se))),
            covariance=None if cov is None else pd.DataFrame(np.asarray(cov, dtype=float), index=names, columns=names),
            log_likelihood=float(r["log_likelihood"]),
            aic=float(r["aic"]),
            bic=float(r["bic"]),
            iterations=int(r["iterations"]),
            converged=bool(r["converged"]),
            customers=int(r["customers"]),
            params={k: float(r["params"][k]) for k in _OWN[r["model"]]},
            trans=trans,
            life=life,
            raw=r,
        )

    @property
    def summary(self):
        """The estimates with standard errors as a DataFrame."""
        se = self.std_errors or {}
        return pd.DataFrame(
            {"coef": self.estimates, "se(coef)": {k: se.get(k, np.nan) for k in self.estimates}}
        )

    def to_json(self):
        return json.dumps(self.raw)

    @classmethod
    def load_json(cls, text):
        return cls.from_json(text)


def fit(
    model,
    frequency,
    recency,
    T,
    *,
    trans=None,
    life=None,
    trans_names=None,
    life_names=None,
    constrain=(),
    l2=None,
    max_iter=None,
    keep_unconverged=False,
):
    """Fits ``"pareto-nbd"`` or ``"bg-nbd"`` with purchase-process
    covariates ``trans`` and lifetime-process covariates ``life`` (either
    may be None). ``l2`` is one number for both processes or
    ``(lambda_trans, lambda_life)``. Raises :class:`NotConvergedError`
    when the optimiser stops early (unless ``keep_unconverged``)."""
    f = floats(frequency, "frequency")
    zt, tn = _matrix(trans, trans_names, "trans covariates")
    zl, ln = _matrix(life, life_names, "life covariates")
    if l2 is not None and np.isscalar(l2):
        l2 = (float(l2), float(l2))
    text = _native.fit_covariates(
        model,
        f,
        floats(recency, "recency"),
        floats(T, "T"),
        trans=zt,
        trans_names=tn,
        life=zl,
        life_names=ln,
        constrain=[str(c) for c in constrain],
        l2=None if l2 is None else (float(l2[0]), float(l2[1])),
        max_iter=max_iter,
        keep_unconverged=bool(keep_unconverged),
    )
    return CovariateFitReport.from_json(text)


def fit_spend(frequency, monetary_value, z, *, names=None, l2=None, max_iter=None, keep_unconverged=False):
    """Fits Gamma-Gamma with spend covariates ``z`` on the repeat buyers
    (frequency > 0) among the rows: ``gamma_i = gamma * exp(delta . z_i)``,
    so a positive ``delta`` raises the expected spend per transaction by
    ``exp(delta)`` per unit of the covariate."""
    zs, zn = _matrix(z, names, "spend covariates")
    if zs is None:
        raise InvalidValueError("invalid spend covariates: no columns given")
    text = _native.fit_spend_covariates(
        floats(frequency, "frequency"),
        floats(monetary_value, "monetary_value"),
        zs,
        zn,
        l2=None if l2 is None else float(l2),
        max_iter=max_iter,
        keep_unconverged=bool(keep_unconverged),
    )
    return CovariateFitReport.from_json(text)


def _aligned(values, fitted, what):
    """The columns the fit used, in its order: matched by name for tables
    and dicts, taken in order from a bare 2-D array."""
    if not fitted:
        return None
    if values is None:
        raise InvalidValueError(f"invalid {what}: the fit needs columns {list(fitted)}")
    named = isinstance(values, dict) or hasattr(values, "columns") or hasattr(values, "column_names")
    if not named:
        return _matrix(values, list(fitted), what)[0]
    m, names = _matrix(values, None, what)
    missing = [n for n in fitted if n not in names]
    if missing:
        raise InvalidValueError(f"invalid {what}: the fit needs columns {missing}, not among {names}")
    return np.ascontiguousarray(m[:, [names.index(n) for n in fitted]])


def predict(report, frequency, recency, T, *, trans=None, life=None, t=None):
    """Per-customer predictions of a covariate purchase fit: each
    customer's own parameters (``r, alpha_i, s, beta_i`` or
    ``r, alpha_i, a_i, b_i``), ``p_alive`` and, with a horizon ``t``,
    ``expected_purchases`` in ``(T, T + t]``, as a DataFrame. ``trans`` and
    ``life`` hold at least the fit's columns (matched by name; a bare 2-D
    array in the fit's order)."""
    if report.model not in _CUSTOMER:
        raise ValueError("predict needs a pareto-nbd or bg-nbd covariate fit; use expected_spend for gamma-gamma")
    f = floats(frequency, "frequency")
    out = _native.covariate_predictions(
        report.model,
        [report.params[k] for k in _OWN[report.model]],
        list(report.trans),
        list(report.trans.values()),
        list(report.life),
        list(report.life.values()),
        _aligned(trans, report.trans, "trans covariates"),
        _aligned(life, report.life, "life covariates"),
        f,
        floats(recency, "recency"),
        floats(T, "T"),
        t=None if t is None else float(t),
    )
    cols = {name: out[f"param_{k}"] for k, name in enumerate(_CUSTOMER[report.model])}
    cols["p_alive"] = out["p_alive"]
    if t is not None:
        cols["expected_purchases"] = out["expected_purchases"]
    return pd.DataFrame(cols, index=index_of(frequency, recency, T))


def expected_spend(report, frequency, monetary_value, z):
    """Per customer: ``gamma_i`` and the Gamma-Gamma conditional expected
    spend per transaction at it, ``p*(gamma_i + x*zbar)/(p*x + q - 1)``, as a
    DataFrame."""
    if report.model != "gamma-gamma":
        raise ValueError("expected_spend needs a gamma-gamma covariate fit")
    g, m = _native.covariate_expected_spend(
        [report.params[k] for k in _OWN["gamma-gamma"]],
        list(report.trans),
        list(report.trans.values()),
        _aligned(z, report.trans, "spend covariates"),
        floats(frequency, "frequency"),
        floats(monetary_value, "monetary_value"),
    )
    return pd.DataFrame({"gamma_i": g, "expected_spend": m}, index=index_of(frequency, monetary_value))
