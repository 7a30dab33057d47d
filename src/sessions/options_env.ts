/**
 * The `KEYCARD_*` environment variables of sessions (docs/SESSIONS.md), parsed strictly: a value
 * that is set but not understood is `ERR_BAD_CONFIG` at start-up, never a silent default.
 * @example
 * const ttl = envTtl(process.env) // KEYCARD_SESSION_TTL_SECONDS in ms, or undefined when unset
 */

import { createError } from '../errors'
import type { SameSite } from './cookies'
import { cookieStore } from './stores/cookie'
import { memoryStore } from './stores/memory'
import type { SessionStore } from './stores/types'

/**
 * The environment, as `process.env` gives it.
 * @example
 * const env: Env = process.env
 */
export type Env = Record<string, string | undefined>

/**
 * A boolean variable: 1/true/yes/on or 0/false/no/off, any case; unset or empty is undefined.
 * @example
 * envBoolean(process.env, 'KEYCARD_SESSION_COOKIE_SECURE') // true, false or undefined
 */
export function envBoolean(env: Env, name: string): boolean | undefined {
  const value = env[name]
  if (value === undefined || value === '') return undefined
  const lower = value.trim().toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(lower)) return true
  if (['0', 'false', 'no', 'off'].includes(lower)) return false
  throw createError('ERR_BAD_CONFIG', `${name} must be true or false, not ${JSON.stringify(value)}`)
}

/**
 * A string variable; unset or empty is undefined.
 * @example
 * envString(process.env, 'KEYCARD_SESSION_COOKIE_NAME')
 */
export function envString(env: Env, name: string): string | undefined {
  const value = env[name]
  return value === undefined || value === '' ? undefined : value
}

/**
 * KEYCARD_SESSION_TTL_SECONDS in ms: whole seconds, 1 to 10 digits.
 * @example
 * envTtl({ KEYCARD_SESSION_TTL_SECONDS: '900' }) // 900000
 */
export function envTtl(env: Env): number | undefined {
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

/**
 * KEYCARD_SESSION_COOKIE_SAME_SITE: strict, lax or none, any case.
 * @example
 * envSameSite({ KEYCARD_SESSION_COOKIE_SAME_SITE: 'Strict' }) // 'strict'
 */
export function envSameSite(env: Env): SameSite | undefined {
  const value = envString(env, 'KEYCARD_SESSION_COOKIE_SAME_SITE')
  if (value === undefined) return undefined
  const lower = value.trim().toLowerCase()
  if (lower === 'strict' || lower === 'lax' || lower === 'none') return lower
  throw createError(
    'ERR_BAD_CONFIG',
    `KEYCARD_SESSION_COOKIE_SAME_SITE must be strict, lax or none, not ${JSON.stringify(value)}`,
  )
}

/**
 * A store KEYCARD_SESSION_STORE can name.
 * @example
 * const kind: StoreKind = 'memory'
 */
export type StoreKind = 'cookie' | 'memory' | 'redis'

/**
 * KEYCARD_SESSION_STORE: cookie, memory or redis.
 * @example
 * envStoreKind({ KEYCARD_SESSION_STORE: 'memory' }) // 'memory'
 */
export function envStoreKind(env: Env): StoreKind | undefined {
  const value = envString(env, 'KEYCARD_SESSION_STORE')
  if (value === undefined) return undefined
  const lower = value.trim().toLowerCase()
  if (lower === 'cookie' || lower === 'memory' || lower === 'redis') return lower
  throw createError('ERR_BAD_CONFIG', `KEYCARD_SESSION_STORE must be cookie, memory or redis, not ${JSON.stringify(value)}`)
}

/**
 * The store KEYCARD_SESSION_STORE names, created only when no store option overrides it.
 * @example
 * const store = options.store ?? storeOfKind(envStoreKind(process.env), process.env)
 */
export function storeOfKind(kind: StoreKind | undefined, env: Env): SessionStore {
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
