/**
 * `Cache`: an LRU cache with per-entry time to live (docs/CACHE.md). This module validates
 * options, encodes values (string, bytes, or JSON text) and coalesces `getOrSet` loaders; the
 * backend's `CacheCore` holds the entries (native: Rust memory outside the JS heap).
 */

import { activeBackend } from './backend'
import { type CacheCore, type CacheStats, KIND_BYTES, KIND_JSON, KIND_TEXT } from './backend/types'
import { createError } from './errors'
import { clockedCore } from './lib/clocked_core'
import { refuseDetached } from './lib/detached'
import { type Duration, toMilliseconds } from './lib/duration'
import { stringifyStrict } from './lib/json_strict'
import { type OptionScope, refuseUnknownOptions } from './lib/option_names'

export type { CacheStats } from './backend/types'

/**
 * Options of `new Cache()`. `maxSize` is required; the rest are optional.
 * @example
 * const options: CacheOptions = { maxSize: 10_000, maxBytes: 64 * 1024 * 1024, ttl: '5m' }
 */
export interface CacheOptions {
  /** Most entries held: an integer 1 ..= 2^32 - 2. */
  maxSize: number
  /** Most bytes held (UTF-8 keys plus values); absent: no byte bound. */
  maxBytes?: number
  /** Default time to live (ms or '15m'); absent or 0: entries never expire. */
  ttl?: Duration
  /**
   * Opens the cache of this name: shared by every worker thread on the native backend. 1 to 256
   * characters, without lone surrogates.
   */
  name?: string
  /**
   * The clock of every expiry decision, in ms (any epoch: only differences count), read before
   * each operation. Default: the process's monotonic clock. For tests that move time instead of
   * sleeping, and apps with a clock of their own. Must return a finite number >= 0 (whole ms are
   * used, rounded down); not with `name` (a shared cache cannot follow one caller's clock).
   * @example
   * let t = 0
   * const cache = new Cache({ maxSize: 100, ttl: 1000, now: () => t })
   * cache.set('k', 'v')
   * t += 1000
   * cache.get('k') // undefined: expired on the cache's clock
   */
  now?: () => number
}

/**
 * Options of `cache.set()` and `cache.getOrSet()`.
 * @example
 * cache.set('otp:42', code, { ttl: '10m' })
 */
export interface CacheSetOptions {
  /** Time to live of this entry, overriding the cache's default; 0: never expires. */
  ttl?: Duration
}

const MAX_ENTRIES = 2 ** 32 - 2
/** TTLs beyond this (~285 years) are refused rather than overflowing a clock somewhere. */
const MAX_TTL = 2 ** 53 / 1000

function ttlOf(value: Duration, name: string): number {
  const ms = Math.ceil(toMilliseconds(value, name))
  if (ms > MAX_TTL) throw createError('ERR_INVALID_ARGUMENT', `${name} is too long`)
  return ms
}

// ES2024's String.prototype.isWellFormed (Node >= 20); the lib target is ES2023.
declare global {
  interface String {
    isWellFormed(): boolean
  }
}

function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw createError('ERR_INVALID_ARGUMENT', 'cache keys must be strings')
}

/**
 * A lower bound of the entry's bytes (docs/CACHE.md, "Values"), in O(1): a UTF-16 code unit is
 * at least one UTF-8 byte, so over `maxBytes` here means over `maxBytes` for certain.
 */
function leastBytes(key: string, payload: string | Uint8Array): number {
  return key.length + (typeof payload === 'string' ? payload.length : payload.byteLength)
}

/** Reads a cache's core; for the test hook below only (set by the class's static block). */
let coreOf: (cache: Cache<unknown>) => CacheCore

/** Option names: a typo or an lru-cache habit (`max`) is an error, not a silently default bound. */
const CACHE_OPTION_NAMES: OptionScope = {
  prefix: '',
  known: ['maxSize', 'maxBytes', 'ttl', 'name', 'now'],
  aliases: {
    max: '`maxSize` (entries)',
    maxEntrySize: '`maxBytes`',
    sizeCalculation: '`maxBytes` (keycard counts bytes itself)',
  },
  label: 'Cache option',
  code: 'ERR_INVALID_ARGUMENT',
}

/**
 * An LRU/TTL cache. On the native backend entries are stored as bytes in Rust memory, so they
 * cost the JS garbage collector nothing, and `name` shares one cache between worker threads.
 *
 * @example
 * const cache = new Cache({ maxSize: 10_000, ttl: '5m' })
 * cache.set('user:1', { name: 'Ada' })
 * cache.get('user:1') // a fresh copy: { name: 'Ada' }
 */
