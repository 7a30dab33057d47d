/**
 * src/sessions/migrate.ts in the Web Crypto bundles (scripts/web-bundle.mjs swaps it in): moving
 * express-session sessions over (`migrateFrom`) opens cookie-signature ids with a synchronous
 * HMAC and Node's Buffer, so it is refused there, at start-up, with the code that says why.
 */

import { createError } from '../../errors'
import type { ResolvedMigration } from '../../sessions/migrate'

export type { ExpressSessionMigration, MigrateFromOptions, ResolvedMigration } from '../../sessions/migrate'

/**
 * Null without `migrateFrom`; ERR_UNSUPPORTED_RUNTIME with it.
 * @example
 * resolveMigration(undefined, cookie) // null
 */
export function resolveMigration(given: unknown, _cookie: unknown): ResolvedMigration | null {
  if (given === undefined) return null
  throw createError(
    'ERR_UNSUPPORTED_RUNTIME',
    "migrateFrom needs node:crypto, which this runtime lacks (keycard's Web Crypto entry): migrate on Node",
  )
}

/**
 * Never built here (resolveMigration refused the option).
 * @example
 * new SessionMigration(options) // throws ERR_UNSUPPORTED_RUNTIME
 */
export class SessionMigration {
  constructor(_options: unknown) {
    throw createError('ERR_UNSUPPORTED_RUNTIME', 'migrateFrom is not available on the Web Crypto entry')
  }

  load(_cookieHeader: unknown, _state: unknown, _now: number): Promise<void> {
    return Promise.resolve()
  }

  commit(_state: unknown, headers: string[]): Promise<string[]> {
    return Promise.resolve(headers)
  }
}
