/**
 * `cache.getOrSet()`'s machinery (src/cache.ts keeps the method): its options, checked before
 * any loader runs; the sharing of one loader call between the concurrent callers of a key; and
 * each caller's wait, which its own signal can stop without stopping the others'.
 */

import { isAborted, onAbort, raceAbort, signalOf } from './backend/abort'
import { type CacheSetOptions, ttlOf } from './cache_options'
import { createError } from './errors'
import type { Duration } from './lib/duration'
import { type OptionScope, refuseUnknownOptions } from './lib/option_names'

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

/**
 * A load under way: its promise, and what decides when its loader is told to abort.
 * @example
 * const load: Load<string> = loads.of('feed', loader, 60_000)
 * load.abortable = false // a background reload: nobody's abort stops it
 */
export interface Load<V> {
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
 * One `getOrSet` call's options, checked, in ms: `swr` and `sie` the stale windows (0: none),
 * `keep` the ms an entry is kept past its ttl, `storeTtl` the ttl the loaded value is set with
 * (-1: the cache's default).
 * @example
 * const { keep, storeTtl }: GetOrSetPlan = getOrSetPlan({ ttl: '1m', staleIfError: '1h' }, 0)
 */
export interface GetOrSetPlan {
  swr: number
  sie: number
  keep: number
  storeTtl: number
  signal: AbortSignal | undefined
}

/**
 * Checks `getOrSet`'s options (ERR_INVALID_ARGUMENT) against the cache's default ttl `cacheTtl`
 * (ms, 0: none), and refuses an already aborted signal (ERR_ABORTED): all before the loader runs.
 * @example
 * getOrSetPlan({ ttl: '1m', staleWhileRevalidate: '5m' }, 0) // { swr: 300000, keep: 300000, storeTtl: 360000, ... }
 */
export function getOrSetPlan(options: CacheGetOrSetOptions | undefined, cacheTtl: number): GetOrSetPlan {
  // Options are checked before the loader runs, not after its work is done.
  if (options !== undefined) refuseUnknownOptions(options, GET_OR_SET_OPTION_NAMES)
  const ttl = options?.ttl === undefined ? undefined : ttlOf(options.ttl, 'ttl')
  const swr = options?.staleWhileRevalidate === undefined ? 0 : ttlOf(options.staleWhileRevalidate, 'staleWhileRevalidate')
  const sie = options?.staleIfError === undefined ? 0 : ttlOf(options.staleIfError, 'staleIfError')
  const signal = signalOf(options?.signal)
  // Ms an entry is kept past its ttl, so that it can be served stale.
  const keep = Math.max(swr, sie)
  const fresh = ttl ?? cacheTtl
  if (keep > 0 && fresh === 0) {
    throw createError('ERR_INVALID_ARGUMENT', 'staleWhileRevalidate and staleIfError need a ttl (staleness starts at it)')
  }
  if (signal !== undefined && isAborted(signal)) throw createError('ERR_ABORTED', 'the operation was aborted')
  // -1: the cache's default, as `set` without a ttl.
  const storeTtl = keep > 0 ? fresh + keep : (ttl ?? -1)
  return { swr, sie, keep, storeTtl, signal }
}

/**
 * Where a load's value is stored: the cache itself (a method type, so that `Cache<string>` still
 * passes for `Cache<unknown>`, as it did before its loads moved here).
 * @example
 * const target: LoadTarget<string> = new Cache<string>({ maxSize: 100 })
 */
export interface LoadTarget<V> {
  set(key: string, value: V, options?: CacheSetOptions): unknown
}

/**
 * The loads under way of one cache, one per key: `loader` runs once for every caller of the key,
 * and the cache's `set` stores its value.
 * @example
 * const loads = new CacheLoads<string>(cache)
 * const value = await waitFor(loads.of('feed', loader, -1), signal)
 */
export class CacheLoads<V> {
  readonly #loading = new Map<string, Load<V>>()
  readonly #cache: LoadTarget<V>

  constructor(cache: LoadTarget<V>) {
    this.#cache = cache
  }

  /**
   * The load of `key` under way, or a new one: `loader` runs once for every caller of the key.
   * @example
   * const load = loads.of('user:1', () => db.users.find(1), 60_000)
   */
  of(key: string, loader: CacheLoader<V>, storeTtl: number): Load<V> {
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
        this.#cache.set(key, value, storeTtl < 0 ? undefined : { ttl: storeTtl })
        return value
      } finally {
        this.#loading.delete(key)
      }
    })()
    this.#loading.set(key, load)
    return load
  }
}

/**
 * One caller's wait for `load`: with a signal, it rejects with ERR_ABORTED when the signal
 * aborts, and the loader's signal aborts once every caller has stopped waiting (a caller
 * without a signal, or a background reload, keeps it running).
 * @example
 * const user = await waitFor(loads.of('user:1', loadUser, -1), AbortSignal.timeout(2000))
 */
export function waitFor<V>(load: Load<V>, signal: AbortSignal | undefined): Promise<V> {
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
