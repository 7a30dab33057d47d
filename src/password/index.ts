/**
 * Password hashing: argon2id (RFC 9106) in PHC strings, computed off the event loop on both
 * backends (libuv pool natively, worker threads on the fallback), with strict, bounded reading
 * of stored hashes and verification of bcrypt hashes for migration.
 */

import { activeBackend } from '../backend'
import { signalOf } from '../backend/abort'
import { createError } from '../errors'
import { type OptionScope, refuseUnknownOptions } from '../lib/option_names'
import { bytesOf } from '../lib/options'
import {
  type Argon2Params,
  checkParams,
  DEFAULT_LIMITS,
  formatPhc,
  type PasswordLimits,
  parseStoredHash,
  type StoredHash,
  storedNeedsRehash,
} from './phc'

export type { Argon2Params, PasswordLimits } from './phc'

/**
 * Named cost presets. `owasp` (default) is the OWASP Password Storage Cheat Sheet's argon2id
 * minimum; `moderate` is RFC 9106 §4's second recommended option; `sensitive` doubles its passes.
 * `m` is memory in KiB, `t` passes, `p` lanes; salt and tag lengths in bytes.
 * @example
 * PRESETS.owasp // { m: 19456, t: 2, p: 1, saltLength: 16, tagLength: 32 }
 * await hashPassword(password, { preset: 'moderate' })
 */
export const PRESETS = Object.freeze({
  owasp: Object.freeze({ m: 19_456, t: 2, p: 1, saltLength: 16, tagLength: 32 }),
  moderate: Object.freeze({ m: 65_536, t: 3, p: 4, saltLength: 16, tagLength: 32 }),
  sensitive: Object.freeze({ m: 65_536, t: 6, p: 4, saltLength: 16, tagLength: 32 }),
})

/**
 * Options of `hashPassword`, `verifyPassword`, `needsRehash` and `verifyAndRehash`: the cost to
 * hash with (a preset, or fields that override it), a pepper, bounds and a signal.
 * @example
 * await hashPassword(password, { preset: 'moderate', signal: AbortSignal.timeout(2_000) })
 */
export interface PasswordOptions {
  /** Cost preset; default 'owasp' (19 MiB, 2 passes, 1 lane). Explicit fields below win. */
  preset?: keyof typeof PRESETS
  /** Memory in KiB. */
  memoryKiB?: number
  /** Passes over memory (argon2's t). */
  passes?: number
  /** Lanes (argon2's p). */
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
  /**
   * Bounds for stored hashes and options (see PasswordLimits for the defaults). A limit left out
   * or `undefined` is the default; any other value must be a positive integer
   * (ERR_INVALID_ARGUMENT). Memory, passes, lanes and bcrypt cost are capped at hard ceilings
   * (2 GiB, 1024, 255, 31) whatever the limits say.
   */
  limits?: Partial<PasswordLimits>
  /** Cancels the operation: rejects with ERR_ABORTED. Anything but an AbortSignal is ERR_INVALID_ARGUMENT. */
  signal?: AbortSignal
}

/** Option names, checked so a typo (`maxMemoryKib`) is an error, not a silently default bound. */
const OPTION_NAMES: OptionScope = {
  prefix: '',
  known: ['preset', 'memoryKiB', 'passes', 'lanes', 'saltLength', 'tagLength', 'pepper', 'limits', 'signal'],
  aliases: {
    timeCost: '`passes`',
    memoryCost: '`memoryKiB`',
    parallelism: '`lanes`',
    secret: '`pepper`',
    hashLength: '`tagLength`',
  },
  label: 'password option',
  code: 'ERR_INVALID_ARGUMENT',
}
const LIMIT_NAMES: OptionScope = {
  prefix: 'limits.',
  known: Object.keys(DEFAULT_LIMITS),
  aliases: {},
  label: 'password option',
  code: 'ERR_INVALID_ARGUMENT',
}

/**
 * The caller's limits over the defaults, key by key. Not `{ ...DEFAULT_LIMITS, ...given }`: there
 * an `undefined` (or NaN) in `given` would replace the default and `m > undefined` is false,
 * dropping the bound altogether.
 */
function limitsOf(options: PasswordOptions | undefined): PasswordLimits {
  if (options !== undefined && options !== null && typeof options === 'object') refuseUnknownOptions(options, OPTION_NAMES)
  const given: unknown = options?.limits
  if (given === undefined) return DEFAULT_LIMITS
  if (typeof given !== 'object' || given === null) throw createError('ERR_INVALID_ARGUMENT', 'limits must be an object')
  refuseUnknownOptions(given, LIMIT_NAMES)
  const limits = { ...DEFAULT_LIMITS }
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof PasswordLimits)[]) {
    const value: unknown = (given as Partial<Record<keyof PasswordLimits, unknown>>)[key]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw createError('ERR_INVALID_ARGUMENT', `limits.${key} must be a positive integer`)
    }
    limits[key] = value
  }
  return limits
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
  if (typeof password === 'string') wellFormed(password, 'password')
  const bytes = bytesOf(password, 'password')
  if (bytes.byteLength > limits.maxPasswordBytes) throw tooLong(limits)
  return bytes
}

/**
 * A string with a lone surrogate has no UTF-8 form: encoding replaces it with U+FFFD, so '\uD800'
 * and '\uFFFD' would be the same password. No decoder of a form or JSON body yields one (they
 * replace invalid input themselves); it comes from a bug such as slicing a string inside a
 * surrogate pair, and is refused (ERR_INVALID_ARGUMENT) rather than silently merged with another.
 */
