/**
 * A user's sessions (`userOf`, `manager.listSessions(user)`, `manager.destroySessions(user,
 * { except })`) on memoryStore and on keycard/redis (a real redis-server, ioredis and node-redis):
 * listing, `except`, regenerate, a user switch and logout moving a session between indexes,
 * concurrent writes and destroys, expiry (a moved clock for memory, short TTLs for Redis),
 * hostile user ids (escaped in Redis keys; lone surrogates and over-long ids refused), the
 * cookie store's ERR_BAD_CONFIG, the options (`userOf` shared with `revocation`), and the store
 * kit's `listByUser` checks (a store that lists another user's session fails them).
 */

import { execFileSync } from 'node:child_process'
import plainTest, { type ExecutionContext } from 'ava'
import Redis from 'ioredis'
import { SessionManager } from '../src/sessions/manager'
import type { SessionOptions } from '../src/sessions/options'
import { memoryGenerations } from '../src/sessions/revocation'
import { cookieStore } from '../src/sessions/stores/cookie'
import { memoryStore } from '../src/sessions/stores/memory'
import { redisStore } from '../src/sessions/stores/redis'
import { SET } from '../src/sessions/stores/redis/scripts'
import type { RedisSessionStore } from '../src/sessions/stores/redis/store'
import type { ServerStore, SessionMeta } from '../src/sessions/stores/types'
import { type StoreContractError, testStore } from '../src/testing'
import { SECRET, t_ } from './helpers/backends'
import { CLIENT_KINDS, type ClientKind, type OpenClient, openClient, type RedisServer, startRedis, until } from './helpers/redis'
import { requires } from './helpers/requires'

// Without redis-server the Redis tests are skipped (one line says how to install it); memory ones run.
const test = requires('redis-server')

type Manager = SessionManager<Record<string, unknown>>

const userOf = (d: Record<string, unknown>) => d.userId as string | undefined

function managerOf(store: SessionOptions['store'], options: SessionOptions = {}): Manager {
  return new SessionManager({ secret: SECRET, store, userOf, ...options })
}

/** A browser: its cookie jar for one manager, and the session id it holds. */
interface Browser {
  cookie: string | undefined
  id: string
}

/** One request: load the browser's session, let `change` work on it, commit, keep the cookie. */
async function request(
  manager: Manager,
  browser: Browser,
  change: (s: Record<string, unknown> & { regenerate(): void; destroy(): void; id: string }) => void,
) {
  const s = (await manager.load(browser.cookie)) as never as Record<string, unknown> & {
    regenerate(): void
    destroy(): void
    id: string
  }
  change(s)
  const lines = await manager.commit(s as never)
  if (lines.length > 0) browser.cookie = lines.map((l) => l.split(';')[0]).join('; ')
  browser.id = s.id
}

async function login(manager: Manager, user: string, browser: Browser = { cookie: undefined, id: '' }): Promise<Browser> {
  await request(manager, browser, (s) => {
    s.regenerate()
    s.userId = user
  })
  return browser
}

const idsOf = async (manager: Manager, user: string) => (await manager.listSessions(user)).map((s) => s.id).sort()

// --- The store cases: memory, and Redis over each client library -------------------------------

interface Case {
  name: string
  test: typeof plainTest
  make(t: ExecutionContext): Promise<ServerStore> | ServerStore
}

let server: RedisServer | undefined
let admin: Redis | undefined
const clients = new Map<ClientKind, OpenClient>()
let prefixes = 0
const newPrefix = () => `ku:${process.pid}:${++prefixes}:`

/** Starts the one redis-server of this file, once, on first use (memory-only runs start none). */
let starting: Promise<void> | undefined
function redisReady(): Promise<void> {
  starting ??= (async () => {
    server = await startRedis()
    admin = new Redis(server.url)
    for (const kind of CLIENT_KINDS) clients.set(kind, await openClient(kind, server.url))
  })()
  return starting
}

test.after.always(async () => {
  for (const c of clients.values()) await c.close()
  admin?.disconnect()
  await server?.stop()
})

