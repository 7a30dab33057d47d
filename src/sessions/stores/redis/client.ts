/**
 * The few Redis commands keycard/redis needs, over whichever client the app has: ioredis (Redis
 * or Cluster) or node-redis v5 (createClient or createCluster). Both are optional peer
 * dependencies, so nothing here imports their types: clients are recognised by their shape and
 * called through the small `RedisCommands` interface below.
 *
 * Every command names exactly one key, so each goes to the one node that owns the key's slot on
 * Redis Cluster; scripts run by EVALSHA and fall back to EVAL on NOSCRIPT (a node that has not
 * seen the script yet, or was restarted), which also caches them on that node.
 */

import { createHash } from 'node:crypto'
import { createError } from '../../../errors'

/**
 * A Lua script and its SHA-1, for EVALSHA.
 * @example
 * const PING: Script = script("return redis.call('PING')")
 */
export interface Script {
  /** The Lua source (sent with EVAL when the server does not know the SHA). */
  source: string
  /** Hex SHA-1 of `source` (EVALSHA). */
  sha: string
}

/**
 * A `Script` from its source, its SHA-1 computed once.
 * @example
 * export const TOUCH = script(`return redis.call('PEXPIRE', KEYS[1], ARGV[1])`)
 */
export function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

/**
 * The commands keycard/redis uses, the same over ioredis and node-redis.
 * @example
 * const redis: RedisCommands = wrapClient(new Redis())
 * await redis.run(TOUCH, 'keycard:sess:abc', ['60000', META_FIELD, metaJson])
 */
export interface RedisCommands {
  /** Runs `script` with one key (EVALSHA, then EVAL when the server does not know it). */
  run(script: Script, key: string, args: readonly string[]): Promise<unknown>
  /**
   * Runs `script` with several keys: only where they share a node (`cluster` false, or keys in
   * one hash slot), as on Cluster a script naming keys of two slots fails with CROSSSLOT.
   */
  runKeys(script: Script, keys: readonly string[], args: readonly string[]): Promise<unknown>
  /** PING: resolves when the server (on Cluster, a node) answers. */
  ping(): Promise<void>
  /** Whether the client is a Cluster client (ioredis Cluster, node-redis createCluster). */
  readonly cluster: boolean
  /**
   * HGETALL as one flat list, field, value, field, value... (empty for a missing key): one array
   * per read rather than one per field, on the path every request takes.
   */
  hgetall(key: string): Promise<string[]>
  /** DEL. */
  del(key: string): Promise<void>
  /** GET, as a string; null for a missing key. */
  get(key: string): Promise<string | null>
  /** INCR, as a number. */
  incr(key: string): Promise<number>
  /** Closes the connection if keycard opened it; a client the app passed in is left alone. */
  close(): Promise<void>
}

type Fn = (...args: unknown[]) => Promise<unknown>
type Client = Record<string, Fn | unknown>

function isNoScript(err: unknown): boolean {
  return /^NOSCRIPT/.test(String((err as Error)?.message ?? ''))
}

/** Strings, or Buffers when a client is set to return them (node-redis typeMapping). */
const text = (value: unknown): string => (typeof value === 'string' ? value : String(value))

/**
 * An HGETALL reply as a flat list (field, value...): from a plain or null-prototype object (what
 * both libraries return by default), a Map, or a flat array (RESP3 or typeMapping settings).
 */
function flat(reply: unknown): string[] {
  const out: string[] = []
  if (reply === null || reply === undefined) return out
  if (reply instanceof Map) {
    for (const [k, v] of reply) out.push(text(k), text(v))
  } else if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) out.push(text(reply[i]), text(reply[i + 1]))
  } else {
    // Object.keys, not for...in: a prototype's enumerable properties are not fields.
    const object = reply as Record<string, unknown>
    for (const k of Object.keys(object)) out.push(k, text(object[k]))
  }
  return out
}

function call(client: Client, method: string, ...args: unknown[]): Promise<unknown> {
  return (client[method] as Fn).apply(client, args)
}

