/** Sealed values (AES-256-GCM): round trips, sizes, cross-backend agreement, claims, rotation, docs/SECURITY.md item 12. */
import { createHash } from 'node:crypto'
import test from 'ava'
import { type KeycardError, Keyring, type SecretInput, seal, sealedLength, unseal, unsealOrThrow } from '../src/index'
import { sealWithNonce } from '../src/seal'
import { both, fallback, native, on, SECRET, SECRET_2, SECRET_BYTES, t_, testNative } from './helpers/backends'

const NOW = 1_700_000_000_000
const NONCE = Buffer.from('000102030405060708090a0b', 'hex')
const LIMIT = 65_536

/** The error code a call throws, or 'OK'. */
function codeOf(fn: () => unknown): string {
  try {
    fn()
    return 'OK'
  } catch (err) {
    return (err as KeycardError).code ?? String(err)
  }
}

const STRINGS = [
  ...['', 'a', 'hello world', 'héllo wörld', '日本語のテキスト', '🍪🔐 emoji 👩‍👩‍👧'],
  ...['a\u0000b\nc\td', '"quoted" {not json}', 'x'.repeat(5000)],
]
const BYTES = [new Uint8Array(0), Uint8Array.of(0), Uint8Array.of(0xff, 0, 0x80), Uint8Array.from({ length: 256 }, (_, i) => i)]
const JSONS: unknown[] = [
  {},
  { uid: 42, cart: [] },
  { s: 'é🍪', n: -1.5, big: 1e300, t: true, f: false, z: null },
  [],
  [1, 'two', null, true, { three: [3] }],
  ...[0, -7, 0.1 + 0.2, null, true, false],
  { a: { b: { c: { d: [[], [{}], [[1, [2, [3]]]]] } } } },
  { s: 'lone \ud800 surrogate inside JSON is escaped' },
]

test(t_('seal: strings round trip as strings'), (t) => {
  for (const s of STRINGS) {
    const sealed = seal(s, SECRET)
    t.regex(sealed, /^[A-Za-z0-9_-]+$/)
    t.is(unseal(sealed, SECRET), s)
    t.is(unsealOrThrow(sealed, SECRET), s)
  }
  // A string that looks like JSON stays a string.
  t.is(unseal(seal('{"a":1}', SECRET), SECRET), '{"a":1}')
  t.is(unseal(seal('null', SECRET), SECRET), 'null')
})

test(t_('seal: bytes round trip as a Buffer, including empty bytes and views with an offset'), (t) => {
  for (const b of BYTES) {
    const out = unsealOrThrow<Uint8Array>(seal(b, SECRET), SECRET)
    t.true(Buffer.isBuffer(out))
    t.deepEqual(Buffer.from(out), Buffer.from(b))
  }
  // Only the view is sealed, not the whole underlying buffer.
  const backing = Buffer.from('0123456789abcdef')
  const view = new Uint8Array(backing.buffer, backing.byteOffset + 3, 5)
  t.is(Buffer.from(unsealOrThrow<Uint8Array>(seal(view, SECRET), SECRET)).toString(), '34567')
  t.is(Buffer.from(unsealOrThrow<Uint8Array>(seal(Buffer.from('buf'), SECRET), SECRET)).toString(), 'buf')
})

test(t_('seal: JSON values round trip as fresh parsed copies'), (t) => {
  for (const v of JSONS) {
    const out = unsealOrThrow(seal(v, SECRET), SECRET)
    t.deepEqual(out, v)
    if (typeof v === 'object' && v !== null) t.not(out, v)
  }
  // null data: unseal cannot tell it from a failure, unsealOrThrow can.
  t.is(unsealOrThrow(seal(null, SECRET), SECRET), null)
  // What JSON documents and reads back as the same data: undefined properties vanish, a Date is
  // its toJSON string, -0 is 0, an undefined item is null (values JSON would change are refused below).
  t.deepEqual(unsealOrThrow(seal({ a: undefined, b: 1, d: new Date(0) }, SECRET), SECRET), {
    b: 1,
    d: '1970-01-01T00:00:00.000Z',
  })
  t.deepEqual(unsealOrThrow(seal([-0, undefined], SECRET), SECRET), [0, null])
  t.deepEqual(Object.keys(unsealOrThrow<object>(seal({ z: 1, a: 2, m: 3 }, SECRET), SECRET)), ['z', 'a', 'm'])
})

