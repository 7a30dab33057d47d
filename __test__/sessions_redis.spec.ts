/**
 * keycard/redis against a real redis-server (helpers/redis.ts), with an ioredis client and with a
 * node-redis v5 client:
 * - the session behaviour table (sessions/rows/, `registerAll`) over express, as a server store;
 * - the hash layout, partial writes under concurrency (different keys all persist, the same key
 *   is last-writer-wins), TTLs set in the same step as every write, touch, destroy, a logout not
 *   undone by a slower request, the serializer, the ttl option, revocation generations shared by
 *   two apps, and the clients keycard opens from a url (both libraries).
 */

import { execFileSync, spawn } from 'node:child_process'
import type { ExecutionContext } from 'ava'
import Redis from 'ioredis'
import { SessionManager } from '../src/sessions/manager'
import { memoryStore } from '../src/sessions/stores/memory'
import { redisGenerations, redisStore } from '../src/sessions/stores/redis'
import { type Library, openUrl } from '../src/sessions/stores/redis/client'
import { generationsOver } from '../src/sessions/stores/redis/generations'
import { SET, TOUCH, UPDATE } from '../src/sessions/stores/redis/scripts'
import { RedisSessionStore } from '../src/sessions/stores/redis/store'
import type { ServerStore, SessionStore } from '../src/sessions/stores/types'
import { SECRET, t_ } from './helpers/backends'
import {
  CLIENT_KINDS,
  type ClientKind,
  freePort,
  type OpenClient,
  openClient,
  type RedisServer,
  startRedis,
  until,
} from './helpers/redis'
import { findProgram, requires } from './helpers/requires'
import { type App, type AppOptions, type Routes, type StoreCase, startApp } from './helpers/sessions'
import { registerAll } from './sessions/rows'

// Without redis-server every test here is skipped, with one line saying how to install it.
const test = requires('redis-server')
const redisInstalled = findProgram('redis-server') !== undefined

let server: RedisServer
/** The test's own view of Redis (ioredis), to look at keys directly. */
let admin: Redis
const clients = new Map<ClientKind, OpenClient>()

test.before(async () => {
  server = await startRedis()
  admin = new Redis(server.url)
  for (const kind of CLIENT_KINDS) clients.set(kind, await openClient(kind, server.url))
})

test.after.always(async () => {
  for (const c of clients.values()) await c.close()
  admin?.disconnect()
  await server?.stop()
})

let prefixes = 0
/** A key prefix of its own for each store, so concurrent tests never see each other's keys. */
const newPrefix = () => `kt:${process.pid}:${++prefixes}:`

function storeFor(kind: ClientKind, options: Parameters<typeof redisStore>[0] = {}): RedisSessionStore {
  return redisStore({ client: clients.get(kind)?.client, prefix: newPrefix(), ...options })
}

/** Keys under `prefix`, counted by redis-cli (tests only: the store itself never scans). */
function keysUnder(prefix: string): number {
  const out = execFileSync('redis-cli', ['-p', String(server.port), '--scan', '--pattern', `${prefix}*`], { encoding: 'utf8' })
  return out.split('\n').filter((line) => line !== '').length
}

async function app(t: ExecutionContext, store: SessionStore, routes: Routes, options: AppOptions = {}): Promise<App> {
  return startApp(t, 'express', { store, ...options }, routes)
}

async function ok<B>(t: ExecutionContext, reply: Promise<{ status: number; body: B }>): Promise<B> {
  const r = await reply
  t.is(r.status, 200, JSON.stringify(r.body))
  return r.body
}

/** A promise to hold requests mid-handler, after their session was loaded. */
function gate() {
  let open!: () => void
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { opened, open }
}

// --- The behaviour table ------------------------------------------------------------------------

// Rows for cookie sessions only are skipped; the rest run with Redis as the server store.
if (redisInstalled)
  registerAll('express', {
    stores: CLIENT_KINDS.map(
      (kind): StoreCase => ({
        name: `redis (${kind})`,
        kind: 'memory',
        make: () => {
          const store = storeFor(kind)
          // The table counts a server store's sessions through `size`: here, keys in Redis.
          Object.defineProperty(store, 'size', { get: () => keysUnder(store.prefix) })
          return store
        },
      }),
    ),
  })

