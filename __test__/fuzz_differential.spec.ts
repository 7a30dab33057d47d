/**
 * Differential fuzzing of every public primitive, native against fallback, with fast-check:
 * random and mutated input (bit flips, truncations, concatenations, lone surrogates, huge
 * lengths, odd types, fake AbortSignals, detached buffers...) goes to both backends, which must
 * return the same result or throw a KeycardError with the same code. Nothing may throw anything
 * else, except the hostile input's own exception (a throwing proxy or getter: `SENTINEL`). What
 * one backend signs or seals, the other must verify or open; a changed value must never verify.
 *
 * The file's wall time is KEYCARD_FUZZ_SECONDS (default 15), shared by weight between the
 * properties; `npm run fuzz` runs it for five minutes on each backend. A failure prints the
 * seed, the path and the shrunk counterexample; see __test__/helpers/fuzz.ts to replay one.
 *
 * Synchronous calls run on each backend through `on(native, …)` / `on(fallback, …)`. The password
 * functions look their backend up before their first await, so `on` selects it for them too; the
 * session manager looks it up after awaits, so the session properties run on the backend of this
 * run (the file runs once per backend) against fixed expectations instead.
 */

import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import bcrypt from 'bcryptjs'
import cookieSignature from 'cookie-signature'
import fc from 'fast-check'
import type { Backend } from '../src/backend/types'
import { Cache, setCacheClockForTests } from '../src/cache'
import { createCsrfToken, verifyCsrfToken } from '../src/csrf'
import { Keyring, resolveKeyring } from '../src/keys'
import { encodeBase64Url } from '../src/lib/encoding'
import { hashPassword, hashPasswordWithSalt, needsRehash, verifyPassword } from '../src/password'
import { DEFAULT_LIMITS } from '../src/password/phc'
import { seal, sealedLength, sealWithNonce, unseal, unsealOrThrow } from '../src/seal'
import { parseCookies, serializeCookie } from '../src/sessions/cookies'
import { SessionManager } from '../src/sessions/manager'
import { dataToJson } from '../src/sessions/serialize'
import { cookieStore } from '../src/sessions/stores/cookie'
import { memoryStore } from '../src/sessions/stores/memory'
import { sign, unsign, unsignOrThrow } from '../src/sign'
import { signToken, verifyToken, verifyTokenOrThrow } from '../src/token'
import { fallback, native, on, SECRET, SECRET_2, t_, testNative as test } from './helpers/backends'
import {
  type Backends,
  checkNoPollution,
  checkProperty,
  codeOf,
  fail,
  Huge,
  huge,
  isOk,
  isRepetitive,
  mutate,
  mutations,
  normalise,
  ODD_NAMES,
  Odd,
  type OddName,
  type Outcome,
  odd,
  onBoth,
  onBothAsync,
  outcome,
  outcomeAsync,
  realize,
  sameOutcome,
  secretVerdict,
  share,
  shortSecret,
  strongBytes,
  strongString,
  text,
  typed,
  weakSecret,
  wellFormedText,
  wellFormedUnit,
} from './helpers/fuzz'

const B: Backends = { native, fallback }
const utf8 = (s: string) => Buffer.from(s, 'utf8')

/** Registers a property with its share of the budget; serial, so budgets are wall time. */
function fuzz(title: string, weight: number, build: () => fc.IRawProperty<unknown[]>) {
  const budget = share(weight)
  test.serial(t_(`fuzz: ${title}`), async (t) => {
    await checkProperty(t, build(), budget())
  })
}

// --- Shared arbitraries and verdicts -------------------------------------------------------------

/** Secrets: mostly good ones (so the properties reach the formats), some weak, short or odd. */
const secretSpec = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom<unknown>(SECRET, SECRET_2) },
  { weight: 3, arbitrary: strongString },
  { weight: 3, arbitrary: strongBytes },
  {
    weight: 2,
    arbitrary: fc.constant([
      { id: 'new', secret: SECRET_2 },
      { id: 'old', secret: SECRET },
    ]),
  },
  { weight: 1, arbitrary: weakSecret },
  { weight: 1, arbitrary: shortSecret },
  { weight: 1, arbitrary: odd },
)

/** Strings around the 512-byte purpose limit, in 1- to 4-byte characters. */
const longPurpose = fc
  .tuple(fc.constantFrom(127, 128, 129, 170, 171, 255, 256, 257, 511, 512, 513, 700), fc.constantFrom('a', 'é', '€', '𝄞'))
  .map(([n, c]) => c.repeat(n))

const purposeSpec = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: text(24) },
  { weight: 1, arbitrary: longPurpose },
  { weight: 1, arbitrary: odd },
)

/** keycard's purpose rule: a well-formed string of at most 512 UTF-8 bytes (absent is ''). */
function purposeVerdict(purpose: unknown): 'ok' | 'ERR_INVALID_ARGUMENT' {
  if (purpose === undefined) return 'ok'
  if (typeof purpose !== 'string' || !purpose.isWellFormed() || utf8(purpose).length > 512) return 'ERR_INVALID_ARGUMENT'
  return 'ok'
}

const lengthLimitSpec = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 400 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(Number.NaN, -1, Number.POSITIVE_INFINITY, '100', null, 0.5, 2 ** 53) },
)

/** What `unsign` must say about a value of `length` under `maxLength` (ok: within bounds). */
function lengthVerdict(
  maxLength: unknown,
  length: number,
  fallbackLimit: number,
): 'ok' | 'ERR_TOO_LARGE' | 'ERR_INVALID_ARGUMENT' {
  if (maxLength === undefined) return length <= fallbackLimit ? 'ok' : 'ERR_TOO_LARGE'
  if (typeof maxLength !== 'number' || Number.isNaN(maxLength) || maxLength < 1) return 'ERR_INVALID_ARGUMENT'
  return length <= maxLength ? 'ok' : 'ERR_TOO_LARGE'
}

/** The tag after the last dot, rewritten in the other base64 alphabet (the cross-format forgery). */
const toStd = (signed: string) => {
  const dot = signed.lastIndexOf('.')
  return (
    signed.slice(0, dot + 1) +
    signed
      .slice(dot + 1)
      .replace(/-/g, '+')
      .replace(/_/g, '/')
  )
}
const toUrl = (signed: string) => {
  const dot = signed.lastIndexOf('.')
  return (
    signed.slice(0, dot + 1) +
    signed
      .slice(dot + 1)
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
  )
}

const nowSpec = fc.integer({ min: 0, max: 4_000_000_000_000 })
/** Odd clocks, but not `undefined`: that is the real clock, which moves between the two backends' calls. */
const oddNow = odd.filter((o) => o.name !== 'undefined')

// --- sign / unsign ------------------------------------------------------------------------------

fuzz('sign and unsign (keycard format): the backends agree; a changed value never verifies', 2, () =>
  fc.property(
    fc.oneof({ weight: 8, arbitrary: text() }, { weight: 1, arbitrary: huge }, { weight: 1, arbitrary: odd }),
    secretSpec,
    fc.oneof(
      { weight: 9, arbitrary: fc.record({ purpose: purposeSpec, maxLength: lengthLimitSpec }, { requiredKeys: [] }) },
      { weight: 1, arbitrary: odd },
    ),
    mutations,
    (valueSpec, secretSpecValue, optionsSpec, ops) => {
      const value = realize(valueSpec) as string
      const secret = realize(secretSpecValue) as string
      const options = realize(optionsSpec) as { purpose?: string; maxLength?: number }
      const details = { value: valueSpec, secret: secretSpecValue, options: optionsSpec }
      const signed = onBoth(B, 'sign', () => sign(value, secret, options), details)
      if (!isOk(signed)) return
      const text = signed.ok as string
      if (!text.startsWith(`${value}.`) || !/^[A-Za-z0-9_-]{43}$/.test(text.slice(value.length + 1))) {
        fail('sign wrote something other than value.tag', { ...details, signed: text })
      }
      const back = onBoth(B, 'unsign', () => unsignOrThrow(text, secret, options), details)
      const expected = lengthVerdict(options?.maxLength, text.length, 65_536)
      if (expected === 'ok' ? !isOk(back) || back.ok !== value : codeOf(back) !== expected) {
        fail('unsign did not give back what sign signed', { ...details, signed: text, back, expected })
      }
      const changed = mutate(text, ops)
      const opened = onBoth(B, 'unsign of a changed value', () => unsignOrThrow(changed, secret, options), {
        ...details,
        changed,
      })
      if (isOk(opened) && changed !== text) fail('a changed signed value verified', { ...details, signed: text, changed, ops })
    },
  ),
)

