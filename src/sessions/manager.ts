/**
 * `SessionManager`: the framework-neutral session core. `load(cookieHeader)` turns a request's
 * cookies into a session; `commit(session)` saves what changed and returns the `Set-Cookie`
 * values for the response. Adapters (express, node, fetch, ...) only move headers around.
 *
 * Whatever a cookie holds, `load` never throws for it: forged, altered, expired, truncated,
 * rotated-out or undecryptable cookies all give a fresh empty session (and are cleared), and the
 * reason goes to `onInvalid`. Only a failing store throws (`ERR_STORE_UNAVAILABLE`).
 */

import { createError, type KeycardError } from '../errors'
import { seal, unsealOrThrow } from '../seal'
import { sign, unsign } from '../sign'
import { cookieCount, isSessionCookie, joinChunks, splitChunks } from './chunks'
import { type CookieAttributes, MAX_COOKIE_BYTES, parseCookies, serializeCookie } from './cookies'
import { type ResolvedOptions, resolveOptions, type SessionOptions } from './options'
import { changesBetween, dataToFields, dataToJson, fieldsToJson } from './serialize'
import { newMeta, type Session, type SessionData, type SessionState, sessionObject, stateOf, toData } from './session'
import { storeCall } from './store_call'
import { decodeRecord, encodeRecord } from './stores/record'
import type { CookieStore, ServerStore, SessionChanges, StoredSession } from './stores/types'

/** What a request brought, beyond the session itself. */
interface RequestState extends SessionState {
  /** Cookies of this session the request carried (1 + chunks), to clear the stale ones. */
  cookieCount: number
  /** A session cookie was sent and refused: clear it unless a new session replaces it. */
  refused: boolean
  /** Saved by `save()` with a new id: its cookie still has to be sent. */
  cookiePending: boolean
  /** The manager that loaded it: a session is committed by the manager it came from. */
  owner: object
  /** Partial stores: the data per key as loaded (null for a new session). */
  loadedFields: ReadonlyMap<string, string> | null
}

const ID = /^[A-Za-z0-9_-]{43}$/

/** The data as the store will hold it, and what changed since load (partial stores only). */
interface Snapshot {
  json: string
  fields: Map<string, string> | null
  changes: SessionChanges | null
}

export class SessionManager<T extends SessionData = SessionData> {
  readonly options: ResolvedOptions
  readonly #purpose: string
  readonly #attributes: CookieAttributes
  /** Sealed bytes per cookie: the store's chunk size, less what this cookie name needs. */
  readonly #chunkSize: number
  /** Most cookies one session can use, and so most stale ones a response ever clears. */
  readonly #maxCookies: number

  constructor(options: SessionOptions = {}) {
    this.options = resolveOptions(options)
    const { cookie } = this.options
    // Keys are derived per cookie name: a value sealed or signed for one cookie is refused as another.
    this.#purpose = `keycard/session/${cookie.name}`
    this.#attributes = {
      domain: cookie.domain,
      path: cookie.path,
      secure: cookie.secure,
      httpOnly: cookie.httpOnly,
      sameSite: cookie.sameSite,
      partitioned: cookie.partitioned,
    }
    const { store } = this.options
    if (store.kind === 'cookie') {
      // Browsers keep 4096 bytes of name + value: room for `name.NN` and the `NN*` count prefix.
      this.#chunkSize = Math.min(store.chunkSize, MAX_COOKIE_BYTES - (cookie.name.length + 3) - 3)
      if (this.#chunkSize < 256) throw createError('ERR_BAD_CONFIG', 'the session cookie name is too long to carry a session')
      this.#maxCookies = Math.ceil(store.maxBytes / this.#chunkSize)
    } else {
      this.#chunkSize = 0
      this.#maxCookies = 1
    }
  }

  get cookieName(): string {
    return this.options.cookie.name
  }

