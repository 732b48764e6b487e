//! Parameter gradients of the conditional expected purchases
//! `E[Y(t) | x, t_x, T]`, computed together with the value (forward mode:
//! each series term carries its derivatives), for the delta-method
//! intervals of [`intervals`](crate::btyd::intervals).
//!
//! All gradients here are with respect to the natural parameters unless a
//! name says `ln`; the callers multiply by the parameter to get the
//! log-parameter gradient.
//!
//! # BG/NBD and MBG/NBD
//!
//! `E[Y(t) | x, t_x, T] = P(alive) · E_BG(t; r+x, α+T, a, b+x−k+1)` with
//! `k` = 1 for BG/NBD and 0 for MBG/NBD, so
//! `∇ ln E[Y] = (1 − P)·∇ logit P + ∇ ln E_BG` (the first from the closed
//! form of `logit P`, see [`intervals`](crate::btyd::intervals)). `E_BG` is
//! the G-form series of [`e_bg`](crate::btyd::math) (FHL 2005a eq. 9 after
//! an Euler transform \[D\]):
//!
//! ```text
//! z = t/(α+t),  L = −log1p(t/α),  u = a−1,  c = a+b−1,  β' = c − r
//! E_BG = −c·h(u, L) − e^{uL}·G,   h(u, L) = expm1(u·L)/u
//! G = Σ_{k≥1} g_k,  g_1 = β'·z,  g_{k+1} = g_k·ρ_k,
//! ρ_k = (a+k−1)(β'+k)·z / ((c+k)(k+1))
//! ```
//!
//! and its derivatives follow the same recurrence,
//! `∂g_{k+1} = ∂g_k·ρ_k + g_k·∂ρ_k`, with
//!
//! ```text
//! ∂ρ_k/∂r = −(a+k−1)·q_k,   q_k = z/((c+k)(k+1))
//! ∂ρ_k/∂a = (β'+k + a+k−1)·q_k − ρ_k/(c+k)
//! ∂ρ_k/∂b = (a+k−1)·q_k − ρ_k/(c+k)
//! ∂g_k/∂α = −k·g_k/(α+t)                      (g_k ∝ z^k)
//! ∂h/∂u = (L·e^{uL} − h)/u  (its Taylor series Σ_{j≥1} j·u^{j−1}L^{j+1}/(j+1)! for |uL| < 1/2),
//! ∂h/∂L = e^{uL},  ∂L/∂α = t/(α(α+t))
//! ```
//!
//! Where the value series is ill-conditioned or long (the cases in which
//! `e_bg` hands over to its quadrature) this returns `None` and the caller
//! differentiates numerically.
//!
//! # Pareto/NBD
//!
//! With `ℓ = C + lse(D1, D2)` the log-likelihood of
//! [`ParetoNbdParams::log_likelihood`](crate::btyd::ParetoNbdParams::log_likelihood),
//! `C = lnΓ(r+x) − lnΓ(r) + r ln α + s ln β` and
//! `D1 = −(r+x)·ln(α+T) − s·ln(β+T)`, `P(alive) = e^{D1}/(e^{D1} + e^{D2})`,
//! so `ln P = D1 + C − ℓ` and `∇ ln P = ∇D1 + ∇C − ∇ℓ`, with `∇ℓ` the
//! likelihood's analytic gradient (FH note 009 \[V\]; the same evaluation
//! gives `P`). Then (FH note 009 eq. 41)
//!
//! ```text
//! E[Y(t)] = P · (r+x)(β+T)/(α+T) · H,   H = −h(s−1, L'),  L' = −log1p(t/(β+T))
//! ∂ln E/∂r = ∂ln P/∂r + 1/(r+x),      ∂ln E/∂α = ∂ln P/∂α − 1/(α+T)
//! ∂ln E/∂s = ∂ln P/∂s + (∂H/∂u)/H,    ∂ln E/∂β = ∂ln P/∂β + 1/(β+T) − (∂h/∂L)·(∂L'/∂β)/H
//! ∂L'/∂β = t/((β+T)(β+T+t))
//! ```

use crate::btyd::math::{dpsi, h};

/// `(h(u, L), ∂h/∂u)`, with `∂h/∂L = e^{uL}` left to the caller.
fn h_and_du(u: f64, l: f64) -> (f64, f64) {
    let v = h(u, l);
    let y = u * l;
    if y.abs() < 0.5 {
        // ∂h/∂u = L²·Σ_{j≥1} j·y^{j−1}/(j+1)!: 25 terms reach 0.5^24/26! ≪ ε.
        let mut term = 0.5; // j = 1: 1/2!
        let mut sum = term;
        let mut j = 1.0;
        while j < 25.0 {
            // term_j = j·y^{j−1}/(j+1)!  →  term_{j+1} = term_j·y·(j+1)/(j·(j+2))
            term *= y * (j + 1.0) / (j * (j + 2.0));
            sum += term;
            j += 1.0;
        }
        (v, l * l * sum)
    } else {
        (v, (l * y.exp() - v) / u)
    }
}

