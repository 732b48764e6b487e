//! [Shared numerics](crate::btyd::spec#shared-numerics): log-space helpers and
//! cancellation-free differences of `lnΓ` and `ψ`.

use statrs::function::gamma::{digamma, ln_gamma};

use crate::{Error, Result};

/// `ln(e^u + e^v)`, with `−∞` allowed for either argument.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn lse(u: f64, v: f64) -> f64 {
    let (hi, lo) = if u >= v { (u, v) } else { (v, u) };
    if hi == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    hi + (lo - hi).exp().ln_1p()
}

/// `ln(1 − e^d)` for `d ≤ 0` (Mächler's switch at `−ln 2`).
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn log1mexp(d: f64) -> f64 {
    if d > -std::f64::consts::LN_2 {
        (-d.exp_m1()).ln()
    } else {
        (-d.exp()).ln_1p()
    }
}

/// `1 / (1 + e^{−v})`, never overflowing.
pub(crate) fn expit(v: f64) -> f64 {
    if v >= 0.0 {
        1.0 / (1.0 + (-v).exp())
    } else {
        let e = v.exp();
        e / (1.0 + e)
    }
}

/// `expm1(u·L)/u`, which is `L` at `u = 0`.
pub(crate) fn h(u: f64, l: f64) -> f64 {
    if u == 0.0 { l } else { (u * l).exp_m1() / u }
}

/// `lnΓ(z)`.
pub(crate) fn ln_gamma_f(z: f64) -> f64 {
    ln_gamma(z)
}

/// `B_2k` for k = 1..8.
const BERNOULLI: [f64; 8] = [
    1.0 / 6.0,
    -1.0 / 30.0,
    1.0 / 42.0,
    -1.0 / 30.0,
    5.0 / 66.0,
    -691.0 / 2730.0,
    7.0 / 6.0,
    -3617.0 / 510.0,
];

/// Where the Stirling forms take over from plain differences.
const STIRLING_FROM: f64 = 10.0;

/// `S(u) = Σ_{k=1..8} B_2k / (2k(2k−1) u^(2k−1))`.
fn stirling_tail(u: f64) -> f64 {
    let inv = 1.0 / u;
    let inv2 = inv * inv;
    let mut pow = inv; // u^-(2k-1)
    let mut s = 0.0;
    for (i, b) in BERNOULLI.iter().enumerate() {
        let k = (i + 1) as f64;
        s += b / (2.0 * k * (2.0 * k - 1.0)) * pow;
        pow *= inv2;
    }
    s
}

/// `Δlnγ(z, q) = lnΓ(z+q) − lnΓ(z)` for `z > 0`, `q ≥ 0`, without
/// cancellation for large `z` ([spec](crate::btyd::spec#shared-numerics) \[D\]).
pub(crate) fn dlgamma(z: f64, q: f64) -> f64 {
    if q == 0.0 {
        return 0.0;
    }
    if z >= STIRLING_FROM {
        let zq = z + q;
        (z - 0.5) * (q / z).ln_1p() + q * zq.ln() - q + stirling_tail(zq) - stirling_tail(z)
    } else {
        ln_gamma(z + q) - ln_gamma(z)
    }
}

/// [`dlgamma`] and [`dpsi`] of one `z` for many `q` (one per distinct `x`
/// in an evaluation of a likelihood): the same values to the bit, with
/// `lnΓ(z)` and `ψ(z)` taken once instead of once per `q`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shifts {
    z: f64,
    ln_gamma_z: f64,
    digamma_z: f64,
}

impl Shifts {
    pub(crate) fn new(z: f64) -> Self {
        // Only the branch of `dlgamma` and `dpsi` below STIRLING_FROM
        // uses them.
        let direct = !(z >= STIRLING_FROM);
        Self {
            z,
            ln_gamma_z: if direct { ln_gamma(z) } else { 0.0 },
            digamma_z: if direct { digamma(z) } else { 0.0 },
        }
    }

    /// [`dlgamma`]`(z, q)`.
    pub(crate) fn dlgamma(&self, q: f64) -> f64 {
        if q == 0.0 || self.z >= STIRLING_FROM {
            return dlgamma(self.z, q);
        }
        ln_gamma(self.z + q) - self.ln_gamma_z
    }

