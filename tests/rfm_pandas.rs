//! RFM scores on the CDNOW sample against an independent implementation:
//! pandas/numpy (`benches/peers/rfm_oracle.py`, pandas 2.3.3, numpy 2.2.6)
//! wrote `tests/data/pandas_cdnow_rfm.csv` from the CDNOW summary in days
//! with the observation end 1997-09-30: R = days since the last purchase,
//! F = purchases, M = total spend, k = 5, ties broken in customer-id order.

use customer_value::csv::{Column, CsvOptions, Delimiter, IdKind};
use customer_value::rfm::{Monetary, QuantileMethod, Rfm, RfmValues, TieMethod};
use customer_value::{Date, Decimal, Fit, Scorer, Summarizer};

struct Oracle {
    customer: u64,
    recency: f64,
    frequency: u32,
    monetary: Decimal,
    /// (method column prefix, [r, f, m]) in the file's order.
    scores: Vec<(String, [u8; 3])>,
}

fn oracle() -> Vec<Oracle> {
    let text = include_str!("data/pandas_cdnow_rfm.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let methods: Vec<String> = header[4..]
        .chunks(3)
        .map(|c| c[0].trim_end_matches("_r").to_owned())
        .collect();
    lines
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let scores = methods
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let at = 4 + 3 * i;
                    let s = |j: usize| f[at + j].parse::<u8>().unwrap();
                    (name.clone(), [s(0), s(1), s(2)])
                })
                .collect();
            Oracle {
                customer: f[0].parse().unwrap(),
                recency: f[1].parse().unwrap(),
                frequency: f[2].parse().unwrap(),
                monetary: f[3].parse().unwrap(),
                scores,
            }
        })
        .collect()
}

fn cdnow_values() -> Option<Vec<RfmValues>> {
    let data = crate::support::data_dir()?;
    let log = CsvOptions::builder()
        .delimiter(Delimiter::Whitespace)
        .header(false)
        .customer_column(Column::Position(2))
        .id_kind(IdKind::Numeric) // CDNOW's zero-padded ids, by value
        .date_column(Column::Position(3))
        .amount_column(Column::Position(5))
        .build()
        .unwrap()
        .read_path(data.join("cdnow/CDNOW_sample.txt"))
        .unwrap();
    let summary = Summarizer::builder(Date::parse("1997-09-30").unwrap())
        .build()
        .unwrap()
        .summarize(log.transactions())
        .unwrap();
    Some(RfmValues::from_summaries(
        summary.customers(),
        Monetary::Total,
    ))
}

fn check(method: QuantileMethod, ties: TieMethod, column: &str) {
    let Some(values) = cdnow_values() else {
        return;
    };
    let oracle = oracle();
    assert_eq!(values.len(), 2357);
    assert_eq!(oracle.len(), 2357);
    let rfm = Rfm::builder().method(method).ties(ties).build().unwrap();
    let scored = rfm.fit_score(&values).unwrap();
    let mut mismatches = 0;
    for ((v, s), o) in values.iter().zip(scored.scores()).zip(&oracle) {
        // Same customers and inputs first, so a mismatch is in the scoring.
        assert_eq!(v.customer().get(), o.customer);
        assert_eq!(
            (v.recency(), v.frequency(), v.monetary()),
            (o.recency, o.frequency, o.monetary)
        );
        let want = o.scores.iter().find(|(name, _)| name == column).unwrap().1;
        if [s.score.r(), s.score.f(), s.score.m()] != want {
            mismatches += 1;
            if mismatches <= 5 {
                eprintln!(
                    "customer {}: ours {:?}, pandas {want:?}",
                    o.customer, s.score
                );
            }
        }
    }
    assert_eq!(mismatches, 0, "{column}: {mismatches} customers differ");
}

#[test]
fn qcut_rank_first_matches_pandas_qcut_on_first_ranks() {
    check(QuantileMethod::QcutRank, TieMethod::First, "qcut");
}

#[test]
fn ceil_rank_max_matches_pandas_max_ranks() {
    check(QuantileMethod::CeilRank, TieMethod::Max, "ceilmax");
}

#[test]
fn ceil_rank_first_matches_pandas_first_ranks() {
    check(QuantileMethod::CeilRank, TieMethod::First, "ceilfirst");
}

#[test]
fn ntile_first_matches_sql_ntile_on_first_ranks() {
    check(QuantileMethod::Ntile, TieMethod::First, "ntile");
}

#[test]
fn rfm_package_matches_numpy_type7_quantiles_plus_one() {
    check(QuantileMethod::RfmPackage, TieMethod::First, "pkg");
}

/// The fitted cut points score the population like the rank rule under
/// Max ties, on real data with heavy ties (1,411 one-time buyers).
#[test]
fn fitted_thresholds_reproduce_max_tie_scores_on_cdnow() {
    let Some(values) = cdnow_values() else {
        return;
    };
    let rfm = Rfm::builder().ties(TieMethod::Max).build().unwrap();
    let fitted = rfm.fit(&values).unwrap();
    let by_rank = rfm.fit_score(&values).unwrap();
    let by_threshold = fitted.score_all(&values).unwrap();
    let ranked: Vec<_> = by_rank.scores().iter().map(|s| s.score).collect();
    assert_eq!(ranked, by_threshold);
}
