/**
 * The fallback `password` part: argon2id and bcrypt on a pool of worker threads (worker_pool.ts
 * running password_worker.ts), the counterpart of crates/keycard-node/src/password.rs on the
 * libuv pool. Where native resolves with a `PASSWORD_*` outcome, this throws the error that
 * outcome becomes (src/backend/outcomes.ts, `OUTCOME_ERRORS`).
 */

import { createError } from '../../errors'
import { CEILINGS, checkParams } from '../../password/phc'
import type { PasswordPart } from '../types'
import { runOnPool } from './worker_pool'

/**
 * The `password` part of the fallback backend.
 * @example
 * const tag = await fallbackPassword.argon2id(job, AbortSignal.timeout(5_000))
 */
export const fallbackPassword: PasswordPart = {
  async argon2id(job, signal) {
    // The hard ceilings the Rust core applies on its own, applied here too, so a job above them
    // is the same ERR_PARAMS_OUT_OF_RANGE on both backends (not a WebAssembly allocation failure).
    const { m, t, p, salt, tagLength } = job
    checkParams({ m, t, p, saltLength: salt.byteLength, tagLength }, CEILINGS)
    const reply = await runOnPool({ op: 'argon2id', ...job }, signal)
    if (!reply.tag) throw createError('ERR_INTERNAL', `argon2id failed in the worker: ${reply.error}`)
    return reply.tag
  },
  async bcryptVerify(stored, password, signal) {
    const reply = await runOnPool({ op: 'bcrypt', stored, password }, signal)
    if (reply.matches === undefined) throw createError('ERR_BAD_FORMAT', `not a bcrypt hash keycard reads: ${reply.error}`)
    return reply.matches
  },
}
