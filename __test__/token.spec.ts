import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import test from 'ava'
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose'
import {
  ClaimError,
  FormatError,
  KeyError,
  Keyring,
  ParameterError,
  type SecretInput,
  signToken,
  type TokenPayload,
  tokenKey,
  VerificationError,
  verifyToken,
  verifyTokenOrThrow,
} from '../src/index'
import { both, on, SECRET, SECRET_2, SECRET_BYTES, t_ } from './helpers/backends'

import {
  accepted,
  CLAIMS,
  forge,
  HS256,
  kidOf,
  MAX_NUMERIC_DATE,
  mac,
  NOW,
  NOW_S,
  refused,
  segments,
  tokenKeyOf,
  unb64u,
  utf8,
} from './helpers/jws'

// --- 1. Round trip, claims, payload -----------------------------------------------------------------

test(t_('token: round trip with the documented header, the derived token key as HS256 key and a 1h default expiry'), (t) => {
  const token = signToken({ uid: 42, roles: ['a', 'b'] }, SECRET, { now: NOW })
  const [h, p, s] = segments(token) as [string, string, string]
  t.is(segments(token).length, 3)
  t.is(unb64u(h), `{"alg":"HS256","typ":"JWT","kid":"${kidOf(SECRET)}"}`)
  t.is(unb64u(p), `{"uid":42,"roles":["a","b"],"iat":${NOW_S},"exp":${NOW_S + 3600}}`)
  t.is(s, mac(`${h}.${p}`, SECRET)) // keyed by HKDF(secret, "keycard/v1/token")
  t.not(s, createHmac('sha256', SECRET).update(`${h}.${p}`).digest('base64url')) // never by the raw secret
  t.deepEqual(accepted(t, token), { uid: 42, roles: ['a', 'b'], iat: NOW_S, exp: NOW_S + 3600 })
  // Bytes secrets are derived from the same way.
  const bytesToken = signToken({ uid: 1 }, SECRET_BYTES, { now: NOW })
  const [bh, bp, bs] = segments(bytesToken) as [string, string, string]
  t.is(bs, mac(`${bh}.${bp}`, SECRET_BYTES))
  t.deepEqual(accepted(t, bytesToken, {}, SECRET_BYTES), { uid: 1, iat: NOW_S, exp: NOW_S + 3600 })
  refused(t, bytesToken, 'ERR_UNKNOWN_KEY') // another secret, another kid
})

test(t_('token: now accepts a Date and sub-second times round down'), (t) => {
  const a = signToken({ x: 1 }, SECRET, { now: NOW })
  t.is(signToken({ x: 1 }, SECRET, { now: new Date(NOW) }), a)
  t.is(signToken({ x: 1 }, SECRET, { now: NOW + 999 }), a)
  t.not(signToken({ x: 1 }, SECRET, { now: NOW + 1000 }), a)
  t.throws(() => signToken({}, SECRET, { now: Number.NaN }), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => signToken({}, SECRET, { now: new Date('nope') }), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => verifyToken(a, SECRET, { now: Number.POSITIVE_INFINITY }), { code: 'ERR_INVALID_ARGUMENT' })
})

test(t_('token: iat exp nbf aud iss sub pur come from the options'), (t) => {
  const token = signToken({ uid: 1 }, SECRET, {
    now: NOW,
    expiresIn: '15m',
    notBefore: '30s',
    audience: ['api', 'web'],
    issuer: 'auth.example',
    subject: 'user-1',
    purpose: 'login',
  })
  const expected = {
    uid: 1,
    iat: NOW_S,
    exp: NOW_S + 900,
    nbf: NOW_S + 30,
    aud: ['api', 'web'],
    iss: 'auth.example',
    sub: 'user-1',
    pur: 'login',
  }
  t.deepEqual(JSON.parse(unb64u(segments(token)[1] as string)), expected)
  const options = { audience: 'web', issuer: 'auth.example', purpose: 'login' }
  t.deepEqual(accepted(t, token, { ...options, now: NOW + 30_000 }), expected)
  refused(t, token, 'ERR_NOT_YET_VALID', { ...options, now: NOW + 29_000 })
  refused(t, token, 'ERR_EXPIRED', { ...options, now: NOW + 900_000 })

  // Durations: numbers are milliseconds, strings carry their unit.
  const expOf = (expiresIn: number | string) =>
    JSON.parse(unb64u(segments(signToken({}, SECRET, { now: NOW, expiresIn }))[1] as string)).exp - NOW_S
  t.is(expOf(90_000), 90)
  t.is(expOf('2h'), 7200)
  t.is(expOf('7d'), 604_800)
  t.is(expOf('45s'), 45)
  t.throws(() => signToken({}, SECRET, { expiresIn: -1 }), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => signToken({}, SECRET, { expiresIn: '5 parsecs' }), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => signToken({}, SECRET, { now: NOW, expiresIn: '500000w' }), { code: 'ERR_INVALID_ARGUMENT' })
})

