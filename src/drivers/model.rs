//! Driver ratings -> multinomial-logit switching -> Markov CLV -> customer
//! equity, and the what-if of one driver's improvement.

use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

use crate::clv::DiscountRate;
use crate::{CustomerId, Decimal, Error, Keyed, Result};

/// Which of Rust, Lemon & Zeithaml's three equities a driver belongs to
/// ([spec](crate::drivers::spec#drivers)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum EquityKind {
    /// Value equity: quality, price, convenience.
    Value,
    /// Brand equity: awareness, attitude towards the brand, ethics.
    Brand,
    /// Relationship equity: loyalty programmes, recognition, affinity,
    /// community, knowledge building.
    Relationship,
}

/// A driver of customer equity: a name and its equity
/// ([spec](crate::drivers::spec#drivers)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Driver {
    /// The driver's name ("quality", "ethics", ...).
    pub name: String,
    /// Its equity.
    pub kind: EquityKind,
}

impl Driver {
    /// A driver.
    pub fn new(name: impl Into<String>, kind: EquityKind) -> Self {
        Self {
            name: name.into(),
            kind,
        }
    }

    /// The eleven sub-drivers Rust, Lemon & Zeithaml list under the three
    /// equities, in their order.
    pub fn standard() -> Vec<Driver> {
        use EquityKind::{Brand, Relationship, Value};
        [
            ("quality", Value),
            ("price", Value),
            ("convenience", Value),
            ("awareness", Brand),
            ("attitude", Brand),
            ("ethics", Brand),
            ("loyalty_programme", Relationship),
            ("recognition", Relationship),
            ("affinity", Relationship),
            ("community", Relationship),
            ("knowledge_building", Relationship),
        ]
        .into_iter()
        .map(|(n, k)| Driver::new(n, k))
        .collect()
    }
}

/// A brand (or firm) of the market with its contribution margin per unit
/// bought.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Brand {
    /// The brand's name.
    pub name: String,
    /// Contribution per unit, money.
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    pub margin: Decimal,
}

impl Brand {
    /// A brand.
    pub fn new(name: impl Into<String>, margin: Decimal) -> Self {
        Self {
            name: name.into(),
            margin,
        }
    }
}

fn finite(name: &'static str, x: f64) -> Result<f64> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(Error::InvalidParameter {
            name,
            value: x.to_string(),
            reason: "must be finite",
        })
    }
}

