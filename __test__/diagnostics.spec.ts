/**
 * keycard's node:diagnostics_channel events (src/diagnostics.ts, docs/OBSERVABILITY.md): each one
 * published where it happens, with the documented message, never a session id, and nothing at
 * all once the subscriber is gone. Serial: a subscriber sees every manager in the process.
 */

import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import test from 'ava'
import { CHANNELS } from '../src/index'
import { SessionManager } from '../src/sessions/manager'
import type { Session } from '../src/sessions/session'
import { memoryStore } from '../src/sessions/stores/memory'
import type { ServerStore } from '../src/sessions/stores/types'
import { SECRET, t_ } from './helpers/backends'

// biome-ignore lint/suspicious/noExplicitAny: tests set arbitrary keys
type AnySession = Session<Record<string, any>>

/** Every message of every keycard channel while `run` runs, as [channel, message]. */
async function recorded(run: () => Promise<void>): Promise<Array<[string, Record<string, unknown>]>> {
  const seen: Array<[string, Record<string, unknown>]> = []
  const listeners = Object.values(CHANNELS).map((name) => {
    const listener = (message: unknown) => seen.push([name, message as Record<string, unknown>])
    subscribe(name, listener)
    return [name, listener] as const
  })
  try {
    await run()
  } finally {
    for (const [name, listener] of listeners) unsubscribe(name, listener)
  }
  return seen
}

const cookieHeader = (lines: string[]) => lines.map((l) => l.split(';')[0]).join('; ')

test.serial(t_('diagnostics: the channel names are the documented ones'), (t) => {
  t.deepEqual(Object.values(CHANNELS).sort(), [
    'keycard:cache:evict',
    'keycard:session:commit',
    'keycard:session:create',
    'keycard:session:destroy',
    'keycard:session:invalid',
    'keycard:session:regenerate',
    'keycard:store:error',
  ])
})

for (const kind of ['cookie', 'memory'] as const) {
  test.serial(
    t_(`diagnostics, ${kind} store: create, commit, regenerate, destroy and invalid, with no session id in any message`),
    async (t) => {
      const manager = new SessionManager(kind === 'cookie' ? { secret: SECRET } : { secret: SECRET, store: memoryStore() })
      const ids: string[] = []
      const seen = await recorded(async () => {
        const s = (await manager.load(undefined)) as AnySession
        s.views = 1
        const first = await manager.commit(s)
        ids.push(s.id)
        const again = (await manager.load(cookieHeader(first))) as AnySession
        again.regenerate({ keepData: true })
        const second = await manager.commit(again)
        ids.push(again.id)
        const last = (await manager.load(cookieHeader(second))) as AnySession
        last.destroy()
        await manager.commit(last)
        await manager.load('keycard=forged.value')
      })
      const store = kind
      const events = { store, cookie: 'keycard' }
      t.deepEqual(
        seen.map(([name]) => name),
        [
          'keycard:session:create',
          'keycard:session:commit',
          'keycard:session:regenerate',
          'keycard:session:create',
          'keycard:session:commit',
          'keycard:session:destroy',
          'keycard:session:invalid',
        ],
      )
      t.deepEqual(seen[0]?.[1], events)
      const commit = seen[1]?.[1] ?? {}
      t.like(commit, { ...events, bytes: '{"views":1}'.length })
      t.true((commit.cookieBytes as number) > 0)
      t.like(seen[6]?.[1], { cookie: 'keycard' })
      t.is(typeof seen[6]?.[1].code, 'string')
      const text = JSON.stringify(seen)
      for (const id of ids) t.false(text.includes(id), 'a session id in a diagnostics message')
    },
  )
}

test.serial(t_('diagnostics: a failing store publishes keycard:store:error with the operation and both errors'), async (t) => {
  const boom = new Error('connection refused')
  const failing: ServerStore = {
    kind: 'server',
    get: async () => undefined,
    set: async () => {
      throw boom
    },
    destroy: async () => {},
  }
  const manager = new SessionManager({ secret: SECRET, store: failing })
  const seen = await recorded(async () => {
    const s = (await manager.load(undefined)) as AnySession
    s.views = 1
    await t.throwsAsync(manager.commit(s), { code: 'ERR_STORE_UNAVAILABLE' })
  })
  const errors = seen.filter(([name]) => name === 'keycard:store:error')
  t.is(errors.length, 1)
  t.like(errors[0]?.[1], { operation: 'set', code: 'ERR_STORE_UNAVAILABLE', error: boom })
  t.is(typeof errors[0]?.[1].store, 'string')
})

test.serial(t_('diagnostics: nothing is published once the subscriber is gone'), async (t) => {
  const manager = new SessionManager({ secret: SECRET })
  const seen: unknown[] = []
  const listener = (message: unknown) => seen.push(message)
  subscribe(CHANNELS.sessionCreate, listener)
  unsubscribe(CHANNELS.sessionCreate, listener)
  const s = (await manager.load(undefined)) as AnySession
  s.views = 1
  t.true((await manager.commit(s)).length > 0)
  t.deepEqual(seen, [])
})
