/**
 * keycard/koa: Koa middleware (Koa 2 and 3) setting `ctx.session`.
 *
 * The session is loaded before the downstream middleware runs and committed after it (after
 * `await next()`), before Koa writes the response: its Set-Cookie lines are appended to those
 * already set. A failing load or commit (ERR_STORE_UNAVAILABLE, ERR_NOT_SERIALIZABLE,
 * ERR_TOO_LARGE) is thrown, so Koa's error handling answers; a `StoreError` carries `status: 503`,
 * which Koa's default handler uses. When the downstream middleware throws, the session is not
 * committed: the request failed, and Koa's default handler drops the response's headers anyway.
 * Register an error-handling middleware after this one if error pages should still save sessions.
 *
 * `middleware.manager` is the `SessionManager` (e.g. `manager.revokeUser(id)`).
 *
 * `ctx.session = null` ends the session (logout), as with koa-session; express-session's
 * `regenerate(cb)`, `destroy(cb)` and `save(cb)` call back after the work.
 *
 * @example
 * import Koa from 'koa'
 * import { session } from 'keycard/koa'
 * const app = new Koa()
 * app.use(session({ secret: process.env.KEYCARD_SECRET }))
 * app.use((ctx) => {
 *   ctx.session.views = Number(ctx.session.views ?? 0) + 1
 *   ctx.body = { views: ctx.session.views }
 * })
 */

import type { Context, Middleware } from 'koa'
import { createError } from '../../errors'
import { type CsrfOptions, csrfRefusal, csrfSettings, tokenOf, tokenRequired } from '../csrf'
import { SessionManager } from '../manager'
import type { SessionOptions } from '../options'
import { type Session, type SessionCallbacks, type SessionData, setSessionHabits } from '../session'
import { checkSecureOverHttp, defineSession, secureCheckDue, sessionAccessor, watchesSecure } from './habits'

declare module 'koa' {
  // Koa's augmentation point: every context type (Context, ParameterizedContext) extends it.
  interface DefaultContext {
    /** The request's session (keycard/koa). */
    get session(): Session<SessionData> & SessionCallbacks
    /** `ctx.session = null` ends the session (logout), as with koa-session. */
    set session(value: Session<SessionData> | null | undefined)
  }
}

/**
 * What `session()` of keycard/koa returns: the middleware, with its `manager`.
 * @example
 * const sessions: KoaSessionMiddleware = session()
 * app.use(sessions)
 * await sessions.manager.revokeUser(userId)
 */
export type KoaSessionMiddleware = Middleware & { readonly manager: SessionManager<SessionData> }

/**
 * Koa middleware: sets `ctx.session` before the downstream middleware and commits it after,
 * appending its Set-Cookie lines. Options are checked here, at start-up (ERR_BAD_CONFIG).
 * `middleware.manager` is its `SessionManager`.
 * @example
 * import Koa from 'koa'
 * import { session } from 'keycard/koa'
 * const app = new Koa()
 * app.use(session({ secret: process.env.KEYCARD_SECRET, rolling: true }))
 * app.use((ctx) => {
 *   ctx.body = { user: ctx.session.user ?? null }
 * })
 */
export function session<T extends object = SessionData>(options?: SessionOptions): KoaSessionMiddleware {
  const manager = new SessionManager<T>(options)
  // express-session's callback forms are honoured here too (see SessionCallbacks).
  setSessionHabits(manager, { callbacks: true, cookieStore: manager.options.store.kind === 'cookie' })
  const accessor = sessionAccessor('ctx.session')
  const watchSecure = watchesSecure(manager)
  // The `header` option (null: none, and no header is read or written).
  const header = manager.headerName
  const middleware: Middleware = async (ctx, next) => {
    // The maybe-sync calls: a cookie session needs no I/O, and awaits only what has to wait.
    const loaded = manager.loadMaybeSync(ctx.headers.cookie, header === null ? undefined : ctx.headers[header])
    const s = loaded instanceof Promise ? await loaded : loaded
    // An accessor, so that `ctx.session = null` (koa-session's logout) destroys the session.
    defineSession(ctx, s, accessor)
    await next()
    // Checked first: committing marks the session saved, and a cookie that cannot be sent would be lost with it.
    if (ctx.headerSent)
      throw createError('ERR_INVALID_ARGUMENT', 'the response headers were sent before the session was committed')
    const committed = manager.commitMaybeSync(s)
    const cookies = committed instanceof Promise ? await committed : committed
    // Header mode: the session's value in the response header instead of Set-Cookie.
    if (header !== null) {
      const value = manager.responseHeader(s)
      if (value !== undefined) ctx.set(header, value)
    }
    if (cookies.length === 0) return
    ctx.append('Set-Cookie', cookies)
    // ctx.secure and ctx.hostname follow X-Forwarded-* only when app.proxy says to trust them.
    if (watchSecure && secureCheckDue()) checkSecureOverHttp(ctx.secure, ctx.hostname)
  }
  return Object.assign(middleware, { manager: manager as SessionManager<SessionData> })
}

export type { Session, SessionCallbacks, SessionData, SessionOptions }

/**
 * CSRF protection, after `session()`: a request whose method is not in `ignoreMethods` (default
 * GET, HEAD, OPTIONS, TRACE) needs the token of `ctx.session.csrfToken()` in the `x-csrf-token`
 * header or the `_csrf` field of `ctx.request.body` (put a body parser such as `@koa/bodyparser`
 * before it: this reads the body only as a parser left it). Otherwise it throws a CsrfError
 * (ERR_CSRF, `status` 403), which Koa's default handler answers with 403. Options are checked
 * here (ERR_BAD_CONFIG); without a session first, each request fails with ERR_BAD_CONFIG.
 * @example
 * app.use(session())
 * app.use(bodyParser())
 * app.use(csrf({ skip: (ctx) => ctx.path.startsWith('/webhooks/') }))
 * app.use((ctx) => {
 *   ctx.body = `<form method="post"><input type="hidden" name="_csrf" value="${ctx.session.csrfToken()}">…</form>`
 * })
 */
export function csrf(options?: CsrfOptions<Context>): Middleware {
  const settings = csrfSettings(options)
  return async (ctx, next) => {
    if (tokenRequired(settings, ctx.method, ctx)) {
      const token = tokenOf(settings, ctx.headers[settings.header], (ctx.request as { body?: unknown }).body)
      const refusal = csrfRefusal(ctx.session, token, settings, 'ctx.session')
      if (refusal) throw refusal
    }
    await next()
  }
}

export { koaRateLimit as rateLimitMiddleware } from './rate_limit_koa'
export type { CsrfOptions }
