// keycard with Fastify: a visit counter, log in and out, flash messages. Sessions are sealed into
// the cookie (the default store): no database, no server state.
//
//   npm run build && node examples/fastify.mjs        (PORT=3000 by default; KEYCARD_SECRET if set)
//   curl -c jar -b jar localhost:3000/api/count       (again: the count goes up)
import Fastify from 'fastify'
import { session } from 'keycard/fastify'

process.env.NODE_ENV ||= 'development' // the cookie is not Secure: plain http on loopback
const app = Fastify()
// Without KEYCARD_SECRET, allowInsecureKey makes a random per-process key (with a loud warning).
await app.register(session, { allowInsecureKey: true, cookie: { secure: false } })

const htmlEscape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

app.get('/', async (request, reply) => {
  const s = request.session
  s.visits = (s.visits ?? 0) + 1
  const flashes = s.flash('info').map((m) => `<p style="background:#e6f4ea">${htmlEscape(m)}</p>`)
  const login = s.user
    ? `Logged in as <b>${htmlEscape(s.user)}</b> <form method="post" action="/logout"><button>Log out</button></form>`
    : '<form method="post" action="/login?user=alice"><button>Log in as alice</button></form>'
  reply.type('text/html')
  return `<!doctype html><title>keycard + Fastify</title>${flashes.join('')}<p>Visits: <b>${s.visits}</b></p>${login}`
})

app.get('/api/count', async (request) => {
  request.session.count = (request.session.count ?? 0) + 1
  return { count: request.session.count, user: request.session.user ?? null }
})

// POST only: with the default SameSite=Lax cookie, another site cannot post here with the session.
app.post('/login', async (request, reply) => {
  const user = String(request.query.user ?? 'alice').slice(0, 40)
  request.session.regenerate({ keepData: true }) // a new id at login (fixation)
  request.session.user = user
  request.session.flash('info', `Welcome, ${user}`)
  return reply.redirect('/', 303)
})

app.post('/logout', async (request, reply) => {
  request.session.destroy() // the cookie is cleared...
  request.session.flash('info', 'Logged out') // ...and this starts a new session for the message
  return reply.redirect('/', 303)
})

const address = await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' })
console.log(`keycard fastify example on ${address}`)
