/**
 * The injectable clock and keycard/testing's hooks:
 * - `new Cache({ now })` drives every expiry decision from the caller's clock, identically on both
 *   backends (each test runs on native and fallback in the same process); a bad clock or a clock
 *   on a named (shared) cache is ERR_INVALID_ARGUMENT;
 * - `manualClock`, and the hooks keycard/testing re-exports: `withBackend` (by name),
 *   `sealWithNonce`, `setCacheClockForTests`.
 * Nothing sleeps: time moves by hand.
 */

import test from 'ava'
import { Cache } from '../src/cache'
import type { KeycardError } from '../src/errors'
import { backend } from '../src/index'
import { unseal } from '../src/seal'
import { manualClock, sealWithNonce, setCacheClockForTests, withBackend } from '../src/testing'
import { both, fallback, native, on, SECRET, t_, testNative } from './helpers/backends'

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
    return undefined
  } catch (err) {
    return (err as KeycardError).code
  }
}

const DAY = 86_400_000

for (const be of both) {
  test(t_(`cache clock (${be.name}): now drives expiry, remaining ttl and the expiration count`), (t) => {
    const clock = manualClock(1_000_000)
    const cache = on(be, () => new Cache<string>({ maxSize: 10, ttl: 1000, now: clock.now }))
    cache.set('default', 'a')
    cache.set('long', 'b', { ttl: '1h' })
    cache.set('forever', 'c', { ttl: 0 })
    t.is(cache.getRemainingTTL('default'), 1000)
    clock.advance(999)
    t.is(cache.get('default'), 'a')
    t.is(cache.getRemainingTTL('default'), 1)
    clock.advance(1)
    t.is(cache.get('default'), undefined)
    t.false(cache.has('default'))
    t.is(cache.size, 2)
    t.is(cache.stats().expirations, 1)
    // A year on the cache's clock, none in real time: the real clock is not what it reads.
    clock.advance(365 * DAY)
    t.is(cache.peek('long'), undefined)
    t.is(cache.get('forever'), 'c')
    t.is(cache.getRemainingTTL('forever'), Number.POSITIVE_INFINITY)
    t.deepEqual({ ...cache.stats(), bytes: 0 }, { hits: 2, misses: 1, evictions: 0, expirations: 2, bytes: 0, size: 1 })
  })

  test(t_(`cache clock (${be.name}): a frozen clock keeps a 1 ms entry while real time passes`), (t) => {
    const clock = manualClock(5)
    const cache = on(be, () => new Cache<string>({ maxSize: 10, now: clock.now }))
    cache.set('k', 'v', { ttl: 1 })
    const start = performance.now()
    while (performance.now() - start < 5) {
      // real time passes; the cache's clock does not
    }
    t.is(cache.get('k'), 'v')
    clock.advance(1)
    t.is(cache.get('k'), undefined)
  })

  test(t_(`cache clock (${be.name}): getOrSet reloads once the clock passes the ttl`), async (t) => {
    const clock = manualClock(0)
    const cache = on(be, () => new Cache<number>({ maxSize: 10, now: clock.now }))
    let loads = 0
    const load = () => ++loads
    t.is(await cache.getOrSet('n', load, { ttl: 500 }), 1)
    clock.advance(499)
    t.is(await cache.getOrSet('n', load, { ttl: 500 }), 1)
    clock.advance(1)
    t.is(await cache.getOrSet('n', load, { ttl: 500 }), 2)
  })

  test(t_(`cache clock (${be.name}): a clock returning no time is ERR_INVALID_ARGUMENT, and the call changes nothing`), (t) => {
    let value: unknown = 100
    const cache = on(be, () => new Cache<string>({ maxSize: 10, now: () => value as number }))
    cache.set('kept', 'v', { ttl: 50 })
    for (const bad of [Number.NaN, -1, Number.POSITIVE_INFINITY, 2 ** 60, '200', null, undefined, 10n]) {
      value = bad
      t.is(
        codeOf(() => cache.set('new', 'x')),
        'ERR_INVALID_ARGUMENT',
        String(bad),
      )
      t.is(
        codeOf(() => cache.get('kept')),
        'ERR_INVALID_ARGUMENT',
        String(bad),
      )
      t.is(
        codeOf(() => cache.size),
        'ERR_INVALID_ARGUMENT',
        String(bad),
      )
    }
    value = 149.9 // whole ms, rounded down: still alive
    t.false(cache.has('new'))
    t.is(cache.get('kept'), 'v')
    value = 150
    t.is(cache.get('kept'), undefined)
  })

  test(t_(`cache clock (${be.name}): now must be a function, and not on a named cache`), (t) => {
    t.is(
      codeOf(() => on(be, () => new Cache({ maxSize: 1, now: 5 as unknown as () => number }))),
      'ERR_INVALID_ARGUMENT',
    )
    t.is(
      codeOf(() => on(be, () => new Cache({ maxSize: 1, now: Date.now, name: 'shared-clock' }))),
      'ERR_INVALID_ARGUMENT',
    )
  })
}

