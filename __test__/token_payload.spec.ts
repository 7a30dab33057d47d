import test from 'ava'
import { encodeClaims, encodeClaimsReference, type Registered } from '../src/token/payload'
import { t_ } from './helpers/backends'

const registeredSets: Registered[] = [
  { iat: 1700000000, exp: 1700003600 },
  { iat: 1700000000, exp: 1700003600, nbf: 1700000060, aud: ['a', 'b'], iss: 'auth', sub: 'u"1', pur: 'api' },
  { iat: 0, exp: 1, aud: 'x' },
]

const payloads: object[] = [
  {},
  { uid: 42, role: 'admin' },
  { nested: { deep: [1, { x: null }] }, 'quote"key': 'line\nbreak', emoji: '🍪', control: '\u0001' },
  JSON.parse('{"__proto__":{"isAdmin":true},"constructor":{"prototype":1}}'),
  Object.assign(Object.create(null), { a: 1 }),
  { skipped: undefined, kept: 'yes' },
  { n: 1e21, f: 0.1, neg: -0, big: Number.MAX_SAFE_INTEGER },
]

test(t_('token payload: the fast encoding equals the spread-and-stringify reference'), (t) => {
  for (const payload of payloads) {
    for (const registered of registeredSets) {
      const fast = encodeClaims(payload, registered)
      t.is(fast, encodeClaimsReference(payload, registered))
      t.notThrows(() => JSON.parse(fast))
    }
  }
})

test(t_('token payload: options win over registered claims in the payload, pur only from options'), (t) => {
  const payload = { exp: 1, iat: 2, aud: 'evil', pur: 'sneaky', uid: 7 }
  t.deepEqual(JSON.parse(encodeClaims(payload, { iat: 10, exp: 20 })), { exp: 20, iat: 10, aud: 'evil', uid: 7 })
  t.deepEqual(JSON.parse(encodeClaims({ pur: 'sneaky' }, { iat: 10, exp: 20 })), { iat: 10, exp: 20 })
  t.deepEqual(JSON.parse(encodeClaims({ pur: 'sneaky' }, { iat: 10, exp: 20, pur: 'real' })), { iat: 10, exp: 20, pur: 'real' })
})

test(t_('token payload: a toJSON method takes the reference path'), (t) => {
  const payload = { a: 1, toJSON: () => 'not an object' }
  t.is(encodeClaims(payload, { iat: 1, exp: 2 }), encodeClaimsReference(payload, { iat: 1, exp: 2 }))
})

test(t_('token payload: unserialisable payloads are ERR_NOT_SERIALIZABLE'), (t) => {
  const cyclic: Record<string, unknown> = {}
  cyclic.self = cyclic
  // What JSON would silently change, at any depth, is refused as seal refuses it (json_strict.ts).
  const changed = [{ fn: () => 1 }, { m: new Map([[1, 2]]) }, { n: Number.NaN }, { deep: [{ s: new Set([1]) }] }]
  for (const payload of [{ big: 1n }, cyclic, ...changed]) {
    t.throws(() => encodeClaims(payload, { iat: 1, exp: 2 }), { code: 'ERR_NOT_SERIALIZABLE' })
  }
})
