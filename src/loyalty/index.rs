//! The loyalty index: weights x normalised indicators ([spec](crate::loyalty::spec#loyalty-index)).

use std::fmt;

use super::indicator::{Indicator, IndicatorGroup, IndicatorValues};
use super::normalise::{FittedNormaliser, Normaliser};
use super::weights::Weights;
use crate::score::par_map_into;
use crate::{Error, Fit, Result, Scorer};

/// What the index does with a missing indicator (one whose weight is
/// positive). There is no silent zero-fill: a missing value is either an
/// error or dropped with the remaining weights renormalised.
///
/// The default is [`MissingPolicy::Error`] \[L\].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum MissingPolicy {
    /// A missing indicator with a positive weight is an error.
    #[default]
    Error,
    /// Missing indicators are left out and the weights of the present ones
    /// renormalised: `index = 100 · Σ_present W z / Σ_present W`, and the
    /// same within each group.
    DropAndRenormalise,
}

/// One customer's loyalty index and its three sub-indices, each on 0-100.
///
/// ```text
/// index = 100 · Σ_leaf W_leaf z_leaf / Σ_leaf W_leaf
/// a_g   = 100 · Σ_{leaf in g} W_leaf z_leaf / Σ_{leaf in g} W_leaf
///       = 100 · Σ_{leaf in g} (within-group weight) · z_leaf
/// ```
///
/// with sums over the indicators present (all of them under
/// [`MissingPolicy::Error`], where `Σ W = 1`). With every indicator present,
/// `index = Σ_g W_g · a_g` for the group weights `W_g = Σ_{leaf in g}
/// W_leaf`. A sub-index is `None` when its group has no weighted indicator
/// present (or all its weights are 0).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawScore"))]
pub struct LoyaltyScore {
    index: f64,
    a1: Option<f64>,
    a2: Option<f64>,
    a3: Option<f64>,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawScore {
    index: f64,
    a1: Option<f64>,
    a2: Option<f64>,
    a3: Option<f64>,
}

#[cfg(feature = "serde")]
impl TryFrom<RawScore> for LoyaltyScore {
    type Error = Error;
    fn try_from(raw: RawScore) -> Result<Self> {
        let all = [Some(raw.index), raw.a1, raw.a2, raw.a3];
        if let Some(x) = all.iter().flatten().find(|x| !(0.0..=100.0).contains(*x)) {
            return Err(Error::InvalidValue {
                what: "loyalty score",
                reason: format!("indices must be in [0, 100], got {x}"),
            });
        }
        Ok(LoyaltyScore {
            index: raw.index,
            a1: raw.a1,
            a2: raw.a2,
            a3: raw.a3,
        })
    }
}

impl LoyaltyScore {
    /// The loyalty index, 0-100.
    pub fn index(&self) -> f64 {
        self.index
    }

    /// The A1 (relationship duration) sub-index, 0-100.
    pub fn a1(&self) -> Option<f64> {
        self.a1
    }

    /// The A2 (spending) sub-index, 0-100.
    pub fn a2(&self) -> Option<f64> {
        self.a2
    }

    /// The A3 (emotional) sub-index, 0-100.
    pub fn a3(&self) -> Option<f64> {
        self.a3
    }

    /// A group's sub-index.
    pub fn sub_index(&self, group: IndicatorGroup) -> Option<f64> {
        match group {
            IndicatorGroup::A1 => self.a1,
            IndicatorGroup::A2 => self.a2,
            IndicatorGroup::A3 => self.a3,
        }
    }
}

impl fmt::Display for LoyaltyScore {
    /// `"52.70 (A1 53.49, A2 50.00, A3 55.01)"`, `-` for a missing sub-index.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = f.precision().unwrap_or(2);
        write!(f, "{:.p$} (", self.index)?;
        for (k, (g, s)) in IndicatorGroup::ALL
            .iter()
            .map(|&g| (g, self.sub_index(g)))
            .enumerate()
        {
            if k > 0 {
                f.write_str(", ")?;
            }
            match s {
                Some(s) => write!(f, "{g} {s:.p$}")?,
                None => write!(f, "{g} -")?,
            }
        }
        f.write_str(")")
    }
}

