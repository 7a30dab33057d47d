/**
 * keycard/redis on a 3-master Redis Cluster (helpers/redis.ts), through ioredis' Cluster and
 * node-redis' createCluster: many sessions, so their keys land in slots of every node; each
 * command and script names one key, so each goes to the node that owns it (no CROSSSLOT).
 */

import { redisGenerations, redisStore } from '../src/sessions/stores/redis'
import { t_ } from './helpers/backends'
import { CLIENT_KINDS, type OpenClient, openClusterClient, type RedisCluster, startCluster } from './helpers/redis'
import { requires } from './helpers/requires'
import { startApp } from './helpers/sessions'

// Without redis-server every test here is skipped, with one line saying how to install it.
const test = requires('redis-server')

let cluster: RedisCluster
test.before(async () => {
  cluster = await startCluster()
})
test.after.always(async () => {
  await cluster?.stop()
})

const SESSIONS = 60

for (const kind of CLIENT_KINDS) {
  test(t_(`redis cluster (${kind}): sessions across every node: write, partial update, touch, revoke, destroy`), async (t) => {
    const open: OpenClient = await openClusterClient(kind, cluster)
    t.teardown(() => open.close())
    const prefix = `kc:${kind}:`
    const store = redisStore({ client: open.client, prefix })
    const generations = redisGenerations({ client: open.client, prefix: `kg:${kind}:` })
    const app = await startApp(
      t,
      'express',
      { store, rolling: false, revocation: { userOf: (d) => d.user as string | undefined, generations } },
      {
        '/login': (s, ctx) => {
          s.regenerate()
          s.user = ctx.q('user')
          s.n = 0
          return s.id
        },
        '/count': (s) => {
          s.n += 1
          return s.n
        },
        '/touch': (s) => s.touch(),
        '/logout': (s) => s.destroy(),
        '/whoami': (s) => ({ user: s.user ?? null, n: s.n ?? null }),
      },
    )
    const browsers = Array.from({ length: SESSIONS }, () => app.client())
    const ids = await Promise.all(
      browsers.map(async (b, i) => {
        const login = await b.get<string>(`/login?user=u${i}`)
        t.is(login.status, 200)
        return login.body
      }),
    )
    // Every master holds some of the sessions (redis-cli on one node scans only that node).
    const perNode = await Promise.all(
      cluster.nodes.map(
        async (n) =>
          (await n.cli('--scan', '--pattern', `${prefix}*`)).split('\n').filter((k) => k && !k.startsWith(`${prefix}user:`))
            .length,
      ),
    )
    t.true(
      perNode.every((count) => count > 0),
      `keys per node: ${perNode.join(', ')}`,
    )
    t.is(
      perNode.reduce((a, b) => a + b, 0),
      SESSIONS,
    )

    await Promise.all(
      browsers.map(async (b) => {
        t.is((await b.get('/count')).body, 1)
        t.is((await b.get('/count')).body, 2)
        t.is((await b.get('/touch')).status, 200)
      }),
    )
    for (const [i, id] of ids.entries()) {
      const stored = await store.get(id)
      t.is(stored?.dataJson, `{"n":2,"user":"u${i}"}`)
    }

    // Revocation and logout for half of them; the other half carry on.
    await Promise.all(ids.map((_, i) => (i % 4 === 0 ? app.manager.revokeUser(`u${i}`) : undefined)))
    await Promise.all(browsers.map((b, i) => (i % 4 === 1 ? b.get('/logout') : undefined)))
    const after = await Promise.all(browsers.map(async (b) => (await b.get<{ user: string | null }>('/whoami')).body.user))
    for (const [i, user] of after.entries()) t.is(user, i % 4 < 2 ? null : `u${i}`, `session ${i}`)
    for (const [i, id] of ids.entries()) t.is((await store.get(id)) === undefined, i % 4 === 1, `stored session ${i}`)
    // A user's sessions, listed from the user's set in another slot than the session (INDEX, then the write).
    t.deepEqual(
      (await app.manager.listSessions('u2')).map((s) => s.id),
      [ids[2]],
    )
    t.deepEqual(await app.manager.listSessions('u1'), [])
  })
}
