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
export const VERIFY_BAD_FORMAT = -1
export const VERIFY_BAD_SIGNATURE = -2
export const VERIFY_UNKNOWN_KEY = -3

// --- Opening a sealed value (SealKeys.open); success is the data -------------------------------
export const OPEN_BAD_FORMAT = -1
export const OPEN_UNKNOWN_KEY = -3
export const OPEN_DECRYPT = -4
export const OPEN_WRONG_PURPOSE = -5
export const OPEN_EXPIRED = -6
export const OPEN_NOT_YET_VALID = -7

// --- Native password tasks: a napi Task's errors carry only a napi status, so keycard's codes
// come back as these in place of the tag or the boolean ------------------------------------------
export const PASSWORD_BAD_FORMAT = -1
export const PASSWORD_PARAMS_OUT_OF_RANGE = -2
export const PASSWORD_ABORTED = -3
export const PASSWORD_RANDOM = -4
/** A panic caught on the pool thread. */
export const PASSWORD_PANICKED = -99

// --- Kinds of sealed and cached data: the kind byte of a sealed value (docs/FORMATS.md, "Sealed
// value v1"), reused by the cache so a value comes back as the type it went in as --------------
export const KIND_TEXT = 1
export const KIND_BYTES = 2
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

/** The name of a code in the table. */
export type OutcomeName = keyof typeof OUTCOME_CODES

/** The name of a failure outcome (every code but the kinds). */
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
