/**
 * The stacks of bench/sessions.ts: one app per framework and contender, each serving the same two
 * routes, and a driver that sends it one request in process (no socket):
 *
 * - `GET /write`: load the session, `views = (views ?? 0) + 1`, commit; answers the new count.
 * - `GET /read`: load the session and read `views`; answers it (`0` when unset). Nothing changes,
 *   so a contender that only writes changed sessions sends no Set-Cookie.
 *
 * A bare app (same routes, no session) per framework is the floor the others are measured above:
 * its /write counts in the app, its /read answers `1` (what a read stack's session holds).
 *
 * Drivers: light-my-request for node:http handlers, Express apps and Koa's `app.callback()`,
 * Fastify's `app.inject` (light-my-request inside), Hono's `app.request` (a Web Request through
 * `app.fetch`). Every Set-Cookie line of a response goes into the stack's jar, and the jar's
 * cookies go with the next request, as a browser would send them.
 *
 * express-session, cookie-session, @fastify/secure-session and @fastify/session are loaded with
 * `require` and typed here: their type declarations augment `Express.Request.session` and
 * `FastifyRequest.session`, as keycard's adapters do, and the two would conflict in one program.
 */

import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomBytes } from 'node:crypto'
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import express, { type Request, type Response } from 'express'
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify'
import { Hono } from 'hono'
import { CookieStore as HonoCookieStore, type Session as HonoSession, sessionMiddleware } from 'hono-sessions'
import { getIronSession } from 'iron-session'
import Koa, { type Context as KoaContext } from 'koa'
import koaSession from 'koa-session'
import inject from 'light-my-request'
import { type Counter, type KeycardOptions, type KeycardSession, type KeycardStore, keycard } from './keycard'

export type Framework = 'node' | 'express' | 'fastify' | 'koa' | 'hono'
export const FRAMEWORKS: readonly Framework[] = ['node', 'express', 'fastify', 'koa', 'hono']
export type Route = 'write' | 'read'
export const ROUTES: readonly Route[] = ['write', 'read']
export type Path = '/write' | '/read'

/** What a driver brings back from one request. */
export interface Reply {
  status: number
  body: string
  setCookie: readonly string[]
}

/** Sends `GET path` with this Cookie header (or none) to the stack's app, in process. */
export type Send = (path: Path, cookie: string | undefined) => Promise<Reply>

export type Kind = 'bare' | 'keycard' | 'peer'

export interface Contender {
  framework: Framework
  /** Part of the stack id: `<framework>-<name>-<route>`, e.g. `express-keycard-cookie-write`. */
  name: string
  /** What the tables show. */
  label: string
  kind: Kind
  /** keycard's store, for keycard rows. */
  store?: 'cookie' | 'memory' | 'redis'
  /** Needs the bench's redis-server (bench/sessions/redis.ts); selected only by `--only=redis`. */
  redis?: boolean
  /** Where the session lives (bare: nowhere). */
  state: 'none' | 'cookie' | 'server'
  /** Slow contenders (WebCrypto/PBKDF2 per request) send this share of the requests per round. */
  share?: number
  /** A new app with both routes, and its driver. */
  make(): Promise<Send>
}

/** 44 characters: over keycard's 32-byte minimum and iron-session's 32-character minimum. */
export const SECRET = 'bench-secret-0123456789abcdefghijklmnopqrstu'

const TEXT = 'text/plain; charset=utf-8'

function list(header: string | string[] | number | undefined): readonly string[] {
  if (header === undefined) return []
  return Array.isArray(header) ? header : [String(header)]
}

// --- Drivers -----------------------------------------------------------------------------------

/** light-my-request: the handler gets a fake IncomingMessage/ServerResponse pair. */
export function injectDriver(handler: RequestListener): Send {
  return async (path, cookie) => {
    const res = await inject(handler, { method: 'GET', url: path, headers: cookie === undefined ? {} : { cookie } })
    return { status: res.statusCode, body: res.payload, setCookie: list(res.headers['set-cookie']) }
  }
}

