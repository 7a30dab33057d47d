/**
 * Zero-logout migration from express-session (`migrateFrom`, src/sessions/migrate.ts), on the
 * backend of this run. End to end: a user logged in under express-session (connect-redis on a
 * real redis-server, or express-session's MemoryStore) is still logged in after the app switches
 * to keycard/express, gets a keycard cookie, and the connect.sid cookie is cleared. Then what the
 * migration refuses (forged, unsigned, wrong-secret cookies; a keycard cookie present), what it
 * survives (an old store down or slow, sessions keycard cannot hold), secret rotation and short
 * express-session secrets, `destroyOld`, and the start-up checks of the option.
 */

import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import test, { type ExecutionContext } from 'ava'
import { RedisStore } from 'connect-redis'
import cookieSignature from 'cookie-signature'
import express from 'express'
import expressSession, { MemoryStore } from 'express-session'
import { createClient } from 'redis'
import { session as keycardSession } from '../src/sessions/adapters/express'
import { SessionManager } from '../src/sessions/manager'
import type { OldExpressSessionStore } from '../src/sessions/migrate'
import type { SessionOptions } from '../src/sessions/options'
import { cookieStore } from '../src/sessions/stores/cookie'
import { fromExpressSessionStore } from '../src/sessions/stores/express_session'
import { memoryStore } from '../src/sessions/stores/memory'
import { SECRET, t_ } from './helpers/backends'
import { Client, isDeletion, type Reply, serveNode, setCookiesNamed } from './helpers/http'
import { startRedis } from './helpers/redis'
import { requires } from './helpers/requires'

const redisTest = requires('redis-server')

/** express-session's secret: short, as most are (keycard's own must be 32 bytes; this one need not). */
const OLD_SECRET = 'keyboard cat'
const OLD = 'connect.sid'
const NEW = 'keycard'
const HOUR = 3_600_000

type Data = Record<string, unknown>
const sessionOf = (req: IncomingMessage) => (req as unknown as { session: Data & { destroy(): void } }).session

// --- The two apps: before and after the switch ---------------------------------------------------

/** The app as it was: express-session on `store`, a login that keeps a user and a cart. */
function oldApp(store: expressSession.Store, secret: string | string[] = OLD_SECRET): RequestListener {
  const app = express()
  app.use(expressSession({ store, secret, resave: false, saveUninitialized: false, cookie: { maxAge: HOUR } }))
  app.post('/login', (req, res) => {
    Object.assign(sessionOf(req), { user: 'ada', cart: [1, 2], prefs: { theme: 'dark' } })
    res.json({ ok: true })
  })
  app.get('/me', (req, res) => res.json({ user: sessionOf(req).user ?? null }))
  return app as unknown as RequestListener
}

/** The app after the switch: keycard/express with `options` (migrateFrom among them). */
function newApp(options: SessionOptions): RequestListener {
  const app = express()
  app.use(keycardSession(options))
  app.get('/me', (req, res) => {
    const s = sessionOf(req)
    res.json({ user: s.user ?? null, cart: s.cart ?? null, prefs: s.prefs ?? null, keys: Object.keys(s) })
  })
  app.get('/count', (req, res) => {
    const s = sessionOf(req)
    s.n = ((s.n as number | undefined) ?? 0) + 1
    res.json({ user: s.user ?? null, n: s.n })
  })
  app.get('/logout', (req, res) => {
    sessionOf(req).destroy()
    res.json({ ok: true })
  })
  return app as unknown as RequestListener
}

/** One origin whose app can be swapped, as a deploy does: the browser (the jar) stays the same. */
async function switchable(t: ExecutionContext, first: RequestListener) {
  let current = first
  const { origin } = await serveNode(t, (req: IncomingMessage, res: ServerResponse) => current(req, res))
  return {
    client: new Client(origin),
    deploy(next: RequestListener) {
      current = next
    },
  }
}

