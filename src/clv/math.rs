//! Checked `Decimal` arithmetic shared by the CLV formulas.
//!
//! Every helper maps `None` (overflow, or a division by zero that the
//! callers rule out beforehand) to [`Error::Overflow`] naming `what`.

use crate::{Decimal, Error, Result};

pub(crate) fn add(a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal> {
    a.checked_add(b).ok_or(Error::Overflow { what })
}

pub(crate) fn sub(a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal> {
    a.checked_sub(b).ok_or(Error::Overflow { what })
}

pub(crate) fn mul(a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal> {
    a.checked_mul(b).ok_or(Error::Overflow { what })
}

pub(crate) fn div(a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal> {
    a.checked_div(b).ok_or(Error::Overflow { what })
}

/// `x^n` by binary exponentiation with checked multiplications.
pub(crate) fn pow(x: Decimal, n: u64, what: &'static str) -> Result<Decimal> {
    let mut result = Decimal::ONE;
    let mut base = x;
    let mut n = n;
    while n > 0 {
        if n & 1 == 1 {
            result = mul(result, base, what)?;
        }
        n >>= 1;
        if n > 0 {
            base = mul(base, base, what)?;
        }
    }
    Ok(result)
}

/// The partial geometric sum `S_n = Σ_{s=0}^{n-1} p^s`, without dividing by
/// `1 - p`.
///
/// It walks the bits of `n` from the top, with `S_{2k} = S_k (1 + p^k)` and
/// `S_{2k+1} = 1 + p S_{2k}`: `O(log n)` checked multiplications, exactly
/// `n` when `p = 1`, and no cancellation when `p >= 0`. This is the closed
/// form `(1 - p^n) / (1 - p)` evaluated the way `p^n` itself is evaluated by
/// repeated squaring.
pub(crate) fn geometric_sum(p: Decimal, n: u64, what: &'static str) -> Result<Decimal> {
    let mut sum = Decimal::ZERO;
    let mut power = Decimal::ONE; // p^k for the k summed so far
    let bits = u64::BITS - n.leading_zeros();
    for bit in (0..bits).rev() {
        // k -> 2k (harmless at k = 0: 0 stays 0, 1 stays 1)
        sum = mul(sum, add(Decimal::ONE, power, what)?, what)?;
        power = mul(power, power, what)?;
        if (n >> bit) & 1 == 1 {
            // k -> k + 1
            sum = add(Decimal::ONE, mul(p, sum, what)?, what)?;
            power = mul(power, p, what)?;
        }
    }
    Ok(sum)
}

/// The positive `n`-th root of `a > 0`, by Newton's method in `Decimal`,
/// to about 27 significant digits (the last digit may differ from the
/// correctly rounded root).
pub(crate) fn nth_root(a: Decimal, n: u32, what: &'static str) -> Result<Decimal> {
    use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
    if n == 1 || a.is_zero() {
        return Ok(a);
    }
    if n == 0 || a.is_sign_negative() {
        return Err(Error::Overflow { what });
    }
    // A starting point good to ~15 digits; Newton doubles the digits per step.
    let guess = a
        .to_f64()
        .map(|f| f.powf(1.0 / f64::from(n)))
        .and_then(Decimal::from_f64)
        .filter(|g| *g > Decimal::ZERO)
        .unwrap_or(Decimal::ONE);
    let n_dec = Decimal::from(n);
    let n_minus_one = Decimal::from(n - 1);
    let tolerance = Decimal::new(1, 27);
    let mut x = guess;
    for _ in 0..200 {
        // x' = ((n - 1) x + a / x^(n-1)) / n
        let x_pow = pow(x, u64::from(n - 1), what)?;
        let next = div(
            add(mul(n_minus_one, x, what)?, div(a, x_pow, what)?, what)?,
            n_dec,
            what,
        )?;
        let step = (next - x).abs();
        x = next;
        if step <= tolerance * x.max(Decimal::ONE) {
            break;
        }
    }
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn pow_matches_repeated_multiplication() {
        let x = d("1.1");
        let mut expected = Decimal::ONE;
        for n in 0..20u64 {
            assert_eq!(pow(x, n, "t").unwrap(), expected);
            expected *= x;
        }
        assert!(pow(d("10"), 40, "t").is_err());
    }

    #[test]
    fn geometric_sum_matches_brute_force() {
        for p in ["0", "0.5", "0.72727", "1", "1.3", "-0.4"] {
            let p = d(p);
            let mut expected = Decimal::ZERO;
            let mut term = Decimal::ONE;
            for n in 0..40u64 {
                let got = geometric_sum(p, n, "t").unwrap();
                assert!((got - expected).abs() < d("1e-20"), "p={p} n={n}");
                expected += term;
                term *= p;
            }
        }
        assert_eq!(
            geometric_sum(Decimal::ONE, 1_000_000_007, "t").unwrap(),
            Decimal::from(1_000_000_007u64)
        );
        assert!(geometric_sum(d("2"), 200, "t").is_err());
    }

    #[test]
    fn nth_root_inverts_pow() {
        let root = nth_root(d("1.1"), 12, "t").unwrap();
        assert!((pow(root, 12, "t").unwrap() - d("1.1")).abs() < d("1e-25"));
        let sqrt = nth_root(d("1.1"), 2, "t").unwrap();
        assert!((sqrt * sqrt - d("1.1")).abs() < d("1e-25"));
        assert_eq!(nth_root(d("0.5"), 1, "t").unwrap(), d("0.5"));
        assert!(nth_root(d("-1"), 2, "t").is_err());
    }
}
