/**
 * The bounds and times of a sealed value (docs/FORMATS.md, "Sealed value (v1)"), computed the
 * same way by `seal` (Node, src/seal/index.ts) and `sealAsync` on Web Crypto (src/web/seal.ts):
 * only the encryption differs between them.
 */

import { createError } from '../errors'
import { toMilliseconds } from '../lib/duration'
import { limitOf, timeOf } from '../lib/options'
import type { SealOptions } from './index'

/** Default lifetime of a sealed value: 14 days. */
export const DEFAULT_TTL = 14 * 86_400_000
/** Default largest plaintext, in bytes. */
export const DEFAULT_MAX_SIZE = 65_536
/** Times are u32 seconds in the format. */
export const MAX_U32 = 0xffff_ffff
/** version, kid length, purpose hint, nonce, kind, exp, nbf, tag: bytes besides the key id and data. */
export const OVERHEAD = 1 + 1 + 2 + 12 + 1 + 4 + 4 + 16

/**
 * `ms` as the u32 seconds of the format, rounded by `round`: an expiry up (a value never lives
 * shorter than its ttl), a not-before down (a value is valid from the start of the second it
 * names, so `notBefore: 0` is valid at once, not from the next second).
 * @example
 * sealSeconds(Date.now() + 60_000, Math.ceil, 'ttl')
 */
export function sealSeconds(ms: number, round: (x: number) => number, name: string): number {
  const s = round(ms / 1000)
  if (s > MAX_U32) throw createError('ERR_INVALID_ARGUMENT', `${name} reaches past the year 2106 (format v1 limit)`)
  return s
}

/**
 * The error for data over `maxSize`.
 * @example
 * if (data.byteLength > max) throw tooLarge(data.byteLength, max)
 */
export function tooLarge(size: number, max: number) {
  return createError('ERR_TOO_LARGE', `data of ${size} bytes exceeds maxSize ${max}`)
}

/**
 * A seal's largest plaintext and its expiry and not-before (u32 seconds, 0: none), from its
 * options; ERR_INVALID_ARGUMENT for bad ones.
 * @example
 * const { max, exp, nbf } = sealPlan({ ttl: '2h' })
 */
export function sealPlan(options: SealOptions): { max: number; exp: number; nbf: number } {
  const max = limitOf(options.maxSize, DEFAULT_MAX_SIZE, 'maxSize')
  const now = timeOf(options.now)
  const ttl = toMilliseconds(options.ttl ?? DEFAULT_TTL, 'ttl')
  const exp = ttl === 0 ? 0 : sealSeconds(now + ttl, Math.ceil, 'ttl')
  const nbf =
    options.notBefore === undefined
      ? 0
      : sealSeconds(now + toMilliseconds(options.notBefore, 'notBefore'), Math.floor, 'notBefore')
  return { max, exp, nbf }
}
