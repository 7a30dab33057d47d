//! A set of HMAC-SHA256 keys: the first one signs, every one verifies (rotation).
//!
//! Each key is stored as a keyed `Hmac<Sha256>` state, i.e. the compression function already
//! ran over the inner and outer padded key blocks. Signing clones that state (a few hundred
//! bytes, no allocation) and hashes only the message, which halves the work for short values.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::b64::{decode_exact, encode, Alphabet};
use crate::error::{Error, Result};
use crate::keys::{check_secret, derive_key};

type HmacSha256 = Hmac<Sha256>;

/// One-shot HMAC-SHA256 with a key of any length, for test vectors (Wycheproof uses short keys;
/// the 32-byte floor is keycard policy, enforced by [`MacKeys`], not a property of HMAC).
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

pub struct MacKeys {
    keys: Vec<HmacSha256>,
    alphabet: Alphabet,
}

impl MacKeys {
    /// `info: Some(..)` derives each key with HKDF for that purpose; `None` uses the secrets as
    /// given, which only cookie-signature interop needs (tokens have a derived key of their own,
    /// so a cookie-signature tag is never a valid token signature).
    pub fn new(secrets: &[&[u8]], info: Option<&[u8]>, alphabet: Alphabet) -> Result<Self> {
        if secrets.is_empty() {
            return Err(Error::UnknownKey);
        }
        let keys = secrets
            .iter()
            .map(|secret| {
                check_secret(secret)?;
                Ok(match info {
                    Some(info) => HmacSha256::new_from_slice(derive_key(secret, info)?.as_ref()),
                    None => HmacSha256::new_from_slice(secret),
                }
                .expect("HMAC takes keys of any length"))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { keys, alphabet })
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn mac(&self, index: usize, msg: &[u8]) -> HmacSha256 {
        let mut mac = self.keys[index].clone();
        mac.update(msg);
        mac
    }

    /// The tag of `msg` under the first (current) key, in this set's alphabet.
    pub fn tag(&self, msg: &[u8]) -> String {
        encode(self.alphabet, &self.mac(0, msg).finalize().into_bytes())
    }

    /// Checks `tag` over `msg`. `key_index: None` tries every key in order. Returns the index
    /// of the key that matched. The tag is decoded strictly first (a non-canonical tag is
    /// `BadFormat`), then compared in constant time by `verify_slice`.
    pub fn verify_tag(&self, msg: &[u8], tag: &[u8], key_index: Option<usize>) -> Result<usize> {
        let expected = decode_exact::<32>(self.alphabet, tag)?;
        let candidates = match key_index {
            Some(i) if i < self.keys.len() => i..i + 1,
            Some(_) => return Err(Error::UnknownKey),
            None => 0..self.keys.len(),
        };
        candidates
            .into_iter()
            .find(|&i| self.mac(i, msg).verify_slice(&expected).is_ok())
            .ok_or(Error::BadSignature)
    }

    /// Checks a signed value `message.tag`, split at the last `.` (as cookie-signature does).
    pub fn verify_signed(&self, signed: &[u8]) -> Result<usize> {
        let dot = signed.iter().rposition(|&b| b == b'.').ok_or(Error::BadFormat)?;
        self.verify_tag(&signed[..dot], &signed[dot + 1..], None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &[u8] = b"0123456789abcdef0123456789abcdef";
    const B: &[u8] = b"fedcba9876543210fedcba9876543210";

    #[test]
    fn signs_with_first_and_verifies_with_all() {
        let old = MacKeys::new(&[B], Some(b"keycard/v1/sign/"), Alphabet::Base64Url).unwrap();
        let ring = MacKeys::new(&[A, B], Some(b"keycard/v1/sign/"), Alphabet::Base64Url).unwrap();
        let signed_old = format!("hello.{}", old.tag(b"hello"));
        assert_eq!(ring.verify_signed(signed_old.as_bytes()), Ok(1));
        let signed_new = format!("hello.{}", ring.tag(b"hello"));
        assert_eq!(ring.verify_signed(signed_new.as_bytes()), Ok(0));
        assert_eq!(old.verify_signed(signed_new.as_bytes()), Err(Error::BadSignature));
    }

    #[test]
    fn purpose_changes_the_key() {
        let a = MacKeys::new(&[A], Some(b"keycard/v1/sign/a"), Alphabet::Base64Url).unwrap();
        let b = MacKeys::new(&[A], Some(b"keycard/v1/sign/b"), Alphabet::Base64Url).unwrap();
        let tag = a.tag(b"v");
        assert_eq!(b.verify_tag(b"v", tag.as_bytes(), None), Err(Error::BadSignature));
    }

    #[test]
    fn raw_keys_match_one_shot_hmac() {
        let raw = MacKeys::new(&[A], None, Alphabet::Base64Url).unwrap();
        assert_eq!(raw.tag(b"msg"), encode(Alphabet::Base64Url, &hmac_sha256(A, b"msg")));
    }

    #[test]
    fn refuses_bad_input() {
        assert!(matches!(
            MacKeys::new(&[b"short"], None, Alphabet::Base64Url),
            Err(Error::KeyTooShort)
        ));
        assert!(matches!(
            MacKeys::new(&[], None, Alphabet::Base64Url),
            Err(Error::UnknownKey)
        ));
        let ring = MacKeys::new(&[A], None, Alphabet::Base64Url).unwrap();
        assert_eq!(ring.verify_signed(b"no-separator"), Err(Error::BadFormat));
        assert_eq!(ring.verify_signed(b"v."), Err(Error::BadFormat));
        let tag = ring.tag(b"v");
        assert_eq!(ring.verify_tag(b"v", tag.as_bytes(), Some(1)), Err(Error::UnknownKey));
        assert_eq!(
            ring.verify_tag(b"v", &tag.as_bytes()[..42], None),
            Err(Error::BadFormat)
        );
    }
}
