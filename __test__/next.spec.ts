/**
 * keycard/next in a real Next.js app: examples/next is built (`next build --webpack`, once per
 * ava run) and started (`next start` on a loopback port) on the backend of this run (the server
 * inherits KEYCARD_BACKEND and says which it loaded), then driven over HTTP with a cookie jar:
 * the login form's server action, server components reading, the proxy redirecting, the logout
 * route handler, a tampered cookie, a write during render, and the cookie format shared with
 * keycard/fetch. Skipped with one line where next is not installed.
 */

import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import anyTest from 'ava'
import { session as fetchSession } from '../src/sessions/adapters/fetch'
import { session as nextSession } from '../src/sessions/adapters/next'
import { current, t_ } from './helpers/backends'
import { CookieJar, flipChar, freePort } from './helpers/http'
import { findModule, requires } from './helpers/requires'

const root = join(__dirname, '..')
const app = join(root, 'examples', 'next')
const nextManifest = findModule('next/package.json')
const test = requires('next', nextManifest)
const nextBin = nextManifest === undefined ? '' : join(dirname(nextManifest), 'dist', 'bin', 'next')

/** One secret for the build, the server and this process: the cookies must open on both sides. */
const secret = randomBytes(32).toString('base64url')
const env = { ...process.env, KEYCARD_SECRET: secret, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' }

let origin = ''
let server: ChildProcess | undefined
let stderr = ''

/** Runs `next <args>` to its end; rejects with its output when it fails. */
function next(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
    })
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`next ${args.join(' ')} failed (${code}):\n${out}`))))
  })
}

/** `next start` on a free loopback port; resolves once it answers. */
async function start(): Promise<void> {
  const port = await freePort()
  const child = spawn(process.execPath, [nextBin, 'start', app, '-p', String(port), '-H', '127.0.0.1'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  server = child
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`next start exited (${code}):\n${out}\n${stderr}`)))
    child.stdout.on('data', () => {
      if (out.includes('Ready')) resolve()
    })
  })
  origin = `http://127.0.0.1:${port}`
}

test.before(async (t) => {
  t.timeout(600_000, 'next build and next start of examples/next')
  if (!existsSync(join(root, 'dist', 'sessions', 'adapters', 'next.js'))) {
    throw new Error('dist/ has no keycard/next: run npm run build:ts (npm test does)')
  }
  await next(['build', '--webpack', app])
  await start()
})

test.after.always(() => {
  server?.kill('SIGTERM')
})

interface Reply {
  status: number
  text: string
  location: string | null
  setCookie: string[]
}

/** A browser-ish request: the jar's cookies go out, Set-Cookie lines come back into it. */
async function send(jar: CookieJar, path: string, init: RequestInit = {}): Promise<Reply> {
  const url = new URL(path, origin)
  const headers = new Headers(init.headers)
  const cookie = jar.header(url)
  if (cookie !== undefined) headers.set('cookie', cookie)
  const response = await fetch(url, { ...init, headers, redirect: 'manual' })
  const setCookie = response.headers.getSetCookie()
  for (const line of setCookie) jar.store(line, url)
  const text = await response.text()
  // A crash of the app is shown with what the server printed, not as a mismatch further on.
  if (response.status >= 500) throw new Error(`${path}: ${response.status}; the server's stderr:\n${stderr.slice(-4000)}`)
  return { status: response.status, text, location: response.headers.get('location'), setCookie }
}

/** What the home page (a server component) says: `Logged in as <user>`, or `Logged out`. */
async function status(jar: CookieJar): Promise<string> {
  const reply = await send(jar, '/')
  const found = /<p id="status">(.*?)<\/p>/.exec(reply.text)?.[1]
  if (found === undefined) throw new Error(`no status on the home page (${reply.status}):\n${reply.text.slice(0, 500)}`)
  return found.replace(/<[^>]+>/g, '')
}

/** Logs in through the login page's form: its server action, posted as the browser posts it without JS. */
async function login(jar: CookieJar, user: string): Promise<Reply> {
  const page = await send(jar, '/login')
  const action = /name="(\$ACTION_ID_[0-9a-f]+)"/.exec(page.text)?.[1]
  if (action === undefined) throw new Error('no server action in the login form')
  const form = new FormData()
  form.set(action, '')
  form.set('user', user)
  return send(jar, '/login', { method: 'POST', body: form, headers: { origin } })
}

test(t_('next: logged out, the page says so and the proxy sends /account to /login; the server runs this backend'), async (t) => {
  const jar = new CookieJar()
  const home = await send(jar, '/')
  t.is(/<span id="backend">(\w+)<\/span>/.exec(home.text)?.[1], current)
  t.is(await status(jar), 'Logged out')
  const account = await send(jar, '/account')
  t.is(account.status, 307)
  t.is(account.location, '/login')
})

