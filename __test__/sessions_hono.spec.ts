/**
 * keycard/hono: the session behaviour table (sessions/rows/, `registerAll`) for cookieStore() and
 * memoryStore(), on the backend of this run, twice: over real HTTP through @hono/node-server
 * (sessions/harness/hono.ts), and in process through `app.request()` with the Cookie header
 * written by hand (sessions/harness/hono-request.ts). (Its bad-cookie, concurrency and revocation
 * rows: sessions_hostile, sessions_concurrency, sessions_revocation.) Then what is Hono's own:
 * immutable responses, typing, error handling.
 */
import { registerAll } from './sessions/rows'

registerAll('hono')
registerAll('hono-request')

// --- Hono's own ---------------------------------------------------------------------------------

import { createAdaptorServer } from '@hono/node-server'
import test, { type ExecutionContext } from 'ava'
import { Hono } from 'hono'
import { stream } from 'hono/streaming'
import { type SessionEnv, session } from '../src/sessions/adapters/hono'
import type { SessionOptions } from '../src/sessions/options'
import { SECRET, t_ } from './helpers/backends'
import { Client, listen, parseSetCookie, serveNode, setCookiesNamed } from './helpers/http'
import { switchableStore } from './helpers/sessions'

// @hono/node-server replaces the global Response with a lighter one (whose redirects have mutable
// headers) once a server is made: keep the Web one, whose Response.redirect() headers are immutable.
const WebResponse = globalThis.Response

// A type alias, not an interface: session data types must be assignable to Record<string, unknown>.
type Data = {
  views: number
  user: string
}

function app(options: SessionOptions = {}) {
  const middleware = session<Data>({ secret: SECRET, ...options })
  return { app: new Hono<SessionEnv<Data>>().use(middleware), manager: middleware.manager }
}

async function serve(t: ExecutionContext, hono: Hono<SessionEnv<Data>>): Promise<Client> {
  const server = createAdaptorServer({ fetch: hono.fetch })
  return new Client((await listen(t, server as import('node:http').Server)).origin)
}

/** The Cookie header a browser would send back for the Set-Cookie lines of a response. */
function cookieHeader(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((line) => parseSetCookie(line))
    .filter((c) => c !== null && c.attributes['max-age'] !== '0')
    .map((c) => `${c?.name}=${c?.value}`)
    .join('; ')
}

test(t_('hono: app.request() with a Cookie header written by hand; c.get("session") is typed by SessionEnv'), async (t) => {
  const { app: hono, manager } = app()
  hono.get('/count', (c) => {
    const s = c.get('session')
    s.views = (s.views ?? 0) + 1
    // @ts-expect-error views is a number in this app's SessionEnv
    const _wrong: string = s.views
    return c.json({ views: s.views })
  })
  const first = await hono.request('/count')
  t.deepEqual(await first.json(), { views: 1 })
  const cookie = cookieHeader(first)
  t.regex(cookie, /^keycard=/)
  const second = await hono.request('/count', { headers: { cookie } })
  t.deepEqual(await second.json(), { views: 2 })
  const third = await hono.request('http://localhost/count', { headers: { Cookie: cookieHeader(second) } })
  t.deepEqual(await third.json(), { views: 3 })
  t.deepEqual(await (await hono.request('/count')).json(), { views: 1 }, 'no cookie: a new session')
  t.is(manager.cookieName, 'keycard')
})

test(t_('hono: a redirect (immutable headers) after a session write is copied and carries the cookie'), async (t) => {
  const { app: hono } = app()
  hono.get('/login', (c) => {
    c.get('session').user = 'alice'
    const redirect = WebResponse.redirect('http://127.0.0.1/home', 302)
    t.throws(() => redirect.headers.append('x-test', '1'), undefined, 'immutable headers')
    return redirect
  })
  hono.get('/home', (c) => c.json({ user: c.get('session').user ?? null }))
  const inProcess = await hono.request('/login')
  t.is(inProcess.status, 302)
  t.is(inProcess.headers.get('location'), 'http://127.0.0.1/home')
  t.is(inProcess.headers.getSetCookie().length, 1)
  t.deepEqual(await (await hono.request('/home', { headers: { cookie: cookieHeader(inProcess) } })).json(), { user: 'alice' })

  const client = await serve(t, hono)
  const overHttp = await client.get('/login')
  t.is(overHttp.status, 302)
  t.is(setCookiesNamed(overHttp, 'keycard').length, 1)
  t.deepEqual((await client.get('/home')).body, { user: 'alice' })
})

