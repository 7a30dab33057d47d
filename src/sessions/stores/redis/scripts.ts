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
 *
 * A user's sessions (`listByUser`): a sorted set per user, `${prefix}user:${escaped user}`, whose
 * members are the session keys, each scored with its expiry (ms on the Redis clock). A session
 * written with a user (`meta.u`) is added by the same script that writes it (the `*_USER`
 * variants, with the set as KEYS[2]), so no session of a user is ever missing from the set. On
 * Cluster the two keys live in different slots: the store runs INDEX on the set, then the plain
 * script, the set first, so a session is never without its entry there either. The set may hold
 * more (sessions destroyed, moved to another user, or whose write failed after INDEX): listing
 * reads each session back and removes what is not that user's (REMOVE_STALE).
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

const SET_BODY = `
redis.call('DEL', KEYS[1])
for i = 2, #ARGV, 200 do
  redis.call('HSET', KEYS[1], unpack(ARGV, i, math.min(i + 199, #ARGV)))
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
`

const UPDATE_BODY = `
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
`

const TOUCH_BODY = `
if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
`

/**
 * The user's set (KEYS[2] in the *_USER scripts): session KEYS[1] scored with its expiry, now +
 * ARGV[1] ms on the Redis clock (TIME: one clock for every app server). Members whose expiry has
 * passed are dropped, and the set itself expires with its longest-lived member, so it never
 * outlives the sessions it lists and never expires before one of them. Scores are whole ms,
 * formatted with %.0f: Lua would print 1.7e+12, which PEXPIREAT refuses.
 */
const INDEX_BODY = (set: string, member: string) => `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
redis.call('ZADD', ${set}, string.format('%.0f', now + tonumber(ARGV[1])), ${member})
redis.call('ZREMRANGEBYSCORE', ${set}, '-inf', string.format('%.0f', now))
local longest = redis.call('ZRANGE', ${set}, -1, -1, 'WITHSCORES')
if longest[2] then redis.call('PEXPIREAT', ${set}, string.format('%.0f', tonumber(longest[2]))) end
`

// HSET/HDEL take their arguments in slices of 200: Lua's unpack of thousands of values at once
// would overflow its C stack, and a session may have that many keys.

/**
 * A new session: replaces whatever the key held, then sets its expiry, in one step.
 * ARGV[1] = ttl in ms; ARGV[2..] = field, value, field, value... (the metadata first).
 * @example
 * await redis.run(SET, prefix + id, ['86400000', META_FIELD, metaJson, 'views', '1'])
 */
export const SET = script(`${SET_BODY}return 1
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
export const UPDATE = script(`${UPDATE_BODY}return 1
`)

/**
 * An unchanged session's new expiry: the metadata (which carries it) and the key's TTL, only if
 * the session still exists (PEXPIRE answers 0 for a missing key, as in UPDATE).
 * ARGV[1] = ttl in ms; ARGV[2], ARGV[3] = the metadata field and value.
 * @example
 * const alive = Number(await redis.run(TOUCH, prefix + id, ['86400000', META_FIELD, metaJson])) === 1
 */
export const TOUCH = script(`${TOUCH_BODY}return 1
`)

/**
 * SET, and the session entered in its user's set (KEYS[2]) in the same step.
 * @example
 * await redis.runKeys(SET_USER, [prefix + id, userKey], ['86400000', META_FIELD, metaJson])
 */
export const SET_USER = script(`${SET_BODY}${INDEX_BODY('KEYS[2]', 'KEYS[1]')}return 1\n`)

/**
 * UPDATE, and the session entered in its user's set (KEYS[2]) if it was written.
 * @example
 * await redis.runKeys(UPDATE_USER, [prefix + id, userKey], ['86400000', '1', '2', META_FIELD, metaJson])
 */
export const UPDATE_USER = script(`${UPDATE_BODY}${INDEX_BODY('KEYS[2]', 'KEYS[1]')}return 1\n`)

/**
 * TOUCH, and the session entered in its user's set (KEYS[2]) if it still exists.
 * @example
 * await redis.runKeys(TOUCH_USER, [prefix + id, userKey], ['86400000', META_FIELD, metaJson])
 */
export const TOUCH_USER = script(`${TOUCH_BODY}${INDEX_BODY('KEYS[2]', 'KEYS[1]')}return 1\n`)

/**
 * Cluster only: the session key ARGV[2] entered in the user's set KEYS[1] for ARGV[1] ms, run
 * before the session's own write (see above).
 * @example
 * await redis.run(INDEX, userKey, ['86400000', prefix + id])
 */
export const INDEX = script(`${INDEX_BODY('KEYS[1]', 'ARGV[2]')}return 1\n`)

/**
 * The members of a user's set whose expiry is still ahead (expired ones dropped first), with
 * their scores: member, score, member, score...
 * @example
 * const flat = (await redis.run(LIST_USER, userKey, [])) as string[]
 */
export const LIST_USER = script(`
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now))
return redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
`)

/**
 * Removes members that listing found stale (destroyed, or another user's now), each only if its
 * score is still the one listing read: a write that entered it again meanwhile (a new expiry)
 * keeps it. ARGV = member, score, member, score...
 * @example
 * await redis.run(REMOVE_STALE, userKey, [prefix + id, '1700000000000'])
 */
export const REMOVE_STALE = script(`
local removed = 0
for i = 1, #ARGV, 2 do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    removed = removed + redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
return removed
`)
