/**
 * Revocation rows ("log out everywhere"), for every adapter × store: with
 * `revocation: { userOf, generations: memoryGenerations() }`, `manager.revokeUser(user)` makes
 * every session of that user saved before it refused, even a stateless cookie a thief copied;
 * other users and anonymous sessions carry on, and a fresh login works.
 */

import type { ExecutionContext } from 'ava'
import { memoryGenerations } from '../../../src/sessions'
import { type Client, isDeletion, setCookiesNamed } from '../../helpers/http'
import type { AdapterName, App, AppOptions, Routes } from '../../helpers/sessions'
import { NAME, type RegisterOptions, type Row, registerRows } from './table'

interface WhoAmI {
  user: string | null
  isNew: boolean
  keys: string[]
}

const routes: Routes = {
  '/login': (s, ctx) => {
    s.regenerate()
    s.user = ctx.q('user')
    s.cart = ['book']
  },
  '/anon': (s) => {
    s.visits = 1
  },
  '/whoami': (s) => ({ user: s.user ?? null, isNew: s.isNew, keys: Object.keys(s).sort() }),
}

async function login(t: ExecutionContext, app: App, user: string): Promise<Client> {
  const c = app.client()
  t.is((await c.get(`/login?user=${user}`)).status, 200)
  return c
}

async function who(c: Client): Promise<WhoAmI> {
  const r = await c.get<WhoAmI>('/whoami')
  if (r.status !== 200) throw new Error(`status ${r.status}: ${JSON.stringify(r.body)}`)
  return r.body
}

/**
 * The revocation rows, in the order they are registered.
 * @example
 * registerRows(revocationRows, 'express')
 */
