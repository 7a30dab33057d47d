/**
 * Where the fallback cache's entries live and in what order they go: the slot arrays, the LRU
 * list through them and the expiry heap beside them. `FallbackCache` (cache.ts) extends this with
 * the `CacheCore` operations, counters and clock; what happens here is the bookkeeping every
 * operation shares (insert, replace, remove, evict, expire).
 *
 * Why it is built this way:
 *
 * - **lru-cache's layout, no entry objects.** A `Map` from key to slot number, and per-slot
 *   parallel arrays: keys and values in plain arrays, kinds, LRU links, expiries, generations
 *   (and byte sizes when `maxBytes` is set) in typed arrays. An entry costs the garbage collector
 *   its key and value only, and the hot paths (a `get` hit, a `set`) allocate nothing but the
 *   Map's own bookkeeping (and the private copy of a bytes value). The typed arrays grow by
 *   doubling, up to `maxSize` slots, since `maxSize` may be as large as 2^32 - 2 and most caches
 *   never fill.
 * - **A doubly linked list through the slots**, head = least recent, tail = most recent. As in
 *   lru-cache, the ends are recognised by comparing with `#head`/`#tail`, not by a sentinel
 *   link, so links and ends only ever hold slot numbers: small integers V8 keeps unboxed
 *   (a sentinel such as 2^32 - 1 is not one). The links of the end slots are left stale and
 *   never read. Freed slots go on a stack for reuse.
 * - **Exact expiry, amortised.** Entries with a TTL also sit in a binary min-heap of
 *   `(expiresAt, slot, generation)` (expiry_heap.ts). Every operation first pops every due item
 *   and removes its entry (docs/CACHE.md, rule 1), which costs one comparison when nothing is
 *   due; the clock is read only when the heap is non-empty or the entry being set expires.
 * - **Lazy deletion by generation.** Replacing or removing an entry bumps its slot's generation
 *   rather than searching the heap; a popped item whose generation no longer matches is stale
 *   and skipped. Once the heap holds more than twice the live entries with a TTL (plus slack),
 *   it is rebuilt from the live entries, so churn on long-lived keys cannot grow it unbounded.
 * - **Byte lengths only when needed.** UTF-8 lengths are computed on `set` only when `maxBytes`
 *   bounds the cache; otherwise `stats().bytes` sums them over the live entries when asked.
 */

import { KIND_JSON, KIND_TEXT } from '../outcomes'
import { ExpiryHeap } from './expiry_heap'

// Module-local copies of the kinds: an imported binding may compile to a property read (or, under
// esbuild's CommonJS interop, a getter call) on every use, which measured ~15 ns per `get` hit.
const TEXT = KIND_TEXT
const JSON_TEXT = KIND_JSON

/** A counter's JSON text: what JSON writes for a safe integer (2^53 - 1 has 16 digits). */
const COUNTER_TEXT = /^-?[0-9]{1,16}$/

/** Slots allocated up front; they double as needed. */
const INITIAL_CAPACITY = 64
/** Stale heap items tolerated beyond the live ones before the heap is rebuilt. */
const HEAP_SLACK = 64

/**
 * A stored value: text or JSON text as a string, bytes as a private copy.
 * @example
 * const value: Stored = kind === KIND_BYTES ? Uint8Array.from(payload as Uint8Array) : (payload as string)
 */
export type Stored = string | Uint8Array

/**
 * Byte length of a stored value: UTF-8 for text and JSON, byteLength for bytes.
 * @example
 * payloadBytes('é') // 2
 */
export function payloadBytes(value: Stored): number {
  return typeof value === 'string' ? Buffer.byteLength(value) : value.byteLength
}

/** A copy of `from` in a typed array of `length` elements. */
function grown<T extends Uint8Array | Uint32Array | Float64Array>(from: T, length: number, make: new (n: number) => T): T {
  const to = new make(length)
  to.set(from)
  return to
}

/**
 * The entries of one fallback cache and their LRU and expiry order; `FallbackCache` (cache.ts)
 * adds the `CacheCore` operations on top through the protected members.
 * @example
 * class FallbackCache extends CacheSlots implements CacheCore {
 *   constructor(config: CacheConfig) { super(config.maxSize, config.maxBytes, config.updateAgeOnGet === true) }
 * }
 */
export class CacheSlots {
  readonly #maxSize: number
  /** Most bytes held; 0 = no byte bound (and no per-entry sizes kept). */
  protected readonly maxBytes: number

