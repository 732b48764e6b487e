//! Rungs, the five loyalty traits, behaviour rows and the caller-tunable
//! rules that place a customer on the ladder.

use crate::{CustomerId, CustomerSummary, Error, Keyed, Result, Scorer};

/// A rung of the loyalty ladder, lowest first
/// ([spec](crate::ladder::spec#rungs)). Rungs are ordered: `Prospect <
/// Purchaser < … < Partner`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Rung {
    /// No purchase in the window \[L\]: below the courseware's ladder, so
    /// that lapsed and not-yet-won customers have a place in migrations.
    Prospect,
    /// Bought at least once.
    Purchaser,
    /// Buys again, regularly.
    Customer,
    /// A loyal customer: cross-buys and stays through competitors' offers
    /// or service failures (with the default rules).
    Supporter,
    /// A supporter who recommends the business to others.
    Advocate,
    /// An advocate in a working partnership with the business.
    Partner,
}

impl Rung {
    /// Every rung, lowest first; `Rung::ALL[r.index()] == r`.
    pub const ALL: [Rung; 6] = [
        Rung::Prospect,
        Rung::Purchaser,
        Rung::Customer,
        Rung::Supporter,
        Rung::Advocate,
        Rung::Partner,
    ];

    /// The rung's position, 0 (Prospect) to 5 (Partner).
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The rung's English name.
    pub const fn name(self) -> &'static str {
        match self {
            Rung::Prospect => "prospect",
            Rung::Purchaser => "purchaser",
            Rung::Customer => "customer",
            Rung::Supporter => "supporter",
            Rung::Advocate => "advocate",
            Rung::Partner => "partner",
        }
    }
}

impl core::fmt::Display for Rung {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// A behavioural trait of loyal customers: the courseware's five, and a
/// partnership ([spec](crate::ladder::spec#traits)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Trait {
    /// Regular repeat purchase.
    RepeatPurchase,
    /// Buying across product categories.
    CrossBuying,
    /// Referring others.
    Referral,
    /// Declining competitors' offers.
    CompetitorResistance,
    /// Staying after service failures.
    FailureTolerance,
    /// A working partnership with the business (caller's flag).
    Partnership,
}

impl Trait {
    /// Every trait.
    pub const ALL: [Trait; 6] = [
        Trait::RepeatPurchase,
        Trait::CrossBuying,
        Trait::Referral,
        Trait::CompetitorResistance,
        Trait::FailureTolerance,
        Trait::Partnership,
    ];

    const fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of [`Trait`]s. Serialises as a list of trait names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(from = "Vec<Trait>", into = "Vec<Trait>"))]
pub struct TraitSet(u8);

impl TraitSet {
    /// The empty set.
    pub const EMPTY: TraitSet = TraitSet(0);

    /// The set of the given traits.
    pub fn of(traits: &[Trait]) -> Self {
        traits.iter().copied().collect()
    }

    /// Whether `t` is in the set.
    pub const fn contains(self, t: Trait) -> bool {
        self.0 & t.bit() != 0
    }

    /// The set with `t` added.
    pub const fn with(self, t: Trait) -> Self {
        TraitSet(self.0 | t.bit())
    }

    /// The number of traits in the set.
    pub const fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether every trait of `other` is in `self`.
    pub const fn contains_all(self, other: TraitSet) -> bool {
        self.0 & other.0 == other.0
    }

    /// The traits in both sets.
    pub const fn intersection(self, other: TraitSet) -> TraitSet {
        TraitSet(self.0 & other.0)
    }

    /// The traits, in [`Trait::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Trait> {
        Trait::ALL.into_iter().filter(move |t| self.contains(*t))
    }
}

impl FromIterator<Trait> for TraitSet {
    fn from_iter<I: IntoIterator<Item = Trait>>(iter: I) -> Self {
        iter.into_iter().fold(TraitSet::EMPTY, TraitSet::with)
    }
}

impl From<Vec<Trait>> for TraitSet {
    fn from(v: Vec<Trait>) -> Self {
        v.into_iter().collect()
    }
}

impl From<TraitSet> for Vec<Trait> {
    fn from(s: TraitSet) -> Self {
        s.iter().collect()
    }
}

