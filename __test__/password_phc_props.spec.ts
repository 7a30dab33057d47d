/**
 * Property tests of the one PHC parser, src/password/phc.ts (both backends get what it parsed; the
 * Rust core only checks the parameters again: crates/keycard-password/tests/proptest_params.rs).
 * A stored hash is attacker-controlled wherever a database row can be written by someone else, so:
 *
 * - any value, any string, and strings shaped like a PHC string with hostile parts, never throw
 *   anything but a KeycardError (ERR_BAD_FORMAT or ERR_PARAMS_OUT_OF_RANGE); whatever parses is
 *   within the limits and the hard ceilings, whatever the limits;
 * - a string that parses is exactly the canonical form of what it parsed to, in one of the two
 *   orders of parameters (so no two strings mean the same hash);
 * - a valid string round-trips (`formatPhc(parse(x)) == x`), written in either order;
 * - changing any one character never parses to the same hash;
 * - parameters above the limits, or above the ceilings whatever the limits, are out of range.
 *
 * Parsing does no hashing, so each property runs many cases in well under a second.
 */

import test from 'ava'
import fc from 'fast-check'
import { KeycardError } from '../src/errors'
import {
  type Argon2Params,
  CEILINGS,
  DEFAULT_LIMITS,
  formatPhc,
  type PasswordLimits,
  parseStoredHash,
  type StoredHash,
} from '../src/password/phc'
import { t_ } from './helpers/backends'

const RUNS = { numRuns: 1000 }
const MIN_SALT = 8
const MAX_SALT = 64
const MIN_TAG = 16
const MAX_TAG = 64
const MAX_PHC_LENGTH = 256
const U32_MAX = 0xffff_ffff
const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/=+$/, '')

/** Limits that lift every bound: only the ceilings then hold. */
const UNBOUNDED: PasswordLimits = {
  maxMemoryKiB: U32_MAX,
  maxPasses: U32_MAX,
  maxLanes: U32_MAX,
  maxPasswordBytes: U32_MAX,
  maxBcryptCost: U32_MAX,
}

/** Limits of any size, including ones that lift every bound. */
const limits: fc.Arbitrary<PasswordLimits> = (() => {
  const bound = fc.oneof(fc.constantFrom(0, 1, 8, 16, 64, 262_144, U32_MAX), fc.nat({ max: U32_MAX }))
  return fc.record({
    maxMemoryKiB: bound,
    maxPasses: bound,
    maxLanes: bound,
    maxPasswordBytes: fc.constant(4096),
    maxBcryptCost: bound,
  })
})()

/** The text of a number field: canonical numbers at every boundary, and non-canonical spellings. */
const numberText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 16 }).map(String) },
  { weight: 3, arbitrary: fc.integer({ min: 8, max: 262_144 }).map(String) },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom(
        ...[0, 1, 2, 7, 8, 15, 16, 17, 255, 256, 1024, 1025, 19_456, 262_144, 262_145, 2 ** 21, 2 ** 21 + 1],
        ...[2 ** 24, 2 ** 29, 2 ** 31, U32_MAX, 2 ** 32, 99_999_999_999],
      )
      .map(String),
  },
  { weight: 1, arbitrary: fc.nat({ max: U32_MAX }).map(String) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', '00', '019456', '+1', '-1', ' 1', '1 ', '0x10', '1e3', '１', '4294967296', '1.0'),
  },
)

/** Base64 fields: canonical encodings valid as salt and tag, of other lengths, and near misses. */
const b64Text: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ minLength: MIN_TAG, maxLength: MAX_SALT }).map(b64) },
  { weight: 2, arbitrary: fc.uint8Array({ minLength: 0, maxLength: 80 }).map(b64) },
  {
    weight: 2,
    arbitrary: fc.string({
      unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'),
      maxLength: 110,
    }),
  },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'AZaz09+/=_.$-'), maxLength: 40 }) },
)

