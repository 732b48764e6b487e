//! Branch-free `ln(1 + x)`, `exp(x)` and `exp(x) − 1` for the array
//! calls, written so that a loop over a slice compiles to SIMD code (no
//! call into the C library per element, no branch on the value).
//!
//! * [`ln_1p`] is fdlibm's `log1p` (as in musl and the `libm` crate):
//!   `1 + x = 2^k · m` with `m ∈ [√2/2, √2)`, the rounding of `1 + x`
//!   corrected by `c = (x − (u − 1))/u`, and `ln m` from `s = f/(2 + f)`,
//!   `f = m − 1`, by fdlibm's degree-14 minimax polynomial in `s`. Its
//!   branches on the size of `x` are replaced by selects; it is meant for
//!   `x ≥ 0` (the callers' `t/α`, `(T − t_x)/(α + t_x)`), where it is
//!   within 1 ulp of `log1p`.
//! * [`ln`] is fdlibm's `log` (as in musl) for positive normal `x`: the
//!   same reduction and polynomial without the rounding correction of
//!   `1 + x`; within 1 ulp of `ln`.
//! * [`exp_m1`] and [`exp`] reduce `x = k·ln 2 + r`, `|r| ≤ ln 2 / 2`
//!   (Cody–Waite with fdlibm's split of `ln 2`), take `e^r − 1` from its
//!   Taylor series to `r^13/13!` (the remainder is below `4e-18`; summed
//!   by Estrin's scheme), and
//!   scale by `2^k` as two powers of two, so that results down to the
//!   subnormals and up to overflow (`inf`) come out right without a branch:
//!   `e^x − 1 = 2^k (e^r − 1) + (2^k − 1)`, exact for `k = 0`, hence full
//!   relative accuracy near 0.
//!
//! Accuracy: within a few ulp of the C library's functions (tested against
//! them below); the callers' results agree with the scalar paths to about
//! `1e-15` relative.

// fdlibm's constants, by their bits (as in its sources): ln 2 split in
// a high part with 11 trailing zero bits and the rest, and the log1p
// polynomial's coefficients.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
const INV_LN2: f64 = std::f64::consts::LOG2_E;
const LG1: f64 = f64::from_bits(0x3fe5_5555_5555_5593);
const LG2: f64 = f64::from_bits(0x3fd9_9999_9997_fa04);
const LG3: f64 = f64::from_bits(0x3fd2_4924_9422_9359);
const LG4: f64 = f64::from_bits(0x3fcc_71c5_1d8e_78af);
const LG5: f64 = f64::from_bits(0x3fc7_4664_96cb_03de);
const LG6: f64 = f64::from_bits(0x3fc3_9a09_d078_c69f);
const LG7: f64 = f64::from_bits(0x3fc2_f112_df3e_5244);
/// 1.5 · 2^52: adding it rounds a float of magnitude below 2^51 to an
/// integer held in the low bits of the sum.
const ROUND: f64 = 6_755_399_441_055_744.0;
/// 2^52 with an integer below 2^52 in its mantissa, minus 2^52.
const TWO52: f64 = 4_503_599_627_370_496.0;

/// `ln(1 + x)` for `x ≥ 0` (finite); see the module notes.
#[inline(always)]
pub(crate) fn ln_1p(x: f64) -> f64 {
    let u = 1.0 + x;
    let ui = u.to_bits();
    let hu = (ui >> 32) + (0x3ff0_0000 - 0x3fe6_a09e);
    let e = hu >> 20;
    // k = e − 1023 as a float, through the mantissa of 2^52.
    let dk = f64::from_bits(0x4330_0000_0000_0000 | e) - (TWO52 + 1023.0);
    // The rounding of 1 + x, as a correction to ln(u).
    let c = (if e >= 0x3ff + 2 {
        1.0 - (u - x)
    } else {
        x - (u - 1.0)
    }) / u;
    let hm = (hu & 0x000f_ffff) + 0x3fe6_a09e;
    let f = f64::from_bits((hm << 32) | (ui & 0xffff_ffff)) - 1.0;
    let hfsq = 0.5 * f * f;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * w.mul_add(w.mul_add(LG6, LG4), LG2);
    let t2 = z * w.mul_add(w.mul_add(w.mul_add(LG7, LG5), LG3), LG1);
    let r = t2 + t1;
    s * (hfsq + r) + (dk * LN2_LO + c) - hfsq + f + dk * LN2_HI
}

