/**
 * `SessionManager`: the framework-neutral session core. `load(cookieHeader)` turns a request's
 * cookies into a session; `commit(session)` saves what changed and returns the `Set-Cookie`
 * values for the response. Adapters (express, node, fetch, ...) only move headers around.
 *
 * The manager decides what a session is over time: idle expiry, rolling, the absolute lifetime,
 * revocation, all from one clock (the `now` option). Where a session lives is its transport's
 * business (transport.ts): sealed in the cookie, or in a server store behind a signed id. The
 * transport is chosen once, from the store, when the manager is built.
 *
 * Whatever a cookie holds, `load` never throws for it: forged, altered, expired, truncated,
 * rotated-out or undecryptable cookies all give a fresh empty session (and are cleared), and the
 * reason goes to `onInvalid`. Only a failing store throws (`ERR_STORE_UNAVAILABLE`).
 */

import { publish, type SessionEventMessage, storeName } from '../diagnostics'
import { createError } from '../errors'
import { cookieCount, isSessionCookie } from './chunks'
import { parseCookies } from './cookies'
import { sessionCrypto } from './crypto'
import { SessionMigration } from './migrate'
import { LATEST_EXPIRY_MS, type ResolvedOptions, resolveOptions, type SessionOptions } from './options'
import { changedSince, recordToWrite, type Snapshot, snapshotOf, ttlOf } from './record_write'
import {
  type DataRecord,
  newMeta,
  type Session,
  type SessionData,
  type SessionState,
  sessionObject,
  stateOf,
  toData,
} from './session'
import { setSessionOwner } from './session_api'
import { storeCall } from './store_call'
import type { SessionStore, StoredSession } from './stores/types'
import type { OpenedSession, SessionTransport, TransportSettings } from './transport'
import { CookieTransport, valueRoom } from './transport_cookie'
import { ServerTransport } from './transport_server'
import {
  destroyUserSessions,
  listUserSessions,
  type SessionHealth,
  storeHealth,
  type UserSession,
  type UserSessionsContext,
} from './users'

/** No chunk cookies: what a header-carried session is opened with. */
const NO_COOKIES: ReadonlyMap<string, string> = new Map()

/** The transport for `store`: the one place the store's kind is asked. */
function transportFor(store: SessionStore, settings: TransportSettings, options: ResolvedOptions, now: number): SessionTransport {
  // Measured with the longest Max-Age any session can get (`session.setTtl` up to 2106), not the
  // `ttl` option's: a "remember me" session's Set-Cookie lines must fit 4096 bytes too.
  const room = valueRoom(settings.name, settings.attributes, Math.max(options.ttl, LATEST_EXPIRY_MS - now), now)
  if (store.kind === 'cookie') return new CookieTransport(settings, store, room)
  return new ServerTransport(settings, store, options.storeTimeout, settings.crypto.signedIdLength, room)
}

