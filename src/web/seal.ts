/**
 * Sealed values on Web Crypto (AES-256-GCM): the layout of docs/FORMATS.md, "Sealed value v1",
 * byte for byte what src/seal writes for the same nonce, and the same refusals in the same order
 * as src/seal/index.ts and the backends' `open` (unknown key, then wrong purpose, then decrypt).
 */

import { KIND_BYTES, KIND_JSON, KIND_TEXT } from '../backend/outcomes'
import { createError } from '../errors'
import type { SecretInput } from '../keys'
import { refuseDetached } from '../lib/detached'
import { decodeUtf8 } from '../lib/encoding'
import { stringifyStrict } from '../lib/json_strict'
import { limitOf, purposeOf, timeOf } from '../lib/options'
import { BAD_FORMAT, Failure, orNull, orThrow } from '../lib/verify_result'
import type { SealOptions, UnsealOptions } from '../seal'
import { DEFAULT_MAX_SIZE, MAX_U32, OVERHEAD, sealPlan, tooLarge } from '../seal/plan'
import { decodeBase64UrlWeb, encodeBase64UrlWeb, utf8Bytes } from './encoding'
import { concat, resolveWebKeyring, subtle, type WebSealKeys } from './keys'

const VERSION = 1
const MAX_KID_LENGTH = 64
const NONCE_LENGTH = 12
const TAG_LENGTH = 16
const BODY_HEADER_LENGTH = 9

async function encrypt(keys: WebSealKeys, kind: number, data: Uint8Array, exp: number, nbf: number, nonce: Uint8Array | null) {
  const { key, prefix, aad } = keys.keys[0] as WebSealKeys['keys'][number]
  const iv = nonce ?? crypto.getRandomValues(new Uint8Array(NONCE_LENGTH))
  if (iv.length !== NONCE_LENGTH) throw createError('ERR_BAD_FORMAT', 'nonces are 12 bytes')
  const body = new Uint8Array(BODY_HEADER_LENGTH + data.byteLength)
  const view = new DataView(body.buffer)
  body[0] = kind
  view.setUint32(1, exp)
  view.setUint32(5, nbf)
  body.set(data, BODY_HEADER_LENGTH)
  const params = {
    name: 'AES-GCM',
    iv: iv as Uint8Array<ArrayBuffer>,
    additionalData: aad as Uint8Array<ArrayBuffer>,
    tagLength: 128,
  }
  const sealed = new Uint8Array(await subtle().encrypt(params, key, body)) // ciphertext || tag
  return encodeBase64UrlWeb(concat([prefix, iv, sealed]))
}

/**
 * `sealWithNonce` (keycard/testing) on Web Crypto: `sealAsync` with a given nonce, for tests
 * that compare outputs byte for byte. Never in production: a repeated nonce breaks AES-GCM.
 * @example
 * await sealWithNonceWeb('x', secret, { now: 0, ttl: 0 }, new Uint8Array(12)) // what sealWithNonce gives
 */
export async function sealWithNonceWeb(
  data: unknown,
  secret: SecretInput | undefined,
  options: SealOptions,
  nonce: Uint8Array | null,
): Promise<string> {
  const keyring = await resolveWebKeyring(secret, options)
  const purpose = purposeOf(options.purpose)
  const { max, exp, nbf } = sealPlan(options)
  const keys = await keyring.sealKeys(purpose)

  if (data instanceof Uint8Array) {
    refuseDetached(data, 'the data')
    if (data.byteLength > max) throw tooLarge(data.byteLength, max)
    return encrypt(keys, KIND_BYTES, data, exp, nbf, nonce)
  }
  let kind = KIND_TEXT
  let text: string
  if (typeof data === 'string') {
    if (data.length > max) throw tooLarge(data.length, max)
    if (!data.isWellFormed()) throw createError('ERR_BAD_FORMAT', 'the string contains a lone surrogate')
    text = data
  } else {
    kind = KIND_JSON
    text = stringifyStrict(data, 'the data')
  }
  const bytes = utf8Bytes(text)
  if (bytes.byteLength > max) throw tooLarge(bytes.byteLength, max)
  return encrypt(keys, kind, bytes, exp, nbf, nonce)
}

/**
 * `seal` on Web Crypto: the same format, a fresh nonce from `crypto.getRandomValues`.
 * @example
 * const cookie = await sealAsync({ uid: 42 }, secret, { purpose: 'session', ttl: '2h' })
 */
export function sealWeb(data: unknown, secret: SecretInput | undefined, options: SealOptions = {}): Promise<string> {
  return sealWithNonceWeb(data, secret, options, null)
}