const CASES: Case[] = [
  { name: 'memory', test: plainTest, make: () => memoryStore() },
  ...CLIENT_KINDS.map(
    (kind): Case => ({
      name: `redis (${kind})`,
      test,
      async make() {
        await redisReady()
        return redisStore({ client: clients.get(kind)?.client, prefix: newPrefix() })
      },
    }),
  ),
]

for (const c of CASES) {
  c.test(t_(`${c.name}: listSessions lists a user's live sessions; destroySessions ends them but \`except\``), async (t) => {
    const manager = managerOf(await c.make(t))
    const phone = await login(manager, 'alice')
    const laptop = await login(manager, 'alice')
    const tablet = await login(manager, 'alice')
    const bob = await login(manager, 'bob')
    await request(manager, { cookie: undefined, id: '' }, (s) => {
      s.anonymous = true // an anonymous session is nobody's
    })
    t.deepEqual(await idsOf(manager, 'alice'), [phone.id, laptop.id, tablet.id].sort())
    t.deepEqual(await idsOf(manager, 'bob'), [bob.id])
    t.deepEqual(await manager.listSessions('nobody'), [])
    const [first] = await manager.listSessions('alice')
    t.true(first?.createdAt instanceof Date && first.expiresAt instanceof Date)
    t.true((first?.expiresAt.getTime() ?? 0) > (first?.createdAt.getTime() ?? 0))

    // "Log out my other devices": the current one stays, the others are refused from now on.
    t.is(await manager.destroySessions('alice', { except: laptop.id }), 2)
    t.deepEqual(await idsOf(manager, 'alice'), [laptop.id])
    t.true((await manager.load(phone.cookie)).isNew)
    t.false((await manager.load(laptop.cookie)).isNew)
    t.deepEqual(await idsOf(manager, 'bob'), [bob.id])
    t.is(await manager.destroySessions('alice'), 1)
    t.deepEqual(await manager.listSessions('alice'), [])
    t.true((await manager.load(laptop.cookie)).isNew)
    t.is(await manager.destroySessions('alice'), 0)
  })

  c.test(t_(`${c.name}: regenerate, a user switch and logout move a session between users`), async (t) => {
    const manager = managerOf(await c.make(t))
    const browser = await login(manager, 'alice')
    const before = browser.id
    await login(manager, 'alice', browser) // a second login: regenerate gives a new id
    t.not(browser.id, before)
    t.deepEqual(await idsOf(manager, 'alice'), [browser.id]) // the old id is gone
    await request(manager, browser, (s) => {
      s.userId = 'bob' // the same session, now bob's
    })
    t.deepEqual(await manager.listSessions('alice'), [])
    t.deepEqual(await idsOf(manager, 'bob'), [browser.id])
    await request(manager, browser, (s) => {
      delete s.userId // logged out, session kept
    })
    t.deepEqual(await manager.listSessions('bob'), [])
    await login(manager, 'carol', browser)
    await request(manager, browser, (s) => s.destroy())
    t.deepEqual(await manager.listSessions('carol'), [])
  })

  c.test(t_(`${c.name}: concurrent logins, writes and destroys leave the list exact`), async (t) => {
    const manager = managerOf(await c.make(t))
    const browsers = await Promise.all(Array.from({ length: 12 }, () => login(manager, 'dora')))
    // At once: a third log out, a third write, a third switch to another user.
    await Promise.all(
      browsers.map((b, i) =>
        request(manager, b, (s) => {
          if (i % 3 === 0) s.destroy()
          else if (i % 3 === 1) s.views = i
          else s.userId = 'eve'
        }),
      ),
    )
    const live = browsers.filter((_, i) => i % 3 === 1).map((b) => b.id)
    t.deepEqual(await idsOf(manager, 'dora'), live.sort())
    t.deepEqual(
      await idsOf(manager, 'eve'),
      browsers
        .filter((_, i) => i % 3 === 2)
        .map((b) => b.id)
        .sort(),
    )
    // destroySessions racing writes of the same sessions: none is written back.
    const ended = await Promise.all([
      manager.destroySessions('dora'),
      ...browsers
        .filter((_, i) => i % 3 === 1)
        .map((b) =>
          request(manager, b, (s) => {
            s.more = 1
          }),
        ),
    ])
    t.is(ended[0], live.length)
    t.deepEqual(await manager.listSessions('dora'), [])
    for (const b of browsers.filter((_, i) => i % 3 === 1)) t.true((await manager.load(b.cookie)).isNew)
  })

  c.test(t_(`${c.name}: hostile user ids each list their own sessions; bad ones are refused`), async (t) => {
    const manager = managerOf(await c.make(t))
    const users = ['*', '?', 'a:b', 'user:a', '{a}', '%61', 'a', 'A', '', ' a', 'Zoë 🔑', '\u0000', 'k'.repeat(1024)]
    const browsers = new Map<string, Browser>()
    for (const user of users) browsers.set(user, await login(manager, user))
    for (const user of users) t.deepEqual(await idsOf(manager, user), [browsers.get(user)?.id], JSON.stringify(user).slice(0, 30))
    // Numbers are their string: the same user.
    const n = await login(manager, '42')
    t.deepEqual(await idsOf(manager, 42 as never), [n.id])
    for (const bad of ['\ud800', 'a\udc00b', 'k'.repeat(1025)]) {
      await t.throwsAsync(manager.listSessions(bad), { code: 'ERR_INVALID_ARGUMENT' })
      await t.throwsAsync(manager.destroySessions(bad), { code: 'ERR_INVALID_ARGUMENT' })
      // A session whose userOf gives one is not saved: the commit fails, typed, before any write.
      const s = await manager.load(undefined)
      s.userId = bad
      await t.throwsAsync(manager.commit(s), { code: 'ERR_INVALID_ARGUMENT' })
    }
    for (const bad of [null, {}, Number.NaN, ['a']]) {
      await t.throwsAsync(manager.listSessions(bad as never), { code: 'ERR_INVALID_ARGUMENT' })
    }
    await t.throwsAsync(manager.destroySessions('a', { except: 5 as never }), { code: 'ERR_INVALID_ARGUMENT' })
    await t.throwsAsync(manager.destroySessions('a', null as never), { code: 'ERR_INVALID_ARGUMENT' })
  })

  c.test(t_(`${c.name}: revoked sessions are not listed, and revocation.userOf alone lists too`), async (t) => {
    const generations = memoryGenerations()
    const store = await c.make(t)
    const manager = new SessionManager({ secret: SECRET, store, revocation: { userOf, generations } })
    const b = await login(manager as Manager, 'frank')
    t.deepEqual(await idsOf(manager as Manager, 'frank'), [b.id])
    await manager.revokeUser('frank')
    t.deepEqual(await manager.listSessions('frank'), [])
    t.is(await manager.destroySessions('frank'), 0)
  })
}

