//! The CDNOW sample (Fader, Hardie & Lee 2005): reproduce the published
//! calibration summary and Python lifetimes' output, customer by customer.

use std::collections::HashMap;
use std::path::Path;

use customer_value::{
    CustomerId, Date, Decimal, Grouping, Summarizer, Summary, TimeUnit, Transaction,
};
use rust_decimal::RoundingStrategy;

/// Reads `CDNOW_sample.txt` (whitespace separated: master id, sample id,
/// YYYYMMDD, CDs, dollars); the customer key is the sample id.
fn read_cdnow(dir: &Path) -> Vec<Transaction> {
    let text = std::fs::read_to_string(dir.join("cdnow/CDNOW_sample.txt")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(f.len(), 5, "bad line {line:?}");
            Transaction::new(
                CustomerId::new(f[1].parse().unwrap()),
                Date::parse(f[2]).unwrap(),
                f[4].parse::<Decimal>().unwrap(),
            )
            .with_quantity(f[3].parse().unwrap())
            .unwrap()
        })
        .collect()
}

/// Rows of a CSV with a header, as strings keyed by the first column.
fn read_csv(path: &Path) -> HashMap<u64, Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<String> = l.split(',').map(str::to_owned).collect();
            (f[0].parse().unwrap(), f[1..].to_vec())
        })
        .collect()
}

fn summarize(txs: &[Transaction], end: &str, unit: TimeUnit, grouping: Grouping) -> Summary {
    Summarizer::builder(Date::parse(end).unwrap())
        .unit(unit)
        .grouping(grouping)
        .build()
        .unwrap()
        .summarize(txs)
        .unwrap()
}

#[test]
fn reproduces_the_published_weekly_summary_and_zbar() {
    let Some(dir) = crate::support::data_dir() else {
        return;
    };
    let txs = read_cdnow(&dir);
    assert_eq!(txs.len(), 6919);
    let summary = summarize(&txs, "1997-09-30", TimeUnit::WEEK, Grouping::Day);
    let published = read_csv(&dir.join("cdnow/cdnow_customers_summary.csv"));
    let with_zbar = read_csv(&dir.join("cdnow/cdnow_customers_summary_with_transactions.csv"));
    assert_eq!(summary.len(), 2357);
    assert_eq!(published.len(), 2357);
    let mut repeaters = 0;
    for row in summary.customers() {
        let id = row.customer().get();
        let p = &published[&id];
        assert_eq!(row.frequency().to_string(), p[0], "x of customer {id}");
        assert_eq!(
            format!("{:.2}", row.t_x()),
            format!("{:.2}", p[1].parse::<f64>().unwrap()),
            "t_x of {id}"
        );
        assert_eq!(
            format!("{:.2}", row.age()),
            format!("{:.2}", p[2].parse::<f64>().unwrap()),
            "T of {id}"
        );
        let z = &with_zbar[&id];
        assert_eq!(z[0], p[0]);
        let zbar = row
            .zbar()
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        assert_eq!(
            zbar,
            z[3].parse::<Decimal>().unwrap(),
            "zbar of customer {id}"
        );
        repeaters += usize::from(row.frequency() > 0);
    }
    assert_eq!(repeaters, 946);
    assert_eq!(
        summary
            .customers()
            .iter()
            .filter(|c| c.frequency() == 0)
            .count(),
        1411
    );
    // The holdout-period transactions are counted, not summarised.
    let after = txs
        .iter()
        .filter(|t| t.date() > Date::parse("1997-09-30").unwrap())
        .count();
    assert_eq!(summary.excluded().transactions(), after as u64);
}

/// Compares a summary with Python lifetimes' output (`customer_id,
/// frequency,recency,T,monetary_value`) customer by customer.
fn assert_matches_lifetimes(summary: &Summary, oracle: &str) {
    let oracle = read_csv(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(oracle),
    );
    assert_eq!(summary.len(), oracle.len());
    for row in summary.customers() {
        let o = &oracle[&row.customer().get()];
        let zbar: f64 = row.zbar().to_string().parse().unwrap();
        let expected: f64 = o[3].parse().unwrap();
        assert_eq!(
            row.frequency().to_string(),
            o[0],
            "customer {}",
            row.customer()
        );
        assert_eq!(row.t_x(), o[1].parse::<f64>().unwrap());
        assert_eq!(row.age(), o[2].parse::<f64>().unwrap());
        assert!(
            (zbar - expected).abs() <= 1e-9 * expected.max(1.0),
            "{zbar} vs {expected}"
        );
    }
}

#[test]
fn matches_python_lifetimes_in_days() {
    let Some(dir) = crate::support::data_dir() else {
        return;
    };
    let summary = summarize(
        &read_cdnow(&dir),
        "1997-09-30",
        TimeUnit::DAY,
        Grouping::Day,
    );
    assert_matches_lifetimes(&summary, "lifetimes_cdnow_summary_days.csv");
}

/// lifetimes' `freq='W'` groups by Monday-Sunday weeks and keeps purchases
/// up to the Sunday of the end date's week; our period grouping with the
/// calibration end on that Sunday (1997-10-05) is the same computation.
#[test]
fn matches_python_lifetimes_weekly_periods() {
    let Some(dir) = crate::support::data_dir() else {
        return;
    };
    let summary = summarize(
        &read_cdnow(&dir),
        "1997-10-05",
        TimeUnit::WEEK,
        Grouping::Period,
    );
    assert_matches_lifetimes(&summary, "lifetimes_cdnow_summary_weeks_freqW.csv");
}

/// Calibration to 1997-09-30, holdout to 1998-06-30 (39 weeks): every
/// transaction lands in exactly one place.
#[test]
fn calibration_and_holdout_account_for_every_transaction() {
    let Some(dir) = crate::support::data_dir() else {
        return;
    };
    let txs = read_cdnow(&dir);
    let summary = Summarizer::builder(Date::parse("1997-09-30").unwrap())
        .unit(TimeUnit::WEEK)
        .holdout_end(Date::parse("1998-06-30").unwrap())
        .build()
        .unwrap()
        .summarize(&txs)
        .unwrap();
    assert_eq!(summary.holdout_duration(), Some(273.0 / 7.0));
    // All 2,357 CDNOW customers made their first purchase in Q1 1997.
    assert!(summary.holdout_only().is_empty());
    let in_calibration: u64 = summary
        .customers()
        .iter()
        .map(|c| u64::from(c.transactions()))
        .sum();
    let in_holdout: u64 = summary
        .customers()
        .iter()
        .map(|c| u64::from(c.holdout().unwrap().transactions()))
        .sum();
    assert_eq!(
        in_calibration + in_holdout + summary.excluded().transactions(),
        6919
    );
    assert_eq!(summary.excluded().transactions(), 0);
    let spend: Decimal = txs.iter().map(Transaction::amount).sum();
    let summarised: Decimal = summary
        .customers()
        .iter()
        .map(|c| c.total_spend() + c.holdout().unwrap().spend())
        .sum();
    assert_eq!(summarised, spend);
    // Customer 1 bought once more, on 1997-12-12, in the holdout period.
    let one = summary.get(CustomerId::new(1)).unwrap();
    assert_eq!(one.holdout().unwrap().purchases(), 1);
    assert_eq!(one.holdout().unwrap().spend(), Decimal::new(2648, 2));
}
