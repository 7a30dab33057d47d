/**
 * The async twins: on Node (src/async.ts, the sync path as a promise) and on Web Crypto
 * (src/web, what workerd and the Edge runtime run) against the synchronous primitives of the
 * backend under test: byte-identical output for the same input and nonce, the same accept/refuse
 * decision and the same KeycardError code, hostile inputs included (a subset of seal_hostile and
 * token_hostile). The Web Crypto code runs here on Node's own `crypto.subtle`.
 */
import test, { type ExecutionContext } from 'ava'
import fc from 'fast-check'
import * as sync from '../src/index'
import { sealWithNonce } from '../src/seal'
import * as web from '../src/web/index'
import { sealWithNonceWeb } from '../src/web/seal'
import { SECRET, SECRET_2, SECRET_BYTES, t_ } from './helpers/backends'
import { b64u, CLAIMS, forge, HS256, kidOf, NOW } from './helpers/jws'

type Outcome = { value: unknown } | { code: string }

/** The value (bytes as a plain array, so a Buffer and a Uint8Array compare equal) or the error code. */
function settle(value: unknown): Outcome {
  return { value: value instanceof Uint8Array ? Array.from(value) : value }
}
function codeOf(err: unknown): Outcome {
  return { code: (err as { code?: string }).code ?? `not a KeycardError: ${String(err)}` }
}
function syncOutcome(fn: () => unknown): Outcome {
  try {
    return settle(fn())
  } catch (err) {
    return codeOf(err)
  }
}
async function asyncOutcome(fn: () => Promise<unknown>): Promise<Outcome> {
  try {
    return settle(await fn())
  } catch (err) {
    return codeOf(err)
  }
}

/** The sync call, its Node async twin and its Web Crypto twin all end the same way. */
async function same(t: ExecutionContext, label: string, s: () => unknown, a: () => Promise<unknown>, w: () => Promise<unknown>) {
  const expected = syncOutcome(s)
  t.deepEqual(await asyncOutcome(a), expected, `node async: ${label}`)
  t.deepEqual(await asyncOutcome(w), expected, `web crypto: ${label}`)
  return expected
}

const NONCE = Uint8Array.from({ length: 12 }, (_, i) => i * 7)
const KEYRING_INPUTS: [string, sync.SecretInput][] = [
  ['string', SECRET],
  ['bytes', SECRET_BYTES],
  ['rotation', [SECRET_2, SECRET]],
  [
    'ids',
    [
      { id: 'k2', secret: SECRET_2 },
      { id: 'k1', secret: SECRET },
    ],
  ],
]
const BAD_SECRETS: [string, unknown][] = [
  ['short', 'too-short'],
  ['weak', 'x'.repeat(32)],
  ['number', 42],
  ['empty array', []],
  [
    'duplicate ids',
    [
      { id: 'a', secret: SECRET },
      { id: 'a', secret: SECRET_2 },
    ],
  ],
  ['bad id', [{ id: 'no spaces', secret: SECRET }]],
  [
    'detached',
    (() => {
      const bytes = new Uint8Array(0)
      structuredClone(bytes, { transfer: [bytes.buffer] })
      return bytes
    })(),
  ],
]

test(t_('async twins: sign is byte-identical, and so is every refusal of an argument'), async (t) => {
  for (const [name, secret] of KEYRING_INPUTS) {
    for (const options of [undefined, { purpose: 'uid' }, { format: 'cookie-signature' as const }, { purpose: 'é/ü' }]) {
      for (const value of ['', 'user-42', 'a.b.c', 'héllo 🌍', 'x'.repeat(5000)]) {
        const out = await same(
          t,
          `${name} ${JSON.stringify(options)} ${value.slice(0, 10)}`,
          () => sync.sign(value, secret, options),
          () => sync.signAsync(value, secret, options),
          () => web.signAsync(value, secret, options),
        )
        t.true('value' in out)
      }
    }
  }
  const refusals: [string, unknown, unknown, object | undefined][] = [
    ...BAD_SECRETS.map(([n, s]): [string, unknown, unknown, object | undefined] => [n, 'v', s, undefined]),
    ['lone surrogate', '\uD800', SECRET, undefined],
    ['non-string value', 42, SECRET, undefined],
    ['purpose with cookie-signature', 'v', SECRET, { format: 'cookie-signature', purpose: 'p' }],
    ['unknown format', 'v', SECRET, { format: 'jwt' }],
    ['purpose not a string', 'v', SECRET, { purpose: 7 }],
    ['purpose too long', 'v', SECRET, { purpose: 'é'.repeat(300) }],
  ]
  for (const [label, value, secret, options] of refusals) {
    const out = await same(
      t,
      label,
      () => sync.sign(value as string, secret as string, options),
      () => sync.signAsync(value as string, secret as string, options),
      () => web.signAsync(value as string, secret as string, options),
    )
    t.true('code' in out, label)
  }
})

