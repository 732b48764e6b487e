//! Customer lifetime value from BG/NBD purchases and Gamma-Gamma spend
//! ([spec](crate::btyd::spec#lifetime-value)).

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::btyd::{
    CustomerHistory, GammaGammaParams, ParetoNbdParams, PurchaseModel, SpendHistory,
};
use crate::clv::DiscountRate;
use crate::score::par_map_into;
use crate::{CustomerId, CustomerSummary, Error, Keyed, Result, Scorer};

/// One customer's purchase history and spend, for [`BtydClv`]: both halves
/// describe the same customer with the same `x`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct BtydCustomer {
    history: CustomerHistory,
    spend: SpendHistory,
}

impl BtydCustomer {
    /// Pairs a history with a spend history.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when they name different customers or
    /// different `x`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{CustomerId, Decimal};
    /// use customer_value::btyd::{BtydCustomer, CustomerHistory, SpendHistory};
    ///
    /// let c = CustomerId::new(1);
    /// let both = BtydCustomer::new(
    ///     CustomerHistory::new(c, 2, 30.43, 38.86)?,
    ///     SpendHistory::new(c, 2, Decimal::new(2235, 2))?,
    /// )?;
    /// assert_eq!(both.history().x(), 2);
    /// assert!(BtydCustomer::new(
    ///     CustomerHistory::new(c, 2, 30.43, 38.86)?,
    ///     SpendHistory::new(c, 3, Decimal::new(2235, 2))?,
    /// ).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(history: CustomerHistory, spend: SpendHistory) -> Result<Self> {
        if history.customer() != spend.customer() || history.x() != spend.x() {
            return Err(Error::InvalidValue {
                what: "BTYD customer",
                reason: format!(
                    "history (customer {}, x = {}) and spend (customer {}, x = {}) disagree",
                    history.customer(),
                    history.x(),
                    spend.customer(),
                    spend.x()
                ),
            });
        }
        Ok(Self { history, spend })
    }

    /// Both halves from one summarised customer.
    ///
    /// # Errors
    ///
    /// As [`CustomerHistory::from_summary`] and
    /// [`SpendHistory::from_summary`].
    pub fn from_summary(summary: &CustomerSummary) -> Result<Self> {
        Self::new(
            CustomerHistory::from_summary(summary)?,
            SpendHistory::from_summary(summary)?,
        )
    }

    /// The purchase history.
    pub fn history(&self) -> &CustomerHistory {
        &self.history
    }

    /// The spend history.
    pub fn spend(&self) -> &SpendHistory {
        &self.spend
    }
}

impl Keyed for BtydCustomer {
    fn customer(&self) -> CustomerId {
        self.history.customer()
    }
}

