/**
 * Zero-logout migration from express-session (the `migrateFrom` session option; docs/MIGRATING.md).
 *
 * Switching an app from express-session to keycard changes the cookie (`connect.sid` → `keycard`)
 * and the format, so without this every user is logged out. With it, a request that carries **no
 * keycard cookie at all** but a valid express-session cookie gets that old session's data as a new
 * keycard session: the cookie is read exactly as express-session reads it (URL-decoded, the `s:`
 * prefix, cookie-signature under any of the old secrets), the session is fetched from the old
 * store (bounded by `storeTimeout`), its data is copied without express-session's `cookie` field,
 * and the response saves it as a keycard session (new id, new cookie) and clears the old cookie.
 *
 * What it never does:
 * - run when a keycard cookie was sent, even a refused one: an expired, revoked or destroyed
 *   keycard session must not come back through the old cookie of the same browser;
 * - fail the request: an old store that errors or stops answering, or a session keycard cannot
 *   hold, gives a fresh session and `onInvalid('ERR_MIGRATION_FAILED')`; a cookie that does not
 *   verify gives a fresh session and `onInvalid('ERR_MIGRATION_REFUSED')`;
 * - clear an old cookie it could not verify or whose session it could not read (another app's
 *   cookie, a secret misconfigured today and fixed tomorrow, a store down for a minute): only
 *   one whose session it migrated, or that names a session the old store no longer has;
 * - destroy the old session, unless `destroyOld: true`: kept, concurrent first requests of one
 *   browser (a page and its XHRs, all carrying `connect.sid`) each migrate it instead of all but
 *   one finding it gone, and a response lost on its way keeps the user logged in.
 *
 * Nothing here runs when the option is not set: the manager holds no migration then.
 */

import { createError } from '../errors'
import { Keyring } from '../keys'
import { stringifyStrict } from '../lib/json_strict'
import { refuseUnknownOptions } from '../lib/option_names'
import { sealedLength } from '../seal'
import { unsign } from '../sign'
import { isSessionCookie } from './chunks'
import { parseCookies, serializeCookie } from './cookies'
import type { ResolvedOptions } from './options'
import { type SessionState, toData } from './session'
import { storeCall } from './store_call'
import type { ExpressSessionStore } from './stores/express_session'
import { encodeRecord } from './stores/record'

/**
 * The old express-session store, as the migration uses it: `get`, and `destroy` for `destroyOld`.
 * Any express-session store fits (connect-redis, connect-pg-simple, express-session's MemoryStore).
 * @example
 * const store: OldExpressSessionStore = new RedisStore({ client, prefix: 'sess:' })
 */
export type OldExpressSessionStore = Pick<ExpressSessionStore, 'get'> & Partial<Pick<ExpressSessionStore, 'destroy'>>

/**
 * Where the old express-session sessions are and how their cookie was made: the values the
 * express-session app was configured with.
 * @example
 * const from: ExpressSessionMigration = { store: new RedisStore({ client }), secret: process.env.OLD_SESSION_SECRET }
 */
export interface ExpressSessionMigration {
  /** The express-session store the old app used, on the same data (the same Redis and prefix...). */
  store: OldExpressSessionStore
  /**
   * express-session's `secret`: one, or an array of them (each verifies, as in express-session).
   * Any length: this key only verifies cookies express-session already issued, never signs.
   */
  secret: string | Uint8Array | ReadonlyArray<string | Uint8Array>
  /** express-session's `name`. Default 'connect.sid'. */
  name?: string
  /** express-session's `cookie.path`, to clear the old cookie. Default '/'. */
  path?: string
  /** express-session's `cookie.domain`, to clear the old cookie. Default: none (host-only). */
  domain?: string
  /**
   * Destroy the old session in the old store once the response that migrated it is committed.
   * Default false: kept until the old store expires it (see docs/MIGRATING.md for the trade).
   */
  destroyOld?: boolean
}

