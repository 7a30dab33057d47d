/**
 * Sessions under hostile input (SECURITY.md items 12-15), over real HTTP for every adapter harness
 * (sessions/harness/; 'hono-request' in process): bad cookies of every kind give 200 and a fresh
 * empty session (never the old data, never a 500); server stores never adopt an id they did not
 * issue; a custom store's malformed records are refused; Cookie headers that are duplicated,
 * malformed or huge. The rows are in sessions/rows/bad_cookies.ts, bad_records.ts and
 * cookie_headers.ts; expired cookies and records, prototype keys and __Host- chunks are rows of
 * the behaviour table every adapter spec runs (sessions/rows/expiry.ts, data.ts, chunks.ts).
 *
 * Then, without an adapter: the manager under hostile headers, env configuration, cookie rules
 * and options checked at construction.
 */

import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import test from 'ava'
import Fastify from 'fastify'
import { session as expressSession } from '../src/sessions/adapters/express'
import { session as fastifySession } from '../src/sessions/adapters/fastify'
import { session as fetchSession } from '../src/sessions/adapters/fetch'
import { session as honoSession } from '../src/sessions/adapters/hono'
import { session as koaSession } from '../src/sessions/adapters/koa'
import { session as nodeSession } from '../src/sessions/adapters/node'
import type { SameSite } from '../src/sessions/cookies'
import { SessionManager } from '../src/sessions/manager'
import { resolveOptions, type SessionOptions } from '../src/sessions/options'
import { memoryGenerations } from '../src/sessions/revocation'
import { cookieStore } from '../src/sessions/stores/cookie'
import { memoryStore } from '../src/sessions/stores/memory'
import { SECRET, t_ } from './helpers/backends'
import { ALL_ADAPTERS } from './helpers/sessions'
import { registerBadCookies, registerBadRecords, registerCookieHeaders } from './sessions/rows'

const NAME = 'keycard'
const HOUR = 3_600_000

for (const adapter of ALL_ADAPTERS) {
  registerBadCookies(adapter)
  registerBadRecords(adapter)
  registerCookieHeaders(adapter)
}

// --- The manager directly ------------------------------------------------------------------------------

test(t_('manager.load: a 100 KB Cookie header (string or array) gives a fresh session'), async (t) => {
  const manager = new SessionManager({ secret: SECRET })
  const s = await manager.load(undefined)
  s.user = 'alice'
  const [cookie] = await manager.commit(s)
  const pair = (cookie ?? '').split(';')[0] as string
  t.is((await manager.load(pair)).user, 'alice', 'control')
  const pad = 'x'.repeat(100 * 1024)
  for (const header of [`${pair}; pad=${pad}`, [pair, `pad=${pad}`], Array.from({ length: 2000 }, () => `${pair}`)]) {
    const big = await manager.load(header)
    t.deepEqual([big.isNew, Object.keys(big)], [true, []])
  }
  const many = `${'a=1; '.repeat(14_000)}${pair}`
  t.true(many.length > 64 * 1024)
  t.true((await manager.load(many)).isNew)
})

test(t_('manager.load never throws for hostile headers, and commit clears what it refused'), async (t) => {
  const manager = new SessionManager({ secret: SECRET })
  for (const header of ['', ';', `${NAME}=`, `${NAME}=${'%'.repeat(50)}`, `${NAME}=2*`, [`${NAME}=x`, `${NAME}.1=y`], []]) {
    const s = await manager.load(header)
    t.true(s.isNew)
    const out = await manager.commit(s)
    t.true(
      out.every((line) => /Max-Age=0/.test(line)),
      JSON.stringify(header),
    )
  }
  // A non-string header is a caller bug, reported as such (not a session problem).
  await t.throwsAsync(manager.load(42 as unknown as string), { code: 'ERR_INVALID_ARGUMENT' })
})

// --- Env configuration and cookie rules -------------------------------------------------------------------

const ENV = { NODE_ENV: 'test' }

