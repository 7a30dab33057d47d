/**
 * The session core driven directly (`SessionManager.load` / `commit`, no HTTP), on a clock the
 * test moves (the `now` option), so every time is asserted exactly: Max-Age and Expires, expiry
 * at `e` to the millisecond, when `rolling` re-sends, the absolute lifetime, and the seal's own
 * expiry. Each row runs on the cookie store and on the memory store, on the backend of the run.
 *
 * A `Browser` here is a cookie jar: it sends what the last responses set, as a Cookie header.
 */

import test, { type ExecutionContext } from 'ava'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import { inject } from 'light-my-request'
import { unseal } from '../src/seal'
import { session as expressSession } from '../src/sessions/adapters/express'
import { session as fastifySession } from '../src/sessions/adapters/fastify'
import { session as fetchSession } from '../src/sessions/adapters/fetch'
import { session as honoSession, type SessionEnv } from '../src/sessions/adapters/hono'
import { session as koaSession } from '../src/sessions/adapters/koa'
import { session as nodeSession } from '../src/sessions/adapters/node'
import { SessionManager } from '../src/sessions/manager'
import type { SessionOptions } from '../src/sessions/options'
import { memoryGenerations } from '../src/sessions/revocation'
import type { Session } from '../src/sessions/session'
import { cookieStore } from '../src/sessions/stores/cookie'
import { memoryStore } from '../src/sessions/stores/memory'
import type { ServerStore } from '../src/sessions/stores/types'
import { SECRET, t_ } from './helpers/backends'

const STORES = ['cookie', 'memory'] as const
type StoreKind = (typeof STORES)[number]
const NAME = 'keycard'
const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
/** The test clock starts here: whole seconds, far from the real clock (so nothing reads that one). */
const T0 = 1_900_000_000_000

// biome-ignore lint/suspicious/noExplicitAny: tests poke at arbitrary keys
type AnySession = Session<Record<string, any>>

/** One cookie of a Set-Cookie line: its name, value, Max-Age and Expires (ms). */
interface SetCookie {
  name: string
  value: string
  maxAge: number
  expires: number
}

function parse(line: string): SetCookie {
  const [pair = '', ...attributes] = line.split('; ')
  const eq = pair.indexOf('=')
  const attribute = (key: string) => attributes.find((a) => a.startsWith(`${key}=`))?.slice(key.length + 1)
  return {
    name: pair.slice(0, eq),
    value: pair.slice(eq + 1),
    maxAge: Number(attribute('Max-Age')),
    expires: Date.parse(attribute('Expires') ?? ''),
  }
}

/** A cookie jar: keeps what Set-Cookie lines set, forgets what they clear (Max-Age=0). */
class Browser {
  readonly jar = new Map<string, string>()

  store(lines: readonly string[]): SetCookie[] {
    const cookies = lines.map(parse)
    for (const c of cookies) {
      if (c.maxAge === 0) this.jar.delete(c.name)
      else this.jar.set(c.name, c.value)
    }
    return cookies
  }

  get header(): string | undefined {
    if (this.jar.size === 0) return undefined
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ')
  }
}

interface Setup {
  manager: SessionManager
  /** Where the test clock stands; move it with `clock.t = …`. */
  clock: { t: number }
  /** Codes passed to onInvalid, in order. */
  invalid: string[]
  store: StoreKind
  /** The memory store, to look inside (undefined for the cookie store). */
  memory: (ServerStore & { readonly size: number }) | undefined
  browser: Browser
  /** One request: load with the browser's cookies, run `handle`, commit, store the Set-Cookie lines. */
  request(handle?: (s: AnySession) => unknown): Promise<{ session: AnySession; cookies: SetCookie[]; lines: string[] }>
}

function setup(store: StoreKind, options: SessionOptions = {}): Setup {
  const clock = { t: T0 }
  const invalid: string[] = []
  const memory = store === 'memory' ? memoryStore() : undefined
  const manager = new SessionManager({
    secret: SECRET,
    store: memory ?? cookieStore(),
    ttl: '1h',
    now: () => clock.t,
    onInvalid: (code) => invalid.push(code),
    ...options,
  })
  const browser = new Browser()
  return {
    manager,
    clock,
    invalid,
    store,
    memory,
    browser,
    async request(handle) {
      const session = (await manager.load(browser.header)) as AnySession
      await handle?.(session)
      const lines = await manager.commit(session)
      return { session, cookies: browser.store(lines), lines }
    },
  }
}

