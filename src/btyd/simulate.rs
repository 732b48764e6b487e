//! Simulated customer histories from fitted BG/NBD, MBG/NBD, BG/BB and sBG
//! parameters (feature `simulate`), for parameter-recovery tests and
//! examples.

use rand::RngExt;
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use rand_distr::{Beta, Distribution, Gamma, Geometric, Poisson};

use crate::btyd::{
    BgBbParams, BgNbdParams, Cohort, CustomerHistory, DiscreteHistory, MbgNbdParams, SbgParams,
};
use crate::{CustomerId, Error, Result};

/// Draws one new customer's history `(x, t_x, T)` per entry of `ages`
/// (the observation times `T`) from the BG/NBD model (FHL 2005a;
/// [spec](crate::btyd::spec#bgnbd-model)), with customer ids `0, 1, …` in the order of `ages`.
///
/// The generative model, with "Gamma(r, α)" of shape `r` and rate `α`:
///
/// ```text
/// λ ~ Gamma(r, α),  p ~ Beta(a, b)                       per customer
/// purchases after the first at a Poisson(λ) process on (0, T];
/// after each repeat purchase the customer drops out with probability p
/// ```
///
/// It is drawn exactly but not event by event \[D\]: with
/// `N ~ Poisson(λT)` the repeat purchases the customer would make in
/// `(0, T]` if never dropping out and `K − 1 ~ Geometric(p)` the failures
/// before the dropout (the customer dies right after repeat purchase
/// `K`), `x = min(N, K)`, and since the `N` purchase times are the order
/// statistics of `N` uniform times on `(0, T]`, `t_x/T ~ Beta(x, N−x+1)`
/// (`t_x = 0` at `x = 0`). The cost per customer is a handful of draws
/// whatever `λ` and `p` are.
///
/// # Reproducibility
///
/// The output is a function of the parameters, `ages` and `seed` alone:
/// the stream is ChaCha8 ([`rand::rngs::ChaCha8Rng`] seeded by
/// [`SeedableRng::seed_from_u64`]), drawn customer by customer in the
/// order `λ, p, N, K, t_x`, as in [`crate::simulate`]. Changing it for a
/// given seed is a value-breaking change.
///
/// # Errors
///
/// - [`Error::InvalidParameter`] when an age is not a finite number > 0
///   (naming its index).
/// - [`Error::InvalidValue`] when a customer's expected purchases `λT`
///   exceed about 1.8·10¹⁹, or `x` exceeds `u32::MAX`, which only
///   absurd parameters reach.
///
/// # Example
///
/// ```
/// use customer_value::btyd::{BgNbd, BgNbdParams, simulate_bgnbd};
///
/// let truth = BgNbdParams::new(0.243, 4.414, 0.793, 2.426)?;
/// let ages: Vec<f64> = (0..2000).map(|i| 27.0 + 12.0 * f64::from(i) / 2000.0).collect();
/// let population = simulate_bgnbd(&truth, &ages, 7)?;
/// assert_eq!(population.len(), 2000);
/// assert_eq!(population, simulate_bgnbd(&truth, &ages, 7)?); // same seed, same draws
/// assert!(population.iter().all(|h| h.t_x() <= h.age()));
/// let fit = BgNbd::new().fit_detailed(&population)?;
/// assert!(fit.log_likelihood().is_finite());
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn simulate_bgnbd(
    params: &BgNbdParams,
    ages: &[f64],
    seed: u64,
) -> Result<Vec<CustomerHistory>> {
    let model = Model::new(params.r(), params.alpha(), params.a(), params.b(), false)?;
    model.run(ages, seed)
}

/// Draws one new customer's history `(x, t_x, T)` per entry of `ages`
/// from the MBG/NBD model (Batislam, Denizel & Filiztekin 2007;
/// [spec](crate::btyd::spec#mbgnbd-likelihood)), with customer ids `0, 1, …` in the order of `ages`.
///
/// As [`simulate_bgnbd`], except that the customer may also drop out at
/// time 0, straight after the first purchase: `K ~ Geometric(p)` counts
/// the repeat purchases survived before the dropout (`K = 0` is possible),
/// and `x = min(N, K)`.
///
/// # Errors
///
/// As [`simulate_bgnbd`].
///
/// # Example
///
/// ```
/// use customer_value::btyd::{MbgNbdParams, simulate_mbgnbd};
///
/// let truth = MbgNbdParams::new(0.525, 6.183, 0.891, 1.614)?;
/// let population = simulate_mbgnbd(&truth, &[39.0; 1000], 1)?;
/// let zeros = population.iter().filter(|h| h.x() == 0).count();
/// assert!(zeros > 400 && zeros < 800, "{zeros}");
/// assert!(simulate_mbgnbd(&truth, &[39.0, -1.0], 1).is_err());
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn simulate_mbgnbd(
    params: &MbgNbdParams,
    ages: &[f64],
    seed: u64,
) -> Result<Vec<CustomerHistory>> {
    let model = Model::new(params.r(), params.alpha(), params.a(), params.b(), true)?;
    model.run(ages, seed)
}

