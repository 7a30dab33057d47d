/**
 * keycard/express: the session middleware, then the routes; a commit error reaches Express's
 * error handling (an error-handling middleware at the end, as Express apps have).
 */

import express from 'express'
import { session } from '../../../src/sessions/adapters/express'
import { serveNode } from '../../helpers/http'
import { BASE, codeOf, NO_ROUTE, run } from './common'
import type { AnySession, Harness } from './types'

const VIA = 'express-error-handler'

/**
 * The express harness, listed in HARNESSES (index.ts).
 * @example
 * startApp(t, 'express', {}, routes) // mounted by this harness
 */
export const harness: Harness = {
  commitFailureVia: VIA,
  listens: true,
  async start(t, { options, route, errors, maxHeaderSize }) {
    const middleware = session(options)
    const app = express()
    app.use(middleware)
    app.use(async (req, res) => {
      const url = new URL(req.originalUrl, BASE)
      const handler = route(url)
      if (!handler) return void res.status(404).json(NO_ROUTE)
      const answer = await run(handler, req.session as AnySession, url)
      for (const line of answer.appCookies) res.append('set-cookie', line)
      res.status(answer.status).json(answer.body)
    })
    app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      errors.push(err)
      res.status(500).json({ error: codeOf(err), via: VIA })
    })
    return { origin: (await serveNode(t, app, { maxHeaderSize })).origin, manager: middleware.manager }
  },
}
