/**
 * Malformed records from a custom store: a store is app code, and the core does not trust what it
 * returns. A record without an expiry, with NaN or a string for it, a creation time in the
 * future... would be a session the expiry and lifetime checks can never end. Each is
 * ERR_BAD_FORMAT: a fresh session, not a 500. (Expired records: expiry.ts.)
 */

import { randomId } from '../../../src/random'
import type { ServerStore, StoredSession } from '../../../src/sessions'
import { encodeRecord } from '../../../src/sessions/stores/record'
import { sign } from '../../../src/sign'
import { SECRET } from '../../helpers/backends'
import { type AdapterName, purposeOf } from '../../helpers/sessions'
import { assertCleared, assertFresh, hostileRoutes, whoami } from './hostile_kit'
import { ALICE, HOUR, NAME, type RegisterOptions, type Row, registerRows } from './table'

/**
 * The bad records rows, in the order they are registered.
 * @example
 * registerRows(badRecordRows, 'express')
 */
export const badRecordRows: Row[] = [false, true].map(
  (partial): Row => ({
    title: `a custom store${partial ? ' (partial)' : ''} returning malformed records → fresh session, never a 500 or an immortal one`,
    ownStore: true,
    stores: ['memory'],
    async run(t, env) {
      const records = new Map<string, unknown>()
      const store: ServerStore = {
        kind: 'server',
        partial,
        get: async (id) => records.get(id) as StoredSession | undefined,
        set: async () => {},
        destroy: async (id) => {
          records.delete(id)
        },
      }
      const app = await env.start(hostileRoutes, { store, absoluteTtl: '2h' })
      const now = Date.now()
      const fields = new Map([
        ['note', '"old data"'],
        ['user', '"alice"'],
      ])
      /** A well-formed record with `change` applied: its cookie. */
      const put = (change: (record: Record<string, unknown>, meta: Record<string, unknown>) => unknown = (r) => r) => {
        const id = randomId()
        const meta: Record<string, unknown> = { v: 1, id, c: now, e: now + HOUR }
        const record: Record<string, unknown> = { meta, dataJson: ALICE, ...(partial ? { fields } : {}) }
        records.set(id, change(record, meta))
        return `${NAME}=${sign(id, SECRET, { purpose: purposeOf(NAME) })}`
      }
      const set = (key: string, value: unknown) => (r: Record<string, unknown>, meta: Record<string, unknown>) => {
        meta[key] = value
        return r
      }
      const drop = (key: string) => (r: Record<string, unknown>, meta: Record<string, unknown>) => {
        delete meta[key]
        return r
      }
      t.is((await whoami(app, put())).body.user, 'alice', 'control: a well-formed record opens')
      const bad: Array<[string, ReturnType<typeof put>]> = [
        ['no expiry', put(drop('e'))],
        ['expiry NaN', put(set('e', Number.NaN))],
        ['expiry Infinity', put(set('e', Number.POSITIVE_INFINITY))],
        ['expiry a string', put(set('e', String(now + HOUR)))],
        ['expiry null', put(set('e', null))],
        ['expiry past the year 2106', put(set('e', 1e15))],
        ['creation time in the future', put(set('c', now + 10 * HOUR))],
        ['no creation time', put(drop('c'))],
        ['creation time NaN', put(set('c', Number.NaN))],
        ['no version', put(drop('v'))],
        ['id of another session', put(set('id', randomId()))],
        ['id not a string', put(set('id', 42))],
        ['flash that is not lists', put(set('f', { notice: 'not a list' }))],
        ['flash that is a list', put(set('f', ['x']))],
        ['user not a string', put(set('u', 42))],
        ['generation a string', put(set('g', '1'))],
        ['generation negative', put(set('g', -1))],
        ['no meta', put((r) => ({ ...r, meta: undefined }))],
        ['meta an array', put((r) => ({ ...r, meta: [] }))],
        ['data a String object', put((r) => ({ ...r, dataJson: new String(ALICE) }))],
        ['data an object', put((r) => ({ ...r, dataJson: { user: 'alice' } }))],
        ['the record as text', put((r) => encodeRecord(r as unknown as StoredSession))],
        [
          'a getter that throws',
          put((r, meta) => {
            Object.defineProperty(meta, 'e', {
              get() {
                throw new Error('hostile')
              },
            })
            return r
          }),
        ],
      ]
      if (partial) {
        bad.push(
          ['no fields', put((r) => ({ ...r, fields: undefined }))],
          ['fields an array', put((r) => ({ ...r, fields: [...fields] }))],
          ['fields with a value that is not text', put((r) => ({ ...r, fields: new Map([['user', 42]]) }))],
        )
      }
      for (const [label, cookie] of bad) {
        const before = app.invalid.length
        const r = await assertFresh(t, app, cookie, label)
        assertCleared(t, r, label)
        t.deepEqual(app.invalid.slice(before), ['ERR_BAD_FORMAT'], label)
      }
      t.deepEqual(app.errors, [], 'no request failed')
    },
  }),
)

/**
 * Registers the malformed-record rows for `adapter` (each brings its own store).
 * @example
 * registerBadRecords('express')
 */
export function registerBadRecords(adapter: AdapterName, options?: RegisterOptions): void {
  registerRows(badRecordRows, adapter, options)
}
