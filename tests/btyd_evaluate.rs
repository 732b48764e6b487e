//! Holdout evaluation and model choice on CDNOW (Fader, Hardie & Lee 2005a),
//! against the data README's published figures, plus invariants.

use customer_value::btyd::evaluate::{
    ErrorMetrics, HoldoutCustomer, NbdFit, RepeatPurchases, compare_models, evaluate_holdout,
    likelihood_ratio_test, track,
};
use customer_value::btyd::{BgNbdParams, CustomerHistory, PurchaseModel};
use customer_value::csv::{Column, CsvOptions, Delimiter, IdKind};
use customer_value::{CustomerId, Date, Summarizer, TimeUnit};
use proptest::prelude::*;

fn bgnbd() -> PurchaseModel {
    BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754)
        .unwrap()
        .into()
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

/// The published calibration table (x, t_x, T to 2 decimals) with each
/// customer's holdout purchases from the crate's summary of the raw log.
fn cdnow_holdout() -> Option<Vec<HoldoutCustomer>> {
    let log = log()?;
    let summary = Summarizer::builder(Date::parse("1997-09-30").unwrap())
        .unit(TimeUnit::WEEK)
        .holdout_end(Date::parse("1998-06-30").unwrap())
        .build()
        .unwrap()
        .summarize(log.transactions())
        .unwrap();
    let (rows, length) = HoldoutCustomer::from_summaries(&summary).unwrap();
    assert_eq!(length, 39.0);
    let mut holdout = std::collections::HashMap::new();
    for row in &rows {
        let label = log
            .customer_names()
            .customer_label(row.history().customer());
        holdout.insert(label.parse::<u64>().unwrap(), row.holdout_purchases());
    }
    let dir = crate::support::data_dir().unwrap();
    let text = std::fs::read_to_string(dir.join("cdnow/cdnow_customers_summary.csv")).unwrap();
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<f64> = line.split(',').map(|x| x.trim().parse().unwrap()).collect();
        let id = f[0] as u64;
        let h = CustomerHistory::new(CustomerId::new(id), f[1] as u32, f[2], f[3]).unwrap();
        out.push(HoldoutCustomer::new(h, holdout[&id]));
    }
    assert_eq!(out.len(), 2357);
    Some(out)
}

/// FHL 2005a figure 4: conditional expectations by calibration frequency
/// 0..6, 7+ (README at-MLE values to 1e-6; printed actual means to 5e-4).
#[test]
fn cdnow_calibration_vs_holdout_table() {
    let Some(customers) = cdnow_holdout() else {
        return;
    };
    let report = evaluate_holdout(&bgnbd(), &customers, 39.0, 7).unwrap();
    let groups = report.by_frequency();
    let sizes: Vec<u64> = groups.iter().map(|g| g.customers()).collect();
    assert_eq!(sizes, [1411, 439, 214, 100, 62, 38, 29, 64]);
    let want = [
        0.2250862, 0.5231248, 1.044137, 1.520260, 2.163905, 2.653914, 3.504091, 6.157412,
    ];
    let want_actual = [0.237, 0.697, 1.393, 1.560, 2.532, 2.947, 3.862, 6.359];
    for (g, (w, wa)) in groups.iter().zip(want.iter().zip(want_actual)) {
        assert!((g.predicted_mean() / w - 1.0).abs() < 1e-6, "{g:?} vs {w}");
        assert!((g.actual_mean() - wa).abs() < 5e-4, "{g:?} vs {wa}");
    }
    assert!(groups[7].and_above() && !groups[6].and_above());
    // Totals: the group sizes times the printed means give the same
    // totals to the rounding of the printed means.
    let total_pred: f64 = sizes.iter().zip(want).map(|(n, w)| *n as f64 * w).sum();
    assert!((report.total_predicted() - total_pred).abs() < 1e-3);
    let total_actual: f64 = sizes
        .iter()
        .zip(want_actual)
        .map(|(n, w)| *n as f64 * w)
        .sum();
    assert!((report.total_actual() as f64 - total_actual).abs() < 2.0);
    let e = report.errors();
    assert!(e.rmse() >= e.mae() && e.mae() > 0.0);
    assert!(
        (e.bias() - (report.total_predicted() - report.total_actual() as f64) / 2357.0).abs()
            < 1e-12
    );
    assert!(report.log_score() < 0.0);
    eprintln!(
        "CDNOW BG/NBD holdout: predicted {:.4}, actual {}, MAE {:.6}, RMSE {:.6}, bias {:.6}, log score {:.6}",
        report.total_predicted(),
        report.total_actual(),
        e.mae(),
        e.rmse(),
        e.bias(),
        report.log_score()
    );
}

