//! The cache: thin wrappers over `keycard_cache::Cache` behind an `External<Arc<Cache>>`, one
//! native call per operation. The TS twins: `src/backend/{native,fallback}/cache.ts`.
//!
//! `cache_get`/`cache_peek` return text and JSON as a string whose first character is the kind
//! (U+0001 text, U+0003 JSON, as `seal_open` does), bytes as a Buffer, and a miss as undefined:
//! the JS value is created straight from the stored bytes while the entry is read, with no
//! intermediate Rust copy.

use std::sync::Arc;

use keycard_cache::{open_named, Cache, Config, Increment, Ttl};
use napi::bindgen_prelude::*;
use napi::{check_status, sys, Env, JsString};
use napi_derive::napi;

use crate::cache_key::{Key, Text};
use crate::error::map_code;
use crate::outcomes::{KIND_BYTES, KIND_JSON, KIND_TEXT};

type Handle = External<Arc<Cache>>;

/// A cache handle argument. Read here rather than as `&External<Arc<Cache>>`, whose napi-rs
/// conversion opens a borrow-tracking scope on every call (a heap allocation, thread-local lists
/// and a teardown: about a tenth of a cache `set`). That tracking guards `&mut` access; a cache
/// is only ever used through `&Cache`, behind its own lock, so it guards nothing here. The type
/// check stays: napi-rs' registry of live externals made by this addon.
pub struct CacheArg(&'static Cache);

impl std::ops::Deref for CacheArg {
    type Target = Cache;

    fn deref(&self) -> &Cache {
        self.0
    }
}

impl FromNapiValue for CacheArg {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> Result<Self> {
        let mut data = std::ptr::null_mut();
        // SAFETY: `env` and `value` are the handles napi passed to this call; `data` is a valid
        // out-pointer. A value that is not an external makes napi return an error status.
        check_status!(
            unsafe { sys::napi_get_value_external(env, value, &mut data) },
            "not a cache handle"
        )?;
        // SAFETY: `inner_from_raw` dereferences `data` only once it has found it in napi-rs'
        // registry of live `External<Arc<Cache>>` payloads created by this addon, so a foreign
        // external, or one of another type, is refused rather than read. The reference does not
        // outlive this call (no binding function keeps it): until the call returns, the JS handle
        // it was passed as keeps the external alive, so its finalizer (which drops the Arc)
        // cannot run while the reference is in use. Hence the `'static`, which is never relied on
        // beyond the call.
        match unsafe { External::<Arc<Cache>>::inner_from_raw(data) } {
            Some(cache) => Ok(CacheArg(cache)),
            None => Err(Error::new(Status::InvalidArg, "not a cache handle")),
        }
    }
}

/// A TTL argument from JS: -1 = the cache's default, 0 = never, else whole milliseconds.
fn ttl_of(ms: f64) -> Ttl {
    if ms < 0.0 {
        Ttl::Default
    } else if ms == 0.0 {
        Ttl::Never
    } else {
        // `as` saturates; the TS layer has bounded it to 2^53 / 1000 anyway.
        Ttl::Ms(ms.ceil() as u64)
    }
}

/// A new cache, or the cache called `name` (shared by every thread of the process). The TS
/// layer has validated the numbers. `update_age_on_get` absent: false.
#[napi(catch_unwind, ts_return_type = "ExternalObject<'Cache'>")]
pub fn cache_create(
    max_size: u32,
    max_bytes: f64,
    ttl: f64,
    name: Option<String>,
    update_age_on_get: Option<bool>,
) -> Result<Handle, &'static str> {
    let config = Config {
        max_size,
        max_bytes: max_bytes as u64,
        ttl_ms: ttl as u64,
        update_age_on_get: update_age_on_get.unwrap_or(false),
    };
    let cache = match name {
        None => Arc::new(Cache::new(config)),
        Some(name) => open_named(&name, config).map_err(|mismatch| {
            let e = mismatch.existing;
            map_code(
                "ERR_BAD_CONFIG",
                format!(
                    "cache {name:?} is already open with maxSize {}, maxBytes {}, ttl {}, updateAgeOnGet {}",
                    e.max_size, e.max_bytes, e.ttl_ms, e.update_age_on_get
                ),
            )
        })?,
    };
    Ok(External::new(cache))
}

