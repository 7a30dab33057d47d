/**
 * keycard as an app installs it: through the package's public entry points, by name (`keycard`,
 * `keycard/sessions`, `keycard/express`, ...). Node resolves a package's own name through its
 * package.json "exports" (self-reference), so these load dist/, the shipped build: run
 * `npm run build:ts` (or `node scripts/ensure-built.mjs`) first. No path into src/ or dist/ is
 * written here, so the benchmark keeps working while files move behind the entry points.
 *
 * They are loaded with `require` and typed here, structurally, with only what the benchmark
 * uses: TypeScript's `node10` resolution (tsconfig.json) does not follow "exports", so
 * `import 'keycard/express'` would not typecheck, and the src/ types would pin file paths.
 * KEYCARD_BACKEND is read when the first entry point loads: set it before importing this module.
 */

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyPluginAsync } from 'fastify'
import type { MiddlewareHandler } from 'hono'
import type { Middleware as KoaMiddleware } from 'koa'

/** What the routes keep in a session. */
export interface Counter {
  views?: number
}

/** A keycard session as the routes see it: data keys as properties. */
export type KeycardSession = Counter & Record<string, unknown>

/** An opaque store object, from `cookieStore()` or `memoryStore()`. */
export interface KeycardStore {
  readonly kind: 'cookie' | 'server'
}

export interface KeycardOptions {
  secret: string
  store: KeycardStore
  cookie: { secure: boolean }
}

type NodeMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void

const core = require('keycard') as { backend(): { name: string; reason: string; version: string } }
const sessions = require('keycard/sessions') as { cookieStore(): KeycardStore; memoryStore(): KeycardStore }
const express = require('keycard/express') as { session(options: KeycardOptions): NodeMiddleware }
const fastify = require('keycard/fastify') as { session: FastifyPluginAsync<KeycardOptions> }
const koa = require('keycard/koa') as { session(options: KeycardOptions): KoaMiddleware }
const hono = require('keycard/hono') as { session(options: KeycardOptions): MiddlewareHandler }
const node = require('keycard/node') as {
  session(options: KeycardOptions): {
    load(req: IncomingMessage): Promise<KeycardSession>
    commit(session: KeycardSession, res: ServerResponse): Promise<void>
  }
}
const fetchAdapter = require('keycard/fetch') as {
  session(options: KeycardOptions): {
    load(request: Request): Promise<KeycardSession>
    commit<R extends Response | Headers>(session: KeycardSession, target: R): Promise<R>
  }
}

export const keycard = {
  backend: core.backend,
  cookieStore: sessions.cookieStore,
  memoryStore: sessions.memoryStore,
  express: express.session,
  fastify: fastify.session,
  koa: koa.session,
  hono: hono.session,
  node: node.session,
  fetch: fetchAdapter.session,
  /** Where `keycard/express` resolved to (shown in the header: the build being measured). */
  resolved: require.resolve('keycard/express'),
}
