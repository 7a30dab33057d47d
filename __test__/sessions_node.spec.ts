/**
 * keycard/node over real HTTP: the session behaviour table (helpers/session_behaviours.ts) for
 * cookieStore() and memoryStore(), on the backend of this run.
 */
import test from 'ava'
import { SessionManager } from '../src/sessions/manager'
import { SECRET, t_ } from './helpers/backends'
import { registerSessionBehaviours } from './helpers/session_behaviours'

registerSessionBehaviours('node')

// --- Known bug (reported) ---------------------------------------------------------------------------

// session.delete(key) returns true for a key the session never had (it returns the `delete`
// operator's result). Expected, as Map#delete: whether a key was removed.
test(t_('session.delete(missing key) returns false'), async (t) => {
  const s = await new SessionManager({ secret: SECRET }).load(undefined)
  s.a = 1
  t.true(s.delete('a'))
  t.false(s.delete('a'))
  t.false(s.delete('never'))
})
