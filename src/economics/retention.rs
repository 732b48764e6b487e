//! Retention and the value of a profit curve: expected lifetime, the
//! net present value of an acquired customer, the steady-state profit,
//! and the effect of a retention change.

use crate::clv::{DiscountRate, Horizon, RetentionRate};
use crate::{Decimal, Error, Result};

use super::profile::ProfitCurve;

fn overflow(what: &'static str) -> Error {
    Error::Overflow { what }
}

fn add(a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal> {
    a.checked_add(b).ok_or_else(|| overflow(what))
}

fn mul(a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal> {
    a.checked_mul(b).ok_or_else(|| overflow(what))
}

fn div(a: Decimal, b: Decimal, what: &'static str) -> Result<Decimal> {
    a.checked_div(b).ok_or_else(|| overflow(what))
}

fn pow(x: Decimal, n: u64, what: &'static str) -> Result<Decimal> {
    let (mut result, mut base, mut n) = (Decimal::ONE, x, n);
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

/// `Σ_{j=0}^{n-1} q^j`, for `q >= 0`.
fn geometric(q: Decimal, n: u64, what: &'static str) -> Result<Decimal> {
    if n == 0 {
        return Ok(Decimal::ZERO);
    }
    if q == Decimal::ONE {
        return Ok(Decimal::from(n));
    }
    // Binary splitting: S_{2k} = S_k (1 + q^k), S_{k+1} = 1 + q S_k.
    let (mut sum, mut power) = (Decimal::ZERO, Decimal::ONE);
    for bit in (0..(u64::BITS - n.leading_zeros())).rev() {
        sum = mul(sum, add(Decimal::ONE, power, what)?, what)?;
        power = mul(power, power, what)?;
        if (n >> bit) & 1 == 1 {
            sum = add(Decimal::ONE, mul(q, sum, what)?, what)?;
            power = mul(power, q, what)?;
        }
    }
    Ok(sum)
}

/// The expected number of periods a newly acquired customer stays under
/// geometric retention `r`, counting the period of acquisition
/// ([spec](crate::economics::spec#retention-and-expected-lifetime)):
///
/// ```text
/// P(still a customer in period t) = r^(t−1),  t = 1, 2, ...
/// E[lifetime] = Σ_{t=1}^{T} r^(t−1) = (1 − r^T)/(1 − r)    ->  1/(1 − r) as T -> ∞
/// ```
///
/// So a defection rate of 10 % a period (`r = 0.9`) means 10 periods on
/// average, and 5 % means 20. A finite horizon `Periods(T)` caps the
/// count at `T`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] (`retention`) for `r = 1` with an infinite
/// horizon: nobody ever leaves, so the expected lifetime is infinite.
///
/// # Example
///
/// ```
/// use customer_value::Decimal;
/// use customer_value::clv::{Horizon, RetentionRate};
/// use customer_value::economics::expected_lifetime;
///
/// let r = RetentionRate::new(Decimal::new(9, 1))?;
/// assert_eq!(expected_lifetime(r, Horizon::Infinite)?, Decimal::new(10, 0));
/// // Two periods: the first for sure, the second with probability 0.9.
/// assert_eq!(expected_lifetime(r, Horizon::Periods(2))?, Decimal::new(19, 1));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn expected_lifetime(retention: RetentionRate, horizon: Horizon) -> Result<Decimal> {
    let r = retention.get();
    match horizon {
        Horizon::Periods(t) => geometric(r, u64::from(t), "expected lifetime"),
        Horizon::Infinite => {
            if r == Decimal::ONE {
                return Err(Error::InvalidParameter {
                    name: "retention",
                    value: r.to_string(),
                    reason: "must be < 1 for an infinite horizon (else the lifetime is infinite)",
                });
            }
            div(Decimal::ONE, Decimal::ONE - r, "expected lifetime")
        }
    }
}

/// The retention rate whose expected lifetime ([`expected_lifetime`],
/// infinite horizon) is `periods`: `r = 1 − 1/L`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] (`lifetime`) when `L < 1`: the period of
/// acquisition always counts.
///
/// # Example
///
/// ```
/// use customer_value::Decimal;
/// use customer_value::economics::retention_for_lifetime;
///
/// assert_eq!(retention_for_lifetime(Decimal::new(5, 0))?.get(), Decimal::new(8, 1));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn retention_for_lifetime(periods: Decimal) -> Result<RetentionRate> {
    if periods < Decimal::ONE {
        return Err(Error::InvalidParameter {
            name: "lifetime",
            value: periods.to_string(),
            reason: "must be >= 1 period (the period of acquisition counts)",
        });
    }
    RetentionRate::new(Decimal::ONE - div(Decimal::ONE, periods, "retention for lifetime")?)
}

/// What a [`ProfitCurve`] is taken to give after its last period `L`
/// ([spec](crate::economics::spec#beyond-the-curve)); the choice is the
/// caller's \[L\] and has no default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Tail {
    /// Nothing: `π_t = 0` for `t > L` (the curve is the whole relationship).
    Zero,
    /// The last period's profit again and again: `π_t = π_L` for `t > L`
    /// (Reichheld & Sasser's curves flatten out).
    RepeatLast,
}