/// `ln x` for positive normal `x` (finite, at least `f64::MIN_POSITIVE`);
/// see the module notes. Other inputs give meaningless values: callers
/// check them.
#[inline(always)]
pub(crate) fn ln(x: f64) -> f64 {
    let ix = x.to_bits();
    let hx = (ix >> 32) + (0x3ff0_0000 - 0x3fe6_a09e);
    let e = hx >> 20;
    // k = e − 1023 as a float, through the mantissa of 2^52.
    let dk = f64::from_bits(0x4330_0000_0000_0000 | e) - (TWO52 + 1023.0);
    let hm = (hx & 0x000f_ffff) + 0x3fe6_a09e;
    let f = f64::from_bits((hm << 32) | (ix & 0xffff_ffff)) - 1.0;
    let hfsq = 0.5 * f * f;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * w.mul_add(w.mul_add(LG6, LG4), LG2);
    let t2 = z * w.mul_add(w.mul_add(w.mul_add(LG7, LG5), LG3), LG1);
    let r = t2 + t1;
    s * (hfsq + r) + dk * LN2_LO - hfsq + f + dk * LN2_HI
}

/// `(e^r − 1, 2^k)` with `x = k·ln 2 + r`, the power of two as two
/// factors (each a normal double for every `k` the clamp allows).
#[inline(always)]
fn reduce(x: f64) -> (f64, f64, f64) {
    // Below −746 the result is 0 (or −1), above 710 it is inf, as the
    // clamped value gives; NaN stays NaN through `r`.
    let x = if x < -746.0 { -746.0 } else { x };
    let x = if x > 710.0 { 710.0 } else { x };
    let kf = (x * INV_LN2 + ROUND) - ROUND;
    let r = (x - kf * LN2_HI) - kf * LN2_LO;
    // e^r − 1 = r + r² Σ_{i=0..11} r^i/(i+2)! (Taylor, to r^13/13!), the
    // sum by Estrin's scheme: four dependent steps instead of Horner's
    // eleven, which keeps the pipelines full.
    let c = |i: u32| 1.0 / (2..=i + 2).map(f64::from).product::<f64>();
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let q0 = c(1).mul_add(r, c(0));
    let q1 = c(3).mul_add(r, c(2));
    let q2 = c(5).mul_add(r, c(4));
    let q3 = c(7).mul_add(r, c(6));
    let q4 = c(9).mul_add(r, c(8));
    let q5 = c(11).mul_add(r, c(10));
    let p = q5
        .mul_add(r2, q4)
        .mul_add(r8, q3.mul_add(r2, q2).mul_add(r4, q1.mul_add(r2, q0)));
    let em1 = r + r2 * p;
    // 2^k = 2^k1 · 2^k2 with k1 = round(k/2), both in [−538, 513].
    let k1 = (kf * 0.5 + ROUND) - ROUND;
    let k2 = kf - k1;
    let pow2 = |k: f64| f64::from_bits(((k + ROUND).to_bits().wrapping_add(1023)) << 52);
    (em1, pow2(k1), pow2(k2))
}

/// `e^x − 1`, full relative accuracy near 0; see the module notes.
#[inline(always)]
pub(crate) fn exp_m1(x: f64) -> f64 {
    let (em1, s1, s2) = reduce(x);
    // 2^k (e^r − 1) + (2^k − 1); for large k, where 2^k alone may
    // overflow, e^x − 1 directly.
    let small = em1 * s1 * s2 + (s1 * s2 - 1.0);
    let large = (1.0 + em1) * s1 * s2 - 1.0;
    if x > 40.0 { large } else { small }
}

