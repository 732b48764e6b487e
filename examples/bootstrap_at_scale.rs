//! A 200-replicate parametric bootstrap of BG/NBD on 100k customers, then
//! P(alive) and `E[Y(52)]` percentile intervals for every customer.
//!
//! Simulates `N` customers (default 100 000) with CDNOW-like weekly
//! parameters and ages of 27 to 39 weeks, fits BG/NBD on their distinct
//! rows, bootstraps `B` replicates (default 200) on 2 threads and computes
//! the intervals. Prints the wall time of each step and the peak resident
//! memory.
//!
//! ```sh
//! cargo build --release --features simulate --example bootstrap_at_scale
//! /usr/bin/time -v target/release/examples/bootstrap_at_scale 100000 200
//! ```

use std::time::Instant;

use customer_value::btyd::{
    BgNbd, BgNbdParams, BootstrapOptions, DistinctRows, Prediction, bootstrap, simulate_bgnbd,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().map_or(Ok(100_000), |a| a.parse())?;
    let replicates: usize = args.get(1).map_or(Ok(200), |a| a.parse())?;

    let truth = BgNbdParams::new(0.243, 4.41, 0.793, 2.43)?;
    let ages: Vec<f64> = (0..n).map(|i| 27.0 + (i % 13) as f64).collect();
    let start = Instant::now();
    let histories = simulate_bgnbd(&truth, &ages, 2)?;
    let (rows, weights) = DistinctRows::from_histories(&histories).weighted()?;
    let fit = BgNbd::new().fit_weighted(&rows, &weights)?;
    println!(
        "{n} customers, {} distinct rows: simulated and fitted in {:.2} s",
        rows.len(),
        start.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let options = BootstrapOptions::new(replicates, 7)?.threads(2);
    let draws = bootstrap(&BgNbd::new(), &fit, &rows, &weights, &options)?;
    println!(
        "bootstrap: {replicates} refits ({} failed) in {:.2} s on 2 threads; peak RSS {}",
        draws.failed(),
        t.elapsed().as_secs_f64(),
        peak_rss()
    );

    let t = Instant::now();
    let alive = draws.intervals(Prediction::PAlive, &histories, 0.9)?;
    let purchases = draws.intervals(Prediction::ExpectedPurchases(52.0), &histories, 0.9)?;
    println!(
        "P(alive) and E[Y(52)] intervals for {} customers in {:.2} s; peak RSS {}",
        alive.len().min(purchases.len()),
        t.elapsed().as_secs_f64(),
        peak_rss()
    );
    println!("total {:.2} s", start.elapsed().as_secs_f64());
    Ok(())
}

/// The peak resident set size from `/proc/self/status` (Linux), or "n/a".
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_string())
        })
        .unwrap_or_else(|| "n/a".into())
}