/**
 * The `migrateFrom` session option.
 * @example
 * app.use(session({ store: memoryStore(), migrateFrom: { expressSession: { store: oldStore, secret: OLD_SECRET } } }))
 */
export interface MigrateFromOptions {
  expressSession: ExpressSessionMigration
}

/**
 * `migrateFrom`, checked at start-up: what the manager's migration needs.
 * @example
 * const resolved = resolveMigration(options.migrateFrom, cookie) // null when the option is unset
 */
export interface ResolvedMigration {
  store: OldExpressSessionStore
  /** The old secrets, as keys for cookie-signature verification only. */
  keyring: Keyring
  name: string
  /** The Set-Cookie line that deletes the old cookie (its name, path and domain; Max-Age=0). */
  clearLine: string
  destroyOld: boolean
}

const NAMES: Record<keyof ExpressSessionMigration, true> = {
  store: true,
  secret: true,
  name: true,
  path: true,
  domain: true,
  destroyOld: true,
}

function badConfig(message: string): never {
  throw createError('ERR_BAD_CONFIG', `migrateFrom.expressSession: ${message}`)
}

/**
 * One old secret as an HMAC-SHA256 key keycard's keyring accepts. HMAC zero-pads a key shorter
 * than its 64-byte block (RFC 2104 §2), so `secret` and `secret` + zero bytes up to 32 are the
 * same key and give the same tags: express-session's `'keyboard cat'` verifies here exactly as
 * in cookie-signature. keycard refuses short secrets for everything it signs or seals; this key
 * only verifies cookies express-session already issued under it, whose strength is what it was.
 */
function oldKey(secret: unknown): Uint8Array {
  let bytes: Uint8Array
  if (typeof secret === 'string') bytes = Buffer.from(secret, 'utf8')
  else if (secret instanceof Uint8Array) bytes = Uint8Array.from(secret)
  else return badConfig('secret must be a string, bytes, or an array of them')
  if (bytes.length === 0) badConfig('secret must not be empty')
  if (bytes.length >= 32) return bytes
  const padded = new Uint8Array(32)
  padded.set(bytes)
  return padded
}

/** The old secrets as one keyring (first to last, as express-session tries them). */
function oldKeyring(secret: unknown): Keyring {
  const list = typeof secret === 'string' || secret instanceof Uint8Array ? [secret] : secret
  if (!Array.isArray(list) || list.length === 0) return badConfig('secret must be a string, bytes, or a non-empty array of them')
  // Secrets that pad to the same key are one key (a keyring refuses duplicates).
  const keys = new Map<string, Uint8Array>()
  for (const s of list) {
    const key = oldKey(s)
    keys.set(Buffer.from(key).toString('hex'), key)
  }
  // Weak (repetitive) old secrets are accepted for the same reason short ones are: refusing them
  // would not make the cookies already signed with them any stronger, only log their users out.
  return new Keyring([...keys.values()], { allowWeakKey: true })
}

/**
 * Checks `migrateFrom` at start-up (`ERR_BAD_CONFIG` naming the option) and resolves it; null
 * when it is not given. `cookie` is keycard's own session cookie, for its name and flags.
 * @example
 * const migration = resolveMigration({ expressSession: { store, secret } }, resolved.cookie)
 */
