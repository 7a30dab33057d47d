//! AES-256-GCM with a 96-bit nonce and a 128-bit tag, nothing else: the sizes are fixed by the
//! types, so a 4-, 8- or 12-byte tag or an empty IV (which Node 20 accepts unless told
//! otherwise) cannot reach the cipher. Used by `keys` and exposed for the Wycheproof vectors.

use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce, Tag};

use crate::error::{Error, Result};

pub const KEY_LEN: usize = 32;
pub const NONCE_LEN: usize = 12;
pub const TAG_LEN: usize = 16;

pub fn cipher(key: &[u8]) -> Result<Aes256Gcm> {
    Aes256Gcm::new_from_slice(key).map_err(|_| Error::BadFormat)
}

/// Encrypts `plaintext` in place and returns the tag.
pub fn seal_in_place(cipher: &Aes256Gcm, nonce: &[u8; NONCE_LEN], aad: &[u8], buffer: &mut [u8]) -> [u8; TAG_LEN] {
    cipher
        .encrypt_in_place_detached(Nonce::from_slice(nonce), aad, buffer)
        .expect("AES-GCM encrypts any message shorter than 64 GiB")
        .into()
}

/// Decrypts `buffer` in place when `tag` authenticates it with `aad`; otherwise leaves nothing
/// usable and returns `Decrypt`. The tag is checked (in constant time) before any plaintext is
/// released, by the aes-gcm crate.
pub fn open_in_place(cipher: &Aes256Gcm, nonce: &[u8], aad: &[u8], buffer: &mut [u8], tag: &[u8]) -> Result<()> {
    if nonce.len() != NONCE_LEN || tag.len() != TAG_LEN {
        return Err(Error::BadFormat);
    }
    cipher
        .decrypt_in_place_detached(Nonce::from_slice(nonce), aad, buffer, Tag::from_slice(tag))
        .map_err(|_| Error::Decrypt)
}

/// One-shot encryption: `ciphertext || tag`. Only 32-byte keys and 12-byte nonces.
pub fn encrypt(key: &[u8], nonce: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    let nonce: &[u8; NONCE_LEN] = nonce.try_into().map_err(|_| Error::BadFormat)?;
    let mut out = plaintext.to_vec();
    let tag = seal_in_place(&cipher(key)?, nonce, aad, &mut out);
    out.extend_from_slice(&tag);
    Ok(out)
}

/// One-shot decryption of `ciphertext || tag`.
pub fn decrypt(key: &[u8], nonce: &[u8], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
    if sealed.len() < TAG_LEN {
        return Err(Error::BadFormat);
    }
    let (ciphertext, tag) = sealed.split_at(sealed.len() - TAG_LEN);
    let mut out = ciphertext.to_vec();
    open_in_place(&cipher(key)?, nonce, aad, &mut out, tag)?;
    Ok(out)
}
