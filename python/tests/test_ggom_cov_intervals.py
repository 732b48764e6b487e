"""GGom/NBD, static covariates and per-customer intervals in the native
layer, against independent values: CLVTools' published GGom/NBD CDNOW fit,
nested numerical integration of the GGom/NBD definition, independent scipy
fits of the covariate models on CLVTools' apparel data, closed forms and
numerical differences computed here with numpy, and the command-line
program's output on the same data (equal to 1e-12 at equal parameters)."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import customer_value
from customer_value import btyd, covariates, intervals, summary
from customer_value import _native

from test_lifetimes_parity import DATA, needs_data

REPO = Path(__file__).resolve().parents[2]
PEERS = DATA / "peers"


def rel(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.abs(a - b) / np.maximum(np.abs(b), 1e-300)


def with_params(report, model, params):
    """A report standing for given parameters (interior, no covariance)."""
    return dataclasses.replace(report, model=model, params=dict(params), status="interior", limits=[], diverging=[])


# --- the command-line program ------------------------------------------------


def cli_binary():
    """The command-line program: $CUSTOMER_VALUE_CLI, or customer-value in
    the release, then the debug, build of $CARGO_TARGET_DIR or the
    repository's target/ (scripts/test.sh's `cargo test` builds the debug
    one first)."""
    env = os.environ.get("CUSTOMER_VALUE_CLI")
    candidates = [Path(env)] if env else []
    targets = [Path(os.environ["CARGO_TARGET_DIR"])] if os.environ.get("CARGO_TARGET_DIR") else []
    targets.append(REPO / "target")
    for profile in ("release", "debug"):
        candidates.extend(t / profile / "customer-value" for t in targets)
    found = shutil.which("customer-value")
    if found:
        candidates.append(Path(found))
    for c in candidates:
        if c.is_file():
            return c
    return None


CLI = cli_binary()
needs_cli = pytest.mark.skipif(
    CLI is None,
    reason="the command-line program is not built (cargo build -p customer-value-cli, or set CUSTOMER_VALUE_CLI)",
)


def cli(tmp, *args):
    out = subprocess.run([str(CLI), *map(str, args)], cwd=tmp, capture_output=True, text=True, check=False)
    assert out.returncode == 0, f"{args}: {out.stderr}"
    return out.stdout


def cli_predictions(text):
    """customer_id -> (p_alive, expected_purchases, expected_spend, clv)."""
    from io import StringIO

    return pd.read_csv(StringIO(text), dtype={"customer_id": str}, float_precision="round_trip").set_index("customer_id")


# --- GGom/NBD ----------------------------------------------------------------


@pytest.fixture(scope="module")
def cdnow_weekly():
    return pd.read_csv(DATA / "cdnow" / "cdnow_customers_summary.csv")


@pytest.fixture(scope="module")
def ggom_cdnow(cdnow_weekly):
    d = cdnow_weekly
    return btyd.fit("ggom-nbd", d["frequency"], d["recency"], d["T"])


def test_ggom_predictions_match_nested_integration_of_the_definition():
    """P(alive), CET over 52 units and DERT at delta = 0.01 against the
    crate's reference table from nested QUADPACK integration of the model's
    definition (benches/peers/ggomnbd_quad.py: eta integrated out
    numerically, not the closed-form survivor)."""
    table = pd.read_csv(REPO / "tests" / "data" / "ggomnbd_quad.csv")
    assert len(table) >= 12
    template = btyd.FitReport.from_json(
        "ggom-nbd",
        {
            "names": ["r", "alpha", "b", "s", "beta"],
            "params": {"r": 1, "alpha": 1, "b": 1, "s": 1, "beta": 1},
            "status": "interior",
            "log_likelihood": 0.0,
            "aic": 0.0,
            "bic": 0.0,
            "iterations": 0,
            "customers": 1,
            "rows": 1,
        },
    )
    for _, row in table.iterrows():
        report = with_params(template, "ggom-nbd", {k: row[k] for k in ("r", "alpha", "b", "s", "beta")})
        x, tx, T = [row["x"]], [row["t_x"]], [row["T"]]
        assert rel(btyd.p_alive(report, x, tx, T), row["p_alive"])[0] < 1e-8
        assert rel(btyd.expected_purchases(report, 52.0, x, tx, T), row["cet52"])[0] < 1e-8
        assert rel(btyd.dert(report, 0.01, x, tx, T), row["dert001"])[0] < 1e-8


@needs_data
def test_ggom_cdnow_reproduces_clvtools(ggom_cdnow, cdnow_weekly):
    """CLVTools' test_correctness_ggomnbd.R on CDNOW: r = 0.55313,
    alpha = 10.5758, s = 0.60682, LL = -9594.9762 (b and beta are on the
    Pareto/NBD ridge b, beta -> 0 and not identified separately)."""
    fit = ggom_cdnow
    assert fit.model == "ggom-nbd"
    assert fit.log_likelihood > -9594.9763
    assert rel(fit.params["r"], 0.55313) < 2e-3
    assert rel(fit.params["alpha"], 10.5758) < 2e-3
    assert rel(fit.params["s"], 0.60682) < 1e-2
    # The report says where the maximum is, and what it stands for.
    assert fit.status == "boundary"
    assert "pareto_dropout" in fit.limits
    assert fit.std_errors is None and fit.covariance is None
    assert fit.std_errors_unavailable is not None
    n = len(cdnow_weekly)
    assert fit.customers == n
    assert fit.aic == pytest.approx(2 * 5 - 2 * fit.log_likelihood, rel=1e-12)
    assert fit.bic == pytest.approx(5 * math.log(n) - 2 * fit.log_likelihood, rel=1e-12)
    d = cdnow_weekly
    pnbd = btyd.fit("pareto-nbd", d["frequency"], d["recency"], d["T"])
    assert fit.log_likelihood >= pnbd.log_likelihood - 1e-6
    limit = btyd.pareto_nbd_limit(fit)
    for k in ("r", "alpha", "s", "beta"):
        assert rel(limit[k], pnbd.params[k]) < 1e-3
    # Predictions at the boundary are those of the Pareto/NBD limit.
    as_pnbd = with_params(pnbd, "pareto-nbd", limit)
    for f in (btyd.p_alive,):
        np.testing.assert_array_equal(f(fit, d["frequency"], d["recency"], d["T"]), f(as_pnbd, d["frequency"], d["recency"], d["T"]))
    np.testing.assert_array_equal(
        btyd.expected_purchases(fit, 52, d["frequency"], d["recency"], d["T"]),
        btyd.expected_purchases(as_pnbd, 52, d["frequency"], d["recency"], d["T"]),
    )
    # A saved report reads back the same.
    assert btyd.FitReport.load_json(fit.to_json()) == fit


def simulate_ggom(n, r, alpha, b, s, beta, T, seed):
    """GGom/NBD customers observed for T from their first purchase:
    lambda ~ Gamma(r, rate alpha), eta ~ Gamma(s, rate beta), the lifetime
    tau = ln(1 + E/eta)/b with E ~ Exp(1) (so P(tau > t) =
    exp(-eta (e^{bt} - 1))), Poisson purchases at rate lambda until
    min(tau, T); t_x on a half-unit grid (fewer distinct rows, a faster fit)."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1 / alpha, n)
    eta = rng.gamma(s, 1 / beta, n)
    tau = np.log1p(rng.exponential(1.0, n) / eta) / b
    x, tx = np.zeros(n), np.zeros(n)
    for i in range(n):
        end = min(tau[i], T)
        k = rng.poisson(lam[i] * end)
        if k > 0:
            x[i], tx[i] = k, rng.uniform(0, end, k).max()
    tx = np.where(x > 0, np.minimum(np.ceil(tx * 2) / 2, T), 0.0)
    return x, tx, np.full(n, float(T))