test(t_('env: bad KEYCARD_SESSION_* values are ERR_BAD_CONFIG'), (t) => {
  const bad: Record<string, string>[] = [
    { KEYCARD_SESSION_TTL_SECONDS: 'abc' },
    { KEYCARD_SESSION_TTL_SECONDS: '0' },
    { KEYCARD_SESSION_TTL_SECONDS: '-5' },
    { KEYCARD_SESSION_TTL_SECONDS: '1.5' },
    { KEYCARD_SESSION_TTL_SECONDS: '1e3' },
    { KEYCARD_SESSION_STORE: 'nope' },
    { KEYCARD_SESSION_STORE: 'redis' },
    { KEYCARD_SESSION_COOKIE_SECURE: 'maybe' },
    { KEYCARD_SESSION_COOKIE_HTTP_ONLY: '2' },
    { KEYCARD_SESSION_COOKIE_SAME_SITE: 'lax; Domain=evil' },
    { KEYCARD_SESSION_COOKIE_NAME: '__Host-s', KEYCARD_SESSION_COOKIE_DOMAIN: 'example.com' },
    { KEYCARD_SESSION_COOKIE_NAME: '__host-s' },
    { KEYCARD_SESSION_COOKIE_SAME_SITE: 'none', KEYCARD_SESSION_COOKIE_SECURE: 'false' },
  ]
  for (const env of bad) {
    t.throws(() => resolveOptions({ secret: SECRET }, { ...ENV, ...env }), { code: 'ERR_BAD_CONFIG' }, JSON.stringify(env))
  }
})

test(t_('env: good values are read; explicit options win over env'), (t) => {
  const env = {
    ...ENV,
    KEYCARD_SESSION_TTL_SECONDS: '60',
    KEYCARD_SESSION_STORE: 'memory',
    KEYCARD_SESSION_COOKIE_NAME: 'from-env',
    KEYCARD_SESSION_COOKIE_PATH: '/app',
    KEYCARD_SESSION_COOKIE_SECURE: 'false',
    KEYCARD_SESSION_COOKIE_HTTP_ONLY: 'no',
    KEYCARD_SESSION_COOKIE_SAME_SITE: 'Strict',
    KEYCARD_SESSION_COOKIE_DOMAIN: 'example.com',
  }
  const fromEnv = resolveOptions({ secret: SECRET }, env)
  t.is(fromEnv.ttl, 60_000)
  t.is(fromEnv.store.kind, 'server')
  t.deepEqual(fromEnv.cookie, {
    name: 'from-env',
    domain: 'example.com',
    path: '/app',
    secure: false,
    httpOnly: false,
    sameSite: 'strict',
    partitioned: false,
    persistent: true,
  })
  const explicit = resolveOptions(
    {
      secret: SECRET,
      ttl: '2h',
      store: cookieStore(),
      cookie: { name: 'mine', domain: 'example.org', path: '/', secure: true, httpOnly: true, sameSite: 'lax' },
    },
    env,
  )
  t.is(explicit.ttl, 2 * HOUR)
  t.is(explicit.store.kind, 'cookie')
  t.deepEqual(explicit.cookie, {
    name: 'mine',
    domain: 'example.org',
    path: '/',
    secure: true,
    httpOnly: true,
    sameSite: 'lax',
    partitioned: false,
    persistent: true,
  })
  const defaults = resolveOptions({ secret: SECRET }, ENV)
  t.deepEqual(
    [
      defaults.ttl,
      defaults.store.kind,
      defaults.cookie.name,
      defaults.cookie.secure,
      defaults.rolling,
      defaults.saveUninitialized,
    ],
    [24 * HOUR, 'cookie', 'keycard', true, 'auto', false],
  )
})

