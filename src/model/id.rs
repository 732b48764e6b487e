//! Compact identifiers for customers and product categories, and the
//! interner that maps string keys to them.

use std::borrow::Cow;
use std::fmt;

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};

/// A customer's identifier: a `u64`, cheap to copy, compare and hash.
///
/// Numeric keys from a source system are used as they are. String keys are
/// mapped to compact ids by an [`Interner`], which keeps the names so output
/// can show them again; share one interner across the shards of a log so
/// that their ids agree.
///
/// # Example
/// ```
/// use customer_value::{CustomerId, Interner};
///
/// let numeric = CustomerId::new(1042);
/// assert_eq!(numeric.get(), 1042);
///
/// let mut names = Interner::new();
/// let alice = CustomerId::from(names.intern("alice"));
/// assert_eq!(names.resolve(alice.get() as u32), Some("alice"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct CustomerId(u64);

impl CustomerId {
    /// The id with this number.
    #[inline]
    pub const fn new(id: u64) -> CustomerId {
        CustomerId(id)
    }

    /// The id's number.
    #[inline]
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl From<u64> for CustomerId {
    fn from(id: u64) -> CustomerId {
        CustomerId(id)
    }
}

impl From<u32> for CustomerId {
    fn from(id: u32) -> CustomerId {
        CustomerId(u64::from(id))
    }
}

impl fmt::Debug for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CustomerId({})", self.0)
    }
}

impl fmt::Display for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// A product category's identifier (cross-buying counts distinct ones).
///
/// Category names are mapped to ids by an [`Interner`], like customer names.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct CategoryId(u32);

impl CategoryId {
    /// The id with this number.
    #[inline]
    pub const fn new(id: u32) -> CategoryId {
        CategoryId(id)
    }

    /// The id's number.
    #[inline]
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl From<u32> for CategoryId {
    fn from(id: u32) -> CategoryId {
        CategoryId(id)
    }
}

impl fmt::Debug for CategoryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CategoryId({})", self.0)
    }
}

impl fmt::Display for CategoryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Maps strings to dense `u32` ids (0, 1, 2, ... in order of first sight)
/// and back.
///
/// Used for string customer keys and category names. Ids are dense, which
/// lets summaries index arrays directly instead of hashing.
///
/// Serialises as the list of names in id order; deserialising rejects a
/// list with duplicates.
#[derive(Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "Vec<String>", into = "Vec<String>")
)]
pub struct Interner {
    names: Vec<Box<str>>,
    ids: FxHashMap<Box<str>, u32>,
}

impl Interner {
    /// An empty interner.
    pub fn new() -> Interner {
        Interner::default()
    }

    /// The id of `name`, assigning the next free one on first sight.
    ///
    /// # Panics
    /// Never in practice: only after 2^32 distinct names, which no
    /// customer base reaches. Use [`Interner::try_intern`] to get an error
    /// instead.
    pub fn intern(&mut self, name: &str) -> u32 {
        self.try_intern(name)
            .expect("an interner holds at most 2^32 names")
    }

    /// [`Interner::intern`], returning [`Error::Overflow`] rather than
    /// panicking when 2^32 names are already held.
    ///
    /// # Errors
    /// [`Error::Overflow`] past 2^32 distinct names.
    pub fn try_intern(&mut self, name: &str) -> Result<u32> {
        if let Some(&id) = self.ids.get(name) {
            return Ok(id);
        }
        let id = u32::try_from(self.names.len()).map_err(|_| Error::Overflow {
            what: "interner ids",
        })?;
        let boxed: Box<str> = name.into();
        self.names.push(boxed.clone());
        self.ids.insert(boxed, id);
        Ok(id)
    }

    /// The id of `name`, if it has been interned.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    /// The name behind `id`.
    pub fn resolve(&self, id: u32) -> Option<&str> {
        self.names.get(id as usize).map(|s| &**s)
    }

    /// How to show a customer read with these names: the name when the
    /// interner holds names (the ids were strings), else the id's number.
    ///
    /// # Example
    /// ```
    /// use customer_value::{CustomerId, Interner};
    ///
    /// let mut names = Interner::new();
    /// assert_eq!(names.customer_label(CustomerId::new(7)), "7"); // numeric ids
    /// let ann = names.intern("ann");
    /// assert_eq!(names.customer_label(CustomerId::new(u64::from(ann))), "ann");
    /// ```
    pub fn customer_label(&self, id: CustomerId) -> Cow<'_, str> {
        u32::try_from(id.get())
            .ok()
            .filter(|_| !self.names.is_empty())
            .and_then(|i| self.resolve(i))
            .map_or_else(|| Cow::Owned(id.to_string()), Cow::Borrowed)
    }

    /// Number of names held.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no name is held.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The names in id order.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.names.iter().map(|s| &**s)
    }
}

impl fmt::Debug for Interner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interner")
            .field("len", &self.names.len())
            .finish_non_exhaustive()
    }
}

impl TryFrom<Vec<String>> for Interner {
    type Error = Error;
    fn try_from(names: Vec<String>) -> Result<Interner> {
        let mut interner = Interner::new();
        for name in names {
            let before = interner.len();
            interner.try_intern(&name)?;
            if interner.len() == before {
                return Err(Error::InvalidValue {
                    what: "interner",
                    reason: format!("name {name:?} appears twice"),
                });
            }
        }
        Ok(interner)
    }
}

impl From<Interner> for Vec<String> {
    fn from(interner: Interner) -> Vec<String> {
        interner.names.into_iter().map(String::from).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interner_assigns_dense_ids() {
        let mut i = Interner::new();
        assert!(i.is_empty());
        assert_eq!(i.intern("b"), 0);
        assert_eq!(i.intern("a"), 1);
        assert_eq!(i.intern("b"), 0);
        assert_eq!(i.len(), 2);
        assert_eq!(i.get("a"), Some(1));
        assert_eq!(i.get("c"), None);
        assert_eq!(i.resolve(1), Some("a"));
        assert_eq!(i.resolve(2), None);
        assert_eq!(i.names().collect::<Vec<_>>(), ["b", "a"]);
    }

    #[test]
    fn ids_display_as_numbers() {
        assert_eq!(CustomerId::new(7).to_string(), "7");
        assert_eq!(CategoryId::new(3).to_string(), "3");
        assert_eq!(CustomerId::from(5u32), CustomerId::new(5));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn interner_serde_rejects_duplicates() {
        let mut i = Interner::new();
        i.intern("x");
        i.intern("y");
        let json = serde_json::to_string(&i).unwrap();
        assert_eq!(json, r#"["x","y"]"#);
        assert_eq!(serde_json::from_str::<Interner>(&json).unwrap(), i);
        assert!(serde_json::from_str::<Interner>(r#"["x","x"]"#).is_err());
    }
}
