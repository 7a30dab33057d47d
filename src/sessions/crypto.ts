/**
 * The session transports' cryptography, behind one seam: seal and open a cookie session, sign and
 * verify a session id. This file is the Node implementation, on the active backend (native or
 * fallback), and every call is synchronous, so a cookie session's load and commit cost no extra
 * microtask turn. The Web Crypto bundles (scripts/web-bundle.mjs) put crypto_web.ts in its
 * place, whose calls return promises: the transports and the manager accept either, so one
 * session core runs on both with one cookie format.
 */

import { activeBackend } from '../backend'
import { createError, KeycardError } from '../errors'
import type { Keyring } from '../keys'
import { seal, unsealOrThrow } from '../seal'
import { sign } from '../sign'

/**
 * A cookie session as `open` found it: its sealed text and whether the keyring's current key
 * sealed it; or why it was refused (an error code for onInvalid).
 * @example
 * const opened = await crypto.open(sealed, 4096, Date.now())
 * if ('code' in opened) return refuse(opened.code)
 */
export type OpenedSeal = { value: unknown; current: boolean } | { code: string }

/**
 * What the transports need from a keyring, for one cookie's purpose. Each call may return a value
 * (Node) or a promise (Web Crypto): callers check `instanceof Promise` and await only then.
 * @example
 * const crypto = sessionCrypto(keyring, 'keycard/session/keycard')
 * const sealed = crypto.seal('{"v":1}', 60_000, 4096, Date.now())
 */
export interface SessionCrypto {
  /** The length of a signed session id (`<43 chars>.<43-char tag>`), for the cookie size check. */
  readonly signedIdLength: number
  /** `text` sealed for this purpose, expiring `ttl` ms after `now`; ERR_TOO_LARGE over `maxSize`. */
  seal(text: string, ttl: number, maxSize: number, now: number): string | Promise<string>
  /** Unseals; a refused value is `{ code }`, never a throw (only a missing key set throws). */
  open(sealed: string, maxSize: number, now: number): OpenedSeal | Promise<OpenedSeal>
  /** `id.tag` under the current key. */
  sign(id: string): string | Promise<string>
  /** The index of the key that signed `signed` (0: current), or < 0; the tag compared in constant time. */
  verify(signed: string): number | Promise<number>
}

/** A session id's length, to measure the signed id cookie at start-up. */
const ID_SAMPLE = 'A'.repeat(43)
/** The HKDF info of signed values (docs/FORMATS.md, "Signed value (v1)"), as src/sign.ts derives it. */
const SIGN_INFO = 'keycard/v1/sign/'

/** Why an unseal failed, as onInvalid reports it. */
function codeOf(err: unknown): string {
  return err instanceof KeycardError ? err.code : 'ERR_BAD_FORMAT'
}

/**
 * The Node seam: the active backend's seal and HMAC, synchronous. Signing a sample derives this
 * purpose's keys now, so a cookie name the keys cannot be derived for fails at start-up.
 * @example
 * const crypto = sessionCrypto(options.keyring, `keycard/session/${cookie.name}`)
 * crypto.verify(crypto.sign('A'.repeat(43)) as string) // 0
 */
export function sessionCrypto(keyring: Keyring, purpose: string): SessionCrypto {
  let sample: string
  try {
    sample = sign(ID_SAMPLE, keyring, { purpose })
  } catch (err) {
    throw createError('ERR_BAD_CONFIG', `cookie.name cannot name a session cookie: ${(err as Error).message}`, err)
  }
  // How every value sealed under the current key begins: version, key id length, key id (the
  // seal's first bytes, docs/FORMATS.md), in whole base64url groups: 4 + L header bytes cover
  // floor((4 + L) / 3) groups, which always reach past the key id's last byte (2 + L). Once a
  // value opened, a string comparison tells whether the current key sealed it (the header is the
  // seal's AAD, so a value that opened cannot fake it).
  const kid = keyring.ids[0] as string
  const currentPrefix = seal('', keyring, { purpose, ttl: 0 }).slice(0, Math.floor((4 + kid.length) / 3) * 4)
  const signing = { purpose }
  const info = SIGN_INFO + purpose
  return {
    signedIdLength: sample.length,
    seal: (text, ttl, maxSize, now) => seal(text, keyring, { purpose, ttl, maxSize, now }),
    open(sealed, maxSize, now) {
      try {
        const value = unsealOrThrow<unknown>(sealed, keyring, { purpose, maxSize, now })
        return { value, current: sealed.startsWith(currentPrefix) }
      } catch (err) {
        return { code: codeOf(err) }
      }
    },
    sign: (id) => sign(id, keyring, signing),
    // What `unsign` (src/sign.ts) does, keeping the key index it drops: one HMAC check, constant-time in the backend.
    verify: (signed) => keyring.macKeys(activeBackend(), info).verifySigned(signed),
  }
}
