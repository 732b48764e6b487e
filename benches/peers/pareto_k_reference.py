"""Reference values of ln K_{p,q}(y) = ln ∫_y^∞ (α+τ)^{-p} (β+τ)^{-q} dτ at 40 digits,
for the Pareto/NBD likelihood's K terms where the 2F1 series would need millions of
terms: K = (α+y)^{-p} (β+y)^{1-q} 2F1(1, p; p+q; z) / (p+q-1), z = (α-β)/(α+y), for
α ≥ β (symmetric otherwise), with mpmath's hyp2f1 (which transforms z near 1).
Prints Rust tuples (p, q, alpha, beta, y, ln_k) for src/btyd/pareto_nbd.rs."""
from mpmath import mp, mpf, log, hyp2f1, nstr

mp.dps = 40
CASES = [
    (2e6, 1.5, 1e6, 3.0, 0.0),
    (2e6 + 3, 1.5, 1e6, 3.0, 4.0),
    (2e9 + 40, 1.5, 1e9, 3.0, 9.5),
    (2.5, 1.0 + 1e-9, 1e10, 0.5, 1.0),
    (1.2, 4.0, 1e-3, 1e8, 0.0),
    (0.3, 2.0, 0.05, 1e12, 0.25),
]


def ln_k(p, q, a, b, y):
    p, q, a, b, y = map(mpf, (p, q, a, b, y))
    if a >= b:
        z = (a - b) / (a + y)
        return -p * log(a + y) + (1 - q) * log(b + y) + log(hyp2f1(1, p, p + q, z)) - log(p + q - 1)
    z = (b - a) / (b + y)
    return -q * log(b + y) + (1 - p) * log(a + y) + log(hyp2f1(1, q, p + q, z)) - log(p + q - 1)


for c in CASES:
    print(f"    ({c[0]!r}, {c[1]!r}, {c[2]!r}, {c[3]!r}, {c[4]!r}, {nstr(ln_k(*c), 20)}),")


def pareto_ll(r, alpha, s, beta, x, t_x, big_t):
    """The Pareto/NBD log-likelihood of one history (x, t_x, T)."""
    r, alpha, s, beta = map(mpf, (r, alpha, s, beta))
    p, q = r + x, s + 1
    d1 = (alpha + big_t) ** (-p) * (beta + big_t) ** (-s)
    d2 = s * (mp.e ** ln_k(p, q, alpha, beta, t_x) - mp.e ** ln_k(p, q, alpha, beta, big_t))
    return mp.loggamma(p) - mp.loggamma(r) + r * log(alpha) + s * log(beta) + log(d1 + d2)


print("    // Pareto/NBD log-likelihood (r, alpha, s, beta, x, t_x, T, ll):")
for c in [(0.3, 1e-3, 0.2, 1e3, 0, 0.0, 100.0), (0.3, 1e-3, 0.2, 1e3, 4, 30.0, 100.0)]:
    print(f"    {c + (nstr(pareto_ll(*c), 20),)},")


# K~ = ∫_y^∞ (1+τ/α)^{-p} (1+τ/β)^{-q} dτ (ln, 40-digit quad) in the common-dropout
# regime q = s + 1 ≥ 1e12 with β huge, for `k_in_the_common_dropout_regime_matches_its_definition`;
# the 1/q-accurate closed form (1+y/α)^{-p} (1+y/β)^{-q} F(p, ζ)/μ, μ = q/(β+y),
# ζ = μ(α+y), F = ζ^p e^ζ Γ(1-p, ζ), is printed beside it as a cross-check.
from mpmath import quad, log1p, exp, inf, gammainc

COMMON_DROPOUT = [
    (0.0124, 1.0686e13 + 1, 0.165, 2.966e12, 0.95),
    (0.3, 2e12, 0.01, 1e14, 0.2),
    (5.5, 1.5e12, 2.0, 3e12, 4.0),
    (1.0 + 1e-9, 4e12, 1e-3, 1e12, 0.0),
]
for p, q, a, b, y in COMMON_DROPOUT:
    p, q, a, b, y = map(mpf, (p, q, a, b, y))
    sc = b / q
    pts = [y + sc * k for k in (0, mpf("1e-6"), mpf("1e-3"), mpf("0.1"), 1, 10, 100)]
    if a < sc:
        pts = sorted(set(pts + [y + a * mpf(10) ** k for k in range(-3, 8) if a * mpf(10) ** k < 100 * sc]))
    v = quad(lambda t: exp(-p * log1p(t / a) - q * log1p(t / b)), pts + [inf])
    mu = q / (b + y)
    zeta = mu * (a + y)
    closed = -p * log1p(y / a) - q * log1p(y / b) + log(zeta ** p * exp(zeta) * gammainc(1 - p, zeta) / mu)
    print(f"    ({float(p)!r}, {float(q)!r}, {float(a)!r}, {float(b)!r}, {float(y)!r}, {nstr(log(v), 22)}),  # closed form {nstr(closed, 16)}")


