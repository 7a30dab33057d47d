/**
 * The session object a handler sees: data as properties (`session.views += 1`, express-session
 * style) and through get/set/delete/has/clear, plus id, isNew, expiresAt, regenerate, destroy,
 * touch, save, flash and csrfToken. It knows nothing about HTTP or stores: the manager loads it, and reads
 * its state back when the response is committed.
 *
 * Data lives in a null-prototype object, so keys such as `__proto__`, `constructor` or
 * `prototype` are plain data and can never reach a prototype.
 */

import { createError } from '../errors'
import type { Duration } from '../lib/duration'
import { apiOf, newSessionId, readData, setData } from './session_api'
import type { SessionMeta } from './stores/types'

export { newSessionId, setSessionHabits } from './session_api'

/**
 * The data of your sessions. Declare its shape once, as express-session users do, and every
 * adapter's session is typed by it (`req.session` in Express, `request.session` in Fastify,
 * `ctx.session` in Koa, `c.get('session')` in Hono, the fetch and node sessions):
 * @example
 * declare module 'keycard/sessions' {
 *   interface SessionData { views: number; user?: { id: string; name: string } }
 * }
 * req.session.views = (req.session.views ?? 0) + 1 // number; assigning a string is an error
 *
 * Keys you do not declare stay `unknown`. Values must be JSON-able.
 */
export interface SessionData {
  [key: string]: unknown
}

/** The data as the core handles it: any keys, values of any (JSON-able) type. */
export type DataRecord = Record<string, unknown>

/**
 * What an adapter tells its sessions about how the app uses them, so that habits from other
 * session libraries (express-session's callbacks, iron-session's `await session.save()`) either
 * work or fail with the call to make instead, never silently.
 * @example
 * setSessionHabits(manager, { callbacks: true, cookieStore: manager.options.store.kind === 'cookie' }) // Express, Koa
 * setSessionHabits(manager, { callbacks: false, cookieStore, commit: 'sessions.commit(session, res)' }) // keycard/node
 */
export interface SessionHabits {
  /** `regenerate(cb)`, `destroy(cb)` and `save(cb)` are honoured (Express, Koa); elsewhere they throw. */
  readonly callbacks: boolean
  /** Sessions are sealed into the cookie (the cookie store): `save()` can write nothing early. */
  readonly cookieStore: boolean
  /** The call that commits a session, where the app makes it (keycard/node, keycard/fetch); else committed with the response. */
  readonly commit?: string
}