test(t_('token: options win over payload claims, and a payload cannot set pur'), (t) => {
  const hostile = { uid: 7, iat: 1, exp: 2, nbf: 3, aud: 'evil', iss: 'evil', sub: 'evil', pur: 'evil' }
  const token = signToken(hostile, SECRET, {
    now: NOW,
    expiresIn: '10m',
    notBefore: 0,
    audience: 'api',
    issuer: 'me',
    subject: 'u7',
    purpose: 'api',
  })
  t.deepEqual(accepted(t, token, { audience: 'api', issuer: 'me', purpose: 'api' }), {
    uid: 7,
    iat: NOW_S,
    exp: NOW_S + 600,
    nbf: NOW_S,
    aud: 'api',
    iss: 'me',
    sub: 'u7',
    pur: 'api',
  })
  // Without options, iat and exp are still ours, pur is dropped (the purpose only comes from the
  // option), and the other payload claims stay.
  const plain = signToken({ uid: 7, iat: 1, exp: 2, pur: 'admin', iss: 'x', sub: 's' }, SECRET, { now: NOW })
  t.deepEqual(accepted(t, plain), { uid: 7, iat: NOW_S, exp: NOW_S + 3600, iss: 'x', sub: 's' })
  refused(t, plain, 'ERR_WRONG_PURPOSE', { purpose: 'admin' })
})

test(t_('token: the payload must be a plain object'), (t) => {
  for (const payload of [[], [1, 2], null, undefined, 'str', 42, true, new Map([['a', 1]]), new Date(NOW), new Set([1])]) {
    t.throws(() => signToken(payload as unknown as TokenPayload, SECRET), {
      code: 'ERR_INVALID_ARGUMENT',
      instanceOf: ParameterError,
    })
  }
  // Objects without a prototype are plain objects too.
  const bare = Object.assign(Object.create(null) as TokenPayload, { a: 1 })
  t.deepEqual(accepted(t, signToken(bare, SECRET, { now: NOW })), { a: 1, iat: NOW_S, exp: NOW_S + 3600 })
})

test(t_('token: BigInt, cyclic and unserialisable payloads are ERR_NOT_SERIALIZABLE'), (t) => {
  const cyclic: TokenPayload = { a: 1 }
  cyclic.self = cyclic
  let deep: unknown = 1
  for (let i = 0; i < 100_000; i++) deep = [deep]
  const throwing = {
    toJSON() {
      throw new Error('no')
    },
  }
  for (const payload of [{ n: 1n }, { nested: { n: 10n } }, cyclic, { deep }, { throwing }]) {
    t.throws(() => signToken(payload, SECRET), { code: 'ERR_NOT_SERIALIZABLE', instanceOf: FormatError })
  }
})

// --- 2. Rotation -------------------------------------------------------------------------------------

test(t_('token: rotation, the kid header selects the key and unknown kids are refused'), (t) => {
  const NEW = SECRET
  const OLD = SECRET_2
  const ring = new Keyring([NEW, OLD])
  t.deepEqual(ring.ids, [kidOf(NEW), kidOf(OLD)])
  const old = signToken({ v: 'old' }, OLD, { now: NOW })
  t.is(decodeProtectedHeader(old).kid, ring.ids[1])
  t.deepEqual(accepted(t, old, {}, ring), { v: 'old', iat: NOW_S, exp: NOW_S + 3600 })
  t.deepEqual(accepted(t, old, {}, [NEW, OLD]), { v: 'old', iat: NOW_S, exp: NOW_S + 3600 })
  refused(t, old, 'ERR_UNKNOWN_KEY', {}, NEW) // rotated out
  const current = signToken({ v: 'new' }, ring, { now: NOW })
  t.is(decodeProtectedHeader(current).kid, ring.ids[0])
  t.is(accepted(t, current, {}, ring).v, 'new')
  t.is(accepted(t, current, {}, NEW).v, 'new')
  refused(t, current, 'ERR_UNKNOWN_KEY', {}, OLD)

  // Given ids travel as kid.
  const named = new Keyring([
    { id: 'key-2030', secret: NEW },
    { id: 'key-2029', secret: OLD },
  ])
  const oldNamed = signToken({ v: 1 }, new Keyring([{ id: 'key-2029', secret: OLD }]), { now: NOW })
  t.is(decodeProtectedHeader(oldNamed).kid, 'key-2029')
  t.is(accepted(t, oldNamed, {}, named).v, 1)

  // The kid decides which key is tried: the old key's signature under the new key's kid fails.
  refused(t, forge(`{"alg":"HS256","kid":"key-2030"}`, CLAIMS, OLD), 'ERR_BAD_SIGNATURE', {}, named)
  t.is(accepted(t, forge(`{"alg":"HS256","kid":"key-2029"}`, CLAIMS, OLD), {}, named).sub, 'u1')
  refused(t, forge(`{"alg":"HS256","kid":"key-2028"}`, CLAIMS, OLD), 'ERR_UNKNOWN_KEY', {}, named)
  t.throws(() => verifyTokenOrThrow(forge(`{"alg":"HS256","kid":"nope"}`, CLAIMS), SECRET, { now: NOW }), {
    instanceOf: KeyError,
    code: 'ERR_UNKNOWN_KEY',
  })

  // Without a kid every key is tried; a key outside the ring still fails.
  t.is(accepted(t, forge(HS256, CLAIMS, OLD), {}, named).sub, 'u1')
  t.is(accepted(t, forge(HS256, CLAIMS, NEW), {}, named).sub, 'u1')
  const outsider = 'outsider-secret-0123456789abcdef-0123456789'
  refused(t, forge(HS256, CLAIMS, outsider), 'ERR_BAD_SIGNATURE', {}, named)
  t.throws(() => verifyTokenOrThrow(forge(HS256, CLAIMS, outsider), named, { now: NOW }), { instanceOf: VerificationError })
})

