/**
 * keycard/fetch: a Web handler `(Request) => Response` (served through node:http) that loads the
 * session, runs the route and commits onto its Response; a rejected `commit` answers 500.
 */

import { session } from '../../../src/sessions/adapters/fetch'
import { serveFetch } from '../../helpers/http'
import { codeOf, NO_ROUTE, run } from './common'
import type { AnySession, Harness } from './types'

const VIA = 'commit'

/**
 * The fetch harness, listed in HARNESSES (index.ts).
 * @example
 * startApp(t, 'fetch', {}, routes)
 */
export const harness: Harness = {
  commitFailureVia: VIA,
  listens: true,
  async start(t, { options, route, errors, maxHeaderSize }) {
    const sessions = session(options)
    const listening = await serveFetch(
      t,
      async (request) => {
        const url = new URL(request.url)
        const handler = route(url)
        if (!handler) return Response.json(NO_ROUTE, { status: 404 })
        let s: AnySession
        try {
          s = (await sessions.load(request)) as AnySession
        } catch (err) {
          return Response.json({ error: codeOf(err), via: 'load' }, { status: 500 })
        }
        const answer = await run(handler, s, url)
        const response = Response.json(answer.body, { status: answer.status })
        if (answer.status !== 200) return response
        for (const line of answer.appCookies) response.headers.append('set-cookie', line)
        try {
          return await sessions.commit(s, response)
        } catch (err) {
          errors.push(err)
          return Response.json({ error: codeOf(err), via: VIA }, { status: 500 })
        }
      },
      { maxHeaderSize },
    )
    return { origin: listening.origin, manager: sessions.manager }
  },
}
