/**
 * `SessionManager`: the framework-neutral session core. `load(cookieHeader)` turns a request's
 * cookies into a session; `commit(session)` saves what changed and returns the `Set-Cookie`
 * values for the response. Adapters (express, node, fetch, ...) only move headers around.
 *
 * Whatever a cookie holds, `load` never throws for it: forged, altered, expired, truncated,
 * rotated-out or undecryptable cookies all give a fresh empty session (and are cleared), and the
 * reason goes to `onInvalid`. Only a failing store throws (`ERR_STORE_UNAVAILABLE`).
 */

import { createError, KeycardError } from '../errors'
import { seal, unsealOrThrow } from '../seal'
import { sign, unsign } from '../sign'
import { type CookieAttributes, MAX_COOKIE_BYTES, parseCookies, serializeCookie } from './cookies'
import { type ResolvedOptions, resolveOptions, type SessionOptions } from './options'
import { newMeta, type Session, type SessionData, type SessionState, sessionObject, toData } from './session'
import { decodeRecord, encodeRecord } from './stores/record'
import type { CookieStore, ServerStore, StoredSession } from './stores/types'

/** What a request brought, beyond the session itself. */
interface RequestState extends SessionState {
  /** Cookies of this session the request carried (1 + chunks), to clear the stale ones. */
  cookieCount: number
  /** A session cookie was sent and refused: clear it unless a new session replaces it. */
  refused: boolean
  /** Saved by `save()` with a new id: its cookie still has to be sent. */
  cookiePending: boolean
}

const CHUNK_SUFFIX = /^\.([1-9]\d?)$/
const ID = /^[A-Za-z0-9_-]{43}$/

/** 1 + the highest chunk index among the session's cookies the request sent (0: none). */
function cookieCount(cookies: Map<string, string>, name: string): number {
  let count = 0
  for (const cookie of cookies.keys()) {
    count = Math.max(count, cookie === name ? 1 : Number(cookie.slice(name.length + 1)) + 1)
  }
  return count
}

/** JSON.stringify, except that values JSON would silently drop or mangle are an error. */
function strictReplacer(this: unknown, key: string, value: unknown): unknown {
  const type = typeof value
  if (type === 'function' || type === 'symbol' || (type === 'number' && !Number.isFinite(value as number))) {
    throw new TypeError(`${key === '' ? 'the session' : JSON.stringify(key)} holds a ${type === 'number' ? String(value) : type}`)
  }
  return value
}

function serialize(data: SessionData): string {
  try {
    return JSON.stringify(data, strictReplacer)
  } catch (err) {
    throw createError('ERR_NOT_SERIALIZABLE', `session data cannot be saved: ${(err as Error).message}`, err)
  }
}

/** Store failures become one typed error the adapters turn into a 503. */
async function storeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (err) {
    if (err instanceof KeycardError) throw err
    throw createError('ERR_STORE_UNAVAILABLE', `session store failed: ${(err as Error)?.message ?? err}`, err)
  }
}

