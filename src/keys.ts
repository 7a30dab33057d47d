/**
 * Secrets and key rings. A secret is a string (UTF-8) or bytes of at least 32 bytes. A `Keyring`
 * holds several, each with an id: the first signs and encrypts, all verify and decrypt, so a
 * secret can be rotated in without invalidating what the previous one signed.
 *
 * Per-purpose keys are derived by the backend with HKDF-SHA256 and cached on the keyring, so a
 * request pays for derivation once per process, not once per call. The cache is an LRU bounded
 * per kind and backend: an app that derives for unbounded purposes (say, one per user) re-derives
 * instead of growing without end.
 */

import { activeBackend } from './backend'
import type { Backend, MacKeys, SealKeys } from './backend/types'
import { createError } from './errors'
import { encodeBase64Url } from './lib/encoding'
import { MIN_SECRET_BYTES, secretBytes } from './lib/secret_pattern'

/**
 * A secret: a string (its UTF-8 bytes count) or bytes, at least 32 bytes long.
 * @example
 * const secret: Secret = crypto.randomBytes(32) // or a 43-character base64url string
 */
export type Secret = string | Uint8Array
/**
 * A secret with an explicit key id (1 to 64 characters of `[A-Za-z0-9_-]`). Without `id`, the id
 * is derived from the secret.
 * @example
 * new Keyring([{ id: '2025-06', secret: newSecret }, { id: '2025-01', secret: oldSecret }])
 */
export interface KeyringEntry {
  id?: string
  secret: Secret
}
/**
 * Anything a keycard function accepts as its key: one secret, several (first signs), or a Keyring.
 * `undefined` where a function allows it means `KEYCARD_SECRET`.
 * @example
 * sign('v', secret); sign('v', [newSecret, oldSecret]); sign('v', new Keyring(secret))
 */
export type SecretInput = Secret | Keyring | ReadonlyArray<Secret | KeyringEntry>

/**
 * Options every function that takes a secret accepts.
 * @example
 * sign('v', undefined, { allowInsecureKey: true }) // development without KEYCARD_SECRET
 */
export interface KeyOptions {
  /**
   * With no secret configured, use a random per-process key instead of throwing `ERR_NO_SECRET`.
   * Development only: refused when `NODE_ENV` is `production` (in any case, surrounding spaces
   * ignored), and warns loudly. Same as `KEYCARD_ALLOW_INSECURE_KEY=1`. Default false.
   */
  allowInsecureKey?: boolean
  /**
   * Accept a secret that repeats a short pattern (`'x'.repeat(32)`, a phrase repeated to reach 32
   * bytes), which is otherwise refused with `ERR_KEY_WEAK`. For tests that are about something
   * else (lengths, encodings); never for a real secret. There is deliberately no environment
   * variable for it: a weak production secret should not be one setting away. Default false.
   * @example
   * sign('v', 'x'.repeat(32), { allowWeakKey: true }) // a test about lengths, not secrets
   */
  allowWeakKey?: boolean
}

/**
 * Shortest secret accepted, in bytes: 256 bits, the HMAC-SHA256 key size. Shorter is `ERR_KEY_TOO_SHORT`.
 * @example
 * if (Buffer.byteLength(candidate) < MIN_SECRET_BYTES) throw new Error('secret too short')
 */
export { MIN_SECRET_BYTES }

const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/
/**
 * HKDF info of the token key (docs/FORMATS.md, "Token"). Internal.
 * @example
 * keyring.macKeys(activeBackend(), TOKEN_INFO).tag(`${header}.${claims}`)
 */
export const TOKEN_INFO = 'keycard/v1/token'
const TOKEN_INFO_BYTES = Buffer.from(TOKEN_INFO, 'utf8')
const NO_SALT = new Uint8Array(0)
/**
 * Most derived key sets a keyring keeps, per kind (MAC, seal) and per backend. Internal.
 * @example
 * for (let i = 0; i <= MAX_DERIVED_KEY_SETS; i++) sign('v', keyring, { purpose: `p${i}` }) // 'p0' is forgotten
 */
export const MAX_DERIVED_KEY_SETS = 2048
/** Node's own way to make a secret, for the refusal messages. */
const encodeUtf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8')
const HOW_TO_GENERATE = `generate one with: node -e "console.log(require('node:crypto').randomBytes(32).toString('base64url'))"`

/**
 * Several secrets with key ids; the first is current. Secrets that repeat a short pattern are
 * `ERR_KEY_WEAK` unless `{ allowWeakKey: true }` (tests only).
 * @example
 * const keys = new Keyring([newSecret, oldSecret])
 * sign('value', keys) // signed with NEW_SECRET; values signed with OLD_SECRET still verify
 */