/// Most series terms taken here (as `e_bg`).
const SERIES_TERMS: usize = 4000;
/// Largest weighted condition number accepted (as `e_bg`).
const MAX_CONDITION: f64 = 1e3;

/// `E_BG(t; r, α, a, b)` and its gradient in `(r, α, a, b)`, by the
/// G-form series carried with its derivatives (module docs); `None` where
/// `e_bg` would use its quadrature, or a value is not finite. The value is
/// computed by the same operations as `e_bg`'s series, so it is the same
/// number.
pub(crate) fn e_bg_with_gradient(
    t: f64,
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
) -> Option<(f64, [f64; 4])> {
    if t == 0.0 {
        return Some((0.0, [0.0; 4]));
    }
    let z = t / (alpha + t);
    let l = -(t / alpha).ln_1p();
    let u = a - 1.0;
    let ab = a + b;
    let c = ab - 1.0;
    let bp = c - r;
    // The sums of `e_bg`: `(a + b) + (k − 1)` for `c + k`, `(a + b − r) +
    // (k − 1)` for `β' + k`, `a + (k − 1)`.
    let abr = ab - r;
    let mut g = bp * z;
    let mut sum = g;
    let mut abs_sum = g.abs();
    // ∂g in (r, a, b); ∂/∂α as Σ k·g_k.
    let (mut gr, mut ga, mut gb) = (-z, z, z);
    let (mut sr, mut sa, mut sb) = (gr, ga, gb);
    let mut kg = g;
    let mut k = 1.0;
    let mut terms = 1;
    while g != 0.0 {
        let den = (ab + (k - 1.0)) * (k + 1.0);
        let ratio = (a + (k - 1.0)) * (abr + (k - 1.0)) * z / den;
        if ratio.abs() < 1.0 {
            let rho = ratio.abs().max(z);
            if g.abs() * rho / (1.0 - rho) <= 1e-17 * sum.abs() {
                break;
            }
        }
        if terms >= SERIES_TERMS {
            return None;
        }
        let inv = 1.0 / den;
        let q = z * inv;
        let ak = a + (k - 1.0);
        let dc = ratio * (k + 1.0) * inv; // ρ_k/(c+k)
        let dr = -ak * q;
        let da = (abr + (k - 1.0) + ak) * q - dc;
        let db = ak * q - dc;
        gr = gr * ratio + g * dr;
        ga = ga * ratio + g * da;
        gb = gb * ratio + g * db;
        g *= ratio;
        sum += g;
        abs_sum += g.abs();
        sr += gr;
        sa += ga;
        sb += gb;
        k += 1.0;
        kg += k * g;
        terms += 1;
    }
    let (hv, hu) = h_and_du(u, l);
    let ch = c * hv;
    let e = (u * l).exp();
    let v = -ch - e * sum;
    let scale = ch.abs() + e * abs_sum;
    if !(v.is_finite() && v > 0.0 && scale * (1.0 + terms as f64 / 100.0) <= MAX_CONDITION * v) {
        return None;
    }
    let dl_dalpha = t / (alpha * (alpha + t));
    let s_alpha = -kg / (alpha + t);
    let grad = [
        -e * sr,
        -c * e * dl_dalpha - e * (u * dl_dalpha * sum + s_alpha),
        -hv - c * hu - e * (l * sum + sa),
        -hv - e * sb,
    ];
    grad.iter().all(|d| d.is_finite()).then_some((v, grad))
}

/// `(E[Y(t)], ∇_θ ln E[Y(t)])` for BG/NBD (`k = 1`) and MBG/NBD (`k = 0`)
/// in the log-parameters `θ = (ln r, ln α, ln a, ln b)`, given P(alive)'s
/// value `p` and `∇_θ logit P` (module docs). `None` where the series is
/// not usable or `E[Y(t)]` is 0.
pub(crate) fn bg_ln_expected_gradient(
    params: [f64; 4],
    k: f64,
    x: f64,
    big_t: f64,
    t: f64,
    p: f64,
    logit_grad: [f64; 4],
) -> Option<(f64, [f64; 4])> {
    let [r, alpha, a, b] = params;
    if p == 0.0 || t == 0.0 {
        return None;
    }
    let (e, de) = e_bg_with_gradient(t, r + x, alpha + big_t, a, b + x + 1.0 - k)?;
    let q = 1.0 - p;
    let grad = std::array::from_fn(|i| q * logit_grad[i] + params[i] * de[i] / e);
    Some((p * e, grad))
}