// --- 3. jose interop -----------------------------------------------------------------------------------

test(t_('token: jose verifies what keycard signs, with our claims and kid'), async (t) => {
  const token = signToken({ uid: 42 }, SECRET, {
    now: NOW,
    expiresIn: '15m',
    audience: 'api',
    issuer: 'auth.example',
    subject: 'user-42',
    purpose: 'api',
  })
  const { payload, protectedHeader } = await jwtVerify(token, tokenKey(SECRET), {
    currentDate: new Date(NOW),
    algorithms: ['HS256'],
    audience: 'api',
    issuer: 'auth.example',
    subject: 'user-42',
    typ: 'JWT',
    requiredClaims: ['exp', 'iat'],
  })
  t.deepEqual(protectedHeader, { alg: 'HS256', typ: 'JWT', kid: kidOf(SECRET) })
  t.deepEqual(payload, {
    uid: 42,
    iat: NOW_S,
    exp: NOW_S + 900,
    aud: 'api',
    iss: 'auth.example',
    sub: 'user-42',
    pur: 'api',
  })
  // Bytes secrets and rotated keys too: jose needs the exported token key, one per kid.
  const fromBytes = signToken({ b: true }, SECRET_BYTES, { now: NOW })
  t.is((await jwtVerify(fromBytes, tokenKey(SECRET_BYTES), { currentDate: new Date(NOW) })).payload.b, true)
  const ring = new Keyring([SECRET_2, SECRET])
  const fromRing = signToken({ r: 1 }, ring, { now: NOW })
  t.is((await jwtVerify(fromRing, ring.tokenKey(), { currentDate: new Date(NOW) })).protectedHeader.kid, kidOf(SECRET_2))
  t.is((await jwtVerify(fromRing, ring.tokenKey(kidOf(SECRET_2)), { currentDate: new Date(NOW) })).payload.r, 1)
  t.is((await jwtVerify(token, ring.tokenKey(kidOf(SECRET)), { currentDate: new Date(NOW) })).payload.uid, 42)
  // jose enforces our exp as well.
  await t.throwsAsync(jwtVerify(token, tokenKey(SECRET), { currentDate: new Date(NOW + 900_000) }), {
    code: 'ERR_JWT_EXPIRED',
  } as never)
  await t.throwsAsync(jwtVerify(token, tokenKey(SECRET_2), { currentDate: new Date(NOW) }), {
    code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  } as never)
  // The raw secret is not the token key: jose refuses keycard tokens with it.
  await t.throwsAsync(jwtVerify(token, utf8(SECRET), { currentDate: new Date(NOW) }), {
    code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  } as never)
})