  /** The session of a request, from its Cookie header(s). */
  async load(cookieHeader: string | string[] | undefined): Promise<Session<T>> {
    const name = this.options.cookie.name
    const cookies = parseCookies(cookieHeader, (n) => isSessionCookie(n, name))
    const now = Date.now()
    let stored: StoredSession | null = null
    let refused = false
    const value = cookies.get(name)
    if (value !== undefined) {
      stored = this.options.store.kind === 'cookie' ? this.#openCookie(value, cookies) : await this.#fetch(value)
      if (stored !== null) stored = await this.#check(stored, now)
      refused = stored === null
    }
    let data: SessionData | null = null
    if (stored !== null) {
      try {
        data = toData(JSON.parse(stored.dataJson))
      } catch {
        data = null
      }
      if (data === null) this.options.onInvalid('ERR_BAD_FORMAT')
    }
    const state: RequestState = {
      data: data ?? Object.create(null),
      meta: data && stored ? stored.meta : newMeta(now, this.options.ttl),
      isNew: data === null,
      loadedJson: data && stored ? stored.dataJson : '{}',
      flashChanged: false,
      touched: false,
      retired: [],
      destroyed: false,
      save: () => this.#save(state),
      cookieCount: Math.min(cookieCount(cookies, name), this.#maxCookies),
      refused: refused || (value !== undefined && data === null),
      cookiePending: false,
      loadedFields: data && stored ? (stored.fields ?? null) : null,
      owner: this,
    }
    return sessionObject<T>(state)
  }

  /**
   * Saves what the request changed and returns the `Set-Cookie` values to send (often none).
   * Throws `ERR_NOT_SERIALIZABLE` for data JSON cannot hold, `ERR_TOO_LARGE` for a cookie
   * session over the store's `maxBytes`, `ERR_STORE_UNAVAILABLE` when a store fails.
   */
  async commit(session: Session<T>): Promise<string[]> {
    const state = this.#stateOf(session)
    const { store } = this.options
    const now = Date.now()
    // Loaded just before its absolute deadline, committed after it: the session is over.
    if (!state.isNew && this.options.absoluteTtl > 0 && state.meta.c + this.options.absoluteTtl <= now) {
      this.#end(state)
    }
    const snapshot = this.#snapshot(state)
    const dataJson = snapshot.json
    const hasFlash = state.meta.f !== undefined && Object.keys(state.meta.f).length > 0
    if (store.kind === 'server') await this.#destroyRetired(store, state)
    if (state.isNew && dataJson === '{}' && !hasFlash && !this.options.saveUninitialized) {
      const clear = state.destroyed || state.refused
      state.destroyed = false
      state.refused = false
      return clear ? this.#clearCookies(0, state.cookieCount) : []
    }
    const changed = this.#changed(state, snapshot) || state.flashChanged
    const rolling = this.options.rolling
    const renew = rolling === true || (rolling === 'auto' && state.meta.e - now < this.options.ttl / 2)
    if (!state.isNew && !changed && !state.touched && !renew) {
      return state.cookiePending ? this.#finishPending(state) : []
    }
    const stored = await this.#stored(state, snapshot, now)
    const headers =
      store.kind === 'cookie' ? this.#sealCookies(store, stored, state, now) : await this.#write(store, stored, state, changed)
    if (headers === null) {
      // Destroyed by another request meanwhile (a logout): do not bring it back.
      this.#end(state)
      state.destroyed = false
      return this.#clearCookies(0, state.cookieCount)
    }
    this.#saved(state, stored, snapshot)
    state.flashChanged = false
    state.touched = false
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

  #stateOf(session: Session<T>): RequestState {
    const state = stateOf(session) as RequestState | undefined
    if (state?.owner !== this) throw createError('ERR_INVALID_ARGUMENT', 'not a session loaded by this manager')
    return state
  }

  /** The joined, unsealed cookie session, or null (reported to onInvalid). */
  #openCookie(value: string, cookies: Map<string, string>): StoredSession | null {
    const sealed = joinChunks(value, cookies, this.options.cookie.name)
    if (sealed === null) return this.#refuse('ERR_BAD_FORMAT')
    const store = this.options.store as CookieStore
    if (sealed.length > store.maxBytes) return this.#refuse('ERR_TOO_LARGE')

    try {
      const text = unsealOrThrow<unknown>(sealed, this.options.keyring, { purpose: this.#purpose, maxSize: store.maxBytes })
      return decodeRecord(text) ?? this.#refuse('ERR_BAD_FORMAT')
    } catch (err) {
      return this.#refuse((err as KeycardError).code ?? 'ERR_BAD_FORMAT')
    }
  }

  /** The server-stored session named by a signed id cookie, or null. */
  async #fetch(value: string): Promise<StoredSession | null> {
    const id = unsign(value, this.options.keyring, { purpose: this.#purpose })
    if (id === null || !ID.test(id)) return this.#refuse('ERR_BAD_SIGNATURE')
    const store = this.options.store as ServerStore
    const stored = await this.#call(() => store.get(id))
    // An unknown id is never adopted (fixation): the caller starts a session with a new id.
    if (stored === undefined) return this.#refuse('ERR_UNKNOWN_SESSION')
    if (stored.meta.id !== id) return this.#refuse('ERR_BAD_FORMAT')
    return stored
  }

  /** Expiry, absolute lifetime and revocation: the checks no store is trusted with. */
  async #check(stored: StoredSession, now: number): Promise<StoredSession | null> {
    const { meta } = stored
    if (meta.e <= now) return this.#refuse('ERR_EXPIRED')
    if (this.options.absoluteTtl > 0 && meta.c + this.options.absoluteTtl <= now) return this.#refuse('ERR_EXPIRED')
    const revocation = this.options.revocation
    if (meta.u !== undefined && revocation) {
      const current = await this.#call(() => revocation.generations.get(meta.u as string))
      if (meta.g !== current) return this.#refuse('ERR_REVOKED')
    }
    return stored
  }

  /** The session is over (expired while the request ran, or destroyed by another one): empty and new. */
  #end(state: RequestState): void {
    if (!state.isNew) state.retired.push(state.meta.id)
    state.data = Object.create(null)
    state.meta = newMeta(Date.now(), this.options.ttl)
    state.isNew = true
    state.loadedJson = '{}'
    state.destroyed = true
  }

  #refuse(code: string): null {
    this.options.onInvalid(code)
    return null
  }

