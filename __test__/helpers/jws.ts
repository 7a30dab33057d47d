/** Shared by the token suites: a fixed clock, hand-forged JWS with valid HMACs, verdict helpers. */
import { createHmac, hkdfSync } from 'node:crypto'
import type { ExecutionContext } from 'ava'
import {
  KeycardError,
  Keyring,
  type SecretInput,
  type VerifyTokenOptions,
  verifyToken,
  verifyTokenOrThrow,
} from '../../src/index'
import { SECRET } from './backends'

/** A fixed clock: 2030-01-01T12:00:00Z. */
export const NOW = Date.UTC(2030, 0, 1, 12, 0, 0)
export const NOW_S = NOW / 1000
export const MAX_NUMERIC_DATE = 253_402_300_799 // 9999-12-31T23:59:59Z

export const utf8 = (text: string) => new TextEncoder().encode(text)
export const b64u = (data: string | Uint8Array) =>
  (typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data)).toString('base64url')
export const unb64u = (segment: string) => Buffer.from(segment, 'base64url').toString('utf8')
export const segments = (token: string) => token.split('.')

/** The HS256 key keycard signs tokens with: HKDF-SHA256(secret, no salt, "keycard/v1/token"), 32 bytes. */
export const tokenKeyOf = (secret: string | Uint8Array) => Buffer.from(hkdfSync('sha256', secret, '', 'keycard/v1/token', 32))

/** HS256 over `input` with the token key of `secret`, computed here with node:crypto (independent of keycard). */
export const mac = (input: string, secret: string | Uint8Array = SECRET) =>
  createHmac('sha256', tokenKeyOf(secret)).update(input).digest('base64url')

/** A compact JWS whose header and payload are exactly these texts (or bytes), with a VALID HMAC (token key of `key`). */
export function forge(header: string | Uint8Array, payload: string | Uint8Array, key: string | Uint8Array = SECRET): string {
  return resign(b64u(header), b64u(payload), key)
}

/** Two already-encoded segments plus a valid HMAC over them, as they are written. */
export const resign = (h: string, p: string, key: string | Uint8Array = SECRET) => `${h}.${p}.${mac(`${h}.${p}`, key)}`

export const HS256 = '{"alg":"HS256","typ":"JWT"}'
export const CLAIMS = `{"sub":"u1","iat":${NOW_S},"exp":${NOW_S + 3600}}`
export const kidOf = (secret: SecretInput, i = 0) =>
  (secret instanceof Keyring ? secret : new Keyring(secret as string)).ids[i] as string

/** Refused by both verifiers: `verifyToken` gives null and `verifyTokenOrThrow` throws `code`. */
export function refused(
  t: ExecutionContext,
  token: string,
  code: string,
  options: VerifyTokenOptions = {},
  secret: SecretInput = SECRET,
  label = token.slice(0, 80),
) {
  const opts = { now: NOW, ...options }
  t.is(verifyToken(token, secret, opts), null, label)
  t.throws(() => verifyTokenOrThrow(token, secret, opts), { code, instanceOf: KeycardError }, label)
}

/** Accepted by both verifiers, which agree; returns the claims. */
export function accepted(t: ExecutionContext, token: string, options: VerifyTokenOptions = {}, secret: SecretInput = SECRET) {
  const opts = { now: NOW, ...options }
  const claims = verifyTokenOrThrow(token, secret, opts)
  t.deepEqual(verifyToken(token, secret, opts), claims)
  return claims
}

/** The code verifyTokenOrThrow throws, or 'OK'. */
export function outcome(token: string, options: VerifyTokenOptions = {}, secret: SecretInput = SECRET): string {
  try {
    verifyTokenOrThrow(token, secret, { now: NOW, ...options })
    return 'OK'
  } catch (err) {
    return err instanceof KeycardError ? err.code : `not a KeycardError: ${String(err)}`
  }
}
