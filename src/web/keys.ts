/**
 * Keyrings on Web Crypto: the same secrets accepted and refused as src/keys.ts (same order of
 * checks, same codes), the same key ids, and the same HKDF-SHA256 derivations (docs/FORMATS.md),
 * run on `crypto.subtle` instead of a backend. Used only by the async twins of the Web Crypto
 * entry; on Node the async twins wrap the synchronous path instead.
 *
 * Derived CryptoKeys are cached per keyring and use (bounded, as on Node), and keyrings from
 * string secrets are cached by value, so a worker pays for derivation once per isolate. Byte and
 * array secrets are resolved afresh on each call (one HKDF and one import: tens of µs).
 */

// Types only (erased from the build): the Web Crypto interfaces as @types/node declares them, the
// project compiling without lib.dom.
import type { webcrypto } from 'node:crypto'
import { createError } from '../errors'
import type { KeyOptions, Secret, SecretInput } from '../keys'
import { secretBytes } from '../lib/secret_pattern'
import { encodeBase64UrlWeb, utf8Bytes } from './encoding'

const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/
const KEY_ID_INFO = utf8Bytes('keycard/v1/kid')
const SEAL_INFO = 'keycard/v1/seal/'
const NO_SALT = new Uint8Array(0)
const MAX_DERIVED_KEY_SETS = 2048
const MAX_CACHED_STRINGS = 64
const HOW_TO_GENERATE = 'generate one with: crypto.getRandomValues(new Uint8Array(32)), base64url-encoded'
const HMAC = { name: 'HMAC', hash: 'SHA-256' } as const

/**
 * A Web Crypto key (the global `CryptoKey` of every runtime).
 * @example
 * const key: CryptoKey = (await keyring.macKeys('keycard/v1/csrf')).keys[0]
 */
export type CryptoKey = webcrypto.CryptoKey
type SubtleCrypto = webcrypto.SubtleCrypto

/** `crypto.subtle`, or ERR_UNSUPPORTED_RUNTIME where there is none (a page served over http). */
export function subtle(): SubtleCrypto {
  const found = (globalThis as { crypto?: webcrypto.Crypto }).crypto?.subtle
  if (!found) throw createError('ERR_UNSUPPORTED_RUNTIME', 'this runtime has no Web Crypto (crypto.subtle)')
  return found
}

/** Byte arguments typed for lib.dom's BufferSource, which wants an ArrayBuffer-backed view. */
function bs(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>
}

/**
 * HKDF-SHA256(secret, empty salt, info) to 32 bytes, imported for `usage`.
 * @example
 * const key = await deriveKey(secret, 'keycard/v1/token', HMAC_PARAMS, ['sign', 'verify'])
 */
async function deriveKey(
  secret: Uint8Array,
  info: string,
  algorithm: webcrypto.AlgorithmIdentifier | webcrypto.HmacImportParams,
  usage: webcrypto.KeyUsage[],
) {
  const s = subtle()
  const ikm = await s.importKey('raw', bs(secret), 'HKDF', false, ['deriveBits'])
  const bits = await s.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: NO_SALT, info: bs(utf8Bytes(info)) }, ikm, 256)
  return s.importKey('raw', bits, algorithm, false, usage)
}

/**
 * The MAC keys of one use: HMAC-SHA256 CryptoKeys, one per secret (first signs), and the tag alphabet.
 * @example
 * const { keys } = await keyring.macKeys('keycard/v1/csrf')
 */
export interface WebMacKeys {
  readonly keys: readonly CryptoKey[]
  /** Standard base64 tags (cookie-signature) instead of base64url. */
  readonly std: boolean
}

/**
 * The seal keys of one purpose: AES-256-GCM keys with their key id, prefix and associated data.
 * @example
 * const { keys, hint } = await keyring.sealKeys('session')
 */
export interface WebSealKeys {
  readonly keys: ReadonlyArray<{ kid: Uint8Array; key: CryptoKey; prefix: Uint8Array; aad: Uint8Array }>
  /** First two bytes of SHA-256(info): tells a wrong purpose from a forgery. */
  readonly hint: Uint8Array
}

