//! Plots researchers know from Python lifetimes, as SVG files: the
//! frequency/recency matrix of expected purchases, the P(alive) matrix,
//! calibration vs holdout purchases by frequency group, and weekly tracking
//! of repeat transactions (incremental and cumulative, Fader, Hardie & Lee
//! 2005 figures 2-3), for BG/NBD fitted on
//! the CDNOW sample (or on simulated customers when the data folder is
//! absent).
//!
//! ```text
//! cargo run --release --example plots -- [OUT_DIR]     # default target/plots
//! ```
//!
//! Plotting lives in this example only (`plotters` is a dev-dependency): the
//! library stays free of drawing code.

use std::path::{Path, PathBuf};

use customer_value::btyd::evaluate::{RepeatPurchases, track};
use customer_value::btyd::{BgNbd, BgNbdParams, CustomerHistory};
use customer_value::csv::{Column, CsvOptions, Delimiter};
use customer_value::simulate::Simulation;
use customer_value::{Date, Summarizer, Summary, TimeUnit, Transaction};
use plotters::prelude::*;

type Failure = Box<dyn std::error::Error>;

fn main() -> Result<(), Failure> {
    let out = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("target/plots"), PathBuf::from);
    std::fs::create_dir_all(&out)?;
    let (source, log, end, holdout_end) = data()?;
    let summary = Summarizer::builder(end)
        .unit(TimeUnit::WEEK)
        .holdout_end(holdout_end)
        .build()?
        .summarize(&log)?;
    let histories: Vec<CustomerHistory> = summary
        .customers()
        .iter()
        .map(CustomerHistory::from_summary)
        .collect::<Result<_, _>>()?;
    let fit = BgNbd::new().fit_detailed(&histories)?;
    let p = *fit.params();
    println!(
        "{source}: BG/NBD r {:.4}, alpha {:.4}, a {:.4}, b {:.4}, LL {:.2}",
        p.r(),
        p.alpha(),
        p.a(),
        p.b(),
        fit.log_likelihood()
    );
    let big_t = histories.iter().fold(0.0_f64, |m, h| m.max(h.age()));
    let max_x = histories.iter().map(|h| h.x()).max().unwrap_or(0).min(40);
    let expected = |x: u32, t_x: f64| -> Result<f64, Failure> {
        let h = CustomerHistory::new(
            customer_value::CustomerId::new(0),
            x,
            if x == 0 { 0.0 } else { t_x.max(1e-9) },
            big_t,
        )?;
        Ok(p.expected_purchases(&h, 1.0)?)
    };
    let alive = |x: u32, t_x: f64| -> Result<f64, Failure> {
        let h = CustomerHistory::new(
            customer_value::CustomerId::new(0),
            x,
            if x == 0 { 0.0 } else { t_x.max(1e-9) },
            big_t,
        )?;
        Ok(p.p_alive(&h))
    };
    heatmap(
        &out.join("expected_purchases.svg"),
        "Expected purchases next week by frequency and recency (BG/NBD; red high, blue low)",
        max_x,
        big_t,
        expected,
    )?;
    heatmap(
        &out.join("p_alive.svg"),
        "P(alive) by frequency and recency (BG/NBD; red high, blue low)",
        max_x,
        big_t,
        alive,
    )?;
    holdout(&out.join("calibration_vs_holdout.svg"), &summary, &p)?;
    tracking(&out, &log, end, holdout_end, &p)?;
    println!("wrote {}", out.display());
    Ok(())
}

/// CDNOW (weeks; calibration to 1997-09-30, holdout to 1998-06-30) from the
/// shared data folder, or 5,000 simulated customers.
fn data() -> Result<(&'static str, Vec<Transaction>, Date, Date), Failure> {
    let dir = std::env::var_os("CUSTOMER_VALUE_DATA").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data")),
        PathBuf::from,
    );
    let cdnow = dir.join("cdnow/CDNOW_sample.txt");
    if cdnow.is_file() {
        let log = CsvOptions::builder()
            .delimiter(Delimiter::Whitespace)
            .header(false)
            .customer_column(Column::Position(2))
            .date_column(Column::Position(3))
            .amount_column(Column::Position(5))
            .build()?
            .read_path(&cdnow)?;
        return Ok((
            "CDNOW",
            log.transactions().to_vec(),
            Date::parse("1997-09-30")?,
            Date::parse("1998-06-30")?,
        ));
    }
    let simulation = Simulation::builder()
        .customers(5_000)
        .seed(7)
        .start(Date::parse("2023-01-01")?)
        .acquisition_days(90)
        .end(Date::parse("2024-06-30")?)
        .build()?;
    Ok((
        "simulated",
        simulation.transactions(),
        Date::parse("2023-09-30")?,
        Date::parse("2024-06-30")?,
    ))
}

/// A frequency x recency heat map of `value`, lifetimes-style (recency on
/// the vertical axis, most recent at the bottom).
fn heatmap(
    path: &Path,
    title: &str,
    max_x: u32,
    big_t: f64,
    value: impl Fn(u32, f64) -> Result<f64, Failure>,
) -> Result<(), Failure> {
    let steps = 40usize;
    let mut cells = Vec::new();
    let mut top = 0.0_f64;
    for x in 0..=max_x {
        for k in 0..steps {
            let t_x = big_t * (k as f64 + 0.5) / steps as f64;
            let v = value(x, t_x)?;
            top = top.max(v);
            cells.push((x, k, v));
        }
    }
    let root = SVGBackend::new(path, (800, 600)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..f64::from(max_x) + 1.0, 0.0..big_t)?;
    chart
        .configure_mesh()
        .x_desc("frequency x (repeat purchases)")
        .y_desc("recency t_x (weeks from first to last purchase)")
        .disable_mesh()
        .draw()?;
    let height = big_t / steps as f64;
    chart.draw_series(cells.iter().map(|&(x, k, v)| {
        let share = if top > 0.0 { v / top } else { 0.0 };
        let color = HSLColor(0.66 * (1.0 - share), 0.85, 0.5);
        let y = k as f64 * height;
        Rectangle::new(
            [(f64::from(x), y), (f64::from(x) + 1.0, y + height)],
            color.filled(),
        )
    }))?;
    root.present()?;
    Ok(())
}