test(t_('async twins: unsign accepts and refuses as unsign does, with the same codes'), async (t) => {
  const good = sync.sign('user-42', SECRET, { purpose: 'uid' })
  const tag = good.slice(good.lastIndexOf('.') + 1)
  const cookieSig = sync.sign('s:abc', SECRET, { format: 'cookie-signature' })
  const cases: [string, unknown, sync.SecretInput, object][] = [
    ['valid', good, SECRET, { purpose: 'uid' }],
    ['valid under rotation', good, [SECRET_2, SECRET], { purpose: 'uid' }],
    ['other purpose', good, SECRET, { purpose: 'other' }],
    ['other key', good, SECRET_2, { purpose: 'uid' }],
    ['tampered value', good.replace('42', '43'), SECRET, { purpose: 'uid' }],
    ['non-canonical last character', `${good.slice(0, -1)}${tag.endsWith('A') ? 'B' : 'A'}`, SECRET, { purpose: 'uid' }],
    ['short tag', good.slice(0, -1), SECRET, { purpose: 'uid' }],
    ['tag of other alphabet', good.replace(tag, tag.replace(/[A-Z]/, '+')), SECRET, { purpose: 'uid' }],
    ['no dot', 'user-42', SECRET, { purpose: 'uid' }],
    ['empty', '', SECRET, {}],
    ['not a string', 42, SECRET, {}],
    ['lone surrogate', `\uD800.${tag}`, SECRET, { purpose: 'uid' }],
    ['too long', good, SECRET, { purpose: 'uid', maxLength: 5 }],
    ['maxLength NaN', good, SECRET, { purpose: 'uid', maxLength: Number.NaN }],
    ['cookie-signature', cookieSig, SECRET, { format: 'cookie-signature' }],
    ['cookie-signature read as keycard', cookieSig, SECRET, {}],
    ['keycard read as cookie-signature', good, SECRET, { format: 'cookie-signature' }],
  ]
  for (const [label, signed, secret, options] of cases) {
    await same(
      t,
      label,
      () => sync.unsignOrThrow(signed as string, secret, options),
      () => sync.unsignOrThrowAsync(signed as string, secret, options),
      () => web.unsignOrThrowAsync(signed as string, secret, options),
    )
    await same(
      t,
      `${label} (null form)`,
      () => sync.unsign(signed as string, secret, options),
      () => sync.unsignAsync(signed as string, secret, options),
      () => web.unsignAsync(signed as string, secret, options),
    )
  }
})

