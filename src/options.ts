/**
 * Option checks shared by every capability, so that one bad value gets one answer everywhere:
 * `ERR_INVALID_ARGUMENT`, never a silent default.
 */

import { createError } from './errors'

/** The `purpose` option: a string, '' when absent. */
export function purposeOf(value: unknown): string {
  if (value === undefined) return ''
  if (typeof value !== 'string') throw createError('ERR_INVALID_ARGUMENT', 'purpose must be a string')
  return value
}

/** The `now` option (ms or Date) as ms since 1970, or the real clock. Times before 1970 are refused. */
export function timeOf(now: number | Date | undefined): number {
  const ms = now === undefined ? Date.now() : typeof now === 'number' ? now : now instanceof Date ? now.getTime() : Number.NaN
  if (!Number.isFinite(ms) || ms < 0) throw createError('ERR_INVALID_ARGUMENT', 'now must be a time after 1970 (ms or a Date)')
  return ms
}

/**
 * A length or size limit. `x.length > NaN` (or `> '100'`) is false, so a bad value would
 * silently lift the limit: refuse it instead. `Infinity` is an explicit "no limit".
 */
export function limitOf(value: unknown, fallback: number, name: string, min = 0): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || Number.isNaN(value) || value < min) {
    throw createError('ERR_INVALID_ARGUMENT', `${name} must be a number >= ${min}`)
  }
  return value
}

/** A string (as its UTF-8 bytes) or bytes as given; anything else is ERR_INVALID_ARGUMENT. */
export function bytesOf(value: unknown, name: string): Uint8Array {
  if (typeof value === 'string') return Buffer.from(value, 'utf8')
  if (value instanceof Uint8Array) return value
  throw createError('ERR_INVALID_ARGUMENT', `${name} must be a string or a Uint8Array`)
}
