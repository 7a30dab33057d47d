/**
 * The options and bounds of `Cache` (src/cache.ts): the option types, and the checks of
 * `new Cache()`'s options and of TTLs. (The key check and the O(1) byte bound that `get`/`set`
 * run on every call stay in cache.ts, as local functions of the hot path.)
 */

import { createError } from './errors'
import { type Duration, toMilliseconds } from './lib/duration'
import { type OptionScope, refuseUnknownOptions } from './lib/option_names'

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

const MAX_ENTRIES = 2 ** 32 - 2

/**
 * TTLs beyond this (~285 years) are refused rather than overflowing a clock somewhere.
 * @example
 * if (ttl > MAX_TTL) throw createError('ERR_INVALID_ARGUMENT', 'ttl is too long')
 */
export const MAX_TTL = 2 ** 53 / 1000

/**
 * A TTL option in whole ms (rounded up), checked: ERR_INVALID_ARGUMENT names the option `name`.
 * @example
 * ttlOf('5m', 'ttl') // 300000
 */
export function ttlOf(value: Duration, name: string): number {
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
 * `new Cache()`'s options once checked: `ttl` in whole ms (0: entries never expire).
 * @example
 * const { maxSize, ttl }: CheckedCacheOptions = checkCacheOptions({ maxSize: 100 })
 */
export interface CheckedCacheOptions {
  maxSize: number
  maxBytes: number | undefined
  ttl: number
  name: string | undefined
  now: (() => number) | undefined
  updateAgeOnGet: boolean
}

/**
 * `new Cache()`'s options, checked (ERR_INVALID_ARGUMENT for anything else), with `ttl` in whole
 * ms (0: entries never expire) and `updateAgeOnGet` defaulted.
 * @example
 * checkCacheOptions({ maxSize: 100, ttl: '1m' }).ttl // 60000
 */
export function checkCacheOptions(options: CacheOptions): CheckedCacheOptions {
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
  return { maxSize, maxBytes, ttl: ttl === undefined ? 0 : ttlOf(ttl, 'ttl'), name, now, updateAgeOnGet }
}
