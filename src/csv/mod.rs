//! Reading transaction logs from CSV, and writing summaries back to CSV.
//!
//! [`CsvOptions`] says how a file is laid out: the [`Delimiter`] (one byte,
//! or runs of whitespace as in CDNOW's file), whether there is a header,
//! which [`Column`]s hold the customer, date and amount (and optionally a
//! quantity and a product category), and how customer ids are read
//! ([`IdKind`]). [`CsvOptions::read`] and [`CsvOptions::read_path`] turn the
//! file into a [`TransactionLog`]. Every bad field is an [`Error::Parse`]
//! naming its line and column.
//!
//! [`write_summary`] writes a [`Summary`] as CSV, one row per customer, with
//! the columns of Python lifetimes' `summary_data_from_transaction_data`
//! first, and the summary's unit and dates as trailing columns;
//! [`read_summary`] reads it back, and also reads the summaries of Python
//! lifetimes, R BTYD and CLVTools; [`write_holdout_only`] writes the
//! customers first seen in the holdout period.
//!
//! [`write_distinct_rows`] and [`read_distinct_rows`] (and the `_spend`
//! pair) carry a fit's sufficient statistics: customer counts per distinct
//! `(x, t_x, T)` or `(x, z̄)`, as any engine's `GROUP BY` makes them.
//! Purchase rows are `frequency,recency,T,count` (the R names `x`,
//! `t.x`/`t_x`, `T.cal` are read too, and `n`, `weight` or `customers` for
//! the count); spend rows `frequency,monetary_value,count` (also `x`,
//! `m.x`, `zbar`). Both may end with `unit_days,observation_end`, written
//! when known and checked to be the same on every row when read. Times are
//! written in the shortest round-trip form and money as exact decimals, so
//! a file read back fits to the same bits.
//!
//! [`StreamingSummarizer`] summarises logs larger than memory, in a
//! bounded budget, into the same bytes as [`write_summary`] (and, with the
//! feature `parquet`, reads Parquet logs too).
//!
//! # Example
//! ```
//! use customer_value::csv::CsvOptions;
//! use customer_value::{CustomerId, Date, Decimal, Error, Summarizer};
//!
//! let file = "\
//! customer_id,date,amount
//! 7,2024-01-03,10.00
//! 7,2024-01-10,40.50
//! 9,2024-01-05,5
//! ";
//! let log = CsvOptions::default().read(file.as_bytes())?;
//! assert_eq!(log.len(), 3);
//! let t = log.transactions()[1];
//! assert_eq!((t.customer(), t.date()), (CustomerId::new(7), Date::parse("2024-01-10")?));
//! assert_eq!(t.amount(), Decimal::new(4050, 2));
//!
//! let summary = Summarizer::builder(Date::parse("2024-01-31")?).build()?.summarize(log.transactions())?;
//! let mut out = Vec::new();
//! customer_value::csv::write_summary(&mut out, &summary, &log)?;
//! let text = String::from_utf8(out)?;
//! assert!(text.starts_with("customer_id,frequency,recency,T,monetary_value,"));
//! assert_eq!(text.lines().nth(1), Some("7,1,7,28,40.50,2,2,2024-01-03,2024-01-10,50.50,25.25,0,1,2024-01-31"));
//!
//! // A bad field names its line and column.
//! let bad = "customer_id,date,amount\n7,2024-01-03,10\n7,2024-13-01,10\n";
//! let err = CsvOptions::default().read(bad.as_bytes()).unwrap_err();
//! assert!(matches!(err, Error::Parse { line: 3, ref column, .. } if column == "date"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Reading CDNOW
//! Fader and Hardie's CDNOW sample is whitespace separated without a
//! header: `master_id sample_id date number_of_cds dollar_value`.
//! ```
//! use customer_value::csv::{Column, CsvOptions, Delimiter, IdKind};
//! use customer_value::{CustomerId, Decimal};
//!
//! let cdnow = " 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n";
//! let options = CsvOptions::builder()
//!     .delimiter(Delimiter::Whitespace)
//!     .header(false)
//!     .customer_column(Column::Position(2))
//!     .date_column(Column::Position(3))
//!     .amount_column(Column::Position(5))
//!     .quantity_column(Column::Position(4))
//!     .id_kind(IdKind::Numeric) // "0001" is customer 1 (the default keeps the text "0001")
//!     .build()?;
//! let log = options.read(cdnow.as_bytes())?;
//! assert_eq!(log.transactions()[0].customer(), CustomerId::new(1));
//! assert_eq!(log.transactions()[1].amount(), Decimal::new(2973, 2));
//! assert_eq!(log.transactions()[1].quantity(), Some(2));
//! # Ok::<(), customer_value::Error>(())
//! ```
//!
//! [`TransactionLog`]: crate::TransactionLog
//! [`Error::Parse`]: crate::Error::Parse
//! [`Summary`]: crate::Summary

mod customers;
mod date_format;
mod options;
#[cfg(feature = "parquet")]
mod parquet;
mod parse;
mod read;
mod row;
mod rows;
mod sink;
mod stream;
mod summary;
mod write;

pub use customers::{
    CustomerRow, CustomerTable, CustomerTableColumns, read_customer_table, read_customer_table_path,
};
pub use date_format::DateFormat;
pub use options::{Column, CsvOptions, CsvOptionsBuilder, Delimiter, IdKind};
pub use rows::{
    DISTINCT_ROW_COLUMNS, DISTINCT_SPEND_COLUMNS, DistinctRowsTable, DistinctSpendTable,
    SummaryRows, read_distinct_rows, read_distinct_rows_path, read_distinct_spend,
    read_distinct_spend_path, read_summary_rows, read_summary_rows_path, write_distinct_rows,
    write_distinct_spend,
};
pub use stream::{
    DEFAULT_MEMORY, Phase, PreparedSummary, Progress, StreamReport, StreamingSummarizer,
};
pub use summary::{SummaryLayout, SummaryMetadata, SummaryTable, read_summary, read_summary_path};
pub use write::{
    HOLDOUT_COLUMNS, HOLDOUT_ONLY_COLUMNS, METADATA_COLUMNS, SUMMARY_COLUMNS, SummaryFormat,
    write_holdout_only, write_holdout_only_with, write_summary, write_summary_with,
    write_summary_without_spend,
};
