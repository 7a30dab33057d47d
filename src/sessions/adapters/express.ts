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

const commits = new WeakMap<IncomingMessage, () => Promise<void>>()

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
  await commits.get(req)?.()
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
  const middleware = (req: IncomingMessage, res: ServerResponse, next: Next): void => {
    manager.load(req.headers.cookie).then((s) => {
      // An accessor, so that `req.session = null` (cookie-session's logout) destroys the session.
      defineSession(req, s, accessor)
      let pending: Promise<void> | undefined
      const commit = (): Promise<void> => {
        pending ??= manager.commit(s).then((cookies) => {
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
        })
        return pending
      }
      commits.set(req, commit)
      const end = res.end as (...args: unknown[]) => ServerResponse
      res.end = function endAfterCommit(this: ServerResponse, ...args: unknown[]): ServerResponse {
        commit().then(
          () => end.apply(res, args),
          (err) => {
            // Let the error handler answer with the original end.
            res.end = end as ServerResponse['end']
            if (res.headersSent) res.destroy(err as Error)
            else next(err)
          },
        )
        return res
      } as ServerResponse['end']
      next()
    }, next)
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