// --- Layout, partial writes, TTLs ---------------------------------------------------------------

for (const kind of CLIENT_KINDS) {
  const title = (s: string) => t_(`redis (${kind}): ${s}`)

  test(title('one hash per session: a field per data key, one for the metadata, any key name'), async (t) => {
    const store = storeFor(kind)
    const odd = ['', '\u0000', '\u0000meta', '__proto__', 'constructor', 'a\nb', '\ud800lone', 'ключ']
    const a = await app(t, store, {
      '/write': (s) => {
        s.plain = { list: [1, 2] }
        for (const [i, key] of odd.entries()) s.set(key, i)
      },
      '/read': (s) => ({ keys: Object.keys(s), values: odd.map((key) => s.get(key)), plain: s.plain }),
      '/drop': (s) => {
        for (const key of odd) s.delete(key)
      },
    })
    const c = a.client()
    await ok(t, c.get('/write'))
    const read = (await ok(t, c.get('/read'))) as { keys: string[]; values: unknown[]; plain: unknown }
    t.deepEqual(read.values, [0, 1, 2, 3, 4, 5, 6, 7], 'every key comes back with its own value')
    t.deepEqual(read.plain, { list: [1, 2] })
    const sorted = [...read.keys].sort()
    t.deepEqual(read.keys, sorted, 'keys come back sorted')
    const [key = ''] = await admin.keys(`${store.prefix}*`)
    t.truthy(key)
    const hash = await admin.hgetall(key)
    t.is(Object.keys(hash).length, odd.length + 2)
    t.is(hash.plain, '{"list":[1,2]}', 'a data key is a field holding its JSON')
    const meta = JSON.parse(hash['\u0000'] as string)
    t.is(`${store.prefix}${meta.id}`, key, 'the metadata field names the session')
    t.is(hash['\u0000"\\u0000meta"'], '2', 'a key starting with NUL is escaped')
    t.is(hash['\u0000"\\ud800lone"'], '6', 'so is a key that is not well-formed UTF-16')
    await ok(t, c.get('/drop'))
    t.deepEqual(Object.keys(await admin.hgetall(key)).sort(), ['\u0000', 'plain'])
  })

  test(title('partial: concurrent requests that change different keys all persist'), async (t) => {
    const run = async (store: ServerStore) => {
      const g = gate()
      let arrived = 0
      const a = await app(t, store, {
        '/init': (s) => {
          s.shared = 0
        },
        '/set': async (s, ctx) => {
          s[ctx.q('k') as string] = ctx.q('v')
          arrived++
          await g.opened
        },
        '/read': (s) => s.toJSON(),
      })
      const c = a.client()
      await ok(t, c.get('/init'))
      const keys = ['a', 'b', 'c', 'd', 'e']
      const writes = keys.map((k) => c.get(`/set?k=${k}&v=${k.toUpperCase()}`))
      // Every request has loaded the session (without the others' keys) before any commits.
      await until('all requests loaded', () => arrived === keys.length)
      g.open()
      for (const w of await Promise.all(writes)) t.is(w.status, 200)
      return (await ok(t, c.get('/read'))) as Record<string, unknown>
    }
    t.deepEqual(await run(storeFor(kind)), { a: 'A', b: 'B', c: 'C', d: 'D', e: 'E', shared: 0 })
    // Control: a store that writes whole sessions keeps only the last commit's keys.
    const whole = await run(memoryStore())
    t.is(Object.keys(whole).length, 2, `a whole-session store loses the others: ${JSON.stringify(whole)}`)
  })

  test(title('partial: two requests that change the same key: the last write wins, for that key only'), async (t) => {
    const gates = new Map<string, ReturnType<typeof gate>>()
    let arrived = 0
    const a = await app(t, storeFor(kind), {
      '/init': (s) => {
        s.k = 'init'
        s.other = 'kept'
      },
      '/set': async (s, ctx) => {
        const v = ctx.q('v') as string
        s.k = v
        s[`by${v}`] = true
        arrived++
        await gates.get(v)?.opened
      },
      '/read': (s) => s.toJSON(),
    })
    const c = a.client()
    for (const [first, second] of [
      ['A', 'B'],
      ['D', 'C'],
    ] as const) {
      await ok(t, c.get('/init'))
      arrived = 0
      gates.set(first, gate())
      gates.set(second, gate())
      const one = c.get(`/set?v=${first}`)
      const two = c.get(`/set?v=${second}`)
      await until('both loaded', () => arrived === 2)
      gates.get(first)?.open()
      t.is((await one).status, 200)
      gates.get(second)?.open()
      t.is((await two).status, 200)
      const read = (await ok(t, c.get('/read'))) as Record<string, unknown>
      t.is(read.k, second, `${second} committed last and wins k`)
      t.true(read[`by${first}`] === true && read[`by${second}`] === true, 'both requests kept their other keys')
      t.is(read.other, 'kept')
    }
  })

  test(title('every write sets the TTL in the same step: PTTL is never -1, even mid-write'), async (t) => {
    const store = storeFor(kind)
    const a = await app(
      t,
      store,
      {
        '/write': (s, ctx) => {
          s[`k${ctx.q('i')}`] = 'x'.repeat(100)
        },
        '/login': (s) => {
          s.regenerate({ keepData: true })
        },
        '/touch': (s) => {
          s.touch()
        },
        '/read': (s) => s.id,
      },
      { ttl: '1h', rolling: false },
    )
    const c = a.client()
    // MONITOR shows every command Redis runs, and whether a script ran it: `[0 lua] "HSET" ...`.
    const monitor = spawn('redis-cli', ['-p', String(server.port), 'MONITOR'], { stdio: ['ignore', 'pipe', 'ignore'] })
    t.teardown(() => void monitor.kill())
    const writes: Array<{ command: string; source: string }> = []
    let pending = ''
    monitor.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) {
        const m = /^[\d.]+ \[\d+ ([^\]]+)\] "(\w+)" "([^"]*)/.exec(line)
        if (m && (m[3] as string).startsWith(store.prefix))
          writes.push({ source: m[1] as string, command: (m[2] as string).toUpperCase() })
      }
    })
    await until('MONITOR running', async () => {
      await admin.exists(`${store.prefix}probe`)
      return writes.length > 0
    })
    await ok(t, c.get('/write?i=0'))
    // A watcher polls the TTL of every session key of this store while the writes go on.
    let stop = false
    const seen: number[] = []
    const watcher = (async () => {
      const watch = new Redis(server.url)
      try {
        while (!stop) {
          for (const key of await watch.keys(`${store.prefix}*`)) seen.push(await watch.pttl(key))
        }
      } finally {
        watch.disconnect()
      }
    })()
    for (let i = 1; i <= 40; i++) {
      const path = i % 10 === 0 ? '/login' : i % 3 === 0 ? '/touch' : `/write?i=${i}`
      await ok(t, c.get(path))
      const id = await ok(t, c.get('/read'))
      const pttl = await admin.pttl(`${store.prefix}${id}`)
      t.true(pttl > 3_500_000 && pttl <= 3_600_000, `after ${path}: PTTL ${pttl}`)
    }
    stop = true
    await watcher
    t.true(seen.length > 0)
    t.false(seen.includes(-1), 'no session key was ever seen without an expiry')
    await until('MONITOR caught up', () => writes.some((w) => w.command === 'DEL' && w.source !== 'lua'))
    const hashWrites = writes.filter((w) => ['HSET', 'HDEL', 'PEXPIRE'].includes(w.command))
    t.true(hashWrites.length > 40)
    t.deepEqual(
      hashWrites.filter((w) => w.source !== 'lua'),
      [],
      'every HSET, HDEL and PEXPIRE ran inside a script (atomic with the others)',
    )
  })

  test(title('the ttl option sets the Redis TTL; the session keeps its own idle timeout'), async (t) => {
    const store = storeFor(kind, { ttl: '10m' })
    const a = await app(
      t,
      store,
      {
        '/write': (s) => {
          s.x = 1
        },
        '/exp': (s) => s.expiresAt.getTime(),
      },
      { ttl: '1h' },
    )
    const c = a.client()
    await ok(t, c.get('/write'))
    const [key] = await admin.keys(`${store.prefix}*`)
    const pttl = await admin.pttl(key as string)
    t.true(pttl > 590_000 && pttl <= 600_000, `PTTL ${pttl}`)
    const expires = (await ok(t, c.get('/exp'))) as number
    t.true(expires - Date.now() > 3_500_000, 'the core still counts the 1 h idle timeout')
  })

  test(title('touch extends the TTL and expiry, rewrites only the metadata'), async (t) => {
    const store = storeFor(kind)
    const a = await app(
      t,
      store,
      {
        '/write': (s) => {
          s.x = { deep: true }
        },
        '/touch': (s) => s.touch(),
        '/exp': (s) => s.expiresAt.getTime(),
      },
      { ttl: '1h', rolling: false },
    )
    const c = a.client()
    await ok(t, c.get('/write'))
    const [key] = (await admin.keys(`${store.prefix}*`)) as [string]
    await admin.pexpire(key, 5000)
    await admin.hset(key, 'x', '{"deep":"changed behind the session"}')
    const before = JSON.parse((await admin.hget(key, '\u0000')) as string).e
    await ok(t, c.get('/touch'))
    const expires = (await ok(t, c.get('/exp'))) as number
    const pttl = await admin.pttl(key)
    t.true(pttl > 3_500_000, `PTTL back to the idle timeout: ${pttl}`)
    const meta = JSON.parse((await admin.hget(key, '\u0000')) as string)
    t.true(meta.e > before)
    t.is(meta.e, expires)
    t.is(await admin.hget(key, 'x'), '{"deep":"changed behind the session"}', 'an unchanged session is not rewritten')
  })

  test(title('an update without changes rewrites the hash whole, and sets its TTL again'), async (t) => {
    const store = storeFor(kind)
    const id = 'w'.repeat(43)
    const key = `${store.prefix}${id}`
    const meta = { v: 1 as const, id, c: Date.now(), e: Date.now() + 90_000 }
    await store.set(id, { meta, dataJson: '{"a":1,"b":2}' }, 60_000)
    t.true(await store.update(id, { meta, dataJson: '{"c":3}' }, 90_000))
    t.deepEqual(Object.keys(await admin.hgetall(key)).sort(), ['\u0000', 'c'], 'the old keys are gone')
    const pttl = await admin.pttl(key)
    t.true(pttl > 60_000 && pttl <= 90_000, `PTTL ${pttl}: the new ttl, never none`)
    t.is((await store.get(id))?.dataJson, '{"c":3}')
  })

  test(title('scripts survive SCRIPT FLUSH: EVALSHA falls back to EVAL, which caches them again'), async (t) => {
    // A server of its own: other tests' scripts on the shared one would blur which ran here.
    const own = await startRedis()
    t.teardown(() => own.stop())
    const ownAdmin = new Redis(own.url)
    const client = await openClient(kind, own.url)
    t.teardown(async () => {
      ownAdmin.disconnect()
      await client.close()
    })
    const store = redisStore({ client: client.client, prefix: newPrefix() })
    const id = 'n'.repeat(43)
    const meta = { v: 1 as const, id, c: Date.now(), e: Date.now() + 60_000 }
    const shas = [SET.sha, UPDATE.sha, TOUCH.sha]
    const flush = async () => {
      await ownAdmin.script('FLUSH')
      t.deepEqual(await ownAdmin.script('EXISTS', ...shas), [0, 0, 0], 'the server forgot every script')
    }
    await flush()
    await store.set(id, { meta, dataJson: '{"a":1,"b":2}' }, 60_000)
    await flush()
    const changes = { set: [['a', '3']] as Array<[string, string]>, deleted: ['b'] }
    t.true(await store.update(id, { meta, dataJson: '{"a":3}', changes }, 60_000))
    await flush()
    t.true(await store.touch(id, { meta: { ...meta, e: meta.e + 1000 }, dataJson: '{"a":3}' }, 120_000))
    const stored = await store.get(id)
    t.is(stored?.dataJson, '{"a":3}', 'the update after the flush was written')
    t.is(stored?.meta.e, meta.e + 1000, 'and the touch')
    t.true((await ownAdmin.pttl(`${store.prefix}${id}`)) > 60_000)
    await flush()
    await store.destroy(id)
    t.false(await store.update(id, { meta, dataJson: '{"a":4}', changes }, 60_000), 'a missing session: 0 through EVAL too')
    t.false(await store.touch(id, { meta, dataJson: '{"a":4}' }, 60_000))
    t.is(await ownAdmin.exists(`${store.prefix}${id}`), 0, 'and nothing was written')
    t.deepEqual(await ownAdmin.script('EXISTS', ...shas), [0, 1, 1], 'EVAL cached the scripts it ran')
  })

  test(title('destroy removes the key; a concurrent logout is not undone by a slower request'), async (t) => {
    const store = storeFor(kind)
    const g = gate()
    let arrived = 0
    const a = await app(t, store, {
      '/login': (s) => {
        s.regenerate()
        s.user = 'alice'
        return s.id
      },
      '/slow': async (s) => {
        s.cart = ['book']
        arrived++
        await g.opened
      },
      '/logout': (s) => s.destroy(),
      '/whoami': (s) => s.user ?? null,
    })
    const c = a.client()
    const id = (await ok(t, c.get('/login'))) as string
    const key = `${store.prefix}${id}`
    t.is(await admin.exists(key), 1)
    const slow = c.get('/slow')
    await until('the slow request loaded', () => arrived === 1)
    await ok(t, c.get('/logout'))
    t.is(await admin.exists(key), 0, 'destroy deletes the key')
    g.open()
    const late = await slow
    t.is(late.status, 200)
    t.is(await admin.exists(key), 0, 'the slower request did not write the session back')
    // Nothing at all: the logout already cleared the cookie, and after a new login the browser
    // would hold a newer one that any line for this name would replace.
    t.deepEqual(late.setCookie, [], 'and its response sends no Set-Cookie')
    t.is(await ok(t, c.get('/whoami')), null)
    // The store itself: update and touch of a missing session write nothing, and say so.
    const meta = { v: 1 as const, id, c: Date.now(), e: Date.now() + 60_000 }
    const changes = { set: [['x', '1']] as Array<[string, string]>, deleted: [] }
    t.false(await store.update(id, { meta, dataJson: '{"x":1}', fields: new Map([['x', '1']]), changes }, 60_000))
    t.false(await store.touch(id, { meta, dataJson: '{}' }, 60_000))
    t.is(await admin.exists(key), 0)
  })

  // A request that loaded the session before /login regenerated it, and writes it (update), only
  // re-sends it (rolling: touch) or saves it (save(), then writes again) after: it finds the session gone and must
  // send no Set-Cookie, which would replace (or clear) the new login cookie and log the user out.
  for (const [label, options, route] of [
    ['a write', {}, '/slow-write'],
    ['a read with rolling: true (touch)', { rolling: true }, '/slow-read'],
    ['save() and a later write', {}, '/slow-save'],
  ] as const) {
    test(title(`${label} that began before a new login sends no Set-Cookie; the user stays logged in`), async (t) => {
      const g = gate()
      let arrived = 0
      const slow = async () => {
        arrived++
        await g.opened
      }
      const a = await app(
        t,
        storeFor(kind),
        {
          '/login': (s, ctx) => {
            s.regenerate()
            s.user = ctx.q('user')
          },
          '/slow-write': async (s) => {
            await slow()
            s.lastSeen = 1
          },
          '/slow-read': async (s) => {
            await slow()
            return s.user
          },
          '/slow-save': async (s) => {
            await slow()
            s.lastSeen = 1
            await s.save()
            // Found gone: later writes of this request are not saved or sent either.
            s.after = 1
          },
          '/whoami': (s) => s.user ?? null,
        },
        options,
      )
      const c = a.client()
      await ok(t, c.get('/login?user=guest'))
      const pending = c.get(route)
      await until('the slow request loaded', () => arrived === 1)
      await ok(t, c.get('/login?user=alice'))
      t.is(await ok(t, c.get('/whoami')), 'alice')
      g.open()
      const late = await pending
      t.is(late.status, 200)
      t.deepEqual(late.setCookie, [], 'no Set-Cookie: the browser holds a newer cookie')
      t.is(await ok(t, c.get('/whoami')), 'alice', 'still logged in as alice')
    })
  }

  test(title('hundreds of keys: written, changed and deleted in one request each'), async (t) => {
    const store = storeFor(kind)
    const a = await app(t, store, {
      '/fill': (s) => {
        for (let i = 0; i < 1500; i++) s[`k${i}`] = i
      },
      '/churn': (s) => {
        for (let i = 0; i < 1500; i += 2) delete s[`k${i}`]
        for (let i = 1; i < 1500; i += 2) s[`k${i}`] = -i
        for (let i = 0; i < 700; i++) s[`n${i}`] = true
      },
      '/read': (s) => s.toJSON(),
    })
    const c = a.client()
    await ok(t, c.get('/fill'))
    await ok(t, c.get('/churn'))
    const data = (await ok(t, c.get('/read'))) as Record<string, unknown>
    t.is(Object.keys(data).length, 750 + 700)
    t.is(data.k1499, -1499)
    t.is(data.k0, undefined)
    t.is(data.n699, true)
  })

  test(title('serializer: every stored value transformed; unreadable values give a fresh session'), async (t) => {
    let broken = false
    const store = storeFor(kind, {
      serializer: {
        stringify: (json) => Buffer.from(json).toString('base64'),
        parse: (stored) => {
          if (broken) throw new Error('key rotated away')
          return Buffer.from(stored, 'base64').toString()
        },
      },
    })
    const a = await app(t, store, {
      '/write': (s) => {
        s.secret = 'plans'
      },
      '/read': (s) => s.secret ?? null,
    })
    const c = a.client()
    await ok(t, c.get('/write'))
    t.is(await ok(t, c.get('/read')), 'plans')
    const [key] = (await admin.keys(`${store.prefix}*`)) as [string]
    const hash = await admin.hgetall(key)
    t.is(hash.secret, Buffer.from('"plans"').toString('base64'))
    t.false(JSON.stringify(hash).includes('plans'))
    t.notThrows(() => JSON.parse(Buffer.from(hash['\u0000'] as string, 'base64').toString()), 'the metadata too')
    broken = true
    t.is(await ok(t, c.get('/read')), null)
    t.true(a.invalid.includes('ERR_UNKNOWN_SESSION'))
  })

  test(title('corrupt hashes are not trusted: a fresh session'), async (t) => {
    const store = storeFor(kind)
    const a = await app(t, store, {
      '/write': (s) => {
        s.x = 1
        return s.id
      },
      '/read': (s) => s.x ?? null,
    })
    const c = a.client()
    const corrupt: Array<[string, (key: string) => Promise<unknown>]> = [
      ['metadata that is not a session', (key) => admin.hset(key, '\u0000', '{"v":2}')],
      ['no metadata', (key) => admin.hdel(key, '\u0000')],
      [
        'metadata of another session',
        (key) => admin.hset(key, '\u0000', JSON.stringify({ v: 1, id: 'y'.repeat(43), c: 1, e: 9e12 })),
      ],
      ['a field name no key maps to', (key) => admin.hset(key, '\u0000{', '1')],
      ['a value that is not JSON', (key) => admin.hset(key, 'x', '{')],
    ]
    for (const [what, spoil] of corrupt) {
      const id = await ok(t, c.get('/write'))
      t.is(await ok(t, c.get('/read')), 1)
      await spoil(`${store.prefix}${id}`)
      t.is(await ok(t, c.get('/read')), null, what)
    }
  })

  test(title('revocation generations in Redis reach every app that shares it'), async (t) => {
    const prefix = newPrefix()
    const generations = () => redisGenerations({ client: clients.get(kind)?.client, prefix })
    const shared = storeFor(kind)
    const routes: Routes = {
      '/login': (s) => {
        s.regenerate()
        s.userId = 'u1'
      },
      '/whoami': (s) => s.userId ?? null,
    }
    const revocation = () => ({ userOf: (d: Record<string, unknown>) => d.userId as string, generations: generations() })
    const one = await app(t, shared, routes, { revocation: revocation() })
    const two = await app(t, shared, routes, { revocation: revocation() })
    const c = one.client()
    await ok(t, c.get('/login'))
    t.is(await ok(t, c.get('/whoami')), 'u1')
    t.is(await two.manager.revokeUser('u1'), 1)
    t.is(await admin.get(`${prefix}u1`), '1')
    t.is(await ok(t, c.get('/whoami')), null, "the other app's revocation is seen here")
    t.true(one.invalid.includes('ERR_REVOKED'))
    t.is(await generations().get('nobody'), 0)
  })
}

