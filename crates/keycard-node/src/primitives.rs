//! Stateless primitives: vectors-level HMAC and HKDF, key ids, randomness, constant-time compare.
//! The TS twins: `src/backend/{native,fallback}/primitives.ts`.

use keycard_sign::{ct, keys, mac, random};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::error::map_error;

/// Version of the compiled core, reported by `backend().version`.
#[napi(catch_unwind)]
pub fn native_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[napi(catch_unwind)]
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> Buffer {
    mac::hmac_sha256(key, msg).to_vec().into()
}

#[napi(catch_unwind)]
pub fn hkdf_sha256(ikm: &[u8], salt: &[u8], info: &[u8], length: u32) -> Result<Buffer, &'static str> {
    let okm = keys::hkdf_sha256(ikm, salt, info, length as usize).map_err(map_error)?;
    Ok(okm.into())
}

#[napi(catch_unwind)]
pub fn key_id(secret: &[u8]) -> String {
    keys::key_id(secret)
}

#[napi(catch_unwind)]
pub fn timing_safe_equal(a: &[u8], b: &[u8]) -> bool {
    ct::timing_safe_eq(a, b)
}

#[napi(catch_unwind)]
pub fn random_id(bytes: u32) -> Result<String, &'static str> {
    random::random_id(bytes as usize).map_err(map_error)
}

#[napi(catch_unwind)]
pub fn random_bytes(length: u32) -> Result<Buffer, &'static str> {
    if length as usize > random::MAX_ID_BYTES * 64 {
        return Err(map_error(keycard_sign::Error::ParamsOutOfRange));
    }
    Ok(random::random_bytes(length as usize).map_err(map_error)?.into())
}

/// Test hook: panics on purpose so the suite can prove a panic surfaces as a JS error
/// (`ERR_INTERNAL`) and Node keeps running. Not re-exported by the public API.
#[napi(js_name = "__panicForTests", catch_unwind)]
pub fn panic_for_tests() {
    panic!("deliberate panic from keycard's test hook");
}