def test_ggom_interior_fit_reports_standard_errors():
    """On simulated data with Gompertz ageing (b = 0.2 per unit) the fit is
    interior, with standard errors, a symmetric covariance, AIC and BIC as
    the other models, at least the Pareto/NBD's log-likelihood (GGom/NBD
    nests it as a limit), and its predictions in range."""
    x, tx, T = simulate_ggom(2000, 1.3, 4.0, 0.2, 2.0, 3.0, 52.0, seed=1)
    fit = btyd.fit("ggom-nbd", x, tx, T)
    assert fit.status == "interior" and fit.limits == []
    assert list(fit.params) == ["r", "alpha", "b", "s", "beta"]
    assert fit.std_errors is not None and all(v > 0 for v in fit.std_errors.values())
    cov = fit.covariance.to_numpy()
    np.testing.assert_array_equal(cov, cov.T)
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), list(fit.std_errors.values()), rtol=1e-12)
    assert fit.customers == 2000
    assert fit.aic == pytest.approx(2 * 5 - 2 * fit.log_likelihood, rel=1e-12)
    assert fit.bic == pytest.approx(5 * math.log(2000) - 2 * fit.log_likelihood, rel=1e-12)
    pnbd = btyd.fit("pareto-nbd", x, tx, T)
    assert fit.log_likelihood >= pnbd.log_likelihood - 1e-6
    assert btyd.pareto_nbd_limit(fit) is None
    alive = btyd.p_alive(fit, x, tx, T)
    assert ((alive >= 0) & (alive <= 1)).all()
    # The mean purchase rate r/alpha within 4 delta-method standard errors
    # of the truth, 1.3/4.
    r, a = fit.params["r"], fit.params["alpha"]
    g = np.array([1 / a, -r / a**2])
    se = math.sqrt(g @ cov[:2, :2] @ g)
    assert abs(r / a - 1.3 / 4.0) < 4 * se


def test_ggom_conditional_pmf_sums_to_one_with_the_cet_as_mean(ggom_cdnow):
    """An interior GGom/NBD (real Gompertz ageing): the conditional pmf
    over n = 0..250 sums to 1 and its mean is the CET."""
    report = with_params(ggom_cdnow, "ggom-nbd", {"r": 0.55, "alpha": 10.6, "b": 0.05, "s": 0.6, "beta": 0.6})
    f, r, T = np.array([0.0, 2, 7]), np.array([0.0, 30.43, 35.0]), np.array([38.86, 38.86, 38.0])
    pmf = np.array([btyd.conditional_pmf(report, 52.0, n, f, r, T) for n in range(251)])
    np.testing.assert_allclose(pmf.sum(axis=0), 1.0, atol=1e-9)
    mean = (np.arange(251)[:, None] * pmf).sum(axis=0)
    np.testing.assert_allclose(mean, btyd.expected_purchases(report, 52.0, f, r, T), rtol=1e-8)
    assert (pmf >= 0).all()
    # No new-customer pmf for GGom/NBD in the crate: a typed error, not a guess.
    with pytest.raises(customer_value.InvalidValueError):
        btyd.probability_of_purchases(report, 52.0, 1)


def test_ggom_bad_inputs_are_typed_errors(ggom_cdnow):
    report = with_params(ggom_cdnow, "ggom-nbd", {"r": 0.55, "alpha": 10.6, "b": 0.05, "s": 0.6, "beta": 0.6})
    with pytest.raises(customer_value.InvalidValueError):
        btyd.p_alive(report, [1.0, 2.0], [1.0], [5.0, 6.0])
    with pytest.raises(customer_value.InvalidValueError):
        btyd.p_alive(report, [1.0], [np.nan], [5.0])
    with pytest.raises(customer_value.InvalidValueError):
        btyd.p_alive(report, [1.0], [6.0], [5.0])  # recency > T
    with pytest.raises(customer_value.InvalidParameterError):
        btyd.dert(report, -0.01, [1.0], [1.0], [5.0])
    with pytest.raises(customer_value.InvalidParameterError):
        btyd.expected_purchases(report, -1.0, [1.0], [1.0], [5.0])
    bad = with_params(ggom_cdnow, "ggom-nbd", {"r": 0.55, "alpha": 10.6, "b": -0.05, "s": 0.6, "beta": 0.6})
    with pytest.raises(customer_value.InvalidParameterError):
        btyd.p_alive(bad, [1.0], [1.0], [5.0])


