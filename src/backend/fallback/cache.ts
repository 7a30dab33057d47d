/**
 * The fallback `CacheCore`: an LRU/TTL cache in plain JS memory, with the exact semantics of
 * docs/CACHE.md ("Semantics" 1-7) that the native core (crates/keycard-cache) shares; a
 * model-based test compares the two operation by operation.
 *
 * Why it is built this way:
 *
 * - **lru-cache's layout, no entry objects.** A `Map` from key to slot number, and per-slot
 *   parallel arrays: keys and values in plain arrays, kinds, LRU links, expiries, generations
 *   (and byte sizes when `maxBytes` is set) in typed arrays. An entry costs the garbage collector
 *   its key and value only, and the hot paths (a `get` hit, a `set`) allocate nothing but the
 *   Map's own bookkeeping (and the private copy of a bytes value). The typed arrays grow by doubling, up to `maxSize` slots, since
 *   `maxSize` may be as large as 2^32 - 2 and most caches never fill.
 * - **A doubly linked list through the slots**, head = least recent, tail = most recent. As in
 *   lru-cache, the ends are recognised by comparing with `#head`/`#tail`, not by a sentinel
 *   link, so links and ends only ever hold slot numbers: small integers V8 keeps unboxed
 *   (a sentinel such as 2^32 - 1 is not one). The links of the end slots are left stale and
 *   never read. Freed slots go on a stack for reuse.
 * - **Exact expiry, amortised.** Entries with a TTL also sit in a binary min-heap of
 *   `(expiresAt, slot, generation)`, kept in three parallel typed arrays. Every operation first
 *   pops every due item and removes its entry (rule 1), which costs one comparison when nothing
 *   is due; the clock is read only when the heap is non-empty or the entry being set expires.
 * - **Lazy deletion by generation.** Replacing or removing an entry bumps its slot's generation
 *   rather than searching the heap; a popped item whose generation no longer matches is stale
 *   and skipped. Once the heap holds more than twice the live entries with a TTL (plus slack),
 *   it is rebuilt from the live entries, so churn on long-lived keys cannot grow it unbounded.
 * - **Byte lengths only when needed.** UTF-8 lengths are computed on `set` only when `maxBytes`
 *   bounds the cache; otherwise `stats().bytes` sums them over the live entries when asked.
 * - **Named caches** are per thread here (JS memory cannot be shared between workers), as
 *   docs/CACHE.md says.
 */

import { createError } from '../../errors'
import { type CacheConfig, type CacheCore, type CacheStats, KIND_BYTES, KIND_JSON, KIND_TEXT } from '../types'
import { ExpiryHeap } from './expiry_heap'

// Module-local copies of the kinds: an imported binding may compile to a property read (or, under
// esbuild's CommonJS interop, a getter call) on every use, which measured ~15 ns per `get` hit.
const TEXT = KIND_TEXT
const BYTES = KIND_BYTES
const JSON_TEXT = KIND_JSON

/**
 * The real clock. Bound once: Node checks `this` on every `performance.now()` call, and with
 * TTL entries the clock is read on every operation (bound: ~20 ns less per `get`, measured).
 */
const realNow = performance.now.bind(performance)

/** Slots (and heap items) allocated up front; both double as needed. */
const INITIAL_CAPACITY = 64
/** Stale heap items tolerated beyond the live ones before the heap is rebuilt. */
const HEAP_SLACK = 64

type Stored = string | Uint8Array

/** Byte length of a stored value: UTF-8 for text and JSON, byteLength for bytes. */
function payloadBytes(value: Stored): number {
  return typeof value === 'string' ? Buffer.byteLength(value) : value.byteLength
}

/** A copy of `from` in a typed array of `length` elements. */
function grown<T extends Uint8Array | Uint32Array | Float64Array>(from: T, length: number, make: new (n: number) => T): T {
  const to = new make(length)
  to.set(from)
  return to
}

class FallbackCache implements CacheCore {
  readonly #maxSize: number
  readonly #maxBytes: number
  readonly #ttl: number

