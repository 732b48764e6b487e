//! BG/NBD's published holdout and tracking figures on CDNOW (data README,
//! "Same parameters, holdout ..." and "cumulative expected repeat
//! transactions"), at the printed parameters, from the crate's own summary
//! of the raw CDNOW log.

use customer_value::btyd::{BgNbdParams, CustomerHistory};
use customer_value::csv::{Column, CsvOptions, Delimiter, IdKind};
use customer_value::{Date, Summarizer, TimeUnit};

fn params() -> BgNbdParams {
    BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754).unwrap()
}

fn log() -> Option<customer_value::TransactionLog> {
    let dir = crate::support::data_dir()?;
    Some(
        CsvOptions::builder()
            .delimiter(Delimiter::Whitespace)
            .header(false)
            .customer_column(Column::Position(2))
            .id_kind(IdKind::Numeric) // CDNOW's zero-padded ids, by value
            .date_column(Column::Position(3))
            .amount_column(Column::Position(5))
            .build()
            .unwrap()
            .read_path(dir.join("cdnow/CDNOW_sample.txt"))
            .unwrap(),
    )
}

/// Holdout (39 weeks) conditional expectation and actual purchases averaged
/// by calibration frequency 0..6, 7+.
#[test]
fn holdout_expectations_by_frequency_group() {
    let Some(log) = log() else { return };
    let summary = Summarizer::builder(Date::parse("1997-09-30").unwrap())
        .unit(TimeUnit::WEEK)
        .holdout_end(Date::parse("1998-06-30").unwrap())
        .build()
        .unwrap()
        .summarize(log.transactions())
        .unwrap();
    let p = params();
    // Expectations from the published summary (x, t_x, T in weeks to 2
    // decimals), which is what the README's figures were computed from.
    let dir = crate::support::data_dir().unwrap();
    let text = std::fs::read_to_string(dir.join("cdnow/cdnow_customers_summary.csv")).unwrap();
    let mut expected = [0.0f64; 8];
    let mut published_sizes = [0u32; 8];
    for line in text.lines().skip(1) {
        let f: Vec<f64> = line.split(',').map(|x| x.trim().parse().unwrap()).collect();
        let x = f[1] as u32;
        let g = (x as usize).min(7);
        let h = CustomerHistory::new(customer_value::CustomerId::new(f[0] as u64), x, f[2], f[3])
            .unwrap();
        expected[g] += p.expected_purchases(&h, 39.0).unwrap();
        published_sizes[g] += 1;
    }
    // Actual holdout purchases from the crate's own summary of the raw log.
    let mut actual = [0.0f64; 8];
    let mut sizes = [0u32; 8];
    for row in summary.customers() {
        let g = (row.frequency() as usize).min(7);
        actual[g] += f64::from(row.holdout().map_or(0, |h| h.purchases()));
        sizes[g] += 1;
    }
    assert_eq!(sizes, [1411, 439, 214, 100, 62, 38, 29, 64]);
    assert_eq!(published_sizes, sizes);
    let want = [
        0.2250862, 0.5231248, 1.044137, 1.520260, 2.163905, 2.653914, 3.504091, 6.157412,
    ];
    let want_actual = [0.237, 0.697, 1.393, 1.560, 2.532, 2.947, 3.862, 6.359];
    for g in 0..8 {
        let mean = expected[g] / f64::from(sizes[g]);
        assert!(
            ((mean - want[g]) / want[g]).abs() < 1e-6,
            "group {g}: {mean} vs {}",
            want[g]
        );
        let actual_mean = actual[g] / f64::from(sizes[g]);
        assert!(
            (actual_mean - want_actual[g]).abs() < 5e-4,
            "group {g}: actual {actual_mean} vs {}",
            want_actual[g]
        );
    }
}

/// Cumulative expected repeat transactions of the whole cohort in weeks
/// 20..25: the sum over customers of E[X(w - b_i)] for b_i < w, b_i the
/// first purchase in weeks after 1997-01-01.
#[test]
fn cumulative_tracking_weeks_20_to_25() {
    let Some(log) = log() else { return };
    let summary = Summarizer::builder(Date::parse("1998-06-30").unwrap())
        .build()
        .unwrap()
        .summarize(log.transactions())
        .unwrap();
    let origin = Date::parse("1997-01-01").unwrap();
    let births: Vec<f64> = summary
        .customers()
        .iter()
        .map(|c| c.first_purchase().days_since(origin) as f64 / 7.0)
        .collect();
    let p = params();
    let want = [1312.466, 1387.355, 1460.401, 1531.723, 1601.428, 1669.610];
    for (w, want) in (20..=25).zip(want) {
        let w = f64::from(w);
        let total: f64 = births
            .iter()
            .filter(|&&b| b < w)
            .map(|&b| p.expected_purchases_new(w - b).unwrap())
            .sum();
        assert!((total - want).abs() < 5e-3, "week {w}: {total} vs {want}");
    }
}