test(t_('token: tokenKey is HKDF(secret, "keycard/v1/token") on both backends, per kid, and a fresh copy'), (t) => {
  for (const be of both) {
    on(be, () => {
      const ring = new Keyring([SECRET, SECRET_2])
      t.deepEqual(Buffer.from(ring.tokenKey()), tokenKeyOf(SECRET), be.name)
      t.deepEqual(Buffer.from(ring.tokenKey(ring.ids[0])), tokenKeyOf(SECRET), be.name)
      t.deepEqual(Buffer.from(ring.tokenKey(ring.ids[1])), tokenKeyOf(SECRET_2), be.name)
      t.deepEqual(Buffer.from(tokenKey(SECRET_BYTES)), tokenKeyOf(SECRET_BYTES), be.name)
      t.deepEqual(Buffer.from(tokenKey([SECRET_2, SECRET])), tokenKeyOf(SECRET_2), be.name)
      t.is(ring.tokenKey().length, 32)
      t.throws(() => ring.tokenKey('nope'), { code: 'ERR_UNKNOWN_KEY', instanceOf: KeyError })
      t.throws(() => ring.tokenKey(7 as unknown as string), { code: 'ERR_INVALID_ARGUMENT' })
      t.throws(() => tokenKey('short'), { code: 'ERR_KEY_TOO_SHORT' })
      // A copy: scribbling on it changes neither later keys nor signing.
      const key = ring.tokenKey()
      key.fill(0)
      t.deepEqual(Buffer.from(ring.tokenKey()), tokenKeyOf(SECRET))
      t.is(accepted(t, signToken({ k: 1 }, ring, { now: NOW }), {}, ring).k, 1)
    })
  }
})

test(t_('token: keycard verifies what jose signs, with and without kid'), async (t) => {
  const joseToken = (header: { alg: string; kid?: string; typ?: string }, key: Uint8Array = tokenKey(SECRET)) =>
    new SignJWT({ uid: 7, role: 'admin' })
      .setProtectedHeader(header)
      .setIssuedAt(NOW_S)
      .setExpirationTime(NOW_S + 600)
      .setAudience(['api', 'web'])
      .setIssuer('jose-issuer')
      .setSubject('user-7')
      .sign(key)
  const expected = { uid: 7, role: 'admin', iat: NOW_S, exp: NOW_S + 600, aud: ['api', 'web'], iss: 'jose-issuer', sub: 'user-7' }
  const opts = { audience: 'web', issuer: 'jose-issuer' }

  const noKid = await joseToken({ alg: 'HS256' })
  t.deepEqual(accepted(t, noKid, opts), expected)
  t.deepEqual(accepted(t, noKid, opts, new Keyring([SECRET_2, SECRET])), expected) // all keys tried
  refused(t, noKid, 'ERR_WRONG_AUDIENCE', { issuer: 'jose-issuer' })
  refused(t, noKid, 'ERR_WRONG_AUDIENCE', { ...opts, audience: 'mobile' })
  refused(t, noKid, 'ERR_WRONG_ISSUER', { ...opts, issuer: 'other' })
  refused(t, noKid, 'ERR_BAD_SIGNATURE', opts, SECRET_2)
  refused(t, noKid, 'ERR_EXPIRED', { ...opts, now: NOW + 600_000 })

  // A token signed with the raw secret (the pre-1.x key) is refused: only the token key verifies.
  const rawKeyed = await joseToken({ alg: 'HS256' }, utf8(SECRET))
  refused(t, rawKeyed, 'ERR_BAD_SIGNATURE', opts)
  refused(t, await joseToken({ alg: 'HS256', kid: kidOf(SECRET) }, utf8(SECRET)), 'ERR_BAD_SIGNATURE', opts)

  const ring = new Keyring([SECRET_2, SECRET])
  const withKid = await joseToken({ alg: 'HS256', typ: 'JWT', kid: ring.ids[1] as string }, ring.tokenKey(ring.ids[1]))
  t.deepEqual(accepted(t, withKid, opts, ring), expected)
  refused(t, await joseToken({ alg: 'HS256', kid: 'unknown-kid' }), 'ERR_UNKNOWN_KEY', opts, ring)
  // jose's kid names key 0 but the token is signed by key 1: the kid is authoritative.
  refused(t, await joseToken({ alg: 'HS256', kid: ring.ids[0] as string }), 'ERR_BAD_SIGNATURE', opts, ring)

  // Purpose travels as pur.
  const withPur = await new SignJWT({ pur: 'reset' })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(NOW_S + 60)
    .sign(tokenKey(SECRET))
  t.deepEqual(accepted(t, withPur, { purpose: 'reset' }), { pur: 'reset', exp: NOW_S + 60 })
  refused(t, withPur, 'ERR_WRONG_PURPOSE')

  // jose tokens without exp need requireExpiry: false.
  const noExp = await new SignJWT({ a: 1 }).setProtectedHeader({ alg: 'HS256' }).sign(tokenKey(SECRET))
  refused(t, noExp, 'ERR_BAD_FORMAT')
  t.deepEqual(accepted(t, noExp, { requireExpiry: false }), { a: 1 })
})

