/**
 * The native `cache` part (crates/keycard-node/src/cache.rs): one binding call per operation,
 * entries in Rust memory. Text and JSON come back as one string whose first character is the
 * kind, so a hit is a single call with no result object.
 */

import { createError } from '../../errors'
import { KIND_BYTES, KIND_JSON } from '../outcomes'
import type { CacheConfig, CacheCore, CachePart, CacheStats } from '../types'
import type { NativeBinding } from './load'

type Handle = ReturnType<NativeBinding['cacheCreate']>

const JSON_PREFIX = KIND_JSON
// A module-local copy: an imported binding may compile to a property read (or, under esbuild's
// CommonJS interop, a getter call) on every `set`.
const BYTES = KIND_BYTES

/** A stored value as the caller gave it: text as is, JSON parsed, bytes as the fresh Buffer napi made. */
function decode(stored: string | Buffer | null): unknown {
  if (stored === null) return undefined
  if (typeof stored !== 'string') return stored
  const text = stored.slice(1)
  return stored.charCodeAt(0) === JSON_PREFIX ? JSON.parse(text) : text
}

/** A refusal thrown by the binding with a keycard code, as the `KeycardError` the fallback throws. */
function asKeycardError(err: unknown): unknown {
  const code = (err as { code?: unknown }).code
  return code === 'ERR_INVALID_ARGUMENT' ? createError(code, (err as Error).message) : err
}

class NativeCache implements CacheCore {
  readonly #binding: NativeBinding
  readonly #handle: Handle

  constructor(binding: NativeBinding, config: CacheConfig, name: string | null) {
    this.#binding = binding
    try {
      this.#handle = binding.cacheCreate(config.maxSize, config.maxBytes, config.ttl, name, config.updateAgeOnGet === true)
    } catch (err) {
      const code = (err as { code?: unknown }).code
      if (code === 'ERR_BAD_CONFIG') throw createError('ERR_BAD_CONFIG', (err as Error).message)
      throw err
    }
  }

  get(key: string): unknown {
    return decode(this.#binding.cacheGet(this.#handle, key))
  }

  peek(key: string): unknown {
    return decode(this.#binding.cachePeek(this.#handle, key))
  }

  set(key: string, kind: number, payload: string | Uint8Array, ttl: number): boolean {
    // The binding reads the key and a text value as UTF-16 and refuses a lone surrogate while it
    // converts them (ERR_INVALID_ARGUMENT, as the fallback), so nothing scans them here first.
    try {
      return kind === BYTES
        ? this.#binding.cacheSetBytes(this.#handle, key, payload as Uint8Array, ttl)
        : this.#binding.cacheSetText(this.#handle, key, kind, payload as string, ttl)
    } catch (err) {
      throw asKeycardError(err)
    }
  }

  increment(key: string, by: number, ttl: number): number | undefined {
    try {
      return this.#binding.cacheIncrement(this.#handle, key, by, ttl) ?? undefined
    } catch (err) {
      throw asKeycardError(err)
    }
  }

  entries(withValues: boolean): unknown[] {
    const flat: unknown[] = this.#binding.cacheEntries(this.#handle, withValues)
    if (withValues) for (let i = 1; i < flat.length; i += 3) flat[i] = decode(flat[i] as string | Buffer)
    return flat
  }

  has(key: string): boolean {
    return this.#binding.cacheHas(this.#handle, key)
  }

  delete(key: string): boolean {
    return this.#binding.cacheDelete(this.#handle, key)
  }

  clear(): void {
    this.#binding.cacheClear(this.#handle)
  }

  size(): number {
    return this.#binding.cacheSize(this.#handle)
  }

  remainingTtl(key: string): number {
    return this.#binding.cacheRemainingTtl(this.#handle, key)
  }

  stats(): CacheStats {
    const [hits, misses, evictions, expirations, bytes, size] = this.#binding.cacheStats(this.#handle) as number[]
    return { hits, misses, evictions, expirations, bytes, size } as CacheStats
  }

  setTestNow(now: number | null): void {
    this.#binding.cacheSetTestNow(this.#handle, now)
  }
}

/**
 * The `cache` part of the native backend.
 * @example
 * nativeCache(binding).openCache({ maxSize: 100, maxBytes: 0, ttl: 0, updateAgeOnGet: false }, null).set('k', KIND_TEXT, 'v', -1)
 */
export function nativeCache(binding: NativeBinding): CachePart {
  return { openCache: (config, name) => new NativeCache(binding, config, name) }
}
