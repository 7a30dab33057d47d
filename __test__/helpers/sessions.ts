/**
 * One app, many adapters: a test writes its routes once as `(session, ctx) => result` and runs
 * them behind keycard/express, keycard/node or keycard/fetch (`ADAPTERS`), or keycard/fastify,
 * keycard/koa or keycard/hono (`MORE_ADAPTERS`) over real HTTP (helpers/http.ts); 'hono-request'
 * is the Hono app driven in process through `app.request()`, the jar's cookies sent as a Cookie
 * header by hand.
 *
 * Every adapter answers the same way, so one behaviour table covers them all:
 * - 200 with the handler's result as JSON (undefined → null);
 * - 500 `{ error: code, via: 'handler' }` when the handler throws (always a test bug or an
 *   expected throw the test asked for);
 * - 500 `{ error: code, via }` when saving the session fails: `via` is 'express-error-handler'
 *   for express (the commit error reached Express's error handling) and 'commit' for node and
 *   fetch (their `commit` rejected); 'fastify-error-handler', 'koa-error-handler' and
 *   'hono-error-handler' for the others (see `commitFailureVia`);
 * - 404 for a path without a route.
 */

import { createServer, type Server } from 'node:http'
import { createAdaptorServer } from '@hono/node-server'
import type { ExecutionContext } from 'ava'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import { session as expressSession } from '../../src/sessions/adapters/express'
import { session as fastifySession } from '../../src/sessions/adapters/fastify'
import { session as fetchSession } from '../../src/sessions/adapters/fetch'
import { session as honoSession, type SessionEnv } from '../../src/sessions/adapters/hono'
import { session as koaSession } from '../../src/sessions/adapters/koa'
import { session as nodeSession } from '../../src/sessions/adapters/node'
import type { SessionManager } from '../../src/sessions/manager'
import type { SessionOptions } from '../../src/sessions/options'
import type { Session } from '../../src/sessions/session'
import { cookieStore } from '../../src/sessions/stores/cookie'
import { memoryStore } from '../../src/sessions/stores/memory'
import type { ServerStore, SessionStore } from '../../src/sessions/stores/types'
import { SECRET } from './backends'
import { Client, listen, type Reply, type RequestOptions, serveFetch, serveNode } from './http'

export const ADAPTERS = ['express', 'node', 'fetch'] as const
/** The framework adapters, run by their own specs (sessions_fastify, sessions_koa, sessions_hono). */
export const MORE_ADAPTERS = ['fastify', 'koa', 'hono', 'hono-request'] as const
export type AdapterName = (typeof ADAPTERS)[number] | (typeof MORE_ADAPTERS)[number]
export const STORES = ['cookie', 'memory'] as const
export type StoreKind = (typeof STORES)[number]

/** Session data in these tests: anything. */
// biome-ignore lint/suspicious/noExplicitAny: tests poke at arbitrary keys
export type AnySession = Session<Record<string, any>>

export interface Ctx {
  url: URL
  /** `url.searchParams.get(name)`. */
  q(name: string): string | null
  /** Set-Cookie lines of the app's own, added to the response before the session is committed. */
  appCookies: string[]
}

export type Handler = (session: AnySession, ctx: Ctx) => unknown
export type Routes = Record<string, Handler>

export interface AppOptions extends SessionOptions {
  /** node:http's limit on request headers (default 16 KiB). */
  maxHeaderSize?: number
}

export interface App {
  adapter: AdapterName
  /** Where the app listens ('hono-request': a placeholder, nothing listens). */
  origin: string
  manager: SessionManager
  /** The store the manager uses (for memory stores, to look inside). */
  store: SessionStore
  /** Codes passed to onInvalid, in order. */
  invalid: string[]
  /** Errors that reached the commit failure path (express error handler, node/fetch commit). */
  errors: unknown[]
  /** A new browser: its own cookie jar. */
  client(): Client
}

/** Defaults of every test app: the test secret, and a fresh store of the given kind. */
export function storeOf(kind: StoreKind): SessionStore {
  return kind === 'memory' ? memoryStore() : cookieStore()
}

function codeOf(err: unknown): string {
  return (err as { code?: string })?.code ?? String(err)
}

function ctxOf(url: URL): Ctx {
  return { url, q: (name) => url.searchParams.get(name), appCookies: [] }
}

/**
 * A `Client` whose requests go to `send` (a Hono app's `app.request`) instead of over the network:
 * the same jar, the Cookie header written by hand from it, Set-Cookie stored back.
 */
export class InProcessClient extends Client {
  constructor(
    origin: string,
    readonly send: (url: URL, init: RequestInit) => Response | Promise<Response>,
  ) {
    super(origin)
  }

