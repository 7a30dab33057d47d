/**
 * The HMAC primitives on Web Crypto: signed values, tokens and CSRF tokens, byte for byte what
 * src/sign.ts, src/token and src/csrf.ts write, with the same refusals in the same order (the
 * parity specs compare them on both Node backends). Tags are checked with `crypto.subtle.verify`,
 * which compares in constant time; a tag is first matched against its canonical pattern, as the
 * Rust core decodes strictly before comparing, so a malformed tag is ERR_BAD_FORMAT whatever the key.
 */

import { VERIFY_BAD_FORMAT, VERIFY_BAD_SIGNATURE, VERIFY_UNKNOWN_KEY } from '../backend/outcomes'
import { createError } from '../errors'
import type { KeyOptions, SecretInput } from '../keys'
import { limitOf, purposeOf } from '../lib/options'
import { BAD_FORMAT, Failure, failureOf, orNull, orThrow } from '../lib/verify_result'
import type { SignOptions, UnsignOptions } from '../sign'
import type { RegisteredClaims, SignTokenOptions, TokenPayload, VerifyTokenOptions } from '../token'
import { keyIndexForHeader } from '../token/header'
import { tokenClaimsJson } from '../token/sign_claims'
import { claimsOf, tokenParts, verifyPolicy } from '../token/verify_steps'
import { decodeBase64UrlWeb, decodeTag, encodeBase64StdWeb, encodeBase64UrlWeb, utf8Bytes } from './encoding'
import { type CryptoKey, resolveWebKeyring, subtle, type WebMacKeys } from './keys'

// The format constants of src/sign.ts, src/token and src/csrf.ts (docs/FORMATS.md).
const SIGN_INFO = 'keycard/v1/sign/'
const TOKEN_INFO = 'keycard/v1/token'
const CSRF_INFO = 'keycard/v1/csrf'
const DEFAULT_SIGN_MAX_LENGTH = 65_536
const CSRF_NONCE_BYTES = 16
const CSRF_NONCE = /^[A-Za-z0-9_-]{21}[AQgw]$/
const CSRF_TOKEN_LENGTH = 22 + 1 + 43
/** A 32-byte tag is 43 characters; the last carries 4 data bits and 2 zero bits (canonical only). */
const TAG_URL = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/
const TAG_STD = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]$/

async function tag(keys: WebMacKeys, msg: string): Promise<string> {
  const mac = new Uint8Array(await subtle().sign('HMAC', keys.keys[0] as CryptoKey, utf8Bytes(msg) as Uint8Array<ArrayBuffer>))
  return keys.std ? encodeBase64StdWeb(mac) : encodeBase64UrlWeb(mac)
}

/**
 * The index of the key whose tag `tag` is, or a `VERIFY_*` outcome, as `MacKeys.verifyTag`.
 * `keyIndex` -1 tries every key; `crypto.subtle.verify` does the constant-time comparison.
 * @example
 * const index = await verifyTag(await keyring.macKeys(info), id, tag, -1) // 0: the current key
 */
export async function verifyTag(keys: WebMacKeys, msg: string, tagText: string, keyIndex: number): Promise<number> {
  const wellFormed = (keys.std ? TAG_STD : TAG_URL).test(tagText)
  if (keyIndex >= keys.keys.length) return wellFormed ? VERIFY_UNKNOWN_KEY : VERIFY_BAD_FORMAT
  if (!wellFormed) return VERIFY_BAD_FORMAT
  const expected = decodeTag(tagText) as Uint8Array<ArrayBuffer>
  const data = utf8Bytes(msg) as Uint8Array<ArrayBuffer>
  const first = Math.max(keyIndex, 0)
  const last = keyIndex < 0 ? keys.keys.length - 1 : keyIndex
  for (let i = first; i <= last; i++) {
    if (await subtle().verify('HMAC', keys.keys[i] as CryptoKey, expected, data)) return i
  }
  return VERIFY_BAD_SIGNATURE
}

/** src/sign.ts's macKeysFor, check for check. */
async function signKeys(secret: SecretInput | undefined, options: SignOptions | undefined): Promise<WebMacKeys> {
  const keyring = await resolveWebKeyring(secret, options)
  if (options?.format === 'cookie-signature') {
    if (options.purpose !== undefined) {
      throw createError('ERR_INVALID_ARGUMENT', "the cookie-signature format has no purpose; use format 'keycard'")
    }
    return keyring.macKeys(null, true)
  }
  if (options?.format !== undefined && options.format !== 'keycard') {
    throw createError('ERR_INVALID_ARGUMENT', "format must be 'keycard' or 'cookie-signature'")
  }
  return keyring.macKeys(SIGN_INFO + purposeOf(options?.purpose))
}

/**
 * `sign` on Web Crypto: the same output, the same errors (as rejections).
 * @example
 * const cookie = await signAsync('user-42', secret, { purpose: 'uid' })
 */
export async function signWeb(value: string, secret: SecretInput | undefined, options?: SignOptions): Promise<string> {
  const keys = await signKeys(secret, options)
  if (typeof value !== 'string') throw createError('ERR_INVALID_ARGUMENT', 'sign() takes a string value')
  if (!value.isWellFormed()) throw createError('ERR_BAD_FORMAT', 'value contains a lone surrogate')
  return `${value}.${await tag(keys, value)}`
}

async function unsignRun(signed: unknown, secret: SecretInput | undefined, options?: UnsignOptions): Promise<string | Failure> {
  const keys = await signKeys(secret, options)
  const maxLength = limitOf(options?.maxLength, DEFAULT_SIGN_MAX_LENGTH, 'maxLength', 1)
  if (typeof signed !== 'string') return BAD_FORMAT
  if (signed.length > maxLength) return new Failure('ERR_TOO_LARGE', `signed value longer than ${maxLength}`)
  if (!signed.isWellFormed()) return BAD_FORMAT
  const dot = signed.lastIndexOf('.')
  if (dot < 0) return BAD_FORMAT
  const outcome = await verifyTag(keys, signed.slice(0, dot), signed.slice(dot + 1), -1)
  return outcome >= 0 ? signed.slice(0, dot) : failureOf(outcome)
}

