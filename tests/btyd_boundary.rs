//! Fits that always answer: every BTYD model on awkward but valid logs
//! (generated here from a seed) and on real logs ends within the time
//! bound, with a log-likelihood at least the best of many random starts of
//! an independent bounded optimiser, and with the right status: an interior
//! maximum, a boundary limit with the diverging parameters named, or a
//! typed "not identified" error.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use customer_value::btyd::{
    BgBb, BgNbd, BgNbdParams, CustomerHistory, Direction, FitOptions, FitStatus, GammaGamma,
    GgomNbd, GgomNbdParams, Limit, MbgNbd, ParetoNbd, ParetoNbdParams, Sbg, SpendHistory,
};
use customer_value::{CustomerId, Decimal, Error};

/// Every fit ends within 1 s in an optimised build; unoptimised test builds
/// run the same work some 10-30 times slower. The 1 s bound itself is
/// checked by `cargo test --release --all-features --test lib btyd_boundary`
/// and, for the awkward corpus, once per fit by
/// `cargo bench --bench btyd_awkward`.
fn time_bound() -> Duration {
    if cfg!(debug_assertions) {
        Duration::from_secs(30)
    } else {
        Duration::from_secs(1)
    }
}

#[path = "../benches/common/awkward.rs"]
pub(crate) mod awkward;
use awkward::{Log, Rng, corpus};

/// Hooke–Jeeves pattern search from `start` inside `[-12, 12]^N` in the
/// log-parameters: an optimiser independent of the crate's BFGS.
fn pattern_search<const N: usize>(
    f: &dyn Fn(&[f64; N]) -> f64,
    start: [f64; N],
    evals: usize,
) -> (f64, [f64; N]) {
    let clamp = |x: f64| x.clamp(-12.0, 12.0);
    let mut x = start;
    let mut fx = f(&x);
    let mut step = 1.0;
    let mut used = 1;
    while step > 1e-4 && used < evals {
        let mut improved = false;
        for i in 0..N {
            for s in [step, -step] {
                let mut y = x;
                y[i] = clamp(y[i] + s);
                let fy = f(&y);
                used += 1;
                if fy > fx {
                    x = y;
                    fx = fy;
                    improved = true;
                    break;
                }
            }
        }
        if !improved {
            step *= 0.5;
        }
    }
    if std::env::var_os("BOUNDARY_DEBUG").is_some() {
        eprintln!("pattern search: {fx} at {:?}", x.map(f64::exp));
    }
    (fx, x)
}

/// The random starts of the multistart check: 6 for every model, and for
/// GGom/NBD in optimised builds. GGom/NBD's independent objective (the
/// public per-customer log-likelihood by adaptive quadrature) made its 6
/// starts most of the 50 s its corpus test took in an unoptimised build;
/// there its check takes the first [`GGOM_DEBUG_STARTS`] of the same
/// starts, and the ignored `awkward_corpus_ggom_nbd_full_multistart` runs
/// all 6.
const STARTS: usize = 6;

/// See [`STARTS`].
const GGOM_DEBUG_STARTS: usize = 2;

/// The best log-likelihood of the first `starts` of a seeded sequence of
/// random starts in `[-3, 3]^N`.
fn multistart<const N: usize>(f: &dyn Fn(&[f64; N]) -> f64, seed: u64, starts: usize) -> f64 {
    let mut rng = Rng(seed);
    (0..starts)
        .map(|_| pattern_search(f, std::array::from_fn(|_| 6.0 * rng.uniform() - 3.0), 600).0)
        .fold(f64::NEG_INFINITY, f64::max)
}

/// Groups histories into (history, count), so the independent objective is
/// cheap.
fn grouped<T: Clone, K: Ord>(items: &[T], key: impl Fn(&T) -> K) -> Vec<(T, f64)> {
    let mut map: BTreeMap<K, (T, f64)> = BTreeMap::new();
    for it in items {
        map.entry(key(it)).or_insert_with(|| (it.clone(), 0.0)).1 += 1.0;
    }
    map.into_values().collect()
}

fn hist_key(h: &CustomerHistory) -> (u32, u64, u64) {
    (h.x(), h.t_x().to_bits(), h.age().to_bits())
}

/// What a fit reported, for the shared checks.
struct Outcome<const N: usize> {
    values: [f64; N],
    log_likelihood: f64,
    status: FitStatus,
    names: [&'static str; N],
}

/// The shared checks: the fit's log-likelihood is its parameters' (by the
/// public per-customer log-likelihood), at least the multistart's best, and
/// its status is consistent: interior means a local maximum (every
/// coordinate's ±1e-4 neighbours in log-parameters are no better),
/// boundary means the named parameters sit at an extreme value.
fn check<const N: usize>(
    log: &str,
    model: &str,
    out: &Outcome<N>,
    ll: &dyn Fn(&[f64; N]) -> f64,
    starts: usize,
) {
    let own = ll(&out.values.map(f64::ln));
    let scale = out.log_likelihood.abs().max(1.0);
    assert!(
        (own - out.log_likelihood).abs() <= 1e-8 * scale,
        "{log} / {model}: reported LL {} but the parameters give {own}",
        out.log_likelihood
    );
    let best = multistart(ll, 7, starts);
    assert!(
        out.log_likelihood >= best - 1e-6 * scale,
        "{log} / {model}: LL {} below multistart's {best} ({:?}, {:?})",
        out.log_likelihood,
        out.values,
        out.status
    );
    match &out.status {
        FitStatus::Interior => {
            let theta = out.values.map(f64::ln);
            for i in 0..N {
                for s in [1e-4, -1e-4] {
                    let mut t = theta;
                    t[i] += s;
                    assert!(
                        ll(&t) <= out.log_likelihood + 1e-9 * scale,
                        "{log} / {model}: interior but {} moves up",
                        out.names[i]
                    );
                }
            }
        }
        FitStatus::Boundary { diverging, .. } => {
            assert!(!diverging.is_empty());
            for d in diverging {
                let i = out.names.iter().position(|n| *n == d.parameter).unwrap();
                let v = out.values[i];
                match d.direction {
                    Direction::ToInfinity => {
                        assert!(v >= 1e10, "{log} / {model}: {} = {v}", d.parameter)
                    }
                    Direction::ToZero => {
                        assert!(v <= 1e-10, "{log} / {model}: {} = {v}", d.parameter)
                    }
                }
            }
        }
        other => panic!("{log} / {model}: status {other:?}"),
    }
}

fn timed<T>(log: &str, model: &str, f: impl FnOnce() -> T) -> T {
    if std::env::var_os("BOUNDARY_DEBUG").is_some() {
        eprintln!("{log} / {model} ...");
    }
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    if std::env::var_os("BOUNDARY_DEBUG").is_some() {
        eprintln!("{log} / {model}: {took:?}");
    }
    assert!(took <= time_bound(), "{log} / {model}: took {took:?}");
    out
}

/// Fits every model on `log` and checks each; returns the statuses for
/// log-specific assertions.
fn fit_all(log: &Log) -> BTreeMap<&'static str, Result<FitStatus, Error>> {
    let mut statuses = BTreeMap::new();
    let hs = log.histories(7.0);
    let groups = grouped(&hs, hist_key);
    let name = log.name;

