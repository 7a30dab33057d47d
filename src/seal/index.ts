/**
 * Sealed values: data encrypted and authenticated with AES-256-GCM (docs/FORMATS.md, "Sealed
 * value v1"). What a stateless session cookie carries: nobody can read it, forge it, move it to
 * another purpose (cookie name) or extend its expiry.
 *
 * The type comes back as it went in: a string is sealed as UTF-8 text and unseals as a string,
 * a Uint8Array as bytes (unsealed as a Uint8Array), and anything else as JSON (unsealed as the
 * parsed value: a fresh copy, with `__proto__` only ever an own property, never a prototype).
 * Values JSON would silently change (a Map, NaN…) are refused: see `stringifyStrict`.
 */

import { activeBackend } from '../backend'
import {
  KIND_JSON,
  KIND_TEXT,
  OPEN_DECRYPT,
  OPEN_EXPIRED,
  OPEN_NOT_YET_VALID,
  OPEN_UNKNOWN_KEY,
  OPEN_WRONG_PURPOSE,
} from '../backend/types'
import { createError } from '../errors'
import { type KeyOptions, resolveKeyring, type SecretInput } from '../keys'
import { refuseDetached } from '../lib/detached'
import type { Duration } from '../lib/duration'
import { stringifyStrict } from '../lib/json_strict'
import { limitOf, purposeOf, timeOf } from '../lib/options'
import { BAD_FORMAT, Failure, orNull, orThrow } from '../lib/verify_result'
import { DEFAULT_MAX_SIZE, MAX_U32, OVERHEAD, sealPlan, tooLarge } from './plan'

/**
 * Options of `seal`: the purpose it is bound to, its lifetime, and size and clock.
 * @example
 * seal(cart, secret, { purpose: 'cart', ttl: '2h', maxSize: 4096 })
 */
export interface SealOptions extends KeyOptions {
  /** What the value is for (e.g. the cookie name); it only unseals for this purpose. Default ''. */
  purpose?: string
  /** Lifetime, stored encrypted inside the value (second precision). Default '14d'; 0 = no expiry. */
  ttl?: Duration
  /**
   * Delay before the value unseals (second precision: it unseals from the start of the second
   * `now + notBefore` falls in, so `notBefore: 0` unseals at once). Default none.
   */
  notBefore?: Duration
  /** Largest input in bytes (after UTF-8 or JSON encoding). Default 65536. */
  maxSize?: number
  /** Current time (ms or Date). Default: now. */
  now?: number | Date
}

/**
 * Options of `unseal`/`unsealOrThrow`: the purpose the value must have been sealed for, a size
 * bound checked before any decoding, and the clock expiry is judged by.
 * @example
 * unseal(cookie, secret, { purpose: 'cart', maxSize: 4096 })
 */
export interface UnsealOptions extends KeyOptions {
  /** The purpose the value was sealed for; any other is `ERR_WRONG_PURPOSE`. Default ''. */
  purpose?: string
  /**
   * Bound on the data, in bytes: sealed text longer than `sealedLength(maxSize, 64)` (the longest
   * possible key id) is refused before decoding, so the data can exceed it by at most the key-id
   * slack (56 bytes with 8-character ids). Default 65536.
   */
  maxSize?: number
  /** Current time (ms or Date). Default: now. */
  now?: number | Date
}

/**
 * Test hook (exported by keycard/testing only, never by keycard itself): `seal` with a given
 * 12-byte nonce (`null`: a random one, as `seal`), for reproducible test vectors. Never in
 * production: a nonce used twice with one key breaks AES-GCM's confidentiality and integrity.
 * @example
 * const sealed = sealWithNonce('x', secret, { now: 0, ttl: 0 }, new Uint8Array(12)) // same text every run
 */
export function sealWithNonce(
  data: unknown,
  secret: SecretInput | undefined,
  options: SealOptions,
  nonce: Uint8Array | null,
): string {
  const keyring = resolveKeyring(secret, options)
  const purpose = purposeOf(options.purpose)
  const { max, exp, nbf } = sealPlan(options)
  const keys = keyring.sealKeys(activeBackend(), purpose)

  if (data instanceof Uint8Array) {
    refuseDetached(data, 'the data')
    if (data.byteLength > max) throw tooLarge(data.byteLength, max)
    return keys.sealBytes(data, exp, nbf, nonce)
  }
  let kind = KIND_TEXT
  let text: string
  if (typeof data === 'string') {
    // UTF-8 never has fewer bytes than UTF-16 code units, so a long string is refused unmeasured.
    if (data.length > max) throw tooLarge(data.length, max)
    if (!data.isWellFormed()) throw createError('ERR_BAD_FORMAT', 'the string contains a lone surrogate')
    text = data
  } else {
    kind = KIND_JSON
    // Strict: what unseals must be what was sealed, so a Map or NaN is an error, not `{}` or null.
    text = stringifyStrict(data, 'the data')
  }
  if (text.length * 3 > max) {
    const size = Buffer.byteLength(text, 'utf8')
    if (size > max) throw tooLarge(size, max)
  }
  return keys.sealText(kind, text, exp, nbf, nonce)
}