    /// [`dpsi`]`(z, q)`.
    pub(crate) fn dpsi(&self, q: f64) -> f64 {
        if q == 0.0 || (q <= 16.0 && q.fract() == 0.0) || self.z >= STIRLING_FROM {
            return dpsi(self.z, q);
        }
        digamma(self.z + q) - self.digamma_z
    }
}

/// `P(J ≥ n)` for a negative binomial count `J` with
/// `P(J = j) = Γ(r+j)/(Γ(r) j!) p₀ʳ q₀ʲ` (`q₀ = 1 − p₀`): the regularised
/// incomplete beta `I_{q₀}(n, r)` (DLMF 8.17.5 with 8.17.4), by its
/// continued fraction (DLMF 8.17.22; Numerical Recipes' `betacf`, modified
/// Lentz) on whichever side of `(n+1)/(n+r+2)` converges fast, so its cost
/// grows as `√max(n, r)`, not as `1/p₀`. `ln_p0`, `ln_q0` are `ln p₀`,
/// `ln q₀` (kept apart so that `q₀` near 1 keeps its digits). `None` when
/// the fraction does not settle (not seen for finite inputs).
pub(crate) fn nb_upper_tail(r: f64, n: f64, ln_p0: f64, ln_q0: f64) -> Option<f64> {
    if n <= 0.0 {
        return Some(1.0);
    }
    // ln B(n, r) with the Stirling difference on the larger argument.
    let (lo, hi) = if n < r { (n, r) } else { (r, n) };
    let ln_beta = ln_gamma_f(lo) - dlgamma(hi, lo);
    let ln_front = n * ln_q0 + r * ln_p0 - ln_beta;
    let q0 = ln_q0.exp();
    if q0 < (n + 1.0) / (n + r + 2.0) {
        Some(((ln_front + beta_fraction(n, r, q0)?.ln()).exp() / n).min(1.0))
    } else {
        let p0 = ln_p0.exp();
        let lower = (ln_front + beta_fraction(r, n, p0)?.ln()).exp() / r;
        Some((1.0 - lower).max(0.0))
    }
}

/// The continued fraction of `I_x(a, b)` (without its prefactor), for
/// `x < (a+1)/(a+b+2)`.
fn beta_fraction(a: f64, b: f64, x: f64) -> Option<f64> {
    const TINY: f64 = 1e-300;
    let clamp = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / clamp(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=100_000 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / clamp(1.0 + aa * d);
        c = clamp(1.0 + aa / c);
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / clamp(1.0 + aa * d);
        c = clamp(1.0 + aa / c);
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() <= f64::EPSILON {
            return h.is_finite().then_some(h);
        }
    }
    None
}

/// `ln P(K = k)` for a beta-binomial count of `l` trials with success
/// probability drawn from Beta(a, b):
/// `ln C(l, k) + ln B(a+k, b+l−k) − ln B(a, b)`, with the beta ratios as
/// [`dlgamma`] differences so that large `a`, `b` keep their digits.
/// Requires `0 ≤ k ≤ l` and `a, b > 0`.
pub(crate) fn ln_beta_binomial(a: f64, b: f64, k: f64, l: f64) -> f64 {
    ln_gamma_f(l + 1.0) - ln_gamma_f(k + 1.0) - ln_gamma_f(l - k + 1.0)
        + dlgamma(a, k)
        + dlgamma(b, l - k)
        - dlgamma(a + b, l)
}

/// `Δψ(z, q) = ψ(z+q) − ψ(z)` for `z > 0`, `q ≥ 0` ([spec](crate::btyd::spec#shared-numerics) \[D\]).
pub(crate) fn dpsi(z: f64, q: f64) -> f64 {
    if q == 0.0 {
        return 0.0;
    }
    if q <= 16.0 && q.fract() == 0.0 {
        // Δψ(u, x) = Σ_{k<x} 1/(u+k) for small integer x.
        let mut s = 0.0;
        let mut k = 0.0;
        while k < q {
            s += 1.0 / (z + k);
            k += 1.0;
        }
        return s;
    }
    if z >= STIRLING_FROM {
        let zq = z + q;
        let (iz, izq) = (1.0 / z, 1.0 / zq);
        let (iz2, izq2) = (iz * iz, izq * izq);
        let (mut pz, mut pzq) = (iz2, izq2);
        let mut s = 0.0;
        for (i, b) in BERNOULLI.iter().enumerate() {
            let k = (i + 1) as f64;
            s += b / (2.0 * k) * (pzq - pz);
            pz *= iz2;
            pzq *= izq2;
        }
        (q / z).ln_1p() - 0.5 * izq + 0.5 * iz - s
    } else {
        digamma(z + q) - digamma(z)
    }
}

