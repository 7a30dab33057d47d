/**
 * One text form of a stored session, for stores that hold strings (memory, and the cookie store's
 * sealed plaintext): the metadata as JSON, a newline, then the data JSON. JSON.stringify never
 * emits a raw newline, so the first one separates the two, and the data JSON comes back as the
 * exact text that was saved (the core compares it to see whether a request changed anything).
 */

import type { SessionMeta, StoredSession } from './types'

export function encodeRecord(session: StoredSession): string {
  return `${JSON.stringify(session.meta)}\n${session.dataJson}`
}

const ID = /^[A-Za-z0-9_-]{43}$/

function isMeta(value: unknown): value is SessionMeta {
  if (typeof value !== 'object' || value === null) return false
  const meta = value as Record<string, unknown>
  return (
    meta.v === 1 &&
    typeof meta.id === 'string' &&
    ID.test(meta.id) &&
    Number.isSafeInteger(meta.c) &&
    Number.isSafeInteger(meta.e) &&
    (meta.f === undefined || (typeof meta.f === 'object' && meta.f !== null && !Array.isArray(meta.f))) &&
    (meta.u === undefined || typeof meta.u === 'string') &&
    (meta.g === undefined || Number.isSafeInteger(meta.g))
  )
}

/** The session in `text`, or null when it is not one (a store returning junk is not trusted). */
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
