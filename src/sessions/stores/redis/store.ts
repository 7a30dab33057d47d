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

/** Transforms each stored value (the metadata and every data field), e.g. to encrypt it. */
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

export class RedisSessionStore implements ServerStore {
  readonly kind = 'server'
  readonly partial = true
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

  async set(id: string, session: StoredSession, ttlMs: number): Promise<void> {
    const args = [this.#pttl(ttlMs), ...this.#metaPair(session)]
    for (const [key, json] of session.fields ?? fieldsFromJson(session.dataJson)) args.push(fieldOf(key), this.#out(json))
    await this.#redis.run(SET, this.prefix + id, args)
  }

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

  async touch(id: string, session: StoredSession, ttlMs: number): Promise<boolean> {
    // A session deleted meanwhile is not brought back: false, and the core sends no cookie for it.
    return Number(await this.#redis.run(TOUCH, this.prefix + id, [this.#pttl(ttlMs), ...this.#metaPair(session)])) === 1
  }

  async destroy(id: string): Promise<void> {
    await this.#redis.del(this.prefix + id)
  }

  /** Closes the connection keycard opened for a `url`; a client you passed in stays open. */
  close(): Promise<void> {
    return this.#redis.close()
  }
}
