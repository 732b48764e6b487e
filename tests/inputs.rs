//! Integration tests for the input side: every summary layout the reader
//! accepts, the unit and dates a summary file carries, exact unit
//! conversion, pre-aggregated customer tables, fit files, and I/O errors.

use std::io::Read;

use customer_value::btyd::file::{FitFile, ModelFit, ModelParams, UnitUse};
use customer_value::btyd::{BgNbd, BgNbdParams, CustomerHistory};
use customer_value::csv::{
    Column, CsvOptions, CustomerTableColumns, Delimiter, IdKind, SummaryLayout, SummaryMetadata,
    read_customer_table, read_customer_table_path, read_summary, read_summary_path, write_summary,
};
use customer_value::{CustomerId, Date, Decimal, Error, Summarizer, TimeUnit, Transaction};
use proptest::prelude::*;

fn day(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn cdnow_options() -> CsvOptions {
    CsvOptions::builder()
        .delimiter(Delimiter::Whitespace)
        .header(false)
        .customer_column(Column::Position(2))
        .id_kind(IdKind::Numeric) // CDNOW's zero-padded ids, by value
        .date_column(Column::Position(3))
        .amount_column(Column::Position(5))
        .build()
        .unwrap()
}

/// Python lifetimes' own summary of CDNOW (days, to 1997-09-30, made by
/// `benches/peers/make_oracles.py`) reads as a BTYD-layout summary with
/// lifetimes' figures, which are the crate's own summary's.
#[test]
fn lifetimes_summary_reads_with_its_figures() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/lifetimes_cdnow_summary_days.csv"
    );
    let table = read_summary_path(path).unwrap();
    assert_eq!(table.len(), 2357);
    assert_eq!(table.layout(), SummaryLayout::Btyd { spend: true });
    assert!(!table.layout().has_total_spend());
    assert_eq!(*table.metadata(), SummaryMetadata::default());
    let Some(data) = crate::support::data_dir() else {
        return;
    };
    let log = cdnow_options()
        .read_path(data.join("cdnow/CDNOW_sample.txt"))
        .unwrap();
    let summary = Summarizer::builder(day("1997-09-30"))
        .build()
        .unwrap()
        .summarize(log.transactions())
        .unwrap();
    for theirs in table.customers() {
        let ours = summary.get(theirs.customer()).unwrap();
        assert_eq!(
            (theirs.frequency(), theirs.t_x(), theirs.age()),
            (ours.frequency(), ours.t_x(), ours.age())
        );
        let (a, b) = (theirs.zbar(), ours.zbar());
        assert!(
            (a - b).abs() <= Decimal::new(1, 9) * a.abs().max(Decimal::ONE),
            "customer {}: zbar {a} vs {b}",
            theirs.customer()
        );
        // What the layout cannot know is filled as documented.
        assert_eq!(theirs.purchases(), ours.purchases());
        assert_eq!(theirs.total_spend(), theirs.repeat_spend());
        assert_eq!(theirs.categories(), 0);
        assert!(theirs.holdout().is_none());
    }
}

/// lifetimes' summary of CLVTools' apparel log in weeks, as pandas'
/// `to_csv` writes it (`Id` first, `6.0`; made by
/// `benches/peers/lifetimes_apparel_summary.py`), reads with the figures of
/// the crate's own weekly summary of the log.
#[test]
fn pandas_written_lifetimes_summary_matches_ours() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/lifetimes_apparel_summary_weeks.csv"
    );
    let table = read_summary_path(path).unwrap();
    assert_eq!(table.len(), 600);
    let Some(data) = crate::support::data_dir() else {
        return;
    };
    let log = CsvOptions::builder()
        .customer_column("Id")
        .date_column("Date")
        .amount_column("Price")
        .build()
        .unwrap()
        .read_path(data.join("peers/clvtools_apparelTrans_2024.csv"))
        .unwrap();
    let summary = Summarizer::builder(day("2006-12-31"))
        .unit(TimeUnit::WEEK)
        .build()
        .unwrap()
        .summarize(log.transactions())
        .unwrap();
    assert_eq!(summary.len(), 600);
    for theirs in table.customers() {
        let ours = summary.get(theirs.customer()).unwrap();
        assert_eq!(
            (
                theirs.frequency(),
                theirs.t_x().to_bits(),
                theirs.age().to_bits()
            ),
            (ours.frequency(), ours.t_x().to_bits(), ours.age().to_bits()),
            "customer {}",
            theirs.customer()
        );
        let (a, b) = (theirs.zbar(), ours.zbar());
        assert!(
            (a - b).abs() <= Decimal::new(1, 9) * a.abs().max(Decimal::ONE),
            "customer {}: zbar {a} vs {b}",
            theirs.customer()
        );
    }
}

