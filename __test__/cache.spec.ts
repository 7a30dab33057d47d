/**
 * Cache (docs/CACHE.md) through the public API on the backend under test: option validation,
 * values, LRU order, the byte bound, TTLs, getRemainingTTL, getOrSet and the counters. Time is
 * moved with `setCacheClockForTests`; nothing here sleeps or measures time.
 */
import { threadId } from 'node:worker_threads'
import test, { type ExecutionContext } from 'ava'
import { setCacheClockForTests } from '../src/cache'
import { Cache, type CacheOptions, type CacheStats, FormatError, ParameterError } from '../src/index'
import { both, on, t_ } from './helpers/backends'

/** A fixed clock: every cache here starts at this ms. */
const T0 = 1_700_000_000_000

let serial = 0
/** A cache name no other test (or test file in this process) uses; native named caches live until exit. */
const uniqueName = (label: string) => `cache.spec/${label}/${threadId}/${++serial}`

/** A cache whose clock reads T0, and a way to move that clock forward. */
function clocked(options: CacheOptions) {
  const cache = new Cache(options)
  let now = T0
  setCacheClockForTests(cache, now)
  return {
    cache,
    /** Moves the clock `ms` forward. */
    advance(ms: number) {
      now += ms
      setCacheClockForTests(cache, now)
    },
    /** Sets the clock to T0 + `ms`. */
    at(ms: number) {
      now = T0 + ms
      setCacheClockForTests(cache, now)
    },
  }
}

const utf8Length = (text: string) => Buffer.byteLength(text, 'utf8')

/** Which of `keys` the cache holds, read with `has` (which leaves recency alone). */
const held = (cache: Cache, keys: string[]) => keys.filter((k) => cache.has(k))

function statsIs(t: ExecutionContext, cache: Cache, expected: CacheStats, label?: string) {
  t.deepEqual(cache.stats(), expected, label)
}

// --- options ---------------------------------------------------------------------------------

const invalid = { code: 'ERR_INVALID_ARGUMENT', instanceOf: ParameterError }

test(t_('cache: maxSize must be an integer 1 ..= 2^32 - 2'), (t) => {
  const bad: unknown[] = [
    0,
    -1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 53,
    '10',
    null,
    undefined,
    10n,
  ]
  for (const maxSize of bad) {
    t.throws(() => new Cache({ maxSize } as unknown as CacheOptions), invalid, `maxSize ${String(maxSize)}`)
  }
  t.throws(() => new Cache({} as CacheOptions), invalid)
  t.throws(() => new Cache(undefined as unknown as CacheOptions), invalid)
  t.throws(() => new Cache(null as unknown as CacheOptions), invalid)
  t.throws(() => new Cache(10 as unknown as CacheOptions), invalid)
  // Both ends of the range are accepted, and the largest cache works.
  const one = new Cache({ maxSize: 1 })
  one.set('a', 1).set('b', 2)
  t.deepEqual([one.get('a'), one.get('b'), one.size], [undefined, 2, 1])
  const largest = new Cache({ maxSize: 2 ** 32 - 2 })
  t.is(largest.maxSize, 2 ** 32 - 2)
  for (let i = 0; i < 100; i++) largest.set(`k${i}`, i)
  t.is(largest.size, 100)
  t.is(largest.get('k0'), 0)
  t.is(largest.stats().evictions, 0)
})

test(t_('cache: maxBytes, when given, must be a positive safe integer'), (t) => {
  const bad: unknown[] = [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '100', null, 100n]
  for (const maxBytes of bad) {
    t.throws(() => new Cache({ maxSize: 10, maxBytes } as unknown as CacheOptions), invalid, `maxBytes ${String(maxBytes)}`)
  }
  t.is(new Cache({ maxSize: 10, maxBytes: 1 }).maxBytes, 1)
  const huge = new Cache({ maxSize: 10, maxBytes: Number.MAX_SAFE_INTEGER })
  huge.set('k', 'v'.repeat(1000))
  t.is(huge.stats().bytes, 1001)
  t.is(new Cache({ maxSize: 10 }).maxBytes, undefined)
})

test(t_('cache: ttl must be a duration, in the options and per entry; a bad one stores nothing'), (t) => {
  const bad: unknown[] = [-1, Number.NaN, Number.POSITIVE_INFINITY, '', '5 parsecs', '-5s', '1y', {}, true, 10n]
  const cache = new Cache({ maxSize: 10 })
  for (const ttl of bad) {
    t.throws(() => new Cache({ maxSize: 10, ttl } as unknown as CacheOptions), invalid, `ttl ${String(ttl)}`)
    t.throws(() => cache.set('k', 'v', { ttl } as never), invalid, `entry ttl ${String(ttl)}`)
  }
  // Longer than ~285 years (src/cache.ts) is refused rather than overflowing a clock.
  t.throws(() => new Cache({ maxSize: 10, ttl: 1e13 }), invalid)
  t.throws(() => new Cache({ maxSize: 10, ttl: '20000w' }), invalid)
  t.throws(() => cache.set('k', 'v', { ttl: 1e13 }), invalid)
  t.is(cache.size, 0)
  t.false(cache.has('k'))
  // A bad ttl leaves an existing entry as it was.
  cache.set('k', 'kept')
  t.throws(() => cache.set('k', 'new', { ttl: -5 }), invalid)
  t.is(cache.get('k'), 'kept')
  t.is(cache.getRemainingTTL('k'), Number.POSITIVE_INFINITY)
  // Normalised: strings become ms; absent and 0 both mean "never".
  t.is(new Cache({ maxSize: 1, ttl: '2s' }).ttl, 2000)
  t.is(new Cache({ maxSize: 1, ttl: '1.5s' }).ttl, 1500)
  t.is(new Cache({ maxSize: 1, ttl: '15m' }).ttl, 900_000)
  t.is(new Cache({ maxSize: 1, ttl: 0 }).ttl, 0)
  t.is(new Cache({ maxSize: 1 }).ttl, 0)
})

test(t_('cache: name must be a string of 1 to 256 characters'), (t) => {
  for (const name of ['', 'x'.repeat(257), 42, null, {}]) {
    t.throws(() => new Cache({ maxSize: 10, name } as unknown as CacheOptions), invalid, `name ${String(name).slice(0, 20)}`)
  }
  const longest = uniqueName('n').padEnd(256, 'x')
  t.is(longest.length, 256)
  const cache = new Cache({ maxSize: 10, name: longest })
  t.is(cache.name, longest)
  cache.set('k', 'v')
  t.is(new Cache({ maxSize: 10, name: longest }).get('k'), 'v')
})

test(t_('cache: a name with a lone surrogate is ERR_INVALID_ARGUMENT (natively it was the U+FFFD name)'), (t) => {
  // The native registry is keyed by UTF-8, where 'n\ud800' became 'n\ufffd': one cache there,
  // two in the fallback. Both refuse such a name now.
  const base = uniqueName('surrogate')
  const replacement = new Cache({ maxSize: 10, name: `${base}\ufffd` })
  replacement.set('k', 'v')
  for (const bad of [`${base}\ud800`, `${base}\udfff`, `\ud83d${base}`]) {
    t.throws(() => new Cache({ maxSize: 10, name: bad }), invalid, JSON.stringify(bad))
  }
  // A surrogate pair is well-formed.
  const emoji = new Cache({ maxSize: 10, name: `${base}\ud83d\udd11` })
  t.is(emoji.get('k'), undefined)
  t.is(new Cache({ maxSize: 10, name: `${base}\ufffd` }).get('k'), 'v')
})

