//! Customer equity: a base, cohorts (Gupta, Lehmann & Stuart) and the
//! Blattberg-Deighton customer equity test.

use crate::{Decimal, Error, Result};

use super::math;
use super::rates::{DiscountRate, Probability, RetentionRate};
use super::retention::{MarginInput, RetentionModel};

/// Customer equity of a base: the checked sum of its CLVs,
/// `CE = Σ_c CLV_c` (Gupta & Lehmann 2003 \[V\]). No customers: 0.
///
/// # Errors
///
/// [`Error::Overflow`] when the sum exceeds `Decimal`.
///
/// # Example
///
/// ```
/// use customer_value::{Decimal, clv::customer_equity};
///
/// let ce = customer_equity(&[Decimal::new(26667, 2), Decimal::new(-1050, 2)])?;
/// assert_eq!(ce, Decimal::new(25617, 2));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn customer_equity(clvs: &[Decimal]) -> Result<Decimal> {
    clvs.iter().try_fold(Decimal::ZERO, |acc, &v| {
        math::add(acc, v, "customer equity")
    })
}

/// Customer equity of `n` identical customers, `CE = N × CLV`
/// (Gupta & Lehmann 2003 \[V\]).
///
/// # Errors
///
/// [`Error::Overflow`] when the product exceeds `Decimal`.
///
/// # Example
///
/// ```
/// use customer_value::{Decimal, clv::homogeneous_customer_equity};
///
/// let clv = Decimal::new(80, 0) / Decimal::new(3, 1); // 266.666...
/// let ce = homogeneous_customer_equity(1000, clv)?;
/// assert_eq!(ce.round_dp(2), Decimal::new(26666667, 2));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn homogeneous_customer_equity(customers: u64, clv: Decimal) -> Result<Decimal> {
    math::mul(Decimal::from(customers), clv, "customer equity")
}

/// One acquisition cohort of the Gupta-Lehmann-Stuart formula: `n_k`
/// customers acquired at `c_k` each. Its period `k` is its position in
/// the slice given to [`RetentionModel::cohort_equity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Cohort {
    customers: u64,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    acquisition_cost: Decimal,
}

impl Cohort {
    /// A cohort of `customers` acquired at `acquisition_cost` each (any
    /// value).
    pub const fn new(customers: u64, acquisition_cost: Decimal) -> Self {
        Self {
            customers,
            acquisition_cost,
        }
    }

    /// `n_k`, the customers acquired.
    pub fn customers(&self) -> u64 {
        self.customers
    }

    /// `c_k`, the acquisition cost per customer.
    pub fn acquisition_cost(&self) -> Decimal {
        self.acquisition_cost
    }
}