/// Fader and Hardie's CDNOW summary with BTYD's names `ID,x,t_x,T,zbar`
/// (weeks, 2 decimals): 2,357 customers, 1,411 with x = 0 and 946 with a
/// repeat spend, as the data's README says.
#[test]
fn btyd_names_read() {
    let Some(data) = crate::support::data_dir() else {
        return;
    };
    let table = read_summary_path(data.join("cdnow/cdnow_customers_summary_with_transactions.csv"))
        .unwrap();
    assert_eq!(table.layout(), SummaryLayout::Btyd { spend: true });
    assert_eq!(table.len(), 2357);
    let rows = table.customers();
    assert_eq!(rows.iter().filter(|r| r.frequency() == 0).count(), 1411);
    assert_eq!(
        rows.iter().filter(|r| r.zbar() > Decimal::ZERO).count(),
        946
    );
    assert_eq!(
        (rows[0].frequency(), rows[0].t_x(), rows[0].age()),
        (2, 30.43, 38.86)
    );
    assert_eq!(rows[0].zbar(), Decimal::new(2235, 2));
    // Without a spend column (`ID,frequency,recency,T`).
    let bare = read_summary_path(data.join("cdnow/cdnow_customers_summary.csv")).unwrap();
    assert_eq!(bare.layout(), SummaryLayout::Btyd { spend: false });
    assert!(!bare.layout().has_repeat_spend());
    assert_eq!(bare.len(), 2357);
}

#[test]
fn clvtools_names_string_ids_and_pandas_floats() {
    let text = "Id,x,t.x,T.cal,Spending\nann,2,3.5,10,12.5\nbo,0,0,4,0\n";
    let table = read_summary(text.as_bytes()).unwrap();
    assert_eq!(table.layout(), SummaryLayout::Btyd { spend: true });
    let ann = &table.customers()[0];
    assert_eq!(table.customer_label(ann.customer()), "ann");
    assert_eq!((ann.frequency(), ann.t_x(), ann.age()), (2, 3.5, 10.0));
    assert_eq!(ann.repeat_spend(), Decimal::new(25, 0));
    // BTYD's cbs: cust, x, t.x, T.cal, m.x; pandas writes x as 2.0 and
    // its index first under an empty name.
    let text = ",frequency,recency,T,monetary_value\n7,2.0,3.0,9.0,4.25\n";
    let table = read_summary(text.as_bytes()).unwrap();
    assert_eq!(table.customers()[0].customer(), CustomerId::new(7));
    assert_eq!(table.customers()[0].frequency(), 2);
    let text = "cust,x,t.x,T.cal,m.x\n1,2.5,3,9,4\n";
    let err = read_summary(text.as_bytes()).unwrap_err();
    assert!(
        matches!(err, Error::Parse { line: 2, ref column, .. } if column == "x"),
        "{err}"
    );
}

#[test]
fn missing_columns_are_named_with_the_header() {
    let err = read_summary("cust,x,T.cal\n1,0,3\n".as_bytes()).unwrap_err();
    let Error::Parse {
        line: 1,
        ref column,
        ref reason,
    } = err
    else {
        panic!("{err:?}")
    };
    assert_eq!(column, "recency");
    assert!(
        reason.contains("t.x") && reason.contains("\"cust\", \"x\", \"T.cal\""),
        "{reason}"
    );
}

#[test]
fn metadata_is_one_per_file() {
    let header = "customer_id,frequency,recency,T,monetary_value,purchases,transactions,first_purchase,last_purchase,total_spend,unit_days,observation_end\n";
    let row1 = "1,0,0,3,0,1,1,2024-01-01,2024-01-01,5,7,2024-01-22\n";
    let row2 = "2,0,0,2,0,1,1,2024-01-08,2024-01-08,5,1,2024-01-22\n";
    let err = read_summary(format!("{header}{row1}{row2}").as_bytes()).unwrap_err();
    assert!(
        matches!(err, Error::Parse { line: 3, ref column, .. } if column == "unit_days"),
        "{err}"
    );
    let table = read_summary(format!("{header}{row1}").as_bytes()).unwrap();
    assert_eq!(table.metadata().unit, Some(TimeUnit::WEEK));
    assert_eq!(table.metadata().observation_end, Some(day("2024-01-22")));
    // A BTYD layout with metadata counts its dates back from the end.
    let text = "customer_id,frequency,recency,T,monetary_value,unit_days,observation_end\n1,1,2,3,5,7,2024-01-22\n";
    let table = read_summary(text.as_bytes()).unwrap();
    let c = &table.customers()[0];
    assert_eq!(
        (c.first_purchase(), c.last_purchase()),
        (day("2024-01-01"), day("2024-01-15"))
    );
}

