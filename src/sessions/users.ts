/**
 * A user's sessions and store health, for `SessionManager.listSessions`, `destroySessions` and
 * `health` (manager.ts keeps only the methods; the rules live here).
 *
 * Which user a session belongs to comes from the `userOf` option (or revocation's) at every
 * save, recorded in the session's metadata (`meta.u`, the field revocation already used). Stores
 * with a per-user index (`listByUser`: memoryStore, redisStore) find a user's sessions from it;
 * the core then applies its own checks (idle expiry, absolute lifetime, revocation), so a store
 * that lists lazily never makes an ended session look live.
 */

import { storeName } from '../diagnostics'
import { createError, KeycardError } from '../errors'
import type { ResolvedOptions } from './options'
import type { ServerStore, SessionMeta } from './stores/types'

/**
 * One live session of a user, as `manager.listSessions(user)` gives it.
 * @example
 * for (const s of await manager.listSessions('42')) console.log(s.id, s.createdAt.toISOString(), s.expiresAt)
 */
export interface UserSession {
  /** The session id (`session.id`): what `destroySessions(user, { except })` takes. Not a cookie: the cookie carries it signed. */
  id: string
  /** When the session was created (Date, as `session.expiresAt`). */
  createdAt: Date
  /** When it expires if unused, as of its last save. */
  expiresAt: Date
}

/**
 * What `manager.health()` answers, for readiness probes.
 * @example
 * const h: SessionHealth = await manager.health() // { ok: true, latencyMs: 0.4, store: 'redis' }
 */
export interface SessionHealth {
  /** Whether the store answered within `storeTimeout`. */
  ok: boolean
  /** How long the check took, in ms (fractional). */
  latencyMs: number
  /** The store's name: 'cookie', 'memory', 'redis', or a custom store's `name` (else its class name). */
  store: string
  /** When not ok: the error code (ERR_STORE_UNAVAILABLE for a store that failed or timed out). */
  error?: string
}

/** Longest user id, in UTF-16 code units: far above any real id, short enough for any key. */
const MAX_USER_LENGTH = 1024

/**
 * A user id as sessions record it: a string or a finite number (as a string). Refused with
 * ERR_INVALID_ARGUMENT: other types, ids over 1024 characters, and lone surrogates, which have
 * no UTF-8 form (a store would see U+FFFD, and two users would share one index entry).
 * @example
 * userId(42, 'listSessions(user)') // '42'
 */
export function userId(value: unknown, what: string): string {
  const user = typeof value === 'number' && Number.isFinite(value) ? String(value) : value
  if (typeof user !== 'string') throw createError('ERR_INVALID_ARGUMENT', `${what}: a user id is a string or a number`)
  if (user.length > MAX_USER_LENGTH) {
    throw createError('ERR_INVALID_ARGUMENT', `${what}: a user id is at most ${MAX_USER_LENGTH} characters`)
  }
  if (!user.isWellFormed()) throw createError('ERR_INVALID_ARGUMENT', `${what}: a user id cannot hold a lone surrogate`)
  return user
}

/**
 * The user `userOf` gives for a session's data: undefined (or null) for an anonymous session,
 * else a checked id (a bad one fails the commit with ERR_INVALID_ARGUMENT, before any write).
 * @example
 * const user = userOfData(options.userOf, state.data) // '42' or undefined
 */
export function userOfData(userOf: NonNullable<ResolvedOptions['userOf']>, data: Record<string, unknown>): string | undefined {
  const user = userOf(data)
  return user === undefined || user === null ? undefined : userId(user, 'userOf')
}

/**
 * A server store with the per-user index.
 * @example
 * const metas = await (store as ListingStore).listByUser('42')
 */
export type ListingStore = ServerStore & Required<Pick<ServerStore, 'listByUser'>>

/**
 * The store, if it can list a user's sessions; else ERR_BAD_CONFIG saying what to use instead.
 * @example
 * const store = listingStore(options, 'listSessions')
 */
export function listingStore(options: ResolvedOptions, method: string): ListingStore {
  const { store } = options
  if (store.kind === 'cookie') {
    throw createError(
      'ERR_BAD_CONFIG',
      `${method} needs a server store: cookie sessions are stored nowhere to list; use the revocation option and revokeUser(user) to end a user's stateless sessions`,
    )
  }
  if (typeof store.listByUser !== 'function') {
    throw createError(
      'ERR_BAD_CONFIG',
      `${method} needs a store that lists a user's sessions (listByUser: memoryStore without name, redisStore)`,
    )
  }
  if (options.userOf === null) throw createError('ERR_BAD_CONFIG', `${method} needs the userOf option`)
  return store as ListingStore
}

