//! SQL functions for [`customer_value`] in [DataFusion](https://datafusion.apache.org):
//! the per-customer summary of a transaction log as an aggregate function,
//! and the buy-till-you-die predictors as scalar functions, for Rust
//! services that query their logs in-process.
//!
//! - [`CvSummary`] (`cv_summary(date, amount, observation_end)`): the
//!   `(x, t_x, T)` and spend of each customer, equal to the crate's
//!   [`Summarizer`](customer_value::Summarizer) in days, whatever the
//!   partitioning, batch size or row order.
//! - [`Predictor`]: `P(alive)`, expected purchases and lifetime value for
//!   BG/NBD, MBG/NBD and Pareto/NBD, and Gamma-Gamma expected spend, with
//!   the fitted parameters as arguments; see [`Quantity`] for the list.
//!
//! Call [`register`] once on a session.
//!
//! # Money
//!
//! Amounts are read exactly from `DECIMAL(p, s)` (or integer) columns, and
//! from `DOUBLE` columns through each value's shortest round-trip decimal
//! text (`12.3` is exactly 12.3), as the crate's Python binding does. Sums
//! are exact decimals; a sum that a 28-digit decimal cannot hold is an
//! error, never a rounding. Spend comes back as `DECIMAL(38, s)` for
//! decimal input and as the nearest `DOUBLE` for float input; the mean
//! repeat spend (`monetary_value`) as `DECIMAL(76, 28)`, which holds the
//! crate's decimal quotient exactly.
//!
//! # Example
//!
//! ```
//! use customer_value_datafusion::register;
//! use datafusion::arrow::array::AsArray;
//! use datafusion::arrow::datatypes::{Float64Type, Int64Type};
//! use datafusion::prelude::SessionContext;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> datafusion::error::Result<()> {
//! let ctx = SessionContext::new();
//! register(&ctx);
//! ctx.sql(
//!     "CREATE TABLE tx (customer_id BIGINT, date DATE, amount DECIMAL(10, 2)) AS VALUES
//!      (1, DATE '2024-01-03', 10.00), (1, DATE '2024-01-10', 40.00),
//!      (1, DATE '2024-01-10', 20.00), (2, DATE '2024-01-20', 5.50)",
//! )
//! .await?;
//! let summary = ctx
//!     .sql(
//!         "SELECT customer_id, cv_summary(date, amount, DATE '2024-01-31') AS s
//!          FROM tx GROUP BY customer_id ORDER BY customer_id",
//!     )
//!     .await?;
//! ctx.register_table("summary", summary.into_view())?;
//! let scored = ctx
//!     .sql(
//!         "SELECT customer_id, s.x AS x, s.t_x AS t_x, s.age AS age,
//!                 cv_bgnbd_p_alive(0.243, 4.414, 0.793, 2.426, s.x, s.t_x, s.age) AS p_alive
//!          FROM summary ORDER BY customer_id",
//!     )
//!     .await?
//!     .collect()
//!     .await?;
//! let column = |name: &str| scored[0].column_by_name(name).unwrap().clone();
//! // Customer 1 bought on 3 and 10 January (twice): one repeat occasion.
//! assert_eq!(column("x").as_primitive::<Int64Type>().values(), &[1, 0]);
//! assert_eq!(column("t_x").as_primitive::<Float64Type>().values(), &[7.0, 0.0]);
//! assert_eq!(column("age").as_primitive::<Float64Type>().values(), &[28.0, 11.0]);
//! let p_alive = column("p_alive").as_primitive::<Float64Type>().values().to_vec();
//! assert!(p_alive[0] > 0.0 && p_alive[0] < 1.0 && p_alive[1] == 1.0);
//! # Ok(())
//! # }
//! ```

mod money;
mod predict;
mod summary;

pub use predict::{Model, Predictor, Quantity};
pub use summary::{CvSummary, SUMMARY};

use datafusion::logical_expr::{AggregateUDF, ScalarUDF};
use datafusion::prelude::SessionContext;

/// The summary aggregate, [`CvSummary`].
pub fn summary_udaf() -> AggregateUDF {
    AggregateUDF::from(CvSummary::new())
}

/// Every predictor, one scalar function per [`Quantity`].
pub fn predictor_udfs() -> Vec<ScalarUDF> {
    Quantity::all()
        .into_iter()
        .map(|q| ScalarUDF::from(Predictor::new(q)))
        .collect()
}

/// Registers `cv_summary` and every predictor on `ctx`.
pub fn register(ctx: &SessionContext) {
    ctx.register_udaf(summary_udaf());
    for f in predictor_udfs() {
        ctx.register_udf(f);
    }
}