/// FHL 2005a figure 2: cumulative repeat transactions in weeks 20..25,
/// expected (README at-MLE values, printed to 3 decimals) and actual.
#[test]
fn cdnow_weekly_tracking() {
    let Some(log) = log() else { return };
    let data = RepeatPurchases::from_transactions(
        log.transactions(),
        Date::parse("1997-01-01").unwrap(),
        TimeUnit::WEEK,
    )
    .unwrap();
    assert_eq!(data.births().len(), 2357);
    assert_eq!(data.births().len() + data.repeats().len(), 6696);
    let rows = track(&bgnbd(), &data, 78).unwrap();
    let want = [1312.466, 1387.355, 1460.401, 1531.723, 1601.428, 1669.610];
    let want_actual = [1359, 1414, 1484, 1517, 1573, 1672];
    for (i, (w, wa)) in want.iter().zip(want_actual).enumerate() {
        let row = &rows[19 + i];
        assert_eq!(row.period(), 20 + i as u32);
        assert!(
            (row.expected_cumulative() - w).abs() < 5e-4,
            "{row:?} vs {w}"
        );
        assert_eq!(row.actual_cumulative(), wa, "{row:?}");
    }
    for pair in rows.windows(2) {
        let d = pair[1].expected_cumulative() - pair[0].expected_cumulative();
        assert!((pair[1].expected_incremental() - d).abs() < 1e-9);
        assert_eq!(
            pair[1].actual_cumulative() - pair[0].actual_cumulative(),
            pair[1].actual_incremental()
        );
    }
    assert_eq!(rows[77].actual_cumulative() as usize, data.repeats().len());
}

#[test]
fn likelihood_ratio_p_values() {
    // Chi-square upper quantiles: 5.991465 (df 2, 5 %), 6.634897 (df 1, 1 %).
    let t = likelihood_ratio_test(0.0, -5.991465 / 2.0, 2).unwrap();
    assert!((t.p_value() - 0.05).abs() < 1e-7);
    let t = likelihood_ratio_test(0.0, -6.634897 / 2.0, 1).unwrap();
    assert!((t.p_value() - 0.01).abs() < 1e-7);
    assert_eq!(likelihood_ratio_test(-5.0, -5.0, 3).unwrap().p_value(), 1.0);
    assert!(likelihood_ratio_test(-10.0, -5.0, 1).is_err());
    assert!(likelihood_ratio_test(-10.0, -5.0, 0).is_err());
    assert!(likelihood_ratio_test(f64::NAN, -5.0, 1).is_err());
}

/// Dropout matters on CDNOW: BG/NBD (LL −9582.4256, README) against its
/// no-dropout NBD limit; the NBD fit's score equations hold at its MLE.
#[test]
fn cdnow_bgnbd_against_nbd() {
    let Some(customers) = cdnow_holdout() else {
        return;
    };
    let hs: Vec<CustomerHistory> = customers.iter().map(|c| *c.history()).collect();
    let nbd = NbdFit::fit(&hs).unwrap();
    let (r, al) = (nbd.r(), nbd.alpha());
    let score_alpha: f64 = hs
        .iter()
        .map(|h| r / al - (r + f64::from(h.x())) / (al + h.age()))
        .sum();
    assert!(score_alpha.abs() < 1e-6, "{score_alpha}");
    let ll = |r: f64| -> f64 {
        use statrs::function::gamma::ln_gamma;
        hs.iter()
            .map(|h| {
                let x = f64::from(h.x());
                ln_gamma(r + x) - ln_gamma(r) + r * al.ln() - (r + x) * (al + h.age()).ln()
            })
            .sum()
    };
    assert!((nbd.log_likelihood() - ll(r)).abs() < 1e-6);
    assert!(ll(r * 1.001) < nbd.log_likelihood() && ll(r / 1.001) < nbd.log_likelihood());
    let test = likelihood_ratio_test(-9582.4256, nbd.log_likelihood(), 2).unwrap();
    assert!(test.p_value() < 1e-10, "{test:?}");
    eprintln!(
        "CDNOW NBD: r {r:.6} alpha {al:.6} LL {:.4}; LR {:.3} p {:e}",
        nbd.log_likelihood(),
        test.statistic(),
        test.p_value()
    );
}

