/**
 * Secrets and key rings. A secret is a string (UTF-8) or bytes of at least 32 bytes. A `Keyring`
 * holds several, each with an id: the first signs and encrypts, all verify and decrypt, so a
 * secret can be rotated in without invalidating what the previous one signed.
 *
 * Per-purpose keys are derived by the backend with HKDF-SHA256 and cached on the keyring, so a
 * request pays for derivation once per process, not once per call.
 */

import { activeBackend } from './backend'
import type { Backend, MacKeys, SealKeys } from './backend/types'
import { encodeBase64Url } from './encoding'
import { createError } from './errors'

/** A secret: a string (its UTF-8 bytes count) or bytes, at least 32 bytes long. */
export type Secret = string | Uint8Array
/** A secret with an explicit key id (1 to 64 characters of `[A-Za-z0-9_-]`). */
export interface KeyringEntry {
  id?: string
  secret: Secret
}
/** Anything a keycard function accepts as its key: one secret, several (first signs), or a Keyring. */
export type SecretInput = Secret | Keyring | ReadonlyArray<Secret | KeyringEntry>

export interface KeyOptions {
  /**
   * With no secret configured, use a random per-process key instead of throwing `ERR_NO_SECRET`.
   * Development only: refused when `NODE_ENV=production`, and warns loudly. Same as
   * `KEYCARD_ALLOW_INSECURE_KEY=1`. Default false.
   */
  allowInsecureKey?: boolean
}

export const MIN_SECRET_BYTES = 32
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/

function secretBytes(secret: unknown): Uint8Array {
  let bytes: Uint8Array
  if (typeof secret === 'string') bytes = Buffer.from(secret, 'utf8')
  else if (secret instanceof Uint8Array)
    bytes = Uint8Array.from(secret) // a copy: later mutation must not change the key
  else throw createError('ERR_INVALID_ARGUMENT', 'a secret must be a string or a Uint8Array')
  if (bytes.byteLength < MIN_SECRET_BYTES) {
    throw createError(
      'ERR_KEY_TOO_SHORT',
      `secrets must be at least ${MIN_SECRET_BYTES} bytes (got ${bytes.byteLength}); generate one with: node -e "console.log(require('node:crypto').randomBytes(32).toString('base64url'))"`,
    )
  }
  return bytes
}

/**
 * Several secrets with key ids; the first is current.
 * @example
 * const keys = new Keyring([process.env.NEW_SECRET, process.env.OLD_SECRET])
 * sign('value', keys) // signed with NEW_SECRET; values signed with OLD_SECRET still verify
 */
export class Keyring {
  /** Key ids in order; `ids[0]` is the current key's. Given, or derived from the secret. */
  readonly ids: readonly string[]
  readonly #secrets: readonly Uint8Array[]
  readonly #indexById: Map<string, number>
  /** Derived key sets, per backend then per (info, alphabet). */
  readonly #macKeys = new Map<Backend, Map<string, MacKeys>>()
  /** Seal keys, per backend then per purpose. */
  readonly #sealKeys = new Map<Backend, Map<string, SealKeys>>()
  #headers: readonly string[] | undefined

