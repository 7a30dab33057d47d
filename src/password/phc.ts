/**
 * Stored password hashes, read strictly and checked against limits before any work, on both
 * backends alike (the Rust core checks the parsed parameters again: crates/keycard-password/src/params.rs).
 *
 * `$argon2id$v=19$m=<m>,t=<t>,p=<p>$<salt>$<hash>` with standard base64 without padding; bcrypt
 * `$2a$`/`$2b$`/`$2y$` hashes are recognised for migration. argon2i, argon2d and v=16 are refused.
 */

import { createError } from '../errors'

/**
 * argon2id cost parameters; lengths in bytes.
 * @example
 * const params: Argon2Params = { m: 19_456, t: 2, p: 1, saltLength: 16, tagLength: 32 } // PRESETS.owasp
 */
export interface Argon2Params {
  /** Memory in KiB. */
  m: number
  /** Passes. */
  t: number
  /** Lanes. */
  p: number
  /** Salt length in bytes (8..64). */
  saltLength: number
  /** Tag length in bytes (16..64). */
  tagLength: number
}

/**
 * Bounds for stored hashes and options. Defaults: 256 MiB, 16 passes, 16 lanes, 4096-byte
 * passwords, bcrypt cost 14. A stored hash naming more is refused before any hashing.
 * @example
 * await verifyPassword(stored, password, { limits: { maxMemoryKiB: 65_536 } })
 */
export interface PasswordLimits {
  /** Most argon2id memory, in KiB. */
  maxMemoryKiB: number
  /** Most argon2id passes. */
  maxPasses: number
  /** Most argon2id lanes. */
  maxLanes: number
  /** Longest password, in UTF-8 bytes. */
  maxPasswordBytes: number
  /** Highest bcrypt cost (log2 rounds). */
  maxBcryptCost: number
}

/**
 * The limits used when `options.limits` leaves one out.
 * @example
 * parseStoredHash(user.passwordHash, DEFAULT_LIMITS)
 */
export const DEFAULT_LIMITS: Readonly<PasswordLimits> = Object.freeze({
  maxMemoryKiB: 262_144,
  maxPasses: 16,
  maxLanes: 16,
  maxPasswordBytes: 4096,
  maxBcryptCost: 14,
})

/** RFC 9106 §3.1 bounds no limit can lift. */
const MIN_SALT = 8
const MAX_SALT = 64
const MIN_TAG = 16
const MAX_TAG = 64
const MAX_PHC_LENGTH = 256

/**
 * Hard ceilings that no `limits` can lift (a limit above one is capped to it), the same numbers
 * the Rust core applies on its own (crates/keycard-password/src/params.rs): 2^21 KiB = 2 GiB is
 * RFC 9106 §4's largest recommended memory; 1024 passes is a hundredfold the recommended ones;
 * 255 lanes; bcrypt's own maximum cost 31. Above them lies only hostile input, which native
 * would refuse and the fallback's WebAssembly could not allocate: refusing here keeps both alike.
 * @example
 * checkParams({ m, t, p, saltLength: salt.length, tagLength }, CEILINGS) // a job's outer bound
 */
export const CEILINGS: Readonly<Omit<PasswordLimits, 'maxPasswordBytes'>> = Object.freeze({
  maxMemoryKiB: 2 ** 21,
  maxPasses: 2 ** 10,
  maxLanes: 255,
  maxBcryptCost: 31,
})

/**
 * A parsed stored hash: argon2id with its parameters, salt and tag, or bcrypt with its cost.
 * @example
 * const parsed: StoredHash = parseStoredHash(stored, DEFAULT_LIMITS)
 * if (parsed.kind === 'argon2id') parsed.params.m // memory in KiB
 */
export type StoredHash = { kind: 'argon2id'; params: Argon2Params; salt: Buffer; hash: Buffer } | { kind: 'bcrypt'; cost: number }

const badFormat = () => createError('ERR_BAD_FORMAT', 'not an argon2id (v=19) PHC string or a bcrypt hash')
const outOfRange = (what: string) => createError('ERR_PARAMS_OUT_OF_RANGE', `password hash parameters out of range: ${what}`)

/**
 * Throws ERR_PARAMS_OUT_OF_RANGE unless `params` are within RFC 9106, the ceilings and `limits`.
 * @example
 * checkParams({ m: 4_194_304, t: 2, p: 1, saltLength: 16, tagLength: 32 }, DEFAULT_LIMITS) // throws: m=4194304
 */
export function checkParams(params: Argon2Params, limits: Omit<PasswordLimits, 'maxPasswordBytes'>): void {
  const { m, t, p, saltLength, tagLength } = params
  if (!Number.isInteger(p) || p < 1 || p > Math.min(CEILINGS.maxLanes, limits.maxLanes)) throw outOfRange(`p=${p}`)
  if (!Number.isInteger(m) || m < 8 * p || m > Math.min(CEILINGS.maxMemoryKiB, limits.maxMemoryKiB)) throw outOfRange(`m=${m}`)
  if (!Number.isInteger(t) || t < 1 || t > Math.min(CEILINGS.maxPasses, limits.maxPasses)) throw outOfRange(`t=${t}`)
  if (!Number.isInteger(saltLength) || saltLength < MIN_SALT || saltLength > MAX_SALT)
    throw outOfRange(`salt of ${saltLength} bytes`)
  if (!Number.isInteger(tagLength) || tagLength < MIN_TAG || tagLength > MAX_TAG) throw outOfRange(`tag of ${tagLength} bytes`)
}

