/**
 * Expiry rows: rolling (true, and 'auto' re-sending once less than half the idle timeout is
 * left), touch(), absoluteTtl; expired cookies and records refused server-side, however the
 * client kept them; and a request straddling the absolute deadline.
 */

import { randomId } from '../../../src/random'
import { seal } from '../../../src/seal'
import { encodeRecord } from '../../../src/sessions/stores/record'
import { sign } from '../../../src/sign'
import { SECRET } from '../../helpers/backends'
import { type AdapterName, purposeOf, serverStore } from '../../helpers/sessions'
import { assertCleared, assertFresh, hostileRoutes, whoami } from './hostile_kit'
import { ALICE, counter, forge, HOUR, NAME, ok, type RegisterOptions, type Row, registerRows, savedSession, sets } from './table'

/**
 * The expiry rows, in the order they are registered.
 * @example
 * registerRows(expiryRows, 'express')
 */
export const expiryRows: Row[] = [
  {
    title: 'rolling true: every response of a saved session carries the cookie',
    async run(t, env) {
      const app = await env.start(counter, { rolling: true })
      const c = app.client()
      await ok(t, c.get('/count'))
      const values = new Set<string>()
      for (let i = 0; i < 3; i++) {
        const read = await ok(t, c.get('/read'))
        const set = sets(read)
        t.is(set.length, 1, `read ${i} re-sends the session`)
        t.true(Number(set[0]?.attributes['max-age']) > 0)
        values.add(set[0]?.value ?? '')
        t.is((read.body as { n: number }).n, 1)
      }
      if (env.store === 'cookie') t.is(values.size, 3, 'each response re-seals the session')
      t.deepEqual((await ok(t, app.client().get('/read'))).setCookie, [], 'a new unwritten session is still not sent')
    },
  },
  {
    title: "rolling 'auto' (default): an unchanged session is re-sent once less than half its idle timeout is left",
    async run(t, env) {
      const app = await env.start({ '/read': (s) => ({ n: s.n ?? null, isNew: s.isNew }) }, { ttl: '1h' })
      // A session saved earlier, built directly (no waiting): `left` ms of its idle timeout remain.
      const cookieWith = async (left: number) => {
        const now = Date.now()
        const meta = { v: 1 as const, id: randomId(), c: now - 1000, e: now + left }
        if (env.store === 'memory') {
          await serverStore(app).set(meta.id, { meta, dataJson: '{"n":7}' }, left)
          return `${NAME}=${sign(meta.id, SECRET, { purpose: purposeOf(NAME) })}`
        }
        const sealed = seal(encodeRecord({ meta, dataJson: '{"n":7}' }), SECRET, { purpose: purposeOf(NAME), ttl: left })
        return `${NAME}=${sealed}`
      }
      const c = app.client()
      const fresh = await ok(t, c.get('/read', { cookie: await cookieWith(50 * 60_000) }))
      t.deepEqual(fresh.body, { n: 7, isNew: false })
      t.deepEqual(fresh.setCookie, [], '50 of 60 minutes left: not re-sent')
      const stale = await ok(t, c.get('/read', { cookie: await cookieWith(20 * 60_000) }))
      t.deepEqual(stale.body, { n: 7, isNew: false })
      const set = sets(stale)
      t.is(set.length, 1, '20 of 60 minutes left: re-sent')
      const maxAge = Number(set[0]?.attributes['max-age'])
      t.true(maxAge > 3500 && maxAge <= 3600, `with a fresh idle timeout (Max-Age ${maxAge})`)
    },
  },
  {
    title: 'absoluteTtl caps the cookie lifetime however active the session',
    async run(t, env) {
      const app = await env.start(counter, { ttl: '24h', absoluteTtl: '2h', rolling: true })
      const c = app.client()
      await ok(t, c.get('/count'))
      const read = await ok(t, c.get('/read'))
      const maxAge = Number(sets(read)[0]?.attributes['max-age'])
      t.true(maxAge > 7000 && maxAge <= 7200, `Max-Age ${maxAge} is capped at the 2 h absolute lifetime`)
    },
  },
  {
    title: 'touch(): re-sends an unchanged session with a fresh expiry (rolling false)',
    async run(t, env) {
      const app = await env.start(
        {
          ...counter,
          '/touch': (s) => {
            s.touch()
            return s.expiresAt.getTime()
          },
          '/expires': (s) => s.expiresAt.getTime(),
        },
        { rolling: false },
      )
      const c = app.client()
      const first = await ok(t, c.get('/count'))
      const before = (await ok(t, c.get('/expires'))).body as number
      t.deepEqual((await ok(t, c.get('/read'))).setCookie, [], 'rolling false: no re-send without touch')
      const touched = await ok(t, c.get('/touch'))
      const set = sets(touched)
      t.is(set.length, 1, 'touch() sends the session again')
      t.true(Number(set[0]?.attributes['max-age']) > 0)
      if (env.store === 'cookie') t.not(set[0]?.value, sets(first)[0]?.value)
      const after = (await ok(t, c.get('/expires'))).body as number
      t.true(after >= before, `expiry moved forward or stayed (${before} → ${after})`)
      t.is(((await ok(t, c.get('/read'))).body as { n: number }).n, 1, 'the data survived the touch')
    },
  },

  // --- Expired sessions the client still sends --------------------------------------------------
  {
    title: 'expired cookies are refused server-side (seal expiry, meta.e, absoluteTtl)',
    stores: ['cookie'],
    defaultStoresOnly: true,
    async run(t, env) {
      const app = await env.start(hostileRoutes, { absoluteTtl: '2h' })
      const past = Date.now() - 3 * HOUR
      // Control: same construction, current clock.
      t.is((await whoami(app, `${NAME}=${forge({}, ALICE)}`)).body.user, 'alice')
      // The seal's own expiry passed (meta says fine): a replay with the browser's Max-Age stripped.
      const sealExpired = forge({ c: Date.now(), e: Date.now() + HOUR }, ALICE, { now: past, ttl: '1h' })
      assertCleared(t, await assertFresh(t, app, `${NAME}=${sealExpired}`, 'seal expired'), 'seal expired')
      // The idle timeout in the record passed (the seal is still valid).
      const idle = forge({ c: Date.now() - HOUR, e: Date.now() - 1000 }, ALICE)
      assertCleared(t, await assertFresh(t, app, `${NAME}=${idle}`, 'meta.e passed'), 'meta.e passed')
      // Created longer ago than the absolute lifetime, however recently used.
      const old = forge({ c: past, e: Date.now() + HOUR }, ALICE)
      assertCleared(t, await assertFresh(t, app, `${NAME}=${old}`, 'absoluteTtl passed'), 'absoluteTtl passed')
      // Not valid yet.
      const early = forge({}, ALICE, { notBefore: '1h' })
      await assertFresh(t, app, `${NAME}=${early}`, 'not yet valid')
      t.deepEqual(app.invalid, ['ERR_EXPIRED', 'ERR_EXPIRED', 'ERR_EXPIRED', 'ERR_NOT_YET_VALID'])
    },
  },
  {
    title: 'an expired record is refused even when the store still returns it',
    stores: ['memory'],
    defaultStoresOnly: true,
    async run(t, env) {
      const app = await env.start(hostileRoutes, { absoluteTtl: '2h' })
      const store = serverStore(app)
      const now = Date.now()
      const put = async (meta: Partial<Parameters<typeof encodeRecord>[0]['meta']>) => {
        const id = randomId()
        await store.set(id, { meta: { v: 1, id, c: now, e: now + HOUR, ...meta }, dataJson: ALICE }, HOUR)
        return `${NAME}=${sign(id, SECRET, { purpose: purposeOf(NAME) })}`
      }
      t.is((await whoami(app, await put({}))).body.user, 'alice', 'control')
      await assertFresh(t, app, await put({ e: now - 1000 }), 'idle timeout passed')
      await assertFresh(t, app, await put({ c: now - 3 * HOUR }), 'absolute lifetime passed')
      // A store returning a record under another id than asked is not trusted either.
      const id = randomId()
      await store.set(id, { meta: { v: 1, id: randomId(), c: now, e: now + HOUR }, dataJson: ALICE }, HOUR)
      await assertFresh(t, app, `${NAME}=${sign(id, SECRET, { purpose: purposeOf(NAME) })}`, 'record of another id')
      t.deepEqual(app.invalid, ['ERR_EXPIRED', 'ERR_EXPIRED', 'ERR_BAD_FORMAT'])
    },
  },
  // --- Regressions ----------------------------------------------------------------------------------
  // A request that loads a session just before its absolute lifetime ends and commits just after:
  // the commit computed an expiry in the past and threw ERR_INVALID_ARGUMENT (negative Max-Age /
  // seal ttl), so the user got an error page. Expected: 200, and the session ends (fresh next
  // time). (The only row here that waits: the manager's clock cannot be moved, so the request
  // straddles a deadline 150 ms away.)
  {
    title: 'a request straddling the absoluteTtl deadline is not an error',
    defaultStoresOnly: true,
    async run(t, env) {
      const app = await env.start(
        {
          '/slow-write': async (s) => {
            await new Promise((resolve) => setTimeout(resolve, 300))
            s.x = 1
            return s.user ?? null
          },
          '/whoami': (s) => s.user ?? null,
        },
        { absoluteTtl: '1h' },
      )
      const now = Date.now()
      const meta = { v: 1 as const, id: randomId(), c: now - HOUR + 150, e: now + HOUR }
      const cookie = await savedSession(app, env.store, meta, ALICE)
      const c = app.client()
      c.jar.set(NAME, cookie.slice(NAME.length + 1))
      const r = await c.get('/slow-write')
      t.is(r.status, 200, JSON.stringify(r.body))
      t.is((await c.get('/whoami')).body, null)
    },
  },
]

/**
 * Registers the expiry rows for `adapter` × each store.
 * @example
 * registerExpiry('fetch')
 */
export function registerExpiry(adapter: AdapterName, options?: RegisterOptions): void {
  registerRows(expiryRows, adapter, options)
}