test(t_('seal: sizes from 0 bytes to the 65536-byte limit round trip, and sealedLength is exact'), (t) => {
  for (const n of [0, 1, 2, 3, 4, 255, 4096, 65535, LIMIT]) {
    const text = 'a'.repeat(n)
    const bytes = Buffer.alloc(n, 0xa5)
    const sealedText = seal(text, SECRET)
    const sealedBytes = seal(bytes, SECRET)
    t.is(sealedText.length, sealedLength(n), `text ${n}`)
    t.is(sealedBytes.length, sealedLength(n), `bytes ${n}`)
    t.is(sealedLength(n), Math.ceil(((49 + n) * 4) / 3))
    t.is(unseal(sealedText, SECRET), text)
    t.deepEqual(Buffer.from(unsealOrThrow<Uint8Array>(sealedBytes, SECRET)), bytes)
  }
  // JSON counts its encoded size: 65534 characters plus two quotes.
  const json = { toJSON: () => 'j'.repeat(LIMIT - 2) }
  t.is(seal(json, SECRET).length, sealedLength(LIMIT))
  // 49 + 200 = 249 bytes -> 332 base64url characters (the @example in src/seal.ts says 331).
  t.is(sealedLength(200), 332)
  t.is(seal(Buffer.alloc(200), SECRET).length, 332)
})

test(t_('seal: one byte over the limit is ERR_TOO_LARGE, before the nonce is even looked at'), (t) => {
  const over = [
    'a'.repeat(LIMIT + 1),
    Buffer.alloc(LIMIT + 1),
    'é'.repeat(LIMIT / 2 + 1), // 32769 characters, 65538 UTF-8 bytes
    { toJSON: () => 'j'.repeat(LIMIT - 1) }, // 65537 bytes of JSON
    'x'.repeat(10_000_000),
  ]
  for (const data of over) {
    t.throws(() => seal(data, SECRET), { code: 'ERR_TOO_LARGE' })
    // A bad (5-byte) nonce would be ERR_BAD_FORMAT: the size check comes first.
    t.is(
      codeOf(() => sealWithNonce(data, SECRET, {}, Buffer.alloc(5))),
      'ERR_TOO_LARGE',
    )
  }
  t.is(
    codeOf(() => sealWithNonce('ok', SECRET, {}, Buffer.alloc(5))),
    'ERR_BAD_FORMAT',
  )
  t.is(unseal(seal('é'.repeat(LIMIT / 2), SECRET), SECRET), 'é'.repeat(LIMIT / 2))
  // maxSize moves the limit both ways.
  t.is(unseal(seal('0123456789', SECRET, { maxSize: 10 }), SECRET), '0123456789')
  t.throws(() => seal('0123456789a', SECRET, { maxSize: 10 }), { code: 'ERR_TOO_LARGE' })
  t.throws(() => seal(Uint8Array.of(1), SECRET, { maxSize: 0 }), { code: 'ERR_TOO_LARGE' })
  // unseal bounds the text at sealedLength(maxSize, 64) (docs/FORMATS.md): with an 8-character key id
  // that admits up to 56 more data bytes; one byte past that bound is ERR_TOO_LARGE.
  const slack = seal(Buffer.alloc(LIMIT + 56), SECRET, { maxSize: Number.POSITIVE_INFINITY })
  t.is(slack.length, sealedLength(LIMIT, 64))
  t.is(unsealOrThrow<Uint8Array>(slack, SECRET).byteLength, LIMIT + 56)
  const big = seal(Buffer.alloc(LIMIT + 57), SECRET, { maxSize: Number.POSITIVE_INFINITY })
  t.is(unseal(big, SECRET), null)
  t.throws(() => unsealOrThrow(big, SECRET), { code: 'ERR_TOO_LARGE' })
  t.is(unsealOrThrow<Uint8Array>(big, SECRET, { maxSize: LIMIT + 1 }).byteLength, LIMIT + 57)
})

