import test from 'ava'
import { hasDuplicateKeys, parseJsonObject } from '../src/json_strict'
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