  // --- Entries: a key -> slot map and per-slot parallel arrays -------------------------------
  /** The live entries' slots. Read directly by the operations (`get`, `has`, `size`...). */
  protected readonly slots = new Map<string, number>()
  #keys: (string | undefined)[] = []
  #values: (Stored | undefined)[] = []
  #kinds!: Uint8Array
  #next!: Uint32Array
  #prev!: Uint32Array
  /** Clock ms at which the entry expires; 0 = never (and for free slots). */
  #expiries!: Float64Array
  /** Bumped whenever a slot's entry is replaced or removed, invalidating its heap items. */
  #generations!: Uint32Array
  /** Bytes of each entry; only kept when maxBytes > 0. */
  #sizes!: Float64Array | null
  /** Each entry's own time to live in ms (0 = never); only kept when a get restarts it. */
  #ttls!: Float64Array | null
  readonly #keepTtls: boolean
  #capacity = 0
  /** Slots handed out so far; `#keys.length` and `#values.length` equal it. */
  #used = 0
  readonly #free: number[] = []
  /** Least and most recent slots; meaningless while the cache is empty. */
  #head = 0
  #tail = 0
  /** Bytes of the live entries; only kept when maxBytes > 0. */
  #bytes = 0

  // --- Expiry heap: (at, slot, generation) items, min at index 0 ------------------------------
  /** Non-empty exactly when some entry may be due: the operations read its length first. */
  protected readonly heap = new ExpiryHeap()
  /** Live entries with an expiry: the heap's useful items. */
  #withTtl = 0

  // --- Counters kept by the bookkeeping itself --------------------------------------------------
  protected evictions = 0
  protected expirations = 0

  constructor(maxSize: number, maxBytes: number, keepTtls: boolean) {
    this.#maxSize = maxSize
    this.maxBytes = maxBytes
    this.#keepTtls = keepTtls
    this.#allocate()
  }

  /** Empties the cache, back to its initial allocation (counters are kept). */
  protected reset(): void {
    this.slots.clear()
    this.#keys = []
    this.#values = []
    this.#allocate()
    this.#used = 0
    this.#free.length = 0
    this.#head = 0
    this.#tail = 0
    this.#bytes = 0
    this.heap.clear()
    this.#withTtl = 0
  }

