//! Keyed hashing of values that must stay joinable without being readable.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Fewest bytes of a hashing key: below 128 bits a key can be guessed.
pub(super) const MIN_KEY_LEN: usize = 16;

/// Bytes of the HMAC kept: 64 bits, so that two values collide with probability 2^-64 and a
/// million distinct values almost never share a hash.
const KEPT_BYTES: usize = 8;

/// An HMAC-SHA256 key, already expanded (the inner and outer pads are hashed once, here).
#[derive(Clone)]
pub(super) struct HashKey(Hmac<Sha256>);

impl HashKey {
    /// `None` when HMAC rejects the key (it accepts every length, so never in practice).
    pub(super) fn new(key: &[u8]) -> Option<Self> {
        Hmac::new_from_slice(key).ok().map(Self)
    }

    /// The first 64 bits of HMAC-SHA256(key, value), as 16 lowercase hex digits: a valid Datadog
    /// tag value, the same for the same value and key, and what `openssl dgst -sha256 -hmac`
    /// prints, cut to 16 characters.
    pub(super) fn hash(&self, value: &str) -> String {
        let mut mac = self.0.clone();
        mac.update(value.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut out = String::with_capacity(2 * KEPT_BYTES);
        for byte in &digest[..KEPT_BYTES] {
            for nibble in [byte >> 4, byte & 0xf] {
                out.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
            }
        }
        out
    }
}

impl std::fmt::Debug for HashKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HashKey(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4231_test_case_2() {
        // RFC 4231, 4.3: key "Jefe", data "what do ya want for nothing?".
        let key = HashKey::new(b"Jefe").unwrap();
        assert_eq!(key.hash("what do ya want for nothing?"), "5bdcc146bf60754e");
    }

    #[test]
    fn same_value_same_hash_other_key_other_hash() {
        let a = HashKey::new(b"0123456789abcdef").unwrap();
        let b = HashKey::new(b"0123456789abcdeF").unwrap();
        assert_eq!(a.hash("alice@example.com"), a.hash("alice@example.com"));
        assert_ne!(a.hash("alice@example.com"), a.hash("bob@example.com"));
        assert_ne!(a.hash("alice@example.com"), b.hash("alice@example.com"));
        assert_eq!(format!("{a:?}"), "HashKey(..)");
    }
}
