/**
 * keycard/node: a bare node:http handler that loads the session, runs the route and commits; a
 * rejected `commit` answers 500 without whatever it may have added to the response.
 */

import type { ServerResponse } from 'node:http'
import { session } from '../../../src/sessions/adapters/node'
import { serveNode } from '../../helpers/http'
import { BASE, codeOf, NO_ROUTE, run } from './common'
import type { AnySession, Harness } from './types'

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify(body ?? null))
}

const VIA = 'commit'

/**
 * The node harness, listed in HARNESSES (index.ts).
 * @example
 * startApp(t, 'node', {}, routes)
 */
export const harness: Harness = {
  commitFailureVia: VIA,
  listens: true,
  async start(t, { options, route, errors, maxHeaderSize }) {
    const sessions = session(options)
    const listening = await serveNode(
      t,
      async (req, res) => {
        const url = new URL(req.url ?? '/', BASE)
        const handler = route(url)
        if (!handler) return reply(res, 404, NO_ROUTE)
        let s: AnySession
        try {
          s = (await sessions.load(req)) as AnySession
        } catch (err) {
          return reply(res, 500, { error: codeOf(err), via: 'load' })
        }
        const answer = await run(handler, s, url)
        if (answer.status !== 200) return reply(res, answer.status, answer.body)
        if (answer.appCookies.length > 0) res.setHeader('set-cookie', answer.appCookies)
        try {
          await sessions.commit(s, res)
        } catch (err) {
          errors.push(err)
          // Whatever commit may have added must not go out with the error.
          res.removeHeader('set-cookie')
          return reply(res, 500, { error: codeOf(err), via: VIA })
        }
        reply(res, 200, answer.body)
      },
      { maxHeaderSize },
    )
    return { origin: listening.origin, manager: sessions.manager }
  },
}
