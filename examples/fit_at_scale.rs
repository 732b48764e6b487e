//! Exact fits on a base of any size from its sufficient statistics.
//!
//! Simulates `N` customers from BG/NBD with CDNOW-like parameters in days
//! on a day grid (ages uniform over three years, purchase times rounded up
//! to whole days), counts them into [`DistinctRows`] chunk by chunk (so the
//! customers are never all in memory), then fits BG/NBD and Pareto/NBD on
//! the weighted distinct rows. Prints the wall time and the peak resident
//! memory after each step, and the compression (customers per row).
//!
//! ```sh
//! cargo run --release --features simulate --example fit_at_scale -- 10000000
//! cargo run --release --features simulate --example fit_at_scale -- 100000000 --count-only
//! cargo run --release --features simulate --example fit_at_scale -- 1000000 --check
//! ```
//!
//! `--check` also fits the customers themselves (all held in memory) and
//! asserts that the parameters are the same to the last bit.

use std::time::Instant;

use customer_value::CustomerId;
use customer_value::btyd::{
    BgNbd, BgNbdParams, CustomerHistory, DistinctRows, ParetoNbd, simulate_bgnbd,
};

const CHUNK: usize = 1_000_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map_or(Ok(10_000_000), |a| a.replace('_', "").parse())?;
    let count_only = args.iter().any(|a| a == "--count-only");
    let check = args.iter().any(|a| a == "--check");

    // Fader, Hardie & Lee's CDNOW estimates, alpha from weeks to days.
    let truth = BgNbdParams::new(0.243, 4.414 * 7.0, 0.793, 2.426)?;
    let start = Instant::now();
    let mut rows = DistinctRows::new();
    let mut kept: Vec<CustomerHistory> = Vec::new();
    let mut done = 0;
    let mut chunk_index = 0u64;
    while done < n {
        let m = CHUNK.min(n - done);
        let ages: Vec<f64> = (0..m)
            .map(|i| 1.0 + ((done + i) as u64 * 2_654_435_761 % 1095) as f64)
            .collect();
        for h in simulate_bgnbd(&truth, &ages, 42 + chunk_index)? {
            let t_x = h.t_x().ceil().min(h.age());
            let h = CustomerHistory::new(CustomerId::new(0), h.x(), t_x, h.age())?;
            rows.add(&h);
            if check {
                kept.push(h);
            }
        }
        done += m;
        chunk_index += 1;
    }
    let counted = start.elapsed();
    println!(
        "customers {n}: simulated and counted in {:.1} s; {} distinct rows ({:.1} customers per row); peak RSS {}",
        counted.as_secs_f64(),
        rows.len(),
        n as f64 / rows.len() as f64,
        peak_rss()
    );
    if count_only {
        return Ok(());
    }

    let t = Instant::now();
    let (histories, weights) = rows.weighted()?;
    println!(
        "weighted rows built in {:.2} s; peak RSS {}",
        t.elapsed().as_secs_f64(),
        peak_rss()
    );

    let t = Instant::now();
    let bg = BgNbd::new().fit_weighted(&histories, &weights)?;
    let p = bg.params();
    println!(
        "BG/NBD fit in {:.2} s ({} iterations): r {:.4} alpha {:.3} a {:.4} b {:.4} (truth 0.243 30.898 0.793 2.426); LL {:.1}; peak RSS {}",
        t.elapsed().as_secs_f64(),
        bg.iterations(),
        p.r(),
        p.alpha(),
        p.a(),
        p.b(),
        bg.log_likelihood(),
        peak_rss()
    );

    let t = Instant::now();
    let pareto = ParetoNbd::new().fit_weighted(&histories, &weights)?;
    let q = pareto.params();
    println!(
        "Pareto/NBD fit in {:.2} s ({} iterations): r {:.4} alpha {:.3} s {:.4} beta {:.3}; LL {:.1}; peak RSS {}",
        t.elapsed().as_secs_f64(),
        pareto.iterations(),
        q.r(),
        q.alpha(),
        q.s(),
        q.beta(),
        pareto.log_likelihood(),
        peak_rss()
    );

    if check {
        let t = Instant::now();
        let direct = BgNbd::new().fit_detailed(&kept)?;
        assert_eq!(direct.params(), bg.params());
        let direct = ParetoNbd::new().fit_detailed(&kept)?;
        assert_eq!(direct.params(), pareto.params());
        println!(
            "check: fits on the {n} customers themselves are identical ({:.2} s); peak RSS {}",
            t.elapsed().as_secs_f64(),
            peak_rss()
        );
    }
    Ok(())
}

/// The process's peak resident set (VmHWM), or "n/a" off Linux.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_owned())
        })
        .unwrap_or_else(|| "n/a".to_owned())
}
