"""Independent Gamma-Gamma fit with a static spend covariate on CLVTools'
2020 apparel cohort (40-week estimation split), with scipy and the
summary of Python lifetimes 0.11.3 (summary_data_from_transaction_data,
daily periods, times in weeks, monetary_value = mean of the repeat
days' spend). The parametrisation is this crate's (CLVTools has no
Gamma-Gamma covariates):

    z_ij | nu_i ~ Gamma(p, rate nu_i),  nu_i ~ Gamma(q, rate gamma_i),
    gamma_i = gamma*exp(delta.z_i)      (E[spend | z] = p gamma_i/(q-1))

with the likelihood of the mean spend zbar of x repeat purchases
(Fader, Hardie & Lee 2005, "RFM and CLV", eq. 3 with the Jacobian of the
mean, as lifetimes writes it).

Run: python3 benches/peers/gg_staticcov_apparel.py
"""
import numpy as np
import pandas as pd
from lifetimes.utils import summary_data_from_transaction_data
from scipy.optimize import minimize
from scipy.special import gammaln

D = "/work/shared/data/peers/"
tr = pd.read_csv(D + "clvtools_apparelTrans_2020.csv", parse_dates=["Date"])
cov = pd.read_csv(D + "clvtools_apparelStaticCov_2020.csv").set_index("Id")
split = tr.Date.min() + pd.Timedelta(weeks=40)
cal = tr[tr.Date <= split]
s = summary_data_from_transaction_data(
    cal, "Id", "Date", monetary_value_col="Price",
    observation_period_end=split, freq="D", freq_multiplier=7,
).join(cov)
s = s[s.frequency > 0]
x, m = s.frequency.values.astype(float), s.monetary_value.values
Z = s[["Gender", "Channel"]].values.astype(float)


def ll(th, cols):
    p, q, gam = np.exp(th[:3])
    gi = gam * np.exp(Z[:, cols] @ th[3:])
    px = p * x
    return np.sum(gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(gi)
                  + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(gi + x * m))


for label, cols in [("Gender, Channel", [0, 1]), ("none", [])]:
    th0 = np.r_[np.log([1.0, 1.0, 1.0]), np.zeros(len(cols))]
    best = None
    for method in ["Nelder-Mead", "BFGS"]:
        x0 = th0 if best is None else best.x
        opts = {"maxiter": 40000, "maxfev": 80000, "xatol": 1e-10, "fatol": 1e-12} if method == "Nelder-Mead" else {"gtol": 1e-9}
        res = minimize(lambda t: -ll(t, cols), x0, method=method, options=opts)
        if best is None or res.fun < best.fun:
            best = res
    est = np.r_[np.exp(best.x[:3]), best.x[3:]]
    print("covariates:", label, "repeat buyers", len(s), "LL %.6f" % -best.fun)
    for k, v in zip(["p", "q", "gamma"] + ["spend." + c for c in ["Gender", "Channel"][:len(cols)]], est):
        print("  %-14s %.6f" % (k, v))
