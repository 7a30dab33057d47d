//! The structure under a cache's lock: a slab of entries, their LRU links, the hash table of slot
//! numbers and the expiry heap (the design is explained at the top of lib.rs). Everything here
//! runs with the lock held; `Cache` in lib.rs is the only caller.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use hashbrown::HashTable;

use crate::Config;

/// End of the LRU list.
const NIL: u32 = u32::MAX;

/// Key bytes kept in the entry itself, so a lookup compares a key of up to this length without
/// reading `data`: with 100k+ entries every structure is a cache miss, and the lookup's misses
/// are a chain (table, entry, data), so one link fewer is a large share of a `get`, `has` or
/// `set`. 23 fills the entry to one 64-byte cache line.
const PREFIX: usize = 23;

/// One cache line (64 bytes, aligned), so reading an entry is one miss, not two.
#[repr(C, align(64))]
pub(crate) struct Entry {
    /// The key, then the value: its kind byte and payload.
    data: Box<[u8]>,
    hash: u64,
    /// Clock ms at which the entry expires; 0 = never.
    pub(crate) expires_at: u64,
    key_len: u32,
    /// Bumped whenever the slot's entry is replaced or removed, invalidating its heap items.
    generation: u32,
    live: bool,
    /// The key's first `PREFIX` bytes (all of it when shorter; zeros after).
    prefix: [u8; PREFIX],
}

const _: () = assert!(std::mem::size_of::<Entry>() == 64);

/// `key`'s first `PREFIX` bytes, zero-padded.
fn prefix_of(key: &[u8]) -> [u8; PREFIX] {
    let mut prefix = [0; PREFIX];
    let n = key.len().min(PREFIX);
    prefix[..n].copy_from_slice(&key[..n]);
    prefix
}

impl Entry {
    pub(crate) fn key(&self) -> &[u8] {
        &self.data[..self.key_len as usize]
    }

    /// Whether this entry's key is `key`; reads `data` only for a key longer than `PREFIX` whose
    /// first bytes match.
    fn has_key(&self, key: &[u8]) -> bool {
        if key.len() != self.key_len as usize {
            return false;
        }
        let n = key.len().min(PREFIX);
        self.prefix[..n] == key[..n] && (key.len() <= PREFIX || self.key()[PREFIX..] == key[PREFIX..])
    }