test(t_('async twins: seal gives the same bytes for the same nonce (text, bytes, JSON, lifetimes, key ids)'), async (t) => {
  const data: unknown[] = ['', 'hé 🌍', new Uint8Array([0, 1, 255]), { uid: 42, cart: [1, 2], s: 'x' }, [null, true], 0]
  const optionSets = [
    { now: NOW },
    { now: NOW, purpose: 'session', ttl: '2h' },
    { now: NOW + 999, ttl: 0, notBefore: '5s' },
    { now: NOW, ttl: 1, maxSize: 100 },
  ]
  for (const [name, secret] of KEYRING_INPUTS) {
    for (const options of optionSets) {
      for (const value of data) {
        const expected = sealWithNonce(value, secret, options, NONCE)
        t.is(await sealWithNonceWeb(value, secret, options, NONCE), expected, `${name} ${JSON.stringify(options)}`)
      }
    }
  }
  // A random nonce each time, but each side opens the other's.
  const fromWeb = await web.sealAsync({ a: 1 }, SECRET, { purpose: 'p' })
  t.deepEqual(sync.unseal(fromWeb, SECRET, { purpose: 'p' }), { a: 1 })
  t.deepEqual(await web.unsealAsync(await sync.sealAsync({ a: 2 }, SECRET, { purpose: 'p' }), SECRET, { purpose: 'p' }), { a: 2 })
  t.not(await web.sealAsync('x', SECRET), await web.sealAsync('x', SECRET))
})

test(t_('async twins: seal refuses what seal refuses, with the same codes'), async (t) => {
  const circular: Record<string, unknown> = {}
  circular.self = circular
  const cases: [string, unknown, unknown, object][] = [
    ...BAD_SECRETS.map(([n, s]): [string, unknown, unknown, object] => [n, 'v', s, {}]),
    ['lone surrogate', 'a\uDC00', SECRET, {}],
    ['too large text', 'é'.repeat(40), SECRET, { maxSize: 60 }],
    ['too large bytes', new Uint8Array(61), SECRET, { maxSize: 60 }],
    ['Map', new Map([[1, 2]]), SECRET, {}],
    ['NaN', { n: Number.NaN }, SECRET, {}],
    ['BigInt', 1n, SECRET, {}],
    ['cycle', circular, SECRET, {}],
    ['bad ttl', 'v', SECRET, { ttl: '5 parsecs' }],
    ['ttl past 2106', 'v', SECRET, { ttl: '200000d' }],
    ['now before 1970', 'v', SECRET, { now: -1 }],
    ['maxSize NaN', 'v', SECRET, { maxSize: Number.NaN }],
  ]
  for (const [label, value, secret, options] of cases) {
    const out = await same(
      t,
      label,
      () => sync.seal(value, secret as string, options),
      () => sync.sealAsync(value, secret as string, options),
      () => web.sealAsync(value, secret as string, options),
    )
    t.true('code' in out, label)
  }
})

test(t_('async twins: unseal refuses hostile values exactly as unseal does'), async (t) => {
  const OPEN = { purpose: 'session', now: NOW }
  const sealed = sync.seal({ uid: 1 }, SECRET, { purpose: 'session', now: NOW, ttl: '1h' })
  const bytes = Buffer.from(sealed, 'base64url')
  const flip = (at: number) => {
    const copy = Buffer.from(bytes)
    copy[at] = (copy[at] as number) ^ 1
    return copy.toString('base64url')
  }
  const cases: [string, unknown, sync.SecretInput, object][] = [
    ['valid', sealed, SECRET, OPEN],
    ['valid under rotation', sealed, [SECRET_2, SECRET], OPEN],
    ['bytes', sync.seal(new Uint8Array([9, 8]), SECRET, { now: NOW }), SECRET, { now: NOW }],
    ['text', sync.seal('hé', SECRET, { now: NOW }), SECRET, { now: NOW }],
    ['unknown key', sealed, SECRET_2, OPEN],
    ['wrong purpose', sealed, SECRET, { ...OPEN, purpose: 'cart' }],
    ['expired', sealed, SECRET, { ...OPEN, now: NOW + 3_600_000 }],
    ['not yet valid', sync.seal('x', SECRET, { now: NOW, notBefore: '1m' }), SECRET, { now: NOW }],
    ['valid from the second of nbf', sync.seal('x', SECRET, { now: NOW + 500, notBefore: 0 }), SECRET, { now: NOW }],
    ['valid until the second of exp', sealed, SECRET, { ...OPEN, now: NOW + 3_599_999 }],
    ['clock past 2106', sealed, SECRET, { ...OPEN, now: 2 ** 33 * 1000 }],
    ['version 2', flip(0).replace(/^A/, 'A'), SECRET, OPEN],
    [
      'kid length 0',
      (() => {
        const c = Buffer.from(bytes)
        c[1] = 0
        return c.toString('base64url')
      })(),
      SECRET,
      OPEN,
    ],
    ['flipped hint', flip(2 + 8), SECRET, OPEN],
    ['flipped nonce', flip(2 + 8 + 2), SECRET, OPEN],
    ['flipped body', flip(30), SECRET, OPEN],
    ['flipped tag', flip(bytes.length - 1), SECRET, OPEN],
    ['truncated', bytes.subarray(0, 40).toString('base64url'), SECRET, OPEN],
    ['padding', `${sealed}=`, SECRET, OPEN],
    ['non-canonical', `${sealed}A`, SECRET, OPEN],
    ['standard alphabet', sealed.replace(/-/g, '+').replace(/_/g, '/'), SECRET, OPEN],
    ['empty', '', SECRET, OPEN],
    ['not a string', { sealed }, SECRET, OPEN],
    ['too large', sealed, SECRET, { ...OPEN, maxSize: 1 }],
    ['purpose with a lone surrogate', sealed, SECRET, { ...OPEN, purpose: '\uD800' }],
  ]
  for (const [label, value, secret, options] of cases) {
    await same(
      t,
      label,
      () => sync.unsealOrThrow(value as string, secret, options),
      () => sync.unsealOrThrowAsync(value as string, secret, options),
      () => web.unsealOrThrowAsync(value as string, secret, options),
    )
    await same(
      t,
      `${label} (null form)`,
      () => sync.unseal(value as string, secret, options),
      () => sync.unsealAsync(value as string, secret, options),
      () => web.unsealAsync(value as string, secret, options),
    )
  }
})

