/**
 * Fallback `MacKeys` on node:crypto. Mirrors crates/keycard-sign/src/mac.rs: same derivation,
 * same strict tag decoding, same outcomes.
 */

import { createHmac, createSecretKey, hkdfSync, type KeyObject, timingSafeEqual } from 'node:crypto'
import { createError } from '../../errors'
import { type MacKeys, VERIFY_BAD_FORMAT, VERIFY_BAD_SIGNATURE, VERIFY_UNKNOWN_KEY } from '../types'

export const MIN_SECRET_LENGTH = 32
const EMPTY = Buffer.alloc(0)

/**
 * A 32-byte tag is 43 characters; the last one carries 4 data bits and 2 zero bits, so only 16
 * characters may end a canonical tag. Checked by pattern before any decoding.
 */
const TAG_URL = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/
const TAG_STD = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]$/

export class FallbackMacKeys implements MacKeys {
  readonly #keys: KeyObject[]
  readonly #std: boolean

  constructor(secrets: readonly Uint8Array[], info: string | null, base64Std: boolean) {
    if (secrets.length === 0) throw createError('ERR_UNKNOWN_KEY', 'no such key in the key set')
    this.#keys = secrets.map((secret) => {
      if (secret.byteLength < MIN_SECRET_LENGTH) throw createError('ERR_KEY_TOO_SHORT', 'secret is shorter than 32 bytes')
      const key = info === null ? secret : new Uint8Array(hkdfSync('sha256', secret, EMPTY, info, 32))
      return createSecretKey(key)
    })
    this.#std = base64Std
  }

  #mac(index: number, msg: string): Buffer {
    return createHmac('sha256', this.#keys[index] as KeyObject)
      .update(msg, 'utf8')
      .digest()
  }

  tag(msg: string): string {
    if (!this.#std) return this.#mac(0, msg).toString('base64url')
    // cookie-signature strips the padding of standard base64; a 32-byte digest always has one '='.
    return this.#mac(0, msg).toString('base64').slice(0, 43)
  }

  verifyTag(msg: string, tag: string, keyIndex: number): number {
    if (!(this.#std ? TAG_STD : TAG_URL).test(tag)) return VERIFY_BAD_FORMAT
    const expected = Buffer.from(tag, this.#std ? 'base64' : 'base64url')
    if (keyIndex >= this.#keys.length) return VERIFY_UNKNOWN_KEY
    const first = Math.max(keyIndex, 0)
    const last = keyIndex < 0 ? this.#keys.length - 1 : keyIndex
    for (let i = first; i <= last; i++) {
      // Both sides are 32 bytes here, so timingSafeEqual cannot throw on a length mismatch.
      if (timingSafeEqual(this.#mac(i, msg), expected)) return i
    }
    return VERIFY_BAD_SIGNATURE
  }

  verifySigned(signed: string): number {
    const dot = signed.lastIndexOf('.')
    if (dot < 0) return VERIFY_BAD_FORMAT
    return this.verifyTag(signed.slice(0, dot), signed.slice(dot + 1), -1)
  }
}
