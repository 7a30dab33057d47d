/**
 * The claims JSON of a token about to be signed: the payload checked, the registered claims from
 * the options (iat, exp, nbf, aud, iss, sub, pur), in one text. Shared by `signToken` (Node) and
 * `signTokenAsync` on Web Crypto (src/web/mac.ts), so both refuse the same inputs and write the
 * same bytes; only the signing differs.
 */

import { createError } from '../errors'
import { type Duration, toMilliseconds } from '../lib/duration'
import { purposeOf, timeOf } from '../lib/options'
import { MAX_NUMERIC_DATE } from './claims'
import type { SignTokenOptions } from './index'
import { encodeClaims } from './payload'

const DEFAULT_EXPIRES_IN = 3_600_000

function seconds(value: Duration, name: string): number {
  return Math.round(toMilliseconds(value, name) / 1000)
}

/**
 * The claims to sign for `payload` under `options`, as JSON; ERR_INVALID_ARGUMENT for a payload
 * that is not a plain object, or claims that are not what they must be.
 * @example
 * const input = `${header}.${encodeBase64Url(tokenClaimsJson({ uid: 42 }, { expiresIn: '15m' }))}`
 */
export function tokenClaimsJson(payload: unknown, options: SignTokenOptions): string {
  // The tag check also refuses Map, Set, Date and the like: spreading them below would silently
  // sign `{}` (their data is not in own enumerable properties).
  if (
    typeof payload !== 'object' ||
    payload === null ||
    Array.isArray(payload) ||
    Object.prototype.toString.call(payload) !== '[object Object]'
  ) {
    throw createError('ERR_INVALID_ARGUMENT', 'a token payload must be a plain object')
  }
  const iat = Math.floor(timeOf(options.now) / 1000)
  // checkClaims refuses NumericDates outside 0..MAX_NUMERIC_DATE as malformed, so never sign one:
  // timeOf refuses a `now` before 1970, and an exp or nbf past 9999 is refused below.
  const exp = iat + seconds(options.expiresIn ?? DEFAULT_EXPIRES_IN, 'expiresIn')
  if (exp > MAX_NUMERIC_DATE) throw createError('ERR_INVALID_ARGUMENT', 'expiresIn reaches past the year 9999')
  let nbf: number | undefined
  if (options.notBefore !== undefined) {
    nbf = iat + seconds(options.notBefore, 'notBefore')
    if (nbf > MAX_NUMERIC_DATE) throw createError('ERR_INVALID_ARGUMENT', 'notBefore reaches past the year 9999')
  }
  const { audience, issuer, subject, purpose } = options
  if (
    audience !== undefined &&
    typeof audience !== 'string' &&
    !(Array.isArray(audience) && audience.every((a) => typeof a === 'string'))
  ) {
    throw createError('ERR_INVALID_ARGUMENT', 'audience must be a string or strings')
  }
  if ((issuer !== undefined && typeof issuer !== 'string') || (subject !== undefined && typeof subject !== 'string')) {
    throw createError('ERR_INVALID_ARGUMENT', 'issuer and subject must be strings')
  }
  // '' and absent differ for tokens (a `pur` of '' is written), so only check a given purpose.
  if (purpose !== undefined) purposeOf(purpose)
  return encodeClaims(payload, { iat, exp, nbf, aud: audience, iss: issuer, sub: subject, pur: purpose })
}
