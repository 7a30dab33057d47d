/**
 * The fallback `primitives` part on node:crypto, refusing what crates/keycard-node/src/primitives.rs
 * refuses, with the same codes.
 */

import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import { createError } from '../../errors'
import { encodeBase64Url } from '../../lib/encoding'
import type { PrimitivesPart } from '../types'

const HKDF_MAX_LENGTH = 255 * 32
const MIN_ID_BYTES = 16
const MAX_ID_BYTES = 1024
const MAX_RANDOM_BYTES = 65536
const KEY_ID_INFO = 'keycard/v1/kid'

/**
 * The `primitives` part of the fallback backend.
 * @example
 * fallbackPrimitives.keyId(secret) // the same 8 characters as the native backend's
 */
export const fallbackPrimitives: PrimitivesPart = {
  hmacSha256: (key, msg) => createHmac('sha256', key).update(msg).digest(),
  hkdfSha256(ikm, salt, info, length) {
    if (!Number.isInteger(length) || length < 0 || length > HKDF_MAX_LENGTH) {
      throw createError('ERR_PARAMS_OUT_OF_RANGE', `HKDF length must be 0..${HKDF_MAX_LENGTH}`)
    }
    // node:crypto refuses length 0; HKDF of zero bytes is the empty string by definition.
    return length === 0 ? new Uint8Array(0) : new Uint8Array(hkdfSync('sha256', ikm, salt, info, length))
  },
  keyId: (secret) => createHmac('sha256', secret).update(KEY_ID_INFO).digest().subarray(0, 6).toString('base64url'),
  timingSafeEqual: (a, b) => a.byteLength === b.byteLength && timingSafeEqual(a, b),
  randomId(bytes) {
    if (!Number.isInteger(bytes) || bytes < MIN_ID_BYTES || bytes > MAX_ID_BYTES) {
      throw createError('ERR_PARAMS_OUT_OF_RANGE', `random ids take ${MIN_ID_BYTES}..${MAX_ID_BYTES} bytes`)
    }
    return encodeBase64Url(randomBytes(bytes))
  },
  randomBytes(length) {
    if (!Number.isInteger(length) || length < 0 || length > MAX_RANDOM_BYTES) {
      throw createError('ERR_PARAMS_OUT_OF_RANGE', `randomBytes takes 0..${MAX_RANDOM_BYTES} bytes`)
    }
    return randomBytes(length)
  },
}
