//! Integration tests: reading transaction logs from CSV and writing
//! summaries (feature `csv`), through the public API only.

use std::collections::{BTreeMap, BTreeSet};

use customer_value::csv::{
    Column, CsvOptions, Delimiter, IdKind, SUMMARY_COLUMNS, write_holdout_only, write_summary,
};
use customer_value::{
    CustomerId, Date, Decimal, Error, Summarizer, TimeUnit, Transaction, TransactionLog,
};
use proptest::prelude::*;

fn day(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn read(options: &CsvOptions, text: &str) -> Result<TransactionLog, Error> {
    options.read(text.as_bytes())
}

fn default_read(text: &str) -> Result<TransactionLog, Error> {
    read(&CsvOptions::default(), text)
}

/// `(label, date, amount)` for each transaction, in file order.
fn rows(log: &TransactionLog) -> Vec<(String, Date, Decimal)> {
    log.transactions()
        .iter()
        .map(|t| {
            (
                log.customer_label(t.customer()).into_owned(),
                t.date(),
                t.amount(),
            )
        })
        .collect()
}

/// The `(line, column)` of a parse error, or a panic naming what came instead.
fn parse_error(result: Result<TransactionLog, Error>) -> (u64, String, String) {
    match result {
        Err(Error::Parse {
            line,
            column,
            reason,
        }) => (line, column, reason),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

/// CDNOW's layout: whitespace runs, no header, `master_id sample_id date
/// cds dollars`.
fn cdnow_options() -> CsvOptions {
    CsvOptions::builder()
        .delimiter(Delimiter::Whitespace)
        .header(false)
        .customer_column(Column::Position(2))
        .id_kind(IdKind::Numeric) // CDNOW's zero-padded ids, by value
        .date_column(Column::Position(3))
        .amount_column(Column::Position(5))
        .quantity_column(Column::Position(4))
        .build()
        .unwrap()
}

#[test]
fn comma_with_header() {
    let log = default_read(
        "customer_id,date,amount\n1,2024-01-03,10.50\n2,20240104,7\n1,2024-01-05,-2.25\n",
    )
    .unwrap();
    assert_eq!(log.len(), 3);
    let t = log.transactions();
    assert_eq!(
        t[0],
        Transaction::new(CustomerId::new(1), day("2024-01-03"), dec("10.50"))
    );
    assert_eq!(
        t[1],
        Transaction::new(CustomerId::new(2), day("2024-01-04"), dec("7"))
    );
    assert_eq!(t[2].amount(), dec("-2.25"));
    assert!(
        log.customer_names().is_empty(),
        "numeric ids are not interned"
    );
    assert_eq!(t[0].amount().scale(), 2, "amounts are exact, scale kept");
}

#[test]
fn named_columns_in_any_order_and_extra_columns() {
    let text = "note;spent;who;when\nx;12.5;7;2024-05-01\ny;3;8;2024-05-02\n";
    let options = CsvOptions::builder()
        .delimiter(Delimiter::Byte(b';'))
        .customer_column("who")
        .date_column("when")
        .amount_column(Column::name("spent"))
        .build()
        .unwrap();
    let log = read(&options, text).unwrap();
    assert_eq!(
        rows(&log),
        [
            ("7".into(), day("2024-05-01"), dec("12.5")),
            ("8".into(), day("2024-05-02"), dec("3")),
        ]
    );
    // Header names are matched after trimming spaces; positions work with a header too.
    let spaced = " amount , customer_id , date \n 1.5 , 3 , 2024-05-01 \n";
    assert_eq!(
        rows(&default_read(spaced).unwrap()),
        [("3".into(), day("2024-05-01"), dec("1.5"))]
    );
    let by_position = CsvOptions::builder()
        .customer_column(Column::Position(2))
        .id_kind(IdKind::Numeric) // CDNOW's zero-padded ids, by value
        .date_column(Column::Position(3))
        .amount_column(Column::Position(1))
        .build()
        .unwrap();
    assert_eq!(read(&by_position, spaced).unwrap().len(), 1);
}

#[test]
fn headerless_with_positions() {
    let options = CsvOptions::builder()
        .header(false)
        .customer_column(Column::Position(3))
        .date_column(Column::Position(1))
        .amount_column(Column::Position(4))
        .build()
        .unwrap();
    let log = read(&options, "2024-01-01,ignored,5,9.99\r\n2024-01-02,,6,1\r\n").unwrap();
    assert_eq!(
        rows(&log),
        [
            ("5".into(), day("2024-01-01"), dec("9.99")),
            ("6".into(), day("2024-01-02"), dec("1")),
        ]
    );
    // Without a header the defaults are positions 1, 2, 3.
    let plain = CsvOptions::builder().header(false).build().unwrap();
    assert_eq!(read(&plain, "4,2024-01-01,3\n").unwrap().len(), 1);
}

#[test]
fn whitespace_runs_like_cdnow() {
    let options = cdnow_options();
    let text = " 00004 0001 19970101  2   29.33\r\n\
                \t00004\t0001 19970118 \t 2   29.73\r\n\
                \r\n\
                   \n\
                 00018 0002 19970101  1   63.34";
    let log = read(&options, text).unwrap();
    assert_eq!(
        log.len(),
        3,
        "blank lines are skipped, the last line needs no line end"
    );
    let t = log.transactions();
    assert_eq!(
        t[0],
        Transaction::new(CustomerId::new(1), day("1997-01-01"), dec("29.33"))
            .with_quantity(2)
            .unwrap()
    );
    assert_eq!(t[1].date(), day("1997-01-18"));
    assert_eq!(t[2].customer(), CustomerId::new(2));
    assert_eq!(t[2].quantity(), Some(1));

    // Line numbers count blank lines.
    let bad = " 00004 0001 19970101 2 29.33\n\n 00004 0001 19971301 2 1\n";
    let (line, column, reason) = parse_error(read(&options, bad));
    assert_eq!((line, column.as_str()), (3, "3"));
    assert!(reason.contains("19971301"), "{reason}");
}

#[test]
fn quantity_and_category_columns() {
    let options = CsvOptions::builder()
        .quantity_column("qty")
        .category_column("cat")
        .build()
        .unwrap();
    let text = "customer_id,date,amount,qty,cat\n\
                1,2024-01-01,10,2,books\n\
                1,2024-01-02,5,,music\n\
                2,2024-01-02,5,1,\n\
                2,2024-01-03,5,3,books\n";
    let log = read(&options, text).unwrap();
    let t = log.transactions();
    assert_eq!(
        t.iter().map(Transaction::quantity).collect::<Vec<_>>(),
        [Some(2), None, Some(1), Some(3)]
    );
    let books = t[0].category().unwrap();
    assert_eq!(t[3].category(), Some(books));
    assert_ne!(t[1].category(), Some(books));
    assert_eq!(t[2].category(), None, "an empty category is none");
    assert_eq!(
        log.category_names().names().collect::<Vec<_>>(),
        ["books", "music"]
    );

    let summary = Summarizer::builder(day("2024-01-31"))
        .build()
        .unwrap()
        .summarize(t)
        .unwrap();
    assert_eq!(summary.get(CustomerId::new(1)).unwrap().categories(), 2);
    assert_eq!(summary.get(CustomerId::new(2)).unwrap().categories(), 1);

    let zero = "customer_id,date,amount,qty,cat\n1,2024-01-01,10,0,x\n";
    let (line, column, _) = parse_error(read(&options, zero));
    assert_eq!((line, column.as_str()), (2, "qty"));
}

#[test]
fn quoted_fields_use_a_real_csv_parser() {
    let text = "customer_id,date,amount\n\"Smith, J.\",2024-01-01,\"1.50\"\n\"say \"\"hi\"\"\",2024-01-02,2\nplain,2024-01-03,3\n";
    let log = default_read(text).unwrap();
    assert_eq!(
        rows(&log),
        [
            ("Smith, J.".into(), day("2024-01-01"), dec("1.50")),
            ("say \"hi\"".into(), day("2024-01-02"), dec("2")),
            ("plain".into(), day("2024-01-03"), dec("3")),
        ]
    );
    // Line numbers stay right in quoted input.
    let bad = "customer_id,date,amount\n\"a\",2024-01-01,1\n\"b\",2024-01-01,x\n";
    let (line, column, _) = parse_error(default_read(bad));
    assert_eq!((line, column.as_str()), (3, "amount"));
}

#[test]
fn long_input_crosses_chunks_and_switches_to_quoted_parsing_late() {
    // About 3 MB: several of the reader's internal chunks; a quoted field
    // appears only near the end, and an error after it must name its line.
    let n = 120_000;
    let mut text = String::from("customer_id,date,amount\n");
    for i in 0..n {
        text.push_str(&format!(
            "{},2023-{:02}-{:02},{}.{:02}\n",
            i % 997,
            i % 12 + 1,
            i % 28 + 1,
            i % 500,
            i % 100
        ));
    }
    let clean = default_read(&text).unwrap();
    assert_eq!(clean.len(), n);
    assert_eq!(
        clean.transactions()[n - 1].customer(),
        CustomerId::new(((n - 1) % 997) as u64)
    );
    assert_eq!(
        clean.transactions()[n - 1].amount(),
        dec(&format!("{}.{:02}", (n - 1) % 500, (n - 1) % 100))
    );

    text.push_str("\"5\",2023-01-01,1\n5,2023-01-01,oops\n");
    let (line, column, _) = parse_error(default_read(&text));
    assert_eq!((line, column.as_str()), (n as u64 + 3, "amount"));
}

#[test]
fn byte_order_mark_is_ignored() {
    let log = default_read("\u{feff}customer_id,date,amount\n1,2024-01-01,1\n").unwrap();
    assert_eq!(log.len(), 1);
}

#[test]
fn auto_ids_numeric() {
    let log =
        default_read("customer_id,date,amount\n01,2024-01-01,1\n1,2024-01-02,1\n42,2024-01-03,1\n")
            .unwrap();
    // A leading zero makes the column text: `01` and `1` are two customers.
    let labels: Vec<_> = rows(&log).into_iter().map(|r| r.0).collect();
    assert_eq!(labels, ["01", "1", "42"]);
    assert_ne!(
        log.transactions()[0].customer(),
        log.transactions()[1].customer()
    );
    let log =
        default_read("customer_id,date,amount\n1,2024-01-01,1\n1,2024-01-02,1\n42,2024-01-03,1\n")
            .unwrap();
    let ids: Vec<_> = log
        .transactions()
        .iter()
        .map(|t| t.customer().get())
        .collect();
    assert_eq!(ids, [1, 1, 42], "canonical numbers are the ids themselves");
    assert!(log.customer_names().is_empty());
}

#[test]
fn auto_ids_strings() {
    let log = default_read(
        "customer_id,date,amount\nalice,2024-01-01,1\nbob,2024-01-02,1\nalice,2024-01-03,1\n",
    )
    .unwrap();
    let labels: Vec<_> = rows(&log).into_iter().map(|r| r.0).collect();
    assert_eq!(labels, ["alice", "bob", "alice"]);
    assert_eq!(log.customer_names().len(), 2);
    assert_eq!(
        log.transactions()[0].customer(),
        log.transactions()[2].customer()
    );
}

#[test]
fn auto_ids_mixed_lose_nothing() {
    // Numbers first, then a name: the numbers read so far are re-mapped.
    let text = "customer_id,date,amount\n\
                7,2024-01-01,1\n\
                0012,2024-01-02,2\n\
                7,2024-01-03,3\n\
                carol,2024-01-04,4\n\
                12,2024-01-05,5\n\
                99,2024-01-06,6\n";
    let log = default_read(text).unwrap();
    assert_eq!(log.len(), 6, "every row kept");
    let labels: Vec<_> = rows(&log).into_iter().map(|r| r.0).collect();
    assert_eq!(
        labels,
        ["7", "0012", "7", "carol", "12", "99"],
        "every id keeps its spelling"
    );
    let distinct: BTreeSet<_> = log.transactions().iter().map(|t| t.customer()).collect();
    assert_eq!(distinct.len(), 5, "7, 0012, 12, carol, 99");
    assert_eq!(log.customer_names().len(), 5);
    let amounts: Vec<_> = log.transactions().iter().map(|t| t.amount()).collect();
    assert_eq!(amounts, (1..=6).map(Decimal::from).collect::<Vec<_>>());

    let summary = Summarizer::builder(day("2024-01-31"))
        .build()
        .unwrap()
        .summarize(log.transactions())
        .unwrap();
    assert_eq!(summary.len(), 5);
    let seven = log.transactions()[0].customer();
    assert_eq!(summary.get(seven).unwrap().frequency(), 1);
}

#[test]
fn id_kind_numeric_and_string() {
    let numeric = CsvOptions::builder()
        .id_kind(IdKind::Numeric)
        .build()
        .unwrap();
    let (line, column, reason) = parse_error(read(
        &numeric,
        "customer_id,date,amount\n1,2024-01-01,1\nx1,2024-01-01,1\n",
    ));
    assert_eq!((line, column.as_str()), (3, "customer_id"));
    assert!(reason.contains("x1"), "{reason}");
    let too_big = "customer_id,date,amount\n18446744073709551616,2024-01-01,1\n";
    assert_eq!(parse_error(read(&numeric, too_big)).0, 2);

    let strings = CsvOptions::builder()
        .id_kind(IdKind::String)
        .build()
        .unwrap();
    let log = read(
        &strings,
        "customer_id,date,amount\n7,2024-01-01,1\n007,2024-01-01,1\n7,2024-01-02,1\n",
    )
    .unwrap();
    let ids: Vec<_> = log.transactions().iter().map(|t| t.customer()).collect();
    assert_eq!(ids[0], ids[2]);
    assert_ne!(ids[0], ids[1], "as strings, 7 and 007 are two customers");
    assert_eq!(log.customer_label(ids[1]), "007");
}

#[test]
fn errors_name_line_and_column() {
    let header = "customer_id,date,amount\n";
    let cases = [
        // (input after the header, line, column, text in the reason)
        ("1,2024-01-01,1\n1,2024-02-30,1\n", 3, "date", "2024-02-30"),
        (
            "1,2024-01-01,1\n1,2024-01-02,1\n1,01/03/2024,1\n",
            4,
            "date",
            "01/03/2024",
        ),
        ("1,2024-01-01,12.3.4\n", 2, "amount", "12.3.4"),
        ("1,2024-01-01,\n", 2, "amount", "decimal"),
        ("1,2024-01-01,$5\n", 2, "amount", "$5"),
        ("1,2024-01-01,1\n1,2024-01-02\n", 3, "amount", "found 2"),
        ("1,2024-01-01,1\n1\n", 3, "date", "found 1"),
        ("1,2024-01-01,1,extra\n", 2, "4", "found 4"),
        (",2024-01-01,1\n", 2, "customer_id", "empty"),
    ];
    for (body, line, column, needle) in cases {
        let (l, c, reason) = parse_error(default_read(&format!("{header}{body}")));
        assert_eq!((l, c.as_str()), (line, column), "{body:?}: {reason}");
        assert!(
            reason.contains(needle),
            "{body:?}: {reason:?} should mention {needle:?}"
        );
    }

    // A header without a requested column: line 1, named.
    let (line, column, reason) =
        parse_error(default_read("customer,date,amount\n1,2024-01-01,1\n"));
    assert_eq!((line, column.as_str()), (1, "customer_id"));
    assert!(reason.contains("customer_id"), "{reason}");
    // A position past the end of a headerless line.
    let options = CsvOptions::builder()
        .header(false)
        .amount_column(Column::Position(5))
        .build()
        .unwrap();
    let (line, column, _) = parse_error(read(&options, "1,2024-01-01,1\n"));
    assert_eq!((line, column.as_str()), (1, "5"));
    // The message reads well.
    let err = default_read("customer_id,date,amount\n1,2024-13-01,1\n").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("line 2, column date: invalid date \"2024-13-01\""),
        "{err}"
    );
}

#[test]
fn options_are_checked_by_build() {
    let invalid = |r: Result<CsvOptions, Error>| matches!(r, Err(Error::InvalidParameter { .. }));
    assert!(invalid(
        CsvOptions::builder()
            .delimiter(Delimiter::Byte(b'"'))
            .build()
    ));
    assert!(invalid(
        CsvOptions::builder()
            .header(false)
            .date_column("date")
            .build()
    ));
    assert!(invalid(
        CsvOptions::builder()
            .amount_column(Column::Position(0))
            .build()
    ));
    assert!(invalid(
        CsvOptions::builder().customer_column("amount").build()
    ));
    // The same field named two ways is found when the header is read.
    let twice = CsvOptions::builder()
        .amount_column(Column::Position(1))
        .build()
        .unwrap();
    let (line, column, reason) =
        parse_error(read(&twice, "customer_id,date,amount\n1,2024-01-01,1\n"));
    assert_eq!((line, column.as_str()), (1, "1"));
    assert!(reason.contains("both"), "{reason}");
}

#[test]
fn read_path_reports_missing_files() {
    let err = CsvOptions::default()
        .read_path("/no/such/dir/log.csv")
        .unwrap_err();
    let Error::Io { action, path, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(
        (*action, path.as_path()),
        ("open", std::path::Path::new("/no/such/dir/log.csv"))
    );
    assert!(err.to_string().contains("/no/such/dir/log.csv"), "{err}");
    // The operating system's error is the source, for callers that act on it.
    let source = std::error::Error::source(&err).expect("an io source");
    let io = source
        .downcast_ref::<customer_value::IoError>()
        .expect("the source is the crate's IoError");
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
}

#[test]
fn read_summary_path_reports_missing_files() {
    let err = customer_value::csv::read_summary_path("/no/such/dir/summary.csv").unwrap_err();
    assert!(
        matches!(&err, Error::Io { action: "open", source, .. } if source.kind() == std::io::ErrorKind::NotFound),
        "{err:?}"
    );
}

#[test]
fn write_summary_columns_order_and_holdout() {
    let text = "customer_id,date,amount\n\
                b,2024-01-01,10\n\
                a\"x,2024-01-05,4\n\
                b,2024-01-08,20.5\n\
                \"c,d\",2024-01-09,1\n\
                b,2024-02-10,6\n\
                e,2024-02-03,2\n";
    let log = default_read(text).unwrap();
    let summary = Summarizer::builder(day("2024-01-31"))
        .holdout_end(day("2024-02-29"))
        .build()
        .unwrap()
        .summarize(log.transactions())
        .unwrap();
    let mut out = Vec::new();
    write_summary(&mut out, &summary, &log).unwrap();
    let out = String::from_utf8(out).unwrap();
    let mut lines = out.lines();
    let mut header = SUMMARY_COLUMNS.join(",");
    header.push_str(",holdout_purchases,holdout_transactions,holdout_spend");
    header.push_str(",unit_days,observation_end,holdout_end");
    assert_eq!(lines.next(), Some(header.as_str()));
    assert_eq!(
        lines.collect::<Vec<_>>(),
        [
            "\"a\"\"x\",0,0,26,0,1,1,2024-01-05,2024-01-05,4.0,4.0,0,0,0,0,1,2024-01-31,2024-02-29",
            "b,1,7,30,20.5,2,2,2024-01-01,2024-01-08,30.5,15.250,0,1,1,6.0,1,2024-01-31,2024-02-29",
            "\"c,d\",0,0,22,0,1,1,2024-01-09,2024-01-09,1.0,1.0,0,0,0,0,1,2024-01-31,2024-02-29",
        ],
        "sorted by name, quoted where needed; money as Decimal shows it (the log's scale)"
    );

    let mut out = Vec::new();
    write_holdout_only(&mut out, &summary, &log).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "customer_id,first_purchase,holdout_purchases,holdout_transactions,holdout_spend\ne,2024-02-03,1,1,2.0\n"
    );
}

#[test]
fn write_summary_in_weeks_prints_shortest_floats() {
    let log =
        default_read("customer_id,date,amount\n10,2024-01-01,1\n10,2024-01-11,2\n9,2024-01-02,3\n")
            .unwrap();
    let summary = Summarizer::builder(day("2024-01-31"))
        .unit(TimeUnit::WEEK)
        .build()
        .unwrap()
        .summarize(log.transactions())
        .unwrap();
    let mut out = Vec::new();
    write_summary(&mut out, &summary, &log).unwrap();
    let out = String::from_utf8(out).unwrap();
    let rows: Vec<_> = out.lines().skip(1).collect();
    assert_eq!(
        rows[0],
        format!(
            "9,0,0,{},0,1,1,2024-01-02,2024-01-02,3,3,0,7,2024-01-31",
            29.0 / 7.0
        )
    );
    assert!(
        rows[1].starts_with(&format!("10,1,{},{},2,", 10.0 / 7.0, 30.0 / 7.0)),
        "{}",
        rows[1]
    );
}

/// CDNOW read with the whitespace options, summarised in days to
/// 1997-09-30, written with `write_summary`, and compared with Python
/// lifetimes' output (`tests/data/lifetimes_cdnow_summary_days.csv`, made by
/// `benches/peers/make_oracles.py`) for all 2,357 customers.
#[test]
fn cdnow_round_trip_matches_lifetimes() {
    let Some(data) = crate::support::data_dir() else {
        return;
    };
    let options = cdnow_options();
    let log = options
        .read_path(data.join("cdnow/CDNOW_sample.txt"))
        .unwrap();
    assert_eq!(log.len(), 6919);
    let summary = Summarizer::builder(day("1997-09-30"))
        .build()
        .unwrap()
        .summarize(log.transactions())
        .unwrap();
    let mut out = Vec::new();
    write_summary(&mut out, &summary, &log).unwrap();
    let ours = parse_summary(&String::from_utf8(out).unwrap());

    let oracle_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/lifetimes_cdnow_summary_days.csv"
    );
    let oracle = parse_summary(&std::fs::read_to_string(oracle_path).unwrap());
    assert_eq!(oracle.len(), 2357);
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        oracle.keys().collect::<Vec<_>>()
    );
    for (id, theirs) in &oracle {
        let mine = &ours[id];
        assert_eq!(
            mine[..3],
            theirs[..3],
            "customer {id}: frequency, recency, T"
        );
        let (a, b) = (mine[3], theirs[3]);
        assert!(
            a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()),
            "customer {id}: monetary_value {a} vs {b}"
        );
    }
}

