/**
 * `cache.increment` (docs/CACHE.md, "Counters") on the backend under test, and the same refusals
 * with the same codes and texts on both backends. Time is moved with `setCacheClockForTests`;
 * nothing here sleeps. Across worker threads: __test__/cache_workers.spec.ts.
 */
import test from 'ava'
import { setCacheClockForTests } from '../src/cache'
import { Cache, type CacheOptions, FormatError, ParameterError } from '../src/index'
import { both, on, t_ } from './helpers/backends'

const T0 = 1_700_000_000_000
const invalid = { code: 'ERR_INVALID_ARGUMENT', instanceOf: ParameterError }
const tooLarge = { code: 'ERR_TOO_LARGE', instanceOf: FormatError }

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

test(t_('increment: creates the counter at `by`, adds, returns the new value; get reads the JSON number'), (t) => {
  const cache = new Cache({ maxSize: 10 })
  t.is(cache.increment('n'), 1)
  t.is(cache.increment('n'), 2)
  t.is(cache.increment('n', 10), 12)
  t.is(cache.increment('n', -20), -8)
  t.is(cache.increment('n', 0), -8)
  t.is(cache.get('n'), -8)
  t.is(cache.increment('fresh', -3), -3)
  t.is(cache.increment('zero', -0), 0)
  t.true(Object.is(cache.get('zero'), 0)) // never -0
  // A number stored with set is a counter too.
  cache.set('s', 41)
  t.is(cache.increment('s'), 42)
  const { hits, misses } = cache.stats()
  t.deepEqual([hits, misses], [2, 0]) // the two gets; increments count no hit or miss
})

test(t_('increment: the ttl is set when the counter is created and not extended by later increments'), (t) => {
  const { cache, advance } = clocked({ maxSize: 10, ttl: 5000 })
  t.is(cache.increment('w', 1, { ttl: 1000 }), 1)
  advance(600)
  t.is(cache.increment('w', 1, { ttl: 1000 }), 2)
  t.is(cache.getRemainingTTL('w'), 400) // the window still ends at T0 + 1000
  advance(400)
  t.false(cache.has('w'))
  t.is(cache.increment('w', 1, { ttl: 1000 }), 1) // a new window
  t.is(cache.getRemainingTTL('w'), 1000)
  t.is(cache.increment('d'), 1)
  t.is(cache.getRemainingTTL('d'), 5000) // the cache's default
  t.is(cache.increment('forever', 1, { ttl: 0 }), 1)
  t.is(cache.getRemainingTTL('forever'), Number.POSITIVE_INFINITY)
  t.is(cache.stats().expirations, 1)
})

test(t_('increment: a key holding anything but an integer is refused and left as it was'), (t) => {
  const cache = new Cache({ maxSize: 20 })
  const values: unknown[] = ['5', Buffer.from('5'), { n: 5 }, [5], 1.5, 1e21, 2 ** 53, -(2 ** 53), null, true, '']
  values.forEach((value, i) => {
    cache.set(`k${i}`, value)
    t.throws(() => cache.increment(`k${i}`), { ...invalid, message: /not an integer counter/ }, String(value))
    t.deepEqual(cache.get(`k${i}`), value, String(value))
  })
})

test(t_('increment: `by` must be a safe integer; results past ±MAX_SAFE_INTEGER are refused'), (t) => {
  const cache = new Cache({ maxSize: 10 })
  for (const by of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '1', 1n, null]) {
    t.throws(() => cache.increment('n', by as number), { ...invalid, message: /by must be a safe integer/ }, String(by))
  }
  t.false(cache.has('n'))
  t.throws(() => cache.increment('n', 1, { ttl: -1 }), invalid)
  t.false(cache.has('n'))
  t.is(cache.increment('max', Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER)
  t.throws(() => cache.increment('max'), { ...invalid, message: /MAX_SAFE_INTEGER/ })
  t.is(cache.get('max'), Number.MAX_SAFE_INTEGER)
  t.is(cache.increment('min', -Number.MAX_SAFE_INTEGER), -Number.MAX_SAFE_INTEGER)
  t.throws(() => cache.increment('min', -1), { ...invalid, message: /MAX_SAFE_INTEGER/ })
  t.is(cache.increment('min', Number.MAX_SAFE_INTEGER), 0)
  t.throws(() => cache.increment('k\uD800'), { ...invalid, message: 'cache keys must not hold lone surrogates' })
  t.throws(() => cache.increment(1 as unknown as string), invalid)
})

test(t_('increment: makes the counter the most recent; growing digits count against maxBytes'), (t) => {
  const lru = new Cache({ maxSize: 2 })
  lru.increment('a')
  lru.set('b', 'v')
  lru.increment('a') // a is now the most recent
  lru.set('c', 'v')
  t.deepEqual([lru.has('a'), lru.has('b'), lru.has('c')], [true, false, true])
  t.is(lru.stats().evictions, 1)

  // key 'k' + '9' = 2 bytes, 'k' + '10' = 3: with maxBytes 4 the other entry ('x' + 'y') goes.
  const bounded = new Cache({ maxSize: 10, maxBytes: 4 })
  bounded.set('x', 'y')
  t.is(bounded.increment('k', 9), 9)
  t.is(bounded.stats().bytes, 4)
  t.is(bounded.increment('k'), 10)
  t.false(bounded.has('x'))
  t.deepEqual(bounded.stats().bytes, 3)
  t.is(bounded.increment('k', 989), 999)
  t.throws(() => bounded.increment('k'), tooLarge) // 'k' + '1000' = 5 bytes
  t.is(bounded.get('k'), 999)
  t.throws(() => bounded.increment('long-key'), tooLarge)
  t.false(bounded.has('long-key'))
})

test(t_('increment: a cache with its own clock (`now`) expires counters on that clock'), (t) => {
  let now = 0
  const cache = new Cache({ maxSize: 10, now: () => now })
  t.is(cache.increment('n', 1, { ttl: 100 }), 1)
  now = 99
  t.is(cache.increment('n', 1, { ttl: 100 }), 2)
  now = 100
  t.is(cache.increment('n', 1, { ttl: 100 }), 1)
})

test('increment: both backends give the same values, refusals, codes and texts', (t) => {
  const run = () => {
    const cache = new Cache({ maxSize: 3, maxBytes: 12 })
    setCacheClockForTests(cache, T0)
    const steps: Array<() => unknown> = [
      () => cache.increment('a'),
      () => cache.increment('a', 5, { ttl: 10 }),
      () => cache.set('t', 'text'),
      () => cache.increment('t'),
      () => cache.increment('b', -7, { ttl: 10 }),
      () => cache.increment('c', Number.MAX_SAFE_INTEGER),
      () => cache.increment('b', 1_000_000_000),
      () => cache.increment('b', 2.5),
      () => cache.increment('\uDC00'),
      () => setCacheClockForTests(cache, T0 + 10),
      () => cache.increment('b'),
      () => [cache.get('a'), cache.get('b'), cache.get('c'), cache.get('t')],
      () => cache.stats(),
    ]
    return steps.map((step) => {
      try {
        return step()
      } catch (err) {
        return `${(err as { code: string }).code}: ${(err as Error).message}`
      }
    })
  }
  const seen = both.map((be) => on(be, run))
  for (const other of seen) t.deepEqual(other, seen[0])
  t.is(seen[0]![3], 'ERR_INVALID_ARGUMENT: cache increment: the value is not an integer counter')
})
