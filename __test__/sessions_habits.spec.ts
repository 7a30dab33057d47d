/**
 * Habits from other session libraries, on every adapter over real HTTP, on the backend of this
 * run. Each used to fail silently; now each works (Express and Koa) or throws a KeycardError that
 * names the call to make instead (everywhere else):
 * - express-session's `regenerate(cb)`, `destroy(cb)`, `save(cb)`: a callback nobody calls hangs
 *   the request;
 * - cookie-session's and koa-session's `req.session = null` / `ctx.session = null`: dropping the
 *   reference left the user logged in;
 * - iron-session's `await session.save()` with keycard/node or keycard/fetch on the cookie store:
 *   it resolved and saved nothing;
 * - a Secure cookie set over plain http on a host other than localhost, which browsers drop:
 *   warned once (KEYCARD_SECURE_ON_HTTP), in child processes, since the warning is once per process.
 */

import { spawn } from 'node:child_process'
import type { Server } from 'node:http'
import { join } from 'node:path'
import { createAdaptorServer } from '@hono/node-server'
import test, { type ExecutionContext } from 'ava'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import { session as expressSession } from '../src/sessions/adapters/express'
import { session as fastifySession } from '../src/sessions/adapters/fastify'
import { session as fetchSession } from '../src/sessions/adapters/fetch'
import { session as honoSession } from '../src/sessions/adapters/hono'
import { session as koaSession } from '../src/sessions/adapters/koa'
import { session as nodeSession } from '../src/sessions/adapters/node'
import type { SessionOptions } from '../src/sessions/options'
import type { Session, SessionCallbacks } from '../src/sessions/session'
import { cookieStore } from '../src/sessions/stores/cookie'
import { memoryStore } from '../src/sessions/stores/memory'
import { SECRET, t_ } from './helpers/backends'
import { Client, isDeletion, listen, serveFetch, serveNode, setCookiesNamed } from './helpers/http'

type S = Session & SessionCallbacks
/** A route: the session, and `assign(value)`, which does `req.session = value` where there is such a property. */
type Route = (s: S, assign: (value: unknown) => void) => unknown
type Routes = Record<string, Route>
type Adapter = 'express' | 'koa' | 'fastify' | 'hono' | 'node' | 'fetch'

const STORES = { cookie: () => cookieStore(), memory: () => memoryStore() } as const
type StoreName = keyof typeof STORES

/** A route's result, as the apps below answer it (200). */
type Answer = { value: unknown }

/** What a route threw, as the apps below answer it (500). */
interface Failure {
  code: string
  message: string
}
const failure = (err: unknown): Failure => ({
  code: String((err as { code?: unknown }).code),
  message: String((err as Error).message),
})

