//! Customer-equity drivers (Rust, Lemon & Zeithaml 2004): driver ratings
//! give a multinomial-logit brand-switching matrix, the Markov chain gives
//! each customer's lifetime value to every brand, and the values add up to
//! customer equity; a what-if prices one driver's improvement
//! ([`drivers::spec`](crate::drivers::spec)).
//!
//! ```text
//! U_kj   = β_0·[j = k] + Σ_d β_d x_jd                       (utility of brand j after buying k)
//! M_kj   = exp(U_kj) / Σ_h exp(U_kh)                        (switching matrix)
//! CLV_j  = Σ_{t=1}^{⌊f·Y⌋} (1+d)^(−t/f) · v · m_j · (A M^t)_j   (A: the brand bought last)
//! CE_j   = Σ_i CLV_ij    or    mean_i CLV_ij × market size
//! ROI    = (ΔCE_j − spend) / spend
//! ```
//!
//! 1. Drivers: [`Driver`] with its [`EquityKind`] (value, brand,
//!    relationship; [`Driver::standard`] lists the paper's eleven).
//! 2. Switching: [`SwitchingModel`] (driver coefficients and inertia, from
//!    the caller's own logit estimate) gives the switching matrix of one
//!    customer's ratings.
//! 3. Value: [`EquityModel`] (brands with unit margins, annual discount,
//!    horizon in years, [`Population`]) values a [`Respondent`] for every
//!    brand ([`EquityModel::clv`]), sums them into an [`EquityReport`]
//!    ([`EquityModel::equity`]), and prices a driver's improvement
//!    ([`EquityModel::what_if`] → [`WhatIf`]).
//!
//! Statistics are `f64` inside; margins and spend go in, and values come
//! out, as [`Decimal`](crate::Decimal).
//!
//! # Example
//!
//! The [worked example](crate::drivers::spec#worked-example).
//!
//! ```
//! use customer_value::{CustomerId, Decimal};
//! use customer_value::clv::DiscountRate;
//! use customer_value::drivers::{Brand, Driver, EquityKind, EquityModel, Population,
//!     Respondent, SwitchingModel};
//!
//! let switching = SwitchingModel::new(
//!     vec![Driver::new("quality", EquityKind::Value)], vec![1.0], 1.0)?;
//! let m = switching.switching_matrix(&[2.0, 1.0])?; // A rated 2, B rated 1
//! assert!((m[0] - 1.0 / (1.0 + (-2.0f64).exp())).abs() < 1e-15); // stay with A
//! assert_eq!(m[2], 0.5); // from B: 1 + 1 = 2 against 2
//!
//! let model = EquityModel::new(
//!     switching,
//!     vec![Brand::new("A", Decimal::new(10, 0)), Brand::new("B", Decimal::new(8, 0))],
//!     DiscountRate::new(Decimal::ZERO)?, 2, Population::Census)?;
//! let alice = Respondent::new(CustomerId::new(1), 0, vec![2.0, 1.0], 1.0, 1.0)?;
//! let report = model.equity(&[alice.clone()])?;
//! assert_eq!(report.equity[0].round_dp(4), Decimal::new(171620, 4));
//! // A's quality up one point for everyone, for a spend of 1.
//! let w = model.what_if(&[alice], 0, 0, 1.0, Decimal::ONE)?;
//! assert_eq!(w.after.round_dp(4), Decimal::new(189464, 4));
//! assert_eq!(w.roi.round_dp(4), Decimal::new(7844, 4)); // (18.9464 − 17.1620 − 1) / 1
//! # Ok::<(), customer_value::Error>(())
//! ```
//!
//! # Citations
//!
//! - Rust, R.T., Lemon, K.N. & Zeithaml, V.A. (2004) Return on marketing:
//!   using customer equity to focus marketing strategy. *Journal of
//!   Marketing* 68(1):109–127.
//! - Rust, R.T., Zeithaml, V.A. & Lemon, K.N. (2000) *Driving Customer
//!   Equity*. Free Press.

mod model;
pub mod spec;

pub use model::{
    Brand, Driver, EquityKind, EquityModel, EquityReport, Population, Respondent, SwitchingModel,
    WhatIf,
};