async function fastifyDriver(app: FastifyInstance): Promise<Send> {
  await app.ready()
  return async (path, cookie) => {
    const res = await app.inject({ method: 'GET', url: path, headers: cookie === undefined ? {} : { cookie } })
    return { status: res.statusCode, body: res.payload, setCookie: list(res.headers['set-cookie']) }
  }
}

// biome-ignore lint/suspicious/noExplicitAny: any Hono app, whatever its Env
function honoDriver(app: Hono<any>): Send {
  return async (path, cookie) => {
    const res = await app.request(path, cookie === undefined ? undefined : { headers: { cookie } })
    return { status: res.status, body: await res.text(), setCookie: res.headers.getSetCookie() }
  }
}

// --- node:http ---------------------------------------------------------------------------------

function text(res: ServerResponse, value: number): void {
  res.setHeader('content-type', TEXT)
  res.end(String(value))
}

function fail(res: ServerResponse, err: unknown): void {
  console.error(err)
  res.statusCode = 500
  res.end(String(err))
}

function bareNode(): RequestListener {
  let hits = 0
  return (req, res) => text(res, req.url === '/write' ? ++hits : 1)
}

function keycardOnNode(options: KeycardOptions): RequestListener {
  const sessions = keycard.node(options)
  return (req, res) => {
    sessions
      .load(req)
      .then(async (s) => {
        if (req.url !== '/write') return text(res, s.views ?? 0)
        s.views = (s.views ?? 0) + 1
        await sessions.commit(s, res)
        text(res, s.views)
      })
      .catch((err) => fail(res, err))
  }
}

const IRON = { password: SECRET, cookieName: 'iron', cookieOptions: { secure: false } } as const

function ironOnNode(): RequestListener {
  return (req, res) => {
    getIronSession<Counter>(req, res, IRON)
      .then(async (s) => {
        if (req.url !== '/write') return text(res, s.views ?? 0)
        s.views = (s.views ?? 0) + 1
        await s.save()
        text(res, s.views)
      })
      .catch((err) => fail(res, err))
  }
}

// The hand-rolled reference: base64url(iv || ciphertext || tag) of the session JSON in cookie
// `gcm`, AES-256-GCM on node:crypto. Open the cookie, JSON.parse, change, JSON.stringify, seal,
// Set-Cookie; no expiry, no key ids, no purpose binding, no cookie rules: the least a sealed
// cookie session can do, and so the floor for keycard/node's cookie store.

const GCM_KEY = createSecretKey(Buffer.from(hkdfSync('sha256', SECRET, '', 'bench/sessions gcm', 32)))
const GCM = { authTagLength: 16 } as const

function gcmSeal(data: Counter): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', GCM_KEY, iv, GCM)
  const head = cipher.update(JSON.stringify(data), 'utf8')
  const last = cipher.final()
  return Buffer.concat([iv, head, last, cipher.getAuthTag()]).toString('base64url')
}

