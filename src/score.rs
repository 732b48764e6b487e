//! The shapes every scorer shares.
//!
//! Two kinds of scorer cover the textbook formulas:
//!
//! - a [`Scorer`] scores one customer from that customer's input and fixed
//!   parameters (a CLV formula, a weighted index, a fitted RFM scorer);
//! - a [`Fit`] learns from a population (cut points for RFM quantiles, ABC
//!   tiers, the pyramid) and returns a [`Scorer`] that can be stored,
//!   serialised and applied to new customers later.
//!
//! Both work on plain slices, so the same code scores a `Vec` in a service,
//! a shard on another machine, or a column batch handed over by a query
//! engine. Results in bulk keep the input order and, through [`Keyed`],
//! carry the customer id ([`Scored`]).
//!
//! Both traits are dyn-compatible: a service can hold
//! `Box<dyn Scorer<Input = CustomerSummary, Score = f64>>` and swap the
//! scorer at run time.
//!
//! # Writing your own scorer
//!
//! ```
//! use customer_value::{
//!     CustomerId, CustomerSummary, Date, Decimal, Error, Keyed, Scorer, Summarizer,
//!     Transaction,
//! };
//!
//! /// Spend per week of relationship: a made-up score for the example.
//! struct SpendPerWeek;
//!
//! impl Scorer for SpendPerWeek {
//!     type Input = CustomerSummary;
//!     type Score = Decimal;
//!
//!     fn score(&self, row: &CustomerSummary) -> Result<Decimal, Error> {
//!         let weeks = Decimal::try_from(row.age().max(1.0)).map_err(|_| Error::InvalidValue {
//!             what: "customer age",
//!             reason: format!("not representable: {}", row.age()),
//!         })?;
//!         Ok((row.total_spend() / weeks).round_dp(2))
//!     }
//! }
//!
//! let c = CustomerId::new(7);
//! let log = [
//!     Transaction::new(c, Date::parse("2024-01-01")?, Decimal::new(30, 0)),
//!     Transaction::new(c, Date::parse("2024-01-15")?, Decimal::new(10, 0)),
//! ];
//! let summary = Summarizer::builder(Date::parse("2024-01-29")?)
//!     .unit(customer_value::TimeUnit::WEEK)
//!     .build()?
//!     .summarize(&log)?;
//!
//! // One customer, or a whole slice with the ids attached.
//! let scorer: Box<dyn Scorer<Input = CustomerSummary, Score = Decimal>> = Box::new(SpendPerWeek);
//! assert_eq!(scorer.score(&summary.customers()[0])?, Decimal::new(10, 0));
//! let scored = scorer.score_keyed(summary.customers())?;
//! assert_eq!((scored[0].customer, scored[0].score), (c, Decimal::new(10, 0)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::{CustomerId, CustomerSummary, Result};

/// Input rows that name their customer, so bulk results can carry the id.
pub trait Keyed {
    /// The customer this row describes.
    fn customer(&self) -> CustomerId;
}

impl Keyed for CustomerSummary {
    fn customer(&self) -> CustomerId {
        CustomerSummary::customer(self)
    }
}

impl<T: Keyed + ?Sized> Keyed for &T {
    fn customer(&self) -> CustomerId {
        (**self).customer()
    }
}

/// A score together with the customer it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Scored<S> {
    /// The customer.
    pub customer: CustomerId,
    /// Their score.
    pub score: S,
}

/// Scores one customer from that customer's input and fixed parameters.
///
/// Implement [`score`](Scorer::score); override
/// [`score_into`](Scorer::score_into) when a slice can be scored faster
/// than one call per row (hoisting a constant multiple, say). The provided
/// bulk methods keep the input order.
pub trait Scorer {
    /// What one customer's score is computed from.
    type Input;
    /// The score.
    type Score;

    /// Scores one customer.
    ///
    /// # Errors
    ///
    /// Whatever the scorer rejects; each implementation lists its cases.
    fn score(&self, input: &Self::Input) -> Result<Self::Score>;

    /// Appends the score of every input to `out`, in input order.
    ///
    /// On error `out` may hold the scores of the inputs before the bad one;
    /// nothing after it is appended.
    ///
    /// # Errors
    ///
    /// The first error [`score`](Scorer::score) returns.
    fn score_into(&self, inputs: &[Self::Input], out: &mut Vec<Self::Score>) -> Result<()> {
        out.reserve(inputs.len());
        for input in inputs {
            out.push(self.score(input)?);
        }
        Ok(())
    }

    /// Scores a slice, in input order.
    ///
    /// # Errors
    ///
    /// The first error [`score`](Scorer::score) returns.
    fn score_all(&self, inputs: &[Self::Input]) -> Result<Vec<Self::Score>> {
        let mut out = Vec::with_capacity(inputs.len());
        self.score_into(inputs, &mut out)?;
        Ok(out)
    }