  #allocate(): void {
    this.#capacity = Math.min(this.#maxSize, INITIAL_CAPACITY)
    this.#kinds = new Uint8Array(this.#capacity)
    this.#next = new Uint32Array(this.#capacity)
    this.#prev = new Uint32Array(this.#capacity)
    this.#expiries = new Float64Array(this.#capacity)
    this.#generations = new Uint32Array(this.#capacity)
    this.#sizes = this.maxBytes > 0 ? new Float64Array(this.#capacity) : null
    this.#ttls = this.#keepTtls ? new Float64Array(this.#capacity) : null
  }

  // --- Entries ----------------------------------------------------------------------------------

  /** The stored value as the caller gave it: text as is, JSON parsed afresh, bytes copied. */
  protected decode(slot: number): unknown {
    const value = this.#values[slot] as Stored
    const kind = this.#kinds[slot]
    if (kind === TEXT) return value
    if (kind === JSON_TEXT) return JSON.parse(value as string)
    return Buffer.from(value as Uint8Array)
  }

  /**
   * The integer a live entry holds when it is a counter: JSON text of `-?[0-9]{1,16}` that is a
   * safe integer, the native core's exact rule (JSON writes every safe integer that way).
   */
  protected counterAt(slot: number): number | undefined {
    if (this.#kinds[slot] !== JSON_TEXT) return undefined
    const text = this.#values[slot] as string
    if (!COUNTER_TEXT.test(text)) return undefined
    const n = Number(text)
    return Number.isSafeInteger(n) ? n : undefined
  }

  /**
   * Gives a live entry a new JSON text of the same kind (a counter's increment), keeping its
   * expiry and heap item, as the most recent entry; then evicts for maxBytes as `store` does.
   */
  protected rewrite(slot: number, text: string, bytes: number): void {
    this.#values[slot] = text
    if (this.#sizes !== null) {
      this.#bytes += bytes - this.#sizes[slot]!
      this.#sizes[slot] = bytes
    }
    this.moveToTail(slot)
    if (this.maxBytes > 0) this.#evictForBytes(slot)
  }

  /** Calls `visit` with each live entry's key and slot, most recent first (the list from its tail). */
  protected forEachRecent(visit: (key: string, slot: number) => void): void {
    let slot = this.#tail
    for (let left = this.slots.size; left > 0; left--) {
      visit(this.#keys[slot] as string, slot)
      slot = this.#prev[slot]!
    }
  }

  /** Clock ms at which a live entry expires; 0 = never. */
  protected expiryOf(slot: number): number {
    return this.#expiries[slot]!
  }

  /**
   * Stores `key` as the most recent entry (a new one, or the same key's entry replaced), then
   * evicts least recent entries while over maxBytes and rebuilds the heap when it is mostly stale.
   * `bytes` is the entry's size (0 when maxBytes is 0); it has been checked against maxBytes.
   */
  protected store(key: string, kind: number, value: Stored, expiresAt: number, bytes: number): void {
    let slot = this.slots.get(key)
    if (slot === undefined) {
      slot = this.#insert(key, kind, value, expiresAt, bytes)
    } else {
      this.#replace(slot, kind, value, expiresAt, bytes)
    }
    if (this.maxBytes > 0) this.#evictForBytes(slot)
    if (this.heap.length > 2 * this.#withTtl + HEAP_SLACK) this.#compactHeap()
  }

  /** Adds a new key as the most recent entry; a full cache first evicts its least recent one. */
  #insert(key: string, kind: number, value: Stored, expiresAt: number, bytes: number): number {
    // Evicting before inserting (rule 3 would evict this same head right after) lets the slot
    // be reused at once and keeps the slot count within maxSize.
    if (this.slots.size >= this.#maxSize) this.#evict(this.#head)
    const empty = this.slots.size === 0
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
    this.moveToTail(slot)
  }

  /** Removes a live entry and frees its slot. */
  protected remove(slot: number): void {
    this.#unlink(slot)
    this.slots.delete(this.#keys[slot] as string)
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
    this.remove(slot)
    this.evictions++
  }

  /** Evicts least recent entries while over maxBytes, never `keep` (which fits on its own). */
  #evictForBytes(keep: number): void {
    while (this.#bytes > this.maxBytes && this.#head !== keep) this.#evict(this.#head)
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
      this.slots.set(key, slot)
      this.#free.pop()
      return slot
    }
    if (this.#used === this.#capacity) this.#grow()
    this.slots.set(key, this.#used)
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
    if (this.#ttls !== null) this.#ttls = grown(this.#ttls, length, Float64Array)
    this.#capacity = length
  }

  /** Bytes of the live entries: tracked when maxBytes bounds the cache, else summed now. */
  protected liveBytes(): number {
    if (this.maxBytes > 0) return this.#bytes
    let bytes = 0
    let slot = this.#head
    for (let left = this.slots.size; left > 0; left--) {
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
  protected moveToTail(slot: number): void {
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
  protected purge(now: number): void {
    const heap = this.heap
    while (heap.length !== 0 && heap.at[0]! <= now) {
      const slot = heap.slot[0]!
      const generation = heap.generation[0]!
      heap.pop()
      if (this.#generations[slot] === generation) {
        this.remove(slot)
        this.expirations++
      }
    }
  }

  /** Remembers the time to live a live entry was given (caches whose `get` restarts it). */
  protected rememberTtl(slot: number, ttlMs: number): void {
    if (this.#ttls !== null) this.#ttls[slot] = ttlMs
  }

  /**
   * Restarts a live entry's time to live from `now` (updateAgeOnGet): a new expiry under a new
   * generation, so its earlier heap item is skipped as stale, as natively.
   */
  protected reage(slot: number, now: number): void {
    const ttl = this.#ttls === null ? 0 : this.#ttls[slot]!
    if (ttl === 0 || this.#expiries[slot] === 0) return
    const at = now + ttl
    this.#expiries[slot] = at
    this.#generations[slot] = this.#generations[slot]! + 1
    this.heap.push(at, slot, this.#generations[slot]!)
    if (this.heap.length > 2 * this.#withTtl + HEAP_SLACK) this.#compactHeap()
  }

  #trackExpiry(slot: number, expiresAt: number): void {
    this.#withTtl++
    this.heap.push(expiresAt, slot, this.#generations[slot]!)
  }

  /** Rebuilds the heap from the live entries with an expiry, dropping every stale item. */
  #compactHeap(): void {
    this.heap.rebuild((add) => {
      for (let slot = 0; slot < this.#used; slot++) {
        const at = this.#expiries[slot]!
        if (at !== 0) add(at, slot, this.#generations[slot]!)
      }
    })
  }
}
