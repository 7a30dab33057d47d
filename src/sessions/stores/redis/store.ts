/**
 * The Redis session store over `RedisCommands` (client.ts), in the hash layout of scripts.ts.
 *
 * Concurrent requests of one session (`partial: true`): the core passes each write the keys the
 * request set or deleted, and UPDATE writes only those, so two requests that change different
 * keys both persist. Two requests that change the same key: the one whose write reaches Redis
 * last wins, for that key. The metadata (expiry, flash messages, revocation generation) is one
 * field, written whole by every write, so it too is last-writer-wins: a flash message queued by
 * one request can be dropped by a concurrent request that commits after it.
 */

import { fieldsToJson } from '../../serialize'
import { decodeRecord } from '../record'
import type { ServerStore, StoredSession } from '../types'
import type { RedisCommands } from './client'
import { fieldOf, keyOf, META_FIELD, SET, TOUCH, UPDATE } from './scripts'

/**
 * Transforms each stored value (the metadata and every data field), e.g. to encrypt it.
 * @example
 * const serializer: RedisSerializer = {
 *   stringify: (json) => seal(json, secret, { purpose: 'redis', ttl: 0 }),
 *   parse: (stored) => unsealOrThrow<string>(stored, secret, { purpose: 'redis' }),
 * }
 * redisStore({ client: redis, serializer })
 */
export interface RedisSerializer {
  /** The text to store for one field's JSON. Must be a well-formed string (base64 for bytes). */
  stringify(json: string): string
  /** The JSON back from stored text. A throw makes the session unreadable: a fresh session. */
  parse(stored: string): string
}

const byKey = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)

/** Per-key JSON of a session's data JSON, for callers that pass no `fields`. */
function fieldsFromJson(dataJson: string): Map<string, string> {
  const data = JSON.parse(dataJson) as Record<string, unknown>
  const fields = new Map<string, string>()
  for (const key of Object.keys(data)) fields.set(key, JSON.stringify(data[key]))
  return fields
}

/**
 * The Redis `ServerStore` (`partial`: one hash field per top-level key). Built by `redisStore()`
 * from keycard/redis, which checks the options and opens the client.
 * @example
 * const store = new RedisSessionStore(wrapClient(redis), { prefix: 'keycard:sess:' })
 * await store.get(id) // a StoredSession, or undefined
 */
export class RedisSessionStore implements ServerStore {
  /** A server store: the cookie carries a signed id. */
  readonly kind = 'server'
  /** Writes only the keys a request changed. */
  readonly partial = true
  /** Prefix of every session key: `${prefix}${id}`. */
  readonly prefix: string
  readonly #redis: RedisCommands
  readonly #ttl: number | undefined
  readonly #serializer: RedisSerializer | undefined

  constructor(redis: RedisCommands, options: { prefix: string; ttl?: number; serializer?: RedisSerializer }) {
    this.#redis = redis
    this.prefix = options.prefix
    this.#ttl = options.ttl
    this.#serializer = options.serializer
  }

  #out(json: string): string {
    return this.#serializer ? this.#serializer.stringify(json) : json
  }

  /** The key's TTL: the store's `ttl` option when given, else the core's (whole ms, at least 1). */
  #pttl(ttlMs: number): string {
    return String(Math.max(1, Math.ceil(this.#ttl ?? ttlMs)))
  }

  #metaPair(session: StoredSession): [string, string] {
    return [META_FIELD, this.#out(JSON.stringify(session.meta))]
  }

  /**
   * The session under `id` (HGETALL), or undefined when there is none, or a field cannot be read
   * back (the serializer throws, an unknown field name, bad metadata).
   * @example
   * const stored = await store.get(id)
   * stored?.fields?.get('cart') // '[1,2]'
   */
  async get(id: string): Promise<StoredSession | undefined> {
    const entries = await this.#redis.hgetall(this.prefix + id)
    if (entries.length === 0) return undefined
    let metaJson: string | undefined
    const data: Array<[string, string]> = []
    try {
      for (const [field, stored] of entries) {
        const json = this.#serializer ? this.#serializer.parse(stored) : stored
        if (field === META_FIELD) metaJson = json
        else data.push([keyOf(field), json])
      }
    } catch {
      return undefined // a value the serializer cannot open, or a field name no key maps to
    }
    // Redis hashes keep no order (large ones lose insertion order): keys come back sorted, always.
    const fields = new Map(data.sort(byKey))
    const dataJson = fieldsToJson(fields)
    // The core's own record check validates the metadata (version, id, times, flash, user).
    if (metaJson === undefined || metaJson.includes('\n')) return undefined
    const record = decodeRecord(`${metaJson}\n${dataJson}`)
    return record ? { meta: record.meta, dataJson, fields } : undefined
  }

  /**
   * Replaces the session under `id` and sets its TTL, in one script (SET in scripts.ts).
   * @example
   * await store.set(meta.id, { meta, dataJson: '{"views":1}' }, 86_400_000)
   */
  async set(id: string, session: StoredSession, ttlMs: number): Promise<void> {
    const args = [this.#pttl(ttlMs), ...this.#metaPair(session)]
    for (const [key, json] of session.fields ?? fieldsFromJson(session.dataJson)) args.push(fieldOf(key), this.#out(json))
    await this.#redis.run(SET, this.prefix + id, args)
  }

  /**
   * Writes the metadata and the changed keys only if the session still exists (UPDATE); false
   * when it was destroyed or expired meanwhile. Without `session.changes` it rewrites the data whole.
   * @example
   * await store.update(id, { meta, dataJson, changes: { set: [['cart', '[1]']], deleted: [] } }, ttlMs) // true
   */
  async update(id: string, session: StoredSession, ttlMs: number): Promise<boolean> {
    const { changes } = session
    const pairs = this.#metaPair(session)
    // Without `changes` (a caller other than the core) the session is rewritten whole.
    const set = changes ? changes.set : (session.fields ?? fieldsFromJson(session.dataJson))
    for (const [key, json] of set) pairs.push(fieldOf(key), this.#out(json))
    const args = [this.#pttl(ttlMs), changes ? '0' : '1', String(pairs.length), ...pairs]
    for (const key of changes?.deleted ?? []) args.push(fieldOf(key))
    return Number(await this.#redis.run(UPDATE, this.prefix + id, args)) === 1
  }

  /**
   * Stores the new metadata and extends the TTL without touching the data (TOUCH); false when the
   * session no longer exists.
   * @example
   * await store.touch(id, { meta: { ...meta, e: Date.now() + ttlMs }, dataJson }, ttlMs)
   */
  async touch(id: string, session: StoredSession, ttlMs: number): Promise<boolean> {
    // A session deleted meanwhile is not brought back: false, and the core sends no cookie for it.
    return Number(await this.#redis.run(TOUCH, this.prefix + id, [this.#pttl(ttlMs), ...this.#metaPair(session)])) === 1
  }

  /**
   * Deletes the session's key (DEL); resolves whether or not it existed.
   * @example
   * await store.destroy(id)
   */
  async destroy(id: string): Promise<void> {
    await this.#redis.del(this.prefix + id)
  }

  /**
   * Closes the connection keycard opened for a `url`; a client you passed in stays open.
   * @example
   * process.on('SIGTERM', () => store.close())
   */
  close(): Promise<void> {
    return this.#redis.close()
  }
}