    let r = timed(name, "BG/NBD", || BgNbd::new().fit_detailed(&hs));
    statuses.insert(
        "BG/NBD",
        r.as_ref().map(|f| f.status().clone()).map_err(Clone::clone),
    );
    if let Ok(f) = r {
        let out = Outcome {
            values: values4(
                f.params().r(),
                f.params().alpha(),
                f.params().a(),
                f.params().b(),
            ),
            log_likelihood: f.log_likelihood(),
            status: f.status().clone(),
            names: ["r", "alpha", "a", "b"],
        };
        let ll = |t: &[f64; 4]| {
            let [r, al, a, b] = t.map(f64::exp);
            BgNbdParams::new(r, al, a, b).map_or(f64::NEG_INFINITY, |p| {
                groups.iter().map(|(h, w)| w * p.log_likelihood(h)).sum()
            })
        };
        check(name, "BG/NBD", &out, &ll, STARTS);
    }

    let r = timed(name, "MBG/NBD", || MbgNbd::new().fit_detailed(&hs));
    statuses.insert(
        "MBG/NBD",
        r.as_ref().map(|f| f.status().clone()).map_err(Clone::clone),
    );
    if let Ok(f) = r {
        let p = f.params();
        let out = Outcome {
            values: values4(p.r(), p.alpha(), p.a(), p.b()),
            log_likelihood: f.log_likelihood(),
            status: f.status().clone(),
            names: ["r", "alpha", "a", "b"],
        };
        let ll = |t: &[f64; 4]| {
            let [r, al, a, b] = t.map(f64::exp);
            customer_value::btyd::MbgNbdParams::new(r, al, a, b).map_or(f64::NEG_INFINITY, |p| {
                groups.iter().map(|(h, w)| w * p.log_likelihood(h)).sum()
            })
        };
        check(name, "MBG/NBD", &out, &ll, STARTS);
    }

    let r = timed(name, "Pareto/NBD", || ParetoNbd::new().fit_detailed(&hs));
    statuses.insert(
        "Pareto/NBD",
        r.as_ref().map(|f| f.status().clone()).map_err(Clone::clone),
    );
    if let Ok(f) = r {
        let p = f.params();
        let out = Outcome {
            values: values4(p.r(), p.alpha(), p.s(), p.beta()),
            log_likelihood: f.log_likelihood(),
            status: f.status().clone(),
            names: ["r", "alpha", "s", "beta"],
        };
        let ll = |t: &[f64; 4]| {
            let [r, al, s, b] = t.map(f64::exp);
            ParetoNbdParams::new(r, al, s, b).map_or(f64::NEG_INFINITY, |p| {
                groups
                    .iter()
                    .map(|(h, w)| p.log_likelihood(h).map_or(f64::NEG_INFINITY, |l| w * l))
                    .sum()
            })
        };
        check(name, "Pareto/NBD", &out, &ll, STARTS);
    }

    let spend = log.spend();
    let sgroups = grouped(&spend, |s| (s.x(), s.zbar()));
    let r = timed(name, "Gamma-Gamma", || {
        GammaGamma::new().fit_detailed(&spend)
    });
    statuses.insert(
        "Gamma-Gamma",
        r.as_ref().map(|f| f.status().clone()).map_err(Clone::clone),
    );
    if let Ok(f) = r {
        let p = f.params();
        let out = Outcome {
            values: [p.p(), p.q(), p.gamma()],
            log_likelihood: f.log_likelihood(),
            status: f.status().clone(),
            names: ["p", "q", "gamma"],
        };
        let ll = |t: &[f64; 3]| {
            let [a, b, c] = t.map(f64::exp);
            customer_value::btyd::GammaGammaParams::new(a, b, c).map_or(f64::NEG_INFINITY, |p| {
                sgroups
                    .iter()
                    .map(|(s, w)| p.log_likelihood(s).map_or(f64::NEG_INFINITY, |l| w * l))
                    .sum()
            })
        };
        check(name, "Gamma-Gamma", &out, &ll, STARTS);
    }

    let disc = log.discrete();
    let dgroups = grouped(&disc, |d| (d.x(), d.t_x(), d.n()));
    let r = timed(name, "BG/BB", || BgBb::new().fit_detailed(&disc));
    statuses.insert(
        "BG/BB",
        r.as_ref().map(|f| f.status().clone()).map_err(Clone::clone),
    );
    if let Ok(f) = r {
        let p = f.params();
        let out = Outcome {
            values: values4(p.alpha(), p.beta(), p.gamma(), p.delta()),
            log_likelihood: f.log_likelihood(),
            status: f.status().clone(),
            names: ["alpha", "beta", "gamma", "delta"],
        };
        let ll = |t: &[f64; 4]| {
            let [a, b, g, d] = t.map(f64::exp);
            customer_value::btyd::BgBbParams::new(a, b, g, d).map_or(f64::NEG_INFINITY, |p| {
                dgroups.iter().map(|(h, w)| w * p.log_likelihood(h)).sum()
            })
        };
        check(name, "BG/BB", &out, &ll, STARTS);
    }

    let cohort = log.cohort();
    let r = timed(name, "sBG", || Sbg::new().fit_cohort(&cohort));
    statuses.insert(
        "sBG",
        r.as_ref().map(|f| f.status().clone()).map_err(Clone::clone),
    );
    if let Ok(f) = r {
        let p = f.params();
        let out = Outcome {
            values: [p.alpha(), p.beta()],
            log_likelihood: f.log_likelihood(),
            status: f.status().clone(),
            names: ["alpha", "beta"],
        };
        let ll = |t: &[f64; 2]| {
            let [a, b] = t.map(f64::exp);
            customer_value::btyd::SbgParams::new(a, b)
                .map_or(f64::NEG_INFINITY, |p| p.log_likelihood(&cohort))
        };
        check(name, "sBG", &out, &ll, STARTS);
    }
    statuses
}