/// Per-indicator constants for the hot loop.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Prepared {
    lo: [f64; 9],
    hi: [f64; 9],
    span: [f64; 9],
    weight: [f64; 9],
    /// Indicators with a positive weight and a fitted range.
    used: u16,
    /// Indicators with a positive weight.
    weighted: u16,
    fill: f64,
}

/// The [loyalty index](crate::loyalty::spec#loyalty-index): weights, a missing-value policy and
/// the population's fitted ranges; a [`Scorer`] of [`IndicatorValues`]
/// giving a [`LoyaltyScore`].
///
/// # Formula
///
/// \[V: hierarchy from the CRM courseware; the computation is L\]
///
/// ```text
/// z_leaf = min-max normalised value, reverse for A32, clamped to [0, 1]
/// index  = 100 · Σ_leaf W_leaf · z_leaf,   W_leaf = w_parent × w_child,  Σ W = 1
/// ```
///
/// Sub-indices and the missing-value rule are described at
/// [`LoyaltyScore`] and [`MissingPolicy`]. Indicators with weight 0 are
/// ignored, present or not.
///
/// Build it with [`LoyaltyIndex::new`] from a fitted normaliser, or fit it
/// on a population with [`LoyaltyModel`]. Serialises with its weights,
/// ranges and policy; deserialising validates like [`LoyaltyIndex::new`].
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Fit, Scorer};
/// use customer_value::loyalty::{IndicatorValues, LoyaltyModel, MissingPolicy, Weights};
///
/// let customers = [
///     [36.0, 12.0, 1.0, 0.6, 5.0, 0.5, 2.0, 6.5, 6.0],
///     [12.0, 4.0, -2.0, 0.2, 1.0, 0.1, 6.0, 4.0, 3.0],
///     [24.0, 8.0, 0.5, 0.4, 3.0, 0.3, 4.0, 5.5, 5.0],
/// ]
/// .iter()
/// .enumerate()
/// .map(|(i, v)| IndicatorValues::new(CustomerId::new(i as u64 + 1), v.map(Some)))
/// .collect::<Result<Vec<_>, _>>()?;
/// let weights = Weights::new([0.3437, 0.1394, 0.0565, 0.1980, 0.0990, 0.0692, 0.0371, 0.0200, 0.0371])?;
/// let index = LoyaltyModel::new(weights, MissingPolicy::Error).fit(&customers)?;
/// let scores = index.score_all(&customers)?;
/// assert_eq!(format!("{:.2}", scores[0].index()), "100.00");
/// assert_eq!(format!("{:.2}", scores[1].index()), "0.00");
/// assert_eq!(format!("{:.2}", scores[2]), "52.70 (A1 53.49, A2 50.00, A3 55.01)");
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RawIndex"))]
pub struct LoyaltyIndex {
    weights: Weights,
    normaliser: FittedNormaliser,
    missing: MissingPolicy,
    #[cfg_attr(feature = "serde", serde(skip))]
    prepared: Prepared,
}

#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawIndex {
    weights: Weights,
    normaliser: FittedNormaliser,
    missing: MissingPolicy,
}

#[cfg(feature = "serde")]
impl TryFrom<RawIndex> for LoyaltyIndex {
    type Error = Error;
    fn try_from(raw: RawIndex) -> Result<Self> {
        LoyaltyIndex::new(raw.weights, raw.normaliser, raw.missing)
    }
}

