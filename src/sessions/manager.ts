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

import { createError } from '../errors'
import { cookieCount, isSessionCookie } from './chunks'
import { parseCookies } from './cookies'
import { SessionMigration } from './migrate'
import { type ResolvedOptions, resolveOptions, type SessionOptions } from './options'
import { changesBetween, dataToFields, dataToJson, fieldsToJson } from './serialize'
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
import { storeCall } from './store_call'
import type { SessionChanges, SessionStore, StoredSession } from './stores/types'
import { type SessionTransport, signedSample, type TransportSettings } from './transport'
import { CookieTransport, valueRoom } from './transport_cookie'
import { ServerTransport } from './transport_server'

/** The data as the store will hold it, and what changed since load (partial stores only). */
interface Snapshot {
  json: string
  fields: Map<string, string> | null
  changes: SessionChanges | null
}

/** The transport for `store`: the one place the store's kind is asked. */
function transportFor(store: SessionStore, settings: TransportSettings, options: ResolvedOptions, now: number): SessionTransport {
  // Keys for this purpose are derived now: a cookie name too long to be one fails at start-up.
  const signedId = signedSample(settings.keyring, settings.purpose)
  const room = valueRoom(settings.name, settings.attributes, options.ttl, now)
  if (store.kind === 'cookie') return new CookieTransport(settings, store, room)
  return new ServerTransport(settings, store, options.storeTimeout, signedId.length, room)
}

export class SessionManager<T extends object = SessionData> {
  readonly options: ResolvedOptions
  readonly #transport: SessionTransport
  /** The clock: every expiry, rolling and lifetime decision reads it (options.ts checks its values). */
  readonly #now: () => number
  /** The `migrateFrom` option's zero-logout migration (migrate.ts); null, and no work, without it. */
  readonly #migration: SessionMigration | null

  constructor(options: SessionOptions = {}) {
    this.options = resolveOptions(options)
    this.#now = this.options.now
    this.#migration = this.options.migrateFrom === null ? null : new SessionMigration(this.options)
    const { cookie } = this.options
    const settings: TransportSettings = {
      name: cookie.name,
      keyring: this.options.keyring,
      purpose: `keycard/session/${cookie.name}`,
      attributes: {
        domain: cookie.domain,
        path: cookie.path,
        secure: cookie.secure,
        httpOnly: cookie.httpOnly,
        sameSite: cookie.sameSite,
        partitioned: cookie.partitioned,
      },
      onInvalid: this.options.onInvalid,
    }
    this.#transport = transportFor(this.options.store, settings, this.options, this.#now())
  }

  get cookieName(): string {
    return this.options.cookie.name
  }

  /** The session of a request, from its Cookie header(s). */
  async load(cookieHeader: string | string[] | undefined): Promise<Session<T>> {
    return this.loadMaybeSync(cookieHeader)
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
  loadMaybeSync(cookieHeader: string | string[] | undefined): Session<T> | Promise<Session<T>> {
    const name = this.options.cookie.name
    const cookies = parseCookies(cookieHeader, (n) => isSessionCookie(n, name))
    const now = this.#now()
    const value = cookies.get(name)
    if (value === undefined) return this.#begin(cookieHeader, cookies, null, false, now)
    const opened = this.#transport.open(value, cookies, now)
    if (opened instanceof Promise) return opened.then((stored) => this.#checked(cookieHeader, cookies, stored, now))
    return this.#checked(cookieHeader, cookies, opened, now)
  }

  /** The opened record through the expiry, lifetime and revocation checks, then the session. */
  #checked(
    cookieHeader: string | string[] | undefined,
    cookies: ReadonlyMap<string, string>,
    opened: StoredSession | null,
    now: number,
  ): Session<T> | Promise<Session<T>> {
    const checked = opened === null ? null : this.#check(opened, now)
    if (checked instanceof Promise) {
      return checked.then((stored) => this.#begin(cookieHeader, cookies, stored, stored === null, now))
    }
    return this.#begin(cookieHeader, cookies, checked, checked === null, now)
  }

  /** The request's session from its checked record (null: a fresh one; `refused`: a cookie was refused). */
  #begin(
    cookieHeader: string | string[] | undefined,
    cookies: ReadonlyMap<string, string>,
    stored: StoredSession | null,
    refused: boolean,
    now: number,
  ): Session<T> | Promise<Session<T>> {
    const sent = cookies.has(this.options.cookie.name)
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
      touched: false,
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
    }
    // Migration hook (migrate.ts): a request with no keycard cookie at all may carry an old
    // express-session session, which becomes this new session's data. Never when a keycard cookie
    // was sent, even a refused one: an expired or revoked session must not come back that way.
    if (this.#migration !== null && cookies.size === 0) {
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
    const snapshot = this.#snapshot(state)
    if (state.retired.length > 0) return this.#retire(state).then(() => this.#commitRetired(state, snapshot, now))
    return this.#commitRetired(state, snapshot, now)
  }

  /** `#commit` once the ids this request retired are deleted. */
  #commitRetired(state: SessionState, snapshot: Snapshot, now: number): string[] | Promise<string[]> {
    const hasFlash = state.meta.f !== undefined && Object.keys(state.meta.f).length > 0
    if (state.isNew && snapshot.json === '{}' && !hasFlash && !this.options.saveUninitialized) {
      const clear = state.destroyed || state.refused
      state.destroyed = false
      state.refused = false
      return clear ? this.#transport.clear(0, state.cookieCount, now) : []
    }
    const changed = this.#changed(state, snapshot) || state.flashChanged
    const rolling = this.options.rolling
    const renew = rolling === true || (rolling === 'auto' && state.meta.e - now < this.options.ttl / 2)
    if (!state.isNew && !changed && !state.touched && !renew) return this.#pendingCookie(state, now)
    const stored = this.#stored(state, snapshot, now)
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
    this.#saved(state, stored, snapshot)
    state.destroyed = false
    state.refused = false
    state.cookiePending = false
    return headers
  }

