//! Simulated transaction logs: a Pareto/NBD purchase process with
//! Gamma-Gamma spend, for examples, tests and benchmarks.
//!
//! A [`Simulation`] (built with [`Simulation::builder`]) draws a cohort of
//! customers from the model the buy-till-you-die scorers assume, and
//! returns their transactions together with each customer's true, latent
//! rates ([`LatentCustomer`]), so tests can check that a model recovers
//! them. [`uniform_log`] is a plain benchmark fixture, not a behavioural
//! model.
//!
//! # Model
//!
//! The Pareto/NBD[^smc] for purchases and dropout, with the Gamma-Gamma
//! model[^fhl][^gg] for the value of each purchase. Rates are per unit of
//! time (the builder's [`unit`](SimulationBuilder::unit), weeks by default),
//! and "Gamma(k, b)" has shape `k` and rate `b` (mean `k / b`):
//!
//! ```text
//! for each customer i = 0, 1, ..., customers - 1:
//!   a_i  ~ Uniform{start, ..., start + acquisition_days - 1}   acquisition day
//!   λ_i  ~ Gamma(r, α)           purchase rate while alive
//!   μ_i  ~ Gamma(s, β)           dropout rate
//!   ν_i  ~ Gamma(q, γ)           spend rate: mean purchase value is p / ν_i
//!   τ_i  ~ Exponential(μ_i)      lifetime, from the start of day a_i
//!   purchase times 0 = t_0 < t_1 < ..., t_k - t_(k-1) ~ Exponential(λ_i),
//!     kept while t_k < min(τ_i, H_i), H_i = time from the start of a_i
//!     to the end of the end date;
//!   purchase k is on day a_i + floor(t_k), in days;
//!   its value z_ik ~ Gamma(p, ν_i), rounded to cents, at least 0.01.
//! ```
//!
//! So the first purchase is on the acquisition day, every customer buys at
//! least once, and every purchase is a separate [`Transaction`] (two on the
//! same day are two transactions; a summary with [`Grouping::Day`] merges
//! them into one occasion). Useful population figures, with `t` the time
//! observed after the first purchase:
//!
//! ```text
//! E[λ] = r / α              E[1/μ] = β / (s - 1)   (s > 1)
//! E[X(t)] = r β / (α (s - 1)) · (1 - (β / (β + t))^(s - 1))   repeat purchases, s ≠ 1
//! E[z]    = p γ / (q - 1)                                      purchase value, q > 1
//! ```
//!
//! # Defaults
//!
//! The defaults look like the CDNOW cohort that the papers fit: 10,000
//! customers acquired in the first 12 weeks of 1997 and observed to
//! 1998-06-30, with weekly parameters near the published CDNOW fits[^fhl05]
//! (`r = 0.55`, `α = 10.5`, `s = 0.6`, `β = 11.7`: about one purchase every
//! 19 weeks while alive, a heavy-tailed lifetime) and the Gamma-Gamma fit
//! (`p = 6.25`, `q = 3.74`, `γ = 15.44`: a mean purchase of about 35.22).
//! Parameters fitted in days need [`unit`](SimulationBuilder::unit)
//! `(TimeUnit::DAY)`; in general a rate per week is a rate per day times 7,
//! so `α` and `β` per day are 7 times their weekly values and `r`, `s` are
//! unchanged.
//!
//! # Reproducibility
//!
//! The output is a function of the settings alone: the same settings and
//! seed give the same transactions in the same order. The random stream is
//! ChaCha8 ([`rand::rngs::ChaCha8Rng`] seeded by
//! [`SeedableRng::seed_from_u64`]), whose output does not depend on the
//! platform; the Gamma and exponential draws use floating-point logarithms,
//! which can differ in the last bit between math libraries, so a day or a
//! cent may in rare cases differ between platforms. Changing the stream for
//! a given seed is a value-breaking change.
//!
//! # Example
//! ```
//! use customer_value::simulate::Simulation;
//! use customer_value::{Summarizer, TimeUnit};
//!
//! let sim = Simulation::builder().customers(1_000).seed(7).build()?;
//! let log = sim.run();
//! assert_eq!(log.customers().len(), 1_000);
//!
//! let summary = Summarizer::builder(sim.end())
//!     .unit(TimeUnit::WEEK)
//!     .build()?
//!     .summarize(log.transactions())?;
//! assert_eq!(summary.len(), 1_000); // everyone buys at least once
//! assert!(summary.customers().iter().all(|c| c.t_x() >= 0.0 && c.t_x() <= c.age()));
//! assert_eq!(sim.transactions(), log.into_transactions()); // same seed, same log
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [^smc]: Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987).
//!     Counting your customers: who are they and what will they do next?
//!     *Management Science* 33(1), 1–24.
//!
//! [^fhl]: Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV:
//!     using iso-value curves for customer base analysis. *Journal of
//!     Marketing Research* 42(4), 415–430.
//!
//! [^gg]: Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of
//!     monetary value. <http://www.brucehardie.com/notes/025/>
//!
//! [^fhl05]: Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting
//!     your customers" the easy way: an alternative to the Pareto/NBD model.
//!     *Marketing Science* 24(2), 275–284.
//!
//! [`Grouping::Day`]: crate::Grouping::Day

