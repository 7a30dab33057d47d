/**
 * The async twins of the primitives, on Node: they run the synchronous path and settle with its
 * result, or reject with the error it throws. The same names on the Web Crypto entry
 * (src/web/index.ts, for workerd, the Edge runtime and browsers) run on `crypto.subtle` with
 * byte-identical output, so code written against the twins runs everywhere. On Node the sync path
 * is kept: it measured several times faster than `crypto.subtle` (docs/RUNTIMES.md).
 */

import { createCsrfToken, verifyCsrfToken } from './csrf'
import type { KeyOptions, SecretInput } from './keys'
import { type SealOptions, seal, type UnsealOptions, unseal, unsealOrThrow } from './seal'
import { type SignOptions, sign, type UnsignOptions, unsign, unsignOrThrow } from './sign'
import {
  type RegisteredClaims,
  type SignTokenOptions,
  signToken,
  type TokenPayload,
  type VerifyTokenOptions,
  verifyToken,
  verifyTokenOrThrow,
} from './token'

/**
 * `sign`, as a promise: the same `value.tag` on every runtime.
 * @example
 * const cookie = await signAsync('user-42', secret, { purpose: 'uid' })
 */
export async function signAsync(value: string, secret: SecretInput | undefined, options?: SignOptions): Promise<string> {
  return sign(value, secret, options)
}

/**
 * `unsign`, as a promise: the value, or null.
 * @example
 * await unsignAsync(cookie, secret, { purpose: 'uid' }) // 'user-42', or null
 */
export async function unsignAsync(
  signed: string,
  secret: SecretInput | undefined,
  options?: UnsignOptions,
): Promise<string | null> {
  return unsign(signed, secret, options)
}

/**
 * `unsignOrThrow`, as a promise that rejects with its KeycardError.
 * @example
 * const uid = await unsignOrThrowAsync(cookie, secret, { purpose: 'uid' })
 */
export async function unsignOrThrowAsync(
  signed: string,
  secret: SecretInput | undefined,
  options?: UnsignOptions,
): Promise<string> {
  return unsignOrThrow(signed, secret, options)
}

/**
 * `seal`, as a promise.
 * @example
 * const cookie = await sealAsync({ uid: 42 }, secret, { purpose: 'session', ttl: '2h' })
 */
export async function sealAsync(data: unknown, secret: SecretInput | undefined, options?: SealOptions): Promise<string> {
  return seal(data, secret, options)
}

/**
 * `unseal`, as a promise: the data, or null.
 * @example
 * const session = await unsealAsync<{ uid: number }>(cookie, secret, { purpose: 'session' })
 */
export async function unsealAsync<T = unknown>(
  sealed: string,
  secret: SecretInput | undefined,
  options?: UnsealOptions,
): Promise<T | null> {
  return unseal<T>(sealed, secret, options)
}

/**
 * `unsealOrThrow`, as a promise that rejects with its KeycardError.
 * @example
 * const cart = await unsealOrThrowAsync(cookie, secret, { purpose: 'cart' })
 */
export async function unsealOrThrowAsync<T = unknown>(
  sealed: string,
  secret: SecretInput | undefined,
  options?: UnsealOptions,
): Promise<T> {
  return unsealOrThrow<T>(sealed, secret, options)
}

/**
 * `signToken`, as a promise.
 * @example
 * const token = await signTokenAsync({ uid: 42 }, secret, { expiresIn: '15m' })
 */
export async function signTokenAsync(
  payload: TokenPayload,
  secret: SecretInput | undefined,
  options?: SignTokenOptions,
): Promise<string> {
  return signToken(payload, secret, options)
}

/**
 * `verifyToken`, as a promise: the payload, or null.
 * @example
 * const claims = await verifyTokenAsync<{ uid: number }>(token, secret)
 */
export async function verifyTokenAsync<T extends object = TokenPayload>(
  token: string,
  secret: SecretInput | undefined,
  options?: VerifyTokenOptions,
): Promise<(T & RegisteredClaims) | null> {
  return verifyToken<T>(token, secret, options)
}

/**
 * `verifyTokenOrThrow`, as a promise that rejects with its KeycardError.
 * @example
 * const { uid } = await verifyTokenOrThrowAsync<{ uid: number }>(token, secret)
 */
export async function verifyTokenOrThrowAsync<T extends object = TokenPayload>(
  token: string,
  secret: SecretInput | undefined,
  options?: VerifyTokenOptions,
): Promise<T & RegisteredClaims> {
  return verifyTokenOrThrow<T>(token, secret, options)
}

/**
 * `createCsrfToken`, as a promise.
 * @example
 * const csrf = await createCsrfTokenAsync(session.id, secret)
 */
export async function createCsrfTokenAsync(sessionId: string, secret?: SecretInput, options?: KeyOptions): Promise<string> {
  return createCsrfToken(sessionId, secret, options)
}

/**
 * `verifyCsrfToken`, as a promise: true or false.
 * @example
 * if (!(await verifyCsrfTokenAsync(body._csrf, session.id, secret))) return forbidden()
 */
export async function verifyCsrfTokenAsync(
  token: unknown,
  sessionId: string,
  secret?: SecretInput,
  options?: KeyOptions,
): Promise<boolean> {
  return verifyCsrfToken(token, sessionId, secret, options)
}
