/**
 * Session lifetime and transport rows (issue 16, items 1, 2 and 7), on every adapter:
 * - `setTtl()`: a "remember me" session's own idle timeout, sent as its Max-Age and kept with the
 *   session for later responses;
 * - `setPersistent(false)`: a browser-session cookie (no Max-Age, no Expires), on later responses too;
 * - the `header` option: a client without the cookie carries the session in a header, and the
 *   response answers in that header instead of Set-Cookie (empty at logout);
 * - key rotation: a session sealed (or its id signed) under an older key is re-sent under the
 *   current key on its first request, even unchanged.
 */

import { randomId } from '../../../src/random'
import { unseal } from '../../../src/seal'
import { sign, unsign } from '../../../src/sign'
import { SECRET, SECRET_2 } from '../../helpers/backends'
import { type AdapterName, purposeOf, serverStore } from '../../helpers/sessions'
import { forge, HOUR, NAME, ok, type RegisterOptions, type Row, registerRows, sets } from './table'

/** The session header of the header rows. */
const HEADER = 'x-session-token'
const DAY = 24 * HOUR

/** Routes of the lifetime rows. */
const routes = {
  '/login': (s: { user?: unknown; setTtl(d: string): void }, ctx: { q(n: string): string | null }) => {
    s.user = 'alice'
    if (ctx.q('remember') === '1') s.setTtl('30d')
  },
  '/browser-only': (s: { user?: unknown; setPersistent(p: boolean): void }) => {
    s.user = 'alice'
    s.setPersistent(false)
  },
  '/persistent': (s: { setPersistent(p: boolean): void }) => s.setPersistent(true),
  '/touch': (s: { touch(): void; user?: unknown }) => ({ user: s.user ?? null }),
  '/read': (s: { user?: unknown; isNew: boolean }) => ({ user: s.user ?? null, isNew: s.isNew }),
  '/logout': (s: { destroy(): void }) => s.destroy(),
}
// '/touch' touches: a later response of an unchanged session, which must keep its lifetime.
const withTouch = {
  ...routes,
  '/touch': (s: { touch(): void; user?: unknown }) => {
    s.touch()
    return { user: s.user ?? null }
  },
}

/**
 * The lifetime rows, in the order they are registered.
 * @example
 * registerRows(lifetimeRows, 'express')
 */