test(t_('seal: sealedLength follows the key id length and refuses bad arguments'), (t) => {
  for (const id of ['k', 'abc', 'k'.repeat(64)]) {
    const ring = new Keyring([{ id, secret: SECRET }])
    for (const n of [0, 1, 2, 100]) t.is(seal('z'.repeat(n), ring).length, sealedLength(n, id.length), `${id.length} ${n}`)
  }
  t.is(seal('x', SECRET).length, sealedLength(1, (new Keyring(SECRET).ids[0] as string).length))
  for (const [n, kid] of [
    [-1, 8],
    [1.5, 8],
    [Number.NaN, 8],
    ['1', 8],
    [1, 0],
    [1, 65],
    [1, 2.5],
  ]) {
    t.throws(() => sealedLength(n as number, kid as number), { code: 'ERR_INVALID_ARGUMENT' }, `${n} ${kid}`)
  }
})

// --- Cross-backend ------------------------------------------------------------------------------------

testNative(t_('seal: native seals, fallback unseals, and back, for every data type'), (t) => {
  const samples: unknown[] = [...STRINGS, ...BYTES, ...JSONS]
  for (const [from, to] of [
    [native, fallback],
    [fallback, native],
  ] as const) {
    for (const data of samples) {
      const options = { purpose: 'session', now: NOW, ttl: '1h' }
      const sealed = on(from, () => seal(data, SECRET, options))
      const out = on(to, () => unsealOrThrow(sealed, SECRET, { purpose: 'session', now: NOW + 1000 }))
      t.deepEqual(data instanceof Uint8Array ? Buffer.from(data) : data, out, `${from.name} -> ${to.name}`)
      t.is(
        on(to, () => codeOf(() => unsealOrThrow(sealed, SECRET, { purpose: 'other', now: NOW }))),
        'ERR_WRONG_PURPOSE',
      )
    }
  }
})

testNative(t_('seal: both backends write byte-identical values with an injected nonce, in the documented layout'), (t) => {
  const cases: Array<[unknown, SecretInput, object]> = [
    ['héllo', SECRET, { ttl: 0 }],
    [{ uid: 42 }, SECRET, { purpose: 'session', ttl: '1h' }],
    [Uint8Array.of(0, 1, 2, 0xff), SECRET_BYTES, { purpose: 'p', ttl: '1h', notBefore: '1m' }],
    ['', [{ id: 'k', secret: SECRET }], { purpose: '' }],
    [[1, 2, 3], [{ id: 'z'.repeat(64), secret: SECRET_2 }], { purpose: 'ünï' }],
  ]
  for (const [data, secret, opts] of cases) {
    const options = { now: NOW + 500, ...opts } as { purpose?: string; now: number }
    const a = on(native, () => sealWithNonce(data, secret, options, NONCE))
    const b = on(fallback, () => sealWithNonce(data, secret, options, NONCE))
    t.is(a, b)
    const bytes = Buffer.from(a, 'base64url')
    const kid = on(native, () => (secret instanceof Keyring ? secret : new Keyring(secret as never)).ids[0] as string)
    const L = kid.length
    t.is(bytes[0], 1)
    t.is(bytes[1], L)
    t.is(bytes.subarray(2, 2 + L).toString('latin1'), kid)
    const hint = createHash('sha256')
      .update(`keycard/v1/seal/${options.purpose ?? ''}`)
      .digest()
      .subarray(0, 2)
    t.deepEqual(bytes.subarray(2 + L, 4 + L), hint)
    t.deepEqual(bytes.subarray(4 + L, 16 + L), NONCE)
    const later = { purpose: options.purpose, now: NOW + 120_000 }
    for (const be of both)
      t.deepEqual(
        on(be, () => unsealOrThrow(a, secret, later)),
        data instanceof Uint8Array ? Buffer.from(data) : data,
      )
  }
  // A different nonce changes the value.
  t.not(
    on(native, () => sealWithNonce('x', SECRET, { now: NOW }, NONCE)),
    on(native, () => sealWithNonce('x', SECRET, { now: NOW }, Buffer.alloc(12))),
  )
})