/**
 * `unsign` on Web Crypto: the value, or null.
 * @example
 * await unsignAsync(cookie, secret, { purpose: 'uid' }) // 'user-42', or null
 */
export async function unsignWeb(
  signed: string,
  secret: SecretInput | undefined,
  options?: UnsignOptions,
): Promise<string | null> {
  return orNull(await unsignRun(signed, secret, options))
}

/**
 * `unsignOrThrow` on Web Crypto: rejects with the KeycardError `unsignOrThrow` throws.
 * @example
 * const uid = await unsignOrThrowAsync(cookie, secret, { purpose: 'uid' })
 */
export async function unsignOrThrowWeb(
  signed: string,
  secret: SecretInput | undefined,
  options?: UnsignOptions,
): Promise<string> {
  return orThrow(await unsignRun(signed, secret, options))
}

/**
 * `signToken` on Web Crypto: the same JWS (HS256, key HKDF(secret, "keycard/v1/token")).
 * @example
 * const token = await signTokenAsync({ uid: 42 }, secret, { expiresIn: '15m' })
 */
export async function signTokenWeb(
  payload: TokenPayload,
  secret: SecretInput | undefined,
  options: SignTokenOptions = {},
): Promise<string> {
  const keyring = await resolveWebKeyring(secret, options)
  const json = tokenClaimsJson(payload, options)
  const input = `${keyring.tokenHeaders()[0]}.${encodeBase64UrlWeb(json)}`
  return `${input}.${await tag(await keyring.macKeys(TOKEN_INFO), input)}`
}

async function verifyRun(
  token: unknown,
  secret: SecretInput | undefined,
  options: VerifyTokenOptions,
): Promise<TokenPayload | Failure> {
  const keyring = await resolveWebKeyring(secret, options)
  const keys = await keyring.macKeys(TOKEN_INFO)
  const policy = verifyPolicy(options)
  const parts = tokenParts(token, options)
  if (parts instanceof Failure) return parts
  const keyIndex = keyIndexForHeader(parts.header, keyring, decodeBase64UrlWeb)
  if (keyIndex instanceof Failure) return keyIndex
  // The signature is checked before the payload is even decoded.
  const outcome = await verifyTag(keys, parts.input, parts.tag, keyIndex)
  if (outcome < 0) return failureOf(outcome)
  return claimsOf(decodeBase64UrlWeb(parts.payload), policy)
}

/**
 * `verifyToken` on Web Crypto: the payload, or null.
 * @example
 * const claims = await verifyTokenAsync<{ uid: number }>(token, secret)
 */
export async function verifyTokenWeb<T extends object = TokenPayload>(
  token: string,
  secret: SecretInput | undefined,
  options: VerifyTokenOptions = {},
): Promise<(T & RegisteredClaims) | null> {
  return orNull(await verifyRun(token, secret, options)) as (T & RegisteredClaims) | null
}

/**
 * `verifyTokenOrThrow` on Web Crypto: rejects with the code `verifyTokenOrThrow` throws.
 * @example
 * const { uid } = await verifyTokenOrThrowAsync<{ uid: number }>(token, secret)
 */
export async function verifyTokenOrThrowWeb<T extends object = TokenPayload>(
  token: string,
  secret: SecretInput | undefined,
  options: VerifyTokenOptions = {},
): Promise<T & RegisteredClaims> {
  return orThrow(await verifyRun(token, secret, options)) as T & RegisteredClaims
}

function checkSessionId(sessionId: unknown): sessionId is string {
  return typeof sessionId === 'string' && sessionId.length > 0 && sessionId.isWellFormed()
}

/**
 * `createCsrfToken` on Web Crypto: `nonce.tag`, the nonce 128 bits from `crypto.getRandomValues`.
 * @example
 * const csrf = await createCsrfTokenAsync(session.id, secret)
 */
export async function createCsrfTokenWeb(sessionId: string, secret?: SecretInput, options?: KeyOptions): Promise<string> {
  const keys = await (await resolveWebKeyring(secret, options)).macKeys(CSRF_INFO)
  if (!checkSessionId(sessionId)) throw createError('ERR_INVALID_ARGUMENT', 'createCsrfToken needs a non-empty session id')
  const nonce = encodeBase64UrlWeb(crypto.getRandomValues(new Uint8Array(CSRF_NONCE_BYTES)))
  return `${nonce}.${await tag(keys, `${nonce}.${sessionId}`)}`
}

/**
 * `verifyCsrfToken` on Web Crypto: true or false, never a rejection for a bad token.
 * @example
 * if (!(await verifyCsrfTokenAsync(form.get('_csrf'), session.id, secret))) return new Response(null, { status: 403 })
 */
export async function verifyCsrfTokenWeb(
  token: unknown,
  sessionId: string,
  secret?: SecretInput,
  options?: KeyOptions,
): Promise<boolean> {
  const keys = await (await resolveWebKeyring(secret, options)).macKeys(CSRF_INFO)
  if (typeof token !== 'string' || token.length !== CSRF_TOKEN_LENGTH || token.charCodeAt(22) !== 0x2e /* . */) return false
  if (!checkSessionId(sessionId)) return false
  const nonce = token.slice(0, 22)
  if (!CSRF_NONCE.test(nonce)) return false
  return (await verifyTag(keys, `${nonce}.${sessionId}`, token.slice(23), -1)) >= 0
}
