/**
 * Tokens: compact JWS with HS256 (a JWT). The header is `{"alg":"HS256","typ":"JWT","kid":…}`;
 * the key is derived, HKDF-SHA256(secret, "keycard/v1/token"), never the secret as given: the
 * cookie-signature format tags with HMAC-SHA256 under the raw secret, and about one such tag in
 * four is also valid base64url, so a raw-keyed token would let an app that cookie-signs an
 * attacker's `header.claims` string hand out tokens with any claims (and a real token would pass
 * as a cookie-signature value). jose and other JWT libraries use `tokenKey(secret)` or
 * `keyring.tokenKey()`. The purpose travels as the `pur` claim.
 */

import { activeBackend } from '../backend'
import { type KeyOptions, resolveKeyring, type SecretInput, TOKEN_INFO } from '../keys'
import type { Duration } from '../lib/duration'
import { decodeBase64Url, encodeBase64Url } from '../lib/encoding'
import { Failure, failureOf, orNull, orThrow } from '../lib/verify_result'
import { keyIndexForHeader } from './header'
import { tokenClaimsJson } from './sign_claims'
import { claimsOf, tokenParts, verifyPolicy } from './verify_steps'

/**
 * What `signToken` signs: a plain object of JSON values (registered claims come from options).
 * @example
 * const payload: TokenPayload = { uid: 42, roles: ['admin'] }
 */
export type TokenPayload = Record<string, unknown>
/**
 * The registered claims a verified keycard token carries (`iat` and `exp` always, unless `exp`
 * was not required). Times are seconds since 1970.
 * @example
 * const claims = verifyToken(token, secret)
 * if (claims?.exp !== undefined) new Date(claims.exp * 1000)
 */
export interface RegisteredClaims {
  /** Issued at (seconds). */
  iat?: number
  /** Expires at (seconds): refused from this second on. */
  exp?: number
  /** Not before (seconds). */
  nbf?: number
  /** Audience(s). */
  aud?: string | string[]
  /** Issuer. */
  iss?: string
  /** Subject. */
  sub?: string
  /** Purpose (keycard's own claim). */
  pur?: string
}

/**
 * Options of `signToken`: the lifetime and the registered claims to set.
 * @example
 * signToken({ uid: 7 }, secret, { expiresIn: '15m', audience: 'api', purpose: 'access' })
 */
export interface SignTokenOptions extends KeyOptions {
  /** Lifetime; becomes `exp`. Default '1h'. */
  expiresIn?: Duration
  /** Delay before the token is valid; becomes `nbf`. */
  notBefore?: Duration
  /** Becomes `aud`. */
  audience?: string | string[]
  /** Becomes `iss`. */
  issuer?: string
  /** Becomes `sub`. */
  subject?: string
  /** What the token is for; becomes `pur` and must match at verification. */
  purpose?: string
  /** Current time (ms or Date), for reproducible tokens. Default: now. */
  now?: number | Date
}

/**
 * Options of `verifyToken`/`verifyTokenOrThrow`: what the claims must say, the clock and bounds.
 * @example
 * verifyToken(token, secret, { audience: 'api', purpose: 'access', clockTolerance: '30s' })
 */
export interface VerifyTokenOptions extends KeyOptions {
  /** Accepted audience(s). A token with `aud` is refused when this is not set. */
  audience?: string | readonly string[]
  /** Accepted issuer(s). */
  issuer?: string | readonly string[]
  /** Required subject: the token's `sub` must equal it. */
  subject?: string
  /** Required purpose; must equal the token's `pur` (both absent is a match). */
  purpose?: string
  /** Leeway for exp, nbf and iat. Default 0. */
  clockTolerance?: Duration
  /** Refuse tokens whose `iat` is older than this. */
  maxAge?: Duration
  /** Refuse tokens without `exp`. Default true. */
  requireExpiry?: boolean
  /** Longest token accepted, in characters. Default 8192. */
  maxLength?: number
  /** Current time (ms or Date). Default: now. */
  now?: number | Date
}

/**
 * A signed token carrying `payload` plus `iat`, `exp` and the optional claims. Options win over
 * claims of the same name in `payload`.
 * @example
 * const token = signToken({ uid: 42 }, secret, { expiresIn: '15m', purpose: 'api' })
 */
export function signToken(payload: TokenPayload, secret: SecretInput | undefined, options: SignTokenOptions = {}): string {
  const keyring = resolveKeyring(secret, options)
  const json = tokenClaimsJson(payload, options)
  const input = `${keyring.tokenHeaders()[0]}.${encodeBase64Url(json)}`
  return `${input}.${keyring.macKeys(activeBackend(), TOKEN_INFO).tag(input)}`
}

function verify(token: unknown, secret: SecretInput | undefined, options: VerifyTokenOptions): TokenPayload | Failure {
  const keyring = resolveKeyring(secret, options)
  const keys = keyring.macKeys(activeBackend(), TOKEN_INFO)
  const policy = verifyPolicy(options)
  const parts = tokenParts(token, options)
  if (parts instanceof Failure) return parts
  const keyIndex = keyIndexForHeader(parts.header, keyring, decodeBase64Url)
  if (keyIndex instanceof Failure) return keyIndex
  // The signature is checked before the payload is even decoded.
  const outcome = keys.verifyTag(parts.input, parts.tag, keyIndex)
  if (outcome < 0) return failureOf(outcome)
  return claimsOf(decodeBase64Url(parts.payload), policy)
}

/**
 * The payload of a valid token, or null (forged, malformed, expired, wrong audience, issuer or
 * purpose, unknown key). Key and argument errors still throw. The type parameter describes the
 * payload you signed; it is a claim about your own tokens, not a check (the signature is).
 * @example
 * const claims = verifyToken<{ uid: number }>(token, secret, { purpose: 'api' })
 * claims?.uid // number; claims?.exp is there too
 */
export function verifyToken<T extends object = TokenPayload>(
  token: string,
  secret: SecretInput | undefined,
  options: VerifyTokenOptions = {},
): (T & RegisteredClaims) | null {
  return orNull(verify(token, secret, options)) as (T & RegisteredClaims) | null
}

/**
 * Like `verifyToken`, but throws a `KeycardError` whose code says why.
 * @example
 * try { const { uid } = verifyTokenOrThrow<{ uid: number }>(token, secret) } catch (err) {
 *   if (err instanceof KeycardError && err.code === 'ERR_EXPIRED') refresh()
 * }
 */
export function verifyTokenOrThrow<T extends object = TokenPayload>(
  token: string,
  secret: SecretInput | undefined,
  options: VerifyTokenOptions = {},
): T & RegisteredClaims {
  return orThrow(verify(token, secret, options)) as T & RegisteredClaims
}

/**
 * The HS256 key of keycard tokens for this secret (its current key): HKDF-SHA256(secret,
 * "keycard/v1/token"), 32 bytes, a fresh copy. Give it to another JWT library to verify keycard
 * tokens or to sign tokens keycard verifies. A token signed with the raw secret is refused: see
 * `Keyring.tokenKey` for why, and for the key of a given `kid`. Keep it as secret as the secret.
 * @example
 * import { jwtVerify, SignJWT } from 'jose'
 * const { payload } = await jwtVerify(signToken({ uid: 7 }, secret), tokenKey(secret))
 * const jwt = await new SignJWT({ uid: 7 }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(tokenKey(secret))
 * verifyToken(jwt, secret) // { uid: 7, exp: … }
 */
export function tokenKey(secret: SecretInput | undefined, options?: KeyOptions): Uint8Array {
  return resolveKeyring(secret, options).tokenKey()
}
