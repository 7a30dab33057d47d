/**
 * One text form of a stored session, for stores that hold strings (memory, the cookie store's
 * sealed plaintext, and third-party stores: exported by keycard/sessions): the metadata as JSON, a
 * newline, then the data JSON. JSON.stringify never emits a raw newline, so the first one
 * separates the two, and the data JSON comes back as the exact text that was saved (the core
 * compares it to see whether a request changed anything).
 *
 * `checkedRecord` is the one check every record passes before the core uses it, whatever store
 * (keycard's, or an app's own) returned it. docs/STORES.md describes the whole store contract.
 */

import type { SessionMeta, StoredSession } from './types'

/**
 * A session as one string (metadata JSON, a newline, the data JSON), for a store that keeps text:
 * a file, a Redis string, a TEXT column. `decodeRecord` reads it back. Partial stores keep their
 * data per key instead, and do not need it.
 * @example
 * async set(id, session, ttlMs) {
 *   await db.query('INSERT INTO sessions (id, record, expires) VALUES ($1, $2, $3)', [id, encodeRecord(session), Date.now() + ttlMs])
 * }
 */
export function encodeRecord(session: StoredSession): string {
  return `${JSON.stringify(session.meta)}\n${session.dataJson}`
}

const ID = /^[A-Za-z0-9_-]{43}$/
/** The latest expiry a session can carry (sealed cookies keep it in 32-bit seconds). */
const LATEST_MS = 0xffff_ffff * 1000
/**
 * How far ahead of this server's clock a creation time may be: servers sharing a store disagree
 * by a little. Further ahead, the absolute lifetime (counted from it) would be stretched.
 */
const CLOCK_SKEW_MS = 5 * 60_000

/** The shortest idle timeout a session may have (the `ttl` option's floor too). */
const MIN_TTL_MS = 1000

const isTime = (value: unknown): value is number =>
  Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= LATEST_MS

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** Flash messages: lists of values, by key. */
function isFlash(value: unknown): value is Record<string, unknown[]> {
  return isPlainObject(value) && Object.values(value).every(Array.isArray)
}

/** Whether `value` has the shape of the core's metadata (see SessionMeta). */
function isMeta(value: unknown): value is SessionMeta {
  if (!isPlainObject(value)) return false
  const meta = value
  return (
    meta.v === 1 &&
    typeof meta.id === 'string' &&
    ID.test(meta.id) &&
    isTime(meta.c) &&
    isTime(meta.e) &&
    (meta.f === undefined || isFlash(meta.f)) &&
    (meta.u === undefined || typeof meta.u === 'string') &&
    (meta.g === undefined || (Number.isSafeInteger(meta.g) && (meta.g as number) >= 0)) &&
    // A per-session idle timeout as setTtl allows it: whole ms, 1 s or more, within what a seal carries.
    (meta.t === undefined || (isTime(meta.t) && (meta.t as number) >= MIN_TTL_MS)) &&
    (meta.p === undefined || typeof meta.p === 'boolean')
  )
}

/** Per-key JSON texts as a Map, from a Map or a plain object of strings; null for anything else. */
function fieldsOf(value: unknown): Map<string, string> | null {
  const entries = value instanceof Map ? [...value] : isPlainObject(value) ? Object.entries(value) : null
  if (entries === null || !entries.every(([key, json]) => typeof key === 'string' && typeof json === 'string')) return null
  return new Map(entries as Array<[string, string]>)
}

/**
 * A session record a store returned, checked and copied, or null when it is not one. Every record
 * goes through here before the core uses it, whatever store it came from: a store's own bug (a
 * record without an expiry, `e: NaN`, a creation time in the future...) must give a fresh session,
 * never one that the expiry and lifetime checks cannot end. A throwing getter or Proxy is "not one"
 * too. The copy is what the core keeps: the store's object is never read again.
 *
 * `id`: the id the record was asked for (server stores); `partial`: the store keeps data per key
 * and must return `fields` (a Map, or an object, of JSON texts by key). Exported by
 * keycard/sessions so a store (or its tests) can see a record as the core will.
 * @example
 * const stored = checkedRecord(await store.get(id), { id, now: Date.now(), partial: store.partial === true })
 * if (stored === null) throw new Error('the core would refuse this record (a fresh session)')
 */
export function checkedRecord(value: unknown, expected: { id?: string; now: number; partial: boolean }): StoredSession | null {
  try {
    if (typeof value !== 'object' || value === null) return null
    const { meta, dataJson, fields } = value as Record<string, unknown>
    if (!isPlainObject(meta) || typeof dataJson !== 'string') return null
    // Each field is read once, into a copy, and the copy is checked: a getter cannot answer the
    // check with one value and the core with another.
    const { v, id, c, e, f, u, g, t, p } = meta
    const copy = { v, id, c, e } as SessionMeta
    if (f !== undefined) {
      if (!isPlainObject(f)) return null
      const flash: Record<string, unknown[]> = Object.create(null)
      for (const [key, list] of Object.entries(f)) flash[key] = Array.isArray(list) ? [...list] : (list as unknown[])
      copy.f = flash
    }
    if (u !== undefined) copy.u = u as string
    if (g !== undefined) copy.g = g as number
    if (t !== undefined) copy.t = t as number
    if (p !== undefined) copy.p = p as boolean
    if (!isMeta(copy)) return null
    if (expected.id !== undefined && copy.id !== expected.id) return null
    if (copy.c > expected.now + CLOCK_SKEW_MS) return null
    if (!expected.partial) return { meta: copy, dataJson }
    const perKey = fieldsOf(fields)
    return perKey === null ? null : { meta: copy, dataJson, fields: perKey }
  } catch {
    return null
  }
}

/**
 * The session in `text` (as `encodeRecord` wrote it), or null when it is not one: a store that
 * returns junk is not trusted. The metadata's shape is checked (version, id, times, flash, user);
 * the core then checks the record against the id and its clock (`checkedRecord`). The data JSON is
 * returned as the exact text that was stored.
 * @example
 * async get(id) {
 *   const row = await db.query('SELECT record FROM sessions WHERE id = $1 AND expires > $2', [id, Date.now()])
 *   return row ? (decodeRecord(row.record) ?? undefined) : undefined
 * }
 */
export function decodeRecord(text: unknown): StoredSession | null {
  if (typeof text !== 'string') return null
  const newline = text.indexOf('\n')
  if (newline < 0) return null
  let meta: unknown
  try {
    meta = JSON.parse(text.slice(0, newline))
  } catch {
    return null
  }
  const dataJson = text.slice(newline + 1)
  // The data must be a JSON object; the core parses it, this only rejects the obvious misfits.
  if (!isMeta(meta) || dataJson[0] !== '{') return null
  return { meta, dataJson }
}

/**
 * `checkedRecord(decodeRecord(text), { now, partial: false })` in one pass, for a record the core
 * parsed itself (an unsealed cookie): JSON.parse yields plain data with no getters, so the shape
 * check of decodeRecord is the whole check, plus the creation time against the clock. A record
 * with flash messages takes the copying path (their lists are copied into a null-prototype map).
 * Measured ~1 µs of a cookie session's load: the id, times and flash were checked twice.
 * @example
 * const stored = openRecord(unsealed, now) // null: refuse as ERR_BAD_FORMAT
 */
export function openRecord(text: unknown, now: number): StoredSession | null {
  const record = decodeRecord(text)
  if (record === null) return null
  if (record.meta.f !== undefined) return checkedRecord(record, { now, partial: false })
  return record.meta.c > now + CLOCK_SKEW_MS ? null : record
}