    /// The kind byte, then the payload.
    pub(crate) fn value(&self) -> &[u8] {
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

pub(crate) struct Inner {
    pub(crate) slots: Vec<Entry>,
    links: Vec<Link>,
    free: Vec<u32>,
    table: HashTable<u32>,
    head: u32,
    tail: u32,
    pub(crate) heap: BinaryHeap<Reverse<(u64, u32, u32)>>,
    /// Live entries that have an expiry (the heap's useful items).
    with_ttl: usize,
    pub(crate) len: u64,
    pub(crate) bytes: u64,
    pub(crate) hits: u64,
    pub(crate) misses: u64,
    pub(crate) evictions: u64,
    pub(crate) expirations: u64,
    /// Each slot's time to live in ms (0 = never), kept only by caches that restart it on a
    /// `get` (`update_age_on_get`): the entry itself has no room for it (one cache line).
    ttls: Option<Vec<u64>>,
}

impl Inner {
    pub(crate) fn new(update_age_on_get: bool) -> Inner {
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
            ttls: update_age_on_get.then(Vec::new),
        }
    }

    pub(crate) fn clear(&mut self) {
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
        if let Some(ttls) = &mut self.ttls {
            ttls.clear();
        }
    }

    pub(crate) fn find(&self, hash: u64, key: &[u8]) -> Option<u32> {
        let slots = &self.slots;
        self.table
            .find(hash, |&slot| slots[slot as usize].has_key(key))
            .copied()
    }

    /// Removes every entry whose expiry is `<= now`, counting each as an expiration.
    pub(crate) fn purge(&mut self, now: u64) {
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
    pub(crate) fn compact_heap(&mut self) {
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

    pub(crate) fn insert(&mut self, key: &[u8], kind: u8, payload: &[u8], hash: u64, expires_at: u64) -> u32 {
        let entry = Entry {
            data: entry_data(key, kind, payload),
            hash,
            expires_at,
            key_len: key.len() as u32,
            generation: 0,
            live: true,
            prefix: prefix_of(key),
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

    /// Gives the entry in `slot` a new value and expiry, in its own allocation: a value of the
    /// same length is written over the old one (counters and session blobs often keep their
    /// size), any other is resized in place where the allocator can (`realloc`), keeping the key
    /// where it is. The allocation is always exactly key + kind + payload long, so `maxBytes`
    /// bounds memory and not only the count of bytes.
    pub(crate) fn replace(&mut self, slot: u32, kind: u8, payload: &[u8], expires_at: u64) {
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
            let mut data = Vec::from(std::mem::take(&mut entry.data));
            data.truncate(key_len);
            // Exact, so `into_boxed_slice` below has no spare capacity to shrink away.
            data.reserve_exact(1 + payload.len());
            data.push(kind);
            data.extend_from_slice(payload);
            entry.data = data.into_boxed_slice();
        }
        entry.expires_at = expires_at;
        entry.generation = entry.generation.wrapping_add(1);
        self.bytes += entry.bytes();
        self.track_expiry(slot);
    }

    /// Gives the entry in `slot` a new payload of the same kind, keeping its expiry and heap item
    /// (a counter's increment): the generation stays, so its heap item stays valid. Resized as in
    /// `replace`, so the allocation is always exactly key + kind + payload long.
    pub(crate) fn rewrite(&mut self, slot: u32, payload: &[u8]) {
        let entry = &mut self.slots[slot as usize];
        self.bytes -= entry.bytes();
        let start = entry.key_len as usize + 1;
        if entry.data.len() == start + payload.len() {
            entry.data[start..].copy_from_slice(payload);
        } else {
            let mut data = Vec::from(std::mem::take(&mut entry.data));
            data.truncate(start);
            data.reserve_exact(payload.len());
            data.extend_from_slice(payload);
            entry.data = data.into_boxed_slice();
        }
        self.bytes += entry.bytes();
    }

    /// Remembers the time to live the entry in `slot` was given (`update_age_on_get` caches).
    pub(crate) fn remember_ttl(&mut self, slot: u32, ttl_ms: u64) {
        if let Some(ttls) = &mut self.ttls {
            let at = slot as usize;
            if ttls.len() <= at {
                ttls.resize(at + 1, 0);
            }
            ttls[at] = ttl_ms;
        }
    }

    /// Restarts the time to live of the entry in `slot` from `now` (`update_age_on_get`): a new
    /// expiry under a new generation, so the entry's earlier heap item is skipped as stale.
    pub(crate) fn reage(&mut self, slot: u32, now: u64) {
        let Some(&ttl_ms) = self.ttls.as_ref().and_then(|ttls| ttls.get(slot as usize)) else {
            return;
        };
        let entry = &mut self.slots[slot as usize];
        if ttl_ms == 0 || entry.expires_at == 0 {
            return;
        }
        entry.expires_at = now.saturating_add(ttl_ms).max(1);
        entry.generation = entry.generation.wrapping_add(1);
        self.heap.push(Reverse((entry.expires_at, slot, entry.generation)));
        self.compact_heap();
    }

    fn track_expiry(&mut self, slot: u32) {
        let entry = &self.slots[slot as usize];
        if entry.expires_at != 0 {
            self.with_ttl += 1;
            self.heap.push(Reverse((entry.expires_at, slot, entry.generation)));
        }
    }

    pub(crate) fn remove(&mut self, slot: u32) {
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
    pub(crate) fn evict(&mut self, config: Config, keep: u32) {
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

    /// The live slots, most recent first (the list from its tail).
    pub(crate) fn recent_first(&self) -> impl Iterator<Item = u32> + '_ {
        std::iter::successors(Some(self.tail).filter(|&s| s != NIL), |&slot| {
            Some(self.links[slot as usize].prev).filter(|&s| s != NIL)
        })
    }

    pub(crate) fn move_to_tail(&mut self, slot: u32) {
        if self.tail != slot {
            self.unlink(slot);
            self.push_tail(slot);
        }
    }
}
