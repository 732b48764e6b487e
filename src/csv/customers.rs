//! Reading pre-aggregated customer tables: one row per customer with the
//! time since the last order, the number of orders and the revenue, the
//! input of the R `rfm` package's `rfm_table_customer`.

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

use rust_decimal::Decimal;

use super::options::Column;
use crate::error::{Error, Result};
use crate::model::{CustomerId, Date, Interner};

/// Which columns of a customer table hold what. The defaults are the R
/// `rfm` package's names in its `rfm_data_customer` data:
/// `customer_id`, `recency_days`, `number_of_orders`, `revenue`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerTableColumns {
    /// The customer id.
    pub customer: Column,
    /// The time since the last order (in days for the `rfm` package; any
    /// unit, kept as given).
    pub recency: Column,
    /// The number of orders (at least 1).
    pub orders: Column,
    /// The revenue (total spend).
    pub revenue: Column,
    /// Instead of `recency`: the column of the last order's date
    /// (`YYYY-MM-DD` or `YYYYMMDD`) and the analysis date; recency is then
    /// the days from the one to the other, as the R `rfm` package's
    /// `rfm_table_customer_2` computes it. A last order after the analysis
    /// date is an error.
    pub last_order: Option<(Column, Date)>,
}

impl Default for CustomerTableColumns {
    fn default() -> CustomerTableColumns {
        CustomerTableColumns {
            customer: Column::name("customer_id"),
            recency: Column::name("recency_days"),
            orders: Column::name("number_of_orders"),
            revenue: Column::name("revenue"),
            last_order: None,
        }
    }
}

/// One customer of a pre-aggregated table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CustomerRow {
    customer: CustomerId,
    recency: f64,
    orders: u32,
    revenue: Decimal,
}

impl CustomerRow {
    /// The customer.
    pub fn customer(&self) -> CustomerId {
        self.customer
    }

    /// Time since the last order, as the file gave it (finite, ≥ 0).
    pub fn recency(&self) -> f64 {
        self.recency
    }

    /// Number of orders (≥ 1).
    pub fn orders(&self) -> u32 {
        self.orders
    }

    /// Revenue (total spend).
    pub fn revenue(&self) -> Decimal {
        self.revenue
    }
}

/// A pre-aggregated customer table, rows in file order, with the customer
/// names when the ids are not all numbers.
#[derive(Debug, Clone, Default)]
pub struct CustomerTable {
    rows: Vec<CustomerRow>,
    names: Interner,
}

impl CustomerTable {
    /// The rows, in file order.
    pub fn rows(&self) -> &[CustomerRow] {
        &self.rows
    }

    /// The customer's id as the file wrote it.
    pub fn customer_label(&self, id: CustomerId) -> Cow<'_, str> {
        self.names.customer_label(id)
    }

    /// The names when the ids are not all numbers; empty otherwise.
    pub fn customer_names(&self) -> &Interner {
        &self.names
    }
}

/// Reads a pre-aggregated customer table (comma separated, with a
/// header): for each customer the time since the last order, the number of
/// orders and the revenue, in the columns `columns` names.
///
/// Ids are kept as numbers when every id is one, else interned as names.
///
/// # Errors
/// - [`Error::Parse`] with the line and column of a missing column (listing
///   the header's columns), a field that is not a number or date, a
///   negative or non-finite recency, a last order after the analysis date, a number of orders below 1, or a repeated
///   customer;
/// - [`Error::Io`] (empty path) when the reader fails.
///
/// # Example
/// ```
/// use customer_value::csv::{read_customer_table, CustomerTableColumns};
///
/// let text = "customer_id,revenue,most_recent_visit,number_of_orders,recency_days\n22086,777,2006-05-14,9,232\n2290,1555,2006-09-08,16,115\n";
/// let table = read_customer_table(text.as_bytes(), &CustomerTableColumns::default())?;
/// let first = table.rows()[0];
/// assert_eq!((first.recency(), first.orders(), first.revenue().to_string()), (232.0, 9, "777".to_owned()));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn read_customer_table<R: Read>(
    mut input: R,
    columns: &CustomerTableColumns,
) -> Result<CustomerTable> {
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("read", "", e))?;
    read_bytes(&bytes, columns)
}

/// [`read_customer_table`] of a file.
///
/// # Errors
/// [`Error::Io`] with the path when the file cannot be read; as
/// [`read_customer_table`] otherwise.
pub fn read_customer_table_path(
    path: impl AsRef<Path>,
    columns: &CustomerTableColumns,
) -> Result<CustomerTable> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
    read_bytes(&bytes, columns)
}

