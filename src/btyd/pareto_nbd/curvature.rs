//! The analytic Hessian of the Pareto/NBD objective, for Newton steps near
//! the optimum and for the covariance and status check at it
//! ([spec](crate::btyd::spec#paretonbd-likelihood) \[D\]).
//!
//! Per history, with `p = r + x`, `q = s + 1` and `K̃(y) = K̃_{p,q}(y)` as
//! in [`KTerms`],
//!
//! ```text
//! ℓ  = Δlnγ(r, x) − x ln α + lse(D1, D2)
//! D1 = −p·ln(1 + T/α) − s·ln(1 + T/β)
//! D2 = ln s − ln β + ln J,   J = K̃(t_x) − K̃(T)
//! ∇²ℓ = ∇²Δlnγ − ∇²(x ln α) + w1·∇²D1 + w2·∇²D2 + w1·w2·(∇D2 − ∇D1)(∇D2 − ∇D1)ᵀ
//! ∇²ln J = (M1 − ρ·M2)/(1 − ρ) − ∇ln J ∇ln Jᵀ,   M = ∇²ln K̃ + ∇ln K̃ ∇ln K̃ᵀ,   ρ = K̃(T)/K̃(t_x)
//! ```
//!
//! (`w1`, `w2` the weights `e^{D}/(e^{D1} + e^{D2})`). The second
//! derivatives of `ln K̃` come from the same `₂F₁` series as the value
//! ([`k_series_hess`]): with `S = Σ_k t_k`, `t_k = (e)_k/(c)_k·z^k`,
//! `ln t_k = Σ_{j<k} ln(e+j) − Σ_{j<k} ln(c+j) + k·ln z`, so each second
//! derivative of `S` in `(e, c, z)` is a sum of `t_k` times a product of
//! harmonic sums `H_u(k) = Σ_{j<k} 1/(u+j)`, their squares
//! `Σ_{j<k} 1/(u+j)²` and powers of `k/z`, carried along the series. The
//! Hessian covers the region where `K` comes from that series (`z ≤ 0.95`,
//! `p, q` below the Poisson regime); elsewhere it is not available and the
//! fit keeps to BFGS and central differences.

use super::{
    Chunks, J_DIRECT_BELOW, KTerms, Logs, MAX_TERMS, NO_K, P_POISSON, Row, RowSlots, TimeSlots,
    Z_SERIES_MAX, j_direct,
};
use crate::btyd::math::{dlgamma, dpsi, dtrigamma};

/// A symmetric 4×4 matrix.
pub(super) type Mat4 = [[f64; 4]; 4];

