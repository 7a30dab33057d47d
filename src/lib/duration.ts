/**
 * Durations: numbers are milliseconds (the JS convention of lru-cache and express-session);
 * strings such as '500ms', '30s', '15m', '2h', '7d', '1w' are accepted everywhere.
 */

import { createError } from '../errors'

/**
 * A duration: milliseconds as a number, or a number and a unit (`ms`, `s`, `m`, `h`, `d`, `w`).
 * @example
 * const ttl: Duration = '15m' // same as 900_000
 */
export type Duration = number | string

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/
const parsed = new Map<string, number>()

/**
 * Milliseconds in `value`; throws `ERR_INVALID_ARGUMENT` for anything else (negative, NaN,
 * '5 parsecs'). `name` is the option named in the error.
 * @example
 * toMilliseconds('2h', 'ttl') // 7_200_000
 * toMilliseconds(500, 'ttl') // 500
 */
export function toMilliseconds(value: Duration, name: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value
  } else if (typeof value === 'string') {
    // Options like ttl: '1h' are parsed on every call on the request path: remember them.
    const known = parsed.get(value)
    if (known !== undefined) return known
    const match = PATTERN.exec(value.trim())
    if (match) {
      const ms = Number(match[1]) * (UNITS[match[2] as string] as number)
      if (parsed.size >= 256) parsed.clear()
      parsed.set(value, ms)
      return ms
    }
  }
  throw createError('ERR_INVALID_ARGUMENT', `${name} must be a duration: milliseconds >= 0, or a string like '15m'`)
}
