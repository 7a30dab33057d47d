/**
 * keycard/node: the session behaviour table (sessions/rows/, `registerAll`) for cookieStore() and
 * memoryStore(), over real HTTP through its harness (sessions/harness/node.ts), on the backend of
 * this run; then the session object's own regressions.
 */
import test from 'ava'
import { SessionManager } from '../src/sessions/manager'
import { SECRET, t_ } from './helpers/backends'
import { registerAll } from './sessions/rows'

registerAll('node')

// --- Regressions ----------------------------------------------------------------------------------

// session.delete(key) returned true for a key the session never had (the `delete` operator's
// result). As Map#delete: whether a key was removed.
test(t_('session.delete(missing key) returns false'), async (t) => {
  const s = await new SessionManager({ secret: SECRET }).load(undefined)
  s.a = 1
  t.true(s.delete('a'))
  t.false(s.delete('a'))
  t.false(s.delete('never'))
})