  constructor(secrets: Secret | ReadonlyArray<Secret | KeyringEntry>) {
    const list: ReadonlyArray<Secret | KeyringEntry> =
      typeof secrets === 'string' || secrets instanceof Uint8Array ? [secrets] : secrets
    if (!Array.isArray(list)) throw createError('ERR_INVALID_ARGUMENT', 'a keyring takes a secret or an array of secrets')
    if (list.length === 0) throw createError('ERR_NO_SECRET', 'a keyring needs at least one secret')
    const backend = activeBackend()
    this.#secrets = list.map((entry) => secretBytes(isEntry(entry) ? entry.secret : entry))
    this.ids = list.map((entry, i) => {
      const id = isEntry(entry) && entry.id !== undefined ? entry.id : backend.keyId(this.#secrets[i] as Uint8Array)
      if (typeof id !== 'string' || !KEY_ID.test(id))
        throw createError('ERR_INVALID_ARGUMENT', 'key ids are 1-64 characters of [A-Za-z0-9_-]')
      return id
    })
    this.#indexById = new Map(this.ids.map((id, i) => [id, i]))
    if (this.#indexById.size !== this.ids.length)
      throw createError('ERR_INVALID_ARGUMENT', 'key ids in a keyring must be distinct')
    Object.freeze(this.ids)
  }

  /** Index of the key with this id, or -1. */
  indexOf(id: string): number {
    return this.#indexById.get(id) ?? -1
  }

  /**
   * The backend key set for one use. `info` names format version and purpose (HKDF), or is null
   * for the raw secret (HS256 tokens, cookie-signature). Internal.
   */
  macKeys(backend: Backend, info: string | null, base64Std = false): MacKeys {
    const name = info === null ? (base64Std ? '\0raw-std' : '\0raw') : info
    return derived(this.#macKeys, backend, name, () => backend.createMacKeys(this.#secrets, info, base64Std))
  }

  /** The backend seal keys for one purpose (AES-256-GCM, derived per purpose). Internal. */
  sealKeys(backend: Backend, purpose: string): SealKeys {
    return derived(this.#sealKeys, backend, purpose, () => backend.createSealKeys(this.#secrets, this.ids, purpose))
  }

  /** base64url JWS protected headers, one per key, as keycard writes them. Internal. */
  tokenHeaders(): readonly string[] {
    this.#headers ??= this.ids.map((kid) => encodeBase64Url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid })))
    return this.#headers
  }
}

/** Get-or-create in a per-backend, per-name cache: key derivation runs once per keyring and use. */
function derived<T>(cache: Map<Backend, Map<string, T>>, backend: Backend, name: string, create: () => T): T {
  let byName = cache.get(backend)
  if (!byName) {
    byName = new Map()
    cache.set(backend, byName)
  }
  let value = byName.get(name)
  if (value === undefined) {
    value = create()
    byName.set(name, value)
  }
  return value
}

function isEntry(value: unknown): value is KeyringEntry {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && 'secret' in value
}

// --- Resolving what callers pass ---------------------------------------------------------------

/** String secrets are cached by value: the common `sign(v, process.env.SECRET)` stays cheap. */
const byString = new Map<string, Keyring>()
const MAX_CACHED_STRINGS = 64
/** Byte and array secrets are cached by identity, with a snapshot to notice in-place mutation. */
const byObject = new WeakMap<object, { snapshot: readonly unknown[]; keyring: Keyring }>()

function sameSecret(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0
  return a === b
}

function snapshotOf(input: Uint8Array | ReadonlyArray<Secret | KeyringEntry>): unknown[] {
  if (input instanceof Uint8Array) return [Uint8Array.from(input)]
  return input.map((entry) => (entry instanceof Uint8Array ? Uint8Array.from(entry) : isEntry(entry) ? { ...entry } : entry))
}

function stillSame(snapshot: readonly unknown[], input: Uint8Array | ReadonlyArray<Secret | KeyringEntry>): boolean {
  const now: readonly unknown[] = input instanceof Uint8Array ? [input] : input
  if (now.length !== snapshot.length) return false
  return now.every((entry, i) => {
    const then = snapshot[i]
    if (isEntry(entry) && isEntry(then)) return entry.id === then.id && sameSecret(entry.secret, then.secret)
    return sameSecret(entry, then)
  })
}

/** The Keyring for any accepted secret input. `undefined` means "the configured default". */
export function resolveKeyring(input: SecretInput | undefined | null, options?: KeyOptions): Keyring {
  if (input instanceof Keyring) return input
  if (typeof input === 'string') {
    let keyring = byString.get(input)
    if (!keyring) {
      keyring = new Keyring(input)
      if (byString.size >= MAX_CACHED_STRINGS) byString.clear()
      byString.set(input, keyring)
    }
    return keyring
  }
  if (input instanceof Uint8Array || Array.isArray(input)) {
    const list = input as Uint8Array | ReadonlyArray<Secret | KeyringEntry>
    const hit = byObject.get(list)
    if (hit && stillSame(hit.snapshot, list)) return hit.keyring
    const keyring = new Keyring(list)
    byObject.set(list, { snapshot: snapshotOf(list), keyring })
    return keyring
  }
  if (input === undefined || input === null) return defaultKeyring(options)
  throw createError('ERR_INVALID_ARGUMENT', 'a secret must be a string, a Uint8Array, an array of them, or a Keyring')
}

// --- The default key: KEYCARD_SECRET, or an insecure development key by opt-in ------------------

let envKeyring: { value: string; keyring: Keyring } | undefined
let insecureKeyring: Keyring | undefined

/**
 * `KEYCARD_SECRET` (comma-separated for rotation, first signs), else the insecure development key
 * when allowed, else `ERR_NO_SECRET`.
 */
export function defaultKeyring(options?: KeyOptions): Keyring {
  const env = process.env.KEYCARD_SECRET
  if (env !== undefined && env !== '') {
    if (envKeyring?.value !== env) {
      const secrets = env.split(',').map((s) => s.trim())
      envKeyring = { value: env, keyring: new Keyring(secrets) }
    }
    return envKeyring.keyring
  }
  const allowed = options?.allowInsecureKey === true || process.env.KEYCARD_ALLOW_INSECURE_KEY === '1'
  if (!allowed) {
    throw createError(
      'ERR_NO_SECRET',
      'no secret configured: pass one, or set KEYCARD_SECRET (for development only: allowInsecureKey or KEYCARD_ALLOW_INSECURE_KEY=1)',
    )
  }
  if (process.env.NODE_ENV === 'production') {
    throw createError('ERR_NO_SECRET', 'an insecure random key is refused when NODE_ENV=production: set KEYCARD_SECRET')
  }
  if (!insecureKeyring) {
    insecureKeyring = new Keyring(activeBackend().randomBytes(32))
    process.emitWarning(
      'KEYCARD IS USING AN INSECURE, RANDOM DEVELOPMENT KEY. Everything it signs or seals dies with this process, ' +
        'and it must never reach production. Set KEYCARD_SECRET to a random value of at least 32 bytes.',
      { code: 'KEYCARD_INSECURE_KEY', type: 'SecurityWarning' },
    )
  }
  return insecureKeyring
}
