// keycard with Hono on Node (@hono/node-server): a visit counter, log in and out, flash messages.
// Sessions are sealed into the cookie (the default store): no database, no server state.
//
//   npm run build && node examples/hono.mjs           (PORT=3000 by default; KEYCARD_SECRET if set)
//   curl -c jar -b jar localhost:3000/api/count       (again: the count goes up)
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { session } from 'keycard/hono'

process.env.NODE_ENV ||= 'development' // the cookie is not Secure: plain http on loopback
const app = new Hono()
// Without KEYCARD_SECRET, allowInsecureKey makes a random per-process key (with a loud warning).
app.use(session({ allowInsecureKey: true, cookie: { secure: false } }))

const htmlEscape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

app.get('/', (c) => {
  const s = c.get('session')
  s.visits = (s.visits ?? 0) + 1
  const flashes = s.flash('info').map((m) => `<p style="background:#e6f4ea">${htmlEscape(m)}</p>`)
  const login = s.user
    ? `Logged in as <b>${htmlEscape(s.user)}</b> <form method="post" action="/logout"><button>Log out</button></form>`
    : '<form method="post" action="/login?user=alice"><button>Log in as alice</button></form>'
  return c.html(`<!doctype html><title>keycard + Hono</title>${flashes.join('')}<p>Visits: <b>${s.visits}</b></p>${login}`)
})

app.get('/api/count', (c) => {
  const s = c.get('session')
  s.count = (s.count ?? 0) + 1
  return c.json({ count: s.count, user: s.user ?? null })
})

// POST only: with the default SameSite=Lax cookie, another site cannot post here with the session.
app.post('/login', (c) => {
  const s = c.get('session')
  const user = (c.req.query('user') ?? 'alice').slice(0, 40)
  s.regenerate({ keepData: true }) // a new id at login (fixation)
  s.user = user
  s.flash('info', `Welcome, ${user}`)
  return c.redirect('/', 303)
})

app.post('/logout', (c) => {
  const s = c.get('session')
  s.destroy() // the cookie is cleared...
  s.flash('info', 'Logged out') // ...and this starts a new session for the message
  return c.redirect('/', 303)
})

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' }, (info) => {
  console.log(`keycard hono example on http://127.0.0.1:${info.port}`)
})