/** Logs in under express-session and checks the old app sees the user: the starting point. */
async function loggedInUnderExpressSession(t: ExecutionContext, client: Client): Promise<string> {
  t.is((await client.request('/login', { method: 'POST' })).status, 200)
  t.deepEqual((await client.get('/me')).body, { user: 'ada' })
  const cookie = client.jar.get(OLD)
  if (cookie === undefined) throw new Error('express-session set no cookie')
  t.true(cookie.startsWith('s%3A'), `express-session writes its cookie URL-encoded: ${cookie}`)
  return cookie
}

/** The express-session id inside a connect.sid value as express-session wrote it. */
function sidOf(cookie: string): string {
  const signed = decodeURIComponent(cookie).slice(2)
  return signed.slice(0, signed.lastIndexOf('.'))
}

/** The first response after the switch: the user is there, a keycard cookie is set, connect.sid cleared. */
function assertMigrated(t: ExecutionContext, reply: Reply, client: Client) {
  t.is(reply.status, 200)
  t.like(reply.body, { user: 'ada', cart: [1, 2], prefs: { theme: 'dark' } })
  t.false((reply.body as { keys: string[] }).keys.includes('cookie'), "express-session's cookie field is not data")
  t.true(
    setCookiesNamed(reply, NEW).some((c) => !isDeletion(c)),
    'a keycard cookie is set',
  )
  const cleared = setCookiesNamed(reply, OLD)
  t.is(cleared.length, 1)
  t.true(isDeletion(cleared[0]!), 'connect.sid is cleared')
  t.is(cleared[0]!.attributes.path, '/')
  t.deepEqual(client.jar.names(), [NEW], 'the browser keeps only the keycard cookie')
}

// --- End to end ------------------------------------------------------------------------------------

redisTest(t_('express-session + connect-redis → keycard: the user stays logged in, on the same Redis'), async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const client = createClient({ url: redis.url })
  client.on('error', () => {})
  await client.connect()
  t.teardown(() => void client.destroy())
  const oldStore = () => new RedisStore({ client, prefix: 'sess:' })

  // Two keycard stores: the default sealed cookie, and the same Redis through connect-redis.
  for (const [label, store] of [
    ['cookie store', () => cookieStore()],
    ['connect-redis through fromExpressSessionStore', () => fromExpressSessionStore(new RedisStore({ client, prefix: 'kc:' }))],
  ] as const) {
    const invalid: string[] = []
    const site = await switchable(t, oldApp(oldStore()))
    const cookie = await loggedInUnderExpressSession(t, site.client)
    const key = `sess:${sidOf(cookie)}`
    t.is(await client.exists(key), 1, 'connect-redis holds the session')

    site.deploy(
      newApp({
        secret: SECRET,
        store: store(),
        onInvalid: (code) => invalid.push(code),
        migrateFrom: { expressSession: { store: oldStore(), secret: OLD_SECRET } },
      }),
    )
    assertMigrated(t, await site.client.get('/me'), site.client)
    // The next requests work from the keycard cookie alone, and keep working as a keycard session.
    const next = await site.client.get('/count')
    t.deepEqual(next.body, { user: 'ada', n: 1 }, label)
    t.deepEqual(setCookiesNamed(next, OLD), [], 'nothing more about connect.sid')
    t.deepEqual((await site.client.get('/count')).body, { user: 'ada', n: 2 }, label)
    t.deepEqual(invalid, [], label)
    // Kept in Redis by default (destroyOld: false), until connect-redis's TTL ends it.
    t.is(await client.exists(key), 1, `${label}: the old session is not destroyed`)
    t.true((await client.pTTL(key)) > 0)
  }
})

