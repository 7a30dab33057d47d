/**
 * CSRF tokens, signed double-submit bound to the session (OWASP CSRF cheat sheet):
 * `nonce.tag` where nonce is 128 random bits and tag = HMAC(key, nonce + '.' + sessionId) with a
 * key derived for `keycard/v1/csrf`. A token from another session, a token signed for another
 * purpose, or a forged one fails; comparison is constant-time in the backend.
 */

import { activeBackend } from './backend'
import { createError } from './errors'
import { type KeyOptions, resolveKeyring, type SecretInput } from './keys'

const CSRF_INFO = 'keycard/v1/csrf'
const NONCE_BYTES = 16
/** 16 bytes are 22 base64url characters; the last carries 2 data bits and 4 zero bits. */
const NONCE = /^[A-Za-z0-9_-]{21}[AQgw]$/
const TOKEN_LENGTH = 22 + 1 + 43

function checkSessionId(sessionId: unknown): sessionId is string {
  return typeof sessionId === 'string' && sessionId.length > 0 && sessionId.isWellFormed()
}

/**
 * A fresh CSRF token for this session; put it in the form or a header and check it with
 * `verifyCsrfToken` on every state-changing request. Without a secret, KEYCARD_SECRET is used.
 * @example
 * createCsrfToken(req.session.id) // keyed by KEYCARD_SECRET
 * res.render('form', { csrf: createCsrfToken(req.session.id, secret) })
 */
export function createCsrfToken(sessionId: string, secret?: SecretInput, options?: KeyOptions): string {
  const keys = resolveKeyring(secret, options).macKeys(activeBackend(), CSRF_INFO)
  if (!checkSessionId(sessionId)) throw createError('ERR_INVALID_ARGUMENT', 'createCsrfToken needs a non-empty session id')
  const nonce = activeBackend().randomId(NONCE_BYTES)
  return `${nonce}.${keys.tag(`${nonce}.${sessionId}`)}`
}

/**
 * True when `token` was made by `createCsrfToken` for this session with a key of the keyring.
 * Missing, empty, malformed, forged or other-session tokens are false, never a throw.
 * @example
 * if (!verifyCsrfToken(req.body._csrf, req.session.id, secret)) return res.sendStatus(403)
 */
export function verifyCsrfToken(token: unknown, sessionId: string, secret?: SecretInput, options?: KeyOptions): boolean {
  const keys = resolveKeyring(secret, options).macKeys(activeBackend(), CSRF_INFO)
  if (typeof token !== 'string' || token.length !== TOKEN_LENGTH || token.charCodeAt(22) !== 0x2e /* . */) return false
  if (!checkSessionId(sessionId)) return false
  const nonce = token.slice(0, 22)
  if (!NONCE.test(nonce)) return false
  return keys.verifyTag(`${nonce}.${sessionId}`, token.slice(23), -1) >= 0
}
