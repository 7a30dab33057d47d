//! `SealKeys`: the AES-256-GCM keys of a keyring for one purpose. The first key seals; any key
//! opens what names its key id (rotation).
//!
//! Nonces are 96 random bits per seal. NIST SP 800-38D §8.3 bounds random nonces to 2^32
//! messages per key; keycard keeps each key to one purpose (HKDF per purpose) and relies on
//! rotation to stay far below that (docs/FORMATS.md, "Nonce bound").

use aes_gcm::Aes256Gcm;
use keycard_sign::b64::{self, Alphabet};
use keycard_sign::keys::derive_key;
use keycard_sign::random::random_bytes;
use sha2::{Digest, Sha256};

use crate::aead::{cipher, open_in_place, seal_in_place, NONCE_LEN};
use crate::error::{Error, Result};
use crate::format::{sealed_len, split, Kind, BODY_HEADER_LEN, HINT_LEN, MAX_KID_LEN, VERSION};

/// HKDF info prefix; the purpose follows.
const INFO: &str = "keycard/v1/seal/";

pub struct SealKeys {
    keys: Vec<(Vec<u8>, Aes256Gcm)>,
    purpose: Vec<u8>,
    hint: [u8; HINT_LEN],
}

/// What `open` found inside an authentic, current sealed value.
pub struct Opened {
    pub kind: Kind,
    pub exp: u32,
    pub nbf: u32,
    pub data: Vec<u8>,
}

impl SealKeys {
    /// One key per secret (at least 32 bytes each), derived for `purpose`, named by `kids`.
    pub fn new(secrets: &[&[u8]], kids: &[&str], purpose: &str) -> Result<Self> {
        if secrets.is_empty() || secrets.len() != kids.len() {
            return Err(Error::BadFormat);
        }
        let info = format!("{INFO}{purpose}");
        let keys = secrets
            .iter()
            .zip(kids)
            .map(|(secret, kid)| {
                if kid.is_empty() || kid.len() > MAX_KID_LEN || !kid.is_ascii() {
                    return Err(Error::BadFormat);
                }
                let key = derive_key(secret, info.as_bytes())?;
                Ok((kid.as_bytes().to_vec(), cipher(key.as_ref())?))
            })
            .collect::<Result<Vec<_>>>()?;
        let digest = Sha256::digest(info.as_bytes());
        Ok(Self {
            keys,
            purpose: purpose.as_bytes().to_vec(),
            hint: [digest[0], digest[1]],
        })
    }

    fn aad(&self, prefix: &[u8]) -> Vec<u8> {
        let mut aad = Vec::with_capacity(prefix.len() + self.purpose.len());
        aad.extend_from_slice(prefix);
        aad.extend_from_slice(&self.purpose);
        aad
    }

    /// Seals `data` under the first key. `nonce` is for test vectors only; the binding's public
    /// path passes `None` and a fresh nonce comes from the OS CSPRNG.
    pub fn seal(&self, kind: Kind, data: &[u8], exp: u32, nbf: u32, nonce: Option<&[u8]>) -> Result<String> {
        let (kid, cipher) = &self.keys[0];
        let nonce: [u8; NONCE_LEN] = match nonce {
            Some(given) => given.try_into().map_err(|_| Error::BadFormat)?,
            None => random_bytes(NONCE_LEN)?.try_into().map_err(|_| Error::Random)?,
        };
        let mut out = Vec::with_capacity(sealed_len(kid.len(), data.len()));
        out.push(VERSION);
        out.push(kid.len() as u8); // <= MAX_KID_LEN, checked in `new`
        out.extend_from_slice(kid);
        out.extend_from_slice(&self.hint);
        let aad = self.aad(&out);
        out.extend_from_slice(&nonce);
        let body_at = out.len();
        out.push(kind as u8);
        out.extend_from_slice(&exp.to_be_bytes());
        out.extend_from_slice(&nbf.to_be_bytes());
        out.extend_from_slice(data);
        let tag = seal_in_place(cipher, &nonce, &aad, &mut out[body_at..]);
        out.extend_from_slice(&tag);
        Ok(b64::encode(Alphabet::Base64Url, &out))
    }