fn read_bytes(bytes: &[u8], columns: &CustomerTableColumns) -> Result<CustomerTable> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    let parse_error = |e: ::csv::Error, line: u64| Error::Parse {
        line: e.position().map_or(line, |p| p.line()),
        column: String::new(),
        reason: e.to_string(),
    };
    let header = reader.headers().map_err(|e| parse_error(e, 1))?.clone();
    let find = |column: &Column, role: &str| -> Result<usize> {
        let at = match column {
            Column::Name(name) => header.iter().position(|h| h.trim() == name),
            Column::Position(p) => p.checked_sub(1).filter(|&i| i < header.len()),
        };
        at.ok_or_else(|| Error::Parse {
            line: 1,
            column: match column {
                Column::Name(name) => name.clone(),
                Column::Position(p) => p.to_string(),
            },
            reason: format!(
                "missing {role} column; the header has {}",
                header
                    .iter()
                    .map(|h| format!("{:?}", h.trim()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
    };
    let recency_column = match &columns.last_order {
        Some((column, _)) => find(column, "last order date")?,
        None => find(&columns.recency, "recency")?,
    };
    let at = [
        find(&columns.customer, "customer id")?,
        recency_column,
        find(&columns.orders, "number of orders")?,
        find(&columns.revenue, "revenue")?,
    ];
    let records = reader
        .records()
        .enumerate()
        .map(|(i, r)| r.map_err(|e| parse_error(e, i as u64 + 2)))
        .collect::<Result<Vec<_>>>()?;
    // Numbers unless an id is not one or has a leading zero (then text,
    // kept as written: `007` and `7` are two customers).
    let numeric = records.iter().all(|r| {
        r.get(at[0]).is_some_and(|id| {
            let id = id.trim();
            id.parse::<u64>().is_ok() && !super::sink::leading_zero(id.as_bytes())
        })
    });
    let mut table = CustomerTable::default();
    let mut seen = rustc_hash::FxHashSet::default();
    for (i, record) in records.iter().enumerate() {
        let line = record.position().map_or(i as u64 + 2, |p| p.line());
        let field = |k: usize| -> (&str, &str) {
            (
                header.get(at[k]).unwrap_or("").trim(),
                record.get(at[k]).unwrap_or("").trim(),
            )
        };
        let bad = |(column, text): (&str, &str), what: &str| Error::Parse {
            line,
            column: column.to_owned(),
            reason: format!("{what}, got {text:?}"),
        };
        let id = field(0);
        if id.1.is_empty() {
            return Err(bad(id, "empty customer id"));
        }
        let customer = if numeric {
            CustomerId::new(id.1.parse().map_err(|_| bad(id, "not a number"))?)
        } else {
            CustomerId::new(u64::from(table.names.try_intern(id.1)?))
        };
        if !seen.insert(customer) {
            return Err(bad(id, "customer listed twice"));
        }
        let recency = field(1);
        let recency_value: f64 = match &columns.last_order {
            Some((_, as_of)) => {
                let last = Date::parse(recency.1)
                    .map_err(|e| bad(recency, &format!("expected a date ({e})")))?;
                let days = as_of.days_since(last);
                if days < 0 {
                    return Err(bad(
                        recency,
                        &format!("the last order is after the analysis date {as_of}"),
                    ));
                }
                f64::from(days)
            }
            None => recency
                .1
                .parse()
                .ok()
                .filter(|r: &f64| r.is_finite() && *r >= 0.0)
                .ok_or_else(|| bad(recency, "expected a time since the last order >= 0"))?,
        };
        let orders = field(2);
        let orders_value: u32 = orders
            .1
            .parse::<u32>()
            .ok()
            .or_else(|| {
                orders.1.parse::<f64>().ok().and_then(|x| {
                    (x.fract() == 0.0 && x >= 0.0 && x <= f64::from(u32::MAX)).then_some(x as u32)
                })
            })
            .filter(|&n| n >= 1)
            .ok_or_else(|| bad(orders, "expected a whole number of orders >= 1"))?;
        let revenue = field(3);
        let revenue_value: Decimal = crate::parse_decimal_exact(revenue.1)
            .map_err(|_| bad(revenue, "expected a decimal amount of at most 28 digits"))?;
        table.rows.push(CustomerRow {
            customer,
            recency: recency_value,
            orders: orders_value,
            revenue: revenue_value,
        });
    }
    Ok(table)
}
