//! Gauss's hypergeometric function `₂F₁(a, b; c; z)` by a log-scaled power
//! series with Euler's and Pfaff's transformations, refusing where the
//! series cancels.

use crate::{Error, Result};

/// Most terms a series may take before it is an error ([spec](crate::btyd::spec#hypergeometric-series)).
pub(crate) const MAX_TERMS: usize = 1_000_000;

/// Largest condition number `Σ|t_k| / |Σ t_k|` accepted: beyond it the
/// alternating sum has lost more than 4 of its 16 digits and is refused.
const MAX_CONDITION: f64 = 1e4;

/// `2^±600`: the rescaling step that keeps the running sum finite.
const BIG: f64 = 4.149515568880993e180;
const LN_BIG: f64 = 415.888_308_335_967_2;

/// Gauss's hypergeometric function `₂F₁(a, b; c; z)` for real arguments
/// ([spec](crate::btyd::spec#hypergeometric-series) \[D\]):
///
/// ```text
/// ₂F₁(a, b; c; z) = Σ_k t_k,   t_0 = 1,   t_{k+1} = t_k·(a+k)(b+k)·z / ((c+k)(k+1))
///
/// Pfaff (z < 0):  F(a,b;c;z) = (1−z)^(−a)·F(a, c−b; c; z/(z−1))
/// Euler (c−a−b < 0, c−a ≥ 0, c−b ≥ 0, 0 ≤ z < 1):
///                 F(a,b;c;z) = (1−z)^(c−a−b)·F(c−a, c−b; c; z)
/// ```
///
/// The sum is kept rescaled by powers of 2, so a large value (row 6 of
/// the [reference table](crate::btyd::spec#hypergeometric-reference-values) is `1.3e253`) is computed without overflow in
/// the partial sums. The series stops once the term ratio is below 1 and
/// `|t_k|·ρ/(1−ρ) ≤ 1e-17·|S|`, `ρ = max(|next ratio|, |z|)`, a bound on
/// the tail when the ratios approach `z` monotonically; a non-positive
/// integer `a` or `b` ends it exactly (a polynomial, valid for any `z`).
/// Convergence is geometric in `z`: about `40/(1−z)` terms.
///
/// Where every term is non-negative (`a, b ≥ 0`, `c > 0` after the
/// transformations, which covers the Pareto/NBD, BG/NBD and BG/BB regions)
/// there is no cancellation and the result matches 40-digit references to
/// about `1e-13`. For `z < 0` both Pfaff forms (on `a` and on `b`) and,
/// when `|z| < 1`, the plain series are tried, and the one whose terms
/// cancel least is kept; the series tracks its condition number
/// `Σ|t_k| / |Σ t_k|`, and when even the best form exceeds `10⁴` (more
/// than 4 of 16 digits lost: large `a`, `b` against a small `c` at
/// `z < 0`, e.g. `F(164.29, 473.87; 2.6276; −1.2629) = 7.44e-119`) the
/// result is an error, never a wrong number. The
/// connection formula near `z = 1` (DLMF 15.8.4) is not implemented: such
/// points exceed the term cap and are an error, never an inaccurate number.
///
/// \[Citations: DLMF 15.2.1 (series), 15.8.1 (Pfaff and Euler); the stop
/// rule and term cap are this crate's convention \[L\].\]
///
/// # Errors
///
/// - [`Error::InvalidParameter`] when an argument is not finite, when `c`
///   is a non-positive integer (a pole) and the series does not terminate
///   first, or when `z ≥ 1` and the series does not terminate.
/// - [`Error::InvalidValue`] when the series needs more than 10⁶ terms
///   (`1 − z` below about `4e-5`), or when every form cancels (above).
/// - [`Error::Overflow`] when the value exceeds `f64`.
///
/// # Example
///
/// ```
/// use customer_value::btyd::hyp2f1;
///
/// // ₂F₁(1, 1; 2; z) = −ln(1−z)/z.
/// let v = hyp2f1(1.0, 1.0, 2.0, 0.5)?;
/// assert!((v - 2.0 * 2f64.ln()).abs() < 1e-15);
/// // Row 7 of the reference values in btyd::spec, where scipy 1.14 returns NaN.
/// let v = hyp2f1(1.0, 2.5, 136.5, 0.9875)?;
/// assert!((v / 1.01855588052747717859 - 1.0).abs() < 1e-13);
/// // A non-positive integer `a` gives a polynomial: 1 − 2z/3 at b = 1, c = 3.
/// assert!((hyp2f1(-1.0, 2.0, 3.0, 6.0)? - -3.0).abs() < 1e-15);
/// assert!(hyp2f1(1.0, 1.0, 2.0, 1.0).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<f64> {
    let (ln_abs, sign) = ln_hyp2f1(a, b, c, z)?;
    let v = sign * ln_abs.exp();
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Error::Overflow {
            what: "hypergeometric 2F1",
        })
    }
}