fuzz('sign and unsign (cookie-signature format): the backends agree with each other and with cookie-signature', 1.5, () =>
  fc.property(
    fc.oneof({ weight: 8, arbitrary: text() }, { weight: 1, arbitrary: huge }, { weight: 1, arbitrary: odd }),
    secretSpec,
    fc.record(
      {
        format: fc.oneof(
          { weight: 8, arbitrary: fc.constant('cookie-signature') },
          { weight: 1, arbitrary: fc.constantFrom<unknown>('Cookie-Signature', 'jwt', '', null, 1) },
        ),
        purpose: fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: text(8) }),
        maxLength: lengthLimitSpec,
      },
      { requiredKeys: ['format'] },
    ),
    mutations,
    (valueSpec, secretSpecValue, options, ops) => {
      const value = realize(valueSpec) as string
      const secret = realize(secretSpecValue) as string | Uint8Array
      const opts = options as { format: 'cookie-signature'; maxLength?: number }
      const details = { value: valueSpec, secret: secretSpecValue, options }
      const signed = onBoth(B, 'sign', () => sign(value, secret, opts), details)
      if (options.format !== 'cookie-signature' || options.purpose !== undefined) {
        if (isOk(signed)) fail('a bad format option, or a purpose with cookie-signature, was accepted', details)
        return
      }
      if (!isOk(signed)) return
      const text = signed.ok as string
      const single = typeof secret === 'string' || secret instanceof Uint8Array
      if (single && text !== cookieSignature.sign(value, Buffer.from(secret))) {
        fail('keycard and cookie-signature sign differently', {
          ...details,
          keycard: text,
          cookieSignature: cookieSignature.sign(value, Buffer.from(secret)),
        })
      }
      const back = onBoth(B, 'unsign', () => unsignOrThrow(text, secret, opts), details)
      const expected = lengthVerdict(opts.maxLength, text.length, 65_536)
      if (expected === 'ok' ? !isOk(back) || back.ok !== value : codeOf(back) !== expected) {
        fail('unsign did not give back what sign signed', { ...details, signed: text, back, expected })
      }
      const changed = mutate(text, ops)
      const opened = onBoth(B, 'unsign of a changed value', () => unsign(changed, secret, opts), { ...details, changed })
      if (isOk(opened) && opened.ok !== null && changed !== text) fail('a changed signed value verified', { ...details, changed })
      // cookie-signature accepts exactly the same changed values (keycard refuses more only where
      // it must: lone surrogates, which have no UTF-8 form, and values over maxLength).
      if (single && changed.isWellFormed() && lengthVerdict(opts.maxLength, changed.length, 65_536) === 'ok') {
        const theirs = cookieSignature.unsign(changed, Buffer.from(secret))
        if ((isOk(opened) ? opened.ok : null) !== (theirs === false ? null : theirs)) {
          fail('keycard and cookie-signature disagree on a changed value', { ...details, changed, keycard: opened, theirs })
        }
      }
    },
  ),
)

fuzz('length bounds come first: anything longer than maxLength / maxSize is ERR_TOO_LARGE, whatever it holds', 0.75, () =>
  fc.property(
    fc.integer({ min: 1, max: 300 }),
    fc.integer({ min: 1, max: 3000 }),
    fc.string({ unit: fc.oneof(wellFormedUnit, fc.constantFrom('\uD800', '\uDFFF', '.')), minLength: 1, maxLength: 4 }),
    fc.constantFrom<'keycard' | 'cookie-signature'>('keycard', 'cookie-signature'),
    (max, over, fill, format) => {
      const input = fill.repeat(Math.ceil((max + over) / fill.length)).slice(0, max + over)
      if (input.length <= max) return
      const details = { max, length: input.length, fill, format }
      const expectTooLarge = (label: string, o: Outcome) => {
        if (codeOf(o) !== 'ERR_TOO_LARGE') fail(`${label}: an over-long input was not ERR_TOO_LARGE`, { ...details, got: o })
      }
      expectTooLarge(
        'unsign',
        onBoth(B, 'unsign', () => unsignOrThrow(input, SECRET, { format, maxLength: max }), details),
      )
      expectTooLarge(
        'verifyToken',
        onBoth(B, 'verifyToken', () => verifyTokenOrThrow(input, SECRET, { maxLength: max }), details),
      )
      const sealedInput = fill.repeat(sealedLength(max, 64) + over).slice(0, sealedLength(max, 64) + over)
      if (sealedInput.length > sealedLength(max, 64)) {
        expectTooLarge(
          'unseal',
          onBoth(B, 'unseal', () => unsealOrThrow(sealedInput, SECRET, { maxSize: max }), details),
        )
      }
    },
  ),
)

// --- tokens -------------------------------------------------------------------------------------

const REGISTERED = new Set(['iat', 'exp', 'nbf', 'aud', 'iss', 'sub', 'pur'])
const claimKey = fc.oneof(
  { weight: 4, arbitrary: text(10) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toJSON', ...REGISTERED, 'kid', 'alg') },
)
const payloadSpec = fc.oneof(
  { weight: 8, arbitrary: fc.dictionary(claimKey, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5, noNullPrototype: true }) },
  { weight: 1, arbitrary: odd },
)
const durationSpec = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 10_000_000_000 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      '1h',
      '15m',
      '0s',
      '500ms',
      '-1s',
      'abc',
      Number.NaN,
      -1,
      Number.POSITIVE_INFINITY,
      1e300,
      '',
    ),
  },
)

fuzz('tokens: the backends agree on signing and verifying; a changed token never verifies', 2, () =>
  fc.property(
    payloadSpec,
    secretSpec,
    fc.record(
      {
        now: fc.oneof({ weight: 9, arbitrary: nowSpec }, { weight: 1, arbitrary: oddNow }),
        expiresIn: durationSpec,
        notBefore: durationSpec,
        audience: fc.oneof(fc.constant(undefined), text(8), fc.array(text(8), { maxLength: 3 }), odd),
        issuer: fc.oneof(fc.constant(undefined), text(8), odd),
        subject: fc.oneof(fc.constant(undefined), text(8), odd),
        purpose: purposeSpec,
      },
      { requiredKeys: ['now'] },
    ),
    mutations,
    (payloadSpecValue, secretSpecValue, optionsSpec, ops) => {
      const payload = realize(payloadSpecValue) as Record<string, unknown>
      const secret = realize(secretSpecValue) as string
      const options = realize(optionsSpec) as Record<string, unknown>
      const details = { payload: payloadSpecValue, secret: secretSpecValue, options: optionsSpec }
      const signed = onBoth(B, 'signToken', () => signToken(payload, secret, options), details)
      if (!isOk(signed)) return
      const token = signed.ok as string
      const { now, audience, issuer, subject, purpose } = options
      const verifyOptions = { now, audience, issuer, subject, purpose } as Record<string, unknown>
      const verified = onBoth(B, 'verifyToken', () => verifyTokenOrThrow(token, secret, verifyOptions), { ...details, token })
      const plain =
        !Object.keys(payload).some((k) => REGISTERED.has(k)) &&
        options.expiresIn === undefined &&
        options.notBefore === undefined &&
        audience === undefined &&
        issuer === undefined &&
        subject === undefined
      if (plain) {
        if (!isOk(verified)) fail('a fresh token did not verify', { ...details, token, verified })
        const claims = verified.ok as Record<string, unknown>
        if (claims.iat !== Math.floor((now as number) / 1000)) fail('iat is not the signing time', { ...details, claims })
        for (const key of Object.keys(payload)) {
          if (REGISTERED.has(key)) continue
          if (!Object.hasOwn(claims, key) || JSON.stringify(claims[key]) !== JSON.stringify(payload[key])) {
            fail(`claim ${JSON.stringify(key)} did not come back`, { ...details, claims })
          }
        }
      }
      checkNoPollution('verifyToken')
      const changed = mutate(token, ops)
      const opened = onBoth(B, 'verifyToken of a changed token', () => verifyTokenOrThrow(changed, secret, verifyOptions), {
        ...details,
        changed,
      })
      if (isOk(opened) && changed !== token) fail('a changed token verified', { ...details, token, changed, ops })
    },
  ),
)

// --- cross-format confusion ---------------------------------------------------------------------