  override async request<B = unknown>(path: string, options: RequestOptions = {}): Promise<Reply<B>> {
    const url = new URL(path, this.origin)
    const headers = new Headers(options.headers)
    const raw = options.cookie !== undefined
    const cookie = raw ? options.cookie : this.jar.header(url)
    if (cookie !== null && cookie !== undefined) headers.set('cookie', cookie)
    const response = await this.send(url, { method: options.method ?? 'GET', headers, body: options.body })
    const setCookie = response.headers.getSetCookie()
    if (!raw) for (const line of setCookie) this.jar.store(line, url)
    const text = await response.text()
    let body: unknown = text
    if ((response.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text)
    return { status: response.status, body: body as B, setCookie, headers: response.headers }
  }
}

/** Starts `routes` behind `adapter` with `options` (secret: SECRET unless given). Closed after the test. */
export async function startApp(t: ExecutionContext, adapter: AdapterName, options: AppOptions, routes: Routes): Promise<App> {
  const { maxHeaderSize, ...given } = options
  const invalid: string[] = []
  const errors: unknown[] = []
  const sessionOptions: SessionOptions = {
    secret: SECRET,
    ...given,
    onInvalid: (code) => {
      invalid.push(code)
      given.onInvalid?.(code)
    },
  }
  const route = (url: URL): Handler | undefined => (Object.hasOwn(routes, url.pathname) ? routes[url.pathname] : undefined)
  let manager: SessionManager
  let origin: string
  let client = (): Client => new Client(origin)

  if (adapter === 'fastify') {
    const app = Fastify(
      maxHeaderSize === undefined ? {} : { serverFactory: (handler) => createServer({ maxHeaderSize }, handler) },
    )
    await app.register(fastifySession, sessionOptions)
    manager = app.sessionManager
    app.setErrorHandler((err, _request, reply) => {
      errors.push(err)
      return reply.code(500).send({ error: codeOf(err), via: 'fastify-error-handler' })
    })
    app.route({
      method: ['GET', 'POST', 'PUT', 'DELETE'],
      url: '/*',
      handler: async (request, reply) => {
        const url = new URL(request.url, 'http://127.0.0.1')
        const handler = route(url)
        if (!handler) return reply.code(404).send({ error: 'no route' })
        const ctx = ctxOf(url)
        let out: unknown
        try {
          out = await handler(request.session as AnySession, ctx)
        } catch (err) {
          return reply.code(500).send({ error: codeOf(err), via: 'handler' })
        }
        for (const line of ctx.appCookies) reply.header('set-cookie', line)
        return reply.type('application/json').send(JSON.stringify(out ?? null))
      },
    })
    t.teardown(() => app.close())
    origin = await app.listen({ port: 0, host: '127.0.0.1' })
  } else if (adapter === 'koa') {
    const middleware = koaSession(sessionOptions)
    manager = middleware.manager
    const app = new Koa()
    // The app's error handling: an error-handling middleware in front, as Koa apps have.
    app.use(async (ctx, next) => {
      try {
        await next()
      } catch (err) {
        errors.push(err)
        ctx.status = 500
        ctx.body = { error: codeOf(err), via: 'koa-error-handler' }
      }
    })
    app.use(middleware)
    app.use(async (ctx) => {
      const url = new URL(ctx.url, 'http://127.0.0.1')
      const handler = route(url)
      ctx.type = 'application/json'
      if (!handler) {
        ctx.status = 404
        ctx.body = JSON.stringify({ error: 'no route' })
        return
      }
      const ctxt = ctxOf(url)
      let out: unknown
      try {
        out = await handler(ctx.session as AnySession, ctxt)
      } catch (err) {
        ctx.status = 500
        ctx.body = JSON.stringify({ error: codeOf(err), via: 'handler' })
        return
      }
      for (const line of ctxt.appCookies) ctx.append('Set-Cookie', line)
      ctx.body = JSON.stringify(out ?? null)
    })
    origin = (await serveNode(t, app.callback(), { maxHeaderSize })).origin
  } else if (adapter === 'hono' || adapter === 'hono-request') {
    const middleware = honoSession<Record<string, unknown>>(sessionOptions)
    manager = middleware.manager as SessionManager
    const app = new Hono<SessionEnv<Record<string, unknown>>>()
    app.onError((err, c) => {
      errors.push(err)
      return c.json({ error: codeOf(err), via: 'hono-error-handler' }, 500)
    })
    app.use(middleware)
    app.all('*', async (c) => {
      const url = new URL(c.req.url)
      const handler = route(url)
      if (!handler) return c.json({ error: 'no route' }, 404)
      const ctx = ctxOf(url)
      let out: unknown
      try {
        out = await handler(c.get('session') as AnySession, ctx)
      } catch (err) {
        return c.json({ error: codeOf(err), via: 'handler' }, 500)
      }
      for (const line of ctx.appCookies) c.header('set-cookie', line, { append: true })
      return c.json(out ?? null)
    })
    if (adapter === 'hono') {
      const server = createAdaptorServer({ fetch: app.fetch, serverOptions: { maxHeaderSize } })
      origin = (await listen(t, server as Server)).origin
    } else {
      origin = 'http://127.0.0.1'
      client = () => new InProcessClient(origin, (url, init) => app.request(url, init))
    }
  } else if (adapter === 'express') {
    const middleware = expressSession(sessionOptions)
    manager = middleware.manager
    const app = express()
    app.use(middleware)
    app.use(async (req, res) => {
      const url = new URL(req.originalUrl, 'http://127.0.0.1')
      const handler = route(url)
      if (!handler) return void res.status(404).json({ error: 'no route' })
      const ctx = ctxOf(url)
      let out: unknown
      try {
        out = await handler(req.session as AnySession, ctx)
      } catch (err) {
        return void res.status(500).json({ error: codeOf(err), via: 'handler' })
      }
      for (const line of ctx.appCookies) res.append('set-cookie', line)
      res.json(out ?? null)
    })
    app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      errors.push(err)
      res.status(500).json({ error: codeOf(err), via: 'express-error-handler' })
    })
    origin = (await serveNode(t, app, { maxHeaderSize })).origin
  } else if (adapter === 'node') {
    const sessions = nodeSession(sessionOptions)
    manager = sessions.manager
    origin = (
      await serveNode(
        t,
        async (req, res) => {
          const reply = (status: number, body: unknown) => {
            res.statusCode = status
            res.setHeader('content-type', 'application/json')
            res.end(JSON.stringify(body ?? null))
          }
          const url = new URL(req.url ?? '/', 'http://127.0.0.1')
          const handler = route(url)
          if (!handler) return reply(404, { error: 'no route' })
          let s: AnySession
          try {
            s = (await sessions.load(req)) as AnySession
          } catch (err) {
            return reply(500, { error: codeOf(err), via: 'load' })
          }
          const ctx = ctxOf(url)
          let out: unknown
          try {
            out = await handler(s, ctx)
          } catch (err) {
            return reply(500, { error: codeOf(err), via: 'handler' })
          }
          if (ctx.appCookies.length > 0) res.setHeader('set-cookie', ctx.appCookies)
          try {
            await sessions.commit(s, res)
          } catch (err) {
            errors.push(err)
            // Whatever commit may have added must not go out with the error.
            res.removeHeader('set-cookie')
            return reply(500, { error: codeOf(err), via: 'commit' })
          }
          reply(200, out)
        },
        { maxHeaderSize },
      )
    ).origin
  } else {
    const sessions = fetchSession(sessionOptions)
    manager = sessions.manager
    origin = (
      await serveFetch(
        t,
        async (request) => {
          const url = new URL(request.url)
          const handler = route(url)
          if (!handler) return Response.json({ error: 'no route' }, { status: 404 })
          let s: AnySession
          try {
            s = (await sessions.load(request)) as AnySession
          } catch (err) {
            return Response.json({ error: codeOf(err), via: 'load' }, { status: 500 })
          }
          const ctx = ctxOf(url)
          let out: unknown
          try {
            out = await handler(s, ctx)
          } catch (err) {
            return Response.json({ error: codeOf(err), via: 'handler' }, { status: 500 })
          }
          const response = Response.json(out ?? null)
          for (const line of ctx.appCookies) response.headers.append('set-cookie', line)
          try {
            return await sessions.commit(s, response)
          } catch (err) {
            errors.push(err)
            return Response.json({ error: codeOf(err), via: 'commit' }, { status: 500 })
          }
        },
        { maxHeaderSize },
      )
    ).origin
  }
  return {
    adapter,
    origin,
    manager,
    store: manager.options.store,
    invalid,
    errors,
    client,
  }
}

