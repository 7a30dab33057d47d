/**
 * What the hostile-input rows share (bad_cookies, bad_records, cookie_headers, and the hostile
 * rows of expiry, chunks and data): one app whose routes show the session as it was opened,
 * a login, and the assertion every refused cookie must meet — 200 and a fresh empty session,
 * never the old data, never a 500.
 *
 * Expired cookies are built, not waited for: sealed with `seal(…, { now: pastTime })` in the
 * record format of src/sessions/stores/record.ts, or with `meta.e` in the past. Every forged
 * cookie has a control built the same way that does open, so the forging itself is proven right.
 */

import type { ExecutionContext } from 'ava'
import { isDeletion, type Reply, setCookiesNamed } from '../../helpers/http'
import type { App, Routes } from '../../helpers/sessions'
import { clears, NAME, sets, type WhoAmI } from './table'

/**
 * whoami, write, and a login as `?user=` (alice by default) that also stores some old data.
 * @example
 * const app = await env.start(hostileRoutes)
 */
export const hostileRoutes: Routes = {
  '/whoami': (s) => ({ isNew: s.isNew, keys: Object.keys(s), user: s.user ?? null, id: s.id }),
  '/write': (s) => {
    s.visit = 1
    return s.id
  },
  '/login': (s, ctx) => {
    s.regenerate()
    s.user = ctx.q('user') ?? 'alice'
    s.note = 'old data'
    return s.id
  },
}

/**
 * Logs a new browser in as `user`: the session cookie's value(s) as a Cookie header, its value, its id.
 * @example
 * const { value } = await login(t, app)
 */
export async function login(
  t: ExecutionContext,
  app: App,
  user = 'alice',
): Promise<{ header: string; value: string; id: string }> {
  const c = app.client()
  const r = await c.get<string>(`/login?user=${user}`)
  t.is(r.status, 200)
  const header = c.jar.header(new URL(app.origin)) ?? ''
  return { header, value: c.jar.get(NAME) ?? '', id: r.body }
}

/**
 * /whoami from a new browser sending exactly `cookie` (null: none).
 * @example
 * t.is((await whoami(app, `${NAME}=${value}`)).body.user, 'alice')
 */
export function whoami(app: App, cookie: string | null): Promise<Reply<WhoAmI>> {
  return app.client().get<WhoAmI>('/whoami', { cookie })
}

/**
 * 200 and a fresh empty session: none of the old data, none of the user's.
 * @example
 * await assertFresh(t, app, `${NAME}=garbage`, 'garbage')
 */
export async function assertFresh(t: ExecutionContext, app: App, cookie: string, label: string): Promise<Reply<WhoAmI>> {
  const r = await whoami(app, cookie)
  t.is(r.status, 200, `${label}: status ${r.status} ${JSON.stringify(r.body)}`)
  t.deepEqual([r.body.isNew, r.body.keys, r.body.user], [true, [], null], `${label}: a fresh empty session`)
  return r
}

/**
 * The response clears the session cookie (a refused cookie is not left in the browser).
 * @example
 * assertCleared(t, await assertFresh(t, app, cookie, 'expired'), 'expired')
 */
export function assertCleared(t: ExecutionContext, r: Reply, label: string): void {
  t.true(setCookiesNamed(r, NAME).some(isDeletion), `${label}: the refused cookie is cleared`)
}

// --- The short bad-cookie rows' own helpers ------------------------------------------------------

/**
 * Session data of alice, as the short bad-cookie rows forge it.
 * @example
 * forge({}, ALICE_ONLY)
 */
export const ALICE_ONLY = '{"user":"alice"}'

/**
 * The routes of the short bad-cookie rows: a login that regenerates, whoami, a write.
 * @example
 * const app = await env.start(badCookieRoutes)
 */
export const badCookieRoutes: Routes = {
  '/login': (s) => {
    s.regenerate()
    s.user = 'alice'
    return s.id
  },
  '/whoami': (s) => ({ isNew: s.isNew, keys: Object.keys(s), user: s.user ?? null, id: s.id }),
  '/write': (s) => {
    s.visit = 1
    return s.id
  },
}

/**
 * Logs a new browser in as alice (badCookieRoutes): the session cookie's value and id.
 * @example
 * const { value, id } = await loginAlice(t, app)
 */
export async function loginAlice(t: ExecutionContext, app: App): Promise<{ value: string; id: string }> {
  const c = app.client()
  const r = await c.get<string>('/login')
  t.is(r.status, 200, `expected 200, got ${r.status}: ${JSON.stringify(r.body)}`)
  return { value: c.jar.get(NAME) ?? '', id: r.body }
}

/**
 * /whoami sending exactly `cookie`, asserting a 200.
 * @example
 * t.is((await whoamiOk(t, app, `${NAME}=${value}`, 'control')).body.user, 'alice')
 */
export async function whoamiOk(t: ExecutionContext, app: App, cookie: string | null, label: string): Promise<Reply<WhoAmI>> {
  const r = await app.client().get<WhoAmI>('/whoami', { cookie })
  t.is(r.status, 200, `${label}: status ${r.status} ${JSON.stringify(r.body)}`)
  return r
}

/**
 * 200, a fresh empty session, the refused cookie cleared, and no new session sent for a read.
 * @example
 * await assertRefused(t, app, `${NAME}=${flipChar(value, 0)}`, 'flip at 0')
 */
export async function assertRefused(t: ExecutionContext, app: App, cookie: string, label: string): Promise<Reply<WhoAmI>> {
  const r = await whoamiOk(t, app, cookie, label)
  t.deepEqual([r.body.isNew, r.body.keys, r.body.user], [true, [], null], `${label}: a fresh empty session`)
  t.true(clears(r).length > 0, `${label}: the refused cookie is cleared`)
  t.is(sets(r).length, 0, `${label}: no new session is sent for a read`)
  return r
}
