//! keycard's LRU/TTL cache. No napi: the binding (`crates/keycard-node/src/cache.rs`) wraps it.
//!
//! # Design
//! The semantics are those of `docs/CACHE.md`, shared exactly with the TypeScript fallback (a
//! model-based test compares the two operation by operation), so the design favours exactness:
//!
//! - **One lock per cache.** A `Mutex<Inner>` keeps the LRU order global and exact; sharding
//!   would make eviction order depend on the shard a key hashes to. The lock is held for a hash
//!   lookup, a few link updates and (on `get`) the copy of the value into a JS string or buffer,
//!   which is far shorter than the napi call around it.
//! - **Slab + intrusive list.** Entries live in a `Vec<Entry>` addressed by `u32` slot numbers;
//!   the LRU list (head = least recent) is a separate `Vec<Link>` of `prev`/`next` slot numbers,
//!   8 bytes a slot, so the two neighbours a hit relinks are likely in cache even when the
//!   entries are not. Freed slots are reused from a free list.
//! - **One allocation per entry**: key, kind byte and payload in one boxed slice. The entry
//!   itself is one 64-byte cache line that also holds the key's first 23 bytes, so a lookup
//!   compares a short key (or rejects a different one) without reading the allocation: with
//!   100k+ entries each of table, entry and allocation is a cache miss, one after the other.
//! - **Updates in place**: a `set` over a held key writes a value of the same length over the
//!   old one and resizes the allocation (`realloc`, exact size) for any other, so the key is
//!   neither copied nor hashed twice, and memory stays bounded by the bytes counted.
//! - **Hash table of slot numbers.** A `hashbrown::HashTable<u32>` keyed by the entry's key,
//!   hashed with std's SipHash under a per-cache random key: keys come from HTTP requests, and
//!   a fixed or weak hash would let a client force collisions (HashDoS). Hashing a short key
//!   costs ~130 instructions of a `set`'s ~4,000 (most of which are napi), so a faster, weaker
//!   keyed hash would buy little.
//! - **Exact expiry, amortised.** Entries with a TTL are pushed on a min-heap of
//!   `(expires_at, slot, generation)`. Before every operation, all due items are popped and
//!   their entries removed (rule 1 of docs/CACHE.md), so an expired entry is never returned or
//!   counted. The check is one comparison when nothing is due, and the clock is read only when
//!   the heap is non-empty. Replacing or deleting an entry bumps its slot's generation instead
//!   of searching the heap; stale items are skipped when popped and compacted away when they
//!   outnumber live ones, so the heap stays O(live entries).
//! - **Values as bytes**: the kind byte, then the payload (UTF-8 text or raw bytes). Keys and
//!   values never touch the JS heap.
//! - **Named caches** live in a process-wide registry, so every thread (every napi env) that
//!   opens a name gets the same `Arc<Cache>`.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Instant;

mod store;

use store::Inner;

/// `test_now` value meaning "use the real clock".
const REAL_CLOCK: u64 = u64::MAX;

/// What a cache is made of; validated by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Most entries, 1 ..= 2^32 - 2 (slot numbers are u32 and `u32::MAX` is the list's end).
    pub max_size: u32,
    /// Most bytes (keys plus payloads); 0 = no byte bound.
    pub max_bytes: u64,
    /// Default time to live in ms; 0 = never expires.
    pub ttl_ms: u64,
    /// A `get` hit restarts the entry's time to live (lru-cache's `updateAgeOnGet`).
    pub update_age_on_get: bool,
}

/// Counters and current totals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub hits: u64,
    pub misses: u64,
    pub evictions: u64,
    pub expirations: u64,
    pub bytes: u64,
    pub size: u64,
}

/// A named cache was opened again with another config.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigMismatch {
    pub existing: Config,
}

/// How long a `set` asks its entry to live.
#[derive(Clone, Copy, Debug)]
pub enum Ttl {
    /// The cache's default.
    Default,
    /// Never expires.
    Never,
    /// This many milliseconds.
    Ms(u64),
}