/// Fits GGom/NBD on `log` and checks it as [`fit_all`] does the other
/// models (its independent objective is the public per-customer
/// log-likelihood, by adaptive quadrature, not the fitter's grouped
/// rule); returns the status.
fn fit_ggom(log: &Log, starts: usize) -> Result<FitStatus, Error> {
    let hs = log.histories(7.0);
    let groups = grouped(&hs, hist_key);
    let name = log.name;
    let r = timed(name, "GGom/NBD", || GgomNbd::new().fit_detailed(&hs));
    let status = r.as_ref().map(|f| f.status().clone()).map_err(Clone::clone);
    if let Ok(f) = r {
        let p = f.params();
        let out = Outcome {
            values: [p.r(), p.alpha(), p.b(), p.s(), p.beta()],
            log_likelihood: f.log_likelihood(),
            status: f.status().clone(),
            names: GgomNbdParams::NAMES,
        };
        let ll = |t: &[f64; 5]| {
            let [r, al, b, s, be] = t.map(f64::exp);
            GgomNbdParams::new(r, al, b, s, be).map_or(f64::NEG_INFINITY, |p| {
                groups
                    .iter()
                    .map(|(h, w)| p.log_likelihood(h).map_or(f64::NEG_INFINITY, |l| w * l))
                    .sum()
            })
        };
        check(name, "GGom/NBD", &out, &ll, starts);
    }
    status
}

fn values4(a: f64, b: f64, c: f64, d: f64) -> [f64; 4] {
    [a, b, c, d]
}

fn has_limit(status: &Result<FitStatus, Error>, limit: Limit) -> bool {
    matches!(status, Ok(FitStatus::Boundary { limits, .. }) if limits.contains(&limit))
}

#[test]
fn awkward_corpus_every_model_answers() {
    for log in corpus() {
        let statuses = fit_all(&log);
        for (model, s) in &statuses {
            assert!(
                matches!(s, Ok(_) | Err(Error::NotIdentified { .. })),
                "{} / {model}: {s:?}",
                log.name
            );
            eprintln!("{} / {model}: {s:?}", log.name);
        }
        if log.name == "no dropout" {
            // Nobody drops out and the window is long: the supremum is a
            // limit without finite dropout, no dropout at all or (BG/NBD's
            // better one here, 1.2 above it) dropout probabilities of 0 or
            // 1, a few customers dropping at once.
            assert!(
                has_limit(&statuses["BG/NBD"], Limit::NoDropout)
                    || has_limit(&statuses["BG/NBD"], Limit::DropoutZeroOrOne),
                "{:?}",
                statuses["BG/NBD"]
            );
        }
    }
}

/// GGom/NBD on the awkward corpus (a test of its own: its fits and its
/// independent objective cost more than the other models'): every log
/// answers, at least as well as the multistart, with a status that says
/// what the data show.
#[test]
fn awkward_corpus_ggom_nbd_answers() {
    let starts = if cfg!(debug_assertions) {
        GGOM_DEBUG_STARTS
    } else {
        STARTS
    };
    ggom_on_the_corpus(starts);
}

/// [`awkward_corpus_ggom_nbd_answers`] with all [`STARTS`] random starts
/// in any build; run with `cargo test --test lib awkward_corpus_ggom --
/// --include-ignored`.
#[test]
#[ignore = "the full multistart check of GGom/NBD is slow unoptimised; the normal test does it in optimised builds"]
fn awkward_corpus_ggom_nbd_full_multistart() {
    ggom_on_the_corpus(STARTS);
}

fn ggom_on_the_corpus(starts: usize) {
    for log in corpus() {
        let status = fit_ggom(&log, starts);
        eprintln!("{} / GGom/NBD: {status:?}", log.name);
        assert!(
            matches!(status, Ok(_) | Err(Error::NotIdentified { .. })),
            "{} / GGom/NBD: {status:?}",
            log.name
        );
    }
}

#[test]
fn data_without_information_is_not_identified() {
    let h = |x, t_x, age| CustomerHistory::new(CustomerId::new(1), x, t_x, age).unwrap();
    // No repeat buyer.
    let none: Vec<_> = (1..50).map(|i| h(0, 0.0, f64::from(i))).collect();
    for r in [
        BgNbd::new().fit_detailed(&none).map(|_| ()),
        MbgNbd::new().fit_detailed(&none).map(|_| ()),
        ParetoNbd::new().fit_detailed(&none).map(|_| ()),
    ] {
        assert!(matches!(r, Err(Error::NotIdentified { .. })), "{r:?}");
    }
    // A single customer.
    let one = [h(3, 5.0, 10.0)];
    assert!(matches!(
        BgNbd::new().fit_detailed(&one),
        Err(Error::NotIdentified { .. })
    ));
    assert!(matches!(
        ParetoNbd::new().fit_detailed(&one),
        Err(Error::NotIdentified { .. })
    ));
    // Identical spend for every repeat buyer, in cents or in units.
    for amount in [Decimal::new(1250, 2), Decimal::new(1250, 0)] {
        let spend: Vec<_> = (1..40)
            .map(|i| SpendHistory::new(CustomerId::new(i), 1 + (i % 4) as u32, amount).unwrap())
            .collect();
        let r = GammaGamma::new().fit_detailed(&spend);
        assert!(matches!(r, Err(Error::NotIdentified { .. })), "{r:?}");
    }
}

#[test]
fn a_no_dropout_boundary_fit_predicts_the_limit() {
    // Pure Poisson purchases at one rate, nobody drops out, long window:
    // the BG/NBD fit lies on the boundary, and its predictions are those of
    // the limiting model: P(alive) = 1, E[X(t)] = r t / α.
    let mut rng = Rng(42);
    let log = Log {
        name: "poisson",
        customers: (0..300)
            .map(|_| {
                let start = 100.0 * rng.uniform();
                Log::customer(&mut rng, start, 0.1, f64::INFINITY, 365.0, 10.0)
            })
            .collect(),
        end: 365.0,
    };
    let hs = log.histories(1.0);
    let fit = BgNbd::new().fit_detailed(&hs).unwrap();
    let FitStatus::Boundary { limits, .. } = fit.status() else {
        panic!("{:?} {:?}", fit.status(), fit.params());
    };
    assert!(limits.contains(&Limit::NoDropout), "{limits:?}");
    let p = fit.params();
    for h in &hs[..20] {
        let pa = p.p_alive(h);
        assert!((pa - 1.0).abs() < 1e-6, "{pa}");
    }
    let e = p.expected_purchases_new(30.0).unwrap();
    let nbd = p.r() * 30.0 / p.alpha();
    assert!((e - nbd).abs() < 1e-6 * nbd, "{e} vs {nbd}");
}

