/**
 * CSRF protection for sessions: what every adapter's `csrf(options)` shares. Each adapter only
 * says where the method, the header and the already-parsed body are, and how to refuse.
 *
 * A request whose method is not ignored (by default anything but GET, HEAD, OPTIONS and TRACE,
 * the methods that must not change state) and that `skip(req)` does not let through needs a
 * token made by `session.csrfToken()` for this session: from the `x-csrf-token` header, else from
 * the `_csrf` field of a body the framework has already parsed. No body is parsed here: reading a
 * request body, and its size limits, are the app's business. The token is checked by verifyCsrfToken
 * (constant-time) against the session's id with the keys of the manager that loaded it.
 */

import { verifyCsrfToken } from '../csrf'
import { createError, type KeycardError } from '../errors'
import { type OptionScope, refuseUnknownOptions } from '../lib/option_names'
import type { SessionManager } from './manager'
import { stateOf } from './session'

/**
 * Options of every adapter's `csrf(options)`; `Req` is what the framework calls a request.
 * @example
 * app.use(csrf({ skip: (req) => req.url.startsWith('/webhooks/'), header: 'x-xsrf-token' }))
 */
export interface CsrfOptions<Req = unknown> {
  /**
   * Methods that need no token, in any case. Default `['GET', 'HEAD', 'OPTIONS', 'TRACE']`: the
   * safe methods, which must not change state. Every other method needs one.
   */
  readonly ignoreMethods?: readonly string[]
  /**
   * `true` lets this request through without a token (a webhook that carries its own signature).
   * Synchronous; anything but a boolean is an error (a promise would otherwise read as "check").
   */
  readonly skip?: (req: Req) => boolean
  /** The request header carrying the token. Default `x-csrf-token`. */
  readonly header?: string
  /** The field of the parsed body (form or JSON) carrying the token. Default `_csrf`. */
  readonly field?: string
}

/**
 * `CsrfOptions` checked and resolved once, when the adapter's `csrf()` is called.
 * @example
 * const settings = csrfSettings<IncomingMessage>({ ignoreMethods: ['GET'] })
 * settings.header // 'x-csrf-token'
 */
export interface CsrfSettings<Req> {
  /** Upper-case methods that need no token. */
  readonly ignore: ReadonlySet<string>
  readonly skip: ((req: Req) => boolean) | undefined
  /** Lower-case, as node and fetch name headers. */
  readonly header: string
  readonly field: string
}

/** Where a token is read from (for messages too): the resolved `header` and `field`. */
type TokenPlace = Pick<CsrfSettings<never>, 'header' | 'field'>

const DEFAULT_IGNORE = ['GET', 'HEAD', 'OPTIONS', 'TRACE']
/** An HTTP token (RFC 9110 §5.6.2): what a method and a header name are made of. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** Names from csurf and csrf-csrf, so their options get the keycard one instead of being ignored. */
const SCOPE: OptionScope = {
  prefix: '',
  known: ['ignoreMethods', 'skip', 'header', 'field'],
  aliases: {
    ignoredMethods: 'ignoreMethods',
    headerName: 'header',
    fieldName: 'field',
    value: '`header` and `field` (where the token is read)',
    getCsrfTokenFromRequest: '`header` and `field` (where the token is read)',
  },
  notNeeded: {
    cookie: 'tokens are bound to the session (session.csrfToken()); no CSRF cookie is needed',
    cookieName: 'tokens are bound to the session (session.csrfToken()); no CSRF cookie is needed',
    cookieOptions: 'tokens are bound to the session (session.csrfToken()); no CSRF cookie is needed',
    secret: "tokens are signed with the session middleware's secret",
    getSecret: "tokens are signed with the session middleware's secret",
    getSessionIdentifier: 'tokens are bound to the session id already',
  },
  label: 'csrf option',
}

/**
 * Checks `options` (ERR_BAD_CONFIG, at start-up: a misspelt option would otherwise leave the
 * default silently) and resolves them.
 * @example
 * const settings = csrfSettings(options) // in each adapter's csrf(options)
 */
