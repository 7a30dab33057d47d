/**
 * The fallback `cache` part: an LRU/TTL cache in plain JS memory, with the exact semantics of
 * docs/CACHE.md ("Semantics" 1-7) that the native core (crates/keycard-cache, behind
 * crates/keycard-node/src/cache.rs) shares; a model-based test compares the two operation by
 * operation.
 *
 * This file holds the operations of `CacheCore`, the hit/miss counters, the clock and the named
 * caches; where entries live and in what order (slot arrays, LRU list, expiry heap) is
 * cache_slots.ts, which says why it is laid out as it is. **Named caches** are per thread here (JS
 * memory cannot be shared between workers), as docs/CACHE.md says.
 */

import { createError } from '../../errors'
import { KIND_BYTES, KIND_JSON, KIND_TEXT } from '../outcomes'
import type { CacheConfig, CacheCore, CachePart, CacheStats } from '../types'
import { CacheSlots, payloadBytes } from './cache_slots'

// A module-local copy of the kind: an imported binding may compile to a property read (or, under
// esbuild's CommonJS interop, a getter call) on every use.
const BYTES = KIND_BYTES
const TEXT = KIND_TEXT
const JSON_TEXT = KIND_JSON

/**
 * The real clock. Bound once: Node checks `this` on every `performance.now()` call, and with
 * TTL entries the clock is read on every operation (bound: ~20 ns less per `get`, measured).
 */
const realNow = performance.now.bind(performance)

class FallbackCache extends CacheSlots implements CacheCore {
  readonly #ttl: number
  readonly #updateAgeOnGet: boolean
  #hits = 0
  #misses = 0
  #testClock = false
  #testNow = 0

  constructor(config: CacheConfig) {
    super(config.maxSize, config.maxBytes, config.updateAgeOnGet === true)
    this.#ttl = config.ttl
    this.#updateAgeOnGet = config.updateAgeOnGet === true
  }

