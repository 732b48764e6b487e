//! Specification: the probabilistic models of [`btyd`](crate::btyd), their
//! likelihoods, predictions, numerics and fitting, with their sources and
//! conventions.
//!
//! This page is documentation only. It states every formula the module's
//! items implement or refer to, the form in which it is evaluated (several
//! published forms overflow or cancel in `f64`), and where it comes from;
//! the items' own docs link to the sections here.
//!
//! How sure each statement is:
//!
//! - \[V\] checked against a retrieved source: the paper or note, or the
//!   source code of Python lifetimes 0.11.3 (with a float64 prototype of
//!   the formulas compared against its output);
//! - \[D\] derived from a verified formula (algebra, series summation, a
//!   change of variable) and checked numerically, usually against a
//!   40-digit mpmath evaluation of the model's definition (a direct
//!   integral over the latent variables, a brute-force sum, or mpmath's
//!   own special functions);
//! - \[R\] recalled from the cited literature, unconfirmed;
//! - \[L\] this crate's own convention.
//!
//! Notation: `B` is the beta function, `lnΓ` the log-gamma function, `ψ`
//! the digamma function, `₂F₁` Gauss's hypergeometric function.
//!
//! # Inputs
//!
//! ## Customer histories
//!
//! - The continuous-time models (BG/NBD, MBG/NBD, Pareto/NBD) read
//!   `(x, t_x, T)` per customer: `x` repeat purchases (purchases after the
//!   first), `t_x` the time of the last purchase and `T` the end of the
//!   observation, both measured from the first purchase. Any time unit
//!   works; the rate parameters `α` and `β` carry it, so they are reported
//!   in the data's unit.
//! - BG/BB (discrete time) reads `(x, t_x, n)`: `n` transaction
//!   opportunities after the first, `x` of them taken, the last at
//!   opportunity `t_x` (0 when `x = 0`).
//! - Gamma-Gamma reads `(x, z̄)`: `z̄` is the mean value of the `x` repeat
//!   transactions.
//!
//! ## Validation
//!
//! | Check | Continuous time | BG/BB | Gamma-Gamma |
//! |---|---|---|---|
//! | accepted | `x` a whole number `≥ 0`; `0 ≤ t_x ≤ T`; `T > 0`; all finite | whole numbers with `0 ≤ x ≤ t_x ≤ n`, `n ≥ 1` | `x ≥ 1`, `z̄ > 0` |
//! | `x = 0` | needs `t_x = 0` | needs `t_x = 0` | the customer is left out of the fit |
//! | `x > 0`, `t_x = 0` | an error naming the customer: every repeat purchase would fall at the instant of the first \[L\] (the likelihood is finite there, and lifetimes accepts such rows silently) | an error (needs `t_x ≥ x`) | — |
//! | `t_x = T` | valid | valid | — |
//!
//! Row weights are finite and non-negative; a fit needs a total weight
//! above 0.
//!
//! ## Shared numerics
//!
//! Every likelihood is computed in logs; none is ever formed outside them
//! (`(α+T)^−(r+x)` underflows and `Γ(r+x)` overflows already at
//! `x ≈ 200`). The helpers, all `f64`:
//!
//! ```text
//! lse(u, v)    = max(u, v) + log1p(exp(−|u − v|))          (−∞ allowed)
//! log1mexp(d)  = ln(1 − e^d), d ≤ 0:  ln(−expm1 d) if d > −ln 2, else log1p(−e^d)
//! h(u, L)      = expm1(u·L)/u,  and h(0, L) = L
//! expit(v)     = 1/(1 + e^(−v)), evaluated so that it cannot overflow
//! ```
//!
//! Differences of `lnΓ` and of `ψ` whose arguments grow with `x` are
//! computed without cancellation \[D\]: for `z ≥ 10` by the Stirling
//! forms, for `z < 10` as a plain difference:
//!
//! ```text
//! Δlnγ(z, q) = lnΓ(z+q) − lnΓ(z)
//!            = (z − ½)·log1p(q/z) + q·ln(z+q) − q + S(z+q) − S(z)
//!   S(u)     = Σ_{k=1..8} B_2k / (2k(2k−1)·u^(2k−1)),
//!   B_2 … B_16 = 1/6, −1/30, 1/42, −1/30, 5/66, −691/2730, 7/6, −3617/510
//! Δψ(z, q)   = ψ(z+q) − ψ(z)
//!            = log1p(q/z) − 1/(2(z+q)) + 1/(2z) − Σ_k B_2k/(2k)·((z+q)^(−2k) − z^(−2k))
//! ```
//!
//! At `x = 10⁶` this keeps the Gamma-Gamma log-likelihood to 6e-14 where
//! the plain difference is off by 4e-8. For small whole `x`,
//! `Δψ(u, x) = Σ_{k<x} 1/(u+k)`.
//!
//! # BG/NBD
//!
//! ## BG/NBD model
//!
//! Fader, Hardie & Lee (2005a). While alive, a customer buys as a Poisson
//! process with rate `λ`; after each **repeat** purchase the customer drops
//! out with probability `p`. Across customers `λ ~ Gamma(shape r, rate α)`
//! and `p ~ Beta(a, b)`; all four parameters are positive.
//!
//! ## BG/NBD likelihood
//!
//! One customer's log-likelihood \[V: lifetimes, after FHL 2005a §7;
//! mpmath to 7e-16 up to `x = 5000`\]:
//!
//! ```text
//! ℓ  = C + lse(D1, D2)
//! C  = lnΓ(r+x) − lnΓ(r) + r·ln α + lnB(a, b+x) − lnB(a, b)
//! D1 = −(r+x)·ln(α+T)
//! D2 = ln a − ln(b+x−1) − (r+x)·ln(α+t_x)      for x > 0;  D2 = −∞ for x = 0
//! ```
//!
//! `lnB(a, b+x) − lnB(a, b)` is evaluated as
//! `lnΓ(a+b) − lnΓ(b) − Δlnγ(b+x, a)`. The test `x > 0` comes before `D2`
//! is evaluated: at `x = 0`, `b − 1` may be `≤ 0`. The likelihood is a
//! density in the purchase times (unit time^−x), so it can be positive:
//! at `r = .25`, `α = 4`, `a = .8`, `b = 2.5`, `T = 40`, the history
//! `(x, t_x) = (0, 0)` has `ℓ = −0.59947382` and `(200, 38)` has
//! `ℓ = +100.79569309`.
//!
//! ## BG/NBD gradient
//!
//! With respect to the log-parameters \[D; mpmath, worst relative error
//! 2.4e-14\], with `w2 = expit(D2 − D1)` (0 when `x = 0`) and `w1 = 1 − w2`:
//!
//! ```text
//! ∂ℓ/∂ln r = r·[Δψ(r, x) + ln α − w1·ln(α+T) − w2·ln(α+t_x)]
//! ∂ℓ/∂ln α = r − α(r+x)·[w1/(α+T) + w2/(α+t_x)]
//! ∂ℓ/∂ln a = a·[ψ(a+b) − ψ(a+b+x)] + w2
//! ∂ℓ/∂ln b = b·[Δψ(b, x) − Δψ(a+b, x)] − w2·b/(b+x−1)
//! ```
//!
//! ## BG/NBD probability alive
//!
//! \[V: lifetimes; Fader & Hardie note 021\]
//!
//! ```text
//! x = 0:  P(alive) = 1          (nobody drops out before a repeat purchase)
//! x > 0:  P(alive) = expit(−[ln a − ln(b+x−1) + (r+x)·log1p((T − t_x)/(α + t_x))])
//! ```
//!
//! At `t_x = T` it is `(b+x−1)/(a+b+x−1)`, below 1: the customer may have
//! dropped out right after the last purchase. Extreme histories underflow
//! to `0.0`, never NaN (`x = 1000`, `t_x = 10`, `T = 100`: the true value
//! is 8.1e-858).
//!
//! ## BG/NBD expected purchases
//!
//! `E_BG(t; r, α, a, b)`, the expected number of purchases in `(0, t]` of a
//! customer alive at 0, in a form derived from FHL eq. 9 by Euler's
//! transformation \[D; mpmath and direct integration over `p` agree to
//! 1.8e-13, including `a = 1`, `a + b < 1` and `x ≤ 1000`\]:
//!
//! ```text
//! z = t/(α+t),  L = −log1p(t/α),  u = a − 1,  c = a + b − 1,  β' = c − r
//! E_BG = −c·h(u, L) − e^(u·L)·G
//! G = Σ_{k≥1} g_k,   g_1 = β'·z,   g_(k+1) = g_k·(a+k−1)(β'+k)·z / ((c+k)(k+1))
//! ```
//!
//! This "G-form" holds for all positive parameters. The printed form
//! `(c/(a−1))·[1 − (α/(α+t))^r·₂F₁(r, b; c; z)]` divides 0 by 0 at `a = 1`,
//! has `c ≤ 0` when `a + b ≤ 1`, and cancels at small `t` (only 1.7e-9
//! accurate at `t/α = 1e-5`). The series stops once `|g_(k+1)/g_k| < 1` and
//! `|g_k|·ρ/(1−ρ) ≤ 1e-17·|G|` with `ρ = max(|ratio|, z)`; `g_k = 0` ends
//! it. Its terms change sign while `k < −β'`, so with `r` far above
//! `a + b`, or a huge `b`, it cancels; the crate then evaluates the same
//! expectation as a one-dimensional integral of a positive integrand over
//! the dropout probability (the fall-back is described in the module docs):
//!
//! ```text
//! E[X(t)] = ∫₀¹ p⁻¹·(1 − (α/(α + p·t))^r) · Beta(p; a, b) dp
//! ```
//!
//! Predictions \[V: equals FHL eq. 10; lifetimes to 1e-14\]:
//!
//! ```text
//! E[X(t)]               = E_BG(t; r, α, a, b)                       (a new customer)
//! E[Y(t) | x, t_x, T]   = P(alive) · E_BG(t; r+x, α+T, a, b+x)
//! ```
//!
//! The second uses the posterior of an alive customer:
//! `λ ~ Gamma(r+x, α+T)`, `p ~ Beta(a, b+x)`.
//!
//! ## BG/NBD purchase count distribution
//!
//! `P(X(t) = n)` for a new customer \[V: FHL eq. 8, lifetimes; reproduces
//! R BTYD\]. With `p₀ = α/(α+t)` and the negative binomial
//! `NB(j) = Γ(r+j)/(Γ(r)·j!) · p₀^r · (1−p₀)^j`, in logs:
//!
//! ```text
//! P(X(t) = n) = [B(a, b+n)/B(a, b)]·NB(n) + 1{n > 0}·[B(a+1, b+n−1)/B(a, b)]·Tail(n)
//! Tail(n)     = P(NB ≥ n) = I_(1−p₀)(n, r)         (regularised incomplete beta)
//! ```
//!
//! `Tail(n)` is summed upward from `n` (term ratio `(r+j)(1−p₀)/(j+1)`)
//! when `n` is above the mode `max(0, (r−1)(1−p₀)/p₀)`, until the bound on
//! the rest falls below 1e-17; otherwise it is `1 − Σ_(j<n) NB(j)`. The
//! complement alone loses 4 to 5 digits far in the tail.
//!
//! # MBG/NBD
//!
//! ## MBG/NBD likelihood
//!
//! Batislam, Denizel & Filiztekin (2007). As BG/NBD, except that the
//! customer may also drop out at time 0, right after the first purchase,
//! with probability `p`: customers with `x = 0` can be inactive, and the
//! `D2` term is present for every `x` \[V: lifetimes; mpmath\]:
//!
//! ```text
//! ℓ  = C + lse(D1, D2)
//! C  = lnΓ(r+x) − lnΓ(r) + r·ln α + lnB(a, b+x+1) − lnB(a, b)
//! D1 = −(r+x)·ln(α+T)
//! D2 = ln a − ln(b+x) − (r+x)·ln(α+t_x)
//! ```
//!
//! Gradient \[D; mpmath, worst 1.1e-14\]: as for BG/NBD with
//! `w2 = expit(D2 − D1)` for every `x`, and
//!
//! ```text
//! ∂ℓ/∂ln a = a·[ψ(a+b) − ψ(a+b+x+1)] + w2
//! ∂ℓ/∂ln b = b·[Δψ(b, x+1) − Δψ(a+b, x+1)] − w2·b/(b+x)
//! ```
//!
//! ## MBG/NBD predictions
//!
//! \[V: lifetimes, which cites Batislam et al. and Wagner & Hoppe 2008;
//! agreement to 1e-13\]
//!
//! ```text
//! P(alive)             = expit(−[ln a − ln(b+x) + (r+x)·log1p((T − t_x)/(α + t_x))])   (< 1 even at x = 0)
//! E[X(t)]              = (b/(a+b)) · E_BG(t; r, α, a, b+1)
//! E[Y(t) | x, t_x, T]  = P(alive) · E_BG(t; r+x, α+T, a, b+x+1)
//! P(X(t) = n)          = [B(a, b+n+1)/B(a, b)]·NB(n) + [B(a+1, b+n)/B(a, b)]·Tail(n),   Tail(0) = 1
//! ```
//!
//! with `E_BG`, `NB` and `Tail` as for BG/NBD.
//!
//! # Pareto/NBD
//!
//! ## Pareto/NBD model
//!
//! Schmittlein, Morrison & Colombo (1987); Fader & Hardie (2005, note
//! 009). While alive a customer buys as a Poisson process with rate `λ`;
//! the lifetime is exponential with rate `μ`. Across customers
//! `λ ~ Gamma(r, α)` and `μ ~ Gamma(s, β)`, independent; all four
//! parameters are positive.
//!
//! ## Pareto/NBD likelihood
//!
//! The published form \[V: lifetimes `_log_A_0`, FH note 009 eqs. 18–20\]:
//!
//! ```text
//! L  = Γ(r+x)·α^r·β^s / Γ(r) · [ (α+T)^−(r+x)·(β+T)^−s + (s/(r+s+x))·A0 ]
//! A0 = F(t_x) − F(T), where
//!   α ≥ β:  F(y) = ₂F₁(r+s+x, s+1; r+s+x+1; (α−β)/(α+y)) / (α+y)^(r+s+x)
//!   α < β:  F(y) = ₂F₁(r+s+x, r+x; r+s+x+1; (β−α)/(β+y)) / (β+y)^(r+s+x)
//! ```
//!
//! The branch keeps the argument in `[0, 1)`; the other would give a
//! negative argument, possibly below −1. Even so the raw `₂F₁` overflows
//! for heavy buyers, so the crate evaluates the equivalent integral form,
//! whose series has positive terms \[D; mpmath to 3e-15 on both branches,
//! `x ≤ 5000`\]:
//!
//! ```text
//! (s/(r+s+x))·A0 = s·∫_{t_x}^{T} (α+τ)^−(r+x)·(β+τ)^−(s+1) dτ = s·[K(t_x) − K(T)],   K = K_(r+x, s+1)
//! K_(p,q)(y) = ∫_y^∞ (α+τ)^−p·(β+τ)^−q dτ
//!   α ≥ β:  (α+y)^−p·(β+y)^(1−q)·S/(p+q−1),   S = ₂F₁(1, p; p+q; (α−β)/(α+y))
//!   α < β:  (β+y)^−q·(α+y)^(1−p)·S/(p+q−1),   S = ₂F₁(1, q; p+q; (β−α)/(β+y))
//! S = Σ t_k,  t_0 = 1,  t_(k+1) = t_k·(e+k)·z/(p+q+k)   (e = p or q);  stop when t_k·z/(1−z) ≤ 1e-17·S
//! ℓ  = lnΓ(r+x) − lnΓ(r) + r·ln α + s·ln β + lse(D1, D2)
//! D1 = −(r+x)·ln(α+T) − s·ln(β+T)
//! D2 = ln s + ln J,  J = K(t_x) − K(T) = ∫_{t_x}^{T} (α+τ)^−(r+x)·(β+τ)^−(s+1) dτ     (D2 = −∞ when t_x = T)
//!   d = ln K(T) − ln K(t_x) ≤ −1e-2:  ln J = ln K(t_x) + log1mexp(d)
//!   d > −1e-2:                        J by quadrature over [t_x, T] (one integral, no difference)
//! ```
//!
//! Where `d > −1e-2` the difference `K(t_x) − K(T)` would keep only
//! `|d|/(error of ln K)` of its digits (all of them lost when `r + s` is
//! tiny and `d` near `1e-12`), so `J` is there one integral over
//! `[t_x, T]`: 15-point Kronrod panels in `v = ln((c+τ)/(c+t_x))`,
//! `c = min(α, β)`, on which `ln` of the integrand changes by at most 1,
//! with the gradient and Hessian of `ln J` integrated at the same nodes
//! (`j_direct` in `pareto_nbd.rs`; after 512 panels it falls back to the
//! difference). Objective, gradient, Hessian, `P(alive)` and the bulk
//! scorer all take `J` this way \[D; mpmath 40-digit quadrature of the
//! death-time integral, `tests/data/pareto_nbd_rows.csv`, worst 1.2e-14\].
//!
//! ## Pareto/NBD gradient
//!
//! \[D; mpmath, worst 8.6e-13\] With `w2 = expit(D2 − D1)` (0 when
//! `t_x = T`), `w1 = 1 − w2`, `J = K(t_x) − K(T)` and
//! `[K]_T^(t_x) = K(t_x) − K(T)`:
//!
//! ```text
//! ∂ℓ/∂α = r/α − w1·(r+x)/(α+T) − w2·(r+x)·[K_(r+x+1, s+1)]_T^(t_x) / J
//! ∂ℓ/∂β = s/β − w1·s/(β+T)     − w2·(s+1)·[K_(r+x, s+2)]_T^(t_x) / J
//! ∂ℓ/∂r = Δψ(r, x) + ln α − w1·ln(α+T) + w2·(∂J/∂p)/J
//! ∂ℓ/∂s = ln β − w1·ln(β+T) + w2·[1/s + (∂J/∂q)/J]
//! ```
//!
//! using `∂K_(p,q)/∂α = −p·K_(p+1,q)` and `∂K_(p,q)/∂β = −q·K_(p,q+1)`.
//! `(∂J/∂p)/J = (P₁ − ρ·P₂)/(1 − ρ)` with `ρ = K(T)/K(t_x)` and `P₁`, `P₂`
//! the values of `∂lnK/∂p` at `t_x` and `T` (likewise for `q`), where
//! `∂lnK/∂p = −ln(α+y) − 1/(p+q−1) + ∂lnS/∂p` and
//! `∂lnK/∂q = −ln(β+y) − 1/(p+q−1) + ∂lnS/∂q` on both branches; `S` is
//! differentiated term by term. Each component times its parameter is the
//! gradient in the log-parameters.
//!
//! ## Pareto/NBD predictions
//!
//! \[V: lifetimes; FH note 009 eqs. 27, 36–37, 41; stable forms D, mpmath
//! to 8e-15\]
//!
//! ```text
//! P(alive)             = expit(D1 − D2)         (exactly 1 when t_x = T; below 1 at x = 0)
//! E[X(t)]              = (r·β/α) · (−h(s−1, −log1p(t/β)))          (s = 1: (r·β/α)·ln(1 + t/β))
//! E[Y(t) | x, t_x, T]  = P(alive) · ((r+x)(β+T)/(α+T)) · (−h(s−1, −log1p(t/(β+T))))
//! ```
//!
//! ## Pareto/NBD purchase count distribution
//!
//! `P(X(t) = n)` for a new customer, from the model's definition \[D;
//! mpmath to 5.5e-13 up to `n = 100`\]: substituting `w = τ/(m+τ)` with
//! `m = min(α, β)` leaves only positive terms,
//!
//! ```text
//! P(X(t) = n) = NB(n; r, α/(α+t))·(β/(β+t))^s
//!             + s·ρ·Γ(r+n)/(Γ(r)·n!) · Σ_{j≥0} (e)_j·κ^j/j! · B_w(n+j+1, r+s)
//!   α ≤ β:  ρ = α/β,      e = s+1,  κ = 1 − α/β,  w = t/(α+t)
//!   α > β:  ρ = (β/α)^n,  e = r+n,  κ = 1 − β/α,  w = t/(β+t)
//! B_w(a, b) = w^a·(1−w)^b/a · ₂F₁(1, a+b; a+1; w)      (incomplete beta, positive series)
//! ```
//!
//! `(e)_j` is the rising factorial. The `j`-series is summed in logs until
//! its terms decrease and the newest is below 1e-17 of the sum. The closed
//! form obtained by setting `x = t_x = T = 0` in the conditional
//! distribution (FH note 028, lifetimes) subtracts nearly equal terms and
//! is not used: at `t = 2`, `n = 20` it is 18 % off.
//!
//! ## Pareto/NBD DERT
//!
//! Discounted expected residual transactions, with a continuous discount
//! rate `δ` per time unit (for 15 % a year in weeks, `δ = ln(1.15)/52`)
//! \[D from the model; FHL 2005b give the same quantity through
//! `Ψ(s, s; ·)` \[R\]; mpmath to 5e-14\]:
//!
//! ```text
//! DERT   = P(alive) · ((r+x)/(α+T)) · g_s(δ·(β+T)) / δ
//! g_s(z) = z^s·U(s, s, z) = z^s·e^z·Γ(1−s, z) = ∫_0^∞ e^(−u)·(1 + u/z)^(−s) du,   in (0, 1)
//! ```
//!
//! `g_s` is evaluated by the modified-Lentz continued fraction for
//! `Γ(1−s, z)` when `z ≥ 0.25`,
//!
//! ```text
//! g = z/(z+1−a − 1(1−a)/(z+3−a − 2(2−a)/(z+5−a − …))),   a = 1 − s
//! ```
//!
//! stopping when the step factor is within 1e-16 of 1; by the power series
//! `g = e^z·[Γ(1−s)·z^s − Σ_{k≥0} (−1)^k·z^(k+1)/(k!·(k+1−s))]` when
//! `z < 0.25` and `s` is at least 1e-4 from every whole number `≥ 1`; and
//! by the continued fraction otherwise, capped at 10⁶ steps (an error
//! beyond).
//!
//! # BG/BB
//!
//! ## BG/BB model
//!
//! Fader, Hardie & Shang (2010), discrete time. At each of the `n`
//! opportunities an alive customer transacts with probability `p`, and
//! before each later opportunity drops out with probability `θ`. Across
//! customers `p ~ Beta(α, β)` and `θ ~ Beta(γ, δ)`.
//!
//! ## BG/BB likelihood
//!
//! \[V: lifetimes; mpmath to 2e-16\] `ℓ` is the `lse` of `n − t_x + 1`
//! terms:
//!
//! ```text
//! A_*  = lnB(α+x, β+n−x) − lnB(α, β) + lnB(γ, δ+n) − lnB(γ, δ)
//! A_i  = lnB(α+x, β+t_x−x+i) − lnB(α, β) + lnB(γ+1, δ+t_x+i) − lnB(γ, δ),   i = 0 … n−t_x−1
//! ```
//!
//! Consecutive `A_i` differ by
//! `ln[(β+t_x−x+i)/(α+β+t_x+i)] + ln[(δ+t_x+i)/(γ+δ+t_x+i+1)]`. lifetimes
//! adds 1e-15 to the sum before the logarithm; the crate does not.
//!
//! The gradient is the softmax-weighted sum (weights proportional to
//! `e^(A_i)` and `e^(A_*)`) of each term's `lnB` derivatives,
//! `∂lnB(u, v)/∂u = ψ(u) − ψ(u+v)` \[D; mpmath 2.9e-15\].
//!
//! ## BG/BB predictions
//!
//! \[V: lifetimes, for P(alive), the conditional expectation and the
//! likelihood; D for `E[X(n)]` and DERT, each equal to a brute-force sum to
//! 3e-15; FHS 2010's equations \[R\]\] With `L = e^ℓ`:
//!
//! ```text
//! P(alive at opportunity n+1 | x, t_x, n) = B(α+x, β+n−x)/B(α, β) · B(γ, δ+n+1)/B(γ, δ) / L
//! E[X(n)]                 = (α/(α+β)) · δ·(−expm1(Λ))/(γ−1),   Λ = −Σ_{k=0}^{n−1} log1p((γ−1)/(δ+1+k))
//!                           (γ = 1: (α/(α+β))·δ·Σ_k 1/(δ+1+k); directly (α/(α+β))·Σ_{t=1}^{n} B(γ, δ+t)/B(γ, δ))
//! E[X(n, n+n*) | x, t_x, n] = [B(α+x+1, β+n−x)/B(α, β)] / L · Σ_{k=1}^{n*} B(γ, δ+n+k)/B(γ, δ)
//! ```
//!
//! P(alive) is FHS's "alive in period `n+1`"; lifetimes'
//! `conditional_probability_alive(m, …)` uses `δ+n+m`, so its `m = 0` is
//! the probability of being alive at `n`. The sum in the conditional
//! expectation is
//! `δ/(γ−1) · exp(lnΓ(γ+δ) − lnΓ(1+δ) + lnΓ(1+δ+n) − lnΓ(γ+δ+n)) · (−expm1(Λ*))`
//! with `Λ* = −Σ_{k=0}^{n*−1} log1p((γ−1)/(δ+n+1+k))`.
//!
//! ## BG/BB DERT
//!
//! Discounted expected residual transactions at the discount rate `d` per
//! opportunity, the first future opportunity discounted once:
//!
//! ```text
//! DERT(d) = [B(α+x+1, β+n−x)/B(α, β)] · [B(γ, δ+n+1)/B(γ, δ)] / L · ₂F₁(1, δ+n+1; γ+δ+n+1; 1/(1+d)) / (1+d)
//! ```
//!
//! The series has positive terms with ratio below `1/(1+d)` (about 3 300
//! terms at `d = 0.01`). At `d = 0` it is finite only when `γ > 1`.
//!
//! # Gamma-Gamma
//!
//! ## Gamma-Gamma likelihood
//!
//! Colombo & Jiang (1999); Fader, Hardie & Lee (2005b). Each transaction's
//! value is `Gamma(p, ν)` and `ν ~ Gamma(q, γ)` across customers, so
//! `x·z̄ ~ Gamma(p·x, ν)`. Only customers with `x ≥ 1` carry information;
//! a mean spend `z̄ ≤ 0` is outside the model (its likelihood is not
//! defined), and how a fit treats such customers is stated at
//! [`GammaGamma`](crate::btyd::GammaGamma) \[V: lifetimes; rearranged D,
//! mpmath to 6e-14 up to `x = 10⁶`\]:
//!
//! ```text
//! ℓ = Δlnγ(p·x, q) − lnΓ(q) + q·ln(γ/(γ + x·z̄)) − p·x·log1p(γ/(x·z̄)) − ln z̄
//! ```
//!
//! Gradient \[D; mpmath 9e-15\]:
//!
//! ```text
//! ∂ℓ/∂ln p = p·x·[Δψ(p·x, q) − log1p(γ/(x·z̄))]
//! ∂ℓ/∂ln q = q·[ψ(p·x+q) − ψ(q) − log1p(x·z̄/γ)]
//! ∂ℓ/∂ln γ = q − γ(p·x+q)/(γ + x·z̄)
//! ```
//!
//! ## Gamma-Gamma expected spend
//!
//! The posterior mean of `p/ν` \[V: lifetimes, which writes it as a weighted
//! average of `p·γ/(q−1)` and `z̄`\]:
//!
//! ```text
//! E[Z | x, z̄] = p·(γ + x·z̄) / (p·x + q − 1)       x ≥ 1, needs p·x + q > 1
//! E[Z]        = p·γ / (q − 1)                      x = 0 (population mean), needs q > 1
//! ```
//!
//! With `q ≤ 1` the mean spend is infinite, and the crate refuses the
//! request rather than return a number (lifetimes returns −450 at
//! `(p, q, γ) = (6, 0.8, 15)` for `x = 0`, and NaN at `q = 1`). A fit can
//! be constrained to `q ≥ 1 + ε` with an explicit `ε` \[L\].
//!
//! ## Gamma-Gamma limits
//!
//! Two boundaries of `(p, q, γ)` have closed-form answers \[D\]:
//!
//! - homogeneous spend, `q, γ → ∞` with `ν = q/γ` fixed: `x·z̄ ~ Gamma(p·x, ν)`
//!   for everyone ([`Limit::HomogeneousSpend`](crate::btyd::Limit::HomogeneousSpend));
//! - constant spend per customer, `p → ∞`, `γ → 0` with `c = p·γ` fixed:
//!   each customer's transactions all equal their mean `c/G`,
//!   `G ~ Gamma(q, 1)`, so `z̄` is inverse-gamma whatever `x`
//!   ([`Limit::ConstantSpendPerCustomer`](crate::btyd::Limit::ConstantSpendPerCustomer)):
//!
//! ```text
//! ℓ = q·ln c − lnΓ(q) − (q+1)·ln z̄ − c/z̄
//! c = q·h (h the weighted harmonic mean of z̄),  ln q − ψ(q) = mean_w ln(z̄/h)
//! E[Z | x ≥ 1, z̄] → z̄,   E[Z] = c/(q − 1)
//! ```
//!
//! The likelihood along the second ray is `ℓ_limit + D/p + O(p⁻²)` with
//! `D = Σ w/(2x)·((c/z̄ − q)² − q)` \[D; mpmath 40 digits\]; the limit is a
//! local supremum when `D < 0`. The model sees only `(x, z̄)`: a log with
//! constant spend per customer can still have an interior maximum (mean
//! spends that shrink with `x`, as a spread within customers would make
//! them), and with a single purchase count the two limits can fit equally
//! well.
//!
//! # Lifetime value
//!
//! ## Period-sum CLV
//!
//! Python lifetimes' `customer_lifetime_value`, restated exactly \[V: its
//! `_customer_lifetime_value` source; equal to 1.6e-14\]:
//!
//! ```text
//! CLV_i = Σ_{k=1}^{K} m̂_i · [E(Y_i(k·f)) − E(Y_i((k−1)·f))] / (1+d)^k
//! ```
//!
//! `E(Y_i(·))` is the purchase model's conditional expectation, with
//! `E(Y_i(0)) = 0`; `m̂_i` is the Gamma-Gamma expected spend (the
//! population mean for `x = 0`); `K` is the number of periods; `d` the
//! discount rate per period, applied at each period's end; `f` the data's
//! time units per period. lifetimes' period is a "month" of 30 days,
//! 4.345 weeks or 720 hours, with `K = 12` and `d = 0.01` by default. The
//! crate asks for `K`, `d` and `f` explicitly; see
//! [`BtydClv`](crate::btyd::BtydClv) \[L\].
//!
//! ## Spend times DERT
//!
//! Where DERT has a closed form (Pareto/NBD with a continuous rate,
//! BG/BB with a discrete one), the lifetime value is
//! `CLV_i = m̂_i · DERT_i`. No DERT closed form was verified for BG/NBD or
//! MBG/NBD; for those the period sum is used, with the period and the
//! discount named by the caller \[L\].
//!
//! Example: the CDNOW customer `(x, t_x, T, z̄) = (2, 30.43, 38.86, 22.35)`
//! in weeks, at the maximum-likelihood estimates below: `m̂ = 24.658616`;
//! BG/NBD over 12 months of 4.345 weeks at 1 % a month gives
//! `CLV = 36.278503` (35.871050 with months of 30/7 weeks); Pareto/NBD with
//! `δ = ln(1.15)/52` has `DERT = 6.5002032`, so `CLV = 160.28602`.
//!
//! # sBG
//!
//! ## sBG model
//!
//! The shifted-beta-geometric model of contractual retention (Fader &
//! Hardie 2007) \[V: implementations, and reproduction of the published
//! estimates\]. Each customer renews at the end of every period with
//! probability `1 − θ`, and `θ ~ Beta(α, β)` across customers; `T` is the
//! period in which the customer leaves (`t = 1, 2, …`). (Fader & Hardie
//! 2010 write the shapes `γ, δ`: `α` here is their `γ`, `β` their `δ`.)
//!
//! ```text
//! P(T = t)   = B(α+1, β+t−1)/B(α, β);    P(1) = α/(α+β),  P(t) = (β+t−2)/(α+β+t−1)·P(t−1)
//! S(t)       = B(α, β+t)/B(α, β),  S(0) = 1        (survival: still a customer after t periods)
//! r_t        = S(t)/S(t−1) = (β+t−1)/(α+β+t−1)     (retention; rises with t as the churn-prone leave)
//! E[T]       = (α+β−1)/(α−1) if α > 1; infinite if α ≤ 1
//! ```
//!
//! All in logs with `lnB`, never the raw beta function.
//!
//! ## sBG likelihood
//!
//! For a cohort of `N_0` customers of whom `N_t` are still active at the
//! end of period `t`, observed for `n` periods:
//!
//! ```text
//! LL(α, β) = Σ_{t=1}^{n} (N_(t−1) − N_t)·ln P(T = t) + N_n·ln S(n)
//! ```
//!
//! Several cohorts, each with its own `n`, add their log-likelihoods. The
//! counts must not increase, with `N_n ≥ 0`; a zero count contributes 0.
//! The fit maximises over `(ln α, ln β)`, which keeps both positive.
//!
//! ## sBG discounted lifetime
//!
//! \[V: pymc-marketing and sBG reference code; Fader & Hardie 2010 eq. 6\]
//! With the discount rate `d` per period and `z = 1/(1+d)`:
//!
//! ```text
//! DEL  = Σ_{t≥0} S(t)·z^t = ₂F₁(1, β; α+β; z)          (a new customer, paying at t = 0, 1, … while active)
//! DERL(d | n−1 renewals) = Σ_{t≥n} [S(t)/S(n−1)]·z^(t−n)
//!                        = (β+n−1)/(α+β+n−1) · ₂F₁(1, β+n; α+β+n; z)
//! ```
//!
//! DERL is evaluated just before the `n`-th renewal decision, for a
//! customer who has renewed `n − 1` times; the next payment is not
//! discounted. Multiplied by the margin per period it is the expected
//! residual value. Checks: `DERL(n = 1) = (1+d)·(DEL − 1)`; at `d = 0`
//! (only when `α > 1`) `DERL = (β+n−1)/(α−1)`. The `₂F₁` is summed
//! directly, `t_(k+1) = t_k·(β+n+k)/(α+β+n+k)·z`, until a term is below
//! 1e-16 of the sum (about 3 700 terms at `d = 0.01`).
//!
//! Domains: `α, β > 0`; `t` and `n` whole numbers `≥ 1`; `d > −1`, and DEL
//! and DERL further need `d > 0`, or `d = 0` with `α > 1` (otherwise the
//! sum diverges).
//!
//! ## sBG published example
//!
//! Fader & Hardie (2007): 1000 customers per segment, survivors after
//! years 0 to 7: Regular 1000, 631, 468, 382, 326, 289, 262, 241; High End
//! 1000, 869, 743, 653, 593, 551, 517, 491 \[V\]. Re-estimated
//! independently:
//!
//! | Segment | α | β | LL | `r_1 … r_5` | DEL (d = .10) | DERL n = 1, 2, 3, 5 (d = .10) |
//! |---|---|---|---|---|---|---|
//! | Regular | 0.704 | 1.182 | −1680.27 | .6267 .7561 .8188 .8559 .8804 | 3.6951 | 2.9647, 4.1035, 4.8701, 5.8944 |
//! | High End | 0.668 | 3.806 | −1611.16 | .8507 .8780 .8968 .9106 .9212 | 5.9226 | 5.4149, 5.9018, 6.2943, 6.8971 |
//!
//! Both have `α < 1`, so the undiscounted expected lifetime is infinite.
//! A multi-cohort example (four cohorts of 10 000 observed for 4, 3, 2 and
//! 1 periods: 10000, 8000, 6480, 5307, 4391; 10000, 8000, 6480, 5307;
//! 10000, 8000, 6480; 10000, 8000) gives `α = 3.7981`, `β = 15.1919`,
//! `LL = −40 255.84` and DERL (`d = .10`, `n = 1…5`) 3.3099, 3.4512, 3.5868,
//! 3.7171, 3.8425 \[V: the test data and expected values of a public sBG
//! implementation\].
//!
//! # Gauss hypergeometric function
//!
//! ## Hypergeometric series
//!
//! \[D; with the transformations below, matched 40-digit mpmath to 3e-13 in
//! the logarithm at 11 500 points the models reach\]
//!
//! ```text
//! ₂F₁(a, b; c; z) = Σ_k t_k,   t_0 = 1,   t_(k+1) = t_k·(a+k)(b+k)·z / ((c+k)(k+1))
//! ```
//!
//! For `a, b ≥ 0` and `c > 0` every term is non-negative, so nothing
//! cancels. The running sum is kept rescaled by powers of 2 so that it
//! cannot overflow. The series stops once the ratio is below 1 and
//! `t_k·ρ/(1−ρ) ≤ 1e-17·S` with `ρ = max(next ratio, z)`; a `a` or `b`
//! that is zero or a negative whole number ends it exactly. It is capped at
//! 10⁶ terms, with an error beyond.
//!
//! ## Hypergeometric transformations
//!
//! ```text
//! Euler:  F(a, b; c; z) = (1−z)^(c−a−b) · F(c−a, c−b; c; z)         used when c−a−b < 0 and c−a, c−b ≥ 0
//! Pfaff:  F(a, b; c; z) = (1−z)^(−a) · F(a, c−b; c; z/(z−1))        used when z < 0
//! ```
//!
//! None of the models' forms reaches `z < 0`, but a public `₂F₁` must still
//! be right there or refuse with a typed error: a plain series at `z < 0`
//! with large `a`, `b` alternates and cancels
//! (`₂F₁(164.29, 473.87; 2.6276; −1.2629)` is 7.44e-119; a naive sum gives
//! 5e117 with the wrong sign). Near `z = 1` the connection formula (DLMF
//! 15.8.4) is not needed within the term cap.
//!
//! Where the models reach it:
//!
//! | Quantity | `(a, b; c; z)` | Form used |
//! |---|---|---|
//! | BG/NBD, MBG/NBD `E[X]`, `E[Y]` | `(r+x, b+x; a+b+x−1; t/(α+T+t))`, value about `(1−z)^(a−r−x−1)` | the G-form |
//! | Pareto/NBD `A0` | `(r+s+x, s+1 or r+x; r+s+x+1; \|α−β\|/(max(α, β)+y))`, in `[0, 1)` | Euler, to `₂F₁(1, e; p+q; z)` |
//! | Pareto/NBD count distribution | `₂F₁(1, a+b; a+1; w)` | positive series |
//! | BG/BB DERT, sBG DERL | `(1, δ+n+1; γ+δ+n+1; 1/(1+d))` | positive series |
//!
//! ## Hypergeometric reference values
//!
//! 40-digit mpmath at these exact `f64` inputs; "scipy" is the relative
//! error of `scipy.special.hyp2f1` (1.14.1 and 1.17.1 agree bit for bit).
//!
//! | # | Reached by | a | b | c | z | ₂F₁ | scipy |
//! |---|---|---|---|---|---|---|---|
//! | 1 | BG/NBD `E[X(52)]`, CDNOW estimates | 0.242593 | 2.425754 | 2.2186399999999997 | 0.9217646574584267 | 2.10558497965164320227229844777 | 3.6e-15 |
//! | 2 | BG/NBD `E[Y(52)]`, x = 26, T = 31 | 26.242593 | 28.425754 | 28.21864 | 0.5948735717485938 | 23727705152.8739101226532322542 | 2.1e-16 |
//! | 3 | BG/NBD, x = 1000, T = 100, t = 52 | 1000.242593 | 1002.425754 | 1002.21864 | 0.33245205408442535 | 3.94828582884508191833650746915e+175 | 1.9e-16 |
//! | 4 | Pareto/NBD A0, CDNOW, x = 0, y = 0 | 1.159488 | 0.553275 | 2.159488 | 0.09344408612066545 | 1.0292253957175135613589705706 | 7.9e-17 |
//! | 5 | Pareto/NBD A0, x = 132, y = 200 | 133.16 | 132.55 | 134.16 | 0.00514952520432749 | 1.97236247294680343711550904551 | 7.1e-15 |
//! | 6 | Pareto/NBD A0, α = .5, β = 40, r = 2, s = 1.5, x = 132, y = 0 | 135.5 | 134.0 | 136.5 | 0.9875 | 1.31508289915901227859212604869e+253 | NaN |
//! | 7 | Euler form of row 6 | 1.0 | 2.5 | 136.5 | 0.9875 | 1.01855588052747717859032198181 | NaN |
//! | 8 | Pareto/NBD A0, α = 50, β = .01, r = .55, s = .61, x = 1000 | 1001.16 | 1.61 | 1002.16 | 0.9998 | 163307.606262480231076371658725 | NaN |
//! | 9 | Pareto/NBD count type, r = s = .5, n = 55, i = 8 | 9.0 | 55.5 | 57.0 | 0.9993 | 8797900017370071964912947.56681 | 2.7e-14 |
//! | 10 | BG/BB DERT, d = 0.01, n = 6, estimates | 1.0 | 9.783441982887393 | 10.44016015243731 | 0.9900990099009901 | 31.9390487971718016094951048654 | 1.1e-14 |
//!
//! scipy's `hyp2f1` returns NaN for large `c` with `z` above about 0.98,
//! even for a benign positive series (row 7); at large parameters and
//! `z < 0` it is also wrong (`₂F₁(100, 100; 300; −0.5)`: 3.9755e-7 against
//! the true 3.9504e-7).
//!
//! # Fitting
//!
//! ## Objective
//!
//! The fit minimises the total negative log-likelihood
//! `NLL(θ) = −Σ_g w_g·ℓ_g` over `θ = ln(parameters)`, with BFGS and the
//! analytic gradients. A non-finite objective counts as `+∞`, so the line
//! search backs off. The stop rule and the handling of the parameter box
//! are the crate's \[L\] and are stated in the module docs.
//!
//! ## Row compression
//!
//! Rows with bit-identical `(x, t_x, T)` (BG/BB `(x, t_x, n)`, Gamma-Gamma
//! `(x, z̄)`) are grouped, and their count multiplies the caller's weights
//! \[L\]. On CDNOW, 2 357 customers become 1 016 rows. lifetimes accepts
//! such weights but does not group rows itself. The grouped rows are put
//! in a canonical order (by `x`, then `t_x`, then `T`), so a fit depends
//! only on the multiset of rows and their weights: with whole-number
//! weights, a fit from rows counted by another engine (Spark, SQL, a merge
//! of partial counts) equals the fit on the customers to the last bit.
//!
//! ## Time scaling
//!
//! \[V: lifetimes `_scale_time`; D\] The continuous-time models are fitted
//! on `t_x·c` and `T·c` with `c = 1/max T`. The rates scale as `α_c = α·c`
//! and `β_c = β·c`, the shapes `r, s, a, b` do not change, and `α = α_c/c`
//! is reported. The log-likelihoods differ by a constant,
//! `LL_unscaled = LL_scaled + (Σ_g w_g·x_g)·ln c`, and the Hessian in the
//! log-parameters, hence the standard errors, does not change. Scaling is
//! not needed for correctness; it shortens the fits (BG/NBD from 65 to 22
//! evaluations). Spend scales the same way: `γ_c = γ·c`, and the
//! log-likelihood shifts by `−(Σ w)·ln c`.
//!
//! ## Start point
//!
//! `θ = 0`, all parameters 1 on the fitting scale, as lifetimes does for
//! every model but Pareto/NBD (which it starts at random values near 1,
//! with Nelder–Mead). The log-likelihood there is finite; NaN at a start
//! comes only from evaluating a forbidden form (`D2` at `x = 0`, powers
//! outside logs).
//!
//! ## Standard errors
//!
//! With `H` the Hessian of the **total** negative log-likelihood in `θ` at
//! the optimum, the delta method gives
//! `Cov(φ_i, φ_j) = φ_i·φ_j·(H⁻¹)_ij` and `SE_i = φ_i·sqrt((H⁻¹)_ii)`. A
//! central-difference Hessian of the analytic gradient (step 1e-6 in `θ`)
//! is accurate enough. On CDNOW, BG/NBD: `SE = 0.0125573, 0.378221,
//! 0.185719, 0.705346`, `corr(r, α) = 0.780`. (lifetimes'
//! `variance_matrix_` scales by `φ_j²` column by column, so its
//! off-diagonal entries are wrong and the matrix is not symmetric.)
//!
//! ## L2 penalty
//!
//! lifetimes' penalised objective \[V: its source, and equal objective
//! values\] is `−(1/W)·Σ_g w_g·ℓ_g + λ·Σ_k φ_k²`, with `W = Σ w` and `φ`
//! the natural parameters on the fitting scale (`α_c`, `β_c`); its
//! Pareto/NBD divides by the mean row weight `W/N_rows` instead of `W`, so
//! grouping rows changes the penalty's strength there. At
//! `θ = ln(.3, .2, .9, 2)`, `λ = 0.1`, on the scaled CDNOW data: BG/NBD
//! 0.7624821857415163, Pareto/NBD 662.70854310489. The crate's own penalty
//! is `λ·Σ φ²` added to the total negative log-likelihood, with `φ` in the
//! data's units; the lifetimes form is available for comparisons \[L\].
//!
//! # Reference values
//!
//! Maximum-likelihood estimates (BFGS with analytic gradients, scaled time,
//! `|∇| < 1e-8`), to 7 significant digits; CDNOW's 2 357-customer sample
//! in weeks:
//!
//! | Model (data) | Parameters | LL |
//! |---|---|---|
//! | BG/NBD (CDNOW) | r 0.2425929, α 4.413531, a 0.7928862, b 2.425753 | −9582.425561 |
//! | MBG/NBD (CDNOW) | r 0.5248380, α 6.182992, a 0.8913561, b 1.613999 | −9582.132685 |
//! | Pareto/NBD (CDNOW) | r 0.5532755, α 10.57761, s 0.6062136, β 11.66791 | −9594.973930 |
//! | Gamma-Gamma (CDNOW's 946 repeat buyers) | p 6.248803, q 3.744589, γ 15.44775 | −4055.923244 |
//! | BG/BB (donations, weighted) | α 1.203522, β 0.7497164, γ 0.6567182, δ 2.783442 | −33225.581274 |
//!
//! Predictions at the printed parameters (equal to mpmath to 1e-13):
//!
//! - BG/NBD at (0.242593, 4.413532, 0.792886, 2.425754): `E[X(52)]` =
//!   1.444021485; history (26, 30.85714, 31): `E[Y(52)]` = 25.75776965,
//!   P(alive) = 0.9688555737; (`x = 5`, `t_x = T = 39`): P(alive) = 0.8901613,
//!   `ℓ` = −17.97063413; (1000, 99, 100): `E[Y(52)]` = 32.45416768.
//! - BG/NBD at (0.243, 4.414, 0.793, 2.426): `P(X(39) = 0)` = 0.5737863521,
//!   `P(X(2) = 10)` = 1.0786896404e-07.
//! - Pareto/NBD at (0.553275, 10.577611, 0.606213, 11.667908): `E[X(52)]` =
//!   1.473440871; (26, 30.85714, 31): `E[Y(52)]` = 25.45541697, P(alive) =
//!   0.9978734133; x = 0, T = 39: P(alive) 0.2942780277, `ℓ` −0.5216626139;
//!   `P(X(39) = 0, 1, 5, 20)` = 0.5935329111, 0.1655847606, 0.0214918762,
//!   2.580128071e-4; DERT (`δ = ln 1.15/52`) for (0, 0, 39),
//!   (2, 30.43, 38.86), (26, 30.85714, 31): 0.4760945286, 6.500203199,
//!   86.26042738; `g_s(z)`: s = 0.606213, z = 0.1356 gives 0.3889867909,
//!   s = 2.5, z = 1 gives 0.3438295415.
//! - MBG/NBD at (0.524838, 6.182992, 0.891356, 1.614): x = 0, T = 39:
//!   P(alive) = 0.3893291388, `ℓ` −0.5402450667; `E[X(52)]` = 1.418890029.
//! - BG/BB at (1.2035224, 0.7497164, 0.6567182, 2.783442), n = 6:
//!   `E[X(10)]` = 3.179828926; P(alive at 7) for (0, 0), (2, 4), (6, 6):
//!   0.1081332721, 0.5896571793, 0.9304335746; DERT(d = .1) for the histories
//!   (0, 0), (3, 6), (6, 6): 0.1147527085, 3.448642385,
//!   5.909894205.
//! - Gamma-Gamma at (6.248803, 3.744588, 15.447746): `E[Z | 1, 20]` =
//!   24.62986226, `E[Z | 2, 22.35]` = 24.65861645, population mean
//!   35.17100619.
//!
//! Several prediction figures printed in the R BTYD walkthrough (and
//! quoted with CDNOW) come from BTYD's own, looser estimates, not from the
//! maximum-likelihood estimates above; a test must pair each figure with
//! the parameters that produce it.
//!
//! # Sources
//!
//! - Fader, P.S., Hardie, B.G.S. & Lee, K.L. (2005a) "Counting your
//!   customers" the easy way: an alternative to the Pareto/NBD model.
//!   *Marketing Science* 24(2):275–284.
//! - Fader, P.S., Hardie, B.G.S. & Lee, K.L. (2005b) RFM and CLV: using
//!   iso-value curves for customer base analysis. *J. Marketing Research*
//!   42(4):415–430.
//! - Fader, P.S. & Hardie, B.G.S. (2005) A note on deriving the Pareto/NBD
//!   model and related expressions (note 009); notes 021 (BG/NBD P(alive))
//!   and 028 (Pareto/NBD conditional distribution of purchases);
//!   brucehardie.com.
//! - Schmittlein, D.C., Morrison, D.G. & Colombo, R. (1987) Counting your
//!   customers: who are they and what will they do next? *Management
//!   Science* 33(1):1–24.
//! - Batislam, E.P., Denizel, M. & Filiztekin, A. (2007) Empirical
//!   validation and comparison of models for customer base analysis.
//!   *Int. J. Research in Marketing* 24(3):201–209.
//! - Fader, P.S., Hardie, B.G.S. & Shang, J. (2010) Customer-base analysis
//!   in a discrete-time noncontractual setting. *Marketing Science*
//!   29(6):1086–1108.
//! - Colombo, R. & Jiang, W. (1999) A stochastic RFM model. *J. Interactive
//!   Marketing* 13(3):2–12.
//! - Fader, P.S. & Hardie, B.G.S. (2007) How to project customer retention.
//!   *J. Interactive Marketing* 21(1):76–90.
//! - Fader, P.S. & Hardie, B.G.S. (2010) Customer-base valuation in a
//!   contractual setting: the perils of ignoring heterogeneity. *Marketing
//!   Science* 29(1):85–93.
//! - Fader, P.S. & Hardie, B.G.S., Fitting the sBG model to multi-cohort
//!   data (note), brucehardie.com.
//! - NIST Digital Library of Mathematical Functions: §15.8 (₂F₁
//!   transformations), §8.9 (continued fraction for Γ(a, z)), §13.2 (U).
//! - Python lifetimes 0.11.3 (MIT), the reference implementation compared
//!   against.
