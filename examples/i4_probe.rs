use customer_value::btyd::{
    BgNbd, BgNbdParams, BootstrapOptions, DistinctRows, FitOptions, MbgNbd, bootstrap,
    simulate_bgnbd,
};
use std::time::Instant;
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let truth = BgNbdParams::new(0.243, 4.41, 0.793, 2.43)?;
    let n = 100_000;
    let ages: Vec<f64> = (0..n).map(|i| 27.0 + (i % 13) as f64).collect();
    let histories = simulate_bgnbd(&truth, &ages, 2)?;
    let (rows, weights) = DistinctRows::from_histories(&histories).weighted()?;
    let fit = BgNbd::new().fit_weighted(&rows, &weights)?;
    let reps = 20;
    let mut reference = None;
    for tol in [1e-10, 1e-6, 1e-4, 1e-3, 1e-2] {
        let f = BgNbd::new().options(FitOptions::new().tolerance(tol)?);
        let t = Instant::now();
        let d = bootstrap(
            &f,
            &fit,
            &rows,
            &weights,
            &BootstrapOptions::new(reps, 7)?.threads(1),
        )?;
        let el = t.elapsed().as_secs_f64() / reps as f64;
        let v: Vec<[f64; 4]> = d
            .draws()
            .iter()
            .map(|p| [p.r(), p.alpha(), p.a(), p.b()])
            .collect();
        let diff = reference.as_ref().map_or(0.0, |r: &Vec<[f64; 4]>| {
            r.iter()
                .zip(&v)
                .flat_map(|(a, b)| a.iter().zip(b).map(|(x, y)| ((x - y) / x).abs()))
                .fold(0.0, f64::max)
        });
        if reference.is_none() {
            reference = Some(v);
        }
        println!(
            "tol {tol:e}: {:.1} ms per refit, failed {}, max rel diff {diff:e}",
            el * 1e3,
            d.failed()
        );
    }
    let _ = MbgNbd::new();
    Ok(())
}
