//! Duplicate candidates: normalised e-mail, phone and name keys, and
//! optional fuzzy name matching.

use rustc_hash::FxHashMap;

use crate::{CustomerId, Error, Result};

use super::quality::CustomerRecord;

/// The e-mail key: trimmed and lower-cased; `None` unless it has exactly
/// one `@` with text on both sides \[L\].
///
/// ```
/// use customer_value::identify::email_key;
///
/// assert_eq!(email_key(" Ann.Lee@Example.COM "), Some("ann.lee@example.com".to_owned()));
/// assert_eq!(email_key("not an address"), None);
/// ```
pub fn email_key(email: &str) -> Option<String> {
    let e = email.trim().to_lowercase();
    let mut parts = e.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(a), Some(b), None) if !a.is_empty() && !b.is_empty() => Some(e),
        _ => None,
    }
}

/// The phone key: the last `digits` digits of the number (so that
/// `+33 6 12…` and `06 12…` agree when `digits` is the national length);
/// `None` with fewer digits \[L\].
///
/// ```
/// use customer_value::identify::phone_key;
///
/// assert_eq!(phone_key("+33 6 12 34 56 78", 9), phone_key("06.12.34.56.78", 9));
/// assert_eq!(phone_key("12 34", 9), None);
/// ```
pub fn phone_key(phone: &str, digits: usize) -> Option<String> {
    let all: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    if digits == 0 || all.len() < digits {
        return None;
    }
    Some(all[all.len() - digits..].iter().collect())
}

/// The name key: lower-cased, punctuation dropped, tokens sorted and
/// joined by one space, so that "Lee, Ann" and "ann  lee" agree; `None`
/// when nothing is left \[L\].
///
/// ```
/// use customer_value::identify::name_key;
///
/// assert_eq!(name_key("Lee, Ann"), name_key("ann  LEE"));
/// assert_eq!(name_key(" - "), None);
/// ```
pub fn name_key(name: &str) -> Option<String> {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .to_lowercase();
    let mut tokens: Vec<&str> = cleaned.split_whitespace().collect();
    if tokens.is_empty() {
        return None;
    }
    tokens.sort_unstable();
    Some(tokens.join(" "))
}

/// Why two records are duplicate candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum MatchReason {
    /// Same e-mail key.
    Email,
    /// Same phone key.
    Phone,
    /// Same name key.
    Name,
    /// Name keys similar by Jaro-Winkler at or above the threshold.
    FuzzyName,
}

/// A pair of records that may be the same customer; `a < b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DuplicateCandidate {
    /// The smaller id.
    pub a: CustomerId,
    /// The larger id.
    pub b: CustomerId,
    /// The first reason found, in [`MatchReason`] order.
    pub reason: MatchReason,
}

/// Which field holds what, and the matching settings
/// ([spec](crate::identify::spec#duplicate-candidates)).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MatchFields {
    /// The position of the e-mail field, if any.
    pub email: Option<usize>,
    /// The position of the phone field, if any.
    pub phone: Option<usize>,
    /// The position of the name field, if any.
    pub name: Option<usize>,
    /// Digits of the phone key (default 9).
    pub phone_digits: usize,
    /// Jaro-Winkler threshold in `(0, 1]` for fuzzy names (feature
    /// `fuzzy`); `None` for exact keys only.
    pub fuzzy_name: Option<f64>,
}

impl Default for MatchFields {
    fn default() -> Self {
        Self {
            email: None,
            phone: None,
            name: None,
            phone_digits: 9,
            fuzzy_name: None,
        }
    }
}

