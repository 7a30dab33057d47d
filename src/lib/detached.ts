/**
 * Detached byte arrays. After `structuredClone(bytes, { transfer: [bytes.buffer] })` (or
 * `postMessage` with a transfer list, or `ArrayBuffer.prototype.transfer`) a Uint8Array still
 * exists but holds nothing: it reports 0 bytes, and the backends disagreed on it (napi reads an
 * empty slice, the fallback's copy throws a raw TypeError). A fixed-length view past the end of a
 * resizable ArrayBuffer that was shrunk behaves the same way. Either is a caller bug, and taking it
 * as empty data would lose data silently, so keycard refuses both with `ERR_INVALID_ARGUMENT`.
 */

import { createError } from '../errors'

/**
 * Throws `ERR_INVALID_ARGUMENT` when `bytes` is detached or out of bounds. Costs one property read
 * for any non-empty array; only an array that reports 0 bytes pays for the check below.
 * @example
 * refuseDetached(value, 'cache value') // then store value's bytes
 */
export function refuseDetached(bytes: Uint8Array, name: string): void {
  if (bytes.byteLength !== 0) return
  try {
    // Copying from a detached or out-of-bounds typed array throws a TypeError (ECMA-262,
    // InitializeTypedArrayFromTypedArray); copying a genuinely empty one gives an empty array.
    // Node 20 has no ArrayBuffer.prototype.detached, and it would not cover the out-of-bounds case.
    new Uint8Array(bytes)
  } catch {
    throw createError('ERR_INVALID_ARGUMENT', `${name} is a detached (transferred) or out-of-bounds Uint8Array`)
  }
}
