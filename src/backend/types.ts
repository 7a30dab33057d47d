/**
 * The interface both backends implement, side by side: `native/` (the napi-rs addon) and
 * `fallback/` (pure TypeScript on node:crypto). Everything above this interface (formats,
 * claims, key rings) is shared TypeScript, so the two backends cannot disagree about what a
 * format means; they differ only in who does the byte work.
 *
 * `Backend` is assembled from parts, each implemented by a same-named twin on both sides and in
 * the Rust binding: `mac_keys`, `seal_keys`, `password`, `cache` and `primitives`
 * (`src/backend/native/<part>.ts`, `src/backend/fallback/<part>.ts`,
 * `crates/keycard-node/src/<part>.rs`).
 */

/**
 * Which backend does the byte work: the napi-rs addon, or pure TypeScript on node:crypto.
 * @example
 * const name: BackendName = backend().name
 */
export type BackendName = 'native' | 'fallback'

// The integers that cross napi live in ./outcomes (defined once); re-exported here for the
// capabilities that read them next to these types.
export {
  KIND_BYTES,
  KIND_JSON,
  KIND_TEXT,
  OPEN_BAD_FORMAT,
  OPEN_DECRYPT,
  OPEN_EXPIRED,
  OPEN_NOT_YET_VALID,
  OPEN_UNKNOWN_KEY,
  OPEN_WRONG_PURPOSE,
  VERIFY_BAD_FORMAT,
  VERIFY_BAD_SIGNATURE,
  VERIFY_UNKNOWN_KEY,
} from './outcomes'

/**
 * AES-256-GCM keys of a keyring for one purpose (docs/FORMATS.md, "Sealed value v1").
 * Times are whole seconds since 1970; 0 means no expiry / no not-before.
 * @example
 * const keys = backend.createSealKeys([secret], ['k1'], 'session')
 * const sealed = keys.sealText(KIND_TEXT, 'hi', 0, 0, null)
 * keys.open(sealed, Math.floor(Date.now() / 1000)) // '\u0001hi'
 */
export interface SealKeys {
  /** Seals a string as text (KIND_TEXT) or JSON text (KIND_JSON). `nonce` is for tests only. */
  sealText(kind: number, text: string, exp: number, nbf: number, nonce: Uint8Array | null): string
  /** Seals bytes (KIND_BYTES). `nonce` is for tests only. */
  sealBytes(data: Uint8Array, exp: number, nbf: number, nonce: Uint8Array | null): string
  /**
   * Opens `sealed` at `now` (seconds): text as a string whose first character is its kind
   * (U+0001 text, U+0003 JSON), bytes as a Uint8Array, or a negative OPEN_* outcome.
   */
  open(sealed: string, now: number): string | Uint8Array | number
}

/**
 * An HMAC-SHA256 key set held by the backend: the first key tags, every key verifies.
 * @example
 * const keys = backend.createMacKeys([secret], 'keycard/v1/sign/uid', false)
 * keys.verifySigned(`user-42.${keys.tag('user-42')}`) // 0: the first key
 */
export interface MacKeys {
  /** Tag of `msg` (UTF-8) under the first key: base64url, or base64 without padding. */
  tag(msg: string): string
  /** Index of the key that authenticates `msg` with `tag` (`keyIndex` < 0 tries all), else a negative outcome. */
  verifyTag(msg: string, tag: string, keyIndex: number): number
  /** Index of the key that authenticates `message.tag` (split at the last `.`), else a negative outcome. */
  verifySigned(signed: string): number
}

/**
 * What a backend needs to hash or verify a password; the TS layer has parsed and bounded it.
 * @example
 * const job: Argon2Job = { password, salt, m: 19_456, t: 2, p: 1, tagLength: 32, pepper: null }
 * const tag = await backend.argon2id(job)
 */
export interface Argon2Job {
  /** The password's UTF-8 bytes. */
  password: Uint8Array
  /** The salt (16 random bytes for new hashes). */
  salt: Uint8Array
  /** Memory in KiB. */
  m: number
  /** Passes. */
  t: number
  /** Lanes. */
  p: number
  /** Tag length in bytes. */
  tagLength: number
  /** argon2's secret input (the `pepper` option), or null. */
  pepper: Uint8Array | null
}

