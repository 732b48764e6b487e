"""Reference values of one history's Pareto/NBD log-likelihood, its gradient and
its Hessian at 40 digits, on a grid of awkward points, for
`tests/data/pareto_nbd_rows.csv` (read by `src/btyd/pareto_nbd.rs`, test module
`row_reference`). Not run in CI; rerun with

    python benches/peers/pareto_row_reference.py > tests/data/pareto_nbd_rows.csv

(mpmath only). The likelihood is FH note 009 eq. (18) written with one integral
over the death time, evaluated directly by quadrature (no 2F1, no difference of
two K terms):

    L = Γ(r+x)/Γ(r) · α^r β^s · [ (α+T)^-(r+x) (β+T)^-s + s·J ]
    J = ∫_{t_x}^{T} (α+τ)^-(r+x) (β+τ)^-(s+1) dτ

The gradient is that of ln L in (r, α, s, β), each part differentiated under the
integral sign; the Hessian in (r, α, s, β) is the central difference of that
analytic gradient with steps 1e-12 relative (error about 1e-24, 28 digits left at 40).
Columns: r, alpha, s, beta, x, t_x, T, the log-likelihood, its gradient in
(ln r, ln α, ln s, ln β), and the upper triangle of the Hessian in the natural
parameters (r, α, s, β), row by row."""
from mpmath import mp, mpf, log, loggamma, digamma, quad, exp, nstr

mp.dps = 40


def integrals(r, alpha, s, beta, x, t_x, big_t):
    """J and ∫ f·g for g = −ln(α+τ), −p/(α+τ), −ln(β+τ), −q/(β+τ)."""
    p, q = r + x, s + 1
    if t_x == big_t:
        return [mpf(0)] * 5
    c = min(alpha, beta)
    # In v = ln(c + τ): smooth, with break points every unit of the integrand's
    # logarithm.
    v0, v1 = log(c + t_x), log(c + big_t)
    slope = 1 + p + q
    n = int(min(400, max(1, (v1 - v0) * slope)))
    pts = [v0 + (v1 - v0) * k / n for k in range(n + 1)]

    def make(kind):
        def f(v):
            tau = exp(v) - c
            a, b = alpha + tau, beta + tau
            base = exp(-p * log(a) - q * log(b) + v)
            if kind == 0:
                return base
            if kind == 1:
                return -log(a) * base
            if kind == 2:
                return -p / a * base
            if kind == 3:
                return -log(b) * base
            return -q / b * base

        return f

    return [quad(make(k), pts, method="gauss-legendre") for k in range(5)]


def ll_and_grad(r, alpha, s, beta, x, t_x, big_t):
    """ln L and its gradient in (r, α, s, β)."""
    p = r + x
    e1 = exp(-p * log(alpha + big_t) - s * log(beta + big_t))
    j, ja, jal, jb, jbe = integrals(r, alpha, s, beta, x, t_x, big_t)
    inner = e1 + s * j
    ll = loggamma(p) - loggamma(r) + r * log(alpha) + s * log(beta) + log(inner)
    g = [
        digamma(p) - digamma(r) + log(alpha) + (-log(alpha + big_t) * e1 + s * ja) / inner,
        r / alpha + (-p / (alpha + big_t) * e1 + s * jal) / inner,
        log(beta) + (-log(beta + big_t) * e1 + j + s * jb) / inner,
        s / beta + (-s / (beta + big_t) * e1 + s * jbe) / inner,
    ]
    return ll, g


def hessian(par, x, t_x, big_t):
    h = [[None] * 4 for _ in range(4)]
    for j in range(4):
        step = par[j] * mpf(10) ** -12
        up = list(par)
        dn = list(par)
        up[j] += step
        dn[j] -= step
        gu = ll_and_grad(*up, x, t_x, big_t)[1]
        gd = ll_and_grad(*dn, x, t_x, big_t)[1]
        for i in range(4):
            h[i][j] = (gu[i] - gd[i]) / (2 * step)
    return h


