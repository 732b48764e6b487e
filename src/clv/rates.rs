//! Validated rates: retention, discount, growth, probability, margin rate.

use crate::{Decimal, Error, Result};

use super::math;

/// A `Decimal` that serialises as a string, whatever `rust_decimal`'s
/// features say (the wire form of every rate).
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub(crate) struct DecimalStr(#[serde(with = "rust_decimal::serde::str")] pub(crate) Decimal);

/// Implements the getter, `Display`, `From<$t> for Decimal` and the
/// validating serde glue of a rate newtype whose `new` is written by hand.
macro_rules! rate_common {
    ($t:ident) => {
        impl $t {
            /// The rate as a `Decimal`.
            pub const fn get(self) -> Decimal {
                self.0
            }
        }

        impl From<$t> for Decimal {
            fn from(rate: $t) -> Decimal {
                rate.0
            }
        }

        impl core::fmt::Display for $t {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Display::fmt(&self.0, f)
            }
        }

        impl TryFrom<Decimal> for $t {
            type Error = Error;
            fn try_from(value: Decimal) -> Result<Self> {
                $t::new(value)
            }
        }

        #[cfg(feature = "serde")]
        impl TryFrom<DecimalStr> for $t {
            type Error = Error;
            fn try_from(raw: DecimalStr) -> Result<Self> {
                $t::new(raw.0)
            }
        }

        #[cfg(feature = "serde")]
        impl From<$t> for DecimalStr {
            fn from(rate: $t) -> DecimalStr {
                DecimalStr(rate.0)
            }
        }
    };
}

/// Retention rate `r` per period: the probability that a customer active
/// in one period is still active in the next. `0 <= r <= 1`.
///
/// Serialises as a string (`"0.8"`); deserialising checks the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "DecimalStr", into = "DecimalStr"))]
pub struct RetentionRate(Decimal);

rate_common!(RetentionRate);

impl RetentionRate {
    /// Checks and wraps a retention rate.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (`retention`) when `r` is outside
    /// `[0, 1]`: it is a probability.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, clv::RetentionRate};
    ///
    /// let r = RetentionRate::new(Decimal::new(8, 1))?;
    /// assert_eq!(r.get(), Decimal::new(8, 1));
    /// assert!(RetentionRate::new(Decimal::new(12, 1)).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(r: Decimal) -> Result<Self> {
        if r < Decimal::ZERO || r > Decimal::ONE {
            return Err(Error::InvalidParameter {
                name: "retention",
                value: r.to_string(),
                reason: "must be in [0, 1] (a probability)",
            });
        }
        Ok(Self(r))
    }
}

/// Discount rate `i` (or `d`) per period. `i > -1`, so that the discount
/// factor `1 / (1 + i)` is defined and positive; negative rates above `-1`
/// are allowed.
///
/// Serialises as a string (`"0.1"`); deserialising checks the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "DecimalStr", into = "DecimalStr"))]
pub struct DiscountRate(Decimal);

rate_common!(DiscountRate);

impl DiscountRate {
    /// Checks and wraps a discount rate.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (`discount`) when `i <= -1`: the
    /// discount factor `1 / (1 + i)` would be undefined or negative.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, clv::DiscountRate};
    ///
    /// let i = DiscountRate::new(Decimal::new(1, 1))?;
    /// assert_eq!(i.get(), Decimal::new(1, 1));
    /// assert!(DiscountRate::new(-Decimal::ONE).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(i: Decimal) -> Result<Self> {
        if i <= -Decimal::ONE {
            return Err(Error::InvalidParameter {
                name: "discount",
                value: i.to_string(),
                reason: "must be > -1 (the discount factor 1 / (1 + i) must be positive)",
            });
        }
        Ok(Self(i))
    }

    /// The equivalent rate for a period `parts` times shorter, such as a
    /// monthly rate from an annual one (`parts = 12`):
    ///
    /// ```text
    /// i_short = (1 + i)^(1 / parts) - 1        e.g. 10 % a year -> 0.0079741 a month
    /// ```
    ///
    /// See [rates and periods](crate::clv::spec#rates-and-periods) \[L\]. Retention has no such conversion on
    /// purpose: `r^(1/12)` assumes a constant hazard.
    ///
    /// # Rounding
    ///
    /// The root is irrational in general; it is found by Newton's method in
    /// `Decimal` and is good to about 27 significant digits.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (`parts`) when `parts` is 0;
    /// [`Error::Overflow`] if the iteration overflows (it does not for
    /// rates a `Decimal` can hold, but the arithmetic is checked).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, clv::DiscountRate};
    ///
    /// let yearly = DiscountRate::new(Decimal::new(10, 2))?;
    /// let monthly = yearly.per_subperiod(12)?;
    /// assert_eq!(monthly.get().round_dp(7), Decimal::new(79741, 7));
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn per_subperiod(self, parts: u32) -> Result<DiscountRate> {
        if parts == 0 {
            return Err(Error::InvalidParameter {
                name: "parts",
                value: parts.to_string(),
                reason: "must be at least 1",
            });
        }
        let what = "discount rate conversion";
        let factor = math::add(Decimal::ONE, self.0, what)?;
        let root = math::nth_root(factor, parts, what)?;
        DiscountRate::new(math::sub(root, Decimal::ONE, what)?)
    }
}

/// Margin growth rate `g` per period. `g > -1`, so that margins keep their
/// sign; negative growth (shrinking margins) is allowed.
///
/// Serialises as a string (`"0.05"`); deserialising checks the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "DecimalStr", into = "DecimalStr"))]
pub struct GrowthRate(Decimal);

rate_common!(GrowthRate);