use rand::rngs::ChaCha8Rng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Exp1, Gamma};
use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::model::{CustomerId, Date, TimeUnit, Transaction};

/// Settings of a [`Simulation`]; [`SimulationBuilder::build`] checks them.
///
/// Start from [`Simulation::builder`] (or [`Default`]), which holds the
/// CDNOW-like defaults described in the [module docs](self#defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct SimulationBuilder {
    customers: u32,
    seed: u64,
    start: Date,
    acquisition_days: u32,
    end: Date,
    unit: TimeUnit,
    r: f64,
    alpha: f64,
    s: f64,
    beta: f64,
    p: f64,
    q: f64,
    gamma: f64,
}

impl Default for SimulationBuilder {
    fn default() -> SimulationBuilder {
        SimulationBuilder {
            customers: 10_000,
            seed: 0,
            start: Date::from_ymd(1997, 1, 1).unwrap_or(Date::UNIX_EPOCH),
            acquisition_days: 84,
            end: Date::from_ymd(1998, 6, 30).unwrap_or(Date::UNIX_EPOCH),
            unit: TimeUnit::WEEK,
            r: 0.55,
            alpha: 10.5,
            s: 0.6,
            beta: 11.7,
            p: 6.25,
            q: 3.74,
            gamma: 15.44,
        }
    }
}

impl SimulationBuilder {
    /// Sets the number of customers, with ids `0..customers` (default 10,000).
    pub fn customers(mut self, customers: u32) -> Self {
        self.customers = customers;
        self
    }

    /// Sets the seed of the random stream (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the first day of the acquisition window (default 1997-01-01).
    pub fn start(mut self, start: Date) -> Self {
        self.start = start;
        self
    }

    /// Sets the length of the acquisition window in days (default 84, the
    /// first 12 weeks): each customer's first purchase is on a day drawn
    /// uniformly from `start` to `start + acquisition_days - 1`. With 1,
    /// every customer starts on `start`.
    pub fn acquisition_days(mut self, days: u32) -> Self {
        self.acquisition_days = days;
        self
    }

    /// Sets the last simulated day, included (default 1998-06-30).
    pub fn end(mut self, end: Date) -> Self {
        self.end = end;
        self
    }

    /// Sets the unit that the rates `α` and `β` are per (default
    /// [`TimeUnit::WEEK`]), as in the summary the parameters were fitted on.
    pub fn unit(mut self, unit: TimeUnit) -> Self {
        self.unit = unit;
        self
    }

    /// Sets `r`, the shape of the purchase-rate distribution (default 0.55).
    pub fn r(mut self, r: f64) -> Self {
        self.r = r;
        self
    }

    /// Sets `α`, the rate of the purchase-rate distribution, per unit
    /// (default 10.5): the mean purchase rate is `r / α`.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// Sets `s`, the shape of the dropout-rate distribution (default 0.6).
    pub fn s(mut self, s: f64) -> Self {
        self.s = s;
        self
    }

    /// Sets `β`, the rate of the dropout-rate distribution, per unit
    /// (default 11.7): the mean dropout rate is `s / β`.
    pub fn beta(mut self, beta: f64) -> Self {
        self.beta = beta;
        self
    }

    /// Sets `p`, the shape of each purchase's value (default 6.25).
    pub fn p(mut self, p: f64) -> Self {
        self.p = p;
        self
    }

