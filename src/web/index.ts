/**
 * keycard for runtimes without node:crypto (workerd, the Edge runtime, browsers): what package.json
 * resolves for the `workerd`, `worker`, `edge-light` and `browser` conditions, bundled into one
 * ESM file with no imports (scripts/web-bundle.mjs). The same export names as src/index.ts:
 *
 * - the async twins run on `crypto.subtle`, byte-identical to the synchronous primitives on Node;
 * - `randomId` and `timingSafeEqual` run here too (crypto.getRandomValues, a constant-time loop);
 * - the rest (sync primitives, passwords, Cache, Keyring, backend) throws `ERR_UNSUPPORTED_RUNTIME`,
 *   naming the async twin where there is one. Password hashing is not offered: hash-wasm compiles
 *   WebAssembly from bytes at run time, which Workers forbid (docs/RUNTIMES.md).
 *
 * Nothing here may import src/backend/index.ts (or any module that does): that is the graph that
 * reaches the native loader and node built-ins.
 */

import type { BackendInfo } from '../backend'
import type { createCsrfToken as createCsrfTokenFn, verifyCsrfToken as verifyCsrfTokenFn } from '../csrf'
import { createError } from '../errors'
import { refuseDetached } from '../lib/detached'
import type {
  hashPassword as hashPasswordFn,
  needsRehash as needsRehashFn,
  verifyAndRehash as verifyAndRehashFn,
  verifyPassword as verifyPasswordFn,
} from '../password'
import type { seal as sealFn, unseal as unsealFn, unsealOrThrow as unsealOrThrowFn } from '../seal'
import type { sign as signFn, unsign as unsignFn, unsignOrThrow as unsignOrThrowFn } from '../sign'
import type {
  signToken as signTokenFn,
  tokenKey as tokenKeyFn,
  verifyToken as verifyTokenFn,
  verifyTokenOrThrow as verifyTokenOrThrowFn,
} from '../token'
import { encodeBase64UrlWeb, utf8Bytes } from './encoding'
import {
  createCsrfTokenWeb,
  signTokenWeb,
  signWeb,
  unsignOrThrowWeb,
  unsignWeb,
  verifyCsrfTokenWeb,
  verifyTokenOrThrowWeb,
  verifyTokenWeb,
} from './mac'
import { sealWeb, unsealOrThrowWeb, unsealWeb } from './seal'

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
} from '../errors'
export { CHANNELS } from '../lib/channel_names'
// Plain TypeScript, no crypto: the same limiter as on Node (one isolate's memory, or a CounterStore).
export { rateLimit, rateLimitHeaders } from '../rate_limit'

export const signAsync = signWeb
export const unsignAsync = unsignWeb
export const unsignOrThrowAsync = unsignOrThrowWeb
export const sealAsync = sealWeb
export const unsealAsync = unsealWeb
export const unsealOrThrowAsync = unsealOrThrowWeb
export const signTokenAsync = signTokenWeb
export const verifyTokenAsync = verifyTokenWeb
export const verifyTokenOrThrowAsync = verifyTokenOrThrowWeb
export const createCsrfTokenAsync = createCsrfTokenWeb
export const verifyCsrfTokenAsync = verifyCsrfTokenWeb

/** The one error of everything this entry cannot do: the runtime lacks node:crypto (and a native core). */
function unsupported(name: string, instead?: string): never {
  throw createError(
    'ERR_UNSUPPORTED_RUNTIME',
    `${name} needs node:crypto, which this runtime lacks (keycard's Web Crypto entry)` +
      (instead === undefined ? '' : `: use ${instead} instead`),
  )
}

/**
 * Throws ERR_UNSUPPORTED_RUNTIME: use `signAsync`.
 * @example
 * await signAsync('user-42', secret) // not sign()
 */
export const sign: typeof signFn = () => unsupported('sign()', 'await signAsync()')
/**
 * Throws ERR_UNSUPPORTED_RUNTIME: use `unsignAsync`.
 * @example
 * await unsignAsync(cookie, secret)
 */
export const unsign: typeof unsignFn = () => unsupported('unsign()', 'await unsignAsync()')
/**
 * Throws ERR_UNSUPPORTED_RUNTIME: use `unsignOrThrowAsync`.
 * @example
 * await unsignOrThrowAsync(cookie, secret)
 */
export const unsignOrThrow: typeof unsignOrThrowFn = () => unsupported('unsignOrThrow()', 'await unsignOrThrowAsync()')
/**
 * Throws ERR_UNSUPPORTED_RUNTIME: use `sealAsync`.
 * @example
 * await sealAsync(data, secret)
 */
export const seal: typeof sealFn = () => unsupported('seal()', 'await sealAsync()')
/**
 * Throws ERR_UNSUPPORTED_RUNTIME: use `unsealAsync`.
 * @example
 * await unsealAsync(cookie, secret)
 */
export const unseal: typeof unsealFn = () => unsupported('unseal()', 'await unsealAsync()')
/**
 * Throws ERR_UNSUPPORTED_RUNTIME: use `unsealOrThrowAsync`.
 * @example
 * await unsealOrThrowAsync(cookie, secret)
 */
export const unsealOrThrow: typeof unsealOrThrowFn = () => unsupported('unsealOrThrow()', 'await unsealOrThrowAsync()')
/**
 * Throws ERR_UNSUPPORTED_RUNTIME: use `signTokenAsync`.
 * @example
 * await signTokenAsync({ uid: 1 }, secret)
 */
export const signToken: typeof signTokenFn = () => unsupported('signToken()', 'await signTokenAsync()')
/**
 * Throws ERR_UNSUPPORTED_RUNTIME: use `verifyTokenAsync`.
 * @example
 * await verifyTokenAsync(token, secret)
 */
