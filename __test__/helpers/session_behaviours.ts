/**
 * The session behaviour table: every row runs over real HTTP for each adapter spec
 * (sessions_express / sessions_node / sessions_fetch, and sessions_fastify / sessions_koa /
 * sessions_hono) × each store (cookieStore, memoryStore, or the server stores a spec names, as
 * sessions_express_store does), on the backend of the run (`t_` puts its name in the title).
 *
 * `badCookieBehaviours` is a short table of hostile cookies for the framework adapters: the
 * express, node and fetch adapters get the full set from sessions_hostile.spec.ts.
 */

import test, { type ExecutionContext } from 'ava'
import { randomId } from '../../src/random'
import { seal, unseal } from '../../src/seal'
import { decodeRecord, encodeRecord } from '../../src/sessions/stores/record'
import type { SessionMeta, SessionStore } from '../../src/sessions/stores/types'
import { sign, unsign } from '../../src/sign'
import { SECRET, SECRET_2, t_ } from './backends'
import { flipChar, isDeletion, type Reply, rawRequest, setCookiesNamed } from './http'
import {
  type AdapterName,
  type App,
  type AppOptions,
  commitFailureVia,
  purposeOf,
  type Routes,
  STORES,
  type StoreKind,
  serverStore,
  startApp,
  storeOf,
} from './sessions'

const NAME = 'keycard'
const ID = /^[A-Za-z0-9_-]{43}$/

interface Env {
  adapter: AdapterName
  store: StoreKind
  start(routes: Routes, options?: AppOptions): Promise<App>
}

interface Behaviour {
  title: string
  /** Stores the row applies to (default both). */
  stores?: readonly StoreKind[]
  run(t: ExecutionContext, env: Env): Promise<void>
}

/** The Set-Cookie lines of `reply` for the session cookie that set it (not clear it). */
function sets(reply: Reply, name = NAME) {
  return setCookiesNamed(reply, name).filter((c) => !isDeletion(c))
}

function clears(reply: Reply, name = NAME) {
  return setCookiesNamed(reply, name).filter(isDeletion)
}

/** A 200 reply's body; any other status fails the test with the body in the message. */
async function ok<B>(t: ExecutionContext, reply: Promise<Reply<B>>): Promise<Reply<B>> {
  const r = await reply
  t.is(r.status, 200, `expected 200, got ${r.status}: ${JSON.stringify(r.body)}`)
  return r
}

const counter: Routes = {
  '/count': (s) => {
    s.n = (s.n ?? 0) + 1
    return { n: s.n }
  },
  '/read': (s) => ({ n: s.n ?? null, isNew: s.isNew, id: s.id, keys: Object.keys(s) }),
}

const BAD_VALUES: Record<string, () => unknown> = {
  function: () => () => 1,
  BigInt: () => 10n,
  cycle: () => {
    const o: Record<string, unknown> = { a: 1 }
    o.self = o
    return o
  },
  NaN: () => Number.NaN,
  'Infinity nested in an array': () => [1, Number.POSITIVE_INFINITY],
  'symbol nested in an object': () => ({ deep: { s: Symbol('x') } }),
}

