/**
 * keycard/fastify: the session behaviour table (sessions/rows/, `registerAll`) for cookieStore() and
 * memoryStore(), over real HTTP through its harness (sessions/harness/fastify.ts), on the backend of
 * this run (its bad-cookie, concurrency and revocation rows: sessions_hostile, sessions_concurrency,
 * sessions_revocation); then
 * what is Fastify's own: the plugin's scope, types, status codes and Set-Cookie handling.
 */
import { registerAll } from './sessions/rows'

registerAll('fastify')

// --- Fastify's own ------------------------------------------------------------------------------

import { Readable } from 'node:stream'
import test, { type ExecutionContext } from 'ava'
import Fastify, { type FastifyInstance } from 'fastify'
import { session } from '../src/sessions/adapters/fastify'
import type { SessionOptions } from '../src/sessions/options'
import type { Session } from '../src/sessions/session'
import { SECRET, t_ } from './helpers/backends'
import { Client, isDeletion, setCookiesNamed } from './helpers/http'
import { switchableStore } from './helpers/sessions'

/** `true` only when T is `any`: the declaration merging gave a real type. */
type IsAny<T> = 0 extends 1 & T ? true : false

async function start(t: ExecutionContext, setup: (app: FastifyInstance) => void | Promise<void>, options: SessionOptions = {}) {
  const app = Fastify()
  await app.register(session, { secret: SECRET, ...options })
  await setup(app)
  t.teardown(() => app.close())
  const origin = await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, origin, client: () => new Client(origin) }
}

test(
  t_('fastify: the plugin applies app-wide (fastify-plugin): routes in encapsulated plugins see request.session'),
  async (t) => {
    const { app, client } = await start(t, async (app) => {
      await app.register(
        async (child) => {
          child.get('/count', async (request) => {
            const s: Session = request.session
            const typed: IsAny<typeof request.session> = false
            s.n = Number(s.n ?? 0) + 1
            return { n: s.n, typed }
          })
        },
        { prefix: '/child' },
      )
      app.get('/read', async (request) => ({ n: request.session.n ?? null }))
    })
    const c = client()
    t.deepEqual((await c.get('/child/count')).body, { n: 1, typed: false })
    t.deepEqual((await c.get('/child/count')).body, { n: 2, typed: false })
    t.deepEqual((await c.get('/read')).body, { n: 2 })
    t.true(app.hasRequestDecorator('session'))
    t.is(app.sessionManager.cookieName, 'keycard')
  },
)

test(t_('fastify: registering the plugin twice fails at start-up'), async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(session, { secret: SECRET })
  const err = await app.register(session, { secret: SECRET }).then(
    () => null,
    (e: unknown) => e as { code?: string },
  )
  t.is(err?.code, 'FST_ERR_DEC_ALREADY_PRESENT')
})

test(t_("fastify: Set-Cookie lines the route set (reply.header, reply.raw) are kept beside the session's"), async (t) => {
  const { client } = await start(t, (app) => {
    app.get('/header', async (request, reply) => {
      reply.header('set-cookie', 'a=1; Path=/')
      reply.header('set-cookie', ['b=2; Path=/', 'c=3; Path=/'])
      request.session.n = 1
      return 'ok'
    })
    app.get('/raw', async (request, reply) => {
      reply.raw.setHeader('set-cookie', ['r=1; Path=/', 'r2=2; Path=/'])
      request.session.n = 2
      return 'ok'
    })
    app.get('/raw-only', async (_request, reply) => {
      reply.raw.setHeader('set-cookie', 'solo=1; Path=/')
      return 'ok'
    })
  })
  const c = client()
  const header = await c.get('/header')
  t.deepEqual(
    header.setCookie.map((l) => l.split('=')[0]),
    ['a', 'b', 'c', 'keycard'],
  )
  const raw = await c.get('/raw')
  t.deepEqual(
    raw.setCookie.map((l) => l.split('=')[0]),
    ['r', 'r2', 'keycard'],
  )
  t.deepEqual((await c.get('/raw-only')).setCookie, ['solo=1; Path=/'], 'nothing to commit: untouched')
})