  // --- Entries: a key -> slot map and per-slot parallel arrays -------------------------------
  readonly #slots = new Map<string, number>()
  #keys: (string | undefined)[] = []
  #values: (Stored | undefined)[] = []
  #kinds: Uint8Array
  #next: Uint32Array
  #prev: Uint32Array
  /** Clock ms at which the entry expires; 0 = never (and for free slots). */
  #expiries: Float64Array
  /** Bumped whenever a slot's entry is replaced or removed, invalidating its heap items. */
  #generations: Uint32Array
  /** Bytes of each entry; only kept when maxBytes > 0. */
  #sizes: Float64Array | null
  #capacity: number
  /** Slots handed out so far; `#keys.length` and `#values.length` equal it. */
  #used = 0
  readonly #free: number[] = []
  /** Least and most recent slots; meaningless while the cache is empty. */
  #head = 0
  #tail = 0
  /** Bytes of the live entries; only kept when maxBytes > 0. */
  #bytes = 0

  // --- Expiry heap: (at, slot, generation) items in parallel arrays, min at index 0 ----------
  readonly #heap = new ExpiryHeap()
  /** Live entries with an expiry: the heap's useful items. */
  #withTtl = 0

  // --- Counters and clock ---------------------------------------------------------------------
  #hits = 0
  #misses = 0
  #evictions = 0
  #expirations = 0
  #testClock = false
  #testNow = 0

  constructor(config: CacheConfig) {
    this.#maxSize = config.maxSize
    this.#maxBytes = config.maxBytes
    this.#ttl = config.ttl
    this.#capacity = Math.min(config.maxSize, INITIAL_CAPACITY)
    this.#kinds = new Uint8Array(this.#capacity)
    this.#next = new Uint32Array(this.#capacity)
    this.#prev = new Uint32Array(this.#capacity)
    this.#expiries = new Float64Array(this.#capacity)
    this.#generations = new Uint32Array(this.#capacity)
    this.#sizes = config.maxBytes > 0 ? new Float64Array(this.#capacity) : null
  }

  // --- CacheCore --------------------------------------------------------------------------------