    /// Opens a sealed value at time `now` (seconds). Checks, in this order: base64url and layout
    /// (`BadFormat`), key id (`UnknownKey`), purpose hint (`WrongPurpose`), tag (`Decrypt`),
    /// then the authentic expiry (`Expired`) and not-before (`NotYetValid`).
    pub fn open(&self, sealed: &[u8], now: u32) -> Result<Opened> {
        let bytes = b64::decode_vec(Alphabet::Base64Url, sealed)?;
        let parts = split(&bytes)?;
        let cipher = self
            .keys
            .iter()
            .find(|(kid, _)| kid.as_slice() == parts.kid)
            .map(|(_, cipher)| cipher)
            .ok_or(Error::UnknownKey)?;
        if parts.hint != self.hint {
            return Err(Error::WrongPurpose);
        }
        let aad = self.aad(parts.aad_prefix);
        let mut body = bytes[parts.ciphertext_start..bytes.len() - parts.tag.len()].to_vec();
        open_in_place(cipher, parts.nonce, &aad, &mut body, parts.tag)?;
        let kind = Kind::from_byte(body[0])?;
        let exp = u32::from_be_bytes([body[1], body[2], body[3], body[4]]);
        let nbf = u32::from_be_bytes([body[5], body[6], body[7], body[8]]);
        if exp != 0 && now >= exp {
            return Err(Error::Expired);
        }
        if nbf != 0 && now < nbf {
            return Err(Error::NotYetValid);
        }
        body.drain(..BODY_HEADER_LEN);
        Ok(Opened {
            kind,
            exp,
            nbf,
            data: body,
        })
    }

    /// Length of the base64url sealed value for `data_len` bytes of data.
    pub fn sealed_text_len(&self, data_len: usize) -> usize {
        b64::encoded_len(sealed_len(self.keys[0].0.len(), data_len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &[u8] = b"0123456789abcdef0123456789abcdef";
    const B: &[u8] = b"fedcba9876543210fedcba9876543210";

    #[test]
    fn round_trip_rotation_and_refusals() {
        let old = SealKeys::new(&[B], &["old"], "session").unwrap();
        let ring = SealKeys::new(&[A, B], &["new", "old"], "session").unwrap();
        let sealed = old.seal(Kind::Json, b"{\"a\":1}", 0, 0, None).unwrap();
        let opened = ring.open(sealed.as_bytes(), 100).unwrap();
        assert_eq!((opened.kind, opened.data.as_slice()), (Kind::Json, &b"{\"a\":1}"[..]));
        let other = SealKeys::new(&[A], &["new"], "csrf").unwrap();
        let fresh = ring.seal(Kind::Text, b"x", 0, 0, None).unwrap();
        assert_eq!(other.open(fresh.as_bytes(), 100).err(), Some(Error::WrongPurpose));
        assert_eq!(old.open(fresh.as_bytes(), 100).err(), Some(Error::UnknownKey));
        let expiring = ring.seal(Kind::Bytes, b"", 200, 150, None).unwrap();
        assert_eq!(ring.open(expiring.as_bytes(), 149).err(), Some(Error::NotYetValid));
        assert!(ring.open(expiring.as_bytes(), 150).is_ok());
        assert_eq!(ring.open(expiring.as_bytes(), 200).err(), Some(Error::Expired));
    }

    #[test]
    fn every_flipped_bit_is_refused() {
        let keys = SealKeys::new(&[A], &["k"], "p").unwrap();
        let sealed = keys.seal(Kind::Text, b"secret data", 0, 0, Some(&[7u8; 12])).unwrap();
        let bytes = b64::decode_vec(Alphabet::Base64Url, sealed.as_bytes()).unwrap();
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut tampered = bytes.clone();
                tampered[i] ^= 1 << bit;
                let text = b64::encode(Alphabet::Base64Url, &tampered);
                assert!(keys.open(text.as_bytes(), 0).is_err(), "byte {i} bit {bit}");
            }
        }
    }

    #[test]
    fn lengths_match_the_layout() {
        let keys = SealKeys::new(&[A], &["abcdefgh"], "p").unwrap();
        for n in [0usize, 1, 2, 3, 200, 4096] {
            let sealed = keys.seal(Kind::Bytes, &vec![0u8; n], 0, 0, None).unwrap();
            assert_eq!(sealed.len(), keys.sealed_text_len(n));
        }
        assert_eq!(crate::format::header_len(8), 24);
    }
}
