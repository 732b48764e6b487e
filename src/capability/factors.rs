//! The six factors that shape CRM capability, as a typed diagnostic.

use crate::{Error, Result};

/// A factor influencing CRM capability
/// ([spec](crate::capability::spec#influencing-factors)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Factor {
    /// Information technology.
    InformationTechnology,
    /// Leadership.
    Leadership,
    /// Organisational culture.
    Culture,
    /// People: skills and motivation.
    People,
    /// Organisation design.
    OrganisationDesign,
    /// Supply-chain partners.
    SupplyChainPartners,
}

impl Factor {
    /// The six factors, in the courseware's order.
    pub const ALL: [Factor; 6] = [
        Factor::InformationTechnology,
        Factor::Leadership,
        Factor::Culture,
        Factor::People,
        Factor::OrganisationDesign,
        Factor::SupplyChainPartners,
    ];
}

/// A diagnosis of the six factors from the caller's ratings (on any
/// scale, higher is better) and a threshold below which a factor is a
/// constraint on capability \[L\].
///
/// # Example
///
/// ```
/// use customer_value::capability::{Factor, FactorDiagnosis};
///
/// // IT, leadership, culture, people, organisation design, partners; 1-5 scale.
/// let d = FactorDiagnosis::new([4.0, 3.5, 2.0, 3.0, 2.5, 4.5], 3.0)?;
/// assert_eq!(d.constraints(), [(Factor::Culture, 2.0), (Factor::OrganisationDesign, 2.5)]);
/// assert_eq!(d.strongest(), (Factor::SupplyChainPartners, 4.5));
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct FactorDiagnosis {
    ranked: Vec<(Factor, f64)>,
    threshold: f64,
}

impl FactorDiagnosis {
    /// Ratings in [`Factor::ALL`] order and the constraint threshold.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (`rating`, `threshold`) for a value
    /// that is not finite.
    pub fn new(ratings: [f64; 6], threshold: f64) -> Result<Self> {
        let check = |name: &'static str, x: f64| {
            if x.is_finite() {
                Ok(())
            } else {
                Err(Error::InvalidParameter {
                    name,
                    value: x.to_string(),
                    reason: "must be finite",
                })
            }
        };
        for &x in &ratings {
            check("rating", x)?;
        }
        check("threshold", threshold)?;
        let mut ranked: Vec<(Factor, f64)> = Factor::ALL.into_iter().zip(ratings).collect();
        // Weakest first; ties keep the courseware's order (a stable sort).
        ranked.sort_by(|a, b| a.1.total_cmp(&b.1));
        Ok(Self { ranked, threshold })
    }

    /// The factors, weakest first.
    pub fn ranked(&self) -> &[(Factor, f64)] {
        &self.ranked
    }

    /// The factors rated below the threshold, weakest first.
    pub fn constraints(&self) -> Vec<(Factor, f64)> {
        self.ranked
            .iter()
            .copied()
            .filter(|(_, r)| *r < self.threshold)
            .collect()
    }

    /// The weakest factor (the first in the courseware's order on a tie).
    pub fn weakest(&self) -> (Factor, f64) {
        self.ranked[0]
    }

    /// The strongest factor (the last in the courseware's order on a tie).
    pub fn strongest(&self) -> (Factor, f64) {
        self.ranked[self.ranked.len() - 1]
    }
}
