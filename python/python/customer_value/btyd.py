"""Buy-till-you-die models with the crate's own fit report.

Every fit returns a :class:`FitReport`: parameters, standard errors (None at
a boundary, with the reason), a symmetric covariance, the unpenalised
log-likelihood, AIC, BIC, iterations, customers, distinct rows and a status
(``"interior"`` or ``"boundary"`` with the diverging parameters). A fit that
does not converge raises :class:`customer_value.NotConvergedError`.

Times are in whatever unit the data use (days, weeks); predictions take
horizons in the same unit.

>>> from customer_value import btyd
>>> report = btyd.fit("bg-nbd", frequency, recency, T)          # doctest: +SKIP
>>> btyd.p_alive(report, frequency, recency, T)                  # doctest: +SKIP

Covariate fits are in :mod:`customer_value.covariates`, per-customer
intervals in :mod:`customer_value.intervals`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import _native
from ._convert import floats, optional_floats

__all__ = [
    "FitReport",
    "fit",
    "fit_gamma_gamma",
    "fit_bg_bb",
    "fit_sbg",
    "p_alive",
    "expected_purchases",
    "expected_purchases_new",
    "probability_of_purchases",
    "expected_spend",
    "dert",
    "conditional_pmf",
    "pareto_nbd_limit",
    "sbg_curves",
    "sbg_discounted_lifetimes",
]

PURCHASE_MODELS = ("bg-nbd", "mbg-nbd", "pareto-nbd", "ggom-nbd")


@dataclass(frozen=True)
class FitReport:
    """One model's maximum-likelihood fit."""

    model: str
    params: dict
    std_errors: dict | None
    std_errors_unavailable: str | None
    covariance: pd.DataFrame | None
    log_likelihood: float
    aic: float
    bic: float
    iterations: int
    customers: float
    rows: int
    status: str
    diverging: list = field(default_factory=list)
    limits: list = field(default_factory=list)
    raw: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, model, text):
        r = json.loads(text) if isinstance(text, str) else text
        names = list(r["names"])
        status = r["status"]
        kind = status["kind"] if isinstance(status, dict) else status
        cov = r.get("covariance")
        return cls(
            model=model,
            params={n: float(r["params"][n]) for n in names},
            std_errors=None if r.get("std_errors") is None else {n: float(r["std_errors"][n]) for n in names},
            std_errors_unavailable=r.get("std_errors_unavailable"),
            covariance=None if cov is None else pd.DataFrame(np.asarray(cov, dtype=float), index=names, columns=names),
            log_likelihood=float(r["log_likelihood"]),
            aic=float(r["aic"]),
            bic=float(r["bic"]),
            iterations=int(r["iterations"]),
            customers=float(r["customers"]),
            rows=int(r["rows"]),
            status=kind,
            diverging=list(status.get("diverging", [])) if isinstance(status, dict) else [],
            limits=list(status.get("limits", [])) if isinstance(status, dict) else [],
            raw=r,
        )

    def values(self):
        """The parameters in the model's order."""
        return list(self.params.values())

    def to_json(self):
        """The report as the crate serialises it, with the model name."""
        return json.dumps({"model": self.model, **self.raw})

    @classmethod
    def load_json(cls, text):
        r = json.loads(text)
        return cls.from_json(r.pop("model"), r)


def _kw(penalty, tol, max_iter, start):
    return dict(
        penalizer=float(penalty),
        tol=None if tol is None else float(tol),
        max_iter=max_iter,
        start=None if start is None else [float(v) for v in start],
    )


def fit(model, frequency, recency, T, weights=None, *, penalty=0.0, tol=None, max_iter=None, start=None):
    """Fits ``"bg-nbd"``, ``"mbg-nbd"``, ``"pareto-nbd"`` or ``"ggom-nbd"``
    on (x, t_x, T) per customer; ``weights`` count customers per row;
    ``penalty`` is lifetimes' ``penalizer_coef``.

    GGom/NBD (Gamma-Gompertz/NBD, Bemmaor & Glady 2012) has the parameters
    ``r, alpha, b, s, beta``. On data that need no Gompertz ageing (CDNOW)
    its maximum is the Pareto/NBD limit ``b, beta -> 0`` with ``beta/b``
    fixed: the report then has ``status == "boundary"`` with
    ``"pareto_dropout"`` in ``limits`` and no standard errors, and the
    prediction functions here use that Pareto/NBD ``(r, alpha, s, beta/b)``
    (as the command line's ``predict`` does)."""
    text = _native.fit_purchases(
        model,
        floats(frequency, "frequency"),
        floats(recency, "recency"),
        floats(T, "T"),
        weights=optional_floats(weights, "weights"),
        **_kw(penalty, tol, max_iter, start),
    )
    return FitReport.from_json(model, text)


def fit_gamma_gamma(frequency, monetary_value, weights=None, *, penalty=0.0, tol=None, max_iter=None, start=None):
    """Fits Gamma-Gamma spend on repeat buyers' (x, mean repeat spend)."""
    text = _native.fit_gamma_gamma(
        floats(frequency, "frequency"),
        floats(monetary_value, "monetary_value"),
        weights=optional_floats(weights, "weights"),
        **_kw(penalty, tol, max_iter, start),
    )
    return FitReport.from_json("gamma-gamma", text)