test(t_('cache: keys must be strings, for every method'), async (t) => {
  const cache = new Cache({ maxSize: 10 })
  cache.set('1', 'one')
  for (const key of [1, null, undefined, Symbol('k'), {}, ['1'], Buffer.from('1')]) {
    const k = key as unknown as string
    const label = `key ${typeof key}`
    t.throws(() => cache.get(k), invalid, label)
    t.throws(() => cache.peek(k), invalid, label)
    t.throws(() => cache.set(k, 'v'), invalid, label)
    t.throws(() => cache.has(k), invalid, label)
    t.throws(() => cache.delete(k), invalid, label)
    t.throws(() => cache.getRemainingTTL(k), invalid, label)
    let calls = 0
    await t.throwsAsync(
      cache.getOrSet(k, () => {
        calls++
        return 'v'
      }),
      invalid,
      label,
    )
    t.is(calls, 0)
  }
  t.is(cache.size, 1)
  t.is(cache.get('1'), 'one')
  t.deepEqual(cache.stats(), { hits: 1, misses: 0, evictions: 0, expirations: 0, bytes: 4, size: 1 })
})

test(t_('cache: getOrSet needs a function as loader'), async (t) => {
  const cache = new Cache({ maxSize: 10 })
  for (const loader of [undefined, null, 'value', 42, {}, Promise.resolve('v')]) {
    await t.throwsAsync(cache.getOrSet('k', loader as never), invalid, `loader ${String(loader)}`)
  }
  t.is(cache.size, 0)
  t.false(cache.has('k'))
})

// --- named caches ----------------------------------------------------------------------------

test(t_('cache: a name opened twice in one thread is one cache: entries and counters'), (t) => {
  const name = uniqueName('twice')
  const a = new Cache({ name, maxSize: 10, maxBytes: 1000, ttl: '1m' })
  const b = new Cache({ name, maxSize: 10, maxBytes: 1000, ttl: 60_000 })
  a.set('k', { v: 1 })
  t.deepEqual(b.get('k'), { v: 1 })
  b.set('k2', 'two')
  t.is(a.get('k2'), 'two')
  t.is(a.size, 2)
  t.is(b.get('absent'), undefined)
  t.deepEqual(a.stats(), b.stats())
  t.like(a.stats(), { hits: 2, misses: 1, size: 2 })
  b.delete('k')
  t.false(a.has('k'))
  a.clear()
  t.is(b.size, 0)
  // Unnamed caches with the same options are separate caches.
  const c = new Cache({ maxSize: 10 })
  const d = new Cache({ maxSize: 10 })
  c.set('k', 'c')
  t.is(d.get('k'), undefined)
})

test(t_('cache: reopening a name with a different maxSize, maxBytes or ttl is ERR_BAD_CONFIG'), (t) => {
  const name = uniqueName('config')
  const original = new Cache({ name, maxSize: 10, maxBytes: 1000, ttl: 5000 })
  original.set('k', 'v')
  const badConfig = { code: 'ERR_BAD_CONFIG', instanceOf: ParameterError }
  const different: CacheOptions[] = [
    { name, maxSize: 11, maxBytes: 1000, ttl: 5000 },
    { name, maxSize: 10, maxBytes: 1001, ttl: 5000 },
    { name, maxSize: 10, ttl: 5000 },
    { name, maxSize: 10, maxBytes: 1000, ttl: 5001 },
    { name, maxSize: 10, maxBytes: 1000, ttl: 0 },
    { name, maxSize: 10, maxBytes: 1000 },
    { name, maxSize: 10, maxBytes: 1000, ttl: '6s' },
  ]
  for (const options of different) t.throws(() => new Cache(options), badConfig, JSON.stringify(options))
  // The same config, however spelled, opens it; the refused opens changed nothing.
  const again = new Cache({ name, maxSize: 10, maxBytes: 1000, ttl: '5s' })
  t.is(again.get('k'), 'v')
  t.is(again.size, 1)
  // A cache without a byte bound differs from one with it, in both directions.
  const unbounded = uniqueName('unbounded')
  new Cache({ name: unbounded, maxSize: 5 })
  t.throws(() => new Cache({ name: unbounded, maxSize: 5, maxBytes: 100 }), badConfig)
  t.notThrows(() => new Cache({ name: unbounded, maxSize: 5, ttl: 0 }))
})

// --- values ----------------------------------------------------------------------------------

const STRINGS = [
  '',
  'a',
  'hello world',
  'héllo wörld',
  '日本語のテキスト',
  '🍪🔐 emoji 👩‍👩‍👧',
  'a\u0000b\nc',
  '{"a":1}',
  'null',
  '1',
  'x'.repeat(100_000),
]

test(t_('cache: strings come back as the same string (JSON-looking ones stay strings)'), (t) => {
  const cache = new Cache({ maxSize: 100 })
  STRINGS.forEach((s, i) => {
    cache.set(`s${i}`, s)
  })
  STRINGS.forEach((s, i) => {
    t.is(cache.get(`s${i}`), s)
    t.is(cache.peek(`s${i}`), s)
  })
  t.is(
    cache.stats().bytes,
    STRINGS.reduce((sum, s, i) => sum + utf8Length(`s${i}`) + utf8Length(s), 0),
  )
})

test(t_('cache: keys and strings with lone surrogates are refused by set and missed by lookups, on both backends'), (t) => {
  // Native stores UTF-8, where a lone surrogate would become U+FFFD: 'k\ud800' and 'k\ufffd'
  // would be one key there and two in the fallback. Both backends refuse them instead.
  const cache = new Cache({ maxSize: 100 })
  cache.set('k\ufffd', 'replacement character is fine')
  for (const bad of ['a\ud800b', '\udfff', 'x\ud83d']) {
    t.throws(() => cache.set(bad, 1), { code: 'ERR_INVALID_ARGUMENT' })
    t.throws(() => cache.set('ok', bad), { code: 'ERR_INVALID_ARGUMENT' })
    // Such a key can never have been stored: lookups miss (and count a miss) rather than throw.
    t.is(cache.get(bad), undefined)
    t.is(cache.peek(bad), undefined)
    t.false(cache.has(bad))
    t.false(cache.delete(bad))
    t.is(cache.getRemainingTTL(bad), 0)
  }
  // 'k\ufffd' is stored; its lone-surrogate look-alikes must not find it (they would, in UTF-8).
  t.is(cache.get('k\ud800'), undefined)
  t.false(cache.has('k\udfff'))
  t.is(cache.stats().misses, 4)
  t.false(cache.has('ok'))
  t.is(cache.get('k\ufffd'), 'replacement character is fine')
  t.is(cache.size, 1)
  // Inside JSON values they are escaped (\ud800), so they round trip exactly.
  cache.set('json', { s: 'a\ud800b' })
  t.deepEqual(cache.get('json'), { s: 'a\ud800b' })
})

test(t_('cache: keys are compared whole: NUL characters, and long keys around 256 UTF-8 bytes'), (t) => {
  const cache = new Cache({ maxSize: 10_000 })
  const keys = new Set<string>(['a', 'a\u0000', 'a\u0000b', '\u0000', ''])
  for (let n = 240; n <= 270; n++) {
    keys.add('x'.repeat(n))
    keys.add(`${'x'.repeat(n)}é`)
    keys.add(`${'x'.repeat(n)}🔑`)
    keys.add(`${'x'.repeat(n)}€a`)
    keys.add(`${'é'.repeat(n >> 1)}b`)
  }
  // Differ only after 256 bytes, and only in the last character.
  keys.add(`${'y'.repeat(300)}a`)
  keys.add(`${'y'.repeat(300)}b`)
  keys.add(`${'z'.repeat(100_000)}a`)
  keys.add(`${'z'.repeat(100_000)}b`)
  const list = [...keys]
  list.forEach((k, i) => {
    cache.set(k, i)
  })
  t.is(cache.size, list.length)
  list.forEach((k, i) => {
    t.is(cache.get(k), i, `key of ${k.length} characters`)
  })
  t.is(
    cache.stats().bytes,
    list.reduce((sum, k, i) => sum + utf8Length(k) + String(i).length, 0),
  )
  t.true(cache.delete(`${'y'.repeat(300)}a`))
  t.is(cache.get(`${'y'.repeat(300)}b`), list.indexOf(`${'y'.repeat(300)}b`))
  t.is(cache.get(`${'y'.repeat(300)}a`), undefined)
})