test(t_('token: jose tokens with HS384, HS512 and a key long enough for them are ERR_ALG_NOT_ALLOWED'), async (t) => {
  const longKey = utf8(`${SECRET}${SECRET_2}`) // 80 bytes, valid for HS512
  for (const alg of ['HS384', 'HS512']) {
    for (const kid of [undefined, kidOf(new Keyring([longKey]))]) {
      const token = await new SignJWT({ uid: 1 })
        .setProtectedHeader(kid === undefined ? { alg } : { alg, kid })
        .setExpirationTime(NOW_S + 600)
        .sign(longKey)
      refused(t, token, 'ERR_ALG_NOT_ALLOWED', {}, longKey, `${alg} kid=${kid}`)
      t.throws(() => verifyTokenOrThrow(token, longKey, { now: NOW }), { instanceOf: FormatError })
    }
  }
})

// --- 4. RFC 7515 A.1 -----------------------------------------------------------------------------------

interface Rfc7515 {
  token: string
  keyHex: string
  jwk: { k: string }
  expectedClaims: Record<string, unknown>
}
const A1 = JSON.parse(readFileSync(join(__dirname, 'vectors', 'rfc7515-hs256.json'), 'utf8')) as Rfc7515

test(
  t_('token: RFC 7515 A.1 is refused under its raw key; re-keyed it verifies before its exp and is expired with the real clock'),
  (t) => {
    const key = Buffer.from(A1.keyHex, 'hex')
    t.is(key.length, 64)
    t.deepEqual(key, Buffer.from(A1.jwk.k, 'base64url'))
    const before = Date.UTC(2011, 2, 22, 18, 42, 59) // one second before exp 1300819380
    // The RFC signs with the JWK key as is; keycard keys tokens by HKDF(secret, "keycard/v1/token"),
    // so with that key as the secret the RFC's own signature is refused...
    const [h, p, sig] = segments(A1.token) as [string, string, string]
    t.is(createHmac('sha256', key).update(`${h}.${p}`).digest('base64url'), sig) // (the RFC's HMAC, checked here)
    refused(t, A1.token, 'ERR_BAD_SIGNATURE', { now: before }, key)
    // ...and the same header and payload bytes signed with its token key go through the whole check.
    const token = `${h}.${p}.${mac(`${h}.${p}`, key)}`
    t.deepEqual(accepted(t, token, { now: before }, key), {
      iss: 'joe',
      exp: 1300819380,
      'http://example.com/is_root': true,
    })
    t.deepEqual(accepted(t, token, { now: new Date(before), issuer: 'joe' }, key), A1.expectedClaims)
    refused(t, token, 'ERR_EXPIRED', { now: Date.UTC(2011, 2, 22, 18, 43, 0) }, key) // exp is exclusive
    // The real clock (no `now`).
    t.is(verifyToken(token, key), null)
    t.throws(() => verifyTokenOrThrow(token, key), { code: 'ERR_EXPIRED', instanceOf: ClaimError })
    refused(t, token, 'ERR_BAD_SIGNATURE', { now: before }, Buffer.from(key.toString('hex').replace(/^03/, '04'), 'hex'))
    refused(t, token, 'ERR_WRONG_ISSUER', { now: before, issuer: 'jane' }, key)
  },
)

// --- 7. Time claims (item 7) ------------------------------------------------------------------------------

test(t_('token: exp nbf iat must be integer NumericDates up to year 9999'), (t) => {
  const badValues = [
    '"2000000000"',
    `"${NOW_S + 60}"`,
    '1e309',
    '-1e309',
    '-1',
    '-0.5',
    `${NOW_S + 60}.5`,
    '1.5',
    `${MAX_NUMERIC_DATE + 1}`,
    '1e20',
    '9007199254740993',
    'null',
    'true',
    '[1]',
    '{}',
  ]
  for (const claim of ['exp', 'nbf', 'iat']) {
    for (const value of badValues) {
      // Other time claims are valid, so the refusal is about this one.
      const others = { exp: `${NOW_S + 60}`, nbf: `${NOW_S - 60}`, iat: `${NOW_S - 60}` } as Record<string, string>
      others[claim] = value
      const payload = `{"sub":"u1","exp":${others.exp},"nbf":${others.nbf},"iat":${others.iat}}`
      refused(t, forge(HS256, payload), 'ERR_BAD_FORMAT', { requireExpiry: false }, SECRET, payload)
    }
  }
  // Boundaries that are fine: 0 and the last second of 9999.
  const edge = `{"exp":${MAX_NUMERIC_DATE},"nbf":0,"iat":0}`
  t.deepEqual(accepted(t, forge(HS256, edge)), { exp: MAX_NUMERIC_DATE, nbf: 0, iat: 0 })
})