const NUMBER = /^(0|[1-9][0-9]{0,9})$/
const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const B64 = /^[A-Za-z0-9+/]*$/

function number(field: string, name: string): number {
  if (!field.startsWith(`${name}=`)) throw badFormat()
  const digits = field.slice(name.length + 1)
  if (!NUMBER.test(digits)) throw badFormat()
  const value = Number(digits)
  // A well-formed number too big for u32 is out of range, as in the Rust core.
  if (value > 0xffff_ffff) throw outOfRange(`${name}=${digits}`)
  return value
}

/** Standard base64 without padding, canonical (unused low bits zero), or throws. */
function b64(field: string, maxBytes: number): Buffer {
  if (field.length > Math.ceil(maxBytes / 3) * 4) throw outOfRange(`a field of ${field.length} characters`)
  const rest = field.length % 4
  if (!B64.test(field) || rest === 1) throw badFormat()
  const bytes = Buffer.from(field, 'base64')
  if (bytes.toString('base64').replace(/=+$/, '') !== field) throw badFormat()
  return bytes
}

function parseBcrypt(text: string, limits: PasswordLimits): StoredHash {
  if (text.length !== 60 || text[6] !== '$' || !/^[0-9]{2}$/.test(text.slice(4, 6))) throw badFormat()
  const cost = Number(text.slice(4, 6))
  if (cost < 4 || cost > Math.min(CEILINGS.maxBcryptCost, limits.maxBcryptCost)) throw outOfRange(`bcrypt cost ${cost}`)
  if (!/^[./A-Za-z0-9]{53}$/.test(text.slice(7))) throw badFormat()
  // bcrypt's base64 leaves unused low bits in the last salt character (4) and the last digest
  // character (2); implementations disagree on non-zero ones (the Rust crate refuses, bcryptjs
  // ignores them), so refuse them here for both backends.
  const salt = BCRYPT_ALPHABET.indexOf(text[28] as string)
  const digest = BCRYPT_ALPHABET.indexOf(text[59] as string)
  if ((salt & 0x0f) !== 0 || (digest & 0x03) !== 0) throw badFormat()
  return { kind: 'bcrypt', cost }
}

/**
 * Parses a stored hash, or throws ERR_BAD_FORMAT / ERR_PARAMS_OUT_OF_RANGE without hashing anything.
 * @example
 * parseStoredHash('$argon2id$v=19$m=19456,t=2,p=1$<salt>$<tag>', DEFAULT_LIMITS).kind // 'argon2id'
 * parseStoredHash('$argon2i$v=19$m=19456,t=2,p=1$<salt>$<tag>', DEFAULT_LIMITS) // throws ERR_BAD_FORMAT
 */
export function parseStoredHash(text: unknown, limits: PasswordLimits): StoredHash {
  if (typeof text !== 'string') throw badFormat()
  if (/^\$2[aby]\$/.test(text)) return parseBcrypt(text, limits)
  if (text.length > MAX_PHC_LENGTH) throw badFormat()
  const fields = text.split('$')
  if (fields.length !== 6 || fields[0] !== '' || fields[1] !== 'argon2id' || fields[2] !== 'v=19') throw badFormat()
  const numbers = (fields[3] as string).split(',')
  if (numbers.length !== 3) throw badFormat()
  // Two orders exist in the wild: the reference `m,t,p` (keycard, @node-rs/argon2, libargon2) and
  // `m,p,t` (the argon2 npm package). Both are read; any other order or repetition is refused.
  const mpt = numbers[1]?.startsWith('p=') === true
  const m = number(numbers[0] as string, 'm')
  const t = number(numbers[mpt ? 2 : 1] as string, 't')
  const p = number(numbers[mpt ? 1 : 2] as string, 'p')
  const salt = b64(fields[4] as string, MAX_SALT)
  const hash = b64(fields[5] as string, MAX_TAG)
  const params = { m, t, p, saltLength: salt.length, tagLength: hash.length }
  checkParams(params, limits)
  return { kind: 'argon2id', params, salt, hash }
}

/**
 * The PHC string for an argon2id tag (what the Rust core writes, byte for byte).
 * @example
 * formatPhc(PRESETS.owasp, salt, tag) // '$argon2id$v=19$m=19456,t=2,p=1$<b64 salt>$<b64 tag>'
 */
export function formatPhc(params: Argon2Params, salt: Uint8Array, tag: Uint8Array): string {
  const enc = (bytes: Uint8Array) =>
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64').replace(/=+$/, '')
  return `$argon2id$v=19$m=${params.m},t=${params.t},p=${params.p}$${enc(salt)}$${enc(tag)}`
}

/**
 * True when `stored` should be replaced: bcrypt always; argon2id below the target memory, passes,
 * salt or tag.
 * @example
 * storedNeedsRehash({ kind: 'bcrypt', cost: 10 }, PRESETS.owasp) // true
 */
export function storedNeedsRehash(stored: StoredHash, target: Argon2Params): boolean {
  if (stored.kind === 'bcrypt') return true
  const { m, t, saltLength, tagLength } = stored.params
  return m < target.m || t < target.t || saltLength < target.saltLength || tagLength < target.tagLength
}