test(t_('cache: bytes come back as a fresh Buffer copy: mutating the input or the output changes nothing stored'), (t) => {
  const cache = new Cache({ maxSize: 10 })
  const input = Buffer.from('0123456789')
  cache.set('buf', input)
  input.fill(0x41)
  const out = cache.get('buf') as Buffer
  t.true(Buffer.isBuffer(out))
  t.is(out.toString(), '0123456789')
  out.fill(0x42)
  t.is((cache.get('buf') as Buffer).toString(), '0123456789')
  t.not(cache.get('buf'), cache.get('buf'))
  const peeked = cache.peek('buf') as Buffer
  t.true(Buffer.isBuffer(peeked))
  peeked[0] = 0
  t.is((cache.peek('buf') as Buffer).toString(), '0123456789')

  // A plain Uint8Array comes back as a Buffer too.
  const u8 = Uint8Array.of(0, 1, 2, 0xff)
  cache.set('u8', u8)
  u8[0] = 9
  const back = cache.get('u8') as Buffer
  t.true(Buffer.isBuffer(back))
  t.deepEqual([...back], [0, 1, 2, 0xff])

  // Only the view is stored, not the whole underlying buffer.
  const backing = Buffer.from('abcdefghijklmnop')
  cache.set('view', new Uint8Array(backing.buffer, backing.byteOffset + 3, 5))
  t.is((cache.get('view') as Buffer).toString(), 'defgh')
  cache.set('sub', backing.subarray(10, 12))
  t.is((cache.get('sub') as Buffer).toString(), 'kl')

  // Empty bytes are a value, not a miss.
  cache.set('empty', new Uint8Array(0))
  const empty = cache.get('empty') as Buffer
  t.true(Buffer.isBuffer(empty))
  t.is(empty.length, 0)
  t.true(cache.has('empty'))

  t.is(cache.stats().bytes, 3 + 10 + 2 + 4 + 4 + 5 + 3 + 2 + 5 + 0)
})

test(t_('cache: a detached or out-of-bounds Uint8Array is ERR_INVALID_ARGUMENT and stores nothing'), (t) => {
  // Natively it was stored as 0 bytes (silent data loss), while the fallback threw a TypeError.
  const cache = new Cache({ maxSize: 10 })
  cache.set('kept', 'before')
  const transferred = Uint8Array.of(1, 2, 3)
  structuredClone(transferred, { transfer: [transferred.buffer] })
  t.is(transferred.byteLength, 0)
  const resizable = new (ArrayBuffer as new (n: number, o: object) => ArrayBuffer & { resize(n: number): void })(8, {
    maxByteLength: 16,
  })
  const outOfBounds = new Uint8Array(resizable, 4, 4)
  resizable.resize(2)
  for (const [label, bytes] of [
    ['transferred', transferred],
    ['out of bounds', outOfBounds],
  ] as const) {
    t.throws(() => cache.set('new', bytes), invalid, label)
    t.throws(() => cache.set('kept', bytes), invalid, label)
  }
  t.false(cache.has('new'))
  t.is(cache.get('kept'), 'before')
  t.is(cache.size, 1)
  // Genuinely empty bytes are still a value.
  cache.set('empty', new Uint8Array(0))
  t.is((cache.get('empty') as Buffer).length, 0)
})

test(t_('cache: JSON values come back as fresh copies with JSON rules'), (t) => {
  const cache = new Cache({ maxSize: 100 })
  const input = { name: 'Ada', tags: ['x'], nested: { n: 1 } }
  cache.set('obj', input)
  input.tags.push('y')
  input.nested.n = 2
  const out = cache.get('obj') as typeof input
  t.deepEqual(out, { name: 'Ada', tags: ['x'], nested: { n: 1 } })
  t.not(out, input)
  out.tags.push('z')
  out.name = 'changed'
  t.deepEqual(cache.get('obj'), { name: 'Ada', tags: ['x'], nested: { n: 1 } })
  t.not(cache.get('obj'), cache.get('obj'))
  t.deepEqual(cache.peek('obj'), { name: 'Ada', tags: ['x'], nested: { n: 1 } })

  const values: unknown[] = [0, -7, 1.5, true, false, null, [], {}, [1, 'two', null, { three: [3] }], { s: 'é🍪' }]
  values.forEach((v, i) => {
    cache.set(`v${i}`, v)
  })
  values.forEach((v, i) => {
    t.deepEqual(cache.get(`v${i}`), v)
  })
  // null and false are values: has() and a hit, not a miss.
  t.true(cache.has('v5'))
  t.is(cache.get('v5'), null)
  t.is(cache.get('v4'), false)
  // JSON's documented rules: Date -> string, undefined properties vanish, undefined array items
  // are null, toJSON is used. What JSON would silently change is refused (the next test).
  cache.set('rules', { d: new Date(0), u: undefined, a: [undefined], j: { toJSON: () => 'J' } })
  t.deepEqual(cache.get('rules'), { d: '1970-01-01T00:00:00.000Z', a: [null], j: 'J' })
  t.deepEqual(Object.keys(cache.get('rules') as object), ['d', 'a', 'j'])
})

test(t_('cache: values JSON would silently change are ERR_NOT_SERIALIZABLE, as seal refuses them'), (t) => {
  const cache = new Cache({ maxSize: 10 })
  const changed: unknown[] = [
    { n: Number.NaN },
    { i: Number.POSITIVE_INFINITY },
    { f: () => 1 },
    [() => 1],
    { m: new Map([['a', 1]]) },
    { s: new Set([1]) },
    { b: new Uint8Array(2) },
  ]
  for (const value of changed) {
    t.throws(() => cache.set('k', value), { code: 'ERR_NOT_SERIALIZABLE' })
  }
  t.is(cache.size, 0)
})

test(t_('cache: values JSON cannot hold throw ERR_NOT_SERIALIZABLE and store nothing'), (t) => {
  const cache = new Cache({ maxSize: 10, ttl: 1000 })
  const cycle: Record<string, unknown> = { a: 1 }
  cycle.self = cycle
  const bad: unknown[] = [10n, { n: 1n }, [1n], cycle, () => 1, Symbol('s'), undefined]
  const notSerializable = { code: 'ERR_NOT_SERIALIZABLE', instanceOf: FormatError }
  for (const value of bad) {
    t.throws(() => cache.set('new', value), notSerializable, typeof value)
  }
  t.false(cache.has('new'))
  t.is(cache.size, 0)
  // An existing entry under that key is left as it was, value and TTL.
  setCacheClockForTests(cache, T0)
  cache.set('old', { kept: true })
  setCacheClockForTests(cache, T0 + 400)
  for (const value of bad) {
    t.throws(() => cache.set('old', value), notSerializable, typeof value)
  }
  t.deepEqual(cache.peek('old'), { kept: true })
  t.is(cache.getRemainingTTL('old'), 600)
  t.deepEqual(cache.stats(), { hits: 0, misses: 0, evictions: 0, expirations: 0, bytes: 3 + 13, size: 1 })
})

// --- LRU order -------------------------------------------------------------------------------