/// The economics of a [`ProfitCurve`] under geometric retention: the net
/// present value of an acquired customer, the steady-state profit, and
/// the effect of a retention change
/// ([spec](crate::economics::spec#value-of-an-acquired-customer)).
///
/// With `v = 1/(1+d)` and profits `π_t` (the curve, then its [`Tail`]):
///
/// ```text
/// NPV(r)    = −A + Σ_{t=1}^{T} π_t · r^(t−1) · v^t        (A at time 0; π_t at the end of period t,
///                                                          if the customer was there at its start)
/// steady(r) = −A + Σ_{t=1}^{T} π_t · r^(t−1)              (= NPV at d = 0)
/// ```
///
/// `T` is the [`Horizon`] (`Periods(T)`, or every period). `steady(r)` is
/// the profit per period of a firm that wins one customer every period,
/// in its steady state: it then holds `r^(t−1)` customers of tenure `t`
/// for each one it wins.
///
/// # Example
///
/// The [worked example](crate::economics::spec#worked-example): five
/// points more retention turn a loss-making customer into a profitable one.
///
/// ```
/// use customer_value::Decimal;
/// use customer_value::clv::{DiscountRate, Horizon, RetentionRate};
/// use customer_value::economics::{ProfitCurve, RetentionEconomics, Tail, TenureProfit};
///
/// let d = |v: i64| Decimal::new(v, 0);
/// let curve = ProfitCurve::new(d(100), vec![
///     TenureProfit::new(d(40)),
///     TenureProfit::new(d(40)).with_increased_purchases(d(10)).with_cost_savings(d(5))
///         .with_referrals(d(5)),
///     TenureProfit::new(d(40)).with_increased_purchases(d(20)).with_cost_savings(d(10))
///         .with_referrals(d(5)).with_price_premium(d(5)),
/// ])?;
/// let economics = RetentionEconomics::new(
///     curve, DiscountRate::new(Decimal::ZERO)?, Horizon::Infinite, Tail::RepeatLast);
/// let effect = economics.compare(
///     RetentionRate::new(Decimal::new(5, 1))?,
///     RetentionRate::new(Decimal::new(6, 1))?,
/// )?;
/// assert_eq!(effect.base_npv(), d(10));
/// assert_eq!(effect.new_npv(), d(48));
/// assert_eq!(effect.npv_change_ratio(), Some(Decimal::new(38, 1))); // +380 %
/// assert_eq!(effect.new_lifetime(), Some(Decimal::new(25, 1)));     // 2 -> 2.5 periods
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RetentionEconomics {
    curve: ProfitCurve,
    discount: DiscountRate,
    horizon: Horizon,
    tail: Tail,
}

impl RetentionEconomics {
    /// The curve, discount rate per period, horizon and tail rule. Every
    /// rate is per period of the curve.
    pub fn new(curve: ProfitCurve, discount: DiscountRate, horizon: Horizon, tail: Tail) -> Self {
        Self {
            curve,
            discount,
            horizon,
            tail,
        }
    }

    /// The profit curve.
    pub fn curve(&self) -> &ProfitCurve {
        &self.curve
    }

    /// The net present value of one newly acquired customer under
    /// retention `r` (see the type's docs).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (`retention`) when the horizon is
    /// infinite, the tail is [`Tail::RepeatLast`] with `π_L ≠ 0`, and
    /// `r/(1+d) >= 1` (the sum diverges); [`Error::Overflow`] when a sum
    /// overflows `Decimal`.
    pub fn customer_npv(&self, retention: RetentionRate) -> Result<Decimal> {
        value(
            &self.curve,
            retention.get(),
            self.discount.get(),
            self.horizon,
            self.tail,
        )
    }

    /// The steady-state profit per period per customer won each period,
    /// undiscounted (see the type's docs).
    ///
    /// # Errors
    ///
    /// As [`customer_npv`](Self::customer_npv) with `d = 0`: an infinite
    /// horizon with a repeated non-zero last period needs `r < 1`.
    pub fn steady_state_profit(&self, retention: RetentionRate) -> Result<Decimal> {
        value(
            &self.curve,
            retention.get(),
            Decimal::ZERO,
            self.horizon,
            self.tail,
        )
    }

    /// The effect of moving retention from `base` to `new`: expected
    /// lifetimes, customer NPVs and steady-state profits, with their
    /// changes ([spec](crate::economics::spec#effect-of-a-retention-change)).
    /// Reichheld & Sasser's "5 % fewer defections" is `new = base + 0.05`.
    ///
    /// # Errors
    ///
    /// As [`customer_npv`](Self::customer_npv) for either rate.
    pub fn compare(&self, base: RetentionRate, new: RetentionRate) -> Result<RetentionEffect> {
        let lifetime = |r: RetentionRate| match expected_lifetime(r, self.horizon) {
            Ok(l) => Ok(Some(l)),
            Err(Error::InvalidParameter { .. }) => Ok(None),
            Err(e) => Err(e),
        };
        Ok(RetentionEffect {
            base_retention: base,
            new_retention: new,
            base_lifetime: lifetime(base)?,
            new_lifetime: lifetime(new)?,
            base_npv: self.customer_npv(base)?,
            new_npv: self.customer_npv(new)?,
            base_steady_state: self.steady_state_profit(base)?,
            new_steady_state: self.steady_state_profit(new)?,
        })
    }
}