/** Strings shaped like a PHC string, with every part drawn from a hostile set. */
const phcLike: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('argon2id', 'argon2id', 'argon2id', 'argon2i', 'argon2d', 'ARGON2ID'),
    fc.constantFrom('v=19', 'v=19', 'v=19', 'v=16', 'v=019', ''),
    fc.constantFrom(['m', 't', 'p'], ['m', 'p', 't'], ['t', 'm', 'p'], ['m', 't', 't']),
    fc.tuple(numberText, numberText, numberText),
    b64Text,
    b64Text,
    fc.nat({ max: 7 }),
  )
  .map(([id, version, order, numbers, salt, hash, extra]) => {
    const params = order.map((name, i) => `${name}=${numbers[i]}`).join(',')
    const text = `$${id}$${version}$${params}$${salt}$${hash}`
    return extra === 0 ? `${text}$` : extra === 1 ? ` ${text}` : extra === 2 ? `${text},p=1` : text
  })

/** A valid hash within `DEFAULT_LIMITS`: parameters, salt and tag. */
interface Valid {
  params: Argon2Params
  salt: Uint8Array
  hash: Uint8Array
}

const valid: fc.Arbitrary<Valid> = fc
  .record({ p: fc.integer({ min: 1, max: 16 }), t: fc.integer({ min: 1, max: 16 }) })
  .chain(({ p, t }) =>
    fc.record({
      p: fc.constant(p),
      t: fc.constant(t),
      m: fc.integer({ min: 8 * p, max: 262_144 }),
      salt: fc.uint8Array({ minLength: MIN_SALT, maxLength: MAX_SALT }),
      hash: fc.uint8Array({ minLength: MIN_TAG, maxLength: MAX_TAG }),
    }),
  )
  .map(({ p, t, m, salt, hash }) => ({
    params: { m, t, p, saltLength: salt.length, tagLength: hash.length },
    salt,
    hash,
  }))

/** The argon2 npm package's order of the same string: `m,p,t`. */
const mptForm = ({ m, t, p }: Argon2Params, salt: Uint8Array, hash: Uint8Array) =>
  `$argon2id$v=19$m=${m},p=${p},t=${t}$${b64(salt)}$${b64(hash)}`

/** A valid string with one part replaced by a hostile one (or none), to reach the range checks. */
const nearValid: fc.Arbitrary<string> = fc
  .tuple(valid, fc.nat({ max: 6 }), numberText, b64Text)
  .map(([{ params, salt, hash }, which, number, other]) => {
    const { m, t, p } = params
    const [s, h] = [b64(salt), b64(hash)]
    switch (which) {
      case 0:
        return `$argon2id$v=19$m=${number},t=${t},p=${p}$${s}$${h}`
      case 1:
        return `$argon2id$v=19$m=${m},t=${number},p=${p}$${s}$${h}`
      case 2:
        return `$argon2id$v=19$m=${m},p=${number},t=${t}$${s}$${h}`
      case 3:
        return `$argon2id$v=19$m=${m},t=${t},p=${p}$${other}$${h}`
      case 4:
        return `$argon2id$v=19$m=${m},t=${t},p=${p}$${s}$${other}`
      case 5:
        return mptForm(params, salt, hash)
      default:
        return formatPhc(params, salt, hash)
    }
  })

const bcryptChars = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...BCRYPT_ALPHABET), minLength, maxLength })

/**
 * A bcrypt salt and digest as bcrypt writes them: 22 + 31 characters whose last ones leave their
 * unused low bits zero (4 and 2 bits: every 16th, every 4th character of the alphabet).
 */
const canonicalBcryptBody: fc.Arbitrary<string> = fc
  .tuple(
    bcryptChars(21, 21),
    fc.constantFrom(...[...BCRYPT_ALPHABET].filter((_, i) => i % 16 === 0)),
    bcryptChars(30, 30),
    fc.constantFrom(...[...BCRYPT_ALPHABET].filter((_, i) => i % 4 === 0)),
  )
  .map((parts) => parts.join(''))

