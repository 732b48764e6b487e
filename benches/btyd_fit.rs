//! Criterion benches of the BTYD fits, whole and in parts: reading a
//! summary CSV, BG/NBD, MBG/NBD and Pareto/NBD fits on CDNOW (weeks, from
//! `$CUSTOMER_VALUE_DATA`, else `../shared/data`; skipped with a message
//! when absent) and on 103,000 simulated customers summarised in days
//! (`customer_value::simulate`, fixed seed), where row compression barely
//! helps. Results are checked once outside the timed loops.
//!
//! With `BTYD_FIT_SUMMARY=FILE` set, the bench also writes the simulated
//! summary to FILE (the input of the whole-process comparison with Python
//! lifetimes in `benches/peers/README.md`).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use customer_value::btyd::{BgNbd, CustomerHistory, MbgNbd, ParetoNbd};
use customer_value::csv::{read_summary, read_summary_rows_path};

mod common;

/// CDNOW `ID,x,t_x,T,...` rows (weeks) as histories.
fn cdnow() -> Option<Vec<CustomerHistory>> {
    common::cdnow_histories_in("cdnow/cdnow_customers_summary_with_transactions.csv")
}

fn histories(csv: &[u8]) -> Vec<CustomerHistory> {
    read_summary(csv)
        .unwrap()
        .customers()
        .iter()
        .filter(|c| c.age() > 0.0)
        .map(|c| CustomerHistory::from_summary(c).unwrap())
        .collect()
}

fn fits(c: &mut Criterion) {
    let mut group = c.benchmark_group("btyd_fit");
    if let Some(hs) = cdnow() {
        let fit = BgNbd::new().fit_detailed(&hs).unwrap();
        assert!((fit.log_likelihood() - -9582.425561).abs() < 1e-4);
        eprintln!("CDNOW BG/NBD: {} iterations", fit.iterations());
        group.bench_function("bgnbd/cdnow", |b| {
            b.iter(|| BgNbd::new().fit_detailed(black_box(&hs)).unwrap())
        });
        let fit = ParetoNbd::new().fit_detailed(&hs).unwrap();
        assert!((fit.log_likelihood() - -9594.973930).abs() < 1e-3);
        eprintln!("CDNOW Pareto/NBD: {} iterations", fit.iterations());
        group.bench_function("pareto_nbd/cdnow", |b| {
            b.iter(|| ParetoNbd::new().fit_detailed(black_box(&hs)).unwrap())
        });
    } else {
        eprintln!("skipped the CDNOW benches: data folder not found (set CUSTOMER_VALUE_DATA)");
    }

    let csv = common::simulated_days_csv();
    if let Some(path) = std::env::var_os("BTYD_FIT_SUMMARY") {
        std::fs::write(&path, &csv).unwrap();
        eprintln!("wrote the simulated summary to {}", path.to_string_lossy());
    }
    let sim = histories(&csv);
    let fit = BgNbd::new().fit_detailed(&sim).unwrap();
    eprintln!(
        "103k simulated (days): {} customers, {} distinct rows, BG/NBD {} iterations, {:?}",
        fit.customers(),
        fit.rows(),
        fit.iterations(),
        fit.params()
    );
    group.sample_size(20);
    group.bench_function("read_summary/103k_days", |b| {
        b.iter(|| read_summary(black_box(csv.as_slice())).unwrap())
    });
    group.bench_function("bgnbd/103k_days", |b| {
        b.iter(|| BgNbd::new().fit_detailed(black_box(&sim)).unwrap())
    });
    let fit = MbgNbd::new().fit_detailed(&sim).unwrap();
    eprintln!(
        "103k simulated (days): MBG/NBD {} iterations",
        fit.iterations()
    );
    group.bench_function("mbgnbd/103k_days", |b| {
        b.iter(|| MbgNbd::new().fit_detailed(black_box(&sim)).unwrap())
    });
    // Pareto/NBD on the same 85,717 distinct rows: the issue-10 bound of
    // 1 s per fit up to 100,000 distinct rows, checked once here. The CPU
    // time (all threads) is what an idle machine would need at most, when
    // other work on a loaded one stretches the wall time.
    let cpu_before = process_cpu_seconds();
    let start = std::time::Instant::now();
    let fit = ParetoNbd::new().fit_detailed(&sim).unwrap();
    let took = start.elapsed();
    let cpu = match (cpu_before, process_cpu_seconds()) {
        (Some(a), Some(b)) => format!("{:.2} s", b - a),
        _ => "unknown".to_string(),
    };
    eprintln!(
        "103k simulated (days): Pareto/NBD {} iterations in {took:?} (CPU time {cpu}), {:?}",
        fit.iterations(),
        fit.status()
    );
    group.sample_size(10);
    group.bench_function("pareto_nbd/103k_days", |b| {
        b.iter(|| ParetoNbd::new().fit_detailed(black_box(&sim)).unwrap())
    });
    group.sample_size(20);
    group.bench_function("read_and_bgnbd/103k_days", |b| {
        b.iter(|| {
            let hs = histories(black_box(&csv));
            BgNbd::new().fit_detailed(&hs).unwrap()
        })
    });
    // The summary-rows reader on a file (read in blocks), then the weighted
    // fit of its rows as histories, or (what `customer-value fit --model
    // bg-nbd --summary FILE` does) the fit of the counted rows themselves.
    let file = std::env::temp_dir().join(format!("btyd_fit_103k_{}.csv", std::process::id()));
    std::fs::write(&file, &csv).unwrap();
    group.bench_function("read_summary_rows/103k_days", |b| {
        b.iter(|| read_summary_rows_path(black_box(&file)).unwrap())
    });
    group.bench_function("read_rows_and_bgnbd/103k_days", |b| {
        b.iter(|| {
            let rows = read_summary_rows_path(black_box(&file)).unwrap();
            let (hs, ws) = rows.weighted().unwrap();
            BgNbd::new().fit_weighted(&hs, &ws).unwrap()
        })
    });
    let rows = read_summary_rows_path(&file).unwrap();
    let (hs, ws) = rows.weighted().unwrap();
    assert_eq!(
        BgNbd::new().fit_distinct(rows.rows()).unwrap(),
        BgNbd::new().fit_weighted(&hs, &ws).unwrap()
    );
    group.bench_function("read_rows_and_bgnbd_distinct/103k_days", |b| {
        b.iter(|| {
            let rows = read_summary_rows_path(black_box(&file)).unwrap();
            BgNbd::new().fit_distinct(rows.rows()).unwrap()
        })
    });
    std::fs::remove_file(&file).ok();
    group.finish();
}

/// User plus system CPU time of this process so far, in seconds, from
/// `/proc/self/stat` (Linux; `None` elsewhere). Clock ticks are taken as
/// 1/100 s, the Linux default.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name: utime and stime are
    // the 12th and 13th.
    let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    Some((ticks(11)? + ticks(12)?) / 100.0)
}

criterion_group!(benches, fits);
criterion_main!(benches);