/// Mean holdout purchases by calibration frequency, actual vs predicted.
fn holdout(path: &Path, summary: &Summary, p: &BgNbdParams) -> Result<(), Failure> {
    let Some(duration) = summary.holdout_duration() else {
        return Ok(());
    };
    let groups = 8usize;
    let mut actual = vec![0.0; groups];
    let mut predicted = vec![0.0; groups];
    let mut counts = vec![0.0; groups];
    for row in summary.customers() {
        let g = (row.frequency() as usize).min(groups - 1);
        let h = CustomerHistory::from_summary(row)?;
        actual[g] += f64::from(row.holdout().map_or(0, |h| h.purchases()));
        predicted[g] += p.expected_purchases(&h, duration)?;
        counts[g] += 1.0;
    }
    let mean = |v: &[f64]| -> Vec<(f64, f64)> {
        v.iter()
            .zip(&counts)
            .enumerate()
            .filter(|(_, (_, n))| **n > 0.0)
            .map(|(g, (s, n))| (g as f64, s / n))
            .collect()
    };
    let (actual, predicted) = (mean(&actual), mean(&predicted));
    let top = actual
        .iter()
        .chain(&predicted)
        .fold(0.0_f64, |m, &(_, y)| m.max(y))
        * 1.1;
    let root = SVGBackend::new(path, (800, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Holdout purchases by calibration frequency (7 = 7 or more)",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..(groups - 1) as f64, 0.0..top.max(1.0))?;
    chart
        .configure_mesh()
        .x_desc("purchases in the calibration period")
        .y_desc("mean purchases in the holdout")
        .draw()?;
    chart
        .draw_series(LineSeries::new(actual.clone(), &BLUE))?
        .label("actual")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
    chart
        .draw_series(LineSeries::new(predicted.clone(), &RED))?
        .label("BG/NBD")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
    chart.draw_series(actual.iter().map(|&p| Circle::new(p, 3, BLUE.filled())))?;
    chart.draw_series(predicted.iter().map(|&p| Circle::new(p, 3, RED.filled())))?;
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE)
        .draw()?;
    root.present()?;
    Ok(())
}

/// Weekly repeat transactions, expected (each customer's unconditional
/// E[X(t)] from his first purchase) against actual, from the first purchase
/// in the log to the holdout end: `tracking_incremental.svg` and
/// `tracking_cumulative.svg`, with the calibration end marked.
fn tracking(
    out: &Path,
    log: &[Transaction],
    end: Date,
    holdout_end: Date,
    p: &BgNbdParams,
) -> Result<(), Failure> {
    let Some(origin) = log.iter().map(|t| t.date()).min() else {
        return Ok(());
    };
    let kept: Vec<Transaction> = log
        .iter()
        .filter(|t| t.date() <= holdout_end)
        .cloned()
        .collect();
    let data = RepeatPurchases::from_transactions(&kept, origin, TimeUnit::WEEK)?;
    let weeks = TimeUnit::WEEK
        .periods(holdout_end.days_since(origin) + 1)
        .ceil() as u32;
    let rows = track(&(*p).into(), &data, weeks)?;
    let split = TimeUnit::WEEK.periods(end.days_since(origin) + 1);
    type Pick = fn(&customer_value::btyd::evaluate::TrackingPeriod) -> (f64, f64);
    let views: [(&str, &str, Pick); 2] = [
        (
            "tracking_incremental.svg",
            "Weekly repeat transactions",
            |r| (r.expected_incremental(), r.actual_incremental() as f64),
        ),
        (
            "tracking_cumulative.svg",
            "Cumulative repeat transactions",
            |r| (r.expected_cumulative(), r.actual_cumulative() as f64),
        ),
    ];
    for (file, title, pick) in views {
        let expected: Vec<(f64, f64)> = rows
            .iter()
            .map(|r| (f64::from(r.period()), pick(r).0))
            .collect();
        let actual: Vec<(f64, f64)> = rows
            .iter()
            .map(|r| (f64::from(r.period()), pick(r).1))
            .collect();
        let top = expected
            .iter()
            .chain(&actual)
            .fold(0.0_f64, |m, &(_, y)| m.max(y))
            * 1.1;
        let path = out.join(file);
        let root = SVGBackend::new(&path, (800, 500)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("{title}: actual vs BG/NBD (dashed line: end of calibration)"),
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..f64::from(weeks), 0.0..top.max(1.0))?;
        chart
            .configure_mesh()
            .x_desc("week")
            .y_desc("repeat transactions")
            .draw()?;
        chart
            .draw_series(LineSeries::new(actual, &BLUE))?
            .label("actual")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
        chart
            .draw_series(LineSeries::new(expected, &RED))?
            .label("BG/NBD")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
        chart.draw_series(DashedLineSeries::new(
            vec![(split, 0.0), (split, top.max(1.0))],
            6,
            4,
            BLACK.into(),
        ))?;
        chart
            .configure_series_labels()
            .border_style(BLACK)
            .background_style(WHITE)
            .draw()?;
        root.present()?;
    }
    Ok(())
}