/// `ln K̃_{p,q}(y)` with its gradient ([`KTerms`]) and its Hessian in
/// `(p, q, α, β)` by the `₂F₁` series, the same series as
/// [`k_series`](super::k_series) with the second-order sums carried
/// along; `None` past the term cap.
///
/// Oriented so that `e` is the shape of the larger rate `R1` (`P1 = e`,
/// the other shape `P2`, rate `R2`), `c = P1 + P2`, `z = (R1 − R2)/(R1 + y)`:
///
/// ```text
/// ln K̃ = −P1·ln(1 + y/R1) − P2·ln(1 + y/R2) + ln(R2 + y) − ln(c − 1) + ln S(e, c, z)
/// ∂²ln S/∂u∂v = S_uv/S − S_u·S_v/S²
/// S_ee = Σ t_k (H_e² − H⁽²⁾_e),  S_cc = Σ t_k (H_c² + H⁽²⁾_c),  S_ec = −Σ t_k H_e H_c
/// S_ez = Σ t_k H_e k/z,  S_cz = −Σ t_k H_c k/z,  S_zz = Σ t_k k(k−1)/z²
/// ```
///
/// (`H⁽²⁾_u(k) = Σ_{j<k} 1/(u+j)²`), chained through `e = P1`,
/// `c = P1 + P2`, `z_R1 = (R2+y)/(R1+y)²`, `z_R2 = −1/(R1+y)`,
/// `z_R1R1 = −2(R2+y)/(R1+y)³`, `z_R1R2 = 1/(R1+y)²` \[D\].
pub(super) fn k_series_hess(
    p: f64,
    q: f64,
    alpha: f64,
    beta: f64,
    y: f64,
    logs: Logs,
) -> Option<(KTerms, Mat4)> {
    let Logs {
        l1a,
        l1b,
        ln_a,
        ln_b,
        ln_c1,
        ..
    } = logs;
    let c = p + q;
    let ge = alpha >= beta;
    // Oriented: (P1, R1, ln(1 + y/R1)) with the larger rate.
    let (p1, r1, l1_1, p2, r2, l1_2, ln_r2) = if ge {
        (p, alpha, l1a, q, beta, l1b, ln_b)
    } else {
        (q, beta, l1b, p, alpha, l1a, ln_a)
    };
    let e = p1;
    let (r1y, r2y) = (r1 + y, r2 + y);
    let z = (r1 - r2) / r1y;
    // First order: S_e, −S_c and z·S_z as in `k_series`; second order:
    // Σ t(He² − H2e), Σ t(Hc² + H2c), Σ t·He·Hc, Σ t·He·k/z, Σ t·Hc·k/z,
    // Σ t·k(k−1)/z².
    let (mut t, mut sum) = (1.0_f64, 1.0_f64);
    let (mut he, mut hc, mut he2, mut hc2) = (0.0, 0.0, 0.0, 0.0);
    let (mut she, mut shc, mut sk) = (0.0, 0.0, 0.0);
    let (mut s_ee, mut s_cc, mut s_ec, mut s_ez, mut s_cz, mut s_zz) =
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    // t_k/z of the previous term (0 before the first).
    let mut prev_tz = 0.0_f64;
    let mut k = 0.0_f64;
    let tail = 1.0 / (1.0 - z);
    loop {
        let (ek, ck) = (e + k, c + k);
        let d = 1.0 / (ek * ck);
        let inv_e = ck * d;
        let inv_c = ek * d;
        let ratio = ek * inv_c;
        // t_{k+1}/z and t_{k+1}/z².
        let t_over_z = t * ratio;
        let t_over_z2 = prev_tz * ratio;
        he += inv_e;
        hc += inv_c;
        he2 += inv_e * inv_e;
        hc2 += inv_c * inv_c;
        let k1 = k + 1.0;
        sk += k1 * t_over_z;
        s_ez += t_over_z * he * k1;
        s_cz += t_over_z * hc * k1;
        s_zz += t_over_z2 * k1 * k;
        prev_tz = t_over_z;
        t = t_over_z * z;
        k = k1;
        if t == 0.0 {
            // At z = 0 the k = 2 term of S_zz (t_2/z²) is still to come.
            if t_over_z2 == 0.0 && k > 1.0 {
                break;
            }
            continue;
        }
        sum += t;
        she += t * he;
        shc += t * hc;
        s_ee += t * (he * he - he2);
        s_cc += t * (hc * hc + hc2);
        s_ec += t * he * hc;
        let w1 = 1.0 + he + hc;
        let w2 = (k + 2.0 * tail) * (k + 2.0 * tail) + w1 * w1;
        if t * z * tail * w1 <= 1e-17 * sum
            && t * (k * tail + tail * tail) <= 1e-16 * sk
            && t * z * tail * w2 <= 1e-16 * (sum + sk * z + s_zz * z * z)
        {
            break;
        }
        if k > MAX_TERMS as f64 {
            return None;
        }
    }
    let ln_k = -p * l1a - q * l1b + ln_r2 + l1_2 + sum.ln() - ln_c1;
    let inv_c1 = 1.0 / logs.c1(p, q);
    // Derivatives of ln S in (e, c, z).
    let (le, lc, lz) = (she / sum, -shc / sum, sk / sum);
    let lee = s_ee / sum - le * le;
    let lcc = s_cc / sum - lc * lc;
    let lec = -s_ec / sum - le * lc;
    let lez = s_ez / sum - le * lz;
    let lcz = -s_cz / sum - lc * lz;
    let lzz = s_zz / sum - lz * lz;
    let z1 = r2y / (r1y * r1y);
    let z2 = -1.0 / r1y;
    let z11 = -2.0 * r2y / (r1y * r1y * r1y);
    let z12 = 1.0 / (r1y * r1y);
    // Oriented gradient (P1, P2, R1, R2).
    let (ya1, ya2) = (y / (r1 * r1y), y / (r2 * r2y));
    let g = [
        -l1_1 - inv_c1 + le + lc,
        -l1_2 - inv_c1 + lc,
        p1 * ya1 + lz * z1,
        1.0 / r2y + p2 * ya2 + lz * z2,
    ];
    // Oriented Hessian: the explicit terms, then J^T L J + lz·∇²z.
    let ic2 = inv_c1 * inv_c1;
    let mut h = [[0.0; 4]; 4];
    h[0][0] = ic2 + lee + 2.0 * lec + lcc;
    h[0][1] = ic2 + lec + lcc;
    h[1][1] = ic2 + lcc;
    h[0][2] = ya1 + (lez + lcz) * z1;
    h[0][3] = (lez + lcz) * z2;
    h[1][2] = lcz * z1;
    h[1][3] = ya2 + lcz * z2;
    h[2][2] = -p1 * y * (2.0 * r1 + y) / (r1 * r1y * r1 * r1y) + lzz * z1 * z1 + lz * z11;
    h[2][3] = lzz * z1 * z2 + lz * z12;
    h[3][3] = -p2 * y * (2.0 * r2 + y) / (r2 * r2y * r2 * r2y) - 1.0 / (r2y * r2y) + lzz * z2 * z2;
    // Back to (p, q, α, β).
    let map: [usize; 4] = if ge { [0, 1, 2, 3] } else { [1, 0, 3, 2] };
    let mut out = [[0.0; 4]; 4];
    let mut grad = [0.0; 4];
    for i in 0..4 {
        grad[map[i]] = g[i];
        for j in i..4 {
            out[map[i]][map[j]] = h[i][j];
            out[map[j]][map[i]] = h[i][j];
        }
    }
    let terms = KTerms {
        ln_k,
        dp: grad[0],
        dq: grad[1],
        da: grad[2],
        db: grad[3],
    };
    (ln_k.is_finite() && out.iter().flatten().all(|v| v.is_finite())).then_some((terms, out))
}