impl LoyaltyIndex {
    /// An index from weights, fitted ranges and a missing-value policy.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when every weighted indicator lacks a fitted
    /// range (nothing could ever be scored), or, under
    /// [`MissingPolicy::Error`], when any indicator with a positive weight
    /// lacks one (every customer would be rejected).
    ///
    /// # Example
    ///
    /// ```
    /// use customer_value::loyalty::{FittedNormaliser, Indicator, LoyaltyIndex, MissingPolicy, Weights};
    ///
    /// let mut ranges = [Some((0.0, 10.0)); 9];
    /// let w = Weights::new([1.0 / 9.0; 9])?;
    /// assert!(LoyaltyIndex::new(w, FittedNormaliser::new(ranges, None)?, MissingPolicy::Error).is_ok());
    /// ranges[Indicator::A21.index()] = None; // no share-of-wallet data at all
    /// let n = FittedNormaliser::new(ranges, None)?;
    /// assert!(LoyaltyIndex::new(w, n, MissingPolicy::Error).is_err());
    /// assert!(LoyaltyIndex::new(w, n, MissingPolicy::DropAndRenormalise).is_ok());
    /// # Ok::<(), customer_value::Error>(())
    /// ```
    pub fn new(
        weights: Weights,
        normaliser: FittedNormaliser,
        missing: MissingPolicy,
    ) -> Result<Self> {
        let mut p = Prepared {
            lo: [0.0; 9],
            hi: [0.0; 9],
            span: [0.0; 9],
            weight: weights.leaves(),
            used: 0,
            weighted: 0,
            fill: normaliser.fill().unwrap_or(0.0),
        };
        for ind in Indicator::ALL {
            let i = ind.index();
            let w = weights.get(ind);
            if w > 0.0 {
                p.weighted |= 1 << i;
            }
            match normaliser.range(ind) {
                Some((lo, hi)) => {
                    if w > 0.0 {
                        p.used |= 1 << i;
                    }
                    if let (Some(l), Some(h), Some(s)) =
                        (p.lo.get_mut(i), p.hi.get_mut(i), p.span.get_mut(i))
                    {
                        (*l, *h, *s) = (lo, hi, hi - lo);
                    }
                }
                None if w > 0.0 && missing == MissingPolicy::Error => {
                    return Err(Error::InvalidValue {
                        what: "loyalty index",
                        reason: format!(
                            "{ind} has weight {w} but no fitted range, so every customer would be rejected under the error policy"
                        ),
                    });
                }
                None => {}
            }
        }
        if p.used == 0 {
            return Err(Error::InvalidValue {
                what: "loyalty index",
                reason: "no indicator has both a positive weight and a fitted range".to_string(),
            });
        }
        Ok(Self {
            weights,
            normaliser,
            missing,
            prepared: p,
        })
    }

    /// The weights.
    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    /// The fitted ranges.
    pub fn normaliser(&self) -> &FittedNormaliser {
        &self.normaliser
    }

    /// The missing-value policy.
    pub fn missing_policy(&self) -> MissingPolicy {
        self.missing
    }

    #[inline]
    fn compute(&self, v: &IndicatorValues) -> Result<LoyaltyScore> {
        let p = &self.prepared;
        let (values, mask) = v.raw();
        let present = mask & p.used;
        if present != p.weighted && self.missing == MissingPolicy::Error {
            return Err(self.missing_error(v, present));
        }
        let mut num = [0.0f64; 3];
        let mut den = [0.0f64; 3];
        for i in 0..9usize {
            if present & (1 << i) == 0 {
                continue;
            }
            // i < 9 indexes fixed-size arrays of 9: cannot fail.
            let (x, lo, hi, span, w) = (values[i], p.lo[i], p.hi[i], p.span[i], p.weight[i]);
            let z = if span > 0.0 {
                let z = if i == Indicator::A32.index() {
                    (hi - x) / span
                } else {
                    (x - lo) / span
                };
                z.clamp(0.0, 1.0)
            } else {
                p.fill
            };
            let g = GROUP_OF[i];
            num[g] += w * z;
            den[g] += w;
        }
        let total_den = den[0] + den[1] + den[2];
        if !(total_den > 0.0) {
            return Err(Error::InvalidValue {
                what: "loyalty index",
                reason: format!(
                    "customer {}: no weighted indicator is present",
                    v.customer()
                ),
            });
        }
        let total_num = num[0] + num[1] + num[2];
        let sub = |g: usize| (den[g] > 0.0).then(|| (100.0 * num[g] / den[g]).min(100.0));
        Ok(LoyaltyScore {
            index: (100.0 * total_num / total_den).min(100.0),
            a1: sub(0),
            a2: sub(1),
            a3: sub(2),
        })
    }