/** The main cookie of a response that sets one (fails the test otherwise). */
function mainCookie(t: ExecutionContext, cookies: SetCookie[]): SetCookie {
  const c = cookies.find((x) => x.name === NAME)
  t.truthy(c, 'the response sets the session cookie')
  return c as SetCookie
}

/** Titles per store, each row run for both. */
function eachStore(title: string, run: (t: ExecutionContext, store: StoreKind) => Promise<void> | void): void {
  for (const store of STORES) test(t_(`core, ${store} store: ${title}`), (t) => run(t, store))
}

eachStore('Max-Age is the ttl in seconds and Expires is now + ttl, from the clock', async (t, store) => {
  const s = setup(store)
  s.clock.t = T0 + 250
  const { session, cookies } = await s.request((x) => {
    x.n = 1
  })
  const c = mainCookie(t, cookies)
  t.is(c.maxAge, 3600)
  t.is(c.expires, Math.floor((T0 + 250) / SECOND) * SECOND + HOUR, 'Expires: the clock + Max-Age (second precision)')
  t.is(session.expiresAt.getTime(), T0 + 250 + HOUR)
  t.deepEqual(s.invalid, [])
})

test(t_('core, cookie store: the seal carries the same expiry as the session (the clock reaches seal and unseal)'), async (t) => {
  const s = setup('cookie')
  const { cookies } = await s.request((x) => {
    x.n = 1
  })
  const sealed = mainCookie(t, cookies).value
  const purpose = `keycard/session/${NAME}`
  // T0 + 1 h is a whole second: the seal opens until the millisecond before it, and not at it.
  t.not(unseal(sealed, SECRET, { purpose, now: T0 + HOUR - 1, maxSize: 12_000 }), null)
  t.is(unseal(sealed, SECRET, { purpose, now: T0 + HOUR, maxSize: 12_000 }), null)
})

eachStore('a session is live one ms before e and refused as ERR_EXPIRED at e (whole and half seconds)', async (t, store) => {
  for (const start of [T0, T0 + 500]) {
    const s = setup(store)
    s.clock.t = start
    await s.request((x) => {
      x.n = 1
    })
    const e = start + HOUR
    s.clock.t = e - 1
    const live = (await s.manager.load(s.browser.header)) as AnySession
    t.is(live.n, 1, `live at e - 1 (start ${start})`)
    t.false(live.isNew)
    t.deepEqual(s.invalid, [])
    s.clock.t = e
    const { session, cookies } = await s.request()
    t.true(session.isNew, `a fresh session at e (start ${start})`)
    t.is(session.n, undefined)
    t.deepEqual(s.invalid, ['ERR_EXPIRED'])
    t.deepEqual(
      cookies.map((c) => [c.name, c.maxAge]),
      [[NAME, 0]],
      'the refused cookie is cleared',
    )
  }
})

eachStore("rolling 'auto' re-sends exactly once less than half of the ttl is left", async (t, store) => {
  const s = setup(store)
  await s.request((x) => {
    x.n = 1
  })
  s.clock.t = T0 + 30 * MINUTE // exactly half left: not yet
  t.deepEqual((await s.request()).lines, [])
  s.clock.t = T0 + 30 * MINUTE + 1
  const { cookies, session } = await s.request()
  const c = mainCookie(t, cookies)
  t.is(cookies.length, 1)
  t.is(c.maxAge, 3600)
  t.is(session.expiresAt.getTime(), T0 + 30 * MINUTE + 1 + HOUR, 'a fresh idle timeout from now')
  // Renewed: the next request, a moment later, has no reason to send it again.
  s.clock.t += 1
  t.deepEqual((await s.request()).lines, [])
  t.deepEqual(s.invalid, [])
})

