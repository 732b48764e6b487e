//! Per-customer inputs of the models, validated (FORMULAS.md 8.0), and the
//! compression of identical rows into weights (8.8).

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rustc_hash::FxHashMap;

use crate::{CustomerId, CustomerSummary, Error, Keyed, Result};

/// One customer's purchase history for the continuous-time models:
/// `x` repeat purchases, the last at `t_x`, observed until `T` (the
/// customer's age), both measured from the first purchase in any one time
/// unit (FORMULAS.md 8.0).
///
/// Invariants: `0 ≤ t_x ≤ T`, `T > 0`, both finite; `x = 0` requires
/// `t_x = 0`, and `x > 0` requires `t_x > 0`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "CustomerHistoryRecord", into = "CustomerHistoryRecord")
)]
pub struct CustomerHistory {
    customer: CustomerId,
    x: u32,
    t_x: f64,
    age: f64,
}

impl CustomerHistory {
    /// A validated history.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`], naming the customer, when `T` is not a
    /// finite number > 0, `t_x` is not finite or outside `[0, T]`, `x = 0`
    /// with `t_x ≠ 0`, or `x > 0` with `t_x = 0` (all repeats at the first
    /// purchase instant, which lifetimes silently accepts \[L\]).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::CustomerId;
    /// use customer_value::btyd::CustomerHistory;
    ///
    /// let h = CustomerHistory::new(CustomerId::new(1), 2, 30.43, 38.86)?;
    /// assert_eq!((h.x(), h.t_x(), h.age()), (2, 30.43, 38.86));
    /// assert!(CustomerHistory::new(CustomerId::new(2), 3, 0.0, 38.86).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(customer: CustomerId, x: u32, t_x: f64, age: f64) -> Result<Self> {
        let bad = |reason: String| Error::InvalidValue {
            what: "customer history",
            reason: format!("customer {customer}: {reason}"),
        };
        if !(age.is_finite() && age > 0.0) {
            return Err(bad(format!("T must be finite and > 0, got {age}")));
        }
        if !(t_x.is_finite() && t_x >= 0.0 && t_x <= age) {
            return Err(bad(format!("t_x must be in [0, T = {age}], got {t_x}")));
        }
        if x == 0 && t_x != 0.0 {
            return Err(bad(format!("t_x must be 0 when x = 0, got {t_x}")));
        }
        if x > 0 && t_x == 0.0 {
            return Err(bad(format!(
                "x = {x} repeat purchases need t_x > 0, got t_x = 0"
            )));
        }
        Ok(Self {
            customer,
            x,
            t_x,
            age,
        })
    }

    /// The history of a summarised customer: `x` = [`frequency`], `t_x`,
    /// `T` = [`age`].
    ///
    /// [`frequency`]: CustomerSummary::frequency
    /// [`age`]: CustomerSummary::age
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new); in particular a customer observed for no time
    /// (`T = 0`) is rejected.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{CustomerId, Date, Decimal, Summarizer, TimeUnit, Transaction};
    /// use customer_value::btyd::CustomerHistory;
    ///
    /// let c = CustomerId::new(1);
    /// let log = [
    ///     Transaction::new(c, Date::parse("2024-01-01")?, Decimal::new(10, 0)),
    ///     Transaction::new(c, Date::parse("2024-01-15")?, Decimal::new(10, 0)),
    /// ];
    /// let summary = Summarizer::builder(Date::parse("2024-01-29")?)
    ///     .unit(TimeUnit::WEEK)
    ///     .build()?
    ///     .summarize(&log)?;
    /// let h = CustomerHistory::from_summary(&summary.customers()[0])?;
    /// assert_eq!((h.x(), h.t_x(), h.age()), (1, 2.0, 4.0));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn from_summary(summary: &CustomerSummary) -> Result<Self> {
        Self::new(
            summary.customer(),
            summary.frequency(),
            summary.t_x(),
            summary.age(),
        )
    }

    /// The customer.
    pub fn customer(&self) -> CustomerId {
        self.customer
    }

    /// `x`: the number of repeat purchases.
    pub fn x(&self) -> u32 {
        self.x
    }

    /// `t_x`: the time of the last purchase, from the first.
    pub fn t_x(&self) -> f64 {
        self.t_x
    }

    /// `T`: the time from the first purchase to the end of calibration.
    pub fn age(&self) -> f64 {
        self.age
    }
}