export class Keyring {
  /** Key ids in order; `ids[0]` is the current key's. Given, or derived from the secret. */
  readonly ids: readonly string[]
  readonly #secrets: readonly Uint8Array[]
  readonly #indexById: Map<string, number>
  /** Derived key sets, per backend then per (info, alphabet). */
  readonly #macKeys = new Map<Backend, Lru<MacKeys>>()
  /** Seal keys, per backend then per purpose. */
  readonly #sealKeys = new Map<Backend, Lru<SealKeys>>()
  #headers: readonly string[] | undefined

  constructor(secrets: Secret | ReadonlyArray<Secret | KeyringEntry>, options?: Pick<KeyOptions, 'allowWeakKey'>) {
    const list: ReadonlyArray<Secret | KeyringEntry> =
      typeof secrets === 'string' || secrets instanceof Uint8Array ? [secrets] : secrets
    if (!Array.isArray(list)) throw createError('ERR_INVALID_ARGUMENT', 'a keyring takes a secret or an array of secrets')
    if (list.length === 0) throw createError('ERR_NO_SECRET', 'a keyring needs at least one secret')
    const backend = activeBackend()
    const allowWeakKey = options?.allowWeakKey === true
    this.#secrets = list.map((entry) =>
      secretBytes(isEntry(entry) ? entry.secret : entry, allowWeakKey, encodeUtf8, HOW_TO_GENERATE),
    )
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

  /**
   * Index of the key with this id, or -1.
   * @example
   * keyring.indexOf(keyring.ids[0]!) // 0
   */
  indexOf(id: string): number {
    return this.#indexById.get(id) ?? -1
  }

  /**
   * The key tokens are signed and verified with: HKDF-SHA256(secret, "keycard/v1/token"), 32
   * bytes, for the current key or the one with id `kid`. Hand it to another JWT library (jose's
   * `jwtVerify(token, key)`, `new SignJWT(…).sign(key)`) to verify or sign tokens keycard
   * accepts. Tokens are not keyed by the raw secret, so that no other keycard output (a
   * cookie-signature tag is HMAC-SHA256 under the raw secret) is ever a valid token signature.
   * The key is as sensitive as the secret for tokens: keep it server-side. A fresh copy.
   * @example
   * const { payload } = await jwtVerify(token, keyring.tokenKey()) // jose
   * const jwt = await new SignJWT({ uid: 7 }).setProtectedHeader({ alg: 'HS256', kid: keyring.ids[0] })
   *   .setExpirationTime('1h').sign(keyring.tokenKey())
   */
  tokenKey(kid?: string): Uint8Array {
    let index = 0
    if (kid !== undefined) {
      if (typeof kid !== 'string') throw createError('ERR_INVALID_ARGUMENT', 'kid must be a string')
      index = this.indexOf(kid)
      if (index < 0) throw createError('ERR_UNKNOWN_KEY', 'no key with this id in the keyring')
    }
    const secret = this.#secrets[index] as Uint8Array
    return Uint8Array.from(activeBackend().hkdfSha256(secret, NO_SALT, TOKEN_INFO_BYTES, 32))
  }