/// Lifetime value over `K` periods from a purchase model's expected purchases and
/// Gamma-Gamma expected spend, in Python lifetimes' convention, restated
/// ([spec](crate::btyd::spec#period-sum-clv) \[V: lifetimes `_customer_lifetime_value`\]):
///
/// ```text
/// CLV_i = Σ_{k=1}^{K} m̂_i · [E(Y_i(k·f)) − E(Y_i((k−1)·f))] / (1+d)^k
/// ```
///
/// `E(Y_i(·))` is [`PurchaseModel::expected_purchases`] (`E(Y_i(0)) = 0`),
/// `m̂_i` is [`GammaGammaParams::expected_spend`] (the population mean for
/// `x = 0`), `d` the discount rate per period and `f` the data's time units
/// per period: lifetimes' "months" are `f` = 30 for days, 4.345 for weeks,
/// 1 for months, 720 for hours. The discount is applied at each period's
/// end. Every one of `K`, `d` and `f` must be named: there are no defaults
/// (lifetimes' are K = 12, d = 0.01 a month). No DERT closed form was
/// verified for BG/NBD, so the period sum is used \[L\].
///
/// # Numbers
///
/// Computed in `f64` (the model expectations are `f64`) and returned as an
/// unrounded [`Decimal`].
///
/// # Example
///
/// The CDNOW customer (x = 2, t_x = 30.43, T = 38.86, z̄ = 22.35) at the
/// printed maximum-likelihood estimates of CDNOW in weeks
/// ([reference values](crate::btyd::spec#reference-values)), 12 months of 4.345 weeks at 1 % a
/// month: 36.278503 ([spec](crate::btyd::spec#spend-times-dert)).
///
/// ```
/// use customer_value::{CustomerId, Decimal, Scorer};
/// use customer_value::btyd::{
///     BgNbdParams, BtydClv, BtydCustomer, CustomerHistory, GammaGammaParams, SpendHistory,
/// };
/// use customer_value::clv::DiscountRate;
///
/// let purchases = BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754)?;
/// let spend = GammaGammaParams::new(6.248803, 3.744588, 15.447746)?;
/// let clv = BtydClv::builder(purchases, spend)
///     .periods(12)
///     .discount(DiscountRate::new(Decimal::new(1, 2))?)
///     .period_length(4.345)
///     .build()?;
/// let c = CustomerId::new(1);
/// let customer = BtydCustomer::new(
///     CustomerHistory::new(c, 2, 30.43, 38.86)?,
///     SpendHistory::new(c, 2, Decimal::new(2235, 2))?,
/// )?;
/// assert_eq!(clv.score(&customer)?.round_dp(6), Decimal::new(36278503, 6));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BtydClv {
    purchases: PurchaseModel,
    spend: GammaGammaParams,
    periods: u32,
    discount: DiscountRate,
    period_length: f64,
    /// `1/(1+d)`.
    factor: f64,
}

/// Builds a [`BtydClv`]; every setting is required.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BtydClvBuilder {
    purchases: PurchaseModel,
    spend: GammaGammaParams,
    periods: Option<u32>,
    discount: Option<DiscountRate>,
    period_length: Option<f64>,
}

/// See [`BtydClv::MAX_PERIODS`].
const MAX_PERIODS: u32 = 100_000;

impl BtydClv {
    /// The most periods `K` a [`BtydClv`] accepts: 100 000 (over 8 000
    /// years of months). The cost per customer is `O(K)` expected-purchase
    /// evaluations (fewer with a discount: the sum stops once the rest is
    /// negligible), each bounded; the cap keeps one customer's score within
    /// seconds.
    pub const MAX_PERIODS: u32 = MAX_PERIODS;

    /// Starts a builder from fitted purchase and spend models.
    pub fn builder(purchases: impl Into<PurchaseModel>, spend: GammaGammaParams) -> BtydClvBuilder {
        BtydClvBuilder {
            purchases: purchases.into(),
            spend,
            periods: None,
            discount: None,
            period_length: None,
        }
    }

    /// `K`, the number of periods.
    pub fn periods(&self) -> u32 {
        self.periods
    }
    /// `d`, the discount rate per period.
    pub fn discount(&self) -> DiscountRate {
        self.discount
    }
    /// `f`, the data's time units per period.
    pub fn period_length(&self) -> f64 {
        self.period_length
    }

    /// The purchase model.
    pub fn purchases(&self) -> &PurchaseModel {
        &self.purchases
    }
    /// The Gamma-Gamma spend model.
    pub fn spend(&self) -> &GammaGammaParams {
        &self.spend
    }

    /// The same periods, discount and period length with other models
    /// (for intervals: the CLV at shifted or resampled parameters).
    pub(crate) fn with_models(&self, purchases: PurchaseModel, spend: GammaGammaParams) -> Self {
        Self {
            purchases,
            spend,
            ..*self
        }
    }

    /// `D = 1/(1+d)`, the discount factor per period.
    pub(crate) fn discount_factor(&self) -> f64 {
        self.factor
    }

