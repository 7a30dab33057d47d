/**
 * keycard/koa: the session behaviour table (sessions/rows/, `registerAll`) for cookieStore() and
 * memoryStore(), over real HTTP through its harness (sessions/harness/koa.ts), on the backend of
 * this run (its bad-cookie, concurrency and revocation rows: sessions_hostile, sessions_concurrency,
 * sessions_revocation); then
 * what is Koa's own: status codes through Koa's error handling and Set-Cookie handling.
 */
import { registerAll } from './sessions/rows'

registerAll('koa')

// --- Koa's own ----------------------------------------------------------------------------------

import test, { type ExecutionContext } from 'ava'
import Koa from 'koa'
import { session } from '../src/sessions/adapters/koa'
import type { SessionOptions } from '../src/sessions/options'
import type { Session } from '../src/sessions/session'
import { SECRET, t_ } from './helpers/backends'
import { Client, isDeletion, serveNode, setCookiesNamed } from './helpers/http'
import { switchableStore } from './helpers/sessions'

/** `true` only when T is `any`: the declaration merging gave a real type. */
type IsAny<T> = 0 extends 1 & T ? true : false

/** A Koa app with the session middleware and `handler` after it; errors reach Koa's own handling. */
async function start(t: ExecutionContext, handler: Koa.Middleware | Koa.Middleware[], options: SessionOptions = {}) {
  const app = new Koa()
  const appErrors: unknown[] = []
  app.on('error', (err) => appErrors.push(err)) // instead of Koa's console logging
  const middleware = session({ secret: SECRET, ...options })
  app.use(middleware)
  for (const h of Array.isArray(handler) ? handler : [handler]) app.use(h)
  const { origin } = await serveNode(t, app.callback())
  return { app, appErrors, manager: middleware.manager, client: () => new Client(origin) }
}

test(t_('koa: ctx.session is typed (DefaultContext) and middleware.manager is the core'), async (t) => {
  const { client, manager } = await start(t, (ctx) => {
    const s: Session = ctx.session
    const typed: IsAny<typeof ctx.session> = false
    s.n = Number(s.n ?? 0) + 1
    ctx.body = { n: s.n, typed }
  })
  const c = client()
  t.deepEqual((await c.get('/')).body, { n: 1, typed: false })
  t.deepEqual((await c.get('/')).body, { n: 2, typed: false })
  t.is(manager.cookieName, 'keycard')
})

test(t_("koa: cookies set with ctx.cookies and ctx.set are kept beside the session's"), async (t) => {
  const { client } = await start(t, (ctx) => {
    ctx.cookies.set('theme', 'dark', { signed: false, httpOnly: false })
    ctx.append('Set-Cookie', 'lang=en; Path=/')
    ctx.session.n = 1
    ctx.body = 'ok'
  })
  const r = await client().get('/')
  t.deepEqual(
    r.setCookie.map((l) => l.split('=')[0]),
    ['theme', 'lang', 'keycard'],
  )
})

test(t_("koa: a store failing on load or commit answers 503 through Koa's default error handling"), async (t) => {
  const store = switchableStore()
  let failWrite = false
  const { client, appErrors } = await start(
    t,
    (ctx) => {
      ctx.session.n = Number(ctx.session.n ?? 0) + 1
      if (failWrite) store.down = true
      ctx.status = 201
      ctx.body = { n: ctx.session.n }
    },
    { store },
  )
  const c = client()
  t.is((await c.get('/')).status, 201)
  store.down = true
  const load = await c.get('/')
  t.deepEqual([load.status, load.body, load.setCookie], [503, 'Service Unavailable', []])
  store.down = false
  failWrite = true
  const commit = await client().get('/')
  t.deepEqual([commit.status, commit.body, commit.setCookie], [503, 'Service Unavailable', []])
  t.deepEqual(
    appErrors.map((e) => (e as { code?: string }).code),
    ['ERR_STORE_UNAVAILABLE', 'ERR_STORE_UNAVAILABLE'],
  )
})

test(t_("koa: ERR_TOO_LARGE answers 500 through Koa's default error handling, nothing half-written"), async (t) => {
  const { client, appErrors } = await start(t, (ctx) => {
    ctx.session.blob = 'x'.repeat(13_000)
    ctx.set('Set-Cookie', 'theme=dark')
    ctx.body = 'ok'
  })
  const r = await client().get('/')
  t.deepEqual([r.status, r.setCookie], [500, []], "Koa's handler drops the response's headers")
  t.is((appErrors[0] as { code?: string }).code, 'ERR_TOO_LARGE')
})

test(t_('koa: when downstream throws, the session is not committed; an error middleware after it still commits'), async (t) => {
  const { client } = await start(t, (ctx) => {
    ctx.session.n = 1
    ctx.throw(409, 'conflict')
  })
  const r = await client().get('/')
  t.deepEqual([r.status, r.setCookie], [409, []])

  // An error-handling middleware after the session's: its error page is a response like any other.
  const inner = await start(t, [
    async (ctx, next) => {
      try {
        await next()
      } catch {
        ctx.status = 400
        ctx.body = 'handled'
      }
    },
    (ctx) => {
      ctx.session.flash('error', 'it failed')
      throw new Error('boom')
    },
  ])
  const handled = await inner.client().get('/')
  t.deepEqual([handled.status, setCookiesNamed(handled, 'keycard').length], [400, 1])
})

test(t_('koa: headers sent before the commit (ctx.respond = false) → ERR_INVALID_ARGUMENT, not a lost cookie'), async (t) => {
  const { client, appErrors } = await start(t, (ctx) => {
    ctx.session.n = 1
    ctx.respond = false
    ctx.res.statusCode = 200
    ctx.res.end('raw')
  })
  const r = await client().get('/')
  t.deepEqual([r.status, r.body, r.setCookie], [200, 'raw', []])
  t.is((appErrors[0] as { code?: string }).code, 'ERR_INVALID_ARGUMENT')
})

test(t_('koa: destroy() clears the cookie'), async (t) => {
  const { client } = await start(t, (ctx) => {
    if (ctx.path === '/login') ctx.session.user = 'alice'
    if (ctx.path === '/logout') ctx.session.destroy()
    ctx.body = { user: ctx.session.user ?? null }
  })
  const c = client()
  await c.get('/login')
  t.deepEqual((await c.get('/me')).body, { user: 'alice' })
  const out = await c.get('/logout')
  t.true(setCookiesNamed(out, 'keycard').some(isDeletion))
  t.deepEqual((await c.get('/me')).body, { user: null })
})