/**
 * A key ring on Web Crypto, built by `resolveWebKeyring`.
 * @example
 * const keyring = await resolveWebKeyring(secret, options)
 * keyring.ids[0] // the same id as new Keyring(secret).ids[0] on Node
 */
export class WebKeyring {
  readonly ids: readonly string[]
  readonly #secrets: readonly Uint8Array[]
  readonly #indexById: Map<string, number>
  readonly #derived = new Map<string, Promise<WebMacKeys | WebSealKeys>>()
  #headers: readonly string[] | undefined

  /** Use `resolveWebKeyring`: ids need an async HMAC, so the constructor takes them computed. */
  constructor(secrets: readonly Uint8Array[], ids: readonly string[]) {
    this.#secrets = secrets
    this.ids = Object.freeze([...ids])
    this.#indexById = new Map(ids.map((id, i) => [id, i]))
  }

  /** Index of the key with this id, or -1. */
  indexOf(id: string): number {
    return this.#indexById.get(id) ?? -1
  }

  /** base64url JWS protected headers, one per key, exactly as src/keys.ts writes them. */
  tokenHeaders(): readonly string[] {
    this.#headers ??= this.ids.map((kid) => encodeBase64UrlWeb(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid })))
    return this.#headers
  }

  /** HMAC keys for `info` (HKDF), or for the raw secret when `info` is null (cookie-signature). */
  macKeys(info: string | null, std = false): Promise<WebMacKeys> {
    const name = info === null ? (std ? '\0raw-std' : '\0raw') : `m${info}`
    return this.#cached(name, async () => {
      const keys = await Promise.all(
        this.#secrets.map((secret) =>
          info === null
            ? subtle().importKey('raw', bs(secret), HMAC, false, ['sign', 'verify'])
            : deriveKey(secret, info, HMAC, ['sign', 'verify']),
        ),
      )
      return { keys, std }
    }) as Promise<WebMacKeys>
  }

  /** AES-256-GCM keys for `purpose`, laid out as FallbackSealKeys lays them out. */
  sealKeys(purpose: string): Promise<WebSealKeys> {
    return this.#cached(`s${purpose}`, async () => {
      const info = SEAL_INFO + purpose
      const hint = new Uint8Array(await subtle().digest('SHA-256', bs(utf8Bytes(info)))).slice(0, 2)
      const purposeBytes = utf8Bytes(purpose)
      const keys = await Promise.all(
        this.#secrets.map(async (secret, i) => {
          const kid = utf8Bytes(this.ids[i] as string) // ids are ASCII: UTF-8 is latin1 here
          const prefix = concat([Uint8Array.of(1, kid.length), kid, hint])
          const key = await deriveKey(secret, info, 'AES-GCM', ['encrypt', 'decrypt'])
          return { kid, key, prefix, aad: concat([prefix, purposeBytes]) }
        }),
      )
      return { keys, hint }
    }) as Promise<WebSealKeys>
  }

  /** Bounded like src/keys.ts: a rejected derivation is forgotten, not cached. */
  #cached(name: string, create: () => Promise<WebMacKeys | WebSealKeys>): Promise<WebMacKeys | WebSealKeys> {
    let found = this.#derived.get(name)
    if (found === undefined) {
      if (this.#derived.size >= MAX_DERIVED_KEY_SETS) this.#derived.clear()
      found = create()
      found.catch(() => this.#derived.delete(name))
      this.#derived.set(name, found)
    }
    return found
  }
}

/**
 * Bytes joined.
 * @example
 * concat([Uint8Array.of(1), Uint8Array.of(2)]) // Uint8Array [1, 2]
 */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.byteLength
  }
  return out
}

function isEntry(value: unknown): value is { id?: string; secret: Secret } {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && 'secret' in value
}

/** The key id of a secret: base64url of the first 6 bytes of HMAC-SHA256(secret, "keycard/v1/kid"). */
async function keyId(secret: Uint8Array): Promise<string> {
  const key = await subtle().importKey('raw', bs(secret), HMAC, false, ['sign'])
  const mac = new Uint8Array(await subtle().sign('HMAC', key, bs(KEY_ID_INFO)))
  return encodeBase64UrlWeb(mac.subarray(0, 6))
}

