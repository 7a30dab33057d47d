/**
 * Revocation ("log out everywhere"), for every adapter harness (sessions/harness/; 'hono-request'
 * in process) × store: with `revocation: { userOf, generations: memoryGenerations() }`,
 * `manager.revokeUser(user)` makes every session of that user saved before it refused, even a
 * stateless cookie a thief copied; other users and anonymous sessions carry on, and a fresh login
 * works. The rows are in sessions/rows/revocation.ts; then revokeUser on the manager itself.
 */

import test from 'ava'
import { SessionManager } from '../src/sessions/manager'
import { memoryGenerations } from '../src/sessions/revocation'
import { SECRET, t_ } from './helpers/backends'
import { ALL_ADAPTERS } from './helpers/sessions'
import { registerRevocation } from './sessions/rows'

for (const adapter of ALL_ADAPTERS) registerRevocation(adapter)

test(t_('revokeUser: numeric and string user ids are the same user'), async (t) => {
  const manager = new SessionManager({
    secret: SECRET,
    revocation: { userOf: (d) => d.uid as number | undefined, generations: memoryGenerations() },
  })
  const s = await manager.load(undefined)
  s.uid = 42
  const header = (await manager.commit(s)).map((l) => l.split(';')[0]).join('; ')
  t.is((await manager.load(header)).uid, 42)
  await manager.revokeUser('42')
  t.true((await manager.load(header)).isNew)
})

test(t_('revokeUser without the revocation option is ERR_BAD_CONFIG'), async (t) => {
  const manager = new SessionManager({ secret: SECRET })
  await t.throwsAsync(manager.revokeUser('alice'), { code: 'ERR_BAD_CONFIG' })
})