fuzz('cross-format: no keycard output verifies as another format, another purpose or a token', 2, () =>
  fc.property(
    fc.oneof(fc.constantFrom<unknown>(SECRET, SECRET_2), strongString, strongBytes),
    wellFormedText(40),
    fc.tuple(wellFormedText(20), wellFormedText(20)).filter(([p, q]) => p !== q),
    wellFormedText(24, 1),
    fc.dictionary(wellFormedText(8), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3, noNullPrototype: true }),
    nowSpec,
    (secret, value, [p, q], sessionId, claims, now) => {
      const key = secret as string
      const details = { secret, value, p, q, sessionId, claims, now }
      for (const backend of [native, fallback]) {
        on(backend, () => {
          const refused = (label: string, o: Outcome) => {
            typed(label, o, details)
            if (isOk(o) && o.ok !== null && o.ok !== false) fail(`${backend.name}: ${label} was accepted`, { ...details, got: o })
          }
          const signed = sign(value, key, { purpose: p })
          refused(
            'a value signed for one purpose, under another',
            outcome(() => unsign(signed, key, { purpose: q })),
          )
          refused(
            'a keycard value as cookie-signature',
            outcome(() => unsign(toStd(signed), key, { format: 'cookie-signature' })),
          )
          const cookie = sign(value, key, { format: 'cookie-signature' })
          refused(
            'a cookie-signature value as keycard',
            outcome(() => unsign(toUrl(cookie), key, { purpose: p })),
          )
          refused(
            'a cookie-signature value as keycard (no purpose)',
            outcome(() => unsign(toUrl(cookie), key)),
          )

          // Tokens and cookie-signature both use HMAC-SHA256: a token's signature must not be a
          // cookie-signature tag of `header.claims`, nor the other way round.
          const token = signToken(claims, key, { now })
          refused(
            'a token as a cookie-signature value',
            outcome(() => unsign(toStd(token), key, { format: 'cookie-signature' })),
          )
          refused(
            'a token as a keycard value',
            outcome(() => unsign(token, key, { purpose: p })),
          )
          const kid = resolveKeyring(key).ids[0] as string
          const header = encodeBase64Url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid }))
          const body = encodeBase64Url(
            JSON.stringify({ ...claims, sub: 'admin', iat: Math.floor(now / 1000), exp: Math.floor(now / 1000) + 3600 }),
          )
          const viaCookie = sign(`${header}.${body}`, key, { format: 'cookie-signature' })
          refused(
            'a cookie-signature tag as a token signature',
            outcome(() => verifyToken(toUrl(viaCookie), key, { now })),
          )
          const viaSign = sign(`${header}.${body}`, key, { purpose: p })
          refused(
            'a keycard tag as a token signature',
            outcome(() => verifyToken(viaSign, key, { now })),
          )

          // CSRF tokens tag `nonce.sessionId`; a signed value of the same text must not pass.
          const csrf = createCsrfToken(sessionId, key)
          const nonce = csrf.slice(0, 22)
          const tagOf = (s: string) => s.slice(s.lastIndexOf('.') + 1)
          const signedNonce = sign(`${nonce}.${sessionId}`, key, { purpose: p })
          refused(
            'a keycard tag as a CSRF token',
            outcome(() => verifyCsrfToken(`${nonce}.${tagOf(signedNonce)}`, sessionId, key)),
          )
          const cookieNonce = sign(`${nonce}.${sessionId}`, key, { format: 'cookie-signature' })
          refused(
            'a cookie-signature tag as a CSRF token',
            outcome(() => verifyCsrfToken(`${nonce}.${tagOf(toUrl(cookieNonce))}`, sessionId, key)),
          )
          refused(
            'a CSRF token as a keycard value',
            outcome(() => unsign(csrf, key, { purpose: p })),
          )
          refused(
            'a CSRF token as a cookie-signature value',
            outcome(() => unsign(toStd(csrf), key, { format: 'cookie-signature' })),
          )

          const sealed = seal(value, key, { purpose: p })
          refused(
            'a sealed value as a signed value',
            outcome(() => unsign(sealed, key, { purpose: p })),
          )
          refused(
            'a sealed value as a token',
            outcome(() => verifyToken(sealed, key, { now })),
          )
          refused(
            'a sealed value under another purpose',
            outcome(() => unseal(sealed, key, { purpose: q })),
          )
          refused(
            'a signed value as a sealed value',
            outcome(() => unseal(signed, key, { purpose: p })),
          )
        })
      }
    },
  ),
)

// --- seal / unseal ------------------------------------------------------------------------------

const sealDataSpec = fc.oneof(
  { weight: 4, arbitrary: text(60) },
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: huge },
  { weight: 2, arbitrary: odd },
)

fuzz(
  'seal and unseal: the backends write the same bytes (fixed nonce) and open each other’s values; a changed value never opens',
  2,
  () =>
    fc.property(
      sealDataSpec,
      secretSpec,
      fc.record(
        {
          purpose: purposeSpec,
          ttl: durationSpec,
          notBefore: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: durationSpec }),
          maxSize: fc.oneof(
            fc.constant(undefined),
            fc.integer({ min: 0, max: 500 }),
            fc.constantFrom<unknown>(Number.NaN, -1, '100', Number.POSITIVE_INFINITY),
          ),
          now: fc.oneof({ weight: 9, arbitrary: nowSpec }, { weight: 1, arbitrary: oddNow }),
        },
        { requiredKeys: ['now'] },
      ),
      fc.uint8Array({ minLength: 12, maxLength: 12 }),
      mutations,
      (dataSpec, secretSpecValue, optionsSpec, nonce, ops) => {
        const data = realize(dataSpec)
        const secret = realize(secretSpecValue) as string
        const options = realize(optionsSpec) as Record<string, unknown>
        const details = { data: dataSpec, secret: secretSpecValue, options: optionsSpec }
        const sealed = onBoth(B, 'seal (fixed nonce)', () => sealWithNonce(data, secret, options, nonce), details)
        if (!isOk(sealed)) return
        const text = sealed.ok as string
        const openOptions = { purpose: options.purpose, now: options.now, maxSize: options.maxSize } as Record<string, unknown>
        const opened = onBoth(B, 'unseal', () => unsealOrThrow(text, secret, openOptions), { ...details, sealed: text })
        if (isOk(opened)) {
          const expected = typeof data === 'string' || data instanceof Uint8Array ? data : JSON.parse(JSON.stringify(data))
          if (!isDeepStrictEqual(normalise(opened.ok), normalise(expected))) {
            fail('unseal did not give back what was sealed', { ...details, got: opened.ok, expected })
          }
          checkNoPollution('unseal')
          // With a random nonce too, each backend opens what the other sealed.
          for (const [from, to] of [
            [native, fallback],
            [fallback, native],
          ] as const) {
            const fresh = outcome(() => on(from, () => seal(data, secret, options)))
            if (!isOk(fresh)) fail(`${from.name}: seal failed where sealWithNonce did not`, { ...details, fresh })
            const across = outcome(() => on(to, () => unsealOrThrow(fresh.ok as string, secret, openOptions)))
            if (!sameOutcome(across, opened)) {
              fail(`${to.name} does not open what ${from.name} sealed`, { ...details, across, opened })
            }
          }
        }
        const changed = mutate(text, ops)
        const reopened = onBoth(B, 'unseal of a changed value', () => unsealOrThrow(changed, secret, openOptions), {
          ...details,
          changed,
        })
        if (isOk(reopened) && changed !== text) fail('a changed sealed value opened', { ...details, sealed: text, changed, ops })
      },
    ),
)

/** Leaves of data trees: JSON values, and values JSON would change or refuse. */
const LOSSY: OddName[] = [
  'NaN',
  'infinity',
  'negInfinity',
  'map',
  'set',
  'bytes',
  'fn',
  'symbol',
  'bigint',
  'boxedString',
  'boxedNumber',
  'regexp',
  'error',
  'float64',
  'dataView',
  'cyclic',
]
const DOCUMENTED: OddName[] = ['date', 'invalidDate', 'undefined', 'negZero']
const treeSpec = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 0 }) },
    { weight: 1, arbitrary: fc.constantFrom(...LOSSY, ...DOCUMENTED).map((name) => new Odd(name)) },
    { weight: 2, arbitrary: fc.array(tie('node'), { maxLength: 3 }) },
    { weight: 2, arbitrary: fc.dictionary(wellFormedText(6), tie('node'), { maxKeys: 3, noNullPrototype: true }) },
  ),
})).node

/**
 * Whether JSON writes `value` faithfully enough to be accepted (what stringifyStrict documents):
 * no non-finite number, function, symbol, BigInt, cycle, or object other than a plain object or
 * an array, at any depth, after `toJSON`. `undefined` properties, -0 and Dates are fine.
 */
function faithful(value: unknown, top = true, seen = new Set<unknown>()): boolean {
  let v = value
  if (typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as Date).toJSON()
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v)
    case 'string':
    case 'boolean':
      return true
    case 'undefined':
      return !top
    case 'object': {
      if (v === null) return true
      if (seen.has(v)) return false
      seen.add(v)
      const ok = Array.isArray(v)
        ? v.every((item) => faithful(item, false, seen))
        : Object.prototype.toString.call(v) === '[object Object]' &&
          Object.keys(v).every((k) => faithful((v as Record<string, unknown>)[k], false, seen))
      seen.delete(v)
      return ok
    }
    default:
      return false
  }
}

fuzz('seal: data JSON would change (Map, Set, NaN, functions...) is ERR_NOT_SERIALIZABLE; the rest round-trips', 0.75, () =>
  fc.property(treeSpec, (spec) => {
    const data = realize(spec)
    // Top-level strings and Uint8Arrays are sealed as text and bytes, not JSON.
    if (typeof data === 'string' || data instanceof Uint8Array) return
    const sealed = onBoth(B, 'seal', () => sealWithNonce(data, SECRET, { purpose: 'tree', now: 0, ttl: 0 }, new Uint8Array(12)), {
      data: spec,
    })
    if (!faithful(data)) {
      if (codeOf(sealed) !== 'ERR_NOT_SERIALIZABLE') fail('data JSON cannot write faithfully was sealed', { data: spec, sealed })
      return
    }
    if (!isOk(sealed)) fail('faithful JSON data was refused', { data: spec, sealed })
    const opened = onBoth(B, 'unseal', () => unsealOrThrow(sealed.ok as string, SECRET, { purpose: 'tree', now: 0 }), {
      data: spec,
    })
    if (!isOk(opened) || JSON.stringify(opened.ok) !== JSON.stringify(data))
      fail('sealed data came back changed', { data: spec, opened })
  }),
)