redisTest(t_('connect-redis down (redis-server paused): a fresh session, onInvalid reports it, never a 500'), async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const client = createClient({ url: redis.url })
  client.on('error', () => {})
  await client.connect()
  t.teardown(() => void client.destroy())
  const site = await switchable(t, oldApp(new RedisStore({ client, prefix: 'sess:' })))
  await loggedInUnderExpressSession(t, site.client)
  const invalid: string[] = []
  site.deploy(
    newApp({
      secret: SECRET,
      storeTimeout: '300ms',
      onInvalid: (code) => invalid.push(code),
      migrateFrom: { expressSession: { store: new RedisStore({ client, prefix: 'sess:' }), secret: OLD_SECRET } },
    }),
  )
  redis.pause()
  const down = await site.client.get('/me')
  redis.resume()
  t.is(down.status, 200)
  t.like(down.body, { user: null })
  t.deepEqual(invalid, ['ERR_MIGRATION_FAILED'])
  t.deepEqual(setCookiesNamed(down, OLD), [], 'the old cookie is kept for a later request')
  // Redis is back: the same browser migrates on its next request.
  assertMigrated(t, await site.client.get('/me'), site.client)
})

test(t_("express-session's MemoryStore → keycard memoryStore: logged in after the switch; logout sticks"), async (t) => {
  const old = new MemoryStore()
  const site = await switchable(t, oldApp(old))
  const cookie = await loggedInUnderExpressSession(t, site.client)
  site.deploy(
    newApp({ secret: SECRET, store: memoryStore(), migrateFrom: { expressSession: { store: old, secret: OLD_SECRET } } }),
  )
  assertMigrated(t, await site.client.get('/me'), site.client)
  t.like((await site.client.get('/me')).body, { user: 'ada' })

  // A logout in the very request that migrates clears connect.sid too: the user is not logged
  // back in from the old session on the next request.
  site.client.jar.clear()
  site.client.jar.set(OLD, cookie)
  const logout = await site.client.get('/logout')
  t.is(logout.status, 200)
  t.true(setCookiesNamed(logout, OLD).some(isDeletion))
  t.deepEqual(site.client.jar.names(), [])
  t.like((await site.client.get('/me')).body, { user: null })
})

test(t_('concurrent first requests of one browser all migrate (the old session is kept)'), async (t) => {
  const old = new MemoryStore()
  const site = await switchable(t, oldApp(old))
  const cookie = await loggedInUnderExpressSession(t, site.client)
  site.deploy(newApp({ secret: SECRET, migrateFrom: { expressSession: { store: old, secret: OLD_SECRET } } }))
  const header = `${OLD}=${cookie}`
  const replies = await Promise.all([1, 2, 3, 4].map(() => site.client.get('/me', { cookie: header })))
  for (const reply of replies) {
    t.like(reply.body, { user: 'ada' })
    t.true(setCookiesNamed(reply, OLD).some(isDeletion))
  }
})

// --- The manager, without HTTP ----------------------------------------------------------------------

/** A connect.sid value exactly as express-session writes it: `s:` + cookie-signature, URL-encoded. */
function connectSid(sid: string, secret: string | Buffer = OLD_SECRET): string {
  return encodeURIComponent(`s:${cookieSignature.sign(sid, secret)}`)
}

/** Puts a session into an express-session store, as express-session would have. */
function put(store: MemoryStore, sid: string, data: Data, expires = new Date(Date.now() + HOUR)): Promise<void> {
  const session = { cookie: { originalMaxAge: HOUR, expires: expires.toISOString(), httpOnly: true, path: '/' }, ...data }
  return new Promise((resolve, reject) => store.set(sid, session as never, (err) => (err ? reject(err) : resolve())))
}

/** An old store that counts its `get` calls. */
function spied(store: OldExpressSessionStore) {
  const spy = {
    gets: 0,
    get(sid: string, cb: (err?: unknown, value?: unknown) => void) {
      spy.gets++
      return store.get(sid, cb)
    },
  }
  return spy
}

function manager(store: OldExpressSessionStore, extra: Partial<SessionOptions> = {}, secret: string | string[] = OLD_SECRET) {
  const invalid: string[] = []
  const sessions = new SessionManager({
    secret: SECRET,
    store: memoryStore(),
    onInvalid: (code) => invalid.push(code),
    ...extra,
    migrateFrom: { expressSession: { store, secret, ...extra.migrateFrom?.expressSession } },
  })
  return { sessions, invalid }
}

