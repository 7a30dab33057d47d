/**
 * keycard/fastify: a Fastify plugin (Fastify 5) setting `request.session`.
 *
 * Registered with `app.register(session, options)`, it applies to the whole app (it is wrapped
 * with fastify-plugin, so it is not encapsulated). The session is loaded in an `onRequest` hook
 * and committed in `onSend`, before the headers go out, whatever the payload (streams too): its
 * Set-Cookie lines are added to those the route set. A failing load or commit
 * (ERR_STORE_UNAVAILABLE, ERR_NOT_SERIALIZABLE, ERR_TOO_LARGE) goes to Fastify's error handling
 * instead of the response; a `StoreError` carries `statusCode: 503`, which Fastify's default
 * handler answers with. A hijacked reply (`reply.hijack()`, writes to `reply.raw`) skips onSend,
 * so its session is not committed.
 *
 * `app.sessionManager` is the `SessionManager` (e.g. `app.sessionManager.revokeUser(id)`).
 *
 * @example
 * import Fastify from 'fastify'
 * import { session } from 'keycard/fastify'
 * const app = Fastify()
 * await app.register(session, { secret: process.env.KEYCARD_SECRET })
 * app.get('/', async (request) => {
 *   request.session.views = Number(request.session.views ?? 0) + 1
 *   return { views: request.session.views }
 * })
 */

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { createError } from '../../errors'
import { type CsrfOptions, csrfRefusal, csrfSettings, tokenOf, tokenRequired } from '../csrf'
import { SessionManager } from '../manager'
import type { SessionOptions } from '../options'
import { type Session, type SessionData, setSessionHabits } from '../session'
import { checkSecureOverHttp, secureCheckDue, watchesSecure } from './habits'

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's session (keycard/fastify). */
    session: Session<SessionData>
  }
  interface FastifyInstance {
    /** The session core of keycard/fastify (revokeUser, options). */
    sessionManager: SessionManager<SessionData>
  }
}

/** Where the request's session is kept, behind the `request.session` accessor. */
const SESSION = Symbol('keycard.session')
/** Set once the request's session is committed: onSend runs again for an error handler's reply. */
const COMMITTED = Symbol('keycard.committed')
type Slot = { [SESSION]?: Session<SessionData> | null; [COMMITTED]?: boolean }

/** Adds `cookies` after the Set-Cookie lines the route set (with reply.header or on reply.raw). */
function appendSetCookie(reply: FastifyReply, cookies: readonly string[]): void {
  if (cookies.length === 0) return
  const raw = reply.raw.getHeader('set-cookie')
  if (raw !== undefined && reply.getHeader('set-cookie') === raw) {
    // Set on reply.raw only: Fastify's own headers replace it when the head is written, so move it there first.
    reply.raw.removeHeader('set-cookie')
    reply.header('set-cookie', Array.isArray(raw) ? raw : [String(raw)])
  }
  reply.header('set-cookie', cookies)
}