/// [`k_series_hess`] where `K` comes from the series in the fit's
/// objective (`p`, `q` below the Poisson regime, `z ≤ 0.95`); `None`
/// elsewhere (no Hessian there).
fn k_terms_hess(
    p: f64,
    q: f64,
    alpha: f64,
    beta: f64,
    y: f64,
    logs: Logs,
) -> Option<(KTerms, Mat4)> {
    let z = if alpha >= beta {
        (alpha - beta) / (alpha + y)
    } else {
        (beta - alpha) / (beta + y)
    };
    if p >= P_POISSON || q >= P_POISSON || z > Z_SERIES_MAX {
        return None;
    }
    k_series_hess(p, q, alpha, beta, y, logs)
}

/// One history's term `ℓ` with its gradient and Hessian in the natural
/// parameters `(r, α, s, β)`.
pub(super) type RowCurvature = (f64, [f64; 4], Mat4);

/// The per-evaluation state of the Hessian path: like
/// [`RowEvaluator`](super::RowEvaluator), the `K` terms (with their
/// Hessians) per time slot for the current `x`, and the per-time logs.
pub(super) struct HessEvaluator {
    x: Option<u32>,
    lg: f64,
    dp: f64,
    dt: f64,
    ln_c1: f64,
    pm1: f64,
    qm1: f64,
    ln_al: f64,
    ln_s: f64,
    ln_be: f64,
    generation: u32,
    slots: Vec<(u32, KTerms, Mat4)>,
    logs: Vec<(f64, f64)>,
}

