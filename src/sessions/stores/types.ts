/**
 * What stores hold. A session is stored as its metadata (`SessionMeta`, small, owned by the core)
 * and its data as JSON text, serialised once by the core: stores never stringify user data, so a
 * value JSON cannot hold is refused in one place, before any store sees it.
 */

/** Core-owned facts about a session, stored beside its data. */
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
  /** Revocation: the user this session belongs to, and that user's generation when it was saved. */
  u?: string
  g?: number
}

export interface StoredSession {
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

export interface SessionChanges {
  set: Array<[string, string]>
  deleted: string[]
}

/**
 * A server-side store: the cookie carries only a signed id. Every method returns a promise and
 * rejects with a `StoreError` (`ERR_STORE_UNAVAILABLE`) when the backing service fails.
 */
export interface ServerStore {
  readonly kind: 'server'
  /**
   * Keeps one field per top-level key: the core passes `fields` and `changes` with every write,
   * so the store can write only what a request changed.
   */
  readonly partial?: boolean
  get(id: string): Promise<StoredSession | undefined>
  /** Stores the session for `ttlMs` (the store's own expiry; the core also checks `meta.e`). */
  set(id: string, session: StoredSession, ttlMs: number): Promise<void>
  destroy(id: string): Promise<void>
  /**
   * Writes only if the session still exists, returning false when it does not (it was destroyed
   * or expired meanwhile). Optional; with it, a request that loaded a session before a
   * concurrent logout cannot write the logged-out session back.
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
}

/** The stateless store: the whole session sealed into the cookie (see stores/cookie.ts). */
export interface CookieStore {
  readonly kind: 'cookie'
  /** Largest sealed session, in bytes over all its cookies; larger is ERR_TOO_LARGE at save. */
  readonly maxBytes: number
  /** Sealed bytes per cookie; longer sessions are split over `name`, `name.1`, `name.2`... */
  readonly chunkSize: number
}

export type SessionStore = ServerStore | CookieStore
