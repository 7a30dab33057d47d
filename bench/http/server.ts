/**
 * One benchmark server per process, started by bench/http.ts with `fork()`:
 * `node --import tsx bench/http/server.ts <config>`. It listens on 127.0.0.1 with an ephemeral
 * port and reports `{ port, backend }` over IPC. Every configuration serves one route, `GET /`,
 * that reads the counter `views` from the session, stores `views + 1` and answers with the new
 * number as text/plain. The two bare configurations have no session: they count in a process
 * global, so their response is the same shape (the ceiling for everything else).
 *
 * keycard's express adapter augments `Express.Request.session` for the whole TypeScript program,
 * so express-session and cookie-session are loaded with `require` (their type augmentations
 * would conflict with it) and every Express handler reads `req.session.views` through the same
 * `Counter` view of whatever session object the middleware installed. For the same reason
 * (keycard/fastify augments `FastifyRequest.session`), @fastify/secure-session, @fastify/session
 * and connect-redis (its types pull in express-session's) are loaded with `require` too.
 *
 * Fastify, Koa and Hono serve through the same node:http server as the others: Fastify's own
 * request handler (taken from `serverFactory`, after `app.ready()`), Koa's `app.callback()` and
 * @hono/node-server's `getRequestListener(app.fetch)` (what its `serve()` runs).
 *
 * The Redis configurations use the redis-server that bench/http.ts starts (env `BENCH_REDIS_URL`):
 * express-session with connect-redis 9 (node-redis 5 client) and keycard's `redisStore({ url })`
 * (its own client: ioredis).
 */

import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { isAbsolute, join } from 'node:path'
import { getRequestListener } from '@hono/node-server'
import express, { type Express, type Request, type Response } from 'express'
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyRequest } from 'fastify'
import { Hono } from 'hono'
import { CookieStore as HonoCookieStore, type Session as HonoSession, sessionMiddleware } from 'hono-sessions'
import { getIronSession } from 'iron-session'
import Koa from 'koa'
import type * as Keycard from '../../src/index'
import type * as KeycardExpress from '../../src/sessions/adapters/express'
import type * as KeycardFastify from '../../src/sessions/adapters/fastify'
import type * as KeycardHono from '../../src/sessions/adapters/hono'
import type { SessionEnv } from '../../src/sessions/adapters/hono'
import type * as KeycardKoa from '../../src/sessions/adapters/koa'
import type * as KeycardNode from '../../src/sessions/adapters/node'
import type * as KeycardSessions from '../../src/sessions/index'
import type { SessionStore } from '../../src/sessions/index'
import type * as KeycardRedis from '../../src/sessions/stores/redis'

/**
 * Where keycard is loaded from (env `BENCH_KEYCARD`, passed on by bench/http.ts): `src` (default;
 * the TypeScript sources through tsx, like the other benches), `dist` (the build `npm run
 * build:ts` makes, what the package ships), or the absolute path of another compiled tree.
 */
const CHOSEN = process.env.BENCH_KEYCARD ?? 'src'
const FROM = isAbsolute(CHOSEN) ? CHOSEN : join(__dirname, '..', '..', CHOSEN === 'dist' ? 'dist' : 'src')
const { backend } = require(join(FROM, 'index')) as typeof Keycard
const { session: keycardExpress } = require(join(FROM, 'sessions/adapters/express')) as typeof KeycardExpress
const { session: keycardNode } = require(join(FROM, 'sessions/adapters/node')) as typeof KeycardNode
const { cookieStore, memoryStore } = require(join(FROM, 'sessions/index')) as typeof KeycardSessions
const { session: keycardFastify } = require(join(FROM, 'sessions/adapters/fastify')) as typeof KeycardFastify
const { session: keycardKoa } = require(join(FROM, 'sessions/adapters/koa')) as typeof KeycardKoa
const { session: keycardHono } = require(join(FROM, 'sessions/adapters/hono')) as typeof KeycardHono
const { redisStore } = require(join(FROM, 'sessions/stores/redis')) as typeof KeycardRedis

/** 44 characters: over keycard's 32-byte minimum and iron-session's 32-character minimum. */
export const SECRET = 'bench-secret-0123456789abcdefghijklmnopqrstu'