/** One request: load with `cookie`, commit; the session data and the Set-Cookie lines. */
async function request(sessions: SessionManager, cookie: string | undefined) {
  const s = await sessions.load(cookie)
  const data = { ...s.toJSON() }
  const lines = await sessions.commit(s)
  return { data, lines, old: lines.filter((l) => l.startsWith(`${OLD}=`)), kept: lines.filter((l) => l.startsWith(`${NEW}=`)) }
}

const CLEAR_OLD = `${OLD}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Secure; SameSite=Lax`

test(t_('manager: a migrated session is new, keeps the data but not the cookie field, and is saved unchanged'), async (t) => {
  // As a store parses it: a "__proto__" key is an own property of the parsed object.
  const parsed = JSON.parse('{"cookie":{"expires":null},"user":"ada","__proto__":{"admin":true}}')
  const { sessions, invalid } = manager({ get: (_sid, cb) => cb(null, parsed) })
  const s = await sessions.load(`${OLD}=${connectSid('old-sid-1')}`)
  t.true(s.isNew)
  // Read nothing, change nothing: still saved (a new session with data), old cookie cleared.
  const lines = await sessions.commit(s)
  t.is(lines.length, 2)
  t.true(lines[0]!.startsWith(`${NEW}=`))
  t.is(lines[1], CLEAR_OLD)
  t.deepEqual(invalid, [])
  const next = await sessions.load(lines[0]!.split(';')[0])
  t.false(next.isNew)
  t.is(next.user, 'ada')
  t.false('cookie' in next)
  t.is((next as Data).admin, undefined, 'a "__proto__" key stays data')
  t.deepEqual(next.get('__proto__'), { admin: true })
  t.deepEqual(await sessions.commit(next), [], 'an unchanged keycard session: nothing to send')
})

test(t_('manager: forged, unsigned, wrong-secret or empty connect.sid → a fresh session, nothing loaded'), async (t) => {
  const old = new MemoryStore()
  await put(old, 'real-sid', { user: 'ada' })
  const store = spied(old)
  const { sessions, invalid } = manager(store)
  const good = decodeURIComponent(connectSid('real-sid'))
  const cases = {
    unsigned: 'real-sid',
    'unsigned with s:': 's:real-sid',
    'tag altered': good.slice(0, -1) + (good.endsWith('A') ? 'B' : 'A'),
    'tag truncated': good.slice(0, -2),
    'wrong secret': decodeURIComponent(connectSid('real-sid', 'another express-session secret')),
    'another id, the same tag': good.replace('real-sid', 'real-sie'),
    'empty id': `s:${cookieSignature.sign('', OLD_SECRET)}`,
    'bad URL encoding': `${connectSid('real-sid')}%E0%A4%A`,
  }
  for (const [label, value] of Object.entries(cases)) {
    invalid.length = 0
    const reply = await request(sessions, `${OLD}=${value}`)
    t.deepEqual(reply.data, {}, label)
    t.deepEqual(reply.lines, [], `${label}: no cookie set, the old one not cleared`)
    t.deepEqual(invalid, ['ERR_MIGRATION_REFUSED'], label)
  }
  t.is(store.gets, 0, 'the old store is never asked for an id that did not verify')
  // Control: the real one, decoded or URL-encoded as express-session writes it.
  t.like((await request(sessions, `${OLD}=${good}`)).data, { user: 'ada' })
  t.like((await request(sessions, `${OLD}=${connectSid('real-sid')}`)).data, { user: 'ada' })
  t.like(
    (await request(sessions, `${OLD}="${connectSid('real-sid')}"`)).data,
    { user: 'ada' },
    'quoted, as cookie.parse takes it',
  )
})