function gcmOpen(sealed: string): Counter | null {
  const bytes = Buffer.from(sealed, 'base64url')
  if (bytes.length < 12 + 16) return null
  try {
    const decipher = createDecipheriv('aes-256-gcm', GCM_KEY, bytes.subarray(0, 12), GCM)
    decipher.setAuthTag(bytes.subarray(bytes.length - 16))
    const head = decipher.update(bytes.subarray(12, bytes.length - 16))
    const data: unknown = JSON.parse(Buffer.concat([head, decipher.final()]).toString('utf8'))
    return typeof data === 'object' && data !== null ? (data as Counter) : null
  } catch {
    return null
  }
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

function gcmOnNode(): RequestListener {
  return (req, res) => {
    const value = cookieValue(req.headers.cookie, 'gcm')
    const s = (value === undefined ? null : gcmOpen(value)) ?? {}
    if (req.url !== '/write') return text(res, s.views ?? 0)
    s.views = (s.views ?? 0) + 1
    res.setHeader('set-cookie', `gcm=${gcmSeal(s)}; Path=/; HttpOnly; SameSite=Lax`)
    text(res, s.views)
  }
}

// --- Express 5 ---------------------------------------------------------------------------------

export type NodeMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void

const expressSession = require('express-session') as (options: {
  secret: string
  resave: boolean
  saveUninitialized: boolean
  cookie: { secure: boolean }
}) => NodeMiddleware
const cookieSession = require('cookie-session') as (options: { name: string; keys: string[]; secure: boolean }) => NodeMiddleware

export function expressApp(middleware?: NodeMiddleware): RequestListener {
  const app = express()
  if (middleware) app.use(middleware)
  app.get('/write', (req: Request, res: Response) => {
    const s = (req as unknown as { session: Counter }).session
    s.views = (s.views ?? 0) + 1
    res.type(TEXT).send(String(s.views))
  })
  app.get('/read', (req: Request, res: Response) => {
    const s = (req as unknown as { session: Counter }).session
    res.type(TEXT).send(String(s.views ?? 0))
  })
  return app as unknown as RequestListener
}

function bareExpress(): RequestListener {
  let hits = 0
  const app = express()
  app.get('/write', (_req: Request, res: Response) => {
    res.type(TEXT).send(String(++hits))
  })
  app.get('/read', (_req: Request, res: Response) => {
    res.type(TEXT).send('1')
  })
  return app as unknown as RequestListener
}

// --- Fastify 5 ---------------------------------------------------------------------------------

/** @fastify/secure-session 8 and @fastify/session 11 (with @fastify/cookie 11): both use get/set. */
interface FastifyGetSet {
  get(key: 'views'): number | undefined
  set(key: 'views', value: number): void
}
const fastifySecureSession = require('@fastify/secure-session') as FastifyPluginAsync<{
  key: Buffer
  cookieName: string
  cookie: { path: string; httpOnly: boolean; secure: boolean; sameSite: 'lax' }
}>
const fastifySession = require('@fastify/session') as FastifyPluginAsync<{
  secret: string
  saveUninitialized: boolean
  cookie: { secure: boolean }
}>
const fastifyCookie = require('@fastify/cookie') as FastifyPluginAsync

/** A fixed 32-byte key (crypto_secretbox_KEYBYTES) for @fastify/secure-session. */
const SECURE_SESSION_KEY = Buffer.from(hkdfSync('sha256', SECRET, '', 'bench/sessions secure-session', 32))

function send(reply: FastifyReply, value: number | undefined) {
  return reply.type(TEXT).send(String(value ?? 0))
}

/** Routes over a session with get/set (the Fastify peers). */
function getSetRoutes(app: FastifyInstance): void {
  const of = (request: FastifyRequest) => (request as unknown as { session: FastifyGetSet }).session
  app.get('/write', async (request, reply) => {
    const s = of(request)
    const views = (s.get('views') ?? 0) + 1
    s.set('views', views)
    return send(reply, views)
  })
  app.get('/read', async (request, reply) => send(reply, of(request).get('views')))
}

/** Routes over a session with data as properties (keycard). */
function propertyRoutes(app: FastifyInstance): void {
  const of = (request: FastifyRequest) => (request as unknown as { session: KeycardSession }).session
  app.get('/write', async (request, reply) => {
    const s = of(request)
    s.views = (s.views ?? 0) + 1
    return send(reply, s.views)
  })
  app.get('/read', async (request, reply) => send(reply, of(request).views))
}

function bareFastify(): FastifyInstance {
  let hits = 0
  const app = Fastify({ logger: false })
  app.get('/write', async (_request, reply) => send(reply, ++hits))
  app.get('/read', async (_request, reply) => send(reply, 1))
  return app
}

// --- Koa 3 -------------------------------------------------------------------------------------

function koaRoutes(ctx: KoaContext): void {
  const s = ctx.session as unknown as Counter
  ctx.type = TEXT
  if (ctx.path !== '/write') {
    ctx.body = String(s.views ?? 0)
    return
  }
  s.views = (s.views ?? 0) + 1
  ctx.body = String(s.views)
}

function koaApp(setup: (app: Koa) => void): RequestListener {
  const app = new Koa()
  setup(app)
  app.use(koaRoutes)
  return app.callback()
}

function bareKoa(): RequestListener {
  let hits = 0
  const app = new Koa()
  app.use((ctx) => {
    ctx.type = TEXT
    ctx.body = String(ctx.path === '/write' ? ++hits : 1)
  })
  return app.callback()
}

// --- Hono 4 ------------------------------------------------------------------------------------

type KeycardEnv = { Variables: { session: KeycardSession } }

function keycardRoutes(app: Hono<KeycardEnv>): Hono<KeycardEnv> {
  app.get('/write', (c) => {
    const s = c.get('session')
    s.views = (s.views ?? 0) + 1
    return c.text(String(s.views))
  })
  app.get('/read', (c) => c.text(String(c.get('session').views ?? 0)))
  return app
}

function bareHono(): Hono {
  let hits = 0
  const app = new Hono()
  app.get('/write', (c) => c.text(String(++hits)))
  app.get('/read', (c) => c.text('1'))
  return app
}

/** keycard/fetch inside Hono handlers: load from the Web Request, commit onto the Response. */
function keycardFetchOnHono(options: KeycardOptions): Hono {
  const sessions = keycard.fetch(options)
  const app = new Hono()
  app.get('/write', async (c) => {
    const s = await sessions.load(c.req.raw)
    s.views = (s.views ?? 0) + 1
    return sessions.commit(s, c.text(String(s.views)))
  })
  app.get('/read', async (c) => {
    const s = await sessions.load(c.req.raw)
    return sessions.commit(s, c.text(String(s.views ?? 0)))
  })
  return app
}

function honoSessions(): Hono {
  const app = new Hono<{ Variables: { session: HonoSession<Counter>; session_key_rotation: boolean } }>()
  app.use(
    '*',
    sessionMiddleware({
      store: new HonoCookieStore(),
      encryptionKey: SECRET, // iron-webcrypto's password: at least 32 characters
      cookieOptions: { path: '/', httpOnly: true, sameSite: 'Lax' },
    }),
  )
  app.get('/write', (c) => {
    const s = c.get('session')
    const views = (s.get('views') ?? 0) + 1
    s.set('views', views)
    return c.text(String(views))
  })
  app.get('/read', (c) => c.text(String(c.get('session').get('views') ?? 0)))
  return app as unknown as Hono
}

// --- The contenders ----------------------------------------------------------------------------

function options(store: KeycardStore): KeycardOptions {
  return { secret: SECRET, store, cookie: { secure: false } }
}

const STORES = { cookie: () => keycard.cookieStore(), memory: () => keycard.memoryStore() } as const

/** keycard on one framework, on both stores. */
function keycardContenders(
  framework: Framework,
  adapter: string,
  make: (store: KeycardStore) => Promise<Send>,
  prefix = 'keycard',
): Contender[] {
  return (['cookie', 'memory'] as const).map((store) => ({
    framework,
    name: `${prefix}-${store}`,
    label: `${adapter} ${store === 'cookie' ? 'cookieStore' : 'memoryStore'}`,
    kind: 'keycard' as const,
    store,
    state: store === 'cookie' ? ('cookie' as const) : ('server' as const),
    make: () => make(STORES[store]()),
  }))
}

export const CONTENDERS: readonly Contender[] = [
  // node:http
  {
    framework: 'node',
    name: 'bare',
    label: 'node:http (bare)',
    kind: 'bare',
    state: 'none',
    make: async () => injectDriver(bareNode()),
  },
  ...keycardContenders('node', 'keycard/node', async (store) => injectDriver(keycardOnNode(options(store)))),
  {
    framework: 'node',
    name: 'gcm',
    label: 'hand-rolled AES-256-GCM cookie',
    kind: 'peer',
    state: 'cookie',
    make: async () => injectDriver(gcmOnNode()),
  },
  {
    framework: 'node',
    name: 'iron-session',
    label: 'iron-session',
    kind: 'peer',
    state: 'cookie',
    share: 0.1,
    make: async () => injectDriver(ironOnNode()),
  },
  // Express 5
  {
    framework: 'express',
    name: 'bare',
    label: 'express (bare)',
    kind: 'bare',
    state: 'none',
    make: async () => injectDriver(bareExpress()),
  },
  ...keycardContenders('express', 'keycard/express', async (store) => injectDriver(expressApp(keycard.express(options(store))))),
  {
    framework: 'express',
    name: 'express-session',
    label: 'express-session (MemoryStore)',
    kind: 'peer',
    state: 'server',
    make: async () =>
      injectDriver(
        expressApp(expressSession({ secret: SECRET, resave: false, saveUninitialized: false, cookie: { secure: false } })),
      ),
  },
  {
    framework: 'express',
    name: 'cookie-session',
    label: 'cookie-session',
    kind: 'peer',
    state: 'cookie',
    make: async () => injectDriver(expressApp(cookieSession({ name: 'session', keys: [SECRET], secure: false }))),
  },
  // Fastify 5
  {
    framework: 'fastify',
    name: 'bare',
    label: 'fastify (bare)',
    kind: 'bare',
    state: 'none',
    make: () => fastifyDriver(bareFastify()),
  },
  ...keycardContenders('fastify', 'keycard/fastify', async (store) => {
    const app = Fastify({ logger: false })
    await app.register(keycard.fastify, options(store))
    propertyRoutes(app)
    return fastifyDriver(app)
  }),
  {
    framework: 'fastify',
    name: 'secure-session',
    label: '@fastify/secure-session',
    kind: 'peer',
    state: 'cookie',
    make: async () => {
      const app = Fastify({ logger: false })
      await app.register(fastifySecureSession, {
        key: SECURE_SESSION_KEY,
        cookieName: 'session',
        cookie: { path: '/', httpOnly: true, secure: false, sameSite: 'lax' },
      })
      getSetRoutes(app)
      return fastifyDriver(app)
    },
  },
  {
    framework: 'fastify',
    name: 'fastify-session',
    label: '@fastify/session (memory)',
    kind: 'peer',
    state: 'server',
    make: async () => {
      const app = Fastify({ logger: false })
      await app.register(fastifyCookie)
      // The default store is @fastify/session's in-memory MemoryStore; `rolling` defaults to true.
      await app.register(fastifySession, { secret: SECRET, saveUninitialized: false, cookie: { secure: false } })
      getSetRoutes(app)
      return fastifyDriver(app)
    },
  },
  // Koa 3
  { framework: 'koa', name: 'bare', label: 'koa (bare)', kind: 'bare', state: 'none', make: async () => injectDriver(bareKoa()) },
  ...keycardContenders('koa', 'keycard/koa', async (store) =>
    injectDriver(koaApp((app) => app.use(keycard.koa(options(store))))),
  ),
  {
    framework: 'koa',
    name: 'koa-session',
    label: 'koa-session (cookie)',
    kind: 'peer',
    state: 'cookie',
    make: async () =>
      injectDriver(
        koaApp((app) => {
          app.keys = [SECRET]
          app.use(koaSession({ key: 'koa.sess', secure: false, httpOnly: true, signed: true }, app))
        }),
      ),
  },
  // Hono 4
  {
    framework: 'hono',
    name: 'bare',
    label: 'hono (bare)',
    kind: 'bare',
    state: 'none',
    make: async () => honoDriver(bareHono()),
  },
  ...keycardContenders('hono', 'keycard/hono', async (store) => {
    const app = new Hono<KeycardEnv>()
    app.use(keycard.hono(options(store)))
    return honoDriver(keycardRoutes(app))
  }),
  ...keycardContenders('hono', 'keycard/fetch', async (store) => honoDriver(keycardFetchOnHono(options(store))), 'keycard-fetch'),
  {
    framework: 'hono',
    name: 'hono-sessions',
    label: 'hono-sessions (CookieStore)',
    kind: 'peer',
    state: 'cookie',
    share: 0.1,
    make: async () => honoDriver(honoSessions()),
  },
]
