/**
 * Session options: what the app passes, completed from the `KEYCARD_*` env vars (docs/SESSIONS.md),
 * then defaults. Explicit options win over env; a bad env value throws `ERR_BAD_CONFIG` when the
 * manager is built (start-up), never a silent default.
 */

import { createError } from '../errors'
import { defaultKeyring, type KeyOptions, type Keyring, resolveKeyring, type SecretInput } from '../keys'
import { type Duration, toMilliseconds } from '../lib/duration'
import { type OptionScope, refuseUnknownOptions } from '../lib/option_names'
import { checkCookieRules, type SameSite, serializeCookie } from './cookies'
import { LATEST_EXPIRY_MS } from './lifetime'
import { type MigrateFromOptions, type ResolvedMigration, resolveMigration } from './migrate'
import { type Env, envBoolean, envSameSite, envStoreKind, envString, envTtl, storeOfKind } from './options_env'
import type { GenerationStore } from './revocation'
import type { SessionStore } from './stores/types'

export { LATEST_EXPIRY_MS, sessionTtl } from './lifetime'

export interface SessionCookieOptions {
  /** Cookie name. Default 'keycard' (env KEYCARD_SESSION_COOKIE_NAME). A '__Host-' name is checked against its rules. */
  name?: string
  /** Default: none, the cookie goes to this host only (env KEYCARD_SESSION_COOKIE_DOMAIN). */
  domain?: string
  /** Default '/' (env KEYCARD_SESSION_COOKIE_PATH). */
  path?: string
  /** Default true (env KEYCARD_SESSION_COOKIE_SECURE). Turning it off outside development warns once. */
  secure?: boolean
  /** Default true (env KEYCARD_SESSION_COOKIE_HTTP_ONLY). */
  httpOnly?: boolean
  /** Default 'lax' (env KEYCARD_SESSION_COOKIE_SAME_SITE). */
  sameSite?: SameSite
  /** CHIPS partitioned cookie. Default false. */
  partitioned?: boolean
  /**
   * Whether session cookies outlive the browser (Max-Age/Expires). false: browser-session cookies,
   * which the browser forgets when it closes (the idle timeout still applies server-side).
   * `session.setPersistent()` overrides it per session. Default true.
   * @example
   * session({ cookie: { persistent: false } }) // then session.setPersistent(true) at a "remember me" login
   */
  persistent?: boolean
}

