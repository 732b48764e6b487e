//! Scoring the table: normalisation, AHP / entropy / caller weights, the
//! composite and the three sub-scores.

use crate::loyalty::{AhpResult, EntropyWeights};
use crate::{Error, Result};

use super::table::{Direction, Group, Scorecard};

/// How far weights may sum from 1: `1e-9`.
pub const WEIGHT_SUM_TOLERANCE: f64 = 1e-9;

fn bad(what: &'static str, reason: String) -> Error {
    Error::InvalidValue { what, reason }
}

/// Weights of the table: one per group (summing to 1) and one per
/// indicator within its group (summing to 1 in each group)
/// ([spec](crate::capability::spec#weights)). An indicator's global
/// weight is the product.
///
/// Serialises as `{ "group": [..], "within": [..] }`; deserialising checks
/// the group weights and the signs, and [`CapabilityModel::score`] checks
/// the within-group sums against its table.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawWeights"))]
pub struct CapabilityWeights {
    group: [f64; 3],
    within: Vec<f64>,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawWeights {
    group: [f64; 3],
    within: Vec<f64>,
}

#[cfg(feature = "serde")]
impl TryFrom<RawWeights> for CapabilityWeights {
    type Error = Error;
    fn try_from(r: RawWeights) -> Result<Self> {
        check_simplex("capability weights", &r.group)?;
        if r.within.iter().any(|w| !(w.is_finite() && *w >= 0.0)) {
            return Err(bad(
                "capability weights",
                format!("weights must be finite and >= 0, got {:?}", r.within),
            ));
        }
        Ok(Self {
            group: r.group,
            within: r.within,
        })
    }
}

fn check_simplex(what: &'static str, ws: &[f64]) -> Result<()> {
    if ws.iter().any(|w| !(w.is_finite() && *w >= 0.0)) {
        return Err(bad(
            what,
            format!("weights must be finite and >= 0, got {ws:?}"),
        ));
    }
    let sum: f64 = ws.iter().sum();
    if (sum - 1.0).abs() > WEIGHT_SUM_TOLERANCE {
        return Err(bad(
            what,
            format!("weights must sum to 1 (within 1e-9), got {sum}"),
        ));
    }
    Ok(())
}

impl CapabilityWeights {
    /// Caller weights: `group` in [`Group::ALL`] order, `within` in the
    /// table's indicator order.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] (`capability weights`) when a weight is
    /// negative or not finite, `within` does not have one weight per
    /// indicator, or the group weights or a group's indicator weights do
    /// not sum to 1 within [`WEIGHT_SUM_TOLERANCE`].
    pub fn new(card: &Scorecard, group: [f64; 3], within: Vec<f64>) -> Result<Self> {
        const WHAT: &str = "capability weights";
        check_simplex(WHAT, &group)?;
        if within.len() != card.len() {
            return Err(bad(
                WHAT,
                format!(
                    "need {} indicator weights, got {}",
                    card.len(),
                    within.len()
                ),
            ));
        }
        for g in Group::ALL {
            let ws: Vec<f64> = card.group_positions(g).iter().map(|&i| within[i]).collect();
            check_simplex(WHAT, &ws)?;
        }
        Ok(Self { group, within })
    }

    /// Equal weights: `1/3` per group and equal shares within each group.
    pub fn equal(card: &Scorecard) -> Self {
        let within = card
            .indicators()
            .iter()
            .map(|d| 1.0 / card.group_positions(d.group).len() as f64)
            .collect();
        Self {
            group: [1.0 / 3.0; 3],
            within,
        }
    }

    /// AHP weights: one result for the groups and one per group for its
    /// indicators, in table order ([`Ahp`](crate::loyalty::Ahp)).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] (`capability weights`) when a result's
    /// order does not match (3 groups; a group's indicator count).
    pub fn from_ahp(card: &Scorecard, groups: &AhpResult, within: [&AhpResult; 3]) -> Result<Self> {
        const WHAT: &str = "capability weights";
        let gw = groups.weights();
        if gw.len() != 3 {
            return Err(bad(
                WHAT,
                format!("the group AHP must rank 3 groups, got {}", gw.len()),
            ));
        }
        let mut w = vec![0.0; card.len()];
        for g in Group::ALL {
            let pos = card.group_positions(g);
            let local = within[g.index()].weights();
            if local.len() != pos.len() {
                return Err(bad(
                    WHAT,
                    format!(
                        "the AHP of {g:?} ranks {} indicators, the group has {}",
                        local.len(),
                        pos.len()
                    ),
                ));
            }
            for (&i, &x) in pos.iter().zip(local) {
                w[i] = x;
            }
        }
        Self::new(card, [gw[0], gw[1], gw[2]], w)
    }

    /// The group weights, in [`Group::ALL`] order.
    pub fn group(&self) -> [f64; 3] {
        self.group
    }

    /// The weights within groups, in table order.
    pub fn within(&self) -> &[f64] {
        &self.within
    }

