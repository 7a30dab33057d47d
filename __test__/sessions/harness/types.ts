/**
 * What every adapter harness provides, and what a test sees of a started app.
 *
 * A test writes its routes once as `(session, ctx) => result`; each harness (one file per adapter
 * in this folder, listed in index.ts) mounts them behind its adapter and answers the same way:
 * - 200 with the handler's result as JSON (undefined → null), the app's own Set-Cookie lines
 *   (`ctx.appCookies`) added before the session is committed;
 * - 500 `{ error: code, via: 'handler' }` when the handler throws (a test bug, or an expected
 *   throw the test asked for);
 * - 500 `{ error: code, via: harness.commitFailureVia }` when saving the session fails, the error
 *   recorded in `app.errors` (Express's error handler, node/fetch's rejected `commit`, Fastify's
 *   setErrorHandler, a Koa error middleware, Hono's app.onError);
 * - 404 `{ error: 'no route' }` for a path without a route.
 */

import type { ExecutionContext } from 'ava'
import type { Session, SessionManager, SessionOptions, SessionStore } from '../../../src/sessions'
import type { Client } from '../../helpers/http'

/** Session data in these tests: anything. */
// biome-ignore lint/suspicious/noExplicitAny: tests poke at arbitrary keys
export type AnySession = Session<Record<string, any>>

export interface Ctx {
  url: URL
  /** `url.searchParams.get(name)`. */
  q(name: string): string | null
  /** Set-Cookie lines of the app's own, added to the response before the session is committed. */
  appCookies: string[]
}

export type Handler = (session: AnySession, ctx: Ctx) => unknown
export type Routes = Record<string, Handler>

export interface AppOptions extends SessionOptions {
  /** node:http's limit on request headers (default 16 KiB). */
  maxHeaderSize?: number
}

/** What `startApp` gives a harness: everything it mounts, already resolved. */
export interface Mount {
  /** The session options, with the test secret and an `onInvalid` that records codes. */
  options: SessionOptions
  /** The handler of a URL's path, or undefined (answer 404). */
  route(url: URL): Handler | undefined
  /** Where the harness records each error that reached its commit failure path. */
  errors: unknown[]
  /** node:http's header limit for the server, when the test sets one. */
  maxHeaderSize?: number
}

/** What a harness gives back once its app listens. */
export interface Started {
  /** `http://127.0.0.1:<port>` (a placeholder for in-process harnesses). */
  origin: string
  manager: SessionManager
  /** A new browser; default: a `Client` of `origin` over real HTTP. */
  client?: () => Client
}

/** One adapter, mounted the same way as every other. */
export interface Harness {
  /** The `via` of a commit failure's 500 on this adapter. */
  readonly commitFailureVia: string
  /**
   * Whether the app listens on a real socket (true for all but in-process modes such as
   * 'hono-request'): raw requests and node's header limit need one.
   */
  readonly listens: boolean
  /** Starts the app for test `t`; closed when the test ends. */
  start(t: ExecutionContext, mount: Mount): Promise<Started>
}

export interface App {
  adapter: string
  /** Where the app listens (in-process harnesses: a placeholder, nothing listens). */
  origin: string
  manager: SessionManager
  /** The store the manager uses (for server stores, to look inside). */
  store: SessionStore
  /** Codes passed to onInvalid, in order. */
  invalid: string[]
  /** Errors that reached the commit failure path. */
  errors: unknown[]
  /** A new browser: its own cookie jar. */
  client(): Client
}