/** bcrypt-shaped strings: the three prefixes and near misses, costs at and past every bound. */
const bcryptLike: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('$2b$', '$2a$', '$2y$', '$2x$', '$2$'),
    fc.oneof(fc.constantFrom('04', '14', '15', '31', '32', '99'), fc.string({ maxLength: 2 })),
    fc.oneof({ weight: 4, arbitrary: fc.constant('$') }, { weight: 1, arbitrary: fc.string({ maxLength: 1 }) }),
    fc.oneof(
      { weight: 4, arbitrary: canonicalBcryptBody },
      { weight: 2, arbitrary: bcryptChars(53, 53) },
      { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
    ),
  )
  .map((parts) => parts.join(''))

/** Any UTF-16 code unit, lone surrogates included. */
const anyText = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 300 })

/** What parsing `text` under `lim` gave: the parsed hash, or the code of the KeycardError thrown. */
function parse(text: unknown, lim: PasswordLimits): StoredHash | string {
  try {
    return parseStoredHash(text, lim)
  } catch (err) {
    // Anything but a KeycardError with one of the two codes fails the property.
    if (!(err instanceof KeycardError)) throw err
    if (err.code !== 'ERR_BAD_FORMAT' && err.code !== 'ERR_PARAMS_OUT_OF_RANGE') throw err
    return err.code
  }
}

/** Whether `params` are within RFC 9106, the ceilings and `lim`, written out independently. */
function within({ m, t, p, saltLength, tagLength }: Argon2Params, lim: PasswordLimits): boolean {
  return (
    p >= 1 &&
    p <= Math.min(CEILINGS.maxLanes, lim.maxLanes) &&
    m >= 8 * p &&
    m <= Math.min(CEILINGS.maxMemoryKiB, lim.maxMemoryKiB) &&
    t >= 1 &&
    t <= Math.min(CEILINGS.maxPasses, lim.maxPasses) &&
    saltLength >= MIN_SALT &&
    saltLength <= MAX_SALT &&
    tagLength >= MIN_TAG &&
    tagLength <= MAX_TAG
  )
}

/**
 * The property every input must satisfy: a refusal with one of the two codes, or a hash within
 * the bounds whose text is its canonical form (in one of the two orders).
 */
function parsesCanonicallyOrRefuses(text: unknown, lim: PasswordLimits): boolean {
  const parsed = parse(text, lim)
  if (typeof parsed === 'string') return true
  if (typeof text !== 'string') return false
  if (parsed.kind === 'bcrypt') {
    return /^\$2[aby]\$/.test(text) && parsed.cost >= 4 && parsed.cost <= Math.min(CEILINGS.maxBcryptCost, lim.maxBcryptCost)
  }
  const { params, salt, hash } = parsed
  return (
    text.length <= MAX_PHC_LENGTH &&
    within(params, lim) &&
    salt.length === params.saltLength &&
    hash.length === params.tagLength &&
    (text === formatPhc(params, salt, hash) || text === mptForm(params, salt, hash))
  )
}

test(t_('phc props: any value never throws but a KeycardError, and what parses is canonical and bounded'), (t) => {
  fc.assert(fc.property(fc.anything(), limits, parsesCanonicallyOrRefuses), RUNS)
  fc.assert(fc.property(anyText, limits, parsesCanonicallyOrRefuses), RUNS)
  fc.assert(
    fc.property(
      fc.string({ unit: fc.constantFrom(...'$argon2idv=19mtp,+/AZaz09'), maxLength: 120 }),
      limits,
      parsesCanonicallyOrRefuses,
    ),
    RUNS,
  )
  t.pass()
})