/// The JS value of a stored entry (kind byte, then payload): a Buffer of the payload for bytes;
/// for text and JSON the stored bytes themselves are the kind-prefixed string, because kinds 1
/// and 3 are one-byte UTF-8 characters and `cache_set_text` stores only those kinds.
fn to_js<'env>(env: &'env Env, stored: &[u8]) -> Result<Either<JsString<'env>, BufferSlice<'env>>> {
    if stored[0] == KIND_BYTES {
        return BufferSlice::copy_from(env, &stored[1..]).map(Either::B);
    }
    // Text went in as a JS string, so it is UTF-8; checked rather than trusted (safe, and cheap).
    let text = std::str::from_utf8(stored).map_err(|_| Error::from_reason("cache entry is not UTF-8"))?;
    env.create_string(text).map(Either::A)
}

#[napi(catch_unwind, ts_args_type = "cache: ExternalObject<'Cache'>, key: string")]
pub fn cache_get<'env>(
    env: &'env Env,
    cache: CacheArg,
    key: Key,
) -> Result<Option<Either<JsString<'env>, BufferSlice<'env>>>> {
    let Some(key) = key.bytes() else {
        // An ill-formed key was never stored (see cache_key.rs): a miss, as in the fallback.
        cache.count_miss();
        return Ok(None);
    };
    cache.get(key, |stored| to_js(env, stored)).transpose()
}

#[napi(catch_unwind, ts_args_type = "cache: ExternalObject<'Cache'>, key: string")]
pub fn cache_peek<'env>(
    env: &'env Env,
    cache: CacheArg,
    key: Key,
) -> Result<Option<Either<JsString<'env>, BufferSlice<'env>>>> {
    let Some(key) = key.bytes() else {
        cache.purge(); // ill-formed: never stored, but expiry still runs (counters as the fallback)
        return Ok(None);
    };
    cache.peek(key, |stored| to_js(env, stored)).transpose()
}

/// A set refused for a lone surrogate, which stored UTF-8 cannot carry (see cache_key.rs). Same
/// code and text as the fallback's refusal (src/backend/fallback/cache.ts), which the TS layer
/// rewraps as a `KeycardError`. Only bad input reaches this: the hot path returns a boolean.
fn ill_formed(what: &str) -> Error<&'static str> {
    map_code(
        "ERR_INVALID_ARGUMENT",
        format!("cache {what} must not hold lone surrogates"),
    )
}

/// Stores text (`kind` 1) or JSON text (3); false when larger than the cache's `maxBytes`. A lone
/// surrogate in the key or the text is refused here (ERR_INVALID_ARGUMENT, nothing stored, no
/// purge), so the TS layer does not scan either string first.
#[napi(
    catch_unwind,
    ts_args_type = "cache: ExternalObject<'Cache'>, key: string, kind: number, text: string, ttl: number"
)]
pub fn cache_set_text(cache: CacheArg, key: Key, kind: u32, text: Text, ttl: f64) -> Result<bool, &'static str> {
    // Only the two text kinds, so every stored text value is valid UTF-8 including its kind byte.
    let kind = if kind == u32::from(KIND_JSON) {
        KIND_JSON
    } else {
        KIND_TEXT
    };
    let key = key.bytes().ok_or_else(|| ill_formed("keys"))?;
    let text = text.bytes().ok_or_else(|| ill_formed("strings"))?;
    Ok(cache.set(key, kind, text, ttl_of(ttl)))
}

/// Stores bytes; false when larger than the cache's `maxBytes`; a key with a lone surrogate is
/// refused as in `cache_set_text`.
#[napi(
    catch_unwind,
    ts_args_type = "cache: ExternalObject<'Cache'>, key: string, data: Uint8Array, ttl: number"
)]
pub fn cache_set_bytes(cache: CacheArg, key: Key, data: &[u8], ttl: f64) -> Result<bool, &'static str> {
    let key = key.bytes().ok_or_else(|| ill_formed("keys"))?;
    Ok(cache.set(key, KIND_BYTES, data, ttl_of(ttl)))
}