fuzz('cache values, token payloads and session data: JSON that would change is refused, as seal does', 0.75, () =>
  fc.property(
    fc.dictionary(
      wellFormedText(6).filter((k) => !REGISTERED.has(k) && k !== 'toJSON'),
      treeSpec,
      { minKeys: 1, maxKeys: 3, noNullPrototype: true },
    ),
    (spec) => {
      const data = realize(spec) as Record<string, unknown>
      const expectRefused = !faithful(data)
      // Every writer is checked before failing, so one report names all that are wrong.
      const wrong: Record<string, unknown> = {}
      const check = (label: string, o: Outcome, back: () => unknown) => {
        typed(label, o, { data: spec })
        if (expectRefused ? codeOf(o) !== 'ERR_NOT_SERIALIZABLE' : !isOk(o)) wrong[label] = { got: o, readBack: back() }
      }
      const cache = on(native, () => new Cache({ maxSize: 4 }))
      check(
        'Cache.set (native)',
        outcome(() => cache.set('k', data)),
        () => cache.get('k'),
      )
      const fallbackCache = on(fallback, () => new Cache({ maxSize: 4 }))
      check(
        'Cache.set (fallback)',
        outcome(() => fallbackCache.set('k', data)),
        () => fallbackCache.get('k'),
      )
      const token = onBoth(B, 'signToken', () => signToken(data, SECRET, { now: 0 }), { data: spec })
      check('signToken', token, () => (isOk(token) ? verifyToken(token.ok as string, SECRET, { now: 0 }) : null))
      const session = outcome(() => dataToJson(data))
      check('session data', session, () => (isOk(session) ? session.ok : null))
      if (Object.keys(wrong).length > 0) {
        const what = expectRefused ? 'data JSON would change was accepted' : 'faithful JSON data was refused'
        fail(`${what} by: ${Object.keys(wrong).join(', ')}`, { data: spec, ...wrong })
      }
    },
  ),
)

fuzz('seal: ttl and notBefore hold to the millisecond they name, on both backends', 0.75, () =>
  fc.property(
    fc.integer({ min: 0, max: 4_000_000_000_000 }),
    fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 100_000 })),
    fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 100_000 })),
    fc.integer({ min: 0, max: 100_000 }),
    (now, ttl, notBefore, offset) => {
      const options = { ttl, notBefore, now, purpose: 'time' }
      const sealed = onBoth(B, 'seal', () => sealWithNonce('x', SECRET, options, new Uint8Array(12)), options)
      if (!isOk(sealed)) fail('seal refused a valid time', { options, sealed })
      const at = (t: number) =>
        onBoth(B, 'unseal', () => unsealOrThrow(sealed.ok as string, SECRET, { now: t, purpose: 'time' }), { options, t })
      const from = now + (notBefore ?? 0)
      const until = ttl === 0 ? Number.POSITIVE_INFINITY : now + ttl
      // Valid from the very millisecond notBefore names until (not including) the one ttl names.
      const inside = from + (offset % Math.max(1, Math.min(until, from + 100_000) - from))
      if (inside < until && !isOk(at(inside))) fail('refused while valid', { options, t: inside, got: at(inside) })
      if (!isOk(at(from)) && from < until) fail('refused at the notBefore instant', { options, got: at(from) })
      // Second precision: never valid a whole second early or a whole second late.
      if (ttl !== 0 && codeOf(at(until + 1000 + offset)) !== 'ERR_EXPIRED') fail('not expired a second after ttl', { options })
      if (notBefore !== undefined && from - 1000 - offset >= 0 && from - 1000 - offset < until) {
        if (codeOf(at(from - 1000 - offset)) !== 'ERR_NOT_YET_VALID') fail('valid a second before notBefore', { options })
      }
    },
  ),
)

// --- purposes and secrets -----------------------------------------------------------------------

fuzz('purposes: over 512 UTF-8 bytes, a lone surrogate or not a string is ERR_INVALID_ARGUMENT everywhere', 0.75, () =>
  fc.property(
    fc.oneof(
      text(30),
      longPurpose,
      odd,
      fc.tuple(text(10), fc.integer({ min: 0xd800, max: 0xdfff })).map(([s, c]) => s + String.fromCharCode(c)),
    ),
    (purposeSpecValue) => {
      const purpose = realize(purposeSpecValue) as string
      const expected = purposeVerdict(purpose)
      const details = { purpose: purposeSpecValue, expected }
      const calls: [string, () => unknown][] = [
        ['sign', () => sign('v', SECRET, { purpose })],
        ['unsign', () => unsignOrThrow('v.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', SECRET, { purpose })],
        ['seal', () => typeof seal('v', SECRET, { purpose })],
        ['unseal', () => unsealOrThrow('AQ', SECRET, { purpose })],
        ['signToken', () => signToken({}, SECRET, { purpose, now: 0 })],
        ['verifyToken', () => verifyTokenOrThrow('a.b.c', SECRET, { purpose })],
      ]
      for (const [label, call] of calls) {
        const got = onBoth(B, label, call, details)
        const code = codeOf(got)
        if (code === 'SENTINEL') continue
        if (expected === 'ok' ? code === 'ERR_INVALID_ARGUMENT' : code !== 'ERR_INVALID_ARGUMENT') {
          fail(`${label}: the purpose was ${expected === 'ok' ? 'refused' : 'accepted'}`, { ...details, got })
        }
      }
    },
  ),
)

fuzz(
  'secrets: too short is ERR_KEY_TOO_SHORT, a repeated pattern ERR_KEY_WEAK, in every primitive and from KEYCARD_SECRET',
  0.75,
  () =>
    fc.property(fc.oneof(strongString, strongBytes, weakSecret, shortSecret), fc.boolean(), (secret, inRing) => {
      const expected = secretVerdict(secret)
      const input = inRing ? [SECRET, secret] : secret
      const details = { secret, inRing, expected }
      const calls: [string, () => unknown][] = [
        ['new Keyring', () => new Keyring(input).ids],
        ['sign', () => sign('v', input)],
        ['unsign', () => unsign('v.x', input)],
        ['signToken', () => signToken({}, input, { now: 0 })],
        ['verifyToken', () => verifyToken('a.b.c', input)],
        ['seal', () => typeof seal('v', input)],
        ['unseal', () => unseal('x', input)],
        ['createCsrfToken', () => typeof createCsrfToken('sid', input)],
        ['verifyCsrfToken', () => verifyCsrfToken('x', 'sid', input)],
      ]
      for (const [label, call] of calls) {
        const got = onBoth(B, label, call, details)
        if (expected === 'ok' ? !isOk(got) : codeOf(got) !== expected)
          fail(`${label}: wrong answer for this secret`, { ...details, got })
      }
      if (expected === 'ERR_KEY_WEAK') {
        const allowed = onBoth(B, 'sign with allowWeakKey', () => sign('v', input, { allowWeakKey: true }), details)
        if (!isOk(allowed)) fail('allowWeakKey did not allow a weak secret', { ...details, allowed })
      }
      // The same secret from the environment (which keycard splits at commas and trims): as strict.
      if (typeof secret === 'string' && secret !== '' && !secret.includes(',') && !secret.includes('\0')) {
        const fromEnv = secretVerdict(secret.trim())
        const saved = process.env.KEYCARD_SECRET
        process.env.KEYCARD_SECRET = secret
        try {
          const got = onBoth(B, 'sign with KEYCARD_SECRET', () => sign('v', undefined), details)
          if (fromEnv === 'ok' ? !isOk(got) : codeOf(got) !== fromEnv)
            fail('KEYCARD_SECRET: wrong answer', { ...details, fromEnv, got })
        } finally {
          if (saved === undefined) delete process.env.KEYCARD_SECRET
          else process.env.KEYCARD_SECRET = saved
        }
      }
    }),
)

fuzz('keyring: keys derived for ever more purposes stay bounded (old ones are derived again)', 0.5, () =>
  fc.property(fc.integer({ min: 10_000, max: 10_050 }), fc.constantFrom('native', 'fallback'), (count, name) => {
    const base = name === 'native' ? native : fallback
    let derivations = 0
    const counting: Backend = {
      ...base,
      createMacKeys(secrets, info, base64Std) {
        derivations++
        return base.createMacKeys(secrets, info, base64Std)
      },
    }
    on(counting, () => {
      const keyring = new Keyring(SECRET)
      sign('v', keyring, { purpose: 'first' })
      for (let i = 0; i < count; i++) sign('v', keyring, { purpose: `p${i}` })
      const before = derivations
      sign('v', keyring, { purpose: 'first' })
      if (derivations === before) fail(`${base.name}: ${count} purposes later, the first purpose's keys were still held`)
    })
  }),
)

