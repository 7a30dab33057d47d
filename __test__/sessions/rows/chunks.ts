/**
 * Chunk rows: a cookie session too big for one cookie is split over `name`, `name.1`, …, every
 * Set-Cookie line within the 4096 bytes browsers keep (RFC 6265 §6.1, attributes included);
 * stale chunks are cleared, a missing or foreign chunk refused; a server store keeps one small
 * cookie; over maxBytes is ERR_TOO_LARGE with the previous cookie intact.
 */

import { parseSetCookie } from '../../helpers/http'
import { type AdapterName, commitFailureVia } from '../../helpers/sessions'
import { clears, counter, NAME, ok, type RegisterOptions, type Row, registerRows, sets } from './table'

/** Browsers keep at least 4096 bytes per cookie, name, value and attributes included. */
const LIMIT = 4096

/**
 * The chunks rows, in the order they are registered.
 * @example
 * registerRows(chunkRows, 'express')
 */
export const chunkRows: Row[] = [
  {
    title: 'chunked cookie: ~6 KB is split over name, name.1, name.2; shrinking clears the stale chunks',
    stores: ['cookie'],
    async run(t, env) {
      const app = await env.start({
        '/big': (s) => {
          s.blob = 'x'.repeat(6000)
        },
        '/small': (s) => {
          s.blob = 'y'
        },
        '/read': (s) => ({ length: s.blob?.length ?? null, isNew: s.isNew }),
      })
      const c = app.client()
      const big = await ok(t, c.get('/big'))
      t.deepEqual(
        sets(big).map((x) => x.name),
        [NAME],
      )
      t.deepEqual(c.jar.names(), [NAME, `${NAME}.1`, `${NAME}.2`])
      t.regex(c.jar.get(NAME) ?? '', /^3\*/, 'the first cookie says how many there are')
      for (const name of c.jar.names()) {
        const line = big.setCookie.find((l) => l.startsWith(`${name}=`)) ?? ''
        // RFC 6265 §6.1: browsers keep 4096 bytes per cookie, attributes included.
        t.true(Buffer.byteLength(line) <= 4096, `${name}: the whole Set-Cookie line fits a browser cookie`)
      }
      t.deepEqual((await ok(t, c.get('/read'))).body, { length: 6000, isNew: false })
      const small = await ok(t, c.get('/small'))
      t.is(sets(small).length, 1)
      t.deepEqual(
        small.setCookie.filter((l) => /Max-Age=0/.test(l)).map((l) => l.split('=')[0]),
        [`${NAME}.1`, `${NAME}.2`],
      )
      t.deepEqual(c.jar.names(), [NAME])
      t.deepEqual((await ok(t, c.get('/read'))).body, { length: 1, isNew: false })
    },
  },
  {
    title: 'chunked cookie: a missing or foreign chunk gives a fresh empty session and clears them all',
    stores: ['cookie'],
    async run(t, env) {
      const app = await env.start({
        '/big': (s) => {
          s.blob = s.id.repeat(150)
        },
        '/read': (s) => ({ length: s.blob?.length ?? null, isNew: s.isNew }),
      })
      const a = app.client()
      const b = app.client()
      await ok(t, a.get('/big'))
      await ok(t, b.get('/big'))
      t.deepEqual((await ok(t, a.get('/read'))).body, { length: 6450, isNew: false }, 'control: the whole session opens')

      const swapped = app.client()
      swapped.jar.restore(a.jar.snapshot())
      swapped.jar.set(`${NAME}.1`, b.jar.get(`${NAME}.1`) ?? '')
      const mixed = await ok(t, swapped.get('/read'))
      t.deepEqual(mixed.body, { length: null, isNew: true }, "another session's chunk does not fit")
      t.deepEqual(swapped.jar.names(), [], 'the refused cookies are cleared')

      t.true(a.jar.delete(`${NAME}.1`))
      const missing = await ok(t, a.get('/read'))
      t.deepEqual(missing.body, { length: null, isNew: true })
      t.deepEqual(
        clears(missing).map((x) => x.name),
        [NAME],
      )
      t.deepEqual(a.jar.names(), [], `${NAME} and ${NAME}.2 cleared`)
      t.true(app.invalid.includes('ERR_BAD_FORMAT'))
    },
  },
  {
    title: 'a large session stays server-side: one small cookie',
    stores: ['memory'],
    async run(t, env) {
      const app = await env.start({
        '/big': (s) => {
          s.blob = 'x'.repeat(20_000)
        },
        '/read': (s) => s.blob?.length ?? null,
      })
      const c = app.client()
      const big = await ok(t, c.get('/big'))
      t.deepEqual(
        big.setCookie.map((l) => l.split('=')[0]),
        [NAME],
      )
      t.true((c.jar.get(NAME) ?? '').length < 200)
      t.is((await ok(t, c.get('/read'))).body, 20_000)
    },
  },
  {
    title: 'over maxBytes: ERR_TOO_LARGE reaches the error path and the previous cookie still works',
    stores: ['cookie'],
    async run(t, env) {
      const app = await env.start({
        ...counter,
        '/huge': (s) => {
          s.n = 99
          s.blob = 'x'.repeat(13_000)
        },
      })
      const c = app.client()
      await ok(t, c.get('/count'))
      const before = c.jar.snapshot()
      const huge = await c.get('/huge')
      t.is(huge.status, 500)
      t.deepEqual(huge.body, { error: 'ERR_TOO_LARGE', via: commitFailureVia(env.adapter) })
      t.deepEqual(huge.setCookie, [], 'nothing half-written goes out')
      t.deepEqual(c.jar.snapshot(), before)
      t.is(app.errors.length, 1)
      t.is((await ok(t, c.get<{ n: number }>('/count'))).body.n, 2, 'the previous session carries on')
    },
  },

  {
    title: 'chunked cookie, a 300-character name: every line fits and the session comes back at each chunk boundary',
    stores: ['cookie'],
    defaultStoresOnly: true,
    async run(t, env) {
      const name = 'k'.repeat(300)
      const app = await env.start(
        {
          '/big': (s, ctx) => {
            s.blob = 'x'.repeat(Number(ctx.q('n')))
          },
          '/read': (s) => (s.blob as string | undefined)?.length ?? null,
        },
        { cookie: { name }, maxHeaderSize: 64 * 1024 },
      )
      for (const n of [2800, 2900, 3000, 5900, 6000, 8700, 8800]) {
        const c = app.client()
        const r = await c.get(`/big?n=${n}`)
        t.is(r.status, 200)
        for (const line of r.setCookie) t.true(Buffer.byteLength(line) <= LIMIT, `${n}: ${Buffer.byteLength(line)} bytes`)
        t.is((await c.get('/read')).body, n)
      }
    },
  },
  {
    title: 'chunked cookie, a __Host- name: works end to end, every chunk with Path=/, Secure and no Domain',
    stores: ['cookie'],
    defaultStoresOnly: true,
    async run(t, env) {
      const name = '__Host-keycard'
      const app = await env.start(
        {
          '/big': (s) => {
            s.blob = 'x'.repeat(6000)
          },
          '/read': (s) => s.blob?.length ?? null,
        },
        { cookie: { name } },
      )
      const c = app.client()
      const big = await c.get('/big')
      t.deepEqual(c.jar.names(), [name, `${name}.1`, `${name}.2`])
      for (const line of big.setCookie) {
        const parsed = parseSetCookie(line)
        t.is(parsed?.attributes.path, '/')
        t.true(parsed?.attributes.secure)
        t.is(parsed?.attributes.domain, undefined)
      }
      t.is((await c.get('/read')).body, 6000)
      // The unprefixed name is another cookie: a `keycard` cookie cannot stand in for `__Host-keycard`.
      const plain = await c.get<number | null>('/read', { cookie: `keycard=${c.jar.get(name)}` })
      t.is(plain.body, null)
    },
  },
]

/**
 * Registers the chunk rows for `adapter` × each store.
 * @example
 * registerChunks('node')
 */
export function registerChunks(adapter: AdapterName, options?: RegisterOptions): void {
  registerRows(chunkRows, adapter, options)
}