export function csrfSettings<Req>(options: CsrfOptions<Req> | undefined): CsrfSettings<Req> {
  if (options === undefined) return { ignore: new Set(DEFAULT_IGNORE), skip: undefined, header: 'x-csrf-token', field: '_csrf' }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw createError('ERR_BAD_CONFIG', 'csrf options must be an object')
  }
  refuseUnknownOptions(options, SCOPE)
  const { ignoreMethods = DEFAULT_IGNORE, skip, header = 'x-csrf-token', field = '_csrf' } = options
  if (!Array.isArray(ignoreMethods) || !ignoreMethods.every((m) => typeof m === 'string' && TOKEN.test(m))) {
    throw createError('ERR_BAD_CONFIG', "csrf option `ignoreMethods` must be an array of method names, such as ['GET', 'HEAD']")
  }
  if (skip !== undefined && typeof skip !== 'function') {
    throw createError('ERR_BAD_CONFIG', 'csrf option `skip` must be a function (req) => boolean')
  }
  if (typeof header !== 'string' || !TOKEN.test(header)) {
    throw createError('ERR_BAD_CONFIG', 'csrf option `header` must be a header name, such as x-csrf-token')
  }
  if (typeof field !== 'string' || field === '') {
    throw createError('ERR_BAD_CONFIG', 'csrf option `field` must be a non-empty string, such as _csrf')
  }
  return {
    ignore: new Set(ignoreMethods.map((m) => m.toUpperCase())),
    skip,
    header: header.toLowerCase(),
    field,
  }
}

/**
 * Whether this request needs a token: its method is not ignored and `skip(req)` did not say true.
 * Methods compare in upper case (fetch keeps `patch` as written). No method: it needs one.
 * @example
 * if (!tokenRequired(settings, req.method, req)) return next()
 */
export function tokenRequired<Req>(settings: CsrfSettings<Req>, method: string | undefined, req: Req): boolean {
  if (typeof method === 'string' && settings.ignore.has(method.toUpperCase())) return false
  if (settings.skip === undefined) return true
  const skipped = settings.skip(req)
  if (typeof skipped !== 'boolean') {
    throw createError('ERR_BAD_CONFIG', 'csrf option `skip` must return true or false (an async skip is not supported)')
  }
  return !skipped
}

/**
 * The token a request carries: its header when sent (a repeated header stays a list, which never
 * verifies), else the field of a body the framework parsed (a plain object, FormData or
 * URLSearchParams). Anything else is undefined, which never verifies.
 * @example
 * const token = tokenOf(settings, req.headers[settings.header], req.body)
 */
export function tokenOf(settings: TokenPlace, headerValue: unknown, body: unknown): unknown {
  if (headerValue !== undefined && headerValue !== null && headerValue !== '') return headerValue
  if (typeof body !== 'object' || body === null) return undefined
  if (body instanceof URLSearchParams || body instanceof FormData) return body.get(settings.field) ?? undefined
  // Own fields only: a field named like `__proto__` or `constructor` must not read the prototype.
  return Object.hasOwn(body, settings.field) ? (body as Record<string, unknown>)[settings.field] : undefined
}

/**
 * Why a request that needs a token is refused, or undefined when `token` verifies for `session`.
 * ERR_CSRF (a CsrfError, HTTP 403) for a missing or invalid token; ERR_BAD_CONFIG when `session`
 * is not a keycard session (csrf() runs before the session middleware, or without it). `where`
 * names the session in that message (`req.session`, `ctx.session`).
 * @example
 * const refusal = csrfRefusal(req.session, tokenOf(settings, req.headers[settings.header], req.body), settings, 'req.session')
 * next(refusal)
 */
export function csrfRefusal(session: unknown, token: unknown, settings: TokenPlace, where: string): KeycardError | undefined {
  const state = stateOf(session)
  if (state === undefined) {
    return createError(
      'ERR_BAD_CONFIG',
      `csrf() found no keycard session in ${where}: register keycard's session middleware before csrf()`,
    )
  }
  // A session carried in a header (the `header` option) is sent by the app's own code, never by a
  // browser on its own: a cross-site request cannot carry it, so there is nothing to forge.
  if (state.viaHeader) return undefined
  if (token === undefined || token === '') {
    return createError(
      'ERR_CSRF',
      `missing CSRF token: send session.csrfToken() in the ${settings.header} header or the ${settings.field} form field`,
    )
  }
  const { keyring } = (state.owner as SessionManager<object>).options
  // verifyCsrfToken compares in constant time and is false (never a throw) for any bad input.
  if (verifyCsrfToken(token, state.meta.id, keyring)) return undefined
  return createError('ERR_CSRF', 'invalid CSRF token: it is forged, or was made for another session or before regenerate()')
}