impl GrowthRate {
    /// Checks and wraps a growth rate.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (`growth`) when `g <= -1`: the growth
    /// factor `1 + g` would be zero or negative.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, clv::GrowthRate};
    ///
    /// assert_eq!(GrowthRate::new(Decimal::new(5, 2))?.get(), Decimal::new(5, 2));
    /// assert!(GrowthRate::new(Decimal::new(-15, 1)).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(g: Decimal) -> Result<Self> {
        if g <= -Decimal::ONE {
            return Err(Error::InvalidParameter {
                name: "growth",
                value: g.to_string(),
                reason: "must be > -1 (the growth factor 1 + g must be positive)",
            });
        }
        Ok(Self(g))
    }
}

/// A probability in `[0, 1]`, such as a win-back or acquisition rate.
///
/// Serialises as a string; deserialising checks the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "DecimalStr", into = "DecimalStr"))]
pub struct Probability(Decimal);

rate_common!(Probability);

impl Probability {
    /// Checks and wraps a probability.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (`probability`) when `p` is outside
    /// `[0, 1]`.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, clv::Probability};
    ///
    /// assert_eq!(Probability::new(Decimal::new(3, 1))?.get(), Decimal::new(3, 1));
    /// assert!(Probability::new(Decimal::new(-1, 2)).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(p: Decimal) -> Result<Self> {
        if p < Decimal::ZERO || p > Decimal::ONE {
            return Err(Error::InvalidParameter {
                name: "probability",
                value: p.to_string(),
                reason: "must be in [0, 1]",
            });
        }
        Ok(Self(p))
    }
}

/// A margin rate: the share of revenue kept as margin, at most 1.
///
/// Negative rates (selling below cost) are allowed; a rate above 1 would
/// mean a margin larger than the revenue it comes from and is rejected.
///
/// Serialises as a string; deserialising checks the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "DecimalStr", into = "DecimalStr"))]
pub struct MarginRate(Decimal);

rate_common!(MarginRate);

impl MarginRate {
    /// Checks and wraps a margin rate.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (`margin rate`) when the rate is above 1.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::{Decimal, clv::MarginRate};
    ///
    /// assert_eq!(MarginRate::new(Decimal::new(3, 1))?.get(), Decimal::new(3, 1));
    /// assert!(MarginRate::new(Decimal::new(11, 1)).is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(rate: Decimal) -> Result<Self> {
        if rate > Decimal::ONE {
            return Err(Error::InvalidParameter {
                name: "margin rate",
                value: rate.to_string(),
                reason: "must be at most 1 (a margin cannot exceed its revenue)",
            });
        }
        Ok(Self(rate))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn param_name(e: Error) -> &'static str {
        match e {
            Error::InvalidParameter { name, .. } => name,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn retention_bounds() {
        assert_eq!(RetentionRate::new(d("0")).unwrap().get(), d("0"));
        assert_eq!(RetentionRate::new(d("1")).unwrap().get(), d("1"));
        assert_eq!(
            param_name(RetentionRate::new(d("-0.01")).unwrap_err()),
            "retention"
        );
        let e = RetentionRate::new(d("1.2")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid retention: must be in [0, 1] (a probability), got 1.2"
        );
    }

    #[test]
    fn discount_bounds() {
        assert_eq!(DiscountRate::new(d("-0.5")).unwrap().get(), d("-0.5"));
        assert_eq!(
            param_name(DiscountRate::new(d("-1")).unwrap_err()),
            "discount"
        );
        assert_eq!(
            param_name(DiscountRate::new(d("-2")).unwrap_err()),
            "discount"
        );
    }

    #[test]
    fn discount_conversion() {
        let monthly = DiscountRate::new(d("0.1"))
            .unwrap()
            .per_subperiod(12)
            .unwrap();
        assert_eq!(monthly.get().round_dp(7), d("0.0079741"));
        let same = DiscountRate::new(d("0.1"))
            .unwrap()
            .per_subperiod(1)
            .unwrap();
        assert_eq!(same.get(), d("0.1"));
        let e = DiscountRate::new(d("0.1"))
            .unwrap()
            .per_subperiod(0)
            .unwrap_err();
        assert_eq!(param_name(e), "parts");
    }

    #[test]
    fn growth_bounds() {
        assert_eq!(GrowthRate::new(d("-0.99")).unwrap().get(), d("-0.99"));
        assert_eq!(param_name(GrowthRate::new(d("-1")).unwrap_err()), "growth");
    }

    #[test]
    fn probability_and_margin_rate_bounds() {
        assert!(Probability::new(d("0.5")).is_ok());
        assert_eq!(
            param_name(Probability::new(d("1.01")).unwrap_err()),
            "probability"
        );
        assert_eq!(
            param_name(Probability::new(d("-0.01")).unwrap_err()),
            "probability"
        );
        assert!(MarginRate::new(d("-0.2")).is_ok());
        assert_eq!(
            param_name(MarginRate::new(d("1.5")).unwrap_err()),
            "margin rate"
        );
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_round_trip_and_validation() {
        let r = RetentionRate::new(d("0.8")).unwrap();
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, "\"0.8\"");
        assert_eq!(serde_json::from_str::<RetentionRate>(&json).unwrap(), r);
        assert!(serde_json::from_str::<RetentionRate>("\"1.5\"").is_err());
        assert!(serde_json::from_str::<DiscountRate>("\"-1\"").is_err());
        assert!(serde_json::from_str::<GrowthRate>("\"-3\"").is_err());
        assert!(serde_json::from_str::<Probability>("\"2\"").is_err());
        assert!(serde_json::from_str::<MarginRate>("\"2\"").is_err());
    }
}