// --- CSRF ---------------------------------------------------------------------------------------

fuzz('CSRF: each backend verifies the other’s tokens; hostile tokens and session ids are false, never a throw', 1, () =>
  fc.property(
    wellFormedText(30, 1),
    fc.oneof({ weight: 6, arbitrary: text(30) }, { weight: 1, arbitrary: odd }),
    fc.oneof({ weight: 6, arbitrary: mutations }, { weight: 1, arbitrary: fc.constant(null) }),
    fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: anyTokenSpec() }),
    (sessionId, otherIdSpec, ops, replacement) => {
      const otherId = realize(otherIdSpec) as string
      const details = { sessionId, otherId: otherIdSpec }
      for (const [from, to] of [
        [native, fallback],
        [fallback, native],
      ] as const) {
        const token = on(from, () => createCsrfToken(sessionId, SECRET))
        if (!on(to, () => verifyCsrfToken(token, sessionId, SECRET)))
          fail(`${to.name} refused a token ${from.name} made`, { ...details, token })
        const candidate = replacement !== null ? realize(replacement) : ops === null ? token : mutate(token, ops)
        const got = onBoth(B, 'verifyCsrfToken', () => verifyCsrfToken(candidate, otherId, SECRET), {
          ...details,
          token,
          candidate,
        })
        if (!isOk(got) || typeof got.ok !== 'boolean') fail('verifyCsrfToken did not answer a boolean', { ...details, got })
        if (got.ok && !(candidate === token && otherId === sessionId))
          fail('a changed or foreign CSRF token passed', { ...details, token, candidate })
      }
      const made = onBoth(B, 'createCsrfToken', () => typeof createCsrfToken(otherId, SECRET), details)
      const validId = typeof otherId === 'string' && otherId.length > 0 && otherId.isWellFormed()
      if (validId !== isOk(made)) fail('createCsrfToken: wrong answer for this session id', { ...details, made })
    },
  ),
)

function anyTokenSpec() {
  return fc.oneof(text(70), odd, huge)
}

// --- passwords ----------------------------------------------------------------------------------

/** What the password spies saw: every job handed to a backend, and whether it really ran. */
interface Job {
  kind: 'argon2id' | 'bcrypt'
  m?: number
  t?: number
  p?: number
  cost?: number
  passwordBytes: number
  ran: boolean
}

/**
 * A backend that hashes for real only when it is cheap (so the suite never spends seconds or
 * gigabytes on a hostile hash) and records every job it was given, so properties can check that
 * nothing above the limits ever reached a backend. Expensive jobs get a fixed answer: the tag of
 * zeros (never a stored tag here) or false.
 */
function spy(base: Backend, jobs: Job[]): Backend {
  return {
    ...base,
    argon2id(job, signal) {
      const ran = job.m <= 256 && job.t <= 3 && job.p <= 4
      jobs.push({ kind: 'argon2id', m: job.m, t: job.t, p: job.p, passwordBytes: job.password.byteLength, ran })
      return ran ? base.argon2id(job, signal) : Promise.resolve(new Uint8Array(job.tagLength))
    },
    bcryptVerify(stored, password, signal) {
      const cost = Number(stored.slice(4, 6))
      const ran = cost <= 5
      jobs.push({ kind: 'bcrypt', cost, passwordBytes: password.byteLength, ran })
      return ran ? base.bcryptVerify(stored, password, signal) : Promise.resolve(false)
    },
  }
}

function spies(): { backends: Backends; jobs: Job[] } {
  const jobs: Job[] = []
  return { backends: { native: spy(native, jobs), fallback: spy(fallback, jobs) }, jobs }
}

const cheapParams = fc
  .record({
    p: fc.integer({ min: 1, max: 4 }),
    t: fc.integer({ min: 1, max: 3 }),
    saltLength: fc.integer({ min: 8, max: 64 }),
    tagLength: fc.integer({ min: 16, max: 64 }),
  })
  .chain((r) =>
    fc
      .record({
        m: fc.integer({ min: 8 * r.p, max: 256 }),
        salt: fc.uint8Array({ minLength: r.saltLength, maxLength: r.saltLength }),
      })
      .map((x) => ({ ...r, ...x })),
  )

const passwordSpec = fc.oneof(wellFormedText(40, 1), fc.uint8Array({ minLength: 1, maxLength: 80 }))

fuzz(
  'passwords: cheap argon2id hashes are the same on both backends and verify across them; changed hashes get the same answer',
  2,
  () =>
    fc.asyncProperty(
      cheapParams,
      passwordSpec,
      fc.oneof(fc.constant(undefined), wellFormedText(12, 1), fc.uint8Array({ minLength: 1, maxLength: 16 })),
      mutations,
      async ({ m, t, p, saltLength, tagLength, salt }, password, pepper, ops) => {
        const { backends, jobs } = spies()
        const options = { memoryKiB: m, passes: t, lanes: p, saltLength, tagLength, pepper }
        const details = { options, password }
        const hashed = await onBothAsync(backends, 'hash', () => hashPasswordWithSalt(password, salt, options), details)
        if (!isOk(hashed)) fail('a cheap, valid hash was refused', { ...details, hashed })
        const stored = hashed.ok as string
        const expect = async (label: string, pw: string | Uint8Array, opts: object, want: boolean) => {
          const got = await onBothAsync(backends, label, () => verifyPassword(stored, pw, opts), { ...details, stored })
          if (!isOk(got) || got.ok !== want) fail(`${label}: expected ${want}`, { ...details, stored, got })
        }
        await expect('verify', password, options, true)
        const other = typeof password === 'string' ? `${password}x` : Uint8Array.from([...password, 0])
        await expect('verify another password', other, options, false)
        if (pepper !== undefined) await expect('verify without the pepper', password, { ...options, pepper: undefined }, false)
        const changed = mutate(stored, ops)
        await onBothAsync(backends, 'verify a changed hash', () => verifyPassword(changed, password, options), {
          ...details,
          changed,
        })
        onBoth(backends, 'needsRehash of a changed hash', () => needsRehash(changed, options), { ...details, changed })
        // The hash and the verifications before the changed hash ran for real, on both backends.
        if (jobs.length < 6 || !jobs.slice(0, 6).every((j) => j.ran))
          fail('the cheap hashes did not reach the backends', { ...details, jobs })
      },
    ),
)

const limitValue = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(0, 1, 4, 8, 16, 64, 1024, 262_144, 2 ** 21, 2 ** 32, Number.POSITIVE_INFINITY),
  },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(Number.NaN, -1, Number.NEGATIVE_INFINITY, '64', null, 1.5, true, {}) },
)
const storedSpec = fc.oneof(
  fc
    .record({
      m: fc.constantFrom(8, 64, 4096, 262_144, 262_145, 2 ** 21, 2 ** 21 + 1, 4_194_304, 2 ** 32 - 1),
      t: fc.constantFrom(1, 2, 16, 17, 1024, 1025, 2 ** 32 - 1),
      p: fc.constantFrom(1, 2, 16, 17, 255, 256),
    })
    .map(({ m, t, p }) => `$argon2id$v=19$m=${m},t=${t},p=${p}$${'A'.repeat(22)}$${'A'.repeat(43)}`),
  fc.integer({ min: 4, max: 31 }).map((cost) => `$2b$${String(cost).padStart(2, '0')}$${'.'.repeat(53)}`),
)

fuzz('passwords: limits of any type never lift a bound; nothing above them reaches a backend', 1.5, () =>
  fc.asyncProperty(
    storedSpec,
    fc.record(
      {
        maxMemoryKiB: limitValue,
        maxPasses: limitValue,
        maxLanes: limitValue,
        maxPasswordBytes: limitValue,
        maxBcryptCost: limitValue,
      },
      { requiredKeys: [] },
    ),
    fc.oneof(
      fc.constant('password'),
      fc.constantFrom(4097, 100_000).map((n) => 'x'.repeat(n)),
    ),
    fc.record({ memoryKiB: limitValue, passes: limitValue, lanes: limitValue }, { requiredKeys: [] }),
    async (stored, limits, password, hashOptions) => {
      const { backends, jobs } = spies()
      const details = { stored, limits, password: password.length, hashOptions }
      const got = await onBothAsync(
        backends,
        'verifyPassword',
        () => verifyPassword(stored, password, { limits: limits as object }),
        details,
      )
      if (isOk(got) && typeof got.ok !== 'boolean') fail('verifyPassword did not answer a boolean', { ...details, got })
      const hashed = await onBothAsync(
        backends,
        'hashPassword',
        async () => typeof (await hashPassword(password, { ...(hashOptions as object), limits: limits as object })),
        details,
      )
      typed('hashPassword', hashed, details)
      const bound = (value: unknown, fallbackLimit: number) =>
        typeof value === 'number' && !Number.isNaN(value) ? value : fallbackLimit
      const l = limits as Record<string, unknown>
      for (const job of jobs) {
        const over =
          job.kind === 'argon2id'
            ? (job.m as number) > Math.min(bound(l.maxMemoryKiB, DEFAULT_LIMITS.maxMemoryKiB), 2 ** 21) ||
              (job.t as number) > Math.min(bound(l.maxPasses, DEFAULT_LIMITS.maxPasses), 1024) ||
              (job.p as number) > Math.min(bound(l.maxLanes, DEFAULT_LIMITS.maxLanes), 255)
            : (job.cost as number) > Math.min(bound(l.maxBcryptCost, DEFAULT_LIMITS.maxBcryptCost), 31)
        const tooLong = job.passwordBytes > bound(l.maxPasswordBytes, DEFAULT_LIMITS.maxPasswordBytes)
        if (over || tooLong) fail('a job above the limits reached a backend', { ...details, job, got, hashed })
      }
    },
  ),
)

