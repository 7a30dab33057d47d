/**
 * `Cache`: an LRU cache with per-entry time to live (docs/CACHE.md). This module encodes values
 * (string, bytes, or JSON text) and runs the operations; the backend's `CacheCore` holds the
 * entries (native: Rust memory outside the JS heap). Its options and bounds are checked in
 * cache_options.ts, `getOrSet`'s loads are shared in cache_loads.ts, and `dump`/`load` encode
 * and check entries in cache_dump.ts.
 */

import { activeBackend } from './backend'
import { isAborted } from './backend/abort'
import { type CacheCore, type CacheStats, KIND_BYTES, KIND_JSON, KIND_TEXT } from './backend/types'
import { type CacheDumpEntry, encodeDump, loadableEntry } from './cache_dump'
import { type CacheGetOrSetOptions, type CacheLoader, CacheLoads, getOrSetPlan, waitFor } from './cache_loads'
import { type CacheOptions, type CacheSetOptions, checkCacheOptions, ttlOf } from './cache_options'
import { publish } from './diagnostics'
import { createError } from './errors'
import { clockedCore } from './lib/clocked_core'
import { refuseDetached } from './lib/detached'
import { stringifyStrict } from './lib/json_strict'

export type { CacheStats } from './backend/types'
export type { CacheDumpEntry } from './cache_dump'
export type { CacheGetOrSetOptions, CacheLoader } from './cache_loads'
export type { CacheOptions, CacheSetOptions } from './cache_options'

/**
 * `keycard:cache:evict`, as a module-local constant: reading it through the imported `publish`
 * may compile to two property reads (or a getter call under esbuild's CommonJS interop) per `set`.
 */
const EVICT = publish.cacheEvict

