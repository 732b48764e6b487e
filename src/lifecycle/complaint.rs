//! Complaints: silent dissatisfaction and retention after complaints.

use crate::{Error, Result};

/// A small estimator of silent dissatisfaction and of the customers kept
/// after complaints, from the complaint-handling figures the course
/// material quotes \[R\] (recalled from the course slides, which attribute
/// them to customer-service studies such as TARP's; not checked against
/// the originals):
///
/// - about 4 % of dissatisfied customers complain
///   ([`DEFAULT_COMPLAINT_RATE`](Self::DEFAULT_COMPLAINT_RATE));
/// - 54-70 % of complainants stay when the complaint is resolved (both
///   ends kept, so estimates are ranges);
/// - about 95 % stay when it is resolved quickly.
///
/// Every figure can be overridden. Counts and rates are `f64`: the
/// estimates are expected numbers of customers, not money, and are not
/// whole numbers in general.
///
/// # Formulas
///
/// ```text
/// dissatisfied        = complaints / complaint_rate
/// silent dissatisfied = dissatisfied - complaints
/// retained            = (resolved - quick) * r_resolved + quick * r_quick
///                       with r_resolved at the low and at the high end
/// ```
///
/// Complainants whose complaint is not resolved are not counted as
/// retained: the course material gives no figure for them.
///
/// # Example
///
/// ```
/// use customer_value::lifecycle::ComplaintModel;
///
/// let m = ComplaintModel::default();
/// assert_eq!(m.dissatisfied(8), 200.0); // 8 complaints at 4 %
/// assert_eq!(m.silent_dissatisfied(8), 192.0);
/// let kept = m.retained(100, 40)?; // 100 resolved, 40 of them quickly
/// assert!((kept.low() - (60.0 * 0.54 + 40.0 * 0.95)).abs() < 1e-12);
/// assert!((kept.high() - (60.0 * 0.70 + 40.0 * 0.95)).abs() < 1e-12);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "ComplaintModelBuilder"))]
pub struct ComplaintModel {
    complaint_rate: f64,
    resolved_low: f64,
    resolved_high: f64,
    resolved_quickly: f64,
}

/// Builds a checked [`ComplaintModel`]; every setter is optional and
/// starts from the course material's figures.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct ComplaintModelBuilder {
    complaint_rate: f64,
    resolved_low: f64,
    resolved_high: f64,
    resolved_quickly: f64,
}