@pytest.fixture(scope="module")
def cli_cdnow(tmp_path_factory):
    """The command line's weekly CDNOW summary (s.csv) in a scratch folder."""
    if CLI is None or not DATA.exists():
        pytest.skip("needs the command-line program and the data sets")
    tmp = tmp_path_factory.mktemp("cli_cdnow")
    cli(
        tmp, "summary", "--input", DATA / "cdnow" / "CDNOW_sample.txt", "--delimiter", "whitespace", "--no-header",
        "--columns", "2,3,5", "--observation-end", "1997-09-30", "--unit", "weeks", "-o", "s.csv",
    )
    s = pd.read_csv(tmp / "s.csv", dtype={"customer_id": str}, float_precision="round_trip")
    return tmp, s


@needs_cli
@needs_data
def test_ggom_equals_the_command_line(cli_cdnow, ggom_cdnow):
    """The command line's GGom/NBD fit and predictions on its CDNOW summary:
    the package's fit of the same columns, and its P(alive), CET and DERT
    at the command line's parameters, equal to 1e-12."""
    tmp, s = cli_cdnow
    f, r, T = s["frequency"], s["recency"], s["T"]
    cli(tmp, "fit", "--model", "ggom-nbd", "--summary", "s.csv", "-o", "ggom.json")
    file = json.loads((tmp / "ggom.json").read_text())
    ours = btyd.fit("ggom-nbd", f, r, T)
    for k in ("r", "alpha", "b", "s", "beta"):
        assert rel(ours.params[k], float(file["params"][k])) < 1e-9, k
    assert ours.log_likelihood == pytest.approx(float(file["log_likelihood"]), rel=1e-12)
    assert ours.limits == list(file["status"]["limits"])

    delta = 0.002688
    # The fit (on its Pareto/NBD boundary) and an interior GGom/NBD by hand.
    (tmp / "hand.json").write_text(
        json.dumps({"model": "ggom_nbd", "unit_days": 7, "params": {"r": 0.55, "alpha": 10.6, "b": 0.05, "s": 0.6, "beta": 0.6}})
    )
    for name, report in [
        ("ggom.json", dataclasses.replace(ours, params={k: float(v) for k, v in file["params"].items()})),
        ("hand.json", with_params(ours, "ggom-nbd", {"r": 0.55, "alpha": 10.6, "b": 0.05, "s": 0.6, "beta": 0.6})),
    ]:
        theirs = cli_predictions(
            cli(tmp, "predict", "--params", name, "--summary", "s.csv", "--horizon", "52", "--exact")
        ).loc[s["customer_id"]]
        np.testing.assert_allclose(btyd.p_alive(report, f, r, T), theirs["p_alive"], rtol=1e-12, atol=0)
        np.testing.assert_allclose(btyd.expected_purchases(report, 52.0, f, r, T), theirs["expected_purchases"], rtol=1e-12, atol=0)
    # DERT: the command line's CLV with --dert is DERT times the expected spend.
    cli(tmp, "fit", "--model", "gamma-gamma", "--summary", "s.csv", "-o", "gg.json")
    gg = json.loads((tmp / "gg.json").read_text())["params"]
    money = s["monetary_value"]
    spend_report = btyd.fit_gamma_gamma(f[f > 0], money[f > 0])
    spend_report = dataclasses.replace(spend_report, params={k: float(gg[k]) for k in ("p", "q", "gamma")})
    spend = btyd.expected_spend(spend_report, f, money)
    fitted = dataclasses.replace(ours, params={k: float(v) for k, v in file["params"].items()})
    hand = with_params(ours, "ggom-nbd", {"r": 0.55, "alpha": 10.6, "b": 0.05, "s": 0.6, "beta": 0.6})
    for name, report in [("ggom.json", fitted), ("hand.json", hand)]:
        theirs = cli_predictions(
            cli(tmp, "predict", "--params", name, "--spend-params", "gg.json", "--summary", "s.csv", "--horizon", "52", "--dert", delta, "--exact")
        ).loc[s["customer_id"]]
        clv = btyd.dert(report, delta, f, r, T) * spend
        ok = theirs["clv"].notna().to_numpy()
        assert ok.sum() > 2000
        np.testing.assert_allclose(clv[ok], theirs["clv"].to_numpy()[ok], rtol=1e-12, atol=0)


# --- covariates --------------------------------------------------------------


@pytest.fixture(scope="module")
def apparel():
    """CLVTools' apparel cohort (250 customers, first purchases 2005-01-03),
    its 40-week calibration summary in weeks, and the covariate table in the
    summary's order."""
    log = pd.read_csv(PEERS / "clvtools_apparelTrans_2020.csv")
    log = log[pd.to_datetime(log["Date"]) <= pd.Timestamp("2005-10-10")]
    s = summary.summarize(log, customer="Id", date="Date", amount="Price", observation_end="2005-10-10", unit="week")
    z = pd.read_csv(PEERS / "clvtools_apparelStaticCov_2020.csv").set_index("Id").loc[s.index]
    s["zbar"] = s["zbar"].astype(float)
    return s, z