/// The multinomial-logit switching model: driver coefficients `β` and the
/// inertia coefficient `β_0` ([spec](crate::drivers::spec#switching-matrix)).
///
/// The utility of brand `j` to a customer who last bought brand `k` is
/// `U_kj = β_0·[j = k] + Σ_d β_d x_jd`, with `x_jd` the customer's rating
/// of brand `j` on driver `d`; the probability of buying `j` next is
/// `exp(U_kj) / Σ_h exp(U_kh)`.
///
/// Serialises as its fields; deserialising checks like [`new`](Self::new).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "RawSwitching", into = "RawSwitching")
)]
pub struct SwitchingModel {
    drivers: Vec<Driver>,
    coefficients: Vec<f64>,
    inertia: f64,
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct RawSwitching {
    drivers: Vec<Driver>,
    coefficients: Vec<f64>,
    inertia: f64,
}

#[cfg(feature = "serde")]
impl From<SwitchingModel> for RawSwitching {
    fn from(m: SwitchingModel) -> Self {
        RawSwitching {
            drivers: m.drivers,
            coefficients: m.coefficients,
            inertia: m.inertia,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<RawSwitching> for SwitchingModel {
    type Error = Error;
    fn try_from(r: RawSwitching) -> Result<Self> {
        SwitchingModel::new(r.drivers, r.coefficients, r.inertia)
    }
}

impl SwitchingModel {
    /// Checks and builds the model: one coefficient per driver.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] without drivers; [`Error::InvalidValue`]
    /// (`switching model`) when the counts differ;
    /// [`Error::InvalidParameter`] (`coefficient`, `inertia`) for a value
    /// that is not finite.
    pub fn new(drivers: Vec<Driver>, coefficients: Vec<f64>, inertia: f64) -> Result<Self> {
        if drivers.is_empty() {
            return Err(Error::EmptyInput {
                what: "switching model",
                needs: "driver",
            });
        }
        if drivers.len() != coefficients.len() {
            return Err(Error::InvalidValue {
                what: "switching model",
                reason: format!(
                    "need one coefficient per driver: {} drivers, {} coefficients",
                    drivers.len(),
                    coefficients.len()
                ),
            });
        }
        for &b in &coefficients {
            finite("coefficient", b)?;
        }
        finite("inertia", inertia)?;
        Ok(Self {
            drivers,
            coefficients,
            inertia,
        })
    }

    /// The drivers.
    pub fn drivers(&self) -> &[Driver] {
        &self.drivers
    }

    /// The driver coefficients `β_d`.
    pub fn coefficients(&self) -> &[f64] {
        &self.coefficients
    }

    /// The inertia coefficient `β_0`.
    pub fn inertia(&self) -> f64 {
        self.inertia
    }

    /// The index of the driver named `name`.
    pub fn driver_index(&self, name: &str) -> Option<usize> {
        self.drivers.iter().position(|d| d.name == name)
    }

    /// The `J × J` switching matrix (row-major: row `k` = last bought
    /// `k`) from one customer's ratings (`J × D`, row-major: brand by
    /// driver).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] (`ratings`) when the ratings are not a
    /// whole number of brands, or a utility is not finite.
    pub fn switching_matrix(&self, ratings: &[f64]) -> Result<Vec<f64>> {
        let d = self.coefficients.len();
        if ratings.is_empty() || ratings.len() % d != 0 {
            return Err(Error::InvalidValue {
                what: "ratings",
                reason: format!(
                    "need brands x {d} drivers ratings, got {} values",
                    ratings.len()
                ),
            });
        }
        let j = ratings.len() / d;
        let mut matrix = vec![0.0; j * j];
        let mut base = vec![0.0; j];
        self.fill(ratings, &mut base, &mut matrix)?;
        Ok(matrix)
    }

    /// Base utilities into `base` (len J) and the matrix into `matrix`
    /// (len J²).
    fn fill(&self, ratings: &[f64], base: &mut [f64], matrix: &mut [f64]) -> Result<()> {
        let d = self.coefficients.len();
        let j = base.len();
        for (b, row) in base.iter_mut().zip(ratings.chunks_exact(d)) {
            *b = row.iter().zip(&self.coefficients).map(|(x, c)| x * c).sum();
            if !b.is_finite() {
                return Err(Error::InvalidValue {
                    what: "ratings",
                    reason: "a brand's utility is not finite (ratings or coefficients too large)"
                        .to_owned(),
                });
            }
        }
        for k in 0..j {
            let row = &mut matrix[k * j..(k + 1) * j];
            let mut max = f64::NEG_INFINITY;
            for (h, u) in row.iter_mut().enumerate() {
                *u = base[h] + if h == k { self.inertia } else { 0.0 };
                max = max.max(*u);
            }
            let mut sum = 0.0;
            for u in row.iter_mut() {
                *u = (*u - max).exp();
                sum += *u;
            }
            for u in row.iter_mut() {
                *u /= sum;
            }
        }
        Ok(())
    }
}

/// One surveyed customer: the brand bought last, ratings of every brand on
/// every driver, purchases per year and units per purchase
/// ([spec](crate::drivers::spec#lifetime-value)).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "RawRespondent", into = "RawRespondent")
)]
pub struct Respondent {
    customer: CustomerId,
    last_brand: usize,
    ratings: Vec<f64>,
    purchases_per_year: f64,
    volume: f64,
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct RawRespondent {
    customer: CustomerId,
    last_brand: usize,
    ratings: Vec<f64>,
    purchases_per_year: f64,
    volume: f64,
}

#[cfg(feature = "serde")]
impl From<Respondent> for RawRespondent {
    fn from(r: Respondent) -> Self {
        RawRespondent {
            customer: r.customer,
            last_brand: r.last_brand,
            ratings: r.ratings,
            purchases_per_year: r.purchases_per_year,
            volume: r.volume,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<RawRespondent> for Respondent {
    type Error = Error;
    fn try_from(r: RawRespondent) -> Result<Self> {
        Respondent::new(
            r.customer,
            r.last_brand,
            r.ratings,
            r.purchases_per_year,
            r.volume,
        )
    }
}

impl Respondent {
    /// Checks and builds a respondent. `ratings` is brand by driver,
    /// row-major (`ratings[j·D + d]`); its shape is checked against the
    /// model when the customer is valued.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (`rating`) for a rating that is not
    /// finite; (`purchases_per_year`) unless it is finite and `> 0`;
    /// (`volume`) unless it is finite and `>= 0`.
    pub fn new(
        customer: CustomerId,
        last_brand: usize,
        ratings: Vec<f64>,
        purchases_per_year: f64,
        volume: f64,
    ) -> Result<Self> {
        for &x in &ratings {
            finite("rating", x)?;
        }
        if !(purchases_per_year.is_finite() && purchases_per_year > 0.0) {
            return Err(Error::InvalidParameter {
                name: "purchases_per_year",
                value: purchases_per_year.to_string(),
                reason: "must be finite and > 0",
            });
        }
        if !(volume.is_finite() && volume >= 0.0) {
            return Err(Error::InvalidParameter {
                name: "volume",
                value: volume.to_string(),
                reason: "must be finite and >= 0",
            });
        }
        Ok(Self {
            customer,
            last_brand,
            ratings,
            purchases_per_year,
            volume,
        })
    }

    /// The brand bought last (an index into the model's brands).
    pub fn last_brand(&self) -> usize {
        self.last_brand
    }

    /// The ratings, brand by driver.
    pub fn ratings(&self) -> &[f64] {
        &self.ratings
    }

    /// Purchases per year, `f`.
    pub fn purchases_per_year(&self) -> f64 {
        self.purchases_per_year
    }

    /// Units per purchase, `v`.
    pub fn volume(&self) -> f64 {
        self.volume
    }
}

impl Keyed for Respondent {
    fn customer(&self) -> CustomerId {
        self.customer
    }
}

/// How respondents' lifetime values add up to a brand's customer equity
/// ([spec](crate::drivers::spec#customer-equity)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Population {
    /// The respondents are the whole market: equity is the sum of their
    /// CLVs.
    Census,
    /// The respondents are a sample of a market of this many customers:
    /// equity is the mean CLV times the market size (Rust, Lemon &
    /// Zeithaml \[R\]).
    Market(u64),
}

/// The customer-equity model of Rust, Lemon & Zeithaml (2004): switching,
/// brands, an annual discount rate, a horizon in years and the
/// [`Population`] ([spec](crate::drivers::spec#lifetime-value)).
///
/// # Example
///
/// The [worked example](crate::drivers::spec#worked-example): two brands,
/// one driver.
///
/// ```
/// use customer_value::{CustomerId, Decimal};
/// use customer_value::clv::DiscountRate;
/// use customer_value::drivers::{Brand, Driver, EquityKind, EquityModel, Population,
///     Respondent, SwitchingModel};
///
/// let switching = SwitchingModel::new(
///     vec![Driver::new("quality", EquityKind::Value)], vec![1.0], 1.0)?;
/// let model = EquityModel::new(
///     switching,
///     vec![Brand::new("A", Decimal::new(10, 0)), Brand::new("B", Decimal::new(8, 0))],
///     DiscountRate::new(Decimal::ZERO)?, 2, Population::Census)?;
/// // Rates A 2 and B 1 on quality, bought A last, one purchase a year.
/// let alice = Respondent::new(CustomerId::new(1), 0, vec![2.0, 1.0], 1.0, 1.0)?;
/// let clv = model.clv(&alice)?;
/// assert_eq!(clv[0].round_dp(4), Decimal::new(171620, 4)); // 10 (p + p² + (1−p)/2), p = 1/(1+e^−2)
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawEquity", into = "RawEquity"))]
pub struct EquityModel {
    switching: SwitchingModel,
    brands: Vec<Brand>,
    discount: DiscountRate,
    years: u32,
    population: Population,
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct RawEquity {
    switching: SwitchingModel,
    brands: Vec<Brand>,
    discount: DiscountRate,
    years: u32,
    population: Population,
}

#[cfg(feature = "serde")]
impl From<EquityModel> for RawEquity {
    fn from(m: EquityModel) -> Self {
        RawEquity {
            switching: m.switching,
            brands: m.brands,
            discount: m.discount,
            years: m.years,
            population: m.population,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<RawEquity> for EquityModel {
    type Error = Error;
    fn try_from(r: RawEquity) -> Result<Self> {
        EquityModel::new(r.switching, r.brands, r.discount, r.years, r.population)
    }
}

fn to_decimal(x: f64, what: &'static str) -> Result<Decimal> {
    Decimal::from_f64(x).ok_or(Error::Overflow { what })
}

/// Customer equity by brand, from [`EquityModel::equity`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EquityReport {
    /// Customer equity of each brand, in the model's brand order.
    pub equity: Vec<Decimal>,
    /// Mean CLV per respondent of each brand.
    pub mean_clv: Vec<Decimal>,
    /// Respondents valued.
    pub respondents: u64,
}

/// The effect of one driver's improvement for one brand, from
/// [`EquityModel::what_if`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct WhatIf {
    /// The brand's customer equity before.
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    pub before: Decimal,
    /// After the improvement.
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    pub after: Decimal,
    /// The spend on the improvement (discounted, as given).
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    pub spend: Decimal,
    /// Return on the spend: `(after − before − spend) / spend`.
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    pub roi: Decimal,
}

impl WhatIf {
    /// `after − before`.
    pub fn change(&self) -> Decimal {
        self.after - self.before
    }
}

impl EquityModel {
    /// Checks and builds the model. `discount` is per year; `years` is
    /// the horizon.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] with fewer than two brands (nothing to
    /// switch between) \[L\]; [`Error::InvalidParameter`] (`years`) for 0;
    /// (`market`) for a market of 0 customers.
    pub fn new(
        switching: SwitchingModel,
        brands: Vec<Brand>,
        discount: DiscountRate,
        years: u32,
        population: Population,
    ) -> Result<Self> {
        if brands.len() < 2 {
            return Err(Error::EmptyInput {
                what: "customer-equity model",
                needs: "pair of brands",
            });
        }
        if years == 0 {
            return Err(Error::InvalidParameter {
                name: "years",
                value: "0".to_owned(),
                reason: "must be at least 1",
            });
        }
        if population == Population::Market(0) {
            return Err(Error::InvalidParameter {
                name: "market",
                value: "0".to_owned(),
                reason: "must hold at least one customer",
            });
        }
        Ok(Self {
            switching,
            brands,
            discount,
            years,
            population,
        })
    }

    /// The switching model.
    pub fn switching(&self) -> &SwitchingModel {
        &self.switching
    }

    /// The brands.
    pub fn brands(&self) -> &[Brand] {
        &self.brands
    }

    fn check(&self, r: &Respondent) -> Result<()> {
        let (j, d) = (self.brands.len(), self.switching.coefficients.len());
        if r.ratings.len() != j * d {
            return Err(Error::InvalidValue {
                what: "respondent",
                reason: format!(
                    "customer {}: need {j} brands x {d} drivers = {} ratings, got {}",
                    r.customer,
                    j * d,
                    r.ratings.len()
                ),
            });
        }
        if r.last_brand >= j {
            return Err(Error::InvalidValue {
                what: "respondent",
                reason: format!(
                    "customer {}: last brand {} is not one of the {j} brands",
                    r.customer, r.last_brand
                ),
            });
        }
        Ok(())
    }

    /// The respondent's CLV for every brand, f64, into `out` (len J),
    /// using `scratch` buffers; `shift` adds `delta` to one (brand,
    /// driver) rating.
    fn clv_f64(
        &self,
        r: &Respondent,
        shift: Option<(usize, usize, f64)>,
        buffers: &mut Buffers,
        out: &mut [f64],
    ) -> Result<()> {
        self.check(r)?;
        let j = self.brands.len();
        let d = self.switching.coefficients.len();
        let ratings: &[f64] = match shift {
            None => &r.ratings,
            Some((brand, driver, delta)) => {
                buffers.ratings.clear();
                buffers.ratings.extend_from_slice(&r.ratings);
                buffers.ratings[brand * d + driver] += delta;
                &buffers.ratings
            }
        };
        buffers.base.resize(j, 0.0);
        buffers.matrix.resize(j * j, 0.0);
        self.switching
            .fill(ratings, &mut buffers.base, &mut buffers.matrix)?;
        let f = r.purchases_per_year;
        let purchases = (f * f64::from(self.years)).floor();
        // Per-purchase discount factor (1+d)^(-1/f).
        let one_plus_d = (Decimal::ONE + self.discount.get())
            .to_f64()
            .unwrap_or(f64::NAN);
        let delta = one_plus_d.powf(-1.0 / f);
        if !(delta.is_finite() && purchases.is_finite()) || purchases > 1e7 {
            return Err(Error::InvalidParameter {
                name: "purchases_per_year",
                value: f.to_string(),
                reason: "gives more than 10^7 purchases over the horizon",
            });
        }
        let n = purchases as u64;
        buffers.state.clear();
        buffers.state.resize(j, 0.0);
        buffers.state[r.last_brand] = 1.0;
        buffers.next.resize(j, 0.0);
        out.iter_mut().for_each(|x| *x = 0.0);
        let mut factor = 1.0;
        for _ in 0..n {
            // state <- state · M
            buffers.next.iter_mut().for_each(|x| *x = 0.0);
            for (k, &s) in buffers.state.iter().enumerate() {
                if s != 0.0 {
                    let row = &buffers.matrix[k * j..(k + 1) * j];
                    for (nx, &p) in buffers.next.iter_mut().zip(row) {
                        *nx += s * p;
                    }
                }
            }
            std::mem::swap(&mut buffers.state, &mut buffers.next);
            factor *= delta;
            for (o, &s) in out.iter_mut().zip(&buffers.state) {
                *o += factor * s;
            }
        }
        for (o, &m) in out.iter_mut().zip(&buffers.margins) {
            *o *= r.volume * m;
        }
        Ok(())
    }

    fn buffers(&self) -> Buffers {
        Buffers {
            margins: self
                .brands
                .iter()
                .map(|b| b.margin.to_f64().unwrap_or(f64::NAN))
                .collect(),
            ..Buffers::default()
        }
    }

    /// The respondent's lifetime value to every brand, in brand order
    /// ([spec](crate::drivers::spec#lifetime-value)).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] (`respondent`) when the ratings' shape or
    /// the last brand do not fit the model, or (`ratings`) when a utility
    /// is not finite; [`Error::InvalidParameter`] (`purchases_per_year`)
    /// for more than 10^7 purchases over the horizon;
    /// [`Error::Overflow`] when a value does not fit a `Decimal`.
    pub fn clv(&self, respondent: &Respondent) -> Result<Vec<Decimal>> {
        let mut buffers = self.buffers();
        let mut out = vec![0.0; self.brands.len()];
        self.clv_f64(respondent, None, &mut buffers, &mut out)?;
        out.into_iter()
            .map(|x| to_decimal(x, "customer lifetime value"))
            .collect()
    }

    fn totals(
        &self,
        respondents: &[Respondent],
        shift: Option<(usize, usize, f64)>,
    ) -> Result<Vec<f64>> {
        if respondents.is_empty() {
            return Err(Error::EmptyInput {
                what: "customer equity",
                needs: "respondent",
            });
        }
        let j = self.brands.len();
        let mut buffers = self.buffers();
        let mut one = vec![0.0; j];
        let mut sum = vec![0.0; j];
        for r in respondents {
            self.clv_f64(r, shift, &mut buffers, &mut one)?;
            for (s, x) in sum.iter_mut().zip(&one) {
                *s += x;
            }
        }
        let n = respondents.len() as f64;
        Ok(match self.population {
            Population::Census => sum,
            Population::Market(m) => sum.into_iter().map(|s| s / n * m as f64).collect(),
        })
    }

    /// Every brand's customer equity over the respondents
    /// ([spec](crate::drivers::spec#customer-equity)).
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] without respondents; otherwise as
    /// [`clv`](Self::clv).
    pub fn equity(&self, respondents: &[Respondent]) -> Result<EquityReport> {
        let totals = self.totals(respondents, None)?;
        let n = respondents.len() as f64;
        let scale = match self.population {
            Population::Census => 1.0 / n,
            Population::Market(m) => 1.0 / m as f64,
        };
        Ok(EquityReport {
            mean_clv: totals
                .iter()
                .map(|&t| to_decimal(t * scale, "mean lifetime value"))
                .collect::<Result<_>>()?,
            equity: totals
                .into_iter()
                .map(|t| to_decimal(t, "customer equity"))
                .collect::<Result<_>>()?,
            respondents: respondents.len() as u64,
        })
    }

    /// What one brand's customer equity becomes when every respondent's
    /// rating of that brand on one driver rises by `delta`, and the return
    /// on `spend`, the (discounted) cost of the improvement
    /// ([spec](crate::drivers::spec#what-if-and-return-on-marketing)).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] (`what-if`) for a brand or driver index out
    /// of range; [`Error::InvalidParameter`] (`delta`) when not finite,
    /// (`spend`) unless `> 0`; otherwise as [`equity`](Self::equity).
    pub fn what_if(
        &self,
        respondents: &[Respondent],
        brand: usize,
        driver: usize,
        delta: f64,
        spend: Decimal,
    ) -> Result<WhatIf> {
        if brand >= self.brands.len() || driver >= self.switching.coefficients.len() {
            return Err(Error::InvalidValue {
                what: "what-if",
                reason: format!(
                    "brand {brand} or driver {driver} out of range ({} brands, {} drivers)",
                    self.brands.len(),
                    self.switching.coefficients.len()
                ),
            });
        }
        finite("delta", delta)?;
        if spend <= Decimal::ZERO {
            return Err(Error::InvalidParameter {
                name: "spend",
                value: spend.to_string(),
                reason: "must be > 0 (a return on nothing is undefined)",
            });
        }
        let before = to_decimal(self.totals(respondents, None)?[brand], "customer equity")?;
        let after = to_decimal(
            self.totals(respondents, Some((brand, driver, delta)))?[brand],
            "customer equity",
        )?;
        let gain = after
            .checked_sub(before)
            .and_then(|g| g.checked_sub(spend))
            .ok_or(Error::Overflow {
                what: "return on spend",
            })?;
        let roi = gain.checked_div(spend).ok_or(Error::Overflow {
            what: "return on spend",
        })?;
        Ok(WhatIf {
            before,
            after,
            spend,
            roi,
        })
    }
}

#[derive(Default)]
struct Buffers {
    margins: Vec<f64>,
    ratings: Vec<f64>,
    base: Vec<f64>,
    matrix: Vec<f64>,
    state: Vec<f64>,
    next: Vec<f64>,
}
