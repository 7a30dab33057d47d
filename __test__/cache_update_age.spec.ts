/**
 * The Cache option `updateAgeOnGet` (docs/CACHE.md, "Options"): a get hit restarts the entry's own
 * ttl; peek, has and increment do not. On the backend under test, and the same on both.
 * Time is moved with setCacheClockForTests; nothing here sleeps.
 */
import { threadId } from 'node:worker_threads'
import test from 'ava'
import { setCacheClockForTests } from '../src/cache'
import { Cache, type CacheOptions } from '../src/index'
import { both, on, t_ } from './helpers/backends'

const T0 = 1_700_000_000_000

function clocked(options: CacheOptions) {
  const cache = new Cache(options)
  let now = T0
  setCacheClockForTests(cache, now)
  return {
    cache,
    advance(ms: number) {
      now += ms
      setCacheClockForTests(cache, now)
    },
  }
}

test(t_('updateAgeOnGet: a get hit restarts the entry’s own ttl; peek, has and increment do not'), async (t) => {
  const { cache, advance } = clocked({ maxSize: 10, ttl: 100, updateAgeOnGet: true })
  t.true(cache.updateAgeOnGet)
  cache.set('k', 'v').set('short', 'v', { ttl: 30 }).set('never', 'v', { ttl: 0 })
  cache.increment('n')
  advance(90)
  t.is(cache.get('k'), 'v')
  t.is(cache.getRemainingTTL('k'), 100)
  t.is(cache.peek('n'), 1)
  t.true(cache.has('n'))
  cache.increment('n')
  t.is(cache.getRemainingTTL('n'), 10, 'peek, has and increment left its ttl alone')
  advance(10)
  t.false(cache.has('n'))
  t.is(cache.getRemainingTTL('k'), 90)
  cache.set('short', 'v2', { ttl: 30 })
  advance(20)
  t.is(cache.get('short'), 'v2')
  t.is(cache.getRemainingTTL('short'), 30, 'restarted with its own ttl, not the default')
  t.is(await cache.getOrSet('k', () => 'loaded'), 'v') // a getOrSet hit restarts it too
  t.is(cache.getRemainingTTL('k'), 100)
  t.is(cache.get('never'), 'v')
  t.is(cache.getRemainingTTL('never'), Number.POSITIVE_INFINITY)
  advance(100)
  t.deepEqual(cache.keys(), ['never'])

  const plain = clocked({ maxSize: 10, ttl: 100 })
  plain.cache.set('k', 'v')
  plain.advance(90)
  plain.cache.get('k')
  t.is(plain.cache.getRemainingTTL('k'), 10, 'without the option a get changes no ttl')
})

test(t_('updateAgeOnGet: a hot key read many times expires exactly once it is left alone'), (t) => {
  const { cache, advance } = clocked({ maxSize: 10, ttl: 50, updateAgeOnGet: true })
  cache.set('hot', 'v')
  for (let i = 0; i < 5000; i++) {
    advance(1)
    t.is(cache.get('hot'), 'v')
  }
  advance(49)
  t.true(cache.has('hot'))
  advance(1)
  t.false(cache.has('hot'))
  t.is(cache.stats().expirations, 1)
})

test(t_('updateAgeOnGet: must be a boolean, and is part of a named cache’s configuration'), (t) => {
  t.throws(() => new Cache({ maxSize: 1, updateAgeOnGet: 'yes' as unknown as boolean }), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => new Cache({ maxSize: 1, updateAgeOnGet: 1 as unknown as boolean }), { code: 'ERR_INVALID_ARGUMENT' })
  const name = `cache_update_age.spec/${threadId}/named`
  new Cache({ name, maxSize: 5, ttl: 10, updateAgeOnGet: true })
  t.throws(() => new Cache({ name, maxSize: 5, ttl: 10 }), { code: 'ERR_BAD_CONFIG', message: /updateAgeOnGet true/ })
  t.notThrows(() => new Cache({ name, maxSize: 5, ttl: 10, updateAgeOnGet: true }))
})

test('updateAgeOnGet: both backends give the same results, counters and dump', (t) => {
  const seen = both.map((be) =>
    on(be, () => {
      const { cache, advance } = clocked({ maxSize: 4, ttl: 40, updateAgeOnGet: true })
      const trace: unknown[] = []
      for (let i = 0; i < 300; i++) {
        const key = `k${(i * 7) % 6}`
        if (i % 3 === 0) cache.set(key, i, i % 5 === 0 ? { ttl: 15 } : undefined)
        else trace.push(cache.get(key))
        advance(i % 4 === 0 ? 9 : 2)
      }
      return [trace, cache.stats(), cache.dump()]
    }),
  )
  for (const other of seen) t.deepEqual(other, seen[0])
})
