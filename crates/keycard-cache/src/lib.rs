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
//! - **One allocation per entry**: key, kind byte and payload in one boxed slice, so a lookup
//!   that compares the key has already fetched the value's first bytes.
//! - **Hash table of slot numbers.** A `hashbrown::HashTable<u32>` keyed by the entry's key,
//!   hashed with std's SipHash under a per-cache random key: keys come from HTTP requests, and
//!   a fixed or weak hash would let a client force collisions (HashDoS).
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

use std::cmp::Reverse;
use std::collections::hash_map::RandomState;
use std::collections::{BinaryHeap, HashMap};
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Instant;

use hashbrown::HashTable;

/// End of the LRU list.
const NIL: u32 = u32::MAX;
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

struct Entry {
    /// The key, then the value: its kind byte and payload.
    data: Box<[u8]>,
    key_len: u32,
    /// Bumped whenever the slot's entry is replaced or removed, invalidating its heap items.
    generation: u32,
    hash: u64,
    /// Clock ms at which the entry expires; 0 = never.
    expires_at: u64,
    live: bool,
}

impl Entry {
    fn key(&self) -> &[u8] {
        &self.data[..self.key_len as usize]
    }

    /// The kind byte, then the payload.
    fn value(&self) -> &[u8] {
        &self.data[self.key_len as usize..]
    }

    /// Key plus payload bytes (the kind byte is bookkeeping).
    fn bytes(&self) -> u64 {
        (self.data.len() - 1) as u64
    }
}

/// The entry's place in the LRU list.
#[derive(Clone, Copy)]
struct Link {
    prev: u32,
    next: u32,
}

const UNLINKED: Link = Link { prev: NIL, next: NIL };

/// Key ++ kind ++ payload, the layout of `Entry::data`.
fn entry_data(key: &[u8], kind: u8, payload: &[u8]) -> Box<[u8]> {
    let mut data = Vec::with_capacity(key.len() + 1 + payload.len());
    data.extend_from_slice(key);
    data.push(kind);
    data.extend_from_slice(payload);
    data.into_boxed_slice()
}

struct Inner {
    slots: Vec<Entry>,
    links: Vec<Link>,
    free: Vec<u32>,
    table: HashTable<u32>,
    head: u32,
    tail: u32,
    heap: BinaryHeap<Reverse<(u64, u32, u32)>>,
    /// Live entries that have an expiry (the heap's useful items).
    with_ttl: usize,
    len: u64,
    bytes: u64,
    hits: u64,
    misses: u64,
    evictions: u64,
    expirations: u64,
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
            inner: Mutex::new(Inner::new()),
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
                Some(read(inner.slots[slot as usize].value()))
            }
            None => {
                inner.misses += 1;
                None
            }
        }
    }

    /// Counts a miss for a lookup that never reached the table (a key that cannot be stored).
    pub fn count_miss(&self) {
        self.lock().misses += 1;
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
            None => inner.insert(entry_data(key, kind, payload), key.len() as u32, hash, expires_at),
        };
        inner.evict(self.config, slot);
        inner.compact_heap();
        true
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

impl Inner {
    fn new() -> Inner {
        Inner {
            slots: Vec::new(),
            links: Vec::new(),
            free: Vec::new(),
            table: HashTable::new(),
            head: NIL,
            tail: NIL,
            heap: BinaryHeap::new(),
            with_ttl: 0,
            len: 0,
            bytes: 0,
            hits: 0,
            misses: 0,
            evictions: 0,
            expirations: 0,
        }
    }

    fn clear(&mut self) {
        self.slots.clear();
        self.links.clear();
        self.free.clear();
        self.table.clear();
        self.heap.clear();
        self.head = NIL;
        self.tail = NIL;
        self.with_ttl = 0;
        self.len = 0;
        self.bytes = 0;
    }

    fn find(&self, hash: u64, key: &[u8]) -> Option<u32> {
        let slots = &self.slots;
        self.table
            .find(hash, |&slot| slots[slot as usize].key() == key)
            .copied()
    }

    /// Removes every entry whose expiry is `<= now`, counting each as an expiration.
    fn purge(&mut self, now: u64) {
        while let Some(&Reverse((at, slot, generation))) = self.heap.peek() {
            if at > now {
                break;
            }
            self.heap.pop();
            let entry = &self.slots[slot as usize];
            if entry.live && entry.generation == generation {
                self.remove(slot);
                self.expirations += 1;
            }
        }
    }