// --- Options and clients keycard opens ------------------------------------------------------------

test(t_('redis: options are checked before anything connects'), (t) => {
  const client = clients.get('ioredis')?.client
  const code = (fn: () => unknown) => (t.throws(fn) as { code?: string }).code
  t.is(
    code(() => redisStore({ client, url: server.url })),
    'ERR_INVALID_ARGUMENT',
  )
  t.is(
    code(() => redisStore({ client: {} })),
    'ERR_INVALID_ARGUMENT',
  )
  t.is(
    code(() => redisStore({ client, ttl: 'soon' })),
    'ERR_INVALID_ARGUMENT',
  )
  t.is(
    code(() => redisStore({ client, serializer: { stringify: (s: string) => s } as never })),
    'ERR_INVALID_ARGUMENT',
  )
  t.is(
    code(() => redisStore({ url: 'http://example.com' })),
    'ERR_BAD_CONFIG',
  )
  const saved = process.env.KEYCARD_REDIS_URL
  delete process.env.KEYCARD_REDIS_URL
  try {
    t.is(
      code(() => redisStore()),
      'ERR_BAD_CONFIG',
    )
  } finally {
    if (saved !== undefined) process.env.KEYCARD_REDIS_URL = saved
  }
  t.is(redisStore({ client }).partial, true)
})

