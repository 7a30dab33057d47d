/**
 * `store.ping()` and `manager.health()` for readiness probes: ok with its latency and the store's
 * name for the cookie, memory and Redis stores (ioredis and node-redis); never a throw: a store
 * that rejects, hangs past `storeTimeout`, or a Redis that was stopped gives `ok: false` and the
 * error code; a custom store without `ping` is probed with a `get`.
 */

import plainTest from 'ava'
import { SessionManager } from '../src/sessions/manager'
import { cookieStore } from '../src/sessions/stores/cookie'
import { memoryStore } from '../src/sessions/stores/memory'
import { redisStore } from '../src/sessions/stores/redis'
import type { ServerStore } from '../src/sessions/stores/types'
import { SECRET, t_ } from './helpers/backends'
import { CLIENT_KINDS, openClient, startRedis } from './helpers/redis'
import { requires } from './helpers/requires'

const test = requires('redis-server')

function customStore(get: ServerStore['get'], extra: Partial<ServerStore> = {}): ServerStore {
  return { kind: 'server', get, set: async () => {}, destroy: async () => {}, ...extra }
}

plainTest(t_('health: cookie and memory stores are ok, named, with a latency'), async (t) => {
  const cookie = await new SessionManager({ secret: SECRET, store: cookieStore() }).health()
  t.deepEqual(cookie, { ok: true, latencyMs: 0, store: 'cookie' })
  const memory = await new SessionManager({ secret: SECRET, store: memoryStore() }).health()
  t.is(memory.ok, true)
  t.is(memory.store, 'memory')
  t.true(Number.isFinite(memory.latencyMs) && memory.latencyMs >= 0)
  t.is(memory.error, undefined)
  await t.notThrowsAsync(memoryStore().ping?.() ?? Promise.reject(new Error('no ping')))
})

plainTest(
  t_('health: a custom store without ping is probed with a get; failing and hanging stores give ok: false'),
  async (t) => {
    const asked: string[] = []
    const fine = customStore(async (id) => {
      asked.push(id)
      return undefined
    })
    const ok = await new SessionManager({ secret: SECRET, store: fine }).health()
    t.true(ok.ok)
    t.is(ok.store, 'custom')
    t.is(asked.length, 1)
    t.regex(asked[0] ?? '', /^[A-Za-z0-9_-]{43}$/) // an id like the core's, which no session has

    const failing = customStore(async () => undefined, {
      name: 'db',
      ping: async () => {
        throw new Error('connection refused')
      },
    })
    const down = await new SessionManager({ secret: SECRET, store: failing }).health()
    t.like(down, { ok: false, store: 'db', error: 'ERR_STORE_UNAVAILABLE' })

    const hanging = customStore(() => new Promise(() => {}))
    // storeCall's timer is unref'd (a pending store call must not keep a stopping process alive);
    // a server keeps the loop alive, and this interval stands in for it when nothing else runs.
    const alive = setInterval(() => {}, 1000)
    const slow = await new SessionManager({ secret: SECRET, store: hanging, storeTimeout: 50 }).health()
    clearInterval(alive)
    t.like(slow, { ok: false, error: 'ERR_STORE_UNAVAILABLE' })

    const throwing = customStore(() => {
      throw new TypeError('not even a promise')
    })
    t.like(await new SessionManager({ secret: SECRET, store: throwing }).health(), { ok: false, error: 'ERR_STORE_UNAVAILABLE' })
  },
)

for (const kind of CLIENT_KINDS) {
  test(t_(`health (redis, ${kind}): ok while Redis runs; ok: false once it is stopped, never a throw`), async (t) => {
    const server = await startRedis()
    t.teardown(() => server.stop())
    const open = await openClient(kind, server.url)
    t.teardown(() => open.close())
    const store = redisStore({ client: open.client, prefix: 'kh:' })
    const manager = new SessionManager({ secret: SECRET, store, storeTimeout: 300 })
    t.like(await manager.health(), { ok: true, store: 'redis' })
    await t.notThrowsAsync(store.ping())
    // A client keycard opened from a url fails fast while Redis is down; the app's own client
    // (library defaults: an offline queue) waits, and the storeTimeout ends the wait.
    const own = redisStore({ url: server.url, prefix: 'kh:' })
    t.teardown(() => own.close())
    const ownManager = new SessionManager({ secret: SECRET, store: own, storeTimeout: 300 })
    t.true((await ownManager.health()).ok)
    await server.kill()
    for (const m of [manager, ownManager]) {
      const h = await m.health()
      t.like(h, { ok: false, store: 'redis', error: 'ERR_STORE_UNAVAILABLE' })
      t.true(Number.isFinite(h.latencyMs))
    }
    // store.ping() alone is bounded too, even over a client that queues while Redis is down.
    await t.throwsAsync(store.ping(100), { code: 'ERR_STORE_UNAVAILABLE' })
  })
}
