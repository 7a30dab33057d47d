/**
 * keycard/express: Connect-style middleware (Express 4 and 5) setting `req.session`.
 *
 * The session is committed when the response ends: `res.end` waits for the store write, then
 * sends the response with its Set-Cookie, so a saved session is acknowledged before the client
 * sees the response. A commit error (ERR_STORE_UNAVAILABLE, ERR_NOT_SERIALIZABLE, ERR_TOO_LARGE)
 * goes to Express's error handling instead of the response. Streaming responses (`res.write`
 * before `res.end`) send headers early: call `await commitSession(req, res)` before the first write.
 *
 * @example
 * import { session } from 'keycard/express'
 * app.use(session({ secret: process.env.KEYCARD_SECRET }))
 * app.get('/', (req, res) => { req.session.views = (req.session.views ?? 0) + 1; res.send('ok') })
 */

import type { IncomingMessage, ServerResponse } from 'node:http'
import { SessionManager } from '../manager'
import type { SessionOptions } from '../options'
import type { Session, SessionData } from '../session'
import { appendSetCookie } from './headers'

declare global {
  // Express's own augmentation point, so req.session is typed in handlers.
  namespace Express {
    interface Request {
      session: Session<SessionData>
    }
  }
}

type Next = (err?: unknown) => void
type Middleware = ((req: IncomingMessage, res: ServerResponse, next: Next) => void) & {
  readonly manager: SessionManager<SessionData>
}

const commits = new WeakMap<IncomingMessage, () => Promise<void>>()

/** Commits the request's session now (for streaming responses); later commits are no-ops. */
export async function commitSession(req: IncomingMessage, _res?: ServerResponse): Promise<void> {
  await commits.get(req)?.()
}

export function session<T extends object = SessionData>(options?: SessionOptions): Middleware {
  const manager = new SessionManager<T>(options)
  const middleware = (req: IncomingMessage, res: ServerResponse, next: Next): void => {
    manager.load(req.headers.cookie).then((s) => {
      ;(req as IncomingMessage & { session: Session<T> }).session = s
      let pending: Promise<void> | undefined
      const commit = (): Promise<void> => {
        pending ??= manager.commit(s).then((cookies) => {
          if (!res.headersSent) appendSetCookie(res, cookies)
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

export type { Session, SessionData, SessionOptions }