const plugin: FastifyPluginAsync<SessionOptions> = async (app, options) => {
  const manager = new SessionManager<SessionData>(options)
  // Committed in onSend: a callback passed to regenerate/destroy/save would never be called.
  setSessionHabits(manager, { callbacks: false, cookieStore: manager.options.store.kind === 'cookie' })
  const watchSecure = watchesSecure(manager)
  app.decorate('sessionManager', manager)
  app.decorateRequest(SESSION, null)
  app.decorateRequest(COMMITTED, false)
  // An accessor on the request prototype (no per-request cost): `request.session = null`, the
  // cookie-session way to log out, would otherwise leave the session and its cookie as they were.
  app.decorateRequest('session', {
    getter(this: FastifyRequest) {
      return (this as Slot)[SESSION] as Session<SessionData>
    },
    setter(this: FastifyRequest, value: unknown) {
      if (value === (this as Slot)[SESSION]) return
      throw createError(
        'ERR_INVALID_ARGUMENT',
        'request.session cannot be replaced: to end the session (logout) call request.session.destroy(); ' +
          'to change its data, set its properties or call request.session.clear()',
      )
    },
  })
  // The `header` option (null: none, and no header is read or written).
  const header = manager.headerName
  const sendCookies = (request: FastifyRequest, reply: FastifyReply, cookies: string[]): void => {
    // Header mode: the session's value in the response header instead of Set-Cookie.
    if (header !== null) {
      const value = manager.responseHeader((request as Slot)[SESSION] as Session<SessionData>)
      if (value !== undefined) reply.header(header, value)
    }
    if (cookies.length === 0) return
    appendSetCookie(reply, cookies)
    // request.protocol and request.hostname follow X-Forwarded-* only under the trustProxy option.
    if (watchSecure && secureCheckDue()) checkSecureOverHttp(request.protocol === 'https', request.hostname)
  }
  // Callback-style hooks, and the manager's maybe-sync calls: a cookie session needs no I/O, so
  // its load and commit finish without a promise (measured ~1.5 µs a request of the read route).
  app.addHook('onRequest', (request, _reply, done) => {
    let loaded: Session<SessionData> | Promise<Session<SessionData>>
    try {
      loaded = manager.loadMaybeSync(request.headers.cookie, header === null ? undefined : request.headers[header])
    } catch (err) {
      done(err as Error)
      return
    }
    if (!(loaded instanceof Promise)) {
      ;(request as Slot)[SESSION] = loaded
      done()
      return
    }
    loaded.then((s) => {
      ;(request as Slot)[SESSION] = s
      done()
    }, done)
  })
  app.addHook('onSend', (request, reply, payload, done) => {
    const session = (request as Slot)[SESSION]
    // onSend runs again for the reply Fastify's error handler sends: commit once per request.
    if (!session || (request as Slot)[COMMITTED]) {
      done(null, payload)
      return
    }
    ;(request as Slot)[COMMITTED] = true
    // A throw goes to Fastify's error handling (its default handler answers with the error's statusCode).
    let committed: string[] | Promise<string[]>
    try {
      committed = manager.commitMaybeSync(session)
    } catch (err) {
      done(err as Error)
      return
    }
    if (committed instanceof Promise) {
      committed.then((cookies) => {
        sendCookies(request, reply, cookies)
        done(null, payload)
      }, done)
      return
    }
    sendCookies(request, reply, committed)
    done(null, payload)
  })
}

/**
 * The Fastify plugin: `await app.register(session, options)` sets `request.session` on every
 * route and `app.sessionManager`. Options are checked at registration (ERR_BAD_CONFIG).
 * @example
 * import Fastify from 'fastify'
 * import { session } from 'keycard/fastify'
 * const app = Fastify()
 * await app.register(session, { secret: process.env.KEYCARD_SECRET, cookie: { name: '__Host-sid' } })
 * app.post('/logout', async (request) => {
 *   request.session.destroy()
 *   return { ok: true }
 * })
 */
export const session = fp(plugin, { name: 'keycard-session', fastify: '5.x' })

export type { Session, SessionData, SessionOptions }

/**
 * CSRF protection as a `preHandler` hook (it runs after Fastify parsed the body), for the whole
 * app or per route: a request whose method is not in `ignoreMethods` (default GET, HEAD, OPTIONS,
 * TRACE) needs the token of `request.session.csrfToken()` in the `x-csrf-token` header or the
 * `_csrf` field of `request.body` (JSON is parsed by Fastify; forms need `@fastify/formbody`:
 * this reads the body only as a parser left it). Otherwise the hook fails with a CsrfError
 * (ERR_CSRF, `statusCode` 403), which Fastify's default handler answers with 403. Options are
 * checked here (ERR_BAD_CONFIG); without the session plugin, each request fails with ERR_BAD_CONFIG.
 * @example
 * await app.register(session)
 * await app.register(formbody)
 * app.addHook('preHandler', csrf({ skip: (request) => request.url.startsWith('/webhooks/') }))
 * // or per route: app.post('/transfer', { preHandler: csrf() }, handler)
 */
export function csrf(
  options?: CsrfOptions<FastifyRequest>,
): (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => void {
  const settings = csrfSettings(options)
  return (request, _reply, done) => {
    let refusal: Error | undefined
    try {
      if (!tokenRequired(settings, request.method, request)) return done()
      const token = tokenOf(settings, request.headers[settings.header], request.body)
      refusal = csrfRefusal((request as { session?: unknown }).session, token, settings, 'request.session')
    } catch (err) {
      refusal = err as Error
    }
    done(refusal)
  }
}

export { fastifyRateLimit as rateLimitMiddleware } from './rate_limit_fastify'
export type { CsrfOptions }