    #[cold]
    fn missing_error(&self, v: &IndicatorValues, present: u16) -> Error {
        let first = Indicator::ALL
            .into_iter()
            .find(|i| self.prepared.weighted & !present & (1 << i.index()) != 0)
            .unwrap_or(Indicator::A11);
        Error::InvalidValue {
            what: "indicator values",
            reason: format!(
                "customer {}: {first} ({}) is missing and the missing policy is error",
                v.customer(),
                first.english()
            ),
        }
    }
}

const GROUP_OF: [usize; 9] = [0, 0, 0, 1, 1, 2, 2, 2, 2];

impl Scorer for LoyaltyIndex {
    type Input = IndicatorValues;
    type Score = LoyaltyScore;

    /// The customer's [`LoyaltyScore`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when an indicator with a positive weight is
    /// missing under [`MissingPolicy::Error`], or when no weighted
    /// indicator is present at all.
    fn score(&self, input: &IndicatorValues) -> Result<LoyaltyScore> {
        self.compute(input)
    }

    /// Scores a slice on all cores when it is large; the result does not
    /// depend on the thread count, and on error `out` is left unchanged.
    fn score_into(&self, inputs: &[IndicatorValues], out: &mut Vec<LoyaltyScore>) -> Result<()> {
        par_map_into(inputs, out, |v| self.compute(v))
    }
}

/// The configuration of a loyalty index before fitting: weights, the
/// missing-value policy and the [`Normaliser`]; [`Fit::fit`] learns the
/// population's ranges and returns a [`LoyaltyIndex`].
///
/// # Example
///
/// See [`LoyaltyIndex`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LoyaltyModel {
    weights: Weights,
    missing: MissingPolicy,
    normaliser: Normaliser,
}

impl LoyaltyModel {
    /// A model with these weights and policy, and a [`Normaliser`] that
    /// rejects constant indicators.
    pub fn new(weights: Weights, missing: MissingPolicy) -> Self {
        Self {
            weights,
            missing,
            normaliser: Normaliser::new(),
        }
    }

    /// Uses another normaliser (one with a fill value, say).
    pub fn normaliser(mut self, normaliser: Normaliser) -> Self {
        self.normaliser = normaliser;
        self
    }

    /// The weights.
    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    /// The missing-value policy.
    pub fn missing_policy(&self) -> MissingPolicy {
        self.missing
    }
}

impl Fit for LoyaltyModel {
    type Input = IndicatorValues;
    type Fitted = LoyaltyIndex;

