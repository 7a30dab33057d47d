/** The pure-TypeScript backend: node:crypto only. */

import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'
import { createError } from '../../errors'
import { encodeBase64Url } from '../../lib/encoding'
import { CEILINGS, checkParams } from '../../password/phc'
import type { Backend } from '../types'
import { openFallbackCache } from './cache'
import { FallbackMacKeys } from './mac_keys'
import { FallbackSealKeys } from './seal_keys'
import { runOnPool } from './worker_pool'

const HKDF_MAX_LENGTH = 255 * 32
const MIN_ID_BYTES = 16
const MAX_ID_BYTES = 1024
const MAX_RANDOM_BYTES = 65536
const KEY_ID_INFO = 'keycard/v1/kid'

// Resolved from dist/backend/fallback or src/backend/fallback alike.
const { version } = require('../../../package.json') as { version: string }

export const fallbackBackend: Backend = {
  name: 'fallback',
  version,
  createMacKeys: (secrets, info, base64Std) => new FallbackMacKeys(secrets, info, base64Std),
  createSealKeys: (secrets, kids, purpose) => new FallbackSealKeys(secrets, kids, purpose),
  aesGcmEncrypt(key, nonce, aad, plaintext) {
    checkGcmSizes(key, nonce)
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 }).setAAD(aad)
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()])
  },
  aesGcmDecrypt(key, nonce, aad, sealed) {
    checkGcmSizes(key, nonce)
    if (sealed.length < 16) throw createError('ERR_BAD_FORMAT', 'AES-GCM input is shorter than its tag')
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 }).setAAD(aad)
      decipher.setAuthTag(sealed.subarray(sealed.length - 16))
      return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()])
    } catch {
      return null
    }
  },
  async argon2id(job, signal) {
    // The hard ceilings the Rust core applies on its own, applied here too, so a job above them
    // is the same ERR_PARAMS_OUT_OF_RANGE on both backends (not a WebAssembly allocation failure).
    const { m, t, p, salt, tagLength } = job
    checkParams({ m, t, p, saltLength: salt.byteLength, tagLength }, CEILINGS)
    const reply = await runOnPool({ op: 'argon2id', ...job }, signal)
    if (!reply.tag) throw createError('ERR_INTERNAL', `argon2id failed in the worker: ${reply.error}`)
    return reply.tag
  },
  async bcryptVerify(stored, password, signal) {
    const reply = await runOnPool({ op: 'bcrypt', stored, password }, signal)
    if (reply.matches === undefined) throw createError('ERR_BAD_FORMAT', `not a bcrypt hash keycard reads: ${reply.error}`)
    return reply.matches
  },
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
  openCache: openFallbackCache,
}

/** The Rust primitive's types admit only these sizes; refuse the same inputs here. */
function checkGcmSizes(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== 32 || nonce.length !== 12)
    throw createError('ERR_BAD_FORMAT', 'AES-256-GCM takes a 32-byte key and a 12-byte nonce')
}