/// `customer_id -> [frequency, recency, T, monetary_value]` from a summary
/// CSV with those columns first.
fn parse_summary(text: &str) -> BTreeMap<u64, [f64; 4]> {
    let mut lines = text.lines();
    let header: Vec<_> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        header[..5],
        ["customer_id", "frequency", "recency", "T", "monetary_value"]
    );
    lines
        .map(|line| {
            let f: Vec<_> = line.split(',').collect();
            let num = |i: usize| f[i].parse::<f64>().unwrap();
            (f[0].parse().unwrap(), [num(1), num(2), num(3), num(4)])
        })
        .collect()
}

/// A log as CSV text, as a user's export might write it: names with a comma
/// or quote are quoted.
fn to_csv(log: &[(String, Date, Decimal)]) -> String {
    let mut text = String::from("customer_id,date,amount\n");
    for (name, date, amount) in log {
        let name = if name.contains([',', '"']) {
            format!("\"{}\"", name.replace('"', "\"\""))
        } else {
            name.clone()
        };
        text.push_str(&format!("{name},{date},{amount}\n"));
    }
    text
}

fn small_log(
    names: impl Strategy<Value = String>,
) -> impl Strategy<Value = Vec<(String, Date, Decimal)>> {
    let date = (0i32..3000).prop_map(|d| Date::from_days_since_epoch(10_000 + d).unwrap());
    let amount = (-1_000_000i64..1_000_000).prop_map(|cents| Decimal::new(cents, 2));
    prop::collection::vec((names, date, amount), 0..60)
}

