/**
 * regenerate() rows: a new id at login, so a cookie planted or seen before the login never
 * carries it (session fixation); keepData moves the data to the new id.
 */

import { type AdapterName, serverStore } from '../../helpers/sessions'
import { counter, ID, ok, type RegisterOptions, type Row, registerRows } from './table'

/**
 * The regenerate rows, in the order they are registered.
 * @example
 * registerRows(regenerateRows, 'express')
 */
export const regenerateRows: Row[] = [
  {
    title: 'regenerate(): new id at login; the pre-login cookie never carries the login (fixation)',
    async run(t, env) {
      const app = await env.start({
        ...counter,
        '/login': (s) => {
          const before = s.id
          s.regenerate()
          const visitsAfterRegenerate = s.n ?? null
          s.user = 'alice'
          return { before, after: s.id, visitsAfterRegenerate, isNew: s.isNew }
        },
        '/whoami': (s) => ({ user: s.user ?? null, n: s.n ?? null, id: s.id, isNew: s.isNew }),
      })
      const victim = app.client()
      await ok(t, victim.get('/count'))
      const preLogin = victim.jar.snapshot()
      const id0 = (await ok(t, victim.get('/read'))).body as { id: string }
      const login = (await ok(t, victim.get('/login'))).body as { before: string; after: string; visitsAfterRegenerate: unknown }
      t.is(login.before, id0.id)
      t.regex(login.after, ID)
      t.not(login.after, login.before)
      t.is(login.visitsAfterRegenerate, null, 'regenerate() drops the data unless keepData')
      t.deepEqual((await ok(t, victim.get('/whoami'))).body, { user: 'alice', n: null, id: login.after, isNew: false })

      // The attacker replays the pre-login cookie.
      const attacker = app.client()
      attacker.jar.restore(preLogin)
      const replay = (await ok(t, attacker.get('/whoami'))).body as { user: unknown; n: unknown; id: string; isNew: boolean }
      t.is(replay.user, null, 'the pre-login cookie never opens the logged-in session')
      t.not(replay.id, login.after)
      if (env.store === 'memory') {
        // The old id was deleted from the store: the replay is an empty new session.
        t.deepEqual(replay, { user: null, n: null, id: replay.id, isNew: true })
        t.not(replay.id, id0.id)
        t.is(await serverStore(app).get(id0.id), undefined)
      } else {
        // Stateless: the pre-login cookie still holds the pre-login session, unchanged (and only it).
        t.deepEqual(replay, { user: null, n: 1, id: id0.id, isNew: false })
      }
    },
  },
  {
    title: 'regenerate({ keepData: true }) keeps the data under a new id',
    async run(t, env) {
      const app = await env.start({
        ...counter,
        '/login': (s) => {
          const before = s.id
          s.regenerate({ keepData: true })
          return { before, after: s.id, n: s.n }
        },
      })
      const c = app.client()
      await ok(t, c.get('/count'))
      await ok(t, c.get('/count'))
      const login = (await ok(t, c.get('/login'))).body as { before: string; after: string; n: number }
      t.not(login.after, login.before)
      t.is(login.n, 2)
      const read = (await ok(t, c.get('/read'))).body as { id: string; n: number }
      t.deepEqual([read.id, read.n], [login.after, 2])
    },
  },
]

/**
 * Registers the regenerate() rows for `adapter` × each store.
 * @example
 * registerRegenerate('koa')
 */
export function registerRegenerate(adapter: AdapterName, options?: RegisterOptions): void {
  registerRows(regenerateRows, adapter, options)
}