/**
 * What a cache is made of; `src/cache.ts` has validated and normalised every field.
 * @example
 * backend.openCache({ maxSize: 1000, maxBytes: 0, ttl: 60_000, updateAgeOnGet: false }, null)
 */
export interface CacheConfig {
  /** Most entries held, 1 ..= 2^32 - 2. */
  maxSize: number
  /** Most bytes held (keys plus values, UTF-8 / serialised lengths); 0 = no byte bound. */
  maxBytes: number
  /** Default time to live in whole milliseconds; 0 = entries never expire. */
  ttl: number
  /** A `get` hit restarts the entry's own time to live; absent: false. */
  updateAgeOnGet?: boolean
}

/**
 * Counters of a cache; `size` and `bytes` describe what it holds now.
 * @example
 * const { hits, misses, size } = cache.stats()
 */
export interface CacheStats {
  /** `get`s that found a live entry. */
  hits: number
  /** `get`s that found none. */
  misses: number
  /** Entries removed to stay within `maxSize` or `maxBytes`. */
  evictions: number
  /** Entries removed because their time to live had passed. */
  expirations: number
  /** Bytes held now (keys plus values). */
  bytes: number
  /** Entries held now. */
  size: number
}

/**
 * One LRU/TTL cache, with the semantics of docs/CACHE.md that both backends share exactly (a
 * model-based test compares them operation by operation). Values arrive encoded by `src/cache.ts`
 * as (kind, payload): KIND_TEXT with a string, KIND_BYTES with bytes, KIND_JSON with JSON text.
 * @example
 * const core = backend.openCache({ maxSize: 100, maxBytes: 0, ttl: 0 }, null)
 * core.set('k', KIND_JSON, '{"a":1}', -1)
 * core.get('k') // { a: 1 }
 */
export interface CacheCore {
  /** The value of a live key, decoded (text as is, bytes as a fresh Buffer, JSON parsed); counts a hit or a miss and makes it most recent. */
  get(key: string): unknown
  /** As `get`, but leaves recency and the hit/miss counters alone. */
  peek(key: string): unknown
  /** Stores an entry; `ttl` in whole ms, -1 = the cache's default, 0 = never expires. False, changing nothing, when key + value bytes exceed `maxBytes`. */
  set(key: string, kind: number, payload: string | Uint8Array, ttl: number): boolean
  /**
   * Adds `by` (a safe integer) to the integer counter under `key` atomically (natively one call
   * under the store's lock), creating it with `ttl` (-1 = default, 0 = never) when absent; an
   * existing counter keeps its expiry and becomes the most recent. The new value, or undefined,
   * changing nothing, when key + digits exceed `maxBytes`. ERR_INVALID_ARGUMENT when the entry
   * is not an integer counter or the result passes +-(2^53 - 1).
   */
  increment(key: string, by: number, ttl: number): number | undefined
  /**
   * Every live entry, most recent first, as one flat array: keys only, or with `withValues`
   * `[key, value, msLeft, ...]` (values decoded as `get` returns them; msLeft Infinity = never).
   * Recency and counters unchanged.
   */
  entries(withValues: boolean): unknown[]
  /** Whether `key` holds a live entry; recency unchanged. */
  has(key: string): boolean
  /** Removes `key`; true when there was a live entry. */
  delete(key: string): boolean
  /** Removes every entry; the counters are kept. */
  clear(): void
  /** Live entries, after purging expired ones. */
  size(): number
  /** Ms until a live key expires; Infinity when it never does; 0 when absent. */
  remainingTtl(key: string): number
  /** The counters and what the cache holds now. */
  stats(): CacheStats
  /** Test hook: the cache's clock reads `now` (ms) from here on; null goes back to the real clock. */
  setTestNow(now: number | null): void
}

/**
 * The `mac_keys` part (`native/mac_keys.ts`, `fallback/mac_keys.ts`, `mac_keys.rs`).
 * @example
 * const keys = backend.createMacKeys([secret], null, true) // cookie-signature: raw secret, base64
 */
