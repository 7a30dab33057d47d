/**
 * The server-store transport: the session lives in a store (memory, Redis, an app's own) and the
 * cookie carries only its id, HMAC-signed. Every store call is bounded by `storeTimeout`
 * (store_call.ts).
 */

import { createError } from '../errors'
import { sign, unsign } from '../sign'
import type { SessionState } from './session'
import { storeCall } from './store_call'
import type { ServerStore, SessionMeta, StoredSession } from './stores/types'
import { type EarlySave, type SessionTransport, TransportBase, type TransportSettings } from './transport'

const ID = /^[A-Za-z0-9_-]{43}$/

/**
 * Sessions in a server-side store, named by a signed id cookie.
 * @example
 * const transport = new ServerTransport(settings, memoryStore(), 2000, signedSample(keyring, purpose).length, room)
 */
export class ServerTransport extends TransportBase implements SessionTransport, EarlySave {
  readonly partial: boolean
  /** One cookie: an id always fits (checked at start-up), so there are never chunks to clear. */
  readonly maxCookies = 1
  readonly early: EarlySave = this
  readonly #store: ServerStore
  readonly #timeout: number
  /** sign/unsign options, built once. */
  readonly #signing: { purpose: string }

  constructor(settings: TransportSettings, store: ServerStore, storeTimeout: number, signedIdLength: number, room: number) {
    super(settings)
    if (signedIdLength > room) {
      throw createError('ERR_BAD_CONFIG', 'the session cookie name, domain and path are too long for a 4096-byte cookie')
    }
    this.#store = store
    this.partial = store.partial === true
    this.#timeout = storeTimeout
    this.#signing = { purpose: settings.purpose }
  }

  /**
   * The stored session the signed id names, or null (a bad signature, an unknown id, a bad record).
   * @example
   * const stored = await transport.open(signedId, cookies, Date.now())
   */
  async open(value: string, _cookies: ReadonlyMap<string, string>, now: number): Promise<StoredSession | null> {
    const id = unsign(value, this.keyring, this.#signing)
    if (id === null || !ID.test(id)) return this.refuse('ERR_BAD_SIGNATURE')
    const store = this.#store
    const stored: unknown = await storeCall(() => store.get(id), this.#timeout)
    // An unknown id is never adopted (fixation): the manager starts a session with a new id.
    if (stored === undefined) return this.refuse('ERR_UNKNOWN_SESSION')
    return this.checked(stored, id, now, this.partial)
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
    return [this.cookie(stored.meta, now)]
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
   * The signed id cookie's Set-Cookie line, with the Max-Age the session has left.
   * @example
   * res.appendHeader('Set-Cookie', transport.cookie(stored.meta, Date.now()))
   */
  cookie(meta: SessionMeta, now: number): string {
    const signed = sign(meta.id, this.keyring, this.#signing)
    const maxAge = Math.max(0, Math.floor((meta.e - now) / 1000))
    return this.line(this.name, signed, maxAge, now)
  }

  /**
   * Deletes the ids regenerate() and destroy() retired from the store.
   * @example
   * await transport.retire(state.retired.splice(0))
   */
  async retire(ids: readonly string[]): Promise<void> {
    const store = this.#store
    for (const id of ids) await storeCall(() => store.destroy(id), this.#timeout)
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
      await storeCall(() => store.set(id, stored, ttl), this.#timeout)
    } else if (!changed && store.touch) {
      const touch = store.touch.bind(store)
      // false: the session is gone (a store that cannot tell returns nothing).
      return (await storeCall(() => touch(id, stored, ttl), this.#timeout)) !== false
    } else if (store.update) {
      const update = store.update.bind(store)
      return storeCall(() => update(id, stored, ttl), this.#timeout)
    } else {
      await storeCall(() => store.set(id, stored, ttl), this.#timeout)
    }
    return true
  }
}
