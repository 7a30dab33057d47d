/**
 * keycard/redis: sessions in Redis, shared by every process of an app, and revocation
 * generations in Redis so "log out everywhere" reaches all of them.
 *
 * Takes the app's own ioredis client (Redis or Cluster) or node-redis v5 client (createClient or
 * createCluster), or a `url` (ioredis if installed, else redis). Both libraries are optional peer
 * dependencies; nothing is loaded until a `url` needs one.
 *
 * One Redis hash per session, `${prefix}${id}`: one field per top-level data key (its JSON) and
 * one for keycard's metadata. Writes are Lua scripts on that one key, so a session is never seen
 * half written or without an expiry, a request changes only the keys it changed (`partial`), and
 * everything works on Redis Cluster. No command scans the keyspace (no KEYS, no SCAN).
 *
 * @example
 * import Redis from 'ioredis'
 * import { session } from 'keycard/express'
 * import { redisStore } from 'keycard/redis'
 * app.use(session({ store: redisStore({ client: new Redis(process.env.REDIS_URL) }) }))
 */

import { createError } from '../../errors'
import { type Duration, toMilliseconds } from '../../lib/duration'
import { type OptionScope, refuseUnknownOptions } from '../../lib/option_names'
import type { GenerationStore } from '../revocation'
import { openUrl, type RedisCommands, wrapClient } from './redis/client'
import { type CounterIncrementOptions, RedisCounter } from './redis/counter'
import { generationsOver } from './redis/generations'
import { type RedisSerializer, RedisSessionStore } from './redis/store'

/**
 * An ioredis `Redis` or `Cluster`, or a node-redis v5 client from `createClient()` or
 * `createCluster()` (connected by you). Typed loosely so neither library's types are needed.
 * @example
 * const client: RedisClient = new Redis(process.env.REDIS_URL!) // or await createClient().connect()
 */
export type RedisClient = object

/**
 * How keycard/redis reaches Redis: your client, or a URL it opens a client for.
 * @example
 * redisGenerations({ url: 'rediss://cache.internal:6380' })
 */
export interface RedisConnectionOptions {
  /** A client you created; keycard never closes it. Attach an 'error' listener to node-redis clients. */
  client?: RedisClient
  /**
   * Or a URL (`redis://`, `rediss://`); default KEYCARD_REDIS_URL. keycard opens its own client,
   * set to fail fast while Redis is down, and closes it with `close()`.
   */
  url?: string
}

/**
 * Options of `redisStore()`.
 * @example
 * redisStore({ client: redis, prefix: 'myapp:sess:', ttl: '7d' })
 */
export interface RedisStoreOptions extends RedisConnectionOptions {
  /** Key prefix. Default 'keycard:sess:'. */
  prefix?: string
  /** The Redis TTL of each session. Default: the session's idle timeout, as the core passes it. */
  ttl?: Duration
  /** Transforms each stored value (e.g. encrypts it). Default: the JSON as it is. */
  serializer?: RedisSerializer
}

/**
 * Options of `redisGenerations()`.
 * @example
 * redisGenerations({ client: redis, prefix: 'myapp:gen:' })
 */
export interface RedisGenerationsOptions extends RedisConnectionOptions {
  /** Key prefix. Default 'keycard:gen:'. */
  prefix?: string
}

/**
 * What `redisStore()` returns: a partial `ServerStore` with `close()`.
 * @example
 * const store: RedisStore = redisStore({ client: redis })
 * await store.close() // closes only a client keycard opened from a url
 */
export type RedisStore = RedisSessionStore

function connect(options: RedisConnectionOptions, env: Record<string, string | undefined> = process.env): RedisCommands {
  if (options.client !== undefined && options.url !== undefined) {
    throw createError('ERR_INVALID_ARGUMENT', 'keycard/redis takes a client or a url, not both')
  }
  if (options.client !== undefined) return wrapClient(options.client)
  const url = options.url ?? (env.KEYCARD_REDIS_URL || undefined)
  if (url === undefined) {
    throw createError('ERR_BAD_CONFIG', 'keycard/redis needs a client, a url, or KEYCARD_REDIS_URL')
  }
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) {
    throw createError('ERR_BAD_CONFIG', 'the Redis url must start with redis:// or rediss://')
  }
  return openUrl(url)
}

