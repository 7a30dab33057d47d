/**
 * keycard/fetch: sessions for Web `Request`/`Response` handlers (Node's fetch-style servers,
 * Bun, Deno, edge runtimes with node:crypto).
 *
 * @example
 * import { session } from 'keycard/fetch'
 * const sessions = session<{ views: number }>()
 * export async function handle(request: Request): Promise<Response> {
 *   const s = await sessions.load(request)
 *   s.views = (s.views ?? 0) + 1
 *   return sessions.commit(s, new Response(`views: ${s.views}`))
 * }
 */

import { type CsrfOptions, csrfRefusal, csrfSettings, tokenOf, tokenRequired } from '../csrf'
import { SessionManager } from '../manager'
import type { SessionOptions } from '../options'
import { type Session, type SessionData, setSessionHabits } from '../session'
import { checkSecureOverHttp, secureCheckDue, watchesSecure } from './habits'

/**
 * What `session()` of keycard/fetch returns: load a request's session, commit it onto a Response.
 * @example
 * const sessions: FetchSessions<{ views: number }> = session<{ views: number }>()
 */
export interface FetchSessions<T extends object> {
  /** The session core (`revokeUser`, options). */
  readonly manager: SessionManager<T>
  /** The request's session, from its Cookie header (a bad cookie gives a new session, never a throw). */
  load(request: Request): Promise<Session<T>>
  /**
   * Saves what changed and appends Set-Cookie to `target`, returning it. A Response whose headers
   * are immutable (`Response.redirect()`, a `fetch()` response) is copied into a new Response with
   * the cookies, which is returned instead: always send what `commit` returns. It is what saves a
   * cookie session: `session.save()` cannot, and rejects saying so.
   */
  commit<R extends Response | Headers>(session: Session<T>, target: R): Promise<R>
}

/**
 * Sessions for Web `Request`/`Response` handlers: `load(request)`, then `commit(session, response)`
 * and send what it returns. Options are checked here, at start-up (ERR_BAD_CONFIG).
 * @example
 * import { session } from 'keycard/fetch'
 * const sessions = session<{ views: number }>({ secret: process.env.KEYCARD_SECRET })
 * export default async function handle(request: Request): Promise<Response> {
 *   const s = await sessions.load(request)
 *   s.views = (s.views ?? 0) + 1
 *   return sessions.commit(s, new Response(`views: ${s.views}`))
 * }
 */
export function session<T extends object = SessionData>(options?: SessionOptions): FetchSessions<T> {
  const manager = new SessionManager<T>(options)
  // The app commits by hand: callbacks would never be called, and a cookie session's save() could
  // save nothing (see session.ts): both say to call commit instead.
  setSessionHabits(manager, {
    callbacks: false,
    cookieStore: manager.options.store.kind === 'cookie',
    commit: 'sessions.commit(session, response)',
  })
  const watchSecure = watchesSecure(manager)
  // commit() does not see the request: its URL is kept for the Secure-over-http check, only in
  // development and until that warning fired.
  const requests = new WeakMap<object, string>()
  // The `header` option (null: none, and no header is read or written).
  const header = manager.headerName
  return {
    manager,
    async load(request) {
      const s = await manager.load(
        request.headers.get('cookie') ?? undefined,
        header === null ? undefined : (request.headers.get(header) ?? undefined),
      )
      if (watchSecure && secureCheckDue()) requests.set(s, request.url)
      return s
    },
    async commit(session, target) {
      const cookies = await manager.commit(session)
      // Header mode: the session's value in the response header instead of Set-Cookie.
      const value = header === null ? undefined : manager.responseHeader(session)
      if (value !== undefined && header !== null) return withHeader(target, header, value)
      if (cookies.length === 0) return target
      if (watchSecure && secureCheckDue()) checkRequest(requests.get(session))
      if (target instanceof Headers) {
        for (const cookie of cookies) target.append('set-cookie', cookie)
        return target
      }
      let response: Response = target
      try {
        for (const cookie of cookies) response.headers.append('set-cookie', cookie)
      } catch {
        // Immutable headers: the same response, with headers we may change.
        response = new Response(target.body, target)
        for (const cookie of cookies) response.headers.append('set-cookie', cookie)
      }
      return response as typeof target
    },
  }
}

/**
 * `target` with header `name` set to `value`; a Response whose headers are immutable is copied.
 * (A header-mode response carries no Set-Cookie for the session: the commit gave none.)
 */
function withHeader<R extends Response | Headers>(target: R, name: string, value: string): R {
  if (target instanceof Headers) {
    target.set(name, value)
    return target
  }
  try {
    target.headers.set(name, value)
    return target
  } catch {
    const response = new Response(target.body, target)
    response.headers.set(name, value)
    return response as R
  }
}

/** The Secure-over-http check for the URL of the request a session was loaded from. */
function checkRequest(href: string | undefined): void {
  if (href === undefined || !URL.canParse(href)) return
  const url = new URL(href)
  checkSecureOverHttp(url.protocol === 'https:', url.host)
}

export type { Session, SessionData, SessionOptions }

/**
 * What `csrf()` of keycard/fetch returns: throws unless the request may go on.
 * @example
 * const checkCsrf: FetchCsrfCheck = csrf()
 * checkCsrf(request, s) // throws a CsrfError (ERR_CSRF, status 403) for a POST without a valid token
 */
export type FetchCsrfCheck = (request: Request, session: object, body?: unknown) => void

/**
 * CSRF protection for a `Request` handler: `check(request, session, body?)` returns when the
 * request may go on and throws a CsrfError (ERR_CSRF, `status` 403) when its method is not in
 * `ignoreMethods` (default GET, HEAD, OPTIONS, TRACE) and it carries no valid token of
 * `session.csrfToken()` in the `x-csrf-token` header or the `_csrf` field of `body` (what you
 * parsed: `await request.formData()`, URLSearchParams or a JSON object). The request's body is
 * never read here. Options are checked here (ERR_BAD_CONFIG); anything but a keycard session is ERR_BAD_CONFIG.
 * @example
 * const checkCsrf = csrf()
 * export async function handle(request: Request): Promise<Response> {
 *   const s = await sessions.load(request)
 *   const form = request.method === 'POST' ? await request.formData() : undefined
 *   try {
 *     checkCsrf(request, s, form)
 *   } catch (err) {
 *     return new Response('forbidden', { status: (err as { status?: number }).status ?? 500 })
 *   }
 *   …
 * }
 */
export function csrf(options?: CsrfOptions<Request>): FetchCsrfCheck {
  const settings = csrfSettings(options)
  return (request, session, body) => {
    if (!tokenRequired(settings, request.method, request)) return
    const token = tokenOf(settings, request.headers.get(settings.header), body)
    const refusal = csrfRefusal(session, token, settings, 'the session passed to the check')
    if (refusal) throw refusal
  }
}

export { type FetchRateLimitVerdict, fetchRateLimit as rateLimitMiddleware } from './rate_limit_middleware'
export type { CsrfOptions }
