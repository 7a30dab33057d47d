/**
 * The server-store transport: the session lives in a store (memory, Redis, an app's own) and the
 * cookie carries only its id, HMAC-signed. Every store call is bounded by `storeTimeout`
 * (store_call.ts).
 */

import { storeName } from '../diagnostics'
import { createError } from '../errors'
import type { SessionState } from './session'
import { type StoreCallLabel, storeCall } from './store_call'
import type { ServerStore, SessionMeta, StoredSession } from './stores/types'
import { type EarlySave, type OpenedSession, type SessionTransport, TransportBase, type TransportSettings } from './transport'

const ID = /^[A-Za-z0-9_-]{43}$/
const ID_LENGTH = 43
/** `<id>.<tag>`: a 43-character id, a dot, a 43-character base64url HMAC-SHA256 tag. */
const SIGNED_LENGTH = ID_LENGTH + 1 + 43

/**
 * Sessions in a server-side store, named by a signed id cookie.
 * @example
 * const transport = new ServerTransport(settings, memoryStore(), 2000, settings.crypto.signedIdLength, room)
 */
export class ServerTransport extends TransportBase implements SessionTransport, EarlySave {
  readonly partial: boolean
  /** One cookie: an id always fits (checked at start-up), so there are never chunks to clear. */
  readonly maxCookies = 1
  readonly early: EarlySave = this
  readonly #store: ServerStore
  readonly #timeout: number
  /** Labels of this store's calls for `keycard:store:error`, by operation, built once. */
  readonly #labels: Record<'get' | 'set' | 'update' | 'touch' | 'destroy', StoreCallLabel>

  constructor(settings: TransportSettings, store: ServerStore, storeTimeout: number, signedIdLength: number, room: number) {
    super(settings)
    if (signedIdLength > room) {
      throw createError('ERR_BAD_CONFIG', 'the session cookie name, domain and path are too long for a 4096-byte cookie')
    }
    this.#store = store
    this.partial = store.partial === true
    this.#timeout = storeTimeout
    const name = storeName(store)
    const label = (operation: string): StoreCallLabel => ({ store: name, operation })
    this.#labels = {
      get: label('get'),
      set: label('set'),
      update: label('update'),
      touch: label('touch'),
      destroy: label('destroy'),
    }
  }

  /**
   * The stored session the signed id names, or null (a bad signature, an unknown id, a bad record).
   * @example
   * const stored = await transport.open(signedId, cookies, Date.now())
   */
  async open(value: string, _cookies: ReadonlyMap<string, string>, now: number): Promise<StoredSession | null> {
    const key = await this.#keyIndex(value)
    if (key < 0) return this.refuse('ERR_BAD_SIGNATURE')
    const id = value.slice(0, ID_LENGTH)
    const store = this.#store
    const stored: unknown = await storeCall(() => store.get(id), this.#timeout, this.#labels.get)
    // An unknown id is never adopted (fixation): the manager starts a session with a new id.
    if (stored === undefined) return this.refuse('ERR_UNKNOWN_SESSION')
    const opened: OpenedSession | null = this.checked(stored, id, now, this.partial)
    // Signed under an older key: the manager re-signs it under the current one (key rotation).
    if (opened !== null && key > 0) opened.stale = true
    return opened
  }

  /**
   * The index in the keyring of the key that signed `value` (0: the current key), or < 0 when it
   * is not a signed session id. What `unsign` (src/sign.ts) does, keeping the index it drops: the
   * same one HMAC check (constant-time: crypto.ts), after checks that are stricter here because
   * a session id has one shape: `<43 base64url>.<43-character tag>`.
   */
  #keyIndex(value: string): number | Promise<number> {
    if (value.length !== SIGNED_LENGTH || value.charCodeAt(ID_LENGTH) !== 0x2e || !ID.test(value.slice(0, ID_LENGTH))) return -1
    // A lone surrogate has no UTF-8 form (sign.ts refuses it too); the tag's own check is strict base64url.
    if (!value.isWellFormed()) return -1
    return this.crypto.verify(value)
  }

  /**
   * The id cookie after a write, or null when the session was gone meanwhile: the manager then
   * sends no Set-Cookie at all (see its `#lost`). Only the id cookie is ever set, so there are no
   * stale chunks to clear.
   * @example
   * const setCookies = await transport.write(stored, state, true, Date.now()) // null: the session is gone
   */
  async write(stored: StoredSession, state: SessionState, changed: boolean, now: number): Promise<string[] | null> {
    if (!(await this.#put(stored, state.isNew, changed, now))) return null
    return [await (state.viaHeader ? this.value(stored.meta) : this.cookie(stored.meta, now))]
  }

  /**
   * `save()` before the response: writes now (new: `set`; else `update`); false when the session
   * was destroyed meanwhile.
   * @example
   * if (!(await transport.save(stored, false, Date.now()))) endSession() // destroyed meanwhile
   */
  save(stored: StoredSession, isNew: boolean, now: number): Promise<boolean> {
    return this.#put(stored, isNew, true, now)
  }

  /**
   * The signed id cookie's Set-Cookie line, with the Max-Age the session has left (a promise
   * where signing is Web Crypto's).
   * @example
   * res.appendHeader('Set-Cookie', await transport.cookie(stored.meta, Date.now()))
   */
  cookie(meta: SessionMeta, now: number): string | Promise<string> {
    const value = this.value(meta)
    const maxAge = this.maxAge(meta, now)
    if (value instanceof Promise) return value.then((v) => this.line(this.name, v, maxAge, now))
    return this.line(this.name, value, maxAge, now)
  }

  /**
   * The signed id, as the cookie or the `header` option's header carries it.
   * @example
   * res.setHeader('x-session-token', await transport.value(stored.meta))
   */
  value(meta: SessionMeta): string | Promise<string> {
    return this.crypto.sign(meta.id)
  }

  /**
   * Deletes the ids regenerate() and destroy() retired from the store.
   * @example
   * await transport.retire(state.retired.splice(0))
   */
  async retire(ids: readonly string[]): Promise<void> {
    const store = this.#store
    for (const id of ids) await storeCall(() => store.destroy(id), this.#timeout, this.#labels.destroy)
  }

  /**
   * `set` when new, `touch` when unchanged (if the store has it), else `update` (if the store has
   * it) so that a session destroyed meanwhile is not written back. False when it was (by `update`
   * or `touch`): a store that cannot tell, or has neither, always writes.
   */
  async #put(stored: StoredSession, isNew: boolean, changed: boolean, now: number): Promise<boolean> {
    const store = this.#store
    const ttl = stored.meta.e - now
    const { id } = stored.meta
    if (isNew) {
      await storeCall(() => store.set(id, stored, ttl), this.#timeout, this.#labels.set)
    } else if (!changed && store.touch) {
      const touch = store.touch.bind(store)
      // false: the session is gone (a store that cannot tell returns nothing).
      return (await storeCall(() => touch(id, stored, ttl), this.#timeout, this.#labels.touch)) !== false
    } else if (store.update) {
      const update = store.update.bind(store)
      return storeCall(() => update(id, stored, ttl), this.#timeout, this.#labels.update)
    } else {
      await storeCall(() => store.set(id, stored, ttl), this.#timeout, this.#labels.set)
    }
    return true
  }
}