testNative(t_('cache clock: both backends give the same answers when the clock jumps, stalls and goes back'), (t) => {
  const script = (be: typeof native) => {
    const clock = manualClock(10_000)
    const cache = on(be, () => new Cache<string>({ maxSize: 3, ttl: 100, now: clock.now }))
    const seen: unknown[] = []
    cache.set('a', '1')
    clock.set(5_000) // backwards: nothing expires, the remaining ttl grows
    seen.push(cache.has('a'), cache.getRemainingTTL('a'))
    cache.set('b', '2', { ttl: 10 })
    clock.set(10_099)
    seen.push(cache.get('a'), cache.get('b'), cache.size)
    clock.advance(1)
    seen.push(cache.get('a'), cache.size, cache.stats())
    return seen
  }
  const expected = [true, 5100, '1', undefined, 1, undefined, 0]
  const [a, b] = [script(native), script(fallback)]
  t.deepEqual(a.slice(0, -1), expected)
  t.deepEqual(a, b)
})

test(t_('cache clock: without now, a cache reads the real clock (the option costs nothing unless given)'), (t) => {
  const cache = new Cache<string>({ maxSize: 2 })
  cache.set('k', 'v', { ttl: 60_000 })
  const remaining = cache.getRemainingTTL('k')
  t.true(remaining > 0 && remaining <= 60_000)
})

test(t_('testing: manualClock moves only when told, and refuses times that are not whole ms >= 0'), (t) => {
  const clock = manualClock(10)
  t.is(clock.now(), 10)
  clock.advance(5)
  t.is(clock.now(), 15)
  clock.set(3)
  t.is(clock.now(), 3)
  for (const bad of [-1, 1.5, Number.NaN, '1' as unknown as number]) {
    t.is(
      codeOf(() => clock.advance(bad)),
      'ERR_INVALID_ARGUMENT',
    )
    t.is(
      codeOf(() => clock.set(bad)),
      'ERR_INVALID_ARGUMENT',
    )
    t.is(
      codeOf(() => manualClock(bad)),
      'ERR_INVALID_ARGUMENT',
    )
  }
  t.is(clock.now(), 3)
  t.true(Math.abs(manualClock().now() - Date.now()) < DAY) // starts at the real time by default
})

testNative(t_('testing: withBackend runs a call on the backend named, and refuses anything else'), (t) => {
  t.is(
    withBackend('fallback', () => backend().name),
    'fallback',
  )
  t.is(
    withBackend('native', () => backend().name),
    'native',
  )
  t.is(
    withBackend(native, () => backend().name),
    'native',
  )
  t.is(backend().name as string, process.env.KEYCARD_BACKEND ?? 'native') // put back afterwards
  t.is(
    codeOf(() => withBackend('auto' as never, () => 1)),
    'ERR_INVALID_ARGUMENT',
  )
  t.is(
    codeOf(() => withBackend({ ...fallback } as never, () => 1)),
    'ERR_INVALID_ARGUMENT',
  )
  t.is(
    codeOf(() => withBackend('native', 1 as never)),
    'ERR_INVALID_ARGUMENT',
  )
})

test(t_('testing: sealWithNonce is reproducible and opens with unseal; setCacheClockForTests moves a cache'), (t) => {
  const nonce = new Uint8Array(12).fill(7)
  const a = sealWithNonce({ n: 1 }, SECRET, { ttl: 0 }, nonce)
  t.is(sealWithNonce({ n: 1 }, SECRET, { ttl: 0 }, nonce), a)
  t.deepEqual(unseal(a, SECRET), { n: 1 })
  const cache = new Cache<string>({ maxSize: 2 })
  setCacheClockForTests(cache, 1000)
  cache.set('k', 'v', { ttl: 10 })
  setCacheClockForTests(cache, 1010)
  t.false(cache.has('k'))
  setCacheClockForTests(cache, null)
})
