// keycard demo: a small Express app on keycard's sessions, with a session inspector beside every
// page (examples/demo/inspector.mjs), buttons that tamper with the cookie, log a user out
// everywhere and switch between the cookie and memory stores, argon2id passwords, CSRF tokens,
// flash messages and the benchmark charts. Run with `npm run demo` (builds what is missing
// first), then open the printed URL. Try KEYCARD_BACKEND=fallback npm run demo.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import express from 'express'
import { backend, hashPassword, verifyPassword } from 'keycard'
import { commitSession, csrf, session } from 'keycard/express'
import { memoryGenerations, memoryStore } from 'keycard/sessions'
import { benchPage, chartFile } from './demo/bench.mjs'
import { contextOf, onInvalid, sessions, timedCommit } from './demo/context.mjs'
import { html } from './demo/html.mjs'
import { panel, parseCookieHeader, parseSetCookie, setCookieLines } from './demo/inspector.mjs'
import { layout } from './demo/layout.mjs'
import { safetyRoutes } from './demo/safety.mjs'

const here = dirname(fileURLToPath(import.meta.url))
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

// Two session managers, the same app on each store; a preference cookie picks one per request.
// They share one generations store, so "log out everywhere" reaches a user's sessions on both.
const revocation = { userOf: (data) => data.user, generations: memoryGenerations() }
const common = { ...keyOptions, revocation, onInvalid }
const middlewares = {
  // The default store seals the whole session into the cookie: no database, no server state.
  cookie: session({ ...common, cookie: { secure: false } }),
  memory: session({ ...common, store: memoryStore(), cookie: { secure: false, name: 'keycard-memory' } }),
}
const STORE_COOKIE = 'demo-store'
const storeOf = (req) =>
  parseCookieHeader(req.headers.cookie).some((c) => c.name === STORE_COOKIE && c.value === 'memory') ? 'memory' : 'cookie'

// A CSRF token bound to this session: csrfToken() also marks a brand-new session to be saved, so
// the form on its first page verifies. The panel shows when the session started (recorded here).
function csrfToken(req) {
  req.session.startedAt ??= new Date().toISOString()
  return req.session.csrfToken()
}
const csrfField = (req, token = csrfToken(req)) => html`<input type="hidden" name="_csrf" value="${token}">`

/**
 * Sends a page. Everything that changes the session happens first (flash messages are taken, the
 * start time recorded); then the session is committed, so the panel can show the Set-Cookie lines
 * of this very response and how long the commit took. `error`: the error handler's call, where a
 * failed commit is shown rather than thrown again.
 */
async function render(req, res, { status = 200, title, body, error }) {
  const context = contextOf(req)
  const flashes = req.session.flash('info') // taking them removes them: each shows once
  const csrf = csrfToken(req)
  const { manager } = context
  let commitError
  try {
    await timedCommit(req, () => commitSession(req, res))
  } catch (err) {
    if (!error) throw err // to the error handler, which comes back here
    commitError = err.code ?? 'Error'
    res.end = context.send // keycard cannot commit this response any more: send it without
  }
  context.rendered = true
  const set = setCookieLines(res).map(parseSetCookie)
  const info = {
    backend: backend(),
    store: { kind: context.store, name: manager.cookieName, purpose: `keycard/session/${manager.cookieName}` },
    refused: context.refused,
    isNew: context.isNew,
    data: req.session.toJSON(),
    startedAt: req.session.startedAt,
    expiresAt: req.session.expiresAt.getTime(),
    now: Date.now(),
    ttl: manager.options.ttl,
    rolling: manager.options.rolling,
    renewed: set.some((c) => c.name === manager.cookieName && !c.cleared),
    sent: parseCookieHeader(req.headers.cookie),
    set,
    commitError,
    loadUs: context.loadUs,
    commitUs: context.commitUs,
    previous: context.previous,
  }
  const path = req.method === 'GET' ? req.path : '/'
  const view = { title, body, user: req.session.user, flashes, csrf, store: context.store, path, panel: panel(info) }
  res.status(status).send(layout(view))
}