    /// Rebuilds the heap from live entries once stale items (from replaced or deleted entries)
    /// outnumber live ones, so churn on long-lived keys cannot grow it without bound.
    fn compact_heap(&mut self) {
        if self.heap.len() <= 2 * self.with_ttl + 64 {
            return;
        }
        let items: Vec<_> = (0..self.slots.len() as u32)
            .filter(|&slot| {
                let entry = &self.slots[slot as usize];
                entry.live && entry.expires_at != 0
            })
            .map(|slot| {
                let entry = &self.slots[slot as usize];
                Reverse((entry.expires_at, slot, entry.generation))
            })
            .collect();
        self.heap = BinaryHeap::from(items);
    }

    fn insert(&mut self, data: Box<[u8]>, key_len: u32, hash: u64, expires_at: u64) -> u32 {
        let entry = Entry {
            data,
            key_len,
            generation: 0,
            hash,
            expires_at,
            live: true,
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                let old = &mut self.slots[slot as usize];
                let generation = old.generation;
                *old = Entry { generation, ..entry };
                slot
            }
            None => {
                self.slots.push(entry);
                self.links.push(UNLINKED);
                (self.slots.len() - 1) as u32
            }
        };
        let slots = &self.slots;
        self.table.insert_unique(hash, slot, |&s| slots[s as usize].hash);
        self.bytes += self.slots[slot as usize].bytes();
        self.len += 1;
        self.track_expiry(slot);
        self.push_tail(slot);
        slot
    }

    /// Gives the entry in `slot` a new value and expiry; a value of the same length is written
    /// over the old one (counters and session blobs often keep their size), saving an allocation.
    fn replace(&mut self, slot: u32, kind: u8, payload: &[u8], expires_at: u64) {
        let entry = &mut self.slots[slot as usize];
        self.bytes -= entry.bytes();
        if entry.expires_at != 0 {
            self.with_ttl -= 1;
        }
        let key_len = entry.key_len as usize;
        if entry.data.len() == key_len + 1 + payload.len() {
            entry.data[key_len] = kind;
            entry.data[key_len + 1..].copy_from_slice(payload);
        } else {
            entry.data = entry_data(&entry.data[..key_len], kind, payload);
        }
        entry.expires_at = expires_at;
        entry.generation = entry.generation.wrapping_add(1);
        self.bytes += entry.bytes();
        self.track_expiry(slot);
    }

    fn track_expiry(&mut self, slot: u32) {
        let entry = &self.slots[slot as usize];
        if entry.expires_at != 0 {
            self.with_ttl += 1;
            self.heap.push(Reverse((entry.expires_at, slot, entry.generation)));
        }
    }

    fn remove(&mut self, slot: u32) {
        self.unlink(slot);
        let hash = self.slots[slot as usize].hash;
        if let Ok(found) = self.table.find_entry(hash, |&s| s == slot) {
            found.remove();
        }
        let entry = &mut self.slots[slot as usize];
        self.bytes -= entry.bytes();
        self.len -= 1;
        if entry.expires_at != 0 {
            self.with_ttl -= 1;
        }
        entry.live = false;
        entry.generation = entry.generation.wrapping_add(1);
        entry.data = Box::default();
        self.free.push(slot);
    }

    /// Evicts least recent entries while over a bound, never `keep` (the entry just set, which
    /// fits on its own).
    fn evict(&mut self, config: Config, keep: u32) {
        while self.len > config.max_size as u64 || (config.max_bytes > 0 && self.bytes > config.max_bytes) {
            let victim = self.head;
            if victim == NIL || victim == keep {
                break;
            }
            self.remove(victim);
            self.evictions += 1;
        }
    }

    fn unlink(&mut self, slot: u32) {
        let Link { prev, next } = self.links[slot as usize];
        match prev {
            NIL => self.head = next,
            p => self.links[p as usize].next = next,
        }
        match next {
            NIL => self.tail = prev,
            n => self.links[n as usize].prev = prev,
        }
        self.links[slot as usize] = UNLINKED;
    }

    fn push_tail(&mut self, slot: u32) {
        let tail = self.tail;
        self.links[slot as usize] = Link { prev: tail, next: NIL };
        match tail {
            NIL => self.head = slot,
            t => self.links[t as usize].next = slot,
        }
        self.tail = slot;
    }

    fn move_to_tail(&mut self, slot: u32) {
        if self.tail != slot {
            self.unlink(slot);
            self.push_tail(slot);
        }
    }
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