/// One customer's behaviour over the caller's observation window
/// ([spec](crate::ladder::spec#behaviour)): counts the caller observed,
/// plus a partnership flag. Purchases and categories can come from a
/// [`CustomerSummary`] ([`from_summary`](Self::from_summary)); the rest
/// are CRM or survey records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "RawBehaviour", into = "RawBehaviour")
)]
pub struct Behaviour {
    customer: CustomerId,
    purchases: u32,
    active_periods: u32,
    periods: u32,
    categories: u32,
    referrals: u32,
    offers_declined: u32,
    failures_tolerated: u32,
    partner: bool,
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct RawBehaviour {
    customer: CustomerId,
    purchases: u32,
    #[serde(default)]
    active_periods: u32,
    #[serde(default)]
    periods: u32,
    #[serde(default)]
    categories: u32,
    #[serde(default)]
    referrals: u32,
    #[serde(default)]
    offers_declined: u32,
    #[serde(default)]
    failures_tolerated: u32,
    #[serde(default)]
    partner: bool,
}

#[cfg(feature = "serde")]
impl From<Behaviour> for RawBehaviour {
    fn from(b: Behaviour) -> Self {
        RawBehaviour {
            customer: b.customer,
            purchases: b.purchases,
            active_periods: b.active_periods,
            periods: b.periods,
            categories: b.categories,
            referrals: b.referrals,
            offers_declined: b.offers_declined,
            failures_tolerated: b.failures_tolerated,
            partner: b.partner,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<RawBehaviour> for Behaviour {
    type Error = Error;
    fn try_from(r: RawBehaviour) -> Result<Self> {
        Ok(Behaviour::new(r.customer, r.purchases)
            .with_activity(r.active_periods, r.periods)?
            .with_categories(r.categories)
            .with_referrals(r.referrals)
            .with_offers_declined(r.offers_declined)
            .with_failures_tolerated(r.failures_tolerated)
            .with_partner(r.partner))
    }
}

impl Behaviour {
    /// A customer with `purchases` purchase occasions in the window and
    /// nothing else observed (every other count 0, no partnership).
    pub fn new(customer: CustomerId, purchases: u32) -> Self {
        Self {
            customer,
            purchases,
            active_periods: 0,
            periods: 0,
            categories: 0,
            referrals: 0,
            offers_declined: 0,
            failures_tolerated: 0,
            partner: false,
        }
    }

    /// Purchases (occasions) and distinct categories from a summary row.
    pub fn from_summary(row: &CustomerSummary) -> Self {
        Self::new(row.customer(), row.purchases()).with_categories(row.categories())
    }

    /// The window split into `periods` equal periods (months, quarters),
    /// of which the customer bought in `active_periods`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] (`behaviour`) when `active_periods >
    /// periods`.
    pub fn with_activity(mut self, active_periods: u32, periods: u32) -> Result<Self> {
        if active_periods > periods {
            return Err(Error::InvalidValue {
                what: "behaviour",
                reason: format!(
                    "customer {}: active periods ({active_periods}) exceed the periods of the window ({periods})",
                    self.customer
                ),
            });
        }
        self.active_periods = active_periods;
        self.periods = periods;
        Ok(self)
    }

    /// Distinct product categories bought.
    pub fn with_categories(mut self, categories: u32) -> Self {
        self.categories = categories;
        self
    }

    /// Referrals made (new customers referred, or recommendations).
    pub fn with_referrals(mut self, referrals: u32) -> Self {
        self.referrals = referrals;
        self
    }

    /// Competitors' offers the customer is known to have declined.
    pub fn with_offers_declined(mut self, offers: u32) -> Self {
        self.offers_declined = offers;
        self
    }

    /// Service failures after which the customer kept buying.
    pub fn with_failures_tolerated(mut self, failures: u32) -> Self {
        self.failures_tolerated = failures;
        self
    }

    /// Whether the customer is in a working partnership with the business
    /// (co-development, advisory board, framework contract...).
    pub fn with_partner(mut self, partner: bool) -> Self {
        self.partner = partner;
        self
    }

    /// The customer.
    pub fn customer(&self) -> CustomerId {
        self.customer
    }

    /// Purchase occasions in the window.
    pub fn purchases(&self) -> u32 {
        self.purchases
    }

    /// `(active_periods, periods)`.
    pub fn activity(&self) -> (u32, u32) {
        (self.active_periods, self.periods)
    }

    /// Distinct categories.
    pub fn categories(&self) -> u32 {
        self.categories
    }

    /// Referrals.
    pub fn referrals(&self) -> u32 {
        self.referrals
    }

    /// Competitors' offers declined.
    pub fn offers_declined(&self) -> u32 {
        self.offers_declined
    }

    /// Service failures tolerated.
    pub fn failures_tolerated(&self) -> u32 {
        self.failures_tolerated
    }

    /// The partnership flag.
    pub fn partner(&self) -> bool {
        self.partner
    }
}

impl Keyed for Behaviour {
    fn customer(&self) -> CustomerId {
        self.customer
    }
}

/// The thresholds that turn counts into [`Trait`]s
/// ([spec](crate::ladder::spec#traits)); every one is a setting \[L\].
///
/// A trait holds when its count reaches its threshold (`>=`). Regularity
/// compares `active_periods` with `min_active_periods`, so a caller that
/// does not track periods sets it to 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "RawThresholds", into = "RawThresholds")
)]
pub struct Thresholds {
    min_purchases: u32,
    min_active_periods: u32,
    min_categories: u32,
    min_referrals: u32,
    min_offers_declined: u32,
    min_failures_tolerated: u32,
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct RawThresholds {
    min_purchases: u32,
    min_active_periods: u32,
    min_categories: u32,
    min_referrals: u32,
    min_offers_declined: u32,
    min_failures_tolerated: u32,
}

#[cfg(feature = "serde")]
impl From<Thresholds> for RawThresholds {
    fn from(t: Thresholds) -> Self {
        RawThresholds {
            min_purchases: t.min_purchases,
            min_active_periods: t.min_active_periods,
            min_categories: t.min_categories,
            min_referrals: t.min_referrals,
            min_offers_declined: t.min_offers_declined,
            min_failures_tolerated: t.min_failures_tolerated,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<RawThresholds> for Thresholds {
    type Error = Error;
    fn try_from(r: RawThresholds) -> Result<Self> {
        Thresholds::default()
            .min_purchases(r.min_purchases)?
            .min_active_periods(r.min_active_periods)
            .min_categories(r.min_categories)?
            .min_referrals(r.min_referrals)?
            .min_offers_declined(r.min_offers_declined)?
            .min_failures_tolerated(r.min_failures_tolerated)
    }
}

impl Default for Thresholds {
    /// Two purchases, two categories, and one referral, declined offer
    /// or tolerated failure; the regularity test off (0 active periods),
    /// since rows built from a summary carry no periods \[L\].
    fn default() -> Self {
        Self {
            min_purchases: 2,
            min_active_periods: 0,
            min_categories: 2,
            min_referrals: 1,
            min_offers_declined: 1,
            min_failures_tolerated: 1,
        }
    }
}

fn at_least_one(name: &'static str, value: u32) -> Result<u32> {
    if value == 0 {
        return Err(Error::InvalidParameter {
            name,
            value: value.to_string(),
            reason: "must be at least 1 (a threshold of 0 would give the trait to everyone)",
        });
    }
    Ok(value)
}

impl Thresholds {
    /// Purchases needed for [`Trait::RepeatPurchase`] (default 2).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (`min_purchases`) below 2: one purchase
    /// is not a repeat.
    pub fn min_purchases(mut self, n: u32) -> Result<Self> {
        if n < 2 {
            return Err(Error::InvalidParameter {
                name: "min_purchases",
                value: n.to_string(),
                reason: "must be at least 2 (one purchase is not a repeat)",
            });
        }
        self.min_purchases = n;
        Ok(self)
    }

    /// Active periods needed for regularity (default 0: the test is off;
    /// set it, and give each row its [`Behaviour::with_activity`], to ask
    /// for purchases spread over the window, such as 3 of 4 quarters).
    pub fn min_active_periods(mut self, n: u32) -> Self {
        self.min_active_periods = n;
        self
    }

    /// Categories needed for [`Trait::CrossBuying`] (default 2).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (`min_categories`) below 2: one
    /// category is not cross-buying.
    pub fn min_categories(mut self, n: u32) -> Result<Self> {
        if n < 2 {
            return Err(Error::InvalidParameter {
                name: "min_categories",
                value: n.to_string(),
                reason: "must be at least 2 (one category is not cross-buying)",
            });
        }
        self.min_categories = n;
        Ok(self)
    }

    /// Referrals needed for [`Trait::Referral`] (default 1).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (`min_referrals`) for 0.
    pub fn min_referrals(mut self, n: u32) -> Result<Self> {
        self.min_referrals = at_least_one("min_referrals", n)?;
        Ok(self)
    }

    /// Declined offers needed for [`Trait::CompetitorResistance`]
    /// (default 1).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (`min_offers_declined`) for 0.
    pub fn min_offers_declined(mut self, n: u32) -> Result<Self> {
        self.min_offers_declined = at_least_one("min_offers_declined", n)?;
        Ok(self)
    }

    /// Tolerated failures needed for [`Trait::FailureTolerance`]
    /// (default 1).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (`min_failures_tolerated`) for 0.
    pub fn min_failures_tolerated(mut self, n: u32) -> Result<Self> {
        self.min_failures_tolerated = at_least_one("min_failures_tolerated", n)?;
        Ok(self)
    }

    /// The traits a behaviour row shows.
    pub fn traits(&self, b: &Behaviour) -> TraitSet {
        let mut set = TraitSet::EMPTY;
        if b.purchases >= self.min_purchases && b.active_periods >= self.min_active_periods {
            set = set.with(Trait::RepeatPurchase);
        }
        if b.categories >= self.min_categories {
            set = set.with(Trait::CrossBuying);
        }
        if b.referrals >= self.min_referrals {
            set = set.with(Trait::Referral);
        }
        if b.offers_declined >= self.min_offers_declined {
            set = set.with(Trait::CompetitorResistance);
        }
        if b.failures_tolerated >= self.min_failures_tolerated {
            set = set.with(Trait::FailureTolerance);
        }
        if b.partner {
            set = set.with(Trait::Partnership);
        }
        set
    }
}

/// What a rung asks for beyond the rung below it: every trait of
/// `all_of`, and at least `min_any` of `any_of`
/// ([spec](crate::ladder::spec#rules)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "RawRequirement", into = "RawRequirement")
)]
pub struct Requirement {
    all_of: TraitSet,
    any_of: TraitSet,
    min_any: u8,
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct RawRequirement {
    all_of: TraitSet,
    #[serde(default)]
    any_of: TraitSet,
    #[serde(default)]
    min_any: u8,
}

#[cfg(feature = "serde")]
impl From<Requirement> for RawRequirement {
    fn from(r: Requirement) -> Self {
        RawRequirement {
            all_of: r.all_of,
            any_of: r.any_of,
            min_any: r.min_any,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<RawRequirement> for Requirement {
    type Error = Error;
    fn try_from(r: RawRequirement) -> Result<Self> {
        Requirement::new(r.all_of, r.any_of, r.min_any)
    }
}

impl Requirement {
    /// Every trait of `all_of`, and at least `min_any` of `any_of`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] (`requirement`) when `min_any` exceeds the
    /// size of `any_of` (the rung could never be reached), or when the
    /// requirement asks for nothing at all (the rung would be the one
    /// below it).
    pub fn new(all_of: TraitSet, any_of: TraitSet, min_any: u8) -> Result<Self> {
        if usize::from(min_any) > any_of.len() {
            return Err(Error::InvalidValue {
                what: "requirement",
                reason: format!(
                    "asks for {min_any} of {} traits: it can never be met",
                    any_of.len()
                ),
            });
        }
        if all_of.is_empty() && min_any == 0 {
            return Err(Error::InvalidValue {
                what: "requirement",
                reason: "asks for no trait: the rung would equal the one below".to_owned(),
            });
        }
        Ok(Self {
            all_of,
            any_of,
            min_any,
        })
    }

    /// Every trait of `traits`.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new): `traits` must not be empty.
    pub fn all_of(traits: &[Trait]) -> Result<Self> {
        Self::new(TraitSet::of(traits), TraitSet::EMPTY, 0)
    }

    /// Whether a set of traits meets the requirement.
    pub fn met_by(&self, traits: TraitSet) -> bool {
        traits.contains_all(self.all_of)
            && traits.intersection(self.any_of).len() >= usize::from(self.min_any)
    }
}

/// The ladder's rules: [`Thresholds`] for the traits and a
/// [`Requirement`] for each rung above Purchaser
/// ([spec](crate::ladder::spec#rules)). A [`Scorer`] of [`Behaviour`]
/// rows giving a [`Rung`].
///
/// A customer is a Prospect with no purchase, a Purchaser with at least
/// one, and climbs each further rung whose requirement the customer's
/// traits meet, stopping at the first one they do not: rungs are never
/// skipped \[L\].
///
/// Defaults \[L\]: Customer = repeat purchase; Supporter = cross-buying
/// and at least one of competitor resistance and failure tolerance;
/// Advocate = referral; Partner = partnership.
///
/// # Example
///
/// ```
/// use customer_value::{CustomerId, Scorer};
/// use customer_value::ladder::{Behaviour, LadderRules, Rung};
///
/// let rules = LadderRules::default();
/// let loyal = Behaviour::new(CustomerId::new(1), 6)
///     .with_activity(4, 4)?
///     .with_categories(3)
///     .with_offers_declined(1)
///     .with_referrals(2);
/// assert_eq!(rules.score(&loyal)?, Rung::Advocate);
/// // Referrals without cross-buying: the Supporter rung is not skipped.
/// let vocal = Behaviour::new(CustomerId::new(2), 6).with_activity(4, 4)?.with_referrals(2);
/// assert_eq!(rules.score(&vocal)?, Rung::Customer);
/// # Ok::<(), customer_value::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LadderRules {
    thresholds: Thresholds,
    customer: Requirement,
    supporter: Requirement,
    advocate: Requirement,
    partner: Requirement,
}

impl Default for LadderRules {
    fn default() -> Self {
        let one = |t: Trait| Requirement {
            all_of: TraitSet::EMPTY.with(t),
            any_of: TraitSet::EMPTY,
            min_any: 0,
        };
        Self {
            thresholds: Thresholds::default(),
            customer: one(Trait::RepeatPurchase),
            supporter: Requirement {
                all_of: TraitSet::EMPTY.with(Trait::CrossBuying),
                any_of: TraitSet::of(&[Trait::CompetitorResistance, Trait::FailureTolerance]),
                min_any: 1,
            },
            advocate: one(Trait::Referral),
            partner: one(Trait::Partnership),
        }
    }
}

impl LadderRules {
    /// Rules from thresholds and the four requirements (Customer,
    /// Supporter, Advocate, Partner).
    pub fn new(
        thresholds: Thresholds,
        customer: Requirement,
        supporter: Requirement,
        advocate: Requirement,
        partner: Requirement,
    ) -> Self {
        Self {
            thresholds,
            customer,
            supporter,
            advocate,
            partner,
        }
    }

    /// The default rules with other thresholds.
    pub fn with_thresholds(mut self, thresholds: Thresholds) -> Self {
        self.thresholds = thresholds;
        self
    }

    /// The thresholds.
    pub fn thresholds(&self) -> &Thresholds {
        &self.thresholds
    }

    /// The traits a behaviour row shows.
    pub fn traits(&self, b: &Behaviour) -> TraitSet {
        self.thresholds.traits(b)
    }

    /// The rung of a behaviour row (infallible; [`Scorer::score`] wraps it).
    pub fn rung(&self, b: &Behaviour) -> Rung {
        if b.purchases == 0 {
            return Rung::Prospect;
        }
        let traits = self.traits(b);
        let steps = [
            (self.customer, Rung::Customer),
            (self.supporter, Rung::Supporter),
            (self.advocate, Rung::Advocate),
            (self.partner, Rung::Partner),
        ];
        let mut rung = Rung::Purchaser;
        for (requirement, next) in steps {
            if !requirement.met_by(traits) {
                break;
            }
            rung = next;
        }
        rung
    }
}

impl Scorer for LadderRules {
    type Input = Behaviour;
    type Score = Rung;

    /// [`LadderRules::rung`]; never fails.
    fn score(&self, input: &Behaviour) -> Result<Rung> {
        Ok(self.rung(input))
    }
}
