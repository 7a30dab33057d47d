/**
 * fromExpressSessionStore over real HTTP (keycard/express): the session behaviour table with
 * express-session's MemoryStore and with connect-redis 9 on a real redis-server (started here on a
 * free loopback port, stopped when the file ends; node-redis client), on the backend of this run.
 * Then what the wrapper itself promises: the stored shape (so stores compute their TTLs from it),
 * the Redis key's TTL, values that are not keycard sessions, and store errors as 503s.
 */

import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ExecutionContext } from 'ava'
import { RedisStore } from 'connect-redis'
import { MemoryStore } from 'express-session'
import { createClient } from 'redis'
import { randomId } from '../src/random'
import { fromExpressSessionStore } from '../src/sessions/stores/express_session'
import type { ServerStore, StoredSession } from '../src/sessions/stores/types'
import { sign } from '../src/sign'
import { SECRET, t_ } from './helpers/backends'
import { freePort, isDeletion, setCookiesNamed } from './helpers/http'
import { findProgram, requires } from './helpers/requires'
import { type AppOptions, purposeOf, type Routes, type StoreCase, startApp } from './helpers/sessions'
import { registerAll } from './sessions/rows'

// Without redis-server every test here is skipped, with one line saying how to install it.
const test = requires('redis-server')
const redisInstalled = findProgram('redis-server') !== undefined

const NAME = 'keycard'

// --- redis-server -----------------------------------------------------------------------------

interface Redis {
  port: number
  process: ChildProcess
  stop(): Promise<void>
}

/** redis-server on a free loopback port, no persistence, in a temporary directory. */
async function startRedis(): Promise<Redis> {
  const dir = mkdtempSync(join(tmpdir(), 'keycard-express-store-'))
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const child = spawn(
      'redis-server',
      ['--save', '', '--appendonly', 'no', '--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let out = ''
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000)
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer)
          resolve(true)
        }
      })
      child.once('exit', () => {
        clearTimeout(timer)
        resolve(false)
      })
    })
    const stop = () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }).then(() => rmSync(dir, { recursive: true, force: true }))
    if (ready) return { port, process: child, stop }
    await stop()
    // Lost the race for the port to another process: try another one.
    if (attempt >= 3) throw new Error(`redis-server did not start:\n${out}`)
  }
}

let redis: Redis | undefined
let client: ReturnType<typeof createClient> | undefined

test.before(async () => {
  redis = await startRedis()
  client = createClient({ url: `redis://127.0.0.1:${redis.port}` })
  client.on('error', () => {}) // reported by the commands that fail
  await client.connect()
})

test.after.always(async () => {
  await client?.quit().catch(() => {})
  await redis?.stop()
})

function redisClient() {
  if (!client) throw new Error('redis is not running')
  return client
}

// --- The behaviour table ---------------------------------------------------------------------

/**
 * The store with a `size` (sessions written and not destroyed), which the table reads of server
 * stores: these stores cannot count their sessions synchronously.
 */
function counted(store: ServerStore): ServerStore & { readonly size: number } {
  const live = new Set<string>()
  return {
    kind: 'server',
    get: (id) => store.get(id),
    async set(id, session, ttlMs) {
      await store.set(id, session, ttlMs)
      live.add(id)
    },
    async destroy(id) {
      await store.destroy(id)
      live.delete(id)
    },
    get size() {
      return live.size
    },
  }
}

/** A connect-redis store under a prefix of its own, so tests sharing the server do not meet. */
function redisStore(prefix = `kc-test:${randomId(16)}:`) {
  return { store: new RedisStore({ client: redisClient(), prefix }), prefix }
}

const STORES: StoreCase[] = [
  { name: 'express-session MemoryStore', kind: 'memory', make: () => counted(fromExpressSessionStore(new MemoryStore())) },
  { name: 'connect-redis', kind: 'memory', make: () => counted(fromExpressSessionStore(redisStore().store)) },
]

if (redisInstalled) registerAll('express', { stores: STORES })

// --- The wrapper's own -------------------------------------------------------------------------

const routes: Routes = {
  '/write': (s) => {
    s.n = (s.n ?? 0) + 1
    return s.id
  },
  '/read': (s) => ({ n: s.n ?? null, isNew: s.isNew, id: s.id }),
  '/logout': (s) => {
    s.destroy()
  },
}

function start(t: ExecutionContext, store: ServerStore, options: AppOptions = {}) {
  return startApp(t, 'express', { store, ...options }, routes)
}

const signed = (id: string) => `${NAME}=${sign(id, SECRET, { purpose: purposeOf(NAME) })}`

