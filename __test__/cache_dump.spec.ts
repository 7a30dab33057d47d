/**
 * `keys()`, `entries()`, `dump()` and `load()` (docs/CACHE.md, "Listing, dump and load") on the
 * backend under test, the same dump on both backends, and hostile `load` input refused with typed
 * errors and nothing stored. Time is moved with `setCacheClockForTests`; nothing here sleeps.
 */
import test from 'ava'
import { setCacheClockForTests } from '../src/cache'
import { Cache, type CacheDumpEntry } from '../src/index'
import { both, on, t_ } from './helpers/backends'

const T0 = 1_700_000_000_000

function clocked(maxSize = 100, maxBytes?: number) {
  const cache = new Cache({ maxSize, maxBytes })
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

test(t_('keys/entries: most recent first, expired entries left out, recency and counters unchanged'), (t) => {
  const { cache, advance } = clocked()
  cache
    .set('a', 1)
    .set('b', 'two')
    .set('c', { three: 3 }, { ttl: 100 })
    .set('d', Buffer.from([4]))
  cache.get('a') // a is now the most recent
  cache.peek('b')
  cache.has('b')
  t.deepEqual(cache.keys(), ['a', 'd', 'c', 'b'])
  t.deepEqual(cache.entries(), [
    ['a', 1],
    ['d', Buffer.from([4])],
    ['c', { three: 3 }],
    ['b', 'two'],
  ])
  const stats = cache.stats()
  t.deepEqual(cache.keys(), ['a', 'd', 'c', 'b'], 'listing changed no recency')
  t.deepEqual(cache.stats(), stats, 'listing counted nothing')
  advance(100)
  t.deepEqual(cache.keys(), ['a', 'd', 'b'])
  t.is(cache.stats().expirations, 1)
  t.deepEqual(new Cache({ maxSize: 1 }).keys(), [])
})

test(t_('dump/load: a JSON round trip into a new cache keeps values, order and remaining TTLs'), (t) => {
  const { cache, advance } = clocked()
  cache.set('text', 'héllo 🍪').set('json', { list: [1, 'x'], nested: { ok: true } }, { ttl: 5000 })
  cache.set('bytes', Buffer.from([0, 255, 16])).set('num', 42, { ttl: 1000 })
  cache.increment('counter', 7)
  advance(400)
  const dumped = cache.dump()
  t.deepEqual(dumped, [
    ['counter', { value: 7, ttl: 0 }],
    ['num', { value: 42, ttl: 600 }],
    ['bytes', { bytes: 'AP8Q', ttl: 0 }],
    ['json', { value: { list: [1, 'x'], nested: { ok: true } }, ttl: 4600 }],
    ['text', { value: 'héllo 🍪', ttl: 0 }],
  ])
  const restored = clocked()
  restored.cache.load(JSON.parse(JSON.stringify(dumped)))
  t.deepEqual(restored.cache.keys(), ['counter', 'num', 'bytes', 'json', 'text'])
  t.deepEqual(restored.cache.dump(), dumped)
  t.deepEqual(restored.cache.get('bytes'), Buffer.from([0, 255, 16]))
  t.is(restored.cache.getRemainingTTL('num'), 600)
  t.is(restored.cache.increment('counter'), 8)
  restored.advance(600)
  t.false(restored.cache.has('num'))
  // Fewer slots than entries: the most recent ones stay.
  const small = new Cache({ maxSize: 2 })
  small.load(dumped)
  t.deepEqual(small.keys(), ['counter', 'num'])
})

test('dump: both backends give the same dump of the same operations', (t) => {
  const seen = both.map((be) =>
    on(be, () => {
      const { cache, advance } = clocked(4)
      cache.set('a', 'x').set('b', [1, 2], { ttl: 50 }).set('c', Buffer.from('c'))
      advance(10)
      cache.get('a')
      cache.set('d', { d: true }).set('e', 'evicts b')
      return [cache.dump(), cache.keys(), cache.entries().length]
    }),
  )
  for (const other of seen) t.deepEqual(other, seen[0])
})

test(t_('load: hostile input is a typed error and stores nothing'), (t) => {
  const cache = new Cache({ maxSize: 100, maxBytes: 64 })
  const good: CacheDumpEntry = ['ok', { value: 1, ttl: 0 }]
  const cases: Array<[unknown, string, RegExp?]> = [
    [null, 'ERR_INVALID_ARGUMENT'],
    [{ length: 1, 0: good }, 'ERR_INVALID_ARGUMENT'],
    ['[]', 'ERR_INVALID_ARGUMENT'],
    [[good, ['k']], 'ERR_INVALID_ARGUMENT', /entry 1/],
    [[good, [1, { value: 1, ttl: 0 }]], 'ERR_INVALID_ARGUMENT', /key/],
    [[['k\uD800', { value: 1, ttl: 0 }]], 'ERR_INVALID_ARGUMENT', /lone surrogates/],
    [[['k', null]], 'ERR_INVALID_ARGUMENT'],
    [[['k', [1]]], 'ERR_INVALID_ARGUMENT'],
    [[['k', { value: 1 }]], 'ERR_INVALID_ARGUMENT', /ttl/],
    [[['k', { value: 1, ttl: -1 }]], 'ERR_INVALID_ARGUMENT', /ttl/],
    [[['k', { value: 1, ttl: Number.NaN }]], 'ERR_INVALID_ARGUMENT', /ttl/],
    [[['k', { value: 1, ttl: '1m' }]], 'ERR_INVALID_ARGUMENT', /ttl/],
    [[['k', { value: 1, ttl: 2 ** 60 }]], 'ERR_INVALID_ARGUMENT', /ttl/],
    [[['k', { ttl: 0 }]], 'ERR_INVALID_ARGUMENT', /exactly one/],
    [[['k', { value: 1, bytes: 'AA==', ttl: 0 }]], 'ERR_INVALID_ARGUMENT', /exactly one/],
    [[['k', { value: 1, ttl: 0, extra: 1 }]], 'ERR_INVALID_ARGUMENT', /unknown field/],
    [JSON.parse('[["k", {"value": 1, "ttl": 0, "__proto__": {"polluted": true}}]]'), 'ERR_INVALID_ARGUMENT', /__proto__/],
    [[['k', { bytes: 'not base64!', ttl: 0 }]], 'ERR_INVALID_ARGUMENT', /base64/],
    [[['k', { bytes: 'AB==', ttl: 0 }]], 'ERR_INVALID_ARGUMENT', /canonical/],
    [[['k', { bytes: 'AA', ttl: 0 }]], 'ERR_INVALID_ARGUMENT', /base64/],
    [[['k', { bytes: 5, ttl: 0 }]], 'ERR_INVALID_ARGUMENT', /base64/],
    [[['k', { value: 'v\uDFFF', ttl: 0 }]], 'ERR_INVALID_ARGUMENT', /lone surrogates/],
    [[good, ['k', { value: 10n, ttl: 0 }]], 'ERR_NOT_SERIALIZABLE', /entry 1/],
    [[['k', { value: undefined, ttl: 0 }]], 'ERR_NOT_SERIALIZABLE'],
    [[['k', { value: new Map(), ttl: 0 }]], 'ERR_NOT_SERIALIZABLE'],
    [[good, ['k', { value: 'x'.repeat(100), ttl: 0 }]], 'ERR_TOO_LARGE', /entry 1/],
  ]
  for (const [input, code, message] of cases) {
    const label = JSON.stringify(input, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(input)
    t.throws(() => cache.load(input as CacheDumpEntry[]), message ? { code, message } : { code }, label)
  }
  t.deepEqual(cache.keys(), [], 'no refused load stored anything')
  t.is(({} as Record<string, unknown>).polluted, undefined)
  cache.load([good])
  t.deepEqual(cache.keys(), ['ok'])
})