test(t_('next: a server action logs in; server components and the proxy read the session'), async (t) => {
  const jar = new CookieJar()
  const reply = await login(jar, 'ada')
  t.is(reply.status, 303)
  t.is(reply.location, '/')
  t.true(reply.setCookie.some((line) => line.startsWith('keycard=') && /HttpOnly/i.test(line)))
  t.is(await status(jar), 'Logged in as ada')
  const account = await send(jar, '/account')
  t.is(account.status, 200)
  t.regex(account.text, /Account of (<!-- -->)?ada/)
})

test(t_('next: the logout route handler clears the cookie; the proxy redirects again'), async (t) => {
  const jar = new CookieJar()
  await login(jar, 'ada')
  t.is(await status(jar), 'Logged in as ada')
  const out = await send(jar, '/api/logout', { method: 'POST' })
  t.is(out.status, 303)
  t.true(out.setCookie.some((line) => line.startsWith('keycard=;') && /Max-Age=0/.test(line)))
  t.is(jar.get('keycard'), undefined)
  t.is(await status(jar), 'Logged out')
  t.is((await send(jar, '/account')).status, 307)
})

test(t_('next: a tampered cookie is a logged-out visitor, and the proxy clears it'), async (t) => {
  const jar = new CookieJar()
  await login(jar, 'ada')
  jar.update('keycard', (value) => flipChar(value, 20))
  t.is(await status(jar), 'Logged out')
  const account = await send(jar, '/account')
  t.is(account.status, 307)
  t.true(account.setCookie.some((line) => line.startsWith('keycard=;') && /Max-Age=0/.test(line)))
})

test(t_('next: a change while a server component renders throws saying why, and saves nothing'), async (t) => {
  const jar = new CookieJar()
  await login(jar, 'ada')
  const page = await send(jar, '/mistakes')
  t.regex(page.text, /ERR_INVALID_ARGUMENT(<!-- -->)?: (<!-- -->)?setting session\.user while a server component renders/)
  t.regex(page.text, /Next\.js forbids setting cookies during render/)
  t.deepEqual(page.setCookie, [])
  t.is(await status(jar), 'Logged in as ada')
})

test(t_('next: a route handler that changes the session and forgets save() is reported, and saves nothing'), async (t) => {
  const jar = new CookieJar()
  await login(jar, 'ada')
  const reply = await send(jar, '/mistakes/forgot-save', { method: 'POST' })
  t.is(reply.text, 'changed, not saved')
  t.deepEqual(reply.setCookie, [])
  t.is(await status(jar), 'Logged in as ada')
  // Reported after the response (Next's after()): waited for, not timed.
  while (!stderr.includes('KEYCARD_UNSAVED_SESSION')) await new Promise((resolve) => setTimeout(resolve, 50))
  t.regex(stderr, /a session was changed and never saved, so the change is lost/)
})

test(t_('next: its cookies are keycard/fetch cookies, both ways (one format)'), async (t) => {
  const sessions = fetchSession<{ user?: string }>({ secret })
  const jar = new CookieJar()
  await login(jar, 'ada')
  const cookie = `keycard=${jar.get('keycard')}`
  const opened = await sessions.load(new Request('https://x/', { headers: { cookie } }))
  t.is(opened.user, 'ada')

  const made = await sessions.load(new Request('https://x/'))
  made.user = 'grace'
  const response = await sessions.commit(made, new Response(null))
  const theirs = new CookieJar()
  for (const line of response.headers.getSetCookie()) theirs.store(line, new URL(origin))
  t.is(await status(theirs), 'Logged in as grace')
})

// In process, without Next: the parts of keycard/next that need no request scope.

anyTest(t_('next: options are checked at first use, not when session() runs (next build needs no secret)'), async (t) => {
  const weak = nextSession({ secret: 'short' })
  const error = await t.throwsAsync(weak.fromRequest(new Request('https://x/')))
  t.is((error as { code?: string }).code, 'ERR_KEY_TOO_SHORT')
  const header = nextSession({ secret, header: 'x-session' })
  t.is((t.throws(() => header.manager) as { code?: string }).code, 'ERR_BAD_CONFIG')
})

anyTest(t_('next: toResponse adds the cookie to a redirect (immutable headers: a copy) and fromRequest reads it'), async (t) => {
  const sessions = nextSession<{ user?: string }>({ secret })
  const s = await sessions.fromRequest(new Request('https://x/'))
  s.user = 'ada'
  const redirect = Response.redirect('https://x/account', 307)
  const sent = await sessions.toResponse(s, redirect)
  t.not(sent, redirect)
  t.is(sent.status, 307)
  t.is(sent.headers.get('location'), 'https://x/account')
  const cookie = sent.headers.getSetCookie()[0]?.split(';')[0] ?? ''
  t.regex(cookie, /^keycard=./)
  const back = await sessions.fromRequest(new Request('https://x/', { headers: { cookie } }))
  t.is(back.user, 'ada')
  // Nothing changed: no Set-Cookie, the same response.
  const same = new Response('ok')
  t.is(await sessions.toResponse(back, same), same)
  t.deepEqual(same.headers.getSetCookie(), [])
})
