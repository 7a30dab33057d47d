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
 * `Counter` view of whatever session object the middleware installed.
 */

import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { isAbsolute, join } from 'node:path'
import express, { type Express, type Request, type Response } from 'express'
import { getIronSession } from 'iron-session'
import type * as Keycard from '../../src/index'
import type * as KeycardExpress from '../../src/sessions/adapters/express'
import type * as KeycardNode from '../../src/sessions/adapters/node'
import type * as KeycardSessions from '../../src/sessions/index'
import type { SessionStore } from '../../src/sessions/index'

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
  cookie: { secure: boolean }
}) => Middleware
const cookieSession = require('cookie-session') as (options: { name: string; keys: string[]; secure: boolean }) => Middleware

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
} satisfies Record<string, () => RequestListener | Express>

export type ConfigName = keyof typeof CONFIGS

export interface Ready {
  port: number
  /** keycard's active backend in this process (`backend().name`, keycard configs only), or the error selecting it. */
  backend: string
}

function main(): void {
  const name = process.argv[2] as ConfigName
  const make = CONFIGS[name]
  if (!make || !process.send)
    throw new Error(`usage: fork('bench/http/server.ts', [config]); configs: ${Object.keys(CONFIGS).join(', ')}`)
  const server: Server = createServer(make() as RequestListener)
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

if (require.main === module) main()