    /// Sets `q`, the shape of the spend-rate distribution (default 3.74).
    pub fn q(mut self, q: f64) -> Self {
        self.q = q;
        self
    }

    /// Sets `γ`, the rate of the spend-rate distribution (default 15.44):
    /// the population's mean purchase value is `p γ / (q - 1)`.
    pub fn gamma(mut self, gamma: f64) -> Self {
        self.gamma = gamma;
        self
    }

    /// Checks the settings and returns the simulation.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`], named
    /// - `r`, `alpha`, `s`, `beta`, `p`, `q` or `gamma` when that parameter
    ///   is not positive and finite (NaN included);
    /// - `customers` when it is 0;
    /// - `end` when the end date is before the start date;
    /// - `acquisition days` when it is 0, or when the acquisition window
    ///   runs past the end date;
    /// - `alpha` also when `1 / α` overflows, or when the mean purchases per
    ///   customer while alive over the whole simulated period, `r / α ×
    ///   (end - start + 1 day)`, exceed 1,000,000 (a guard against logs
    ///   too large to hold); `beta` and `gamma` also when their inverse
    ///   overflows.
    ///
    /// # Example
    /// ```
    /// use customer_value::Error;
    /// use customer_value::simulate::Simulation;
    ///
    /// assert!(Simulation::builder().r(0.3).alpha(4.0).build().is_ok());
    /// let err = Simulation::builder().beta(f64::NAN).build().unwrap_err();
    /// assert!(matches!(err, Error::InvalidParameter { name: "beta", .. }));
    /// ```
    pub fn build(self) -> Result<Simulation> {
        let shape_rate = |name_k, k: f64, name_b, b: f64| -> Result<Gamma<f64>> {
            let k = positive(name_k, k)?;
            let b = positive(name_b, b)?;
            let invalid = || Error::InvalidParameter {
                name: name_b,
                value: b.to_string(),
                reason: "must have a finite inverse",
            };
            if !(1.0 / b).is_finite() {
                return Err(invalid());
            }
            Gamma::new(k, 1.0 / b).map_err(|_| invalid())
        };
        let purchase_rate = shape_rate("r", self.r, "alpha", self.alpha)?;
        let dropout_rate = shape_rate("s", self.s, "beta", self.beta)?;
        let spend_rate = shape_rate("q", self.q, "gamma", self.gamma)?;
        let purchase_value = shape_rate("p", self.p, "p", 1.0)?;
        if self.customers == 0 {
            return Err(Error::InvalidParameter {
                name: "customers",
                value: "0".into(),
                reason: "must be at least 1",
            });
        }
        if self.end < self.start {
            return Err(Error::InvalidParameter {
                name: "end",
                value: self.end.to_string(),
                reason: "must not be before the start date",
            });
        }
        if self.acquisition_days == 0 {
            return Err(Error::InvalidParameter {
                name: "acquisition days",
                value: "0".into(),
                reason: "must be at least 1",
            });
        }
        // Both dates are valid, so the span is at most 9999 years of days.
        let days = i64::from(self.end.days_since(self.start)) + 1;
        if i64::from(self.acquisition_days) > days {
            return Err(Error::InvalidParameter {
                name: "acquisition days",
                value: self.acquisition_days.to_string(),
                reason: "the acquisition window must end by the end date",
            });
        }
        // Keeps the log (and the time to draw it) bounded.
        let units = days as f64 / f64::from(self.unit.days_per_period());
        let mean_purchases = self.r / self.alpha * units;
        if !(mean_purchases.is_finite() && mean_purchases <= MAX_MEAN_PURCHASES) {
            return Err(Error::InvalidParameter {
                name: "alpha",
                value: self.alpha.to_string(),
                reason: "the mean purchases per customer, r / alpha times the simulated period, \
                         must be at most 1,000,000",
            });
        }
        Ok(Simulation {
            settings: self,
            purchase_rate,
            dropout_rate,
            spend_rate,
            purchase_value,
        })
    }
}

/// The most purchases a customer may make on average over the simulated
/// period, `r / α × (end - start + 1 day)`.
const MAX_MEAN_PURCHASES: f64 = 1e6;

/// `value` if it is positive and finite, else an [`Error::InvalidParameter`].
fn positive(name: &'static str, value: f64) -> Result<f64> {
    if value > 0.0 && value.is_finite() {
        Ok(value)
    } else {
        Err(Error::InvalidParameter {
            name,
            value: value.to_string(),
            reason: "must be positive and finite",
        })
    }
}

