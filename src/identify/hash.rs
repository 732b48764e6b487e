//! Hashing identifiers (feature `hash`).

/// The SHA-256 of `salt` followed by the normalised identifier, as 64
/// lower-case hex digits ([spec](crate::identify::spec#hashing-identifiers)).
///
/// Use it to join or share customer records without their raw e-mails or
/// phones: normalise first ([`email_key`](super::email_key),
/// [`phone_key`](super::phone_key)) so that equal identifiers hash
/// equally, and keep the salt secret, since a bare hash of an e-mail can
/// be reversed by hashing candidate addresses.
///
/// # Example
///
/// ```
/// use customer_value::identify::{email_key, hash_identifier};
///
/// let key = email_key("Ann@Example.org").unwrap();
/// let h = hash_identifier(b"", &key);
/// // SHA-256("ann@example.org")
/// assert_eq!(h.len(), 64);
/// assert_eq!(hash_identifier(b"", "abc"),
///     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
/// assert_ne!(hash_identifier(b"secret", &key), h);
/// ```
pub fn hash_identifier(salt: &[u8], identifier: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(identifier.as_bytes());
    let digest = hasher.finalize();
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    out
}