export const behaviours: Behaviour[] = [
  {
    title: 'a counter increments across requests; another browser has its own session',
    async run(t, env) {
      const app = await env.start(counter)
      const alice = app.client()
      for (const expected of [1, 2, 3]) t.deepEqual((await ok(t, alice.get('/count'))).body, { n: expected })
      const bob = app.client()
      t.deepEqual((await ok(t, bob.get('/count'))).body, { n: 1 })
      t.deepEqual((await ok(t, alice.get('/count'))).body, { n: 4 })
    },
  },
  {
    title: 'lazy: a request that only reads gets no Set-Cookie',
    async run(t, env) {
      const app = await env.start(counter)
      const c = app.client()
      const first = await ok(t, c.get('/count'))
      t.is(sets(first).length, 1, 'a write sets the cookie')
      const read = await ok(t, c.get('/read'))
      t.is((read.body as { n: number }).n, 1)
      t.deepEqual(read.setCookie, [], 'an unchanged session is not sent again')
      const fresh = await ok(t, app.client().get('/read'))
      t.deepEqual(fresh.setCookie, [], 'a new session that is only read is not sent')
      t.is((fresh.body as { isNew: boolean }).isNew, true)
    },
  },
  {
    title: 'saveUninitialized false: a new session nobody wrote to sets no cookie and is not kept',
    async run(t, env) {
      const app = await env.start(counter)
      const c = app.client()
      const a = await ok(t, c.get('/read'))
      const b = await ok(t, c.get('/read'))
      t.deepEqual([a.setCookie, b.setCookie], [[], []])
      t.deepEqual(c.jar.names(), [])
      const ids = [a, b].map((r) => (r.body as { id: string }).id)
      t.regex(ids[0] as string, ID)
      t.not(ids[0], ids[1], 'nothing was saved, so the second request is another new session')
      if (env.store === 'memory') t.is((serverStore(app) as unknown as { size: number }).size, 0)
    },
  },
  {
    title: 'saveUninitialized true: a new empty session is saved and its cookie set',
    async run(t, env) {
      const app = await env.start(counter, { saveUninitialized: true })
      const c = app.client()
      const a = await ok(t, c.get('/read'))
      t.is(sets(a).length, 1)
      const b = await ok(t, c.get('/read'))
      const [ba, bb] = [a.body, b.body] as { id: string; isNew: boolean }[]
      t.true(ba?.isNew)
      t.false(bb?.isNew, 'the saved session comes back')
      t.is(bb?.id, ba?.id)
      t.deepEqual(b.setCookie, [], 'and is not re-sent while unchanged')
    },
  },
  {
    title: 'regenerate(): new id at login; the pre-login cookie never carries the login (fixation)',
    async run(t, env) {
      const app = await env.start({
        ...counter,
        '/login': (s) => {
          const before = s.id
          s.regenerate()
          const visitsAfterRegenerate = s.n ?? null
          s.user = 'alice'
          return { before, after: s.id, visitsAfterRegenerate, isNew: s.isNew }
        },
        '/whoami': (s) => ({ user: s.user ?? null, n: s.n ?? null, id: s.id, isNew: s.isNew }),
      })
      const victim = app.client()
      await ok(t, victim.get('/count'))
      const preLogin = victim.jar.snapshot()
      const id0 = (await ok(t, victim.get('/read'))).body as { id: string }
      const login = (await ok(t, victim.get('/login'))).body as { before: string; after: string; visitsAfterRegenerate: unknown }
      t.is(login.before, id0.id)
      t.regex(login.after, ID)
      t.not(login.after, login.before)
      t.is(login.visitsAfterRegenerate, null, 'regenerate() drops the data unless keepData')
      t.deepEqual((await ok(t, victim.get('/whoami'))).body, { user: 'alice', n: null, id: login.after, isNew: false })

      // The attacker replays the pre-login cookie.
      const attacker = app.client()
      attacker.jar.restore(preLogin)
      const replay = (await ok(t, attacker.get('/whoami'))).body as { user: unknown; n: unknown; id: string; isNew: boolean }
      t.is(replay.user, null, 'the pre-login cookie never opens the logged-in session')
      t.not(replay.id, login.after)
      if (env.store === 'memory') {
        // The old id was deleted from the store: the replay is an empty new session.
        t.deepEqual(replay, { user: null, n: null, id: replay.id, isNew: true })
        t.not(replay.id, id0.id)
        t.is(await serverStore(app).get(id0.id), undefined)
      } else {
        // Stateless: the pre-login cookie still holds the pre-login session, unchanged (and only it).
        t.deepEqual(replay, { user: null, n: 1, id: id0.id, isNew: false })
      }
    },
  },
  {
    title: 'regenerate({ keepData: true }) keeps the data under a new id',
    async run(t, env) {
      const app = await env.start({
        ...counter,
        '/login': (s) => {
          const before = s.id
          s.regenerate({ keepData: true })
          return { before, after: s.id, n: s.n }
        },
      })
      const c = app.client()
      await ok(t, c.get('/count'))
      await ok(t, c.get('/count'))
      const login = (await ok(t, c.get('/login'))).body as { before: string; after: string; n: number }
      t.not(login.after, login.before)
      t.is(login.n, 2)
      const read = (await ok(t, c.get('/read'))).body as { id: string; n: number }
      t.deepEqual([read.id, read.n], [login.after, 2])
    },
  },
  {
    title: 'destroy(): the cookie is cleared (Max-Age=0) and the old cookie no longer logs in',
    async run(t, env) {
      const app = await env.start({
        '/login': (s) => {
          s.regenerate()
          s.user = 'alice'
          return s.id
        },
        '/logout': (s) => {
          const id = s.id
          s.destroy()
          return { id, after: s.id, isNew: s.isNew, user: s.user ?? null }
        },
        '/whoami': (s) => ({ user: s.user ?? null, isNew: s.isNew }),
      })
      const c = app.client()
      const id = (await ok(t, c.get('/login'))).body as string
      const loggedIn = c.jar.snapshot()
      const out = await ok(t, c.get('/logout'))
      const body = out.body as { id: string; after: string; isNew: boolean; user: unknown }
      t.is(body.id, id)
      t.not(body.after, id, 'destroy() gives the session object a new id')
      t.deepEqual([body.isNew, body.user], [true, null])
      const cleared = clears(out)
      t.is(cleared.length, 1, 'one Set-Cookie clears the session cookie')
      t.is(cleared[0]?.attributes['max-age'], '0')
      t.is(sets(out).length, 0)
      t.deepEqual(c.jar.names(), [])
      t.deepEqual((await ok(t, c.get('/whoami'))).body, { user: null, isNew: true })

      const thief = app.client()
      thief.jar.restore(loggedIn)
      const replay = (await ok(t, thief.get('/whoami'))).body
      if (env.store === 'memory') {
        t.deepEqual(replay, { user: null, isNew: true }, 'the destroyed id is gone from the store')
        t.is(await serverStore(app).get(id), undefined)
      } else {
        // Stateless sessions cannot be taken back by destroy(): a copy of the cookie keeps working
        // until it expires. The remedy is the revocation option (sessions_revocation.spec.ts).
        t.deepEqual(replay, { user: 'alice', isNew: false })
      }
    },
  },
  {
    title: 'destroy() then a write in the same request starts a new session with a new id',
    async run(t, env) {
      const app = await env.start({
        '/login': (s) => {
          s.user = 'alice'
          return s.id
        },
        '/logout': (s) => {
          s.destroy()
          s.flash('notice', 'logged out')
          return s.id
        },
        '/next': (s) => ({ user: s.user ?? null, notice: s.flash('notice'), id: s.id }),
      })
      const c = app.client()
      const id = (await ok(t, c.get('/login'))).body
      const out = await ok(t, c.get('/logout'))
      t.is(sets(out).length, 1, 'the new session is sent')
      const next = (await ok(t, c.get('/next'))).body as { user: unknown; notice: unknown; id: string }
      t.deepEqual(next, { user: null, notice: ['logged out'], id: out.body as string })
      t.not(next.id, id)
    },
  },
  {
    title: 'flash: set in one request, read once in the next, gone in the third',
    async run(t, env) {
      const app = await env.start({
        '/set': (s) => {
          s.flash('msg', 'saved')
          s.flash('msg', { level: 'info' })
          s.flash('other', 1)
        },
        '/get': (s) => ({ msg: s.flash('msg'), keys: Object.keys(s) }),
        '/get-other': (s) => s.flash('other'),
      })
      const c = app.client()
      const set = await ok(t, c.get('/set'))
      t.is(sets(set).length, 1, 'a flash alone saves a new session')
      const second = await ok(t, c.get('/get'))
      t.deepEqual(second.body, { msg: ['saved', { level: 'info' }], keys: [] }, 'flashes are not data keys')
      t.is(sets(second).length, 1, 'taking a flash changes the session')
      const third = await ok(t, c.get('/get'))
      t.deepEqual(third.body, { msg: [], keys: [] })
      t.deepEqual(third.setCookie, [], 'nothing left to take: nothing changed')
      t.deepEqual((await ok(t, c.get('/get-other'))).body, [1], 'other keys wait for their reader')
      t.deepEqual((await ok(t, c.get('/get-other'))).body, [])
    },
  },
  {
    title: 'rolling true: every response of a saved session carries the cookie',
    async run(t, env) {
      const app = await env.start(counter, { rolling: true })
      const c = app.client()
      await ok(t, c.get('/count'))
      const values = new Set<string>()
      for (let i = 0; i < 3; i++) {
        const read = await ok(t, c.get('/read'))
        const set = sets(read)
        t.is(set.length, 1, `read ${i} re-sends the session`)
        t.true(Number(set[0]?.attributes['max-age']) > 0)
        values.add(set[0]?.value ?? '')
        t.is((read.body as { n: number }).n, 1)
      }
      if (env.store === 'cookie') t.is(values.size, 3, 'each response re-seals the session')
      t.deepEqual((await ok(t, app.client().get('/read'))).setCookie, [], 'a new unwritten session is still not sent')
    },
  },
  {
    title: "rolling 'auto' (default): an unchanged session is re-sent once less than half its idle timeout is left",
    async run(t, env) {
      const app = await env.start({ '/read': (s) => ({ n: s.n ?? null, isNew: s.isNew }) }, { ttl: '1h' })
      // A session saved earlier, built directly (no waiting): `left` ms of its idle timeout remain.
      const cookieWith = async (left: number) => {
        const now = Date.now()
        const meta = { v: 1 as const, id: randomId(), c: now - 1000, e: now + left }
        if (env.store === 'memory') {
          await serverStore(app).set(meta.id, { meta, dataJson: '{"n":7}' }, left)
          return `${NAME}=${sign(meta.id, SECRET, { purpose: purposeOf(NAME) })}`
        }
        const sealed = seal(encodeRecord({ meta, dataJson: '{"n":7}' }), SECRET, { purpose: purposeOf(NAME), ttl: left })
        return `${NAME}=${sealed}`
      }
      const c = app.client()
      const fresh = await ok(t, c.get('/read', { cookie: await cookieWith(50 * 60_000) }))
      t.deepEqual(fresh.body, { n: 7, isNew: false })
      t.deepEqual(fresh.setCookie, [], '50 of 60 minutes left: not re-sent')
      const stale = await ok(t, c.get('/read', { cookie: await cookieWith(20 * 60_000) }))
      t.deepEqual(stale.body, { n: 7, isNew: false })
      const set = sets(stale)
      t.is(set.length, 1, '20 of 60 minutes left: re-sent')
      const maxAge = Number(set[0]?.attributes['max-age'])
      t.true(maxAge > 3500 && maxAge <= 3600, `with a fresh idle timeout (Max-Age ${maxAge})`)
    },
  },
  {
    title: 'absoluteTtl caps the cookie lifetime however active the session',
    async run(t, env) {
      const app = await env.start(counter, { ttl: '24h', absoluteTtl: '2h', rolling: true })
      const c = app.client()
      await ok(t, c.get('/count'))
      const read = await ok(t, c.get('/read'))
      const maxAge = Number(sets(read)[0]?.attributes['max-age'])
      t.true(maxAge > 7000 && maxAge <= 7200, `Max-Age ${maxAge} is capped at the 2 h absolute lifetime`)
    },
  },
  {
    title: "the app's own Set-Cookie lines are kept beside the session's",
    async run(t, env) {
      const app = await env.start({
        '/both': (s, ctx) => {
          ctx.appCookies.push('theme=dark; Path=/', 'lang=en; Path=/')
          s.n = 1
        },
        '/app-only': (_s, ctx) => {
          ctx.appCookies.push('theme=light; Path=/')
        },
        '/read': (s) => s.n ?? null,
      })
      const c = app.client()
      const both = await ok(t, c.get('/both'))
      t.deepEqual(
        both.setCookie.map((l) => l.split('=')[0]),
        ['theme', 'lang', NAME],
      )
      t.deepEqual(c.jar.names(), ['theme', 'lang', NAME])
      t.is((await ok(t, c.get('/read'))).body, 1)
      const appOnly = await ok(t, c.get('/app-only'))
      t.deepEqual(appOnly.setCookie, ['theme=light; Path=/'])
    },
  },
  {
    title: 'touch(): re-sends an unchanged session with a fresh expiry (rolling false)',
    async run(t, env) {
      const app = await env.start(
        {
          ...counter,
          '/touch': (s) => {
            s.touch()
            return s.expiresAt.getTime()
          },
          '/expires': (s) => s.expiresAt.getTime(),
        },
        { rolling: false },
      )
      const c = app.client()
      const first = await ok(t, c.get('/count'))
      const before = (await ok(t, c.get('/expires'))).body as number
      t.deepEqual((await ok(t, c.get('/read'))).setCookie, [], 'rolling false: no re-send without touch')
      const touched = await ok(t, c.get('/touch'))
      const set = sets(touched)
      t.is(set.length, 1, 'touch() sends the session again')
      t.true(Number(set[0]?.attributes['max-age']) > 0)
      if (env.store === 'cookie') t.not(set[0]?.value, sets(first)[0]?.value)
      const after = (await ok(t, c.get('/expires'))).body as number
      t.true(after >= before, `expiry moved forward or stayed (${before} → ${after})`)
      t.is(((await ok(t, c.get('/read'))).body as { n: number }).n, 1, 'the data survived the touch')
    },
  },
  {
    title: 'save(): server stores write before the response; the cookie still comes with it',
    async run(t, env) {
      const app = await env.start({
        '/save': async (s) => {
          s.x = 1
          await s.save()
          const stored = env.store === 'memory' ? await serverStore(app).get(s.id) : undefined
          return { id: s.id, isNew: s.isNew, stored: stored?.dataJson ?? null }
        },
        '/save-bad': async (s) => {
          s.f = () => 1
          let code: unknown = null
          try {
            await s.save()
          } catch (err) {
            code = (err as { code?: string }).code
          }
          delete s.f
          s.y = 2
          return code
        },
        '/read': (s) => ({ x: s.x ?? null, y: s.y ?? null, id: s.id, isNew: s.isNew }),
      })
      const c = app.client()
      const saved = await ok(t, c.get('/save'))
      const body = saved.body as { id: string; isNew: boolean; stored: string | null }
      // Server stores have saved it (no longer new); a cookie session is only saved by its response.
      t.is(body.isNew, env.store === 'cookie', 'isNew after save()')
      t.is(body.stored, env.store === 'memory' ? '{"x":1}' : null)
      t.is(sets(saved).length, 1, 'the cookie of a session first saved by save() is still set')
      t.deepEqual((await ok(t, c.get('/read'))).body, { x: 1, y: null, id: body.id, isNew: false })
      const bad = await ok(t, c.get('/save-bad'))
      t.is(bad.body, 'ERR_NOT_SERIALIZABLE', 'save() refuses data JSON cannot hold')
      t.deepEqual((await ok(t, c.get('/read'))).body, { x: 1, y: 2, id: body.id, isNew: false })
    },
  },
  {
    title: 'id, isNew and expiresAt; the cookie carries that id and expiry',
    async run(t, env) {
      const app = await env.start(
        {
          '/write': (s) => {
            const fresh = { id: s.id, isNew: s.isNew, expiresAt: s.expiresAt.getTime() }
            s.k = 1
            return fresh
          },
          '/meta': (s) => ({ id: s.id, isNew: s.isNew, expiresAt: s.expiresAt.getTime() }),
        },
        { ttl: '1h' },
      )
      const c = app.client()
      const t0 = Date.now()
      const write = await ok(t, c.get('/write'))
      const t1 = Date.now()
      const first = write.body as { id: string; isNew: boolean; expiresAt: number }
      t.regex(first.id, ID)
      t.true(first.isNew)
      t.true(first.expiresAt >= t0 + 3_600_000 && first.expiresAt <= t1 + 3_600_000, 'expiresAt = now + ttl')
      const cookie = sets(write)[0]
      const maxAge = Number(cookie?.attributes['max-age'])
      t.true(maxAge >= 3590 && maxAge <= 3600, `Max-Age ${maxAge} ≈ ttl`)
      t.is(cookie?.attributes.path, '/')
      t.true(cookie?.attributes.httponly === true && cookie?.attributes.secure === true, 'HttpOnly and Secure by default')
      t.is(cookie?.attributes.samesite, 'Lax')
      const value = cookie?.value ?? ''
      if (env.store === 'memory') {
        t.is(unsign(value, SECRET, { purpose: purposeOf(NAME) }), first.id, 'the cookie is the signed id')
      } else {
        const record = decodeRecord(unseal<string>(value, SECRET, { purpose: purposeOf(NAME) }))
        t.is(record?.meta.id, first.id, 'the sealed record names the id')
        t.is(record?.dataJson, '{"k":1}')
      }
      const again = (await ok(t, c.get('/meta'))).body as { id: string; isNew: boolean; expiresAt: number }
      t.deepEqual([again.id, again.isNew], [first.id, false])
      t.true(again.expiresAt >= t0 + 3_600_000 && again.expiresAt <= Date.now() + 3_600_000)
      const other = (await ok(t, app.client().get('/meta'))).body as { id: string }
      t.not(other.id, first.id)
    },
  },
  {
    title: 'data as properties and through get/set/delete/has/clear; API names stay the API',
    async run(t, env) {
      const app = await env.start({
        '/1': (s) => {
          s.a = 1
          s.set('b', { list: [1, 2] })
          s.set('save', 'data named save')
          let assign: unknown = null
          try {
            ;(s as unknown as Record<string, unknown>).save = 1
          } catch (err) {
            assign = (err as { code?: string }).code
          }
          return {
            a: s.a,
            getA: s.get('a'),
            has: [s.has('a'), 'a' in s, s.has('zzz'), 'zzz' in s],
            keys: Object.keys(s).sort(),
            saveIsApi: typeof s.save === 'function',
            getSave: s.get('save'),
            assign,
            json: s.toJSON(),
          }
        },
        '/push': (s) => {
          s.b.list.push(3)
        },
        '/2': (s) => ({ b: s.get('b'), delA: delete s.a, delB: s.delete('b'), keys: Object.keys(s) }),
        '/3': (s) => {
          const before = { keys: Object.keys(s), a: s.a ?? null, save: s.get('save') }
          s.clear()
          return { before, after: Object.keys(s) }
        },
        '/4': (s) => ({ keys: Object.keys(s), hasSave: s.has('save'), isNew: s.isNew }),
      })
      const c = app.client()
      t.deepEqual((await ok(t, c.get('/1'))).body, {
        a: 1,
        getA: 1,
        has: [true, true, false, false],
        keys: ['a', 'b', 'save'],
        saveIsApi: true,
        getSave: 'data named save',
        assign: 'ERR_INVALID_ARGUMENT',
        json: { a: 1, b: { list: [1, 2] }, save: 'data named save' },
      })
      const push = await ok(t, c.get('/push'))
      t.is(sets(push).length, 1, 'a nested mutation is a change')
      t.deepEqual((await ok(t, c.get('/2'))).body, {
        b: { list: [1, 2, 3] },
        delA: true,
        delB: true,
        keys: ['save'],
      })
      t.deepEqual((await ok(t, c.get('/3'))).body, { before: { keys: ['save'], a: null, save: 'data named save' }, after: [] })
      const four = await ok(t, c.get('/4'))
      t.deepEqual(four.body, { keys: [], hasSave: false, isNew: false }, 'clear() empties the data, the session stays')
    },
  },
  {
    title: 'chunked cookie: ~6 KB is split over name, name.1, name.2; shrinking clears the stale chunks',
    stores: ['cookie'],
    async run(t, env) {
      const app = await env.start({
        '/big': (s) => {
          s.blob = 'x'.repeat(6000)
        },
        '/small': (s) => {
          s.blob = 'y'
        },
        '/read': (s) => ({ length: s.blob?.length ?? null, isNew: s.isNew }),
      })
      const c = app.client()
      const big = await ok(t, c.get('/big'))
      t.deepEqual(
        sets(big).map((x) => x.name),
        [NAME],
      )
      t.deepEqual(c.jar.names(), [NAME, `${NAME}.1`, `${NAME}.2`])
      t.regex(c.jar.get(NAME) ?? '', /^3\*/, 'the first cookie says how many there are')
      for (const name of c.jar.names()) {
        const line = big.setCookie.find((l) => l.startsWith(`${name}=`)) ?? ''
        // RFC 6265 §6.1: browsers keep 4096 bytes per cookie, attributes included.
        t.true(Buffer.byteLength(line) <= 4096, `${name}: the whole Set-Cookie line fits a browser cookie`)
      }
      t.deepEqual((await ok(t, c.get('/read'))).body, { length: 6000, isNew: false })
      const small = await ok(t, c.get('/small'))
      t.is(sets(small).length, 1)
      t.deepEqual(
        small.setCookie.filter((l) => /Max-Age=0/.test(l)).map((l) => l.split('=')[0]),
        [`${NAME}.1`, `${NAME}.2`],
      )
      t.deepEqual(c.jar.names(), [NAME])
      t.deepEqual((await ok(t, c.get('/read'))).body, { length: 1, isNew: false })
    },
  },
  {
    title: 'chunked cookie: a missing or foreign chunk gives a fresh empty session and clears them all',
    stores: ['cookie'],
    async run(t, env) {
      const app = await env.start({
        '/big': (s) => {
          s.blob = s.id.repeat(150)
        },
        '/read': (s) => ({ length: s.blob?.length ?? null, isNew: s.isNew }),
      })
      const a = app.client()
      const b = app.client()
      await ok(t, a.get('/big'))
      await ok(t, b.get('/big'))
      t.deepEqual((await ok(t, a.get('/read'))).body, { length: 6450, isNew: false }, 'control: the whole session opens')

      const swapped = app.client()
      swapped.jar.restore(a.jar.snapshot())
      swapped.jar.set(`${NAME}.1`, b.jar.get(`${NAME}.1`) ?? '')
      const mixed = await ok(t, swapped.get('/read'))
      t.deepEqual(mixed.body, { length: null, isNew: true }, "another session's chunk does not fit")
      t.deepEqual(swapped.jar.names(), [], 'the refused cookies are cleared')

      t.true(a.jar.delete(`${NAME}.1`))
      const missing = await ok(t, a.get('/read'))
      t.deepEqual(missing.body, { length: null, isNew: true })
      t.deepEqual(
        clears(missing).map((x) => x.name),
        [NAME],
      )
      t.deepEqual(a.jar.names(), [], `${NAME} and ${NAME}.2 cleared`)
      t.true(app.invalid.includes('ERR_BAD_FORMAT'))
    },
  },
  {
    title: 'a large session stays server-side: one small cookie',
    stores: ['memory'],
    async run(t, env) {
      const app = await env.start({
        '/big': (s) => {
          s.blob = 'x'.repeat(20_000)
        },
        '/read': (s) => s.blob?.length ?? null,
      })
      const c = app.client()
      const big = await ok(t, c.get('/big'))
      t.deepEqual(
        big.setCookie.map((l) => l.split('=')[0]),
        [NAME],
      )
      t.true((c.jar.get(NAME) ?? '').length < 200)
      t.is((await ok(t, c.get('/read'))).body, 20_000)
    },
  },
  {
    title: 'over maxBytes: ERR_TOO_LARGE reaches the error path and the previous cookie still works',
    stores: ['cookie'],
    async run(t, env) {
      const app = await env.start({
        ...counter,
        '/huge': (s) => {
          s.n = 99
          s.blob = 'x'.repeat(13_000)
        },
      })
      const c = app.client()
      await ok(t, c.get('/count'))
      const before = c.jar.snapshot()
      const huge = await c.get('/huge')
      t.is(huge.status, 500)
      t.deepEqual(huge.body, { error: 'ERR_TOO_LARGE', via: commitFailureVia(env.adapter) })
      t.deepEqual(huge.setCookie, [], 'nothing half-written goes out')
      t.deepEqual(c.jar.snapshot(), before)
      t.is(app.errors.length, 1)
      t.is((await ok(t, c.get<{ n: number }>('/count'))).body.n, 2, 'the previous session carries on')
    },
  },
  ...Object.entries(BAD_VALUES).map(
    ([kind, make]): Behaviour => ({
      title: `not serialisable (${kind}): ERR_NOT_SERIALIZABLE and the previous cookie still works`,
      async run(t, env) {
        const app = await env.start({
          ...counter,
          '/bad': (s) => {
            s.n = 99
            s.bad = make()
          },
        })
        const c = app.client()
        await ok(t, c.get('/count'))
        const before = c.jar.snapshot()
        const bad = await c.get('/bad')
        t.is(bad.status, 500)
        t.deepEqual(bad.body, { error: 'ERR_NOT_SERIALIZABLE', via: commitFailureVia(env.adapter) })
        t.deepEqual(bad.setCookie, [])
        t.deepEqual(c.jar.snapshot(), before, 'no corrupt cookie reached the client')
        const read = (await ok(t, c.get('/read'))).body as { n: number; keys: string[] }
        t.deepEqual([read.n, read.keys], [1, ['n']], 'nothing of the failed write was stored')
        t.is((await ok(t, c.get<{ n: number }>('/count'))).body.n, 2)
      },
    }),
  ),
]