/// Draws one new customer's discrete-time history `(x, t_x, n)` per entry
/// of `opportunities` (their `n`) from the BG/BB model (Fader, Hardie &
/// Shang 2010; [spec](crate::btyd::spec#bgbb-model)), with customer ids `0, 1, …`.
///
/// ```text
/// p ~ Beta(α, β)  transaction probability,  θ ~ Beta(γ, δ)  dropout probability
/// for t = 1..n: the customer dies before opportunity t with probability θ
///               (if still alive), else transacts with probability p
/// x = transactions, t_x = the last opportunity with one (0 if none)
/// ```
///
/// Drawn opportunity by opportunity from one ChaCha8 stream seeded by
/// `seed` (order per customer: `p`, `θ`, then the opportunities); changing
/// that for a given seed is a value-breaking change.
///
/// # Errors
///
/// [`Error::InvalidParameter`] when an `n` is 0.
///
/// # Example
///
/// ```
/// use customer_value::btyd::{BgBbParams, simulate_bgbb};
///
/// let truth = BgBbParams::new(1.2, 0.75, 0.66, 2.78)?;
/// let donors = simulate_bgbb(&truth, &[6; 1000], 1)?;
/// assert!(donors.iter().all(|d| d.x() <= d.t_x() && d.t_x() <= 6));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn simulate_bgbb(
    params: &BgBbParams,
    opportunities: &[u32],
    seed: u64,
) -> Result<Vec<DiscreteHistory>> {
    let buy = Beta::new(params.alpha(), params.beta())
        .map_err(|e| bad_value(format!("transaction distribution: {e}")))?;
    let drop = Beta::new(params.gamma(), params.delta())
        .map_err(|e| bad_value(format!("dropout distribution: {e}")))?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(opportunities.len());
    for (i, &n) in opportunities.iter().enumerate() {
        if n == 0 {
            return Err(Error::InvalidParameter {
                name: "opportunities",
                value: format!("0 (customer {i})"),
                reason: "every n must be >= 1",
            });
        }
        let p: f64 = buy.sample(&mut rng);
        let theta: f64 = drop.sample(&mut rng);
        let (mut x, mut t_x) = (0u32, 0u32);
        for t in 1..=n {
            if rng.random::<f64>() < theta {
                break;
            }
            if rng.random::<f64>() < p {
                x += 1;
                t_x = t;
            }
        }
        out.push(DiscreteHistory::new(CustomerId::new(i as u64), x, t_x, n)?);
    }
    Ok(out)
}

/// Draws a cohort of `size` new customers from the shifted-beta-geometric
/// model (Fader & Hardie 2007; [spec](crate::btyd::spec#sbg-model)) and counts the survivors at
/// the start of periods `0..=periods`.
///
/// ```text
/// θ ~ Beta(α, β) per customer; lifetime T = 1 + Geometric(θ) failures:
/// P(T = t) = θ(1 − θ)^(t−1), t >= 1; survivors[k] = #{T > k}
/// ```
///
/// One ChaCha8 stream seeded by `seed`, two draws per customer (`θ`, then
/// the lifetime).
///
/// # Errors
///
/// [`Error::InvalidParameter`] when `size` is 0; errors of [`Cohort::new`].
///
/// # Example
///
/// ```
/// use customer_value::btyd::{SbgParams, simulate_sbg};
///
/// let cohort = simulate_sbg(&SbgParams::new(0.704, 1.182)?, 1000, 7, 3)?;
/// assert_eq!(cohort.survivors()[0], 1000);
/// assert!(cohort.survivors().windows(2).all(|w| w[1] <= w[0]));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn simulate_sbg(params: &SbgParams, size: u64, periods: u32, seed: u64) -> Result<Cohort> {
    if size == 0 {
        return Err(Error::InvalidParameter {
            name: "size",
            value: "0".into(),
            reason: "a cohort needs at least one customer",
        });
    }
    let churn = Beta::new(params.alpha(), params.beta())
        .map_err(|e| bad_value(format!("churn distribution: {e}")))?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut survivors = vec![0u64; periods as usize + 1];
    for _ in 0..size {
        let theta: f64 = churn.sample(&mut rng);
        // Lifetimes beyond the last period all count as surviving it.
        let lifetime = match Geometric::new(theta.clamp(f64::MIN_POSITIVE, 1.0)) {
            Ok(g) => 1 + g.sample(&mut rng),
            Err(_) => u64::MAX,
        };
        for (k, slot) in survivors.iter_mut().enumerate() {
            if lifetime > k as u64 {
                *slot += 1;
            } else {
                break;
            }
        }
    }
    Cohort::new(0, survivors)
}

