//! Sealed values: thin wrappers over `keycard_seal::SealKeys`, one native call per seal or open
//! (the whole format is handled in Rust, so data crosses the boundary once each way), and the
//! AES-256-GCM primitive for its vectors. The TS twins: `src/backend/{native,fallback}/seal_keys.ts`.
//!
//! `seal_open` returns text as a string whose first character is the kind (U+0001 text, U+0003
//! JSON), bytes as a Buffer, and failures as a negative `OPEN_*` outcome: no exceptions and no
//! result objects on the request path.

use keycard_seal::{aead, Error, Kind, SealKeys};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::error::map_code;
use crate::outcomes::{
    KIND_JSON, OPEN_BAD_FORMAT, OPEN_DECRYPT, OPEN_EXPIRED, OPEN_NOT_YET_VALID, OPEN_UNKNOWN_KEY, OPEN_WRONG_PURPOSE,
};

/// The `OPEN_*` outcome (crate::outcomes) of a value that did not open.
fn outcome(err: Error) -> i32 {
    match err {
        Error::BadFormat => OPEN_BAD_FORMAT,
        Error::UnknownKey => OPEN_UNKNOWN_KEY,
        Error::Decrypt => OPEN_DECRYPT,
        Error::WrongPurpose => OPEN_WRONG_PURPOSE,
        Error::Expired => OPEN_EXPIRED,
        Error::NotYetValid => OPEN_NOT_YET_VALID,
        // Opening never fails these ways (a short key is refused when the key set is made, the
        // CSPRNG is only read when sealing). Were it to, the TS layer would read the value as
        // malformed, as it reads any code it does not list.
        Error::KeyTooShort | Error::Random => OPEN_BAD_FORMAT,
    }
}

/// Keys for one purpose, one per secret, named by `kids` (the first seals).
#[napi(catch_unwind, ts_return_type = "ExternalObject<'SealKeys'>")]
pub fn seal_keys_create(
    secrets: Vec<Buffer>,
    kids: Vec<String>,
    purpose: String,
) -> Result<External<SealKeys>, &'static str> {
    let slices: Vec<&[u8]> = secrets.iter().map(|s| s.as_ref()).collect();
    let kids: Vec<&str> = kids.iter().map(String::as_str).collect();
    let keys = SealKeys::new(&slices, &kids, &purpose).map_err(|e| map_code(e.code(), e.to_string()))?;
    Ok(External::new(keys))
}

/// Seals a string (`kind` 1 text or 3 JSON). `nonce` exists for test vectors only; the public
/// API always passes null, and a fresh nonce comes from the OS CSPRNG.
#[napi(
    catch_unwind,
    ts_args_type = "keys: ExternalObject<'SealKeys'>, kind: number, text: string, exp: number, nbf: number, nonce: Uint8Array | null"
)]
pub fn seal_text(
    keys: &External<SealKeys>,
    kind: u32,
    text: String,
    exp: u32,
    nbf: u32,
    nonce: Option<&[u8]>,
) -> Result<String, &'static str> {
    let kind = if kind == u32::from(KIND_JSON) {
        Kind::Json
    } else {
        Kind::Text
    };
    keys.seal(kind, text.as_bytes(), exp, nbf, nonce)
        .map_err(|e| map_code(e.code(), e.to_string()))
}

/// Seals bytes (kind 2).
#[napi(
    catch_unwind,
    ts_args_type = "keys: ExternalObject<'SealKeys'>, data: Uint8Array, exp: number, nbf: number, nonce: Uint8Array | null"
)]
pub fn seal_bytes(
    keys: &External<SealKeys>,
    data: &[u8],
    exp: u32,
    nbf: u32,
    nonce: Option<&[u8]>,
) -> Result<String, &'static str> {
    keys.seal(Kind::Bytes, data, exp, nbf, nonce)
        .map_err(|e| map_code(e.code(), e.to_string()))
}

/// Opens a sealed value at `now` (seconds): kind-prefixed string, Buffer, or a negative code.
#[napi(
    catch_unwind,
    ts_args_type = "keys: ExternalObject<'SealKeys'>, sealed: string, now: number"
)]
pub fn seal_open(keys: &External<SealKeys>, sealed: String, now: u32) -> Either3<String, Buffer, i32> {
    match keys.open(sealed.as_bytes(), now) {
        Err(err) => Either3::C(outcome(err)),
        Ok(opened) if opened.kind == Kind::Bytes => Either3::B(opened.data.into()),
        Ok(opened) => {
            let mut text = String::with_capacity(opened.data.len() + 1);
            text.push(opened.kind as u8 as char);
            // Authentic text was valid UTF-8 when sealed; anything else is not ours.
            match std::str::from_utf8(&opened.data) {
                Ok(data) => {
                    text.push_str(data);
                    Either3::A(text)
                }
                Err(_) => Either3::C(outcome(Error::BadFormat)),
            }
        }
    }
}

/// AES-256-GCM with a 12-byte nonce: `ciphertext || tag` (Wycheproof vectors).
#[napi(catch_unwind)]
pub fn aes_gcm_encrypt(key: &[u8], nonce: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<Buffer, &'static str> {
    aead::encrypt(key, nonce, aad, plaintext)
        .map(Buffer::from)
        .map_err(|e| map_code(e.code(), e.to_string()))
}

/// Plaintext of `ciphertext || tag`, or null when the tag does not verify.
#[napi(catch_unwind)]
pub fn aes_gcm_decrypt(key: &[u8], nonce: &[u8], aad: &[u8], sealed: &[u8]) -> Result<Option<Buffer>, &'static str> {
    match aead::decrypt(key, nonce, aad, sealed) {
        Ok(plaintext) => Ok(Some(plaintext.into())),
        Err(Error::Decrypt) => Ok(None),
        Err(e) => Err(map_code(e.code(), e.to_string())),
    }
}
