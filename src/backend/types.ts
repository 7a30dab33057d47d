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

/** AES-256-GCM keys of a keyring for one purpose (docs/FORMATS.md, "Sealed value v1"). */
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

/** An HMAC-SHA256 key set held by the backend: the first key tags, every key verifies. */
export interface MacKeys {
  /** Tag of `msg` (UTF-8) under the first key: base64url, or base64 without padding. */
  tag(msg: string): string
  /** Index of the key that authenticates `msg` with `tag` (`keyIndex` < 0 tries all), else a negative outcome. */
  verifyTag(msg: string, tag: string, keyIndex: number): number
  /** Index of the key that authenticates `message.tag` (split at the last `.`), else a negative outcome. */
  verifySigned(signed: string): number
}

/** What a backend needs to hash or verify a password; the TS layer has parsed and bounded it. */
export interface Argon2Job {
  password: Uint8Array
  salt: Uint8Array
  m: number
  t: number
  p: number
  tagLength: number
  pepper: Uint8Array | null
}

/** What a cache is made of; `src/cache.ts` has validated and normalised every field. */
export interface CacheConfig {
  /** Most entries held, 1 ..= 2^32 - 2. */
  maxSize: number
  /** Most bytes held (keys plus values, UTF-8 / serialised lengths); 0 = no byte bound. */
  maxBytes: number
  /** Default time to live in whole milliseconds; 0 = entries never expire. */
  ttl: number
}

/** Counters of a cache; `size` and `bytes` describe what it holds now. */
export interface CacheStats {
  hits: number
  misses: number
  evictions: number
  expirations: number
  bytes: number
  size: number
}

/**
 * One LRU/TTL cache, with the semantics of docs/CACHE.md that both backends share exactly (a
 * model-based test compares them operation by operation). Values arrive encoded by `src/cache.ts`
 * as (kind, payload): KIND_TEXT with a string, KIND_BYTES with bytes, KIND_JSON with JSON text.
 */
export interface CacheCore {
  /** The value of a live key, decoded (text as is, bytes as a fresh Buffer, JSON parsed); counts a hit or a miss and makes it most recent. */
  get(key: string): unknown
  /** As `get`, but leaves recency and the hit/miss counters alone. */
  peek(key: string): unknown
  /** Stores an entry; `ttl` in whole ms, -1 = the cache's default, 0 = never expires. False, changing nothing, when key + value bytes exceed `maxBytes`. */
  set(key: string, kind: number, payload: string | Uint8Array, ttl: number): boolean
  has(key: string): boolean
  delete(key: string): boolean
  clear(): void
  size(): number
  /** Ms until a live key expires; Infinity when it never does; 0 when absent. */
  remainingTtl(key: string): number
  stats(): CacheStats
  /** Test hook: the cache's clock reads `now` (ms) from here on; null goes back to the real clock. */
  setTestNow(now: number | null): void
}

/** The `mac_keys` part. */
export interface MacKeysPart {
  /**
   * A key set from secrets of >= 32 bytes. `info` derives each key with HKDF-SHA256 for one
   * purpose; `null` keys HMAC with the secret as given. Throws `ERR_KEY_TOO_SHORT`.
   */
  createMacKeys(secrets: readonly Uint8Array[], info: string | null, base64Std: boolean): MacKeys
}

/** The `seal_keys` part: sealed values, and the AES-256-GCM primitive under them (vectors). */
export interface SealKeysPart {
  /** Seal keys for `purpose`, one per secret (>= 32 bytes), named by `kids` (first seals). */
  createSealKeys(secrets: readonly Uint8Array[], kids: readonly string[], purpose: string): SealKeys
  /** AES-256-GCM, 32-byte key, 12-byte nonce: ciphertext || 16-byte tag. Else ERR_BAD_FORMAT. */
  aesGcmEncrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array
  /** Plaintext of ciphertext || tag, or null when the tag does not verify. */
  aesGcmDecrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null
}

/** The `password` part: hashing work, off the JS thread. */
export interface PasswordPart {
  /**
   * The argon2id (v=19) tag of a job, computed off the JS thread (libuv pool or worker threads).
   * Rejects with ERR_ABORTED when `signal` aborts first.
   */
  argon2id(job: Argon2Job, signal?: AbortSignal): Promise<Uint8Array>
  /** Whether `password` matches a bcrypt hash (`$2a$`, `$2b$`, `$2y$`), off the JS thread. */
  bcryptVerify(stored: string, password: Uint8Array, signal?: AbortSignal): Promise<boolean>
}

/** The `primitives` part: stateless building blocks, for vectors and the capabilities. */
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

/** The `cache` part. */
export interface CachePart {
  /**
   * A cache; with a `name`, the one cache of that name (created on first open). Native named
   * caches are shared by every thread of the process; fallback ones by the opening thread only.
   * Opening a name with a different config throws `ERR_BAD_CONFIG`.
   */
  openCache(config: CacheConfig, name: string | null): CacheCore
}

export interface Backend extends MacKeysPart, SealKeysPart, PasswordPart, PrimitivesPart, CachePart {
  readonly name: BackendName
  readonly version: string
}
