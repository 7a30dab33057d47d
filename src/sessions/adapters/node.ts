/**
 * keycard/node: sessions for a bare `node:http` handler.
 *
 * @example
 * import { session } from 'keycard/node'
 * const sessions = session<{ views: number }>({ secret: process.env.KEYCARD_SECRET })
 * http.createServer(async (req, res) => {
 *   const s = await sessions.load(req)
 *   s.views = (s.views ?? 0) + 1
 *   await sessions.commit(s, res) // before the first write
 *   res.end(`views: ${s.views}`)
 * })
 */

import type { IncomingMessage, ServerResponse } from 'node:http'
import { createError } from '../../errors'
import { SessionManager } from '../manager'
import type { SessionOptions } from '../options'
import { type Session, type SessionData, setSessionHabits } from '../session'
import { checkSecureOverHttp, secureCheckDue, watchesSecure } from './habits'
import { appendSetCookie } from './headers'

/**
 * What `session()` of keycard/node returns: load a request's session, commit it onto a response.
 * @example
 * const sessions: NodeSessions<{ views: number }> = session<{ views: number }>()
 */
export interface NodeSessions<T extends object> {
  /** The session core (`revokeUser`, options). */
  readonly manager: SessionManager<T>
  /** The request's session (never throws for bad cookies; a failing store throws ERR_STORE_UNAVAILABLE). */
  load(req: IncomingMessage): Promise<Session<T>>
  /**
   * Saves what changed and adds Set-Cookie to `res`; call it before the response's headers go out.
   * It is what saves a cookie session: `session.save()` cannot, and rejects saying so.
   */
  commit(session: Session<T>, res: ServerResponse): Promise<void>
}

/**
 * Sessions for a bare `node:http` handler: `await load(req)`, then `await commit(session, res)`
 * before the response's headers go out. Options are checked here, at start-up (ERR_BAD_CONFIG).
 * @example
 * import http from 'node:http'
 * import { session } from 'keycard/node'
 * const sessions = session<{ views: number }>({ secret: process.env.KEYCARD_SECRET })
 * http.createServer(async (req, res) => {
 *   const s = await sessions.load(req)
 *   s.views = (s.views ?? 0) + 1
 *   await sessions.commit(s, res)
 *   res.end(`views: ${s.views}`)
 * })
 */
export function session<T extends object = SessionData>(options?: SessionOptions): NodeSessions<T> {
  const manager = new SessionManager<T>(options)
  // The app commits by hand: callbacks would never be called, and a cookie session's save() could
  // save nothing (see session.ts): both say to call commit instead.
  setSessionHabits(manager, {
    callbacks: false,
    cookieStore: manager.options.store.kind === 'cookie',
    commit: 'sessions.commit(session, res)',
  })
  const watchSecure = watchesSecure(manager)
  return {
    manager,
    load: (req) => manager.load(req.headers.cookie),
    async commit(session, res) {
      // Checked first: committing marks the session saved, and a cookie that cannot be sent
      // any more would be lost with it.
      if (res.headersSent) {
        throw createError('ERR_INVALID_ARGUMENT', 'commit the session before the response headers are sent')
      }
      const cookies = await manager.commit(session)
      if (cookies.length === 0) return
      appendSetCookie(res, cookies)
      // No proxy is trusted here: https means a TLS socket in this process.
      if (watchSecure && secureCheckDue()) {
        const req = res.req as IncomingMessage | undefined
        checkSecureOverHttp((req?.socket as { encrypted?: boolean } | undefined)?.encrypted === true, req?.headers.host)
      }
    },
  }
}

export type { Session, SessionData, SessionOptions }