/** ioredis: lowercase methods, EVALSHA as (sha, numkeys, ...keysAndArgs). */
function ioredisCommands(client: Client, close: () => Promise<void>): RedisCommands {
  return {
    async run(s, key, args) {
      try {
        return await call(client, 'evalsha', s.sha, 1, key, ...args)
      } catch (err) {
        if (!isNoScript(err)) throw err
        return call(client, 'eval', s.source, 1, key, ...args)
      }
    },
    async runKeys(s, keys, args) {
      try {
        return await call(client, 'evalsha', s.sha, keys.length, ...keys, ...args)
      } catch (err) {
        if (!isNoScript(err)) throw err
        return call(client, 'eval', s.source, keys.length, ...keys, ...args)
      }
    },
    cluster: client.isCluster === true,
    hgetall: async (key) => flat(await call(client, 'hgetall', key)),
    ...sharedCommands(client),
    close,
  }
}

/** DEL, GET, INCR and PING, which both libraries name alike. */
function sharedCommands(client: Client): Pick<RedisCommands, 'del' | 'get' | 'incr' | 'ping'> {
  return {
    ping: async () => void (await call(client, 'ping')),
    del: async (key) => void (await call(client, 'del', key)),
    get: async (key) => {
      const value = await call(client, 'get', key)
      return value === null || value === undefined ? null : text(value)
    },
    incr: async (key) => Number(await call(client, 'incr', key)),
  }
}

/** node-redis v5: camelCase methods, EVALSHA as (sha, { keys, arguments }). */
function nodeRedisCommands(client: Client, close: () => Promise<void>): RedisCommands {
  return {
    async run(s, key, args) {
      // node-redis only reads `arguments`: the caller's array goes as it is, not copied.
      const options = { keys: [key], arguments: args as string[] }
      try {
        return await call(client, 'evalSha', s.sha, options)
      } catch (err) {
        if (!isNoScript(err)) throw err
        return call(client, 'eval', s.source, options)
      }
    },
    async runKeys(s, keys, args) {
      const options = { keys: keys as string[], arguments: args as string[] }
      try {
        return await call(client, 'evalSha', s.sha, options)
      } catch (err) {
        if (!isNoScript(err)) throw err
        return call(client, 'eval', s.source, options)
      }
    },
    // createCluster's client has its masters and slots; createClient's has neither.
    cluster: 'masters' in client && 'slots' in client,
    hgetall: async (key) => flat(await call(client, 'hGetAll', key)),
    ...sharedCommands(client),
    close,
  }
}

/**
 * Wraps a client the app created (and still owns: `close` leaves it open). Anything but an
 * ioredis or node-redis v5 client is ERR_INVALID_ARGUMENT.
 * @example
 * const commands = wrapClient(await createClient({ url }).connect()) // node-redis
 */
export function wrapClient(client: unknown): RedisCommands {
  const c = client as Client
  const keep = async () => {}
  if (c && typeof c.hGetAll === 'function' && typeof c.evalSha === 'function') return nodeRedisCommands(c, keep)
  if (c && typeof c.hgetall === 'function' && typeof c.evalsha === 'function') return ioredisCommands(c, keep)
  throw createError(
    'ERR_INVALID_ARGUMENT',
    'client must be an ioredis client (new Redis(), new Cluster()) or a node-redis v5 client (createClient(), createCluster())',
  )
}

// --- Clients keycard opens from a URL ----------------------------------------------------------

/** Longest wait for a TCP connection to Redis, and longest pause between reconnection attempts. */
const CONNECT_TIMEOUT_MS = 2000
const MAX_RECONNECT_DELAY_MS = 1000
/**
 * Wait before reconnection attempt `n` (0 = the first after a drop): none at first (a dropped
 * connection to a live server, as in a failover, comes back at once), then 50 ms doubling to 1 s.
 */
const reconnectDelay = (n: number) => (n <= 0 ? 0 : Math.min(25 * 2 ** Math.min(n, 10), MAX_RECONNECT_DELAY_MS))

/**
 * A client library keycard can open a URL with.
 * @example
 * openUrl(url, ['redis'] satisfies Library[]) // node-redis even when ioredis is installed
 */
