/**
 * Concurrency rows: concurrent requests of one session, for every adapter × store.
 *
 * Semantics under test (docs/SESSIONS.md, "Concurrent requests of one session"):
 * - each request works on its own snapshot of the session, loaded when the request starts; what
 *   other requests commit meanwhile is not seen, and what this one writes is not seen by others
 *   until it commits;
 * - a commit writes the whole session at once, so no request ever sees half of another's write:
 *   a writer that sets `a` and `b` to the same value (with an await between the two) is never
 *   observed with a !== b;
 * - when several requests change the session, the last commit wins: for the memory store the
 *   last `set` the store received; for the cookie store the last Set-Cookie the client stored
 *   (each response carries a whole sealed session, and the browser keeps whichever came last).
 *
 * Writers and readers await random short delays mid-request so their work interleaves.
 */

import { setTimeout as delay } from 'node:timers/promises'
import type { ExecutionContext } from 'ava'
import { memoryStore, type ServerStore } from '../../../src/sessions'
import { type Client, parseSetCookie } from '../../helpers/http'
import type { AdapterName, App, Routes } from '../../helpers/sessions'
import { NAME, type RegisterOptions, type Row, registerRows } from './table'

const N = 50

/** A memory store that records the data of every `set`, in the order the store received them. */
function loggingMemoryStore(): { store: ServerStore; sets: string[] } {
  const base = memoryStore()
  const sets: string[] = []
  const store: ServerStore = {
    kind: 'server',
    get: (id) => base.get(id),
    async set(id, session, ttl) {
      sets.push(session.dataJson)
      await base.set(id, session, ttl)
    },
    destroy: (id) => base.destroy(id),
  }
  return { store, sets }
}

const jitter = () => delay(Math.floor(Math.random() * 6))

const routes: Routes = {
  '/init': (s) => {
    s.a = 0
    s.b = 0
  },
  '/write': async (s, ctx) => {
    const v = Number(ctx.q('v'))
    s.a = v
    await jitter()
    s.b = v
    return v
  },
  '/read': async (s) => {
    const a = s.a
    await jitter()
    const b = s.b
    return { a, b }
  },
}

interface Fired {
  reads: { a: number; b: number }[]
  /** The writers' values by their Set-Cookie value for the session cookie. */
  writerOfCookie: Map<string, number>
}

/** Fires N requests of `c`'s session: every third a writer of a new value, the rest readers. */
async function fire(t: ExecutionContext, c: Client, base: number, stagger: boolean): Promise<Fired> {
  const reads: { a: number; b: number }[] = []
  const writerOfCookie = new Map<string, number>()
  await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      if (stagger) await delay(i % 10)
      if (i % 3 === 0) {
        const v = base + i
        const r = await c.get<number>(`/write?v=${v}`)
        t.is(r.status, 200)
        t.is(r.body, v)
        for (const line of r.setCookie) {
          const parsed = parseSetCookie(line)
          if (parsed?.name === NAME) writerOfCookie.set(parsed.value, v)
        }
      } else {
        const r = await c.get<{ a: number; b: number }>('/read')
        t.is(r.status, 200)
        t.deepEqual(r.setCookie, [], 'a reader changes nothing')
        reads.push(r.body)
      }
    }),
  )
  return { reads, writerOfCookie }
}

async function setup(
  t: ExecutionContext,
  start: (routes: Routes, options?: { store?: ServerStore }) => Promise<App>,
  kind: string,
) {
  const logging = kind === 'memory' ? loggingMemoryStore() : undefined
  const app: App = await start(routes, logging ? { store: logging.store } : {})
  const c = app.client()
  // The jar's stores, in order: the cookie the client ends up with is the last one stored.
  const stored: string[] = []
  const store = c.jar.store.bind(c.jar)
  c.jar.store = (line, url) => {
    const parsed = parseSetCookie(line)
    if (parsed?.name === NAME) stored.push(parsed.value)
    store(line, url)
  }
  t.is((await c.get('/init')).status, 200)
  return { app, c, sets: logging?.sets, stored }
}

const SLOW_ROUTES = [
  ['a write', {}, '/slow-write'],
  ['a read with rolling: true', { rolling: true }, '/slow-read'],
  ['save() and a later write', {}, '/slow-save'],
] as const

/**
 * The concurrency rows, in the order they are registered.
 * @example
 * registerRows(concurrencyRows, 'express')
 */