impl Default for ComplaintModelBuilder {
    fn default() -> Self {
        Self {
            complaint_rate: ComplaintModel::DEFAULT_COMPLAINT_RATE,
            resolved_low: ComplaintModel::DEFAULT_RESOLVED_LOW,
            resolved_high: ComplaintModel::DEFAULT_RESOLVED_HIGH,
            resolved_quickly: ComplaintModel::DEFAULT_RESOLVED_QUICKLY,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<ComplaintModelBuilder> for ComplaintModel {
    type Error = Error;
    fn try_from(b: ComplaintModelBuilder) -> Result<Self> {
        b.build()
    }
}

impl ComplaintModelBuilder {
    /// Sets the share of dissatisfied customers who complain, in `(0, 1]`.
    pub fn complaint_rate(mut self, rate: f64) -> Self {
        self.complaint_rate = rate;
        self
    }

    /// Sets the share of complainants who stay when their complaint is
    /// resolved, as a range `low..=high` within `[0, 1]` (equal ends for a
    /// single figure).
    pub fn resolved_retention(mut self, low: f64, high: f64) -> Self {
        self.resolved_low = low;
        self.resolved_high = high;
        self
    }

    /// Sets the share who stay when their complaint is resolved quickly, in
    /// `[0, 1]`.
    pub fn quick_retention(mut self, rate: f64) -> Self {
        self.resolved_quickly = rate;
        self
    }

    /// Checks the figures.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when
    /// - the complaint rate is outside `(0, 1]` or NaN;
    /// - a retention figure is outside `[0, 1]` or NaN;
    /// - the resolved range's low end exceeds its high end.
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::lifecycle::ComplaintModel;
    ///
    /// let m = ComplaintModel::builder().complaint_rate(0.05).resolved_retention(0.6, 0.6).build()?;
    /// assert_eq!(m.dissatisfied(10), 200.0);
    /// assert!(ComplaintModel::builder().complaint_rate(0.0).build().is_err());
    /// assert!(ComplaintModel::builder().resolved_retention(0.7, 0.5).build().is_err());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn build(self) -> Result<ComplaintModel> {
        if !(self.complaint_rate > 0.0 && self.complaint_rate <= 1.0) {
            return Err(Error::InvalidParameter {
                name: "complaint rate",
                value: self.complaint_rate.to_string(),
                reason: "must be in (0, 1]",
            });
        }
        for (name, r) in [
            ("resolved retention (low)", self.resolved_low),
            ("resolved retention (high)", self.resolved_high),
            ("quick retention", self.resolved_quickly),
        ] {
            if !(0.0..=1.0).contains(&r) {
                return Err(Error::InvalidParameter {
                    name,
                    value: r.to_string(),
                    reason: "a retention share must be in [0, 1]",
                });
            }
        }
        if self.resolved_low > self.resolved_high {
            return Err(Error::InvalidParameter {
                name: "resolved retention",
                value: format!("{}..{}", self.resolved_low, self.resolved_high),
                reason: "the low end must not exceed the high end",
            });
        }
        Ok(ComplaintModel {
            complaint_rate: self.complaint_rate,
            resolved_low: self.resolved_low,
            resolved_high: self.resolved_high,
            resolved_quickly: self.resolved_quickly,
        })
    }
}

impl Default for ComplaintModel {
    /// The course material's figures: 4 %, 54-70 %, 95 %.
    fn default() -> Self {
        Self {
            complaint_rate: Self::DEFAULT_COMPLAINT_RATE,
            resolved_low: Self::DEFAULT_RESOLVED_LOW,
            resolved_high: Self::DEFAULT_RESOLVED_HIGH,
            resolved_quickly: Self::DEFAULT_RESOLVED_QUICKLY,
        }
    }
}

impl ComplaintModel {
    /// About 4 % of dissatisfied customers complain \[R\].
    pub const DEFAULT_COMPLAINT_RATE: f64 = 0.04;
    /// At least 54 % stay when their complaint is resolved \[R\].
    pub const DEFAULT_RESOLVED_LOW: f64 = 0.54;
    /// At most 70 % stay when their complaint is resolved \[R\].
    pub const DEFAULT_RESOLVED_HIGH: f64 = 0.70;
    /// About 95 % stay when their complaint is resolved quickly \[R\].
    pub const DEFAULT_RESOLVED_QUICKLY: f64 = 0.95;

    /// A builder starting from the course material's figures.
    pub fn builder() -> ComplaintModelBuilder {
        ComplaintModelBuilder::default()
    }

    /// The share of dissatisfied customers who complain.
    pub fn complaint_rate(&self) -> f64 {
        self.complaint_rate
    }

    /// The share who stay after a resolved complaint, `(low, high)`.
    pub fn resolved_retention(&self) -> (f64, f64) {
        (self.resolved_low, self.resolved_high)
    }

    /// The share who stay after a quickly resolved complaint.
    pub fn quick_retention(&self) -> f64 {
        self.resolved_quickly
    }

    /// Estimated dissatisfied customers behind `complaints` complaints:
    /// `complaints / complaint_rate`.
    pub fn dissatisfied(&self, complaints: u64) -> f64 {
        complaints as f64 / self.complaint_rate
    }

    /// Estimated dissatisfied customers who did not complain:
    /// `complaints / complaint_rate - complaints`.
    pub fn silent_dissatisfied(&self, complaints: u64) -> f64 {
        (self.dissatisfied(complaints) - complaints as f64).max(0.0)
    }

    /// Expected complainants kept, given `resolved` resolved complaints of
    /// which `resolved_quickly` were resolved quickly.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `resolved_quickly > resolved`.
    pub fn retained(&self, resolved: u64, resolved_quickly: u64) -> Result<RetainedEstimate> {
        let slow =
            resolved
                .checked_sub(resolved_quickly)
                .ok_or_else(|| Error::InvalidParameter {
                    name: "resolved quickly",
                    value: format!("{resolved_quickly} of {resolved}"),
                    reason: "cannot exceed the resolved complaints",
                })? as f64;
        let quick = resolved_quickly as f64 * self.resolved_quickly;
        Ok(RetainedEstimate {
            low: slow * self.resolved_low + quick,
            high: slow * self.resolved_high + quick,
        })
    }
}

/// Expected customers kept after complaints, at the low and high ends of
/// the resolved-retention range.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RetainedEstimate {
    low: f64,
    high: f64,
}

impl RetainedEstimate {
    /// The estimate at the low end of the range.
    pub fn low(&self) -> f64 {
        self.low
    }

    /// The estimate at the high end of the range.
    pub fn high(&self) -> f64 {
        self.high
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_valid_and_each_error() {
        let m = ComplaintModel::builder()
            .complaint_rate(1.0)
            .resolved_retention(0.0, 1.0)
            .quick_retention(1.0)
            .build()
            .unwrap();
        assert_eq!(m.resolved_retention(), (0.0, 1.0));
        assert_eq!(
            ComplaintModel::builder().build().unwrap(),
            ComplaintModel::default()
        );
        let cases = [
            ComplaintModel::builder().complaint_rate(0.0),
            ComplaintModel::builder().complaint_rate(1.5),
            ComplaintModel::builder().complaint_rate(f64::NAN),
            ComplaintModel::builder().resolved_retention(-0.1, 0.5),
            ComplaintModel::builder().resolved_retention(0.5, 1.1),
            ComplaintModel::builder().resolved_retention(0.6, 0.5),
            ComplaintModel::builder().quick_retention(f64::NAN),
        ];
        for b in cases {
            assert!(
                matches!(b.build(), Err(Error::InvalidParameter { .. })),
                "{b:?}"
            );
        }
    }

    #[test]
    fn retained_rejects_more_quick_than_resolved() {
        let m = ComplaintModel::default();
        assert!(m.retained(3, 4).is_err());
        let r = m.retained(10, 10).unwrap();
        assert_eq!(r.low(), r.high());
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_validates() {
        let json = serde_json::to_string(&ComplaintModel::default()).unwrap();
        assert_eq!(
            serde_json::from_str::<ComplaintModel>(&json).unwrap(),
            ComplaintModel::default()
        );
        assert!(serde_json::from_str::<ComplaintModel>(r#"{"complaint_rate":0}"#).is_err());
    }
}
