import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { CsrfError } from 'keycard'
import { csrf as expressCsrf, session as expressSession } from 'keycard/express'
import { csrf as fastifyCsrf, session as fastifySession } from 'keycard/fastify'
import { csrf as fetchCsrf, session as fetchSession } from 'keycard/fetch'
import { csrf as honoCsrf, session as honoSession } from 'keycard/hono'
import { csrf as koaCsrf, session as koaSession } from 'keycard/koa'
import { csrf as nodeCsrf } from 'keycard/node'
import Koa from 'koa'

// Express: csrf() is middleware; skip sees Express's request; csrfToken() is a string.
const app = express()
app.use(expressSession())
app.use(expressCsrf<express.Request>({ skip: (req) => req.path.startsWith('/webhooks/'), ignoreMethods: ['GET'] }))
app.get('/form', (req, res) => {
  const token: string = req.session.csrfToken()
  res.send(token)
})
// @ts-expect-error ignoreMethods is a list of names
expressCsrf({ ignoreMethods: 'GET' })
// @ts-expect-error skip returns a boolean
expressCsrf({ skip: () => 'yes' })

// Fastify: a preHandler hook, app-wide or per route.
const fastify = Fastify()
void fastify.register(fastifySession)
fastify.addHook('preHandler', fastifyCsrf({ skip: (request) => request.url.startsWith('/webhooks/') }))
fastify.post('/transfer', { preHandler: fastifyCsrf() }, async (request) => ({ token: request.session.csrfToken() }))

// Koa and Hono: middleware; skip sees the context.
const koa = new Koa()
koa.use(koaSession())
koa.use(koaCsrf({ skip: (ctx) => ctx.path === '/hook', header: 'x-xsrf-token', field: 'csrf' }))
const hono = new Hono()
hono.use(honoSession())
hono.use(honoCsrf({ skip: (c) => c.req.path === '/hook' }))
hono.get('/form', (c) => c.text(c.get('session').csrfToken()))

// node and fetch: a check that throws a CsrfError.
const checkNode = nodeCsrf({ skip: (req) => req.url === '/hook' })
const checkFetch = fetchCsrf()
const sessions = fetchSession()
export async function handle(request: Request): Promise<Response> {
  const s = await sessions.load(request)
  try {
    checkFetch(request, s, await request.formData())
  } catch (err) {
    if (err instanceof CsrfError) return new Response(null, { status: err.status })
    throw err
  }
  // @ts-expect-error csrfToken is API, not a data key
  s.csrfToken = 'x'
  return sessions.commit(s, new Response(s.csrfToken()))
}

export { checkNode }