proptest! {
    #[test]
    fn numeric_logs_round_trip(log in small_log((0u64..40).prop_map(|n| n.to_string()))) {
        if log.is_empty() {
            // A header without data lines is refused.
            let refused = matches!(default_read(&to_csv(&log)), Err(Error::EmptyInput { .. }));
            prop_assert!(refused);
            return Ok(());
        }
        let read = default_read(&to_csv(&log)).unwrap();
        let expected: Vec<_> = log
            .iter()
            .map(|(id, date, amount)| Transaction::new(CustomerId::new(id.parse().unwrap()), *date, *amount))
            .collect();
        prop_assert_eq!(read.transactions(), &expected[..]);
        prop_assert!(read.customer_names().is_empty());
    }

    #[test]
    fn named_logs_round_trip(log in small_log("[a-c]{1,3}|[0-9]{1,2}|x,y|q\"t")) {
        if log.is_empty() {
            let refused = matches!(default_read(&to_csv(&log)), Err(Error::EmptyInput { .. }));
            prop_assert!(refused);
            return Ok(());
        }
        let read = default_read(&to_csv(&log)).unwrap();
        // Every id is kept as written under IdKind::Auto: `01` and `1` are
        // two customers (a leading zero makes the column text).
        let key = |s: &str| s.to_owned();
        let normal = |rows: Vec<(String, Date, Decimal)>| -> Vec<_> {
            rows.into_iter().map(|(name, date, amount)| (key(&name), date, amount)).collect()
        };
        prop_assert_eq!(normal(rows(&read)), normal(log.clone()));
        // Distinct names stay distinct customers.
        let names: BTreeSet<_> = log.iter().map(|r| key(&r.0)).collect();
        let ids: BTreeSet<_> = read.transactions().iter().map(|t| t.customer()).collect();
        prop_assert_eq!(names.len(), ids.len());
    }
}

