/**
 * keycard/fetch over real HTTP: the session behaviour table (helpers/session_behaviours.ts) for
 * cookieStore() and memoryStore(), on the backend of this run.
 */
import test from 'ava'
import { session } from '../src/sessions/adapters/fetch'
import { memoryStore } from '../src/sessions/stores/memory'
import { SECRET, t_ } from './helpers/backends'
import { Client, serveFetch } from './helpers/http'
import { registerSessionBehaviours } from './helpers/session_behaviours'

registerSessionBehaviours('fetch')

// --- Known bug (reported) ---------------------------------------------------------------------------

// `commit(s, Response.redirect(url))` (or a Response from fetch()) throws "immutable" after the
// manager has already marked the session saved, so the login's cookie is lost, and a retried
// commit on a fresh Response sends nothing either. Expected: the redirect carries the cookie.
for (const store of ['cookie', 'memory'] as const) {
  test(t_(`fetch × ${store}: a login answered with Response.redirect() sets the session cookie`), async (t) => {
    const sessions = session({ secret: SECRET, store: store === 'memory' ? memoryStore() : undefined })
    const { origin } = await serveFetch(t, async (request) => {
      const s = await sessions.load(request)
      const url = new URL(request.url)
      if (url.pathname === '/login') {
        s.regenerate()
        s.user = 'alice'
        try {
          return await sessions.commit(s, Response.redirect(new URL('/home', url), 302))
        } catch {
          // What an app would do next: answer the redirect on a Response it built itself.
          return sessions.commit(s, new Response(null, { status: 302, headers: { location: '/home' } }))
        }
      }
      return Response.json(s.user ?? null)
    })
    const c = new Client(origin)
    const login = await c.get('/login')
    t.is(login.status, 302)
    t.is((await c.get('/home')).body, 'alice')
  })
}