impl RetentionModel {
    /// Customer equity of a base: the sum of every row's net CLV,
    /// `CE = Σ_c (m_c·M − AC_c)`, which is `Σ_c CLV_c` for existing
    /// customers (acquisition cost 0, the default of [`MarginInput::new`]).
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when a CLV or the sum exceeds `Decimal`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{CustomerId, Decimal, clv::{Horizon, MarginInput, RetentionModel, Timing}};
    ///
    /// let model = RetentionModel::builder(Timing::StartOfPeriod, Horizon::Infinite)
    ///     .retention(Decimal::new(8, 1))
    ///     .discount(Decimal::new(1, 1))
    ///     .build()?;
    /// let base = [
    ///     MarginInput::new(CustomerId::new(1), Decimal::new(30, 0)),
    ///     MarginInput::new(CustomerId::new(2), Decimal::new(60, 0)),
    /// ];
    /// assert_eq!(model.customer_equity(&base)?, Decimal::new(330, 0));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn customer_equity(&self, base: &[MarginInput]) -> Result<Decimal> {
        let m = self.multiple();
        base.iter().try_fold(Decimal::ZERO, |acc, row| {
            let gross = row
                .margin()
                .checked_mul(m)
                .ok_or(Error::Overflow { what: "clv" })?;
            let clv = if row.acquisition_cost().is_zero() {
                gross
            } else {
                math::sub(gross, row.acquisition_cost(), "net clv")?
            };
            math::add(acc, clv, "customer equity")
        })
    }

    /// The value of current and future cohorts, after Gupta, Lehmann &
    /// Stuart (2004) \[R\] ([spec](crate::clv::spec#cohort-equity)):
    ///
    /// ```text
    /// Value = Σ_{k=0}^{K} n_k/(1+i)^k · Σ_{t=k}^{∞} m r^{t−k}/(1+i)^{t−k}  −  Σ_{k=0}^{K} n_k c_k/(1+i)^k
    ///       = Σ_{k=0}^{K} n_k (CLV(m) − c_k) / (1+i)^k
    /// ```
    ///
    /// Cohort `k` (its index in `cohorts`) is acquired at the start of
    /// period `k`, its acquisition cost paid then; its inner sum is this
    /// model's [`clv`](Self::clv) valued at its acquisition. GLS's inner
    /// sum counts the margin of the acquisition period undiscounted, which
    /// is [`Timing::StartOfPeriod`](super::Timing::StartOfPeriod) with an infinite horizon,
    /// `m(1+i)/(1+i−r)`; other timings and horizons give the analogous value.
    /// The formula is recalled, not checked against the paper \[R\]: its
    /// equation numbering, and whether `r^{t−k}` or `r^{t−k+1}` appears
    /// (the latter is [`Timing::EndOfPeriod`](super::Timing::EndOfPeriod)), are unverified.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when a term or the sum exceeds `Decimal`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, clv::{Cohort, Horizon, RetentionModel, Timing}};
    ///
    /// let model = RetentionModel::builder(Timing::StartOfPeriod, Horizon::Infinite)
    ///     .retention(Decimal::new(8, 1))
    ///     .discount(Decimal::new(1, 1))
    ///     .build()?;
    /// let cohort = Cohort::new(100, Decimal::new(150, 0));
    /// let value = model.cohort_equity(Decimal::new(100, 0), &[cohort; 3])?;
    /// assert_eq!(value.round_dp(4), Decimal::new(592699725, 4));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn cohort_equity(&self, margin: Decimal, cohorts: &[Cohort]) -> Result<Decimal> {
        const WHAT: &str = "cohort equity";
        let clv = self.clv(margin)?;
        let one_plus_i = math::add(Decimal::ONE, self.discount().get(), WHAT)?;
        // Horner from the last cohort: acc_k = x_k + acc_{k+1} / (1+i).
        cohorts.iter().rev().try_fold(Decimal::ZERO, |acc, c| {
            let per_customer = math::sub(clv, c.acquisition_cost, WHAT)?;
            let x = math::mul(Decimal::from(c.customers), per_customer, WHAT)?;
            math::add(x, math::div(acc, one_plus_i, WHAT)?, WHAT)
        })
    }
}

/// Blattberg & Deighton's (1996) customer equity test, per prospect \[R\]
/// ([spec](crate::clv::spec#customer-equity-test)):
///
/// ```text
/// CE = a·m − A + a·(m − R/r)·r'/(1 − r'),     r' = r/(1+d)
///    = a·m − A + a·(m·r − R)/(1 + d − r)       (evaluated form)
/// ```
///
/// A prospect is acquired with probability `a` for spend `A` and yields
/// the margin `m` at once (t = 0, undiscounted). In each later period
/// t = 1, 2, ... a customer still active at its start costs `R` (so `R/r`
/// per retained customer) and is retained with probability `r`, earning
/// `m`; both are discounted `(1+d)^-t` (EndOfPeriod timing for the
/// retention stream): the stream is `Σ_t (m·r^t − R·r^(t−1))/(1+d)^t`.
/// The evaluated form equals the published one for `r > 0` and is its
/// limit at `r = 0` (where `R/r` is undefined). Recalled from the
/// literature, not checked against the article \[R\].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BlattbergDeighton {
    /// `a`: the acquisition rate.
    pub acquisition_rate: Probability,
    /// `A`: acquisition spend per prospect.
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    pub acquisition_spend: Decimal,
    /// `m`: margin per period.
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    pub margin: Decimal,
    /// `R`: retention spend per retained customer per period.
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    pub retention_spend: Decimal,
    /// `r`: the retention rate.
    pub retention: RetentionRate,
    /// `d`: the discount rate.
    pub discount: DiscountRate,
}

