/**
 * Verifiers come in pairs: `x()` returns null on any failure, `xOrThrow()` throws why. Both run
 * one internal function that *returns* a `Failure` instead of throwing, because a bad cookie is
 * an ordinary event on the request path and building an Error (with its stack) costs microseconds.
 */

import { VERIFY_BAD_FORMAT, VERIFY_BAD_SIGNATURE, VERIFY_UNKNOWN_KEY } from '../backend/outcomes'
import { createError, type ErrorCode, type KeycardError } from '../errors'

export class Failure {
  constructor(
    readonly code: ErrorCode,
    readonly message: string,
  ) {}

  toError(): KeycardError {
    return createError(this.code, this.message)
  }
}

export const BAD_FORMAT = new Failure('ERR_BAD_FORMAT', 'input is malformed')
export const BAD_SIGNATURE = new Failure('ERR_BAD_SIGNATURE', 'signature does not match')
export const UNKNOWN_KEY = new Failure('ERR_UNKNOWN_KEY', 'signed with a key this keyring does not hold')

/** The failure for a negative `VERIFY_*` outcome (src/backend/outcomes.ts, `OUTCOME_ERRORS`). */
export function failureOf(outcome: number): Failure {
  if (outcome === VERIFY_BAD_FORMAT) return BAD_FORMAT
  if (outcome === VERIFY_UNKNOWN_KEY) return UNKNOWN_KEY
  if (outcome === VERIFY_BAD_SIGNATURE) return BAD_SIGNATURE
  return new Failure('ERR_INTERNAL', `unexpected verification outcome ${outcome}`)
}

export function orThrow<T>(result: T | Failure): T {
  if (result instanceof Failure) throw result.toError()
  return result
}

export function orNull<T>(result: T | Failure): T | null {
  return result instanceof Failure ? null : result
}