  get(key: string): unknown {
    if (this.heap.length !== 0) this.purge(this.#now())
    const slot = this.slots.get(key)
    if (slot === undefined) {
      this.#misses++
      return undefined
    }
    this.#hits++
    this.moveToTail(slot)
    if (this.#updateAgeOnGet) this.reage(slot, this.#now())
    return this.decode(slot)
  }

  peek(key: string): unknown {
    if (this.heap.length !== 0) this.purge(this.#now())
    const slot = this.slots.get(key)
    return slot === undefined ? undefined : this.decode(slot)
  }

  set(key: string, kind: number, payload: string | Uint8Array, ttl: number): boolean {
    // Stored keys and strings must be well-formed UTF-16: the native cache stores UTF-8, which
    // cannot carry a lone surrogate, and replacing it with U+FFFD would make 'k\uD800' and
    // 'k\uFFFD' one key there and two here. Refused before anything else (no purge), as natively,
    // where the binding finds them while converting the strings; same code and text. JSON text
    // is always well-formed (JSON.stringify escapes lone surrogates), so it is not scanned.
    if (!key.isWellFormed()) throw createError('ERR_INVALID_ARGUMENT', 'cache keys must not hold lone surrogates')
    if (kind === TEXT && !(payload as string).isWellFormed()) {
      throw createError('ERR_INVALID_ARGUMENT', 'cache strings must not hold lone surrogates')
    }
    const ttlMs = ttl < 0 ? this.#ttl : ttl
    const now = ttlMs !== 0 || this.heap.length !== 0 ? this.#now() : 0
    if (this.heap.length !== 0) this.purge(now)
    let bytes = 0
    if (this.maxBytes > 0) {
      bytes = Buffer.byteLength(key) + payloadBytes(payload)
      if (bytes > this.maxBytes) return false
    }
    // A private copy of bytes, so the caller mutating its array later changes nothing stored.
    const value = kind === BYTES ? new Uint8Array(payload as Uint8Array) : payload
    this.store(key, kind, value, ttlMs === 0 ? 0 : now + ttlMs, bytes)
    if (this.#updateAgeOnGet) this.rememberTtl(this.slots.get(key)!, ttlMs)
    return true
  }

  increment(key: string, by: number, ttl: number): number | undefined {
    // Same checks, order and texts as the native core (crates/keycard-cache, `increment`).
    if (!key.isWellFormed()) throw createError('ERR_INVALID_ARGUMENT', 'cache keys must not hold lone surrogates')
    const ttlMs = ttl < 0 ? this.#ttl : ttl
    const now = ttlMs !== 0 || this.heap.length !== 0 ? this.#now() : 0
    if (this.heap.length !== 0) this.purge(now)
    const slot = this.slots.get(key)
    let value: number
    if (slot === undefined) {
      value = 0 + by // 0 + -0 is 0: a counter never holds -0
    } else {
      const old = this.counterAt(slot)
      if (old === undefined) throw createError('ERR_INVALID_ARGUMENT', 'cache increment: the value is not an integer counter')
      value = old + by
    }
    // Both operands are safe integers, so an unsafe sum is past 2^53 - 1 (rounding cannot bring
    // it back): refused, as a JS number no longer holds every integer there.
    if (!Number.isSafeInteger(value)) {
      throw createError('ERR_INVALID_ARGUMENT', 'cache increment: the result would pass Number.MAX_SAFE_INTEGER')
    }
    const text = String(value)
    let bytes = 0
    if (this.maxBytes > 0) {
      bytes = Buffer.byteLength(key) + text.length
      if (bytes > this.maxBytes) return undefined
    }
    if (slot === undefined) {
      this.store(key, JSON_TEXT, text, ttlMs === 0 ? 0 : now + ttlMs, bytes)
      if (this.#updateAgeOnGet) this.rememberTtl(this.slots.get(key)!, ttlMs)
    } else {
      this.rewrite(slot, text, bytes)
    }
    return value
  }

  entries(withValues: boolean): unknown[] {
    const now = this.heap.length !== 0 ? this.#now() : 0
    if (this.heap.length !== 0) this.purge(now)
    const flat: unknown[] = []
    this.forEachRecent((key, slot) => {
      flat.push(key)
      if (!withValues) return
      const at = this.expiryOf(slot)
      // Whole ms rounded up, as remainingTtl (the native clock reads whole ms).
      flat.push(this.decode(slot), at === 0 ? Number.POSITIVE_INFINITY : Math.ceil(at - now))
    })
    return flat
  }

  has(key: string): boolean {
    if (this.heap.length !== 0) this.purge(this.#now())
    return this.slots.has(key)
  }

  delete(key: string): boolean {
    if (this.heap.length !== 0) this.purge(this.#now())
    const slot = this.slots.get(key)
    if (slot === undefined) return false
    this.remove(slot)
    return true
  }

  clear(): void {
    this.reset()
  }

  size(): number {
    if (this.heap.length !== 0) this.purge(this.#now())
    return this.slots.size
  }

  remainingTtl(key: string): number {
    // A live entry with an expiry has a heap item, so `now` is read whenever it is needed.
    const now = this.heap.length !== 0 ? this.#now() : 0
    if (this.heap.length !== 0) this.purge(now)
    const slot = this.slots.get(key)
    if (slot === undefined) return 0
    const at = this.expiryOf(slot)
    // Whole ms, as natively (its clock reads whole ms): performance.now() is fractional. Rounded
    // up, so a live entry (at > now after the purge) never reports 0, which means "absent".
    return at === 0 ? Number.POSITIVE_INFINITY : Math.ceil(at - now)
  }

  stats(): CacheStats {
    if (this.heap.length !== 0) this.purge(this.#now())
    return {
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.evictions,
      expirations: this.expirations,
      bytes: this.liveBytes(),
      size: this.slots.size,
    }
  }

  /** Mirrors the native hook, which reads whole non-negative ms, so both clocks agree in tests. */
  setTestNow(now: number | null): void {
    this.#testClock = now !== null
    this.#testNow = now !== null && now > 0 ? Math.floor(now) : 0
  }

  #now(): number {
    return this.#testClock ? this.#testNow : realNow()
  }
}

/** Named caches of this thread (JS memory cannot be shared between worker threads). */
const named = new Map<string, { config: CacheConfig; core: CacheCore }>()

/**
 * A fallback cache; with a `name`, this thread's cache of that name, created on first open.
 * Opening a name again with another maxSize, maxBytes or ttl throws `ERR_BAD_CONFIG`.
 */
function openFallbackCache(config: CacheConfig, name: string | null): CacheCore {
  if (name === null) return new FallbackCache(config)
  const open = named.get(name)
  if (open === undefined) {
    const core = new FallbackCache(config)
    named.set(name, { config: { ...config, updateAgeOnGet: config.updateAgeOnGet === true }, core })
    return core
  }
  const { maxSize, maxBytes, ttl, updateAgeOnGet } = open.config
  if (
    maxSize === config.maxSize &&
    maxBytes === config.maxBytes &&
    ttl === config.ttl &&
    updateAgeOnGet === (config.updateAgeOnGet === true)
  ) {
    return open.core
  }
  throw createError(
    'ERR_BAD_CONFIG',
    `cache ${JSON.stringify(name)} is already open with maxSize ${maxSize}, maxBytes ${maxBytes}, ttl ${ttl}, updateAgeOnGet ${updateAgeOnGet}`,
  )
}

/**
 * The `cache` part of the fallback backend.
 * @example
 * fallbackCache.openCache({ maxSize: 100, maxBytes: 0, ttl: 0, updateAgeOnGet: false }, null).set('k', KIND_TEXT, 'v', -1)
 */
export const fallbackCache: CachePart = { openCache: openFallbackCache }
