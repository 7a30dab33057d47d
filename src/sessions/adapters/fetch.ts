/**
 * keycard/fetch: sessions for Web `Request`/`Response` handlers (Node's fetch-style servers,
 * Bun, Deno, edge runtimes with node:crypto).
 *
 * @example
 * import { session } from 'keycard/fetch'
 * const sessions = session()
 * export async function handle(request: Request): Promise<Response> {
 *   const s = await sessions.load(request)
 *   s.views = (s.views ?? 0) + 1
 *   return sessions.commit(s, new Response(`views: ${s.views}`))
 * }
 */

import { SessionManager } from '../manager'
import type { SessionOptions } from '../options'
import type { Session, SessionData } from '../session'

export interface FetchSessions<T extends object> {
  readonly manager: SessionManager<T>
  load(request: Request): Promise<Session<T>>
  /**
   * Saves what changed and appends Set-Cookie to `target`, returning it. A Response whose headers
   * are immutable (`Response.redirect()`, a `fetch()` response) is copied into a new Response with
   * the cookies, which is returned instead: always send what `commit` returns.
   */
  commit<R extends Response | Headers>(session: Session<T>, target: R): Promise<R>
}

export function session<T extends object = SessionData>(options?: SessionOptions): FetchSessions<T> {
  const manager = new SessionManager<T>(options)
  return {
    manager,
    load: (request) => manager.load(request.headers.get('cookie') ?? undefined),
    async commit(session, target) {
      const cookies = await manager.commit(session)
      if (cookies.length === 0) return target
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

export type { Session, SessionData, SessionOptions }