const credentialsForm = (req, action, label, error) => html`${error ? html`<p class="error">${error}</p>` : ''}
<form method="post" action="${action}">${csrfField(req)}
<p><label>Name <input name="name" required maxlength="40" autocomplete="username"></label></p>
<p><label>Password <input name="password" type="password" required minlength="8" autocomplete="${action === '/signup' ? 'new-password' : 'current-password'}"></label></p>
<button>${label}</button></form>`

const app = express()
app.disable('x-powered-by')
// Pages load only what the demo serves: no inline script or style, no other origin.
app.use((_req, res, next) => {
  res.setHeader('Content-Security-Policy', "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
  next()
})
// Static files first: they need no session.
app.get('/demo/style.css', (_req, res) => res.sendFile('style.css', { root: join(here, 'demo') }))
app.get('/demo/demo.js', (_req, res) => res.sendFile('demo.js', { root: join(here, 'demo') }))
app.get('/bench/charts/:file', chartFile)
// Sessions come next, so that every later page (error pages included) has one.
app.use(sessions(middlewares, storeOf))
app.use(express.urlencoded({ extended: false, limit: '32kb' }))

// Every POST needs a token made for this session: another site can make the browser post here,
// with its cookies, but cannot read a token out of our pages.
// keycard/express's csrf(): the x-csrf-token header or the _csrf form field, checked against this
// session; a refusal is a CsrfError (ERR_CSRF, 403), rendered by the error handler below.
app.use(csrf())

app.get('/', (req, res) => {
  req.session.visits = (req.session.visits ?? 0) + 1
  req.session.startedAt ??= new Date().toISOString()
  const { name, reason, version } = backend()
  return render(req, res, {
    title: 'Home',
    body: html`<p>Visits in this session: <b id="visits">${req.session.visits}</b> (since ${req.session.startedAt})</p>
<p>Backend: <b id="backend">${name}</b> (${reason}), version ${version}</p>
<p>${req.session.user ? html`Hello, ${req.session.user}.` : html`<a href="/signup">Sign up</a>, then <a href="/login">log in</a>.`}</p>
<p>The panel shows what keycard did for this request: the cookies your browser sent, the ones this response sets, what the
sealed value is made of, and the session as the server sees it. Reload and watch it.</p>`,
  })
})

app.get('/signup', (req, res) => render(req, res, { title: 'Sign up', body: credentialsForm(req, '/signup', 'Create account') }))
app.post('/signup', async (req, res) => {
  const name = String(req.body.name ?? '').trim()
  const password = String(req.body.password ?? '')
  let error
  if (name === '' || name.length > 40) error = 'A name is 1 to 40 characters.'
  else if (password.length < 8) error = 'A password is at least 8 characters.'
  else if (users.has(name)) error = 'That name is taken.'
  if (error)
    return render(req, res, { status: 400, title: 'Sign up', body: credentialsForm(req, '/signup', 'Create account', error) })
  users.set(name, await hashPassword(password)) // argon2id, off the event loop
  req.session.flash('info', `Account created for ${name}: now log in.`)
  res.redirect(303, '/login')
})

app.get('/login', (req, res) => render(req, res, { title: 'Log in', body: credentialsForm(req, '/login', 'Log in') }))
app.post('/login', async (req, res) => {
  const name = String(req.body.name ?? '').trim()
  // An unknown name gives verifyPassword undefined: it still does a full argon2id (against a
  // dummy) and answers false, so a login takes as long whether the name exists or not.
  const ok = await verifyPassword(users.get(name), String(req.body.password ?? ''))
  if (!ok) {
    return render(req, res, {
      status: 401,
      title: 'Log in',
      body: credentialsForm(req, '/login', 'Log in', 'Wrong name or password.'),
    })
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

safetyRoutes(app, { middlewares, storeCookie: STORE_COOKIE })

app.get('/csrf', (req, res) => {
  const token = csrfToken(req)
  // The same form with one character of the real token changed, to see the 403.
  const forged = token.slice(0, 30) + (token[30] === 'A' ? 'B' : 'A') + token.slice(31)
  return render(req, res, {
    title: 'CSRF-protected form',
    body: html`<p>Your motto: <b id="motto">${req.session.motto ?? '(none yet)'}</b></p>
<form method="post" action="/csrf" id="motto-form">${csrfField(req, token)}<label>Motto <input name="motto" maxlength="200" required></label> <button>Save</button></form>
<form method="post" action="/csrf">${csrfField(req, forged)}<input type="hidden" name="motto" value="forged">
<p><button>Post with a tampered token (403)</button></p></form>`,
  })
})
app.post('/csrf', (req, res) => {
  req.session.motto = String(req.body.motto ?? '').slice(0, 200)
  res.redirect(303, '/csrf')
})

app.get('/note', (req, res) => {
  // What the browser sent: the sealed session, split into chunks of at most 4000 bytes.
  const name = contextOf(req).manager.cookieName
  const sent = parseCookieHeader(req.headers.cookie).filter((c) => c.name === name || c.name.startsWith(`${name}.`))
  const note = req.session.note
  return render(req, res, {
    title: 'A big note',
    body: html`<p>Session cookies in this request: <span id="cookies">${sent.map((c) => `${c.name} (${c.value.length} bytes)`).join(', ') || 'none'}</span></p>
<p>Stored note: <span id="note-size">${note ? `${Buffer.byteLength(note)} bytes` : 'none'}</span></p>${note ? html`<pre id="note">${note}</pre>` : ''}
<p>Save the sample (about 6 KB) on the cookie store: the sealed session no longer fits one cookie, and the panel shows it split over
<code>keycard</code>, <code>keycard.1</code>, <code>keycard.2</code>. Clear it and the extra chunks are deleted.</p>
<form method="post" action="/note">${csrfField(req)}<label for="note-text">Note</label><textarea id="note-text" name="note" rows="8">${note ?? SAMPLE_NOTE}</textarea>
<button name="action" value="save">Save note</button> <button name="action" value="clear">Clear note</button></form>`,
  })
})
app.post('/note', (req, res) => {
  const note = String(req.body.note ?? '')
  if (req.body.action === 'clear') delete req.session.note
  else if (Buffer.byteLength(note) > MAX_NOTE_BYTES) {
    return render(req, res, {
      status: 413,
      title: 'Too large',
      body: html`<p class="error">Notes are at most ${MAX_NOTE_BYTES} bytes.</p>`,
    })
  } else req.session.note = note
  res.redirect(303, '/note')
})

app.get('/bench', (req, res) => render(req, res, benchPage()))

// A session over the cookie store's maxBytes fails when it is saved (ERR_TOO_LARGE), not silently.
app.use((err, req, res, next) => {
  if (err.code !== 'ERR_CSRF' || !req.session) return next(err)
  return render(req, res, { status: 403, title: 'Forbidden', body: html`<p class="error">Missing or invalid CSRF token.</p>` })
})
app.use((err, req, res, _next) => {
  const status = err.code === 'ERR_TOO_LARGE' ? 413 : (err.status ?? 500)
  if (!req.session)
    return res
      .status(status)
      .type('text')
      .send(`${err.code ?? 'Error'}: ${err.message}`)
  return render(req, res, {
    status,
    title: 'Error',
    body: html`<p class="error">${err.code ?? 'Error'}: ${err.message}</p>`,
    error: err,
  })
})

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', (err) => {
  if (err) throw err // port taken...: stop with the reason
  console.log(`keycard demo on http://127.0.0.1:${server.address().port}`)
})
