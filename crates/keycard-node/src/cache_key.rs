//! Cache keys read from JS strings with one napi call and no allocation for keys up to
//! `INLINE` bytes of UTF-8 (napi-rs' `String` argument asks for the length, allocates, then
//! copies: two calls and a malloc, about a fifth of a cache hit).

use std::os::raw::c_char;

use napi::bindgen_prelude::{FromNapiValue, Result};
use napi::{sys, Error, Status};

const INLINE: usize = 256;
/// The widest UTF-8 character. V8 writes only whole characters, so a read that leaves at least
/// this much room (plus the NUL) unused cannot have been cut short.
const MAX_CHAR: usize = 4;

pub struct Key {
    inline: [u8; INLINE],
    len: usize,
    long: Option<Vec<u8>>,
}

impl Key {
    pub fn bytes(&self) -> &[u8] {
        match &self.long {
            Some(long) => long,
            None => &self.inline[..self.len],
        }
    }
}

fn check(status: sys::napi_status) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Error::new(Status::StringExpected, "cache keys must be strings"))
    }
}

impl FromNapiValue for Key {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> Result<Self> {
        let mut key = Key {
            inline: [0; INLINE],
            len: 0,
            long: None,
        };
        // SAFETY: `inline` is a live, writable buffer of INLINE bytes, and napi writes at most
        // `bufsize` bytes including the NUL it appends; `len` receives the count written
        // without the NUL. A non-string value makes napi return a status, which we check.
        check(unsafe {
            sys::napi_get_value_string_utf8(
                env,
                value,
                key.inline.as_mut_ptr().cast::<c_char>(),
                INLINE,
                &mut key.len,
            )
        })?;
        if key.len + 1 + MAX_CHAR <= INLINE {
            return Ok(key);
        }
        // Possibly truncated: ask for the length, then read the whole key.
        let mut len = 0usize;
        // SAFETY: a null buffer asks napi for the length only; `len` is a valid out-pointer.
        check(unsafe { sys::napi_get_value_string_utf8(env, value, std::ptr::null_mut(), 0, &mut len) })?;
        let mut long = vec![0u8; len + 1];
        let mut written = 0usize;
        // SAFETY: `long` holds len + 1 writable bytes, room for the string and its NUL.
        check(unsafe {
            sys::napi_get_value_string_utf8(env, value, long.as_mut_ptr().cast::<c_char>(), len + 1, &mut written)
        })?;
        long.truncate(written);
        key.long = Some(long);
        Ok(key)
    }
}
