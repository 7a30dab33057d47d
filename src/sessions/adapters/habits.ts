/**
 * What the adapters share so that habits from other session libraries work or fail loudly, never
 * silently: `req.session = null` / `ctx.session = null` (cookie-session, koa-session) as logout,
 * and a warning for the Secure cookie a browser will drop (set over plain http on a host other than
 * localhost: every request then starts a new session, and logins never stick).
 */

import { createError } from '../../errors'
import type { Session } from '../session'

/** Where the Express and Koa adapters keep the request's session, behind the `session` accessor. */
const SESSION = Symbol('keycard.session')

type Holder = { [SESSION]?: Session<object> }

/**
 * The `session` property of an Express request or a Koa context, made once per adapter: reading
 * gives the session; assigning null or undefined destroys it (cookie-session's and koa-session's
 * logout, which would otherwise only drop the reference and leave the user logged in); assigning
 * the session itself changes nothing; anything else is ERR_INVALID_ARGUMENT (the data would be
 * lost silently). One descriptor for every request: defining it costs no closure per request.
 * @example
 * const accessor = sessionAccessor('req.session')
 * // per request:
 * defineSession(req, session, accessor)
 */
export function sessionAccessor(where: string): PropertyDescriptor {
  return {
    configurable: true,
    enumerable: true,
    get(this: Holder) {
      return this[SESSION]
    },
    set(this: Holder, value: unknown) {
      const session = this[SESSION]
      if (value === session) return
      if ((value === null || value === undefined) && session !== undefined) {
        session.destroy()
        return
      }
      throw createError(
        'ERR_INVALID_ARGUMENT',
        `${where} cannot be replaced: assign null to end the session (logout), or change its data (${where}.key = value, ${where}.clear())`,
      )
    },
  }
}

/**
 * Sets `holder.session` to `session` behind `accessor` (from `sessionAccessor`).
 * @example
 * defineSession(ctx, await manager.load(ctx.headers.cookie), accessor)
 * ctx.session = null // destroys it
 */
export function defineSession(holder: object, session: Session<object>, accessor: PropertyDescriptor): void {
  ;(holder as Holder)[SESSION] = session
  Object.defineProperty(holder, 'session', accessor)
}

/** Set once the Secure-over-http warning was emitted: it is emitted once per process. */
let secureWarned = false

/**
 * Whether the responses of `manager` are to be watched for a Secure cookie sent over plain http:
 * its cookie is Secure, and `NODE_ENV` is not production (in any case or spacing, as keys.ts
 * reads it). Read once, when the adapter is made.
 * @example
 * const watchSecure = watchesSecure(manager)
 */
export function watchesSecure(manager: { readonly options: { readonly cookie: { readonly secure: boolean } } }): boolean {
  return manager.options.cookie.secure && process.env.NODE_ENV?.trim().toLowerCase() !== 'production'
}

/**
 * Whether the check still has to run: false for good once the warning fired, so that adapters
 * skip working out the protocol and host from then on.
 * @example
 * if (watchSecure && cookies.length > 0 && secureCheckDue()) checkSecureOverHttp(req.secure, req.hostname)
 */
export function secureCheckDue(): boolean {
  return !secureWarned
}

/**
 * Loopback names, which browsers treat as secure contexts: Secure cookies set over http from
 * them are kept (localhost, *.localhost, 127.0.0.0/8, [::1]). No host: nothing to say.
 */
function isLoopback(host: string | undefined): boolean {
  if (!host) return true
  let name = host.toLowerCase()
  if (name.startsWith('[')) name = name.slice(1, name.indexOf(']'))
  else if (name.indexOf(':') === name.lastIndexOf(':')) name = name.split(':')[0] as string // host:port, not bare IPv6
  return name === 'localhost' || name.endsWith('.localhost') || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name)
}

/**
 * Warns once per process (`KEYCARD_SECURE_ON_HTTP`) when a Secure session cookie goes out in
 * the response to a plain-http request for a host other than loopback: browsers drop a Secure
 * cookie set by an insecure origin, so the session never comes back. `https` is what the framework
 * believes (behind a proxy, only when told to trust it).
 * @example
 * checkSecureOverHttp(ctx.secure, ctx.hostname) // after the commit's Set-Cookie lines were added
 */
export function checkSecureOverHttp(https: boolean, host: string | undefined): void {
  if (secureWarned || https || isLoopback(host)) return
  secureWarned = true
  process.emitWarning(
    `keycard sessions: a Secure session cookie was set in the response to a plain-http request for ${host}. ` +
      'Browsers drop Secure cookies set over http (except on localhost), so each request starts a new session. ' +
      'Serve the app over https; behind a proxy that terminates TLS, let the framework trust it ' +
      "(Express: app.set('trust proxy', 1); Koa: app.proxy = true; Fastify: trustProxy: true); " +
      'in development only, set cookie.secure: false (KEYCARD_SESSION_COOKIE_SECURE=false).',
    { code: 'KEYCARD_SECURE_ON_HTTP' },
  )
}