    /// `Σ_k [E(Y(k·f)) − E(Y((k−1)·f))]·D^k` for one history: the CLV
    /// divided by the expected spend.
    pub(crate) fn discounted_purchases_of(&self, history: &CustomerHistory) -> Result<f64> {
        let p = self.purchases.p_alive(history)?;
        self.discounted_purchases(history, p)
    }

    /// `G(x, T)`: the discounted sum of expected purchases per period for a
    /// customer known to be alive, from the representative history
    /// `(x, t_x = T, T)`; `None` when its P(alive) is too small to divide by.
    fn alive_factor(&self, x: u32, age: f64) -> Result<Option<f64>> {
        let t_x = if x > 0 { age } else { 0.0 };
        let rep = CustomerHistory::new(CustomerId::new(0), x, t_x, age)?;
        let p = self.purchases.p_alive(&rep)?;
        if !(p > 1e-200) {
            return Ok(None);
        }
        let total = self.discounted_purchases(&rep, p)?;
        Ok(Some(total / p))
    }

    /// `Σ_{k=1}^{K} [E(Y(k·f)) − E(Y((k−1)·f))]·D^k`, `D = 1/(1+d)`, for
    /// a history whose P(alive) is `p_alive`. Every term costs one bounded
    /// evaluation of `E(Y)` (a series of at most a few thousand terms or a
    /// fixed-size quadrature), so the sum is `O(K)`; it stops early once the
    /// remaining periods cannot add `1e-16` of the total: an alive
    /// customer's expected purchases in one period are at most the
    /// posterior mean rate `(r+x)/(α+T)` times `f`, so the rest is at most
    /// `P(alive)·f·(r+x)/(α+T)·D^{k+1}/(1−D)`. With `d = 0` the sum
    /// telescopes to `E(Y(K·f))`.
    fn discounted_purchases(&self, history: &CustomerHistory, p_alive: f64) -> Result<f64> {
        let f = self.period_length;
        if self.factor == 1.0 {
            return self
                .purchases
                .expected_purchases(history, f64::from(self.periods) * f);
        }
        let (r, alpha) = self.purchases.rate_shape();
        let rate = p_alive * (r + f64::from(history.x())) / (alpha + history.age()) * f;
        let rest = self.factor / (1.0 - self.factor);
        let mut total = 0.0;
        let mut previous = 0.0;
        let mut discount = 1.0;
        for k in 1..=self.periods {
            let e = self
                .purchases
                .expected_purchases(history, f64::from(k) * f)?;
            discount *= self.factor;
            total += (e - previous) * discount;
            previous = e;
            if rate * discount * rest <= 1e-16 * total {
                break;
            }
        }
        Ok(total)
    }

    /// The lifetime value in `f64`; see [`BtydClv`].
    ///
    /// # Errors
    ///
    /// As the [`Scorer`] implementation.
    pub fn value_f64(&self, customer: &BtydCustomer) -> Result<f64> {
        let m = self.spend.expected_spend_f64(&customer.spend)?;
        let p = self.purchases.p_alive(&customer.history)?;
        let total = self.discounted_purchases(&customer.history, p)?;
        let v = m * total;
        if v.is_finite() {
            Ok(v)
        } else {
            Err(Error::Overflow {
                what: "BTYD lifetime value",
            })
        }
    }
}

impl BtydClvBuilder {
    /// `K`, the number of periods (lifetimes' `time`, in "months").
    pub fn periods(mut self, k: u32) -> Self {
        self.periods = Some(k);
        self
    }

    /// `d`, the discount rate per period.
    pub fn discount(mut self, d: DiscountRate) -> Self {
        self.discount = Some(d);
        self
    }