    /// Scores a slice and attaches each row's customer id.
    ///
    /// # Errors
    ///
    /// The first error [`score`](Scorer::score) returns.
    fn score_keyed(&self, inputs: &[Self::Input]) -> Result<Vec<Scored<Self::Score>>>
    where
        Self::Input: Keyed,
    {
        let scores = self.score_all(inputs)?;
        Ok(inputs
            .iter()
            .zip(scores)
            .map(|(input, score)| Scored {
                customer: input.customer(),
                score,
            })
            .collect())
    }
}

impl<T: Scorer + ?Sized> Scorer for &T {
    type Input = T::Input;
    type Score = T::Score;
    fn score(&self, input: &Self::Input) -> Result<Self::Score> {
        (**self).score(input)
    }
    fn score_into(&self, inputs: &[Self::Input], out: &mut Vec<Self::Score>) -> Result<()> {
        (**self).score_into(inputs, out)
    }
}

impl<T: Scorer + ?Sized> Scorer for Box<T> {
    type Input = T::Input;
    type Score = T::Score;
    fn score(&self, input: &Self::Input) -> Result<Self::Score> {
        (**self).score(input)
    }
    fn score_into(&self, inputs: &[Self::Input], out: &mut Vec<Self::Score>) -> Result<()> {
        (**self).score_into(inputs, out)
    }
}

/// Learns from a population and returns a [`Scorer`] for individuals.
///
/// The configuration (bins, tie rule, cut points) is `self`; the fitted
/// scorer holds what was learnt (thresholds, totals) and nothing that
/// borrows the population, so it can be stored, serialised and applied to
/// customers who were not in it.
pub trait Fit {
    /// One member of the population.
    type Input;
    /// The scorer fitting returns.
    type Fitted: Scorer<Input = Self::Input>;

    /// Fits on `population`.
    ///
    /// # Errors
    ///
    /// Whatever the method rejects (an empty population where it needs
    /// one, say); each implementation lists its cases.
    fn fit(&self, population: &[Self::Input]) -> Result<Self::Fitted>;
}

impl<T: Fit + ?Sized> Fit for &T {
    type Input = T::Input;
    type Fitted = T::Fitted;
    fn fit(&self, population: &[Self::Input]) -> Result<Self::Fitted> {
        (**self).fit(population)
    }
}

impl<T: Fit + ?Sized> Fit for Box<T> {
    type Input = T::Input;
    type Fitted = T::Fitted;
    fn fit(&self, population: &[Self::Input]) -> Result<Self::Fitted> {
        (**self).fit(population)
    }
}

/// Rows per thread below which a bulk path stays on the calling thread:
/// starting a thread costs about as much as scoring this many rows.
const ROWS_PER_THREAD: usize = 100_000;

/// Maps `inputs` through `f` into `out`, in input order, on up to all cores
/// for large slices. The result never depends on the thread count; on error
/// it is the first error in input order, and `out` is left as it was.
pub(crate) fn par_map_into<T, S, F>(inputs: &[T], out: &mut Vec<S>, f: F) -> Result<()>
where
    T: Sync,
    S: Send,
    F: Fn(&T) -> Result<S> + Sync,
{
    // Asking for the core count reads cgroup files on Linux (tens of
    // microseconds), so calls too small to split never ask.
    let threads = if inputs.len() < 2 * ROWS_PER_THREAD {
        1
    } else {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        cores.min(inputs.len() / ROWS_PER_THREAD).max(1)
    };
    if threads == 1 {
        let start = out.len();
        out.reserve(inputs.len());
        for input in inputs {
            match f(input) {
                Ok(score) => out.push(score),
                Err(e) => {
                    out.truncate(start);
                    return Err(e);
                }
            }
        }
        return Ok(());
    }
    let chunk = inputs.len().div_ceil(threads);
    let f = &f;
    let parts: Vec<Result<Vec<S>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = inputs
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Result<Vec<S>>>()))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let parts = parts.into_iter().collect::<Result<Vec<_>>>()?;
    out.reserve(inputs.len());
    for part in parts {
        out.extend(part);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn par_map_keeps_order_and_reports_the_first_error() {
        let inputs: Vec<u64> = (0..350_000).collect();
        let mut out = vec![7];
        par_map_into(&inputs, &mut out, |&x| Ok(x * 2)).unwrap();
        assert_eq!(out.len(), 350_001);
        assert!(out[1..].iter().enumerate().all(|(i, &y)| y == 2 * i as u64));

        let mut out = vec![7];
        let err = par_map_into(&inputs, &mut out, |&x| {
            if x == 120_000 || x == 300_000 {
                Err(Error::InvalidValue {
                    what: "x",
                    reason: x.to_string(),
                })
            } else {
                Ok(x)
            }
        })
        .unwrap_err();
        assert!(matches!(err, Error::InvalidValue { ref reason, .. } if reason == "120000"));
        assert_eq!(out, vec![7]);
    }
}
