/**
 * Flash rows: a message set in one request is read once in the next and gone after; flashes are
 * not data keys, and each key waits for its own reader.
 */

import type { AdapterName } from '../../helpers/sessions'
import { ok, type RegisterOptions, type Row, registerRows, sets } from './table'

/**
 * The flash rows, in the order they are registered.
 * @example
 * registerRows(flashRows, 'express')
 */
export const flashRows: Row[] = [
  {
    title: 'flash: set in one request, read once in the next, gone in the third',
    async run(t, env) {
      const app = await env.start({
        '/set': (s) => {
          s.flash('msg', 'saved')
          s.flash('msg', { level: 'info' })
          s.flash('other', 1)
        },
        '/get': (s) => ({ msg: s.flash('msg'), keys: Object.keys(s) }),
        '/get-other': (s) => s.flash('other'),
      })
      const c = app.client()
      const set = await ok(t, c.get('/set'))
      t.is(sets(set).length, 1, 'a flash alone saves a new session')
      const second = await ok(t, c.get('/get'))
      t.deepEqual(second.body, { msg: ['saved', { level: 'info' }], keys: [] }, 'flashes are not data keys')
      t.is(sets(second).length, 1, 'taking a flash changes the session')
      const third = await ok(t, c.get('/get'))
      t.deepEqual(third.body, { msg: [], keys: [] })
      t.deepEqual(third.setCookie, [], 'nothing left to take: nothing changed')
      t.deepEqual((await ok(t, c.get('/get-other'))).body, [1], 'other keys wait for their reader')
      t.deepEqual((await ok(t, c.get('/get-other'))).body, [])
    },
  },
]

/**
 * Registers the flash rows for `adapter` × each store.
 * @example
 * registerFlash('hono')
 */
export function registerFlash(adapter: AdapterName, options?: RegisterOptions): void {
  registerRows(flashRows, adapter, options)
}
