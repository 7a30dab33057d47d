/**
 * Revocation generations in Redis: GET (a missing key is generation 0) and INCR, one key per
 * user. No TTL: a generation that expired would read as 0 again and bring back every session
 * saved before the first revocation.
 */

import type { GenerationStore } from '../../revocation'
import type { RedisCommands } from './client'

/**
 * The generation store over a command set (tests build it over a chosen client library);
 * `redisGenerations()` from keycard/redis is this over its client.
 * @example
 * const generations = generationsOver(wrapClient(redis), 'keycard:gen:')
 * await generations.bump('42') // 1
 */
export function generationsOver(redis: RedisCommands, prefix: string): GenerationStore & { close(): Promise<void> } {
  return {
    async get(user) {
      const value = await redis.get(prefix + user)
      if (value === null) return 0
      const generation = Number(value)
      if (!Number.isSafeInteger(generation)) throw new Error(`${prefix}${user} holds ${JSON.stringify(value)}, not a generation`)
      return generation
    },
    bump: (user) => redis.incr(prefix + user),
    close: () => redis.close(),
  }
}