test(t_('token: expiry, not-before, iat in the future, clockTolerance and maxAge'), (t) => {
  const token = signToken({ a: 1 }, SECRET, { now: NOW, expiresIn: '1m' })
  t.is(accepted(t, token, { now: NOW + 59_999 }).a, 1)
  refused(t, token, 'ERR_EXPIRED', { now: NOW + 60_000 })
  t.throws(() => verifyTokenOrThrow(token, SECRET, { now: NOW + 60_000 }), { instanceOf: ClaimError })
  t.is(accepted(t, token, { now: NOW + 62_000, clockTolerance: '5s' }).a, 1)
  t.is(accepted(t, token, { now: NOW + 64_999, clockTolerance: 5000 }).a, 1)
  refused(t, token, 'ERR_EXPIRED', { now: NOW + 65_000, clockTolerance: 5000 })

  const later = signToken({ a: 2 }, SECRET, { now: NOW, notBefore: '10m', expiresIn: '1h' })
  refused(t, later, 'ERR_NOT_YET_VALID')
  refused(t, later, 'ERR_NOT_YET_VALID', { now: NOW + 599_000 })
  t.is(accepted(t, later, { now: NOW + 600_000 }).a, 2)
  t.is(accepted(t, later, { now: NOW + 599_000, clockTolerance: '1s' }).a, 2)

  // iat in the future is not valid yet (beyond the tolerance).
  const future = forge(HS256, `{"iat":${NOW_S + 30},"exp":${NOW_S + 600}}`)
  refused(t, future, 'ERR_NOT_YET_VALID')
  t.is(accepted(t, future, { clockTolerance: '30s' }).iat, NOW_S + 30)

  // maxAge counts from iat, whatever exp says.
  const long = signToken({ a: 3 }, SECRET, { now: NOW, expiresIn: '1d' })
  t.is(accepted(t, long, { now: NOW + 3_600_000, maxAge: '1h' }).a, 3)
  refused(t, long, 'ERR_EXPIRED', { now: NOW + 3_601_000, maxAge: '1h' })
  t.is(accepted(t, long, { now: NOW + 3_601_000, maxAge: 3_600_000, clockTolerance: '1s' }).a, 3)
  refused(t, forge(HS256, `{"exp":${NOW_S + 600}}`), 'ERR_BAD_FORMAT', { maxAge: '1h' }) // maxAge needs iat

  // Missing exp: refused by default, accepted on request.
  const noExp = forge(HS256, `{"sub":"u1","iat":${NOW_S}}`)
  refused(t, noExp, 'ERR_BAD_FORMAT')
  refused(t, noExp, 'ERR_BAD_FORMAT', { requireExpiry: true })
  t.deepEqual(accepted(t, noExp, { requireExpiry: false }), { sub: 'u1', iat: NOW_S })
  t.throws(() => verifyToken(token, SECRET, { clockTolerance: -1 }), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => verifyToken(token, SECRET, { maxAge: 'forever' }), { code: 'ERR_INVALID_ARGUMENT' })
})

test(t_('token: signToken refuses times its own verifier would reject as malformed'), (t) => {
  // nbf past the year 9999, or an iat before 1970, would make a token no verifier accepts.
  t.throws(() => signToken({}, SECRET, { now: NOW, notBefore: '500000w' }), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => signToken({}, SECRET, { now: -5000 }), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => signToken({}, SECRET, { now: (MAX_NUMERIC_DATE + 1) * 1000 }), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => signToken({}, SECRET, { now: (MAX_NUMERIC_DATE - 10) * 1000, notBefore: '11s' }), {
    code: 'ERR_INVALID_ARGUMENT',
  })
  // Right up to the limit is fine.
  const last = signToken({}, SECRET, { now: (MAX_NUMERIC_DATE - 10) * 1000, expiresIn: '10s', notBefore: '5s' })
  t.deepEqual(accepted(t, last, { now: (MAX_NUMERIC_DATE - 1) * 1000 }), {
    iat: MAX_NUMERIC_DATE - 10,
    exp: MAX_NUMERIC_DATE,
    nbf: MAX_NUMERIC_DATE - 5,
  })
  t.is(accepted(t, signToken({}, SECRET, { now: 0, expiresIn: '1s' }), { now: 0 }).iat, 0)
})

// --- 9. Audience, issuer, purpose ----------------------------------------------------------------------

