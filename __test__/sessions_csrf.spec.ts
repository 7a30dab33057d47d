/**
 * `session.csrfToken()` and each adapter's `csrf(options)`, on the backend of this run, over real
 * HTTP for every adapter (express, fastify, koa, hono, node, fetch) and both store kinds: a token
 * handed out on a brand-new session verifies on the next request (from the header, the form
 * field, a parsed JSON field); missing, forged, other-session and pre-regenerate tokens get 403
 * ERR_CSRF; ignoreMethods, skip, header and field; options checked at construction.
 */

import type { IncomingMessage } from 'node:http'
import { createAdaptorServer } from '@hono/node-server'
import test, { type ExecutionContext } from 'ava'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import Koa from 'koa'
import { CsrfError } from '../src/errors'
import * as expressAdapter from '../src/sessions/adapters/express'
import * as fastifyAdapter from '../src/sessions/adapters/fastify'
import * as fetchAdapter from '../src/sessions/adapters/fetch'
import * as honoAdapter from '../src/sessions/adapters/hono'
import * as koaAdapter from '../src/sessions/adapters/koa'
import * as nodeAdapter from '../src/sessions/adapters/node'
import type { CsrfOptions } from '../src/sessions/csrf'
import { SessionManager } from '../src/sessions/manager'
import type { SessionOptions } from '../src/sessions/options'
import { SECRET, SECRET_2, t_ } from './helpers/backends'
import { Client, flipChar, listen, serveFetch, serveNode } from './helpers/http'
import { STORES, type StoreKind, storeOf } from './helpers/sessions'

const ADAPTERS = ['express', 'fastify', 'koa', 'hono', 'node', 'fetch'] as const
type Adapter = (typeof ADAPTERS)[number]

// biome-ignore lint/suspicious/noExplicitAny: routes poke at arbitrary session keys
type AnySession = any
type Route = (session: AnySession) => unknown

/** The routes of every app: the csrf check (or not) runs before them. */
const ROUTES: Record<string, Route> = {
  '/token': (s) => ({ token: s.csrfToken(), again: s.csrfToken(), id: s.id }),
  '/regen': (s) => {
    const before = s.csrfToken()
    s.regenerate()
    return { before, token: s.csrfToken(), again: s.csrfToken() }
  },
  '/submit': () => ({ ok: true }),
  '/webhook/in': () => ({ ok: true }),
}

interface Setup {
  store?: StoreKind
  /** csrf() options, without skip: `skipPrefix` makes each adapter's own skip(req). */
  csrf?: Omit<CsrfOptions, 'skip'> & Record<string, unknown>
  /** Requests whose path starts with this are let through by skip(req). */
  skipPrefix?: string
  /** No session middleware before csrf(). */
  noSession?: boolean
  /** No error handler of the app's own: the framework's default one answers. */
  defaultErrors?: boolean
  session?: SessionOptions
}

/** A 403 or other error as the apps' own error handlers answer it: status from the error, its code. */
function errorBody(err: unknown): { status: number; body: { error: unknown } } {
  const cause = err instanceof HTTPException && err.cause !== undefined ? err.cause : err
  const e = cause as { status?: number; statusCode?: number; code?: unknown }
  const status = err instanceof HTTPException ? err.status : (e.status ?? e.statusCode ?? 500)
  return { status, body: { error: e.code ?? String(err) } }
}

const routeOf = (path: string): Route | undefined => ROUTES[path]

