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

import { createError } from '../../../errors'
import { fieldsToJson } from '../../serialize'
import { storeCall } from '../../store_call'
import { decodeRecord } from '../record'
import type { ServerStore, SessionMeta, StoredSession } from '../types'
import type { RedisCommands, Script } from './client'
import {
  fieldOf,
  INDEX,
  keyOf,
  LIST_USER,
  META_FIELD,
  REMOVE_STALE,
  SET,
  SET_USER,
  TOUCH,
  TOUCH_USER,
  UPDATE,
  UPDATE_USER,
} from './scripts'

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

/**
 * A user id as it appears in a key: percent-encoded UTF-8, every character but A-Z a-z 0-9 - _ .
 * escaped (`%` included, so the encoding is one-to-one). No user can then name another key: not
 * a session key (those never hold `:` or `%`), not another user's set, and not a Cluster hash
 * slot of its choosing (`{` `}` are escaped). A lone surrogate has no UTF-8 form (the clients
 * would send U+FFFD, and two users would share a set): refused.
 * @example
 * userPart('a:b{c}') // 'a%3Ab%7Bc%7D'
 */
export function userPart(user: string): string {
  if (!user.isWellFormed()) throw createError('ERR_INVALID_ARGUMENT', 'a user id cannot hold a lone surrogate')
  return encodeURIComponent(user).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
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
  /** For health reports and diagnostics messages. */
  readonly name = 'redis'
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

  /** The key of `user`'s set of session keys (see scripts.ts). */
  userKey(user: string): string {
    return `${this.prefix}user:${userPart(user)}`
  }

  /**
   * Runs a session write: the plain script, or, for a session with a user, its `*_USER` variant
   * that enters it in the user's set in the same step. On Cluster the set is in another slot:
   * INDEX on the set first, then the plain script (a session is never missing from its set; the
   * set may hold one whose write then failed, which listing removes).
   */
  async #write(plain: Script, withUser: Script, id: string, session: StoredSession, args: string[]): Promise<unknown> {
    const key = this.prefix + id
    const user = session.meta.u
    if (user === undefined) return this.#redis.run(plain, key, args)
    const users = this.userKey(user)
    if (!this.#redis.cluster) return this.#redis.runKeys(withUser, [key, users], args)
    await this.#redis.run(INDEX, users, [args[0] as string, key])
    return this.#redis.run(plain, key, args)
  }

  #metaJson(session: StoredSession): string {
    return this.#out(JSON.stringify(session.meta))
  }

  /** Appends field, value for each data key to `args` (the scripts' argument lists); how many strings. */
  #pushFields(args: string[], fields: Iterable<readonly [string, string]>): number {
    const before = args.length
    for (const [key, json] of fields) args.push(fieldOf(key), this.#out(json))
    return args.length - before
  }

  /**
   * The session under `id` (HGETALL), or undefined when there is none, or a field cannot be read
   * back (the serializer throws, an unknown field name, bad metadata).
   * @example
   * const stored = await store.get(id)
   * stored?.fields?.get('cart') // '[1,2]'
   */
  async get(id: string): Promise<StoredSession | undefined> {
    const entries = await this.#redis.hgetall(this.prefix + id) // field, value, field, value...
    if (entries.length === 0) return undefined
    let metaJson: string | undefined
    const data: Array<[string, string]> = []
    // Redis hashes keep no order (large ones lose insertion order): keys come back sorted, always.
    // Small hashes come back in the order their fields were first written, often sorted already:
    // the sort runs only when a key arrives out of order (the result is the same either way).
    let sorted = true
    try {
      for (let i = 0; i + 1 < entries.length; i += 2) {
        const field = entries[i] as string
        const stored = entries[i + 1] as string
        const json = this.#serializer ? this.#serializer.parse(stored) : stored
        if (field === META_FIELD) {
          metaJson = json
          continue
        }
        const key = keyOf(field)
        if (sorted && data.length > 0 && (data[data.length - 1] as [string, string])[0] > key) sorted = false
        data.push([key, json])
      }
    } catch {
      return undefined // a value the serializer cannot open, or a field name no key maps to
    }
    const fields = new Map(sorted ? data : data.sort(byKey))
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
    const args = [this.#pttl(ttlMs), META_FIELD, this.#metaJson(session)]
    this.#pushFields(args, session.fields ?? fieldsFromJson(session.dataJson))
    await this.#write(SET, SET_USER, id, session, args)
  }

  /**
   * Writes the metadata and the changed keys only if the session still exists (UPDATE); false
   * when it was destroyed or expired meanwhile. Without `session.changes` it rewrites the data whole.
   * @example
   * await store.update(id, { meta, dataJson, changes: { set: [['cart', '[1]']], deleted: [] } }, ttlMs) // true
   */
  async update(id: string, session: StoredSession, ttlMs: number): Promise<boolean> {
    const { changes } = session
    // Without `changes` (a caller other than the core) the session is rewritten whole.
    const set = changes ? changes.set : (session.fields ?? fieldsFromJson(session.dataJson))
    // ARGV: ttl, whole rewrite or not, n, then n strings (metadata and set keys), then deleted keys.
    const args = [this.#pttl(ttlMs), changes ? '0' : '1', '', META_FIELD, this.#metaJson(session)]
    args[2] = String(2 + this.#pushFields(args, set))
    for (const key of changes?.deleted ?? []) args.push(fieldOf(key))
    return Number(await this.#write(UPDATE, UPDATE_USER, id, session, args)) === 1
  }

  /**
   * Stores the new metadata and extends the TTL without touching the data (TOUCH); false when the
   * session no longer exists.
   * @example
   * await store.touch(id, { meta: { ...meta, e: Date.now() + ttlMs }, dataJson }, ttlMs)
   */
  async touch(id: string, session: StoredSession, ttlMs: number): Promise<boolean> {
    // A session deleted meanwhile is not brought back: false, and the core sends no cookie for it.
    const args = [this.#pttl(ttlMs), META_FIELD, this.#metaJson(session)]
    return Number(await this.#write(TOUCH, TOUCH_USER, id, session, args)) === 1
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
   * The metadata of `user`'s live sessions: the user's set (expired members dropped by Redis),
   * each member read back, and members that are not this user's session any more (destroyed,
   * moved to another user) removed from the set. One round trip per session listed: a user has
   * a handful; nothing scans the keyspace.
   * @example
   * const metas = await store.listByUser('42') // [{ id, c, e, u: '42', ... }]
   */
  async listByUser(user: string): Promise<SessionMeta[]> {
    const set = this.userKey(user)
    const flat = ((await this.#redis.run(LIST_USER, set, [])) as unknown[]).map(String)
    const metas: SessionMeta[] = []
    const stale: string[] = []
    const reads: Array<Promise<void>> = []
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const member = flat[i] as string
      const score = flat[i + 1] as string
      const id = member.startsWith(this.prefix) ? member.slice(this.prefix.length) : undefined
      if (id === undefined || id.length === 0) {
        stale.push(member, score)
        continue
      }
      reads.push(
        this.get(id).then((stored) => {
          if (stored?.meta.u === user && stored.meta.id === id) metas.push(stored.meta)
          else stale.push(member, score)
        }),
      )
    }
    await Promise.all(reads)
    if (stale.length > 0) await this.#redis.run(REMOVE_STALE, set, stale)
    return metas
  }

  /**
   * PING through the store's client, bounded by `timeoutMs` (default 2000, as `storeTimeout`):
   * a client of the app's own that queues commands while Redis is down would otherwise wait for
   * it to come back. Rejects with ERR_STORE_UNAVAILABLE. (`manager.health()` also bounds it by
   * its `storeTimeout`.)
   * @example
   * await store.ping() // rejects while Redis is down
   */
  ping(timeoutMs = 2000): Promise<void> {
    return storeCall(() => this.#redis.ping(), timeoutMs)
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