/**
 * The checks of src/keys.ts's Keyring constructor that need no HMAC (type, count, length, weak
 * patterns), synchronously: the sessions core runs them when it starts, so a bad secret fails
 * there, as on Node, not at the first request.
 * @example
 * checkWebSecrets('x'.repeat(32), false) // throws ERR_KEY_WEAK
 */
export function checkWebSecrets(secrets: unknown, allowWeakKey: boolean): { list: unknown[]; bytes: Uint8Array[] } {
  const list = typeof secrets === 'string' || secrets instanceof Uint8Array ? [secrets] : secrets
  if (!Array.isArray(list)) throw createError('ERR_INVALID_ARGUMENT', 'a keyring takes a secret or an array of secrets')
  if (list.length === 0) throw createError('ERR_NO_SECRET', 'a keyring needs at least one secret')
  return {
    list,
    bytes: list.map((entry) => secretBytes(isEntry(entry) ? entry.secret : entry, allowWeakKey, utf8Bytes, HOW_TO_GENERATE)),
  }
}

/** src/keys.ts's Keyring constructor, check for check. */
async function buildKeyring(secrets: unknown, allowWeakKey: boolean): Promise<WebKeyring> {
  const { list, bytes } = checkWebSecrets(secrets, allowWeakKey)
  const ids: string[] = []
  for (const [i, entry] of list.entries()) {
    const id = isEntry(entry) && entry.id !== undefined ? entry.id : await keyId(bytes[i] as Uint8Array)
    if (typeof id !== 'string' || !KEY_ID.test(id))
      throw createError('ERR_INVALID_ARGUMENT', 'key ids are 1-64 characters of [A-Za-z0-9_-]')
    ids.push(id)
  }
  if (new Set(ids).size !== ids.length) throw createError('ERR_INVALID_ARGUMENT', 'key ids in a keyring must be distinct')
  return new WebKeyring(bytes, ids)
}

const byString = [new Map<string, Promise<WebKeyring>>(), new Map<string, Promise<WebKeyring>>()] as const

function cachedByString(key: string, allowWeakKey: boolean, build: () => Promise<WebKeyring>): Promise<WebKeyring> {
  const cache = byString[allowWeakKey ? 1 : 0]
  let found = cache.get(key)
  if (found === undefined) {
    if (cache.size >= MAX_CACHED_STRINGS) cache.clear()
    found = build()
    found.catch(() => cache.delete(key)) // a refused secret is refused again next time, not cached
    cache.set(key, found)
  }
  return found
}

/**
 * The WebKeyring for what a caller passes, as `resolveKeyring` does on Node. `undefined` means
 * `KEYCARD_SECRET` where the runtime has `process.env` (the Edge runtime); on Workers pass the
 * secret from the env binding. There is no insecure development key here: `allowInsecureKey`
 * without a secret is `ERR_NO_SECRET`. A Node `Keyring` cannot exist on this entry.
 * @example
 * const keyring = await resolveWebKeyring(env.KEYCARD_SECRET, {})
 */
export async function resolveWebKeyring(
  input: SecretInput | WebKeyring | undefined | null,
  options?: KeyOptions,
): Promise<WebKeyring> {
  // Already resolved (the sessions core resolves its keyring once and passes it on).
  if (input instanceof WebKeyring) return input
  const allowWeakKey = options?.allowWeakKey === true
  if (typeof input === 'string') return cachedByString(input, allowWeakKey, () => buildKeyring(input, allowWeakKey))
  if (input instanceof Uint8Array || Array.isArray(input)) return buildKeyring(input, allowWeakKey)
  if (input === undefined || input === null) {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.KEYCARD_SECRET
    if (env !== undefined && env !== '') {
      return cachedByString(`\0env${env}`, allowWeakKey, () =>
        buildKeyring(
          env.split(',').map((s) => s.trim()),
          allowWeakKey,
        ),
      )
    }
    throw createError(
      'ERR_NO_SECRET',
      'no secret configured: pass one (on Workers, from an env binding) or set KEYCARD_SECRET; ' +
        'the Web Crypto entry has no insecure development key',
    )
  }
  throw createError('ERR_INVALID_ARGUMENT', 'a secret must be a string, a Uint8Array, an array of them, or a Keyring')
}