// --- real logs -------------------------------------------------------------

/// Days since 1970-01-01 of `YYYY-MM-DD` or `YYYYMMDD` (civil calendar).
fn day(s: &str) -> f64 {
    let s = s.trim().replace('-', "");
    let (y, m, d): (i64, i64, i64) = (
        s[0..4].parse().unwrap(),
        s[4..6].parse().unwrap(),
        s[6..8].parse().unwrap(),
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) as f64
}

/// A log from `(customer, day, amount)` rows, purchases on one day merged
/// (amounts added), observed until `end` (the last day when `None`);
/// transactions after `end` are dropped.
fn log_from(name: &'static str, rows: Vec<(String, f64, f64)>, end: Option<f64>) -> Log {
    let end = end.unwrap_or_else(|| rows.iter().map(|r| r.1).fold(f64::MIN, f64::max));
    let mut by: BTreeMap<String, BTreeMap<u64, f64>> = BTreeMap::new();
    for (c, d, a) in rows {
        if d <= end {
            *by.entry(c).or_default().entry(d.to_bits()).or_insert(0.0) += a;
        }
    }
    let customers = by
        .into_values()
        .map(|m| {
            let mut v: Vec<(f64, f64)> =
                m.into_iter().map(|(d, a)| (f64::from_bits(d), a)).collect();
            v.sort_by(|a, b| a.0.total_cmp(&b.0));
            v
        })
        .collect();
    Log {
        name,
        customers,
        end,
    }
}

fn csv_rows(path: &Path, amount: Option<usize>) -> Vec<(String, f64, f64)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let a = amount.map_or(1.0, |i| f[i].trim().parse().unwrap());
            (f[0].to_string(), day(f[1]), a)
        })
        .collect()
}

/// Fits every model on a real log in the given unit; each must answer
/// (an estimate, interior or boundary) within the time bound. A log
/// without amounts (`has_amounts` false: every amount 1) must make
/// Gamma-Gamma refuse with [`Error::NotIdentified`].
fn real_log_answers(log: &Log, unit: f64, has_amounts: bool) {
    let hs = log.histories(unit);
    for (model, r) in [
        (
            "BG/NBD",
            timed(log.name, "BG/NBD", || {
                BgNbd::new().fit_detailed(&hs).map(|f| f.status().clone())
            }),
        ),
        (
            "MBG/NBD",
            timed(log.name, "MBG/NBD", || {
                MbgNbd::new().fit_detailed(&hs).map(|f| f.status().clone())
            }),
        ),
        (
            "Pareto/NBD",
            timed(log.name, "Pareto/NBD", || {
                ParetoNbd::new()
                    .fit_detailed(&hs)
                    .map(|f| f.status().clone())
            }),
        ),
        (
            "Gamma-Gamma",
            timed(log.name, "Gamma-Gamma", || {
                GammaGamma::new()
                    .fit_detailed(&log.spend())
                    .map(|f| f.status().clone())
            }),
        ),
        (
            "BG/BB",
            timed(log.name, "BG/BB", || {
                BgBb::new()
                    .fit_detailed(&log.discrete())
                    .map(|f| f.status().clone())
            }),
        ),
        (
            "sBG",
            timed(log.name, "sBG", || {
                Sbg::new()
                    .fit_cohort(&log.cohort())
                    .map(|f| f.status().clone())
            }),
        ),
    ] {
        eprintln!("{} (unit {unit}) / {model}: {r:?}", log.name);
        if model == "Gamma-Gamma" && !has_amounts {
            // Every amount is 1: identical spend, which identifies nothing.
            assert!(
                matches!(r, Err(Error::NotIdentified { .. })),
                "{} / {model}: {r:?}",
                log.name
            );
            continue;
        }
        assert!(
            matches!(r, Ok(FitStatus::Interior | FitStatus::Boundary { .. })),
            "{} / {model}: {r:?}",
            log.name
        );
    }
}

#[test]
#[ignore = "slow in unoptimised builds (about 30x the 1 s bound's work); run with `cargo test --release --all-features --test lib real_logs -- --ignored`"]
fn real_logs_every_model_answers() {
    let Some(dir) = crate::support::data_dir() else {
        return;
    };
    let peers = dir.join("peers");
    let rfm = log_from(
        "rfm_data_orders",
        csv_rows(&peers.join("rfm_data_orders.csv"), Some(2)),
        None,
    );
    real_log_answers(&rfm, 1.0, true);
    let grocery = log_from(
        "BTYDplus grocery",
        csv_rows(&peers.join("btydplus_groceryElog.csv"), None),
        None,
    );
    real_log_answers(&grocery, 7.0, false);
    for file in [
        "clvtools_apparelTrans_2020.csv",
        "clvtools_apparelTrans_2024.csv",
    ] {
        let rows = csv_rows(&peers.join(file), Some(2));
        // CLVTools' 52-week calibration split.
        let first = rows.iter().map(|r| r.1).fold(f64::MAX, f64::min);
        let apparel = log_from("apparel 52 weeks", rows, Some(first + 52.0 * 7.0));
        real_log_answers(&apparel, 7.0, true);
    }
    let text = std::fs::read_to_string(dir.join("cdnow/CDNOW_sample.txt")).unwrap();
    let rows: Vec<(String, f64, f64)> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[0].to_string(), day(f[2]), f[4].parse().unwrap())
        })
        .collect();
    // The 39-week calibration period, 1997-01-01 to 1997-09-30.
    let cdnow = log_from("CDNOW", rows, Some(day("1997-09-30")));
    real_log_answers(&cdnow, 1.0, true);
    real_log_answers(&cdnow, 7.0, true);
}