/// The shared sampler: `die_at_zero` selects MBG/NBD.
struct Model {
    rate: Gamma<f64>,
    dropout: Beta<f64>,
    die_at_zero: bool,
}

fn bad_value(reason: String) -> Error {
    Error::InvalidValue {
        what: "simulated customer history",
        reason,
    }
}

impl Model {
    fn new(r: f64, alpha: f64, a: f64, b: f64, die_at_zero: bool) -> Result<Self> {
        // The parameter types guarantee finite values > 0, which these accept.
        let rate = Gamma::new(r, 1.0 / alpha)
            .map_err(|e| bad_value(format!("purchase-rate distribution: {e}")))?;
        let dropout =
            Beta::new(a, b).map_err(|e| bad_value(format!("dropout distribution: {e}")))?;
        Ok(Self {
            rate,
            dropout,
            die_at_zero,
        })
    }

    fn run(&self, ages: &[f64], seed: u64) -> Result<Vec<CustomerHistory>> {
        for (i, &age) in ages.iter().enumerate() {
            if !(age.is_finite() && age > 0.0) {
                return Err(Error::InvalidParameter {
                    name: "ages",
                    value: format!("{age} (customer {i})"),
                    reason: "every T must be finite and > 0",
                });
            }
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        ages.iter()
            .enumerate()
            .map(|(i, &age)| self.one(&mut rng, i, age))
            .collect()
    }

    fn one(&self, rng: &mut ChaCha8Rng, i: usize, age: f64) -> Result<CustomerHistory> {
        let customer = CustomerId::new(i as u64);
        let lambda = self.rate.sample(rng);
        let p = self.dropout.sample(rng);
        let mean = lambda * age;
        // N: repeat purchases in (0, T] without dropout.
        let n = if mean > 0.0 {
            Poisson::new(mean)
                .map_err(|e| {
                    bad_value(format!(
                        "customer {customer}: expected purchases {mean} out of range: {e}"
                    ))
                })?
                .sample(rng)
        } else {
            0.0
        };
        // K: repeat purchases survived (MBG/NBD) or made (BG/NBD) before
        // the dropout.
        let failures = Geometric::new(p)
            .map_err(|e| bad_value(format!("customer {customer}: dropout {p}: {e}")))?
            .sample(rng);
        let k = if self.die_at_zero {
            failures as f64
        } else {
            failures as f64 + 1.0
        };
        let xf = n.min(k);
        if !(xf <= f64::from(u32::MAX)) {
            return Err(bad_value(format!(
                "customer {customer}: {xf} repeat purchases exceed u32::MAX"
            )));
        }
        let x = xf as u32;
        let t_x = if x == 0 {
            0.0
        } else {
            let frac = Beta::new(xf, n - xf + 1.0)
                .map_err(|e| bad_value(format!("customer {customer}: last purchase: {e}")))?
                .sample(rng);
            // A draw of exactly 0 has probability 0 but may round there.
            (age * frac).clamp(f64::MIN_POSITIVE.min(age), age)
        };
        CustomerHistory::new(customer, x, t_x, age)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bg() -> BgNbdParams {
        BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754).unwrap()
    }

    fn mbg() -> MbgNbdParams {
        MbgNbdParams::new(0.524838, 6.182992, 0.891356, 1.614).unwrap()
    }

    #[test]
    fn same_seed_same_draws_other_seed_other_draws() {
        let ages = vec![39.0; 500];
        let a = simulate_bgnbd(&bg(), &ages, 3).unwrap();
        assert_eq!(a, simulate_bgnbd(&bg(), &ages, 3).unwrap());
        assert_ne!(a, simulate_bgnbd(&bg(), &ages, 4).unwrap());
        assert_eq!(a[17].customer(), CustomerId::new(17));
        assert!(simulate_bgnbd(&bg(), &[], 3).unwrap().is_empty());
    }

    #[test]
    fn rejects_bad_ages() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let err = simulate_mbgnbd(&mbg(), &[1.0, bad], 0).unwrap_err();
            assert!(
                matches!(err, Error::InvalidParameter { name: "ages", ref value, .. } if value.contains("customer 1")),
                "{err}"
            );
        }
    }

    #[test]
    fn population_means_match_the_model() {
        // Mean repeat purchases of new customers over T = 39: E[X(39)].
        let ages = vec![39.0; 40_000];
        let sims = [
            (
                simulate_bgnbd(&bg(), &ages, 11).unwrap(),
                bg().expected_purchases_new(39.0).unwrap(),
            ),
            (
                simulate_mbgnbd(&mbg(), &ages, 12).unwrap(),
                mbg().expected_purchases_new(39.0).unwrap(),
            ),
        ];
        for (pop, want) in sims {
            let xs: Vec<f64> = pop.iter().map(|h| f64::from(h.x())).collect();
            let n = xs.len() as f64;
            let mean = xs.iter().sum::<f64>() / n;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
            let se = (var / n).sqrt();
            assert!((mean - want).abs() < 4.0 * se, "{mean} vs {want} (se {se})");
        }
        // P(X(39) = 0) too.
        let pop = simulate_mbgnbd(&mbg(), &ages, 13).unwrap();
        let zeros = pop.iter().filter(|h| h.x() == 0).count() as f64 / 40_000.0;
        let want = mbg().prob_purchases(39.0, 0).unwrap();
        let se = (want * (1.0 - want) / 40_000.0).sqrt();
        assert!((zeros - want).abs() < 4.0 * se, "{zeros} vs {want}");
    }

    #[test]
    fn extreme_parameters_stay_valid() {
        // Huge rates and near-certain survival: few draws, valid histories.
        let p = BgNbdParams::new(50.0, 1e-3, 1e-3, 1e6).unwrap();
        let pop = simulate_bgnbd(&p, &[1.0, 100.0], 5).unwrap();
        assert!(
            pop.iter()
                .all(|h| h.x() > 0 && h.t_x() > 0.0 && h.t_x() <= h.age())
        );
        let p = MbgNbdParams::new(1e-3, 1e3, 1e3, 1e-3).unwrap();
        let pop = simulate_mbgnbd(&p, &[1.0; 100], 5).unwrap();
        assert!(pop.iter().all(|h| h.x() == 0 && h.t_x() == 0.0));
        let p = BgNbdParams::new(1e3, 1e-12, 1e-3, 1e9).unwrap();
        assert!(matches!(
            simulate_bgnbd(&p, &[1e9], 5),
            Err(Error::InvalidValue { .. })
        ));
    }

    #[test]
    fn value_stability() {
        // The first draws for seed 0; a change here is value-breaking.
        let bg = simulate_bgnbd(&bg(), &[39.0; 4], 0).unwrap();
        let got: Vec<(u32, f64)> = bg.iter().map(|h| (h.x(), h.t_x())).collect();
        let want = [
            (2, 20.255837184632185),
            (2, 31.49859060731519),
            (0, 0.0),
            (0, 0.0),
        ];
        for (g, w) in got.iter().zip(want) {
            assert_eq!(g.0, w.0);
            assert!((g.1 - w.1).abs() <= 1e-12 * w.1, "{g:?} vs {w:?}");
        }
        let mbg = simulate_mbgnbd(&mbg(), &[39.0; 4], 0).unwrap();
        let got: Vec<(u32, f64)> = mbg.iter().map(|h| (h.x(), h.t_x())).collect();
        let want = [
            (1, 7.037818123922688),
            (0, 0.0),
            (3, 22.8352868684702),
            (10, 37.11602892600543),
        ];
        for (g, w) in got.iter().zip(want) {
            assert_eq!(g.0, w.0);
            assert!((g.1 - w.1).abs() <= 1e-12 * w.1, "{g:?} vs {w:?}");
        }
    }
}
