/**
 * The interface both backends implement, side by side: `native/` (the napi-rs addon) and
 * `fallback/` (pure TypeScript on node:crypto). Everything above this interface (formats,
 * claims, key rings) is shared TypeScript, so the two backends cannot disagree about what a
 * format means; they differ only in who does the byte work.
 */

export type BackendName = 'native' | 'fallback'

/** Outcomes of a verification that failed (a success is the key index, >= 0). */
export const VERIFY_BAD_FORMAT = -1
export const VERIFY_BAD_SIGNATURE = -2
export const VERIFY_UNKNOWN_KEY = -3

/** An HMAC-SHA256 key set held by the backend: the first key tags, every key verifies. */
export interface MacKeys {
  /** Tag of `msg` (UTF-8) under the first key: base64url, or base64 without padding. */
  tag(msg: string): string
  /** Index of the key that authenticates `msg` with `tag` (`keyIndex` < 0 tries all), else a negative outcome. */
  verifyTag(msg: string, tag: string, keyIndex: number): number
  /** Index of the key that authenticates `message.tag` (split at the last `.`), else a negative outcome. */
  verifySigned(signed: string): number
}

export interface Backend {
  readonly name: BackendName
  readonly version: string
  /**
   * A key set from secrets of >= 32 bytes. `info` derives each key with HKDF-SHA256 for one
   * purpose; `null` keys HMAC with the secret as given. Throws `ERR_KEY_TOO_SHORT`.
   */
  createMacKeys(secrets: readonly Uint8Array[], info: string | null, base64Std: boolean): MacKeys
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
