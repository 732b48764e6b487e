//! Criterion benches of every BTYD fit (BG/NBD, MBG/NBD, Pareto/NBD,
//! GGom/NBD, Gamma-Gamma, BG/BB, sBG) on the awkward corpus of issue 10: seeded,
//! generated logs that are valid but hard (homogeneous purchase rates, no
//! dropout, everybody dropping out at once, 97 % one-time buyers, five
//! customers, a few extreme heavy buyers, a uniform random log), the same
//! data as `tests/btyd_boundary.rs` (`benches/common/awkward.rs`).
//!
//! Before timing, every fit runs once and must answer (a fit report or a
//! typed "not identified" error) within the 1 s bound of an optimised
//! build; the bench panics otherwise, so
//! `cargo bench --bench btyd_awkward -- --warm-up-time 1 --measurement-time 2`
//! is also the release-mode check of that bound.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::Error;
use customer_value::btyd::{BgBb, BgNbd, GammaGamma, GgomNbd, MbgNbd, ParetoNbd, Sbg};

#[path = "common/awkward.rs"]
mod awkward;

/// Every fit ends within this in an optimised build.
const BOUND: Duration = Duration::from_secs(1);

/// Runs `f` once, checks it answers within [`BOUND`], then times it.
fn bench_fit<T>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    id: &str,
    f: impl Fn() -> Result<T, Error>,
) {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    assert!(took <= BOUND, "{id}: took {took:?}");
    match &out {
        Ok(_) | Err(Error::NotIdentified { .. }) => {}
        Err(e) => panic!("{id}: {e}"),
    }
    group.bench_function(id, |b| b.iter(|| black_box(f())));
}

fn awkward_fits(c: &mut Criterion) {
    let mut group = c.benchmark_group("btyd_awkward");
    group.sample_size(10);
    for log in awkward::corpus() {
        let name = log.name.replace(' ', "_");
        let hs = log.histories(7.0);
        let spend = log.spend();
        let disc = log.discrete();
        let cohort = log.cohort();
        bench_fit(&mut group, &format!("bgnbd/{name}"), || {
            BgNbd::new().fit_detailed(black_box(&hs))
        });
        bench_fit(&mut group, &format!("mbgnbd/{name}"), || {
            MbgNbd::new().fit_detailed(black_box(&hs))
        });
        bench_fit(&mut group, &format!("pareto_nbd/{name}"), || {
            ParetoNbd::new().fit_detailed(black_box(&hs))
        });
        bench_fit(&mut group, &format!("ggom_nbd/{name}"), || {
            GgomNbd::new().fit_detailed(black_box(&hs))
        });
        bench_fit(&mut group, &format!("gamma_gamma/{name}"), || {
            GammaGamma::new().fit_detailed(black_box(&spend))
        });
        bench_fit(&mut group, &format!("bgbb/{name}"), || {
            BgBb::new().fit_detailed(black_box(&disc))
        });
        bench_fit(&mut group, &format!("sbg/{name}"), || {
            Sbg::new().fit_cohort(black_box(&cohort))
        });
    }
    group.finish();
}

criterion_group!(benches, awkward_fits);
criterion_main!(benches);
