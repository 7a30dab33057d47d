/**
 * keycard/node: sessions for a bare `node:http` handler.
 *
 * @example
 * import { session } from 'keycard/node'
 * const sessions = session({ secret: process.env.KEYCARD_SECRET })
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
import type { Session, SessionData } from '../session'
import { appendSetCookie } from './headers'

export interface NodeSessions<T extends object> {
  readonly manager: SessionManager<T>
  /** The request's session (never throws for bad cookies; a failing store throws ERR_STORE_UNAVAILABLE). */
  load(req: IncomingMessage): Promise<Session<T>>
  /** Saves what changed and adds Set-Cookie to `res`; call it before the response's headers go out. */
  commit(session: Session<T>, res: ServerResponse): Promise<void>
}

export function session<T extends object = SessionData>(options?: SessionOptions): NodeSessions<T> {
  const manager = new SessionManager<T>(options)
  return {
    manager,
    load: (req) => manager.load(req.headers.cookie),
    async commit(session, res) {
      // Checked first: committing marks the session saved, and a cookie that cannot be sent
      // any more would be lost with it.
      if (res.headersSent) {
        throw createError('ERR_INVALID_ARGUMENT', 'commit the session before the response headers are sent')
      }
      appendSetCookie(res, await manager.commit(session))
    },
  }
}

export type { Session, SessionData, SessionOptions }
