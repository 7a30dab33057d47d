/**
 * `Cache`: an LRU cache with per-entry time to live (docs/CACHE.md). This module validates
 * options, encodes values (string, bytes, or JSON text) and coalesces `getOrSet` loaders; the
 * backend's `CacheCore` holds the entries (native: Rust memory outside the JS heap).
 */

import { activeBackend } from './backend'
import { isAborted, onAbort, raceAbort, signalOf } from './backend/abort'
import { type CacheCore, type CacheStats, KIND_BYTES, KIND_JSON, KIND_TEXT } from './backend/types'
import { publish } from './diagnostics'
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
  /**
   * A `get` hit (also `getOrSet`'s) restarts the entry's time to live, the one it was set with, as
   * lru-cache's option of that name: entries in use stay, idle ones expire. Default false.
   * @example
   * const sessions = new Cache({ maxSize: 10_000, ttl: '30m', updateAgeOnGet: true }) // idle timeout
   */
  updateAgeOnGet?: boolean
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

/**
 * One entry of `cache.dump()`, JSON-able: the key, then its value (`value`: a string or a JSON
 * value; `bytes`: a Uint8Array's bytes in base64) and `ttl`, the ms it had left (0: never expires).
 * @example
 * const entry: CacheDumpEntry = ['user:1', { value: { name: 'Ada' }, ttl: 59_000 }]
 */
export type CacheDumpEntry = [key: string, entry: { value: unknown; ttl: number } | { bytes: string; ttl: number }]

/**
 * Options of `cache.getOrSet()`.
 * @example
 * await cache.getOrSet('feed', loadFeed, { ttl: '1m', staleWhileRevalidate: '5m', signal })
 */
export interface CacheGetOrSetOptions extends CacheSetOptions {
  /**
   * For this long after `ttl`, a call gets the stale value at once while one reload runs in the
   * background (its failure keeps the stale value). Needs a ttl.
   */
  staleWhileRevalidate?: Duration
  /** For this long after `ttl`, a failing loader is answered with the stale value. Needs a ttl. */
  staleIfError?: Duration
  /** Stops this call's wait with ERR_ABORTED (the shared load goes on while others wait). */
  signal?: AbortSignal
}

/**
 * What a `getOrSet` loader receives: `signal` aborts once no caller waits for the load.
 * @example
 * const loader: CacheLoader<Feed> = ({ signal }) => fetch(url, { signal }).then((r) => r.json())
 */
export type CacheLoader<V> = (context: { signal: AbortSignal }) => V | Promise<V>

/** A load under way: its promise, and what decides when its loader is told to abort. */
interface Load<V> {
  promise: Promise<V>
  controller: AbortController
  /** Callers with a signal still waiting. */
  waiting: number
  /** False once a caller without a signal (or a background reload) depends on it. */
  abortable: boolean
}

const GET_OR_SET_OPTION_NAMES: OptionScope = {
  prefix: '',
  known: ['ttl', 'staleWhileRevalidate', 'staleIfError', 'signal'],
  aliases: { allowStale: '`staleWhileRevalidate` (ms)', noDeleteOnFetchRejection: '`staleIfError` (ms)' },
  label: 'getOrSet option',
  code: 'ERR_INVALID_ARGUMENT',
}

/**
 * `keycard:cache:evict`, as a module-local constant: reading it through the imported `publish`
 * may compile to two property reads (or a getter call under esbuild's CommonJS interop) per `set`.
 */
