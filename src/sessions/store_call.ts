/** Calls into session stores, bounded in time and in the errors they can raise. */

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
export async function storeCall<T>(call: () => T | Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  let timedOut: KeycardError | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      debug('session store did not answer within %d ms (storeTimeout): ERR_STORE_UNAVAILABLE', timeoutMs)
      timedOut = createError('ERR_STORE_UNAVAILABLE', `session store did not answer within ${timeoutMs} ms`)
      reject(timedOut)
    }, timeoutMs)
    timer.unref()
  })
  try {
    return await Promise.race([call(), timeout])
  } catch (err) {
    if (err instanceof KeycardError) {
      // The timeout logged itself; a store's own typed error (a Redis store that is down) is logged here.
      if (err !== timedOut) debug('session store failed: %s (%s)', err.message, err.code)
      throw err
    }
    const message = (err as Error)?.message ?? err
    debug('session store failed: %s: ERR_STORE_UNAVAILABLE', message)
    throw createError('ERR_STORE_UNAVAILABLE', `session store failed: ${message}`, err)
  } finally {
    clearTimeout(timer)
  }
}