// --- memory: a moved clock, the index itself, named caches --------------------------------------

plainTest(t_('memory: sessions past their idle timeout or absolute lifetime are not listed (moved clock)'), async (t) => {
  let now = Date.UTC(2030, 0, 1)
  const manager = managerOf(memoryStore(), { ttl: '1h', absoluteTtl: '1d', rolling: true, now: () => now })
  const idle = await login(manager, 'gina')
  now += 30 * 60_000
  const active = await login(manager, 'gina')
  now += 45 * 60_000 // idle expired, active has 15 minutes left
  t.deepEqual(await idsOf(manager, 'gina'), [active.id])
  t.not(idle.id, active.id)
  for (let i = 0; i < 30; i++) {
    now += 50 * 60_000
    await request(manager, active, (s) => {
      s.tick = i
    })
  }
  t.deepEqual(await manager.listSessions('gina'), []) // past the absolute lifetime, however active
  t.is(await manager.destroySessions('gina'), 0)
})

plainTest(t_('memory: the index drops sessions the cache expired or evicted'), async (t) => {
  const store = memoryStore({ maxSessions: 2 })
  const meta = (id: string, u: string): SessionMeta => ({ v: 1, id, c: Date.now(), e: Date.now() + 60_000, u })
  const ids = ['a'.repeat(43), 'b'.repeat(43), 'c'.repeat(43)]
  await store.set(ids[0] as string, { meta: meta(ids[0] as string, 'h'), dataJson: '{}' }, 60_000)
  await store.set(ids[1] as string, { meta: meta(ids[1] as string, 'h'), dataJson: '{}' }, 60_000)
  await store.set(ids[2] as string, { meta: meta(ids[2] as string, 'h'), dataJson: '{}' }, 60_000) // evicts the first
  t.deepEqual((await store.listByUser?.('h'))?.map((m) => m.id).sort(), [ids[1], ids[2]])
  const short = 'd'.repeat(43)
  await store.set(short, { meta: meta(short, 'i'), dataJson: '{}' }, 20)
  await until('the cache to expire the session', async () => (await store.get(short)) === undefined)
  t.deepEqual(await store.listByUser?.('i'), [])
})