// --- Bad cookies ---------------------------------------------------------------------------------

const HOUR = 3_600_000

const badCookieRoutes: Routes = {
  '/login': (s) => {
    s.regenerate()
    s.user = 'alice'
    return s.id
  },
  '/whoami': (s) => ({ isNew: s.isNew, keys: Object.keys(s), user: s.user ?? null, id: s.id }),
  '/write': (s) => {
    s.visit = 1
    return s.id
  },
}

interface WhoAmI {
  isNew: boolean
  keys: string[]
  user: string | null
  id: string
}

/** Logs a new browser in as alice: the session cookie's value and id. */
async function loginAlice(t: ExecutionContext, app: App): Promise<{ value: string; id: string }> {
  const c = app.client()
  const id = (await ok(t, c.get<string>('/login'))).body
  return { value: c.jar.get(NAME) ?? '', id }
}

async function whoami(t: ExecutionContext, app: App, cookie: string | null, label: string): Promise<Reply<WhoAmI>> {
  const r = await app.client().get<WhoAmI>('/whoami', { cookie })
  t.is(r.status, 200, `${label}: status ${r.status} ${JSON.stringify(r.body)}`)
  return r
}

/** 200, a fresh empty session, and the refused cookie cleared. */
async function assertRefused(t: ExecutionContext, app: App, cookie: string, label: string): Promise<Reply<WhoAmI>> {
  const r = await whoami(t, app, cookie, label)
  t.deepEqual([r.body.isNew, r.body.keys, r.body.user], [true, [], null], `${label}: a fresh empty session`)
  t.true(clears(r).length > 0, `${label}: the refused cookie is cleared`)
  t.is(sets(r).length, 0, `${label}: no new session is sent for a read`)
  return r
}

