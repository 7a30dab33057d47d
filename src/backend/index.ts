/**
 * Picks the backend, once: `KEYCARD_BACKEND=auto` (default) tries the native binding and falls
 * back to TypeScript silently (logged under `NODE_DEBUG=keycard`); `native` insists and throws
 * `ERR_NATIVE_UNAVAILABLE` with the loader's error as `cause`; `fallback` never touches the addon.
 *
 * Selection is lazy (first use, not import), so importing keycard never throws.
 */

import { createError, type KeycardError } from '../errors'
import { debug, debugEnabled } from '../lib/debug'
import { fallbackBackend } from './fallback/index'
import { createNativeBackend } from './native/index'
import { loadNative } from './native/load'
import type { Backend, BackendName } from './types'

/**
 * What `backend()` reports.
 * @example
 * const { name, reason }: BackendInfo = backend()
 */
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
    native = createError('ERR_NATIVE_UNAVAILABLE', `keycard native backend unavailable: ${loaded.why}`, loaded.error)
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
  if (debugEnabled()) debug('falling back to TypeScript: %s\n%s', loaded.message, causeChain(loaded.cause))
  return { backend: fallbackBackend, reason: `${loaded.message}; using the TypeScript fallback` }
}

/** The loader's error and its causes, one per line (the generated loader chains one per path it tried). */
function causeChain(cause: unknown): string {
  const lines: string[] = []
  for (let err = cause; err !== undefined && err !== null && lines.length < 16; err = (err as Error).cause) {
    lines.push(`  ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`)
  }
  return lines.join('\n')
}

/** Selects once, and says which backend runs and why under NODE_DEBUG=keycard. */
function selectAndLog(): Selection {
  const chosen = select()
  if ('error' in chosen) debug('no backend: %s', chosen.error.message)
  else debug('backend: %s (%s)', chosen.backend.name, chosen.reason)
  return chosen
}

/**
 * The backend every capability calls, read on every call (so `withBackend` can swap it). Throws
 * the selection error (e.g. ERR_NATIVE_UNAVAILABLE, ERR_BAD_CONFIG for a bad KEYCARD_BACKEND).
 * @example
 * const keys = activeBackend().createMacKeys([secret], 'keycard/v1/sign/uid', false)
 */
export function activeBackend(): Backend {
  if (override) return override
  selection ??= selectAndLog()
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

/**
 * A backend by name, for cross-backend tests and benchmarks. Not part of the public API.
 * @example
 * const sealed = withBackend(loadBackend('native'), () => seal('x', secret))
 * withBackend(loadBackend('fallback'), () => unseal(sealed, secret)) // 'x'
 */
export function loadBackend(name: BackendName): Backend {
  if (name === 'fallback') return fallbackBackend
  const loaded = nativeOrError()
  if (loaded instanceof Error) throw loaded
  return loaded
}

/**
 * Runs `fn` with `backend` active, for cross-backend tests of synchronous calls. Not part of the
 * public API (keycard/testing re-exports a by-name form).
 * @example
 * withBackend(loadBackend('fallback'), () => sign('v', secret))
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
