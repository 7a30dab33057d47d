/**
 * keycard/next: sessions for the Next.js App Router (Next 15 and 16).
 *
 * - Server actions and route handlers: `const s = await getSession()`, change it, then
 *   `await s.save()`, which writes the session's cookies through `cookies().set()` of
 *   `next/headers`. Next runs nothing of ours after an action returns, so nothing is saved for
 *   you: a session changed and never saved is reported on stderr after the response.
 * - Server components: `await getSession()` reads. Next forbids setting cookies while rendering,
 *   so a change there (`s.user = …`, `s.destroy()`, `s.flash(key)`…) throws ERR_INVALID_ARGUMENT
 *   saying so, and `save()` rejects with it.
 * - proxy.ts (Next 16; `middleware.ts` before): `fromRequest(request)` reads the session from
 *   the `NextRequest`; `toResponse(session, response)` adds its Set-Cookie lines to the
 *   `NextResponse`. Proxy runs on the Node.js runtime in Next 16 (the default).
 *
 * `next` is an optional peer dependency: `next/headers` and `next/server` are imported when
 * `getSession()` first runs, never when this module loads.
 *
 * @example
 * // lib/session.ts
 * import { session } from 'keycard/next'
 * export const { getSession, fromRequest, toResponse } = session<{ user?: string }>()
 *
 * // app/login/actions.ts
 * 'use server'
 * export async function login(form: FormData) {
 *   const s = await getSession()
 *   s.regenerate() // a new id at login
 *   s.user = String(form.get('user'))
 *   await s.save() // sets the cookie; without it the login is lost (and reported)
 * }
 */

import { createError } from '../../errors'
import { SessionManager } from '../manager'
import type { SessionOptions } from '../options'
import { type Session, type SessionData, setSessionHabits } from '../session'

/** The part of Next's cookie store (`await cookies()`) this adapter uses: no Next types needed. */
interface CookieJar {
  getAll(): Array<{ name: string; value: string }>
  set(cookie: NextCookie): unknown
}

/** A cookie as `cookies().set()` takes it (Next's `ResponseCookie`). */
interface NextCookie {
  name: string
  value: string
  path?: string
  domain?: string
  expires?: Date
  maxAge?: number
  httpOnly?: boolean
  secure?: boolean
  sameSite?: 'strict' | 'lax' | 'none'
  partitioned?: boolean
}

type Headers_ = { cookies(): Promise<CookieJar> }
type Server_ = { after(task: () => void): void }

let headersModule: Promise<Headers_> | undefined
let serverModule: Promise<Server_> | undefined

/** `next/<name>`, imported on first use; without Next installed, ERR_BAD_CONFIG saying so. */
function importNext<M>(name: 'headers' | 'server', load: () => Promise<unknown>): Promise<M> {
  return load().then(
    (mod) => mod as M,
    (err: unknown) => {
      throw createError('ERR_BAD_CONFIG', `keycard/next needs Next.js (next/${name} could not be loaded): npm install next`, err)
    },
  )
}

function nextHeaders(): Promise<Headers_> {
  headersModule ??= importNext<Headers_>('headers', () => import('next/headers'))
  return headersModule
}

function nextServer(): Promise<Server_> {
  serverModule ??= importNext<Server_>('server', () => import('next/server'))
  return serverModule
}

/** The part of Next's request store that says what the request is doing now. */
type WorkUnits = { workUnitAsyncStorage?: { getStore(): { type?: unknown; phase?: unknown } | undefined } }

let workUnits: Promise<WorkUnits | undefined> | undefined

/**
 * Whether Next is rendering this request now (a server component, or the render that follows an
 * action), where it refuses to set cookies: read from its request store's `phase` ('render' or
 * 'action'; route handlers and actions run in 'action'). That store is Next's internal module, so
 * a Next that does not tell gives undefined, and then `cookies().set()` refusing is what decides.
 */
async function rendering(): Promise<boolean | undefined> {
  workUnits ??= import('next/dist/server/app-render/work-unit-async-storage.external').then(
    (mod) => mod as WorkUnits,
    () => undefined,
  )
  const store = (await workUnits)?.workUnitAsyncStorage?.getStore()
  if (store?.type !== 'request' || typeof store.phase !== 'string') return undefined
  return store.phase === 'render'
}

/** What writing a session while a server component renders is: refused, saying why. */
function renderError(what: string, cause?: unknown): Error {
  return createError(
    'ERR_INVALID_ARGUMENT',
    `${what} while a server component renders: Next.js forbids setting cookies during render, so the session cannot change here. ` +
      'Change it in a server action or a route handler (or in proxy.ts with toResponse)',
    cause,
  )
}

/**
 * A session from `getSession()`: the usual session, whose `save()` writes its cookies through
 * `cookies().set()` now (server actions and route handlers only).
 * @example
 * const s: NextSession<{ user?: string }> = await getSession()
 * s.user = 'ada'
 * await s.save()
 */
export type NextSession<T extends object = SessionData> = Session<T>