test(t_('token: audience checks'), (t) => {
  const one = signToken({}, SECRET, { now: NOW, audience: 'api' })
  t.is(accepted(t, one, { audience: 'api' }).aud, 'api')
  t.is(accepted(t, one, { audience: ['web', 'api'] }).aud, 'api')
  refused(t, one, 'ERR_WRONG_AUDIENCE', { audience: 'web' })
  refused(t, one, 'ERR_WRONG_AUDIENCE', { audience: ['web', 'mobile'] })
  refused(t, one, 'ERR_WRONG_AUDIENCE', { audience: [] })
  refused(t, one, 'ERR_WRONG_AUDIENCE') // a token with aud needs a verifier that names it
  refused(t, one, 'ERR_WRONG_AUDIENCE', { audience: 'API' })
  t.throws(() => verifyTokenOrThrow(one, SECRET, { now: NOW }), { instanceOf: ClaimError })

  const many = signToken({}, SECRET, { now: NOW, audience: ['a', 'b'] })
  t.deepEqual(accepted(t, many, { audience: 'b' }).aud, ['a', 'b'])
  t.deepEqual(accepted(t, many, { audience: ['c', 'a'] }).aud, ['a', 'b'])
  refused(t, many, 'ERR_WRONG_AUDIENCE', { audience: 'c' })
  refused(t, many, 'ERR_WRONG_AUDIENCE')

  const none = signToken({}, SECRET, { now: NOW })
  refused(t, none, 'ERR_WRONG_AUDIENCE', { audience: 'api' })
  refused(t, forge(HS256, `{"aud":[],"exp":${NOW_S + 60}}`), 'ERR_WRONG_AUDIENCE')
  for (const aud of ['1', '["a",1]', 'null', '{"a":1}']) {
    refused(t, forge(HS256, `{"aud":${aud},"exp":${NOW_S + 60}}`), 'ERR_BAD_FORMAT', { audience: 'a' }, SECRET, aud)
  }
})

test(t_('token: issuer checks'), (t) => {
  const token = signToken({}, SECRET, { now: NOW, issuer: 'auth.example' })
  t.is(accepted(t, token, { issuer: 'auth.example' }).iss, 'auth.example')
  t.is(accepted(t, token, { issuer: ['other', 'auth.example'] }).iss, 'auth.example')
  t.is(accepted(t, token).iss, 'auth.example') // no issuer required
  refused(t, token, 'ERR_WRONG_ISSUER', { issuer: 'evil.example' })
  refused(t, token, 'ERR_WRONG_ISSUER', { issuer: ['evil.example'] })
  t.throws(() => verifyTokenOrThrow(token, SECRET, { now: NOW, issuer: 'x' }), { instanceOf: ClaimError })
  refused(t, signToken({}, SECRET, { now: NOW }), 'ERR_WRONG_ISSUER', { issuer: 'auth.example' })
  refused(t, forge(HS256, `{"iss":1,"exp":${NOW_S + 60}}`), 'ERR_BAD_FORMAT')
  refused(t, forge(HS256, `{"iss":["auth.example"],"exp":${NOW_S + 60}}`), 'ERR_BAD_FORMAT', { issuer: 'auth.example' })
})

test(t_('token: subject checks'), (t) => {
  const token = signToken({}, SECRET, { now: NOW, subject: 'user-42' })
  t.is(accepted(t, token, { subject: 'user-42' }).sub, 'user-42')
  t.is(accepted(t, token).sub, 'user-42') // no subject required
  refused(t, token, 'ERR_WRONG_SUBJECT', { subject: 'user-43' })
  refused(t, signToken({}, SECRET, { now: NOW }), 'ERR_WRONG_SUBJECT', { subject: 'user-42' })
  t.throws(() => verifyTokenOrThrow(token, SECRET, { now: NOW, subject: 'x' }), { instanceOf: ClaimError })
  refused(t, forge(HS256, `{"sub":42,"exp":${NOW_S + 60}}`), 'ERR_BAD_FORMAT')
})

test(t_('token: claim options of the wrong type are refused at signing'), (t) => {
  const bad: Record<string, unknown>[] = [
    { audience: 42 },
    { audience: ['a', 1] },
    { issuer: ['x'] },
    { subject: 7 },
    { purpose: null },
  ]
  for (const options of bad) {
    t.throws(() => signToken({}, SECRET, options as never), { code: 'ERR_INVALID_ARGUMENT' }, JSON.stringify(options))
  }
})