@needs_data
def test_apparel_pareto_nbd_covariates_match_the_peer_fit(apparel):
    """Gender and Channel in both processes: an independent scipy fit of
    the same likelihood (benches/peers/pnbd_staticcov_apparel.py; the
    crate's test gives its figures) to 2e-4, its log-likelihood
    -2846.167680 to 1e-5, and CLVTools' walkthrough's purchase
    coefficients (trans.Gender 1.42576, trans.Channel 0.40304) to their
    first two digits."""
    s, z = apparel
    assert len(s) == 250
    cols = z[["Gender", "Channel"]]
    fit = covariates.fit("pareto-nbd", s["frequency"], s["t_x"], s["T"], trans=cols, life=cols)
    scipy = {
        "r": 1.41854, "alpha": 35.61109, "s": 0.27290, "beta": 8.58719,
        "life.Gender": 1.52340, "life.Channel": -1.70182, "trans.Gender": 1.42285, "trans.Channel": 0.40234,
    }
    assert list(fit.estimates) == list(scipy)
    for k, v in scipy.items():
        assert abs(fit.estimates[k] - v) <= 2e-4 * max(abs(v), 1.0), k
    assert abs(fit.log_likelihood - -2846.167680) < 1e-5
    assert fit.converged
    assert f"{fit.trans['Gender']:.2f}" == "1.42" and f"{fit.trans['Channel']:.2f}" == "0.40"
    # The report: standard errors, a symmetric covariance, AIC and BIC.
    k, n = len(scipy), 250
    assert fit.customers == n
    assert fit.aic == pytest.approx(2 * k - 2 * fit.log_likelihood, rel=1e-12)
    assert fit.bic == pytest.approx(k * math.log(n) - 2 * fit.log_likelihood, rel=1e-12)
    cov = fit.covariance.to_numpy()
    # The crate's covariate covariance is symmetric to rounding (1e-15), not bit for bit.
    np.testing.assert_allclose(cov, cov.T, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), list(fit.std_errors.values()), rtol=1e-12)
    assert list(fit.summary.columns) == ["coef", "se(coef)"]
    back = covariates.CovariateFitReport.load_json(fit.to_json())
    assert back.raw == fit.raw and back.estimates == fit.estimates and back.trans == fit.trans
    pd.testing.assert_frame_equal(back.covariance, fit.covariance)


@needs_data
def test_apparel_bg_nbd_and_gamma_gamma_covariates_match_the_peer_fits(apparel):
    """BG/NBD with purchase covariates and Gamma-Gamma with spend
    covariates against independent scipy fits
    (benches/peers/bgnbd_staticcov_apparel.py, gg_staticcov_apparel.py)."""
    s, z = apparel
    cols = z[["Gender", "Channel"]]
    bg = covariates.fit("bg-nbd", s["frequency"], s["t_x"], s["T"], trans=cols)
    want = {"r": 0.639708, "alpha": 19.548237, "a": 0.402140, "b": 5.161189, "trans.Gender": 1.381798, "trans.Channel": 0.686715}
    for k, v in want.items():
        assert abs(bg.estimates[k] - v) <= 1e-4 * max(abs(v), 1.0), k
    assert abs(bg.log_likelihood - -2859.425758) < 1e-5
    gg = covariates.fit_spend(s["frequency"], s["zbar"], cols)
    assert gg.customers == 173
    one = covariates.fit_spend(s["frequency"], s["zbar"], z["Gender"])  # a named Series
    assert list(one.trans) == ["Gender"]
    want = {"p": 2.399197, "q": 16.384492, "gamma": 239.709423, "spend.Gender": 0.100926, "spend.Channel": -0.032826}
    for k, v in want.items():
        assert abs(gg.estimates[k] - v) <= 1e-4 * max(abs(v), 1.0), k
    assert abs(gg.log_likelihood - -721.462344) < 1e-5
    # Per customer: gamma_i = gamma * exp(delta . z) and the plain model's
    # conditional expected spend at gamma_i (closed form here).
    out = covariates.expected_spend(gg, s["frequency"], s["zbar"], cols)
    g_i = gg.params["gamma"] * np.exp(cols.to_numpy() @ np.array([gg.trans["Gender"], gg.trans["Channel"]]))
    np.testing.assert_allclose(out["gamma_i"], g_i, rtol=1e-12)
    p, q, x, m = gg.params["p"], gg.params["q"], s["frequency"].to_numpy(), s["zbar"].to_numpy()
    np.testing.assert_allclose(out["expected_spend"], p * (g_i + x * m) / (p * x + q - 1), rtol=1e-12)
    assert (out.index == s.index).all()


@needs_data
def test_covariate_predictions_are_the_plain_model_at_each_customers_parameters(apparel):
    """predict(): alpha_i = alpha exp(-gamma_trans . z), beta_i = beta
    exp(-gamma_life . z) (CLVTools' parametrisation, computed here), and
    P(alive), E[Y(52)] the plain Pareto/NBD's at those parameters."""
    s, z = apparel
    cols = z[["Gender", "Channel"]]
    fit = covariates.fit("pareto-nbd", s["frequency"], s["t_x"], s["T"], trans=cols, life=cols)
    out = covariates.predict(fit, s["frequency"], s["t_x"], s["T"], trans=cols, life=z[["Channel", "Gender"]], t=52)
    zt = cols.to_numpy() @ np.array([fit.trans["Gender"], fit.trans["Channel"]])
    zl = cols.to_numpy() @ np.array([fit.life["Gender"], fit.life["Channel"]])
    np.testing.assert_allclose(out["alpha_i"], fit.params["alpha"] * np.exp(-zt), rtol=1e-12)
    np.testing.assert_allclose(out["beta_i"], fit.params["beta"] * np.exp(-zl), rtol=1e-12)
    template = btyd.fit("pareto-nbd", s["frequency"], s["t_x"], s["T"])
    for i in range(0, 250, 17):
        own = with_params(template, "pareto-nbd", {"r": out["r"].iloc[i], "alpha": out["alpha_i"].iloc[i], "s": out["s"].iloc[i], "beta": out["beta_i"].iloc[i]})
        row = s.iloc[[i]]
        assert btyd.p_alive(own, row["frequency"], row["t_x"], row["T"])[0] == out["p_alive"].iloc[i]
        assert btyd.expected_purchases(own, 52, row["frequency"], row["t_x"], row["T"])[0] == out["expected_purchases"].iloc[i]
    # The same from a numpy matrix in the fit's order, and from polars.
    pl = pytest.importorskip("polars")
    np_out = covariates.predict(fit, s["frequency"].to_numpy(), s["t_x"].to_numpy(), s["T"].to_numpy(), trans=cols.to_numpy(), life=cols.to_numpy(), t=52)
    np.testing.assert_array_equal(np_out.to_numpy(), out.to_numpy())
    pl_out = covariates.predict(fit, s["frequency"], s["t_x"], s["T"], trans=pl.from_pandas(cols), life=pl.from_pandas(cols), t=52)
    np.testing.assert_array_equal(pl_out.to_numpy(), out.to_numpy())
    pa = pytest.importorskip("pyarrow")
    table = pa.Table.from_pandas(cols, preserve_index=False)
    pa_out = covariates.predict(fit, s["frequency"], s["t_x"], s["T"], trans=table, life={"Gender": cols["Gender"], "Channel": cols["Channel"]}, t=52)
    np.testing.assert_array_equal(pa_out.to_numpy(), out.to_numpy())