test(t_('env: new SessionManager() reads process.env and throws ERR_BAD_CONFIG at construction'), (t) => {
  // A child process, so this worker's process.env (shared by the concurrent tests) is never touched.
  const root = join(__dirname, '..')
  const script = `
    const { SessionManager } = require('./src/sessions/manager.ts')
    let code = 'OK'
    try { new SessionManager({ secret: ${JSON.stringify(SECRET)} }) } catch (err) { code = err.code }
    process.stdout.write(code)
  `
  const run = (env: Record<string, string>) =>
    execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', KEYCARD_BACKEND: process.env.KEYCARD_BACKEND ?? 'auto', NODE_ENV: 'test', ...env },
      encoding: 'utf8',
    })
  t.is(run({}), 'OK', 'control')
  t.is(run({ KEYCARD_SESSION_TTL_SECONDS: 'abc' }), 'ERR_BAD_CONFIG')
  t.is(run({ KEYCARD_SESSION_STORE: 'nope' }), 'ERR_BAD_CONFIG')
  t.is(run({ KEYCARD_SESSION_COOKIE_SECURE: 'maybe' }), 'ERR_BAD_CONFIG')
})

test(t_('cookie rules: __Host- and __Secure- names, SameSite=None and Partitioned are checked at start-up'), (t) => {
  const bad = [
    { name: '__Host-s', domain: 'example.com' },
    { name: '__Host-s', path: '/x' },
    { name: '__Host-s', secure: false },
    { name: '__HOST-s' },
    { name: '__Secure-s', secure: false },
    { name: 'plain', sameSite: 'none' as const, secure: false },
    { name: 'plain', partitioned: true, secure: false },
  ]
  for (const cookie of bad) {
    t.throws(() => new SessionManager({ secret: SECRET, cookie }), { code: 'ERR_BAD_CONFIG' }, JSON.stringify(cookie))
  }
  t.notThrows(() => new SessionManager({ secret: SECRET, cookie: { name: '__Host-s' } }))
  t.notThrows(() => new SessionManager({ secret: SECRET, cookie: { name: '__Secure-s', domain: 'example.com' } }))
})

// --- Options checked at construction ----------------------------------------------------------------