    /// `f`, the data's time units per period (4.345 weeks, 30 days...).
    pub fn period_length(mut self, f: f64) -> Self {
        self.period_length = Some(f);
        self
    }

    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when a setting is missing (`periods`,
    /// `discount`, `period_length`), `periods` is 0 or above
    /// [`BtydClv::MAX_PERIODS`], or `period_length` is not a finite number
    /// > 0.
    ///
    /// # Example
    ///
    /// See [`BtydClv`].
    pub fn build(self) -> Result<BtydClv> {
        let missing = |name| Error::InvalidParameter {
            name,
            value: "none".into(),
            reason: "must be set: there is no default",
        };
        let periods = self.periods.ok_or_else(|| missing("periods"))?;
        let discount = self.discount.ok_or_else(|| missing("discount"))?;
        let period_length = self.period_length.ok_or_else(|| missing("period_length"))?;
        if periods == 0 || periods > MAX_PERIODS {
            return Err(Error::InvalidParameter {
                name: "periods",
                value: periods.to_string(),
                reason: "must be between 1 and 100000 (BtydClv::MAX_PERIODS)",
            });
        }
        if !(period_length.is_finite() && period_length > 0.0) {
            return Err(Error::InvalidParameter {
                name: "period_length",
                value: period_length.to_string(),
                reason: "must be finite and > 0",
            });
        }
        let d = discount.get().to_f64().ok_or(Error::Overflow {
            what: "discount rate",
        })?;
        Ok(BtydClv {
            purchases: self.purchases,
            spend: self.spend,
            periods,
            discount,
            period_length,
            factor: 1.0 / (1.0 + d),
        })
    }
}

impl Scorer for BtydClv {
    type Input = BtydCustomer;
    type Score = Decimal;

    /// # Errors
    ///
    /// - [`Error::InvalidParameter`] (`q`) for an `x = 0` customer when the
    ///   spend model has `q ≤ 1` (infinite population mean).
    /// - [`Error::InvalidValue`] when an expected-purchases series does not
    ///   converge (horizon far beyond `α`).
    /// - [`Error::Overflow`] when the value does not fit a [`Decimal`].
    fn score(&self, input: &BtydCustomer) -> Result<Decimal> {
        Decimal::try_from(self.value_f64(input)?).map_err(|_| Error::Overflow {
            what: "BTYD lifetime value",
        })
    }