/// Indices of `(p, q, α, β)` among `(r, α, s, β)`.
const NATURAL: [usize; 4] = [0, 2, 1, 3];

impl HessEvaluator {
    pub(super) fn new(count: usize) -> Self {
        Self {
            x: None,
            lg: 0.0,
            dp: 0.0,
            dt: 0.0,
            ln_c1: 0.0,
            pm1: 0.0,
            qm1: 0.0,
            ln_al: 0.0,
            ln_s: 0.0,
            ln_be: 0.0,
            generation: 0,
            slots: vec![(NO_K.0, NO_K.1, [[f64::NAN; 4]; 4]); count],
            logs: vec![(f64::NAN, f64::NAN); count],
        }
    }

    fn k(
        &mut self,
        (p, q): (f64, f64),
        (al, be): (f64, f64),
        y: f64,
        l1: (f64, f64),
        slot: u32,
    ) -> Option<(KTerms, Mat4)> {
        let (stamp, k, h) = self.slots[slot as usize];
        if stamp == self.generation {
            return Some((k, h));
        }
        let logs = Logs {
            l1a: l1.0,
            l1b: l1.1,
            ln_a: self.ln_al,
            ln_b: self.ln_be,
            ln_c1: self.ln_c1,
            pm1: self.pm1,
            qm1: self.qm1,
        };
        let (k, h) = k_terms_hess(p, q, al, be, y, logs)?;
        self.slots[slot as usize] = (self.generation, k, h);
        Some((k, h))
    }

