/** The Cache's `now` option: a cache core driven by the caller's clock (src/cache.ts). */

import type { CacheCore } from '../backend/types'
import { createError } from '../errors'

/**
 * A core that reads `now()` before every operation: the fixed clock of the test hook, set to the
 * caller's clock each time, so one mechanism drives expiry on both backends. Only caches given a
 * `now` are wrapped; the others call their core directly and pay nothing for the option.
 * @example
 * const core = options.now ? clockedCore(backend.createCache(config), options.now) : backend.createCache(config)
 */
export function clockedCore(core: CacheCore, now: () => number): CacheCore {
  const tick = () => {
    const ms = now()
    // Checked here: both cores would read NaN, a negative or a string as 0, and expire nothing.
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > Number.MAX_SAFE_INTEGER) {
      throw createError('ERR_INVALID_ARGUMENT', 'the cache clock (now) must return a finite number of ms >= 0')
    }
    core.setTestNow(Math.floor(ms))
  }
  return {
    get(key) {
      tick()
      return core.get(key)
    },
    peek(key) {
      tick()
      return core.peek(key)
    },
    set(key, kind, payload, ttl) {
      tick()
      return core.set(key, kind, payload, ttl)
    },
    increment(key, by, ttl) {
      tick()
      return core.increment(key, by, ttl)
    },
    entries(withValues) {
      tick()
      return core.entries(withValues)
    },
    has(key) {
      tick()
      return core.has(key)
    },
    delete(key) {
      tick()
      return core.delete(key)
    },
    clear() {
      tick()
      core.clear()
    },
    size() {
      tick()
      return core.size()
    },
    remainingTtl(key) {
      tick()
      return core.remainingTtl(key)
    },
    stats() {
      tick()
      return core.stats()
    },
    setTestNow: (ms) => core.setTestNow(ms),
  }
}