/** Serves `routes` on `adapter` over real HTTP; a route's result is answered as `{ value }`, a throw as 500 `{ code, message }`. */
async function serve(t: ExecutionContext, adapter: Adapter, options: SessionOptions, routes: Routes): Promise<Client> {
  const opts = { secret: SECRET, ...options }
  const find = (url: string | undefined) => routes[new URL(url ?? '/', 'http://x').pathname]
  if (adapter === 'express') {
    const app = express()
    app.use(expressSession(opts))
    app.use((req, res, next) => {
      const route = find(req.url)
      if (!route) return void res.status(404).end()
      Promise.resolve()
        .then(() =>
          route(req.session, (value) => {
            ;(req as { session: unknown }).session = value
          }),
        )
        .then((value) => res.json({ value: value ?? null }), next)
    })
    app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json(failure(err))
    })
    return new Client((await serveNode(t, app)).origin)
  }
  if (adapter === 'koa') {
    const app = new Koa()
    app.use(async (ctx, next) => {
      try {
        await next()
      } catch (err) {
        ctx.status = 500
        ctx.body = failure(err)
      }
    })
    app.use(koaSession(opts))
    app.use(async (ctx) => {
      const route = find(ctx.url)
      if (!route) return
      const value = await route(ctx.session, (v) => {
        ;(ctx as { session: unknown }).session = v
      })
      ctx.body = { value: value ?? null }
    })
    return new Client((await serveNode(t, app.callback())).origin)
  }
  if (adapter === 'fastify') {
    const app = Fastify()
    await app.register(fastifySession, opts)
    app.setErrorHandler((err, _request, reply) => reply.status(500).send(failure(err)))
    for (const [path, route] of Object.entries(routes)) {
      app.get(path, async (request) => {
        const value = await route(request.session as S, (v) => {
          ;(request as { session: unknown }).session = v
        })
        return { value: value ?? null }
      })
    }
    t.teardown(() => app.close())
    return new Client(await app.listen({ port: 0, host: '127.0.0.1' }))
  }
  const noAssign = () => {
    throw new Error('no session property to assign on this adapter')
  }
  if (adapter === 'hono') {
    const app = new Hono()
    app.use(honoSession(opts))
    app.onError((err, c) => c.json(failure(err), 500))
    for (const [path, route] of Object.entries(routes)) {
      app.get(path, async (c) => c.json({ value: (await route(c.get('session') as S, noAssign)) ?? null }))
    }
    return new Client((await listen(t, createAdaptorServer({ fetch: app.fetch }) as Server)).origin)
  }
  if (adapter === 'node') {
    const sessions = nodeSession(opts)
    const listening = await serveNode(t, async (req, res) => {
      const route = find(req.url)
      res.setHeader('content-type', 'application/json')
      if (!route) return void res.writeHead(404).end('null')
      try {
        const s = await sessions.load(req)
        const value = await route(s as S, noAssign)
        await sessions.commit(s, res)
        res.end(JSON.stringify({ value: value ?? null }))
      } catch (err) {
        res.removeHeader('set-cookie')
        res.statusCode = 500
        res.end(JSON.stringify(failure(err)))
      }
    })
    return new Client(listening.origin)
  }
  const sessions = fetchSession(opts)
  const listening = await serveFetch(t, async (request) => {
    const route = find(request.url)
    if (!route) return new Response(null, { status: 404 })
    try {
      const s = await sessions.load(request)
      const value = await route(s as S, noAssign)
      return await sessions.commit(s, Response.json({ value: value ?? null }))
    } catch (err) {
      return Response.json(failure(err), { status: 500 })
    }
  })
  return new Client(listening.origin)
}

/** A route written in express-session's callback style: it answers by calling `done`. */
const callbackStyle =
  (route: (s: S, done: (body: unknown) => void) => void): Route =>
  (s) =>
    new Promise((resolve) => route(s, resolve))

const login: Route = (s) => {
  s.user = 'ada'
  return s.id
}
const whoami: Route = (s) => s.user ?? null

// --- Express and Koa: express-session's callback forms and `session = null` work -----------------

