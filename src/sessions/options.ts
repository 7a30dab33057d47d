/**
 * Session options: what the app passes, completed from the `KEYCARD_*` env vars of DESIGN.md,
 * then defaults. Explicit options win over env; a bad env value throws `ERR_BAD_CONFIG` when the
 * manager is built (start-up), never a silent default.
 */

import { type Duration, toMilliseconds } from '../duration'
import { createError } from '../errors'
import { defaultKeyring, type KeyOptions, type Keyring, resolveKeyring, type SecretInput } from '../keys'
import { checkCookieRules, type SameSite } from './cookies'
import type { GenerationStore } from './revocation'
import { cookieStore } from './stores/cookie'
import { memoryStore } from './stores/memory'
import type { SessionStore } from './stores/types'

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
    /** The user a session belongs to, from its data; undefined for anonymous sessions. */
    userOf: (data: Record<string, unknown>) => string | number | undefined
    generations: GenerationStore
  }
  /**
   * Longest wait for a store call (server stores, revocation generations); then the request fails
   * with ERR_STORE_UNAVAILABLE (HTTP 503) instead of hanging. Default '2s'.
   */
  storeTimeout?: Duration
  /** Called with the code when a session cookie is refused (forged, expired...). Default: none. */
  onInvalid?: (code: string) => void
}

export interface ResolvedOptions {
  keyring: Keyring
  store: SessionStore
  ttl: number
  absoluteTtl: number
  rolling: boolean | 'auto'
  saveUninitialized: boolean
  cookie: Required<Omit<SessionCookieOptions, 'domain'>> & { domain: string | undefined }
  revocation: SessionOptions['revocation']
  storeTimeout: number
  onInvalid: (code: string) => void
}

type Env = Record<string, string | undefined>

function envBoolean(env: Env, name: string): boolean | undefined {
  const value = env[name]
  if (value === undefined || value === '') return undefined
  const lower = value.trim().toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(lower)) return true
  if (['0', 'false', 'no', 'off'].includes(lower)) return false
  throw createError('ERR_BAD_CONFIG', `${name} must be true or false, not ${JSON.stringify(value)}`)
}

function envString(env: Env, name: string): string | undefined {
  const value = env[name]
  return value === undefined || value === '' ? undefined : value
}

function envTtl(env: Env): number | undefined {
  const value = envString(env, 'KEYCARD_SESSION_TTL_SECONDS')
  if (value === undefined) return undefined
  if (!/^[1-9]\d{0,9}$/.test(value.trim())) {
    throw createError(
      'ERR_BAD_CONFIG',
      `KEYCARD_SESSION_TTL_SECONDS must be a whole number of seconds, not ${JSON.stringify(value)}`,
    )
  }
  return Number(value.trim()) * 1000
}

function envSameSite(env: Env): SameSite | undefined {
  const value = envString(env, 'KEYCARD_SESSION_COOKIE_SAME_SITE')
  if (value === undefined) return undefined
  const lower = value.trim().toLowerCase()
  if (lower === 'strict' || lower === 'lax' || lower === 'none') return lower
  throw createError(
    'ERR_BAD_CONFIG',
    `KEYCARD_SESSION_COOKIE_SAME_SITE must be strict, lax or none, not ${JSON.stringify(value)}`,
  )
}

type StoreKind = 'cookie' | 'memory' | 'redis'

function envStoreKind(env: Env): StoreKind | undefined {
  const value = envString(env, 'KEYCARD_SESSION_STORE')
  if (value === undefined) return undefined
  const lower = value.trim().toLowerCase()
  if (lower === 'cookie' || lower === 'memory' || lower === 'redis') return lower
  throw createError('ERR_BAD_CONFIG', `KEYCARD_SESSION_STORE must be cookie, memory or redis, not ${JSON.stringify(value)}`)
}

/** The store KEYCARD_SESSION_STORE names, created only when no store option overrides it. */
function storeOfKind(kind: StoreKind | undefined, env: Env): SessionStore {
  if (kind === 'memory') return memoryStore()
  if (kind === 'redis') {
    // Loaded only when asked for: keycard/redis needs ioredis or redis installed. It reads
    // KEYCARD_REDIS_URL and throws ERR_BAD_CONFIG without one.
    const { redisStore } = require('./stores/redis') as typeof import('./stores/redis')
    const url = envString(env, 'KEYCARD_REDIS_URL')
    return redisStore(url === undefined ? {} : { url })
  }
  return cookieStore()
}

let warnedInsecure = false

/** Options + env + defaults, validated; throws ERR_BAD_CONFIG / ERR_INVALID_ARGUMENT at start-up. */
export function resolveOptions(options: SessionOptions, env: Env = process.env): ResolvedOptions {
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
  const ttl = options.ttl !== undefined ? toMilliseconds(options.ttl, 'ttl') : (fromEnv.ttl ?? 86_400_000)
  if (ttl < 1000) throw createError('ERR_INVALID_ARGUMENT', 'ttl must be at least one second')
  const absoluteTtl = options.absoluteTtl === undefined ? 0 : toMilliseconds(options.absoluteTtl, 'absoluteTtl')
  const given = options.cookie ?? {}
  const cookie = {
    name: given.name ?? fromEnv.name ?? 'keycard',
    domain: given.domain ?? fromEnv.domain,
    path: given.path ?? fromEnv.path ?? '/',
    secure: given.secure ?? fromEnv.secure ?? true,
    httpOnly: given.httpOnly ?? fromEnv.httpOnly ?? true,
    sameSite: given.sameSite ?? fromEnv.sameSite ?? 'lax',
    partitioned: given.partitioned ?? false,
  }
  // Chunk names (`name.1`...) and the attributes must pass the same rules as the name itself.
  checkCookieRules(cookie.name, cookie)
  if (!cookie.secure && env.NODE_ENV !== 'development' && env.NODE_ENV !== 'test' && !warnedInsecure) {
    warnedInsecure = true
    process.emitWarning(
      'keycard sessions: the session cookie is not Secure, so it travels over plain HTTP. Only do this in development.',
      { code: 'KEYCARD_INSECURE_COOKIE' },
    )
  }
  if (options.rolling !== undefined && typeof options.rolling !== 'boolean' && options.rolling !== 'auto') {
    throw createError('ERR_INVALID_ARGUMENT', "rolling must be true, false or 'auto'")
  }
  if (options.revocation !== undefined && typeof options.revocation?.userOf !== 'function') {
    throw createError('ERR_INVALID_ARGUMENT', 'revocation needs userOf(data) and generations')
  }
  return {
    keyring: options.secret !== undefined ? resolveKeyring(options.secret, options) : defaultKeyring(options),
    store: options.store ?? storeOfKind(fromEnv.store, env),
    ttl,
    absoluteTtl,
    rolling: options.rolling ?? 'auto',
    saveUninitialized: options.saveUninitialized ?? false,
    cookie,
    revocation: options.revocation,
    storeTimeout: Math.max(1, toMilliseconds(options.storeTimeout ?? 2000, 'storeTimeout')),
    onInvalid: options.onInvalid ?? (() => {}),
  }
}
