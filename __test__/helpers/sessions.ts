/**
 * One app, many adapters: a test writes its routes once as `(session, ctx) => result` and runs
 * them behind any adapter with `startApp(t, adapter, options, routes)` over real HTTP
 * (helpers/http.ts). The harnesses, one file per adapter, and their registry live in
 * __test__/sessions/harness/ (types.ts says how every adapter answers); this module re-exports
 * them and adds the stores the tests run with.
 */

import type { ExecutionContext } from 'ava'
import { cookieStore } from '../../src/sessions/stores/cookie'
import { memoryStore } from '../../src/sessions/stores/memory'
import type { ServerStore, SessionStore } from '../../src/sessions/stores/types'
import type { App } from '../sessions/harness/types'

export { InProcessClient } from '../sessions/harness/hono-request'
export { type AdapterName, ALL_ADAPTERS, commitFailureVia, HARNESSES, startApp } from '../sessions/harness/index'
export type { AnySession, App, AppOptions, Ctx, Handler, Harness, Routes } from '../sessions/harness/types'

export const STORES = ['cookie', 'memory'] as const
export type StoreKind = (typeof STORES)[number]

/**
 * A fresh store of the given kind: cookieStore() or memoryStore().
 * @example
 * startApp(t, 'node', { store: storeOf('memory') }, routes)
 */
export function storeOf(kind: StoreKind): SessionStore {
  return kind === 'memory' ? memoryStore() : cookieStore()
}

/**
 * The server store of an app (fails the test's assumption loudly when it is not one).
 * @example
 * await serverStore(app).get(id) // the stored record, or undefined
 */
export function serverStore(app: App): ServerStore {
  if (app.store.kind !== 'server') throw new Error('this app has no server store')
  return app.store
}

/**
 * A memory store that fails every call while `down` is true (the service is unavailable).
 * @example
 * const store = switchableStore()
 * store.down = true // every get/set/destroy now rejects
 */
export function switchableStore(): ServerStore & { down: boolean } {
  const inner = memoryStore()
  const store = {
    kind: 'server' as const,
    down: false,
    async get(id: string) {
      if (store.down) throw new Error('store down')
      return inner.get(id)
    },
    async set(id: string, session: Parameters<ServerStore['set']>[1], ttlMs: number) {
      if (store.down) throw new Error('store down')
      return inner.set(id, session, ttlMs)
    },
    async destroy(id: string) {
      if (store.down) throw new Error('store down')
      return inner.destroy(id)
    },
  }
  return store
}

/**
 * The purpose sessions seal and sign under for a cookie name (manager.ts).
 * @example
 * sign(id, SECRET, { purpose: purposeOf('keycard') }) // a memory-store session cookie
 */
export const purposeOf = (cookieName: string) => `keycard/session/${cookieName}`

/** A store a spec runs the behaviour table with: `kind` says which rows apply ('memory': any server store). */
export interface StoreCase {
  /** In the test titles. */
  name: string
  kind: StoreKind
  /** A fresh store for one test (`t` for its teardown). */
  make(t: ExecutionContext): SessionStore
}

/** cookieStore() and memoryStore(), named as their kinds. */
export const DEFAULT_STORES: readonly StoreCase[] = STORES.map((kind) => ({ name: kind, kind, make: () => storeOf(kind) }))