export const revocationRows: Row[] = [
  {
    title: 'revokeUser logs one user out everywhere; others stay; a new login works',
    defaultStoresOnly: true,
    async run(t, env) {
      const generations = memoryGenerations()
      const app = await env.start(routes, { revocation: { userOf: (d) => d.user as string | undefined, generations } })
      const laptop = await login(t, app, 'alice')
      const phone = await login(t, app, 'alice')
      const bob = await login(t, app, 'bob')
      const anon = app.client()
      await anon.get('/anon')
      const stolen = laptop.jar.snapshot()
      for (const [c, user] of [
        [laptop, 'alice'],
        [phone, 'alice'],
        [bob, 'bob'],
      ] as const) {
        t.is((await who(c)).user, user, 'control: logged in before the revocation')
      }

      t.is(await app.manager.revokeUser('alice'), 1)

      const out = await laptop.get<WhoAmI>('/whoami')
      t.is(out.status, 200)
      t.deepEqual(out.body, { user: null, isNew: true, keys: [] }, 'the revoked session is a fresh empty one')
      t.true(setCookiesNamed(out, NAME).some(isDeletion), 'and its cookie is cleared')
      t.deepEqual(await who(phone), { user: null, isNew: true, keys: [] }, 'on every device')
      const thief = app.client()
      thief.jar.restore(stolen)
      t.deepEqual(await who(thief), { user: null, isNew: true, keys: [] }, 'a copied cookie is refused too')
      t.true(app.invalid.includes('ERR_REVOKED'))

      t.deepEqual(await who(bob), { user: 'bob', isNew: false, keys: ['cart', 'user'] }, 'other users carry on')
      t.deepEqual(await who(anon), { user: null, isNew: false, keys: ['visits'] }, 'anonymous sessions carry on')

      const again = await login(t, app, 'alice')
      t.deepEqual(await who(again), { user: 'alice', isNew: false, keys: ['cart', 'user'] }, 'a fresh login works')
      t.is((await who(again)).user, 'alice', 'and keeps working')
      thief.jar.restore(stolen)
      t.is((await who(thief)).user, null, 'the old cookie stays refused after the new login')

      t.is(await app.manager.revokeUser('alice'), 2)
      t.is((await who(again)).user, null, 'a second revocation refuses the second login')
      t.is((await who(bob)).user, 'bob')
    },
  },
  // --- Regressions ------------------------------------------------------------------------------
  // "Log out everywhere else": regenerate() kept the session's recorded generation (meta.g), so
  // after revokeUser(me) the current device's new session was saved under the old generation and
  // refused on its next request. A regenerated session is a new session: it records the user's
  // current generation.
  {
    title: 'revokeUser(me) then regenerate() keeps the current device logged in',
    defaultStoresOnly: true,
    async run(t, env) {
      const app: App = await env.start(
        {
          ...routes,
          // "Log out everywhere else": revoke, then keep this device under a new id.
          '/revoke-others': async (s) => {
            await app.manager.revokeUser(s.user)
            s.regenerate({ keepData: true })
          },
        },
        { revocation: { userOf: (d) => d.user as string | undefined, generations: memoryGenerations() } },
      )
      const laptop = await login(t, app, 'alice')
      const phone = await login(t, app, 'alice')
      t.is((await laptop.get('/revoke-others')).status, 200)
      t.is((await who(phone)).user, null, 'the other device is logged out')
      t.is((await who(laptop)).user, 'alice', 'this device stays logged in')
    },
  },
  // The cookie store has nothing server-side to delete at logout, so a slow request that loaded the
  // session before /logout re-sets the old session when it commits after it (docs/SESSIONS.md,
  // "Revoking stateless sessions"). With `revocation`, a logout that calls revokeUser leaves that
  // re-set cookie dead: it carries the generation of before the logout, and is refused.
  {
    title: 'a slow request that began before logout + revokeUser does not bring the session back',
    stores: ['cookie'],
    defaultStoresOnly: true,
    async run(t, env) {
      const run = async (revocation: boolean) => {
        let entered!: () => void
        const inside = new Promise<void>((resolve) => {
          entered = resolve
        })
        let release!: () => void
        const gate = new Promise<void>((resolve) => {
          release = resolve
        })
        const options: AppOptions = revocation
          ? { revocation: { userOf: (d) => d.user as string | undefined, generations: memoryGenerations() } }
          : {}
        const app: App = await env.start(
          {
            ...routes,
            '/slow-write': async (s) => {
              entered()
              await gate
              s.lastSeen = 1
            },
            '/logout': async (s) => {
              if (revocation) await app.manager.revokeUser(s.user)
              s.destroy()
            },
          },
          options,
        )
        const c = await login(t, app, 'alice')
        const preLogout = c.jar.snapshot()
        const slow = c.get('/slow-write')
        await inside
        t.is((await c.get('/logout')).status, 200)
        t.is((await who(c)).user, null, 'logged out')
        release()
        const late = await slow
        t.is(late.status, 200)
        const after = (await who(c)).user
        const thief = app.client()
        thief.jar.restore(preLogout)
        return { app, after, old: (await who(thief)).user, resent: setCookiesNamed(late, NAME).some((l) => !isDeletion(l)) }
      }
      // Control, without revocation: the slow response re-sets the old session, which opens again.
      const without = await run(false)
      t.true(without.resent, 'control: the slow response carries the pre-logout session')
      t.is(without.after, 'alice', 'control: without revocation the session comes back')
      // With revocation and revokeUser at logout, the same response cannot bring it back.
      const withRevocation = await run(true)
      t.is(withRevocation.after, null, 'the browser stays logged out')
      t.is(withRevocation.old, null, 'and the pre-logout cookie stays dead')
      t.true(withRevocation.app.invalid.includes('ERR_REVOKED'))
    },
  },
]

/**
 * Registers the revocation rows for `adapter` × each store.
 * @example
 * registerRevocation('hono')
 */
export function registerRevocation(adapter: AdapterName, options?: RegisterOptions): void {
  registerRows(revocationRows, adapter, options)
}
