/**
 * src/sessions/stores/redis.ts in the Web Crypto bundles (scripts/web-bundle.mjs swaps it in):
 * the Redis store needs node:net and node:crypto, which workers lack.
 */

import { createError } from '../../errors'

/**
 * Throws ERR_UNSUPPORTED_RUNTIME: no Redis store on the Web Crypto bundles.
 * @example
 * redisStore() // throws ERR_UNSUPPORTED_RUNTIME in a worker: use cookieStore() or a store of your own
 */
export function redisStore(): never {
  throw createError(
    'ERR_UNSUPPORTED_RUNTIME',
    "the Redis store needs Node's sockets, which this runtime lacks (keycard's Web Crypto entry): " +
      'use cookieStore() or a store of your own (ServerStore)',
  )
}
