/**
 * src/keys.ts in the Web Crypto bundles (scripts/web-bundle.mjs swaps it in). A keyring there is
 * resolved asynchronously (its key ids are HMACs on crypto.subtle), so what the sessions core
 * gets at start-up is a `PendingKeyring`: the secrets checked now (same codes as on Node), the
 * keys derived at the first request (src/sessions/crypto_web.ts). The synchronous primitives that
 * would use a keyring directly reach the backend, which is not there (ERR_UNSUPPORTED_RUNTIME).
 */

import { createError } from '../../errors'
import type { KeyOptions, SecretInput } from '../../keys'
import { checkWebSecrets, resolveWebKeyring, type WebKeyring } from '../keys'

/**
 * A keyring whose secrets are checked and whose keys are derived on first use.
 * @example
 * const keys = await (resolveKeyring(env.KEYCARD_SECRET) as PendingKeyring).resolve()
 */
export class PendingKeyring {
  readonly #input: SecretInput | undefined
  readonly #options: KeyOptions | undefined
  #resolved: Promise<WebKeyring> | undefined

  constructor(input: SecretInput | undefined, options: KeyOptions | undefined) {
    this.#input = input
    this.#options = options
  }

  /** The WebKeyring, derived once; a failure is not kept, so the next call tries again. */
  resolve(): Promise<WebKeyring> {
    if (this.#resolved === undefined) {
      this.#resolved = resolveWebKeyring(this.#input, this.#options)
      this.#resolved.catch(() => {
        this.#resolved = undefined
      })
    }
    return this.#resolved
  }
}

/**
 * Node's Keyring class cannot be built here (its key ids need a synchronous HMAC).
 * @example
 * new Keyring(secret) // throws ERR_UNSUPPORTED_RUNTIME on the Web Crypto bundles
 */
export class Keyring {
  constructor() {
    throw createError(
      'ERR_UNSUPPORTED_RUNTIME',
      "Keyring needs node:crypto, which this runtime lacks (keycard's Web Crypto entry): pass secrets instead",
    )
  }
}

/**
 * `resolveKeyring` here: the secrets checked now, the keys derived at first use.
 * @example
 * const keyring = resolveKeyring(env.KEYCARD_SECRET, {})
 */
export function resolveKeyring(input: SecretInput | undefined | null, options?: KeyOptions): PendingKeyring {
  if (input === undefined || input === null) return defaultKeyring(options)
  if (input instanceof PendingKeyring) return input
  if (typeof input !== 'string' && !(input instanceof Uint8Array) && !Array.isArray(input)) {
    throw createError('ERR_INVALID_ARGUMENT', 'a secret must be a string, a Uint8Array or an array of them')
  }
  checkWebSecrets(input, options?.allowWeakKey === true)
  return new PendingKeyring(input, options)
}

/**
 * `defaultKeyring` here: `KEYCARD_SECRET` where the runtime has `process.env` (the Edge runtime);
 * no insecure development key (there is no process to tie it to). On Workers pass the secret.
 * @example
 * const keyring = defaultKeyring({}) // ERR_NO_SECRET without KEYCARD_SECRET
 */
export function defaultKeyring(options?: KeyOptions): PendingKeyring {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.KEYCARD_SECRET
  if (env === undefined || env === '') {
    throw createError(
      'ERR_NO_SECRET',
      'no secret configured: pass one (on Workers, from an env binding) or set KEYCARD_SECRET; ' +
        'the Web Crypto entry has no insecure development key',
    )
  }
  const secrets = env.split(',').map((s) => s.trim())
  checkWebSecrets(secrets, options?.allowWeakKey === true)
  return new PendingKeyring(secrets, options)
}
