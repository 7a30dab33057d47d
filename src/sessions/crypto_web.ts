/**
 * The session transports' cryptography on Web Crypto: crypto.ts's seam, with every call a promise
 * (crypto.subtle is asynchronous). scripts/web-bundle.mjs puts this file in crypto.ts's place in
 * the Web Crypto bundles (keycard/fetch, keycard/hono, keycard/sessions for workerd, the Edge
 * runtime, browsers); Node never loads it. The values are those of the Node seam, byte for byte
 * (src/web's twins of seal/sign), so a session cookie crosses between Node and a worker.
 */

import { createError, KeycardError } from '../errors'
import type { Keyring } from '../keys'
import { purposeOf } from '../lib/options'
import type { WebKeyring } from '../web/keys'
import { signWeb, verifyTag } from '../web/mac'
import { sealWeb, unsealOrThrowWeb } from '../web/seal'
import type { PendingKeyring } from '../web/shims/keys'
import type { OpenedSeal, SessionCrypto } from './crypto'

export type { OpenedSeal, SessionCrypto }

/** `<43 base64url>.<43-char tag>`: what sign() gives for a session id, whatever the key. */
const SIGNED_ID_LENGTH = 43 + 1 + 43
/** The HKDF info of signed values (docs/FORMATS.md, "Signed value (v1)"), as src/sign.ts derives it. */
const SIGN_INFO = 'keycard/v1/sign/'

/** Why an unseal failed, as onInvalid reports it. */
function codeOf(err: unknown): string {
  return err instanceof KeycardError ? err.code : 'ERR_BAD_FORMAT'
}

/** The keyring and what crypto.ts computes at start-up, computed at the first request here. */
interface Ready {
  keyring: WebKeyring
  /** How values sealed under the current key begin (see crypto.ts). */
  currentPrefix: string
}

/**
 * The Web Crypto seam. The purpose is checked now (a cookie name that cannot be one fails at
 * start-up, as on Node); the keys are derived at the first request, once, and kept.
 * @example
 * const crypto = sessionCrypto(options.keyring, 'keycard/session/keycard')
 * const signed = await crypto.sign('A'.repeat(43))
 */
export function sessionCrypto(keyring: Keyring, purpose: string): SessionCrypto {
  try {
    purposeOf(purpose)
  } catch (err) {
    throw createError('ERR_BAD_CONFIG', `cookie.name cannot name a session cookie: ${(err as Error).message}`, err)
  }
  // On these bundles src/keys.ts is web/shims/keys.ts: the options hold a PendingKeyring.
  const pending = keyring as unknown as PendingKeyring
  let ready: Promise<Ready> | undefined
  const start = (): Promise<Ready> => {
    if (ready === undefined) {
      ready = (async () => {
        const resolved = await pending.resolve()
        const kid = resolved.ids[0] as string
        const sample = await sealWeb('', asSecret(resolved), { purpose, ttl: 0 })
        return { keyring: resolved, currentPrefix: sample.slice(0, Math.floor((4 + kid.length) / 3) * 4) }
      })()
      // A failed derivation (no secret in this isolate yet) is retried by the next request.
      ready.catch(() => {
        ready = undefined
      })
    }
    return ready
  }
  const signing = { purpose }
  const info = SIGN_INFO + purpose
  return {
    signedIdLength: SIGNED_ID_LENGTH,
    async seal(text, ttl, maxSize, now) {
      const { keyring } = await start()
      return sealWeb(text, asSecret(keyring), { purpose, ttl, maxSize, now })
    },
    async open(sealed, maxSize, now): Promise<OpenedSeal> {
      // Outside the try: no keyring is a configuration error, not a refused cookie.
      const { keyring, currentPrefix } = await start()
      try {
        const value = await unsealOrThrowWeb<unknown>(sealed, asSecret(keyring), { purpose, maxSize, now })
        return { value, current: sealed.startsWith(currentPrefix) }
      } catch (err) {
        return { code: codeOf(err) }
      }
    },
    async sign(id) {
      const { keyring } = await start()
      return signWeb(id, asSecret(keyring), signing)
    },
    async verify(signed) {
      const { keyring } = await start()
      const dot = signed.lastIndexOf('.')
      if (dot < 0) return -1
      // crypto.subtle.verify compares the tag in constant time (src/web/mac.ts).
      return verifyTag(await keyring.macKeys(info), signed.slice(0, dot), signed.slice(dot + 1), -1)
    },
  }
}

/** A resolved WebKeyring where the twins take a secret: resolveWebKeyring passes it through. */
function asSecret(keyring: WebKeyring): string {
  return keyring as unknown as string
}
