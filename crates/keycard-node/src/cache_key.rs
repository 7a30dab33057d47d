//! Cache keys and text values read from JS strings with one napi call for strings up to `INLINE`
//! UTF-16 units (napi-rs' `String` argument asks for the length, allocates, then copies: two
//! calls and a malloc, about a fifth of a cache hit).
//!
//! Strings are read as UTF-16 and encoded to UTF-8 here, rather than asking V8 for UTF-8, because
//! V8 replaces a lone surrogate with U+FFFD: 'k\uD800' and 'k\uFFFD' would become one key. A
//! string with a lone surrogate is marked ill-formed instead. Such a key can never have been
//! stored (`cache_set_*` refuses it, as the fallback does), so lookups treat it as absent, exactly
//! as the fallback's Map does; a text value with one is refused by `cache_set_text`. Finding them
//! here, while converting, spares the TS layer a scan of both strings on every set.

use std::borrow::Cow;

use napi::bindgen_prelude::{FromNapiValue, Result};
use napi::{sys, Error, Status};

/// UTF-16 units read with the first napi call; longer strings take two more calls.
const INLINE: usize = 256;
/// Keys are stored inline up to this many UTF-16 units (UTF-8: at most 3 bytes a unit; a
/// surrogate pair is 4 bytes for 2 units), small enough that moving a `Key` is cheap.
const KEY_INLINE: usize = 64;
const KEY_INLINE_UTF8: usize = 3 * KEY_INLINE;

/// A cache key argument.
pub struct Key {
    inline: [u8; KEY_INLINE_UTF8],
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

/// A text value argument (`cache_set_text`): its UTF-8, or `None` when it holds a lone surrogate.
/// Up to INLINE - 1 units inline (no allocation: values are often short, as keys are).
pub struct Text {
    inline: [u8; INLINE_UTF8],
    len: usize,
    long: Option<Vec<u8>>,
    well_formed: bool,
}

/// UTF-8 of up to INLINE - 1 UTF-16 units.
const INLINE_UTF8: usize = 3 * INLINE;

impl Text {
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
        Err(Error::new(
            Status::StringExpected,
            "cache keys and text values must be strings",
        ))
    }
}

/// The UTF-16 units of the JS string `value`: in `inline` when they fit, else in a new vector.
///
/// # Safety
/// `env` and `value` must be the live handles napi passed to the current call.
unsafe fn units<'a>(
    env: sys::napi_env,
    value: sys::napi_value,
    inline: &'a mut [u16; INLINE],
) -> Result<Cow<'a, [u16]>> {
    let mut len = 0usize;
    // SAFETY: `inline` is a live, writable buffer of INLINE u16 units; napi writes at most
    // `bufsize` units including the NUL it appends and stores the count without the NUL in
    // `len`. UTF-16 units are never split, so `len < INLINE - 1` means the whole string was read.
    // A non-string makes napi return a status, which `check` turns into an error.
    check(unsafe { sys::napi_get_value_string_utf16(env, value, inline.as_mut_ptr(), INLINE, &mut len) })?;
    if len < INLINE - 1 {
        return Ok(Cow::Borrowed(&inline[..len]));
    }
    // Possibly truncated: ask for the length, then read the whole string.
    let mut total = 0usize;
    // SAFETY: a null buffer asks napi for the length only; `total` is a valid out-pointer.
    check(unsafe { sys::napi_get_value_string_utf16(env, value, std::ptr::null_mut(), 0, &mut total) })?;
    let mut long = vec![0u16; total + 1];
    let mut written = 0usize;
    // SAFETY: `long` holds total + 1 writable units, room for the string and its NUL.
    check(unsafe { sys::napi_get_value_string_utf16(env, value, long.as_mut_ptr(), total + 1, &mut written) })?;
    long.truncate(written);
    Ok(Cow::Owned(long))
}

/// Writes the UTF-8 of UTF-16 `units` into `out` (at least 3 bytes per unit long) and returns its
/// length, or `None` when they hold a lone surrogate.
fn encode(units: &[u16], out: &mut [u8]) -> Option<usize> {
    // ASCII (most keys and much text) in blocks of 16 units, which the compiler vectorises: one
    // OR to test a block, one narrowing copy. What follows the first non-ASCII block is decoded.
    let mut at = 0;
    for block in units.chunks_exact(16) {
        if block.iter().fold(0, |acc, &unit| acc | unit) >= 0x80 {
            break;
        }
        for (byte, &unit) in out[at..at + 16].iter_mut().zip(block) {
            *byte = unit as u8;
        }
        at += 16;
    }
    // The rest of the ASCII run one unit at a time (short keys are only this).
    while let Some(&unit) = units.get(at) {
        if unit >= 0x80 {
            break;
        }
        out[at] = unit as u8;
        at += 1;
    }
    let mut written = at;
    for decoded in char::decode_utf16(units[at..].iter().copied()) {
        written += decoded.ok()?.encode_utf8(&mut out[written..]).len();
    }
    Some(written)
}

/// `units` as UTF-8 in a vector of its own (strings too long for the inline buffers), or None
/// for a lone surrogate. Three bytes per unit is the most UTF-8 needs for UTF-16 input.
fn encode_long(units: &[u16]) -> Option<Vec<u8>> {
    let mut utf8 = vec![0u8; 3 * units.len()];
    let n = encode(units, &mut utf8)?;
    utf8.truncate(n);
    Some(utf8)
}

impl FromNapiValue for Key {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> Result<Self> {
        let mut scratch = [0u16; INLINE];
        // SAFETY: napi passed `env` and `value` to this call.
        let units = unsafe { units(env, value, &mut scratch) }?;
        let mut key = Key {
            inline: [0; KEY_INLINE_UTF8],
            len: 0,
            long: None,
            well_formed: true,
        };
        if units.len() <= KEY_INLINE {
            match encode(&units, &mut key.inline) {
                Some(n) => key.len = n,
                None => key.well_formed = false,
            }
        } else {
            match encode_long(&units) {
                Some(utf8) => key.long = Some(utf8),
                None => key.well_formed = false,
            }
        }
        Ok(key)
    }
}

impl FromNapiValue for Text {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> Result<Self> {
        let mut scratch = [0u16; INLINE];
        // SAFETY: napi passed `env` and `value` to this call.
        let units = unsafe { units(env, value, &mut scratch) }?;
        let mut text = Text {
            inline: [0; INLINE_UTF8],
            len: 0,
            long: None,
            well_formed: true,
        };
        if let Cow::Borrowed(units) = units {
            // Fewer than INLINE units: they fit.
            match encode(units, &mut text.inline) {
                Some(n) => text.len = n,
                None => text.well_formed = false,
            }
        } else {
            match encode_long(&units) {
                Some(utf8) => text.long = Some(utf8),
                None => text.well_formed = false,
            }
        }
        Ok(text)
    }
}