/// The duplicate candidates among `records`: every pair sharing an e-mail,
/// phone or name key, and with a fuzzy threshold, every pair whose name
/// keys start with the same two characters and are at least that similar
/// by Jaro-Winkler ([spec](crate::identify::spec#duplicate-candidates)).
/// Pairs are sorted and listed once.
///
/// # Errors
///
/// [`Error::InvalidValue`] (`match fields`) when a field position is
/// outside a record; [`Error::InvalidParameter`] (`fuzzy_name`) for a
/// threshold outside `(0, 1]`, or when the crate is built without the
/// `fuzzy` feature.
///
/// # Example
///
/// ```
/// use customer_value::CustomerId;
/// use customer_value::identify::{CustomerRecord, MatchFields, MatchReason, duplicate_candidates};
///
/// let r = |id, email: &str, name: &str| CustomerRecord::new(CustomerId::new(id),
///     vec![Some(email.into()), Some(name.into())]);
/// let records = [r(1, "ann@x.org", "Ann Lee"), r(2, "ANN@x.org", "A. Lee"), r(3, "bob@y.org", "Lee, Ann")];
/// let fields = MatchFields { email: Some(0), name: Some(1), ..MatchFields::default() };
/// let pairs = duplicate_candidates(&records, &fields)?;
/// assert_eq!(pairs.len(), 2);
/// assert_eq!((pairs[0].a, pairs[0].b, pairs[0].reason), (CustomerId::new(1), CustomerId::new(2), MatchReason::Email));
/// assert_eq!((pairs[1].a, pairs[1].b, pairs[1].reason), (CustomerId::new(1), CustomerId::new(3), MatchReason::Name));
/// # Ok::<(), customer_value::Error>(())
/// ```
pub fn duplicate_candidates(
    records: &[CustomerRecord],
    fields: &MatchFields,
) -> Result<Vec<DuplicateCandidate>> {
    if let Some(t) = fields.fuzzy_name {
        if !(t > 0.0 && t <= 1.0) {
            return Err(Error::InvalidParameter {
                name: "fuzzy_name",
                value: t.to_string(),
                reason: "must be in (0, 1]",
            });
        }
        if cfg!(not(feature = "fuzzy")) {
            return Err(Error::InvalidParameter {
                name: "fuzzy_name",
                value: t.to_string(),
                reason: "needs the crate's `fuzzy` feature",
            });
        }
    }
    for r in records {
        for pos in [fields.email, fields.phone, fields.name]
            .into_iter()
            .flatten()
        {
            if pos >= r.values.len() {
                return Err(Error::InvalidValue {
                    what: "match fields",
                    reason: format!(
                        "field position {pos} is outside customer {}'s {} values",
                        r.customer,
                        r.values.len()
                    ),
                });
            }
        }
    }
    fn value(r: &CustomerRecord, pos: Option<usize>) -> Option<&str> {
        pos.and_then(|p| r.values.get(p)?.as_deref())
    }
    let mut found: FxHashMap<(CustomerId, CustomerId), MatchReason> = FxHashMap::default();
    let mut add = |x: CustomerId, y: CustomerId, reason: MatchReason| {
        if x != y {
            let key = (x.min(y), x.max(y));
            let e = found.entry(key).or_insert(reason);
            *e = (*e).min(reason);
        }
    };
    for reason in [MatchReason::Email, MatchReason::Phone, MatchReason::Name] {
        let key = |r: &CustomerRecord| match reason {
            MatchReason::Email => value(r, fields.email).and_then(email_key),
            MatchReason::Phone => {
                value(r, fields.phone).and_then(|v| phone_key(v, fields.phone_digits))
            }
            _ => value(r, fields.name).and_then(name_key),
        };
        let mut groups: FxHashMap<String, Vec<CustomerId>> = FxHashMap::default();
        for r in records {
            if let Some(k) = key(r) {
                groups.entry(k).or_default().push(r.customer);
            }
        }
        for ids in groups.values() {
            for (i, &x) in ids.iter().enumerate() {
                for &y in &ids[i + 1..] {
                    add(x, y, reason);
                }
            }
        }
    }
    #[cfg(feature = "fuzzy")]
    if let Some(threshold) = fields.fuzzy_name {
        // Block on the first two characters of the name key.
        let mut blocks: FxHashMap<String, Vec<(CustomerId, String)>> = FxHashMap::default();
        for r in records {
            if let Some(k) = value(r, fields.name).and_then(name_key) {
                let block: String = k.chars().take(2).collect();
                blocks.entry(block).or_default().push((r.customer, k));
            }
        }
        for members in blocks.values() {
            for (i, (x, kx)) in members.iter().enumerate() {
                for (y, ky) in &members[i + 1..] {
                    if strsim::jaro_winkler(kx, ky) >= threshold {
                        add(*x, *y, MatchReason::FuzzyName);
                    }
                }
            }
        }
    }
    let mut out: Vec<DuplicateCandidate> = found
        .into_iter()
        .map(|((a, b), reason)| DuplicateCandidate { a, b, reason })
        .collect();
    out.sort_unstable();
    Ok(out)
}
