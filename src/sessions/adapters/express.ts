/**
 * keycard/express: Connect-style middleware (Express 4 and 5) setting `req.session`.
 *
 * The session is committed when the response ends: `res.end` waits for the store write, then
 * sends the response with its Set-Cookie, so a saved session is acknowledged before the client
 * sees the response. A commit error (ERR_STORE_UNAVAILABLE, ERR_NOT_SERIALIZABLE, ERR_TOO_LARGE)
 * goes to Express's error handling instead of the response. Streaming responses (`res.write`
 * before `res.end`) send headers early: call `await commitSession(req, res)` before the first write.
 *
 * Habits of express-session and cookie-session work: `req.session.regenerate(cb)`, `destroy(cb)`
 * and `save(cb)` call back after the work (Passport relies on them), and `req.session = null`
 * ends the session (logout).
 *
 * @example
 * import { session } from 'keycard/express'
 * app.use(session({ secret: process.env.KEYCARD_SECRET }))
 * app.get('/', (req, res) => { req.session.views = (req.session.views ?? 0) + 1; res.send('ok') })
 */

import type { IncomingMessage, ServerResponse } from 'node:http'
import { debug } from '../../lib/debug'
import { type CsrfOptions, csrfRefusal, csrfSettings, tokenOf, tokenRequired } from '../csrf'
import { SessionManager } from '../manager'
import type { SessionOptions } from '../options'
import { type Session, type SessionCallbacks, type SessionData, setSessionHabits } from '../session'
import { checkSecureOverHttp, defineSession, secureCheckDue, sessionAccessor, watchesSecure } from './habits'
import { appendSetCookie } from './headers'

declare global {
  // Express's own augmentation point, so req.session is typed in handlers.
  namespace Express {
    interface Request {
      /** The request's session (keycard/express). */
      get session(): Session<SessionData> & SessionCallbacks
      /** `req.session = null` ends the session (logout), as with cookie-session. */
      set session(value: Session<SessionData> | null | undefined)
    }
  }
}

type Next = (err?: unknown) => void
type Middleware = ((req: IncomingMessage, res: ServerResponse, next: Next) => void) & {
  readonly manager: SessionManager<SessionData>
}

/** The request's commit, for commitSession: on the request itself (a WeakMap entry cost more). */
const COMMIT = Symbol('keycard.commit')
type WithCommit = IncomingMessage & { [COMMIT]?: () => string[] | Promise<void> }

/**
 * Commits the request's session now (for streaming responses, whose headers go out at the first
 * write); the commit at `res.end` is then a no-op. Throws what a commit throws
 * (ERR_STORE_UNAVAILABLE, ERR_NOT_SERIALIZABLE, ERR_TOO_LARGE).
 * @example
 * app.get('/report', async (req, res) => {
 *   req.session.lastReport = Date.now()
 *   await commitSession(req, res) // Set-Cookie goes out with the first write
 *   res.write('…')
 *   res.end()
 * })
 */
export async function commitSession(req: IncomingMessage, _res?: ServerResponse): Promise<void> {
  await (req as WithCommit)[COMMIT]?.()
}

/**
 * Connect/Express middleware: sets `req.session` from the request's cookies, and commits it
 * (store write, then Set-Cookie) when the response ends. Options are checked here, at start-up
 * (ERR_BAD_CONFIG). `middleware.manager` is its `SessionManager` (`revokeUser`, options).
 * @example
 * import express from 'express'
 * import { session } from 'keycard/express'
 * const app = express()
 * const sessions = session({ secret: process.env.KEYCARD_SECRET, ttl: '2h' })
 * app.use(sessions)
 * app.post('/login', (req, res) => {
 *   req.session.regenerate() // a new id at login
 *   req.session.user = 'ada'
 *   res.redirect('/')
 * })
 */