    /// Each indicator's global weight `w_group × w_within` (they sum to 1).
    pub fn global(&self, card: &Scorecard) -> Vec<f64> {
        card.indicators()
            .iter()
            .zip(&self.within)
            .map(|(d, w)| self.group[d.group.index()] * w)
            .collect()
    }
}

/// Where the weights come from.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Weighting {
    /// Given weights (caller, equal or AHP).
    Given(CapabilityWeights),
    /// Entropy weights of the normalised measurements over the units
    /// scored ([spec](crate::capability::spec#weights)).
    Entropy,
}

/// A scale's worst and best values for one indicator.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Bounds {
    /// The value scored 0.
    pub worst: f64,
    /// The value scored 1.
    pub best: f64,
}

/// How measurements become scores in `[0, 1]`
/// ([spec](crate::capability::spec#normalisation)). Bounds and the fill
/// are checked when scoring.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Normalisation {
    /// Min-max over the units scored, reversed for lower-is-better
    /// indicators. An indicator equal for every unit gets `fill` when
    /// given, else is an error.
    MinMax {
        /// The score of a constant indicator, in `[0, 1]`.
        fill: Option<f64>,
    },
    /// Fixed scales, one per indicator in table order: `(x − worst) /
    /// (best − worst)`, clipped to `[0, 1]`. Scores one unit alone.
    Bounds(Vec<Bounds>),
}

/// One unit's measurements (a firm, a business unit, a year), one per
/// indicator in table order.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Measurements {
    /// The unit's name.
    pub unit: String,
    /// The measurements, in table order.
    pub values: Vec<f64>,
}

impl Measurements {
    /// A unit's measurements.
    pub fn new(unit: impl Into<String>, values: Vec<f64>) -> Self {
        Self {
            unit: unit.into(),
            values,
        }
    }
}

/// One unit's scores: the composite and the three sub-scores on 0-100,
/// and the normalised measurements.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct UnitScore {
    /// The unit.
    pub unit: String,
    /// `100 Σ_i W_i z_i`.
    pub composite: f64,
    /// `100 Σ_{i in g} w_i z_i` per group, in [`Group::ALL`] order.
    pub groups: [f64; 3],
    /// The normalised measurements `z_i`, in table order.
    pub normalised: Vec<f64>,
}

/// The scores of every unit and the weights used.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CapabilityReport {
    /// The weights used (for [`Weighting::Entropy`], the computed ones).
    pub weights: CapabilityWeights,
    /// One score per unit, in input order.
    pub units: Vec<UnitScore>,
}

/// The scorecard model: the table, a [`Normalisation`] and a
/// [`Weighting`] ([spec](crate::capability::spec#composite-and-sub-scores)).
///
/// # Example
///
/// ```
/// use customer_value::capability::{CapabilityModel, CapabilityWeights, Direction, Group,
///     IndicatorDef, Measurements, Normalisation, Scorecard, Weighting};
///
/// let card = Scorecard::new(vec![
///     IndicatorDef::new("insight", "analysis accuracy", Group::CustomerInsight, Direction::HigherIsBetter),
///     IndicatorDef::new("lead", "lead time", Group::CustomerCreation, Direction::LowerIsBetter),
///     IndicatorDef::new("churn", "churn rate", Group::CustomerRelationship, Direction::LowerIsBetter),
/// ])?;
/// let weights = CapabilityWeights::new(&card, [0.5, 0.3, 0.2], vec![1.0, 1.0, 1.0])?;
/// let model = CapabilityModel::new(card, Normalisation::MinMax { fill: None }, Weighting::Given(weights));
/// let report = model.score(&[
///     Measurements::new("north", vec![0.9, 10.0, 0.10]),
///     Measurements::new("south", vec![0.6, 4.0, 0.20]),
///     Measurements::new("west", vec![0.7, 6.0, 0.15]),
/// ])?;
/// // west: z = (1/3, 2/3, 1/2) -> 100 (0.5/3 + 0.3·2/3 + 0.2/2) = 46.67
/// assert_eq!(format!("{:.2}", report.units[2].composite), "46.67");
/// assert_eq!(format!("{:.2}", report.units[0].composite), "70.00"); // 100 (0.5 + 0 + 0.2)
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CapabilityModel {
    card: Scorecard,
    normalisation: Normalisation,
    weighting: Weighting,
}

impl CapabilityModel {
    /// The model.
    pub fn new(card: Scorecard, normalisation: Normalisation, weighting: Weighting) -> Self {
        Self {
            card,
            normalisation,
            weighting,
        }
    }

    /// The table.
    pub fn scorecard(&self) -> &Scorecard {
        &self.card
    }

