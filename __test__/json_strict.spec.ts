import test from 'ava'
import { hasDuplicateKeys, parseJsonObject, stringifyStrict } from '../src/lib/json_strict'
import { t_ } from './helpers/backends'

test(t_('json: duplicate keys are found at any depth, after unescaping'), (t) => {
  const duplicated = [
    '{"a":1,"a":2}',
    '{"alg":"none","alg":"HS256"}',
    '{"a":1,"\\u0061":2}',
    '{"x":{"b":1,"b":1}}',
    '{"x":[{"k":1},{"k":2,"k":3}]}',
    '{ "a" : 1 , "a" : 1 }',
    '{"q\\"":1,"q\\"":2}',
  ]
  for (const text of duplicated) t.true(hasDuplicateKeys(text), text)
})

test(t_('json: distinct keys, string values that look like keys, escapes and arrays pass'), (t) => {
  const clean = [
    '{}',
    '[]',
    '{"a":"a","b":"a"}',
    '{"a":{"a":{"a":1}}}',
    '{"x":[{"k":1},{"k":2}]}',
    '{"s":"has \\"quotes\\" and \\\\","t":"\\\\"}',
    '{"a":"},{\\"a\\":1"}',
    '{"a\\\\":1,"a":2}',
    '{"arr":["a","a"],"a":1}',
  ]
  for (const text of clean) t.false(hasDuplicateKeys(text), text)
})

test(t_('json: parseJsonObject accepts only duplicate-free objects'), (t) => {
  t.deepEqual(parseJsonObject('{"a":1}'), { a: 1 })
  for (const text of ['[]', 'null', '"s"', '1', '{"a":1,"a":1}', '{', '']) t.is(parseJsonObject(text), null, text)
})

test(t_('json: stringifyStrict refuses what JSON.stringify would silently change, naming where'), (t) => {
  const changed: Array<[unknown, RegExp]> = [
    [new Map([['a', 1]]), /the value is a Map/],
    [{ ids: new Set([1]) }, /property "ids" is a Set/],
    [{ n: Number.NaN }, /property "n" is NaN/],
    [[1, Number.POSITIVE_INFINITY], /property "1" is Infinity/],
    [{ deep: [{ x: Number.NEGATIVE_INFINITY }] }, /property "x" is -Infinity/],
    [{ f() {} }, /property "f" is a function/],
    [[Symbol('s')], /property "0" is a symbol/],
    [{ bytes: new Uint8Array(1) }, /is a Uint8Array/],
    [{ re: /x/ }, /is a RegExp/],
    [{ boxed: new String('s') }, /is a String/],
    [{ toJSON: () => new Set() }, /the value is a Set/],
    [10n, /BigInt/],
    [undefined, /no JSON form/],
  ]
  for (const [value, message] of changed) {
    t.throws(() => stringifyStrict(value, 'the data'), { code: 'ERR_NOT_SERIALIZABLE', message }, String(message))
  }
  const cycle: Record<string, unknown> = {}
  cycle.self = cycle
  t.throws(() => stringifyStrict(cycle, 'the data'), { code: 'ERR_NOT_SERIALIZABLE' })
})

test(t_('json: stringifyStrict writes exactly JSON.stringify for what reads back as the same data'), (t) => {
  class Point {
    constructor(readonly x: number) {}
  }
  const same: unknown[] = [
    null,
    0,
    -0,
    1.5,
    'é\ud800', // a lone surrogate is escaped by JSON.stringify
    true,
    [],
    {},
    { a: undefined, b: [undefined, null], c: { d: [1, 'two'] } },
    Object.assign(Object.create(null), { bare: 1 }),
    new Point(3),
    { at: new Date(0), buf: Buffer.of(1), custom: { toJSON: () => 'mine' } },
    new Date(0),
  ]
  for (const value of same) t.is(stringifyStrict(value, 'the data'), JSON.stringify(value))
})