type Handler = (req: IncomingMessage, res: ServerResponse) => void
type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void

/** The part of any session object the route touches. */
interface Counter {
  views?: number
}

/** express-session 1.19 and cookie-session 2.1: only the factories are typed here (see above). */
const expressSession = require('express-session') as (options: {
  secret: string
  resave: boolean
  saveUninitialized: boolean
  store?: object
  cookie: { secure: boolean }
}) => Middleware
const cookieSession = require('cookie-session') as (options: { name: string; keys: string[]; secure: boolean }) => Middleware
/** connect-redis 9: an express-session store over a connected node-redis client. */
const { RedisStore: ConnectRedis } = require('connect-redis') as {
  RedisStore: new (options: { client: unknown; prefix?: string }) => object
}

/** @fastify/secure-session 8.4 and @fastify/session 11.1 (with @fastify/cookie 11): typed here, see above. */
interface FastifyCounterSession {
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

/** The Redis that bench/http.ts started for this run (Redis configurations only). */
function redisUrl(): string {
  const url = process.env.BENCH_REDIS_URL
  if (!url) throw new Error('BENCH_REDIS_URL is not set: the Redis configurations are started by bench/http.ts')
  return url
}

function text(res: ServerResponse, value: number): void {
  res.setHeader('content-type', 'text/plain; charset=utf-8')
  res.end(String(value))
}

function fail(res: ServerResponse, err: unknown): void {
  console.error(err)
  if (res.headersSent) {
    res.destroy()
    return
  }
  res.statusCode = 500
  res.end()
}

// --- Bare servers: no session -----------------------------------------------------------------

let hits = 0

const bareNode: Handler = (_req, res) => text(res, ++hits)

function expressApp(middleware?: Middleware): Express {
  const app = express()
  if (middleware) app.use(middleware)
  app.get('/', (req: Request, res: Response) => {
    const s = (req as unknown as { session: Counter }).session
    s.views = (s.views ?? 0) + 1
    res.type('text/plain').send(String(s.views))
  })
  return app
}

function bareExpress(): Express {
  const app = express()
  app.get('/', (_req: Request, res: Response) => {
    res.type('text/plain').send(String(++hits))
  })
  return app
}

// --- node:http + iron-session 8 ---------------------------------------------------------------

const IRON = { password: SECRET, cookieName: 'iron', cookieOptions: { secure: false } } as const

const ironSession: Handler = (req, res) => {
  ;(async () => {
    const s = await getIronSession<Counter>(req, res, IRON)
    s.views = (s.views ?? 0) + 1
    await s.save()
    text(res, s.views)
  })().catch((err) => fail(res, err))
}

// --- node:http + a hand-rolled AES-256-GCM cookie (the minimal reference) -----------------------
// base64url(iv || ciphertext || tag) of the session JSON in cookie `gcm`; no expiry, no key
// rotation, no purpose binding: the least a sealed cookie session can do.

const GCM_KEY = createSecretKey(Buffer.from(hkdfSync('sha256', SECRET, '', 'bench/http', 32)))
const GCM = { authTagLength: 16 } as const
const GCM_COOKIE = 'gcm'

function gcmSeal(data: Counter): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', GCM_KEY, iv, GCM)
  const ct = cipher.update(JSON.stringify(data), 'utf8')
  const last = cipher.final()
  return Buffer.concat([iv, ct, last, cipher.getAuthTag()]).toString('base64url')
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

const gcmSession: Handler = (req, res) => {
  const value = cookieValue(req.headers.cookie, GCM_COOKIE)
  const s = (value === undefined ? null : gcmOpen(value)) ?? {}
  s.views = (s.views ?? 0) + 1
  res.setHeader('set-cookie', `${GCM_COOKIE}=${gcmSeal(s)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=86400`)
  text(res, s.views)
}

// --- keycard: keycard/express and keycard/node, cookieStore and memoryStore ---------------------

function keycardOptions(store: SessionStore) {
  return { secret: SECRET, store, cookie: { secure: false } }
}

function keycardOnNode(store: SessionStore): Handler {
  const sessions = keycardNode<Counter & Record<string, unknown>>(keycardOptions(store))
  return (req, res) => {
    ;(async () => {
      const s = await sessions.load(req)
      s.views = (s.views ?? 0) + 1
      await sessions.commit(s, res)
      text(res, s.views)
    })().catch((err) => fail(res, err))
  }
}

// --- Fastify 5: bare, @fastify/secure-session, @fastify/session, keycard/fastify -----------------

/** A Fastify app, ready, as a request listener for our own server: its handler from `serverFactory`. */
async function fastifyListener(setup: (app: FastifyInstance) => Promise<void>): Promise<RequestListener> {
  let handler: RequestListener | undefined
  const app = Fastify({
    logger: false,
    serverFactory: (h) => {
      handler = h as RequestListener
      return createServer()
    },
  })
  await setup(app)
  await app.ready()
  if (!handler) throw new Error('fastify did not call serverFactory')
  return handler
}

const bareFastify = () =>
  fastifyListener(async (app) => {
    app.get('/', async (_request, reply) => reply.type('text/plain; charset=utf-8').send(String(++hits)))
  })

/** The route for @fastify/secure-session and @fastify/session: both use get/set. */
function fastifyCounterRoute(app: FastifyInstance): void {
  app.get('/', async (request, reply) => {
    const s = (request as unknown as { session: FastifyCounterSession }).session
    const views = (s.get('views') ?? 0) + 1
    s.set('views', views)
    return reply.type('text/plain; charset=utf-8').send(String(views))
  })
}

/** A fixed 32-byte key (crypto_secretbox_KEYBYTES) for @fastify/secure-session. */
const SECURE_SESSION_KEY = Buffer.from(hkdfSync('sha256', SECRET, '', 'bench/http secure-session', 32))

const fastifyWithSecureSession = () =>
  fastifyListener(async (app) => {
    await app.register(fastifySecureSession, {
      key: SECURE_SESSION_KEY,
      cookieName: 'session',
      cookie: { path: '/', httpOnly: true, secure: false, sameSite: 'lax' },
    })
    fastifyCounterRoute(app)
  })

const fastifyWithSession = () =>
  fastifyListener(async (app) => {
    await app.register(fastifyCookie)
    // The default store is @fastify/session's in-memory MemoryStore.
    await app.register(fastifySession, { secret: SECRET, saveUninitialized: false, cookie: { secure: false } })
    fastifyCounterRoute(app)
  })

const keycardOnFastify = (store: SessionStore) =>
  fastifyListener(async (app) => {
    await app.register(keycardFastify, keycardOptions(store))
    app.get('/', async (request: FastifyRequest, reply) => {
      const s = request.session as Counter
      s.views = (s.views ?? 0) + 1
      return reply.type('text/plain; charset=utf-8').send(String(s.views))
    })
  })

// --- Koa 3: bare and keycard/koa ----------------------------------------------------------------

function bareKoa(): RequestListener {
  const app = new Koa()
  app.use((ctx) => {
    ctx.type = 'text/plain; charset=utf-8'
    ctx.body = String(++hits)
  })
  return app.callback()
}

function keycardOnKoa(store: SessionStore): RequestListener {
  const app = new Koa()
  app.use(keycardKoa(keycardOptions(store)))
  app.use((ctx) => {
    const s = ctx.session as Counter
    s.views = (s.views ?? 0) + 1
    ctx.type = 'text/plain; charset=utf-8'
    ctx.body = String(s.views)
  })
  return app.callback()
}

// --- Hono 4 on @hono/node-server: bare, hono-sessions, keycard/hono -----------------------------

function bareHono(): RequestListener {
  const app = new Hono()
  app.get('/', (c) => c.text(String(++hits)))
  return getRequestListener(app.fetch)
}

function honoWithHonoSessions(): RequestListener {
  const app = new Hono<{ Variables: { session: HonoSession<Counter>; session_key_rotation: boolean } }>()
  app.use(
    '*',
    sessionMiddleware({
      store: new HonoCookieStore(),
      encryptionKey: SECRET, // iron-webcrypto's password: at least 32 characters
      cookieOptions: { path: '/', httpOnly: true, sameSite: 'Lax' },
    }),
  )
  app.get('/', (c) => {
    const s = c.get('session')
    const views = (s.get('views') ?? 0) + 1
    s.set('views', views)
    return c.text(String(views))
  })
  return getRequestListener(app.fetch)
}

function keycardOnHono(store: SessionStore): RequestListener {
  const app = new Hono<SessionEnv<Counter & Record<string, unknown>>>()
  app.use(keycardHono<Counter & Record<string, unknown>>(keycardOptions(store)))
  app.get('/', (c) => {
    const s = c.get('session')
    s.views = (s.views ?? 0) + 1
    return c.text(String(s.views))
  })
  return getRequestListener(app.fetch)
}

// --- Express on Redis: express-session + connect-redis, keycard redisStore -----------------------

async function expressSessionOnRedis(): Promise<Express> {
  const { createClient } = require('redis') as {
    createClient: (options: { url: string }) => {
      connect(): Promise<unknown>
      on(event: 'error', f: (err: unknown) => void): unknown
    }
  }
  const client = createClient({ url: redisUrl() })
  client.on('error', (err) => console.error('node-redis:', err))
  await client.connect()
  const store = new ConnectRedis({ client, prefix: 'bench:express-session:' })
  return expressApp(expressSession({ secret: SECRET, resave: false, saveUninitialized: false, store, cookie: { secure: false } }))
}

// --- The configurations ----------------------------------------------------------------------

export const CONFIGS = {
  'node:http (bare)': () => bareNode,
  'express (bare)': () => bareExpress(),
  'express + express-session': () =>
    expressApp(expressSession({ secret: SECRET, resave: false, saveUninitialized: false, cookie: { secure: false } })),
  'express + cookie-session': () => expressApp(cookieSession({ name: 'session', keys: [SECRET], secure: false })),
  'node:http + iron-session': () => ironSession,
  'node:http + raw aes-256-gcm': () => gcmSession,
  'keycard express cookieStore': () => expressApp(keycardExpress(keycardOptions(cookieStore()))),
  'keycard node cookieStore': () => keycardOnNode(cookieStore()),
  'keycard express memoryStore': () => expressApp(keycardExpress(keycardOptions(memoryStore()))),
  'keycard node memoryStore': () => keycardOnNode(memoryStore()),
  // issue 8: Fastify, Hono and Koa, and Redis stores
  'fastify (bare)': () => bareFastify(),
  'fastify + @fastify/secure-session': () => fastifyWithSecureSession(),
  'fastify + @fastify/session': () => fastifyWithSession(),
  'keycard fastify cookieStore': () => keycardOnFastify(cookieStore()),
  'hono (bare)': () => bareHono(),
  'hono + hono-sessions': () => honoWithHonoSessions(),
  'keycard hono cookieStore': () => keycardOnHono(cookieStore()),
  'koa (bare)': () => bareKoa(),
  'keycard koa cookieStore': () => keycardOnKoa(cookieStore()),
  'express + express-session + connect-redis': () => expressSessionOnRedis(),
  'keycard express redisStore': () =>
    expressApp(keycardExpress(keycardOptions(redisStore({ url: redisUrl(), prefix: 'bench:keycard:' })))),
} satisfies Record<string, () => RequestListener | Express | Promise<RequestListener | Express>>

export type ConfigName = keyof typeof CONFIGS

export interface Ready {
  port: number
  /** keycard's active backend in this process (`backend().name`, keycard configs only), or the error selecting it. */
  backend: string
}

async function main(): Promise<void> {
  const name = process.argv[2] as ConfigName
  const make = CONFIGS[name]
  if (!make || !process.send)
    throw new Error(`usage: fork('bench/http/server.ts', [config]); configs: ${Object.keys(CONFIGS).join(', ')}`)
  const server: Server = createServer((await make()) as RequestListener)
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1', () => {
    let active = 'n/a'
    if (name.startsWith('keycard')) {
      try {
        active = backend().name
      } catch (err) {
        active = `error: ${(err as Error).message}`
      }
    }
    const ready: Ready = { port: (server.address() as AddressInfo).port, backend: active }
    process.send?.(ready)
  })
  process.on('disconnect', () => server.close(() => process.exit(0)))
  process.on('SIGTERM', () => process.exit(0))
}

if (require.main === module)
  main().catch((err) => {
    console.error(err)
    process.exit(1)
  })