impl TryFrom<&CustomerSummary> for CustomerHistory {
    type Error = Error;
    fn try_from(summary: &CustomerSummary) -> Result<Self> {
        Self::from_summary(summary)
    }
}

impl Keyed for CustomerHistory {
    fn customer(&self) -> CustomerId {
        self.customer
    }
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct CustomerHistoryRecord {
    customer: CustomerId,
    x: u32,
    t_x: f64,
    #[serde(rename = "T")]
    age: f64,
}

#[cfg(feature = "serde")]
impl From<CustomerHistory> for CustomerHistoryRecord {
    fn from(h: CustomerHistory) -> Self {
        Self {
            customer: h.customer,
            x: h.x,
            t_x: h.t_x,
            age: h.age,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<CustomerHistoryRecord> for CustomerHistory {
    type Error = Error;
    fn try_from(r: CustomerHistoryRecord) -> Result<Self> {
        Self::new(r.customer, r.x, r.t_x, r.age)
    }
}

/// One customer's spend for the Gamma-Gamma model: `x` repeat purchases
/// with mean value `z̄` (FORMULAS.md 8.0, 8.5).
///
/// `z̄` is exact money ([`Decimal`]) at the boundary; the model computes in
/// `f64`. Invariants: `x ≥ 1` requires `z̄ > 0`; `x = 0` (no repeat
/// purchase, so no mean) requires `z̄ ≥ 0` and ignores it.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "SpendHistoryRecord", into = "SpendHistoryRecord")
)]
pub struct SpendHistory {
    customer: CustomerId,
    x: u32,
    zbar: Decimal,
    zbar_f: f64,
}

impl SpendHistory {
    /// A validated spend history.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`], naming the customer, when `x ≥ 1` and
    /// `z̄ ≤ 0`, when `z̄ < 0`, or when `z̄` has no finite `f64` value.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{CustomerId, Decimal};
    /// use customer_value::btyd::SpendHistory;
    ///
    /// let s = SpendHistory::new(CustomerId::new(1), 2, Decimal::new(2235, 2))?;
    /// assert_eq!((s.x(), s.zbar()), (2, Decimal::new(2235, 2)));
    /// assert!(SpendHistory::new(CustomerId::new(2), 1, Decimal::ZERO).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(customer: CustomerId, x: u32, zbar: Decimal) -> Result<Self> {
        let bad = |reason: String| Error::InvalidValue {
            what: "spend history",
            reason: format!("customer {customer}: {reason}"),
        };
        if zbar.is_sign_negative() && !zbar.is_zero() {
            return Err(bad(format!("zbar must be >= 0, got {zbar}")));
        }
        if x > 0 && zbar.is_zero() {
            return Err(bad(format!(
                "zbar must be > 0 when x = {x} repeat purchases, got {zbar}"
            )));
        }
        let zbar_f = zbar
            .to_f64()
            .filter(|v| v.is_finite())
            .ok_or_else(|| bad(format!("zbar has no f64 value: {zbar}")))?;
        Ok(Self {
            customer,
            x,
            zbar,
            zbar_f,
        })
    }

    /// The spend history of a summarised customer: `x` = [`frequency`],
    /// `z̄` = [`zbar`].
    ///
    /// [`frequency`]: CustomerSummary::frequency
    /// [`zbar`]: CustomerSummary::zbar
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new): a repeat buyer whose repeat purchases sum to
    /// zero or less is rejected.
    pub fn from_summary(summary: &CustomerSummary) -> Result<Self> {
        Self::new(summary.customer(), summary.frequency(), summary.zbar())
    }