test(t_('cache: maxSize evicts the least recent entry; get and set refresh recency, has/peek/getRemainingTTL do not'), (t) => {
  const { cache } = clocked({ maxSize: 3, ttl: 10_000 })
  const all = ['a', 'b', 'c', 'd', 'e', 'f']
  cache.set('a', 1).set('b', 2).set('c', 3)
  t.is(cache.get('a'), 1) // order now b, c, a
  t.true(cache.has('b'))
  t.is(cache.peek('b'), 2)
  t.is(cache.getRemainingTTL('b'), 10_000)
  cache.set('d', 4) // evicts b: has/peek/getRemainingTTL did not refresh it
  t.deepEqual(held(cache, all), ['a', 'c', 'd'])
  t.is(cache.stats().evictions, 1)

  // Replacing a key refreshes it and evicts nothing.
  cache.set('c', 33) // order a, d, c
  t.is(cache.size, 3)
  t.is(cache.stats().evictions, 1)
  cache.set('e', 5) // evicts a
  t.deepEqual(held(cache, all), ['c', 'd', 'e'])
  cache.set('f', 6) // evicts d
  t.deepEqual(held(cache, all), ['c', 'e', 'f'])
  t.is(cache.peek('c'), 33)

  // A miss does not change the order; a delete frees a place.
  t.is(cache.get('zzz'), undefined)
  t.true(cache.delete('e'))
  t.false(cache.delete('e'))
  cache.set('a', 1) // no eviction: c, f, a
  t.deepEqual(held(cache, all), ['a', 'c', 'f'])
  cache.set('b', 2) // evicts c
  t.deepEqual(held(cache, all), ['a', 'b', 'f'])
  t.deepEqual(cache.stats(), { hits: 1, misses: 1, evictions: 4, expirations: 0, bytes: 6, size: 3 })
})

test(t_('cache: maxSize 1 keeps only the entry just set'), (t) => {
  const cache = new Cache({ maxSize: 1 })
  for (let i = 0; i < 10; i++) cache.set(`k${i}`, i)
  t.is(cache.size, 1)
  t.is(cache.get('k9'), 9)
  t.is(cache.get('k8'), undefined)
  cache.set('k9', 'again')
  t.deepEqual(cache.stats(), { hits: 1, misses: 1, evictions: 9, expirations: 0, bytes: 2 + 5, size: 1 })
})

// --- bytes -----------------------------------------------------------------------------------

test(t_('cache: bytes are the UTF-8 key length plus the value length (string, bytes, JSON text)'), (t) => {
  const cache = new Cache({ maxSize: 100, maxBytes: 1000 })
  cache.set('é', '日本') // 2 + 6
  cache.set('k', Buffer.alloc(10)) // 1 + 10
  cache.set('j', { a: 'é' }) // 1 + '{"a":"é"}' = 10
  cache.set('🔑', '🍪') // 4 + 4
  cache.set('n', 12345) // 1 + 5
  cache.set('z', '') // 1 + 0
  t.is(utf8Length(JSON.stringify({ a: 'é' })), 10)
  t.is(cache.stats().bytes, 8 + 11 + 11 + 8 + 6 + 1)
  cache.set('é', 'x') // replaced: 2 + 1
  t.is(cache.stats().bytes, 3 + 11 + 11 + 8 + 6 + 1)
  cache.delete('k')
  t.is(cache.stats().bytes, 3 + 11 + 8 + 6 + 1)
  t.is(cache.size, 5)
  // The same without a byte bound.
  const unbounded = new Cache({ maxSize: 100 })
  unbounded
    .set('é', '日本')
    .set('j', { a: 'é' })
    .set('b', Uint8Array.of(1, 2, 3))
  t.is(unbounded.stats().bytes, 8 + 11 + 4)
  cache.clear()
  unbounded.clear()
  t.is(cache.stats().bytes, 0)
  t.is(unbounded.stats().bytes, 0)
})

test(t_('cache: maxBytes evicts least recent entries until the bytes fit, never the entry just set'), (t) => {
  const cache = new Cache({ maxSize: 100, maxBytes: 20 })
  const all = ['a', 'b', 'c', 'd', 'e']
  cache.set('a', 'x'.repeat(9)).set('b', 'y'.repeat(9)) // exactly 20: no eviction
  t.deepEqual(cache.stats(), { hits: 0, misses: 0, evictions: 0, expirations: 0, bytes: 20, size: 2 })
  cache.set('c', 'z') // 22: evicts a
  t.deepEqual(held(cache, all), ['b', 'c'])
  t.is(cache.stats().bytes, 12)
  t.is(cache.get('b'), 'y'.repeat(9)) // order c, b
  cache.set('d', 'w'.repeat(9)) // 22: evicts c (b was refreshed)
  t.deepEqual(held(cache, all), ['b', 'd'])
  cache.set('e', 'v'.repeat(19)) // 40: evicts b and d
  t.deepEqual(held(cache, all), ['e'])
  t.deepEqual(cache.stats(), { hits: 1, misses: 0, evictions: 4, expirations: 0, bytes: 20, size: 1 })
  // Growing an entry in place evicts others; shrinking one evicts nothing.
  cache.clear()
  cache.set('a', 'q').set('e', 'v') // 2 + 2
  cache.set('a', 'q'.repeat(18)) // 19 + 2 = 21: evicts e
  t.deepEqual(held(cache, all), ['a'])
  cache.set('a', 'q').set('e', 'v') // shrunk to 2, then 2 more
  t.deepEqual(held(cache, all), ['a', 'e'])
  t.deepEqual(cache.stats(), { hits: 1, misses: 0, evictions: 5, expirations: 0, bytes: 4, size: 2 })
})

test(t_('cache: multi-byte keys and values count their UTF-8 bytes against maxBytes'), (t) => {
  // 'ключ' is 4 characters but 8 bytes; '€€€' is 3 characters but 9 bytes.
  const cache = new Cache({ maxSize: 100, maxBytes: 16 })
  t.throws(() => cache.set('ключ', '€€€'), { code: 'ERR_TOO_LARGE', instanceOf: FormatError })
  t.is(cache.size, 0)
  cache.set('ключ', '€€') // 14
  t.is(cache.stats().bytes, 14)
  cache.set('a', '€') // 14 + 4 = 18: evicts ключ
  t.false(cache.has('ключ'))
  t.deepEqual(cache.stats(), { hits: 0, misses: 0, evictions: 1, expirations: 0, bytes: 4, size: 1 })
  // Exactly maxBytes fits: 4 + 12.
  cache.set('🔑', '€€€€')
  t.is(cache.peek('🔑'), '€€€€')
  t.is(cache.stats().bytes, 16)
  t.false(cache.has('a'))
})

test(t_('cache: an oversized set is ERR_TOO_LARGE and changes nothing: value, TTL, recency and counters'), (t) => {
  const { cache, advance } = clocked({ maxSize: 3, maxBytes: 20, ttl: 1000 })
  cache.set('a', 'aaaa').set('b', 'bbbb').set('c', 'cccc') // 15 bytes, order a, b, c
  advance(300)
  const tooLarge = { code: 'ERR_TOO_LARGE', instanceOf: FormatError }
  const before = cache.stats()
  t.throws(() => cache.set('a', 'x'.repeat(20)), tooLarge) // 21 bytes alone
  t.throws(() => cache.set('a', Buffer.alloc(20)), tooLarge)
  t.throws(() => cache.set('a', { s: 'x'.repeat(14) }), tooLarge) // 1 + '{"s":"xx…"}' (22)
  t.throws(() => cache.set('new', 'x'.repeat(18)), tooLarge) // 3 + 18
  t.throws(() => cache.set('é'.repeat(10), 'x'), tooLarge) // 20 + 1
  t.throws(() => cache.set('a', '€'.repeat(7), { ttl: 0 }), tooLarge) // 1 + 21
  t.deepEqual(cache.stats(), before)
  t.false(cache.has('new'))
  t.is(cache.peek('a'), 'aaaa')
  t.is(cache.getRemainingTTL('a'), 700)
  // 'a' is still the least recent entry: the next new key evicts it.
  cache.set('d', 'dddd')
  t.deepEqual(held(cache, ['a', 'b', 'c', 'd']), ['b', 'c', 'd'])
  // One byte less fits, evicting everything else.
  cache.set('a', 'x'.repeat(19))
  t.deepEqual(held(cache, ['a', 'b', 'c', 'd']), ['a'])
  t.is(cache.getRemainingTTL('a'), 1000)
  t.deepEqual(cache.stats(), { hits: 0, misses: 0, evictions: 4, expirations: 0, bytes: 20, size: 1 })
})

