//! The textbook RFM point scheme: points per dimension, weighted sum.

use crate::{Decimal, Error, Result, Scorer};

/// One customer's input to a [`PointScheme`].
///
/// Recency is in **whole months** (`u32`) since the last order: the
/// textbook's bands ("within 3 months", …) are whole months, so the caller
/// decides how a partial month counts (calendar months elapsed, or
/// `days / 30` rounded as they see fit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PointInput {
    months_since_last_order: u32,
    purchases: u32,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    spend: Decimal,
}

impl PointInput {
    /// One customer's months since the last order, purchases in the window
    /// (two years in the textbook) and spend in it.
    pub fn new(months_since_last_order: u32, purchases: u32, spend: Decimal) -> Self {
        Self {
            months_since_last_order,
            purchases,
            spend,
        }
    }

    /// Whole months since the last order.
    pub fn months_since_last_order(&self) -> u32 {
        self.months_since_last_order
    }

    /// Purchases in the window.
    pub fn purchases(&self) -> u32 {
        self.purchases
    }

    /// Spend in the window.
    pub fn spend(&self) -> Decimal {
        self.spend
    }
}

/// A recency band: up to `max_months` months since the last order earns
/// `points`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
struct Band {
    max_months: u32,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    points: Decimal,
}

/// The RFM point scheme of the textbook: points for recency, frequency
/// and spend, combined by a weighted sum.
///
/// ```text
/// Rpts  = points of the first band with months <= max_months, else recency_else
///         (default bands: <= 3 → 20, <= 6 → 10, <= 9 → 5, <= 12 → 3, <= 24 → 1; else 0)
/// Fpts  = min(points_per_purchase · purchases, frequency_cap)   (default 4, cap 20)
/// Mpts  = min(points_per_unit · spend, monetary_cap)            (default 0.10, cap 20)
/// score = w_R·Rpts + w_F·Fpts + w_M·Mpts                        (default 5, 3, 2)
/// ```
///
/// Exact decimal arithmetic, no rounding. Every number can be changed
/// with [`PointScheme::builder`]; [`PointScheme::default`] is the textbook.
/// Source: [point scheme](crate::rfm::spec#point-scheme) (a secondary teaching
/// source).
///
/// # Errors
///
/// Scoring rejects a negative spend ([`Error::InvalidValue`]) and fails
/// with [`Error::Overflow`] when a product or the sum leaves `Decimal`'s
/// range.
///
/// # Example
///
/// ```
/// use customer_value::{Decimal, Scorer, rfm::{PointInput, PointScheme}};
///
/// // Last order 4 months ago, 3 purchases, spend 150 (rfm::spec, worked example):
/// // 5·10 + 3·12 + 2·15 = 116.
/// let scheme = PointScheme::default();
/// let score = scheme.score(&PointInput::new(4, 3, Decimal::new(150, 0)))?;
/// assert_eq!(score, Decimal::new(116, 0));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawScheme"))]
pub struct PointScheme {
    recency_bands: Vec<Band>,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    recency_else: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    points_per_purchase: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    frequency_cap: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    points_per_unit: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    monetary_cap: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    weight_r: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    weight_f: Decimal,
    #[cfg_attr(feature = "serde", serde(with = "rust_decimal::serde::str"))]
    weight_m: Decimal,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawScheme {
    recency_bands: Vec<Band>,
    #[serde(with = "rust_decimal::serde::str")]
    recency_else: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    points_per_purchase: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    frequency_cap: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    points_per_unit: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    monetary_cap: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    weight_r: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    weight_f: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    weight_m: Decimal,
}

#[cfg(feature = "serde")]
impl TryFrom<RawScheme> for PointScheme {
    type Error = Error;
    fn try_from(raw: RawScheme) -> Result<Self> {
        PointScheme::builder()
            .recency_bands(raw.recency_bands.iter().map(|b| (b.max_months, b.points)))
            .recency_else(raw.recency_else)
            .frequency(raw.points_per_purchase, raw.frequency_cap)
            .monetary(raw.points_per_unit, raw.monetary_cap)
            .weights(raw.weight_r, raw.weight_f, raw.weight_m)
            .build()
    }
}

impl Default for PointScheme {
    /// The textbook scheme (see [`PointScheme`]).
    fn default() -> Self {
        let d = |n: i64| Decimal::new(n, 0);
        Self {
            recency_bands: [(3, 20), (6, 10), (9, 5), (12, 3), (24, 1)]
                .into_iter()
                .map(|(max_months, points)| Band {
                    max_months,
                    points: d(points),
                })
                .collect(),
            recency_else: Decimal::ZERO,
            points_per_purchase: d(4),
            frequency_cap: d(20),
            points_per_unit: Decimal::new(10, 2),
            monetary_cap: d(20),
            weight_r: d(5),
            weight_f: d(3),
            weight_m: d(2),
        }
    }
}

impl PointScheme {
    /// A builder starting from the textbook defaults.
    pub fn builder() -> PointSchemeBuilder {
        PointSchemeBuilder {
            scheme: PointScheme::default(),
        }
    }

