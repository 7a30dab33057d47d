/**
 * How a session sits in Redis: one hash per session. Each top-level data key is one field
 * holding that key's JSON; the core's metadata (expiry, flash, revocation) is one more field.
 *
 * Field names: data keys come from user code and can be any string, so the metadata field is
 * named "\0" and a data key that could be mistaken for it is escaped. A key is stored as itself,
 * unless it starts with "\0" or is not well-formed UTF-16 (a lone surrogate, which the clients
 * would turn into U+FFFD when they encode it as UTF-8): those are stored as "\0" + the key's
 * JSON, which is ASCII for such characters. No escaped name is "\0" alone, and none of them
 * equals a plain name, so no data key can overwrite the metadata or another key.
 *
 * Every script touches one key (KEYS[1]), so all of them run on Redis Cluster, and each runs
 * atomically: no other command sees a session half written or without its expiry.
 */

import { script } from './client'

/**
 * The hash field of keycard's metadata: "\0", a name no data key is stored under.
 * @example
 * const [field, value] = [META_FIELD, JSON.stringify(session.meta)]
 */
export const META_FIELD = '\u0000'

/**
 * The hash field a data key is stored under: the key itself, or "\0" + its JSON when it starts
 * with "\0" or holds a lone surrogate.
 * @example
 * fieldOf('cart') // 'cart'
 * fieldOf('\u0000x') // '\u0000"\\u0000x"'
 */
export function fieldOf(key: string): string {
  return key.startsWith(META_FIELD) || !key.isWellFormed() ? META_FIELD + JSON.stringify(key) : key
}

/**
 * The data key of a stored field name (throws for a name no key maps to: a corrupt hash).
 * @example
 * keyOf(fieldOf('\u0000x')) // '\u0000x'
 */
export function keyOf(field: string): string {
  if (!field.startsWith(META_FIELD)) return field
  const key = JSON.parse(field.slice(1))
  if (typeof key !== 'string') throw new TypeError('not a field name')
  return key
}

// HSET/HDEL take their arguments in slices of 200: Lua's unpack of thousands of values at once
// would overflow its C stack, and a session may have that many keys.

/**
 * A new session: replaces whatever the key held, then sets its expiry, in one step.
 * ARGV[1] = ttl in ms; ARGV[2..] = field, value, field, value... (the metadata first).
 * @example
 * await redis.run(SET, prefix + id, ['86400000', META_FIELD, metaJson, 'views', '1'])
 */
export const SET = script(`
redis.call('DEL', KEYS[1])
for i = 2, #ARGV, 200 do
  redis.call('HSET', KEYS[1], unpack(ARGV, i, math.min(i + 199, #ARGV)))
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`)

/**
 * A saved session's changes, only if it still exists (a concurrent logout deleted it: 0, and
 * nothing is written). Fields this request did not change are left as they are, so concurrent
 * requests that change different keys all persist. PEXPIRE comes first and doubles as the
 * existence check (it answers 0 for a missing key and creates nothing): one command fewer per
 * write than EXISTS + PEXPIRE. The script is atomic, so the order inside it is never seen; HSET
 * and HDEL keep a key's TTL, and only the whole rewrite (DEL) needs it set again.
 * ARGV[1] = ttl in ms; ARGV[2] = '1' to drop every field first (a whole rewrite), else '0';
 * ARGV[3] = n, then n values: field, value... (the metadata first); the rest: fields to delete.
 * @example
 * const wrote = Number(await redis.run(UPDATE, prefix + id, ['86400000', '0', '4', META_FIELD, metaJson, 'cart', '[1]', 'coupon'])) === 1
 */
export const UPDATE = script(`
if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return 0 end
local whole = ARGV[2] == '1'
if whole then redis.call('DEL', KEYS[1]) end
local last = 3 + tonumber(ARGV[3])
for i = 4, last, 200 do
  redis.call('HSET', KEYS[1], unpack(ARGV, i, math.min(i + 199, last)))
end
for i = last + 1, #ARGV, 200 do
  redis.call('HDEL', KEYS[1], unpack(ARGV, i, math.min(i + 199, #ARGV)))
end
if whole then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return 1
`)

/**
 * An unchanged session's new expiry: the metadata (which carries it) and the key's TTL, only if
 * the session still exists (PEXPIRE answers 0 for a missing key, as in UPDATE).
 * ARGV[1] = ttl in ms; ARGV[2], ARGV[3] = the metadata field and value.
 * @example
 * const alive = Number(await redis.run(TOUCH, prefix + id, ['86400000', META_FIELD, metaJson])) === 1
 */
export const TOUCH = script(`
if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
return 1
`)
