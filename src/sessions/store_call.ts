/** Calls into session stores, bounded in time and in the errors they can raise. */

import { publish } from '../diagnostics'
import { createError, KeycardError } from '../errors'
import { debug } from '../lib/debug'

/**
 * A store call that fails fast: store errors, and calls still pending after `timeoutMs`, become
 * one typed error (`ERR_STORE_UNAVAILABLE`, HTTP 503) instead of a hang or a crash. A call that
 * timed out may still complete in the store; the request was not acknowledged, so nothing the
 * client was told is lost.
 * @example
 * const stored = await storeCall(() => store.get(id), 2_000) // or throws ERR_STORE_UNAVAILABLE
 */
export function storeCall<T>(call: () => T | Promise<T>, timeoutMs: number, what?: StoreCallLabel): Promise<T> {
  // One promise, settled by whichever comes first: the call or the timer. (An async function
  // around Promise.race cost ~3 µs a call, twice per server-store write.)
  return new Promise<T>((resolve, reject) => {
    let settled = false
    const timer = setTimeout(() => {
      if (settled) return
      settled = true
      debug('session store did not answer within %d ms (storeTimeout): ERR_STORE_UNAVAILABLE', timeoutMs)
      const err = createError('ERR_STORE_UNAVAILABLE', `session store did not answer within ${timeoutMs} ms`)
      published(err, err, what)
      reject(err)
    }, timeoutMs)
    // Node only: a Web timer (workerd, the Edge runtime) is a number, with nothing to unref.
    if (typeof timer === 'object') timer.unref()
    const done = (value: T): void => {
      clearTimeout(timer)
      if (settled) return
      settled = true
      resolve(value)
    }
    const failed = (err: unknown): void => {
      clearTimeout(timer)
      if (settled) return
      settled = true
      const typed = storeError(err)
      published(typed, err, what)
      reject(typed)
    }
    let result: T | Promise<T>
    try {
      result = call()
    } catch (err) {
      failed(err)
      return
    }
    if (result instanceof Promise) result.then(done, failed)
    else Promise.resolve(result).then(done, failed)
  })
}

/**
 * Which store a call goes to and what it does, for the `keycard:store:error` channel.
 * @example
 * await storeCall(() => store.get(id), 2_000, { store: 'redis', operation: 'get' })
 */
export interface StoreCallLabel {
  store: string
  operation: string
}

/** `keycard:store:error`, built only for a subscriber: the request's error code and the store's own error. */
function published(typed: KeycardError, cause: unknown, what: StoreCallLabel | undefined): void {
  if (!publish.storeError.hasSubscribers) return
  publish.storeError.publish({
    store: what?.store ?? 'unknown',
    operation: what?.operation ?? 'call',
    code: typed.code,
    error: cause,
  })
}

/** A store's failure as the request sees it: a KeycardError as it is, anything else ERR_STORE_UNAVAILABLE. */
function storeError(err: unknown): KeycardError {
  if (err instanceof KeycardError) {
    // A store's own typed error (a Redis store that is down).
    debug('session store failed: %s (%s)', err.message, err.code)
    return err
  }
  const message = (err as Error)?.message ?? err
  debug('session store failed: %s: ERR_STORE_UNAVAILABLE', message)
  return createError('ERR_STORE_UNAVAILABLE', `session store failed: ${message}`, err)
}