export interface SessionApi<T extends object = SessionData> {
  /** The session id: 256-bit random, base64url. A new one after `regenerate()` or `destroy()`. */
  readonly id: string
  /** True until the session has been saved once. */
  readonly isNew: boolean
  /** When the session expires if unused (Date), as of its last save. */
  readonly expiresAt: Date
  get<K extends keyof T & string>(key: K): T[K] | undefined
  set<K extends keyof T & string>(key: K, value: T[K]): void
  delete(key: keyof T & string): boolean
  has(key: keyof T & string): boolean
  /** Removes every data key (the session itself stays). */
  clear(): void
  /**
   * A new id for this session (do it at login: fixation). Data is kept only with `{ keepData: true }`.
   * Synchronous; the Express and Koa sessions also take express-session's `regenerate(callback)`.
   */
  regenerate(options?: { keepData?: boolean }): void
  /**
   * Ends the session: its id is destroyed and the cookie cleared; later writes start a new one.
   * Synchronous; the Express and Koa sessions also take `destroy(callback)`.
   */
  destroy(): void
  /** Sends the session again with a fresh expiry, even if nothing changed. */
  touch(): void
  /**
   * This session's idle timeout, kept with the session ("remember me"): a number of ms or a string
   * such as '30d', at least 1 s; expiry, rolling, Max-Age and the store's TTL follow it, and the
   * `absoluteTtl` option still caps it. Marks the session to be saved. ERR_INVALID_ARGUMENT for
   * anything else.
   * @example
   * if (body.remember) req.session.setTtl('30d')
   */
  setTtl(duration: Duration): void
  /**
   * `false`: the cookie becomes a browser-session cookie (no Max-Age/Expires), on this response
   * and every later one; `true`: persistent again. Kept with the session; marks it to be saved.
   * @example
   * req.session.setPersistent(Boolean(body.remember))
   */
  setPersistent(persistent: boolean): void
  /**
   * Saves now: server stores write at once (the cookie is still set with the response); a cookie
   * session is saved with the response, and where the app commits by hand (keycard/node,
   * keycard/fetch) `save()` rejects with ERR_INVALID_ARGUMENT naming `sessions.commit(...)`.
   * The Express and Koa sessions also take `save(callback)`.
   */
  save(): Promise<void>
  /** `flash(key, value)` queues a message for a later request; `flash(key)` takes the queued ones. */
  flash<V = unknown>(key: string, value: V): void
  flash<V = unknown>(key: string): V[]
  /**
   * A CSRF token bound to this session's id (signed with the session secret), for a form's
   * `_csrf` field or an `x-csrf-token` header; the adapter's `csrf()` checks it. The same token
   * for the rest of the request. A brand-new session is saved even with no data, so the token
   * still verifies on the next request. `regenerate()` and `destroy()` give a new id, and the
   * tokens of the old id stop verifying: call `csrfToken()` again after them.
   * @example
   * res.send(`<form method="post"><input type="hidden" name="_csrf" value="${req.session.csrfToken()}">…`)
   */
  csrfToken(): string
  toJSON(): T
}

/** A session: your data's keys as properties, plus the session API. */
export type Session<T extends object = SessionData> = Partial<T> & SessionApi<T>

/**
 * express-session's callback forms, which the Express and Koa sessions honour: the work is done,
 * then `callback(err?)` is called, asynchronously. Every other adapter throws ERR_INVALID_ARGUMENT
 * for them, naming the call to make instead.
 * @example
 * req.session.regenerate((err) => {
 *   if (err) return next(err)
 *   req.session.user = user.id
 *   req.session.save((err) => (err ? next(err) : res.redirect('/')))
 * })
 */
export interface SessionCallbacks {
  regenerate(callback: (err?: unknown) => void): void
  destroy(callback: (err?: unknown) => void): void
  save(callback: (err?: unknown) => void): void
}

/**
 * What the manager tracks for one request's session: what the session object reads and changes,
 * and what the manager needs besides to commit it.
 */
export interface SessionState {
  data: DataRecord
  meta: SessionMeta
  isNew: boolean
  /** The data JSON as loaded, to tell whether the request changed it. */
  loadedJson: string
  flashChanged: boolean
  touched: boolean
  /** Ids to delete from the store at commit (regenerated or destroyed sessions). */
  retired: string[]
  /** destroy() was called: clear the cookie unless a new session is written. */
  destroyed: boolean
  save: () => Promise<void>
  /** The manager's clock (the `now` option): when regenerate() and destroy() start a session. */
  now: () => number
  /** The manager that loaded it: a session is committed by the manager it came from. */
  owner: object
  /** Cookies of this session the request carried (1 + chunks), to clear the stale ones. */
  cookieCount: number
  /** A session cookie was sent and refused: clear it unless a new session replaces it. */
  refused: boolean
  /** Saved by `save()` with a new id: its cookie still has to be sent. */
  cookiePending: boolean
  /** Regenerated or destroyed by another request meanwhile: nothing more is saved or sent. */
  lost: boolean
  /**
   * The handler may have changed the data: it wrote, deleted, or read a value that is an object
   * (which it may have mutated in place). Until then the data is exactly what was loaded, and
   * commit need not serialise it to know (a read-only request costs no JSON.stringify).
   */
  exposed: boolean
  /** Partial stores: the data per key as loaded (null for a new session). */
  loadedFields: ReadonlyMap<string, string> | null
  /**
   * The CSRF token `csrfToken()` handed out in this request and the id it is bound to. While that
   * id is the session's, commit saves even a new empty session: the browser must get the id the
   * token was made for, or the token fails on the next request.
   */
  csrf?: { readonly id: string; readonly token: string }
  /** setTtl/setPersistent was called: save the session even when nothing else changed (or it is new). */
  lifetimeSet: boolean
  /** The session came in the `header` option's header (not the cookie): the response answers there. */
  viaHeader: boolean
  /** After commit, in header mode: the value for the response's session header ('' to forget it). */
  headerOut: string | undefined
}

