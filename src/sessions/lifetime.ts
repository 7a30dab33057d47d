/**
 * A session's lifetime bounds, shared by the `ttl` option (options.ts) and `session.setTtl`
 * (session_api.ts): in the session model's layer, so the session API needs nothing from the core.
 */

import { createError } from '../errors'
import { type Duration, toMilliseconds } from '../lib/duration'

/**
 * The latest expiry a session can have, in ms: sealed cookies carry their expiry in 32-bit seconds
 * (docs/FORMATS.md), so nothing can outlive 2106.
 * @example
 * if (now + ttl > LATEST_EXPIRY_MS) throw createError('ERR_INVALID_ARGUMENT', 'past 2106')
 */
export const LATEST_EXPIRY_MS = 0xffff_ffff * 1000
/**
 * A per-session idle timeout (`session.setTtl`) in ms, checked as the `ttl` option is: a duration
 * of at least one second whose expiry, from `now`, a sealed cookie can carry (2106). Anything
 * else is ERR_INVALID_ARGUMENT, thrown at the call, so a bad value never reaches a saved session.
 * @example
 * sessionTtl('30d', Date.now()) // 2_592_000_000
 */
export function sessionTtl(value: unknown, now: number): number {
  const ms = toMilliseconds(value as Duration, 'session.setTtl(duration)')
  if (!Number.isSafeInteger(ms)) throw createError('ERR_INVALID_ARGUMENT', 'session.setTtl takes whole milliseconds')
  if (ms < 1000) throw createError('ERR_INVALID_ARGUMENT', 'session.setTtl needs at least one second')
  if (now + ms > LATEST_EXPIRY_MS) {
    throw createError('ERR_INVALID_ARGUMENT', 'session.setTtl reaches past the year 2106, the latest expiry a session can carry')
  }
  return ms
}
