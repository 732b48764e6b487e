//! Boundary statuses name the limit the fit followed: on seeded logs whose
//! supremum is a limit along a ray of several parameters (no heterogeneity
//! in purchase rates: `r, α → ∞` with `r/α` fixed; none in spend: `q, γ →
//! ∞` with `q/γ` fixed), every coordinate of that ray is named as
//! diverging, with its limit, however far from one the ratio the ray
//! keeps. The optimiser stops a ray at its first box face, so a ratio far
//! from one leaves one coordinate `|ln ratio|` units behind the other:
//! the logs below put that lag between 0 and 9 units by their time unit
//! (purchase rates of `10⁻⁴` to 1 per unit) or money unit (mean spends of
//! 10 to 10⁵).
//!
//! The logs are built so that the limit is the supremum whatever the seed
//! (under-dispersed against the limiting model, so no finite point can do
//! better):
//! - *clockwork buyers*: every customer buys every `g` days exactly from
//!   acquisition to the end of the window (no heterogeneity, no dropout:
//!   the counts given the exposure vary less than Poisson counts);
//! - *homogeneous spenders*: every customer's mean spend is the gamma
//!   draw of one common spend rate, its deviation from the mean shrunk by
//!   0.8 (less spread between customers than the within-customer gamma
//!   alone gives).

use customer_value::btyd::{
    BgNbd, CustomerHistory, Direction, FitStatus, GammaGamma, GgomNbd, Limit, MbgNbd, ParetoNbd,
    SpendHistory,
};
use customer_value::{CustomerId, Decimal};
use proptest::prelude::*;

use crate::btyd_boundary::awkward::Rng;

/// `n` clockwork buyers: acquired on a seeded day in `[0, 300)`, buying
/// every `gap` days until day 1000, in time units of `unit` days.
fn clockwork(seed: u64, n: usize, gap: f64, unit: f64) -> Vec<CustomerHistory> {
    let mut rng = Rng(seed);
    let end = 1000.0;
    (0..n)
        .map(|i| {
            let start = (300.0 * rng.uniform()).floor();
            let x = ((end - start) / gap).floor();
            CustomerHistory::new(
                CustomerId::new(i as u64),
                x as u32,
                x * gap / unit,
                (end - start) / unit,
            )
            .unwrap()
        })
        .collect()
}

/// `n` homogeneous spenders with `1..=6` repeat purchases and mean spend
/// `mean` (shape 4 per purchase), rounded to 1e-6.
fn homogeneous_spend(seed: u64, n: usize, mean: f64) -> Vec<SpendHistory> {
    let mut rng = Rng(seed);
    let p = 4.0;
    (0..n)
        .map(|i| {
            let x = 1 + (i % 6) as u32;
            let shape = p * f64::from(x);
            let draw = rng.gamma(shape, shape); // mean 1
            let zbar = mean * (1.0 + 0.8 * (draw - 1.0));
            let zbar = Decimal::from_f64_retain((zbar * 1e6).round() / 1e6).unwrap();
            SpendHistory::new(CustomerId::new(i as u64), x, zbar).unwrap()
        })
        .collect()
}

/// The status names every parameter of `ray` as diverging to infinity,
/// and `limit` among its limits.
fn names_ray(status: &FitStatus, ray: &[&str], limit: Limit) -> std::result::Result<(), String> {
    let FitStatus::Boundary { diverging, limits } = status else {
        return Err(format!("not a boundary: {status:?}"));
    };
    for name in ray {
        if !diverging
            .iter()
            .any(|d| d.parameter == *name && d.direction == Direction::ToInfinity)
        {
            return Err(format!("{name} not named as diverging: {status:?}"));
        }
    }
    if !limits.contains(&limit) {
        return Err(format!("{limit:?} not named: {status:?}"));
    }
    Ok(())
}