test(t_('token: purpose must match both ways'), (t) => {
  const login = signToken({}, SECRET, { now: NOW, purpose: 'login' })
  t.is(accepted(t, login, { purpose: 'login' }).pur, 'login')
  refused(t, login, 'ERR_WRONG_PURPOSE', { purpose: 'reset' })
  refused(t, login, 'ERR_WRONG_PURPOSE') // made for a purpose, verifier expects none
  const plain = signToken({}, SECRET, { now: NOW })
  t.false('pur' in accepted(t, plain))
  refused(t, plain, 'ERR_WRONG_PURPOSE', { purpose: 'login' }) // verifier expects one, token has none
  t.throws(() => verifyTokenOrThrow(plain, SECRET, { now: NOW, purpose: 'login' }), { instanceOf: ClaimError })
  refused(t, forge(HS256, `{"pur":1,"exp":${NOW_S + 60}}`), 'ERR_BAD_FORMAT', { purpose: '1' })
  refused(t, forge(HS256, `{"pur":null,"exp":${NOW_S + 60}}`), 'ERR_BAD_FORMAT')
  refused(t, signToken({}, SECRET, { now: NOW, purpose: '' }), 'ERR_WRONG_PURPOSE')
})

// --- 11. Secrets -------------------------------------------------------------------------------------------

test(t_('token: short, placeholder and missing secrets are refused'), (t) => {
  const good = signToken({}, SECRET, { now: NOW })
  const short = ['a'.repeat(31), 'keyboard cat', 'secret', '', new Uint8Array(31), `${'é'.repeat(15)}a`, [SECRET, 'x'.repeat(31)]]
  for (const secret of short as SecretInput[]) {
    t.throws(() => signToken({}, secret), { code: 'ERR_KEY_TOO_SHORT', instanceOf: KeyError })
    // Key errors throw from verifyToken too: they are the caller's bug, not a bad token.
    t.throws(() => verifyToken(good, secret), { code: 'ERR_KEY_TOO_SHORT' })
    t.throws(() => verifyTokenOrThrow(good, secret), { code: 'ERR_KEY_TOO_SHORT' })
  }
  // Exactly 32 bytes is enough; repetitive secrets need the opt-out (this test is about length).
  const weak = { allowWeakKey: true }
  t.is(accepted(t, signToken({ n: 32 }, 'a'.repeat(32), { now: NOW, ...weak }), weak, 'a'.repeat(32)).n, 32)
  t.is(accepted(t, signToken({ n: 32 }, 'é'.repeat(16), { now: NOW, ...weak }), weak, 'é'.repeat(16)).n, 32) // bytes, not characters
  t.is(accepted(t, signToken({ n: 32 }, 'éàüöçñøåßæœêîôûë', { now: NOW }), {}, 'éàüöçñøåßæœêîôûë').n, 32)
  for (const secret of ['a'.repeat(32), 'é'.repeat(16), 'keyboard cat '.repeat(3), Buffer.alloc(32)]) {
    t.throws(() => signToken({}, secret), { code: 'ERR_KEY_WEAK', instanceOf: KeyError })
    t.throws(() => verifyToken(good, secret), { code: 'ERR_KEY_WEAK' })
  }
  t.throws(() => signToken({}, 42 as unknown as string), { code: 'ERR_INVALID_ARGUMENT' })
  t.throws(() => signToken({}, []), { code: 'ERR_NO_SECRET' })

  const saved = {
    secret: process.env.KEYCARD_SECRET,
    insecure: process.env.KEYCARD_ALLOW_INSECURE_KEY,
    nodeEnv: process.env.NODE_ENV,
  }
  delete process.env.KEYCARD_SECRET
  delete process.env.KEYCARD_ALLOW_INSECURE_KEY
  try {
    t.throws(() => signToken({}, undefined), { code: 'ERR_NO_SECRET', instanceOf: KeyError })
    t.throws(() => verifyToken(good, undefined), { code: 'ERR_NO_SECRET' })
    t.throws(() => verifyTokenOrThrow(good, undefined), { code: 'ERR_NO_SECRET' })
    process.env.NODE_ENV = 'production'
    t.throws(() => signToken({}, undefined, { allowInsecureKey: true }), { code: 'ERR_NO_SECRET' })
    // KEYCARD_SECRET is the configured default (comma-separated, first signs).
    process.env.KEYCARD_SECRET = `${SECRET_2},${SECRET}`
    const fromEnv = signToken({ e: 1 }, undefined, { now: NOW })
    t.is(decodeProtectedHeader(fromEnv).kid, kidOf(SECRET_2))
    t.is(accepted(t, fromEnv, {}, SECRET_2).e, 1)
    t.is(verifyTokenOrThrow(good, undefined, { now: NOW }).iat, NOW_S)
    process.env.KEYCARD_SECRET = 'keyboard cat'
    t.throws(() => signToken({}, undefined), { code: 'ERR_KEY_TOO_SHORT' })
  } finally {
    for (const [name, value] of [
      ['KEYCARD_SECRET', saved.secret],
      ['KEYCARD_ALLOW_INSECURE_KEY', saved.insecure],
      ['NODE_ENV', saved.nodeEnv],
    ] as const) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
})
