//! The FedEx quarter-weighted contribution score.

use rustc_hash::FxHashMap;

use crate::{CustomerId, Date, Decimal, Error, Result, Scored, Scorer, Transaction};

/// The FedEx teaching case's contribution score: spend per quarter,
/// weighted by how recent the quarter is.
///
/// ```text
/// contribution = Σ_k w_k · spend_k      k = 1 the most recent quarter
/// default w = [2, 1]:  2 · (spend in the last 3 months) + (spend 3-6 months ago)
/// ```
///
/// The weights are any non-empty list of non-negative decimals, most
/// recent quarter first. Source: [quarter-weighted contribution](crate::rfm::spec#quarter-weighted-contribution) (FedEx variant, a
/// Chinese teaching case; only the contribution score, not the
/// clustering).
///
/// # Errors
///
/// [`QuarterWeighted::new`] rejects an empty weight list and a negative
/// weight with [`Error::InvalidParameter`]; deserialising checks the same.
///
/// # Example
///
/// ```
/// use customer_value::{Decimal, rfm::QuarterWeighted};
///
/// // 300 in the last quarter, 500 in the one before (rfm::spec, worked example): 2·300 + 500.
/// let fedex = QuarterWeighted::default();
/// let score = fedex.contribution(&[Decimal::new(300, 0), Decimal::new(500, 0)])?;
/// assert_eq!(score, Decimal::new(1100, 0));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawWeights"))]
pub struct QuarterWeighted {
    #[cfg_attr(feature = "serde", serde(with = "str_vec"))]
    weights: Vec<Decimal>,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawWeights {
    #[serde(with = "str_vec")]
    weights: Vec<Decimal>,
}

#[cfg(feature = "serde")]
impl TryFrom<RawWeights> for QuarterWeighted {
    type Error = Error;
    fn try_from(raw: RawWeights) -> Result<Self> {
        QuarterWeighted::new(raw.weights)
    }
}

/// A list of decimals as a list of strings.
#[cfg(feature = "serde")]
mod str_vec {
    use crate::Decimal;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(transparent)]
    struct Str(#[serde(with = "rust_decimal::serde::str")] Decimal);

    pub(super) fn serialize<S: Serializer>(v: &[Decimal], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|d| Str(*d)))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Decimal>, D::Error> {
        Ok(Vec::<Str>::deserialize(d)?
            .into_iter()
            .map(|s| s.0)
            .collect())
    }
}

impl Default for QuarterWeighted {
    /// The FedEx weights `[2, 1]`.
    fn default() -> Self {
        Self {
            weights: vec![Decimal::TWO, Decimal::ONE],
        }
    }
}