// --- Claims: purpose, time, keys ---------------------------------------------------------------------

test(t_('seal: a value sealed for one purpose is refused for another (docs/SECURITY.md item 10)'), (t) => {
  const forA = seal({ admin: false }, SECRET, { purpose: 'a' })
  t.deepEqual(unseal(forA, SECRET, { purpose: 'a' }), { admin: false })
  for (const purpose of ['b', '', 'A', 'a ', undefined]) {
    t.is(unseal(forA, SECRET, { purpose }), null, String(purpose))
    t.throws(() => unsealOrThrow(forA, SECRET, { purpose }), { code: 'ERR_WRONG_PURPOSE' })
  }
  t.throws(() => unsealOrThrow(seal('x', SECRET), SECRET, { purpose: 'a' }), { code: 'ERR_WRONG_PURPOSE' })
})

test(t_('seal: ttl expires at the second boundary; 0 never expires; the default is 14 days'), (t) => {
  const sealed = seal('v', SECRET, { now: NOW, ttl: '1h' }) // exp = 1700003600
  t.is(unseal(sealed, SECRET, { now: NOW }), 'v')
  t.is(unseal(sealed, SECRET, { now: NOW + 3_599_999 }), 'v')
  t.is(unseal(sealed, SECRET, { now: NOW + 3_600_000 }), null)
  t.throws(() => unsealOrThrow(sealed, SECRET, { now: NOW + 3_600_000 }), { code: 'ERR_EXPIRED' })
  t.throws(() => unsealOrThrow(sealed, SECRET, { now: new Date(NOW + 86_400_000) }), { code: 'ERR_EXPIRED' })
  // exp = ceil((now + ttl) / 1000): 1700000001.5 -> 1700000002.
  const half = seal('v', SECRET, { now: NOW + 500, ttl: 1000 })
  t.is(unseal(half, SECRET, { now: NOW + 1999 }), 'v')
  t.throws(() => unsealOrThrow(half, SECRET, { now: NOW + 2000 }), { code: 'ERR_EXPIRED' })
  const forever = seal('v', SECRET, { now: NOW, ttl: 0 })
  t.is(unseal(forever, SECRET, { now: 4_000_000_000_000 }), 'v')
  const byDefault = seal('v', SECRET, { now: NOW })
  t.is(unseal(byDefault, SECRET, { now: NOW + 14 * 86_400_000 - 1 }), 'v')
  t.throws(() => unsealOrThrow(byDefault, SECRET, { now: NOW + 14 * 86_400_000 }), { code: 'ERR_EXPIRED' })
  // The purpose hint is checked before the tag and the time: a wrong purpose says so even when expired.
  t.throws(() => unsealOrThrow(sealed, SECRET, { purpose: 'x', now: NOW + 9e9 }), { code: 'ERR_WRONG_PURPOSE' })
})

test(t_('seal: notBefore delays the value to the second'), (t) => {
  const sealed = seal('v', SECRET, { now: NOW, notBefore: '1m', ttl: '1h' }) // nbf = 1700000060
  t.is(unseal(sealed, SECRET, { now: NOW }), null)
  t.throws(() => unsealOrThrow(sealed, SECRET, { now: NOW }), { code: 'ERR_NOT_YET_VALID' })
  t.throws(() => unsealOrThrow(sealed, SECRET, { now: NOW + 59_999 }), { code: 'ERR_NOT_YET_VALID' })
  t.is(unseal(sealed, SECRET, { now: NOW + 60_000 }), 'v')
  t.throws(() => unsealOrThrow(sealed, SECRET, { now: NOW + 3_600_000 }), { code: 'ERR_EXPIRED' })
})