export function session<T extends object = SessionData>(options?: SessionOptions): Middleware {
  const manager = new SessionManager<T>(options)
  // express-session's callback forms are honoured here (see SessionCallbacks).
  setSessionHabits(manager, { callbacks: true, cookieStore: manager.options.store.kind === 'cookie' })
  const accessor = sessionAccessor('req.session')
  const watchSecure = watchesSecure(manager)
  /** The session's Set-Cookie lines onto the response, unless its head already went out. */
  const sendCookies = (req: IncomingMessage, res: ServerResponse, cookies: string[]): void => {
    if (cookies.length === 0) return
    if (res.headersSent) {
      debug(
        'Set-Cookie for %s skipped: the response headers were already sent (call commitSession before the first write)',
        manager.cookieName,
      )
      return
    }
    appendSetCookie(res, cookies)
    if (watchSecure && secureCheckDue()) checkSecureOverHttp(isHttps(req), hostOf(req))
  }
  // The `header` option (null: none, and no header is read or written).
  const header = manager.headerName
  /** Header mode: the session's value in the response header instead of Set-Cookie. */
  const sendHeader = (res: ServerResponse, s: Session<T>): void => {
    const value = manager.responseHeader(s)
    if (value === undefined || header === null) return
    if (res.headersSent) debug('%s header skipped: the response headers were already sent', header)
    else res.setHeader(header, value)
  }
  /** Sets up the loaded session on `req` and the commit at `res.end`, then goes on to the route. */
  const start = (req: IncomingMessage, res: ServerResponse, next: Next, s: Session<T>): void => {
    // An accessor, so that `req.session = null` (cookie-session's logout) destroys the session.
    defineSession(req, s, accessor)
    // The commit: synchronous when it needs no I/O (a cookie session), so res.end costs no extra
    // microtask turns then (measured ~2 µs a request); a promise once a store has to be waited for.
    let done: string[] | Promise<void> | undefined
    const commit = (): string[] | Promise<void> => {
      if (done !== undefined) return done
      let committed: string[] | Promise<string[]>
      try {
        committed = manager.commitMaybeSync(s)
      } catch (err) {
        // Kept as a rejection, like an async commit's: commitSession and res.end both see it.
        done = Promise.reject(err)
        done.catch(() => {})
        return done
      }
      if (committed instanceof Promise) {
        done = committed.then((cookies) => {
          sendCookies(req, res, cookies)
          if (header !== null) sendHeader(res, s)
        })
      } else {
        done = []
        sendCookies(req, res, committed)
        if (header !== null) sendHeader(res, s)
      }
      return done
    }
    ;(req as WithCommit)[COMMIT] = commit
    const end = res.end as (...args: unknown[]) => ServerResponse
    const failed = (err: unknown): void => {
      // Let the error handler answer with the original end.
      res.end = end as ServerResponse['end']
      if (res.headersSent) res.destroy(err as Error)
      else next(err)
    }
    res.end = function endAfterCommit(this: ServerResponse, ...args: unknown[]): ServerResponse {
      const committed = commit()
      if (committed instanceof Promise) committed.then(() => end.apply(res, args), failed)
      else end.apply(res, args)
      return res
    } as ServerResponse['end']
    next()
  }
  const middleware = (req: IncomingMessage, res: ServerResponse, next: Next): void => {
    let loaded: Session<T> | Promise<Session<T>>
    try {
      loaded = manager.loadMaybeSync(req.headers.cookie, header === null ? undefined : req.headers[header])
    } catch (err) {
      next(err)
      return
    }
    if (loaded instanceof Promise) loaded.then((s) => start(req, res, next, s), next)
    else start(req, res, next, loaded)
  }
  return Object.assign(middleware, { manager: manager as SessionManager<SessionData> })
}

/** Express's `req.secure` (its trust proxy setting decides X-Forwarded-Proto); the socket under plain Connect. */
function isHttps(req: IncomingMessage): boolean {
  const secure = (req as { secure?: unknown }).secure
  return typeof secure === 'boolean' ? secure : (req.socket as { encrypted?: boolean }).encrypted === true
}

/** Express's `req.hostname` (X-Forwarded-Host when trusted); the Host header under plain Connect. */
function hostOf(req: IncomingMessage): string | undefined {
  const hostname = (req as { hostname?: unknown }).hostname
  return typeof hostname === 'string' ? hostname : req.headers.host
}

export type { Session, SessionCallbacks, SessionData, SessionOptions }

/**
 * CSRF protection, after `session()`: a request whose method is not in `ignoreMethods` (default
 * GET, HEAD, OPTIONS, TRACE) needs the token of `req.session.csrfToken()` in the `x-csrf-token`
 * header or the `_csrf` field of `req.body` (put `express.urlencoded()` / `express.json()` before
 * it: this reads the body only as a body parser left it). Otherwise `next(err)` with a CsrfError
 * (ERR_CSRF, `status` 403), which Express's default handler answers with 403. Options are checked
 * here (ERR_BAD_CONFIG); without a session first, each request fails with ERR_BAD_CONFIG.
 * `skip` gets node's request; in TypeScript, `csrf<express.Request>({ skip: (req) => … })` types
 * it as Express's.
 * @example
 * app.use(session())
 * app.use(express.urlencoded({ extended: false }))
 * app.use(csrf({ skip: (req) => req.url.startsWith('/webhooks/') }))
 * app.get('/form', (req, res) =>
 *   res.send(`<form method="post"><input type="hidden" name="_csrf" value="${req.session.csrfToken()}">…</form>`))
 */
export function csrf<Req extends IncomingMessage = IncomingMessage & Express.Request>(
  options?: CsrfOptions<Req>,
): (req: IncomingMessage, res: ServerResponse, next: Next) => void {
  const settings = csrfSettings(options)
  return (req, _res, next) => {
    let refusal: unknown
    try {
      if (!tokenRequired(settings, req.method, req as Req)) return next()
      const token = tokenOf(settings, req.headers[settings.header], (req as { body?: unknown }).body)
      refusal = csrfRefusal((req as { session?: unknown }).session, token, settings, 'req.session')
    } catch (err) {
      refusal = err
    }
    next(refusal)
  }
}

export { expressRateLimit as rateLimitMiddleware, type RateLimitMiddlewareOptions } from './rate_limit_middleware'
export type { CsrfOptions }
