/**
 * Password hashing: argon2id (RFC 9106) in PHC strings, computed off the event loop on both
 * backends (libuv pool natively, worker threads on the fallback), with strict, bounded reading
 * of stored hashes and verification of bcrypt hashes for migration.
 */

import { activeBackend } from './backend'
import { createError } from './errors'
import { bytesOf } from './options'
import {
  type Argon2Params,
  checkParams,
  DEFAULT_LIMITS,
  formatPhc,
  type PasswordLimits,
  parseStoredHash,
  storedNeedsRehash,
} from './password_phc'

export type { Argon2Params, PasswordLimits } from './password_phc'

/**
 * Named cost presets. `owasp` (default) is the OWASP Password Storage Cheat Sheet's argon2id
 * minimum; `moderate` is RFC 9106 §4's second recommended option; `sensitive` doubles its passes.
 */
export const PRESETS = Object.freeze({
  owasp: Object.freeze({ m: 19_456, t: 2, p: 1, saltLength: 16, tagLength: 32 }),
  moderate: Object.freeze({ m: 65_536, t: 3, p: 4, saltLength: 16, tagLength: 32 }),
  sensitive: Object.freeze({ m: 65_536, t: 6, p: 4, saltLength: 16, tagLength: 32 }),
})

export interface PasswordOptions {
  /** Cost preset; default 'owasp' (19 MiB, 2 passes, 1 lane). Explicit fields below win. */
  preset?: keyof typeof PRESETS
  /** Memory in KiB. */
  memoryKiB?: number
  passes?: number
  lanes?: number
  /** Salt length in bytes (8..64). Default 16. */
  saltLength?: number
  /** Tag length in bytes (16..64). Default 32. */
  tagLength?: number
  /**
   * argon2's secret input (a pepper) kept outside the database; default `KEYCARD_PASSWORD_PEPPER`.
   * Every hash made with a pepper needs the same pepper to verify.
   */
  pepper?: string | Uint8Array
  /** Bounds for stored hashes and options (see PasswordLimits for the defaults). */
  limits?: Partial<PasswordLimits>
  /** Cancels the operation: rejects with ERR_ABORTED. */
  signal?: AbortSignal
}

function limitsOf(options: PasswordOptions | undefined): PasswordLimits {
  return options?.limits ? { ...DEFAULT_LIMITS, ...options.limits } : DEFAULT_LIMITS
}

/** The cost parameters of `options`, checked for type (ERR_INVALID_ARGUMENT) and range (ERR_PARAMS_OUT_OF_RANGE). */
function paramsOf(options: PasswordOptions | undefined, limits: PasswordLimits): Argon2Params {
  const name = options?.preset ?? 'owasp'
  // Own keys only: 'constructor' or '__proto__' must not find Object.prototype's members.
  if (typeof name !== 'string' || !Object.hasOwn(PRESETS, name)) {
    throw createError('ERR_INVALID_ARGUMENT', `unknown preset ${JSON.stringify(name)}; use ${Object.keys(PRESETS).join(', ')}`)
  }
  const preset = PRESETS[name as keyof typeof PRESETS]
  const pick = (value: unknown, fallback: number, label: string): number => {
    if (value === undefined) return fallback
    if (typeof value !== 'number') throw createError('ERR_INVALID_ARGUMENT', `${label} must be a number`)
    return value
  }
  const params = {
    m: pick(options?.memoryKiB, preset.m, 'memoryKiB'),
    t: pick(options?.passes, preset.t, 'passes'),
    p: pick(options?.lanes, preset.p, 'lanes'),
    saltLength: pick(options?.saltLength, preset.saltLength, 'saltLength'),
    tagLength: pick(options?.tagLength, preset.tagLength, 'tagLength'),
  }
  checkParams(params, limits)
  return params
}

function passwordOf(password: unknown, limits: PasswordLimits): Uint8Array {
  // Checked by length before encoding: a 1 MB password is refused without being copied.
  if (typeof password === 'string' && password.length > limits.maxPasswordBytes) throw tooLong(limits)
  const bytes = bytesOf(password, 'password')
  if (bytes.byteLength > limits.maxPasswordBytes) throw tooLong(limits)
  return bytes
}

/**
 * Empty passwords are refused at hashing and never match at verification, on both backends
 * alike: the fallback's argon2 (hash-wasm) cannot hash an empty input, and an empty password is
 * a bug in the caller, not a credential.
 */