test(t_('cache: over maxBytes is refused before any O(n) check: ERR_TOO_LARGE even with a lone surrogate'), (t) => {
  // A key or string longer (in UTF-16 units) than maxBytes cannot fit, whatever it holds, so it is
  // refused first: a huge key costs no scan. Its lone surrogate would otherwise be the answer.
  const { cache, advance } = clocked({ maxSize: 10, maxBytes: 100 })
  const tooLarge = { code: 'ERR_TOO_LARGE', instanceOf: FormatError }
  const huge = `${'k'.repeat(2_000_000)}\ud800`
  t.throws(() => cache.set(huge, 'v'), tooLarge)
  t.throws(() => cache.set('k', `\ud800${'v'.repeat(100)}`), tooLarge)
  t.throws(() => cache.set(`\udfff${'k'.repeat(60)}`, Buffer.alloc(40)), tooLarge)
  // Within the bound, the surrogate is still the answer.
  t.throws(() => cache.set('k\ud800', 'v'), invalid)
  // The refusal still runs rule 1 first (docs/CACHE.md rule 4): the expired entry is counted
  // before clear() drops everything without counting.
  cache.set('short', 'v', { ttl: 10 })
  advance(10)
  t.throws(() => cache.set(huge, 'v'), tooLarge)
  cache.clear()
  t.deepEqual(cache.stats(), { hits: 0, misses: 0, evictions: 0, expirations: 1, bytes: 0, size: 0 })
})

// --- TTL -------------------------------------------------------------------------------------

test(t_('cache: the default ttl expires an entry exactly at setAt + ttl'), (t) => {
  const { cache, at } = clocked({ maxSize: 10, ttl: 1000 })
  cache.set('k', 'v')
  at(999)
  t.is(cache.get('k'), 'v')
  t.is(cache.getRemainingTTL('k'), 1)
  at(1000)
  t.false(cache.has('k'))
  t.is(cache.get('k'), undefined)
  t.is(cache.peek('k'), undefined)
  t.is(cache.getRemainingTTL('k'), 0)
  t.deepEqual(cache.stats(), { hits: 1, misses: 1, evictions: 0, expirations: 1, bytes: 0, size: 0 })
})

test(t_('cache: per-entry ttl overrides the default; ttl 0 (and no default) means never'), (t) => {
  const { cache, at } = clocked({ maxSize: 10, ttl: 1000 })
  cache.set('default', 1)
  cache.set('short', 2, { ttl: 10 })
  cache.set('long', 3, { ttl: 5000 })
  cache.set('never', 4, { ttl: 0 })
  cache.set('string', 5, { ttl: '2s' })
  t.deepEqual(
    ['default', 'short', 'long', 'never', 'string'].map((k) => cache.getRemainingTTL(k)),
    [1000, 10, 5000, Number.POSITIVE_INFINITY, 2000],
  )
  at(10)
  t.is(cache.size, 4)
  at(1000)
  t.deepEqual(held(cache, ['default', 'short', 'long', 'never', 'string']), ['long', 'never', 'string'])
  at(2000)
  t.deepEqual(held(cache, ['default', 'short', 'long', 'never', 'string']), ['long', 'never'])
  at(5000)
  t.deepEqual(held(cache, ['default', 'short', 'long', 'never', 'string']), ['never'])
  at(10 * 365 * 86_400_000)
  t.is(cache.get('never'), 4)
  t.is(cache.stats().expirations, 4)

  const forever = clocked({ maxSize: 10 })
  forever.cache.set('k', 'v')
  forever.cache.set('ttl0', 'v', { ttl: 0 })
  forever.cache.set('short', 'v', { ttl: '1.5s' })
  t.is(forever.cache.getRemainingTTL('k'), Number.POSITIVE_INFINITY)
  t.is(forever.cache.getRemainingTTL('short'), 1500)
  forever.at(1500)
  t.false(forever.cache.has('short'))
  forever.at(100 * 365 * 86_400_000)
  t.is(forever.cache.get('k'), 'v')
  t.is(forever.cache.get('ttl0'), 'v')
  t.is(forever.cache.size, 2)

  const stringDefault = clocked({ maxSize: 10, ttl: '2s' })
  stringDefault.cache.set('k', 'v')
  t.is(stringDefault.cache.getRemainingTTL('k'), 2000)
  stringDefault.at(1999)
  t.true(stringDefault.cache.has('k'))
  stringDefault.at(2000)
  t.false(stringDefault.cache.has('k'))
})

test(t_('cache: setting a key again replaces its value and restarts its TTL'), (t) => {
  const { cache, at } = clocked({ maxSize: 10, ttl: 1000 })
  cache.set('k', 'first')
  at(600)
  cache.set('k', 'second')
  t.is(cache.getRemainingTTL('k'), 1000)
  at(1000) // the first set's expiry: nothing happens
  t.is(cache.get('k'), 'second')
  t.is(cache.stats().expirations, 0)
  at(1599)
  t.true(cache.has('k'))
  at(1600)
  t.false(cache.has('k'))
  t.is(cache.stats().expirations, 1)

  // A replacement takes the new entry's TTL, longer or shorter, or none.
  at(2000)
  cache.set('x', 1, { ttl: 0 })
  cache.set('x', 2) // default again
  t.is(cache.getRemainingTTL('x'), 1000)
  cache.set('y', 1, { ttl: 5000 })
  cache.set('y', 2, { ttl: 10 })
  t.is(cache.getRemainingTTL('y'), 10)
  cache.set('z', 1, { ttl: 10 })
  cache.set('z', 2, { ttl: 0 })
  at(2010)
  t.deepEqual(held(cache, ['x', 'y', 'z']), ['x', 'z'])
  at(3000)
  t.deepEqual(held(cache, ['x', 'y', 'z']), ['z'])
  t.is(cache.getRemainingTTL('z'), Number.POSITIVE_INFINITY)
  t.is(cache.stats().expirations, 3)
})

test(t_('cache: expired entries are never returned and not counted in size or bytes'), (t) => {
  const { cache, at } = clocked({ maxSize: 10, maxBytes: 1000, ttl: 100 })
  cache.set('a', 'aaaa').set('b', Buffer.alloc(4)).set('c', { c: 1 }).set('keep', 'k', { ttl: 0 })
  t.deepEqual(cache.stats(), { hits: 0, misses: 0, evictions: 0, expirations: 0, bytes: 5 + 5 + 8 + 5, size: 4 })
  at(100)
  t.is(cache.size, 1)
  t.deepEqual(cache.stats(), { hits: 0, misses: 0, evictions: 0, expirations: 3, bytes: 5, size: 1 })
  for (const k of ['a', 'b', 'c']) {
    t.is(cache.get(k), undefined)
    t.is(cache.peek(k), undefined)
    t.false(cache.has(k))
    t.false(cache.delete(k))
    t.is(cache.getRemainingTTL(k), 0)
  }
  t.deepEqual(cache.stats(), { hits: 0, misses: 3, evictions: 0, expirations: 3, bytes: 5, size: 1 })
})