test(t_('async twins: tokens are byte-identical and refused alike (alg, kid, claims, shape)'), async (t) => {
  const signOptions = [
    { now: NOW },
    { now: NOW, expiresIn: '15m', audience: ['api', 'web'], issuer: 'me', subject: 'u1', purpose: 'reset', notBefore: '1s' },
    { now: NOW, purpose: '' },
  ]
  for (const [name, secret] of KEYRING_INPUTS) {
    for (const options of signOptions) {
      for (const payload of [{}, { uid: 42 }, { exp: 1, pur: 'x', nested: { a: [1] } }, { toJSON: () => ({ a: 1 }) }]) {
        const out = await same(
          t,
          `${name} ${JSON.stringify(options)}`,
          () => sync.signToken(payload, secret, options),
          () => sync.signTokenAsync(payload, secret, options),
          () => web.signTokenAsync(payload, secret, options),
        )
        t.true('value' in out)
      }
    }
  }
  const kid = kidOf(SECRET)
  const good = sync.signToken({ uid: 1 }, SECRET, { now: NOW, audience: 'api', purpose: 'p' })
  const [h, p, s] = good.split('.') as [string, string, string]
  const cases: [string, unknown, object][] = [
    ['valid', good, { audience: 'api', purpose: 'p' }],
    ['wrong audience', good, { audience: 'web', purpose: 'p' }],
    ['no audience expected', good, { purpose: 'p' }],
    ['wrong purpose', good, { audience: 'api', purpose: 'q' }],
    ['expired', good, { audience: 'api', purpose: 'p', now: NOW + 7_200_000 }],
    ['tolerance', good, { audience: 'api', purpose: 'p', now: NOW + 3_600_000, clockTolerance: '10s' }],
    ['maxAge', good, { audience: 'api', purpose: 'p', now: NOW + 120_000, maxAge: '1m' }],
    ['wrong issuer', good, { audience: 'api', purpose: 'p', issuer: 'x' }],
    ['bad signature', `${h}.${p}.${s.slice(0, -2)}AA`, { audience: 'api', purpose: 'p' }],
    ['malformed signature', `${h}.${p}.${s.slice(0, -1)}B`, { audience: 'api', purpose: 'p' }],
    ['four segments', `${good}.x`, {}],
    ['two segments', `${h}.${p}`, {}],
    ['empty payload segment', `${h}..${s}`, {}],
    ['too long', good, { maxLength: 10 }],
    ['not a string', null, {}],
    ['alg none', forge('{"alg":"none"}', CLAIMS), {}],
    ['alg HS512', forge(`{"alg":"HS512","kid":"${kid}"}`, CLAIMS), {}],
    ['crit', forge('{"alg":"HS256","crit":["x"]}', CLAIMS), {}],
    ['b64 false', forge('{"alg":"HS256","b64":false}', CLAIMS), {}],
    ['typ jose', forge('{"alg":"HS256","typ":"JOSE"}', CLAIMS), {}],
    ['unknown kid', forge('{"alg":"HS256","kid":"nope"}', CLAIMS), {}],
    ['no kid', forge(HS256, CLAIMS), {}],
    ['payload not JSON', forge(HS256, 'not json'), {}],
    ['payload array', forge(HS256, '[1]'), {}],
    ['payload duplicate keys', forge(HS256, '{"a":1,"a":2,"exp":9999999999}'), {}],
    ['payload invalid UTF-8', forge(HS256, new Uint8Array([0x7b, 0xff, 0x7d])), {}],
    ['exp float', forge(HS256, '{"exp":1.5e10}'), {}],
    ['header too large', `${b64u(`{"alg":"HS256","x":"${'a'.repeat(2000)}"}`)}.${p}.${s}`, { maxLength: 100_000 }],
    ['header not canonical', `${h}A.${p}.${s}`, {}],
    ['bad clockTolerance', good, { clockTolerance: -1 }],
    ['purpose not a string', good, { purpose: 1 }],
  ]
  for (const [label, token, options] of cases) {
    const opts = { now: NOW, ...options }
    await same(
      t,
      label,
      () => sync.verifyTokenOrThrow(token as string, SECRET, opts),
      () => sync.verifyTokenOrThrowAsync(token as string, SECRET, opts),
      () => web.verifyTokenOrThrowAsync(token as string, SECRET, opts),
    )
    await same(
      t,
      `${label} (null form)`,
      () => sync.verifyToken(token as string, SECRET, opts),
      () => sync.verifyTokenAsync(token as string, SECRET, opts),
      () => web.verifyTokenAsync(token as string, SECRET, opts),
    )
  }
  const badPayloads: [string, unknown, object][] = [
    ['array payload', [1], {}],
    ['Map payload', new Map(), {}],
    ['BigInt claim', { n: 1n }, {}],
    ['expiresIn past 9999', {}, { expiresIn: 1e15 }],
    ['audience number', {}, { audience: 5 }],
    ['issuer number', {}, { issuer: 5 }],
  ]
  for (const [label, payload, options] of badPayloads) {
    const opts = { now: NOW, ...options }
    const out = await same(
      t,
      label,
      () => sync.signToken(payload as sync.TokenPayload, SECRET, opts),
      () => sync.signTokenAsync(payload as sync.TokenPayload, SECRET, opts),
      () => web.signTokenAsync(payload as sync.TokenPayload, SECRET, opts),
    )
    t.true('code' in out, label)
  }
})

