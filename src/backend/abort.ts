/**
 * AbortSignals, shared by both backends and the password API: checked to be real signals, then
 * used only through the platform's own methods, never through whatever the object carries.
 */

import { isProxy } from 'node:util/types'
import { createError, type KeycardError } from '../errors'

// Taken once, from the prototypes: an object's own (or overridden) members are never called, so a
// signal whose `removeEventListener` throws cannot turn a finished hash into an unhandled rejection.
const abortedOf = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')?.get as (this: AbortSignal) => boolean
const { addEventListener, removeEventListener } = EventTarget.prototype

const aborted = (): KeycardError => createError('ERR_ABORTED', 'the operation was aborted')

/**
 * `value` as a signal: undefined stays undefined; a real AbortSignal is returned; anything else
 * (null, a plain object with the right methods, `Object.create(AbortSignal.prototype)`, a Proxy)
 * throws ERR_INVALID_ARGUMENT. `instanceof` alone is fooled by the prototype trick; the `aborted`
 * getter is a brand check (Node reads an internal field and throws for any object it did not
 * create as a signal), which a Proxy would forward, hence the Proxy test. AbortSignal is one class
 * per thread (vm contexts have none of their own, and signals cannot cross threads), so the check
 * holds wherever a signal can come from.
 * @example
 * const signal = signalOf(options?.signal) // before any work is started
 */
export function signalOf(value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined
  if (value instanceof AbortSignal && !isProxy(value)) {
    try {
      abortedOf.call(value)
      return value
    } catch {
      // Not a signal Node made: refused below.
    }
  }
  throw createError('ERR_INVALID_ARGUMENT', 'signal must be an AbortSignal')
}

/**
 * Whether a signal (from `signalOf`) has aborted, read through the prototype's getter.
 * @example
 * if (isAborted(signal)) throw createError('ERR_ABORTED', 'the operation was aborted')
 */
export function isAborted(signal: AbortSignal): boolean {
  return abortedOf.call(signal)
}

/**
 * Calls `listener` once when `signal` aborts; returns the function that removes it. The removal
 * never throws (it runs in promise callbacks, where a throw would be an unhandled rejection).
 * @example
 * const stop = onAbort(signal, () => queue.delete(job))
 * work.finally(stop)
 */
export function onAbort(signal: AbortSignal, listener: () => void): () => void {
  addEventListener.call(signal, 'abort', listener, { once: true })
  return () => {
    try {
      removeEventListener.call(signal, 'abort', listener)
    } catch {
      // The listener is once-only and holds nothing: leaving it costs nothing but a reference.
    }
  }
}

/**
 * Settles with the work, or rejects with ERR_ABORTED as soon as the signal aborts.
 * @example
 * const tag = await raceAbort(runOnPool(job), signal)
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let stop = () => {}
    // Handlers go on the work first and always, so its own later rejection (an aborted task
    // failing too) is never left unhandled after the race is decided. They run in a later
    // microtask, by when `stop` is set.
    work.then(
      (value) => {
        stop()
        resolve(value)
      },
      (err) => {
        stop()
        reject(err)
      },
    )
    if (isAborted(signal)) reject(aborted())
    else stop = onAbort(signal, () => reject(aborted()))
  })
}