@needs_data
def test_constraint_and_l2_options(apparel):
    """constrain ties a covariate across the processes (one constr.*
    coefficient, used in both); a heavy L2 penalty pulls the coefficients
    towards 0 and the log-likelihood down."""
    s, z = apparel
    cols = z[["Gender", "Channel"]]
    free = covariates.fit("pareto-nbd", s["frequency"], s["t_x"], s["T"], trans=cols, life=cols)
    tied = covariates.fit("pareto-nbd", s["frequency"], s["t_x"], s["T"], trans=cols, life=cols, constrain=["Gender"])
    assert "constr.Gender" in tied.estimates and "trans.Gender" not in tied.estimates
    assert tied.trans["Gender"] == tied.life["Gender"] == tied.estimates["constr.Gender"]
    assert tied.log_likelihood <= free.log_likelihood + 1e-9
    pen = covariates.fit("pareto-nbd", s["frequency"], s["t_x"], s["T"], trans=cols, life=cols, l2=1.0)
    assert sum(v * v for v in pen.trans.values()) < sum(v * v for v in free.trans.values())
    assert pen.log_likelihood < free.log_likelihood


@needs_cli
@needs_data
def test_covariates_equal_the_command_line(tmp_path, apparel):
    """The command line's Pareto/NBD covariate fit and its per-customer
    predictions (predict --covariates) on the same summary: equal
    estimates (1e-9) and predictions at its parameters (1e-12)."""
    s, z = apparel
    tmp = tmp_path
    sc = pd.DataFrame({"customer_id": s.index, "frequency": s["frequency"], "recency": s["t_x"], "T": s["T"], "unit_days": 7})
    sc.to_csv(tmp / "s.csv", index=False)
    z.reset_index().to_csv(tmp / "z.csv", index=False)
    cli(tmp, "fit", "--model", "pareto-nbd", "--summary", "s.csv", "--covariates", "z.csv",
        "--trans", "Gender,Channel", "--life", "Gender,Channel", "-o", "cov.json")
    file = json.loads((tmp / "cov.json").read_text())
    cols = z[["Gender", "Channel"]]
    ours = covariates.fit("pareto-nbd", s["frequency"], s["t_x"], s["T"], trans=cols, life=cols)
    theirs_est = _file_estimates(file)
    assert set(theirs_est) == set(ours.estimates)
    for k, v in ours.estimates.items():
        assert rel(v, theirs_est[k]) < 1e-9, k
    theirs = cli_predictions(
        cli(tmp, "predict", "--params", "cov.json", "--summary", "s.csv", "--covariates", "z.csv", "--horizon", "52", "--exact")
    )
    theirs = theirs.loc[[str(i) for i in s.index]]
    at = _report_from_file(ours, file)
    out = covariates.predict(at, s["frequency"], s["t_x"], s["T"], trans=cols, life=cols, t=52)
    np.testing.assert_allclose(out["p_alive"], theirs["p_alive"], rtol=1e-12, atol=0)
    np.testing.assert_allclose(out["expected_purchases"], theirs["expected_purchases"], rtol=1e-12, atol=0)


def _file_estimates(file):
    """A command-line covariate fit file's estimates, named as the
    package names them (the model's own, life.*, trans.*)."""
    est = {k: float(v) for k, v in file["params"].items()}
    c = file["covariates"]
    est.update({f"trans.{n}": float(g) for n, g in zip(c["trans_names"], c["gamma_trans"])})
    est.update({f"life.{n}": float(g) for n, g in zip(c["life_names"], c["gamma_life"])})
    return est


def _report_from_file(report, file):
    """The package's report at the command line's estimates."""
    c = file["covariates"]
    return dataclasses.replace(
        report,
        estimates=_file_estimates(file),
        params={k: float(file["params"][k]) for k in report.params},
        trans=dict(zip(c["trans_names"], map(float, c["gamma_trans"]))),
        life=dict(zip(c["life_names"], map(float, c["gamma_life"]))),
    )