/// `ψ'(z)`, the trigamma function, for `z > 0`: the recurrence
/// `ψ'(z) = ψ'(z+1) + 1/z²` up to `z ≥ 10`, then the asymptotic series
/// `1/z + 1/(2z²) + Σ_{k=1..8} B_2k / z^(2k+1)` (DLMF 5.15.8; truncation
/// below 1e-17 relative at `z ≥ 10`) \[D\].
pub(crate) fn trigamma(z: f64) -> f64 {
    let mut z = z;
    let mut acc = 0.0;
    while z < STIRLING_FROM {
        acc += 1.0 / (z * z);
        z += 1.0;
    }
    let inv = 1.0 / z;
    let inv2 = inv * inv;
    let mut pow = inv2 * inv; // z^-(2k+1)
    let mut s = 0.0;
    for b in BERNOULLI {
        s += b * pow;
        pow *= inv2;
    }
    acc + inv + 0.5 * inv2 + s
}

/// `Δψ'(z, q) = ψ'(z+q) − ψ'(z)` for `z > 0`, `q ≥ 0`: `−Σ_{k<q} 1/(z+k)²`
/// for small whole `q`, else the difference of [`trigamma`] \[D\]. Used
/// for the analytic Hessians of the fits.
pub(crate) fn dtrigamma(z: f64, q: f64) -> f64 {
    if q == 0.0 {
        return 0.0;
    }
    if q <= 16.0 && q.fract() == 0.0 {
        let mut s = 0.0;
        let mut k = 0.0;
        while k < q {
            let u = z + k;
            s -= 1.0 / (u * u);
            k += 1.0;
        }
        return s;
    }
    trigamma(z + q) - trigamma(z)
}

/// A model parameter: a finite number > 0, or an error naming it.
pub(crate) fn positive(name: &'static str, v: f64) -> Result<f64> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(Error::InvalidParameter {
            name,
            value: v.to_string(),
            reason: "must be finite and > 0",
        })
    }
}

/// Rejects a prediction horizon that is negative, NaN or infinite.
pub(crate) fn check_horizon(t: f64) -> Result<()> {
    if t.is_finite() && t >= 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name: "horizon",
            value: t.to_string(),
            reason: "must be finite and >= 0",
        })
    }
}

/// Most G-form terms `e_bg` sums before it hands over to the quadrature.
const SERIES_TERMS: usize = 4000;
/// Largest condition number `Σ|term| / |value|` of the G-form, weighted
/// by `1 + terms/100`, that `e_bg` accepts; beyond it the quadrature
/// answers.
const MAX_CONDITION: f64 = 1e3;