  /** Store calls, bounded by the `storeTimeout` option. */
  #call<R>(call: () => R | Promise<R>): Promise<R> {
    return storeCall(call, this.options.storeTimeout)
  }

  /** The data serialised as the store keeps it: per key for partial stores, else one JSON text. */
  #snapshot(state: RequestState): Snapshot {
    const { store } = this.options
    if (store.kind === 'server' && store.partial) {
      const fields = dataToFields(state.data)
      return { json: fieldsToJson(fields), fields, changes: changesBetween(state.loadedFields, fields) }
    }
    return { json: dataToJson(state.data), fields: null, changes: null }
  }

  #changed(state: RequestState, snapshot: Snapshot): boolean {
    if (snapshot.changes) return snapshot.changes.set.length > 0 || snapshot.changes.deleted.length > 0
    return snapshot.json !== state.loadedJson
  }

  /** After a write: what was written is what the session was loaded as, for a later commit. */
  #saved(state: RequestState, stored: StoredSession, snapshot: Snapshot): void {
    state.meta = stored.meta
    state.isNew = false
    state.loadedJson = snapshot.json
    state.loadedFields = snapshot.fields
  }

  async #destroyRetired(store: ServerStore, state: RequestState): Promise<void> {
    for (const id of state.retired.splice(0)) await this.#call(() => store.destroy(id))
  }

  async #stored(state: RequestState, snapshot: Snapshot, now: number): Promise<StoredSession> {
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
        meta.g = await this.#call(() => revocation.generations.get(String(user)))
      }
    }
    if (meta.f !== undefined && Object.keys(meta.f).length === 0) delete meta.f
    const stored: StoredSession = { meta, dataJson: snapshot.json }
    if (snapshot.fields && snapshot.changes) {
      stored.fields = snapshot.fields
      // A new session (or one loaded whole) is written whole.
      stored.changes = state.isNew ? changesBetween(null, snapshot.fields) : snapshot.changes
    }
    return stored
  }

  #sealCookies(store: CookieStore, stored: StoredSession, state: RequestState, now: number): string[] {
    const ttl = stored.meta.e - now
    const sealed = seal(encodeRecord(stored), this.options.keyring, {
      purpose: this.#purpose,
      ttl,
      maxSize: store.maxBytes,
    })
    if (sealed.length > store.maxBytes) {
      throw createError(
        'ERR_TOO_LARGE',
        `session is ${sealed.length} bytes sealed, over the cookie store's maxBytes ${store.maxBytes}`,
      )
    }
    const name = this.options.cookie.name
    const maxAge = Math.floor(ttl / 1000)
    const values = splitChunks(sealed, this.#chunkSize)
    const headers = values.map((value, i) =>
      serializeCookie(i === 0 ? name : `${name}.${i}`, value, { ...this.#attributes, maxAge }),
    )
    return headers.concat(this.#clearCookies(values.length, state.cookieCount))
  }

  /**
   * Writes a server session: `set` when new, `touch` when unchanged (if the store has it), else
   * `update` (if the store has it) so that a session destroyed meanwhile is not written back.
   * False when it was: the caller then ends this request's session too.
   */
  async #put(store: ServerStore, stored: StoredSession, state: RequestState, changed: boolean): Promise<boolean> {
    const ttl = stored.meta.e - Date.now()
    const { id } = stored.meta
    if (state.isNew) {
      await this.#call(() => store.set(id, stored, ttl))
    } else if (!changed && store.touch) {
      const touch = store.touch.bind(store)
      await this.#call(() => touch(id, stored, ttl))
    } else if (store.update) {
      const update = store.update.bind(store)
      return this.#call(() => update(id, stored, ttl))
    } else {
      await this.#call(() => store.set(id, stored, ttl))
    }
    return true
  }

  /** A server-store write and the id cookie; null when the session was destroyed meanwhile. */
  async #write(store: ServerStore, stored: StoredSession, state: RequestState, changed: boolean): Promise<string[] | null> {
    if (!(await this.#put(store, stored, state, changed))) return null
    return [this.#idCookie(stored.meta), ...this.#clearCookies(1, state.cookieCount)]
  }

  #idCookie(meta: { id: string; e: number }): string {
    const signed = sign(meta.id, this.options.keyring, { purpose: this.#purpose })
    const maxAge = Math.max(0, Math.floor((meta.e - Date.now()) / 1000))
    return serializeCookie(this.options.cookie.name, signed, { ...this.#attributes, maxAge })
  }

  #finishPending(state: RequestState): string[] {
    state.cookiePending = false
    return [this.#idCookie(state.meta)]
  }

  /** `save()`: server stores write now; a cookie session only checks that it can be saved. */
  async #save(state: RequestState): Promise<void> {
    const { store } = this.options
    const snapshot = this.#snapshot(state)
    if (store.kind === 'cookie') return
    await this.#destroyRetired(store, state)
    const stored = await this.#stored(state, snapshot, Date.now())
    if (!(await this.#put(store, stored, state, true))) {
      // Destroyed by another request meanwhile: this one's writes start a new session.
      this.#end(state)
      return
    }
    if (state.isNew) state.cookiePending = true
    this.#saved(state, stored, snapshot)
    state.flashChanged = false
    state.touched = false
  }

  /** Set-Cookie values that delete cookies `from` .. `count - 1` of this session (0 = the main one). */
  #clearCookies(from: number, count: number): string[] {
    const name = this.options.cookie.name
    const headers: string[] = []
    for (let i = from; i < count; i++) {
      headers.push(serializeCookie(i === 0 ? name : `${name}.${i}`, '', { ...this.#attributes, maxAge: 0 }))
    }
    return headers
  }
}