export function resolveMigration(given: unknown, cookie: ResolvedOptions['cookie']): ResolvedMigration | null {
  if (given === undefined) return null
  if (typeof given !== 'object' || given === null) return badConfig('migrateFrom must be { expressSession: { store, secret } }')
  refuseUnknownOptions(given, { prefix: 'migrateFrom.', known: ['expressSession'], aliases: {} })
  const from = (given as { expressSession?: unknown }).expressSession
  if (typeof from !== 'object' || from === null) return badConfig('must be { store, secret, name?, path?, domain?, destroyOld? }')
  refuseUnknownOptions(from, { prefix: 'migrateFrom.expressSession.', known: Object.keys(NAMES), aliases: {} })
  const options = from as Partial<Record<keyof ExpressSessionMigration, unknown>>
  const store = options.store as Record<string, unknown> | null | undefined
  if (typeof store !== 'object' || store === null || typeof store.get !== 'function') {
    badConfig('store must be an express-session store (with get(sid, callback))')
  }
  // fromExpressSessionStore(store) or a keycard store here would never call back: a likely slip.
  if (store.kind === 'server' || store.kind === 'cookie') {
    badConfig('store must be the express-session store itself, not a keycard store (fromExpressSessionStore(store))')
  }
  if (options.destroyOld !== undefined && typeof options.destroyOld !== 'boolean') badConfig('destroyOld must be true or false')
  const destroyOld = options.destroyOld === true
  if (destroyOld && typeof store.destroy !== 'function') badConfig('destroyOld needs a store with destroy(sid, callback)')
  const name = options.name ?? 'connect.sid'
  if (typeof name !== 'string') return badConfig('name must be a string')
  // The same name (or a chunk name of it) would be read as a keycard cookie, refused, and never migrated.
  if (isSessionCookie(name, cookie.name)) badConfig(`name ${JSON.stringify(name)} is keycard's own cookie (cookie.name)`)
  const path = options.path ?? '/'
  const domain = options.domain
  let clearLine: string
  try {
    // Deleting a cookie takes its name, path and domain; the flags are keycard's cookie's.
    clearLine = serializeCookie(
      name,
      '',
      {
        domain: domain as string | undefined,
        path: path as string,
        maxAge: 0,
        httpOnly: true,
        secure: cookie.secure,
        sameSite: cookie.sameSite,
      },
      0,
    )
  } catch (err) {
    return badConfig(`name, path or domain: ${(err as Error).message}`)
  }
  return { store: store as OldExpressSessionStore, keyring: oldKeyring(options.secret), name, clearLine, destroyOld }
}

/**
 * Calls an express-session store method (callback API): an error passed to the callback, a throw
 * or a rejected promise all reject. A promise settles once, so a second callback changes nothing.
 */
function viaCallback(invoke: (callback: (err?: unknown, value?: unknown) => void) => unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const result = invoke((err, value) => (err ? reject(err) : resolve(value)))
    if (typeof (result as Promise<unknown> | undefined)?.then === 'function') (result as Promise<unknown>).then(undefined, reject)
  })
}

/** Room for what a commit adds to the metadata the size check measures (the revocation user and generation). */
const META_SLACK = 160

/**
 * The migration at run time: `load` moves an old session into a new keycard session, `commit`
 * adds the line that clears the old cookie to the response that carries the new one.
 * @example
 * const migration = new SessionMigration(options) // options.migrateFrom !== null
 * await migration.load(req.headers.cookie, state, now)
 * headers = await migration.commit(state, headers)
 */
export class SessionMigration {
  readonly #from: ResolvedMigration
  readonly #timeout: number
  readonly #onInvalid: (code: string) => void
  /** Largest sealed session the cookie store holds (Infinity for server stores), and the key id length it seals with. */
  readonly #maxSealed: number
  readonly #keyIdLength: number
  /** Sessions whose response must clear the old cookie, with the old id to destroy (destroyOld) or null. */
  readonly #pending = new WeakMap<SessionState, string | null>()

  constructor(options: ResolvedOptions) {
    if (options.migrateFrom === null) throw createError('ERR_INVALID_ARGUMENT', 'no migrateFrom option')
    this.#from = options.migrateFrom
    this.#timeout = options.storeTimeout
    this.#onInvalid = options.onInvalid
    this.#maxSealed = options.store.kind === 'cookie' ? options.store.maxBytes : Number.POSITIVE_INFINITY
    this.#keyIdLength = (options.keyring.ids[0] as string).length
  }

