/**
 * The steps of verifying a token that do not depend on how the tag is checked: the claim policy
 * from the options, the token's framing, and the claims from its decoded payload. Shared by
 * `verifyToken` (Node, src/token/index.ts) and `verifyTokenAsync` on Web Crypto (src/web/mac.ts),
 * so both accept and refuse the same tokens with the same codes.
 */

import { toMilliseconds } from '../lib/duration'
import { decodeUtf8 } from '../lib/encoding'
import { parseJsonObject } from '../lib/json_strict'
import { limitOf, purposeOf, timeOf } from '../lib/options'
import { BAD_FORMAT, Failure } from '../lib/verify_result'
import { type ClaimPolicy, checkClaims } from './claims'
import type { TokenPayload, VerifyTokenOptions } from './index'

const DEFAULT_MAX_LENGTH = 8192

/**
 * What the claims must satisfy, from the options; ERR_INVALID_ARGUMENT for bad options.
 * @example
 * const policy = verifyPolicy({ audience: 'api', clockTolerance: '5s' })
 */
export function verifyPolicy(options: VerifyTokenOptions): ClaimPolicy {
  if (options.purpose !== undefined) purposeOf(options.purpose)
  return {
    now: timeOf(options.now),
    toleranceSeconds: options.clockTolerance === undefined ? 0 : toMilliseconds(options.clockTolerance, 'clockTolerance') / 1000,
    audience: options.audience,
    issuer: options.issuer,
    subject: options.subject,
    purpose: options.purpose,
    maxAgeSeconds: options.maxAge === undefined ? undefined : toMilliseconds(options.maxAge, 'maxAge') / 1000,
    requireExpiry: options.requireExpiry ?? true,
  }
}

/**
 * A token's three segments: `input` (header.payload, what the tag covers), the header, the
 * payload and the tag, or why it is not a token (not a string, too long, not three non-empty
 * segments).
 * @example
 * const parts = tokenParts(token, options)
 * if (parts instanceof Failure) return parts
 */
export function tokenParts(
  token: unknown,
  options: VerifyTokenOptions,
): { input: string; header: string; payload: string; tag: string } | Failure {
  const maxLength = limitOf(options.maxLength, DEFAULT_MAX_LENGTH, 'maxLength', 1)
  if (typeof token !== 'string') return BAD_FORMAT
  if (token.length > maxLength) return new Failure('ERR_TOO_LARGE', `token longer than ${maxLength}`)
  const first = token.indexOf('.')
  const second = token.indexOf('.', first + 1)
  // Exactly three non-empty segments.
  if (first <= 0 || second <= first + 1 || second === token.length - 1 || token.indexOf('.', second + 1) >= 0) return BAD_FORMAT
  return {
    input: token.slice(0, second),
    header: token.slice(0, first),
    payload: token.slice(first + 1, second),
    tag: token.slice(second + 1),
  }
}

/**
 * The claims of a token whose tag verified, from its decoded payload segment (null: not
 * base64url), checked against `policy`.
 * @example
 * return claimsOf(decodeBase64Url(parts.payload), policy)
 */
export function claimsOf(bytes: Uint8Array | null, policy: ClaimPolicy): TokenPayload | Failure {
  const text = bytes && decodeUtf8(bytes)
  const claims = text === null || text === undefined ? null : parseJsonObject(text)
  if (!claims) return new Failure('ERR_BAD_FORMAT', 'the token payload is not a JSON object')
  return checkClaims(claims, policy) ?? claims
}