test(t_('manager: only without a keycard cookie: a valid, refused or chunk keycard cookie means no migration'), async (t) => {
  const old = new MemoryStore()
  await put(old, 'real-sid', { user: 'ada' })
  const store = spied(old)
  const { sessions } = manager(store)
  const anonymous = await sessions.load(undefined)
  anonymous.theme = 'dark'
  const keycard = (await sessions.commit(anonymous))[0]!.split(';')[0]!
  const oldCookie = `${OLD}=${connectSid('real-sid')}`
  for (const [label, header] of [
    ['a valid keycard session', `${keycard}; ${oldCookie}`],
    ['a refused keycard cookie (forged, expired, revoked...)', `${NEW}=forged; ${oldCookie}`],
    ['a lone chunk cookie', `${NEW}.1=x; ${oldCookie}`],
  ] as const) {
    const reply = await request(sessions, header)
    t.is(reply.data.user, undefined, label)
    t.deepEqual(reply.old, [], `${label}: connect.sid left alone`)
  }
  t.is(store.gets, 0)
})

test(
  t_('manager: the old store failing, throwing or silent → a fresh session and ERR_MIGRATION_FAILED, never a throw'),
  async (t) => {
    const failing: Record<string, OldExpressSessionStore> = {
      'calls back with an error': { get: (_sid, cb) => cb(new Error('ECONNREFUSED')) },
      throws: {
        get: () => {
          throw new Error('boom')
        },
      },
      'rejects (async store)': { get: async () => Promise.reject(new Error('down')) },
      'never answers': { get: () => undefined },
    }
    for (const [label, store] of Object.entries(failing)) {
      const { sessions, invalid } = manager(store, { storeTimeout: 50 })
      const reply = await request(sessions, `${OLD}=${connectSid('real-sid')}`)
      t.deepEqual(reply.data, {}, label)
      t.deepEqual(reply.lines, [], `${label}: the old cookie is kept for a later request`)
      t.deepEqual(invalid, ['ERR_MIGRATION_FAILED'], label)
    }
  },
)

test(t_('manager: an old session that is gone or expired → fresh; its cookie is cleared, nothing reported'), async (t) => {
  const old = new MemoryStore()
  // A store that returns sessions past express-session's own expiry (not every store checks it).
  const lenient: OldExpressSessionStore = {
    get: (_sid, cb) => cb(null, { cookie: { expires: new Date(Date.now() - 1000).toISOString() }, user: 'ada' }),
  }
  for (const [label, store] of [
    ['unknown id', old],
    ['expired (cookie.expires)', lenient],
  ] as const) {
    const { sessions, invalid } = manager(store)
    const reply = await request(sessions, `${OLD}=${connectSid('gone')}`)
    t.deepEqual(reply.data, {}, label)
    t.deepEqual(reply.old, [CLEAR_OLD], label)
    t.deepEqual(reply.kept, [], label)
    t.deepEqual(invalid, [], label)
  }
})

test(
  t_('manager: a session keycard cannot hold (not JSON, too large for the cookie store) → fresh, ERR_MIGRATION_FAILED'),
  async (t) => {
    const huge = { cookie: {}, blob: 'x'.repeat(20_000) }
    const cases: Array<[string, unknown, SessionOptions['store']]> = [
      ['a BigInt', { cookie: {}, n: 1n }, memoryStore()],
      [
        'a cycle',
        (() => {
          const o: Data = { cookie: {} }
          o.self = o
          return o
        })(),
        memoryStore(),
      ],
      ['not an object', 'user=ada', memoryStore()],
      ['20 KB into a 12 KB cookie store', huge, cookieStore()],
    ]
    for (const [label, value, store] of cases) {
      const { sessions, invalid } = manager({ get: (_sid, cb) => cb(null, value) }, { store })
      const reply = await request(sessions, `${OLD}=${connectSid('sid')}`)
      t.deepEqual(reply.data, {}, label)
      t.deepEqual(reply.lines, [], label)
      t.deepEqual(invalid, ['ERR_MIGRATION_FAILED'], label)
    }
    // Control: the same 20 KB into a server store, and 6 KB into the cookie store (three chunks).
    const server = manager({ get: (_sid, cb) => cb(null, huge) })
    t.is((await request(server.sessions, `${OLD}=${connectSid('sid')}`)).data.blob, huge.blob)
    const six = manager({ get: (_sid, cb) => cb(null, { cookie: {}, blob: 'x'.repeat(6000) }) }, { store: cookieStore() })
    const reply = await request(six.sessions, `${OLD}=${connectSid('sid')}`)
    t.is((reply.data.blob as string).length, 6000)
    t.deepEqual(six.invalid, [])
  },
)