/// The R rfm package's orders in days: BG/NBD's likelihood rises towards
/// limits of the parameter space. The optimiser creeps out along them until
/// the gradient vanishes with a singular Hessian; the fit names the
/// diverging parameters instead of refusing, and moving them ten times
/// further out gains less than 1e-6 of log-likelihood (checked here
/// independently of the fitter).
#[test]
fn bgnbd_on_the_rfm_orders_answers_at_the_boundary() {
    let Some(dir) = crate::support::data_dir() else {
        return;
    };
    let rfm = log_from(
        "rfm_data_orders",
        csv_rows(&dir.join("peers").join("rfm_data_orders.csv"), Some(2)),
        None,
    );
    let hs = rfm.histories(1.0);
    let fit = timed(rfm.name, "BG/NBD", || BgNbd::new().fit_detailed(&hs)).unwrap();
    let FitStatus::Boundary { diverging, limits } = fit.status() else {
        panic!("{:?}", fit.status());
    };
    assert!(!limits.is_empty() && !diverging.is_empty());
    assert!(fit.std_errors().is_none());
    let p = fit.params();
    let mut values = [p.r(), p.alpha(), p.a(), p.b()];
    let total = |v: [f64; 4]| -> f64 {
        let q = BgNbdParams::new(v[0], v[1], v[2], v[3]).unwrap();
        hs.iter().map(|h| q.log_likelihood(h)).sum()
    };
    let here = total(values);
    assert!((here - fit.log_likelihood()).abs() < 1e-9 * here.abs());
    for d in diverging {
        let k = ["r", "alpha", "a", "b"]
            .iter()
            .position(|n| *n == d.parameter)
            .unwrap();
        values[k] *= if d.direction == Direction::ToInfinity {
            10.0
        } else {
            0.1
        };
    }
    let further = total(values);
    assert!(further - here < 1e-6, "{further} {here} {diverging:?}");
    // The evaluation budget bounds the work, and says so when spent.
    let capped = BgNbd::with_options(FitOptions::new().max_evaluations(10)).fit_detailed(&hs);
    match capped {
        Err(Error::NotConverged { failure, .. }) => {
            assert!(
                failure.reason.contains("budget of 10"),
                "{}",
                failure.reason
            );
            assert!(failure.log_likelihood.is_finite());
        }
        other => panic!("{other:?}"),
    }
}

/// The R rfm package's orders in days, observed until 2006-12-31 (as
/// `customer-value summary --observation-end 2006-12-31`): Pareto/NBD's
/// supremum is the limit of Poisson purchases at one rate `λ` and
/// exponential lifetimes at one rate `μ`, and Gamma-Gamma's the limit of
/// one spend rate `ν`. Both fits answer at those limits quickly, with the
/// log-likelihood of the limiting model maximised independently
/// (benches/peers/btyd_limits_reference.py: Nelder–Mead on the
/// Poisson–exponential likelihood, a profile in `p` for the spend limit,
/// checked against the full model at `q` up to 1e13 with 30-digit mpmath).
#[test]
fn rfm_orders_pareto_and_gamma_gamma_answer_their_limits() {
    let Some(dir) = crate::support::data_dir() else {
        return;
    };
    let rows = csv_rows(&dir.join("peers").join("rfm_data_orders.csv"), Some(2));
    let rfm = log_from("rfm_data_orders", rows, Some(day("2006-12-31")));
    let hs = rfm.histories(1.0);
    let fit = timed(rfm.name, "Pareto/NBD", || {
        ParetoNbd::new().fit_detailed(&hs)
    })
    .unwrap();
    let FitStatus::Boundary { limits, .. } = fit.status() else {
        panic!("{:?}", fit.status());
    };
    assert!(
        limits.contains(&Limit::HomogeneousPurchaseRate)
            && limits.contains(&Limit::HomogeneousDropout),
        "{limits:?}"
    );
    let want = -24_899.317_208_401_524;
    assert!(
        (fit.log_likelihood() - want).abs() < 1e-8 * want.abs(),
        "{}",
        fit.log_likelihood()
    );
    let p = fit.params();
    let (lambda, mu) = (0.004_822_492_686_732_988_5, 0.000_159_533_610_468_038_1);
    assert!((p.r() / p.alpha() / lambda - 1.0).abs() < 1e-5, "{p:?}");
    assert!((p.s() / p.beta() / mu - 1.0).abs() < 1e-5, "{p:?}");
    // Predictions at the limit are the limiting model's: E[X(t)] of a new
    // customer is λ(1 − e^{−μt})/μ.
    let t = 365.0;
    let e = p.expected_purchases_new(t).unwrap();
    let limit = lambda * -(-mu * t).exp_m1() / mu;
    assert!((e / limit - 1.0).abs() < 1e-4, "{e} vs {limit}");

    // Gamma-Gamma on the mean repeat spend (exact decimal means).
    let spend: Vec<SpendHistory> = rfm
        .customers
        .iter()
        .enumerate()
        .filter(|(_, p)| p.len() > 1)
        .map(|(i, p)| {
            let repeat = &p[1..];
            let total: Decimal = repeat
                .iter()
                .map(|q| Decimal::from_f64_retain(q.1).unwrap())
                .sum();
            let zbar = total / Decimal::from(repeat.len() as u64);
            SpendHistory::new(CustomerId::new(i as u64), repeat.len() as u32, zbar).unwrap()
        })
        .collect();
    let fit = timed(rfm.name, "Gamma-Gamma", || {
        GammaGamma::new().fit_detailed(&spend)
    })
    .unwrap();
    assert_eq!(
        fit.status(),
        &FitStatus::Boundary {
            diverging: vec![
                customer_value::btyd::Divergence {
                    parameter: "q".into(),
                    direction: Direction::ToInfinity
                },
                customer_value::btyd::Divergence {
                    parameter: "gamma".into(),
                    direction: Direction::ToInfinity
                },
            ],
            limits: vec![Limit::HomogeneousSpend],
        }
    );
    let want = -4_583.458_862_480_312;
    assert!(
        (fit.log_likelihood() - want).abs() < 1e-9 * want.abs(),
        "{}",
        fit.log_likelihood()
    );
    let g = fit.params();
    assert!(
        (g.p() / 2.590_022_432_253_960_4 - 1.0).abs() < 1e-7,
        "{g:?}"
    );
    assert!((g.q() / g.gamma() / 0.027_412_479_438_214_434 - 1.0).abs() < 1e-7);
}

// --- the dropout ridges of BG/NBD and MBG/NBD --------------------------------

/// The density of `x` purchases with the last at `t_x`, alive throughout
/// `(0, t]`, of the NBD purchase process: `Γ(r+x)α^r / (Γ(r)(α+t)^{r+x})`,
/// in logs (written here from the closed form, not the crate's code).
fn ln_nbd(r: f64, alpha: f64, x: u32, t: f64) -> f64 {
    let xf = f64::from(x);
    let ln_gamma_ratio: f64 = (0..x).map(|k| (r + f64::from(k)).ln()).sum();
    ln_gamma_ratio + r * alpha.ln() - (r + xf) * (alpha + t).ln()
}

