/**
 * src/cache.ts in the Web Crypto bundles (scripts/web-bundle.mjs swaps it in), for memoryStore:
 * the backends' Cache needs the native core or Node's fallback, so here a Map does its part —
 * least recently used first out past `maxSize` (or past `maxBytes` of UTF-16 text), entries
 * expiring after their ttl. One isolate's memory: a worker's isolates do not share it.
 */

import { createError } from '../../errors'
import { type Duration, toMilliseconds } from '../../lib/duration'

interface Entry<V> {
  value: V
  /** Expiry in ms since the epoch; 0: none. */
  expires: number
  bytes: number
}

/**
 * What memoryStore uses of keycard's Cache, on a Map.
 * @example
 * const cache = new Cache<string>({ maxSize: 100 })
 * cache.set('a', 'x', { ttl: 1000 }).get('a') // 'x'
 */
export class Cache<V = unknown> {
  readonly #map = new Map<string, Entry<V>>()
  readonly #maxSize: number
  readonly #maxBytes: number
  readonly #ttl: number
  readonly #now: () => number
  #bytes = 0

  constructor(options: { maxSize: number; maxBytes?: number; ttl?: Duration; name?: string; now?: () => number }) {
    if (options.name !== undefined) {
      throw createError('ERR_UNSUPPORTED_RUNTIME', 'a named (shared) Cache needs worker threads, which this runtime lacks')
    }
    if (!Number.isInteger(options.maxSize) || options.maxSize < 1) {
      throw createError('ERR_INVALID_ARGUMENT', 'maxSize must be a positive integer')
    }
    this.#maxSize = options.maxSize
    this.#maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY
    this.#ttl = options.ttl === undefined ? 0 : toMilliseconds(options.ttl, 'ttl')
    this.#now = options.now ?? Date.now
  }

  /** The live entry, or undefined (an expired one is dropped). */
  #live(key: string): Entry<V> | undefined {
    const entry = this.#map.get(key)
    if (entry !== undefined && entry.expires !== 0 && entry.expires <= this.#now()) {
      this.delete(key)
      return undefined
    }
    return entry
  }

  get(key: string): V | undefined {
    const entry = this.#live(key)
    if (entry === undefined) return undefined
    // Most recently used last: Map keeps insertion order.
    this.#map.delete(key)
    this.#map.set(key, entry)
    return entry.value
  }

  peek(key: string): V | undefined {
    return this.#live(key)?.value
  }

  has(key: string): boolean {
    return this.#live(key) !== undefined
  }

  set(key: string, value: V, options?: { ttl?: Duration }): this {
    const ttl = options?.ttl === undefined ? this.#ttl : toMilliseconds(options.ttl, 'ttl')
    const bytes = key.length + (typeof value === 'string' ? value.length : 0)
    this.delete(key)
    this.#map.set(key, { value, expires: ttl === 0 ? 0 : this.#now() + ttl, bytes })
    this.#bytes += bytes
    for (const oldest of this.#map.keys()) {
      if (this.#map.size <= this.#maxSize && this.#bytes <= this.#maxBytes) break
      this.delete(oldest)
    }
    return this
  }

  delete(key: string): boolean {
    const entry = this.#map.get(key)
    if (entry === undefined) return false
    this.#bytes -= entry.bytes
    return this.#map.delete(key)
  }

  get size(): number {
    return this.#map.size
  }
}
