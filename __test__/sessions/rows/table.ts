/**
 * What every row file shares: the row shape, how rows are registered for one adapter × each
 * store, and the small helpers the rows assert with (the session cookie's Set-Cookie lines, a
 * 200 reply, forged sessions built as the manager would).
 *
 * A row is written once against `env.start(routes, options)` and runs on every adapter harness
 * (__test__/sessions/harness/) and every store case, on the backend of the run (`t_` puts its
 * name in the title).
 */

import test, { type ExecutionContext } from 'ava'
import { randomId } from '../../../src/random'
import { seal } from '../../../src/seal'
import type { SessionMeta } from '../../../src/sessions'
import { encodeRecord } from '../../../src/sessions/stores/record'
import { sign } from '../../../src/sign'
import { SECRET, t_ } from '../../helpers/backends'
import { isDeletion, type Reply, setCookiesNamed } from '../../helpers/http'
import {
  type AdapterName,
  type App,
  type AppOptions,
  DEFAULT_STORES,
  HARNESSES,
  type Harness,
  purposeOf,
  type Routes,
  type StoreCase,
  type StoreKind,
  serverStore,
  startApp,
  storeOf,
} from '../../helpers/sessions'

/**
 * The session cookie's name in every row (the default).
 * @example
 * c.jar.get(NAME)
 */
export const NAME = 'keycard'
/**
 * What a session id looks like: 32 random bytes, base64url.
 * @example
 * t.regex(s.id, ID)
 */
export const ID = /^[A-Za-z0-9_-]{43}$/
/**
 * One hour in ms.
 * @example
 * forge({ e: Date.now() - HOUR }, ALICE)
 */
export const HOUR = 3_600_000

export interface Env {
  adapter: AdapterName
  /** The adapter's harness (rows that need a socket check `harness.listens`). */
  harness: Harness
  /** The kind of store of this run ('memory': any server store). */
  store: StoreKind
  /** Starts `routes` behind the adapter with a fresh store of this run (unless `options.store`). */
  start(routes: Routes, options?: AppOptions): Promise<App>
}

export interface Row {
  title: string
  /** Kinds of store the row applies to (default both). */
  stores?: readonly StoreKind[]
  /**
   * The row brings its own store (or builds several apps): it runs once per adapter, titled
   * without a store, and only with the default stores.
   */
  ownStore?: boolean
  /**
   * The row is about the adapter and the core, not the store (it forges records, waits, or
   * fires many requests): store specs that run the table with their own stores
   * (sessions_express_store, sessions_redis) skip it.
   */
  defaultStoresOnly?: boolean
  run(t: ExecutionContext, env: Env): Promise<void>
}

export interface RegisterOptions {
  /** Default: cookieStore() and memoryStore(); other stores skip `ownStore` and `defaultStoresOnly` rows. */
  stores?: readonly StoreCase[]
}

/** Whether `row` runs with these stores (the default stores when `custom` is false). */
function applies(row: Row, custom: boolean): boolean {
  return !(custom && (row.ownStore || row.defaultStoresOnly))
}

/**
 * Registers `rows` for `adapter` × each store case (call once per adapter and row file).
 * @example
 * registerRows(lifecycleRows, 'koa')
 */
export function registerRows(rows: readonly Row[], adapter: AdapterName, options: RegisterOptions = {}): void {
  const harness = HARNESSES[adapter]
  const custom = options.stores !== undefined
  const stores = options.stores ?? DEFAULT_STORES
  for (const store of stores) {
    for (const row of rows) {
      if (!applies(row, custom) || row.ownStore) continue
      if (row.stores && !row.stores.includes(store.kind)) continue
      test(t_(`${adapter} × ${store.name}: ${row.title}`), (t) =>
        row.run(t, {
          adapter,
          harness,
          store: store.kind,
          start: (routes, o = {}) => startApp(t, adapter, { store: store.make(t), ...o }, routes),
        }),
      )
    }
  }
  for (const row of rows) {
    if (!row.ownStore || !applies(row, custom)) continue
    const store = row.stores?.[0] ?? 'cookie'
    test(t_(`${adapter}: ${row.title}`), (t) =>
      row.run(t, {
        adapter,
        harness,
        store,
        start: (routes, o = {}) => startApp(t, adapter, { store: storeOf(store), ...o }, routes),
      }),
    )
  }
}

