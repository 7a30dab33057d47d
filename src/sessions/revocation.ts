/**
 * Revoking stateless sessions. A sealed cookie is valid until it expires, wherever it is; no
 * peer library can take one back. keycard records, for sessions that belong to a user, that
 * user's *generation* at save time. `revokeUser(user)` bumps the generation, and every session
 * saved under an older one is refused from then on: "log out everywhere", "password changed".
 *
 * Cost: one generation lookup per request of a logged-in session (a Map lookup in memory, one
 * round trip with a shared store such as Redis), and one write per revocation. Anonymous sessions
 * cost nothing.
 */

import { Cache } from '../cache'

/**
 * Where generations live. Shared by every process that serves the app (a Map is one process
 * only): `memoryGenerations()` for one process, `redisGenerations()` from keycard/redis for more.
 * @example
 * const generations: GenerationStore = {
 *   get: async (user) => (await db.generation(user)) ?? 0,
 *   bump: (user) => db.incrementGeneration(user),
 * }
 */
export interface GenerationStore {
  /** The user's current generation (0 when never revoked). */
  get(user: string): number | Promise<number>
  /** Increments the user's generation and returns the new one. */
  bump(user: string): number | Promise<number>
}

/**
 * Generations in process memory, for single-process apps and tests. Bounded by `maxUsers`:
 * forgetting a user's generation (LRU) would un-revoke old sessions, so size it above the number
 * of users revoked within one session lifetime, or use a shared store.
 *
 * @example
 * const generations = memoryGenerations()
 * const sessions = session({ revocation: { userOf: (d) => d.userId as string | undefined, generations } })
 * app.use(sessions)
 * await sessions.manager.revokeUser('42') // every session of user 42 is now refused
 */
export function memoryGenerations(maxUsers = 1_000_000): GenerationStore {
  const cache = new Cache<string>({ maxSize: maxUsers })
  return {
    get: (user) => Number(cache.get(user) ?? 0),
    bump(user) {
      const next = Number(cache.get(user) ?? 0) + 1
      cache.set(user, String(next))
      return next
    },
  }
}