/// A checked simulation of a customer cohort: Pareto/NBD purchases with
/// Gamma-Gamma spend (see the [module docs](self) for the model).
///
/// Built by [`Simulation::builder`]; [`Simulation::run`] draws the log.
/// Serialises as its settings; deserialising checks them like
/// [`SimulationBuilder::build`].
///
/// # Example
/// ```
/// use customer_value::simulate::Simulation;
/// use customer_value::{Date, TimeUnit};
///
/// let sim = Simulation::builder()
///     .customers(500)
///     .seed(42)
///     .start(Date::parse("2024-01-01")?)
///     .acquisition_days(90)
///     .end(Date::parse("2024-12-31")?)
///     .unit(TimeUnit::DAY)
///     .r(0.8)
///     .alpha(40.0) // one purchase per 50 days on average while alive
///     .build()?;
/// let log = sim.transactions();
/// assert!(log.len() >= 500);
/// assert!(log.iter().all(|t| t.date() >= sim.start() && t.date() <= sim.end()));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "SimulationBuilder", into = "SimulationBuilder")
)]
pub struct Simulation {
    settings: SimulationBuilder,
    /// `λ ~ Gamma(r, α)` per unit.
    purchase_rate: Gamma<f64>,
    /// `μ ~ Gamma(s, β)` per unit.
    dropout_rate: Gamma<f64>,
    /// `ν ~ Gamma(q, γ)`.
    spend_rate: Gamma<f64>,
    /// `Gamma(p, 1)`: a purchase value is a draw divided by `ν`.
    purchase_value: Gamma<f64>,
}

impl Simulation {
    /// Starts a builder with the CDNOW-like defaults of the
    /// [module docs](self#defaults).
    pub fn builder() -> SimulationBuilder {
        SimulationBuilder::default()
    }

    /// The settings this simulation was built from.
    pub fn to_builder(&self) -> SimulationBuilder {
        self.settings
    }

    /// Number of customers (ids `0..customers`).
    pub fn customers(&self) -> u32 {
        self.settings.customers
    }

    /// Seed of the random stream.
    pub fn seed(&self) -> u64 {
        self.settings.seed
    }

    /// First day of the acquisition window.
    pub fn start(&self) -> Date {
        self.settings.start
    }

    /// Length of the acquisition window in days.
    pub fn acquisition_days(&self) -> u32 {
        self.settings.acquisition_days
    }

    /// Last simulated day, included.
    pub fn end(&self) -> Date {
        self.settings.end
    }

    /// The unit that rates are per.
    pub fn unit(&self) -> TimeUnit {
        self.settings.unit
    }

    /// `r`, shape of the purchase-rate distribution.
    pub fn r(&self) -> f64 {
        self.settings.r
    }

    /// `α`, rate of the purchase-rate distribution, per unit.
    pub fn alpha(&self) -> f64 {
        self.settings.alpha
    }

    /// `s`, shape of the dropout-rate distribution.
    pub fn s(&self) -> f64 {
        self.settings.s
    }

    /// `β`, rate of the dropout-rate distribution, per unit.
    pub fn beta(&self) -> f64 {
        self.settings.beta
    }

    /// `p`, shape of a purchase's value.
    pub fn p(&self) -> f64 {
        self.settings.p
    }

    /// `q`, shape of the spend-rate distribution.
    pub fn q(&self) -> f64 {
        self.settings.q
    }

    /// `γ`, rate of the spend-rate distribution.
    pub fn gamma(&self) -> f64 {
        self.settings.gamma
    }

