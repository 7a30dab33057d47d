/**
 * What stores hold, and the contract a server store keeps (docs/STORES.md says it in prose;
 * `testStore` from keycard/testing checks it against any store). A session is stored as its
 * metadata (`SessionMeta`, small, owned by the core) and its data as JSON text, serialised once by
 * the core: stores never stringify user data, so a value JSON cannot hold is refused in one place,
 * before any store sees it.
 */

/**
 * Core-owned facts about a session, stored beside its data. A store keeps it whole and returns it
 * as it was given (every field, flash messages included); it never reads or changes it.
 * @example
 * const meta: SessionMeta = { v: 1, id, c: Date.now(), e: Date.now() + 15 * 60_000, f: { notice: ['Saved'] } }
 */
export interface SessionMeta {
  /** Record version. */
  v: 1
  /** Session id: 256-bit random, base64url. */
  id: string
  /** Created at (ms since the epoch), for the absolute lifetime. */
  c: number
  /** Expires at (ms): the idle timeout, checked by the core whatever the store does with TTLs. */
  e: number
  /** Flash messages waiting to be read, by key. */
  f?: Record<string, unknown[]>
  /** Revocation: the user this session belongs to. */
  u?: string
  /** Revocation: that user's generation when the session was saved. */
  g?: number
  /**
   * This session's own idle timeout in ms (`session.setTtl`), instead of the `ttl` option; absent:
   * the option's. Whole ms, at least 1000.
   */
  t?: number
  /**
   * Whether the cookie is persistent (`session.setPersistent`): false, a browser-session cookie
   * (no Max-Age/Expires); absent: the `cookie.persistent` option.
   */
  p?: boolean
}

/**
 * One session as the core writes it and a store returns it. `get` must give back `meta` as it was
 * written and `dataJson` as the exact text (partial stores: `fields`, and `dataJson` of the same
 * data in any key order). The objects passed to `set`/`update`/`touch` belong to the core: copy
 * what you keep.
 * @example
 * const session: StoredSession = { meta, dataJson: '{"userId":42}' }
 * await store.set(meta.id, session, meta.e - Date.now())
 */
export interface StoredSession {
  /** The core's metadata, kept whole. */
  meta: SessionMeta
  /** The session data as JSON text (an object). */
  dataJson: string
  /**
   * The data as JSON text per top-level key: given to stores with `partial: true` on every write,
   * and returned by them from `get` (the core then diffs against it).
   */
  fields?: ReadonlyMap<string, string>
  /** For `partial` stores: the keys this request set (with their JSON) or deleted. */
  changes?: SessionChanges
}

/**
 * For `partial` stores: what one request changed, by top-level data key. `update` writes these
 * keys (and the metadata) and leaves every other key as it is, so two concurrent requests that
 * change different keys both persist. A new session (`set`) lists every key in `set`.
 * @example
 * // session.changes = { set: [['cart', '[1,2]']], deleted: ['coupon'] }
 * for (const [key, json] of session.changes.set) row[key] = json
 * for (const key of session.changes.deleted) delete row[key]
 */
export interface SessionChanges {
  /** Keys written, each with its value's JSON text. */
  set: Array<[string, string]>
  /** Keys removed. */
  deleted: string[]
}

/**
 * A server-side store: the cookie carries only a signed id. Every method returns a promise and
 * rejects with a `StoreError` (`ERR_STORE_UNAVAILABLE`) when the backing service fails (the core
 * also turns any other rejection, and a call slower than `storeTimeout`, into one).
 *
 * Ids are opaque strings: the core only ever passes 43-character base64url ids it generated, but
 * a store must keep ids that differ only in case (or `-`/`_`) apart and must never let an id name
 * anything but its own session (no path, pattern or query built from it unescaped).
 *
 * TTLs: `ttlMs` is how long the session lives from this write (`meta.e - now`); the store forgets
 * the session after it (give or take its clock's resolution). The core checks `meta.e` on every
 * load whatever the store does, so a late expiry costs space, never security.
 * @example
 * const store: ServerStore = {
 *   kind: 'server',
 *   async get(id) { const text = rows.get(id); return text === undefined ? undefined : (decodeRecord(text) ?? undefined) },
 *   async set(id, session) { rows.set(id, encodeRecord(session)) },
 *   async update(id, session) { if (!rows.has(id)) return false; rows.set(id, encodeRecord(session)); return true },
 *   async destroy(id) { rows.delete(id) },
 * } // (no TTL here: see examples/stores/file_store.mjs for a complete store)
 */