/** A cookie session sealed as the manager would (record.ts format). */
function forgeSealed(meta: Partial<SessionMeta>, dataJson: string, o: { secret?: string; name?: string; now?: number } = {}) {
  const now = o.now ?? Date.now()
  const full = { v: 1, id: randomId(), c: now, e: now + HOUR, ...meta } as SessionMeta
  return seal(encodeRecord({ meta: full, dataJson }), o.secret ?? SECRET, {
    purpose: purposeOf(o.name ?? NAME),
    ttl: '1h',
    now,
  })
}

const ALICE = '{"user":"alice"}'

export const badCookieBehaviours: Behaviour[] = [
  {
    title: 'bad cookies: tampered, truncated, foreign, expired or rotated-out sealed sessions → fresh session, cleared',
    stores: ['cookie'],
    async run(t, env) {
      const app = await env.start(badCookieRoutes, { secret: [SECRET] })
      const { value } = await loginAlice(t, app)
      t.is((await whoami(t, app, `${NAME}=${value}`, 'control')).body.user, 'alice', 'control: the untouched cookie opens')
      t.is(
        (await whoami(t, app, `${NAME}=${forgeSealed({}, ALICE)}`, 'forged control')).body.user,
        'alice',
        'control: forging works',
      )
      t.deepEqual(app.invalid, [])
      const mid = Math.floor(value.length / 2)
      const cases: Record<string, [string, string | null]> = {
        'flip at 0': [flipChar(value, 0), null],
        'flip at 20': [flipChar(value, 20), null],
        'flip in the middle': [flipChar(value, mid), null],
        'flip at the end': [flipChar(value, -1), null],
        'truncated by 1': [value.slice(0, -1), null],
        'truncated to half': [value.slice(0, mid), null],
        'extended by 1': [`${value}A`, null],
        'not base64url': [`${value.slice(0, 10)}!${value.slice(11)}`, null],
        'sealed for another cookie name': [forgeSealed({}, ALICE, { name: 'other' }), null],
        'sealed with a key not in the keyring': [forgeSealed({}, ALICE, { secret: SECRET_2 }), 'ERR_UNKNOWN_KEY'],
        'idle timeout passed (meta.e)': [forgeSealed({ c: Date.now() - 2 * HOUR, e: Date.now() - 1000 }, ALICE), 'ERR_EXPIRED'],
        'seal expired': [forgeSealed({ e: Date.now() + HOUR }, ALICE, { now: Date.now() - 2 * HOUR }), 'ERR_EXPIRED'],
        'data not a JSON object': [forgeSealed({}, '[1,2]'), 'ERR_BAD_FORMAT'],
        'chunk count without chunks': [`3*${value}`, 'ERR_BAD_FORMAT'],
      }
      for (const [label, [bad, code]] of Object.entries(cases)) {
        const before = app.invalid.length
        await assertRefused(t, app, `${NAME}=${bad}`, label)
        t.is(app.invalid.length, before + 1, `${label}: onInvalid once`)
        if (code !== null) t.is(app.invalid.at(-1), code, `${label}: ${code}`)
      }
    },
  },
  {
    title: 'bad cookies: unsigned, forged or unknown session ids → fresh session, never the chosen id (fixation)',
    stores: ['memory'],
    async run(t, env) {
      const app = await env.start(badCookieRoutes)
      const { value, id } = await loginAlice(t, app)
      t.is((await whoami(t, app, `${NAME}=${value}`, 'control')).body.user, 'alice')
      const chosen = randomId()
      const signedUnknown = sign(chosen, SECRET, { purpose: purposeOf(NAME) })
      const cases: Record<string, [string, string]> = {
        'the bare id': [id, 'ERR_BAD_SIGNATURE'],
        'signature flipped': [flipChar(value, -1), 'ERR_BAD_SIGNATURE'],
        'signed with another secret': [sign(id, SECRET_2, { purpose: purposeOf(NAME) }), 'ERR_BAD_SIGNATURE'],
        'signed for another cookie name': [sign(id, SECRET, { purpose: purposeOf('other') }), 'ERR_BAD_SIGNATURE'],
        'signed, but an id the store never issued': [signedUnknown, 'ERR_UNKNOWN_SESSION'],
      }
      for (const [label, [bad, code]] of Object.entries(cases)) {
        const r = await assertRefused(t, app, `${NAME}=${bad}`, label)
        t.is(app.invalid.at(-1), code, `${label}: ${code}`)
        t.not(r.body.id, id)
      }
      // The attacker's chosen (validly signed) id is not adopted when the session is written.
      const c = app.client()
      c.jar.set(NAME, signedUnknown)
      const written = (await ok(t, c.get<string>('/write'))).body
      t.not(written, chosen, 'a new id, not the one the client chose')
      t.regex(written, ID)
      t.is(await serverStore(app).get(chosen), undefined)
      // A stored session past its idle timeout (the store still has it) is refused by the core.
      const now = Date.now()
      const meta = { v: 1 as const, id: randomId(), c: now - 2 * HOUR, e: now - 1000 }
      await serverStore(app).set(meta.id, { meta, dataJson: ALICE }, HOUR)
      await assertRefused(t, app, `${NAME}=${sign(meta.id, SECRET, { purpose: purposeOf(NAME) })}`, 'expired record')
      t.is(app.invalid.at(-1), 'ERR_EXPIRED')
    },
  },
  {
    title: 'bad cookies: duplicate names (the first wins), other names, case and junk in the Cookie header',
    async run(t, env) {
      const app = await env.start(badCookieRoutes)
      const { value } = await loginAlice(t, app)
      const user = async (cookie: string, label: string) => (await whoami(t, app, cookie, label)).body.user
      t.is(await user(`${NAME}=${value}; ${NAME}=garbage`, 'ours first'), 'alice')
      t.is(await user(`theme=dark; ; junk; =x; ${NAME}=${value}; lang=en`, 'among others and junk'), 'alice')
      await assertRefused(t, app, `${NAME}=garbage; ${NAME}=${value}`, 'garbage first')
      const upper = await whoami(t, app, `Keycard=${value}`, 'another name by case')
      t.deepEqual([upper.body.isNew, upper.body.user, upper.setCookie], [true, null, []], 'names are case-sensitive')
      const empty = await whoami(t, app, `${NAME}=`, 'empty value')
      t.deepEqual([empty.body.isNew, empty.body.user], [true, null])
      if (env.adapter === 'hono-request') return // nothing listens: no raw socket
      const url = new URL(app.client().origin)
      const raw = await rawRequest(url.origin, '/whoami', ['Cookie: theme=dark', `Cookie: ${NAME}=${value}`])
      t.is(raw.status, 200, 'repeated Cookie lines')
      t.is((JSON.parse(raw.body) as WhoAmI).user, 'alice', 'repeated Cookie lines are joined')
    },
  },
]

