/**
 * Picks the backend, once: `KEYCARD_BACKEND=auto` (default) tries the native binding and falls
 * back to TypeScript silently (logged under `NODE_DEBUG=keycard`); `native` insists and throws
 * `ERR_NATIVE_UNAVAILABLE` with the loader's error as `cause`; `fallback` never touches the addon.
 *
 * Selection is lazy (first use, not import), so importing keycard never throws.
 */

import { debuglog } from 'node:util'
import { createError, type KeycardError } from '../errors'
import { fallbackBackend } from './fallback/index'
import { createNativeBackend } from './native/index'
import { loadNative } from './native/load'
import type { Backend, BackendName } from './types'

const debug = debuglog('keycard')

/** What `backend()` reports. */
export interface BackendInfo {
  /** The backend doing the work. */
  name: BackendName
  /** Why this one: the env setting, or why native could not load. */
  reason: string
  /** Version of the native core, or of the package for the fallback. */
  version: string
}

type Selection = { backend: Backend; reason: string } | { error: KeycardError }

let selection: Selection | undefined
let native: Backend | KeycardError | undefined
/** Set only by `withBackend` (tests); otherwise the selected backend is used. */
let override: Backend | undefined

function requestedBackend(): 'auto' | BackendName {
  const value = (process.env.KEYCARD_BACKEND ?? '').trim().toLowerCase()
  if (value === '' || value === 'auto') return 'auto'
  if (value === 'native' || value === 'fallback') return value
  throw createError('ERR_BAD_CONFIG', `KEYCARD_BACKEND must be auto, native or fallback, not ${JSON.stringify(value)}`)
}

/** The native backend, loaded at most once per process, or the error that prevented it. */
function nativeOrError(): Backend | KeycardError {
  if (native !== undefined) return native
  const loaded = loadNative()
  if (loaded.ok) {
    native = createNativeBackend(loaded.binding)
  } else {
    const why = loaded.missing ? 'no prebuilt binary for this platform' : 'the native binary failed to load'
    native = createError('ERR_NATIVE_UNAVAILABLE', `keycard native backend unavailable: ${why}`, loaded.error)
  }
  return native
}

function select(): Selection {
  let requested: 'auto' | BackendName
  try {
    requested = requestedBackend()
  } catch (error) {
    return { error: error as KeycardError }
  }
  if (requested === 'fallback') return { backend: fallbackBackend, reason: 'KEYCARD_BACKEND=fallback' }
  const loaded = nativeOrError()
  if (!(loaded instanceof Error)) {
    const reason =
      requested === 'native' ? 'KEYCARD_BACKEND=native' : `native binding loaded (${process.platform}-${process.arch})`
    return { backend: loaded, reason }
  }
  if (requested === 'native') return { error: loaded }
  const cause = loaded.cause instanceof Error ? loaded.cause.message : String(loaded.cause)
  debug('falling back to TypeScript: %s\n%s', loaded.message, cause)
  return { backend: fallbackBackend, reason: `${loaded.message}; using the TypeScript fallback` }
}

/** The backend every capability calls. Throws the selection error (e.g. ERR_NATIVE_UNAVAILABLE). */
export function activeBackend(): Backend {
  if (override) return override
  selection ??= select()
  if ('error' in selection) throw selection.error
  return selection.backend
}

/**
 * Which backend runs, and why.
 * @example
 * backend() // { name: 'native', reason: 'native binding loaded (linux-x64)', version: '0.1.0' }
 */
export function backend(): BackendInfo {
  const active = activeBackend()
  const reason = override ? 'withBackend (tests)' : (selection as { reason: string }).reason
  return { name: active.name, reason, version: active.version }
}

/** A backend by name, for cross-backend tests and benchmarks. Not part of the public API. */
export function loadBackend(name: BackendName): Backend {
  if (name === 'fallback') return fallbackBackend
  const loaded = nativeOrError()
  if (loaded instanceof Error) throw loaded
  return loaded
}

/**
 * Runs `fn` with `backend` active, for cross-backend tests of synchronous calls. Not part of the
 * public API (not re-exported by any entry point).
 */
export function withBackend<T>(backend: Backend, fn: () => T): T {
  const previous = override
  override = backend
  try {
    return fn()
  } finally {
    override = previous
  }
}