/**
 * What `session()` of keycard/next returns.
 * @example
 * export const sessions: NextSessions<{ user?: string }> = session<{ user?: string }>()
 * export const { getSession, fromRequest, toResponse } = sessions
 * await sessions.manager.revokeUser(userId) // reading `manager` makes it: not at module level
 */
export interface NextSessions<T extends object = SessionData> {
  /** The session core (`revokeUser`, `listSessions`, options), made (and checked) when first read. */
  readonly manager: SessionManager<T>
  /**
   * The request's session, from `cookies()` of `next/headers` (a bad cookie gives a new session,
   * never a throw). In server actions and route handlers, `await session.save()` writes it; in
   * server components a change throws and `save()` rejects (ERR_INVALID_ARGUMENT): Next forbids
   * setting cookies while rendering. Each call loads the session again: get it once per action.
   */
  getSession(): Promise<NextSession<T>>
  /** proxy.ts / middleware.ts: the session of a `NextRequest` (any `Request`). */
  fromRequest(request: Request): Promise<Session<T>>
  /**
   * proxy.ts / middleware.ts: saves what changed and appends the Set-Cookie lines to `response`
   * (`NextResponse.next()`, `NextResponse.redirect()`), returning it; a response whose headers
   * are immutable is copied first: always return what this returns.
   */
  toResponse<R extends Response>(session: Session<T>, response: R): Promise<R>
}

/** Session API calls that change the session: after one, an unsaved session is reported. */
const CHANGES = new Set(['set', 'delete', 'clear', 'regenerate', 'destroy', 'touch', 'setTtl', 'setPersistent', 'flash'])

/**
 * Sessions for the Next.js App Router. Options are those of every adapter, checked on first
 * use (ERR_BAD_CONFIG), not here: `next build` loads this module and must not need the secret.
 * The secret comes from `KEYCARD_SECRET` by default, which every Next process and bundle
 * (proxy, pages, actions) must share. The `header` option is refused: a Next session travels
 * in its cookie.
 * @example
 * // lib/session.ts
 * import { session } from 'keycard/next'
 * export const { getSession, fromRequest, toResponse } = session<{ user?: string }>()
 *
 * // app/page.tsx (a server component: reads)
 * export default async function Page() {
 *   const { user } = await getSession()
 *   return <p>{user ? `Hello ${user}` : 'Logged out'}</p>
 * }
 *
 * // app/api/logout/route.ts (a route handler: writes)
 * export async function POST() {
 *   const s = await getSession()
 *   s.destroy()
 *   await s.save()
 *   return Response.json({ ok: true })
 * }
 *
 * // proxy.ts (Next 16)
 * export async function proxy(request: NextRequest) {
 *   const s = await fromRequest(request)
 *   if (!s.user) return NextResponse.redirect(new URL('/login', request.url))
 *   return toResponse(s, NextResponse.next()) // a rolling session's renewed cookie
 * }
 */
export function session<T extends object = SessionData>(options?: SessionOptions): NextSessions<T> {
  // Made on first use, not here: `next build` evaluates this module to collect page data, and a
  // build must not need KEYCARD_SECRET (often given to the running app only). Bad options throw
  // at the first request instead, on every request.
  let made: SessionManager<T> | undefined
  const core = (): SessionManager<T> => {
    made ??= newManager<T>(options)
    return made
  }

  /** Commits `s` through `cookies().set()`; refused, with why, where Next forbids it. */
  async function save(s: Session<T>): Promise<void> {
    // Checked before the commit: a server store would be written before the cookie is refused.
    if ((await rendering()) === true) throw renderError('session.save()')
    const lines = await core().commit(s)
    if (lines.length === 0) return
    const cookies = lines.map(toNextCookie)
    const jar = await (await nextHeaders()).cookies()
    try {
      for (const cookie of cookies) jar.set(cookie)
    } catch (err) {
      // Next's ReadonlyRequestCookiesError, where `rendering()` could not tell.
      throw renderError('session.save()', err)
    }
  }

  return {
    get manager() {
      return core()
    },
    async getSession() {
      const { cookies } = await nextHeaders()
      // Errors of cookies() (outside a request, or Next's dynamic-rendering signals) must reach
      // Next as they are: nothing here catches them.
      const jar = await cookies()
      // Next gives the values decoded; encoded again they are what the browser sent (keycard's
      // values are all URL-safe), and a decoded ';' cannot split one cookie into two.
      const header = jar
        .getAll()
        .map((c) => `${c.name}=${encodeURIComponent(c.value)}`)
        .join('; ')
      const loaded = await core().load(header === '' ? undefined : header)
      const watch = { changed: false, saved: false, rendering: (await rendering()) === true }
      // Nothing runs after an action returns: a change never saved would be lost silently, so it
      // is reported once the response is done (`after()`, Next 15+).
      const { after } = await nextServer()
      after(() => {
        if (watch.changed && !watch.saved) {
          process.emitWarning(
            'keycard/next: a session was changed and never saved, so the change is lost. ' +
              'Call `await session.save()` in the server action or route handler after changing it; ' +
              'server components cannot change the session (Next.js forbids setting cookies while rendering).',
            { code: 'KEYCARD_UNSAVED_SESSION' },
          )
        }
      })
      return watched(loaded, watch, save)
    },
    async fromRequest(request) {
      return core().load(request.headers.get('cookie') ?? undefined)
    },
    async toResponse<R extends Response>(s: Session<T>, response: R): Promise<R> {
      const lines = await core().commit(s)
      if (lines.length === 0) return response
      try {
        for (const line of lines) response.headers.append('set-cookie', line)
        return response
      } catch {
        // Immutable headers: the same response, with headers we may change.
        const copy = new Response(response.body, response)
        for (const line of lines) copy.headers.append('set-cookie', line)
        return copy as R
      }
    },
  }
}