test(t_('cache: every operation first removes and counts what has expired'), (t) => {
  // Each operation looks at the expired 'x' and must see it gone; set must purge before it evicts.
  const ops: Array<[string, (c: Cache) => unknown, unknown]> = [
    ['get', (c) => c.get('x'), undefined],
    ['peek', (c) => c.peek('x'), undefined],
    ['has', (c) => c.has('x'), false],
    ['delete', (c) => c.delete('x'), false],
    ['size', (c) => c.size, 1],
    ['getRemainingTTL', (c) => c.getRemainingTTL('x'), 0],
    ['set', (c) => c.set('z', 'zz', { ttl: 0 }).has('y'), true],
    ['stats', (c) => c.stats().size, 1],
  ]
  for (const [label, op, expected] of ops) {
    const { cache, at } = clocked({ maxSize: 2, maxBytes: 1000, ttl: 50 })
    cache.set('x', 'xx').set('y', 'yy', { ttl: 60 })
    at(50)
    t.is(op(cache), expected, label)
    t.like(cache.stats(), { expirations: 1, evictions: 0, bytes: label === 'set' ? 6 : 3 }, label)
  }
})

test(t_('cache: a deleted, replaced or cleared entry does not expire its successor'), (t) => {
  const { cache, at } = clocked({ maxSize: 10, ttl: 10 })
  const keys = ['deleted', 'replaced', 'cleared']
  cache.set('deleted', 1).set('replaced', 1).set('cleared', 1) // all due at 10
  cache.delete('deleted')
  cache.set('deleted', 2, { ttl: 1000 })
  cache.set('replaced', 2, { ttl: 1000 })
  at(10)
  t.deepEqual(held(cache, keys), ['deleted', 'replaced'])
  t.is(cache.stats().expirations, 1)
  cache.clear() // deleted and replaced were due at 1000
  cache.set('deleted', 3, { ttl: 0 })
  cache.set('cleared', 3, { ttl: 5000 })
  at(1000)
  t.deepEqual(
    keys.map((k) => cache.get(k)),
    [3, undefined, 3],
  )
  t.is(cache.getRemainingTTL('deleted'), Number.POSITIVE_INFINITY)
  t.is(cache.getRemainingTTL('cleared'), 4010)
  t.deepEqual(cache.stats(), { hits: 2, misses: 1, evictions: 0, expirations: 1, bytes: 8 + 8, size: 2 })
})

test(t_('cache: thousands of TTLs expire exactly, through replacements, deletes and never-expiring entries'), (t) => {
  const { cache, at } = clocked({ maxSize: 100_000, ttl: 3000 })
  const N = 5000
  /** What each key should hold: its expiry (ms after T0; Infinity = never). */
  const expiry = new Map<string, number>()
  const set = (i: number, ttl: number | undefined) => {
    cache.set(`k${i}`, i, ttl === undefined ? undefined : { ttl })
    const ms = ttl ?? 3000
    expiry.set(`k${i}`, ms === 0 ? Number.POSITIVE_INFINITY : ms)
  }
  for (let i = 0; i < N; i++) set(i, 1 + ((i * 7919) % N))
  // Replaced three times with other TTLs: stale expiries outnumber live ones.
  for (let round = 1; round <= 3; round++) {
    for (let i = 0; i < N; i++) set(i, i % 7 === round ? undefined : 1 + ((i * 104_729 + round * 31) % (2 * N)))
  }
  for (let i = 0; i < N; i += 10) {
    t.true(cache.delete(`k${i}`))
    expiry.delete(`k${i}`)
  }
  for (let i = 5; i < N; i += 10) set(i, 0)
  t.is(cache.size, expiry.size)
  const due = (now: number) => [...expiry.values()].filter((e) => e <= now).length
  for (const now of [0, 1, 2, 10, 100, 999, 1000, 1001, 2999, 3000, 3001, 4321, 7500, 9999, 10_000, 10_001, 20_000]) {
    at(now)
    t.is(cache.size, expiry.size - due(now), `size at T0+${now}`)
    t.is(cache.stats().expirations, due(now), `expirations at T0+${now}`)
  }
  // Only the never-expiring entries are left, each with its value.
  t.is(cache.size, N / 10)
  for (let i = 5; i < N; i += 10) t.is(cache.peek(`k${i}`), i)
  t.is(cache.getRemainingTTL('k5'), Number.POSITIVE_INFINITY)
})

test(t_('cache: a large value round trips: 1 MiB of bytes and of text'), (t) => {
  const cache = new Cache({ maxSize: 10 })
  const bytes = Buffer.alloc(1 << 20)
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff
  cache.set('bytes', bytes)
  const text = '€'.repeat(1 << 18)
  cache.set('text', text)
  t.true(bytes.equals(cache.get('bytes') as Buffer))
  t.is(cache.get('text'), text)
  t.is(cache.stats().bytes, 5 + (1 << 20) + 4 + 3 * (1 << 18))
})

test(t_('cache: getRemainingTTL is exact ms with the clock, Infinity for never, 0 for absent'), (t) => {
  const { cache, advance } = clocked({ maxSize: 10, ttl: 1000 })
  t.is(cache.getRemainingTTL('absent'), 0)
  cache.set('k', 'v')
  cache.set('forever', 'v', { ttl: 0 })
  cache.set('long', 'v', { ttl: '100w' })
  t.is(cache.getRemainingTTL('k'), 1000)
  advance(1)
  t.is(cache.getRemainingTTL('k'), 999)
  advance(998)
  t.is(cache.getRemainingTTL('k'), 1)
  advance(1)
  t.is(cache.getRemainingTTL('k'), 0)
  t.is(cache.getRemainingTTL('forever'), Number.POSITIVE_INFINITY)
  t.is(cache.getRemainingTTL('long'), 100 * 604_800_000 - 1000)
  cache.delete('forever')
  t.is(cache.getRemainingTTL('forever'), 0)
  // No hits or misses were counted.
  t.like(cache.stats(), { hits: 0, misses: 0, expirations: 1 })
})

test(t_('cache: getRemainingTTL is whole ms on the real clock too (the fallback reported fractions)'), (t) => {
  // No test clock: the fallback reads performance.now(), which is fractional; native reads whole
  // ms. Both report whole ms, rounded up so a live entry never reads 0 ("absent").
  const cache = new Cache({ maxSize: 10, ttl: '1h' })
  cache.set('k', 'v')
  const left = cache.getRemainingTTL('k')
  t.true(Number.isInteger(left), String(left))
  t.true(left >= 1 && left <= 3_600_000, String(left))
})

// --- getOrSet --------------------------------------------------------------------------------