/// `read_summary` gives back exactly the rows `write_summary` wrote: CDNOW
/// in weeks with a holdout (fractional t_x and T, 28-digit means).
#[test]
fn summary_csv_round_trip_on_cdnow_weeks_with_holdout() {
    let Some(data) = crate::support::data_dir() else {
        return;
    };
    let log = cdnow_options()
        .read_path(data.join("cdnow/CDNOW_sample.txt"))
        .unwrap();
    let summary = Summarizer::builder(day("1997-09-30"))
        .unit(TimeUnit::WEEK)
        .holdout_end(day("1998-06-30"))
        .build()
        .unwrap()
        .summarize(log.transactions())
        .unwrap();
    let mut out = Vec::new();
    write_summary(&mut out, &summary, &log).unwrap();
    let table = customer_value::csv::read_summary(out.as_slice()).unwrap();
    assert_eq!(table.len(), 2357);
    assert_eq!(table.customers(), summary.customers());
}

#[test]
fn summary_csv_with_string_ids_and_columns_in_any_order() {
    let text = "\
T,customer_id,frequency,recency,monetary_value,purchases,transactions,first_purchase,last_purchase,total_spend,extra
28,ann,1,7,40.50,2,2,2024-01-03,2024-01-10,50.50,x
26,bo,0,0,0,1,1,2024-01-05,2024-01-05,5,y
";
    let table = customer_value::csv::read_summary(text.as_bytes()).unwrap();
    assert_eq!(table.len(), 2);
    let ann = &table.customers()[0];
    assert_eq!(table.customer_label(ann.customer()), "ann");
    assert_eq!((ann.frequency(), ann.t_x(), ann.age()), (1, 7.0, 28.0));
    assert_eq!(ann.repeat_spend(), dec("40.50"));
    assert_eq!(ann.mean_spend(), dec("25.25"));
    assert_eq!(table.customer_label(table.customers()[1].customer()), "bo");
}