  /**
   * Refuses every session of `user` saved before now (needs the `revocation` option).
   * @example await sessions.revokeUser(String(user.id)) // after a password change
   */
  async revokeUser(user: string | number): Promise<number> {
    const revocation = this.options.revocation
    if (!revocation) throw createError('ERR_BAD_CONFIG', 'revokeUser needs the revocation option')
    return this.#call(() => revocation.generations.bump(String(user)))
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
    return this.#call(() => revocation.generations.get(user)).then((current) =>
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
  #call<R>(call: () => R | Promise<R>): Promise<R> {
    return storeCall(call, this.options.storeTimeout)
  }

  /** Deletes what regenerate() and destroy() retired (server stores; a cookie has nothing to delete). */
  async #retire(state: SessionState): Promise<void> {
    if (state.retired.length > 0) await this.#transport.retire(state.retired.splice(0))
  }

  /** The data serialised as the store keeps it: per key for partial stores, else one JSON text. */
  #snapshot(state: SessionState): Snapshot {
    // Untouched data is exactly what was loaded (and was valid JSON then): no serialisation.
    if (!state.exposed && !this.#transport.partial) return { json: state.loadedJson, fields: null, changes: null }
    if (this.#transport.partial) {
      const fields = dataToFields(state.data)
      return { json: fieldsToJson(fields), fields, changes: changesBetween(state.loadedFields, fields) }
    }
    return { json: dataToJson(state.data), fields: null, changes: null }
  }

  #changed(state: SessionState, snapshot: Snapshot): boolean {
    if (snapshot.changes) return snapshot.changes.set.length > 0 || snapshot.changes.deleted.length > 0
    return snapshot.json !== state.loadedJson
  }

  /** After a write: what was written is what the session was loaded as, for a later commit. */
  #saved(state: SessionState, stored: StoredSession, snapshot: Snapshot): void {
    state.meta = stored.meta
    state.isNew = false
    state.loadedJson = snapshot.json
    state.loadedFields = snapshot.fields
    state.flashChanged = false
    state.touched = false
  }

  /**
   * The record to write: a fresh idle expiry (never past the absolute deadline) and the user's
   * generation (the one step that may wait: a lookup when the session's user changed).
   */
  #stored(state: SessionState, snapshot: Snapshot, now: number): StoredSession | Promise<StoredSession> {
    const { ttl, absoluteTtl, revocation } = this.options
    let e = now + ttl
    if (absoluteTtl > 0) e = Math.min(e, state.meta.c + absoluteTtl)
    const meta = { ...state.meta, e }
    if (revocation) {
      const user = revocation.userOf(state.data)
      if (user === undefined) {
        delete meta.u
        delete meta.g
      } else if (meta.u !== String(user) || meta.g === undefined) {
        meta.u = String(user)
        return this.#call(() => revocation.generations.get(String(user))).then((g) => {
          meta.g = g
          return this.#record(state, snapshot, meta)
        })
      }
    }
    return this.#record(state, snapshot, meta)
  }

  #record(state: SessionState, snapshot: Snapshot, meta: StoredSession['meta']): StoredSession {
    if (meta.f !== undefined && Object.keys(meta.f).length === 0) delete meta.f
    const stored: StoredSession = { meta, dataJson: snapshot.json }
    if (snapshot.fields && snapshot.changes) {
      stored.fields = snapshot.fields
      // A new session (or one loaded whole) is written whole.
      stored.changes = state.isNew ? changesBetween(null, snapshot.fields) : snapshot.changes
    }
    return stored
  }

  /** Nothing to write: only the cookie of a session `save()` already wrote, if it is still unsent. */
  #pendingCookie(state: SessionState, now: number): string[] {
    const early = this.#transport.early
    if (!state.cookiePending || early === null) return []
    state.cookiePending = false
    return [early.cookie(state.meta, now)]
  }

  /** `save()`: stores written server-side write now; a cookie session only checks that it can be saved. */
  async #save(state: SessionState): Promise<void> {
    if (state.lost) return
    const snapshot = this.#snapshot(state)
    const early = this.#transport.early
    if (early === null) return
    await this.#retire(state)
    const now = this.#now()
    const stored = await this.#stored(state, snapshot, now)
    if (!(await early.save(stored, state.isNew, now))) {
      // Regenerated or destroyed by another request meanwhile: see #lost.
      this.#lost(state, now)
      return
    }
    if (state.isNew) state.cookiePending = true
    this.#saved(state, stored, snapshot)
  }
}