/** bcrypt hashes (cost 4, by bcryptjs) of the passwords seen so far, so each is hashed once. */
const bcryptOf = new Map<string, string>()
function bcryptHash(password: string): string {
  let hash = bcryptOf.get(password)
  if (hash === undefined) {
    hash = bcrypt.hashSync(password, 4)
    if (bcryptOf.size > 256) bcryptOf.clear()
    bcryptOf.set(password, hash)
  }
  return hash
}

/** `password`'s UTF-8 with every U+FFFD (EF BF BD) replaced by one invalid byte, which decodes back to U+FFFD. */
function invalidUtf8Twin(password: string, byte: number): Uint8Array {
  const bytes = [...utf8(password)]
  const out: number[] = []
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0xef && bytes[i + 1] === 0xbf && bytes[i + 2] === 0xbd) {
      out.push(byte)
      i += 2
    } else out.push(bytes[i] as number)
  }
  return Uint8Array.from(out)
}

/**
 * bcrypt hashes (cost 4) of raw bytes that are not UTF-8, or are UTF-8 with a byte-order mark,
 * made with the Rust bcrypt crate; the BOM one is bcryptjs's hash of '\uFEFFA' too. bcrypt
 * hashes bytes, and other implementations (PHP, OpenBSD) store hashes of such bytes.
 */
const RAW_BCRYPT: readonly { hex: string; hash: string }[] = [
  { hex: 'ff', hash: '$2b$04$/uaF/uaF/uaF/uaF/uaF/u2lvaz7BFbtvX5U82iB5mftz6MRbTe9y' },
  { hex: '804142', hash: '$2b$04$/uaF/uaF/uaF/uaF/uaF/u2EMcx4ZWZQtwNLrFgoOOVNSJXUD1S5C' },
  { hex: 'c328', hash: '$2b$04$/uaF/uaF/uaF/uaF/uaF/uZmIA2Z6gkoZOCqt5WIG7gmqOhQqjCIq' },
  { hex: 'eda080', hash: '$2b$04$/uaF/uaF/uaF/uaF/uaF/uIBmLEc8K30CNO7gXHITf27xw1JTvDny' },
  { hex: 'efbbbf41', hash: '$2b$04$/uaF/uaF/uaF/uaF/uaF/uYeVYAO3an8R/NoSjuYg.7sv5uTwuENK' },
  { hex: '70617373fe', hash: '$2b$04$/uaF/uaF/uaF/uaF/uaF/u4FboWNe/4AziZRc0fjWsP6TQ/pFTrwa' },
]

fuzz('passwords: bcrypt hashes verify the same on both backends for any password bytes', 1.5, () =>
  fc.asyncProperty(
    fc.tuple(wellFormedText(20, 1), fc.boolean()).map(([s, withReplacement]) => (withReplacement ? `${s}\uFFFD` : s)),
    fc.integer({ min: 0x80, max: 0xff }),
    fc.uint8Array({ minLength: 1, maxLength: 80 }),
    mutations,
    async (password, invalidByte, randomBytes, ops) => {
      const { backends } = spies()
      const stored = bcryptHash(password)
      const details = { password, stored }
      const verify = async (label: string, candidate: string | Uint8Array, hash = stored) =>
        onBothAsync(backends, label, () => verifyPassword(hash, candidate), { ...details, candidate })
      const same = await verify('the password', password)
      if (!isOk(same) || same.ok !== true) fail('a bcrypt hash did not verify its password', { ...details, same })
      const bytes = await verify('the password as UTF-8 bytes', utf8(password))
      if (!isOk(bytes) || bytes.ok !== true) fail('bytes and string disagree', { ...details, bytes })
      // Other bytes that decode (lossily) to the same string are another password.
      const twin = invalidUtf8Twin(password, invalidByte)
      const twinResult = await verify('invalid UTF-8 that decodes to the same string', twin)
      if (Buffer.compare(twin, utf8(password)) !== 0 && isOk(twinResult) && twinResult.ok === true) {
        fail('bytes that are not the password verified (lossy UTF-8 decoding)', {
          ...details,
          twin: Buffer.from(twin).toString('hex'),
        })
      }
      const random = await verify('random bytes', randomBytes)
      const differs = Buffer.compare(Buffer.from(randomBytes).subarray(0, 72), utf8(password).subarray(0, 72)) !== 0
      if (differs && isOk(random) && random.ok === true) fail('random bytes verified', { ...details, randomBytes })
      await verify('a changed hash', password, mutate(stored, ops))
      // Raw bytes verify as the bytes they are, on both backends; their lossy UTF-8 reading (U+FFFD,
      // a dropped byte-order mark) is another password.
      const raw = RAW_BCRYPT[invalidByte % RAW_BCRYPT.length] as { hex: string; hash: string }
      const rawBytes = Buffer.from(raw.hex, 'hex')
      const exact = await verify('raw bytes', rawBytes, raw.hash)
      if (!isOk(exact) || exact.ok !== true) fail('a bcrypt hash of raw bytes did not verify them', { raw, exact })
      for (const lossy of [rawBytes.toString('utf8'), new TextDecoder().decode(rawBytes)]) {
        if (Buffer.compare(utf8(lossy), rawBytes) === 0) continue
        const got = await verify('a lossy reading of raw bytes', lossy, raw.hash)
        if (isOk(got) && got.ok === true) fail('a lossy UTF-8 reading of the bytes verified', { raw, lossy })
      }
    },
  ),
)

fuzz('passwords: a lone surrogate never verifies as U+FFFD (or the other way round)', 1, () =>
  fc.asyncProperty(
    fc
      .tuple(wellFormedText(12), fc.integer({ min: 0xd800, max: 0xdfff }), wellFormedText(12))
      .map(([a, c, b]) => a + String.fromCharCode(c) + b),
    fc.uint8Array({ minLength: 16, maxLength: 16 }),
    async (password, salt) => {
      const { backends } = spies()
      const twin = password.toWellFormed()
      const cheap = { memoryKiB: 8, passes: 1 }
      const details = { password, twin }
      const notTrue = (label: string, o: Outcome) => {
        if (isOk(o) && o.ok === true) fail(`${label}: a lone surrogate and U+FFFD are one password`, { ...details, got: o })
      }
      const hashed = await onBothAsync(backends, 'hash', () => hashPasswordWithSalt(password, salt, cheap), details)
      if (isOk(hashed))
        notTrue(
          'verify U+FFFD against the lone surrogate’s hash',
          await onBothAsync(backends, 'verify', () => verifyPassword(hashed.ok as string, twin), details),
        )
      const twinHash = await onBothAsync(backends, 'hash the U+FFFD twin', () => hashPasswordWithSalt(twin, salt, cheap), details)
      if (!isOk(twinHash)) fail('a well-formed password was refused', { ...details, twinHash })
      notTrue(
        'verify the lone surrogate against U+FFFD’s hash',
        await onBothAsync(backends, 'verify', () => verifyPassword(twinHash.ok as string, password), details),
      )
      notTrue(
        'bcrypt: verify the lone surrogate against U+FFFD’s hash',
        await onBothAsync(backends, 'verify bcrypt', () => verifyPassword(bcryptHash(twin), password), details),
      )
    },
  ),
)

/**
 * Fake AbortSignals used to crash the process (a throwing `removeEventListener` ran in a promise
 * callback: an unhandled rejection), so this property runs in a child process
 * (`signalsProperty` in helpers/fuzz.ts) and this test waits for its verdict.
 */
const signalsBudget = share(2)
test.serial(
  t_('fuzz: passwords: fake and hostile AbortSignals never crash the process (child process, both backends)'),
  async (t) => {
    // The child's start-up (tsx, the native addon, the worker pool) takes about a second.
    const { code, output } = await runChild(Math.max(1000, signalsBudget() - 1200))
    t.log(output.trim())
    t.is(code, 0, output)
    t.regex(output, /fuzz child: [1-9]\d* runs/)
  },
)

function runChild(ms: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'helpers', 'fuzz.ts'), 'signals'], {
      env: { ...process.env, KEYCARD_FUZZ_CHILD_MS: String(Math.round(ms)) },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    child.on('close', (code) => resolve({ code, output }))
  })
}