    /// `row`'s term at `par` (times scaled by `scale`), with its gradient
    /// and Hessian in the natural parameters; `None` where the Hessian is
    /// not available or a series fails.
    pub(super) fn eval(
        &mut self,
        par: [f64; 4],
        row: &Row,
        [ia, ib]: [u32; 2],
        scale: f64,
    ) -> Option<RowCurvature> {
        let [r, al, s, be] = par;
        let x = f64::from(row.x);
        if self.x != Some(row.x) {
            self.x = Some(row.x);
            self.lg = dlgamma(r, x);
            self.dp = dpsi(r, x);
            self.dt = dtrigamma(r, x);
            self.generation += 1;
            self.ln_c1 = (r + x + s).ln();
            self.pm1 = r + (x - 1.0);
            self.qm1 = s;
            self.ln_al = al.ln();
            self.ln_s = s.ln();
            self.ln_be = be.ln();
        }
        let (t_x, big_t) = (row.a * scale, row.b * scale);
        let logs = &mut self.logs;
        let mut l1 = |i: u32, y: f64| {
            let e = &mut logs[i as usize];
            if e.0.is_nan() {
                *e = ((y / al).ln_1p(), (y / be).ln_1p());
            }
            *e
        };
        let at = RowSlots {
            slots: [ia, ib],
            l1: [l1(ia, t_x), l1(ib, big_t)],
        };
        let rx = r + x;
        let (l_at, l_bt) = at.l1[1];
        let d1 = -rx * l_at - s * l_bt;
        // ∇D1 and ∇²D1 in (r, α, s, β).
        let ua = big_t / (al * (al + big_t));
        let ub = big_t / (be * (be + big_t));
        let g1 = [-l_at, rx * ua, -l_bt, s * ub];
        let mut h1 = [[0.0; 4]; 4];
        h1[0][1] = ua;
        h1[1][0] = ua;
        h1[1][1] = -rx * ua * ua * (2.0 * al + big_t) / big_t;
        h1[2][3] = ub;
        h1[3][2] = ub;
        h1[3][3] = -s * ub * ub * (2.0 * be + big_t) / big_t;
        if big_t == 0.0 {
            h1[1][1] = 0.0;
            h1[3][3] = 0.0;
        }
        let mut d2 = f64::NEG_INFINITY;
        let mut g2 = [0.0; 4];
        let mut h2 = [[0.0; 4]; 4];
        if t_x < big_t {
            let pq = (rx, s + 1.0);
            let (k1, hk1) = self.k(pq, (al, be), t_x, at.l1[0], ia)?;
            let (k2, hk2) = self.k(pq, (al, be), big_t, at.l1[1], ib)?;
            let d = k2.ln_k - k1.ln_k;
            let direct = if d > -J_DIRECT_BELOW {
                j_direct(pq.0, pq.1, al, be, t_x, big_t, 2)
            } else {
                None
            };
            if let Some((ln_j, gj, hj)) = direct {
                d2 = self.ln_s - self.ln_be + ln_j;
                for i in 0..4 {
                    g2[NATURAL[i]] = gj[i];
                    for j in 0..4 {
                        h2[NATURAL[i]][NATURAL[j]] = hj[i][j];
                    }
                }
                g2[3] -= 1.0 / be;
                h2[3][3] += 1.0 / (be * be);
            } else if d < 0.0 {
                let rho = d.exp();
                let one_m = -d.exp_m1();
                let l1m = if d > -std::f64::consts::LN_2 {
                    one_m.ln()
                } else {
                    (-rho).ln_1p()
                };
                d2 = self.ln_s - self.ln_be + k1.ln_k + l1m;
                // In (p, q, α, β) order.
                let ga = [k1.dp, k1.dq, k1.da, k1.db];
                let gb = [k2.dp, k2.dq, k2.da, k2.db];
                let gj: [f64; 4] = std::array::from_fn(|i| (ga[i] - rho * gb[i]) / one_m);
                for i in 0..4 {
                    g2[NATURAL[i]] = gj[i];
                    for j in 0..4 {
                        let m1 = hk1[i][j] + ga[i] * ga[j];
                        let m2 = hk2[i][j] + gb[i] * gb[j];
                        h2[NATURAL[i]][NATURAL[j]] = (m1 - rho * m2) / one_m - gj[i] * gj[j];
                    }
                }
                g2[3] -= 1.0 / be;
                h2[3][3] += 1.0 / (be * be);
            }
        }
        let (hi, e, w2) = if d2 == f64::NEG_INFINITY {
            (d1, 0.0, 0.0)
        } else {
            let diff = d2 - d1;
            let e = (-diff.abs()).exp();
            if diff >= 0.0 {
                (d2, e, 1.0 / (1.0 + e))
            } else {
                (d1, e, e / (1.0 + e))
            }
        };
        let ll = self.lg - x * self.ln_al + hi + e.ln_1p();
        let w1 = 1.0 - w2;
        // D2's `ln s` (gradient 1/s, curvature −1/s²) is added here, not in
        // `g2`, `h2`: in ∂²ℓ/∂s² its parts −w2/s² and w1·w2/s² would cancel
        // to −w2²/s² (tiny `s`: 1e18-sized terms for an O(1) result), so
        // that entry is formed as w2·(−w2/s² + 2·w1·a/s + w1·a²) with
        // `a` the rest of ∂(D2 − D1)/∂s.
        let inv_s = if w2 == 0.0 { 0.0 } else { 1.0 / s };
        let mut g = [0.0; 4];
        let mut h = [[0.0; 4]; 4];
        for i in 0..4 {
            let si = if i == 2 { inv_s } else { 0.0 };
            g[i] = w1 * g1[i] + w2 * (g2[i] + si);
            for j in 0..4 {
                let sj = if j == 2 { inv_s } else { 0.0 };
                let di = g2[i] - g1[i] + si;
                let dj = g2[j] - g1[j] + sj;
                h[i][j] = w1 * h1[i][j]
                    + if w2 == 0.0 {
                        0.0
                    } else if i == 2 && j == 2 {
                        let a = g2[2] - g1[2];
                        w2 * h2[2][2]
                            + w2 * (-w2 * inv_s * inv_s + 2.0 * w1 * a * inv_s + w1 * a * a)
                    } else {
                        w2 * h2[i][j] + w1 * w2 * di * dj
                    };
            }
        }
        g[0] += self.dp;
        g[1] -= x / al;
        h[0][0] += self.dt;
        h[1][1] += x / (al * al);
        (ll.is_finite() && g.iter().chain(h.iter().flatten()).all(|v| v.is_finite()))
            .then_some((ll, g, h))
    }
}