/**
 * Encrypts and authenticates `data` (a string, bytes, or any JSON value) for `purpose`.
 * Cost: one AES-256-GCM pass and a 96-bit nonce from the CSPRNG. Throws `ERR_NOT_SERIALIZABLE`
 * for data JSON cannot write or would silently change (BigInt, a cycle, a Map or Set, NaN,
 * ±Infinity, a nested function), `ERR_INVALID_ARGUMENT` for a detached Uint8Array, `ERR_BAD_FORMAT`
 * for a string with a lone surrogate and `ERR_TOO_LARGE` over `maxSize`.
 * @example
 * const cookie = seal({ uid: 42, cart: [] }, secret, { purpose: 'session', ttl: '2h' })
 */
export function seal(data: unknown, secret: SecretInput | undefined, options: SealOptions = {}): string {
  return sealWithNonce(data, secret, options, null)
}

const FAILURES = new Map<number, Failure>([
  [OPEN_UNKNOWN_KEY, new Failure('ERR_UNKNOWN_KEY', 'sealed with a key this keyring does not hold')],
  [OPEN_DECRYPT, new Failure('ERR_DECRYPT', 'cannot decrypt')],
  [OPEN_WRONG_PURPOSE, new Failure('ERR_WRONG_PURPOSE', 'sealed for another purpose')],
  [OPEN_EXPIRED, new Failure('ERR_EXPIRED', 'the sealed value has expired')],
  [OPEN_NOT_YET_VALID, new Failure('ERR_NOT_YET_VALID', 'the sealed value is not valid yet')],
])

function open(sealed: unknown, secret: SecretInput | undefined, options: UnsealOptions): unknown {
  const keyring = resolveKeyring(secret, options)
  const purpose = purposeOf(options.purpose)
  const max = limitOf(options.maxSize, DEFAULT_MAX_SIZE, 'maxSize')
  // Expiries are u32 seconds (2106). A later clock is clamped, not wrapped, so every value with an
  // expiry reads as expired then: napi would reduce a larger number modulo 2^32 and revive it.
  const now = Math.min(Math.floor(timeOf(options.now) / 1000), MAX_U32)
  if (typeof sealed !== 'string') return BAD_FORMAT
  // Refused before any decoding: nothing longer can hold at most `max` bytes of data.
  if (sealed.length > encodedLength(max, 64)) return new Failure('ERR_TOO_LARGE', `sealed value longer than maxSize allows`)
  const opened = keyring.sealKeys(activeBackend(), purpose).open(sealed, now)
  if (typeof opened === 'number') return FAILURES.get(opened) ?? BAD_FORMAT
  if (typeof opened !== 'string') return opened
  const kind = opened.charCodeAt(0)
  if (kind !== KIND_JSON) return opened.slice(1)
  try {
    return JSON.parse(opened.slice(1))
  } catch {
    return BAD_FORMAT
  }
}

/**
 * The data inside `sealed`, as the type it was sealed as, or null when it is malformed,
 * tampered with, sealed for another purpose, expired, not yet valid, or sealed with a key the
 * keyring does not hold. Key and argument errors still throw.
 * @example
 * const session = unseal<{ uid: number }>(cookie, secret, { purpose: 'session' }) // or null
 */
export function unseal<T = unknown>(sealed: string, secret: SecretInput | undefined, options: UnsealOptions = {}): T | null {
  return orNull(open(sealed, secret, options)) as T | null
}

/**
 * Like `unseal`, but throws why: ERR_BAD_FORMAT, ERR_TOO_LARGE, ERR_UNKNOWN_KEY, ERR_WRONG_PURPOSE,
 * ERR_DECRYPT, ERR_EXPIRED, ERR_NOT_YET_VALID.
 * @example
 * try { unsealOrThrow(cookie, secret, { purpose: 'cart' }) } catch (err) { log((err as KeycardError).code) }
 */
export function unsealOrThrow<T = unknown>(sealed: string, secret: SecretInput | undefined, options: UnsealOptions = {}): T {
  return orThrow(open(sealed, secret, options)) as T
}

/**
 * Length in characters of the sealed value of `byteLength` bytes of data (after UTF-8 or JSON
 * encoding), for cookie-size decisions. `keyIdLength` is the current key id's length (8 for
 * derived ids; `keyring.ids[0].length` otherwise).
 * @example
 * sealedLength(200) // 332: fits easily in one 4096-byte cookie
 */
export function sealedLength(byteLength: number, keyIdLength = 8): number {
  if (!Number.isInteger(byteLength) || byteLength < 0) {
    throw createError('ERR_INVALID_ARGUMENT', 'byteLength must be an integer >= 0')
  }
  if (!Number.isInteger(keyIdLength) || keyIdLength < 1 || keyIdLength > 64) {
    throw createError('ERR_INVALID_ARGUMENT', 'keyIdLength is 1..64')
  }
  return encodedLength(byteLength, keyIdLength)
}

/** base64url length of a sealed value; `Infinity` in, `Infinity` out (an unlimited maxSize). */
function encodedLength(byteLength: number, keyIdLength: number): number {
  return Math.ceil(((OVERHEAD + keyIdLength + byteLength) * 4) / 3)
}
