// keycard demo: a small Express app on keycard's sessions (sealed in the cookie, no server state),
// argon2id passwords, CSRF tokens and flash messages. Run with `npm run demo` (builds what is
// missing first), then open the printed URL. Try KEYCARD_BACKEND=fallback npm run demo.
import express from 'express'
import { backend, createCsrfToken, hashPassword, verifyCsrfToken, verifyPassword } from 'keycard'
import { session } from 'keycard/express'

// The cookie is not Secure (plain http on loopback); keycard warns about that outside development.
process.env.NODE_ENV ||= 'development'
// No secret is passed: keycard reads KEYCARD_SECRET (comma-separated for rotation). Without one,
// allowInsecureKey makes a random per-process key and warns loudly; it is refused in production.
const keyOptions = { allowInsecureKey: true }
const users = new Map() // name -> argon2id hash; a demo forgets everyone when it stops
// 100 lines of 60 characters: 6000 bytes, over twice what one cookie holds once sealed.
const SAMPLE_NOTE = Array.from(
  { length: 100 },
  (_, i) => `${String(i + 1).padStart(3, '0')} keycard seals this note into the session cookie........\n`,
).join('')
const MAX_NOTE_BYTES = 7000 // the cookie store holds 12000 sealed bytes; sealing adds a third

// --- HTML: every value interpolated into html`` is escaped, unless it is html`` itself ----------
class Html {
  constructor(text) {
    this.text = text
  }
}
const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
const part = (value) => {
  if (value instanceof Html) return value.text
  if (Array.isArray(value)) return value.map(part).join('')
  if (value === undefined || value === null || value === false) return ''
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c])
}
const html = (strings, ...values) => new Html(strings.reduce((out, s, i) => out + part(values[i - 1]) + s))

// A CSRF token is bound to the session id, so that id has to outlive this response. A new session
// nobody wrote to is not saved (saveUninitialized: false), so record when it started.
function csrfToken(req) {
  req.session.startedAt ??= new Date().toISOString()
  return createCsrfToken(req.session.id, undefined, keyOptions)
}
const csrfField = (req, token = csrfToken(req)) => html`<input type="hidden" name="_csrf" value="${token}">`

function page(req, title, body) {
  const user = req.session.user
  const flashes = req.session.flash('info') // taking them removes them: each shows once
  return html`<!doctype html><html><head><meta charset="utf-8"><title>${title} · keycard demo</title>
<style>body{font:16px system-ui;max-width:42rem;margin:2rem auto;padding:0 1rem}nav a{margin-right:1rem}
.flash{background:#e6f4ea;padding:.5rem 1rem}.error{background:#fde8e8;padding:.5rem 1rem}textarea{width:100%}</style></head>
<body><nav><a href="/">Home</a><a href="/signup">Sign up</a><a href="/login">Log in</a><a href="/csrf">CSRF form</a><a href="/note">Big note</a></nav>
<div>${user ? html`Logged in as <b id="user">${user}</b> <form method="post" action="/logout" style="display:inline">${csrfField(req)}<button>Log out</button></form>` : 'Not logged in.'}</div>
${flashes.map((message) => html`<p class="flash">${message}</p>`)}
<h1>${title}</h1>${body}</body></html>`.text
}

const credentialsForm = (req, action, label, error) => html`${error ? html`<p class="error">${error}</p>` : ''}
<form method="post" action="${action}">${csrfField(req)}
<p><label>Name <input name="name" required maxlength="40" autocomplete="username"></label></p>
<p><label>Password <input name="password" type="password" required minlength="8" autocomplete="${action === '/signup' ? 'new-password' : 'current-password'}"></label></p>
<button>${label}</button></form>`

const app = express()
// The default store seals the whole session into the cookie: no database, no server state.
// It comes first so that every later error page (a body too large...) has a session.
app.use(session({ ...keyOptions, cookie: { secure: false } }))
app.use(express.urlencoded({ extended: false, limit: '32kb' }))

// Every POST needs a token made for this session: another site can make the browser post here,
// with its cookies, but cannot read a token out of our pages.
app.use((req, res, next) => {
  if (req.method !== 'POST' || verifyCsrfToken(req.body?._csrf, req.session.id, undefined, keyOptions)) return next()
  res.status(403).send(page(req, 'Forbidden', html`<p class="error">Missing or invalid CSRF token.</p>`))
})

app.get('/', (req, res) => {
  req.session.visits = (req.session.visits ?? 0) + 1
  req.session.startedAt ??= new Date().toISOString()
  const { name, reason, version } = backend()
  res.send(
    page(
      req,
      'Home',
      html`<p>Visits in this session: <b id="visits">${req.session.visits}</b> (since ${req.session.startedAt})</p>
<p>Backend: <b id="backend">${name}</b> (${reason}), version ${version}</p>
<p>${req.session.user ? html`Hello, ${req.session.user}.` : html`<a href="/signup">Sign up</a>, then <a href="/login">log in</a>.`}</p>`,
    ),
  )
})