# (r, alpha, s, beta, x, t_x, T): r + s tiny with the K forms switching between
# t_x and T (the proptest case, natural scale), alpha ~ beta, z = (max − min)/(max + y)
# on both sides of 0.9 and 0.95 at t_x and at T, heavy buyers, t_x = T, t_x = 0,
# huge beta, and CDNOW's estimates.
CDNOW = (0.55327, 10.5776, 0.606213, 11.6679)
FACE = (9.5e-13, 1.0, 9.357622968840175e-14, 0.0054)
CASES = [
    FACE + (0, 0.0, 0.05),
    FACE + (0, 0.0, 0.2),
    FACE + (0, 0.0, 1.0),
    FACE + (1, 0.1, 1.0),
    FACE + (2, 0.3, 0.9),
    (1e-12, 1.0, 1e-10, 0.01, 0, 0.0, 0.5),
    (1e-6, 2.0, 1e-7, 0.02, 0, 0.0, 3.0),
    (1e-4, 1e-4, 1e-4, 1.0, 0, 0.0, 10.0),
    (1e-4, 1.0, 1e-4, 1e-4, 1, 0.5, 10.0),
    (0.5, 10.0, 0.6, 10.000001, 0, 0.0, 39.0),
    (0.5, 10.0, 0.6, 10.000001, 3, 20.0, 39.0),
    (0.5, 10.0, 0.6, 10.0 + 1e-12, 7, 1.0, 2.0),
    # z = 0.9 and 0.95 at y = 0 (beta = alpha / (1 - z)), either side.
    (0.7, 1.0, 0.8, 1.0 / (1 - 0.899), 0, 0.0, 0.002),
    (0.7, 1.0, 0.8, 1.0 / (1 - 0.901), 0, 0.0, 0.002),
    (0.7, 1.0, 0.8, 1.0 / (1 - 0.949), 2, 0.004, 0.01),
    (0.7, 1.0, 0.8, 1.0 / (1 - 0.951), 2, 0.004, 0.01),
    (0.7, 1.0 / (1 - 0.951), 0.8, 1.0, 1, 0.05, 0.2),
    (1e-9, 1.0, 1e-9, 1.0 / (1 - 0.905), 0, 0.0, 0.3),
    (1e-9, 1.0 / (1 - 0.955), 1e-9, 1.0, 0, 0.0, 0.3),
    (0.3, 1.0, 0.2, 1e6, 0, 0.0, 50.0),
    (0.3, 1e-3, 0.2, 1e3, 4, 30.0, 100.0),
    (0.3, 1e-3, 0.2, 1e3, 0, 0.0, 100.0),
    (0.8, 5.0, 1.5, 1e8, 3, 10.0, 40.0),
    (0.8, 5.0, 1.5, 1e8, 0, 0.0, 1e4),
    # Heavy buyers, last purchase near or at T.
    (0.55, 10.6, 0.61, 11.7, 500, 38.9, 39.0),
    (0.55, 10.6, 0.61, 11.7, 500, 30.0, 39.0),
    (2.0, 0.5, 0.01, 0.001, 500, 51.99, 52.0),
    (0.55, 10.6, 0.61, 11.7, 500, 39.0, 39.0),
    (0.55, 10.6, 0.61, 11.7, 0, 0.0, 0.0001),
    CDNOW + (0, 0.0, 38.86),
    CDNOW + (1, 30.43, 38.86),
    CDNOW + (2, 38.71, 38.86),
    CDNOW + (29, 37.0, 38.86),
]

cols = ["r", "alpha", "s", "beta", "x", "t_x", "T", "ll", "g_ln_r", "g_ln_alpha", "g_ln_s", "g_ln_beta"]
cols += [f"h{i}{j}" for i in range(4) for j in range(i, 4)]
print(",".join(cols))
for case in CASES:
    r, alpha, s, beta, x, t_x, big_t = case
    par = [mpf(v) for v in (r, alpha, s, beta)]
    ll, g = ll_and_grad(*par, x, mpf(t_x), mpf(big_t))
    h = hessian(par, x, mpf(t_x), mpf(big_t))
    vals = [nstr(ll, 22)] + [nstr(g[i] * par[i], 22) for i in range(4)]
    vals += [nstr(h[i][j], 22) for i in range(4) for j in range(i, 4)]
    print(",".join([repr(v) for v in case] + vals))
