// Issue 16 items 1 and 2: setTtl/setPersistent on every adapter's session, and the options and
// manager calls of header sessions.
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { session as expressSession } from 'keycard/express'
import { session as fastifySession } from 'keycard/fastify'
import { session as fetchSession } from 'keycard/fetch'
import { session as honoSession } from 'keycard/hono'
import { session as koaSession } from 'keycard/koa'
import { session as nodeSession } from 'keycard/node'
import { type Session, SessionManager } from 'keycard/sessions'
import Koa from 'koa'

const app = express()
app.use(expressSession({ header: 'x-session-token', cookie: { persistent: false } }))
app.post('/login', (req, res) => {
  req.session.setTtl('30d')
  req.session.setTtl(30 * 86_400_000)
  req.session.setPersistent(true)
  // @ts-expect-error a duration is a number or a string
  req.session.setTtl(new Date())
  // @ts-expect-error setPersistent takes a boolean
  req.session.setPersistent('yes')
  res.end()
})

const fastify = Fastify()
void fastify.register(fastifySession, { header: 'x-session-token' })
fastify.get('/', async (request) => {
  request.session.setTtl('2h')
  request.session.setPersistent(false)
})

const koa = new Koa()
koa.use(koaSession())
koa.use((ctx) => {
  ctx.session.setTtl('1d')
  ctx.session.setPersistent(false)
})

const hono = new Hono()
hono.use(honoSession())
hono.get('/', (c) => {
  c.get('session').setTtl('1w')
  c.get('session').setPersistent(true)
  return c.text('ok')
})

const fetchSessions = fetchSession({ header: 'x-session-token' })
const nodeSessions = nodeSession()
export async function handle(request: Request, s: Session): Promise<Response> {
  s.setTtl(1000)
  const loaded = await fetchSessions.load(request)
  loaded.setPersistent(false)
  const manager: SessionManager = nodeSessions.manager as SessionManager
  const name: string | null = manager.headerName
  const value: string | undefined = manager.responseHeader(s)
  const other = new SessionManager({ header: 'x-session-token' })
  await other.load(undefined, 'value')
  // @ts-expect-error the header option is a header name
  new SessionManager({ header: true })
  // @ts-expect-error cookie.persistent is a boolean
  new SessionManager({ cookie: { persistent: 'no' } })
  return fetchSessions.commit(loaded, new Response(`${name} ${value}`))
}