test(t_('seal: notBefore rounds down to its second, so notBefore 0 unseals at once, on both backends'), (t) => {
  // nbf = floor((now + notBefore) / 1000): the value is valid from the start of the second it
  // names. It used to round up, so notBefore: 0 off a second boundary was not valid until the next.
  const now = NOW + 500
  for (const be of both) {
    on(be, () => {
      t.is(unsealOrThrow(seal('v', SECRET, { now, notBefore: 0 }), SECRET, { now }), 'v', be.name)
      // now + 1000 ms = NOW + 1500 is in second NOW/1000 + 1: valid from NOW + 1000, not before.
      const sealed = seal('v', SECRET, { now, notBefore: 1000 })
      t.throws(() => unsealOrThrow(sealed, SECRET, { now: NOW + 999 }), { code: 'ERR_NOT_YET_VALID' }, be.name)
      t.is(unsealOrThrow(sealed, SECRET, { now: NOW + 1000 }), 'v', be.name)
    })
  }
})

test(t_('seal: rotation opens old values and seals with the first key id'), (t) => {
  const old = seal({ uid: 1 }, SECRET_2)
  const ring = new Keyring([SECRET, SECRET_2])
  t.deepEqual(unseal(old, ring), { uid: 1 })
  const fresh = Buffer.from(seal({ uid: 2 }, ring), 'base64url')
  const kid = ring.ids[0] as string
  t.is(kid, new Keyring(SECRET).ids[0] as string)
  t.not(kid, ring.ids[1])
  t.is(fresh[1], kid.length)
  t.is(fresh.subarray(2, 2 + kid.length).toString('latin1'), kid)
  t.deepEqual(unseal(fresh.toString('base64url'), SECRET), { uid: 2 })
  // Rotated out: the old key is no longer held.
  t.is(unseal(old, new Keyring([SECRET])), null)
  t.throws(() => unsealOrThrow(old, new Keyring([SECRET])), { code: 'ERR_UNKNOWN_KEY' })
  t.throws(() => unsealOrThrow(old, SECRET), { code: 'ERR_UNKNOWN_KEY' })
})

test(t_('seal: the same explicit key id with another secret is ERR_DECRYPT'), (t) => {
  const sealed = seal('v', new Keyring([{ id: 'k', secret: SECRET }]))
  t.is(unseal(sealed, new Keyring([{ id: 'k', secret: SECRET }])), 'v')
  t.is(unseal(sealed, new Keyring([{ id: 'k', secret: SECRET_2 }])), null)
  t.throws(() => unsealOrThrow(sealed, new Keyring([{ id: 'k', secret: SECRET_2 }])), { code: 'ERR_DECRYPT' })
  t.throws(() => unsealOrThrow(sealed, [{ id: 'K', secret: SECRET }]), { code: 'ERR_UNKNOWN_KEY' })
})

// --- docs/SECURITY.md item 12: prototypes -------------------------------------------------------------------------

test(t_('seal: __proto__ and constructor.prototype in sealed JSON never change a prototype (docs/SECURITY.md item 12)'), (t) => {
  const texts = [
    '{"__proto__":{"isAdmin":true}}',
    '{"a":{"b":{"c":{"__proto__":{"isAdmin":true}}}}}',
    '[{"__proto__":{"isAdmin":true}},[{"x":{"__proto__":{"isAdmin":true}}}]]',
    '{"constructor":{"prototype":{"isAdmin":true}}}',
    '{"__proto__":{"__proto__":{"isAdmin":true}},"constructor":{"prototype":{"isAdmin":true}}}',
  ]
  const nested = (v: unknown): object[] => {
    if (typeof v !== 'object' || v === null) return []
    return [v, ...Object.values(v).flatMap(nested)] // own enumerable keys, '__proto__' included
  }
  for (const text of texts) {
    const data = JSON.parse(text)
    for (const sealer of both) {
      const sealed = on(sealer, () => seal(data, SECRET, { purpose: 'session' }))
      const result = unsealOrThrow<Record<string, unknown>>(sealed, SECRET, { purpose: 'session' })
      t.is(JSON.stringify(result), text)
      t.is(({} as Record<string, unknown>).isAdmin, undefined)
      t.is((Object.prototype as unknown as Record<string, unknown>).isAdmin, undefined)
      t.is(result.isAdmin, undefined)
      for (const obj of nested(result)) {
        const proto = Object.getPrototypeOf(obj)
        t.true(proto === Object.prototype || proto === Array.prototype, text)
        // Only the objects that hold isAdmin as their own key may have it; nothing inherits it.
        if (!Object.hasOwn(obj, 'isAdmin')) t.is((obj as Record<string, unknown>).isAdmin, undefined)
      }
      if (text.startsWith('{"__proto__"')) t.true(Object.hasOwn(result, '__proto__'))
    }
  }
  t.is(Object.getPrototypeOf(unsealOrThrow(seal(JSON.parse(texts[0] as string), SECRET), SECRET)), Object.prototype)
})