/// A thread-safe LRU/TTL cache of byte values.
pub struct Cache {
    config: Config,
    hasher: RandomState,
    inner: Mutex<Inner>,
    /// Test hook: a fixed clock reading, or `REAL_CLOCK`.
    test_now: AtomicU64,
}

/// Milliseconds on a monotonic clock shared by every thread of the process.
fn monotonic_ms() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_millis() as u64
}

impl Cache {
    pub fn new(config: Config) -> Cache {
        Cache {
            config,
            hasher: RandomState::new(),
            inner: Mutex::new(Inner::new(config.update_age_on_get)),
            test_now: AtomicU64::new(REAL_CLOCK),
        }
    }

    pub fn config(&self) -> Config {
        self.config
    }

    /// Test hook: the clock reads `now` from here on (`None`: the real clock again).
    pub fn set_test_now(&self, now: Option<u64>) {
        self.test_now
            .store(now.unwrap_or(REAL_CLOCK).min(REAL_CLOCK - 1), Ordering::Relaxed);
    }

    fn now(&self) -> u64 {
        match self.test_now.load(Ordering::Relaxed) {
            REAL_CLOCK => monotonic_ms(),
            fixed => fixed,
        }
    }

    /// The lock. A panic while holding it (caught by the binding) may have left the structure
    /// half-updated, so a poisoned cache is emptied rather than trusted: losing cached entries
    /// is always safe, returning a wrong one is not.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        match self.inner.lock() {
            Ok(guard) => guard,
            Err(poisoned) => {
                let mut guard = poisoned.into_inner();
                guard.clear();
                self.inner.clear_poison();
                guard
            }
        }
    }

    /// Locks and removes every due entry first (docs/CACHE.md rule 1).
    fn purged(&self) -> MutexGuard<'_, Inner> {
        let mut inner = self.lock();
        if !inner.heap.is_empty() {
            inner.purge(self.now());
        }
        inner
    }

    fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    /// Calls `read` with a live entry's stored value (its kind byte, then the payload), making
    /// it the most recent and counting a hit; counts a miss and returns `None` when there is none.
    pub fn get<R>(&self, key: &[u8], read: impl FnOnce(&[u8]) -> R) -> Option<R> {
        let hash = self.hash(key);
        let mut inner = self.purged();
        match inner.find(hash, key) {
            Some(slot) => {
                inner.hits += 1;
                inner.move_to_tail(slot);
                if self.config.update_age_on_get {
                    inner.reage(slot, self.now());
                }
                Some(read(inner.slots[slot as usize].value()))
            }
            None => {
                inner.misses += 1;
                None
            }
        }
    }

    /// Counts a miss for a lookup that never reached the table (a key that cannot be stored),
    /// after the purge every operation does, so expirations are counted as in the fallback.
    pub fn count_miss(&self) {
        self.purged().misses += 1;
    }

    /// Drops every due entry: what any operation does first, for a lookup of a key that cannot
    /// be stored (nothing else to do, but the counters must match the fallback's).
    pub fn purge(&self) {
        drop(self.purged());
    }

    /// As `get`, leaving recency and counters alone.
    pub fn peek<R>(&self, key: &[u8], read: impl FnOnce(&[u8]) -> R) -> Option<R> {
        let hash = self.hash(key);
        let inner = self.purged();
        let slot = inner.find(hash, key)?;
        Some(read(inner.slots[slot as usize].value()))
    }

    /// Stores `payload` of `kind` under `key` as the most recent entry and evicts the least
    /// recent ones while over a bound. False, changing nothing, when the entry alone is larger
    /// than `max_bytes`.
    pub fn set(&self, key: &[u8], kind: u8, payload: &[u8], ttl: Ttl) -> bool {
        let bytes = (key.len() + payload.len()) as u64;
        if self.config.max_bytes > 0 && bytes > self.config.max_bytes {
            // Still purge: every operation does, so counters match the fallback exactly.
            drop(self.purged());
            return false;
        }
        let ttl_ms = match ttl {
            Ttl::Default => self.config.ttl_ms,
            Ttl::Never => 0,
            Ttl::Ms(ms) => ms,
        };
        let hash = self.hash(key);
        let mut inner = self.purged();
        let expires_at = if ttl_ms == 0 {
            0
        } else {
            // Never 0 (which means "never"), even on a test clock at 0.
            self.now().saturating_add(ttl_ms).max(1)
        };
        let slot = match inner.find(hash, key) {
            Some(slot) => {
                inner.replace(slot, kind, payload, expires_at);
                inner.move_to_tail(slot);
                slot
            }
            None => inner.insert(key, kind, payload, hash, expires_at),
        };
        if self.config.update_age_on_get {
            inner.remember_ttl(slot, ttl_ms);
        }
        inner.evict(self.config, slot);
        inner.compact_heap();
        true
    }

    /// Adds `by` to the integer counter under `key` (docs/CACHE.md, "Counters"), all under the
    /// lock, so concurrent increments from any thread are never lost. A counter is an entry of
    /// kind `kind` (the binding's JSON kind) whose payload is a decimal integer within
    /// +-(2^53 - 1), which is how JSON writes a safe integer. An absent key is created holding `by`
    /// with `ttl`; an existing counter keeps its expiry (incrementing does not extend a window)
    /// and becomes the most recent entry. Hits and misses are not counted; evictions are, as in
    /// `set`.
    pub fn increment(&self, key: &[u8], kind: u8, by: i64, ttl: Ttl) -> Increment {
        let hash = self.hash(key);
        let mut inner = self.purged();
        let found = inner.find(hash, key);
        let value = match found {
            Some(slot) => match counter_of(inner.slots[slot as usize].value(), kind) {
                Some(old) => old.checked_add(by),
                None => return Increment::NotCounter,
            },
            None => Some(by),
        };
        // Beyond 2^53 - 1 a JS number no longer holds every integer: refused, nothing changed.
        let Some(value) = value.filter(|n| n.unsigned_abs() <= MAX_SAFE_INTEGER) else {
            return Increment::OutOfRange;
        };
        let mut digits = [0u8; 20]; // any i64 in decimal
        let text = format_i64(value, &mut digits);
        if self.config.max_bytes > 0 && (key.len() + text.len()) as u64 > self.config.max_bytes {
            return Increment::TooLarge;
        }
        let slot = match found {
            Some(slot) => {
                inner.rewrite(slot, text);
                inner.move_to_tail(slot);
                slot
            }
            None => {
                let ttl_ms = match ttl {
                    Ttl::Default => self.config.ttl_ms,
                    Ttl::Never => 0,
                    Ttl::Ms(ms) => ms,
                };
                let expires_at = if ttl_ms == 0 {
                    0
                } else {
                    self.now().saturating_add(ttl_ms).max(1)
                };
                let slot = inner.insert(key, kind, text, hash, expires_at);
                if self.config.update_age_on_get {
                    inner.remember_ttl(slot, ttl_ms);
                }
                slot
            }
        };
        inner.evict(self.config, slot);
        inner.compact_heap();
        Increment::Value(value)
    }

    /// Calls `visit` with every live entry, most recent first: its key, its stored value (kind
    /// byte, then payload) and the ms it has left (`None`: never expires), after the purge every
    /// operation does, leaving recency and counters alone. The lock is held throughout, so the
    /// walk sees one consistent state (and blocks other threads for its length: it is for
    /// `keys()`, `entries()` and `dump()`, not the request path). Stops at `visit`'s first error.
    pub fn for_each_recent<E>(
        &self,
        mut visit: impl FnMut(&[u8], &[u8], Option<u64>) -> Result<(), E>,
    ) -> Result<(), E> {
        let inner = self.purged();
        let now = self.now();
        for slot in inner.recent_first() {
            let entry = &inner.slots[slot as usize];
            let left = match entry.expires_at {
                0 => None,
                at => Some(at - now.min(at)),
            };
            visit(entry.key(), entry.value(), left)?;
        }
        Ok(())
    }

    /// Whether `key` holds a live entry (recency unchanged).
    pub fn has(&self, key: &[u8]) -> bool {
        let hash = self.hash(key);
        self.purged().find(hash, key).is_some()
    }

    /// Removes `key`; true when there was a live entry.
    pub fn delete(&self, key: &[u8]) -> bool {
        let hash = self.hash(key);
        let mut inner = self.purged();
        match inner.find(hash, key) {
            Some(slot) => {
                inner.remove(slot);
                true
            }
            None => false,
        }
    }

    /// Removes every entry; the counters stay.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Live entries.
    pub fn len(&self) -> u64 {
        self.purged().len
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Ms until `key` expires: `Some(None)` when it never does, `None` when absent.
    pub fn remaining_ttl(&self, key: &[u8]) -> Option<Option<u64>> {
        let hash = self.hash(key);
        let inner = self.purged();
        let slot = inner.find(hash, key)?;
        match inner.slots[slot as usize].expires_at {
            0 => Some(None),
            // After the purge, a live entry's expiry is in the future of `now`.
            at => Some(Some(at - self.now().min(at))),
        }
    }

    pub fn stats(&self) -> Stats {
        let inner = self.purged();
        Stats {
            hits: inner.hits,
            misses: inner.misses,
            evictions: inner.evictions,
            expirations: inner.expirations,
            bytes: inner.bytes,
            size: inner.len,
        }
    }
}