  get(key: string): unknown {
    if (this.#heap.length !== 0) this.#purge(this.#now())
    const slot = this.#slots.get(key)
    if (slot === undefined) {
      this.#misses++
      return undefined
    }
    this.#hits++
    this.#moveToTail(slot)
    return this.#decode(slot)
  }

  peek(key: string): unknown {
    if (this.#heap.length !== 0) this.#purge(this.#now())
    const slot = this.#slots.get(key)
    return slot === undefined ? undefined : this.#decode(slot)
  }

  set(key: string, kind: number, payload: string | Uint8Array, ttl: number): boolean {
    const ttlMs = ttl < 0 ? this.#ttl : ttl
    const now = ttlMs !== 0 || this.#heap.length !== 0 ? this.#now() : 0
    if (this.#heap.length !== 0) this.#purge(now)
    let bytes = 0
    if (this.#maxBytes > 0) {
      bytes = Buffer.byteLength(key) + payloadBytes(payload)
      if (bytes > this.#maxBytes) return false
    }
    // A private copy of bytes, so the caller mutating its array later changes nothing stored.
    const value = kind === BYTES ? new Uint8Array(payload as Uint8Array) : payload
    const expiresAt = ttlMs === 0 ? 0 : now + ttlMs
    let slot = this.#slots.get(key)
    if (slot === undefined) {
      slot = this.#insert(key, kind, value, expiresAt, bytes)
    } else {
      this.#replace(slot, kind, value, expiresAt, bytes)
    }
    if (this.#maxBytes > 0) this.#evictForBytes(slot)
    if (this.#heap.length > 2 * this.#withTtl + HEAP_SLACK) this.#compactHeap()
    return true
  }

  has(key: string): boolean {
    if (this.#heap.length !== 0) this.#purge(this.#now())
    return this.#slots.has(key)
  }

  delete(key: string): boolean {
    if (this.#heap.length !== 0) this.#purge(this.#now())
    const slot = this.#slots.get(key)
    if (slot === undefined) return false
    this.#remove(slot)
    return true
  }

  clear(): void {
    this.#slots.clear()
    this.#keys = []
    this.#values = []
    this.#capacity = Math.min(this.#maxSize, INITIAL_CAPACITY)
    this.#kinds = new Uint8Array(this.#capacity)
    this.#next = new Uint32Array(this.#capacity)
    this.#prev = new Uint32Array(this.#capacity)
    this.#expiries = new Float64Array(this.#capacity)
    this.#generations = new Uint32Array(this.#capacity)
    this.#sizes = this.#sizes === null ? null : new Float64Array(this.#capacity)
    this.#used = 0
    this.#free.length = 0
    this.#head = 0
    this.#tail = 0
    this.#bytes = 0
    this.#heap.clear()
    this.#withTtl = 0
  }

  size(): number {
    if (this.#heap.length !== 0) this.#purge(this.#now())
    return this.#slots.size
  }

  remainingTtl(key: string): number {
    // A live entry with an expiry has a heap item, so `now` is read whenever it is needed.
    const now = this.#heap.length !== 0 ? this.#now() : 0
    if (this.#heap.length !== 0) this.#purge(now)
    const slot = this.#slots.get(key)
    if (slot === undefined) return 0
    const at = this.#expiries[slot]!
    // Whole ms, as natively (its clock reads whole ms): performance.now() is fractional. Rounded
    // up, so a live entry (at > now after the purge) never reports 0, which means "absent".
    return at === 0 ? Number.POSITIVE_INFINITY : Math.ceil(at - now)
  }

  stats(): CacheStats {
    if (this.#heap.length !== 0) this.#purge(this.#now())
    return {
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#evictions,
      expirations: this.#expirations,
      bytes: this.#maxBytes > 0 ? this.#bytes : this.#sumBytes(),
      size: this.#slots.size,
    }
  }

  /** Mirrors the native hook, which reads whole non-negative ms, so both clocks agree in tests. */
  setTestNow(now: number | null): void {
    this.#testClock = now !== null
    this.#testNow = now !== null && now > 0 ? Math.floor(now) : 0
  }

  // --- Entries ----------------------------------------------------------------------------------

  #now(): number {
    return this.#testClock ? this.#testNow : realNow()
  }

  /** The stored value as the caller gave it: text as is, JSON parsed afresh, bytes copied. */
  #decode(slot: number): unknown {
    const value = this.#values[slot] as Stored
    const kind = this.#kinds[slot]
    if (kind === TEXT) return value
    if (kind === JSON_TEXT) return JSON.parse(value as string)
    return Buffer.from(value as Uint8Array)
  }

  /** Adds a new key as the most recent entry; a full cache first evicts its least recent one. */
  #insert(key: string, kind: number, value: Stored, expiresAt: number, bytes: number): number {
    // Evicting before inserting (rule 3 would evict this same head right after) lets the slot
    // be reused at once and keeps the slot count within maxSize.
    if (this.#slots.size >= this.#maxSize) this.#evict(this.#head)
    const empty = this.#slots.size === 0
    const slot = this.#claimSlot(key)
    this.#keys[slot] = key
    this.#values[slot] = value
    this.#kinds[slot] = kind
    this.#expiries[slot] = expiresAt
    if (this.#sizes !== null) {
      this.#sizes[slot] = bytes
      this.#bytes += bytes
    }
    if (empty) this.#head = slot
    else this.#link(this.#tail, slot)
    this.#tail = slot
    if (expiresAt !== 0) this.#trackExpiry(slot, expiresAt)
    return slot
  }

  /** Gives an existing key a new value and expiry, as the most recent entry. */
  #replace(slot: number, kind: number, value: Stored, expiresAt: number, bytes: number): void {
    if (this.#expiries[slot] !== 0) this.#withTtl--
    this.#generations[slot] = this.#generations[slot]! + 1
    this.#values[slot] = value
    this.#kinds[slot] = kind
    this.#expiries[slot] = expiresAt
    if (this.#sizes !== null) {
      this.#bytes += bytes - this.#sizes[slot]!
      this.#sizes[slot] = bytes
    }
    if (expiresAt !== 0) this.#trackExpiry(slot, expiresAt)
    this.#moveToTail(slot)
  }

  /** Removes a live entry and frees its slot. */
  #remove(slot: number): void {
    this.#unlink(slot)
    this.#slots.delete(this.#keys[slot] as string)
    if (this.#expiries[slot] !== 0) {
      this.#withTtl--
      this.#expiries[slot] = 0
    }
    if (this.#sizes !== null) this.#bytes -= this.#sizes[slot]!
    // Uint32Array stores wrap, like the native u32 generation.
    this.#generations[slot] = this.#generations[slot]! + 1
    this.#keys[slot] = undefined
    this.#values[slot] = undefined
    this.#free.push(slot)
  }

  #evict(slot: number): void {
    this.#remove(slot)
    this.#evictions++
  }

  /** Evicts least recent entries while over maxBytes, never `keep` (which fits on its own). */
  #evictForBytes(keep: number): void {
    while (this.#bytes > this.#maxBytes && this.#head !== keep) this.#evict(this.#head)
  }

  /**
   * Maps `key` to a free slot, else to a new one (growing the arrays when full). The Map is
   * written first because it is the one step that can throw (a V8 Map holds at most 2^24
   * entries): the cache is then left as it was.
   */
  #claimSlot(key: string): number {
    const free = this.#free.length
    if (free !== 0) {
      const slot = this.#free[free - 1]!
      this.#slots.set(key, slot)
      this.#free.pop()
      return slot
    }
    if (this.#used === this.#capacity) this.#grow()
    this.#slots.set(key, this.#used)
    return this.#used++
  }

  /** Doubles the per-slot typed arrays, up to maxSize slots (never more are needed). */
  #grow(): void {
    const length = Math.min(this.#capacity * 2, this.#maxSize)
    this.#kinds = grown(this.#kinds, length, Uint8Array)
    this.#next = grown(this.#next, length, Uint32Array)
    this.#prev = grown(this.#prev, length, Uint32Array)
    this.#expiries = grown(this.#expiries, length, Float64Array)
    this.#generations = grown(this.#generations, length, Uint32Array)
    if (this.#sizes !== null) this.#sizes = grown(this.#sizes, length, Float64Array)
    this.#capacity = length
  }

  /** Sum of the live entries' bytes, for stats() when they are not tracked. */
  #sumBytes(): number {
    let bytes = 0
    let slot = this.#head
    for (let left = this.#slots.size; left > 0; left--) {
      bytes += Buffer.byteLength(this.#keys[slot] as string) + payloadBytes(this.#values[slot] as Stored)
      slot = this.#next[slot]!
    }
    return bytes
  }

  // --- LRU list ---------------------------------------------------------------------------------

  /** Takes a linked slot out of the list (which may leave it empty). */
  #unlink(slot: number): void {
    const prev = this.#prev[slot]!
    const next = this.#next[slot]!
    if (slot === this.#head) this.#head = next
    else this.#next[prev] = next
    if (slot === this.#tail) this.#tail = prev
    else this.#prev[next] = prev
  }

  /** Makes a linked slot the most recent. */
  #moveToTail(slot: number): void {
    if (slot === this.#tail) return
    // Not the tail, so the list keeps at least one other entry after the unlink.
    this.#unlink(slot)
    this.#link(this.#tail, slot)
    this.#tail = slot
  }

  #link(prev: number, next: number): void {
    this.#next[prev] = next
    this.#prev[next] = prev
  }

  // --- Expiry heap ------------------------------------------------------------------------------

  /** Removes every entry due at `now` (expiresAt <= now), counting each as an expiration. */
  #purge(now: number): void {
    const heap = this.#heap
    while (heap.length !== 0 && heap.at[0]! <= now) {
      const slot = heap.slot[0]!
      const generation = heap.generation[0]!
      heap.pop()
      if (this.#generations[slot] === generation) {
        this.#remove(slot)
        this.#expirations++
      }
    }
  }

  #trackExpiry(slot: number, expiresAt: number): void {
    this.#withTtl++
    this.#heap.push(expiresAt, slot, this.#generations[slot]!)
  }

  /** Rebuilds the heap from the live entries with an expiry, dropping every stale item. */
  #compactHeap(): void {
    this.#heap.rebuild((add) => {
      for (let slot = 0; slot < this.#used; slot++) {
        const at = this.#expiries[slot]!
        if (at !== 0) add(at, slot, this.#generations[slot]!)
      }
    })
  }
}

/** Named caches of this thread (JS memory cannot be shared between worker threads). */
const named = new Map<string, { config: CacheConfig; core: CacheCore }>()

/**
 * A fallback cache; with a `name`, this thread's cache of that name, created on first open.
 * Opening a name again with another maxSize, maxBytes or ttl throws `ERR_BAD_CONFIG`.
 */
export function openFallbackCache(config: CacheConfig, name: string | null): CacheCore {
  if (name === null) return new FallbackCache(config)
  const open = named.get(name)
  if (open === undefined) {
    const core = new FallbackCache(config)
    named.set(name, { config: { maxSize: config.maxSize, maxBytes: config.maxBytes, ttl: config.ttl }, core })
    return core
  }
  const { maxSize, maxBytes, ttl } = open.config
  if (maxSize === config.maxSize && maxBytes === config.maxBytes && ttl === config.ttl) return open.core
  throw createError(
    'ERR_BAD_CONFIG',
    `cache ${JSON.stringify(name)} is already open with maxSize ${maxSize}, maxBytes ${maxBytes}, ttl ${ttl}`,
  )
}