    /// The recency bands: `(max months since the last order, points)`, in
    /// increasing months.
    pub fn recency_bands(&self) -> impl Iterator<Item = (u32, Decimal)> + '_ {
        self.recency_bands.iter().map(|b| (b.max_months, b.points))
    }

    /// Recency points beyond the last band.
    pub fn recency_else(&self) -> Decimal {
        self.recency_else
    }

    /// Frequency points per purchase and their cap.
    pub fn frequency(&self) -> (Decimal, Decimal) {
        (self.points_per_purchase, self.frequency_cap)
    }

    /// Monetary points per currency unit and their cap.
    pub fn monetary(&self) -> (Decimal, Decimal) {
        (self.points_per_unit, self.monetary_cap)
    }

    /// The weights `(w_R, w_F, w_M)` of the final sum.
    pub fn weights(&self) -> (Decimal, Decimal, Decimal) {
        (self.weight_r, self.weight_f, self.weight_m)
    }

    /// Recency points for whole months since the last order.
    pub fn recency_points(&self, months: u32) -> Decimal {
        self.recency_bands
            .iter()
            .find(|b| months <= b.max_months)
            .map_or(self.recency_else, |b| b.points)
    }

    /// Frequency points: `min(points_per_purchase · purchases, cap)`.
    ///
    /// # Errors
    ///
    /// [`Error::Overflow`] when the product leaves `Decimal`'s range.
    pub fn frequency_points(&self, purchases: u32) -> Result<Decimal> {
        let raw = self
            .points_per_purchase
            .checked_mul(Decimal::from(purchases))
            .ok_or(Error::Overflow {
                what: "frequency points",
            })?;
        Ok(raw.min(self.frequency_cap))
    }

    /// Monetary points: `min(points_per_unit · spend, cap)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when `spend` is negative;
    /// [`Error::Overflow`] when the product leaves `Decimal`'s range.
    pub fn monetary_points(&self, spend: Decimal) -> Result<Decimal> {
        if spend.is_sign_negative() && !spend.is_zero() {
            return Err(Error::InvalidValue {
                what: "spend",
                reason: format!("must be non-negative for the point scheme, got {spend}"),
            });
        }
        let raw = self
            .points_per_unit
            .checked_mul(spend)
            .ok_or(Error::Overflow {
                what: "monetary points",
            })?;
        Ok(raw.min(self.monetary_cap))
    }
}

/// Scores one customer: `w_R·Rpts + w_F·Fpts + w_M·Mpts` (see [`PointScheme`]).
impl Scorer for PointScheme {
    type Input = PointInput;
    type Score = Decimal;