    /// Draws the log: the transactions in random order, and every
    /// customer's latent values, by customer id.
    ///
    /// Memory and time grow with the number of transactions, about
    /// `customers × (1 + r/α × the expected observed lifetime)`.
    pub fn run(&self) -> SimulatedLog {
        let b = &self.settings;
        let mut rng = ChaCha8Rng::seed_from_u64(b.seed);
        let days_per_unit = f64::from(b.unit.days_per_period());
        let start = b.start.days_since_epoch();
        // Valid by `build`: 0 <= span, acquisition_days <= span + 1.
        let span = b.end.days_since(b.start);
        let mut transactions = Vec::new();
        let mut customers = Vec::with_capacity(b.customers as usize);
        for i in 0..b.customers {
            let customer = CustomerId::new(u64::from(i));
            let first = rng.random_range(0..b.acquisition_days).min(span as u32) as i32;
            let lambda = self.purchase_rate.sample(&mut rng);
            let mu = self.dropout_rate.sample(&mut rng);
            let nu = self.spend_rate.sample(&mut rng);
            let lifetime = exp1(&mut rng) / mu; // in units
            // Everything below is in days from the start of day `first`.
            let horizon = f64::from(span - first + 1);
            let lifetime_days = lifetime * days_per_unit;
            let stop = lifetime_days.min(horizon);
            let lambda_per_day = lambda / days_per_unit;
            // The first purchase is at t = 0, whatever the lifetime; the
            // repeat purchases follow while t < stop.
            let mut t = 0.0_f64;
            let mut count = 0_u32;
            loop {
                // t < horizon, so the offset is at most span - first.
                let offset = (t as i32).min(span - first);
                let value: f64 = self.purchase_value.sample(&mut rng) / nu;
                transactions.push(Transaction::new(
                    customer,
                    day(start + first + offset, b.end),
                    cents(value),
                ));
                count = count.saturating_add(1);
                t += exp1(&mut rng) / lambda_per_day;
                if t.is_nan() || t >= stop {
                    break;
                }
            }
            customers.push(LatentCustomer {
                customer,
                acquired: day(start + first, b.end),
                purchase_rate: lambda,
                dropout_rate: mu,
                lifetime,
                mean_spend: b.p / nu,
                alive_at_end: lifetime_days > horizon,
                transactions: count,
            });
        }
        transactions.shuffle(&mut rng);
        SimulatedLog {
            transactions,
            customers,
        }
    }

    /// The transactions of [`Simulation::run`], in random order, without
    /// the latent values.
    pub fn transactions(&self) -> Vec<Transaction> {
        self.run().into_transactions()
    }
}

impl From<Simulation> for SimulationBuilder {
    fn from(simulation: Simulation) -> SimulationBuilder {
        simulation.settings
    }
}

impl TryFrom<SimulationBuilder> for Simulation {
    type Error = Error;
    fn try_from(builder: SimulationBuilder) -> Result<Simulation> {
        builder.build()
    }
}

/// A standard exponential draw.
#[inline]
fn exp1(rng: &mut ChaCha8Rng) -> f64 {
    Exp1.sample(rng)
}

/// The date `days` after 1970-01-01; callers keep `days` within the
/// simulation's valid dates, so the fallback is never taken.
#[inline]
fn day(days: i32, fallback: Date) -> Date {
    Date::from_days_since_epoch(days).unwrap_or(fallback)
}

/// A value rounded to cents, half away from zero, at least 0.01 (also for
/// NaN, which cannot arise from valid parameters).
#[inline]
fn cents(value: f64) -> Decimal {
    // `as` saturates, and maps NaN to 0.
    let cents = ((value * 100.0).round() as i64).max(1);
    Decimal::new(cents, 2)
}

/// The output of [`Simulation::run`]: the log and the truth behind it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SimulatedLog {
    transactions: Vec<Transaction>,
    customers: Vec<LatentCustomer>,
}

impl SimulatedLog {
    /// The transactions, in random order.
    pub fn transactions(&self) -> &[Transaction] {
        &self.transactions
    }

    /// Every customer's latent values; customer `i` is at index `i`.
    pub fn customers(&self) -> &[LatentCustomer] {
        &self.customers
    }

    /// The transactions, by value.
    pub fn into_transactions(self) -> Vec<Transaction> {
        self.transactions
    }

    /// The transactions and the latent values, by value.
    pub fn into_parts(self) -> (Vec<Transaction>, Vec<LatentCustomer>) {
        (self.transactions, self.customers)
    }
}

/// One simulated customer's true, unobserved values, for tests that check
/// what a model recovers. Rates are per the simulation's unit.
///
/// These are statistical quantities, not money: [`mean_spend`](Self::mean_spend)
/// is the expected value of a purchase before rounding to cents.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct LatentCustomer {
    customer: CustomerId,
    acquired: Date,
    purchase_rate: f64,
    dropout_rate: f64,
    lifetime: f64,
    mean_spend: f64,
    alive_at_end: bool,
    transactions: u32,
}