/// `−A + Σ_t π_t r^(t−1) v^t` over the horizon, with the tail rule.
fn value(
    curve: &ProfitCurve,
    r: Decimal,
    d: Decimal,
    horizon: Horizon,
    tail: Tail,
) -> Result<Decimal> {
    const WHAT: &str = "customer value";
    let v = div(Decimal::ONE, Decimal::ONE + d, WHAT)?;
    let totals = curve.totals()?;
    let last = *totals.last().ok_or(Error::EmptyInput {
        what: "profit curve",
        needs: "period of tenure",
    })?;
    let len = totals.len() as u64;
    let periods = match horizon {
        Horizon::Periods(t) => u64::from(t),
        Horizon::Infinite => u64::MAX,
    };
    let mut sum = -curve.acquisition_cost();
    // weight_t = r^(t−1) v^t, starting at t = 1.
    let mut weight = v;
    for (t, &profit) in (1..=periods.min(len)).zip(&totals) {
        sum = add(sum, mul(profit, weight, WHAT)?, WHAT)?;
        if t < periods.min(len) {
            weight = mul(weight, mul(r, v, WHAT)?, WHAT)?;
        }
    }
    if tail == Tail::Zero || periods <= len || last.is_zero() {
        return Ok(sum);
    }
    // Periods L+1..T each give π_L: π_L r^L v^(L+1) Σ_{j=0}^{T−L−1} q^j, q = r v.
    let q = mul(r, v, WHAT)?;
    let first = mul(
        mul(pow(r, len, WHAT)?, pow(v, len + 1, WHAT)?, WHAT)?,
        last,
        WHAT,
    )?;
    let series = match horizon {
        Horizon::Periods(_) => geometric(q, periods - len, WHAT)?,
        Horizon::Infinite => {
            if q >= Decimal::ONE {
                return Err(Error::InvalidParameter {
                    name: "retention",
                    value: r.to_string(),
                    reason: "must be < 1 + discount when the last period repeats for ever \
                             (the value diverges)",
                });
            }
            div(Decimal::ONE, Decimal::ONE - q, WHAT)?
        }
    };
    add(sum, mul(first, series, WHAT)?, WHAT)
}

/// The effect of a retention change, from [`RetentionEconomics::compare`].
///
/// Ratios are `new / base − 1` and are `None` when the base is not
/// positive: a relative change of a loss or of zero means nothing \[L\].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RetentionEffect {
    base_retention: RetentionRate,
    new_retention: RetentionRate,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str_option"))]
    base_lifetime: Option<Decimal>,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str_option"))]
    new_lifetime: Option<Decimal>,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    base_npv: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    new_npv: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    base_steady_state: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    new_steady_state: Decimal,
}

fn ratio(new: Decimal, base: Decimal) -> Option<Decimal> {
    if base <= Decimal::ZERO {
        return None;
    }
    new.checked_div(base)
        .and_then(|q| q.checked_sub(Decimal::ONE))
}

impl RetentionEffect {
    /// The retention before the change.
    pub fn base_retention(&self) -> RetentionRate {
        self.base_retention
    }

    /// The retention after the change.
    pub fn new_retention(&self) -> RetentionRate {
        self.new_retention
    }

    /// The expected lifetime before, in periods; `None` when infinite
    /// (`r = 1`, infinite horizon).
    pub fn base_lifetime(&self) -> Option<Decimal> {
        self.base_lifetime
    }

    /// The expected lifetime after, in periods; `None` when infinite.
    pub fn new_lifetime(&self) -> Option<Decimal> {
        self.new_lifetime
    }

    /// The NPV of an acquired customer before.
    pub fn base_npv(&self) -> Decimal {
        self.base_npv
    }

    /// The NPV of an acquired customer after.
    pub fn new_npv(&self) -> Decimal {
        self.new_npv
    }

    /// `new_npv − base_npv`, or `None` on overflow.
    pub fn npv_change(&self) -> Option<Decimal> {
        self.new_npv.checked_sub(self.base_npv)
    }

    /// `new_npv / base_npv − 1`; `None` when `base_npv <= 0`.
    pub fn npv_change_ratio(&self) -> Option<Decimal> {
        ratio(self.new_npv, self.base_npv)
    }

    /// The steady-state profit per period before.
    pub fn base_steady_state(&self) -> Decimal {
        self.base_steady_state
    }

    /// The steady-state profit per period after.
    pub fn new_steady_state(&self) -> Decimal {
        self.new_steady_state
    }

    /// `new / base − 1` of the steady-state profit; `None` when the base
    /// is not positive. This is the figure Reichheld & Sasser report
    /// ("25 % to 85 % more profit").
    pub fn steady_state_change_ratio(&self) -> Option<Decimal> {
        ratio(self.new_steady_state, self.base_steady_state)
    }
}
