/**
 * `memoryStore()`: sessions in this process, on keycard's `Cache` (LRU by count, TTL per
 * session). On the native backend the sessions live outside the JS heap, so a large number of
 * them costs the garbage collector nothing. Sessions are lost on restart and not shared between
 * processes; use keycard/redis for that.
 */

import { Cache } from '../../cache'
import { createError } from '../../errors'
import { decodeRecord, encodeRecord } from './record'
import type { ServerStore, StoredSession } from './types'

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
  readonly #cache: Cache<string>

  constructor(options: MemoryStoreOptions) {
    const maxSessions = options.maxSessions ?? 10_000
    if (!Number.isInteger(maxSessions) || maxSessions < 1) {
      throw createError('ERR_INVALID_ARGUMENT', 'maxSessions must be a positive integer')
    }
    this.#cache = new Cache<string>({ maxSize: maxSessions, maxBytes: options.maxBytes, name: options.name })
  }

  async get(id: string): Promise<StoredSession | undefined> {
    const text = this.#cache.get(id)
    return text === undefined ? undefined : (decodeRecord(text) ?? undefined)
  }

  async set(id: string, session: StoredSession, ttlMs: number): Promise<void> {
    this.#cache.set(id, encodeRecord(session), { ttl: ttlMs })
  }

  async update(id: string, session: StoredSession, ttlMs: number): Promise<boolean> {
    // has + set run without a yield in between: no other request can destroy the id in between.
    if (!this.#cache.has(id)) return false
    this.#cache.set(id, encodeRecord(session), { ttl: ttlMs })
    return true
  }

  async destroy(id: string): Promise<void> {
    this.#cache.delete(id)
  }

  /** The number of sessions held (tests and metrics). */
  get size(): number {
    return this.#cache.size
  }
}

/**
 * Sessions in process memory, LRU-bounded, each with the session's idle timeout as its TTL.
 *
 * @example
 * app.use(session({ store: memoryStore({ maxSessions: 50_000 }) }))
 */
export function memoryStore(options: MemoryStoreOptions = {}): ServerStore & { readonly size: number } {
  return new MemoryStore(options)
}
