/**
 * `fromExpressSessionStore(store)`: any express-session store (connect-redis, connect-pg-simple,
 * connect-mongo, express-session's MemoryStore...) as a keycard server store.
 *
 * Each session is written as an object shaped like an express-session session, so the store
 * computes its expiry as it does for express-session (most read `cookie.expires`):
 *
 *   { cookie: { originalMaxAge, expires, path: '/', httpOnly: true }, keycard: { meta, data } }
 *
 * `keycard.meta` is the core's metadata and `keycard.data` the session data as JSON text. A value
 * that is not shaped like this (an express-session session of another app sharing the store, junk)
 * reads as no session, so the request gets a new one.
 *
 * The store's `touch` is not used: it only resets the store's TTL, while keycard checks the
 * expiry kept in the session itself, so an unchanged session is rewritten with `set` when it is
 * renewed (rolling, `touch()`). Nor can the callback API write only if the session still exists
 * (`update`): with these stores, a request that loaded a session before a concurrent logout can
 * write it back when it commits (see "Concurrent requests" in docs/SESSIONS.md).
 */

import { createError } from '../../errors'
import { decodeRecord } from './record'
import type { ServerStore, StoredSession } from './types'

type Callback<T = unknown> = (err?: unknown, value?: T) => void

/**
 * What keycard needs of an express-session store: its callback API (`touch` is not used). `set`
 * is given an `ExpressSessionRecord`; its parameter says `object` so that stores typed for
 * express-session's `SessionData` fit.
 * @example
 * const store: ExpressSessionStore = new (require('express-session').MemoryStore)()
 */
export interface ExpressSessionStore {
  /** Calls back with the session of `sid`, or nothing. */
  get(sid: string, callback: Callback): unknown
  /** Writes the session of `sid` (an `ExpressSessionRecord`). */
  set(sid: string, session: object, callback: Callback): unknown
  /** Deletes the session of `sid`. */
  destroy(sid: string, callback: Callback): unknown
}

/**
 * A keycard session as an express-session store holds it.
 * @example
 * const record: ExpressSessionRecord = {
 *   cookie: { originalMaxAge: 86_400_000, expires: '2030-01-01T00:00:00.000Z', path: '/', httpOnly: true },
 *   keycard: { meta: { v: 1, id, c: created, e: expires }, data: '{"views":1}' },
 * }
 */
export interface ExpressSessionRecord {
  /** What the store reads the expiry from, as for an express-session session. */
  cookie: { originalMaxAge: number; expires: string; path: string; httpOnly: boolean }
  /** The core's metadata, and the session data as JSON text. */
  keycard: { meta: StoredSession['meta']; data: string }
}

/**
 * Calls a callback-style store method: an error passed to the callback, a throw or a rejected
 * promise (stores written with async methods) all reject; a second callback is ignored.
 */
function call<T>(invoke: (callback: Callback<T>) => unknown): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    let settled = false
    const callback: Callback<T> = (err, value) => {
      if (settled) return
      settled = true
      if (err) reject(err)
      else resolve(value)
    }
    try {
      const result = invoke(callback)
      if (result instanceof Promise) result.catch(callback)
    } catch (err) {
      callback(err ?? new Error('the session store threw'))
    }
  })
}

function toStored(value: unknown): StoredSession | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const ours = (value as { keycard?: unknown }).keycard
  if (typeof ours !== 'object' || ours === null) return undefined
  const { meta, data } = ours as { meta?: unknown; data?: unknown }
  if (typeof meta !== 'object' || meta === null || typeof data !== 'string') return undefined
  // Through the record decoder, so the metadata is checked as strictly as every store's.
  return decodeRecord(`${JSON.stringify(meta)}\n${data}`) ?? undefined
}

class ExpressSessionStoreAdapter implements ServerStore {
  readonly kind = 'server'
  readonly #store: ExpressSessionStore

  constructor(store: ExpressSessionStore) {
    this.#store = store
  }

  async get(id: string): Promise<StoredSession | undefined> {
    return toStored(await call((cb) => this.#store.get(id, cb)))
  }

  async set(id: string, session: StoredSession, ttlMs: number): Promise<void> {
    const record: ExpressSessionRecord = {
      cookie: {
        originalMaxAge: ttlMs,
        expires: new Date(session.meta.e).toISOString(),
        path: '/',
        httpOnly: true,
      },
      // A copy: a store that keeps the object as it is cannot see later changes of the core's.
      keycard: { meta: structuredClone(session.meta), data: session.dataJson },
    }
    await call((cb) => this.#store.set(id, record, cb))
  }

  async destroy(id: string): Promise<void> {
    await call((cb) => this.#store.destroy(id, cb))
  }
}

/**
 * Wraps an express-session store (callback API: `get`, `set`, `destroy`) as a keycard store.
 *
 * @example
 * import { RedisStore } from 'connect-redis'
 * import { fromExpressSessionStore } from 'keycard/sessions'
 * app.use(session({ store: fromExpressSessionStore(new RedisStore({ client: redisClient })) }))
 */
export function fromExpressSessionStore(store: ExpressSessionStore): ServerStore {
  for (const method of ['get', 'set', 'destroy'] as const) {
    if (typeof store?.[method] !== 'function') {
      throw createError('ERR_INVALID_ARGUMENT', `fromExpressSessionStore: the store has no ${method}() method`)
    }
  }
  return new ExpressSessionStoreAdapter(store)
}