impl LatentCustomer {
    /// The customer.
    pub fn customer(&self) -> CustomerId {
        self.customer
    }

    /// Day of the first purchase (acquisition).
    pub fn acquired(&self) -> Date {
        self.acquired
    }

    /// `λ`: purchases per unit while alive.
    pub fn purchase_rate(&self) -> f64 {
        self.purchase_rate
    }

    /// `μ`: dropout rate per unit.
    pub fn dropout_rate(&self) -> f64 {
        self.dropout_rate
    }

    /// `τ`: lifetime in units, counted from the start of the acquisition
    /// day; may run past the end date (then the customer is alive at the end).
    pub fn lifetime(&self) -> f64 {
        self.lifetime
    }

    /// `p / ν`: the expected value of one purchase.
    pub fn mean_spend(&self) -> f64 {
        self.mean_spend
    }

    /// Whether the customer is still alive at the end of the end date.
    pub fn is_alive_at_end(&self) -> bool {
        self.alive_at_end
    }

    /// Transactions generated for the customer (at least 1), before any
    /// grouping by day.
    pub fn transactions(&self) -> u32 {
        self.transactions
    }
}

/// First day of [`uniform_log`]'s dates, 2020-01-01, in days since 1970-01-01.
const UNIFORM_FIRST_DAY: i32 = 18_262;
/// Number of days in [`uniform_log`]'s range, 2020-01-01..=2023-12-31.
const UNIFORM_DAYS: i32 = 1_461;

