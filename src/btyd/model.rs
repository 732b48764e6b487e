//! One type for "a fitted purchase model", so predictions, CLV and the
//! command line work the same whichever model was fitted.

use super::input::CustomerHistory;
use super::{BgNbdParams, GgomNbdParams, MbgNbdParams, ParetoNbdParams};
use crate::Result;

/// A fitted continuous-time purchase model (BG/NBD, MBG/NBD, Pareto/NBD,
/// GGom/NBD).
///
/// Serialises with a `model` tag beside the parameters, e.g.
/// `{"model":"bg_nbd","r":0.2426,"alpha":4.4135,"a":0.7929,"b":2.4258}`,
/// so a stored model says what it is.
///
/// # Example
///
/// ```
/// use customer_value::CustomerId;
/// use customer_value::btyd::{BgNbdParams, CustomerHistory, PurchaseModel};
///
/// let model = PurchaseModel::from(BgNbdParams::new(0.242593, 4.413532, 0.792886, 2.425754)?);
/// let customer = CustomerHistory::new(CustomerId::new(1), 26, 30.85714, 31.0)?;
/// assert!((model.p_alive(&customer)? - 0.9688555737).abs() < 1e-9);
/// assert!((model.expected_purchases(&customer, 52.0)? - 25.75776965).abs() < 1e-6);
/// assert_eq!(model.name(), "BG/NBD");
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "model", rename_all = "snake_case"))]
#[non_exhaustive]
pub enum PurchaseModel {
    /// BG/NBD (Fader, Hardie & Lee 2005).
    BgNbd(BgNbdParams),
    /// MBG/NBD (Batislam, Denizel & Filiztekin 2007).
    MbgNbd(MbgNbdParams),
    /// Pareto/NBD (Schmittlein, Morrison & Colombo 1987).
    ParetoNbd(ParetoNbdParams),
    /// GGom/NBD (Bemmaor & Glady 2012).
    GgomNbd(GgomNbdParams),
}

impl PurchaseModel {
    /// The model's usual name ("BG/NBD", ...).
    pub fn name(&self) -> &'static str {
        match self {
            PurchaseModel::BgNbd(_) => "BG/NBD",
            PurchaseModel::MbgNbd(_) => "MBG/NBD",
            PurchaseModel::ParetoNbd(_) => "Pareto/NBD",
            PurchaseModel::GgomNbd(_) => "GGom/NBD",
        }
    }

    /// P(alive at T | x, t_x, T).
    ///
    /// # Errors
    ///
    /// As the model's own method.
    pub fn p_alive(&self, history: &CustomerHistory) -> Result<f64> {
        match self {
            PurchaseModel::BgNbd(p) => Ok(p.p_alive(history)),
            PurchaseModel::MbgNbd(p) => Ok(p.p_alive(history)),
            PurchaseModel::ParetoNbd(p) => p.p_alive(history),
            PurchaseModel::GgomNbd(p) => p.p_alive(history),
        }
    }

    /// Conditional expected purchases in `(T, T + t]`.
    ///
    /// # Errors
    ///
    /// As the model's own method (a horizon that is negative or not finite).
    pub fn expected_purchases(&self, history: &CustomerHistory, t: f64) -> Result<f64> {
        match self {
            PurchaseModel::BgNbd(p) => p.expected_purchases(history, t),
            PurchaseModel::MbgNbd(p) => p.expected_purchases(history, t),
            PurchaseModel::ParetoNbd(p) => p.expected_purchases(history, t),
            PurchaseModel::GgomNbd(p) => p.expected_purchases(history, t),
        }
    }

    /// Expected purchases of a new customer in `(0, t]`.
    ///
    /// # Errors
    ///
    /// As the model's own method.
    pub fn expected_purchases_new(&self, t: f64) -> Result<f64> {
        match self {
            PurchaseModel::BgNbd(p) => p.expected_purchases_new(t),
            PurchaseModel::MbgNbd(p) => p.expected_purchases_new(t),
            PurchaseModel::ParetoNbd(p) => p.expected_purchases_new(t),
            PurchaseModel::GgomNbd(p) => p.expected_purchases_new(t),
        }
    }

    /// Discounted expected residual transactions at the continuous
    /// discount rate `delta` per time unit, for the models that have it
    /// (Pareto/NBD, GGom/NBD: `∫_0^∞ e^{−δu} dE[Y(u)]`); `None` for
    /// BG/NBD and MBG/NBD, whose purchases happen at discrete dropout
    /// opportunities.
    ///
    /// # Errors
    ///
    /// As the model's own `dert` (a rate that is not finite and > 0).
    pub fn dert(&self, history: &CustomerHistory, delta: f64) -> Option<Result<f64>> {
        match self {
            PurchaseModel::ParetoNbd(p) => Some(p.dert(history, delta)),
            PurchaseModel::GgomNbd(p) => Some(p.dert(history, delta)),
            _ => None,
        }
    }

    /// The purchase-rate distribution's `(r, α)`, common to every model.
    pub(crate) fn rate_shape(&self) -> (f64, f64) {
        match self {
            PurchaseModel::BgNbd(p) => (p.r(), p.alpha()),
            PurchaseModel::MbgNbd(p) => (p.r(), p.alpha()),
            PurchaseModel::ParetoNbd(p) => (p.r(), p.alpha()),
            PurchaseModel::GgomNbd(p) => (p.r(), p.alpha()),
        }
    }
}

impl From<GgomNbdParams> for PurchaseModel {
    fn from(p: GgomNbdParams) -> Self {
        PurchaseModel::GgomNbd(p)
    }
}

impl From<ParetoNbdParams> for PurchaseModel {
    fn from(p: ParetoNbdParams) -> Self {
        PurchaseModel::ParetoNbd(p)
    }
}

impl From<MbgNbdParams> for PurchaseModel {
    fn from(p: MbgNbdParams) -> Self {
        PurchaseModel::MbgNbd(p)
    }
}

impl From<BgNbdParams> for PurchaseModel {
    fn from(p: BgNbdParams) -> Self {
        PurchaseModel::BgNbd(p)
    }
}

#[cfg(all(test, feature = "serde"))]
mod tests {
    use super::*;

    #[test]
    fn serde_keeps_the_model_tag_and_validates() {
        let model = PurchaseModel::from(BgNbdParams::new(0.25, 4.0, 0.8, 2.5).unwrap());
        let json = serde_json::to_string(&model).unwrap();
        assert!(json.starts_with(r#"{"model":"bg_nbd","#), "{json}");
        let back: PurchaseModel = serde_json::from_str(&json).unwrap();
        assert_eq!(back, model);
        let bad = r#"{"model":"bg_nbd","r":-1.0,"alpha":4.0,"a":0.8,"b":2.5}"#;
        assert!(serde_json::from_str::<PurchaseModel>(bad).is_err());
        let unknown = r#"{"model":"nope","r":1.0}"#;
        assert!(serde_json::from_str::<PurchaseModel>(unknown).is_err());
    }
}