/// The ratio `r/α` of a Poisson limit is the purchase rate per unit, one
/// purchase every `gap` days: `unit/gap`.
fn check_rate(r: f64, alpha: f64, gap: f64, unit: f64) -> std::result::Result<(), String> {
    let rate = unit / gap;
    // Clockwork buyers' rate, from the counts: Σx / ΣT is within a few
    // percent of 1/gap (each customer's last gap is cut by the window).
    if (r / alpha / rate - 1.0).abs() < 0.1 {
        Ok(())
    } else {
        Err(format!("r/alpha = {} but the rate is {rate}", r / alpha))
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    /// BG/NBD, MBG/NBD and Pareto/NBD on clockwork buyers: the status
    /// names `r` and `α` (Poisson purchases), whatever the time unit.
    #[test]
    fn poisson_ray_is_named_whatever_the_lag(
        seed in any::<u64>(),
        gap in 2.0_f64..40.0,
        unit_exp in -3_i32..=1,
    ) {
        let unit = 10_f64.powi(unit_exp);
        let hs = clockwork(seed, 80, gap.round(), unit);
        let gap = gap.round();

        let fit = BgNbd::new().fit_detailed(&hs).unwrap();
        let p = fit.params();
        names_ray(fit.status(), &["r", "alpha"], Limit::HomogeneousPurchaseRate)
            .map_err(|e| TestCaseError::fail(format!("BG/NBD: {e}")))?;
        check_rate(p.r(), p.alpha(), gap, unit).map_err(TestCaseError::fail)?;

        let fit = MbgNbd::new().fit_detailed(&hs).unwrap();
        let p = fit.params();
        names_ray(fit.status(), &["r", "alpha"], Limit::HomogeneousPurchaseRate)
            .map_err(|e| TestCaseError::fail(format!("MBG/NBD: {e}")))?;
        check_rate(p.r(), p.alpha(), gap, unit).map_err(TestCaseError::fail)?;

        let fit = ParetoNbd::new().fit_detailed(&hs).unwrap();
        let p = fit.params();
        names_ray(fit.status(), &["r", "alpha"], Limit::HomogeneousPurchaseRate)
            .map_err(|e| TestCaseError::fail(format!("Pareto/NBD: {e}")))?;
        check_rate(p.r(), p.alpha(), gap, unit).map_err(TestCaseError::fail)?;
    }

    /// Gamma-Gamma on homogeneous spenders: the status names `q` and `γ`
    /// (one spend rate for all), whatever the money unit.
    #[test]
    fn homogeneous_spend_ray_is_named_whatever_the_lag(
        seed in any::<u64>(),
        mean_exp in 1.0_f64..5.0,
    ) {
        let mean = 10_f64.powf(mean_exp);
        let spend = homogeneous_spend(seed, 200, mean);
        let fit = GammaGamma::new().fit_detailed(&spend).unwrap();
        // A sample of 200 homogeneous spenders can have its maximum inside,
        // at a large finite q (seed 6504177428740370543: q = 1776, the
        // same in every version): then the spend rates' spread, 1/sqrt(q),
        // must be small. Otherwise the status names the ray.
        let near_the_limit = fit.status().is_interior() && fit.params().q() > 100.0;
        if !near_the_limit {
            names_ray(fit.status(), &["q", "gamma"], Limit::HomogeneousSpend)
                .map_err(|e| TestCaseError::fail(format!("Gamma-Gamma: {e}")))?;
        }
        // The limit's mean spend p/ν = p·γ/q is the data's.
        let p = fit.params();
        let implied = p.p() * p.gamma() / p.q();
        let average = spend
            .iter()
            .map(|s| f64::try_from(s.zbar()).unwrap() * f64::from(s.x()))
            .sum::<f64>()
            / spend.iter().map(|s| f64::from(s.x())).sum::<f64>();
        prop_assert!((implied / average - 1.0).abs() < 0.05, "{implied} vs {average}");
    }
}

proptest! {
    // GGom/NBD's fits cost more (quadrature): fewer cases.
    #![proptest_config(ProptestConfig::with_cases(3))]

    /// GGom/NBD on clockwork buyers: the status names `r` and `α`.
    #[test]
    fn ggom_poisson_ray_is_named_whatever_the_lag(
        seed in any::<u64>(),
        gap in 2.0_f64..40.0,
        unit_exp in -3_i32..=1,
    ) {
        let unit = 10_f64.powi(unit_exp);
        let gap = gap.round();
        let hs = clockwork(seed, 60, gap, unit);
        let fit = GgomNbd::new().fit_detailed(&hs).unwrap();
        let p = fit.params();
        names_ray(fit.status(), &["r", "alpha"], Limit::HomogeneousPurchaseRate)
            .map_err(|e| TestCaseError::fail(format!("GGom/NBD: {e}")))?;
        check_rate(p.r(), p.alpha(), gap, unit).map_err(TestCaseError::fail)?;
    }
}