#[test]
fn summary_csv_errors_name_line_and_column() {
    let header = "customer_id,frequency,recency,T,monetary_value,purchases,transactions,first_purchase,last_purchase,total_spend\n";
    let read = |rows: &str| customer_value::csv::read_summary(format!("{header}{rows}").as_bytes());
    // Missing column.
    let err =
        customer_value::csv::read_summary("customer_id,frequency\n1,0\n".as_bytes()).unwrap_err();
    assert!(matches!(err, Error::Parse { line: 1, ref column, .. } if column == "recency"));
    // Not a number.
    let err = read("1,0,0,x,0,1,1,2024-01-01,2024-01-01,5\n").unwrap_err();
    assert!(matches!(err, Error::Parse { line: 2, ref column, .. } if column == "T"));
    // purchases must be frequency + 1.
    let err =
        read("1,0,0,3,0,1,1,2024-01-01,2024-01-01,5\n2,1,1,3,4,3,2,2024-01-01,2024-01-02,9\n")
            .unwrap_err();
    assert!(matches!(err, Error::Parse { line: 3, ref column, .. } if column == "purchases"));
    // t_x > T.
    let err = read("1,1,4,3,4,2,2,2024-01-01,2024-01-05,9\n").unwrap_err();
    assert!(matches!(err, Error::InvalidValue { .. }), "{err}");
    // zbar that does not match the totals.
    let err = read("1,1,1,3,7,2,2,2024-01-01,2024-01-02,5\n").unwrap_err();
    assert!(matches!(err, Error::InvalidValue { .. }), "{err}");
}