// --- Refusals at seal time --------------------------------------------------------------------------

test(t_('seal: data without a JSON form is ERR_NOT_SERIALIZABLE; a lone surrogate string is ERR_BAD_FORMAT'), (t) => {
  const cyclic: Record<string, unknown> = { a: 1 }
  cyclic.self = cyclic
  const inner: Record<string, unknown> = {}
  const deepCycle = [[inner]]
  inner.back = deepCycle
  const unserialisable: unknown[] = [
    10n,
    { n: 1n },
    cyclic,
    deepCycle,
    () => 1,
    Symbol('s'),
    undefined,
    { toJSON: () => undefined },
  ]
  for (const data of unserialisable)
    t.is(
      codeOf(() => seal(data, SECRET)),
      'ERR_NOT_SERIALIZABLE',
      String(typeof data),
    )
  t.is(
    codeOf(() =>
      seal(
        {
          toJSON: () => {
            throw new Error('boom')
          },
        },
        SECRET,
      ),
    ),
    'ERR_NOT_SERIALIZABLE',
  )
  for (const s of ['\ud800', 'a\udc00b', 'ok\ud83d', '\udfff\ud800'])
    t.is(
      codeOf(() => seal(s, SECRET)),
      'ERR_BAD_FORMAT',
    )
  t.is(unseal(seal('\ud83d\udc4d', SECRET), SECRET), '👍')
})

test(t_('seal: values JSON would silently change are ERR_NOT_SERIALIZABLE, on both backends'), (t) => {
  // JSON.stringify writes a Map or Set as {}, NaN and ±Infinity as null, and drops a nested
  // function: the value would unseal as something else than was sealed. signToken's plain-object
  // test (Object.prototype.toString) is applied at every depth, after toJSON.
  const changed: unknown[] = [
    new Map([['a', 1]]),
    new Set([1]),
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    { m: new Map([['a', 1]]) },
    { s: new Set() },
    { n: Number.NaN },
    [1, Number.POSITIVE_INFINITY],
    { deep: { list: [{ ids: new Set([1, 2]) }] } },
    { f: () => 1 },
    [Symbol('s')],
    { bytes: new Uint8Array(2) },
    { re: /x/ },
    { err: new Error('e') },
    { boxed: new Number(1) },
    { weak: new WeakMap() },
    { toJSON: () => new Map() },
    { toJSON: () => ({ n: Number.NaN }) },
  ]
  for (const be of both) {
    on(be, () => {
      for (const [i, data] of changed.entries()) {
        t.is(
          codeOf(() => seal(data, SECRET)),
          'ERR_NOT_SERIALIZABLE',
          `${be.name} changed[${i}]`,
        )
      }
    })
  }
  // The message names the value.
  t.throws(() => seal({ cart: new Map() }, SECRET), { code: 'ERR_NOT_SERIALIZABLE', message: /"cart" is a Map/ })
  // Accepted: JSON's own types, objects without a prototype, class instances (their own data),
  // and toJSON forms (a Date as its ISO string, a Buffer as { type, data }).
  class Point {
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
  }
  const bare = Object.assign(Object.create(null), { a: 1 })
  for (const be of both) {
    on(be, () => {
      t.deepEqual(unsealOrThrow(seal({ bare, p: new Point(1, 2) }, SECRET), SECRET), { bare: { a: 1 }, p: { x: 1, y: 2 } })
      t.deepEqual(unsealOrThrow(seal({ at: new Date(0), b: Buffer.of(7) }, SECRET), SECRET), {
        at: '1970-01-01T00:00:00.000Z',
        b: { type: 'Buffer', data: [7] },
      })
      t.is(unsealOrThrow(seal(new Date(0), SECRET), SECRET), '1970-01-01T00:00:00.000Z')
    })
  }
})