    /// The customer.
    pub fn customer(&self) -> CustomerId {
        self.customer
    }

    /// `x`: the number of repeat purchases.
    pub fn x(&self) -> u32 {
        self.x
    }

    /// `z̄`: the mean value of the repeat purchases.
    pub fn zbar(&self) -> Decimal {
        self.zbar
    }

    pub(crate) fn zbar_f64(&self) -> f64 {
        self.zbar_f
    }
}

impl TryFrom<&CustomerSummary> for SpendHistory {
    type Error = Error;
    fn try_from(summary: &CustomerSummary) -> Result<Self> {
        Self::from_summary(summary)
    }
}

impl Keyed for SpendHistory {
    fn customer(&self) -> CustomerId {
        self.customer
    }
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct SpendHistoryRecord {
    customer: CustomerId,
    x: u32,
    #[serde(with = "rust_decimal::serde::str")]
    zbar: Decimal,
}

#[cfg(feature = "serde")]
impl From<SpendHistory> for SpendHistoryRecord {
    fn from(s: SpendHistory) -> Self {
        Self {
            customer: s.customer,
            x: s.x,
            zbar: s.zbar,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<SpendHistoryRecord> for SpendHistory {
    type Error = Error;
    fn try_from(r: SpendHistoryRecord) -> Result<Self> {
        Self::new(r.customer, r.x, r.zbar)
    }
}

/// A distinct row `(x, a, b)` with its total weight: `(x, t_x, T)` for the
/// continuous models, `(x, z̄, unused)` for spend.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Row {
    pub x: u32,
    pub a: f64,
    pub b: f64,
    pub w: f64,
}

/// Checks the caller's weights (one per input, finite, ≥ 0).
fn weight_at(weights: Option<&[f64]>, i: usize) -> Result<f64> {
    let Some(ws) = weights else { return Ok(1.0) };
    let w = ws[i];
    if !(w.is_finite() && w >= 0.0) {
        return Err(Error::InvalidParameter {
            name: "weight",
            value: format!("{w} (row {i})"),
            reason: "weights must be finite and >= 0",
        });
    }
    Ok(w)
}

/// Groups bit-identical rows (FORMULAS.md 8.8), multiplying by the caller's
/// weights; keeps first-appearance order, then sorts by `x` (stable) so
/// per-`x` terms can be shared. Rows of weight 0 are dropped.
pub(crate) fn compress<T>(
    items: &[T],
    weights: Option<&[f64]>,
    key: impl Fn(&T) -> Option<(u32, f64, f64)>,
) -> Result<Vec<Row>> {
    if let Some(ws) = weights
        && ws.len() != items.len()
    {
        return Err(Error::InvalidParameter {
            name: "weights",
            value: ws.len().to_string(),
            reason: "need one weight per customer",
        });
    }
    let mut index: FxHashMap<(u32, u64, u64), usize> = FxHashMap::default();
    let mut rows: Vec<Row> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let w = weight_at(weights, i)?;
        let Some((x, a, b)) = key(item) else { continue };
        if w == 0.0 {
            continue;
        }
        let slot = *index
            .entry((x, a.to_bits(), b.to_bits()))
            .or_insert_with(|| {
                rows.push(Row { x, a, b, w: 0.0 });
                rows.len() - 1
            });
        rows[slot].w += w;
    }
    rows.sort_by_key(|r| r.x);
    Ok(rows)
}

/// A row of [`Prepared`]: indices of its `t_x` and `T` in the table of
/// distinct times.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IndexedRow {
    pub x: u32,
    pub t_x: u32,
    pub age: u32,
    pub w: f64,
}

/// Rows ready for repeated evaluation: times scaled, and each distinct time
/// stored once, so an evaluation takes `ln(α + t)` once per distinct time
/// rather than twice per row (BG/NBD, MBG/NBD).
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub rows: Vec<IndexedRow>,
    pub times: Vec<f64>,
}

