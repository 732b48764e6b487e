//! The courseware's CRM capability indicator table, as data.

use crate::{Error, Result};

/// The three indicator groups of the scorecard
/// ([spec](crate::capability::spec#indicator-table)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Group {
    /// Customer insight: knowing the customers.
    CustomerInsight,
    /// Customer creation: creating value for them.
    CustomerCreation,
    /// Customer relationship: keeping them.
    CustomerRelationship,
}

impl Group {
    /// The three groups, in table order; `Group::ALL[g.index()] == g`.
    pub const ALL: [Group; 3] = [
        Group::CustomerInsight,
        Group::CustomerCreation,
        Group::CustomerRelationship,
    ];

    /// The group's position, 0 to 2.
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// Whether a larger measurement is better or worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Direction {
    /// More is better (a speed as a rate, a share, a count of channels).
    HigherIsBetter,
    /// Less is better (a lead time, a cost, a churn rate).
    LowerIsBetter,
}

/// One row of the indicator table: a key, a readable name, its group and
/// its direction.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct IndicatorDef {
    /// A short unique key (`feedback_speed`).
    pub key: String,
    /// A readable name.
    pub name: String,
    /// The group.
    pub group: Group,
    /// The direction.
    pub direction: Direction,
}

impl IndicatorDef {
    /// An indicator.
    pub fn new(
        key: impl Into<String>,
        name: impl Into<String>,
        group: Group,
        direction: Direction,
    ) -> Self {
        Self {
            key: key.into(),
            name: name.into(),
            group,
            direction,
        }
    }
}

/// The indicator table: rows in order, each group with at least one
/// indicator ([spec](crate::capability::spec#indicator-table)).
///
/// Serialises as the list of rows; deserialising checks like
/// [`new`](Self::new).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "Vec<IndicatorDef>", into = "Vec<IndicatorDef>")
)]
pub struct Scorecard {
    indicators: Vec<IndicatorDef>,
}

impl TryFrom<Vec<IndicatorDef>> for Scorecard {
    type Error = Error;
    fn try_from(v: Vec<IndicatorDef>) -> Result<Self> {
        Scorecard::new(v)
    }
}

impl From<Scorecard> for Vec<IndicatorDef> {
    fn from(s: Scorecard) -> Self {
        s.indicators
    }
}

impl Scorecard {
    /// Checks and builds a table.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] (`scorecard`) when a key repeats or a group
    /// has no indicator.
    pub fn new(indicators: Vec<IndicatorDef>) -> Result<Self> {
        for (i, a) in indicators.iter().enumerate() {
            if indicators[..i].iter().any(|b| b.key == a.key) {
                return Err(Error::InvalidValue {
                    what: "scorecard",
                    reason: format!("indicator key {:?} appears twice", a.key),
                });
            }
        }
        for g in Group::ALL {
            if !indicators.iter().any(|d| d.group == g) {
                return Err(Error::InvalidValue {
                    what: "scorecard",
                    reason: format!("group {g:?} has no indicator"),
                });
            }
        }
        Ok(Self { indicators })
    }

    /// The courseware's table: 5 customer-insight, 10 customer-creation
    /// and 4 customer-relationship indicators, with this crate's default
    /// directions \[L\] (times, costs and churn lower is better; speeds
    /// measured as rates, shares, breadth and levels higher is better).
    pub fn standard() -> Self {
        use Direction::{HigherIsBetter as Up, LowerIsBetter as Down};
        use Group::{CustomerCreation as C, CustomerInsight as I, CustomerRelationship as R};
        let rows = [
            ("feedback_speed", "customer feedback speed", I, Up),
            ("knowledge_depth", "depth of customer knowledge", I, Up),
            ("analysis_speed", "speed of customer analysis", I, Up),
            ("analysis_accuracy", "accuracy of customer analysis", I, Up),
            (
                "gold_share_growth",
                "growth of the gold customers' share",
                I,
                Up,
            ),
            ("development_speed", "speed of developing offers", C, Up),
            ("customisation_breadth", "breadth of customisation", C, Up),
            ("lead_time", "order lead time", C, Down),
            ("cost", "cost of serving", C, Down),
            ("service_level", "service level", C, Up),
            ("delivery_speed", "delivery speed", C, Up),
            ("delivery_flexibility", "delivery flexibility", C, Up),
            ("channel_diversity", "diversity of channels", C, Up),
            ("ease_of_use", "ease of use", C, Up),
            ("brand_management", "brand management", C, Up),
            ("effect_per_investment", "effect per unit invested", R, Up),
            ("response_lead_time", "response lead time", R, Down),
            ("churn_speed", "speed of customer churn", R, Down),
            (
                "complaint_resolution_time",
                "complaint resolution time",
                R,
                Down,
            ),
        ];
        Self {
            indicators: rows
                .into_iter()
                .map(|(k, n, g, d)| IndicatorDef::new(k, n, g, d))
                .collect(),
        }
    }

    /// The same table with one indicator's direction changed (a speed
    /// measured as a time, say).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] (`scorecard`) for an unknown key.
    pub fn with_direction(mut self, key: &str, direction: Direction) -> Result<Self> {
        let i = self.position(key).ok_or_else(|| Error::InvalidValue {
            what: "scorecard",
            reason: format!("no indicator {key:?}"),
        })?;
        self.indicators[i].direction = direction;
        Ok(self)
    }

    /// The rows, in order.
    pub fn indicators(&self) -> &[IndicatorDef] {
        &self.indicators
    }

    /// The number of indicators.
    pub fn len(&self) -> usize {
        self.indicators.len()
    }

    /// Always `false`: every group has an indicator.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The position of the indicator `key`.
    pub fn position(&self, key: &str) -> Option<usize> {
        self.indicators.iter().position(|d| d.key == key)
    }

    /// The positions of a group's indicators, in table order.
    pub fn group_positions(&self, group: Group) -> Vec<usize> {
        self.indicators
            .iter()
            .enumerate()
            .filter(|(_, d)| d.group == group)
            .map(|(i, _)| i)
            .collect()
    }
}