/// `e^x`; see the module notes.
#[inline(always)]
pub(crate) fn exp(x: f64) -> f64 {
    let (em1, s1, s2) = reduce(x);
    (1.0 + em1) * s1 * s2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> f64 {
        if a == b {
            return 0.0;
        }
        (a - b).abs() / (b.abs() * f64::EPSILON).max(f64::MIN_POSITIVE)
    }

    /// Awkward and spread values: 0, the smallest subnormal, values
    /// around 2^−53, 1, √2 − 1, powers of two, the largest double.
    fn nonnegative() -> Vec<f64> {
        let mut v = vec![
            0.0,
            f64::from_bits(1),
            f64::MIN_POSITIVE,
            1e-300,
            1.1e-16,
            2.3e-16,
            1e-10,
            0.414_213_562_373_095,
            0.5,
            1.0,
            2.0,
            3.0,
            1e10,
            1e300,
            f64::MAX,
        ];
        let mut x = 1e-20_f64;
        while x < 1e20 {
            v.push(x);
            x *= 1.013_7;
        }
        v
    }

    #[test]
    fn ln_1p_is_within_an_ulp_of_the_c_library() {
        for x in nonnegative() {
            let (ours, libc) = (ln_1p(x), x.ln_1p());
            assert!(
                ulps(ours, libc) <= 1.0,
                "ln_1p({x:e}) = {ours:e}, libm {libc:e}"
            );
        }
    }

    #[test]
    fn ln_is_within_an_ulp_of_the_c_library() {
        let mut xs: Vec<f64> = nonnegative()
            .into_iter()
            .filter(|&x| x >= f64::MIN_POSITIVE)
            .collect();
        // Around 1 (where ln cancels), √2/2, √2 and powers of two.
        for centre in [
            1.0,
            std::f64::consts::FRAC_1_SQRT_2,
            std::f64::consts::SQRT_2,
            2.0,
            0.5,
            1024.0,
        ] {
            let mut d = 1e-17_f64;
            while d < 0.1 {
                xs.push(centre * (1.0 + d));
                xs.push(centre * (1.0 - d));
                d *= 1.37;
            }
        }
        for x in xs {
            let (ours, libc) = (ln(x), x.ln());
            assert!(
                ulps(ours, libc) <= 1.0,
                "ln({x:e}) = {ours:e}, libm {libc:e}"
            );
        }
        assert_eq!(ln(1.0), 0.0);
    }

    #[test]
    fn exp_and_exp_m1_are_within_a_few_ulp_of_the_c_library() {
        let mut xs: Vec<f64> = vec![
            0.0, -0.0, 1e-300, -1e-300, 5e-324, 709.7, 709.79, -708.0, -745.0, -745.2,
        ];
        let mut x = 1e-18_f64;
        while x < 800.0 {
            xs.push(x);
            xs.push(-x);
            x *= 1.011_3;
        }
        for x in xs {
            let (e, le) = (exp(x), x.exp());
            let (m, lm) = (exp_m1(x), x.exp_m1());
            // Subnormal results carry fewer bits: compare those absolutely.
            if le >= f64::MIN_POSITIVE || le == 0.0 {
                assert!(
                    ulps(e, le) <= 2.0 || (le == 0.0 && e == 0.0),
                    "exp({x:e}) = {e:e}, libm {le:e}"
                );
            } else {
                assert!(
                    (e - le).abs() <= 4.0 * f64::from_bits(1),
                    "exp({x:e}) = {e:e}, libm {le:e}"
                );
            }
            assert!(ulps(m, lm) <= 2.0, "exp_m1({x:e}) = {m:e}, libm {lm:e}");
        }
        assert_eq!(exp(710.0), f64::INFINITY);
        assert_eq!(exp(-750.0), 0.0);
        assert_eq!(exp_m1(-750.0), -1.0);
        assert!(exp(f64::NAN).is_nan() && exp_m1(f64::NAN).is_nan());
    }
}