fn small_log() -> impl Strategy<Value = Vec<Transaction>> {
    prop::collection::vec((0u64..12, 0i32..120, 1i64..100_000), 1..40).prop_map(|rows| {
        rows.into_iter()
            .map(|(c, d, cents)| {
                Transaction::new(
                    CustomerId::new(c),
                    Date::from_days_since_epoch(19_000 + d).unwrap(),
                    Decimal::new(cents, 2),
                )
            })
            .collect()
    })
}

proptest! {
    /// Writing a summary and reading it back gives the same rows and the
    /// same unit, observation end and holdout end.
    #[test]
    fn summary_metadata_round_trips(
        log in small_log(),
        unit in prop::sample::select(vec![1u32, 7, 30, 365]),
        holdout in prop::option::of(1i32..60),
    ) {
        let end = Date::from_days_since_epoch(19_120).unwrap();
        let mut builder = Summarizer::builder(end).unit(TimeUnit::days(unit).unwrap());
        if let Some(h) = holdout {
            builder = builder.holdout_end(end.checked_add_days(h).unwrap());
        }
        let summary = builder.build().unwrap().summarize(&log).unwrap();
        let mut out = Vec::new();
        write_summary(&mut out, &summary, &customer_value::TransactionLog::new()).unwrap();
        let table = read_summary(out.as_slice()).unwrap();
        prop_assert_eq!(table.customers(), summary.customers());
        prop_assert_eq!(*table.metadata(), SummaryMetadata::of(&summary));
        prop_assert_eq!(table.layout(), SummaryLayout::Full);
    }

    /// Converting between units is exact for times made from whole days:
    /// the result is bit for bit what a summary in the other unit holds.
    #[test]
    fn unit_conversion_is_exact(days in 0i32..200_000, a in 1u32..400, b in 1u32..400) {
        let (a, b) = (TimeUnit::days(a).unwrap(), TimeUnit::days(b).unwrap());
        let t = a.periods(days);
        prop_assert_eq!(a.convert(t, b).to_bits(), b.periods(days).to_bits());
        prop_assert_eq!(a.convert(t, TimeUnit::DAY), f64::from(days));
    }
}

/// A BG/NBD fit in weeks applied to days, converted, gives the figures of
/// the same fit on weeks; the library refuses a discrete-time fit in
/// another unit with an error naming both units.
#[test]
fn fit_file_units() {
    let params = BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754).unwrap();
    let file = FitFile::from_params(ModelParams::BgNbd(params), Some(TimeUnit::WEEK));
    let use_ = file.check_unit(TimeUnit::DAY).unwrap();
    assert_eq!(
        use_,
        UnitUse::Convert {
            from: TimeUnit::DAY,
            to: TimeUnit::WEEK
        }
    );
    // The published customer (x = 26, t_x = 30.85714, T = 31 weeks):
    // P(alive) 0.9688555737 at these parameters (Fader, Hardie & Lee 2005,
    // via the data README). In days, t_x = 216 and T = 217.
    let model = file.params().purchase_model().unwrap();
    let weeks = CustomerHistory::new(CustomerId::new(1), 26, 216.0 / 7.0, 31.0).unwrap();
    let days = CustomerHistory::new(
        CustomerId::new(1),
        26,
        TimeUnit::DAY.convert(216.0, TimeUnit::WEEK),
        TimeUnit::DAY.convert(217.0, TimeUnit::WEEK),
    )
    .unwrap();
    let p = model.p_alive(&weeks).unwrap();
    assert!((p - 0.9688555737).abs() < 1e-6, "{p}");
    assert_eq!(model.p_alive(&days).unwrap().to_bits(), p.to_bits());

    let discrete = FitFile::from_params(
        ModelParams::BgBb(customer_value::btyd::BgBbParams::new(1.2, 0.75, 0.66, 2.8).unwrap()),
        Some(TimeUnit::days(365).unwrap()),
    );
    let err = discrete.check_unit(TimeUnit::WEEK).unwrap_err();
    let Error::UnitMismatch {
        unit, other_unit, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        (*unit, *other_unit),
        (TimeUnit::days(365).unwrap(), TimeUnit::WEEK)
    );
    let message = err.to_string();
    assert!(
        message.contains("periods of 365 days") && message.contains("weeks"),
        "{message}"
    );
}