fn lse(u: f64, v: f64) -> f64 {
    let (hi, lo) = if u >= v { (u, v) } else { (v, u) };
    if lo == f64::NEG_INFINITY {
        hi
    } else {
        hi + (lo - hi).exp().ln_1p()
    }
}

/// BG/NBD's likelihood in the limit `a, b → 0`, `a/(a+b) = π`
/// ([`Limit::DropoutZeroOrOne`]): `NBD(T)` at `x = 0`,
/// `(1−π)NBD(T) + π·NBD(t_x)` at `x = 1`, `(1−π)NBD(T)` at `x ≥ 2`.
fn ll_zero_or_one(hs: &[CustomerHistory], r: f64, alpha: f64, pi: f64) -> f64 {
    hs.iter()
        .map(|h| {
            let at_t = ln_nbd(r, alpha, h.x(), h.age());
            match h.x() {
                0 => at_t,
                1 => lse(
                    (1.0 - pi).ln() + at_t,
                    pi.ln() + ln_nbd(r, alpha, 1, h.t_x()),
                ),
                _ => (1.0 - pi).ln() + at_t,
            }
        })
        .sum()
}

/// BG/NBD's (`mbg` false) or MBG/NBD's likelihood in the limit `a, b →
/// ∞`, `a/(a+b) = p` ([`Limit::HomogeneousDropout`]):
/// `(1−p)^x NBD(T) + 1{x>0} p(1−p)^{x−1} NBD(t_x)`, MBG/NBD
/// `(1−p)^{x+1} NBD(T) + p(1−p)^x NBD(t_x)`.
fn ll_common_dropout(hs: &[CustomerHistory], r: f64, alpha: f64, p: f64, mbg: bool) -> f64 {
    let k = if mbg { 1.0 } else { 0.0 };
    hs.iter()
        .map(|h| {
            let xf = f64::from(h.x());
            let alive = (xf + k) * (-p).ln_1p() + ln_nbd(r, alpha, h.x(), h.age());
            if h.x() == 0 && !mbg {
                return alive;
            }
            let dead = p.ln() + (xf + k - 1.0) * (-p).ln_1p() + ln_nbd(r, alpha, h.x(), h.t_x());
            lse(alive, dead)
        })
        .sum()
}

/// The maximum of a limiting model's likelihood over `(ln r, ln α,
/// logit share)` by the independent pattern search, from a few starts.
fn limit_maximum(f: &dyn Fn(f64, f64, f64) -> f64) -> f64 {
    let g = |t: &[f64; 3]| {
        let share = 1.0 / (1.0 + (-t[2]).exp());
        f(t[0].exp(), t[1].exp(), share)
    };
    let mut best = f64::NEG_INFINITY;
    for start in [[0.0, 0.0, 0.0], [-1.0, 1.0, -3.0], [1.0, 2.0, 2.0]] {
        let (_, x) = pattern_search(&g, start, 4000);
        // Down to steps of 1e-8 (a step of 1e-4 leaves some N·1e-8 of
        // log-likelihood on the table), along the coordinates and the
        // diagonals of (ln r, ln α), which the likelihood's ridge follows.
        best = best.max(fine_search(&g, x));
    }
    best
}

/// Pattern search from `x` with steps from `1e-2` down to `1e-8`, along
/// each coordinate and the two diagonals of the first two.
fn fine_search(f: &dyn Fn(&[f64; 3]) -> f64, mut x: [f64; 3]) -> f64 {
    let mut fx = f(&x);
    let dirs: [[f64; 3]; 5] = [
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.0, 0.0, 1.0],
        [1.0, 1.0, 0.0],
        [1.0, -1.0, 0.0],
    ];
    let mut step = 1e-2;
    let mut used = 0;
    while step > 1e-8 && used < 40_000 {
        let mut improved = false;
        for d in &dirs {
            for s in [step, -step] {
                let y = std::array::from_fn(|i| x[i] + s * d[i]);
                let fy = f(&y);
                used += 1;
                if fy > fx {
                    (x, fx) = (y, fy);
                    improved = true;
                }
            }
        }
        if !improved {
            step *= 0.5;
        }
    }
    fx
}

/// The five-customer summary `customer_id,frequency,recency,T`:
/// `a,0,0,30`, `b,3,20,30`, `c,1,5,30`, `d,200,29,30`, `e,0,0,10` (days).
fn five_customers() -> Vec<CustomerHistory> {
    [
        (0, 0.0, 30.0),
        (3, 20.0, 30.0),
        (1, 5.0, 30.0),
        (200, 29.0, 30.0),
        (0, 0.0, 10.0),
    ]
    .iter()
    .enumerate()
    .map(|(i, &(x, t_x, age))| {
        CustomerHistory::new(CustomerId::new(i as u64), x, t_x, age).unwrap()
    })
    .collect()
}

fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

