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