test(t_('connect-redis: the key holds an express-session-shaped session, with a TTL from cookie.expires'), async (t) => {
  const { store, prefix } = redisStore()
  const app = await start(t, fromExpressSessionStore(store), { ttl: '1h' })
  const c = app.client()
  const before = Date.now()
  const id = (await c.get<string>('/write')).body
  const key = `${prefix}${id}`
  const pttl = await redisClient().pTTL(key)
  t.true(pttl > 0, `PTTL ${pttl} > 0`)
  t.true(pttl > 3_590_000 && pttl <= 3_600_000, `PTTL ${pttl} ≈ the idle timeout`)
  const value = JSON.parse((await redisClient().get(key)) ?? 'null')
  t.like(value, { cookie: { path: '/', httpOnly: true }, keycard: { data: '{"n":1}', meta: { v: 1, id } } })
  const expires = Date.parse(value.cookie.expires)
  t.is(value.cookie.expires, new Date(value.keycard.meta.e).toISOString(), 'cookie.expires is the session expiry')
  t.true(expires >= before + 3_600_000 && expires <= Date.now() + 3_600_000)
  t.true(value.cookie.originalMaxAge > 3_590_000 && value.cookie.originalMaxAge <= 3_600_000)
  t.deepEqual((await c.get('/read')).body, { n: 1, isNew: false, id })
})

test(t_('connect-redis: a renewed session (rolling) is rewritten with a fresh TTL; destroy() deletes the key'), async (t) => {
  const { store, prefix } = redisStore()
  const app = await start(t, fromExpressSessionStore(store), { ttl: '1h', rolling: true })
  const c = app.client()
  const id = (await c.get<string>('/write')).body
  const key = `${prefix}${id}`
  // As if most of the TTL had passed.
  await redisClient().pExpire(key, 5_000)
  const read = await c.get('/read')
  t.is(setCookiesNamed(read, NAME).length, 1)
  const pttl = await redisClient().pTTL(key)
  t.true(pttl > 3_590_000, `PTTL ${pttl}: renewed`)
  const logout = await c.get('/logout')
  t.true(setCookiesNamed(logout, NAME).some(isDeletion))
  t.is(await redisClient().exists(key), 0)
})

test(t_('connect-redis: a value that is not a keycard session reads as none (a fresh session, never adopted)'), async (t) => {
  const { store, prefix } = redisStore()
  const app = await start(t, fromExpressSessionStore(store))
  const id = randomId()
  const future = new Date(Date.now() + 3_600_000).toISOString()
  const now = Date.now()
  const foreign: Record<string, unknown> = {
    'an express-session session': { cookie: { originalMaxAge: 3_600_000, expires: future, path: '/' }, user: 'mallory' },
    'keycard meta that does not validate': {
      cookie: {},
      keycard: { meta: { v: 2, id, c: now, e: now + 3_600_000 }, data: '{}' },
    },
    'keycard data not a string': { cookie: {}, keycard: { meta: { v: 1, id, c: now, e: now + 3_600_000 }, data: { user: 'x' } } },
    'keycard data not an object': { cookie: {}, keycard: { meta: { v: 1, id, c: now, e: now + 3_600_000 }, data: '"x"' } },
    'a string': 'user=mallory',
  }
  for (const [label, value] of Object.entries(foreign)) {
    await redisClient().set(`${prefix}${id}`, JSON.stringify(value))
    const before = app.invalid.length
    const r = await app.client().get<{ n: unknown; isNew: boolean; id: string }>('/read', { cookie: signed(id) })
    t.is(r.status, 200, label)
    t.deepEqual([r.body.isNew, r.body.n], [true, null], `${label}: a fresh session`)
    t.not(r.body.id, id, `${label}: not that id`)
    t.true(setCookiesNamed(r, NAME).some(isDeletion), `${label}: the cookie is cleared`)
    t.is(app.invalid.length, before + 1)
    t.is(app.invalid.at(-1), 'ERR_UNKNOWN_SESSION', label)
  }
  // Control: a well-formed keycard value under that key opens.
  await redisClient().set(
    `${prefix}${id}`,
    JSON.stringify({ cookie: {}, keycard: { meta: { v: 1, id, c: now, e: now + 3_600_000 }, data: '{"n":41}' } }),
  )
  t.deepEqual((await app.client().get('/read', { cookie: signed(id) })).body, { n: 41, isNew: false, id })
})