test(
  t_('manager: secret rotation (an array of old secrets), short, long and byte secrets verify as in express-session'),
  async (t) => {
    const old = new MemoryStore()
    await put(old, 'sid', { user: 'ada' })
    const LONG = 'a much longer express-session secret, over the 64-byte HMAC block, so HMAC hashes it first'
    const BYTES = Buffer.from('c0ffee00c0ffee00', 'hex')
    // Each secret signs as express-session (cookie-signature) would; the list verifies them all.
    const { sessions, invalid } = manager(old, {}, ['newest secret', OLD_SECRET, LONG])
    for (const secret of ['newest secret', OLD_SECRET, LONG]) {
      t.like((await request(sessions, `${OLD}=${connectSid('sid', secret)}`)).data, { user: 'ada' }, secret)
    }
    t.deepEqual(invalid, [])
    // A secret no longer listed is refused.
    const rotated = manager(old, {}, ['newest secret'])
    t.deepEqual((await request(rotated.sessions, `${OLD}=${connectSid('sid', OLD_SECRET)}`)).data, {})
    t.deepEqual(rotated.invalid, ['ERR_MIGRATION_REFUSED'])
    // Bytes, and a 1-byte secret: HMAC zero-pads them as cookie-signature's does.
    for (const secret of [BYTES, Buffer.from('k')]) {
      const bytes = new SessionManager({
        secret: SECRET,
        store: memoryStore(),
        migrateFrom: { expressSession: { store: old, secret } },
      })
      t.like((await request(bytes, `${OLD}=${connectSid('sid', secret)}`)).data, { user: 'ada' })
    }
  },
)

test(t_('express-session with a secret array signs with the first: keycard reads the cookies of each era'), async (t) => {
  const old = new MemoryStore()
  // An app that rotated its express-session secret once already: a user of each era.
  const before = await switchable(t, oldApp(old, ['era one secret']))
  await loggedInUnderExpressSession(t, before.client)
  const after = await switchable(t, oldApp(old, ['era two secret', 'era one secret']))
  await loggedInUnderExpressSession(t, after.client)
  const options: SessionOptions = {
    secret: SECRET,
    migrateFrom: { expressSession: { store: old, secret: ['era two secret', 'era one secret'] } },
  }
  for (const site of [before, after]) {
    site.deploy(newApp(options))
    assertMigrated(t, await site.client.get('/me'), site.client)
  }
})

test(t_('manager: destroyOld deletes the old session once migrated: a stolen copy of connect.sid no longer works'), async (t) => {
  const old = new MemoryStore()
  await put(old, 'sid', { user: 'ada' })
  const cookie = `${OLD}=${connectSid('sid')}`
  // Default: kept, so a copy of the old cookie (with no keycard cookie) migrates again until the
  // old store expires it. This is the documented trade of the default.
  const keep = manager(old)
  t.like((await request(keep.sessions, cookie)).data, { user: 'ada' })
  t.like((await request(keep.sessions, cookie)).data, { user: 'ada' })
  // destroyOld: the first migration consumes it.
  const consume = manager(old, { migrateFrom: { expressSession: { destroyOld: true } as never } })
  const first = await request(consume.sessions, cookie)
  t.like(first.data, { user: 'ada' })
  t.deepEqual(first.old, [CLEAR_OLD])
  const stolen = await request(consume.sessions, cookie)
  t.deepEqual(stolen.data, {})
  t.deepEqual(consume.invalid, [])
  const left = await new Promise((resolve) => old.get('sid', (_err, value) => resolve(value)))
  t.falsy(left)
  // A destroy that fails is reported, and the response still goes out with the new session.
  const broken = manager(
    { get: (_sid, cb) => cb(null, { cookie: {}, user: 'ada' }), destroy: (_sid, cb) => cb(new Error('down')) },
    { migrateFrom: { expressSession: { destroyOld: true } as never } },
  )
  const reply = await request(broken.sessions, cookie)
  t.is(reply.kept.length, 1)
  t.deepEqual(reply.old, [CLEAR_OLD])
  t.deepEqual(broken.invalid, ['ERR_MIGRATION_FAILED'])
})

