/**
 * `cache.dump()`'s JSON-able encoding of the entries and the checking of `cache.load()`'s input
 * (src/cache.ts keeps the two methods and stores what is checked here).
 */

import { KIND_BYTES, KIND_JSON, KIND_TEXT } from './backend/types'
import { MAX_TTL } from './cache_options'
import { createError } from './errors'
import { stringifyStrict } from './lib/json_strict'

/**
 * One entry of `cache.dump()`, JSON-able: the key, then its value (`value`: a string or a JSON
 * value; `bytes`: a Uint8Array's bytes in base64) and `ttl`, the ms it had left (0: never expires).
 * @example
 * const entry: CacheDumpEntry = ['user:1', { value: { name: 'Ada' }, ttl: 59_000 }]
 */
export type CacheDumpEntry = [key: string, entry: { value: unknown; ttl: number } | { bytes: string; ttl: number }]

/**
 * One `load()` entry, checked and encoded as the core stores it (`ttl` in whole ms, 0: never).
 * @example
 * const { key, kind, payload, ttl }: LoadableEntry = loadableEntry(['k', { value: 'v', ttl: 0 }], 0, undefined)
 */
export interface LoadableEntry {
  key: string
  kind: number
  payload: string | Uint8Array
  ttl: number
}

/** Standard base64 with padding, as `dump()` writes it. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * The `dump()` entries of a core's `entries(true)` (flat: key, value, ms left, ...): bytes as
 * base64, Infinity ms left as ttl 0.
 * @example
 * encodeDump(['k', 'v', Number.POSITIVE_INFINITY]) // [['k', { value: 'v', ttl: 0 }]]
 */
export function encodeDump(flat: unknown[]): CacheDumpEntry[] {
  const out: CacheDumpEntry[] = []
  for (let i = 0; i < flat.length; i += 3) {
    const value = flat[i + 1]
    const left = flat[i + 2] as number
    const ttl = left === Number.POSITIVE_INFINITY ? 0 : left
    out.push([flat[i] as string, Buffer.isBuffer(value) ? { bytes: value.toString('base64'), ttl } : { value, ttl }])
  }
  return out
}

/**
 * One `load()` entry, checked and encoded; nothing is stored here. Errors name the entry's
 * `index`: ERR_INVALID_ARGUMENT for anything but the documented shape, ERR_NOT_SERIALIZABLE for
 * a value JSON cannot hold, ERR_TOO_LARGE for an entry over `maxBytes`.
 * @example
 * const checked = entries.map((entry, index) => loadableEntry(entry, index, cache.maxBytes))
 */
export function loadableEntry(entry: unknown, index: number, maxBytes: number | undefined): LoadableEntry {
  const bad = (why: string) => createError('ERR_INVALID_ARGUMENT', `load: entry ${index}: ${why}`)
  if (!Array.isArray(entry) || entry.length !== 2) throw bad('must be [key, { value | bytes, ttl }]')
  const [key, fields] = entry as [unknown, unknown]
  if (typeof key !== 'string' || !key.isWellFormed()) throw bad('the key must be a string without lone surrogates')
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) throw bad('must be [key, { value | bytes, ttl }]')
  // Own fields only, and only these: a '__proto__' key from JSON.parse is refused, not followed.
  for (const name of Object.keys(fields)) {
    if (name !== 'value' && name !== 'bytes' && name !== 'ttl') throw bad(`unknown field ${JSON.stringify(name.slice(0, 32))}`)
  }
  const { value, bytes, ttl } = fields as { value?: unknown; bytes?: unknown; ttl?: unknown }
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0 || ttl > MAX_TTL) throw bad('ttl must be ms >= 0 (0: never)')
  const hasValue = Object.hasOwn(fields, 'value')
  if (hasValue === Object.hasOwn(fields, 'bytes')) throw bad('needs exactly one of value and bytes')
  let kind: number
  let payload: string | Uint8Array
  if (!hasValue) {
    // Canonical base64 only: Buffer.from would skip junk characters and load other bytes.
    if (typeof bytes !== 'string' || !BASE64.test(bytes)) throw bad('bytes must be base64')
    payload = Buffer.from(bytes, 'base64')
    if (Buffer.from(payload).toString('base64') !== bytes) throw bad('bytes must be canonical base64')
    kind = KIND_BYTES
  } else if (typeof value === 'string') {
    if (!value.isWellFormed()) throw bad('strings must not hold lone surrogates')
    kind = KIND_TEXT
    payload = value
  } else {
    kind = KIND_JSON
    try {
      // The same strict JSON as `set` writes (toJson in src/cache.ts), with the same label.
      payload = stringifyStrict(value, 'the cache value')
    } catch (err) {
      throw createError('ERR_NOT_SERIALIZABLE', `load: entry ${index}: ${(err as Error).message}`)
    }
  }
  const size = Buffer.byteLength(key) + (typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength)
  if (maxBytes !== undefined && size > maxBytes) {
    throw createError('ERR_TOO_LARGE', `load: entry ${index} exceeds maxBytes`)
  }
  return { key, kind, payload, ttl: Math.ceil(ttl) }
}