/// The five-customer summary whose BG/NBD fit ended "not converged" at a
/// stationary point on the `a, b → 0` ridge (its likelihood there lost
/// three digits: `b + x − 1` summed as `(b + x) − 1`): the supremum is
/// the common-dropout limit `a, b → ∞` with `p = a/(a+b) ≈ 0.004`, for
/// BG/NBD and MBG/NBD. Both fits answer there: status, the limit's
/// maximum (independently: the limiting likelihood in closed form,
/// maximised by pattern search; and 156.09851651632 for BG/NBD,
/// 156.09569729928 for MBG/NBD by SciPy's Nelder–Mead on the same closed
/// forms, the BG/NBD one checked along the ridge with 30-digit mpmath),
/// and predictions equal to the limiting model's closed forms.
#[test]
fn five_customers_answer_at_a_common_dropout_probability() {
    let hs = five_customers();
    let names = ["r", "alpha", "a", "b"];
    let fit = timed("five customers (summary)", "BG/NBD", || {
        BgNbd::new().fit_detailed(&hs)
    })
    .unwrap();
    assert!(
        has_limit(&Ok(fit.status().clone()), Limit::HomogeneousDropout),
        "{:?}",
        fit.status()
    );
    let p = fit.params();
    let ll = |t: &[f64; 4]| {
        let [r, al, a, b] = t.map(f64::exp);
        BgNbdParams::new(r, al, a, b).map_or(f64::NEG_INFINITY, |q| {
            hs.iter().map(|h| q.log_likelihood(h)).sum()
        })
    };
    let out = Outcome {
        values: [p.r(), p.alpha(), p.a(), p.b()],
        log_likelihood: fit.log_likelihood(),
        status: fit.status().clone(),
        names,
    };
    check("five customers (summary)", "BG/NBD", &out, &ll, STARTS);
    let limit = limit_maximum(&|r, al, q| ll_common_dropout(&hs, r, al, q, false));
    assert!(
        (fit.log_likelihood() - limit).abs() < 1e-6,
        "{} vs {limit}",
        fit.log_likelihood()
    );
    assert!(
        (fit.log_likelihood() - 156.098_516_516_32).abs() < 1e-8,
        "{}",
        fit.log_likelihood()
    );
    // Predictions: the common-dropout model's closed forms.
    let (r, al) = (p.r(), p.alpha());
    let q = p.a() / (p.a() + p.b());
    for t in [1.0, 30.0, 365.0] {
        let want = -(-r * (q * t / al).ln_1p()).exp_m1() / q;
        let got = p.expected_purchases_new(t).unwrap();
        assert!(relative(got, want) < 1e-9, "E[X({t})] {got} vs {want}");
    }
    for h in &hs {
        let xf = f64::from(h.x());
        let alive = if h.x() == 0 {
            1.0
        } else {
            let odds = q / (1.0 - q) * ((al + h.age()) / (al + h.t_x())).powf(r + xf);
            1.0 / (1.0 + odds)
        };
        let got = p.p_alive(h);
        assert!(
            got.is_finite() && relative(got, alive) < 1e-9,
            "P(alive) {got} vs {alive}"
        );
        let t = 30.0;
        let rest = -(-(r + xf) * (q * t / (al + h.age())).ln_1p()).exp_m1() / q;
        let want = alive * rest;
        let got = p.expected_purchases(h, t).unwrap();
        assert!(
            got.is_finite() && relative(got, want) < 1e-8,
            "E[Y] {got} vs {want}"
        );
    }

    let fit = timed("five customers (summary)", "MBG/NBD", || {
        MbgNbd::new().fit_detailed(&hs)
    })
    .unwrap();
    assert!(
        has_limit(&Ok(fit.status().clone()), Limit::HomogeneousDropout),
        "{:?}",
        fit.status()
    );
    assert!(
        !has_limit(&Ok(fit.status().clone()), Limit::NoDropout),
        "{:?}",
        fit.status()
    );
    let p = fit.params();
    let ll = |t: &[f64; 4]| {
        let [r, al, a, b] = t.map(f64::exp);
        customer_value::btyd::MbgNbdParams::new(r, al, a, b).map_or(f64::NEG_INFINITY, |q| {
            hs.iter().map(|h| q.log_likelihood(h)).sum()
        })
    };
    let out = Outcome {
        values: [p.r(), p.alpha(), p.a(), p.b()],
        log_likelihood: fit.log_likelihood(),
        status: fit.status().clone(),
        names,
    };
    check("five customers (summary)", "MBG/NBD", &out, &ll, STARTS);
    let limit = limit_maximum(&|r, al, q| ll_common_dropout(&hs, r, al, q, true));
    assert!(
        (fit.log_likelihood() - limit).abs() < 1e-6,
        "{} vs {limit}",
        fit.log_likelihood()
    );
    assert!(
        (fit.log_likelihood() - 156.095_697_299_28).abs() < 1e-8,
        "{}",
        fit.log_likelihood()
    );
    let q = p.a() / (p.a() + p.b());
    for h in &hs {
        // MBG/NBD's P(alive) in the limit: 1/(1 + p/(1−p)·((α+T)/(α+t_x))^{r+x}), x = 0 too.
        let odds = q / (1.0 - q)
            * ((p.alpha() + h.age()) / (p.alpha() + h.t_x())).powf(p.r() + f64::from(h.x()));
        let want = 1.0 / (1.0 + odds);
        let got = p.p_alive(h);
        assert!(
            got.is_finite() && relative(got, want) < 1e-9,
            "MBG P(alive) {got} vs {want}"
        );
    }
}

/// A log drawn from the `a, b → 0` limit itself: 300 customers in weeks,
/// NBD purchases (`r = 0.8`, `α = 4`), 30 % of them dropping out at their
/// first repeat purchase, the others never.
fn zero_or_one_log(seed: u64) -> Vec<CustomerHistory> {
    let mut rng = Rng(seed);
    (0..300)
        .map(|i| {
            let age = 20.0 + 32.0 * rng.uniform();
            let lambda = rng.gamma(0.8, 4.0);
            let drops = rng.uniform() < 0.3;
            let (mut t, mut x, mut last) = (0.0, 0_u32, 0.0);
            loop {
                t += rng.exp(lambda);
                if t > age {
                    break;
                }
                x += 1;
                last = t;
                if drops {
                    break;
                }
            }
            CustomerHistory::new(CustomerId::new(i), x, last, age).unwrap()
        })
        .collect()
}

/// BG/NBD on a log from the "dropout probability 0 or 1" limit (seed 1:
/// its supremum is that limit): the fit answers at the `a, b → 0` face
/// with [`Limit::DropoutZeroOrOne`], at least as well as the multistart
/// and at the limit's own maximum (the closed-form limiting likelihood
/// maximised by pattern search), and its predictions are the limiting
/// mixture's closed forms.
#[test]
fn bgnbd_answers_at_dropout_zero_or_one() {
    let hs = zero_or_one_log(1);
    let groups = grouped(&hs, hist_key);
    let fit = timed("zero or one", "BG/NBD", || BgNbd::new().fit_detailed(&hs)).unwrap();
    let FitStatus::Boundary { diverging, limits } = fit.status() else {
        panic!("{:?}", fit.status());
    };
    assert_eq!(limits, &vec![Limit::DropoutZeroOrOne]);
    assert_eq!(
        diverging
            .iter()
            .map(|d| (d.parameter.as_str(), d.direction))
            .collect::<Vec<_>>(),
        [("a", Direction::ToZero), ("b", Direction::ToZero)]
    );
    let p = *fit.params();
    let ll = |t: &[f64; 4]| {
        let [r, al, a, b] = t.map(f64::exp);
        BgNbdParams::new(r, al, a, b).map_or(f64::NEG_INFINITY, |q| {
            groups.iter().map(|(h, w)| w * q.log_likelihood(h)).sum()
        })
    };
    let out = Outcome {
        values: [p.r(), p.alpha(), p.a(), p.b()],
        log_likelihood: fit.log_likelihood(),
        status: fit.status().clone(),
        names: ["r", "alpha", "a", "b"],
    };
    check("zero or one", "BG/NBD", &out, &ll, STARTS);
    let limit = limit_maximum(&|r, al, pi| ll_zero_or_one(&hs, r, al, pi));
    assert!(
        (fit.log_likelihood() - limit).abs() < 1e-6,
        "{} vs {limit}",
        fit.log_likelihood()
    );
    zero_or_one_predictions(&p, &hs);
}

