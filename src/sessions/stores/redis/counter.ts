/**
 * `redisCounter()` (keycard/redis): `cache.increment` on Redis, for counters and rate limits
 * shared by every process of an app. One Lua call per increment (INCRBY, and PEXPIRE only when
 * the call created the key), so the value and its expiry change in one atomic step and the TTL is
 * a fixed window that later increments do not extend: the same semantics as the Cache's
 * (docs/CACHE.md, "Counters"). The script is in this file, apart from the session scripts.
 */

import { createError, KeycardError } from '../../../errors'
import { type Duration, toMilliseconds } from '../../../lib/duration'
import { type RedisCommands, script } from './client'

/** Replies of INCREMENT that are refusals, not failures of Redis: recognised by their prefix. */
const NOT_COUNTER = 'KEYCARD_NOT_COUNTER'
const OUT_OF_RANGE = 'KEYCARD_OUT_OF_RANGE'

/**
 * KEYS[1] the counter, ARGV[1] `by` (a safe integer), ARGV[2] the TTL in ms (0: none). Checks
 * before INCRBY, so a refusal changes nothing: the current value must be an integer counter as
 * INCRBY reads one (no leading zeros, no sign on 0), and the result must stay within
 * +-(2^53 - 1), where a JS number still holds every integer (Lua numbers are doubles, exact
 * there too). `redis.pcall`: a key of another type (a hash) is a refusal, not a script error.
 * The result goes back as decimal text (`%d` formats the double as a 64-bit integer, exact here):
 * node-redis 5 reads the integer reply -(2^53 - 1) as -2^53.
 * @example
 * const n = Number(String(await redis.run(INCREMENT, 'keycard:count:k', ['1', '60000'])))
 */
export const INCREMENT = script(`
local MAX = 9007199254740991
local current = redis.pcall('GET', KEYS[1])
if type(current) == 'table' then return redis.error_reply('${NOT_COUNTER}') end
local value = 0
if current then
  if not (current == '0' or (#current <= 17 and string.match(current, '^%-?[1-9]%d*$'))) then
    return redis.error_reply('${NOT_COUNTER}')
  end
  value = tonumber(current)
  if value > MAX or value < -MAX then return redis.error_reply('${NOT_COUNTER}') end
end
local result = value + tonumber(ARGV[1])
if result > MAX or result < -MAX then return redis.error_reply('${OUT_OF_RANGE}') end
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if not current and ARGV[2] ~= '0' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return string.format('%d', n)
`)

/**
 * Options of `redisCounter(...).increment()`.
 * @example
 * await counter.increment(`hits:${ip}`, 1, { ttl: '1m' })
 */
export interface CounterIncrementOptions {
  /** Time to live of a counter this call creates (ms or '1m'); absent or 0: it never expires. */
  ttl?: Duration
}

/** TTLs beyond this (~285 years) are refused, as by the Cache. */
const MAX_TTL = 2 ** 53 / 1000

/**
 * Integer counters in Redis under one key prefix. Errors: `ERR_INVALID_ARGUMENT` for a bad
 * argument, a key holding something other than an integer, or a result past
 * ±Number.MAX_SAFE_INTEGER (nothing changes); `ERR_STORE_UNAVAILABLE` when Redis fails.
 * @example
 * const counter = redisCounter({ client: redis, prefix: 'myapp:rl:' })
 * const n = await counter.increment(`login:${ip}`, 1, { ttl: '15m' })
 */
export class RedisCounter {
  readonly #redis: RedisCommands
  readonly #prefix: string

  constructor(redis: RedisCommands, prefix: string) {
    this.#redis = redis
    this.#prefix = prefix
  }

  /**
   * Adds `by` (default 1, a safe integer, negative to decrement) to the counter `key` and
   * resolves to its new value; an absent key is created holding `by` with `ttl`, which later
   * increments do not extend.
   * @example
   * if ((await counter.increment(`otp-tries:${user}`, 1, { ttl: '10m' })) > 5) throw tooMany()
   */
  async increment(key: string, by = 1, options?: CounterIncrementOptions): Promise<number> {
    if (typeof key !== 'string') throw createError('ERR_INVALID_ARGUMENT', 'counter keys must be strings')
    // Redis clients send UTF-8, where 'k\uD800' would become 'k\uFFFD': two keys, one counter.
    if (!key.isWellFormed()) throw createError('ERR_INVALID_ARGUMENT', 'counter keys must not hold lone surrogates')
    if (!Number.isSafeInteger(by)) {
      throw createError('ERR_INVALID_ARGUMENT', 'increment: by must be a safe integer (Number.isSafeInteger)')
    }
    const ttl = options?.ttl === undefined ? 0 : Math.ceil(toMilliseconds(options.ttl, 'ttl'))
    if (ttl > MAX_TTL) throw createError('ERR_INVALID_ARGUMENT', 'ttl is too long')
    let reply: unknown
    try {
      reply = await this.#redis.run(INCREMENT, this.#prefix + key, [String(by + 0), String(ttl)])
    } catch (err) {
      throw refusalOf(err)
    }
    return Number(String(reply))
  }

  /**
   * Closes the client if keycard opened it from a `url`; a client you passed in stays open.
   * @example
   * process.on('SIGTERM', () => counter.close())
   */
  close(): Promise<void> {
    return this.#redis.close()
  }
}

/** A script refusal as the Cache's error; any other failure as ERR_STORE_UNAVAILABLE. */
function refusalOf(err: unknown): KeycardError {
  const message = String((err as Error)?.message ?? err)
  if (message.includes(NOT_COUNTER)) {
    return createError('ERR_INVALID_ARGUMENT', 'increment: the value is not an integer counter')
  }
  if (message.includes(OUT_OF_RANGE)) {
    return createError('ERR_INVALID_ARGUMENT', 'increment: the result would pass Number.MAX_SAFE_INTEGER')
  }
  if (err instanceof KeycardError) return err
  return createError('ERR_STORE_UNAVAILABLE', `redis counter: ${message}`, err)
}