@needs_data
def test_bad_covariates_are_typed_errors(apparel):
    s, z = apparel
    f, r, T = s["frequency"], s["t_x"], s["T"]
    cols = z[["Gender", "Channel"]]
    nan = cols.astype(float).copy()
    nan.iloc[3, 1] = np.nan
    with pytest.raises(customer_value.InvalidValueError, match="finite"):
        covariates.fit("pareto-nbd", f, r, T, trans=nan)
    with pytest.raises(customer_value.InvalidValueError, match="rows"):
        covariates.fit("pareto-nbd", f, r, T, trans=cols.iloc[:-1])
    with pytest.raises(customer_value.InvalidValueError, match="type"):
        covariates.fit("pareto-nbd", f, r, T, trans=cols.assign(Gender=cols["Gender"].map({0: "m", 1: "f"})))
    with pytest.raises(customer_value.NotIdentifiedError):
        covariates.fit("pareto-nbd", f, r, T, trans=cols.assign(Gender=1.0))
    with pytest.raises(customer_value.InvalidValueError):
        covariates.fit("pareto-nbd", f, r, T, trans=cols, constrain=["Gender"])  # not in both processes
    with pytest.raises(customer_value.InvalidParameterError):
        covariates.fit("pareto-nbd", f, r, T, trans=cols, l2=-1.0)
    with pytest.raises(customer_value.InvalidValueError):
        covariates.fit("ggom-nbd", f, r, T, trans=cols)
    with pytest.raises(customer_value.InvalidValueError):
        covariates.fit("pareto-nbd", f, r, T, trans=cols.to_numpy(), trans_names=["Gender"])
    fit = covariates.fit("bg-nbd", f, r, T, trans=cols)
    with pytest.raises(customer_value.InvalidValueError, match="Channel"):
        covariates.predict(fit, f, r, T, trans=cols[["Gender"]])
    with pytest.raises(customer_value.InvalidValueError, match="finite"):
        covariates.predict(fit, f, r, T, trans=nan)
    with pytest.raises(customer_value.InvalidValueError):
        covariates.predict(fit, f, r, T, trans=cols.iloc[:-1])
    with pytest.raises(customer_value.InvalidValueError):
        covariates.fit_spend(f, s["zbar"].iloc[:-1], cols)


# --- intervals ---------------------------------------------------------------


@pytest.fixture(scope="module")
def cdnow_fits(cdnow_weekly):
    d = cdnow_weekly
    f, r, T = d["frequency"], d["recency"], d["T"]
    return {
        "bg": btyd.fit("bg-nbd", f, r, T),
        "bg4": btyd.fit("bg-nbd", f, r, T, weights=np.full(len(d), 4.0)),
        "pnbd": btyd.fit("pareto-nbd", f, r, T),
        "pnbd4": btyd.fit("pareto-nbd", f, r, T, weights=np.full(len(d), 4.0)),
    }