/// Every purchase model fitted on CDNOW and ranked: the README's
/// log-likelihoods (MBG/NBD −9582.1327, BG/NBD −9582.4256, Pareto/NBD
/// −9594.9739) give that BIC order.
#[test]
fn cdnow_model_comparison() {
    let Some(customers) = cdnow_holdout() else {
        return;
    };
    let cmp = compare_models(&customers, Some(39.0), 7).unwrap();
    assert!(cmp.failed().is_empty(), "{:?}", cmp.failed());
    let names: Vec<&str> = cmp.ranked().iter().map(|m| m.model().name()).collect();
    assert_eq!(names, ["MBG/NBD", "BG/NBD", "Pareto/NBD"]);
    let lls = [-9582.1327, -9582.4256, -9594.9739];
    for (m, ll) in cmp.ranked().iter().zip(lls) {
        assert!(
            (m.log_likelihood() - ll).abs() < 1e-3,
            "{}: {}",
            m.model().name(),
            m.log_likelihood()
        );
        let k = 4.0;
        assert!((m.bic() - (k * 2357f64.ln() - 2.0 * m.log_likelihood())).abs() < 1e-9);
        let e = m.evaluation().unwrap();
        eprintln!(
            "{}: BIC {:.4} (rank {}), holdout log score {:.6} (rank {:?}), predicted {:.3} actual {}, MAE {:.4} RMSE {:.4}",
            m.model().name(),
            m.bic(),
            m.bic_rank(),
            e.log_score(),
            m.log_score_rank(),
            e.total_predicted(),
            e.total_actual(),
            e.errors().mae(),
            e.errors().rmse()
        );
    }
    let mut ranks: Vec<u32> = cmp
        .ranked()
        .iter()
        .map(|m| m.log_score_rank().unwrap())
        .collect();
    ranks.sort_unstable();
    assert_eq!(ranks, [1, 2, 3]);
}

#[test]
fn empty_and_bad_inputs_are_typed_errors() {
    assert!(evaluate_holdout(&bgnbd(), &[], 39.0, 7).is_err());
    let c = HoldoutCustomer::new(
        CustomerHistory::new(CustomerId::new(1), 1, 2.0, 3.0).unwrap(),
        1,
    );
    assert!(evaluate_holdout(&bgnbd(), &[c], 0.0, 7).is_err());
    assert!(evaluate_holdout(&bgnbd(), &[c], 39.0, 0).is_err());
    assert!(ErrorMetrics::new(&[1.0], &[1.0, 2.0]).is_err());
    assert!(ErrorMetrics::new(&[], &[]).is_err());
    assert!(ErrorMetrics::new(&[f64::NAN], &[1.0]).is_err());
    assert!(RepeatPurchases::new(vec![-1.0], vec![]).is_err());
    assert!(
        track(
            &bgnbd(),
            &RepeatPurchases::new(vec![0.0], vec![]).unwrap(),
            0
        )
        .is_err()
    );
}

fn customers_strategy() -> impl Strategy<Value = Vec<HoldoutCustomer>> {
    prop::collection::vec((0u32..15, 0.0f64..1.0, 1.0f64..60.0, 0u32..12), 1..40).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (x, f, age, y))| {
                let t_x = if x == 0 { 0.0 } else { f * age };
                HoldoutCustomer::new(
                    CustomerHistory::new(CustomerId::new(i as u64), x, t_x, age).unwrap(),
                    y,
                )
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn rmse_at_least_mae_and_zero_for_perfect_predictions(
        v in prop::collection::vec((-1e3f64..1e3, -1e3f64..1e3), 1..60)
    ) {
        let (p, a): (Vec<f64>, Vec<f64>) = v.into_iter().unzip();
        let m = ErrorMetrics::new(&p, &a).unwrap();
        prop_assert!(m.rmse() >= m.mae());
        prop_assert!(m.bias().abs() <= m.mae() * (1.0 + 1e-12));
        let perfect = ErrorMetrics::new(&a, &a).unwrap();
        prop_assert_eq!((perfect.mae(), perfect.rmse(), perfect.bias()), (0.0, 0.0, 0.0));
    }

    #[test]
    fn evaluation_does_not_depend_on_customer_order(
        customers in customers_strategy(), seed in 0u64..1000,
    ) {
        let model = bgnbd();
        let a = evaluate_holdout(&model, &customers, 20.0, 4).unwrap();
        let mut shuffled = customers.clone();
        // A deterministic permutation from the seed.
        let n = shuffled.len();
        for i in (1..n).rev() {
            let j = (seed.wrapping_mul(6364136223846793005).wrapping_add((i as u64).wrapping_mul(1442695040888963407)) >> 33) as usize % (i + 1);
            shuffled.swap(i, j);
        }
        let b = evaluate_holdout(&model, &shuffled, 20.0, 4).unwrap();
        prop_assert_eq!(a, b);
    }
}