const EVICT = publish.cacheEvict

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
  known: ['maxSize', 'maxBytes', 'ttl', 'name', 'now', 'updateAgeOnGet'],
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
  /** Whether a `get` hit restarts the entry's time to live. */
  readonly updateAgeOnGet: boolean
  readonly #core: CacheCore
  readonly #loading = new Map<string, Load<V>>()

  constructor(options: CacheOptions) {
    if (options === null || typeof options !== 'object') {
      throw createError('ERR_INVALID_ARGUMENT', 'new Cache() needs options: { maxSize }')
    }
    refuseUnknownOptions(options, CACHE_OPTION_NAMES)
    const { maxSize, maxBytes, ttl, name, now, updateAgeOnGet = false } = options
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
    if (typeof updateAgeOnGet !== 'boolean') throw createError('ERR_INVALID_ARGUMENT', 'updateAgeOnGet must be a boolean')
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
    // Options are checked before the loader runs, not after its work is done.
    if (options !== undefined) refuseUnknownOptions(options, GET_OR_SET_OPTION_NAMES)
    const ttl = options?.ttl === undefined ? undefined : ttlOf(options.ttl, 'ttl')
    const swr = options?.staleWhileRevalidate === undefined ? 0 : ttlOf(options.staleWhileRevalidate, 'staleWhileRevalidate')
    const sie = options?.staleIfError === undefined ? 0 : ttlOf(options.staleIfError, 'staleIfError')
    const signal = signalOf(options?.signal)
    // Ms an entry is kept past its ttl, so that it can be served stale.
    const keep = Math.max(swr, sie)
    const fresh = ttl ?? this.ttl
    if (keep > 0 && fresh === 0) {
      throw createError('ERR_INVALID_ARGUMENT', 'staleWhileRevalidate and staleIfError need a ttl (staleness starts at it)')
    }
    if (signal !== undefined && isAborted(signal)) throw createError('ERR_ABORTED', 'the operation was aborted')
    // -1: the cache's default, as `set` without a ttl.
    const storeTtl = keep > 0 ? fresh + keep : (ttl ?? -1)
    const cached = this.#core.get(key) as V | undefined
    if (cached === undefined) return this.#wait(this.#loadOf(key, loader, storeTtl), signal)
    if (keep === 0) return cached
    // The entry expires `keep` ms after it goes stale, so the ms left say how stale it is. If it
    // expired between the two reads, remainingTtl is 0 and `over` is `keep`: a plain miss below.
    const over = keep - this.#core.remainingTtl(key)
    if (over < 0) return cached
    if (over < swr) {
      // Served stale at once; one reload in the background, shared with any other caller, whose
      // failure leaves the stale value in place (and reaches no one: nobody waits for it).
      const reload = this.#loadOf(key, loader, storeTtl)
      reload.abortable = false
      reload.promise.catch(() => {})
      return cached
    }
    try {
      return await this.#wait(this.#loadOf(key, loader, storeTtl), signal)
    } catch (err) {
      // Stale within staleIfError stands in for a failed loader, not for the caller's own abort.
      if (over < sie && !(signal !== undefined && isAborted(signal))) return cached
      throw err
    }
  }

  /** The load of `key` under way, or a new one: `loader` runs once for every caller of the key. */
  #loadOf(key: string, loader: CacheLoader<V>, storeTtl: number): Load<V> {
    const pending = this.#loading.get(key)
    if (pending !== undefined) return pending
    const controller = new AbortController()
    const load: Load<V> = { controller, waiting: 0, abortable: true, promise: undefined as unknown as Promise<V> }
    load.promise = (async () => {
      // Yield first, so the entry below is in #loading before the loader runs: a loader that
      // throws synchronously must still clear it in `finally`, or its failure would be cached.
      await undefined
      try {
        const value = await loader({ signal: controller.signal })
        this.set(key, value, storeTtl < 0 ? undefined : { ttl: storeTtl })
        return value
      } finally {
        this.#loading.delete(key)
      }
    })()
    this.#loading.set(key, load)
    return load
  }

  /**
   * One caller's wait for `load`: with a signal, it rejects with ERR_ABORTED when the signal
   * aborts, and the loader's signal aborts once every caller has stopped waiting (a caller
   * without a signal, or a background reload, keeps it running).
   */
  #wait(load: Load<V>, signal: AbortSignal | undefined): Promise<V> {
    if (signal === undefined) {
      load.abortable = false
      return load.promise
    }
    load.waiting++
    const stop = onAbort(signal, () => {
      load.waiting--
      if (load.waiting === 0 && load.abortable) load.controller.abort(createError('ERR_ABORTED', 'every caller aborted'))
    })
    const waited = raceAbort(load.promise, signal)
    waited.then(stop, stop)
    return waited
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
    const flat = this.#core.entries(true)
    const out: CacheDumpEntry[] = []
    for (let i = 0; i < flat.length; i += 3) {
      const value = flat[i + 1]
      const left = flat[i + 2] as number
      const ttl = left === Number.POSITIVE_INFINITY ? 0 : left
      out.push([flat[i] as string, Buffer.isBuffer(value) ? { bytes: value.toString('base64'), ttl } : { value, ttl }])
    }
    return out
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
    const checked = entries.map((entry, index) => this.#loadable(entry, index))
    // Least recent first, so the first entry ends up the most recent, as it was dumped.
    for (let i = checked.length - 1; i >= 0; i--) {
      const { key, kind, payload, ttl } = checked[i]!
      if (!this.#core.set(key, kind, payload, ttl)) throw tooLarge(key)
    }
  }

  /** One `load()` entry, checked and encoded; nothing is stored here. */
  #loadable(entry: unknown, index: number): { key: string; kind: number; payload: string | Uint8Array; ttl: number } {
    const bad = (why: string) => createError('ERR_INVALID_ARGUMENT', `load: entry ${index}: ${why}`)
    if (!Array.isArray(entry) || entry.length !== 2) throw bad('must be [key, { value | bytes, ttl }]')
    const [key, fields] = entry as [unknown, unknown]
    if (typeof key !== 'string' || !key.isWellFormed()) throw bad('the key must be a string without lone surrogates')
    if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) throw bad('must be [key, { value | bytes, ttl }]')
    // Own fields only, and only these: a '__proto__' key from JSON.parse is refused, not followed.
    for (const name of Object.keys(fields)) {
      if (name !== 'value' && name !== 'bytes' && name !== 'ttl') throw bad(`unknown field ${JSON.stringify(name.slice(0, 32))}`)
    }
    const { value, bytes, ttl } = fields as { value?: unknown; bytes?: unknown; ttl?: unknown }
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0 || ttl > MAX_TTL) throw bad('ttl must be ms >= 0 (0: never)')
    const hasValue = Object.hasOwn(fields, 'value')
    if (hasValue === Object.hasOwn(fields, 'bytes')) throw bad('needs exactly one of value and bytes')
    let kind: number
    let payload: string | Uint8Array
    if (!hasValue) {
      // Canonical base64 only: Buffer.from would skip junk characters and load other bytes.
      if (typeof bytes !== 'string' || !BASE64.test(bytes)) throw bad('bytes must be base64')
      payload = Buffer.from(bytes, 'base64')
      if (Buffer.from(payload).toString('base64') !== bytes) throw bad('bytes must be canonical base64')
      kind = KIND_BYTES
    } else if (typeof value === 'string') {
      if (!value.isWellFormed()) throw bad('strings must not hold lone surrogates')
      kind = KIND_TEXT
      payload = value
    } else {
      kind = KIND_JSON
      try {
        payload = toJson(value)
      } catch (err) {
        throw createError('ERR_NOT_SERIALIZABLE', `load: entry ${index}: ${(err as Error).message}`)
      }
    }
    const size = Buffer.byteLength(key) + (typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength)
    if (this.maxBytes !== undefined && size > this.maxBytes) {
      throw createError('ERR_TOO_LARGE', `load: entry ${index} exceeds maxBytes`)
    }
    return { key, kind, payload, ttl: Math.ceil(ttl) }
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

/** Standard base64 with padding, as `dump()` writes it. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

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