test(t_('seal: a detached or out-of-bounds Uint8Array is ERR_INVALID_ARGUMENT on both backends, not empty data'), (t) => {
  for (const be of both) {
    on(be, () => {
      const detached = Uint8Array.of(1, 2, 3)
      structuredClone(detached, { transfer: [detached.buffer] })
      t.is(detached.byteLength, 0)
      t.throws(() => seal(detached, SECRET), { code: 'ERR_INVALID_ARGUMENT' }, be.name)
      // A fixed-length view past the end of a shrunk resizable buffer reads as 0 bytes too.
      const resizable = new (ArrayBuffer as new (n: number, o: object) => ArrayBuffer & { resize(n: number): void })(8, {
        maxByteLength: 16,
      })
      const outOfBounds = new Uint8Array(resizable, 4, 4)
      resizable.resize(2)
      t.throws(() => seal(outOfBounds, SECRET), { code: 'ERR_INVALID_ARGUMENT' }, be.name)
      // Genuinely empty bytes still seal.
      t.is(Buffer.from(unsealOrThrow<Uint8Array>(seal(new Uint8Array(0), SECRET), SECRET)).length, 0)
    })
  }
})

test(t_('seal: unseal refuses an over-long value as ERR_TOO_LARGE before reading it (even with a lone surrogate)'), (t) => {
  // The length bound comes before any O(n) work: a malformed character far inside does not matter.
  const long = `${'a'.repeat(2_000_000)}\ud800`
  for (const be of both) {
    on(be, () => {
      t.throws(() => unsealOrThrow(long, SECRET), { code: 'ERR_TOO_LARGE' }, be.name)
      t.throws(() => unsealOrThrow('\ud800'.repeat(200), SECRET, { maxSize: 10 }), { code: 'ERR_TOO_LARGE' }, be.name)
    })
  }
})

test(t_('seal: short secrets and bad options are refused on seal and unseal'), (t) => {
  const good = seal('v', SECRET)
  for (const secret of ['', 'short', 'x'.repeat(31), Buffer.alloc(31)]) {
    t.is(
      codeOf(() => seal('v', secret)),
      'ERR_KEY_TOO_SHORT',
    )
    t.is(
      codeOf(() => unseal(good, secret)),
      'ERR_KEY_TOO_SHORT',
    )
  }
  const badSeal: object[] = [
    { ttl: -1 },
    { ttl: 'soon' },
    { ttl: Number.NaN },
    { notBefore: -1 },
    { maxSize: 'x' },
    { maxSize: -1 },
    { maxSize: Number.NaN },
    { purpose: 42 },
    { now: -1 },
    { now: 'today' },
    { now: NOW, ttl: 200 * 365 * 86_400_000 }, // past 2106
  ]
  for (const options of badSeal)
    t.is(
      codeOf(() => seal('v', SECRET, options)),
      'ERR_INVALID_ARGUMENT',
      JSON.stringify(options),
    )
  for (const options of [{ maxSize: 'x' }, { maxSize: -1 }, { purpose: 42 }, { now: Number.NaN }] as object[]) {
    t.is(
      codeOf(() => unseal(good, SECRET, options)),
      'ERR_INVALID_ARGUMENT',
      JSON.stringify(options),
    )
  }
})