test(t_('async twins: CSRF tokens verify across implementations and refuse the same tokens'), async (t) => {
  const fromSync = sync.createCsrfToken('sid-1', SECRET)
  const fromWeb = await web.createCsrfTokenAsync('sid-1', SECRET)
  const fromNodeAsync = await sync.createCsrfTokenAsync('sid-1', SECRET)
  for (const token of [fromSync, fromWeb, fromNodeAsync]) {
    t.true(sync.verifyCsrfToken(token, 'sid-1', SECRET))
    t.true(await web.verifyCsrfTokenAsync(token, 'sid-1', SECRET))
    t.true(await sync.verifyCsrfTokenAsync(token, 'sid-1', SECRET))
    t.true(await web.verifyCsrfTokenAsync(token, 'sid-1', [SECRET_2, SECRET]))
  }
  const hostile: [string, unknown, string][] = [
    ['other session', fromWeb, 'sid-2'],
    ['tampered tag', `${fromWeb.slice(0, -2)}AA`, 'sid-1'],
    ['non-canonical nonce end', `${fromWeb.slice(0, 21)}B${fromWeb.slice(22)}`, 'sid-1'],
    ['too short', fromWeb.slice(1), 'sid-1'],
    ['no dot', fromWeb.replace('.', '_'), 'sid-1'],
    ['not a string', 42, 'sid-1'],
    ['empty session', fromWeb, ''],
    ['lone surrogate session', fromWeb, '\uD800'],
  ]
  for (const [label, token, sid] of hostile) {
    await same(
      t,
      label,
      () => sync.verifyCsrfToken(token, sid, SECRET),
      () => sync.verifyCsrfTokenAsync(token, sid, SECRET),
      () => web.verifyCsrfTokenAsync(token, sid, SECRET),
    )
    t.false(await web.verifyCsrfTokenAsync(token, sid, SECRET), label)
  }
  await same(
    t,
    'other key',
    () => sync.verifyCsrfToken(fromWeb, 'sid-1', SECRET_2),
    () => sync.verifyCsrfTokenAsync(fromWeb, 'sid-1', SECRET_2),
    () => web.verifyCsrfTokenAsync(fromWeb, 'sid-1', SECRET_2),
  )
  for (const sid of ['', 5, '\uDC00']) {
    const out = await same(
      t,
      `create for ${JSON.stringify(sid)}`,
      () => sync.createCsrfToken(sid as string, SECRET),
      () => sync.createCsrfTokenAsync(sid as string, SECRET),
      () => web.createCsrfTokenAsync(sid as string, SECRET),
    )
    t.deepEqual(out, { code: 'ERR_INVALID_ARGUMENT' })
  }
})

