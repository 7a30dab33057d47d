/**
 * What a commit writes: the session's data as the store keeps it (a snapshot), whether it changed
 * since load, and the record with its new expiry and user. Pure functions of the request's
 * SessionState and the options; the manager (manager.ts) decides when to write and where.
 */

import { LATEST_EXPIRY_MS, type ResolvedOptions } from './options'
import { changesBetween, dataToFields, dataToJson, fieldsToJson } from './serialize'
import type { SessionState } from './session'
import type { SessionChanges, SessionMeta, StoredSession } from './stores/types'
import { userOfData } from './users'

/**
 * The data as the store will hold it, and what changed since load (partial stores only).
 * @example
 * const snapshot: Snapshot = { json: '{"views":2}', fields: null, changes: null }
 */
export interface Snapshot {
  json: string
  fields: Map<string, string> | null
  changes: SessionChanges | null
}

/**
 * The data serialised as the store keeps it: per key for `partial` stores, else one JSON text.
 * @example
 * const snapshot = snapshotOf(state, transport.partial)
 */
export function snapshotOf(state: SessionState, partial: boolean): Snapshot {
  // Untouched data is exactly what was loaded (and was valid JSON then): no serialisation.
  if (!state.exposed && !partial) return { json: state.loadedJson, fields: null, changes: null }
  if (partial) {
    const fields = dataToFields(state.data)
    return { json: fieldsToJson(fields), fields, changes: changesBetween(state.loadedFields, fields) }
  }
  return { json: dataToJson(state.data), fields: null, changes: null }
}

/**
 * Whether the data differs from what was loaded.
 * @example
 * if (!changedSince(state, snapshot) && !state.touched) return []
 */
export function changedSince(state: SessionState, snapshot: Snapshot): boolean {
  if (snapshot.changes) return snapshot.changes.set.length > 0 || snapshot.changes.deleted.length > 0
  return snapshot.json !== state.loadedJson
}

/**
 * This session's idle timeout: its own (`setTtl`), else the `ttl` option.
 * @example
 * const renew = meta.e - now < ttlOf(meta, options.ttl) / 2
 */
export function ttlOf(meta: SessionMeta, ttl: number): number {
  return meta.t ?? ttl
}

/**
 * The record to write: a fresh idle expiry (never past the absolute deadline) and the session's
 * user with their revocation generation. The one step that may wait is `generationOf`, asked only
 * when the session's user changed under the `revocation` option.
 * @example
 * const stored = recordToWrite(state, snapshot, now, options, (user) => generations.get(user))
 */
export function recordToWrite(
  state: SessionState,
  snapshot: Snapshot,
  now: number,
  options: ResolvedOptions,
  generationOf: (user: string) => Promise<number>,
): StoredSession | Promise<StoredSession> {
  const { absoluteTtl, revocation } = options
  // Never past what a seal can carry (2106): setTtl checked that when it was called, but a
  // session lives on, and a store's record is only checked to stay within it.
  let e = Math.min(now + ttlOf(state.meta, options.ttl), LATEST_EXPIRY_MS)
  if (absoluteTtl > 0) e = Math.min(e, state.meta.c + absoluteTtl)
  const meta = { ...state.meta, e }
  // The session's user (`userOf`, or revocation's): recorded for revocation and for the store's
  // per-user index (listSessions); a change of user (login as another, logout) moves it.
  const userOf = options.userOf
  if (userOf !== null) {
    const user = userOfData(userOf, state.data)
    if (user === undefined) {
      delete meta.u
      delete meta.g
    } else if (revocation && (meta.u !== user || meta.g === undefined)) {
      meta.u = user
      return generationOf(user).then((g) => {
        meta.g = g
        return recordOf(state, snapshot, meta)
      })
    } else if (meta.u !== user) {
      meta.u = user
      delete meta.g
    }
  }
  return recordOf(state, snapshot, meta)
}

function recordOf(state: SessionState, snapshot: Snapshot, meta: SessionMeta): StoredSession {
  if (meta.f !== undefined && Object.keys(meta.f).length === 0) delete meta.f
  const stored: StoredSession = { meta, dataJson: snapshot.json }
  if (snapshot.fields && snapshot.changes) {
    stored.fields = snapshot.fields
    // A new session (or one loaded whole) is written whole.
    stored.changes = state.isNew ? changesBetween(null, snapshot.fields) : snapshot.changes
  }
  return stored
}
