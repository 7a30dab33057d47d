/**
 * `cookieStore()`: stateless sessions. The whole session is sealed (AES-256-GCM, src/seal/index.ts) into
 * the cookie under a key derived for the cookie's name, so a value sealed for one cookie does not
 * open as another. Sessions larger than one cookie are split over `name`, `name.1`, ... (see
 * transport_cookie.ts); the total is bounded by `maxBytes`, because every request carries all of it and
 * Node refuses request headers over 16 KiB by default.
 */

import { createError } from '../../errors'
import type { CookieStore } from './types'

/**
 * Options of `cookieStore()`: how large a sealed session may grow, and how it is split.
 * @example
 * cookieStore({ maxBytes: 8000, chunkSize: 4000 }) // at most two cookies
 */
export interface CookieStoreOptions {
  /** Largest sealed session over all its cookies, in bytes. Default 12000 (three or four cookies). */
  maxBytes?: number
  /**
   * Most sealed bytes per cookie. Default 4000. The manager uses less when the cookie's name and
   * attributes need it: every Set-Cookie line, attributes included, stays within 4096 bytes.
   */
  chunkSize?: number
}

/**
 * The default store: the session lives in the cookie, sealed. Nothing to run, nothing to
 * revoke server-side (see the `revocation` option). Cost: one seal per changed response and one
 * open per request, a few microseconds each.
 *
 * @example
 * app.use(session({ store: cookieStore({ maxBytes: 8000 }) }))
 */
export function cookieStore(options: CookieStoreOptions = {}): CookieStore {
  const chunkSize = options.chunkSize ?? 4000
  const maxBytes = options.maxBytes ?? 12_000
  if (!Number.isInteger(chunkSize) || chunkSize < 256 || chunkSize > 4000) {
    throw createError('ERR_INVALID_ARGUMENT', 'chunkSize must be an integer 256..4000')
  }
  if (!Number.isInteger(maxBytes) || maxBytes < chunkSize || maxBytes > 64 * chunkSize) {
    throw createError('ERR_INVALID_ARGUMENT', 'maxBytes must be an integer from chunkSize to 64 chunks')
  }
  return { kind: 'cookie', maxBytes, chunkSize }
}