// checkKey and leastBytes stay function declarations of this module, not imports from
// cache_options.ts: `get`/`set` call them on every operation, and a call through an import reads
// the other module's exports first (compiled CommonJS), measurably slowing a native `set`.

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
  /** Whether a `get` hit restarts the entry's time to live. */
  readonly updateAgeOnGet: boolean
  readonly #core: CacheCore
  /** `getOrSet`'s loads under way; a loaded value is stored through `set`, as a caller's would be. */
  readonly #loads = new CacheLoads<V>(this)

  constructor(options: CacheOptions) {
    const { maxSize, maxBytes, ttl, name, now, updateAgeOnGet } = checkCacheOptions(options)
    this.maxSize = maxSize
    this.maxBytes = maxBytes
    this.ttl = ttl
    this.name = name
    this.updateAgeOnGet = updateAgeOnGet
    const config = { maxSize, maxBytes: maxBytes ?? 0, ttl: this.ttl, updateAgeOnGet }
    const core = activeBackend().openCache(config, name ?? null)
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
    // `keycard:cache:evict` costs one property read without subscribers (the hot path below).
    if (EVICT.hasSubscribers) {
      this.#publishingEvictions(() => this.#core.set(key, kind, payload, ttl) || throwTooLarge(key))
      return this
    }
    // Lone surrogates in the key or a string are refused by the core (ERR_INVALID_ARGUMENT):
    // natively while the binding converts the strings, so a set scans neither string here.
    if (!this.#core.set(key, kind, payload, ttl)) throw tooLarge(key)
    return this
  }

  /**
   * Runs a write and publishes `keycard:cache:evict` when it evicted entries: the evictions
   * counter read before and after (only with subscribers, so the hot path reads no counters). On
   * a named native cache a write by another thread in between may be counted here too.
   */
  #publishingEvictions<R>(write: () => R): R {
    const before = this.#core.stats().evictions
    const result = write()
    const count = this.#core.stats().evictions - before
    if (count > 0) EVICT.publish({ cache: this.name ?? '', count })
    return result
  }

  /**
   * Adds `by` (default 1; a safe integer, negative to decrement) to the counter under `key` and
   * returns its new value, atomically: natively one call under the cache's lock, so increments
   * from every worker thread on a named cache add up exactly. An absent (or expired) key is
   * created holding `by`, with `ttl` (else the cache's default); an existing counter keeps its
   * expiry, so `ttl` is a fixed window, not extended by later increments. The entry holds the
   * JSON number (`get` returns it), becomes the most recent, and counts no hit or miss.
   * Throws `ERR_INVALID_ARGUMENT` when the key holds something other than an integer (a string
   * '5' included) or the result would pass ±Number.MAX_SAFE_INTEGER (nothing changes), and
   * `ERR_TOO_LARGE` when key + digits exceed `maxBytes`.
   * @example
   * const hits = cache.increment(`hits:${ip}`, 1, { ttl: '1m' }) // 1, 2, 3... for one minute
   * cache.increment('stock:42', -3) // decrement
   */
  increment(key: string, by = 1, options?: CacheSetOptions): number {
    checkKey(key)
    if (!Number.isSafeInteger(by)) {
      throw createError('ERR_INVALID_ARGUMENT', 'increment: by must be a safe integer (Number.isSafeInteger)')
    }
    const ttl = options?.ttl === undefined ? -1 : ttlOf(options.ttl, 'ttl')
    // `+ 0` turns -0 into 0, so no backend ever stores or returns -0.
    const value = EVICT.hasSubscribers
      ? this.#publishingEvictions(() => this.#core.increment(key, by + 0, ttl))
      : this.#core.increment(key, by + 0, ttl)
    if (value === undefined) throw tooLarge(key)
    return value
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
   * With `staleWhileRevalidate` or `staleIfError` the entry is kept that much longer than `ttl`
   * and served stale (docs/CACHE.md, "getOrSet: stale values and abort"); `signal` stops this
   * call's wait (ERR_ABORTED), and the loader's own `signal` aborts once no caller waits for it.
   * @example
   * const user = await cache.getOrSet(`user:${id}`, () => db.users.find(id), { ttl: '1m' })
   * const feed = await cache.getOrSet('feed', ({ signal }) => fetchFeed({ signal }), {
   *   ttl: '1m', staleWhileRevalidate: '5m', staleIfError: '1h', signal: AbortSignal.timeout(2000),
   * })
   */
  async getOrSet(key: string, loader: CacheLoader<V>, options?: CacheGetOrSetOptions): Promise<V> {
    checkKey(key)
    if (typeof loader !== 'function') throw createError('ERR_INVALID_ARGUMENT', 'loader must be a function')
    const { swr, sie, keep, storeTtl, signal } = getOrSetPlan(options, this.ttl)
    const cached = this.#core.get(key) as V | undefined
    if (cached === undefined) return waitFor(this.#loads.of(key, loader, storeTtl), signal)
    if (keep === 0) return cached
    // The entry expires `keep` ms after it goes stale, so the ms left say how stale it is. If it
    // expired between the two reads, remainingTtl is 0 and `over` is `keep`: a plain miss below.
    const over = keep - this.#core.remainingTtl(key)
    if (over < 0) return cached
    if (over < swr) {
      // Served stale at once; one reload in the background, shared with any other caller, whose
      // failure leaves the stale value in place (and reaches no one: nobody waits for it).
      const reload = this.#loads.of(key, loader, storeTtl)
      reload.abortable = false
      reload.promise.catch(() => {})
      return cached
    }
    try {
      return await waitFor(this.#loads.of(key, loader, storeTtl), signal)
    } catch (err) {
      // Stale within staleIfError stands in for a failed loader, not for the caller's own abort.
      if (over < sie && !(signal !== undefined && isAborted(signal))) return cached
      throw err
    }
  }

  /**
   * The live keys, most recent first (an array: iterate it, or spread it). Recency and counters
   * are unchanged. Natively one call under the cache's lock (other threads wait for its length).
   * @example
   * for (const key of cache.keys()) console.log(key)
   */
  keys(): string[] {
    return this.#core.entries(false) as string[]
  }

  /**
   * The live entries as `[key, value]`, most recent first, values as `peek` returns them (fresh
   * copies). Recency and counters are unchanged.
   * @example
   * const snapshot = new Map(cache.entries())
   */
  entries(): [string, V][] {
    const flat = this.#core.entries(true)
    const out: [string, V][] = []
    for (let i = 0; i < flat.length; i += 3) out.push([flat[i] as string, flat[i + 1] as V])
    return out
  }

  /**
   * The live entries, most recent first, as a JSON-able array for a warm restart: each is
   * `[key, { value, ttl }]` (bytes as `{ bytes: base64, ttl }`), `ttl` the ms it had left (0:
   * never expires). `load()` takes it back. Recency and counters are unchanged.
   * @example
   * writeFileSync('cache.json', JSON.stringify(cache.dump()))
   */
  dump(): CacheDumpEntry[] {
    return encodeDump(this.#core.entries(true))
  }

  /**
   * Stores the entries of a `dump()` (of this or another process), keeping their order of recency
   * (the first is the most recent) and giving each the `ttl` it had left, counted from now (time
   * while the app was down is not subtracted). The input is checked whole before anything is
   * stored, so a refused `load` stores nothing: anything but the documented shape (an unknown
   * field, a bad ttl, `bytes` that is not canonical base64, a key or string with a lone
   * surrogate) is `ERR_INVALID_ARGUMENT`, a value JSON cannot hold `ERR_NOT_SERIALIZABLE`, an
   * entry over `maxBytes` `ERR_TOO_LARGE`; each message names the entry's index. More entries
   * than `maxSize` leave the most recent ones.
   * @example
   * cache.load(JSON.parse(readFileSync('cache.json', 'utf8')))
   */
  load(entries: readonly CacheDumpEntry[]): void {
    if (!Array.isArray(entries)) throw createError('ERR_INVALID_ARGUMENT', 'load() takes an array from dump()')
    const checked = entries.map((entry, index) => loadableEntry(entry, index, this.maxBytes))
    // Least recent first, so the first entry ends up the most recent, as it was dumped.
    for (let i = checked.length - 1; i >= 0; i--) {
      const { key, kind, payload, ttl } = checked[i]!
      if (!this.#core.set(key, kind, payload, ttl)) throw tooLarge(key)
    }
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

function throwTooLarge(key: string): never {
  throw tooLarge(key)
}

function tooLarge(key: string) {
  return createError('ERR_TOO_LARGE', `cache entry ${JSON.stringify(key.slice(0, 64))} exceeds maxBytes`)
}

/** Strict JSON, as `seal` writes it: a value JSON would silently change (Map, NaN…) is refused. */
function toJson(value: unknown): string {
  return stringifyStrict(value, 'the cache value')
}