export interface SessionOptions extends KeyOptions {
  /** Keys for sealing cookies and signing session ids. Default: KEYCARD_SECRET (comma-separated for rotation). */
  secret?: SecretInput
  /** Where sessions live. Default: cookieStore() (env KEYCARD_SESSION_STORE=cookie|memory). */
  store?: SessionStore
  /** Idle timeout: a session unused this long is gone. Default '24h' (env KEYCARD_SESSION_TTL_SECONDS). */
  ttl?: Duration
  /** Absolute lifetime from creation, however active the session. Default: none. */
  absoluteTtl?: Duration
  /**
   * When a session that did not change is sent again: `true` on every response, `false` never,
   * 'auto' (default) once less than half of its idle timeout is left, so an active user is not
   * logged out while most responses carry no Set-Cookie.
   */
  rolling?: boolean | 'auto'
  /** Save (and set a cookie for) a new session nobody wrote to. Default false. */
  saveUninitialized?: boolean
  cookie?: SessionCookieOptions
  /** Per-user generations for "log out everywhere" (see docs/SESSIONS.md). Default: none. */
  revocation?: {
    /**
     * The user a session belongs to, from its data; undefined for anonymous sessions. Default:
     * the top-level `userOf` (give one of the two, or the same function to both).
     */
    userOf?: (data: Record<string, unknown>) => string | number | undefined
    generations: GenerationStore
  }
  /**
   * The user a session belongs to, from its data (undefined: anonymous). The core records it with
   * each saved session, so that `manager.listSessions(user)` and `destroySessions(user)` find a
   * user's sessions in a server store that keeps a per-user index (memoryStore, redisStore), and
   * `revocation` uses it unless it has its own. Default: none.
   * @example
   * session({ store: redisStore({ client }), userOf: (data) => data.userId as string | undefined })
   */
  userOf?: (data: Record<string, unknown>) => string | number | undefined
  /**
   * Longest wait for a store call (server stores, revocation generations); then the request fails
   * with ERR_STORE_UNAVAILABLE (HTTP 503) instead of hanging. Default '2s'.
   */
  storeTimeout?: Duration
  /** Called with the code when a session cookie is refused (forged, expired...). Default: none. */
  onInvalid?: (code: string) => void
  /**
   * The clock, in whole milliseconds since 1970: every expiry, rolling and absolute-lifetime
   * decision, the seal's expiry and the cookies' Max-Age/Expires read it. For tests that move
   * time; a value that is not a whole number of ms >= 0 fails the call that read it with
   * ERR_INVALID_ARGUMENT. Default `Date.now`.
   */
  now?: () => number
  /**
   * Zero-logout migration from express-session: a request with no keycard cookie but a valid
   * express-session cookie gets that session's data as a new keycard session, and the old cookie
   * is cleared (docs/MIGRATING.md). Default: none.
   * @example
   * session({ migrateFrom: { expressSession: { store: new RedisStore({ client }), secret: process.env.OLD_SECRET } } })
   */
  migrateFrom?: MigrateFromOptions
  /**
   * A request header that may carry the session instead of the cookie, for API and mobile clients
   * (any header name; lowercased). A request without the session cookie that sends this header
   * (empty on the first request) gets its session from it, and the response carries the new value
   * in the same header instead of Set-Cookie (empty: forget the session). Default: none.
   * @example
   * session({ header: 'x-session-token' })
   */
  header?: string
}

export interface ResolvedOptions {
  keyring: Keyring
  store: SessionStore
  ttl: number
  absoluteTtl: number
  rolling: boolean | 'auto'
  saveUninitialized: boolean
  cookie: Required<Omit<SessionCookieOptions, 'domain'>> & { domain: string | undefined }
  /** `revocation`, its `userOf` filled in from the top-level one when it has none. */
  revocation: { userOf: NonNullable<SessionOptions['userOf']>; generations: GenerationStore } | undefined
  /** The user of a session's data (the `userOf` option, else revocation's); null: sessions record no user. */
  userOf: NonNullable<SessionOptions['userOf']> | null
  storeTimeout: number
  onInvalid: (code: string) => void
  /** The clock, its values checked (`Date.now` itself when none was given). */
  now: () => number
  /** The `migrateFrom` option, checked; null when not given (no migration work per request). */
  migrateFrom: ResolvedMigration | null
  /** The `header` option, lowercased; null when not given (no header work per request). */
  header: string | null
}

/** Every option name, so that an unknown one is refused (the type makes this list complete). */
const OPTION_NAMES: Record<keyof SessionOptions, true> = {
  secret: true,
  allowInsecureKey: true,
  allowWeakKey: true,
  store: true,
  ttl: true,
  absoluteTtl: true,
  rolling: true,
  saveUninitialized: true,
  cookie: true,
  revocation: true,
  storeTimeout: true,
  onInvalid: true,
  now: true,
  migrateFrom: true,
  header: true,
  userOf: true,
}

const COOKIE_OPTION_NAMES: Record<keyof SessionCookieOptions, true> = {
  name: true,
  domain: true,
  path: true,
  secure: true,
  httpOnly: true,
  sameSite: true,
  partitioned: true,
  persistent: true,
}

/** Top-level names of express-session and cookie-session (which puts cookie attributes there too). */
const TOP_LEVEL: OptionScope = {
  prefix: '',
  known: Object.keys(OPTION_NAMES),
  aliases: {
    maxAge: '`ttl`',
    expires: '`ttl`',
    keys: '`secret`',
    name: '`cookie.name`',
    domain: '`cookie.domain`',
    path: '`cookie.path`',
    secure: '`cookie.secure`',
    httpOnly: '`cookie.httpOnly`',
    sameSite: '`cookie.sameSite`',
    partitioned: '`cookie.partitioned`',
  },
  notNeeded: {
    resave: 'keycard saves a session only when it changed (see `rolling`)',
    genid: 'keycard makes every session id itself (256 bits from the OS CSPRNG)',
    unset: 'call `session.destroy()` to end a session',
    signed: 'the session cookie is always signed or sealed',
  },
}