impl BlattbergDeighton {
    /// The customer equity per prospect.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (`retention`) when `1 + d − r <= 0`
    /// (the retention stream diverges, e.g. `r = 1, d = 0`);
    /// [`Error::Overflow`] when the arithmetic exceeds `Decimal`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, clv::{BlattbergDeighton, DiscountRate, Probability, RetentionRate}};
    ///
    /// let test = BlattbergDeighton {
    ///     acquisition_rate: Probability::new(Decimal::new(2, 1))?,
    ///     acquisition_spend: Decimal::new(10, 0),
    ///     margin: Decimal::new(100, 0),
    ///     retention_spend: Decimal::new(5, 0),
    ///     retention: RetentionRate::new(Decimal::new(8, 1))?,
    ///     discount: DiscountRate::new(Decimal::new(1, 1))?,
    /// };
    /// assert_eq!(test.customer_equity()?.round_dp(4), Decimal::new(60, 0));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn customer_equity(&self) -> Result<Decimal> {
        const WHAT: &str = "blattberg-deighton customer equity";
        let a = self.acquisition_rate.get();
        let r = self.retention.get();
        let denominator = math::sub(math::add(Decimal::ONE, self.discount.get(), WHAT)?, r, WHAT)?;
        if denominator <= Decimal::ZERO {
            return Err(Error::InvalidParameter {
                name: "retention",
                value: format!("{r} with discount {}", self.discount),
                reason: "the retention stream diverges unless 1 + discount - retention > 0",
            });
        }
        let first = math::sub(
            math::mul(a, self.margin, WHAT)?,
            self.acquisition_spend,
            WHAT,
        )?;
        let stream = math::sub(math::mul(self.margin, r, WHAT)?, self.retention_spend, WHAT)?;
        let later = math::div(math::mul(a, stream, WHAT)?, denominator, WHAT)?;
        math::add(first, later, WHAT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CustomerId;
    use crate::clv::{Horizon, Timing};

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn sums_and_products() {
        assert_eq!(customer_equity(&[]).unwrap(), Decimal::ZERO);
        assert_eq!(customer_equity(&[d("1.5"), d("2.25")]).unwrap(), d("3.75"));
        assert!(matches!(
            customer_equity(&[Decimal::MAX, Decimal::ONE]),
            Err(Error::Overflow { .. })
        ));
        assert_eq!(homogeneous_customer_equity(3, d("2.5")).unwrap(), d("7.5"));
        assert!(homogeneous_customer_equity(u64::MAX, Decimal::MAX).is_err());
    }

    #[test]
    fn model_equity_and_cohorts() {
        let m = RetentionModel::builder(Timing::StartOfPeriod, Horizon::Infinite)
            .retention(d("0.8"))
            .discount(d("0.1"))
            .build()
            .unwrap();
        let base = [MarginInput::new(CustomerId::new(1), Decimal::MAX)];
        assert!(matches!(
            m.customer_equity(&base),
            Err(Error::Overflow { .. })
        ));
        assert_eq!(m.cohort_equity(d("100"), &[]).unwrap(), Decimal::ZERO);
        let one = m
            .cohort_equity(d("100"), &[Cohort::new(2, d("10"))])
            .unwrap();
        assert_eq!(one, (m.clv(d("100")).unwrap() - d("10")) * d("2"));
        let c = Cohort::new(5, d("1"));
        assert_eq!((c.customers(), c.acquisition_cost()), (5, d("1")));
    }

    #[test]
    fn blattberg_deighton_divergence() {
        let mut t = BlattbergDeighton {
            acquisition_rate: Probability::new(d("0.2")).unwrap(),
            acquisition_spend: d("10"),
            margin: d("100"),
            retention_spend: d("5"),
            retention: RetentionRate::new(d("1")).unwrap(),
            discount: DiscountRate::new(d("0")).unwrap(),
        };
        let e = t.customer_equity().unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidParameter {
                    name: "retention",
                    ..
                }
            ),
            "{e}"
        );
        t.retention = RetentionRate::new(d("0")).unwrap();
        // r = 0: a·m − A − a·R/(1+d) = 20 − 10 − 1
        assert_eq!(t.customer_equity().unwrap(), d("9"));
    }
}
