/**
 * `memoryStore()`: sessions in this process, on keycard's `Cache` (LRU by count, TTL per
 * session). On the native backend the sessions live outside the JS heap, so a large number of
 * them costs the garbage collector nothing. Sessions are lost on restart and not shared between
 * processes; use keycard/redis for that.
 */

import { Cache } from '../../cache'
import { createError } from '../../errors'
import { decodeRecord, encodeRecord } from './record'
import type { ServerStore, SessionMeta, StoredSession } from './types'

/**
 * Options of `memoryStore()`: its bounds, and a name to share it between worker threads.
 * @example
 * memoryStore({ maxSessions: 50_000, maxBytes: 256 * 1024 * 1024, name: 'sessions' })
 */
export interface MemoryStoreOptions {
  /** Most sessions kept; the least recently used go first. Default 10000. */
  maxSessions?: number
  /** Most bytes of sessions kept (optional). */
  maxBytes?: number
  /** Open a named cache, shared by the worker threads of the process (native backend). */
  name?: string
}

class MemoryStore implements ServerStore {
  readonly kind = 'server'
  /** For health reports and diagnostics messages. */
  readonly name = 'memory'
  readonly #cache: Cache<string>
  /**
   * The per-user index (`listByUser`): user -> ids, and id -> user so that a write that changes
   * a session's user moves it and `destroy` can drop it. Null for a named cache: other threads
   * write to it without this thread's index knowing, so a list would be silently incomplete.
   */
  readonly #users: Map<string, Set<string>> | null
  readonly #userOf: Map<string, string> | null

  constructor(options: MemoryStoreOptions) {
    const maxSessions = options.maxSessions ?? 10_000
    if (!Number.isInteger(maxSessions) || maxSessions < 1) {
      throw createError('ERR_INVALID_ARGUMENT', 'maxSessions must be a positive integer')
    }
    this.#cache = new Cache<string>({ maxSize: maxSessions, maxBytes: options.maxBytes, name: options.name })
    const shared = options.name !== undefined
    this.#users = shared ? null : new Map()
    this.#userOf = shared ? null : new Map()
    // A shared cache cannot list: the capability is absent, so the core says so (ERR_BAD_CONFIG).
    if (shared) this.listByUser = undefined
  }

  async get(id: string): Promise<StoredSession | undefined> {
    const text = this.#cache.get(id)
    return text === undefined ? undefined : (decodeRecord(text) ?? undefined)
  }

  async set(id: string, session: StoredSession, ttlMs: number): Promise<void> {
    this.#cache.set(id, encodeRecord(session), { ttl: ttlMs })
    this.#index(id, session.meta.u)
  }

  async update(id: string, session: StoredSession, ttlMs: number): Promise<boolean> {
    // has + set run without a yield in between: no other request can destroy the id in between.
    if (!this.#cache.has(id)) return false
    this.#cache.set(id, encodeRecord(session), { ttl: ttlMs })
    this.#index(id, session.meta.u)
    return true
  }

  async destroy(id: string): Promise<void> {
    this.#cache.delete(id)
    this.#index(id, undefined)
  }

  /**
   * The metadata of `user`'s sessions, from the index: no scan of the cache. Entries whose
   * session expired or was evicted are dropped from the index as they are met.
   */
  async listByUser?(user: string): Promise<SessionMeta[]> {
    const ids = this.#users?.get(user)
    if (ids === undefined) return []
    const metas: SessionMeta[] = []
    for (const id of ids) {
      // peek: listing must not save a session from LRU eviction.
      const text = this.#cache.peek(id)
      const meta = text === undefined ? undefined : decodeRecord(text)?.meta
      if (meta?.u === user) metas.push(meta)
      else this.#index(id, undefined)
    }
    return metas
  }

  /** A store in this process: nothing to reach. */
  async ping(): Promise<void> {}

  /**
   * Moves `id` to `user`'s index (undefined: out of every index). Every write also sweeps two
   * entries from the front of the index (oldest first, live ones go to the back): entries of
   * sessions that expired or were evicted without a `destroy` are dropped within a few writes
   * per entry, so the index never outgrows the cache by much, whoever is listed.
   */
  #index(id: string, user: string | undefined): void {
    const users = this.#users
    const userOf = this.#userOf
    if (users === null || userOf === null) return
    const before = userOf.get(id)
    if (before !== user) {
      if (before !== undefined) this.#unindex(id, before)
      if (user !== undefined) {
        const ids = users.get(user)
        if (ids === undefined) users.set(user, new Set([id]))
        else ids.add(id)
      }
    }
    if (user !== undefined) {
      userOf.delete(id) // re-inserted: the sweep meets recently written ids last
      userOf.set(id, user)
    }
    for (let n = 0; n < 2 && userOf.size > 0; n++) {
      const [oldest, owner] = userOf.entries().next().value as [string, string]
      userOf.delete(oldest)
      if (this.#cache.has(oldest)) userOf.set(oldest, owner)
      else this.#unindex(oldest, owner, false)
    }
  }

  #unindex(id: string, user: string, both = true): void {
    if (both) this.#userOf?.delete(id)
    const ids = this.#users?.get(user)
    if (ids === undefined) return
    ids.delete(id)
    if (ids.size === 0) this.#users?.delete(user)
  }

  /** The number of sessions held (tests and metrics). */
  get size(): number {
    return this.#cache.size
  }
}

/**
 * Sessions in process memory, LRU-bounded, each with the session's idle timeout as its TTL. It
 * keeps a per-user index for `manager.listSessions` (not with `name`: a cache shared by worker
 * threads is written by threads whose index this one does not see, so it cannot list).
 *
 * @example
 * app.use(session({ store: memoryStore({ maxSessions: 50_000 }) }))
 */
export function memoryStore(options: MemoryStoreOptions = {}): ServerStore & { readonly size: number } {
  return new MemoryStore(options)
}