test(t_('fastify: a streamed payload still carries the session cookie (onSend runs before the head)'), async (t) => {
  const { client } = await start(t, (app) => {
    app.get('/stream', async (request, reply) => {
      request.session.streamed = true
      reply.type('text/plain')
      return reply.send(Readable.from(['a', 'b', 'c']))
    })
    app.get('/read', async (request) => ({ streamed: request.session.streamed ?? null }))
  })
  const c = client()
  const r = await c.get('/stream')
  t.is(r.body, 'abc')
  t.is(setCookiesNamed(r, 'keycard').length, 1)
  t.deepEqual((await c.get('/read')).body, { streamed: true })
})

test(t_("fastify: a store failing on load or commit answers 503 through Fastify's default error handler"), async (t) => {
  const store = switchableStore()
  const { client } = await start(
    t,
    (app) => {
      app.get('/count', async (request, reply) => {
        request.session.n = Number(request.session.n ?? 0) + 1
        reply.code(201)
        return { n: request.session.n }
      })
    },
    { store, storeTimeout: 200 },
  )
  const c = client()
  const first = await c.get('/count')
  t.deepEqual([first.status, first.body], [201, { n: 1 }])
  store.down = true
  const load = await c.get<{ statusCode: number; code: string }>('/count')
  t.is(load.status, 503, 'load fails in onRequest')
  t.is(load.body.code, 'ERR_STORE_UNAVAILABLE')
  t.deepEqual(load.setCookie, [])

  // Loads from the store, fails on the write: the route's 201 is not what goes out.
  store.down = false
  const failingWrite = await start(
    t,
    (app) => {
      app.get('/count', async (request, reply) => {
        request.session.n = Number(request.session.n ?? 0) + 1
        store.down = true
        reply.code(201)
        return { n: request.session.n }
      })
    },
    { store },
  )
  const commit = await failingWrite.client().get<{ statusCode: number; code: string }>('/count')
  t.is(commit.status, 503, 'commit fails in onSend')
  t.is(commit.body.code, 'ERR_STORE_UNAVAILABLE')
  t.deepEqual(commit.setCookie, [])
})

test(t_("fastify: ERR_TOO_LARGE and ERR_NOT_SERIALIZABLE answer 500 through Fastify's default error handler"), async (t) => {
  const { client } = await start(t, (app) => {
    app.get('/huge', async (request) => {
      request.session.blob = 'x'.repeat(13_000)
      return 'ok'
    })
    app.get('/bad', async (request, reply) => {
      request.session.f = 10n
      reply.code(202)
      return 'ok'
    })
  })
  const huge = await client().get<{ code: string }>('/huge')
  t.deepEqual([huge.status, huge.body.code, huge.setCookie], [500, 'ERR_TOO_LARGE', []])
  const bad = await client().get<{ code: string }>('/bad')
  t.deepEqual([bad.status, bad.body.code, bad.setCookie], [500, 'ERR_NOT_SERIALIZABLE', []])
})

test(t_('fastify: a route that fails after changing the session: the error response saves it (as with Express)'), async (t) => {
  const { client } = await start(t, (app) => {
    app.get('/fail', async (request) => {
      request.session.flash('error', 'it failed')
      throw Object.assign(new Error('nope'), { statusCode: 409 })
    })
    app.get('/next', async (request) => ({ error: request.session.flash('error') }))
    app.get('/logout', async (request) => {
      request.session.destroy()
      throw Object.assign(new Error('after logout'), { statusCode: 400 })
    })
  })
  const c = client()
  const fail = await c.get('/fail')
  t.is(fail.status, 409)
  t.is(setCookiesNamed(fail, 'keycard').length, 1)
  t.deepEqual((await c.get('/next')).body, { error: ['it failed'] })
  const out = await c.get('/logout')
  t.is(out.status, 400)
  t.true(setCookiesNamed(out, 'keycard').some(isDeletion), 'the destroyed session is cleared')
})