test(t_('manager: the old cookie is cleared with its own path and domain'), async (t) => {
  const old = new MemoryStore()
  await put(old, 'sid', { user: 'ada' })
  const { sessions } = manager(old, {
    migrateFrom: { expressSession: { name: 'app.sid', path: '/app', domain: 'Example.com' } as never },
  })
  const reply = await sessions.commit(await sessions.load(`app.sid=${connectSid('sid')}`))
  t.is(
    reply[1],
    'app.sid=; Domain=example.com; Path=/app; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Secure; SameSite=Lax',
  )
})

test(t_('options: migrateFrom is checked at start-up (ERR_BAD_CONFIG naming it)'), (t) => {
  const store = new MemoryStore()
  const bad: Array<[unknown, RegExp]> = [
    ['yes', /migrateFrom must be/],
    [{ express: { store, secret: OLD_SECRET } }, /unknown session option `migrateFrom.express`/],
    [{ expressSession: null }, /must be \{ store, secret/],
    [{ expressSession: { secret: OLD_SECRET } }, /store must be an express-session store/],
    [{ expressSession: { store: {}, secret: OLD_SECRET } }, /store must be an express-session store/],
    [{ expressSession: { store: fromExpressSessionStore(store), secret: OLD_SECRET } }, /not a keycard store/],
    [{ expressSession: { store: memoryStore(), secret: OLD_SECRET } }, /not a keycard store/],
    [{ expressSession: { store } }, /secret must be/],
    [{ expressSession: { store, secret: '' } }, /secret must not be empty/],
    [{ expressSession: { store, secret: [] } }, /secret must be/],
    [{ expressSession: { store, secret: [OLD_SECRET, 42] } }, /secret must be/],
    [
      { expressSession: { store, secret: OLD_SECRET, secrets: [] } },
      /unknown session option `migrateFrom.expressSession.secrets`: did you mean `migrateFrom.expressSession.secret`/,
    ],
    [{ expressSession: { store, secret: OLD_SECRET, name: NEW } }, /keycard's own cookie/],
    [{ expressSession: { store, secret: OLD_SECRET, name: `${NEW}.2` } }, /keycard's own cookie/],
    [{ expressSession: { store, secret: OLD_SECRET, name: 'a b' } }, /name, path or domain/],
    [{ expressSession: { store, secret: OLD_SECRET, path: 'app' } }, /name, path or domain/],
    [{ expressSession: { store, secret: OLD_SECRET, domain: 'exa mple.com' } }, /name, path or domain/],
    [{ expressSession: { store, secret: OLD_SECRET, destroyOld: 'yes' } }, /destroyOld must be true or false/],
    [
      { expressSession: { store: { get: store.get }, secret: OLD_SECRET, destroyOld: true } },
      /destroyOld needs a store with destroy/,
    ],
  ]
  for (const [migrateFrom, message] of bad) {
    const err = t.throws(() => new SessionManager({ secret: SECRET, migrateFrom: migrateFrom as never }), {
      code: 'ERR_BAD_CONFIG',
    })
    t.regex(err?.message ?? '', message, JSON.stringify(migrateFrom))
  }
  // Control.
  t.notThrows(
    () =>
      new SessionManager({
        secret: SECRET,
        migrateFrom: {
          expressSession: { store, secret: [OLD_SECRET, Buffer.from('k')], name: 'sid', path: '/', destroyOld: true },
        },
      }),
  )
})