/// A European spreadsheet export (semicolons, `dd.mm.yyyy` dates, decimal
/// commas) reads as the same log written the usual way; a point, which
/// could be a thousands separator, is refused with the line, and a decimal
/// comma without the option is named as such.
#[test]
fn decimal_comma_export_reads_as_the_plain_log() {
    let european = "kunde;datum;betrag\n\
                    007;05.01.2024;12,50\n\
                    7;31.03.2024;-3,5\n\
                    007;01.02.2024;1234\n\
                    8;29.02.2024;\"0,000001\"\n";
    let plain = "customer_id,date,amount\n\
                 007,2024-01-05,12.50\n\
                 7,2024-03-31,-3.5\n\
                 007,2024-02-01,1234\n\
                 8,2024-02-29,0.000001\n";
    let options = CsvOptions::builder()
        .delimiter(Delimiter::Byte(b';'))
        .customer_column("kunde")
        .date_column("datum")
        .amount_column("betrag")
        .date_format(customer_value::csv::DateFormat::new("%d.%m.%Y").unwrap())
        .id_kind(IdKind::String)
        .decimal_comma(true)
        .build()
        .unwrap();
    let strings = CsvOptions::builder()
        .id_kind(IdKind::String)
        .build()
        .unwrap();
    assert_eq!(
        rows(&read(&options, european).unwrap()),
        rows(&read(&strings, plain).unwrap())
    );
    assert_eq!(
        read(&options, european).unwrap().transactions()[3].amount(),
        Decimal::new(1, 6)
    );

    let thousands = european.replace("1234", "1.234,00");
    let (line, column, reason) = parse_error(read(&options, &thousands));
    assert_eq!((line, column.as_str()), (4, "betrag"));
    assert!(reason.contains("thousands"), "{reason}");
    let empty = european.replace("12,50", "");
    let (line, _, reason) = parse_error(read(&options, &empty));
    assert_eq!(line, 2);
    assert!(reason.contains("empty field"), "{reason}");

    let without = CsvOptions::builder()
        .delimiter(Delimiter::Byte(b';'))
        .customer_column("kunde")
        .date_column("datum")
        .amount_column("betrag")
        .date_format(customer_value::csv::DateFormat::new("%d.%m.%Y").unwrap())
        .build()
        .unwrap();
    let (line, column, reason) = parse_error(read(&without, european));
    assert_eq!((line, column.as_str()), (2, "betrag"));
    assert!(reason.contains("decimal comma"), "{reason}");
    assert!(reason.contains("--decimal-comma"), "{reason}");
    // Options round-trip through serde with the new field.
    let json = serde_json::to_string(&options).unwrap();
    assert_eq!(serde_json::from_str::<CsvOptions>(&json).unwrap(), options);
    let old = json.replace(",\"decimal_comma\":true", "");
    assert!(
        !serde_json::from_str::<CsvOptions>(&old)
            .unwrap()
            .decimal_comma()
    );
}