    /// Large populations share work: given that a customer is alive, the
    /// expected purchases depend on `(x, T)` only (the posterior of the
    /// rates), so the discounted sum is `P(alive) · G(x, T)` with `G`
    /// computed once per distinct `(x, T)` from a representative history
    /// (`t_x = T`). Results agree with [`score`](Scorer::score) to about
    /// 1e-15 relative; a representative whose P(alive) is below 1e-200
    /// falls back to scoring its customers one by one.
    fn score_into(&self, inputs: &[BtydCustomer], out: &mut Vec<Decimal>) -> Result<()> {
        let mut index: rustc_hash::FxHashMap<(u32, u64), usize> = Default::default();
        let mut keys: Vec<(u32, f64)> = Vec::new();
        for c in inputs {
            let h = &c.history;
            index.entry((h.x(), h.age().to_bits())).or_insert_with(|| {
                keys.push((h.x(), h.age()));
                keys.len() - 1
            });
        }
        let mut factors: Vec<Option<f64>> = Vec::with_capacity(keys.len());
        par_map_into(&keys, &mut factors, |&(x, age)| self.alive_factor(x, age))?;
        par_map_into(inputs, out, |c| {
            let h = &c.history;
            let factor = index
                .get(&(h.x(), h.age().to_bits()))
                .and_then(|&i| factors.get(i).copied().flatten());
            match factor {
                Some(g) => {
                    let m = self.spend.expected_spend_f64(&c.spend)?;
                    let v = m * self.purchases.p_alive(h)? * g;
                    if !v.is_finite() {
                        return Err(Error::Overflow {
                            what: "BTYD lifetime value",
                        });
                    }
                    Decimal::try_from(v).map_err(|_| Error::Overflow {
                        what: "BTYD lifetime value",
                    })
                }
                None => self.score(c),
            }
        })
    }
}

/// Lifetime value as expected spend times discounted expected residual
/// transactions, where DERT has a closed form
/// ([spec](crate::btyd::spec#spend-times-dert); Fader, Hardie & Lee 2005b):
///
/// ```text
/// CLV_i = E[Z | x_i, z̄_i] · DERT_i(δ)
/// ```
///
/// with `δ` the continuously compounded discount rate per unit of the
/// data's time (e.g. `ln(1.15)/52` for 15 % a year in weeks). DERT counts
/// every future purchase, discounted continuously from `T`, over an infinite
/// horizon [`ParetoNbdParams::dert`]. Returned as an unrounded [`Decimal`].
///
/// # Errors
///
/// As [`ParetoNbdParams::dert`] (a `δ` that is not finite and > 0) and
/// [`GammaGammaParams::expected_spend`] (`q <= 1` for a customer without
/// repeat purchases); [`Error::Overflow`] when the value leaves `Decimal`.
///
/// # Example
///
/// The [spec's example](crate::btyd::spec#spend-times-dert): the CDNOW customer (x = 2, t_x = 30.43, T = 38.86,
/// z̄ = 22.35) at the Pareto/NBD and Gamma-Gamma MLEs.
///
/// ```
/// use customer_value::{CustomerId, Decimal};
/// use customer_value::btyd::{
///     BtydCustomer, CustomerHistory, GammaGammaParams, ParetoNbdParams, SpendHistory, dert_clv,
/// };
///
/// let purchases = ParetoNbdParams::new(0.5532755, 10.57761, 0.6062136, 11.66791)?;
/// let spend = GammaGammaParams::new(6.248803, 3.744588, 15.447746)?;
/// let c = CustomerId::new(1);
/// let customer = BtydCustomer::new(
///     CustomerHistory::new(c, 2, 30.43, 38.86)?,
///     SpendHistory::new(c, 2, Decimal::new(2235, 2))?,
/// )?;
/// let clv = dert_clv(&purchases, &spend, &customer, 1.15_f64.ln() / 52.0)?;
/// assert_eq!(clv.round_dp(3), Decimal::new(160_286, 3));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn dert_clv(
    purchases: &ParetoNbdParams,
    spend: &GammaGammaParams,
    customer: &BtydCustomer,
    delta: f64,
) -> Result<Decimal> {
    let dert = purchases.dert(&customer.history, delta)?;
    spend_times(spend, customer, dert)
}

/// [`dert_clv`] for any purchase model with a DERT
/// ([`PurchaseModel::dert`]: Pareto/NBD in closed form, GGom/NBD by
/// quadrature): `CLV_i = E[Z | x_i, z̄_i] · DERT_i(δ)`, the same
/// continuous-discounting convention (purchases discounted from `T` at
/// rate `δ` per unit of the data's time, over an infinite horizon).
///
/// # Errors
///
/// [`Error::InvalidParameter`] (`"model"`) for BG/NBD and MBG/NBD, which
/// have no DERT here; as [`dert_clv`] otherwise.
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Decimal};
/// use customer_value::btyd::{
///     BtydCustomer, CustomerHistory, GammaGammaParams, GgomNbdParams, PurchaseModel,
///     SpendHistory, purchase_dert_clv,
/// };
///
/// let purchases = PurchaseModel::from(GgomNbdParams::new(0.55, 10.6, 0.05, 0.6, 0.6)?);
/// let spend = GammaGammaParams::new(6.248803, 3.744588, 15.447746)?;
/// let c = CustomerId::new(1);
/// let customer = BtydCustomer::new(
///     CustomerHistory::new(c, 2, 30.43, 38.86)?,
///     SpendHistory::new(c, 2, Decimal::new(2235, 2))?,
/// )?;
/// let clv = purchase_dert_clv(&purchases, &spend, &customer, 1.15_f64.ln() / 52.0)?;
/// assert!(clv > Decimal::ZERO);
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn purchase_dert_clv(
    purchases: &PurchaseModel,
    spend: &GammaGammaParams,
    customer: &BtydCustomer,
    delta: f64,
) -> Result<Decimal> {
    let dert =
        purchases
            .dert(&customer.history, delta)
            .ok_or_else(|| Error::InvalidParameter {
                name: "model",
                value: purchases.name().to_string(),
                reason: "DERT needs a Pareto/NBD or GGom/NBD purchase model",
            })??;
    spend_times(spend, customer, dert)
}