const COOKIE_LEVEL: OptionScope = {
  prefix: 'cookie.',
  known: Object.keys(COOKIE_OPTION_NAMES),
  aliases: { maxAge: 'the top-level `ttl`', expires: 'the top-level `ttl`' },
  notNeeded: { signed: 'the session cookie is always signed or sealed' },
}

/** setTimeout's largest delay: a longer one fires after 1 ms, so every store call would time out. */
const LONGEST_TIMEOUT_MS = 2 ** 31 - 1

function badConfig(message: string): never {
  throw createError('ERR_BAD_CONFIG', message)
}

/** RFC 9110 token: what a header name may be. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** The `header` option: a header name, lowercased (Node and fetch give header names lowercased). */
function headerOption(value: unknown): string | null {
  if (value === undefined) return null
  if (typeof value !== 'string' || value.length > 256 || !HEADER_NAME.test(value)) {
    return badConfig("header must be a header name (letters, digits and !#$%&'*+-.^_`|~), such as x-session-token")
  }
  const name = value.toLowerCase()
  // The session header replaces the cookie headers; naming one of them would mix the two.
  if (name === 'cookie' || name === 'set-cookie') return badConfig(`header cannot be ${name}: name a header of its own`)
  return name
}

/** A duration option in ms, or ERR_BAD_CONFIG naming it. */
function durationOption(value: unknown, name: string): number {
  try {
    return toMilliseconds(value as Duration, name)
  } catch (err) {
    return badConfig((err as Error).message)
  }
}

function booleanOption(value: unknown, name: string): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') badConfig(`${name} must be true or false`)
  return value as boolean | undefined
}

function functionOption(value: unknown, name: string): void {
  if (typeof value !== 'function') badConfig(`${name} must be a function`)
}

/** `run()`, with the cookie serialiser's complaint turned into ERR_BAD_CONFIG naming the option. */
function cookieCheck(option: string, run: () => unknown): void {
  try {
    run()
  } catch (err) {
    badConfig(`${option}: ${(err as Error).message}`)
  }
}

function sameSiteOption(value: unknown): SameSite | undefined {
  if (value === undefined) return undefined
  const lower = typeof value === 'string' ? value.toLowerCase() : undefined
  if (lower === 'strict' || lower === 'lax' || lower === 'none') return lower
  // express-session takes `true` for Strict; here it would mean nothing a browser understands.
  const hint = value === true ? " (express-session's `true` is 'strict')" : ''
  return badConfig(`cookie.sameSite must be 'strict', 'lax' or 'none'${hint}`)
}

/**
 * The cookie every response will carry, checked now: a name, domain or path the serialiser
 * refuses would otherwise pass start-up and then fail every response with a 500.
 */
function checkCookie(cookie: ResolvedOptions['cookie'], ttl: number, now: number): void {
  const { name } = cookie
  // Chunk cookies are named `name.1`...`name.63`: valid whenever `name` is ('.' is a token char).
  // (Secure and Path=/ here so that only the name itself is judged, whatever its prefix.)
  cookieCheck('cookie.name', () => serializeCookie(name, '', { secure: true, path: '/' }))
  if (cookie.domain !== undefined) cookieCheck('cookie.domain', () => serializeCookie('x', '', { domain: cookie.domain }))
  cookieCheck('cookie.path', () => serializeCookie('x', '', { path: cookie.path }))
  // Prefix rules (`__Host-`, `__Secure-`), SameSite=None and Partitioned without Secure.
  checkCookieRules(name, cookie)
  // Everything together, with the longest Max-Age (and Expires) this ttl gives.
  cookieCheck('cookie', () => serializeCookie(`${name}.63`, '', { ...cookie, maxAge: Math.ceil(ttl / 1000) }, now))
}

