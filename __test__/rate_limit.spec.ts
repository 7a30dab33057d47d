/**
 * `rateLimit()` (src/rate_limit.ts) over a Cache on the backend under test: fixed windows aligned
 * to the clock, exact `resetAt`, options checked with hints; and `rateLimitMiddleware` of every
 * adapter on a real loopback server: the draft-ietf-httpapi-ratelimit-headers-10 headers on each
 * response, 429 with Retry-After past the limit, the handler not reached. Time is a fixed clock.
 * Over Redis: __test__/redis_counter.spec.ts.
 */
import type { ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import test, { type ExecutionContext } from 'ava'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import Koa from 'koa'
import { Cache, type RateLimiter, rateLimit, rateLimitHeaders } from '../src/index'
import { rateLimitMiddleware as expressLimit } from '../src/sessions/adapters/express'
import { rateLimitMiddleware as fastifyLimit } from '../src/sessions/adapters/fastify'
import { rateLimitMiddleware as fetchLimit } from '../src/sessions/adapters/fetch'
import { rateLimitMiddleware as honoLimit } from '../src/sessions/adapters/hono'
import { rateLimitMiddleware as koaLimit } from '../src/sessions/adapters/koa'
import { rateLimitMiddleware as nodeLimit } from '../src/sessions/adapters/node'
import { t_ } from './helpers/backends'
import { listen, serveFetch } from './helpers/http'

/** A wall clock 15 s into a minute: 45 s left in a 60 s window. */
const T0 = 1_700_000_055_000 - (1_700_000_055_000 % 60_000) + 15_000
const invalid = { code: 'ERR_INVALID_ARGUMENT' }

function limiterAt(limit: number, window: number | string = '1m') {
  const clock = { now: T0 }
  const cache = new Cache({ maxSize: 1000 })
  const limiter = rateLimit({ store: cache, limit, window, now: () => clock.now })
  return { clock, cache, limiter }
}

test(t_('rateLimit: counts per key in a fixed window; resetAt is the window end; a new window starts at 0'), async (t) => {
  const { clock, limiter } = limiterAt(3)
  const windowEnd = T0 - 15_000 + 60_000
  const seen = []
  for (let i = 0; i < 4; i++) seen.push(await limiter.check('ip:1'))
  t.deepEqual(
    seen.map((r) => [r.allowed, r.remaining]),
    [
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ],
  )
  for (const r of seen) t.like(r, { resetAt: windowEnd, resetIn: 45, limit: 3 })
  t.like(await limiter.check('ip:2'), { allowed: true, remaining: 2 }) // another key, its own count
  clock.now = windowEnd - 1
  t.like(await limiter.check('ip:1'), { allowed: false, resetIn: 1 })
  clock.now = windowEnd
  t.like(await limiter.check('ip:1'), { allowed: true, remaining: 2, resetAt: windowEnd + 60_000, resetIn: 60 })
})

test(t_('rateLimit: each window counts under its own key, which expires with the window'), async (t) => {
  const { clock, cache, limiter } = limiterAt(5)
  await limiter.check('k')
  const key = `rl:k:${Math.floor(T0 / 60_000)}`
  t.is(cache.peek(key), 1)
  t.true(cache.getRemainingTTL(key) <= 45_000 && cache.getRemainingTTL(key) > 0)
  clock.now += 45_000
  await limiter.check('k')
  t.is(cache.peek(`rl:k:${Math.floor(T0 / 60_000) + 1}`), 1)
})

test(t_('rateLimit: options are checked at construction, unknown names with a hint'), (t) => {
  const store = new Cache({ maxSize: 10 })
  t.throws(() => rateLimit({ store, limit: 10, window: '1m', max: 5 } as never), { ...invalid, message: /did you mean `limit`/ })
  t.throws(() => rateLimit({ store, limit: 10, windowMs: 60_000 } as never), { ...invalid, message: /`window`/ })
  for (const limit of [0, -1, 1.5, Number.NaN, '10', 2 ** 53]) {
    t.throws(() => rateLimit({ store, limit: limit as number, window: '1m' }), invalid, String(limit))
  }
  for (const window of [0, 500, 1500, '1.5s', -1000, 'soon', 400 * 86_400_000]) {
    t.throws(() => rateLimit({ store, limit: 1, window }), invalid, String(window))
  }
  t.throws(() => rateLimit({ store, limit: 1 } as never), invalid)
  t.throws(() => rateLimit({ store: {} as never, limit: 1, window: '1m' }), { ...invalid, message: /increment/ })
  t.throws(() => rateLimit(null as never), invalid)
  t.is(rateLimit({ store, limit: 1, window: '90s' }).window, 90_000)
})

test(t_('rateLimit: a bad key or clock is a typed error, and store errors reach the caller'), async (t) => {
  const { limiter } = limiterAt(1)
  await t.throwsAsync(limiter.check(5 as unknown as string), invalid)
  await t.throwsAsync(limiter.check('k\uD800'), invalid) // the Cache refuses lone surrogates
  const badClock = rateLimit({ store: new Cache({ maxSize: 10 }), limit: 1, window: '1m', now: () => Number.NaN })
  await t.throwsAsync(badClock.check('k'), invalid)
  const failing = rateLimit({
    store: {
      increment: async () => {
        throw Object.assign(new Error('down'), { code: 'ERR_STORE_UNAVAILABLE' })
      },
    },
    limit: 1,
    window: '1m',
  })
  await t.throwsAsync(failing.check('k'), { message: 'down' })
})

test(t_('rateLimitHeaders: the draft-10 structured fields, and Retry-After only when refused'), async (t) => {
  const { limiter } = limiterAt(2)
  const first = await limiter.check('k')
  t.deepEqual(rateLimitHeaders(limiter, first), { 'RateLimit-Policy': '"default";q=2;w=60', RateLimit: '"default";r=1;t=45' })
  await limiter.check('k')
  t.deepEqual(rateLimitHeaders(limiter, await limiter.check('k')), {
    'RateLimit-Policy': '"default";q=2;w=60',
    RateLimit: '"default";r=0;t=45',
    'Retry-After': '45',
  })
})

// --- The middleware of each adapter, on a real server ------------------------------------------

interface Served {
  origin: string
  handled: () => number
}

const EXPECTED_HEADERS = (remaining: number) => ({
  'ratelimit-policy': '"default";q=2;w=60',
  ratelimit: `"default";r=${remaining};t=45`,
})

async function threeRequests(t: ExecutionContext, served: Served, path = '/') {
  const replies = []
  for (let i = 0; i < 3; i++) {
    const r = await fetch(`${served.origin}${path}`)
    replies.push({
      status: r.status,
      body: await r.text(),
      policy: r.headers.get('ratelimit-policy'),
      ratelimit: r.headers.get('ratelimit'),
      retryAfter: r.headers.get('retry-after'),
    })
  }
  t.deepEqual(
    replies.map((r) => r.status),
    [200, 200, 429],
  )
  t.deepEqual(
    replies.map((r) => ({ 'ratelimit-policy': r.policy, ratelimit: r.ratelimit })),
    [EXPECTED_HEADERS(1), EXPECTED_HEADERS(0), EXPECTED_HEADERS(0)],
  )
  t.deepEqual(
    replies.map((r) => r.retryAfter),
    [null, null, '45'],
  )
  t.is(replies[2]?.body, 'Too Many Requests')
  t.is(served.handled(), 2, 'the refused request never reached the handler')
}

type Setup = (t: ExecutionContext, limiter: RateLimiter) => Promise<Served>

const ADAPTERS: Record<string, Setup> = {
  async express(t, limiter) {
    let handled = 0
    const app = express()
    app.use(expressLimit(limiter))
    app.get('/', (_req, res) => {
      handled++
      res.send('ok')
    })
    const { origin } = await listen(t, createServer(app))
    return { origin, handled: () => handled }
  },
  async fastify(t, limiter) {
    let handled = 0
    const app = Fastify()
    app.addHook('onRequest', fastifyLimit(limiter))
    app.get('/', async () => {
      handled++
      return 'ok'
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    t.teardown(() => app.close())
    return { origin: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, handled: () => handled }
  },
  async koa(t, limiter) {
    let handled = 0
    const app = new Koa()
    app.use(koaLimit(limiter))
    app.use((ctx) => {
      handled++
      ctx.body = 'ok'
    })
    const { origin } = await listen(t, createServer(app.callback()))
    return { origin, handled: () => handled }
  },
  async hono(t, limiter) {
    let handled = 0
    const app = new Hono()
    app.use(honoLimit(limiter))
    app.get('/', (c) => {
      handled++
      return c.text('ok')
    })
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise((resolve) => server.once('listening', resolve))
    t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
    return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, handled: () => handled }
  },
  async node(t, limiter) {
    let handled = 0
    const limit = nodeLimit(limiter)
    const server = createServer(async (req, res: ServerResponse) => {
      if (!(await limit(req, res))) return
      handled++
      res.end('ok')
    })
    const { origin } = await listen(t, server)
    return { origin, handled: () => handled }
  },
  async fetch(t, limiter) {
    let handled = 0
    const limit = fetchLimit(limiter)
    const { origin } = await serveFetch(t, async (request) => {
      const { refused, headers } = await limit(request, { ip: '127.0.0.1' })
      if (refused) return refused
      handled++
      return new Response('ok', { headers })
    })
    return { origin, handled: () => handled }
  },
}

for (const [name, setup] of Object.entries(ADAPTERS)) {
  test(t_(`rateLimitMiddleware (${name}): headers on every response, 429 with Retry-After past the limit`), async (t) => {
    const { limiter } = limiterAt(2)
    await threeRequests(t, await setup(t, limiter))
  })
}

test(t_('rateLimitMiddleware: key(req) picks the count; undefined is not counted; options are checked'), async (t) => {
  const { limiter } = limiterAt(1)
  let handled = 0
  const app = express()
  app.use(expressLimit(limiter, { key: (req) => (req.path === '/free' ? undefined : String(req.query.user)) }))
  app.get(['/', '/free'], (_req, res) => {
    handled++
    res.send('ok')
  })
  const { origin } = await listen(t, createServer(app))
  const statuses = []
  for (const path of ['/?user=a', '/?user=a', '/?user=b', '/free', '/free']) statuses.push((await fetch(origin + path)).status)
  t.deepEqual(statuses, [200, 429, 200, 200, 200])
  t.is(handled, 4)
  t.throws(() => expressLimit(limiter, { keyGenerator: () => 'x' } as never), {
    ...invalid,
    message: /did you mean `key\(req\)`/,
  })
  t.throws(() => expressLimit(limiter, { key: 'ip' } as never), invalid)
  t.throws(() => koaLimit({} as never), invalid)
})