for (const adapter of ['express', 'koa'] as const) {
  for (const store of Object.keys(STORES) as StoreName[]) {
    test(
      t_(`${adapter} × ${store}: regenerate(cb) and save(cb) do the work, then call back, asynchronously, without an error`),
      async (t) => {
        const c = await serve(
          t,
          adapter,
          { store: STORES[store]() },
          {
            '/login': login,
            '/whoami': whoami,
            '/relogin': callbackStyle((s, done) => {
              const before = s.id
              let sync = true
              s.regenerate((err) => {
                const regenerated = { err: err ?? null, sync, newId: s.id !== before, user: s.user ?? null }
                s.user = 'grace'
                s.save((err2) => done({ regenerated, saved: { err: err2 ?? null, sync, isNew: s.isNew }, id: s.id }))
              })
              sync = false
            }),
          },
        )
        const oldId = (await c.get<{ value: string }>('/login')).body.value
        const reply = await c.get<{ value: { regenerated: object; saved: object; id: string } }>('/relogin')
        t.is(reply.status, 200)
        const { regenerated, saved, id } = reply.body.value
        t.deepEqual(regenerated, { err: null, sync: false, newId: true, user: null }, 'a new id and no data, before the callback')
        // Server stores write on save(): the session is no longer new when the callback runs.
        t.deepEqual(saved, { err: null, sync: false, isNew: store === 'cookie' })
        t.not(id, oldId)
        t.is(setCookiesNamed(reply, 'keycard').length, 1, 'the regenerated session is sent with the response')
        t.is((await c.get<Answer>('/whoami')).body.value, 'grace')
      },
    )

    test(t_(`${adapter} × ${store}: destroy(cb) ends the session before calling back`), async (t) => {
      const c = await serve(
        t,
        adapter,
        { store: STORES[store]() },
        {
          '/login': login,
          '/whoami': whoami,
          '/logout': callbackStyle((s, done) => {
            let sync = true
            s.destroy((err) => done({ err: err ?? null, sync, user: s.user ?? null }))
            sync = false
          }),
        },
      )
      await c.get<Answer>('/login')
      const stolen = c.jar.snapshot()
      const reply = await c.get<Answer>('/logout')
      t.deepEqual(reply.body.value, { err: null, sync: false, user: null })
      const lines = setCookiesNamed(reply, 'keycard')
      t.true(lines.length === 1 && isDeletion(lines[0]!), 'the cookie is cleared')
      t.is((await c.get<Answer>('/whoami')).body.value, null)
      if (store === 'memory') {
        c.jar.restore(stolen)
        t.is((await c.get<Answer>('/whoami')).body.value, null, 'the old id was deleted from the store')
      }
    })

    test(
      t_(`${adapter} × ${store}: errors of regenerate(cb) and save(cb) go to the callback, never thrown past it`),
      async (t) => {
        let clockBroken = false
        const now = () => {
          if (clockBroken) throw new Error('the clock stopped')
          return Date.now()
        }
        const c = await serve(
          t,
          adapter,
          { store: STORES[store](), now },
          {
            '/login': login,
            '/whoami': whoami,
            '/bad-save': callbackStyle((s, done) => {
              s.bad = () => 1 // not JSON
              s.save((err) => {
                delete s.bad
                done({ code: (err as { code?: string } | undefined)?.code ?? null })
              })
            }),
            '/bad-regenerate': callbackStyle((s, done) => {
              clockBroken = true
              s.regenerate((err) => {
                clockBroken = false
                done({ message: (err as Error | undefined)?.message ?? null, user: s.user ?? null })
              })
            }),
          },
        )
        await c.get<Answer>('/login')
        const badSave = await c.get<Answer>('/bad-save')
        t.is(badSave.status, 200, 'the handler went on')
        t.deepEqual(badSave.body.value, { code: 'ERR_NOT_SERIALIZABLE' })
        const badRegenerate = await c.get<Answer>('/bad-regenerate')
        t.is(badRegenerate.status, 200)
        t.deepEqual(badRegenerate.body.value, { message: 'the clock stopped', user: 'ada' }, 'the session is left as it was')
        t.is((await c.get<Answer>('/whoami')).body.value, 'ada')
      },
    )

    test(
      t_(`${adapter} × ${store}: ${adapter === 'express' ? 'req' : 'ctx'}.session = null logs out; another value is refused`),
      async (t) => {
        const c = await serve(
          t,
          adapter,
          { store: STORES[store]() },
          {
            '/login': login,
            '/whoami': whoami,
            '/logout': (s, assign) => {
              assign(null)
              return { user: s.user ?? null }
            },
            '/same': (s, assign) => {
              assign(s)
              return s.user
            },
            '/replace': (_s, assign) => assign({ user: 'eve' }),
          },
        )
        await c.get<Answer>('/login')
        t.is((await c.get<Answer>('/same')).body.value, 'ada', 'assigning the session itself changes nothing')
        const replaced = await c.get<Failure>('/replace')
        t.is(replaced.status, 500)
        t.is(replaced.body.code, 'ERR_INVALID_ARGUMENT')
        t.regex(replaced.body.message, /session cannot be replaced: assign null to end the session/)
        t.is((await c.get<Answer>('/whoami')).body.value, 'ada')
        const stolen = c.jar.snapshot()
        const out = await c.get<Answer>('/logout')
        t.deepEqual(out.body.value, { user: null })
        const lines = setCookiesNamed(out, 'keycard')
        t.true(lines.length === 1 && isDeletion(lines[0]!), 'the cookie is cleared')
        t.is((await c.get<Answer>('/whoami')).body.value, null)
        if (store === 'memory') {
          c.jar.restore(stolen)
          t.is((await c.get<Answer>('/whoami')).body.value, null, 'the old id was deleted from the store')
        }
      },
    )
  }
}