/// BG/NBD's predictions at `a = π·ε`, `b = (1−π)·ε` with `ε` tiny are the
/// `a, b → 0` mixture's: `P(alive) = 1` at `x = 0` and `x ≥ 2`, the
/// posterior share of never-droppers at `x = 1`;
/// `E[X(t)] = (1−π)·rt/α + π·(1 − (α/(α+t))^r)`;
/// `E[Y(t) | x ≥ 1] = P(alive)·(r+x)t/(α+T)`.
fn zero_or_one_predictions(p: &BgNbdParams, hs: &[CustomerHistory]) {
    let (r, al) = (p.r(), p.alpha());
    let pi = p.a() / (p.a() + p.b());
    for t in [0.5, 10.0, 52.0, 520.0] {
        let want = (1.0 - pi) * r * t / al - pi * (-r * (t / al).ln_1p()).exp_m1();
        let got = p.expected_purchases_new(t).unwrap();
        assert!(
            got.is_finite() && relative(got, want) < 1e-9,
            "E[X({t})] {got} vs {want} at {p:?}"
        );
    }
    for h in hs {
        let xf = f64::from(h.x());
        // At a finite point a buyer with x ≥ 2 keeps the odds of having
        // dropped out `a/(b+x−1)·((α+T)/(α+t_x))^{r+x}`, which vanish in
        // the limit; the limit's P(alive) = 1 stands for histories where
        // they are below 1e-12.
        if h.x() >= 2 {
            let ln_odds = p.a().ln() - (p.b() + (xf - 1.0)).ln()
                + (r + xf) * ((al + h.age()) / (al + h.t_x())).ln();
            if ln_odds > (1e-12_f64).ln() {
                continue;
            }
        }
        let alive = match h.x() {
            1 => {
                let keep = (1.0 - pi).ln() + ln_nbd(r, al, 1, h.age());
                let drop = pi.ln() + ln_nbd(r, al, 1, h.t_x());
                1.0 / (1.0 + (drop - keep).exp())
            }
            _ => 1.0,
        };
        let got = p.p_alive(h);
        assert!(
            got.is_finite() && relative(got, alive) < 1e-9,
            "P(alive) {got} vs {alive} at {h:?}"
        );
        if h.x() >= 1 {
            let t = 13.0;
            let want = alive * (r + xf) * t / (al + h.age());
            let got = p.expected_purchases(h, t).unwrap();
            assert!(
                got.is_finite() && relative(got, want) < 1e-8,
                "E[Y] {got} vs {want} at {h:?}"
            );
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(6))]

    /// On logs drawn from the "dropout probability 0 or 1" limit, whatever
    /// the seed: the BG/NBD fit is at least as good as the limit's maximum
    /// (closed form, pattern search), and when it names that limit it is
    /// at that maximum (to 1e-6), with a/(a+b) finite and both on the
    /// face's side.
    #[test]
    fn bgnbd_on_zero_or_one_logs_reaches_the_limit(seed in 0_u64..1_000) {
        let hs = zero_or_one_log(seed);
        let fit = timed("zero or one", "BG/NBD", || BgNbd::new().fit_detailed(&hs)).unwrap();
        let limit = limit_maximum(&|r, al, pi| ll_zero_or_one(&hs, r, al, pi));
        proptest::prop_assert!(fit.log_likelihood() >= limit - 1e-6, "{} < {limit}", fit.log_likelihood());
        if has_limit(&Ok(fit.status().clone()), Limit::DropoutZeroOrOne) {
            proptest::prop_assert!((fit.log_likelihood() - limit).abs() < 1e-6);
            let p = fit.params();
            proptest::prop_assert!(p.a() < 1e-10 && p.b() < 1e-10, "{p:?}");
        } else {
            proptest::prop_assert!(fit.status().is_interior(), "{:?}", fit.status());
        }
    }

    /// Predictions at the two dropout limits of BG/NBD, as a boundary fit
    /// reports them (`a + b = e^{∓30}`), equal the limiting models' closed
    /// forms, for any purchase parameters, share and history.
    #[test]
    fn bgnbd_predictions_at_the_dropout_limits(
        r in 0.05_f64..20.0,
        alpha in 0.1_f64..100.0,
        share in 0.01_f64..0.99,
        x in 0_u32..60,
        t_frac in 0.01_f64..1.0,
        age in 1.0_f64..100.0,
    ) {
        let t_x = if x == 0 { 0.0 } else { t_frac * age };
        let h = CustomerHistory::new(CustomerId::new(0), x, t_x, age).unwrap();
        // a, b -> 0.
        let eps = (-30.0_f64).exp();
        let p = BgNbdParams::new(r, alpha, share * eps, (1.0 - share) * eps).unwrap();
        zero_or_one_predictions(&p, std::slice::from_ref(&h));
        // a, b -> inf.
        let big = 30.0_f64.exp();
        let p = BgNbdParams::new(r, alpha, share * big, (1.0 - share) * big).unwrap();
        let xf = f64::from(x);
        for t in [1.0, 30.0] {
            let want = -(-r * (share * t / alpha).ln_1p()).exp_m1() / share;
            let got = p.expected_purchases_new(t).unwrap();
            proptest::prop_assert!(relative(got, want) < 1e-9, "E[X({t})] {got} vs {want}");
        }
        let alive = if x == 0 {
            1.0
        } else {
            let ln_odds = (share / (1.0 - share)).ln() + (r + xf) * ((alpha + age) / (alpha + t_x)).ln();
            1.0 / (1.0 + ln_odds.exp())
        };
        let got = p.p_alive(&h);
        proptest::prop_assert!(relative(got, alive) < 1e-9 || (alive < 1e-300 && got < 1e-300), "P(alive) {got} vs {alive}");
        let rest = -(-(r + xf) * (share * 20.0 / (alpha + age)).ln_1p()).exp_m1() / share;
        let want = alive * rest;
        let got = p.expected_purchases(&h, 20.0).unwrap();
        proptest::prop_assert!(relative(got, want) < 1e-8 || (want < 1e-290 && got < 1e-290), "E[Y] {got} vs {want}");
    }
}
