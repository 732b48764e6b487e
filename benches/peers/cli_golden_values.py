"""Independent values for the command line's golden files (cli/tests/golden).

Run: python3 benches/peers/cli_golden_values.py   (needs mpmath). Prints the expected rows of
predict.csv, computed at 30 digits from the published closed forms:
BG/NBD P(alive) and conditional expectation (Fader, Hardie & Lee 2005,
eq. 10 and 13), Gamma-Gamma conditional mean spend (Fader, Hardie & Lee
2005b, eq. 5), and the lifetimes-style CLV sum with each period's purchases
discounted at the period's end. The five customers are those of cli/tests/golden/log.csv,
summarised by hand in summary.csv.
"""
from mpmath import mp, mpf, hyp2f1

mp.dps = 30
r, alpha, a, b = mpf(1), mpf(2), mpf(2), mpf(3)
p, q, gamma = mpf(6), mpf(4), mpf(15)
customers = [  # label, x, t_x, T, zbar (exact)
    ("alice", 2, 19, 30, mpf("17.505")),
    ("bob", 0, 0, 28, mpf(0)),
    ("carol", 0, 0, 16, mpf(0)),
    ("dave", 0, 0, 0, mpf(0)),
    ('e,"x"', 1, 15, 21, mpf(8)),
]


def p_alive(x, tx, T):
    if x == 0:
        return mpf(1)
    return 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x))


def expected(t, x, tx, T):
    if t == 0:
        return mpf(0)
    z = t / (alpha + T + t)
    num = (a + b + x - 1) / (a - 1) * (
        1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
    )
    den = 1 + (a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x) if x > 0 else 0)
    return num / den


def spend(x, zbar):
    return p * (gamma + x * zbar) / (p * x + q - 1)


horizon, periods, length, discount = 10, 2, 5, mpf("0.1")
for label, x, tx, T, zbar in customers:
    if T == 0:
        print(label, "blank")
        continue
    m = spend(x, zbar)
    clv = sum(
        m * (expected(k * length, x, tx, T) - expected((k - 1) * length, x, tx, T)) / (1 + discount) ** k
        for k in range(1, periods + 1)
    )
    print(label, mp.nstr(p_alive(x, tx, T), 12), mp.nstr(expected(horizon, x, tx, T), 12),
          mp.nstr(m, 12), mp.nstr(clv, 12))