export const concurrencyRows: Row[] = [
  {
    title: `${N} concurrent requests of one session never see a torn write`,
    defaultStoresOnly: true,
    async run(t, env) {
      const { c, sets, stored } = await setup(t, env.start, env.store)
      const writers = Array.from({ length: N }, (_, i) => i).filter((i) => i % 3 === 0)

      let previous = 0
      for (const [round, stagger] of [
        [1, false],
        [2, true],
      ] as const) {
        const base = round * 1000
        const { reads, writerOfCookie } = await fire(t, c, base, stagger)
        t.is(reads.length, N - writers.length)
        for (const { a, b } of reads) t.is(a, b, `round ${round}: a reader saw a === b (${a}, ${b})`)
        // Readers only ever see committed states: the round's starting one or a writer's whole write.
        const allowed = new Set([previous, ...writers.map((i) => base + i)])
        for (const { a } of reads) t.true(allowed.has(a), `round ${round}: ${a} is a committed value`)
        if (!sets && !stagger) {
          // Cookie store, all sent at once: every request carried the same cookie, its own snapshot.
          t.deepEqual(new Set(reads.map((r) => r.a)), new Set([previous]))
        }

        const final = (await c.get<{ a: number; b: number }>('/read')).body
        t.is(final.a, final.b)
        t.true(
          writers.some((i) => base + i === final.a),
          `round ${round}: the session ends on one of this round's writes`,
        )
        if (sets) {
          // Memory store: the last write the store received wins.
          t.is(sets.at(-1), JSON.stringify({ a: final.a, b: final.b }))
        } else {
          // Cookie store: the last Set-Cookie the client stored wins.
          t.is(writerOfCookie.get(stored.at(-1) ?? ''), final.a)
        }
        previous = final.a
      }
    },
  },
  // --- Regressions ------------------------------------------------------------------------------
  // Logout racing another request of the same session (server store): the other request loaded
  // the session before the logout and commits after it (a write, or just a re-send with rolling:
  // true); its commit wrote the destroyed id back into the store and sent its cookie again, so the
  // user was logged in again. "Last commit wins" does not extend to resurrecting a destroyed id.
  ...(
    [
      ['a concurrent write', {}, '/slow-write'],
      ['a concurrent read with rolling: true', { rolling: true }, '/slow-read'],
    ] as const
  ).map(
    ([label, options, route]): Row => ({
      title: `${label} does not bring a logged-out session back`,
      stores: ['memory'],
      defaultStoresOnly: true,
      async run(t, env) {
        let entered!: () => void
        const inside = new Promise<void>((resolve) => {
          entered = resolve
        })
        let release!: () => void
        const gate = new Promise<void>((resolve) => {
          release = resolve
        })
        const app = await env.start(
          {
            '/login': (s) => {
              s.regenerate()
              s.user = 'alice'
            },
            '/logout': (s) => s.destroy(),
            '/slow-write': async (s) => {
              entered()
              await gate
              s.lastSeen = 1
            },
            '/slow-read': async (s) => {
              entered()
              await gate
              return s.user
            },
            '/whoami': (s) => s.user ?? null,
          },
          options,
        )
        const c = app.client()
        await c.get('/login')
        const cookie = c.jar.header(new URL(app.origin)) ?? ''
        const slow = c.get(route)
        await inside
        const logout = await c.get('/logout')
        t.is(logout.status, 200)
        t.is((await c.get('/whoami')).body, null, 'logged out')
        release()
        t.is((await slow).status, 200)
        t.is((await c.get('/whoami')).body, null, 'the browser stays logged out')
        t.is((await c.get('/whoami', { cookie })).body, null, 'the old cookie stays dead')
      },
    }),
  ),
  // --- A request that began before a login ----------------------------------------------------

  // /login regenerates the session: the old id is destroyed and the browser gets the new cookie. A
  // request that loaded the old session before, and writes it after, finds it gone (`update` is
  // false). Its response must carry no Set-Cookie at all: even one that only clears the cookie
  // would delete the new login cookie the browser now holds, and log the user out.
  ...SLOW_ROUTES.map(
    ([label, options, route]): Row => ({
      title: `${label} that began before a new login sends no Set-Cookie; the user stays logged in`,
      stores: ['memory'],
      defaultStoresOnly: true,
      async run(t, env) {
        let entered!: () => void
        const inside = new Promise<void>((resolve) => {
          entered = resolve
        })
        let release!: () => void
        const gate = new Promise<void>((resolve) => {
          release = resolve
        })
        const slow = async () => {
          entered()
          await gate
        }
        const app = await env.start(
          {
            '/login': (s, ctx) => {
              s.regenerate()
              s.user = ctx.q('user')
            },
            '/slow-write': async (s) => {
              await slow()
              s.lastSeen = 1
            },
            '/slow-read': async (s) => {
              await slow()
              return s.user
            },
            '/slow-save': async (s) => {
              await slow()
              s.lastSeen = 1
              await s.save()
              // Found gone: later writes of this request are not saved or sent either.
              s.after = 1
            },
            '/whoami': (s) => s.user ?? null,
          },
          options,
        )
        const c = app.client()
        await c.get('/login?user=guest')
        const pending = c.get(route)
        await inside
        t.is((await c.get('/login?user=alice')).status, 200)
        t.is((await c.get('/whoami')).body, 'alice')
        release()
        const late = await pending
        t.is(late.status, 200)
        t.deepEqual(late.setCookie, [], 'no Set-Cookie: the browser holds a newer cookie')
        t.is((await c.get('/whoami')).body, 'alice', 'still logged in as alice')
      },
    }),
  ),
]

/**
 * Registers the concurrency rows for `adapter` × each store.
 * @example
 * registerConcurrency('koa')
 */
export function registerConcurrency(adapter: AdapterName, options?: RegisterOptions): void {
  registerRows(concurrencyRows, adapter, options)
}
