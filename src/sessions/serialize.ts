/**
 * Session data to JSON, strictly: a value JSON would drop or mangle silently (a function, a
 * symbol, NaN, Infinity) is an error, like the BigInt and cycles JSON.stringify already refuses,
 * so a session is never saved different from what the handler wrote.
 *
 * Stores that keep one field per top-level key (Redis hashes) get the data per key too, and the
 * keys a request set or deleted, so they write only those: two concurrent requests that change
 * different keys both persist.
 */

import { createError } from '../errors'
import type { SessionData } from './session'
import type { SessionChanges } from './stores/types'

function strictReplacer(this: unknown, key: string, value: unknown): unknown {
  const type = typeof value
  if (type === 'function' || type === 'symbol' || (type === 'number' && !Number.isFinite(value as number))) {
    const what = type === 'number' ? String(value) : type
    throw new TypeError(`${key === '' ? 'a value' : JSON.stringify(key)} is a ${what}`)
  }
  return value
}

function stringify(value: unknown, where: string): string | undefined {
  try {
    return JSON.stringify(value, strictReplacer)
  } catch (err) {
    throw createError('ERR_NOT_SERIALIZABLE', `session data cannot be saved: ${where}${(err as Error).message}`, err)
  }
}

/** The data as one JSON object text. */
export function dataToJson(data: SessionData): string {
  return stringify(data, '') as string
}

/** The data as JSON text per top-level key (keys whose value is undefined are absent, as in JSON). */
export function dataToFields(data: SessionData): Map<string, string> {
  const fields = new Map<string, string>()
  for (const key of Object.keys(data)) {
    const json = stringify(data[key], `${JSON.stringify(key)}: `)
    if (json !== undefined) fields.set(key, json)
  }
  return fields
}

/** One JSON object text from per-key JSON texts. */
export function fieldsToJson(fields: ReadonlyMap<string, string>): string {
  let json = '{'
  for (const [key, value] of fields) json += `${json.length > 1 ? ',' : ''}${JSON.stringify(key)}:${value}`
  return `${json}}`
}

/** What changed from `before` to `after`; null `before` means everything in `after` is new. */
export function changesBetween(before: ReadonlyMap<string, string> | null, after: ReadonlyMap<string, string>): SessionChanges {
  const set: Array<[string, string]> = []
  const deleted: string[] = []
  for (const [key, json] of after) if (before?.get(key) !== json) set.push([key, json])
  if (before) for (const key of before.keys()) if (!after.has(key)) deleted.push(key)
  return { set, deleted }
}
