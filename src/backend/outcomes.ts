/**
 * Every integer that crosses the napi boundary, defined once for TypeScript. The Rust twin is
 * crates/keycard-node/src/outcomes.rs: the addon exports its table as `outcomeCodes()`, the
 * loader refuses a binary whose table differs from `OUTCOME_CODES` (a stale build), and
 * __test__/backend_parity.spec.ts checks both tables and what each failure becomes on both
 * backends.
 *
 * Failures are negative integers rather than exceptions: throwing across napi costs microseconds,
 * and a bad cookie or a wrong password is an ordinary event on the request path. A success is
 * something else (a key index >= 0, the data, a boolean). Each group is its own namespace: one
 * integer may mean different things in two groups, never in one. The fallback returns the same
 * integers where the interface has them (`MacKeys`, `SealKeys`), so everything above a backend
 * reads one set of outcomes.
 */

import type { ErrorCode } from '../errors'

// --- MAC verification (MacKeys.verifyTag / verifySigned); success is the key's index ----------
/**
 * The tag (or the signed value around it) is malformed: `ERR_BAD_FORMAT`.
 * @example
 * keys.verifySigned('no-dot') // VERIFY_BAD_FORMAT
 */
export const VERIFY_BAD_FORMAT = -1
/**
 * Well-formed, but no key of the set produced this tag: `ERR_BAD_SIGNATURE`.
 * @example
 * keys.verifyTag(msg, forgedTag, -1) // VERIFY_BAD_SIGNATURE
 */
export const VERIFY_BAD_SIGNATURE = -2
/**
 * The key index asked for is not in the set: `ERR_UNKNOWN_KEY`.
 * @example
 * keys.verifyTag(msg, tag, 5) // VERIFY_UNKNOWN_KEY with a two-key set
 */
export const VERIFY_UNKNOWN_KEY = -3

// --- Opening a sealed value (SealKeys.open); success is the data -------------------------------
/**
 * Not a sealed value of format v1 (bad base64url, length, version): `ERR_BAD_FORMAT`.
 * @example
 * sealKeys.open('garbage', now) // OPEN_BAD_FORMAT
 */
export const OPEN_BAD_FORMAT = -1
/**
 * Sealed under a key id the keyring does not hold: `ERR_UNKNOWN_KEY`.
 * @example
 * sealKeys.open(sealedByRetiredKey, now) // OPEN_UNKNOWN_KEY
 */
export const OPEN_UNKNOWN_KEY = -3
/**
 * The AES-GCM tag does not verify (tampered, or another secret with the same id): `ERR_DECRYPT`.
 * @example
 * sealKeys.open(tampered, now) // OPEN_DECRYPT
 */
export const OPEN_DECRYPT = -4
/**
 * Sealed for another purpose (another cookie name): `ERR_WRONG_PURPOSE`.
 * @example
 * keyring.sealKeys(backend, 'b').open(sealedForA, now) // OPEN_WRONG_PURPOSE
 */
export const OPEN_WRONG_PURPOSE = -5
/**
 * Authentic, but its expiry has passed: `ERR_EXPIRED`.
 * @example
 * sealKeys.open(sealed, exp) // OPEN_EXPIRED: valid until the second before exp
 */
export const OPEN_EXPIRED = -6
/**
 * Authentic, but its not-before lies ahead: `ERR_NOT_YET_VALID`.
 * @example
 * sealKeys.open(sealed, nbf - 1) // OPEN_NOT_YET_VALID
 */
export const OPEN_NOT_YET_VALID = -7

// --- Native password tasks: a napi Task's errors carry only a napi status, so keycard's codes
// come back as these in place of the tag or the boolean ------------------------------------------
/**
 * The native task refused its input (a malformed bcrypt hash): `ERR_BAD_FORMAT`.
 * @example
 * if (outcome === PASSWORD_BAD_FORMAT) throw passwordError(outcome)
 */
export const PASSWORD_BAD_FORMAT = -1
/**
 * Cost parameters past a bound or a ceiling: `ERR_PARAMS_OUT_OF_RANGE`.
 * @example
 * if (outcome === PASSWORD_PARAMS_OUT_OF_RANGE) throw passwordError(outcome)
 */
export const PASSWORD_PARAMS_OUT_OF_RANGE = -2
/**
 * The caller's AbortSignal fired before the task ran: `ERR_ABORTED`.
 * @example
 * if (outcome === PASSWORD_ABORTED) throw passwordError(outcome)
 */
export const PASSWORD_ABORTED = -3
/**
 * The OS random source failed: `ERR_RANDOM`.
 * @example
 * if (outcome === PASSWORD_RANDOM) throw passwordError(outcome)
 */
