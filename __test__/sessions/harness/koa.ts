/**
 * keycard/koa: an error-handling middleware in front (as Koa apps have), the session middleware,
 * then the routes; a commit error is thrown through the first.
 */

import Koa from 'koa'
import { session } from '../../../src/sessions/adapters/koa'
import { serveNode } from '../../helpers/http'
import { BASE, codeOf, NO_ROUTE, run } from './common'
import type { AnySession, Harness } from './types'

const VIA = 'koa-error-handler'

/**
 * The koa harness, listed in HARNESSES (index.ts).
 * @example
 * startApp(t, 'koa', {}, routes)
 */
export const harness: Harness = {
  commitFailureVia: VIA,
  listens: true,
  async start(t, { options, route, errors, maxHeaderSize }) {
    const middleware = session(options)
    const app = new Koa()
    app.use(async (ctx, next) => {
      try {
        await next()
      } catch (err) {
        errors.push(err)
        ctx.status = 500
        ctx.body = { error: codeOf(err), via: VIA }
      }
    })
    app.use(middleware)
    app.use(async (ctx) => {
      const url = new URL(ctx.url, BASE)
      const handler = route(url)
      ctx.type = 'application/json'
      if (!handler) {
        ctx.status = 404
        ctx.body = JSON.stringify(NO_ROUTE)
        return
      }
      const answer = await run(handler, ctx.session as AnySession, url)
      for (const line of answer.appCookies) ctx.append('Set-Cookie', line)
      ctx.status = answer.status
      ctx.body = JSON.stringify(answer.body)
    })
    return { origin: (await serveNode(t, app.callback(), { maxHeaderSize })).origin, manager: middleware.manager }
  },
}
