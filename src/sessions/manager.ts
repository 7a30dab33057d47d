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
import type { Keyring } from '../keys'
import { seal, unsealOrThrow } from '../seal'
import { sign, unsign } from '../sign'
import { cookieCount, isSessionCookie, joinChunks, MAX_CHUNKS, splitChunks } from './chunks'
import { type CookieAttributes, MAX_COOKIE_BYTES, parseCookies, serializeCookie } from './cookies'
import { type ResolvedOptions, resolveOptions, type SessionOptions } from './options'
import { changesBetween, dataToFields, dataToJson, fieldsToJson } from './serialize'
import { newMeta, type Session, type SessionData, type SessionState, sessionObject, stateOf, toData } from './session'
import { storeCall } from './store_call'
import { checkedRecord, decodeRecord, encodeRecord } from './stores/record'
import type { CookieStore, ServerStore, SessionChanges, StoredSession } from './stores/types'

/** What a request brought, beyond the session itself. */
interface RequestState extends SessionState {
  /** Cookies of this session the request carried (1 + chunks), to clear the stale ones. */
  cookieCount: number
  /** A session cookie was sent and refused: clear it unless a new session replaces it. */
  refused: boolean
  /** Saved by `save()` with a new id: its cookie still has to be sent. */
  cookiePending: boolean
  /** Regenerated or destroyed by another request meanwhile: nothing more is saved or sent. */
  lost: boolean
  /** The manager that loaded it: a session is committed by the manager it came from. */
  owner: object
  /** Partial stores: the data per key as loaded (null for a new session). */
  loadedFields: ReadonlyMap<string, string> | null
}

const ID = /^[A-Za-z0-9_-]{43}$/
/** A session id's length, to measure the signed id cookie at start-up. */
const ID_SAMPLE = 'A'.repeat(43)

/** The data as the store will hold it, and what changed since load (partial stores only). */
interface Snapshot {
  json: string
  fields: Map<string, string> | null
  changes: SessionChanges | null
}

/**
 * Bytes left for a value in the longest Set-Cookie line of this cookie. Browsers promise 4096
 * bytes per cookie *with* its attributes (RFC 6265 §6.1): a longer line may be dropped, and the
 * session with it. The attributes are measured as serialised, with the longest Max-Age this ttl
 * gives (Expires is fixed-width); the name takes `.NN` (chunk cookies) or the value `NN*` (the
 * first one), and '='.
 */
function valueRoom(name: string, attributes: CookieAttributes, ttl: number): number {
  const line = serializeCookie('x', '', { ...attributes, maxAge: Math.ceil(ttl / 1000) })
  return MAX_COOKIE_BYTES - (line.length - 'x='.length) - (name.length + 4)
}

/** A signed id as long as any: its length, and a purpose the keys cannot be derived for, are known at start-up. */
function signedSample(keyring: Keyring, purpose: string): string {
  try {
    return sign(ID_SAMPLE, keyring, { purpose })
  } catch (err) {
    throw createError('ERR_BAD_CONFIG', `cookie.name cannot name a session cookie: ${(err as Error).message}`, err)
  }
}

