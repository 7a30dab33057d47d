/**
 * Verifiers come in pairs: `x()` returns null on any failure, `xOrThrow()` throws why. Both run
 * one internal function that *returns* a `Failure` instead of throwing, because a bad cookie is
 * an ordinary event on the request path and building an Error (with its stack) costs microseconds.
 */

import { VERIFY_BAD_FORMAT, VERIFY_BAD_SIGNATURE, VERIFY_UNKNOWN_KEY } from '../backend/outcomes'
import { createError, type ErrorCode, type KeycardError } from '../errors'

/**
 * Why a verification failed, as a value: a code and a message, turned into a `KeycardError` only
 * by the `…OrThrow` variant that needs one.
 * @example
 * function check(s: string): string | Failure { return s.includes('.') ? s : BAD_FORMAT }
 */
export class Failure {
  constructor(
    readonly code: ErrorCode,
    readonly message: string,
  ) {}

  /**
   * The `KeycardError` of the family of `code` (stack captured here, so only when thrown).
   * @example
   * throw BAD_SIGNATURE.toError() // a VerificationError, code ERR_BAD_SIGNATURE
   */
  toError(): KeycardError {
    return createError(this.code, this.message)
  }
}

/**
 * The shared failure for malformed input (one instance: failures carry no per-call data).
 * @example
 * if (typeof signed !== 'string') return BAD_FORMAT
 */
export const BAD_FORMAT = new Failure('ERR_BAD_FORMAT', 'input is malformed')
/**
 * The shared failure for a tag that does not verify.
 * @example
 * return outcome === VERIFY_BAD_SIGNATURE ? BAD_SIGNATURE : value
 */
export const BAD_SIGNATURE = new Failure('ERR_BAD_SIGNATURE', 'signature does not match')
/**
 * The shared failure for a key id the keyring does not hold.
 * @example
 * if (keyring.indexOf(kid) < 0) return UNKNOWN_KEY
 */
export const UNKNOWN_KEY = new Failure('ERR_UNKNOWN_KEY', 'signed with a key this keyring does not hold')

/**
 * The failure for a negative `VERIFY_*` outcome (src/backend/outcomes.ts, `OUTCOME_ERRORS`).
 * @example
 * const outcome = keys.verifySigned(signed)
 * return outcome >= 0 ? signed.slice(0, signed.lastIndexOf('.')) : failureOf(outcome)
 */
export function failureOf(outcome: number): Failure {
  if (outcome === VERIFY_BAD_FORMAT) return BAD_FORMAT
  if (outcome === VERIFY_UNKNOWN_KEY) return UNKNOWN_KEY
  if (outcome === VERIFY_BAD_SIGNATURE) return BAD_SIGNATURE
  return new Failure('ERR_INTERNAL', `unexpected verification outcome ${outcome}`)
}

/**
 * The value, or the failure thrown as a `KeycardError`: the body of every `…OrThrow` verifier.
 * @example
 * export const unsignOrThrow = (s: string, secret: SecretInput) => orThrow(run(s, secret))
 */
export function orThrow<T>(result: T | Failure): T {
  if (result instanceof Failure) throw result.toError()
  return result
}

/**
 * The value, or null for any failure: the body of every null-returning verifier.
 * @example
 * export const unsign = (s: string, secret: SecretInput) => orNull(run(s, secret))
 */
export function orNull<T>(result: T | Failure): T | null {
  return result instanceof Failure ? null : result
}