plainTest(t_('memory: a named (thread-shared) memory store cannot list: ERR_BAD_CONFIG'), async (t) => {
  const manager = managerOf(memoryStore({ name: `users-${process.pid}` }))
  await t.throwsAsync(manager.listSessions('a'), { code: 'ERR_BAD_CONFIG', message: /listByUser/ })
})

plainTest(t_('cookie store: listSessions and destroySessions are ERR_BAD_CONFIG pointing to revokeUser'), async (t) => {
  const manager = managerOf(cookieStore())
  await login(manager, 'a')
  await t.throwsAsync(manager.listSessions('a'), { code: 'ERR_BAD_CONFIG', message: /revokeUser/ })
  await t.throwsAsync(manager.destroySessions('a'), { code: 'ERR_BAD_CONFIG', message: /revokeUser/ })
})

plainTest(t_('options: userOf is needed to list, is shared with revocation, and two different ones are refused'), async (t) => {
  const plain = new SessionManager({ secret: SECRET, store: memoryStore() })
  await t.throwsAsync(plain.listSessions('a'), { code: 'ERR_BAD_CONFIG', message: /userOf/ })
  const generations = memoryGenerations()
  // The top-level userOf is revocation's when it has none of its own.
  const shared = new SessionManager({ secret: SECRET, userOf, revocation: { generations } })
  const b = await login(shared as Manager, 'a')
  t.false((await shared.load(b.cookie)).isNew)
  await shared.revokeUser('a')
  t.true((await shared.load(b.cookie)).isNew)
  t.notThrows(() => new SessionManager({ secret: SECRET, userOf, revocation: { userOf, generations } }))
  t.throws(() => new SessionManager({ secret: SECRET, userOf, revocation: { userOf: (d) => d.id as string, generations } }), {
    code: 'ERR_BAD_CONFIG',
    message: /userOf once/,
  })
  t.throws(() => new SessionManager({ secret: SECRET, revocation: { generations } }), {
    code: 'ERR_BAD_CONFIG',
    message: /userOf/,
  })
  t.throws(() => new SessionManager({ secret: SECRET, userOf: 'userId' as never }), { code: 'ERR_BAD_CONFIG', message: /userOf/ })
  // The unknown-option hint knows the new name.
  t.throws(() => new SessionManager({ secret: SECRET, userof: userOf } as never), { code: 'ERR_BAD_CONFIG', message: /`userOf`/ })
})

// --- The store kit: listByUser checked when a store has it ----------------------------------------

plainTest(t_('store kit: memoryStore passes the listByUser checks; a store listing another user fails them'), async (t) => {
  const report = await testStore(() => memoryStore())
  t.true(report.passed.includes('list by user') && report.passed.includes('list by user: ttl'))
  // A store that lists by a prefix of the user id (a pattern match): alice's list includes alicia's.
  const leaky = (): ServerStore => {
    const inner = memoryStore()
    const all = new Map<string, SessionMeta>()
    return {
      kind: 'server',
      get: (id) => inner.get(id),
      async set(id, s, ttl) {
        all.set(id, s.meta)
        await inner.set(id, s, ttl)
      },
      update: (id, s, ttl) => inner.update?.(id, s, ttl) as Promise<boolean>,
      destroy: (id) => inner.destroy(id),
      async listByUser(user) {
        return [...all.values()].filter((m) => m.u?.startsWith(user.slice(0, 1)) === true)
      },
    }
  }
  const err = await t.throwsAsync(testStore(leaky), { instanceOf: AggregateError })
  const checks = new Set(((err?.errors ?? []) as StoreContractError[]).map((e) => e.check))
  t.true(checks.has('list by user'))
})