    /// Fits the normaliser on `population` and builds the index.
    ///
    /// # Errors
    ///
    /// [`Error::Duplicate`](crate::Error::Duplicate) when a customer has
    /// two rows (the ranges would count it twice); those of
    /// [`Normaliser`]'s fit (empty population, a constant indicator without
    /// fill) and of [`LoyaltyIndex::new`].
    fn fit(&self, population: &[IndicatorValues]) -> Result<LoyaltyIndex> {
        let mut seen = std::collections::HashSet::with_capacity(population.len());
        if let Some(row) = population.iter().find(|r| !seen.insert(r.customer())) {
            return Err(crate::Error::Duplicate {
                what: "customer",
                key: row.customer().to_string(),
            });
        }
        let normaliser = self.normaliser.fit(population)?;
        LoyaltyIndex::new(self.weights, normaliser, self.missing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CustomerId;

    fn row(id: u64, vals: [Option<f64>; 9]) -> IndicatorValues {
        IndicatorValues::new(CustomerId::new(id), vals).unwrap()
    }

    fn ranges() -> FittedNormaliser {
        FittedNormaliser::new([Some((0.0, 10.0)); 9], None).unwrap()
    }

    #[test]
    fn fit_refuses_a_duplicated_customer() {
        let w = Weights::new([1.0 / 9.0; 9]).unwrap();
        let model = LoyaltyModel::new(w, MissingPolicy::Error);
        let a = row(7, [Some(1.0); 9]);
        let b = row(8, [Some(2.0); 9]);
        assert!(model.fit(&[a, b]).is_ok());
        assert_eq!(
            model.fit(&[a, b, a]).unwrap_err(),
            crate::Error::Duplicate {
                what: "customer",
                key: "7".into()
            }
        );
    }

    #[test]
    fn new_valid_and_errors() {
        let w = Weights::new([1.0 / 9.0; 9]).unwrap();
        assert!(LoyaltyIndex::new(w, ranges(), MissingPolicy::Error).is_ok());
        let empty = FittedNormaliser::new([None; 9], None).unwrap();
        for policy in [MissingPolicy::Error, MissingPolicy::DropAndRenormalise] {
            assert!(matches!(
                LoyaltyIndex::new(w, empty, policy),
                Err(Error::InvalidValue { .. })
            ));
        }
    }

    #[test]
    fn missing_policies() {
        let w = Weights::new([1.0 / 9.0; 9]).unwrap();
        let mut v = [Some(5.0); 9];
        v[3] = None;
        v[4] = None;
        let r = row(1, v);
        let strict = LoyaltyIndex::new(w, ranges(), MissingPolicy::Error).unwrap();
        let err = strict.score(&r).unwrap_err();
        assert!(err.to_string().contains("A21"), "{err}");
        let drop = LoyaltyIndex::new(w, ranges(), MissingPolicy::DropAndRenormalise).unwrap();
        let s = drop.score(&r).unwrap();
        assert!((s.index() - 50.0).abs() < 1e-12);
        assert_eq!(s.a2(), None);
        assert!(drop.score(&row(2, [None; 9])).is_err());
        // A zero-weight indicator may be missing even under the error policy.
        let mut leaves = [0.125; 9];
        leaves[3] = 0.0;
        leaves[4] = 0.0;
        leaves[0] = 0.25;
        let w0 = Weights::new(leaves).unwrap();
        let s = LoyaltyIndex::new(w0, ranges(), MissingPolicy::Error)
            .unwrap()
            .score(&r)
            .unwrap();
        assert!((s.index() - 50.0).abs() < 1e-12);
        assert_eq!(s.a2(), None);
    }

    #[test]
    fn bulk_matches_single_and_keeps_errors() {
        let w = Weights::new([1.0 / 9.0; 9]).unwrap();
        let idx = LoyaltyIndex::new(w, ranges(), MissingPolicy::Error).unwrap();
        let rows: Vec<_> = (0..10).map(|i| row(i, [Some(i as f64); 9])).collect();
        let all = idx.score_all(&rows).unwrap();
        for (r, s) in rows.iter().zip(&all) {
            assert_eq!(idx.score(r).unwrap(), *s);
        }
        let mut out = Vec::new();
        let mut bad = rows.clone();
        bad[5] = row(5, [None; 9]);
        assert!(idx.score_into(&bad, &mut out).is_err());
        assert!(out.is_empty());
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_round_trip_validates() {
        let w = Weights::new([1.0 / 9.0; 9]).unwrap();
        let idx = LoyaltyIndex::new(w, ranges(), MissingPolicy::DropAndRenormalise).unwrap();
        let json = serde_json::to_string(&idx).unwrap();
        let back: LoyaltyIndex = serde_json::from_str(&json).unwrap();
        assert_eq!(back, idx);
        let s = idx.score(&row(1, [Some(5.0); 9])).unwrap();
        let back: LoyaltyScore = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
        assert!(
            serde_json::from_str::<LoyaltyScore>(
                r#"{"index":101.0,"a1":null,"a2":null,"a3":null}"#
            )
            .is_err()
        );
    }
}