  /**
   * The old session of a request that carries no keycard cookie, moved into `state` (a new
   * session): its data, and `exposed` so that the commit serialises and saves it. Never throws
   * for the request's cookie or the old store; the reasons go to onInvalid.
   */
  async load(cookieHeader: string | string[] | undefined, state: SessionState, now: number): Promise<void> {
    const { name, store } = this.#from
    const raw = parseCookies(cookieHeader, (n) => n === name).get(name)
    if (raw === undefined) return
    const sid = this.#sid(raw)
    if (sid === null) return this.#onInvalid('ERR_MIGRATION_REFUSED')
    let old: unknown
    try {
      old = await storeCall(() => viaCallback((cb) => store.get(sid, cb)), this.#timeout)
    } catch {
      // Down or slow: this request starts fresh; the old cookie stays for a later one.
      return this.#onInvalid('ERR_MIGRATION_FAILED')
    }
    if (old === undefined || old === null || expired(old, now)) {
      // The old session is over: nothing to migrate, and a cookie naming nothing is cleared.
      this.#pending.set(state, null)
      return
    }
    const json = this.#json(old, state)
    if (json === null) return this.#onInvalid('ERR_MIGRATION_FAILED')
    state.data = toData(JSON.parse(json)) ?? Object.create(null)
    // The data did not come from a keycard cookie: the commit must serialise it to see it (a new
    // session with data is saved even when the handler changes nothing).
    state.exposed = true
    this.#pending.set(state, this.#from.destroyOld ? sid : null)
  }

  /** `headers` plus the line clearing the old cookie, for a session migrated (or found over) at load. */
  async commit(state: SessionState, headers: string[]): Promise<string[]> {
    if (!this.#pending.has(state)) return headers
    const sid = this.#pending.get(state) ?? null
    this.#pending.delete(state)
    if (sid !== null) {
      const { store } = this.#from
      const destroy = store.destroy as NonNullable<OldExpressSessionStore['destroy']>
      // The new session is saved; a failed destroy leaves the old one to its store's expiry.
      await storeCall(() => viaCallback((cb) => destroy.call(store, sid, cb)), this.#timeout).catch(() =>
        this.#onInvalid('ERR_MIGRATION_FAILED'),
      )
    }
    return [...headers, this.#from.clearLine]
  }

  /**
   * The session id in an express-session cookie, or null when it does not verify. Read exactly as
   * express-session reads it: its cookie parser URL-decodes a value containing '%' (keeping it as
   * sent when that fails; the cookie is written `s%3A<id>.<tag>`), an id without the `s:` prefix
   * is ignored, and the rest is cookie-signature (`<id>.<base64 HMAC-SHA256>`) under any old secret,
   * compared in constant time.
   */
  #sid(raw: string): string | null {
    let value = raw
    if (value.includes('%')) {
      try {
        value = decodeURIComponent(value)
      } catch {
        // as sent, as express-session does
      }
    }
    if (!value.startsWith('s:')) return null
    const sid = unsign(value.slice(2), this.#from.keyring, { format: 'cookie-signature' })
    return sid === null || sid === '' ? null : sid
  }

  /**
   * The old session's data as keycard will save it (JSON text without express-session's `cookie`
   * field), or null when keycard cannot hold it: not an object, not JSON (a BigInt, a cycle), or
   * larger than the cookie store takes (every response would then fail with ERR_TOO_LARGE).
   */
  #json(old: unknown, state: SessionState): string | null {
    if (typeof old !== 'object' || old === null || Array.isArray(old)) return null
    const { cookie: _cookie, ...data } = old as Record<string, unknown>
    let json: string
    try {
      json = stringifyStrict(data, 'the old session')
    } catch {
      return null
    }
    const bytes = Buffer.byteLength(encodeRecord({ meta: state.meta, dataJson: json })) + META_SLACK
    return sealedLength(bytes, this.#keyIdLength) > this.#maxSealed ? null : json
  }
}

/** Whether express-session's own expiry (`cookie.expires`) has passed: a store may return such a session. */
function expired(old: unknown, now: number): boolean {
  const expires = (old as { cookie?: { expires?: unknown } }).cookie?.expires
  if (expires instanceof Date) return expires.getTime() <= now
  if (typeof expires === 'string') return Date.parse(expires) <= now
  return false
}