/** The `via` a commit failure answers with on this adapter. */
export function commitFailureVia(adapter: AdapterName): string {
  switch (adapter) {
    case 'express':
      return 'express-error-handler'
    case 'fastify':
      return 'fastify-error-handler'
    case 'koa':
      return 'koa-error-handler'
    case 'hono':
    case 'hono-request':
      return 'hono-error-handler'
    default:
      return 'commit'
  }
}

/** The memory store of an app (fails the test's assumption loudly when it is not one). */
export function serverStore(app: App): ServerStore {
  if (app.store.kind !== 'server') throw new Error('this app has no server store')
  return app.store
}

/** A memory store that fails every call while `down` is true (the service is unavailable). */
export function switchableStore(): ServerStore & { down: boolean } {
  const inner = memoryStore()
  const store = {
    kind: 'server' as const,
    down: false,
    async get(id: string) {
      if (store.down) throw new Error('store down')
      return inner.get(id)
    },
    async set(id: string, session: Parameters<ServerStore['set']>[1], ttlMs: number) {
      if (store.down) throw new Error('store down')
      return inner.set(id, session, ttlMs)
    },
    async destroy(id: string) {
      if (store.down) throw new Error('store down')
      return inner.destroy(id)
    },
  }
  return store
}

/** The purpose sessions seal and sign under for a cookie name (manager.ts). */
export const purposeOf = (cookieName: string) => `keycard/session/${cookieName}`