export const lifetimeRows: Row[] = [
  {
    title: "setTtl('30d'): Max-Age is 30 days, and later responses of that session keep it (ttl option 1h)",
    async run(t, env) {
      const app = await env.start(withTouch, { ttl: '1h' })
      const remembered = app.client()
      const login = sets(await ok(t, remembered.get('/login?remember=1')))
      t.is(login[0]?.attributes['max-age'], String((30 * DAY) / 1000))
      const later = sets(await ok(t, remembered.get('/touch')))
      t.is(later[0]?.attributes['max-age'], String((30 * DAY) / 1000), 'kept with the session')
      // Control: a login without "remember me" gets the ttl option.
      const plain = sets(await ok(t, app.client().get('/login')))
      t.is(plain[0]?.attributes['max-age'], '3600')
    },
  },
  {
    title: 'setPersistent(false): a browser-session cookie (no Max-Age/Expires), on later responses too; true brings them back',
    async run(t, env) {
      const app = await env.start(withTouch)
      const c = app.client()
      const first = sets(await ok(t, c.get('/browser-only')))
      t.is(first.length, 1)
      t.is(first[0]?.attributes['max-age'], undefined)
      t.is(first[0]?.attributes.expires, undefined)
      const later = sets(await ok(t, c.get('/touch')))
      t.deepEqual((await ok(t, c.get('/read'))).body, { user: 'alice', isNew: false })
      t.is(later.length, 1)
      t.is(later[0]?.attributes['max-age'], undefined, 'still a browser-session cookie')
      const back = sets(await ok(t, c.get('/persistent')))
      t.is(back[0]?.attributes['max-age'], String((24 * HOUR) / 1000))
      t.truthy(back[0]?.attributes.expires)
    },
  },
  {
    title:
      'header option: a client without the cookie gets and sends its session in the header, never Set-Cookie; logout empties it',
    async run(t, env) {
      const app = await env.start(routes, { header: 'X-Session-Token' })
      const c = app.client()
      // An empty header on the first request asks for header mode.
      const login = await ok(t, c.get('/login', { cookie: null, headers: { [HEADER]: '' } }))
      t.deepEqual(login.setCookie, [], 'no Set-Cookie in header mode')
      const token = login.headers.get(HEADER) ?? ''
      t.true(token.length > 40, `the session in the response header (${token.length} chars)`)
      const read = await ok(t, c.get('/read', { cookie: null, headers: { [HEADER]: token } }))
      t.deepEqual(read.body, { user: 'alice', isNew: false })
      t.is(read.headers.get(HEADER), null, 'an unchanged session sends nothing')
      t.deepEqual(read.setCookie, [])
      const logout = await ok(t, c.get('/logout', { cookie: null, headers: { [HEADER]: token } }))
      t.is(logout.headers.get(HEADER), '', 'logout sends the header empty')
      t.deepEqual(logout.setCookie, [])
      // A forged header value is refused like a forged cookie: a fresh session, the header emptied.
      const flipped = `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`
      const forged = await ok(t, c.get('/read', { cookie: null, headers: { [HEADER]: flipped } }))
      t.deepEqual(forged.body, { user: null, isNew: true })
      t.is(forged.headers.get(HEADER), '')
      t.true(app.invalid.length > 0)
      // Without the header at all, the cookie as before.
      const cookieLogin = await ok(t, app.client().get('/login'))
      t.is(sets(cookieLogin).length, 1)
      t.is(cookieLogin.headers.get(HEADER), null)
    },
  },
  {
    title: 'header option: a request that has the session cookie uses the cookie (and Set-Cookie), whatever the header says',
    async run(t, env) {
      const app = await env.start(routes, { header: HEADER })
      const other = await ok(t, app.client().get('/login', { cookie: null, headers: { [HEADER]: '' } }))
      const token = other.headers.get(HEADER) ?? ''
      const c = app.client()
      await ok(t, c.get('/browser-only'))
      const both = await ok(t, c.get('/read', { headers: { [HEADER]: token } }))
      t.deepEqual(both.body, { user: 'alice', isNew: false })
      const logout = await ok(t, c.get('/logout', { headers: { [HEADER]: token } }))
      t.is(logout.headers.get(HEADER), null)
      t.is(logout.setCookie.length, 1, 'the cookie is cleared')
      // The header's session was not touched by the cookie request's logout.
      const still = await ok(t, app.client().get('/read', { cookie: null, headers: { [HEADER]: token } }))
      t.deepEqual(still.body, { user: 'alice', isNew: false })
    },
  },
  {
    title: 'key rotation: a session under the previous key is re-sent under the current key on its first request, unchanged',
    defaultStoresOnly: true,
    async run(t, env) {
      // SECRET is current, SECRET_2 the previous key, still accepted.
      const app = await env.start(routes, { secret: [SECRET, SECRET_2] })
      const now = Date.now()
      const meta = { v: 1 as const, id: randomId(), c: now - 1000, e: now + 20 * HOUR }
      let cookie: string
      if (env.store === 'memory') {
        await serverStore(app).set(meta.id, { meta, dataJson: '{"user":"alice"}' }, 20 * HOUR)
        cookie = `${NAME}=${sign(meta.id, SECRET_2, { purpose: purposeOf(NAME) })}`
      } else {
        cookie = `${NAME}=${forge(meta, '{"user":"alice"}', { secret: SECRET_2, ttl: 20 * HOUR })}`
      }
      const c = app.client()
      const first = await ok(t, c.get('/read', { cookie }))
      t.deepEqual(first.body, { user: 'alice', isNew: false })
      const resent = sets(first)
      t.is(resent.length, 1, 'an unchanged session is re-sent (20 of 24 hours left: no rolling)')
      const value = resent[0]?.value ?? ''
      // Under the current key alone it opens; the old key alone no longer opens it.
      const purpose = purposeOf(NAME)
      if (env.store === 'memory') {
        t.is(unsign(value, SECRET, { purpose }), meta.id)
        t.is(unsign(value, SECRET_2, { purpose }), null)
      } else {
        t.not(unseal(value, SECRET, { purpose, maxSize: 12_000 }), null)
        t.is(unseal(value, SECRET_2, { purpose, maxSize: 12_000 }), null)
      }
      const again = await ok(t, c.get('/read', { cookie: `${NAME}=${value}` }))
      t.deepEqual(again.body, { user: 'alice', isNew: false })
      t.deepEqual(again.setCookie, [], 'under the current key: nothing to re-send')
    },
  },
]

/**
 * Registers the lifetime rows for `adapter` × each store.
 * @example
 * registerLifetime('koa')
 */
export function registerLifetime(adapter: AdapterName, options?: RegisterOptions): void {
  registerRows(lifetimeRows, adapter, options)
}
