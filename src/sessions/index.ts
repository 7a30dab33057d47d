/**
 * keycard/sessions: the framework-neutral session core and the built-in stores. Adapters live in
 * keycard/express, keycard/fastify, keycard/koa, keycard/hono, keycard/node and keycard/fetch;
 * the Redis store in keycard/redis. A store of your own implements `ServerStore`, with the record
 * helpers below; `testStore` from keycard/testing checks it (docs/STORES.md).
 */

export { type CookieAttributes, parseCookies, type SameSite, serializeCookie } from './cookies'
export { SessionManager } from './manager'
export type { ResolvedOptions, SessionCookieOptions, SessionOptions } from './options'
export { type GenerationStore, memoryGenerations } from './revocation'
export type { Session, SessionApi, SessionData } from './session'
export { type CookieStoreOptions, cookieStore } from './stores/cookie'
export { type ExpressSessionRecord, type ExpressSessionStore, fromExpressSessionStore } from './stores/express_session'
export { type MemoryStoreOptions, memoryStore } from './stores/memory'
export { checkedRecord, decodeRecord, encodeRecord } from './stores/record'
export type { CookieStore, ServerStore, SessionChanges, SessionMeta, SessionStore, StoredSession } from './stores/types'
export type { SessionHealth, UserSession } from './users'