/**
 * The Set-Cookie lines of `reply` that set (not clear) cookie `name`.
 * @example
 * t.is(sets(await c.get('/count')).length, 1)
 */
export function sets(reply: Reply, name = NAME) {
  return setCookiesNamed(reply, name).filter((c) => !isDeletion(c))
}

/**
 * The Set-Cookie lines of `reply` that clear cookie `name` (Max-Age=0).
 * @example
 * t.is(clears(await c.get('/logout'))[0]?.attributes['max-age'], '0')
 */
export function clears(reply: Reply, name = NAME) {
  return setCookiesNamed(reply, name).filter(isDeletion)
}

/**
 * A 200 reply; any other status fails the test with the body in the message.
 * @example
 * const { body } = await ok(t, c.get('/count'))
 */
export async function ok<B>(t: ExecutionContext, reply: Promise<Reply<B>>): Promise<Reply<B>> {
  const r = await reply
  t.is(r.status, 200, `expected 200, got ${r.status}: ${JSON.stringify(r.body)}`)
  return r
}

/**
 * A visit counter and a read of the session's state.
 * @example
 * const app = await env.start(counter)
 */
export const counter: Routes = {
  '/count': (s) => {
    s.n = (s.n ?? 0) + 1
    return { n: s.n }
  },
  '/read': (s) => ({ n: s.n ?? null, isNew: s.isNew, id: s.id, keys: Object.keys(s) }),
}

/** What the bad-cookie rows read of a session. */
export interface WhoAmI {
  isNew: boolean
  keys: string[]
  user: string | null
  id: string
}

/**
 * Session data of a logged-in alice, as stored.
 * @example
 * forge({}, ALICE) // a cookie that opens as alice
 */
export const ALICE = '{"user":"alice","note":"old data"}'

export interface ForgeOptions {
  secret?: Parameters<typeof seal>[1]
  name?: string
  /** The clock the seal is made at (ms). Default: now. */
  now?: number
  ttl?: NonNullable<Parameters<typeof seal>[2]>['ttl']
  notBefore?: NonNullable<Parameters<typeof seal>[2]>['notBefore']
}

/**
 * Text sealed as a cookie session's value would be (purpose of the cookie name, ttl 1h).
 * @example
 * sealText(`null\n${ALICE}`) // validly sealed, not a session record
 */
export function sealText(text: string, o: ForgeOptions = {}): string {
  return seal(text, o.secret ?? SECRET, {
    purpose: purposeOf(o.name ?? NAME),
    ttl: o.ttl ?? '1h',
    now: o.now ?? Date.now(),
    notBefore: o.notBefore,
  })
}

/**
 * A cookie session sealed as the manager would (record.ts format), with the given meta and data.
 * @example
 * whoami(app, `${NAME}=${forge({}, ALICE)}`) // opens as alice
 */
export function forge(meta: Partial<SessionMeta>, dataJson: string, o: ForgeOptions = {}): string {
  const now = o.now ?? Date.now()
  const full = { v: 1, id: randomId(), c: now, e: now + HOUR, ...meta } as SessionMeta
  return sealText(encodeRecord({ meta: full, dataJson }), o)
}

/**
 * A session saved earlier with `meta` and `dataJson`, built directly (no waiting): the Cookie
 * header that opens it, sealed for a cookie store, or stored and signed for a server store.
 * @example
 * const cookie = await savedSession(app, env.store, { v: 1, id: randomId(), c: now, e: now + HOUR }, ALICE)
 */
export async function savedSession(
  app: App,
  kind: StoreKind,
  meta: SessionMeta,
  dataJson: string,
  ttl: number = HOUR,
): Promise<string> {
  if (kind === 'memory') {
    await serverStore(app).set(meta.id, { meta, dataJson }, ttl)
    return `${NAME}=${sign(meta.id, SECRET, { purpose: purposeOf(NAME) })}`
  }
  return `${NAME}=${forge(meta, dataJson, { ttl })}`
}