eachStore('rolling: true re-sends on every response, false never re-sends an unchanged session', async (t, store) => {
  const always = setup(store, { rolling: true })
  await always.request((x) => {
    x.n = 1
  })
  always.clock.t = T0 + 1
  const { cookies } = await always.request()
  t.is(mainCookie(t, cookies).maxAge, 3600)

  const never = setup(store, { rolling: false })
  await never.request((x) => {
    x.n = 1
  })
  never.clock.t = T0 + HOUR - 1
  t.deepEqual((await never.request()).lines, [], 'unchanged: nothing sent, even one ms before the end')
  never.clock.t = T0 + HOUR
  const late = await never.request()
  t.true(late.session.isNew, 'the idle timeout counts from the last change')
  t.deepEqual(never.invalid, ['ERR_EXPIRED'])
})

eachStore('absoluteTtl ends the session at c + absoluteTtl even when rolling', async (t, store) => {
  const s = setup(store, { rolling: true, absoluteTtl: '2h' })
  await s.request((x) => {
    x.n = 1
  })
  s.clock.t = T0 + 50 * MINUTE
  t.is(mainCookie(t, (await s.request()).cookies).maxAge, 3600, 'rolling: a full hour again')
  s.clock.t = T0 + 100 * MINUTE
  const capped = await s.request()
  t.is(mainCookie(t, capped.cookies).maxAge, 20 * 60, 'capped at the absolute deadline')
  t.is(capped.session.expiresAt.getTime(), T0 + 2 * HOUR)
  s.clock.t = T0 + 2 * HOUR - 1
  t.is(((await s.manager.load(s.browser.header)) as AnySession).n, 1, 'live until the ms before c + absoluteTtl')
  s.clock.t = T0 + 2 * HOUR
  const { session } = await s.request()
  t.true(session.isNew)
  t.deepEqual(s.invalid, ['ERR_EXPIRED'])
})

eachStore('absoluteTtl passing while the request runs: the loaded session ends at commit', async (t, store) => {
  const s = setup(store, { ttl: '3h', absoluteTtl: '2h' })
  const first = await s.request((x) => {
    x.n = 1
  })
  const oldId = first.session.id
  s.clock.t = T0 + 2 * HOUR - 1
  const session = (await s.manager.load(s.browser.header)) as AnySession
  t.is(session.n, 1)
  s.clock.t = T0 + 2 * HOUR
  const lines = await s.manager.commit(session)
  t.deepEqual(
    s.browser.store(lines).map((c) => [c.name, c.maxAge]),
    [[NAME, 0]],
    'over: cleared',
  )
  t.true(session.isNew)
  t.not(session.id, oldId)
  if (s.memory) t.is(await s.memory.get(oldId), undefined, 'and deleted from the store')
})

eachStore('a new session committed after absoluteTtl starts at commit', async (t, store) => {
  const s = setup(store, { absoluteTtl: '2h' })
  const session = (await s.manager.load(undefined)) as AnySession
  session.n = 1
  s.clock.t = T0 + 2 * HOUR + 5
  const cookies = s.browser.store(await s.manager.commit(session))
  t.is(mainCookie(t, cookies).maxAge, 3600)
  t.is(session.expiresAt.getTime(), T0 + 3 * HOUR + 5)
  s.clock.t = T0 + 3 * HOUR + 4
  t.is(((await s.manager.load(s.browser.header)) as AnySession).n, 1, 'its absolute lifetime counts from the commit')
  t.deepEqual(s.invalid, [])
})

eachStore('a flash message survives exactly one read', async (t, store) => {
  const s = setup(store)
  await s.request((x) => x.flash('msg', 'saved'))
  s.clock.t += SECOND
  t.deepEqual((await s.request()).lines, [], 'not read: nothing to send')
  let read: unknown
  s.clock.t += SECOND
  const second = await s.request((x) => {
    read = x.flash('msg')
  })
  t.deepEqual(read, ['saved'])
  t.is(second.cookies.length, 1, 'taking a flash changes the session')
  s.clock.t += SECOND
  await s.request((x) => {
    read = x.flash('msg')
  })
  t.deepEqual(read, [])
})