/// `E_BG(t; r, α, a, b)`, the expected purchases in `(0, t]` of a BG/NBD
/// customer alive at 0; shared by BG/NBD and MBG/NBD, whose errors name
/// `what`. First the Euler-transformed "G-form" series of FHL 2005a eq. 9
/// \[D\]:
///
/// ```text
/// z = t/(α+t),  L = −log1p(t/α),  u = a−1,  c = a+b−1,  β' = c − r
/// E_BG = −c·h(u, L) − e^{uL}·G,   G = Σ_{k≥1} g_k,  g_1 = β'·z,
/// g_{k+1} = g_k·(a+k−1)(β'+k)·z / ((c+k)(k+1))
/// ```
///
/// Its terms change sign while `k < −β'` (when `r > a+b−1`), and with a
/// large `r` or `b` they cancel. So the series also sums the magnitudes:
/// when the condition number `κ = (|c·h| + e^{uL}·Σ|g_k|) / |E_BG|`,
/// weighted by the `K` terms taken, `κ·(1 + K/100)`, exceeds `10³` (an
/// error bound of about `1e-11`), when the value is not positive, or when
/// the series needs more than 4 000 terms (`t/α` large), the value comes
/// instead from the
/// positive integral over the dropout probability
/// `E_BG = ∫₀¹ p⁻¹(1 − (α/(α+pt))^r)·Beta(p; a, b) dp` by adaptive
/// Gauss–Kronrod quadrature (see `quadrature.rs`), accurate to about
/// `1e-13` relative for every parameter > 0.
pub(crate) fn e_bg(what: &'static str, t: f64, r: f64, alpha: f64, a: f64, b: f64) -> Result<f64> {
    if t == 0.0 {
        return Ok(0.0);
    }
    let z = t / (alpha + t);
    let l = -(t / alpha).ln_1p();
    let u = a - 1.0;
    let ab = a + b;
    let c = ab - 1.0;
    let bp = c - r;
    // `c + k`, `β' + k` and `a + k − 1` summed as `(a + b) + (k − 1)`,
    // `(a + b − r) + (k − 1)` and `a + (k − 1)`: at `a, b → 0` (the
    // "dropout probability 0 or 1" limit, `a + b ≈ 1e-13`) `(a + b − 1) + 1`
    // keeps only three digits of `a + b`.
    let abr = ab - r;
    let mut g = bp * z;
    let mut sum = g;
    let mut abs_sum = g.abs();
    let mut k = 1.0;
    let mut terms = 1;
    while g != 0.0 {
        let ratio = (a + (k - 1.0)) * (abr + (k - 1.0)) * z / ((ab + (k - 1.0)) * (k + 1.0));
        if ratio.abs() < 1.0 {
            let rho = ratio.abs().max(z);
            if g.abs() * rho / (1.0 - rho) <= 1e-17 * sum.abs() {
                break;
            }
        }
        if terms >= SERIES_TERMS {
            return crate::btyd::quadrature::e_bg_quad(what, t, r, alpha, a, b);
        }
        g *= ratio;
        sum += g;
        abs_sum += g.abs();
        k += 1.0;
        terms += 1;
    }
    let ch = c * h(u, l);
    let e = (u * l).exp();
    let v = -ch - e * sum;
    let scale = ch.abs() + e * abs_sum;
    // Rounding drifts each term by about k·ε, so the error is at most
    // scale·terms·ε: keep it below 1e3·100·ε ≈ 1e-11 relative.
    if v.is_finite() && v > 0.0 && scale * (1.0 + terms as f64 / 100.0) <= MAX_CONDITION * v {
        Ok(v)
    } else {
        crate::btyd::quadrature::e_bg_quad(what, t, r, alpha, a, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    /// `Shifts` takes `lnΓ(z)` and `ψ(z)` once and gives `dlgamma` and
    /// `dpsi` to the bit, on both sides of the Stirling switch, for whole
    /// and fractional `q` (small and large).
    #[test]
    fn shifts_equal_the_differences_bit_for_bit() {
        for z in [1e-9, 0.003, 0.47, 1.0, 3.7, 9.999, 10.0, 10.5, 250.0, 1e7] {
            let s = Shifts::new(z);
            for q in [0.0, 1.0, 2.0, 7.0, 16.0, 17.0, 0.5, 33.25, 120.0, 1e5] {
                assert_eq!(s.dlgamma(q).to_bits(), dlgamma(z, q).to_bits(), "{z} {q}");
                assert_eq!(s.dpsi(q).to_bits(), dpsi(z, q).to_bits(), "{z} {q}");
            }
        }
    }

    #[test]
    fn trigamma_closed_forms_and_differences() {
        use std::f64::consts::PI;
        // DLMF 5.15.2-3: ψ'(1) = π²/6, ψ'(1/2) = π²/2; the recurrence
        // ψ'(z) − ψ'(z+1) = 1/z² across the switch to the series at 10.
        assert!(rel(trigamma(1.0), PI * PI / 6.0) < 1e-14);
        assert!(rel(trigamma(0.5), PI * PI / 2.0) < 1e-14);
        for z in [0.01, 0.7, 3.3, 9.5, 9.99, 10.0, 42.0, 1e3] {
            let d = trigamma(z) - trigamma(z + 1.0);
            assert!(rel(d, 1.0 / (z * z)) < 1e-10, "{z}");
        }
        // The sum form and the difference form of Δψ' agree.
        for (z, q) in [(0.3, 5.0), (2.5, 16.0), (40.0, 3.0)] {
            let by_terms = dtrigamma(z, q);
            assert!(
                rel(by_terms, trigamma(z + q) - trigamma(z)) < 1e-12,
                "{z} {q}"
            );
        }
        // Against a central difference of Δψ.
        for (z, q) in [(0.4, 7.0), (3.0, 25.0), (0.05, 120.5)] {
            let h = 1e-5 * z;
            let fd = (dpsi(z + h, q) - dpsi(z - h, q)) / (2.0 * h);
            assert!(rel(dtrigamma(z, q), fd) < 1e-6, "{z} {q}");
        }
        assert_eq!(dtrigamma(3.0, 0.0), 0.0);
    }

    #[test]
    fn lse_and_friends() {
        assert_eq!(lse(f64::NEG_INFINITY, 1.5), 1.5);
        assert_eq!(lse(f64::NEG_INFINITY, f64::NEG_INFINITY), f64::NEG_INFINITY);
        assert!(rel(lse(1.0, 2.0), (1f64.exp() + 2f64.exp()).ln()) < 1e-15);
        assert!(rel(lse(-800.0, -800.0), -800.0 + 2f64.ln()) < 1e-15);
        assert!(rel(log1mexp(-1e-10), (1e-10f64).ln()) < 1e-9);
        assert!(rel(log1mexp(-5.0), (1.0 - (-5f64).exp()).ln()) < 1e-14);
        assert_eq!(expit(1000.0), 1.0);
        assert_eq!(expit(-1000.0), 0.0);
        assert!(rel(expit(0.3), 1.0 / (1.0 + (-0.3f64).exp())) < 1e-15);
        assert_eq!(h(0.0, -2.0), -2.0);
        assert!(rel(h(0.5, -2.0), (-1f64).exp_m1() / 0.5) < 1e-15);
    }

    #[test]
    fn differences_match_plain_forms_where_those_are_exact() {
        for &(z, q) in &[(10.0, 0.7), (12.5, 3.25), (40.0, 100.0), (3.0, 5.5)] {
            let plain = ln_gamma(z + q) - ln_gamma(z);
            assert!(rel(dlgamma(z, q), plain) < 1e-13, "{z} {q}");
            let plain = digamma(z + q) - digamma(z);
            assert!(rel(dpsi(z, q), plain) < 1e-12, "{z} {q}");
        }
        // Integer q uses the finite sum.
        assert!(rel(dpsi(0.3, 3.0), 1.0 / 0.3 + 1.0 / 1.3 + 1.0 / 2.3) < 1e-15);
        // lnΓ(z+1) − lnΓ(z) = ln z exactly.
        assert!(rel(dlgamma(1e6, 1.0), 1e6f64.ln()) < 1e-14);
        assert_eq!(dlgamma(5.0, 0.0), 0.0);
        assert_eq!(dpsi(5.0, 0.0), 0.0);
    }

    /// The incomplete-beta tail equals the negative binomial's own tail,
    /// summed term by term where that sum is short, on both sides of the
    /// fraction's switch.
    #[test]
    fn nb_upper_tail_is_the_summed_tail() {
        for &(r, q0, n) in &[
            (0.5, 0.3, 1.0),
            (2.0, 0.5, 3.0),
            (0.05, 0.9, 10.0),
            (7.0, 0.8, 5.0),
            (7.0, 0.8, 80.0),
            (40.0, 0.2, 2.0),
        ] {
            let (ln_p0, ln_q0) = ((1.0f64 - q0).ln(), f64::ln(q0));
            let ln_nb = |j: f64| dlgamma(r, j) - ln_gamma_f(j + 1.0) + r * ln_p0 + j * ln_q0;
            // The smaller side summed directly: the head below n, or the tail.
            let head: f64 = (0..n as u32).map(|j| ln_nb(f64::from(j)).exp()).sum();
            let tail: f64 = (n as u32..20_000).map(|j| ln_nb(f64::from(j)).exp()).sum();
            assert!(
                rel(head + tail, 1.0) < 1e-12,
                "{r} {q0} {n}: {}",
                head + tail
            );
            let got = nb_upper_tail(r, n, ln_p0, ln_q0).unwrap();
            assert!(rel(got, tail) < 1e-12, "{r} {q0} {n}: {got} vs {tail}");
        }
        assert_eq!(nb_upper_tail(3.0, 0.0, -1.0, -0.5), Some(1.0));
    }
}
