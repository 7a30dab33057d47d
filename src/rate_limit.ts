/**
 * `rateLimit()`: fixed-window rate limits over any counter store with
 * `increment(key, by, { ttl })` — a `Cache` (one process, or every worker thread of one process
 * on a named native cache) or `redisCounter()` from keycard/redis (every process). Middleware for
 * each adapter is in src/sessions/adapters/rate_limit_middleware.ts. docs/CACHE.md, "Rate limits".
 *
 * Windows are aligned to the clock (window n covers [n * window, (n + 1) * window) ms since
 * 1970) and each window counts under a key of its own, `${prefix}${key}:${n}`, expiring when the
 * window ends. So `resetAt` is exact and the same in every process without storing a start time,
 * and a counter never outlives its window.
 */

import { createError } from './errors'
import { type Duration, toMilliseconds } from './lib/duration'
import { type OptionScope, refuseUnknownOptions } from './lib/option_names'

/**
 * What `rateLimit` counts with: anything with `increment(key, by, { ttl })` resolving to the new
 * value, whose `ttl` is set when the counter is created (a `Cache`, a `redisCounter()`).
 * @example
 * const store: CounterStore = new Cache({ maxSize: 100_000 })
 */
export interface CounterStore {
  increment(key: string, by: number, options: { ttl: number }): number | Promise<number>
}

/**
 * Options of `rateLimit()`.
 * @example
 * const options: RateLimitOptions = { store: new Cache({ maxSize: 100_000 }), limit: 100, window: '1m' }
 */
export interface RateLimitOptions {
  /** Where the counters live: a `Cache`, a `redisCounter()`, or your own `CounterStore`. */
  store: CounterStore
  /** Requests allowed per key and window: an integer 1 ..= 2^53 - 1. */
  limit: number
  /** The window (ms or '1m'): at least 1 s, a whole number of seconds (headers count seconds). */
  window: Duration
  /** Prefix of the store keys. Default 'rl:'. Give each limiter sharing a store its own. */
  prefix?: string
  /** Wall clock in ms since 1970, for the window boundaries. Default `Date.now`. For tests. */
  now?: () => number
}

/**
 * One request's verdict.
 * @example
 * const { allowed, remaining, resetAt } = await limiter.check(ip)
 */
export interface RateLimitResult {
  /** Whether this request is within the limit (it was counted either way). */
  allowed: boolean
  /** Requests left in this window after this one (0 when refused). */
  remaining: number
  /** When this window ends and the count starts again: ms since 1970, exact. */
  resetAt: number
  /** Whole seconds from this check to `resetAt`, rounded up (what the headers send). */
  resetIn: number
  /** The limit, as given. */
  limit: number
}

const MAX_WINDOW_MS = 366 * 86_400_000

const RATE_LIMIT_OPTION_NAMES: OptionScope = {
  prefix: '',
  known: ['store', 'limit', 'window', 'prefix', 'now'],
  aliases: {
    max: '`limit` (requests per window)',
    points: '`limit` (requests per window)',
    windowMs: '`window` (ms or a duration such as "1m")',
    duration: '`window` (ms or a duration such as "1m")',
    keyGenerator: 'the middleware option `key(req)`',
    key: 'the middleware option `key(req)` (`rateLimit` takes the key in `check(key)`)',
  },
  label: 'rateLimit option',
  code: 'ERR_INVALID_ARGUMENT',
}

/**
 * A fixed-window rate limiter: `check(key)` counts one request for `key` and says whether it is
 * within `limit` for the current window.
 * @example
 * const limiter = rateLimit({ store: cache, limit: 5, window: '1m' })
 * if (!(await limiter.check(`login:${ip}`)).allowed) return tooManyRequests()
 */
export interface RateLimiter {
  /** Counts one request for `key` (a string) in the current window; its verdict. */
  check(key: string): Promise<RateLimitResult>
  /** Requests per window, as given. */
  readonly limit: number
  /** The window in ms. */
  readonly window: number
}

