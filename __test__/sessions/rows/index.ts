/**
 * The session rows by topic, and which spec registers which:
 * - the behaviour table — lifecycle, regenerate, flash, expiry, chunks, data, lifetime — for one adapter at
 *   a time: `registerAll(adapter)` from each adapter's spec (sessions_express, sessions_node,
 *   sessions_fetch, sessions_fastify, sessions_koa, sessions_hono), and with other stores from
 *   the store specs (sessions_express_store, sessions_redis);
 * - the deeper topics over every adapter: bad_cookies, bad_records and cookie_headers from
 *   sessions_hostile, concurrency from sessions_concurrency, revocation from sessions_revocation.
 */

import type { AdapterName } from '../../helpers/sessions'
import { registerChunks } from './chunks'
import { registerData } from './data'
import { registerExpiry } from './expiry'
import { registerFlash } from './flash'
import { registerLifecycle } from './lifecycle'
import { registerLifetime } from './lifetime'
import { registerRegenerate } from './regenerate'
import type { RegisterOptions } from './table'

export { registerBadCookies } from './bad_cookies'
export { registerBadRecords } from './bad_records'
export { registerConcurrency } from './concurrency'
export { registerCookieHeaders } from './cookie_headers'
export { registerRevocation } from './revocation'
export type { RegisterOptions, Row } from './table'

/**
 * Registers the behaviour table (every table topic) for `adapter` × each store.
 * @example
 * registerAll('express') // cookieStore() and memoryStore()
 * registerAll('express', { stores: [{ name: 'redis', kind: 'memory', make: () => redisStore() }] })
 */
export function registerAll(adapter: AdapterName, options?: RegisterOptions): void {
  for (const register of [
    registerLifecycle,
    registerRegenerate,
    registerFlash,
    registerExpiry,
    registerChunks,
    registerData,
    registerLifetime,
  ]) {
    register(adapter, options)
  }
}