// --- cookies ------------------------------------------------------------------------------------

/** The Cookie header grammar as documented in parseCookies, written the naive way. */
function referenceParse(parts: readonly string[], accept: (name: string) => boolean): Map<string, string> {
  const out = new Map<string, string>()
  if (parts.reduce((n, p) => n + p.length, 0) > 64 * 1024) return out
  const trim = (s: string) => s.replace(/^[ \t]+|[ \t]+$/g, '')
  for (const part of parts) {
    for (const pair of part.split(';')) {
      const eq = pair.indexOf('=')
      if (eq < 0) continue
      const name = trim(pair.slice(0, eq))
      if (name === '' || out.has(name) || !accept(name)) continue
      let value = trim(pair.slice(eq + 1))
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
      out.set(name, value)
    }
  }
  return out
}

const cookiePiece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('a', 'b', 'sid', '__Host-sid', '__proto__', 'constructor', ' a', 'a ', '\ta', 'A') },
  { weight: 4, arbitrary: fc.constantFrom('=', ';', '; ', ' ', '\t', '"', '==', '=;', '"x"', '""', '\u2000', '\r\n', ',') },
  { weight: 3, arbitrary: text(6) },
)
const cookieHeader = fc.oneof(
  { weight: 6, arbitrary: fc.array(cookiePiece, { maxLength: 20 }).map((p) => p.join('')) },
  { weight: 1, arbitrary: huge },
)
const COOKIE_OCTETS = "!#$%&'()*+-./0123456789:<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~"
const TOKEN_CHARS = "!#$%&'*+-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`abcdefghijklmnopqrstuvwxyz|~"

fuzz(
  'cookies: parseCookies reads headers as its reference grammar does; serializeCookie output parses back and injects nothing',
  1,
  () =>
    fc.property(
      fc.oneof(
        { weight: 5, arbitrary: cookieHeader },
        { weight: 2, arbitrary: fc.array(cookieHeader, { maxLength: 3 }) },
        { weight: 1, arbitrary: odd },
      ),
      fc.constantFrom('all', 'sid', 'short'),
      fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 20 }),
      fc.string({ unit: fc.constantFrom(...COOKIE_OCTETS), maxLength: 60 }),
      fc.record(
        {
          path: fc.oneof(
            fc.constant(undefined),
            text(12).map((p) => `/${p}`),
          ),
          domain: fc.oneof(fc.constant(undefined), text(12), fc.domain()),
          maxAge: fc.oneof(fc.constant(undefined), fc.integer({ min: -1, max: 1e9 })),
        },
        { requiredKeys: [] },
      ),
      (headerSpec, acceptKind, name, value, attributes) => {
        const header = realize(headerSpec) as string | string[]
        const accept =
          acceptKind === 'all' ? () => true : acceptKind === 'sid' ? (n: string) => n === 'sid' : (n: string) => n.length < 3
        const got = outcome(() => parseCookies(header, accept))
        const valid =
          header === undefined ||
          typeof header === 'string' ||
          (Array.isArray(header) && header.every((h) => typeof h === 'string'))
        if (!valid) {
          if (codeOf(got) !== 'ERR_INVALID_ARGUMENT')
            fail('a header that is not a string was not refused', { header: headerSpec, got })
          return
        }
        if (!isOk(got)) fail('parseCookies threw for a string header', { header: headerSpec, got })
        const parts = header === undefined ? [] : typeof header === 'string' ? [header] : header
        const expected = referenceParse(parts, accept)
        if (JSON.stringify([...(got.ok as Map<string, string>)]) !== JSON.stringify([...expected])) {
          fail('parseCookies and the reference grammar disagree', { header: headerSpec, got: got.ok, expected })
        }
        checkNoPollution('parseCookies')
        const line = outcome(() => serializeCookie(name, value, { ...attributes, secure: true }, 0))
        typed('serializeCookie', line, { name, value, attributes })
        if (!isOk(line)) return
        const setCookie = line.ok as string
        if (/[\r\n\0]/.test(setCookie)) fail('a Set-Cookie line holds a control character', { setCookie })
        const [pair, ...attrs] = setCookie.split('; ')
        if (pair !== `${name}=${value}`) fail('the Set-Cookie line does not start with name=value', { setCookie })
        for (const attr of attrs) {
          if (!/^(Domain|Path|Expires|Max-Age)=|^(HttpOnly|Secure|Partitioned)$|^SameSite=(Strict|Lax|None)$/.test(attr)) {
            fail('an unexpected attribute in a Set-Cookie line', { setCookie, attr })
          }
        }
        const back = parseCookies(`${pair}; ${name}=second`, (n) => n === name)
        if (back.get(name) !== value) {
          fail('a serialised cookie did not parse back', { setCookie, back })
        }
      },
    ),
)

// --- Cache --------------------------------------------------------------------------------------

type CacheOp =
  | { op: 'set'; key: unknown; value: unknown; ttl?: unknown }
  | { op: 'get' | 'peek' | 'has' | 'delete' | 'getRemainingTTL'; key: unknown }
  | { op: 'clear' | 'size' | 'stats' }
  | { op: 'tick'; ms: number }

const cacheKey = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'b', 'c', '', '__proto__', 'é', '🔑', 'k\u0000') },
  { weight: 1, arbitrary: fc.constantFrom('k\uD800', 'k\uFFFD') },
  { weight: 1, arbitrary: text(6) },
  { weight: 1, arbitrary: odd },
)
const cacheValue = fc.oneof(
  { weight: 4, arbitrary: text(20) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 20 }) },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: huge },
  { weight: 2, arbitrary: odd },
)
const cacheTtl = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 100 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(0.5, 1.5, '20ms', '1s', Number.NaN, -1, Number.POSITIVE_INFINITY, 1e300, 'x', null),
  },
)
const cacheOp: fc.Arbitrary<CacheOp> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record(
      { op: fc.constant('set' as const), key: cacheKey, value: cacheValue, ttl: cacheTtl },
      { requiredKeys: ['op', 'key', 'value'] },
    ),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constantFrom('get' as const, 'peek' as const, 'has' as const, 'delete' as const, 'getRemainingTTL' as const),
      key: cacheKey,
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('clear' as const, 'size' as const, 'stats' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('tick' as const),
      ms: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.double({ min: 0, max: 60, noNaN: true })),
    }),
  },
)
const cacheConfig = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record(
      {
        maxSize: fc.integer({ min: 1, max: 6 }),
        maxBytes: fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 120 })),
        ttl: cacheTtl,
      },
      { requiredKeys: ['maxSize'] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      maxSize: fc.constantFrom<unknown>(0, -1, 1.5, Number.NaN, 2 ** 32, '4', null),
      maxBytes: fc.constantFrom<unknown>(undefined, 0, -1, Number.NaN, 1.5),
    }),
  },
  { weight: 1, arbitrary: odd },
)

function applyCacheOp(cache: Cache<unknown>, op: CacheOp, value: unknown): unknown {
  switch (op.op) {
    case 'set':
      return cache.set(op.key as string, value, op.ttl === undefined ? undefined : { ttl: realize(op.ttl) as number }) === cache
    case 'get':
      return cache.get(realize(op.key) as string)
    case 'peek':
      return cache.peek(realize(op.key) as string)
    case 'has':
      return cache.has(realize(op.key) as string)
    case 'delete':
      return cache.delete(realize(op.key) as string)
    case 'getRemainingTTL':
      return cache.getRemainingTTL(realize(op.key) as string)
    case 'clear':
      return cache.clear()
    case 'size':
      return cache.size
    case 'stats':
      return cache.stats()
    case 'tick':
      return undefined
  }
}

const T0 = 1_700_000_000_000

fuzz('cache: a native and a fallback Cache driven by the same random operations give the same results', 1.5, () =>
  fc.property(cacheConfig, fc.array(cacheOp, { minLength: 1, maxLength: 60 }), (configSpec, ops) => {
    const config = realize(configSpec) as { maxSize: number }
    const created = onBoth(B, 'new Cache', () => typeof new Cache(config), { config: configSpec })
    if (!isOk(created)) return
    const caches = { native: on(native, () => new Cache(config)), fallback: on(fallback, () => new Cache(config)) }
    let now = T0
    for (const cache of Object.values(caches)) setCacheClockForTests(cache, now)
    for (const [i, op] of ops.entries()) {
      if (op.op === 'tick') {
        now += op.ms
        for (const cache of Object.values(caches)) setCacheClockForTests(cache, now)
        continue
      }
      const key = op.op === 'set' ? realize(op.key) : undefined
      const results: Outcome[] = []
      for (const cache of [caches.native, caches.fallback]) {
        // Built fresh for each cache: a detached buffer or a cyclic object must be the same input twice.
        const value = op.op === 'set' ? realize(op.value) : undefined
        results.push(outcome(() => applyCacheOp(cache, op.op === 'set' ? { ...op, key } : op, value)))
      }
      const [a, b] = results as [Outcome, Outcome]
      const detail = { config: configSpec, step: i, op, ops: ops.slice(0, i + 1) }
      typed('native', a, detail)
      typed('fallback', b, detail)
      if (!sameOutcome(a, b)) {
        fail('the caches disagree', { ...detail, native: a, fallback: b })
      }
    }
    const [sa, sb] = [caches.native.stats(), caches.fallback.stats()]
    if (JSON.stringify(sa) !== JSON.stringify(sb))
      fail('the caches end with different stats', { config: configSpec, ops, native: sa, fallback: sb })
  }),
)