const EMPTY_PASSWORD = () => createError('ERR_INVALID_ARGUMENT', 'the password is empty')

function tooLong(limits: PasswordLimits) {
  return createError('ERR_PARAMS_OUT_OF_RANGE', `passwords are limited to ${limits.maxPasswordBytes} bytes`)
}

function pepperOf(options: PasswordOptions | undefined): Uint8Array | null {
  const pepper = options?.pepper ?? process.env.KEYCARD_PASSWORD_PEPPER
  return pepper === undefined || pepper === '' ? null : bytesOf(pepper, 'pepper')
}

/** Test hook (not exported by any entry point): hashes with a given salt. */
export async function hashPasswordWithSalt(
  password: string | Uint8Array,
  salt: Uint8Array,
  options?: PasswordOptions,
): Promise<string> {
  const limits = limitsOf(options)
  const params = paramsOf(options, limits)
  const bytes = passwordOf(password, limits)
  if (bytes.byteLength === 0) throw EMPTY_PASSWORD()
  if (salt.byteLength !== params.saltLength) throw createError('ERR_PARAMS_OUT_OF_RANGE', 'salt length differs from saltLength')
  const { m, t, p, tagLength } = params
  const tag = await activeBackend().argon2id(
    { password: bytes, salt, m, t, p, tagLength, pepper: pepperOf(options) },
    options?.signal,
  )
  return formatPhc(params, salt, tag)
}

/**
 * An argon2id PHC string for `password`, computed off the event loop. Cost: one argon2id at the
 * preset (owasp: ~20 ms native, ~100 ms fallback, on a worker, never the event loop).
 * @example
 * const stored = await hashPassword(req.body.password) // '$argon2id$v=19$m=19456,t=2,p=1$...'
 */
export async function hashPassword(password: string | Uint8Array, options?: PasswordOptions): Promise<string> {
  // Options are checked before any random bytes are drawn for them.
  const salt = activeBackend().randomBytes(paramsOf(options, limitsOf(options)).saltLength)
  return hashPasswordWithSalt(password, salt, options)
}

/**
 * Whether `password` matches `stored`: an argon2id PHC string (keycard's, @node-rs/argon2's,
 * argon2's) or a bcrypt hash. A wrong password is `false`; a malformed or over-limit stored hash
 * rejects (ERR_BAD_FORMAT, ERR_PARAMS_OUT_OF_RANGE) before any hashing.
 * @example
 * if (!(await verifyPassword(user.passwordHash, req.body.password))) return res.sendStatus(401)
 */
export async function verifyPassword(stored: string, password: string | Uint8Array, options?: PasswordOptions): Promise<boolean> {
  const limits = limitsOf(options)
  const parsed = parseStoredHash(stored, limits)
  const bytes = passwordOf(password, limits)
  if (bytes.byteLength === 0) return false
  const backend = activeBackend()
  if (parsed.kind === 'bcrypt') return backend.bcryptVerify(stored, bytes, options?.signal)
  const { m, t, p, tagLength } = parsed.params
  const tag = await backend.argon2id(
    { password: bytes, salt: parsed.salt, m, t, p, tagLength, pepper: pepperOf(options) },
    options?.signal,
  )
  return backend.timingSafeEqual(tag, parsed.hash)
}

/**
 * True when `stored` should be replaced by a fresh hash: bcrypt always; argon2id when its memory,
 * passes, salt or tag are below the current options. Malformed hashes throw ERR_BAD_FORMAT.
 * @example
 * if (needsRehash(user.passwordHash)) user.passwordHash = await hashPassword(password)
 */
export function needsRehash(stored: string, options?: PasswordOptions): boolean {
  const limits = limitsOf(options)
  return storedNeedsRehash(parseStoredHash(stored, limits), paramsOf(options, limits))
}

/**
 * The login path in one call: verifies, and when the password matches and the stored hash is
 * below the current options (or bcrypt), also returns the upgraded hash to store.
 * @example
 * const { valid, rehashed } = await verifyAndRehash(user.passwordHash, password)
 * if (rehashed) await db.users.update(user.id, { passwordHash: rehashed })
 */
export async function verifyAndRehash(
  stored: string,
  password: string | Uint8Array,
  options?: PasswordOptions,
): Promise<{ valid: boolean; rehashed: string | null }> {
  const valid = await verifyPassword(stored, password, options)
  if (!valid || !needsRehash(stored, options)) return { valid, rehashed: null }
  return { valid, rehashed: await hashPassword(password, options) }
}
