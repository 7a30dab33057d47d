/**
 * keycard: signed values, tokens, CSRF tokens, secure randomness and an LRU/TTL cache, on a
 * Rust core with a pure-TypeScript fallback. Re-exports only. Runtimes without node:crypto get
 * src/web/index.ts instead (package.json conditions): the same names, on Web Crypto.
 */

export {
  createCsrfTokenAsync,
  sealAsync,
  signAsync,
  signTokenAsync,
  unsealAsync,
  unsealOrThrowAsync,
  unsignAsync,
  unsignOrThrowAsync,
  verifyCsrfTokenAsync,
  verifyTokenAsync,
  verifyTokenOrThrowAsync,
} from './async'
export { type BackendInfo, backend } from './backend'
export {
  Cache,
  type CacheDumpEntry,
  type CacheGetOrSetOptions,
  type CacheLoader,
  type CacheOptions,
  type CacheSetOptions,
  type CacheStats,
} from './cache'
export { createCsrfToken, verifyCsrfToken } from './csrf'
export {
  type CacheEvictMessage,
  CHANNELS,
  type SessionCommitMessage,
  type SessionEventMessage,
  type SessionInvalidMessage,
  type StoreErrorMessage,
} from './diagnostics'
export {
  AbortError,
  BackendError,
  ClaimError,
  CsrfError,
  type ErrorCode,
  FormatError,
  KeycardError,
  KeyError,
  ParameterError,
  StoreError,
  VerificationError,
} from './errors'
export { type KeyOptions, Keyring, type KeyringEntry, type Secret, type SecretInput } from './keys'
export type { Duration } from './lib/duration'
export {
  type Argon2Params,
  hashPassword,
  needsRehash,
  type PasswordLimits,
  type PasswordOptions,
  PRESETS,
  verifyAndRehash,
  verifyPassword,
} from './password'
export { randomId, timingSafeEqual } from './random'
export {
  type CounterStore,
  type RateLimiter,
  type RateLimitOptions,
  type RateLimitResult,
  rateLimit,
  rateLimitHeaders,
} from './rate_limit'
export { type SealOptions, seal, sealedLength, type UnsealOptions, unseal, unsealOrThrow } from './seal'
export { type SignOptions, sign, type UnsignOptions, unsign, unsignOrThrow } from './sign'
export {
  type RegisteredClaims,
  type SignTokenOptions,
  signToken,
  type TokenPayload,
  tokenKey,
  type VerifyTokenOptions,
  verifyToken,
  verifyTokenOrThrow,
} from './token'
