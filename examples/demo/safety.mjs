// The routes behind the "try it" buttons: tamper with the cookie, log out everywhere, switch the
// store, and /status for demo.js. Each is an ordinary form POST (CSRF-checked by the demo's
// middleware before it gets here), so all of them work without JavaScript.
import { commitSession } from 'keycard/express'
import { contextOf } from './context.mjs'
import { parseCookieHeader, parseSetCookie, setCookieLines } from './inspector.mjs'
import { flipOneBit, safeBack } from './tamper.mjs'

/**
 * Adds the routes to `app`. `middlewares`: the session middleware per store ({ cookie, memory });
 * `storeCookie`: the name of the cookie that remembers the chosen store.
 * @example
 * safetyRoutes(app, { middlewares, storeCookie: 'demo-store' })
 */
export function safetyRoutes(app, { middlewares, storeCookie }) {
  app.post('/logout-everywhere', async (req, res) => {
    const user = req.session.user
    if (user !== undefined) {
      // Every session of this user saved until now is refused (ERR_REVOKED), on both stores and in
      // every browser: the sealed cookies still exist, but their generation is over.
      await contextOf(req).manager.revokeUser(user)
      req.session.destroy()
      req.session.flash('info', `Every session of ${user} is logged out, this one included.`)
    }
    res.redirect(303, '/')
  })

  app.post('/tamper', async (req, res) => {
    const name = contextOf(req).manager.cookieName
    // Commit first, so that the tampered line below is the last word on this cookie in the response.
    await commitSession(req, res)
    const lines = setCookieLines(res)
    const fresh = lines.map(parseSetCookie).find((c) => c.name === name && !c.cleared)
    const value = fresh?.value ?? parseCookieHeader(req.headers.cookie).find((c) => c.name === name)?.value
    if (value !== undefined) {
      const maxAge = Math.max(1, Math.floor((req.session.expiresAt.getTime() - Date.now()) / 1000))
      const attributes = fresh?.attributes ?? [`Max-Age=${maxAge}`, 'Path=/', 'HttpOnly', 'SameSite=Lax']
      const others = lines.filter((line) => parseSetCookie(line).name !== name)
      res.setHeader('Set-Cookie', [...others, [`${name}=${flipOneBit(value)}`, ...attributes].join('; ')])
    }
    res.redirect(303, safeBack(req.body.back))
  })

  app.post('/store', async (req, res) => {
    const to = req.body.to === 'memory' ? 'memory' : 'cookie'
    if (to !== contextOf(req).store) {
      // The session moves: a new session on the other store with the same data (and a new id), the
      // old one destroyed (its cookies cleared with this response), then the preference cookie.
      const target = middlewares[to].manager
      const moved = await target.load(undefined)
      for (const [key, value] of Object.entries(req.session.toJSON())) moved[key] = value
      moved.flash('info', `Your session moved to the ${to} store.`)
      res.append('Set-Cookie', await target.commit(moved))
      req.session.destroy()
      res.cookie(storeCookie, to, { httpOnly: true, sameSite: 'lax', path: '/' })
    }
    res.redirect(303, safeBack(req.body.back))
  })

  // For demo.js: who this session belongs to, and whether its cookie was refused (ERR_REVOKED after
  // "log out everywhere" in another window). Reading it changes nothing unless the cookie is refused.
  app.get('/status', (req, res) => {
    res.set('Cache-Control', 'no-store').json({ user: req.session.user ?? null, refused: contextOf(req).refused ?? null })
  })
}