/// A benchmark fixture: `transactions` transactions of `customers`
/// customers, with no behavioural model behind them.
///
/// Customer ids are `0..customers`, each present at least once (the first
/// `customers` transactions give one to each, the rest go to uniformly
/// drawn customers); dates are uniform over 2020-01-01..=2023-12-31;
/// amounts are uniform over 1.00..=500.00; the order is random. The same
/// arguments give the same log. Use a [`Simulation`] for anything whose
/// statistics matter.
///
/// # Errors
/// [`Error::InvalidParameter`] named `customers` when it is 0, and named
/// `transactions` when there are fewer transactions than customers.
///
/// # Example
/// ```
/// use customer_value::simulate::uniform_log;
/// use customer_value::{Date, Summarizer};
///
/// let log = uniform_log(10_000, 1_000, 1)?;
/// assert_eq!(log.len(), 10_000);
/// let end = Date::parse("2023-12-31")?;
/// let summary = Summarizer::builder(end).build()?.summarize(&log)?;
/// assert_eq!(summary.len(), 1_000);
/// assert_eq!(summary.excluded().transactions(), 0);
/// assert!(uniform_log(10, 11, 1).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn uniform_log(transactions: usize, customers: u32, seed: u64) -> Result<Vec<Transaction>> {
    if customers == 0 {
        return Err(Error::InvalidParameter {
            name: "customers",
            value: "0".into(),
            reason: "must be at least 1",
        });
    }
    if transactions < customers as usize {
        return Err(Error::InvalidParameter {
            name: "transactions",
            value: transactions.to_string(),
            reason: "must be at least the number of customers, so that every customer appears",
        });
    }
    let dates = (0..UNIFORM_DAYS)
        .map(|d| Date::from_days_since_epoch(UNIFORM_FIRST_DAY + d))
        .collect::<Result<Vec<Date>>>()?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut log = Vec::with_capacity(transactions);
    for i in 0..transactions {
        let customer = if i < customers as usize {
            i as u64
        } else {
            u64::from(rng.random_range(0..customers))
        };
        let date = dates[rng.random_range(0..dates.len())];
        let amount = Decimal::new(rng.random_range(100..=50_000_i64), 2);
        log.push(Transaction::new(CustomerId::new(customer), date, amount));
    }
    log.shuffle(&mut rng);
    Ok(log)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid_name(builder: SimulationBuilder) -> &'static str {
        match builder.build() {
            Err(Error::InvalidParameter { name, .. }) => name,
            other => panic!("expected an invalid parameter, got {other:?}"),
        }
    }

    fn date(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn small() -> SimulationBuilder {
        Simulation::builder().customers(300).seed(3)
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let sim = Simulation::builder().build().unwrap();
        assert_eq!(sim.customers(), 10_000);
        assert_eq!(sim.seed(), 0);
        assert_eq!(sim.start(), date("1997-01-01"));
        assert_eq!(sim.acquisition_days(), 84);
        assert_eq!(sim.end(), date("1998-06-30"));
        assert_eq!(sim.unit(), TimeUnit::WEEK);
        assert_eq!(
            [sim.r(), sim.alpha(), sim.s(), sim.beta()],
            [0.55, 10.5, 0.6, 11.7]
        );
        assert_eq!([sim.p(), sim.q(), sim.gamma()], [6.25, 3.74, 15.44]);
        assert_eq!(sim.to_builder(), SimulationBuilder::default());
        assert_eq!(
            Date::from_days_since_epoch(UNIFORM_FIRST_DAY).unwrap(),
            date("2020-01-01")
        );
        assert_eq!(
            Date::from_days_since_epoch(UNIFORM_FIRST_DAY + UNIFORM_DAYS - 1).unwrap(),
            date("2023-12-31")
        );
    }

    #[test]
    fn builder_rejects_each_bad_shape_or_rate() {
        type Setter = fn(SimulationBuilder, f64) -> SimulationBuilder;
        let setters: [(&str, Setter); 7] = [
            ("r", SimulationBuilder::r),
            ("alpha", SimulationBuilder::alpha),
            ("s", SimulationBuilder::s),
            ("beta", SimulationBuilder::beta),
            ("p", SimulationBuilder::p),
            ("q", SimulationBuilder::q),
            ("gamma", SimulationBuilder::gamma),
        ];
        for (name, set) in setters {
            for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                assert_eq!(invalid_name(set(small(), bad)), name, "{name} = {bad}");
            }
            assert!(set(small(), 0.5).build().is_ok(), "{name} = 0.5 is valid");
        }
    }

    #[test]
    fn builder_rejects_bad_counts_and_dates() {
        assert_eq!(invalid_name(small().customers(0)), "customers");
        let start = date("2024-01-10");
        assert_eq!(
            invalid_name(small().start(start).end(date("2024-01-09"))),
            "end"
        );
        assert_eq!(
            invalid_name(small().start(start).end(start).acquisition_days(0)),
            "acquisition days"
        );
        assert_eq!(
            invalid_name(
                small()
                    .start(start)
                    .end(date("2024-01-19"))
                    .acquisition_days(11)
            ),
            "acquisition days"
        );
        // A window that ends exactly on the end date, and a one-day simulation, are fine.
        assert!(
            small()
                .start(start)
                .end(date("2024-01-19"))
                .acquisition_days(10)
                .build()
                .is_ok()
        );
        assert!(
            small()
                .start(start)
                .end(start)
                .acquisition_days(1)
                .build()
                .is_ok()
        );
        // Absurd purchase rates, or rates whose inverse overflows.
        assert_eq!(invalid_name(small().alpha(1e-6)), "alpha");
        assert_eq!(invalid_name(small().beta(1e-310)), "beta");
        assert_eq!(invalid_name(small().gamma(1e-310)), "gamma");
        let err = small().customers(0).build().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid customers: must be at least 1, got 0"
        );
    }

    #[test]
    fn same_seed_same_log_other_seed_other_log() {
        let a = small().build().unwrap().run();
        let b = small().build().unwrap().run();
        assert_eq!(a, b);
        let c = small().seed(4).build().unwrap().run();
        assert_ne!(a.transactions(), c.transactions());
        assert_ne!(a.customers(), c.customers());
    }

    #[test]
    fn dates_within_start_and_end_and_every_customer_appears() {
        for unit in [TimeUnit::DAY, TimeUnit::WEEK] {
            let sim = small()
                .unit(unit)
                .start(date("2023-03-01"))
                .end(date("2023-06-30"))
                .acquisition_days(30)
                .r(2.0) // frequent buyers, many purchases near the end date
                .alpha(3.0)
                .build()
                .unwrap();
            let log = sim.run();
            let mut counts = vec![0_u32; 300];
            for t in log.transactions() {
                assert!(t.date() >= sim.start() && t.date() <= sim.end(), "{t:?}");
                assert!(t.amount() >= Decimal::new(1, 2));
                assert_eq!(t.amount().scale(), 2);
                counts[t.customer().get() as usize] += 1;
            }
            for (i, c) in log.customers().iter().enumerate() {
                assert_eq!(c.customer().get(), i as u64);
                assert!(c.transactions() >= 1);
                assert_eq!(c.transactions(), counts[i]);
                let last_acquisition = date("2023-03-30");
                assert!(c.acquired() >= sim.start() && c.acquired() <= last_acquisition);
                assert!(c.purchase_rate() >= 0.0 && c.dropout_rate() >= 0.0);
                assert!(c.mean_spend() > 0.0 && c.lifetime() >= 0.0);
            }
            assert!(log.transactions().iter().any(|t| t.date() == sim.end()));
        }
    }

    #[test]
    fn one_day_simulation_stays_on_that_day() {
        let d = date("2024-02-29");
        let sim = small()
            .start(d)
            .end(d)
            .acquisition_days(1)
            .unit(TimeUnit::DAY)
            .r(5.0)
            .alpha(1.0);
        let log = sim.build().unwrap().run();
        assert!(log.transactions().len() > 300);
        assert!(log.transactions().iter().all(|t| t.date() == d));
    }

    #[test]
    fn output_is_shuffled() {
        let log = small().build().unwrap().transactions();
        let sorted = log.windows(2).all(|w| w[0].customer() <= w[1].customer());
        assert!(!sorted);
    }

    #[test]
    fn value_stability() {
        // Pins the stream: a change here is a value-breaking change.
        let sim = Simulation::builder()
            .customers(3)
            .seed(1)
            .r(2.0)
            .alpha(10.0);
        let log = sim.build().unwrap().run();
        let got: Vec<String> = log
            .transactions()
            .iter()
            .map(|t| format!("{} {} {}", t.customer(), t.date(), t.amount()))
            .collect();
        assert_eq!(got, PINNED);
    }

    const PINNED: [&str; 6] = [
        "1 1997-02-18 11.99",
        "2 1998-02-24 33.91",
        "0 1997-02-16 12.77",
        "2 1998-05-01 90.62",
        "2 1997-11-25 32.06",
        "2 1997-03-10 38.18",
    ];

    #[cfg(feature = "serde")]
    #[test]
    fn serde_round_trips_and_validates() {
        let sim = small().build().unwrap();
        let json = serde_json::to_string(&sim).unwrap();
        assert_eq!(serde_json::from_str::<Simulation>(&json).unwrap(), sim);
        // Missing fields take the defaults.
        let partial: Simulation = serde_json::from_str(r#"{"customers": 5, "seed": 9}"#).unwrap();
        assert_eq!(
            partial,
            Simulation::builder().customers(5).seed(9).build().unwrap()
        );
        assert!(serde_json::from_str::<Simulation>(r#"{"customers": 0}"#).is_err());
        assert!(serde_json::from_str::<Simulation>(r#"{"alpha": -1.0}"#).is_err());
        assert!(serde_json::from_str::<Simulation>(r#"{"lambda": 1.0}"#).is_err());
    }

    #[test]
    fn uniform_log_covers_every_customer_in_range() {
        let log = uniform_log(5_000, 700, 9).unwrap();
        assert_eq!(log.len(), 5_000);
        assert_eq!(log, uniform_log(5_000, 700, 9).unwrap());
        assert_ne!(log, uniform_log(5_000, 700, 10).unwrap());
        let mut seen = vec![false; 700];
        for t in &log {
            seen[t.customer().get() as usize] = true;
            assert!(t.date() >= date("2020-01-01") && t.date() <= date("2023-12-31"));
            assert!(t.amount() >= Decimal::new(100, 2) && t.amount() <= Decimal::new(50_000, 2));
        }
        assert!(seen.iter().all(|&s| s));
        assert_eq!(uniform_log(3, 3, 0).unwrap().len(), 3);
    }

    #[test]
    fn uniform_log_rejects_bad_sizes() {
        assert!(matches!(
            uniform_log(10, 0, 0),
            Err(Error::InvalidParameter {
                name: "customers",
                ..
            })
        ));
        assert!(matches!(
            uniform_log(9, 10, 0),
            Err(Error::InvalidParameter {
                name: "transactions",
                ..
            })
        ));
    }

    #[test]
    fn cents_round_and_floor_at_one_cent() {
        assert_eq!(cents(12.345_1), Decimal::new(1235, 2));
        assert_eq!(cents(0.001), Decimal::new(1, 2));
        assert_eq!(cents(f64::NAN), Decimal::new(1, 2));
    }
}