test(t_('connect-redis: redis-server stopped → 503 ERR_STORE_UNAVAILABLE, never a hang or a crash'), async (t) => {
  const own = await startRedis()
  t.teardown(() => own.stop())
  const ownClient = createClient({ url: `redis://127.0.0.1:${own.port}`, disableOfflineQueue: true })
  ownClient.on('error', () => {})
  await ownClient.connect()
  t.teardown(() => ownClient.destroy())
  const app = await start(t, fromExpressSessionStore(new RedisStore({ client: ownClient })), { storeTimeout: 500 })
  const c = app.client()
  t.is((await c.get('/write')).status, 200)
  await own.stop()
  const load = await c.get<{ error: string }>('/read')
  t.is(load.status, 500)
  t.deepEqual(load.body, { error: 'ERR_STORE_UNAVAILABLE', via: 'express-error-handler' })
  t.is((app.errors.at(-1) as { status?: number }).status, 503, 'the error carries 503 (Express default handler answers it)')
})

test(t_('express-session MemoryStore: the stored JSON is express-session shaped; its own expiry check applies'), async (t) => {
  const memory = new MemoryStore()
  const sessions = (memory as unknown as { sessions: Record<string, string> }).sessions
  const app = await start(t, fromExpressSessionStore(memory), { ttl: '1h' })
  const c = app.client()
  const id = (await c.get<string>('/write')).body
  const value = JSON.parse(sessions[id] ?? 'null')
  t.like(value, { cookie: { path: '/', httpOnly: true }, keycard: { data: '{"n":1}', meta: { id } } })
  t.is(value.cookie.expires, new Date(value.keycard.meta.e).toISOString())
  // MemoryStore drops a session whose cookie.expires passed, whatever keycard's record says.
  value.cookie.expires = new Date(Date.now() - 1000).toISOString()
  sessions[id] = JSON.stringify(value)
  const r = await c.get<{ isNew: boolean }>('/read')
  t.true(r.body.isNew)
  t.false(id in sessions, 'and dropped it')
  t.is(app.invalid.at(-1), 'ERR_UNKNOWN_SESSION')
})

// --- Callback plumbing ---------------------------------------------------------------------------

type Cb = (err?: unknown, value?: unknown) => void

/** An express-session style store whose `get` does `behaviour`. */
function storeWith(get: (sid: string, cb: Cb) => unknown) {
  return {
    get,
    set: (_sid: string, _sess: unknown, cb: Cb) => setImmediate(cb),
    destroy: (_sid: string, cb: Cb) => setImmediate(cb),
  }
}

test(
  t_('fromExpressSessionStore: callback errors, throws, rejections and silence all become ERR_STORE_UNAVAILABLE'),
  async (t) => {
    const cases: Record<string, (sid: string, cb: Cb) => unknown> = {
      'an error to the callback': (_sid, cb) => setImmediate(() => cb(new Error('down'))),
      'a synchronous throw': () => {
        throw new Error('down')
      },
      'a rejected promise': async () => {
        throw new Error('down')
      },
      'no answer (storeTimeout)': () => {},
    }
    for (const [label, get] of Object.entries(cases)) {
      const app = await start(t, fromExpressSessionStore(storeWith(get)), { storeTimeout: 200 })
      const r = await app.client().get('/read', { cookie: signed(randomId()) })
      t.is(r.status, 500, label)
      t.deepEqual(r.body, { error: 'ERR_STORE_UNAVAILABLE', via: 'express-error-handler' }, label)
      t.is((app.errors[0] as { status?: number }).status, 503, label)
    }
  },
)

test(t_('fromExpressSessionStore: a second callback is ignored; null and undefined are "no session"'), async (t) => {
  const now = Date.now()
  const id = randomId()
  const ours = { cookie: {}, keycard: { meta: { v: 1, id, c: now, e: now + 60_000 }, data: '{"a":1}' } }
  const twice = fromExpressSessionStore(
    storeWith((_sid, cb) => {
      cb(null, ours)
      cb(new Error('late'))
    }),
  )
  t.deepEqual(await twice.get(id), { meta: ours.keycard.meta, dataJson: '{"a":1}' } as StoredSession)
  t.is(await fromExpressSessionStore(storeWith((_sid, cb) => cb(null, null))).get(id), undefined)
  t.is(await fromExpressSessionStore(storeWith((_sid, cb) => cb())).get(id), undefined)
})

test(t_('fromExpressSessionStore: a store without get/set/destroy is refused at start-up'), (t) => {
  for (const store of [null, {}, { get() {}, set() {} }] as unknown[]) {
    t.throws(() => fromExpressSessionStore(store as never), { code: 'ERR_INVALID_ARGUMENT' } as never)
  }
  const store = fromExpressSessionStore(new MemoryStore())
  t.is(store.kind, 'server')
  t.is(store.touch, undefined, "the store's touch only resets its TTL: keycard rewrites instead")
  t.is(store.update, undefined)
})