/** Options that used to pass `new SessionManager()` and then fail every response (or be ignored). */
const BAD_OPTIONS: Array<[unknown, string | RegExp]> = [
  [{ cookie: { path: '/x;Domain=evil' } }, 'cookie.path'],
  [{ cookie: { path: 'x' } }, 'cookie.path'],
  [{ cookie: { path: `/${'p'.repeat(1024)}` } }, 'cookie.path'],
  [{ cookie: { domain: 'evil.com; Secure' } }, 'cookie.domain'],
  [{ cookie: { domain: 'ex ample.com' } }, 'cookie.domain'],
  [{ cookie: { domain: '' } }, 'cookie.domain'],
  [{ cookie: { name: 'a=b' } }, 'cookie.name'],
  [{ cookie: { name: 'a;b' } }, 'cookie.name'],
  [{ cookie: { name: '' } }, 'cookie.name'],
  [{ cookie: { name: 42 } }, 'cookie.name'],
  [{ cookie: { sameSite: true } }, /cookie\.sameSite.*express-session's `true` is 'strict'/],
  [{ cookie: { sameSite: 'sometimes' } }, 'cookie.sameSite'],
  [{ cookie: { secure: 'false' } }, 'cookie.secure'],
  [{ cookie: { httpOnly: 1 } }, 'cookie.httpOnly'],
  [{ cookie: { partitioned: 'yes' } }, 'cookie.partitioned'],
  [{ cookie: { persistent: 'no' } }, 'cookie.persistent'],
  [{ header: 'x session' }, 'header must be a header name'],
  [{ header: '' }, 'header must be a header name'],
  [{ header: 42 }, 'header must be a header name'],
  [{ header: 'x-token\r\nx-evil: 1' }, 'header must be a header name'],
  [{ header: 'Set-Cookie' }, 'header cannot be set-cookie'],
  [{ header: 'cookie' }, 'header cannot be cookie'],
  [{ cookie: 'keycard' }, 'cookie'],
  [{ ttl: '100000d' }, /ttl reaches past the year 2106/],
  [{ ttl: 2 ** 53 }, /ttl reaches past the year 2106/],
  [{ ttl: 500 }, 'ttl'],
  [{ ttl: -1 }, 'ttl'],
  [{ ttl: 'forever' }, 'ttl'],
  [{ absoluteTtl: 'a while' }, 'absoluteTtl'],
  [{ rolling: 'yes' }, 'rolling'],
  [{ saveUninitialized: 'no' }, 'saveUninitialized'],
  [{ storeTimeout: '30d' }, 'storeTimeout'],
  [{ storeTimeout: Number.NaN }, 'storeTimeout'],
  [{ onInvalid: 'log' }, 'onInvalid'],
  [{ allowInsecureKey: 'yes' }, 'allowInsecureKey'],
  [{ store: 'memory' }, 'store'],
  [{ store: {} }, 'store.kind'],
  [{ store: { kind: 'server', get: async () => undefined } }, 'store.set'],
  [{ store: { kind: 'server', get() {}, set() {}, destroy() {}, update: true } }, 'store.update'],
  [{ store: { kind: 'cookie', chunkSize: 99_999, maxBytes: 99_999 } }, 'store.chunkSize'],
  [{ revocation: { userOf: () => undefined } }, 'revocation.generations'],
  [{ revocation: { generations: { get: () => 0, bump: () => 1 } } }, 'revocation.userOf'],
  // Unknown names, with the option they most likely meant.
  [{ saveUnitialized: true }, 'unknown session option `saveUnitialized`: did you mean `saveUninitialized`?'],
  [{ rollling: true }, 'did you mean `rolling`?'],
  [{ storeTimout: '1s' }, 'did you mean `storeTimeout`?'],
  [{ tll: '1h' }, 'did you mean `ttl`?'],
  [{ maxAge: 60_000 }, 'unknown session option `maxAge`: did you mean `ttl`?'],
  [{ expires: new Date() }, 'did you mean `ttl`?'],
  [{ keys: [SECRET] }, 'unknown session option `keys`: did you mean `secret`?'],
  [{ name: 'sid' }, 'did you mean `cookie.name`?'],
  [{ sameSite: 'lax' }, 'did you mean `cookie.sameSite`?'],
  [{ resave: false }, /`resave`: keycard saves a session only when it changed/],
  [{ genid: () => 'x' }, /`genid`: keycard makes every session id itself/],
  [{ somethingElse: 1 }, /^unknown session option `somethingElse`$/],
  [{ cookie: { maxAge: 60_000 } }, 'unknown session option `cookie.maxAge`: did you mean the top-level `ttl`?'],
  [{ cookie: { httponly: true } }, 'did you mean `cookie.httpOnly`?'],
  [{ cookie: { samesite: 'lax' } }, 'did you mean `cookie.sameSite`?'],
  [{ cookie: { secrue: true } }, 'did you mean `cookie.secure`?'],
  [{ cookie: { priority: 'high' } }, /^unknown session option `cookie.priority`$/],
  ['a secret', 'session options must be an object'],
]

test(
  t_('options: every option is checked by new SessionManager(): ERR_BAD_CONFIG naming it, with a hint for unknown names'),
  (t) => {
    for (const [options, message] of BAD_OPTIONS) {
      const given = typeof options === 'object' ? { secret: SECRET, ...options } : options
      const label = JSON.stringify(options)
      const err = t.throws(() => new SessionManager(given as SessionOptions), { code: 'ERR_BAD_CONFIG' }, label)
      if (typeof message === 'string') t.true(err?.message.includes(message), `${label}: ${err?.message}`)
      else t.regex(err?.message ?? '', message, label)
    }
    // The ttl bound holds for the env value too.
    t.throws(() => resolveOptions({ secret: SECRET }, { ...ENV, KEYCARD_SESSION_TTL_SECONDS: '9999999999' }), {
      code: 'ERR_BAD_CONFIG',
      message: /2106/,
    })
    // Control: every option, well-formed, in every accepted form.
    const all: Required<Omit<SessionOptions, 'allowWeakKey'>> = {
      secret: SECRET,
      allowInsecureKey: false,
      store: cookieStore({ maxBytes: 8000 }),
      ttl: '30d',
      absoluteTtl: '90d',
      rolling: 'auto',
      saveUninitialized: false,
      cookie: {
        name: '__Secure-s',
        domain: 'Example.COM',
        path: '/app',
        secure: true,
        httpOnly: true,
        sameSite: 'none',
        partitioned: true,
        persistent: false,
      },
      header: 'X-Session-Token',
      userOf: (d) => d.user as string | undefined,
      revocation: { generations: memoryGenerations() },
      storeTimeout: '1s',
      onInvalid: () => {},
      now: () => Date.now(),
      migrateFrom: {
        expressSession: {
          store: { get: (_sid: string, cb: (err: unknown, session?: unknown) => void) => cb(null, undefined) },
          secret: 'old express-session secret',
        },
      },
    }
    t.notThrows(() => new SessionManager(all))
    t.is(new SessionManager({ secret: SECRET, cookie: { sameSite: 'Strict' as SameSite } }).options.cookie.sameSite, 'strict')
    // 50 years is long, but a session saved today can still carry it.
    t.notThrows(() => new SessionManager({ secret: SECRET, ttl: 50 * 365 * 24 * HOUR }))
  },
)

test(t_('options: every adapter refuses bad options when session(options) is called, before any request'), async (t) => {
  const bad = { secret: SECRET, cookie: { path: '/x;Domain=evil' } } as SessionOptions
  const typo = { secret: SECRET, saveUnitialized: true } as SessionOptions
  for (const options of [bad, typo]) {
    for (const [name, make] of [
      ['express', expressSession],
      ['node', nodeSession],
      ['fetch', fetchSession],
      ['koa', koaSession],
      ['hono', honoSession],
    ] as const) {
      t.throws(() => make(options), { code: 'ERR_BAD_CONFIG' }, name)
    }
    // Fastify builds the manager when the plugin is registered: the app does not start.
    const app = Fastify()
    await t.throwsAsync(async () => app.register(fastifySession, options), { code: 'ERR_BAD_CONFIG' }, 'fastify')
    await app.close()
  }
})

// --- Regressions ----------------------------------------------------------------------------------

// cookieStore's chunkSize (4000) did not leave room for the cookie name and the `N*` prefix:
// with a cookie name of 95+ characters every session over one chunk was ERR_TOO_LARGE, far below
// maxBytes. A session well under maxBytes saves whatever the (valid) name's length.
test(t_('cookie store: a long cookie name does not make a 3 KB session ERR_TOO_LARGE'), async (t) => {
  const manager = new SessionManager({ secret: SECRET, cookie: { name: 'k'.repeat(100) } })
  const s = await manager.load(undefined)
  s.blob = 'x'.repeat(3000)
  const lines = await manager.commit(s)
  t.true(lines.length >= 1)
  const header = lines.map((l) => l.split(';')[0]).join('; ')
  t.is(((await manager.load(header)).blob as string | undefined)?.length, 3000)
})

// A new session whose request outlives absoluteTtl: the deadline computed from its creation is
// already past at commit, which made the seal's ttl negative (ERR_INVALID_ARGUMENT, a 500).
// Found by the differential fuzz suite. The session now starts at commit instead.
for (const kind of ['cookie', 'memory'] as const) {
  test(t_(`core × ${kind}: a new session committed after absoluteTtl is saved, not an error`), async (t) => {
    const manager = new SessionManager({
      secret: SECRET,
      absoluteTtl: '1s',
      store: kind === 'memory' ? memoryStore() : cookieStore(),
    })
    const fresh = await manager.load(undefined)
    await new Promise((resolve) => setTimeout(resolve, 1100))
    fresh.user = 'x'
    const headers = await manager.commit(fresh)
    t.is(headers.length, 1)
    const again = await manager.load(headers[0]?.split(';')[0])
    t.is(again.user, 'x')
    t.false(again.isNew)
  })
}

test(t_('core: absoluteTtl under one second (other than 0) is refused at construction'), (t) => {
  for (const absoluteTtl of [0.5, 999, '500ms'] as const) {
    t.throws(() => new SessionManager({ secret: SECRET, absoluteTtl }), { code: 'ERR_BAD_CONFIG' }, String(absoluteTtl))
  }
  t.notThrows(() => new SessionManager({ secret: SECRET, absoluteTtl: 0 }))
  t.notThrows(() => new SessionManager({ secret: SECRET, absoluteTtl: '1s' }))
})
