//! The awkward corpus of issue 10: seeded, generated transaction logs that
//! are valid but hard for BTYD fitting (homogeneous purchase rates, no
//! dropout, everybody dropping out at once, 97 % one-time buyers, five
//! customers, a few extreme heavy buyers among light ones, a uniform random
//! log). Shared by `tests/btyd_boundary.rs` and `benches/btyd_awkward.rs`
//! (included by `#[path]`), so both see the same data.
#![allow(dead_code)] // each includer uses what it needs

use std::collections::BTreeMap;

use customer_value::btyd::{Cohort, CustomerHistory, DiscreteHistory, SpendHistory};
use customer_value::{CustomerId, Decimal};

/// SplitMix64: a small seeded generator, so the corpus is the same on
/// every machine.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform on (0, 1).
    pub fn uniform(&mut self) -> f64 {
        ((self.next() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    pub fn exp(&mut self, rate: f64) -> f64 {
        -self.uniform().ln() / rate
    }
    /// Gamma(shape, rate) by Marsaglia & Tsang (shape < 1 boosted).
    pub fn gamma(&mut self, shape: f64, rate: f64) -> f64 {
        if shape < 1.0 {
            return self.gamma(shape + 1.0, rate) * self.uniform().powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            // Box-Muller normal.
            let n = (-2.0 * self.uniform().ln()).sqrt()
                * (2.0 * std::f64::consts::PI * self.uniform()).cos();
            let v = (1.0 + c * n).powi(3);
            if v > 0.0 && self.uniform().ln() < 0.5 * n * n + d - d * v - d * v.ln() {
                return d * v / rate;
            }
        }
    }
}

/// A transaction log: each customer's purchase days (the first is the
/// acquisition) with amounts, observed until `end`.
pub struct Log {
    pub name: &'static str,
    pub customers: Vec<Vec<(f64, f64)>>,
    pub end: f64,
}

impl Log {
    /// Purchases of a customer acquired at `start` buying at rate `lambda`
    /// until dropping out at `death` (days rounded down: purchases on one
    /// day count once), spend per purchase around `mean`.
    pub fn customer(
        rng: &mut Rng,
        start: f64,
        lambda: f64,
        death: f64,
        end: f64,
        mean: f64,
    ) -> Vec<(f64, f64)> {
        let mut days = vec![start.floor()];
        let stop = death.min(end);
        let mut t = start;
        loop {
            t += rng.exp(lambda);
            if t > stop {
                break;
            }
            let d = t.floor();
            if d > *days.last().unwrap() {
                days.push(d);
            }
        }
        days.into_iter()
            .map(|d| (d, (mean * (0.5 + rng.uniform()) * 100.0).round() / 100.0))
            .collect()
    }

    pub fn histories(&self, unit: f64) -> Vec<CustomerHistory> {
        self.customers
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let first = p[0].0;
                let age = (self.end - first) / unit;
                (age > 0.0).then(|| {
                    let last = p.last().unwrap().0;
                    CustomerHistory::new(
                        CustomerId::new(i as u64),
                        (p.len() - 1) as u32,
                        (last - first) / unit,
                        age,
                    )
                    .unwrap()
                })
            })
            .collect()
    }

    pub fn spend(&self) -> Vec<SpendHistory> {
        self.customers
            .iter()
            .enumerate()
            .filter(|(_, p)| p.len() > 1)
            .map(|(i, p)| {
                let repeat = &p[1..];
                let mean = repeat.iter().map(|q| q.1).sum::<f64>() / repeat.len() as f64;
                let zbar = Decimal::from_f64_retain((mean * 100.0).round() / 100.0).unwrap();
                SpendHistory::new(CustomerId::new(i as u64), repeat.len() as u32, zbar).unwrap()
            })
            .collect()
    }

    /// Weekly purchase opportunities for BG/BB: `n` whole weeks after the
    /// acquisition week, a purchase in week `k` marks it.
    pub fn discrete(&self) -> Vec<DiscreteHistory> {
        self.customers
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let first = p[0].0;
                let n = ((self.end - first) / 7.0).floor() as u32;
                let mut weeks: Vec<u32> = p[1..]
                    .iter()
                    .map(|q| ((q.0 - first) / 7.0).floor() as u32)
                    .filter(|&w| w >= 1 && w <= n)
                    .collect();
                weeks.dedup();
                (n > 0).then(|| {
                    DiscreteHistory::new(
                        CustomerId::new(i as u64),
                        weeks.len() as u32,
                        weeks.last().copied().unwrap_or(0),
                        n,
                    )
                    .unwrap()
                })
            })
            .collect()
    }

    /// One sBG cohort: customers "active" in month `k` are those whose
    /// last purchase is at least `30k` days after their first.
    pub fn cohort(&self) -> Cohort {
        let size = self.customers.len() as u64;
        let survivors = (0..=6)
            .map(|k| {
                self.customers
                    .iter()
                    .filter(|p| p.last().unwrap().0 - p[0].0 >= 30.0 * k as f64)
                    .count() as u64
            })
            .collect::<Vec<_>>();
        debug_assert_eq!(survivors[0], size);
        Cohort::new(0, survivors).unwrap()
    }
}