def with_transactions():
    """Fader & Hardie's CDNOW summary with the mean repeat spend (weeks)."""
    d = pd.read_csv(DATA / "cdnow" / "cdnow_customers_summary_with_transactions.csv")
    return d.rename(columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"})


@pytest.fixture(scope="module")
def cdnow_spend():
    d = with_transactions()
    repeat = d[d["frequency"] > 0]
    return d, btyd.fit_gamma_gamma(repeat["frequency"], repeat["monetary_value"])


@needs_data
def test_bg_nbd_p_alive_delta_interval_equals_the_closed_form(cdnow_fits, cdnow_weekly):
    """logit P(alive) = -(ln a - ln(b+x-1) + (r+x) ln((alpha+T)/(alpha+t_x)))
    differentiated by hand in the log-parameters, with the fit's
    covariance, z = Phi^-1(0.95) from scipy."""
    from scipy.stats import norm

    d = cdnow_weekly
    fit = cdnow_fits["bg"]
    out = intervals.delta(fit, "p_alive", d["frequency"], d["recency"], d["T"], level=0.9)
    r, al, a, b = (fit.params[k] for k in ("r", "alpha", "a", "b"))
    x, tx, T = (d[c].to_numpy() for c in ("frequency", "recency", "T"))
    L = np.log((al + T) / (al + tx))
    v = np.log(a) - np.log(b + x - 1 + (x == 0)) + (r + x) * L
    grad = np.stack([-r * L, -(r + x) * al * (1 / (al + T) - 1 / (al + tx)), -np.ones_like(x), b / (b + x - 1 + (x == 0))], axis=1)
    phi = np.array([r, al, a, b])
    sigma = fit.covariance.to_numpy() / np.outer(phi, phi)
    se = np.sqrt(np.einsum("ij,jk,ik->i", grad, sigma, grad))
    z = norm.ppf(0.95)
    g = -v
    rep = x > 0
    np.testing.assert_allclose(out["estimate"][rep], 1 / (1 + np.exp(-g[rep])), rtol=1e-12)
    np.testing.assert_allclose(out["lower"][rep], 1 / (1 + np.exp(-(g - z * se)[rep])), rtol=1e-9)
    np.testing.assert_allclose(out["upper"][rep], 1 / (1 + np.exp(-(g + z * se)[rep])), rtol=1e-9)
    # No repeat purchase: P(alive) = 1 whatever the parameters.
    assert (out.loc[~rep, ["estimate", "lower", "upper"]] == 1.0).all().all()


@needs_data
def test_expected_purchases_delta_interval_equals_numerical_differences(cdnow_fits, cdnow_weekly):
    """ln E[Y(52)] differentiated here by central differences (step 1e-4,
    not the crate's 1e-5) through the package's own predictions."""
    from scipy.stats import norm

    d = cdnow_weekly.iloc[::50]
    fit = cdnow_fits["pnbd"]
    f, r, T = d["frequency"], d["recency"], d["T"]
    out = intervals.delta(fit, "expected_purchases", f, r, T, t=52.0, level=0.8)
    names = list(fit.params)
    phi = np.array([fit.params[k] for k in names])
    h = 1e-4
    grad = []
    for k, name in enumerate(names):
        up, dn = dict(fit.params), dict(fit.params)
        up[name] = phi[k] * math.exp(h)
        dn[name] = phi[k] * math.exp(-h)
        e_up = btyd.expected_purchases(with_params(fit, "pareto-nbd", up), 52.0, f, r, T)
        e_dn = btyd.expected_purchases(with_params(fit, "pareto-nbd", dn), 52.0, f, r, T)
        grad.append((np.log(e_up) - np.log(e_dn)) / (2 * h))
    grad = np.stack(grad, axis=1)
    sigma = fit.covariance.to_numpy() / np.outer(phi, phi)
    se = np.sqrt(np.einsum("ij,jk,ik->i", grad, sigma, grad))
    est = btyd.expected_purchases(fit, 52.0, f, r, T)
    z = norm.ppf(0.9)
    # The report crossed to the compiled core as JSON and back exactly.
    np.testing.assert_array_equal(out["estimate"], est)
    np.testing.assert_allclose(out["lower"], est * np.exp(-z * se), rtol=1e-6)
    np.testing.assert_allclose(out["upper"], est * np.exp(z * se), rtol=1e-6)


@needs_data
def test_intervals_bracket_and_shrink_with_more_data(cdnow_fits, cdnow_weekly, cdnow_spend):
    """lower <= estimate <= upper, P(alive) within [0, 1]; the same data
    counted four times (weights 4: the same estimate, a quarter of the
    covariance) halve every interval's width on the transformed scale."""
    d = cdnow_weekly
    f, r, T = d["frequency"], d["recency"], d["T"]
    for model in ("bg", "pnbd"):
        one = intervals.delta(cdnow_fits[model], "p_alive", f, r, T)
        four = intervals.delta(cdnow_fits[f"{model}4"], "p_alive", f, r, T)
        for iv in (one, four):
            assert (iv["lower"] <= iv["estimate"]).all() and (iv["estimate"] <= iv["upper"]).all()
            assert (iv["lower"] >= 0).all() and (iv["upper"] <= 1).all()
        logit = lambda p: np.log(p) - np.log1p(-p)  # noqa: E731
        moving = (one["upper"] < 1) & (one["lower"] > 0) & (one["upper"] > one["lower"])
        assert moving.sum() > 500
        one, four = one[moving], four[moving]
        w1 = logit(one["upper"]) - logit(one["lower"])
        w4 = logit(four["upper"]) - logit(four["lower"])
        np.testing.assert_allclose(w4 / w1, 0.5, rtol=2e-3)
        e1 = intervals.delta(cdnow_fits[model], "expected_purchases", f, r, T, t=39.0)
        e4 = intervals.delta(cdnow_fits[f"{model}4"], "expected_purchases", f, r, T, t=39.0)
        assert ((e1["lower"] <= e1["estimate"]) & (e1["estimate"] <= e1["upper"])).all()
        np.testing.assert_allclose(np.log(e4["upper"] / e4["lower"]) / np.log(e1["upper"] / e1["lower"]), 0.5, rtol=2e-3)
    data, spend = cdnow_spend
    rep = data[data["frequency"] > 0]
    iv = intervals.delta_spend(spend, rep["frequency"], rep["monetary_value"])
    np.testing.assert_array_equal(iv["estimate"], btyd.expected_spend(spend, rep["frequency"], rep["monetary_value"]))
    assert ((iv["lower"] < iv["estimate"]) & (iv["estimate"] < iv["upper"])).all()
    assert (iv.index == rep.index).all()


@needs_data
def test_clv_delta_interval_is_centred_on_lifetimes_clv(cdnow_spend):
    """The CLV interval's estimate is the lifetimes layer's
    customer_lifetime_value (same timing convention), within the bounds;
    the log-width is the root of the two models' variances summed, so it
    is wider than the purchase part alone."""
    from customer_value import lifetimes as cv

    d, spend = cdnow_spend
    d = d.iloc[:400]
    f, r, T, m = d["frequency"], d["recency"], d["T"], d["monetary_value"]
    full = with_transactions()
    bg = btyd.fit("bg-nbd", full["frequency"], full["recency"], full["T"])
    iv = intervals.delta_clv(bg, spend, f, r, T, m, time=12, discount_rate=0.01, period_length=4.345)
    bgf = cv.BetaGeoFitter()
    bgf.fit(full["frequency"], full["recency"], full["T"])
    ggf = cv.GammaGammaFitter()
    rep = full[full["frequency"] > 0]
    ggf.fit(rep["frequency"], rep["monetary_value"])
    bgf.params_ = pd.Series(bg.params)
    ggf.params_ = pd.Series({"p": spend.params["p"], "q": spend.params["q"], "v": spend.params["gamma"]})
    want = ggf.customer_lifetime_value(bgf, f, r, T, m, time=12, discount_rate=0.01, freq="W")
    np.testing.assert_allclose(iv["estimate"], np.asarray(want), rtol=1e-9)
    assert ((iv["lower"] <= iv["estimate"]) & (iv["estimate"] <= iv["upper"])).all()
    assert (iv["upper"] > iv["lower"]).all()


@needs_data
def test_bootstrap_is_seeded_and_brackets(cdnow_fits, cdnow_weekly, cdnow_spend):
    """The same seed gives the same intervals on 1 and 2 threads; another
    seed different ones; bounds bracket the estimate; about as wide as the
    delta method's (both describe the same parameter uncertainty)."""
    d = cdnow_weekly
    f, r, T = d["frequency"], d["recency"], d["T"]
    fit = cdnow_fits["bg"]
    a = intervals.bootstrap(fit, "p_alive", f, r, T, replicates=40, seed=7, threads=1)
    b = intervals.bootstrap(fit, "p_alive", f, r, T, replicates=40, seed=7, threads=2)
    c = intervals.bootstrap(fit, "p_alive", f, r, T, replicates=40, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    assert a.attrs["failed"] == 0
    assert ((a["lower"] <= a["estimate"]) & (a["estimate"] <= a["upper"])).all()
    delta = intervals.delta(fit, "p_alive", f, r, T)
    moving = (delta["upper"] - delta["lower"]) > 1e-3
    ratio = ((a["upper"] - a["lower"]) / (delta["upper"] - delta["lower"]))[moving]
    assert 0.5 < ratio.median() < 2.0
    e = intervals.bootstrap(fit, "expected_purchases", f, r, T, t=52.0, replicates=20, seed=1)
    assert ((e["lower"] <= e["estimate"]) & (e["estimate"] <= e["upper"])).all()
    data, spend = cdnow_spend
    rep = data[data["frequency"] > 0]
    s = intervals.bootstrap_spend(spend, rep["frequency"], rep["monetary_value"], replicates=20, seed=3)
    assert ((s["lower"] <= s["estimate"]) & (s["estimate"] <= s["upper"])).all()
    full = data
    bg = btyd.fit("bg-nbd", full["frequency"], full["recency"], full["T"])
    clv = intervals.bootstrap_clv(bg, spend, full["frequency"], full["recency"], full["T"], full["monetary_value"], replicates=20, seed=3)
    dclv = intervals.delta_clv(bg, spend, full["frequency"], full["recency"], full["T"], full["monetary_value"])
    np.testing.assert_allclose(clv["estimate"], dclv["estimate"], rtol=1e-12)
    assert ((clv["lower"] <= clv["estimate"]) & (clv["estimate"] <= clv["upper"])).all()


@needs_data
def test_bad_interval_inputs_are_typed_errors(cdnow_fits, cdnow_weekly, ggom_cdnow):
    d = cdnow_weekly
    f, r, T = d["frequency"], d["recency"], d["T"]
    fit = cdnow_fits["pnbd"]
    with pytest.raises(customer_value.InvalidParameterError):
        intervals.delta(fit, "p_alive", f, r, T, level=1.5)
    with pytest.raises(customer_value.InvalidParameterError):
        intervals.delta(fit, "expected_purchases", f, r, T, t=-1.0)
    with pytest.raises(customer_value.InvalidValueError):
        intervals.delta(fit, "expected_purchases", f, r, T)  # no horizon
    with pytest.raises(customer_value.InvalidValueError):
        intervals.delta(fit, "p_alive", f, r.iloc[:-1], T)
    with pytest.raises(customer_value.InvalidValueError):
        intervals.delta(fit, "p_alive", f, r.where(r.index != 5, np.nan), T)
    with pytest.raises(customer_value.InvalidParameterError):
        intervals.bootstrap(fit, "p_alive", f, r, T, replicates=1)
    with pytest.raises(customer_value.InvalidValueError):
        intervals.delta(fit, "p_alive", pd.Series(["x"] * len(f)), r, T)  # wrong dtype
    with pytest.raises(ValueError):
        intervals.delta(fit, "clv", f, r, T)
    # A fit without a covariance (here: the report's taken away).
    bare = dataclasses.replace(fit, raw={**fit.raw, "covariance": None})
    with pytest.raises(customer_value.NoCovarianceError):
        intervals.delta(bare, "p_alive", f, r, T)
    # GGom/NBD has no intervals in the crate.
    with pytest.raises(ValueError):
        intervals.delta(ggom_cdnow, "p_alive", f, r, T)


# --- the summary's fast path ---------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fast_summary_equals_the_decimal_path(seed):
    """The float fast path of the lifetimes summary gives the decimal
    path's figures bit for bit: dense and sparse customer codes, amounts
    in cents and with 0 to 4 decimals, zero amounts, no amounts, several transactions a day, days
    after the observation end, single-purchase customers."""
    rng = np.random.default_rng(seed)
    n = 20_000
    for codes in (rng.integers(0, 3_000, n), rng.integers(0, 2**40, n) // 997 * 997, np.zeros(n, dtype=np.int64)):
        days = rng.integers(9_000, 9_400, n)
        decimals = rng.integers(0, 5, n)
        amounts = np.round(rng.gamma(2.0, 30.0, n), 4)
        amounts = np.array([round(a, int(k)) for a, k in zip(amounts, decimals)])
        amounts[rng.random(n) < 0.05] = 0.0
        cents = np.round(amounts, 2)  # every amount in cents: read as cents while bucketing
        for kw in ({"amounts": amounts}, {"amounts": cents}, {}):
            fast = _native.summarize(codes.astype(np.int64), days.astype(np.int64), 9_350, **kw)
            slow = _native.summarize(codes.astype(np.int64), days.astype(np.int64), 9_350, decimal=True, **kw)
            assert fast.keys() == slow.keys()
            for k in fast:
                np.testing.assert_array_equal(fast[k], slow[k], err_msg=k)
    # What the fast path does not take goes to the decimal path, errors included.
    with pytest.raises(customer_value.InvalidTransactionError):
        _native.summarize(np.array([1, 1]), np.array([9_000, 9_001]), 9_350, amounts=np.array([5.0, -1.0]))
    with pytest.raises(customer_value.InvalidValueError):
        _native.summarize(np.array([1, 1]), np.array([9_000, 9_001]), 9_350, amounts=np.array([5.0, np.nan]))
    with pytest.raises(customer_value.InvalidValueError):
        _native.summarize(np.array([-1, 1]), np.array([9_000, 9_001]), 9_350, amounts=np.array([5.0, 1.0]))
    with pytest.raises(customer_value.InvalidDateError):
        _native.summarize(np.array([1, 1]), np.array([9_000, 10**7]), 9_350, amounts=np.array([5.0, 1.0]))
    many = np.array([0.123456789012, 3.5])  # 12 decimals: the decimal path, exactly
    a = _native.summarize(np.array([1, 1]), np.array([9_000, 9_001]), 9_350, amounts=many)
    b = _native.summarize(np.array([1, 1]), np.array([9_000, 9_001]), 9_350, amounts=many, decimal=True)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def test_date_flooring_equals_numpy_casts():
    """The lifetimes layer floors datetime64 ticks by one integer division;
    numpy's casts to days and hours (which floor, before 1970 too) agree."""
    from customer_value.lifetimes.utils import _floor_stamps

    rng = np.random.default_rng(0)
    for unit in ("ns", "us", "ms", "s"):
        stamps = rng.integers(-3 * 10**9, 3 * 10**9, 100_000).astype("datetime64[s]").astype(f"datetime64[{unit}]")
        if unit != "s":
            stamps = stamps + rng.integers(0, 1000, 100_000).astype(f"timedelta64[{unit}]")
        np.testing.assert_array_equal(_floor_stamps(stamps, 86_400), stamps.astype("datetime64[D]").astype(np.int64))
        np.testing.assert_array_equal(_floor_stamps(stamps, 3_600), stamps.astype("datetime64[h]").astype(np.int64))
        np.testing.assert_array_equal(
            _floor_stamps(stamps, 7 * 86_400), np.floor_divide(stamps.astype("datetime64[s]").astype(np.int64), 7 * 86_400)
        )
