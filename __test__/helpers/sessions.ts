/**
 * One app, three adapters: a test writes its routes once as `(session, ctx) => result` and runs
 * them behind keycard/express, keycard/node or keycard/fetch over real HTTP (helpers/http.ts).
 *
 * Every adapter answers the same way, so one behaviour table covers all three:
 * - 200 with the handler's result as JSON (undefined → null);
 * - 500 `{ error: code, via: 'handler' }` when the handler throws (always a test bug or an
 *   expected throw the test asked for);
 * - 500 `{ error: code, via }` when saving the session fails: `via` is 'express-error-handler'
 *   for express (the commit error reached Express's error handling) and 'commit' for node and
 *   fetch (their `commit` rejected);
 * - 404 for a path without a route.
 */

import type { ExecutionContext } from 'ava'
import express from 'express'
import { session as expressSession } from '../../src/sessions/adapters/express'
import { session as fetchSession } from '../../src/sessions/adapters/fetch'
import { session as nodeSession } from '../../src/sessions/adapters/node'
import type { SessionManager } from '../../src/sessions/manager'
import type { SessionOptions } from '../../src/sessions/options'
import type { Session } from '../../src/sessions/session'
import { cookieStore } from '../../src/sessions/stores/cookie'
import { memoryStore } from '../../src/sessions/stores/memory'
import type { ServerStore, SessionStore } from '../../src/sessions/stores/types'
import { SECRET } from './backends'
import { Client, serveFetch, serveNode } from './http'

export const ADAPTERS = ['express', 'node', 'fetch'] as const
export type AdapterName = (typeof ADAPTERS)[number]
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

  if (adapter === 'express') {
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
    client: () => new Client(origin),
  }
}

/** The `via` a commit failure answers with on this adapter. */
export function commitFailureVia(adapter: AdapterName): string {
  return adapter === 'express' ? 'express-error-handler' : 'commit'
}

/** The memory store of an app (fails the test's assumption loudly when it is not one). */
export function serverStore(app: App): ServerStore {
  if (app.store.kind !== 'server') throw new Error('this app has no server store')
  return app.store
}

/** The purpose sessions seal and sign under for a cookie name (manager.ts). */
export const purposeOf = (cookieName: string) => `keycard/session/${cookieName}`