let cacheRun = 0

fuzz('cache: named caches agree on names (lone surrogates, lengths, types) and on reopening', 0.5, () =>
  fc.property(
    fc.oneof(
      text(12),
      fc.tuple(text(6), fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uFFFD')).map(([s, c]) => s + c),
      fc.constantFrom(255, 256, 257).map((n) => 'n'.repeat(n)),
      odd,
    ),
    (nameSpec) => {
      const name = realize(nameSpec)
      // Native named caches live as long as the process: a fresh prefix per run keeps runs apart.
      const prefix = typeof name === 'string' && name.length < 250 ? `fuzz${process.pid}.${++cacheRun}.` : ''
      const full = typeof name === 'string' ? prefix + name : name
      const twin = typeof full === 'string' ? full.toWellFormed() : full
      const details = { name: nameSpec, full }
      const opened = onBoth(B, 'open', () => typeof new Cache({ maxSize: 2, name: full as string }), details)
      if (!isOk(opened) || full === undefined) return
      for (const backend of [native, fallback]) {
        on(backend, () => {
          const a = new Cache({ maxSize: 2, name: full as string })
          a.set('k', 'from a')
          if (new Cache({ maxSize: 2, name: full as string }).get('k') !== 'from a')
            fail(`${backend.name}: reopening a name gave another cache`, details)
          const reopened = outcome(() => new Cache({ maxSize: 3, name: full as string }))
          if (codeOf(reopened) !== 'ERR_BAD_CONFIG')
            fail(`${backend.name}: reopening with another config was not ERR_BAD_CONFIG`, { ...details, reopened })
          if (twin !== full) {
            const b = outcome(() => new Cache({ maxSize: 2, name: twin as string }).get('k'))
            if (isOk(b) && b.ok !== undefined) fail(`${backend.name}: two names share one cache`, { ...details, twin })
          }
        })
      }
    },
  ),
)

fuzz('cache: getRemainingTTL is whole milliseconds within the ttl, on the real clock', 0.25, () =>
  fc.property(fc.integer({ min: 60_000, max: 100_000_000 }), fc.constantFrom('native', 'fallback'), (ttl, name) => {
    const backend = name === 'native' ? native : fallback
    const cache = on(backend, () => new Cache({ maxSize: 2, ttl }))
    cache.set('k', 'v')
    const left = cache.getRemainingTTL('k')
    if (!Number.isInteger(left) || left < 1 || left > ttl)
      fail(`${backend.name}: getRemainingTTL is not whole ms within the ttl`, { ttl, left })
  }),
)

// --- sessions -----------------------------------------------------------------------------------

const cookieName = fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 120 })
const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/)
const longDomain = fc.array(label, { minLength: 1, maxLength: 8 }).map(
  (labels) =>
    labels
      .join('.')
      .slice(0, 253)
      .replace(/[.-]+$/, '') || 'example.com',
)
const longPath = fc.integer({ min: 1, max: 1024 }).map((n) => `/${'p'.repeat(n - 1)}`)

fuzz('sessions: every Set-Cookie line is at most 4096 bytes, and a cookie session round-trips', 1.5, () =>
  fc.asyncProperty(
    cookieName.filter((n) => !n.toLowerCase().startsWith('__host-') && !n.toLowerCase().startsWith('__secure-')),
    fc.record(
      {
        domain: fc.oneof(fc.constant(undefined), longDomain),
        path: fc.oneof(fc.constant(undefined), longPath),
        partitioned: fc.boolean(),
        sameSite: fc.constantFrom('lax', 'strict', 'none'),
      },
      { requiredKeys: [] },
    ),
    fc.record({ chunkSize: fc.integer({ min: 256, max: 4000 }), factor: fc.integer({ min: 1, max: 8 }) }),
    fc.integer({ min: 0, max: 40_000 }),
    async (name, cookie, { chunkSize, factor }, size) => {
      const details = { name, cookie, chunkSize, maxBytes: chunkSize * factor, size }
      const made = outcome(
        () =>
          new SessionManager({
            secret: SECRET,
            store: cookieStore({ chunkSize, maxBytes: chunkSize * factor }),
            cookie: { name, ...(cookie as object), secure: true },
          }),
      )
      typed('new SessionManager', made, details)
      if (!isOk(made)) return
      const manager = made.ok as SessionManager
      const session = await manager.load(undefined)
      session.blob = 'x'.repeat(size)
      session.user = { name: 'ada', roles: ['admin'] }
      const committed = await outcomeAsync(() => manager.commit(session))
      typed('commit', committed, details)
      if (!isOk(committed)) {
        if (codeOf(committed) !== 'ERR_TOO_LARGE')
          fail('commit refused a session for another reason than size', { ...details, committed })
        return
      }
      const lines = committed.ok as string[]
      for (const line of lines) {
        if (Buffer.byteLength(line) > 4096)
          fail('a Set-Cookie line is over 4096 bytes', { ...details, bytes: Buffer.byteLength(line), start: line.slice(0, 80) })
      }
      const header = lines.map((line) => line.slice(0, line.indexOf(';'))).join('; ')
      const again = await manager.load(header)
      if (again.isNew || again.blob !== session.blob)
        fail('the session did not come back from its cookies', { ...details, lines: lines.length })
    },
  ),
)

const badOrGood = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: good }, { weight: 1, arbitrary: odd })

fuzz('sessions: bad configuration is refused when the manager is built, never at a request', 1.5, () =>
  fc.asyncProperty(
    fc.record(
      {
        ttl: badOrGood(fc.constantFrom<unknown>('1h', 1000, 60_000)),
        absoluteTtl: badOrGood(fc.constantFrom<unknown>('7d', 0, 5000)),
        rolling: badOrGood(fc.constantFrom<unknown>(true, false, 'auto')),
        saveUninitialized: badOrGood(fc.boolean()),
        storeTimeout: badOrGood(fc.constantFrom<unknown>('2s', 100)),
        onInvalid: badOrGood(fc.constant(() => {})),
        store: badOrGood(fc.constantFrom('cookie', 'memory')),
        cookie: badOrGood(
          fc.record(
            {
              name: badOrGood(fc.oneof(cookieName, text(10))),
              domain: badOrGood(fc.oneof(fc.domain(), text(12))),
              path: badOrGood(
                fc.oneof(
                  text(12).map((p) => `/${p}`),
                  text(8),
                  longPath,
                ),
              ),
              secure: badOrGood(fc.boolean()),
              httpOnly: badOrGood(fc.boolean()),
              sameSite: badOrGood(fc.constantFrom<unknown>('lax', 'strict', 'none', 'Lax', 'bogus')),
              partitioned: badOrGood(fc.boolean()),
            },
            { requiredKeys: [] },
          ),
        ),
        typo: fc.oneof(
          { weight: 6, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: fc.constantFrom('maxAge', 'saveUnitialized', 'keys', 'cookieName') },
        ),
      },
      { requiredKeys: [] },
    ),
    fc.oneof(fc.constant(undefined), cookieHeader),
    async (spec, header) => {
      const { typo, store, ...rest } = realize(spec) as Record<string, unknown>
      const options: Record<string, unknown> = { secret: SECRET, ...rest }
      if (store === 'cookie') options.store = cookieStore()
      else if (store === 'memory') options.store = memoryStore()
      else if (store !== undefined) options.store = store
      if (typeof typo === 'string') options[typo] = 1
      const details = { options: spec, header }
      const made = outcome(() => new SessionManager(options))
      typed('new SessionManager', made, details)
      if (!isOk(made)) return
      const manager = made.ok as SessionManager
      const steps = async () => {
        const session = await manager.load(realize(header) as string)
        session.visits = 1
        return manager.commit(session)
      }
      const got = await outcomeAsync(steps)
      typed('load and commit', got, details)
      if (!isOk(got)) fail('a configuration accepted at start-up failed at a request', { ...details, got })
      checkNoPollution('sessions')
    },
  ),
)

// Referenced so the odd-value table stays in sync with what the generators can produce.
test(t_('fuzz: the odd values all build, and their descriptions print'), (t) => {
  for (const name of ODD_NAMES) {
    t.notThrows(() => realize(new Odd(name)), name)
    t.is(fc.stringify(new Odd(name)), `odd(${name})`)
  }
  t.is((realize(new Huge(10, 'ab', 'x')) as string).length, 10)
  t.true(isRepetitive(new Uint8Array(32)))
  t.false(isRepetitive(Buffer.from(SECRET)))
})
