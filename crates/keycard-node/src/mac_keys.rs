//! Key sets held in Rust for the life of a JS handle (the TS twins: `src/backend/native/mac_keys.ts`
//! and `src/backend/fallback/mac_keys.ts`). The TS `Keyring` creates one per
//! (keyring, purpose) and reuses it, so key derivation happens once, not per request.
//!
//! Exposed as free functions over an `External` rather than as a `#[napi]` class: measured on
//! napi 3.16, a class method call costs ~270 ns of wrapping checks before any work, which is
//! more than the HMAC itself; an `External` argument costs one registry lookup.
//!
//! Verification returns an integer rather than throwing: throwing across napi costs
//! microseconds, and a bad cookie is an ordinary event on the request path.

use keycard_sign::b64::Alphabet;
use keycard_sign::mac::MacKeys;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::error::map_error;
use crate::outcomes::{VERIFY_BAD_FORMAT, VERIFY_BAD_SIGNATURE, VERIFY_UNKNOWN_KEY};

/// The key's index, or the `VERIFY_*` outcome (crate::outcomes) of a failed verification.
fn outcome(result: keycard_sign::error::Result<usize>) -> i32 {
    match result {
        // Key sets hold a handful of keys; the index always fits.
        Ok(index) => index as i32,
        Err(keycard_sign::Error::BadFormat) => VERIFY_BAD_FORMAT,
        Err(keycard_sign::Error::UnknownKey) => VERIFY_UNKNOWN_KEY,
        Err(_) => VERIFY_BAD_SIGNATURE,
    }
}

/// A key set from secrets of at least 32 bytes. `info`: HKDF info to derive each key for one
/// purpose, or null to use the secrets as given. `base64Std`: write tags in standard base64
/// without padding (cookie-signature interop).
#[napi(catch_unwind, ts_return_type = "ExternalObject<'MacKeys'>")]
pub fn mac_keys_create(
    secrets: Vec<Buffer>,
    info: Option<String>,
    base64_std: bool,
) -> Result<External<MacKeys>, &'static str> {
    let slices: Vec<&[u8]> = secrets.iter().map(|s| s.as_ref()).collect();
    let alphabet = if base64_std {
        Alphabet::Base64NoPad
    } else {
        Alphabet::Base64Url
    };
    let keys = MacKeys::new(&slices, info.as_deref().map(str::as_bytes), alphabet).map_err(map_error)?;
    Ok(External::new(keys))
}

/// Tag of `msg` under the current key.
#[napi(catch_unwind, ts_args_type = "keys: ExternalObject<'MacKeys'>, msg: string")]
pub fn mac_tag(keys: &External<MacKeys>, msg: String) -> String {
    keys.tag(msg.as_bytes())
}

/// Index of the key that authenticates `msg` with `tag` (`keyIndex` < 0 tries all), or a
/// negative outcome code.
#[napi(
    catch_unwind,
    ts_args_type = "keys: ExternalObject<'MacKeys'>, msg: string, tag: string, keyIndex: number"
)]
pub fn mac_verify_tag(keys: &External<MacKeys>, msg: String, tag: String, key_index: i32) -> i32 {
    let key_index = usize::try_from(key_index).ok();
    outcome(keys.verify_tag(msg.as_bytes(), tag.as_bytes(), key_index))
}

/// Index of the key that authenticates the signed value `message.tag`, or a negative code.
#[napi(catch_unwind, ts_args_type = "keys: ExternalObject<'MacKeys'>, signed: string")]
pub fn mac_verify_signed(keys: &External<MacKeys>, signed: String) -> i32 {
    outcome(keys.verify_signed(signed.as_bytes()))
}