/**
 * Whether a listed session is live for the core: this user's, before its idle expiry and
 * absolute lifetime, and (with revocation) saved under the user's current generation.
 * @example
 * metas.filter((meta) => isLive(meta, '42', options, now, generation))
 */
export function isLive(
  meta: SessionMeta,
  user: string,
  options: ResolvedOptions,
  now: number,
  generation: number | undefined,
): boolean {
  if (meta.u !== user || meta.e <= now) return false
  if (options.absoluteTtl > 0 && meta.c + options.absoluteTtl <= now) return false
  return generation === undefined || meta.g === generation
}

/**
 * A listed session as the API gives it.
 * @example
 * metas.map(toUserSession)
 */
export function toUserSession(meta: SessionMeta): UserSession {
  return { id: meta.id, createdAt: new Date(meta.c), expiresAt: new Date(meta.e) }
}

/** An id no session has (43 base64url characters, as ids are, but not random): `health()`'s probe. */
const PROBE_ID = 'keycard-health-probe-keycard-health-probe-0'

/**
 * `manager.health()`: the store asked once (`ping`, else a `get` of an id no session has),
 * bounded by `call` (storeTimeout). Never throws: a failure is `ok: false` with its code.
 * @example
 * const h = await storeHealth(store, (f) => storeCall(f, 2000))
 */
export async function storeHealth(
  store: ResolvedOptions['store'],
  call: (f: () => Promise<unknown>) => Promise<unknown>,
): Promise<SessionHealth> {
  const name = storeName(store)
  // The cookie store is the cookie: nothing to reach.
  if (store.kind === 'cookie') return { ok: true, latencyMs: 0, store: name }
  const start = performance.now()
  try {
    await call(() => (typeof store.ping === 'function' ? store.ping() : store.get(PROBE_ID)))
    return { ok: true, latencyMs: performance.now() - start, store: name }
  } catch (err) {
    const error = err instanceof KeycardError ? err.code : 'ERR_STORE_UNAVAILABLE'
    return { ok: false, latencyMs: performance.now() - start, store: name, error }
  }
}

/**
 * What `listSessions` and `destroySessions` use of their manager: its options (read when called:
 * the manager builds this before its options exist), its bounded store call, its clock.
 * @example
 * const context: UserSessionsContext = { options: () => options, call: (f, op) => storeCall(f, 2000), now: Date.now }
 */
export interface UserSessionsContext {
  options(): ResolvedOptions
  call<R>(call: () => R | Promise<R>, operation: string): Promise<R>
  now(): number
}

/** The metadata of `user`'s sessions that the core holds live (one generation lookup with revocation). */
async function liveSessionsOf(context: UserSessionsContext, store: ListingStore, user: string): Promise<SessionMeta[]> {
  const options = context.options()
  const metas = await context.call(() => store.listByUser(user), 'listByUser')
  const revocation = options.revocation
  const generation = revocation ? await context.call(() => revocation.generations.get(user), 'generations.get') : undefined
  const now = context.now()
  return metas.filter((meta) => isLive(meta, user, options, now, generation))
}

/**
 * `manager.listSessions(user)`: the live sessions of `user`, newest first.
 * @example
 * const sessions = await listUserSessions(context, 'ada')
 */
export async function listUserSessions(context: UserSessionsContext, user: string | number): Promise<UserSession[]> {
  const id = userId(user, 'listSessions(user)')
  const store = listingStore(context.options(), 'listSessions')
  const live = await liveSessionsOf(context, store, id)
  return live.sort((a, b) => b.c - a.c).map(toUserSession)
}

/**
 * `manager.destroySessions(user, { except })`: ends `user`'s live sessions but `except`, and
 * resolves with how many it ended.
 * @example
 * const ended = await destroyUserSessions(context, 'ada', { except: currentId })
 */
export async function destroyUserSessions(
  context: UserSessionsContext,
  user: string | number,
  options: { except?: string },
): Promise<number> {
  const id = userId(user, 'destroySessions(user)')
  if (typeof options !== 'object' || options === null) {
    throw createError('ERR_INVALID_ARGUMENT', 'destroySessions(user, options): options must be an object')
  }
  const { except } = options
  if (except !== undefined && typeof except !== 'string') {
    throw createError('ERR_INVALID_ARGUMENT', 'destroySessions: except must be a session id (a string)')
  }
  const store = listingStore(context.options(), 'destroySessions')
  const ended = (await liveSessionsOf(context, store, id)).filter((meta) => meta.id !== except)
  await context.call(() => Promise.all(ended.map((meta) => store.destroy(meta.id))), 'destroy')
  return ended.length
}
