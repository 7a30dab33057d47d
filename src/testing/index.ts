/**
 * keycard/testing: what tests need and apps never should.
 *
 * - `testStore(createStore)`: the whole session store contract (docs/STORES.md), run against any
 *   `ServerStore`, every violation reported at once in one `AggregateError`. keycard's own stores
 *   are tested with it; a third-party store needs one line of test.
 * - `manualClock()`: a clock tests move by hand, for `new Cache({ now })`, for stores that take a
 *   clock, and for `testStore` (which then advances it instead of sleeping).
 * - Test hooks that used to sit beside the public API: `withBackend`, `sealWithNonce`,
 *   `setCacheClockForTests`. The `keycard` entry point does not export them.
 */

import { loadBackend, withBackend as withBackendInternal } from '../backend'
import type { Backend, BackendName } from '../backend/types'
import { createError } from '../errors'

export { setCacheClockForTests } from '../cache'
export { sealWithNonce } from '../seal'
export { StoreContractError, type StoreTestReport, type TestStoreOptions } from './store_kit'

import { checkTime } from './store_kit'

export { testStore } from './store_run'

// --- Test hooks ---------------------------------------------------------------------------------

/**
 * Runs `fn` with one backend active ('native' or 'fallback', whatever KEYCARD_BACKEND selected),
 * for comparing both backends in one process. For synchronous calls: the backend is put back
 * when `fn` returns, so work after an `await` inside `fn` runs on the selected backend again.
 * A `Cache` created inside keeps the backend it was created on.
 * @example
 * const a = withBackend('native', () => sealWithNonce('x', secret, { now: 0 }, nonce))
 * const b = withBackend('fallback', () => sealWithNonce('x', secret, { now: 0 }, nonce))
 * assert.equal(a, b)
 */
export function withBackend<T>(backend: BackendName | Backend, fn: () => T): T {
  if (typeof fn !== 'function') throw createError('ERR_INVALID_ARGUMENT', 'withBackend needs a function')
  let chosen: Backend
  if (backend === 'native' || backend === 'fallback') {
    chosen = loadBackend(backend)
  } else {
    // Only keycard's own backends: a look-alike object would run keycard's calls on foreign code.
    const name = typeof backend === 'object' && backend !== null ? backend.name : undefined
    if ((name !== 'native' && name !== 'fallback') || loadBackend(name) !== backend) {
      throw createError('ERR_INVALID_ARGUMENT', "backend must be 'native' or 'fallback'")
    }
    chosen = backend
  }
  return withBackendInternal(chosen, fn)
}

/**
 * A clock moved by hand: see `manualClock`.
 * @example
 * const clock: ManualClock = manualClock(0)
 * clock.advance(1000) // clock.now() === 1000
 */
export interface ManualClock {
  /** The time, in ms. Bound: pass it around as a function (`new Cache({ now: clock.now })`). */
  readonly now: () => number
  /** Moves the clock forward by `ms`. */
  readonly advance: (ms: number) => void
  /** Sets the clock to `ms`. */
  readonly set: (ms: number) => void
}

/**
 * A clock that moves only when told to: tests of expiry that never sleep. Its `now` drives a
 * `Cache` (the `now` option), a store that takes a clock, and `testStore` (given `now` and
 * `advance`, it moves the clock instead of waiting for TTLs to pass).
 * @example
 * const clock = manualClock()
 * const cache = new Cache({ maxSize: 100, now: clock.now })
 * cache.set('otp', '123456', { ttl: '30s' })
 * clock.advance(30_000)
 * cache.get('otp') // undefined
 *
 * await testStore(() => fileStore(dir, { now: clock.now }), clock)
 */
export function manualClock(start: number = Date.now()): ManualClock {
  checkTime(start, 'start')
  let t = start
  return {
    now: () => t,
    advance: (ms: number) => {
      checkTime(ms, 'advance(ms)')
      checkTime(t + ms, 'the clock')
      t += ms
    },
    set: (ms: number) => {
      checkTime(ms, 'set(ms)')
      t = ms
    },
  }
}