eachStore('regenerate: a new id whose absolute lifetime starts at the clock; destroy clears it', async (t, store) => {
  const s = setup(store, { absoluteTtl: '2h', rolling: true })
  const first = await s.request((x) => {
    x.user = 'alice'
  })
  const oldId = first.session.id
  s.clock.t = T0 + 30 * MINUTE
  const regenerated = await s.request((x) => {
    x.regenerate({ keepData: true })
  })
  const newId = regenerated.session.id
  t.not(newId, oldId)
  t.is(regenerated.session.expiresAt.getTime(), T0 + 90 * MINUTE)
  if (s.memory) {
    t.is(await s.memory.get(oldId), undefined, 'the old id is deleted')
    t.is((await s.memory.get(newId))?.meta.c, T0 + 30 * MINUTE)
  }
  s.clock.t = T0 + 80 * MINUTE
  t.is((await s.request()).session.expiresAt.getTime(), T0 + 140 * MINUTE, 'rolled on: min(now + ttl, new c + absoluteTtl)')
  s.clock.t = T0 + 130 * MINUTE
  // Past the first session's absolute deadline, within the regenerated one's.
  const later = (await s.manager.load(s.browser.header)) as AnySession
  t.is(later.user, 'alice')
  t.is(later.id, newId)

  const destroyed = await s.request((x) => x.destroy())
  t.deepEqual(
    destroyed.cookies.map((c) => [c.name, c.maxAge]),
    [[NAME, 0]],
  )
  if (s.memory) t.is(await s.memory.get(newId), undefined)
  t.deepEqual(s.invalid, [])
})

eachStore('revocation: a session saved under an older generation is refused; a new login is not', async (t, store) => {
  const generations = memoryGenerations()
  const s = setup(store, { revocation: { userOf: (d) => d.user as string | undefined, generations } })
  await s.request((x) => {
    x.user = 'alice'
  })
  const bob = setup(store, { revocation: { userOf: (d) => d.user as string | undefined, generations } })
  await bob.request((x) => {
    x.user = 'bob'
  })
  t.is(await s.manager.revokeUser('alice'), 1)
  s.clock.t += SECOND
  const { session } = await s.request()
  t.true(session.isNew)
  t.deepEqual(s.invalid, ['ERR_REVOKED'])
  await s.request((x) => {
    x.user = 'alice'
  })
  s.clock.t += SECOND
  t.is((await s.request()).session.user, 'alice', 'logged in again: carries generation 1')
  t.deepEqual(s.invalid, ['ERR_REVOKED'])
  bob.clock.t += SECOND
  t.is((await bob.request()).session.user, 'bob', "another user's session is untouched")
})

test(t_('core, memory store: a session destroyed by another request meanwhile gets no Set-Cookie at all'), async (t) => {
  for (const end of ['destroy', 'regenerate'] as const) {
    const s = setup('memory')
    await s.request((x) => {
      x.n = 1
    })
    const header = s.browser.header
    const slow = (await s.manager.load(header)) as AnySession
    const logout = (await s.manager.load(header)) as AnySession
    if (end === 'destroy') logout.destroy()
    else logout.regenerate()
    logout.marker = end
    await s.manager.commit(logout)
    slow.n = 2
    t.deepEqual(await s.manager.commit(slow), [], `${end}: nothing written, nothing sent`)
    t.true(slow.isNew, `${end}: the slow request's session is empty from then on`)
    slow.n = 3
    await slow.save()
    t.deepEqual(await s.manager.commit(slow), [], `${end}: still nothing after another write and save()`)
    t.is(s.memory?.size, 1, `${end}: only the session of the request that ended the old one is stored`)
  }
})

test(t_('core, memory store: save() writes at once; the next commit sends its cookie once'), async (t) => {
  const s = setup('memory')
  const session = (await s.manager.load(undefined)) as AnySession
  session.n = 1
  await session.save()
  t.false(session.isNew)
  t.is((await s.memory?.get(session.id))?.meta.e, T0 + HOUR)
  s.clock.t = T0 + 10
  const cookies = s.browser.store(await s.manager.commit(session))
  t.is(cookies.length, 1)
  t.is(mainCookie(t, cookies).maxAge, 3599, 'Max-Age counts from the commit: e - now, in whole seconds')
  t.deepEqual(await s.manager.commit(session), [], 'sent once')
})