app.get('/signup', (req, res) => res.send(page(req, 'Sign up', credentialsForm(req, '/signup', 'Create account'))))
app.post('/signup', async (req, res) => {
  const name = String(req.body.name ?? '').trim()
  const password = String(req.body.password ?? '')
  let error
  if (name === '' || name.length > 40) error = 'A name is 1 to 40 characters.'
  else if (password.length < 8) error = 'A password is at least 8 characters.'
  else if (users.has(name)) error = 'That name is taken.'
  if (error) return res.status(400).send(page(req, 'Sign up', credentialsForm(req, '/signup', 'Create account', error)))
  users.set(name, await hashPassword(password)) // argon2id, off the event loop
  req.session.flash('info', `Account created for ${name}: now log in.`)
  res.redirect(303, '/login')
})

app.get('/login', (req, res) => res.send(page(req, 'Log in', credentialsForm(req, '/login', 'Log in'))))
app.post('/login', async (req, res) => {
  const name = String(req.body.name ?? '').trim()
  // An unknown name gives verifyPassword undefined: it still does a full argon2id (against a
  // dummy) and answers false, so a login takes as long whether the name exists or not.
  const ok = await verifyPassword(users.get(name), String(req.body.password ?? ''))
  if (!ok) {
    return res.status(401).send(page(req, 'Log in', credentialsForm(req, '/login', 'Log in', 'Wrong name or password.')))
  }
  // A new session id at login: an id an attacker planted before it is worth nothing (fixation).
  // keepData keeps the visit counter; the CSRF tokens of the old id stop working.
  req.session.regenerate({ keepData: true })
  req.session.user = name
  req.session.flash('info', `Welcome back, ${name}`)
  res.redirect(303, '/')
})

app.post('/logout', (req, res) => {
  req.session.destroy() // clears every cookie of the session; the next visit starts from zero
  res.redirect(303, '/')
})

app.get('/csrf', (req, res) => {
  const token = csrfToken(req)
  // The same form with one character of the real token changed, to see the 403.
  const forged = token.slice(0, 30) + (token[30] === 'A' ? 'B' : 'A') + token.slice(31)
  res.send(
    page(
      req,
      'CSRF-protected form',
      html`<p>Your motto: <b id="motto">${req.session.motto ?? '(none yet)'}</b></p>
<form method="post" action="/csrf" id="motto-form">${csrfField(req, token)}<input name="motto" maxlength="200" required> <button>Save</button></form>
<form method="post" action="/csrf">${csrfField(req, forged)}<input type="hidden" name="motto" value="forged">
<p><button>Post with a tampered token (403)</button></p></form>`,
    ),
  )
})
app.post('/csrf', (req, res) => {
  req.session.motto = String(req.body.motto ?? '').slice(0, 200)
  res.redirect(303, '/csrf')
})

app.get('/note', (req, res) => {
  // What the browser sent: the sealed session, split into chunks of at most 4000 bytes.
  const cookies = (req.headers.cookie ?? '').split(';').map((c) => c.trim().split('='))
  const sent = cookies.filter(([name]) => /^keycard(\.\d+)?$/.test(name))
  const note = req.session.note
  res.send(
    page(
      req,
      'A big note',
      html`<p>Session cookies in this request: <span id="cookies">${sent.map(([n, ...v]) => `${n} (${v.join('=').length} bytes)`).join(', ') || 'none'}</span></p>
<p>Stored note: <span id="note-size">${note ? `${Buffer.byteLength(note)} bytes` : 'none'}</span></p>${note ? html`<pre id="note">${note}</pre>` : ''}
<form method="post" action="/note">${csrfField(req)}<textarea name="note" rows="8">${note ?? SAMPLE_NOTE}</textarea>
<button name="action" value="save">Save note</button> <button name="action" value="clear">Clear note</button></form>`,
    ),
  )
})
app.post('/note', (req, res) => {
  const note = String(req.body.note ?? '')
  if (req.body.action === 'clear') delete req.session.note
  else if (Buffer.byteLength(note) > MAX_NOTE_BYTES) {
    return res.status(413).send(page(req, 'Too large', html`<p class="error">Notes are at most ${MAX_NOTE_BYTES} bytes.</p>`))
  } else req.session.note = note
  res.redirect(303, '/note')
})

// A session over the cookie store's maxBytes fails when it is saved (ERR_TOO_LARGE), not silently.
app.use((err, req, res, _next) => {
  const status = err.code === 'ERR_TOO_LARGE' ? 413 : (err.status ?? 500)
  res.status(status).send(page(req, 'Error', html`<p class="error">${err.code ?? 'Error'}: ${err.message}</p>`))
})

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', (err) => {
  if (err) throw err // port taken...: stop with the reason
  console.log(`keycard demo on http://127.0.0.1:${server.address().port}`)
})