# ln K (40-digit mpmath hyp2f1, as above) and the gradient of ln K~ = ln K + p ln α + q ln β
# in (p, q, α, β) (mpmath `diff` of the same 40-digit value) where z = |α−β|/(max+y) ≥ 0.75,
# the region of the 1 − z transformation (`k_transformed`): the scaled 103k-days fit
# (r ≈ 0.48, α ≈ 0.004, s ≈ 0.5-2, β ≈ 0.05-1, y = t/max T ∈ [0, 1], x up to a few
# hundred) and CDNOW-like and mirrored (α > β) points, p near 1 and 2 among them (where the
# transformation cancels and another form answers).
# Rows (p, q, alpha, beta, y, ln_k, d_p, d_q, d_alpha, d_beta) for
# `TRANSFORM_REFERENCE` in src/btyd/pareto_nbd.rs.
import random
from mpmath import diff

rng = random.Random(10)


def ln_k_tilde(p, q, a, b, y):
    return ln_k(p, q, a, b, y) + p * log(a) + q * log(b)


def log_uniform(lo, hi):
    return float(nstr(mpf(lo) * (mpf(hi) / lo) ** rng.random(), 6))


TRANSFORM = []
while len(TRANSFORM) < 36:
    r = log_uniform(0.05, 3.0)
    x = rng.choice([0, 0, 1, 2, 3, 7, 20, 150])
    s = log_uniform(0.05, 5.0)
    a = log_uniform(1e-4, 0.05)
    b = log_uniform(0.05, 3.0)
    y = rng.choice([0.0, log_uniform(1e-3, 0.05), log_uniform(0.05, 1.0)])
    if len(TRANSFORM) % 4 == 3:
        # mirrored: α the larger rate (p = r + x on the larger one)
        a, b = b, a
    big, small = max(a, b), min(a, b)
    if (big - small) / (big + y) < 0.75:
        continue
    TRANSFORM.append((float(nstr(r + x, 6)), float(nstr(s + 1, 6)), a, b, y))
TRANSFORM += [
    (1.004, 1.7, 0.004, 0.3, 0.01),
    (0.985, 1.2, 0.002, 0.5, 0.0),
    (2.02, 1.5, 0.003, 0.2, 0.05),
    (1.97, 3.0, 0.01, 1.0, 0.0),
    (0.4, 1.01, 0.8, 0.001, 0.0),
    (1.3, 1.0003, 2.0, 0.004, 0.02),
]
print("    // (p, q, alpha, beta, y, ln K, d ln K~ / d(p, q, alpha, beta)):")
for p, q, a, b, y in TRANSFORM:
    v = ln_k(p, q, a, b, y)
    g = [
        diff(lambda u: ln_k_tilde(u, q, a, b, y), p),
        diff(lambda u: ln_k_tilde(p, u, a, b, y), q),
        diff(lambda u: ln_k_tilde(p, q, u, b, y), a),
        diff(lambda u: ln_k_tilde(p, q, a, u, y), b),
    ]
    print(f"    ({p!r}, {q!r}, {a!r}, {b!r}, {y!r}, " + ", ".join(nstr(u, 20) for u in [v] + g) + "),")

# ln F(q, ζ) = ln ∫_0^∞ e^{-v} (1 + v/ζ)^{-q} dv = ln(ζ^q e^ζ Γ(1-q, ζ)), the Poisson
# limit's factor of K~ (k_poisson), for the value-alone continued fraction
# (ln_f_fraction_value): the ζ of about 0.5 to 3 that a fit's face probes at
# r, α -> ∞ meet, and beyond.
F_CASES = [
    (1.6, 0.6),
    (1.6, 2.5),
    (1.0000001, 0.3),
    (3.0, 1.0),
    (24.0, 0.6),
    (2.5, 20.0),
    (1.3, 1e3),
    (88.0, 4.0),
]
print("    // (q, zeta, ln F):")
for q, z in F_CASES:
    q, z = mpf(q), mpf(z)
    v = log(z**q * mp.e**z * mp.gammainc(1 - q, z))
    print(f"    ({float(q)!r}, {float(z)!r}, {nstr(v, 22)}),")