function wellFormed(text: string, name: string): void {
  if (!text.isWellFormed()) throw createError('ERR_INVALID_ARGUMENT', `${name} has a lone surrogate (not well-formed UTF-16)`)
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
  if (typeof pepper === 'string') wellFormed(pepper, 'pepper')
  return pepper === undefined || pepper === '' ? null : bytesOf(pepper, 'pepper')
}

/**
 * Test hook (not exported by any entry point): hashes with a given salt, for reproducible vectors.
 * `hashPassword` draws the salt and calls this.
 * @example
 * await hashPasswordWithSalt('password', Buffer.alloc(16, 1)) // the same PHC string every run
 */
export async function hashPasswordWithSalt(
  password: string | Uint8Array,
  salt: Uint8Array,
  options?: PasswordOptions,
): Promise<string> {
  const limits = limitsOf(options)
  const params = paramsOf(options, limits)
  const signal = signalOf(options?.signal)
  const bytes = passwordOf(password, limits)
  if (bytes.byteLength === 0) throw EMPTY_PASSWORD()
  if (salt.byteLength !== params.saltLength) throw createError('ERR_PARAMS_OUT_OF_RANGE', 'salt length differs from saltLength')
  const { m, t, p, tagLength } = params
  const tag = await activeBackend().argon2id({ password: bytes, salt, m, t, p, tagLength, pepper: pepperOf(options) }, signal)
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

/** Random salt and tag bytes drawn once per process, sliced to the lengths asked for. */
let dummy: { salt: Uint8Array; tag: Uint8Array } | undefined

/**
 * What an unknown user is verified against: an argon2id hash at the parameters `options` hash
 * with (owasp by default) and a random salt and tag drawn once per process. No password has that
 * tag, so it never matches; it exists so that the same argon2id work is done as for a real user.
 */
function dummyHash(params: Argon2Params): StoredHash {
  dummy ??= { salt: activeBackend().randomBytes(64), tag: activeBackend().randomBytes(64) }
  return {
    kind: 'argon2id',
    params,
    salt: Buffer.from(dummy.salt.subarray(0, params.saltLength)),
    hash: Buffer.from(dummy.tag.subarray(0, params.tagLength)),
  }
}

/**
 * Whether `password` matches `stored`: an argon2id PHC string (keycard's, @node-rs/argon2's,
 * argon2's) or a bcrypt hash. A wrong password is `false`; a malformed or over-limit stored hash
 * rejects (ERR_BAD_FORMAT, ERR_PARAMS_OUT_OF_RANGE) before any hashing.
 *
 * `stored` may be `null` or `undefined` for a user that does not exist: the password is then
 * checked as usual and hashed with argon2id at the parameters `options` hash with (owasp by
 * default) against a dummy hash, and the result is `false`. An unknown user thus costs what a
 * known one does, and the response time does not tell an attacker which names have accounts.
 *
 * A password string with a lone surrogate rejects with ERR_INVALID_ARGUMENT rather than resolving
 * `false`: it has no UTF-8 form (it would verify as if it held U+FFFD), hashPassword refuses it
 * too, and a rejection shows the caller's bug where `false` would hide it as a wrong password.
 * @example
 * const user = await db.users.find(req.body.name) // may be undefined
 * // Unknown user: the same argon2id work, and false.
 * if (!(await verifyPassword(user?.passwordHash, req.body.password))) return res.sendStatus(401)
 */
export async function verifyPassword(
  stored: string | null | undefined,
  password: string | Uint8Array,
  options?: PasswordOptions,
): Promise<boolean> {
  const limits = limitsOf(options)
  // The options are checked whether or not the user exists, so that bad options fail alike for
  // both and an error cannot tell an unknown user from a known one either.
  const target = paramsOf(options, limits)
  const known = stored !== null && stored !== undefined
  const parsed = known ? parseStoredHash(stored, limits) : dummyHash(target)
  const signal = signalOf(options?.signal)
  const bytes = passwordOf(password, limits)
  if (bytes.byteLength === 0) return false
  const backend = activeBackend()
  if (parsed.kind === 'bcrypt') return backend.bcryptVerify(stored as string, bytes, signal)
  const { m, t, p, tagLength } = parsed.params
  const tag = await backend.argon2id(
    { password: bytes, salt: parsed.salt, m, t, p, tagLength, pepper: pepperOf(options) },
    signal,
  )
  // The comparison runs for the dummy too; only then is an unknown user's answer fixed at false.
  return backend.timingSafeEqual(tag, parsed.hash) && known
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
 * below the current options (or bcrypt), also returns the upgraded hash to store. `stored` may be
 * `null` or `undefined` for an unknown user, as in verifyPassword: the same work, then
 * `{ valid: false, rehashed: null }`.
 * @example
 * const { valid, rehashed } = await verifyAndRehash(user?.passwordHash, password)
 * if (rehashed) await db.users.update(user.id, { passwordHash: rehashed })
 */
export async function verifyAndRehash(
  stored: string | null | undefined,
  password: string | Uint8Array,
  options?: PasswordOptions,
): Promise<{ valid: boolean; rehashed: string | null }> {
  const valid = await verifyPassword(stored, password, options)
  // valid implies a stored hash: an unknown user is never valid.
  if (!valid || !needsRehash(stored as string, options)) return { valid, rehashed: null }
  return { valid, rehashed: await hashPassword(password, options) }
}
