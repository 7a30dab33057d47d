/**
 * Data rows: session data as properties and through get/set/delete/has/clear, the API's names
 * kept for the API; values JSON cannot hold refused (ERR_NOT_SERIALIZABLE) with the previous
 * session intact; prototype keys (`__proto__`, `constructor`, `prototype`) kept as plain data,
 * never reaching a prototype, whether written by the app or decrypted from a cookie.
 */

import { type AdapterName, commitFailureVia } from '../../helpers/sessions'
import { counter, forge, NAME, ok, type RegisterOptions, type Row, registerRows, sets } from './table'

const BAD_VALUES: Record<string, () => unknown> = {
  function: () => () => 1,
  BigInt: () => 10n,
  cycle: () => {
    const o: Record<string, unknown> = { a: 1 }
    o.self = o
    return o
  },
  NaN: () => Number.NaN,
  'Infinity nested in an array': () => [1, Number.POSITIVE_INFINITY],
  'symbol nested in an object': () => ({ deep: { s: Symbol('x') } }),
}

/**
 * The data rows, in the order they are registered.
 * @example
 * registerRows(dataRows, 'express')
 */
export const dataRows: Row[] = [
  {
    title: 'data as properties and through get/set/delete/has/clear; API names stay the API',
    async run(t, env) {
      const app = await env.start({
        '/1': (s) => {
          s.a = 1
          s.set('b', { list: [1, 2] })
          s.set('save', 'data named save')
          let assign: unknown = null
          try {
            ;(s as unknown as Record<string, unknown>).save = 1
          } catch (err) {
            assign = (err as { code?: string }).code
          }
          return {
            a: s.a,
            getA: s.get('a'),
            has: [s.has('a'), 'a' in s, s.has('zzz'), 'zzz' in s],
            keys: Object.keys(s).sort(),
            saveIsApi: typeof s.save === 'function',
            getSave: s.get('save'),
            assign,
            json: s.toJSON(),
          }
        },
        '/push': (s) => {
          s.b.list.push(3)
        },
        '/2': (s) => ({ b: s.get('b'), delA: delete s.a, delB: s.delete('b'), keys: Object.keys(s) }),
        '/3': (s) => {
          const before = { keys: Object.keys(s), a: s.a ?? null, save: s.get('save') }
          s.clear()
          return { before, after: Object.keys(s) }
        },
        '/4': (s) => ({ keys: Object.keys(s), hasSave: s.has('save'), isNew: s.isNew }),
      })
      const c = app.client()
      t.deepEqual((await ok(t, c.get('/1'))).body, {
        a: 1,
        getA: 1,
        has: [true, true, false, false],
        keys: ['a', 'b', 'save'],
        saveIsApi: true,
        getSave: 'data named save',
        assign: 'ERR_INVALID_ARGUMENT',
        json: { a: 1, b: { list: [1, 2] }, save: 'data named save' },
      })
      const push = await ok(t, c.get('/push'))
      t.is(sets(push).length, 1, 'a nested mutation is a change')
      t.deepEqual((await ok(t, c.get('/2'))).body, {
        b: { list: [1, 2, 3] },
        delA: true,
        delB: true,
        keys: ['save'],
      })
      t.deepEqual((await ok(t, c.get('/3'))).body, { before: { keys: ['save'], a: null, save: 'data named save' }, after: [] })
      const four = await ok(t, c.get('/4'))
      t.deepEqual(four.body, { keys: [], hasSave: false, isNew: false }, 'clear() empties the data, the session stays')
    },
  },
  ...Object.entries(BAD_VALUES).map(
    ([kind, make]): Row => ({
      title: `not serialisable (${kind}): ERR_NOT_SERIALIZABLE and the previous cookie still works`,
      async run(t, env) {
        const app = await env.start({
          ...counter,
          '/bad': (s) => {
            s.n = 99
            s.bad = make()
          },
        })
        const c = app.client()
        await ok(t, c.get('/count'))
        const before = c.jar.snapshot()
        const bad = await c.get('/bad')
        t.is(bad.status, 500)
        t.deepEqual(bad.body, { error: 'ERR_NOT_SERIALIZABLE', via: commitFailureVia(env.adapter) })
        t.deepEqual(bad.setCookie, [])
        t.deepEqual(c.jar.snapshot(), before, 'no corrupt cookie reached the client')
        const read = (await ok(t, c.get('/read'))).body as { n: number; keys: string[] }
        t.deepEqual([read.n, read.keys], [1, ['n']], 'nothing of the failed write was stored')
        t.is((await ok(t, c.get<{ n: number }>('/count'))).body.n, 2)
      },
    }),
  ),
  {
    title: '__proto__, constructor and prototype keys round-trip as plain data',
    defaultStoresOnly: true,
    async run(t, env) {
      const protoNames = Object.getOwnPropertyNames(Object.prototype).sort()
      const app = await env.start({
        '/write': (s) => {
          s.set('__proto__', { isAdmin: true })
          // Through the Proxy's set trap, as `s.constructor = …` would (TS types it as Function).
          Reflect.set(s, 'constructor', { prototype: { isAdmin: true } })
          s.prototype = { isAdmin: true }
          s.nested = JSON.parse('{"__proto__":{"isAdmin":true},"deep":{"constructor":{"prototype":{"isAdmin":true}}}}')
          s.list = JSON.parse('[{"__proto__":{"isAdmin":true}}]')
          return Object.keys(s).sort()
        },
        '/read': (s) => {
          const json = s.toJSON()
          return {
            keys: Object.keys(s).sort(),
            sessionProtoIsNull: Object.getPrototypeOf(s) === null,
            sessionIsAdmin: s.isAdmin ?? null,
            protoData: s.get('__proto__'),
            ctorData: s.get('constructor'),
            prototypeData: s.prototype,
            nestedProtoIsObject: Object.getPrototypeOf(s.nested) === Object.prototype,
            nestedIsAdmin: s.nested.isAdmin ?? null,
            nestedOwnProto: Object.hasOwn(s.nested, '__proto__'),
            listIsAdmin: s.list[0].isAdmin ?? null,
            jsonProtoIsObject: Object.getPrototypeOf(json) === Object.prototype,
            jsonIsAdmin: (json as { isAdmin?: unknown }).isAdmin ?? null,
            emptyIsAdmin: ({} as { isAdmin?: unknown }).isAdmin ?? null,
          }
        },
      })
      const c = app.client()
      const w = await c.get('/write')
      t.is(w.status, 200, JSON.stringify(w.body))
      t.deepEqual(w.body, ['__proto__', 'constructor', 'list', 'nested', 'prototype'])
      const r = await c.get<Record<string, unknown>>('/read')
      t.is(r.status, 200)
      t.deepEqual(r.body, {
        keys: ['__proto__', 'constructor', 'list', 'nested', 'prototype'],
        sessionProtoIsNull: true,
        sessionIsAdmin: null,
        protoData: { isAdmin: true },
        ctorData: { prototype: { isAdmin: true } },
        prototypeData: { isAdmin: true },
        nestedProtoIsObject: true,
        nestedIsAdmin: null,
        nestedOwnProto: true,
        listIsAdmin: null,
        jsonProtoIsObject: true,
        jsonIsAdmin: null,
        emptyIsAdmin: null,
      })
      t.is(({} as { isAdmin?: unknown }).isAdmin, undefined)
      t.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), protoNames, 'Object.prototype unchanged')
    },
  },
  {
    title: 'decrypted JSON with __proto__ at the top and nested deep changes no prototype',
    stores: ['cookie'],
    defaultStoresOnly: true,
    async run(t, env) {
      const app = await env.start({
        '/read': (s) => ({
          keys: Object.keys(s).sort(),
          isAdmin: s.isAdmin ?? null,
          proto: Object.getPrototypeOf(s),
          deepIsAdmin: s.a?.b?.c?.isAdmin ?? null,
          emptyIsAdmin: ({} as { isAdmin?: unknown }).isAdmin ?? null,
        }),
      })
      let deep = '{"__proto__":{"isAdmin":true}}'
      for (const key of ['c', 'b', 'a']) deep = `{"${key}":${deep},"__proto__":{"isAdmin":true}}`
      const dataJson = `{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"isAdmin":true}},${deep.slice(1)}`
      const r = await app.client().get<Record<string, unknown>>('/read', { cookie: `${NAME}=${forge({}, dataJson)}` })
      t.deepEqual(r.body, {
        keys: ['__proto__', 'a', 'constructor'],
        isAdmin: null,
        proto: null,
        deepIsAdmin: null,
        emptyIsAdmin: null,
      })
      t.is(({} as { isAdmin?: unknown }).isAdmin, undefined)
    },
  },
]

/**
 * Registers the data rows for `adapter` × each store.
 * @example
 * registerData('fastify')
 */
export function registerData(adapter: AdapterName, options?: RegisterOptions): void {
  registerRows(dataRows, adapter, options)
}
