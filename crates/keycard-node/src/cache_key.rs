//! Cache keys read from JS strings with one napi call and no allocation for keys up to `INLINE`
//! UTF-16 units (napi-rs' `String` argument asks for the length, allocates, then copies: two
//! calls and a malloc, about a fifth of a cache hit).
//!
//! Keys are read as UTF-16 and encoded to UTF-8 here, rather than asking V8 for UTF-8, because
//! V8 replaces a lone surrogate with U+FFFD: 'k\uD800' and 'k\uFFFD' would become one key. A key
//! with a lone surrogate is marked ill-formed instead; such a key can never have been stored (the
//! TS layer refuses it on `set`), so lookups treat it as absent, exactly as the fallback's Map does.

use napi::bindgen_prelude::{FromNapiValue, Result};
use napi::{sys, Error, Status};

const INLINE: usize = 256;
/// UTF-8 of up to INLINE - 1 UTF-16 units: at most 3 bytes per unit (a surrogate pair is 4 bytes
/// for 2 units).
const INLINE_UTF8: usize = 3 * INLINE;

pub struct Key {
    inline: [u8; INLINE_UTF8],
    len: usize,
    long: Option<Vec<u8>>,
    well_formed: bool,
}

impl Key {
    /// The key's UTF-8 bytes; `None` for an ill-formed key (a lone surrogate).
    pub fn bytes(&self) -> Option<&[u8]> {
        if !self.well_formed {
            return None;
        }
        Some(match &self.long {
            Some(long) => long,
            None => &self.inline[..self.len],
        })
    }
}

fn check(status: sys::napi_status) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Error::new(Status::StringExpected, "cache keys must be strings"))
    }
}

/// Writes the UTF-8 of UTF-16 `units` into `out` (at least 3 bytes per unit long) and returns its
/// length, or `None` when they hold a lone surrogate.
fn encode(units: &[u16], out: &mut [u8]) -> Option<usize> {
    let mut at = 0;
    for decoded in char::decode_utf16(units.iter().copied()) {
        at += decoded.ok()?.encode_utf8(&mut out[at..]).len();
    }
    Some(at)
}

impl FromNapiValue for Key {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> Result<Self> {
        let mut inline = [0u16; INLINE];
        let mut len = 0usize;
        // SAFETY: `inline` is a live, writable buffer of INLINE u16 units; napi writes at most
        // `bufsize` units including the NUL it appends and stores the count without the NUL in
        // `len`. UTF-16 units are never split, so `len < INLINE - 1` means the whole string was
        // read. A non-string makes napi return a status, which `check` turns into an error.
        check(unsafe { sys::napi_get_value_string_utf16(env, value, inline.as_mut_ptr(), INLINE, &mut len) })?;
        let mut key = Key {
            inline: [0; INLINE_UTF8],
            len: 0,
            long: None,
            well_formed: true,
        };
        if len < INLINE - 1 {
            match encode(&inline[..len], &mut key.inline) {
                Some(n) => key.len = n,
                None => key.well_formed = false,
            }
        } else {
            // Possibly truncated: ask for the length, then read the whole key.
            let mut total = 0usize;
            // SAFETY: a null buffer asks napi for the length only; `total` is a valid out-pointer.
            check(unsafe { sys::napi_get_value_string_utf16(env, value, std::ptr::null_mut(), 0, &mut total) })?;
            let mut long = vec![0u16; total + 1];
            let mut written = 0usize;
            // SAFETY: `long` holds total + 1 writable units, room for the string and its NUL.
            check(unsafe { sys::napi_get_value_string_utf16(env, value, long.as_mut_ptr(), total + 1, &mut written) })?;
            let mut utf8 = vec![0u8; 3 * written];
            match encode(&long[..written], &mut utf8) {
                Some(n) => {
                    utf8.truncate(n);
                    key.long = Some(utf8);
                }
                None => key.well_formed = false,
            }
        }
        Ok(key)
    }
}
