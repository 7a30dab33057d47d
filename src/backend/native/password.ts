/**
 * The native `password` part: argon2id and bcrypt on the libuv thread pool
 * (crates/keycard-node/src/password.rs). A task resolves with its result or a negative
 * `PASSWORD_*` outcome (src/backend/outcomes.ts), which becomes the `KeycardError` the fallback
 * throws for the same input.
 */

import { availableParallelism } from 'node:os'
import { createError, fromNativeError, type KeycardError } from '../../errors'
import { isAborted, onAbort, raceAbort, signalOf } from '../abort'
import { limiter } from '../limiter'
import { type FailureName, OUTCOME_CODES, OUTCOME_ERRORS } from '../outcomes'
import type { PasswordPart } from '../types'
import type { NativeBinding } from './load'

/** The `PASSWORD_*` outcome of each code a task may resolve with. */
const NAMES = new Map<number, FailureName>(
  (Object.entries(OUTCOME_CODES) as [FailureName, number][])
    .filter(([name]) => name.startsWith('PASSWORD_'))
    .map(([name, code]) => [code, name]),
)

/** What each outcome says (its code is in `OUTCOME_ERRORS`); a caught panic has no message here. */
const MESSAGES: Partial<Record<FailureName, string>> = {
  PASSWORD_BAD_FORMAT: 'not a bcrypt hash keycard reads',
  PASSWORD_PARAMS_OUT_OF_RANGE: 'password hash parameters out of range',
  PASSWORD_ABORTED: 'the operation was aborted',
  PASSWORD_RANDOM: 'the OS random number generator failed',
}

/**
 * The error for a password task's outcome `code`: the code `OUTCOME_ERRORS` gives it, else
 * ERR_INTERNAL (a caught panic, or a code this layer does not know).
 * @example
 * passwordError(PASSWORD_PARAMS_OUT_OF_RANGE).code // 'ERR_PARAMS_OUT_OF_RANGE'
 */
export function passwordError(code: number): KeycardError {
  const name = NAMES.get(code)
  const message = name === undefined ? undefined : MESSAGES[name]
  if (name === undefined || message === undefined) {
    return createError('ERR_INTERNAL', `native password task failed (${code})`)
  }
  return createError(OUTCOME_ERRORS[name], message)
}

/**
 * Awaits a native task, rejecting with ERR_ABORTED as soon as `signal` aborts: napi cancels a
 * task still queued; one already computing finishes on its pool thread and is ignored.
 */
async function pooled<T>(task: (signal?: AbortSignal) => Promise<T | number>, signal?: AbortSignal): Promise<T> {
  if (signal && isAborted(signal)) throw createError('ERR_ABORTED', 'the operation was aborted')
  let result: T | number
  // The binding gets a signal of keycard's own, aborted with the caller's: napi-rs assigns
  // `onabort` on the signal it is given, which would replace a handler the caller set there.
  const inner = new AbortController()
  const stop = signal ? onAbort(signal, () => inner.abort()) : () => {}
  try {
    result = await (signal ? raceAbort(task(inner.signal), signal) : task())
  } catch (err) {
    throw (err as { name?: string }).name === 'AbortError'
      ? createError('ERR_ABORTED', 'the operation was aborted')
      : fromNativeError(err)
  } finally {
    stop()
  }
  if (typeof result === 'number') throw passwordError(result)
  return result
}

/** Rejects at once when `signal` aborts, even while the task still waits for a hashing slot. */
function abortable<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  return signal ? raceAbort(work, signal) : work
}

/**
 * The `password` part of the native backend: at most as many hashes at once as the libuv pool
 * has threads (4) or the machine has cores, so a burst of logins queues instead of starving the
 * pool's other work.
 * @example
 * const tag = await nativePassword(binding).argon2id(job, AbortSignal.timeout(5_000))
 */
export function nativePassword(binding: NativeBinding): PasswordPart {
  const hashing = limiter(Math.max(1, Math.min(4, availableParallelism())))
  return {
    // Signals are checked here too (the public API already did): only a real AbortSignal reaches
    // raceAbort and the binding; anything else is a rejection, never a throw in a callback.
    argon2id: async (job, given) => {
      const signal = signalOf(given)
      return abortable(
        hashing(() =>
          pooled(
            (s) =>
              binding.argon2idTag(
                job.password,
                job.salt,
                { m: job.m, t: job.t, p: job.p, tagLength: job.tagLength },
                job.pepper,
                s,
              ),
            signal,
          ),
        ),
        signal,
      )
    },
    bcryptVerify: async (stored, password, given) => {
      const signal = signalOf(given)
      return abortable(
        hashing(() => pooled((s) => binding.bcryptVerify(stored, password, s), signal)),
        signal,
      )
    },
  }
}
