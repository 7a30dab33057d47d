/**
 * Session data to JSON, strictly (lib/json_strict.ts, as seal and tokens): a value JSON would drop
 * or mangle silently (a function, a symbol, NaN, Infinity, a Map or Set) is an error, like the
 * BigInt and cycles JSON.stringify already refuses, so a session is never saved different from
 * what the handler wrote.
 *
 * Stores that keep one field per top-level key (Redis hashes) get the data per key too, and the
 * keys a request set or deleted, so they write only those: two concurrent requests that change
 * different keys both persist.
 */

import { stringifyStrict } from '../lib/json_strict'
import type { DataRecord } from './session'
import type { SessionChanges } from './stores/types'

/**
 * The data as one JSON object text (strict: ERR_NOT_SERIALIZABLE for what JSON would change).
 * @example
 * dataToJson({ views: 2 }) // '{"views":2}'
 */
export function dataToJson(data: DataRecord): string {
  return stringifyStrict(data, 'the session data')
}

/**
 * The data as JSON text per top-level key (keys whose value is undefined are absent, as in JSON).
 * @example
 * dataToFields({ views: 2, user: { id: 'u1' } }) // Map { 'views' => '2', 'user' => '{"id":"u1"}' }
 */
export function dataToFields(data: DataRecord): Map<string, string> {
  const fields = new Map<string, string>()
  for (const key of Object.keys(data)) {
    const value = data[key]
    if (value !== undefined) fields.set(key, stringifyStrict(value, `the session data's ${JSON.stringify(key)}`))
  }
  return fields
}

/**
 * One JSON object text from per-key JSON texts.
 * @example
 * fieldsToJson(new Map([['views', '2']])) // '{"views":2}'
 */
export function fieldsToJson(fields: ReadonlyMap<string, string>): string {
  let json = '{'
  for (const [key, value] of fields) json += `${json.length > 1 ? ',' : ''}${JSON.stringify(key)}:${value}`
  return `${json}}`
}

/**
 * What changed from `before` to `after`; null `before` means everything in `after` is new.
 * @example
 * changesBetween(new Map([['a', '1'], ['b', '2']]), new Map([['a', '3']])) // { set: [['a', '3']], deleted: ['b'] }
 */
export function changesBetween(before: ReadonlyMap<string, string> | null, after: ReadonlyMap<string, string>): SessionChanges {
  const set: Array<[string, string]> = []
  const deleted: string[] = []
  for (const [key, json] of after) if (before?.get(key) !== json) set.push([key, json])
  if (before) for (const key of before.keys()) if (!after.has(key)) deleted.push(key)
  return { set, deleted }
}
