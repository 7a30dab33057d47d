/**
 * Option checks shared by every capability, so that one bad value gets one answer everywhere:
 * `ERR_INVALID_ARGUMENT`, never a silent default.
 */

import { createError } from '../errors'
import { refuseDetached } from './detached'

/**
 * Longest purpose, in UTF-8 bytes. A purpose becomes part of an HKDF `info` string, and Node's
 * hkdfSync refuses an info over 1024 bytes with a raw RangeError while the Rust core has no such
 * limit: a fixed cap well below it gives both backends the same answer for every purpose.
 * Purposes are names (a cookie name, 'password-reset'), so 512 bytes is generous.
 * @example
 * purposeOf('p'.repeat(MAX_PURPOSE_BYTES)) // fine; one byte more is ERR_INVALID_ARGUMENT
 */
export const MAX_PURPOSE_BYTES = 512
/** Not `Buffer.byteLength`: purposeOf also runs where there is no Buffer (the Web Crypto entry). */
const utf8 = new TextEncoder()

/**
 * The `purpose` option: a string, '' when absent. Refused (`ERR_INVALID_ARGUMENT`): a non-string,
 * a purpose over MAX_PURPOSE_BYTES, and a lone UTF-16 surrogate, which has no UTF-8 form (Node
 * writes U+FFFD for it, so '\uD800', '\uDBFF' and '\uFFFD' would all derive the same keys).
 * @example
 * purposeOf(options?.purpose) // 'session', or '' when absent
 */
export function purposeOf(value: unknown): string {
  if (value === undefined) return ''
  if (typeof value !== 'string') throw createError('ERR_INVALID_ARGUMENT', 'purpose must be a string')
  // Length before any O(n) scan. Every UTF-16 code unit is at least one UTF-8 byte (a pair is
  // four), so more units than the cap is over it; at most 3 bytes per unit, so short strings need
  // no count (the usual case).
  const tooLong =
    value.length > MAX_PURPOSE_BYTES ||
    (value.length * 3 > MAX_PURPOSE_BYTES && utf8.encode(value).byteLength > MAX_PURPOSE_BYTES)
  if (tooLong) throw createError('ERR_INVALID_ARGUMENT', `purpose is longer than ${MAX_PURPOSE_BYTES} UTF-8 bytes`)
  if (!value.isWellFormed()) throw createError('ERR_INVALID_ARGUMENT', 'purpose contains a lone surrogate')
  return value
}

/**
 * The `now` option (ms or Date) as ms since 1970, or the real clock. Times before 1970 are refused.
 * @example
 * timeOf(new Date(0)) // 0
 * timeOf(undefined) // Date.now()
 */
export function timeOf(now: number | Date | undefined): number {
  const ms = now === undefined ? Date.now() : typeof now === 'number' ? now : now instanceof Date ? now.getTime() : Number.NaN
  if (!Number.isFinite(ms) || ms < 0) throw createError('ERR_INVALID_ARGUMENT', 'now must be a time after 1970 (ms or a Date)')
  return ms
}

/**
 * A length or size limit. `x.length > NaN` (or `> '100'`) is false, so a bad value would
 * silently lift the limit: refuse it instead. `Infinity` is an explicit "no limit".
 * @example
 * limitOf(options?.maxLength, 65_536, 'maxLength', 1) // 65536 when absent; NaN or 0 throw
 */
export function limitOf(value: unknown, fallback: number, name: string, min = 0): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || Number.isNaN(value) || value < min) {
    throw createError('ERR_INVALID_ARGUMENT', `${name} must be a number >= ${min}`)
  }
  return value
}

/**
 * A string (as its UTF-8 bytes) or bytes as given; anything else is ERR_INVALID_ARGUMENT.
 * @example
 * bytesOf('é', 'a') // <Buffer c3 a9>
 */
export function bytesOf(value: unknown, name: string): Uint8Array {
  if (typeof value === 'string') return Buffer.from(value, 'utf8')
  if (value instanceof Uint8Array) {
    // A detached array reads as empty: timingSafeEqual of two of them would say "equal".
    refuseDetached(value, name)
    return value
  }
  throw createError('ERR_INVALID_ARGUMENT', `${name} must be a string or a Uint8Array`)
}