// --- Elsewhere: callbacks are refused, naming what to call ---------------------------------------

/** The call that commits, as each adapter's messages name it; undefined: committed with the response. */
const COMMIT: Partial<Record<Adapter, string>> = {
  node: 'sessions.commit(session, res)',
  fetch: 'sessions.commit(session, response)',
}

for (const adapter of ['fastify', 'hono', 'node', 'fetch'] as const) {
  for (const store of Object.keys(STORES) as StoreName[]) {
    test(
      t_(`${adapter} × ${store}: regenerate(cb), destroy(cb) and save(cb) throw ERR_INVALID_ARGUMENT naming the call to make`),
      async (t) => {
        let called = false
        const callback = () => {
          called = true
        }
        const c = await serve(
          t,
          adapter,
          { store: STORES[store]() },
          {
            '/login': login,
            '/whoami': whoami,
            '/callbacks': (s) => {
              const id = s.id
              const thrown: Record<string, Failure | null> = {}
              for (const name of ['regenerate', 'destroy', 'save'] as const) {
                try {
                  s[name](callback)
                  thrown[name] = null
                } catch (err) {
                  thrown[name] = failure(err)
                }
              }
              return { thrown, sameId: s.id === id, user: s.user ?? null }
            },
          },
        )
        await c.get<Answer>('/login')
        const reply = await c.get<{ value: { thrown: Record<string, Failure>; sameId: boolean; user: string } }>('/callbacks')
        const { thrown, sameId, user } = reply.body.value
        for (const name of ['regenerate', 'destroy', 'save']) {
          t.is(thrown[name]?.code, 'ERR_INVALID_ARGUMENT', name)
          t.regex(thrown[name]?.message ?? '', new RegExp(`^keycard sessions take no callback: session\\.${name}\\(callback\\)`))
        }
        const commit = COMMIT[adapter]
        const when = commit === undefined ? 'when the response is sent' : `by \`await ${commit}\``
        t.true(thrown.regenerate!.message.includes(`session.regenerate() is synchronous (the new id is saved ${when})`))
        t.true(thrown.destroy!.message.includes(`session.destroy() is synchronous (the cookie is cleared ${when})`))
        if (store === 'cookie') t.true(thrown.save!.message.includes(`sealed into the cookie ${when}`), thrown.save!.message)
        else {
          t.true(thrown.save!.message.includes('Use `await session.save()`: it writes to the store now'), thrown.save!.message)
          if (commit !== undefined) t.true(thrown.save!.message.includes(`then \`await ${commit}\` sends its cookie`))
        }
        t.deepEqual({ sameId, user }, { sameId: true, user: 'ada' }, 'nothing was done')
        await new Promise((resolve) => setImmediate(resolve))
        t.false(called, 'the callback is never called')
        t.is((await c.get<Answer>('/whoami')).body.value, 'ada')
      },
    )
  }
}

test(t_('fastify: request.session = null is refused (ERR_INVALID_ARGUMENT) naming request.session.destroy()'), async (t) => {
  const c = await serve(
    t,
    'fastify',
    {},
    {
      '/login': login,
      '/whoami': whoami,
      '/logout': (_s, assign) => assign(null),
      '/same': (s, assign) => {
        assign(s)
        return s.user
      },
    },
  )
  await c.get<Answer>('/login')
  t.is((await c.get<Answer>('/same')).body.value, 'ada')
  const reply = await c.get<Failure>('/logout')
  t.is(reply.status, 500)
  t.is(reply.body.code, 'ERR_INVALID_ARGUMENT')
  t.regex(reply.body.message, /to end the session \(logout\) call request\.session\.destroy\(\)/)
  t.is((await c.get<Answer>('/whoami')).body.value, 'ada')
})

// --- iron-session's `await session.save()` where the app commits by hand --------------------------