export interface MacKeysPart {
  /**
   * A key set from secrets of >= 32 bytes. `info` derives each key with HKDF-SHA256 for one
   * purpose; `null` keys HMAC with the secret as given. Throws `ERR_KEY_TOO_SHORT`.
   */
  createMacKeys(secrets: readonly Uint8Array[], info: string | null, base64Std: boolean): MacKeys
}

/**
 * The `seal_keys` part (`native/seal_keys.ts`, `fallback/seal_keys.ts`, `seal_keys.rs`): sealed
 * values, and the AES-256-GCM primitive under them (vectors).
 * @example
 * backend.aesGcmEncrypt(key32, nonce12, aad, plaintext) // ciphertext || 16-byte tag
 */
export interface SealKeysPart {
  /** Seal keys for `purpose`, one per secret (>= 32 bytes), named by `kids` (first seals). */
  createSealKeys(secrets: readonly Uint8Array[], kids: readonly string[], purpose: string): SealKeys
  /** AES-256-GCM, 32-byte key, 12-byte nonce: ciphertext || 16-byte tag. Else ERR_BAD_FORMAT. */
  aesGcmEncrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array
  /** Plaintext of ciphertext || tag, or null when the tag does not verify. */
  aesGcmDecrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null
}

/**
 * The `password` part (`native/password.ts`, `fallback/password.ts`, `password.rs`): hashing
 * work, off the JS thread.
 * @example
 * const ok = await backend.bcryptVerify(stored, Buffer.from(password), signal)
 */
export interface PasswordPart {
  /**
   * The argon2id (v=19) tag of a job, computed off the JS thread (libuv pool or worker threads).
   * Rejects with ERR_ABORTED when `signal` aborts first.
   */
  argon2id(job: Argon2Job, signal?: AbortSignal): Promise<Uint8Array>
  /** Whether `password` matches a bcrypt hash (`$2a$`, `$2b$`, `$2y$`), off the JS thread. */
  bcryptVerify(stored: string, password: Uint8Array, signal?: AbortSignal): Promise<boolean>
}

/**
 * The `primitives` part (`native/primitives.ts`, `fallback/primitives.ts`, `primitives.rs`):
 * stateless building blocks, for vectors and the capabilities.
 * @example
 * backend.hkdfSha256(secret, new Uint8Array(0), Buffer.from('keycard/v1/token'), 32)
 */
export interface PrimitivesPart {
  /** One-shot HMAC-SHA256 with a key of any length (test vectors). */
  hmacSha256(key: Uint8Array, msg: Uint8Array): Uint8Array
  /** HKDF-SHA256 (RFC 5869); `length` <= 8160 else `ERR_PARAMS_OUT_OF_RANGE`. */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array
  /** The default key id of a secret (8 base64url characters). */
  keyId(secret: Uint8Array): string
  /** Constant-time equality; false at once when the lengths differ. */
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean
  /** `bytes` (16..1024) bytes from the OS CSPRNG, base64url. */
  randomId(bytes: number): string
  /** `length` bytes from the OS CSPRNG. */
  randomBytes(length: number): Uint8Array
}

/**
 * The `cache` part (`native/cache.ts`, `fallback/cache.ts`, `cache.rs`).
 * @example
 * const shared = backend.openCache({ maxSize: 1000, maxBytes: 0, ttl: 0 }, 'sessions')
 */
export interface CachePart {
  /**
   * A cache; with a `name`, the one cache of that name (created on first open). Native named
   * caches are shared by every thread of the process; fallback ones by the opening thread only.
   * Opening a name with a different config throws `ERR_BAD_CONFIG`.
   */
  openCache(config: CacheConfig, name: string | null): CacheCore
}

/**
 * A whole backend: the five parts, a name and a version. Capabilities get it from
 * `activeBackend()` on every call, never import a backend directly.
 * @example
 * const tag = activeBackend().hmacSha256(key, message)
 */
export interface Backend extends MacKeysPart, SealKeysPart, PasswordPart, PrimitivesPart, CachePart {
  /** 'native' or 'fallback'. */
  readonly name: BackendName
  /** The addon's package version (native) or keycard's (fallback). */
  readonly version: string
}