export const PASSWORD_RANDOM = -4
/**
 * A panic caught on the pool thread: `ERR_INTERNAL` (Node keeps running).
 * @example
 * if (outcome === PASSWORD_PANICKED) throw passwordError(outcome)
 */
export const PASSWORD_PANICKED = -99

// --- Kinds of sealed and cached data: the kind byte of a sealed value (docs/FORMATS.md, "Sealed
// value v1"), reused by the cache so a value comes back as the type it went in as --------------
/**
 * Kind byte of a UTF-8 string: it comes back as a string.
 * @example
 * sealKeys.sealText(KIND_TEXT, 'hello', exp, 0, null)
 */
export const KIND_TEXT = 1
/**
 * Kind byte of raw bytes: they come back as a Uint8Array.
 * @example
 * core.set('k', KIND_BYTES, new Uint8Array([1, 2]), -1)
 */
export const KIND_BYTES = 2
/**
 * Kind byte of JSON text: it comes back parsed (a fresh copy).
 * @example
 * sealKeys.sealText(KIND_JSON, JSON.stringify({ uid: 7 }), exp, 0, null)
 */
export const KIND_JSON = 3

/**
 * The table above by name, as crates/keycard-node/src/outcomes.rs has it.
 * @example
 * OUTCOME_CODES.OPEN_EXPIRED // -6
 */
export const OUTCOME_CODES = Object.freeze({
  VERIFY_BAD_FORMAT,
  VERIFY_BAD_SIGNATURE,
  VERIFY_UNKNOWN_KEY,
  OPEN_BAD_FORMAT,
  OPEN_UNKNOWN_KEY,
  OPEN_DECRYPT,
  OPEN_WRONG_PURPOSE,
  OPEN_EXPIRED,
  OPEN_NOT_YET_VALID,
  PASSWORD_BAD_FORMAT,
  PASSWORD_PARAMS_OUT_OF_RANGE,
  PASSWORD_ABORTED,
  PASSWORD_RANDOM,
  PASSWORD_PANICKED,
  KIND_TEXT,
  KIND_BYTES,
  KIND_JSON,
})

/**
 * The name of a code in the table.
 * @example
 * const name: OutcomeName = 'KIND_JSON'
 */
export type OutcomeName = keyof typeof OUTCOME_CODES

/**
 * The name of a failure outcome (every code but the kinds).
 * @example
 * const name: FailureName = 'OPEN_EXPIRED' // 'KIND_TEXT' is not one
 */
export type FailureName = Exclude<OutcomeName, `KIND_${string}`>

/**
 * The `KeycardError` code each failure stands for, on both backends (the fallback throws these
 * codes directly where native returns the integer). Its readers: `failureOf` (lib/verify_result.ts),
 * unseal's failures (src/seal/index.ts), native/password.ts; the parity test holds them to it.
 * @example
 * OUTCOME_ERRORS.OPEN_WRONG_PURPOSE // 'ERR_WRONG_PURPOSE'
 */
export const OUTCOME_ERRORS: Readonly<Record<FailureName, ErrorCode>> = Object.freeze({
  VERIFY_BAD_FORMAT: 'ERR_BAD_FORMAT',
  VERIFY_BAD_SIGNATURE: 'ERR_BAD_SIGNATURE',
  VERIFY_UNKNOWN_KEY: 'ERR_UNKNOWN_KEY',
  OPEN_BAD_FORMAT: 'ERR_BAD_FORMAT',
  OPEN_UNKNOWN_KEY: 'ERR_UNKNOWN_KEY',
  OPEN_DECRYPT: 'ERR_DECRYPT',
  OPEN_WRONG_PURPOSE: 'ERR_WRONG_PURPOSE',
  OPEN_EXPIRED: 'ERR_EXPIRED',
  OPEN_NOT_YET_VALID: 'ERR_NOT_YET_VALID',
  PASSWORD_BAD_FORMAT: 'ERR_BAD_FORMAT',
  PASSWORD_PARAMS_OUT_OF_RANGE: 'ERR_PARAMS_OUT_OF_RANGE',
  PASSWORD_ABORTED: 'ERR_ABORTED',
  PASSWORD_RANDOM: 'ERR_RANDOM',
  PASSWORD_PANICKED: 'ERR_INTERNAL',
})

/**
 * The names whose codes differ between `table` (a binary's `outcomeCodes()`) and `OUTCOME_CODES`,
 * missing and extra names included; empty when the two agree exactly.
 * @example
 * outcomeMismatch(binding.outcomeCodes()) // [] for a binary built from this checkout
 */
export function outcomeMismatch(table: Readonly<Record<string, number>>): string[] {
  const names = new Set([...Object.keys(OUTCOME_CODES), ...Object.keys(table)])
  return [...names].filter((name) => (OUTCOME_CODES as Record<string, number>)[name] !== table[name]).sort()
}