    fn score(&self, input: &PointInput) -> Result<Decimal> {
        let overflow = Error::Overflow {
            what: "point score",
        };
        let r = self.recency_points(input.months_since_last_order);
        let f = self.frequency_points(input.purchases)?;
        let m = self.monetary_points(input.spend)?;
        let terms = [(self.weight_r, r), (self.weight_f, f), (self.weight_m, m)];
        terms.into_iter().try_fold(Decimal::ZERO, |acc, (w, p)| {
            w.checked_mul(p)
                .and_then(|t| acc.checked_add(t))
                .ok_or_else(|| overflow.clone())
        })
    }
}

/// Builds a [`PointScheme`]: every setter is optional (the defaults are
/// the textbook's) and [`build`](Self::build) checks them all.
#[derive(Debug, Clone)]
pub struct PointSchemeBuilder {
    scheme: PointScheme,
}

impl PointSchemeBuilder {
    /// Recency bands `(max months since the last order, points)`: a
    /// customer gets the points of the first band whose maximum is at
    /// least their months. Months must increase strictly.
    pub fn recency_bands(mut self, bands: impl IntoIterator<Item = (u32, Decimal)>) -> Self {
        self.scheme.recency_bands = bands
            .into_iter()
            .map(|(max_months, points)| Band { max_months, points })
            .collect();
        self
    }

    /// Recency points beyond the last band (default 0).
    pub fn recency_else(mut self, points: Decimal) -> Self {
        self.scheme.recency_else = points;
        self
    }

    /// Frequency points per purchase (default 4) and their cap (default 20).
    pub fn frequency(mut self, points_per_purchase: Decimal, cap: Decimal) -> Self {
        self.scheme.points_per_purchase = points_per_purchase;
        self.scheme.frequency_cap = cap;
        self
    }

    /// Monetary points per currency unit spent (default 0.10) and their
    /// cap (default 20).
    pub fn monetary(mut self, points_per_unit: Decimal, cap: Decimal) -> Self {
        self.scheme.points_per_unit = points_per_unit;
        self.scheme.monetary_cap = cap;
        self
    }

    /// The weights of the final sum (default 5, 3, 2).
    pub fn weights(mut self, r: Decimal, f: Decimal, m: Decimal) -> Self {
        self.scheme.weight_r = r;
        self.scheme.weight_f = f;
        self.scheme.weight_m = m;
        self
    }

    /// Checks every number and returns the scheme.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when
    /// - there are no recency bands, or their months do not increase
    ///   strictly (`"recency bands"`);
    /// - any points, cap or weight is negative (`"recency points"`,
    ///   `"points per purchase"`, `"frequency cap"`, `"points per unit"`,
    ///   `"monetary cap"`, `"recency weight"`, `"frequency weight"`,
    ///   `"monetary weight"`).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, Scorer, rfm::{PointInput, PointScheme}};
    ///
    /// let d = |n| Decimal::new(n, 0);
    /// let scheme = PointScheme::builder()
    ///     .recency_bands([(1, d(30)), (12, d(10))])
    ///     .weights(d(1), d(1), d(1))
    ///     .build()?;
    /// // 10 + min(4·2, 20) + min(0.10·50, 20) = 23
    /// assert_eq!(scheme.score(&PointInput::new(6, 2, d(50)))?, d(23));
    /// assert!(PointScheme::builder().recency_bands([(6, d(10)), (3, d(20))]).build().is_err());
    /// assert!(PointScheme::builder().frequency(d(-4), d(20)).build().is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn build(self) -> Result<PointScheme> {
        let s = self.scheme;
        let bands = &s.recency_bands;
        if bands.is_empty()
            || bands
                .windows(2)
                .any(|w| matches!(w, [a, b] if a.max_months >= b.max_months))
        {
            let months: Vec<u32> = bands.iter().map(|b| b.max_months).collect();
            return Err(Error::InvalidParameter {
                name: "recency bands",
                value: format!("months {months:?}"),
                reason: "needs at least one band, with strictly increasing months",
            });
        }
        let non_negative = bands.iter().map(|b| ("recency points", b.points)).chain([
            ("recency points", s.recency_else),
            ("points per purchase", s.points_per_purchase),
            ("frequency cap", s.frequency_cap),
            ("points per unit", s.points_per_unit),
            ("monetary cap", s.monetary_cap),
            ("recency weight", s.weight_r),
            ("frequency weight", s.weight_f),
            ("monetary weight", s.weight_m),
        ]);
        for (name, value) in non_negative {
            if value.is_sign_negative() && !value.is_zero() {
                return Err(Error::InvalidParameter {
                    name,
                    value: value.to_string(),
                    reason: "must be non-negative",
                });
            }
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: i64) -> Decimal {
        Decimal::new(n, 0)
    }