/// `E[Z | x, z̄] · dert` as a `Decimal`.
fn spend_times(spend: &GammaGammaParams, customer: &BtydCustomer, dert: f64) -> Result<Decimal> {
    let m = spend.expected_spend_f64(&customer.spend)?;
    let v = m * dert;
    if !v.is_finite() {
        return Err(Error::Overflow {
            what: "BTYD lifetime value",
        });
    }
    Decimal::try_from(v).map_err(|_| Error::Overflow {
        what: "BTYD lifetime value",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btyd::BgNbdParams;

    fn customer(x: u32, t_x: f64, age: f64, zbar: Decimal) -> BtydCustomer {
        let c = CustomerId::new(1);
        BtydCustomer::new(
            CustomerHistory::new(c, x, t_x, age).unwrap(),
            SpendHistory::new(c, x, zbar).unwrap(),
        )
        .unwrap()
    }

    fn models() -> (BgNbdParams, GammaGammaParams) {
        (
            BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754).unwrap(),
            GammaGammaParams::new(6.248803, 3.744588, 15.447746).unwrap(),
        )
    }

    fn model(f: f64) -> BtydClv {
        let (p, s) = models();
        BtydClv::builder(p, s)
            .periods(12)
            .discount(DiscountRate::new(Decimal::new(1, 2)).unwrap())
            .period_length(f)
            .build()
            .unwrap()
    }

    #[test]
    fn worked_example() {
        let c = customer(2, 30.43, 38.86, Decimal::new(2235, 2));
        let (_, s) = models();
        assert!((s.expected_spend_f64(c.spend()).unwrap() - 24.658616).abs() < 1e-6);
        let v = model(4.345).value_f64(&c).unwrap();
        assert!((v - 36.278503).abs() < 1e-6, "{v}");
        let v = model(30.0 / 7.0).value_f64(&c).unwrap();
        assert!((v - 35.871050).abs() < 1e-6, "{v}");
    }

    #[test]
    fn builder_requires_every_setting() {
        let (p, s) = models();
        let d = DiscountRate::new(Decimal::new(1, 2)).unwrap();
        assert!(
            BtydClv::builder(p, s)
                .periods(12)
                .discount(d)
                .build()
                .is_err()
        );
        assert!(
            BtydClv::builder(p, s)
                .periods(12)
                .period_length(1.0)
                .build()
                .is_err()
        );
        assert!(
            BtydClv::builder(p, s)
                .discount(d)
                .period_length(1.0)
                .build()
                .is_err()
        );
        let base = BtydClv::builder(p, s).discount(d);
        assert!(base.periods(0).period_length(1.0).build().is_err());
        assert!(base.periods(1).period_length(0.0).build().is_err());
        assert!(base.periods(1).period_length(f64::NAN).build().is_err());
    }

    #[test]
    fn q_at_most_one_fails_for_new_customers() {
        let (p, _) = models();
        let clv = BtydClv::builder(p, GammaGammaParams::new(6.0, 0.8, 15.0).unwrap())
            .periods(12)
            .discount(DiscountRate::new(Decimal::new(1, 2)).unwrap())
            .period_length(4.345)
            .build()
            .unwrap();
        assert!(clv.score(&customer(0, 0.0, 30.0, Decimal::ZERO)).is_err());
        assert!(clv.score(&customer(1, 3.0, 30.0, Decimal::ONE)).unwrap() > Decimal::ZERO);
    }
}