export class SessionManager<T extends SessionData = SessionData> {
  readonly options: ResolvedOptions
  readonly #purpose: string
  readonly #attributes: CookieAttributes
  /** Sealed bytes per cookie: the store's chunk size, or less, so that every Set-Cookie line fits. */
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
    // Keys for this purpose are derived now: a cookie name too long to be one fails at start-up.
    const signedId = signedSample(this.options.keyring, this.#purpose)
    const room = valueRoom(cookie.name, this.#attributes, this.options.ttl)
    if (store.kind === 'cookie') {
      this.#chunkSize = Math.min(store.chunkSize, room)
      if (this.#chunkSize < 256) {
        throw createError('ERR_BAD_CONFIG', 'the session cookie name, domain and path are too long to carry a session')
      }
      this.#maxCookies = Math.ceil(store.maxBytes / this.#chunkSize)
      if (this.#maxCookies > MAX_CHUNKS) {
        throw createError(
          'ERR_BAD_CONFIG',
          `the cookie store's maxBytes needs ${this.#maxCookies} cookies of ${this.#chunkSize} bytes here; at most ${MAX_CHUNKS * this.#chunkSize} bytes fit ${MAX_CHUNKS} cookies`,
        )
      }
    } else {
      this.#chunkSize = 0
      this.#maxCookies = 1
      if (signedId.length > room) {
        throw createError('ERR_BAD_CONFIG', 'the session cookie name, domain and path are too long for a 4096-byte cookie')
      }
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
      stored = this.options.store.kind === 'cookie' ? this.#openCookie(value, cookies, now) : await this.#fetch(value, now)
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
      lost: false,
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
    if (state.lost) return []
    const { store } = this.options
    const now = Date.now()
    // Loaded just before its absolute deadline, committed after it: the session is over. A new
    // session whose request outlived absoluteTtl starts now instead (its deadline would be past).
    if (this.options.absoluteTtl > 0 && state.meta.c + this.options.absoluteTtl <= now) {
      if (state.isNew) state.meta = { ...state.meta, c: now }
      else this.#end(state)
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
      this.#lost(state)
      return []
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
  #openCookie(value: string, cookies: Map<string, string>, now: number): StoredSession | null {
    const sealed = joinChunks(value, cookies, this.options.cookie.name)
    if (sealed === null) return this.#refuse('ERR_BAD_FORMAT')
    const store = this.options.store as CookieStore
    if (sealed.length > store.maxBytes) return this.#refuse('ERR_TOO_LARGE')

    try {
      const text = unsealOrThrow<unknown>(sealed, this.options.keyring, { purpose: this.#purpose, maxSize: store.maxBytes })
      return this.#checked(decodeRecord(text), undefined, now)
    } catch (err) {
      return this.#refuse((err as KeycardError).code ?? 'ERR_BAD_FORMAT')
    }
  }

  /** The server-stored session named by a signed id cookie, or null. */
  async #fetch(value: string, now: number): Promise<StoredSession | null> {
    const id = unsign(value, this.options.keyring, { purpose: this.#purpose })
    if (id === null || !ID.test(id)) return this.#refuse('ERR_BAD_SIGNATURE')
    const store = this.options.store as ServerStore
    const stored: unknown = await this.#call(() => store.get(id))
    // An unknown id is never adopted (fixation): the caller starts a session with a new id.
    if (stored === undefined) return this.#refuse('ERR_UNKNOWN_SESSION')
    return this.#checked(stored, id, now)
  }

  /**
   * The one place a record from any store is accepted: its shape, its id, and times the expiry
   * and lifetime checks can work with (see checkedRecord). A bad one is ERR_BAD_FORMAT: the
   * request gets a fresh session, never an error and never a session nothing can end.
   */
  #checked(record: unknown, id: string | undefined, now: number): StoredSession | null {
    const { store } = this.options
    const partial = store.kind === 'server' && store.partial === true
    return checkedRecord(record, { id, now, partial }) ?? this.#refuse('ERR_BAD_FORMAT')
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

  /**
   * The session was regenerated or destroyed by another request while this one ran (a login, a
   * logout). It is not written back, and for the rest of this request nothing is saved and no
   * Set-Cookie is sent, not even one that clears: the browser may already hold the newer cookie
   * of that other request, and any line for this cookie name would replace it (a request that
   * began before /login would log the user out).
   */
  #lost(state: RequestState): void {
    this.#end(state)
    state.retired = []
    state.destroyed = false
    state.refused = false
    state.lost = true
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
   * False when it was (by `update` or `touch`): the caller then ends this request's session too.
   */
  async #put(store: ServerStore, stored: StoredSession, state: RequestState, changed: boolean): Promise<boolean> {
    const ttl = stored.meta.e - Date.now()
    const { id } = stored.meta
    if (state.isNew) {
      await this.#call(() => store.set(id, stored, ttl))
    } else if (!changed && store.touch) {
      const touch = store.touch.bind(store)
      // false: the session is gone (a store that cannot tell returns nothing).
      return (await this.#call(() => touch(id, stored, ttl))) !== false
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
    if (state.lost) return
    const snapshot = this.#snapshot(state)
    if (store.kind === 'cookie') return
    await this.#destroyRetired(store, state)
    const stored = await this.#stored(state, snapshot, Date.now())
    if (!(await this.#put(store, stored, state, true))) {
      // Regenerated or destroyed by another request meanwhile: see #lost.
      this.#lost(state)
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