test(t_('core: the now option is checked: a function at start-up, a whole ms >= 0 whenever it is read'), async (t) => {
  for (const bad of ['1', 1, {}, null]) {
    t.throws(() => new SessionManager({ secret: SECRET, now: bad as unknown as () => number }), { code: 'ERR_BAD_CONFIG' })
  }
  const values: unknown[] = [Number.NaN, -1, 1.5, '1900000000000', Number.POSITIVE_INFINITY, undefined, null, 2 ** 53]
  for (const value of values) {
    const label = String(value)
    // Read at start-up too (the ttl is checked against today).
    t.throws(() => new SessionManager({ secret: SECRET, now: () => value as number }), { code: 'ERR_INVALID_ARGUMENT' }, label)
    for (const store of STORES) {
      let current: unknown = T0
      const s = setup(store, { now: () => current as number })
      const session = (await s.manager.load(undefined)) as AnySession
      session.n = 1
      current = value
      await t.throwsAsync(s.manager.commit(session), { code: 'ERR_INVALID_ARGUMENT' }, `${store} commit: ${label}`)
      await t.throwsAsync(s.manager.load(undefined), { code: 'ERR_INVALID_ARGUMENT' }, `${store} load: ${label}`)
      t.throws(() => session.regenerate(), { code: 'ERR_INVALID_ARGUMENT' }, `${store} regenerate: ${label}`)
      current = T0
      t.is((await s.manager.commit(session)).length, 1, `${store}: the session is intact once the clock is good`)
    }
  }
})

/** Every adapter, built with `now`: a first response's cookie expires an hour after the test clock. */
test(t_('core: session({ now }) reaches the manager in every adapter'), async (t) => {
  const options: SessionOptions = { secret: SECRET, ttl: '1h', now: () => T0 }
  const expected = new Date(T0 + HOUR).toUTCString()
  const check = (name: string, setCookie: unknown) => {
    const line = [setCookie].flat().find((l) => String(l).startsWith(`${NAME}=`))
    t.true(String(line).includes(`Expires=${expected}; Max-Age=3600`), `${name}: ${line}`)
  }

  const ex = express()
  ex.use(expressSession(options))
  ex.get('/', (req, res) => {
    req.session.n = 1
    res.end()
  })
  check('express', (await inject(ex, { url: '/' })).headers['set-cookie'])

  const node = nodeSession(options)
  const nodeReply = await inject(
    async (req, res) => {
      const s = await node.load(req)
      s.n = 1
      await node.commit(s, res)
      res.end()
    },
    { url: '/' },
  )
  check('node', nodeReply.headers['set-cookie'])

  const koa = new Koa()
  koa.use(koaSession(options))
  koa.use((ctx) => {
    ctx.session.n = 1
    ctx.body = 'ok'
  })
  check('koa', (await inject(koa.callback(), { url: '/' })).headers['set-cookie'])

  const fastify = Fastify()
  await fastify.register(fastifySession, options)
  fastify.get('/', async (request) => {
    request.session.n = 1
    return 'ok'
  })
  check('fastify', (await fastify.inject({ url: '/' })).headers['set-cookie'])
  t.is(fastify.sessionManager.options.now(), T0)
  await fastify.close()

  const hono = new Hono<SessionEnv>()
  hono.use(honoSession(options))
  hono.get('/', (c) => {
    c.get('session').n = 1
    return c.text('ok')
  })
  check('hono', (await hono.request('/')).headers.getSetCookie())

  const fetch = fetchSession(options)
  const s = await fetch.load(new Request('http://localhost/'))
  s.n = 1
  check('fetch', (await fetch.commit(s, new Response('ok'))).headers.getSetCookie())
})