for (const adapter of ['node', 'fetch'] as const) {
  test(t_(`${adapter} × cookie: await session.save() rejects with ERR_INVALID_ARGUMENT naming ${COMMIT[adapter]}`), async (t) => {
    const c = await serve(
      t,
      adapter,
      {},
      {
        '/save': async (s) => {
          s.user = 'ada'
          try {
            await s.save()
            return null
          } catch (err) {
            return failure(err)
          }
        },
        '/whoami': whoami,
      },
    )
    const reply = await c.get<{ value: Failure }>('/save')
    t.is(reply.body.value.code, 'ERR_INVALID_ARGUMENT')
    t.true(
      reply.body.value.message.includes(`it is sealed into the cookie by \`await ${COMMIT[adapter]}\``),
      reply.body.value.message,
    )
    // The commit that follows still saves it.
    t.is((await c.get<Answer>('/whoami')).body.value, 'ada')
  })

  test(t_(`${adapter} × memory: await session.save() writes at once, and the commit sends its cookie`), async (t) => {
    const c = await serve(
      t,
      adapter,
      { store: memoryStore() },
      {
        '/save': async (s) => {
          s.user = 'ada'
          await s.save()
          return s.isNew
        },
        '/whoami': whoami,
      },
    )
    const reply = await c.get<Answer>('/save')
    t.is(reply.body.value, false, 'saved before the response')
    t.is(setCookiesNamed(reply, 'keycard').length, 1)
    t.is((await c.get<Answer>('/whoami')).body.value, 'ada')
  })
}

for (const adapter of ['express', 'koa', 'fastify', 'hono'] as const) {
  test(t_(`${adapter} × cookie: await session.save() resolves; the session is saved with the response`), async (t) => {
    const c = await serve(
      t,
      adapter,
      {},
      {
        '/save': async (s) => {
          s.user = 'ada'
          await s.save()
          return s.isNew
        },
        '/whoami': whoami,
      },
    )
    const reply = await c.get<Answer>('/save')
    t.is(reply.body.value, true, 'a cookie session is saved by its response')
    t.is((await c.get<Answer>('/whoami')).body.value, 'ada')
  })
}

// --- The Secure cookie a browser drops -----------------------------------------------------------

const root = join(__dirname, '..')

/**
 * A child process serving `adapter` (`secure` cookie unless `KEYCARD_SESSION_COOKIE_SECURE` says
 * otherwise), sent requests with the given Host (and X-Forwarded-Proto) headers; it prints the
 * number of KEYCARD_SECURE_ON_HTTP warnings after each, and the first warning's text.
 */
const CHILD = `
const http = require('node:http')
const adapter = process.env.ADAPTER
const SECRET = process.env.SECRET
const steps = JSON.parse(process.env.STEPS)
const warnings = []
process.on('warning', (w) => { if (w.code === 'KEYCARD_SECURE_ON_HTTP') warnings.push(w.message) })
const write = (s, path) => { if (path === '/write') s.n = (s.n ?? 0) + 1 }
async function server() {
  if (adapter === 'express') {
    const app = require('express')()
    app.set('trust proxy', true)
    app.use(require('./src/sessions/adapters/express.ts').session({ secret: SECRET }))
    app.use((req, res) => { write(req.session, req.path); res.end('ok') })
    return http.createServer(app)
  }
  if (adapter === 'koa') {
    const Koa = require('koa'); const app = new Koa(); app.proxy = true
    app.use(require('./src/sessions/adapters/koa.ts').session({ secret: SECRET }))
    app.use((ctx) => { write(ctx.session, ctx.path); ctx.body = 'ok' })
    return http.createServer(app.callback())
  }
  if (adapter === 'fastify') {
    const app = require('fastify')({ trustProxy: true })
    await app.register(require('./src/sessions/adapters/fastify.ts').session, { secret: SECRET })
    app.get('/*', async (request) => { write(request.session, request.url); return 'ok' })
    await app.listen({ port: 0, host: '127.0.0.1' })
    return app.server
  }
  if (adapter === 'hono') {
    const { Hono } = require('hono'); const app = new Hono()
    app.use(require('./src/sessions/adapters/hono.ts').session({ secret: SECRET }))
    app.get('/*', (c) => { write(c.get('session'), c.req.path); return c.text('ok') })
    return require('@hono/node-server').createAdaptorServer({ fetch: app.fetch })
  }
  if (adapter === 'node') {
    const sessions = require('./src/sessions/adapters/node.ts').session({ secret: SECRET })
    return http.createServer(async (req, res) => {
      const s = await sessions.load(req); write(s, req.url); await sessions.commit(s, res); res.end('ok')
    })
  }
  const { toRequest, sendResponse } = require('./__test__/helpers/http.ts')
  const sessions = require('./src/sessions/adapters/fetch.ts').session({ secret: SECRET })
  return http.createServer(async (req, res) => {
    const request = await toRequest(req, 'http://' + req.headers.host)
    const s = await sessions.load(request); write(s, new URL(request.url).pathname)
    await sendResponse(await sessions.commit(s, new Response('ok')), res)
  })
}
function get(port, path, headers) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.headers['set-cookie'] ?? [])) }).on('error', reject)
  })
}
;(async () => {
  const srv = await server()
  if (!srv.listening) await new Promise((r) => srv.listen(0, '127.0.0.1', r))
  const port = srv.address().port
  const counts = []
  for (const [path, headers] of steps) {
    const setCookie = await get(port, path, headers)
    await new Promise((r) => setImmediate(r)) // warnings are emitted on the next tick
    counts.push([setCookie.length > 0, warnings.length])
  }
  console.log(JSON.stringify({ counts, first: warnings[0] ?? null }))
  srv.close(); process.exit(0)
})().catch((err) => { console.error(err); process.exit(1) })
`