test(t_('async twins: random values and purposes give the same bytes (property)'), async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ maxLength: 20 }), async (value, purpose) => {
      const wellFormed = purpose.isWellFormed()
      const options = { purpose: wellFormed ? purpose : 'p', now: NOW }
      const signed = sync.sign(value, SECRET, options)
      if ((await web.signAsync(value, SECRET, options)) !== signed) return false
      if ((await web.unsignAsync(signed, SECRET, options)) !== value) return false
      return (await sealWithNonceWeb(value, SECRET, options, NONCE)) === sealWithNonce(value, SECRET, options, NONCE)
    }),
    { numRuns: 150 },
  )
  t.pass('fast-check asserts above; it throws on a counterexample')
})

test(t_('web entry: the sync primitives throw ERR_UNSUPPORTED_RUNTIME naming their async twin'), async (t) => {
  const twins: [string, () => unknown, string][] = [
    ['sign', () => web.sign('v', SECRET), 'signAsync'],
    ['unsign', () => web.unsign('v.x', SECRET), 'unsignAsync'],
    ['unsignOrThrow', () => web.unsignOrThrow('v.x', SECRET), 'unsignOrThrowAsync'],
    ['seal', () => web.seal('v', SECRET), 'sealAsync'],
    ['unseal', () => web.unseal('v', SECRET), 'unsealAsync'],
    ['unsealOrThrow', () => web.unsealOrThrow('v', SECRET), 'unsealOrThrowAsync'],
    ['signToken', () => web.signToken({}, SECRET), 'signTokenAsync'],
    ['verifyToken', () => web.verifyToken('a.b.c', SECRET), 'verifyTokenAsync'],
    ['verifyTokenOrThrow', () => web.verifyTokenOrThrow('a.b.c', SECRET), 'verifyTokenOrThrowAsync'],
    ['createCsrfToken', () => web.createCsrfToken('sid', SECRET), 'createCsrfTokenAsync'],
    ['verifyCsrfToken', () => web.verifyCsrfToken('t', 'sid', SECRET), 'verifyCsrfTokenAsync'],
  ]
  for (const [name, call, twin] of twins) {
    const err = t.throws(call, { instanceOf: web.BackendError }, name)
    t.is(err?.code, 'ERR_UNSUPPORTED_RUNTIME', name)
    t.true(err?.message.includes(`${twin}()`), `${name}: ${err?.message}`)
  }
  for (const call of [() => web.hashPassword('pw'), () => web.verifyPassword('$argon2id$', 'pw')]) {
    await t.throwsAsync(call, { code: 'ERR_UNSUPPORTED_RUNTIME' as never })
  }
  for (const call of [() => web.tokenKey(SECRET), () => web.backend(), () => new web.Cache(), () => new web.Keyring()]) {
    t.throws(call, { code: 'ERR_UNSUPPORTED_RUNTIME' as never })
  }
  // What does run there: randomId, timingSafeEqual and sealedLength agree with Node's.
  t.regex(web.randomId(), /^[A-Za-z0-9_-]{43}$/)
  t.is(syncOutcome(() => web.randomId(8)).toString(), syncOutcome(() => sync.randomId(8)).toString())
  t.deepEqual(
    syncOutcome(() => web.randomId(8)),
    { code: 'ERR_PARAMS_OUT_OF_RANGE' },
  )
  for (const [a, b] of [
    ['abc', 'abc'],
    ['abc', 'abd'],
    ['é', new Uint8Array([0xc3, 0xa9])],
    ['', ''],
    ['a', 'ab'],
  ] as const) {
    t.is(web.timingSafeEqual(a, b), sync.timingSafeEqual(a, b), `${String(a)} ${String(b)}`)
  }
  t.deepEqual(
    syncOutcome(() => web.timingSafeEqual(1 as never, 'a')),
    syncOutcome(() => sync.timingSafeEqual(1 as never, 'a')),
  )
  for (const args of [[0], [200], [200, 64], [-1], [1.5], [10, 65]] as const) {
    t.deepEqual(
      syncOutcome(() => web.sealedLength(...(args as [number]))),
      syncOutcome(() => sync.sealedLength(...(args as [number]))),
    )
  }
  t.deepEqual(web.PRESETS, sync.PRESETS)
})