def fit_bg_bb(frequency, recency, n_periods, weights=None, *, penalty=0.0, tol=None, max_iter=None, start=None):
    """Fits BG/BB on discrete opportunities (x, t_x, n), whole numbers."""
    text = _native.fit_bgbb(
        floats(frequency, "frequency"),
        floats(recency, "recency"),
        floats(n_periods, "n_periods"),
        weights=optional_floats(weights, "weights"),
        **_kw(penalty, tol, max_iter, start),
    )
    return FitReport.from_json("bg-bb", text)


def fit_sbg(survivors, starts=None, *, penalty=0.0, tol=None, max_iter=None, start=None):
    """Fits the shifted-beta-geometric retention model to cohorts: each
    cohort is the list of customers still active at the start of each
    period, its size first."""
    if survivors and np.isscalar(survivors[0]):
        survivors = [survivors]
    cohorts = [[int(v) for v in np.asarray(c).ravel()] for c in survivors]
    text = _native.fit_sbg(cohorts, None if starts is None else [int(s) for s in starts], **_kw(penalty, tol, max_iter, start))
    return FitReport.from_json("sbg", text)


def _purchase(report):
    if report.model not in PURCHASE_MODELS:
        raise ValueError(f"a {report.model} report does not predict purchases; fit one of {PURCHASE_MODELS}")
    if report.model == "ggom-nbd" and "pareto_dropout" in report.limits:
        p = report.params
        return "pareto-nbd", [p["r"], p["alpha"], p["s"], p["beta"] / p["b"]]
    return report.model, report.values()


def pareto_nbd_limit(report):
    """The Pareto/NBD ``{r, alpha, s, beta}`` a GGom/NBD fit on its
    ``pareto_dropout`` boundary stands for (dropout rate ``beta/b``), or
    None for any other fit."""
    if report.model != "ggom-nbd" or "pareto_dropout" not in report.limits:
        return None
    return dict(zip(("r", "alpha", "s", "beta"), _purchase(report)[1]))


def p_alive(report, frequency, recency, T):
    """P(alive at T | x, t_x, T) per customer."""
    model, values = _purchase(report)
    return _native.conditional_probability_alive(model, values, floats(frequency, "frequency"), floats(recency, "recency"), floats(T, "T"))


def expected_purchases(report, t, frequency, recency, T):
    """E[purchases in (T, T + t] | x, t_x, T] per customer."""
    model, values = _purchase(report)
    return _native.conditional_expected_purchases(
        model, values, floats(t, "t"), floats(frequency, "frequency"), floats(recency, "recency"), floats(T, "T")
    )


def expected_purchases_new(report, t):
    """E[X(t)] of a customer just acquired, per horizon."""
    model, values = _purchase(report)
    return _native.expected_purchases_new(model, values, floats(t, "t"))


def probability_of_purchases(report, t, n):
    """P(X(t) = n) of a customer just acquired, per (t, n)."""
    model, values = _purchase(report)
    t_arr, n_arr = np.broadcast_arrays(floats(t, "t"), floats(n, "n"))
    return _native.probability_of_n_purchases(model, values, np.ascontiguousarray(t_arr), np.ascontiguousarray(n_arr))


def expected_spend(report, frequency, monetary_value):
    """Gamma-Gamma E[mean spend | x, mean repeat spend] per customer."""
    if report.model != "gamma-gamma":
        raise ValueError("expected_spend needs a gamma-gamma report")
    return _native.conditional_expected_average_profit(report.values(), floats(frequency, "frequency"), floats(monetary_value, "monetary_value"))


def dert(report, delta, frequency, recency, T):
    """Discounted expected residual transactions at a continuous discount
    rate ``delta`` per time unit (e.g. ln(1.15)/52 for 15 % a year in
    weeks): Pareto/NBD in closed form (Fader, Hardie & Lee 2005), GGom/NBD
    by quadrature, ``P(alive)*(r+x)/(alpha+T) * integral of
    exp(-delta*u)*S_T(u)``."""
    if report.model not in ("pareto-nbd", "ggom-nbd"):
        raise ValueError("dert needs a pareto-nbd or ggom-nbd report")
    model, values = _purchase(report)
    return _native.dert(model, values, float(delta), floats(frequency, "frequency"), floats(recency, "recency"), floats(T, "T"))


def conditional_pmf(report, t, n, frequency, recency, T):
    """P(X(T, T+t) = n | x, t_x, T) per customer: the probability of exactly
    ``n`` purchases in the next ``t`` time units (CLVTools' definition;
    GGom/NBD by quadrature over the residual Gompertz lifetime)."""
    model, values = _purchase(report)
    return _native.conditional_prob_purchases(
        model, values, int(n), float(t), floats(frequency, "frequency"), floats(recency, "recency"), floats(T, "T")
    )


def sbg_curves(report, periods):
    """sBG survival S(t) and retention r(t), t = 0..periods, as a DataFrame."""
    if report.model != "sbg":
        raise ValueError("sbg_curves needs an sbg report")
    s, r = _native.sbg_curves(report.values(), int(periods))
    return pd.DataFrame({"survival": s, "retention": r}, index=pd.RangeIndex(len(s), name="period"))


def sbg_discounted_lifetimes(report, discount, renewals=(1,)):
    """sBG DEL of a new customer and DERL after each number of renewals, at
    ``discount`` per period (Fader & Hardie 2010)."""
    if report.model != "sbg":
        raise ValueError("sbg_discounted_lifetimes needs an sbg report")
    del_, derl = _native.sbg_discounted_lifetimes(report.values(), float(discount), [int(n) for n in renewals])
    return del_, dict(zip(renewals, derl))
