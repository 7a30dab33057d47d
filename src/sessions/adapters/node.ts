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
import { type CsrfOptions, csrfRefusal, csrfSettings, tokenOf, tokenRequired } from '../csrf'
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
  // The `header` option (null: none, and no header is read or written).
  const header = manager.headerName
  return {
    manager,
    load: (req) => manager.load(req.headers.cookie, header === null ? undefined : req.headers[header]),
    async commit(session, res) {
      // Checked first: committing marks the session saved, and a cookie that cannot be sent
      // any more would be lost with it.
      if (res.headersSent) {
        throw createError('ERR_INVALID_ARGUMENT', 'commit the session before the response headers are sent')
      }
      const cookies = await manager.commit(session)
      // Header mode: the session's value in the response header instead of Set-Cookie.
      if (header !== null) {
        const value = manager.responseHeader(session)
        if (value !== undefined) res.setHeader(header, value)
      }
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

/**
 * What `csrf()` of keycard/node returns: throws unless the request may go on.
 * @example
 * const checkCsrf: NodeCsrfCheck = csrf()
 * checkCsrf(req, s) // throws a CsrfError (ERR_CSRF, status 403) for a POST without a valid token
 */
export type NodeCsrfCheck = (req: IncomingMessage, session: object, body?: unknown) => void

/**
 * CSRF protection for a bare handler: `check(req, session, body?)` returns when the request may
 * go on and throws a CsrfError (ERR_CSRF, `status` 403) when its method is not in `ignoreMethods`
 * (default GET, HEAD, OPTIONS, TRACE) and it carries no valid token of `session.csrfToken()` in
 * the `x-csrf-token` header or the `_csrf` field of `body` (the form or JSON you parsed:
 * URLSearchParams, FormData or a plain object; else `req.body` if something parsed it). No body
 * is read here. Options are checked here (ERR_BAD_CONFIG); anything but a keycard session is ERR_BAD_CONFIG.
 * @example
 * const checkCsrf = csrf()
 * http.createServer(async (req, res) => {
 *   const s = await sessions.load(req)
 *   const form = req.method === 'POST' ? new URLSearchParams(await text(req)) : undefined
 *   try {
 *     checkCsrf(req, s, form)
 *   } catch (err) {
 *     res.statusCode = (err as { status?: number }).status ?? 500
 *     return res.end('forbidden')
 *   }
 *   …
 * })
 */
export function csrf(options?: CsrfOptions<IncomingMessage>): NodeCsrfCheck {
  const settings = csrfSettings(options)
  return (req, session, body) => {
    if (!tokenRequired(settings, req.method, req)) return
    const token = tokenOf(settings, req.headers[settings.header], body ?? (req as { body?: unknown }).body)
    const refusal = csrfRefusal(session, token, settings, 'the session passed to the check')
    if (refusal) throw refusal
  }
}

export { nodeRateLimit as rateLimitMiddleware } from './rate_limit_middleware'
export type { CsrfOptions }