/** The store option: one of keycard's, or a custom one with the methods the core calls. */
function checkStore(store: unknown): SessionStore {
  if (typeof store !== 'object' || store === null)
    return badConfig('store must be a session store (cookieStore(), memoryStore()...)')
  const s = store as Record<string, unknown>
  if (s.kind === 'cookie') {
    const { chunkSize, maxBytes } = s as { chunkSize: number; maxBytes: number }
    if (!Number.isInteger(chunkSize) || chunkSize < 256 || chunkSize > 4000)
      badConfig('store.chunkSize must be an integer 256..4000')
    if (!Number.isInteger(maxBytes) || maxBytes < chunkSize || maxBytes > 64 * chunkSize) {
      badConfig('store.maxBytes must be an integer from chunkSize to 64 chunks')
    }
  } else if (s.kind === 'server') {
    for (const method of ['get', 'set', 'destroy']) functionOption(s[method], `store.${method}`)
    for (const method of ['update', 'touch']) if (s[method] !== undefined) functionOption(s[method], `store.${method}`)
    booleanOption(s.partial, 'store.partial')
  } else {
    badConfig("store.kind must be 'cookie' or 'server'")
  }
  return store as SessionStore
}

function checkRevocation(revocation: unknown, topUserOf: unknown): void {
  if (revocation === undefined) return
  if (typeof revocation !== 'object' || revocation === null) badConfig('revocation must be { userOf, generations }')
  const { userOf, generations } = revocation as { userOf?: unknown; generations?: Record<string, unknown> }
  if (userOf === undefined && topUserOf === undefined)
    badConfig('revocation.userOf must be a function (or give the top-level userOf)')
  if (userOf !== undefined) functionOption(userOf, 'revocation.userOf')
  // One user per session: two different functions could disagree, and a session records one.
  if (userOf !== undefined && topUserOf !== undefined && userOf !== topUserOf) {
    badConfig("give userOf once: the top-level userOf is also revocation's (or pass the same function to both)")
  }
  if (typeof generations !== 'object' || generations === null) badConfig('revocation.generations must be a GenerationStore')
  functionOption(generations.get, 'revocation.generations.get')
  functionOption(generations.bump, 'revocation.generations.bump')
}

/**
 * The `now` option as a clock whose every value is checked: a clock returning NaN, a string or a
 * negative number would otherwise give sessions an expiry no check can compare against (NaN is
 * never `<=` anything, so such a session would never expire). Fractions are refused too: stored
 * records carry whole milliseconds, and one with `e: 1.5` would be refused at the next load.
 */
function clockOption(now: unknown): () => number {
  if (now === undefined) return Date.now
  functionOption(now, 'now')
  const clock = now as () => unknown
  return () => {
    const ms = clock()
    if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0) {
      throw createError('ERR_INVALID_ARGUMENT', 'the now option must return whole milliseconds since 1970 (as Date.now() does)')
    }
    return ms
  }
}

let warnedInsecure = false

/**
 * Options + env + defaults, validated: every option is checked here, at start-up, so a bad one is
 * `ERR_BAD_CONFIG` naming it (a bad secret keeps its key error code) rather than a failure of
 * every request later.
 */