  /**
   * The backend key set for one use. `info` names format version and purpose (HKDF), or is null
   * for the raw secret (cookie-signature only). Internal.
   * @example
   * keyring.macKeys(activeBackend(), 'keycard/v1/sign/uid').tag('user-42')
   */
  macKeys(backend: Backend, info: string | null, base64Std = false): MacKeys {
    const name = info === null ? (base64Std ? '\0raw-std' : '\0raw') : info
    return derived(this.#macKeys, backend, name, () => backend.createMacKeys(this.#secrets, info, base64Std))
  }

  /**
   * The backend seal keys for one purpose (AES-256-GCM, derived per purpose). Internal.
   * @example
   * keyring.sealKeys(activeBackend(), 'session').open(sealed, Math.floor(Date.now() / 1000))
   */
  sealKeys(backend: Backend, purpose: string): SealKeys {
    return derived(this.#sealKeys, backend, purpose, () => backend.createSealKeys(this.#secrets, this.ids, purpose))
  }

  /**
   * base64url JWS protected headers, one per key, as keycard writes them. Internal.
   * @example
   * keyring.tokenHeaders()[0] // b64u('{"alg":"HS256","typ":"JWT","kid":"<ids[0]>"}')
   */
  tokenHeaders(): readonly string[] {
    this.#headers ??= this.ids.map((kid) => encodeBase64Url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid })))
    return this.#headers
  }
}

/**
 * Derived key sets by name, at most MAX_DERIVED_KEY_SETS, forgetting the least recently used:
 * derivation runs once per keyring and use while the uses are few, and memory stays bounded when
 * they are not (each set holds native or KeyObject keys; 100,000 purposes grew RSS by hundreds
 * of MB). A Map iterates in insertion order, so deleting and re-setting an entry makes it the
 * most recent and the first key is the least recent.
 */
class Lru<T> {
  readonly #map = new Map<string, T>()
  /** The most recent name: using it again needs no reordering (measured ~130 ns of a ~700 ns unsign). */
  #newest: string | undefined

  get(name: string, create: () => T): T {
    let value = this.#map.get(name)
    if (value !== undefined) {
      if (name === this.#newest) return value
      this.#map.delete(name)
    } else {
      value = create()
      if (this.#map.size >= MAX_DERIVED_KEY_SETS) this.#map.delete(this.#map.keys().next().value as string)
    }
    this.#map.set(name, value)
    this.#newest = name
    return value
  }
}

/** Get-or-create in the per-backend LRU of one kind of key set. */
function derived<T>(cache: Map<Backend, Lru<T>>, backend: Backend, name: string, create: () => T): T {
  let byName = cache.get(backend)
  if (!byName) {
    byName = new Lru()
    cache.set(backend, byName)
  }
  return byName.get(name, create)
}

function isEntry(value: unknown): value is KeyringEntry {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && 'secret' in value
}

// --- Resolving what callers pass ---------------------------------------------------------------

/**
 * String secrets are cached by value: the common `sign(v, process.env.SECRET)` stays cheap. Two
 * caches, strict and `allowWeakKey`, so a weak secret accepted once by opt-in is not then
 * accepted by a call without it.
 */
const byString = [new Map<string, Keyring>(), new Map<string, Keyring>()] as const
const MAX_CACHED_STRINGS = 64
/** Byte and array secrets are cached by identity, with a snapshot to notice in-place mutation. */
const byObject = new WeakMap<object, { snapshot: readonly unknown[]; allowWeakKey: boolean; keyring: Keyring }>()

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

/**
 * The Keyring for any accepted secret input. `undefined` means "the configured default". Cached:
 * a string by value, bytes and arrays by identity (rebuilt if mutated in place).
 * @example
 * const keyring = resolveKeyring(secret, options) // what sign(), seal() and signToken() do first
 */
export function resolveKeyring(input: SecretInput | undefined | null, options?: KeyOptions): Keyring {
  if (input instanceof Keyring) return input
  const allowWeakKey = options?.allowWeakKey === true
  if (typeof input === 'string') {
    const cache = byString[allowWeakKey ? 1 : 0]
    let keyring = cache.get(input)
    if (!keyring) {
      keyring = new Keyring(input, { allowWeakKey })
      if (cache.size >= MAX_CACHED_STRINGS) cache.clear()
      cache.set(input, keyring)
    }
    return keyring
  }
  if (input instanceof Uint8Array || Array.isArray(input)) {
    const list = input as Uint8Array | ReadonlyArray<Secret | KeyringEntry>
    const hit = byObject.get(list)
    if (hit && hit.allowWeakKey === allowWeakKey && stillSame(hit.snapshot, list)) return hit.keyring
    const keyring = new Keyring(list, { allowWeakKey })
    byObject.set(list, { snapshot: snapshotOf(list), allowWeakKey, keyring })
    return keyring
  }
  if (input === undefined || input === null) return defaultKeyring(options)
  throw createError('ERR_INVALID_ARGUMENT', 'a secret must be a string, a Uint8Array, an array of them, or a Keyring')
}

// --- The default key: KEYCARD_SECRET, or an insecure development key by opt-in ------------------

let envKeyring: { value: string; allowWeakKey: boolean; keyring: Keyring } | undefined
let insecureKeyring: Keyring | undefined

/**
 * `KEYCARD_SECRET` (comma-separated for rotation, first signs), else the insecure development key
 * when allowed, else `ERR_NO_SECRET`.
 * @example
 * defaultKeyring({ allowInsecureKey: true }) // KEYCARD_SECRET if set, else a warned random key (not in production)
 */
export function defaultKeyring(options?: KeyOptions): Keyring {
  const env = process.env.KEYCARD_SECRET
  if (env !== undefined && env !== '') {
    const allowWeakKey = options?.allowWeakKey === true
    if (envKeyring?.value !== env || envKeyring.allowWeakKey !== allowWeakKey) {
      const secrets = env.split(',').map((s) => s.trim())
      envKeyring = { value: env, allowWeakKey, keyring: new Keyring(secrets, { allowWeakKey }) }
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
  // Compared as deployments write it: 'Production', 'PRODUCTION' and 'production ' (a stray
  // space from a .env file or a YAML value) all mean production.
  if (process.env.NODE_ENV?.trim().toLowerCase() === 'production') {
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