function prefixOf(prefix: unknown, fallback: string): string {
  if (prefix === undefined) return fallback
  if (typeof prefix !== 'string') throw createError('ERR_INVALID_ARGUMENT', 'prefix must be a string')
  return prefix
}

/** Options checked before a client is opened, so a bad option leaves no connection behind. */
function storeSettings(options: RedisStoreOptions) {
  const ttl = options.ttl === undefined ? undefined : toMilliseconds(options.ttl, 'ttl')
  if (ttl !== undefined && ttl < 1) throw createError('ERR_INVALID_ARGUMENT', 'ttl must be at least 1 ms')
  const { serializer } = options
  if (serializer !== undefined && (typeof serializer?.stringify !== 'function' || typeof serializer?.parse !== 'function')) {
    throw createError('ERR_INVALID_ARGUMENT', 'serializer needs stringify(json) and parse(stored)')
  }
  return { prefix: prefixOf(options.prefix, 'keycard:sess:'), ttl, serializer }
}

/**
 * A session store in Redis (`partial`: a request writes only the keys it changed).
 *
 * @example
 * const store = redisStore({ url: process.env.REDIS_URL })
 * app.use(session({ store, storeTimeout: '1s' }))
 * process.on('SIGTERM', () => store.close())
 */
export function redisStore(options: RedisStoreOptions = {}): RedisStore {
  const settings = storeSettings(options)
  return new RedisSessionStore(connect(options), settings)
}

/**
 * Revocation generations in Redis (GET / INCR on `${prefix}${user}`), shared by every process.
 * The keys never expire: a forgotten generation would bring revoked sessions back.
 *
 * @example
 * const generations = redisGenerations({ client: redis })
 * app.use(session({ store, revocation: { userOf: (d) => d.userId as string | undefined, generations } }))
 */
export function redisGenerations(options: RedisGenerationsOptions = {}): GenerationStore & { close(): Promise<void> } {
  const prefix = prefixOf(options.prefix, 'keycard:gen:')
  return generationsOver(connect(options), prefix)
}

/**
 * Options of `redisCounter()`.
 * @example
 * redisCounter({ client: redis, prefix: 'myapp:count:' })
 */
export interface RedisCounterOptions extends RedisConnectionOptions {
  /** Key prefix. Default 'keycard:count:'. */
  prefix?: string
}

const COUNTER_OPTION_NAMES: OptionScope = {
  prefix: '',
  known: ['client', 'url', 'prefix'],
  aliases: { ttl: '`increment(key, by, { ttl })` (the TTL is per counter)' },
  label: 'redisCounter option',
  code: 'ERR_INVALID_ARGUMENT',
}

/**
 * Integer counters in Redis: `increment(key, by = 1, { ttl })` resolves to the new value, as
 * `cache.increment` does, in one Lua call (INCRBY, and PEXPIRE only when it created the key), so
 * it is atomic across every process and the TTL is a fixed window. Works with `rateLimit`.
 *
 * @example
 * const counter = redisCounter({ client: redis })
 * const failures = await counter.increment(`login-failures:${user}`, 1, { ttl: '15m' })
 */
export function redisCounter(options: RedisCounterOptions = {}): RedisCounter {
  if (options === null || typeof options !== 'object') {
    throw createError('ERR_INVALID_ARGUMENT', 'redisCounter() takes options: { client } or { url }')
  }
  refuseUnknownOptions(options, COUNTER_OPTION_NAMES)
  const prefix = prefixOf(options.prefix, 'keycard:count:')
  return new RedisCounter(connect(options), prefix)
}

export type { CounterIncrementOptions, RedisCounter, RedisSerializer }