export type Library = 'ioredis' | 'redis'

function load(name: Library): Record<string, unknown> | null {
  try {
    return require(name) as Record<string, unknown>
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return null
    throw err
  }
}

/**
 * A client keycard owns, set up to fail fast: while Redis is down, commands are refused at once
 * (no offline queue holding requests until Redis returns; a request gets its 503 in milliseconds,
 * not after the storeTimeout), and reconnection attempts are never more than a second apart, so
 * requests succeed again soon after Redis is back. Until the first connection is up, commands
 * wait for it (see firstReady), so an app's first requests do not fail while it connects.
 * ioredis is preferred when both are installed: it is the more common of the two.
 * @example
 * const commands = openUrl('redis://localhost:6379')
 * await commands.close() // keycard opened it, so keycard closes it
 */
export function openUrl(url: string, prefer: readonly Library[] = ['ioredis', 'redis']): RedisCommands {
  for (const name of prefer) {
    const mod = load(name)
    if (mod) return name === 'ioredis' ? openIoredis(mod, url) : openNodeRedis(mod, url)
  }
  throw createError('ERR_BAD_CONFIG', 'keycard/redis with a url needs ioredis or redis installed (npm install ioredis)')
}

/**
 * Commands sent before the first connection attempt has settled wait for it: connected, they go
 * through; refused (Redis down at start-up), or still pending after CONNECT_TIMEOUT_MS, they go
 * to the client, which refuses them at once while offline. `settled` resolves on the first
 * 'ready' or 'error'.
 */
function firstReady(commands: RedisCommands, settled: Promise<void>): RedisCommands {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, CONNECT_TIMEOUT_MS)
    timer.unref()
  })
  let done = false
  const first = Promise.race([settled, deadline]).then(() => {
    done = true
    clearTimeout(timer)
  })
  const wait = async () => {
    if (!done) await first
  }
  return {
    async run(s, key, args) {
      await wait()
      return commands.run(s, key, args)
    },
    async runKeys(s, keys, args) {
      await wait()
      return commands.runKeys(s, keys, args)
    },
    async ping() {
      await wait()
      return commands.ping()
    },
    cluster: commands.cluster,
    async hgetall(key) {
      await wait()
      return commands.hgetall(key)
    },
    async del(key) {
      await wait()
      return commands.del(key)
    },
    async get(key) {
      await wait()
      return commands.get(key)
    },
    async incr(key) {
      await wait()
      return commands.incr(key)
    },
    close: commands.close,
  }
}

function openIoredis(mod: Record<string, unknown>, url: string): RedisCommands {
  const Redis = (mod.Redis ?? mod.default ?? mod) as new (url: string, options: object) => Client
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (times: number) => reconnectDelay(times - 1), // ioredis counts from 1
  })
  // ioredis prints unhandled 'error' events; failures reach callers as rejections anyway.
  call(client, 'on', 'error', () => {})
  const settled = new Promise<void>((resolve) => {
    call(client, 'once', 'ready', resolve)
    call(client, 'once', 'error', resolve)
  })
  const close = async () => {
    if (client.status === 'ready') await call(client, 'quit').catch(() => call(client, 'disconnect'))
    else await call(client, 'disconnect')
  }
  return firstReady(ioredisCommands(client, close), settled)
}

function openNodeRedis(mod: Record<string, unknown>, url: string): RedisCommands {
  const createClient = mod.createClient as (options: object) => Client
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: (retries: number) => reconnectDelay(retries) },
  })
  // node-redis throws (crashing the process) on an 'error' event nobody listens to.
  call(client, 'on', 'error', () => {})
  const settled = new Promise<void>((resolve) => {
    call(client, 'once', 'error', resolve)
    call(client, 'connect').then(
      () => resolve(),
      () => resolve(),
    )
  })
  const close = async () => {
    if (client.isReady) await call(client, 'close').catch(() => call(client, 'destroy'))
    else if (client.isOpen) await call(client, 'destroy')
  }
  return firstReady(nodeRedisCommands(client, close), settled)
}