/** A store a spec runs the table with: `kind` says which rows apply ('memory': any server store). */
export interface StoreCase {
  /** In the test titles. */
  name: string
  kind: StoreKind
  /** A fresh store for one test (`t` for its teardown). */
  make(t: ExecutionContext): SessionStore
}

/** cookieStore() and memoryStore(), named as their kinds. */
export const DEFAULT_STORES: readonly StoreCase[] = STORES.map((kind) => ({ name: kind, kind, make: () => storeOf(kind) }))

export interface RegisterOptions {
  /** Default: cookieStore() and memoryStore(). */
  stores?: readonly StoreCase[]
  /** Also run `badCookieBehaviours` (the framework adapters; the others run sessions_hostile). */
  badCookies?: boolean
}

/** Registers the table for `adapter` × each store (call once per adapter spec). */
export function registerSessionBehaviours(adapter: AdapterName, options: RegisterOptions = {}): void {
  const rows = options.badCookies ? [...behaviours, ...badCookieBehaviours] : behaviours
  for (const store of options.stores ?? DEFAULT_STORES) {
    for (const b of rows) {
      if (b.stores && !b.stores.includes(store.kind)) continue
      test(t_(`${adapter} × ${store.name}: ${b.title}`), (t) =>
        b.run(t, {
          adapter,
          store: store.kind,
          start: (routes, startOptions = {}) => startApp(t, adapter, { store: store.make(t), ...startOptions }, routes),
        }),
      )
    }
  }
}