/** A parsed urlencoded or JSON body, as a body parser would leave it (the node and fetch apps' own parsing). */
function parse(type: string | null | undefined, text: string): unknown {
  if (text === '') return undefined
  if (type?.startsWith('application/json')) return JSON.parse(text)
  if (type?.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams(text)
  return undefined
}

async function readText(req: IncomingMessage): Promise<string> {
  let text = ''
  for await (const chunk of req) text += chunk
  return text
}

/** Starts `adapter` with the session middleware, csrf(options) and ROUTES; a Client of it. */
async function start(t: ExecutionContext, adapter: Adapter, setup: Setup = {}): Promise<Client> {
  const options: SessionOptions = { secret: SECRET, store: storeOf(setup.store ?? 'cookie'), ...setup.session }
  const prefix = setup.skipPrefix
  const skips = (path: string) => prefix !== undefined && path.startsWith(prefix)
  const csrfOptions = setup.csrf ?? {}
  const withSkip = <R>(skip: (req: R) => boolean) => (prefix === undefined ? csrfOptions : { ...csrfOptions, skip })
  if (adapter === 'express') {
    const app = express()
    if (!setup.noSession) app.use(expressAdapter.session(options))
    app.use(express.urlencoded({ extended: false }), express.json())
    app.use(expressAdapter.csrf(withSkip((req: express.Request) => skips(req.path))))
    app.use((req, res) => {
      const route = routeOf(req.path)
      if (!route) return void res.status(404).json({ error: 'no route' })
      res.json(route(req.session) ?? null)
    })
    if (!setup.defaultErrors) {
      app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        const { status, body } = errorBody(err)
        res.status(status).json(body)
      })
    }
    return new Client((await serveNode(t, app)).origin)
  }
  if (adapter === 'fastify') {
    const app = Fastify()
    if (!setup.noSession) await app.register(fastifyAdapter.session, options)
    // What @fastify/formbody does: urlencoded bodies parsed into request.body.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)))
    })
    if (!setup.defaultErrors) {
      app.setErrorHandler((err, _request, reply) => {
        const { status, body } = errorBody(err)
        return reply.code(status).send(body)
      })
    }
    app.addHook('preHandler', fastifyAdapter.csrf(withSkip((request: { url: string }) => skips(request.url))))
    app.route({
      method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      url: '/*',
      handler: async (request, reply) => {
        const route = routeOf(new URL(request.url, 'http://x').pathname)
        if (!route) return reply.code(404).send({ error: 'no route' })
        return reply.type('application/json').send(JSON.stringify(route(request.session) ?? null))
      },
    })
    t.teardown(() => app.close())
    return new Client(await app.listen({ port: 0, host: '127.0.0.1' }))
  }
  if (adapter === 'koa') {
    const app = new Koa()
    app.silent = true // the default handler's refusals are expected here, not logged
    if (!setup.defaultErrors) {
      app.use(async (ctx, next) => {
        try {
          await next()
        } catch (err) {
          const { status, body } = errorBody(err)
          ctx.status = status
          ctx.body = body
        }
      })
    }
    if (!setup.noSession) app.use(koaAdapter.session(options))
    // What @koa/bodyparser does: the parsed body on ctx.request.body.
    app.use(async (ctx, next) => {
      const parsed = parse(ctx.get('content-type'), await readText(ctx.req))
      ;(ctx.request as { body?: unknown }).body = parsed instanceof URLSearchParams ? Object.fromEntries(parsed) : (parsed ?? {})
      await next()
    })
    app.use(koaAdapter.csrf(withSkip((ctx: Koa.Context) => skips(ctx.path))))
    app.use((ctx) => {
      const route = routeOf(ctx.path)
      ctx.status = route ? 200 : 404
      ctx.body = route ? (route(ctx.session) ?? null) : { error: 'no route' }
    })
    return new Client((await serveNode(t, app.callback())).origin)
  }
  if (adapter === 'hono') {
    const app = new Hono()
    if (!setup.defaultErrors) {
      app.onError((err, c) => {
        const { status, body } = errorBody(err)
        return c.json(body, status as 403)
      })
    }
    if (!setup.noSession) app.use(honoAdapter.session(options))
    app.use(honoAdapter.csrf(withSkip((c: { req: { path: string } }) => skips(c.req.path))))
    app.all('*', (c) => {
      const route = routeOf(c.req.path)
      return route ? c.json((route(c.get('session')) ?? null) as object) : c.json({ error: 'no route' }, 404)
    })
    const server = createAdaptorServer({ fetch: app.fetch })
    return new Client((await listen(t, server as import('node:http').Server)).origin)
  }
  if (adapter === 'node') {
    const sessions = nodeAdapter.session(options)
    const check = nodeAdapter.csrf(withSkip((req: IncomingMessage) => skips(req.url ?? '/')))
    const listening = await serveNode(t, async (req, res) => {
      const reply = (status: number, body: unknown) => {
        res.statusCode = status
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify(body ?? null))
      }
      const route = routeOf(new URL(req.url ?? '/', 'http://x').pathname)
      if (!route) return reply(404, { error: 'no route' })
      const s = setup.noSession ? {} : await sessions.load(req)
      try {
        check(req, s, parse(req.headers['content-type'], await readText(req)))
      } catch (err) {
        const { status, body } = errorBody(err)
        return reply(status, body)
      }
      const body = route(s)
      if (!setup.noSession) await sessions.commit(s as AnySession, res)
      reply(200, body)
    })
    return new Client(listening.origin)
  }
  const sessions = fetchAdapter.session(options)
  const check = fetchAdapter.csrf(withSkip((request: Request) => skips(new URL(request.url).pathname)))
  const listening = await serveFetch(t, async (request) => {
    const route = routeOf(new URL(request.url).pathname)
    if (!route) return Response.json({ error: 'no route' }, { status: 404 })
    const s = setup.noSession ? {} : await sessions.load(request)
    const type = request.headers.get('content-type')
    const body = type?.startsWith('application/x-www-form-urlencoded')
      ? await request.formData()
      : parse(type, await request.text())
    try {
      check(request, s, body)
    } catch (err) {
      const { status, body } = errorBody(err)
      return Response.json(body, { status })
    }
    const answer = Response.json(route(s) ?? null)
    return setup.noSession ? answer : sessions.commit(s as AnySession, answer)
  })
  return new Client(listening.origin)
}

