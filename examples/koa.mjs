// keycard with Koa: a visit counter, log in and out, flash messages. Sessions are sealed into the
// cookie (the default store): no database, no server state.
//
//   npm run build && node examples/koa.mjs            (PORT=3000 by default; KEYCARD_SECRET if set)
//   curl -c jar -b jar localhost:3000/api/count       (again: the count goes up)

import { session } from 'keycard/koa'
import Koa from 'koa'

process.env.NODE_ENV ||= 'development' // the cookie is not Secure: plain http on loopback
const app = new Koa()
// Without KEYCARD_SECRET, allowInsecureKey makes a random per-process key (with a loud warning).
app.use(session({ allowInsecureKey: true, cookie: { secure: false } }))

const htmlEscape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

const routes = {
  'GET /': (ctx) => {
    const s = ctx.session
    s.visits = (s.visits ?? 0) + 1
    const flashes = s.flash('info').map((m) => `<p style="background:#e6f4ea">${htmlEscape(m)}</p>`)
    const login = s.user
      ? `Logged in as <b>${htmlEscape(s.user)}</b> <form method="post" action="/logout"><button>Log out</button></form>`
      : '<form method="post" action="/login?user=alice"><button>Log in as alice</button></form>'
    ctx.type = 'html'
    ctx.body = `<!doctype html><title>keycard + Koa</title>${flashes.join('')}<p>Visits: <b>${s.visits}</b></p>${login}`
  },
  'GET /api/count': (ctx) => {
    ctx.session.count = (ctx.session.count ?? 0) + 1
    ctx.body = { count: ctx.session.count, user: ctx.session.user ?? null }
  },
  // POST only: with the default SameSite=Lax cookie, another site cannot post here with the session.
  'POST /login': (ctx) => {
    const user = String(ctx.query.user ?? 'alice').slice(0, 40)
    ctx.session.regenerate({ keepData: true }) // a new id at login (fixation)
    ctx.session.user = user
    ctx.session.flash('info', `Welcome, ${user}`)
    ctx.status = 303
    ctx.redirect('/')
  },
  'POST /logout': (ctx) => {
    ctx.session.destroy() // the cookie is cleared...
    ctx.session.flash('info', 'Logged out') // ...and this starts a new session for the message
    ctx.status = 303
    ctx.redirect('/')
  },
}
app.use((ctx) => routes[`${ctx.method} ${ctx.path}`]?.(ctx))

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`keycard koa example on http://127.0.0.1:${server.address().port}`)
})