/// The weighted log-likelihood of `rows`, its gradient and its Hessian in
/// the natural parameters, serially; `None` where the Hessian is not
/// available.
pub(super) fn curvature_part(
    rows: &[Row],
    times: &TimeSlots,
    scale: f64,
    par: [f64; 4],
) -> Option<RowCurvature> {
    let mut terms = HessEvaluator::new(times.count);
    let mut total = (0.0, [0.0; 4], [[0.0; 4]; 4]);
    for (row, &slots) in rows.iter().zip(&times.rows) {
        let (ll, g, h) = terms.eval(par, row, slots, scale)?;
        add_weighted(&mut total, row.w, &(ll, g, h));
    }
    Some(total)
}

/// `acc += w·term`.
pub(super) fn add_weighted(acc: &mut RowCurvature, w: f64, term: &RowCurvature) {
    acc.0 += w * term.0;
    for i in 0..4 {
        acc.1[i] += w * term.1[i];
        for j in 0..4 {
            acc.2[i][j] += w * term.2[i][j];
        }
    }
}

/// The objective (negative log-likelihood) at `θ = ln(r, α, s, β)`, its
/// gradient and Hessian in `θ`, from the sums in the natural parameters
/// `φ`: `∂²/∂θ_i∂θ_j = φ_i φ_j ∂²/∂φ_i∂φ_j + [i = j]·φ_i ∂/∂φ_i`.
pub(super) fn to_theta(par: [f64; 4], total: &RowCurvature, g: &mut [f64; 4], h: &mut Mat4) -> f64 {
    for i in 0..4 {
        g[i] = -total.1[i] * par[i];
        for j in 0..4 {
            h[i][j] = -total.2[i][j] * par[i] * par[j];
        }
        h[i][i] -= total.1[i] * par[i];
    }
    -total.0
}

