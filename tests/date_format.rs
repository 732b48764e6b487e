//! Integration tests: logs whose dates are not ISO 8601 (`12/1/2010 8:26`,
//! as in the UCI Online Retail log) read with a `csv::DateFormat` give the
//! same summary as the same log written with ISO dates, in memory and
//! streamed.

use customer_value::csv::{CsvOptions, DateFormat, StreamingSummarizer, write_summary};
use customer_value::{Date, Error, Summarizer};
use proptest::prelude::*;

/// A seeded log of `rows` lines, once with ISO dates and once with US
/// dates and times of day (month and day unpadded, as spreadsheets write
/// them), with other tools' column names.
fn logs(seed: u64, rows: usize) -> (String, String) {
    let header = "InvoiceNo,CustomerID,InvoiceDate,Revenue\n";
    let (mut iso, mut us) = (header.to_owned(), header.to_owned());
    let mut state = seed | 1;
    let mut next = move |n: u64| {
        // xorshift64*: enough for a test log
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    };
    let start = Date::parse("2010-12-01").unwrap().days_since_epoch();
    for i in 0..rows {
        let customer = 12_000 + next(40);
        let date = Date::from_days_since_epoch(start + next(373) as i32).unwrap();
        let cents = next(50_000);
        let (hour, minute) = (next(24), next(60));
        let (y, m, d) = (date.year(), date.month(), date.day());
        iso.push_str(&format!(
            "{i},{customer},{date} {hour:02}:{minute:02},{}.{:02}\n",
            cents / 100,
            cents % 100
        ));
        us.push_str(&format!(
            "{i},{customer},{m}/{d}/{y} {hour}:{minute:02},{}.{:02}\n",
            cents / 100,
            cents % 100
        ));
    }
    (iso, us)
}

fn options(format: Option<&str>) -> CsvOptions {
    let mut builder = CsvOptions::builder()
        .customer_column("CustomerID")
        .date_column("InvoiceDate")
        .amount_column("Revenue");
    if let Some(format) = format {
        builder = builder.date_format(DateFormat::new(format).unwrap());
    }
    builder.build().unwrap()
}

fn in_memory(csv: &CsvOptions, summarizer: &Summarizer, text: &str) -> Result<Vec<u8>, Error> {
    let log = csv.read(text.as_bytes())?;
    let summary = summarizer.summarize(log.transactions())?;
    let mut out = Vec::new();
    write_summary(&mut out, &summary, &log).expect("writing to a Vec");
    Ok(out)
}

fn streamed(csv: &CsvOptions, summarizer: &Summarizer, text: &str) -> Result<Vec<u8>, Error> {
    let prepared = StreamingSummarizer::new(csv.clone(), *summarizer)
        .partitions(3)
        .buffer_size(512)
        .prepare(text.as_bytes(), Some(text.len() as u64), &mut |_| {})?;
    let mut out = Vec::new();
    prepared.write_summary(&mut out).expect("writing to a Vec");
    Ok(out)
}

#[test]
fn us_dates_summarise_as_iso_dates() {
    let summarizer = Summarizer::builder(Date::parse("2011-12-09").unwrap())
        .build()
        .unwrap();
    let (iso, us) = logs(7, 2_000);
    let want = in_memory(&options(None), &summarizer, &iso).unwrap();
    assert!(want.len() > 1_000);
    let us_options = options(Some("%m/%d/%Y"));
    assert_eq!(in_memory(&us_options, &summarizer, &us).unwrap(), want);
    assert_eq!(streamed(&us_options, &summarizer, &us).unwrap(), want);
    // The ISO log also reads with an explicit ISO format.
    let iso_options = options(Some("%Y-%m-%d"));
    assert_eq!(streamed(&iso_options, &summarizer, &iso).unwrap(), want);
}

#[test]
fn a_date_in_another_shape_names_its_line_in_both_paths() {
    let summarizer = Summarizer::builder(Date::parse("2011-12-09").unwrap())
        .build()
        .unwrap();
    let (_, mut us) = logs(3, 500);
    us.push_str("9999,12001,2011-03-04 10:00,5.00\n");
    let csv = options(Some("%m/%d/%Y"));
    for result in [
        in_memory(&csv, &summarizer, &us),
        streamed(&csv, &summarizer, &us),
    ] {
        let err = result.unwrap_err();
        assert!(
            matches!(err, Error::Parse { line: 502, ref column, ref reason, .. }
                if column == "InvoiceDate" && reason.contains("%m/%d/%Y")),
            "{err}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    /// Any seeded log: the US-dated copy summarises to the same bytes as
    /// the ISO one, streamed in small buffers.
    #[test]
    fn any_log_reads_the_same(seed in any::<u64>(), rows in 1usize..300) {
        let summarizer = Summarizer::builder(Date::parse("2011-12-09").unwrap()).build().unwrap();
        let (iso, us) = logs(seed, rows);
        let want = in_memory(&options(None), &summarizer, &iso).unwrap();
        prop_assert_eq!(streamed(&options(Some("%m/%d/%Y")), &summarizer, &us).unwrap(), want);
    }
}