/// `(E[Y(t)], ∇_θ ln E[Y(t)])` for Pareto/NBD in the log-parameters
/// `θ = (ln r, ln α, ln s, ln β)`, given `P(alive)` and `∇ℓ`, the
/// log-likelihood's gradient in the natural parameters, from one
/// evaluation (module docs). `None` where `E[Y(t)]` is 0.
pub(crate) fn pnbd_ln_expected_gradient(
    params: [f64; 4],
    x: f64,
    big_t: f64,
    t: f64,
    p: f64,
    ll_grad: [f64; 4],
) -> Option<(f64, [f64; 4])> {
    let [r, alpha, s, beta] = params;
    if p == 0.0 || t == 0.0 {
        return None;
    }
    let (at, bt) = (alpha + big_t, beta + big_t);
    // ∇ ln P = ∇D1 + ∇C − ∇ℓ, natural parameters.
    let dlnp = [
        dpsi(r, x) - (big_t / alpha).ln_1p() - ll_grad[0],
        r / alpha - (r + x) / at - ll_grad[1],
        -(big_t / beta).ln_1p() - ll_grad[2],
        s / beta - s / bt - ll_grad[3],
    ];
    let lp = -(t / bt).ln_1p();
    let (hv, hu) = h_and_du(s - 1.0, lp);
    let big_h = -hv;
    let dh_dl = ((s - 1.0) * lp).exp();
    let dl_dbeta = t / (bt * (bt + t));
    let e = p * (r + x) * bt / at * big_h;
    let natural = [
        dlnp[0] + 1.0 / (r + x),
        dlnp[1] - 1.0 / at,
        dlnp[2] - hu / big_h,
        dlnp[3] + 1.0 / bt - dh_dl * dl_dbeta / big_h,
    ];
    let grad: [f64; 4] = std::array::from_fn(|i| params[i] * natural[i]);
    (e.is_finite() && e > 0.0 && grad.iter().all(|d| d.is_finite())).then_some((e, grad))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btyd::math::e_bg;

    /// Central differences of `ln f` in the log-parameters, step `1e-5`,
    /// in extended (Richardson) form: `(8(f₊ − f₋) − (f₊₂ − f₋₂))/(12h)`.
    fn central(f: impl Fn([f64; 4]) -> f64, at: [f64; 4]) -> [f64; 4] {
        let h = 1e-4;
        std::array::from_fn(|i| {
            let shift = |m: f64| {
                let mut p = at;
                p[i] = (at[i].ln() + m * h).exp();
                f(p).ln()
            };
            (8.0 * (shift(1.0) - shift(-1.0)) - (shift(2.0) - shift(-2.0))) / (12.0 * h)
        })
    }

    #[test]
    fn h_derivative_matches_its_closed_form_on_both_sides_of_the_switch() {
        for &(u, l) in &[
            (0.3, -1.0),
            (-0.49, 1.0),
            (0.51, -1.0),
            (2.0, -3.0),
            (1e-9, -2.0),
            (0.0, -1.5),
        ] {
            let (v, du) = h_and_du(u, l);
            // Away from 0 the closed form; near it the first two Taylor terms.
            let want = if (u * l).abs() < 1e-6 {
                l * l * (0.5 + u * l / 3.0)
            } else {
                (l * (u * l).exp() - v) / u
            };
            assert!(
                (du - want).abs() <= 1e-9 * want.abs().max(1e-300),
                "{u} {l}: {du} {want}"
            );
        }
    }

    #[test]
    fn e_bg_value_is_the_series_value_and_its_gradient_matches_central_differences() {
        // Usual fits, large r, tiny a, huge b, large t/α, a near 1.
        let cases = [
            (52.0, 0.243, 4.41, 0.793, 2.43),
            (52.0, 26.24, 35.4, 0.793, 28.43),
            (30.0, 100.0, 4.41, 0.79, 2.43),
            (30.0, 0.24, 4.41, 0.79, 1e6),
            (30.0, 1.3, 4.41, 1e-3, 3.0),
            (30.0, 1.3, 4.41, 1.0, 3.0),
            (300.0, 5.0, 40.0, 2.5, 7.0),
            (1.0, 0.5, 30.0, 0.5, 0.5),
        ];
        for &(t, r, alpha, a, b) in &cases {
            let Some((v, g)) = e_bg_with_gradient(t, r, alpha, a, b) else {
                continue;
            };
            let plain = e_bg("test", t, r, alpha, a, b).unwrap();
            assert_eq!(v, plain, "{t} {r} {alpha} {a} {b}");
            let p = [r, alpha, a, b];
            let ln_grad: [f64; 4] = std::array::from_fn(|i| p[i] * g[i] / v);
            let num = central(|q| e_bg("test", t, q[0], q[1], q[2], q[3]).unwrap(), p);
            for i in 0..4 {
                assert!(
                    (ln_grad[i] - num[i]).abs() <= 1e-6 * (1.0 + num[i].abs()),
                    "{t} {r} {alpha} {a} {b} [{i}]: {} vs {}",
                    ln_grad[i],
                    num[i]
                );
            }
        }
    }
}
