//! Secrets, key ids and per-purpose key derivation.
//!
//! One configured secret must never sign cookies, sign CSRF tokens and encrypt with the same
//! bytes, so every use derives its own key: HKDF-SHA256 (RFC 5869) with the secret as input
//! keying material, no salt, and an `info` string that names the format version and purpose
//! (built by the TypeScript layer, e.g. `keycard/v1/sign/session`).

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::b64::{encode, Alphabet};
use crate::error::{Error, Result};

/// Shortest secret accepted: 256 bits, the HMAC-SHA256 key size (RFC 2104 §3 recommends at
/// least the hash output length) and the AES-256 key size.
pub const MIN_SECRET_LEN: usize = 32;

/// HKDF-SHA256 can produce at most 255 blocks of 32 bytes (RFC 5869 §2.3).
pub const HKDF_MAX_LEN: usize = 255 * 32;

/// The message whose HMAC names a secret. Key ids are public (in every token header and sealed
/// value) and 48 bits long, while every tag keycard verifies is 256 bits: a key id verifies as
/// nothing. It equals the first 48 bits of the cookie-signature tag of this very string, which
/// is harmless for the same reason (and the cookie-signature key is used for nothing else).
const KEY_ID_INFO: &[u8] = b"keycard/v1/kid";

pub fn check_secret(secret: &[u8]) -> Result<()> {
    if secret.len() < MIN_SECRET_LEN {
        return Err(Error::KeyTooShort);
    }
    Ok(())
}

/// Raw HKDF-SHA256, exposed for the RFC 5869 and Wycheproof vectors. An empty `salt` equals the
/// absent salt of RFC 5869 §2.2 (HMAC pads both to the same zero block).
pub fn hkdf_sha256(ikm: &[u8], salt: &[u8], info: &[u8], len: usize) -> Result<Vec<u8>> {
    if len > HKDF_MAX_LEN {
        return Err(Error::ParamsOutOfRange);
    }
    let mut out = vec![0u8; len];
    Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand(info, &mut out)
        .map_err(|_| Error::ParamsOutOfRange)?;
    Ok(out)
}

/// A 32-byte key for one purpose, wiped from memory when dropped.
pub fn derive_key(secret: &[u8], info: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
    check_secret(secret)?;
    let mut key = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(None, secret)
        .expand(info, key.as_mut())
        .map_err(|_| Error::ParamsOutOfRange)?;
    Ok(key)
}

/// The default key id of a secret: 48 bits of HMAC-SHA256(secret, "keycard/v1/kid") in
/// base64url (8 characters). Stable across restarts and backends; reveals nothing usable about
/// the secret beyond what any tag made with it already does.
pub fn key_id(secret: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(KEY_ID_INFO);
    let digest = mac.finalize().into_bytes();
    encode(Alphabet::Base64Url, &digest[..6])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivation_depends_on_info_and_refuses_short_secrets() {
        let secret = [9u8; 32];
        let a = derive_key(&secret, b"keycard/v1/sign/a").unwrap();
        let b = derive_key(&secret, b"keycard/v1/sign/b").unwrap();
        assert_ne!(*a, *b);
        assert_eq!(derive_key(&[9u8; 31], b"x").unwrap_err(), Error::KeyTooShort);
        assert_eq!(key_id(&secret).len(), 8);
        assert_eq!(
            hkdf_sha256(&secret, b"", b"", HKDF_MAX_LEN + 1),
            Err(Error::ParamsOutOfRange)
        );
    }
}