/// The awkward corpus.
pub fn corpus() -> Vec<Log> {
    let mut rng = Rng(0x1D_2026);
    let end = 365.0;
    let mut logs = Vec::new();
    let make =
        |name, n: usize, rng: &mut Rng, f: &mut dyn FnMut(&mut Rng) -> (f64, f64, f64, f64)| {
            let customers = (0..n)
                .map(|_| {
                    let (start, lambda, death, mean) = f(rng);
                    Log::customer(rng, start, lambda, death, end, mean)
                })
                .collect();
            Log {
                name,
                customers,
                end,
            }
        };
    logs.push(make(
        "homogeneous purchase rates",
        150,
        &mut rng,
        &mut |r| {
            (
                180.0 * r.uniform(),
                0.05,
                r.exp(1.0 / 200.0),
                20.0 + 30.0 * r.uniform(),
            )
        },
    ));
    logs.push(make("no dropout", 150, &mut rng, &mut |r| {
        (
            180.0 * r.uniform(),
            r.gamma(0.8, 20.0),
            f64::INFINITY,
            20.0 + 30.0 * r.uniform(),
        )
    }));
    logs.push(make(
        "everybody drops out at day 30",
        150,
        &mut rng,
        &mut |r| {
            (
                20.0 * r.uniform(),
                r.gamma(2.0, 40.0),
                30.0,
                20.0 + 30.0 * r.uniform(),
            )
        },
    ));
    let mut k = 0;
    logs.push(make("97 % one-time buyers", 200, &mut rng, &mut |r| {
        k += 1;
        let lambda = if k % 33 == 0 {
            r.gamma(2.0, 40.0)
        } else {
            1e-9
        };
        (
            180.0 * r.uniform(),
            lambda,
            r.exp(1.0 / 200.0),
            20.0 + 30.0 * r.uniform(),
        )
    }));
    logs.push(make("five customers", 5, &mut rng, &mut |r| {
        (
            100.0 * r.uniform(),
            r.gamma(1.0, 30.0),
            r.exp(1.0 / 300.0),
            20.0 + 30.0 * r.uniform(),
        )
    }));
    let mut k = 0;
    logs.push(make(
        "a few extreme heavy buyers",
        150,
        &mut rng,
        &mut |r| {
            k += 1;
            if k % 50 == 0 {
                (10.0 * r.uniform(), 3.0, f64::INFINITY, 500.0)
            } else {
                (
                    180.0 * r.uniform(),
                    r.gamma(0.5, 50.0),
                    r.exp(1.0 / 100.0),
                    20.0 + 30.0 * r.uniform(),
                )
            }
        },
    ));
    // Customers and days drawn uniformly: 200 transactions of 40 customers.
    let mut days: BTreeMap<usize, Vec<(f64, f64)>> = BTreeMap::new();
    for _ in 0..200 {
        let c = (rng.uniform() * 40.0) as usize;
        let d = (rng.uniform() * end).floor();
        days.entry(c)
            .or_default()
            .push((d, (rng.uniform() * 9000.0).round() / 100.0 + 10.0));
    }
    let customers = days
        .into_values()
        .map(|mut v| {
            v.sort_by(|a, b| a.0.total_cmp(&b.0));
            v.dedup_by(|a, b| a.0 == b.0);
            v
        })
        .collect();
    logs.push(Log {
        name: "uniform random log",
        customers,
        end,
    });
    logs
}
