/**
 * Claim checks for verified tokens: pure functions over the parsed payload and the clock, shared
 * by both backends. Times in claims are NumericDate seconds (RFC 7519 §2); keycard accepts only
 * integers between 0 and 253402300799 (9999-12-31), so strings, floats, negatives, 1e309 and
 * far-future values are refused rather than interpreted.
 */

import { Failure } from '../lib/verify_result'

/**
 * Latest time a claim may hold, in seconds: 9999-12-31T23:59:59Z. Later is ERR_BAD_FORMAT.
 * @example
 * Number.isSafeInteger(exp) && exp >= 0 && exp <= MAX_NUMERIC_DATE
 */
export const MAX_NUMERIC_DATE = 253_402_300_799

/**
 * What a verifier accepts: the clock, the leeway and the expected audience, issuer, subject and
 * purpose (verifyToken builds it from its options).
 * @example
 * checkClaims(claims, { now: Date.now(), toleranceSeconds: 0, purpose: 'reset', requireExpiry: true })
 */
export interface ClaimPolicy {
  /** Current time in ms. */
  now: number
  /** Seconds of leeway for exp, nbf and iat. */
  toleranceSeconds: number
  /** Accepted audiences; a token with an `aud` is refused unless one of them is in it. */
  audience?: string | readonly string[]
  /** Accepted issuers; a token from any other (or with none) is refused. */
  issuer?: string | readonly string[]
  /** The one subject accepted. */
  subject?: string
  /** The purpose the token must carry in `pur`; undefined means it must carry none. */
  purpose?: string
  /** Max age in seconds since iat. */
  maxAgeSeconds?: number
  /** Whether a token without `exp` is refused. */
  requireExpiry: boolean
}

function isNumericDate(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_NUMERIC_DATE
}

function oneOf(expected: string | readonly string[], actual: string): boolean {
  return typeof expected === 'string' ? expected === actual : expected.includes(actual)
}

const bad = (message: string) => new Failure('ERR_BAD_FORMAT', message)

/**
 * Null when `claims` are acceptable under `policy`, else the reason.
 * @example
 * checkClaims({ exp: 1 }, { now: Date.now(), toleranceSeconds: 0, requireExpiry: true })?.code // 'ERR_EXPIRED'
 */
export function checkClaims(claims: Record<string, unknown>, policy: ClaimPolicy): Failure | null {
  const { exp, nbf, iat, aud, iss, sub, pur } = claims
  if (exp !== undefined && !isNumericDate(exp)) return bad('the exp claim must be an integer NumericDate')
  if (nbf !== undefined && !isNumericDate(nbf)) return bad('the nbf claim must be an integer NumericDate')
  if (iat !== undefined && !isNumericDate(iat)) return bad('the iat claim must be an integer NumericDate')
  if (iss !== undefined && typeof iss !== 'string') return bad('the iss claim must be a string')
  if (sub !== undefined && typeof sub !== 'string') return bad('the sub claim must be a string')
  if (pur !== undefined && typeof pur !== 'string') return bad('the pur claim must be a string')
  if (aud !== undefined && typeof aud !== 'string' && !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))) {
    return bad('the aud claim must be a string or an array of strings')
  }

  const now = Math.floor(policy.now / 1000)
  const tolerance = policy.toleranceSeconds
  if (exp === undefined) {
    if (policy.requireExpiry) return bad('the token has no exp claim')
  } else if ((exp as number) <= now - tolerance) {
    return new Failure('ERR_EXPIRED', 'the token has expired')
  }
  if (nbf !== undefined && (nbf as number) > now + tolerance)
    return new Failure('ERR_NOT_YET_VALID', 'the token is not valid yet (nbf)')
  if (iat !== undefined && (iat as number) > now + tolerance)
    return new Failure('ERR_NOT_YET_VALID', 'the token was issued in the future (iat)')
  if (policy.maxAgeSeconds !== undefined) {
    if (iat === undefined) return bad('maxAge needs an iat claim')
    if (now - (iat as number) > policy.maxAgeSeconds + tolerance)
      return new Failure('ERR_EXPIRED', 'the token is older than maxAge')
  }

  // RFC 7519 §4.1.3: a token meant for an audience is refused by whoever does not identify with it.
  if (aud !== undefined || policy.audience !== undefined) {
    const audiences = aud === undefined ? [] : typeof aud === 'string' ? [aud] : (aud as string[])
    const wanted = policy.audience
    if (wanted === undefined || !audiences.some((a) => oneOf(wanted, a))) {
      return new Failure('ERR_WRONG_AUDIENCE', 'the token is not meant for this audience')
    }
  }
  if (policy.issuer !== undefined && (typeof iss !== 'string' || !oneOf(policy.issuer, iss))) {
    return new Failure('ERR_WRONG_ISSUER', 'the token comes from another issuer')
  }
  if (policy.subject !== undefined && sub !== policy.subject)
    return new Failure('ERR_WRONG_SUBJECT', 'the token is about another subject')
  // A purpose must match both ways: a token made for a purpose is refused where none is expected.
  if (pur !== policy.purpose) return new Failure('ERR_WRONG_PURPOSE', 'the token was made for another purpose')
  return null
}