export class SessionManager<T extends object = SessionData> {
  readonly options: ResolvedOptions
  readonly #transport: SessionTransport
  /** The clock: every expiry, rolling and lifetime decision reads it (options.ts checks its values). */
  readonly #now: () => number
  /** The `migrateFrom` option's zero-logout migration (migrate.ts); null, and no work, without it. */
  readonly #migration: SessionMigration | null
  /** The `header` option (lowercased), or null: then nothing on the request path looks at headers. */
  readonly #header: string | null
  /** A user's revocation generation, bounded by storeTimeout (record_write.ts asks it at commit). */
  /** What listSessions and destroySessions need from the manager (users.ts). */
  readonly #users: UserSessionsContext = {
    options: () => this.options,
    call: (call, operation) => this.#call(call, operation),
    now: () => this.#now(),
  }
  readonly #generationOf = (user: string): Promise<number> => {
    const { revocation } = this.options
    if (!revocation) return Promise.reject(createError('ERR_BAD_CONFIG', 'no revocation option'))
    return this.#call(() => revocation.generations.get(user), 'generations.get')
  }

  constructor(options: SessionOptions = {}) {
    this.options = resolveOptions(options)
    this.#now = this.options.now
    this.#migration = this.options.migrateFrom === null ? null : new SessionMigration(this.options)
    const { cookie } = this.options
    const purpose = `keycard/session/${cookie.name}`
    const settings: TransportSettings = {
      name: cookie.name,
      // Node: the backend, synchronous; the Web Crypto bundles swap in crypto_web.ts (promises).
      // Keys for this purpose are derived now: a cookie name that cannot be one fails at start-up.
      crypto: sessionCrypto(this.options.keyring, purpose),
      purpose,
      attributes: {
        domain: cookie.domain,
        path: cookie.path,
        secure: cookie.secure,
        httpOnly: cookie.httpOnly,
        sameSite: cookie.sameSite,
        partitioned: cookie.partitioned,
      },
      onInvalid: this.options.onInvalid,
      persistent: cookie.persistent,
    }
    this.#header = this.options.header
    this.#transport = transportFor(this.options.store, settings, this.options, this.#now())
    this.events = Object.freeze({ store: storeName(this.options.store), cookie: cookie.name })
    setSessionOwner(this, { keyring: this.options.keyring, events: this.events })
  }

  /**
   * This manager in diagnostics messages (`keycard:session:*`, docs/OBSERVABILITY.md): its store's
   * kind and its cookie's name. Frozen, and the same object in every message.
   */
  readonly events: SessionEventMessage

  get cookieName(): string {
    return this.options.cookie.name
  }

  /**
   * The `header` option, lowercased: the request and response header that may carry the session
   * instead of the cookie; null without it. Adapters read that request header only when this is set.
   * @example
   * const value = manager.headerName === null ? undefined : req.headers[manager.headerName]
   */
  get headerName(): string | null {
    return this.#header
  }

  /**
   * The session of a request, from its Cookie header(s), or, with the `header` option and no
   * session cookie, from `headerValue` (that request header's value; '' or absent: none yet).
   * @example
   * const s = await manager.load(req.headers.cookie, req.headers['x-session-token'])
   */
  async load(cookieHeader: string | string[] | undefined, headerValue?: string | string[]): Promise<Session<T>> {
    return this.loadMaybeSync(cookieHeader, headerValue)
  }

  /**
   * After `commit`, what the response sends in the `header` option's header: the session's new
   * value, '' when it ended (destroyed, or refused: the client should forget its value), or
   * undefined when nothing is to be sent (the session came in the cookie, or did not change).
   * @example
   * const cookies = await manager.commit(s)
   * const value = manager.responseHeader(s)
   * if (value !== undefined) res.setHeader(manager.headerName, value)
   */
  responseHeader(session: Session<T>): string | undefined {
    return this.#stateOf(session).headerOut
  }

  /**
   * `load` without a promise when nothing has to be awaited: the cookie store without revocation
   * generations or `migrateFrom`. Adapters use it so a request that needs no I/O costs no extra
   * microtask turns (measured ~1-2 µs a request in fastify and express); it may throw instead of
   * rejecting. Apps call `load`.
   * @example
   * const loaded = manager.loadMaybeSync(req.headers.cookie)
   * const session = loaded instanceof Promise ? await loaded : loaded
   */
  loadMaybeSync(cookieHeader: string | string[] | undefined, headerValue?: string | string[]): Session<T> | Promise<Session<T>> {
    const name = this.options.cookie.name
    const cookies = parseCookies(cookieHeader, (n) => isSessionCookie(n, name))
    const now = this.#now()
    const value = cookies.get(name)
    if (value === undefined) {
      // The header is looked at only without the session cookie, and only with the option.
      if (headerValue !== undefined && this.#header !== null) return this.#loadHeader(cookieHeader, headerValue, now)
      return this.#begin(cookieHeader, cookies, null, false, now)
    }
    const opened = this.#transport.open(value, cookies, now)
    if (opened instanceof Promise) return opened.then((stored) => this.#checked(cookieHeader, cookies, stored, now))
    return this.#checked(cookieHeader, cookies, opened, now)
  }

  /**
   * A session carried in the `header` option's header: one value, never chunked (no chunk cookies
   * are consulted, so a `N*` value is refused as malformed). An empty value is a client asking
   * for header mode before it has a session.
   */
  #loadHeader(
    cookieHeader: string | string[] | undefined,
    headerValue: string | string[],
    now: number,
  ): Session<T> | Promise<Session<T>> {
    // Node joins a repeated custom header with ', '; an array (or a joined value) is never one session.
    const value = typeof headerValue === 'string' ? headerValue : headerValue.length === 1 ? String(headerValue[0]) : ','
    if (value === '') return this.#begin(cookieHeader, NO_COOKIES, null, false, now, true)
    const opened = this.#transport.open(value, NO_COOKIES, now)
    if (opened instanceof Promise) return opened.then((stored) => this.#checked(cookieHeader, NO_COOKIES, stored, now, true))
    return this.#checked(cookieHeader, NO_COOKIES, opened, now, true)
  }

  /** The opened record through the expiry, lifetime and revocation checks, then the session. */
  #checked(
    cookieHeader: string | string[] | undefined,
    cookies: ReadonlyMap<string, string>,
    opened: StoredSession | null,
    now: number,
    viaHeader = false,
  ): Session<T> | Promise<Session<T>> {
    const checked = opened === null ? null : this.#check(opened, now)
    if (checked instanceof Promise) {
      return checked.then((stored) => this.#begin(cookieHeader, cookies, stored, stored === null, now, viaHeader))
    }
    return this.#begin(cookieHeader, cookies, checked, checked === null, now, viaHeader)
  }

  /** The request's session from its checked record (null: a fresh one; `refused`: a cookie was refused). */
  #begin(
    cookieHeader: string | string[] | undefined,
    cookies: ReadonlyMap<string, string>,
    stored: StoredSession | null,
    refused: boolean,
    now: number,
    viaHeader = false,
  ): Session<T> | Promise<Session<T>> {
    const sent = viaHeader ? stored !== null || refused : cookies.has(this.options.cookie.name)
    let data: DataRecord | null = null
    if (stored !== null) {
      try {
        data = toData(JSON.parse(stored.dataJson))
      } catch {
        data = null
      }
      if (data === null) this.#refuse('ERR_BAD_FORMAT')
    }
    const state: SessionState = {
      data: data ?? Object.create(null),
      meta: data && stored ? stored.meta : newMeta(now, this.options.ttl),
      isNew: data === null,
      loadedJson: data && stored ? stored.dataJson : '{}',
      flashChanged: false,
      // Key rotation: a session opened under an older key is written again (re-sealed, or its id
      // re-signed) under the current one, even unchanged, so the old key can be retired after one
      // idle timeout instead of lasting as long as the sessions that still carry it.
      touched: data !== null && (stored as OpenedSession | null)?.stale === true,
      retired: [],
      destroyed: false,
      save: () => this.#save(state),
      now: this.#now,
      owner: this,
      cookieCount: Math.min(cookieCount(cookies, this.options.cookie.name), this.#transport.maxCookies),
      refused: refused || (sent && data === null),
      cookiePending: false,
      lost: false,
      exposed: false,
      loadedFields: data && stored ? (stored.fields ?? null) : null,
      lifetimeSet: false,
      viaHeader,
      headerOut: undefined,
    }
    // Migration hook (migrate.ts): a request with no keycard cookie at all may carry an old
    // express-session session, which becomes this new session's data. Never when a keycard cookie
    // was sent, even a refused one: an expired or revoked session must not come back that way;
    // nor in header mode, whose client chose its session by the header.
    if (this.#migration !== null && cookies.size === 0 && !viaHeader) {
      return this.#migration.load(cookieHeader, state, now).then(() => sessionObject<T>(state))
    }
    return sessionObject<T>(state)
  }

  /**
   * Saves what the request changed and returns the `Set-Cookie` values to send (often none).
   * Throws `ERR_NOT_SERIALIZABLE` for data JSON cannot hold, `ERR_TOO_LARGE` for a cookie
   * session over the store's `maxBytes`, `ERR_STORE_UNAVAILABLE` when a store fails.
   */
  async commit(session: Session<T>): Promise<string[]> {
    return this.commitMaybeSync(session)
  }

  /**
   * `commit` without a promise when nothing has to be awaited (a cookie session, or nothing to
   * write); it may throw instead of rejecting. Adapters use it; apps call `commit`.
   * @example
   * const committed = manager.commitMaybeSync(session)
   * const cookies = committed instanceof Promise ? await committed : committed
   */
  commitMaybeSync(session: Session<T>): string[] | Promise<string[]> {
    const state = this.#stateOf(session)
    if (this.#migration === null) return this.#commit(state)
    // Migration hook (migrate.ts): the response of a request that migrated an old express-session
    // session also clears the old cookie, whatever it sends for the keycard one (a logout in that
    // same request included). Not reached when the commit throws: the old cookie then stays.
    const migration = this.#migration
    return Promise.resolve(this.#commit(state)).then((headers) => migration.commit(state, headers))
  }

  /**
   * `commit` itself: what the request changed, saved; the Set-Cookie lines for it. Synchronous up
   * to the first step that has to wait (retiring ids, a generation lookup, a store write).
   */
  #commit(state: SessionState): string[] | Promise<string[]> {
    if (state.lost) return []
    const now = this.#now()
    const { absoluteTtl } = this.options
    // Loaded just before its absolute deadline, committed after it: the session is over. A new
    // session whose request outlived absoluteTtl starts now instead (its deadline would be past).
    if (absoluteTtl > 0 && state.meta.c + absoluteTtl <= now) {
      if (state.isNew) state.meta = { ...state.meta, c: now }
      else this.#end(state, now)
    }
    const snapshot = snapshotOf(state, this.#transport.partial)
    if (state.retired.length > 0) return this.#retire(state).then(() => this.#commitRetired(state, snapshot, now))
    return this.#commitRetired(state, snapshot, now)
  }

  /** `#commit` once the ids this request retired are deleted. */
  #commitRetired(state: SessionState, snapshot: Snapshot, now: number): string[] | Promise<string[]> {
    const hasFlash = state.meta.f !== undefined && Object.keys(state.meta.f).length > 0
    // A CSRF token handed out for this id (session.csrfToken()) keeps even an empty new session.
    const pinned = state.csrf !== undefined && state.csrf.id === state.meta.id
    const keep = hasFlash || state.lifetimeSet || pinned || this.options.saveUninitialized
    if (state.isNew && snapshot.json === '{}' && !keep) {
      const clear = state.destroyed || state.refused
      state.destroyed = false
      state.refused = false
      if (!clear) return []
      // Header mode: an empty value tells the client to forget the one it holds.
      if (state.viaHeader) {
        state.headerOut = ''
        return []
      }
      return this.#transport.clear(0, state.cookieCount, now)
    }
    const changed = changedSince(state, snapshot) || state.flashChanged
    const rolling = this.options.rolling
    // 'auto' renews at half of *this* session's idle timeout (setTtl's, else the option's).
    const renew = rolling === true || (rolling === 'auto' && state.meta.e - now < ttlOf(state.meta, this.options.ttl) / 2)
    if (!state.isNew && !changed && !state.touched && !state.lifetimeSet && !renew) return this.#pendingCookie(state, now)
    const stored = recordToWrite(state, snapshot, now, this.options, this.#generationOf)
    if (stored instanceof Promise) return stored.then((s) => this.#write(state, s, snapshot, changed, now))
    return this.#write(state, stored, snapshot, changed, now)
  }

  /** The transport's write, then the state as saved (or lost, when the session was gone meanwhile). */
  #write(
    state: SessionState,
    stored: StoredSession,
    snapshot: Snapshot,
    changed: boolean,
    now: number,
  ): string[] | Promise<string[]> {
    const written = this.#transport.write(stored, state, changed, now)
    if (written instanceof Promise) return written.then((headers) => this.#written(state, stored, snapshot, headers, now))
    return this.#written(state, stored, snapshot, written, now)
  }

  #written(state: SessionState, stored: StoredSession, snapshot: Snapshot, headers: string[] | null, now: number): string[] {
    if (headers === null) {
      this.#lost(state, now)
      return []
    }
    if (publish.create.hasSubscribers || publish.commit.hasSubscribers) this.#published(state.isNew, stored, headers)
    this.#saved(state, stored, snapshot)
    state.destroyed = false
    state.refused = false
    state.cookiePending = false
    // Header mode: the transport gave the one value, for the response header instead of Set-Cookie.
    if (state.viaHeader) {
      state.headerOut = headers[0]
      return []
    }
    return headers
  }

  /**
   * Refuses every session of `user` saved before now (needs the `revocation` option).
   * @example await sessions.revokeUser(String(user.id)) // after a password change
   */
  async revokeUser(user: string | number): Promise<number> {
    const revocation = this.options.revocation
    if (!revocation) throw createError('ERR_BAD_CONFIG', 'revokeUser needs the revocation option')
    return this.#call(() => revocation.generations.bump(String(user)), 'generations.bump')
  }

  #stateOf(session: Session<T>): SessionState {
    const state = stateOf(session)
    if (state?.owner !== this) throw createError('ERR_INVALID_ARGUMENT', 'not a session loaded by this manager')
    return state
  }

  /** Expiry, absolute lifetime and revocation: the checks no store is trusted with. Waits only for a generation lookup. */
  #check(stored: StoredSession, now: number): StoredSession | null | Promise<StoredSession | null> {
    const { meta } = stored
    // Expired *at* `e`: a session is live until the millisecond before it.
    if (meta.e <= now) return this.#refuse('ERR_EXPIRED')
    if (this.options.absoluteTtl > 0 && meta.c + this.options.absoluteTtl <= now) return this.#refuse('ERR_EXPIRED')
    const revocation = this.options.revocation
    const user = meta.u
    if (user === undefined || !revocation) return stored
    return this.#call(() => revocation.generations.get(user), 'generations.get').then((current) =>
      meta.g !== current ? this.#refuse('ERR_REVOKED') : stored,
    )
  }

  /** The session is over (expired while the request ran, or destroyed by another one): empty and new. */
  #end(state: SessionState, now: number): void {
    if (!state.isNew) state.retired.push(state.meta.id)
    state.data = Object.create(null)
    state.meta = newMeta(now, this.options.ttl)
    state.isNew = true
    state.loadedJson = '{}'
    state.destroyed = true
  }

  /**
   * The session was regenerated or destroyed by another request while this one ran (a login, a
   * logout). It is not written back, and for the rest of this request nothing is saved and no
   * Set-Cookie is sent, not even one that clears: the browser may already hold the newer cookie
   * of that other request, and any line for this cookie name would replace it (a request that
   * began before /login would log the user out).
   */
  #lost(state: SessionState, now: number): void {
    this.#end(state, now)
    state.retired = []
    state.destroyed = false
    state.refused = false
    state.lost = true
    this.#transport.skipped('another request regenerated or destroyed this session meanwhile; its newer cookie must stand')
  }

  #refuse(code: string): null {
    this.#transport.refuse(code)
    return null
  }

  /** Store calls, bounded by the `storeTimeout` option. */
  #call<R>(call: () => R | Promise<R>, operation: string): Promise<R> {
    return storeCall(call, this.options.storeTimeout, { store: this.events.store, operation })
  }

  /** Deletes what regenerate() and destroy() retired (server stores; a cookie has nothing to delete). */
  async #retire(state: SessionState): Promise<void> {
    if (state.retired.length > 0) await this.#transport.retire(state.retired.splice(0))
  }

  /** After a write: what was written is what the session was loaded as, for a later commit. */
  #saved(state: SessionState, stored: StoredSession, snapshot: Snapshot): void {
    state.meta = stored.meta
    state.isNew = false
    state.loadedJson = snapshot.json
    state.loadedFields = snapshot.fields
    state.flashChanged = false
    state.touched = false
    state.lifetimeSet = false
  }

  /**
   * Nothing to write: only the cookie of a session `save()` already wrote, if it is still unsent
   * (signing it is a promise on Web Crypto).
   */
  #pendingCookie(state: SessionState, now: number): string[] | Promise<string[]> {
    const early = this.#transport.early
    if (!state.cookiePending || early === null) return []
    state.cookiePending = false
    if (state.viaHeader) {
      const value = early.value(state.meta)
      if (value instanceof Promise) {
        return value.then((v) => {
          state.headerOut = v
          return []
        })
      }
      state.headerOut = value
      return []
    }
    const line = early.cookie(state.meta, now)
    return line instanceof Promise ? line.then((l) => [l]) : [line]
  }

  /** `save()`: stores written server-side write now; a cookie session only checks that it can be saved. */
  async #save(state: SessionState): Promise<void> {
    if (state.lost) return
    const snapshot = snapshotOf(state, this.#transport.partial)
    const early = this.#transport.early
    if (early === null) return
    await this.#retire(state)
    const now = this.#now()
    const stored = await recordToWrite(state, snapshot, now, this.options, this.#generationOf)
    if (!(await early.save(stored, state.isNew, now))) {
      // Regenerated or destroyed by another request meanwhile: see #lost.
      this.#lost(state, now)
      return
    }
    if (state.isNew) state.cookiePending = true
    if (publish.create.hasSubscribers || publish.commit.hasSubscribers) this.#published(state.isNew, stored, [])
    this.#saved(state, stored, snapshot)
  }

  /** `keycard:session:create` and `:commit` (diagnostics.ts), for subscribers only. */
  #published(created: boolean, stored: StoredSession, headers: readonly string[]): void {
    if (created && publish.create.hasSubscribers) publish.create.publish(this.events)
    if (!publish.commit.hasSubscribers) return
    let cookieBytes = 0
    for (const line of headers) cookieBytes += line.length
    const bytes = new TextEncoder().encode(stored.dataJson).length
    publish.commit.publish({ ...this.events, bytes, cookieBytes })
  }

  /**
   * The live sessions of `user` (newest first): needs the `userOf` option and a server store that
   * lists (memoryStore, redisStore); ERR_BAD_CONFIG otherwise (cookie sessions: see revokeUser).
   * Sessions saved before `userOf` was set appear once they are saved again.
   * @example
   * app.get('/account/sessions', async (req, res) => {
   *   const sessions = await sessionMiddleware.manager.listSessions(req.session.userId)
   *   res.json(sessions.map((s) => ({ ...s, current: s.id === req.session.id })))
   * })
   */
  listSessions(user: string | number): Promise<UserSession[]> {
    return listUserSessions(this.#users, user)
  }

  /**
   * Ends every session of `user` but `except` (a session id: "log out my other devices") and
   * resolves with how many live ones it ended. Same needs as `listSessions`. A request of an
   * ended session that is running now does not write it back.
   * @example
   * await sessionMiddleware.manager.destroySessions(req.session.userId, { except: req.session.id })
   */
  destroySessions(user: string | number, options: { except?: string } = {}): Promise<number> {
    return destroyUserSessions(this.#users, user, options)
  }

  /**
   * For readiness probes: whether the store answers (`store.ping()`, bounded by `storeTimeout`),
   * how long it took, and the store's name. Never throws: a failing store is `ok: false` with
   * its error code.
   * @example
   * app.get('/ready', async (_req, res) => {
   *   const h = await sessionMiddleware.manager.health()
   *   res.status(h.ok ? 200 : 503).json(h)
   * })
   */
  health(): Promise<SessionHealth> {
    return storeHealth(this.options.store, (call) => this.#call(call, 'ping'))
  }
}