test(t_('web entry: exports every name the Node entry exports, and nothing else'), (t) => {
  t.deepEqual(Object.keys(web).sort(), Object.keys(sync).sort())
})

/** Node's exports algorithm for one subpath: the first key (in file order) among `conditions`, recursively. */
function resolveConditions(target: unknown, conditions: readonly string[]): string | undefined {
  if (typeof target === 'string') return target
  if (target === null || typeof target !== 'object') return undefined
  for (const [key, value] of Object.entries(target)) {
    if (key !== 'default' && !conditions.includes(key)) continue
    const found = resolveConditions(value, conditions)
    if (found !== undefined) return found
  }
  return undefined
}

test(t_('package conditions: Web Crypto runtimes get the web entry; Node, Bun and Deno keep the Node entries'), (t) => {
  const { exports } = require('../package.json') as { exports: Record<string, unknown> }
  const dot = exports['.']
  const cases: [string, string[], string][] = [
    ['workerd (wrangler, esbuild)', ['workerd', 'worker', 'browser', 'import', 'default'], './dist/web/index.mjs'],
    ['Edge runtime (Next.js middleware)', ['edge-light', 'worker', 'browser', 'import', 'default'], './dist/web/index.mjs'],
    ['a browser bundle', ['browser', 'import', 'default'], './dist/web/index.mjs'],
    ['a web worker bundle', ['worker', 'import', 'default'], './dist/web/index.mjs'],
    ['Node import', ['node', 'import', 'default'], './dist/index.mjs'],
    ['Node require', ['node', 'require', 'default'], './dist/index.js'],
    // Bun's runtime matches "worker" too: "bun" must come first, or Bun would lose the sync API.
    ['Bun import', ['bun', 'worker', 'node', 'import', 'default'], './dist/index.mjs'],
    ['Bun require', ['bun', 'worker', 'node', 'require', 'default'], './dist/index.js'],
    ['Deno (npm:keycard, has node:crypto)', ['deno', 'node', 'import', 'default'], './dist/index.mjs'],
  ]
  for (const [runtime, conditions, expected] of cases) t.is(resolveConditions(dot, conditions), expected, runtime)
})