const UNKNOWN_KEY = new Failure('ERR_UNKNOWN_KEY', 'sealed with a key this keyring does not hold')
const DECRYPT = new Failure('ERR_DECRYPT', 'cannot decrypt')
const WRONG_PURPOSE = new Failure('ERR_WRONG_PURPOSE', 'sealed for another purpose')
const EXPIRED = new Failure('ERR_EXPIRED', 'the sealed value has expired')
const NOT_YET_VALID = new Failure('ERR_NOT_YET_VALID', 'the sealed value is not valid yet')

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  // Key ids and purpose hints are public (they travel in clear): no need for constant time.
  return a.byteLength === b.byteLength && a.every((x, i) => x === b[i])
}

async function open(sealed: unknown, secret: SecretInput | undefined, options: UnsealOptions): Promise<unknown> {
  const keyring = await resolveWebKeyring(secret, options)
  const purpose = purposeOf(options.purpose)
  const max = limitOf(options.maxSize, DEFAULT_MAX_SIZE, 'maxSize')
  const now = Math.min(Math.floor(timeOf(options.now) / 1000), MAX_U32)
  if (typeof sealed !== 'string') return BAD_FORMAT
  if (sealed.length > Math.ceil(((OVERHEAD + 64 + max) * 4) / 3))
    return new Failure('ERR_TOO_LARGE', 'sealed value longer than maxSize allows')
  const keys = await keyring.sealKeys(purpose)

  const bytes = decodeBase64UrlWeb(sealed)
  if (!bytes || bytes.length < 2 || bytes[0] !== VERSION) return BAD_FORMAT
  const kidLength = bytes[1] as number
  const headerLength = 2 + kidLength + 2 + NONCE_LENGTH
  if (kidLength === 0 || kidLength > MAX_KID_LENGTH || bytes.length < headerLength + BODY_HEADER_LENGTH + TAG_LENGTH) {
    return BAD_FORMAT
  }
  const kid = bytes.subarray(2, 2 + kidLength)
  const found = keys.keys.find((k) => sameBytes(k.kid, kid))
  if (!found) return UNKNOWN_KEY
  const nonceAt = 2 + kidLength + 2
  if (!sameBytes(bytes.subarray(nonceAt - 2, nonceAt), keys.hint)) return WRONG_PURPOSE

  let body: Uint8Array
  try {
    // Version, key id and hint were just matched, so the value's AAD is this key's AAD. subtle
    // checks the tag before it returns any plaintext.
    const iv = bytes.slice(nonceAt, headerLength)
    const params = { name: 'AES-GCM', iv, additionalData: found.aad as Uint8Array<ArrayBuffer>, tagLength: 128 }
    body = new Uint8Array(await subtle().decrypt(params, found.key, bytes.slice(headerLength)))
  } catch {
    return DECRYPT
  }
  const kind = body[0] as number
  if (kind !== KIND_TEXT && kind !== KIND_BYTES && kind !== KIND_JSON) return BAD_FORMAT
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength)
  const exp = view.getUint32(1)
  const nbf = view.getUint32(5)
  if (exp !== 0 && now >= exp) return EXPIRED
  if (nbf !== 0 && now < nbf) return NOT_YET_VALID
  const data = body.subarray(BODY_HEADER_LENGTH)
  if (kind === KIND_BYTES) return data
  const text = decodeUtf8(data)
  if (text === null) return BAD_FORMAT
  if (kind !== KIND_JSON) return text
  try {
    return JSON.parse(text)
  } catch {
    return BAD_FORMAT
  }
}

/**
 * `unseal` on Web Crypto: the data as sealed (string, Uint8Array or JSON value), or null.
 * @example
 * const session = await unsealAsync<{ uid: number }>(cookie, secret, { purpose: 'session' })
 */
export async function unsealWeb<T = unknown>(
  sealed: string,
  secret: SecretInput | undefined,
  options: UnsealOptions = {},
): Promise<T | null> {
  return orNull(await open(sealed, secret, options)) as T | null
}

/**
 * `unsealOrThrow` on Web Crypto: rejects with the code `unsealOrThrow` throws.
 * @example
 * const cart = await unsealOrThrowAsync(cookie, secret, { purpose: 'cart' })
 */
export async function unsealOrThrowWeb<T = unknown>(
  sealed: string,
  secret: SecretInput | undefined,
  options: UnsealOptions = {},
): Promise<T> {
  return orThrow(await open(sealed, secret, options)) as T
}

/**
 * `sealedLength` (src/seal): the length of a sealed value of `byteLength` bytes of data.
 * @example
 * sealedLength(200) // 332
 */
export function sealedLength(byteLength: number, keyIdLength = 8): number {
  if (!Number.isInteger(byteLength) || byteLength < 0) {
    throw createError('ERR_INVALID_ARGUMENT', 'byteLength must be an integer >= 0')
  }
  if (!Number.isInteger(keyIdLength) || keyIdLength < 1 || keyIdLength > 64) {
    throw createError('ERR_INVALID_ARGUMENT', 'keyIdLength is 1..64')
  }
  return Math.ceil(((OVERHEAD + keyIdLength + byteLength) * 4) / 3)
}
