/**
 * keycard/fetch: the session behaviour table (sessions/rows/, `registerAll`) for cookieStore() and
 * memoryStore(), over real HTTP through its harness (sessions/harness/fetch.ts), on the backend of
 * this run; then what is the fetch adapter's own.
 */
import test from 'ava'
import { session } from '../src/sessions/adapters/fetch'
import { memoryStore } from '../src/sessions/stores/memory'
import { SECRET, t_ } from './helpers/backends'
import { Client, serveFetch } from './helpers/http'
import { registerAll } from './sessions/rows'

registerAll('fetch')

// --- Regressions ----------------------------------------------------------------------------------

// `commit(s, Response.redirect(url))` (or a Response from fetch()) threw "immutable" after the
// manager had already marked the session saved, so the login's cookie was lost, and a retried
// commit on a fresh Response sent nothing either. The redirect carries the cookie.
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