/** The session core of `session()`, with this adapter's habits. */
function newManager<T extends object>(options: SessionOptions | undefined): SessionManager<T> {
  const manager = new SessionManager<T>(options)
  if (manager.headerName !== null) {
    throw createError(
      'ERR_BAD_CONFIG',
      'keycard/next carries the session in its cookie: the header option is not supported (use keycard/fetch in a route handler for header clients)',
    )
  }
  // No callbacks (nothing would call them); a session's own save() (reached only from
  // fromRequest) cannot save a cookie session, so it names the call that does.
  setSessionHabits(manager, {
    callbacks: false,
    cookieStore: manager.options.store.kind === 'cookie',
    commit: 'sessions.toResponse(session, response)',
  })
  return manager
}

/**
 * `loaded` with `save()` committing through `save`, and its changes noted in `watch` (data
 * written or deleted, or an API call in CHANGES): the after-response report reads them. While
 * Next renders (`watch.rendering`), each such change throws instead, saying why. Changes inside a
 * nested object (`s.user.name = …`) are saved by `save()` but neither noted nor refused.
 */
function watched<T extends object>(
  loaded: Session<T>,
  watch: { changed: boolean; saved: boolean; readonly rendering: boolean },
  save: (s: Session<T>) => Promise<void>,
): NextSession<T> {
  const change = (what: string) => {
    if (watch.rendering) throw renderError(what)
    watch.changed = true
    watch.saved = false
  }
  const saveThis = async (...args: unknown[]): Promise<void> => {
    if (args.length > 0) {
      throw createError('ERR_INVALID_ARGUMENT', 'session.save() takes no callback: `await session.save()`')
    }
    // Committed whatever happens next: an error here was not a lost change to report again.
    watch.saved = true
    await save(loaded)
  }
  // The manager finds its state through the inner session (the Proxy forwards symbol reads), so
  // this wrapper is committed like the session itself.
  return new Proxy(loaded, {
    get(target, key) {
      if (key === 'save') return saveThis
      const value = Reflect.get(target, key)
      if (typeof key === 'string' && CHANGES.has(key) && typeof value === 'function') {
        return (...args: unknown[]) => {
          change(`session.${key}()`)
          return (value as (...a: unknown[]) => unknown)(...args)
        }
      }
      return value
    },
    set(target, key, value) {
      change(`setting session.${String(key)}`)
      return Reflect.set(target, key, value)
    },
    deleteProperty(target, key) {
      change(`deleting session.${String(key)}`)
      return Reflect.deleteProperty(target, key)
    },
  })
}

/**
 * One Set-Cookie line of the manager as the cookie `cookies().set()` takes. Next writes the
 * value through encodeURIComponent; keycard's values (base64url and dots) come out unchanged,
 * and any other would reach the browser altered, so it is refused instead (ERR_INTERNAL).
 */
function toNextCookie(line: string): NextCookie {
  const [pair = '', ...attributes] = line.split('; ')
  const eq = pair.indexOf('=')
  const cookie: NextCookie = { name: pair.slice(0, eq), value: pair.slice(eq + 1) }
  if (eq <= 0 || encodeURIComponent(cookie.value) !== cookie.value) {
    throw createError('ERR_INTERNAL', 'keycard/next: a session cookie value Next.js would alter')
  }
  for (const attribute of attributes) {
    const at = attribute.indexOf('=')
    const key = (at === -1 ? attribute : attribute.slice(0, at)).toLowerCase()
    const value = at === -1 ? '' : attribute.slice(at + 1)
    if (key === 'path') cookie.path = value
    else if (key === 'domain') cookie.domain = value
    else if (key === 'expires') cookie.expires = new Date(value)
    else if (key === 'max-age') cookie.maxAge = Number(value)
    else if (key === 'httponly') cookie.httpOnly = true
    else if (key === 'secure') cookie.secure = true
    else if (key === 'samesite') cookie.sameSite = value.toLowerCase() as NextCookie['sameSite']
    else if (key === 'partitioned') cookie.partitioned = true
    else throw createError('ERR_INTERNAL', `keycard/next: unknown Set-Cookie attribute ${key}`)
  }
  return cookie
}

export type { Session, SessionData, SessionOptions }