impl Prepared {
    /// Scales every time by `scale` and indexes the distinct ones.
    pub(crate) fn new(rows: &[Row], scale: f64) -> Self {
        let mut index: rustc_hash::FxHashMap<u64, u32> = rustc_hash::FxHashMap::default();
        let mut times = Vec::new();
        let mut slot = |t: f64| {
            let t = t * scale;
            *index.entry(t.to_bits()).or_insert_with(|| {
                times.push(t);
                (times.len() - 1) as u32
            })
        };
        let rows = rows
            .iter()
            .map(|r| IndexedRow {
                x: r.x,
                t_x: slot(r.a),
                age: slot(r.b),
                w: r.w,
            })
            .collect();
        Self { rows, times }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u64) -> CustomerId {
        CustomerId::new(n)
    }

    #[test]
    fn history_validation() {
        assert!(CustomerHistory::new(id(1), 0, 0.0, 10.0).is_ok());
        assert!(CustomerHistory::new(id(1), 3, 10.0, 10.0).is_ok()); // t_x = T
        for (x, t_x, age) in [
            (0, 0.0, 0.0),
            (0, 0.0, f64::NAN),
            (0, 0.0, f64::INFINITY),
            (1, 11.0, 10.0),
            (1, -1.0, 10.0),
            (1, f64::NAN, 10.0),
            (0, 1.0, 10.0),
        ] {
            assert!(
                matches!(
                    CustomerHistory::new(id(1), x, t_x, age),
                    Err(Error::InvalidValue { .. })
                ),
                "{x} {t_x} {age}"
            );
        }
        let err = CustomerHistory::new(id(42), 2, 0.0, 10.0).unwrap_err();
        assert!(err.to_string().contains("customer 42"), "{err}");
    }

    #[test]
    fn spend_validation() {
        assert!(SpendHistory::new(id(1), 0, Decimal::ZERO).is_ok());
        assert!(SpendHistory::new(id(1), 1, Decimal::ONE).is_ok());
        assert!(SpendHistory::new(id(1), 1, Decimal::ZERO).is_err());
        assert!(SpendHistory::new(id(1), 0, Decimal::NEGATIVE_ONE).is_err());
        let err = SpendHistory::new(id(7), 2, Decimal::new(-5, 0)).unwrap_err();
        assert!(err.to_string().contains("customer 7"), "{err}");
    }

    #[test]
    fn compression_groups_identical_rows_and_multiplies_weights() {
        let hs = [
            CustomerHistory::new(id(1), 1, 2.0, 5.0).unwrap(),
            CustomerHistory::new(id(2), 0, 0.0, 5.0).unwrap(),
            CustomerHistory::new(id(3), 1, 2.0, 5.0).unwrap(),
        ];
        let key = |h: &CustomerHistory| Some((h.x, h.t_x, h.age));
        let rows = compress(&hs, None, key).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].x, rows[0].w), (0, 1.0));
        assert_eq!((rows[1].x, rows[1].w), (1, 2.0));
        let rows = compress(&hs, Some(&[0.5, 0.0, 2.0]), key).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].w, 2.5);
        assert!(compress(&hs, Some(&[1.0]), key).is_err());
        assert!(compress(&hs, Some(&[1.0, -1.0, 1.0]), key).is_err());
        assert!(compress(&hs, Some(&[1.0, f64::NAN, 1.0]), key).is_err());
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_validates() {
        let h = CustomerHistory::new(id(1), 2, 3.0, 4.0).unwrap();
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(serde_json::from_str::<CustomerHistory>(&json).unwrap(), h);
        let bad = r#"{"customer":1,"x":2,"t_x":0.0,"T":4.0}"#;
        assert!(serde_json::from_str::<CustomerHistory>(bad).is_err());
        let s = SpendHistory::new(id(1), 2, Decimal::new(2235, 2)).unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<SpendHistory>(&json).unwrap(), s);
    }
}
