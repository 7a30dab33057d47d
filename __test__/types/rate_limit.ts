import { createServer } from 'node:http'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { Cache, type RateLimitResult, rateLimit } from 'keycard'
import { rateLimitMiddleware as expressLimit } from 'keycard/express'
import { rateLimitMiddleware as fastifyLimit } from 'keycard/fastify'
import { rateLimitMiddleware as fetchLimit } from 'keycard/fetch'
import { rateLimitMiddleware as honoLimit } from 'keycard/hono'
import { rateLimitMiddleware as koaLimit } from 'keycard/koa'
import { rateLimitMiddleware as nodeLimit } from 'keycard/node'
import Koa from 'koa'

const limiter = rateLimit({ store: new Cache({ maxSize: 1000 }), limit: 100, window: '1m' })
void limiter.check('ip').then((r: RateLimitResult) => r.allowed && r.remaining >= 0 && r.resetAt > 0)
// @ts-expect-error a store needs increment(key, by, { ttl })
rateLimit({ store: new Map(), limit: 1, window: 1000 })

const app = express()
app.use(expressLimit<express.Request>(limiter, { key: (req) => req.get('x-api-key') ?? req.ip }))
// @ts-expect-error key returns a string
expressLimit(limiter, { key: () => 5 })

const fastify = Fastify()
fastify.addHook('onRequest', fastifyLimit(limiter, { key: (request) => request.ip }))
fastify.get('/search', { onRequest: fastifyLimit(limiter) }, async () => 'ok')

new Koa().use(koaLimit(limiter, { key: (ctx) => ctx.ip }))
new Hono().use(honoLimit(limiter, { key: (c) => c.req.header('x-api-key') }))

const limit = nodeLimit(limiter)
createServer(async (req, res) => {
  if (!(await limit(req, res))) return
  res.end('ok')
})

const fetchCheck = fetchLimit(limiter)
export async function handle(request: Request): Promise<Response> {
  const { refused, headers } = await fetchCheck(request, { ip: '203.0.113.7' })
  return refused ?? new Response('ok', { headers })
}
