/**
 * The adapter harnesses, by name, and `startApp`: routes written once as `(session, ctx) => result`
 * started behind any of them. Adding an adapter is one harness file (see types.ts for what it
 * provides) and one line in `HARNESSES`; every spec that loops over `ALL_ADAPTERS` then runs on it.
 */

import type { ExecutionContext } from 'ava'
import type { SessionOptions } from '../../../src/sessions'
import { SECRET } from '../../helpers/backends'
import { Client } from '../../helpers/http'
import { harness as express } from './express'
import { harness as fastify } from './fastify'
import { harness as fetch } from './fetch'
import { harness as hono } from './hono'
import { harness as honoRequest } from './hono-request'
import { harness as koa } from './koa'
import { harness as node } from './node'
import type { App, AppOptions, Harness, Routes } from './types'

/**
 * Every harness by adapter name: a new adapter is one harness file and one line here.
 * @example
 * HARNESSES.koa.commitFailureVia // 'koa-error-handler'
 */
export const HARNESSES = {
  express,
  node,
  fetch,
  fastify,
  koa,
  hono,
  'hono-request': honoRequest,
} as const satisfies Record<string, Harness>

export type AdapterName = keyof typeof HARNESSES

/**
 * Every harness, in-process modes included: the deeper specs (hostile input, concurrency,
 * revocation) loop over these, so a new harness is covered by them as soon as it is listed.
 * @example
 * for (const adapter of ALL_ADAPTERS) registerConcurrency(adapter)
 */
export const ALL_ADAPTERS: readonly AdapterName[] = Object.keys(HARNESSES) as AdapterName[]

/**
 * Starts `routes` behind `adapter` with `options` (secret: SECRET unless given); closed after the test.
 * @example
 * const app = await startApp(t, 'koa', { store: memoryStore() }, { '/count': (s) => (s.n = (s.n ?? 0) + 1) })
 * const reply = await app.client().get('/count')
 */
export async function startApp(t: ExecutionContext, adapter: AdapterName, options: AppOptions, routes: Routes): Promise<App> {
  const { maxHeaderSize, ...given } = options
  const invalid: string[] = []
  const errors: unknown[] = []
  const sessionOptions: SessionOptions = {
    secret: SECRET,
    ...given,
    onInvalid: (code) => {
      invalid.push(code)
      given.onInvalid?.(code)
    },
  }
  const started = await HARNESSES[adapter].start(t, {
    options: sessionOptions,
    route: (url) => (Object.hasOwn(routes, url.pathname) ? routes[url.pathname] : undefined),
    errors,
    maxHeaderSize,
  })
  const { origin, manager } = started
  return {
    adapter,
    origin,
    manager,
    store: manager.options.store,
    invalid,
    errors,
    client: started.client ?? (() => new Client(origin)),
  }
}

/**
 * The `via` a commit failure answers with on this adapter.
 * @example
 * commitFailureVia('express') // 'express-error-handler'
 */
export function commitFailureVia(adapter: AdapterName): string {
  return HARNESSES[adapter].commitFailureVia
}