type Token = { token: string; again: string; id: string }

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
})
const json = (value: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
})
const withHeader = (token: string, method = 'POST', name = 'x-csrf-token') => ({ method, headers: { [name]: token } })

for (const adapter of ADAPTERS) {
  for (const store of STORES) {
    test(
      t_(
        `csrf ${adapter}/${store}: a brand-new session's token is stable in its request and passes next time in the header and the form field`,
      ),
      async (t) => {
        const client = await start(t, adapter, { store })
        const first = await client.get<Token>('/token')
        t.is(first.status, 200)
        t.is(first.body.token, first.body.again, 'one token per request')
        // The empty new session was saved for its token: without it the next request has another id.
        t.true(first.setCookie.length > 0, 'the session cookie is sent')
        const { token } = first.body
        t.is((await client.request('/submit', withHeader(token))).status, 200)
        t.is((await client.request('/submit', form({ _csrf: token, note: 'x' }))).status, 200)
        for (const method of ['PUT', 'PATCH', 'DELETE']) {
          t.is((await client.request('/submit', withHeader(token, method))).status, 200, method)
        }
        // A parsed JSON body's field counts where the framework parsed it; Hono's is not read (send the header).
        t.is((await client.request('/submit', json({ _csrf: token }))).status, adapter === 'hono' ? 403 : 200)
        const later = await client.get<Token>('/token')
        t.is(later.body.id, first.body.id, 'the same session')
        t.not(later.body.token, token, 'a fresh token each request; the old one still verifies')
        t.is((await client.request('/submit', withHeader(token))).status, 200)
      },
    )

    test(t_(`csrf ${adapter}/${store}: missing, forged, other-session and pre-regenerate tokens get 403 ERR_CSRF`), async (t) => {
      const client = await start(t, adapter, { store })
      const { token } = (await client.get<Token>('/token')).body
      const refused = async (options: Parameters<Client['request']>[1], what: string) => {
        const reply = await client.request<{ error: string }>('/submit', options)
        t.is(reply.status, 403, what)
        t.is(reply.body.error, 'ERR_CSRF', what)
      }
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) await refused({ method }, `no token, ${method}`)
      await refused(form({ note: 'x' }), 'a form without the field')
      await refused(withHeader(flipChar(token, -2)), 'forged tag')
      await refused(withHeader(flipChar(token, 3)), 'forged nonce')
      await refused(withHeader('x'), 'garbage')
      await refused(form({ _csrf: flipChar(token, -1) }), 'forged in the form')
      const other = await start(t, adapter, { store, session: { secret: SECRET_2 } })
      const foreign = (await other.get<Token>('/token')).body.token
      await refused(withHeader(foreign), 'a token of another secret')
      const sameApp = new Client(client.origin)
      const theirs = (await sameApp.get<Token>('/token')).body.token
      await refused(withHeader(theirs), "another session's token")
      t.is((await sameApp.request('/submit', withHeader(theirs))).status, 200, 'which passes in its own session')
      // regenerate(): a new id, its own token; the tokens of the old id stop verifying.
      const regen = await client.get<{ before: string; token: string; again: string }>('/regen')
      t.not(regen.body.token, regen.body.before)
      t.is(regen.body.token, regen.body.again)
      await refused(withHeader(regen.body.before), 'a token from before regenerate()')
      await refused(withHeader(token), 'an older token of the old id')
      t.is((await client.request('/submit', withHeader(regen.body.token))).status, 200)
    })
  }

  test(t_(`csrf ${adapter}: ignoreMethods (any case) and skip(req) let requests through without a token`), async (t) => {
    const client = await start(t, adapter, { csrf: { ignoreMethods: ['get', 'HEAD', 'put'] }, skipPrefix: '/webhook/' })
    t.is((await client.get('/token')).status, 200)
    t.is((await client.request('/submit', { method: 'PUT' })).status, 200, 'PUT is ignored')
    t.is((await client.request('/webhook/in', { method: 'POST' })).status, 200, 'skipped')
    t.is((await client.request('/submit', { method: 'POST' })).status, 403, 'POST is not')
    t.is((await client.request('/submit', { method: 'OPTIONS' })).status, 403, 'OPTIONS is no longer ignored')
    const plain = await start(t, adapter)
    t.is((await plain.request('/webhook/in', { method: 'POST' })).status, 403, 'no skip without the option')
  })

  test(t_(`csrf ${adapter}: the header and field options name where the token is read`), async (t) => {
    const client = await start(t, adapter, { csrf: { header: 'X-XSRF-Token', field: 'csrf_token' } })
    const { token } = (await client.get<Token>('/token')).body
    t.is((await client.request('/submit', withHeader(token, 'POST', 'x-xsrf-token'))).status, 200)
    t.is((await client.request('/submit', form({ csrf_token: token }))).status, 200)
    t.is((await client.request('/submit', withHeader(token))).status, 403, 'the default header is not read')
    t.is((await client.request('/submit', form({ _csrf: token }))).status, 403, 'nor the default field')
  })

  test(t_(`csrf ${adapter}: without a session first, a checked request fails with ERR_BAD_CONFIG; safe ones pass`), async (t) => {
    const client = await start(t, adapter, { noSession: true })
    const reply = await client.request<{ error: string }>('/submit', withHeader('x'))
    t.is(reply.status, 500)
    t.is(reply.body.error, 'ERR_BAD_CONFIG')
    t.is((await client.request('/submit')).status, 200, 'GET is not checked')
  })

  test(t_(`csrf ${adapter}: a skip that does not return a boolean is ERR_BAD_CONFIG, not a pass`), async (t) => {
    const client = await start(t, adapter, { csrf: { skip: () => Promise.resolve(true) } as never })
    const reply = await client.request<{ error: string }>('/submit', { method: 'POST' })
    t.is(reply.status, 500)
    t.is(reply.body.error, 'ERR_BAD_CONFIG')
  })
}