impl Chunks<'_> {
    /// The Hessian path of [`Chunks::work`]: each row's term with its
    /// gradient and Hessian, into [`Chunks::curv`].
    pub(super) fn work_hess(&self, par: [f64; 4], scale: f64) {
        let mut terms = HessEvaluator::new(self.times.count);
        loop {
            let j = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if j >= self.curv.len() || self.failed.load(std::sync::atomic::Ordering::Relaxed) {
                return;
            }
            let mut out = self.curv[j]
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            out.clear();
            let lo = j * super::CHUNK_ROWS;
            let hi = (lo + super::CHUNK_ROWS).min(self.rows.len());
            for (row, &slots) in self.rows[lo..hi].iter().zip(&self.times.rows[lo..hi]) {
                let Some(term) = terms.eval(par, row, slots, scale) else {
                    self.failed
                        .store(true, std::sync::atomic::Ordering::Relaxed);
                    return;
                };
                out.push(term);
            }
        }
    }

    /// The weighted sums of [`work_hess`](Self::work_hess)'s terms, the two
    /// fixed halves of the rows each in order, then added.
    pub(super) fn sums_hess(&self) -> Option<RowCurvature> {
        if self.failed.load(std::sync::atomic::Ordering::Relaxed) {
            return None;
        }
        let half = self.rows.len() / 2;
        let mut acc = [(0.0, [0.0; 4], [[0.0; 4]; 4]); 2];
        for (j, chunk) in self.curv.iter().enumerate() {
            let chunk = chunk
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for (k, term) in chunk.iter().enumerate() {
                let i = j * super::CHUNK_ROWS + k;
                add_weighted(&mut acc[usize::from(i >= half)], self.rows[i].w, term);
            }
        }
        let [mut a, b] = acc;
        add_weighted(&mut a, 1.0, &b);
        Some(a)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{KTerms, Logs, k_series};
    use super::*;

    fn logs(p: f64, q: f64, al: f64, be: f64, y: f64) -> Logs {
        Logs {
            l1a: (y / al).ln_1p(),
            l1b: (y / be).ln_1p(),
            ln_a: al.ln(),
            ln_b: be.ln(),
            ln_c1: (p + q - 1.0).ln(),
            pm1: p - 1.0,
            qm1: q - 1.0,
        }
    }

    fn grad_of(k: &KTerms) -> [f64; 4] {
        [k.dp, k.dq, k.da, k.db]
    }

    /// `ln K̃`'s Hessian against central differences (relative step 1e-5)
    /// of its analytic gradient from `k_series`, on both sides (`α ≥ β`
    /// and `α < β`), at `α = β` (`z = 0`) and up to `z = 0.95`.
    #[test]
    fn k_hessian_matches_central_differences_of_the_gradient() {
        let cases = [
            (0.55, 1.6, 0.27, 0.3, 0.0),
            (3.55, 1.6, 0.27, 0.3, 0.4),
            (1.2, 1.9, 0.8, 0.2, 0.7),
            (25.0, 1.01, 0.05, 2.0, 0.3),
            (0.3, 5.0, 1.0, 1.0, 0.5),
            (2.0, 3.0, 3.0, 0.1, 0.05),
            (0.8, 1.4, 0.01, 0.25, 0.0),
        ];
        for (p, q, al, be, y) in cases {
            let (k, h) = k_series_hess(p, q, al, be, y, logs(p, q, al, be, y)).unwrap();
            let plain = k_series(p, q, al, be, y, true, logs(p, q, al, be, y)).unwrap();
            assert!((k.ln_k - plain.ln_k).abs() < 1e-13 * plain.ln_k.abs().max(1.0));
            for (a, b) in grad_of(&k).iter().zip(grad_of(&plain)) {
                assert!((a - b).abs() < 1e-12 * b.abs().max(1.0), "{a} {b}");
            }
            let v = [p, q, al, be];
            for j in 0..4 {
                let step = 1e-5 * v[j];
                let at = |d: f64| {
                    let mut u = v;
                    u[j] += d;
                    let [p, q, al, be] = u;
                    grad_of(&k_series(p, q, al, be, y, true, logs(p, q, al, be, y)).unwrap())
                };
                let (up, dn) = (at(step), at(-step));
                for i in 0..4 {
                    let fd = (up[i] - dn[i]) / (2.0 * step);
                    let scale = h[i][j]
                        .abs()
                        .max(1e-3 * (1.0 / v[i] / v[j]).min(1.0))
                        .max(1e-6);
                    assert!(
                        (fd - h[i][j]).abs() < 1e-5 * scale.max(fd.abs()),
                        "{:?} H[{i}][{j}] = {} against {fd}",
                        (p, q, al, be, y),
                        h[i][j]
                    );
                }
            }
        }
    }

    /// The objective's Hessian in `θ` (serial sum over rows of awkward
    /// histories) against central differences of its analytic gradient,
    /// and its value and gradient against the objective's.
    #[test]
    fn objective_hessian_matches_central_differences_of_the_gradient() {
        let mk = |x: u32, a: f64, b: f64, w: f64| Row { x, a, b, w };
        let mut rows = vec![
            mk(0, 0.0, 1.0, 30.0),
            mk(0, 0.0, 0.6, 12.0),
            mk(1, 0.2, 1.0, 7.0),
            mk(1, 0.9, 0.9, 2.0),
            mk(3, 0.5, 0.8, 4.0),
            mk(6, 0.95, 1.0, 1.0),
            mk(40, 0.99, 1.0, 1.0),
        ];
        rows.sort_by(|u, v| u.x.cmp(&v.x).then(u.b.total_cmp(&v.b)));
        let times = TimeSlots::new(&rows);
        for theta in [
            [-0.59, -1.30, -0.50, -1.20],
            [0.3, 0.1, -1.0, 0.4],
            [-1.5, -2.0, 0.7, 0.2],
        ] {
            let eval = |th: [f64; 4]| {
                let par = th.map(f64::exp);
                let total = curvature_part(&rows, &times, 1.0, par).unwrap();
                let (mut g, mut h) = ([0.0; 4], [[0.0; 4]; 4]);
                let v = to_theta(par, &total, &mut g, &mut h);
                (v, g, h)
            };
            let (v, g, h) = eval(theta);
            // Against the objective's own value and gradient.
            let (mut g0, par) = ([0.0; 4], theta.map(f64::exp));
            let (f0, acc) =
                super::super::nll_part(&rows, &times.rows, times.count, 1.0, par, true).unwrap();
            for i in 0..4 {
                g0[i] = -acc[i] * par[i];
            }
            assert!((v + f0).abs() < 1e-12 * f0.abs(), "{v} {f0}");
            for i in 0..4 {
                assert!((g[i] - g0[i]).abs() < 1e-10 * g0[i].abs().max(1.0));
            }
            for j in 0..4 {
                let step = 1e-6;
                let (mut up, mut dn) = (theta, theta);
                up[j] += step;
                dn[j] -= step;
                let (gu, gd) = (eval(up).1, eval(dn).1);
                for i in 0..4 {
                    let fd = (gu[i] - gd[i]) / (2.0 * step);
                    assert!(
                        (fd - h[i][j]).abs() < 1e-6 * h[i][j].abs().max(1.0),
                        "{theta:?} H[{i}][{j}] = {} against {fd}",
                        h[i][j]
                    );
                }
            }
        }
    }

    /// Where the Hessian path answers (both `K` from the series), each
    /// reference row's value, gradient and Hessian in `θ = ln(r, α, s, β)`
    /// (as the fit uses them) against the 40-digit references of
    /// [`row_reference`](super::super::row_reference): within `1e-9`
    /// relative of the entry, or of `1e-6` times the row's largest entry
    /// where the entry is smaller (entries such as `∂ℓ/∂ln s` at `x = 0`
    /// and tiny `r`, `s`, an O(1e-10) cancelled sum of O(1e-2) terms).
    #[test]
    fn hessian_matches_40_digit_references() {
        use super::super::row_reference::{err, references};
        let mut checked = 0;
        let mut worst = 0.0_f64;
        for c in references().iter() {
            let rows = [Row {
                x: c.x,
                a: c.t_x,
                b: c.big_t,
                w: 1.0,
            }];
            let times = TimeSlots::new(&rows);
            let Some((ll, g, h)) = curvature_part(&rows, &times, 1.0, c.par) else {
                continue;
            };
            checked += 1;
            let mut e = err(ll, c.ll, 1e-3);
            // In θ = ln(par), as the fit uses them:
            // ∂²ℓ/∂θi∂θj = par_i·par_j·H_ij + [i = j]·par_i·g_i.
            let th = |h: &[[f64; 4]; 4], g: [f64; 4]| -> [[f64; 4]; 4] {
                std::array::from_fn(|i| {
                    std::array::from_fn(|j| {
                        c.par[i] * c.par[j] * h[i][j] + if i == j { g[i] } else { 0.0 }
                    })
                })
            };
            let ours_g: [f64; 4] = std::array::from_fn(|i| g[i] * c.par[i]);
            let (ours, want) = (th(&h, ours_g), th(&c.hess, c.grad));
            let gs = c.grad.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
            let hs = want.iter().flatten().fold(0.0_f64, |m, v| m.max(v.abs()));
            for i in 0..4 {
                e = e.max(err(ours_g[i], c.grad[i], 1e-6 * gs));
                for j in 0..4 {
                    e = e.max(err(ours[i][j], want[i][j], 1e-6 * hs));
                }
            }
            worst = worst.max(e);
        }
        assert!(checked >= 20, "{checked}");
        assert!(worst < 1e-9, "{worst:e}");
    }
}
