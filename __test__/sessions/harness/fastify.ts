/**
 * keycard/fastify: the plugin registered app-wide, one wildcard route; a commit error reaches the
 * app's setErrorHandler.
 */

import { createServer } from 'node:http'
import Fastify from 'fastify'
import { session } from '../../../src/sessions/adapters/fastify'
import { BASE, codeOf, NO_ROUTE, run } from './common'
import type { AnySession, Harness } from './types'

const VIA = 'fastify-error-handler'

/**
 * The fastify harness, listed in HARNESSES (index.ts).
 * @example
 * startApp(t, 'fastify', {}, routes)
 */
export const harness: Harness = {
  commitFailureVia: VIA,
  listens: true,
  async start(t, { options, route, errors, maxHeaderSize }) {
    const app = Fastify(
      maxHeaderSize === undefined ? {} : { serverFactory: (handler) => createServer({ maxHeaderSize }, handler) },
    )
    await app.register(session, options)
    app.setErrorHandler((err, _request, reply) => {
      errors.push(err)
      return reply.code(500).send({ error: codeOf(err), via: VIA })
    })
    app.route({
      method: ['GET', 'POST', 'PUT', 'DELETE'],
      url: '/*',
      handler: async (request, reply) => {
        const url = new URL(request.url, BASE)
        const handler = route(url)
        if (!handler) return reply.code(404).send(NO_ROUTE)
        const answer = await run(handler, request.session as AnySession, url)
        for (const line of answer.appCookies) reply.header('set-cookie', line)
        return reply.code(answer.status).type('application/json').send(JSON.stringify(answer.body))
      },
    })
    t.teardown(() => app.close())
    const origin = await app.listen({ port: 0, host: '127.0.0.1' })
    return { origin, manager: app.sessionManager }
  },
}