/// Fit files written by the library read back, and fit files written by
/// the command line before the unit was recorded still read.
#[test]
fn fit_file_round_trip_on_cdnow() {
    let Some(data) = crate::support::data_dir() else {
        return;
    };
    let table = read_summary_path(data.join("cdnow/cdnow_customers_summary_with_transactions.csv"))
        .unwrap();
    let histories: Vec<CustomerHistory> = table
        .customers()
        .iter()
        .map(CustomerHistory::from_summary)
        .collect::<Result<_, _>>()
        .unwrap();
    let fit = BgNbd::new().fit_detailed(&histories).unwrap();
    // The published MLE on these data: r 0.243, alpha 4.414, a 0.793, b 2.426.
    let p = fit.params();
    for (got, published) in [
        (p.r(), 0.243),
        (p.alpha(), 4.414),
        (p.a(), 0.793),
        (p.b(), 2.426),
    ] {
        assert!((got / published - 1.0).abs() < 2e-3, "{got} vs {published}");
    }
    let file = FitFile::new(ModelFit::BgNbd(fit), Some(TimeUnit::WEEK))
        .with_observation_end(day("1997-09-30"));
    let back = FitFile::from_json(&file.to_json().unwrap()).unwrap();
    assert_eq!(back, file);
    let mut bytes = Vec::new();
    file.write(&mut bytes).unwrap();
    assert_eq!(FitFile::read(bytes.as_slice()).unwrap(), file);
}

#[test]
fn customer_tables() {
    let text = "id,recency,orders,amount\nann,3,2,10.50\nbo,0,1,4\n";
    let columns = CustomerTableColumns {
        customer: Column::name("id"),
        recency: Column::name("recency"),
        orders: Column::Position(3),
        revenue: Column::name("amount"),
        last_order: None,
    };
    let table = read_customer_table(text.as_bytes(), &columns).unwrap();
    let ann = table.rows()[0];
    assert_eq!(table.customer_label(ann.customer()), "ann");
    assert_eq!(
        (ann.recency(), ann.orders(), ann.revenue()),
        (3.0, 2, Decimal::new(1050, 2))
    );
    for (bad, column) in [
        ("ann,3,0,1\n", "orders"),
        ("ann,-1,1,1\n", "recency"),
        ("ann,1,1,x\n", "amount"),
        ("ann,1,1,1\nann,2,1,1\n", "id"),
    ] {
        let err = read_customer_table(
            format!("id,recency,orders,amount\n{bad}").as_bytes(),
            &columns,
        )
        .unwrap_err();
        assert!(
            matches!(err, Error::Parse { column: ref c, .. } if c == column),
            "{bad}: {err}"
        );
    }
    let err = read_customer_table(text.as_bytes(), &CustomerTableColumns::default()).unwrap_err();
    assert!(err.to_string().contains("\"recency\", \"orders\""), "{err}");
    let Some(data) = crate::support::data_dir() else {
        return;
    };
    let table = read_customer_table_path(
        data.join("peers/rfm_data_customer.csv"),
        &CustomerTableColumns::default(),
    )
    .unwrap();
    assert_eq!(table.rows().len(), 39_999);
    let first = table.rows()[0];
    assert_eq!(
        (
            first.customer(),
            first.recency(),
            first.orders(),
            first.revenue()
        ),
        (CustomerId::new(22086), 232.0, 9, Decimal::new(777, 0))
    );
}

/// A reader that fails after some bytes.
struct Failing(usize);

impl Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.0 == 0 {
            return Err(std::io::Error::other("disk on fire"));
        }
        let text = b"customer_id,date,amount\n1,2024-01-01,5\n";
        let n = text.len().min(buf.len()).min(self.0);
        buf[..n].copy_from_slice(&text[..n]);
        self.0 -= n;
        Ok(n)
    }
}

#[test]
fn io_errors_after_open_are_io() {
    let err = CsvOptions::default().read(Failing(30)).unwrap_err();
    let Error::Io {
        action,
        path,
        source,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*action, "read");
    assert!(path.as_os_str().is_empty());
    assert!(
        source.get().to_string().contains("disk on fire"),
        "{source:?}"
    );
    assert_eq!(err.to_string(), "cannot read the input");
    // A directory opens but cannot be read: the path is named.
    let dir = std::env::temp_dir();
    let err = CsvOptions::default().read_path(&dir).unwrap_err();
    assert!(
        matches!(err, Error::Io { action: "read", ref path, .. } if path == &dir),
        "{err:?}"
    );
    assert!(matches!(
        read_summary(Failing(5)).unwrap_err(),
        Error::Io { .. }
    ));
}