    fn normalise(&self, units: &[Measurements]) -> Result<Vec<Vec<f64>>> {
        const WHAT: &str = "capability measurements";
        let n = self.card.len();
        for u in units {
            if u.values.len() != n {
                return Err(bad(
                    WHAT,
                    format!(
                        "unit {:?}: need {n} measurements, got {}",
                        u.unit,
                        u.values.len()
                    ),
                ));
            }
            if let Some((i, x)) = u.values.iter().enumerate().find(|(_, x)| !x.is_finite()) {
                return Err(bad(
                    WHAT,
                    format!(
                        "unit {:?}: {} is {x}, not a finite number",
                        u.unit,
                        self.card.indicators()[i].key
                    ),
                ));
            }
        }
        let mut z = vec![vec![0.0; n]; units.len()];
        match &self.normalisation {
            Normalisation::MinMax { fill } => {
                if let Some(f) = fill {
                    if !(0.0..=1.0).contains(f) {
                        return Err(Error::InvalidParameter {
                            name: "fill",
                            value: f.to_string(),
                            reason: "must be in [0, 1]",
                        });
                    }
                }
                for (i, def) in self.card.indicators().iter().enumerate() {
                    let lo = units
                        .iter()
                        .map(|u| u.values[i])
                        .fold(f64::INFINITY, f64::min);
                    let hi = units
                        .iter()
                        .map(|u| u.values[i])
                        .fold(f64::NEG_INFINITY, f64::max);
                    let span = hi - lo;
                    for (row, u) in z.iter_mut().zip(units) {
                        row[i] = if lo == hi {
                            fill.ok_or_else(|| {
                                bad(
                                    WHAT,
                                    format!("{}: every unit measures {lo}, so min-max is undefined; give a fill value", def.key),
                                )
                            })?
                        } else if !span.is_finite() {
                            return Err(bad(WHAT, format!("{}: max - min overflows", def.key)));
                        } else {
                            match def.direction {
                                Direction::HigherIsBetter => (u.values[i] - lo) / span,
                                Direction::LowerIsBetter => (hi - u.values[i]) / span,
                            }
                        };
                    }
                }
            }
            Normalisation::Bounds(bounds) => {
                if bounds.len() != n {
                    return Err(bad(WHAT, format!("need {n} bounds, got {}", bounds.len())));
                }
                for (i, (def, b)) in self.card.indicators().iter().zip(bounds).enumerate() {
                    let ok = b.worst.is_finite()
                        && b.best.is_finite()
                        && (b.best - b.worst).is_finite()
                        && match def.direction {
                            Direction::HigherIsBetter => b.best > b.worst,
                            Direction::LowerIsBetter => b.best < b.worst,
                        };
                    if !ok {
                        return Err(bad(
                            WHAT,
                            format!(
                                "{}: bounds worst {} best {} must be finite and ordered as the indicator's direction ({:?})",
                                def.key, b.worst, b.best, def.direction
                            ),
                        ));
                    }
                    for (row, u) in z.iter_mut().zip(units) {
                        row[i] = ((u.values[i] - b.worst) / (b.best - b.worst)).clamp(0.0, 1.0);
                    }
                }
            }
        }
        Ok(z)
    }

    fn entropy_weights(&self, z: &[Vec<f64>]) -> Result<CapabilityWeights> {
        let global = EntropyWeights::new(z)?.weights().to_vec();
        let mut group = [0.0; 3];
        for (d, w) in self.card.indicators().iter().zip(&global) {
            group[d.group.index()] += w;
        }
        let within = self
            .card
            .indicators()
            .iter()
            .zip(&global)
            .map(|(d, w)| {
                let g = group[d.group.index()];
                if g > 0.0 {
                    w / g
                } else {
                    1.0 / self.card.group_positions(d.group).len() as f64
                }
            })
            .collect();
        Ok(CapabilityWeights { group, within })
    }

    /// Scores the units.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyInput`] without units; [`Error::InvalidValue`]
    /// (`capability measurements`) when a unit's count of measurements
    /// differs from the table's, a measurement is not finite, min-max
    /// meets a constant indicator without a fill, or bounds are missing,
    /// not finite or ordered against the direction;
    /// [`Error::InvalidValue`] (`capability weights`) when given weights do
    /// not fit the table (as [`CapabilityWeights::new`]);
    /// [`Error::InvalidParameter`] (`fill`) outside `[0, 1]`; for
    /// [`Weighting::Entropy`], [`EntropyWeights::new`]'s errors (fewer
    /// than two units, a column of zeros, nothing distinguishing the
    /// units).
    pub fn score(&self, units: &[Measurements]) -> Result<CapabilityReport> {
        if units.is_empty() {
            return Err(Error::EmptyInput {
                what: "capability scorecard",
                needs: "unit",
            });
        }
        let z = self.normalise(units)?;
        let weights = match &self.weighting {
            // Re-checked against this table: weights may come from elsewhere.
            Weighting::Given(w) => CapabilityWeights::new(&self.card, w.group, w.within.clone())?,
            Weighting::Entropy => self.entropy_weights(&z)?,
        };
        let defs = self.card.indicators();
        let units = units
            .iter()
            .zip(z)
            .map(|(u, z)| {
                let mut groups = [0.0; 3];
                for ((d, w), zi) in defs.iter().zip(&weights.within).zip(&z) {
                    groups[d.group.index()] += 100.0 * w * zi;
                }
                let composite = groups.iter().zip(weights.group).map(|(s, g)| s * g).sum();
                UnitScore {
                    unit: u.unit.clone(),
                    composite,
                    groups,
                    normalised: z,
                }
            })
            .collect();
        Ok(CapabilityReport { weights, units })
    }
}
