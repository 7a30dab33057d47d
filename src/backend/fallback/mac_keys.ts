/**
 * The fallback `mac_keys` part: `MacKeys` on node:crypto. Mirrors crates/keycard-sign/src/mac.rs
 * (behind crates/keycard-node/src/mac_keys.rs): same derivation, same strict tag decoding, same
 * `VERIFY_*` outcomes.
 */

import { createHmac, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto'
import { createError } from '../../errors'
import { VERIFY_BAD_FORMAT, VERIFY_BAD_SIGNATURE, VERIFY_UNKNOWN_KEY } from '../outcomes'
import type { MacKeys, MacKeysPart } from '../types'

/**
 * Shortest secret the backend accepts, in bytes, as the Rust core (keycard-sign's keys.rs) does:
 * the TS layer refuses shorter ones first, this holds for direct backend callers (vectors, tests).
 * @example
 * if (secret.byteLength < MIN_SECRET_LENGTH) throw createError('ERR_KEY_TOO_SHORT', 'secret is shorter than 32 bytes')
 */
export const MIN_SECRET_LENGTH = 32
const EMPTY = Buffer.alloc(0)

/**
 * A 32-byte tag is 43 characters; the last one carries 4 data bits and 2 zero bits, so only 16
 * characters may end a canonical tag. Used to tell a malformed tag from a wrong one.
 */
const TAG_URL = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/
const TAG_STD = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]$/

class FallbackMacKeys implements MacKeys {
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

  /** The tag of `msg` under key `index`, in this set's alphabet (always canonical). */
  #tag(index: number, msg: string): string {
    const hmac = createHmac('sha256', this.#keys[index] as KeyObject).update(msg, 'utf8')
    // digest(encoding) returns the string directly: measured ~40% cheaper than digest() plus an
    // encode. cookie-signature strips the padding of standard base64; 32 bytes always end in one '='.
    return this.#std ? hmac.digest('base64').slice(0, 43) : hmac.digest('base64url')
  }

  tag(msg: string): string {
    return this.#tag(0, msg)
  }

  /**
   * Compares the expected tag *string* with the given one in constant time. Every tag we compute
   * is canonical, so equal strings mean equal bytes and a canonical input; the format is only
   * examined after a mismatch, to report BAD_FORMAT exactly where the Rust core does (it decodes
   * strictly before comparing, so a malformed tag is BAD_FORMAT whatever the key).
   */
  verifyTag(msg: string, tag: string, keyIndex: number): number {
    if (keyIndex >= this.#keys.length) return this.#wellFormed(tag) ? VERIFY_UNKNOWN_KEY : VERIFY_BAD_FORMAT
    if (tag.length === 43) {
      const first = Math.max(keyIndex, 0)
      const last = keyIndex < 0 ? this.#keys.length - 1 : keyIndex
      for (let i = first; i <= last; i++) {
        if (constantTimeEqual(this.#tag(i, msg), tag)) return i
      }
    }
    return this.#wellFormed(tag) ? VERIFY_BAD_SIGNATURE : VERIFY_BAD_FORMAT
  }

  #wellFormed(tag: string): boolean {
    return (this.#std ? TAG_STD : TAG_URL).test(tag)
  }

  verifySigned(signed: string): number {
    const dot = signed.lastIndexOf('.')
    if (dot < 0) return VERIFY_BAD_FORMAT
    return this.verifyTag(signed.slice(0, dot), signed.slice(dot + 1), -1)
  }
}

/**
 * Equality of two strings of the same public length, in time that depends only on that length:
 * every character is compared and differences are OR-ed together, with no early exit. Used for
 * tags, whose length (43) is public; the content is what must not leak.
 */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}

/**
 * The `mac_keys` part of the fallback backend.
 * @example
 * fallbackMacKeys.createMacKeys([secret], 'keycard/v1/sign/', false).tag('v')
 */
export const fallbackMacKeys: MacKeysPart = {
  createMacKeys: (secrets, info, base64Std) => new FallbackMacKeys(secrets, info, base64Std),
}