/// Adds `by` (a safe integer, checked by the TS layer) to the counter under `key` in one locked
/// step, so increments from every worker thread of a named cache add up exactly. The new value,
/// or null when key + digits would exceed `maxBytes`; a value that is not an integer counter, or
/// a result past +-(2^53 - 1), is ERR_INVALID_ARGUMENT (same texts as the fallback's).
#[napi(
    catch_unwind,
    ts_args_type = "cache: ExternalObject<'Cache'>, key: string, by: number, ttl: number"
)]
pub fn cache_increment(cache: CacheArg, key: Key, by: f64, ttl: f64) -> Result<Option<f64>, &'static str> {
    let key = key.bytes().ok_or_else(|| ill_formed("keys"))?;
    // `as` saturates; a non-integer or unsafe `by` never gets here (TS checks it), and a
    // saturated one would be refused as out of range below anyway.
    match cache.increment(key, KIND_JSON, by as i64, ttl_of(ttl)) {
        Increment::Value(n) => Ok(Some(n as f64)),
        Increment::TooLarge => Ok(None),
        Increment::NotCounter => Err(map_code(
            "ERR_INVALID_ARGUMENT",
            "cache increment: the value is not an integer counter".to_owned(),
        )),
        Increment::OutOfRange => Err(map_code(
            "ERR_INVALID_ARGUMENT",
            "cache increment: the result would pass Number.MAX_SAFE_INTEGER".to_owned(),
        )),
    }
}

/// Every live entry, most recent first, in one call and one flat array: `[key, key, ...]`, or
/// with `with_values` `[key, value, msLeft, ...]` (values as `cache_get` returns them, msLeft
/// Infinity when the entry never expires). Recency and counters are left alone.
#[napi(
    catch_unwind,
    ts_args_type = "cache: ExternalObject<'Cache'>, withValues: boolean",
    ts_return_type = "Array<string | Buffer | number>"
)]
pub fn cache_entries<'env>(env: &'env Env, cache: CacheArg, with_values: bool) -> Result<Array<'env>> {
    let mut out = env.create_array(0)?;
    let mut at = 0u32;
    cache.for_each_recent(|key, stored, left| {
        // Keys went in as well-formed JS strings, so they are UTF-8; checked, not trusted.
        let key = std::str::from_utf8(key).map_err(|_| Error::from_reason("cache key is not UTF-8"))?;
        out.set(at, env.create_string(key)?)?;
        at += 1;
        if with_values {
            out.set(at, to_js(env, stored)?)?;
            out.set(at + 1, left.map_or(f64::INFINITY, |ms| ms as f64))?;
            at += 2;
        }
        Ok::<(), Error>(())
    })?;
    Ok(out)
}

#[napi(catch_unwind, ts_args_type = "cache: ExternalObject<'Cache'>, key: string")]
pub fn cache_has(cache: CacheArg, key: Key) -> bool {
    match key.bytes() {
        Some(key) => cache.has(key),
        None => {
            cache.purge();
            false
        }
    }
}

#[napi(catch_unwind, ts_args_type = "cache: ExternalObject<'Cache'>, key: string")]
pub fn cache_delete(cache: CacheArg, key: Key) -> bool {
    match key.bytes() {
        Some(key) => cache.delete(key),
        None => {
            cache.purge();
            false
        }
    }
}

#[napi(catch_unwind, ts_args_type = "cache: ExternalObject<'Cache'>")]
pub fn cache_clear(cache: CacheArg) {
    cache.clear()
}

#[napi(catch_unwind, ts_args_type = "cache: ExternalObject<'Cache'>")]
pub fn cache_size(cache: CacheArg) -> f64 {
    cache.len() as f64
}

/// Ms until `key` expires; Infinity when it never does; 0 when absent.
#[napi(catch_unwind, ts_args_type = "cache: ExternalObject<'Cache'>, key: string")]
pub fn cache_remaining_ttl(cache: CacheArg, key: Key) -> f64 {
    let Some(key) = key.bytes() else {
        cache.purge();
        return 0.0;
    };
    match cache.remaining_ttl(key) {
        None => 0.0,
        Some(None) => f64::INFINITY,
        Some(Some(ms)) => ms as f64,
    }
}

/// `[hits, misses, evictions, expirations, bytes, size]`.
#[napi(catch_unwind, ts_args_type = "cache: ExternalObject<'Cache'>")]
pub fn cache_stats(cache: CacheArg) -> Vec<f64> {
    let s = cache.stats();
    [s.hits, s.misses, s.evictions, s.expirations, s.bytes, s.size]
        .iter()
        .map(|&n| n as f64)
        .collect()
}

/// Test hook: the cache's clock reads `now` ms (null: the real clock again).
#[napi(catch_unwind, ts_args_type = "cache: ExternalObject<'Cache'>, now: number | null")]
pub fn cache_set_test_now(cache: CacheArg, now: Option<f64>) {
    cache.set_test_now(now.map(|ms| ms.max(0.0) as u64))
}