export const verifyToken: typeof verifyTokenFn = () => unsupported('verifyToken()', 'await verifyTokenAsync()')
/**
 * Throws ERR_UNSUPPORTED_RUNTIME: use `verifyTokenOrThrowAsync`.
 * @example
 * await verifyTokenOrThrowAsync(token, secret)
 */
export const verifyTokenOrThrow: typeof verifyTokenOrThrowFn = () =>
  unsupported('verifyTokenOrThrow()', 'await verifyTokenOrThrowAsync()')
/**
 * Throws ERR_UNSUPPORTED_RUNTIME: use `createCsrfTokenAsync`.
 * @example
 * await createCsrfTokenAsync(session.id, secret)
 */
export const createCsrfToken: typeof createCsrfTokenFn = () => unsupported('createCsrfToken()', 'await createCsrfTokenAsync()')
/**
 * Throws ERR_UNSUPPORTED_RUNTIME: use `verifyCsrfTokenAsync`.
 * @example
 * await verifyCsrfTokenAsync(token, session.id, secret)
 */
export const verifyCsrfToken: typeof verifyCsrfTokenFn = () => unsupported('verifyCsrfToken()', 'await verifyCsrfTokenAsync()')
/**
 * Throws ERR_UNSUPPORTED_RUNTIME (the token key is derived synchronously on Node only).
 * @example
 * tokenKey(secret) // throws here; on Node, the HS256 key for jose
 */
export const tokenKey: typeof tokenKeyFn = () => unsupported('tokenKey()')
/**
 * Rejects with ERR_UNSUPPORTED_RUNTIME: no password hashing on Web Crypto runtimes.
 * @example
 * await hashPassword(pw) // rejects here; hash passwords on a Node service
 */
export const hashPassword: typeof hashPasswordFn = async () => unsupported('hashPassword()')
/**
 * Rejects with ERR_UNSUPPORTED_RUNTIME.
 * @example
 * await verifyPassword(stored, pw) // rejects here
 */
export const verifyPassword: typeof verifyPasswordFn = async () => unsupported('verifyPassword()')
/**
 * Rejects with ERR_UNSUPPORTED_RUNTIME.
 * @example
 * await verifyAndRehash(stored, pw) // rejects here
 */
export const verifyAndRehash: typeof verifyAndRehashFn = async () => unsupported('verifyAndRehash()')
/**
 * Throws ERR_UNSUPPORTED_RUNTIME.
 * @example
 * needsRehash(stored) // throws here
 */
export const needsRehash: typeof needsRehashFn = () => unsupported('needsRehash()')

/**
 * The argon2id presets, as on Node (hashing itself is not available here).
 * @example
 * PRESETS.owasp.m // 19456
 */
export const PRESETS = Object.freeze({
  owasp: Object.freeze({ m: 19_456, t: 2, p: 1, saltLength: 16, tagLength: 32 }),
  moderate: Object.freeze({ m: 65_536, t: 3, p: 4, saltLength: 16, tagLength: 32 }),
  sensitive: Object.freeze({ m: 65_536, t: 6, p: 4, saltLength: 16, tagLength: 32 }),
})

/**
 * Throws ERR_UNSUPPORTED_RUNTIME: there is no native or Node backend here, only Web Crypto.
 * @example
 * backend() // throws here
 */
export function backend(): BackendInfo {
  return unsupported('backend()')
}

/**
 * Not available here: pass secrets (a string, bytes, or an array for rotation) to the async twins.
 * @example
 * await signAsync('v', [newSecret, oldSecret]) // instead of new Keyring(...)
 */
export class Keyring {
  constructor() {
    unsupported('Keyring', 'a secret or an array of secrets with the async twins')
  }
}

/**
 * Not available here (the cache lives in the native core or on Node).
 * @example
 * new Cache() // throws here
 */
export class Cache {
  constructor() {
    unsupported('Cache')
  }
}

const MIN_ID_BYTES = 16
const MAX_ID_BYTES = 1024

/**
 * `randomId` on Web Crypto: `bytes` (16 to 1024) from crypto.getRandomValues, as base64url.
 * @example
 * randomId() // 43 characters
 */
export function randomId(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < MIN_ID_BYTES || bytes > MAX_ID_BYTES) {
    throw createError('ERR_PARAMS_OUT_OF_RANGE', 'randomId takes 16..1024 bytes')
  }
  // getRandomValues fills at most 65536 bytes per call; 1024 is well within.
  return encodeBase64UrlWeb(crypto.getRandomValues(new Uint8Array(bytes)))
}

function bytesOf(value: unknown, name: string): Uint8Array {
  if (typeof value === 'string') return utf8Bytes(value)
  if (value instanceof Uint8Array) {
    refuseDetached(value, name)
    return value
  }
  throw createError('ERR_INVALID_ARGUMENT', `${name} must be a string or a Uint8Array`)
}

/**
 * `timingSafeEqual` here: every byte is compared and the differences OR-ed, with no early exit,
 * so the time depends on the length only (which, as on Node, is not hidden).
 * @example
 * timingSafeEqual(request.headers.get('x-api-key') ?? '', env.API_KEY)
 */
export function timingSafeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const x = bytesOf(a, 'a')
  const y = bytesOf(b, 'b')
  if (x.byteLength !== y.byteLength) return false
  let diff = 0
  for (let i = 0; i < x.byteLength; i++) diff |= (x[i] as number) ^ (y[i] as number)
  return diff === 0
}

export { sealedLength } from './seal'