export interface ServerStore {
  /** Tells the core this is a server store (the cookie carries a signed id). */
  readonly kind: 'server'
  /**
   * Keeps one field per top-level key: the core passes `fields` and `changes` with every write,
   * so the store can write only what a request changed.
   */
  readonly partial?: boolean
  /**
   * The session stored under `id`, or `undefined` (not null) when there is none or it expired.
   * Never the session of another id: the core refuses a record whose `meta.id` is not `id`.
   */
  get(id: string): Promise<StoredSession | undefined>
  /**
   * Stores the session for `ttlMs` (the store's own expiry; the core also checks `meta.e`),
   * replacing whatever `id` held. Called for new sessions (and by stores without `update`).
   */
  set(id: string, session: StoredSession, ttlMs: number): Promise<void>
  /** Forgets the session; resolves whether or not it existed (logout, regenerate). */
  destroy(id: string): Promise<void>
  /**
   * Writes only if the session still exists, returning false when it does not (it was destroyed
   * or expired meanwhile), true when it wrote. Optional; with it, a request that loaded a session
   * before a concurrent logout cannot write the logged-out session back. The check and the write
   * must be one step (a transaction, a conditional write, a script): checked first and written
   * later, a logout in between is undone. The TTL becomes `ttlMs`.
   */
  update?(id: string, session: StoredSession, ttlMs: number): Promise<boolean>
  /**
   * Extends the session's life without rewriting its data: it must store `session.meta` (whose
   * expiry `e` the core checks on every load) and extend the TTL. Optional: the core calls `set`
   * (or `update`) otherwise. Resolves to false when the session no longer exists (nothing is
   * written then, and the core sends no cookie for it); a store that cannot tell resolves to
   * nothing.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: stores whose touch is typed Promise<void> must still fit
  touch?(id: string, session: StoredSession, ttlMs: number): Promise<boolean | void>
  /**
   * A user's sessions (optional; `manager.listSessions` and `destroySessions` need it): the
   * metadata of every session this store holds whose last write carried `meta.u === user`.
   * Keep an index by `meta.u`, maintained by `set`/`update`/`touch`/`destroy` (never a scan of
   * every session). Never a session of another user, nor one destroyed; one that expired or
   * moved to another user may be left out lazily, but is never returned as this user's. The
   * core checks expiry, lifetime and revocation again on what this returns.
   */
  listByUser?(user: string): Promise<SessionMeta[]>
  /**
   * Whether the backing service answers (optional; `manager.health()` calls it, bounded by
   * `storeTimeout`). Resolves when it does, rejects when it does not. Without it, `health()`
   * probes with a `get` of an id no session has.
   */
  ping?(): Promise<void>
  /** A short name for health reports and diagnostics messages ('memory', 'redis'). Optional. */
  readonly name?: string
}

/**
 * The stateless store: the whole session sealed into the cookie (see stores/cookie.ts). Made by
 * `cookieStore()`, which checks its numbers.
 * @example
 * const store: CookieStore = cookieStore({ maxBytes: 8000 })
 */
export interface CookieStore {
  /** Tells the core the session lives in the cookie. */
  readonly kind: 'cookie'
  /** Largest sealed session, in bytes over all its cookies; larger is ERR_TOO_LARGE at save. */
  readonly maxBytes: number
  /** Sealed bytes per cookie; longer sessions are split over `name`, `name.1`, `name.2`... */
  readonly chunkSize: number
}

/**
 * Where sessions live: a server store (the cookie carries a signed id) or the cookie store.
 * @example
 * const store: SessionStore = process.env.REDIS_URL ? redisStore({ url: process.env.REDIS_URL }) : cookieStore()
 */
export type SessionStore = ServerStore | CookieStore