for (const library of ['ioredis', 'redis'] as const satisfies readonly Library[]) {
  test(t_(`redis: url client (${library}): works at once, and closes`), async (t) => {
    const store = new RedisSessionStore(openUrl(server.url, [library]), { prefix: newPrefix() })
    t.teardown(() => store.close())
    // The first command is sent before the connection is up: it waits for it.
    const meta = { v: 1 as const, id: 'x'.repeat(43), c: Date.now(), e: Date.now() + 60_000 }
    await store.set(meta.id, { meta, dataJson: '{"a":1}' }, 60_000)
    t.is((await store.get(meta.id))?.dataJson, '{"a":1}')
    const generations = generationsOver(openUrl(server.url, [library]), newPrefix())
    t.is(await generations.bump('u'), 1)
    t.is(await generations.get('u'), 1)
    await generations.close()
    await store.close()
    await t.throwsAsync(store.get(meta.id), undefined, 'a closed client refuses')
  })
  test(
    t_(`redis: url client (${library}): with Redis down from the start it fails fast, and connects once Redis is up`),
    async (t) => {
      const port = await freePort()
      const store = new RedisSessionStore(openUrl(`redis://127.0.0.1:${port}`, [library]), { prefix: newPrefix() })
      t.teardown(() => store.close())
      const id = 'z'.repeat(43)
      const timed = async () => {
        const start = performance.now()
        const error = await t.throwsAsync(store.get(id))
        return { ms: performance.now() - start, error }
      }
      const first = await timed()
      t.true(first.ms < 2500, `the first call waits at most for the first connection attempt (${Math.round(first.ms)} ms)`)
      const later = await timed()
      t.true(later.ms < 100, `later calls are refused at once while Redis is down (${Math.round(later.ms)} ms)`)
      // Redis comes up on that port: the client reconnects by itself.
      const late = await startRedis({ port })
      t.teardown(() => late.stop())
      await until('the client to reconnect', () =>
        store.get(id).then(
          (found) => found === undefined,
          () => false,
        ),
      )
      t.pass()
    },
  )
}

test(t_('redis: redisStore({ url }) and KEYCARD_REDIS_URL open a client (ioredis first)'), async (t) => {
  const store = redisStore({ url: server.url, prefix: newPrefix() })
  t.teardown(() => store.close())
  const manager = new SessionManager({ secret: SECRET, store })
  const s = await manager.load(undefined)
  s.n = 1
  t.is((await manager.commit(s)).length, 1)
  t.is(keysUnder(store.prefix), 1)
  const saved = process.env.KEYCARD_REDIS_URL
  process.env.KEYCARD_REDIS_URL = server.url
  try {
    const fromEnv = redisStore({ prefix: store.prefix })
    t.teardown(() => fromEnv.close())
    t.is((await fromEnv.get(s.id))?.dataJson, '{"n":1}')
  } finally {
    if (saved === undefined) delete process.env.KEYCARD_REDIS_URL
    else process.env.KEYCARD_REDIS_URL = saved
  }
})
