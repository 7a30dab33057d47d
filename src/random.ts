/** Random ids and constant-time comparison. */

import { activeBackend } from './backend'
import { createError } from './errors'
import { bytesOf } from './lib/options'

/**
 * `bytes` bytes (16 to 1024, default 32 = 256 bits) from the OS CSPRNG, as base64url without
 * padding: URL-, cookie- and filename-safe.
 * @example
 * randomId() // 'q3J0b1hT...' (43 characters)
 */
export function randomId(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 16 || bytes > 1024) {
    throw createError('ERR_PARAMS_OUT_OF_RANGE', 'randomId takes 16..1024 bytes')
  }
  return activeBackend().randomId(bytes)
}

/**
 * Compares two strings (as UTF-8) or byte arrays without leaking where they differ. Different
 * lengths return false without throwing (unlike node:crypto); the length itself is not hidden.
 * @example
 * timingSafeEqual(req.get('x-api-key') ?? '', process.env.API_KEY) // true or false
 */
export function timingSafeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  return activeBackend().timingSafeEqual(bytesOf(a, 'a'), bytesOf(b, 'b'))
}