/// `(ln|₂F₁(a, b; c; z)|, sign)`, the sign `0.0` for an exact zero; see
/// [`hyp2f1`] for the method and errors.
pub(crate) fn ln_hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<(f64, f64)> {
    for (name, v) in [("a", a), ("b", b), ("c", c), ("z", z)] {
        if !v.is_finite() {
            return Err(Error::InvalidParameter {
                name,
                value: v.to_string(),
                reason: "hypergeometric 2F1 arguments must be finite",
            });
        }
    }
    if terminates(a) || terminates(b) {
        let (l, s, cond) = series_cond(a, b, c, z)?;
        if cond > MAX_CONDITION {
            return Err(cancels(a, b, c, z, cond));
        }
        return Ok((l, s));
    }
    if is_pole(c) {
        return Err(Error::InvalidParameter {
            name: "c",
            value: c.to_string(),
            reason: "hypergeometric 2F1 is undefined at a non-positive integer c",
        });
    }
    if !(z < 1.0) {
        return Err(Error::InvalidParameter {
            name: "z",
            value: z.to_string(),
            reason: "hypergeometric 2F1 series needs z < 1 unless a or b is a non-positive integer",
        });
    }
    // Candidate forms `(ln prefactor, a, b, z)`, all equal to F(a, b; c; z).
    let mut forms = [None; 3];
    if z < 0.0 {
        // Pfaff on either upper parameter: z/(z−1) ∈ (0, 1).
        let ln1mz = (-z).ln_1p();
        let w = z / (z - 1.0);
        forms[0] = Some((-a * ln1mz, a, c - b, w));
        forms[1] = Some((-b * ln1mz, b, c - a, w));
        if z > -1.0 {
            forms[2] = Some((0.0, a, b, z));
        }
    } else {
        forms[0] = Some((0.0, a, b, z));
    }
    let mut best: Option<(f64, f64, f64)> = None;
    let mut first_err = None;
    for (mut ln_pre, mut a, mut b, z) in forms.into_iter().flatten() {
        if !terminates(a) && !terminates(b) && c - a - b < 0.0 && c - a >= 0.0 && c - b >= 0.0 {
            // Euler: non-negative parameters, no overflow of the raw sum.
            ln_pre += (c - a - b) * (-z).ln_1p();
            (a, b) = (c - a, c - b);
        }
        match series_cond(a, b, c, z) {
            Ok((l, s, cond)) => {
                if best.is_none_or(|(_, _, bc)| cond < bc) {
                    best = Some((l + ln_pre, s, cond));
                }
                if cond <= 1.0 {
                    break;
                }
            }
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    match best {
        Some((l, s, cond)) if cond <= MAX_CONDITION => Ok((l, s)),
        Some((_, _, cond)) => Err(cancels(a, b, c, z, cond)),
        None => Err(first_err.unwrap_or(Error::Overflow {
            what: "hypergeometric 2F1",
        })),
    }
}

fn cancels(a: f64, b: f64, c: f64, z: f64, cond: f64) -> Error {
    Error::InvalidValue {
        what: "hypergeometric 2F1",
        reason: format!(
            "every series form cancels (condition number {cond:e} > {MAX_CONDITION:e}) at a = {a}, b = {b}, c = {c}, z = {z}"
        ),
    }
}

fn terminates(v: f64) -> bool {
    v <= 0.0 && v.fract() == 0.0
}

fn is_pole(c: f64) -> bool {
    terminates(c)
}

/// The plain series, rescaled by `2^600` steps, and its condition number `Σ|t_k| / |Σ t_k|` (`∞` for
/// an exact zero): `(ln|S|, sign, condition)`.
fn series_cond(a: f64, b: f64, c: f64, z: f64) -> Result<(f64, f64, f64)> {
    let (mut term, mut sum, mut ln_scale) = (1.0_f64, 1.0_f64, 0.0_f64);
    let mut abs_sum = 1.0_f64;
    let mut k = 0.0;
    let mut terms = 0usize;
    loop {
        let den = (c + k) * (k + 1.0);
        if den == 0.0 {
            // c + k = 0 reached before the series terminated.
            return Err(Error::InvalidParameter {
                name: "c",
                value: c.to_string(),
                reason: "hypergeometric 2F1 is undefined at a non-positive integer c",
            });
        }
        let ratio = (a + k) * (b + k) * z / den;
        if ratio == 0.0 {
            break;
        }
        let next = ratio.abs();
        if next < 1.0 {
            let rho = next.max(z.abs());
            if rho < 1.0 && term.abs() * rho / (1.0 - rho) <= 1e-17 * sum.abs() {
                break;
            }
        }
        terms += 1;
        if terms > MAX_TERMS {
            return Err(Error::InvalidValue {
                what: "hypergeometric 2F1",
                reason: format!(
                    "series did not converge in {MAX_TERMS} terms at a = {a}, b = {b}, c = {c}, z = {z}"
                ),
            });
        }
        term *= ratio;
        sum += term;
        abs_sum += term.abs();
        if term.abs() > BIG || abs_sum > BIG {
            term /= BIG;
            sum /= BIG;
            abs_sum /= BIG;
            ln_scale += LN_BIG;
        }
        if !(term.is_finite() && sum.is_finite()) {
            return Err(Error::Overflow {
                what: "hypergeometric 2F1",
            });
        }
        k += 1.0;
    }
    if sum == 0.0 {
        return Ok((f64::NEG_INFINITY, 0.0, f64::INFINITY));
    }
    Ok((sum.abs().ln() + ln_scale, sum.signum(), abs_sum / sum.abs()))
}

#[cfg(test)]
// Reference values keep all the digits their source printed.
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    /// [The reference values](crate::btyd::spec#hypergeometric-reference-values) (40-digit mpmath at these exact
    /// f64 inputs); rows 6-8 are where scipy 1.14.1 / 1.17.1 return NaN.
    const TABLE: [(f64, f64, f64, f64, f64); 10] = [
        (
            0.242593,
            2.425754,
            2.2186399999999997,
            0.9217646574584267,
            2.10558497965164320227229844777,
        ),
        (
            26.242593,
            28.425754,
            28.21864,
            0.5948735717485938,
            23727705152.8739101226532322542,
        ),
        (
            1000.242593,
            1002.425754,
            1002.21864,
            0.33245205408442535,
            3.94828582884508191833650746915e+175,
        ),
        (
            1.159488,
            0.553275,
            2.159488,
            0.09344408612066545,
            1.0292253957175135613589705706,
        ),
        (
            133.16,
            132.55,
            134.16,
            0.00514952520432749,
            1.97236247294680343711550904551,
        ),
        (
            135.5,
            134.0,
            136.5,
            0.9875,
            1.31508289915901227859212604869e+253,
        ),
        (1.0, 2.5, 136.5, 0.9875, 1.01855588052747717859032198181),
        (
            1001.16,
            1.61,
            1002.16,
            0.9998,
            163307.606262480231076371658725,
        ),
        (9.0, 55.5, 57.0, 0.9993, 8797900017370071964912947.56681),
        (
            1.0,
            9.783441982887393,
            10.44016015243731,
            0.9900990099009901,
            31.9390487971718016094951048654,
        ),
    ];

    #[test]
    fn reference_table() {
        for (i, &(a, b, c, z, want)) in TABLE.iter().enumerate() {
            let got = hyp2f1(a, b, c, z).unwrap();
            assert!(rel(got, want) < 1e-12, "row {}: {got:e} vs {want:e}", i + 1);
            let (l, s) = ln_hyp2f1(a, b, c, z).unwrap();
            assert_eq!(s, 1.0);
            assert!((l - want.ln()).abs() < 3e-13 * want.ln().abs().max(1.0));
        }
    }

    #[test]
    fn closed_forms() {
        for z in [-3.0_f64, -0.7, 0.0, 0.1, 0.5, 0.9, 0.999] {
            // ₂F₁(1, 1; 2; z) = −ln(1−z)/z.
            let want = if z == 0.0 { 1.0 } else { -(-z).ln_1p() / z };
            assert!(rel(hyp2f1(1.0, 1.0, 2.0, z).unwrap(), want) < 1e-13, "{z}");
            // ₂F₁(a, b; b; z) = (1−z)^(−a).
            let want = (1.0 - z).powf(-0.7);
            assert!(rel(hyp2f1(0.7, 2.5, 2.5, z).unwrap(), want) < 1e-13, "{z}");
        }
        // Terminating: ₂F₁(−2, b; c; z) = 1 − 2bz/c + b(b+1)z²/(c(c+1)).
        let (b, c, z) = (1.5, 2.5, 4.0);
        let want = 1.0 - 2.0 * b * z / c + b * (b + 1.0) * z * z / (c * (c + 1.0));
        assert!(rel(hyp2f1(-2.0, b, c, z).unwrap(), want) < 1e-14);
        assert!(rel(hyp2f1(b, -2.0, c, z).unwrap(), want) < 1e-14);
        // Large-parameter z < 0 (btyd::spec, hypergeometric reference values: scipy gives 3.9755e-7).
        let v = hyp2f1(100.0, 100.0, 300.0, -0.5).unwrap();
        assert!(rel(v, 3.9504e-7) < 1e-4, "{v:e}");
    }

    #[test]
    fn negative_z_is_right_or_refused() {
        // Large a, b against a small c: every form alternates; refused,
        // never the wrong sign (the true value is 7.44e-119).
        assert!(matches!(
            hyp2f1(164.29, 473.87, 2.6276, -1.2629),
            Err(Error::InvalidValue { .. })
        ));
        // F(a, b; b; z) = (1−z)^(−a), large a at z = −2.
        let v = hyp2f1(40.0, 3.0, 3.0, -2.0).unwrap();
        assert!(rel(v, 3f64.powf(-40.0)) < 1e-13, "{v:e}");
    }

    #[test]
    fn errors() {
        assert!(matches!(
            hyp2f1(1.0, 1.0, 2.0, 1.0),
            Err(Error::InvalidParameter { name: "z", .. })
        ));
        assert!(matches!(
            hyp2f1(1.0, 1.0, -2.0, 0.5),
            Err(Error::InvalidParameter { name: "c", .. })
        ));
        // The polynomial ends before the pole at c = −3: fine.
        assert!(hyp2f1(-1.0, 1.0, -3.0, 0.5).is_ok());
        // It does not: error.
        assert!(hyp2f1(-5.0, 1.0, -3.0, 0.5).is_err());
        assert!(matches!(
            hyp2f1(f64::NAN, 1.0, 2.0, 0.5),
            Err(Error::InvalidParameter { name: "a", .. })
        ));
        assert!(matches!(
            hyp2f1(1.0, 1.0, 2.0, 1.0 - 1e-9),
            Err(Error::InvalidValue { .. })
        ));
        assert!(matches!(
            hyp2f1(1.0, 2000.0, 1.0, 0.9),
            Err(Error::Overflow { .. })
        ));
    }
}
