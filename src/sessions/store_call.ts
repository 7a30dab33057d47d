/** Calls into session stores, bounded in time and in the errors they can raise. */

import { createError, KeycardError } from '../errors'

/**
 * A store call that fails fast: store errors, and calls still pending after `timeoutMs`, become
 * one typed error (`ERR_STORE_UNAVAILABLE`, HTTP 503) instead of a hang or a crash. A call that
 * timed out may still complete in the store; the request was not acknowledged, so nothing the
 * client was told is lost.
 */
export async function storeCall<T>(call: () => T | Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(createError('ERR_STORE_UNAVAILABLE', `session store did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    )
    timer.unref()
  })
  try {
    return await Promise.race([call(), timeout])
  } catch (err) {
    if (err instanceof KeycardError) throw err
    throw createError('ERR_STORE_UNAVAILABLE', `session store failed: ${(err as Error)?.message ?? err}`, err)
  } finally {
    clearTimeout(timer)
  }
}
