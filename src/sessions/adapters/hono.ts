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

import type { Context, MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { type CsrfOptions, csrfRefusal, csrfSettings, tokenOf, tokenRequired } from '../csrf'
import { SessionManager } from '../manager'
import type { SessionOptions } from '../options'
import { type Session, type SessionData, setSessionHabits } from '../session'
import { checkSecureOverHttp, secureCheckDue, watchesSecure } from './habits'

declare module 'hono' {
  // Hono's augmentation point: c.get('session') is typed in every app, by the declared SessionData.
  interface ContextVariableMap {
    /** The request's session (keycard/hono). */
    session: Session
  }
}

/**
 * The Hono environment of apps using this middleware: `new Hono<SessionEnv<MyData>>()`.
 * @example
 * const app = new Hono<SessionEnv<{ views: number }>>()
 * app.get('/', (c) => c.json({ views: c.get('session').views ?? 0 }))
 */
export type SessionEnv<T extends object = SessionData> = { Variables: { session: Session<T> } }

/**
 * What `session()` of keycard/hono returns: the middleware, with its `manager`.
 * @example
 * const sessions: HonoSessionMiddleware<{ views: number }> = session<{ views: number }>()
 * app.use(sessions)
 * await sessions.manager.revokeUser(userId)
 */
export type HonoSessionMiddleware<T extends object = SessionData> = MiddlewareHandler<SessionEnv<T>> & {
  readonly manager: SessionManager<T>
}

/** Sets response header `name`, copying a response whose headers are immutable (a redirect). */
function setHeader(c: { res: Response }, name: string, value: string): void {
  try {
    c.res.headers.set(name, value)
  } catch {
    c.res = new Response(c.res.body, c.res)
    c.res.headers.set(name, value)
  }
}

function appendAll(headers: Headers, cookies: readonly string[]): void {
  for (const cookie of cookies) headers.append('set-cookie', cookie)
}

/**
 * Hono middleware: sets `c.get('session')` before the handler and commits it after, appending its
 * Set-Cookie lines to `c.res`. Options are checked here, at start-up (ERR_BAD_CONFIG).
 * `middleware.manager` is its `SessionManager`.
 * @example
 * import { Hono } from 'hono'
 * import { session, type SessionEnv } from 'keycard/hono'
 * const app = new Hono<SessionEnv<{ user?: string }>>()
 * app.use(session({ secret: process.env.KEYCARD_SECRET }))
 * app.post('/login', (c) => {
 *   const s = c.get('session')
 *   s.regenerate() // a new id at login
 *   s.user = 'ada'
 *   return c.redirect('/')
 * })
 */
export function session<T extends object = SessionData>(options?: SessionOptions): HonoSessionMiddleware<T> {
  const manager = new SessionManager<T>(options)
  // Committed after the handler: a callback passed to regenerate/destroy/save would never be called.
  setSessionHabits(manager, { callbacks: false, cookieStore: manager.options.store.kind === 'cookie' })
  const watchSecure = watchesSecure(manager)
  // The `header` option (null: none, and no header is read or written).
  const header = manager.headerName
  const middleware: MiddlewareHandler<SessionEnv<T>> = async (c, next) => {
    // The maybe-sync calls: a cookie session needs no I/O, and awaits only what has to wait.
    const loaded = manager.loadMaybeSync(c.req.header('cookie'), header === null ? undefined : c.req.header(header))
    const s = loaded instanceof Promise ? await loaded : loaded
    c.set('session', s)
    await next()
    const committed = manager.commitMaybeSync(s)
    const cookies = committed instanceof Promise ? await committed : committed
    // Header mode: the session's value in the response header instead of Set-Cookie.
    if (header !== null) {
      const value = manager.responseHeader(s)
      if (value !== undefined) setHeader(c, header, value)
    }
    if (cookies.length === 0) return
    try {
      appendAll(c.res.headers, cookies)
    } catch {
      // Immutable headers (a redirect, a fetch() response): the same response, with headers we may change.
      c.res = new Response(c.res.body, c.res)
      appendAll(c.res.headers, cookies)
    }
    if (watchSecure && secureCheckDue()) {
      // The request URL as the runtime built it (@hono/node-server: https only on a TLS socket).
      const url = new URL(c.req.url)
      checkSecureOverHttp(url.protocol === 'https:', url.host)
    }
  }
  return Object.assign(middleware, { manager })
}

export type { Session, SessionData, SessionOptions }

/**
 * CSRF protection, after `session()`: a request whose method is not in `ignoreMethods` (default
 * GET, HEAD, OPTIONS, TRACE) needs the token of `c.get('session').csrfToken()` in the
 * `x-csrf-token` header or the `_csrf` field of a form body, read with Hono's own
 * `c.req.parseBody()` (cached: the handler reads the same body); JSON bodies are not read, send
 * the header. Otherwise it throws an `HTTPException` 403 whose `cause` is the CsrfError
 * (ERR_CSRF): Hono's default handler answers 403, and `app.onError` can read `err.cause.code`.
 * Options are checked here (ERR_BAD_CONFIG); without a session first, requests fail with ERR_BAD_CONFIG.
 * @example
 * app.use(session())
 * app.use(csrf({ skip: (c) => c.req.path.startsWith('/webhooks/') }))
 * app.get('/form', (c) =>
 *   c.html(`<form method="post"><input type="hidden" name="_csrf" value="${c.get('session').csrfToken()}">…</form>`))
 */
export function csrf(options?: CsrfOptions<Context>): MiddlewareHandler {
  const settings = csrfSettings(options)
  return async (c, next) => {
    if (tokenRequired(settings, c.req.method, c)) {
      const header = c.req.header(settings.header)
      // Only a form body, and only when no header came; a malformed one is no token (a 403), not a 500.
      const body = header === undefined ? await c.req.parseBody().catch(() => undefined) : undefined
      const refusal = csrfRefusal(c.get('session'), tokenOf(settings, header, body), settings, "c.get('session')")
      if (refusal?.code === 'ERR_CSRF') throw new HTTPException(403, { message: refusal.message, cause: refusal })
      if (refusal) throw refusal
    }
    await next()
  }
}

export { honoRateLimit as rateLimitMiddleware } from './rate_limit_hono'
export type { CsrfOptions }