/// A log without a data line is refused with `Error::EmptyInput`, from a
/// reader and from a path alike: 0 bytes, blank lines, a byte-order mark
/// alone, or a header alone (with or without its line end).
#[test]
fn empty_and_header_only_logs_are_refused() {
    let dir = std::env::temp_dir().join(format!("cv-csv-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        ("", false),
        ("\n\n", false),
        ("\u{feff}", false),
        ("customer_id,date,amount\n", true),
        ("customer_id,date,amount", true),
        ("\u{feff}customer_id,date,amount\r\n\r\n", true),
    ];
    for (i, (text, header)) in cases.into_iter().enumerate() {
        let from_reader = CsvOptions::default().read(text.as_bytes());
        let path = dir.join(format!("log{i}.csv"));
        std::fs::write(&path, text).unwrap();
        let from_path = CsvOptions::default().read_path(&path);
        for got in [from_reader, from_path] {
            match got {
                Err(Error::EmptyInput { what, needs }) => {
                    assert_eq!(what, "a transaction log");
                    assert_eq!(needs.contains("header"), header, "{text:?}: {needs}");
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }
    // A headerless file needs one line; a file whose rows all fall after
    // the observation end is not empty (its rows are excluded later).
    let headerless = CsvOptions::builder().header(false).build().unwrap();
    assert!(matches!(
        headerless.read("".as_bytes()),
        Err(Error::EmptyInput { .. })
    ));
    assert_eq!(
        headerless
            .read("7,2024-01-01,3\n".as_bytes())
            .unwrap()
            .len(),
        1
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Under `IdKind::Auto` an id with a leading zero makes the column text:
/// `007`, `07`, `7` and `0` are four customers, each labelled as written,
/// wherever the zero-padded id appears in the file; `IdKind::Numeric`
/// reads them by value (two customers); a file of canonical numbers stays
/// numeric.
#[test]
fn ids_with_leading_zeros_stay_distinct_under_auto() {
    let file = |ids: &[&str]| {
        let mut text = String::from("customer_id,date,amount\n");
        for (i, id) in ids.iter().enumerate() {
            text.push_str(&format!("{id},2024-01-{:02},{}\n", i + 1, i + 1));
        }
        text
    };
    let labels = |log: &TransactionLog| -> BTreeSet<String> {
        log.transactions()
            .iter()
            .map(|t| log.customer_label(t.customer()).into_owned())
            .collect()
    };
    for ids in [
        ["7", "007", "07", "0", "7"],
        ["007", "7", "0", "07", "007"],
        ["0", "7", "7", "07", "007"],
    ] {
        let log = default_read(&file(&ids)).unwrap();
        let want: BTreeSet<String> = ids.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(labels(&log), want, "{ids:?}");
        let distinct: BTreeSet<_> = log.transactions().iter().map(|t| t.customer()).collect();
        assert_eq!(distinct.len(), 4, "{ids:?}");
        // Each row keeps its own spelling.
        for (t, id) in log.transactions().iter().zip(ids) {
            assert_eq!(log.customer_label(t.customer()), id);
        }
        let numeric = CsvOptions::builder()
            .id_kind(IdKind::Numeric)
            .build()
            .unwrap()
            .read(file(&ids).as_bytes())
            .unwrap();
        let by_value: BTreeSet<_> = numeric
            .transactions()
            .iter()
            .map(|t| t.customer())
            .collect();
        assert_eq!(by_value, [CustomerId::new(0), CustomerId::new(7)].into());
    }
    let canonical = default_read(&file(&["7", "0", "10", "7"])).unwrap();
    assert!(canonical.customer_names().is_empty());
    assert_eq!(canonical.transactions()[2].customer(), CustomerId::new(10));
}

/// A summary written from a log with `007` and `7` reads back with both
/// customers, on the hand-split path and on the general one (a quoted
/// field), and so does a customer table.
#[test]
fn summary_and_customer_table_readers_keep_leading_zero_ids() {
    let log = default_read(
        "customer_id,date,amount\n7,2024-01-03,10\n007,2024-01-04,20\n7,2024-02-03,30\n",
    )
    .unwrap();
    let summary = Summarizer::builder(day("2024-12-31"))
        .build()
        .unwrap()
        .summarize(log.transactions())
        .unwrap();
    let mut out = Vec::new();
    write_summary(&mut out, &summary, &log).unwrap();
    let plain = String::from_utf8(out).unwrap();
    let quoted = plain.replacen("\n007,", "\n\"007\",", 1);
    assert_ne!(plain, quoted);
    for text in [&plain, &quoted] {
        let table = customer_value::csv::read_summary(text.as_bytes()).unwrap();
        assert_eq!(table.len(), 2, "{text}");
        let labels: BTreeSet<String> = table
            .customers()
            .iter()
            .map(|c| table.customer_label(c.customer()).into_owned())
            .collect();
        assert_eq!(labels, ["007".to_owned(), "7".to_owned()].into());
        let frequencies: Vec<u32> = table.customers().iter().map(|c| c.frequency()).collect();
        assert_eq!(frequencies, [0, 1], "{text}");
    }
    let customers = "customer_id,recency_days,number_of_orders,revenue\n7,3,2,10\n007,5,1,4\n";
    let table = customer_value::csv::read_customer_table(
        customers.as_bytes(),
        &customer_value::csv::CustomerTableColumns::default(),
    )
    .unwrap();
    assert_eq!(table.rows().len(), 2);
    let labels: Vec<_> = table
        .rows()
        .iter()
        .map(|r| table.customer_label(r.customer()).into_owned())
        .collect();
    assert_eq!(labels, ["7", "007"]);
}

/// A log of customer and date only reads with `amounts(false)` (every
/// amount 0), its summary is written without money columns and reads back
/// without spend, with the same x, t_x, T as the log with amounts; the
/// streaming summary refuses it rather than write zeros as spend.
#[test]
fn logs_without_amounts_summarise_without_money() {
    let with = "customer_id,date,amount\n7,2024-01-03,10\n9,2024-01-05,4\n7,2024-02-10,5\n";
    let without = "customer_id,date\n7,2024-01-03\n9,2024-01-05\n7,2024-02-10\n";
    let summarizer = Summarizer::builder(day("2024-03-31")).build().unwrap();
    let options = CsvOptions::builder().amounts(false).build().unwrap();
    assert!(!options.has_amounts());
    // The default still needs the column, and names it.
    assert!(matches!(
        default_read(without),
        Err(Error::Parse { line: 1, ref column, .. }) if column == "amount"
    ));
    let log = options.read(without.as_bytes()).unwrap();
    assert!(log.transactions().iter().all(|t| t.amount().is_zero()));
    let summary = summarizer.summarize(log.transactions()).unwrap();
    let reference = summarizer
        .summarize(default_read(with).unwrap().transactions())
        .unwrap();
    let xs = |s: &customer_value::Summary| -> Vec<(u32, f64, f64)> {
        s.customers()
            .iter()
            .map(|c| (c.frequency(), c.t_x(), c.age()))
            .collect()
    };
    assert_eq!(xs(&summary), xs(&reference));
    let mut out = Vec::new();
    customer_value::csv::write_summary_without_spend(&mut out, &summary, &log).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        !text.contains("monetary_value") && !text.contains("spend"),
        "{text}"
    );
    let table = customer_value::csv::read_summary(text.as_bytes()).unwrap();
    assert_eq!(
        table.layout(),
        customer_value::csv::SummaryLayout::Btyd { spend: false }
    );
    assert!(!table.layout().has_repeat_spend());
    let read_back: Vec<(u32, f64, f64)> = table
        .customers()
        .iter()
        .map(|c| (c.frequency(), c.t_x(), c.age()))
        .collect();
    assert_eq!(read_back, xs(&reference));
    let streamed = customer_value::csv::StreamingSummarizer::new(options, summarizer).prepare(
        without.as_bytes(),
        None,
        &mut |_| {},
    );
    assert!(matches!(
        streamed,
        Err(Error::InvalidParameter { name: "csv", .. })
    ));
}
