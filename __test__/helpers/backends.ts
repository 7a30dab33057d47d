/**
 * Which backend this run tests, and both backends for cross-backend tests.
 *
 * The suite runs twice: `KEYCARD_BACKEND=native ava` and `KEYCARD_BACKEND=fallback ava`. Public
 * API tests use the env-selected backend and put its name in their titles via `t_()`.
 * Cross-backend tests load both explicitly; they fail (not skip) when the native binding is
 * missing, because CI always builds it.
 */

import { loadBackend, withBackend } from '../../src/backend'
import type { Backend } from '../../src/backend/types'
import { backend } from '../../src/index'

/** Name of the backend under test in this run. */
export const current = backend().name

/** A test title prefixed with the backend under test: `native: sign: round trips`. */
export const t_ = (title: string) => `${current}: ${title}`

export const fallback: Backend = loadBackend('fallback')
export const native: Backend = loadBackend('native')

/** Both backends, native first. */
export const both: readonly Backend[] = [native, fallback]

/** Runs a synchronous public-API call on a given backend. */
export const on = withBackend

/** A 32-byte (and longer) secret, as a string and as bytes. */
export const SECRET = 'test-secret-0123456789abcdef-0123456789'
export const SECRET_2 = 'second-secret-0123456789abcdef-0123456789'
export const SECRET_BYTES = Buffer.from('3e46fdb0235c0c4906dfaa163c54775bb48efb53ec2f8018784cc93874b9c8f5', 'hex')