export class Cache<V = unknown> {
  /** Most entries held, as given. */
  readonly maxSize: number
  /** Most bytes held, as given; undefined when there is no byte bound. */
  readonly maxBytes: number | undefined
  /** Default time to live in ms; 0 when entries never expire. */
  readonly ttl: number
  /** The shared cache's name, as given; undefined for a private cache. */
  readonly name: string | undefined
  readonly #core: CacheCore
  readonly #loading = new Map<string, Promise<V>>()

  constructor(options: CacheOptions) {
    if (options === null || typeof options !== 'object') {
      throw createError('ERR_INVALID_ARGUMENT', 'new Cache() needs options: { maxSize }')
    }
    refuseUnknownOptions(options, CACHE_OPTION_NAMES)
    const { maxSize, maxBytes, ttl, name, now } = options
    if (!Number.isInteger(maxSize) || maxSize < 1 || maxSize > MAX_ENTRIES) {
      throw createError('ERR_INVALID_ARGUMENT', `maxSize must be an integer 1 ..= ${MAX_ENTRIES}`)
    }
    if (maxBytes !== undefined && (!Number.isSafeInteger(maxBytes) || maxBytes < 1)) {
      throw createError('ERR_INVALID_ARGUMENT', 'maxBytes must be a positive integer')
    }
    if (name !== undefined && (typeof name !== 'string' || name.length === 0 || name.length > 256)) {
      throw createError('ERR_INVALID_ARGUMENT', 'name must be a string of 1 to 256 characters')
    }
    // The native registry is keyed by UTF-8, where 'n\uD800' would become 'n\uFFFD' (one cache
    // there, two in the fallback): refused on both, as cache keys are.
    if (name !== undefined && !name.isWellFormed()) {
      throw createError('ERR_INVALID_ARGUMENT', 'name must not hold lone surrogates')
    }
    if (now !== undefined && typeof now !== 'function') {
      throw createError('ERR_INVALID_ARGUMENT', 'now must be a function returning ms')
    }
    // A named cache is one cache for every worker thread: one caller's clock cannot be its clock.
    if (now !== undefined && name !== undefined) {
      throw createError('ERR_INVALID_ARGUMENT', 'now cannot be combined with name (a named cache is shared)')
    }
    this.maxSize = maxSize
    this.maxBytes = maxBytes
    this.ttl = ttl === undefined ? 0 : ttlOf(ttl, 'ttl')
    this.name = name
    const core = activeBackend().openCache({ maxSize, maxBytes: maxBytes ?? 0, ttl: this.ttl }, name ?? null)
    this.#core = now === undefined ? core : clockedCore(core, now)
  }

  /**
   * The value of `key`, or undefined; makes the entry the most recent. Strings come back as they
   * are, bytes as a fresh Buffer, other values as a fresh parsed copy.
   * @example
   * const user = cache.get('user:1') // undefined when absent or expired
   */
  get(key: string): V | undefined {
    checkKey(key)
    return this.#core.get(key) as V | undefined
  }

  /**
   * The value of `key`, or undefined, leaving its recency and the hit/miss counters unchanged.
   * @example
   * cache.peek('user:1') // does not save the entry from eviction
   */
  peek(key: string): V | undefined {
    checkKey(key)
    return this.#core.peek(key) as V | undefined
  }