test(t_("hono: a fetch() response (immutable, with its own Set-Cookie) keeps it beside the session's"), async (t) => {
  const upstream = await serveNode(t, (_req, res) => {
    res.setHeader('set-cookie', ['up=1; Path=/', 'up2=2; Path=/'])
    res.setHeader('content-type', 'text/plain')
    res.end('from upstream')
  })
  const { app: hono } = app()
  hono.get('/proxy', async (c) => {
    c.get('session').views = 1
    return fetch(upstream.origin)
  })
  const client = await serve(t, hono)
  const r = await client.get('/proxy')
  t.is(r.body, 'from upstream')
  t.deepEqual(
    r.setCookie.map((l) => l.split('=')[0]),
    ['up', 'up2', 'keycard'],
  )
})

test(t_('hono: a streamed response carries the session cookie'), async (t) => {
  const { app: hono } = app()
  hono.get('/stream', (c) => {
    c.get('session').views = 7
    return stream(c, async (s) => {
      await s.write('a')
      await s.write('b')
    })
  })
  hono.get('/read', (c) => c.json({ views: c.get('session').views ?? null }))
  const client = await serve(t, hono)
  const r = await client.get('/stream')
  t.is(r.body, 'ab')
  t.is(setCookiesNamed(r, 'keycard').length, 1)
  t.deepEqual((await client.get('/read')).body, { views: 7 })
})

test(t_('hono: routes of a mounted sub-app see the session'), async (t) => {
  const { app: hono } = app()
  const api = new Hono<SessionEnv<Data>>()
  api.get('/me', (c) => {
    const s = c.get('session')
    s.views = (s.views ?? 0) + 1
    return c.json({ views: s.views })
  })
  hono.route('/api', api)
  const client = await serve(t, hono)
  t.deepEqual((await client.get('/api/me')).body, { views: 1 })
  t.deepEqual((await client.get('/api/me')).body, { views: 2 })
})

test(t_('hono: a store failing on load or commit reaches app.onError, which answers with err.status (503)'), async (t) => {
  const store = switchableStore()
  const { app: hono } = app({ store })
  let failWrite = false
  hono.onError((err, c) => c.json({ code: (err as { code?: string }).code }, ((err as { status?: number }).status ?? 500) as 500))
  hono.get('/count', (c) => {
    const s = c.get('session')
    s.views = (s.views ?? 0) + 1
    if (failWrite) store.down = true
    c.header('set-cookie', 'theme=dark', { append: true })
    return c.json({ views: s.views }, 201)
  })
  const client = await serve(t, hono)
  t.is((await client.get('/count')).status, 201)
  store.down = true
  const load = await client.get('/count')
  t.deepEqual([load.status, load.body, load.setCookie], [503, { code: 'ERR_STORE_UNAVAILABLE' }, []])
  store.down = false
  failWrite = true
  const commit = await client.get('/count')
  t.deepEqual([commit.status, commit.body], [503, { code: 'ERR_STORE_UNAVAILABLE' }])
  t.deepEqual(commit.setCookie, ['theme=dark'], 'no session cookie; the app cookie Hono carries over to the error response')
})

test.serial(t_("hono: without app.onError, Hono's default handler answers a commit error with 500"), async (t) => {
  const { app: hono } = app()
  hono.get('/huge', (c) => {
    c.get('session').user = 'x'.repeat(13_000)
    return c.text('ok')
  })
  const logged: unknown[] = []
  const error = console.error
  console.error = (...args: unknown[]) => logged.push(args[0])
  try {
    const r = await hono.request('/huge')
    t.deepEqual([r.status, await r.text(), r.headers.getSetCookie()], [500, 'Internal Server Error', []])
  } finally {
    console.error = error
  }
  t.is((logged[0] as { code?: string }).code, 'ERR_TOO_LARGE')
})
