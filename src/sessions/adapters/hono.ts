/**
 * keycard/hono: Hono middleware (Hono 4) setting the `session` variable: `c.get('session')`.
 *
 * The session is loaded before the handler runs and committed after it (after `await next()`):
 * its Set-Cookie lines are appended to `c.res`, which is replaced by a copy when its headers are
 * immutable (`Response.redirect()`, a `fetch()` response). Works on every runtime Hono runs on
 * with node:crypto: `@hono/node-server`, Bun, Deno, `app.request()` in tests.
 *
 * A failing load or commit (ERR_STORE_UNAVAILABLE, ERR_NOT_SERIALIZABLE, ERR_TOO_LARGE) is thrown,
 * so `app.onError` answers. Hono's default handler answers 500 for anything but an
 * `HTTPException`; to answer a `StoreError` with its 503, read `status` in `app.onError`:
 * `app.onError((err, c) => c.text('unavailable', (err as { status?: 503 }).status ?? 500))`.
 *
 * @example
 * import { Hono } from 'hono'
 * import { session, type SessionEnv } from 'keycard/hono'
 * const app = new Hono<SessionEnv<{ views: number }>>()
 * app.use(session({ secret: process.env.KEYCARD_SECRET }))
 * app.get('/', (c) => {
 *   const s = c.get('session')
 *   s.views = (s.views ?? 0) + 1
 *   return c.json({ views: s.views })
 * })
 */

import type { MiddlewareHandler } from 'hono'
import { SessionManager } from '../manager'
import type { SessionOptions } from '../options'
import type { Session, SessionData } from '../session'

declare module 'hono' {
  // Hono's augmentation point: c.get('session') is typed in every app, by the declared SessionData.
  interface ContextVariableMap {
    /** The request's session (keycard/hono). */
    session: Session
  }
}

/** The Hono environment of apps using this middleware: `new Hono<SessionEnv<MyData>>()`. */
export type SessionEnv<T extends object = SessionData> = { Variables: { session: Session<T> } }

export type HonoSessionMiddleware<T extends object = SessionData> = MiddlewareHandler<SessionEnv<T>> & {
  readonly manager: SessionManager<T>
}

function appendAll(headers: Headers, cookies: readonly string[]): void {
  for (const cookie of cookies) headers.append('set-cookie', cookie)
}

export function session<T extends object = SessionData>(options?: SessionOptions): HonoSessionMiddleware<T> {
  const manager = new SessionManager<T>(options)
  const middleware: MiddlewareHandler<SessionEnv<T>> = async (c, next) => {
    const s = await manager.load(c.req.header('cookie'))
    c.set('session', s)
    await next()
    const cookies = await manager.commit(s)
    if (cookies.length === 0) return
    try {
      appendAll(c.res.headers, cookies)
    } catch {
      // Immutable headers (a redirect, a fetch() response): the same response, with headers we may change.
      c.res = new Response(c.res.body, c.res)
      appendAll(c.res.headers, cookies)
    }
  }
  return Object.assign(middleware, { manager })
}

export type { Session, SessionData, SessionOptions }