/** A promise with its resolve and reject. */
function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (reason: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

test(t_('cache: getOrSet returns a hit without calling the loader, and stores a miss'), async (t) => {
  const { cache } = clocked({ maxSize: 10 })
  let calls = 0
  const loader = () => {
    calls++
    return { loaded: calls }
  }
  cache.set('hit', { cached: true })
  t.deepEqual(await cache.getOrSet('hit', loader), { cached: true })
  t.is(calls, 0)
  t.deepEqual(await cache.getOrSet('miss', loader), { loaded: 1 })
  t.is(calls, 1)
  t.deepEqual(cache.get('miss'), { loaded: 1 })
  t.deepEqual(await cache.getOrSet('miss', loader), { loaded: 1 })
  t.is(calls, 1)
  // Async loaders, and stored values that are falsy.
  t.is(await cache.getOrSet('async', async () => 'later'), 'later')
  t.is(cache.get('async'), 'later')
  t.is(await cache.getOrSet('null', () => null), null)
  t.is(await cache.getOrSet('null', () => 'not called'), null)
  t.is(await cache.getOrSet('empty', () => ''), '')
  t.is(await cache.getOrSet('empty', () => 'not called'), '')
  // Lookups: hit, miss, [get], hit, miss, [get], miss, hit, miss, hit
  // Bytes: hit 3 + 15, miss 4 + 12, async 5 + 5, null 4 + 4, empty 5 + 0.
  t.deepEqual(cache.stats(), { hits: 6, misses: 4, evictions: 0, expirations: 0, bytes: 57, size: 5 })
})

test(t_('cache: concurrent getOrSet callers of one key share one loader call'), async (t) => {
  const cache = new Cache({ maxSize: 10 })
  const gate = deferred<{ n: number }>()
  let calls = 0
  const loader = () => {
    calls++
    return gate.promise
  }
  const callers = Array.from({ length: 5 }, () => cache.getOrSet('k', loader))
  // Another key has its own loader.
  let otherCalls = 0
  const other = cache.getOrSet('other', () => {
    otherCalls++
    return 'o'
  })
  await Promise.resolve()
  t.is(calls, 1)
  t.false(cache.has('k'))
  gate.resolve({ n: 1 })
  const results = await Promise.all(callers)
  for (const r of results) t.deepEqual(r, { n: 1 })
  t.is(calls, 1)
  t.is(await other, 'o')
  t.is(otherCalls, 1)
  t.deepEqual(cache.get('k'), { n: 1 })
  // Each getOrSet counts its lookup: 6 misses; the get is a hit.
  t.like(cache.stats(), { hits: 1, misses: 6, size: 2 })
  // Once stored, callers hit and the loader is not called again.
  t.deepEqual(await Promise.all([cache.getOrSet('k', loader), cache.getOrSet('k', loader)]), [{ n: 1 }, { n: 1 }])
  t.is(calls, 1)
})

test(t_('cache: a rejecting loader reaches every waiting caller, stores nothing, and the next call runs it again'), async (t) => {
  const cache = new Cache({ maxSize: 10 })
  const gate = deferred<string>()
  let calls = 0
  const failing = () => {
    calls++
    return gate.promise
  }
  const callers = Array.from({ length: 4 }, () => cache.getOrSet('k', failing))
  const boom = new Error('loader failed')
  gate.reject(boom)
  const settled = await Promise.allSettled(callers)
  for (const s of settled) {
    t.is(s.status, 'rejected')
    t.is((s as PromiseRejectedResult).reason, boom)
  }
  t.is(calls, 1)
  t.false(cache.has('k'))
  t.is(cache.size, 0)
  t.is(
    await cache.getOrSet('k', () => {
      calls++
      return 'recovered'
    }),
    'recovered',
  )
  t.is(calls, 2)
  t.is(cache.get('k'), 'recovered')
})

test(
  t_('cache: a loader that throws synchronously reaches every caller, stores nothing, and the next call runs it again'),
  async (t) => {
    const cache = new Cache({ maxSize: 10 })
    let calls = 0
    const boom = new Error('sync failure')
    const throwing = () => {
      calls++
      throw boom
    }
    const settled = await Promise.allSettled([cache.getOrSet('k', throwing), cache.getOrSet('k', throwing)])
    for (const s of settled) t.is((s as PromiseRejectedResult).reason, boom)
    t.is(calls, 1)
    t.false(cache.has('k'))
    const next = await cache.getOrSet('k', () => 'recovered').catch((err: unknown) => err)
    t.is(next, 'recovered', 'the next call runs its loader')
    t.is(cache.get('k'), 'recovered')
    // And again, one call at a time.
    await t.throwsAsync(cache.getOrSet('k2', throwing), { is: boom })
    const second = await cache.getOrSet('k2', () => 'second').catch((err: unknown) => err)
    t.is(second, 'second', 'the next call runs its loader')
    t.is(calls, 2)
  },
)

test(t_('cache: getOrSet of a value the cache refuses rejects every caller and stores nothing'), async (t) => {
  const cache = new Cache({ maxSize: 10, maxBytes: 10 })
  const tooLarge = await Promise.allSettled([cache.getOrSet('k', async () => 'x'.repeat(10)), cache.getOrSet('k', () => 'y')])
  for (const s of tooLarge) t.is((s as PromiseRejectedResult).reason?.code, 'ERR_TOO_LARGE')
  t.false(cache.has('k'))
  await t.throwsAsync(
    cache.getOrSet('k', () => 1n),
    { code: 'ERR_NOT_SERIALIZABLE' },
  )
  t.false(cache.has('k'))
  t.is(await cache.getOrSet('k', () => 'ok'), 'ok')
})

test(t_('cache: getOrSet honours its ttl option, and an expired entry is loaded again'), async (t) => {
  const { cache, at } = clocked({ maxSize: 10, ttl: 1000 })
  let calls = 0
  const loader = () => `v${++calls}`
  t.is(await cache.getOrSet('short', loader, { ttl: 50 }), 'v1')
  t.is(cache.getRemainingTTL('short'), 50)
  t.is(await cache.getOrSet('string', loader, { ttl: '2s' }), 'v2')
  t.is(cache.getRemainingTTL('string'), 2000)
  t.is(await cache.getOrSet('never', loader, { ttl: 0 }), 'v3')
  t.is(cache.getRemainingTTL('never'), Number.POSITIVE_INFINITY)
  t.is(await cache.getOrSet('default', loader), 'v4')
  t.is(cache.getRemainingTTL('default'), 1000)
  at(49)
  t.is(await cache.getOrSet('short', loader, { ttl: 50 }), 'v1')
  at(50)
  t.is(await cache.getOrSet('short', loader, { ttl: 50 }), 'v5')
  t.is(cache.getRemainingTTL('short'), 50)
  t.is(calls, 5)
  await t.throwsAsync(cache.getOrSet('bad', loader, { ttl: -1 }), invalid)
  t.false(cache.has('bad'))
  t.is(calls, 5, 'a bad ttl is refused before the loader runs')
  // ...and before the lookup, so it counts no miss.
  t.like(cache.stats(), { hits: 1, misses: 5, expirations: 1 })
})

// --- stats and clear -------------------------------------------------------------------------

test(t_('cache: stats count hits, misses, evictions and expirations exactly; clear keeps the counters'), (t) => {
  const { cache, at } = clocked({ maxSize: 2, maxBytes: 1000, ttl: 100 })
  statsIs(t, cache, { hits: 0, misses: 0, evictions: 0, expirations: 0, bytes: 0, size: 0 }, 'empty')
  cache.set('a', 'A').set('b', 'B')
  t.is(cache.get('a'), 'A') // hit
  t.is(cache.get('x'), undefined) // miss
  cache.set('c', 'C') // evicts b
  t.true(cache.has('a'))
  t.is(cache.peek('a'), 'A')
  t.false(cache.has('b'))
  t.is(cache.peek('b'), undefined)
  statsIs(t, cache, { hits: 1, misses: 1, evictions: 1, expirations: 0, bytes: 4, size: 2 }, 'has and peek count nothing')
  at(100)
  statsIs(t, cache, { hits: 1, misses: 1, evictions: 1, expirations: 2, bytes: 0, size: 0 }, 'a and c expired')
  cache.set('d', 'D').set('e', 'E', { ttl: 10 })
  t.is(cache.get('d'), 'D')
  cache.clear()
  statsIs(t, cache, { hits: 2, misses: 1, evictions: 1, expirations: 2, bytes: 0, size: 0 }, 'after clear')
  t.is(cache.get('d'), undefined)
  t.false(cache.has('e'))
  at(200) // the cleared entries do not come back as expirations
  statsIs(t, cache, { hits: 2, misses: 2, evictions: 1, expirations: 2, bytes: 0, size: 0 }, 'after the cleared TTLs')
  // The cache is usable after clear, and evicts as before.
  cache.set('f', 'F').set('g', 'G').set('h', 'H')
  statsIs(t, cache, { hits: 2, misses: 2, evictions: 2, expirations: 2, bytes: 4, size: 2 }, 'used again')
  t.deepEqual(held(cache, ['f', 'g', 'h']), ['g', 'h'])
})

test(t_('cache: a stats object is a snapshot'), (t) => {
  const cache = new Cache({ maxSize: 10 })
  const before = cache.stats()
  cache.set('k', 'v')
  cache.get('k')
  t.deepEqual(before, { hits: 0, misses: 0, evictions: 0, expirations: 0, bytes: 0, size: 0 })
  t.deepEqual(cache.stats(), { hits: 1, misses: 0, evictions: 0, expirations: 0, bytes: 2, size: 1 })
  t.deepEqual(Object.keys(cache.stats()).sort(), ['bytes', 'evictions', 'expirations', 'hits', 'misses', 'size'])
})

test(t_('cache: delete reports whether a live entry was removed'), (t) => {
  const { cache, at } = clocked({ maxSize: 10, ttl: 10 })
  cache.set('k', 'v')
  t.true(cache.delete('k'))
  t.false(cache.delete('k'))
  t.false(cache.delete('never-set'))
  cache.set('k', 'v')
  at(10)
  t.false(cache.delete('k'))
  t.deepEqual(cache.stats(), { hits: 0, misses: 0, evictions: 0, expirations: 1, bytes: 0, size: 0 })
})

test(t_('cache: set returns the cache, for chaining'), (t) => {
  const cache = new Cache({ maxSize: 10 })
  t.is(cache.set('a', 1), cache)
  t.is(cache.set('b', 2).set('c', 3).size, 3)
})

test(t_('cache: a lookup with a lone-surrogate key still expires due entries first, as every operation does'), (t) => {
  // Such a key can never be stored, so natively the lookup returned before the expiry sweep and
  // the counters differed from the fallback's (found by the differential fuzz suite).
  const lookups: Array<[string, (cache: Cache) => unknown]> = [
    ['get', (c) => c.get('\uD800')],
    ['peek', (c) => c.peek('\uD800')],
    ['has', (c) => c.has('\uD800')],
    ['delete', (c) => c.delete('\uD800')],
    ['getRemainingTTL', (c) => c.getRemainingTTL('\uD800')],
  ]
  for (const [name, lookup] of lookups) {
    const { cache, advance } = clocked({ maxSize: 1, ttl: 1 })
    cache.set('a', 'x')
    advance(1)
    lookup(cache)
    t.is(cache.stats().expirations, 1, name)
    t.is(cache.stats().size, 0, name)
  }
})

test(t_('cache: unknown option names are refused with a hint, never ignored'), (t) => {
  const cases: Array<[object, RegExp]> = [
    [{ max: 10 }, /unknown Cache option `max`: did you mean `maxSize` \(entries\)\?/],
    [{ maxSize: 10, tll: '1m' }, /unknown Cache option `tll`: did you mean `ttl`\?/],
    [{ maxSize: 10, maxbytes: 100 }, /did you mean `maxBytes`\?/],
  ]
  for (const [options, message] of cases) {
    t.throws(() => new Cache(options as CacheOptions), { code: 'ERR_INVALID_ARGUMENT', message })
  }
})

test(t_('cache: a set over a held key, with an equal, longer or shorter value, keeps bytes, recency and TTL right'), (t) => {
  // Natively an equal-length value is written over the old one and any other resizes its
  // allocation in place; the fallback stores the new string. Both must count the same.
  const { cache, advance } = clocked({ maxSize: 2 })
  const key = 'a key longer than twenty-three bytes'
  cache.set(key, 'v1', { ttl: 100 })
  cache.set('b', 'x')
  advance(60)
  cache.set(key, 'v1', { ttl: 100 }) // the same value: still a new TTL, and now the most recent
  t.is(cache.getRemainingTTL(key), 100)
  cache.set('c', 'y') // evicts b, the least recent, not the key just set again
  t.deepEqual(held(cache, [key, 'b', 'c']), [key, 'c'])
  for (const value of ['v2', 'a much longer value than the first one', '', 'é€𝄞', 'v1']) {
    cache.set(key, value)
    t.is(cache.get(key), value)
    t.is(cache.stats().bytes, utf8Length(key) + utf8Length(value) + 2) // + 'c' and 'y'
  }
  t.is(cache.getRemainingTTL(key), Number.POSITIVE_INFINITY) // the last set had no TTL
  cache.set(key, Buffer.from([1, 2, 3]))
  t.deepEqual(cache.get(key), Buffer.from([1, 2, 3]))
  cache.set(key, { n: 1 })
  t.deepEqual(cache.get(key), { n: 1 })
  t.is(cache.stats().bytes, utf8Length(key) + '{"n":1}'.length + 2)
  t.is(cache.size, 2)
})

test(t_('cache: keys alike in their first bytes and strings of every length near the native fast paths round trip'), (t) => {
  // Native entries keep a key's first 23 bytes inline and read keys of up to 64 UTF-16 units and
  // strings of up to 255 without allocating, converting ASCII 16 units at a time: keys and
  // values around each edge, with a non-ASCII character or a lone surrogate around a block edge.
  const cache = new Cache<string>({ maxSize: 100_000 })
  const stored = new Map<string, string>()
  for (const n of [1, 15, 16, 17, 22, 23, 24, 31, 32, 33, 63, 64, 65, 66, 130, 254, 255, 256, 257, 300]) {
    for (const at of [0, n - 17, n - 16, n - 15, n - 1]) {
      if (at < 0) continue
      const plain = 'k'.repeat(n)
      for (const odd of ['x', 'é', '€', '\u{1D11E}']) {
        const key = plain.slice(0, at) + odd + plain.slice(at + 1)
        const value = `${key}=${n}:${at}`
        cache.set(key, value)
        stored.set(key, value)
      }
      const bad = `${plain.slice(0, at)}\uD800${plain.slice(at + 1)}`
      t.throws(() => cache.set(bad, 'v'), invalid)
      t.throws(() => cache.set('ok', bad), invalid)
      t.is(cache.get(bad), undefined)
    }
  }
  t.is(cache.size, stored.size)
  for (const [key, value] of stored) t.is(cache.get(key), value)
  t.false(cache.has('ok'))
})

test('cache: a lone surrogate in a set is refused with one code and message on both backends', (t) => {
  const seen = both.map((be) =>
    on(be, () => {
      const cache = new Cache({ maxSize: 10 })
      const refusals = [
        () => cache.set('k\uD800', 'v'),
        () => cache.set('k', 'v\uDFFF'),
        () => cache.set('\uDFFF', Buffer.from('v')),
      ]
      return refusals.map((set) => {
        const err = t.throws(set, invalid)
        return `${err?.code}: ${err?.message}`
      })
    }),
  )
  t.deepEqual(seen[0], [
    'ERR_INVALID_ARGUMENT: cache keys must not hold lone surrogates',
    'ERR_INVALID_ARGUMENT: cache strings must not hold lone surrogates',
    'ERR_INVALID_ARGUMENT: cache keys must not hold lone surrogates',
  ])
  for (const other of seen) t.deepEqual(other, seen[0])
})