test(t_('phc props: PHC- and bcrypt-shaped strings stay within the limits and ceilings, whatever the limits'), (t) => {
  const shaped = fc.oneof(phcLike, nearValid, bcryptLike)
  fc.assert(
    fc.property(
      shaped,
      limits,
      (text, lim) => parsesCanonicallyOrRefuses(text, lim) && parsesCanonicallyOrRefuses(text, DEFAULT_LIMITS),
    ),
    RUNS,
  )
  t.pass()
})

test(t_('phc props: valid strings round-trip, written in either order of parameters'), (t) => {
  fc.assert(
    fc.property(valid, ({ params, salt, hash }) => {
      const canonical = formatPhc(params, salt, hash)
      for (const form of [canonical, mptForm(params, salt, hash)]) {
        const parsed = parse(form, DEFAULT_LIMITS)
        if (typeof parsed === 'string' || parsed.kind !== 'argon2id') return false
        if (JSON.stringify(parsed.params) !== JSON.stringify(params)) return false
        if (!parsed.salt.equals(salt) || !parsed.hash.equals(hash)) return false
        if (formatPhc(parsed.params, parsed.salt, parsed.hash) !== canonical) return false
      }
      return true
    }),
    RUNS,
  )
  t.pass()
})

test(t_('phc props: changing any one character never parses to the same hash'), (t) => {
  const anyChar = fc.oneof(
    fc.constantFrom(...'$=,+/0123456789AEQgw_-. '),
    fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  )
  fc.assert(
    fc.property(valid, fc.nat(), anyChar, ({ params, salt, hash }, at, replacement) => {
      const text = formatPhc(params, salt, hash)
      const i = at % text.length
      fc.pre(text[i] !== replacement)
      const mutated = text.slice(0, i) + replacement + text.slice(i + 1)
      if (!parsesCanonicallyOrRefuses(mutated, DEFAULT_LIMITS)) return false
      const parsed = parse(mutated, DEFAULT_LIMITS)
      if (typeof parsed === 'string' || parsed.kind !== 'argon2id') return true
      return JSON.stringify(parsed.params) !== JSON.stringify(params) || !parsed.salt.equals(salt) || !parsed.hash.equals(hash)
    }),
    RUNS,
  )
  t.pass()
})

test(t_('phc props: parameters above the limits, or above the ceilings whatever the limits, are out of range'), (t) => {
  fc.assert(
    fc.property(valid, fc.nat({ max: 4 }), fc.integer({ min: 1, max: 999 }), ({ params, salt, hash }, which, over) => {
      const lim = DEFAULT_LIMITS
      const bad = { ...params }
      let [badSalt, badHash] = [salt, hash]
      if (which === 0) bad.m = lim.maxMemoryKiB + over
      if (which === 1) bad.t = lim.maxPasses + over
      if (which === 2) bad.p = lim.maxLanes + over
      if (which === 3) badSalt = new Uint8Array(MAX_SALT + 1 + (over % 8)).fill(7)
      if (which === 4) badHash = new Uint8Array(MAX_TAG + 1 + (over % 8)).fill(7)
      if (parse(formatPhc(bad, badSalt, badHash), lim) !== 'ERR_PARAMS_OUT_OF_RANGE') return false
      // Whatever the limits say, the ceilings hold (2 GiB, 1024 passes, 255 lanes).
      const ceilings: Argon2Params[] = [
        { ...params, m: CEILINGS.maxMemoryKiB + over },
        { ...params, t: CEILINGS.maxPasses + over },
        { ...params, p: CEILINGS.maxLanes + over, m: CEILINGS.maxMemoryKiB },
      ]
      return ceilings.every((huge) => parse(formatPhc(huge, salt, hash), UNBOUNDED) === 'ERR_PARAMS_OUT_OF_RANGE')
    }),
    RUNS,
  )
  // bcrypt's own maximum cost holds too.
  const bcrypt32 = `$2b$32$${'.'.repeat(53)}`
  t.is(parse(bcrypt32, UNBOUNDED), 'ERR_PARAMS_OUT_OF_RANGE')
})