    #[test]
    fn textbook_points() {
        let s = PointScheme::default();
        let r: Vec<_> = [0, 3, 4, 6, 7, 9, 12, 13, 24, 25, 1000]
            .iter()
            .map(|&m| s.recency_points(m))
            .collect();
        assert_eq!(r, [20, 20, 10, 10, 5, 5, 3, 1, 1, 0, 0].map(d));
        assert_eq!(s.frequency_points(3).unwrap(), d(12));
        assert_eq!(s.frequency_points(6).unwrap(), d(20));
        assert_eq!(s.monetary_points(d(150)).unwrap(), d(15));
        assert_eq!(s.monetary_points(d(1000)).unwrap(), d(20));
        assert_eq!(s.score(&PointInput::new(4, 3, d(150))).unwrap(), d(116));
        assert!(matches!(
            s.score(&PointInput::new(4, 3, d(-1))),
            Err(Error::InvalidValue { what: "spend", .. })
        ));
    }

    #[test]
    fn builder_valid_and_each_error() {
        assert_eq!(
            PointScheme::builder().build().unwrap(),
            PointScheme::default()
        );
        assert!(matches!(
            PointScheme::builder().recency_bands([]).build(),
            Err(Error::InvalidParameter {
                name: "recency bands",
                ..
            })
        ));
        assert!(matches!(
            PointScheme::builder()
                .recency_bands([(3, d(1)), (3, d(1))])
                .build(),
            Err(Error::InvalidParameter {
                name: "recency bands",
                ..
            })
        ));
        let cases: [(PointSchemeBuilder, &str); 9] = [
            (
                PointScheme::builder().recency_bands([(3, d(-1))]),
                "recency points",
            ),
            (PointScheme::builder().recency_else(d(-1)), "recency points"),
            (
                PointScheme::builder().frequency(d(-1), d(1)),
                "points per purchase",
            ),
            (
                PointScheme::builder().frequency(d(1), d(-1)),
                "frequency cap",
            ),
            (
                PointScheme::builder().monetary(d(-1), d(1)),
                "points per unit",
            ),
            (PointScheme::builder().monetary(d(1), d(-1)), "monetary cap"),
            (
                PointScheme::builder().weights(d(-1), d(1), d(1)),
                "recency weight",
            ),
            (
                PointScheme::builder().weights(d(1), d(-1), d(1)),
                "frequency weight",
            ),
            (
                PointScheme::builder().weights(d(1), d(1), d(-1)),
                "monetary weight",
            ),
        ];
        for (builder, expected) in cases {
            match builder.build() {
                Err(Error::InvalidParameter { name, .. }) => assert_eq!(name, expected),
                other => panic!("expected {expected} error, got {other:?}"),
            }
        }
    }

    #[test]
    fn overflow_is_an_error() {
        let s = PointScheme::builder()
            .monetary(Decimal::MAX, Decimal::MAX)
            .build()
            .unwrap();
        assert!(matches!(
            s.score(&PointInput::new(1, 1, d(10))),
            Err(Error::Overflow { .. })
        ));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_round_trip_and_validation() {
        let s = PointScheme::default();
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains("\"0.10\""), "{json}");
        assert_eq!(serde_json::from_str::<PointScheme>(&json).unwrap(), s);
        let bad = json.replace("\"weight_m\":\"2\"", "\"weight_m\":\"-2\"");
        assert_ne!(bad, json);
        assert!(serde_json::from_str::<PointScheme>(&bad).is_err());
    }
}