// --- Redis: the keys themselves ------------------------------------------------------------------

/** Keys matching `pattern`, by redis-cli (tests only: the store itself never scans). */
function keysLike(pattern: string): string[] {
  const port = String(server?.port)
  return execFileSync('redis-cli', ['-p', port, '--scan', '--pattern', pattern], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line !== '')
}

for (const kind of CLIENT_KINDS) {
  test(t_(`redis (${kind}): one escaped sorted set per user, its TTL the longest session's, stale members pruned`), async (t) => {
    await redisReady()
    const prefix = newPrefix()
    const store = redisStore({ client: clients.get(kind)?.client, prefix }) as RedisSessionStore
    const manager = managerOf(store, { ttl: '1h' })
    const long = await login(manager, 'a:b{c}*')
    const longer = new SessionManager({ secret: SECRET, store, userOf, ttl: '2h' })
    await login(longer as Manager, 'a:b{c}*')
    const set = `${prefix}user:a%3Ab%7Bc%7D%2A`
    t.is(store.userKey('a:b{c}*'), set)
    t.deepEqual(keysLike(`${prefix}user:*`), [set])
    t.is(await admin?.zcard(set), 2)
    const pttl = Number(await admin?.pttl(set))
    t.true(pttl > 60 * 60_000 && pttl <= 2 * 60 * 60_000, String(pttl)) // the 2h session's, not the 1h one's
    // A destroyed session (store.destroy knows no user) stays in the set until a list prunes it.
    await store.destroy(long.id)
    t.is(await admin?.zcard(set), 2)
    t.is((await manager.listSessions('a:b{c}*')).length, 1)
    t.is(await admin?.zcard(set), 1)
  })

  test(t_(`redis (${kind}): sessions that expire leave the user's set, and the set expires with them`), async (t) => {
    await redisReady()
    const prefix = newPrefix()
    const store = redisStore({ client: clients.get(kind)?.client, prefix, ttl: 200 })
    const manager = managerOf(store)
    await login(manager, 'h')
    await login(manager, 'h')
    const set = store.userKey('h')
    t.true(Number(await admin?.pttl(set)) <= 200) // the sessions' TTL (-2 once it is gone)
    await until('the sessions and the set to expire', async () => (await admin?.exists(set)) === 0)
    t.deepEqual(await manager.listSessions('h'), [])
    t.deepEqual(keysLike(`${prefix}*`), [])
  })

  test(
    t_(`redis (${kind}): records stay compatible: a session written without the index loads, and lists once saved again`),
    async (t) => {
      await redisReady()
      const prefix = newPrefix()
      const store = redisStore({ client: clients.get(kind)?.client, prefix })
      const manager = managerOf(store, { rolling: true })
      const browser = await login(manager, 'old')
      // As an older keycard wrote it: the same hash, no user set.
      await admin?.del(store.userKey('old'))
      t.deepEqual(await manager.listSessions('old'), [])
      const meta = (await store.get(browser.id))?.meta as SessionMeta
      await admin?.del(prefix + browser.id)
      await admin
        ?.evalsha(SET.sha, 1, prefix + browser.id, '60000', '\u0000', JSON.stringify(meta), 'userId', '"old"')
        .catch(() => admin?.eval(SET.source, 1, prefix + browser.id, '60000', '\u0000', JSON.stringify(meta), 'userId', '"old"'))
      const s = await manager.load(browser.cookie)
      t.is(s.userId, 'old')
      await manager.commit(s) // rolling: saved again, through the index
      t.deepEqual(await idsOf(manager, 'old'), [browser.id])
    },
  )

  test(t_(`redis (${kind}): the store kit's listByUser checks pass`), async (t) => {
    await redisReady()
    const report = await testStore(() => redisStore({ client: clients.get(kind)?.client, prefix: newPrefix() }))
    t.true(report.passed.includes('list by user') && report.passed.includes('list by user: ttl'))
  })
}
