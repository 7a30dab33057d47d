/**
 * `redisCounter()` (keycard/redis) against a real redis-server, with an ioredis and a node-redis
 * client: the Cache's counter semantics (docs/CACHE.md, "Counters") on Redis, in one Lua call:
 * TTL set when the counter is created and never extended, refusals that change nothing, exact
 * totals under concurrent increments from two connections.
 */

import Redis from 'ioredis'
import { rateLimit } from '../src/index'
import { redisCounter } from '../src/sessions/stores/redis'
import { t_ } from './helpers/backends'
import {
  CLIENT_KINDS,
  type ClientKind,
  freePort,
  type OpenClient,
  openClient,
  type RedisServer,
  startRedis,
} from './helpers/redis'
import { requires } from './helpers/requires'

// Without redis-server every test here is skipped, with one line saying how to install it.
const test = requires('redis-server')

let server: RedisServer
let admin: Redis
const clients = new Map<ClientKind, OpenClient>()

test.before(async () => {
  server = await startRedis()
  admin = new Redis(server.url)
  for (const kind of CLIENT_KINDS) clients.set(kind, await openClient(kind, server.url))
})

test.after.always(async () => {
  for (const c of clients.values()) await c.close()
  admin?.disconnect()
  await server?.stop()
})

let prefixes = 0
const newPrefix = () => `kc:${process.pid}:${++prefixes}:`
const invalid = { code: 'ERR_INVALID_ARGUMENT' }

for (const kind of CLIENT_KINDS) {
  const counterFor = (prefix = newPrefix()) => ({ prefix, counter: redisCounter({ client: clients.get(kind)?.client, prefix }) })

  test(t_(`redis counter (${kind}): creates at by, adds, returns numbers; the TTL is set on create only`), async (t) => {
    const { prefix, counter } = counterFor()
    t.is(await counter.increment('n'), 1)
    t.is(await counter.increment('n', 41), 42)
    t.is(await counter.increment('n', -50), -8)
    t.is(await admin.get(`${prefix}n`), '-8')
    t.is(await admin.pttl(`${prefix}n`), -1) // created without a ttl: never expires

    t.is(await counter.increment('w', 1, { ttl: '1m' }), 1)
    const first = await admin.pttl(`${prefix}w`)
    t.true(first > 0 && first <= 60_000, String(first))
    t.is(await counter.increment('w', 1, { ttl: 500 }), 2)
    const after = await admin.pttl(`${prefix}w`)
    t.true(after > 500 && after <= first, `${after} <= ${first}: the window was not restarted`)
    t.is(await counter.increment('zero', -0), 0)
  })

  test(t_(`redis counter (${kind}): values that are not integer counters are refused and left as they were`), async (t) => {
    const { prefix, counter } = counterFor()
    const stored = ['abc', '1.5', '007', '-0', '', ' 1', '9007199254740992', '99999999999999999999']
    for (const [i, value] of stored.entries()) {
      await admin.set(`${prefix}s${i}`, value)
      await t.throwsAsync(counter.increment(`s${i}`), { ...invalid, message: /not an integer counter/ }, value)
      t.is(await admin.get(`${prefix}s${i}`), value)
    }
    await admin.hset(`${prefix}hash`, 'f', '1')
    await t.throwsAsync(counter.increment('hash'), { ...invalid, message: /not an integer counter/ })
    t.is(await admin.type(`${prefix}hash`), 'hash')
    await admin.set(`${prefix}max`, String(Number.MAX_SAFE_INTEGER))
    await t.throwsAsync(counter.increment('max'), { ...invalid, message: /MAX_SAFE_INTEGER/ })
    t.is(await admin.get(`${prefix}max`), String(Number.MAX_SAFE_INTEGER))
    t.is(await counter.increment('min', -Number.MAX_SAFE_INTEGER), -Number.MAX_SAFE_INTEGER)
    await t.throwsAsync(counter.increment('min', -1), { ...invalid, message: /MAX_SAFE_INTEGER/ })
  })

  test(t_(`redis counter (${kind}): bad arguments are refused before Redis is asked`), async (t) => {
    const { prefix, counter } = counterFor()
    for (const by of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '1', null]) {
      await t.throwsAsync(counter.increment('n', by as number), { ...invalid, message: /by must be a safe integer/ })
    }
    await t.throwsAsync(counter.increment('k\uD800'), { ...invalid, message: /lone surrogates/ })
    await t.throwsAsync(counter.increment(7 as unknown as string), invalid)
    await t.throwsAsync(counter.increment('n', 1, { ttl: -5 }), invalid)
    t.is(await admin.exists(`${prefix}n`), 0)
  })

  test(t_(`redis counter (${kind}): concurrent increments from two connections add up exactly`), async (t) => {
    const prefix = newPrefix()
    const mine = redisCounter({ client: clients.get(kind)?.client, prefix })
    const other = redisCounter({ client: admin, prefix })
    const N = 300
    const all = await Promise.all(
      Array.from({ length: N }, (_, i) => (i % 2 === 0 ? mine : other).increment('n', 1, { ttl: '1m' })),
    )
    t.is(await admin.get(`${prefix}n`), String(N))
    t.deepEqual(
      [...all].sort((a, b) => a - b),
      Array.from({ length: N }, (_, i) => i + 1),
      'every call saw a distinct value',
    )
  })
}

test(t_('redis counter: rateLimit over Redis counts one window for two limiters (two app processes)'), async (t) => {
  const prefix = newPrefix()
  const T = 28_333_334 * 60_000 + 20_000 // 20 s into a minute
  const clock = () => T
  const make = (client: object) => rateLimit({ store: redisCounter({ client, prefix }), limit: 3, window: '1m', now: clock })
  const a = make(clients.get('ioredis')?.client as object)
  const b = make(clients.get('node-redis')?.client as object)
  const seen = [await a.check('ip'), await b.check('ip'), await a.check('ip'), await b.check('ip')]
  t.deepEqual(
    seen.map((r) => [r.allowed, r.remaining, r.resetIn]),
    [
      [true, 2, 40],
      [true, 1, 40],
      [true, 0, 40],
      [false, 0, 40],
    ],
  )
  const key = `${prefix}rl:ip:28333334`
  t.is(await admin.get(key), '4')
  const pttl = await admin.pttl(key)
  t.true(pttl > 0 && pttl <= 40_000, String(pttl)) // expires with its window (on Redis' clock)
})

test(t_('redis counter: options are checked (unknown names with a hint, client or url)'), (t) => {
  t.throws(() => redisCounter({ client: admin, ttl: 5 } as never), { ...invalid, message: /ttl.*increment/ })
  t.throws(() => redisCounter({ client: admin, url: server.url }), invalid)
  t.throws(() => redisCounter({ client: {} }), invalid)
  t.throws(() => redisCounter({ client: admin, prefix: 5 as unknown as string }), invalid)
})

test(t_('redis counter: from a url (keycard opens and closes the client); Redis down is ERR_STORE_UNAVAILABLE'), async (t) => {
  const prefix = newPrefix()
  const counter = redisCounter({ url: server.url, prefix })
  t.is(await counter.increment('n', 3), 3)
  t.is(await admin.get(`${prefix}n`), '3')
  await counter.close()
  const down = redisCounter({ url: `redis://127.0.0.1:${await freePort()}` })
  await t.throwsAsync(down.increment('n'), { code: 'ERR_STORE_UNAVAILABLE' })
  await down.close()
})
