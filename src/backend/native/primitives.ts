/** The native `primitives` part: HMAC, HKDF, key ids, randomness (crates/keycard-node/src/primitives.rs). */

import type { PrimitivesPart } from '../types'
import { guard, type NativeBinding } from './load'

/**
 * The `primitives` part of the native backend.
 * @example
 * nativePrimitives(binding).randomId(16) // 22 base64url characters
 */
export function nativePrimitives(binding: NativeBinding): PrimitivesPart {
  return {
    hmacSha256: (key, msg) => guard(() => binding.hmacSha256(key, msg)),
    hkdfSha256: (ikm, salt, info, length) => guard(() => binding.hkdfSha256(ikm, salt, info, length)),
    keyId: (secret) => guard(() => binding.keyId(secret)),
    timingSafeEqual: (a, b) => guard(() => binding.timingSafeEqual(a, b)),
    randomId: (bytes) => guard(() => binding.randomId(bytes)),
    randomBytes: (length) => guard(() => binding.randomBytes(length)),
  }
}