export function newMeta(now: number, ttl: number): SessionMeta {
  return { v: 1, id: newSessionId(), c: now, e: now + ttl }
}

/** A null-prototype copy of parsed JSON's top level: no key of it can act as a prototype. */
export function toData(parsed: unknown): DataRecord | null {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null
  // Assigning into a null-prototype object: with no __proto__ setter in its chain, a
  // "__proto__" key becomes an own data property like any other.
  return Object.assign(Object.create(null) as DataRecord, parsed)
}

const API = new Set([
  'id',
  'isNew',
  'expiresAt',
  'get',
  'set',
  'delete',
  'has',
  'clear',
  'regenerate',
  'destroy',
  'touch',
  'setTtl',
  'setPersistent',
  'save',
  'flash',
  'csrfToken',
  'toJSON',
  'then', // never a thenable: `await session` must not call user data
])

/** Where a session object keeps its state (read by the manager through `stateOf`). */
const STATE = Symbol('keycard.session.state')

/** The Proxy's target: the state, and the API functions once something asks for one. */
interface Target {
  [STATE]: SessionState
  api?: Record<string, unknown>
}

/**
 * One handler for every session (a request's session costs one small target and one Proxy).
 * The API's functions are made on first use: most requests only touch data.
 */
const HANDLER: ProxyHandler<Target> = {
  get(target, key) {
    const state = target[STATE]
    if (typeof key !== 'string') return key === STATE ? state : undefined
    if (API.has(key)) {
      if (key === 'id') return state.meta.id
      if (key === 'isNew') return state.isNew
      if (key === 'expiresAt') return new Date(state.meta.e)
      if (key === 'then') return undefined
      target.api ??= apiOf(state) as unknown as Record<string, unknown>
      return target.api[key]
    }
    return readData(state, key)
  },
  set(target, key, value) {
    if (typeof key !== 'string' || API.has(key)) {
      throw createError(
        'ERR_INVALID_ARGUMENT',
        `${String(key)} is part of the session API; use session.set(${JSON.stringify(String(key))}, value)`,
      )
    }
    setData(target[STATE], key, value)
    return true
  },
  deleteProperty(target, key) {
    if (typeof key === 'string') {
      const state = target[STATE]
      state.exposed = true
      delete state.data[key]
    }
    return true
  },
  has: (target, key) => typeof key === 'string' && (API.has(key) || Object.hasOwn(target[STATE].data, key)),
  ownKeys: (target) => Object.keys(target[STATE].data),
  getOwnPropertyDescriptor(target, key) {
    const state = target[STATE]
    if (typeof key !== 'string' || !Object.hasOwn(state.data, key)) return undefined
    return { value: readData(state, key), writable: true, enumerable: true, configurable: true }
  },
  // The session is not a class instance; reporting a null prototype keeps `in` checks honest.
  getPrototypeOf: () => null,
  setPrototypeOf: () => false,
}

/** The object handlers use: a Proxy whose properties are the data, except the API names. */
export function sessionObject<T extends object>(state: SessionState): Session<T> {
  const target: Target = { [STATE]: state }
  return new Proxy(target, HANDLER) as unknown as Session<T>
}

/** The state behind a session object, or undefined for anything else. */
export function stateOf(session: unknown): SessionState | undefined {
  if (typeof session !== 'object' || session === null) return undefined
  return (session as { [STATE]?: SessionState })[STATE]
}
