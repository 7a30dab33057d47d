/**
 * keycard's `node:diagnostics_channel` events: what sessions, stores and caches do, for metrics
 * and tracing, with no logging library and no option. Subscribe by name:
 *
 * | channel                      | message                                   | when                                          |
 * | ---------------------------- | ----------------------------------------- | --------------------------------------------- |
 * | `keycard:session:invalid`    | `{ code, cookie }`                        | a session cookie (or header) was refused      |
 * | `keycard:session:create`     | `{ store, cookie }`                       | a new session was saved for the first time    |
 * | `keycard:session:regenerate` | `{ store, cookie }`                       | `session.regenerate()` (a new id, at login)   |
 * | `keycard:session:destroy`    | `{ store, cookie }`                       | `session.destroy()` (logout)                  |
 * | `keycard:session:commit`     | `{ store, cookie, bytes, cookieBytes }`   | a session was written                         |
 * | `keycard:store:error`        | `{ store, operation, code, error }`       | a store call failed or timed out              |
 * | `keycard:cache:evict`        | `{ cache, count }`                        | a `set` evicted least-recent entries          |
 *
 * Messages never carry session ids, keys or data: ids are bearer secrets for server stores, and
 * a metrics pipeline is the wrong place for them. `store` is the store's kind (`'cookie'`,
 * `'memory'`, `'redis'`, or the name of an app's own store class).
 *
 * Zero cost without subscribers: every publisher checks `hasSubscribers` first, so no message
 * object is built (Node's channels are looked up once, here, at import).
 *
 * @example
 * import { subscribe } from 'node:diagnostics_channel'
 * subscribe('keycard:session:invalid', ({ code }) => invalidCookies.add(1, { code }))
 */

import { channel } from 'node:diagnostics_channel'
import { CHANNELS } from './lib/channel_names'

export { CHANNELS }

/**
 * `keycard:session:invalid`: a refused session cookie and why (`ERR_EXPIRED`, `ERR_DECRYPT`...).
 * @example
 * subscribe('keycard:session:invalid', (m) => { const { code } = m as SessionInvalidMessage })
 */
export interface SessionInvalidMessage {
  code: string
  /** The session cookie's name. */
  cookie: string
}

/**
 * `keycard:session:create`, `:regenerate`, `:destroy`: a session's life, by store kind.
 * @example
 * subscribe('keycard:session:create', (m) => created.add(1, { store: (m as SessionEventMessage).store }))
 */
export interface SessionEventMessage {
  store: string
  cookie: string
}

/**
 * `keycard:session:commit`: a session written. `bytes`: its data as JSON, in UTF-8 bytes (what a
 * server store holds, what the cookie store seals); `cookieBytes`: the Set-Cookie lines this
 * commit sent (0 when it sent none, e.g. a server store's unchanged id).
 * @example
 * subscribe('keycard:session:commit', (m) => sizes.record((m as SessionCommitMessage).bytes))
 */
export interface SessionCommitMessage extends SessionEventMessage {
  bytes: number
  cookieBytes: number
}

/**
 * `keycard:store:error`: a store call that failed (`error` is the store's own error, `code` the
 * one the request got: `ERR_STORE_UNAVAILABLE`).
 * @example
 * subscribe('keycard:store:error', (m) => log.warn((m as StoreErrorMessage).error))
 */
export interface StoreErrorMessage {
  store: string
  operation: string
  code: string
  error: unknown
}

/**
 * `keycard:cache:evict`: entries a `set` pushed out to stay within `max`/`maxSize`.
 * @example
 * subscribe('keycard:cache:evict', (m) => evictions.add((m as CacheEvictMessage).count))
 */
export interface CacheEvictMessage {
  /** The cache's `name` option, or '' for an unnamed cache. */
  cache: string
  count: number
}

const invalid = channel(CHANNELS.sessionInvalid)
const create = channel(CHANNELS.sessionCreate)
const regenerate = channel(CHANNELS.sessionRegenerate)
const destroy = channel(CHANNELS.sessionDestroy)
const commit = channel(CHANNELS.sessionCommit)
const storeError = channel(CHANNELS.storeError)
const cacheEvict = channel(CHANNELS.cacheEvict)

/**
 * The channels as publishers: each `hasSubscribers` check is a property read, and a message is
 * built only behind it. Internal: apps subscribe with `node:diagnostics_channel`.
 * @example
 * if (publish.invalid.hasSubscribers) publish.invalid.publish({ code, cookie })
 */
export const publish = { invalid, create, regenerate, destroy, commit, storeError, cacheEvict }

/**
 * The kind of a store, as messages name it: its `kind` for the cookie store, else a name a store
 * gives itself (`name` property), else its class's name.
 * @example
 * storeName(memoryStore()) // 'memory'
 */
export function storeName(store: object): string {
  const named = (store as { name?: unknown }).name
  if (typeof named === 'string' && named !== '') return named
  if ((store as { kind?: unknown }).kind === 'cookie') return 'cookie'
  const ctor = (store as { constructor?: { name?: unknown } }).constructor?.name
  return typeof ctor === 'string' && ctor !== '' && ctor !== 'Object' ? ctor : 'custom'
}