// Commit serialises the data only when the handler may have changed it (a write, a delete, or a
// read that handed out an object). Every way of changing the data must still be seen.
for (const kind of ['cookie', 'memory'] as const) {
  test(t_(`core × ${kind}: every way a handler changes data is saved; reading primitives saves nothing`), async (t) => {
    const manager = new SessionManager({ secret: SECRET, store: kind === 'memory' ? memoryStore() : cookieStore() })
    const first = await manager.load(undefined)
    first.n = 1
    first.cart = { items: ['a'] }
    first.list = [1]
    let cookie = (await manager.commit(first))[0]?.split(';')[0]
    const steps: Array<[string, (s: Record<string, unknown> & { get(k: string): unknown; toJSON(): unknown }) => void, unknown]> =
      [
        ['read a number only', (s) => void s.n, null],
        ['nested mutation through a property', (s) => (s.cart as { items: string[] }).items.push('b'), ['a', 'b']],
        ['nested mutation through get()', (s) => (s.get('cart') as { items: string[] }).items.push('c'), ['a', 'b', 'c']],
        ['nested mutation through a spread', (s) => ({ ...s }).list && ({ ...s }.list as number[]).push(2), ['a', 'b', 'c']],
        [
          'nested mutation through Object.values',
          (s) => (Object.values(s).find(Array.isArray) as number[]).push(3),
          ['a', 'b', 'c'],
        ],
        ['delete', (s) => delete s.n, ['a', 'b', 'c']],
      ]
    for (const [label, change, items] of steps) {
      const s = (await manager.load(cookie)) as unknown as Record<string, unknown> & {
        get(k: string): unknown
        toJSON(): unknown
      }
      change(s)
      const headers = await manager.commit(s as never)
      if (items === null) {
        t.deepEqual(headers, [], label)
        continue
      }
      t.is(headers.length, 1, label)
      cookie = headers[0]?.split(';')[0]
      const again = (await manager.load(cookie)) as unknown as Record<string, unknown>
      t.deepEqual((again.cart as { items: string[] }).items, items, label)
    }
    const last = (await manager.load(cookie)) as unknown as Record<string, unknown>
    t.deepEqual(last.list, [1, 2, 3])
    t.false('n' in last)
  })
}

test(
  t_('core: loadMaybeSync / commitMaybeSync answer without a promise when no I/O is needed, and agree with load / commit'),
  async (t) => {
    let now = T0
    const clock = () => now
    const cookie = new SessionManager({ secret: SECRET, now: clock })
    // The cookie store: no store call, so neither step returns a promise.
    const fresh = cookie.loadMaybeSync(undefined)
    t.false(fresh instanceof Promise)
    const s = fresh as AnySession
    s.views = 1
    const lines = cookie.commitMaybeSync(s)
    t.true(Array.isArray(lines))
    const header = (lines as string[]).map((l) => l.split(';')[0]).join('; ')
    const again = cookie.loadMaybeSync(header) as AnySession
    t.false(again instanceof Promise)
    t.is(again.views, 1)
    t.deepEqual(cookie.commitMaybeSync(again), [])
    // The async forms give the same session and lines.
    t.is((await cookie.load(header)).views, 1)
    // Data JSON cannot hold: a synchronous throw here, a rejection from commit, with the same code.
    const bad = cookie.loadMaybeSync(header) as AnySession
    bad.when = 10n
    t.throws(() => cookie.commitMaybeSync(bad), { code: 'ERR_NOT_SERIALIZABLE' })
    await t.throwsAsync(cookie.commit(bad), { code: 'ERR_NOT_SERIALIZABLE' })
    // A server store: no cookie means no store call (no promise); a write or a load by id waits for it.
    const memory = new SessionManager({ secret: SECRET, store: memoryStore(), now: clock })
    const m = memory.loadMaybeSync(undefined) as AnySession
    t.false(m instanceof Promise)
    m.views = 2
    const written = memory.commitMaybeSync(m)
    t.true(written instanceof Promise)
    const memoryHeader = (await written).map((l) => l.split(';')[0]).join('; ')
    now += SECOND
    const loaded = memory.loadMaybeSync(memoryHeader)
    t.true(loaded instanceof Promise)
    t.is((await loaded).views, 2)
  },
)