/// 2^53 - 1: the largest integer every smaller one of which a JS number holds exactly.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// What `Cache::increment` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Increment {
    /// The counter's new value.
    Value(i64),
    /// The key holds something other than an integer counter; nothing changed.
    NotCounter,
    /// The result would pass +-(2^53 - 1); nothing changed.
    OutOfRange,
    /// Key plus digits would exceed `max_bytes`; nothing changed.
    TooLarge,
}

/// The integer a stored value (kind byte, then payload) holds when it is a counter: kind `kind`
/// and a payload of `-?[0-9]+`, at most 16 digits (2^53 - 1 has 16). JSON writes every safe
/// integer that way and nothing else that way, so this agrees with the fallback's
/// `Number.isSafeInteger(JSON.parse(text))` on every payload a `set` can store.
fn counter_of(stored: &[u8], kind: u8) -> Option<i64> {
    let (&first, payload) = stored.split_first()?;
    if first != kind {
        return None;
    }
    let (negative, digits) = match payload.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, payload),
    };
    if digits.is_empty() || digits.len() > 16 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let magnitude = digits.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
    if magnitude > MAX_SAFE_INTEGER {
        return None;
    }
    let n = magnitude as i64;
    Some(if negative { -n } else { n })
}

/// `n` in decimal, as JSON (and `JSON.stringify`) writes an integer, in `buf`.
fn format_i64(n: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut magnitude = n.unsigned_abs();
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (magnitude % 10) as u8;
        magnitude /= 10;
        if magnitude == 0 {
            break;
        }
    }
    if n < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    &buf[at..]
}

/// The process-wide registry of named caches.
fn registry() -> &'static Mutex<HashMap<String, Arc<Cache>>> {
    static NAMED: OnceLock<Mutex<HashMap<String, Arc<Cache>>>> = OnceLock::new();
    NAMED.get_or_init(Default::default)
}

/// The cache called `name`, created with `config` on first open. Every thread that opens the
/// name shares it; it lives until the process exits.
pub fn open_named(name: &str, config: Config) -> Result<Arc<Cache>, ConfigMismatch> {
    // The registry only maps names to Arcs; a panic cannot leave it half-updated.
    let mut named = registry().lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(cache) = named.get(name) {
        return if cache.config == config {
            Ok(Arc::clone(cache))
        } else {
            Err(ConfigMismatch { existing: cache.config })
        };
    }
    let cache = Arc::new(Cache::new(config));
    named.insert(name.to_owned(), Arc::clone(&cache));
    Ok(cache)
}