export function resolveOptions(options: SessionOptions, env: Env = process.env): ResolvedOptions {
  if (typeof options !== 'object' || options === null) badConfig('session options must be an object')
  refuseUnknownOptions(options, TOP_LEVEL)
  const given: SessionCookieOptions = options.cookie ?? {}
  if (typeof given !== 'object' || given === null) badConfig('cookie must be an object of cookie options')
  refuseUnknownOptions(given, COOKIE_LEVEL)
  // Every env value is parsed, even where an option overrides it: a bad one is a deployment
  // mistake that should fail now, not the day someone removes the option.
  const fromEnv = {
    ttl: envTtl(env),
    name: envString(env, 'KEYCARD_SESSION_COOKIE_NAME'),
    domain: envString(env, 'KEYCARD_SESSION_COOKIE_DOMAIN'),
    path: envString(env, 'KEYCARD_SESSION_COOKIE_PATH'),
    secure: envBoolean(env, 'KEYCARD_SESSION_COOKIE_SECURE'),
    httpOnly: envBoolean(env, 'KEYCARD_SESSION_COOKIE_HTTP_ONLY'),
    sameSite: envSameSite(env),
    store: envStoreKind(env),
  }
  const now = clockOption(options.now)
  const today = now()
  const ttl = options.ttl !== undefined ? durationOption(options.ttl, 'ttl') : (fromEnv.ttl ?? 86_400_000)
  if (ttl < 1000) badConfig('ttl must be at least one second')
  // Checked against today: a session saved now must be able to carry its expiry.
  if (today + ttl > LATEST_EXPIRY_MS) badConfig('ttl reaches past the year 2106, the latest expiry a session can carry')
  const absoluteTtl = options.absoluteTtl === undefined ? 0 : durationOption(options.absoluteTtl, 'absoluteTtl')
  if (absoluteTtl !== 0 && absoluteTtl < 1000) badConfig('absoluteTtl must be 0 (none) or at least one second')
  const cookie = {
    name: given.name ?? fromEnv.name ?? 'keycard',
    domain: given.domain ?? fromEnv.domain,
    path: given.path ?? fromEnv.path ?? '/',
    secure: booleanOption(given.secure, 'cookie.secure') ?? fromEnv.secure ?? true,
    httpOnly: booleanOption(given.httpOnly, 'cookie.httpOnly') ?? fromEnv.httpOnly ?? true,
    sameSite: sameSiteOption(given.sameSite) ?? fromEnv.sameSite ?? 'lax',
    partitioned: booleanOption(given.partitioned, 'cookie.partitioned') ?? false,
    persistent: booleanOption(given.persistent, 'cookie.persistent') ?? true,
  }
  checkCookie(cookie, ttl, today)
  if (!cookie.secure && env.NODE_ENV !== 'development' && env.NODE_ENV !== 'test' && !warnedInsecure) {
    warnedInsecure = true
    process.emitWarning(
      'keycard sessions: the session cookie is not Secure, so it travels over plain HTTP. Only do this in development.',
      { code: 'KEYCARD_INSECURE_COOKIE' },
    )
  }
  if (options.rolling !== undefined && typeof options.rolling !== 'boolean' && options.rolling !== 'auto') {
    badConfig("rolling must be true, false or 'auto'")
  }
  booleanOption(options.saveUninitialized, 'saveUninitialized')
  booleanOption(options.allowInsecureKey, 'allowInsecureKey')
  booleanOption(options.allowWeakKey, 'allowWeakKey')
  if (options.userOf !== undefined) functionOption(options.userOf, 'userOf')
  checkRevocation(options.revocation, options.userOf)
  const userOf = options.userOf ?? options.revocation?.userOf ?? null
  if (options.onInvalid !== undefined) functionOption(options.onInvalid, 'onInvalid')
  const storeTimeout = Math.max(1, durationOption(options.storeTimeout ?? 2000, 'storeTimeout'))
  if (storeTimeout > LONGEST_TIMEOUT_MS) badConfig('storeTimeout must be at most 2147483647 ms (about 24 days)')
  return {
    keyring: options.secret !== undefined ? resolveKeyring(options.secret, options) : defaultKeyring(options),
    store: options.store !== undefined ? checkStore(options.store) : storeOfKind(fromEnv.store, env),
    ttl,
    absoluteTtl,
    rolling: options.rolling ?? 'auto',
    saveUninitialized: options.saveUninitialized ?? false,
    cookie,
    revocation:
      options.revocation === undefined || userOf === null ? undefined : { userOf, generations: options.revocation.generations },
    userOf,
    storeTimeout,
    onInvalid: options.onInvalid ?? (() => {}),
    now,
    migrateFrom: resolveMigration(options.migrateFrom, cookie),
    header: headerOption(options.header),
  }
}
