/**
 * keycard/hono over real HTTP through @hono/node-server: the session middleware, then the routes;
 * a commit error reaches app.onError. `honoApp` is shared with the in-process harness
 * (hono-request.ts).
 */

import type { Server } from 'node:http'
import { createAdaptorServer } from '@hono/node-server'
import { Hono } from 'hono'
import type { SessionManager } from '../../../src/sessions'
import { type SessionEnv, session } from '../../../src/sessions/adapters/hono'
import { listen } from '../../helpers/http'
import { codeOf, NO_ROUTE, run } from './common'
import type { AnySession, Harness, Mount } from './types'

const VIA = 'hono-error-handler'

/**
 * The Hono app every Hono harness serves, and its session manager.
 * @example
 * const { app } = honoApp(mount)
 * await app.request('/count')
 */
export function honoApp({ options, route, errors }: Mount): { app: Hono; manager: SessionManager } {
  const middleware = session<Record<string, unknown>>(options)
  const app = new Hono<SessionEnv<Record<string, unknown>>>()
  app.onError((err, c) => {
    errors.push(err)
    return c.json({ error: codeOf(err), via: VIA }, 500)
  })
  app.use(middleware)
  app.all('*', async (c) => {
    const url = new URL(c.req.url)
    const handler = route(url)
    if (!handler) return c.json(NO_ROUTE, 404)
    const answer = await run(handler, c.get('session') as AnySession, url)
    for (const line of answer.appCookies) c.header('set-cookie', line, { append: true })
    return c.json(answer.body, answer.status)
  })
  return { app: app as unknown as Hono, manager: middleware.manager as SessionManager }
}

/**
 * The hono harness, listed in HARNESSES (index.ts).
 * @example
 * startApp(t, 'hono', {}, routes)
 */
export const harness: Harness = {
  commitFailureVia: VIA,
  listens: true,
  async start(t, mount) {
    const { app, manager } = honoApp(mount)
    const server = createAdaptorServer({ fetch: app.fetch, serverOptions: { maxHeaderSize: mount.maxHeaderSize } })
    return { origin: (await listen(t, server as Server)).origin, manager }
  },
}