/**
 * A fixed-window rate limiter over a counter store. Options are checked here (unknown names are
 * `ERR_INVALID_ARGUMENT` with a hint). A fixed window lets a client send up to `2 * limit`
 * requests around a boundary (the end of one window and the start of the next): choose the
 * window with that in mind. Processes with skewed clocks may count a request near a boundary in
 * the neighbouring window. Errors of the store (Redis down: `ERR_STORE_UNAVAILABLE`) reach the
 * caller of `check`.
 * @example
 * import { Cache, rateLimit } from 'keycard'
 * const limiter = rateLimit({ store: new Cache({ maxSize: 100_000 }), limit: 100, window: '1m' })
 * const { allowed, remaining, resetAt } = await limiter.check(clientIp)
 */
export function rateLimit(options: RateLimitOptions): RateLimiter {
  if (options === null || typeof options !== 'object') {
    throw createError('ERR_INVALID_ARGUMENT', 'rateLimit() needs options: { store, limit, window }')
  }
  refuseUnknownOptions(options, RATE_LIMIT_OPTION_NAMES)
  const { store, limit, prefix = 'rl:', now = Date.now } = options
  if (store === null || typeof store !== 'object' || typeof (store as CounterStore).increment !== 'function') {
    throw createError('ERR_INVALID_ARGUMENT', 'store must have increment(key, by, { ttl }): a Cache or a redisCounter()')
  }
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw createError('ERR_INVALID_ARGUMENT', 'limit must be an integer >= 1')
  }
  if (options.window === undefined) throw createError('ERR_INVALID_ARGUMENT', 'window is required (ms or "1m")')
  const window = toMilliseconds(options.window, 'window')
  // Whole seconds: the headers state the window and the reset in seconds, and must not round.
  if (window < 1000 || window > MAX_WINDOW_MS || window % 1000 !== 0) {
    throw createError('ERR_INVALID_ARGUMENT', 'window must be a whole number of seconds, 1 s to 366 days')
  }
  if (typeof prefix !== 'string') throw createError('ERR_INVALID_ARGUMENT', 'prefix must be a string')
  if (typeof now !== 'function') throw createError('ERR_INVALID_ARGUMENT', 'now must be a function returning ms')

  return {
    limit,
    window,
    async check(key: string): Promise<RateLimitResult> {
      if (typeof key !== 'string') throw createError('ERR_INVALID_ARGUMENT', 'the rate limit key must be a string')
      const at = now()
      if (typeof at !== 'number' || !Number.isFinite(at) || at < 0) {
        throw createError('ERR_INVALID_ARGUMENT', 'the rate limit clock (now) must return ms since 1970')
      }
      const index = Math.floor(at / window)
      const resetAt = (index + 1) * window
      // The counter lives until its window ends (at least 1 ms), so no window is ever reused.
      const count = await store.increment(`${prefix}${key}:${index}`, 1, { ttl: Math.max(1, Math.ceil(resetAt - at)) })
      const resetIn = Math.ceil((resetAt - at) / 1000)
      return { allowed: count <= limit, remaining: Math.max(0, limit - count), resetAt, resetIn, limit }
    },
  }
}

/**
 * The response headers of a verdict, per draft-ietf-httpapi-ratelimit-headers-10 (structured
 * fields: `RateLimit-Policy: "default";q=100;w=60` and `RateLimit: "default";r=99;t=42`, `t`
 * the seconds until the window ends), plus `Retry-After` (the same seconds) when refused.
 * @example
 * for (const [name, value] of Object.entries(rateLimitHeaders(limiter, result))) res.setHeader(name, value)
 */
export function rateLimitHeaders(limiter: RateLimiter, result: RateLimitResult): Record<string, string> {
  const reset = result.resetIn
  const headers: Record<string, string> = {
    'RateLimit-Policy': `"default";q=${limiter.limit};w=${limiter.window / 1000}`,
    RateLimit: `"default";r=${result.remaining};t=${reset}`,
  }
  if (!result.allowed) headers['Retry-After'] = String(reset)
  return headers
}