const CSRF_OF: Record<Adapter, (options?: unknown) => unknown> = {
  express: (o) => expressAdapter.csrf(o as never),
  fastify: (o) => fastifyAdapter.csrf(o as never),
  koa: (o) => koaAdapter.csrf(o as never),
  hono: (o) => honoAdapter.csrf(o as never),
  node: (o) => nodeAdapter.csrf(o as never),
  fetch: (o) => fetchAdapter.csrf(o as never),
}

test(t_('csrf: unknown and bad options are refused at construction with a hint, on every adapter'), (t) => {
  const cases: [unknown, RegExp][] = [
    [{ ignoredMethods: ['GET'] }, /unknown csrf option `ignoredMethods`: did you mean ignoreMethods/],
    [{ headr: 'x-token' }, /unknown csrf option `headr`: did you mean `header`/],
    [{ cookie: true }, /`cookie`: tokens are bound to the session/],
    [{ secret: SECRET }, /`secret`: tokens are signed with the session middleware's secret/],
    [{ ignoreMethods: 'GET' }, /ignoreMethods/],
    [{ ignoreMethods: ['GET', 'BAD METHOD'] }, /ignoreMethods/],
    [{ skip: true }, /skip/],
    [{ header: 'bad header' }, /header/],
    [{ header: '' }, /header/],
    [{ field: '' }, /field/],
    [{ field: 7 }, /field/],
    ['x-csrf-token', /must be an object/],
    [null, /must be an object/],
  ]
  for (const adapter of ADAPTERS) {
    const make = CSRF_OF[adapter]
    t.is(typeof make(), 'function', `${adapter}: no options`)
    t.is(typeof make({ ignoreMethods: [], header: 'x-a', field: 'f', skip: () => false }), 'function')
    for (const [options, message] of cases) {
      t.throws(() => make(options), { code: 'ERR_BAD_CONFIG', message }, `${adapter}: ${JSON.stringify(options)}`)
    }
  }
})

test(t_('csrf: the frameworks answer a refusal with 403 through their default error handling'), async (t) => {
  for (const adapter of ['express', 'fastify', 'koa', 'hono'] as const) {
    const client = await start(t, adapter, { defaultErrors: true })
    t.is((await client.request('/submit', { method: 'POST' })).status, 403, adapter)
  }
})

test(t_('csrf: the refusal is a CsrfError carrying 403, and node/fetch checks throw it'), async (t) => {
  const manager = new SessionManager({ secret: SECRET })
  const s = await manager.load(undefined)
  const check = fetchAdapter.csrf()
  const err = t.throws(() => check(new Request('http://x/', { method: 'POST' }), s))
  t.true(err instanceof CsrfError)
  t.like(err, { code: 'ERR_CSRF', status: 403, statusCode: 403 })
  t.notThrows(() => check(new Request('http://x/', { method: 'POST', headers: { 'x-csrf-token': s.csrfToken() } }), s))
  t.notThrows(() => check(new Request('http://x/', { method: 'POST' }), s, new URLSearchParams({ _csrf: s.csrfToken() })))
  // A field named like a prototype key reads own fields only.
  const proto = fetchAdapter.csrf({ field: '__proto__' })
  t.throws(() => proto(new Request('http://x/', { method: 'POST' }), s, {}), { code: 'ERR_CSRF' })
  t.throws(() => check(new Request('http://x/', { method: 'POST' }), { id: s.id }), { code: 'ERR_BAD_CONFIG' })
})

test(t_('csrf: csrfToken() keeps a new empty session, bound to its id; without it nothing is saved'), async (t) => {
  const manager = new SessionManager({ secret: SECRET })
  const plain = await manager.load(undefined)
  t.deepEqual(await manager.commit(plain), [], 'an untouched new session sends nothing')
  const s = await manager.load(undefined)
  const token = s.csrfToken()
  t.is(s.csrfToken(), token)
  const cookies = await manager.commit(s)
  t.is(cookies.length, 1)
  const next = await manager.load(cookies[0]?.split(';')[0])
  t.is(next.id, s.id)
  t.true(next.isNew === false)
  // After destroy() the token's id is gone: the new empty session is not kept for it.
  const d = await manager.load(undefined)
  d.csrfToken()
  d.destroy()
  t.deepEqual(await manager.commit(d), [])
  // `csrfToken` is API: it cannot be replaced as a data property.
  t.throws(
    () => {
      ;(s as AnySession).csrfToken = 'x'
    },
    { code: 'ERR_INVALID_ARGUMENT' },
  )
})

test(
  t_('csrf: a session carried in the header option needs no token (no browser sends it on its own); a cookie session still does'),
  async (t) => {
    const manager = new SessionManager({ secret: SECRET, header: 'x-session-token' })
    const check = fetchAdapter.csrf()
    const first = await manager.load(undefined, '')
    first.views = 1
    t.deepEqual(await manager.commit(first), [])
    const value = manager.responseHeader(first)
    t.is(typeof value, 'string')
    const viaHeader = await manager.load(undefined, value)
    t.is(viaHeader.views, 1)
    t.notThrows(() => check(new Request('http://x/', { method: 'POST' }), viaHeader))
    const cookieManager = new SessionManager({ secret: SECRET })
    const viaCookie = await cookieManager.load(undefined)
    t.throws(() => check(new Request('http://x/', { method: 'POST' }), viaCookie), { code: 'ERR_CSRF' })
  },
)