  /**
   * Stores `value` under `key` as its most recent entry, evicting the least recent ones when
   * over `maxSize` or `maxBytes`. Throws `ERR_TOO_LARGE` (storing nothing) when the entry alone
   * exceeds `maxBytes`, `ERR_NOT_SERIALIZABLE` for values JSON cannot hold, and
   * `ERR_INVALID_ARGUMENT` for a lone surrogate in the key or a string value, or a detached
   * Uint8Array.
   * @example
   * cache.set('user:1', { name: 'Ada' }).set('token:1', 'abc', { ttl: '30s' })
   */
  set(key: string, value: V, options?: CacheSetOptions): this {
    checkKey(key)
    const ttl = options?.ttl === undefined ? -1 : ttlOf(options.ttl, 'ttl')
    let kind: number
    let payload: string | Uint8Array
    if (typeof value === 'string') {
      kind = KIND_TEXT
      payload = value
    } else if (value instanceof Uint8Array) {
      // Natively a detached array would be stored as 0 bytes: silent data loss of a caller bug.
      refuseDetached(value, 'the cache value')
      kind = KIND_BYTES
      payload = value
    } else {
      kind = KIND_JSON
      payload = toJson(value)
    }
    // Certainly over maxBytes: refused before any O(n) work (the cores' well-formedness scans, the
    // UTF-8 copy into native memory), so a 100 MB key costs nothing. `size()` still runs rule 1's
    // purge of expired entries, as the core's own refusal of an oversized entry does.
    if (this.maxBytes !== undefined && leastBytes(key, payload) > this.maxBytes) {
      this.#core.size()
      throw tooLarge(key)
    }
    // Lone surrogates in the key or a string are refused by the core (ERR_INVALID_ARGUMENT):
    // natively while the binding converts the strings, so a set scans neither string here.
    if (!this.#core.set(key, kind, payload, ttl)) throw tooLarge(key)
    return this
  }

  /**
   * Whether `key` holds a live entry (recency unchanged).
   * @example
   * if (!cache.has('user:1')) cache.set('user:1', await loadUser(1))
   */
  has(key: string): boolean {
    checkKey(key)
    return this.#core.has(key)
  }

  /**
   * Removes `key`; true when there was a live entry.
   * @example
   * cache.delete('user:1') // after the user changed
   */
  delete(key: string): boolean {
    checkKey(key)
    return this.#core.delete(key)
  }

  /**
   * Removes every entry (the counters of `stats()` are kept).
   * @example
   * cache.clear()
   * cache.size // 0
   */
  clear(): void {
    this.#core.clear()
  }

  /**
   * Live entries (expired ones are purged first, so never counted).
   * @example
   * cache.size // 0 on a new cache
   */
  get size(): number {
    return this.#core.size()
  }

  /**
   * Whole ms until `key` expires, rounded up (so 0 only ever means "absent"): Infinity when it
   * never does, 0 when there is no such entry.
   * @example
   * cache.set('k', 'v', { ttl: '1m' })
   * cache.getRemainingTTL('k') // 60000 (or a little less)
   */
  getRemainingTTL(key: string): number {
    checkKey(key)
    return this.#core.remainingTtl(key)
  }

  /**
   * The cached value of `key`, or the value of `loader()` stored under it. Concurrent callers of
   * one key share one loader call; a loader's error stores nothing and reaches every caller.
   * @example
   * const user = await cache.getOrSet(`user:${id}`, () => db.users.find(id), { ttl: '1m' })
   */
  async getOrSet(key: string, loader: () => V | Promise<V>, options?: CacheSetOptions): Promise<V> {
    checkKey(key)
    if (typeof loader !== 'function') throw createError('ERR_INVALID_ARGUMENT', 'loader must be a function')
    // Options are checked before the loader runs, not after its work is done.
    if (options?.ttl !== undefined) ttlOf(options.ttl, 'ttl')
    const cached = this.#core.get(key) as V | undefined
    if (cached !== undefined) return cached
    const pending = this.#loading.get(key)
    if (pending) return pending
    const load = (async () => {
      // Yield first, so the entry below is in #loading before the loader runs: a loader that
      // throws synchronously must still clear it in `finally`, or its failure would be cached.
      await undefined
      try {
        const value = await loader()
        this.set(key, value, options)
        return value
      } finally {
        this.#loading.delete(key)
      }
    })()
    this.#loading.set(key, load)
    return load
  }

  /**
   * Hits, misses, evictions, expirations, and the bytes and entries held now.
   * @example
   * const { hits, misses } = cache.stats()
   * const hitRate = hits / (hits + misses || 1)
   */
  stats(): CacheStats {
    return this.#core.stats()
  }

  static {
    coreOf = (cache) => cache.#core
  }
}

/**
 * Test hook (exported by keycard/testing only): the clock of `cache` reads `now` ms from here on,
 * so tests move time instead of sleeping; `null` goes back to the real clock. A cache created with
 * the `now` option reads that clock again at its next operation.
 * @example
 * setCacheClockForTests(cache, 1_000)
 * cache.set('k', 'v', { ttl: 500 })
 * setCacheClockForTests(cache, 1_500)
 * cache.has('k') // false
 */
export function setCacheClockForTests(cache: Cache<unknown>, now: number | null): void {
  coreOf(cache).setTestNow(now)
}

function tooLarge(key: string) {
  return createError('ERR_TOO_LARGE', `cache entry ${JSON.stringify(key.slice(0, 64))} exceeds maxBytes`)
}

/** Strict JSON, as `seal` writes it: a value JSON would silently change (Map, NaN…) is refused. */
function toJson(value: unknown): string {
  return stringifyStrict(value, 'the cache value')
}