impl QuarterWeighted {
    /// Checks and builds the score with these weights, most recent quarter
    /// first.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (`"quarter weights"`) when `weights` is
    /// empty or any weight is negative.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, rfm::QuarterWeighted};
    ///
    /// let yearly = QuarterWeighted::new(vec![Decimal::new(4, 0), Decimal::new(3, 0), Decimal::TWO, Decimal::ONE])?;
    /// assert_eq!(yearly.weights().len(), 4);
    /// assert!(QuarterWeighted::new(vec![]).is_err());
    /// assert!(QuarterWeighted::new(vec![Decimal::NEGATIVE_ONE]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(weights: Vec<Decimal>) -> Result<Self> {
        if let Some(bad) = weights
            .iter()
            .find(|w| w.is_sign_negative() && !w.is_zero())
        {
            return Err(Error::InvalidParameter {
                name: "quarter weights",
                value: bad.to_string(),
                reason: "every weight must be non-negative",
            });
        }
        if weights.is_empty() {
            return Err(Error::InvalidParameter {
                name: "quarter weights",
                value: "[]".to_owned(),
                reason: "needs at least one quarter",
            });
        }
        Ok(Self { weights })
    }

    /// The weights, most recent quarter first.
    pub fn weights(&self) -> &[Decimal] {
        &self.weights
    }

    /// The contribution of one customer's spend per quarter, most recent
    /// first: `Σ w_k · spend_k`.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidParameter`] (`"quarter spends"`) when `spends`
    ///   does not hold one value per weight;
    /// - [`Error::Overflow`] when a product or the sum leaves `Decimal`'s
    ///   range.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, rfm::QuarterWeighted};
    ///
    /// let fedex = QuarterWeighted::default();
    /// assert_eq!(fedex.contribution(&[Decimal::ZERO, Decimal::new(80, 0)])?, Decimal::new(80, 0));
    /// assert!(fedex.contribution(&[Decimal::ONE]).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn contribution(&self, spends: &[Decimal]) -> Result<Decimal> {
        if spends.len() != self.weights.len() {
            return Err(Error::InvalidParameter {
                name: "quarter spends",
                value: format!("{} quarters", spends.len()),
                reason: "needs one spend per weight",
            });
        }
        self.weights
            .iter()
            .zip(spends)
            .try_fold(Decimal::ZERO, |acc, (w, s)| {
                w.checked_mul(*s).and_then(|t| acc.checked_add(t))
            })
            .ok_or(Error::Overflow {
                what: "quarter-weighted contribution",
            })
    }

    /// Every customer's contribution, computed from a transaction log.
    ///
    /// Quarter `k` (1 = most recent) is the window of three calendar months
    /// `(D − 3k months, D − 3(k−1) months]` ending on the analysis date `D`
    /// (inclusive); `D − 3k months` keeps D's day of month, clamped to the
    /// month's last day (from 31 May: 29 February, 30 November, …).
    /// Purchases after `D` are ignored; amounts are summed as given, so
    /// refunds (negative amounts) are netted.
    ///
    /// Every customer with a transaction on or before `D` gets a row, with
    /// contribution 0 when all their purchases are older than the weighted
    /// quarters; the rows are sorted by customer id.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when a quarter's spend or a contribution leaves
    /// `Decimal`'s range.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{CustomerId, Date, Decimal, Transaction, rfm::QuarterWeighted};
    ///
    /// let (a, b) = (CustomerId::new(1), CustomerId::new(2));
    /// let t = |c, d: &str, x| Ok::<_, customer_value::Error>(Transaction::new(c, Date::parse(d)?, Decimal::new(x, 0)));
    /// let log = [
    ///     t(b, "2024-06-30", 300)?, // last quarter: (2024-03-30, 2024-06-30]
    ///     t(b, "2024-03-30", 500)?, // the quarter before: (2023-12-30, 2024-03-30]
    ///     t(a, "2023-12-30", 999)?, // older than both quarters: a scores 0
    ///     t(a, "2024-07-01", 999)?, // after the analysis date: ignored
    /// ];
    /// let scores = QuarterWeighted::default().contributions(&log, Date::parse("2024-06-30")?)?;
    /// assert_eq!((scores[0].customer, scores[0].score), (a, Decimal::ZERO));
    /// assert_eq!((scores[1].customer, scores[1].score), (b, Decimal::new(1100, 0)));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn contributions(
        &self,
        transactions: &[Transaction],
        analysis_date: Date,
    ) -> Result<Vec<Scored<Decimal>>> {
        let q = self.weights.len();
        // bounds[k] = D − 3k months (days since the epoch); quarter k + 1 is
        // (bounds[k + 1], bounds[k]].
        let bounds: Vec<i64> = (0..=q).map(|k| months_back(analysis_date, k)).collect();
        let end = i64::from(analysis_date.days_since_epoch());
        let oldest = bounds.last().copied().unwrap_or(end);
        let mut index: FxHashMap<CustomerId, usize> = FxHashMap::default();
        let mut customers: Vec<CustomerId> = Vec::new();
        let mut spends: Vec<Decimal> = Vec::new();
        let overflow = || Error::Overflow {
            what: "quarter spend",
        };
        for t in transactions {
            let day = i64::from(t.date().days_since_epoch());
            if day > end {
                continue;
            }
            let slot = *index.entry(t.customer()).or_insert_with(|| {
                customers.push(t.customer());
                spends.resize(spends.len() + q, Decimal::ZERO);
                customers.len() - 1
            });
            if day <= oldest {
                continue;
            }
            // the first k with day > bounds[k + 1]
            let k = bounds
                .get(1..)
                .and_then(|rest| rest.iter().position(|&b| day > b))
                .unwrap_or(0);
            let cell = spends.get_mut(slot * q + k).ok_or_else(overflow)?;
            *cell = cell.checked_add(t.amount()).ok_or_else(overflow)?;
        }
        let mut out = customers
            .iter()
            .enumerate()
            .map(|(i, &customer)| {
                let row = spends.get(i * q..(i + 1) * q).unwrap_or_default();
                Ok(Scored {
                    customer,
                    score: self.contribution(row)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        out.sort_unstable_by_key(|s| s.customer);
        Ok(out)
    }
}

/// `date` minus `3 · quarters` calendar months, the day of month clamped
/// to the month's length, as days since 1970-01-01; `i64::MIN` when that
/// falls before year 1 (before every [`Date`]).
fn months_back(date: Date, quarters: usize) -> i64 {
    let back = i64::try_from(quarters)
        .unwrap_or(i64::MAX)
        .saturating_mul(3);
    let months = i64::from(date.year()) * 12 + i64::from(date.month()) - 1 - back;
    let (year, month) = (months.div_euclid(12), months.rem_euclid(12) + 1);
    let (Ok(year), Ok(month)) = (i32::try_from(year), u8::try_from(month)) else {
        return i64::MIN;
    };
    if year < 1 {
        return i64::MIN;
    }
    // the day, or the month's last day when it is shorter (every month has 28)
    let mut day = date.day();
    loop {
        if let Ok(d) = Date::from_ymd(year, month, day) {
            return i64::from(d.days_since_epoch());
        }
        if day <= 28 {
            return i64::MIN;
        }
        day -= 1;
    }
}

/// The contribution of one customer's spend per quarter, most recent first
/// (see [`QuarterWeighted::contribution`]).
impl Scorer for QuarterWeighted {
    type Input = Vec<Decimal>;
    type Score = Decimal;

    fn score(&self, spends: &Vec<Decimal>) -> Result<Decimal> {
        self.contribution(spends)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn new_valid_and_invalid() {
        let q = QuarterWeighted::new(vec![Decimal::ZERO]).unwrap();
        assert_eq!(q.weights(), [Decimal::ZERO]);
        assert_eq!(
            QuarterWeighted::default().weights(),
            [Decimal::TWO, Decimal::ONE]
        );
        assert!(matches!(
            QuarterWeighted::new(vec![]),
            Err(Error::InvalidParameter {
                name: "quarter weights",
                ..
            })
        ));
        assert!(matches!(
            QuarterWeighted::new(vec![Decimal::ONE, Decimal::new(-1, 1)]),
            Err(Error::InvalidParameter {
                name: "quarter weights",
                ..
            })
        ));
    }

    #[test]
    fn contribution_errors() {
        let q = QuarterWeighted::default();
        assert!(matches!(
            q.contribution(&[Decimal::ONE; 3]),
            Err(Error::InvalidParameter {
                name: "quarter spends",
                ..
            })
        ));
        assert!(matches!(
            q.contribution(&[Decimal::MAX, Decimal::ZERO]),
            Err(Error::Overflow { .. })
        ));
    }

    #[test]
    fn months_back_clamps_to_month_end() {
        let back = |d: &str, k| Date::from_days_since_epoch(months_back(day(d), k) as i32).unwrap();
        assert_eq!(back("2024-05-31", 0), day("2024-05-31"));
        assert_eq!(back("2024-05-31", 1), day("2024-02-29"));
        assert_eq!(back("2024-05-31", 2), day("2023-11-30"));
        assert_eq!(back("2023-05-30", 1), day("2023-02-28"));
        assert_eq!(back("2024-03-15", 1), day("2023-12-15"));
        assert_eq!(back("2024-01-29", 4), day("2023-01-29"));
        assert_eq!(months_back(day("0001-02-01"), 1), i64::MIN);
        assert_eq!(months_back(day("9999-12-31"), usize::MAX), i64::MIN);
    }
}