type Step = [path: string, headers: Record<string, string>]

function runChild(adapter: Adapter, steps: Step[], env: Record<string, string> = {}) {
  return new Promise<{ counts: [boolean, number][]; first: string | null }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--no-warnings', '-e', CHILD], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'development', ADAPTER: adapter, SECRET, STEPS: JSON.stringify(steps), ...env },
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    child.stderr.on('data', (d) => {
      err += d
    })
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`child exited ${code}: ${err}`))
      resolve(JSON.parse(out.trim()))
    })
  })
}

/** Frameworks that trust X-Forwarded-Proto when told to (trust proxy, app.proxy, trustProxy): set in the child. */
const TRUSTS_PROXY: readonly Adapter[] = ['express', 'koa', 'fastify']

for (const adapter of ['express', 'koa', 'fastify', 'hono', 'node', 'fetch'] as const) {
  test(
    t_(
      `${adapter}: a Secure cookie set over plain http for a non-loopback host warns once (KEYCARD_SECURE_ON_HTTP), naming the fix`,
    ),
    async (t) => {
      const public_ = { host: 'app.example' }
      const steps: Step[] = [
        ['/write', { host: 'localhost:3000' }],
        ['/write', { host: '127.0.0.1' }],
        ['/write', { host: '[::1]:8080' }],
        ['/write', { host: 'shop.localhost' }],
        ['/read', public_], // no Set-Cookie: nothing a browser could drop
      ]
      if (TRUSTS_PROXY.includes(adapter)) steps.push(['/write', { ...public_, 'x-forwarded-proto': 'https' }])
      steps.push(['/write', public_], ['/write', public_])
      const { counts, first } = await runChild(adapter, steps)
      const expected: [boolean, number][] = steps.map(([path]) => [path === '/write', 0])
      expected[expected.length - 2] = [true, 1]
      expected[expected.length - 1] = [true, 1]
      t.deepEqual(counts, expected)
      t.regex(first ?? '', /Secure session cookie was set in the response to a plain-http request for app\.example/)
      t.regex(first ?? '', /Serve the app over https/)
      t.regex(first ?? '', /trust proxy/)
      t.regex(first ?? '', /in development only, set cookie\.secure: false/)
    },
  )
}

test(
  t_('the Secure-over-http warning is not emitted in production (NODE_ENV in any case) or for a cookie that is not Secure'),
  async (t) => {
    const steps: Step[] = [['/write', { host: 'app.example' }]]
    const production = await runChild('express', steps, { NODE_ENV: ' Production ' })
    t.deepEqual(production.counts, [[true, 0]])
    const notSecure = await runChild('koa', steps, { KEYCARD_SESSION_COOKIE_SECURE: 'false' })
    t.deepEqual(notSecure.counts, [[true, 0]])
  },
)