export class SessionManager<T extends SessionData = SessionData> {
  readonly options: ResolvedOptions
  readonly #states = new WeakMap<object, RequestState>()
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
    const cookies = parseCookies(
      cookieHeader,
      (n) => n === name || (n.startsWith(name) && CHUNK_SUFFIX.test(n.slice(name.length))),
    )
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
    }
    const session = sessionObject<T>(state)
    this.#states.set(session, state)
    return session
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
    const dataJson = serialize(state.data)
    const hasFlash = state.meta.f !== undefined && Object.keys(state.meta.f).length > 0
    if (store.kind === 'server') {
      const retired = state.retired.splice(0)
      for (const id of retired) await storeCall(() => store.destroy(id))
    }
    if (state.isNew && dataJson === '{}' && !hasFlash && !this.options.saveUninitialized) {
      const clear = state.destroyed || state.refused
      state.destroyed = false
      state.refused = false
      return clear ? this.#clearCookies(0, state.cookieCount) : []
    }
    const changed = dataJson !== state.loadedJson || state.flashChanged
    const rolling = this.options.rolling
    const renew = rolling === true || (rolling === 'auto' && state.meta.e - now < this.options.ttl / 2)
    if (!state.isNew && !changed && !state.touched && !renew) {
      return state.cookiePending ? this.#finishPending(state) : []
    }
    const stored = await this.#stored(state, dataJson, now)
    const headers =
      store.kind === 'cookie' ? this.#sealCookies(store, stored, state, now) : await this.#write(store, stored, state, changed)
    state.meta = stored.meta
    state.isNew = false
    state.loadedJson = dataJson
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
    return storeCall(async () => revocation.generations.bump(String(user)))
  }

  #stateOf(session: Session<T>): RequestState {
    const state = this.#states.get(session)
    if (!state) throw createError('ERR_INVALID_ARGUMENT', 'not a session loaded by this manager')
    return state
  }

  /** The joined, unsealed cookie session, or null (reported to onInvalid). */
  #openCookie(value: string, cookies: Map<string, string>): StoredSession | null {
    let sealed = value
    const star = value.indexOf('*')
    if (star > 0) {
      const count = Number(value.slice(0, star))
      if (!Number.isInteger(count) || count < 2 || count > 64) return this.#refuse('ERR_BAD_FORMAT')
      const parts = [value.slice(star + 1)]
      for (let i = 1; i < count; i++) {
        const part = cookies.get(`${this.options.cookie.name}.${i}`)
        if (part === undefined) return this.#refuse('ERR_BAD_FORMAT')
        parts.push(part)
      }
      sealed = parts.join('')
    }
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
    const stored = await storeCall(() => store.get(id))
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
      const current = await storeCall(async () => revocation.generations.get(meta.u as string))
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

  async #stored(state: RequestState, dataJson: string, now: number): Promise<StoredSession> {
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
        meta.g = await storeCall(async () => revocation.generations.get(String(user)))
      }
    }
    if (meta.f !== undefined && Object.keys(meta.f).length === 0) delete meta.f
    return { meta, dataJson }
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
    const size = this.#chunkSize
    const count = Math.ceil(sealed.length / size)
    const headers: string[] = []
    for (let i = 0; i < count; i++) {
      const part = sealed.slice(i * size, (i + 1) * size)
      const value = i === 0 && count > 1 ? `${count}*${part}` : part
      headers.push(serializeCookie(i === 0 ? name : `${name}.${i}`, value, { ...this.#attributes, maxAge }))
    }
    return headers.concat(this.#clearCookies(count, state.cookieCount))
  }

  async #write(store: ServerStore, stored: StoredSession, state: RequestState, changed: boolean): Promise<string[]> {
    const ttl = stored.meta.e - Date.now()
    const { id } = stored.meta
    if (state.isNew) {
      await storeCall(() => store.set(id, stored, ttl))
    } else if (!changed && store.touch) {
      const touch = store.touch.bind(store)
      await storeCall(() => touch(id, stored, ttl))
    } else if (store.update) {
      // Only if it still exists: a request that loaded the session before a concurrent logout
      // must not write the logged-out session back.
      const update = store.update.bind(store)
      if (!(await storeCall(() => update(id, stored, ttl)))) {
        this.#end(state)
        return this.#clearCookies(0, state.cookieCount)
      }
    } else {
      await storeCall(() => store.set(id, stored, ttl))
    }
    const signed = sign(stored.meta.id, this.options.keyring, { purpose: this.#purpose })
    const cookie = serializeCookie(this.options.cookie.name, signed, { ...this.#attributes, maxAge: Math.floor(ttl / 1000) })
    return [cookie, ...this.#clearCookies(1, state.cookieCount)]
  }

  #finishPending(state: RequestState): string[] {
    state.cookiePending = false
    const ttl = state.meta.e - Date.now()
    const signed = sign(state.meta.id, this.options.keyring, { purpose: this.#purpose })
    return [serializeCookie(this.options.cookie.name, signed, { ...this.#attributes, maxAge: Math.floor(ttl / 1000) })]
  }

  /** `save()`: server stores write now; a cookie session only checks that it can be saved. */
  async #save(state: RequestState): Promise<void> {
    const { store } = this.options
    const dataJson = serialize(state.data)
    if (store.kind === 'cookie') return
    const retired = state.retired.splice(0)
    for (const id of retired) await storeCall(() => store.destroy(id))
    const stored = await this.#stored(state, dataJson, Date.now())
    const ttl = stored.meta.e - Date.now()
    if (!state.isNew && store.update) {
      const update = store.update.bind(store)
      if (!(await storeCall(() => update(stored.meta.id, stored, ttl)))) {
        // Destroyed by another request meanwhile: this one's writes start a new session.
        this.#end(state)
        return
      }
    } else {
      await storeCall(() => store.set(stored.meta.id, stored, ttl))
    }
    if (state.isNew) state.cookiePending = true
    state.meta = stored.meta
    state.isNew = false
    state.loadedJson = dataJson
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
