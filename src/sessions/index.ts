/**
 * keycard/sessions: the framework-neutral session core and the built-in stores. Adapters live in
 * keycard/express, keycard/fastify, keycard/koa, keycard/hono, keycard/node and keycard/fetch;
 * the Redis store in keycard/redis.
 */

export { type CookieAttributes, parseCookies, type SameSite, serializeCookie } from './cookies'
export { SessionManager } from './manager'
export type { ResolvedOptions, SessionCookieOptions, SessionOptions } from './options'
export { type GenerationStore, memoryGenerations } from './revocation'
export type { Session, SessionApi, SessionData } from './session'
export { type CookieStoreOptions, cookieStore } from './stores/cookie'
export { type ExpressSessionRecord, type ExpressSessionStore, fromExpressSessionStore } from './stores/express_session'
export { type MemoryStoreOptions, memoryStore } from './stores/memory'
export type { CookieStore, ServerStore, SessionMeta, SessionStore, StoredSession } from './stores/types'
